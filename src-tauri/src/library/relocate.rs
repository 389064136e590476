//! Changing the library folder. New clips go to the new folder at once; with `MoveMode::Move`
//! the existing clips and start images follow one generation at a time: each copy is verified
//! (size and SHA-256) before its record points at it, and the original goes only after that commit.

use super::files::{copy_verified, sha256_file};
use super::{Error, Library, MoveMode, MoveReport};
use crate::fsutil::sync_dir;
use crate::jobs::Paths;
use rusqlite::params;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A generation with files, as it was when the move began.
struct Candidate {
    id: i64,
    clip_file: Option<String>,
    image_file: Option<String>,
    end_image_file: Option<String>,
    media_dir: Option<String>,
    clip_missing: bool,
}

/// One file of a generation being moved: the original and its verified copy.
struct Placed {
    original: PathBuf,
    copy: PathBuf,
    /// False when an identical file was already there (left by an interrupted move).
    made_here: bool,
}

impl Library {
    /// Makes `new_dir` the library folder: new clips and start images go there from now on.
    /// With `MoveMode::Move` every generation's files (clip and start image) in other folders
    /// are copied there, verified, recorded and only then removed from where they were; with
    /// `MoveMode::Leave` they stay and keep working where they are. `progress(done, total)`
    /// counts generations. A failure midway (disk full, an unreadable file) stops the move
    /// with `MoveReport::error` set: what moved works in the new folder, the rest in the old one.
    /// Refused while a generation is running or a deletion can still be undone, and for a
    /// folder that is relative, inside the library's clips/ or start-images/, or not writable.
    pub fn move_library(
        &self,
        new_dir: &Path,
        mode: MoveMode,
        progress: &mut dyn FnMut(u32, u32),
    ) -> Result<MoveReport, Error> {
        self.move_library_with_hook(new_dir, mode, progress, &mut |_| Ok(()))
    }

    /// `move_library` with `before_copy` called with each original just before it is copied;
    /// an error from it stops the move as a failed copy would. For tests of failures midway.
    #[doc(hidden)]
    pub fn move_library_with_hook(
        &self,
        new_dir: &Path,
        mode: MoveMode,
        progress: &mut dyn FnMut(u32, u32),
        before_copy: &mut dyn FnMut(&Path) -> std::io::Result<()>,
    ) -> Result<MoveReport, Error> {
        let paths = self.paths();
        let refuse = |why: String| Err(Error::MoveRefused(why));
        let Some(new_text) = new_dir.to_str() else {
            return refuse(format!(
                "the name of {} cannot be recorded; choose a folder whose name is plain text.",
                new_dir.display()
            ));
        };
        if !new_dir.is_absolute() {
            return refuse(format!("\"{new_text}\" is not a full path; choose the folder in the folder picker."));
        }
        let rows = self.snapshot()?;
        let target = normalized(new_dir);
        let mut roots = vec![paths.library.clone(), paths.data_dir.clone()];
        roots.extend(rows.iter().map(|c| root_of(&paths, c)));
        roots.sort();
        roots.dedup();
        for root in &roots {
            for sub in ["clips", "start-images"] {
                let inner = normalized(&root.join(sub));
                if target.starts_with(&inner) {
                    return refuse(format!(
                        "{new_text} is inside the library's {sub} folder ({}); choose a folder outside it.",
                        inner.display()
                    ));
                }
            }
        }
        prepare_folder(new_dir)?;

        let is_data_dir = target == normalized(&paths.data_dir);
        self.store().set_library_dir((!is_data_dir).then_some(new_text))?;
        let library = if is_data_dir { paths.data_dir.clone() } else { new_dir.to_path_buf() };
        self.set_paths(Paths::with_library(&paths.data_dir, &library));
        // NULL means the data folder (see `Paths::media_root`), so rows recorded without a folder
        // keep pointing there whatever the library folder becomes.
        let new_media_dir = (!is_data_dir).then(|| new_text.to_string());

        let mut is_here: HashMap<Option<String>, bool> = HashMap::new();
        let candidates: Vec<Candidate> = rows
            .into_iter()
            .filter(|c| {
                !*is_here.entry(c.media_dir.clone()).or_insert_with(|| normalized(&root_of(&paths, c)) == target)
            })
            .collect();
        let total = candidates.len() as u32;
        let mut report =
            MoveReport { new_dir: library.display().to_string(), moved: 0, left: total, bytes_moved: 0, error: None };
        if mode == MoveMode::Leave {
            return Ok(report);
        }
        progress(0, total);
        for (done, c) in candidates.iter().enumerate() {
            match self.move_generation(&paths, c, &library, new_media_dir.as_deref(), before_copy) {
                Ok(Some(bytes)) => {
                    report.moved += 1;
                    report.left -= 1;
                    report.bytes_moved += bytes;
                }
                Ok(None) => {}
                Err(e) => {
                    log::warn!("moving the library stopped at generation {}: {e}", c.id);
                    report.error = Some(e.to_string());
                    break;
                }
            }
            progress(done as u32 + 1, total);
        }
        Ok(report)
    }

    /// Every shown generation with files, read in one transaction after checking nothing is
    /// running or waiting in an undo window (their files are about to change under us).
    fn snapshot(&self) -> Result<Vec<Candidate>, Error> {
        let store = self.store();
        let tx = store.conn().unchecked_transaction()?;
        let (running, deleting): (u32, u32) = tx.query_row(
            "SELECT (SELECT count(*) FROM generations WHERE status IN ('queued','pending','processing','downloading')), \
                    (SELECT count(*) FROM generations WHERE removed = 'deleting')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if running > 0 {
            return Err(Error::MoveRefused(if running == 1 {
                "1 generation is still being made or downloaded; wait until it finishes.".into()
            } else {
                format!("{running} generations are still being made or downloaded; wait until they finish.")
            }));
        }
        if deleting > 0 {
            return Err(Error::MoveRefused(
                "a deleted clip can still be restored; wait a few seconds until the undo time is over.".into(),
            ));
        }
        let mut st = tx.prepare(
            "SELECT id, clip_file, image_file, media_dir, clip_missing, end_image_file FROM generations \
             WHERE removed IS NULL AND (clip_file IS NOT NULL OR image_file IS NOT NULL OR end_image_file IS NOT NULL) \
             ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(Candidate {
                id: r.get(0)?,
                clip_file: r.get(1)?,
                image_file: r.get(2)?,
                end_image_file: r.get(5)?,
                media_dir: r.get(3)?,
                clip_missing: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Moves one generation's files and then its record. `Ok(None)`: nothing of it could move
    /// (its files are not there) or it changed meanwhile; it stays where it was, untouched.
    fn move_generation(
        &self,
        paths: &Paths,
        c: &Candidate,
        new_root: &Path,
        new_media_dir: Option<&str>,
        before_copy: &mut dyn FnMut(&Path) -> std::io::Result<()>,
    ) -> Result<Option<u64>, Error> {
        let mut placed = Vec::new();
        let bytes = match place_files(&root_of(paths, c), new_root, c, &mut placed, before_copy) {
            Ok(bytes) => bytes,
            Err(e) => {
                discard_copies(&placed);
                return Err(e);
            }
        };
        if placed.is_empty() {
            return Ok(None);
        }
        // A clip that was not there to move is missing in the new folder too.
        let missing = c.clip_file.as_ref().is_some_and(|f| !new_root.join("clips").join(f).is_file());
        let updated = self.store().conn().execute(
            "UPDATE generations SET media_dir = ?2, clip_missing = ?3 \
             WHERE id = ?1 AND removed IS NULL AND media_dir IS ?4 AND clip_missing = ?5",
            params![c.id, new_media_dir, missing, c.media_dir, c.clip_missing],
        );
        match updated {
            Ok(1) => {}
            Ok(_) => {
                // Deleted, located or moved meanwhile: its record still names the old folder.
                discard_copies(&placed);
                return Ok(None);
            }
            Err(e) => {
                discard_copies(&placed);
                return Err(e.into());
            }
        }
        for p in &placed {
            if let Err(e) = std::fs::remove_file(&p.original) {
                // Only a leftover duplicate: the record already points at the verified copy.
                log::warn!("could not remove {} after moving it: {e}", p.original.display());
            }
            if let Some(dir) = p.original.parent() {
                let _ = sync_dir(dir);
            }
        }
        Ok(Some(bytes))
    }
}

/// Copies a generation's clip and start image into `new_root`, recording each in `placed`.
fn place_files(
    old_root: &Path,
    new_root: &Path,
    c: &Candidate,
    placed: &mut Vec<Placed>,
    before_copy: &mut dyn FnMut(&Path) -> std::io::Result<()>,
) -> Result<u64, Error> {
    let mut bytes = 0;
    for (sub, name) in [("clips", &c.clip_file), ("start-images", &c.image_file), ("start-images", &c.end_image_file)] {
        let Some(name) = name else { continue };
        let original = old_root.join(sub).join(name);
        if !original.is_file() {
            // A missing clip stays missing; its start image still moves.
            continue;
        }
        let copy = new_root.join(sub).join(name);
        if copy.exists() {
            let same = matches!((sha256_file(&original), sha256_file(&copy)), (Ok(a), Ok(b)) if a == b);
            if !same {
                return Err(Error::Io {
                    what: "move a file into the new library folder",
                    path: copy.display().to_string(),
                    detail: "a different file of that name is already there; move it away and try again".into(),
                });
            }
            placed.push(Placed { original, copy, made_here: false });
            continue;
        }
        let copied = before_copy(&original).and_then(|()| copy_verified(&original, &copy)).map_err(|e| {
            // Out of room: it is the new folder's disk that is full, and this file that did not fit.
            if crate::diskspace::is_disk_full(&e) {
                let need = std::fs::metadata(&original).map(|m| m.len()).unwrap_or(0);
                let folder = copy.parent().unwrap_or(new_root);
                return Error::DiskFull(crate::diskspace::full(folder, need, crate::diskspace::Then::MoveStopped));
            }
            Error::io("copy a file into the new library folder", &original, e)
        })?;
        bytes += copied.bytes;
        placed.push(Placed { original, copy, made_here: true });
    }
    Ok(bytes)
}

/// Removes the copies this move made for a generation whose record did not change.
fn discard_copies(placed: &[Placed]) {
    for p in placed.iter().filter(|p| p.made_here) {
        if let Err(e) = std::fs::remove_file(&p.copy) {
            log::warn!("could not remove the unused copy {}: {e}", p.copy.display());
        }
    }
}

/// The library folder holding a generation's files (NULL: the data folder).
fn root_of(paths: &Paths, c: &Candidate) -> PathBuf {
    c.media_dir.as_ref().map(PathBuf::from).unwrap_or_else(|| paths.data_dir.clone())
}

/// Creates the new folder's clips/ and start-images/ and proves it can be written.
fn prepare_folder(dir: &Path) -> Result<(), Error> {
    let refused = |what: &str, e: std::io::Error| {
        Error::MoveRefused(format!("{} cannot be {what} ({e}); choose another folder.", dir.display()))
    };
    for sub in ["clips", "start-images"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| refused("created", e))?;
    }
    let probe = dir.join(format!(".kyma-write-check-{}", std::process::id()));
    let written = std::fs::File::create(&probe).and_then(|mut f| {
        use std::io::Write;
        f.write_all(b"ok")?;
        f.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    written.map_err(|e| refused("written", e))
}

/// `p` with symlinks and `..` resolved as far as it exists (the rest appended as given), so two
/// spellings of one folder compare equal.
pub(super) fn normalized(p: &Path) -> PathBuf {
    let mut tail = Vec::new();
    let mut cur = p;
    loop {
        if let Ok(mut real) = cur.canonicalize() {
            real.extend(tail.iter().rev());
            return real;
        }
        match (cur.parent(), cur.file_name()) {
            (Some(parent), Some(name)) => {
                tail.push(name.to_os_string());
                cur = parent;
            }
            _ => return p.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::files::tests::clip_row;

    #[test]
    fn normalized_resolves_what_exists() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap();
        assert_eq!(normalized(&dir.path().join("a/../b/c")), real.join("a/../b/c"), "absent parts stay as given");
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        assert_eq!(normalized(&dir.path().join("a/../b")), real.join("b"));
    }

    #[test]
    fn refusals_leave_everything_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(dir.path()).unwrap();
        let (id, _) = clip_row(&lib, "r");
        let before = lib.paths();
        let mut none = |_: u32, _: u32| {};
        let kind = |r: Result<MoveReport, Error>| r.unwrap_err().kind();
        assert_eq!(kind(lib.move_library(Path::new("relative/dir"), MoveMode::Move, &mut none)), "move_refused");
        assert_eq!(kind(lib.move_library(&before.clips.join("sub"), MoveMode::Move, &mut none)), "move_refused");
        lib.store().conn().execute("UPDATE generations SET status = 'downloading' WHERE id = ?1", [id]).unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        assert_eq!(kind(lib.move_library(elsewhere.path(), MoveMode::Move, &mut none)), "move_refused");
        assert_eq!(lib.paths(), before);
        assert_eq!(lib.store().library_dir().unwrap(), None);
    }

    #[test]
    fn moving_back_to_the_data_folder_clears_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let lib = Library::open(dir.path()).unwrap();
        let (id, _) = clip_row(&lib, "s");
        let mut none = |_: u32, _: u32| {};
        let r = lib.move_library(other.path(), MoveMode::Move, &mut none).unwrap();
        assert_eq!((r.moved, r.left, r.error), (1, 0, None));
        assert_eq!(lib.get(id).unwrap().media_dir.as_deref(), other.path().to_str());
        let r = lib.move_library(dir.path(), MoveMode::Move, &mut none).unwrap();
        assert_eq!((r.moved, r.left, r.error), (1, 0, None));
        let g = lib.get(id).unwrap();
        assert_eq!(g.media_dir, None);
        assert!(lib.clip_path(&g).unwrap().is_file());
        assert_eq!(lib.store().library_dir().unwrap(), None);
        assert_eq!(lib.paths(), Paths::new(dir.path()));
    }
}
