//! Support for the unit tests beside each service object: a simulator of the default ESX
//! host (started in-process; requests go straight to [`Core::handle_soap`], no HTTP), a
//! logged-in session, and calls answering the response element or the fault type.

use crate::soap::{parse_request, Element};
use crate::{InventorySource, RunningSim, SimConfig, Simulator, Tls};

/// A running core for one test.
pub struct TestCore {
    sim: Option<RunningSim>,
    rt: tokio::runtime::Runtime,
    /// The session key after [`TestCore::login`].
    pub key: Option<String>,
}

/// What a call answered: the `returnval` element(s) or the fault type.
pub type Answer = Result<Vec<Element>, String>;

impl TestCore {
    /// The default ESX host.
    pub fn esx() -> TestCore {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let sim = rt
            .block_on(Simulator::start(SimConfig {
                tls: Tls::Off,
                inventory: InventorySource::DefaultEsx,
                ..SimConfig::default()
            }))
            .expect("simulator starts");
        TestCore {
            sim: Some(sim),
            rt,
            key: None,
        }
    }

    /// Calls `method` on `ty:id` with `args` (the parameters' XML) in the current session.
    pub fn call(&mut self, ty: &str, id: &str, method: &str, args: &str) -> Answer {
        let envelope = format!(
            "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>\
             <{method} xmlns=\"urn:vim25\"><_this type=\"{ty}\">{id}</_this>{args}</{method}>\
             </soapenv:Body></soapenv:Envelope>"
        );
        let req = parse_request(envelope.as_bytes()).expect("request parses");
        let key = self.key.clone();
        let core = self.sim.as_ref().expect("running").core.clone();
        let reply = self
            .rt
            .block_on(async move { core.handle_soap(req, key.as_deref(), false).await });
        if let Some(cookie) = &reply.set_cookie {
            self.key = crate::session::key_from_cookie(cookie).map(str::to_string);
        }
        let env = Element::parse(reply.body.as_bytes()).expect("response parses");
        let body = env.child("Body").expect("Body");
        let first = body.children.first().expect("response or fault");
        if reply.status != 200 {
            let detail = first.child("detail").and_then(|d| d.children.first());
            return Err(detail
                .and_then(|d| d.xsi_type.clone())
                .unwrap_or_else(|| format!("status {}", reply.status)));
        }
        Ok(first.children_named("returnval").cloned().collect())
    }

    /// Logs in as the default user.
    pub fn login(&mut self) {
        self.call(
            "SessionManager",
            "ha-sessionmgr",
            "Login",
            "<userName>root</userName><password>password</password>",
        )
        .expect("login");
        assert!(self.key.is_some(), "a session cookie");
    }

    /// Reads one property of `ty:id` with `RetrieveProperties`: its `val`, if set.
    pub fn read(&mut self, ty: &str, id: &str, path: &str) -> Result<Option<Element>, String> {
        let spec = format!(
            "<specSet><propSet><type>{ty}</type><pathSet>{path}</pathSet></propSet>\
             <objectSet><obj type=\"{ty}\">{id}</obj></objectSet></specSet>"
        );
        let r = self.call(
            "PropertyCollector",
            "ha-property-collector",
            "RetrieveProperties",
            &spec,
        )?;
        Ok(r.first()
            .and_then(|o| o.child("propSet"))
            .and_then(|p| p.child("val"))
            .cloned())
    }

    /// The single result of a call that must succeed with one.
    pub fn one(&mut self, ty: &str, id: &str, method: &str, args: &str) -> Element {
        let mut r = self
            .call(ty, id, method, args)
            .unwrap_or_else(|f| panic!("{method}: {f}"));
        assert_eq!(r.len(), 1, "{method} answered {r:?}");
        r.remove(0)
    }
}

impl Drop for TestCore {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.rt.block_on(sim.shutdown());
        }
    }
}
