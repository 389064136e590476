//! Acceptance: `kill -9` at every step of a job's life, then `kyma resume`, leaves exactly one
//! charge per job, every clip present and valid, and no `.part` file. Nothing is paid twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{entries_for, ffprobe, stderr, Kyma, Sim};
use std::os::unix::process::ExitStatusExt;

const POINTS: [&str; 6] =
    ["after_db_write", "after_post_response", "mid_poll", "mid_download", "before_rename", "after_rename"];

fn generate_killed_at(kyma: &Kyma, point: &str, model: &str) {
    let out = kyma
        .command()
        .env("KYMA_FAILPOINT", point)
        .args(["generate", "--model", model, "--prompt", &format!("crash at {point}"), "--duration", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.signal(), Some(9), "{point}: expected SIGKILL, got {:?}: {}", out.status, stderr(&out));
}

async fn assert_one_paid_clip(sim: &Sim, kyma: &Kyma, point: &str) {
    let jobs = kyma.jobs();
    assert_eq!(jobs.len(), 1, "{point}: one generation recorded");
    let job = &jobs[0];
    assert_eq!(job["status"], "succeeded", "{point}: {job}");
    let key = job["idempotency_key"].as_str().unwrap();
    let entries = entries_for(&sim.ledger().await, key);
    let count = |kind: &str| entries.iter().filter(|(k, _)| k == kind).count();
    assert_eq!((count("hold"), count("charge")), (1, 1), "{point}: one hold and one charge: {entries:?}");
    let clip = kyma.clips_dir().join(job["clip_file"].as_str().unwrap());
    let p = ffprobe(&clip);
    assert!((p.duration - 2.0).abs() <= 0.1, "{point}: clip is {} s", p.duration);
    assert_eq!(job["clip_bytes"].as_u64(), Some(std::fs::metadata(&clip).unwrap().len()));
    assert!(kyma.part_files().is_empty(), "{point}: leftover .part files {:?}", kyma.part_files());
    let sim_jobs = sim.public("/_sim/jobs").await;
    let created = sim_jobs.as_array().unwrap().iter().filter(|j| j["idempotency_key"] == key).count();
    assert_eq!(created, 1, "{point}: Kyma made one job for the key");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_at_every_step_then_resume_pays_once_and_keeps_the_clip() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    for (i, point) in POINTS.iter().enumerate() {
        let model = ["kling-2.5-pro", "kling-3-pro", "kling-3-pro-audio", "seedance-2-pro", "seedance-2-fast"][i % 5];
        let kyma = Kyma::new(&sim);
        generate_killed_at(&kyma, point, model);
        let out = kyma.run(&["resume"]);
        assert!(out.status.success(), "{point}: resume failed: {}", stderr(&out));
        assert_one_paid_clip(&sim, &kyma, point).await;
        // A second resume finds nothing to do and changes nothing.
        let again = kyma.run(&["resume"]);
        assert!(again.status.success());
        assert_one_paid_clip(&sim, &kyma, point).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_before_the_db_write_leaves_nothing_and_costs_nothing() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    generate_killed_at(&kyma, "before_db_write", "kling-3-pro");
    let out = kyma.run(&["resume"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(kyma.jobs().is_empty());
    assert!(sim.ledger().await["entries"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_mid_download_resumes_with_range_instead_of_starting_over() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    generate_killed_at(&kyma, "mid_download", "kling-3-pro");
    let parts = kyma.part_files();
    assert_eq!(parts.len(), 1, "the cut download left its .part");
    let have = std::fs::metadata(&parts[0]).unwrap().len();
    assert!(have > 0);
    let before = sim.public("/_sim/stats").await;
    let out = kyma.run(&["resume"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_one_paid_clip(&sim, &kyma, "mid_download").await;
    let after = sim.public("/_sim/stats").await;
    let delta = |k: &str| after[k].as_u64().unwrap() - before[k].as_u64().unwrap();
    assert_eq!(delta("range_downloads"), 1, "resume asked for the rest with Range");
    let clip_len = kyma.jobs()[0]["clip_bytes"].as_u64().unwrap();
    assert_eq!(delta("bytes_served"), clip_len - have, "only the missing bytes were fetched again");
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_post_that_reached_kyma_a_dead_network_never_abandons_the_paid_job() {
    use kyma_studio::api::limiter::RateLimiter;
    use kyma_studio::api::retry::RetryPolicy;
    use kyma_studio::api::{ApiKey, Catalog, Client};
    use kyma_studio::jobs::{Engine, EngineConfig, Event, Status};
    use std::sync::Arc;
    use std::time::Duration;

    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    // The POST reached Kyma (a hold exists) but the process died before storing the answer.
    generate_killed_at(&kyma, "after_post_response", "kling-3-pro");
    let key = kyma.jobs()[0]["idempotency_key"].as_str().unwrap().to_string();
    assert_eq!(entries_for(&sim.ledger().await, &key).len(), 1, "one hold at Kyma");

    let mut config = EngineConfig::new(kyma.data.path().to_path_buf());
    config.retry = RetryPolicy { base: Duration::from_millis(20), cap: Duration::from_millis(100), max_tries: 3 };
    config.poll.after_problem = Duration::from_millis(300);
    let limiter = Arc::new(RateLimiter::new(10_000));
    let dead =
        Client::with_policy("http://127.0.0.1:9/v1", ApiKey::new(common::KEY), config.retry, limiter.clone()).unwrap();
    let engine = Engine::start(config.clone(), dead, Catalog::default()).unwrap();
    let mut events = engine.subscribe();
    let problem = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(Event::Problem { kind, .. }) = events.recv().await {
                return kind;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(problem, "unreachable");
    let g = &engine.list().unwrap()[0];
    assert_eq!(g.status, Status::Queued, "a job Kyma may hold is kept, not rejected");
    assert!(g.post_attempts >= 2);

    // The network is back: the same key is replayed and the one paid job completes.
    let live =
        Client::with_policy(&format!("{}/v1", sim.url), ApiKey::new(common::KEY), config.retry, limiter).unwrap();
    engine.set_client(Some(live)).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !engine.open_generations().unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "the job did not finish");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(engine);
    assert_one_paid_clip(&sim, &kyma, "after_post_response + dead network").await;
}
