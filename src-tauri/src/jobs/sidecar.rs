//! The sidecar: a small JSON file written beside every downloaded clip (`<clip>.json` next to
//! `<clip>.mp4`) saying what made it and what it cost. It lets a damaged library be rebuilt from
//! the clips folder alone (see `recovery`), and editors and scripts can read it:
//!
//! ```json
//! { "format": "kyma-studio-clip", "version": 1, "clip_file": "2026-12-07_kling-3-pro_000012.mp4",
//!   "prompt": "…", "model": "kling-3-pro", "duration_s": 5, "has_audio": false,
//!   "options": { "aspect": "16:9", "negative_prompt": null, "cfg_scale": null, "seed": 42 },
//!   "extra": null, "start_image": { "kind": "file", "source": "beach.jpg", "file": "….jpg", "url": null },
//!   "kyma_job_id": "v…", "idempotency_key": "…", "hold_micros": 567000, "charged_micros": 567000,
//!   "created_at": "…Z", "submitted_at": "…Z", "completed_at": "…Z", "downloaded_at": "…Z",
//!   "clip_bytes": 1234567, "clip_width": 1920, "clip_height": 1080 }
//! ```
//! Money is in micro-dollars (1 USD = 1,000,000), times in UTC (RFC 3339).

use super::store::{Generation, ImageKind};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "kyma-studio-clip";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Options {
    pub aspect: Option<String>,
    pub negative_prompt: Option<String>,
    pub cfg_scale: Option<f64>,
    pub seed: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartImage {
    /// "file" (kept in the library's start-images folder) or "url" (the user's link).
    pub kind: String,
    /// The name the user's file had.
    pub source: Option<String>,
    pub file: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    pub format: String,
    pub version: u32,
    pub clip_file: String,
    pub prompt: String,
    pub model: String,
    pub duration_s: u32,
    pub has_audio: bool,
    pub options: Options,
    pub extra: Option<serde_json::Value>,
    pub start_image: Option<StartImage>,
    pub kyma_job_id: Option<String>,
    pub idempotency_key: String,
    pub hold_micros: i64,
    pub charged_micros: Option<i64>,
    pub created_at: String,
    pub submitted_at: Option<String>,
    pub completed_at: Option<String>,
    pub downloaded_at: Option<String>,
    pub clip_bytes: Option<u64>,
    pub clip_width: Option<u32>,
    pub clip_height: Option<u32>,
}

impl Sidecar {
    /// The sidecar of a generation whose clip is in place (None without a clip).
    pub fn of(g: &Generation) -> Option<Sidecar> {
        let clip_file = g.clip_file.clone()?;
        let start_image = match g.image_kind {
            ImageKind::None => None,
            ImageKind::File | ImageKind::Url => Some(StartImage {
                kind: if g.image_kind == ImageKind::File { "file" } else { "url" }.into(),
                source: g.image_source.clone(),
                file: g.image_file.clone(),
                url: g.image_url.clone(),
            }),
        };
        Some(Sidecar {
            format: FORMAT.into(),
            version: VERSION,
            clip_file,
            prompt: g.prompt.clone(),
            model: g.model.clone(),
            duration_s: g.duration_s,
            has_audio: g.has_audio,
            options: Options {
                aspect: g.shot.aspect.clone(),
                negative_prompt: g.shot.negative_prompt.clone(),
                cfg_scale: g.shot.cfg_scale,
                seed: g.shot.seed,
            },
            extra: g.extra_json.as_deref().and_then(|s| serde_json::from_str(s).ok()),
            start_image,
            kyma_job_id: g.kyma_id.clone(),
            idempotency_key: g.idempotency_key.clone(),
            hold_micros: g.hold.0,
            charged_micros: g.charged.map(|c| c.0),
            created_at: g.created_at.clone(),
            submitted_at: g.submitted_at.clone(),
            completed_at: g.completed_at.clone(),
            downloaded_at: g.downloaded_at.clone(),
            clip_bytes: g.clip_bytes,
            clip_width: g.clip_size.map(|s| s.0),
            clip_height: g.clip_size.map(|s| s.1),
        })
    }
}

/// `clips/a.mp4` → `clips/a.json`.
pub fn path_for(clip: &Path) -> PathBuf {
    clip.with_extension("json")
}

/// Writes the sidecar beside the clip in `clips` (atomically: a crash leaves the old one or the
/// new one). Nothing for a generation without a clip.
pub fn write(clips: &Path, g: &Generation) -> std::io::Result<()> {
    let Some(s) = Sidecar::of(g) else { return Ok(()) };
    let path = path_for(&clips.join(&s.clip_file));
    let json = serde_json::to_vec_pretty(&s).map_err(std::io::Error::other)?;
    crate::fsutil::write_atomic(&path, &json)
}

/// Every readable sidecar in `clips` whose clip is there too, by file name order. Files that are
/// not sidecars (or are damaged) are skipped.
pub fn read_all(clips: &Path) -> Vec<Sidecar> {
    let Ok(entries) = std::fs::read_dir(clips) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let s: Sidecar = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
            (s.format == FORMAT && clips.join(&s.clip_file).is_file()).then_some(s)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sidecar_round_trips_and_names_its_clip() {
        let dir = tempfile::tempdir().unwrap();
        let clips = dir.path();
        let store = crate::jobs::Store::open(&dir.path().join("lib.sqlite3")).unwrap();
        let id = store.insert(&crate::jobs::store::NewGeneration::sample("x"), "key-1").unwrap();
        let mut g = store.get(id).unwrap();
        assert!(Sidecar::of(&g).is_none(), "no clip, no sidecar");
        g.clip_file = Some("2026-12-07_kling-3-pro_000001.mp4".into());
        g.charged = Some(crate::api::Micros(567_000));
        g.prompt = "海辺の夕日、カメラがゆっくり動く".into();
        std::fs::write(clips.join("2026-12-07_kling-3-pro_000001.mp4"), b"mp4").unwrap();
        write(clips, &g).unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(clips.join("2026-12-07_kling-3-pro_000001.json")).unwrap()).unwrap();
        assert_eq!(json["format"], "kyma-studio-clip");
        assert_eq!(json["charged_micros"], 567_000);
        assert_eq!(json["idempotency_key"], g.idempotency_key.as_str());
        let read = read_all(clips);
        assert_eq!(read, vec![Sidecar::of(&g).unwrap()]);
        // A sidecar whose clip is gone, and a JSON file that is not a sidecar, are skipped.
        std::fs::remove_file(clips.join("2026-12-07_kling-3-pro_000001.mp4")).unwrap();
        std::fs::write(clips.join("notes.json"), b"{\"a\": 1}").unwrap();
        assert!(read_all(clips).is_empty());
    }
}
