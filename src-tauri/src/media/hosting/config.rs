//! What a user's bucket is (endpoint, name, region, key pair) and the checks that run before
//! anything is sent, so the settings screen can say what to fix.

use url::{Host, Url};

use super::Error;

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

/// Checks a bucket configuration before anything is sent, so the settings screen can say what
/// to fix: an `https` endpoint (plain `http` only for this computer), an S3 bucket name, a
/// region, an access key ID.
pub fn check_bucket_config(cfg: &BucketConfig) -> Result<(), Error> {
    checked_endpoint(cfg).map(|_| ())
}

/// The endpoint as a URL, after every check on the configuration has passed.
pub(super) fn checked_endpoint(cfg: &BucketConfig) -> Result<Url, Error> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::hosting::fixtures::{local, AWS_SECRET};

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

    #[test]
    fn credentials_debug_hides_the_secret() {
        let credentials =
            BucketCredentials { access_key_id: "AKIAIOSFODNN7EXAMPLE".into(), secret_access_key: AWS_SECRET.into() };
        let shown = format!("{credentials:?} {credentials:#?}");
        assert!(!shown.contains(AWS_SECRET));
        assert!(!shown.contains("bPxRfiCY"));
        assert!(shown.contains("AKIAIOSFODNN7EXAMPLE"));
    }
}
