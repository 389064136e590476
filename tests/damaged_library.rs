//! Issue 15, a damaged library database, damaged for real on disk: a truncated file, a page of
//! garbage, and a lost `-wal`. `kyma library check` finds each; `kyma library recover` restores
//! the latest backup (which holds a failed job made before it) and rebuilds the five clips made
//! after it from their sidecars. The count to meet: 0 paid clips missing after recovery.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::audit::{audit, MODELS};
use common::desktop::{double_downloads, report_desktop_fault};
use common::{stderr, stdout, Kyma, Sim};
use std::path::Path;

#[derive(Clone, Copy, Debug)]
enum Damage {
    Truncated,
    GarbagePage,
    LostWal,
}

fn db(kyma: &Kyma) -> std::path::PathBuf {
    kyma.data.path().join("library.sqlite3")
}

/// A failed job (in the backup), the backup, then a clip per model (only in their sidecars and
/// the live database). With `hold_wal`, a reader keeps the `-wal` from being folded back into the
/// database when `kyma` exits, as a crash would.
async fn library(sim: &Sim, kyma: &Kyma, prefix: &str, hold_wal: bool) -> Option<rusqlite::Connection> {
    sim.set_faults(serde_json::json!({ "fail_rate": 1.0 })).await;
    let out =
        kyma.run(&["generate", "--model", "kling-2.5-pro", "--prompt", &format!("{prefix} failed"), "--duration", "5"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    sim.set_faults(serde_json::json!({})).await;
    let out = kyma.run(&["library", "backup"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("backups/library-"), "{}", stdout(&out));

    // An open read transaction: no checkpoint can fold later commits into the database file.
    let reader = hold_wal.then(|| {
        let c = rusqlite::Connection::open(db(kyma)).unwrap();
        c.execute_batch("BEGIN").unwrap();
        c.query_row("SELECT COUNT(*) FROM generations", [], |r| r.get::<_, i64>(0)).unwrap();
        c
    });
    kyma.one_clip_per_model(prefix, false);
    // Each clip has its sidecar, naming it and what it cost.
    let jobs = kyma.jobs();
    for j in jobs.iter().filter(|j| j["status"] == "succeeded") {
        let clip = j["clip_file"].as_str().unwrap();
        let side = kyma.clips_dir().join(clip.replace(".mp4", ".json"));
        let s: serde_json::Value = serde_json::from_slice(&std::fs::read(&side).unwrap()).unwrap();
        assert_eq!(s["clip_file"], clip);
        assert_eq!(s["idempotency_key"], j["idempotency_key"]);
        assert_eq!(s["charged_micros"], j["charged"]);
        assert_eq!(s["prompt"], j["prompt"]);
    }
    reader
}

fn damage(kyma: &Kyma, how: Damage, reader: Option<rusqlite::Connection>) {
    let path = db(kyma);
    match how {
        Damage::Truncated => {
            let len = std::fs::metadata(&path).unwrap().len();
            let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            f.set_len(len / 3).unwrap();
        }
        Damage::GarbagePage => {
            let mut bytes = std::fs::read(&path).unwrap();
            let page = 4096;
            let end = bytes.len().min(page * 5);
            for (i, b) in bytes[page..end].iter_mut().enumerate() {
                *b = (i as u8).wrapping_mul(37) ^ 0x5A;
            }
            std::fs::write(&path, &bytes).unwrap();
        }
        Damage::LostWal => {
            let wal = Path::new(&format!("{}-wal", path.display())).to_path_buf();
            assert!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0, "the clips' records are in the -wal");
            // The database file as it is while the clips' records are only in the -wal; then the
            // -wal is lost (a sync tool, a cleaner, a crash on copy) and that file is all there is.
            let main_file = std::fs::read(&path).unwrap();
            drop(reader);
            std::fs::write(&path, main_file).unwrap();
            let _ = std::fs::remove_file(&wal);
            let _ = std::fs::remove_file(format!("{}-shm", path.display()));
        }
    }
}

async fn one(how: Damage) {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    let prefix = format!("damaged {how:?}");
    let reader = library(&sim, &kyma, &prefix, matches!(how, Damage::LostWal)).await;
    damage(&kyma, how, reader);

    let out = kyma.run(&["library", "check"]);
    assert_eq!(out.status.code(), Some(5), "the damage is found: {}{}", stdout(&out), stderr(&out));
    match how {
        Damage::LostWal => {
            assert!(stderr(&out).contains("5 clip(s) in the library folder are missing"), "{}", stderr(&out))
        }
        _ => assert!(stderr(&out).contains("is damaged ("), "{}", stderr(&out)),
    }

    let out = kyma.run(&["library", "recover"]);
    assert!(out.status.success(), "{}", stderr(&out));
    eprintln!("{how:?}: {}", stdout(&out).trim().replace('\n', " "));
    if !matches!(how, Damage::LostWal) {
        assert!(stdout(&out).contains("Restored the backup"), "{}", stdout(&out));
        let kept: Vec<_> = std::fs::read_dir(kyma.data.path().join("damaged")).unwrap().collect();
        assert!(!kept.is_empty(), "the damaged file is kept aside");
    }
    let out = kyma.run(&["library", "check"]);
    assert!(out.status.success(), "sound after recovery: {}", stderr(&out));

    let jobs = kyma.jobs();
    assert!(
        jobs.iter().any(|j| j["prompt"] == format!("{prefix} failed") && j["status"] == "failed"),
        "the backup's record is back"
    );
    let sim_jobs = sim.public("/_sim/jobs").await;
    let a = audit(&sim_jobs, &sim.public("/_sim/ledger").await, &jobs, &kyma.clips_dir(), &prefix);
    report_desktop_fault(&format!("damaged database: {how:?}"), MODELS.len(), &a, double_downloads(&sim_jobs));
    assert_eq!(a.lost_paid_clips, 0, "{:?}", a.problems);
    assert!(a.is_clean(), "{:?}", a.problems);
    // The gallery finds the rebuilt clips by their prompts.
    let lib = kyma_studio::library::Library::open(kyma.data.path()).unwrap();
    let q = kyma_studio::library::Query { text: "damaged".into(), ..Default::default() };
    assert_eq!(lib.query(&q).unwrap().total, 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_truncated_database_is_restored_and_rebuilt_from_the_clips() {
    one(Damage::Truncated).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_garbage_page_is_found_and_the_library_rebuilt() {
    one(Damage::GarbagePage).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clips_lost_with_the_wal_come_back_from_their_sidecars() {
    one(Damage::LostWal).await;
}
