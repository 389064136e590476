//! A loopback HTTP server that lets the webview play library clips: WebKitGTK will not play
//! `<video>` from a custom protocol, but plays from http://127.0.0.1. Bound to 127.0.0.1 on a
//! random port, behind a per-launch secret, it serves a generation's clip, start image or poster
//! by the generation's id — `/<secret>/clip/<id>`, `/image/<id>`, `/thumb/<id>` — never by a file
//! name, so no request can name a path. tower-http's `ServeFile` answers ranges (so the player can
//! seek), HEAD and 416; the app's own origin may read the bytes (CORS), to draw a frame to a canvas.

use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use httpdate::HttpDate;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;
use tower_http::services::ServeFile;

#[derive(Debug, Clone)]
pub struct ClipServer {
    /// `http://127.0.0.1:PORT` — the exact origin the CSP's media-src and img-src name.
    pub origin: String,
    /// `http://127.0.0.1:PORT/<secret>/`.
    base: String,
}

impl ClipServer {
    /// The URL of generation `id`'s file of `kind`.
    pub fn url(&self, kind: Served, id: i64) -> String {
        format!("{}{}/{id}", self.base, kind.segment())
    }
}

/// What the server can serve for a generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    Clip,
    StartImage,
    /// The end frame of a start-and-end-frame clip.
    EndImage,
    Thumb,
}

impl Served {
    fn segment(self) -> &'static str {
        match self {
            Served::Clip => "clip",
            Served::StartImage => "image",
            Served::EndImage => "end-image",
            Served::Thumb => "thumb",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Served::Clip => "video/mp4",
            Served::StartImage | Served::EndImage | Served::Thumb => "image/jpeg",
        }
    }
}

/// Finds the file to serve for a generation (None: 404). Called off the async threads.
pub type Resolver = Arc<dyn Fn(Served, i64) -> Option<PathBuf> + Send + Sync>;

struct Shared {
    secret: String,
    resolve: Resolver,
}

/// The origins of the app's own pages, allowed to read served bytes: `tauri://localhost` in
/// WKWebView (macOS) and WebKitGTK (Linux), `http://tauri.localhost` in WebView2 (Windows; the
/// security test pins that no window switches it to https).
pub const APP_ORIGINS: [&str; 2] = ["tauri://localhost", "http://tauri.localhost"];

/// Binds the listener now (so the origin is known before the window's CSP is set).
pub fn bind() -> std::io::Result<std::net::TcpListener> {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    l.set_nonblocking(true)?;
    Ok(l)
}

/// Starts serving on `listener` (inside a tokio runtime).
pub fn start(listener: std::net::TcpListener, resolve: Resolver) -> std::io::Result<ClipServer> {
    let port = listener.local_addr()?.port();
    let secret = uuid::Uuid::new_v4().simple().to_string();
    let origin = format!("http://127.0.0.1:{port}");
    let base = format!("{origin}/{secret}/");
    let shared = Arc::new(Shared { secret, resolve });
    let app = Router::new().route("/{secret}/{kind}/{id}", get(serve).options(preflight)).with_state(shared);
    let listener = tokio::net::TcpListener::from_std(listener)?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            log::error!("the clip server stopped: {e}");
        }
    });
    Ok(ClipServer { origin, base })
}

fn parse_kind(s: &str) -> Option<Served> {
    [Served::Clip, Served::StartImage, Served::EndImage, Served::Thumb].into_iter().find(|k| k.segment() == s)
}

/// A generation id as the URL gives it: plain decimal digits only.
fn parse_id(s: &str) -> Option<i64> {
    (!s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// The app's origin asks before reading with a Range header: allow exactly that.
async fn preflight(headers: HeaderMap) -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    allow_app_origin(headers.get(header::ORIGIN), &mut r);
    r.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET"));
    r.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("range"));
    r
}

/// Lets the app's own pages (only them) read the bytes, e.g. to draw a frame to a canvas.
fn allow_app_origin(origin: Option<&HeaderValue>, r: &mut Response) {
    if let Some(origin) = origin.filter(|o| APP_ORIGINS.iter().any(|a| o.as_bytes() == a.as_bytes())) {
        r.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        r.headers_mut().insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

async fn serve(
    State(s): State<Arc<Shared>>,
    UrlPath((secret, kind, id)): UrlPath<(String, String, String)>,
    mut req: Request,
) -> Response {
    let (Some(kind), Some(id)) = (parse_kind(&kind), parse_id(&id)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !constant_time_eq(secret.as_bytes(), s.secret.as_bytes()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let resolve = s.resolve.clone();
    let found = tokio::task::spawn_blocking(move || {
        let path = resolve(kind, id)?;
        let meta = std::fs::metadata(&path).ok().filter(|m| m.is_file())?;
        Some((path, meta.modified().ok()))
    });
    let Ok(Some((path, modified))) = found.await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !range_still_applies(req.headers(), modified) {
        req.headers_mut().remove(header::RANGE);
    }
    let origin = req.headers().get(header::ORIGIN).cloned();
    let mut r = match ServeFile::new(&path).try_call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => {
            log::warn!("the clip server could not read generation {id}'s {}: {e}", kind.segment());
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    };
    let h = r.headers_mut();
    if h.contains_key(header::CONTENT_TYPE) {
        // By what was asked for, not by the file's extension.
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.content_type()));
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    allow_app_origin(origin.as_ref(), &mut r);
    r
}

/// Whether a request's Range is still to be honoured. tower-http reads no If-Range, so without
/// this a player resuming with the validator of an older file would get a piece of the new one
/// spliced into the old; RFC 9110 §13.1.5 says to send the whole file instead. No ETag is sent,
/// so only the exact Last-Modified date matches. Several ranges also get the whole file, which
/// the RFC allows; tower-http would refuse them with 416.
fn range_still_applies(headers: &HeaderMap, modified: Option<SystemTime>) -> bool {
    let several = headers.get(header::RANGE).is_some_and(|r| r.as_bytes().contains(&b','));
    let fresh = match headers.get(header::IF_RANGE) {
        None => true,
        Some(v) => {
            let date = v.to_str().ok().and_then(|v| v.trim().parse::<HttpDate>().ok());
            date.is_some() && date == modified.map(HttpDate::from)
        }
    };
    fresh && !several
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_kinds_and_plain_ids() {
        assert_eq!(parse_kind("clip"), Some(Served::Clip));
        assert_eq!(parse_kind("thumb"), Some(Served::Thumb));
        assert_eq!(parse_kind("end-image"), Some(Served::EndImage));
        assert_eq!(parse_kind("clips"), None);
        assert_eq!(parse_id("42"), Some(42));
        for bad in ["", "-1", "1.mp4", "..", "%2e", "99999999999999999999", "1 "] {
            assert_eq!(parse_id(bad), None, "{bad}");
        }
    }

    /// A server with generation 7's 256-byte clip (bytes 0..=255) and a 4-byte thumbnail.
    fn serve_generation_7(dir: &std::path::Path) -> ClipServer {
        let clip = dir.join("a.mp4");
        std::fs::write(&clip, (0u8..=255).collect::<Vec<_>>()).unwrap();
        let thumb = dir.join("t.jpg");
        std::fs::write(&thumb, b"jpeg").unwrap();
        let resolve: Resolver = Arc::new(move |kind, id| match (kind, id) {
            (Served::Clip, 7) => Some(clip.clone()),
            (Served::Thumb, 7) => Some(thumb.clone()),
            (Served::StartImage, 7) => Some(clip.parent().unwrap().to_path_buf()), // a folder: never served
            _ => None,
        });
        start(bind().unwrap(), resolve).unwrap()
    }

    async fn get_range(http: &reqwest::Client, url: &str, range: &str) -> (u16, Option<String>, Vec<u8>) {
        let r = http.get(url).header("Range", range).send().await.unwrap();
        let cr = r.headers().get("content-range").map(|v| v.to_str().unwrap().to_string());
        (r.status().as_u16(), cr, r.bytes().await.unwrap().to_vec())
    }

    #[tokio::test]
    async fn serves_ranges_behind_the_secret_only() {
        let dir = tempfile::tempdir().unwrap();
        let server = serve_generation_7(dir.path());
        let http = reqwest::Client::new();
        let url = server.url(Served::Clip, 7);
        assert!(url.ends_with("/clip/7"), "{url}");
        let r = http.get(&url).header("Range", "bytes=10-19").send().await.unwrap();
        assert_eq!(r.status(), 206);
        assert_eq!(r.headers()["content-range"], "bytes 10-19/256");
        assert_eq!(r.headers()["content-type"], "video/mp4");
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert!(r.headers().get("access-control-allow-origin").is_none(), "no Origin, no CORS");
        assert_eq!(r.bytes().await.unwrap().to_vec(), (10u8..20).collect::<Vec<_>>());
        let whole = http.get(&url).header("Origin", "tauri://localhost").send().await.unwrap();
        assert_eq!(whole.status(), 200);
        assert_eq!(whole.headers()["access-control-allow-origin"], "tauri://localhost");
        assert_eq!(whole.headers()["accept-ranges"], "bytes");
        assert_eq!(whole.bytes().await.unwrap().len(), 256);
        let pre =
            http.request(reqwest::Method::OPTIONS, &url).header("Origin", "tauri://localhost").send().await.unwrap();
        assert_eq!(pre.status(), 204);
        assert_eq!(pre.headers()["access-control-allow-headers"], "range");
        let part =
            http.get(&url).header("Origin", "tauri://localhost").header("Range", "bytes=0-9").send().await.unwrap();
        assert_eq!(
            (part.status().as_u16(), &part.headers()["access-control-allow-origin"]),
            (206, &"tauri://localhost".parse::<HeaderValue>().unwrap())
        );
        let foreign = http.get(&url).header("Origin", "https://evil.example").send().await.unwrap();
        assert!(foreign.headers().get("access-control-allow-origin").is_none());
        // WebView2's origin for the app (Windows); not its https twin, which the app does not use.
        let windows = http.get(&url).header("Origin", "http://tauri.localhost").send().await.unwrap();
        assert_eq!(windows.headers()["access-control-allow-origin"], "http://tauri.localhost");
        for other in ["https://tauri.localhost", "http://localhost:1420", "null"] {
            let r = http.get(&url).header("Origin", other).send().await.unwrap();
            assert!(r.headers().get("access-control-allow-origin").is_none(), "{other}");
        }
        let t = http.get(server.url(Served::Thumb, 7)).send().await.unwrap();
        assert_eq!((t.status().as_u16(), t.headers()["content-type"].to_str().unwrap()), (200, "image/jpeg"));
        assert_eq!(http.get(server.url(Served::StartImage, 7)).send().await.unwrap().status(), 404, "a folder");
        assert_eq!(http.get(server.url(Served::Clip, 8)).send().await.unwrap().status(), 404);
        let wrong = http.get(format!("{}/wrongsecret/clip/7", server.origin)).send().await.unwrap();
        assert_eq!(wrong.status(), 404);
        for bad in ["clip/..%2Fa.mp4", "clip/7.mp4", "clips/7", "clip/-7", "clip/7/", "a.mp4"] {
            let r = http.get(format!("{}{bad}", server.base)).send().await.unwrap();
            assert_eq!(r.status(), 404, "{bad}");
        }
        assert!(server.origin.starts_with("http://127.0.0.1:"));
    }

    #[tokio::test]
    async fn every_form_of_range() {
        let dir = tempfile::tempdir().unwrap();
        let server = serve_generation_7(dir.path());
        let http = reqwest::Client::new();
        let url = server.url(Served::Clip, 7);
        let bytes = |a: u8, b: u8| (a..=b).collect::<Vec<_>>();
        let cases = [
            ("bytes=0-9", 206, Some("bytes 0-9/256"), bytes(0, 9)),
            ("bytes=250-", 206, Some("bytes 250-255/256"), bytes(250, 255)),
            ("bytes=-10", 206, Some("bytes 246-255/256"), bytes(246, 255)),
            ("bytes=250-500", 206, Some("bytes 250-255/256"), bytes(250, 255)),
            ("bytes=256-", 416, Some("bytes */256"), vec![]),
            ("bytes=300-400", 416, Some("bytes */256"), vec![]),
            ("bytes=9-1", 416, Some("bytes */256"), vec![]),
            ("bytes=-0", 416, Some("bytes */256"), vec![]),
            // Several ranges: the whole file, as before (tower-http alone would answer 416).
            ("bytes=0-1,5-6", 200, None, bytes(0, 255)),
        ];
        for (range, status, content_range, body) in cases {
            let got = get_range(&http, &url, range).await;
            assert_eq!(got, (status, content_range.map(str::to_string), body), "{range}");
        }
    }

    #[tokio::test]
    async fn head_answers_the_headers_without_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let server = serve_generation_7(dir.path());
        let http = reqwest::Client::new();
        let url = server.url(Served::Clip, 7);
        let r = http.head(&url).header("Origin", "tauri://localhost").send().await.unwrap();
        assert_eq!(r.status(), 200);
        let h = r.headers().clone();
        assert_eq!(
            (&h["content-length"], &h["content-type"], &h["accept-ranges"]),
            (&"256".parse().unwrap(), &"video/mp4".parse().unwrap(), &"bytes".parse().unwrap())
        );
        assert!(h.contains_key("last-modified"));
        assert_eq!(h["access-control-allow-origin"], "tauri://localhost");
        assert!(r.bytes().await.unwrap().is_empty());
        let r = http.head(&url).header("Range", "bytes=-16").send().await.unwrap();
        assert_eq!((r.status().as_u16(), &r.headers()["content-range"]), (206, &"bytes 240-255/256".parse().unwrap()));
        assert!(r.bytes().await.unwrap().is_empty());
        assert_eq!(http.head(server.url(Served::Clip, 8)).send().await.unwrap().status(), 404);
    }

    #[tokio::test]
    async fn if_range_with_a_stale_validator_gets_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let server = serve_generation_7(dir.path());
        let http = reqwest::Client::new();
        let url = server.url(Served::Clip, 7);
        let first = http.get(&url).send().await.unwrap();
        let modified = first.headers()["last-modified"].to_str().unwrap().to_string();
        let with = |if_range: &str| http.get(&url).header("Range", "bytes=0-9").header("If-Range", if_range).send();
        let same = with(&modified).await.unwrap();
        assert_eq!(same.status(), 206, "the file is unchanged: the range applies");
        assert_eq!(same.bytes().await.unwrap().len(), 10);
        for stale in ["Wed, 21 Oct 2015 07:28:00 GMT", "\"an-etag-we-never-sent\"", "W/\"weak\"", "not a date"] {
            let r = with(stale).await.unwrap();
            assert_eq!(r.status(), 200, "{stale}");
            assert!(r.headers().get("content-range").is_none(), "{stale}");
            assert_eq!(r.bytes().await.unwrap().len(), 256, "{stale}");
        }
    }
}
