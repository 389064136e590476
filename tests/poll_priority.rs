//! Polls go first to the jobs most likely done (`jobs::pace`). Against kyma-sim with run times by
//! model and duration (`--paced`) and a tight RPM, the engine learns how long each model takes,
//! makes every clip once and never passes the key's RPM; the library then teaches the next engine
//! the same thing. How prompt the notice is, is measured by `make bench` (bench/notice.md), never
//! asserted here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{fast_engine_config, Sim, KEY};
use kyma_studio::api::limiter::RateLimiter;
use kyma_studio::api::{ApiKey, Catalog};
use kyma_studio::jobs::connect::{start_engine, Kyma};
use kyma_studio::jobs::pace::Paces;
use kyma_studio::jobs::{Draft, Paths, Status, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MODELS: [&str; 5] = ["kling-2.5-pro", "kling-3-pro", "kling-3-pro-audio", "seedance-2-pro", "seedance-2-fast"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paced_jobs_at_a_tight_rpm_are_made_once_and_teach_the_next_engine() {
    // Kyma runs 4 at once and holds no more (so accepted → completed is the run time itself); 90
    // requests a minute for 20 jobs of 2 to 5 s is tight: polls must be chosen.
    let sim = Sim::start(&["--paced", "--job-seconds", "1", "--concurrent", "4", "--queue-cap", "4", "--rpm", "90"]);
    let dir = tempfile::tempdir().unwrap();
    let config = fast_engine_config(dir.path());
    let kyma =
        Kyma { base: format!("{}/v1", sim.url), key: ApiKey::new(KEY), limiter: Arc::new(RateLimiter::new(1_000)) };
    let engine = start_engine(config, Catalog::default(), Some(&kyma)).await.unwrap();
    let mut ids = vec![];
    for i in 0..20 {
        let draft = Draft {
            model: MODELS[i % 5].into(),
            prompt: format!("paced {i}"),
            duration: Some(10),
            image: None,
            end_image: None,
            options: Default::default(),
        };
        ids.push(engine.submit(draft).await.unwrap().id);
    }
    let deadline = Instant::now() + Duration::from_secs(240);
    while !engine.open_generations().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "still open: {:?}", engine.open_generations().unwrap());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for id in &ids {
        let g = engine.get(*id).unwrap();
        assert_eq!(g.status, Status::Succeeded, "#{id}: {:?}", g.error_message);
    }
    let stats = sim.public("/_sim/stats").await;
    assert_eq!(stats["rpm_rejections"], 0, "no request past the key's RPM: {stats}");
    assert!(stats["max_requests_in_60s"].as_u64().unwrap() <= 90, "{stats}");
    let jobs = sim.public("/_sim/jobs").await;
    for j in jobs.as_array().unwrap() {
        assert_eq!(j["downloads"], 1, "each clip fetched once: {j}");
    }
    let charges = sim.ledger().await["entries"].as_array().unwrap().iter().filter(|e| e["kind"] == "charge").count();
    assert_eq!(charges, 20);
    drop(engine);

    // What the library now says each model takes, as the next engine reads it at start: the
    // simulator's run times (1 s × the model's pace × 10 / 5: kling-3-pro-audio 3.4 s,
    // seedance-2-fast 1.2 s), in their order.
    let store = Store::open(&Paths::new(dir.path()).db).unwrap();
    let paces = Paces::from_history(store.run_history(500).unwrap());
    let secs = |m: &str| paces.expected(m, 10).unwrap_or_else(|| panic!("nothing learned of {m}")).as_secs_f64();
    let audio = secs("kling-3-pro-audio");
    let fast = secs("seedance-2-fast");
    assert!(audio > 2.0 * fast, "kling-3-pro-audio {audio:.1} s, seedance-2-fast {fast:.1} s for 10 s of footage");
    assert!(
        (1.0..3.0).contains(&fast) && (3.0..6.0).contains(&audio),
        "{fast:.1} s and {audio:.1} s against 1.2 s and 3.4 s"
    );
}
