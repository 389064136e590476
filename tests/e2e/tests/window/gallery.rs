//! The gallery and spend steps of the window test: the clips the test made appear as tiles with
//! posters; search finds one by a word; the player shows its details; favourite; delete and
//! undo; delete for real (the file lands in the OS trash after the undo window); a clip removed
//! outside the app shows as missing and can be forgotten; the spend view shows the ledger's sums.

use super::*;

/// The generations the earlier steps made.
pub struct Made {
    pub t2v_id: i64,
    pub again_id: i64,
    pub resume_id: i64,
    pub resume_prompt: &'static str,
}

fn query(overrides: Value) -> Value {
    let mut q = json!({"text": "", "models": [], "from": null, "to": null, "audio": null, "kind": null,
        "favourites": false, "status": "all", "sort": "date", "ascending": false, "offset": 0, "limit": 200});
    if let (Some(q), Some(o)) = (q.as_object_mut(), overrides.as_object()) {
        for (k, v) in o {
            q.insert(k.clone(), v.clone());
        }
    }
    q
}

async fn gallery(s: &Session, seen: &mut Vec<String>, overrides: Value) -> Value {
    let r = invoke(s, seen, "gallery_query", json!({ "query": query(overrides) })).await;
    assert!(r.get("ok").is_some(), "gallery_query: {r}");
    r["ok"].clone()
}

async fn tile_ids(s: &Session) -> Vec<i64> {
    let v = s
        .script(
            "return [...document.querySelectorAll('[data-testid=gallery-tile]')].map((t) => Number(t.dataset.id))",
            json!([]),
        )
        .await
        .unwrap();
    v.as_array().unwrap().iter().filter_map(Value::as_i64).collect()
}

async fn wait_tiles(s: &Session, what: &str, check: &str) {
    let script = format!(
        "const ids = [...document.querySelectorAll('[data-testid=gallery-tile]')].map((t) => Number(t.dataset.id));
         return ({check}) ? ids : null"
    );
    if let Err(e) = s.wait_until(what, &script, Duration::from_secs(20)).await {
        panic!("{e}; tiles now: {:?}", tile_ids(s).await);
    }
}

async fn clear_search(s: &Session) {
    let field = s.wait_for("[data-testid=gallery-search]", Duration::from_secs(5)).await.unwrap();
    s.click(&field).await.unwrap();
    s.send_keys(&field, "\u{E009}a\u{E000}\u{E003}").await.unwrap();
}

/// Opens clip `id`'s details from its tile and measures its player. WebKitGTK on this headless
/// display (no sound card, software decoding) now and then freezes a clip at its first frame; a
/// user would close and reopen it, and so does this, once, saying so. A second freeze fails.
async fn play_in_details(s: &Session, id: i64, what: &str) -> Value {
    let selector = "[data-testid=details-panel] video";
    click_in_tile(s, id, "").await;
    s.wait_for("[data-testid=details-panel]", Duration::from_secs(10)).await.unwrap();
    let m = measure_video_in(s, selector).await;
    if played_seconds(&m) > 0.7 {
        return m;
    }
    eprintln!("  {what}: frozen at its start this time ({m}); closing and opening it again");
    s.click_css("[data-testid=details-close]").await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    click_in_tile(s, id, "").await;
    s.wait_for("[data-testid=details-panel]", Duration::from_secs(10)).await.unwrap();
    measure_video_in(s, selector).await
}

/// Picks `value` in the toolbar's `<select id=…>` as a user does (the change event included).
async fn choose(s: &Session, id: &str, value: &str) {
    let r = s
        .script(
            "const el = document.getElementById(arguments[0]);
             if (!el) return false;
             el.value = arguments[1];
             el.dispatchEvent(new Event('change', { bubbles: true }));
             return el.value === arguments[1]",
            json!([id, value]),
        )
        .await
        .unwrap();
    assert_eq!(r, true, "no option {value:?} in #{id}");
}

pub async fn open_tab(s: &Session, tab: &str) {
    s.click_css(&format!("#tab-{tab}")).await.unwrap();
}

pub async fn click_in_tile(s: &Session, id: i64, css: &str) {
    let v = s
        .script(
            "const t = document.querySelector(`[data-testid=gallery-tile][data-id='${arguments[0]}']`);
             return t && (arguments[1] ? t.querySelector(arguments[1]) : t)",
            json!([id, css]),
        )
        .await
        .unwrap();
    let e = Session::element_of(&v).unwrap_or_else(|| panic!("no tile {id} / {css:?}"));
    s.click(&e).await.unwrap();
}

/// Kyma bills to the cent: 756_000 µ$ → "$0.76" (half up), as the UI shows totals.
fn cents(micros: i64) -> String {
    let c = (micros.abs() + 5_000) / 10_000;
    format!("{}${}.{:02}", if micros < 0 { "-" } else { "" }, c / 100, c % 100)
}

/// The steps of `grabFrame` (ui/src/lib/frames.ts) one by one, reporting where it stops.
const GRAB_DIAG: &str = "const [url, done] = arguments; const log = [];
  const v = document.createElement('video'); v.muted = true; v.preload = 'auto'; v.crossOrigin = 'anonymous';
  document.body.append(v);
  const step = (ev) => new Promise((ok) => { const t = setTimeout(() => ok('timeout'), 8000);
    v.addEventListener(ev, () => { clearTimeout(t); ok(ev); }, { once: true });
    v.addEventListener('error', () => { clearTimeout(t); ok('error ' + (v.error && v.error.code) + ' ' + (v.error && v.error.message)); }, { once: true }); });
  (async () => {
    try {
      const r = await fetch(url, { mode: 'cors' }).then((r) => r.status + ' ' + r.headers.get('access-control-allow-origin'), (e) => 'fetch failed ' + e);
      log.push('fetch: ' + r + ' origin ' + location.origin);
      const l = step('loadeddata'); v.src = url; log.push('load: ' + await l);
      const s = step('seeked'); v.currentTime = 0.05; log.push('seek: ' + await s + ' rs ' + v.readyState + ' ' + v.videoWidth + 'x' + v.videoHeight);
      const c = document.createElement('canvas'); c.width = 320; c.height = 180;
      c.getContext('2d').drawImage(v, 0, 0, 320, 180); log.push('drawn');
      const b = await new Promise((ok) => { try { c.toBlob(ok, 'image/jpeg', 0.8); } catch (e) { log.push('toBlob threw ' + e); ok(null); } });
      log.push('blob: ' + (b && b.size));
    } catch (e) { log.push('threw ' + e); }
    v.remove(); done(log);
  })();";

fn files_named(dir: &Path, name: &str) -> Vec<PathBuf> {
    files_under(dir).into_iter().filter(|p| p.file_name().is_some_and(|n| n == name)).collect()
}

pub async fn gallery_and_spend(w: &mut World, s: &Session, seen: &mut Vec<String>, made: &Made) {
    // Every record the library shows, as the gallery sees it.
    let all = gallery(s, seen, json!({})).await;
    let total = all["total"].as_u64().unwrap();
    let items = all["items"].as_array().unwrap().clone();
    assert!(total >= 5, "the earlier steps made at least five clips: {all}");
    open_tab(s, "gallery").await;
    wait_tiles(s, "a tile for every generation", &format!("ids.length === {total}")).await;
    let count =
        s.text(&s.wait_for("[data-testid=gallery-count]", Duration::from_secs(5)).await.unwrap()).await.unwrap();
    assert!(count.contains(&total.to_string()), "the count says {count:?}, the library has {total}");
    // Newest first, like the library answers.
    let want: Vec<i64> = items.iter().filter_map(|i| i["id"].as_i64()).collect();
    assert_eq!(tile_ids(s).await, want, "tiles in the library's order (newest first)");
    // Posters: every clip gets one (the start image, or a first frame the webview drew and Rust
    // cached); records without a clip show no broken image.
    let clips: Vec<i64> =
        items.iter().filter(|i| i["status"] == "succeeded").filter_map(|i| i["id"].as_i64()).collect();
    if let Err(e) = s
        .wait_until(
            "every clip's poster is drawn",
            &format!(
                "return {clips:?}.every((id) => {{
                   const i = document.querySelector(`[data-testid=gallery-tile][data-id='${{id}}'] img`);
                   return i && i.complete && i.naturalWidth > 0;
                 }})"
            ),
            Duration::from_secs(40),
        )
        .await
    {
        let first = items.iter().find(|i| i["clip_url"].is_string()).cloned().unwrap_or_default();
        let diag =
            s.script_async(GRAB_DIAG, json!([first["clip_url"]])).await.unwrap_or_else(|e| json!(format!("{e}")));
        let imgs = s
            .script(
                "return [...document.querySelectorAll('[data-testid=gallery-tile] img')]
                   .map((i) => [i.src, i.complete, i.naturalWidth])",
                json!([]),
            )
            .await
            .unwrap_or_default();
        panic!("{e}\n  a frame grab of {} by hand: {diag}\n  tile images: {imgs}", first["clip_url"]);
    }
    let thumbs = w.data_dir().join("thumbs");
    for id in &clips {
        let t = thumbs.join(format!("{id}.jpg"));
        let b = std::fs::read(&t).unwrap_or_else(|_| panic!("no cached poster {}", t.display()));
        assert!(b.starts_with(&[0xFF, 0xD8]) && b.ends_with(&[0xFF, 0xD9]), "{} is not a whole JPEG", t.display());
        // The poster is the clip's opening picture (not a black or a wrong frame).
        let t2v = items.iter().any(|i| i["id"] == *id && i["kind"] == "t2v");
        if t2v {
            let d = invoke(s, seen, "gallery_details", json!({"id": id})).await["ok"].clone();
            let clip = PathBuf::from(d["job"]["clip_path"].as_str().unwrap());
            let diff = frames::mean_abs_diff(
                &frames::first_frame_rgb(&t, 160, 90).unwrap(),
                &frames::first_frame_rgb(&clip, 160, 90).unwrap(),
            );
            eprintln!("  poster {id} vs the clip's first frame: mean abs diff {diff:.2}/255");
            assert!(diff < 24.0, "poster {id} is not the clip's opening picture: diff {diff:.2}/255");
        }
    }
    eprintln!("  gallery: {total} tiles, {} posters cached", clips.len());
    w.readme_shot(s, "gallery").await;

    // Search by a word: as you type, one clip.
    let field = s.wait_for("[data-testid=gallery-search]", Duration::from_secs(5)).await.unwrap();
    s.click(&field).await.unwrap();
    // "paper bo": two words of the resumed clip's prompt, the second one half typed.
    let typed = made.resume_prompt.split(' ').skip(1).take(2).collect::<Vec<_>>().join(" ");
    s.send_keys(&field, &typed[..typed.len() - 2]).await.unwrap();
    wait_tiles(s, "the search finds the paper boat", &format!("ids.length === 1 && ids[0] === {}", made.resume_id))
        .await;
    let count =
        s.text(&s.wait_for("[data-testid=gallery-count]", Duration::from_secs(5)).await.unwrap()).await.unwrap();
    assert!(count.starts_with('1'), "one match: {count:?}");
    w.shot(s, "gallery-search").await;
    clear_search(s).await;
    wait_tiles(s, "every tile is back", &format!("ids.length === {total}")).await;

    // Filters and sorting, as the toolbar sets them: each shows what the library answers.
    let ids_of =
        |v: &Value| -> Vec<i64> { v["items"].as_array().unwrap().iter().filter_map(|i| i["id"].as_i64()).collect() };
    for (select, value, overrides) in [
        ("filter-kind", "i2v", json!({"kind": "i2v"})),
        ("filter-audio", "sound", json!({"kind": "i2v", "audio": true})),
        ("filter-kind", "any", json!({"audio": true})),
        ("filter-audio", "any", json!({})),
        ("sort-key", "cost", json!({"sort": "cost"})),
        ("sort-key", "duration", json!({"sort": "duration"})),
    ] {
        choose(s, select, value).await;
        let expect = ids_of(&gallery(s, seen, overrides.clone()).await);
        wait_tiles(s, &format!("{select} = {value}"), &format!("JSON.stringify(ids) === '{}'", json!(expect))).await;
    }
    let i2v_sound = ids_of(&gallery(s, seen, json!({"kind": "i2v", "audio": true})).await);
    assert!(!i2v_sound.is_empty() && i2v_sound.len() < want.len(), "the filters narrowed the grid: {i2v_sound:?}");
    choose(s, "sort-key", "date").await;
    wait_tiles(s, "back to newest first", &format!("JSON.stringify(ids) === '{}'", json!(want))).await;

    // Hovering a tile plays its clip, muted, in the tile.
    let tile = s
        .script(
            &format!("return document.querySelector(`[data-testid=gallery-tile][data-id='{}']`)", made.t2v_id),
            json!([]),
        )
        .await
        .unwrap();
    s.hover(&Session::element_of(&tile).unwrap()).await.unwrap();
    let hover = s
        .wait_until(
            "the hovered tile plays muted",
            &format!(
                "const v = document.querySelector(`[data-testid=gallery-tile][data-id='{}'] video`);
                 return v && v.muted && !v.paused && v.currentTime > 0.3 ? [v.muted, v.currentTime] : null",
                made.t2v_id
            ),
            Duration::from_secs(15),
        )
        .await
        .unwrap();
    eprintln!("  hover: the tile plays muted ({hover})");
    w.shot(s, "gallery-hover").await;

    // The player with its details.
    let m = play_in_details(s, made.t2v_id, "the gallery's player").await;
    assert_plays("the gallery's player", &m);
    let panel = s.wait_for("[data-testid=details-panel]", Duration::from_secs(10)).await.unwrap();
    let details = invoke(s, seen, "gallery_details", json!({"id": made.t2v_id})).await["ok"].clone();
    let text = s.text(&panel).await.unwrap();
    let kyma_id = details["job"]["kyma_id"].as_str().unwrap();
    for want in [kyma_id, "lighthouse", T2V_MODEL] {
        assert!(text.contains(want), "the details show {want:?}: {text}");
    }
    assert_eq!(details["video_size"], json!([1920, 1080]), "{details}");
    w.readme_shot(s, "player").await;

    // Favourite.
    s.click_css("[data-testid=details-favourite]").await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let favs = gallery(s, seen, json!({"favourites": true})).await;
    assert_eq!(favs["total"], 1, "one favourite: {favs}");
    assert_eq!(favs["items"][0]["id"], made.t2v_id);

    // Delete, then undo: the file leaves the clips folder and comes back byte for byte.
    let clip = PathBuf::from(details["job"]["clip_path"].as_str().unwrap());
    let bytes = std::fs::read(&clip).unwrap();
    s.click_css("[data-testid=details-delete]").await.unwrap();
    wait_tiles(s, "the deleted tile goes", &format!("!ids.includes({})", made.t2v_id)).await;
    assert!(!clip.exists(), "the deleted clip left {}", clip.display());
    s.wait_for("[data-testid=toast-undo]", Duration::from_secs(5)).await.unwrap();
    w.shot(s, "deleted-undo").await;
    s.click_css("[data-testid=toast-undo]").await.unwrap();
    wait_tiles(s, "undo brings the tile back", &format!("ids.includes({})", made.t2v_id)).await;
    assert_eq!(std::fs::read(&clip).unwrap(), bytes, "undo restores the same clip");

    // Delete for real: after the undo window the file is in the OS trash, the record stays.
    let again = invoke(s, seen, "gallery_details", json!({"id": made.again_id})).await["ok"].clone();
    let again_clip = PathBuf::from(again["job"]["clip_path"].as_str().unwrap());
    let again_name = again_clip.file_name().unwrap().to_str().unwrap().to_string();
    let again_bytes = std::fs::read(&again_clip).unwrap();
    s.script(
        "const t = document.querySelector(`[data-testid=gallery-tile][data-id='${arguments[0]}']`);
         t.focus(); t.querySelector('[data-testid=tile-delete]').click()",
        json!([made.again_id]),
    )
    .await
    .unwrap();
    wait_tiles(s, "the deleted tile goes", &format!("!ids.includes({})", made.again_id)).await;
    let trash = w.xdg("data").join("Trash");
    let trashed = procs::wait(Duration::from_secs(20), || {
        let f = files_named(&trash.join("files"), &again_name);
        (!f.is_empty()).then_some(f)
    })
    .unwrap_or_else(|| panic!("{again_name} never reached {}", trash.display()));
    assert_eq!(std::fs::read(&trashed[0]).unwrap(), again_bytes, "the trash holds the whole clip");
    assert!(!files_named(&trash.join("info"), &format!("{again_name}.trashinfo")).is_empty(), "no .trashinfo");
    assert!(!again_clip.exists());
    let after = gallery(s, seen, json!({})).await;
    assert_eq!(after["total"].as_u64(), Some(total - 1), "a deleted clip leaves the gallery");
    eprintln!("  deleted clip in the OS trash: {}", trashed[0].display());
    // The queue on the Create tab no longer offers it (and still shows the others).
    open_tab(s, "create").await;
    s.wait_until(
        "the deleted clip leaves the queue",
        &format!(
            "return document.querySelector(`li.item[data-id='{}']`) && !document.querySelector(`li.item[data-id='{}']`)",
            made.t2v_id, made.again_id
        ),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    open_tab(s, "gallery").await;

    // A clip removed outside the app shows as missing; "forget" hides its record.
    let resume = invoke(s, seen, "gallery_details", json!({"id": made.resume_id})).await["ok"].clone();
    let resume_clip = PathBuf::from(resume["job"]["clip_path"].as_str().unwrap());
    std::fs::remove_file(&resume_clip).unwrap();
    open_tab(s, "create").await;
    open_tab(s, "gallery").await;
    let missing = gallery(s, seen, json!({"status": "missing"})).await;
    assert_eq!(missing["total"], 1, "the removed clip is missing: {missing}");
    s.wait_until(
        "the tile says the clip is missing",
        &format!(
            "const t = document.querySelector(`[data-testid=gallery-tile][data-id='{}']`);
             return t && /missing/i.test(t.textContent)",
            made.resume_id
        ),
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    click_in_tile(s, made.resume_id, "").await;
    s.wait_for("[data-testid=details-panel]", Duration::from_secs(10)).await.unwrap();
    w.shot(s, "missing-clip").await;
    let forget = s
        .script(
            "return [...document.querySelectorAll('[data-testid=details-panel] button')]
               .find((b) => /forget/i.test(b.textContent)) ?? null",
            json!([]),
        )
        .await
        .unwrap();
    let forget = Session::element_of(&forget).expect("a Forget button for a missing clip");
    s.click(&forget).await.unwrap();
    wait_tiles(s, "the forgotten record leaves the grid", &format!("!ids.includes({})", made.resume_id)).await;
    let after = gallery(s, seen, json!({})).await;
    assert_eq!(after["total"].as_u64(), Some(total - 2));
    if let Ok(close) = s.wait_for("[data-testid=details-close]", Duration::from_millis(500)).await {
        let _ = s.click(&close).await;
    }

    // "Use last frame": the clip's final picture becomes the start image of a new clip.
    open_tab(s, "gallery").await;
    click_in_tile(s, made.t2v_id, "").await;
    s.wait_for("[data-testid=details-panel]", Duration::from_secs(10)).await.unwrap();
    s.click_css("[data-testid=details-last-frame]").await.unwrap();
    // The slot names the frame and shows the clip's whole size.
    let slot = s
        .wait_until(
            "the last frame is the start image",
            "const src = document.querySelector('.slot .card .src');
             const dims = document.querySelector('.slot .card .dims');
             return src && src.title.endsWith('last frame.jpg') ? [src.title, dims && dims.textContent] : null",
            Duration::from_secs(20),
        )
        .await
        .unwrap();
    assert_eq!(slot[1], "1920 × 1080", "the start image is the clip's whole frame: {slot}");
    w.shot(s, "last-frame-as-start").await;
    set_prompt(s, "the lighthouse, a moment later").await;
    let next = click_generate(s).await;
    let next = wait_job(s, next["id"].as_i64().unwrap(), "succeeded", Duration::from_secs(60)).await;
    let kyma_id = next["kyma_id"].as_str().unwrap().to_string();
    let received = w.fixtures.path().join("received-last-frame");
    std::fs::write(&received, w.sim.download(&format!("{}/_sim/jobs/{kyma_id}/image", w.sim.url)).await).unwrap();
    // Which frame of the clip is it? The nearest of all its frames must be one of the last few
    // (seeking "to the end" lands on a frame near the time asked).
    let got = frames::first_frame_rgb(&received, 640, 360).unwrap();
    let all = frames::frames_rgb(&clip, 640, 360, false, 3600.0).unwrap();
    let diffs: Vec<f64> = all.iter().map(|f| frames::mean_abs_diff(&got, f)).collect();
    let nearest = (0..diffs.len()).min_by(|a, b| diffs[*a].total_cmp(&diffs[*b])).unwrap();
    eprintln!(
        "  last frame as start: Kyma's picture is nearest to frame {} of {} ({:.2}/255; the first frame {:.2})",
        nearest + 1,
        all.len(),
        diffs[nearest],
        diffs[0]
    );
    assert!(nearest + 4 >= all.len(), "the start image is frame {} of {}, not the end", nearest + 1, all.len());

    // Spend: the library's sums equal the simulator's ledger, deleted and forgotten clips included.
    let ledger = w.sim.ledger().await;
    let entries = ledger["entries"].as_array().unwrap();
    let sum =
        |kind: &str| entries.iter().filter(|e| e["kind"] == kind).map(|e| e["micros"].as_i64().unwrap()).sum::<i64>();
    let (charged, refunded) = (-sum("charge"), sum("refund"));
    let r =
        invoke(s, seen, "spend_summary", json!({"query": {"since": null, "period": "day", "utc_offset_minutes": 0}}))
            .await;
    let spend = r["ok"].clone();
    assert_eq!(spend["charged_micros"].as_i64(), Some(charged), "charged vs the ledger: {spend}");
    assert_eq!(spend["refunded_micros"].as_i64(), Some(refunded), "refunded vs the ledger: {spend}");
    assert_eq!(spend["held_micros"], 0, "nothing is held once every job finished: {spend}");
    open_tab(s, "spend").await;
    // The totals show "—" until the library has answered, as a person sees them arrive.
    let loaded = s
        .wait_until(
            "the spend totals arrived",
            "const t = document.querySelector('[data-testid=spend-charged]');
             return t !== null && t.textContent.trim() !== '—'",
            Duration::from_secs(15),
        )
        .await;
    if let Err(e) = loaded {
        let seen = s
            .script(
                "return { tab: document.querySelector('[role=tab][aria-selected=true]')?.textContent,
                          spend: document.querySelector('.spend')?.innerText?.slice(0, 400) }",
                json!([]),
            )
            .await
            .unwrap_or_default();
        panic!("{e}: {seen}");
    }
    let shown =
        s.text(&s.wait_for("[data-testid=spend-charged]", Duration::from_secs(10)).await.unwrap()).await.unwrap();
    assert!(shown.contains(&cents(charged)), "the spend view shows {shown:?}, the ledger charged {}", cents(charged));
    let shown_ref =
        s.text(&s.wait_for("[data-testid=spend-refunded]", Duration::from_secs(5)).await.unwrap()).await.unwrap();
    assert!(shown_ref.contains(&cents(refunded)), "refunded shown {shown_ref:?} vs {}", cents(refunded));
    let bars =
        s.script("return document.querySelectorAll('[data-testid=spend-chart] rect').length", json!([])).await.unwrap();
    assert!(bars.as_u64().unwrap_or(0) >= 1, "the chart draws bars: {bars}");
    // The clip list holds every generation the totals count, the deleted and forgotten ones marked.
    let every = gallery(s, seen, json!({"include_removed": true})).await;
    let listed = every["total"].as_u64().unwrap();
    assert!(listed >= total, "every record is listed: {every}");
    let money: i64 = every["items"].as_array().unwrap().iter().filter_map(|i| i["charged_micros"].as_i64()).sum();
    assert_eq!(money, charged, "the listed prices add up to the charged total");
    s.wait_until(
        "the spend list shows every clip, removed ones marked",
        &format!(
            "const tags = new Set([...document.querySelectorAll('[data-testid=spend-removed]')].map((t) => t.textContent));
             return document.querySelectorAll('[data-testid=spend-row]').length === {listed}
               && tags.has('deleted') && tags.has('forgotten')"
        ),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    // The header's "today" counts the deleted and forgotten clips too (all were made today).
    s.wait_until(
        "the header shows today's charges",
        &format!(
            "const t = document.querySelector('header .today .amount'); return t && t.textContent === '{}'",
            cents(charged)
        ),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    eprintln!("  spend: charged {} refunded {} (ledger agrees)", cents(charged), cents(refunded));
    let _ = s.script("document.querySelector('[aria-label=Dismiss]')?.click()", json!([])).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    w.readme_shot(s, "spend").await;

    // Change the library folder, moving the clips: each file is copied, checked and removed, and
    // the gallery plays them from the new place. (The folder picker is native; the command is
    // what its answer feeds.)
    let kept = gallery(s, seen, json!({"status": "clips"})).await;
    let before: Vec<(i64, PathBuf, Vec<u8>)> = {
        let mut v = vec![];
        for it in kept["items"].as_array().unwrap() {
            let id = it["id"].as_i64().unwrap();
            let d = invoke(s, seen, "gallery_details", json!({"id": id})).await["ok"].clone();
            let p = PathBuf::from(d["job"]["clip_path"].as_str().unwrap());
            v.push((id, p.clone(), std::fs::read(&p).unwrap()));
        }
        v
    };
    let new_dir = w.home.path().join("moved library");
    let r = invoke(s, seen, "library_move", json!({"dir": new_dir.display().to_string(), "mode": "move"})).await;
    let report = r["ok"].clone();
    assert!(report["error"].is_null(), "the move stopped: {r}");
    assert_eq!(report["moved"].as_u64(), Some(before.len() as u64), "{report}");
    for (id, old, bytes) in &before {
        let d = invoke(s, seen, "gallery_details", json!({"id": id})).await["ok"].clone();
        let now = PathBuf::from(d["job"]["clip_path"].as_str().unwrap());
        assert!(now.starts_with(&new_dir), "clip {id} is at {}", now.display());
        assert_eq!(&std::fs::read(&now).unwrap(), bytes, "clip {id} moved whole");
        assert!(!old.exists(), "the original {} was removed after the check", old.display());
    }
    open_tab(s, "gallery").await;
    let m = play_in_details(s, made.t2v_id, "a clip played from the moved library").await;
    assert_plays("a clip played from the moved library", &m);
    s.click_css("[data-testid=details-close]").await.unwrap();
    eprintln!("  moved {} clips ({} bytes) to {}", before.len(), report["bytes_moved"], new_dir.display());
    open_tab(s, "create").await;
}
