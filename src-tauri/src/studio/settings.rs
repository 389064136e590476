//! The app's settings, kept as JSON in the data folder. Never holds a secret: the bucket's secret
//! key lives in the keychain, the API key too.

use super::dto::{ImageHosting, Settings};
use crate::api::{client::parse_base, DEFAULT_API_BASE};
use std::path::Path;

pub const FILE: &str = "settings.json";
/// How many clips may download at once (the UI offers exactly these).
pub const DOWNLOAD_CONCURRENCY: std::ops::RangeInclusive<u32> = 1..=6;
/// The largest "ask before paying more than" threshold: $1000.
pub const MAX_CONFIRM_ABOVE_MICROS: i64 = 1_000_000_000;
/// The largest daily spending cap: $100,000 (a cap is for catching mistakes, not a ceiling on use).
pub const MAX_DAILY_CAP_MICROS: i64 = 100_000_000_000;

pub fn defaults(library_dir: &Path) -> Settings {
    Settings {
        api_base: DEFAULT_API_BASE.to_string(),
        library_dir: library_dir.display().to_string(),
        download_concurrency: 3,
        confirm_above_micros: 2_000_000,
        image_hosting: ImageHosting::DataUri,
        daily_cap_micros: None,
    }
}

pub fn load(data_dir: &Path) -> Settings {
    std::fs::read(data_dir.join(FILE))
        .ok()
        .and_then(|b| serde_json::from_slice::<Settings>(&b).ok())
        .filter(|s| validate(s).is_ok())
        .unwrap_or_else(|| defaults(data_dir))
}

/// Refuses settings that cannot work, with the sentence to show under the field.
pub fn validate(s: &Settings) -> Result<(), String> {
    parse_base(&s.api_base).map_err(|e| e.to_string())?;
    if !DOWNLOAD_CONCURRENCY.contains(&s.download_concurrency) {
        return Err(format!(
            "Download concurrency must be between {} and {}, not {}.",
            DOWNLOAD_CONCURRENCY.start(),
            DOWNLOAD_CONCURRENCY.end(),
            s.download_concurrency
        ));
    }
    if !(0..=MAX_CONFIRM_ABOVE_MICROS).contains(&s.confirm_above_micros) {
        return Err("The confirmation threshold must be between $0 and $1000.".into());
    }
    if let Some(cap) = s.daily_cap_micros {
        if !(1..=MAX_DAILY_CAP_MICROS).contains(&cap) {
            return Err("The daily spending cap must be more than $0 and at most $100,000 (or off).".into());
        }
    }
    if let ImageHosting::S3 { endpoint, bucket, region, access_key_id, .. } = &s.image_hosting {
        if endpoint.trim().is_empty()
            || bucket.trim().is_empty()
            || region.trim().is_empty()
            || access_key_id.trim().is_empty()
        {
            return Err("Fill in the bucket's endpoint, name, region and access key id.".into());
        }
    }
    Ok(())
}

/// The daily cap in force for a library (its saved settings), in the user's zone.
pub fn daily_cap(s: &Settings, utc_offset_minutes: i32) -> Option<crate::jobs::DailyCap> {
    s.daily_cap_micros.map(|cap| crate::jobs::DailyCap { cap: crate::api::Micros(cap), utc_offset_minutes })
}

pub fn save(data_dir: &Path, s: &Settings) -> Result<(), String> {
    validate(s)?;
    let bytes = serde_json::to_vec_pretty(s).map_err(|e| e.to_string())?;
    crate::fsutil::write_atomic(&data_dir.join(FILE), &bytes).map_err(|e| format!("Could not save the settings: {e}."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = defaults(dir.path());
        assert_eq!(load(dir.path()), s);
        s.api_base = "http://127.0.0.1:9/v1".into();
        save(dir.path(), &s).unwrap();
        assert_eq!(load(dir.path()), s);
        let mut bad = s.clone();
        bad.api_base = "ftp://x".into();
        assert!(save(dir.path(), &bad).unwrap_err().contains("is not an http(s) URL"));
        bad = s.clone();
        bad.download_concurrency = 0;
        assert!(save(dir.path(), &bad).is_err());
        bad = s.clone();
        bad.daily_cap_micros = Some(0);
        assert!(save(dir.path(), &bad).unwrap_err().contains("daily spending cap"));
        s.daily_cap_micros = Some(5_000_000);
        save(dir.path(), &s).unwrap();
        assert_eq!(load(dir.path()).daily_cap_micros, Some(5_000_000));
        assert_eq!(daily_cap(&s, 60).map(|c| (c.cap.0, c.utc_offset_minutes)), Some((5_000_000, 60)));
        assert_eq!(load(dir.path()), s, "a refused save changes nothing");
    }
}
