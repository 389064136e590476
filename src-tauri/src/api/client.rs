//! The HTTP client for Kyma's video API: one accessor per resource, the key sent only to the
//! API base, retries only where they are safe, and every request under the key's RPM budget.

use super::error::Error;
use super::limiter::RateLimiter;
use super::money::Micros;
use super::retry::{is_retryable_status, parse_retry_after, RetryPolicy};
use super::types::{parse_pricing, CreateRequest, ErrorBody, Limits, PricedModel, RemoteJob};
use reqwest::header::{HeaderValue, AUTHORIZATION, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub const DEFAULT_API_BASE: &str = "https://kymaapi.com/v1";

/// Largest JSON answer read from Kyma; anything bigger is a broken or hostile server.
const MAX_JSON_BYTES: usize = 1024 * 1024;

/// The API key. Its Debug and Display never show it; only `masked()` is for people.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into().trim().to_string())
    }

    /// `ky-…abcd`: enough to recognise a key, never enough to use it.
    pub fn masked(&self) -> String {
        mask_key(&self.0)
    }

    /// The secret itself; callers are the keychain and the Authorization header, nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

pub fn mask_key(key: &str) -> String {
    let prefix = if key.starts_with("kyma-") {
        "kyma-"
    } else if key.starts_with("ky-") {
        "ky-"
    } else {
        ""
    };
    let tail: String = key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    if key.chars().count() < prefix.len() + 8 {
        return format!("{prefix}…");
    }
    format!("{prefix}…{tail}")
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({})", self.masked())
    }
}

/// What `create` learned: the job, and whether Kyma recognised the idempotency key (200).
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    pub job: RemoteJob,
    pub replayed: bool,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: url::Url,
    auth: HeaderValue,
    key: ApiKey,
    retry: RetryPolicy,
    limiter: Arc<RateLimiter>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("base", &self.base.as_str()).field("key", &self.key).finish()
    }
}

/// Parses and normalises an API base URL (`http(s)://host[:port]/v1`).
pub fn parse_base(base: &str) -> Result<url::Url, Error> {
    let bad = || Error::Input(super::error::InputError::ApiBase { shown: base.chars().take(80).collect() });
    let mut u = url::Url::parse(base.trim()).map_err(|_| bad())?;
    if !matches!(u.scheme(), "https" | "http") || u.host_str().is_none() {
        return Err(bad());
    }
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    // Endpoints are paths below the base; a query or fragment on it would ride along on each.
    u.set_query(None);
    u.set_fragment(None);
    Ok(u)
}

impl Client {
    pub fn new(base: &str, key: ApiKey) -> Result<Client, Error> {
        Client::with_policy(base, key, RetryPolicy::default(), Arc::new(RateLimiter::new(30)))
    }

    pub fn with_policy(
        base: &str,
        key: ApiKey,
        retry: RetryPolicy,
        limiter: Arc<RateLimiter>,
    ) -> Result<Client, Error> {
        let base = parse_base(base)?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", key.expose()))
            .map_err(|_| Error::Input(super::error::InputError::KeyFormat))?;
        auth.set_sensitive(true);
        let http = reqwest::Client::builder()
            .user_agent(concat!("kyma-studio/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Protocol { detail: format!("cannot build an HTTP client: {e}") })?;
        Ok(Client { http, base, auth, key, retry, limiter })
    }

    /// The same client (same key, same limiter) with another retry policy.
    pub fn with_retry(&self, retry: RetryPolicy) -> Client {
        Client { retry, ..self.clone() }
    }

    pub fn base(&self) -> &url::Url {
        &self.base
    }

    pub fn key(&self) -> &ApiKey {
        &self.key
    }

    pub fn limiter(&self) -> &Arc<RateLimiter> {
        &self.limiter
    }

    /// `POST /videos/generations`. Retried only because the request carries its idempotency key.
    pub async fn create(&self, req: &CreateRequest) -> Result<Created, Error> {
        let body = serde_json::to_value(req).map_err(|e| Error::Protocol { detail: e.to_string() })?;
        let (status, v) = self.send(Method::POST, &["videos", "generations"], Some(&body), true).await?;
        let job = RemoteJob::from_value(&v).map_err(|e| Error::Protocol { detail: e.0 })?;
        Ok(Created { job, replayed: status == StatusCode::OK })
    }

    /// `GET /jobs/{id}`: the id is always exactly one path segment below `jobs/`, whatever it holds.
    pub async fn job(&self, id: &str) -> Result<RemoteJob, Error> {
        // A URL cannot carry these as a segment: `.` and `..` (even spelled `%2E%2E`) are removed
        // or climb one level by every URL parser, reqwest's included, and "" names `jobs/` itself.
        // Asking would read another resource's answer as this job's, so ask nothing.
        if matches!(id, "" | "." | "..") {
            return Err(Error::UnusableJobId { id: id.to_string() });
        }
        let (_, v) = self.send(Method::GET, &["jobs", id], None, true).await?;
        RemoteJob::from_value(&v).map_err(|e| Error::Protocol { detail: e.0 })
    }

    /// `GET /auth/limits`: also the cheap call that proves a key works.
    pub async fn limits(&self) -> Result<Limits, Error> {
        let (_, v) = self.send(Method::GET, &["auth", "limits"], None, true).await?;
        Ok(Limits::from_value(&v))
    }

    /// `GET /pricing` (public).
    pub async fn pricing(&self) -> Result<Vec<PricedModel>, Error> {
        let (_, v) = self.send(Method::GET, &["pricing"], None, false).await?;
        parse_pricing(&v).map_err(|e| Error::Protocol { detail: e.0 })
    }

    /// `GET /credits/balance`: undocumented body; `None` when it does not parse.
    pub async fn balance(&self) -> Result<Option<Micros>, Error> {
        let (_, v) = self.send(Method::GET, &["credits", "balance"], None, true).await?;
        Ok(crate::api::types::parse_balance(&v))
    }

    /// Any `GET` below the base as raw JSON (`kyma live-smoke` compares the fields with ours).
    pub async fn get_json(&self, segments: &[&str], authed: bool) -> Result<Value, Error> {
        Ok(self.send(Method::GET, segments, None, authed).await?.1)
    }

    /// Applies the key's RPM limit read from `/auth/limits` to the shared limiter.
    pub async fn adopt_limits(&self) -> Result<Limits, Error> {
        let l = self.limits().await?;
        if let Some(rpm) = l.rpm_limit {
            self.limiter.set_rpm_limit(rpm);
        }
        Ok(l)
    }

    /// The URL of the endpoint `segments` below the base. Each segment is percent-encoded as one
    /// segment (`/`, `%`, `?`, `#`, spaces and non-ASCII included), never read as URL syntax.
    fn endpoint(&self, segments: &[&str]) -> url::Url {
        let mut url = self.base.clone();
        // http(s) bases (all `parse_base` lets through) always have path segments.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    async fn send(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
        authed: bool,
    ) -> Result<(StatusCode, Value), Error> {
        let url = self.endpoint(segments);
        let path = segments.join("/");
        let path = path.as_str();
        let mut tries = 0u32;
        let mut only_connect_errors = true;
        loop {
            tries += 1;
            if authed {
                if method == Method::POST {
                    self.limiter.acquire_first().await;
                } else {
                    self.limiter.acquire().await;
                }
            }
            let mut rb = self.http.request(method.clone(), url.clone());
            if authed {
                rb = rb.header(AUTHORIZATION, self.auth.clone());
            }
            if let Some(b) = body {
                rb = rb.json(b);
            }
            let outcome = match rb.send().await {
                Err(e) => Err(e),
                Ok(resp) => {
                    let status = resp.status();
                    let retry_after = resp
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    read_capped(resp).await.map(|text| (status, retry_after, text))
                }
            };
            let (status, retry_after, text) = match outcome {
                Ok(x) => x,
                Err(e) => {
                    only_connect_errors &= e.is_connect();
                    if tries < self.retry.max_tries {
                        tokio::time::sleep(self.retry.delay(tries + 1, None)).await;
                        continue;
                    }
                    let base = self.base.as_str().trim_end_matches('/').to_string();
                    let detail = transport_detail(&e);
                    return Err(if only_connect_errors {
                        Error::Unreachable { base, tries, detail }
                    } else {
                        Error::Network { base, tries, detail }
                    });
                }
            };
            only_connect_errors = false;
            if status.is_success() {
                let v: Value = serde_json::from_str(&text)
                    .map_err(|e| Error::Protocol { detail: format!("invalid JSON from {path}: {e}") })?;
                return Ok((status, v));
            }
            let code = status.as_u16();
            if is_retryable_status(code) && tries < self.retry.max_tries {
                tokio::time::sleep(self.retry.delay(tries + 1, retry_after)).await;
                continue;
            }
            return Err(status_error(code, &text, tries, path));
        }
    }
}

/// Fetches the live catalog from the public `/pricing` (trying at most `tries` times), merges
/// it with the built-in models and caches it at `cache`. The CLI and the app both refresh here.
pub async fn refresh_catalog(base: &str, cache: &std::path::Path, tries: u32) -> Result<super::Catalog, Error> {
    let policy = RetryPolicy { max_tries: tries.max(1), ..RetryPolicy::default() };
    // `/pricing` is public: this placeholder key is never sent (the request carries no auth).
    let public = Client::with_policy(base, ApiKey::new("ky-public"), policy, Arc::new(RateLimiter::new(30)))?;
    let merged = super::Catalog::merged(&public.pricing().await?);
    if let Err(e) = merged.save_cache(cache) {
        log::warn!("could not cache the catalog: {e}");
    }
    Ok(merged)
}

/// Reads a body, refusing more than `MAX_JSON_BYTES` (a server that sends gigabytes is lying).
async fn read_capped(mut resp: reqwest::Response) -> Result<String, reqwest::Error> {
    let mut buf: Vec<u8> = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if buf.len() + chunk.len() > MAX_JSON_BYTES {
            buf.extend_from_slice(&chunk[..MAX_JSON_BYTES.saturating_sub(buf.len())]);
            break;
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn transport_detail(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection refused or host not found".into()
    } else if e.is_body() || e.is_decode() {
        "the connection dropped mid-answer".into()
    } else {
        "the connection failed".into()
    }
}

fn status_error(code: u16, text: &str, tries: u32, path: &str) -> Error {
    let body = ErrorBody::parse(text);
    let message = if body.message.is_empty() { format!("HTTP {code}") } else { body.message.clone() };
    match code {
        401 | 403 => Error::Unauthorized {
            detail: if body.message.is_empty() { String::new() } else { format!(" ({})", body.message) },
        },
        402 => Error::InsufficientCredit { needed: None, topup_url: body.cta_url },
        404 => Error::NotFound { what: if path.starts_with("jobs/") { "job" } else { "model" }, message },
        429 if body.code.as_deref() == Some("queue_full") => Error::QueueFull,
        429 => Error::RateLimited { tries },
        500..=599 => Error::Server { status: code, tries, message },
        _ => Error::Rejected { status: code, code: body.code, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keys() {
        assert_eq!(mask_key("ky-1234567890abcd"), "ky-…abcd");
        assert_eq!(mask_key("kyma-1234567890wxyz"), "kyma-…wxyz");
        assert_eq!(mask_key("ky-abc"), "ky-…");
        let k = ApiKey::new("ky-secretsecret9876");
        assert_eq!(format!("{k:?}"), "ApiKey(ky-…9876)");
    }

    #[test]
    fn base_urls_are_normalised() {
        assert_eq!(parse_base("http://127.0.0.1:9/v1").unwrap().as_str(), "http://127.0.0.1:9/v1/");
        assert_eq!(
            parse_base("https://kymaapi.com/v1/").unwrap().join("pricing").unwrap().as_str(),
            "https://kymaapi.com/v1/pricing"
        );
        assert!(parse_base("file:///tmp").is_err());
        assert!(parse_base("kymaapi.com").is_err());
    }

    #[test]
    fn base_urls_lose_their_query_and_fragment() {
        let c = Client::new("https://kymaapi.com/v1?x=1#top", ApiKey::new("ky-test")).unwrap();
        assert_eq!(c.endpoint(&["pricing"]).as_str(), "https://kymaapi.com/v1/pricing");
    }

    #[test]
    fn a_job_id_is_always_one_segment_below_jobs() {
        let c = Client::new("http://127.0.0.1:9/v1", ApiKey::new("ky-test")).unwrap();
        let cases = [
            ("v3a9c8b2e1d0a4b6c7d8e9f0", "v3a9c8b2e1d0a4b6c7d8e9f0"),
            ("../..", "..%2F.."),
            ("../../../../tmp/x", "..%2F..%2F..%2F..%2Ftmp%2Fx"),
            ("a/b", "a%2Fb"),
            ("%2e%2e", "%252e%252e"),
            (".%2E", ".%252E"),
            ("...", "..."),
            ("a?b=1", "a%3Fb=1"),
            ("a#b", "a%23b"),
            ("a b", "a%20b"),
            ("a\\b", "a%5Cb"),
            ("vidéo-日本", "vid%C3%A9o-%E6%97%A5%E6%9C%AC"),
        ];
        for (id, segment) in cases {
            let url = c.endpoint(&["jobs", id]);
            assert_eq!(url.as_str(), format!("http://127.0.0.1:9/v1/jobs/{segment}"), "{id:?}");
            // Parsed again (as reqwest does), it is still the same single segment.
            let again = url::Url::parse(url.as_str()).unwrap();
            let segs: Vec<_> = again.path_segments().unwrap().collect();
            assert_eq!(segs, ["v1", "jobs", segment], "{id:?}");
        }
        assert_eq!(c.endpoint(&["videos", "generations"]).as_str(), "http://127.0.0.1:9/v1/videos/generations");
    }

    #[tokio::test]
    async fn ids_no_url_can_carry_are_refused_without_asking() {
        // Nothing listens on port 9: had a request gone out, this would be `unreachable`.
        let c = Client::with_policy(
            "http://127.0.0.1:9/v1",
            ApiKey::new("ky-test"),
            RetryPolicy { max_tries: 1, ..RetryPolicy::default() },
            Arc::new(RateLimiter::new(30)),
        )
        .unwrap();
        for id in ["..", ".", ""] {
            let e = c.job(id).await.unwrap_err();
            assert_eq!(e.kind(), "unusable_job_id", "{id:?}: {e}");
            assert!(e.to_string().contains(&format!("\"{id}\"")), "{e}");
        }
        assert_eq!(c.job("../..").await.unwrap_err().kind(), "unreachable", "a slash-y id is asked for");
    }

    #[test]
    fn statuses_map_to_actionable_errors() {
        assert_eq!(status_error(401, "", 1, "jobs/x").kind(), "unauthorized");
        let e = status_error(
            402,
            r#"{"error":{"message":"no","details":{"topup_url":"https://k/billing"}}}"#,
            1,
            "videos/generations",
        );
        assert!(e.to_string().contains("Add credit at https://k/billing"));
        assert_eq!(status_error(429, r#"{"error":{"code":"queue_full"}}"#, 8, "x").kind(), "queue_full");
        assert_eq!(status_error(422, r#"{"error":{"message":"bad"}}"#, 1, "x").kind(), "rejected");
        assert_eq!(
            status_error(503, "oops", 8, "x").to_string(),
            "Kyma's server failed (HTTP 503) after 8 tries: oops. Retry, or try a different model."
        );
    }
}
