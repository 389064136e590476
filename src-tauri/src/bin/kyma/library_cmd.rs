//! `kyma library check | backup | recover | move | away | relink`: the library's health, its
//! backups, its recovery from a damaged database (see `jobs::recovery`), and its folder: moving
//! it, and finding it again when it is away (an unplugged drive; see `library::away`).

use super::Fail;
use clap::Subcommand;
use kyma_studio::jobs::recovery::{self, Health};
use kyma_studio::jobs::Paths;
use kyma_studio::library::{Library, MoveMode};
use std::path::Path;

#[derive(Subcommand)]
pub enum LibraryAction {
    /// Check the database (SQLite's quick_check) and the clips on disk against it. Exit code 5
    /// when it needs `kyma library recover`.
    Check,
    /// Make a backup of the database now (kept in backups/ beside it; the newest 7 are kept).
    Backup,
    /// Recover a damaged library: the damaged database is moved to damaged/, the newest sound
    /// backup is restored, and every clip on disk is given back its record from its sidecar.
    /// Close the app first.
    Recover,
    /// Make DIR the library folder: new clips go there; the clips already made are moved there
    /// (copied, verified, then removed), or stay where they are with --leave.
    Move {
        dir: std::path::PathBuf,
        #[arg(long)]
        leave: bool,
    },
    /// Say whether the library folder is there (not: an unplugged drive, a renamed folder).
    /// Exit code 6 when it is not.
    Away,
    /// Point the records of library folder FROM, which is away, at TO, where it is now.
    Relink { from: std::path::PathBuf, to: std::path::PathBuf },
}

pub fn run(data_dir: &Path, action: &LibraryAction) -> Result<(), Fail> {
    let paths = Paths::new(data_dir);
    match action {
        LibraryAction::Move { dir, leave } => {
            let mode = if *leave { MoveMode::Leave } else { MoveMode::Move };
            let r = Library::open(data_dir)?.move_library(dir, mode, &mut |_, _| {})?;
            println!("The library folder is now {}: {} moved, {} left where they were.", r.new_dir, r.moved, r.left);
            match r.error {
                Some(e) => Err(Fail::new(1, format!("The move stopped early: {e}"))),
                None => Ok(()),
            }
        }
        LibraryAction::Away => match Library::open(data_dir)?.away()? {
            None => {
                println!("The library folder is there.");
                Ok(())
            }
            Some(f) => Err(Fail::new(
                6,
                format!(
                    "The library folder {} is not there ({} clip(s) recorded in it, {} waiting to download). Plug the drive in or put the folder back, or run `kyma library relink FROM TO`.",
                    f.folder, f.clips, f.waiting
                ),
            )),
        },
        LibraryAction::Relink { from, to } => {
            let r = Library::open(data_dir)?.relink(from, to)?;
            println!("{} record(s) now point at {}: {} of {} clip(s) found there.", r.records, r.to, r.found, r.clips);
            Ok(())
        }
        LibraryAction::Check => match recovery::check(&paths) {
            Health::Sound => {
                println!("The library at {} is sound.", data_dir.display());
                Ok(())
            }
            Health::Damaged(why) => Err(Fail::new(
                5,
                format!(
                    "The library database at {} is damaged ({why}). Run `kyma library recover` to restore it from its latest backup and rebuild it from the clips on disk.",
                    paths.db.display()
                ),
            )),
            Health::Newer(why) => Err(Fail::new(4, why)),
            Health::MissingClips(n) => Err(Fail::new(
                5,
                format!(
                    "{n} clip(s) in the library folder are missing from the library database. Run `kyma library recover` to add them back from the files beside them."
                ),
            )),
        },
        LibraryAction::Backup => {
            let path = recovery::backup(&paths.db, "manual")?;
            println!("{}", path.display());
            Ok(())
        }
        LibraryAction::Recover => {
            let r = recovery::recover(&paths)?;
            if let Some(moved) = &r.damaged_copy {
                println!("The damaged database was moved to {}.", moved.display());
            }
            match &r.backup {
                Some(b) => println!("Restored the backup {} ({} record(s)).", b.display(), r.from_backup),
                None if r.damaged_copy.is_some() => println!("No sound backup was found: the library was rebuilt from the clips."),
                None => {}
            }
            println!(
                "{} clip(s) added back and {} completed from the files beside them.",
                r.rebuilt, r.completed
            );
            Ok(())
        }
    }
}
