//! `library::Error`: what the gallery, spend and library-folder operations report, each a
//! sentence a user can act on, with a stable kind for the UI and the CLI's exit codes.

use crate::error_kind::ErrorKind;
use std::path::Path;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("The library database failed: {0}. If this persists, check free disk space.")]
    Db(#[from] rusqlite::Error),
    #[error(transparent)]
    Jobs(#[from] crate::jobs::Error),
    #[error("Could not {what} at {path}: {detail}.")]
    Io { what: &'static str, path: String, detail: String },
    #[error("There is no generation #{0} in the library.")]
    NoSuchGeneration(i64),
    #[error("Generation #{0} is still running at Kyma; wait for it to finish.")]
    StillRunning(i64),
    #[error("Generation #{0} has no clip: it ended without one (its record and refund stay).")]
    NoClip(i64),
    #[error("The clip of generation #{0} is not missing; nothing to locate.")]
    NotMissing(i64),
    #[error("The clip of generation #{0} is not in the library folder; use \"Locate…\" to find it first.")]
    ClipMissing(i64),
    #[error("{path} is not a playable MP4 clip ({detail}). Choose the clip's .mp4 file.")]
    NotAClip { path: String, detail: String },
    #[error("It is too late to undo deleting generation #{0}: the clip is in the system trash now.")]
    UndoExpired(i64),
    #[error("Generation #{0} is not deleted; nothing to undo.")]
    NotDeleted(i64),
    #[error("{0}")]
    BadQuery(String),
    #[error("The library folder cannot change now: {0}")]
    MoveRefused(String),
    #[error("That is not where the library folder went: {0}")]
    RelinkRefused(String),
    #[error("Could not move the clip to the system trash: {0}.")]
    Trash(String),
    #[error("The poster image is not a usable JPEG: {0}.")]
    BadThumb(String),
    #[error(transparent)]
    DiskFull(#[from] crate::diskspace::DiskFull),
}

impl Error {
    /// A failed file operation; a full disk is said as such, naming the folder's disk.
    pub fn io(what: &'static str, path: &Path, e: std::io::Error) -> Error {
        if crate::diskspace::is_disk_full(&e) {
            let folder = if path.is_dir() { path } else { path.parent().unwrap_or(path) };
            return Error::DiskFull(crate::diskspace::full(folder, 0, crate::diskspace::Then::TryAgain));
        }
        Error::Io { what, path: path.display().to_string(), detail: e.to_string() }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Db(e) if crate::diskspace::is_db_full(e) => ErrorKind::DiskFull,
            Error::Db(_) => ErrorKind::Database,
            Error::Jobs(e) => e.kind(),
            Error::Io { .. } => ErrorKind::Io,
            Error::NoSuchGeneration(_) => ErrorKind::NotFound,
            Error::StillRunning(_) => ErrorKind::StillRunning,
            Error::NoClip(_) => ErrorKind::NoClip,
            Error::NotMissing(_) => ErrorKind::NotMissing,
            Error::ClipMissing(_) => ErrorKind::ClipMissing,
            Error::NotAClip { .. } => ErrorKind::NotAClip,
            Error::UndoExpired(_) => ErrorKind::UndoExpired,
            Error::NotDeleted(_) => ErrorKind::NotDeleted,
            Error::BadQuery(_) => ErrorKind::InvalidInput,
            Error::MoveRefused(_) => ErrorKind::MoveRefused,
            Error::RelinkRefused(_) => ErrorKind::MoveRefused,
            Error::Trash(_) => ErrorKind::TrashFailed,
            Error::BadThumb(_) => ErrorKind::BadThumbnail,
            Error::DiskFull(_) => ErrorKind::DiskFull,
        }
    }
}
