//! The simulator follows the provider behind each model (src/provider.rs): `extra` is checked
//! as fal would check it, clips come at the provider's frame for the aspect, and an end frame
//! is the clip's last frame.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod media;

use common::{error_code, Sim, KEY};
use media::{
    checked_image, data_uri, download_to, inverted, mean_abs_diff, png, rgb_frame, rgb_frames, test_image, video_size,
};
use serde_json::{json, Value};

const KLINGS: [&str; 3] = ["kling-2.5-pro", "kling-3-pro", "kling-3-pro-audio"];
const SEEDANCES: [&str; 2] = ["seedance-2-pro", "seedance-2-fast"];

fn body(model: &str, image: Option<&str>, extra: Value) -> Value {
    let mut body = json!({ "model": model, "prompt": "a lighthouse at dusk", "duration": 1, "extra": extra });
    if let Some(url) = image {
        body["image_url"] = json!(url);
    }
    body
}

fn small_png_uri() -> String {
    data_uri(&png(&test_image(64, 36)))
}

/// POSTs and expects a 422 invalid_extra; returns its validation errors.
async fn refused(sim: &Sim, body: Value) -> Vec<String> {
    let response = sim.post(KEY, body.clone()).await;
    assert_eq!(response.status(), 422, "{body}");
    let answer: Value = response.json().await.unwrap();
    let error = &answer["error"];
    assert_eq!(error["type"], "invalid_request_error", "{answer}");
    assert_eq!(error["code"], "invalid_extra", "{answer}");
    let sentences: Vec<String> = error["details"]["validation_errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no validation_errors: {answer}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let message = error["message"].as_str().unwrap();
    for sentence in &sentences {
        assert!(sentence.ends_with('.'), "one sentence: {sentence}");
        assert!(message.contains(sentence.as_str()), "{message} lacks {sentence}");
    }
    sentences
}

#[tokio::test]
async fn each_extra_the_provider_lacks_gets_422_with_its_sentence() {
    let sim = Sim::start(&[]);
    let start = small_png_uri();
    let img = Some(start.as_str());
    let end = "https://example.com/end.png";
    let mut cases: Vec<(&str, Option<&str>, Value, &str)> = vec![
        // aspect_ratio: Kling's three, text-to-video only; Seedance's seven.
        ("kling-2.5-pro", None, json!({"aspect_ratio": "4:3"}), "aspect_ratio must be one of 16:9, 9:16, 1:1 for kling-2.5-pro"),
        ("kling-3-pro", None, json!({"aspect_ratio": "auto"}), "aspect_ratio must be one of 16:9, 9:16, 1:1"),
        ("kling-3-pro-audio", None, json!({"aspect_ratio": 1}), "aspect_ratio must be one of"),
        ("kling-2.5-pro", img, json!({"aspect_ratio": "16:9"}), "image-to-video follows the start image's aspect ratio"),
        ("kling-3-pro", img, json!({"aspect_ratio": "9:16"}), "image-to-video follows the start image's aspect ratio"),
        ("kling-3-pro-audio", img, json!({"aspect_ratio": "1:1"}), "image-to-video follows the start image's aspect ratio"),
        ("seedance-2-fast", None, json!({"aspect_ratio": "2:1"}), "aspect_ratio must be one of auto, 16:9, 21:9, 4:3, 1:1, 3:4, 9:16"),
        ("seedance-2-pro", img, json!({"aspect_ratio": "16:10"}), "aspect_ratio must be one of auto,"),
        // The end frame: each family's own key, an image URL like image_url, and for Kling a start image.
        ("kling-2.5-pro", img, json!({"end_image_url": end}), "end_image_url is an unknown parameter for kling-2.5-pro (its end frame is tail_image_url)"),
        ("kling-3-pro", img, json!({"tail_image_url": end}), "tail_image_url is an unknown parameter for kling-3-pro (its end frame is end_image_url)"),
        ("seedance-2-pro", img, json!({"tail_image_url": end}), "tail_image_url is an unknown parameter for seedance-2-pro (its end frame is end_image_url)"),
        ("kling-2.5-pro", img, json!({"tail_image_url": "ftp://example.com/e.png"}), "tail_image_url must be an https:// URL or a data:image/...;base64,... URI."),
        ("kling-3-pro", img, json!({"end_image_url": 5}), "end_image_url must be an https:// URL or a data:image/...;base64,... URI."),
        ("seedance-2-fast", None, json!({"end_image_url": "http://127.0.0.1:9/e.png"}), "end_image_url must be an https:// URL"),
        ("kling-3-pro-audio", img, json!({"end_image_url": "data:image/png;base64,aGVsbG8="}), "end_image_url does not contain a readable image."),
        ("seedance-2-pro", None, json!({"end_image_url": "data:text/plain;base64,aGk="}), "end_image_url must be an https:// URL"),
        ("kling-2.5-pro", None, json!({"tail_image_url": end}), "tail_image_url needs a start image: kling-2.5-pro makes an end frame only from image_url"),
        ("kling-3-pro", None, json!({"end_image_url": end}), "end_image_url needs a start image"),
        ("kling-3-pro-audio", None, json!({"end_image_url": end}), "end_image_url needs a start image"),
        // Kling's negative_prompt and cfg_scale; Seedance has neither.
        ("kling-2.5-pro", None, json!({"negative_prompt": "x".repeat(2501)}), "negative_prompt must be a string of at most 2500 characters."),
        ("kling-3-pro", None, json!({"negative_prompt": ["blur"]}), "negative_prompt must be a string of at most 2500 characters."),
        ("kling-3-pro", None, json!({"cfg_scale": 1.5}), "cfg_scale must be a number from 0 to 1."),
        ("kling-3-pro-audio", None, json!({"cfg_scale": -0.1}), "cfg_scale must be a number from 0 to 1."),
        ("kling-2.5-pro", None, json!({"cfg_scale": "0.5"}), "cfg_scale must be a number from 0 to 1."),
        ("seedance-2-pro", None, json!({"negative_prompt": "blur"}), "negative_prompt is an unknown parameter for seedance-2-pro; it accepts aspect_ratio, end_image_url, seed."),
        ("seedance-2-fast", None, json!({"cfg_scale": 0.5}), "cfg_scale is an unknown parameter for seedance-2-fast"),
        // Seedance's seed: 0..=2^31-1, whole; Kling has none.
        ("seedance-2-pro", None, json!({"seed": -1}), "seed must be a whole number from 0 to 2147483647."),
        ("seedance-2-fast", None, json!({"seed": 2_147_483_648_u64}), "seed must be a whole number from 0 to 2147483647."),
        ("seedance-2-pro", None, json!({"seed": 4.5}), "seed must be a whole number from 0 to 2147483647."),
        ("seedance-2-pro", None, json!({"seed": "42"}), "seed must be a whole number from 0 to 2147483647."),
        ("kling-3-pro", None, json!({"seed": 42}), "seed is an unknown parameter for kling-3-pro; it accepts aspect_ratio, end_image_url, negative_prompt, cfg_scale."),
        // Anything else.
        ("kling-2.5-pro", None, json!({"fps": 30}), "fps is an unknown parameter for kling-2.5-pro; it accepts aspect_ratio, tail_image_url, negative_prompt, cfg_scale."),
        ("seedance-2-fast", None, json!({"start_image_url": end}), "start_image_url is an unknown parameter for seedance-2-fast"),
    ];
    // The inputs Kyma's price depends on, for every model.
    for model in KLINGS.iter().chain(&SEEDANCES) {
        cases.push((model, None, json!({"resolution": "1080p"}), "resolution would change the price"));
        cases.push((model, None, json!({"generate_audio": false}), "generate_audio would change the price"));
        cases.push((model, None, json!({"duration": 10}), "duration would change the price"));
    }
    for (model, image, extra, expected) in cases {
        let sentences = refused(&sim, body(model, image, extra.clone())).await;
        assert_eq!(sentences.len(), 1, "{model} {extra}: {sentences:?}");
        assert!(sentences[0].contains(expected), "{model} {extra}: {:?} lacks {expected:?}", sentences[0]);
    }

    // One sentence per problem, in key order.
    let extra = json!({"seed": -1, "resolution": "480p", "foo": 1, "aspect_ratio": "16:9"});
    let sentences = refused(&sim, body("seedance-2-pro", None, extra)).await;
    assert_eq!(sentences.len(), 3, "{sentences:?}");
    assert!(sentences[0].starts_with("foo is an unknown parameter"), "{sentences:?}");
    assert!(sentences[1].starts_with("resolution would change the price"), "{sentences:?}");
    assert!(sentences[2].starts_with("seed must be"), "{sentences:?}");

    // Nothing was created or held by a refused POST.
    assert!(sim.public("/_sim/jobs").await.as_array().unwrap().is_empty());
    assert!(sim.ledger().await["entries"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn extras_the_provider_has_are_accepted_and_kept_as_sent() {
    let sim = Sim::start(&[]);
    let start = small_png_uri();
    let img = Some(start.as_str());
    let end = "https://example.com/end.png";
    let accepted: Vec<(&str, Option<&str>, Value)> = vec![
        ("kling-2.5-pro", None, json!({"aspect_ratio": "9:16", "negative_prompt": "x".repeat(2500), "cfg_scale": 0})),
        ("kling-2.5-pro", img, json!({"tail_image_url": end, "cfg_scale": 1, "negative_prompt": "blur, distort"})),
        ("kling-3-pro", None, json!({"aspect_ratio": "1:1", "cfg_scale": 0.25})),
        ("kling-3-pro", img, json!({"end_image_url": start})),
        ("kling-3-pro-audio", img, json!({"end_image_url": end, "negative_prompt": ""})),
        ("seedance-2-pro", None, json!({"aspect_ratio": "auto", "seed": 0})),
        ("seedance-2-pro", img, json!({"aspect_ratio": "21:9", "seed": 2_147_483_647, "end_image_url": end})),
        // Seedance makes an end frame without a start image.
        ("seedance-2-fast", None, json!({"end_image_url": end, "seed": 42.0})),
        // JSON null counts as absent for the model's own keys.
        ("seedance-2-fast", None, json!({"seed": null, "aspect_ratio": null})),
        ("kling-3-pro", None, json!({})),
    ];
    for (model, image, extra) in &accepted {
        let response = sim.post(KEY, body(model, *image, extra.clone())).await;
        assert_eq!(response.status(), 202, "{model} {extra}: {}", response.text().await.unwrap());
    }
    let jobs = sim.public("/_sim/jobs").await;
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), accepted.len());
    for (job, (model, _, extra)) in jobs.iter().zip(&accepted) {
        assert_eq!(job["model"], *model);
        assert_eq!(&job["extra"], extra, "the exact object received");
    }
}

#[tokio::test]
async fn extra_is_checked_after_the_image_and_before_the_idempotency_key_and_replay() {
    let sim = Sim::start(&[]);
    let bad_extra = json!({"foo": 1});
    // The start image first.
    let mut both = body("kling-3-pro", Some("data:image/png;base64,aGVsbG8="), bad_extra.clone());
    let response = sim.post(KEY, both.clone()).await;
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(&response.json().await.unwrap()), "invalid_image");
    // Then extra, before the idempotency key's length.
    both["image_url"] = json!(small_png_uri());
    both["idempotency_key"] = json!("k".repeat(129));
    refused(&sim, both).await;
    // And before replay: a known key with a refused extra is refused, not replayed.
    let mut good = body("kling-3-pro", None, json!({"cfg_scale": 0.5}));
    good["idempotency_key"] = json!("shot-1");
    let first = sim.create(good.clone()).await;
    good["extra"] = bad_extra;
    refused(&sim, good.clone()).await;
    good["extra"] = json!({"cfg_scale": 0.5});
    let replay = sim.post(KEY, good).await;
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.json::<Value>().await.unwrap()["id"], first["id"]);
}

#[tokio::test]
async fn clips_come_at_the_providers_frame_for_each_aspect() {
    let sim = Sim::start(&["--job-seconds", "0.2"]);
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<(&str, Value, (u64, u64))> = vec![
        ("kling-2.5-pro", json!({"aspect_ratio": "16:9"}), (1920, 1080)),
        ("kling-3-pro", json!({"aspect_ratio": "9:16"}), (1080, 1920)),
        ("kling-3-pro-audio", json!({"aspect_ratio": "1:1"}), (1440, 1440)),
        ("kling-3-pro", json!({}), (1920, 1080)),
        ("seedance-2-pro", json!({"aspect_ratio": "16:9"}), (1280, 720)),
        ("seedance-2-fast", json!({"aspect_ratio": "4:3"}), (1112, 834)),
        ("seedance-2-pro", json!({"aspect_ratio": "1:1"}), (960, 960)),
        ("seedance-2-fast", json!({"aspect_ratio": "3:4"}), (834, 1112)),
        ("seedance-2-pro", json!({"aspect_ratio": "9:16"}), (720, 1280)),
        ("seedance-2-fast", json!({"aspect_ratio": "21:9"}), (1470, 630)),
        ("seedance-2-pro", json!({"aspect_ratio": "auto"}), (1280, 720)),
        ("seedance-2-fast", json!({}), (1280, 720)),
    ];
    for model in ["kling-2.5-pro", "kling-3-pro-audio"] {
        for (aspect, size) in [("16:9", (1920, 1080)), ("9:16", (1080, 1920)), ("1:1", (1440, 1440))] {
            cases.push((model, json!({"aspect_ratio": aspect}), size));
        }
    }
    let mut ids = Vec::new();
    for (model, extra, _) in &cases {
        ids.push(sim.create(body(model, None, extra.clone())).await["id"].as_str().unwrap().to_string());
    }
    let listed = sim.public("/_sim/jobs").await;
    for ((id, (model, extra, size)), listed) in ids.iter().zip(&cases).zip(listed.as_array().unwrap()) {
        assert_eq!((listed["width"].as_u64().unwrap(), listed["height"].as_u64().unwrap()), *size, "{model} {extra}");
        assert!(listed["end_image"].is_null());
        let job = sim.finish(id).await;
        let clip = download_to(&sim, &job, dir.path()).await;
        assert_eq!(video_size(&clip), *size, "{model} {extra}");
    }
}

#[tokio::test]
async fn image_to_video_follows_the_image_or_seedances_explicit_aspect() {
    let sim = Sim::start(&["--job-seconds", "0.2"]);
    let dir = tempfile::tempdir().unwrap();
    let portrait = checked_image(1080, 1920, 160);
    let portrait_png = png(&portrait);
    let portrait_uri = data_uri(&portrait_png);
    let source = dir.path().join("portrait.png");
    std::fs::write(&source, &portrait_png).unwrap();
    let cases: Vec<(&str, Value, (u64, u64))> = vec![
        // Kling takes the image's aspect at its long side.
        ("kling-3-pro", json!({}), (1080, 1920)),
        ("kling-2.5-pro", json!({"cfg_scale": 0.5}), (1080, 1920)),
        // Seedance: auto or nothing follows the image; an explicit aspect is that aspect.
        ("seedance-2-fast", json!({"aspect_ratio": "auto"}), (720, 1280)),
        ("seedance-2-pro", json!({}), (720, 1280)),
        ("seedance-2-pro", json!({"aspect_ratio": "16:9"}), (1280, 720)),
        ("seedance-2-fast", json!({"aspect_ratio": "1:1"}), (960, 960)),
    ];
    for (model, extra, size) in &cases {
        let job = sim.create(body(model, Some(&portrait_uri), extra.clone())).await;
        let job = sim.finish(job["id"].as_str().unwrap()).await;
        let clip = download_to(&sim, &job, dir.path()).await;
        assert_eq!(video_size(&clip), *size, "{model} {extra}");
        let (w, h) = ((size.0 / 4) as u32, (size.1 / 4) as u32);
        let first = rgb_frame(&clip, w, h);
        if size.1 > size.0 {
            let diff = mean_abs_diff(&first, &rgb_frame(&source, w, h));
            assert!(diff < 6.0, "{model}: the first frame differs from the image by {diff}");
        } else {
            // Scaled to cover the frame and cropped: the image's middle band.
            let band = image::imageops::crop_imm(&portrait, 0, 960 - 1080 * h / w / 2, 1080, 1080 * h / w).to_image();
            let band_path = dir.path().join(format!("band-{w}x{h}.png"));
            std::fs::write(&band_path, png(&band)).unwrap();
            let diff = mean_abs_diff(&first, &rgb_frame(&band_path, w, h));
            assert!(diff < 8.0, "{model} {extra}: the first frame is not the image's middle ({diff})");
            let squeezed = mean_abs_diff(&first, &rgb_frame(&source, w, h));
            assert!(squeezed > 20.0, "{model} {extra}: cropped, not squeezed ({squeezed})");
        }
    }
}

#[tokio::test]
async fn an_end_frame_is_the_clips_last_frame() {
    let sim = Sim::start(&["--job-seconds", "0.2", "--allow-loopback-http"]);
    let dir = tempfile::tempdir().unwrap();
    let start = test_image(640, 360);
    let end = inverted(&start);
    let (start_png, end_png) = (png(&start), png(&end));
    let start_path = dir.path().join("start.png");
    let end_path = dir.path().join("end.png");
    std::fs::write(&start_path, &start_png).unwrap();
    std::fs::write(&end_path, &end_png).unwrap();

    // Kling: start and end frames as data: URIs.
    let with_start = sim
        .create(body("kling-3-pro", Some(&data_uri(&start_png)), json!({"end_image_url": data_uri(&end_png)})))
        .await;
    // The end image served back by the sim is a loopback URL, fetched like image_url.
    let end_url = format!(
        "{}/_sim/jobs/{}/image",
        sim.url,
        sim.create(body("kling-3-pro", Some(&data_uri(&end_png)), json!({}))).await["id"].as_str().unwrap()
    );
    // Seedance without a start image (and with its audio track): the pattern, then the end frame.
    let without_start = sim.create(body("seedance-2-fast", None, json!({"end_image_url": end_url}))).await;
    // Kling 2.5 names it tail_image_url; a 2-second clip.
    let mut tail = body("kling-2.5-pro", Some(&data_uri(&start_png)), json!({"tail_image_url": data_uri(&end_png)}));
    tail["duration"] = json!(2);
    let tail = sim.create(tail).await;
    // An end frame the sim cannot reach offline is accepted and not drawn.
    let remote = sim
        .create(body("kling-3-pro", Some(&data_uri(&start_png)), json!({"end_image_url": "https://example.com/e.png"})))
        .await;

    let jobs = sim.public("/_sim/jobs").await;
    let end_sha = jobs[1]["image"]["sha256"].clone();
    for i in [0, 2, 3] {
        assert_eq!(jobs[i]["end_image"]["sha256"], end_sha, "job {i}");
        assert_eq!(
            (jobs[i]["end_image"]["width"].as_u64(), jobs[i]["end_image"]["height"].as_u64()),
            (Some(640), Some(360))
        );
    }
    assert!(jobs[4]["end_image"].is_null());
    assert_eq!(jobs[2]["width"], 1280);

    for (job, first_like, size) in [
        (&with_start, Some(&start_path), (1920, 1080)),
        (&without_start, None, (1280, 720)),
        (&tail, Some(&start_path), (1920, 1080)),
    ] {
        let job = sim.finish(job["id"].as_str().unwrap()).await;
        let clip = download_to(&sim, &job, dir.path()).await;
        let probe = media::ffprobe(&clip);
        let video = media::video_stream(&probe);
        assert_eq!(video["codec_name"], "h264");
        assert_eq!((video["width"].as_u64().unwrap(), video["height"].as_u64().unwrap()), size);
        let length: f64 = probe["format"]["duration"].as_str().unwrap().parse().unwrap();
        assert!((length - job_duration(&sim, &job).await).abs() <= 0.1, "{length} s");
        let (w, h) = (size.0 as u32 / 4, size.1 as u32 / 4);
        let frames = rgb_frames(&clip, w, h, None);
        let (first, last) = (&frames[0], &frames[frames.len() - 1]);
        let end_frame = rgb_frame(&end_path, w, h);
        let start_frame = rgb_frame(&start_path, w, h);
        let to_end = mean_abs_diff(last, &end_frame);
        assert!(to_end < 6.0, "the last frame differs from the end image by {to_end}");
        assert!(mean_abs_diff(last, &start_frame) > 40.0, "the comparison must tell the images apart");
        match first_like {
            Some(path) => {
                let to_start = mean_abs_diff(first, &rgb_frame(path, w, h));
                assert!(to_start < 6.0, "the first frame differs from the start image by {to_start}");
            }
            None => assert!(mean_abs_diff(first, &end_frame) > 20.0, "the clip starts on the pattern"),
        }
    }
    let probe =
        media::ffprobe(&download_to(&sim, &sim.finish(without_start["id"].as_str().unwrap()).await, dir.path()).await);
    assert!(probe["streams"].as_array().unwrap().iter().any(|s| s["codec_name"] == "aac"), "seedance keeps its audio");
    let remote = sim.finish(remote["id"].as_str().unwrap()).await;
    let frames = rgb_frames(&download_to(&sim, &remote, dir.path()).await, 480, 270, None);
    let still = mean_abs_diff(&frames[frames.len() - 1], &rgb_frame(&start_path, 480, 270));
    assert!(still < 6.0, "no end frame to fade into: the start image is held ({still})");
}

async fn job_duration(sim: &Sim, job: &Value) -> f64 {
    let jobs = sim.public("/_sim/jobs").await;
    let listed = jobs.as_array().unwrap().iter().find(|j| j["id"] == job["id"]).unwrap().clone();
    listed["duration"].as_f64().unwrap()
}
