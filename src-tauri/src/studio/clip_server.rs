//! A loopback HTTP server that lets the webview play library clips: WebKitGTK will not play
//! `<video>` from a custom protocol, but plays from http://127.0.0.1. Bound to 127.0.0.1 on a
//! random port, it serves only `.mp4` files of the clips folder (and `.jpg` start images), behind
//! a per-launch secret, with single-range requests (206 + Content-Range) so the player can seek.

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
    /// `http://127.0.0.1:PORT` — the exact origin the CSP's media-src names.
    pub origin: String,
    /// `http://127.0.0.1:PORT/<secret>/clips/` — a clip's URL is this plus its file name.
    pub clips_base: String,
    /// `http://127.0.0.1:PORT/<secret>/images/` — start images, for thumbnails.
    pub images_base: String,
}

struct Shared {
    secret: String,
    clips: PathBuf,
    images: PathBuf,
}

/// Binds the listener now (so the origin is known before the window's CSP is set).
pub fn bind() -> std::io::Result<std::net::TcpListener> {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    l.set_nonblocking(true)?;
    Ok(l)
}

/// Starts serving the library's clips and start images on `listener` (inside a tokio runtime).
pub fn start(listener: std::net::TcpListener, paths: crate::jobs::Paths) -> std::io::Result<ClipServer> {
    let port = listener.local_addr()?.port();
    let secret = uuid::Uuid::new_v4().simple().to_string();
    let origin = format!("http://127.0.0.1:{port}");
    let clips_base = format!("{origin}/{secret}/clips/");
    let images_base = format!("{origin}/{secret}/images/");
    let shared = Arc::new(Shared { secret, clips: paths.clips, images: paths.start_images });
    let app = Router::new()
        .route("/{secret}/clips/{file}", get(serve_clip))
        .route("/{secret}/images/{file}", get(serve_image))
        .with_state(shared);
    let listener = tokio::net::TcpListener::from_std(listener)?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            log::error!("the clip server stopped: {e}");
        }
    });
    Ok(ClipServer { origin, clips_base, images_base })
}

fn safe_name(name: &str, ext: &str) -> bool {
    !name.starts_with('.')
        && name.ends_with(ext)
        && name.len() <= 200
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
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

async fn serve_clip(
    State(s): State<Arc<Shared>>,
    UrlPath((secret, file)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    serve_named(&s, &secret, &s.clips, &file, (".mp4", "video/mp4"), &headers).await
}

async fn serve_image(
    State(s): State<Arc<Shared>>,
    UrlPath((secret, file)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    serve_named(&s, &secret, &s.images, &file, (".jpg", "image/jpeg"), &headers).await
}

/// Serves `dir/file` when the secret matches and the name is a plain file of the given kind.
async fn serve_named(
    s: &Shared,
    secret: &str,
    dir: &std::path::Path,
    file: &str,
    (ext, content_type): (&str, &'static str),
    headers: &HeaderMap,
) -> Response {
    if !constant_time_eq(secret.as_bytes(), s.secret.as_bytes()) || !safe_name(file, ext) {
        return status_only(StatusCode::NOT_FOUND);
    }
    serve_file(dir.join(file), content_type, headers).await
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
    fn only_plain_mp4_names() {
        assert!(safe_name("2026-11-25_kling-3-pro_000001.mp4", ".mp4"));
        for bad in ["../x.mp4", ".hidden.mp4", "a/b.mp4", "x.mp4.part", "x.txt", "%2e%2e.mp4", "a b.mp4"] {
            assert!(!safe_name(bad, ".mp4"), "{bad}");
        }
    }

    #[tokio::test]
    async fn serves_ranges_behind_the_secret_only() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::jobs::Paths::new(dir.path());
        std::fs::create_dir_all(&paths.clips).unwrap();
        std::fs::write(paths.clips.join("a.mp4"), (0u8..=255).collect::<Vec<_>>()).unwrap();
        std::fs::write(paths.clips.join("secret.txt"), b"no").unwrap();
        std::fs::write(dir.path().join("library.sqlite3"), b"db").unwrap();
        let server = start(bind().unwrap(), paths).unwrap();
        let http = reqwest::Client::new();
        let r = http.get(format!("{}a.mp4", server.clips_base)).header("Range", "bytes=10-19").send().await.unwrap();
        assert_eq!(r.status(), 206);
        assert_eq!(r.headers()["content-range"], "bytes 10-19/256");
        assert_eq!(r.bytes().await.unwrap().to_vec(), (10u8..20).collect::<Vec<_>>());
        let whole = http.get(format!("{}a.mp4", server.clips_base)).send().await.unwrap();
        assert_eq!(whole.status(), 200);
        assert_eq!(whole.bytes().await.unwrap().len(), 256);
        let wrong = http.get(format!("{}/wrongsecret/clips/a.mp4", server.origin)).send().await.unwrap();
        assert_eq!(wrong.status(), 404);
        let other = http.get(format!("{}secret.txt", server.clips_base)).send().await.unwrap();
        assert_eq!(other.status(), 404);
        let escape = http.get(format!("{}..%2Flibrary.sqlite3", server.clips_base)).send().await.unwrap();
        assert_eq!(escape.status(), 404);
        let beyond =
            http.get(format!("{}a.mp4", server.clips_base)).header("Range", "bytes=300-").send().await.unwrap();
        assert_eq!(beyond.status(), 416);
        assert!(server.origin.starts_with("http://127.0.0.1:"));
    }
}
