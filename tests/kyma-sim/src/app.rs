//! The simulator's shared state and its HTTP routes: `/v1` (the API), `/files` (the CDN that
//! serves clips) and `/_sim` (the test-only surface).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU32, AtomicUsize};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use parking_lot::{Mutex, MutexGuard};

use crate::books::{Books, Clock, Lifecycle};
use crate::clips::Renderer;
use crate::error::ApiError;
use crate::faults::{FaultProfile, Faults, Hostile};
use crate::{api, files, sim_routes};

impl Config {
    pub fn rpm(&self) -> usize {
        self.rpm.load(Relaxed)
    }
    pub fn concurrent(&self) -> usize {
        self.concurrent.load(Relaxed)
    }
    pub fn queue_cap(&self) -> usize {
        self.queue_cap.load(Relaxed)
    }
    pub fn tier(&self) -> u32 {
        self.tier.load(Relaxed)
    }
}

/// The key's limits; `PUT /_sim/limits` changes them while running (a tier change), and clients
/// learn of it from `/v1/auth/limits`.
pub struct Config {
    pub job_time: Duration,
    /// Run times follow the model and the duration (`--paced`).
    pub paced: bool,
    /// Requests per key per sliding minute.
    pub rpm: AtomicUsize,
    /// Jobs running at once per key.
    pub concurrent: AtomicUsize,
    /// Unfinished jobs per key before POSTs get 429 queue_full.
    pub queue_cap: AtomicUsize,
    /// The tier `/v1/auth/limits` reports.
    pub tier: AtomicU32,
    pub allow_loopback_http: bool,
    pub cache_dir: PathBuf,
    /// `http://127.0.0.1:PORT`, where `/files` URLs point.
    pub base_url: String,
}

pub struct Sim {
    pub config: Config,
    pub clock: Clock,
    books: Mutex<Books>,
    faults: Mutex<Faults>,
    /// The newest `/v1` requests, as (method, path exactly as sent): `GET /_sim/requests`.
    requests: Mutex<VecDeque<(String, String)>>,
    pub renderer: Renderer,
    pub fetcher: reqwest::Client,
}

pub type SharedSim = Arc<Sim>;

impl Sim {
    pub fn new(config: Config, books: Books, profile: FaultProfile) -> Self {
        let renderer = Renderer::new(config.cache_dir.clone());
        Sim {
            config,
            clock: Clock::new(),
            books: Mutex::new(books),
            faults: Mutex::new(Faults::new(profile)),
            requests: Mutex::new(VecDeque::new()),
            renderer,
            fetcher: crate::images::fetcher(),
        }
    }

    /// The books, brought up to date with the clock. Never hold the guard across an await.
    pub fn books(&self) -> MutexGuard<'_, Books> {
        let mut books = self.books.lock();
        books.advance(self.clock.now(), self.life());
        books
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock()
    }

    /// The newest `/v1` requests, oldest first.
    pub fn requests(&self) -> Vec<(String, String)> {
        self.requests.lock().iter().cloned().collect()
    }

    pub fn life(&self) -> Lifecycle {
        Lifecycle { job_time: self.config.job_time, concurrent: self.config.concurrent(), paced: self.config.paced }
    }

    /// The job object a client sees now (may issue a fresh URL token).
    pub fn view(&self, books: &mut Books, index: usize) -> serde_json::Value {
        let url_ttl = Duration::from_secs_f64(self.faults().profile().url_ttl_s);
        let now = self.clock.now();
        let links = crate::books::Links { ttl: url_ttl, renew: !self.faults().profile().no_fresh_urls };
        let mut job = books.view(index, now, links, &self.config.base_url, &self.clock);
        let lie = match self.faults().profile().hostile {
            Some(Hostile::FileUrl) => Some("file:///etc/passwd"),
            Some(Hostile::ForeignHttp) => Some("http://198.51.100.7/clips/job.mp4"),
            _ => None,
        };
        if let (Some(url), Some(output)) = (lie, job.get_mut("output").and_then(|o| o.as_object_mut())) {
            output.insert("url".into(), url.into());
        }
        match self.faults().profile().hostile {
            Some(Hostile::Traversal) => climb_out(&mut job, &self.config.base_url),
            Some(Hostile::DotDotId) => job["id"] = "..".into(),
            _ => {}
        }
        job
    }
}

pub fn router(sim: SharedSim) -> Router {
    let v1 = Router::new()
        .route("/videos/generations", post(api::create_generation).layer(DefaultBodyLimit::max(64 * 1024 * 1024)))
        .route("/jobs/{id}", get(api::get_job))
        .route("/pricing", get(api::pricing))
        .route("/models", get(api::models))
        .route("/limits/tiers", get(api::tiers))
        .route("/auth/limits", get(api::auth_limits))
        .route("/credits/balance", get(api::balance))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(sim.clone(), latency));
    let cdn = Router::new()
        .route("/{job_id}/{file}", get(files::download))
        .layer(middleware::from_fn_with_state(sim.clone(), latency));
    let test_surface = Router::new()
        .route("/ledger", get(sim_routes::ledger))
        .route("/jobs", get(sim_routes::jobs))
        .route("/jobs/{id}/image", get(sim_routes::job_image))
        .route("/balance", put(sim_routes::set_balance))
        .route("/limits", put(sim_routes::set_limits))
        .route("/faults", get(sim_routes::get_faults).put(sim_routes::put_faults))
        .route("/stats", get(sim_routes::stats))
        .route("/requests", get(sim_routes::requests));
    Router::new()
        .nest("/v1", v1)
        .nest("/files", cdn)
        .nest("/_sim", test_surface)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(sim.clone(), record))
        .with_state(sim)
}

async fn not_found() -> Response {
    ApiError::not_found("not_found", "No such endpoint").into_response()
}

/// `latency_ms` from the fault profile, before any /v1 or /files answer.
async fn latency(State(sim): State<SharedSim>, request: Request, next: Next) -> Response {
    let delay = sim.faults().profile().latency_ms;
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    next.run(request).await
}

/// How many `/v1` requests `GET /_sim/requests` remembers (a soak run makes many more).
const REQUESTS_KEPT: usize = 10_000;

/// Notes every `/v1` request (unknown paths too, `/v1/` itself included) with its path exactly as
/// sent, so a test can see which address a client really asked for.
async fn record(State(sim): State<SharedSim>, request: Request, next: Next) -> Response {
    let uri = request.uri();
    if uri.path() == "/v1" || uri.path().starts_with("/v1/") {
        let path = uri.path_and_query().map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string());
        let mut requests = sim.requests.lock();
        if requests.len() == REQUESTS_KEPT {
            requests.pop_front();
        }
        requests.push_back((request.method().to_string(), path));
    }
    next.run(request).await
}

/// Settles jobs in the background too, so the ledger moves without anyone polling.
pub fn spawn_ticker(sim: SharedSim) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tick.tick().await;
            drop(sim.books());
        }
    });
}

/// `Hostile::Traversal`: names that climb out of any folder a client might put them in.
fn climb_out(job: &mut serde_json::Value, base_url: &str) {
    const UP: &str = "../../../../tmp/kyma-traversal/";
    let id = job["id"].as_str().unwrap_or_default().to_string();
    job["id"] = format!("{UP}{id}").into();
    job["model"] = "../../../../tmp/kyma-traversal/model".into();
    let files = format!("{}/files/", base_url.trim_end_matches('/'));
    if let Some(url) = job.pointer("/output/url").and_then(|u| u.as_str()).map(str::to_string) {
        if let Some(rest) = url.strip_prefix(&files) {
            // /files/<id>/<token>.mp4 → /files/..%2F…%2F<id>/..%2F…%2F<token>.mp4
            let climbed: Vec<String> = rest.split('/').map(|seg| format!("{UP}{seg}").replace('/', "%2F")).collect();
            job["output"]["url"] = format!("{files}{}", climbed.join("/")).into();
        }
    }
}

/// The last segment of a name `Hostile::Traversal` may have dressed up with `../`.
pub fn last_segment(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}
