//! Turns every core error into the one shape the UI shows: `{ kind, field, message, action,
//! link }`. The message is the core's own sentence; the action names the button that fixes it.

use super::dto::{AppError, ErrorAction};
use crate::error_kind::{ErrorKind, Field};

/// The button that fixes an error of this kind, if any: one exhaustive match, so a new kind
/// cannot be added without deciding.
pub fn action_for(kind: ErrorKind) -> Option<ErrorAction> {
    use ErrorKind as K;
    match kind {
        K::Unauthorized | K::NoKey => Some(ErrorAction::ReplaceKey),
        K::InsufficientCredit => Some(ErrorAction::AddCredit),
        K::Network | K::Unreachable | K::Server | K::RateLimited | K::QueueFull | K::Protocol => {
            Some(ErrorAction::Retry)
        }
        // The daily cap is the user's own setting.
        K::InvalidSettings | K::KeychainUnavailable | K::KeychainLocked | K::OverBudget => {
            Some(ErrorAction::FixSettings)
        }
        // The bucket's own refusals: the fix is in Settings → image hosting.
        K::BadEndpoint
        | K::BadBucketName
        | K::BadRegion
        | K::BadAccessKey
        | K::MissingSecret
        | K::AccessDenied
        | K::WrongSecret
        | K::UnknownAccessKey
        | K::BucketNotFound
        | K::WrongRegion => Some(ErrorAction::FixSettings),
        K::InvalidInput
        | K::Rejected
        | K::NotFound
        | K::UnsafeUrl
        | K::LinkExpired
        | K::TooLarge
        | K::NotVideo
        | K::Incomplete
        | K::Damaged
        | K::Http
        | K::Disk
        | K::DiskFull
        | K::LibraryMissing
        | K::Database
        | K::Io
        | K::NewerLibrary
        | K::StillRunning
        | K::EngineStopped
        | K::MissingImage
        | K::NoClip
        | K::NotMissing
        | K::ClipMissing
        | K::NotAClip
        | K::UndoExpired
        | K::NotDeleted
        | K::MoveRefused
        | K::TrashFailed
        | K::BadThumbnail
        | K::KeychainFailed
        | K::BadObjectKey
        | K::BadLinkLifetime
        | K::UnsupportedMethod
        | K::ClockSkew
        | K::BucketError
        | K::Timeout
        | K::Empty
        | K::FileTooLarge
        | K::NotAnImage
        | K::UnsupportedFormat
        | K::UnsupportedVariant
        | K::TooManyPixels
        | K::TooMuchMemory
        | K::Corrupt
        | K::OutputTooLarge
        | K::Convert
        | K::ClipboardUnreadable
        | K::UnusableJobId
        | K::Cancelled
        | K::Internal => None,
    }
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> AppError {
        AppError { kind, field: None, message: message.into(), action: action_for(kind), link: None }
    }

    /// The same error, shown under `field`.
    pub fn about(self, field: Field) -> AppError {
        AppError { field: Some(field), ..self }
    }
}

impl From<crate::api::Error> for AppError {
    fn from(e: crate::api::Error) -> AppError {
        let link = match &e {
            crate::api::Error::InsufficientCredit { topup_url, .. } => topup_url.clone(),
            _ => None,
        };
        AppError { link, field: e.field(), ..AppError::new(e.kind(), e.to_string()) }
    }
}

impl From<crate::jobs::Error> for AppError {
    fn from(e: crate::jobs::Error) -> AppError {
        match e {
            crate::jobs::Error::Api(api) => api.into(),
            crate::jobs::Error::Image(image) => image.into(),
            other => AppError::new(other.kind(), other.to_string()),
        }
    }
}

/// A start image that cannot be used is always about the image.
impl From<crate::media::Error> for AppError {
    fn from(e: crate::media::Error) -> AppError {
        AppError::new(e.kind(), e.to_string()).about(Field::Image)
    }
}

impl From<crate::keychain::Error> for AppError {
    fn from(e: crate::keychain::Error) -> AppError {
        AppError::new(e.kind(), e.to_string())
    }
}

impl From<crate::api::InputError> for AppError {
    fn from(e: crate::api::InputError) -> AppError {
        crate::api::Error::from(e).into()
    }
}

impl From<crate::library::Error> for AppError {
    fn from(e: crate::library::Error) -> AppError {
        match e {
            crate::library::Error::Jobs(j) => j.into(),
            other => AppError::new(other.kind(), other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_name_their_field_and_account_errors_their_fix() {
        let e = AppError::from(crate::api::InputError::PromptTooLong { chars: 4001, max: 4000 });
        assert_eq!((e.kind, e.field, e.action), (ErrorKind::InvalidInput, Some(Field::Prompt), None));
        let e = AppError::from(crate::api::InputError::Duration {
            model: "m".into(),
            duration: 11,
            allowed: "1–10 s".into(),
        });
        assert_eq!(e.field, Some(Field::Duration));
        let e = AppError::from(crate::media::Error::NotAnImage);
        assert_eq!((e.kind, e.field), (ErrorKind::NotAnImage, Some(Field::Image)));
        let e = AppError::from(crate::api::Error::InsufficientCredit {
            needed: None,
            topup_url: Some("https://k/b".into()),
        });
        assert_eq!((e.action, e.link.as_deref(), e.field), (Some(ErrorAction::AddCredit), Some("https://k/b"), None));
        assert_eq!(AppError::new(ErrorKind::NoKey, "x").action, Some(ErrorAction::ReplaceKey));
    }
}
