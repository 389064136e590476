//! When the library cannot be opened because its database is damaged, the window still opens,
//! on the recovery offer: what is wrong, which backup would be restored, how many clips on disk
//! would get their records back. Recovering is `jobs::recovery::recover`; the library then opens
//! as usual. A library written by a newer Kyma Studio is not damage: the window says to update,
//! and offers no repair. Nothing here runs while the library opens.

use super::dto::AppError;
use super::{Studio, StudioOptions};
use crate::error_kind::ErrorKind;
use crate::jobs::recovery::{self, Health};
use crate::jobs::Paths;
use parking_lot::Mutex;
use serde::Serialize;
use ts_rs::TS;

/// What the recovery offer shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LibraryTrouble {
    /// One sentence: the database's path and what SQLite found.
    pub sentence: String,
    /// The backup that would be restored (its file name, which starts with its UTC time), if any.
    pub backup: Option<String>,
    /// Clips in the library folder with a sidecar: their records come back from it.
    pub clips_on_disk: u32,
    /// Where the damaged file is kept.
    pub damaged_folder: String,
    /// False when the library is sound but cannot be opened by this release (written by a newer
    /// Kyma Studio): the window says so, and offers no repair.
    pub repairable: bool,
}

/// What recovery did, for the window to say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RecoveryReport {
    pub sentence: String,
    pub from_backup: u32,
    pub rebuilt: u32,
}

/// The app's state while its library waits for recovery (managed in every run; empty when the
/// library opened).
#[derive(Default)]
pub struct Rescue {
    trouble: Mutex<Option<LibraryTrouble>>,
    /// What opening the library needs once it is recovered.
    pending: Mutex<Option<(StudioOptions, std::net::TcpListener)>>,
}

impl Rescue {
    /// Whether the failure to open the library at `options.data_dir` is a damaged database: then
    /// the rescue holds the offer and what opening needs afterwards.
    pub fn after_failed_open(options: StudioOptions, listener: std::net::TcpListener, failure: &AppError) -> Rescue {
        let paths = Paths::new(&options.data_dir);
        let rescue = Rescue::default();
        match recovery::check(&paths) {
            Health::Damaged(why) => {
                *rescue.trouble.lock() = Some(LibraryTrouble {
                    sentence: format!("The library database at {} is damaged ({why}).", paths.db.display()),
                    backup: recovery::backups(&paths.db)
                        .into_iter()
                        .find(|b| recovery::quick_check(b).is_none())
                        .and_then(|b| b.file_name().map(|n| n.to_string_lossy().into_owned())),
                    clips_on_disk: recovery::clips_with_sidecars(&paths) as u32,
                    damaged_folder: paths.data_dir.join("damaged").display().to_string(),
                    repairable: true,
                });
                *rescue.pending.lock() = Some((options, listener));
            }
            // Not damage: a newer release's library. Said in the window, never "repaired".
            Health::Newer(why) => {
                *rescue.trouble.lock() = Some(LibraryTrouble {
                    sentence: why,
                    backup: None,
                    clips_on_disk: 0,
                    damaged_folder: String::new(),
                    repairable: false,
                });
            }
            _ => log::error!("the library did not open: {}", failure.message),
        }
        rescue
    }

    pub fn trouble(&self) -> Option<LibraryTrouble> {
        self.trouble.lock().clone()
    }

    /// Recovers the library and opens it. The caller manages the studio it answers.
    pub async fn recover(&self) -> Result<(RecoveryReport, Studio), AppError> {
        let Some((options, listener)) = self.pending.lock().take() else {
            return Err(AppError::new(ErrorKind::Internal, "There is nothing to recover: the library is open."));
        };
        let paths = Paths::new(&options.data_dir);
        let r = match tokio::task::spawn_blocking(move || recovery::recover(&paths)).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return Err(e.into()),
            Err(e) => return Err(AppError::new(ErrorKind::Internal, format!("Recovery stopped: {e}."))),
        };
        let from = match &r.backup {
            Some(b) => format!(
                "{} record(s) came back from the backup {}",
                r.from_backup,
                b.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            ),
            None => "there was no sound backup".to_string(),
        };
        let sentence = format!(
            "The library is recovered: {from}, and {} clip(s) got their records back from the files beside them.",
            r.rebuilt + r.completed
        );
        let studio = Studio::open(options, listener).await?;
        *self.trouble.lock() = None;
        Ok((
            RecoveryReport { sentence, from_backup: r.from_backup as u32, rebuilt: (r.rebuilt + r.completed) as u32 },
            studio,
        ))
    }
}
