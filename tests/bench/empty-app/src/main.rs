//! An empty Tauri 2 window, the baseline `make bench` measures Kyma Studio's start-up and idle
//! memory against. Its page calls `ready` after its first frame; that prints one line, `ready`.

use std::io::Write;

/// The page drew its first frame: say so on stdout, where the bench script is waiting.
#[tauri::command]
fn ready() {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "ready");
    let _ = out.flush();
}

fn main() {
    let result =
        tauri::Builder::default().invoke_handler(tauri::generate_handler![ready]).run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("empty-app stopped: {e}");
        std::process::exit(1);
    }
}
