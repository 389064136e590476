//! Issue 15, a full disk, injected for real: the library lives on a small tmpfs (tests/common/
//! small_disk.rs) that a filler file fills up while clips download, at submit, and when a poster
//! is written. Paid jobs stay open and resume with Range once room is made; the user reads one
//! sentence naming the folder and the space; nothing is sent when there is no room; the database
//! stays whole. One clip per model; `KYMA_SOAK_FULL=1` (`make soak`) runs 3 rounds, and
//! `KYMA_SOAK_REPORT=<dir>` writes the table row there.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::audit::{audit, MODELS};
use common::desktop::{double_downloads, report_desktop_fault, resumed};
use common::small_disk::{may_mount_or_rerun, SmallDisk};
use common::{Kyma, Sim};
use std::time::{Duration, Instant};

const CLIP_BYTES: u64 = 6_000_000;

fn quick_check(kyma: &Kyma) -> String {
    let db = kyma_studio::jobs::Paths::new(kyma.data.path()).db;
    let conn = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)).unwrap()
}

async fn wait_for<T>(what: &str, within: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One round: a clip per model, the disk filled while they download, then freed.
async fn one_round(round: usize) -> (common::audit::Audit, usize) {
    let disk = SmallDisk::mount(48);
    let sim = Sim::start(&["--job-seconds", "1"]);
    // 6 MB clips at 3 MB/s: the 8 MB left free fill up part way through the five downloads.
    sim.set_faults(serde_json::json!({ "clip_pad_to_bytes": CLIP_BYTES, "clip_bytes_per_s": 3_000_000 })).await;
    let kyma = Kyma::in_folder(&sim, disk.path());
    let prefix = format!("disk full {round}");
    kyma.one_clip_per_model(&prefix, true);
    disk.fill_leaving(8_000_000);

    let engine = kyma.engine(&sim);
    let mut events = engine.subscribe();
    let clips = kyma.clips_dir();
    // The sentence the user reads: the clips folder's disk (or the library's own folder, where
    // the database is, when a record is what could not be written), what is free, what is needed.
    let sentence = common::first_problem(&mut events, "disk_full").await;
    let folders = [clips.clone(), kyma.data.path().to_path_buf()];
    assert!(
        folders.iter().any(|f| sentence.starts_with(&format!("The disk holding {} is full: ", f.display()))),
        "{sentence}"
    );
    assert!(sentence.contains(" free, about ") && sentence.contains(" MB more is needed."), "{sentence}");
    assert!(sentence.ends_with("the paid download is kept and resumes where it stopped."), "{sentence}");

    // While full: every job is still open or done (none failed, none lost), the .part files are
    // kept, and the database is whole.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let states: Vec<String> = kyma.jobs().iter().map(|j| j["status"].as_str().unwrap().to_string()).collect();
    let open_or_done = ["pending", "processing", "downloading", "succeeded"];
    assert!(states.iter().all(|s| open_or_done.contains(&s.as_str())), "none ended or was lost: {states:?}");
    assert!(states.iter().any(|s| s == "downloading"), "some download was stopped by the full disk: {states:?}");
    assert!(!kyma.part_files().is_empty(), "the partial downloads are kept for a Range resume");
    assert_eq!(quick_check(&kyma), "ok");
    let gets_while_full = sim.public("/_sim/stats").await["downloads"].as_u64().unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let gets_later = sim.public("/_sim/stats").await["downloads"].as_u64().unwrap();
    assert_eq!(gets_later, gets_while_full, "no download is tried while the disk is still full");

    // A poster cannot be written either: said the same way, and no temporary file is left.
    let library = kyma_studio::library::Library::open(kyma.data.path()).unwrap();
    let any = kyma.jobs()[0]["id"].as_i64().unwrap();
    let poster = poster_jpeg();
    disk.fill_leaving(0);
    let e = library.put_thumb(any, &poster).unwrap_err();
    assert_eq!(e.kind(), "disk_full", "{e}");
    assert!(e.to_string().ends_with("the poster is made once there is room."), "{e}");
    let thumbs = kyma_studio::jobs::Paths::new(kyma.data.path()).thumb_path(any);
    let leftovers: Vec<_> = common::files_under(thumbs.parent().unwrap());
    assert!(leftovers.is_empty(), "no half-written poster: {leftovers:?}");

    // Room again: every clip finishes, the stopped ones resumed from where they stopped.
    disk.free_up();
    wait_for("every clip to finish", Duration::from_secs(90), || {
        engine.open_generations().unwrap().is_empty().then_some(())
    })
    .await;
    library.put_thumb(any, &poster).unwrap();
    let sim_jobs = sim.public("/_sim/jobs").await;
    assert!(resumed(&sim_jobs) >= 1, "a download resumed with Range: {sim_jobs}");
    let a = audit(&sim_jobs, &sim.public("/_sim/ledger").await, &kyma.jobs(), &clips, &prefix);
    assert_eq!(a.paid_jobs, MODELS.len());
    assert!(a.is_clean(), "{:?}", a.problems);
    for j in kyma.jobs() {
        assert_eq!(j["clip_bytes"], CLIP_BYTES, "{j}");
    }
    assert_eq!(quick_check(&kyma), "ok");
    drop(engine);
    (a, double_downloads(&sim_jobs))
}

fn poster_jpeg() -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbImage::from_fn(320, 180, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disk_that_fills_mid_download_keeps_the_paid_jobs_and_resumes_them() {
    if !may_mount_or_rerun("a_disk_that_fills_mid_download_keeps_the_paid_jobs_and_resumes_them") {
        return;
    }
    let rounds = if std::env::var("KYMA_SOAK_FULL").as_deref() == Ok("1") { 3 } else { 1 };
    let mut total = common::audit::Audit::default();
    let mut doubles = 0;
    for round in 0..rounds {
        let (a, d) = one_round(round).await;
        total.add(&a);
        doubles += d;
    }
    report_desktop_fault("disk full mid-download (+ poster)", rounds * MODELS.len(), &total, doubles);
    assert_eq!(doubles, 0, "no clip was fetched twice from its start");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_refuses_a_submit_before_anything_is_sent() {
    if !may_mount_or_rerun("a_full_disk_refuses_a_submit_before_anything_is_sent") {
        return;
    }
    let disk = SmallDisk::mount(40);
    let sim = Sim::start(&[]);
    let kyma = Kyma::in_folder(&sim, disk.path());
    // The library exists (one `kyma jobs`), then the disk fills to 4 MB free.
    assert!(kyma.jobs().is_empty());
    disk.fill_leaving(4_000_000);

    // The CLI: refused with the sentence.
    let out = kyma.run(&["generate", "--model", "kling-3-pro", "--prompt", "no room", "--duration", "5"]);
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success());
    assert!(said.contains(&format!("The disk holding {} is full: ", kyma.clips_dir().display())), "{said}");
    assert!(
        said.contains("MB more is needed. Free some space there and try again; nothing was sent or charged."),
        "{said}"
    );

    // The app's engine: the same refusal, typed.
    let engine = kyma.engine(&sim);
    let draft = kyma_studio::jobs::Draft {
        model: "seedance-2-fast".into(),
        prompt: "no room either".into(),
        duration: Some(5),
        image: None,
        end_image: None,
        options: Default::default(),
    };
    let e = engine.submit(draft).await.unwrap_err();
    assert_eq!(e.kind(), "disk_full", "{e}");

    // Nothing recorded, nothing sent, nothing held.
    assert!(kyma.jobs().is_empty());
    let posts = sim.requests().await.iter().filter(|r| r.starts_with("POST")).count();
    assert_eq!(posts, 0, "no POST left: {:?}", sim.requests().await);
    assert_eq!(sim.public("/_sim/ledger").await["entries"].as_array().unwrap().len(), 0);
    assert_eq!(quick_check(&kyma), "ok");

    // Room again: the same submit goes through.
    disk.free_up();
    let out = kyma.run(&["generate", "--model", "kling-3-pro", "--prompt", "room now", "--duration", "5", "--no-wait"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(kyma.jobs().len(), 1);
}
