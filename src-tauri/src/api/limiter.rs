//! One limiter shared by every request of a key: a sliding one-minute window that keeps the
//! client under the key's requests-per-minute, however many jobs are being polled.

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    rpm: u32,
    sent: VecDeque<Instant>,
}

impl RateLimiter {
    pub fn new(rpm: u32) -> RateLimiter {
        RateLimiter { state: Mutex::new(State { rpm: rpm.max(1), sent: VecDeque::new() }) }
    }

    pub fn rpm(&self) -> u32 {
        self.state.lock().rpm
    }

    /// Sets the budget, keeping a margin of one request (or 5%) for clocks that disagree.
    pub fn set_rpm_limit(&self, limit: u32) {
        let margin = (limit / 20).max(1);
        self.state.lock().rpm = limit.saturating_sub(margin).max(1);
    }

    /// Waits until one more request fits in the window, then books it.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut s = self.state.lock();
                let now = Instant::now();
                while s.sent.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                    s.sent.pop_front();
                }
                if (s.sent.len() as u32) < s.rpm {
                    s.sent.push_back(now);
                    return;
                }
                match s.sent.front() {
                    Some(oldest) => (*oldest + WINDOW).saturating_duration_since(now),
                    None => Duration::ZERO,
                }
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

    #[test]
    fn limit_keeps_a_margin() {
        let l = RateLimiter::new(300);
        l.set_rpm_limit(300);
        assert_eq!(l.rpm(), 285);
        l.set_rpm_limit(30);
        assert_eq!(l.rpm(), 29);
    }
}
