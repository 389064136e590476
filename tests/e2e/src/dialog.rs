//! Answering the OS's own folder dialog, as a user would: the app's "Choose …" dialog is GTK's
//! file chooser on Linux (rfd's GTK 3 backend, through tauri-plugin-dialog), driven through
//! XTEST with xdotool: the window found by its title, Ctrl+L for the location field, the path
//! typed, Enter. No window manager is needed on the test's display.
//!
//! Linux/X11 only (xdotool, scripts/install-deps.sh). On macOS the dialog is an NSOpenPanel and
//! on Windows the shell's IFileDialog; the window tests run on Linux only.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, String>;

fn xdotool(args: &[&str]) -> Result<String> {
    let out = Command::new("xdotool").args(args).output().map_err(|e| format!("xdotool: {e}"))?;
    if !out.status.success() {
        return Err(format!("xdotool {args:?}: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The visible window titled exactly `title`, once there is one (within `timeout`).
pub fn wait_window(title: &str, timeout: Duration) -> Result<String> {
    let deadline = Instant::now() + timeout;
    let name = format!("^{}$", title.replace('.', "\\."));
    loop {
        if let Ok(out) = xdotool(&["search", "--onlyvisible", "--name", &name]) {
            if let Some(w) = out.lines().next().filter(|w| !w.is_empty()) {
                return Ok(w.to_string());
            }
        }
        if Instant::now() > deadline {
            return Err(format!("no visible window titled {title:?}; {}", super::clipboard::focus_report()));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Whether a visible window titled `title` is still open.
pub fn is_open(title: &str) -> bool {
    xdotool(&["search", "--onlyvisible", "--name", &format!("^{title}$")]).is_ok_and(|o| !o.is_empty())
}

/// In the folder dialog titled `title`: types `folder` into its location field and chooses it.
/// GTK opens a typed folder rather than choosing it, so Enter is pressed again to choose the
/// folder now open (the dialog's default button, "Select"), until the dialog closes.
pub fn choose_folder(title: &str, folder: &Path) -> Result<()> {
    let window = wait_window(title, Duration::from_secs(20))?;
    // The dialog maps before its widgets take keys.
    std::thread::sleep(Duration::from_millis(700));
    xdotool(&["windowfocus", "--sync", &window])?;
    xdotool(&["key", "--clearmodifiers", "ctrl+l"])?;
    std::thread::sleep(Duration::from_millis(300));
    let path = format!("{}/", folder.display());
    xdotool(&["type", "--delay", "15", &path])?;
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..4 {
        xdotool(&["key", "Return"])?;
        std::thread::sleep(Duration::from_millis(800));
        if !is_open(title) {
            return Ok(());
        }
    }
    let shot = std::env::temp_dir().join("kyma-e2e-dialog.png");
    let _ = Command::new("import").args(["-window", "root"]).arg(&shot).status();
    Err(format!(
        "the dialog {title:?} did not close after choosing {} (the screen: {})",
        folder.display(),
        shot.display()
    ))
}
