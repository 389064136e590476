//! kyma-sim: an HTTP simulator of Kyma's video API (kyma-api.md, Parts 1 and 2) for Kyma
//! Studio's tests. It prints `kyma-sim listening on http://127.0.0.1:PORT` and serves until
//! killed; see this package's README for the endpoints and the fault profile.

mod api;
mod app;
mod books;
mod catalog;
mod clips;
mod error;
mod faults;
mod files;
mod images;
mod money;
mod provider;
mod sim_routes;
mod wire;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use crate::app::{Config, Sim};
use crate::books::Books;
use crate::faults::FaultProfile;
use crate::money::{parse_usd, Micros};

#[derive(Parser)]
#[command(name = "kyma-sim", about = "A simulator of Kyma's video API for tests")]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// An API key the simulator accepts, as KEY or KEY=USD (its own starting balance).
    #[arg(long = "key", required = true)]
    keys: Vec<String>,
    /// Starting balance, in USD, of keys given without =USD.
    #[arg(long, default_value = "100", value_parser = parse_usd)]
    balance_usd: Micros,
    /// Seconds a job runs once it has a concurrency slot.
    #[arg(long, default_value_t = 3.0)]
    job_seconds: f64,
    /// Run times follow the model and the clip's duration: --job-seconds × the model's pace ×
    /// duration / 5 s (paces in catalog.rs), as real models differ.
    #[arg(long)]
    paced: bool,
    /// Kyma's tier for every key (0–4): its RPM, running slots and queue cap, unless given below.
    #[arg(long, default_value_t = catalog::DEFAULT_TIER)]
    tier: u32,
    /// Authenticated /v1 requests per key per sliding minute (default: the tier's, 300 at tier 4).
    #[arg(long)]
    rpm: Option<usize>,
    /// A fault profile (JSON) to start with.
    #[arg(long)]
    faults: Option<PathBuf>,
    /// Where rendered clips are cached (default: $TMPDIR/kyma-sim-cache).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Jobs running at once per key; the rest wait in `pending` (default: the tier's, 38 at tier 4).
    #[arg(long)]
    concurrent: Option<usize>,
    /// Unfinished jobs a key may have before POSTs get 429 queue_full (default: the tier's, 114).
    #[arg(long)]
    queue_cap: Option<usize>,
    /// Also accept image_url http://127.0.0.1/… and http://localhost/… (fetched by the sim).
    #[arg(long)]
    allow_loopback_http: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("kyma-sim: {why}");
            ExitCode::FAILURE
        }
    }
}

fn accounts(args: &Args) -> Result<Vec<(String, Micros)>, String> {
    let mut accounts: Vec<(String, Micros)> = Vec::new();
    for spec in &args.keys {
        let (key, balance) = match spec.split_once('=') {
            Some((key, usd)) => (key, parse_usd(usd).map_err(|e| format!("--key {key}: {e}"))?),
            None => (spec.as_str(), args.balance_usd),
        };
        if key.is_empty() {
            return Err("--key needs a non-empty key".into());
        }
        if accounts.iter().any(|(k, _)| k == key) {
            return Err(format!("--key {key} is given twice"));
        }
        accounts.push((key.to_string(), balance));
    }
    Ok(accounts)
}

fn load_faults(path: Option<&PathBuf>) -> Result<FaultProfile, String> {
    let Some(path) = path else {
        return Ok(FaultProfile::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let profile: FaultProfile =
        serde_json::from_str(&text).map_err(|e| format!("{} is not a fault profile: {e}", path.display()))?;
    profile.validate().map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(profile)
}

fn run(args: Args) -> Result<(), String> {
    let accounts = accounts(&args)?;
    let profile = load_faults(args.faults.as_ref())?;
    if !args.job_seconds.is_finite() || args.job_seconds < 0.0 {
        return Err("--job-seconds must be 0 or more".into());
    }
    let (tier_rpm, tier_concurrent, tier_queue_cap) =
        catalog::tier_limits(args.tier).ok_or_else(|| format!("--tier {}: Kyma's tiers are 0 to 4", args.tier))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        let host = if local.ip().is_unspecified() { "127.0.0.1".to_string() } else { local.ip().to_string() };
        let host = if local.is_ipv6() && !local.ip().is_unspecified() { format!("[{host}]") } else { host };
        let base_url = format!("http://{host}:{}", local.port());
        let config = Config {
            job_time: Duration::from_secs_f64(args.job_seconds),
            paced: args.paced,
            rpm: args.rpm.unwrap_or(tier_rpm).into(),
            concurrent: args.concurrent.unwrap_or(tier_concurrent).max(1).into(),
            queue_cap: args.queue_cap.unwrap_or(tier_queue_cap).into(),
            tier: args.tier.into(),
            allow_loopback_http: args.allow_loopback_http,
            cache_dir: args.cache_dir.unwrap_or_else(|| std::env::temp_dir().join("kyma-sim-cache")),
            base_url: base_url.clone(),
        };
        let sim = Arc::new(Sim::new(config, Books::new(accounts), profile));
        app::spawn_ticker(sim.clone());
        let mut stdout = std::io::stdout();
        writeln!(stdout, "kyma-sim listening on {base_url}")
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("cannot write to stdout: {e}"))?;
        axum::serve(listener, app::router(sim)).await.map_err(|e| format!("server stopped: {e}"))
    })
}
