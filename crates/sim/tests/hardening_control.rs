//! The control endpoints (`/esxsim/*`: counters, fault injection, session expiry) need the
//! simulator's user and password or its control token; without them, 401 and no effect.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{Client, TestSim};
use esxvirt_sim::{Action, Injection, SimConfig, Tls};

const BASIC_ROOT: &str = "Basic cm9vdDpwYXNzd29yZA=="; // root:password
const BASIC_WRONG: &str = "Basic cm9vdDp3cm9uZw=="; // root:wrong

/// Every control request: (method, path, body).
const CONTROL: &[(&str, &str, &str)] = &[
    ("GET", "/esxsim/stats", ""),
    ("POST", "/esxsim/stats/reset", ""),
    ("DELETE", "/esxsim/stats", ""),
    ("GET", "/esxsim/inject", ""),
    (
        "POST",
        "/esxsim/inject",
        r#"{"action":"http","status":503}"#,
    ),
    ("DELETE", "/esxsim/inject", ""),
    ("POST", "/esxsim/inject/clear", ""),
    ("POST", "/esxsim/sessions/expire", ""),
];

/// Whether `c`'s session still works.
fn session_alive(c: &mut Client) -> bool {
    let r = c.call(("ServiceInstance", "ServiceInstance"), "CurrentTime", "");
    r.status == 200
}

#[test]
fn hardening_control_endpoints_refuse_requests_without_credentials() {
    let sim = TestSim::plain();
    let mut user = sim.root_client();
    let mut stranger = Client::new(&sim.url());
    let bad_token = format!("Bearer {}x", sim.sim().control_token());
    let wrong: [&[(&str, &str)]; 4] = [
        &[],
        &[("Authorization", BASIC_WRONG)],
        &[("Authorization", bad_token.as_str())],
        &[("Authorization", "Bearer ")],
    ];
    for (method, path, body) in CONTROL {
        for headers in wrong {
            let r = stranger
                .request(method, path, headers, body.as_bytes())
                .unwrap();
            assert_eq!(r.status, 401, "{method} {path} {headers:?}: {}", r.body);
            assert!(
                r.header("www-authenticate")
                    .is_some_and(|v| v.starts_with("Basic")),
                "{:?}",
                r.headers
            );
        }
    }
    // Nothing happened: the session lives, no rule was added, the counters were kept.
    assert!(session_alive(&mut user));
    assert!(sim.sim().stats().soap_requests > 0);
    assert!(session_alive(&mut user), "no injected 503");
    // A session cookie is no credential for the control endpoints either.
    let r = user
        .request("POST", "/esxsim/sessions/expire", &[], b"")
        .unwrap();
    assert_eq!(r.status, 401);
    assert!(session_alive(&mut user));
}

#[test]
fn hardening_control_endpoints_take_the_password_or_the_token() {
    let sim = TestSim::plain();
    let mut user = sim.root_client();
    let mut ops = Client::new(&sim.url());
    let bearer = format!("Bearer {}", sim.sim().control_token());

    let r = ops
        .request(
            "GET",
            "/esxsim/stats",
            &[("Authorization", BASIC_ROOT)],
            b"",
        )
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("\"Login\":1"), "{}", r.body);

    // The scheme is case-insensitive, as HTTP has it.
    let lower = bearer.replacen("Bearer", "bearer", 1);
    let r = ops
        .request(
            "POST",
            "/esxsim/inject",
            &[("Authorization", lower.as_str())],
            br#"{"method":"CurrentTime","action":"http","status":503,"count":1}"#,
        )
        .unwrap();
    assert_eq!(r.status, 204, "{}", r.body);
    assert!(!session_alive(&mut user), "the injected 503");
    assert!(session_alive(&mut user));

    let r = ops
        .request(
            "POST",
            "/esxsim/sessions/expire",
            &[("Authorization", bearer.as_str())],
            b"",
        )
        .unwrap();
    assert_eq!(r.status, 204);
    assert!(!session_alive(&mut user), "every session ended");

    // In-process callers keep their direct methods.
    sim.sim()
        .inject(Injection::global(Action::Http { status: 500 }));
    sim.sim().clear_injections();
    assert_eq!(
        sim.root_client()
            .login("ha-sessionmgr", "root", "password")
            .status,
        200
    );
}

#[test]
fn hardening_control_a_configured_token_and_the_binary_prints_it() {
    // A token given in the configuration is the one accepted.
    let sim = TestSim::start(SimConfig {
        tls: Tls::Off,
        control_token: Some("s3cret-token".into()),
        ..SimConfig::default()
    });
    assert_eq!(sim.sim().control_token(), "s3cret-token");
    let mut c = Client::new(&sim.url());
    let ok = c
        .request(
            "GET",
            "/esxsim/stats",
            &[("Authorization", "Bearer s3cret-token")],
            b"",
        )
        .unwrap();
    assert_eq!(ok.status, 200);
    drop(sim);

    // esxsim prints its random token on the second line; it works, and differs per start.
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let dir = std::env::temp_dir().join(format!(
            "esxsim-token-{}",
            &esxvirt_sim::session::new_key().unwrap()[2..14]
        ));
        let mut child = Command::new(env!("CARGO_BIN_EXE_esxsim"))
            .args(["--listen", "127.0.0.1:0", "--http", "--files-dir"])
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start esxsim");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (mut url, mut token) = (String::new(), String::new());
        out.read_line(&mut url).unwrap();
        out.read_line(&mut token).unwrap();
        let token = token
            .trim()
            .strip_prefix("control-token: ")
            .unwrap_or_else(|| panic!("{token:?}"))
            .to_string();
        assert!(token.len() >= 32, "{token}");
        let mut c = Client::new(url.trim());
        let bearer = format!("Bearer {token}");
        let r = c
            .request("GET", "/esxsim/stats", &[("Authorization", &bearer)], b"")
            .unwrap();
        assert_eq!(r.status, 200);
        let r = c.request("GET", "/esxsim/stats", &[], b"").unwrap();
        assert_eq!(r.status, 401);
        tokens.push(token);
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert_ne!(tokens[0], tokens[1]);
}
