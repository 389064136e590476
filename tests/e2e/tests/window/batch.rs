//! Batches and the budget in the real window (issue 14), against kyma-sim with a queue cap of 4:
//! ten pictures dropped at once by a real OS drop become a batch of ten rows; it is paused after
//! its first jobs reach Kyma (the rest wait here, unsent), resumed and finished, ten clips and
//! ten charges. A daily cap typed into Settings refuses a submit with its sentence; a batch whose
//! total passes the balance is refused before any hold. The header shows the balance.

use super::shot::{click, text_of, type_into};
use super::*;

const BATCH_PROMPT: &str = "batch check: the product turns slowly on a plain table";

async fn group(s: &Session, id: i64) -> Value {
    let r = s.invoke("group_get", json!({"id": id})).await.unwrap();
    r["ok"].clone()
}

async fn ledger_counts(w: &World) -> (usize, usize) {
    let ledger = w.sim.public("/_sim/ledger").await;
    let entries = ledger["entries"].as_array().unwrap();
    let holds = entries.iter().filter(|e| e["kind"] == "hold").count();
    let posts = w.sim.public("/_sim/stats").await["posts"].as_u64().unwrap() as usize;
    (holds, posts)
}

/// Saves the daily cap through the Settings sheet, as a user types it ("" = no cap).
async fn set_daily_cap(s: &Session, dollars: &str) {
    s.click_css("[data-testid=key-indicator]").await.unwrap();
    type_into(s, "#daily-cap", dollars).await;
    s.click_css("button[type=submit][form=settings-form]").await.unwrap();
    s.wait_until("the settings sheet closed", "return !document.querySelector('#daily-cap')", Duration::from_secs(10))
        .await
        .unwrap();
}

pub async fn batch_and_budget(w: &mut World, s: &Session) {
    s.click_css("#tab-create").await.unwrap();
    // The balance Kyma reports is in the header (the simulator's key started with $100).
    let balance = s.wait_for("[data-testid=balance] .amount", Duration::from_secs(20)).await.unwrap();
    let shown = s.text(&balance).await.unwrap();
    assert!(shown.starts_with('$'), "the header shows the balance: {shown}");
    eprintln!("  header balance {shown}");

    // Ten pictures, one of them portrait and one with a Japanese name, dropped at once.
    let colours =
        ["#c0392b", "#2980b9", "#27ae60", "#8e44ad", "#f39c12", "#16a085", "#d35400", "#2c3e50", "#7f8c8d", "#e84393"];
    let mut files = Vec::new();
    for (i, c) in colours.iter().enumerate() {
        let (name, size) = match i {
            2 => (format!("shot-{:02}-portrait.png", i + 1), "720x1280"),
            6 => (format!("商品-{:02}.png", i + 1), "1200x800"),
            _ => (format!("shot-{:02}.png", i + 1), "1200x800"),
        };
        files.push(
            w.image(&name, &["-size", size, &format!("xc:{c}"), "-fill", "white", "-draw", "circle 300,300 300,420"]),
        );
    }
    let (x, y, width, height) = s.window_rect().await.unwrap();
    let mut drop = Command::new(&w.os_drop);
    drop.args([(x + width / 2).to_string(), (y + height / 2).to_string()]).args(&files);
    let out = drop.output().unwrap();
    assert!(out.status.success(), "os-drop of 10 files failed: {}", String::from_utf8_lossy(&out.stderr));
    s.wait_for("[data-mode=batch][aria-checked=true]", Duration::from_secs(10)).await.unwrap();
    s.wait_until(
        "ten rows, every picture prepared",
        "const rows = document.querySelectorAll('[data-testid=batch-rows] li');
         return rows.length === 10 && [...rows].every(r => r.querySelector('img'))",
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    let names: Vec<String> = serde_json::from_value(
        s.script(
            "return [...document.querySelectorAll('[data-testid=batch-rows] .name')].map(e => e.textContent)",
            json!([]),
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert!(names.contains(&"商品-07.png".to_string()), "{names:?}");
    assert!(names.contains(&"shot-03-portrait.png".to_string()), "{names:?}");
    choose_model(s, "kling-2.5-pro").await;
    set_duration(s, 1).await;
    set_prompt(s, BATCH_PROMPT).await;
    let total = text_of(s, "[data-testid=batch-total]").await;
    assert!(total.contains("10 clips") && total.contains("$0.95"), "10 × $0.0945: {total}");
    w.shot(s, "batch-rows").await;

    // Made, then paused as soon as its first jobs are at Kyma: the rest wait here.
    let before = max_job_id(s).await;
    click(s, "[data-action=make-batch]").await;
    let row = s.wait_for("li.group.batch [data-action=pause]", Duration::from_secs(15)).await.unwrap();
    s.click(&row).await.unwrap();
    s.wait_for("li.group.batch [data-action=resume]", Duration::from_secs(10)).await.unwrap();
    let gid = s
        .script("return Number(document.querySelector('li.group.batch').dataset.group)", json!([]))
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    // Longer than a job takes (6 s): what was sent finishes, nothing more is sent.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let g = group(s, gid).await;
    let cells = g["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 10);
    assert!(cells.iter().all(|c| c["id"].as_i64().unwrap() > before));
    let sent = cells.iter().filter(|c| !c["kyma_id"].is_null()).count();
    let waiting = cells.iter().filter(|c| c["status"] == "queued").count();
    assert!((1..=4).contains(&sent), "the queue cap is 4 and the batch was paused: {sent} sent");
    assert_eq!(sent + waiting, 10, "the rest wait here, unsent: {g}");
    assert_eq!(g["state"], "paused");
    let state = text_of(s, "li.group.batch [data-testid=group-state]").await;
    assert_eq!(state, format!("paused · {waiting} waiting"));
    w.readme_shot(s, "batch").await;

    // Resumed: all ten made, ten charges, never more than the cap at Kyma.
    click(s, "li.group.batch [data-action=resume]").await;
    s.wait_until(
        "the batch finished",
        &format!("return document.querySelector('li.group[data-group=\"{gid}\"] [data-testid=group-done]')?.textContent === '10/10'"),
        Duration::from_secs(120),
    )
    .await
    .unwrap();
    let g = group(s, gid).await;
    let cells = g["cells"].as_array().unwrap();
    assert!(cells.iter().all(|c| c["status"] == "succeeded"), "{g}");
    assert_eq!(g["spent_micros"], 10 * 94_500);
    let stats = w.sim.public("/_sim/stats").await;
    assert_eq!(stats["queue_full_refusals"], 0, "{stats}");
    assert!(stats["max_open_jobs"].as_u64().unwrap() <= 4, "{stats}");
    let spent = text_of(s, &format!("li.group[data-group=\"{gid}\"] [data-testid=group-spent]")).await;
    assert_eq!(spent, "spent $0.95");
    w.shot(s, "batch-done").await;

    // A daily cap below what today already cost: a submit is refused with its sentence.
    let (holds, posts) = ledger_counts(w).await;
    set_daily_cap(s, "0.10").await;
    assert_eq!(text_of(s, "[data-testid=daily-cap]").await, "of $0.10");
    click(s, "[data-mode=single]").await;
    set_prompt(s, "budget check: one more clip").await;
    s.click_css("button.generate").await.unwrap();
    let banner = s.wait_for(".banner .msg", Duration::from_secs(10)).await.unwrap();
    let msg = s.text(&banner).await.unwrap();
    assert!(msg.contains("past your daily cap of $0.10"), "{msg}");
    assert!(msg.contains("Raise the cap in Settings"), "{msg}");
    w.readme_shot(s, "budget-refusal").await;
    assert_eq!(ledger_counts(w).await, (holds, posts), "nothing was held or posted");
    set_daily_cap(s, "").await;
    assert!(s.find_all("[data-testid=daily-cap]").await.unwrap().is_empty(), "the cap is off again");

    // A batch of prompts whose total passes the balance: refused before any hold.
    click(s, "[data-mode=batch]").await;
    click(s, "[data-source=prompts]").await;
    choose_model(s, "seedance-2-pro").await;
    set_duration(s, 10).await;
    let lines: Vec<String> = (1..=30).map(|i| format!("balance check {i}: a city at night, drone shot")).collect();
    // Pasted, as a list is: one input event with every line.
    s.wait_for("#batch-prompts", Duration::from_secs(5)).await.unwrap();
    s.script(
        "const a = document.querySelector('#batch-prompts'); a.focus(); a.value = arguments[0];
         a.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }))",
        json!([lines.join("\n")]),
    )
    .await
    .unwrap();
    s.wait_until(
        "thirty rows",
        "return document.querySelectorAll('[data-testid=batch-rows] li').length === 30",
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    let total = text_of(s, "[data-testid=batch-total]").await;
    assert!(total.contains("30 clips") && total.contains("$122.88"), "30 × $4.0959: {total}");
    let groups_before = s.invoke("group_list", json!({})).await.unwrap()["ok"].as_array().unwrap().len();
    click(s, "[data-action=make-batch]").await;
    // Above the ask-first threshold: one confirmation for the whole batch.
    let ok = s.wait_for("dialog.confirm[open] .actions .primary", Duration::from_secs(5)).await.unwrap();
    s.click(&ok).await.unwrap();
    s.wait_until(
        "the balance refusal",
        "return document.querySelector('.banner .msg')?.textContent.includes('your Kyma balance is')",
        Duration::from_secs(15),
    )
    .await
    .unwrap();
    let msg = text_of(s, ".banner .msg").await;
    assert!(msg.starts_with("This needs $122.88 in holds"), "{msg}");
    assert_eq!(ledger_counts(w).await, (holds, posts), "the ledger shows no hold, Kyma saw no POST");
    let groups = s.invoke("group_list", json!({})).await.unwrap();
    assert_eq!(groups["ok"].as_array().unwrap().len(), groups_before, "no group was recorded: {groups}");
    w.shot(s, "batch-balance-refusal").await;
    // Leave the create panel as the next steps expect it.
    s.click_css(".banner button.close").await.unwrap();
    s.script(
        "const a = document.querySelector('#batch-prompts'); a.value = '';
         a.dispatchEvent(new InputEvent('input', { bubbles: true }))",
        json!([]),
    )
    .await
    .unwrap();
    click(s, "[data-mode=single]").await;
}
