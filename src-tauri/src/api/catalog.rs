//! The model catalog: the five models Kyma Studio knows, refreshed from `GET /v1/pricing` and
//! cached on disk. Live rates and allowed durations win; extra live video SKUs are offered too.

use super::money::Micros;
use super::shot::Capabilities;
use super::types::{PricedModel, MAX_DURATION_S, MIN_DURATION_S};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub id: String,
    pub name: String,
    pub best_for: String,
    /// Price of one second of footage.
    pub rate: Micros,
    pub audio: bool,
    /// e.g. "720p"; `None` where Kyma does not say.
    pub resolution: Option<String>,
    pub image_input: bool,
    /// The durations this model accepts, ascending.
    pub durations: Vec<u32>,
    /// True when this entry came from (or was confirmed by) the live catalog.
    pub live: bool,
    /// What the model takes besides prompt, duration and start image (`shot.rs`).
    #[serde(default = "Capabilities::none")]
    pub caps: Capabilities,
}

impl Model {
    pub fn price(&self, duration_s: u32) -> Micros {
        self.rate * duration_s
    }

    pub fn default_duration(&self) -> u32 {
        let want = super::types::DEFAULT_DURATION_S;
        if self.durations.contains(&want) {
            return want;
        }
        self.durations.iter().copied().min_by_key(|d| d.abs_diff(want)).unwrap_or(want)
    }
}

fn all_durations() -> Vec<u32> {
    (MIN_DURATION_S..=MAX_DURATION_S).collect()
}

fn builtin(id: &str, best_for: &str, rate: i64, audio: bool, resolution: Option<&str>) -> Model {
    Model {
        id: id.into(),
        name: id.into(),
        best_for: best_for.into(),
        rate: Micros(rate),
        audio,
        resolution: resolution.map(str::to_string),
        image_input: true,
        durations: all_durations(),
        live: false,
        caps: Capabilities::bundled(id),
    }
}

/// The five models of Kyma's published table (USD per second, markup included).
pub fn builtin_models() -> Vec<Model> {
    vec![
        builtin("kling-2.5-pro", "Budget cinematic clips, b-roll", 94_500, false, None),
        builtin("kling-3-pro", "Premium cinematic, hero brand video", 151_200, false, None),
        builtin("kling-3-pro-audio", "Cinematic with diegetic sound, talking heads", 226_800, true, None),
        builtin("seedance-2-pro", "Action, multi-shot, social with synced audio", 409_590, true, Some("720p")),
        builtin("seedance-2-fast", "Social shorts, rapid iteration, UI motion", 326_565, true, Some("720p")),
    ]
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub models: Vec<Model>,
    /// Which edition of the options table the cached models carry; an older cache gets the
    /// bundled table's options again when it is read.
    #[serde(default)]
    pub options_edition: u32,
}

/// Bump when the bundled options table changes.
const OPTIONS_EDITION: u32 = 1;

impl Default for Catalog {
    fn default() -> Self {
        Catalog { models: builtin_models(), options_edition: OPTIONS_EDITION }
    }
}

impl Catalog {
    pub fn get(&self, id: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.id == id)
    }

    pub fn ids(&self) -> Vec<&str> {
        self.models.iter().map(|m| m.id.as_str()).collect()
    }

    /// The built-in models updated with live prices and durations, plus extra live video SKUs.
    pub fn merged(live: &[PricedModel]) -> Catalog {
        let mut models = builtin_models();
        for p in live {
            let durations = p.allowed_durations.clone().unwrap_or_else(|| {
                let lo = p.min_duration.unwrap_or(MIN_DURATION_S).max(MIN_DURATION_S);
                let hi = p.max_duration.unwrap_or(MAX_DURATION_S).min(MAX_DURATION_S);
                (lo..=hi).collect()
            });
            let durations = if durations.is_empty() { all_durations() } else { durations };
            if let Some(m) = models.iter_mut().find(|m| m.id == p.id) {
                m.rate = p.rate;
                m.durations = durations;
                m.live = true;
                m.caps = Capabilities::bundled(&p.id).with_live(&p.options);
                // The bundled sound and resolution are Kyma's published table; the live ones win.
                m.audio = p.audio.unwrap_or(m.audio);
                m.resolution = p.resolution.clone().or(m.resolution.take());
                m.image_input = p.image_input.unwrap_or(m.image_input);
                if let Some(b) = p.best_for.as_ref().filter(|b| !b.is_empty()) {
                    m.best_for = capitalised(b);
                }
            } else {
                models.push(Model {
                    id: p.id.clone(),
                    name: p.name.clone().unwrap_or_else(|| p.id.clone()),
                    best_for: p.best_for.as_deref().map(capitalised).unwrap_or_default(),
                    rate: p.rate,
                    audio: p.audio.unwrap_or(false),
                    resolution: p.resolution.clone(),
                    image_input: p.image_input.unwrap_or(true),
                    durations,
                    live: true,
                    caps: Capabilities::bundled(&p.id).with_live(&p.options),
                });
            }
        }
        Catalog { models, options_edition: OPTIONS_EDITION }
    }

    /// The cached catalog, or the built-in one when there is no readable cache.
    pub fn load_cached(path: &Path) -> Catalog {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Catalog>(&b).ok())
            .filter(|c| !c.models.is_empty())
            .map(|mut c| {
                if c.options_edition != OPTIONS_EDITION {
                    for m in &mut c.models {
                        m.caps = Capabilities::bundled(&m.id);
                    }
                    c.options_edition = OPTIONS_EDITION;
                }
                c
            })
            .unwrap_or_default()
    }

    pub fn save_cache(&self, path: &Path) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        crate::fsutil::write_atomic(path, &bytes)
    }
}

/// "budget clips" → "Budget clips", as the bundled table writes them.
fn capitalised(s: &str) -> String {
    let mut c = s.trim().chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_prices_match_kyma_table() {
        let c = Catalog::default();
        assert_eq!(c.get("kling-3-pro").unwrap().price(5), Micros(756_000));
        assert_eq!(c.get("seedance-2-fast").unwrap().price(5), Micros(1_632_825));
        assert_eq!(c.get("seedance-2-pro").unwrap().price(5), Micros(2_047_950));
        assert_eq!(c.get("kling-3-pro-audio").unwrap().price(5), Micros(1_134_000));
        assert_eq!(c.get("kling-2.5-pro").unwrap().price(5), Micros(472_500));
        assert!(c.get("seedance-2-pro").unwrap().audio);
        assert!(!c.get("kling-3-pro").unwrap().audio);
    }

    #[test]
    fn live_catalog_wins_and_adds() {
        let live = vec![
            PricedModel {
                id: "kling-3-pro".into(),
                name: None,
                rate: Micros(160_000),
                allowed_durations: Some(vec![5, 10]),
                min_duration: None,
                max_duration: None,
                options: Default::default(),
                audio: None,
                resolution: None,
                image_input: None,
                best_for: None,
            },
            PricedModel {
                id: "veo-3".into(),
                name: Some("Veo 3".into()),
                rate: Micros(500_000),
                allowed_durations: Some(vec![4, 6, 8]),
                min_duration: None,
                max_duration: None,
                options: Default::default(),
                audio: None,
                resolution: None,
                image_input: None,
                best_for: None,
            },
        ];
        let c = Catalog::merged(&live);
        let k = c.get("kling-3-pro").unwrap();
        assert_eq!(k.rate, Micros(160_000));
        assert_eq!(k.durations, vec![5, 10]);
        assert_eq!(k.default_duration(), 5);
        let v = c.get("veo-3").unwrap();
        assert_eq!(v.durations, vec![4, 6, 8]);
        assert_eq!(v.default_duration(), 4);
        assert_eq!(c.models.len(), 6);
    }

    #[test]
    fn cache_round_trip_and_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("catalog.json");
        assert_eq!(Catalog::load_cached(&p), Catalog::default());
        let c = Catalog::merged(&[]);
        c.save_cache(&p).unwrap();
        assert_eq!(Catalog::load_cached(&p), c);
        // A cache written before the options table: its models get the bundled options.
        std::fs::write(
            &p,
            br#"{"models":[{"id":"seedance-2-fast","name":"s","best_for":"","rate":326565,"audio":true,
            "resolution":"720p","image_input":true,"durations":[5],"live":true}]}"#,
        )
        .unwrap();
        let old = Catalog::load_cached(&p);
        assert_eq!(old.get("seedance-2-fast").unwrap().caps, Capabilities::bundled("seedance-2-fast"));
        assert_eq!(old.get("seedance-2-fast").unwrap().durations, vec![5]);
        std::fs::write(&p, b"{not json").unwrap();
        assert_eq!(Catalog::load_cached(&p), Catalog::default());
    }
}
