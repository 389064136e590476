//! A loopback HTTP server that lets the webview play library clips: WebKitGTK will not play
//! `<video>` from a custom protocol, but plays from http://127.0.0.1. Bound to 127.0.0.1 on a
//! random port, behind a per-launch secret, it serves a generation's clip, start image or poster
//! by the generation's id — `/<secret>/clip/<id>`, `/image/<id>`, `/thumb/<id>` — never by a file
//! name, so no request can name a path. Single-range requests (206 + Content-Range) let the player
//! seek; the app's own origin may read the bytes (CORS), so the webview can draw a frame to a canvas.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

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
    Thumb,
}

impl Served {
    fn segment(self) -> &'static str {
        match self {
            Served::Clip => "clip",
            Served::StartImage => "image",
            Served::Thumb => "thumb",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Served::Clip => "video/mp4",
            Served::StartImage | Served::Thumb => "image/jpeg",
        }
    }
}

/// Finds the file to serve for a generation (None: 404). Called off the async threads.
pub type Resolver = Arc<dyn Fn(Served, i64) -> Option<PathBuf> + Send + Sync>;

struct Shared {
    secret: String,
    resolve: Resolver,
}

/// The origins of the app's own pages (Linux/macOS and Windows), allowed to read served bytes.
const APP_ORIGINS: [&str; 2] = ["tauri://localhost", "http://tauri.localhost"];

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
    [Served::Clip, Served::StartImage, Served::Thumb].into_iter().find(|k| k.segment() == s)
}

/// A generation id as the URL gives it: plain decimal digits only.
fn parse_id(s: &str) -> Option<i64> {
    (!s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// A single byte range of a `total`-byte file, or why not.
#[derive(Debug, PartialEq, Eq)]
enum Range {
    Whole,
    Part(u64, u64),
    Unsatisfiable,
}

fn parse_range(h: Option<&str>, total: u64) -> Range {
    let Some(spec) = h.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole; // multiple ranges: answer with the whole file, which is allowed
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Range::Unsatisfiable;
    };
    let (start, end) = match (a.trim(), b.trim()) {
        ("", "") => return Range::Unsatisfiable,
        ("", n) => match n.parse::<u64>() {
            Ok(0) | Err(_) => return Range::Unsatisfiable,
            Ok(n) => (total.saturating_sub(n), total.saturating_sub(1)),
        },
        (s, "") => match s.parse::<u64>() {
            Ok(s) => (s, total.saturating_sub(1)),
            Err(_) => return Range::Unsatisfiable,
        },
        (s, e) => match (s.parse::<u64>(), e.parse::<u64>()) {
            (Ok(s), Ok(e)) if s <= e => (s, e.min(total.saturating_sub(1))),
            _ => return Range::Unsatisfiable,
        },
    };
    if total == 0 || start >= total {
        Range::Unsatisfiable
    } else {
        Range::Part(start, end)
    }
}

fn status_only(code: StatusCode) -> Response {
    code.into_response()
}

/// The app's origin asks before reading with a Range header: allow exactly that.
async fn preflight(headers: HeaderMap) -> Response {
    let mut r = status_only(StatusCode::NO_CONTENT);
    allow_app_origin(&headers, &mut r);
    r.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET"));
    r.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("range"));
    r
}

/// Lets the app's own pages (only them) read the bytes, e.g. to draw a frame to a canvas.
fn allow_app_origin(headers: &HeaderMap, r: &mut Response) {
    if let Some(origin) =
        headers.get(header::ORIGIN).filter(|o| APP_ORIGINS.iter().any(|a| o.as_bytes() == a.as_bytes()))
    {
        r.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        r.headers_mut().insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

async fn serve(
    State(s): State<Arc<Shared>>,
    UrlPath((secret, kind, id)): UrlPath<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let (Some(kind), Some(id)) = (parse_kind(&kind), parse_id(&id)) else {
        return status_only(StatusCode::NOT_FOUND);
    };
    if !constant_time_eq(secret.as_bytes(), s.secret.as_bytes()) {
        return status_only(StatusCode::NOT_FOUND);
    }
    let resolve = s.resolve.clone();
    let Ok(Some(path)) = tokio::task::spawn_blocking(move || resolve(kind, id)).await else {
        return status_only(StatusCode::NOT_FOUND);
    };
    let mut r = serve_file(path, kind.content_type(), &headers).await;
    allow_app_origin(&headers, &mut r);
    r
}

async fn serve_file(path: PathBuf, content_type: &'static str, headers: &HeaderMap) -> Response {
    let Ok(mut f) = tokio::fs::File::open(&path).await else {
        return status_only(StatusCode::NOT_FOUND);
    };
    let Ok(meta) = f.metadata().await else {
        return status_only(StatusCode::NOT_FOUND);
    };
    if !meta.is_file() {
        return status_only(StatusCode::NOT_FOUND);
    }
    let total = meta.len();
    let range = parse_range(headers.get(header::RANGE).and_then(|v| v.to_str().ok()), total);
    let (status, start, len, content_range) = match range {
        Range::Whole => (StatusCode::OK, 0, total, None),
        Range::Part(a, b) => (StatusCode::PARTIAL_CONTENT, a, b - a + 1, Some(format!("bytes {a}-{b}/{total}"))),
        Range::Unsatisfiable => {
            let mut r = status_only(StatusCode::RANGE_NOT_SATISFIABLE);
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{total}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return r;
        }
    };
    if start > 0 && f.seek(std::io::SeekFrom::Start(start)).await.is_err() {
        return status_only(StatusCode::INTERNAL_SERVER_ERROR);
    }
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(f.take(len)));
    let mut r = Response::new(body);
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&len.to_string()) {
        h.insert(header::CONTENT_LENGTH, v);
    }
    if let Some(cr) = content_range.and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert(header::CONTENT_RANGE, cr);
    }
    r
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 100), Range::Whole);
        assert_eq!(parse_range(Some("bytes=0-9"), 100), Range::Part(0, 9));
        assert_eq!(parse_range(Some("bytes=90-"), 100), Range::Part(90, 99));
        assert_eq!(parse_range(Some("bytes=-10"), 100), Range::Part(90, 99));
        assert_eq!(parse_range(Some("bytes=50-500"), 100), Range::Part(50, 99));
        assert_eq!(parse_range(Some("bytes=100-"), 100), Range::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=9-1"), 100), Range::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Range::Whole);
    }

    #[test]
    fn only_known_kinds_and_plain_ids() {
        assert_eq!(parse_kind("clip"), Some(Served::Clip));
        assert_eq!(parse_kind("thumb"), Some(Served::Thumb));
        assert_eq!(parse_kind("clips"), None);
        assert_eq!(parse_id("42"), Some(42));
        for bad in ["", "-1", "1.mp4", "..", "%2e", "99999999999999999999", "1 "] {
            assert_eq!(parse_id(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn serves_ranges_behind_the_secret_only() {
        let dir = tempfile::tempdir().unwrap();
        let clip = dir.path().join("a.mp4");
        std::fs::write(&clip, (0u8..=255).collect::<Vec<_>>()).unwrap();
        let thumb = dir.path().join("t.jpg");
        std::fs::write(&thumb, b"jpeg").unwrap();
        let resolve: Resolver = Arc::new(move |kind, id| match (kind, id) {
            (Served::Clip, 7) => Some(clip.clone()),
            (Served::Thumb, 7) => Some(thumb.clone()),
            _ => None,
        });
        let server = start(bind().unwrap(), resolve).unwrap();
        let http = reqwest::Client::new();
        let url = server.url(Served::Clip, 7);
        assert!(url.ends_with("/clip/7"), "{url}");
        let r = http.get(&url).header("Range", "bytes=10-19").send().await.unwrap();
        assert_eq!(r.status(), 206);
        assert_eq!(r.headers()["content-range"], "bytes 10-19/256");
        assert_eq!(r.headers()["content-type"], "video/mp4");
        assert!(r.headers().get("access-control-allow-origin").is_none(), "no Origin, no CORS");
        assert_eq!(r.bytes().await.unwrap().to_vec(), (10u8..20).collect::<Vec<_>>());
        let whole = http.get(&url).header("Origin", "tauri://localhost").send().await.unwrap();
        assert_eq!(whole.status(), 200);
        assert_eq!(whole.headers()["access-control-allow-origin"], "tauri://localhost");
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
        let t = http.get(server.url(Served::Thumb, 7)).send().await.unwrap();
        assert_eq!((t.status().as_u16(), t.headers()["content-type"].to_str().unwrap()), (200, "image/jpeg"));
        assert_eq!(http.get(server.url(Served::StartImage, 7)).send().await.unwrap().status(), 404);
        assert_eq!(http.get(server.url(Served::Clip, 8)).send().await.unwrap().status(), 404);
        let wrong = http.get(format!("{}/wrongsecret/clip/7", server.origin)).send().await.unwrap();
        assert_eq!(wrong.status(), 404);
        for bad in ["clip/..%2Fa.mp4", "clip/7.mp4", "clips/7", "clip/-7"] {
            let r = http.get(format!("{}{bad}", server.base)).send().await.unwrap();
            assert_eq!(r.status(), 404, "{bad}");
        }
        let beyond = http.get(&url).header("Range", "bytes=300-").send().await.unwrap();
        assert_eq!(beyond.status(), 416);
        assert!(server.origin.starts_with("http://127.0.0.1:"));
    }
}
