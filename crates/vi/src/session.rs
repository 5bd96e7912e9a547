//! Opening and closing a session with the typed calls: connecting (RetrieveServiceContent),
//! logging in (the credentials are kept so an expired session can be renewed), logging out
//! and closing the connection.

use crate::client::{Client, ClientConfig};
use crate::codec::ManagedObjectReference;
use crate::error::Error;
use crate::types::{ServiceContent, UserSession};

impl Client {
    /// Connects and fetches the service content (one request); not logged in yet.
    pub async fn connect(cfg: ClientConfig) -> Result<Client, Error> {
        let boot = Client::build(&cfg, ServiceContent::default())?;
        let this = ManagedObjectReference::new("ServiceInstance", "ServiceInstance");
        let sc = boot.retrieve_service_content(&this).await?;
        if sc.about.api_version.is_empty() {
            return Err(Error::BadResponse {
                method: "RetrieveServiceContent".into(),
                reason: "the service content has no API version".into(),
            });
        }
        // Keep the bootstrap client's connection, cookies and counter: only the service
        // content and the SOAPAction change.
        boot.adopt_service_content(sc);
        Ok(boot)
    }

    /// Logs in (SessionManager.Login); the credentials are kept to renew the session.
    pub async fn login(&self, user: &str, password: &str) -> Result<UserSession, Error> {
        let s = self.session_login(user, password, None).await?;
        self.set_credentials(user, password);
        tracing::debug!(user, "logged in");
        Ok(s)
    }

    /// Logs out (SessionManager.Logout) and forgets the cookie and credentials.
    pub async fn logout(&self) -> Result<(), Error> {
        let r = self.session_logout().await;
        self.forget_session();
        r
    }

    /// Logs out when logged in, then drops the connection.
    pub async fn close(&self) -> Result<(), Error> {
        let r = if self.has_credentials() {
            self.logout().await
        } else {
            Ok(())
        };
        self.transport().close().await;
        r
    }
}
