//! Uploads a start image through a presigned PUT, hands back a presigned GET link for Kyma,
//! and names each way a bucket can refuse for what the user can fix.

use std::time::Duration;

use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};
use url::Url;

use super::presign::MAX_LINK_TTL_S;
use super::{presign, BucketConfig, Error};

/// How long the upload link lives; it is used at once, so a short life is enough.
const PUT_LINK_TTL_S: u32 = 15 * 60;
/// A 10 MB JPEG on a slow uplink (~0.5 Mbit/s) still finishes inside this.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);
/// S3 error bodies are a few hundred bytes; read no more than this of one.
const MAX_ERROR_BODY: usize = 16 * 1024;
/// The longest id kept in an object name; longer ids are cut.
const MAX_ID_CHARS: usize = 64;

/// `start-images/<yyyy>/<mm>/<id>.jpg`, in UTC. Only ASCII letters, digits, `-` and `_` of `id`
/// are kept (anything else becomes `-`, at most 64 characters), so user text can never add a
/// path segment; an id with nothing usable left is replaced by a hash of it and `now`.
pub fn object_key(id: &str, now: OffsetDateTime) -> String {
    let now = now.to_offset(UtcOffset::UTC);
    let mut name: String = id
        .chars()
        .take(MAX_ID_CHARS)
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .collect();
    if !name.bytes().any(|b| b.is_ascii_alphanumeric()) {
        let digest = Sha256::new()
            .chain_update(id.as_bytes())
            .chain_update(now.unix_timestamp_nanos().to_string().as_bytes())
            .finalize();
        name = hex(&digest[..16]);
    }
    format!("start-images/{:04}/{:02}/{name}.jpg", now.year(), u8::from(now.month()))
}

/// Uploads `jpeg` with a presigned PUT (`Content-Type: image/jpeg`) and returns a presigned GET
/// URL valid `get_ttl_s` from the end of the upload (the app uses 3600). Kyma needs an HTTPS
/// link it can reach, so a loopback endpoint is good for tests only.
pub async fn upload_start_image(
    http: &reqwest::Client,
    cfg: &BucketConfig,
    secret_access_key: &str,
    object_key: &str,
    jpeg: &[u8],
    get_ttl_s: u32,
) -> Result<Url, Error> {
    // Refuse a bad GET lifetime before uploading anything.
    if !(1..=MAX_LINK_TTL_S).contains(&get_ttl_s) {
        return Err(Error::BadLinkLifetime { seconds: get_ttl_s });
    }
    let put = presign("PUT", cfg, secret_access_key, object_key, PUT_LINK_TTL_S, OffsetDateTime::now_utc())?;
    let response = http
        .put(put)
        .header(reqwest::header::CONTENT_TYPE, "image/jpeg")
        .timeout(UPLOAD_TIMEOUT)
        .body(jpeg.to_vec())
        .send()
        .await
        .map_err(|err| Error::transport(cfg, err))?;
    if !response.status().is_success() {
        return Err(refusal(cfg, response).await);
    }
    presign("GET", cfg, secret_access_key, object_key, get_ttl_s, OffsetDateTime::now_utc())
}

/// Reads the start of an error answer and names the refusal.
async fn refusal(cfg: &BucketConfig, mut response: reqwest::Response) -> Error {
    let status = response.status().as_u16();
    let region_header =
        response.headers().get("x-amz-bucket-region").and_then(|value| value.to_str().ok()).map(str::to_owned);
    let mut body = Vec::new();
    // A body that breaks off still leaves the status to go on.
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    body.truncate(MAX_ERROR_BODY);
    classify_refusal(cfg, status, region_header, &String::from_utf8_lossy(&body))
}

/// Turns an S3 error answer (status, `x-amz-bucket-region`, XML body) into an [`Error`].
fn classify_refusal(cfg: &BucketConfig, status: u16, region_header: Option<String>, body: &str) -> Error {
    let code = xml_text(body, "Code");
    let message = xml_text(body, "Message").unwrap_or_default();
    let bucket_region = region_header.or_else(|| xml_text(body, "Region")).filter(|region| !region.is_empty());
    let other_region = bucket_region.as_deref().is_some_and(|region| region != cfg.region && cfg.region != "auto");
    match code.as_deref() {
        Some("SignatureDoesNotMatch") => Error::WrongSecret,
        Some("InvalidAccessKeyId") => Error::UnknownAccessKey { access_key_id: cfg.access_key_id.clone() },
        Some("RequestTimeTooSkewed") => Error::ClockSkew,
        Some("NoSuchBucket") => Error::BucketNotFound { bucket: cfg.bucket.clone() },
        Some("EntityTooLarge") => Error::TooLarge,
        Some("PermanentRedirect") => Error::WrongRegion { bucket_region },
        Some("AuthorizationHeaderMalformed" | "AuthorizationQueryParametersError") if other_region => {
            Error::WrongRegion { bucket_region }
        }
        _ if status == 301 || (other_region && matches!(status, 400 | 403)) => Error::WrongRegion { bucket_region },
        _ if status == 403 && message.contains("expired") => Error::LinkExpired,
        _ if status == 403 => Error::AccessDenied,
        _ if status == 404 => Error::BucketNotFound { bucket: cfg.bucket.clone() },
        _ if status == 413 => Error::TooLarge,
        _ => Error::Bucket { status, code },
    }
}

/// The text of the first `<tag>…</tag>` in an S3 error body; S3 error XML is flat and small,
/// so a search is enough.
fn xml_text(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&close)? + start;
    Some(body[start..end].trim().to_owned())
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::hosting::fixtures::local;
    use crate::media::hosting::presign::check_object_key;
    use time::macros::datetime;

    fn assert_contained(key: &str) {
        let segments: Vec<&str> = key.split('/').collect();
        assert_eq!(segments.len(), 4, "{key}");
        assert_eq!(segments[0], "start-images");
        let file = segments[3].strip_suffix(".jpg").unwrap();
        assert!(!file.is_empty());
        assert!(file.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{key}");
        assert!(check_object_key(key).is_ok());
    }

    #[test]
    fn object_key_is_dated_and_keeps_a_plain_id() {
        let now = datetime!(2026-04-26 10:00:00 UTC);
        assert_eq!(
            object_key("3f2a9c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b", now),
            "start-images/2026/04/3f2a9c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b.jpg"
        );
        // The date is the UTC one: 23:30 at -05:00 on 31 Jan is February in UTC.
        assert_eq!(object_key("x", datetime!(2026-01-31 23:30:00 -05:00)), "start-images/2026/02/x.jpg");
    }

    #[test]
    fn object_key_cannot_escape_its_folder() {
        let now = datetime!(2026-04-26 10:00:00 UTC);
        for id in [
            "../../etc/passwd",
            "..",
            ".",
            "/",
            "a/b/c",
            "a\\b",
            "%2e%2e%2fsecret",
            "日本語の画像",
            "emoji-🎬",
            "",
            " ",
            "a\u{0}b",
            "?x=1#y",
            &"z".repeat(500),
        ] {
            let key = object_key(id, now);
            assert!(key.starts_with("start-images/2026/04/"), "{key}");
            assert!(key.len() <= "start-images/2026/04/".len() + MAX_ID_CHARS + 4);
            assert_contained(&key);
        }
        // Ids with nothing usable still get distinct names.
        assert_ne!(object_key("日本", now), object_key("中国", now));
    }

    fn s3_error(code: &str, message: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
             <Message>{message}</Message><RequestId>X</RequestId></Error>"
        )
    }

    #[test]
    fn refusals_are_named_for_what_the_user_can_fix() {
        let cfg = local();
        let kind = |status, region: Option<&str>, body: &str| {
            classify_refusal(&cfg, status, region.map(str::to_owned), body).kind()
        };
        assert_eq!(kind(403, None, &s3_error("AccessDenied", "Access Denied")), "access_denied");
        assert_eq!(kind(403, None, ""), "access_denied");
        assert_eq!(kind(403, None, &s3_error("SignatureDoesNotMatch", "The request signature...")), "wrong_secret");
        assert_eq!(kind(403, None, &s3_error("InvalidAccessKeyId", "...")), "unknown_access_key");
        assert_eq!(kind(403, None, &s3_error("RequestTimeTooSkewed", "...")), "clock_skew");
        assert_eq!(kind(403, None, &s3_error("AccessDenied", "Request has expired")), "link_expired");
        assert_eq!(kind(404, None, &s3_error("NoSuchBucket", "...")), "bucket_not_found");
        assert_eq!(kind(404, None, "not xml"), "bucket_not_found");
        assert_eq!(kind(301, Some("eu-west-1"), ""), "wrong_region");
        assert_eq!(
            kind(400, None, "<Error><Code>AuthorizationQueryParametersError</Code><Region>eu-west-1</Region></Error>"),
            "wrong_region"
        );
        // The server naming our own region is not a region problem.
        assert_eq!(kind(403, Some("us-east-1"), ""), "access_denied");
        assert_eq!(kind(400, None, &s3_error("EntityTooLarge", "...")), "too_large");
        assert_eq!(kind(500, None, &s3_error("InternalError", "...")), "bucket_error");

        let denied = classify_refusal(&cfg, 403, None, "");
        assert!(denied
            .to_string()
            .contains("check the access key and secret, and that the key may write to the bucket"));
        let moved = classify_refusal(&cfg, 301, Some("eu-west-1".into()), "");
        assert!(moved.to_string().contains("(it says eu-west-1)"));
        let other = classify_refusal(&cfg, 503, None, &s3_error("SlowDown", "..."));
        assert_eq!(
            other.to_string(),
            "The bucket answered HTTP 503 (SlowDown) to the upload; try again, and if it keeps \
             happening check the bucket's settings."
        );
    }

    #[tokio::test]
    async fn an_unreachable_bucket_is_a_network_error_without_the_link() {
        // Bind then drop a listener so the port is (almost certainly) closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cfg = BucketConfig { endpoint: format!("http://127.0.0.1:{port}"), ..local() };
        let err = upload_start_image(
            &reqwest::Client::new(),
            &cfg,
            "secret",
            "start-images/2026/04/x.jpg",
            b"\xff\xd8\xff\xd9",
            3600,
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind(), "network");
        assert!(err.to_string().contains(&cfg.endpoint));
        assert!(!format!("{err:?}").contains("X-Amz-Signature"));
    }

    #[tokio::test]
    async fn a_bad_get_lifetime_is_refused_before_uploading() {
        let err = upload_start_image(&reqwest::Client::new(), &local(), "secret", "start-images/2026/04/x.jpg", b"", 0)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "bad_link_lifetime");
    }
}
