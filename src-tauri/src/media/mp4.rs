//! A structural check of a downloaded clip: the top-level MP4 boxes must start with `ftyp`,
//! include `moov` and `mdat`, and add up to the file's exact length. Reads box headers only.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Why a file is not a whole MP4. The text is shown inside a download error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotMp4(pub String);

pub fn check_mp4(path: &Path) -> Result<(), NotMp4> {
    let mut f = File::open(path).map_err(|e| NotMp4(format!("cannot open it: {e}")))?;
    let len = f.metadata().map_err(|e| NotMp4(e.to_string()))?.len();
    check_boxes(&mut f, len)
}

fn check_boxes<R: Read + Seek>(r: &mut R, len: u64) -> Result<(), NotMp4> {
    if len < 8 {
        return Err(NotMp4(format!("it is only {len} bytes")));
    }
    let (mut pos, mut first, mut moov, mut mdat) = (0u64, true, false, false);
    while pos < len {
        r.seek(SeekFrom::Start(pos)).map_err(|e| NotMp4(e.to_string()))?;
        let mut head = [0u8; 8];
        r.read_exact(&mut head).map_err(|_| NotMp4(format!("a box header at byte {pos} is cut off")))?;
        let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let kind = [head[4], head[5], head[6], head[7]];
        if !kind.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
            return Err(NotMp4(format!("byte {pos} does not start an MP4 box")));
        }
        let size = match size32 {
            0 => len - pos,
            1 => {
                let mut big = [0u8; 8];
                r.read_exact(&mut big).map_err(|_| NotMp4("a large box header is cut off".into()))?;
                u64::from_be_bytes(big)
            }
            n => u64::from(n),
        };
        if size < 8 || pos.checked_add(size).is_none_or(|end| end > len) {
            return Err(NotMp4(format!(
                "the `{}` box at byte {pos} claims {size} bytes but the file ends at {len}",
                String::from_utf8_lossy(&kind)
            )));
        }
        if first && &kind != b"ftyp" {
            return Err(NotMp4("it does not start with an `ftyp` box".into()));
        }
        first = false;
        moov |= &kind == b"moov";
        mdat |= &kind == b"mdat";
        pos += size;
    }
    match (moov, mdat) {
        (true, true) => Ok(()),
        (false, _) => Err(NotMp4("it has no `moov` box (the index of the clip)".into())),
        (_, false) => Err(NotMp4("it has no `mdat` box (the clip's media data)".into())),
    }
}

/// Width × height of the clip's video track (from `moov/trak/tkhd`, the track whose handler is
/// `vide`), for the player's details. Reads the top-level headers and the `moov` box only.
pub fn video_size(path: &Path) -> Result<(u32, u32), NotMp4> {
    let moov = read_moov(path)?;
    let size = children(&moov).filter(|(k, _)| k == b"trak").find_map(|(_, trak)| video_track_size(trak));
    size.ok_or_else(|| NotMp4("it has no video track".into()))
}

/// The clip's length in milliseconds, from `moov/mvhd` (for the live smoke test's probe).
pub fn duration_ms(path: &Path) -> Result<u64, NotMp4> {
    let moov = read_moov(path)?;
    let mvhd = children(&moov)
        .find(|(k, _)| k == b"mvhd")
        .map(|(_, b)| b)
        .ok_or_else(|| NotMp4("it has no `mvhd` box".into()))?;
    let (scale_at, long) = if mvhd.first() == Some(&1) { (20, true) } else { (12, false) };
    let read =
        |at: usize, n: usize| mvhd.get(at..at + n).map(|b| b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)));
    let scale = read(scale_at, 4).filter(|s| *s > 0).ok_or_else(|| NotMp4("its time scale is missing".into()))?;
    let duration =
        read(scale_at + 4, if long { 8 } else { 4 }).ok_or_else(|| NotMp4("its duration is cut off".into()))?;
    Ok(duration.saturating_mul(1000) / scale)
}

/// The payload of the top-level `moov` box.
fn read_moov(path: &Path) -> Result<Vec<u8>, NotMp4> {
    let mut f = File::open(path).map_err(|e| NotMp4(format!("cannot open it: {e}")))?;
    let len = f.metadata().map_err(|e| NotMp4(e.to_string()))?.len();
    let mut pos = 0u64;
    while pos + 8 <= len {
        f.seek(SeekFrom::Start(pos)).map_err(|e| NotMp4(e.to_string()))?;
        let mut head = [0u8; 8];
        f.read_exact(&mut head).map_err(|e| NotMp4(e.to_string()))?;
        let size = match u32::from_be_bytes([head[0], head[1], head[2], head[3]]) {
            0 => len - pos,
            1 => {
                let mut big = [0u8; 8];
                f.read_exact(&mut big).map_err(|e| NotMp4(e.to_string()))?;
                u64::from_be_bytes(big)
            }
            n => u64::from(n),
        };
        if size < 8 {
            break;
        }
        if &head[4..8] == b"moov" {
            if size > 64 << 20 {
                return Err(NotMp4("its index is implausibly large".into()));
            }
            let mut moov = vec![0u8; (size - 8) as usize];
            f.read_exact(&mut moov).map_err(|_| NotMp4("its index is cut off".into()))?;
            return Ok(moov);
        }
        pos = pos.saturating_add(size);
    }
    Err(NotMp4("it has no `moov` box (the index of the clip)".into()))
}

/// The boxes directly inside `data`: (type, payload).
fn children(data: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let head = data.get(pos..pos + 8)?;
        let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = [head[4], head[5], head[6], head[7]];
        let body = data.get(pos + 8..pos.checked_add(size)?)?;
        if size < 8 {
            return None;
        }
        pos += size;
        Some((kind, body))
    })
}

fn video_track_size(trak: &[u8]) -> Option<(u32, u32)> {
    let mdia = children(trak).find(|(k, _)| k == b"mdia")?.1;
    let hdlr = children(mdia).find(|(k, _)| k == b"hdlr")?.1;
    if hdlr.get(8..12)? != b"vide" {
        return None;
    }
    let tkhd = children(trak).find(|(k, _)| k == b"tkhd")?.1;
    let at = if tkhd.first()? == &1 { 88 } else { 76 };
    let w = u32::from_be_bytes(tkhd.get(at..at + 4)?.try_into().ok()?) >> 16;
    let h = u32::from_be_bytes(tkhd.get(at + 4..at + 8)?.try_into().ok()?) >> 16;
    (w > 0 && h > 0).then_some((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn bx(kind: &[u8; 4], body: usize) -> Vec<u8> {
        let mut v = ((body + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend(std::iter::repeat_n(0u8, body));
        v
    }

    fn check(v: &[u8]) -> Result<(), NotMp4> {
        check_boxes(&mut Cursor::new(v), v.len() as u64)
    }

    #[test]
    fn whole_file_passes() {
        let v = [bx(b"ftyp", 16), bx(b"moov", 100), bx(b"mdat", 1000)].concat();
        assert_eq!(check(&v), Ok(()));
    }

    #[test]
    fn truncated_or_foreign_files_fail() {
        let v = [bx(b"ftyp", 16), bx(b"moov", 100), bx(b"mdat", 1000)].concat();
        assert!(check(&v[..v.len() - 1]).unwrap_err().0.contains("claims"));
        assert!(check(&[bx(b"ftyp", 16), bx(b"mdat", 10)].concat()).unwrap_err().0.contains("moov"));
        assert!(check(b"<html><body>Access denied</body></html>").is_err());
        assert!(check(&[bx(b"moov", 16), bx(b"mdat", 10)].concat()).unwrap_err().0.contains("ftyp"));
        assert!(check(&[]).is_err());
    }

    #[test]
    fn video_size_of_a_real_clip() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("c.mp4");
        let ok = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-f", "lavfi", "-i", "testsrc=duration=0.2:size=96x160:rate=10", "-f", "lavfi"])
            .args(["-i", "sine=duration=0.2", "-shortest", "-pix_fmt", "yuv420p"])
            .arg(&out)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "ffmpeg (installed by scripts/install-deps.sh) could not make a test clip");
        assert_eq!(video_size(&out), Ok((96, 160)));
        std::fs::write(dir.path().join("x.mp4"), [bx(b"ftyp", 16), bx(b"moov", 16)].concat()).unwrap();
        assert!(video_size(&dir.path().join("x.mp4")).unwrap_err().0.contains("no video track"));
    }
}
