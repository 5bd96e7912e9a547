//! `SessionManager`: `Login` (the one method answered without a session), `Logout`, the
//! current session and the session list, `SessionIsActive` and clone tickets.

use crate::fault::Fault;
use crate::session::Session;
use crate::soap::Element;
use crate::value::{MoRef, Value};

use super::{lock, Core, Out, Reader, ServiceCall, ServiceMethod, ServiceType};

/// The `SessionManager` type.
pub(super) const TYPE: ServiceType = ServiceType {
    name: "SessionManager",
    exists: |r, obj| r.core.refs.get("sessionManager") == Some(obj),
    properties: &[
        "currentSession",
        "defaultLocale",
        "message",
        "messageLocaleList",
        "sessionList",
        "supportedLocaleList",
    ],
    property,
    methods: &[
        ("Logout", ServiceMethod::Now(logout)),
        ("SessionIsActive", ServiceMethod::Now(session_is_active)),
        (
            "AcquireCloneTicket",
            ServiceMethod::Now(acquire_clone_ticket),
        ),
        ("TerminateSession", ServiceMethod::Now(terminate_session)),
        ("SetLocale", ServiceMethod::Now(|_, _| Ok(Out::Value(None)))),
        (
            "UpdateServiceMessage",
            ServiceMethod::Now(|_, _| Ok(Out::Value(None))),
        ),
    ],
};

fn property(r: &Reader<'_>, _obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    let top = match head {
        "currentSession" => r.session.map(Session::to_value),
        "sessionList" => Some(Value::array(
            "UserSession",
            lock(&r.core.sessions)
                .list()
                .iter()
                .map(Session::to_value)
                .collect(),
        )),
        "defaultLocale" => Some(Value::str("en")),
        "supportedLocaleList" => Some(Value::strings(["en"])),
        "message" | "messageLocaleList" => None,
        _ => return Err(Fault::invalid_property(path)),
    };
    Ok(top.and_then(|v| v.into_path(rest)))
}

/// `Login` or `CloneSession` (`method`), answered without a session: the new session, its
/// cookie in `set_cookie`.
pub(super) fn open_session(
    core: &Core,
    this: &MoRef,
    method: &str,
    args: &Element,
    tls: bool,
    set_cookie: &mut Option<String>,
) -> Result<Out, Fault> {
    core.check_manager(this, "sessionManager")?;
    let s = if method == "Login" {
        login(core, args)?
    } else {
        clone_session(core, args)?
    };
    *set_cookie = Some(crate::session::set_cookie(&s.key, tls));
    Ok(Out::Value(Some(s.to_value())))
}

/// `Login`: a new session for the configured user; expired sessions are dropped on the way.
fn login(core: &Core, args: &Element) -> Result<Session, Fault> {
    let user = args.req_text("userName")?;
    let password = args.text_of("password").unwrap_or("");
    let (s, expired) = {
        let mut sessions = lock(&core.sessions);
        let expired = sessions.take_expired();
        (sessions.login(user, password)?, expired)
    };
    for k in expired {
        core.drop_session(&k);
    }
    Ok(s)
}

/// `Logout`: ends the caller's session with its views, filters and pages.
fn logout(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    lock(&core.sessions).logout(&call.session.key);
    core.drop_session(&call.session.key);
    Ok(Out::Value(None))
}

/// `SessionIsActive`: whether session `sessionID` of `userName` is alive.
fn session_is_active(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let id = call.args.req_text("sessionID")?;
    let user = call.args.req_text("userName")?;
    Ok(Out::Value(Some(Value::Bool(
        lock(&core.sessions).is_active(id, user),
    ))))
}

/// `AcquireCloneTicket`: an unguessable one-time ticket for `CloneSession`.
fn acquire_clone_ticket(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let t = lock(&core.sessions).issue_clone_ticket(&call.session.user)?;
    Ok(Out::Value(Some(Value::str(t))))
}

/// `CloneSession`: a new session for the user of a clone ticket.
fn clone_session(core: &Core, args: &Element) -> Result<Session, Fault> {
    let ticket = args.req_text("cloneTicket")?;
    lock(&core.sessions).redeem_clone_ticket(ticket)
}

/// `TerminateSession`: ends other sessions (`NotFound` for one that is not there,
/// `InvalidArgument` for the caller's own).
fn terminate_session(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let ids = call.args.strings_of("sessionId");
    if ids.contains(&call.session.key) {
        return Err(Fault::invalid_argument("sessionId"));
    }
    {
        let sessions = lock(&core.sessions);
        if let Some(k) = ids
            .iter()
            .find(|k| !sessions.list().iter().any(|s| &s.key == *k))
        {
            return Err(Fault::not_found_named(format!("session {k} not found")));
        }
    }
    for k in &ids {
        lock(&core.sessions).terminate(k);
        core.drop_session(k);
    }
    Ok(Out::Value(None))
}

#[cfg(test)]
mod tests {
    use super::super::testing::TestCore;

    const SM: &str = "ha-sessionmgr";

    #[test]
    fn login_session_and_logout() {
        let mut c = TestCore::esx();
        let bad = "<userName>root</userName><password>wrong</password>";
        assert_eq!(
            c.call("SessionManager", SM, "Login", bad),
            Err("InvalidLogin".into())
        );
        assert_eq!(
            c.call("SessionManager", SM, "Login", ""),
            Err("InvalidRequest".into())
        );
        assert_eq!(
            c.call(
                "SessionManager",
                "SessionManager",
                "Login",
                "<userName>root</userName>"
            ),
            Err("ManagedObjectNotFound".into())
        );
        c.login();
        let me = c
            .read("SessionManager", SM, "currentSession")
            .unwrap()
            .unwrap();
        assert_eq!(me.text_of("userName"), Some("root"));
        let key = me.text_of("key").unwrap().to_string();
        let active = c.one(
            "SessionManager",
            SM,
            "SessionIsActive",
            &format!("<sessionID>{key}</sessionID><userName>root</userName>"),
        );
        assert_eq!(active.text, "true");
        let ticket = c.one("SessionManager", SM, "AcquireCloneTicket", "");
        assert!(ticket.text.starts_with("cst-"), "{ticket:?}");
        assert_eq!(
            c.call(
                "SessionManager",
                SM,
                "TerminateSession",
                &format!("<sessionId>{key}</sessionId>")
            ),
            Err("InvalidArgument".into())
        );
        assert_eq!(
            c.call(
                "SessionManager",
                SM,
                "TerminateSession",
                "<sessionId>nope</sessionId>"
            ),
            Err("NotFound".into())
        );
        assert_eq!(
            c.call(
                "SessionManager",
                SM,
                "CloneSession",
                "<cloneTicket>cst-forged</cloneTicket>"
            ),
            Err("InvalidLogin".into())
        );
        assert_eq!(c.call("SessionManager", SM, "Logout", ""), Ok(vec![]));
        assert_eq!(
            c.call("SessionManager", SM, "AcquireCloneTicket", ""),
            Err("NotAuthenticated".into())
        );
    }
}
