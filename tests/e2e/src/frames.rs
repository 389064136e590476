//! Pictures as numbers: a frame of a clip or an image file decoded by ffmpeg to raw RGB at a
//! given size, and the mean absolute difference of two such pictures (0 = identical, 255 = inverse).

use std::path::Path;
use std::process::Command;

/// (width, height) of the first video stream, by ffprobe.
pub fn video_size(clip: &Path) -> Result<(u32, u32), String> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .args(["stream=width,height", "-of", "csv=p=0:s=x"])
        .arg(clip)
        .output()
        .map_err(|e| format!("ffprobe: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let (w, h) = text.trim().split_once('x').ok_or_else(|| format!("ffprobe {}: {text:?}", clip.display()))?;
    Ok((w.parse().map_err(|_| format!("width {w:?}"))?, h.parse().map_err(|_| format!("height {h:?}"))?))
}

/// The first frame of `input` (a clip or an image), scaled to `w`×`h`, as RGB24 bytes.
pub fn first_frame_rgb(input: &Path, w: u32, h: u32) -> Result<Vec<u8>, String> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(input)
        .args(["-frames:v", "1", "-vf", &format!("scale={w}:{h}:flags=bilinear")])
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .map_err(|e| format!("ffmpeg: {e}"))?;
    let want = (w * h * 3) as usize;
    if out.stdout.len() != want {
        return Err(format!(
            "ffmpeg {}: {} bytes, expected {want}: {}",
            input.display(),
            out.stdout.len(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out.stdout)
}

/// Every frame of the clip `input` in its first (`from_end` false) or last `seconds`, scaled to
/// `w`×`h`, as RGB24 bytes each.
pub fn frames_rgb(input: &Path, w: u32, h: u32, from_end: bool, seconds: f64) -> Result<Vec<Vec<u8>>, String> {
    let mut c = Command::new("ffmpeg");
    c.args(["-v", "error"]);
    if from_end {
        c.args(["-sseof", &format!("-{seconds}")]);
    }
    c.arg("-i").arg(input);
    if !from_end {
        c.args(["-t", &seconds.to_string()]);
    }
    let out = c
        .args(["-vf", &format!("scale={w}:{h}:flags=bilinear"), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .map_err(|e| format!("ffmpeg: {e}"))?;
    let frame = (w * h * 3) as usize;
    if out.stdout.is_empty() || out.stdout.len() % frame != 0 {
        return Err(format!(
            "ffmpeg {}: {} bytes: {}",
            input.display(),
            out.stdout.len(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out.stdout.chunks(frame).map(<[u8]>::to_vec).collect())
}

/// Mean absolute difference per channel, 0..=255.
pub fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    if a.len() != b.len() || a.is_empty() {
        return 255.0;
    }
    let sum: u64 = a.iter().zip(b).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
    sum as f64 / a.len() as f64
}
