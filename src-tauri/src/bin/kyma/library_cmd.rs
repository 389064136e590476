//! `kyma library check | backup | recover`: the library's health, its backups, and its
//! recovery from a damaged database (see `jobs::recovery`).

use super::Fail;
use clap::Subcommand;
use kyma_studio::jobs::recovery::{self, Health};
use kyma_studio::jobs::Paths;
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
}

pub fn run(data_dir: &Path, action: &LibraryAction) -> Result<(), Fail> {
    let paths = Paths::new(data_dir);
    match action {
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
