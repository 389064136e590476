//! `jobs::Error`: what the engine reports when a generation cannot be recorded, submitted or
//! fetched. API and download errors pass through with their own sentences.

use super::download::DownloadError;
use crate::error_kind::ErrorKind;
use std::path::Path;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Api(#[from] crate::api::Error),
    #[error(transparent)]
    Image(#[from] crate::media::Error),
    #[error(transparent)]
    Download(#[from] DownloadError),
    #[error("The library database failed: {0}. If this persists, check free disk space.")]
    Db(#[from] rusqlite::Error),
    #[error("Could not {what} at {path}: {detail}.")]
    Io { what: &'static str, path: String, detail: String },
    #[error(
        "This library was written by a newer Kyma Studio (schema {found}, this one knows {known}). Update Kyma Studio."
    )]
    NewerLibrary { found: usize, known: usize },
    #[error("There is no generation #{0} in the library.")]
    NoSuchGeneration(i64),
    #[error("Generation #{0} is still running at Kyma; wait for it to finish before removing it.")]
    StillRunning(i64),
    #[error("The job engine has stopped.")]
    EngineStopped,
}

impl Error {
    pub fn io(what: &'static str, path: &Path, e: std::io::Error) -> Error {
        Error::Io { what, path: path.display().to_string(), detail: e.to_string() }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Api(e) => e.kind(),
            Error::Image(e) => e.kind(),
            Error::Download(e) => e.kind(),
            Error::Db(_) => ErrorKind::Database,
            Error::Io { .. } => ErrorKind::Io,
            Error::NewerLibrary { .. } => ErrorKind::NewerLibrary,
            Error::NoSuchGeneration(_) => ErrorKind::NotFound,
            Error::StillRunning(_) => ErrorKind::StillRunning,
            Error::EngineStopped => ErrorKind::EngineStopped,
        }
    }
}
