//! The files behind generations: deleting with an undo window (then to the OS trash), clips gone
//! missing (scan, locate, forget) and saving a copy elsewhere. Records are never deleted here:
//! the money a generation cost stays in the spend history.

use super::{DeleteTicket, Error, Library};
use crate::fsutil::sync_dir;
use crate::jobs::store::now_rfc3339;
use crate::jobs::{Generation, Paths, Status, Store};
use rusqlite::params;
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The folder inside a library folder where deleted clips wait out their undo window.
pub const DELETING_DIR: &str = ".deleting";

impl Library {
    /// Deletes generation `id` from the library view, undoable until the ticket's `undo_until`:
    /// its clip moves aside into `<library folder>/.deleting/` (a rename, instant) and the record
    /// is marked `deleting`. `finish_deletes` later sends the clip to the OS trash. The record
    /// itself stays (the spend history counts it). Deleting again returns the same window.
    pub fn delete(&self, id: i64, undo_for: Duration) -> Result<DeleteTicket, Error> {
        let paths = self.paths();
        let store = self.store();
        let g = row(&store, id)?;
        if !g.status.is_terminal() {
            return Err(Error::StillRunning(id));
        }
        if matches!(g.removed.as_deref(), Some("deleting") | Some("trashed")) {
            let since = g.removed_at.as_deref().and_then(parse_time).unwrap_or_else(OffsetDateTime::now_utc);
            return Ok(DeleteTicket { id, undo_until: format_time(after(since, undo_for)) });
        }
        let now = OffsetDateTime::now_utc();
        // The record first: after a crash before the rename the clip is still in clips/, where
        // undoing and finishing look too.
        store.conn().execute(
            "UPDATE generations SET removed = 'deleting', removed_at = ?2 WHERE id = ?1",
            params![id, format_time(now)],
        )?;
        if let Some((clip, parked)) = clip_places(&paths, &g) {
            if clip.is_file() {
                if let Err(e) = rename_durably(&clip, &parked) {
                    store.conn().execute(
                        "UPDATE generations SET removed = ?2, removed_at = ?3 WHERE id = ?1",
                        params![id, g.removed, g.removed_at],
                    )?;
                    return Err(Error::io("move the clip aside for deleting", &clip, e));
                }
            }
        }
        Ok(DeleteTicket { id, undo_until: format_time(after(now, undo_for)) })
    }

    /// Undoes `delete` while its window is open: the clip goes back to clips/, the record shows
    /// again. Too late once the clip is in the OS trash (`UndoExpired`).
    pub fn undo_delete(&self, id: i64) -> Result<(), Error> {
        let paths = self.paths();
        let store = self.store();
        let g = row(&store, id)?;
        match g.removed.as_deref() {
            Some("deleting") => {}
            Some("trashed") => return Err(Error::UndoExpired(id)),
            _ => return Err(Error::NotDeleted(id)),
        }
        if let Some((clip, parked)) = clip_places(&paths, &g) {
            if parked.is_file() && !clip.exists() {
                rename_durably(&parked, &clip).map_err(|e| Error::io("put the clip back", &clip, e))?;
            }
        }
        store.conn().execute(
            "UPDATE generations SET removed = NULL, removed_at = NULL WHERE id = ?1 AND removed = 'deleting'",
            [id],
        )?;
        Ok(())
    }

    /// Sends the clips of deletions older than `older_than` to the OS trash and marks their
    /// records `trashed`; `Duration::ZERO` finishes every deletion (at start-up, after a crash).
    /// Returns how many were finished. When the trash refuses a clip (no trash on that drive, no
    /// permission) its record stays `deleting`, the file stays in `.deleting/`, the others still
    /// go, and the first refusal is returned as `Error::Trash`.
    pub fn finish_deletes(&self, older_than: Duration) -> Result<u32, Error> {
        let paths = self.paths();
        let cutoff = OffsetDateTime::now_utc() - older_than.min(Duration::from_secs(10 * 365 * 24 * 3600));
        let due: Vec<i64> = {
            let store = self.store();
            let mut st = store.conn().prepare("SELECT id, removed_at FROM generations WHERE removed = 'deleting'")?;
            let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?)))?;
            let mut due = Vec::new();
            for r in rows {
                let (id, at) = r?;
                // Unreadable times count as due: better in the trash than stuck in `.deleting/`.
                if older_than.is_zero() || at.as_deref().and_then(parse_time).is_none_or(|at| at <= cutoff) {
                    due.push(id);
                }
            }
            due
        };
        let (mut trashed, mut refused) = (0u32, None);
        for id in due {
            // Held per clip, so an undo cannot slip in between the trash and the record.
            let store = self.store();
            let g = match row(&store, id) {
                Ok(g) if g.removed.as_deref() == Some("deleting") => g,
                // Undone meanwhile, or the record was removed.
                Ok(_) | Err(Error::NoSuchGeneration(_)) => continue,
                Err(e) => return Err(e),
            };
            match trash_clip(&paths, &g) {
                Ok(()) => {
                    store.conn().execute(
                        "UPDATE generations SET removed = 'trashed' WHERE id = ?1 AND removed = 'deleting'",
                        [id],
                    )?;
                    let _ = fs::remove_file(paths.thumb_path(id));
                    trashed += 1;
                }
                Err(e) => {
                    log::warn!("generation {id}: {e}");
                    refused.get_or_insert(e);
                }
            }
        }
        refused.map_or(Ok(trashed), Err)
    }

    /// Checks every shown clip's file and records which went missing (deleted or moved outside
    /// the app) and which came back. Returns the generations whose state changed. One query,
    /// one stat per clip and one transaction for the changes: cheap on a 10,000-clip library.
    pub fn scan_missing(&self) -> Result<Vec<i64>, Error> {
        let paths = self.paths();
        let clips: Vec<(i64, String, Option<String>, bool)> = {
            let store = self.store();
            let mut st = store.conn().prepare(
                "SELECT id, clip_file, media_dir, clip_missing FROM generations \
                 WHERE status = 'succeeded' AND removed IS NULL AND clip_file IS NOT NULL",
            )?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        // The stats happen without the lock: the gallery keeps answering meanwhile. The library
        // folder away (an unplugged drive) is not a pile of missing clips: its records stay as
        // they are, and `away` says where the folder was expected.
        let away = super::away::away_folder(&paths);
        let changed: Vec<(i64, bool, bool)> = clips
            .into_iter()
            .filter(|(_, _, media_dir, _)| !super::away::in_away_folder(&away, media_dir))
            .filter_map(|(id, file, media_dir, was_missing)| {
                let missing = !paths.clip_path_of(media_dir.as_deref(), &file).is_file();
                (missing != was_missing).then_some((id, missing, was_missing))
            })
            .collect();
        if changed.is_empty() {
            return Ok(Vec::new());
        }
        let store = self.store();
        let tx = store.conn().unchecked_transaction()?;
        let mut ids = Vec::with_capacity(changed.len());
        {
            let mut st = tx.prepare("UPDATE generations SET clip_missing = ?2 WHERE id = ?1 AND clip_missing = ?3")?;
            for (id, missing, was_missing) in changed {
                if st.execute(params![id, missing, was_missing])? == 1 {
                    ids.push(id);
                }
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Brings back a missing clip from the file the user picked: it must be a whole MP4; a copy
    /// goes into the generation's clips folder under its own name (never a half file), and the
    /// user's file stays where it was.
    pub fn locate(&self, id: i64, file: &Path) -> Result<(), Error> {
        let paths = self.paths();
        let g = self.get(id)?;
        if g.removed.is_some() {
            // Deleted or forgotten: not in the library as far as the user can see.
            return Err(Error::NoSuchGeneration(id));
        }
        let dest = clip_of(&g, &paths)?;
        if dest.is_file() {
            return Err(Error::NotMissing(id));
        }
        crate::media::mp4::check_mp4(file)
            .map_err(|e| Error::NotAClip { path: file.display().to_string(), detail: e.0 })?;
        if let Some(dir) = dest.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io("create the clips folder", dir, e))?;
        }
        let copied = copy_verified(file, &dest).map_err(|e| Error::io("copy the clip into the library", &dest, e))?;
        let updated = self.store().conn().execute(
            "UPDATE generations SET clip_missing = 0, clip_bytes = ?2 WHERE id = ?1 AND media_dir IS ?3",
            params![id, copied.bytes as i64, g.media_dir],
        )?;
        if updated == 0 {
            // The library folder moved while copying: this copy is in the old one.
            let _ = fs::remove_file(&dest);
            return Err(Error::Io {
                what: "locate the clip",
                path: file.display().to_string(),
                detail: "the library folder changed meanwhile; try again".into(),
            });
        }
        Ok(())
    }

    /// Hides a finished generation from the library (a missing clip, a failed record the user
    /// no longer wants to see). The record stays, so the spend history still counts it; no file
    /// is touched. Deleted or already forgotten generations are left as they are.
    pub fn forget(&self, id: i64) -> Result<(), Error> {
        let store = self.store();
        let g = row(&store, id)?;
        if !g.status.is_terminal() {
            return Err(Error::StillRunning(id));
        }
        store.conn().execute(
            "UPDATE generations SET removed = 'forgotten', removed_at = ?2 WHERE id = ?1 AND removed IS NULL",
            params![id, now_rfc3339()],
        )?;
        Ok(())
    }

    /// Saves a copy of generation `id`'s clip at `dest` (a temp file renamed into place, so
    /// `dest` is never half written). Returns the bytes written.
    pub fn save_copy(&self, id: i64, dest: &Path) -> Result<u64, Error> {
        let paths = self.paths();
        let g = self.get(id)?;
        let clip = clip_of(&g, &paths)?;
        if !clip.is_file() {
            return Err(Error::ClipMissing(id));
        }
        let copied = copy_verified(&clip, dest).map_err(|e| Error::io("save a copy of the clip", dest, e))?;
        Ok(copied.bytes)
    }
}

/// One record, with the library's "no such generation" error.
pub(super) fn row(store: &Store, id: i64) -> Result<Generation, Error> {
    match store.get(id) {
        Err(crate::jobs::Error::NoSuchGeneration(id)) => Err(Error::NoSuchGeneration(id)),
        other => Ok(other?),
    }
}

/// Where a finished generation's clip belongs, or why it has none.
fn clip_of(g: &Generation, paths: &Paths) -> Result<PathBuf, Error> {
    if !g.status.is_terminal() {
        return Err(Error::StillRunning(g.id));
    }
    match paths.clip_path(g) {
        Some(p) if g.status == Status::Succeeded => Ok(p),
        _ => Err(Error::NoClip(g.id)),
    }
}

/// A generation's clip in clips/ and its place in `.deleting/` while a deletion can be undone.
fn clip_places(paths: &Paths, g: &Generation) -> Option<(PathBuf, PathBuf)> {
    let file = g.clip_file.as_ref()?;
    let root = paths.media_root(g);
    Some((root.join("clips").join(file), root.join(DELETING_DIR).join(file)))
}

/// Sends a deleted generation's clip to the OS trash, wherever the deletion left it.
fn trash_clip(paths: &Paths, g: &Generation) -> Result<(), Error> {
    let Some((clip, parked)) = clip_places(paths, g) else {
        return Ok(());
    };
    if parked.is_file() && !clip.exists() {
        // Back beside its siblings first, so "restore" in the system trash puts it where the
        // library looks, not into a hidden folder.
        rename_durably(&parked, &clip).map_err(|e| Error::io("take the clip out of .deleting", &parked, e))?;
        if let Err(e) = to_trash(&clip) {
            let _ = rename_durably(&clip, &parked);
            return Err(Error::Trash(trash_refusal(&parked, &e)));
        }
    } else if parked.is_file() {
        to_trash(&parked).map_err(|e| Error::Trash(trash_refusal(&parked, &e)))?;
    } else if clip.is_file() {
        // A crash between recording the deletion and moving the clip aside.
        to_trash(&clip).map_err(|e| Error::Trash(trash_refusal(&clip, &e)))?;
    }
    Ok(())
}

/// Sends `path` to the OS trash: the Recycle Bin of its drive on Windows, the Trash on macOS,
/// the freedesktop.org trash on Linux (see docs/platforms.md for where each refuses). On macOS
/// through `NSFileManager.trashItemAtURL`, not the crate's default of scripting the Finder: that
/// asks the user for permission to control the Finder (minutes after the click, when the undo
/// window ends) and fails when it is refused, and it plays the Finder's sound.
fn to_trash(path: &Path) -> Result<(), trash::Error> {
    #[cfg(target_os = "macos")]
    {
        use trash::macos::{DeleteMethod, TrashContextExtMacos};
        let mut trash = trash::TrashContext::default();
        trash.set_delete_method(DeleteMethod::NsFileManager);
        trash.delete(path)
    }
    #[cfg(not(target_os = "macos"))]
    trash::delete(path)
}

fn trash_refusal(kept_at: &Path, e: &trash::Error) -> String {
    let why = match e {
        trash::Error::Unknown { description } | trash::Error::Os { description, .. } => description.clone(),
        other => other.to_string(),
    };
    format!("{why}. The clip is kept at {}; delete it there by hand if you want the space back", kept_at.display())
}

/// Renames within one library folder and makes it durable (both folders fsynced).
fn rename_durably(from: &Path, to: &Path) -> std::io::Result<()> {
    let to_dir = to.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(to_dir)?;
    fs::rename(from, to)?;
    sync_dir(to_dir)?;
    match from.parent() {
        Some(dir) if dir != to_dir => sync_dir(dir),
        _ => Ok(()),
    }
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

fn format_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| now_rfc3339())
}

/// `t + d`, capped a year ahead (an undo window is seconds; this only guards the arithmetic).
fn after(t: OffsetDateTime, d: Duration) -> OffsetDateTime {
    t + d.min(Duration::from_secs(365 * 24 * 3600))
}

/// What a verified copy wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Copied {
    pub bytes: u64,
    pub sha256: [u8; 32],
}

/// `.<name>.part` beside `dest`: where a copy is written before it is whole.
pub(crate) fn part_path(dest: &Path) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    dest.with_file_name(format!(".{name}.part"))
}

/// Copies `src` to `dest` so that `dest` is either untouched or the whole file: written to a
/// `.part` beside it, fsynced, read back and compared (size and SHA-256) with what was read from
/// `src`, then renamed over `dest` and the folder fsynced. No `.part` survives an error.
pub(crate) fn copy_verified(src: &Path, dest: &Path) -> std::io::Result<Copied> {
    let part = part_path(dest);
    let result = copy_to_part(src, &part).and_then(|copied| {
        fs::rename(&part, dest)?;
        sync_dir(dest.parent().unwrap_or(Path::new(".")))?;
        Ok(copied)
    });
    if result.is_err() {
        let _ = fs::remove_file(&part);
    }
    result
}

fn copy_to_part(src: &Path, part: &Path) -> std::io::Result<Copied> {
    let mut from = File::open(src)?;
    let expected = from.metadata()?.len();
    let mut to = OpenOptions::new().write(true).create(true).truncate(true).open(part)?;
    let copied = read_hashing(&mut from, |chunk| to.write_all(chunk))?;
    to.sync_all()?;
    drop(to);
    if copied.bytes != expected {
        return Err(std::io::Error::other(format!(
            "the original changed while it was copied ({expected} bytes, read {})",
            copied.bytes
        )));
    }
    if sha256_file(part)? != copied {
        return Err(std::io::Error::other("the copy does not match the original (size or SHA-256 differ)"));
    }
    Ok(copied)
}

/// A file's size and SHA-256.
pub(crate) fn sha256_file(path: &Path) -> std::io::Result<Copied> {
    read_hashing(&mut File::open(path)?, |_| Ok(()))
}

/// Reads `from` to the end in 1 MiB chunks, hashing each and handing it to `sink`.
fn read_hashing(from: &mut impl Read, mut sink: impl FnMut(&[u8]) -> std::io::Result<()>) -> std::io::Result<Copied> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        sink(&buf[..n])?;
        bytes += n as u64;
    }
    Ok(Copied { bytes, sha256: hasher.finalize().into() })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::api::Micros;
    use crate::jobs::store::NewGeneration;

    /// A structurally whole MP4 (ftyp, moov, mdat) whose media bytes carry `tag`.
    pub(crate) fn mp4(tag: &str) -> Vec<u8> {
        let bx = |kind: &[u8; 4], body: &[u8]| {
            let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
            v.extend_from_slice(kind);
            v.extend_from_slice(body);
            v
        };
        [bx(b"ftyp", b"isom\0\0\x02\0isomiso2"), bx(b"moov", &[0; 32]), bx(b"mdat", tag.repeat(50).as_bytes())].concat()
    }

    /// A succeeded generation with a real clip file in the library folder `paths.library`.
    pub(crate) fn clip_row(lib: &Library, tag: &str) -> (i64, PathBuf) {
        let paths = lib.paths();
        let store = lib.store();
        let new =
            NewGeneration { media_dir: paths.row_media_dir(), ..NewGeneration::sample(&format!("a lighthouse {tag}")) };
        let id = store.insert(&new, &format!("key-{tag}")).unwrap();
        store.mark_submitted(id, &format!("v{tag}"), None).unwrap();
        store.mark_downloading(id, Some(Micros(756_000)), None).unwrap();
        let file = format!("clip-{tag}.mp4");
        let bytes = mp4(tag);
        let path = paths.clips.join(&file);
        crate::fsutil::write_atomic(&path, &bytes).unwrap();
        store.mark_succeeded(id, &file, bytes.len() as u64, None).unwrap();
        (id, path)
    }

    fn library() -> (tempfile::TempDir, Library) {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(dir.path()).unwrap();
        (dir, lib)
    }

    #[test]
    fn delete_parks_the_clip_and_undo_brings_it_back() {
        let (dir, lib) = library();
        let (id, clip) = clip_row(&lib, "a");
        let before = fs::read(&clip).unwrap();
        let ticket = lib.delete(id, Duration::from_secs(8)).unwrap();
        assert_eq!(ticket.id, id);
        assert!(parse_time(&ticket.undo_until).unwrap() > OffsetDateTime::now_utc());
        assert!(!clip.exists());
        assert!(dir.path().join(DELETING_DIR).join("clip-a.mp4").is_file());
        assert_eq!(lib.get(id).unwrap().removed.as_deref(), Some("deleting"));
        // Deleting twice keeps one window.
        assert_eq!(lib.delete(id, Duration::from_secs(8)).unwrap().id, id);
        lib.undo_delete(id).unwrap();
        assert_eq!(fs::read(&clip).unwrap(), before);
        let g = lib.get(id).unwrap();
        assert_eq!((g.removed, g.removed_at), (None, None));
        assert_eq!(lib.undo_delete(id).unwrap_err().kind(), "not_deleted");
    }

    #[test]
    fn undo_after_a_crash_before_the_rename_finds_the_clip_in_place() {
        let (_dir, lib) = library();
        let (id, clip) = clip_row(&lib, "b");
        lib.store().conn().execute("UPDATE generations SET removed = 'deleting' WHERE id = ?1", [id]).unwrap();
        lib.undo_delete(id).unwrap();
        assert!(clip.is_file());
        assert_eq!(lib.get(id).unwrap().removed, None);
    }

    #[test]
    fn running_jobs_cannot_be_deleted_or_forgotten() {
        let (_dir, lib) = library();
        let (id, _) = clip_row(&lib, "c");
        lib.store().conn().execute("UPDATE generations SET status = 'processing' WHERE id = ?1", [id]).unwrap();
        assert_eq!(lib.delete(id, Duration::from_secs(8)).unwrap_err().kind(), "still_running");
        assert_eq!(lib.forget(id).unwrap_err().kind(), "still_running");
        assert_eq!(lib.delete(999, Duration::from_secs(8)).unwrap_err().kind(), "not_found");
    }

    #[test]
    fn scan_missing_reports_only_changes() {
        let (_dir, lib) = library();
        let (a, clip_a) = clip_row(&lib, "d");
        let (_b, _) = clip_row(&lib, "e");
        assert!(lib.scan_missing().unwrap().is_empty());
        let held = fs::read(&clip_a).unwrap();
        fs::remove_file(&clip_a).unwrap();
        assert_eq!(lib.scan_missing().unwrap(), vec![a]);
        assert!(lib.get(a).unwrap().clip_missing);
        assert!(lib.scan_missing().unwrap().is_empty());
        fs::write(&clip_a, held).unwrap();
        assert_eq!(lib.scan_missing().unwrap(), vec![a]);
        assert!(!lib.get(a).unwrap().clip_missing);
    }

    #[test]
    fn locate_checks_the_file_and_copies_it_in() {
        let (dir, lib) = library();
        let (id, clip) = clip_row(&lib, "f");
        assert_eq!(lib.locate(id, &clip).unwrap_err().kind(), "not_missing");
        let found = dir.path().join("found.mp4");
        fs::rename(&clip, &found).unwrap();
        lib.scan_missing().unwrap();
        let junk = dir.path().join("junk.mp4");
        fs::write(&junk, b"<html>not a clip</html>").unwrap();
        assert_eq!(lib.locate(id, &junk).unwrap_err().kind(), "not_a_clip");
        lib.locate(id, &found).unwrap();
        assert_eq!(fs::read(&clip).unwrap(), fs::read(&found).unwrap());
        let g = lib.get(id).unwrap();
        assert!(!g.clip_missing);
        assert_eq!(g.clip_bytes, Some(fs::metadata(&found).unwrap().len()));
        assert!(!part_path(&clip).exists());
    }

    #[test]
    fn forget_keeps_the_record_and_save_copy_is_exact() {
        let (dir, lib) = library();
        let (id, clip) = clip_row(&lib, "g");
        let dest = dir.path().join("out.mp4");
        assert_eq!(lib.save_copy(id, &dest).unwrap(), fs::metadata(&clip).unwrap().len());
        assert_eq!(fs::read(&dest).unwrap(), fs::read(&clip).unwrap());
        lib.forget(id).unwrap();
        let g = lib.get(id).unwrap();
        assert_eq!(g.removed.as_deref(), Some("forgotten"));
        assert!(clip.is_file(), "forgetting touches no file");
        fs::remove_file(&clip).unwrap();
        assert_eq!(lib.save_copy(id, &dest).unwrap_err().kind(), "clip_missing");
    }

    #[test]
    fn copy_verified_leaves_no_part_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("x.mp4");
        assert!(copy_verified(&dir.path().join("absent"), &dest).is_err());
        assert!(!dest.exists() && !part_path(&dest).exists());
        fs::write(dir.path().join("src"), b"hello").unwrap();
        let c = copy_verified(&dir.path().join("src"), &dest).unwrap();
        assert_eq!(c, sha256_file(&dest).unwrap());
        assert_eq!(c.bytes, 5);
    }
}
