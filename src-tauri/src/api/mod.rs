//! Kyma's video API: the contract's types, money, the model catalog, request validation and the
//! HTTP client with its retry and rate-limit rules. Knows nothing of the database or the window.

pub mod catalog;
pub mod client;
pub mod error;
pub mod limiter;
pub mod money;
pub mod retry;
pub mod shot;
pub mod types;
pub mod validate;

pub use catalog::{Catalog, Model};
pub use client::{ApiKey, Client, Created, DEFAULT_API_BASE};
pub use error::{Error, InputError};
pub use money::Micros;
pub use shot::{Capabilities, ShotOptions};
pub use types::{CreateRequest, Limits, RemoteJob, RemoteStatus};
