//! How the engine runs: the poll schedule and its limits (downloads, Kyma's queue, polls in
//! flight), fixed at start except the queue cap, which `Engine::set_queue_cap` changes live.

use super::download::DEFAULT_MAX_CLIP_BYTES;
use crate::api::retry::RetryPolicy;
use std::path::PathBuf;
use std::time::Duration;

/// How often open jobs are polled. Kyma asks for every 2–5 s; one job polled every 3 s is
/// already 20 requests a minute, so every poll also goes through the shared RPM limiter.
#[derive(Debug, Clone, Copy)]
pub struct PollSchedule {
    pub first: Duration,
    pub later: Duration,
    pub slow_down_after: Duration,
    pub overdue_after: Duration,
    pub overdue_every: Duration,
    pub after_problem: Duration,
    /// A job Kyma reports pending while more are open there than it surely runs at once.
    pub pending_behind: Duration,
    /// A job another process holds (see `claims`): how often the library is read for its news.
    pub held_elsewhere: Duration,
}

impl Default for PollSchedule {
    fn default() -> Self {
        PollSchedule {
            first: Duration::from_secs(3),
            later: Duration::from_secs(5),
            slow_down_after: Duration::from_secs(60),
            overdue_after: Duration::from_secs(600),
            overdue_every: Duration::from_secs(30),
            after_problem: Duration::from_secs(30),
            pending_behind: Duration::from_secs(15),
            held_elsewhere: Duration::from_secs(2),
        }
    }
}

impl PollSchedule {
    pub fn interval(&self, running_for: Duration) -> Duration {
        if running_for >= self.overdue_after {
            self.overdue_every
        } else if running_for >= self.slow_down_after {
            self.later
        } else {
            self.first
        }
    }
}

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub data_dir: PathBuf,
    pub max_downloads: usize,
    /// Unfinished jobs Kyma may hold for this key at once; more wait here, queued. The engine
    /// starts with this; `Engine::set_queue_cap` changes it while it runs.
    pub queue_cap: usize,
    pub poll: PollSchedule,
    pub retry: RetryPolicy,
    pub max_clip_bytes: u64,
    /// Polls in flight at once (each also waits for the RPM limiter).
    pub max_polls_in_flight: usize,
    /// Jobs Kyma surely runs at once (tier 1's running slots); more open there, and a pending
    /// one is polled every `poll.pending_behind`.
    pub running_slots: usize,
    /// How long this process's claim on a job holds without renewal (`claims::LEASE`): a killed
    /// process's jobs are taken over by another after this.
    pub lease: Duration,
}

impl EngineConfig {
    /// Unfinished jobs at Kyma at once when the key's limits do not say (Kyma's tier 1).
    pub const DEFAULT_QUEUE_CAP: usize = 12;

    pub fn new(data_dir: PathBuf) -> EngineConfig {
        EngineConfig {
            data_dir,
            max_downloads: 3,
            queue_cap: EngineConfig::DEFAULT_QUEUE_CAP,
            poll: PollSchedule::default(),
            retry: RetryPolicy::default(),
            max_clip_bytes: DEFAULT_MAX_CLIP_BYTES,
            max_polls_in_flight: 16,
            running_slots: 4,
            lease: super::claims::LEASE,
        }
    }
}
