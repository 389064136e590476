//! Why an image could not be hosted: one sentence a user can act on per refusal, and a stable
//! `kind()` name for the UI and logs.

use super::BucketConfig;
use crate::error_kind::ErrorKind;

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

    pub(super) fn bad_endpoint(cfg: &BucketConfig, reason: &'static str) -> Self {
        Error::BadEndpoint { endpoint: cfg.endpoint.clone(), reason }
    }

    pub(super) fn bad_bucket(cfg: &BucketConfig, reason: &'static str) -> Self {
        Error::BadBucketName { bucket: cfg.bucket.clone(), reason }
    }

    /// The URL (with its signature) is dropped from the source so logs never carry a live link.
    pub(super) fn transport(cfg: &BucketConfig, err: reqwest::Error) -> Self {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::hosting::fixtures::local;

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
}
