//! How long Kyma takes to make a clip, by model and duration, and so which running jobs are most
//! likely done: the owner polls those first when the key's requests per minute are scarce.
//!
//! The estimate is learned. At start, from the library's finished clips: Kyma accepted → Kyma
//! completed, per second of footage. Time a job waited at Kyma for a running slot only adds to
//! that, so each model's lower quartile is its estimate. While running, from the jobs this process
//! sees finish: completed (as Kyma stamps it, or when we learned it) minus when the job began to
//! run (`Owner`'s estimate: when it was one of the jobs Kyma surely runs at once).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// Samples kept per model: recent ones, so a model that got faster is soon known as such.
const KEEP: usize = 64;

/// Learned run times, as seconds of running per second of footage.
#[derive(Debug, Default, Clone)]
pub struct Paces {
    by_model: HashMap<String, VecDeque<f64>>,
    /// Each model's estimate, and the median of them for a model never seen: worked out when a
    /// sample arrives, read at every dispatch.
    estimate: HashMap<String, f64>,
    fallback: Option<f64>,
}

impl Paces {
    /// From finished clips, oldest first: (model, seconds of footage, seconds from accepted to
    /// completed). Nonsense rows (no footage, a negative or absurd time) are skipped.
    pub fn from_history(rows: impl IntoIterator<Item = (String, u32, f64)>) -> Paces {
        let mut p = Paces::default();
        for (model, duration_s, secs) in rows {
            p.learn(&model, duration_s, Duration::from_secs_f64(secs.clamp(0.0, 86_400.0)));
        }
        p
    }

    /// A job of `model` for `duration_s` seconds of footage ran for `ran`.
    pub fn learn(&mut self, model: &str, duration_s: u32, ran: Duration) {
        if duration_s == 0 || ran.is_zero() || ran > Duration::from_secs(86_400) {
            return;
        }
        let samples = self.by_model.entry(model.to_string()).or_default();
        samples.push_back(ran.as_secs_f64() / f64::from(duration_s));
        while samples.len() > KEEP {
            samples.pop_front();
        }
        let own = quantile(samples.iter().copied().collect(), 0.25);
        self.estimate.insert(model.to_string(), own);
        self.fallback = Some(quantile(self.estimate.values().copied().collect(), 0.5));
    }

    /// Seconds of running per second of footage for `model`: its samples' lower quartile; a model
    /// never seen takes the median of the others'. None before anything finished.
    fn per_second(&self, model: &str) -> Option<f64> {
        self.estimate.get(model).copied().or(self.fallback)
    }

    /// How long a job of `model` for `duration_s` seconds is expected to run.
    pub fn expected(&self, model: &str, duration_s: u32) -> Option<Duration> {
        self.per_second(model).map(|s| Duration::from_secs_f64(s * f64::from(duration_s.max(1))))
    }
}

fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    v[i.min(v.len() - 1)]
}

/// What a job is expected to run for when nothing has been learned yet.
pub const UNKNOWN: Duration = Duration::from_secs(60);

/// How far a running job is through its expected time (1.0: it should be done now). The owner
/// polls the highest first and more often once it nears 1.
pub fn progress(running_for: Duration, expected: Option<Duration>) -> f64 {
    let expected = expected.unwrap_or(UNKNOWN).max(Duration::from_millis(100));
    running_for.as_secs_f64() / expected.as_secs_f64()
}

/// Of a key's open jobs at Kyma as `(order accepted, id)`, the ids of those Kyma runs now: it runs
/// the oldest first, `slots` at a time.
pub fn running_now(mut open: Vec<(u64, i64)>, slots: usize) -> Vec<i64> {
    if open.len() > slots {
        if slots == 0 {
            return Vec::new();
        }
        open.select_nth_unstable(slots - 1);
        open.truncate(slots);
    }
    open.into_iter().map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: f64) -> Duration {
        Duration::from_secs_f64(x)
    }

    #[test]
    fn a_model_is_expected_to_take_its_lower_quartile_per_second_of_footage() {
        // kling-3-pro: 5 s clips took 40 s when run at once, longer when they waited at Kyma.
        let p = Paces::from_history([
            ("kling-3-pro".to_string(), 5, 40.0),
            ("kling-3-pro".to_string(), 5, 41.0),
            ("kling-3-pro".to_string(), 5, 90.0),
            ("kling-3-pro".to_string(), 5, 200.0),
            ("seedance-2-fast".to_string(), 5, 15.0),
        ]);
        assert_eq!(p.expected("kling-3-pro", 5), Some(s(41.0)));
        // Twice the footage, twice the time.
        assert_eq!(p.expected("kling-3-pro", 10), Some(s(82.0)));
        assert_eq!(p.expected("seedance-2-fast", 10), Some(s(30.0)));
    }

    #[test]
    fn a_model_never_seen_takes_the_others_median_and_nothing_known_is_none() {
        assert_eq!(Paces::default().expected("kling-3-pro", 5), None);
        let p =
            Paces::from_history([("a".to_string(), 5, 10.0), ("b".to_string(), 5, 20.0), ("c".to_string(), 5, 30.0)]);
        assert_eq!(p.expected("new-model", 5), Some(s(20.0)));
    }

    #[test]
    fn recent_runs_replace_old_ones_and_nonsense_is_ignored() {
        let mut p = Paces::default();
        for _ in 0..KEEP {
            p.learn("m", 5, s(100.0));
        }
        for _ in 0..KEEP {
            p.learn("m", 5, s(20.0));
        }
        p.learn("m", 0, s(5.0));
        p.learn("m", 5, Duration::ZERO);
        p.learn("m", 5, s(1e9));
        assert_eq!(p.expected("m", 5), Some(s(20.0)));
    }

    #[test]
    fn kyma_runs_the_oldest_open_jobs_as_many_as_its_slots() {
        let open = vec![(5, 50), (1, 10), (4, 40), (2, 20), (3, 30)];
        let mut running = running_now(open.clone(), 2);
        running.sort_unstable();
        assert_eq!(running, vec![10, 20]);
        assert_eq!(running_now(open.clone(), 0), Vec::<i64>::new());
        assert_eq!(running_now(open, 9).len(), 5);
    }

    #[test]
    fn progress_is_time_running_over_time_expected() {
        assert_eq!(progress(s(30.0), Some(s(60.0))), 0.5);
        assert_eq!(progress(s(90.0), Some(s(60.0))), 1.5);
        // Nothing learned: a minute is assumed.
        assert_eq!(progress(s(30.0), None), 0.5);
        // A short clip of a fast model near its end outranks a long one barely begun.
        assert!(progress(s(9.0), Some(s(10.0))) > progress(s(60.0), Some(s(120.0))));
    }
}
