//! Failure modes, session renewal, question handling and proxies, against small servers
//! started here on loopback ports: a scripted SOAP server, misbehaving raw TCP servers, and
//! http CONNECT / socks4 / socks5 proxies.

mod common;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use esxvirt_vi::soap::{decode_request, encode_fault, encode_response};
use esxvirt_vi::*;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Handler = Arc<dyn Fn(&Request) -> String + Send + Sync>;

fn moref(t: &str, v: &str) -> ManagedObjectReference {
    ManagedObjectReference::new(t, v)
}

fn service_content() -> ServiceContent {
    let mut sc = ServiceContent::default();
    sc.about.name = "Fake ESX".into();
    sc.about.full_name = "Fake ESX 8.0".into();
    sc.about.version = "8.0.1".into();
    sc.about.api_version = "8.0.1.0".into();
    sc.about.api_type = "HostAgent".into();
    sc.root_folder = moref("Folder", "ha-folder-root");
    sc.property_collector = moref("PropertyCollector", "ha-property-collector");
    sc.session_manager = Some(moref("SessionManager", "ha-sessionmgr"));
    sc
}

fn empty_response(method: &str) -> String {
    encode_response::<Value>(method, &[])
}

/// A SOAP server whose answers come from `handler` (RetrieveServiceContent and Login are
/// answered by default); returns its base URL, the methods it saw, and the SOAPActions.
async fn soap_server(handler: Handler) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            let seen = seen2.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let handler = handler.clone();
                    let seen = seen.clone();
                    async move {
                        let action = req
                            .headers()
                            .get("SOAPAction")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string();
                        let body = req
                            .into_body()
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let (status, xml) = match decode_request(&body) {
                            Ok(Ok(r)) => {
                                seen.lock()
                                    .unwrap()
                                    .push(format!("{} {action}", r.method_name()));
                                let xml = match &r {
                                    Request::RetrieveServiceContent(_) => encode_response(
                                        "RetrieveServiceContent",
                                        &[service_content()],
                                    ),
                                    _ => handler(&r),
                                };
                                (
                                    if xml.contains("<soapenv:Fault>") {
                                        500
                                    } else {
                                        200
                                    },
                                    xml,
                                )
                            }
                            _ => (500, encode_fault("bad request", None)),
                        };
                        let resp = hyper::Response::builder()
                            .status(status)
                            .header("Content-Type", "text/xml; charset=utf-8")
                            .header(
                                "Set-Cookie",
                                "vmware_soap_session=\"fake-key\"; Path=/; HttpOnly",
                            )
                            .body(Full::new(Bytes::from(xml)))
                            .unwrap();
                        Ok::<_, Infallible>(resp)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (format!("http://{addr}/sdk"), seen)
}

fn login_ok(method: &str) -> String {
    let s = UserSession {
        key: "k".into(),
        user_name: "root".into(),
        ..Default::default()
    };
    encode_response(method, &[s])
}

fn fault(v: Value) -> String {
    encode_fault("fault", Some(&v))
}

fn cfg(url: &str) -> ClientConfig {
    let mut c = ClientConfig::new(url);
    c.connect_timeout = Duration::from_secs(5);
    c.request_timeout = Duration::from_secs(5);
    c
}

/// A raw TCP server running `f` on each connection.
async fn raw_server<F, Fut>(f: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let f = Arc::new(f);
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(f(s));
        }
    });
    format!("http://{addr}/sdk")
}

async fn read_request(s: &mut TcpStream) {
    let mut buf = vec![0u8; 65536];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        got.extend_from_slice(&buf[..n]);
    }
}

fn one_line(e: &Error) -> String {
    let s = e.to_string();
    assert!(!s.contains('\n'), "multi-line error: {s}");
    assert!(!s.is_empty());
    s
}

#[tokio::test]
async fn connection_refused_is_typed() {
    let port = esxvirt_testkit::free_port();
    let e = Client::connect(cfg(&format!("http://127.0.0.1:{port}/sdk")))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::ConnectionRefused { .. }), "{e:?}");
    assert!(one_line(&e).contains("connection refused"));
}

#[tokio::test]
async fn http_5xx_and_non_xml_are_typed() {
    let url = raw_server(|mut s| async move {
        read_request(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nbusy!")
            .await;
    })
    .await;
    let e = Client::connect(cfg(&url)).await.unwrap_err();
    assert!(matches!(e, Error::Http { status: 503, .. }), "{e:?}");
    one_line(&e);

    let url = raw_server(|mut s| async move {
        read_request(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot xml!!")
            .await;
    })
    .await;
    let e = Client::connect(cfg(&url)).await.unwrap_err();
    assert!(matches!(e, Error::BadResponse { .. }), "{e:?}");
    one_line(&e);
}

#[tokio::test]
async fn truncated_body_and_reset_are_typed() {
    let url = raw_server(|mut s| async move {
        read_request(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<?xml version=\"1.0\"?><soapenv:Envelope")
            .await;
    })
    .await;
    let e = Client::connect(cfg(&url)).await.unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e:?}");
    one_line(&e);

    // A complete HTTP response whose XML is cut short.
    let url = raw_server(|mut s| async move {
        read_request(&mut s).await;
        let body = b"<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><RetrieveServiceContentResponse><returnval><about>";
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
        let _ = s.write_all(head.as_bytes()).await;
        let _ = s.write_all(body).await;
    })
    .await;
    let e = Client::connect(cfg(&url)).await.unwrap_err();
    assert!(matches!(e, Error::BadResponse { .. }), "{e:?}");
    assert!(one_line(&e).contains("truncated"), "{e}");

    let url = raw_server(|mut s| async move {
        read_request(&mut s).await;
        // SO_LINGER 0 makes the close a reset (RST); blocking on drop is moot with 0.
        #[allow(deprecated)]
        let _ = s.set_linger(Some(Duration::ZERO));
        drop(s);
    })
    .await;
    let e = Client::connect(cfg(&url)).await.unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e:?}");
    one_line(&e);
}

#[tokio::test]
async fn slow_server_times_out_and_large_response_is_refused() {
    let url = raw_server(|mut s| async move {
        read_request(&mut s).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let mut c = cfg(&url);
    c.request_timeout = Duration::from_millis(300);
    let e = Client::connect(c).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    one_line(&e);

    let (url, _) = soap_server(Arc::new(|r: &Request| empty_response(r.method_name()))).await;
    let mut c = cfg(&url);
    c.max_response_bytes = 100;
    let e = Client::connect(c).await.unwrap_err();
    assert!(matches!(e, Error::TooLarge { limit: 100, .. }), "{e:?}");
    one_line(&e);
}

#[tokio::test]
async fn dtd_in_a_response_is_refused() {
    let url = raw_server(|mut s| async move {
        read_request(&mut s).await;
        let body = b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body/></soapenv:Envelope>";
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
        let _ = s.write_all(head.as_bytes()).await;
        let _ = s.write_all(body).await;
    })
    .await;
    let e = Client::connect(cfg(&url)).await.unwrap_err();
    assert!(one_line(&e).contains("DTD"), "{e}");
}

#[tokio::test]
async fn soap_action_keep_alive_and_cookie() {
    let (url, seen) = soap_server(Arc::new(|r: &Request| login_ok(r.method_name()))).await;
    let c = Client::connect(cfg(&url)).await.unwrap();
    c.login("root", "secret").await.unwrap();
    assert_eq!(
        c.session_cookie().as_deref(),
        Some("vmware_soap_session=\"fake-key\"")
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            "RetrieveServiceContent urn:vim25/5.0",
            "Login urn:vim25/8.0.1.0"
        ]
    );
    assert_eq!(c.request_count(), 2);
}

#[tokio::test]
async fn expired_session_renews_reads_but_never_resends_tasks() {
    let reads = Arc::new(AtomicUsize::new(0));
    let r2 = reads.clone();
    let handler: Handler = Arc::new(move |r: &Request| match r {
        Request::Login(_) => login_ok("Login"),
        Request::RetrievePropertiesEx(_) => {
            // The first read finds the session expired.
            if r2.fetch_add(1, Ordering::SeqCst) == 0 {
                fault(NotAuthenticated::default().into())
            } else {
                encode_response("RetrievePropertiesEx", &[RetrieveResult::default()])
            }
        }
        Request::PowerOnVM_Task(_) => fault(NotAuthenticated::default().into()),
        other => empty_response(other.method_name()),
    });
    let (url, seen) = soap_server(handler).await;
    let c = Client::connect(cfg(&url)).await.unwrap();
    c.login("root", "secret").await.unwrap();
    let pc = c.service_content().root_folder.clone();
    let r = c.object_properties(&pc, &["name"]).await;
    // The renewed read succeeded (the object is absent from this fake's answer).
    assert!(
        matches!(r, Err(Error::Fault(Fault::ManagedObjectNotFound { .. }))),
        "{r:?}"
    );
    let e = c
        .power_on_vm_task(&moref("VirtualMachine", "1"), None)
        .await
        .unwrap_err();
    assert!(e.is_not_authenticated(), "{e:?}");
    let methods: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(
        methods,
        vec![
            "RetrieveServiceContent",
            "Login",
            "RetrievePropertiesEx",
            "Login",
            "RetrievePropertiesEx",
            "PowerOnVM_Task"
        ]
    );
}

fn question() -> VirtualMachineQuestionInfo {
    VirtualMachineQuestionInfo {
        id: "q-7".into(),
        text: "This virtual machine might have been moved or copied.\nDid you move it or copy it?"
            .into(),
        choice: ChoiceOption {
            choice_info: [("0", "Cancel"), ("1", "I Moved It"), ("2", "I Copied It")]
                .iter()
                .map(|(k, l)| ElementDescription {
                    key: (*k).into(),
                    base: Description {
                        label: (*l).into(),
                        summary: String::new(),
                    },
                })
                .collect(),
            default_index: Some(2),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A fake where a power-on task is blocked by a question until AnswerVM.
fn question_handler(cancelable: bool, answers: Arc<Mutex<Vec<String>>>) -> Handler {
    let waits = Arc::new(AtomicUsize::new(0));
    Arc::new(move |r: &Request| match r {
        Request::Login(_) => login_ok("Login"),
        Request::PowerOnVM_Task(_) => encode_response("PowerOnVM_Task", &[moref("Task", "task-1")]),
        Request::CreateFilter(_) => {
            encode_response("CreateFilter", &[moref("PropertyFilter", "filter-1")])
        }
        Request::RetrievePropertiesEx(_) => {
            let answered = !answers.lock().unwrap().is_empty();
            let mut oc = ObjectContent {
                obj: moref("VirtualMachine", "vm-1"),
                ..Default::default()
            };
            if !answered {
                oc.prop_set.push(DynamicProperty {
                    name: "runtime.question".into(),
                    val: question().into(),
                });
            }
            encode_response(
                "RetrievePropertiesEx",
                &[RetrieveResult {
                    token: None,
                    objects: vec![oc],
                }],
            )
        }
        Request::AnswerVM(a) => {
            answers
                .lock()
                .unwrap()
                .push(format!("{}={}", a.question_id, a.answer_choice));
            empty_response("AnswerVM")
        }
        Request::CancelTask(_) => {
            answers.lock().unwrap().push("cancel".into());
            empty_response("CancelTask")
        }
        Request::WaitForUpdatesEx(_) => {
            let n = waits.fetch_add(1, Ordering::SeqCst);
            let answered = !answers.lock().unwrap().is_empty();
            let state = if answered {
                TaskInfoState::Success
            } else {
                TaskInfoState::Running
            };
            let info = TaskInfo {
                key: "task-1".into(),
                task: moref("Task", "task-1"),
                entity: Some(moref("VirtualMachine", "vm-1")),
                state,
                cancelable,
                ..Default::default()
            };
            let mut objs = vec![ObjectUpdate {
                kind: ObjectUpdateKind::Modify,
                obj: moref("Task", "task-1"),
                change_set: vec![PropertyChange {
                    name: "info".into(),
                    op: PropertyChangeOp::Assign,
                    val: Some(info.into()),
                }],
                missing_set: vec![],
            }];
            if !answered {
                objs.push(ObjectUpdate {
                    kind: ObjectUpdateKind::Modify,
                    obj: moref("VirtualMachine", "vm-1"),
                    change_set: vec![PropertyChange {
                        name: "runtime.question".into(),
                        op: PropertyChangeOp::Assign,
                        val: Some(question().into()),
                    }],
                    missing_set: vec![],
                });
            }
            let set = UpdateSet {
                version: (n + 1).to_string(),
                filter_set: vec![PropertyFilterUpdate {
                    filter: moref("PropertyFilter", "filter-1"),
                    object_set: objs,
                    missing_set: vec![],
                }],
                truncated: None,
            };
            encode_response("WaitForUpdatesEx", &[set])
        }
        other => empty_response(other.method_name()),
    })
}

#[tokio::test]
async fn question_auto_answer_while_waiting() {
    let answers = Arc::new(Mutex::new(Vec::new()));
    let (url, seen) = soap_server(question_handler(false, answers.clone())).await;
    let c = Client::connect(cfg(&url)).await.unwrap();
    c.login("root", "secret").await.unwrap();
    let vm = moref("VirtualMachine", "vm-1");
    let task = c.power_on_vm_task(&vm, None).await.unwrap();
    c.wait_for_task_on(&task, Some(&vm), &QuestionPolicy { auto_answer: true })
        .await
        .unwrap();
    assert_eq!(*answers.lock().unwrap(), vec!["q-7=2"]);
    let seen = seen.lock().unwrap().join(",");
    assert!(seen.contains("DestroyPropertyFilter"), "{seen}");
}

#[tokio::test]
async fn question_without_auto_answer_cancels_or_leaves_task_behind() {
    for cancelable in [true, false] {
        let answers = Arc::new(Mutex::new(Vec::new()));
        let (url, _) = soap_server(question_handler(cancelable, answers.clone())).await;
        let c = Client::connect(cfg(&url)).await.unwrap();
        c.login("root", "secret").await.unwrap();
        let vm = moref("VirtualMachine", "vm-1");
        let task = c.power_on_vm_task(&vm, None).await.unwrap();
        let e = c
            .wait_for_task(&task, &QuestionPolicy { auto_answer: false })
            .await
            .unwrap_err();
        let Error::Question(q) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(q.choices, vec!["Cancel", "I Moved It", "I Copied It"]);
        let line = one_line(&e);
        assert!(line.contains("Did you move it or copy it?"), "{line}");
        if cancelable {
            assert_eq!(q.task, BlockedTask::Cancelled);
            assert_eq!(*answers.lock().unwrap(), vec!["cancel"]);
        } else {
            assert_eq!(q.task, BlockedTask::LeftBehind);
            assert!(line.contains("left behind"), "{line}");
            assert!(answers.lock().unwrap().is_empty());
        }
    }
}

#[tokio::test]
async fn question_checked_before_starting_a_task() {
    let answers = Arc::new(Mutex::new(Vec::new()));
    let (url, _) = soap_server(question_handler(false, answers.clone())).await;
    let c = Client::connect(cfg(&url)).await.unwrap();
    c.login("root", "secret").await.unwrap();
    let vm = moref("VirtualMachine", "vm-1");
    let e = c
        .check_question(&vm, &QuestionPolicy { auto_answer: false })
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Question(q) if q.task == BlockedTask::NotStarted),
        "{e:?}"
    );
    assert!(answers.lock().unwrap().is_empty());
    assert!(c
        .check_question(&vm, &QuestionPolicy { auto_answer: true })
        .await
        .unwrap());
    assert_eq!(*answers.lock().unwrap(), vec!["q-7=2"]);
    assert!(!c
        .check_question(&vm, &QuestionPolicy { auto_answer: true })
        .await
        .unwrap());
}

/// Copies bytes both ways until either side closes.
async fn splice(a: TcpStream, b: TcpStream) {
    let (mut ar, mut aw) = a.into_split();
    let (mut br, mut bw) = b.into_split();
    let _ = tokio::join!(
        tokio::io::copy(&mut ar, &mut bw),
        tokio::io::copy(&mut br, &mut aw)
    );
}

/// A proxy of `kind` on a loopback port; counts the connections it relays.
async fn proxy(kind: ProxyKind) -> (Proxy, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let c2 = count.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let count = c2.clone();
            tokio::spawn(async move {
                let target = match kind {
                    ProxyKind::Http => {
                        let mut head = Vec::new();
                        let mut b = [0u8; 1];
                        while !head.ends_with(b"\r\n\r\n") {
                            if s.read(&mut b).await.unwrap_or(0) == 0 {
                                return;
                            }
                            head.push(b[0]);
                        }
                        let text = String::from_utf8_lossy(&head).to_string();
                        let line = text.lines().next().unwrap_or("").to_string();
                        let mut parts = line.split_whitespace();
                        let method = parts.next().unwrap_or("");
                        let uri = parts.next().unwrap_or("").to_string();
                        if method == "CONNECT" {
                            let _ = s
                                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                                .await;
                            uri
                        } else {
                            // Absolute-form request: forward it as is.
                            let hostport = uri
                                .trim_start_matches("http://")
                                .split('/')
                                .next()
                                .unwrap_or("")
                                .to_string();
                            let Ok(mut up) = TcpStream::connect(&hostport).await else {
                                return;
                            };
                            let _ = up.write_all(&head).await;
                            count.fetch_add(1, Ordering::SeqCst);
                            splice(s, up).await;
                            return;
                        }
                    }
                    ProxyKind::Socks5 => {
                        let mut g = [0u8; 2];
                        if s.read_exact(&mut g).await.is_err() {
                            return;
                        }
                        let mut m = vec![0u8; g[1] as usize];
                        let _ = s.read_exact(&mut m).await;
                        let _ = s.write_all(&[5, 0]).await;
                        let mut h = [0u8; 4];
                        let _ = s.read_exact(&mut h).await;
                        let host = match h[3] {
                            1 => {
                                let mut ip = [0u8; 4];
                                let _ = s.read_exact(&mut ip).await;
                                std::net::Ipv4Addr::from(ip).to_string()
                            }
                            3 => {
                                let mut l = [0u8; 1];
                                let _ = s.read_exact(&mut l).await;
                                let mut name = vec![0u8; l[0] as usize];
                                let _ = s.read_exact(&mut name).await;
                                String::from_utf8_lossy(&name).to_string()
                            }
                            _ => return,
                        };
                        let mut p = [0u8; 2];
                        let _ = s.read_exact(&mut p).await;
                        let _ = s.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await;
                        format!("{host}:{}", u16::from_be_bytes(p))
                    }
                    ProxyKind::Socks4 | ProxyKind::Socks4a => {
                        let mut h = [0u8; 8];
                        if s.read_exact(&mut h).await.is_err() {
                            return;
                        }
                        let port = u16::from_be_bytes([h[2], h[3]]);
                        let mut read_z = Vec::new();
                        let mut b = [0u8; 1];
                        loop {
                            let _ = s.read_exact(&mut b).await;
                            if b[0] == 0 {
                                break;
                            }
                            read_z.push(b[0]);
                        }
                        let host = if h[4] == 0 && h[5] == 0 && h[6] == 0 && h[7] != 0 {
                            // socks4a: the name follows the user id.
                            let mut name = Vec::new();
                            loop {
                                let _ = s.read_exact(&mut b).await;
                                if b[0] == 0 {
                                    break;
                                }
                                name.push(b[0]);
                            }
                            String::from_utf8_lossy(&name).to_string()
                        } else {
                            std::net::Ipv4Addr::new(h[4], h[5], h[6], h[7]).to_string()
                        };
                        let _ = s.write_all(&[0, 90, 0, 0, 0, 0, 0, 0]).await;
                        format!("{host}:{port}")
                    }
                };
                let Ok(up) = TcpStream::connect(&target).await else {
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                splice(s, up).await;
            });
        }
    });
    (
        Proxy {
            kind,
            host: "127.0.0.1".into(),
            port,
        },
        count,
    )
}

#[tokio::test]
async fn http_socks4_socks4a_socks5_proxies() {
    let (url, _) = soap_server(Arc::new(|r: &Request| login_ok(r.method_name()))).await;
    // socks4a and socks5 get the name "localhost" resolved by the proxy.
    let by_name = url.replace("127.0.0.1", "localhost");
    for (kind, url) in [
        (ProxyKind::Http, url.clone()),
        (ProxyKind::Socks4, url.clone()),
        (ProxyKind::Socks4a, by_name.clone()),
        (ProxyKind::Socks5, by_name.clone()),
    ] {
        let (p, count) = proxy(kind).await;
        let mut c = cfg(&url);
        c.proxy = Some(p);
        let client = Client::connect(c)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        client.login("root", "secret").await.unwrap();
        assert_eq!(
            count.load(Ordering::SeqCst),
            1,
            "{kind:?}: one relayed connection, kept alive"
        );
    }
}

#[tokio::test]
async fn https_verifies_certificates_by_default() {
    // A TLS server with a self-signed certificate: refused unless no_verify.
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let der = rustls::pki_types::CertificateDer::from(cert.cert.der().to_vec());
    let key = rustls::pki_types::PrivateKeyDer::try_from(cert.key_pair.serialize_der()).unwrap();
    let port = common::tls_server(vec![der], key, service_content()).await;
    let url = format!("https://localhost:{port}/sdk");
    let e = Client::connect(cfg(&url)).await.unwrap_err();
    assert!(matches!(e, Error::Tls { .. }), "{e:?}");
    one_line(&e);
    // Trusted through a CA file.
    let dir = std::env::temp_dir().join(format!("esxvirt-vi-ca-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, cert.cert.pem()).unwrap();
    let mut c = cfg(&url);
    c.ca_file = Some(ca.clone());
    Client::connect(c).await.expect("trusted via ca_file");
    let mut c = cfg(&url);
    c.no_verify = true;
    Client::connect(c).await.expect("no_verify");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn client_and_its_futures_are_send() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<Client>();
    send_sync::<Error>();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = Client::resume(
            cfg("http://127.0.0.1:9/sdk"),
            SavedSession {
                cookie: "vmware_soap_session=\"x\"".into(),
                service_content: service_content(),
            },
        )
        .unwrap();
        let vm = moref("VirtualMachine", "1");
        let policy = QuestionPolicy::default();
        send(&c.login("u", "p"));
        send(&c.wait_for_task(&vm, &policy));
        send(&c.object_properties(&vm, &["name"]));
        let mut pages = c.retrieve_objects(&vm, "VirtualMachine", &["name"], 10);
        send(&pages.next_page());
        send(&c.get_file("/folder/x"));
    });
}
