//! How much the web view keeps of what it loaded and no longer shows.
//!
//! - **Linux (WebKitGTK).** A web context starts with the cache model of a web browser: its
//!   memory cache keeps the decoded pictures of pages and elements no longer shown, up to a share
//!   of the machine's memory, for going back to them. The gallery shows 10,000 posters one screen
//!   at a time (only the tiles in view exist in the page), and with that model the posters
//!   scrolled past stayed decoded: scrolling through all of them took the app from 494 to 774 MiB
//!   and from 493 to 722 MiB (web process 244 → 425–480 MiB, network process 66 → 104–112 MiB;
//!   `make bench`, drawn without compositing). Kyma Studio is one page that never navigates, so
//!   the context gets the model of a document viewer (`webkit_web_context_set_cache_model`,
//!   `WEBKIT_CACHE_MODEL_DOCUMENT_VIEWER`): no back/forward cache, and a memory cache that keeps
//!   nothing no element uses. A poster scrolled back into view is read again from the loopback
//!   server (a file on the local disk). With it: 489 → 614 MiB (web process 246 → 358, network
//!   process 67 → 80).
//! - **macOS (WKWebView).** Nothing: WebKit on macOS sizes its caches by the system's memory
//!   pressure, and WKWebView has no cache model to set.
//! - **Windows (WebView2).** Nothing: Chromium drops decoded images of elements no longer in the
//!   page under its own memory policy.

/// Sets the web view's cache model for an app of one page. Call from `setup`, before the page
/// has loaded much.
pub fn one_page_app(window: &tauri::WebviewWindow) {
    #[cfg(target_os = "linux")]
    {
        let done = window.with_webview(|webview| {
            use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
            if let Some(context) = webview.inner().context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        });
        if let Err(e) = done {
            log::warn!("could not set the web view's cache model: {e}");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
