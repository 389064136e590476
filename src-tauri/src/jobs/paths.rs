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

    /// Whether the library folder `root` (a record's, or the current one) is there to write in.
    /// The data folder always is (the database lives there). Another folder is only when its
    /// `clips/` folder is: an unplugged drive leaves an empty mount point, and a renamed folder
    /// nothing, and Kyma Studio never makes an empty library in their place.
    pub fn library_present(&self, root: &Path) -> bool {
        root == self.data_dir || root.join("clips").is_dir()
    }

    /// The library folder holding generation `g`'s files.
    /// The clips' download locks (one process downloads a clip at a time), beside the database:
    /// every process sharing the library shares it, and the library folder stays clips only.
    pub fn locks(&self) -> PathBuf {
        self.data_dir.join("locks")
    }

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

    /// Where generation `g` keeps its end frame, when it has one as a file.
    pub fn end_image_path(&self, g: &Generation) -> Option<PathBuf> {
        g.shot.end_image_file.as_ref().map(|f| self.media_root(g).join("start-images").join(f))
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
    clip_name(&g.created_at, &g.model, g.id)
}

/// The name is a valid file name on Linux, macOS and Windows for any input: only ASCII letters,
/// digits, `-`, `.` and `_`; it starts with the date (or `_`), so it is never a Windows device
/// name (`CON`, `NUL.mp4`) nor hidden; it ends in `.mp4`, never in a dot or a space; at most 70
/// characters. The id makes it unique, also on the case-insensitive file systems of macOS and
/// Windows (the model part is lowercased).
fn clip_name(created_at: &str, model: &str, id: i64) -> String {
    let date: String = created_at.chars().take(10).filter(|c| c.is_ascii_digit() || *c == '-').collect();
    let model: String = model
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c.to_ascii_lowercase() } else { '_' })
        .take(40)
        .collect();
    let model = model.trim_start_matches('.');
    format!("{date}_{model}_{:06}.mp4", id)
}

/// `KYMA_STUDIO_DATA_DIR`, else the OS's folder for this user's app data on this computer (the
/// same one the desktop app uses): `~/.local/share/com.kyma.studio` (or `$XDG_DATA_HOME`) on
/// Linux, `~/Library/Application Support/com.kyma.studio` on macOS, and
/// `%LOCALAPPDATA%\com.kyma.studio` on Windows — the local folder, not the roaming one
/// (`%APPDATA%`), which Windows copies to the server at every sign-in and sign-out on networks with
/// roaming profiles: no place for a library of videos. (Linux and macOS have one folder for both.)
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("KYMA_STUDIO_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    directories::BaseDirs::new()
        .map(|b| b.data_local_dir().join(APP_FOLDER))
        .unwrap_or_else(|| PathBuf::from(".kyma-studio"))
}

/// The app's folder in the OS's data folder: its identifier (tauri.conf.json), as Tauri's own
/// folders (logs, window state, the webview's data) are named.
pub const APP_FOLDER: &str = "com.kyma.studio";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ospath::{name_problem, Platform};

    #[test]
    fn clip_names_are_valid_on_every_platform_whatever_the_server_says() {
        let models = [
            "kling-3-pro",
            "CON",
            "nul",
            "com1",
            "..\\..\\Windows\\System32\\x",
            "../../etc/passwd",
            "a:b|c?d*e<f>g\"h",
            "trailing. ",
            "...",
            "",
            "日本語モデル",
            "tab\tnew\nline\0nul",
            &"x".repeat(300),
        ];
        for created_at in ["2026-11-25T10:00:00Z", "", "CON", "../..", "２０２６-11-25"] {
            for model in models {
                let name = clip_name(created_at, model, 42);
                for platform in [Platform::Linux, Platform::MacOs, Platform::Windows] {
                    assert_eq!(name_problem(&name, platform), None, "{name:?} on {platform:?}");
                }
                assert!(name.ends_with("_000042.mp4") && name.len() <= 70, "{name}");
                assert!(!name.starts_with('.'), "{name} would be hidden");
                assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)), "{name}");
            }
        }
        assert_eq!(clip_name("2026-11-25T10:00:00Z", "Kling-3-Pro", 42), "2026-11-25_kling-3-pro_000042.mp4");
        assert_eq!(clip_name("2026-11-25T10:00:00Z", "CON", 7), "2026-11-25_con_000007.mp4");
    }

    #[test]
    fn clip_names_differ_by_id_even_where_case_does_not_count() {
        let a = clip_name("2026-11-25", "Kling", 1);
        let b = clip_name("2026-11-25", "kling", 2);
        assert_ne!(a.to_lowercase(), b.to_lowercase());
        assert_eq!(clip_name("2026-11-25", "KLING", 3).to_lowercase(), clip_name("2026-11-25", "kling", 3));
    }

    #[test]
    fn the_data_folder_is_the_override_or_the_local_app_data_folder() {
        // The override is what every test and the CLI's --data-dir rely on; read without it,
        // the folder is the local (never roaming) one, named by the app's identifier.
        let local = directories::BaseDirs::new().unwrap().data_local_dir().join(APP_FOLDER);
        match std::env::var_os("KYMA_STUDIO_DATA_DIR").filter(|d| !d.is_empty()) {
            Some(d) => assert_eq!(default_data_dir(), PathBuf::from(d)),
            None => assert_eq!(default_data_dir(), local),
        }
        let config: serde_json::Value = serde_json::from_str(include_str!("../../../tauri.conf.json")).unwrap();
        assert_eq!(config["identifier"], APP_FOLDER, "the folder is named as Tauri names the app's own");
    }
}
