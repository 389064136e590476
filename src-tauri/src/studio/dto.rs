//! The shapes that cross IPC to the webview, declared once here; ts-rs generates the TypeScript
//! twins into `ui/src/lib/ipc/bindings/` (committed; CI fails when they drift). No secrets here.

use crate::api::Model;
use crate::error_kind::{ErrorKind, Field};
use crate::jobs::{Generation, Paths, Status};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ModelInfo {
    pub id: String,
    pub name: String,
    pub best_for: String,
    #[ts(type = "number")]
    pub rate_micros: i64,
    pub audio: bool,
    pub resolution: Option<String>,
    pub image_input: bool,
    pub durations: Vec<u32>,
    pub default_duration: u32,
    /// What the model takes besides prompt, duration and start image.
    pub caps: crate::api::Capabilities,
}

impl From<&Model> for ModelInfo {
    fn from(m: &Model) -> ModelInfo {
        ModelInfo {
            id: m.id.clone(),
            name: m.name.clone(),
            best_for: m.best_for.clone(),
            rate_micros: m.rate.0,
            audio: m.audio,
            resolution: m.resolution.clone(),
            image_input: m.image_input,
            durations: m.durations.clone(),
            default_duration: m.default_duration(),
            caps: m.caps.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum KeyState {
    Keychain,
    Session,
    None,
}

/// What the UI may know about the key: whether one is set, and its masked form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KeyStatus {
    pub state: KeyState,
    pub masked: Option<String>,
    pub keychain_available: bool,
    pub keychain_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ImageHosting {
    DataUri,
    S3 { endpoint: String, bucket: String, region: String, access_key_id: String, secret_set: bool },
    PublicUrl,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Settings {
    pub api_base: String,
    pub library_dir: String,
    pub download_concurrency: u32,
    #[ts(type = "number")]
    pub confirm_above_micros: i64,
    pub image_hosting: ImageHosting,
    /// The daily spending cap (None: off, the default): a submit that would take today's
    /// charges and holds past it is refused before anything is sent. The CLI obeys it too.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub daily_cap_micros: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StartImage {
    pub id: String,
    pub width: u32,
    pub height: u32,
    pub source_width: u32,
    pub source_height: u32,
    pub source_name: String,
    /// A small `data:image/jpeg;base64,…` thumbnail.
    pub preview: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Job {
    #[ts(type = "number")]
    pub id: i64,
    pub kyma_id: Option<String>,
    pub status: Status,
    pub remote_status: Option<String>,
    pub model: String,
    pub prompt: String,
    pub duration_s: u32,
    pub image_preview: Option<String>,
    pub image_size: Option<(u32, u32)>,
    #[ts(type = "number")]
    pub hold_micros: i64,
    #[ts(type = "number | null")]
    pub charged_micros: Option<i64>,
    #[ts(type = "number | null")]
    pub refunded_micros: Option<i64>,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub clip_url: Option<String>,
    pub clip_path: Option<String>,
    #[ts(type = "number | null")]
    pub bytes_done: Option<u64>,
    #[ts(type = "number | null")]
    pub bytes_total: Option<u64>,
    pub created_at: String,
    pub submitted_at: Option<String>,
    pub completed_at: Option<String>,
    pub overdue: bool,
    /// The shot's options as they were sent.
    pub shot: JobShot,
    /// The clip's frame size, once it is in the library.
    pub frame: Option<(u32, u32)>,
    /// The board or batch it belongs to, and its place there (from 1).
    #[ts(type = "number | null")]
    pub group_id: Option<i64>,
    pub group_index: Option<u32>,
    /// The user's keep/reject mark.
    pub mark: Option<crate::jobs::Mark>,
}

/// What a generation was made with besides prompt, duration and start image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, Default)]
#[ts(export)]
pub struct JobShot {
    pub aspect: Option<String>,
    pub negative_prompt: Option<String>,
    pub seed: Option<u32>,
    /// The end frame: its loopback URL when it is a kept picture, its link when it was a link.
    pub end_image_preview: Option<String>,
    pub end_image_url: Option<String>,
    pub end_image_size: Option<(u32, u32)>,
    pub end_image_source: Option<String>,
    /// "take 2" of a set made together.
    pub take_index: Option<u32>,
}

impl Job {
    /// The record as the UI sees it; the clip server's URLs (`clip_url`, `image_preview`) are
    /// filled in by the Studio, which knows the server.
    pub fn from_generation(g: &Generation, paths: &Paths) -> Job {
        Job {
            id: g.id,
            kyma_id: g.kyma_id.clone(),
            status: g.status,
            remote_status: g.remote_status.clone(),
            model: g.model.clone(),
            prompt: g.prompt.clone(),
            duration_s: g.duration_s,
            image_preview: None,
            image_size: g.image_width.zip(g.image_height),
            hold_micros: g.estimated.unwrap_or(g.hold).0,
            charged_micros: g.charged.map(|m| m.0),
            refunded_micros: g.refunded.map(|m| m.0),
            error_kind: g.error_kind.clone(),
            error_message: g.error_message.clone(),
            clip_url: None,
            clip_path: paths.clip_path(g).filter(|_| g.clip_file.is_some()).map(|p| p.display().to_string()),
            bytes_done: g.clip_bytes,
            bytes_total: g.clip_bytes,
            created_at: g.created_at.clone(),
            submitted_at: g.submitted_at.clone(),
            completed_at: g.completed_at.clone(),
            overdue: g.overdue,
            shot: JobShot {
                aspect: g.shot.aspect.clone(),
                negative_prompt: g.shot.negative_prompt.clone(),
                seed: g.shot.seed,
                end_image_preview: None,
                end_image_url: g.shot.end_image_url.clone(),
                end_image_size: g.shot.end_image_size,
                end_image_source: g.shot.end_image_source.clone(),
                take_index: g.shot.take_index,
            },
            frame: g.clip_size,
            group_id: g.group_id,
            group_index: g.group_index,
            mark: g.mark,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AppState {
    pub key: KeyStatus,
    pub settings: Settings,
    pub models: Vec<ModelInfo>,
    pub jobs: Vec<Job>,
    pub demo: bool,
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorAction {
    ReplaceKey,
    AddCredit,
    Retry,
    FixSettings,
    /// The library's database was found damaged: restarting opens on the repair offer.
    Restart,
}

impl ErrorAction {
    /// Every action, for the UI to recognise one arriving at run time (generated constants).
    pub const ALL: &'static [ErrorAction] = &[
        ErrorAction::ReplaceKey,
        ErrorAction::AddCredit,
        ErrorAction::Retry,
        ErrorAction::FixSettings,
        ErrorAction::Restart,
    ];
}

/// Every command's error: what went wrong (one of a closed set), the input it concerns if any,
/// a sentence for the user, and what fixes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AppError {
    pub kind: ErrorKind,
    /// The input to change, for bad input: the UI shows the sentence under it.
    pub field: Option<Field>,
    pub message: String,
    pub action: Option<ErrorAction>,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Draft {
    pub model: String,
    pub prompt: String,
    pub duration: u32,
    pub image_id: Option<String>,
    pub image_url: Option<String>,
    /// The end frame: a staged picture, or a link.
    pub end_image_id: Option<String>,
    pub end_image_url: Option<String>,
    /// Aspect ratio, "Avoid", cfg scale, seed.
    pub options: crate::api::ShotOptions,
    /// How many takes (1–4): as many jobs, holds and idempotency keys.
    pub takes: u32,
}

impl Default for Draft {
    fn default() -> Draft {
        Draft {
            model: String::new(),
            prompt: String::new(),
            duration: crate::api::types::DEFAULT_DURATION_S,
            image_id: None,
            image_url: None,
            end_image_id: None,
            end_image_url: None,
            options: Default::default(),
            takes: 1,
        }
    }
}

/// A finished generation's settings, ready to fill the create panel ("Use these settings"): the
/// draft, and its start and end frames staged again as pictures where they were files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Restored {
    pub draft: Draft,
    pub image: Option<StartImage>,
    pub end_image: Option<StartImage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct JobProgress {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub bytes_done: u64,
    #[ts(type = "number | null")]
    pub bytes_total: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct JobProblem {
    #[ts(type = "number")]
    pub id: i64,
    pub error: AppError,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DropHover {
    pub over: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImageDropped {
    pub image: Option<StartImage>,
    pub error: Option<AppError>,
    /// Where the drop landed in the page (CSS pixels): on the end-frame slot it fills that slot.
    pub position: Option<(f64, f64)>,
}

/// `images-dropped`: several files or a folder dropped on the window, for a batch: the pictures
/// among them (a folder's in name order), and how many other files were left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImagesDropped {
    pub paths: Vec<String>,
    pub skipped: u32,
}

/// A gallery tile with the loopback URLs of its poster and clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GalleryItem {
    #[serde(flatten)]
    #[ts(flatten)]
    pub item: crate::library::Item,
    /// `http://127.0.0.1:PORT/<secret>/thumb/<id>`: a small JPEG poster, 404 when none can be made
    /// here (then the webview draws the clip's first frame and hands it over with `thumb_put`).
    pub thumb_url: String,
    /// `http://127.0.0.1:PORT/<secret>/clip/<id>` when the clip is in the library.
    pub clip_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GalleryPage {
    pub total: u32,
    pub offset: u32,
    pub items: Vec<GalleryItem>,
}

/// Everything the player's details panel shows about one generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GalleryDetails {
    /// The full record as the queue shows it: prompt, model, duration, money, Kyma job id, dates,
    /// clip URL and path, start-image URL (`image_preview`).
    pub job: Job,
    pub item: GalleryItem,
    /// The model's resolution from the catalog (e.g. "1080p"), when known.
    pub resolution: Option<String>,
    /// Width × height of the clip's video track, read from the file.
    pub video_size: Option<(u32, u32)>,
    #[ts(type = "number | null")]
    pub clip_bytes: Option<u64>,
    /// Where the start image came from (a file name or a link), for image-to-video.
    pub image_source: Option<String>,
    pub downloaded_at: Option<String>,
}

/// `library-changed`: these generations changed outside the job lifecycle (favourite, deleted,
/// restored, located, forgotten, thumbnail made) or the library folder moved (`all`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LibraryChanged {
    #[ts(type = "number[]")]
    pub ids: Vec<i64>,
    pub all: bool,
}

/// `library-move-progress`: generations handled so far while the library folder moves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MoveProgress {
    pub done: u32,
    pub total: u32,
}

/// A board or batch to make: one draft per cell or row (each one take). A board's drafts share
/// everything but the model; options a model lacks are left out for it, not refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GroupDraft {
    pub kind: crate::jobs::GroupKind,
    /// What the queue and the gallery call it (the prompt when empty).
    pub title: String,
    pub drafts: Vec<Draft>,
}

/// A board or batch with its members, as the queue, the board and the gallery's sets show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GroupView {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: crate::jobs::GroupKind,
    pub title: String,
    pub state: crate::jobs::GroupState,
    pub size: u32,
    /// The total held at submit (what the user confirmed).
    #[ts(type = "number")]
    pub hold_micros: i64,
    /// Charged so far (succeeded members).
    #[ts(type = "number")]
    pub spent_micros: i64,
    /// Members finished (any way) so far.
    pub done: u32,
    pub created_at: String,
    /// Members in their order: a board's cells, a batch's rows.
    pub cells: Vec<Job>,
    /// Options left out per model on a board, e.g. "kling-3-pro: seed" (empty for a batch).
    pub notes: Vec<String>,
}

/// The money around a submit: Kyma's balance when it answered, today's spending and the cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Budget {
    /// `GET /credits/balance`, when it answered with a figure; None hides it.
    #[ts(type = "number | null")]
    pub balance_micros: Option<i64>,
    /// Today's charges and holds (the user's day).
    #[ts(type = "number")]
    pub spent_today_micros: i64,
    #[ts(type = "number | null")]
    pub daily_cap_micros: Option<i64>,
}

/// What cancelling a batch did: members dropped unsent (no charge), and those at Kyma.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CancelOutcome {
    pub dropped: u32,
    pub at_kyma: u32,
    /// The sentence to show: what was dropped, and that jobs at Kyma cannot be stopped.
    pub message: String,
}

/// A prompts file the user chose: its name and its text (read by the core; at most 1 MB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PromptsFile {
    pub name: String,
    pub text: String,
}
