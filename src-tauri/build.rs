//! Tauri's build step: reads tauri.conf.json at the root, our capability file in
//! src-tauri/capabilities/, and declares our own commands so each gets an `allow-*` permission.

/// Every command the webview may call; the capability file grants exactly these.
const COMMANDS: &[&str] = &[
    "app_state",
    "key_set",
    "key_use_session",
    "key_delete",
    "settings_save",
    "image_pick",
    "image_from_path",
    "image_from_bytes",
    "generate",
    "job_again",
    "job_remove",
    "reveal_clip",
    "refresh_catalog",
    "gallery_query",
    "gallery_details",
    "favourite_set",
    "clip_delete",
    "clip_undo_delete",
    "clip_save_copy",
    "clip_locate",
    "clip_forget",
    "thumb_put",
    "spend_summary",
    "library_pick_folder",
    "library_move",
    "ui_ready",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/*.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        println!("cargo:warning=tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
