//! Small durable-file helpers shared by the core: write-then-rename and directory fsync, so a
//! crash leaves either the old file or the new one, never half of one.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a sibling temp file, fsynced, renamed over, dir fsynced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    // A write that failed half way (a full disk) leaves no temp file behind.
    if let Err(e) = written.and_then(|()| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(dir)
}

/// Makes a rename or create in `dir` durable, so that a record written after it (in SQLite,
/// which flushes its own files) can never name a file that a power cut takes back.
///
/// - Linux and macOS: `fsync` of the directory. (On macOS `fsync` reaches the drive's cache, not
///   its platters; SQLite's own files get the same.)
/// - Windows: a directory opens only with `FILE_FLAG_BACKUP_SEMANTICS`, and `FlushFileBuffers`
///   wants write access; NTFS then commits its journal, the rename included. File systems that
///   cannot flush a directory (FAT, exFAT, network shares) refuse, and that refusal is not an
///   error: the rename has happened and the OS writes it in its own time, as SQLite assumes
///   there too. Any other failure (the folder is gone) is an error, as elsewhere.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        let flushed = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(windows_sys::Win32::Storage::FileSystem::FILE_FLAG_BACKUP_SEMANTICS)
            .open(dir)
            .and_then(|d| d.sync_all());
        match flushed {
            Err(e) if windows_dir_flush_unsupported(e.raw_os_error()) => Ok(()),
            other => other,
        }
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Whether a Windows error from opening or flushing a directory only says that this file system
/// cannot flush directories (`ERROR_INVALID_FUNCTION` 1, `ERROR_ACCESS_DENIED` 5,
/// `ERROR_NOT_SUPPORTED` 50, `ERROR_INVALID_PARAMETER` 87), as opposed to the folder being
/// missing or the disk failing. Plain numbers so the rule is tested on every OS.
#[cfg_attr(not(windows), allow(dead_code))]
fn windows_dir_flush_unsupported(code: Option<i32>) -> bool {
    matches!(code, Some(1 | 5 | 50 | 87))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_replaces_the_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a b ü.json");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, [std::ffi::OsString::from("a b ü.json")], "no temp file left beside it");
    }

    #[test]
    fn sync_dir_flushes_a_folder_and_fails_for_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        sync_dir(dir.path()).unwrap();
        let gone = dir.path().join("gone");
        assert_eq!(sync_dir(&gone).unwrap_err().kind(), std::io::ErrorKind::NotFound);
    }

    #[test]
    fn on_windows_only_a_file_system_that_cannot_flush_folders_is_forgiven() {
        for unsupported in [1, 5, 50, 87] {
            assert!(windows_dir_flush_unsupported(Some(unsupported)), "{unsupported}");
        }
        // Not found (2), path not found (3), device not ready (21), disk full (112), I/O (1117).
        for real in [2, 3, 21, 112, 1117] {
            assert!(!windows_dir_flush_unsupported(Some(real)), "{real}");
        }
        assert!(!windows_dir_flush_unsupported(None));
    }
}
