//! The clips the simulator serves are real: ffprobe checks format, size, length and audio;
//! image-to-video starts on the sent image; downloads honour byte ranges.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod media;

use common::{t2v, Sim, KEY};
use media::{data_uri, download_to, ffprobe, mean_abs_diff, png, rgb_frame, test_image};
use serde_json::{json, Value};

#[tokio::test]
async fn clips_have_the_models_format_length_and_audio() {
    let sim = Sim::start(&["--job-seconds", "0.5"]);
    let dir = tempfile::tempdir().unwrap();
    for (model, duration, size, audio) in
        [("kling-2.5-pro", 2, (1920, 1080), false), ("seedance-2-fast", 1, (1280, 720), true)]
    {
        let job = sim.create(t2v(model, duration)).await;
        let job = sim.finish(job["id"].as_str().unwrap()).await;
        let probe = ffprobe(&download_to(&sim, &job, dir.path()).await);
        let streams = probe["streams"].as_array().unwrap();
        let video = streams.iter().find(|s| s["codec_type"] == "video").unwrap();
        assert_eq!(video["codec_name"], "h264", "{model}");
        assert_eq!(video["pix_fmt"], "yuv420p", "{model}");
        assert_eq!((video["width"].as_u64().unwrap(), video["height"].as_u64().unwrap()), size, "{model}");
        let length: f64 = probe["format"]["duration"].as_str().unwrap().parse().unwrap();
        assert!((length - duration as f64).abs() <= 0.1, "{model}: {length} s");
        let sound: Vec<&Value> = streams.iter().filter(|s| s["codec_type"] == "audio").collect();
        assert_eq!(!sound.is_empty(), audio, "{model}");
        if audio {
            assert_eq!(sound[0]["codec_name"], "aac");
            assert_eq!(sound[0]["channels"], 2);
        }
    }
}

#[tokio::test]
async fn downloads_honour_byte_ranges() {
    let sim = Sim::start(&["--job-seconds", "0.5"]);
    let job = sim.create(t2v("kling-3-pro", 1)).await;
    let job = sim.finish(job["id"].as_str().unwrap()).await;
    let url = job["output"]["url"].as_str().unwrap();

    let whole = sim.http.get(url).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-type"], "video/mp4");
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    let whole = whole.bytes().await.unwrap();
    let total = whole.len();
    assert_eq!(&whole[4..8], b"ftyp");

    let part = sim.http.get(url).header("range", "bytes=100-199").send().await.unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-range"], format!("bytes 100-199/{total}").as_str());
    assert_eq!(part.headers()["content-length"], "100");
    assert_eq!(part.bytes().await.unwrap(), whole.slice(100..200));

    let tail = sim.http.get(url).header("range", format!("bytes={}-", total - 10)).send().await.unwrap();
    assert_eq!(tail.status(), 206);
    assert_eq!(tail.headers()["content-range"], format!("bytes {}-{}/{total}", total - 10, total - 1).as_str());
    assert_eq!(tail.bytes().await.unwrap(), whole.slice(total - 10..));

    let suffix = sim.http.get(url).header("range", "bytes=-5").send().await.unwrap();
    assert_eq!(suffix.status(), 206);
    assert_eq!(suffix.bytes().await.unwrap(), whole.slice(total - 5..));

    let beyond = sim.http.get(url).header("range", format!("bytes={total}-")).send().await.unwrap();
    assert_eq!(beyond.status(), 416);
    assert_eq!(beyond.headers()["content-range"], format!("bytes */{total}").as_str());

    let bogus = format!("{}/files/{}/0000.mp4", sim.url, job["id"].as_str().unwrap());
    assert_eq!(sim.http.get(bogus).send().await.unwrap().status(), 403);
    let stats = sim.public("/_sim/stats").await;
    assert_eq!(stats["downloads"], 5);
}

#[tokio::test]
async fn image_to_video_starts_on_the_sent_image() {
    let sim = Sim::start(&["--job-seconds", "0.5", "--allow-loopback-http"]);
    let dir = tempfile::tempdir().unwrap();
    let landscape = test_image(640, 360);
    let landscape_png = png(&landscape);
    let portrait_png = png(&test_image(270, 480));

    let body = json!({"model": "kling-3-pro", "prompt": "bring it to life", "duration": 1,
                      "image_url": data_uri(&landscape_png)});
    let from_data = sim.create(body).await;
    let from_data_id = from_data["id"].as_str().unwrap();
    // The sim keeps the image exactly as received and serves it over loopback HTTP, which
    // makes it a URL for the next job.
    let image_url = format!("{}/_sim/jobs/{from_data_id}/image", sim.url);
    assert_eq!(sim.http.get(&image_url).send().await.unwrap().bytes().await.unwrap(), landscape_png);
    let from_http =
        sim.create(json!({"model": "seedance-2-pro", "prompt": "again", "duration": 1, "image_url": image_url})).await;
    let portrait = sim
        .create(json!({"model": "seedance-2-fast", "prompt": "tall", "duration": 1,
                       "image_url": data_uri(&portrait_png)}))
        .await;
    let remote = sim
        .create(json!({"model": "kling-2.5-pro", "prompt": "remote", "duration": 1,
                       "image_url": "https://example.com/portrait.jpg"}))
        .await;

    let jobs = sim.public("/_sim/jobs").await;
    let kinds: Vec<&str> = jobs.as_array().unwrap().iter().map(|j| j["image_url_kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["data", "http", "data", "https"]);
    assert_eq!(jobs[0]["image"]["width"], 640);
    assert_eq!(jobs[0]["image"]["sha256"], jobs[1]["image"]["sha256"]);
    assert!(jobs[3]["image"].is_null());

    let source = dir.path().join("landscape.png");
    std::fs::write(&source, &landscape_png).unwrap();
    let mut inverted = landscape.clone();
    image::imageops::invert(&mut inverted);
    let inverted_path = dir.path().join("inverted.png");
    std::fs::write(&inverted_path, png(&inverted)).unwrap();
    let portrait_source = dir.path().join("portrait.png");
    std::fs::write(&portrait_source, &portrait_png).unwrap();

    for (job, size, expected) in [
        (&from_data, (1920, 1080), &source),
        (&from_http, (1280, 720), &source),
        (&portrait, (720, 1280), &portrait_source),
    ] {
        let job = sim.finish(job["id"].as_str().unwrap()).await;
        let clip = download_to(&sim, &job, dir.path()).await;
        let probe = ffprobe(&clip);
        let video = probe["streams"].as_array().unwrap().iter().find(|s| s["codec_type"] == "video").unwrap().clone();
        assert_eq!((video["width"].as_u64().unwrap(), video["height"].as_u64().unwrap()), size);
        let (w, h) = (size.0 as u32 / 4, size.1 as u32 / 4);
        let first = rgb_frame(&clip, w, h);
        let diff = mean_abs_diff(&first, &rgb_frame(expected, w, h));
        assert!(diff < 6.0, "first frame differs from the image by {diff}");
        if expected == &source {
            let wrong = mean_abs_diff(&first, &rgb_frame(&inverted_path, w, h));
            assert!(wrong > 40.0, "the comparison must tell images apart ({wrong})");
        }
    }
    let remote = sim.finish(remote["id"].as_str().unwrap()).await;
    let probe = ffprobe(&download_to(&sim, &remote, dir.path()).await);
    assert_eq!(probe["streams"][0]["width"], 1920);
    assert_eq!(sim.get(KEY, "/v1/credits/balance").await.status(), 200);
}

#[tokio::test]
async fn padded_clips_are_big_valid_mp4s_with_ranges() {
    let sim = Sim::start(&["--job-seconds", "0.5"]);
    let job = sim.create(t2v("kling-3-pro", 1)).await;
    let job = sim.finish(job["id"].as_str().unwrap()).await;
    let url = job["output"]["url"].as_str().unwrap();
    let plain = sim.http.get(url).send().await.unwrap().bytes().await.unwrap();
    let total = 3 * 1024 * 1024 + 7;
    sim.set_faults(json!({ "clip_pad_to_bytes": total })).await;
    let whole = sim.http.get(url).send().await.unwrap();
    assert_eq!(whole.headers()["content-length"], total.to_string().as_str());
    let whole = whole.bytes().await.unwrap();
    assert_eq!(whole.len(), total);
    assert_eq!(whole.slice(..plain.len()), plain, "the clip comes first");
    let pad = (total - plain.len()) as u32;
    assert_eq!(&whole[plain.len()..plain.len() + 8], &[&pad.to_be_bytes()[..], b"free"].concat()[..]);
    assert!(whole[plain.len() + 8..].iter().all(|b| *b == 0));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("padded.mp4");
    std::fs::write(&path, &whole).unwrap();
    let length: f64 = ffprobe(&path)["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!((length - 1.0).abs() <= 0.1, "the padded file still plays its second: {length}");
    // A range across the clip's end and the free box's header.
    let from = plain.len() as u64 - 4;
    let part = sim.http.get(url).header("range", format!("bytes={from}-{}", from + 99)).send().await.unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap(), whole.slice(from as usize..from as usize + 100));
}

#[tokio::test]
async fn an_endless_download_keeps_sending_and_traversal_names_still_answer() {
    let sim = Sim::start(&["--job-seconds", "0.5"]);
    let job = sim.create(t2v("kling-3-pro", 1)).await;
    let id = job["id"].as_str().unwrap().to_string();
    let job = sim.finish(&id).await;
    let url = job["output"]["url"].as_str().unwrap().to_string();

    sim.set_faults(json!({ "hostile": "endless" })).await;
    let mut r = sim.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-length").is_none());
    let mut got = 0usize;
    while got < 20 * 1024 * 1024 {
        got += r.chunk().await.unwrap().expect("the body never ends").len();
    }

    sim.set_faults(json!({ "hostile": "traversal" })).await;
    let lied = sim.job(KEY, &id).await;
    assert_eq!(lied["id"], format!("../../../../tmp/kyma-traversal/{id}").as_str());
    assert!(lied["model"].as_str().unwrap().starts_with("../"));
    let lied_url = lied["output"]["url"].as_str().unwrap();
    assert!(lied_url.contains("..%2F"), "{lied_url}");
    let encoded = lied["id"].as_str().unwrap().replace('/', "%2F");
    assert_eq!(sim.job(KEY, &encoded).await["status"], "succeeded", "the climbing id still answers");
    let bytes = sim.download(lied_url).await;
    assert_eq!(&bytes[4..8], b"ftyp", "the climbing URL still serves the clip");
}
