//! Helpers for the window tests in `tests/`: a small W3C WebDriver client (enough for
//! tauri-driver + WebKitWebDriver), process guards, screenshots and frame comparison.
//! The tests themselves live in `tests/window.rs`; `scripts/e2e.sh` runs them.

pub mod form;
pub mod frames;
pub mod procs;
pub mod s3;
pub mod webdriver;
