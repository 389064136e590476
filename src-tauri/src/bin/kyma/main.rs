//! `kyma`: the command-line face of Kyma Studio's core — generate clips, compare models on one
//! prompt, make batches, resume unfinished jobs, list the library, show the spend history and the
//! catalog, and manage the API key. Exit codes are part of its contract.

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kyma_studio::api::limiter::RateLimiter;
use kyma_studio::api::{self, retry::RetryPolicy, ApiKey, Catalog, Client};
use kyma_studio::error_kind::ErrorKind;
use kyma_studio::jobs::connect::Kyma;
use kyma_studio::jobs::{self, Draft, Engine, EngineConfig, Event, Generation, ImageInput, Status};
use kyma_studio::keychain::{self, OsKeychain, SecretStore};
use kyma_studio::library::{self, Library, Period, Spend, SpendQuery};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

mod dev;
mod groups;
mod library_cmd;
mod smoke;
use dev::DevAction;

/// Exit codes: 0 done; 1 the job ended failed, refunded, expired or cancelled; 2 invalid input;
/// 3 key, credit or budget refused; 4 network gave up.
#[derive(Debug)]
struct Fail {
    code: u8,
    message: String,
}

impl Fail {
    fn new(code: u8, message: impl Into<String>) -> Fail {
        Fail { code, message: message.into() }
    }
}

/// The exit code for an error of this kind: one exhaustive match, so a new kind cannot be added
/// without deciding. 1: the job ended without a clip (a cancelled batch's dropped members);
/// 2: the input must change; 3: the key, credit, budget or keychain; 4: the rest (network,
/// server, disk: the job is kept and `kyma resume` finishes it). (5, the library needs
/// `kyma library recover`, is `kyma library check`'s own; 6, a library folder away, is
/// `kyma library away`'s.)
fn code_for_kind(kind: ErrorKind) -> u8 {
    use ErrorKind as K;
    match kind {
        K::InvalidInput
        | K::Rejected
        | K::NotFound
        | K::Empty
        | K::NotAnImage
        | K::UnsupportedFormat
        | K::UnsupportedVariant
        | K::TooManyPixels
        | K::TooMuchMemory
        | K::Corrupt
        | K::FileTooLarge
        | K::OutputTooLarge
        | K::Convert
        | K::ClipboardUnreadable
        | K::NotAClip
        | K::Io => 2,
        K::Unauthorized
        | K::InsufficientCredit
        | K::OverBudget
        | K::NoKey
        | K::KeychainUnavailable
        | K::KeychainLocked
        | K::KeychainFailed => 3,
        K::RateLimited
        | K::QueueFull
        | K::Server
        | K::Unreachable
        | K::Network
        | K::Protocol
        | K::UnsafeUrl
        | K::LinkExpired
        | K::TooLarge
        | K::NotVideo
        | K::Incomplete
        | K::Damaged
        | K::Http
        | K::Disk
        | K::DiskFull
        | K::LibraryMissing
        | K::Database
        | K::NewerLibrary
        | K::StillRunning
        | K::EngineStopped
        | K::MissingImage
        | K::NoClip
        | K::NotMissing
        | K::ClipMissing
        | K::UndoExpired
        | K::NotDeleted
        | K::MoveRefused
        | K::TrashFailed
        | K::BadThumbnail
        | K::BadEndpoint
        | K::BadBucketName
        | K::BadRegion
        | K::BadAccessKey
        | K::MissingSecret
        | K::BadObjectKey
        | K::BadLinkLifetime
        | K::UnsupportedMethod
        | K::AccessDenied
        | K::WrongSecret
        | K::UnknownAccessKey
        | K::ClockSkew
        | K::BucketNotFound
        | K::WrongRegion
        | K::BucketError
        | K::Timeout
        | K::InvalidSettings
        | K::UnusableJobId
        | K::Internal => 4,
        K::Cancelled => 1,
    }
}

impl From<api::Error> for Fail {
    fn from(e: api::Error) -> Fail {
        Fail::new(code_for_kind(e.kind()), e.to_string())
    }
}

impl From<jobs::Error> for Fail {
    fn from(e: jobs::Error) -> Fail {
        Fail::new(code_for_kind(e.kind()), e.to_string())
    }
}

impl From<library::Error> for Fail {
    fn from(e: library::Error) -> Fail {
        Fail::new(code_for_kind(e.kind()), e.to_string())
    }
}

impl From<keychain::Error> for Fail {
    fn from(e: keychain::Error) -> Fail {
        Fail::new(code_for_kind(e.kind()), e.to_string())
    }
}

#[derive(Parser)]
#[command(name = "kyma", version, about = "Make short AI videos with Kyma from the command line")]
struct Cli {
    /// Kyma's API base URL.
    #[arg(long, env = "KYMA_API_BASE", default_value = api::DEFAULT_API_BASE, global = true)]
    api_base: String,
    /// The library folder (database, clips, start images).
    #[arg(long, env = "KYMA_STUDIO_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make a clip and print its path when it is in the library.
    Generate {
        #[arg(long)]
        model: String,
        #[arg(long)]
        prompt: String,
        /// Seconds of footage (the model's default when omitted).
        #[arg(long)]
        duration: Option<u32>,
        /// Start image: a local picture file or an https URL (image-to-video).
        #[arg(long)]
        image: Option<String>,
        /// End frame: a local picture file or an https URL (needs --image).
        #[arg(long)]
        end_image: Option<String>,
        /// Aspect ratio, e.g. 16:9, 9:16, 1:1 (`kyma catalog` lists each model's).
        #[arg(long)]
        aspect: Option<String>,
        /// What to avoid (a negative prompt; Kling models).
        #[arg(long)]
        negative: Option<String>,
        /// Seed, 0–2147483647 (Seedance models); takes use it and the next ones.
        #[arg(long, allow_hyphen_values = true)]
        seed: Option<String>,
        /// How many takes to make, 1–4: as many jobs and holds.
        #[arg(long, default_value_t = 1)]
        takes: u32,
        /// Return once Kyma has accepted the job; `kyma resume` finishes it later.
        #[arg(long)]
        no_wait: bool,
    },
    /// One prompt through 2 to 5 models side by side (a board): one clip per model. Options a
    /// model does not take are left out for that model, with a note.
    Compare(groups::CompareArgs),
    /// Many clips at once: every picture in a folder with one prompt, or a list of prompts
    /// (.txt: one per line; .csv: columns prompt, model, duration, aspect).
    Batch(groups::BatchArgs),
    /// Pause, resume or cancel the rest of a board or batch.
    Group {
        #[command(subcommand)]
        action: groups::GroupAction,
    },
    /// List the boards and batches, newest first: done / size, spent, state.
    Groups {
        #[arg(long)]
        json: bool,
    },
    /// Finish every unfinished job: submit, poll and download. Members of a paused group wait.
    Resume,
    /// List the library's generations, newest first.
    Jobs {
        #[arg(long)]
        json: bool,
        /// Only those whose prompt holds every word of TEXT, in any script, as the gallery's
        /// search box finds them (夕日 in 海辺の夕日, "strasse" in "Straße").
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
    },
    /// Show what the library cost: totals, per model, and per day, week or month (local time).
    Spend {
        /// Start here: a date (YYYY-MM-DD, local midnight) or an RFC 3339 instant.
        #[arg(long)]
        since: Option<String>,
        /// The length of each period.
        #[arg(long, value_enum, default_value_t = By::Day)]
        by: By,
        /// Print the spend history as JSON (money in integer micro-dollars).
        #[arg(long)]
        json: bool,
    },
    /// Show the models, their prices and durations.
    Catalog {
        #[arg(long)]
        json: bool,
    },
    /// Manage the API key kept in the OS keychain.
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Check the whole path against Kyma for about a dollar (asks first): key, catalog, limits,
    /// balance, three clips of the cheapest model; then a report of fields Kyma sent that Kyma
    /// Studio does not know, and documented ones it left out. Needs KYMA_API_KEY.
    LiveSmoke {
        /// Spend without asking.
        #[arg(long)]
        yes: bool,
        /// Where the JSON report goes.
        #[arg(long, default_value = "kyma-live-smoke.json")]
        report: PathBuf,
    },
    /// Check the library, back it up, or recover it when its database is damaged.
    Library {
        #[command(subcommand)]
        action: library_cmd::LibraryAction,
    },
    /// Tools for developing Kyma Studio.
    #[command(hide = true)]
    Dev {
        #[command(subcommand)]
        action: DevAction,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum By {
    Day,
    Week,
    Month,
}

#[derive(Subcommand)]
enum KeyAction {
    /// Read a key from standard input, check it with Kyma, and store it in the keychain.
    Set,
    /// Show whether a key is set, masked.
    Status,
    /// Remove the key from the keychain.
    Delete,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Asked before any other thread exists: the OS's local offset is only safe to read then.
    let utc_offset_minutes = time::UtcOffset::current_local_offset().map_or(0, |o| i32::from(o.whole_minutes()));
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kyma: cannot start: {e}");
            return ExitCode::from(4);
        }
    };
    match rt.block_on(run(cli, utc_offset_minutes)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("kyma: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn data_dir(cli: &Cli) -> PathBuf {
    cli.data_dir.clone().unwrap_or_else(jobs::default_data_dir)
}

/// `KYMA_API_KEY` when set (a session-only key), else the keychain.
fn resolve_key() -> Result<ApiKey, Fail> {
    if let Some(k) = std::env::var("KYMA_API_KEY").ok().filter(|k| !k.trim().is_empty()) {
        return Ok(ApiKey::new(k));
    }
    match OsKeychain.api_key()? {
        Some(k) => Ok(k),
        None => Err(Fail::new(
            3,
            "No API key is set. Run `kyma key set` (it reads the key from standard input) or set KYMA_API_KEY.",
        )),
    }
}

/// The cached catalog, refreshed from `/pricing` when the cache is over an hour old (or forced).
async fn catalog(base: &str, paths: &jobs::Paths, force: bool) -> Catalog {
    let fresh = std::fs::metadata(&paths.catalog)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < Duration::from_secs(3600));
    if fresh && !force {
        return Catalog::load_cached(&paths.catalog);
    }
    match tokio::time::timeout(Duration::from_secs(10), api::client::refresh_catalog(base, &paths.catalog, 1)).await {
        Ok(Ok(merged)) => merged,
        _ => Catalog::load_cached(&paths.catalog),
    }
}

/// The engine on this library, connected to Kyma with the key: the key is proven and its limits
/// (RPM, queue cap) adopted before anything is written or sent.
async fn start_engine(cli: &Cli, catalog: Catalog) -> Result<Engine, Fail> {
    Ok(connect(cli, catalog).await?.0)
}

/// As [`start_engine`], also answering how to reach Kyma with the same key and RPM budget.
async fn connect(cli: &Cli, catalog: Catalog) -> Result<(Engine, Kyma), Fail> {
    let kyma = Kyma { base: cli.api_base.clone(), key: resolve_key()?, limiter: Arc::new(RateLimiter::new(30)) };
    let engine = jobs::connect::start_engine(EngineConfig::new(data_dir(cli)), catalog, Some(&kyma)).await?;
    Ok((engine, kyma))
}

/// The daily spending cap saved in this library's settings (the app's Settings), in force for
/// every submit of this process; `None` when it is off.
fn obey_daily_cap(cli: &Cli, engine: &Engine, utc_offset_minutes: i32) {
    let saved = kyma_studio::studio::settings::load(&data_dir(cli));
    engine.set_daily_cap(kyma_studio::studio::settings::daily_cap(&saved, utc_offset_minutes));
}

/// A start or end frame given on the command line: a link, or a local picture file.
fn frame_input(s: &str) -> ImageInput {
    if s.contains("://") || looks_like_link(s) {
        ImageInput::Url(s.to_string())
    } else {
        ImageInput::File(PathBuf::from(s))
    }
}

async fn run(cli: Cli, utc_offset_minutes: i32) -> Result<(), Fail> {
    match &cli.command {
        Command::Generate { model, prompt, duration, image, end_image, aspect, negative, seed, takes, no_wait } => {
            let frame = |s: &String| frame_input(s);
            let seed = seed.as_deref().map(api::shot::parse_seed).transpose().map_err(api::Error::from)?;
            let draft = Draft {
                model: model.clone(),
                prompt: prompt.clone(),
                duration: *duration,
                image: image.as_ref().map(frame),
                end_image: end_image.as_ref().map(frame),
                options: api::ShotOptions {
                    aspect: aspect.clone(),
                    negative_prompt: negative.clone(),
                    cfg_scale: None,
                    seed,
                },
            };
            // Validate before the key or a job is touched, so bad input never costs anything.
            let paths = jobs::Paths::new(&data_dir(&cli));
            let catalog = catalog(&cli.api_base, &paths, false).await;
            jobs::engine::check_draft(&catalog, &draft, *takes)?;
            let engine = start_engine(&cli, catalog).await?;
            obey_daily_cap(&cli, &engine, utc_offset_minutes);
            generate(&engine, draft, *takes, *no_wait).await
        }
        Command::Compare(args) => groups::compare(&cli, args, utc_offset_minutes).await,
        Command::Library { action } => library_cmd::run(&data_dir(&cli), action),
        Command::Batch(args) => groups::batch(&cli, args, utc_offset_minutes).await,
        Command::Group { action } => groups::group_command(&cli, action).await,
        Command::Groups { json } => groups::list(&cli, *json),
        Command::LiveSmoke { yes, report } => {
            let key = std::env::var("KYMA_API_KEY").ok().filter(|k| !k.trim().is_empty()).ok_or_else(|| {
                Fail::new(3, "Set KYMA_API_KEY to the key to test with: the smoke test never reads the keychain.")
            })?;
            smoke::run(&cli.api_base, ApiKey::new(key), *yes, report).await
        }
        Command::Resume => {
            let catalog = catalog(&cli.api_base, &jobs::Paths::new(&data_dir(&cli)), false).await;
            let engine = start_engine(&cli, catalog).await?;
            resume(&engine).await
        }
        Command::Jobs { json, search } => {
            let store = jobs::Store::open(&jobs::Paths::new(&data_dir(&cli)).db)?;
            let mut list = store.list()?;
            if let Some(text) = search {
                let found: std::collections::HashSet<i64> =
                    Library::open(&data_dir(&cli))?.search_ids(text)?.into_iter().collect();
                list.retain(|g| found.contains(&g.id));
                if list.is_empty() && !*json {
                    let _ = writeln!(std::io::stdout().lock(), "No generation's prompt holds \"{text}\".");
                    return Ok(());
                }
            }
            let mut out = std::io::stdout().lock();
            if *json {
                let v = serde_json::to_string_pretty(&list).map_err(|e| Fail::new(4, e.to_string()))?;
                let _ = writeln!(out, "{v}");
            } else if list.is_empty() {
                let _ = writeln!(
                    out,
                    "No generations yet. Make one with `kyma generate --model kling-3-pro --prompt \"...\"`."
                );
            } else {
                let paths = jobs::Paths::new(&data_dir(&cli));
                for g in &list {
                    let _ = writeln!(out, "{}", job_line(g, &paths));
                }
            }
            Ok(())
        }
        Command::Catalog { json } => {
            let paths = jobs::Paths::new(&data_dir(&cli));
            let c = catalog(&cli.api_base, &paths, true).await;
            let mut out = std::io::stdout().lock();
            if *json {
                let v = serde_json::to_string_pretty(&c).map_err(|e| Fail::new(4, e.to_string()))?;
                let _ = writeln!(out, "{v}");
            } else {
                let _ = writeln!(
                    out,
                    "{:<20} {:>10} {:>8} {:<6} {:<6} {:<10} BEST FOR",
                    "MODEL", "$/S", "5 S", "AUDIO", "RES", "DURATIONS"
                );
                for m in &c.models {
                    let _ = writeln!(
                        out,
                        "{:<20} {:>10} {:>8} {:<6} {:<6} {:<10} {}",
                        m.id,
                        m.rate.to_exact_string(),
                        m.price(5).to_cents_string(),
                        if m.audio { "yes" } else { "no" },
                        m.resolution.as_deref().unwrap_or("—"),
                        api::validate::durations_text(&m.durations),
                        m.best_for
                    );
                }
                let _ = writeln!(out, "\nOPTIONS (--aspect, --end-image, --negative, --seed)");
                for m in &c.models {
                    let _ = writeln!(out, "{:<20} {}", m.id, options_text(&m.caps));
                }
            }
            Ok(())
        }
        Command::Key { action } => key_command(&cli, action).await,
        Command::Spend { since, by, json } => {
            let period = match by {
                By::Day => Period::Day,
                By::Week => Period::Week,
                By::Month => Period::Month,
            };
            let q = SpendQuery { since: since.clone(), period, utc_offset_minutes };
            let spend = Library::open(&data_dir(&cli))?.spend(&q)?;
            let mut out = std::io::stdout().lock();
            if *json {
                let v = serde_json::to_string_pretty(&spend).map_err(|e| Fail::new(4, e.to_string()))?;
                let _ = writeln!(out, "{v}");
            } else {
                let _ = write!(out, "{}", spend_text(&spend, period));
            }
            Ok(())
        }
        Command::Dev { action } => dev::run(action, &data_dir(&cli)).await,
    }
}

/// "javascript:…", "mailto:…", "data:…": a scheme (two letters or more, so "C:\\x" stays a path)
/// and no such file. Treated as a link, it gets the link rule's sentence instead of "no file".
fn looks_like_link(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else { return false };
    scheme.len() >= 2
        && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        && !std::path::Path::new(s).exists()
}

/// `kyma spend` for people: totals, a table per model, and one line per period with a bar.
fn spend_text(s: &Spend, period: Period) -> String {
    use std::fmt::Write as _;
    let money = |m: i64| api::Micros(m).to_string();
    let mut t = String::new();
    let since = s.since.as_deref().map_or_else(|| "since the first generation".to_string(), |d| format!("since {d}"));
    if s.per_model.is_empty() && s.held_micros == 0 {
        let _ = writeln!(t, "Nothing spent {since}.");
        return t;
    }
    let _ = writeln!(t, "Spent {since}:");
    let _ = writeln!(t, "  charged   {:>14}  {} clip(s)", money(s.charged_micros), s.clips);
    let _ = writeln!(t, "  refunded  {:>14}  {} refund(s)", money(s.refunded_micros), s.refunds);
    let _ = writeln!(t, "  held now  {:>14}", money(s.held_micros));
    if !s.per_model.is_empty() {
        let _ = writeln!(t, "\n{:<20} {:>6} {:>8} {:>14} {:>14}", "MODEL", "CLIPS", "REFUNDS", "CHARGED", "REFUNDED");
        for m in &s.per_model {
            let _ = writeln!(
                t,
                "{:<20} {:>6} {:>8} {:>14} {:>14}",
                m.model,
                m.clips,
                m.refunds,
                money(m.charged_micros),
                money(m.refunded_micros)
            );
        }
    }
    if !s.buckets.is_empty() {
        const BAR: i128 = 40;
        let head = match period {
            Period::Day => "DAY",
            Period::Week => "WEEK OF",
            Period::Month => "MONTH OF",
        };
        let top = s.buckets.iter().map(|b| b.charged_micros).max().unwrap_or(0).max(1);
        let _ = writeln!(t, "\n{head:<10}  {:>14}", "CHARGED");
        for b in &s.buckets {
            // Integer arithmetic; any spend at all shows at least one block.
            let len = (i128::from(b.charged_micros.max(0)) * BAR + i128::from(top) - 1) / i128::from(top);
            let _ = writeln!(t, "{:<10}  {:>14}  {}", b.start, money(b.charged_micros), "█".repeat(len as usize));
        }
    }
    t
}

async fn key_command(cli: &Cli, action: &KeyAction) -> Result<(), Fail> {
    match action {
        KeyAction::Set => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Fail::new(2, format!("Could not read the key from standard input: {e}")))?;
            let key = ApiKey::new(s.lines().next().unwrap_or("").trim());
            api::validate::check_key_format(key.expose()).map_err(api::Error::from)?;
            let once = RetryPolicy { max_tries: 2, ..RetryPolicy::default() };
            let c =
                Client::with_policy(&cli.api_base, key.clone(), once, Arc::new(api::limiter::RateLimiter::new(30)))?;
            match c.limits().await {
                Ok(_) => {}
                Err(e @ api::Error::Unauthorized { .. }) => return Err(e.into()),
                Err(e) => {
                    eprintln!("kyma: warning: the key could not be checked now ({}); storing it anyway.", e.kind())
                }
            }
            OsKeychain.set_api_key(&key)?;
            println!("Key {} stored in the system keychain.", key.masked());
            Ok(())
        }
        KeyAction::Status => {
            if let Some(k) = std::env::var("KYMA_API_KEY").ok().filter(|k| !k.trim().is_empty()) {
                println!("A session key is set from KYMA_API_KEY ({}).", ApiKey::new(k).masked());
                return Ok(());
            }
            match OsKeychain.api_key()? {
                Some(k) => println!("A key is set ({}), kept in the system keychain.", k.masked()),
                None => println!("No key is set. Run `kyma key set`."),
            }
            Ok(())
        }
        KeyAction::Delete => {
            if OsKeychain.delete(keychain::Secret::ApiKey)? {
                println!("The key was removed from the system keychain.");
            } else {
                println!("There was no key in the system keychain.");
            }
            Ok(())
        }
    }
}

fn job_line(g: &Generation, paths: &jobs::Paths) -> String {
    let money = match (g.status, g.charged, g.refunded) {
        (_, Some(c), _) => format!("charged {}", c.to_cents_string()),
        (_, _, Some(r)) => format!("refunded {}", r.to_cents_string()),
        (Status::Rejected, _, _) => "not charged".to_string(),
        _ => format!("hold {}", g.estimated.unwrap_or(g.hold).to_cents_string()),
    };
    let tail = match (g.status, paths.clip_path(g), &g.error_message) {
        (Status::Succeeded, Some(p), _) => p.display().to_string(),
        (_, _, Some(e)) => e.clone(),
        _ => String::new(),
    };
    let prompt: String = g.prompt.chars().take(40).collect();
    let status = if g.overdue { format!("{} (overdue)", g.status.as_str()) } else { g.status.as_str().to_string() };
    format!(
        "#{:<5} {:<12} {:<18} {:>3}s {:<16} {:<42} {}",
        g.id,
        status,
        g.model,
        g.duration_s,
        money,
        format!("\"{prompt}\""),
        tail
    )
}

/// Shows waiting and download progress: a bar on a terminal, plain lines otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    last_line: String,
}

impl Progress {
    fn new() -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} {elapsed_precise} {msg} {wide_bar} {bytes}/{total_bytes}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        Progress { bar, last_line: String::new() }
    }

    fn status(&mut self, line: String) {
        match &self.bar {
            Some(b) => b.set_message(line),
            None if line != self.last_line => {
                eprintln!("{line}");
                self.last_line = line;
            }
            None => {}
        }
    }

    fn bytes(&mut self, done: u64, total: Option<u64>) {
        match &self.bar {
            Some(b) => {
                if let Some(t) = total {
                    b.set_length(t);
                }
                b.set_position(done);
            }
            None => {
                if let Some(t) = total.filter(|t| *t > 0) {
                    let pct = done * 100 / t;
                    self.status(format!("downloading {}%", pct / 25 * 25));
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn ended(g: &Generation, paths: &jobs::Paths) -> Option<Result<(), Fail>> {
    match g.status {
        Status::Succeeded => {
            let p = paths.clip_path(g).map(|p| p.display().to_string()).unwrap_or_default();
            println!("{p}");
            Some(Ok(()))
        }
        Status::Failed | Status::Refunded | Status::Expired => {
            let refund =
                g.refunded.map(|r| format!(" The hold of {} was refunded.", r.to_cents_string())).unwrap_or_default();
            let why = g.error_message.clone().unwrap_or_default();
            Some(Err(Fail::new(
                1,
                format!("Generation #{} {}: {why}.{refund}", g.id, g.status.as_str()).replace("..", "."),
            )))
        }
        Status::Rejected => {
            // A refusal stores our kind's name; one this version does not know is Internal.
            let kind = g
                .error_kind
                .as_deref()
                .map_or(ErrorKind::Rejected, |k| ErrorKind::parse(k).unwrap_or(ErrorKind::Internal));
            let msg = g.error_message.clone().unwrap_or_else(|| "Kyma refused the request.".into());
            Some(Err(Fail::new(code_for_kind(kind), format!("{msg} Nothing was charged."))))
        }
        _ => None,
    }
}

/// What a model takes besides prompt, duration and start image, in one line.
fn options_text(caps: &api::Capabilities) -> String {
    let mut parts = vec![];
    if caps.aspect_param.is_some() && !caps.aspects.is_empty() {
        let follows = if caps.aspect_follows_image { " (text-to-video; with an image, its shape)" } else { "" };
        parts.push(format!("aspect {}{follows}", caps.aspects.join(" ")));
    }
    if caps.end_image_param.is_some() {
        parts.push("end frame".into());
    }
    if caps.negative_prompt_param.is_some() {
        parts.push("negative prompt".into());
    }
    if caps.seed_param.is_some() {
        parts.push("seed".into());
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(" · ")
    }
}

async fn generate(engine: &Engine, draft: Draft, takes: u32, no_wait: bool) -> Result<(), Fail> {
    let mut events = engine.subscribe();
    let made = engine.submit_takes(draft, takes).await?;
    let paths = engine.paths().clone();
    let mut progress = Progress::new();
    let mut open: Vec<i64> = made.iter().map(|g| g.id).collect();
    let mut outcome: Result<(), Fail> = Ok(());
    let mut keep = |result: Result<(), Fail>| {
        if let (Ok(()), Err(f)) = (&outcome, result) {
            outcome = Err(f);
        }
    };
    for g in &made {
        let seed = g.shot.seed.map(|s| format!(", seed {s}")).unwrap_or_default();
        progress.status(format!("#{} {} queued (hold {}{seed})", g.id, g.model, g.hold.to_cents_string()));
    }
    while !open.is_empty() {
        let event = match events.recv().await {
            Ok(e) => e,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => Event::Changed(Box::new(engine.get(open[0])?)),
            Err(_) => return Err(Fail::new(4, "The job engine stopped unexpectedly; run `kyma resume`.")),
        };
        match event {
            Event::Changed(g) if open.contains(&g.id) => {
                let id = g.id;
                if let Some(done) = ended(&g, &paths) {
                    progress.finish();
                    open.retain(|o| *o != id);
                    keep(done);
                    continue;
                }
                if no_wait && g.kyma_id.is_some() {
                    progress.finish();
                    println!("#{} {} {}", g.id, g.kyma_id.as_deref().unwrap_or(""), g.status.as_str());
                    open.retain(|o| *o != id);
                    continue;
                }
                progress.status(format!("#{id} {} {}", g.model, g.status.as_str()));
            }
            Event::Progress { id, bytes_done, bytes_total } if open.contains(&id) => {
                progress.bytes(bytes_done, bytes_total)
            }
            Event::Problem { id, kind, message, .. } if open.contains(&id) => {
                progress.finish();
                open.retain(|o| *o != id);
                let g = engine.get(id)?;
                if g.status == Status::Rejected {
                    keep(ended(&g, &paths).unwrap_or(Ok(())));
                    continue;
                }
                keep(Err(Fail::new(
                    code_for_kind(kind),
                    format!("{message} Generation #{id} is kept; run `kyma resume` to finish it."),
                )));
            }
            _ => {}
        }
    }
    outcome
}

/// Finishes every unfinished generation but the queued members of paused groups, which wait
/// by design (`kyma group resume ID` sends them); says how many wait, and where.
async fn resume(engine: &Engine) -> Result<(), Fail> {
    let mut events = engine.subscribe();
    let paths = engine.paths().clone();
    let paused: Vec<jobs::Group> =
        engine.groups()?.into_iter().filter(|g| g.state == jobs::GroupState::Paused).collect();
    // As the engine decides: a paused group's members never sent wait; one whose POST may have
    // reached Kyma goes on.
    let waits = |g: &Generation| {
        g.status == Status::Queued
            && g.post_attempts == 0
            && g.group_id.is_some_and(|id| paused.iter().any(|p| p.id == id))
    };
    let open = engine.open_generations()?;
    let to_finish = open.iter().filter(|g| !waits(g)).count();
    if open.is_empty() {
        eprintln!("Nothing to resume: every generation is finished.");
        return Ok(());
    }
    if to_finish > 0 {
        eprintln!("Resuming {to_finish} unfinished generation(s).");
    }
    let mut failed = 0;
    loop {
        let remaining = engine.open_generations()?;
        if remaining.iter().all(waits) {
            for p in &paused {
                let n = remaining.iter().filter(|g| g.group_id == Some(p.id)).count();
                if n > 0 {
                    eprintln!(
                        "{n} generation(s) wait in paused {} #{} \"{}\"; `kyma group resume {}` sends them.",
                        p.kind.as_str(),
                        p.id,
                        groups::title_shown(&p.title),
                        p.id
                    );
                }
            }
            break;
        }
        let event = tokio::time::timeout(Duration::from_secs(5), events.recv()).await;
        match event {
            Ok(Ok(Event::Changed(g))) if g.status.is_terminal() => {
                let line = job_line(&g, &paths);
                println!("{line}");
                if g.status != Status::Succeeded {
                    failed += 1;
                }
            }
            Ok(Ok(Event::Problem { id, kind, message, .. })) => {
                if engine.get(id)?.status.is_terminal() {
                    continue;
                }
                return Err(Fail::new(
                    code_for_kind(kind),
                    format!("Generation #{id}: {message} Run `kyma resume` again later."),
                ));
            }
            Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => {
                return Err(Fail::new(4, "The job engine stopped unexpectedly; run `kyma resume` again."))
            }
            _ => {}
        }
    }
    if failed > 0 {
        return Err(Fail::new(
            1,
            format!("{failed} generation(s) ended without a clip (failed, refunded or expired)."),
        ));
    }
    Ok(())
}
