//! Renders real MP4 clips with ffmpeg (H.264 at the provider's frame size, AAC stereo for
//! audio models, a fade from the start image to an end frame when there is one) and caches
//! them on disk, shared safely between simulators: a clip is written under a temporary name
//! and renamed into place.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tokio::process::Command;
use tokio::sync::{Mutex, Semaphore};

use crate::books::{random_hex, StartImage};
use crate::images::hex;

/// Bump when the rendering changes, so old cached clips are not served.
const RENDER_VERSION: &str = "kyma-sim-clip-v2";
const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const FPS: u32 = 24;
/// With an end frame: the start is held for this share of the clip, then fades into the end
/// frame over `FADE`, which is then held to the last frame.
const HOLD_START: f64 = 0.1;
const FADE: f64 = 0.8;

/// What a clip must look like.
pub struct ClipSpec {
    /// The frame, already resolved from the aspect ratio, the start image or the model's
    /// default (provider.rs).
    pub width: u32,
    pub height: u32,
    pub audio: bool,
    pub duration_s: i64,
    pub image: Option<Arc<StartImage>>,
    /// The last frame (`tail_image_url` / `end_image_url`).
    pub end_image: Option<Arc<StartImage>>,
    /// A few words of the prompt, drawn on text-to-video clips.
    pub caption: String,
}

impl ClipSpec {
    /// Everything the render depends on: the frame size (which carries the aspect), audio,
    /// length, both images and the drawn words.
    fn cache_key(&self) -> String {
        let (w, h) = (self.width, self.height);
        let image = self.image.as_ref().map(|i| i.sha256.as_str()).unwrap_or("-");
        let end = self.end_image.as_ref().map(|i| i.sha256.as_str()).unwrap_or("-");
        let caption = if self.image.is_some() { "" } else { &self.caption };
        let id = format!(
            "{RENDER_VERSION}|{w}x{h}|audio={}|{}s|start={image}|end={end}|{caption}",
            self.audio, self.duration_s
        );
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
    let write = async |name: &str, image: &Option<Arc<StartImage>>| match image {
        Some(img) => {
            let p = scratch.path().join(format!("{name}.{}", img.ext));
            tokio::fs::write(&p, &img.bytes).await.map_err(|e| format!("cannot write image: {e}"))?;
            Ok::<_, String>(Some(p))
        }
        None => Ok(None),
    };
    let start = write("start", &spec.image).await?;
    let end = write("end", &spec.end_image).await?;
    let frames = Frames { start: start.as_deref(), end: end.as_deref() };
    let with_caption = frames.start.is_none() && !spec.caption.is_empty() && Path::new(FONT).exists();
    match run_ffmpeg(spec, &frames, with_caption, out).await {
        // A broken drawtext (no font, no freetype) must not cost the clip.
        Err(_) if with_caption => run_ffmpeg(spec, &frames, false, out).await,
        result => result,
    }
}

/// The image files of a render: the first frame (else the test pattern) and the last.
struct Frames<'a> {
    start: Option<&'a Path>,
    end: Option<&'a Path>,
}

/// A picture scaled to cover the frame and cropped to it (centred): an image of the frame's
/// own aspect is only scaled.
fn cover(w: u32, h: u32) -> String {
    format!("scale={w}:{h}:force_original_aspect_ratio=increase:flags=bicubic,crop={w}:{h},setsar=1")
}

async fn run_ffmpeg(spec: &ClipSpec, frames: &Frames<'_>, with_caption: bool, out: &Path) -> Result<(), String> {
    let (w, h) = (spec.width, spec.height);
    let duration = spec.duration_s as f64;
    // With an end frame the first input runs only until the fade is over.
    let first_len = frames.end.map(|_| format!("{:.3}", duration * (HOLD_START + FADE)));
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"]);
    let mut first = match frames.start {
        Some(path) => {
            cmd.args(["-loop", "1", "-framerate", &FPS.to_string()]);
            if let Some(len) = &first_len {
                cmd.args(["-t", len]);
            }
            cmd.arg("-i").arg(path);
            cover(w, h)
        }
        None => {
            let len = first_len.as_ref().map(|l| format!(":duration={l}")).unwrap_or_default();
            cmd.args(["-f", "lavfi", "-i", &format!("testsrc2=size={w}x{h}:rate={FPS}{len}")]);
            "setsar=1".to_string()
        }
    };
    if with_caption {
        first.push_str(&format!(
            ",drawtext=fontfile={FONT}:text='{}':fontcolor=white:fontsize=h/14:box=1:boxcolor=black@0.6:boxborderw=12:x=(w-text_w)/2:y=h-text_h-h/10",
            spec.caption
        ));
    }
    first.push_str(",format=yuv420p");
    let mut inputs = 1;
    let graph = match frames.end {
        None => format!("[0:v]{first}[v]"),
        Some(path) => {
            cmd.args(["-loop", "1", "-framerate", &FPS.to_string(), "-i"]).arg(path);
            inputs += 1;
            format!(
                "[0:v]{first}[a];[1:v]{},format=yuv420p[b];[a][b]xfade=transition=fade:duration={:.3}:offset={:.3},format=yuv420p[v]",
                cover(w, h),
                duration * FADE,
                duration * HOLD_START
            )
        }
    };
    if spec.audio {
        cmd.args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]);
    }
    cmd.args(["-filter_complex", &graph, "-map", "[v]"]);
    if spec.audio {
        cmd.args(["-map", &format!("{inputs}:a:0"), "-c:a", "aac", "-ac", "2", "-b:a", "128k"]);
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
