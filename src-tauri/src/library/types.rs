//! The library's query and answer shapes. They cross IPC as they are (ts-rs writes their
//! TypeScript twins into ui/src/lib/ipc/bindings), and the CLI prints them as JSON.

use crate::jobs::Status;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which records a gallery query covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum StatusFilter {
    /// Everything not deleted or forgotten: clips, running jobs and failed/refunded records.
    #[default]
    All,
    /// Succeeded generations (their clip may be missing).
    Clips,
    /// Failed, refunded, expired or rejected: no clip, the record stays.
    Failed,
    /// Not finished yet (queued, at Kyma, downloading).
    Running,
    /// Succeeded, but the clip file is not where the library says (deleted or moved outside the app).
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SortKey {
    #[default]
    Date,
    Cost,
    Duration,
}

/// Text-to-video (no start image) or image-to-video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum VideoKind {
    T2v,
    I2v,
}

/// A clip's shape, for the gallery's filter and tiles: its frame when the clip is in the library,
/// else the aspect asked for, else the start image's (wider than 1.1 : 1 is landscape, narrower
/// than 0.9 : 1 portrait, square between).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Shape {
    Landscape,
    Portrait,
    Square,
}

impl Shape {
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Landscape => "landscape",
            Shape::Portrait => "portrait",
            Shape::Square => "square",
        }
    }

    pub fn of_size(w: u32, h: u32) -> Shape {
        let (w, h) = (u64::from(w) * 10, u64::from(h));
        if w > h * 11 {
            Shape::Landscape
        } else if w < h * 9 {
            Shape::Portrait
        } else {
            Shape::Square
        }
    }

    /// The shape from what is known of a generation, best first (see the type's note).
    pub fn of(clip: Option<(u32, u32)>, aspect: Option<&str>, image: Option<(u32, u32)>) -> Shape {
        let asked = aspect.and_then(crate::api::shot::ratio);
        match (clip.filter(|s| s.0 > 0 && s.1 > 0), asked, image.filter(|s| s.0 > 0 && s.1 > 0)) {
            (Some((w, h)), _, _) | (None, Some((w, h)), _) | (None, None, Some((w, h))) => Shape::of_size(w, h),
            (None, None, None) => Shape::Landscape,
        }
    }
}

/// One gallery query: the search text and every filter. Empty/None means "no filter".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(default)]
#[ts(export)]
pub struct Query {
    /// Words searched in prompts (FTS5, prefix match per word, as you type).
    pub text: String,
    /// Only these models (empty = all).
    pub models: Vec<String>,
    /// RFC 3339 instant, inclusive (created_at >= from).
    pub from: Option<String>,
    /// RFC 3339 instant, exclusive (created_at < to).
    pub to: Option<String>,
    /// Some(true): only clips with sound; Some(false): only silent ones.
    pub audio: Option<bool>,
    pub kind: Option<VideoKind>,
    /// Only clips of this shape.
    pub shape: Option<Shape>,
    pub favourites: bool,
    /// Takes the user kept, rejected, or everything but the rejected.
    pub mark: Option<MarkFilter>,
    /// Only the members of this board or batch.
    #[ts(type = "number | null")]
    pub group: Option<i64>,
    pub status: StatusFilter,
    pub sort: SortKey,
    /// Ascending instead of the default descending (newest, dearest, longest first).
    pub ascending: bool,
    pub offset: u32,
    /// At most 500 rows a page.
    pub limit: u32,
    /// Also records the user deleted or forgot (the spend view lists every clip that cost money).
    pub include_removed: bool,
}

/// A gallery tile: what the grid shows, without the full prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Item {
    #[ts(type = "number")]
    pub id: i64,
    pub status: Status,
    pub model: String,
    /// The prompt's first 280 characters.
    pub prompt: String,
    pub duration_s: u32,
    pub audio: bool,
    pub kind: VideoKind,
    /// Start image size for image-to-video, else None.
    pub image_size: Option<(u32, u32)>,
    /// The clip's frame size, once it is in the library.
    pub frame: Option<(u32, u32)>,
    /// Landscape, portrait or square: the tile's shape.
    pub shape: Shape,
    #[ts(type = "number")]
    pub hold_micros: i64,
    #[ts(type = "number | null")]
    pub charged_micros: Option<i64>,
    #[ts(type = "number | null")]
    pub refunded_micros: Option<i64>,
    pub created_at: String,
    pub favourite: bool,
    /// Succeeded but the file is not there: offer "locate…" and "forget".
    pub missing: bool,
    /// Its library folder is not there (an unplugged drive, a renamed folder): not a missing
    /// clip, and it plays again once the folder is back (see `Library::away`).
    pub away: bool,
    pub error_message: Option<String>,
    /// Set when the user removed the record's clip: only queries with `include_removed` show it.
    #[ts(type = "\"deleting\" | \"trashed\" | \"forgotten\" | null")]
    pub removed: Option<String>,
    /// The user's keep/reject mark.
    pub mark: Option<crate::jobs::Mark>,
    /// The board or batch it was made in.
    #[ts(type = "number | null")]
    pub group_id: Option<i64>,
}

/// The gallery's mark filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MarkFilter {
    Kept,
    Rejected,
    /// Everything the user has not rejected.
    NotRejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Page {
    /// How many records match the query in all.
    pub total: u32,
    pub offset: u32,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Period {
    #[default]
    Day,
    /// ISO weeks, starting Monday.
    Week,
    Month,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[ts(export)]
pub struct SpendQuery {
    /// RFC 3339 instant or YYYY-MM-DD (local midnight); None = since the first clip.
    pub since: Option<String>,
    pub period: Period,
    /// Minutes east of UTC for day/week/month boundaries (the UI's and the CLI's local zone).
    pub utc_offset_minutes: i32,
}

/// Money of one model (or one model in one period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ModelSpend {
    pub model: String,
    #[ts(type = "number")]
    pub charged_micros: i64,
    #[ts(type = "number")]
    pub refunded_micros: i64,
    /// Succeeded generations (charged).
    pub clips: u32,
    /// Failed, refunded or expired generations (refunded).
    pub refunds: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Bucket {
    /// The period's first day, YYYY-MM-DD in the query's zone.
    pub start: String,
    #[ts(type = "number")]
    pub charged_micros: i64,
    /// Per model, only models with money in this period, sorted by model id.
    pub models: Vec<ModelSpend>,
}

/// Everything the spend view and `kyma spend` show, summed from the library's own records,
/// deleted and forgotten clips included (the money was spent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Spend {
    pub since: Option<String>,
    #[ts(type = "number")]
    pub charged_micros: i64,
    #[ts(type = "number")]
    pub refunded_micros: i64,
    /// Held at Kyma now: jobs accepted and not yet settled.
    #[ts(type = "number")]
    pub held_micros: i64,
    pub clips: u32,
    pub refunds: u32,
    pub per_model: Vec<ModelSpend>,
    /// Oldest first; periods with no money are left out.
    pub buckets: Vec<Bucket>,
}

/// How "change library folder" treats the clips already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MoveMode {
    /// Copy each file, verify size and SHA-256, then remove the original.
    Move,
    /// Leave existing clips where they are; only new clips go to the new folder.
    Leave,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MoveReport {
    pub new_dir: String,
    /// Generations whose files now live in the new folder.
    pub moved: u32,
    /// Generations left where they were (by choice, or because moving them failed).
    pub left: u32,
    #[ts(type = "number")]
    pub bytes_moved: u64,
    /// Why the move stopped early, if it did (everything not moved still works where it is).
    pub error: Option<String>,
}

/// A deletion the user may still undo until `undo_until` (RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DeleteTicket {
    #[ts(type = "number")]
    pub id: i64,
    pub undo_until: String,
}

/// The library folder when it is not there (an unplugged drive, a renamed or moved folder).
/// Its records are all kept; nothing is made in its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AwayFolder {
    /// Where the library expects it.
    pub folder: String,
    /// Finished clips recorded in it.
    pub clips: u32,
    /// Unfinished generations whose clip goes there (paid ones wait for it to download).
    pub waiting: u32,
}

/// The records of a library folder pointed at where it is now (`Library::relink`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Relinked {
    pub from: String,
    pub to: String,
    /// Generations whose records now point at `to`.
    pub records: u32,
    /// Finished clips recorded in the folder, and how many of them were found in `to`.
    pub clips: u32,
    pub found: u32,
}
