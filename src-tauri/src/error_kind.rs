//! What went wrong, as a closed set: every core error names one `ErrorKind` (and, for bad input,
//! the `Field` it concerns). The CLI's exit code, the app's action and the UI's placement are each
//! one exhaustive match on it, and the TypeScript twin is generated, so no error is ever
//! recognised by its message text. The names are also what the library stores for a job refused here.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

macro_rules! kinds {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        #[ts(export)]
        pub enum ErrorKind {
            $($(#[doc = $doc])* #[serde(rename = $name)] $variant,)*
        }

        impl ErrorKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$variant),*];

            /// The stable name (on the wire, in the database, in tests).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorKind::$variant => $name,)*
                }
            }

            /// The kind a stored name stands for; `None` for a name this version does not know.
            pub fn parse(name: &str) -> Option<ErrorKind> {
                match name {
                    $($name => Some(ErrorKind::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

kinds! {
    // Kyma answered no, or could not be reached.
    /// A request Kyma's rules refuse, caught before it was sent; `Field` says which input.
    InvalidInput = "invalid_input",
    Unauthorized = "unauthorized",
    InsufficientCredit = "insufficient_credit",
    /// Kyma refused the request for a reason of its own (a 4xx with a message).
    Rejected = "rejected",
    NotFound = "not_found",
    RateLimited = "rate_limited",
    QueueFull = "queue_full",
    Server = "server",
    Unreachable = "unreachable",
    Network = "network",
    Protocol = "protocol",
    /// Kyma named a job with an id that cannot be looked up (`..`): the job is kept, unfinished.
    UnusableJobId = "unusable_job_id",
    // Fetching a finished clip.
    UnsafeUrl = "unsafe_url",
    LinkExpired = "link_expired",
    TooLarge = "too_large",
    NotVideo = "not_video",
    Incomplete = "incomplete",
    Damaged = "damaged",
    Http = "http",
    Disk = "disk",
    /// The disk holding the library (or a folder of it) has no room: the sentence names the
    /// folder, what is free and what is needed.
    DiskFull = "disk_full",
    /// The library folder is not there (an unplugged drive, a renamed folder): nothing is made
    /// in its place; paid clips wait for it.
    LibraryMissing = "library_missing",
    // The library and the engine.
    Database = "database",
    Io = "io",
    NewerLibrary = "newer_library",
    StillRunning = "still_running",
    EngineStopped = "engine_stopped",
    MissingImage = "missing_image",
    NoClip = "no_clip",
    NotMissing = "not_missing",
    ClipMissing = "clip_missing",
    NotAClip = "not_a_clip",
    UndoExpired = "undo_expired",
    NotDeleted = "not_deleted",
    MoveRefused = "move_refused",
    TrashFailed = "trash_failed",
    BadThumbnail = "bad_thumbnail",
    // The OS keychain.
    KeychainUnavailable = "keychain_unavailable",
    KeychainLocked = "keychain_locked",
    KeychainFailed = "keychain_failed",
    // The S3 bucket that hosts start images.
    BadEndpoint = "bad_endpoint",
    BadBucketName = "bad_bucket_name",
    BadRegion = "bad_region",
    BadAccessKey = "bad_access_key",
    MissingSecret = "missing_secret",
    BadObjectKey = "bad_object_key",
    BadLinkLifetime = "bad_link_lifetime",
    UnsupportedMethod = "unsupported_method",
    AccessDenied = "access_denied",
    WrongSecret = "wrong_secret",
    UnknownAccessKey = "unknown_access_key",
    ClockSkew = "clock_skew",
    BucketNotFound = "bucket_not_found",
    WrongRegion = "wrong_region",
    BucketError = "bucket_error",
    Timeout = "timeout",
    // A start image that cannot be used.
    Empty = "empty",
    FileTooLarge = "file_too_large",
    NotAnImage = "not_an_image",
    UnsupportedFormat = "unsupported_format",
    UnsupportedVariant = "unsupported_variant",
    TooManyPixels = "too_many_pixels",
    TooMuchMemory = "too_much_memory",
    Corrupt = "corrupt",
    OutputTooLarge = "output_too_large",
    Convert = "convert",
    /// The OS clipboard holds a picture it could not hand over or decode (the app only reads it).
    ClipboardUnreadable = "clipboard_unreadable",
    // The app itself.
    NoKey = "no_key",
    /// A submit that would pass the daily cap or `--max-spend`: refused before anything is sent.
    OverBudget = "over_budget",
    /// A job of a cancelled batch dropped before it was sent (nothing was charged).
    Cancelled = "cancelled",
    InvalidSettings = "invalid_settings",
    /// Something this version cannot name (a stored kind from a newer one, a lost window).
    Internal = "internal",
}

/// The input an error is about, where there is one: the UI shows the sentence under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Field {
    Prompt,
    Model,
    Duration,
    Image,
    Key,
    Settings,
    /// The shot's options (issue 13): aspect ratio, end frame, "Avoid", seed, takes.
    Aspect,
    EndImage,
    Negative,
    Seed,
    Takes,
}

impl Field {
    pub const ALL: &'static [Field] = &[
        Field::Prompt,
        Field::Model,
        Field::Duration,
        Field::Image,
        Field::Key,
        Field::Settings,
        Field::Aspect,
        Field::EndImage,
        Field::Negative,
        Field::Seed,
        Field::Takes,
    ];
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// So tests and callers may compare a kind with its name: `assert_eq!(e.kind(), "corrupt")`.
impl PartialEq<&str> for ErrorKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips_through_serde_and_parse() {
        let mut seen = std::collections::HashSet::new();
        for &k in ErrorKind::ALL {
            assert!(seen.insert(k.as_str()), "{k} named twice");
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::json!(k.as_str()));
            assert_eq!(ErrorKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::from_value::<ErrorKind>(serde_json::json!(k.as_str())).unwrap(), k);
        }
        assert_eq!(ErrorKind::parse("something_newer"), None);
    }
}
