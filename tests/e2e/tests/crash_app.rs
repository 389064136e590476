//! The crash matrix for the app: the real window submits a clip, the app is killed (SIGKILL) at
//! a point of the job's life, a new app instance starts on the same library, and the audit
//! compares the library with Kyma's books: 0 lost paid clips, 0 duplicate charges, 0 broken or
//! half files. Failpoints (`KYMA_FAILPOINT`, src-tauri/src/jobs/failpoint.rs) kill the app from
//! inside; "post_in_flight" is a `kill -9` from here while kyma-sim, which has created the job,
//! holds back its answer.
//!
//! In `make test`: each point once, the models rotating. `KYMA_SOAK_FULL=1` (`make soak`): each
//! point × each of the five models. `KYMA_SOAK_REPORT=<dir>` writes the table as crash-app.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../common/audit.rs"]
mod audit;
#[path = "../../kyma-sim/tests/common/mod.rs"]
mod sim;

use audit::{audit, table, Audit, MATRIX, MODELS};
use kyma_e2e::form::{choose_model, jobs, press_generate, set_duration, set_prompt};
use kyma_e2e::procs::{self, AppHome, Guard};
use kyma_e2e::webdriver::Session;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const FINISHED: [&str; 5] = ["succeeded", "failed", "refunded", "expired", "rejected"];

struct Rig {
    sim: sim::Sim,
    app: PathBuf,
    kyma: PathBuf,
    logs: PathBuf,
}

impl Rig {
    /// tauri-driver for one library, with the failpoint armed when given.
    fn driver(&self, home: &AppHome, failpoint: Option<&str>, log_name: &str) -> (Guard, String) {
        let log = std::fs::File::create(self.logs.join(log_name)).unwrap();
        let extra: Vec<(&str, &str)> = failpoint.map(|p| vec![("KYMA_FAILPOINT", p)]).unwrap_or_default();
        procs::start_tauri_driver(home, &extra, log)
    }

    fn app_pid(&self, driver: &Guard) -> Option<u32> {
        procs::descendants_running(driver.pid(), &self.app).first().copied()
    }

    /// The library's records, read by the `kyma` CLI (the same core) once the app is gone.
    fn records(&self, home: &AppHome) -> Vec<Value> {
        let out = std::process::Command::new(&self.kyma)
            .args(["jobs", "--json"])
            .env("KYMA_STUDIO_DATA_DIR", &home.data_dir)
            .env("KYMA_API_BASE", &home.api_base)
            .env_remove("KYMA_API_KEY")
            .output()
            .unwrap();
        assert!(out.status.success(), "kyma jobs: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().clone()
    }
}

/// tauri-driver and a session with the app in its window. tauri-driver sometimes cannot reach
/// the WebKitWebDriver it starts ("tcp connect error"): then both start again, up to 3 times.
async fn launch(rig: &Rig, home: &AppHome, failpoint: Option<&str>, log_name: &str) -> (Guard, Session) {
    let mut last = String::new();
    for attempt in 1..=3 {
        let (driver, url) = rig.driver(home, failpoint, log_name);
        match Session::start(&url, &rig.app.display().to_string()).await {
            Ok(s) => {
                s.wait_for("#app > *", Duration::from_secs(30)).await.unwrap();
                return (driver, s);
            }
            Err(e) => {
                eprintln!("    the window did not open (attempt {attempt}): {e}");
                last = e;
                drop(driver);
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    panic!("the app's window never opened: {last}");
}

/// Types the key on the first-run screen (once: it goes to the OS keychain, which every later
/// library of this D-Bus session finds).
async fn enter_key(rig: &Rig, home: &AppHome) {
    let (driver, s) = launch(rig, home, None, "crash-key.log").await;
    let field = s.wait_for("[data-testid=first-run] #api-key", Duration::from_secs(30)).await.unwrap();
    s.send_keys(&field, sim::KEY).await.unwrap();
    s.click_css("[data-testid=first-run] form.key-form button[type=submit]").await.unwrap();
    s.wait_for("[data-testid=key-indicator] .masked", Duration::from_secs(20)).await.unwrap();
    s.delete().await;
    drop(driver);
}

/// One run: submit in the window, die at `point`, restart, let the new instance finish.
async fn run_once(rig: &Rig, n: usize, point: &str, model: &str) -> Audit {
    let root = tempfile::tempdir().unwrap();
    let home = AppHome {
        api_base: format!("{}/v1", rig.sim.url),
        data_dir: root.path().join("library"),
        xdg: root.path().to_path_buf(),
    };
    let prefix = format!("crash r{n} ");
    let prompt = format!("{prefix}{point} {model}");
    let in_flight = point == "post_in_flight";
    if in_flight {
        rig.sim.set_faults(json!({ "answer_delay_ms": 5000 })).await;
    }
    let (driver, s) = launch(rig, &home, (!in_flight).then_some(point), &format!("crash-{n}-{point}.log")).await;
    s.wait_for("[data-testid=key-indicator] .masked", Duration::from_secs(20)).await.unwrap();
    choose_model(&s, model).await;
    set_duration(&s, 2).await;
    set_prompt(&s, &prompt).await;
    let pid = rig.app_pid(&driver).expect("the app runs under tauri-driver");
    // The app may die while the click is answered.
    let _ = press_generate(&s).await;
    if in_flight {
        procs::wait(Duration::from_secs(20), || {
            let jobs = futures_block(rig.sim.public("/_sim/jobs"));
            jobs.as_array().unwrap().iter().any(|j| j["prompt"] == prompt.as_str()).then_some(())
        })
        .expect("the POST never reached Kyma");
        procs::kill9(pid);
    }
    let gone = procs::wait(Duration::from_secs(60), || {
        (!Path::new(&format!("/proc/{pid}")).exists() || procs::descendants_running(driver.pid(), &rig.app).is_empty())
            .then_some(())
    });
    assert!(gone.is_some(), "{point} {model}: the app never reached its crash point");
    if in_flight {
        rig.sim.set_faults(json!({})).await;
    }
    s.delete().await;
    drop(driver);

    // A new instance on the same library finishes what the dead one left.
    let (driver, s) = launch(rig, &home, None, &format!("crash-{n}-{point}-restart.log")).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let jobs = jobs(&s).await;
        let done = jobs.iter().all(|j| FINISHED.contains(&j["status"].as_str().unwrap_or("")))
            && jobs.iter().all(|j| j["status"] != "succeeded" || j["clip_url"].is_string());
        let expected = usize::from(point != "before_db_write");
        if done && jobs.len() == expected {
            break;
        }
        assert!(Instant::now() < deadline, "{point} {model}: not finished after the restart: {jobs:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    s.delete().await;
    drop(driver);

    let records = rig.records(&home);
    let mut a = audit(
        &rig.sim.public("/_sim/jobs").await,
        &rig.sim.ledger().await,
        &records,
        &home.data_dir.join("clips"),
        &prefix,
    );
    let expected_paid = usize::from(point != "before_db_write");
    if a.paid_jobs != expected_paid {
        a.wrong_states += 1;
        a.problems.push(format!("{point} {model}: {} paid jobs, expected {expected_paid}", a.paid_jobs));
    }
    a
}

/// Runs a future to completion from inside a synchronous wait loop.
fn futures_block<F: std::future::Future>(f: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(f))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_killed_at_every_point_loses_and_double_pays_nothing() {
    if std::env::var("KYMA_E2E").as_deref() != Ok("1") {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true without KYMA_E2E=1: run scripts/e2e.sh");
        eprintln!("skipped: run scripts/e2e.sh");
        return;
    }
    let full = std::env::var("KYMA_SOAK_FULL").as_deref() == Ok("1");
    let app = procs::built_binary("kyma-studio");
    let kyma = procs::built_binary("kyma");
    assert!(app.is_file() && kyma.is_file(), "build kyma-studio and kyma first (scripts/e2e.sh does)");
    let logs = app.parent().unwrap().join("e2e-logs");
    std::fs::create_dir_all(&logs).unwrap();
    let rig = Rig { sim: sim::Sim::start(&["--job-seconds", "1"]), app, kyma, logs };

    let started = Instant::now();
    procs::forget_key();
    let first = tempfile::tempdir().unwrap();
    enter_key(
        &rig,
        &AppHome {
            api_base: format!("{}/v1", rig.sim.url),
            data_dir: first.path().join("library"),
            xdg: first.path().to_path_buf(),
        },
    )
    .await;
    let mut rows = vec![];
    let mut n = 0;
    for (i, point) in MATRIX.iter().enumerate() {
        let models: Vec<&str> = if full { MODELS.to_vec() } else { vec![MODELS[i % 5]] };
        let mut row = Audit::default();
        for model in &models {
            n += 1;
            let t = Instant::now();
            let a = run_once(&rig, n, point, model).await;
            eprintln!(
                "  {point} × {model}: {:.1} s, {}",
                t.elapsed().as_secs_f64(),
                if a.is_clean() { "clean" } else { "PROBLEMS" }
            );
            if !a.is_clean() {
                eprintln!("    {:?}", a.problems);
            }
            row.add(&a);
        }
        rows.push((point.to_string(), models.len(), row));
    }
    let report = format!(
        "### Crash matrix — the app (kill -9 in the real window, then a new instance)\n\n{}\n{n} runs, {} model(s) per point, {:.0} s.\n",
        table(&rows),
        if full { 5 } else { 1 },
        started.elapsed().as_secs_f64()
    );
    eprintln!("{report}");
    if let Ok(dir) = std::env::var("KYMA_SOAK_REPORT") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join("crash-app.md"), &report).unwrap();
    }
    procs::forget_key();
    let problems: Vec<&String> = rows.iter().flat_map(|(_, _, a)| a.problems.iter()).collect();
    assert!(problems.is_empty(), "the app's crash matrix found problems: {problems:#?}");
}
