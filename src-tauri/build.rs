//! Tauri's build step: reads tauri.conf.json at the root, our capability file in
//! src-tauri/capabilities/, and declares our own commands so each gets an `allow-*` permission.

// The one command table (also read by lib.rs and studio::ipc): each command gets an `allow-*`
// permission; the capability file grants exactly these (checked by a test).
include!("src/studio/command_table.rs");

macro_rules! names {
    ($($name:ident($args:ty) -> $answer:ty,)*) => {
        &[$(stringify!($name)),*]
    };
}

/// Every command the webview may call, from the table.
const COMMANDS: &[&str] = for_each_command!(names);

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    println!("cargo:rerun-if-changed=src-tauri/src/studio/command_table.rs");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/*.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        println!("cargo:warning=tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
