//! One limiter shared by every request of a key: a sliding one-minute window that keeps the
//! client under the key's requests-per-minute, however many jobs are being polled. Requests are
//! paced (one every 60/RPM s), never a minute's budget at once: a burst followed by a silent
//! minute leaves finished jobs unseen and Kyma's queue unfilled, and its stragglers can arrive
//! past the server's count. A POST (`acquire_first`) goes before the polls waiting; otherwise
//! requests go in the order they asked. (Each used to sleep until the next free instant and try
//! again, and whichever woke first went: under a full budget one poll could lose for more than a
//! minute while newer ones went, and `make bench` saw a job polled for the first time 99 s after
//! it was sent, bench/notice.md.)

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
    /// Told when the head of a line changes (a request went, or gave up waiting).
    turn: Notify,
}

#[derive(Debug)]
struct State {
    rpm: u32,
    sent: VecDeque<Instant>,
    last: Option<Instant>,
    next_ticket: u64,
    /// Tickets of the POSTs waiting, then of the polls, each in the order they asked.
    posts: VecDeque<u64>,
    polls: VecDeque<u64>,
}

impl State {
    fn head(&self) -> Option<u64> {
        self.posts.front().or(self.polls.front()).copied()
    }

    /// Books the request now if the window and the pace allow; otherwise how long until they may.
    fn try_book(&mut self, now: Instant) -> Result<(), Duration> {
        while self.sent.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            self.sent.pop_front();
        }
        let paced = self.last.map_or(now, |l| l + WINDOW / self.rpm);
        if now >= paced && (self.sent.len() as u32) < self.rpm {
            self.sent.push_back(now);
            self.last = Some(now);
            return Ok(());
        }
        let window = match self.sent.front() {
            Some(oldest) if (self.sent.len() as u32) >= self.rpm => (*oldest + WINDOW).saturating_duration_since(now),
            _ => Duration::ZERO,
        };
        Err(window.max(paced.saturating_duration_since(now)))
    }

    fn leave(&mut self, ticket: u64) {
        self.posts.retain(|t| *t != ticket);
        self.polls.retain(|t| *t != ticket);
    }
}

/// A place in line, given up if the request is dropped while it waits (its task was aborted).
struct Place<'a> {
    limiter: &'a RateLimiter,
    ticket: u64,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.limiter.state.lock().leave(self.ticket);
        self.limiter.turn.notify_waiters();
    }
}

impl RateLimiter {
    pub fn new(rpm: u32) -> RateLimiter {
        RateLimiter {
            state: Mutex::new(State {
                rpm: rpm.max(1),
                sent: VecDeque::new(),
                last: None,
                next_ticket: 0,
                posts: VecDeque::new(),
                polls: VecDeque::new(),
            }),
            turn: Notify::new(),
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
        self.take(true).await;
    }

    /// Waits until one more request fits in the window and every request that asked before it
    /// (and every POST) has gone, then books it.
    pub async fn acquire(&self) {
        self.take(false).await
    }

    async fn take(&self, first: bool) {
        let ticket = {
            let mut s = self.state.lock();
            let t = s.next_ticket;
            s.next_ticket += 1;
            if first {
                s.posts.push_back(t);
            } else {
                s.polls.push_back(t);
            }
            t
        };
        let place = Place { limiter: self, ticket };
        loop {
            // Listening before looking, so a change of head between the two is not missed.
            let told = self.turn.notified();
            tokio::pin!(told);
            told.as_mut().enable();
            let wait = {
                let mut s = self.state.lock();
                if s.head() != Some(ticket) {
                    None
                } else {
                    match s.try_book(Instant::now()) {
                        Ok(()) => {
                            s.leave(ticket);
                            drop(s);
                            std::mem::forget(place);
                            self.turn.notify_waiters();
                            return;
                        }
                        Err(wait) => Some(wait),
                    }
                }
            };
            match wait {
                // At the head: sleep until its instant, or until a POST comes ahead of it.
                Some(wait) => {
                    tokio::select! {
                        _ = tokio::time::sleep(wait.max(Duration::from_millis(1))) => {}
                        _ = &mut told => {}
                    }
                }
                None => told.await,
            }
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

    #[tokio::test(start_paused = true)]
    async fn polls_go_in_the_order_they_asked_and_a_dropped_one_gives_up_its_place() {
        let l = std::sync::Arc::new(RateLimiter::new(60));
        l.acquire().await;
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (l, order) = (l.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                l.acquire().await;
                order.lock().push(i);
            }));
            // Each asks a moment after the one before.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // The second in line goes away (its job was cancelled): the rest still go, in order.
        tasks.remove(1).abort();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*order.lock(), vec![0, 2, 3, 4, 5, 6, 7]);
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
