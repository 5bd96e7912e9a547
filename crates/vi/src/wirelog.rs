//! The wire log: every HTTP exchange of the transport as `tracing` events on target
//! [`TARGET`], with secrets redacted before anything is formatted.
//!
//! - INFO: one line per exchange: method, URL, SOAP method, HTTP status, response size and
//!   the time it took (or the error).
//! - DEBUG: the request (headers and body) before it is sent, and the response (headers and
//!   body) once read. Bodies that are not UTF-8 are shown by size only.
//!
//! Redacted (shown as `***`): the values of `Cookie`, `Set-Cookie`, `Authorization`,
//! `Proxy-Authorization` and `vmware-api-session-id` headers; the text of `password`,
//! `cloneTicket`, `ticket`, `sessionId`/`sessionID` elements and of a WS-Security header;
//! everything an `Acquire...Ticket`-style call answers (`Acquire*Response`); the session
//! `key` of a `UserSession` (Login, CloneSession, ImpersonateUser answers, or any value
//! typed `UserSession`); and any later occurrence of a cookie value the transport has seen,
//! wherever it appears.

use std::sync::Mutex;
use std::time::Duration;

/// The `tracing` target of the wire log (`ESXVIRT_LOG=esxvirt_vi::wire=debug`).
pub const TARGET: &str = "esxvirt_vi::wire";

/// What replaces a secret.
pub const MASK: &str = "***";

/// Cookie values seen so far (the session cookie), scrubbed from every later log text.
static SEEN_SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Elements whose text is always secret.
const SECRET_ELEMENTS: &[&str] = &[
    "password",
    "cloneTicket",
    "ticket",
    "sessionId",
    "sessionID",
];

/// Answers whose `returnval` is a `UserSession` (its `key` is the session's).
const SESSION_ANSWERS: &[&str] = &[
    "LoginResponse",
    "LoginByTokenResponse",
    "LoginBySSPIResponse",
    "LoginExtensionByCertificateResponse",
    "LoginExtensionBySubjectNameResponse",
    "LoginExtensionByExtensionCertificateResponse",
    "CloneSessionResponse",
    "ImpersonateUserResponse",
];

/// Headers whose whole value is secret.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "vmware-api-session-id",
];

/// Whether the one-line summaries are wanted.
pub(crate) fn summary_enabled() -> bool {
    tracing::enabled!(target: TARGET, tracing::Level::INFO)
}

/// Whether headers and bodies are wanted.
pub(crate) fn detail_enabled() -> bool {
    tracing::enabled!(target: TARGET, tracing::Level::DEBUG)
}

fn remember(value: &str) {
    let v = value.trim().trim_matches('"');
    if v.len() < 8 {
        // Too short to be a session key; scrubbing it would mangle unrelated text.
        return;
    }
    if let Ok(mut seen) = SEEN_SECRETS.lock() {
        if !seen.iter().any(|s| s == v) {
            seen.push(v.to_string());
        }
    }
}

/// Replaces every remembered secret in `text`.
fn scrub(text: String) -> String {
    let Ok(seen) = SEEN_SECRETS.lock() else {
        return text;
    };
    let mut out = text;
    for s in seen.iter() {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), MASK);
        }
    }
    out
}

/// Records the cookie values in these headers (so that they are scrubbed wherever they
/// appear later) and returns the headers as log lines, redacted.
pub(crate) fn header_lines<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        let shown = if lower == "cookie" {
            cookie_pairs(value, true)
        } else if lower == "set-cookie" {
            cookie_pairs(value, false)
        } else if SECRET_HEADERS.contains(&lower.as_str()) {
            remember(value);
            MASK.to_string()
        } else {
            value.to_string()
        };
        out.push_str(name);
        out.push_str(": ");
        out.push_str(&shown);
        out.push('\n');
    }
    out
}

/// A `Cookie` header (`all`: every pair is a cookie) or a `Set-Cookie` header (only the
/// first pair is; the rest are attributes) with the cookie values masked.
fn cookie_pairs(value: &str, all: bool) -> String {
    value
        .split(';')
        .enumerate()
        .map(|(i, part)| {
            let part = part.trim();
            match part.split_once('=') {
                Some((k, v)) if all || i == 0 => {
                    remember(v);
                    format!("{k}={MASK}")
                }
                _ => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The local part of a qualified XML name.
fn local(qname: &str) -> &str {
    qname.rsplit(':').next().unwrap_or(qname)
}

/// Redacts a SOAP (or any XML) body; see the module docs for what goes.
pub fn redact_xml(body: &str) -> String {
    #[derive(Clone, Copy, Default)]
    struct Frame {
        /// Every text below is secret.
        all: bool,
        /// Inside a UserSession: its `key` is secret.
        session: bool,
    }
    let mut out = String::with_capacity(body.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut rest = body;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        let redact = stack.last().is_some_and(|f| f.all);
        if redact && !text.trim().is_empty() {
            out.push_str(MASK);
        } else {
            out.push_str(text);
        }
        rest = &rest[lt..];
        // Comments, CDATA, processing instructions and declarations.
        let special_end = if rest.starts_with("<!--") {
            Some(rest.find("-->").map_or(rest.len(), |e| e + 3))
        } else if rest.starts_with("<![CDATA[") {
            Some(rest.find("]]>").map_or(rest.len(), |e| e + 3))
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            Some(rest.find('>').map_or(rest.len(), |e| e + 1))
        } else {
            None
        };
        if let Some(end) = special_end {
            if redact && rest.starts_with("<![CDATA[") {
                out.push_str(MASK);
            } else {
                out.push_str(&rest[..end]);
            }
            rest = &rest[end..];
            continue;
        }
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let tag = &rest[..end];
        out.push_str(tag);
        rest = &rest[end..];
        if tag.starts_with("</") {
            stack.pop();
            continue;
        }
        let inner = tag
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim_end_matches('/');
        let name = inner
            .split(|c: char| c.is_ascii_whitespace())
            .next()
            .unwrap_or("");
        let lname = local(name);
        let parent = stack.last().copied().unwrap_or_default();
        let typed_session = inner.contains("type=\"UserSession\"")
            || inner.contains("type='UserSession'")
            || inner.contains(":UserSession\"");
        let frame = Frame {
            all: parent.all
                || SECRET_ELEMENTS.contains(&lname)
                || lname == "Security"
                || (lname.starts_with("Acquire") && lname.ends_with("Response"))
                || (parent.session && lname == "key"),
            session: parent.session || typed_session || SESSION_ANSWERS.contains(&lname),
        };
        if !tag.ends_with("/>") {
            stack.push(frame);
        }
    }
    let redact = stack.last().is_some_and(|f| f.all);
    if redact && !rest.trim().is_empty() {
        out.push_str(MASK);
    } else {
        out.push_str(rest);
    }
    out
}

/// A body as the log shows it: XML redacted, other UTF-8 text as is, binary by size.
fn body_text(body: &[u8]) -> String {
    match std::str::from_utf8(body) {
        Ok(s) if s.trim_start().starts_with('<') => scrub(redact_xml(s)),
        Ok(s) => scrub(s.to_string()),
        Err(_) => format!("[{} bytes of binary data]", body.len()),
    }
}

/// The SOAP method of a request body: the first element inside `Body`.
pub(crate) fn soap_method(body: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(body).ok()?;
    let at = s.find(":Body").or_else(|| s.find("<Body"))?;
    let after = &s[at..];
    let open = after.find('>')? + 1;
    let next = after[open..].find('<')? + open + 1;
    let name_end = after[next..]
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .map(|e| e + next)?;
    Some(local(&after[next..name_end]))
}

/// Logs a request about to be sent (DEBUG).
pub(crate) fn request(method: &str, url: &str, headers: &[(&str, String)], body: &[u8]) {
    let head = header_lines(headers.iter().map(|(k, v)| (*k, v.as_str())));
    let call = soap_method(body).map_or(String::new(), |m| format!(" ({m})"));
    tracing::debug!(
        target: TARGET,
        "HTTP request {method} {url}{call}\n{head}\n{}",
        body_text(body)
    );
}

/// Logs a completed exchange: the summary (INFO) and the response (DEBUG).
#[allow(clippy::too_many_arguments)]
pub(crate) fn response(
    method: &str,
    url: &str,
    call: Option<&str>,
    status: u16,
    reason: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    took: Duration,
) {
    // The headers first: a Set-Cookie value must be known before any text is logged.
    let head = header_lines(headers.iter().copied());
    let call = call.map_or(String::new(), |m| format!(" ({m})"));
    tracing::info!(
        target: TARGET,
        "HTTP {method} {url}{call}: {status} {reason}, {} bytes in {:.3} ms",
        body.len(),
        took.as_secs_f64() * 1000.0
    );
    if detail_enabled() {
        tracing::debug!(
            target: TARGET,
            "HTTP response {status} {reason} to {method} {url}{call}\n{head}\n{}",
            body_text(body)
        );
    }
}

/// Logs a failed exchange (INFO).
pub(crate) fn failure(
    method: &str,
    url: &str,
    call: Option<&str>,
    error: &dyn std::fmt::Display,
    took: Duration,
) {
    let call = call.map_or(String::new(), |m| format!(" ({m})"));
    tracing::info!(
        target: TARGET,
        "HTTP {method} {url}{call}: failed after {:.3} ms: {}",
        took.as_secs_f64() * 1000.0,
        scrub(error.to_string())
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_password_and_session_key_go() {
        let req = r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><Login xmlns="urn:vim25"><_this type="SessionManager">ha-sessionmgr</_this><userName>root</userName><password>S3cret&amp;x</password></Login></soapenv:Body></soapenv:Envelope>"#;
        let r = redact_xml(req);
        assert!(!r.contains("S3cret"), "{r}");
        assert!(r.contains("<password>***</password>"), "{r}");
        assert!(r.contains("<userName>root</userName>"), "{r}");
        assert_eq!(soap_method(req.as_bytes()), Some("Login"));

        let resp = r#"<soapenv:Body><LoginResponse xmlns="urn:vim25"><returnval><key>52a1-secret-key</key><userName>root</userName></returnval></LoginResponse></soapenv:Body>"#;
        let r = redact_xml(resp);
        assert!(!r.contains("52a1-secret-key"), "{r}");
        assert!(r.contains("<userName>root</userName>"), "{r}");
        // A UserSession in a property value.
        let prop = r#"<propSet><name>currentSession</name><val xsi:type="UserSession"><key>abcdef-123</key><userName>root</userName></val></propSet><key>device-key-2000</key>"#;
        let r = redact_xml(prop);
        assert!(!r.contains("abcdef-123"), "{r}");
        assert!(r.contains("device-key-2000"), "{r}");
    }

    #[test]
    fn tickets_go() {
        for (body, secret) in [
            (
                "<AcquireCloneTicketResponse xmlns=\"urn:vim25\"><returnval>cst-VCT-52ab</returnval></AcquireCloneTicketResponse>",
                "cst-VCT-52ab",
            ),
            (
                "<AcquireGenericServiceTicketResponse><returnval><id>cst-HTTP-77</id><hostName>h</hostName></returnval></AcquireGenericServiceTicketResponse>",
                "cst-HTTP-77",
            ),
            (
                "<CloneSession><_this>x</_this><cloneTicket>cst-VCT-99</cloneTicket></CloneSession>",
                "cst-VCT-99",
            ),
            (
                "<AcquireTicketResponse><returnval><ticket>mks-1234</ticket><port>902</port></returnval></AcquireTicketResponse>",
                "mks-1234",
            ),
            (
                "<soapenv:Header><wsse:Security><saml2:Assertion>TOKEN-XYZ</saml2:Assertion></wsse:Security></soapenv:Header>",
                "TOKEN-XYZ",
            ),
            ("<ticket><![CDATA[raw-secret]]></ticket>", "raw-secret"),
        ] {
            let r = redact_xml(body);
            assert!(!r.contains(secret), "{body} -> {r}");
            assert!(r.contains(MASK), "{r}");
        }
        // Everything else is kept byte for byte.
        let plain = "<?xml version=\"1.0\"?><!-- c --><a x=\"1\"><b>text</b><c/></a>";
        assert_eq!(redact_xml(plain), plain);
    }

    #[test]
    fn secret_headers_and_seen_cookies_go() {
        let lines = header_lines([
            ("Content-Type", "text/xml"),
            (
                "Cookie",
                "vmware_soap_session=\"5f3c-cookie-value-1\"; other=zz-value-9999",
            ),
            ("Authorization", "Basic cm9vdDpwYXNz"),
        ]);
        assert!(!lines.contains("5f3c-cookie-value-1"), "{lines}");
        assert!(!lines.contains("cm9vdDpwYXNz"), "{lines}");
        assert!(lines.contains("Content-Type: text/xml\n"), "{lines}");
        let set = header_lines([(
            "set-cookie",
            "vmware_soap_session=\"9a9a-set-cookie-2\"; Path=/; HttpOnly",
        )]);
        assert_eq!(
            set,
            "set-cookie: vmware_soap_session=***; Path=/; HttpOnly\n"
        );
        // Once seen, a cookie value is scrubbed wherever it turns up.
        let body = body_text(b"<r><x>9a9a-set-cookie-2</x><y>5f3c-cookie-value-1</y></r>");
        assert_eq!(body, "<r><x>***</x><y>***</y></r>");
        assert_eq!(body_text(&[0xff, 0xfe, 0]), "[3 bytes of binary data]");
    }
}
