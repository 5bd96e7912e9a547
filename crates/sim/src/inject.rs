//! Fault injection for the clients' reliability tests: per SOAP method (or `/folder`,
//! `/screen` for file transfers) or for every request, add latency, answer HTTP 500/503,
//! reset the connection before the server acts or after it acted, truncate the body (after
//! acting), answer a SOAP fault of a given type, or end every session first. Configured
//! through [`crate::RunningSim::inject`] or `POST /esxsim/inject` with a JSON [`Injection`];
//! `DELETE /esxsim/inject` clears all.
//!
//! What each does to the request, which a client's reconciliation must cope with:
//! `latency` delays the answer of a SOAP request after the server acted on it (a client
//! that gave up waiting finds the change made), and any other answer before it is sent;
//! `http`, `fault` and `reset` answer without acting; `reset_after` and `truncate`
//! act, then lose the answer; `expire` ends every session, so the request is refused as
//! not authenticated (acting on nothing) unless it logs in.
//!
//! JSON examples:
//! `{"action":"latency","ms":1500}`,
//! `{"method":"RetrievePropertiesEx","action":"http","status":503,"count":1}`,
//! `{"action":"reset","count":2}`, `{"action":"truncate"}`,
//! `{"method":"RegisterVM_Task","action":"reset_after","count":1}`,
//! `{"method":"CreateSnapshot_Task","action":"expire","count":1}`,
//! `{"method":"PowerOnVM_Task","action":"fault","fault":"InvalidState","message":"busy"}`.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What to do to a matching request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Action {
    /// Answer `ms` milliseconds late (a SOAP request is acted on first).
    Latency {
        /// Milliseconds added.
        ms: u64,
    },
    /// Answer with this HTTP status (500, 503 ...) and a short text body.
    Http {
        /// The status code.
        status: u16,
    },
    /// Close the connection without answering (and without acting).
    Reset,
    /// Act on the request, then close the connection without answering.
    #[serde(rename = "reset_after")]
    ResetAfter,
    /// End every session, then handle the request (which an expired session makes the
    /// server refuse, unless it is a login).
    Expire,
    /// Answer normally but send only the first half of the body (Content-Length announces
    /// the whole), then close.
    Truncate,
    /// Answer with a SOAP fault of type `fault` (HTTP 500).
    Fault {
        /// The VI fault type, e.g. `InvalidState`.
        fault: String,
        /// Its message.
        #[serde(default)]
        message: String,
    },
}

impl Action {
    /// Whether the server still acts on a request this is done to (it may then lose the
    /// answer); `false` when the request is answered or dropped before it is handled, or
    /// refused by the expired session.
    pub fn lets_server_act(&self) -> bool {
        matches!(
            self,
            Action::Latency { .. } | Action::Truncate | Action::ResetAfter
        )
    }
}

/// One injection rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Injection {
    /// The SOAP method it applies to; `None` for every SOAP request.
    #[serde(default)]
    pub method: Option<String>,
    /// What to do.
    #[serde(flatten)]
    pub action: Action,
    /// How many matching requests it applies to; `None` for all of them.
    #[serde(default)]
    pub count: Option<u32>,
}

impl Injection {
    /// A rule for every request, forever.
    pub fn global(action: Action) -> Injection {
        Injection {
            method: None,
            action,
            count: None,
        }
    }

    /// A rule for one method, forever.
    pub fn method(method: &str, action: Action) -> Injection {
        Injection {
            method: Some(method.to_string()),
            action,
            count: None,
        }
    }

    /// Limits the rule to the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Injection {
        self.count = Some(n);
        self
    }
}

/// What a request must suffer, as decided by [`Injector::take`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// Total latency to add.
    pub latency: Duration,
    /// The first failure that matched (latency rules do not stop the search).
    pub failure: Option<Action>,
}

/// The active rules.
#[derive(Debug, Default)]
pub struct Injector {
    rules: Mutex<Vec<Injection>>,
}

impl Injector {
    /// Adds a rule.
    pub fn add(&self, rule: Injection) {
        if let Ok(mut r) = self.rules.lock() {
            r.push(rule);
        }
    }

    /// Removes every rule.
    pub fn clear(&self) {
        if let Ok(mut r) = self.rules.lock() {
            r.clear();
        }
    }

    /// The active rules.
    pub fn list(&self) -> Vec<Injection> {
        self.rules.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The effects for a request of `method`, consuming counted rules.
    pub fn take(&self, method: &str) -> Effects {
        let mut fx = Effects::default();
        let Ok(mut rules) = self.rules.lock() else {
            return fx;
        };
        if rules.is_empty() {
            return fx;
        }
        for rule in rules.iter_mut() {
            if rule.method.as_deref().is_some_and(|m| m != method) || rule.count == Some(0) {
                continue;
            }
            match &rule.action {
                Action::Latency { ms } => fx.latency += Duration::from_millis(*ms),
                other => {
                    if fx.failure.is_some() {
                        continue;
                    }
                    fx.failure = Some(other.clone());
                }
            }
            if let Some(n) = &mut rule.count {
                *n -= 1;
            }
        }
        rules.retain(|r| r.count != Some(0));
        fx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_and_count_down() {
        let inj = Injector::default();
        inj.add(Injection::method("Login", Action::Http { status: 503 }).times(1));
        inj.add(Injection::global(Action::Latency { ms: 5 }));
        let fx = inj.take("Login");
        assert_eq!(fx.failure, Some(Action::Http { status: 503 }));
        assert_eq!(fx.latency, Duration::from_millis(5));
        let fx = inj.take("Login");
        assert_eq!(fx.failure, None);
        assert_eq!(inj.list().len(), 1);
        inj.clear();
        assert_eq!(inj.take("Login"), Effects::default());
    }

    #[test]
    fn json_form() {
        let r: Injection = serde_json::from_str(
            r#"{"method":"PowerOnVM_Task","action":"fault","fault":"InvalidState","message":"busy"}"#,
        )
        .unwrap();
        assert_eq!(
            r.action,
            Action::Fault {
                fault: "InvalidState".into(),
                message: "busy".into()
            }
        );
        let r: Injection = serde_json::from_str(r#"{"action":"reset","count":2}"#).unwrap();
        assert_eq!(r, Injection::global(Action::Reset).times(2));
        let r: Injection =
            serde_json::from_str(r#"{"method":"UnregisterVM","action":"reset_after"}"#).unwrap();
        assert_eq!(r, Injection::method("UnregisterVM", Action::ResetAfter));
        let r: Injection = serde_json::from_str(r#"{"action":"expire","count":1}"#).unwrap();
        assert_eq!(r, Injection::global(Action::Expire).times(1));
        assert_eq!(
            serde_json::to_string(&Action::ResetAfter).unwrap(),
            r#"{"action":"reset_after"}"#
        );
    }

    #[test]
    fn what_acts_and_what_does_not() {
        for (a, acts) in [
            (Action::Latency { ms: 1 }, true),
            (Action::Truncate, true),
            (Action::ResetAfter, true),
            (Action::Reset, false),
            (Action::Http { status: 503 }, false),
            (Action::Expire, false),
        ] {
            assert_eq!(a.lets_server_act(), acts, "{a:?}");
        }
    }
}
