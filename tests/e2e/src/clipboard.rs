//! The X clipboard for the window tests, filled as a user's programs fill it, and Ctrl+V pressed
//! on a real keyboard's path. `xclip` offers one type (a PNG, a JPEG, text); `clip/clip_owner.py`
//! offers several at once (text beside a picture, as office apps and browsers copy). Each owner
//! runs in the foreground under a [`Guard`], so it is killed when the test lets go of it (xclip
//! would otherwise serve the selection in the background until another owner takes it).
//! Linux/X11 only: needs xclip and xdotool (scripts/install-deps.sh).

use crate::procs::{self, Guard};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub type Result<T> = std::result::Result<T, String>;

/// The types the CLIPBOARD selection offers now (empty when nobody owns it).
pub fn offered() -> Vec<String> {
    Command::new("xclip")
        .args(["-selection", "clipboard", "-t", "TARGETS", "-o"])
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Waits until the clipboard offers `target` (its new owner has taken the selection).
fn wait_offering(target: &str, owner: &str) -> Result<()> {
    procs::wait(Duration::from_secs(10), || offered().iter().any(|t| t == target).then_some(()))
        .ok_or_else(|| format!("{owner} did not take the clipboard with {target}: it offers {:?}", offered()))
}

/// `xclip -selection clipboard -t TARGET -i FILE`, in the foreground until the guard drops.
pub fn offer_file(target: &str, file: &Path) -> Result<Guard> {
    let mut c = Command::new("xclip");
    c.args(["-quiet", "-selection", "clipboard", "-t", target, "-i"])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let guard = Guard::spawn("xclip", c).map_err(|e| format!("xclip: {e}"))?;
    wait_offering(target, "xclip")?;
    Ok(guard)
}

/// Text on the clipboard as xclip offers it (UTF8_STRING, the type X programs ask text by).
pub fn offer_text(text: &str, dir: &Path) -> Result<Guard> {
    let file = dir.join("clipboard.txt");
    std::fs::write(&file, text).map_err(|e| e.to_string())?;
    offer_file("UTF8_STRING", &file)
}

/// Several types at once, each the bytes of a file (`("image/png", path)`), by clip_owner.py.
pub fn offer_many(clip_owner: &Path, offers: &[(&str, &Path)]) -> Result<Guard> {
    let mut c = Command::new("/usr/bin/python3");
    c.arg(clip_owner)
        .args(offers.iter().map(|(target, file)| format!("{target}={}", file.display())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let guard = Guard::spawn("clip_owner", c).map_err(|e| format!("clip_owner.py: {e}"))?;
    for (target, _) in offers {
        wait_offering(target, "clip_owner.py")?;
    }
    Ok(guard)
}

/// clip_owner.py beside this crate (tests/e2e/clip/).
pub fn clip_owner() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clip").join("clip_owner.py")
}

/// The visible window titled "Kyma Studio" of the process `pid` (GTK maps another, named after
/// the program, and xdotool's conditions are or-ed unless `--all`).
pub fn window_of(pid: u32) -> Result<String> {
    let out = Command::new("xdotool")
        .args(["search", "--all", "--onlyvisible", "--pid", &pid.to_string(), "--name", "^Kyma Studio$"])
        .output()
        .map_err(|e| format!("xdotool: {e}"))?;
    let found: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!("not one visible Kyma Studio window of process {pid}: {found:?}; {}", focus_report())),
    }
}

/// Which window has the keyboard focus, and every visible window with its name: what a failed
/// Ctrl+V shows.
pub fn focus_report() -> String {
    let run = |args: &[&str]| {
        Command::new("xdotool")
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    let windows = run(&["search", "--onlyvisible", "--name", ""]);
    let named: Vec<String> =
        windows.split(' ').filter(|w| !w.is_empty()).map(|w| format!("{w} {:?}", run(&["getwindowname", w]))).collect();
    format!("focus is on {}; visible windows: {}", run(&["getwindowfocus"]), named.join(", "))
}

/// Gives `window` the keyboard focus and presses Ctrl+V through XTEST: the X server delivers the
/// key events exactly as from a keyboard (no window manager needed on the test's display).
pub fn press_ctrl_v(window: &str) -> Result<()> {
    let ok = Command::new("xdotool")
        .args(["windowfocus", "--sync", window, "key", "--clearmodifiers", "ctrl+v"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    ok.then_some(()).ok_or_else(|| format!("xdotool could not press Ctrl+V in window {window}"))
}
