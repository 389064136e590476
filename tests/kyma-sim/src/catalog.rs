//! The five video models the simulator sells, their prices and clip formats, and the tier
//! table. Prices and best-for texts are the contract's (kyma-api.md, Part 1).

use serde_json::{json, Value};

use crate::money::Micros;

/// One video SKU.
pub struct Model {
    pub id: &'static str,
    pub name: &'static str,
    /// Price per second of footage, in micro-dollars.
    pub rate_per_second: Micros,
    /// True when the clip carries an AAC stereo track.
    pub audio: bool,
    /// The resolution Kyma prices; the frame sizes are the provider's (provider.rs).
    pub resolution: &'static str,
    pub best_for: &'static str,
    /// With `--paced`: how long this model takes per clip against the others (1.0 = a job of
    /// `--job-seconds` for a 5-second clip). Assumed: Kyma publishes no timings.
    pub pace: f64,
}

pub const MIN_DURATION: i64 = 1;
pub const MAX_DURATION: i64 = 10;

pub const MODELS: [Model; 5] = [
    Model {
        id: "kling-2.5-pro",
        name: "Kling 2.5 Pro",
        rate_per_second: Micros(94_500),
        audio: false,
        resolution: "1080p",
        best_for: "budget cinematic clips, b-roll",
        pace: 1.0,
    },
    Model {
        id: "kling-3-pro",
        name: "Kling 3 Pro",
        rate_per_second: Micros(151_200),
        audio: false,
        resolution: "1080p",
        best_for: "premium cinematic, hero brand video",
        pace: 1.4,
    },
    Model {
        id: "kling-3-pro-audio",
        name: "Kling 3 Pro (audio)",
        rate_per_second: Micros(226_800),
        audio: true,
        resolution: "1080p",
        best_for: "cinematic with diegetic sound, talking heads",
        pace: 1.7,
    },
    Model {
        id: "seedance-2-pro",
        name: "Seedance 2 Pro",
        rate_per_second: Micros(409_590),
        audio: true,
        resolution: "720p",
        best_for: "action, multi-shot, social with synced audio",
        pace: 1.2,
    },
    Model {
        id: "seedance-2-fast",
        name: "Seedance 2 Fast",
        rate_per_second: Micros(326_565),
        audio: true,
        resolution: "720p",
        best_for: "social shorts, rapid iteration, UI motion",
        pace: 0.6,
    },
];

pub fn find_model(id: &str) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.id == id)
}

impl Model {
    pub fn cost(&self, duration_s: i64) -> Micros {
        Micros(self.rate_per_second.0 * duration_s)
    }
}

/// `GET /v1/pricing`.
pub fn pricing_catalog() -> Value {
    let durations: Vec<i64> = (MIN_DURATION..=MAX_DURATION).collect();
    let media: Vec<Value> = MODELS
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "name": m.name,
                "modality": "video",
                "pricing_mode": "per-second",
                "usd_per_call": m.rate_per_second.usd(),
                "detail": {
                    "min_duration_sec": MIN_DURATION,
                    "max_duration_sec": MAX_DURATION,
                    "allowed_durations": durations,
                    "audio": m.audio,
                    "resolution": m.resolution,
                    "image_input": true,
                    "best_for": m.best_for,
                }
            })
        })
        .collect();
    json!({ "object": "pricing.catalog", "text": [], "media": media })
}

/// `GET /v1/models`.
pub fn model_list() -> Value {
    let data: Vec<Value> = MODELS
        .iter()
        .map(|m| json!({ "id": m.id, "object": "model", "owned_by": "kyma", "modality": "video" }))
        .collect();
    json!({ "object": "list", "data": data })
}

/// Kyma's tiers: `(tier, rpm, video_concurrent, video_queue_cap, unlock)`. Concurrency, queue
/// caps, the tier-0 ban on video and the $5 unlock are the contract's; the RPM of tiers 1–3 is not
/// documented and is assumed here.
pub const TIERS: [(u32, usize, usize, usize, &str); 5] = [
    (0, 30, 0, 0, "free signup; video needs a deposit"),
    (1, 60, 4, 12, "deposit $5"),
    (2, 120, 8, 24, "higher spend"),
    (3, 200, 10, 30, "higher spend"),
    (4, 300, 38, 114, "higher spend"),
];

/// The tier the simulator reports unless started with `--tier`.
pub const DEFAULT_TIER: u32 = 4;

/// `(rpm, video_concurrent, video_queue_cap)` of a tier.
pub fn tier_limits(tier: u32) -> Option<(usize, usize, usize)> {
    TIERS.iter().find(|t| t.0 == tier).map(|t| (t.1, t.2, t.3))
}

/// `GET /v1/limits/tiers`.
pub fn tier_table() -> Value {
    let data: Vec<Value> = TIERS
        .iter()
        .map(|&(tier, rpm, concurrent, queue_cap, unlock)| {
            json!({
                "tier": tier,
                "rpm_limit": rpm,
                "video_concurrent": concurrent,
                "video_queue_cap": queue_cap,
                "video_allowed": concurrent > 0,
                "unlock": unlock,
            })
        })
        .collect();
    json!({ "object": "list", "data": data })
}
