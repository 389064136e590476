//! Crash points for the crash tests: `KYMA_FAILPOINT=<name>` makes the process kill itself
//! (SIGKILL, as `kill -9` would) the first time it reaches that point. Unset, it costs one check.

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

#[cfg(not(unix))]
fn die() -> ! {
    std::process::abort()
}
