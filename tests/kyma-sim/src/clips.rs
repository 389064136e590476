//! Renders real MP4 clips with ffmpeg (H.264, the model's resolution, AAC stereo for audio
//! models) and caches them on disk, shared safely between simulators: a clip is written under
//! a temporary name and renamed into place.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tokio::process::Command;
use tokio::sync::{Mutex, Semaphore};

use crate::books::{random_hex, StartImage};
use crate::images::hex;

/// Bump when the rendering changes, so old cached clips are not served.
const RENDER_VERSION: &str = "kyma-sim-clip-v1";
const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const FPS: u32 = 24;

/// What a clip must look like.
pub struct ClipSpec {
    pub width: u32,
    pub height: u32,
    pub audio: bool,
    pub duration_s: i64,
    pub image: Option<Arc<StartImage>>,
    /// A few words of the prompt, drawn on text-to-video clips.
    pub caption: String,
}

impl ClipSpec {
    /// The frame size: the model's, or for image-to-video the image scaled so its longer
    /// side is the model's longer side, aspect kept, sides even.
    pub fn frame_size(&self) -> (u32, u32) {
        match &self.image {
            None => (self.width, self.height),
            Some(img) => fit_long_side(img.width, img.height, self.width.max(self.height)),
        }
    }

    fn cache_key(&self) -> String {
        let (w, h) = self.frame_size();
        let image = self.image.as_ref().map(|i| i.sha256.as_str()).unwrap_or("-");
        let caption = if self.image.is_some() { "" } else { &self.caption };
        let id = format!("{RENDER_VERSION}|{w}x{h}|audio={}|{}s|{image}|{caption}", self.audio, self.duration_s);
        hex(&Sha256::digest(id.as_bytes()))
    }
}

pub fn fit_long_side(width: u32, height: u32, long: u32) -> (u32, u32) {
    let even = |x: f64| ((x / 2.0).round() as u32).max(1) * 2;
    let (w, h) = (f64::from(width), f64::from(height));
    if width >= height {
        (even(f64::from(long)), even(h * f64::from(long) / w))
    } else {
        (even(w * f64::from(long) / h), even(f64::from(long)))
    }
}

/// The first words of a prompt, reduced to characters drawtext needs no escaping for.
pub fn caption(prompt: &str) -> String {
    let words: Vec<String> = prompt
        .split_whitespace()
        .map(|w| w.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>())
        .filter(|w| !w.is_empty())
        .take(5)
        .collect();
    words.join(" ").chars().take(48).collect()
}

pub struct Renderer {
    cache_dir: PathBuf,
    /// One lock per clip, so concurrent downloads of one clip render it once.
    in_flight: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// ffmpeg runs at a time.
    permits: Semaphore,
}

impl Renderer {
    pub fn new(cache_dir: PathBuf) -> Self {
        Renderer { cache_dir, in_flight: Mutex::new(HashMap::new()), permits: Semaphore::new(2) }
    }

    /// The path of the rendered clip, rendering it first when it is not cached.
    pub async fn clip(&self, spec: &ClipSpec) -> Result<PathBuf, String> {
        let key = spec.cache_key();
        let path = self.cache_dir.join(format!("{key}.mp4"));
        let lock = {
            let mut in_flight = self.in_flight.lock().await;
            in_flight.entry(key.clone()).or_default().clone()
        };
        let _rendering = lock.lock().await;
        if tokio::fs::metadata(&path).await.is_ok_and(|m| m.len() > 0) {
            return Ok(path);
        }
        tokio::fs::create_dir_all(&self.cache_dir)
            .await
            .map_err(|e| format!("cannot create cache dir {}: {e}", self.cache_dir.display()))?;
        let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
        let tmp = self.cache_dir.join(format!(".{key}.{}.tmp", random_hex(8)));
        let result = render(spec, &tmp).await;
        let result = match result {
            Ok(()) => tokio::fs::rename(&tmp, &path).await.map_err(|e| format!("cannot store clip: {e}")),
            Err(e) => Err(e),
        };
        if result.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        result.map(|()| path)
    }
}

async fn render(spec: &ClipSpec, out: &Path) -> Result<(), String> {
    let scratch = tempfile::tempdir().map_err(|e| format!("cannot make a temp dir: {e}"))?;
    let image_path = match &spec.image {
        Some(img) => {
            let p = scratch.path().join(format!("start.{}", img.ext));
            tokio::fs::write(&p, &img.bytes).await.map_err(|e| format!("cannot write image: {e}"))?;
            Some(p)
        }
        None => None,
    };
    let with_caption = image_path.is_none() && !spec.caption.is_empty() && Path::new(FONT).exists();
    match run_ffmpeg(spec, image_path.as_deref(), with_caption, out).await {
        // A broken drawtext (no font, no freetype) must not cost the clip.
        Err(_) if with_caption => run_ffmpeg(spec, None, false, out).await,
        result => result,
    }
}

async fn run_ffmpeg(spec: &ClipSpec, image: Option<&Path>, with_caption: bool, out: &Path) -> Result<(), String> {
    let (w, h) = spec.frame_size();
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"]);
    let mut filter = match image {
        Some(path) => {
            cmd.args(["-loop", "1", "-framerate", &FPS.to_string(), "-i"]).arg(path);
            format!("scale={w}:{h}:flags=bicubic,setsar=1")
        }
        None => {
            cmd.args(["-f", "lavfi", "-i", &format!("testsrc2=size={w}x{h}:rate={FPS}")]);
            "setsar=1".to_string()
        }
    };
    if with_caption {
        filter.push_str(&format!(
            ",drawtext=fontfile={FONT}:text='{}':fontcolor=white:fontsize=h/14:box=1:boxcolor=black@0.6:boxborderw=12:x=(w-text_w)/2:y=h-text_h-h/10",
            spec.caption
        ));
    }
    filter.push_str(",format=yuv420p");
    if spec.audio {
        cmd.args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]);
    }
    cmd.args(["-vf", &filter, "-map", "0:v:0"]);
    if spec.audio {
        cmd.args(["-map", "1:a:0", "-c:a", "aac", "-ac", "2", "-b:a", "128k"]);
    } else {
        cmd.arg("-an");
    }
    cmd.args(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]);
    cmd.args(["-t", &spec.duration_s.to_string(), "-movflags", "+faststart", "-f", "mp4"]);
    cmd.arg(out);
    cmd.kill_on_drop(true);
    let output = cmd.output().await.map_err(|e| format!("cannot run ffmpeg: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("ffmpeg failed: {}", String::from_utf8_lossy(&output.stderr).trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_the_long_side_with_even_sides() {
        assert_eq!(fit_long_side(640, 360, 1920), (1920, 1080));
        assert_eq!(fit_long_side(360, 640, 1280), (720, 1280));
        assert_eq!(fit_long_side(1001, 333, 1280), (1280, 426));
        assert_eq!(fit_long_side(100, 100, 1920), (1920, 1920));
    }

    #[test]
    fn captions_are_plain_words() {
        assert_eq!(caption("a cat's 'hat', on: the mat today now"), "a cats hat on the");
    }
}
