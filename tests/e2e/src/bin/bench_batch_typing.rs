//! `make bench` (batch part, the window's side): while a 50-picture batch runs at tier 1 against
//! kyma-sim, is the window still responsive? And does a 5-model board play in sync? Real key presses (xdotool, through XTEST, as from a
//! keyboard) type into the prompt field; the page records, for each keydown, the time from the
//! event to the first frame painted after it (an animation frame, then the next task: the paint
//! has happened by then). The same typing with nothing running is the baseline, on the same
//! display. Writes a table to `--out`; speed is reported, never asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kyma_e2e::clipboard::window_of;
use kyma_e2e::procs;
use kyma_e2e::webdriver::Session;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "../../../kyma-sim/tests/common/mod.rs"]
mod sim;
use sim::{Sim, KEY};

struct Args {
    app: PathBuf,
    sim: PathBuf,
    images: usize,
    job_seconds: f64,
    out: PathBuf,
}

fn args() -> Args {
    let mut a = Args {
        app: PathBuf::new(),
        sim: PathBuf::new(),
        images: 50,
        job_seconds: 10.0,
        out: PathBuf::from("bench/batch-typing.md"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--app" => a.app = v.into(),
            "--sim" => a.sim = v.into(),
            "--images" => a.images = v.parse().expect("--images N"),
            "--job-seconds" => a.job_seconds = v.parse().expect("--job-seconds S"),
            "--out" => a.out = v.into(),
            _ => panic!("unknown argument {k}"),
        }
    }
    for (name, p) in [("--app", &a.app), ("--sim", &a.sim)] {
        assert!(p.is_file(), "{name} {} is not a file", p.display());
    }
    a
}

fn quantile(v: &[f64], q: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// The spread of one sample row (seconds): clips looping at their end count as near their start
/// (a clip at 1.99 s of 2 and one at 0.01 s are 20 ms apart, not 1.98 s).
fn loop_spread(row: &[(f64, f64)]) -> f64 {
    let span = |ts: &[f64]| {
        let max = ts.iter().copied().fold(f64::MIN, f64::max);
        let min = ts.iter().copied().fold(f64::MAX, f64::min);
        max - min
    };
    let plain: Vec<f64> = row.iter().map(|r| r.0).collect();
    let wrapped: Vec<f64> = row.iter().map(|&(t, d)| if d.is_finite() && t < d / 2.0 { t + d } else { t }).collect();
    span(&plain).min(span(&wrapped))
}

/// Installs the page's probe: each keydown's time to the next painted frame, in ms.
const PROBE: &str = r#"
  window.__kymaKeys = [];
  if (!window.__kymaProbe) {
    window.__kymaProbe = true;
    const ch = new MessageChannel();
    let waiting = [];
    ch.port1.onmessage = () => {
      const now = performance.now();
      for (const t of waiting) window.__kymaKeys.push(now - t);
      waiting = [];
    };
    document.addEventListener('keydown', (e) => {
      const t = e.timeStamp;
      requestAnimationFrame(() => { waiting.push(t); ch.port2.postMessage(0); });
    }, true);
  }
  const f = document.querySelector('textarea#prompt');
  f.focus();
  f.value = '';
  return true;"#;

/// Types `text` with real key presses into the app's window; answers the page's latencies.
async fn type_and_measure(s: &Session, window: &str, text: &str) -> Vec<f64> {
    s.script(PROBE, json!([])).await.unwrap();
    let ok = Command::new("xdotool")
        .args(["windowfocus", "--sync", window, "type", "--delay", "90", text])
        .status()
        .map(|st| st.success())
        .unwrap_or(false);
    assert!(ok, "xdotool type failed");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let v = s.script("return window.__kymaKeys", json!([])).await.unwrap();
    serde_json::from_value(v).unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("library");
    let job_seconds = a.job_seconds.to_string();
    let sim = Sim::start_bin(&a.sim, &["--tier", "1", "--balance-usd", "1000", "--job-seconds", &job_seconds]);
    let app_home =
        procs::AppHome { api_base: format!("{}/v1", sim.url), data_dir: data.clone(), xdg: home.path().into() };
    let log = std::fs::File::create(home.path().join("tauri-driver.log")).unwrap();
    let (driver, driver_url) = procs::start_tauri_driver(&app_home, &[("KYMA_API_KEY", KEY)], log);
    let s = Session::start(&driver_url, &a.app.display().to_string()).await.unwrap();
    s.wait_for("textarea#prompt", Duration::from_secs(60)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let app_pid =
        procs::wait(Duration::from_secs(10), || procs::descendants_running(driver.pid(), &a.app).first().copied())
            .expect("the app's process");
    let window = window_of(app_pid).unwrap();

    let text = "a slow dolly shot through a rain soaked neon alley at night";
    let idle = type_and_measure(&s, &window, text).await;

    // The batch: pictures staged through the app, then one group of them all.
    let pics = home.path().join("pictures");
    std::fs::create_dir_all(&pics).unwrap();
    let mut ids = Vec::new();
    for i in 0..a.images {
        let p = pics.join(format!("pic-{i:02}.png"));
        let colour = format!("rgb({},{},{})", (i * 37) % 256, (i * 91) % 256, (i * 53) % 256);
        let ok = Command::new("convert")
            .args(["-size", "1200x800", &format!("xc:{colour}")])
            .arg(&p)
            .status()
            .map(|st| st.success())
            .unwrap_or(false);
        assert!(ok, "convert failed");
        let r = s.invoke("image_from_path", json!({"path": p.display().to_string()})).await.unwrap();
        ids.push(r["ok"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_string());
    }
    let drafts: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({"model": "kling-2.5-pro", "prompt": "the product turns slowly", "duration": 1,
                   "image_id": id, "image_url": null, "end_image_id": null, "end_image_url": null, "takes": 1,
                   "options": {"aspect": null, "negative_prompt": null, "cfg_scale": null, "seed": null}})
        })
        .collect();
    let started = Instant::now();
    let r =
        s.invoke("group_make", json!({"group": {"kind": "batch", "title": "bench", "drafts": drafts}})).await.unwrap();
    let gid = r["ok"]["id"].as_i64().unwrap_or_else(|| panic!("{r}"));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut busy = Vec::new();
    let mut rounds = 0;
    // Type while the batch runs (each round ~6 s of typing), until it is done or 4 rounds.
    loop {
        let g = s.invoke("group_get", json!({"id": gid})).await.unwrap();
        let done = g["ok"]["done"].as_u64().unwrap_or(0) as usize;
        if done >= a.images || rounds >= 4 {
            break;
        }
        busy.extend(type_and_measure(&s, &window, text).await);
        rounds += 1;
    }
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let g = s.invoke("group_get", json!({"id": gid})).await.unwrap();
        if g["ok"]["done"].as_u64().unwrap_or(0) as usize >= a.images {
            break;
        }
        assert!(Instant::now() < deadline, "the batch did not finish");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let wall = started.elapsed().as_secs_f64();
    let stats: Value = reqwest::get(format!("{}/_sim/stats", sim.url)).await.unwrap().json().await.unwrap();

    // A 5-model board played in sync: every cell's currentTime sampled every 250 ms for 5 s.
    let models = ["kling-2.5-pro", "kling-3-pro", "kling-3-pro-audio", "seedance-2-pro", "seedance-2-fast"];
    let cells: Vec<Value> = models
        .iter()
        .map(|m| {
            json!({"model": m, "prompt": "a paper boat on a rainy street, close up", "duration": 2,
                   "image_id": null, "image_url": null, "end_image_id": null, "end_image_url": null, "takes": 1,
                   "options": {"aspect": null, "negative_prompt": null, "cfg_scale": null, "seed": null}})
        })
        .collect();
    let r = s
        .invoke("group_make", json!({"group": {"kind": "board", "title": "bench board", "drafts": cells}}))
        .await
        .unwrap();
    let board = r["ok"]["id"].as_i64().unwrap_or_else(|| panic!("{r}"));
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let g = s.invoke("group_get", json!({"id": board})).await.unwrap();
        if g["ok"]["done"].as_u64() == Some(5) {
            break;
        }
        assert!(Instant::now() < deadline, "the board did not finish");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    s.wait_for(&format!("li.group[data-group=\"{board}\"] [data-action=open-board]"), Duration::from_secs(10))
        .await
        .unwrap();
    s.click_css(&format!("li.group[data-group=\"{board}\"] [data-action=open-board]")).await.unwrap();
    s.wait_for("[data-testid=board-play]", Duration::from_secs(10)).await.unwrap();
    s.wait_until(
        "every cell ready",
        "const v = [...document.querySelectorAll('[data-testid=board-cell] video')];
         return v.length === 5 && v.every((x) => x.readyState >= 3) ? true : null",
        Duration::from_secs(30),
    )
    .await
    .unwrap();
    s.click_css("[data-testid=board-play]").await.unwrap();
    s.wait_until(
        "every cell plays",
        "const v = [...document.querySelectorAll('[data-testid=board-cell] video')];
         return v.length && v.every((x) => !x.paused && x.currentTime > 0.15) ? true : null",
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    let mut spreads = Vec::new();
    for _ in 0..21 {
        let row = s
            .script(
                "return [...document.querySelectorAll('[data-testid=board-cell] video')].map((v) => [v.currentTime, v.duration])",
                json!([]),
            )
            .await
            .unwrap();
        let row: Vec<(f64, f64)> = serde_json::from_value(row).unwrap();
        spreads.push(loop_spread(&row));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    drop(s);
    drop(driver);
    drop(sim);

    let row = |name: &str, v: &[f64]| {
        format!(
            "| {name} | {} | {:.1} | {:.1} | {:.1} |\n",
            v.len(),
            quantile(v, 0.5),
            quantile(v, 0.95),
            quantile(v, 1.0)
        )
    };
    let mut md = String::from(
        "### Typing while a batch runs (the window, real key presses)\n\n\
         Keydown → next painted frame, ms, in the release app under Xvfb. Baseline: the same typing with nothing running.\n\n\
         | while | keys | median | p95 | max |\n|---|---:|---:|---:|---:|\n",
    );
    md.push_str(&row("nothing running (baseline)", &idle));
    md.push_str(&row(&format!("a {}-picture batch at tier 1", a.images), &busy));
    md.push_str(&format!(
        "\n### A 5-model board played in sync\n\nEvery cell's `currentTime`, sampled every 250 ms for 5 s in the real window \
         (21 samples): the largest spread across cells **{:.1} ms** (median {:.1} ms; target ≤ 40 ms).\n",
        quantile(&spreads, 1.0) * 1000.0,
        quantile(&spreads, 0.5) * 1000.0
    ));
    let ratio = quantile(&busy, 0.5) / quantile(&idle, 0.5);
    md.push_str(&format!(
        "\nMedian during the batch: {:.1} ms ({ratio:.2}× the idle median; target ≤ 50 ms). \
         The batch of {} took {wall:.0} s in the app (posts {}, queue_full refusals {}, rpm refusals {}, at most {} open at Kyma).\n",
        quantile(&busy, 0.5),
        a.images,
        stats["posts"],
        stats["queue_full_refusals"],
        stats["rpm_rejections"],
        stats["max_open_jobs"],
    ));
    std::fs::write(&a.out, &md).unwrap();
    print!("{md}");
    let _ = std::io::Write::flush(&mut std::io::stdout());
    // One history row under `make bench`'s run (scripts/bench.sh exports BENCH_RUN).
    if let Ok(run) = std::env::var("BENCH_RUN") {
        let tsv = a.out.parent().unwrap_or(Path::new("bench")).join("history.tsv");
        let mut f = std::fs::OpenOptions::new().append(true).create(true).open(tsv).unwrap();
        let rows = format!(
            "{run}\tbatch_typing_median_ms\t{:.1}\n{run}\tboard_sync_spread_max_ms\t{:.1}\n",
            quantile(&busy, 0.5),
            quantile(&spreads, 1.0) * 1000.0
        );
        std::io::Write::write_all(&mut f, rows.as_bytes()).unwrap();
    }
}
