//! The library as a collection: gallery queries with full-text search, filters and sorting,
//! favourites, the spend history, deleting with undo (to the OS trash), clips gone missing
//! (locate / forget), poster thumbnails, moving the library folder, a library folder away
//! (an unplugged drive: where it was expected, relinking it), and a synthetic library for
//! tests and benchmarks. The job engine writes generations; this module reads and curates them
//! through its own SQLite connection (WAL lets both work at once). Never imports tauri.

pub mod away;
pub mod error;
pub mod files;
pub mod query;
pub mod relocate;
pub mod seed;
pub mod spend;
pub mod thumbs;
pub mod types;

pub use error::Error;
pub use types::*;

use crate::jobs::{Generation, Paths, Store};
use parking_lot::{Mutex, MutexGuard, RwLock};
use std::path::PathBuf;

pub struct Library {
    store: Mutex<Store>,
    paths: RwLock<Paths>,
}

impl Library {
    /// Opens (and migrates) the library database in `data_dir`, with its current library folder.
    pub fn open(data_dir: &std::path::Path) -> Result<Library, Error> {
        let store = Store::open(&Paths::new(data_dir).db)?;
        let library = store.library_dir()?.unwrap_or_else(|| data_dir.to_path_buf());
        Ok(Library { store: Mutex::new(store), paths: RwLock::new(Paths::with_library(data_dir, &library)) })
    }

    /// The paths in force now (the library folder may change while the app runs).
    pub fn paths(&self) -> Paths {
        self.paths.read().clone()
    }

    pub(crate) fn set_paths(&self, p: Paths) {
        *self.paths.write() = p;
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock()
    }

    /// One generation's full record.
    pub fn get(&self, id: i64) -> Result<Generation, Error> {
        match self.store().get(id) {
            Err(crate::jobs::Error::NoSuchGeneration(id)) => Err(Error::NoSuchGeneration(id)),
            other => Ok(other?),
        }
    }

    /// Where generation `id`'s clip is (or should be).
    pub fn clip_path(&self, g: &Generation) -> Option<PathBuf> {
        self.paths().clip_path(g)
    }
}
