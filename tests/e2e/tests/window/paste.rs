//! The paste step of the window test: pictures and text put on the real X clipboard by other
//! programs (xclip, and clip_owner.py for text beside a picture), Ctrl+V pressed through XTEST as
//! a keyboard does, and what the window shows. WebKitGTK hands the page no file for a clipboard
//! picture, so each picture here is read by the app's own `image_from_clipboard` from the OS.

use super::*;
use kyma_e2e::clipboard;

/// Waits for the slot to show a start image of `dims` ("800 × 1200"; a picture staged before
/// may still show meanwhile) and answers (dims, "from …" or "", name).
async fn staged(s: &Session, what: &str, dims: &str) -> (String, String, String) {
    let found = s
        .wait_until(
            what,
            &format!(
                "const card = document.querySelector('.slot .card');
                 if (!card || document.querySelector('.slot[aria-busy=true]')) return null;
                 if (card.querySelector('.dims').textContent !== {}) return null;
                 return [card.querySelector('.dims').textContent, card.querySelector('.from')?.textContent ?? '',
                         card.querySelector('.src').textContent];",
                json!(dims)
            ),
            Duration::from_secs(60),
        )
        .await;
    let v = match found {
        Ok(v) => v,
        Err(e) => panic!("{e}; the slot: {}", slot_state(s).await),
    };
    let part = |i: usize| v[i].as_str().unwrap_or_default().to_string();
    (part(0), part(1), part(2))
}

async fn slot_state(s: &Session) -> Value {
    s.script(
        "return { card: !!document.querySelector('.slot .card'),
                  error: document.querySelector('.slot .error-text')?.textContent ?? null,
                  busy: document.querySelector('.slot')?.getAttribute('aria-busy'),
                  prompt: document.querySelector('textarea#prompt').value,
                  tab: document.querySelector('main.stage')?.getAttribute('aria-label') }",
        json!([]),
    )
    .await
    .unwrap()
}

async fn remove_image(s: &Session) {
    s.click_css(".slot .card button.remove").await.unwrap();
    s.wait_until("the slot is empty", "return !document.querySelector('.slot .card')", Duration::from_secs(5))
        .await
        .unwrap();
}

/// Presses Ctrl+V in `window` and waits for the page to get the paste event (counted by a
/// listener [`count_pastes`] installed), so a key press that went astray fails here, saying so.
async fn press_ctrl_v(s: &Session, window: &str) {
    let before = s.script("return window.__e2ePastes", json!([])).await.unwrap().as_i64().unwrap_or(0);
    clipboard::press_ctrl_v(window).unwrap();
    let arrived = s
        .wait_until(
            "a paste event reaches the page",
            &format!("return window.__e2ePastes > {before}"),
            Duration::from_secs(10),
        )
        .await;
    if let Err(e) = arrived {
        panic!("{e}: Ctrl+V went to window {window}; {}", clipboard::focus_report());
    }
}

/// Counts the page's paste events (window.__e2ePastes), for [`press_ctrl_v`].
async fn count_pastes(s: &Session) {
    s.script(
        "if (window.__e2ePastes === undefined) {
           window.__e2ePastes = 0;
           window.addEventListener('paste', () => window.__e2ePastes++, true);
         }",
        json!([]),
    )
    .await
    .unwrap();
}

/// Ctrl+V with no field focused: the paste lands on the page.
async fn paste_on_page(s: &Session, window: &str) {
    s.script("document.activeElement?.blur()", json!([])).await.unwrap();
    press_ctrl_v(s, window).await;
}

/// Empties the prompt as a user does (select all, delete); it keeps the focus.
async fn clear_prompt(s: &Session) {
    let e = s.wait_for("textarea#prompt", Duration::from_secs(5)).await.unwrap();
    s.click(&e).await.unwrap();
    s.send_keys(&e, "\u{E009}a\u{E000}\u{E017}").await.unwrap();
    assert_eq!(slot_state(s).await["prompt"], "", "the prompt is empty");
}

/// Ctrl+V in the (emptied) prompt field.
async fn paste_in_prompt(s: &Session, window: &str) {
    clear_prompt(s).await;
    press_ctrl_v(s, window).await;
}

/// A JPEG stored sideways, as phones store portraits: `jpeg` with an EXIF APP1 segment saying
/// Orientation 6 ("turn 90° clockwise to view") inserted after its SOI.
fn with_exif_orientation_6(jpeg: &[u8]) -> Vec<u8> {
    let mut exif = b"Exif\0\0MM\0\x2A\0\0\0\x08".to_vec(); // big-endian TIFF, IFD0 at offset 8
    exif.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]); // Orientation = 6
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

pub async fn paste_from_the_clipboard(w: &mut World, s: &Session) {
    let pids = w.app_pids();
    let window = clipboard::window_of(pids[0]).unwrap();
    let dir = w.fixtures.path().to_path_buf();
    s.click_css("#tab-create").await.unwrap();
    count_pastes(s).await;
    let jobs_before = jobs(s).await.len();

    // The webview is granted our command only, none of the clipboard plugin's own.
    let r = s
        .script_async(
            "const done = arguments[0];
             window.__TAURI_INTERNALS__.invoke('plugin:clipboard-manager|read_text', {})
               .then((ok) => done({ ok }), (err) => done({ err: String(err) }));",
            json!([]),
        )
        .await
        .unwrap();
    assert!(r["err"].as_str().is_some_and(|e| e.contains("not allowed")), "the page read the clipboard itself: {r}");

    // A "PNG" the OS cannot decode: the reason, on the image slot (the next picture clears it).
    let garbage = dir.join("not-really.png");
    std::fs::write(&garbage, [&b"\x89PNG\r\n\x1a\n"[..], &[0x5A; 600]].concat()).unwrap();
    let owner = clipboard::offer_file("image/png", &garbage).unwrap();
    paste_on_page(s, &window).await;
    // The slot may still show step 5's message about the dropped file: wait for this one.
    let shown = s
        .wait_until(
            "the slot says why the clipboard's picture cannot be used",
            "const e = document.querySelector('.slot .error-text')?.textContent ?? '';
             return e.includes('clipboard') ? e : null",
            Duration::from_secs(20),
        )
        .await;
    let e = match shown {
        Ok(e) => e.as_str().unwrap_or_default().to_string(),
        Err(e) => panic!("{e}; the slot: {}", slot_state(s).await),
    };
    assert_eq!(
        e,
        "The picture on the clipboard could not be decoded; copy it again, or save it as a file and drop it here."
    );
    assert_eq!(slot_state(s).await["card"], false);
    w.shot(s, "paste-undecodable").await;
    drop(owner);

    // A screenshot-sized PNG (a 1440p screen), pasted on the page while another tab shows: the
    // create tab comes forward with it, prepared like any file (2048 px on the long side).
    let screenshot = w.image(
        "screenshot-2560x1440.png",
        &[
            "-size",
            "2560x1440",
            "xc:#20242c",
            "-fill",
            "#3b82f6",
            "-draw",
            "rectangle 0,0 2559,79",
            "-fill",
            "#f59e0b",
            "-draw",
            "rectangle 120,200 1180,1300",
            "-fill",
            "white",
            "-draw",
            "circle 1900,760 1900,1160",
            "-depth",
            "8",
        ],
    );
    let owner = clipboard::offer_file("image/png", &screenshot).unwrap();
    s.click_css("#tab-spend").await.unwrap();
    paste_on_page(s, &window).await;
    let (dims, from, name) = staged(s, "the pasted screenshot is staged", "2048 × 1152").await;
    assert_eq!(
        (dims.as_str(), from.as_str(), name.as_str()),
        ("2048 × 1152", "from 2560 × 1440", "Pasted image"),
        "the slot shows the pasted screenshot, downscaled"
    );
    assert_eq!(slot_state(s).await["tab"], "create", "the create tab shows the pasted picture");
    w.shot(s, "paste-screenshot").await;

    // A portrait JPEG (stored 1200 × 800, EXIF: turn it), pasted into the prompt field over the
    // screenshot: read as the JPEG it is (arboard asks for PNG only; GTK finds image/jpeg), turned
    // upright, and in the screenshot's place.
    let landscape = w.image(
        "portrait-stored-sideways.jpg",
        &["-size", "1200x800", "xc:#2a6f97", "-fill", "#f4d35e", "-draw", "rectangle 0,0 299,199", "-quality", "90"],
    );
    let portrait = dir.join("portrait.jpg");
    std::fs::write(&portrait, with_exif_orientation_6(&std::fs::read(&landscape).unwrap())).unwrap();
    drop(owner);
    let owner = clipboard::offer_file("image/jpeg", &portrait).unwrap();
    paste_in_prompt(s, &window).await;
    let (dims, from, name) = staged(s, "the pasted JPEG is staged", "800 × 1200").await;
    assert_eq!((dims.as_str(), from.as_str(), name.as_str()), ("800 × 1200", "", "Pasted image"), "upright, portrait");
    // The stored top-left block is at the top right once the picture is upright.
    let corners = s
        .script(
            "const img = document.querySelector('.slot .card img');
             const c = document.createElement('canvas');
             c.width = img.naturalWidth; c.height = img.naturalHeight;
             const g = c.getContext('2d');
             g.drawImage(img, 0, 0);
             const at = (x, y) => [...g.getImageData(Math.round(x * (c.width - 1)), Math.round(y * (c.height - 1)), 1, 1).data];
             return { size: [c.width, c.height], topRight: at(0.95, 0.05), topLeft: at(0.05, 0.05), bottomRight: at(0.95, 0.95) };",
            json!([]),
        )
        .await
        .unwrap();
    let rgb = |k: &str| -> Vec<i64> { corners[k].as_array().unwrap().iter().filter_map(Value::as_i64).collect() };
    let yellow = |p: &[i64]| p[0] > 200 && p[2] < 140;
    let blue = |p: &[i64]| p[2] > 120 && p[0] < 90;
    assert!(corners["size"][0].as_i64() < corners["size"][1].as_i64(), "a portrait preview: {corners}");
    assert!(yellow(&rgb("topRight")) && blue(&rgb("topLeft")) && blue(&rgb("bottomRight")), "not upright: {corners}");
    assert_eq!(slot_state(s).await["prompt"], "", "no text came with the picture");
    w.shot(s, "paste-portrait-jpeg").await;
    remove_image(s).await;

    // Text, pasted into the prompt: the text arrives and nothing is staged.
    drop(owner);
    let text = "a kite over the dunes at noon";
    let owner = clipboard::offer_text(text, &dir).unwrap();
    paste_in_prompt(s, &window).await;
    s.wait_until(
        "the pasted text is in the prompt",
        &format!("return document.querySelector('textarea#prompt').value === {}", json!(text)),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    // The same text pasted on the page: the page has nowhere to put it, and there is no picture.
    paste_on_page(s, &window).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let state = slot_state(s).await;
    assert_eq!(
        (&state["card"], &state["error"], &state["busy"], &state["prompt"]),
        (&json!(false), &Value::Null, &json!("false"), &json!(text)),
        "a text paste stages nothing and shows nothing on the slot: {state}"
    );
    w.shot(s, "paste-text").await;

    // Text beside a picture, as an office app copies cells: into the prompt the text (the page
    // event shows no text then; the browser's paste brings it), on the page the picture.
    drop(owner);
    let cells = dir.join("cells.txt");
    std::fs::write(&cells, "Q3 totals\t1200").unwrap();
    let picture = w.image(
        "cells.png",
        &["-size", "640x360", "xc:#e8f0e0", "-fill", "#2e7d32", "-draw", "rectangle 40,40 600,320", "-depth", "8"],
    );
    let owner =
        clipboard::offer_many(&clipboard::clip_owner(), &[("text/plain", &cells), ("image/png", &picture)]).unwrap();
    paste_in_prompt(s, &window).await;
    s.wait_until(
        "the copied cells' text is in the prompt",
        "return document.querySelector('textarea#prompt').value === 'Q3 totals\\t1200'",
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(slot_state(s).await["card"], false, "text pasted into the prompt stages no picture");
    paste_on_page(s, &window).await;
    staged(s, "the copied cells' picture is staged", "640 × 360").await;
    w.shot(s, "paste-text-and-picture").await;
    remove_image(s).await;

    // Nobody owns the clipboard: Ctrl+V does nothing visible.
    drop(owner);
    procs::wait(Duration::from_secs(5), || clipboard::offered().is_empty().then_some(()))
        .expect("the clipboard empties");
    clear_prompt(s).await;
    paste_on_page(s, &window).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let state = slot_state(s).await;
    assert_eq!((&state["card"], &state["error"]), (&json!(false), &Value::Null), "an empty clipboard: {state}");

    assert_eq!(jobs(s).await.len(), jobs_before, "pasting queued nothing");
}
