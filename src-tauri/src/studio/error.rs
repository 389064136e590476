//! Turns every core error into the one shape the UI shows: `{ kind, message, action, link }`.
//! The message is the core's own sentence; the action names the button that fixes it.

use super::dto::{AppError, ErrorAction};

fn action_for(kind: &str) -> Option<ErrorAction> {
    match kind {
        "unauthorized" | "no_key" => Some(ErrorAction::ReplaceKey),
        "insufficient_credit" => Some(ErrorAction::AddCredit),
        "network" | "unreachable" | "server" | "rate_limited" | "queue_full" | "protocol" => Some(ErrorAction::Retry),
        "invalid_settings" | "keychain_unavailable" | "keychain_locked" => Some(ErrorAction::FixSettings),
        _ => None,
    }
}

impl AppError {
    pub fn new(kind: &str, message: impl Into<String>) -> AppError {
        AppError { kind: kind.to_string(), message: message.into(), action: action_for(kind), link: None }
    }
}

impl From<crate::api::Error> for AppError {
    fn from(e: crate::api::Error) -> AppError {
        let link = match &e {
            crate::api::Error::InsufficientCredit { topup_url, .. } => topup_url.clone(),
            _ => None,
        };
        AppError { link, ..AppError::new(e.kind(), e.to_string()) }
    }
}

impl From<crate::jobs::Error> for AppError {
    fn from(e: crate::jobs::Error) -> AppError {
        match e {
            crate::jobs::Error::Api(api) => api.into(),
            other => AppError::new(other.kind(), other.to_string()),
        }
    }
}

impl From<crate::media::Error> for AppError {
    fn from(e: crate::media::Error) -> AppError {
        AppError::new(e.kind(), e.to_string())
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
