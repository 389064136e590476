//! Helpers for the window tests in `tests/`: a small W3C WebDriver client (enough for
//! tauri-driver + WebKitWebDriver), process guards, screenshots and frame comparison.
//! The tests themselves live in `tests/window.rs`; `scripts/e2e.sh` runs them.

pub mod clipboard;
pub mod dialog;
pub mod form;
pub mod frames;
pub mod procs;
pub mod s3;
pub mod webdriver;

/// Every file below `dir` (none when it does not exist); links are not followed.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(t) if t.is_file() => out.push(e.path()),
                _ => {}
            }
        }
    }
    out
}
