//! Issue 15, a library folder that vanishes: the library lives in a folder of its own (as on an
//! external drive), which is renamed away before a launch and while clips download, then put
//! back, or moved for good and located. Kyma Studio says where it expected the library, keeps
//! every record, never makes an empty library in its place, refuses new clips while it is gone
//! (nothing sent), and finishes the paid ones once it is back or located: each fetched and
//! charged once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::audit::{audit, MODELS};
use common::desktop::{double_downloads, report_desktop_fault};
use common::{stderr, Kyma, Sim};
use kyma_studio::jobs::{Engine, Event};
use kyma_studio::library::{Library, MoveMode};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Makes `dir` the library folder (as Settings → Library folder does), answers it.
fn library_at(kyma: &Kyma, dir: &Path) -> PathBuf {
    let lib = Library::open(kyma.data.path()).unwrap();
    lib.move_library(dir, MoveMode::Leave, &mut |_, _| {}).unwrap();
    assert!(dir.join("clips").is_dir());
    dir.to_path_buf()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_library_folder_gone_before_launch_refuses_new_clips_and_is_not_remade() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    let drive = tempfile::tempdir().unwrap();
    let ext = library_at(&kyma, &drive.path().join("Kyma on the drive"));
    let out = kyma.run(&["generate", "--model", "kling-3-pro", "--prompt", "before the drive went", "--duration", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let away = drive.path().join("unplugged");
    std::fs::rename(&ext, &away).unwrap();

    let out = kyma.run(&["generate", "--model", "kling-3-pro", "--prompt", "while it is gone", "--duration", "1"]);
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(said.contains(&format!("The library folder {} is not there", ext.display())), "{said}");
    assert!(said.contains("nothing was sent or charged"), "{said}");
    assert!(!ext.exists(), "no empty library was made in its place");
    let jobs = kyma.jobs();
    assert_eq!(jobs.len(), 1, "every record kept, none added");
    assert_eq!(jobs[0]["status"], "succeeded");
    assert_eq!(sim.public("/_sim/jobs").await.as_array().unwrap().len(), 1, "nothing sent");
    assert!(!ext.exists(), "listing the library made nothing either");

    // Back: new clips go there again, and the old one is where it was.
    std::fs::rename(&away, &ext).unwrap();
    let out = kyma.run(&["generate", "--model", "kling-3-pro", "--prompt", "the drive is back", "--duration", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for j in kyma.jobs() {
        assert!(ext.join("clips").join(j["clip_file"].as_str().unwrap()).is_file(), "{j}");
    }
}

/// Waits until some clip is downloading into `library`'s clips folder (200 KB in its .part).
async fn under_way(library: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let part_bytes = || -> u64 {
        std::fs::read_dir(library.join("clips"))
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0)
    };
    while part_bytes() < 200_000 {
        assert!(Instant::now() < deadline, "no download got under way");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A library on a drive of its own, a clip per model made with `prefix` and downloading
/// (3 MB clips at 0.5 MB/s: six seconds a download, so the folder can go while they come), and
/// the app's engine on it, listened to.
struct UnderWay {
    sim: Sim,
    kyma: Kyma,
    drive: tempfile::TempDir,
    ext: PathBuf,
    engine: Engine,
    events: tokio::sync::broadcast::Receiver<Event>,
}

async fn downloading(prefix: &str) -> UnderWay {
    let sim = Sim::start(&["--job-seconds", "1"]);
    sim.set_faults(serde_json::json!({ "clip_pad_to_bytes": 3_000_000, "clip_bytes_per_s": 500_000 })).await;
    let kyma = Kyma::new(&sim);
    let drive = tempfile::tempdir().unwrap();
    let ext = library_at(&kyma, &drive.path().join("Kyma on the drive"));
    kyma.one_clip_per_model(prefix, true);
    let engine = kyma.engine(&sim);
    let events = engine.subscribe();
    under_way(&ext).await;
    UnderWay { sim, kyma, drive, ext, engine, events }
}

/// Waits for every job to finish, then audits the library (clips in `clips`) against the
/// simulator's books and reports `fault` in the desktop-fault table: every clip paid once,
/// none lost, broken or fetched twice. Answers the simulator's jobs.
async fn every_clip_once(w: &UnderWay, clips: &Path, prefix: &str, fault: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !w.engine.open_generations().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "{:?}", w.engine.open_generations().unwrap());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sim_jobs = w.sim.public("/_sim/jobs").await;
    let a = audit(&sim_jobs, &w.sim.public("/_sim/ledger").await, &w.kyma.jobs(), clips, prefix);
    let doubles = double_downloads(&sim_jobs);
    report_desktop_fault(fault, MODELS.len(), &a, doubles);
    assert_eq!(a.paid_jobs, MODELS.len());
    assert!(a.is_clean(), "{:?}", a.problems);
    assert_eq!(doubles, 0, "{sim_jobs}");
    sim_jobs
}

#[tokio::test(flavor = "multi_thread")]
async fn a_library_folder_gone_mid_download_keeps_the_paid_clips_waiting_for_it() {
    let prefix = "folder gone";
    let mut w = downloading(prefix).await;
    let (kyma, ext) = (&w.kyma, w.ext.clone());
    // Mid-download: clips are coming into their .part files when the folder goes.
    let away = w.drive.path().join("unplugged");
    std::fs::rename(&ext, &away).unwrap();

    let sentence = common::first_problem(&mut w.events, "library_missing").await;
    assert_eq!(
        sentence,
        format!(
            "The library folder {} is not there (an unplugged drive, or a renamed or moved folder?). The paid clip \
             waits for it and downloads as soon as the folder is back; nothing is lost.",
            ext.display()
        )
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!ext.exists(), "no empty library was made in its place");
    let states: Vec<String> = kyma.jobs().iter().map(|j| j["status"].as_str().unwrap().to_string()).collect();
    assert!(states.iter().all(|s| s == "downloading" || s == "succeeded" || s == "processing"), "{states:?}");
    assert!(states.iter().any(|s| s == "downloading"), "{states:?}");

    std::fs::rename(&away, &ext).unwrap();
    every_clip_once(&w, &ext.join("clips"), prefix, "the library folder renamed away mid-download, then back").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_library_folder_moved_mid_download_and_located_finishes_its_clips_in_the_new_place() {
    let prefix = "folder located";
    let mut w = downloading(prefix).await;
    let (kyma, ext, drive) = (&w.kyma, w.ext.clone(), w.drive.path().to_path_buf());

    // Renamed for good (a new drive letter, a tidy-up): the paid clips wait, said once.
    let moved = drive.join("Videos").join("Kyma");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&ext, &moved).unwrap();
    common::first_problem(&mut w.events, "library_missing").await;
    let lib = Library::open(kyma.data.path()).unwrap();
    let away = lib.away().unwrap().expect("away");
    assert_eq!((away.folder.as_str(), away.clips), (ext.to_str().unwrap(), 0));
    assert!(away.waiting >= 1, "{away:?}");

    // Located (what the window's Locate… does): the records and the engine follow.
    let r = lib.relink(&ext, &moved).unwrap();
    assert_eq!(r.records, MODELS.len() as u32);
    w.engine.relinked(lib.paths()).await.unwrap();
    let fault = "the library folder moved mid-download, then located (relinked)";
    let sim_jobs = every_clip_once(&w, &moved.join("clips"), prefix, fault).await;
    assert!(!ext.exists(), "nothing was made where the folder used to be");
    // The .part files moved with the folder: the downloads went on from where they were.
    let resumed: usize = sim_jobs
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["range_starts"].as_array().is_some_and(|r| r.iter().any(|v| v.as_u64().unwrap_or(0) > 0)))
        .count();
    assert!(resumed >= 1, "{sim_jobs}");
}
