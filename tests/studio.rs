//! The desktop app's layer without a window: key handling, staging a start image, generating,
//! events, and playing the clip through the loopback clip server with Range requests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{write_test_png, Sim, KEY};
use kyma_studio::jobs::{Event, Status};
use kyma_studio::keychain::{self, MemoryStore, Secret, SecretStore};
use kyma_studio::studio::dto::{Draft, ErrorAction, ImageHosting, KeyState};
use kyma_studio::studio::{clip_server, Studio, StudioOptions};
use std::sync::Arc;
use std::time::Duration;

/// The app on the simulator, with no key unless the options say, and its secrets in memory (the
/// OS keychain has its own tests: tests/keychain.rs and the window test).
fn options(sim: &Sim, dir: &std::path::Path) -> StudioOptions {
    common::studio_options(format!("{}/v1", sim.url), dir, Arc::new(MemoryStore::new()))
}

async fn open_with(opts: StudioOptions) -> Studio {
    Studio::open(opts, clip_server::bind().unwrap()).await.unwrap()
}

async fn open(sim: &Sim, dir: &std::path::Path) -> Studio {
    open_with(options(sim, dir)).await
}

/// Generation `id` as it ended (succeeded, failed…), or None when it had not within `timeout`.
async fn ended(
    events: &mut tokio::sync::broadcast::Receiver<Event>,
    id: i64,
    timeout: Duration,
) -> Option<kyma_studio::jobs::Generation> {
    let wait = async {
        loop {
            if let Ok(Event::Changed(g)) = events.recv().await {
                if g.id == id && g.status.is_terminal() {
                    return *g;
                }
            }
        }
    };
    tokio::time::timeout(timeout, wait).await.ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn set_a_key_make_an_image_to_video_clip_and_play_it() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let studio = open(&sim, dir.path()).await;

    // A wrong key is refused with the action that fixes it, and nothing is kept.
    let wrong = studio.set_key("ky-wrong-wrong-wrong", true).await.unwrap_err();
    assert_eq!((wrong.kind.as_str(), wrong.action), ("unauthorized", Some(ErrorAction::ReplaceKey)));
    let no_key = studio
        .generate(Draft {
            model: "kling-3-pro".into(),
            prompt: "x".into(),
            duration: 1,
            image_id: None,
            image_url: None,
            ..Draft::default()
        })
        .await
        .unwrap_err();
    assert_eq!(no_key.kind, "no_key");

    let status = studio.set_key(KEY, true).await.unwrap();
    assert_eq!(status.state, KeyState::Session);
    let state = serde_json::to_string(&studio.app_state().unwrap()).unwrap();
    assert!(!state.contains(KEY), "the key crossed into the UI state");

    let png = dir.path().join("start.png");
    write_test_png(&png, 1600, 900);
    let image = studio.stage_image_bytes(std::fs::read(&png).unwrap(), "start.png".into()).await.unwrap();
    assert_eq!((image.width, image.height), (1600, 900));
    assert!(image.preview.starts_with("data:image/jpeg;base64,"));

    let mut events = studio.subscribe();
    let draft = Draft {
        model: "seedance-2-fast".into(),
        prompt: "a kite".into(),
        duration: 2,
        image_id: Some(image.id.clone()),
        image_url: None,
        ..Draft::default()
    };
    let job = studio.generate(draft).await.unwrap().remove(0);
    assert_eq!(job.hold_micros, 653_130);
    let done = ended(&mut events, job.id, Duration::from_secs(60)).await.expect("the clip finished");
    assert_eq!(done.status, Status::Succeeded);

    let job = studio.job(&done);
    let url = job.clip_url.clone().unwrap();
    assert!(url.starts_with(studio.clip_origin()));
    let http = reqwest::Client::new();
    let head = http.get(&url).header("Range", "bytes=0-1023").send().await.unwrap();
    assert_eq!(head.status(), 206);
    let total = std::fs::metadata(job.clip_path.as_ref().unwrap()).unwrap().len();
    assert_eq!(head.headers()["content-range"].to_str().unwrap(), format!("bytes 0-1023/{total}"));
    let preview = http.get(job.image_preview.unwrap()).send().await.unwrap();
    assert_eq!(preview.headers()["content-type"], "image/jpeg");
    assert!(studio.clip_path(job.id).unwrap().exists());
}

/// Ctrl+V with a screenshot on the clipboard: the OS hands the app RGBA pixels (a 1440p screen's
/// here; media's own tests take a 5K one), which are prepared like any file (2048 px on the long
/// side, JPEG) and sent to Kyma as the start image.
#[tokio::test(flavor = "multi_thread")]
async fn a_screenshot_pasted_from_the_clipboard_reaches_kyma_at_2048_px() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let studio = open(&sim, dir.path()).await;
    studio.set_key(KEY, true).await.unwrap();
    let (w, h) = (2560u32, 1440u32);
    let rgba = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, 255]));
    let image = studio.stage_image_rgba(rgba.into_raw(), w, h).await.unwrap();
    assert_eq!((image.width, image.height), (2048, 1152));
    assert_eq!((image.source_width, image.source_height), (w, h));
    assert_eq!(image.source_name, "Pasted image");

    let mut events = studio.subscribe();
    let draft = Draft {
        model: "seedance-2-fast".into(),
        prompt: "the screenshot comes alive".into(),
        duration: 1,
        image_id: Some(image.id),
        image_url: None,
        ..Draft::default()
    };
    let job = studio.generate(draft).await.unwrap().remove(0);
    let done = ended(&mut events, job.id, Duration::from_secs(60)).await.expect("the clip finished");
    assert_eq!(done.status, Status::Succeeded);
    assert_eq!(done.image_source.as_deref(), Some("Pasted image"));
    let at_kyma = sim.public("/_sim/jobs").await;
    let at_kyma = at_kyma.as_array().unwrap().iter().find(|j| j["prompt"] == "the screenshot comes alive").unwrap();
    assert_eq!((at_kyma["image"]["width"].as_u64(), at_kyma["image"]["height"].as_u64()), (Some(2048), Some(1152)));
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_show_the_api_base_in_use_but_never_save_the_override() {
    let sim = Sim::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let studio = open(&sim, dir.path()).await;
    let mut s = studio.app_state().unwrap().settings;
    assert_eq!(s.api_base, format!("{}/v1", sim.url), "the UI shows the API base this run uses");
    s.download_concurrency = 2;
    let saved = studio.save_settings(s, None).await.unwrap();
    assert_eq!(saved.download_concurrency, 2);
    let on_disk = kyma_studio::studio::settings::load(dir.path());
    assert_eq!(on_disk.api_base, kyma_studio::api::DEFAULT_API_BASE, "the override was not written");
    assert_eq!(on_disk.download_concurrency, 2);
    let mut bad = studio.app_state().unwrap().settings;
    bad.download_concurrency = 9;
    let err = studio.save_settings(bad, None).await.unwrap_err();
    assert_eq!(err.kind, "invalid_settings");
    assert!(err.message.contains("between 1 and 6"));
}

/// Submits `n` text-to-video jobs from the app and waits until every one has succeeded.
async fn make_clips(studio: &Studio, n: usize) {
    let mut events = studio.subscribe();
    let mut ids = Vec::new();
    for i in 0..n {
        let draft = Draft {
            model: "seedance-2-fast".into(),
            prompt: format!("take {i}"),
            duration: 1,
            image_id: None,
            image_url: None,
            ..Draft::default()
        };
        ids.push(studio.generate(draft).await.unwrap()[0].id);
    }
    tokio::time::timeout(Duration::from_secs(240), async {
        let mut done = std::collections::HashSet::new();
        while done.len() < ids.len() {
            if let Ok(Event::Changed(g)) = events.recv().await {
                if ids.contains(&g.id) && g.status.is_terminal() {
                    assert_eq!(g.status, Status::Succeeded, "{g:?}");
                    done.insert(g.id);
                }
            }
        }
    })
    .await
    .expect("every clip finished");
}

/// Charges in the simulator's ledger.
async fn charges(sim: &Sim) -> usize {
    common::sim::entries(&sim.ledger().await).iter().filter(|(kind, _)| kind == "charge").count()
}

/// Issue 11: the app adopts the key's queue cap exactly as the CLI does. At tier 4 (38 running,
/// queue cap 114) sixty clips are all at Kyma at once; nothing is refused. (The RPM is raised
/// above the tier's so the test is quick; the RPM budget has its own tests.)
#[tokio::test(flavor = "multi_thread")]
async fn at_tier_4_sixty_clips_are_at_kyma_at_once() {
    let sim = Sim::start(&["--tier", "4", "--rpm", "6000", "--job-seconds", "4"]);
    let dir = tempfile::tempdir().unwrap();
    let studio = open(&sim, dir.path()).await;
    studio.set_key(KEY, true).await.unwrap();
    assert_eq!(studio.engine().queue_cap(), 114, "the app took the key's queue cap");
    make_clips(&studio, 60).await;
    let stats = sim.public("/_sim/stats").await;
    assert_eq!(stats["max_open_jobs"], 60, "all sixty at Kyma at once: {stats}");
    assert_eq!(stats["queue_full_refusals"], 0, "{stats}");
    assert_eq!(stats["jobs_created"], 60, "{stats}");
    assert_eq!(charges(&sim).await, 60, "each charged once");
}

/// At tier 1 (4 running, queue cap 12) never more than 12 are at Kyma, the rest wait here;
/// nothing is refused. When the tier changes while the app runs, the app follows it.
#[tokio::test(flavor = "multi_thread")]
async fn at_tier_1_never_more_than_twelve_at_kyma_and_a_tier_change_is_followed() {
    let sim = Sim::start(&["--tier", "1", "--rpm", "6000", "--job-seconds", "0.5"]);
    let dir = tempfile::tempdir().unwrap();
    let opts = StudioOptions {
        session_key: Some(KEY.into()),
        limits_every: Duration::from_millis(500),
        ..options(&sim, dir.path())
    };
    let studio = open_with(opts).await;
    // The key came from the environment: connected in the background at start-up.
    tokio::time::timeout(Duration::from_secs(10), async {
        while studio.engine().queue_cap() != 12 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the app adopted tier 1's queue cap");
    make_clips(&studio, 30).await;
    let stats = sim.public("/_sim/stats").await;
    let most = stats["max_open_jobs"].as_u64().unwrap();
    assert!(most <= 12, "never more than the queue cap of 12 at Kyma: {stats}");
    assert!(most >= 10, "the cap is used, not the 4 running slots: {stats}");
    assert_eq!(stats["queue_full_refusals"], 0, "{stats}");
    assert_eq!(charges(&sim).await, 30, "each charged once");

    // Kyma moves the key to tier 3 (queue cap 30): the app's next read of the limits follows.
    let http = reqwest::Client::new();
    let r = http
        .put(format!("{}/_sim/limits", sim.url))
        .json(&serde_json::json!({"tier": 3, "rpm": 6000}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    tokio::time::timeout(Duration::from_secs(10), async {
        while studio.engine().queue_cap() != 30 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the app followed the tier change");
}

/// A key with no credit: Kyma refuses the POST with 402, and the generation ends "rejected",
/// nothing held or charged, with the sentence and the top-up link; never left queued to retry.
#[tokio::test(flavor = "multi_thread")]
async fn no_credit_ends_the_generation_as_rejected() {
    let sim = Sim::start(&["--key", "ky-broke-key=0", "--job-seconds", "1"]);
    let dir = tempfile::tempdir().unwrap();
    // The key at start-up is connected in the background, as after a restart; the keys set just
    // after must win over that connect whenever it answers.
    let studio = open_with(StudioOptions { session_key: Some(KEY.into()), ..options(&sim, dir.path()) }).await;
    assert!(studio.set_key("ky-wrong-key-000000", true).await.is_err());
    studio.set_key("ky-broke-key", true).await.unwrap();
    let mut events = studio.subscribe();
    let draft = Draft {
        model: "kling-2.5-pro".into(),
        prompt: "unpaid".into(),
        duration: 5,
        image_id: None,
        image_url: None,
        ..Draft::default()
    };
    let job = studio.generate(draft).await.unwrap().remove(0);
    let ended = ended(&mut events, job.id, Duration::from_secs(20))
        .await
        .unwrap_or_else(|| panic!("still open: {:?}", studio.engine().get(job.id).unwrap()));
    assert_eq!(ended.status, Status::Rejected);
    assert_eq!(ended.error_kind.as_deref(), Some("insufficient_credit"));
    assert_eq!(ended.charged, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kept_key_goes_to_the_secret_store_and_is_found_there_at_the_next_start() {
    let sim = Sim::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::new());
    let opts = || StudioOptions { secrets: store.clone(), ..options(&sim, dir.path()) };

    let studio = open_with(opts()).await;
    assert_eq!(studio.key_status().state, KeyState::None);
    // A key Kyma refuses is not kept.
    assert_eq!(studio.set_key("ky-this-key-is-wrong-0000", false).await.unwrap_err().kind, "unauthorized");
    assert!(store.api_key().unwrap().is_none());
    let status = studio.set_key(KEY, false).await.unwrap();
    assert_eq!(status.state, KeyState::Keychain);
    assert_eq!(store.get(Secret::ApiKey).unwrap().as_deref(), Some(KEY));
    drop(studio);

    let again = open_with(opts()).await;
    let status = again.key_status();
    assert_eq!((status.state, status.keychain_available), (KeyState::Keychain, true));
    assert!(status.masked.is_some_and(|m| !m.contains(&KEY[6..])), "only a masked key reaches the UI");
    assert_eq!(again.delete_key().await.unwrap().state, KeyState::None);
    assert!(store.api_key().unwrap().is_none(), "deleting the key removes it from the store");

    // A session-only key never reaches the store.
    again.set_key(KEY, true).await.unwrap();
    assert!(store.api_key().unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_keychain_locked_a_session_key_still_works_and_keeping_one_says_why_not() {
    let sim = Sim::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let locked = keychain::Error::Locked { detail: "the login keyring is locked".into() };
    let studio = open_with(StudioOptions {
        session_key: Some(KEY.into()),
        secrets: Arc::new(MemoryStore::failing(locked)),
        ..options(&sim, dir.path())
    })
    .await;
    let status = studio.key_status();
    assert_eq!((status.state, status.keychain_available), (KeyState::Session, false));
    assert!(status.keychain_message.unwrap().contains("Unlock your keyring"));

    let kept = studio.set_key(KEY, false).await.unwrap_err();
    assert_eq!(kept.kind, "keychain_locked");
    assert_eq!(kept.action, Some(ErrorAction::FixSettings));
    assert_eq!(studio.key_status().state, KeyState::Session, "the session key is still in use");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bucket_secret_goes_to_the_secret_store_never_the_settings_file() {
    let sim = Sim::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::new());
    let studio = open_with(StudioOptions { secrets: store.clone(), ..options(&sim, dir.path()) }).await;
    let mut s = studio.app_state().unwrap().settings;
    s.image_hosting = common::unserved_bucket();
    let saved = studio.save_settings(s, Some("  s3-secret-value  ".into())).await.unwrap();
    assert!(matches!(saved.image_hosting, ImageHosting::S3 { secret_set: true, .. }));
    assert_eq!(store.get(Secret::BucketSecret).unwrap().as_deref(), Some("s3-secret-value"));
    for file in common::files_under(dir.path()) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(!bytes.windows(15).any(|w| w == b"s3-secret-value"), "the secret was written to {}", file.display());
    }
}

/// What a drop or the window may hand over for a start image: a path (spaces and accents
/// included), a `file:` URI naming one, or something that is not a local file, refused with the
/// reason on the image slot.
#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_path_is_read_as_a_local_file_or_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let studio =
        open_with(common::studio_options("http://127.0.0.1:9/v1".into(), &data, Arc::new(MemoryStore::new()))).await;
    let png = dir.path().join("a b ü 日本 100%.png");
    write_test_png(&png, 64, 48);

    let image = studio.stage_image_file(png.clone()).await.unwrap();
    assert_eq!((image.width, image.height, image.source_name.as_str()), (64, 48, "a b ü 日本 100%.png"));
    let uri = url::Url::from_file_path(&png).unwrap().to_string();
    assert!(uri.starts_with("file:///") && uri.contains("%20"), "{uri}");
    let image = studio.stage_image_file(uri.into()).await.unwrap();
    assert_eq!(image.source_name, "a b ü 日本 100%.png", "the URI's name, decoded");

    for (given, why) in [
        ("https://example.com/cat.png", "web address"),
        ("smb://nas/share/cat.png", "\"smb:\" addresses"),
        ("cat.png", "not a full path"),
    ] {
        let e = studio.stage_image_file(given.into()).await.unwrap_err();
        assert_eq!((e.kind.as_str(), e.field), ("io", Some(kyma_studio::error_kind::Field::Image)), "{given}");
        assert!(e.message.contains(why), "{given}: {}", e.message);
    }
}

/// Issue 13: takes, seeds, the aspect, "Avoid" and the end frame, end to end through the
/// simulator: what was recorded, what Kyma received, what it cost, and what "Use these
/// settings" gives back.
#[tokio::test(flavor = "multi_thread")]
async fn takes_seeds_aspect_and_end_frame_reach_kyma_and_come_back() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let studio = open_with(StudioOptions { session_key: Some(KEY.into()), ..options(&sim, dir.path()) }).await;
    let mut events = studio.subscribe();
    let before = common::sim::entries(&sim.ledger().await).len();

    // Three takes of seedance-2-fast at 9:16, seed 41: three jobs, three keys, seeds 41–43.
    let three = studio
        .generate(Draft {
            model: "seedance-2-fast".into(),
            prompt: "three takes of a kite".into(),
            duration: 1,
            options: kyma_studio::api::ShotOptions {
                aspect: Some("9:16".into()),
                seed: Some(41),
                ..Default::default()
            },
            takes: 3,
            ..Draft::default()
        })
        .await
        .unwrap();
    assert_eq!(three.len(), 3);
    for job in &three {
        let done = settled(&studio, job.id).await;
        assert_eq!(done.status, Status::Succeeded, "{:?}", done.error_message);
        assert_eq!(done.shot.aspect.as_deref(), Some("9:16"));
        assert_eq!(
            done.shot.take_index.map(|i| i as usize),
            Some(three.iter().position(|j| j.id == job.id).unwrap() + 1)
        );
    }
    let gens: Vec<_> = three.iter().map(|j| studio.engine().get(j.id).unwrap()).collect();
    assert!(gens.windows(2).all(|w| w[0].shot.take_group == w[1].shot.take_group && w[0].shot.take_group.is_some()));
    let keys: std::collections::HashSet<_> = gens.iter().map(|g| g.idempotency_key.clone()).collect();
    assert_eq!(keys.len(), 3, "three idempotency keys");
    let sim_jobs = sim.public("/_sim/jobs").await;
    let sent: Vec<&serde_json::Value> =
        sim_jobs.as_array().unwrap().iter().filter(|j| keys.contains(j["idempotency_key"].as_str().unwrap())).collect();
    let mut seeds: Vec<i64> = sent.iter().map(|j| j["extra"]["seed"].as_i64().unwrap()).collect();
    seeds.sort_unstable();
    assert_eq!(seeds, [41, 42, 43], "three different seeds reached Kyma");
    assert!(sent.iter().all(|j| j["extra"]["aspect_ratio"] == "9:16"));
    let charges: Vec<_> =
        common::sim::entries(&sim.ledger().await)[before..].iter().filter(|(k, _)| k == "charge").cloned().collect();
    assert_eq!(charges.len(), 3, "three charges");
    assert!(charges.iter().all(|(_, m)| *m == -326_565), "{charges:?}");
    let frame = kyma_studio::media::mp4::video_size(&studio.clip_path(three[0].id).unwrap()).unwrap();
    assert_eq!(
        gens[0].clip_size.or(studio.engine().get(three[0].id).unwrap().clip_size),
        Some(frame),
        "the frame is recorded"
    );

    // Kling with start and end frames and "Avoid": the end frame goes under kling-3's own key.
    let start = studio.stage_image_bytes(png_of(900, 1600, [200, 30, 30]), "start.png".into()).await.unwrap();
    let end = studio.stage_image_bytes(png_of(900, 1600, [30, 30, 200]), "end.png".into()).await.unwrap();
    let kling = studio
        .generate(Draft {
            model: "kling-3-pro".into(),
            prompt: "from red to blue".into(),
            duration: 1,
            image_id: Some(start.id.clone()),
            end_image_id: Some(end.id.clone()),
            options: kyma_studio::api::ShotOptions { negative_prompt: Some("blur, text".into()), ..Default::default() },
            ..Draft::default()
        })
        .await
        .unwrap()
        .remove(0);
    let done = ended(&mut events, kling.id, Duration::from_secs(60)).await.expect("the kling clip finished");
    assert_eq!(done.status, Status::Succeeded, "{:?}", done.error_message);
    let g = studio.engine().get(kling.id).unwrap();
    let sent = sim
        .public("/_sim/jobs")
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["idempotency_key"] == g.idempotency_key.as_str())
        .cloned()
        .unwrap();
    assert_eq!(sent["extra"]["negative_prompt"], "blur, text");
    assert!(
        sent["extra"]["end_image_url"].as_str().unwrap().starts_with("data:image/jpeg;base64,"),
        "{}",
        sent["extra"]
    );
    assert!(sent["extra"].get("aspect_ratio").is_none(), "Kling image-to-video follows the image");
    assert!(
        dir.path().join("start-images").join(g.shot.end_image_file.as_deref().unwrap()).is_file(),
        "the end frame is kept"
    );

    // "Use these settings": every option back, the frames staged again as pictures.
    let back = studio.settings_of(kling.id).await.unwrap();
    assert_eq!(back.draft.model, "kling-3-pro");
    assert_eq!(back.draft.options.negative_prompt.as_deref(), Some("blur, text"));
    assert_eq!((back.image.as_ref().unwrap().width, back.end_image.as_ref().unwrap().height), (900, 1600));
    let names =
        (back.image.as_ref().unwrap().source_name.as_str(), back.end_image.as_ref().unwrap().source_name.as_str());
    assert_eq!(names, ("start.png", "end.png"), "the frames keep the names they came with");
    assert_eq!(back.draft.end_image_id.as_deref(), Some(back.end_image.as_ref().unwrap().id.as_str()));
    let again = studio.generate(back.draft).await.unwrap().remove(0);
    let g2 = studio.engine().get(again.id).unwrap();
    assert_eq!(
        (g2.shot.negative_prompt.as_deref(), g2.shot.end_image_kind),
        (Some("blur, text"), kyma_studio::jobs::ImageKind::File)
    );
    assert_eq!((g2.image_source.as_deref(), g2.shot.end_image_source.as_deref()), (Some("start.png"), Some("end.png")));
    let again2 = studio.engine().get(studio.again(kling.id).await.unwrap().id).unwrap();
    assert_eq!(again2.image_source.as_deref(), Some("start.png"), "Again keeps the frame's first name too");
    let seed_back = studio.settings_of(three[1].id).await.unwrap();
    assert_eq!((seed_back.draft.options.seed, seed_back.draft.options.aspect.as_deref()), (Some(42), Some("9:16")));
}

/// Every bad option is refused before anything is recorded or sent, with its sentence.
#[tokio::test(flavor = "multi_thread")]
async fn bad_options_are_refused_before_any_post() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let studio = open_with(StudioOptions { session_key: Some(KEY.into()), ..options(&sim, dir.path()) }).await;
    let image = studio.stage_image_bytes(png_of(640, 360, [10, 120, 10]), "s.png".into()).await.unwrap();
    let base = |model: &str| Draft { model: model.into(), prompt: "a test".into(), duration: 1, ..Draft::default() };
    let opts = |aspect: Option<&str>, negative: Option<String>, seed: Option<u32>| kyma_studio::api::ShotOptions {
        aspect: aspect.map(str::to_string),
        negative_prompt: negative,
        cfg_scale: None,
        seed,
    };
    let cases: Vec<(Draft, &str, &str)> = vec![
        (Draft { options: opts(Some("4:3"), None, None), ..base("kling-3-pro") }, "aspect", "kling-3-pro makes 16:9, 9:16 or 1:1 clips; \"4:3\" is not one of them."),
        (Draft { options: opts(Some("9:16"), None, None), image_id: Some(image.id.clone()), ..base("kling-2.5-pro") }, "aspect", "With a start image, kling-2.5-pro follows the start image's shape; leave the aspect ratio unset, or crop the image."),
        (Draft { options: opts(Some("5:4"), None, None), ..base("seedance-2-fast") }, "aspect", "seedance-2-fast makes auto, 21:9, 16:9, 4:3, 1:1, 3:4 or 9:16 clips; \"5:4\" is not one of them."),
        (Draft { end_image_url: Some("http://example.com/end.jpg".into()), image_id: Some(image.id.clone()), ..base("kling-3-pro") }, "end_image", "The end frame link must be an https:// address or an image file on this computer; \"http://example.com/end.jpg\" is neither."),
        (Draft { end_image_url: Some("https://example.com/end.jpg".into()), ..base("seedance-2-pro") }, "end_image", "An end frame needs a start image too: add the first frame, or remove the end frame."),
        (Draft { options: opts(None, None, Some(2_147_483_648)), ..base("seedance-2-fast") }, "seed", "The seed must be a whole number from 0 to 2147483647."),
        (Draft { options: opts(None, None, Some(7)), ..base("kling-3-pro") }, "seed", "kling-3-pro does not take a seed; remove it or choose a model that does."),
        (Draft { options: opts(None, Some("x".repeat(2501)), None), ..base("kling-3-pro") }, "negative", "\"Avoid\" is 2501 characters long; the model accepts at most 2500. Shorten it by 1."),
        (Draft { options: opts(None, Some("blur".into()), None), ..base("seedance-2-fast") }, "negative", "seedance-2-fast does not take a negative prompt (\"Avoid\"); remove it or choose a model that does."),
        (Draft { takes: 5, ..base("seedance-2-fast") }, "takes", "Make 1 to 4 takes at a time; 5 is not in that range."),
        (Draft { takes: 0, ..base("seedance-2-fast") }, "takes", "Make 1 to 4 takes at a time; 0 is not in that range."),
    ];
    for (draft, field, sentence) in cases {
        let e = studio.generate(draft).await.unwrap_err();
        assert_eq!(e.kind.as_str(), "invalid_input", "{sentence}");
        assert_eq!(serde_json::to_value(e.field).unwrap(), field, "{sentence}");
        assert_eq!(e.message, sentence);
    }
    assert!(studio.engine().list().unwrap().is_empty(), "nothing recorded");
    assert!(sim.requests().await.iter().all(|r| !r.starts_with("POST")), "nothing sent");
}

/// Generation `id` once it has ended, polled (several jobs end in any order).
async fn settled(studio: &Studio, id: i64) -> kyma_studio::jobs::Generation {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let g = studio.engine().get(id).unwrap();
        if g.status.is_terminal() {
            return g;
        }
        assert!(std::time::Instant::now() < deadline, "generation {id} still {:?}", g.status);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A solid-colour PNG of the given size.
fn png_of(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb(rgb));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Issue 14 through the app's layer: a board of three models from one draft (options a model
/// lacks left out and noted), its cells kept or rejected, the budget the header shows, a batch
/// refused above the balance before any hold, a batch cancelled with its sentence, and the daily
/// cap from the settings refusing a submit.
#[tokio::test(flavor = "multi_thread")]
async fn boards_batches_and_the_budget_through_the_app() {
    use kyma_studio::jobs::{GroupKind, Mark};
    use kyma_studio::studio::dto::GroupDraft;
    let sim = Sim::start(&["--job-seconds", "0.5", "--rpm", "100000", "--key", "ky-tight=2"]);
    let dir = tempfile::tempdir().unwrap();
    let studio = open_with(StudioOptions { session_key: Some("ky-tight".into()), ..options(&sim, dir.path()) }).await;
    let base = Draft {
        model: String::new(),
        prompt: "a kite over dunes".into(),
        duration: 1,
        options: kyma_studio::api::ShotOptions { aspect: Some("4:3".into()), seed: Some(9), ..Default::default() },
        ..Draft::default()
    };
    let cell = |m: &str| Draft { model: m.into(), ..base.clone() };
    let board = studio
        .make_group(GroupDraft {
            kind: GroupKind::Board,
            title: String::new(),
            drafts: vec![cell("kling-2.5-pro"), cell("kling-3-pro"), cell("seedance-2-fast")],
        })
        .await
        .unwrap();
    assert_eq!(board.title, "a kite over dunes", "an empty title is the prompt");
    assert_eq!(board.cells.len(), 3);
    assert_eq!(board.notes, vec!["kling-2.5-pro: aspect, seed left out", "kling-3-pro: aspect, seed left out"]);
    assert_eq!(board.cells[2].shot.aspect.as_deref(), Some("4:3"));
    assert_eq!(board.cells[2].shot.seed, Some(9));
    for c in &board.cells {
        settled(&studio, c.id).await;
    }
    let kept = studio.set_mark(board.cells[1].id, Some(Mark::Keep)).unwrap();
    assert_eq!(kept.mark, Some(Mark::Keep));
    let view = studio.group_view(board.id).unwrap();
    assert_eq!((view.done, view.spent_micros), (3, 94_500 + 151_200 + 326_565));
    assert_eq!(view.notes, board.notes, "the notes kept with the board, said again when it is reopened");
    assert_eq!(studio.group_list().unwrap().len(), 1);

    let budget = studio.budget().await.unwrap();
    assert_eq!(budget.balance_micros, Some(2_000_000 - 94_500 - 151_200 - 326_565));
    assert_eq!(budget.spent_today_micros, 94_500 + 151_200 + 326_565);
    assert_eq!(budget.daily_cap_micros, None);

    // Above the balance: refused before anything is held.
    let holds = || async {
        let l = sim.public("/_sim/ledger").await;
        l["entries"].as_array().unwrap().iter().filter(|e| e["kind"] == "hold").count()
    };
    let before = holds().await;
    let plain = |p: String| Draft { prompt: p, options: Default::default(), ..cell("kling-2.5-pro") };
    // A batch's rows are checked as they are: Kling makes no 4:3, said with the row.
    let e = studio
        .make_group(GroupDraft {
            kind: GroupKind::Batch,
            title: "4:3".into(),
            drafts: vec![plain("ok".into()), cell("kling-2.5-pro")],
        })
        .await
        .unwrap_err();
    assert!(e.message.starts_with("Row 2: "), "{}", e.message);
    let many: Vec<Draft> = (0..16).map(|i| plain(format!("row {i}"))).collect();
    let e = studio
        .make_group(GroupDraft { kind: GroupKind::Batch, title: "too many".into(), drafts: many })
        .await
        .unwrap_err();
    assert_eq!((e.kind.as_str(), e.action), ("insufficient_credit", Some(ErrorAction::AddCredit)));
    assert!(e.message.contains("your Kyma balance is $1.43"), "{}", e.message);
    assert_eq!(holds().await, before);
    assert_eq!(studio.group_list().unwrap().len(), 1);

    // A batch paused at once and cancelled: nothing of it was sent, nothing charged.
    let few: Vec<Draft> = (0..3).map(|i| plain(format!("few {i}"))).collect();
    studio.engine().set_queue_cap(0);
    let batch =
        studio.make_group(GroupDraft { kind: GroupKind::Batch, title: "three".into(), drafts: few }).await.unwrap();
    assert_eq!(studio.pause_group(batch.id).unwrap().state, kyma_studio::jobs::GroupState::Paused);
    let cancelled = studio.cancel_group(batch.id).await.unwrap();
    assert_eq!((cancelled.dropped, cancelled.at_kyma), (3, 0));
    assert_eq!(cancelled.message, "3 clips were dropped before they were sent: nothing was charged for them.");
    studio.engine().set_queue_cap(12);
    assert_eq!(holds().await, before);

    // The daily cap from the settings: today's $0.57 + $0.76 would pass $1.00.
    let mut s = studio.app_state().unwrap().settings;
    s.daily_cap_micros = Some(1_000_000);
    studio.save_settings(s, None).await.unwrap();
    let e = studio
        .generate(Draft { model: "kling-3-pro".into(), duration: 5, options: Default::default(), ..base.clone() })
        .await
        .unwrap_err();
    assert_eq!((e.kind.as_str(), e.action), ("over_budget", Some(ErrorAction::FixSettings)));
    assert!(e.message.contains("past your daily cap of $1.00"), "{}", e.message);
    assert_eq!(holds().await, before);
}
