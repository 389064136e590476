//! The simulator's books: accounts (balance and request window per key), jobs and their
//! lifecycle, the ledger of holds, charges, releases and refunds, and the counters behind
//! `/_sim/stats`. Plain data behind one mutex; every time is a `Duration` since start, passed
//! in, so the lifecycle is a pure function of the clock.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{json, Value};

use crate::catalog::Model;
use crate::faults::Fate;
use crate::money::Micros;

pub const RPM_WINDOW: Duration = Duration::from_secs(60);

pub struct Account {
    pub key: String,
    pub balance: Micros,
    /// Admission times of this key's authenticated requests in the last 60 s.
    pub window: VecDeque<Instant>,
}

/// A frame a client sent (the start image, or an end frame), decoded enough to know what it is.
pub struct StartImage {
    pub bytes: bytes::Bytes,
    pub width: u32,
    pub height: u32,
    pub sha256: String,
    /// File extension ffmpeg recognises the format by.
    pub ext: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageUrlKind {
    None,
    Data,
    Https,
    Http,
}

impl ImageUrlKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageUrlKind::None => "none",
            ImageUrlKind::Data => "data",
            ImageUrlKind::Https => "https",
            ImageUrlKind::Http => "http",
        }
    }
}

/// A result-URL token.
pub struct Token {
    pub value: String,
    pub issued: Duration,
    pub expires: Option<Duration>,
}

/// What a POST asked for, once validated.
pub struct JobRequest {
    pub model: &'static Model,
    pub prompt: String,
    pub duration: i64,
    pub idempotency_key: Option<String>,
    pub extra: Option<Value>,
    pub image_url_kind: ImageUrlKind,
    /// The URL as sent, except data: URIs (their bytes are in `image`).
    pub image_url: Option<String>,
    pub image: Option<Arc<StartImage>>,
    /// The frame the clip is rendered at (provider.rs: aspect, start image or default).
    pub width: u32,
    pub height: u32,
    /// The end frame from `extra` (`tail_image_url` / `end_image_url`), when it could be read.
    pub end_image: Option<Arc<StartImage>>,
}

pub struct Job {
    pub id: String,
    pub key_index: usize,
    pub request: JobRequest,
    pub created: Duration,
    /// When the job got one of its key's concurrency slots.
    pub slot_at: Option<Duration>,
    /// How long it runs once it has a slot (`Lifecycle::run_time`).
    pub run_time: Duration,
    /// When it reached its terminal state (and the ledger was settled).
    pub settled_at: Option<Duration>,
    pub hold: Micros,
    pub charged: Option<Micros>,
    pub fate: Fate,
    pub late_url: bool,
    /// A late-URL job has already answered one poll with `output: null`.
    pub late_url_served: bool,
    pub tokens: Vec<Token>,
    /// GETs of this job (polls), and of its clip: two processes sharing a library must not both
    /// fetch one clip.
    pub polls: u64,
    pub downloads: u64,
    /// The first byte each download asked for (0 for a whole one; a Range resume asks for more).
    pub range_starts: Vec<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Hold,
    Charge,
    Release,
    Refund,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Hold => "hold",
            EntryKind::Charge => "charge",
            EntryKind::Release => "release",
            EntryKind::Refund => "refund",
        }
    }
}

#[derive(Clone)]
pub struct LedgerEntry {
    pub key_index: usize,
    pub job_id: String,
    pub idempotency_key: Option<String>,
    pub kind: EntryKind,
    /// Signed: holds and charges are negative.
    pub micros: i64,
    pub at: Duration,
}

#[derive(Default)]
pub struct Stats {
    pub api_requests: u64,
    pub rpm_rejections: u64,
    pub max_requests_in_60s: usize,
    pub injected_error: u64,
    pub injected_rate_limit: u64,
    pub injected_reset: u64,
    pub injected_truncate: u64,
    pub downloads: u64,
    pub range_downloads: u64,
    /// Downloads refused because the result URL's token had expired (`url_ttl_s`).
    pub expired_url_refusals: u64,
    pub bytes_served: u64,
    pub posts: u64,
    pub jobs_created: u64,
    /// POSTs refused with 429 queue_full (the key had its queue cap of unfinished jobs).
    pub queue_full_refusals: u64,
    /// The most unfinished jobs one key had at once.
    pub max_open_jobs: usize,
}

/// Timing of the job lifecycle.
#[derive(Clone, Copy)]
pub struct Lifecycle {
    pub job_time: Duration,
    pub concurrent: usize,
    /// Run times follow the model and the duration (`--paced`), not one `job_time` for all.
    pub paced: bool,
}

impl Lifecycle {
    /// How long a job of `model` for `duration_s` seconds of footage runs once it has a slot:
    /// `job_time`, or with `paced` `job_time` × the model's pace × duration / 5 s.
    pub fn run_time(&self, model: &crate::catalog::Model, duration_s: i64) -> Duration {
        if self.paced {
            self.job_time.mul_f64(model.pace * duration_s.max(1) as f64 / 5.0)
        } else {
            self.job_time
        }
    }
}

pub struct Books {
    pub accounts: Vec<Account>,
    pub jobs: Vec<Job>,
    by_id: HashMap<String, usize>,
    by_idempotency_key: HashMap<(usize, String), usize>,
    pub ledger: Vec<LedgerEntry>,
    pub stats: Stats,
}

/// The outcome of one RPM admission.
pub enum Admission {
    Admitted,
    /// Over the limit; seconds until a slot frees.
    Rejected(u64),
}

impl Books {
    pub fn new(accounts: Vec<(String, Micros)>) -> Self {
        Books {
            accounts: accounts
                .into_iter()
                .map(|(key, balance)| Account { key, balance, window: VecDeque::new() })
                .collect(),
            jobs: Vec::new(),
            by_id: HashMap::new(),
            by_idempotency_key: HashMap::new(),
            ledger: Vec::new(),
            stats: Stats::default(),
        }
    }

    pub fn key_index(&self, key: &str) -> Option<usize> {
        self.accounts.iter().position(|a| a.key == key)
    }

    /// Counts one authenticated request against the key's sliding 60 s window.
    pub fn admit(&mut self, key_index: usize, now: Instant, rpm: usize) -> Admission {
        let Some(account) = self.accounts.get_mut(key_index) else {
            return Admission::Rejected(1);
        };
        while account.window.front().is_some_and(|t| now.duration_since(*t) >= RPM_WINDOW) {
            account.window.pop_front();
        }
        if account.window.len() >= rpm {
            self.stats.rpm_rejections += 1;
            let wait = account
                .window
                .front()
                .map(|oldest| RPM_WINDOW.saturating_sub(now.duration_since(*oldest)))
                .unwrap_or(Duration::from_secs(1));
            return Admission::Rejected(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        account.window.push_back(now);
        self.stats.max_requests_in_60s = self.stats.max_requests_in_60s.max(account.window.len());
        Admission::Admitted
    }

    pub fn rpm_used(&self, key_index: usize, now: Instant) -> usize {
        self.accounts
            .get(key_index)
            .map(|a| a.window.iter().filter(|t| now.duration_since(**t) < RPM_WINDOW).count())
            .unwrap_or(0)
    }

    pub fn job_index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn replayed(&self, key_index: usize, idempotency_key: &str) -> Option<usize> {
        self.by_idempotency_key.get(&(key_index, idempotency_key.to_string())).copied()
    }

    /// Jobs of this key that are not terminal yet (queued, pending or processing).
    pub fn open_jobs(&self, key_index: usize) -> usize {
        self.jobs.iter().filter(|j| j.key_index == key_index && j.settled_at.is_none()).count()
    }

    fn running(&self, key_index: usize) -> usize {
        self.jobs.iter().filter(|j| j.key_index == key_index && j.slot_at.is_some() && j.settled_at.is_none()).count()
    }

    /// Creates a job and places its hold. The caller has checked balance and queue cap.
    pub fn create_job(
        &mut self,
        key_index: usize,
        request: JobRequest,
        fate: (Fate, bool),
        now: Duration,
        life: Lifecycle,
    ) -> usize {
        self.advance(now, life);
        let id = format!("v{}", random_hex(24));
        let hold = request.model.cost(request.duration);
        let run_time = life.run_time(request.model, request.duration);
        let slot_at = (self.running(key_index) < life.concurrent).then_some(now);
        self.ledger.push(LedgerEntry {
            key_index,
            job_id: id.clone(),
            idempotency_key: request.idempotency_key.clone(),
            kind: EntryKind::Hold,
            micros: -hold.0,
            at: now,
        });
        if let Some(account) = self.accounts.get_mut(key_index) {
            account.balance = Micros(account.balance.0 - hold.0);
        }
        let index = self.jobs.len();
        if let Some(key) = &request.idempotency_key {
            self.by_idempotency_key.insert((key_index, key.clone()), index);
        }
        self.by_id.insert(id.clone(), index);
        self.jobs.push(Job {
            id,
            key_index,
            request,
            created: now,
            slot_at,
            run_time,
            settled_at: None,
            hold,
            charged: None,
            fate: fate.0,
            late_url: fate.1,
            late_url_served: false,
            tokens: Vec::new(),
            polls: 0,
            downloads: 0,
            range_starts: Vec::new(),
        });
        self.stats.jobs_created += 1;
        self.stats.max_open_jobs = self.stats.max_open_jobs.max(self.open_jobs(key_index));
        index
    }

    /// Moves every job whose time has come to its terminal state, in the order the
    /// transitions happened, settling the ledger exactly once for each, and hands freed
    /// concurrency slots to queued jobs of the same key.
    pub fn advance(&mut self, now: Duration, life: Lifecycle) {
        loop {
            let due = self
                .jobs
                .iter()
                .enumerate()
                .filter(|(_, j)| j.settled_at.is_none())
                .filter_map(|(i, j)| j.slot_at.map(|s| (i, s + j.run_time)))
                .filter(|(_, end)| *end <= now)
                .min_by_key(|(_, end)| *end);
            let Some((index, end)) = due else { break };
            self.settle(index, end);
            let key_index = self.jobs[index].key_index;
            self.fill_slots(key_index, end, life);
        }
        // Slots free without a job finishing (more running slots after a tier change).
        for key_index in 0..self.accounts.len() {
            self.fill_slots(key_index, now, life);
        }
    }

    /// Gives a key's free running slots to its oldest waiting jobs, from `at`.
    fn fill_slots(&mut self, key_index: usize, at: Duration, life: Lifecycle) {
        while self.running(key_index) < life.concurrent {
            let queued = self
                .jobs
                .iter_mut()
                .filter(|j| j.key_index == key_index && j.slot_at.is_none() && j.settled_at.is_none())
                .min_by_key(|j| j.created);
            let Some(job) = queued else { break };
            job.slot_at = Some(at.max(job.created));
        }
    }

    fn settle(&mut self, index: usize, at: Duration) {
        let job = &mut self.jobs[index];
        job.settled_at = Some(at);
        let hold = job.hold;
        let base = LedgerEntry {
            key_index: job.key_index,
            job_id: job.id.clone(),
            idempotency_key: job.request.idempotency_key.clone(),
            kind: EntryKind::Refund,
            micros: hold.0,
            at,
        };
        let entries = if job.fate == Fate::Succeeded {
            job.charged = Some(hold);
            vec![
                LedgerEntry { kind: EntryKind::Release, micros: hold.0, ..base.clone() },
                LedgerEntry { kind: EntryKind::Charge, micros: -hold.0, ..base },
            ]
        } else {
            vec![base]
        };
        let key_index = job.key_index;
        for entry in entries {
            if let Some(account) = self.accounts.get_mut(key_index) {
                account.balance = Micros(account.balance.0 + entry.micros);
            }
            self.ledger.push(entry);
        }
    }

    /// The job's status at `now` (call `advance` first).
    pub fn status(&self, job: &Job, now: Duration) -> &'static str {
        if job.settled_at.is_some() {
            return job.fate.as_str();
        }
        match job.slot_at {
            Some(slot) if now >= slot + job.run_time.mul_f64(0.2) => "processing",
            _ => "pending",
        }
    }

    /// The job object as a client sees it. `links` says how long result-URL tokens live and
    /// whether a view may issue a fresh one; `base_url` is where `/files` is served. Viewing may
    /// issue a fresh token and uses up a late-URL job's one empty answer.
    pub fn view(&mut self, index: usize, now: Duration, links: Links, base_url: &str, clock: &Clock) -> Value {
        let status = self.status(&self.jobs[index], now);
        let job = &mut self.jobs[index];
        let output = if job.settled_at.is_some() && job.fate == Fate::Succeeded {
            if job.late_url && !job.late_url_served {
                job.late_url_served = true;
                Value::Null
            } else {
                let token = current_token(job, now, links);
                json!({ "url": format!("{base_url}/files/{}/{token}.mp4", job.id) })
            }
        } else {
            Value::Null
        };
        let error = match (job.settled_at, job.fate) {
            (None, _) | (_, Fate::Succeeded) => Value::Null,
            (Some(_), Fate::Failed) => json!({
                "message": "The provider could not generate this clip; retry or try a different model",
                "code": "upstream_error",
            }),
            (Some(_), Fate::Refunded) => json!({
                "message": "The provider refunded this job; nothing was charged",
                "code": "refunded",
            }),
            (Some(_), Fate::Expired) => json!({
                "message": "The job timed out at the provider",
                "code": "expired",
            }),
        };
        json!({
            "id": job.id,
            "object": "video.job",
            "status": status,
            "model": job.request.model.id,
            "created_at": clock.stamp(job.created),
            "completed_at": job.settled_at.map(|t| clock.stamp(t)),
            "output": output,
            "error": error,
            "estimated_cost": job.hold.usd(),
            "charged_amount": job.charged.map(Micros::usd),
        })
    }

    /// Whether a result-URL token of this job works at `now`: `None` when unknown,
    /// `Some(false)` when expired.
    pub fn token_valid(&self, job_id: &str, token: &str, now: Duration) -> Option<bool> {
        let job = &self.jobs[self.job_index(job_id)?];
        let token = job.tokens.iter().find(|t| t.value == token)?;
        Some(token.expires.is_none_or(|e| now < e))
    }

    /// Micros charged to this key since the UTC midnight before `now`.
    pub fn used_today(&self, key_index: usize, now: Duration, clock: &Clock) -> Micros {
        let today = clock.wall(now).date();
        Micros(
            self.ledger
                .iter()
                .filter(|e| e.key_index == key_index && e.kind == EntryKind::Charge)
                .filter(|e| clock.wall(e.at).date() == today)
                .map(|e| -e.micros)
                .sum(),
        )
    }
}

/// How result links behave: their lifetime (zero: forever), and whether a view may issue a new one.
#[derive(Clone, Copy, Debug)]
pub struct Links {
    pub ttl: Duration,
    pub renew: bool,
}

/// The token to put in the job's URL: the newest one, or a fresh one when there is none or
/// the newest is older than half the TTL (and `renew`). Older tokens keep working until they expire.
fn current_token(job: &mut Job, now: Duration, links: Links) -> String {
    let Links { ttl: url_ttl, renew } = links;
    let fresh_enough =
        job.tokens.last().is_some_and(|t| !renew || url_ttl.is_zero() || now.saturating_sub(t.issued) <= url_ttl / 2);
    if !fresh_enough {
        job.tokens.push(Token {
            value: random_hex(32),
            issued: now,
            expires: (!url_ttl.is_zero()).then(|| now + url_ttl),
        });
    }
    job.tokens.last().map(|t| t.value.clone()).unwrap_or_default()
}

pub fn random_hex(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| char::from_digit(rng.random_range(0..16u32), 16).unwrap_or('0')).collect()
}

/// Wall-clock times for the monotonic offsets the books keep.
pub struct Clock {
    start: Instant,
    start_wall: time::OffsetDateTime,
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    pub fn new() -> Self {
        Clock { start: Instant::now(), start_wall: time::OffsetDateTime::now_utc() }
    }

    pub fn now(&self) -> Duration {
        self.start.elapsed()
    }

    pub fn wall(&self, offset: Duration) -> time::OffsetDateTime {
        self.start_wall + offset
    }

    /// RFC 3339, UTC, milliseconds: `2026-04-26T10:00:00.000Z`.
    pub fn stamp(&self, offset: Duration) -> String {
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
        self.wall(offset).format(&format).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::find_model;

    fn request(model: &str, duration: i64) -> JobRequest {
        JobRequest {
            model: find_model(model).unwrap(),
            prompt: "p".into(),
            duration,
            idempotency_key: None,
            extra: None,
            image_url_kind: ImageUrlKind::None,
            image_url: None,
            image: None,
            width: 1920,
            height: 1080,
            end_image: None,
        }
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn success_settles_once_with_release_and_charge() {
        let life = Lifecycle { job_time: secs(1.0), concurrent: 4, paced: false };
        let mut books = Books::new(vec![("k".into(), Micros(10_000_000))]);
        let i = books.create_job(0, request("kling-3-pro", 5), (Fate::Succeeded, false), secs(0.0), life);
        assert_eq!(books.accounts[0].balance, Micros(10_000_000 - 756_000));
        assert_eq!(books.status(&books.jobs[i], secs(0.1)), "pending");
        assert_eq!(books.status(&books.jobs[i], secs(0.5)), "processing");
        books.advance(secs(1.5), life);
        books.advance(secs(2.5), life);
        let kinds: Vec<_> = books.ledger.iter().map(|e| (e.kind, e.micros)).collect();
        assert_eq!(
            kinds,
            vec![(EntryKind::Hold, -756_000), (EntryKind::Release, 756_000), (EntryKind::Charge, -756_000)]
        );
        assert_eq!(books.jobs[i].settled_at, Some(secs(1.0)));
        assert_eq!(books.accounts[0].balance, Micros(10_000_000 - 756_000));
    }

    #[test]
    fn queued_jobs_wait_for_a_slot() {
        let life = Lifecycle { job_time: secs(1.0), concurrent: 1, paced: false };
        let mut books = Books::new(vec![("k".into(), Micros(100_000_000))]);
        let a = books.create_job(0, request("kling-2.5-pro", 1), (Fate::Failed, false), secs(0.0), life);
        let b = books.create_job(0, request("kling-2.5-pro", 1), (Fate::Succeeded, false), secs(0.1), life);
        assert_eq!(books.status(&books.jobs[b], secs(0.9)), "pending");
        books.advance(secs(3.0), life);
        assert_eq!(books.jobs[a].settled_at, Some(secs(1.0)));
        assert_eq!(books.jobs[b].slot_at, Some(secs(1.0)));
        assert_eq!(books.jobs[b].settled_at, Some(secs(2.0)));
        assert_eq!(books.accounts[0].balance, Micros(100_000_000 - 94_500));
    }

    #[test]
    fn paced_jobs_run_as_long_as_their_model_and_duration_say() {
        let life = Lifecycle { job_time: secs(10.0), concurrent: 4, paced: true };
        let mut books = Books::new(vec![("k".into(), Micros(100_000_000))]);
        let slow = books.create_job(0, request("kling-3-pro", 10), (Fate::Succeeded, false), secs(0.0), life);
        let fast = books.create_job(0, request("seedance-2-fast", 5), (Fate::Succeeded, false), secs(0.0), life);
        books.advance(secs(60.0), life);
        // 10 s × 1.4 × 10 / 5 and 10 s × 0.6 × 5 / 5.
        assert_eq!(books.jobs[slow].settled_at, Some(secs(28.0)));
        assert_eq!(books.jobs[fast].settled_at, Some(secs(6.0)));
        // Unpaced, every job takes job_time.
        let flat = Lifecycle { paced: false, ..life };
        assert_eq!(flat.run_time(crate::catalog::find_model("kling-3-pro").unwrap(), 10), secs(10.0));
    }

    #[test]
    fn rpm_window_rejects_and_says_when() {
        let mut books = Books::new(vec![("k".into(), Micros(0))]);
        let t0 = Instant::now();
        assert!(matches!(books.admit(0, t0, 2), Admission::Admitted));
        assert!(matches!(books.admit(0, t0, 2), Admission::Admitted));
        match books.admit(0, t0 + secs(10.0), 2) {
            Admission::Rejected(s) => assert_eq!(s, 50),
            Admission::Admitted => panic!("third request admitted"),
        }
        assert!(matches!(books.admit(0, t0 + secs(60.0), 2), Admission::Admitted));
        assert_eq!(books.stats.max_requests_in_60s, 2);
    }
}
