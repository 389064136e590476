//! Shared helpers for the app's integration tests: the simulator (the same harness kyma-sim's own
//! tests use), the `kyma` CLI run as a real process, ffprobe, and generated image fixtures.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod audit;
pub mod desktop;
#[path = "../kyma-sim/tests/common/mod.rs"]
pub mod sim;
#[cfg(target_os = "linux")]
pub mod small_disk;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

pub use sim::{Sim, KEY};

/// The `kyma` CLI pointed at a simulator, with its own library folder.
pub struct Kyma {
    pub data: tempfile::TempDir,
    pub api: String,
    pub key: String,
}

impl Kyma {
    pub fn new(sim: &Sim) -> Kyma {
        Kyma::with_key(sim, KEY)
    }

    pub fn with_key(sim: &Sim, key: &str) -> Kyma {
        Kyma { data: tempfile::tempdir().unwrap(), api: format!("{}/v1", sim.url), key: key.to_string() }
    }

    /// Its library folder made inside `parent` (a small disk, say).
    pub fn in_folder(sim: &Sim, parent: &Path) -> Kyma {
        Kyma { data: tempfile::tempdir_in(parent).unwrap(), api: format!("{}/v1", sim.url), key: KEY.to_string() }
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kyma"));
        c.env("KYMA_API_BASE", &self.api)
            .env("KYMA_API_KEY", &self.key)
            .env("KYMA_STUDIO_DATA_DIR", self.data.path())
            .env_remove("KYMA_FAILPOINT")
            .env_remove("RUST_BACKTRACE");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    /// Runs `kyma` on a blocking thread, so async tests can run several at once.
    pub async fn run_async(&self, args: Vec<String>) -> Output {
        let mut c = self.command();
        c.args(&args);
        tokio::task::spawn_blocking(move || c.output().unwrap()).await.unwrap()
    }

    /// One 1-second clip per model, each prompted "<prefix> <model>"; with `no_wait` each is
    /// only sent and left open at Kyma (`kyma resume` or an engine finishes them).
    pub fn one_clip_per_model(&self, prefix: &str, no_wait: bool) {
        for model in audit::MODELS {
            let prompt = format!("{prefix} {model}");
            let mut args = vec!["generate", "--model", model, "--prompt", &prompt, "--duration", "1"];
            if no_wait {
                args.push("--no-wait");
            }
            let out = self.run(&args);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
    }

    /// The app's engine on this library, in this process (as the app runs it), with `config`.
    pub fn engine_with(&self, sim: &Sim, config: kyma_studio::jobs::EngineConfig) -> kyma_studio::jobs::Engine {
        use kyma_studio::api::{limiter::RateLimiter, ApiKey, Catalog, Client};
        let limiter = std::sync::Arc::new(RateLimiter::new(100_000));
        let client =
            Client::with_policy(&format!("{}/v1", sim.url), ApiKey::new(&self.key), config.retry, limiter).unwrap();
        kyma_studio::jobs::Engine::start(config, client, Catalog::default()).unwrap()
    }

    /// [`Kyma::engine_with`] the tests' quick schedule.
    pub fn engine(&self, sim: &Sim) -> kyma_studio::jobs::Engine {
        self.engine_with(sim, fast_engine_config(self.data.path()))
    }

    pub fn jobs(&self) -> Vec<Value> {
        let out = self.run(&["jobs", "--json"]);
        assert!(out.status.success(), "kyma jobs: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().clone()
    }

    pub fn clips_dir(&self) -> PathBuf {
        self.data.path().join("clips")
    }

    /// Every file under the clips folder whose name ends in `.part`.
    pub fn part_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.clips_dir())
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "part"))
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// What ffprobe says of a clip.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub duration: f64,
    pub video_codec: String,
    pub width: u64,
    pub height: u64,
    pub audio_streams: usize,
}

pub fn ffprobe(path: &Path) -> Probe {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
        .arg(path)
        .output()
        .expect("ffprobe is installed");
    assert!(out.status.success(), "ffprobe {}: {}", path.display(), stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let streams = v["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video").expect("a video stream");
    Probe {
        duration: v["format"]["duration"].as_str().unwrap().parse().unwrap(),
        video_codec: video["codec_name"].as_str().unwrap().to_string(),
        width: video["width"].as_u64().unwrap(),
        height: video["height"].as_u64().unwrap(),
        audio_streams: streams.iter().filter(|s| s["codec_type"] == "audio").count(),
    }
}

/// A PNG with a recognisable pattern (a diagonal gradient and a block), made in code.
pub fn write_test_png(path: &Path, w: u32, h: u32) {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let block = x > w / 3 && x < w / 2 && y > h / 3 && y < h / 2;
        if block {
            image::Rgb([250, 30, 40])
        } else {
            image::Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 128])
        }
    });
    img.save(path).unwrap();
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Ledger entries of one idempotency key, as (kind, micros).
pub fn entries_for(ledger: &Value, idempotency_key: &str) -> Vec<(String, i64)> {
    ledger["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["idempotency_key"] == idempotency_key)
        .map(|e| (e["kind"].as_str().unwrap().to_string(), e["micros"].as_i64().unwrap()))
        .collect()
}

/// The sentence of the first problem of `kind` the engine reports within a minute.
pub async fn first_problem(
    events: &mut tokio::sync::broadcast::Receiver<kyma_studio::jobs::Event>,
    kind: &str,
) -> String {
    let wait = async {
        loop {
            if let Ok(kyma_studio::jobs::Event::Problem { kind: k, message, .. }) = events.recv().await {
                if k == kind {
                    return message;
                }
            }
        }
    };
    let sentence = tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .unwrap_or_else(|_| panic!("no {kind} problem was reported"));
    eprintln!("the user reads: {sentence}");
    sentence
}

/// An engine schedule for tests: quick retries and polls, the same rules.
pub fn fast_engine_config(dir: &std::path::Path) -> kyma_studio::jobs::EngineConfig {
    let mut c = kyma_studio::jobs::EngineConfig::new(dir.to_path_buf());
    c.retry = kyma_studio::api::retry::RetryPolicy {
        base: Duration::from_millis(50),
        cap: Duration::from_secs(2),
        max_tries: 8,
    };
    c.poll = kyma_studio::jobs::PollSchedule {
        first: Duration::from_millis(300),
        later: Duration::from_millis(500),
        slow_down_after: Duration::from_secs(5),
        overdue_after: Duration::from_secs(600),
        overdue_every: Duration::from_secs(5),
        after_problem: Duration::from_millis(500),
        pending_behind: Duration::from_secs(2),
        held_elsewhere: Duration::from_millis(300),
        near_done: Duration::from_millis(300),
    };
    c
}

/// Every file below `dir` (not the folders), depth first; nothing when `dir` is missing.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The app's layer on `api_base` (the simulator's `/v1`), with no key, its library in `dir` and
/// its secrets in `secrets`: a `MemoryStore` in the studio tests, the OS keychain in its own.
pub fn studio_options(
    api_base: String,
    dir: &Path,
    secrets: std::sync::Arc<dyn kyma_studio::keychain::SecretStore>,
) -> kyma_studio::studio::StudioOptions {
    kyma_studio::studio::StudioOptions {
        data_dir: dir.to_path_buf(),
        api_base: Some(api_base),
        session_key: None,
        demo: false,
        limits_every: kyma_studio::studio::StudioOptions::LIMITS_EVERY,
        secrets,
        utc_offset_minutes: 0,
    }
}

/// Image hosting on an S3 bucket nobody serves (port 9): enough to save settings with a secret.
pub fn unserved_bucket() -> kyma_studio::studio::dto::ImageHosting {
    kyma_studio::studio::dto::ImageHosting::S3 {
        endpoint: "http://127.0.0.1:9".into(),
        bucket: "starts".into(),
        region: "us-east-1".into(),
        access_key_id: "AKIDEXAMPLE".into(),
        secret_set: false,
    }
}
