//! Issue 15 in the real window: a library whose database was truncated on disk opens on the
//! recovery offer (the damage, the backup, the clips that come back), is repaired with one
//! button, and opens with every clip in the gallery; and a library on a small disk that fills up
//! while a clip downloads says so in the queue, in one sentence naming the folder and the space,
//! and finishes the clip once room is made. Screenshots go to `target/e2e-shots-desktop/` (the
//! window test empties `target/e2e-shots/` when it starts).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../kyma-sim/tests/common/mod.rs"]
mod sim;

use kyma_e2e::form::{jobs, press_generate, set_duration, set_prompt};
use kyma_e2e::procs::{self, AppHome};
use kyma_e2e::webdriver::Session;
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const MODELS: [&str; 5] = ["kling-2.5-pro", "kling-3-pro", "kling-3-pro-audio", "seedance-2-pro", "seedance-2-fast"];

fn kyma(home: &AppHome, args: &[&str]) -> std::process::Output {
    Command::new(procs::built_binary("kyma"))
        .args(args)
        .env("KYMA_STUDIO_DATA_DIR", &home.data_dir)
        .env("KYMA_API_BASE", &home.api_base)
        .env("KYMA_API_KEY", sim::KEY)
        .output()
        .unwrap()
}

/// One app at a time: the app is single-instance, so a second window in the same session would
/// hand over to the first and quit.
static ONE_APP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn e2e_on() -> bool {
    if std::env::var("KYMA_E2E").as_deref() == Ok("1") {
        return true;
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true without KYMA_E2E=1: run scripts/e2e.sh");
    eprintln!("skipped: run scripts/e2e.sh");
    false
}

fn shots_dir(app: &Path) -> std::path::PathBuf {
    let dir = app.parent().and_then(Path::parent).unwrap().join("e2e-shots-desktop");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Free bytes on the file system holding `path` (`df`).
fn free(path: &Path) -> u64 {
    let out = Command::new("df").args(["--output=avail", "-B1"]).arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().nth(1).unwrap().trim().parse().unwrap()
}

/// A tmpfs of `mb` MB at `at` (root: CI and this machine run the tests as root), unmounted on drop.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(at: &Path, mb: u64) -> Tmpfs {
        std::fs::create_dir_all(at).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "kyma-e2e-disk"])
            .arg(at)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mounting a small disk needs root (as in CI): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(at.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

async fn shot(s: &Session, dir: &Path, name: &str) {
    s.script_async(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 400)));",
        json!([]),
    )
    .await
    .unwrap();
    std::fs::write(dir.join(format!("{name}.png")), s.screenshot().await.unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_library_opens_on_the_recovery_offer_and_comes_back() {
    if !e2e_on() {
        return;
    }
    let _one = ONE_APP.lock().await;
    let app = procs::built_binary("kyma-studio");
    let shots = shots_dir(&app);
    let logs = app.parent().unwrap().join("e2e-logs");
    std::fs::create_dir_all(&logs).unwrap();

    // A library made by the CLI: two clips, a backup, three more clips; then the file is cut.
    let sim = sim::Sim::start(&["--job-seconds", "1"]);
    let root = tempfile::tempdir().unwrap();
    let home = AppHome {
        api_base: format!("{}/v1", sim.url),
        data_dir: root.path().join("library"),
        xdg: root.path().to_path_buf(),
    };
    for (i, model) in MODELS.iter().enumerate() {
        if i == 2 {
            assert!(kyma(&home, &["library", "backup"]).status.success());
        }
        let prompt = format!("harbour at dawn, take {i}");
        let out = kyma(&home, &["generate", "--model", model, "--prompt", &prompt, "--duration", "1"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let db = home.data_dir.join("library.sqlite3");
    let len = std::fs::metadata(&db).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&db).unwrap().set_len(len / 3).unwrap();

    // The window opens on the offer, not on "could not start".
    let log = std::fs::File::create(logs.join("desktop-faults-app.log")).unwrap();
    let (driver, url) = procs::start_tauri_driver(&home, &[("KYMA_API_KEY", sim::KEY)], log);
    let s = Session::start(&url, &app.display().to_string()).await.unwrap();
    s.set_window_size(960, 640).await.unwrap();
    let problem = s.wait_for("[data-testid=recovery-problem]", Duration::from_secs(30)).await.unwrap();
    let said = s.text(&problem).await.unwrap();
    assert!(said.starts_with(&format!("The library database at {} is damaged (", db.display())), "{said}");
    let offer = s.text(&s.wait_for("[data-testid=recovery]", Duration::from_secs(5)).await.unwrap()).await.unwrap();
    assert!(offer.contains("Restore the backup of"), "{offer}");
    assert!(offer.contains("the 5 clips in the library folder"), "{offer}");
    shot(&s, &shots, "recovery-offer").await;

    s.click_css("[data-testid=recovery-go]").await.unwrap();
    let report = s.wait_for("[data-testid=recovery-report]", Duration::from_secs(30)).await.unwrap();
    let told = s.text(&report).await.unwrap();
    assert!(told.contains("2 record(s) came back from the backup"), "{told}");
    assert!(told.contains("3 clip(s) got their records back"), "{told}");
    shot(&s, &shots, "recovery-done").await;

    // Open: the library, with all five clips in the gallery.
    s.click_css("[data-testid=recovery-open]").await.unwrap();
    s.wait_for("[data-testid=key-indicator]", Duration::from_secs(30)).await.unwrap();
    s.click_css("#tab-gallery").await.unwrap();
    s.wait_until(
        "the five clips in the gallery",
        "return document.querySelectorAll('[data-testid=gallery-tile]').length === 5 || null;",
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    shot(&s, &shots, "recovery-gallery").await;
    s.delete().await;
    drop(driver);
    assert!(root.path().join("library/damaged").read_dir().unwrap().next().is_some(), "the damaged file is kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disk_that_fills_during_a_download_is_said_in_the_queue_and_the_clip_finishes() {
    if !e2e_on() {
        return;
    }
    let _one = ONE_APP.lock().await;
    let app = procs::built_binary("kyma-studio");
    let shots = shots_dir(&app);
    let logs = app.parent().unwrap().join("e2e-logs");
    std::fs::create_dir_all(&logs).unwrap();
    let root = tempfile::tempdir().unwrap();
    let disk = root.path().join("small-disk");
    let _mounted = Tmpfs::mount(&disk, 48);
    let sim = sim::Sim::start(&["--job-seconds", "2"]);
    // A 6 MB clip, sent at 1 MB/s: the disk fills part way through.
    sim.set_faults(json!({ "clip_pad_to_bytes": 6_000_000, "clip_bytes_per_s": 1_000_000 })).await;
    let home =
        AppHome { api_base: format!("{}/v1", sim.url), data_dir: disk.join("library"), xdg: root.path().to_path_buf() };

    let log = std::fs::File::create(logs.join("desktop-faults-disk.log")).unwrap();
    let (driver, url) = procs::start_tauri_driver(&home, &[("KYMA_API_KEY", sim::KEY)], log);
    let s = Session::start(&url, &app.display().to_string()).await.unwrap();
    s.set_window_size(1100, 700).await.unwrap();
    s.wait_for("textarea#prompt", Duration::from_secs(30)).await.unwrap();
    set_prompt(&s, "a lighthouse in a storm, waves breaking").await;
    set_duration(&s, 5).await;
    press_generate(&s).await.unwrap();
    // Room for the database and 2 MB of the clip, no more.
    let filler = disk.join("filler.bin");
    let leave = 2_000_000;
    let take = free(&disk).saturating_sub(leave);
    let ok = Command::new("fallocate").args(["-l", &take.to_string()]).arg(&filler).status().unwrap();
    assert!(ok.success());

    let clips = home.data_dir.join("clips");
    let line = s
        .wait_until(
            "the disk-full sentence in the queue",
            "const p = document.querySelector('.queue .problem, [data-testid=queue] .problem, .problem');
             return p && p.textContent.startsWith('The disk holding') ? p.textContent : null;",
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    let said = line.as_str().unwrap().to_string();
    eprintln!("the queue says: {said}");
    assert!(said.starts_with(&format!("The disk holding {} is full: ", clips.display())), "{said}");
    assert!(said.contains(" MB more is needed.") && said.ends_with("resumes where it stopped."), "{said}");
    shot(&s, &shots, "disk-full").await;
    assert_eq!(jobs(&s).await[0]["status"], "downloading", "the paid job stays open");

    // Room again: the same clip finishes, resumed with Range, charged once.
    std::fs::remove_file(&filler).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let j = jobs(&s).await;
        if j[0]["status"] == "succeeded" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the clip did not finish: {}", j[0]);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    shot(&s, &shots, "disk-full-resumed").await;
    let sim_jobs = sim.public("/_sim/jobs").await;
    let starts = sim_jobs[0]["range_starts"].as_array().unwrap().clone();
    assert!(starts.iter().filter(|v| v.as_u64() == Some(0)).count() == 1, "fetched whole once: {starts:?}");
    assert!(starts.iter().any(|v| v.as_u64().unwrap_or(0) > 0), "resumed with Range: {starts:?}");
    assert!(sim_jobs[0]["charged_micros"].as_i64().unwrap() > 0, "charged: {}", sim_jobs[0]);
    s.delete().await;
    drop(driver);
}
