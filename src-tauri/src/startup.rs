//! Start-up milestones, for `make bench` to tell where a slow start spends its time: with
//! `KYMA_REPORT_READY=1` each is printed on standard error as `startup: <what> <ms>` (milliseconds
//! since `begin`), and `ready` on standard output once the interface is drawn (commands::ui_ready).
//! Nothing is printed otherwise.

use std::sync::OnceLock;
use std::time::Instant;

static STARTED: OnceLock<Instant> = OnceLock::new();

/// The milestones, in the order they come (scripts/bench_startup.py's `MILESTONES` lists the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    /// The Tauri app's `setup` began (the window exists).
    Setup,
    /// The library is open (or found damaged), at the end of `setup`.
    LibraryOpened,
    /// The web view began loading the page.
    PageLoadStarted,
    /// The page and its scripts are loaded.
    PageLoaded,
    /// The interface is drawn with real data (`ui_ready`).
    UiReady,
}

impl Milestone {
    /// Every milestone, in order (the bench's list is checked against it).
    #[cfg(test)]
    pub const ALL: [Milestone; 5] = [
        Milestone::Setup,
        Milestone::LibraryOpened,
        Milestone::PageLoadStarted,
        Milestone::PageLoaded,
        Milestone::UiReady,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Milestone::Setup => "setup",
            Milestone::LibraryOpened => "library opened",
            Milestone::PageLoadStarted => "page load started",
            Milestone::PageLoaded => "page loaded",
            Milestone::UiReady => "ui ready",
        }
    }
}

/// Whether start-up is being measured (`KYMA_REPORT_READY=1`).
pub fn reporting() -> bool {
    std::env::var_os("KYMA_REPORT_READY").is_some_and(|v| v == "1")
}

/// The process began: call first thing in `run`.
pub fn begin() {
    STARTED.get_or_init(Instant::now);
}

/// Milliseconds since `begin`.
fn elapsed_ms() -> f64 {
    STARTED.get().map_or(0.0, |t| t.elapsed().as_secs_f64() * 1000.0)
}

/// Reports a milestone when start-up is measured.
pub fn mark(what: Milestone) {
    if reporting() {
        eprintln!("startup: {} {:.1}", what.name(), elapsed_ms());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bench_reads_the_milestones_this_prints() {
        let script = include_str!("../../scripts/bench_startup.py");
        let line = script.lines().find(|l| l.starts_with("MILESTONES = ")).expect("MILESTONES in bench_startup.py");
        let names: Vec<String> = Milestone::ALL.iter().map(|m| format!("\"{}\"", m.name())).collect();
        assert_eq!(line, format!("MILESTONES = [{}]", names.join(", ")));
    }
}
