//! Connection limits: idle connections beyond the cap do not keep a real client out, a
//! connection over the cap while every one is busy gets 503, slow or silent clients are
//! dropped, and a large body without a session is refused before it is read.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{text, Client, TestSim};
use esxvirt_sim::{Action, Injection, Limits, SimConfig, Tls};

fn start(limits: Limits) -> TestSim {
    TestSim::start(SimConfig {
        tls: Tls::Off,
        limits,
        ..SimConfig::default()
    })
}

fn hostport(sim: &TestSim) -> String {
    sim.url().trim_start_matches("http://").to_string()
}

fn connect(sim: &TestSim) -> TcpStream {
    let s = TcpStream::connect(hostport(sim)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s
}

/// A whole session: login, then a read of the VM names.
fn real_client_works(sim: &TestSim) -> Result<(), String> {
    let mut c = sim.client();
    let r = c.login("ha-sessionmgr", "root", "password");
    if r.status != 200 {
        return Err(format!("login {}: {}", r.status, r.body));
    }
    let r = c
        .soap(&common::envelope(
            "RetrieveProperties",
            ("PropertyCollector", "ha-property-collector"),
            &format!(
                "<specSet>{}<objectSet><obj type=\"VirtualMachine\">1</obj></objectSet></specSet>",
                common::prop_spec("VirtualMachine", &["name"])
            ),
        ))
        .map_err(|e| format!("{e:?}"))?;
    if r.status != 200 {
        return Err(format!("read {}: {}", r.status, r.body));
    }
    Ok(())
}

/// What the server did to a connection we keep silent or slow: reads until it closes it;
/// the bytes it sent first.
fn until_closed(s: &mut TcpStream) -> Result<Vec<u8>, String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Ok(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok(got),
            Err(e) => return Err(format!("still open after the read timeout: {e}")),
        }
    }
}

#[test]
fn hardening_limits_idle_connections_beyond_the_cap_do_not_stop_a_real_client() {
    let sim = start(Limits {
        max_connections: 8,
        ..Limits::default()
    });
    // Five times the cap in silent connections, some with half a request.
    let mut idle: Vec<TcpStream> = (0..40).map(|_| connect(&sim)).collect();
    for s in idle.iter_mut().step_by(3) {
        let _ = s.write_all(b"POST /sdk HTTP/1.1\r\nHost: x\r\n");
    }
    std::thread::sleep(Duration::from_millis(200));
    for round in 0..3 {
        real_client_works(&sim).unwrap_or_else(|e| panic!("round {round}: {e}"));
    }
    // The cap held: at most 8 of the idle ones are still open (the rest were closed to
    // make room); a closed one reads end-of-file at once.
    let mut open = 0;
    for s in &mut idle {
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let mut b = [0u8; 1];
        if matches!(s.read(&mut b), Err(ref e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut)
        {
            open += 1;
        }
    }
    assert!(open <= 8, "{open} idle connections still open");
}

#[test]
fn hardening_limits_over_the_cap_with_every_connection_busy_is_503() {
    let sim = start(Limits {
        max_connections: 3,
        ..Limits::default()
    });
    // Three requests that take long (injected latency) fill the cap with busy connections.
    sim.sim().inject(Injection::method(
        "RetrieveServiceContent",
        Action::Latency { ms: 3000 },
    ));
    let url = sim.url();
    let busy: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut c = Client::new(&url);
                c.call(
                    ("ServiceInstance", "ServiceInstance"),
                    "RetrieveServiceContent",
                    "",
                )
                .status
            })
        })
        .collect();
    // Counted as they arrive, before their latency: then all three are in progress.
    while sim.sim().stats().method("RetrieveServiceContent") < 3 {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut c = sim.client();
    let r = c
        .soap(&common::envelope(
            "RetrieveServiceContent",
            ("ServiceInstance", "ServiceInstance"),
            "",
        ))
        .expect("an answer, not a reset");
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.body.contains("too many connections"), "{}", r.body);
    // The busy ones were served all the same.
    for b in busy {
        assert_eq!(b.join().unwrap(), 200);
    }
    sim.sim().clear_injections();
    real_client_works(&sim).unwrap();
}

#[test]
fn hardening_limits_a_slow_header_or_a_silent_client_is_dropped() {
    let sim = start(Limits {
        header_timeout: Duration::from_millis(800),
        idle_timeout: Duration::from_millis(1500),
        ..Limits::default()
    });
    // Slowloris: a header trickling one line at a time, never finished.
    let mut slow = connect(&sim);
    let trickle = std::thread::spawn({
        let mut w = slow.try_clone().unwrap();
        move || {
            let _ = w.write_all(b"POST /sdk HTTP/1.1\r\n");
            for i in 0..100 {
                std::thread::sleep(Duration::from_millis(100));
                if w.write_all(format!("X-Slow-{i}: 1\r\n").as_bytes())
                    .is_err()
                {
                    return i;
                }
            }
            100
        }
    });
    // A connection that never says anything.
    let mut silent = connect(&sim);
    // A keep-alive connection left idle after one request.
    let mut kept = connect(&sim);
    kept.write_all(b"GET /sdk/vimServiceVersions.xml HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();

    until_closed(&mut slow).unwrap();
    let sent = trickle.join().unwrap();
    assert!(sent < 100, "the slow header was never cut off");
    until_closed(&mut silent).unwrap();
    let answered = String::from_utf8_lossy(&until_closed(&mut kept).unwrap()).into_owned();
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    // Prompt clients are not affected.
    real_client_works(&sim).unwrap();
}

#[test]
fn hardening_limits_a_large_body_without_a_session_is_refused_unread() {
    let sim = start(Limits {
        max_unauthenticated_body: 64 << 10,
        header_timeout: Duration::from_millis(1500),
        ..Limits::default()
    });
    // 32 MiB announced, none sent: the answer comes at once, so nothing was buffered.
    let mut s = connect(&sim);
    s.write_all(
        b"POST /sdk HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 33554432\r\n\r\n",
    )
    .unwrap();
    let answer = String::from_utf8_lossy(&until_closed(&mut s).unwrap()).into_owned();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // Chunked (no length announced): cut off at the limit.
    let mut s = connect(&sim);
    s.write_all(b"POST /sdk HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    let chunk = vec![b' '; 16 << 10];
    for _ in 0..8 {
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .is_err()
            || s.write_all(&chunk).is_err()
            || s.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&until_closed(&mut s).unwrap()).into_owned();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // A body that stalls: cut off after the header timeout.
    let mut s = connect(&sim);
    s.write_all(b"POST /sdk HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n<soapenv:")
        .unwrap();
    let answer = String::from_utf8_lossy(&until_closed(&mut s).unwrap()).into_owned();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");

    // The control endpoints refuse before reading, too.
    let mut s = connect(&sim);
    s.write_all(b"POST /esxsim/inject HTTP/1.1\r\nHost: x\r\nContent-Length: 33554432\r\n\r\n")
        .unwrap();
    let answer = String::from_utf8_lossy(&until_closed(&mut s).unwrap()).into_owned();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    // With a session, the same size is read and answered.
    let mut c = sim.root_client();
    let padding = " ".repeat(200 << 10);
    let r = c
        .soap(&common::envelope(
            "CurrentTime",
            ("ServiceInstance", "ServiceInstance"),
            &padding,
        ))
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(text(&r.body, "returnval").is_some(), "{}", r.body);
}
