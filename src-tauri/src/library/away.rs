//! A library folder that is not there — an unplugged drive, a folder renamed or moved outside
//! the app: which folders the records expect and cannot find, and relinking their records to
//! where the folder is now. Nothing here creates a folder: an empty library is never made in
//! place of one that is away (`Paths::library_present` is the one rule for "there").

use super::relocate::normalized;
use super::{AwayFolder, Error, Library, Relinked};
use crate::jobs::Paths;
use rusqlite::params;
use std::path::{Path, PathBuf};

const OPEN: &str = "('queued','pending','processing','downloading')";

/// The library folder as the records name it (`media_dir`), when it is not there; None when it
/// is, or when the library is the data folder (always there).
pub fn away_folder(paths: &Paths) -> Option<String> {
    paths.row_media_dir().filter(|_| !paths.library_present(&paths.library))
}

/// Whether a record with this `media_dir` keeps its files in `away` (`away_folder`'s answer).
/// Records of the data folder (no `media_dir`) never are: it is always there.
pub fn in_away_folder(away: &Option<String>, media_dir: &Option<String>) -> bool {
    away.is_some() && media_dir == away
}

impl Library {
    /// The library folder, when it is not there (the data folder always is). Clips left in an
    /// earlier folder (a move that left them) are not counted here: each one missing is shown
    /// missing, with its own "Locate…".
    pub fn away(&self) -> Result<Option<AwayFolder>, Error> {
        let Some(current) = away_folder(&self.paths()) else { return Ok(None) };
        let (_, clips, waiting) = self.counts_in(&current)?;
        Ok(Some(AwayFolder { folder: current, clips, waiting }))
    }

    /// The records that name folder `media_dir`: all of them, their shown clips, and the
    /// unfinished ones.
    fn counts_in(&self, media_dir: &str) -> Result<(u32, u32, u32), Error> {
        let store = self.store();
        let counts = store.conn().query_row(
            &format!(
                "SELECT count(*), \
                        coalesce(sum(status = 'succeeded' AND removed IS NULL AND clip_file IS NOT NULL), 0), \
                        coalesce(sum(status IN {OPEN}), 0) \
                 FROM generations WHERE media_dir = ?1"
            ),
            [media_dir],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(counts)
    }

    /// Points every record of library folder `from` (away) at `to`, where the user found it:
    /// a folder with `clips/` inside (picking the `clips` folder itself means its parent). When
    /// `from` is the current library folder, `to` becomes it. Refused when `from` is there after
    /// all, when `to` has no `clips/`, or when `from` had clips and `to` holds none of them (the
    /// wrong folder). One transaction: every record moves, or none.
    pub fn relink(&self, from: &Path, to: &Path) -> Result<Relinked, Error> {
        let paths = self.paths();
        let refuse = |why: String| Err(Error::RelinkRefused(why));
        let to = if to.file_name().is_some_and(|n| n == "clips") && !to.join("clips").is_dir() {
            to.parent().map(Path::to_path_buf).unwrap_or_else(|| to.to_path_buf())
        } else {
            to.to_path_buf()
        };
        let Some(to_text) = to.to_str().map(str::to_string) else {
            return refuse(format!(
                "the name of {} cannot be recorded; choose a folder whose name is plain text.",
                to.display()
            ));
        };
        if !to.is_absolute() {
            return refuse(format!("\"{to_text}\" is not a full path; choose the folder in the folder picker."));
        }
        let from_text = from.display().to_string();
        let current = paths.row_media_dir().as_deref() == Some(from_text.as_str());
        let (named, clips, _) = self.counts_in(&from_text)?;
        if named == 0 && !current {
            return refuse(format!("no record keeps its clips in {from_text}."));
        }
        if paths.library_present(from) {
            return refuse(format!("{from_text} is there now; nothing to locate."));
        }
        if !to.join("clips").is_dir() {
            return refuse(format!(
                "{to_text} has no clips folder inside; choose the library folder itself (the one holding clips/)."
            ));
        }
        let files = self.clip_files_in(&from_text)?;
        let found = files.iter().filter(|f| to.join("clips").join(f).is_file()).count() as u32;
        if clips > 0 && found == 0 {
            return refuse(format!(
                "{to_text} holds none of the {clips} clip(s) recorded in {from_text}; choose the folder that holds them."
            ));
        }
        // The data folder is recorded as no folder at all (see `Paths::media_root`).
        let is_data_dir = normalized(&to) == normalized(&paths.data_dir);
        let new_media_dir = (!is_data_dir).then_some(to_text.as_str());
        let records = {
            let store = self.store();
            let tx = store.conn().unchecked_transaction()?;
            let n = tx.execute(
                "UPDATE generations SET media_dir = ?2 WHERE media_dir = ?1",
                params![from_text, new_media_dir],
            )?;
            // The clips now found are shown again (a folder away did not mark them missing, but
            // a scan from an older version, or one while it was half there, might have).
            tx.execute(
                "UPDATE generations SET clip_missing = 0 WHERE media_dir IS ?1 AND clip_missing = 1 \
                 AND status = 'succeeded' AND clip_file IS NOT NULL",
                params![new_media_dir],
            )?;
            if current {
                store.set_library_dir(new_media_dir)?;
            }
            tx.commit()?;
            n as u32
        };
        if current {
            let library: PathBuf = if is_data_dir { paths.data_dir.clone() } else { to.clone() };
            self.set_paths(Paths::with_library(&paths.data_dir, &library));
        }
        // What is still missing in the new place is marked so by the usual scan.
        self.scan_missing()?;
        Ok(Relinked { from: from_text, to: to_text, records, clips, found })
    }

    /// The clip file names recorded in folder `media_dir` (shown clips only).
    fn clip_files_in(&self, media_dir: &str) -> Result<Vec<String>, Error> {
        let store = self.store();
        let mut st = store.conn().prepare(
            "SELECT clip_file FROM generations WHERE media_dir = ?1 AND status = 'succeeded' \
             AND removed IS NULL AND clip_file IS NOT NULL",
        )?;
        let rows = st.query_map([media_dir], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::files::tests::clip_row;
    use crate::library::MoveMode;

    /// A library whose folder is `drive/Kyma` (an external drive), holding 3 clips.
    fn on_a_drive() -> (tempfile::TempDir, tempfile::TempDir, Library, PathBuf, Vec<i64>) {
        let data = tempfile::tempdir().unwrap();
        let drive = tempfile::tempdir().unwrap();
        let lib = Library::open(data.path()).unwrap();
        let folder = drive.path().join("Kyma");
        lib.move_library(&folder, MoveMode::Move, &mut |_, _| {}).unwrap();
        let ids = ["a", "b", "c"].iter().map(|t| clip_row(&lib, t).0).collect();
        (data, drive, lib, folder, ids)
    }

    #[test]
    fn a_folder_away_is_named_with_what_it_holds_and_its_clips_are_not_called_missing() {
        let (_data, drive, lib, folder, ids) = on_a_drive();
        assert_eq!(lib.away().unwrap(), None);
        // Unplugged: the folder is gone from where it was.
        std::fs::rename(&folder, drive.path().join("elsewhere")).unwrap();
        let away = lib.away().unwrap();
        assert_eq!(away, Some(AwayFolder { folder: folder.display().to_string(), clips: 3, waiting: 0 }));
        assert_eq!(lib.scan_missing().unwrap(), Vec::<i64>::new(), "a folder away is not 3 missing clips");
        for id in &ids {
            assert!(!lib.get(*id).unwrap().clip_missing);
        }
        assert!(!folder.exists(), "nothing is made in its place");
        // An empty folder where it was (the mount point of an unplugged drive) is still away.
        std::fs::create_dir_all(&folder).unwrap();
        assert!(lib.away().unwrap().is_some());
    }

    #[test]
    fn relinking_points_every_record_and_the_library_at_where_the_folder_is_now() {
        let (_data, drive, lib, folder, ids) = on_a_drive();
        let now = drive.path().join("Kyma (renamed)");
        std::fs::rename(&folder, &now).unwrap();
        // Choosing its clips folder means the library folder itself.
        let r = lib.relink(&folder, &now.join("clips")).unwrap();
        assert_eq!((r.records, r.clips, r.found), (3, 3, 3));
        assert_eq!(r.to, now.display().to_string());
        assert_eq!(lib.away().unwrap(), None);
        assert_eq!(lib.paths().library, now);
        assert_eq!(lib.store().library_dir().unwrap(), Some(now.clone()));
        for id in ids {
            let g = lib.get(id).unwrap();
            assert_eq!(g.media_dir.as_deref(), now.to_str());
            assert!(lib.clip_path(&g).unwrap().is_file());
        }
    }

    #[test]
    fn the_wrong_folder_is_refused_and_changes_nothing() {
        let (_data, drive, lib, folder, ids) = on_a_drive();
        std::fs::rename(&folder, drive.path().join("moved")).unwrap();
        let before = lib.paths();
        let kind = |r: Result<Relinked, Error>| r.map(|_| ()).unwrap_err().to_string();
        // No clips folder inside.
        let plain = drive.path().join("plain");
        std::fs::create_dir_all(&plain).unwrap();
        assert!(
            kind(lib.relink(&folder, &plain)).contains("has no clips folder"),
            "{}",
            kind(lib.relink(&folder, &plain))
        );
        // Another library: a clips folder with none of these clips.
        let other = drive.path().join("other");
        std::fs::create_dir_all(other.join("clips")).unwrap();
        std::fs::write(other.join("clips/holiday.mp4"), b"x").unwrap();
        assert!(kind(lib.relink(&folder, &other)).contains("holds none of the 3 clip(s)"));
        assert!(kind(lib.relink(&folder, Path::new("relative"))).contains("not a full path"));
        // A folder that is there is not relinked.
        std::fs::rename(drive.path().join("moved"), &folder).unwrap();
        assert!(kind(lib.relink(&folder, &other)).contains("is there now"));
        assert_eq!(lib.paths(), before);
        for id in ids {
            assert_eq!(lib.get(id).unwrap().media_dir.as_deref(), folder.to_str());
        }
    }

    #[test]
    fn an_earlier_folder_away_is_relinked_without_changing_the_current_one() {
        let (data, drive, lib, folder, ids) = on_a_drive();
        // The library moved on to another folder, leaving the 3 clips where they were.
        let next = drive.path().join("Next");
        lib.move_library(&next, MoveMode::Leave, &mut |_, _| {}).unwrap();
        let now = data.path().join("found-again");
        std::fs::rename(&folder, &now).unwrap();
        assert_eq!(lib.away().unwrap(), None, "the library folder itself is there");
        // Its clips are missing one by one (each with its own Locate…), and relinking the
        // folder (the CLI's `kyma library relink`) brings them back at once.
        assert_eq!(lib.scan_missing().unwrap().len(), 3);
        let r = lib.relink(&folder, &now).unwrap();
        assert_eq!((r.records, r.found), (3, 3));
        assert_eq!(lib.paths().library, next, "new clips still go to the current folder");
        for id in ids {
            let g = lib.get(id).unwrap();
            assert!(lib.clip_path(&g).unwrap().is_file());
            assert!(!g.clip_missing, "shown again");
        }
    }

    #[test]
    fn unfinished_jobs_bound_for_the_folder_are_counted_as_waiting() {
        let (_data, drive, lib, folder, _) = on_a_drive();
        let (id, _) = clip_row(&lib, "d");
        lib.store().conn().execute("UPDATE generations SET status = 'downloading' WHERE id = ?1", [id]).unwrap();
        std::fs::rename(&folder, drive.path().join("gone")).unwrap();
        assert_eq!(
            lib.away().unwrap(),
            Some(AwayFolder { folder: folder.display().to_string(), clips: 3, waiting: 1 })
        );
    }
}
