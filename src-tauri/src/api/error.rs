//! `api::Error`: everything that can go wrong between Kyma Studio and Kyma, each variant a
//! sentence a user can act on. `kind()` is the stable name the UI and the CLI branch on.

use super::money::Micros;
use crate::error_kind::{ErrorKind, Field};
use thiserror::Error;

/// A request that Kyma's documented rules would refuse, caught before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InputError {
    #[error("Write a prompt: it cannot be empty.")]
    EmptyPrompt,
    #[error("The prompt is {chars} characters long; Kyma accepts at most {max}. Shorten it by {over}.", over = chars - max)]
    PromptTooLong { chars: usize, max: usize },
    #[error("{model} does not make {duration}-second clips; choose {allowed}.")]
    Duration { model: String, duration: u32, allowed: String },
    #[error("There is no model called \"{model}\"; choose one of {known}.")]
    UnknownModel { model: String, known: String },
    #[error("The image link must be an https:// address or an image file on this computer; \"{shown}\" is neither.")]
    ImageUrl { shown: String },
    #[error("The idempotency key is {chars} characters long; Kyma accepts at most 128.")]
    IdempotencyKey { chars: usize },
    #[error("The API address \"{shown}\" is not an http(s) URL like https://kymaapi.com/v1; fix it in Settings or KYMA_API_BASE.")]
    ApiBase { shown: String },
    #[error("The API key does not look like a Kyma key: Kyma keys start with \"ky-\".")]
    KeyFormat,
    #[error("{model} does not take {option}; remove it or choose a model that does.")]
    OptionNotTaken { model: String, option: &'static str },
    #[error("{model} makes {offered} clips; \"{aspect}\" is not one of them.")]
    Aspect { model: String, aspect: String, offered: String },
    #[error(
        "With a start image, {model} follows the start image's shape; leave the aspect ratio unset, or crop the image."
    )]
    AspectFollowsImage { model: String },
    #[error("An end frame needs a start image too: add the first frame, or remove the end frame.")]
    EndFrameNeedsStart,
    #[error(
        "The end frame link must be an https:// address or an image file on this computer; \"{shown}\" is neither."
    )]
    EndImageUrl { shown: String },
    #[error("\"Avoid\" is {chars} characters long; the model accepts at most {max}. Shorten it by {over}.", over = chars - max)]
    NegativeTooLong { chars: usize, max: usize },
    #[error("The cfg scale must be a number from 0 to 1.")]
    CfgScale,
    #[error("The seed must be a whole number from 0 to 2147483647.")]
    Seed,
    #[error("Make 1 to 4 takes at a time; {takes} is not in that range.")]
    Takes { takes: u32 },
    #[error("\"{key}\" would change the price: Kyma prices each model at its own resolution and sound, so Kyma Studio does not send it.")]
    PriceParam { key: String },
    #[error("{model} takes no option called \"{key}\".")]
    UnknownParam { model: String, key: String },
    #[error("The model options (extra) must be a JSON object.")]
    ExtraNotObject,
}

impl InputError {
    /// The input the user must change.
    pub fn field(&self) -> Option<Field> {
        match self {
            InputError::EmptyPrompt | InputError::PromptTooLong { .. } => Some(Field::Prompt),
            InputError::Duration { .. } => Some(Field::Duration),
            InputError::UnknownModel { .. } => Some(Field::Model),
            InputError::ImageUrl { .. } => Some(Field::Image),
            InputError::ApiBase { .. } => Some(Field::Settings),
            InputError::KeyFormat => Some(Field::Key),
            InputError::IdempotencyKey { .. } => None,
            InputError::Aspect { .. } | InputError::AspectFollowsImage { .. } => Some(Field::Aspect),
            InputError::EndFrameNeedsStart | InputError::EndImageUrl { .. } => Some(Field::EndImage),
            InputError::NegativeTooLong { .. } => Some(Field::Negative),
            InputError::Seed => Some(Field::Seed),
            InputError::Takes { .. } => Some(Field::Takes),
            InputError::OptionNotTaken { option, .. } => Some(match *option {
                "an end frame" => Field::EndImage,
                "a seed" => Field::Seed,
                "an aspect ratio" => Field::Aspect,
                _ => Field::Negative,
            }),
            InputError::CfgScale
            | InputError::PriceParam { .. }
            | InputError::UnknownParam { .. }
            | InputError::ExtraNotObject => Some(Field::Model),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum Error {
    #[error("{0}")]
    Input(#[from] InputError),

    #[error(
        "Kyma did not accept the API key{detail}. Check it, or replace it with a new key from your Kyma dashboard."
    )]
    Unauthorized { detail: String },

    #[error("Your Kyma balance is too low for this clip ({needed}). Add credit{link}, then try again.", needed = needed.map(|m| format!("it needs a hold of {}", m.to_cents_string())).unwrap_or_else(|| "it needs a hold".into()), link = topup_url.as_ref().map(|u| format!(" at {u}")).unwrap_or_default())]
    InsufficientCredit { needed: Option<Micros>, topup_url: Option<String> },

    #[error("Kyma refused the request: {message}")]
    Rejected { status: u16, code: Option<String>, message: String },

    #[error("Kyma has no such {what}: {message}")]
    NotFound { what: &'static str, message: String },

    #[error("Kyma is rate-limiting this key and kept refusing after {tries} tries. Wait a minute and try again.")]
    RateLimited { tries: u32 },

    #[error("Kyma has too many unfinished video jobs for this key. Wait for some to finish, then try again.")]
    QueueFull,

    #[error("Kyma's server failed (HTTP {status}) after {tries} tries: {message}. Retry, or try a different model.")]
    Server { status: u16, tries: u32, message: String },

    #[error("Could not reach Kyma at {base} after {tries} tries ({detail}). Check your connection and the API address in Settings.")]
    Unreachable { base: String, tries: u32, detail: String },

    #[error("The connection to Kyma at {base} kept failing after {tries} tries ({detail}). Check your connection; the job is kept and resumes when Kyma answers.")]
    Network { base: String, tries: u32, detail: String },

    #[error(
        "Kyma sent an answer Kyma Studio cannot read ({detail}). Try again; if it persists, the API may have changed."
    )]
    Protocol { detail: String },

    /// Kyma answered a POST with an id no URL can carry as one path segment (`..`, `.`, empty).
    /// The job exists (it may be charged), so it is kept; only asking about it is impossible.
    #[error("Kyma gave this job the id \"{id}\", which Kyma Studio cannot look up: in a web address it names another place than the job. The job is kept, and Kyma may still charge for it; ask Kyma's support about it.")]
    UnusableJobId { id: String },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Input(_) => ErrorKind::InvalidInput,
            Error::Unauthorized { .. } => ErrorKind::Unauthorized,
            Error::InsufficientCredit { .. } => ErrorKind::InsufficientCredit,
            Error::Rejected { .. } => ErrorKind::Rejected,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::QueueFull => ErrorKind::QueueFull,
            Error::Server { .. } => ErrorKind::Server,
            Error::Unreachable { .. } => ErrorKind::Unreachable,
            Error::Network { .. } => ErrorKind::Network,
            Error::Protocol { .. } => ErrorKind::Protocol,
            Error::UnusableJobId { .. } => ErrorKind::UnusableJobId,
        }
    }

    /// The input the user must change, for a request refused before it was sent.
    pub fn field(&self) -> Option<Field> {
        match self {
            Error::Input(e) => e.field(),
            _ => None,
        }
    }

    /// True when the request certainly did not create a job at Kyma (nothing held or charged):
    /// Kyma refused it, or it never left this machine.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Error::Input(_)
                | Error::Unreachable { .. }
                | Error::Unauthorized { .. }
                | Error::InsufficientCredit { .. }
                | Error::Rejected { .. }
                | Error::NotFound { .. }
        )
    }
}
