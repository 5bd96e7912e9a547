//! Sessions: login with the configured user and password, a `vmware_soap_session` cookie
//! carrying an unguessable key (256 bits from the operating system's CSPRNG), idle expiry.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::fault::Fault;
use crate::value::{now_datetime, Value};

/// The cookie vSphere uses for the session key.
pub const COOKIE_NAME: &str = "vmware_soap_session";

/// One logged-in session.
#[derive(Clone, Debug)]
pub struct Session {
    /// The key (also the cookie value).
    pub key: String,
    /// Who logged in.
    pub user: String,
    /// `loginTime`.
    pub login_time: String,
    /// `lastActiveTime` (as the API shows it).
    pub last_active_time: String,
    last_active: Instant,
}

impl Session {
    /// The `UserSession` data object.
    pub fn to_value(&self) -> Value {
        Value::obj("UserSession")
            .with("key", Value::str(self.key.clone()))
            .with("userName", Value::str(self.user.clone()))
            .with("fullName", Value::str(self.user.clone()))
            .with("loginTime", Value::DateTime(self.login_time.clone()))
            .with(
                "lastActiveTime",
                Value::DateTime(self.last_active_time.clone()),
            )
            .with("locale", Value::str("en"))
            .with("messageLocale", Value::str("en"))
    }
}

/// Why a key could not be made.
#[derive(Debug, thiserror::Error)]
#[error("no randomness available for a session key: {0}")]
pub struct RandomError(String);

/// The session table.
#[derive(Debug)]
pub struct Sessions {
    user: String,
    password: String,
    idle_timeout: Duration,
    sessions: HashMap<String, Session>,
    /// Clone tickets not used yet: ticket -> (user, when issued).
    clone_tickets: HashMap<String, (String, Instant)>,
}

/// How long a clone ticket stays usable.
const CLONE_TICKET_LIFETIME: Duration = Duration::from_secs(60);

/// Sessions kept at most; logging in beyond this drops the least recently active one.
const MAX_SESSIONS: usize = 4096;

impl Sessions {
    /// A table accepting `user` / `password`, dropping sessions idle for `idle_timeout`.
    pub fn new(user: &str, password: &str, idle_timeout: Duration) -> Sessions {
        Sessions {
            user: user.to_string(),
            password: password.to_string(),
            idle_timeout,
            sessions: HashMap::new(),
            clone_tickets: HashMap::new(),
        }
    }

    /// Changes the idle timeout (tests shorten it to expire sessions).
    pub fn set_idle_timeout(&mut self, t: Duration) {
        self.idle_timeout = t;
    }

    /// Whether `user` / `password` are the configured credentials.
    pub fn check_credentials(&self, user: &str, password: &str) -> bool {
        // Compare without an early exit so timing does not leak the matching prefix.
        ct_eq(user.as_bytes(), self.user.as_bytes())
            & ct_eq(password.as_bytes(), self.password.as_bytes())
    }

    /// Ends every session (tests use it to make clients see an expired session); returns
    /// their keys.
    pub fn clear(&mut self) -> Vec<String> {
        self.sessions.drain().map(|(k, _)| k).collect()
    }

    /// `Login`: checks the credentials and opens a session.
    pub fn login(&mut self, user: &str, password: &str) -> Result<Session, Fault> {
        if !self.check_credentials(user, password) {
            return Err(Fault::invalid_login());
        }
        self.open(user)
    }

    /// Opens a session for `user` (already authenticated some other way).
    fn open(&mut self, user: &str) -> Result<Session, Fault> {
        let key = new_key().map_err(|e| Fault::system_error(e.to_string()))?;
        self.expire();
        if self.sessions.len() >= MAX_SESSIONS {
            if let Some(oldest) = self
                .sessions
                .values()
                .min_by_key(|s| s.last_active)
                .map(|s| s.key.clone())
            {
                self.sessions.remove(&oldest);
            }
        }
        let now = now_datetime();
        let s = Session {
            key: key.clone(),
            user: user.to_string(),
            login_time: now.clone(),
            last_active_time: now,
            last_active: Instant::now(),
        };
        self.sessions.insert(key, s.clone());
        Ok(s)
    }

    /// `AcquireCloneTicket`: a one-time, short-lived ticket for another session of `user`.
    pub fn issue_clone_ticket(&mut self, user: &str) -> Result<String, Fault> {
        let t = format!(
            "cst-{}",
            new_key().map_err(|e| Fault::system_error(e.to_string()))?
        );
        self.clone_tickets
            .retain(|_, (_, at)| at.elapsed() <= CLONE_TICKET_LIFETIME);
        self.clone_tickets
            .insert(t.clone(), (user.to_string(), Instant::now()));
        Ok(t)
    }

    /// `CloneSession`: a new session for the user of a clone ticket, which is used up;
    /// `InvalidLogin` for an unknown, used or expired ticket.
    pub fn redeem_clone_ticket(&mut self, ticket: &str) -> Result<Session, Fault> {
        match self.clone_tickets.remove(ticket) {
            Some((user, at)) if at.elapsed() <= CLONE_TICKET_LIFETIME => self.open(&user),
            _ => Err(Fault::invalid_login()),
        }
    }

    /// `TerminateSession` of session `key`: whether it existed.
    pub fn terminate(&mut self, key: &str) -> bool {
        self.sessions.remove(key).is_some()
    }

    /// The live session with `key`, marked active now; `None` if unknown or expired.
    pub fn touch(&mut self, key: &str) -> Option<Session> {
        let timeout = self.idle_timeout;
        let s = self.sessions.get_mut(key)?;
        if s.last_active.elapsed() > timeout {
            self.sessions.remove(key);
            return None;
        }
        s.last_active = Instant::now();
        s.last_active_time = now_datetime();
        Some(s.clone())
    }

    /// `Logout`.
    pub fn logout(&mut self, key: &str) {
        self.sessions.remove(key);
    }

    /// `SessionIsActive`: whether session `key` exists, is live and belongs to `user`.
    pub fn is_active(&self, key: &str, user: &str) -> bool {
        self.sessions
            .get(key)
            .is_some_and(|s| s.user == user && s.last_active.elapsed() <= self.idle_timeout)
    }

    /// All live sessions (`sessionList`).
    pub fn list(&self) -> Vec<Session> {
        self.sessions
            .values()
            .filter(|s| s.last_active.elapsed() <= self.idle_timeout)
            .cloned()
            .collect()
    }

    /// Drops expired sessions.
    pub fn expire(&mut self) {
        self.take_expired();
    }

    /// Drops expired sessions and returns their keys (so their views and filters can go).
    pub fn take_expired(&mut self) -> Vec<String> {
        let t = self.idle_timeout;
        let gone: Vec<String> = self
            .sessions
            .values()
            .filter(|s| s.last_active.elapsed() > t)
            .map(|s| s.key.clone())
            .collect();
        for k in &gone {
            self.sessions.remove(k);
        }
        gone
    }
}

/// Constant-time equality of two byte strings (length may leak, content does not).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

/// A fresh session key: 32 random bytes as lowercase hex in 8-4-4-4-12-… groups the way
/// vSphere's keys look (`52xxxxxx-...`).
pub fn new_key() -> Result<String, RandomError> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| RandomError(e.to_string()))?;
    let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!(
        "52{}-{}-{}-{}-{}",
        &hex[..6],
        &hex[6..10],
        &hex[10..14],
        &hex[14..18],
        &hex[18..]
    ))
}

/// The session key in a `Cookie` header: `vmware_soap_session="KEY"` among other cookies
/// (pyVmomi sends back the whole `Set-Cookie` value, attributes included).
pub fn key_from_cookie(header: &str) -> Option<&str> {
    header.split(';').find_map(|part| {
        let (name, value) = part.trim().split_once('=')?;
        (name.trim() == COOKIE_NAME).then(|| value.trim().trim_matches('"'))
    })
}

/// Whether session cookies are marked `Secure` over plain http too (vcsim's
/// `VCSIM_SECURE_COOKIES=true`, for checking that a client copes with it).
static SECURE_COOKIES: AtomicBool = AtomicBool::new(false);

/// Marks every session cookie of this process `Secure`, also over http.
pub fn always_secure_cookies() {
    SECURE_COOKIES.store(true, Ordering::Relaxed);
}

/// The `Set-Cookie` value for a new session (`Secure` only over https, or curl would not
/// send it back over http, unless [`always_secure_cookies`] asked for it).
pub fn set_cookie(key: &str, tls: bool) -> String {
    let secure = tls || SECURE_COOKIES.load(Ordering::Relaxed);
    format!(
        "{COOKIE_NAME}=\"{key}\"; Path=/; HttpOnly;{}",
        if secure { " Secure;" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_touch_expire() {
        let mut s = Sessions::new("root", "pw", Duration::from_secs(60));
        assert_eq!(s.login("root", "bad").unwrap_err().ty, "InvalidLogin");
        assert_eq!(s.login("x", "pw").unwrap_err().ty, "InvalidLogin");
        let a = s.login("root", "pw").unwrap();
        let b = s.login("root", "pw").unwrap();
        assert_ne!(a.key, b.key);
        assert!(s.touch(&a.key).is_some());
        assert!(s.is_active(&a.key, "root"));
        s.logout(&a.key);
        assert!(s.touch(&a.key).is_none());
        s.set_idle_timeout(Duration::ZERO);
        std::thread::sleep(Duration::from_millis(2));
        assert!(s.touch(&b.key).is_none());
    }

    #[test]
    fn clone_tickets_are_single_use() {
        let mut s = Sessions::new("root", "pw", Duration::from_secs(60));
        let t = s.issue_clone_ticket("root").unwrap();
        let c = s.redeem_clone_ticket(&t).unwrap();
        assert_eq!(c.user, "root");
        assert!(s.touch(&c.key).is_some());
        assert_eq!(s.redeem_clone_ticket(&t).unwrap_err().ty, "InvalidLogin");
        assert!(s.terminate(&c.key));
        assert!(!s.terminate(&c.key));
    }

    #[test]
    fn cookies() {
        let c = set_cookie("52ab-cd", true);
        assert_eq!(key_from_cookie(&c), Some("52ab-cd"));
        assert_eq!(key_from_cookie("a=b; vmware_soap_session=xyz"), Some("xyz"));
        assert_eq!(key_from_cookie("a=b"), None);
        assert_eq!(
            new_key().unwrap().len(),
            2 + 6 + 1 + 4 + 1 + 4 + 1 + 4 + 1 + 46
        );
    }
}
