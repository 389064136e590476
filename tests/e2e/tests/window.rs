//! Kyma Studio's real window, driven like a user drives it: WebDriver (tauri-driver +
//! WebKitWebDriver) against the built app, talking to a real kyma-sim, on an Xvfb display with
//! the real OS keychain (gnome-keyring in a private D-Bus session). Run by `scripts/e2e.sh`.
//!
//! One test, in steps, because the steps build on each other as a user's session does: the key
//! entered first is the key later clips are paid with, and the job killed mid-flight is the one
//! the restarted app must finish. Screenshots of every screen go to `target/e2e-shots/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "window/batch.rs"]
mod batch;
#[path = "window/board.rs"]
mod board;
#[path = "window/fit.rs"]
mod fit;
#[path = "window/gallery.rs"]
mod gallery;
#[path = "window/paste.rs"]
mod paste;
#[path = "window/shot.rs"]
mod shot;
#[path = "../../kyma-sim/tests/common/mod.rs"]
mod sim;

use kyma_e2e::files_under;
use kyma_e2e::form::{app_state, choose_model, click_generate, jobs, max_job_id, set_duration, set_prompt, wait_job};
use kyma_e2e::frames;
use kyma_e2e::procs::{self, Guard};
use kyma_e2e::webdriver::Session;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const KEY: &str = sim::KEY; // "ky-sim-key"
const BROKE_KEY: &str = "ky-broke-key";
/// How the app shows a key this short: the prefix only (longer keys also show their last four).
const MASKED: &str = "ky-…";
const WRONG_KEY: &str = "ky-wrong-key-000000";
/// The image bucket's secret access key, typed into Settings; it belongs in the keychain only.
const BUCKET_SECRET: &str = "kyma/bucket+SECRET/e2e-0042";
const BUCKET_ACCESS_KEY: &str = "KYMAE2EACCESSKEY";
const BUCKET: &str = "kyma-e2e-start";
/// Every secret this test types; none may appear in a response or a file.
const SECRETS: [&str; 4] = [KEY, BROKE_KEY, WRONG_KEY, BUCKET_SECRET];

const T2V_MODEL: &str = "kling-3-pro-audio";
const I2V_MODEL: &str = "seedance-2-fast";
const RESUME_MODEL: &str = "kling-2.5-pro";

/// Everything one run owns; dropping it stops the app, tauri-driver and kyma-sim.
struct World {
    // Field order is drop order: the app (via the driver) before the simulator.
    driver: Option<Guard>,
    driver_url: String,
    sim: sim::Sim,
    app: PathBuf,
    /// KYMA_STUDIO_DATA_DIR, XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_CACHE_HOME of the app.
    home: tempfile::TempDir,
    fixtures: tempfile::TempDir,
    shots: PathBuf,
    logs: PathBuf,
    shot_n: u32,
    os_drop: PathBuf,
}

impl World {
    fn data_dir(&self) -> PathBuf {
        self.home.path().join("library")
    }
    fn xdg(&self, which: &str) -> PathBuf {
        self.home.path().join(which)
    }

    fn start() -> World {
        let app = procs::built_binary("kyma-studio");
        assert!(app.is_file(), "{} is missing: run scripts/e2e.sh (it builds the app)", app.display());
        let target = app.parent().and_then(Path::parent).unwrap().to_path_buf();
        let shots = target.join("e2e-shots");
        let logs = target.join("e2e-logs");
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        std::fs::create_dir_all(&logs).unwrap();
        let os_drop =
            std::env::var_os("OS_DROP").map(PathBuf::from).unwrap_or_else(|| target.join("../tests/e2e/drop/os-drop"));
        assert!(os_drop.is_file(), "os-drop not found at {}", os_drop.display());

        // Loopback http image links: the bucket of step 6 is a local S3 server.
        // A queue cap of 4 (tier 1 has 12): a batch of ten must wait here for room, never be refused.
        let sim = sim::Sim::start(&[
            "--key",
            &format!("{BROKE_KEY}=0"),
            "--job-seconds",
            "6",
            "--allow-loopback-http",
            "--queue-cap",
            "4",
        ]);
        let home = tempfile::tempdir().unwrap();
        for d in ["library", "config", "data", "cache"] {
            std::fs::create_dir_all(home.path().join(d)).unwrap();
        }
        let mut w = World {
            driver: None,
            driver_url: String::new(),
            sim,
            app,
            home,
            fixtures: tempfile::tempdir().unwrap(),
            shots,
            logs,
            shot_n: 0,
            os_drop,
        };
        w.start_driver();
        w
    }

    /// tauri-driver, with the app's environment (the app inherits it through WebKitWebDriver).
    fn start_driver(&mut self) {
        let log = std::fs::File::create(self.logs.join("driver-and-app.log")).unwrap();
        let home = procs::AppHome {
            api_base: format!("{}/v1", self.sim.url),
            data_dir: self.data_dir(),
            xdg: self.home.path().to_path_buf(),
        };
        let (guard, url) = procs::start_tauri_driver(&home, &[], log);
        self.driver = Some(guard);
        self.driver_url = url;
    }

    async fn session(&self) -> Session {
        let started = Instant::now();
        let s = Session::start(&self.driver_url, &self.app.display().to_string()).await.unwrap();
        s.wait_for("#app > *, body > *", Duration::from_secs(30)).await.unwrap();
        eprintln!("  app window up in {:.1} s", started.elapsed().as_secs_f64());
        s
    }

    /// The app's pid: the kyma-studio process below our tauri-driver.
    fn app_pids(&self) -> Vec<u32> {
        let root = self.driver.as_ref().map(Guard::pid).unwrap_or(0);
        procs::descendants_running(root, &self.app)
    }

    /// A WebDriver screenshot, saved as `NN-name.png` (and as `name.png` when `readme`).
    async fn shot(&mut self, s: &Session, name: &str) -> PathBuf {
        self.shot_n += 1;
        // WebKit's snapshot is the last painted frame: let the page paint what it just changed.
        s.script_async(
            "const done = arguments[0];
             requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 400)));",
            json!([]),
        )
        .await
        .unwrap();
        let png = s.screenshot().await.unwrap();
        let path = self.shots.join(format!("{:02}-{name}.png", self.shot_n));
        std::fs::write(&path, &png).unwrap();
        path
    }

    async fn readme_shot(&mut self, s: &Session, name: &str) {
        let p = self.shot(s, name).await;
        std::fs::copy(&p, self.shots.join(format!("{name}.png"))).unwrap();
    }

    /// The whole X screen (`import -window root`): shows what a person would see, video included.
    fn screen_shot(&mut self, name: &str) -> PathBuf {
        self.shot_n += 1;
        let path = self.shots.join(format!("{:02}-{name}-screen.png", self.shot_n));
        let ok =
            Command::new("import").args(["-window", "root"]).arg(&path).status().map(|s| s.success()).unwrap_or(false);
        assert!(ok, "import -window root failed");
        path
    }

    fn drop_file(&self, x: i64, y: i64, file: &Path) {
        let out = Command::new(&self.os_drop).args([x.to_string(), y.to_string()]).arg(file).output().unwrap();
        assert!(
            out.status.success(),
            "os-drop failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A fixture made by ImageMagick's `convert`.
    fn image(&self, name: &str, args: &[&str]) -> PathBuf {
        let path = self.fixtures.path().join(name);
        let ok = Command::new("convert").args(args).arg(&path).status().map(|s| s.success()).unwrap_or(false);
        assert!(ok, "convert {args:?} {name} failed");
        path
    }
}

impl Drop for World {
    /// On a failure, the screen as it was, for the person reading the test log.
    fn drop(&mut self) {
        if std::thread::panicking() {
            let path = self.shots.join("failure-screen.png");
            let _ = Command::new("import").args(["-window", "root"]).arg(&path).status();
            eprintln!("screen at the failure: {}", path.display());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the app's state and driving the create form.

/// Calls a command from the page and remembers the raw answer for the key check.
async fn invoke(s: &Session, seen: &mut Vec<String>, cmd: &str, args: Value) -> Value {
    let answer = s.invoke(cmd, args).await.unwrap();
    let raw = answer.to_string();
    for secret in SECRETS {
        assert!(!raw.contains(secret), "{cmd} answered with a key string: {raw}");
    }
    seen.push(format!("{cmd}: {}", truncate(&raw, 300)));
    answer
}

fn truncate(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Clicks the queue row with this prompt (it plays in the player).
async fn select_in_queue(s: &Session, prompt: &str) {
    let v = s
        .script(
            "return [...document.querySelectorAll('li.item')]
               .find((li) => li.querySelector('.prompt')?.textContent === arguments[0])
               ?.querySelector('button.main') ?? null",
            json!([prompt]),
        )
        .await
        .unwrap();
    let button = Session::element_of(&v).unwrap_or_else(|| panic!("no queue row for {prompt:?}"));
    s.click(&button).await.unwrap();
}

/// Plays the player's `<video>` and measures it: readyState, size, time advancing, a seek, sound.
async fn measure_video(s: &Session) -> Value {
    measure_video_in(s, "section.player video").await
}

/// Plays the `<video>` matching `selector` and measures it.
async fn measure_video_in(s: &Session, selector: &str) -> Value {
    s.script_async(
        r#"const done = arguments[arguments.length - 1];
        const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
        (async () => {
          const deadline = Date.now() + 25000;
          let v = null;
          while (!(v = document.querySelector(arguments[0])) && Date.now() < deadline) await sleep(100);
          if (!v) return done({ error: "no <video> in the player" });
          while (v.readyState < 3 && !v.error && Date.now() < deadline) await sleep(100);
          const r = { src: v.currentSrc, readyState: v.readyState, videoWidth: v.videoWidth,
                      videoHeight: v.videoHeight, duration: v.duration, mediaError: v.error && v.error.code };
          r.muted = false;
          // WebKitGTK now and then leaves a play() promise unsettled while the page's own player
          // is also starting the clip: wait at most 3 s for it; the samples below tell if it plays.
          const play = () => Promise.race([v.play(), sleep(3000).then(() => { r.playUnsettled = true; })]);
          // The page's player may be starting it already: a second play() then only races it.
          if (!v.paused) r.alreadyPlaying = true;
          else try { await play(); } catch (e) {
            r.playError = String(e);
            v.muted = true; r.muted = true;
            try { await play(); } catch (e2) { r.playError2 = String(e2); }
          }
          const samples = [];
          for (let i = 0; i < 8; i++) { samples.push(v.currentTime); await sleep(200); }
          r.samples = samples;
          r.advanced = samples.some((t, i) => i > 0 && t > samples[i - 1] + 0.05);
          r.paused = v.paused;
          // WebKitGTK exposes no decoded-audio counters; its track list says whether sound is there.
          r.audioTracks = v.audioTracks ? v.audioTracks.length : null;
          r.frames = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality().totalVideoFrames : null;
          // Scrub: seek to 1.0 s and see the player land there.
          const seeked = new Promise((res) => v.addEventListener("seeked", res, { once: true }));
          v.pause();
          v.currentTime = 1.0;
          await Promise.race([seeked, sleep(5000)]);
          r.afterSeek = v.currentTime;
          await play().catch(() => {});
          done(r);
        })();"#,
        json!([selector]),
    )
    .await
    .unwrap()
}

/// How far the clip's time moved across a measurement's samples (a looping clip wraps to 0: a
/// step back counts as the rest of the clip plus the new start).
fn played_seconds(m: &Value) -> f64 {
    let samples: Vec<f64> =
        m["samples"].as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default();
    let duration = m["duration"].as_f64().unwrap_or(0.0);
    samples.windows(2).map(|w| if w[1] >= w[0] { w[1] - w[0] } else { w[1] + duration - w[0] }).sum()
}

fn assert_plays(what: &str, m: &Value) {
    eprintln!("  {what}: {m}");
    assert!(m.get("error").is_none(), "{what}: {m}");
    assert!(m["readyState"].as_i64().unwrap_or(0) >= 3, "{what}: readyState < 3: {m}");
    assert!(m["videoWidth"].as_i64().unwrap_or(0) > 0, "{what}: no picture: {m}");
    assert_eq!(m["advanced"], true, "{what}: currentTime did not advance: {m}");
    // Eight samples 200 ms apart: a clip that plays moves at least ~0.7 s, one that stalls does not.
    let moved = played_seconds(m);
    assert!(moved > 0.7, "{what}: the clip stalled (moved {moved:.2} s in 1.4 s): {m}");
    let t = m["afterSeek"].as_f64().unwrap_or(-1.0);
    assert!((t - 1.0).abs() < 0.3, "{what}: seek to 1.0 s landed at {t}: {m}");
}

/// The sim's record of the job with this Kyma id.
async fn sim_job(sim: &sim::Sim, kyma_id: &str) -> Value {
    let all = sim.public("/_sim/jobs").await;
    all.as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == kyma_id)
        .cloned()
        .unwrap_or_else(|| panic!("kyma-sim has no job {kyma_id}"))
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_window_makes_plays_and_keeps_clips() {
    if std::env::var("KYMA_E2E").as_deref() != Ok("1") {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true without KYMA_E2E=1: the window tests must run in CI, through scripts/e2e.sh"
        );
        eprintln!("skipped: run scripts/e2e.sh");
        return;
    }
    let started = Instant::now();
    procs::forget_key();
    let mut w = World::start();
    let mut seen: Vec<String> = vec![];
    let step = |n: &str| eprintln!("[{:6.1} s] {n}", started.elapsed().as_secs_f64());

    // 1. First run: the key screen; the key goes to the real keychain; the header masks it.
    step("1 key screen");
    let s = w.session().await;
    let field = s.wait_for("[data-testid=first-run] #api-key", Duration::from_secs(30)).await.unwrap();
    w.shot(&s, "key-screen").await;
    s.send_keys(&field, KEY).await.unwrap();
    s.click_css("[data-testid=first-run] form.key-form button[type=submit]").await.unwrap();
    let masked = s.wait_for("[data-testid=key-indicator] .masked", Duration::from_secs(20)).await.unwrap();
    let masked = s.text(&masked).await.unwrap();
    assert_eq!(masked, MASKED, "the header shows the masked key");
    let status = app_state(&s).await["key"].clone();
    assert_eq!(status["state"], "keychain", "the key is in the OS keychain: {status}");
    w.shot(&s, "key-saved").await;

    // 2. Text to video, with sound.
    step("2 text-to-video");
    let t2v_prompt = "a lighthouse at dusk, waves rolling in";
    choose_model(&s, T2V_MODEL).await;
    set_duration(&s, 2).await;
    set_prompt(&s, t2v_prompt).await;
    w.shot(&s, "create-text").await;
    let t2v = click_generate(&s).await;
    let t2v_id = t2v["id"].as_i64().unwrap();
    s.wait_for("li.item.pending, li.item.processing, li.item.queued", Duration::from_secs(10)).await.unwrap();
    w.shot(&s, "queue-running").await;
    let t2v = wait_job(&s, t2v_id, "succeeded", Duration::from_secs(60)).await;
    assert_eq!(t2v["model"], T2V_MODEL);
    assert_eq!(t2v["duration_s"], 2);
    s.wait_for("li.item.succeeded", Duration::from_secs(10)).await.unwrap();
    select_in_queue(&s, t2v_prompt).await;
    let m = measure_video(&s).await;
    assert_plays("text-to-video clip", &m);
    // Played unmuted; the sound track must be there (when WebKit exposes track lists at all).
    assert_eq!(m["muted"], false, "autoplay policy forced mute: {m}");
    assert!(
        m["audioTracks"].is_null() || m["audioTracks"].as_i64() >= Some(1),
        "the kling-3-pro-audio clip has no sound track: {m}"
    );
    w.readme_shot(&s, "preview").await;
    w.screen_shot("preview");

    // 3. Image to video by a real OS drop of a file onto the window.
    step("3 image-to-video by OS drop");
    // A pattern that survives JPEG and scaling: four colour blocks and a white disc.
    let png = w.image(
        "start-pattern.png",
        &[
            "-size",
            "1200x800",
            "xc:#1b3a8c",
            "-fill",
            "#f28c28",
            "-draw",
            "rectangle 0,0 599,399",
            "-fill",
            "#2bb673",
            "-draw",
            "rectangle 600,400 1199,799",
            "-fill",
            "white",
            "-draw",
            "circle 900,200 900,340",
            "-fill",
            "#d62246",
            "-draw",
            "rectangle 150,500 450,700",
        ],
    );
    let other = w.image("other.png", &[png.to_str().unwrap(), "-rotate", "180"]);
    choose_model(&s, I2V_MODEL).await;
    set_duration(&s, 2).await;
    let i2v_prompt = "the shapes drift slowly, soft light";
    set_prompt(&s, i2v_prompt).await;
    let (x, y, width, height) = s.window_rect().await.unwrap();
    eprintln!("  window at {x},{y} size {width}x{height}");
    w.drop_file(x + width / 2, y + height / 2, &png);
    let card = s.wait_for(".slot .card img", Duration::from_secs(20)).await.unwrap();
    let _ = card;
    let dims = s.text(&s.wait_for(".slot .card .dims", Duration::from_secs(5)).await.unwrap()).await.unwrap();
    assert_eq!(dims, "1200 × 800", "the slot shows the dropped image's size");
    let src = s.script("return document.querySelector('.slot .card .src').title", json!([])).await.unwrap();
    assert_eq!(src, "start-pattern.png", "the slot names the dropped file");
    w.readme_shot(&s, "create").await;
    let i2v = click_generate(&s).await;
    let i2v_id = i2v["id"].as_i64().unwrap();
    let i2v = wait_job(&s, i2v_id, "succeeded", Duration::from_secs(60)).await;
    assert_eq!(i2v["image_size"], json!([1200, 800]));
    select_in_queue(&s, i2v_prompt).await;
    let m = measure_video(&s).await;
    assert_plays("image-to-video clip", &m);
    w.shot(&s, "preview-image-to-video").await;
    // The simulator got the dropped picture, and the clip starts on it.
    let kyma_id = i2v["kyma_id"].as_str().unwrap().to_string();
    let sj = sim_job(&w.sim, &kyma_id).await;
    assert_eq!(sj["image_url_kind"], "data", "the image went as a data: URI: {sj}");
    assert_eq!(sj["image"]["width"], 1200, "{sj}");
    assert_eq!(sj["image"]["height"], 800, "{sj}");
    let received = w.fixtures.path().join("received-image");
    std::fs::write(&received, w.sim.download(&format!("{}/_sim/jobs/{kyma_id}/image", w.sim.url)).await).unwrap();
    let clip = PathBuf::from(i2v["clip_path"].as_str().unwrap());
    let (fw, fh) = frames::video_size(&clip).unwrap();
    let first = frames::first_frame_rgb(&clip, fw, fh).unwrap();
    let dropped = frames::first_frame_rgb(&png, fw, fh).unwrap();
    let got = frames::first_frame_rgb(&received, fw, fh).unwrap();
    let different = frames::first_frame_rgb(&other, fw, fh).unwrap();
    let (same, sent, wrong) = (
        frames::mean_abs_diff(&first, &dropped),
        frames::mean_abs_diff(&got, &dropped),
        frames::mean_abs_diff(&first, &different),
    );
    eprintln!(
        "  first frame {fw}x{fh}: vs dropped {same:.2}, received vs dropped {sent:.2}, vs a different image {wrong:.2}"
    );
    assert!(sent < 6.0, "kyma-sim received a different picture ({sent:.2})");
    assert!(same < 12.0, "the clip does not start on the dropped image ({same:.2})");
    assert!(wrong > 40.0, "the comparison cannot tell images apart ({wrong:.2})");

    // 4. kill -9 the app mid-job; a new app instance finishes the same job, charged once.
    step("4 kill -9 mid-job and restart");
    s.click_css(".slot .card button.remove").await.unwrap();
    choose_model(&s, RESUME_MODEL).await;
    set_duration(&s, 2).await;
    let resume_prompt = "a paper boat on a rainy street";
    set_prompt(&s, resume_prompt).await;
    let job = click_generate(&s).await;
    let resume_id = job["id"].as_i64().unwrap();
    s.wait_for("li.item.queued, li.item.pending, li.item.processing", Duration::from_secs(10)).await.unwrap();
    w.shot(&s, "before-kill").await;
    let pids = w.app_pids();
    assert_eq!(pids.len(), 1, "one app process under tauri-driver: {pids:?}");
    let status_at_kill = jobs(&s).await.into_iter().find(|j| j["id"] == resume_id).unwrap();
    eprintln!("  killing app pid {} with job {resume_id} {}", pids[0], status_at_kill["status"]);
    procs::kill9(pids[0]);
    procs::wait(Duration::from_secs(10), || w.app_pids().is_empty().then_some(())).expect("the app survived kill -9");
    s.delete().await;
    let s = w.session().await;
    assert_eq!(w.app_pids().len(), 1, "a new app instance");
    s.wait_for("[data-testid=key-indicator]", Duration::from_secs(20)).await.unwrap();
    let job = wait_job(&s, resume_id, "succeeded", Duration::from_secs(60)).await;
    s.wait_for("li.item.succeeded", Duration::from_secs(10)).await.unwrap();
    select_in_queue(&s, resume_prompt).await;
    let m = measure_video(&s).await;
    assert_plays("the clip finished after the restart", &m);
    w.shot(&s, "after-restart").await;
    let kyma_id = job["kyma_id"].as_str().unwrap().to_string();
    let ledger = w.sim.ledger().await;
    let mine: Vec<&Value> =
        ledger["entries"].as_array().unwrap().iter().filter(|e| e["job_id"] == kyma_id.as_str()).collect();
    let count = |k: &str| mine.iter().filter(|e| e["kind"] == k).count();
    assert_eq!(count("charge"), 1, "exactly one charge for the resumed job: {mine:?}");
    assert_eq!(count("hold"), 1, "exactly one hold for the resumed job: {mine:?}");
    let idem = sim_job(&w.sim, &kyma_id).await["idempotency_key"].clone();
    let same_key =
        w.sim.public("/_sim/jobs").await.as_array().unwrap().iter().filter(|j| j["idempotency_key"] == idem).count();
    assert_eq!(same_key, 1, "one Kyma job for the one generation");

    // 5. Clear messages: a wrong key, no credit, a corrupt image.
    step("5 wrong key, no credit, corrupt image");
    s.click_css("[data-testid=key-indicator]").await.unwrap();
    s.wait_for("dialog.sheet[open] #settings-title", Duration::from_secs(5)).await.unwrap();
    w.readme_shot(&s, "settings").await;
    replace_key(&s, WRONG_KEY).await;
    let error = s.wait_for("dialog.sheet #key-error", Duration::from_secs(20)).await.unwrap();
    let error = s.text(&error).await.unwrap();
    assert!(error.contains("Kyma did not accept the API key"), "{error}");
    w.shot(&s, "wrong-key").await;
    let status = app_state(&s).await["key"].clone();
    assert_eq!(status["state"], "keychain", "a refused key does not replace the good one: {status}");

    replace_key_again(&s, BROKE_KEY).await;
    s.wait_until(
        "the broke key is in use",
        "return !document.querySelector('dialog.sheet #api-key')",
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    s.click_css("dialog.sheet button.close").await.unwrap();
    set_prompt(&s, "a clip nobody can pay for").await;
    let before = max_job_id(&s).await;
    s.click_css("button.generate").await.unwrap();
    let banner = match s.wait_for(".banner .msg", Duration::from_secs(20)).await {
        Ok(b) => b,
        Err(e) => panic!("{e}; jobs: {:?}", jobs(&s).await),
    };
    let banner = s.text(&banner).await.unwrap();
    assert!(banner.contains("balance is too low"), "{banner}");
    let action = s
        .script("return [...document.querySelectorAll('.banner button')].map((b) => b.textContent.trim())", json!([]))
        .await
        .unwrap();
    assert!(action.to_string().contains("Add credit"), "banner actions: {action}");
    // The banner carries Kyma's top-up link: clicking "Add credit" shows it.
    s.script(
        "[...document.querySelectorAll('.banner button')].find((b) => b.textContent.includes('Add credit')).click()",
        json!([]),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let banner_text = s.script("return document.querySelector('.banner').textContent", json!([])).await.unwrap();
    assert!(banner_text.to_string().contains("kymaapi.com/billing"), "no top-up link shown: {banner_text}");
    w.shot(&s, "no-credit").await;
    let refused: Vec<Value> = jobs(&s).await.into_iter().filter(|j| j["id"].as_i64().unwrap_or(0) > before).collect();
    assert!(
        refused.iter().all(|j| j["status"] == "rejected" && j["charged_micros"].is_null()),
        "a refused generation is not charged: {refused:?}"
    );
    // Back to the good key (Settings → Replace key).
    s.click_css("[data-testid=key-indicator]").await.unwrap();
    s.wait_for("dialog.sheet[open] #settings-title", Duration::from_secs(5)).await.unwrap();
    replace_key(&s, KEY).await;
    s.wait_until(
        "the good key is back",
        "return !document.querySelector('dialog.sheet #api-key')",
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    s.click_css("dialog.sheet button.close").await.unwrap();
    s.click_css(".banner button.close").await.unwrap();

    // A truncated JPEG dropped on the window: a clear message on the slot, nothing queued.
    let jpeg = w.image("photo.jpg", &["-size", "800x600", "gradient:#3060c0-#e0a040", "-quality", "90"]);
    let bytes = std::fs::read(&jpeg).unwrap();
    let broken = w.fixtures.path().join("broken.jpg");
    std::fs::write(&broken, &bytes[..bytes.len() / 2]).unwrap();
    let jobs_before = jobs(&s).await.len();
    let sim_before = w.sim.public("/_sim/jobs").await.as_array().unwrap().len();
    let (x, y, width, height) = s.window_rect().await.unwrap();
    w.drop_file(x + width / 2, y + height / 2, &broken);
    let e = s.wait_for(".slot .error-text", Duration::from_secs(20)).await.unwrap();
    let e = s.text(&e).await.unwrap();
    assert!(e.contains("damaged or incomplete"), "{e}");
    assert!(s.find_all(".slot .card").await.unwrap().is_empty(), "no start image is shown");
    w.shot(&s, "corrupt-image").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(jobs(&s).await.len(), jobs_before, "nothing is queued");
    assert_eq!(w.sim.public("/_sim/jobs").await.as_array().unwrap().len(), sim_before);

    step("5b pictures and text pasted from the OS clipboard");
    paste::paste_from_the_clipboard(&mut w, &s).await;

    // 6. Every command, called from the page; no answer carries the key.
    step("6 every IPC command");
    let state = invoke(&s, &mut seen, "app_state", json!({})).await;
    let settings = state["ok"]["settings"].clone();
    let r = invoke(&s, &mut seen, "key_set", json!({"key": KEY})).await;
    assert_eq!(r["ok"]["state"], "keychain", "{r}");
    let r = invoke(&s, &mut seen, "key_use_session", json!({"key": KEY})).await;
    assert_eq!(r["ok"]["state"], "session", "{r}");
    let r = invoke(&s, &mut seen, "key_delete", json!({})).await;
    assert_eq!(r["ok"]["state"], "none", "{r}");
    let r = invoke(&s, &mut seen, "key_set", json!({"key": KEY})).await;
    assert_eq!(r["ok"]["masked"], MASKED, "{r}");
    let r = invoke(&s, &mut seen, "settings_save", json!({"settings": settings, "bucket_secret": null})).await;
    assert_eq!(r["ok"], settings, "{r}");
    // A misnamed argument (the camelCase that once lost the bucket secret) is refused, not dropped.
    let r = invoke(&s, &mut seen, "settings_save", json!({"settings": settings, "bucketSecret": "x"})).await;
    let refusal = r["err"]["message"].as_str().unwrap_or_default();
    assert!(refusal.contains("unknown field `bucketSecret`"), "a misnamed argument must be refused: {r}");
    let r = invoke(&s, &mut seen, "image_from_path", json!({"path": png.display().to_string()})).await;
    assert_eq!(r["ok"]["width"], 1200, "{r}");
    let b64 = base64_of(&std::fs::read(&png).unwrap());
    let r = invoke(&s, &mut seen, "image_from_bytes", json!({"bytes": b64, "name": "pasted.png"})).await;
    let image_id = r["ok"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_string();
    let draft = json!({"model": RESUME_MODEL, "prompt": "the same shapes, called over IPC",
                       "duration": 1, "image_id": image_id, "image_url": null, "end_image_id": null,
                       "end_image_url": null, "takes": 1,
                       "options": {"aspect": null, "negative_prompt": "blur", "cfg_scale": 0.4, "seed": null}});
    let r = invoke(&s, &mut seen, "generate", json!({"draft": draft})).await;
    let ipc_job = r["ok"][0]["id"].as_i64().unwrap_or_else(|| panic!("{r}"));
    // A draft without the shot's fields is refused with the field it lacks, not guessed.
    let old = json!({"model": RESUME_MODEL, "prompt": "x", "duration": 1, "image_id": null, "image_url": null});
    let r = invoke(&s, &mut seen, "generate", json!({"draft": old})).await;
    assert!(r["err"]["message"].as_str().unwrap_or_default().contains("missing field"), "{r}");
    // "Use these settings" of that clip: every option, the picture staged again.
    let r = invoke(&s, &mut seen, "job_settings", json!({"id": ipc_job})).await;
    assert_eq!(r["ok"]["draft"]["options"]["negative_prompt"], "blur", "{r}");
    assert_eq!(r["ok"]["draft"]["options"]["cfg_scale"], 0.4, "{r}");
    assert_eq!(r["ok"]["image"]["width"], 1200, "{r}");
    let r = invoke(&s, &mut seen, "job_again", json!({"id": t2v_id})).await;
    let again_job = r["ok"]["id"].as_i64().unwrap_or_else(|| panic!("{r}"));
    let finished = refused.first().and_then(|j| j["id"].as_i64()).unwrap_or(resume_id);
    let r = invoke(&s, &mut seen, "job_remove", json!({"id": finished})).await;
    assert!(r.get("ok").is_some(), "{r}");
    assert!(jobs(&s).await.iter().all(|j| j["id"] != finished), "the job is gone");
    let r = invoke(&s, &mut seen, "reveal_clip", json!({"id": i2v_id})).await;
    eprintln!("  reveal_clip: {r}");
    assert!(r.get("ok").is_some() || r["err"]["kind"] == "io", "reveal_clip: {r}");
    let r = invoke(&s, &mut seen, "refresh_catalog", json!({})).await;
    assert_eq!(r["ok"].as_array().map(Vec::len), Some(5), "{r}");
    // image_pick opens the native file dialog, which WebDriver cannot drive: not called here.
    wait_job(&s, ipc_job, "succeeded", Duration::from_secs(60)).await;
    wait_job(&s, again_job, "succeeded", Duration::from_secs(60)).await;
    s.wait_until(
        "the queue shows every finished clip",
        "return document.querySelectorAll('li.item.succeeded').length >= 5",
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    select_in_queue(&s, i2v_prompt).await;
    w.readme_shot(&s, "queue").await;
    for line in &seen {
        eprintln!("  {line}");
    }

    step("6b image hosting on a bucket, its secret typed into Settings");
    bucket_hosting(&mut w, &s, &mut seen, &png).await;

    // 7. The gallery and the spend view.
    step("7 gallery and spend");
    let made = gallery::Made { t2v_id, again_id: again_job, resume_id, resume_prompt };
    gallery::gallery_and_spend(&mut w, &s, &mut seen, &made).await;

    step("7b portrait, square and 21:9 clips fit every player");
    fit::every_clip_fits_every_player(&mut w, &s).await;
    step("7c the create form at the smallest window");
    fit::create_fits_the_smallest_window(&mut w, &s).await;
    step("7d three 9:16 takes: seeds, charges, players, the gallery's shape filter");
    shot::takes_in_portrait(&mut w, &s).await;
    step("7e start and end frames, Use these settings, every option at the smallest window");
    shot::start_and_end_frames(&mut w, &s).await;
    step("7f a batch of ten dropped pictures, paused, resumed, finished; the daily cap; the balance");
    batch::batch_and_budget(&mut w, &s).await;
    step("7g a compare board: 3 and 5 models played in sync, a take kept and found by the Kept filter");
    board::compare_board(&mut w, &s).await;

    // 8. Quit; the key is in no file the app wrote.
    step("8 no key in any file");
    // Nor in the environment of the app or anything it started (WebKit's processes, the file
    // manager…): every process below the driver, while they run.
    let apps = w.app_pids();
    assert!(!apps.is_empty(), "the app is running");
    let mut envs = 0;
    for pid in apps.iter().flat_map(|p| std::iter::once(*p).chain(procs::descendants(*p))) {
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else { continue };
        for secret in SECRETS {
            assert!(!contains(&env, secret.as_bytes()), "process {pid}'s environment holds the key {secret}");
        }
        envs += 1;
    }
    assert!(envs >= 2, "the app and its WebKit processes: {envs}");
    eprintln!("  no key in the environment of {envs} processes (the app and its children)");
    s.delete().await;
    procs::wait(Duration::from_secs(15), || w.app_pids().is_empty().then_some(())).expect("the app did not quit");
    let logs = w.xdg("data").join("com.kyma.studio").join("logs");
    let log_files = files_under(&logs);
    assert!(!log_files.is_empty(), "tauri-plugin-log wrote nothing under {}", logs.display());
    let mut scanned = 0;
    for dir in
        [w.data_dir(), w.xdg("config").join("com.kyma.studio"), w.xdg("data").join("com.kyma.studio"), w.xdg("cache")]
    {
        for f in files_under(&dir) {
            let bytes = std::fs::read(&f).unwrap_or_default();
            for secret in SECRETS {
                assert!(!contains(&bytes, secret.as_bytes()), "{} contains the key {secret}", f.display());
            }
            scanned += 1;
        }
    }
    eprintln!("  scanned {scanned} files (logs: {log_files:?})");
    let driver_log = std::fs::read(w.logs.join("driver-and-app.log")).unwrap_or_default();
    for secret in SECRETS {
        assert!(!contains(&driver_log, secret.as_bytes()), "the app's output contains {secret}");
    }
    step("done");
}

/// Step 6b: Settings → an S3 bucket with its secret, typed into the form as a user does; an
/// image-to-video clip made from the app then reaches Kyma as a link to that bucket, and Kyma
/// (the simulator) reads exactly the object the app uploaded. The secret is in the keychain
/// only: step 8 looks for it in every file, log and IPC answer.
async fn bucket_hosting(w: &mut World, s: &Session, seen: &mut Vec<String>, png: &Path) {
    let s3 = kyma_e2e::s3::S3Server::start(BUCKET_ACCESS_KEY, BUCKET_SECRET, BUCKET);
    let before = app_state(s).await["settings"].clone();
    s.click_css("[data-testid=key-indicator]").await.unwrap();
    s.wait_for("dialog.sheet[open] #settings-title", Duration::from_secs(5)).await.unwrap();
    s.click_css("dialog.sheet #hosting-s3").await.unwrap();
    for (field, text) in [
        ("#s3-endpoint", s3.endpoint()),
        ("#s3-bucket", BUCKET.to_string()),
        ("#s3-region", "us-east-1".to_string()),
        ("#s3-access-key", BUCKET_ACCESS_KEY.to_string()),
        ("#s3-secret", BUCKET_SECRET.to_string()),
    ] {
        let e = s.wait_for(&format!("dialog.sheet {field}"), Duration::from_secs(5)).await.unwrap();
        s.send_keys(&e, &text).await.unwrap();
    }
    w.shot(s, "settings-bucket").await;
    s.click_css("dialog.sheet footer button[type=submit]").await.unwrap();
    s.wait_until(
        "the settings sheet closed",
        "return !document.querySelector('dialog.sheet[open]')",
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    let hosting = app_state(s).await["settings"]["image_hosting"].clone();
    assert_eq!(hosting["kind"], "s3", "{hosting}");
    assert_eq!(hosting["secret_set"], true, "the secret reached the keychain: {hosting}");

    let prompt = "the same shapes, hosted on the bucket";
    let r = invoke(s, seen, "image_from_path", json!({"path": png.display().to_string()})).await;
    let image_id = r["ok"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_string();
    let draft = json!({"model": I2V_MODEL, "prompt": prompt, "duration": 1, "image_id": image_id, "image_url": null,
                       "end_image_id": null, "end_image_url": null, "takes": 1,
                       "options": {"aspect": null, "negative_prompt": null, "cfg_scale": null, "seed": null}});
    let r = invoke(s, seen, "generate", json!({"draft": draft})).await;
    let id = r["ok"][0]["id"].as_i64().unwrap_or_else(|| panic!("{r}"));
    wait_job(s, id, "succeeded", Duration::from_secs(60)).await;

    let jobs = w.sim.public("/_sim/jobs").await;
    let at_kyma = jobs.as_array().unwrap().iter().find(|j| j["prompt"] == prompt).expect("Kyma got the job");
    assert_eq!(at_kyma["image_url_kind"], "http", "a link, not inline bytes: {at_kyma}");
    let link = at_kyma["image_url"].as_str().unwrap();
    assert!(link.starts_with(&format!("{}/{BUCKET}/", s3.endpoint())), "a link into the bucket: {link}");
    let objects = s3.objects(BUCKET);
    assert_eq!(objects.len(), 1, "one upload: {:?}", objects.iter().map(|o| &o.0).collect::<Vec<_>>());
    let received = at_kyma["image"]["sha256"].as_str().unwrap();
    assert_eq!(received, sha256_hex(&objects[0].1), "Kyma read exactly the object the app uploaded");
    eprintln!("  Kyma fetched {} ({} bytes) from the bucket", objects[0].0, objects[0].1.len());

    // Back to inline images for the steps after this one (the secret stays in the keychain).
    let r = invoke(s, seen, "settings_save", json!({"settings": before, "bucket_secret": null})).await;
    assert_eq!(r["ok"]["image_hosting"]["kind"], "data_uri", "{r}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

async fn replace_key(s: &Session, key: &str) {
    let replace = s
        .script(
            "return [...document.querySelectorAll('dialog.sheet .key-actions button')]
               .find((b) => b.textContent.trim().startsWith('Replace')) ?? null",
            json!([]),
        )
        .await
        .unwrap();
    let open = s.find_all("dialog.sheet #api-key").await.unwrap().into_iter().next();
    if open.is_none() {
        s.click(&Session::element_of(&replace).expect("a Replace button")).await.unwrap();
    }
    replace_key_again(s, key).await;
}

/// Types a key into the open key form of the settings sheet and submits it.
async fn replace_key_again(s: &Session, key: &str) {
    let field = s.wait_for("dialog.sheet #api-key", Duration::from_secs(5)).await.unwrap();
    s.wait_until(
        "the key field is enabled",
        "return !document.querySelector('dialog.sheet #api-key').disabled",
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    s.send_keys(&field, key).await.unwrap();
    s.click_css("dialog.sheet form.key-form button[type=submit]").await.unwrap();
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
