//! A real small file system for the disk-full tests: a tmpfs of a few MB mounted on a temporary
//! folder, filled up and freed again with a real file, so the OS itself says `ENOSPC`.
//!
//! Linux only. As root (CI, this machine) the tmpfs is mounted directly. Otherwise the test runs
//! itself again inside a user and mount namespace (`unshare -Urm`), where the same user may mount
//! a tmpfs. macOS would use `hdiutil attach -nomount ram://` and `diskutil erasevolume`; Windows a
//! VHD from `diskpart`: neither can be run here, so these tests are Linux's.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Set in the copy of the test that runs inside `unshare -Urm`.
const IN_NAMESPACE: &str = "KYMA_TEST_IN_MOUNT_NAMESPACE";

/// Whether this process may mount here. If not, runs `test` again (this test binary, that test
/// only) inside a user and mount namespace, checks it passed, and returns false: the caller then
/// returns at once.
pub fn may_mount_or_rerun(test: &str) -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 || std::env::var_os(IN_NAMESPACE).is_some() {
        return true;
    }
    let exe = std::env::current_exe().unwrap();
    let status = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "--"])
        .arg(exe)
        .args(["--exact", test, "--nocapture", "--test-threads", "1"])
        .env(IN_NAMESPACE, "1")
        .status()
        .expect("unshare (util-linux) runs the disk test in its own mount namespace");
    assert!(status.success(), "{test} failed inside `unshare -Urm` (see above)");
    false
}

pub struct SmallDisk {
    pub root: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    /// A tmpfs of `mb` MB, empty.
    pub fn mount(mb: u64) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m,mode=0700"), "kyma-test-disk"])
            .arg(&root)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mounting a {mb} MB tmpfs at {}: {}",
            root.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk { root, _dir: dir }
    }

    pub fn free(&self) -> u64 {
        kyma_studio::diskspace::free_space(&self.root).unwrap()
    }

    /// Writes a filler file so that only `leave` bytes stay free (to the tmpfs's page).
    pub fn fill_leaving(&self, leave: u64) {
        let free = self.free();
        let take = free.saturating_sub(leave);
        let filler = self.filler();
        let f = std::fs::OpenOptions::new().create(true).append(true).open(&filler).unwrap();
        let start = f.metadata().unwrap().len();
        // A real write (tmpfs has no holes to cheat with): the pages are taken now.
        let chunk = vec![0x5Au8; 1 << 20];
        let mut left = take;
        let mut w = std::io::BufWriter::new(f);
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            if std::io::Write::write_all(&mut w, &chunk[..n]).is_err() {
                break;
            }
            left -= n as u64;
        }
        let _ = std::io::Write::flush(&mut w);
        eprintln!(
            "disk {}: filler {} → {} bytes, {} bytes free",
            self.root.display(),
            start,
            std::fs::metadata(&filler).unwrap().len(),
            self.free()
        );
    }

    /// Removes the filler: the space is back.
    pub fn free_up(&self) {
        std::fs::remove_file(self.filler()).unwrap();
    }

    fn filler(&self) -> PathBuf {
        self.root.join("filler.bin")
    }

    pub fn path(&self) -> &Path {
        &self.root
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: a process of the test may still hold a file open on it.
        let _ = Command::new("umount").arg("-l").arg(&self.root).status();
    }
}
