//! Fetches a finished clip: streamed chunk by chunk into `<clip>.part` (never whole in memory),
//! resumed with Range after a cut, checked, fsynced and renamed. Carries no credentials.

use super::failpoint;
use crate::api::retry::{is_retryable_status, RetryPolicy};
use crate::diskspace::size_text;
use crate::error_kind::ErrorKind;
use crate::media::mp4::check_mp4;
use futures_util::StreamExt;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE};
use reqwest::StatusCode;
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;
use tokio::io::AsyncWriteExt;

/// Clips larger than this are refused before a byte is written (a hostile or broken server).
pub const DEFAULT_MAX_CLIP_BYTES: u64 = 4 * 1024 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum DownloadError {
    #[error("Kyma gave a clip address Kyma Studio will not fetch ({reason}).")]
    UnsafeUrl { reason: String },
    #[error("The clip's download link has expired (HTTP {status}).")]
    LinkExpired { status: u16 },
    #[error("The clip is {}, more than the {} Kyma Studio accepts; it was not downloaded.", size_text(*.bytes), size_text(*.max))]
    TooLarge { bytes: u64, max: u64 },
    #[error("The clip kept coming past the {} Kyma Studio accepts, with no size given; it was not downloaded.", size_text(*.max))]
    NoEnd { max: u64 },
    #[error("The clip's address returned {content_type}, not a video.")]
    NotVideo { content_type: String },
    #[error("The download kept stopping early ({got} of {expected} bytes after {tries} tries). It will resume from where it stopped.")]
    Incomplete { got: u64, expected: u64, tries: u32 },
    #[error("The downloaded clip is damaged: {0}. It will be fetched again.")]
    NotMp4(String),
    #[error("The clip's server answered HTTP {status}.")]
    Http { status: u16 },
    #[error("Could not reach the clip's server ({detail}). It will resume when the connection is back.")]
    Network { detail: String },
    #[error("Could not write the clip to {path}: {detail}. Check free disk space and the library folder.")]
    Disk { path: String, detail: String },
    /// The disk filled up: the `.part` file stays, and the next try resumes it with Range.
    #[error(transparent)]
    DiskFull(#[from] crate::diskspace::DiskFull),
}

impl DownloadError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            DownloadError::UnsafeUrl { .. } => ErrorKind::UnsafeUrl,
            DownloadError::LinkExpired { .. } => ErrorKind::LinkExpired,
            DownloadError::TooLarge { .. } | DownloadError::NoEnd { .. } => ErrorKind::TooLarge,
            DownloadError::NotVideo { .. } => ErrorKind::NotVideo,
            DownloadError::Incomplete { .. } => ErrorKind::Incomplete,
            DownloadError::NotMp4(_) => ErrorKind::Damaged,
            DownloadError::Http { .. } => ErrorKind::Http,
            DownloadError::Network { .. } => ErrorKind::Network,
            DownloadError::Disk { .. } => ErrorKind::Disk,
            DownloadError::DiskFull(_) => ErrorKind::DiskFull,
        }
    }
}

/// A write to `path` failed. A full disk says so, with the clip's folder and what is free.
fn disk(path: &Path, e: std::io::Error) -> DownloadError {
    disk_needing(path, e, None)
}

/// As [`disk`], for a write of a clip of `total` bytes into `path` (its `.part`): the need is
/// what the file still lacks.
fn disk_needing(path: &Path, e: std::io::Error, total: Option<u64>) -> DownloadError {
    if crate::diskspace::is_disk_full(&e) {
        let folder = path.parent().unwrap_or(path);
        let have = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let needed = total.map_or(0, |t| t.saturating_sub(have));
        return DownloadError::DiskFull(crate::diskspace::full(folder, needed, crate::diskspace::Then::Resume));
    }
    DownloadError::Disk { path: path.display().to_string(), detail: e.to_string() }
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// A result URL must be https, or plain http to this machine (the simulator, a local proxy).
pub fn check_clip_url(raw: &str) -> Result<url::Url, DownloadError> {
    let u = url::Url::parse(raw).map_err(|_| DownloadError::UnsafeUrl { reason: "not a URL".into() })?;
    // The scheme first: "file:///etc/passwd" is refused as a file: address, not for its host.
    if !matches!(u.scheme(), "https" | "http") {
        return Err(DownloadError::UnsafeUrl { reason: format!("a {}: address", u.scheme()) });
    }
    let host = u.host().ok_or_else(|| DownloadError::UnsafeUrl { reason: "no host".into() })?;
    match u.scheme() {
        "http" if !is_loopback(&host) => {
            Err(DownloadError::UnsafeUrl { reason: "plain http to another machine".into() })
        }
        _ => Ok(u),
    }
}

/// The deepest cause of an error (reqwest wraps the redirect policy's own words).
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Follows at most 5 redirects, never from https down to http, never to another scheme.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        // Each refusal is a phrase that finishes "a redirect …" (see `attempt`).
        if attempt.previous().len() >= 5 {
            return attempt.error("more than 5 times");
        }
        let downgrade = attempt.previous().iter().any(|p| p.scheme() == "https") && attempt.url().scheme() != "https";
        if downgrade {
            return attempt.error("from https to http");
        }
        match check_clip_url(attempt.url().as_str()) {
            Ok(_) => attempt.follow(),
            Err(DownloadError::UnsafeUrl { reason }) => attempt.error(format!("to {reason}")),
            Err(e) => attempt.error(e.to_string()),
        }
    })
}

#[derive(Clone)]
pub struct Downloader {
    http: reqwest::Client,
    policy: RetryPolicy,
    max_bytes: u64,
}

/// `bytes start-end/total` → (start, total).
fn parse_content_range(v: &str) -> Option<(u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let total = if total == "*" { None } else { Some(total.parse().ok()?) };
    if range == "*" {
        return Some((0, total));
    }
    let (start, _end) = range.split_once('-')?;
    Some((start.parse().ok()?, total))
}

fn video_content_type(ct: &str) -> bool {
    let ct = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    ct.is_empty()
        || ct.starts_with("video/")
        || ct == "application/octet-stream"
        || ct == "binary/octet-stream"
        || ct == "application/mp4"
}

pub fn part_path(final_path: &Path) -> PathBuf {
    let mut s = final_path.as_os_str().to_os_string();
    s.push(".part");
    PathBuf::from(s)
}

enum Attempt {
    Done(u64),
    Retry { got: u64, expected: u64 },
}

impl Downloader {
    pub fn new(policy: RetryPolicy, max_bytes: u64) -> Result<Downloader, DownloadError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("kyma-studio/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(15))
            .read_timeout(Duration::from_secs(60))
            .redirect(redirect_policy())
            .build()
            .map_err(|e| DownloadError::Network { detail: e.to_string() })?;
        Ok(Downloader { http, policy, max_bytes })
    }

    /// Downloads `url` to `dest` (via `dest.part`, resumed if present), verifies it is a whole
    /// MP4, makes it durable and renames it into place. Returns the clip's size.
    pub async fn fetch(
        &self,
        url: &str,
        dest: &Path,
        progress: &(dyn Fn(u64, Option<u64>) + Send + Sync),
    ) -> Result<u64, DownloadError> {
        let url = check_clip_url(url)?;
        let part = part_path(dest);
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(|e| disk(dir, e))?;
        }
        let mut tries = 0;
        let (mut got, mut expected) = (0, 0);
        while tries < self.policy.max_tries {
            tries += 1;
            match self.attempt(&url, &part, progress).await {
                Ok(Attempt::Done(size)) => {
                    if let Err(e) = check_mp4(&part) {
                        if !part.exists() {
                            // Its folder went while it came (an unplugged drive): not damaged, away.
                            return Err(disk(&part, std::io::Error::from(std::io::ErrorKind::NotFound)));
                        }
                        // A whole-looking but damaged file: start again from zero next time.
                        let _ = tokio::fs::remove_file(&part).await;
                        return Err(DownloadError::NotMp4(e.0));
                    }
                    failpoint::hit("before_rename");
                    tokio::fs::rename(&part, dest).await.map_err(|e| disk(dest, e))?;
                    if let Some(dir) = dest.parent() {
                        crate::fsutil::sync_dir(dir).map_err(|e| disk(dir, e))?;
                    }
                    return Ok(size);
                }
                Ok(Attempt::Retry { got: g, expected: x }) => {
                    (got, expected) = (g, x);
                }
                Err(e @ (DownloadError::Network { .. } | DownloadError::Http { .. })) => {
                    if tries >= self.policy.max_tries {
                        return Err(e);
                    }
                }
                Err(e) => return Err(e),
            }
            tokio::time::sleep(self.policy.delay(tries + 1, None)).await;
        }
        Err(DownloadError::Incomplete { got, expected, tries })
    }

    async fn attempt(
        &self,
        url: &url::Url,
        part: &Path,
        progress: &(dyn Fn(u64, Option<u64>) + Send + Sync),
    ) -> Result<Attempt, DownloadError> {
        let have = tokio::fs::metadata(part).await.map(|m| m.len()).unwrap_or(0);
        let mut req = self.http.get(url.clone());
        if have > 0 {
            req = req.header(RANGE, format!("bytes={have}-"));
        }
        let resp = req.send().await.map_err(|e| {
            if e.is_redirect() {
                // The server answered, with a redirect the policy refused: say where it pointed.
                DownloadError::UnsafeUrl { reason: format!("a redirect {}", innermost(&e)) }
            } else {
                DownloadError::Network { detail: e.to_string() }
            }
        })?;
        let status = resp.status();
        if e_unsafe_redirect(&resp) {
            return Err(DownloadError::UnsafeUrl { reason: "redirected elsewhere".into() });
        }
        let header = |name| {
            resp.headers().get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok()).map(str::to_string)
        };
        match status.as_u16() {
            403 | 404 | 410 => return Err(DownloadError::LinkExpired { status: status.as_u16() }),
            416 => {
                // Our .part is already as long as (or longer than) the clip: check it, or restart.
                let total = header(CONTENT_RANGE).and_then(|v| parse_content_range(&v)).and_then(|(_, t)| t);
                if total == Some(have) {
                    return Ok(Attempt::Done(have));
                }
                tokio::fs::remove_file(part).await.map_err(|e| disk(part, e))?;
                return Ok(Attempt::Retry { got: 0, expected: total.unwrap_or(0) });
            }
            s if is_retryable_status(s) => return Err(DownloadError::Http { status: s }),
            _ if !(status == StatusCode::OK || status == StatusCode::PARTIAL_CONTENT) => {
                return Err(DownloadError::Http { status: status.as_u16() })
            }
            _ => {}
        }
        if let Some(ct) = header(CONTENT_TYPE) {
            if !video_content_type(&ct) {
                return Err(DownloadError::NotVideo { content_type: ct.chars().take(60).collect() });
            }
        }
        let length: Option<u64> = header(CONTENT_LENGTH).and_then(|v| v.parse().ok());
        let (start, total) = if status == StatusCode::PARTIAL_CONTENT {
            match header(CONTENT_RANGE).and_then(|v| parse_content_range(&v)) {
                Some((s, t)) if s == have => (s, t.or(length.map(|l| s + l))),
                // A range we did not ask for: throw away what we have and start over.
                _ => {
                    tokio::fs::remove_file(part).await.map_err(|e| disk(part, e))?;
                    return Ok(Attempt::Retry { got: 0, expected: 0 });
                }
            }
        } else {
            (0, length)
        };
        if let Some(t) = total {
            if t > self.max_bytes {
                return Err(DownloadError::TooLarge { bytes: t, max: self.max_bytes });
            }
        }
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(start == 0)
            .open(part)
            .await
            .map_err(|e| disk(part, e))?;
        if start > 0 {
            use tokio::io::AsyncSeekExt;
            file.seek(std::io::SeekFrom::Start(start)).await.map_err(|e| disk(part, e))?;
        }
        let mut done = start;
        let mut first_chunk = true;
        let mut stream = resp.bytes_stream();
        let mut cut = false;
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else {
                cut = true;
                break;
            };
            done += chunk.len() as u64;
            let limit = total.unwrap_or(self.max_bytes).min(self.max_bytes);
            if done > limit {
                drop(file);
                let _ = tokio::fs::remove_file(part).await;
                return Err(if total.is_some() {
                    DownloadError::Incomplete { got: done, expected: limit, tries: 1 }
                } else {
                    DownloadError::NoEnd { max: self.max_bytes }
                });
            }
            file.write_all(&chunk).await.map_err(|e| disk_needing(part, e, total))?;
            if first_chunk {
                first_chunk = false;
                file.flush().await.map_err(|e| disk_needing(part, e, total))?;
                failpoint::hit("mid_download");
            }
            progress(done, total);
        }
        file.flush().await.map_err(|e| disk_needing(part, e, total))?;
        file.sync_all().await.map_err(|e| disk_needing(part, e, total))?;
        match total {
            Some(t) if done == t && !cut => Ok(Attempt::Done(done)),
            None if !cut => Ok(Attempt::Done(done)),
            t => Ok(Attempt::Retry { got: done, expected: t.unwrap_or(0) }),
        }
    }
}

fn e_unsafe_redirect(resp: &reqwest::Response) -> bool {
    check_clip_url(resp.url().as_str()).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_clip_urls() {
        assert!(check_clip_url("https://cdn.example.com/a.mp4").is_ok());
        assert!(check_clip_url("http://127.0.0.1:8080/files/a.mp4").is_ok());
        assert!(check_clip_url("http://localhost/a.mp4").is_ok());
        assert!(check_clip_url("http://[::1]:9/a.mp4").is_ok());
        for bad in [
            "http://cdn.example.com/a.mp4",
            "file:///etc/passwd",
            "ftp://x/a.mp4",
            "data:video/mp4;base64,AAAA",
            "javascript:alert(1)",
        ] {
            assert_eq!(check_clip_url(bad).unwrap_err().kind(), "unsafe_url", "{bad}");
        }
        let said = |u: &str| check_clip_url(u).unwrap_err().to_string();
        assert!(said("file:///etc/passwd").contains("(a file: address)"), "{}", said("file:///etc/passwd"));
        assert!(said("http://cdn.example.com/a.mp4").contains("plain http to another machine"));
    }

    #[test]
    fn content_range_and_types() {
        assert_eq!(parse_content_range("bytes 100-199/1000"), Some((100, Some(1000))));
        assert_eq!(parse_content_range("bytes */1000"), Some((0, Some(1000))));
        assert_eq!(parse_content_range("bytes 0-9/*"), Some((0, None)));
        assert_eq!(parse_content_range("items 1-2/3"), None);
        assert!(video_content_type("video/mp4"));
        assert!(video_content_type("application/octet-stream"));
        assert!(!video_content_type("text/html; charset=utf-8"));
        assert!(!video_content_type("application/json"));
    }
}
