//! The processes a window test starts (kyma-sim, tauri-driver and through it the app), each
//! killed with its descendants when its guard drops; and the process tree, to find the app.

#[cfg(unix)]
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
        // Unix only, as the window tests are (they also read /proc): it compiles elsewhere.
        #[cfg(unix)]
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
        .or_else(|| {
            std::env::var_os("HOME")
                .or_else(|| std::env::var_os("USERPROFILE"))
                .map(|h| PathBuf::from(h).join(".cargo"))
        })
        .map(|c| c.join("bin"));
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    on_path.into_iter().chain(cargo_bin).map(|d| d.join(&file)).find(|p| p.is_file())
}

/// Where an app under test keeps its things: the API it talks to, its library
/// (KYMA_STUDIO_DATA_DIR) and a folder holding its `config`, `data` and `cache` XDG homes.
pub struct AppHome {
    pub api_base: String,
    pub data_dir: PathBuf,
    pub xdg: PathBuf,
}

/// Starts tauri-driver with the app's environment (the app inherits it through
/// WebKitWebDriver) plus `extra`; answers its guard and URL once it listens. Panics (it is
/// test set-up) when tauri-driver is missing or does not listen.
#[allow(clippy::expect_used)]
pub fn start_tauri_driver(home: &AppHome, extra: &[(&str, &str)], log: std::fs::File) -> (Guard, String) {
    let tauri_driver =
        program("tauri-driver").expect("tauri-driver is not installed: cargo install tauri-driver --locked");
    let port = free_port();
    let native = free_port();
    let mut c = Command::new(tauri_driver);
    c.args(["--port", &port.to_string(), "--native-port", &native.to_string()])
        .args(["--native-driver", "/usr/bin/WebKitWebDriver"])
        .env("KYMA_API_BASE", &home.api_base)
        .env("KYMA_STUDIO_DATA_DIR", &home.data_dir)
        .env("XDG_CONFIG_HOME", home.xdg.join("config"))
        .env("XDG_DATA_HOME", home.xdg.join("data"))
        .env("XDG_CACHE_HOME", home.xdg.join("cache"))
        .env_remove("KYMA_API_KEY")
        .env_remove("KYMA_DEMO")
        .env_remove("KYMA_FAILPOINT")
        .envs(extra.iter().copied())
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().expect("the log file"))
        .stderr(log);
    let guard = Guard::spawn("tauri-driver", c).expect("tauri-driver starts");
    let addr = format!("127.0.0.1:{port}");
    wait(Duration::from_secs(20), || std::net::TcpStream::connect(&addr).ok())
        .expect("tauri-driver did not start listening");
    (guard, format!("http://{addr}"))
}

/// Empties the OS keychain of Kyma Studio's key (`kyma key delete`), so a window test starts at
/// the first-run screen whichever test used the keychain of this D-Bus session before it.
pub fn forget_key() {
    let kyma = built_binary("kyma");
    let _ = Command::new(kyma)
        .args(["key", "delete"])
        .env_remove("KYMA_API_KEY")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}
