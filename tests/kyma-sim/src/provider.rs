//! What the provider behind each model accepts in `extra`, and the frame it renders — the one
//! table of provider behaviour in the simulator.
//!
//! Kyma forwards `extra` "to the underlying provider unchanged"; all five models are routed to
//! fal, so its keys are fal's input names (kyma-api.md, Part 3). Source: fal's model pages and
//! their llms.txt — Kling 2.5 Turbo Pro (`fal-ai/kling-video/v2.5-turbo/pro/text-to-video`,
//! `…/image-to-video`), Kling v3 Pro (`fal-ai/kling-video/v3/pro/…`), Seedance 2.0 and 2.0 Fast
//! (`bytedance/seedance-2.0/…`, `bytedance/seedance-2.0/fast/…`), read 2026-12. What Kyma itself
//! does with keys fal would refuse is unknown; the simulator answers as fal would, through Kyma's
//! validation error shape (422 `invalid_extra` with `details.validation_errors`).

use serde_json::{Map, Value};

use crate::clips::fit_long_side;

/// An aspect ratio a model renders, with the frame it renders it at.
#[derive(Debug, PartialEq, Eq)]
pub struct Aspect {
    pub label: &'static str,
    pub width: u32,
    pub height: u32,
}

const fn aspect(label: &'static str, width: u32, height: u32) -> Aspect {
    Aspect { label, width, height }
}

/// Kling (2.5 Turbo Pro and v3 Pro) renders 1080p; the first aspect is the default.
const KLING_ASPECTS: [Aspect; 3] = [aspect("16:9", 1920, 1080), aspect("9:16", 1080, 1920), aspect("1:1", 1440, 1440)];

/// Seedance 2.0 at 720p, the resolution Kyma prices; the first aspect is the default.
const SEEDANCE_ASPECTS: [Aspect; 6] = [
    aspect("16:9", 1280, 720),
    aspect("21:9", 1470, 630),
    aspect("4:3", 1112, 834),
    aspect("1:1", 960, 960),
    aspect("3:4", 834, 1112),
    aspect("9:16", 720, 1280),
];

/// What one `extra` key takes.
pub enum Input {
    /// One of the model's aspect labels (or `auto` where the model has it).
    AspectRatio,
    /// The end frame: an image URL, checked like `image_url`.
    EndImage,
    /// A string of at most this many characters.
    Text { max_chars: usize },
    /// A number in this closed range.
    Number { min: f64, max: f64 },
    /// A whole number in this closed range.
    Integer { min: i64, max: i64 },
}

pub struct Provider {
    pub model: &'static str,
    /// The fal model behind it, named in the 422's message.
    pub fal: &'static str,
    /// The keys `extra` may carry, in the order they are listed in sentences.
    pub inputs: &'static [(&'static str, Input)],
    pub aspects: &'static [Aspect],
    /// `aspect_ratio: "auto"` is accepted: it follows the start image, without one the default.
    pub auto_aspect: bool,
    /// `aspect_ratio` is for text-to-video only; image-to-video follows the start image.
    pub aspect_text_only: bool,
    /// An end frame needs a start image (`image_url`).
    pub end_needs_start: bool,
}

const KLING_25_INPUTS: [(&str, Input); 4] = [
    ("aspect_ratio", Input::AspectRatio),
    ("tail_image_url", Input::EndImage),
    ("negative_prompt", Input::Text { max_chars: 2500 }),
    ("cfg_scale", Input::Number { min: 0.0, max: 1.0 }),
];

const KLING_3_INPUTS: [(&str, Input); 4] = [
    ("aspect_ratio", Input::AspectRatio),
    ("end_image_url", Input::EndImage),
    ("negative_prompt", Input::Text { max_chars: 2500 }),
    ("cfg_scale", Input::Number { min: 0.0, max: 1.0 }),
];

const SEEDANCE_INPUTS: [(&str, Input); 3] = [
    ("aspect_ratio", Input::AspectRatio),
    ("end_image_url", Input::EndImage),
    ("seed", Input::Integer { min: 0, max: 2_147_483_647 }),
];

const fn kling(model: &'static str, fal: &'static str, inputs: &'static [(&'static str, Input)]) -> Provider {
    Provider {
        model,
        fal,
        inputs,
        aspects: &KLING_ASPECTS,
        auto_aspect: false,
        aspect_text_only: true,
        end_needs_start: true,
    }
}

const fn seedance(model: &'static str, fal: &'static str) -> Provider {
    Provider {
        model,
        fal,
        inputs: &SEEDANCE_INPUTS,
        aspects: &SEEDANCE_ASPECTS,
        auto_aspect: true,
        aspect_text_only: false,
        end_needs_start: false,
    }
}

pub const PROVIDERS: [Provider; 5] = [
    kling("kling-2.5-pro", "Kling 2.5 Turbo Pro", &KLING_25_INPUTS),
    kling("kling-3-pro", "Kling v3 Pro", &KLING_3_INPUTS),
    kling("kling-3-pro-audio", "Kling v3 Pro with audio", &KLING_3_INPUTS),
    seedance("seedance-2-pro", "Seedance 2.0"),
    seedance("seedance-2-fast", "Seedance 2.0 Fast"),
];

/// Inputs that set what Kyma's per-second price is for: never through `extra`.
const PRICE_KEYS: [&str; 3] = ["resolution", "generate_audio", "duration"];

/// The provider of a model of the catalog.
pub fn provider(model: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.model == model)
}

/// What a valid `extra` asks of the render.
#[derive(Debug, Default, PartialEq)]
pub struct Wanted {
    /// An explicit aspect (not `auto`).
    pub aspect: Option<&'static Aspect>,
    /// The end frame's key and URL.
    pub end_image: Option<(&'static str, String)>,
}

impl Provider {
    /// The aspect the model renders without `aspect_ratio`.
    pub fn default_aspect(&self) -> &'static Aspect {
        &self.aspects[0]
    }

    /// Checks `extra` against the model's inputs: one sentence per problem, in key order.
    /// `has_start` is whether the request has an `image_url`. JSON null counts as absent for
    /// the model's own keys.
    pub fn check(&self, extra: Option<&Map<String, Value>>, has_start: bool) -> (Wanted, Vec<String>) {
        let mut wanted = Wanted::default();
        let mut problems = Vec::new();
        let Some(extra) = extra else {
            return (wanted, problems);
        };
        let model = self.model;
        for (key, value) in extra {
            if PRICE_KEYS.contains(&key.as_str()) {
                problems.push(format!(
                    "{key} would change the price, which Kyma sets per model: choose the model instead of setting {key} in extra."
                ));
                continue;
            }
            let Some((name, input)) = self.inputs.iter().find(|(name, _)| name == key) else {
                problems.push(self.unknown(key));
                continue;
            };
            if value.is_null() {
                continue;
            }
            match input {
                Input::AspectRatio => match self.aspect_ratio(value, has_start) {
                    Ok(aspect) => wanted.aspect = aspect,
                    Err(why) => problems.push(why),
                },
                Input::EndImage => match value.as_str() {
                    Some(_) if self.end_needs_start && !has_start => problems.push(format!(
                        "{name} needs a start image: {model} makes an end frame only from image_url to it, so send image_url too."
                    )),
                    Some(url) => wanted.end_image = Some((name, url.to_string())),
                    None => problems.push(end_image_url_sentence(name)),
                },
                Input::Text { max_chars } => {
                    let fits = value.as_str().is_some_and(|s| s.chars().count() <= *max_chars);
                    if !fits {
                        problems.push(format!("{name} must be a string of at most {max_chars} characters."));
                    }
                }
                Input::Number { min, max } => {
                    let within = value.as_f64().is_some_and(|n| (*min..=*max).contains(&n));
                    if !within {
                        problems.push(format!("{name} must be a number from {min} to {max}."));
                    }
                }
                Input::Integer { min, max } => {
                    let within = whole(value).is_some_and(|n| (*min..=*max).contains(&n));
                    if !within {
                        problems.push(format!("{name} must be a whole number from {min} to {max}."));
                    }
                }
            }
        }
        (wanted, problems)
    }

    fn unknown(&self, key: &str) -> String {
        let accepted: Vec<&str> = self.inputs.iter().map(|(name, _)| *name).collect();
        let hint = match self.inputs.iter().find(|(_, input)| matches!(input, Input::EndImage)) {
            Some((end, _)) if key.ends_with("image_url") => format!(" (its end frame is {end})"),
            _ => String::new(),
        };
        format!("{key} is an unknown parameter for {}{hint}; it accepts {}.", self.model, accepted.join(", "))
    }

    fn aspect_ratio(&self, value: &Value, has_start: bool) -> Result<Option<&'static Aspect>, String> {
        let model = self.model;
        let mut labels: Vec<&str> = Vec::new();
        if self.auto_aspect {
            labels.push("auto");
        }
        labels.extend(self.aspects.iter().map(|a| a.label));
        let Some(label) = value.as_str().filter(|l| labels.contains(l)) else {
            return Err(format!("aspect_ratio must be one of {} for {model}, not {value}.", labels.join(", ")));
        };
        if self.aspect_text_only && has_start {
            return Err(format!(
                "aspect_ratio is for text-to-video only: {model}'s image-to-video follows the start image's aspect ratio."
            ));
        }
        Ok(self.aspects.iter().find(|a| a.label == label))
    }

    /// The frame the clip is rendered at: an explicit aspect's; else the start image's aspect
    /// (its longer side the model's longer side); else the default aspect's.
    pub fn frame(&self, aspect: Option<&Aspect>, start: Option<(u32, u32)>) -> (u32, u32) {
        match (aspect, start) {
            (Some(a), _) => (a.width, a.height),
            (None, Some((w, h))) => {
                let d = self.default_aspect();
                fit_long_side(w, h, d.width.max(d.height))
            }
            (None, None) => (self.default_aspect().width, self.default_aspect().height),
        }
    }
}

/// The sentence for an end frame that is not an image URL.
pub fn end_image_url_sentence(name: &str) -> String {
    format!("{name} must be an https:// URL or a data:image/...;base64,... URI.")
}

/// 42 and 42.0 are whole numbers; 42.5 is not.
fn whole(value: &Value) -> Option<i64> {
    match value.as_i64() {
        Some(n) => Some(n),
        None => {
            let f = value.as_f64()?;
            (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(model: &str, extra: Value, has_start: bool) -> (Wanted, Vec<String>) {
        let p = provider(model).unwrap();
        p.check(extra.as_object(), has_start)
    }

    #[test]
    fn every_catalog_model_has_a_provider() {
        for m in &crate::catalog::MODELS {
            assert!(provider(m.id).is_some(), "{}", m.id);
        }
    }

    #[test]
    fn valid_extras_pass_and_say_what_they_want() {
        let (w, p) = check("seedance-2-pro", json!({"aspect_ratio": "21:9", "seed": 7}), false);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(w.aspect.map(|a| (a.width, a.height)), Some((1470, 630)));
        let (w, p) =
            check("seedance-2-fast", json!({"aspect_ratio": "auto", "end_image_url": "https://x/y.png"}), false);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(w.aspect, None);
        assert_eq!(w.end_image, Some(("end_image_url", "https://x/y.png".to_string())));
        let extra = json!({"tail_image_url": "https://x/e.png", "negative_prompt": "blur", "cfg_scale": 0.5});
        let (w, p) = check("kling-2.5-pro", extra, true);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(w.end_image.map(|e| e.0), Some("tail_image_url"));
        let (_, p) = check("kling-3-pro", json!({"seed": null, "cfg_scale": null}), false);
        assert_eq!(p.len(), 1, "null is absent only for the model's own keys: {p:?}");
    }

    #[test]
    fn each_problem_is_one_sentence() {
        let extra = json!({"resolution": "1080p", "seed": -1, "cfg_scale": 2, "aspect_ratio": "4:3", "foo": 1});
        let (_, p) = check("kling-3-pro", extra, false);
        assert_eq!(p.len(), 5, "{p:?}");
        let (_, p) = check("seedance-2-pro", json!({"seed": 2_147_483_648_u64}), false);
        assert_eq!(p, ["seed must be a whole number from 0 to 2147483647."]);
        let (_, p) = check("kling-2.5-pro", json!({"end_image_url": "https://x/e.png"}), true);
        assert!(p[0].contains("its end frame is tail_image_url"), "{p:?}");
        let (_, p) = check("kling-2.5-pro", json!({"tail_image_url": "https://x/e.png"}), false);
        assert!(p[0].contains("needs a start image"), "{p:?}");
        let (_, p) = check("kling-3-pro-audio", json!({"aspect_ratio": "9:16"}), true);
        assert!(p[0].contains("follows the start image"), "{p:?}");
    }

    #[test]
    fn frames_follow_aspect_then_image_then_default() {
        let kling = provider("kling-3-pro").unwrap();
        let seedance = provider("seedance-2-fast").unwrap();
        assert_eq!(kling.frame(None, None), (1920, 1080));
        assert_eq!(kling.frame(None, Some((1080, 1920))), (1080, 1920));
        assert_eq!(seedance.frame(None, None), (1280, 720));
        assert_eq!(seedance.frame(None, Some((270, 480))), (720, 1280));
        assert_eq!(seedance.frame(Some(&SEEDANCE_ASPECTS[2]), Some((270, 480))), (1112, 834));
    }
}
