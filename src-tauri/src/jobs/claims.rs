//! Who runs an open job now, across processes sharing one library (the app and `kyma resume`, or
//! two CLIs): a claim row per generation, with its holder and a lease (migration 0007).
//!
//! A process sends, polls or downloads a job only while it holds the job's claim; it renews all
//! its leases every third of a lease while it runs and gives them back when it stops. Each step
//! is one SQL statement, so two processes cannot both be granted the same claim.
//!
//! A killed process gives nothing back. Its claims are taken over as soon as it is known dead:
//! every engine holds an OS file lock on its own presence file (`locks/holder-<id>.lock`) while it
//! runs, and the OS drops that lock with the process (flock on Linux and macOS, LockFileEx on
//! Windows), so a presence file another process can lock belongs to a dead holder. Where that
//! cannot be told (a file system without locks), the lease decides: a claim not renewed lapses.
//!
//! Leases are wall-clock times (processes share no other clock). A clock that jumps forwards
//! makes leases lapse early: the other process may take a job over, and the holder finds out at
//! its next claim (a download in flight is also guarded by a file lock, see `owner.rs`). A clock
//! that jumps backwards would make a lease look longer than any lease is: a lease ending further
//! ahead than twice its length counts as lapsed, so a killed holder never blocks a job for a day.

use super::store::Store;
use super::Error;
use rusqlite::{params, OptionalExtension};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a claim holds without renewal.
pub const LEASE: Duration = Duration::from_secs(30);

/// This process's holder id: its pid (for people reading the table) and a random part (pids are
/// reused).
pub fn new_holder() -> String {
    format!("pid{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..12])
}

fn presence_path(locks: &Path, holder: &str) -> PathBuf {
    locks.join(format!("holder-{holder}.lock"))
}

/// This process's presence while its engine runs: its presence file, locked. Dropped, the file
/// goes (the lock with it).
pub struct Presence {
    file: File,
    path: PathBuf,
}

impl Presence {
    pub fn take(locks: &Path, holder: &str) -> Result<Presence, Error> {
        std::fs::create_dir_all(locks).map_err(|e| Error::io("create the locks folder", locks, e))?;
        let path = presence_path(locks, holder);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("create this process's presence file", &path, e))?;
        file.lock().map_err(|e| Error::io("lock this process's presence file", &path, e))?;
        Ok(Presence { file, path })
    }
}

impl Drop for Presence {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Whether `holder` is a process that is still running: its presence file exists and is locked.
/// A missing file, or one this process can lock, is a dead holder's (its file is removed here).
/// When the lock cannot be tried, the holder counts as alive and its lease decides.
pub fn alive(locks: &Path, holder: &str) -> bool {
    let path = presence_path(locks, holder);
    let Ok(file) = OpenOptions::new().write(true).open(&path) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = std::fs::remove_file(&path);
            false
        }
        Err(TryLockError::WouldBlock) => true,
        Err(TryLockError::Error(e)) => {
            log::warn!("cannot tell whether {holder} still runs ({e}); its lease decides");
            true
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn ms(d: Duration) -> i64 {
    d.as_millis().min(i64::MAX as u128) as i64
}

/// A claim as the library holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub holder: String,
    pub lease_until_ms: i64,
}

impl Store {
    /// Claims generation `id` for `holder` for `lease` from now: granted when nobody holds it,
    /// `holder` already does (a renewal), or the holder's lease has lapsed (or ends implausibly far
    /// ahead: a clock turned back). Answers whether `holder` holds it now.
    pub fn claim(&self, id: i64, holder: &str, lease: Duration) -> Result<bool, Error> {
        let now = now_ms();
        let n = self.conn().execute(
            "INSERT INTO claims (generation_id, holder, lease_until_ms) VALUES (?1, ?2, ?3) \
             ON CONFLICT (generation_id) DO UPDATE SET holder = excluded.holder, lease_until_ms = excluded.lease_until_ms \
             WHERE claims.holder = excluded.holder OR claims.lease_until_ms <= ?4 OR claims.lease_until_ms > ?5",
            params![id, holder, now + ms(lease), now, now + 2 * ms(lease)],
        )?;
        Ok(n == 1)
    }

    /// Takes `id` over from `dead` (a holder known dead, see [`alive`]): granted only if `dead`
    /// still holds it, so of two processes taking over, one is.
    pub fn take_over(&self, id: i64, holder: &str, dead: &str, lease: Duration) -> Result<bool, Error> {
        let n = self.conn().execute(
            "UPDATE claims SET holder = ?1, lease_until_ms = ?2 WHERE generation_id = ?3 AND holder = ?4",
            params![holder, now_ms() + ms(lease), id, dead],
        )?;
        Ok(n == 1)
    }

    /// Renews every claim `holder` still holds; answers how many.
    pub fn renew_claims(&self, holder: &str, lease: Duration) -> Result<usize, Error> {
        Ok(self.conn().execute(
            "UPDATE claims SET lease_until_ms = ?1 WHERE holder = ?2",
            params![now_ms() + ms(lease), holder],
        )?)
    }

    /// Gives back `holder`'s claim on `id` (a finished job, or one left to another process).
    pub fn release_claim(&self, id: i64, holder: &str) -> Result<(), Error> {
        self.conn().execute("DELETE FROM claims WHERE generation_id = ?1 AND holder = ?2", params![id, holder])?;
        Ok(())
    }

    /// Gives back every claim of `holder` (the process is stopping).
    pub fn release_claims(&self, holder: &str) -> Result<usize, Error> {
        Ok(self.conn().execute("DELETE FROM claims WHERE holder = ?1", [holder])?)
    }

    /// Who holds `id`'s claim, and until when (lapsed or not).
    pub fn claim_of(&self, id: i64) -> Result<Option<Claim>, Error> {
        Ok(self
            .conn()
            .query_row("SELECT holder, lease_until_ms FROM claims WHERE generation_id = ?1", [id], |r| {
                Ok(Claim { holder: r.get(0)?, lease_until_ms: r.get(1)? })
            })
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("library.db")).unwrap();
        (dir, s)
    }

    #[test]
    fn one_holder_at_a_time_renewed_released_and_taken_over_when_the_lease_lapses() {
        let (dir, app) = store();
        let cli = Store::open(&dir.path().join("library.db")).unwrap(); // another process
        let lease = Duration::from_millis(300);
        assert!(app.claim(7, "app", lease).unwrap());
        assert!(!cli.claim(7, "cli", lease).unwrap(), "held by the app");
        assert!(app.claim(7, "app", lease).unwrap(), "the holder renews");
        assert!(cli.claim(8, "cli", lease).unwrap(), "another job is free");
        std::thread::sleep(Duration::from_millis(150));
        assert_eq!(app.renew_claims("app", lease).unwrap(), 1);
        std::thread::sleep(Duration::from_millis(200));
        assert!(!cli.claim(7, "cli", lease).unwrap(), "renewed: still the app's");
        // The app is killed: nobody renews; once the lease lapses the CLI takes the job over.
        std::thread::sleep(Duration::from_millis(350));
        assert!(cli.claim(7, "cli", lease).unwrap(), "a lapsed lease is taken over");
        assert!(!app.claim(7, "app", lease).unwrap(), "and the old holder learns it at its next claim");
        assert_eq!(cli.claim_of(7).unwrap().unwrap().holder, "cli");
        app.release_claim(7, "app").unwrap();
        assert_eq!(cli.claim_of(7).unwrap().unwrap().holder, "cli", "only the holder releases");
        assert_eq!(cli.release_claims("cli").unwrap(), 2);
        assert_eq!(app.claim_of(7).unwrap(), None);
        assert!(app.claim(7, "app", lease).unwrap(), "a released job is free");
    }

    #[test]
    fn a_holder_is_alive_while_its_presence_is_held_and_its_claims_are_taken_over_after() {
        let (dir, s) = store();
        let locks = dir.path().join("locks");
        let presence = Presence::take(&locks, "cli").unwrap();
        assert!(alive(&locks, "cli"), "its presence file is locked");
        assert!(!alive(&locks, "never-ran"), "no presence file: not a running process");
        assert!(s.claim(4, "cli", LEASE).unwrap());
        assert!(!s.claim(4, "app", LEASE).unwrap(), "a live holder's lease is respected");
        drop(presence); // the process ends (a kill drops the OS lock the same way)
        assert!(!alive(&locks, "cli"));
        assert!(s.take_over(4, "app", "cli", LEASE).unwrap());
        assert!(!s.take_over(4, "third", "cli", LEASE).unwrap(), "taken over once");
        assert_eq!(s.claim_of(4).unwrap().unwrap().holder, "app");
    }

    #[test]
    fn a_lease_from_a_clock_set_back_does_not_block_a_job_for_a_day() {
        let (_d, s) = store();
        let day = 24 * 3600 * 1000;
        s.conn()
            .execute(
                "INSERT INTO claims (generation_id, holder, lease_until_ms) VALUES (3, 'gone', ?1)",
                [now_ms() + day],
            )
            .unwrap();
        assert!(s.claim(3, "me", LEASE).unwrap());
        // A lease of the usual length is respected.
        s.conn().execute("UPDATE claims SET holder = 'other', lease_until_ms = ?1", [now_ms() + ms(LEASE)]).unwrap();
        assert!(!s.claim(3, "me", LEASE).unwrap());
    }
}
