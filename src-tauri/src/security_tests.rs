//! What the webview may do, pinned: the main window's exact permissions (only our commands and
//! event listening; no plugin, file, network or shell access) and the exact Content Security
//! Policy the window gets once the clip server's origin is added. A change to either must change
//! this test, on purpose.

use super::allow_clip_origin;
use std::collections::BTreeMap;
use tauri::utils::config::{Config, Csp, DisabledCspModificationKind};

const CAPABILITIES: &str = include_str!("../capabilities/main.json");
const CONFIG: &str = include_str!("../../tauri.conf.json");

/// Every permission of the main window, in order.
const PERMISSIONS: &[&str] = &[
    "core:event:allow-listen",
    "core:event:allow-unlisten",
    "allow-app-state",
    "allow-key-set",
    "allow-key-use-session",
    "allow-key-delete",
    "allow-settings-save",
    "allow-image-pick",
    "allow-image-from-path",
    "allow-image-from-bytes",
    "allow-image-from-clipboard",
    "allow-generate",
    "allow-job-again",
    "allow-job-settings",
    "allow-job-remove",
    "allow-reveal-clip",
    "allow-refresh-catalog",
    "allow-gallery-query",
    "allow-gallery-details",
    "allow-favourite-set",
    "allow-clip-delete",
    "allow-clip-undo-delete",
    "allow-clip-save-copy",
    "allow-clip-locate",
    "allow-clip-forget",
    "allow-thumb-put",
    "allow-spend-summary",
    "allow-library-pick-folder",
    "allow-library-move",
    "allow-group-make",
    "allow-group-list",
    "allow-group-get",
    "allow-group-pause",
    "allow-group-resume",
    "allow-group-cancel",
    "allow-mark-set",
    "allow-budget-get",
    "allow-images-pick-many",
    "allow-prompts-parse",
    "allow-prompts-pick",
    "allow-ui-ready",
    "allow-library-trouble",
    "allow-library-recover",
    "allow-library-health",
    "allow-library-relink",
    "allow-app-restart",
];

fn directives(csp: &Csp) -> BTreeMap<String, Vec<String>> {
    csp.to_string()
        .split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace();
            Some((words.next()?.to_string(), words.map(str::to_string).collect()))
        })
        .collect()
}

#[test]
fn the_main_window_has_exactly_these_permissions() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/capabilities");
    let files: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(files, ["main.json"], "one capability file, no other grants");
    let cap: serde_json::Value = serde_json::from_str(CAPABILITIES).unwrap();
    assert_eq!(cap["identifier"], "main");
    assert_eq!(cap["windows"], serde_json::json!(["main"]), "granted to the main window only");
    assert!(cap.get("remote").is_none() && cap.get("webviews").is_none(), "no remote origin, no other webview: {cap}");
    let granted: Vec<&str> = cap["permissions"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(granted, PERMISSIONS);
    // …and the pinned list is the command table's, so neither can change without the other.
    let from_table: Vec<String> = ["core:event:allow-listen".to_string(), "core:event:allow-unlisten".to_string()]
        .into_iter()
        .chain(crate::studio::ipc::COMMANDS.iter().map(|c| format!("allow-{}", c.replace('_', "-"))))
        .collect();
    assert_eq!(PERMISSIONS, from_table, "the pinned permissions are not the command table's");
    // Nothing from a plugin (dialog, opener, notification, fs, shell, http…): Rust does that work.
    assert!(granted.iter().all(|p| p.starts_with("allow-") || p.starts_with("core:event:allow-")));
}

#[test]
fn the_window_gets_exactly_this_content_security_policy() {
    let config: Config = serde_json::from_str(CONFIG).unwrap();
    let security = &config.app.security;
    assert!(security.freeze_prototype, "Object.prototype is frozen");
    assert!(!security.asset_protocol.enable, "no asset: protocol (Rust serves files, by id)");
    assert!(
        matches!(security.dangerous_disable_asset_csp_modification, DisabledCspModificationKind::Flag(false)),
        "Tauri adds its nonces and hashes to the CSP"
    );
    assert!(
        config.app.windows.iter().all(|w| w.url.to_string() == "index.html"),
        "windows load the app, nothing remote"
    );
    // The clip server lets exactly the app's own origin read clip bytes (CORS, for drawing a frame
    // to a canvas): `tauri://localhost` in WKWebView (macOS) and WebKitGTK (Linux), and in
    // WebView2 (Windows) `http://tauri.localhost` — `https://` if a window set useHttpsScheme,
    // which would also change the origin that IndexedDB and localStorage are kept under.
    assert!(
        config.app.windows.iter().all(|w| !w.use_https_scheme),
        "WebView2 serves the app from http://tauri.localhost, the origin the clip server admits"
    );
    assert_eq!(crate::studio::clip_server::APP_ORIGINS, ["tauri://localhost", "http://tauri.localhost"]);
    let mut csp = security.csp.clone();
    allow_clip_origin(&mut csp, "http://127.0.0.1:5555");
    let got = directives(&csp.unwrap());
    let want: BTreeMap<String, Vec<String>> = [
        ("default-src", "'self'"),
        ("script-src", "'self'"),
        ("style-src", "'self' 'unsafe-inline'"),
        ("img-src", "'self' data: blob: http://127.0.0.1:5555"),
        ("media-src", "'self' blob: http://127.0.0.1:5555"),
        ("connect-src", "'self' ipc: http://ipc.localhost"),
        ("font-src", "'self'"),
        ("object-src", "'none'"),
        ("base-uri", "'none'"),
        ("form-action", "'none'"),
        ("frame-src", "'none'"),
    ]
    .into_iter()
    .map(|(d, s)| (d.to_string(), s.split(' ').map(str::to_string).collect()))
    .collect();
    assert_eq!(got, want);
    // No eval, no wildcard, no remote host anywhere.
    for (d, sources) in &got {
        for s in sources {
            assert!(!s.contains("unsafe-eval") && !s.contains('*'), "{d} allows {s}");
            assert!(
                !s.starts_with("http") || s.starts_with("http://127.0.0.1:") || s == "http://ipc.localhost",
                "{d} allows {s}"
            );
        }
    }
}
