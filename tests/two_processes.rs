//! Issue 15, two processes on one library: the app's engine (in this test process, as the app
//! runs it) and `kyma resume` (a real second process) run the same open jobs. The claim each job
//! has in the library means one process at a time polls and downloads it: every clip is fetched
//! once, charged once, and whole. The claims of a process killed with SIGKILL are taken over as
//! soon as it is known dead (its presence lock went with it), well before their leases lapse.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{entries_for, fast_engine_config, Kyma, Sim};
use kyma_studio::jobs::{Engine, Store};
use serde_json::Value;
use std::time::{Duration, Instant};

const MODELS: [&str; 5] = ["kling-2.5-pro", "kling-3-pro", "kling-3-pro-audio", "seedance-2-pro", "seedance-2-fast"];

/// `kyma generate --no-wait`, one clip per model: recorded, sent, and left open at Kyma.
fn open_jobs(kyma: &Kyma) -> Vec<Value> {
    for (i, model) in MODELS.iter().enumerate() {
        let prompt = format!("shared library {i}");
        let out = kyma.run(&["generate", "--model", model, "--prompt", &prompt, "--duration", "1", "--no-wait"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let jobs = kyma.jobs();
    assert_eq!(jobs.len(), MODELS.len());
    jobs
}

fn app_engine(sim: &Sim, kyma: &Kyma) -> Engine {
    let mut config = fast_engine_config(kyma.data.path());
    // Polled about as often as `kyma resume` polls (every 3 s), so both are at the jobs when they
    // finish: without claims, both would see some finish and fetch its clip.
    config.poll.first = Duration::from_secs(2);
    config.poll.later = Duration::from_secs(2);
    kyma.engine_with(sim, config)
}

async fn wait_all_finished(engine: &Engine, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let open = engine.open_generations().unwrap();
        if open.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still open: {:?}",
            open.iter().map(|g| (g.id, g.status)).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every job succeeded with its clip whole on disk, charged once, its clip fetched once, and no
/// claim left behind.
async fn assert_each_once(sim: &Sim, kyma: &Kyma, fault: &str) {
    let ledger = sim.public("/_sim/ledger").await;
    let sim_jobs = sim.public("/_sim/jobs").await;
    let a = common::audit::audit(&sim_jobs, &ledger, &kyma.jobs(), &kyma.clips_dir(), "shared library");
    let doubles = common::desktop::double_downloads(&sim_jobs);
    common::desktop::report_desktop_fault(fault, MODELS.len(), &a, doubles);
    assert!(a.is_clean(), "{:?}", a.problems);
    let store = Store::open(&kyma_studio::jobs::Paths::new(kyma.data.path()).db).unwrap();
    for j in kyma.jobs() {
        assert_eq!(j["status"], "succeeded", "{j}");
        let key = j["idempotency_key"].as_str().unwrap();
        let kinds: Vec<String> = entries_for(&ledger, key).into_iter().map(|(k, _)| k).collect();
        let count = |kind: &str| kinds.iter().filter(|k| *k == kind).count();
        assert_eq!((count("hold"), count("charge")), (1, 1), "one hold, one charge: {kinds:?} {j}");
        let sj = sim_jobs.as_array().unwrap().iter().find(|s| s["idempotency_key"] == key).unwrap();
        assert_eq!(sj["downloads"], 1, "the clip fetched by one process only: {sj}");
        let clip = kyma.clips_dir().join(j["clip_file"].as_str().unwrap());
        kyma_studio::media::mp4::check_mp4(&clip).unwrap_or_else(|e| panic!("{}: {e:?}", clip.display()));
        assert_eq!(store.claim_of(j["id"].as_i64().unwrap()).unwrap(), None, "no claim left: {j}");
    }
    assert!(kyma.part_files().is_empty(), "no partial download left: {:?}", kyma.part_files());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_and_kyma_resume_share_open_jobs_each_fetched_once() {
    let sim = Sim::start(&["--job-seconds", "4"]);
    let kyma = Kyma::new(&sim);
    open_jobs(&kyma);
    // Downloads that last seconds: long enough for the other process to find the job finished
    // while the first is still fetching its clip.
    sim.set_faults(serde_json::json!({ "clip_bytes_per_s": 300_000 })).await;
    // Both at once on the same open jobs.
    let engine = app_engine(&sim, &kyma);
    let resume = kyma.run_async(vec!["resume".into()]).await;
    assert!(resume.status.success(), "{}", String::from_utf8_lossy(&resume.stderr));
    wait_all_finished(&engine, Duration::from_secs(60)).await;
    assert_each_once(&sim, &kyma, "two processes on one library (app + kyma resume)").await;
    let polls: Vec<u64> =
        sim.public("/_sim/jobs").await.as_array().unwrap().iter().map(|j| j["polls"].as_u64().unwrap()).collect();
    eprintln!("polls per job: {polls:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_process_s_jobs_are_taken_over_at_once() {
    let sim = Sim::start(&["--job-seconds", "3"]);
    let kyma = Kyma::new(&sim);
    let jobs = open_jobs(&kyma);
    let ids: Vec<i64> = jobs.iter().map(|j| j["id"].as_i64().unwrap()).collect();
    let store = Store::open(&kyma_studio::jobs::Paths::new(kyma.data.path()).db).unwrap();

    // `kyma resume` claims every job, then is killed (SIGKILL: nothing is given back).
    let mut cli = kyma.command().arg("resume").spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let holder = loop {
        let claims: Vec<_> = ids.iter().map(|id| store.claim_of(*id).unwrap()).collect();
        if claims.iter().all(Option::is_some) {
            break claims[0].clone().unwrap().holder;
        }
        assert!(Instant::now() < deadline, "kyma resume never claimed every job: {claims:?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let locks = kyma_studio::jobs::Paths::new(kyma.data.path()).locks();
    assert!(kyma_studio::jobs::claims::alive(&locks, &holder), "kyma resume runs");
    cli.kill().unwrap();
    cli.wait().unwrap();
    let killed = Instant::now();
    assert!(!kyma_studio::jobs::claims::alive(&locks, &holder), "killed: its presence lock went with it");

    // The app starts at once and takes the dead process's jobs over without waiting out their
    // 30 s leases (renewed up to 10 s before the kill), then finishes them: once each.
    let engine = app_engine(&sim, &kyma);
    wait_all_finished(&engine, Duration::from_secs(60)).await;
    let took = killed.elapsed();
    eprintln!("taken over and finished {:.1} s after the kill", took.as_secs_f64());
    assert!(took < Duration::from_secs(15), "taken over before the leases lapsed ({:.1} s)", took.as_secs_f64());
    assert_each_once(&sim, &kyma, "a claim holder killed (SIGKILL), taken over").await;
}
