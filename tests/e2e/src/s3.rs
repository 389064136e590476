//! A real S3-compatible server for the window test's image hosting: s3s-fs on a free loopback
//! port with its own folder (one folder per bucket), stopped when dropped. It checks SigV4
//! signatures and link expiry, so a wrong or missing secret is refused as by a real bucket.

use crate::procs::{self, Guard};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub struct S3Server {
    _guard: Guard,
    pub port: u16,
    pub root: tempfile::TempDir,
}

impl S3Server {
    /// Starts s3s-fs (`S3S_FS`, PATH or ~/.cargo/bin; scripts/install-deps.sh installs it) with
    /// one empty bucket. Panics (test set-up) when it is missing or does not listen.
    #[allow(clippy::expect_used)]
    pub fn start(access_key: &str, secret: &str, bucket: &str) -> S3Server {
        let binary = std::env::var_os("S3S_FS")
            .map(PathBuf::from)
            .or_else(|| procs::program("s3s-fs"))
            .expect("s3s-fs is not installed: scripts/install-deps.sh installs it");
        let root = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir_all(root.path().join("data").join(bucket)).expect("the bucket folder");
        let log = std::fs::File::create(root.path().join("s3s-fs.log")).expect("a log file");
        let port = procs::free_port();
        let mut command = Command::new(binary);
        command
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--access-key", access_key])
            .args(["--secret-key", secret])
            .arg(root.path().join("data"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log"))
            .stderr(log);
        let guard = Guard::spawn("s3s-fs", command).expect("s3s-fs starts");
        procs::wait(Duration::from_secs(15), || std::net::TcpStream::connect(("127.0.0.1", port)).ok())
            .expect("s3s-fs listens");
        S3Server { _guard: guard, port, root }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The objects stored in `bucket`: (key, bytes), as s3s-fs keeps them on disk.
    pub fn objects(&self, bucket: &str) -> Vec<(String, Vec<u8>)> {
        let dir = self.root.path().join("data").join(bucket);
        crate::files_under(&dir)
            .into_iter()
            .filter(|path| !is_metadata(path))
            .map(|path| {
                let key = path.strip_prefix(&dir).map(|k| k.display().to_string()).unwrap_or_default();
                (key, std::fs::read(&path).unwrap_or_default())
            })
            .collect()
    }
}

/// s3s-fs keeps an object's metadata beside it in dot-files; those are not objects.
fn is_metadata(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'))
}
