//! Asking the user for credentials on a terminal, as virsh does (`Enter root's password for
//! HOST: `, no echo), and small helpers for OS error texts.

use std::io::{BufRead, IsTerminal, Write};

use esxvirt_driver::{AuthCallback, CredentialRequest};

/// Prompts on the terminal; answers "no answer" when stdin is not a terminal, so scripts get
/// a clear error instead of a hang.
pub struct TerminalAuth;

impl AuthCallback for TerminalAuth {
    fn request(&self, request: &CredentialRequest) -> Result<Option<String>, String> {
        if !std::io::stdin().is_terminal() {
            return Ok(None);
        }
        match request {
            CredentialRequest::Username { prompt, default } => {
                let _ = write!(std::io::stderr(), "{prompt}: ");
                let _ = std::io::stderr().flush();
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| e.to_string())?;
                let answer = line.trim_end_matches(['\n', '\r']);
                Ok(Some(if answer.is_empty() {
                    default.clone()
                } else {
                    answer.to_string()
                }))
            }
            CredentialRequest::Password { prompt } => {
                rpassword::prompt_password(format!("{prompt}: "))
                    .map(Some)
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// An I/O error as C's strerror words it (without Rust's " (os error N)").
pub fn io_error_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
