//! `make live-smoke` (`kyma live-smoke`) against kyma-sim, through `KYMA_API_BASE` like any
//! server: the same code that checks real Kyma finds no drift in the simulator of its contract,
//! buys exactly three clips, and asks before spending.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{stderr, stdout, Kyma, Sim};
use std::io::Write;
use std::process::Stdio;

#[tokio::test(flavor = "multi_thread")]
async fn the_live_smoke_test_passes_against_the_simulator_with_no_drift() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    let report = kyma.data.path().join("report.json");
    let before = common::sim::entries(&sim.ledger().await).len();

    // Without --yes it asks; "n" spends nothing.
    let mut child = kyma
        .command()
        .args(["live-smoke", "--report", report.to_str().unwrap()])
        .env("KYMA_API_KEY", common::KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"n\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).contains("Total: $0.28"), "{}", stdout(&out));
    assert!(sim.requests().await.iter().all(|r| !r.starts_with("POST")), "nothing bought");

    let out = kyma
        .command()
        .args(["live-smoke", "--yes", "--report", report.to_str().unwrap()])
        .env("KYMA_API_KEY", common::KEY)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(doc["drift"]["unknown_fields"], serde_json::json!([]), "{doc:#}");
    assert_eq!(doc["drift"]["missing_fields"], serde_json::json!([]), "{doc:#}");
    assert_eq!(doc["model"], "kling-2.5-pro", "the cheapest of the five at 1 s");
    let clips = doc["clips"].as_array().unwrap();
    assert_eq!(clips.len(), 3);
    assert!(clips.iter().all(|c| c["status"] == "succeeded" && c["problems"] == serde_json::json!([])), "{doc:#}");
    assert_eq!(clips[1]["frame"], serde_json::json!([1080, 1920]), "the 9:16 clip is portrait");
    assert_eq!(doc["charged_micros"], 3 * 94_500);
    let charges = common::sim::entries(&sim.ledger().await)[before..].iter().filter(|(k, _)| k == "charge").count();
    assert_eq!(charges, 3, "exactly three clips bought");
    let sent = sim.public("/_sim/jobs").await;
    // The engine posts the three in any order: match them by Kyma's job id.
    for clip in clips {
        let at_kyma = sent.as_array().unwrap().iter().find(|j| j["id"] == clip["kyma_id"]).unwrap();
        let want = if clip["name"] == "data: URI start image" { "data" } else { "none" };
        assert_eq!(at_kyma["image_url_kind"], want, "{}: {at_kyma}", clip["name"]);
    }

    // Without a key it says what to set, and touches nothing.
    let out = kyma.command().args(["live-smoke", "--yes"]).env_remove("KYMA_API_KEY").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("KYMA_API_KEY"));
}
