//! Issue 15 in the real window: a library whose database was truncated on disk opens on the
//! recovery offer (the damage, the backup, the clips that come back), is repaired with one
//! button, and opens with every clip in the gallery; and a library on a small disk that fills up
//! while a clip downloads says so in the queue, in one sentence naming the folder and the space,
//! and finishes the clip once room is made; and a library folder that is away (an unplugged
//! drive, a renamed folder) is named where it was expected, carries on by itself when it is back,
//! and is relinked with "Locate…" through the OS's own folder dialog. Screenshots go to
//! `target/e2e-shots-desktop/` (the window test empties `target/e2e-shots/` when it starts).
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

/// A simulator (clips ready after `job_seconds`) and an app home under a fresh temporary root,
/// the library's data folder named `data`.
fn sim_and_home(job_seconds: &str, data: &str) -> (sim::Sim, tempfile::TempDir, AppHome) {
    let sim = sim::Sim::start(&["--job-seconds", job_seconds]);
    let root = tempfile::tempdir().unwrap();
    let home = AppHome {
        api_base: format!("{}/v1", sim.url),
        data_dir: root.path().join(data),
        xdg: root.path().to_path_buf(),
    };
    (sim, root, home)
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

/// The app on `home` with the simulator's key, its window at `size`; its log in e2e-logs/`log`,
/// and the screenshot folder. Held: the one-app lock and tauri-driver.
struct Window {
    s: Session,
    shots: std::path::PathBuf,
    _driver: procs::Guard,
    _one: tokio::sync::MutexGuard<'static, ()>,
}

async fn open_window(home: &AppHome, log: &str, (w, h): (i64, i64)) -> Window {
    let one = ONE_APP.lock().await;
    let app = procs::built_binary("kyma-studio");
    let logs = app.parent().unwrap().join("e2e-logs");
    std::fs::create_dir_all(&logs).unwrap();
    let log = std::fs::File::create(logs.join(log)).unwrap();
    let (driver, url) = procs::start_tauri_driver(home, &[("KYMA_API_KEY", sim::KEY)], log);
    let s = Session::start(&url, &app.display().to_string()).await.unwrap();
    s.set_window_size(w, h).await.unwrap();
    Window { s, shots: shots_dir(&app), _driver: driver, _one: one }
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
    // A library made by the CLI: two clips, a backup, three more clips; then the file is cut.
    let (_sim, root, home) = sim_and_home("1", "library");
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
    let window = open_window(&home, "desktop-faults-app.log", (960, 640)).await;
    let (s, shots) = (&window.s, &window.shots);
    let problem = s.wait_for("[data-testid=recovery-problem]", Duration::from_secs(30)).await.unwrap();
    let said = s.text(&problem).await.unwrap();
    assert!(said.starts_with(&format!("The library database at {} is damaged (", db.display())), "{said}");
    let offer = s.text(&s.wait_for("[data-testid=recovery]", Duration::from_secs(5)).await.unwrap()).await.unwrap();
    assert!(offer.contains("Restore the backup of"), "{offer}");
    assert!(offer.contains("the 5 clips in the library folder"), "{offer}");
    shot(s, shots, "recovery-offer").await;

    s.click_css("[data-testid=recovery-go]").await.unwrap();
    let report = s.wait_for("[data-testid=recovery-report]", Duration::from_secs(30)).await.unwrap();
    let told = s.text(&report).await.unwrap();
    assert!(told.contains("2 record(s) came back from the backup"), "{told}");
    assert!(told.contains("3 clip(s) got their records back"), "{told}");
    shot(s, shots, "recovery-done").await;

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
    shot(s, shots, "recovery-gallery").await;
    s.delete().await;
    drop(window);
    assert!(root.path().join("library/damaged").read_dir().unwrap().next().is_some(), "the damaged file is kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disk_that_fills_during_a_download_is_said_in_the_queue_and_the_clip_finishes() {
    if !e2e_on() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let disk = root.path().join("small-disk");
    let _mounted = Tmpfs::mount(&disk, 48);
    let sim = sim::Sim::start(&["--job-seconds", "2"]);
    // A 6 MB clip, sent at 1 MB/s: the disk fills part way through.
    sim.set_faults(json!({ "clip_pad_to_bytes": 6_000_000, "clip_bytes_per_s": 1_000_000 })).await;
    let home =
        AppHome { api_base: format!("{}/v1", sim.url), data_dir: disk.join("library"), xdg: root.path().to_path_buf() };

    let window = open_window(&home, "desktop-faults-disk.log", (1100, 700)).await;
    let (s, shots) = (&window.s, &window.shots);
    s.wait_for("textarea#prompt", Duration::from_secs(30)).await.unwrap();
    set_prompt(s, "a lighthouse in a storm, waves breaking").await;
    set_duration(s, 5).await;
    press_generate(s).await.unwrap();
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
    shot(s, shots, "disk-full").await;
    assert_eq!(jobs(s).await[0]["status"], "downloading", "the paid job stays open");

    // Room again: the same clip finishes, resumed with Range, charged once.
    std::fs::remove_file(&filler).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let j = jobs(s).await;
        if j[0]["status"] == "succeeded" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the clip did not finish: {}", j[0]);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    shot(s, shots, "disk-full-resumed").await;
    let sim_jobs = sim.public("/_sim/jobs").await;
    let starts = sim_jobs[0]["range_starts"].as_array().unwrap().clone();
    assert!(starts.iter().filter(|v| v.as_u64() == Some(0)).count() == 1, "fetched whole once: {starts:?}");
    assert!(starts.iter().any(|v| v.as_u64().unwrap_or(0) > 0), "resumed with Range: {starts:?}");
    assert!(sim_jobs[0]["charged_micros"].as_i64().unwrap() > 0, "charged: {}", sim_jobs[0]);
    s.delete().await;
}

/// True once the library-away banner has gone.
const AWAY_GONE: &str = "return document.querySelector('[data-testid=library-away]') ? null : true;";

/// Both gallery tiles show their poster.
const POSTERS_SHOWN: &str = "const i = [...document.querySelectorAll('[data-testid=gallery-tile] img')];
     return i.length === 2 && i.every(e => e.complete && e.naturalWidth > 0) || null;";

/// The text of the library-away banner, once it shows (None while it does not).
const AWAY_TEXT: &str =
    "const b = document.querySelector('[data-testid=library-away]'); return b ? b.textContent : null;";

#[tokio::test(flavor = "multi_thread")]
async fn a_library_folder_away_is_named_carries_on_when_back_and_is_located() {
    if !e2e_on() {
        return;
    }
    // A library on an external drive (a folder of its own), two clips made there by the CLI.
    let (sim, root, home) = sim_and_home("1", "data");
    let drive = root.path().join("T7");
    let folder = drive.join("Kyma Library");
    let out = kyma(&home, &["library", "move", folder.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for (i, model) in MODELS[..2].iter().enumerate() {
        let out = kyma(
            &home,
            &["generate", "--model", model, "--prompt", &format!("tide pools, take {i}"), "--duration", "1"],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(
        std::fs::read_dir(folder.join("clips"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "mp4"))
            .count(),
        2
    );

    // Unplugged before launch (the folder renamed away: the drive's mount point stays, empty).
    let away = drive.join("unplugged");
    std::fs::rename(&folder, &away).unwrap();
    let window = open_window(&home, "desktop-faults-away.log", (1000, 680)).await;
    let (s, shots) = (&window.s, &window.shots);
    let said = s.wait_until("the library-away banner", AWAY_TEXT, Duration::from_secs(30)).await.unwrap();
    let said = said.as_str().unwrap().to_string();
    eprintln!("the banner says: {said}");
    assert!(said.contains("The library folder is not there"), "{said}");
    assert!(said.contains(&format!("Kyma Studio expected it at {}.", folder.display())), "{said}");
    assert!(said.contains("Its 2 clips and every record are kept."), "{said}");
    s.wait_for("textarea#prompt", Duration::from_secs(10)).await.unwrap();
    shot(s, shots, "library-away").await;
    assert!(!folder.exists(), "no empty library is made in its place");
    // A new clip is refused while it is away, before anything is sent.
    set_prompt(s, "a kite over the dunes").await;
    set_duration(s, 1).await;
    let _ = press_generate(s).await;
    let refused = s
        .wait_until(
            "the refusal while the folder is away",
            "return [...document.querySelectorAll('[role=alert], .error, .field-error')].map(e => e.textContent).find(t => t.includes('is not there (')) || null;",
            Duration::from_secs(15),
        )
        .await
        .unwrap();
    assert!(refused.as_str().unwrap().contains("nothing was sent or charged"), "{refused}");
    assert_eq!(sim.public("/_sim/jobs").await.as_array().unwrap().len(), 2, "nothing sent while away");

    // Plugged back in: the banner goes by itself and both clips play from the folder.
    std::fs::rename(&away, &folder).unwrap();
    s.wait_until("the banner gone", AWAY_GONE, Duration::from_secs(15)).await.unwrap();
    s.click_css("#tab-gallery").await.unwrap();
    s.wait_until(
        "two playable clips in the gallery",
        "return document.querySelectorAll('[data-testid=gallery-tile]').length === 2 || null;",
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    if let Err(e) = s.wait_until("both posters shown, back", POSTERS_SHOWN, Duration::from_secs(20)).await {
        shot(s, shots, "library-back-no-posters").await;
        panic!("{e}");
    }

    // Renamed while the app runs: the banner comes back within the watcher's 2 s.
    let renamed = drive.join("Kyma Library (old)");
    std::fs::rename(&folder, &renamed).unwrap();
    s.wait_until("the banner again", AWAY_TEXT, Duration::from_secs(15)).await.unwrap();
    // The gallery says where the clips are: not "missing", their folder is away.
    s.wait_until(
        "the tiles say their folder is away",
        "const t = [...document.querySelectorAll('[data-testid=gallery-tile]')];
         return t.length === 2 && t.every(e => e.textContent.includes('folder not there')) || null;",
        Duration::from_secs(15),
    )
    .await
    .unwrap();
    // "Locate…" in the OS's folder dialog: first a folder that is not a library (refused, said
    // in the banner), then the renamed one.
    let plain = drive.join("Holiday photos");
    std::fs::create_dir_all(&plain).unwrap();
    s.click_css("[data-testid=library-locate]").await.unwrap();
    kyma_e2e::dialog::choose_folder("Choose the library folder", &plain).unwrap();
    let error = s
        .wait_until(
            "the refusal of a folder that is not the library",
            "const e = document.querySelector('[data-testid=library-away-error]'); return e ? e.textContent : null;",
            Duration::from_secs(15),
        )
        .await
        .unwrap();
    assert!(error.as_str().unwrap().contains("has no clips folder inside"), "{error}");
    shot(s, shots, "library-away-wrong-folder").await;
    s.click_css("[data-testid=library-locate]").await.unwrap();
    kyma_e2e::dialog::choose_folder("Choose the library folder", &renamed).unwrap();
    s.wait_until("the banner gone after Locate", AWAY_GONE, Duration::from_secs(15)).await.unwrap();
    let toast = s
        .wait_until(
            "the relinked toast",
            "const t = [...document.querySelectorAll('[role=status], .toast')].map(e => e.textContent).find(t => t.includes('The library folder is now')); return t || null;",
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert!(
        toast
            .as_str()
            .unwrap()
            .contains(&format!("The library folder is now {}: found 2 of its 2 clips there.", renamed.display())),
        "{toast}"
    );
    // Both clips show their posters again (drawn from the clips, found in the new place).
    s.wait_until("both posters shown, relinked", POSTERS_SHOWN, Duration::from_secs(20)).await.unwrap();
    shot(s, shots, "library-relinked").await;

    // New clips go to where the folder is now.
    s.click_css("#tab-create").await.unwrap();
    set_prompt(s, "a kite over the dunes, found again").await;
    set_duration(s, 1).await;
    press_generate(s).await.unwrap();
    let clips = renamed.join("clips");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::fs::read_dir(&clips)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "mp4"))
        .count()
        < 3
    {
        assert!(std::time::Instant::now() < deadline, "the new clip did not arrive in {}", clips.display());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(!folder.exists(), "nothing was made where the folder used to be");
    s.delete().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn damage_that_opening_does_not_read_is_found_while_the_app_runs() {
    if !e2e_on() {
        return;
    }
    // A library of 400 records with a page of garbage in its search index: a page that opening
    // and the window's first reads never touch, so the window opens as usual. (Which page that
    // is, SQLite's own dbstat table says, through Python's sqlite3.)
    let (_sim, _root, home) = sim_and_home("1", "data");
    let out = kyma(&home, &["dev", "seed-library", "400"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let db = home.data_dir.join("library.sqlite3");
    let found = Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); \
             print(c.execute(\"SELECT max(pageno) FROM dbstat WHERE name = 'generations_search_data'\").fetchone()[0], \
             c.execute('PRAGMA page_size').fetchone()[0])",
        ])
        .arg(&db)
        .output()
        .unwrap();
    let found = String::from_utf8_lossy(&found.stdout).to_string();
    let numbers: Vec<u64> = found.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    let [pageno, page] = numbers[..] else { panic!("dbstat said {found:?}") };
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
        f.seek(SeekFrom::Start((pageno - 1) * page)).unwrap();
        f.write_all(&(0..page).map(|i| (i * 7 + 13) as u8).collect::<Vec<_>>()).unwrap();
    }
    let window = open_window(&home, "desktop-faults-damage.log", (1000, 680)).await;
    let (s, shots) = (&window.s, &window.shots);
    if let Err(e) = s.wait_for("textarea#prompt", Duration::from_secs(30)).await {
        shot(s, shots, "library-damage-no-window").await;
        panic!("{e} (see library-damage-no-window.png)");
    }
    let said = s
        .wait_until(
            "the damage alert",
            "const d = document.querySelector('[data-testid=library-damage]'); return d ? d.textContent : null;",
            Duration::from_secs(20),
        )
        .await
        .unwrap();
    let said = said.as_str().unwrap().to_string();
    eprintln!("the alert says: {said}");
    assert!(said.contains(&format!("The library database at {} is damaged (", db.display())), "{said}");
    assert!(said.contains("Restart to repair"), "{said}");
    shot(s, shots, "library-damage").await;
    s.delete().await;
    drop(window);
    assert!(home.data_dir.join("library.sqlite3.damaged").is_file(), "the next start opens on the repair offer");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_library_from_a_newer_release_says_update_and_is_never_repaired() {
    if !e2e_on() {
        return;
    }
    // A library a newer Kyma Studio wrote (its schema number ahead of this release's), opened by
    // this one: not damage. Found by trying the installed .deb on a library the newer CLI made.
    let (sim, _root, home) = sim_and_home("1", "data");
    let out =
        kyma(&home, &["generate", "--model", "kling-3-pro", "--prompt", "made by a newer release", "--duration", "1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let db = home.data_dir.join("library.sqlite3");
    let set = Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version = 99'); c.commit()",
        ])
        .arg(&db)
        .status()
        .unwrap();
    assert!(set.success());
    let before = std::fs::read(&db).unwrap();
    let window = open_window(&home, "desktop-faults-newer.log", (960, 640)).await;
    let (s, shots) = (&window.s, &window.shots);
    let problem = s.wait_for("[data-testid=recovery-problem]", Duration::from_secs(30)).await.unwrap();
    let said = s.text(&problem).await.unwrap();
    assert!(said.starts_with("This library was written by a newer Kyma Studio (schema 99"), "{said}");
    assert!(s.find_all("[data-testid=recovery-go]").await.unwrap().is_empty(), "no repair is offered");
    shot(s, shots, "library-newer").await;
    s.delete().await;
    drop(window);
    assert_eq!(std::fs::read(&db).unwrap(), before, "the library is untouched");
    assert!(!home.data_dir.join("damaged").exists());
    assert_eq!(sim.public("/_sim/jobs").await.as_array().unwrap().len(), 1);
}
