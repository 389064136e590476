//! Pictures to send and clips to look at: test images, data URIs, ffprobe and decoded frames.
//! kyma-sim's own tests only (the app's tests include `common`, not this).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use serde_json::Value;

use crate::common::Sim;

pub fn ffprobe(path: &Path) -> Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The first video stream of an ffprobe answer.
pub fn video_stream(probe: &Value) -> &Value {
    probe["streams"].as_array().unwrap().iter().find(|s| s["codec_type"] == "video").expect("a video stream")
}

/// (width, height) of a clip's video stream.
pub fn video_size(path: &Path) -> (u64, u64) {
    let probe = ffprobe(path);
    let video = video_stream(&probe);
    (video["width"].as_u64().unwrap(), video["height"].as_u64().unwrap())
}

/// Decodes one frame of a video or image to RGB24 at `w`x`h` with ffmpeg.
pub fn rgb_frame(path: &Path, w: u32, h: u32) -> Vec<u8> {
    let frames = rgb_frames(path, w, h, Some(1));
    assert_eq!(frames.len(), 1);
    frames.into_iter().next().unwrap()
}

/// Decodes the frames of a video (the first `limit`, or all) to RGB24 at `w`x`h`.
pub fn rgb_frames(path: &Path, w: u32, h: u32, limit: Option<u32>) -> Vec<Vec<u8>> {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-v", "error", "-i"]).arg(path);
    if let Some(n) = limit {
        cmd.args(["-frames:v", &n.to_string()]);
    }
    let out = cmd
        .args(["-vf", &format!("scale={w}:{h}:flags=bicubic"), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let frame = (w * h * 3) as usize;
    assert!(!out.stdout.is_empty() && out.stdout.len().is_multiple_of(frame), "{} bytes", out.stdout.len());
    out.stdout.chunks(frame).map(<[u8]>::to_vec).collect()
}

pub fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    let total: u64 = a.iter().zip(b).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
    total as f64 / a.len() as f64
}

/// A picture with broad, distinct regions, so a wrong frame cannot pass by chance.
pub fn test_image(w: u32, h: u32) -> image::RgbImage {
    checked_image(w, h, 40)
}

/// `test_image` with checks of `cell` pixels: big pictures shrunk into a clip need big checks
/// to survive the scaling and the encoder.
pub fn checked_image(w: u32, h: u32, cell: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        let r = (x * 255 / w) as u8;
        let g = (y * 255 / h) as u8;
        let b = if (x / cell + y / cell).is_multiple_of(2) { 230 } else { 30 };
        image::Rgb([r, g, b])
    })
}

pub fn inverted(img: &image::RgbImage) -> image::RgbImage {
    let mut out = img.clone();
    image::imageops::invert(&mut out);
    out
}

pub fn png(img: &image::RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    img.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    bytes
}

pub fn data_uri(png: &[u8]) -> String {
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png))
}

/// Downloads a succeeded job's clip into `dir`.
pub async fn download_to(sim: &Sim, job: &Value, dir: &Path) -> PathBuf {
    let bytes = sim.download(job["output"]["url"].as_str().unwrap()).await;
    let path = dir.join(format!("{}.mp4", job["id"].as_str().unwrap()));
    std::fs::write(&path, bytes).unwrap();
    path
}
