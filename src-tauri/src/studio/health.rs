//! The library's health while the app runs, for the window's alerts: the library folder when
//! it is not there (an unplugged drive, a folder renamed or moved outside the app), and damage the engine's background check found in the database. "Locate…" relinks a
//! folder (`library_relink`). A watcher looks every `WATCH_EVERY` and, when something changed
//! (a folder went away or came back, damage was found), says `library-changed` (all), so the
//! window and the engine carry on by themselves.

use super::dto::{AppError, ErrorAction, LibraryChanged};
use super::gallery::blocking;
use super::Studio;
use crate::error_kind::ErrorKind;
use crate::jobs::recovery;
use crate::jobs::Engine;
use crate::library::{AwayFolder, Library, Relinked};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use ts_rs::TS;

/// How often the watcher looks: a few `stat`s, so a folder back is noticed within this.
pub const WATCH_EVERY: Duration = Duration::from_secs(2);

/// What the window's library alerts show (nothing when all is well).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LibraryHealth {
    /// The library folder, when it is not there.
    pub away: Option<AwayFolder>,
    /// The database was found damaged in the background: the sentence to show. The next start
    /// opens on the repair offer.
    pub damage: Option<String>,
}

fn look(library: &Library) -> Result<LibraryHealth, crate::library::Error> {
    let db = library.paths().db;
    Ok(LibraryHealth {
        away: library.away()?,
        damage: recovery::noted_damage(&db).map(|why| damage_sentence(&db, &why)),
    })
}

fn damage_sentence(db: &Path, why: &str) -> String {
    format!(
        "The library database at {} is damaged ({why}). Restart Kyma Studio to repair it: it opens on the repair offer, and every clip stays in its folder.",
        db.display()
    )
}

/// A database error while the app runs (the window's first read, say): the database is checked
/// whole at once, and when it is damaged the damage is noted (the next start opens on the repair
/// offer) and said as such. Other errors pass as they are.
pub(super) fn check_after(db: &Path, e: AppError) -> AppError {
    if e.kind != ErrorKind::Database {
        return e;
    }
    match recovery::quick_check(db) {
        Some(why) => {
            recovery::note_damage(db, &why);
            AppError {
                action: Some(ErrorAction::Restart),
                ..AppError::new(ErrorKind::Database, damage_sentence(db, &why))
            }
        }
        None => e,
    }
}

/// At start: a database a background check noted as damaged is checked whole now; still
/// damaged, opening fails (and the window opens on the repair offer); sound after all, the
/// note goes.
pub(super) fn refuse_noted_damage(db: &Path) -> Result<(), AppError> {
    if recovery::noted_damage(db).is_none() {
        return Ok(());
    }
    match recovery::quick_check(db) {
        Some(why) => Err(AppError::new(ErrorKind::Database, damage_sentence(db, &why))),
        None => {
            recovery::clear_damage_note(db);
            Ok(())
        }
    }
}

impl Studio {
    /// Where the library folder picker opens: the library folder, or the nearest folder above
    /// it that is there (the drive, when the library folder on it was renamed away).
    pub fn picker_start(&self) -> Option<PathBuf> {
        self.library.paths().library.ancestors().find(|p| p.is_dir()).map(Path::to_path_buf)
    }

    /// The library's health now (the window asks at start and at each `library-changed`, all).
    pub async fn library_health(&self) -> Result<LibraryHealth, AppError> {
        blocking(&self.library, look).await
    }

    /// Points the records of `from` (away) at `to`, where the user found the folder; the engine
    /// reads its unfinished jobs again, so a paid clip waiting for the folder downloads now.
    pub async fn library_relink(&self, from: PathBuf, to: PathBuf) -> Result<Relinked, AppError> {
        let relinked = blocking(&self.library, move |l| l.relink(&from, &to)).await?;
        self.library_folder_changed().await?;
        Ok(relinked)
    }
}

/// Watches the library's health: when the folder goes away or comes back, or damage is found,
/// the window hears `library-changed` (all); on a folder's return the engine tries at once what
/// waited for it, and the clips there are checked again.
pub(super) fn watch(
    library: Arc<Library>,
    engine: Engine,
    events: tokio::sync::broadcast::Sender<LibraryChanged>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen: Option<LibraryHealth> = None;
        loop {
            let now = match blocking(&library, look).await {
                Ok(h) => h,
                Err(e) => {
                    log::warn!("cannot tell whether the library folders are there: {}", e.message);
                    tokio::time::sleep(WATCH_EVERY).await;
                    continue;
                }
            };
            if let Some(before) = &seen {
                let (was, is) = (before.away.as_ref().map(|a| &a.folder), now.away.as_ref().map(|a| &a.folder));
                let went = is.is_some() && was != is;
                let back = was.is_some() && was != is;
                if let Some(f) = is.filter(|_| went) {
                    log::warn!("the library folder {f} is not there any more");
                }
                if back {
                    log::info!("the library folder is back");
                    if let Err(e) = engine.relinked(library.paths()).await {
                        log::warn!("the engine did not hear the library folder is back: {e}");
                    }
                    if let Err(e) = blocking(&library, |l| l.scan_missing()).await {
                        log::warn!("could not check the clips of the folder that came back: {}", e.message);
                    }
                }
                if back || went || now.damage != before.damage {
                    let _ = events.send(LibraryChanged { ids: Vec::new(), all: true });
                }
            }
            seen = Some(now);
            tokio::time::sleep(WATCH_EVERY).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::store::NewGeneration;
    use crate::jobs::{Paths, Store};
    use std::io::{Seek, SeekFrom, Write};

    /// A library of 300 records, folded into its file, with a page of garbage near its end: in
    /// the records' own pages, which opening never reads.
    fn damaged_where_opening_does_not_look() -> (tempfile::TempDir, Paths) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        {
            let store = Store::open(&paths.db).unwrap();
            for i in 0..300 {
                let prompt = format!("{i}: a lighthouse at dusk, {}", "waves on the rocks ".repeat(12));
                store.insert(&NewGeneration::sample(&prompt), &format!("key-{i}")).unwrap();
            }
        }
        let c = rusqlite::Connection::open(&paths.db).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
        let page = c.query_row("PRAGMA page_size", [], |r| r.get::<_, i64>(0)).unwrap() as u64;
        drop(c);
        let pages = std::fs::metadata(&paths.db).unwrap().len() / page;
        assert!(pages > 20, "{pages} pages");
        let mut f = std::fs::OpenOptions::new().write(true).open(&paths.db).unwrap();
        f.seek(SeekFrom::Start((pages - 4) * page)).unwrap();
        f.write_all(&(0..page).map(|i| (i * 7 + 13) as u8).collect::<Vec<_>>()).unwrap();
        (dir, paths)
    }

    #[test]
    fn damage_opening_does_not_read_is_found_in_the_background_and_repaired_at_the_next_start() {
        let (dir, paths) = damaged_where_opening_does_not_look();
        // Opening does not notice: the app would start as usual.
        let library = Library::open(dir.path()).unwrap();
        assert!(refuse_noted_damage(&paths.db).is_ok(), "nothing noted yet");
        assert_eq!(look(&library).unwrap().damage, None);

        // The engine's look after start reads every page.
        let why = recovery::look_in_background(&paths.db).expect("the damage is found");
        assert_eq!(recovery::noted_damage(&paths.db).as_deref(), Some(why.as_str()));
        assert!(recovery::backups(&paths.db).is_empty(), "a damaged database is not backed up");
        // The window is told (its alert), and the next start refuses: the repair offer.
        let said = look(&library).unwrap().damage.expect("said");
        assert!(said.starts_with(&format!("The library database at {} is damaged (", paths.db.display())), "{said}");
        assert!(said.ends_with(
            "Restart Kyma Studio to repair it: it opens on the repair offer, and every clip stays in its folder."
        ));
        drop(library);
        let refused = refuse_noted_damage(&paths.db).unwrap_err();
        assert_eq!(refused.kind, ErrorKind::Database);
        assert!(matches!(recovery::check(&paths), recovery::Health::Damaged(_)), "the repair offer has what to say");

        // Repaired: the note goes with the damage, and the library opens.
        recovery::recover(&paths).unwrap();
        assert_eq!(recovery::noted_damage(&paths.db), None);
        assert!(refuse_noted_damage(&paths.db).is_ok());
        assert_eq!(recovery::look_in_background(&paths.db), None);
    }

    #[test]
    fn a_database_error_while_running_checks_the_database_and_notes_damage() {
        let (_dir, paths) = damaged_where_opening_does_not_look();
        let failed =
            AppError::new(ErrorKind::Database, "The library database failed: database disk image is malformed.");
        let said = check_after(&paths.db, failed);
        assert_eq!((said.kind, said.action), (ErrorKind::Database, Some(ErrorAction::Restart)));
        assert!(said.message.contains("Restart Kyma Studio to repair it"), "{}", said.message);
        assert!(recovery::noted_damage(&paths.db).is_some(), "the next start opens on the repair offer");
        // Not a database error, or a sound database: passed on as it was, nothing noted.
        let other = check_after(&paths.db, AppError::new(ErrorKind::Io, "x"));
        assert_eq!((other.kind, other.message.as_str()), (ErrorKind::Io, "x"));
        let sound = tempfile::tempdir().unwrap();
        let sound_db = Paths::new(sound.path()).db;
        drop(Store::open(&sound_db).unwrap());
        let kept = check_after(&sound_db, AppError::new(ErrorKind::Database, "busy"));
        assert_eq!(kept.message, "busy");
        assert_eq!(recovery::noted_damage(&sound_db), None);
    }

    #[test]
    fn a_note_whose_database_is_sound_after_all_goes_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        drop(Store::open(&paths.db).unwrap());
        std::fs::write(recovery::damage_note(&paths.db), "an old note").unwrap();
        assert!(refuse_noted_damage(&paths.db).is_ok());
        assert_eq!(recovery::noted_damage(&paths.db), None);
    }
}
