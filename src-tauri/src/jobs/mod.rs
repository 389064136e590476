//! The persistent job engine: generations recorded in SQLite before they are sent, submitted
//! and polled against Kyma, clips downloaded into the library, progress broadcast to any face.

pub mod download;
pub mod engine;
pub mod error;
pub mod failpoint;
pub mod store;
pub mod submit;

pub use engine::{default_data_dir, Draft, Engine, EngineConfig, Event, ImageInput, Paths, PollSchedule};
pub use error::Error;
pub use store::{Generation, ImageKind, Status, Store};
pub use submit::StartImageHost;
