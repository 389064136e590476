//! Crash points for the crash tests: `KYMA_FAILPOINT=<name>` makes the process kill itself
//! (SIGKILL, as `kill -9` would; `TerminateProcess` on Windows) the first time it reaches that
//! point. Unset, it costs one check.

use std::sync::OnceLock;

/// The points a job passes, in order. Tests kill the process at each and then resume.
pub const POINTS: &[&str] = &[
    "before_db_write",
    "after_db_write",
    "after_post_response",
    "mid_poll",
    "mid_download",
    "before_rename",
    "after_rename",
];

fn armed() -> Option<&'static str> {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    ARMED.get_or_init(|| std::env::var("KYMA_FAILPOINT").ok().filter(|s| !s.is_empty())).as_deref()
}

pub fn hit(name: &str) {
    if armed() == Some(name) {
        die();
    }
}

#[cfg(unix)]
fn die() -> ! {
    // SAFETY: kill(2) on our own pid with SIGKILL has no memory-safety preconditions.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    std::process::abort()
}

/// Windows has no signals: `TerminateProcess` is what `taskkill /F` does, with no unwinding, no
/// atexit and no crash report (`abort` would go through Windows Error Reporting).
/// Exit code 137, as a shell reports a process killed by signal 9.
#[cfg(windows)]
fn die() -> ! {
    use windows_sys::Win32::System::Threading::{GetCurrentProcess, TerminateProcess};
    // SAFETY: the pseudo-handle of our own process is always valid; nothing is read or written.
    unsafe {
        TerminateProcess(GetCurrentProcess(), KILLED_EXIT_CODE);
    }
    std::process::abort()
}

/// The exit code a crash point leaves on Windows (there the tests look for it instead of SIGKILL).
pub const KILLED_EXIT_CODE: u32 = 137;

#[cfg(not(any(unix, windows)))]
fn die() -> ! {
    std::process::abort()
}
