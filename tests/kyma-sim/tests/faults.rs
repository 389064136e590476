//! Fault injection: failed, refunded and expired jobs are refunded; downloads can be cut
//! short; URLs expire and are renewed; connections drop after a job was created; URLs
//! arrive a poll late; errors and 429s are injected before anything happens; a job can be
//! named `..`; `/_sim/requests` shows each /v1 path exactly as sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{entries, error_code, t2v, Sim, KEY};
use serde_json::{json, Value};

#[tokio::test]
async fn failed_refunded_and_expired_jobs_are_refunded_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("faults.json");
    std::fs::write(&profile, r#"{"fail_rate": 1.0, "seed": 3}"#).unwrap();
    let sim = Sim::start(&["--job-seconds", "0.5", "--faults", profile.to_str().unwrap()]);
    assert_eq!(sim.public("/_sim/faults").await["fail_rate"], 1.0);

    let mut expected = Vec::new();
    for (fault, status, code) in [
        ("fail_rate", "failed", "upstream_error"),
        ("refund_rate", "refunded", "refunded"),
        ("expire_rate", "expired", "expired"),
    ] {
        sim.set_faults(json!({ fault: 1.0 })).await;
        let job = sim.create(t2v("kling-3-pro", 2)).await;
        let job = sim.finish(job["id"].as_str().unwrap()).await;
        assert_eq!(job["status"], status);
        assert_eq!(job["error"]["code"], code);
        assert!(job["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(job["charged_amount"].is_null() && job["output"].is_null());
        assert!(job["completed_at"].is_string());
        expected.push(("hold".to_string(), -302_400));
        expected.push(("refund".to_string(), 302_400));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let ledger = sim.ledger().await;
    assert_eq!(entries(&ledger), expected);
    assert_eq!(ledger["balance_micros"], 100_000_000);
    let fates: Vec<Value> =
        sim.public("/_sim/jobs").await.as_array().unwrap().iter().map(|j| j["fate"].clone()).collect();
    assert_eq!(fates, [json!("failed"), json!("refunded"), json!("expired")]);
}

#[tokio::test]
async fn truncated_downloads_end_short() {
    let sim = Sim::start(&["--job-seconds", "0.5"]);
    let job = sim.create(t2v("kling-2.5-pro", 1)).await;
    let job = sim.finish(job["id"].as_str().unwrap()).await;
    let url = job["output"]["url"].as_str().unwrap();
    let whole = sim.download(url).await;

    sim.set_faults(json!({"truncate_rate": 1.0})).await;
    let response = sim.http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_length(), Some(whole.len() as u64));
    let mut received = 0;
    let mut stream = response;
    let failed = loop {
        match stream.chunk().await {
            Ok(Some(chunk)) => received += chunk.len(),
            Ok(None) => break false,
            Err(_) => break true,
        }
    };
    assert!(failed, "the client must see the transfer fail");
    assert!(received < whole.len(), "{received} of {}", whole.len());
    assert_eq!(sim.public("/_sim/stats").await["injected"]["truncate"], 1);

    sim.set_faults(json!({})).await;
    assert_eq!(sim.download(url).await, whole);
}

#[tokio::test]
async fn expired_urls_answer_403_and_a_fresh_poll_renews_them() {
    let sim = Sim::start(&["--job-seconds", "0.5"]);
    sim.set_faults(json!({"url_ttl_s": 1.0})).await;
    let job = sim.create(t2v("kling-2.5-pro", 1)).await;
    let id = job["id"].as_str().unwrap();
    let job = sim.finish(id).await;
    let old = job["output"]["url"].as_str().unwrap().to_string();
    // Polled again before half the TTL: the same URL.
    assert_eq!(sim.job(KEY, id).await["output"]["url"], old.as_str());
    sim.download(&old).await;

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let expired = sim.http.get(&old).send().await.unwrap();
    assert_eq!(expired.status(), 403);
    assert_eq!(error_code(&expired.json().await.unwrap()), "url_expired");

    let fresh = sim.job(KEY, id).await["output"]["url"].as_str().unwrap().to_string();
    assert_ne!(fresh, old);
    sim.download(&fresh).await;
}

#[tokio::test]
async fn with_no_fresh_urls_an_expired_link_is_all_a_poll_gives() {
    let sim = Sim::start(&["--job-seconds", "0.5"]);
    sim.set_faults(json!({"url_ttl_s": 1.0, "no_fresh_urls": true})).await;
    let job = sim.create(t2v("kling-2.5-pro", 1)).await;
    let id = job["id"].as_str().unwrap();
    let old = sim.finish(id).await["output"]["url"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Polled again past the TTL: the same, expired link.
    assert_eq!(sim.job(KEY, id).await["output"]["url"], old.as_str());
    let expired = sim.http.get(&old).send().await.unwrap();
    assert_eq!(expired.status(), 403);
    assert_eq!(error_code(&expired.json().await.unwrap()), "url_expired");
    // Kyma gives links again: the next poll has a working one.
    sim.set_faults(json!({"url_ttl_s": 1.0})).await;
    let fresh = sim.job(KEY, id).await["output"]["url"].as_str().unwrap().to_string();
    assert_ne!(fresh, old);
    sim.download(&fresh).await;
}

#[tokio::test]
async fn a_reset_post_still_creates_the_job_and_a_replay_finds_it() {
    let sim = Sim::start(&["--job-seconds", "0.5"]);
    sim.set_faults(json!({"reset_rate": 1.0})).await;
    let body = json!({"model": "kling-3-pro", "prompt": "lost answer", "duration": 1, "idempotency_key": "r-1"});
    let outcome = async {
        let response =
            sim.http.post(format!("{}/v1/videos/generations", sim.url)).bearer_auth(KEY).json(&body).send().await?;
        response.json::<Value>().await
    }
    .await;
    assert!(outcome.is_err(), "the client must not get an answer: {outcome:?}");

    let jobs = sim.public("/_sim/jobs").await;
    assert_eq!(jobs.as_array().unwrap().len(), 1);
    assert_eq!(jobs[0]["idempotency_key"], "r-1");
    assert_eq!(sim.public("/_sim/stats").await["injected"]["reset"], 1);

    sim.set_faults(json!({})).await;
    let replay = sim.post(KEY, body).await;
    assert_eq!(replay.status(), 200);
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["id"], jobs[0]["id"]);
    assert_eq!(entries(&sim.ledger().await), [("hold".to_string(), -151_200)]);
}

#[tokio::test]
async fn reset_on_a_poll_drops_the_connection() {
    let sim = Sim::start(&["--job-seconds", "0.5"]);
    let job = sim.create(t2v("kling-2.5-pro", 1)).await;
    sim.set_faults(json!({"reset_rate": 1.0})).await;
    let url = format!("{}/v1/jobs/{}", sim.url, job["id"].as_str().unwrap());
    let outcome = async { sim.http.get(url).bearer_auth(KEY).send().await?.json::<Value>().await }.await;
    assert!(outcome.is_err());
}

#[tokio::test]
async fn a_late_url_shows_up_on_the_next_poll() {
    let sim = Sim::start(&["--job-seconds", "0.5"]);
    sim.set_faults(json!({"late_url_rate": 1.0})).await;
    let job = sim.create(t2v("kling-2.5-pro", 1)).await;
    let id = job["id"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let first = sim.job(KEY, id).await;
    assert_eq!(first["status"], "succeeded");
    assert!(first["output"].is_null());
    assert_eq!(first["charged_amount"], 0.0945);
    let second = sim.job(KEY, id).await;
    assert!(second["output"]["url"].is_string());
}

#[tokio::test]
async fn injected_errors_and_429s_come_before_anything_else() {
    let sim = Sim::start(&[]);
    sim.set_faults(json!({"error_rate": 1.0, "seed": 1})).await;
    for _ in 0..3 {
        let response = sim.post(KEY, t2v("kling-2.5-pro", 1)).await;
        assert!([500, 502, 503].contains(&response.status().as_u16()), "{}", response.status());
        assert_eq!(error_code(&response.json().await.unwrap()), "upstream_error");
    }
    sim.set_faults(json!({"rate_limit_rate": 1.0})).await;
    let response = sim.post(KEY, t2v("kling-2.5-pro", 1)).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    assert_eq!(error_code(&response.json().await.unwrap()), "rate_limited");
    assert!(sim.public("/_sim/jobs").await.as_array().unwrap().is_empty());
    let stats = sim.public("/_sim/stats").await;
    assert_eq!(stats["injected"]["error"], 3);
    assert_eq!(stats["injected"]["rate_limit"], 1);
    assert_eq!(stats["posts"], 4);
    assert_eq!(stats["jobs_created"], 0);
    assert_eq!(entries(&sim.ledger().await), []);

    let bad = sim.http.put(format!("{}/_sim/faults", sim.url)).json(&json!({"fail_rate": 2})).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let typo = sim.http.put(format!("{}/_sim/faults", sim.url)).json(&json!({"fial_rate": 1})).send().await.unwrap();
    assert_eq!(typo.status(), 400);
}

#[tokio::test]
async fn latency_delays_answers() {
    let sim = Sim::start(&[]);
    sim.set_faults(json!({"latency_ms": 300})).await;
    let started = Instant::now();
    assert_eq!(sim.get(KEY, "/v1/credits/balance").await.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_dot_dot_job_id_and_the_request_log() {
    let sim = Sim::start(&["--job-seconds", "0.5"]);
    let honest = sim.create(t2v("kling-3-pro", 1)).await;
    let id = honest["id"].as_str().unwrap().to_string();
    sim.set_faults(json!({ "hostile": "dot_dot_id" })).await;
    let lied = sim.create(t2v("kling-3-pro", 1)).await;
    assert_eq!(lied["id"], "..", "the POST's answer names the job `..`");
    assert_eq!(sim.job(KEY, &id).await["id"], "..", "and so does every poll");
    let climbing = format!("..%2F..%2F{id}");
    assert_eq!(sim.get(KEY, &format!("/v1/jobs/{climbing}")).await.status(), 200, "the last segment still answers");
    assert_eq!(sim.get(KEY, "/v1/").await.status(), 404);
    sim.set_faults(json!({})).await;
    assert_eq!(sim.job(KEY, &id).await["id"], id.as_str(), "honest again");

    // The log has every /v1 request, its path exactly as sent; nothing from /_sim or /files.
    let log = sim.requests().await;
    let expected = [
        "POST /v1/videos/generations".to_string(),
        "POST /v1/videos/generations".to_string(),
        format!("GET /v1/jobs/{id}"),
        format!("GET /v1/jobs/{climbing}"),
        "GET /v1/".to_string(),
        format!("GET /v1/jobs/{id}"),
    ];
    assert_eq!(log, expected);
}
