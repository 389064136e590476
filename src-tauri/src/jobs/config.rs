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
    /// A job near or past the time its model and duration are expected to take
    /// (`jobs::pace`): polled this often, so its end is noticed within seconds.
    pub near_done: Duration,
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
            near_done: Duration::from_secs(2),
        }
    }
}

/// From this share of its expected time on, a job's poll goes before POSTs that only fill Kyma's
/// queue (`Owner::dispatch`)…
pub const NEAR_DONE: f64 = 0.8;
/// …and until it has run this many times its expected time, it is polled every `near_done` once
/// that time is up.
pub const SLOW: f64 = 2.0;
/// The shortest wait before a poll due at a job's expected end.
const MIN_WAIT: Duration = Duration::from_millis(200);

impl PollSchedule {
    /// As `interval`, for a job expected to finish `left` from now (negative: it is late),
    /// `progress` of the way through its expected time (None: nothing known of its model yet).
    /// Before its expected end it is polled at that end if that comes sooner than the usual
    /// interval; from then, every `near_done` until it has run twice its expected time (then
    /// something is slow, and the usual schedule takes over again).
    pub fn interval_near(&self, running_for: Duration, expected: Option<(f64, f64)>) -> Duration {
        let usual = self.interval(running_for);
        let Some((progress, left)) = expected else { return usual };
        if running_for >= self.overdue_after || progress >= SLOW {
            usual
        } else if left > 0.0 {
            usual.min(Duration::from_secs_f64(left).max(MIN_WAIT))
        } else {
            usual.min(self.near_done)
        }
    }

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
    /// Jobs Kyma runs at once (tier 1's running slots until the key's limits say); more open
    /// there, and a pending one not among the oldest that many is polled every
    /// `poll.pending_behind`. `Engine::set_running_slots` changes it while it runs.
    pub running_slots: usize,
    /// How long this process's claim on a job holds without renewal (`claims::LEASE`): a killed
    /// process's jobs are taken over by another after this.
    pub lease: Duration,
}

impl EngineConfig {
    /// Unfinished jobs at Kyma at once when the key's limits do not say (Kyma's tier 1).
    pub const DEFAULT_QUEUE_CAP: usize = 12;
    /// Jobs Kyma runs at once when the key's limits do not say (Kyma's tier 1).
    pub const DEFAULT_RUNNING_SLOTS: usize = 4;

    pub fn new(data_dir: PathBuf) -> EngineConfig {
        EngineConfig {
            data_dir,
            max_downloads: 3,
            queue_cap: EngineConfig::DEFAULT_QUEUE_CAP,
            poll: PollSchedule::default(),
            retry: RetryPolicy::default(),
            max_clip_bytes: DEFAULT_MAX_CLIP_BYTES,
            max_polls_in_flight: 16,
            running_slots: EngineConfig::DEFAULT_RUNNING_SLOTS,
            lease: super::claims::LEASE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_is_polled_at_its_expected_end_then_often_until_it_is_slow() {
        let p = PollSchedule::default();
        let s = Duration::from_secs;
        // Nothing known of its model: the usual schedule.
        assert_eq!(p.interval_near(s(90), None), p.later);
        // Its end is far: the usual schedule; near: at its end.
        assert_eq!(p.interval_near(s(90), Some((0.5, 40.0))), p.later);
        assert_eq!(p.interval_near(s(90), Some((0.9, 1.5))), Duration::from_millis(1500));
        assert_eq!(p.interval_near(s(90), Some((0.99, 0.01))), MIN_WAIT);
        // Late: every 2 s, until it has run twice its time.
        assert_eq!(p.interval_near(s(90), Some((1.2, -5.0))), p.near_done);
        assert_eq!(p.interval_near(s(90), Some((2.0, -60.0))), p.later);
        // Overdue (Kyma times out at 10 min): the overdue schedule whatever it was expected to take.
        assert_eq!(p.interval_near(s(700), Some((1.0, 0.0))), p.overdue_every);
    }
}
