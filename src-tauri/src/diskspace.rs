//! A full disk, said as a person can act on it: which folder's disk, how much is free and how
//! much more is needed. Used where the core writes clips, posters, start images and the database.
//!
//! Free space is what this user may still write (quota and root's reserve left out):
//! - Linux and macOS: `statvfs`, `f_bavail × f_frsize`.
//! - Windows: `GetDiskFreeSpaceExW`, its "free bytes available to the caller".
//!
//! A write that fails for lack of room is told apart by the OS's own error: `ENOSPC`/`EDQUOT` on
//! Linux and macOS, `ERROR_DISK_FULL`/`ERROR_HANDLE_DISK_FULL` on Windows (Rust's `StorageFull`
//! and `QuotaExceeded`), and SQLite's `SQLITE_FULL` for the database.

use std::io;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Room kept free beside every new job for the database, its journal and the clip's poster.
pub const RESERVE_BYTES: u64 = 16_000_000;
/// What a second of Kyma footage weighs on disk, at most, as the submit check counts it (the
/// 1080p clips Kyma serves run 0.5–1.5 MB per second).
pub const CLIP_BYTES_PER_S: u64 = 2_000_000;

/// The disk holding `folder` has no room for what was being written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("The disk holding {} is full: {} free{}. Free some space there{}.", folder.display(), free_text(*free), need_text(*needed), then.as_str())]
pub struct DiskFull {
    pub folder: PathBuf,
    pub free: u64,
    /// More bytes the write needed (0 when not known).
    pub needed: u64,
    pub then: Then,
}

/// What happens once there is room, the end of the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// A paid clip's download: kept, and resumed from where it stopped.
    Resume,
    /// A refused submit: nothing was sent or charged.
    TryAgain,
    /// A poster: made again when the gallery next shows the clip.
    Later,
    /// Moving the library to another folder: it stopped, every clip whole in one folder or the other.
    MoveStopped,
}

impl Then {
    fn as_str(self) -> &'static str {
        match self {
            Then::Resume => "; the paid download is kept and resumes where it stopped",
            Then::TryAgain => " and try again; nothing was sent or charged",
            Then::Later => "; the poster is made once there is room",
            Then::MoveStopped => {
                " and move the library again; the move stopped here, and every clip is whole in one folder or the other"
            }
        }
    }
}

fn need_text(needed: u64) -> String {
    if needed == 0 {
        String::new()
    } else {
        format!(", about {} more is needed", size_text(needed))
    }
}

/// "5.0 GB", "812 MB", "300 KB": sizes as a person reads them (decimal units, as file managers
/// show them). MB and GB round up (a need is never understated); below 1 MB, whole KB.
pub fn size_text(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        format!("{:.1} GB", bytes as f64 / 1e9)
    } else if bytes >= 1_000_000 {
        format!("{} MB", bytes.div_ceil(1_000_000))
    } else {
        format!("{} KB", bytes.div_ceil(1_000))
    }
}

/// Free space as [`size_text`] says it, but rounded down: what is free is never overstated.
fn free_text(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        format!("{:.1} GB", (bytes / 100_000_000) as f64 / 10.0)
    } else if bytes >= 1_000_000 {
        format!("{} MB", bytes / 1_000_000)
    } else {
        format!("{} KB", bytes / 1_000)
    }
}

/// Whether an I/O error means the disk (or the user's quota) is full.
pub fn is_disk_full(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded)
}

/// Whether a database error means the disk is full (`SQLITE_FULL`, or the OS's own error).
pub fn is_db_full(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull)
}

/// The nearest folder of `path` that exists (a library's clips/ folder may not yet).
fn existing(path: &Path) -> &Path {
    let mut p = path;
    while !p.exists() {
        match p.parent() {
            Some(up) if !up.as_os_str().is_empty() => p = up,
            _ => break,
        }
    }
    p
}

/// Bytes this user may still write on the disk holding `path` (or its nearest existing folder).
pub fn free_space(path: &Path) -> io::Result<u64> {
    let at = existing(path);
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(at.as_os_str().as_bytes()).map_err(io::Error::other)?;
        let mut st = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
        // SAFETY: `c` is a valid NUL-terminated path and `st` is a properly sized out buffer.
        let rc = unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: statvfs returned 0, so it filled `st`.
        let st = unsafe { st.assume_init() };
        #[allow(clippy::unnecessary_cast)] // the fields' widths differ between Linux and macOS
        Ok((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
    }
    #[cfg(windows)]
    {
        use std::os::windows::ffi::OsStrExt;
        let wide: Vec<u16> = at.as_os_str().encode_wide().chain(std::iter::once(0)).collect();
        let mut free: u64 = 0;
        // SAFETY: `wide` is NUL-terminated; the two totals we do not want may be null.
        let ok = unsafe {
            windows_sys::Win32::Storage::FileSystem::GetDiskFreeSpaceExW(
                wide.as_ptr(),
                &mut free,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(free)
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = at;
        Ok(u64::MAX)
    }
}

/// The disk-full report for a write under `folder` that needed `needed` more bytes.
pub fn full(folder: &Path, needed: u64, then: Then) -> DiskFull {
    DiskFull { folder: folder.to_path_buf(), free: free_space(folder).unwrap_or(0), needed, then }
}

/// Refuses when the disk holding `folder` has less than `needed` bytes free. A disk whose free
/// space cannot be read is not refused (the write itself then says what is wrong).
pub fn check_room(folder: &Path, needed: u64, then: Then) -> Result<(), DiskFull> {
    match free_space(folder) {
        Ok(free) if free < needed => Err(DiskFull { folder: folder.to_path_buf(), free, needed: needed - free, then }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_a_person_reads_them() {
        assert_eq!(size_text(0), "0 KB");
        assert_eq!(size_text(300_001), "301 KB");
        assert_eq!(size_text(1_000_000), "1 MB");
        assert_eq!(size_text(12_300_000), "13 MB");
        assert_eq!(size_text(5_000_000_000), "5.0 GB");
        // Free space rounds down, a need up: 25.2 MB free of a 26 MB need is not "26 MB free".
        assert_eq!(free_text(25_165_824), "25 MB");
        assert_eq!(free_text(999), "0 KB");
        assert_eq!(free_text(5_099_000_000), "5.0 GB");
    }

    #[test]
    fn the_sentence_names_the_folder_the_free_space_and_the_need() {
        let e =
            DiskFull { folder: "/media/ext/Kyma/clips".into(), free: 2_400_000, needed: 6_000_000, then: Then::Resume };
        assert_eq!(
            e.to_string(),
            "The disk holding /media/ext/Kyma/clips is full: 2 MB free, about 6 MB more is needed. \
             Free some space there; the paid download is kept and resumes where it stopped."
        );
        let e = DiskFull { needed: 0, then: Then::Later, ..e };
        assert!(e.to_string().ends_with("2 MB free. Free some space there; the poster is made once there is room."));
    }

    #[test]
    fn free_space_is_read_from_the_nearest_existing_folder() {
        let dir = tempfile::tempdir().unwrap();
        let here = free_space(dir.path()).unwrap();
        assert!(here > 0);
        let later = dir.path().join("not/yet/made");
        assert!(free_space(&later).unwrap() > 0);
        assert!(check_room(dir.path(), 1, Then::TryAgain).is_ok());
        let e = check_room(dir.path(), u64::MAX, Then::TryAgain).unwrap_err();
        assert_eq!(e.folder, dir.path());
        assert!(e.needed > 0);
    }

    #[test]
    fn the_os_errors_for_a_full_disk_are_recognised() {
        // ENOSPC and EDQUOT on Linux; ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL on Windows.
        #[cfg(target_os = "linux")]
        for code in [28, 122] {
            assert!(is_disk_full(&io::Error::from_raw_os_error(code)), "{code}");
        }
        #[cfg(windows)]
        for code in [112, 39] {
            assert!(is_disk_full(&io::Error::from_raw_os_error(code)), "{code}");
        }
        assert!(!is_disk_full(&io::Error::from(io::ErrorKind::NotFound)));
    }
}
