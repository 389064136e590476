//! Tauri's build step for the empty window: reads tauri.conf.json and capabilities/, and
//! declares its one command so it gets an `allow-ready` permission.

fn main() {
    let attributes = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&["ready"]));
    if let Err(e) = tauri_build::try_build(attributes) {
        println!("cargo:warning=tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
