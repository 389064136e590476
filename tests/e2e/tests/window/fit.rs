//! The fitting steps of the window test: clips made from portrait (1080×1920), square and 21:9
//! start images play whole, with their controls in view, in the Create view's preview, in the
//! gallery's details player and full screen; and at the smallest window (960×600) the create
//! form's Price and Generate stay in view and Generate works. Measured by element geometry.

use super::gallery::{click_in_tile, open_tab};
use super::*;

/// A start image of `width`×`height`: a gradient with a magenta band along its top edge, a cyan band
/// along its bottom edge and a white disc in the middle, so a cropped or shifted frame shows.
fn fixture(w: &World, name: &str, width: u32, height: u32) -> PathBuf {
    let band = (height / 32).max(24);
    let r = width.min(height) / 5;
    let (cx, cy) = (width / 2, height / 2);
    w.image(
        name,
        &[
            "-size",
            &format!("{width}x{height}"),
            "gradient:#1b3a8c-#2bb673",
            "-fill",
            "#ff00ff",
            "-draw",
            &format!("rectangle 0,0 {},{}", width - 1, band - 1),
            "-fill",
            "#00ffff",
            "-draw",
            &format!("rectangle 0,{} {},{}", height - band, width - 1, height - 1),
            "-fill",
            "white",
            "-draw",
            &format!("circle {cx},{cy} {cx},{}", cy + r),
        ],
    )
}

/// One clip to make: its name in the logs, the start image's size, the size the app stages it
/// at (longer side at most 2048), and the prompt.
struct Shape {
    name: &'static str,
    width: u32,
    height: u32,
    staged: &'static str,
    prompt: &'static str,
}

const SHAPES: [Shape; 3] = [
    Shape {
        name: "portrait 9:16",
        width: 1080,
        height: 1920,
        staged: "1080 × 1920",
        prompt: "fit check: a portrait photo, 9 by 16",
    },
    Shape {
        name: "square 1:1", width: 1080, height: 1080, staged: "1080 × 1080", prompt: "fit check: a square photo"
    },
    Shape {
        name: "wide 21:9",
        width: 2100,
        height: 900,
        staged: "2048 × 878",
        prompt: "fit check: a cinema-wide photo, 21 by 9",
    },
];

/// Measures the `<video>` matching `video` once its picture size is known: the element's box,
/// the picture inside it (object-fit: contain, so the letterboxed content rect is computed from
/// videoWidth/videoHeight and the box), each box in `boxes` (the player, its controls), the
/// viewport, and what is on top at the bottom of the video (where its own controls are drawn).
const GEOMETRY: &str = r#"const [video, boxes, done] = arguments;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const rect = (e) => { const r = e.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height }; };
  (async () => {
    const deadline = Date.now() + 25000;
    let v = null;
    while (!(v = document.querySelector(video)) && Date.now() < deadline) await sleep(100);
    if (!v) return done({ error: "no " + video });
    while ((v.readyState < 2 || !v.videoWidth) && !v.error && Date.now() < deadline) await sleep(100);
    if (!v.videoWidth) return done({ error: "no picture", readyState: v.readyState, mediaError: v.error && v.error.code });
    // Let a resize or a full-screen change settle.
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const box = rect(v);
    const style = getComputedStyle(v);
    const scale = Math.min(box.width / v.videoWidth, box.height / v.videoHeight);
    const w = v.videoWidth * scale, h = v.videoHeight * scale;
    const left = box.left + (box.width - w) / 2, top = box.top + (box.height - h) / 2;
    const content = { left, top, right: left + w, bottom: top + h, width: w, height: h };
    const named = {};
    for (const [name, css] of Object.entries(boxes)) {
      const e = document.querySelector(css);
      named[name] = e ? rect(e) : null;
    }
    const probe = document.elementFromPoint(box.left + box.width / 2, Math.max(box.top, box.bottom - 12));
    done({ videoWidth: v.videoWidth, videoHeight: v.videoHeight, controls: v.controls,
           objectFit: style.objectFit, objectPosition: style.objectPosition, box, content, boxes: named,
           viewport: { left: 0, top: 0, right: innerWidth, bottom: innerHeight, width: innerWidth, height: innerHeight },
           controlsOnTop: probe === v, probe: probe ? probe.tagName + "." + probe.className : null,
           fullscreen: document.fullscreenElement === v || document.webkitFullscreenElement === v });
  })();"#;

pub(super) async fn geometry(s: &Session, video: &str, boxes: Value) -> Value {
    s.script_async(GEOMETRY, json!([video, boxes])).await.unwrap()
}

fn r(m: &Value, path: &[&str]) -> [f64; 4] {
    let mut v = m;
    for p in path {
        v = &v[*p];
    }
    let n = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("no {path:?}.{k} in {m}"));
    [n("left"), n("top"), n("right"), n("bottom")]
}

/// `inner` lies inside `outer` (half a pixel of rounding allowed).
fn inside(inner: [f64; 4], outer: [f64; 4]) -> bool {
    const E: f64 = 0.5;
    inner[0] >= outer[0] - E && inner[1] >= outer[1] - E && inner[2] <= outer[2] + E && inner[3] <= outer[3] + E
}

fn show(x: [f64; 4]) -> String {
    format!("({:.0},{:.0})–({:.0},{:.0}) {:.0}×{:.0}", x[0], x[1], x[2], x[3], x[2] - x[0], x[3] - x[1])
}

/// Asserts a measurement: the clip's picture is whole inside the video's box, which is inside
/// every box in `within` (the player…) and the viewport; the picture fills the box along one
/// side (fitted, not shrunk); the controls' strip is the video's own and in view; every box in
/// `visible` (toolbars, the close button) is in the viewport. Answers a one-line summary.
pub(super) fn assert_fits(what: &str, m: &Value, want: (u32, u32), within: &[&str], visible: &[&str]) -> String {
    assert!(m.get("error").is_none(), "{what}: {m}");
    assert_eq!(
        (m["videoWidth"].as_u64(), m["videoHeight"].as_u64()),
        (Some(u64::from(want.0)), Some(u64::from(want.1))),
        "{what}: the clip's size: {m}"
    );
    assert_eq!(m["objectFit"], "contain", "{what}: the picture is letterboxed, not cropped: {m}");
    assert_eq!(m["controls"], true, "{what}: the player shows its controls: {m}");
    let (content, video, viewport) = (r(m, &["content"]), r(m, &["box"]), r(m, &["viewport"]));
    assert!(inside(content, video), "{what}: the picture {} overflows the video {}: {m}", show(content), show(video));
    assert!(inside(video, viewport), "{what}: the video {} is outside the window {}: {m}", show(video), show(viewport));
    for name in within {
        let b = r(m, &["boxes", name]);
        assert!(inside(video, b), "{what}: the video {} overflows the {name} {}: {m}", show(video), show(b));
        assert!(inside(b, viewport), "{what}: the {name} {} is outside the window {}: {m}", show(b), show(viewport));
    }
    for name in visible {
        let b = r(m, &["boxes", name]);
        assert!(b[2] > b[0] && b[3] > b[1], "{what}: the {name} has no size: {m}");
        assert!(inside(b, viewport), "{what}: the {name} {} is outside the window {}: {m}", show(b), show(viewport));
    }
    let fill =
        ((content[2] - content[0]) / (video[2] - video[0])).max((content[3] - content[1]) / (video[3] - video[1]));
    assert!(fill > 0.99, "{what}: the picture does not fill its box along either side ({fill:.3}): {m}");
    assert!(video[3] - video[1] >= 120.0, "{what}: the player is too small to use: {m}");
    // The native controls are drawn along the bottom of the video's box: nothing covers them.
    assert_eq!(m["controlsOnTop"], true, "{what}: something covers the player's controls ({}): {m}", m["probe"]);
    format!("picture {} in video {} in window {}", show(content), show(video), show(viewport))
}

/// The preview player's boxes: the player, its clip box, its toolbar.
pub(super) fn preview_boxes() -> Value {
    json!({"player": "section.player", "stage": "section.player .clip-video", "tools": "section.player .tools"})
}

pub(super) fn details_boxes() -> Value {
    json!({"dialog": "[data-testid=details-panel]", "stage": "[data-testid=details-panel] .clip-video",
           "actions": "[data-testid=details-panel] .actions", "close": "[data-testid=details-close]"})
}

/// Full screen from the player: a click (a user gesture, as the controls' own button needs)
/// on the element at `trigger` asks for the `<video>` at `video` full screen. Answers whether
/// the page entered full screen within 5 s.
async fn enter_fullscreen(s: &Session, video: &str, trigger: &str) -> bool {
    s.script(
        "const [video, trigger] = arguments;
         document.querySelector(trigger).addEventListener('click', () => {
           const v = document.querySelector(video);
           (v.requestFullscreen ? v.requestFullscreen() : Promise.resolve(v.webkitEnterFullscreen()))
             .catch((e) => { window.__e2eFullscreenError = String(e); });
         }, { once: true, capture: true });",
        json!([video, trigger]),
    )
    .await
    .unwrap();
    s.click_css(trigger).await.unwrap();
    s.wait_until(
        "the video is full screen",
        "return document.fullscreenElement || document.webkitFullscreenElement ? true : null",
        Duration::from_secs(5),
    )
    .await
    .is_ok()
}

async fn exit_fullscreen(s: &Session) {
    s.script("(document.exitFullscreen || document.webkitExitFullscreen).call(document)", json!([])).await.unwrap();
    s.wait_until(
        "full screen ends",
        "return document.fullscreenElement || document.webkitFullscreenElement ? null : true",
        Duration::from_secs(5),
    )
    .await
    .unwrap();
}

/// Drops `file` on the middle of the window (the preview player) and waits for the slot to show it
/// staged at `dims`. A drop made seconds after the previous one now and then never reaches the
/// window on this display (os-drop's drag ends, nothing arrives); a user would drop again, and
/// so does this, once, saying so.
pub(super) async fn drop_image(w: &World, s: &Session, file: &Path, dims: &str) {
    let (x, y, _, height) = s.window_rect().await.unwrap();
    let staged = format!(
        "const d = document.querySelector('.slot .card .dims');
         return d && !document.querySelector('.slot[aria-busy=true]') && d.textContent === {} ? true : null",
        json!(dims)
    );
    let what = format!("the slot shows the {dims} image");
    // On the form's side: mid-height, that can be the end-frame slot, which a drop fills instead.
    let (_, _, width, _) = s.window_rect().await.unwrap();
    w.drop_file(x + width / 2, y + height / 2, file);
    if s.wait_until(&what, &staged, Duration::from_secs(15)).await.is_ok() {
        return;
    }
    eprintln!("  the drop of {} did not arrive this time; dropping it again", file.display());
    w.drop_file(x + width / 2, y + height / 2, file);
    s.wait_until(&what, &staged, Duration::from_secs(30)).await.unwrap();
}

/// Pauses the `<video>` at `video`: a paused player keeps its controls drawn (a playing one
/// hides them until the pointer moves), so a screenshot shows them.
pub(super) async fn pause(s: &Session, video: &str) {
    s.script("document.querySelector(arguments[0]).pause()", json!([video])).await.unwrap();
}

/// Step 7b: portrait, square and 21:9 clips fit whole in every player.
pub async fn every_clip_fits_every_player(w: &mut World, s: &Session) {
    s.click_css("#tab-create").await.unwrap();
    choose_model(s, RESUME_MODEL).await; // kling-2.5-pro, the cheapest
    set_duration(s, 2).await;
    let mut made = vec![];
    for shape in &SHAPES {
        let file = fixture(w, &format!("fit-{}x{}.png", shape.width, shape.height), shape.width, shape.height);
        drop_image(w, s, &file, shape.staged).await;
        set_prompt(s, shape.prompt).await;
        made.push(click_generate(s).await["id"].as_i64().unwrap());
    }
    s.click_css(".slot .card button.remove").await.unwrap();
    let mut sizes = vec![];
    for (shape, id) in SHAPES.iter().zip(&made) {
        let job = wait_job(s, *id, "succeeded", Duration::from_secs(90)).await;
        let clip = PathBuf::from(job["clip_path"].as_str().unwrap());
        let (fw, fh) = frames::video_size(&clip).unwrap();
        eprintln!("  {}: {}×{} image → {fw}×{fh} clip", shape.name, shape.width, shape.height);
        // The simulator keeps the image's aspect (long side 1920 for kling-2.5-pro's 1080p).
        let aspect = |a: u32, b: u32| f64::from(a) / f64::from(b);
        assert!(
            (aspect(fw, fh) - aspect(shape.width, shape.height)).abs() < 0.01,
            "{}: the clip is {fw}×{fh}, not the image's aspect",
            shape.name
        );
        sizes.push((fw, fh));
    }

    // The preview in the Create view.
    for ((shape, id), size) in SHAPES.iter().zip(&made).zip(&sizes) {
        select_in_queue(s, shape.prompt).await;
        let video = "section.player video";
        s.wait_until(
            "the preview plays the selected clip",
            &format!(
                "return document.querySelector('{video}')?.getAttribute('aria-label') === {} || null",
                json!(format!("Clip: {}", shape.prompt))
            ),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        let m = geometry(s, video, preview_boxes()).await;
        let line =
            assert_fits(&format!("preview, {} (job {id})", shape.name), &m, *size, &["player", "stage"], &["tools"]);
        eprintln!("  preview, {}: {line}", shape.name);
        if shape.height > shape.width {
            pause(s, video).await;
            let shot = w.shot(s, "fit-preview-portrait").await;
            let screen = w.screen_shot("fit-preview-portrait");
            eprintln!("  screenshots: {} {}", shot.display(), screen.display());
        }
    }

    // The gallery's details player, and full screen from it.
    open_tab(s, "gallery").await;
    for ((shape, id), size) in SHAPES.iter().zip(&made).zip(&sizes) {
        s.wait_for(&format!("[data-testid=gallery-tile][data-id='{id}']"), Duration::from_secs(20)).await.unwrap();
        click_in_tile(s, *id, "").await;
        s.wait_for("[data-testid=details-panel] video", Duration::from_secs(10)).await.unwrap();
        let video = "[data-testid=details-panel] video";
        let m = geometry(s, video, details_boxes()).await;
        let what = format!("details, {} (job {id})", shape.name);
        let line = assert_fits(&what, &m, *size, &["dialog", "stage"], &["actions", "close"]);
        eprintln!("  details, {}: {line}", shape.name);
        if shape.height > shape.width {
            pause(s, video).await;
            let shot = w.shot(s, "fit-details-portrait").await;
            let screen = w.screen_shot("fit-details-portrait");
            eprintln!("  screenshots: {} {}", shot.display(), screen.display());
        }
        let entered = enter_fullscreen(s, video, "[data-testid=details-panel] h2").await;
        let error = s.script("return window.__e2eFullscreenError ?? null", json!([])).await.unwrap();
        assert!(entered, "{what}: the clip did not go full screen ({error})");
        let m = geometry(s, video, json!({})).await;
        assert_eq!(m["fullscreen"], true, "{what}, full screen: {m}");
        let line = assert_fits(&format!("{what}, full screen"), &m, *size, &[], &[]);
        let (video_box, viewport) = (r(&m, &["box"]), r(&m, &["viewport"]));
        assert!(
            video_box.iter().zip(viewport).all(|(a, b)| (a - b).abs() < 1.0),
            "{what}: full screen, the video fills the window: {m}"
        );
        eprintln!("  full screen, {}: {line}", shape.name);
        if shape.height > shape.width {
            w.screen_shot("fit-fullscreen-portrait");
        }
        exit_fullscreen(s).await;
        s.click_css("[data-testid=details-close]").await.unwrap();
        s.wait_until(
            "the details close",
            "return document.querySelector('[data-testid=details-panel]') ? null : true",
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    }
    s.click_css("#tab-create").await.unwrap();
}

/// Sets the window's size through WebDriver and waits for the page to see it.
pub(super) async fn resize(s: &Session, width: i64, height: i64) -> (i64, i64) {
    s.set_window_size(width, height).await.unwrap();
    let v = s
        .wait_until(
            &format!("the page is {width}×{height}"),
            &format!(
                "return Math.abs(innerWidth - {width}) <= 2 && Math.abs(innerHeight - {height}) <= 2
                   ? [innerWidth, innerHeight] : null"
            ),
            Duration::from_secs(10),
        )
        .await;
    match v {
        Ok(v) => (v[0].as_i64().unwrap(), v[1].as_i64().unwrap()),
        Err(e) => {
            let now = s.script("return [innerWidth, innerHeight]", json!([])).await.unwrap();
            panic!("{e}: the page is {now}, the window {:?}", s.window_rect().await);
        }
    }
}

/// Step 7c: at the smallest window (tauri.conf.json's minWidth × minHeight) the create form's
/// options scroll above Price and Generate, which stay whole in view; Generate, clicked there,
/// makes a clip; the portrait clip still fits the preview and the details player. The size is
/// restored after.
pub async fn create_fits_the_smallest_window(w: &mut World, s: &Session) {
    let (_, _, width, height) = s.window_rect().await.unwrap();
    s.click_css("#tab-create").await.unwrap();
    let (pw, ph) = resize(s, 960, 600).await;
    eprintln!("  window {width}×{height} → page {pw}×{ph}");
    // A start image makes the option list taller, as more options will.
    let file = w.fixtures.path().join("fit-1080x1920.png");
    drop_image(w, s, &file, "1080 × 1920").await;
    let prompt = "fit check: made at the smallest window";
    set_prompt(s, prompt).await;
    let m = s
        .script(
            "const rect = (css) => { const e = document.querySelector(css); if (!e) return null;
               const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
             const options = document.querySelector('section.form .options');
             const g = document.querySelector('button.generate').getBoundingClientRect();
             const hit = document.elementFromPoint(g.left + g.width / 2, g.top + g.height / 2);
             return { price: rect('section.form .price'), generate: rect('button.generate'),
                      form: rect('section.form'), viewport: [0, 0, innerWidth, innerHeight],
                      optionsScroll: [options.scrollHeight, options.clientHeight],
                      generateOnTop: !!hit && !!hit.closest('button.generate'),
                      generateEnabled: !document.querySelector('button.generate').disabled }",
            json!([]),
        )
        .await
        .unwrap();
    eprintln!("  at 960×600: {m}");
    let four = |k: &str| -> [f64; 4] {
        let a = m[k].as_array().unwrap_or_else(|| panic!("no {k}: {m}"));
        [0, 1, 2, 3].map(|i| a[i].as_f64().unwrap())
    };
    let viewport = four("viewport");
    for k in ["price", "generate"] {
        assert!(inside(four(k), viewport), "{k} {} is not whole in the 960×600 window: {m}", show(four(k)));
        assert!(inside(four(k), four("form")), "{k} is outside the form: {m}");
    }
    assert_eq!(m["generateOnTop"], true, "nothing covers Generate: {m}");
    assert_eq!(m["generateEnabled"], true, "Generate can be clicked: {m}");
    let (scroll, client) = (m["optionsScroll"][0].as_f64().unwrap(), m["optionsScroll"][1].as_f64().unwrap());
    assert!(scroll > client, "at 960×600 the options ({scroll} px) scroll in {client} px above Generate: {m}");
    w.shot(s, "fit-smallest-window").await;
    // Scrolled to the end, the last option is reachable above the footer.
    let last = s
        .script(
            "const o = document.querySelector('section.form .options'); o.scrollTop = o.scrollHeight;
             const slot = document.querySelector('.slot').getBoundingClientRect();
             const go = document.querySelector('section.form .go').getBoundingClientRect();
             return [slot.bottom, go.top]",
            json!([]),
        )
        .await
        .unwrap();
    assert!(
        last[0].as_f64().unwrap() <= last[1].as_f64().unwrap() + 0.5,
        "the last option ends above the footer: {last}"
    );
    // Generate, clicked as a user does at this size, makes the clip.
    let job = click_generate(s).await;
    let job = wait_job(s, job["id"].as_i64().unwrap(), "succeeded", Duration::from_secs(90)).await;
    assert_eq!(job["image_size"], json!([1080, 1920]), "{job}");
    s.click_css(".slot .card button.remove").await.unwrap();
    select_in_queue(s, prompt).await;
    let clip = PathBuf::from(job["clip_path"].as_str().unwrap());
    let size = frames::video_size(&clip).unwrap();
    let g = geometry(s, "section.player video", preview_boxes()).await;
    let line = assert_fits("preview at 960×600, portrait", &g, size, &["player", "stage"], &["tools"]);
    eprintln!("  preview at 960×600, portrait: {line}");
    w.shot(s, "fit-smallest-window-preview").await;
    // And in the details player at this size.
    let id = job["id"].as_i64().unwrap();
    open_tab(s, "gallery").await;
    s.wait_for(&format!("[data-testid=gallery-tile][data-id='{id}']"), Duration::from_secs(20)).await.unwrap();
    click_in_tile(s, id, "").await;
    let g = geometry(s, "[data-testid=details-panel] video", details_boxes()).await;
    let line = assert_fits("details at 960×600, portrait", &g, size, &["dialog", "stage"], &["actions", "close"]);
    eprintln!("  details at 960×600, portrait: {line}");
    s.click_css("[data-testid=details-close]").await.unwrap();
    s.click_css("#tab-create").await.unwrap();
    resize(s, width, height).await;
}
