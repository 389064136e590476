//! A synthetic library for tests, demos and benchmarks: thousands of plausible generations written
//! in one transaction, each success with a poster and, when a real clip is given, that clip linked in.
//! Everything but the idempotency keys and the clock follows from the seed.

use super::{Error, Library};
use crate::api::catalog::builtin_models;
use crate::api::Micros;
use crate::jobs::clip_file_name;
use crate::jobs::{Generation, ImageKind, Status};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{params, Transaction, TransactionBehavior};
use serde::Serialize;
use std::path::Path;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// What `seed` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeedReport {
    /// Generations added.
    pub rows: u32,
    /// Posters written to the thumbnail cache.
    pub thumbs: u32,
    /// Clip files linked (or copied) into the library; 0 without a clip to use.
    pub clips: u32,
}

const SHOTS: &[&str] = &[
    "a slow dolly shot of",
    "an aerial drone shot of",
    "a handheld close-up of",
    "a wide establishing shot of",
    "a tracking shot following",
    "a macro shot of",
    "a time-lapse of",
    "a low-angle shot of",
    "a crane shot rising over",
    "a static tripod shot of",
    "a whip pan to",
    "an over-the-shoulder shot of",
];
const SUBJECTS: &[&str] = &[
    "a lighthouse",
    "a red fox",
    "an old fisherman mending nets",
    "a neon-lit café",
    "a vintage convertible",
    "a hummingbird",
    "a ballet dancer",
    "a steaming bowl of ramen",
    "a glass skyscraper",
    "a paper boat",
    "a golden retriever",
    "a street musician",
    "a crème brûlée being torched",
    "a piñata bursting",
    "a koi pond",
    "a snow leopard",
    "a cyclist",
    "an astronaut",
    "a cup of espresso",
    "a sailing yacht",
    "a herd of wild horses",
    "a smartphone app interface",
    "a talking head presenter",
    "children flying kites",
];
const PLACES: &[&str] = &[
    "on a rocky coast",
    "in a misty pine forest",
    "in downtown Tokyo",
    "on a Parisian rooftop",
    "in a desert canyon",
    "by a frozen lake",
    "in a rainy alley",
    "in a sunflower field",
    "inside a gothic cathedral",
    "on the surface of Mars",
    "in a São Paulo market",
    "under the Northern Lights",
    "on a busy subway platform",
    "in a minimalist studio",
];
const TIMES: &[&str] = &[
    "at dusk",
    "at golden hour",
    "at dawn",
    "under a full moon",
    "in heavy rain",
    "in falling snow",
    "at midday",
    "at blue hour",
];
const DETAILS: &[&str] = &[
    "waves crashing",
    "soft film grain",
    "shallow depth of field",
    "volumetric light",
    "35mm anamorphic",
    "slow motion",
    "warm tones",
    "fog rolling in",
    "subtle lens flare",
    "cinematic lighting",
    "photoreal, 4k",
    "pastel palette",
    "dramatic clouds",
    "smooth camera motion",
];

/// Distinct posters generated, per orientation; the rest are copies.
const POSTER_HUES: u32 = 48;

fn pick<'a>(rng: &mut StdRng, words: &[&'a str]) -> &'a str {
    words[rng.random_range(0..words.len())]
}

/// e.g. "a slow dolly shot of a lighthouse on a rocky coast at dusk, waves crashing".
fn prompt(rng: &mut StdRng) -> String {
    let mut p = format!("{} {}", pick(rng, SHOTS), pick(rng, SUBJECTS));
    if rng.random_bool(0.8) {
        p = format!("{p} {}", pick(rng, PLACES));
    }
    if rng.random_bool(0.7) {
        p = format!("{p} {}", pick(rng, TIMES));
    }
    for _ in 0..rng.random_range(0..=2) {
        p = format!("{p}, {}", pick(rng, DETAILS));
    }
    p
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// A poster: a diagonal gradient around the hue of `variant`, as a JPEG.
fn poster(variant: u32, portrait: bool) -> Result<Vec<u8>, Error> {
    let (w, h) = if portrait { (180, 320) } else { (320, 180) };
    let hue = variant as f32 * 360.0 / POSTER_HUES as f32;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        image::Rgb(hsv(hue + 50.0 * (fx + fy) / 2.0, 0.55 + 0.35 * fy, 0.95 - 0.45 * fy))
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
        .encode_image(&img)
        .map_err(|e| Error::BadThumb(e.to_string()))?;
    Ok(jpeg)
}

fn hsv(h: f32, s: f32, v: f32) -> [u8; 3] {
    let h = h.rem_euclid(360.0) / 60.0;
    let c = v * s;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    [r, g, b].map(|k| ((k + m) * 255.0).round().clamp(0.0, 255.0) as u8)
}

/// Hard-links `clip` as `dest` (copying where links are not possible, e.g. across disks).
fn link_clip(clip: &Path, dest: &Path) -> Result<(), Error> {
    if dest.exists() {
        std::fs::remove_file(dest).map_err(|e| Error::io("replace the clip", dest, e))?;
    }
    if std::fs::hard_link(clip, dest).is_err() {
        std::fs::copy(clip, dest).map_err(|e| Error::io("copy the clip", dest, e))?;
    }
    Ok(())
}

impl Library {
    /// Adds `n` synthetic generations spread over the last 365 days: about 88% succeeded (charged
    /// their hold), 7% failed or refunded and 5% expired (refunded), 15% image-to-video, priced
    /// at the built-in rates. Each success gets a poster; with `clip`, that MP4 is hard-linked
    /// (or copied) as every success's clip, else the clips are marked missing. One transaction:
    /// all rows or none.
    pub fn seed(&self, n: u32, clip: Option<&Path>, seed: u64) -> Result<SeedReport, Error> {
        let clip_bytes = match clip {
            Some(c) => {
                crate::media::mp4::check_mp4(c)
                    .map_err(|e| Error::NotAClip { path: c.display().to_string(), detail: e.0 })?;
                Some(std::fs::metadata(c).map_err(|e| Error::io("read the clip", c, e))?.len())
            }
            None => None,
        };
        let paths = self.paths();
        std::fs::create_dir_all(&paths.thumbs)
            .map_err(|e| Error::io("create the thumbnail folder", &paths.thumbs, e))?;
        if clip.is_some() {
            std::fs::create_dir_all(&paths.clips).map_err(|e| Error::io("create the clips folder", &paths.clips, e))?;
        }
        let models = builtin_models();
        let mut rng = StdRng::seed_from_u64(seed);
        let mut posters: Vec<Option<Vec<u8>>> = vec![None; 2 * POSTER_HUES as usize];
        let mut report = SeedReport { rows: 0, thumbs: 0, clips: 0 };
        let now = OffsetDateTime::now_utc();
        let span = Duration::days(365).whole_nanoseconds() as i64;
        let step = (span / i64::from(n.max(1))).max(1);
        let start = now - Duration::nanoseconds(span);

        let store = self.store();
        // Immediate: the ids are chosen here, so no other writer may slip in before the inserts.
        let tx = Transaction::new_unchecked(store.conn(), TransactionBehavior::Immediate)?;
        let first_id: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM generations", [], |r| r.get(0))?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO generations (id, idempotency_key, kyma_id, status, remote_status, model, prompt, \
                 duration_s, image_kind, image_source, image_width, image_height, hold_micros, estimated_micros, \
                 charged_micros, refunded_micros, error_kind, error_message, clip_file, clip_bytes, created_at, \
                 submitted_at, completed_at, downloaded_at, updated_at, post_attempts, favourite, has_audio, \
                 media_dir, clip_missing) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
                 ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, 1, ?26, ?27, ?28, ?29)",
            )?;
            for i in 0..n {
                let g = synthetic(&mut rng, first_id + i64::from(i), &models, start, i, step, clip_bytes, &paths);
                insert.execute(params![
                    g.id,
                    g.idempotency_key,
                    g.kyma_id,
                    g.status.as_str(),
                    g.remote_status,
                    g.model,
                    g.prompt,
                    g.duration_s,
                    if g.image_kind == ImageKind::None { "none" } else { "file" },
                    g.image_source,
                    g.image_width,
                    g.image_height,
                    g.hold.0,
                    g.estimated.map(|m| m.0),
                    g.charged.map(|m| m.0),
                    g.refunded.map(|m| m.0),
                    g.error_kind,
                    g.error_message,
                    g.clip_file,
                    g.clip_bytes.map(|b| b as i64),
                    g.created_at,
                    g.submitted_at,
                    g.completed_at,
                    g.downloaded_at,
                    g.updated_at,
                    g.favourite,
                    g.has_audio,
                    g.media_dir,
                    g.clip_missing,
                ])?;
                report.rows += 1;
                if g.status != Status::Succeeded {
                    continue;
                }
                let portrait = g.image_height > g.image_width;
                let variant = (g.id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58;
                let slot = variant as usize % POSTER_HUES as usize + if portrait { POSTER_HUES as usize } else { 0 };
                let jpeg = match posters[slot].take() {
                    Some(j) => j,
                    None => poster(slot as u32 % POSTER_HUES, portrait)?,
                };
                let thumb = paths.thumb_path(g.id);
                std::fs::write(&thumb, &jpeg).map_err(|e| Error::io("write the poster", &thumb, e))?;
                posters[slot] = Some(jpeg);
                report.thumbs += 1;
                if let (Some(c), Some(dest)) = (clip, paths.clip_path(&g)) {
                    link_clip(c, &dest)?;
                    report.clips += 1;
                }
            }
        }
        tx.commit()?;
        Ok(report)
    }
}

/// The `i`-th synthetic generation: created within `[start + i·step, start + (i+1)·step)`.
#[allow(clippy::too_many_arguments)]
fn synthetic(
    rng: &mut StdRng,
    id: i64,
    models: &[crate::api::Model],
    start: OffsetDateTime,
    i: u32,
    step: i64,
    clip_bytes: Option<u64>,
    paths: &crate::jobs::Paths,
) -> Generation {
    let model = &models[rng.random_range(0..models.len())];
    let duration_s = rng.random_range(1..=10u32);
    let hold: Micros = model.rate * duration_s;
    let i2v = rng.random_bool(0.15);
    let portrait = i2v && rng.random_bool(0.4);
    let (w, h) = if portrait { (900, 1600) } else { (1600, 900) };
    let created = start + Duration::nanoseconds(i64::from(i) * step + rng.random_range(0..step));
    let submitted = created + Duration::milliseconds(rng.random_range(300..3_000));
    let completed = submitted + Duration::seconds(rng.random_range(25..240));
    let downloaded = completed + Duration::milliseconds(rng.random_range(500..6_000));
    let roll = rng.random_range(0..100);
    let (status, kind, message) = match roll {
        0..88 => (Status::Succeeded, None, None),
        88..92 => {
            (Status::Failed, Some("failed"), Some("Kyma could not make this clip. Retry, or try a different model."))
        }
        92..95 => (Status::Refunded, Some("refunded"), Some("Kyma refunded this job.")),
        _ => (Status::Expired, Some("expired"), Some("The job timed out at Kyma before the clip was made.")),
    };
    let ok = status == Status::Succeeded;
    let key = uuid::Uuid::new_v4().simple().to_string();
    let mut g = Generation {
        id,
        kyma_id: Some(format!("seed-{}", &key[..16])),
        idempotency_key: key,
        status,
        remote_status: Some(status.as_str().to_string()),
        model: model.id.clone(),
        prompt: prompt(rng),
        duration_s,
        image_kind: if i2v { ImageKind::File } else { ImageKind::None },
        image_source: i2v.then(|| format!("still-{}.jpg", rng.random_range(1..400))),
        image_file: None,
        image_url: None,
        image_width: i2v.then_some(w),
        image_height: i2v.then_some(h),
        extra_json: None,
        hold,
        estimated: Some(hold),
        charged: ok.then_some(hold),
        refunded: (!ok).then_some(hold),
        error_kind: kind.map(str::to_string),
        error_message: message.map(str::to_string),
        clip_file: None,
        clip_bytes: ok.then(|| clip_bytes.unwrap_or(u64::from(duration_s) * rng.random_range(700_000..1_600_000))),
        created_at: rfc3339(created),
        submitted_at: Some(rfc3339(submitted)),
        completed_at: Some(rfc3339(completed)),
        downloaded_at: ok.then(|| rfc3339(downloaded)),
        updated_at: rfc3339(if ok { downloaded } else { completed }),
        overdue: false,
        post_attempts: 1,
        favourite: ok && rng.random_bool(0.05),
        has_audio: model.audio,
        media_dir: paths.row_media_dir(),
        clip_missing: ok && clip_bytes.is_none(),
        removed: None,
        removed_at: None,
        shot: Default::default(),
        clip_size: None,
        group_id: None,
        group_index: None,
        mark: None,
    };
    if ok {
        g.clip_file = Some(clip_file_name(&g));
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::{Query, SpendQuery, StatusFilter};

    fn all_prompts(c: &rusqlite::Connection) -> Vec<String> {
        let mut st = c.prepare("SELECT prompt FROM generations ORDER BY id").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn seeds_a_plausible_library_deterministically() {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(dir.path()).unwrap();
        let r = lib.seed(400, None, 7).unwrap();
        assert_eq!((r.rows, r.clips), (400, 0));
        let store = lib.store();
        let c = store.conn();
        let one = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(one("SELECT COUNT(*) FROM generations WHERE status = 'succeeded'"), i64::from(r.thumbs));
        assert!((320..=380).contains(&r.thumbs), "about 88% succeed: {}", r.thumbs);
        assert_eq!(one("SELECT COUNT(DISTINCT created_at) FROM generations"), 400);
        assert_eq!(one("SELECT COUNT(DISTINCT model) FROM generations"), 5);
        let audio = "model IN ('kling-3-pro-audio', 'seedance-2-pro', 'seedance-2-fast')";
        assert_eq!(one(&format!("SELECT COUNT(*) FROM generations WHERE has_audio <> ({audio})")), 0);
        let wrong_clips = "status = 'succeeded' AND (charged_micros <> hold_micros OR clip_missing = 0)";
        assert_eq!(one(&format!("SELECT COUNT(*) FROM generations WHERE {wrong_clips}")), 0);
        let wrong_refunds = "status <> 'succeeded' AND (refunded_micros <> hold_micros OR error_message IS NULL)";
        assert_eq!(one(&format!("SELECT COUNT(*) FROM generations WHERE {wrong_refunds}")), 0);
        assert_eq!(
            one("SELECT COUNT(*) FROM generations WHERE model = 'kling-3-pro' AND hold_micros <> 151200 * duration_s"),
            0
        );
        let i2v = one("SELECT COUNT(*) FROM generations WHERE image_kind = 'file'");
        assert!((30..=95).contains(&i2v), "about 15% image-to-video: {i2v}");
        let first: (String, String) = c
            .query_row(
                "SELECT clip_file, created_at FROM generations WHERE status = 'succeeded' ORDER BY id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(first.0.starts_with(&first.1[..10]) && first.0.ends_with(".mp4"), "{first:?}");
        let prompts = all_prompts(c);
        let first_clip = one("SELECT MIN(id) FROM generations WHERE status = 'succeeded'");
        drop(store);

        let thumb = image::open(lib.paths().thumb_path(first_clip)).unwrap();
        assert!(matches!((thumb.width(), thumb.height()), (320, 180) | (180, 320)));
        assert_eq!(std::fs::read_dir(lib.paths().thumbs).unwrap().count() as u32, r.thumbs);

        // The same seed makes the same prompts in another library.
        let other = tempfile::tempdir().unwrap();
        let lib2 = Library::open(other.path()).unwrap();
        lib2.seed(400, None, 7).unwrap();
        assert_eq!(prompts, all_prompts(lib2.store().conn()));
        assert!(prompts.iter().collect::<std::collections::HashSet<_>>().len() > 300, "prompts vary");

        // The gallery and the spend history read it.
        let page = lib.query(&Query { text: "lighthouse".into(), ..Query::default() }).unwrap();
        assert!(page.total > 0 && page.items.iter().all(|i| i.prompt.contains("lighthouse")));
        let missing = lib.query(&Query { status: StatusFilter::Missing, limit: 1, ..Query::default() }).unwrap();
        assert_eq!(missing.total, r.thumbs, "no clip given: every success is missing its clip");
        let s = lib.spend(&SpendQuery::default()).unwrap();
        assert_eq!(s.clips, r.thumbs);
        assert_eq!(s.buckets.iter().map(|b| b.charged_micros).sum::<i64>(), s.charged_micros);
    }

    #[test]
    fn a_real_clip_is_linked_for_every_success() {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(dir.path()).unwrap();
        let clip = dir.path().join("sample.mp4");
        // The smallest whole MP4 box structure: ftyp, moov, mdat.
        let mut mp4 = Vec::new();
        for (kind, body) in [(b"ftyp", &b"isom\0\0\0\0"[..]), (b"moov", &b""[..]), (b"mdat", &b"data"[..])] {
            mp4.extend_from_slice(&(8 + body.len() as u32).to_be_bytes());
            mp4.extend_from_slice(kind);
            mp4.extend_from_slice(body);
        }
        std::fs::write(&clip, &mp4).unwrap();
        let r = lib.seed(50, Some(&clip), 1).unwrap();
        assert_eq!(r.clips, r.thumbs);
        let page = lib.query(&Query { status: StatusFilter::Clips, limit: 500, ..Query::default() }).unwrap();
        assert_eq!(page.items.len() as u32, r.clips);
        assert!(page.items.iter().all(|i| !i.missing));
        for i in &page.items {
            let g = lib.get(i.id).unwrap();
            assert_eq!(std::fs::read(lib.clip_path(&g).unwrap()).unwrap(), mp4);
            assert_eq!(g.clip_bytes, Some(mp4.len() as u64));
        }

        let bad = dir.path().join("not.mp4");
        std::fs::write(&bad, b"hello").unwrap();
        assert!(matches!(lib.seed(5, Some(&bad), 1), Err(Error::NotAClip { .. })));
        assert_eq!(lib.query(&Query::default()).unwrap().total, 50, "a refused seed adds nothing");
    }

    #[test]
    fn posters_differ_by_hue() {
        assert_ne!(poster(0, false).unwrap(), poster(24, false).unwrap());
        let img = image::load_from_memory(&poster(3, true).unwrap()).unwrap();
        assert_eq!((img.width(), img.height()), (180, 320));
        assert_eq!(hsv(0.0, 1.0, 1.0), [255, 0, 0]);
        assert_eq!(hsv(120.0, 1.0, 1.0), [0, 255, 0]);
    }
}
