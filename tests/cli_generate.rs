//! Acceptance: `kyma generate` against kyma-sim makes a valid clip with each of the five models,
//! text-to-video and image-to-video, and the ledger shows one charge per clip = rate x duration.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{entries_for, ffprobe, sha256_hex, stderr, stdout, write_test_png, Kyma, Sim};
use std::path::PathBuf;

const MODELS: [(&str, i64, bool); 5] = [
    ("kling-2.5-pro", 94_500, false),
    ("kling-3-pro", 151_200, false),
    ("kling-3-pro-audio", 226_800, true),
    ("seedance-2-pro", 409_590, true),
    ("seedance-2-fast", 326_565, true),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_model_makes_a_real_clip_text_and_image_to_video() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    let image = kyma.data.path().join("start.png");
    write_test_png(&image, 800, 600);

    let mut runs = Vec::new();
    for (i, (model, _, _)) in MODELS.iter().enumerate() {
        for with_image in [false, true] {
            let duration = (i % 3 + 1) as u32 + u32::from(with_image);
            let mut args = vec![
                "generate".to_string(),
                "--model".into(),
                model.to_string(),
                "--prompt".into(),
                format!("test clip {i} {with_image}"),
                "--duration".into(),
                duration.to_string(),
            ];
            if with_image {
                args.extend(["--image".to_string(), image.display().to_string()]);
            }
            runs.push((model.to_string(), duration, with_image, kyma.run_async(args)));
        }
    }
    let mut results = Vec::new();
    for (model, duration, with_image, run) in runs {
        let out = run.await;
        assert!(out.status.success(), "{model} {with_image}: exit {:?}: {}", out.status.code(), stderr(&out));
        let path = PathBuf::from(stdout(&out).trim());
        results.push((model, duration, with_image, path));
    }

    let ledger = sim.ledger().await;
    let jobs = kyma.jobs();
    assert_eq!(jobs.len(), 10);
    let sim_jobs = sim.public("/_sim/jobs").await;
    for (model, duration, with_image, path) in &results {
        let (_, rate, audio) = MODELS.iter().find(|m| m.0 == model).unwrap();
        let p = ffprobe(path);
        assert_eq!(p.video_codec, "h264", "{model}");
        assert!((p.duration - f64::from(*duration)).abs() <= 0.1, "{model}: {} s for {duration} s", p.duration);
        assert_eq!(p.audio_streams, usize::from(*audio), "{model}: audio streams");

        let job = jobs.iter().find(|j| path.file_name().and_then(|n| n.to_str()) == j["clip_file"].as_str()).unwrap();
        assert_eq!(job["status"], "succeeded");
        let key = job["idempotency_key"].as_str().unwrap();
        let charges: Vec<i64> =
            entries_for(&ledger, key).into_iter().filter(|(k, _)| k == "charge").map(|(_, m)| m).collect();
        assert_eq!(charges, vec![-rate * i64::from(*duration)], "{model}: one charge of rate x duration");
        assert_eq!(job["charged"].as_i64(), Some(rate * i64::from(*duration)));

        let sj = sim_jobs.as_array().unwrap().iter().find(|s| s["idempotency_key"] == key).unwrap();
        if *with_image {
            assert_eq!(sj["image_url_kind"], "data");
            // The very bytes we prepared and stored reached the server.
            let stored =
                std::fs::read(kyma.data.path().join("start-images").join(job["image_file"].as_str().unwrap())).unwrap();
            assert_eq!(sj["image"]["sha256"].as_str().unwrap(), sha256_hex(&stored));
            assert_eq!((sj["image"]["width"].as_u64(), sj["image"]["height"].as_u64()), (Some(800), Some(600)));
        } else {
            assert_eq!(sj["image_url_kind"], "none");
        }
    }
    let all_charges = ledger["entries"].as_array().unwrap().iter().filter(|e| e["kind"] == "charge").count();
    assert_eq!(all_charges, 10, "exactly one charge per clip");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_idempotency_key_returns_the_same_job_without_a_second_hold() {
    use kyma_studio::api::{ApiKey, Client, CreateRequest};
    let sim = Sim::start(&["--job-seconds", "1"]);
    let client = Client::new(&format!("{}/v1", sim.url), ApiKey::new(common::KEY)).unwrap();
    let req = CreateRequest {
        model: "kling-3-pro".into(),
        prompt: "replay".into(),
        duration: 5,
        image_url: None,
        idempotency_key: "replay-key-1".into(),
        extra: None,
    };
    let first = client.create(&req).await.unwrap();
    let second = client.create(&req).await.unwrap();
    assert!(!first.replayed);
    assert!(second.replayed);
    assert_eq!(first.job.id, second.job.id);
    let holds = entries_for(&sim.ledger().await, "replay-key-1").into_iter().filter(|(k, _)| k == "hold").count();
    assert_eq!(holds, 1);
}

#[test]
fn an_https_image_link_passes_through_unchanged() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    let link = "https://images.example.com/portrait.jpg";
    let out = kyma.run(&[
        "generate",
        "--model",
        "kling-3-pro",
        "--prompt",
        "from a link",
        "--duration",
        "1",
        "--image",
        link,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim_jobs = rt.block_on(sim.public("/_sim/jobs"));
    assert_eq!(sim_jobs[0]["image_url_kind"], "https");
    let jobs = kyma.jobs();
    assert_eq!(jobs[0]["image_kind"], "url");
    assert_eq!(jobs[0]["image_url"], link);
}

/// Issue 13: `--aspect`, `--seed` and `--takes` make two portrait takes with their own seeds,
/// `--end-image` sends the last frame under the model's key, and `kyma jobs --json` shows it all.
#[tokio::test(flavor = "multi_thread")]
async fn shot_options_from_the_command_line() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    let args = [
        "generate",
        "--model",
        "seedance-2-fast",
        "--prompt",
        "two takes",
        "--duration",
        "1",
        "--aspect",
        "9:16",
        "--seed",
        "7",
        "--takes",
        "2",
    ];
    let out = kyma.run_async(args.iter().map(|s| s.to_string()).collect()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let paths: Vec<PathBuf> = stdout(&out).lines().map(PathBuf::from).collect();
    assert_eq!(paths.len(), 2, "one path per take: {}", stdout(&out));
    for p in &paths {
        let probe = ffprobe(p);
        assert_eq!((probe.width, probe.height), (720, 1280), "Seedance 720p at 9:16");
    }
    let jobs = kyma.jobs();
    let mut seeds: Vec<i64> = jobs.iter().map(|j| j["shot"]["seed"].as_i64().unwrap()).collect();
    seeds.sort_unstable();
    assert_eq!(seeds, [7, 8]);
    assert!(jobs.iter().all(|j| j["shot"]["aspect"] == "9:16" && j["clip_size"] == serde_json::json!([720, 1280])));

    let start = kyma.data.path().join("start.png");
    let end = kyma.data.path().join("end.png");
    write_test_png(&start, 640, 360);
    write_test_png(&end, 320, 180);
    let out = kyma.run(&[
        "generate",
        "--model",
        "kling-2.5-pro",
        "--prompt",
        "start to end",
        "--duration",
        "1",
        "--image",
        start.to_str().unwrap(),
        "--end-image",
        end.to_str().unwrap(),
        "--negative",
        "blur",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sim_jobs = sim.public("/_sim/jobs").await;
    let last = sim_jobs.as_array().unwrap().last().unwrap();
    assert!(
        last["extra"]["tail_image_url"].as_str().unwrap().starts_with("data:image/jpeg"),
        "kling-2.5's end-frame key"
    );
    assert_eq!(last["extra"]["negative_prompt"], "blur");
    let job = kyma.jobs().into_iter().find(|j| j["model"] == "kling-2.5-pro").unwrap();
    assert_eq!(job["shot"]["end_image_kind"], "file");
    assert_eq!(job["shot"]["end_image_param"], "tail_image_url");
}

/// Each bad option is refused with its sentence and exit code 2, before any request is sent.
#[test]
fn bad_shot_options_cost_nothing() {
    let sim = Sim::start(&[]);
    let kyma = Kyma::new(&sim);
    let cases: [(&[&str], &str); 6] = [
        (
            &["--model", "kling-3-pro", "--aspect", "4:3"],
            "kling-3-pro makes 16:9, 9:16 or 1:1 clips; \"4:3\" is not one of them.",
        ),
        (&["--model", "seedance-2-fast", "--seed", "-1"], "The seed must be a whole number from 0 to 2147483647."),
        (&["--model", "seedance-2-fast", "--negative", "blur"], "seedance-2-fast does not take a negative prompt"),
        (
            &[
                "--model",
                "kling-3-pro",
                "--image",
                "https://example.com/a.jpg",
                "--end-image",
                "http://example.com/b.jpg",
            ],
            "The end frame link must be an https:// address",
        ),
        (&["--model", "seedance-2-fast", "--takes", "5"], "Make 1 to 4 takes at a time; 5 is not in that range."),
        (&["--model", "kling-3-pro", "--seed", "3"], "kling-3-pro does not take a seed"),
    ];
    for (extra, sentence) in cases {
        let mut args = vec!["generate", "--prompt", "x"];
        args.extend_from_slice(extra);
        let out = kyma.run(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(sentence), "{extra:?}: {}", stderr(&out));
    }
    assert!(kyma.jobs().is_empty(), "nothing recorded");
}
