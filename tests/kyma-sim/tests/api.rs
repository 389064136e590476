//! The /v1 surface as a client sees it: catalog, validation, idempotent replay, the job
//! lifecycle and its ledger, ownership, balance, rate and queue limits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{entries, error_code, t2v, Sim, KEY};
use serde_json::{json, Value};

#[tokio::test]
async fn public_catalog_lists_the_five_models() {
    let sim = Sim::start(&[]);
    let response = sim.http.get(format!("{}/v1/pricing", sim.url)).send().await.unwrap();
    assert_eq!(response.headers()["cache-control"], "public, max-age=60");
    let pricing: Value = response.json().await.unwrap();
    assert_eq!(pricing["object"], "pricing.catalog");
    assert_eq!(pricing["text"], json!([]));
    let media = pricing["media"].as_array().unwrap();
    assert_eq!(media.len(), 5);
    let kling3 = media.iter().find(|m| m["id"] == "kling-3-pro").unwrap();
    assert_eq!(kling3["usd_per_call"], 0.1512);
    assert_eq!(kling3["pricing_mode"], "per-second");
    assert_eq!(kling3["detail"]["allowed_durations"], json!([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    assert_eq!(kling3["detail"]["audio"], false);
    assert_eq!(kling3["detail"]["resolution"], "1080p");
    let fast = media.iter().find(|m| m["id"] == "seedance-2-fast").unwrap();
    assert_eq!(fast["usd_per_call"], 0.326565);
    assert_eq!(fast["detail"]["audio"], true);
    assert_eq!(fast["detail"]["resolution"], "720p");
    assert_eq!(fast["detail"]["best_for"], "social shorts, rapid iteration, UI motion");

    let models = sim.public("/v1/models").await;
    let ids: Vec<&str> = models["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["kling-2.5-pro", "kling-3-pro", "kling-3-pro-audio", "seedance-2-pro", "seedance-2-fast"]);
    let tiers = sim.public("/v1/limits/tiers").await;
    let tier4 = &tiers["data"][4];
    assert_eq!((tier4["video_concurrent"].as_u64(), tier4["video_queue_cap"].as_u64()), (Some(38), Some(114)));
    assert_eq!(tiers["data"][0]["video_concurrent"], 0);
}

#[tokio::test]
async fn each_validation_failure_has_its_status_and_code() {
    let sim = Sim::start(&[]);
    let long_key = "k".repeat(129);
    let cases: Vec<(&str, String, u16, &str)> = vec![
        ("ky-wrong", t2v("kling-3-pro", 5).to_string(), 401, "invalid_api_key"),
        (KEY, "not json".into(), 400, "invalid_request"),
        (KEY, "[1,2]".into(), 400, "invalid_request"),
        (KEY, json!({"model": 5, "prompt": "x"}).to_string(), 400, "invalid_request"),
        (KEY, json!({"model": "kling-3-pro", "prompt": "x", "duration": "5"}).to_string(), 400, "invalid_request"),
        (KEY, json!({"model": "veo-9", "prompt": "x"}).to_string(), 404, "model_not_found"),
        (KEY, json!({"model": "kling-3-pro", "prompt": "   "}).to_string(), 400, "invalid_prompt"),
        (KEY, json!({"model": "kling-3-pro"}).to_string(), 400, "invalid_prompt"),
        (KEY, json!({"model": "kling-3-pro", "prompt": "x".repeat(4001)}).to_string(), 400, "invalid_prompt"),
        (KEY, json!({"model": "kling-3-pro", "prompt": "x", "duration": 5.5}).to_string(), 400, "invalid_duration"),
        (KEY, json!({"model": "kling-3-pro", "prompt": "x", "duration": 0}).to_string(), 400, "invalid_duration"),
        (KEY, json!({"model": "kling-3-pro", "prompt": "x", "duration": 11}).to_string(), 400, "invalid_duration"),
        (
            KEY,
            json!({"model": "kling-3-pro", "prompt": "x", "image_url": "ftp://a/b.png"}).to_string(),
            400,
            "invalid_image_url",
        ),
        (
            KEY,
            json!({"model": "kling-3-pro", "prompt": "x", "image_url": "http://127.0.0.1:9/a.png"}).to_string(),
            400,
            "invalid_image_url",
        ),
        (
            KEY,
            json!({"model": "kling-3-pro", "prompt": "x", "image_url": "data:image/png;base64,aGVsbG8="}).to_string(),
            400,
            "invalid_image",
        ),
        (
            KEY,
            json!({"model": "kling-3-pro", "prompt": "x", "idempotency_key": long_key}).to_string(),
            400,
            "invalid_idempotency_key",
        ),
    ];
    for (key, body, status, code) in cases {
        let response = sim.post_raw(key, body.clone()).await;
        assert_eq!(response.status(), status, "{body:.80}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(error_code(&answer), code, "{body:.80}");
        assert!(answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(answer["error"]["type"].is_string());
    }
    let missing = sim.http.post(format!("{}/v1/videos/generations", sim.url)).body("{}").send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert!(sim.public("/_sim/jobs").await.as_array().unwrap().is_empty(), "no job from a refused POST");

    // Limits count characters, not bytes; 5.0 is a whole number of seconds.
    let wide = json!({"model": "kling-2.5-pro", "prompt": "é".repeat(4000), "duration": 5.0});
    let job = sim.create(wide).await;
    assert_eq!(job["estimated_cost"], 0.4725);
    let job = sim.create(json!({"model": "kling-2.5-pro", "prompt": "x", "idempotency_key": "k".repeat(128)})).await;
    assert_eq!(job["status"], "pending");
}

#[tokio::test]
async fn replayed_idempotency_key_returns_the_same_job_without_a_second_hold() {
    let sim = Sim::start(&["--key", "ky-other", "--job-seconds", "30"]);
    let body = json!({"model": "seedance-2-fast", "prompt": "skate park", "duration": 5,
                      "idempotency_key": "campaign-7", "extra": {"seed": 42}});
    let first = sim.create(body.clone()).await;
    assert_eq!(first["estimated_cost"], 1.632825);
    let id = first["id"].as_str().unwrap();
    assert!(id.starts_with('v') && id.len() == 25 && id[1..].chars().all(|c| c.is_ascii_hexdigit()));

    let replay = sim.post(KEY, body.clone()).await;
    assert_eq!(replay.status(), 200);
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["id"], first["id"]);
    assert_eq!(entries(&sim.ledger().await), [("hold".to_string(), -1_632_825)]);

    // The key is scoped to the API key: another account gets its own job.
    let other = sim.post("ky-other", body).await;
    assert_eq!(other.status(), 202);
    let other: Value = other.json().await.unwrap();
    assert_ne!(other["id"], first["id"]);
    let jobs = sim.public("/_sim/jobs").await;
    assert_eq!(jobs.as_array().unwrap().len(), 2);
    assert_eq!(jobs[0]["extra"], json!({"seed": 42}));
    assert_eq!(jobs[0]["idempotency_key"], "campaign-7");
    assert!(!jobs.to_string().contains("ky-sim-key"), "the sim never shows an API key");
}

#[tokio::test]
async fn job_runs_to_success_and_is_charged_exactly_once() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let job = sim.create(json!({"model": "kling-3-pro", "prompt": "hourglass", "idempotency_key": "h1"})).await;
    assert_eq!(job["object"], "video.job");
    assert_eq!(job["status"], "pending");
    assert_eq!(job["estimated_cost"], 0.756);
    assert!(job["charged_amount"].is_null() && job["completed_at"].is_null() && job["output"].is_null());
    let created = job["created_at"].as_str().unwrap();
    assert_eq!(created.len(), "2026-04-26T10:00:00.000Z".len());
    assert!(created.ends_with('Z') && created.as_bytes()[19] == b'.');
    let id = job["id"].as_str().unwrap();

    let mut seen = Vec::new();
    let done = loop {
        let job = sim.job(KEY, id).await;
        let status = job["status"].as_str().unwrap().to_string();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "succeeded" {
            break job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(seen, ["pending", "processing", "succeeded"]);
    assert_eq!(done["charged_amount"], 0.756);
    assert!(done["completed_at"].is_string());
    assert!(done["error"].is_null());
    let url = done["output"]["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/files/{id}/", sim.url)) && url.ends_with(".mp4"));

    tokio::time::sleep(Duration::from_millis(300)).await;
    let ledger = sim.ledger().await;
    let expected = [("hold", -756_000), ("release", 756_000), ("charge", -756_000)];
    let expected: Vec<(String, i64)> = expected.iter().map(|(k, m)| (k.to_string(), *m)).collect();
    assert_eq!(entries(&ledger), expected);
    assert!(ledger["entries"].as_array().unwrap().iter().all(|e| e["job_id"] == id && e["idempotency_key"] == "h1"));
    assert_eq!(ledger["balance_micros"], 100_000_000 - 756_000);
    let balance: Value = sim.get(KEY, "/v1/credits/balance").await.json().await.unwrap();
    assert_eq!(balance, json!({"balance": 99.244, "currency": "USD"}));
    let limits: Value = sim.get(KEY, "/v1/auth/limits").await.json().await.unwrap();
    assert_eq!(limits["used_today"], 0.756);
    assert_eq!(limits["tier"], 4);
    assert_eq!(limits["has_credits"], true);
    assert_eq!(limits["rpm_limit"], 300);
    assert_eq!(limits["rpm_used"].as_u64().unwrap() + limits["rpm_remaining"].as_u64().unwrap(), 300);
    assert_eq!((limits["video_concurrent"].as_u64(), limits["video_queue_cap"].as_u64()), (Some(38), Some(114)));
}

#[tokio::test]
async fn another_keys_job_is_not_found() {
    let sim = Sim::start(&["--key", "ky-other"]);
    let job = sim.create(t2v("kling-2.5-pro", 1)).await;
    let id = job["id"].as_str().unwrap();
    for (key, path) in [("ky-other", format!("/v1/jobs/{id}")), (KEY, "/v1/jobs/v000000000000000000000000".into())] {
        let response = sim.get(key, &path).await;
        assert_eq!(response.status(), 404);
        assert_eq!(error_code(&response.json().await.unwrap()), "job_not_found");
    }
    assert_eq!(sim.get("ky-nobody", &format!("/v1/jobs/{id}")).await.status(), 401);
}

#[tokio::test]
async fn broke_key_gets_402_with_a_top_up_link() {
    let sim = Sim::start(&["--key", "ky-broke=0", "--key", "ky-poor=0.5"]);
    let response = sim.post("ky-broke", t2v("kling-2.5-pro", 1)).await;
    assert_eq!(response.status(), 402);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "insufficient_balance");
    assert_eq!(body["error"]["code"], "insufficient_balance");
    assert_eq!(body["error"]["details"]["topup_url"], "https://kymaapi.com/billing");
    assert_eq!(body["error"]["cta_url"], "https://kymaapi.com/billing");
    let limits: Value = sim.get("ky-broke", "/v1/auth/limits").await.json().await.unwrap();
    assert_eq!(limits["has_credits"], false);

    // Each key has its own balance: $0.50 pays for 5 s of kling-2.5-pro but not 6 s.
    assert_eq!(sim.post("ky-poor", t2v("kling-2.5-pro", 6)).await.status(), 402);
    assert_eq!(sim.post("ky-poor", t2v("kling-2.5-pro", 5)).await.status(), 202);
    assert_eq!(sim.public("/_sim/jobs").await.as_array().unwrap().len(), 1);

    let set = json!({"api_key": "ky-broke", "balance_micros": 2_000_000});
    let response = sim.http.put(format!("{}/_sim/balance", sim.url)).json(&set).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(sim.post("ky-broke", t2v("kling-2.5-pro", 1)).await.status(), 202);
    let ledger = sim.public("/_sim/ledger?api_key=ky-broke").await;
    assert_eq!(ledger["balance_micros"], 2_000_000 - 94_500);
}

#[tokio::test]
async fn requests_over_the_rpm_limit_get_429_with_retry_after() {
    let sim = Sim::start(&["--rpm", "3"]);
    for _ in 0..3 {
        assert_eq!(sim.get(KEY, "/v1/credits/balance").await.status(), 200);
    }
    // Public and test endpoints do not count.
    sim.public("/v1/pricing").await;
    sim.public("/_sim/stats").await;
    let response = sim.get(KEY, "/v1/credits/balance").await;
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "rate_limit");
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(body["error"]["message"], "Rate limit exceeded (3 requests per minute)");
    let stats = sim.public("/_sim/stats").await;
    assert_eq!(stats["rpm_rejections"], 1);
    assert_eq!(stats["max_requests_in_60s"], 3);
    assert_eq!(stats["api_requests"], 4);
}

#[tokio::test]
async fn a_full_queue_answers_429_queue_full() {
    let sim = Sim::start(&["--queue-cap", "2", "--job-seconds", "30"]);
    sim.create(t2v("kling-2.5-pro", 1)).await;
    sim.create(t2v("kling-2.5-pro", 1)).await;
    let response = sim.post(KEY, t2v("kling-2.5-pro", 1)).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "5");
    assert_eq!(error_code(&response.json().await.unwrap()), "queue_full");
    assert_eq!(entries(&sim.ledger().await).len(), 2);
}

#[tokio::test]
async fn jobs_beyond_the_concurrency_limit_wait_in_pending() {
    let sim = Sim::start(&["--concurrent", "1", "--job-seconds", "0.6"]);
    let first = sim.create(t2v("kling-2.5-pro", 1)).await;
    let second = sim.create(t2v("kling-2.5-pro", 1)).await;
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(sim.job(KEY, first["id"].as_str().unwrap()).await["status"], "processing");
    assert_eq!(sim.job(KEY, second["id"].as_str().unwrap()).await["status"], "pending");
    let started = Instant::now();
    let a = sim.finish(first["id"].as_str().unwrap()).await;
    let b = sim.finish(second["id"].as_str().unwrap()).await;
    assert!(started.elapsed() >= Duration::from_millis(700));
    assert!(a["completed_at"].as_str().unwrap() < b["completed_at"].as_str().unwrap());
}

#[tokio::test]
async fn more_running_slots_start_waiting_jobs_at_once() {
    let sim = Sim::start(&["--concurrent", "1", "--job-seconds", "30"]);
    for _ in 0..3 {
        sim.create(t2v("kling-2.5-pro", 1)).await;
    }
    let started = |jobs: &Value| jobs.as_array().unwrap().iter().filter(|j| !j["started_at"].is_null()).count();
    assert_eq!(started(&sim.public("/_sim/jobs").await), 1, "one slot: one runs, two wait");
    let r = sim.http.put(format!("{}/_sim/limits", sim.url)).body(r#"{"concurrent": 3}"#).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["concurrent"], 3);
    // No job had to finish: the two waiting ones run now.
    assert_eq!(started(&sim.public("/_sim/jobs").await), 3);
    let limits: Value = sim.get(KEY, "/v1/auth/limits").await.json().await.unwrap();
    assert_eq!(limits["video_concurrent"], 3);
}

#[tokio::test]
async fn paced_run_times_follow_the_model_and_the_duration() {
    let sim = Sim::start(&["--paced", "--job-seconds", "10"]);
    sim.create(t2v("kling-3-pro-audio", 10)).await;
    sim.create(t2v("seedance-2-fast", 5)).await;
    let jobs = sim.public("/_sim/jobs").await;
    let secs: Vec<f64> = jobs.as_array().unwrap().iter().map(|j| j["run_seconds"].as_f64().unwrap()).collect();
    // 10 s × 1.7 × 10 / 5, and 10 s × 0.6 × 5 / 5.
    assert!((secs[0] - 34.0).abs() < 1e-9 && (secs[1] - 6.0).abs() < 1e-9, "{secs:?}");
}

#[tokio::test]
async fn the_rpm_limit_can_change_while_running() {
    let sim = Sim::start(&["--rpm", "50"]);
    let limits: Value = sim.get(KEY, "/v1/auth/limits").await.json().await.unwrap();
    assert_eq!(limits["rpm_limit"], 50);
    let r = sim.http.put(format!("{}/_sim/limits", sim.url)).body(r#"{"rpm": 3}"#).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let limits: Value = sim.get(KEY, "/v1/auth/limits").await.json().await.unwrap();
    assert_eq!(limits["rpm_limit"], 3);
    // At most 3 requests a minute now: of 4 more, at least one is refused.
    let mut codes = vec![];
    for _ in 0..4 {
        codes.push(sim.get(KEY, "/v1/credits/balance").await.status().as_u16());
    }
    assert!(codes.contains(&429) && codes.iter().filter(|c| **c == 200).count() <= 3, "{codes:?}");
    let bad = sim.http.put(format!("{}/_sim/limits", sim.url)).body(r#"{"rpm": 0}"#).send().await.unwrap();
    assert_eq!(bad.status(), 400);
}
