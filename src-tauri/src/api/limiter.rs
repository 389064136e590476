//! One limiter shared by every request of a key: a sliding one-minute window that keeps the
//! client under the key's requests-per-minute, however many jobs are being polled. Requests are
//! paced (one every 60/RPM s), never a minute's budget at once: a burst followed by a silent
//! minute leaves finished jobs unseen and Kyma's queue unfilled, and its stragglers can arrive
//! past the server's count. A POST (`acquire_first`) goes before the polls waiting.

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
    /// POSTs waiting for the window: polls let them go first.
    firsts: std::sync::atomic::AtomicUsize,
}

#[derive(Debug)]
struct State {
    rpm: u32,
    sent: VecDeque<Instant>,
    last: Option<Instant>,
}

impl RateLimiter {
    pub fn new(rpm: u32) -> RateLimiter {
        RateLimiter {
            state: Mutex::new(State { rpm: rpm.max(1), sent: VecDeque::new(), last: None }),
            firsts: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    pub fn rpm(&self) -> u32 {
        self.state.lock().rpm
    }

    /// Sets the budget, keeping a margin of one request (or 5%) for clocks that disagree.
    pub fn set_rpm_limit(&self, limit: u32) {
        let margin = (limit / 20).max(1);
        self.state.lock().rpm = limit.saturating_sub(margin).max(1);
    }

    /// As [`RateLimiter::acquire`], ahead of every `acquire` waiting (a POST before polls).
    pub async fn acquire_first(&self) {
        use std::sync::atomic::Ordering;
        self.firsts.fetch_add(1, Ordering::SeqCst);
        self.take(true).await;
        self.firsts.fetch_sub(1, Ordering::SeqCst);
    }

    /// Waits until one more request fits in the window, then books it.
    pub async fn acquire(&self) {
        self.take(false).await
    }

    async fn take(&self, first: bool) {
        loop {
            if !first && self.firsts.load(std::sync::atomic::Ordering::SeqCst) > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            let wait = {
                let mut s = self.state.lock();
                let now = Instant::now();
                while s.sent.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                    s.sent.pop_front();
                }
                let paced = s.last.map_or(now, |l| l + WINDOW / s.rpm);
                if now >= paced && (s.sent.len() as u32) < s.rpm {
                    s.sent.push_back(now);
                    s.last = Some(now);
                    return;
                }
                let window = match s.sent.front() {
                    Some(oldest) if (s.sent.len() as u32) >= s.rpm => (*oldest + WINDOW).saturating_duration_since(now),
                    _ => Duration::ZERO,
                };
                window.max(paced.saturating_duration_since(now))
            };
            tokio::time::sleep(wait.max(Duration::from_millis(5))).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_rpm_in_any_minute() {
        let l = RateLimiter::new(10);
        let start = Instant::now();
        let mut stamps = Vec::new();
        for _ in 0..35 {
            l.acquire().await;
            stamps.push(Instant::now().duration_since(start));
        }
        for (i, t) in stamps.iter().enumerate() {
            let in_window = stamps[i..].iter().filter(|u| **u < *t + WINDOW).count();
            assert!(in_window <= 10, "{in_window} requests within a minute of {t:?}");
        }
        // 35 requests at 10/min take at least three full windows.
        assert!(stamps[34] >= Duration::from_secs(180));
    }

    #[tokio::test(start_paused = true)]
    async fn requests_are_paced_not_burst() {
        let l = RateLimiter::new(60);
        let start = Instant::now();
        let mut stamps = Vec::new();
        for _ in 0..6 {
            l.acquire().await;
            stamps.push(Instant::now().duration_since(start));
        }
        assert_eq!(stamps[0], Duration::ZERO, "the first goes at once");
        for w in stamps.windows(2) {
            assert!(w[1] - w[0] >= Duration::from_secs(1), "60 a minute: one a second, {stamps:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_post_goes_before_the_polls_waiting() {
        let l = std::sync::Arc::new(RateLimiter::new(60));
        l.acquire().await;
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..3 {
            let (l, order) = (l.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                l.acquire().await;
                order.lock().push(format!("poll {i}"));
            }));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (l2, o2) = (l.clone(), order.clone());
        tasks.push(tokio::spawn(async move {
            l2.acquire_first().await;
            o2.lock().push("post".to_string());
        }));
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().clone();
        assert_eq!(order.first().map(String::as_str), Some("post"), "{order:?}");
        assert_eq!(order.len(), 4);
    }

    #[test]
    fn limit_keeps_a_margin() {
        let l = RateLimiter::new(300);
        l.set_rpm_limit(300);
        assert_eq!(l.rpm(), 285);
        l.set_rpm_limit(30);
        assert_eq!(l.rpm(), 29);
    }
}
