//! Acceptance: `kill -9` at every step of a job's life, then `kyma resume`, leaves exactly one
//! charge per job, every clip present and valid, and no `.part` file. Nothing is paid twice.
//!
//! The crash matrix runs each crash point with one model (rotating) inside `make test`; with
//! `KYMA_SOAK_FULL=1` (`make soak`) with all five. `KYMA_SOAK_REPORT=<dir>` writes its table there.
//! Its group points (issue 14) kill a `kyma batch` and a `kyma compare` the same way; after
//! `kyma resume` the group is still one group with every member made.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::audit::{audit, table, Audit, MATRIX, MODELS};
use common::{entries_for, ffprobe, stderr, Kyma, Sim};
use serde_json::json;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

/// How a crash point ends the process: SIGKILL on Unix; on Windows, which has no signals,
/// TerminateProcess with the crash points' exit code.
fn killed_at_a_crash_point(status: ExitStatus) -> bool {
    #[cfg(unix)]
    {
        std::os::unix::process::ExitStatusExt::signal(&status) == Some(9)
    }
    #[cfg(windows)]
    {
        status.code() == Some(kyma_studio::jobs::failpoint::KILLED_EXIT_CODE as i32)
    }
}

/// How `Child::kill` ends a process: SIGKILL on Unix, TerminateProcess with exit code 1 on Windows.
fn killed_by_child_kill(status: ExitStatus) -> bool {
    #[cfg(unix)]
    {
        std::os::unix::process::ExitStatusExt::signal(&status) == Some(9)
    }
    #[cfg(windows)]
    {
        status.code() == Some(1)
    }
}

fn generate_killed_at(kyma: &Kyma, point: &str, model: &str) {
    generate_killed(kyma, point, model, &format!("crash at {point}"));
}

fn generate_killed(kyma: &Kyma, point: &str, model: &str, prompt: &str) {
    let out = kyma
        .command()
        .env("KYMA_FAILPOINT", point)
        .args(["generate", "--model", model, "--prompt", prompt, "--duration", "2"])
        .output()
        .unwrap();
    assert!(killed_at_a_crash_point(out.status), "{point}: expected a kill, got {:?}: {}", out.status, stderr(&out));
}

/// `kill -9` while the POST is in flight: Kyma has created the job (the hold is taken) and
/// answers late; the process dies before it hears the 202.
async fn generate_killed_in_flight(sim: &Sim, kyma: &Kyma, model: &str, prompt: &str) {
    sim.set_faults(json!({ "answer_delay_ms": 5000 })).await;
    let mut child = kyma
        .command()
        .args(["generate", "--model", model, "--prompt", prompt, "--duration", "2"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let jobs = sim.public("/_sim/jobs").await;
        if jobs.as_array().unwrap().iter().any(|j| j["prompt"] == prompt) {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "kyma exited before its POST reached Kyma");
        assert!(Instant::now() < deadline, "the POST never reached Kyma");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(killed_by_child_kill(status), "{status:?}");
    sim.set_faults(json!({})).await;
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

/// Kills `kyma generate` at every point (× every model with `KYMA_SOAK_FULL=1`), runs `kyma
/// resume` twice, and audits the library against Kyma's books: 0 lost paid clips, 0 duplicate
/// charges, 0 broken or half files.
#[tokio::test(flavor = "multi_thread")]
async fn crash_matrix_kill_at_every_point_then_resume_loses_and_double_pays_nothing() {
    let full = std::env::var("KYMA_SOAK_FULL").as_deref() == Ok("1");
    let sim = Sim::start(&["--job-seconds", "1"]);
    let started = Instant::now();
    let mut rows: Vec<(String, usize, Audit)> = vec![];
    let mut run = 0;
    for (i, point) in MATRIX.iter().enumerate() {
        let models: Vec<&str> = if full { MODELS.to_vec() } else { vec![MODELS[i % 5]] };
        let mut row = Audit::default();
        for model in &models {
            run += 1;
            let kyma = Kyma::new(&sim);
            let prefix = format!("crash r{run} ");
            let prompt = format!("{prefix}{point} {model}");
            if *point == "post_in_flight" {
                generate_killed_in_flight(&sim, &kyma, model, &prompt).await;
            } else {
                generate_killed(&kyma, point, model, &prompt);
            }
            for _ in 0..2 {
                // The second resume finds nothing to do and must change nothing.
                let out = kyma.run(&["resume"]);
                assert!(out.status.success(), "{point} {model}: resume failed: {}", stderr(&out));
            }
            let a =
                audit(&sim.public("/_sim/jobs").await, &sim.ledger().await, &kyma.jobs(), &kyma.clips_dir(), &prefix);
            let expected_paid = usize::from(*point != "before_db_write");
            if a.paid_jobs != expected_paid {
                row.wrong_states += 1;
                row.problems.push(format!("{point} {model}: {} paid jobs, expected {expected_paid}", a.paid_jobs));
            }
            if !a.is_clean() {
                eprintln!("{point} {model}: {:?}", a.problems);
            }
            row.add(&a);
        }
        rows.push((point.to_string(), models.len(), row));
    }
    let report = format!(
        "### Crash matrix — the `kyma` CLI (kill -9, then `kyma resume` twice)\n\n{}\n{} runs, {} model(s) per point, {:.0} s.\n",
        table(&rows),
        run,
        if full { 5 } else { 1 },
        started.elapsed().as_secs_f64()
    );
    eprintln!("{report}");
    if let Ok(dir) = std::env::var("KYMA_SOAK_REPORT") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join("crash-cli.md"), &report).unwrap();
    }
    let problems: Vec<&String> = rows.iter().flat_map(|(_, _, a)| a.problems.iter()).collect();
    assert!(problems.is_empty(), "the crash matrix found problems: {problems:#?}");
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

/// The audit itself can fail: a removed clip is a lost paid clip, a `.part` is a half file, a
/// clip no record names is a broken file, a second charge is a duplicate.
#[tokio::test(flavor = "multi_thread")]
async fn the_crash_audit_counts_what_it_must() {
    let sim = Sim::start(&["--job-seconds", "0.5"]);
    let kyma = Kyma::new(&sim);
    let out = kyma.run(&["generate", "--model", "kling-3-pro", "--prompt", "audit me", "--duration", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let check = |local: &[serde_json::Value], ledger: &serde_json::Value, jobs: &serde_json::Value| {
        audit(jobs, ledger, local, &kyma.clips_dir(), "audit ")
    };
    let (jobs, mut ledger, local) = (sim.public("/_sim/jobs").await, sim.ledger().await, kyma.jobs());
    let clean = check(&local, &ledger, &jobs);
    assert!(clean.is_clean() && clean.paid_jobs == 1, "{clean:?}");

    let clip = kyma.clips_dir().join(local[0]["clip_file"].as_str().unwrap());
    std::fs::copy(&clip, kyma.clips_dir().join("stray.mp4")).unwrap();
    std::fs::write(kyma.clips_dir().join("x.mp4.part"), b"half").unwrap();
    let charge = ledger["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "charge").unwrap().clone();
    ledger["entries"].as_array_mut().unwrap().push(charge);
    std::fs::remove_file(&clip).unwrap();
    let a = check(&local, &ledger, &jobs);
    assert_eq!((a.lost_paid_clips, a.duplicate_charges, a.broken_files, a.half_files), (1, 1, 1, 1), "{a:?}");
    let forgotten = check(&[], &sim.ledger().await, &jobs);
    assert_eq!(forgotten.lost_paid_clips, 1, "a paid job with no record is lost: {forgotten:?}");
}

/// The group points of the crash matrix (issue 14): a batch killed (`kill -9`) once 2 of its 6
/// jobs reached Kyma, their answers held back, the other 4 never sent; a board killed at the
/// `after_post_response` crash point, when Kyma's first answer arrives.
const GROUP_MATRIX: [&str; 2] = ["batch: 2 of 6 at Kyma", "board: after_post_response"];

/// `kyma batch` of 6 prompts with Kyma queueing 2 jobs of the key at once, killed from outside
/// when both of its first POSTs have reached Kyma (Kyma holds their answers back).
async fn batch_killed_after_two_at_kyma(sim: &Sim, kyma: &Kyma, model: &str, prefix: &str) {
    let list = kyma.data.path().join("six.txt");
    std::fs::write(&list, (0..6).map(|i| format!("{prefix}batch {i}\n")).collect::<String>()).unwrap();
    sim.set_faults(json!({ "answer_delay_ms": 5000 })).await;
    let mut child = kyma
        .command()
        .args(["batch", "--prompts", list.to_str().unwrap(), "--model", model, "--duration", "2"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let jobs = sim.public("/_sim/jobs").await;
        let ours =
            jobs.as_array().unwrap().iter().filter(|j| j["prompt"].as_str().unwrap().starts_with(prefix)).count();
        if ours >= 2 {
            assert_eq!(ours, 2, "Kyma queues 2 of the key's jobs at once");
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "kyma batch exited before its POSTs reached Kyma");
        assert!(Instant::now() < deadline, "the batch's POSTs never reached Kyma");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(killed_by_child_kill(status), "{status:?}");
    sim.set_faults(json!({})).await;
}

/// After the group's crash and `kyma resume`: one group of `size` members, every one made, and
/// one hold and one charge per idempotency key.
async fn group_problems(sim: &Sim, kyma: &Kyma, size: usize) -> Vec<String> {
    let mut problems = vec![];
    let out = kyma.run(&["groups", "--json"]);
    let groups: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap_or_default();
    if groups.len() != 1 {
        problems.push(format!("{} groups, expected one", groups.len()));
    }
    let jobs = kyma.jobs();
    let members = jobs.iter().filter(|j| j["group_id"] == groups.first().map_or(json!(null), |g| g["id"].clone()));
    let made = members.filter(|j| j["status"] == "succeeded").count();
    if jobs.len() != size || made != size {
        problems.push(format!("{made} of {} records made their clip, expected {size} in the group", jobs.len()));
    }
    let ledger = sim.ledger().await;
    for j in &jobs {
        let key = j["idempotency_key"].as_str().unwrap_or("");
        let holds = entries_for(&ledger, key).into_iter().filter(|(k, _)| k == "hold").count();
        if holds != 1 {
            problems.push(format!("#{}: {holds} holds for its idempotency key", j["id"]));
        }
    }
    problems
}

/// The group crash points (× every model with `KYMA_SOAK_FULL=1` for the batch; the board always
/// has 3 models, 5 in the full run): kill, `kyma resume` twice, then the audit — 0 lost paid
/// clips, 0 duplicate charges, 0 broken or half files — and the group is still one group whose
/// members all made their clips.
#[tokio::test(flavor = "multi_thread")]
async fn crash_matrix_groups_kill_a_batch_and_a_board_then_resume() {
    let full = std::env::var("KYMA_SOAK_FULL").as_deref() == Ok("1");
    let sim = Sim::start(&["--job-seconds", "1", "--queue-cap", "2", "--concurrent", "2"]);
    let started = Instant::now();
    let mut rows: Vec<(String, usize, Audit)> = vec![];
    let mut run = 0;
    for point in GROUP_MATRIX {
        let mut row = Audit::default();
        let plan: Vec<Vec<&str>> = match (point.starts_with("batch"), full) {
            (true, true) => MODELS.iter().map(|m| vec![*m]).collect(),
            (true, false) => vec![vec!["kling-2.5-pro"]],
            (false, true) => vec![MODELS.to_vec()],
            (false, false) => vec![vec!["kling-2.5-pro", "kling-3-pro", "seedance-2-fast"]],
        };
        for models in &plan {
            run += 1;
            let kyma = Kyma::new(&sim);
            let prefix = format!("crash g{run} ");
            let size = if point.starts_with("batch") {
                batch_killed_after_two_at_kyma(&sim, &kyma, models[0], &prefix).await;
                6
            } else {
                let out = kyma
                    .command()
                    .env("KYMA_FAILPOINT", "after_post_response")
                    .args(["compare", "--models", &models.join(","), "--prompt", &format!("{prefix}board")])
                    .args(["--duration", "2"])
                    .output()
                    .unwrap();
                assert!(killed_at_a_crash_point(out.status), "{point}: expected a kill, got {:?}", out.status);
                models.len()
            };
            for _ in 0..2 {
                let out = kyma.run(&["resume"]);
                assert!(out.status.success(), "{point} {models:?}: resume failed: {}", stderr(&out));
            }
            let mut a =
                audit(&sim.public("/_sim/jobs").await, &sim.ledger().await, &kyma.jobs(), &kyma.clips_dir(), &prefix);
            if a.paid_jobs != size {
                a.wrong_states += 1;
                a.problems.push(format!("{point} {models:?}: {} paid jobs, expected {size}", a.paid_jobs));
            }
            for p in group_problems(&sim, &kyma, size).await {
                a.wrong_states += 1;
                a.problems.push(format!("{point} {models:?}: {p}"));
            }
            if !a.is_clean() {
                eprintln!("{point} {models:?}: {:?}", a.problems);
            }
            row.add(&a);
        }
        rows.push((point.to_string(), plan.len(), row));
    }
    let report = format!(
        "### Crash matrix — boards and batches through the `kyma` CLI (kill -9, then `kyma resume` twice)\n\n{}\n{} runs, {:.0} s. The batch: 6 prompts, Kyma queueing 2 of the key's jobs at once, killed when both of its first POSTs had reached Kyma (answers held back 5 s); the board: {} models, killed at `after_post_response`.\n",
        table(&rows),
        run,
        started.elapsed().as_secs_f64(),
        if full { 5 } else { 3 }
    );
    eprintln!("{report}");
    if let Ok(dir) = std::env::var("KYMA_SOAK_REPORT") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join("crash-groups.md"), &report).unwrap();
    }
    let problems: Vec<&String> = rows.iter().flat_map(|(_, _, a)| a.problems.iter()).collect();
    assert!(problems.is_empty(), "the group crash matrix found problems: {problems:#?}");
}
