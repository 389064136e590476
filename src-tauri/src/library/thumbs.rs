//! Gallery posters: one small JPEG per generation, cached in the data folder's thumbs/. Made here
//! from the start image when there is one; otherwise the webview draws the clip's first frame
//! and hands the JPEG back through `put_thumb`, which checks it before keeping it.

use super::files::row;
use super::{Error, Library};
use crate::jobs::ImageKind;
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// The longest side of posters made from start images.
pub const THUMB_SIDE: u32 = 320;
/// Posters larger than this are refused (and cached ones deleted as broken).
pub const MAX_THUMB_BYTES: usize = 2 * 1024 * 1024;
/// Smallest and largest accepted side of a poster from the webview, in pixels.
pub const THUMB_SIDES: std::ops::RangeInclusive<u32> = 16..=1024;

impl Library {
    /// The poster of generation `id`: the cached one if it is a whole JPEG (a broken one is
    /// deleted), else one made now from the start image of an image-to-video generation.
    /// `None` when there is nothing to make it from: the webview then draws the clip's first
    /// frame and calls `put_thumb`.
    pub fn thumb(&self, id: i64) -> Result<Option<PathBuf>, Error> {
        let paths = self.paths();
        let path = paths.thumb_path(id);
        if path.exists() {
            if looks_whole(&path) {
                return Ok(Some(path));
            }
            std::fs::remove_file(&path).map_err(|e| Error::io("remove a broken poster", &path, e))?;
        }
        let g = row(&self.store(), id)?;
        let Some(start) = paths.start_image_path(&g).filter(|_| g.image_kind == ImageKind::File) else {
            return Ok(None);
        };
        let Ok(jpeg) = std::fs::read(&start) else {
            return Ok(None);
        };
        let small = match crate::media::thumbnail_jpeg(&jpeg, THUMB_SIDE) {
            Ok(small) => small,
            Err(e) => {
                // A damaged start image leaves the poster to the webview; the gallery still works.
                log::warn!("generation {id}: no poster from {}: {e}", start.display());
                return Ok(None);
            }
        };
        crate::fsutil::write_atomic(&path, &small).map_err(|e| poster_not_saved(&path, e))?;
        Ok(Some(path))
    }

    /// Keeps the poster the webview drew for generation `id`. It must be a JPEG that decodes,
    /// at most 2 MB, each side between 16 and 1024 pixels.
    pub fn put_thumb(&self, id: i64, jpeg: &[u8]) -> Result<(), Error> {
        row(&self.store(), id)?;
        check_thumb(jpeg)?;
        let path = self.paths().thumb_path(id);
        crate::fsutil::write_atomic(&path, jpeg).map_err(|e| poster_not_saved(&path, e))
    }
}

/// A poster that could not be written. On a full disk the clip stays as it is, without a poster
/// until there is room (the gallery asks again when it next shows the clip).
fn poster_not_saved(path: &Path, e: std::io::Error) -> Error {
    if crate::diskspace::is_disk_full(&e) {
        let folder = path.parent().unwrap_or(path);
        return Error::DiskFull(crate::diskspace::full(folder, 0, crate::diskspace::Then::Later));
    }
    Error::io("save the poster", path, e)
}

/// A cheap look at a cached poster: a JPEG start and end marker, and a sane size.
fn looks_whole(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if meta.len() <= 100 || meta.len() >= MAX_THUMB_BYTES as u64 {
        return false;
    }
    std::fs::read(path).is_ok_and(|b| has_jpeg_markers(&b))
}

fn has_jpeg_markers(b: &[u8]) -> bool {
    b.starts_with(&[0xFF, 0xD8]) && b.ends_with(&[0xFF, 0xD9])
}

fn check_thumb(jpeg: &[u8]) -> Result<(), Error> {
    if jpeg.len() > MAX_THUMB_BYTES {
        return Err(Error::BadThumb(format!(
            "it is {} KB, more than the {} KB a poster may be",
            jpeg.len() / 1024,
            MAX_THUMB_BYTES / 1024
        )));
    }
    // The same test `thumb` applies to the cache, so a kept poster is never thrown away later.
    if jpeg.len() <= 100 || !has_jpeg_markers(jpeg) {
        return Err(Error::BadThumb("the bytes are not a whole JPEG image".into()));
    }
    let reader = image::ImageReader::with_format(Cursor::new(jpeg), image::ImageFormat::Jpeg);
    // The size from the header first, so a huge claimed image is refused before decoding it.
    let (w, h) = reader.into_dimensions().map_err(|e| Error::BadThumb(format!("its header cannot be read ({e})")))?;
    if !THUMB_SIDES.contains(&w) || !THUMB_SIDES.contains(&h) {
        return Err(Error::BadThumb(format!(
            "it is {w}×{h} pixels; each side must be between {} and {}",
            THUMB_SIDES.start(),
            THUMB_SIDES.end()
        )));
    }
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .map_err(|e| Error::BadThumb(format!("it does not decode ({e})")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::files::tests::clip_row;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]))
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
            .unwrap();
        out
    }

    #[test]
    fn put_thumb_keeps_real_jpegs_only() {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(dir.path()).unwrap();
        let (id, _) = clip_row(&lib, "t");
        assert_eq!(lib.thumb(id).unwrap(), None, "a text-to-video clip has no poster until the webview draws one");
        let good = jpeg(320, 180);
        lib.put_thumb(id, &good).unwrap();
        let kept = lib.thumb(id).unwrap().unwrap();
        assert_eq!(std::fs::read(kept).unwrap(), good);

        let mut png = Vec::new();
        image::RgbImage::new(64, 64).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        for bad in [png, b"garbage".repeat(40), jpeg(1600, 900), jpeg(8, 8), good[..good.len() / 2].to_vec()] {
            assert_eq!(lib.put_thumb(id, &bad).unwrap_err().kind(), "bad_thumbnail");
        }
        assert_eq!(lib.put_thumb(id, &vec![0xFF; MAX_THUMB_BYTES + 1]).unwrap_err().kind(), "bad_thumbnail");
        assert_eq!(lib.put_thumb(4242, &good).unwrap_err().kind(), "not_found");
    }

    #[test]
    fn broken_cached_posters_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(dir.path()).unwrap();
        let (id, _) = clip_row(&lib, "u");
        let good = jpeg(320, 180);
        let path = lib.paths().thumb_path(id);
        crate::fsutil::write_atomic(&path, &good[..good.len() - 10]).unwrap();
        assert_eq!(lib.thumb(id).unwrap(), None);
        assert!(!path.exists());
    }
}
