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
    #[error("There is no board or batch #{0} in the library.")]
    NoSuchGroup(i64),
    #[error("Group #{0} was cancelled; make it again to send what was dropped.")]
    GroupCancelled(i64),
    #[error(
        "This costs {asking} and would take today's spending to {total}, past your daily cap of {cap} ({spent} spent or held today). Raise the cap in Settings, or wait until tomorrow.",
        asking = asking.to_cents_string(),
        total = crate::api::Micros(spent.0 + asking.0).to_cents_string(),
        cap = cap.to_cents_string(),
        spent = spent.to_cents_string()
    )]
    OverDailyCap { cap: crate::api::Micros, spent: crate::api::Micros, asking: crate::api::Micros },
    #[error(
        "This costs {asking}, more than the {max} you allowed (--max-spend). Make fewer clips or allow more.",
        asking = asking.to_cents_string(),
        max = max.to_cents_string()
    )]
    OverMaxSpend { max: crate::api::Micros, asking: crate::api::Micros },
    #[error(
        "This needs {asking} in holds{queued_text}, but your Kyma balance is {balance}. Add credit, or make fewer clips.",
        asking = asking.to_cents_string(),
        queued_text = if queued.0 > 0 { format!(" besides the {} already queued here", queued.to_cents_string()) } else { String::new() },
        balance = balance.to_cents_string()
    )]
    OverBalance { balance: crate::api::Micros, queued: crate::api::Micros, asking: crate::api::Micros },
    #[error("{0}")]
    Group(String),
    /// Another process sharing the library is downloading this clip now (it holds the clip's
    /// file lock): not a fault, the job is looked at again shortly.
    #[error(
        "Another Kyma Studio process (the app or `kyma`) is downloading this clip; it appears here when that finishes."
    )]
    ClipBusy,
    #[error(transparent)]
    DiskFull(#[from] crate::diskspace::DiskFull),
    /// The clip's link expired (a computer that slept past its lifetime) and polling the job
    /// again gave no link that works. The job stays open and paid; it is asked again later.
    #[error(
        "Kyma's link to this paid clip expired, and asking Kyma again gave no link that works (HTTP {status}). The clip stays in the library as paid, and Kyma Studio keeps asking Kyma for a new link."
    )]
    NoFreshLink { status: u16 },
    /// The library folder is not there (an unplugged drive, a renamed folder). `paid`: a paid
    /// clip waits for it; otherwise a submit was refused.
    #[error(
        "The library folder {folder} is not there (an unplugged drive, or a renamed or moved folder?). {}",
        if *paid {
            "The paid clip waits for it and downloads as soon as the folder is back; nothing is lost."
        } else {
            "Plug its drive in or put the folder back, or show where it is now (\"Locate…\" in the app, `kyma library relink` on the command line); nothing was sent or charged."
        }
    )]
    LibraryMissing { folder: String, paid: bool },
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
            Error::Api(e) => e.kind(),
            Error::Image(e) => e.kind(),
            Error::Download(e) => e.kind(),
            Error::Db(e) if crate::diskspace::is_db_full(e) => ErrorKind::DiskFull,
            Error::Db(_) => ErrorKind::Database,
            Error::Io { .. } => ErrorKind::Io,
            Error::NewerLibrary { .. } => ErrorKind::NewerLibrary,
            Error::NoSuchGeneration(_) => ErrorKind::NotFound,
            Error::StillRunning(_) => ErrorKind::StillRunning,
            Error::EngineStopped => ErrorKind::EngineStopped,
            Error::NoSuchGroup(_) => ErrorKind::NotFound,
            Error::GroupCancelled(_) => ErrorKind::Cancelled,
            Error::OverDailyCap { .. } | Error::OverMaxSpend { .. } => ErrorKind::OverBudget,
            Error::OverBalance { .. } => ErrorKind::InsufficientCredit,
            Error::Group(_) => ErrorKind::InvalidInput,
            Error::ClipBusy => ErrorKind::StillRunning,
            Error::DiskFull(_) => ErrorKind::DiskFull,
            Error::NoFreshLink { .. } => ErrorKind::LinkExpired,
            Error::LibraryMissing { .. } => ErrorKind::LibraryMissing,
        }
    }
}
