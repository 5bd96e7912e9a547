//! Streamed file transfers (`get_file_stream`, `put_file_stream`) against small servers
//! started here on loopback ports: bodies arrive and leave in bounded pieces, a server that
//! ignores `Range` still yields just the range, the session cookie goes along, and broken
//! bodies are errors.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use esxvirt_vi::*;
use http_body_util::BodyExt;
use hyper::body::Frame;
use hyper::service::service_fn;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the test server saw of the requests.
#[derive(Default, Debug)]
struct Seen {
    ranges: Vec<Option<String>>,
    cookies: Vec<Option<String>>,
    content_lengths: Vec<Option<String>>,
    put_bytes: u64,
    put_largest_frame: usize,
}

fn pattern(at: u64) -> u8 {
    (at % 251) as u8
}

/// Serves GET with `size` bytes of [`pattern`] in 64 KiB frames generated as they go,
/// ignoring `Range`; takes PUT bodies frame by frame, counting them.
async fn server(size: u64) -> (String, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let seen = seen2.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let seen = seen.clone();
                    async move {
                        let h = |n: &str| {
                            req.headers()
                                .get(n)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_string)
                        };
                        {
                            let mut s = seen.lock().unwrap();
                            s.ranges.push(h("range"));
                            s.cookies.push(h("cookie"));
                            s.content_lengths.push(h("content-length"));
                        }
                        let body = if req.method() == hyper::Method::PUT {
                            let mut body = req.into_body();
                            while let Some(Ok(f)) = body.frame().await {
                                if let Ok(d) = f.into_data() {
                                    let mut s = seen.lock().unwrap();
                                    s.put_bytes += d.len() as u64;
                                    s.put_largest_frame = s.put_largest_frame.max(d.len());
                                }
                            }
                            http_body_util::Either::Left(http_body_util::Empty::<Bytes>::new())
                        } else {
                            http_body_util::Either::Right(PatternBody { at: 0, size })
                        };
                        let mut resp = hyper::Response::new(body);
                        resp.headers_mut()
                            .insert("content-length", size.to_string().parse().unwrap());
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

/// The GET body: 64 KiB frames made on demand (never the whole body at once).
struct PatternBody {
    at: u64,
    size: u64,
}

impl hyper::body::Body for PatternBody {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.at >= self.size {
            return std::task::Poll::Ready(None);
        }
        let n = (self.size - self.at).min(64 << 10);
        let chunk: Vec<u8> = (self.at..self.at + n).map(pattern).collect();
        self.at += n;
        std::task::Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
    }
}

fn client(url: &str) -> Client {
    let mut cfg = ClientConfig::new(url);
    cfg.request_timeout = Duration::from_secs(20);
    // A body larger than the SOAP response limit: file bodies are not bound by it.
    cfg.max_response_bytes = 1 << 20;
    let mut sc = ServiceContent::default();
    sc.about.api_version = "8.0.1.0".into();
    let saved = SavedSession {
        cookie: "vmware_soap_session=\"abc\"".into(),
        service_content: sc,
    };
    Client::resume(cfg, saved).unwrap()
}

#[tokio::test]
async fn downloads_arrive_in_bounded_pieces_and_ranges_are_cut_out() {
    const SIZE: u64 = 64 << 20;
    let (url, seen) = server(SIZE).await;
    let c = client(&url);
    let mut dl = c
        .get_file_stream("/folder/d-flat.vmdk?dsName=ds", ByteRange::default())
        .await
        .unwrap();
    assert_eq!(dl.expected_len(), Some(SIZE));
    let (mut total, mut largest) = (0u64, 0usize);
    while let Some(chunk) = dl.chunk().await.unwrap() {
        assert!(
            chunk
                .iter()
                .enumerate()
                .all(|(i, &b)| b == pattern(total + i as u64)),
            "bytes at {total}"
        );
        total += chunk.len() as u64;
        largest = largest.max(chunk.len());
    }
    assert_eq!(total, SIZE);
    assert!(largest <= 1 << 20, "pieces stay small: largest {largest}");

    // The server ignores Range and sends everything: the client keeps just the range.
    let range = ByteRange {
        offset: 1_000_000,
        length: Some(70_000),
    };
    let mut dl = c
        .get_file_stream("/folder/x?dsName=ds", range)
        .await
        .unwrap();
    assert_eq!(dl.expected_len(), Some(70_000));
    let mut got = Vec::new();
    while let Some(chunk) = dl.chunk().await.unwrap() {
        got.extend_from_slice(&chunk);
    }
    let expect: Vec<u8> = (1_000_000..1_070_000).map(pattern).collect();
    assert!(got == expect, "the range, cut out of the whole body");

    let s = seen.lock().unwrap();
    assert_eq!(
        s.ranges,
        vec![None, Some("bytes=1000000-1069999".to_string())]
    );
    assert_eq!(
        s.cookies,
        vec![Some("vmware_soap_session=\"abc\"".to_string()); 2]
    );
    assert_eq!(c.request_count(), 2);
}

#[tokio::test]
async fn uploads_leave_in_bounded_pieces_with_their_length() {
    let (url, seen) = server(0).await;
    let c = client(&url);
    let total = 8u64 << 20;
    let mut up = c
        .put_file_stream("/folder/d-flat.vmdk?dsName=ds", total)
        .await
        .unwrap();
    let piece = Bytes::from(vec![5u8; 256 << 10]);
    for _ in 0..(total / piece.len() as u64) {
        up.send(piece.clone()).await.unwrap();
    }
    up.finish().await.unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(s.put_bytes, total);
    assert!(s.put_largest_frame <= 1 << 20, "{}", s.put_largest_frame);
    assert_eq!(s.content_lengths, vec![Some(total.to_string())]);
}

#[tokio::test]
async fn short_uploads_and_truncated_downloads_are_errors() {
    let (url, seen) = server(0).await;
    let c = client(&url);
    let up = c
        .put_file_stream("/folder/x?dsName=ds", 1000)
        .await
        .unwrap();
    // Abandoned after no data: the request fails instead of sending a short body.
    let e = up.finish().await.unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e}");
    assert_eq!(seen.lock().unwrap().put_bytes, 0);

    // Announces 1000 bytes, sends 500, closes.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        if let Ok((mut s, _)) = listener.accept().await {
            let mut buf = vec![0u8; 4096];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
                .await;
            let _ = s.write_all(&[1u8; 500]).await;
        }
    });
    let c = client(&format!("http://{addr}/sdk"));
    let mut dl = c
        .get_file_stream("/folder/x?dsName=ds", ByteRange::default())
        .await
        .unwrap();
    let mut got = 0;
    let e = loop {
        match dl.chunk().await {
            Ok(Some(b)) => got += b.len(),
            Ok(None) => panic!("a truncated body ended cleanly"),
            Err(e) => break e,
        }
    };
    assert_eq!(got, 500);
    assert!(
        e.to_string()
            .starts_with(&format!("connection to {addr} failed during the request")),
        "{e}"
    );
}
