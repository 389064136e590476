//! A damaged library: found, backed up against, and rebuilt.
//!
//! - **Check.** `PRAGMA quick_check` on the database (a truncated file, a garbage page); and the
//!   clips folder's sidecars (see `sidecar`) against the records, which finds clips the database
//!   lost with a deleted `-wal`.
//! - **Backups.** `VACUUM INTO` a consistent copy in `backups/` beside the database: once a day
//!   (when an engine starts and the newest is older than 24 h), before each schema migration,
//!   and on demand (`kyma library backup`). The newest [`KEEP_BACKUPS`] are kept.
//! - **Recovery.** The damaged file is moved aside (`damaged/`), the newest sound backup put in
//!   its place, and whatever the backup lacks rebuilt from the clips on disk and their sidecars:
//!   no paid clip whose file is here goes missing.

use super::error::Error;
use super::paths::Paths;
use super::sidecar::{self, Sidecar};
use super::store::Store;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Backups kept (the oldest go first).
pub const KEEP_BACKUPS: usize = 7;
/// A daily backup is made when the newest is older than this.
pub const DAILY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Sound,
    /// The database cannot be read whole: SQLite's own words.
    Damaged(String),
    /// The database is sound but lacks clips that are on disk with their sidecars (a lost
    /// `-wal`, an old backup put back by hand).
    MissingClips(usize),
    /// The database is sound but was written by a newer Kyma Studio: not damage, and never
    /// "repaired" (that would set aside what the newer release wrote). The sentence says so.
    Newer(String),
}

/// What a recovery did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Recovered {
    /// The backup put in place of the damaged database (None: the database was sound, or there
    /// was no sound backup and the library was rebuilt from the clips alone).
    pub backup: Option<PathBuf>,
    /// Where the damaged database was moved (None when it was sound).
    pub damaged_copy: Option<PathBuf>,
    /// Records the restored database had.
    pub from_backup: usize,
    /// Records added from clips and their sidecars.
    pub rebuilt: usize,
    /// Records the backup had as unfinished, brought up to date from their clip's sidecar.
    pub completed: usize,
}

fn db_error(e: rusqlite::Error) -> String {
    e.to_string()
}

/// `PRAGMA quick_check` on the database file, read-only (None when sound). A missing file is
/// sound: a new library.
pub fn quick_check(db: &Path) -> Option<String> {
    if !db.exists() {
        return None;
    }
    let run = || -> Result<String, rusqlite::Error> {
        let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        let mut stmt = conn.prepare("PRAGMA quick_check")?;
        let lines: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(lines.join("; "))
    };
    match run() {
        Ok(s) if s == "ok" => None,
        Ok(s) => Some(s.chars().take(300).collect()),
        Err(e) => Some(db_error(e)),
    }
}

/// The clips folders a library's records can point at: the data folder's, the current library
/// folder's, and each one a record names.
fn clip_folders(paths: &Paths, store: Option<&Store>) -> Vec<PathBuf> {
    let mut out = vec![paths.data_dir.join("clips"), paths.clips.clone()];
    if let Some(store) = store {
        if let Ok(mut stmt) =
            store.conn().prepare("SELECT DISTINCT media_dir FROM generations WHERE media_dir IS NOT NULL")
        {
            let dirs: Vec<String> =
                stmt.query_map([], |r| r.get(0)).map(|rows| rows.flatten().collect()).unwrap_or_default();
            out.extend(dirs.into_iter().map(|d| PathBuf::from(d).join("clips")));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Clips with a sidecar in the library's clips folders (the data folder's and the current
/// library folder's): the records a recovery can give back.
pub fn clips_with_sidecars(paths: &Paths) -> usize {
    clip_folders(paths, None).iter().map(|f| sidecar::read_all(f).len()).sum()
}

/// Sidecars on disk whose clip the library does not have as a finished record.
fn missing(store: &Store, paths: &Paths) -> Result<Vec<(PathBuf, Sidecar)>, Error> {
    let mut out = Vec::new();
    for folder in clip_folders(paths, Some(store)) {
        for s in sidecar::read_all(&folder) {
            let done: Option<String> = store
                .conn()
                .query_row("SELECT status FROM generations WHERE idempotency_key = ?1", [&s.idempotency_key], |r| {
                    r.get(0)
                })
                .optional()?;
            if done.as_deref() != Some("succeeded") {
                out.push((folder.clone(), s));
            }
        }
    }
    Ok(out)
}

/// Checks the database, then (when it is sound) the clips on disk against it.
pub fn check(paths: &Paths) -> Health {
    if let Some(why) = quick_check(&paths.db) {
        return Health::Damaged(why);
    }
    match Store::open(&paths.db).and_then(|s| missing(&s, paths)) {
        Ok(m) if m.is_empty() => Health::Sound,
        Ok(m) => Health::MissingClips(m.len()),
        Err(e @ Error::NewerLibrary { .. }) => Health::Newer(e.to_string()),
        Err(e) => Health::Damaged(e.to_string()),
    }
}

fn stamp() -> String {
    let t = OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}-{:03}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

pub fn backups_dir(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join("backups")
}

/// The backups of `db`, newest first.
pub fn backups(db: &Path) -> Vec<PathBuf> {
    let mut list: Vec<PathBuf> = std::fs::read_dir(backups_dir(db))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("library-") && n.ends_with(".sqlite3"))
                })
                .collect()
        })
        .unwrap_or_default();
    // The names start with the UTC time: their order is their age.
    list.sort();
    list.reverse();
    list
}

/// A consistent copy of the database (`VACUUM INTO`, which reads one snapshot and leaves the
/// live file alone) in `backups/library-<UTC time>-<why>.sqlite3`; the oldest beyond
/// [`KEEP_BACKUPS`] are removed.
pub fn backup(db: &Path, why: &str) -> Result<PathBuf, Error> {
    let dir = backups_dir(db);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create the backups folder", &dir, e))?;
    let path = dir.join(format!("library-{}-{why}.sqlite3", stamp()));
    // Into a temporary name, renamed when whole: a crash never leaves a half backup that looks whole.
    let tmp = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("backup")));
    let _ = std::fs::remove_file(&tmp);
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let made = conn.execute("VACUUM INTO ?1", [tmp.to_string_lossy()]);
    drop(conn);
    if let Err(e) = made {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.into());
    }
    std::fs::rename(&tmp, &path).map_err(|e| Error::io("keep a backup", &path, e))?;
    for old in backups(db).into_iter().skip(KEEP_BACKUPS) {
        let _ = std::fs::remove_file(old);
    }
    Ok(path)
}

/// Where a check in the background notes the database damaged (`library.sqlite3.damaged`,
/// beside it, holding SQLite's words): the next start opens on the repair offer even when the
/// damage lies in pages that opening does not read.
pub fn damage_note(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.damaged", db.display()))
}

/// What a background check noted about the database, if it found it damaged.
pub fn noted_damage(db: &Path) -> Option<String> {
    std::fs::read_to_string(damage_note(db)).ok().map(|s| s.trim().to_string())
}

/// Notes the database damaged (see `damage_note`), so the next start opens on the repair offer.
pub fn note_damage(db: &Path, why: &str) {
    log::error!("the library database at {} is damaged ({why}); it is repaired at the next start", db.display());
    if let Err(e) = crate::fsutil::write_atomic(&damage_note(db), why.as_bytes()) {
        log::error!("cannot note the damage beside {}: {e}", db.display());
    }
}

/// Forgets a noted damage (the database was recovered, or is sound after all).
pub fn clear_damage_note(db: &Path) {
    let _ = std::fs::remove_file(damage_note(db));
}

/// The look the engine takes at its database in the background after it starts: `quick_check`
/// reads every page, so damage that opening never touched is found. A damaged database is
/// noted (see `damage_note`) and not backed up, since its backup would push a sound one out; a
/// sound one gets its daily backup when one is due. Answers the damage found.
pub fn look_in_background(db: &Path) -> Option<String> {
    if let Some(why) = quick_check(db) {
        note_damage(db, &why);
        return Some(why);
    }
    if let Err(e) = backup_if_due(db) {
        log::warn!("no daily backup of the library: {e}");
    }
    None
}

/// The daily backup, when the newest is older than a day (or there is none). None when none
/// was due.
pub fn backup_if_due(db: &Path) -> Result<Option<PathBuf>, Error> {
    let newest_age = backups(db)
        .first()
        .and_then(|p| std::fs::metadata(p).ok())
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.elapsed().ok());
    if newest_age.is_some_and(|age| age < DAILY) || !db.exists() {
        return Ok(None);
    }
    backup(db, "daily").map(Some)
}

/// Moves `db` and its `-wal` and `-shm` into `damaged/` (kept, for a later look); returns where.
fn move_aside(db: &Path) -> Result<PathBuf, Error> {
    let dir = db.parent().unwrap_or(Path::new(".")).join("damaged");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create the damaged folder", &dir, e))?;
    let dest = dir.join(format!("library-{}.sqlite3", stamp()));
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", db.display()));
        if from.exists() {
            let to = PathBuf::from(format!("{}{suffix}", dest.display()));
            std::fs::rename(&from, &to).map_err(|e| Error::io("move the damaged database aside", &from, e))?;
        }
    }
    Ok(dest)
}

/// Adds (or completes) the record of a clip from its sidecar.
fn restore(store: &Store, folder: &Path, s: &Sidecar, data_dir: &Path) -> Result<bool, Error> {
    let media_dir = folder.parent().filter(|root| *root != data_dir).map(|root| root.display().to_string());
    let image = s.start_image.as_ref();
    let existing: Option<i64> = store
        .conn()
        .query_row("SELECT id FROM generations WHERE idempotency_key = ?1", [&s.idempotency_key], |r| r.get(0))
        .optional()?;
    let updated_at = super::store::now_rfc3339();
    if let Some(id) = existing {
        store.conn().execute(
            "UPDATE generations SET status = 'succeeded', remote_status = 'succeeded', kyma_id = COALESCE(kyma_id, ?2), \
             charged_micros = ?3, clip_file = ?4, clip_bytes = ?5, clip_width = ?6, clip_height = ?7, \
             completed_at = ?8, downloaded_at = ?9, error_kind = NULL, error_message = NULL, updated_at = ?10, \
             media_dir = ?11 WHERE id = ?1",
            rusqlite::params![
                id,
                s.kyma_job_id,
                s.charged_micros,
                s.clip_file,
                s.clip_bytes.map(|b| b as i64),
                s.clip_width,
                s.clip_height,
                s.completed_at,
                s.downloaded_at,
                updated_at,
                media_dir
            ],
        )?;
        return Ok(false);
    }
    store.conn().execute(
        "INSERT INTO generations (idempotency_key, kyma_id, status, remote_status, model, prompt, duration_s, \
         image_kind, image_source, image_file, image_url, extra_json, hold_micros, estimated_micros, charged_micros, \
         clip_file, clip_bytes, clip_width, clip_height, created_at, submitted_at, completed_at, downloaded_at, \
         updated_at, post_attempts, has_audio, media_dir, aspect, negative_prompt, cfg_scale, seed) \
         VALUES (?1, ?2, 'succeeded', 'succeeded', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14, ?15, \
         ?16, ?17, ?18, ?19, ?20, ?21, 1, ?22, ?23, ?24, ?25, ?26, ?27)",
        rusqlite::params![
            s.idempotency_key,
            s.kyma_job_id,
            s.model,
            s.prompt,
            s.duration_s,
            image.map_or("none", |i| if i.kind == "file" { "file" } else { "url" }),
            image.and_then(|i| i.source.clone()),
            image.and_then(|i| i.file.clone()),
            image.and_then(|i| i.url.clone()),
            s.extra.as_ref().map(|v| v.to_string()),
            s.hold_micros,
            s.charged_micros,
            s.clip_file,
            s.clip_bytes.map(|b| b as i64),
            s.clip_width,
            s.clip_height,
            s.created_at,
            s.submitted_at,
            s.completed_at,
            s.downloaded_at,
            updated_at,
            s.has_audio,
            media_dir,
            s.options.aspect,
            s.options.negative_prompt,
            s.options.cfg_scale,
            s.options.seed,
        ],
    )?;
    Ok(true)
}

fn count(store: &Store) -> Result<usize, Error> {
    Ok(store.conn().query_row("SELECT COUNT(*) FROM generations", [], |r| r.get::<_, i64>(0))? as usize)
}

/// Recovers the library at `paths`: a damaged database is moved aside and the newest sound
/// backup put in its place (an empty library when there is none); then every clip on disk with
/// a sidecar gets its record back. Run with no other process on the library.
pub fn recover(paths: &Paths) -> Result<Recovered, Error> {
    let mut report = Recovered { backup: None, damaged_copy: None, from_backup: 0, rebuilt: 0, completed: 0 };
    if let Some(why) = quick_check(&paths.db) {
        log::warn!("the library database is damaged ({why}); recovering");
        report.damaged_copy = Some(move_aside(&paths.db)?);
        if let Some(good) = backups(&paths.db).into_iter().find(|b| quick_check(b).is_none()) {
            std::fs::copy(&good, &paths.db).map_err(|e| Error::io("restore the backup", &good, e))?;
            report.backup = Some(good);
        }
    }
    // Sound now (recovered, or sound all along): a note from a background check is done with.
    clear_damage_note(&paths.db);
    let store = Store::open(&paths.db)?;
    report.from_backup = count(&store)?;
    for (folder, s) in missing(&store, paths)? {
        if restore(&store, &folder, &s, &paths.data_dir)? {
            report.rebuilt += 1;
        } else {
            report.completed += 1;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_are_whole_copies_and_only_the_newest_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        let store = Store::open(&paths.db).unwrap();
        store.insert(&super::super::store::NewGeneration::sample("kept"), "k1").unwrap();
        assert!(backup_if_due(&paths.db).unwrap().is_some(), "the first backup is due");
        assert_eq!(backup_if_due(&paths.db).unwrap(), None, "not again the same day");
        for i in 0..KEEP_BACKUPS + 2 {
            backup(&paths.db, &format!("n{i}")).unwrap();
        }
        let list = backups(&paths.db);
        assert_eq!(list.len(), KEEP_BACKUPS);
        assert!(list[0].to_string_lossy().ends_with(&format!("-n{}.sqlite3", KEEP_BACKUPS + 1)), "{list:?}");
        assert_eq!(quick_check(&list[0]), None);
        let copy = Store::open(&list[0]).unwrap();
        assert_eq!(count(&copy).unwrap(), 1);
        let leftovers: Vec<_> = std::fs::read_dir(backups_dir(&paths.db))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_garbage_page_is_found_and_a_missing_file_is_a_new_library() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        assert_eq!(check(&paths), Health::Sound);
        {
            let store = Store::open(&paths.db).unwrap();
            for i in 0..200 {
                store.insert(&super::super::store::NewGeneration::sample(&"p".repeat(300)), &format!("k{i}")).unwrap();
            }
        }
        assert_eq!(check(&paths), Health::Sound);
        let mut bytes = std::fs::read(&paths.db).unwrap();
        let page = 4096 * 3;
        bytes[page..page + 4096].fill(0xA5);
        std::fs::write(&paths.db, &bytes).unwrap();
        assert!(matches!(check(&paths), Health::Damaged(_)), "{:?}", check(&paths));
    }

    #[test]
    fn a_library_from_a_newer_release_is_not_damage_and_recovery_leaves_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        {
            let store = Store::open(&paths.db).unwrap();
            store.insert(&super::super::store::NewGeneration::sample("made by a newer release"), "k1").unwrap();
            store.conn().pragma_update(None, "user_version", 99).unwrap();
        }
        let before = std::fs::read(&paths.db).unwrap();
        match check(&paths) {
            Health::Newer(why) => assert!(why.contains("newer Kyma Studio") && why.contains("Update"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(look_in_background(&paths.db), None, "sound: no damage is noted");
        assert!(recover(&paths).is_err(), "refused: this release cannot open it");
        assert_eq!(std::fs::read(&paths.db).unwrap(), before, "nothing was set aside or changed");
        assert!(!dir.path().join("damaged").exists());
    }
}
