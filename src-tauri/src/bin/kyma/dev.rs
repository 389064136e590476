//! `kyma dev …`: tools for developing and measuring Kyma Studio (hidden from `kyma --help`).

use super::Fail;
use clap::Subcommand;
use kyma_studio::api::retry::RetryPolicy;
use kyma_studio::jobs::download::{Downloader, DEFAULT_MAX_CLIP_BYTES};
use kyma_studio::library::{Library, Query};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand)]
pub enum DevAction {
    /// Add N synthetic generations to the library (demos, benchmarks). Without --clip their
    /// clips do not exist, and the gallery shows them as missing.
    SeedLibrary {
        n: u32,
        /// An MP4 to hard-link (or copy) as the clip of every successful generation.
        #[arg(long)]
        clip: Option<PathBuf>,
        /// The same seed makes the same library (but for the clock and the idempotency keys).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Prepare an image as a start image is prepared before upload (decode, orient, scale to at
    /// most 2048 px, JPEG) and write it to OUT: for `make bench`, against vipsthumbnail.
    PrepareImage { file: PathBuf, out: PathBuf },
    /// Time gallery searches in the library as they are typed: every prefix of each word is one
    /// query (the count and a first page, as the gallery asks). Prints JSON with the timings.
    TimeSearch {
        /// The words to type (default: a few that match many or few prompts).
        words: Vec<String>,
        /// The page size the gallery asks for.
        #[arg(long, default_value_t = 120)]
        limit: u32,
    },
    /// Download a clip URL to OUT the way the job engine does (via OUT.part, checked, made
    /// durable, renamed) and print JSON: bytes, seconds, and this process's peak RSS growth
    /// during the download. For `make bench`, against curl.
    Download { url: String, out: PathBuf },
}

pub async fn run(action: &DevAction, data_dir: &Path) -> Result<(), Fail> {
    match action {
        DevAction::SeedLibrary { n, clip, seed } => {
            let dir = data_dir;
            let started = Instant::now();
            let r = Library::open(dir)?.seed(*n, clip.as_deref(), *seed)?;
            println!(
                "Added {} generations ({} posters, {} clips) to {} in {:.2} s.",
                r.rows,
                r.thumbs,
                r.clips,
                dir.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        DevAction::PrepareImage { file, out } => {
            let started = Instant::now();
            let image = kyma_studio::media::prepare_image_file(file).map_err(|e| Fail::new(2, e.to_string()))?;
            std::fs::write(out, &image.jpeg)
                .map_err(|e| Fail::new(2, format!("Could not write {}: {e}.", out.display())))?;
            println!(
                "{}",
                serde_json::json!({"width": image.width, "height": image.height, "bytes": image.jpeg.len(),
                    "source": [image.source_width, image.source_height], "ms": started.elapsed().as_secs_f64() * 1000.0})
            );
            Ok(())
        }
        DevAction::TimeSearch { words, limit } => {
            let lib = Library::open(data_dir)?;
            let defaults = ["lighthouse", "dusk", "neon city", "slow dolly", "zzz nothing"];
            let words: Vec<String> =
                if words.is_empty() { defaults.iter().map(|w| w.to_string()).collect() } else { words.clone() };
            let mut micros = Vec::new();
            for word in &words {
                for (end, c) in word.char_indices() {
                    let q = Query { text: word[..end + c.len_utf8()].to_string(), limit: *limit, ..Query::default() };
                    let t = Instant::now();
                    lib.query(&q)?;
                    micros.push(t.elapsed().as_micros() as u64);
                }
            }
            let mut sorted = micros.clone();
            sorted.sort_unstable();
            let at = |q: f64| sorted.get(((sorted.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0);
            let total = lib.query(&Query { limit: 1, ..Query::default() })?.total;
            let v = serde_json::json!({
                "library": total, "keys": micros.len(), "median_us": at(0.5), "p95_us": at(0.95),
                "max_us": at(1.0), "each_us": micros,
            });
            println!("{v}");
            Ok(())
        }
        DevAction::Download { url, out } => {
            let rss_before = proc_status_kib("VmRSS");
            // "5" resets the peak RSS (VmHWM) to the current RSS: the peak below is this download's.
            let _ = std::fs::write("/proc/self/clear_refs", "5");
            let downloader = Downloader::new(RetryPolicy::default(), DEFAULT_MAX_CLIP_BYTES)
                .map_err(|e| Fail::new(4, e.to_string()))?;
            let started = Instant::now();
            let bytes = downloader.fetch(url, out, &|_, _| {}).await.map_err(|e| Fail::new(4, e.to_string()))?;
            let seconds = started.elapsed().as_secs_f64();
            let peak = proc_status_kib("VmHWM");
            println!(
                "{}",
                serde_json::json!({"bytes": bytes, "seconds": seconds, "rss_before_kib": rss_before,
                    "peak_rss_kib": peak, "peak_growth_kib": peak.zip(rss_before).map(|(p, b)| p.saturating_sub(b))})
            );
            Ok(())
        }
    }
}

/// A `kB` figure from /proc/self/status (Linux), e.g. "VmRSS" or "VmHWM".
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
