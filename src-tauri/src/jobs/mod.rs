//! The persistent job engine: generations recorded in SQLite before they are sent, submitted
//! and polled against Kyma, clips downloaded into the library, progress broadcast to any face.

pub mod batch_rows;
pub mod claims;
pub mod config;
pub mod connect;
pub mod download;
pub mod engine;
pub mod error;
pub mod failpoint;
pub mod groups;
mod owner;
pub mod pace;
pub mod paths;
pub mod recovery;
pub mod sidecar;
pub mod store;
pub mod submit;

pub use config::{EngineConfig, PollSchedule};
pub use engine::{Draft, Engine, Event, ImageInput};
pub use error::Error;
pub use groups::{left_out_note, CancelReport, DailyCap, Group, GroupKind, GroupState, Mark, NewGroup, Spending};
pub use paths::{clip_file_name, default_data_dir, Paths};
pub use store::{Generation, ImageKind, Status, Store};
pub use submit::StartImageHost;
