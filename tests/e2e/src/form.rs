//! Reading the app's state and driving the create form, as the window tests do it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::webdriver::{Result, Session};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub async fn app_state(s: &Session) -> Value {
    let v = s.invoke("app_state", json!({})).await.unwrap();
    assert!(v.get("ok").is_some(), "app_state failed: {v}");
    v["ok"].clone()
}

pub async fn jobs(s: &Session) -> Vec<Value> {
    app_state(s).await["jobs"].as_array().cloned().unwrap_or_default()
}

pub async fn max_job_id(s: &Session) -> i64 {
    jobs(s).await.iter().filter_map(|j| j["id"].as_i64()).max().unwrap_or(0)
}

/// Waits for the job to reach `want` (any other finished status fails the test).
pub async fn wait_job(s: &Session, id: i64, want: &str, timeout: Duration) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(j) = jobs(s).await.into_iter().find(|j| j["id"] == id) {
            let status = j["status"].as_str().unwrap_or("").to_string();
            if status == want && (want != "succeeded" || j["clip_url"].is_string()) {
                return j;
            }
            let finished = ["succeeded", "failed", "refunded", "expired", "rejected"];
            assert!(!finished.contains(&status.as_str()) || status == want, "job {id} ended {status}, not {want}: {j}");
            assert!(Instant::now() < deadline, "job {id} still {status} after {timeout:?}");
        } else {
            assert!(Instant::now() < deadline, "job {id} never appeared");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The newest job with an id above `after`.
pub async fn new_job(s: &Session, after: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(j) =
            jobs(s).await.into_iter().filter(|j| j["id"].as_i64().unwrap_or(0) > after).max_by_key(|j| j["id"].as_i64())
        {
            return j;
        }
        assert!(Instant::now() < deadline, "Generate queued no job");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

pub async fn choose_model(s: &Session, id: &str) {
    let state = app_state(s).await;
    let models = state["models"].as_array().unwrap();
    let i = models.iter().position(|m| m["id"] == id).unwrap();
    let name = models[i]["name"].as_str().unwrap().to_string();
    s.click_css(".picker button.current").await.unwrap();
    s.wait_for(".picker .menu .option", Duration::from_secs(5)).await.unwrap();
    let options = s.find_all(".picker .menu .option").await.unwrap();
    assert_eq!(options.len(), models.len(), "one menu option per model");
    s.click(&options[i]).await.unwrap();
    let shown =
        s.text(&s.wait_for(".picker button.current .name", Duration::from_secs(5)).await.unwrap()).await.unwrap();
    assert_eq!(shown, name, "the picker shows the chosen model");
}

pub async fn set_duration(s: &Session, seconds: i64) {
    for _ in 0..12 {
        let now = s
            .script(
                "return Number(document.querySelector('[role=spinbutton]').getAttribute('aria-valuenow'))",
                json!([]),
            )
            .await
            .unwrap()
            .as_i64()
            .unwrap();
        if now == seconds {
            return;
        }
        let which = if now > seconds { "Shorter" } else { "Longer" };
        s.click_css(&format!("button[aria-label={which}]")).await.unwrap();
    }
    panic!("the duration stepper did not reach {seconds} s");
}

/// Types into the prompt box like a user: select all, then type over it.
pub async fn set_prompt(s: &Session, text: &str) {
    let e = s.wait_for("textarea#prompt", Duration::from_secs(5)).await.unwrap();
    s.click(&e).await.unwrap();
    s.send_keys(&e, "\u{E009}a\u{E000}\u{E017}").await.unwrap();
    s.send_keys(&e, text).await.unwrap();
    let value = s.script("return document.querySelector('textarea#prompt').value", json!([])).await.unwrap();
    assert_eq!(value, text);
}

/// Clicks Generate (and confirms when the price is above the threshold); answers the new job.
pub async fn click_generate(s: &Session) -> Value {
    let before = max_job_id(s).await;
    press_generate(s).await.unwrap();
    new_job(s, before).await
}

/// Clicks Generate and confirms the price when asked; does not wait for the job (the app may
/// die on the way, in the crash tests).
pub async fn press_generate(s: &Session) -> Result<()> {
    s.click_css("button.generate").await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    if let Some(ok) = s.find_all("dialog.confirm[open] .actions .primary").await?.first() {
        s.click(ok).await?;
    }
    Ok(())
}
