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

/// `Login`: a new session (and its cookie) for the configured user; expired sessions are
/// dropped on the way.
pub(super) fn login(
    core: &Core,
    this: &MoRef,
    args: &Element,
    tls: bool,
    set_cookie: &mut Option<String>,
) -> Result<Out, Fault> {
    core.check_manager(this, "sessionManager")?;
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
    *set_cookie = Some(crate::session::set_cookie(&s.key, tls));
    Ok(Out::Value(Some(s.to_value())))
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

/// `AcquireCloneTicket`: an unguessable one-time ticket.
fn acquire_clone_ticket(_core: &Core, _call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let t = crate::session::new_key().map_err(|e| Fault::system_error(e.to_string()))?;
    Ok(Out::Value(Some(Value::str(format!("cst-{t}")))))
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
        assert_eq!(c.call("SessionManager", SM, "Logout", ""), Ok(vec![]));
        assert_eq!(
            c.call("SessionManager", SM, "AcquireCloneTicket", ""),
            Err("NotAuthenticated".into())
        );
    }
}
