//! Shaping the shot: what each model takes besides model, prompt, duration and start image
//! (aspect ratio, end frame, negative prompt, cfg scale, seed), the values it takes, and the name
//! each has in the request's `extra` object, which Kyma forwards to the provider unchanged.
//!
//! The table is ours, bundled, because Kyma publishes no list of `extra` keys. Source (see
//! `kyma-api.md`, Part 3, researched 2026-12): Kyma routes all five models to fal, and each Kyma
//! rate is fal's × 1.35, so the keys are fal's input names, from fal's model pages:
//! - Kling 2.5 Turbo Pro: `aspect_ratio` 16:9 | 9:16 | 1:1 (text-to-video), `tail_image_url`,
//!   `negative_prompt`, `cfg_scale` 0–1 (default 0.5);
//! - Kling v3 Pro: the same with `end_image_url`; image-to-video follows the image's shape;
//! - Seedance 2.0 (and Fast): `aspect_ratio` auto | 21:9 | 16:9 | 4:3 | 1:1 | 3:4 | 9:16,
//!   `end_image_url`, `seed`.
//!
//! When Kyma's `/v1/pricing` describes a model's options, the live description wins
//! ([`Capabilities::with_live`]). Resolution and sound are not options: each model is priced at
//! its own, so an `extra` that would change them (and so the price) is refused here.

use super::error::InputError;
use super::validate::shown;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The most takes of one shot made at once.
pub const MAX_TAKES: u32 = 4;
/// fal's seeds are 32-bit signed integers; we offer the non-negative half.
pub const MAX_SEED: u32 = i32::MAX as u32;
/// Kling's negative prompt limit (fal: 2500 characters).
pub const MAX_NEGATIVE_CHARS: usize = 2500;
/// The provider inputs that set the resolution, the sound or the length, and so the price.
pub const PRICE_PARAMS: &[&str] = &["resolution", "generate_audio", "audio", "duration", "num_frames", "fps", "mode"];

/// Every aspect ratio any model offers, in the order the picker draws them.
pub const ASPECTS: &[&str] = &["auto", "21:9", "16:9", "4:3", "1:1", "3:4", "9:16"];

/// What one model takes. Crosses IPC (the create panel draws only what the model takes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Capabilities {
    /// The aspect ratios offered (e.g. `["16:9", "9:16", "1:1"]`); empty: the model takes none.
    pub aspects: Vec<String>,
    /// With a start image the clip takes the image's shape, and no aspect ratio is sent.
    pub aspect_follows_image: bool,
    /// The `extra` key of each option; `None`: the model does not take it.
    pub aspect_param: Option<String>,
    pub end_image_param: Option<String>,
    pub negative_prompt_param: Option<String>,
    pub cfg_scale_param: Option<String>,
    pub seed_param: Option<String>,
    /// Where this description comes from: "bundled (fal model pages, 2026-12)" or "Kyma catalog".
    pub source: String,
}

const BUNDLED: &str = "bundled table (fal model pages, researched 2026-12)";

impl Capabilities {
    /// A model the table does not know: nothing beyond the documented request is sent.
    pub fn none() -> Capabilities {
        Capabilities {
            aspects: vec![],
            aspect_follows_image: false,
            aspect_param: None,
            end_image_param: None,
            negative_prompt_param: None,
            cfg_scale_param: None,
            seed_param: None,
            source: "unknown model: no options".into(),
        }
    }

    fn kling(end_param: &str) -> Capabilities {
        Capabilities {
            aspects: strings(&["16:9", "9:16", "1:1"]),
            aspect_follows_image: true,
            aspect_param: Some("aspect_ratio".into()),
            end_image_param: Some(end_param.into()),
            negative_prompt_param: Some("negative_prompt".into()),
            cfg_scale_param: Some("cfg_scale".into()),
            seed_param: None,
            source: BUNDLED.into(),
        }
    }

    fn seedance() -> Capabilities {
        Capabilities {
            aspects: strings(ASPECTS),
            aspect_follows_image: false,
            aspect_param: Some("aspect_ratio".into()),
            end_image_param: Some("end_image_url".into()),
            negative_prompt_param: None,
            cfg_scale_param: None,
            seed_param: Some("seed".into()),
            source: BUNDLED.into(),
        }
    }

    /// The bundled description of a model.
    pub fn bundled(model: &str) -> Capabilities {
        match model {
            "kling-2.5-pro" => Capabilities::kling("tail_image_url"),
            "kling-3-pro" | "kling-3-pro-audio" => Capabilities::kling("end_image_url"),
            "seedance-2-pro" | "seedance-2-fast" => Capabilities::seedance(),
            _ => Capabilities::none(),
        }
    }

    /// The bundled description overridden by what Kyma's catalog says of the model, where it says
    /// anything (`detail.aspect_ratios`, `detail.extra_params`; assumed names, see `types.rs`).
    pub fn with_live(mut self, live: &LiveOptions) -> Capabilities {
        let mut changed = false;
        if let Some(aspects) = &live.aspect_ratios {
            self.aspects = aspects.iter().filter(|a| ASPECTS.contains(&a.as_str())).cloned().collect();
            if !self.aspects.is_empty() && self.aspect_param.is_none() {
                self.aspect_param = Some("aspect_ratio".into());
            }
            changed = true;
        }
        if let Some(params) = &live.extra_params {
            let has = |k: &str| params.iter().any(|p| p == k);
            let pick = |current: Option<String>, names: &[&str]| {
                names.iter().find(|n| has(n)).map(|n| n.to_string()).or(current.filter(|c| has(c)))
            };
            self.end_image_param = pick(self.end_image_param.take(), &["end_image_url", "tail_image_url"]);
            self.negative_prompt_param = pick(self.negative_prompt_param.take(), &["negative_prompt"]);
            self.cfg_scale_param = pick(self.cfg_scale_param.take(), &["cfg_scale"]);
            self.seed_param = pick(self.seed_param.take(), &["seed"]);
            if !has("aspect_ratio") {
                self.aspect_param = None;
                self.aspects.clear();
            }
            changed = true;
        }
        if changed {
            self.source = "Kyma's catalog (/v1/pricing)".into();
        }
        self
    }

    /// True when the model takes an aspect ratio for this kind of clip.
    pub fn takes_aspect(&self, has_start_image: bool) -> bool {
        self.aspect_param.is_some() && !self.aspects.is_empty() && !(has_start_image && self.aspect_follows_image)
    }
}

/// What Kyma's catalog may say of a model's options (absent today; read when present).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LiveOptions {
    pub aspect_ratios: Option<Vec<String>>,
    pub extra_params: Option<Vec<String>>,
}

fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

/// The options a user set for one shot (the end frame travels as an image, beside the start one).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ShotOptions {
    pub aspect: Option<String>,
    pub negative_prompt: Option<String>,
    pub cfg_scale: Option<f64>,
    pub seed: Option<u32>,
}

impl ShotOptions {
    /// Blank text counts as unset.
    pub fn normalized(mut self) -> ShotOptions {
        self.aspect = self.aspect.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
        self.negative_prompt = self.negative_prompt.filter(|n| !n.trim().is_empty());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.aspect.is_none() && self.negative_prompt.is_none() && self.cfg_scale.is_none() && self.seed.is_none()
    }

    /// These options as `caps`'s model takes them, for a board (one idea, many models): what the
    /// model lacks, or an aspect it cannot make, is left out rather than refused, and named in
    /// the answer ("aspect", "negative_prompt", "cfg_scale", "seed"). Values a model does take
    /// still go through `check_options` (an over-long "Avoid" is refused, not cut).
    pub fn for_model(&self, caps: &Capabilities, has_start_image: bool) -> (ShotOptions, Vec<&'static str>) {
        let o = self.clone().normalized();
        let mut dropped = Vec::new();
        let aspect = o.aspect.filter(|a| {
            let takes = caps.aspect_param.is_some()
                && caps.aspects.contains(a)
                && !(has_start_image && caps.aspect_follows_image);
            if !takes {
                dropped.push("aspect");
            }
            takes
        });
        let mut keep = |present: bool, param: &Option<String>, name: &'static str| {
            let takes = param.is_some();
            if present && !takes {
                dropped.push(name);
            }
            takes
        };
        let negative_prompt =
            o.negative_prompt.clone().filter(|_| keep(true, &caps.negative_prompt_param, "negative_prompt"));
        let cfg_scale = o.cfg_scale.filter(|_| keep(true, &caps.cfg_scale_param, "cfg_scale"));
        let seed = o.seed.filter(|_| keep(true, &caps.seed_param, "seed"));
        (ShotOptions { aspect, negative_prompt, cfg_scale, seed }, dropped)
    }
}

/// Checks the options against the model, with the sentence for each refusal.
pub fn check_options(
    model: &str,
    caps: &Capabilities,
    o: &ShotOptions,
    has_start_image: bool,
    has_end_image: bool,
) -> Result<(), InputError> {
    let not_taken = |option: &'static str| InputError::OptionNotTaken { model: model.to_string(), option };
    if let Some(a) = &o.aspect {
        if caps.aspect_param.is_none() || caps.aspects.is_empty() {
            return Err(not_taken("an aspect ratio"));
        }
        if has_start_image && caps.aspect_follows_image {
            return Err(InputError::AspectFollowsImage { model: model.to_string() });
        }
        if !caps.aspects.contains(a) {
            return Err(InputError::Aspect {
                model: model.to_string(),
                aspect: shown(a, 12),
                offered: or_list(&caps.aspects),
            });
        }
    }
    if has_end_image {
        if caps.end_image_param.is_none() {
            return Err(not_taken("an end frame"));
        }
        if !has_start_image {
            return Err(InputError::EndFrameNeedsStart);
        }
    }
    if let Some(n) = &o.negative_prompt {
        if caps.negative_prompt_param.is_none() {
            return Err(not_taken("a negative prompt (\"Avoid\")"));
        }
        let chars = n.chars().count();
        if chars > MAX_NEGATIVE_CHARS {
            return Err(InputError::NegativeTooLong { chars, max: MAX_NEGATIVE_CHARS });
        }
    }
    if let Some(c) = o.cfg_scale {
        if caps.cfg_scale_param.is_none() {
            return Err(not_taken("a cfg scale"));
        }
        if !(0.0..=1.0).contains(&c) {
            return Err(InputError::CfgScale);
        }
    }
    if let Some(s) = o.seed {
        if caps.seed_param.is_none() {
            return Err(not_taken("a seed"));
        }
        if s > MAX_SEED {
            return Err(InputError::Seed);
        }
    }
    Ok(())
}

/// A seed typed as text (the CLI, a pasted value): a whole number from 0 to [`MAX_SEED`].
pub fn parse_seed(text: &str) -> Result<u32, InputError> {
    text.trim().parse::<u32>().ok().filter(|s| *s <= MAX_SEED).ok_or(InputError::Seed)
}

pub fn check_takes(takes: u32) -> Result<(), InputError> {
    if (1..=MAX_TAKES).contains(&takes) {
        Ok(())
    } else {
        Err(InputError::Takes { takes })
    }
}

/// The `extra` object for checked options, named as the table says (the end frame's link is
/// added when the request is built, as the start image's is).
pub fn extra_for(caps: &Capabilities, o: &ShotOptions, has_start_image: bool) -> Option<Value> {
    let mut m = Map::new();
    if let (Some(a), Some(k)) = (&o.aspect, &caps.aspect_param) {
        if caps.takes_aspect(has_start_image) {
            m.insert(k.clone(), Value::String(a.clone()));
        }
    }
    if let (Some(n), Some(k)) = (&o.negative_prompt, &caps.negative_prompt_param) {
        m.insert(k.clone(), Value::String(n.clone()));
    }
    if let (Some(c), Some(k)) = (o.cfg_scale, &caps.cfg_scale_param) {
        if let Some(n) = serde_json::Number::from_f64(c) {
            m.insert(k.clone(), Value::Number(n));
        }
    }
    if let (Some(s), Some(k)) = (o.seed, &caps.seed_param) {
        m.insert(k.clone(), Value::from(s));
    }
    (!m.is_empty()).then_some(Value::Object(m))
}

/// Checks an `extra` object before it is sent: no key that changes the price, none the model
/// does not take.
pub fn check_extra(model: &str, caps: &Capabilities, extra: &Value) -> Result<(), InputError> {
    let Some(map) = extra.as_object() else {
        return Err(InputError::ExtraNotObject);
    };
    let known: Vec<&String> = [
        &caps.aspect_param,
        &caps.end_image_param,
        &caps.negative_prompt_param,
        &caps.cfg_scale_param,
        &caps.seed_param,
    ]
    .into_iter()
    .flatten()
    .collect();
    for key in map.keys() {
        if PRICE_PARAMS.contains(&key.as_str()) {
            return Err(InputError::PriceParam { key: shown(key, 30) });
        }
        if !known.contains(&key) {
            return Err(InputError::UnknownParam { model: model.to_string(), key: shown(key, 30) });
        }
    }
    Ok(())
}

/// The seeds of `takes` takes: the chosen seed and the next ones, or random ones.
pub fn take_seeds(seed: Option<u32>, takes: u32) -> Vec<u32> {
    let first = seed.unwrap_or_else(random_seed);
    (0..takes).map(|i| ((u64::from(first) + u64::from(i)) % (u64::from(MAX_SEED) + 1)) as u32).collect()
}

pub fn random_seed() -> u32 {
    let b = *uuid::Uuid::new_v4().as_bytes();
    u32::from_le_bytes([b[0], b[1], b[2], b[3]]) & MAX_SEED
}

/// The shape's width and height in whole numbers ("9:16" → (9, 16)); `None` for "auto".
pub fn ratio(aspect: &str) -> Option<(u32, u32)> {
    let (w, h) = aspect.split_once(':')?;
    Some((w.parse().ok()?, h.parse().ok()?))
}

/// "16:9, 9:16 or 1:1".
fn or_list(items: &[String]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_board_leaves_out_what_each_model_lacks() {
        let all = super::ShotOptions {
            aspect: Some("4:3".into()),
            negative_prompt: Some("blur".into()),
            cfg_scale: Some(0.4),
            seed: Some(7),
        };
        let kling = super::Capabilities::bundled("kling-3-pro");
        let seedance = super::Capabilities::bundled("seedance-2-fast");
        let (k, dropped) = all.for_model(&kling, false);
        assert_eq!((k.aspect, k.seed), (None, None), "Kling makes no 4:3 and takes no seed");
        assert_eq!((k.negative_prompt.as_deref(), k.cfg_scale), (Some("blur"), Some(0.4)));
        assert_eq!(dropped, vec!["aspect", "seed"]);
        let (s, dropped) = all.for_model(&seedance, true);
        assert_eq!((s.aspect.as_deref(), s.seed, s.negative_prompt, s.cfg_scale), (Some("4:3"), Some(7), None, None));
        assert_eq!(dropped, vec!["negative_prompt", "cfg_scale"]);
        let square = super::ShotOptions { aspect: Some("1:1".into()), ..Default::default() };
        assert_eq!(square.for_model(&kling, false).0.aspect.as_deref(), Some("1:1"));
        assert_eq!(
            square.for_model(&kling, true),
            (super::ShotOptions::default(), vec!["aspect"]),
            "Kling i2v follows the image"
        );
        for (model, has_start) in [("kling-2.5-pro", true), ("seedance-2-pro", false), ("kling-3-pro-audio", false)] {
            let caps = super::Capabilities::bundled(model);
            let (o, _) = all.for_model(&caps, has_start);
            assert!(super::check_options(model, &caps, &o, has_start, false).is_ok(), "{model}: what is left is taken");
        }
    }

    use super::*;
    use serde_json::json;

    fn opts(aspect: Option<&str>, negative: Option<&str>, seed: Option<u32>) -> ShotOptions {
        ShotOptions {
            aspect: aspect.map(str::to_string),
            negative_prompt: negative.map(str::to_string),
            cfg_scale: None,
            seed,
        }
    }

    #[test]
    fn the_table_names_each_models_keys() {
        let k25 = Capabilities::bundled("kling-2.5-pro");
        assert_eq!(k25.end_image_param.as_deref(), Some("tail_image_url"));
        assert_eq!(k25.aspects, ["16:9", "9:16", "1:1"]);
        assert!(k25.seed_param.is_none());
        let k3 = Capabilities::bundled("kling-3-pro-audio");
        assert_eq!(k3.end_image_param.as_deref(), Some("end_image_url"));
        assert_eq!(k3.negative_prompt_param.as_deref(), Some("negative_prompt"));
        let s = Capabilities::bundled("seedance-2-fast");
        assert_eq!(s.aspects.len(), 7);
        assert_eq!(s.seed_param.as_deref(), Some("seed"));
        assert!(s.negative_prompt_param.is_none() && s.cfg_scale_param.is_none());
        assert_eq!(Capabilities::bundled("veo-3"), Capabilities::none());
    }

    #[test]
    fn extra_uses_the_tables_names() {
        let s = Capabilities::bundled("seedance-2-fast");
        assert_eq!(
            extra_for(&s, &opts(Some("9:16"), None, Some(42)), false),
            Some(json!({"aspect_ratio": "9:16", "seed": 42}))
        );
        let k = Capabilities::bundled("kling-3-pro");
        let o = ShotOptions { cfg_scale: Some(0.25), ..opts(Some("9:16"), Some("blur"), None) };
        assert_eq!(
            extra_for(&k, &o, false),
            Some(json!({"aspect_ratio": "9:16", "negative_prompt": "blur", "cfg_scale": 0.25}))
        );
        // Image-to-video on Kling follows the image: no aspect is sent.
        assert_eq!(extra_for(&k, &opts(Some("9:16"), None, None), true), None);
        assert_eq!(extra_for(&k, &ShotOptions::default(), false), None);
    }

    #[test]
    fn refusals_read_as_sentences() {
        let k = Capabilities::bundled("kling-3-pro");
        let s = Capabilities::bundled("seedance-2-fast");
        let e = check_options("kling-3-pro", &k, &opts(Some("4:3"), None, None), false, false).unwrap_err();
        assert_eq!(e.to_string(), "kling-3-pro makes 16:9, 9:16 or 1:1 clips; \"4:3\" is not one of them.");
        let e = check_options("kling-3-pro", &k, &opts(Some("9:16"), None, None), true, false).unwrap_err();
        assert!(e.to_string().contains("follows the start image's shape"), "{e}");
        let e = check_options("kling-3-pro", &k, &opts(None, None, Some(7)), false, false).unwrap_err();
        assert_eq!(e.to_string(), "kling-3-pro does not take a seed; remove it or choose a model that does.");
        let e = check_options("seedance-2-fast", &s, &opts(None, Some("blur"), None), false, false).unwrap_err();
        assert!(e.to_string().starts_with("seedance-2-fast does not take a negative prompt"), "{e}");
        let e = check_options("seedance-2-fast", &s, &opts(None, None, Some(MAX_SEED + 1)), false, false).unwrap_err();
        assert_eq!(e, InputError::Seed);
        let long = "x".repeat(MAX_NEGATIVE_CHARS + 1);
        let e = check_options("kling-3-pro", &k, &opts(None, Some(&long), None), false, false).unwrap_err();
        assert_eq!(e, InputError::NegativeTooLong { chars: 2501, max: 2500 });
        assert_eq!(
            check_options("kling-3-pro", &k, &ShotOptions::default(), false, true),
            Err(InputError::EndFrameNeedsStart)
        );
        let c = ShotOptions { cfg_scale: Some(1.5), ..Default::default() };
        assert_eq!(check_options("kling-3-pro", &k, &c, false, false), Err(InputError::CfgScale));
        assert!(check_options("seedance-2-fast", &s, &opts(Some("21:9"), None, Some(MAX_SEED)), true, true).is_ok());
        let none = Capabilities::none();
        assert!(check_options("veo-3", &none, &ShotOptions::default(), true, false).is_ok());
        assert!(check_options("veo-3", &none, &ShotOptions::default(), true, true).is_err());
    }

    #[test]
    fn price_bearing_and_unknown_keys_are_refused() {
        let s = Capabilities::bundled("seedance-2-pro");
        assert!(check_extra("seedance-2-pro", &s, &json!({"aspect_ratio": "9:16", "seed": 1})).is_ok());
        let e = check_extra("seedance-2-pro", &s, &json!({"resolution": "1080p"})).unwrap_err();
        assert!(e.to_string().contains("would change the price"), "{e}");
        assert!(check_extra("seedance-2-pro", &s, &json!({"generate_audio": false})).is_err());
        let e = check_extra("seedance-2-pro", &s, &json!({"negative_prompt": "x"})).unwrap_err();
        assert!(matches!(e, InputError::UnknownParam { .. }));
        assert!(check_extra("seedance-2-pro", &s, &json!([1])).is_err());
    }

    #[test]
    fn seeds_and_takes() {
        assert_eq!(take_seeds(Some(41), 3), vec![41, 42, 43]);
        assert_eq!(take_seeds(Some(MAX_SEED), 2), vec![MAX_SEED, 0]);
        let r = take_seeds(None, 4);
        assert_eq!(r.len(), 4);
        assert!(r.windows(2).all(|w| w[0] != w[1]));
        assert!(r.iter().all(|s| *s <= MAX_SEED));
        assert_eq!(parse_seed(" 12 "), Ok(12));
        for bad in ["-1", "2147483648", "1.5", "", "lots"] {
            assert_eq!(parse_seed(bad), Err(InputError::Seed), "{bad}");
        }
        assert!(check_takes(1).is_ok() && check_takes(4).is_ok());
        assert_eq!(check_takes(0).unwrap_err().to_string(), "Make 1 to 4 takes at a time; 0 is not in that range.");
        assert!(check_takes(5).is_err());
    }

    #[test]
    fn the_live_catalog_overrides_the_table() {
        let live = LiveOptions { aspect_ratios: Some(strings(&["16:9", "9:16", "bogus"])), extra_params: None };
        let s = Capabilities::bundled("seedance-2-fast").with_live(&live);
        assert_eq!(s.aspects, ["16:9", "9:16"]);
        assert_eq!(s.seed_param.as_deref(), Some("seed"));
        assert!(s.source.contains("catalog"));
        let live = LiveOptions { aspect_ratios: None, extra_params: Some(strings(&["aspect_ratio", "seed"])) };
        let k = Capabilities::bundled("kling-3-pro").with_live(&live);
        assert!(k.negative_prompt_param.is_none() && k.end_image_param.is_none());
        assert_eq!(k.seed_param.as_deref(), Some("seed"));
        let untouched = Capabilities::bundled("kling-3-pro").with_live(&LiveOptions::default());
        assert_eq!(untouched, Capabilities::bundled("kling-3-pro"));
    }

    #[test]
    fn ratios() {
        assert_eq!(ratio("9:16"), Some((9, 16)));
        assert_eq!(ratio("auto"), None);
    }
}
