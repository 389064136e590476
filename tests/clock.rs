//! Issue 15, the clock: `kyma resume` (a real process) runs five jobs while its wall clock jumps
//! a day back, and in another run a day forward (libfaketime, its offset changed mid-run; the
//! monotonic clock left alone, as the OS does when the time is set). Poll timing is unharmed,
//! because the engine's schedule runs on the monotonic clock: the jobs finish in seconds, not
//! after a day, each once. Spend per day stays right, because times are stored in UTC and a
//! record's day is the one it was made on.
//!
//! Linux: libfaketime from Debian's `faketime` package (LD_PRELOAD). On macOS the same library
//! (Homebrew's libfaketime) loads with DYLD_INSERT_LIBRARIES only into binaries outside SIP,
//! which a test's own build is; not run here, where there is no Mac.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::audit::{audit, MODELS};
use common::desktop::{double_downloads, report_desktop_fault};
use common::{stderr, Kyma, Sim};
use std::time::{Duration, Instant};

const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

fn libfaketime() -> String {
    let arch = std::env::consts::ARCH;
    let path = LIBFAKETIME.replace("x86_64", arch);
    assert!(std::path::Path::new(&path).exists(), "{path} is missing: scripts/install-deps.sh test installs faketime");
    path
}

async fn jump(offset: &str) {
    let sim = Sim::start(&["--job-seconds", "4"]);
    let kyma = Kyma::new(&sim);
    let prefix = format!("clock {offset}");
    let today = time::OffsetDateTime::now_utc().date().to_string();
    kyma.one_clip_per_model(&prefix, true);
    let clock = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(clock.path(), "+0").unwrap();
    let child = kyma
        .command()
        .arg("resume")
        .env("LD_PRELOAD", libfaketime())
        .env("FAKETIME_TIMESTAMP_FILE", clock.path())
        .env("FAKETIME_NO_CACHE", "1")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // The jobs are running at Kyma (4 s each) and being polled: the clock jumps now.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    std::fs::write(clock.path(), offset).unwrap();
    let out =
        tokio::time::timeout(Duration::from_secs(120), tokio::task::spawn_blocking(move || child.wait_with_output()))
            .await
            .expect("kyma resume finished in minutes, not after the jump's day")
            .unwrap()
            .unwrap();
    let took = started.elapsed();
    assert!(out.status.success(), "{}", stderr(&out));
    eprintln!("clock {offset}: finished {:.1} s after the start", took.as_secs_f64());

    let jobs = kyma.jobs();
    let sim_jobs = sim.public("/_sim/jobs").await;
    let ledger = sim.public("/_sim/ledger").await;
    let a = audit(&sim_jobs, &ledger, &jobs, &kyma.clips_dir(), &prefix);
    let doubles = double_downloads(&sim_jobs);
    report_desktop_fault(&format!("the clock jumps {offset} while jobs run"), MODELS.len(), &a, doubles);
    assert!(a.is_clean(), "{:?}", a.problems);
    assert_eq!(doubles, 0);
    let stats = sim.public("/_sim/stats").await;
    assert_eq!(stats["rpm_rejections"], 0, "{stats}");

    // The process's clock did jump: its clips were downloaded on the day it then said.
    let shift = if offset.starts_with('-') { -time::Duration::DAY } else { time::Duration::DAY };
    let jumped_day = (time::OffsetDateTime::now_utc() + shift).date().to_string();
    // Each record was made on the real day, stored in UTC; the day's spend is every charge.
    for j in &jobs {
        let created = j["created_at"].as_str().unwrap();
        assert!(created.starts_with(&today) && created.ends_with('Z'), "{created}");
        assert!(j["downloaded_at"].as_str().unwrap().starts_with(&jumped_day), "{j}");
    }
    let charged: i64 = ledger["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "charge")
        .map(|e| e["micros"].as_i64().unwrap_or(0).abs())
        .sum();
    let out = kyma.run(&["spend", "--by", "day", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let spend: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(spend["charged_micros"], charged, "{spend}");
    let days = spend["buckets"].as_array().unwrap();
    assert_eq!(days.len(), 1, "one day: {spend}");
    assert_eq!(days[0]["start"], today.as_str());
    assert_eq!(days[0]["charged_micros"], charged);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_day_back_while_jobs_run() {
    jump("-1d").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_day_forward_while_jobs_run() {
    jump("+1d").await;
}
