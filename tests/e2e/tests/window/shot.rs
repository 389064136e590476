//! The shot's options in the real window (issue 13), against kyma-sim: three 9:16 takes of
//! seedance-2-fast with their own seeds, played whole in the preview and the details player,
//! portrait in the gallery and found by its shape filter; Kling dropping the seed with a visible
//! sentence; a kling-3-pro clip from a start and an end frame (the end frame dropped on its own
//! slot, as a user drops it) that starts on the one and ends on the other; "Use these settings";
//! and the full option set at the smallest window, Price and Generate in view.

use super::fit::{assert_fits, details_boxes, drop_image, geometry, pause, preview_boxes, resize};
use super::gallery::{click_in_tile, open_tab};
use super::*;

const TAKES_PROMPT: &str = "shot check: a kite over the dunes, vertical";
const ENDS_PROMPT: &str = "shot check: from the red card to the blue card";

/// Clicks the element matching `css` (scrolled into view first: the options scroll).
pub(super) async fn click(s: &Session, css: &str) {
    s.script("document.querySelector(arguments[0])?.scrollIntoView({block: 'center'})", json!([css])).await.unwrap();
    s.click_css(css).await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

pub(super) async fn text_of(s: &Session, css: &str) -> String {
    s.script("return document.querySelector(arguments[0])?.textContent?.trim() ?? null", json!([css]))
        .await
        .unwrap()
        .as_str()
        .unwrap_or_else(|| panic!("no {css}"))
        .to_string()
}

/// Types `text` into the input matching `css` (select all, then type over it; "" clears it).
pub(super) async fn type_into(s: &Session, css: &str, text: &str) {
    let e = s.wait_for(css, Duration::from_secs(5)).await.unwrap();
    s.click(&e).await.unwrap();
    s.send_keys(&e, "\u{E009}a\u{E000}\u{E017}").await.unwrap();
    if !text.is_empty() {
        s.send_keys(&e, text).await.unwrap();
    }
}

/// Step 7d: three 9:16 takes of seedance-2-fast, played whole, portrait in the gallery.
pub async fn takes_in_portrait(w: &mut World, s: &Session) {
    s.click_css("#tab-create").await.unwrap();
    if s.script("return !!document.querySelector('.slot .card button.remove')", json!([])).await.unwrap() == true {
        s.click_css(".slot .card button.remove").await.unwrap();
    }
    choose_model(s, I2V_MODEL).await; // seedance-2-fast
    set_duration(s, 1).await;
    set_prompt(s, TAKES_PROMPT).await;
    // The aspect picker offers Seedance's seven shapes, drawn as shapes.
    let offered = s
        .script(
            "return [...document.querySelectorAll('[role=radiogroup] [data-aspect]')].map((b) => b.dataset.aspect)",
            json!([]),
        )
        .await
        .unwrap();
    assert_eq!(offered, json!(["auto", "21:9", "16:9", "4:3", "1:1", "3:4", "9:16"]));
    click(s, "[data-aspect='9:16']").await;
    type_into(s, "#seed", "41").await;
    click(s, ".takes .seg button:nth-child(3)").await;
    let price = text_of(s, "[data-testid=price]").await;
    assert!(price.contains("$0.98") && price.contains("3 × $0.33"), "the price is shown × 3 before paying: {price:?}");
    w.shot(s, "shot-three-takes").await;

    let before = max_job_id(s).await;
    let ledger_before = sim::entries(&w.sim.ledger().await).len();
    s.click_css("button.generate").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let made = loop {
        let new: Vec<Value> = jobs(s).await.into_iter().filter(|j| j["id"].as_i64().unwrap_or(0) > before).collect();
        if new.len() >= 3 {
            break new;
        }
        assert!(Instant::now() < deadline, "Generate made {} jobs of 3", new.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(made.len(), 3, "three takes, three jobs");
    let mut done = vec![];
    for j in &made {
        done.push(wait_job(s, j["id"].as_i64().unwrap(), "succeeded", Duration::from_secs(90)).await);
    }
    let mut seeds = vec![];
    let mut keys = std::collections::HashSet::new();
    for j in &done {
        let sj = sim_job(&w.sim, j["kyma_id"].as_str().unwrap()).await;
        assert_eq!(sj["extra"]["aspect_ratio"], "9:16", "{sj}");
        seeds.push(sj["extra"]["seed"].as_i64().unwrap());
        keys.insert(sj["idempotency_key"].as_str().unwrap().to_string());
        assert_eq!((sj["width"].as_u64(), sj["height"].as_u64()), (Some(720), Some(1280)), "{sj}");
    }
    seeds.sort_unstable();
    assert_eq!(seeds, [41, 42, 43], "three different seeds reached Kyma");
    assert_eq!(keys.len(), 3, "three idempotency keys");
    let charges = sim::entries(&w.sim.ledger().await)[ledger_before..].iter().filter(|(k, _)| k == "charge").count();
    assert_eq!(charges, 3, "three charges");
    // The seed was not locked: it rolled for the next clip.
    assert_ne!(s.script("return document.querySelector('#seed').value", json!([])).await.unwrap(), "41");

    // The preview plays a take whole at 720×1280, controls in view.
    select_in_queue(s, TAKES_PROMPT).await;
    let video = "section.player video";
    let m = geometry(s, video, preview_boxes()).await;
    let line = assert_fits("preview, seedance 9:16", &m, (720, 1280), &["player", "stage"], &["tools"]);
    eprintln!("  preview, seedance 9:16: {line}");
    pause(s, video).await;
    w.shot(s, "shot-preview-9x16").await;

    // The gallery: portrait tiles, found by the shape filter; the details player fits too.
    open_tab(s, "gallery").await;
    let first = done[0]["id"].as_i64().unwrap();
    s.wait_for(&format!("[data-testid=gallery-tile][data-id='{first}']"), Duration::from_secs(20)).await.unwrap();
    let shape = s
        .script(
            "return document.querySelector(`[data-testid=gallery-tile][data-id='${arguments[0]}']`).dataset.shape",
            json!([first]),
        )
        .await
        .unwrap();
    assert_eq!(shape, "portrait");
    s.script(
        "const f = document.querySelector('#filter-shape'); f.value = 'portrait'; f.dispatchEvent(new Event('change', {bubbles: true}))",
        json!([]),
    )
    .await
    .unwrap();
    let ids_shapes = s
        .wait_until(
            "the gallery shows portrait clips only",
            "const tiles = [...document.querySelectorAll('[data-testid=gallery-tile]')];
             return tiles.length && tiles.every((t) => t.dataset.shape === 'portrait')
               ? tiles.map((t) => Number(t.dataset.id)) : null",
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    for j in &done {
        assert!(ids_shapes.as_array().unwrap().contains(&j["id"]), "the filter finds take {}: {ids_shapes}", j["id"]);
    }
    w.shot(s, "shot-gallery-portrait-filter").await;
    click_in_tile(s, first, "").await;
    s.wait_for("[data-testid=details-panel] video", Duration::from_secs(10)).await.unwrap();
    let dv = "[data-testid=details-panel] video";
    let m = geometry(s, dv, details_boxes()).await;
    let line = assert_fits("details, seedance 9:16", &m, (720, 1280), &["dialog", "stage"], &["actions", "close"]);
    eprintln!("  details, seedance 9:16: {line}");
    let seed_shown = text_of(s, "[data-testid=details-seed]").await;
    let take = done[0]["shot"]["take_index"].as_i64().unwrap();
    assert_eq!(
        seed_shown,
        format!("{} · take {take}", done[0]["shot"]["seed"]),
        "the details show the seed and the take"
    );
    pause(s, dv).await;
    w.shot(s, "shot-details-9x16").await;
    s.click_css("[data-testid=details-close]").await.unwrap();
    s.script(
        "const f = document.querySelector('#filter-shape'); f.value = 'any'; f.dispatchEvent(new Event('change', {bubbles: true}))",
        json!([]),
    )
    .await
    .unwrap();

    // Switching to Kling: the seed is not sent, and one line says so.
    s.click_css("#tab-create").await.unwrap();
    type_into(s, "#seed", "77").await;
    choose_model(s, "kling-3-pro").await;
    let note = text_of(s, "[data-testid=dropped-note]").await;
    let in_view = s
        .script(
            "const r = document.querySelector('[data-testid=dropped-note]').getBoundingClientRect();
             return r.top >= 0 && r.bottom <= innerHeight && r.height > 0",
            json!([]),
        )
        .await
        .unwrap();
    assert_eq!(in_view, true, "the sentence is in view, above Generate");
    assert_eq!(
        note,
        "kling-3-pro does not take the seed 77: it is kept, not sent, and applies again when you switch back."
    );
    assert_eq!(
        s.script("return !!document.querySelector('#seed')", json!([])).await.unwrap(),
        false,
        "no seed field for Kling"
    );
    w.shot(s, "shot-kling-drops-seed").await;
    choose_model(s, I2V_MODEL).await;
    assert_eq!(
        s.script("return document.querySelector('#seed').value", json!([])).await.unwrap(),
        "77",
        "back: restored"
    );
    click(s, ".takes .seg button:nth-child(1)").await;
    click(s, "[data-aspect='9:16']").await; // off again
}

/// Step 7e: kling-3-pro from a start and an end frame; "Use these settings"; the full option set
/// at the smallest window.
pub async fn start_and_end_frames(w: &mut World, s: &Session) {
    s.click_css("#tab-create").await.unwrap();
    choose_model(s, "kling-3-pro").await;
    set_duration(s, 2).await;
    set_prompt(s, ENDS_PROMPT).await;
    let start = w.image(
        "ends-start.png",
        &["-size", "800x450", "xc:#d02828", "-fill", "white", "-draw", "circle 400,225 400,300"],
    );
    let end = w.image(
        "ends-end.png",
        &["-size", "800x450", "xc:#2838d0", "-fill", "yellow", "-draw", "rectangle 100,100 300,350"],
    );
    drop_image(w, s, &start, "800 × 450").await;
    // The end frame is dropped on its own slot, as a user drops it there.
    s.script("document.querySelector(\"[data-drop='end-frame']\").scrollIntoView({block: 'center'})", json!([]))
        .await
        .unwrap();
    let r = s
        .script(
            "const r = document.querySelector(\"[data-drop='end-frame']\").getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]",
            json!([]),
        )
        .await
        .unwrap();
    let (x, y, _, _) = s.window_rect().await.unwrap();
    let (ex, ey) = (r[0].as_f64().unwrap() as i64, r[1].as_f64().unwrap() as i64);
    let filled =
        "return document.querySelector(\"[data-drop='end-frame'] .card .dims\")?.textContent === '800 × 450' || null";
    w.drop_file(x + ex, y + ey, &end);
    if s.wait_until("the end slot shows the dropped frame", filled, Duration::from_secs(15)).await.is_err() {
        eprintln!("  the drop on the end slot did not arrive this time; dropping it again");
        w.drop_file(x + ex, y + ey, &end);
        s.wait_until("the end slot shows the dropped frame", filled, Duration::from_secs(30)).await.unwrap();
    }
    assert_eq!(
        text_of(s, "[data-drop='start-image'] .card .dims").await,
        "800 × 450",
        "the start image stayed where it was"
    );
    // Kling image-to-video: the image decides the shape.
    assert!(text_of(s, ".options .decides").await.contains("The start image decides"), "Kling follows the image");
    click(s, ".avoid button.disclosure").await;
    type_into(s, "textarea#avoid", "blur, text").await;
    w.readme_shot(s, "create-options").await;

    let job = click_generate(s).await;
    let job = wait_job(s, job["id"].as_i64().unwrap(), "succeeded", Duration::from_secs(90)).await;
    let sj = sim_job(&w.sim, job["kyma_id"].as_str().unwrap()).await;
    assert_eq!(sj["extra"]["negative_prompt"], "blur, text", "{sj}");
    assert!(sj["extra"]["end_image_url"].as_str().unwrap().starts_with("data:image/jpeg;base64,"), "kling-3's own key");
    assert_eq!(sj["end_image"]["width"], 800, "{sj}");
    let clip = PathBuf::from(job["clip_path"].as_str().unwrap());
    let (fw, fh) = frames::video_size(&clip).unwrap();
    let (sw, sh) = (160, 90);
    let first = frames::frames_rgb(&clip, sw, sh, false, 0.1).unwrap().remove(0);
    let last = frames::frames_rgb(&clip, sw, sh, true, 0.2).unwrap().pop().unwrap();
    let (want_first, want_last) =
        (frames::first_frame_rgb(&start, sw, sh).unwrap(), frames::first_frame_rgb(&end, sw, sh).unwrap());
    let (d_first, d_last) = (frames::mean_abs_diff(&first, &want_first), frames::mean_abs_diff(&last, &want_last));
    let (x_first, x_last) = (frames::mean_abs_diff(&first, &want_last), frames::mean_abs_diff(&last, &want_first));
    eprintln!("  {fw}×{fh} clip: first frame vs start {d_first:.1} (vs end {x_first:.1}); last vs end {d_last:.1} (vs start {x_last:.1})");
    assert!(d_first < 12.0 && d_first < x_first / 4.0, "the clip starts on the start frame");
    assert!(d_last < 12.0 && d_last < x_last / 4.0, "the clip ends on the end frame");

    // The details show the end frame and "Avoid"; "Use these settings" puts every option back.
    open_tab(s, "gallery").await;
    let id = job["id"].as_i64().unwrap();
    s.wait_for(&format!("[data-testid=gallery-tile][data-id='{id}']"), Duration::from_secs(20)).await.unwrap();
    click_in_tile(s, id, "").await;
    s.wait_for("[data-testid=details-end-frame] img", Duration::from_secs(10)).await.unwrap();
    assert_eq!(text_of(s, "[data-testid=details-avoid]").await, "blur, text");
    w.shot(s, "shot-details-end-frame").await;
    s.click_css("[data-testid=details-use-settings]").await.unwrap();
    s.wait_until(
        "the create panel has the clip's settings",
        "return document.querySelector(\"[data-drop='end-frame'] .card .dims\")?.textContent === '800 × 450'
           && document.querySelector('textarea#prompt').value === arguments[0] ? true : null",
        Duration::from_secs(10),
    )
    .await
    .ok();
    let restored = s
        .script(
            "return { prompt: document.querySelector('textarea#prompt').value,
                      avoid: document.querySelector('textarea#avoid')?.value ?? null,
                      start: document.querySelector(\"[data-drop='start-image'] .card .dims\")?.textContent ?? null,
                      end: document.querySelector(\"[data-drop='end-frame'] .card .dims\")?.textContent ?? null,
                      model: document.querySelector('.picker button.current .name')?.textContent ?? null }",
            json!([]),
        )
        .await
        .unwrap();
    assert_eq!(
        restored,
        json!({"prompt": ENDS_PROMPT, "avoid": "blur, text", "start": "800 × 450", "end": "800 × 450", "model": "kling-3-pro"}),
        "Use these settings"
    );

    // The full option set at the smallest window: Price and Generate in view.
    let (_, _, width, height) = s.window_rect().await.unwrap();
    resize(s, 960, 600).await;
    let m = s
        .script(
            "const r = (css) => { const e = document.querySelector(css); if (!e) return null;
               const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
             return { price: r('[data-testid=price]'), generate: r('button.generate'), view: [0, 0, innerWidth, innerHeight],
                      avoid: !!document.querySelector('textarea#avoid'), end: !!document.querySelector(\"[data-drop='end-frame']\"),
                      takes: !!document.querySelector('.takes') }",
            json!([]),
        )
        .await
        .unwrap();
    for k in ["price", "generate"] {
        let b: Vec<f64> = m[k].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        assert!(b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= 960.5 && b[3] <= 600.5, "{k} in view at 960×600: {m}");
    }
    assert_eq!(
        (m["avoid"].clone(), m["end"].clone(), m["takes"].clone()),
        (json!(true), json!(true), json!(true)),
        "{m}"
    );
    // Scrolled as a user scrolls to them: the frames and every option, above Price and Generate.
    s.script("document.querySelector(\"[data-drop='end-frame']\").scrollIntoView({block: 'start'})", json!([]))
        .await
        .unwrap();
    w.readme_shot(s, "create-options-960x600").await;
    resize(s, width, height).await;
}
