//! Kyma Studio: the core (the Kyma API client, the persistent job engine, image preparation,
//! the keychain), the window-free app layer (`studio`), and the Tauri shell built in `run`.
//! Nothing in the core imports `tauri`; the GUI and the `kyma` CLI are two faces on it.

// The one command table; its macro is in scope for every module below (studio::ipc, commands).
include!("studio/command_table.rs");

pub mod api;
pub mod diskspace;
pub mod error_kind;
pub mod fsutil;
pub mod jobs;
pub mod keychain;
pub mod library;
pub mod media;
pub mod ospath;
pub mod render;
pub mod studio;

mod bridge;
mod commands;
#[cfg(test)]
mod security_tests;
mod startup;
mod webcache;

use std::sync::Arc;
use tauri::utils::config::{Csp, CspDirectiveSources};
use tauri::Manager;

/// Names the clip server's exact origin in the CSP: the webview may play and show library files
/// from there, and load nothing else from anywhere else.
fn allow_clip_origin(csp: &mut Option<Csp>, origin: &str) {
    if let Some(Csp::DirectiveMap(map)) = csp {
        for directive in ["media-src", "img-src"] {
            let entry = map.entry(directive.to_string()).or_insert_with(|| CspDirectiveSources::List(Vec::new()));
            entry.push(origin);
        }
    }
}

/// Registers exactly the commands of the table, each `commands::NAME`.
macro_rules! handlers {
    ($($name:ident($args:ty) -> $answer:ty,)*) => {
        tauri::generate_handler![$(commands::$name),*]
    };
}

/// Makes an open library the app's: its engine's and library's events go to the window, and
/// every command finds it.
pub(crate) fn attach_studio<R: tauri::Runtime>(app: &tauri::AppHandle<R>, studio: studio::Studio) {
    let studio = Arc::new(studio);
    bridge::forward_engine_events(app.clone(), studio.clone());
    bridge::forward_library_events(app.clone(), studio.clone());
    app.manage(studio);
}

/// Launches the desktop app.
pub fn run() {
    startup::begin();
    // Before anything starts a thread or a web view: how the window is drawn without a GPU.
    let rendering = render::apply();
    // Read first, while this is the only thread: the OS's local offset is only safe to read then
    // (the `time` crate refuses it otherwise on Linux and macOS, and we get UTC).
    let utc_offset_minutes = time::UtcOffset::current_local_offset().map_or(0, |o| i32::from(o.whole_minutes()));
    let data_dir = jobs::default_data_dir();
    let listener = match studio::clip_server::bind() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("Kyma Studio cannot start: no loopback port for the clip player ({e}).");
            std::process::exit(1);
        }
    };
    let origin = listener.local_addr().map(|a| format!("http://127.0.0.1:{}", a.port())).unwrap_or_default();
    let mut context = tauri::generate_context!("tauri.conf.json");
    allow_clip_origin(&mut context.config_mut().app.security.csp, &origin);
    let options = studio::StudioOptions {
        data_dir,
        api_base: std::env::var("KYMA_API_BASE").ok().filter(|s| !s.is_empty()),
        session_key: std::env::var("KYMA_API_KEY").ok(),
        demo: std::env::var_os("KYMA_DEMO").is_some(),
        limits_every: studio::StudioOptions::LIMITS_EVERY,
        secrets: std::sync::Arc::new(keychain::OsKeychain),
        utc_offset_minutes,
    };
    // The key must not linger in the environment of anything this process starts.
    std::env::remove_var("KYMA_API_KEY");
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.set_focus();
            }
        }))
        .plugin(tauri_plugin_log::Builder::new().level(log::LevelFilter::Info).build())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        // Read by our own `image_from_clipboard` only: the capability grants the webview none of
        // the plugin's commands (it would read or overwrite anything the user copied).
        .plugin(tauri_plugin_clipboard_manager::init())
        .setup(move |app| {
            startup::mark(startup::Milestone::Setup);
            log::info!("drawing the window: {rendering:?}");
            if let Some(window) = app.get_webview_window("main") {
                webcache::one_page_app(&window);
            }
            let spare = (options.clone(), listener.try_clone()?);
            match tauri::async_runtime::block_on(studio::Studio::open(options, listener)) {
                Ok(studio) => {
                    attach_studio(app.handle(), studio);
                    app.manage(studio::rescue::Rescue::default());
                }
                // A damaged database: the window opens on the recovery offer instead.
                Err(e) => {
                    let rescue = studio::rescue::Rescue::after_failed_open(spare.0, spare.1, &e);
                    if rescue.trouble().is_none() {
                        return Err(Box::<dyn std::error::Error>::from(e.message));
                    }
                    app.manage(rescue);
                }
            }
            startup::mark(startup::Milestone::LibraryOpened);
            Ok(())
        })
        .on_page_load(|_, payload| {
            startup::mark(match payload.event() {
                tauri::webview::PageLoadEvent::Started => startup::Milestone::PageLoadStarted,
                tauri::webview::PageLoadEvent::Finished => startup::Milestone::PageLoaded,
            })
        })
        .on_window_event(bridge::on_window_event)
        .invoke_handler(for_each_command!(handlers))
        .build(context);
    match result {
        // Quitting gives the open jobs back at once to `kyma resume` or another process sharing
        // the library (otherwise they wait for this process's leases to lapse).
        Ok(app) => app.run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                if let Some(studio) = app.try_state::<Arc<studio::Studio>>() {
                    studio.engine().release_claims();
                }
            }
        }),
        Err(e) => {
            eprintln!("Kyma Studio stopped: {e}");
            std::process::exit(1);
        }
    }
}
