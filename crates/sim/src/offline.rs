//! The simulator's request path without its HTTP front: a SOAP request body in, the status
//! and envelope a client would get out. The fuzz target (`crates/sim/fuzz`) drives the
//! envelope parser and every method's argument decoding through it.

use std::sync::Arc;

use crate::core::{lock, Core};
use crate::fault::Fault;
use crate::object::Inventory;
use crate::SimConfig;

/// A simulator serving `world` to direct calls (no listener, no state file, no fault
/// injection).
pub struct Offline {
    core: Arc<Core>,
}

impl Offline {
    /// Serves `world` with `config`'s user, password and task delay.
    pub fn new(config: &SimConfig, world: Box<dyn Inventory>) -> Offline {
        Offline {
            core: crate::new_core(config, world, None),
        }
    }

    /// Logs in with `user` and `password`; the session key (what the cookie carries).
    pub fn login(&self, user: &str, password: &str) -> Result<String, Fault> {
        lock(&self.core.sessions)
            .login(user, password)
            .map(|s| s.key)
    }

    /// Answers one SOAP request body as the server would over HTTP, in the session `key`
    /// if given: (HTTP status, response envelope).
    pub async fn handle(&self, body: &[u8], key: Option<&str>) -> (u16, String) {
        match crate::soap::parse_request(body) {
            Ok(req) => {
                let reply = self.core.handle_soap(req, key, false).await;
                (reply.status, reply.body)
            }
            Err(f) => (500, crate::soap::fault_response(&f)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_like_the_server() {
        let dir = std::env::temp_dir().join(format!("esxsim-offline-{}", std::process::id()));
        let world = crate::inventory::World::default_esx(&dir).unwrap();
        let sim = Offline::new(&SimConfig::default(), Box::new(world));
        let key = sim.login("root", "password").unwrap();
        let call = |this: &str, method: &str| {
            format!(
                "<Envelope><Body><{method}><_this type=\"{this}\">{}</_this></{method}></Body></Envelope>",
                if this == "ServiceInstance" { "ServiceInstance" } else { "ha-sessionmgr" }
            )
        };
        let (status, body) = sim
            .handle(
                call("ServiceInstance", "CurrentTime").as_bytes(),
                Some(&key),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = sim
            .handle(call("ServiceInstance", "CurrentTime").as_bytes(), None)
            .await;
        assert_eq!(status, 500);
        assert!(body.contains("NotAuthenticated"), "{body}");
        let (status, body) = sim.handle(b"<not-soap", Some(&key)).await;
        assert_eq!(status, 500);
        assert!(body.contains("InvalidRequest"), "{body}");
        // Found by the fuzz target: a managed object type from the request came back
        // unescaped in the fault's detail (`<obj type="A&B">`), which no client can read.
        let (status, body) = sim
            .handle(
                b"<Envelope><Body><SearchDatastore_Task><_this type=\"Host&amp;&quot;&lt;Browser\">b</_this></SearchDatastore_Task></Body></Envelope>",
                Some(&key),
            )
            .await;
        assert_eq!(status, 500);
        let env =
            crate::soap::Element::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {body}"));
        let fault = &env.child("Body").unwrap().children[0];
        let obj = fault.child("detail").unwrap().children[0]
            .child("obj")
            .unwrap();
        assert_eq!(obj.attr("type"), Some("Host&\"<Browser"), "{body}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
