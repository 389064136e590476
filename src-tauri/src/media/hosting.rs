//! Puts a prepared start image in the user's own S3-compatible bucket (S3, R2, MinIO, B2) and
//! returns a time-limited GET link for Kyma's `image_url`; SigV4 query presigning, no AWS SDK.

use crate::error_kind::ErrorKind;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};
use url::{Host, Url};

/// SigV4 caps a presigned link at seven days.
pub const MAX_LINK_TTL_S: u32 = 7 * 24 * 60 * 60;
/// How long the upload link lives; it is used at once, so a short life is enough.
const PUT_LINK_TTL_S: u32 = 15 * 60;
/// A 10 MB JPEG on a slow uplink (~0.5 Mbit/s) still finishes inside this.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);
/// S3 error bodies are a few hundred bytes; read no more than this of one.
const MAX_ERROR_BODY: usize = 16 * 1024;
/// The longest id kept in an object name; longer ids are cut.
const MAX_ID_CHARS: usize = 64;
/// S3's limit on an object key, in bytes.
const MAX_KEY_BYTES: usize = 1024;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Where a prepared start image goes so Kyma can fetch it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BucketConfig {
    /// e.g. `https://s3.eu-west-1.amazonaws.com`, `https://<account>.r2.cloudflarestorage.com`,
    /// or `http://127.0.0.1:9000` (plain HTTP only on this computer).
    pub endpoint: String,
    pub bucket: String,
    /// `auto` is fine for Cloudflare R2.
    pub region: String,
    pub access_key_id: String,
    /// `true`: `endpoint/bucket/key` (MinIO, R2, local servers); `false`: `bucket.endpoint/key`.
    pub path_style: bool,
}

/// The key pair for a bucket. `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct BucketCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for BucketCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BucketCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// Why an image could not be hosted. `Display` is the sentence shown to the user;
/// [`Error::kind`] is the stable name the UI and logs key on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `reason` finishes the sentence.
    #[error("The bucket endpoint \"{endpoint}\" {reason}.")]
    BadEndpoint { endpoint: String, reason: &'static str },

    /// `reason` finishes the sentence.
    #[error("The bucket name \"{bucket}\" {reason}.")]
    BadBucketName { bucket: String, reason: &'static str },

    #[error(
        "Enter the bucket's region (for example eu-west-1, or auto for Cloudflare R2); it may \
         hold only letters, digits, hyphens and underscores."
    )]
    BadRegion,

    #[error("Enter the access key ID for the bucket; it can't be empty or hold spaces or slashes.")]
    BadAccessKey,

    #[error("Enter the secret access key for the bucket.")]
    MissingSecret,

    /// Only a caller that bypasses [`object_key`] can hit this.
    #[error("Kyma Studio made an unusable name for the uploaded image ({reason}); please report this.")]
    BadObjectKey { reason: &'static str },

    #[error(
        "A bucket link must last between 1 second and 7 days, not {seconds} seconds; please \
         report this."
    )]
    BadLinkLifetime { seconds: u32 },

    #[error("Kyma Studio can only make PUT or GET bucket links, not {method}; please report this.")]
    UnsupportedMethod { method: String },

    #[error(
        "The bucket refused the upload (HTTP 403): check the access key and secret, and that \
         the key may write to the bucket."
    )]
    AccessDenied,

    #[error(
        "The bucket refused the upload because its signature did not match: check the secret \
         access key, and that it belongs to the access key ID."
    )]
    WrongSecret,

    #[error(
        "The bucket does not know the access key ID \"{access_key_id}\": check that it is copied \
         in full and belongs to this bucket's account."
    )]
    UnknownAccessKey { access_key_id: String },

    #[error(
        "The bucket refused the upload because this computer's clock is wrong; set the date and \
         time automatically and try again."
    )]
    ClockSkew,

    #[error(
        "The bucket says the upload link had already expired; check that this computer's date, \
         time and time zone are right, then try again."
    )]
    LinkExpired,

    #[error(
        "The bucket \"{bucket}\" was not found (HTTP 404): check the bucket name, the endpoint \
         and the region."
    )]
    BucketNotFound { bucket: String },

    #[error(
        "The bucket is in a different region{}: change the region in the bucket settings.",
        region_hint(.bucket_region)
    )]
    WrongRegion { bucket_region: Option<String> },

    #[error("The bucket refused the image as too large; check the bucket's size limits.")]
    TooLarge,

    /// Any other refusal; `code` is S3's error code when the body had one.
    #[error(
        "The bucket answered HTTP {status}{} to the upload; try again, and if it keeps happening \
         check the bucket's settings.",
        code_hint(.code)
    )]
    Bucket { status: u16, code: Option<String> },

    #[error("The bucket at {endpoint} did not answer in time; check your connection and try again.")]
    Timeout {
        endpoint: String,
        #[source]
        source: reqwest::Error,
    },

    #[error(
        "Could not reach the bucket at {endpoint}: check the endpoint address and your internet \
         connection, then try again."
    )]
    Network {
        endpoint: String,
        #[source]
        source: reqwest::Error,
    },
}

impl Error {
    /// A stable machine name for the variant, for the UI's `{ kind, message }` and for logs.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::BadEndpoint { .. } => ErrorKind::BadEndpoint,
            Error::BadBucketName { .. } => ErrorKind::BadBucketName,
            Error::BadRegion => ErrorKind::BadRegion,
            Error::BadAccessKey => ErrorKind::BadAccessKey,
            Error::MissingSecret => ErrorKind::MissingSecret,
            Error::BadObjectKey { .. } => ErrorKind::BadObjectKey,
            Error::BadLinkLifetime { .. } => ErrorKind::BadLinkLifetime,
            Error::UnsupportedMethod { .. } => ErrorKind::UnsupportedMethod,
            Error::AccessDenied => ErrorKind::AccessDenied,
            Error::WrongSecret => ErrorKind::WrongSecret,
            Error::UnknownAccessKey { .. } => ErrorKind::UnknownAccessKey,
            Error::ClockSkew => ErrorKind::ClockSkew,
            Error::LinkExpired => ErrorKind::LinkExpired,
            Error::BucketNotFound { .. } => ErrorKind::BucketNotFound,
            Error::WrongRegion { .. } => ErrorKind::WrongRegion,
            Error::TooLarge => ErrorKind::TooLarge,
            Error::Bucket { .. } => ErrorKind::BucketError,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Network { .. } => ErrorKind::Network,
        }
    }

    fn bad_endpoint(cfg: &BucketConfig, reason: &'static str) -> Self {
        Error::BadEndpoint { endpoint: cfg.endpoint.clone(), reason }
    }

    fn bad_bucket(cfg: &BucketConfig, reason: &'static str) -> Self {
        Error::BadBucketName { bucket: cfg.bucket.clone(), reason }
    }

    /// The URL (with its signature) is dropped from the source so logs never carry a live link.
    fn transport(cfg: &BucketConfig, err: reqwest::Error) -> Self {
        let endpoint = cfg.endpoint.clone();
        let source = err.without_url();
        if source.is_timeout() {
            Error::Timeout { endpoint, source }
        } else {
            Error::Network { endpoint, source }
        }
    }
}

fn region_hint(region: &Option<String>) -> String {
    match region {
        Some(region) => format!(" (it says {region})"),
        None => String::new(),
    }
}

fn code_hint(code: &Option<String>) -> String {
    match code {
        Some(code) => format!(" ({code})"),
        None => String::new(),
    }
}

/// Checks a bucket configuration before anything is sent, so the settings screen can say what
/// to fix: an `https` endpoint (plain `http` only for this computer), an S3 bucket name, a
/// region, an access key ID.
pub fn check_bucket_config(cfg: &BucketConfig) -> Result<(), Error> {
    checked_endpoint(cfg).map(|_| ())
}

/// The endpoint as a URL, after every check on the configuration has passed.
fn checked_endpoint(cfg: &BucketConfig) -> Result<Url, Error> {
    let endpoint = Url::parse(cfg.endpoint.trim()).map_err(|_| {
        Error::bad_endpoint(cfg, "is not a web address; enter one like https://s3.eu-west-1.amazonaws.com")
    })?;
    let host = endpoint.host().ok_or_else(|| Error::bad_endpoint(cfg, "has no host name"))?;
    let loopback = match &host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    };
    match endpoint.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(Error::bad_endpoint(
                cfg,
                "must start with https:// (plain http is allowed only for a server on this \
                 computer)",
            ))
        }
        _ => return Err(Error::bad_endpoint(cfg, "must start with https://")),
    }
    if !endpoint.username().is_empty() || endpoint.password().is_some() {
        return Err(Error::bad_endpoint(
            cfg,
            "must not hold a user name or password; enter the keys in their own fields",
        ));
    }
    if endpoint.path() != "/" || endpoint.query().is_some() || endpoint.fragment().is_some() {
        return Err(Error::bad_endpoint(
            cfg,
            "must be only the server address, without a path (put the bucket name in its own \
             field)",
        ));
    }
    if !cfg.path_style && !matches!(host, Host::Domain(_)) {
        return Err(Error::bad_endpoint(
            cfg,
            "is an IP address, which works only with path-style addressing; turn path-style on",
        ));
    }

    check_bucket_name(cfg)?;
    // A dotted bucket name in front of the endpoint breaks the TLS wildcard certificate.
    if !cfg.path_style && endpoint.scheme() == "https" && cfg.bucket.contains('.') {
        return Err(Error::bad_bucket(
            cfg,
            "has dots, which break secure virtual-hosted addresses; turn path-style on",
        ));
    }
    let region_ok =
        !cfg.region.is_empty() && cfg.region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !region_ok {
        return Err(Error::BadRegion);
    }
    let key_ok = !cfg.access_key_id.is_empty()
        && !cfg.access_key_id.chars().any(|c| c == '/' || c.is_whitespace() || c.is_control());
    if !key_ok {
        return Err(Error::BadAccessKey);
    }
    Ok(endpoint)
}

/// S3's bucket naming rules (general-purpose buckets); R2's and B2's are a subset.
fn check_bucket_name(cfg: &BucketConfig) -> Result<(), Error> {
    let name = cfg.bucket.as_str();
    let fail = |reason| Err(Error::bad_bucket(cfg, reason));
    if !(3..=63).contains(&name.len()) {
        return fail("must be 3 to 63 characters long");
    }
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-') {
        return fail("may hold only lowercase letters, digits, dots and hyphens");
    }
    let alnum = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !alnum(name.bytes().next()) || !alnum(name.bytes().last()) {
        return fail("must begin and end with a letter or digit");
    }
    if name.contains("..") {
        return fail("must not have two dots in a row");
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return fail("must not look like an IP address");
    }
    if ["xn--", "sthree-", "amzn-s3-demo-"].iter().any(|prefix| name.starts_with(prefix))
        || ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].iter().any(|suffix| name.ends_with(suffix))
    {
        return fail("uses a prefix or suffix that S3 reserves");
    }
    Ok(())
}

/// Keys that survive the trip through a URL unchanged: no empty, `.` or `..` segments (URL
/// parsers fold those away, which would change what was signed), no control characters.
fn check_object_key(key: &str) -> Result<(), Error> {
    let fail = |reason| Err(Error::BadObjectKey { reason });
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return fail("empty or longer than 1024 bytes");
    }
    if key.split('/').any(|segment| segment.is_empty() || segment == "." || segment == "..") {
        return fail("empty, '.' or '..' path segment");
    }
    if key.chars().any(char::is_control) {
        return fail("control character");
    }
    Ok(())
}

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

/// A SigV4 query-presigned URL (`X-Amz-SignedHeaders=host`, `UNSIGNED-PAYLOAD`) that lets its
/// holder `PUT` or `GET` one object until `now + expires_s`.
pub fn presign(
    method: &str,
    cfg: &BucketConfig,
    secret_access_key: &str,
    object_key: &str,
    expires_s: u32,
    now: OffsetDateTime,
) -> Result<Url, Error> {
    let method = match method {
        "PUT" => "PUT",
        "GET" => "GET",
        other => return Err(Error::UnsupportedMethod { method: other.to_owned() }),
    };
    let endpoint = checked_endpoint(cfg)?;
    if secret_access_key.is_empty() {
        return Err(Error::MissingSecret);
    }
    check_object_key(object_key)?;
    if !(1..=MAX_LINK_TTL_S).contains(&expires_s) {
        return Err(Error::BadLinkLifetime { seconds: expires_s });
    }

    // `host_str` keeps IPv6 brackets; `port` is None for the scheme's default, as in `Host:`.
    let mut host = endpoint.host_str().unwrap_or_default().to_owned();
    if !cfg.path_style {
        host = format!("{}.{host}", cfg.bucket);
    }
    if let Some(port) = endpoint.port() {
        host = format!("{host}:{port}");
    }
    let path = if cfg.path_style {
        format!("/{}/{}", cfg.bucket, uri_encode(object_key, true))
    } else {
        format!("/{}", uri_encode(object_key, true))
    };

    let now = now.to_offset(UtcOffset::UTC);
    let date = format!("{:04}{:02}{:02}", now.year(), u8::from(now.month()), now.day());
    let timestamp = format!("{date}T{:02}{:02}{:02}Z", now.hour(), now.minute(), now.second());
    let scope = format!("{date}/{}/s3/aws4_request", cfg.region);
    let credential = format!("{}/{scope}", cfg.access_key_id);
    let expires = expires_s.to_string();
    let query = canonical_query(&[
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", &credential),
        ("X-Amz-Date", &timestamp),
        ("X-Amz-Expires", &expires),
        ("X-Amz-SignedHeaders", "host"),
    ]);

    let request = canonical_request(method, &path, &query, &host);
    let string_to_sign = format!("{ALGORITHM}\n{timestamp}\n{scope}\n{}", hex(&Sha256::digest(request.as_bytes())));
    let key = signing_key(secret_access_key, &date, &cfg.region);
    let signature = hex(&hmac_sha256(&key, string_to_sign.as_bytes()));

    let url = format!("{}://{host}{path}?{query}&X-Amz-Signature={signature}", endpoint.scheme());
    let url = Url::parse(&url).map_err(|_| Error::BadObjectKey { reason: "not a valid URL path" })?;
    // Belt and braces: the path sent must be byte for byte the path signed.
    if url.path() != path {
        return Err(Error::BadObjectKey { reason: "changed by URL normalisation" });
    }
    Ok(url)
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

fn canonical_request(method: &str, path: &str, query: &str, host: &str) -> String {
    format!("{method}\n{path}\n{query}\nhost:{host}\n\nhost\n{UNSIGNED_PAYLOAD}")
}

/// Names and values encoded, then sorted by name (and value), joined with `&`.
fn canonical_query(params: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> =
        params.iter().map(|(name, value)| (uri_encode(name, false), uri_encode(value, false))).collect();
    pairs.sort();
    pairs.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("&")
}

/// AWS's URI encoding: every byte but `A-Z a-z 0-9 - _ . ~` becomes `%XY` (upper-case hex);
/// `/` is kept in paths and encoded in query strings.
fn uri_encode(text: &str, keep_slash: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len() * 3);
    for &byte in text.as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(byte)),
            b'/' if keep_slash => out.push('/'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
        }
    }
    out
}

fn signing_key(secret_access_key: &str, date: &str, region: &str) -> [u8; 32] {
    let key = hmac_sha256(format!("AWS4{secret_access_key}").as_bytes(), date.as_bytes());
    let key = hmac_sha256(&key, region.as_bytes());
    let key = hmac_sha256(&key, b"s3");
    hmac_sha256(&key, b"aws4_request")
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { unreachable!("HMAC accepts keys of any length") };
    mac.update(data);
    mac.finalize().into_bytes().into()
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
    use time::macros::datetime;

    const AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn aws_example() -> BucketConfig {
        BucketConfig {
            endpoint: "https://s3.amazonaws.com".into(),
            bucket: "examplebucket".into(),
            region: "us-east-1".into(),
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            path_style: false,
        }
    }

    fn local() -> BucketConfig {
        BucketConfig {
            endpoint: "http://127.0.0.1:9000".into(),
            bucket: "kyma-start".into(),
            region: "us-east-1".into(),
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            path_style: true,
        }
    }

    /// AWS S3 docs, "Authenticating Requests: Using Query Parameters", the GET object example.
    #[test]
    fn signer_matches_the_aws_presigned_url_example() {
        let url =
            presign("GET", &aws_example(), AWS_SECRET, "test.txt", 86400, datetime!(2013-05-24 00:00:00 UTC)).unwrap();
        assert_eq!(
            url.as_str(),
            "https://examplebucket.s3.amazonaws.com/test.txt\
             ?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
    }

    #[test]
    fn canonical_request_of_the_aws_example_hashes_as_documented() {
        let query = canonical_query(&[
            ("X-Amz-SignedHeaders", "host"),
            ("X-Amz-Expires", "86400"),
            ("X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"),
            ("X-Amz-Date", "20130524T000000Z"),
            ("X-Amz-Algorithm", ALGORITHM),
        ]);
        let request = canonical_request("GET", "/test.txt", &query, "examplebucket.s3.amazonaws.com");
        assert_eq!(
            hex(&Sha256::digest(request.as_bytes())),
            "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04"
        );
    }

    /// Reference URL from botocore 1.43 (`generate_presigned_url("put_object")`, s3v4, path
    /// addressing, clock fixed) for a key that needs encoding, on an endpoint with a port.
    #[test]
    fn signer_matches_botocore_for_path_style_with_port_and_encoded_key() {
        let url = presign(
            "PUT",
            &local(),
            AWS_SECRET,
            "start-images/2026/04/a b+c~d.jpg",
            900,
            datetime!(2026-04-26 10:00:00 UTC),
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9000/kyma-start/start-images/2026/04/a%20b%2Bc~d.jpg\
             ?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260426%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20260426T100000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=89b963cb9c972f6dc4babe774a7459cdc5bb601fea35cd228ac5224e75f11465"
        );
    }

    #[test]
    fn presigned_query_is_sorted_and_the_signature_comes_last() {
        let url = presign(
            "GET",
            &local(),
            "secret",
            "start-images/2026/04/x.jpg",
            3600,
            datetime!(2026-04-26 10:00:00 +02:00),
        )
        .unwrap();
        let names: Vec<String> = url.query_pairs().map(|(n, _)| n.into_owned()).collect();
        assert_eq!(
            names,
            [
                "X-Amz-Algorithm",
                "X-Amz-Credential",
                "X-Amz-Date",
                "X-Amz-Expires",
                "X-Amz-SignedHeaders",
                "X-Amz-Signature"
            ]
        );
        // Times are signed in UTC whatever the offset handed in.
        assert!(url.query().unwrap().contains("X-Amz-Date=20260426T080000Z"));
    }

    #[test]
    fn presign_refuses_what_it_cannot_sign_faithfully() {
        let now = datetime!(2026-04-26 10:00:00 UTC);
        let cfg = local();
        let kind = |method, key, expires| presign(method, &cfg, "secret", key, expires, now).unwrap_err().kind();
        assert_eq!(kind("DELETE", "a.jpg", 60), "unsupported_method");
        assert_eq!(kind("GET", "a.jpg", 0), "bad_link_lifetime");
        assert_eq!(kind("GET", "a.jpg", MAX_LINK_TTL_S + 1), "bad_link_lifetime");
        for key in ["", "/a.jpg", "a//b.jpg", "a/../b.jpg", "../b.jpg", "a/./b", "a/", "a\nb"] {
            assert_eq!(kind("GET", key, 60), "bad_object_key", "{key:?}");
        }
        assert_eq!(presign("GET", &cfg, "", "a.jpg", 60, now).unwrap_err().kind(), "missing_secret");
        assert!(presign("GET", &cfg, "secret", "a.jpg", MAX_LINK_TTL_S, now).is_ok());
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        let with = |bucket: &str| BucketConfig { bucket: bucket.into(), ..local() };
        for good in ["abc", "my.bucket-1", "kyma-start-images", &"a".repeat(63), "1bucket"] {
            assert!(check_bucket_config(&with(good)).is_ok(), "{good}");
        }
        for bad in [
            "",
            "ab",
            &"a".repeat(64),
            "My-Bucket",
            "my_bucket",
            "my bucket",
            "-abc",
            "abc-",
            ".abc",
            "a..b",
            "192.168.5.4",
            "xn--abc",
            "sthree-abc",
            "abc-s3alias",
            "bücket",
            "a/b",
        ] {
            let err = check_bucket_config(&with(bad)).unwrap_err();
            assert_eq!(err.kind(), "bad_bucket_name", "{bad}");
        }
    }

    #[test]
    fn endpoints_must_be_https_or_loopback_http() {
        let with = |endpoint: &str, path_style: bool| BucketConfig { endpoint: endpoint.into(), path_style, ..local() };
        for (good, path_style) in [
            ("https://s3.eu-west-1.amazonaws.com", false),
            ("https://s3.eu-west-1.amazonaws.com/", false),
            ("https://0123abcd.r2.cloudflarestorage.com", true),
            ("https://s3.us-west-004.backblazeb2.com", true),
            ("http://127.0.0.1:9000", true),
            ("http://localhost:9000", true),
            ("http://LOCALHOST:9000", true),
            ("http://[::1]:9000", true),
            ("https://10.0.0.5:9000", true),
        ] {
            assert!(check_bucket_config(&with(good, path_style)).is_ok(), "{good}");
        }
        for (bad, path_style) in [
            ("", true),
            ("s3.amazonaws.com", true),
            ("http://s3.amazonaws.com", true),
            ("http://192.168.1.5:9000", true),
            ("http://127.0.0.1.example.com", true),
            ("ftp://127.0.0.1", true),
            ("file:///tmp/bucket", true),
            ("https://user:pw@s3.amazonaws.com", true),
            ("https://s3.amazonaws.com/kyma-start", true),
            ("https://s3.amazonaws.com/?x=1", true),
            ("https://s3.amazonaws.com/#x", true),
            ("http://127.0.0.1:9000", false),
        ] {
            let err = check_bucket_config(&with(bad, path_style)).unwrap_err();
            assert_eq!(err.kind(), "bad_endpoint", "{bad}");
        }
    }

    #[test]
    fn dotted_bucket_names_need_path_style_over_https() {
        let cfg = BucketConfig {
            endpoint: "https://s3.amazonaws.com".into(),
            bucket: "my.bucket".into(),
            path_style: false,
            ..local()
        };
        assert_eq!(check_bucket_config(&cfg).unwrap_err().kind(), "bad_bucket_name");
        let cfg = BucketConfig { path_style: true, ..cfg };
        assert!(check_bucket_config(&cfg).is_ok());
    }

    #[test]
    fn region_and_access_key_are_required() {
        for region in ["", "eu west 1", "eu/west", "eu-west-1\n"] {
            let cfg = BucketConfig { region: region.into(), ..local() };
            assert_eq!(check_bucket_config(&cfg).unwrap_err().kind(), "bad_region");
        }
        let cfg = BucketConfig { region: "auto".into(), ..local() };
        assert!(check_bucket_config(&cfg).is_ok());
        for key in ["", "AKIA EXAMPLE", "AKIA/EXAMPLE", " AKIA"] {
            let cfg = BucketConfig { access_key_id: key.into(), ..local() };
            assert_eq!(check_bucket_config(&cfg).unwrap_err().kind(), "bad_access_key");
        }
    }

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

    #[test]
    fn credentials_debug_hides_the_secret() {
        let credentials =
            BucketCredentials { access_key_id: "AKIAIOSFODNN7EXAMPLE".into(), secret_access_key: AWS_SECRET.into() };
        let shown = format!("{credentials:?} {credentials:#?}");
        assert!(!shown.contains(AWS_SECRET));
        assert!(!shown.contains("bPxRfiCY"));
        assert!(shown.contains("AKIAIOSFODNN7EXAMPLE"));
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

    #[test]
    fn messages_are_sentences() {
        let cfg = local();
        let errors = [
            Error::bad_endpoint(&cfg, "must start with https://"),
            Error::bad_bucket(&cfg, "must be 3 to 63 characters long"),
            Error::BadRegion,
            Error::BadAccessKey,
            Error::MissingSecret,
            Error::BadObjectKey { reason: "x" },
            Error::BadLinkLifetime { seconds: 0 },
            Error::UnsupportedMethod { method: "DELETE".into() },
            Error::AccessDenied,
            Error::WrongSecret,
            Error::UnknownAccessKey { access_key_id: "AKIA".into() },
            Error::ClockSkew,
            Error::LinkExpired,
            Error::BucketNotFound { bucket: "b".into() },
            Error::WrongRegion { bucket_region: None },
            Error::TooLarge,
            Error::Bucket { status: 500, code: None },
        ];
        for err in errors {
            let text = err.to_string();
            assert!(text.starts_with(|c: char| c.is_ascii_uppercase()), "{text}");
            assert!(text.ends_with('.'), "{text}");
            assert!(!err.kind().as_str().is_empty());
        }
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
