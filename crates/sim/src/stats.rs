//! Per-method request counters, served as JSON on `GET /esxsim/stats` so benchmarks and
//! tests count round trips (`POST /esxsim/stats/reset` clears them).

use std::collections::BTreeMap;
use std::sync::Mutex;

/// A snapshot of the counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatsSnapshot {
    /// SOAP requests by method name.
    pub methods: BTreeMap<String, u64>,
    /// All SOAP requests.
    pub soap_requests: u64,
    /// Requests that ended in a SOAP fault.
    pub faults: u64,
    /// Other HTTP requests (/folder, /screen, WSDL ...) by path kind.
    pub http: BTreeMap<String, u64>,
}

impl StatsSnapshot {
    /// Requests for `method` (0 if none).
    pub fn method(&self, method: &str) -> u64 {
        self.methods.get(method).copied().unwrap_or(0)
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub struct Stats {
    inner: Mutex<StatsSnapshot>,
}

impl Stats {
    /// Counts one SOAP request for `method`.
    pub fn count_method(&self, method: &str) {
        if let Ok(mut s) = self.inner.lock() {
            s.soap_requests += 1;
            match s.methods.get_mut(method) {
                Some(n) => *n += 1,
                None => {
                    s.methods.insert(method.to_string(), 1);
                }
            }
        }
    }

    /// Counts a SOAP fault answer.
    pub fn count_fault(&self) {
        if let Ok(mut s) = self.inner.lock() {
            s.faults += 1;
        }
    }

    /// Counts a non-SOAP request of kind `kind` (`folder`, `screen`, `wsdl` ...).
    pub fn count_http(&self, kind: &str) {
        if let Ok(mut s) = self.inner.lock() {
            *s.http.entry(kind.to_string()).or_insert(0) += 1;
        }
    }

    /// The current counts.
    pub fn snapshot(&self) -> StatsSnapshot {
        self.inner.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Clears every counter.
    pub fn reset(&self) {
        if let Ok(mut s) = self.inner.lock() {
            *s = StatsSnapshot::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        let s = Stats::default();
        s.count_method("Login");
        s.count_method("Login");
        s.count_fault();
        s.count_http("folder");
        let snap = s.snapshot();
        assert_eq!(snap.method("Login"), 2);
        assert_eq!(snap.soap_requests, 2);
        assert_eq!(snap.faults, 1);
        assert_eq!(snap.http["folder"], 1);
        let json = serde_json::to_string(&snap).unwrap();
        assert_eq!(
            json,
            r#"{"methods":{"Login":2},"soap_requests":2,"faults":1,"http":{"folder":1}}"#
        );
        s.reset();
        assert_eq!(s.snapshot(), StatsSnapshot::default());
    }
}
