//! The compare board in the real window (issue 14), against kyma-sim: Compare mode with three
//! models (the total shown first, the duration shared), the board's cells side by side with their
//! status, time to ready and price, the clips played in sync — every cell's `currentTime` sampled
//! every 250 ms for 5 s, the median spread at most 40 ms and no cell ever 0.5 s off (the largest
//! spread, the figure, is printed here and measured by `make bench`) — pause and seek on all cells, a take
//! kept and then found by the gallery's "Kept" filter; and the figure on a 5-model board
//! made through the window too (one confirmation above the threshold), whose five cells fit the
//! smallest window (960×600) on two rows.

use super::fit::resize;
use super::gallery::open_tab;
use super::*;

const PROMPT_3: &str = "board check: a red kite over the dunes";
const PROMPT_5: &str = "board check: five takes of a paper lantern rising";
const THREE: [&str; 3] = ["kling-2.5-pro", "kling-3-pro-audio", "seedance-2-fast"];
const FIVE: [&str; 5] = ["kling-2.5-pro", "kling-3-pro", "kling-3-pro-audio", "seedance-2-pro", "seedance-2-fast"];
/// The figure: the largest currentTime spread across cells.
const MAX_SPREAD_S: f64 = 0.040;
/// No cell of a playing board is ever this far from the others.
const RUNAWAY_S: f64 = 0.5;

async fn text_of(s: &Session, css: &str) -> String {
    s.script(
        "return document.querySelector(arguments[0])?.textContent?.replace(/\\s+/g, ' ').trim() ?? null",
        json!([css]),
    )
    .await
    .unwrap()
    .as_str()
    .unwrap_or_else(|| panic!("no {css}"))
    .to_string()
}

/// Ticks exactly `models` in Compare mode's list, as a user clicks the rows.
async fn choose_models(s: &Session, models: &[&str]) {
    let rows = "[data-part=CompareModels] [role=checkbox]";
    s.wait_for(rows, Duration::from_secs(5)).await.unwrap();
    // Unticks first: a sixth model is refused while five are ticked.
    for pass in ["off", "on"] {
        let all = s
            .script(
                "return [...document.querySelectorAll(arguments[0])].map((b) => [b.dataset.model, b.getAttribute('aria-checked') === 'true'])",
                json!([rows]),
            )
            .await
            .unwrap();
        for row in all.as_array().unwrap() {
            let (id, on) = (row[0].as_str().unwrap(), row[1].as_bool().unwrap());
            let want = models.contains(&id);
            if (pass == "off" && on && !want) || (pass == "on" && !on && want) {
                s.click_css(&format!("[data-part=CompareModels] [data-model='{id}']")).await.unwrap();
            }
        }
    }
    let on = s
        .script(
            "return [...document.querySelectorAll(arguments[0])].filter((b) => b.getAttribute('aria-checked') === 'true').map((b) => b.dataset.model)",
            json!([rows]),
        )
        .await
        .unwrap();
    assert_eq!(on, json!(models), "the ticked models");
}

/// Removes the start image and the end frame an earlier step left on the form.
async fn clear_frames(s: &Session) {
    for slot in ["end-frame", "start-image"] {
        let css = format!("[data-drop='{slot}'] .card button.remove");
        if s.script("return !!document.querySelector(arguments[0])", json!([css])).await.unwrap() == true {
            s.click_css(&css).await.unwrap();
        }
    }
}

/// Makes a board of `models` from the Compare panel; answers (the board's id, its cells' ids, the
/// total shown, whether it asked to confirm).
async fn make_board(
    w: &mut World,
    s: &Session,
    models: &[&str],
    prompt: &str,
    shot: &str,
) -> (i64, Vec<i64>, String, bool) {
    choose_models(s, models).await;
    set_duration(s, 2).await;
    set_prompt(s, prompt).await;
    // The total first: one 2-second clip per model, to the cent.
    let state = app_state(s).await;
    let rates: i64 = models
        .iter()
        .map(|id| {
            state["models"].as_array().unwrap().iter().find(|m| m["id"] == *id).unwrap()["rate_micros"]
                .as_i64()
                .unwrap()
        })
        .sum();
    let total = rates * 2;
    let shown = text_of(s, "[data-testid=compare-total]").await;
    let want = format!("Total {} · {} models", cents(total), models.len());
    assert_eq!(shown, want, "the total is shown before paying");
    // The picture shows the models chosen, with the total and Compare below them.
    // (The options' own scroll only: scrollIntoView would scroll the page under its header too.)
    s.script(
        "document.querySelector('.form .options').scrollTop = 0; document.scrollingElement.scrollTop = 0",
        json!([]),
    )
    .await
    .unwrap();
    w.shot(s, shot).await;

    s.click_css("[data-testid=compare]").await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let asked = match s.find_all("dialog.confirm[open] .actions .primary").await.unwrap().first() {
        Some(ok) => {
            let title = text_of(s, "dialog.confirm[open] #confirm-title").await;
            assert_eq!(title, format!("Compare for {}?", cents(total)), "one confirmation, with the total");
            w.shot(s, &format!("{shot}-confirm")).await;
            s.click(ok).await.unwrap();
            true
        }
        None => false,
    };
    let threshold = state["settings"]["confirm_above_micros"].as_i64().unwrap();
    assert_eq!(asked, total > threshold, "asks once exactly when the total ({total}) is above {threshold}");
    let board = s.wait_for("[data-testid=board]", Duration::from_secs(20)).await.unwrap();
    let _ = board;
    let id =
        s.script("return Number(document.querySelector('[data-testid=board]').dataset.id)", json!([])).await.unwrap();
    let id = id.as_i64().unwrap();
    let cells = until(
        s,
        "the board shows one cell per model",
        &format!(
            "const c = [...document.querySelectorAll('[data-testid=board-cell]')];
                 return c.length === {} ? c.map((e) => [Number(e.dataset.id), e.dataset.model]) : null",
            models.len()
        ),
        Duration::from_secs(10),
    )
    .await;
    let cells: Vec<(i64, String)> = cells
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c[0].as_i64().unwrap(), c[1].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(cells.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(), models, "cells in the catalog's order");
    (id, cells.into_iter().map(|c| c.0).collect(), shown, asked)
}

/// Waits for every cell of the board to be done, its clip's first frame shown (WebKitGTK reports
/// HAVE_CURRENT_DATA, not more, for a paused clip it streams).
async fn wait_ready(s: &Session, cells: &[i64]) {
    for id in cells {
        wait_job(s, *id, "succeeded", Duration::from_secs(120)).await;
    }
    until(
        s,
        "every cell's clip can play",
        &format!(
            "const v = [...document.querySelectorAll('[data-testid=board-cell] video')];
             return v.length === {} && v.every((x) => x.readyState >= 2 && x.duration > 0) ? true : null",
            cells.len()
        ),
        Duration::from_secs(30),
    )
    .await;
}

/// Every cell's currentTime, `n` samples `every_ms` apart (on a schedule, not after each other).
async fn sample(s: &Session, n: u32, every_ms: u32) -> Vec<Vec<f64>> {
    let v = s
        .script_async(
            "const [n, every, done] = arguments;
             const vids = [...document.querySelectorAll('[data-testid=board-cell] video')];
             const out = [];
             const t0 = performance.now();
             const take = (i) => {
               out.push(vids.map((v) => v.currentTime));
               if (i + 1 >= n) return done(out);
               setTimeout(() => take(i + 1), Math.max(0, t0 + (i + 1) * every - performance.now()));
             };
             take(0);",
            json!([n, every_ms]),
        )
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|row| row.as_array().unwrap().iter().map(|t| t.as_f64().unwrap_or(f64::NAN)).collect())
        .collect()
}

fn spreads(samples: &[Vec<f64>]) -> Vec<f64> {
    samples
        .iter()
        .map(|row| {
            let max = row.iter().copied().fold(f64::MIN, f64::max);
            let min = row.iter().copied().fold(f64::MAX, f64::min);
            max - min
        })
        .collect()
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    if s.len() % 2 == 1 {
        s[s.len() / 2]
    } else {
        (s[s.len() / 2 - 1] + s[s.len() / 2]) / 2.0
    }
}

/// Waits for the script to answer something truthy; on a timeout, fails with every cell's state.
async fn until(s: &Session, what: &str, script: &str, timeout: Duration) -> Value {
    match s.wait_until(what, script, timeout).await {
        Ok(v) => v,
        Err(e) => panic!("{e}; {}", media_state(s).await),
    }
}

/// Every cell's media state, for the log when something does not happen.
async fn media_state(s: &Session) -> Value {
    s.script(
        "return { sync: document.querySelector('[data-testid=board]')?.dataset.syncState,
                  media: [...document.querySelectorAll('[data-testid=board-cell] video')].map((v) => ({
                    t: v.currentTime, d: v.duration, rs: v.readyState, ns: v.networkState, seeking: v.seeking,
                    paused: v.paused, ended: v.ended, rate: v.playbackRate, err: v.error && v.error.code, msg: v.error && v.error.message, src: v.currentSrc.slice(0, 40),
                    buffered: [...Array(v.buffered.length).keys()].map((i) => [v.buffered.start(i), v.buffered.end(i)]) })) }",
        json!([]),
    )
    .await
    .unwrap()
}

async fn sync_stats(s: &Session) -> Value {
    s.script(
        "const b = document.querySelector('[data-testid=board]').dataset;
         return { starts: b.syncStarts, resyncs: b.syncResyncs, rates: b.syncRates, holds: b.syncHolds, loops: b.syncLoops, lags: b.syncLags }",
        json!([]),
    )
    .await
    .unwrap()
}

/// The cells play together: behaviour, not speed. The figure (the largest spread at most
/// 40 ms) is `make bench`'s to measure (tests/e2e/src/bin/bench_batch_typing.rs → bench/RESULTS.md):
/// under a loaded CI machine a WebKitGTK pipeline can stall for 100–500 ms, and a timed assertion
/// would make the suite flaky. Here the median spread must stay within the figure and no cell may
/// run away (never half a second apart); both figures are printed. Answers (max, median), seconds.
async fn figure(s: &Session, what: &str, cells: usize) -> Vec<(f64, f64)> {
    let m = play_in_sync(s, what, cells).await;
    s.click_css("[data-testid=board-play]").await.unwrap(); // pause
    assert!(
        m.1 <= MAX_SPREAD_S && m.0 <= RUNAWAY_S,
        "{what}: the cells are not playing together: spread median {:.1} ms (at most {:.0}), largest {:.1} ms (at most {:.0})",
        m.1 * 1000.0,
        MAX_SPREAD_S * 1000.0,
        m.0 * 1000.0,
        RUNAWAY_S * 1000.0
    );
    vec![m]
}

/// Plays the board and measures every cell's currentTime every 250 ms for 5 s; answers the
/// largest and median spread, in seconds.
async fn play_in_sync(s: &Session, what: &str, cells: usize) -> (f64, f64) {
    let label = s
        .script("return document.querySelector('[data-testid=board-play]').getAttribute('aria-label')", json!([]))
        .await
        .unwrap();
    assert_eq!(label, "Play all", "{what}: the board is paused before it is played");
    s.click_css("[data-testid=board-play]").await.unwrap();
    until(
        s,
        &format!("{what}: every cell plays"),
        "const v = [...document.querySelectorAll('[data-testid=board-cell] video')];
         return v.length && v.every((x) => !x.paused && x.currentTime > 0.15) ? true : null",
        Duration::from_secs(15),
    )
    .await;
    let samples = sample(s, 21, 250).await; // 0 … 5 s
    let sp = spreads(&samples);
    let (max, med) = (sp.iter().copied().fold(0.0, f64::max), median(&sp));
    let moved: f64 = samples.windows(2).map(|w| (w[1][0] - w[0][0]).max(0.0)).sum();
    eprintln!(
        "  {what}: {cells} cells, {} samples every 250 ms: currentTime spread max {:.1} ms, median {:.1} ms (sync {})",
        samples.len(),
        max * 1000.0,
        med * 1000.0,
        sync_stats(s).await
    );
    eprintln!("  {what}: spreads (ms) {:?}", sp.iter().map(|x| (x * 10000.0).round() / 10.0).collect::<Vec<_>>());
    eprintln!(
        "  {what}: currentTime (ms) {:?}",
        samples.iter().map(|r| r.iter().map(|t| (t * 1000.0).round() as i64).collect::<Vec<_>>()).collect::<Vec<_>>()
    );
    assert!(samples.iter().all(|r| r.len() == cells), "{what}: one time per cell: {samples:?}");
    assert!(moved > 2.5, "{what}: the clips played (the leader moved {moved:.2} s in 5 s): {samples:?}");
    (max, med)
}

/// Picks `value` in the gallery toolbar's `<select id=…>` (the change event included).
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

fn cents(micros: i64) -> String {
    let c = (micros.abs() + 5_000) / 10_000;
    format!("${}.{:02}", c / 100, c % 100)
}

/// Step 7g: a 3-model board played in sync, paused, sought, a take kept and found by the gallery's
/// "Kept" filter; then the figure on a 5-model board, which also fits the smallest window.
pub(super) async fn compare_board(w: &mut World, s: &Session) {
    s.click_css("#tab-create").await.unwrap();
    clear_frames(s).await;
    s.click_css("[data-mode=compare]").await.unwrap();
    s.wait_for("[data-part=CompareModels]", Duration::from_secs(5)).await.unwrap();
    assert!(s.find_all(".picker button.current").await.unwrap().is_empty(), "the model menu gives way to the list");

    // Seedance takes a seed, Kling does not: the board leaves it out for Kling, and says so.
    let (id, cells, total, _) = {
        choose_models(s, &THREE).await;
        let seed = s.wait_for("#seed", Duration::from_secs(5)).await.unwrap();
        s.click(&seed).await.unwrap();
        s.send_keys(&seed, "\u{E009}a\u{E000}\u{E017}").await.unwrap();
        s.send_keys(&seed, "7").await.unwrap();
        let lost = until(
            s,
            "the row says what the model will not get",
            "return document.getElementById('lost-kling-2.5-pro')?.textContent.trim() ?? null",
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(lost, "Leaves out the seed 7");
        make_board(w, s, &THREE, PROMPT_3, "compare-3").await
    };
    eprintln!("  board {id}: cells {cells:?}, {total}");
    let notes = text_of(s, "[data-testid=board-notes]").await;
    assert!(
        notes.starts_with("Left out (the model does not take it): the seed for kling-2.5-pro and kling-3-pro-audio"),
        "the board names what each model left out: {notes}"
    );
    // While they run: status and time so far; the price is the hold.
    let first = text_of(s, "[data-testid=board-cell] [data-testid=cell-status]").await;
    assert!(!first.is_empty(), "a status per cell");
    w.shot(s, "board-running").await;
    wait_ready(s, &cells).await;
    let facts = s
        .script(
            "return [...document.querySelectorAll('[data-testid=board-cell]')].map((c) => [
               c.querySelector('[data-testid=cell-status]').textContent.trim(),
               c.querySelector('[data-testid=cell-ready]')?.textContent.trim() ?? null,
               c.querySelector('[data-testid=cell-price]').textContent.trim()])",
            json!([]),
        )
        .await
        .unwrap();
    eprintln!("  cells: {facts}");
    for f in facts.as_array().unwrap() {
        assert_eq!(f[0], "done", "{facts}");
        assert!(f[1].as_str().unwrap_or("").starts_with("ready in "), "time to ready: {facts}");
        assert!(f[2].as_str().unwrap_or("").starts_with("charged $"), "the price charged: {facts}");
    }
    // Side by side: the three cells on one row at this window size.
    let tops = s
        .script(
            "return [...document.querySelectorAll('[data-testid=board-cell]')].map((c) => Math.round(c.getBoundingClientRect().top))",
            json!([]),
        )
        .await
        .unwrap();
    eprintln!("  cell tops: {tops}");

    // Playing, for the picture.
    s.click_css("[data-testid=board-play]").await.unwrap();
    until(
        s,
        "the board plays",
        "return [...document.querySelectorAll('[data-testid=board-cell] video')].every((v) => !v.paused && v.currentTime > 0.3) || null",
        Duration::from_secs(15),
    )
    .await;
    w.readme_shot(s, "board").await;
    w.screen_shot("board");
    s.click_css("[data-testid=board-play]").await.unwrap(); // pause
    let f3 = figure(s, "3-model board", 3).await;

    // Space plays and pauses every cell (focus on the board, as after opening it); paused, they
    // show one frame.
    let root = s.wait_for("[data-testid=board]", Duration::from_secs(5)).await.unwrap();
    s.send_keys(&root, " ").await.unwrap();
    until(
        s,
        "Space played every cell",
        "return [...document.querySelectorAll('[data-testid=board-cell] video')].some((v) => !v.paused && v.currentTime > 0.2) || null",
        Duration::from_secs(10),
    )
    .await;
    s.send_keys(&root, " ").await.unwrap();
    let paused = until(
        s,
        "Space paused every cell",
        "const v = [...document.querySelectorAll('[data-testid=board-cell] video')];
             return v.every((x) => x.paused && !x.seeking) ? v.map((x) => x.currentTime) : null",
        Duration::from_secs(5),
    )
    .await;
    let at: Vec<f64> = paused.as_array().unwrap().iter().map(|t| t.as_f64().unwrap()).collect();
    let sp = spreads(std::slice::from_ref(&at))[0];
    eprintln!("  paused at {at:?} (spread {:.1} ms)", sp * 1000.0);
    assert!(sp <= MAX_SPREAD_S, "paused cells show one frame: {at:?}");
    // The seek bar moves every cell, still paused.
    s.script(
        "const r = document.querySelector('[data-testid=board-seek]'); r.value = '1';
         r.dispatchEvent(new Event('input', { bubbles: true }))",
        json!([]),
    )
    .await
    .unwrap();
    let sought = until(
        s,
            "every cell went to 1.0 s",
            "const v = [...document.querySelectorAll('[data-testid=board-cell] video')];
             return v.every((x) => x.paused && !x.seeking && Math.abs(x.currentTime - 1) < 0.05) ? v.map((x) => x.currentTime) : null",
            Duration::from_secs(10),
        ).await;
    eprintln!("  sought to 1.0 s: {sought}");
    assert_eq!(text_of(s, "[data-testid=board-time]").await, "0:01.0 / 0:02.0");
    // Space plays again, from there.
    s.send_keys(&root, " ").await.unwrap();
    until(
        s,
        "Space played every cell from 1.0 s",
        "const v = [...document.querySelectorAll('[data-testid=board-cell] video')];
         return v.every((x) => !x.paused) ? true : null",
        Duration::from_secs(5),
    )
    .await;
    s.click_css("[data-testid=board-play]").await.unwrap();

    // One cell heard at a time: the first with sound, the others muted.
    let muted = s
        .script(
            "return [...document.querySelectorAll('[data-testid=board-cell] video')].map((v) => v.muted)",
            json!([]),
        )
        .await
        .unwrap();
    assert_eq!(muted, json!([true, false, true]), "only kling-3-pro-audio is heard");
    s.click_css("[data-testid=board-cell][data-model='seedance-2-fast'] [data-testid=speaker]").await.unwrap();
    let muted = s
        .script(
            "return [...document.querySelectorAll('[data-testid=board-cell] video')].map((v) => v.muted)",
            json!([]),
        )
        .await
        .unwrap();
    assert_eq!(muted, json!([true, true, false]), "the speaker moves the sound to seedance-2-fast");

    // Keep the second take; the board shows it, the record has it.
    let kept = cells[1];
    s.click_css(&format!("[data-testid=board-cell][data-id='{kept}'] [data-testid=keep]")).await.unwrap();
    until(
        s,
        "the take is kept",
        &format!(
            "return document.querySelector(\"[data-testid=board-cell][data-id='{kept}'] [data-testid=keep]\")
               ?.getAttribute('aria-pressed') === 'true' ? true : null"
        ),
        Duration::from_secs(10),
    )
    .await;
    let r = s.invoke("gallery_details", json!({"id": kept})).await.unwrap();
    assert_eq!(r["ok"]["item"]["mark"], "keep", "{r}");
    w.shot(s, "board-kept").await;

    // Esc closes the board.
    s.send_keys(&root, "\u{E00C}").await.unwrap();
    until(
        s,
        "Esc closed the board",
        "return document.querySelector('[data-testid=board]') ? null : true",
        Duration::from_secs(5),
    )
    .await;

    // The gallery's "Kept" filter finds exactly that take.
    open_tab(s, "gallery").await;
    choose(s, "filter-mark", "kept").await;
    let listed = until(
        s,
        "the gallery lists the kept take only",
        "const t = [...document.querySelectorAll('[data-testid=gallery-tile]')].map((e) => Number(e.dataset.id));
             return t.length === 1 ? t : null",
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(listed, json!([kept]), "Kept lists exactly the kept take");
    w.shot(s, "gallery-kept").await;
    choose(s, "filter-mark", "any").await;
    // The gallery's sets reopen the board: its cells in their order, its notes as they were said.
    s.wait_for(&format!("[data-set='{id}']"), Duration::from_secs(10)).await.unwrap();
    s.click_css(&format!("[data-set='{id}']")).await.unwrap();
    let reopened = until(
        s,
        "the set reopens the board",
        "const c = [...document.querySelectorAll('[data-testid=board] [data-testid=board-cell]')].map((e) => Number(e.dataset.id));
             return c.length === 3 ? c : null",
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(reopened, json!(cells), "the set's board, its cells in their order");
    assert_eq!(text_of(s, "[data-testid=board-notes]").await, notes, "the notes said again on reopening");
    s.click_css("[data-testid=board-close]").await.unwrap();

    // The figure: a 5-model board, made the same way.
    s.click_css("#tab-create").await.unwrap();
    let (id5, cells5, total5, asked) = make_board(w, s, &FIVE, PROMPT_5, "compare-5").await;
    eprintln!("  board {id5}: cells {cells5:?}, {total5}, confirmed: {asked}");
    wait_ready(s, &cells5).await;
    let f5 = figure(s, "5-model board", 5).await;
    w.shot(s, "board-5").await;
    // At the smallest window: two rows, every cell and the transport in view.
    let (_, _, width, height) = s.window_rect().await.unwrap();
    resize(s, 960, 600).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let m = s
        .script(
            "const r = (e) => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
             return { cells: [...document.querySelectorAll('[data-testid=board-cell]')].map(r),
                      clips: [...document.querySelectorAll('[data-testid=board-cell] video')].map(r),
                      transport: r(document.querySelector('[data-testid=board-play]')),
                      seek: r(document.querySelector('[data-testid=board-seek]')),
                      view: [innerWidth, innerHeight] }",
            json!([]),
        )
        .await
        .unwrap();
    eprintln!("  960×600: {m}");
    let rect = |b: &Value| -> Vec<f64> { b.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() };
    let inside = |b: &[f64]| b[0] >= -0.5 && b[1] >= -0.5 && b[2] <= 960.5 && b[3] <= 600.5;
    for b in m["cells"].as_array().unwrap() {
        let b = rect(b);
        assert!(inside(&b) && b[2] - b[0] >= 280.0, "every cell in view, at least 280 px wide, at 960×600: {m}");
    }
    for b in m["clips"].as_array().unwrap() {
        let b = rect(b);
        assert!(inside(&b) && b[2] - b[0] >= 160.0, "every clip in view, at least 160 px wide, at 960×600: {m}");
    }
    for b in [&m["transport"], &m["seek"]] {
        assert!(inside(&rect(b)), "the transport in view at 960×600: {m}");
    }
    let rows = m["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| rect(b)[1].round() as i64)
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(rows.len(), 2, "five cells on two rows at 960×600: {m}");
    // Playing, for the picture (the figure is the one above, at the window's usual size).
    s.click_css("[data-testid=board-play]").await.unwrap();
    until(
        s,
        "the board plays at 960×600",
        "return [...document.querySelectorAll('[data-testid=board-cell] video')].every((v) => !v.paused && v.currentTime > 0.3) || null",
        Duration::from_secs(15),
    )
    .await;
    w.readme_shot(s, "board-960x600").await;
    s.click_css("[data-testid=board-play]").await.unwrap();
    resize(s, width, height).await;
    s.click_css("[data-testid=board-close]").await.unwrap();
    s.click_css("[data-mode=single]").await.unwrap();
    let ms = |f: &[(f64, f64)]| {
        f.iter()
            .map(|(max, med)| format!("{:.1} / {:.1} ms", max * 1000.0, med * 1000.0))
            .collect::<Vec<_>>()
            .join(", then ")
    };
    eprintln!(
        "  sync figure (largest / median currentTime spread, 21 samples every 250 ms over 5 s): 3 cells {}; 5 cells {}",
        ms(&f3),
        ms(&f5)
    );
}
