//! The shell on a terminal: a pseudo-terminal (driven by python3's `pty` module) types
//! with Tab completion of a command name, a domain name from the connection and an option
//! name, and the lines land in the history file.

use std::process::Command;

/// Drives esxvirt on a pty: argv[1] the binary, argv[2] the cache directory. Prints what
/// the terminal showed.
const DRIVER: &str = r#"
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.environ['XDG_CACHE_HOME'] = sys.argv[2]
    os.environ['ESXVIRT_NO_SESSION_CACHE'] = '1'
    os.environ['TERM'] = 'xterm'
    os.execv(sys.argv[1], ['esxvirt', '-c', 'sim:///default'])
seen = b''
def read(until, limit=20.0):
    global seen
    end = time.time() + limit
    while time.time() < end and until not in seen:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
read(b'esxvirt # ')
os.write(fd, b'domst\t web\t\r')
read(b'running')
os.write(fd, b'vcpucount web01 --max\t\r')
read(b'768')
os.write(fd, b'quit\r')
os.waitpid(pid, 0)
sys.stdout.write(seen.decode('utf-8', 'replace'))
"#;

#[test]
fn completion_and_history_on_a_terminal() {
    let dir = std::env::temp_dir().join(format!("esxvirt-interactive-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let out = match Command::new("python3")
        .args(["-c", DRIVER, env!("CARGO_BIN_EXE_esxvirt")])
        .arg(&dir)
        .output()
    {
        Ok(o) => o,
        Err(_) => esxvirt_testkit::missing_peer("python3", "apt-get install python3"),
    };
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(screen.contains("Welcome to esxvirt"), "{screen}");
    // `domst<Tab>` became domstate, `web<Tab>` web01 (from the connection), and it ran.
    assert!(screen.contains("domstate web01"), "{screen}");
    assert!(screen.contains("running\r\n"), "{screen}");
    assert!(screen.contains("vcpucount web01 --maximum"), "{screen}");
    assert!(screen.contains("768\r\n"), "{screen}");
    let history = std::fs::read_to_string(dir.join("esxvirt/history")).expect("history file");
    assert!(
        history.contains("domstate web01\n") && history.contains("vcpucount web01 --maximum\n"),
        "{history}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
