//! SigV4 query presigning through rusty-s3: a time-limited URL that lets its holder `PUT` or
//! `GET` one object, for object keys that survive the trip through a URL unchanged.

use std::time::Duration;

use percent_encoding::percent_decode_str;
use rusty_s3::actions::{GetObject, PutObject};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use time::OffsetDateTime;
use url::Url;

use super::config::checked_endpoint;
use super::{BucketConfig, Error};

/// SigV4 caps a presigned link at seven days.
pub const MAX_LINK_TTL_S: u32 = 7 * 24 * 60 * 60;
/// S3's limit on an object key, in bytes.
const MAX_KEY_BYTES: usize = 1024;

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
    let put = match method {
        "PUT" => true,
        "GET" => false,
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

    let style = if cfg.path_style { UrlStyle::Path } else { UrlStyle::VirtualHost };
    // `checked_endpoint` has already refused what rusty-s3 cannot build a bucket URL from, so
    // this is the same "please report this" the hand-written signer gave for an unbuildable URL.
    let bucket = Bucket::new(endpoint, style, cfg.bucket.clone(), cfg.region.clone())
        .map_err(|_| Error::BadObjectKey { reason: "not a valid URL path" })?;
    let credentials = Credentials::new(cfg.access_key_id.as_str(), secret_access_key);
    let expires_in = Duration::from_secs(u64::from(expires_s));
    let time = signing_time(now);
    let url = if put {
        PutObject::new(&bucket, Some(&credentials), object_key).sign_with_time(expires_in, &time)
    } else {
        GetObject::new(&bucket, Some(&credentials), object_key).sign_with_time(expires_in, &time)
    };

    // Belt and braces: the URL must name exactly this object, with nothing folded away.
    let expected = if cfg.path_style { format!("/{}/{object_key}", cfg.bucket) } else { format!("/{object_key}") };
    if percent_decode_str(url.path()).decode_utf8().ok().as_deref() != Some(expected.as_str()) {
        return Err(Error::BadObjectKey { reason: "changed by URL normalisation" });
    }
    Ok(url)
}

/// `now` in whole seconds, which is all SigV4 signs. jiff's range ends a day inside time's at
/// each end; a clock that far out is clamped, and the bucket refuses its link as before.
fn signing_time(now: OffsetDateTime) -> jiff::Timestamp {
    let seconds = now.unix_timestamp();
    jiff::Timestamp::from_second(seconds).unwrap_or(if seconds < 0 {
        jiff::Timestamp::MIN
    } else {
        jiff::Timestamp::MAX
    })
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
