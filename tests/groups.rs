//! Issue 14 in the core, against kyma-sim: boards and batches recorded as one group, paused,
//! resumed and cancelled (nothing unsent is charged, nothing at Kyma is dropped), the daily cap,
//! `--max-spend` and Kyma's balance refusing before any POST, and keep/reject marks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{fast_engine_config, Sim, KEY};
use kyma_studio::api::limiter::RateLimiter;
use kyma_studio::api::{ApiKey, Catalog, Client, Micros};
use kyma_studio::error_kind::ErrorKind;
use kyma_studio::jobs::{DailyCap, Draft, Engine, Error, GroupKind, GroupState, Mark, NewGroup, Spending, Status};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn client(sim: &Sim, key: &str) -> Client {
    let config = fast_engine_config(std::path::Path::new("."));
    Client::with_policy(&format!("{}/v1", sim.url), ApiKey::new(key), config.retry, Arc::new(RateLimiter::new(100_000)))
        .unwrap()
}

fn draft(model: &str, prompt: &str) -> Draft {
    Draft {
        model: model.into(),
        prompt: prompt.into(),
        duration: Some(1),
        image: None,
        end_image: None,
        options: Default::default(),
    }
}

fn batch(n: usize, tag: &str) -> Vec<Draft> {
    (0..n).map(|i| draft("kling-2.5-pro", &format!("{tag} row {i}"))).collect()
}

async fn ledger_holds(sim: &Sim) -> usize {
    let ledger: Value = sim.public("/_sim/ledger").await;
    ledger["entries"].as_array().unwrap().iter().filter(|e| e["kind"] == "hold").count()
}

async fn settle(engine: &Engine, ids: &[i64], secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let open: Vec<_> = ids.iter().map(|id| engine.get(*id).unwrap()).filter(|g| !g.status.is_terminal()).collect();
        if open.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still open: {:?}",
            open.iter().map(|g| (g.id, g.status)).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_is_one_group_of_different_models_and_its_takes_can_be_kept() {
    let sim = Sim::start(&["--job-seconds", "0.5", "--rpm", "100000"]);
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::start(fast_engine_config(dir.path()), client(&sim, KEY), Catalog::default()).unwrap();
    let models = ["kling-2.5-pro", "kling-3-pro", "seedance-2-fast"];
    let cells: Vec<Draft> = models.iter().map(|m| draft(m, "a paper boat in the rain")).collect();
    let new = NewGroup { kind: GroupKind::Board, title: "a paper boat in the rain".into(), notes: Vec::new() };
    let (group, made) = engine.submit_group(new.clone(), cells, Spending::default()).await.unwrap();
    assert_eq!(group.kind, GroupKind::Board);
    assert_eq!(group.size, 3);
    assert_eq!(group.hold, Micros(94_500 + 151_200 + 326_565), "the total the user saw");
    assert_eq!(made.iter().map(|g| g.model.as_str()).collect::<Vec<_>>(), models);
    assert!(made.iter().all(|g| g.group_id == Some(group.id)));
    let ids: Vec<i64> = made.iter().map(|g| g.id).collect();
    settle(&engine, &ids, 60).await;
    assert!(engine.members(group.id).unwrap().iter().all(|g| g.status == Status::Succeeded));

    let kept = engine.set_mark(ids[1], Some(Mark::Keep)).unwrap();
    assert_eq!(kept.mark, Some(Mark::Keep));
    engine.set_mark(ids[0], Some(Mark::Reject)).unwrap();
    assert_eq!(engine.get(ids[0]).unwrap().mark, Some(Mark::Reject));

    // A board of one model, or the same model twice, is refused before anything is recorded.
    let before = engine.list().unwrap().len();
    for bad in [vec![draft("kling-3-pro", "x")], vec![draft("kling-3-pro", "x"), draft("kling-3-pro", "x")]] {
        let e = engine.submit_group(new.clone(), bad, Spending::default()).await.unwrap_err();
        assert!(e.to_string().contains("A board compares 2 to 5 different models"), "{e}");
    }
    let six: Vec<Draft> = ["kling-2.5-pro", "kling-3-pro", "kling-3-pro-audio", "seedance-2-pro", "seedance-2-fast"]
        .iter()
        .map(|m| draft(m, "y"))
        .chain([draft("kling-3-pro", "y")])
        .collect();
    assert!(engine.submit_group(new, six, Spending::default()).await.is_err());
    assert_eq!(engine.list().unwrap().len(), before);
    assert_eq!(engine.groups().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_pauses_resumes_and_cancels_without_charging_what_was_never_sent() {
    let sim = Sim::start(&["--job-seconds", "2", "--rpm", "100000"]);
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::start(fast_engine_config(dir.path()), client(&sim, KEY), Catalog::default()).unwrap();
    engine.set_queue_cap(2);
    let new = NewGroup { kind: GroupKind::Batch, title: "ten prompts".into(), notes: Vec::new() };
    let (group, made) = engine.submit_group(new, batch(10, "pause"), Spending::default()).await.unwrap();
    let ids: Vec<i64> = made.iter().map(|g| g.id).collect();
    let at_kyma = || ids.iter().filter(|id| engine.get(**id).unwrap().kyma_id.is_some()).count();
    let deadline = Instant::now() + Duration::from_secs(10);
    while at_kyma() < 2 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(engine.pause_group(group.id).unwrap().state, GroupState::Paused);
    // Paused for longer than two of its jobs take: the two at Kyma finish, nothing new goes.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(at_kyma(), 2, "a paused batch sent more");
    let done = ids.iter().filter(|id| engine.get(**id).unwrap().status == Status::Succeeded).count();
    assert_eq!(done, 2, "jobs at Kyma carry on while paused");

    // A clip asked for alone is not held up by the paused batch.
    let single = engine.submit(draft("kling-2.5-pro", "on its own")).await.unwrap();
    settle(&engine, &[single.id], 30).await;

    engine.resume_group(group.id).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while at_kyma() < 4 {
        assert!(Instant::now() < deadline, "resumed, yet nothing was sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let report = engine.cancel_group(group.id).await.unwrap();
    let sent = at_kyma();
    assert_eq!(report.at_kyma as usize + 2, sent, "every member sent and unfinished is reported at Kyma: {report:?}");
    assert_eq!((report.dropped + report.at_kyma) as usize + 2, 10, "{report:?}");
    assert!(report.dropped >= 4, "{report:?}");
    settle(&engine, &ids, 60).await;
    let members = engine.members(group.id).unwrap();
    let dropped: Vec<_> = members.iter().filter(|g| g.error_kind.as_deref() == Some("cancelled")).collect();
    assert_eq!(dropped.len(), report.dropped as usize);
    assert!(dropped.iter().all(|g| g.status == Status::Rejected && g.post_attempts == 0 && g.kyma_id.is_none()));
    assert_eq!(members.iter().filter(|g| g.status == Status::Succeeded).count(), sent);
    assert_eq!(engine.group(group.id).unwrap().state, GroupState::Cancelled);
    assert!(matches!(engine.resume_group(group.id), Err(Error::GroupCancelled(_))));
    // Kyma held and charged exactly the jobs that were sent (+ the single one).
    assert_eq!(ledger_holds(&sim).await, sent + 1);
    let stats = sim.public("/_sim/stats").await;
    assert_eq!(stats["queue_full_refusals"], 0, "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_limits_refuse_before_anything_is_recorded_or_sent() {
    let sim = Sim::start(&["--job-seconds", "0.5", "--rpm", "100000", "--key", "ky-low=1"]);
    let dir = tempfile::tempdir().unwrap();
    let kyma = client(&sim, "ky-low");
    let balance = kyma.balance().await.unwrap();
    assert_eq!(balance, Some(Micros(1_000_000)));
    let engine = Engine::start(fast_engine_config(dir.path()), kyma, Catalog::default()).unwrap();

    // Kyma's balance: 11 × $0.0945 = $1.0395 > $1.00.
    let new = NewGroup { kind: GroupKind::Batch, title: "too dear".into(), notes: Vec::new() };
    let e =
        engine.submit_group(new.clone(), batch(11, "dear"), Spending { balance, max_total: None }).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InsufficientCredit);
    assert_eq!(
        e.to_string(),
        "This needs $1.04 in holds, but your Kyma balance is $1.00. Add credit, or make fewer clips."
    );
    // --max-spend.
    let e = engine
        .submit_group(new.clone(), batch(3, "max"), Spending { balance: None, max_total: Some(Micros(200_000)) })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OverBudget);
    assert!(e.to_string().starts_with("This costs $0.28, more than the $0.20 you allowed"), "{e}");

    // The daily cap: $0.30. Two clips of $0.0945 fit; the third with a fourth does not.
    engine.set_daily_cap(Some(DailyCap { cap: Micros(300_000), utc_offset_minutes: 0 }));
    let a = engine.submit(draft("kling-2.5-pro", "first")).await.unwrap();
    let b = engine.submit(draft("kling-2.5-pro", "second")).await.unwrap();
    settle(&engine, &[a.id, b.id], 30).await;
    let e = engine.submit_group(new.clone(), batch(2, "cap"), Spending::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OverBudget);
    assert_eq!(
        e.to_string(),
        "This costs $0.19 and would take today's spending to $0.38, past your daily cap of $0.30 \
         ($0.19 spent or held today). Raise the cap in Settings, or wait until tomorrow."
    );
    let e = engine.submit_takes(draft("kling-2.5-pro", "takes"), 2).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OverBudget, "takes obey the cap too");
    // Nothing was recorded, held or posted by any refusal.
    assert_eq!(engine.list().unwrap().len(), 2);
    assert!(engine.groups().unwrap().is_empty());
    assert_eq!(ledger_holds(&sim).await, 2);
    assert_eq!(sim.public("/_sim/stats").await["posts"], 2);
    // One more fits exactly under the cap; off, anything goes again.
    engine.submit(draft("kling-2.5-pro", "third")).await.unwrap();
    engine.set_daily_cap(None);
    engine.submit(draft("kling-2.5-pro", "fourth")).await.unwrap();
}
