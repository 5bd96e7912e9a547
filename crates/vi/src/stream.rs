//! Streamed datastore file transfers (`/folder/...`) for files too large to hold in memory
//! (virtual disks of many gigabytes): a download hands out the body chunk by chunk as hyper
//! reads it, an upload sends chunks from a bounded channel, so at most a few chunks are in
//! memory at a time, whatever the file's size.
//!
//! Each transfer uses a connection of its own (same TLS, proxy and session cookie as the
//! SOAP calls) so a transfer of minutes never holds up the SOAP connection. The response
//! size limit of SOAP calls does not apply to file bodies; the request timeout applies to
//! each wait instead of the whole transfer (connecting, the response head, every chunk).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::sync::mpsc;

use crate::client::Client;
use crate::error::Error;
use crate::fault::Fault;
use crate::transport::error_chain;

/// A byte range of a file: `offset` and, when given, at most `length` bytes from there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ByteRange {
    pub offset: u64,
    pub length: Option<u64>,
}

impl ByteRange {
    /// The `Range` header value (`bytes=FIRST-[LAST]`), or `None` for the whole file.
    pub fn header(&self) -> Option<String> {
        match self.length {
            None if self.offset == 0 => None,
            None => Some(format!("bytes={}-", self.offset)),
            Some(len) => {
                let last = self.offset.saturating_add(len.max(1)) - 1;
                Some(format!("bytes={}-{last}", self.offset))
            }
        }
    }
}

/// A download in progress: read it with [`FileDownload::chunk`] until `None`.
#[derive(Debug)]
pub struct FileDownload {
    body: Incoming,
    /// How many bytes the body announces (`Content-Length`).
    content_length: Option<u64>,
    /// The whole file's size, when the server said (`Content-Range: bytes a-b/SIZE`, or the
    /// length of a full answer).
    file_size: Option<u64>,
    /// Bytes of the body still to drop: a server that ignored `Range` sends the file from
    /// its start.
    skip: u64,
    /// Bytes still to hand out (the asked length), `None` for up to the end.
    left: Option<u64>,
    /// What [`FileDownload::chunk`] has handed out so far.
    received: u64,
    /// Body bytes read so far (handed out or dropped).
    body_read: u64,
    timeout: Duration,
    addr: String,
}

impl FileDownload {
    /// How many bytes this download will hand out, when known.
    pub fn expected_len(&self) -> Option<u64> {
        let body = self.content_length.map(|l| l.saturating_sub(self.skip));
        match (body, self.left) {
            (Some(b), Some(l)) => Some(b.min(l + self.received)),
            (Some(b), None) => Some(b),
            (None, Some(l)) => Some(l + self.received),
            (None, None) => None,
        }
    }

    /// The size of the whole file, when the server told it.
    pub fn file_size(&self) -> Option<u64> {
        self.file_size
    }

    /// The next piece of the body (at most what hyper read at once), `None` at the end.
    /// Fails when the connection breaks or a wait exceeds the request timeout.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        loop {
            if self.left == Some(0) {
                return Ok(None);
            }
            let frame = match tokio::time::timeout(self.timeout, self.body.frame()).await {
                Err(_) => {
                    return Err(Error::Timeout {
                        what: "waiting for file data",
                        after: self.timeout,
                    })
                }
                Ok(None) => {
                    return match self.content_length {
                        Some(n) if self.body_read < n && self.left.is_none() => {
                            Err(self.truncated())
                        }
                        _ => Ok(None),
                    }
                }
                Ok(Some(Err(e))) => {
                    return Err(Error::Connection {
                        addr: self.addr.clone(),
                        reason: error_chain(&e),
                    })
                }
                Ok(Some(Ok(f))) => f,
            };
            let Ok(mut data) = frame.into_data() else {
                continue; // trailers
            };
            self.body_read += data.len() as u64;
            if self.skip > 0 {
                let n = (self.skip as usize).min(data.len());
                self.skip -= n as u64;
                data = data.slice(n..);
            }
            if let Some(left) = self.left.as_mut() {
                if (data.len() as u64) > *left {
                    data = data.slice(..*left as usize);
                }
                *left -= data.len() as u64;
            }
            if data.is_empty() {
                continue;
            }
            self.received += data.len() as u64;
            return Ok(Some(data));
        }
    }

    fn truncated(&self) -> Error {
        Error::Connection {
            addr: self.addr.clone(),
            reason: format!(
                "the file body ended after {} of {} bytes",
                self.body_read,
                self.content_length.unwrap_or(0)
            ),
        }
    }
}

fn header_str(resp: &hyper::Response<Incoming>, name: http::header::HeaderName) -> Option<&str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The SIZE of `Content-Range: bytes FIRST-LAST/SIZE` (and FIRST).
fn content_range(v: &str) -> Option<(u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (span, size) = rest.split_once('/')?;
    let first = span.split_once('-')?.0.trim().parse().ok()?;
    Some((first, size.trim().parse().ok()))
}

/// The body of an upload: chunks from a bounded channel, announced with its exact length.
struct ChannelBody {
    rx: mpsc::Receiver<Bytes>,
    left: u64,
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.rx.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(b)) => {
                if b.len() as u64 > self.left {
                    return Poll::Ready(Some(Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "more data than announced",
                    ))));
                }
                self.left -= b.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(b))))
            }
            // The sender is gone: the end when everything came, else an aborted upload
            // (an error makes hyper drop the connection instead of sending a short body).
            Poll::Ready(None) if self.left == 0 => Poll::Ready(None),
            Poll::Ready(None) => Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the upload was abandoned before all its data was sent",
            )))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}

/// How many chunks an upload queues before [`FileUpload::send`] waits.
const UPLOAD_QUEUE: usize = 4;

/// An upload in progress: [`FileUpload::send`] exactly the announced number of bytes, then
/// [`FileUpload::finish`].
pub struct FileUpload {
    tx: Option<mpsc::Sender<Bytes>>,
    response: tokio::task::JoinHandle<Result<hyper::Response<Incoming>, Error>>,
    path: String,
    timeout: Duration,
    client: Client,
}

impl std::fmt::Debug for FileUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileUpload")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl FileUpload {
    /// Queues one chunk (waits while the queue is full). An error means the server stopped
    /// taking the body: [`FileUpload::finish`] tells why.
    pub async fn send(&mut self, chunk: Bytes) -> Result<(), Error> {
        let Some(tx) = &self.tx else {
            return Err(Error::Config("internal: the upload was finished".into()));
        };
        match tokio::time::timeout(self.timeout, tx.send(chunk)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Error::Connection {
                addr: self.client.transport().target(),
                reason: "the server stopped reading the upload".into(),
            }),
            Err(_) => Err(Error::Timeout {
                what: "sending file data",
                after: self.timeout,
            }),
        }
    }

    /// Ends the body and waits for the server's answer.
    pub async fn finish(mut self) -> Result<(), Error> {
        self.tx = None;
        let resp = match tokio::time::timeout(self.timeout, &mut self.response).await {
            Err(_) => {
                self.response.abort();
                return Err(Error::Timeout {
                    what: "waiting for the upload's answer",
                    after: self.timeout,
                });
            }
            Ok(Err(e)) => {
                return Err(Error::Config(format!(
                    "internal: the upload task failed: {e}"
                )))
            }
            Ok(Ok(r)) => r?,
        };
        self.client.take_cookies(resp.headers());
        let status = resp.status();
        match status.as_u16() {
            200..=299 => Ok(()),
            401 | 403 => {
                // The body is spent, so the upload cannot be resent here; renew the session
                // so that a new attempt succeeds.
                let _ = self.client.relogin().await;
                Err(Error::Fault(Fault::NotAuthenticated {
                    message: format!("HTTP {} for {}", status.as_u16(), self.path),
                }))
            }
            code => Err(Error::Http {
                status: code,
                reason: status.canonical_reason().unwrap_or("").to_string(),
                path: self.path.clone(),
            }),
        }
    }
}

impl Drop for FileUpload {
    fn drop(&mut self) {
        // An upload dropped before `finish` is abandoned: stop its request.
        if self.tx.is_some() {
            self.response.abort();
        }
    }
}

impl Client {
    /// Starts downloading `path_and_query` (`/folder/...`), the part `range` names:
    /// `Range` is sent, and when the server answers with the whole file instead, the bytes
    /// outside the range are dropped as they come. A session that expired is renewed once;
    /// a connection that breaks before the answer's head is tried once more (a read).
    pub async fn get_file_stream(
        &self,
        path_and_query: &str,
        range: ByteRange,
    ) -> Result<FileDownload, Error> {
        let transport = self.transport();
        let timeout = transport.request_timeout();
        let mut retried = false;
        let mut resent = false;
        loop {
            self.count_request();
            let mut headers = vec![];
            if let Some(r) = range.header() {
                headers.push(("Range", r));
            }
            if let Some(c) = self.cookie_header() {
                headers.push(("Cookie", c));
            }
            let mut sender = transport.connect::<Empty<Bytes>>().await?;
            let req =
                transport.request(http::Method::GET, path_and_query, &headers, Empty::new())?;
            let resp = match tokio::time::timeout(timeout, sender.send_request(req)).await {
                Err(_) => {
                    return Err(Error::Timeout {
                        what: "the request",
                        after: timeout,
                    })
                }
                Ok(Ok(r)) => r,
                Ok(Err(e)) if !resent => {
                    tracing::debug!(error = %e, "connection lost; asking for the file again");
                    resent = true;
                    continue;
                }
                Ok(Err(e)) => return Err(transport.conn_error(e)),
            };
            self.take_cookies(resp.headers());
            let status = resp.status().as_u16();
            // What the body holds: its length, the whole file's size, the bytes to drop
            // before the range and how many to hand out.
            let (content_length, file_size, skip, left) = match status {
                200 | 206 => {
                    let content_length = header_str(&resp, http::header::CONTENT_LENGTH)
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    let cr = header_str(&resp, http::header::CONTENT_RANGE).and_then(content_range);
                    let (skip, file_size) = if status == 206 {
                        // The server sent the range; a range starting elsewhere is not
                        // what was asked.
                        let (first, size) = cr.unwrap_or((range.offset, None));
                        if first != range.offset {
                            return Err(Error::BadResponse {
                                method: format!("GET {path_and_query}"),
                                reason: format!(
                                    "asked for bytes from {}, got bytes from {first}",
                                    range.offset
                                ),
                            });
                        }
                        (0, size)
                    } else {
                        (range.offset, content_length)
                    };
                    (content_length, file_size, skip, range.length)
                }
                // Nothing of the file lies at or after the offset.
                416 => {
                    let size = header_str(&resp, http::header::CONTENT_RANGE)
                        .and_then(|v| v.trim().strip_prefix("bytes */"))
                        .and_then(|v| v.trim().parse().ok());
                    (Some(0), size, 0, Some(0))
                }
                401 | 403 if !retried => {
                    self.relogin_for_file(status, path_and_query).await?;
                    retried = true;
                    continue;
                }
                _ => {
                    return Err(Error::Http {
                        status,
                        reason: resp.status().canonical_reason().unwrap_or("").to_string(),
                        path: path_and_query.to_string(),
                    })
                }
            };
            return Ok(FileDownload {
                body: resp.into_body(),
                content_length,
                file_size,
                skip,
                left,
                received: 0,
                body_read: 0,
                timeout,
                addr: transport.target(),
            });
        }
    }

    /// Starts uploading `length` bytes to `path_and_query` (HTTP PUT, which replaces the
    /// whole file: the datastore interface cannot write part of a file). Send the bytes
    /// with [`FileUpload::send`], then call [`FileUpload::finish`]. The body cannot be
    /// resent, so an expired session fails the upload (after renewing the session): do a
    /// SOAP read first to renew a session that may have expired.
    pub async fn put_file_stream(
        &self,
        path_and_query: &str,
        length: u64,
    ) -> Result<FileUpload, Error> {
        let transport = self.transport();
        let timeout = transport.request_timeout();
        self.count_request();
        self.count_change();
        let mut headers = vec![
            ("Content-Type", "application/octet-stream".to_string()),
            ("Content-Length", length.to_string()),
        ];
        if let Some(c) = self.cookie_header() {
            headers.push(("Cookie", c));
        }
        let mut sender = transport.connect::<ChannelBody>().await?;
        let (tx, rx) = mpsc::channel(UPLOAD_QUEUE);
        let req = transport.request(
            http::Method::PUT,
            path_and_query,
            &headers,
            ChannelBody { rx, left: length },
        )?;
        let client = self.clone();
        let response = tokio::spawn(async move {
            sender
                .send_request(req)
                .await
                .map_err(|e| client.transport().conn_error(e))
        });
        Ok(FileUpload {
            tx: Some(tx),
            response,
            path: path_and_query.to_string(),
            timeout,
            client: self.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_headers() {
        assert_eq!(ByteRange::default().header(), None);
        let r = |offset, length| ByteRange { offset, length };
        assert_eq!(r(10, None).header().as_deref(), Some("bytes=10-"));
        assert_eq!(r(0, Some(100)).header().as_deref(), Some("bytes=0-99"));
        assert_eq!(r(5, Some(1)).header().as_deref(), Some("bytes=5-5"));
    }

    #[test]
    fn content_ranges() {
        assert_eq!(content_range("bytes 0-99/1000"), Some((0, Some(1000))));
        assert_eq!(content_range("bytes 5-9/*"), Some((5, None)));
        assert_eq!(content_range("items 1-2/3"), None);
    }
}
