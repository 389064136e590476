//! Which files are pictures to offer: the file picker's filter, and a batch's files (a dropped
//! folder, or a folder named on the command line). Judged by extension here; the content is
//! checked when each picture is prepared.

use std::path::{Path, PathBuf};

/// The picture extensions the app opens (lower case); the picker spells them per OS.
pub const PICTURE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff"];

/// Whether a path's extension names a picture (any case: `IMG_0001.JPG`).
pub fn is_picture(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| PICTURE_EXTENSIONS.iter().any(|p| p.eq_ignore_ascii_case(e)))
}

/// The pictures among `paths`, with each folder replaced by the pictures directly inside it
/// (not below: a folder of folders is rarely meant whole), each folder's sorted by name; other
/// files are left out, hidden files (`.DS_Store`, `._IMG.jpg`) too. Unreadable folders give nothing.
pub fn pictures_in(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|f| f.is_file() && is_picture(f) && !is_hidden(f))
                .collect();
            inside.sort_by_cached_key(|p| natural_key(p));
            out.extend(inside);
        } else if is_picture(p) && !is_hidden(p) {
            out.push(p.clone());
        }
    }
    out
}

fn is_hidden(p: &Path) -> bool {
    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'))
}

/// Sorts `shot 2` before `shot 10`, case-insensitively: digits runs compare as numbers.
fn natural_key(p: &Path) -> Vec<(u8, u64, String)> {
    let name = p.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let mut key = Vec::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut digits = c.to_string();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                digits.push(d);
                chars.next();
            }
            key.push((0, digits.parse().unwrap_or(u64::MAX), String::new()));
        } else {
            key.push((1, 0, c.to_string()));
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_gives_its_pictures_in_natural_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["shot 10.png", "shot 2.JPG", "notes.txt", ".DS_Store", "._shot 1.jpg", "商品.webp", "a.tiff"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join("inner.png")).unwrap();
        std::fs::write(dir.path().join("inner.png").join("deep.png"), b"x").unwrap();
        let lone = dir.path().join("lone.jpeg");
        std::fs::write(&lone, b"x").unwrap();
        let got = pictures_in(&[dir.path().to_path_buf(), lone.clone(), dir.path().join("notes.txt")]);
        let names: Vec<String> = got.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, vec!["a.tiff", "lone.jpeg", "shot 2.JPG", "shot 10.png", "商品.webp", "lone.jpeg"]);
        assert!(pictures_in(&[dir.path().join("missing")]).is_empty());
    }
}
