//! Issue 15, a sleeping laptop: `kyma resume` (a real process running the engine) is stopped
//! with SIGSTOP for longer than the clip links live (kyma-sim's `url_ttl_s`), then continued with
//! SIGCONT. The engine finds the links expired, polls the jobs for fresh ones and finishes each
//! clip once, without a burst past the key's RPM and without spinning. When Kyma gives no new
//! link, the user reads exactly that, and the clip stays in the library as paid.
//!
//! SIGSTOP/SIGCONT are POSIX: these run on Linux and macOS. (A real suspend also stops the
//! monotonic clock the engine's schedule uses on both; SIGSTOP lets it run on, the harder case.)
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::audit::{audit, MODELS};
use common::desktop::{double_downloads, report_desktop_fault};
use common::{Kyma, Sim};
use serde_json::Value;
use std::process::Child;
use std::time::{Duration, Instant};

const RPM: u64 = 60;

fn signal(child: &Child, sig: i32) {
    // SAFETY: kill with a live child's pid and a standard signal.
    let rc = unsafe { libc::kill(child.id() as i32, sig) };
    assert_eq!(rc, 0, "signal {sig}");
}

/// Waits for the child; its exit status and the CPU seconds (user + system) it used in all.
fn wait_with_cpu(child: Child) -> (bool, f64) {
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: waits for our own child; `usage` is a properly sized out buffer.
    let rc = unsafe { libc::wait4(child.id() as i32, &mut status, 0, usage.as_mut_ptr()) };
    assert_eq!(rc, child.id() as i32);
    // SAFETY: wait4 succeeded and filled it.
    let usage = unsafe { usage.assume_init() };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, secs(usage.ru_utime) + secs(usage.ru_stime))
}

fn statuses(kyma: &Kyma) -> Vec<String> {
    kyma.jobs().iter().map(|j| j["status"].as_str().unwrap().to_string()).collect()
}

/// Five clips, one per model, sent and left open; then `kyma resume` runs them until every one
/// is known finished at Kyma (all "downloading" here) and the first downloads are under way, and
/// is stopped. Three download at a time: the other two hold links they have not used yet.
async fn stopped_with_links_in_hand(sim: &Sim, kyma: &Kyma, prefix: &str) -> Child {
    kyma.one_clip_per_model(prefix, true);
    let child = kyma
        .command()
        .arg("resume")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let downloads = sim.public("/_sim/stats").await["downloads"].as_u64().unwrap();
        if downloads >= 1 && statuses(kyma).iter().all(|s| s == "downloading") {
            break;
        }
        assert!(Instant::now() < deadline, "the jobs never all reached their download: {:?}", statuses(kyma));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    signal(&child, libc::SIGSTOP);
    child
}

#[tokio::test(flavor = "multi_thread")]
async fn a_process_stopped_past_the_link_lifetime_gets_fresh_links_and_finishes() {
    let sim = Sim::start(&["--job-seconds", "1", "--rpm", &RPM.to_string()]);
    // 3 MB clips at 0.5 MB/s: six seconds a download, so two clips wait for a download slot.
    sim.set_faults(
        serde_json::json!({ "url_ttl_s": 3.0, "clip_pad_to_bytes": 3_000_000, "clip_bytes_per_s": 500_000 }),
    )
    .await;
    let kyma = Kyma::new(&sim);
    let started = Instant::now();
    let child = stopped_with_links_in_hand(&sim, &kyma, "slept").await;
    // The lid stays closed for twice the links' lifetime.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let requests_asleep = sim.public("/_sim/stats").await["api_requests"].as_u64().unwrap();
    signal(&child, libc::SIGCONT);
    let woke = Instant::now();
    let waited =
        tokio::time::timeout(Duration::from_secs(90), tokio::task::spawn_blocking(move || wait_with_cpu(child)));
    let (ok, cpu) = waited.await.expect("kyma resume finished after waking").unwrap();
    assert!(ok, "kyma resume failed");
    let (awake, life) = (woke.elapsed(), started.elapsed());

    let stats = sim.public("/_sim/stats").await;
    eprintln!(
        "finished {:.1} s after waking; CPU {cpu:.2} s in a life of {:.1} s; stats {stats}",
        awake.as_secs_f64(),
        life.as_secs_f64()
    );
    assert!(stats["expired_url_refusals"].as_u64().unwrap() >= 1, "links had expired while it slept: {stats}");
    assert_eq!(stats["rpm_rejections"], 0, "no burst past the key's RPM: {stats}");
    assert!(stats["max_requests_in_60s"].as_u64().unwrap() <= RPM, "{stats}");
    let after_wake = stats["api_requests"].as_u64().unwrap() - requests_asleep;
    // Five jobs: a poll each for a fresh link, and a few more; a spinning engine sends hundreds.
    assert!(after_wake <= 20, "{after_wake} requests to Kyma after waking");
    // Waiting is not spinning: a busy loop would burn a core for the whole life.
    assert!(cpu < life.as_secs_f64() / 2.0, "CPU {cpu:.2} s in {:.1} s", life.as_secs_f64());

    let sim_jobs = sim.public("/_sim/jobs").await;
    let a = audit(&sim_jobs, &sim.public("/_sim/ledger").await, &kyma.jobs(), &kyma.clips_dir(), "slept");
    let doubles = double_downloads(&sim_jobs);
    report_desktop_fault("sleep past the link lifetime (SIGSTOP)", MODELS.len(), &a, doubles);
    assert_eq!(a.paid_jobs, MODELS.len());
    assert!(a.is_clean(), "{:?}", a.problems);
    assert_eq!(doubles, 0, "{sim_jobs}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_kyma_will_not_renew_is_said_and_the_clip_stays_paid() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    sim.set_faults(serde_json::json!({
        "url_ttl_s": 2.0, "no_fresh_urls": true, "clip_pad_to_bytes": 3_000_000, "clip_bytes_per_s": 500_000
    }))
    .await;
    let kyma = Kyma::new(&sim);
    let child = stopped_with_links_in_hand(&sim, &kyma, "no new link").await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    signal(&child, libc::SIGCONT);

    // `kyma resume` stops at the first problem, with the sentence; the clips whose links died
    // unused stay open and paid.
    let out =
        tokio::time::timeout(Duration::from_secs(90), tokio::task::spawn_blocking(move || child.wait_with_output()))
            .await
            .expect("kyma resume ended")
            .unwrap()
            .unwrap();
    assert!(!out.status.success());
    let sentence = "Kyma's link to this paid clip expired, and asking Kyma again gave no link that works (HTTP 403). \
                    The clip stays in the library as paid, and Kyma Studio keeps asking Kyma for a new link.";
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(said.contains(sentence), "{said}");
    let jobs = kyma.jobs();
    let stuck: Vec<&Value> = jobs.iter().filter(|j| j["status"] != "succeeded").collect();
    assert!(!stuck.is_empty(), "{jobs:?}");
    assert!(stuck.iter().any(|j| j["error_message"] == sentence), "{stuck:?}");
    for j in &stuck {
        assert_eq!(j["status"], "downloading", "kept open, never failed: {j}");
        assert!(j["charged"].as_i64().unwrap() > 0, "shown as paid: {j}");
    }
    eprintln!("{} clip(s) waiting for a link Kyma would not renew", stuck.len());

    // Kyma gives links again: the next run finishes them, each charged and fetched once.
    sim.set_faults(serde_json::json!({ "url_ttl_s": 2.0 })).await;
    let out = kyma.run(&["resume"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sim_jobs = sim.public("/_sim/jobs").await;
    let a = audit(&sim_jobs, &sim.public("/_sim/ledger").await, &kyma.jobs(), &kyma.clips_dir(), "no new link");
    assert!(a.is_clean(), "{:?}", a.problems);
    let doubles = double_downloads(&sim_jobs);
    report_desktop_fault("sleep, Kyma gives no new link (then does)", MODELS.len(), &a, doubles);
    assert_eq!(doubles, 0);
}
