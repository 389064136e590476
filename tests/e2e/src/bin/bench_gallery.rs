//! `make bench` (gallery part): the real app window with a library of N synthetic generations
//! (`kyma dev seed-library N`), driven through WebDriver under Xvfb. Measures, per N:
//! the window's first paint, opening the gallery (click → first tiles painted), the time from a
//! search keystroke to results in the gallery store (IPC round trip) and on screen, the DOM size
//! at the top and while scrolling through every tile, and the resident memory of the app and its
//! WebKit processes before and after scrolling. Then switching tabs (Create → Gallery → Spend,
//! five times, click → painted), and the baseline of opening the gallery: with `--empty`, the
//! empty Tauri window shows a copy of the app's Create page and then of its first 35 tiles (same
//! markup, styles and posters), timed the same way (`baseline_open`). Run by `scripts/bench.sh`,
//! never by `make test`: speed is reported, not asserted. `--probe` stops after the tabs and the
//! baseline; `BENCH_GALLERY_CSS` (a style added before the gallery opens) and
//! `BENCH_GALLERY_MARK` (a file touched around the first open, for `perf record`) are for finding
//! where time goes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kyma_e2e::procs;
use kyma_e2e::webdriver::Session;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "../../../kyma-sim/tests/common/mod.rs"]
mod sim;
use sim::{Sim, KEY};

struct Args {
    app: PathBuf,
    kyma: PathBuf,
    sim: PathBuf,
    sizes: Vec<u32>,
    out: PathBuf,
    /// The empty Tauri window (tests/bench/empty-app): the baseline page of the gallery's tiles.
    empty: Option<PathBuf>,
    /// Only open the gallery and switch tabs (no search, no scrolling): for finding where time goes.
    probe: bool,
}

fn args() -> Args {
    let mut a = Args {
        app: PathBuf::new(),
        kyma: PathBuf::new(),
        sim: PathBuf::new(),
        sizes: vec![1_000, 10_000],
        out: PathBuf::from("bench/gallery.md"),
        probe: false,
        empty: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        if k == "--probe" {
            a.probe = true;
            continue;
        }
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--app" => a.app = v.into(),
            "--kyma" => a.kyma = v.into(),
            "--sim" => a.sim = v.into(),
            "--sizes" => a.sizes = v.split(',').map(|n| n.trim().parse().expect("--sizes 1000,10000")).collect(),
            "--out" => a.out = v.into(),
            "--empty" => a.empty = Some(v.into()),
            _ => panic!("unknown argument {k}"),
        }
    }
    for (name, p) in [("--app", &a.app), ("--kyma", &a.kyma), ("--sim", &a.sim)] {
        assert!(p.is_file(), "{name} {} is not a file", p.display());
    }
    a
}

/// Resident memory (KiB) of the app and the WebKit processes below `root`.
fn rss_kib(root: u32) -> u64 {
    rss_by_process(root).iter().map(|(_, k)| k).sum()
}

/// (process name, VmRSS KiB) of the app and its WebKit processes below `root`.
fn rss_by_process(root: u32) -> Vec<(String, u64)> {
    procs::descendants(root)
        .into_iter()
        .filter_map(|p| {
            let status = std::fs::read_to_string(format!("/proc/{p}/status")).ok()?;
            let name = status.lines().find_map(|l| l.strip_prefix("Name:"))?.trim().to_string();
            if !(name.starts_with("kyma-studio") || name.starts_with("WebKit")) || name.starts_with("WebKitWebDriv") {
                return None;
            }
            let kib = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.split_whitespace().next()?.parse().ok()?;
            Some((name, kib))
        })
        .collect()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NAN, f64::max)
}

#[derive(Debug, Default)]
struct Figures {
    n: u32,
    seed_s: f64,
    /// `kyma dev time-search`: one query per typed prefix, in the store (µs): median, p95, max, keys.
    store_us: (u64, u64, u64, u64),
    window_ready_ms: f64,
    first_paint_ms: f64,
    gallery_open_ms: f64,
    /// Two animation frames with nothing to draw: the display's own floor.
    idle_two_frames_ms: f64,
    search_ipc_ms: Vec<f64>,
    search_render_ms: Vec<f64>,
    dom_top: u64,
    dom_max_scrolling: u64,
    tiles_max: u64,
    rss_idle_mib: f64,
    rss_after_scroll_mib: f64,
    scroll_steps: u64,
    tabs: Tabs,
    /// The baseline page in the empty window: its first open, then again.
    baseline: Option<(f64, Vec<f64>)>,
}

/// The script that clicks tab `arguments[0]` and answers when `arguments[1]` is in the page and two
/// animation frames later (painted): `{ ms, at: { shown, raf1 } }`.
const SWITCH_TAB: &str = r#"const [tab, sel, done] = arguments;
const nav = document.getElementById('tab-' + tab);
if (!nav) return done({ error: 'no tab ' + tab });
const t0 = performance.now();
const at = {};
nav.click();
at.clicked = performance.now() - t0;
const poll = () => {
  const t = performance.now() - t0;
  if (document.querySelector(sel)) {
    at.shown = t;
    requestAnimationFrame(() => { at.raf1 = performance.now() - t0;
      requestAnimationFrame(() => done({ ms: performance.now() - t0, at })); });
  } else if (t > 30000) done({ error: 'nothing after 30 s', at });
  else setTimeout(poll, 2);
};
poll();"#;

const GALLERY_SHOWN: &str = "[data-testid=gallery-tile]";
const CREATE_SHOWN: &str = "main .create";
const SPEND_SHOWN: &str = "main .spend";

/// Click → painted for one tab, in ms (panics with the page's answer when it never shows).
async fn switch_tab(s: &Session, tab: &str, shown: &str) -> f64 {
    let v = s.script_async(SWITCH_TAB, json!([tab, shown])).await.unwrap();
    v["ms"].as_f64().unwrap_or_else(|| panic!("the {tab} tab did not show: {v}"))
}

/// Switching tabs again and again once the gallery has been opened: Create → Gallery → Spend,
/// `rounds` times, each switch click → painted.
async fn tab_rounds(s: &Session, rounds: usize) -> Tabs {
    let mut t = Tabs::default();
    for _ in 0..rounds {
        tokio::time::sleep(Duration::from_millis(400)).await;
        t.create.push(switch_tab(s, "create", CREATE_SHOWN).await);
        tokio::time::sleep(Duration::from_millis(400)).await;
        t.gallery.push(switch_tab(s, "gallery", GALLERY_SHOWN).await);
        tokio::time::sleep(Duration::from_millis(400)).await;
        t.spend.push(switch_tab(s, "spend", SPEND_SHOWN).await);
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    switch_tab(s, "gallery", GALLERY_SHOWN).await;
    t
}

/// Click → painted, in ms, per switch.
#[derive(Debug, Default, Clone)]
struct Tabs {
    create: Vec<f64>,
    gallery: Vec<f64>,
    spend: Vec<f64>,
}

/// What the app showed: its styles, the page at the Create tab, and the stage with the gallery's
/// first tiles (posters replaced by `__POSTER_<n>__`, their bytes in `posters`).
struct Snapshot {
    css: String,
    html_class: String,
    create_body: String,
    gallery_stage: String,
    posters: Vec<Vec<u8>>,
}

/// Copies what the app shows on the Gallery tab (it must be there, scrolled to the top) and then
/// on the Create tab, for the baseline page.
async fn snapshot(s: &Session) -> Snapshot {
    let g = s
        .script_async(
            r#"const done = arguments[arguments.length - 1];
            const stage = document.querySelector('main.stage').cloneNode(true);
            // The page may not fetch from the clip server (its CSP's connect-src): the bench does.
            const posters = [...stage.querySelectorAll('img')].map((img, n) => {
              const src = img.src;
              img.setAttribute('src', `__POSTER_${n}__`);
              return src;
            });
            const css = [...document.styleSheets].map((sh) => [...sh.cssRules].map((r) => r.cssText).join('\n')).join('\n');
            done({ stage: stage.innerHTML, posters, css, htmlClass: document.documentElement.className });"#,
            json!([]),
        )
        .await
        .unwrap();
    assert!(g.get("error").is_none(), "could not copy the gallery: {g}");
    switch_tab(s, "create", CREATE_SHOWN).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let body = s.script("return document.body.innerHTML", json!([])).await.unwrap();
    switch_tab(s, "gallery", GALLERY_SHOWN).await;
    let mut posters = vec![];
    for url in g["posters"].as_array().unwrap() {
        let r = reqwest::get(url.as_str().unwrap()).await.unwrap();
        assert!(r.status().is_success(), "poster {url}: {}", r.status());
        posters.push(r.bytes().await.unwrap().to_vec());
    }
    Snapshot {
        css: g["css"].as_str().unwrap().into(),
        html_class: g["htmlClass"].as_str().unwrap_or("").into(),
        create_body: body.as_str().unwrap().into(),
        gallery_stage: g["stage"].as_str().unwrap().into(),
        posters,
    }
}

/// The baseline of opening the gallery: the empty Tauri window shows the app's Create page (its
/// markup and styles, copied), then its stage is replaced by the copy of the gallery's first tiles
/// with the same posters, served from a loopback server as the app serves them. Click → painted as
/// for the app: the tiles in the page, then two animation frames. The first time (posters never
/// loaded) and then `rounds` times more.
async fn baseline_open(empty: &Path, driver_url: &str, snap: &Snapshot, rounds: usize) -> (f64, Vec<f64>) {
    let dir = tempfile::tempdir().unwrap();
    let port = procs::free_port();
    let mut stage = snap.gallery_stage.clone();
    for (n, bytes) in snap.posters.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{n}.jpg")), bytes).unwrap();
        stage = stage.replace(&format!("__POSTER_{n}__"), &format!("http://127.0.0.1:{port}/{n}.jpg"));
    }
    let mut c = Command::new("python3");
    c.args(["-m", "http.server", "--bind", "127.0.0.1", &port.to_string(), "--directory"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let _server = procs::Guard::spawn("http.server", c).unwrap();
    let addr = format!("127.0.0.1:{port}");
    let up = Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(up.elapsed() < Duration::from_secs(10), "the poster server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let s = Session::start(driver_url, &empty.display().to_string()).await.unwrap();
    s.wait_until("the empty window", "return document.readyState === 'complete' || null", Duration::from_secs(30))
        .await
        .unwrap();
    s.script(
        "const [css, cls, body] = arguments; const st = document.createElement('style'); st.textContent = css;
         document.head.append(st); document.documentElement.className = cls; document.body.innerHTML = body;",
        json!([snap.css, snap.html_class, snap.create_body]),
    )
    .await
    .unwrap();
    let create_stage = s.script("return document.querySelector('main.stage').innerHTML", json!([])).await.unwrap();
    const SHOW: &str = r#"const [html, done] = arguments;
        const stage = document.querySelector('main.stage');
        const t0 = performance.now();
        stage.innerHTML = html;
        const poll = () => {
          if (document.querySelector('[data-testid=gallery-tile]'))
            requestAnimationFrame(() => requestAnimationFrame(() => done({ ms: performance.now() - t0 })));
          else setTimeout(poll, 2);
        };
        poll();"#;
    let mut times = vec![];
    for _ in 0..=rounds {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let v = s.script_async(SHOW, json!([stage])).await.unwrap();
        times.push(v["ms"].as_f64().unwrap_or_else(|| panic!("the baseline did not draw: {v}")));
        tokio::time::sleep(Duration::from_millis(400)).await;
        s.script("document.querySelector('main.stage').innerHTML = arguments[0]", json!([create_stage])).await.unwrap();
    }
    s.delete().await;
    let first = times.remove(0);
    (first, times)
}

async fn measure(a: &Args, n: u32, clip: &Path) -> Figures {
    let mut f = Figures { n, ..Figures::default() };
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("library");
    let t = Instant::now();
    let out = Command::new(&a.kyma)
        .args(["--data-dir"])
        .arg(&data)
        .args(["dev", "seed-library", &n.to_string(), "--clip"])
        .arg(clip)
        .output()
        .unwrap();
    assert!(out.status.success(), "seed-library failed: {}", String::from_utf8_lossy(&out.stderr));
    f.seed_s = t.elapsed().as_secs_f64();
    let out = Command::new(&a.kyma).arg("--data-dir").arg(&data).args(["dev", "time-search"]).output().unwrap();
    assert!(out.status.success(), "time-search failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("time-search prints JSON");
    assert_eq!(v["library"].as_u64(), Some(u64::from(n)), "the seeded library: {v}");
    let us = |k: &str| v[k].as_u64().unwrap_or(0);
    f.store_us = (us("median_us"), us("p95_us"), us("max_us"), us("keys"));

    let sim = Sim::start_bin(&a.sim, &[]);
    let app_home =
        procs::AppHome { api_base: format!("{}/v1", sim.url), data_dir: data.clone(), xdg: home.path().into() };
    let log = std::fs::File::create(home.path().join("tauri-driver.log")).unwrap();
    let (driver, driver_url) = procs::start_tauri_driver(&app_home, &[("KYMA_API_KEY", KEY)], log);

    let t = Instant::now();
    let s = Session::start(&driver_url, &a.app.display().to_string()).await.unwrap();
    s.wait_for("header nav, #app > *", Duration::from_secs(60)).await.unwrap();
    f.window_ready_ms = t.elapsed().as_secs_f64() * 1000.0;
    // The first frame with the app in it, in ms since navigation start (ui/src/main.ts records
    // it: WebKitGTK has no paint timing entries).
    let paint = s
        .wait_until(
            "the app's first frame",
            "const p = performance.getEntriesByType('paint');
             const e = p.find((x) => x.name === 'first-contentful-paint') || p[0];
             return e ? e.startTime : (window.__kymaFirstFrameMs ?? null)",
            Duration::from_secs(10),
        )
        .await
        .unwrap_or_default();
    f.first_paint_ms = paint.as_f64().unwrap_or(f64::NAN);

    // Let start-up settle (key, catalog, queue), then time two idle frames: the floor under any
    // "→ painted" figure on this display.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut frames = vec![];
    for _ in 0..5 {
        let ms = s
            .script_async(
                "const [done] = arguments; const t0 = performance.now();
                 requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)))",
                json!([]),
            )
            .await
            .unwrap();
        frames.push(ms.as_f64().unwrap_or(f64::NAN));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    f.idle_two_frames_ms = median(&mut frames);
    if let Ok(css) = std::env::var("BENCH_GALLERY_CSS") {
        // Probing: a style tried on the running app (say, without one effect), before the gallery opens.
        s.script(
            "const st = document.createElement('style'); st.textContent = arguments[0]; document.head.append(st)",
            json!([css]),
        )
        .await
        .unwrap();
    }
    let mark = std::env::var("BENCH_GALLERY_MARK").ok();
    if let Some(m) = &mark {
        // Probing: a tracer (perf) starts when this file appears and stops when `.done` does.
        std::fs::write(m, "").unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    // Open the gallery: click → the first tiles painted (two animation frames after they exist).
    let opened = s.script_async(SWITCH_TAB, json!(["gallery", GALLERY_SHOWN])).await.unwrap();
    eprintln!("  opening the gallery: {opened}");
    if let Some(m) = &mark {
        std::fs::write(format!("{m}.done"), "").unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    f.gallery_open_ms = opened["ms"].as_f64().unwrap_or_else(|| panic!("gallery did not open: {opened}"));
    let first = s.script("return window.__kymaGalleryStats ?? null", json!([])).await.unwrap();
    eprintln!("  gallery opened in {:.0} ms; its first search: {first}", f.gallery_open_ms);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    f.tabs = tab_rounds(&s, 5).await;
    eprintln!("  switching tabs: {:?}", f.tabs);
    let snap = a.empty.as_ref().map(|_| snapshot(&s));
    let snap = match snap {
        Some(fut) => Some(fut.await),
        None => None,
    };
    if a.probe {
        s.delete().await;
        if let (Some(empty), Some(snap)) = (&a.empty, &snap) {
            f.baseline = Some(baseline_open(empty, &driver_url, snap, 5).await);
            eprintln!("  baseline: {:?}", f.baseline);
        }
        drop(driver);
        return f;
    }
    f.dom_top =
        s.script("return document.getElementsByTagName('*').length", json!([])).await.unwrap().as_u64().unwrap();
    let root = driver.pid();
    f.rss_idle_mib = rss_kib(root) as f64 / 1024.0;
    eprintln!("  idle: {:?}", rss_by_process(root));

    // Search as a user types: one keystroke at a time, each waiting for its answer on screen.
    let field = s.wait_for("[data-testid=gallery-search]", Duration::from_secs(5)).await.unwrap();
    for word in ["lighthouse", "dusk", "neon city", "slow dolly"] {
        for ch in word.chars() {
            let before = s.script("return window.__kymaGalleryStats?.searches ?? 0", json!([])).await.unwrap();
            s.send_keys(&field, &ch.to_string()).await.unwrap();
            let before = before.as_u64().unwrap_or(0);
            let stats = s
                .wait_until(
                    "the search answered",
                    &format!("const st = window.__kymaGalleryStats; return st && st.searches > {before} ? st : null"),
                    Duration::from_secs(10),
                )
                .await;
            if let Ok(st) = stats {
                if let (Some(ipc), Some(render)) = (st["lastIpcMs"].as_f64(), st["lastSearchMs"].as_f64()) {
                    f.search_ipc_ms.push(ipc);
                    f.search_render_ms.push(render);
                }
            }
        }
        // Clear the field (select all + backspace) before the next word.
        s.send_keys(&field, "\u{E009}a\u{E000}\u{E003}").await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    s.send_keys(&field, "\u{E009}a\u{E000}\u{E003}").await.unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;

    // Scroll through every tile, top to bottom, sampling the DOM size: 40 screens per script call
    // (WebDriver gives a script 60 s).
    let mut y = 0.0;
    let mut scrolled = json!({});
    let (mut max_nodes, mut max_tiles, mut steps) = (0u64, 0u64, 0u64);
    loop {
        scrolled = s
            .script_async(
                r#"const [from, done] = arguments;
                const tile = document.querySelector('[data-testid=gallery-tile]');
                let el = tile && tile.parentElement;
                while (el && !(el.scrollHeight > el.clientHeight + 10 && /(auto|scroll)/.test(getComputedStyle(el).overflowY))) el = el.parentElement;
                if (!el) return done({ error: 'no scrolling container' });
                const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 15)));
                (async () => {
                  let maxNodes = 0, maxTiles = 0, steps = 0, y = from;
                  const step = el.clientHeight * 0.9;
                  for (; y <= el.scrollHeight && steps < 40; y += step) {
                    el.scrollTop = y; steps++;
                    await frame(); await frame();
                    maxNodes = Math.max(maxNodes, document.getElementsByTagName('*').length);
                    maxTiles = Math.max(maxTiles, document.querySelectorAll('[data-testid=gallery-tile]').length);
                  }
                  done({ maxNodes, maxTiles, steps, y, end: y > el.scrollHeight, height: el.scrollHeight });
                })();"#,
                json!([y]),
            )
            .await
            .unwrap();
        if scrolled.get("error").is_some() {
            break;
        }
        max_nodes = max_nodes.max(scrolled["maxNodes"].as_u64().unwrap_or(0));
        max_tiles = max_tiles.max(scrolled["maxTiles"].as_u64().unwrap_or(0));
        steps += scrolled["steps"].as_u64().unwrap_or(0);
        y = scrolled["y"].as_f64().unwrap_or(f64::INFINITY);
        if scrolled["end"] == true {
            break;
        }
    }
    scrolled["maxNodes"] = json!(max_nodes);
    scrolled["maxTiles"] = json!(max_tiles);
    scrolled["steps"] = json!(steps);
    assert!(scrolled.get("error").is_none(), "{scrolled}");
    f.dom_max_scrolling = scrolled["maxNodes"].as_u64().unwrap_or(0);
    f.tiles_max = scrolled["maxTiles"].as_u64().unwrap_or(0);
    f.scroll_steps = scrolled["steps"].as_u64().unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    f.rss_after_scroll_mib = rss_kib(root) as f64 / 1024.0;
    eprintln!("  after scrolling: {:?}", rss_by_process(root));
    s.delete().await;
    if let (Some(empty), Some(snap)) = (&a.empty, &snap) {
        f.baseline = Some(baseline_open(empty, &driver_url, snap, 5).await);
        eprintln!("  baseline: {:?}", f.baseline);
    }
    drop(driver);
    f
}

fn clip(dir: &Path) -> PathBuf {
    let p = dir.join("seed.mp4");
    let ok = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=1280x720:rate=24"])
        .args(["-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "veryfast"])
        .arg(&p)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "ffmpeg could not make the seed clip");
    p
}

#[tokio::main]
async fn main() {
    let a = args();
    let tmp = tempfile::tempdir().unwrap();
    let clip = clip(tmp.path());
    let mut all = vec![];
    for &n in &a.sizes {
        eprintln!("bench-gallery: {n} generations…");
        let mut f = measure(&a, n, &clip).await;
        eprintln!("  {f:?}");
        f.search_ipc_ms.sort_by(|x, y| x.total_cmp(y));
        all.push(f);
    }
    let mut md = String::from(
        "| library | seed | search in the store median / p95 / max | window ready | first paint | gallery open (2 idle frames) | baseline open (again) | open / baseline | tab switch create / gallery / spend, medians (max) | search IPC median / max | search → screen median / max | DOM nodes top / max scrolling | tiles in DOM (max) | RSS idle → after scrolling all |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for f in &mut all {
        let (mut ipc, mut render) = (f.search_ipc_ms.clone(), f.search_render_ms.clone());
        let (base, base_again) = f.baseline.clone().unwrap_or((f64::NAN, vec![]));
        let mut again = base_again.clone();
        let tabs = [f.tabs.create.clone(), f.tabs.gallery.clone(), f.tabs.spend.clone()];
        let medians: Vec<f64> = tabs.iter().map(|t| median(&mut t.clone())).collect();
        let slowest = tabs.iter().map(|t| max(t)).fold(f64::NAN, f64::max);
        md += &format!(
            "| {} | {:.1} s | {:.2} / {:.2} / {:.2} ms ({} keys) | {:.0} ms | {:.0} ms | {:.0} ms ({:.0} ms) | {:.0} ms ({:.0} ms) | {:.2}× | {:.0} / {:.0} / {:.0} ms ({:.0} ms) | {:.1} / {:.1} ms ({} keys) | {:.1} / {:.1} ms | {} / {} | {} | {:.0} → {:.0} MiB |\n",
            f.n,
            f.seed_s,
            f.store_us.0 as f64 / 1000.0,
            f.store_us.1 as f64 / 1000.0,
            f.store_us.2 as f64 / 1000.0,
            f.store_us.3,
            f.window_ready_ms,
            f.first_paint_ms,
            f.gallery_open_ms,
            f.idle_two_frames_ms,
            base,
            median(&mut again),
            f.gallery_open_ms / base,
            medians[0],
            medians[1],
            medians[2],
            slowest,
            median(&mut ipc),
            max(&f.search_ipc_ms),
            f.search_ipc_ms.len(),
            median(&mut render),
            max(&f.search_render_ms),
            f.dom_top,
            f.dom_max_scrolling,
            f.tiles_max,
            f.rss_idle_mib,
            f.rss_after_scroll_mib,
        );
    }
    // Ratios against the smallest library, measured in the same run: what grows with N.
    if let [small, .., big] = all.as_slice() {
        let r = |a: f64, b: f64| if a > 0.0 { b / a } else { f64::NAN };
        md += &format!(
            "\n{} vs {} generations ({}×): search in the store {:.2}×, gallery open {:.2}×, DOM nodes while scrolling {:.2}×, \
             RSS after scrolling through every tile {:.2}×.\n",
            big.n,
            small.n,
            big.n / small.n.max(1),
            r(small.store_us.0 as f64, big.store_us.0 as f64),
            r(small.gallery_open_ms, big.gallery_open_ms),
            r(small.dom_max_scrolling as f64, big.dom_max_scrolling as f64),
            r(small.rss_after_scroll_mib, big.rss_after_scroll_mib),
        );
    }
    println!("\n{md}");
    if let Some(dir) = a.out.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    let when = Command::new("date").arg("-u").arg("+%Y-%m-%d %H:%M UTC").output().map(|o| o.stdout).unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_default();
    let body = format!(
        "# Gallery at scale\n\n{} · {} · {} cores · release build under Xvfb\n\n{md}\n",
        String::from_utf8_lossy(&when).trim(),
        cpu,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    std::fs::write(&a.out, body).unwrap();
    eprintln!("bench-gallery: wrote {}", a.out.display());
}
