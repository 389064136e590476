//! The processes a window test starts (kyma-sim, tauri-driver and through it the app), each
//! killed with its descendants when its guard drops; and the process tree, to find the app.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A child in its own process group; dropping the guard kills the group and every descendant.
pub struct Guard {
    pub child: Child,
    pub name: &'static str,
}

impl Guard {
    pub fn spawn(name: &'static str, mut command: Command) -> std::io::Result<Guard> {
        command.process_group(0);
        Ok(Guard { child: command.spawn()?, name })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let pid = self.pid();
        for p in descendants(pid) {
            kill9(p);
        }
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn kill9(pid: u32) {
    let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
}

/// A TCP port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid …": comm may hold spaces or parentheses, so split after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Every live descendant of `root`, children before grandchildren.
pub fn descendants(root: u32) -> Vec<u32> {
    let all: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .map(|rd| {
            rd.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter_map(|p| Some((p, parent_of(p)?)))
                .collect()
        })
        .unwrap_or_default();
    let mut out = vec![];
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (child, _) in all.iter().filter(|(_, parent)| *parent == p) {
            out.push(*child);
            frontier.push(*child);
        }
    }
    out
}

/// The descendants of `root` running the executable `exe`.
pub fn descendants_running(root: u32, exe: &Path) -> Vec<u32> {
    let want = exe.canonicalize().unwrap_or_else(|_| exe.to_path_buf());
    descendants(root)
        .into_iter()
        .filter(|p| std::fs::read_link(format!("/proc/{p}/exe")).map(|e| e == want).unwrap_or(false))
        .collect()
}

/// Waits until `f` answers `Some`, or `timeout`.
pub fn wait<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A binary built into the same target directory as the running test (`target/debug`).
pub fn built_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    // target/debug/deps/<test> → target/debug/<name>
    let dir = exe.parent().and_then(|d| d.parent()).map(Path::to_path_buf).unwrap_or_default();
    dir.join(name)
}

/// A program on PATH, or in ~/.cargo/bin (where `cargo install` puts tauri-driver).
pub fn program(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect::<Vec<_>>()).unwrap_or_default();
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin"));
    on_path.into_iter().chain(cargo_bin).map(|d| d.join(name)).find(|p| p.is_file())
}
