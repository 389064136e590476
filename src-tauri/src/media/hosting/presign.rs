//! SigV4 query presigning: a time-limited URL that lets its holder `PUT` or `GET` one object,
//! and the object keys that survive the trip through a URL unchanged.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};
use url::Url;

use super::config::checked_endpoint;
use super::upload::hex;
use super::{BucketConfig, Error};

/// SigV4 caps a presigned link at seven days.
pub const MAX_LINK_TTL_S: u32 = 7 * 24 * 60 * 60;
/// S3's limit on an object key, in bytes.
const MAX_KEY_BYTES: usize = 1024;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Keys that survive the trip through a URL unchanged: no empty, `.` or `..` segments (URL
/// parsers fold those away, which would change what was signed), no control characters.
pub(super) fn check_object_key(key: &str) -> Result<(), Error> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::hosting::fixtures::{aws_example, local, AWS_SECRET};
    use time::macros::datetime;

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
}
