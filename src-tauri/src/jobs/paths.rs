//! Where a library's files live: the data folder (database, catalog, poster cache), the library
//! folder (clips, start images), and the safe names clips are saved under.

use super::store::Generation;
use std::path::{Path, PathBuf};

/// Where things live. The app's data folder holds the database, the catalog and the thumbnail
/// cache; the library folder (by default the same folder) holds `clips/` and `start-images/`.
/// Each generation records its own library folder, so clips left behind by a folder change
/// keep working where they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub db: PathBuf,
    /// The current library folder: new clips and start images go under it.
    pub library: PathBuf,
    pub clips: PathBuf,
    pub start_images: PathBuf,
    pub thumbs: PathBuf,
    pub catalog: PathBuf,
}

impl Paths {
    pub fn new(data_dir: &Path) -> Paths {
        Paths::with_library(data_dir, data_dir)
    }

    pub fn with_library(data_dir: &Path, library: &Path) -> Paths {
        Paths {
            data_dir: data_dir.to_path_buf(),
            db: data_dir.join("library.sqlite3"),
            library: library.to_path_buf(),
            clips: library.join("clips"),
            start_images: library.join("start-images"),
            thumbs: data_dir.join("thumbs"),
            catalog: data_dir.join("catalog.json"),
        }
    }

    /// What a new generation records as its library folder (None: the data folder).
    pub fn row_media_dir(&self) -> Option<String> {
        (self.library != self.data_dir).then(|| self.library.display().to_string())
    }

    /// The library folder holding generation `g`'s files.
    pub fn media_root(&self, g: &Generation) -> PathBuf {
        self.media_root_of(g.media_dir.as_deref())
    }

    /// The library folder a record's `media_dir` names (None: the data folder).
    pub fn media_root_of(&self, media_dir: Option<&str>) -> PathBuf {
        media_dir.map(PathBuf::from).unwrap_or_else(|| self.data_dir.clone())
    }

    pub fn clip_path(&self, g: &Generation) -> Option<PathBuf> {
        g.clip_file.as_ref().map(|f| self.clip_path_of(g.media_dir.as_deref(), f))
    }

    /// Where a record with this `media_dir` keeps the clip named `clip_file`.
    pub fn clip_path_of(&self, media_dir: Option<&str>, clip_file: &str) -> PathBuf {
        self.media_root_of(media_dir).join("clips").join(clip_file)
    }

    pub fn start_image_path(&self, g: &Generation) -> Option<PathBuf> {
        g.image_file.as_ref().map(|f| self.media_root(g).join("start-images").join(f))
    }

    /// The cached poster of generation `id` (made once, remade when missing or broken).
    pub fn thumb_path(&self, id: i64) -> PathBuf {
        self.thumbs.join(format!("{id}.jpg"))
    }
}

/// `2026-11-25_kling-3-pro_000042.mp4`: only safe characters, whatever the server said.
pub fn clip_file_name(g: &Generation) -> String {
    let date: String = g.created_at.chars().take(10).filter(|c| c.is_ascii_digit() || *c == '-').collect();
    let model: String = g
        .model
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c.to_ascii_lowercase() } else { '_' })
        .take(40)
        .collect();
    let model = model.trim_start_matches('.');
    format!("{date}_{model}_{:06}.mp4", g.id)
}

/// `KYMA_STUDIO_DATA_DIR`, else the OS's app data folder (the same one the desktop app uses).
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("KYMA_STUDIO_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    directories::BaseDirs::new()
        .map(|b| b.data_dir().join("com.kyma.studio"))
        .unwrap_or_else(|| PathBuf::from(".kyma-studio"))
}
