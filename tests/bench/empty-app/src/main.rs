//! An empty Tauri 2 window, the baseline `make bench` measures Kyma Studio's start-up and idle
//! memory against. Its page calls `ready` after its first frame; that prints one line, `ready`.
//! It is also the baseline of opening the gallery: bench_gallery writes a copy of the app's 35
//! gallery tiles into its page (its CSP, like the app's, lets it show posters from a loopback
//! server and apply their styles) and times drawing them.

use std::io::Write;

/// The page drew its first frame: say so on stdout, where the bench script is waiting.
#[tauri::command]
fn ready() {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "ready");
    let _ = out.flush();
}

// The same choice of drawing without a GPU as Kyma Studio makes, so both are measured alike.
#[path = "../../../../src-tauri/src/render.rs"]
#[allow(dead_code)]
mod render;

fn main() {
    render::apply();
    let result =
        tauri::Builder::default().invoke_handler(tauri::generate_handler![ready]).run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("empty-app stopped: {e}");
        std::process::exit(1);
    }
}
