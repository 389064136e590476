//! When and how long to wait before trying a request again: exponential backoff with full jitter
//! (base 1 s, cap 60 s, at most 8 tries), and `Retry-After` honoured in both of its forms.

use rand::Rng;
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
    pub max_tries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { base: Duration::from_secs(1), cap: Duration::from_secs(60), max_tries: 8 }
    }
}

impl RetryPolicy {
    /// The wait before try number `next_try` (2 for the first retry): uniformly random in
    /// `[0, min(cap, base * 2^(next_try-2))]` ("full jitter"), or `Retry-After` when the server
    /// gave one (never more than the cap, plus a little jitter so clients do not stampede).
    pub fn delay(&self, next_try: u32, retry_after: Option<Duration>) -> Duration {
        let mut rng = rand::rng();
        if let Some(ra) = retry_after {
            let ra = ra.min(self.cap);
            let jitter = rng.random_range(0..=(self.base.as_millis() as u64 / 4).max(1));
            return ra + Duration::from_millis(jitter);
        }
        let exp = next_try.saturating_sub(2).min(20);
        let ceiling = self.base.saturating_mul(1u32 << exp).min(self.cap);
        let ms = rng.random_range(0..=ceiling.as_millis() as u64);
        Duration::from_millis(ms)
    }
}

/// HTTP statuses worth another try: timeouts, conflicts, rate limits and server errors.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 425 | 429) || (500..=599).contains(&status)
}

/// `Retry-After: 5` or `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(3600)));
    }
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(3600.0)));
        }
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO).min(Duration::from_secs(3600)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        for _ in 0..200 {
            assert!(p.delay(2, None) <= Duration::from_secs(1));
            assert!(p.delay(4, None) <= Duration::from_secs(4));
            assert!(p.delay(30, None) <= Duration::from_secs(60));
        }
        // Full jitter: across many draws the waits spread over the whole window.
        let draws: Vec<Duration> = (0..500).map(|_| p.delay(8, None)).collect();
        assert!(draws.iter().any(|d| *d < Duration::from_secs(10)));
        assert!(draws.iter().any(|d| *d > Duration::from_secs(40)));
    }

    #[test]
    fn retry_after_wins() {
        let p = RetryPolicy::default();
        let d = p.delay(2, Some(Duration::from_secs(7)));
        assert!(d >= Duration::from_secs(7) && d <= Duration::from_millis(7_250));
        assert!(p.delay(2, Some(Duration::from_secs(999))) <= Duration::from_millis(60_250));
    }

    #[test]
    fn parses_both_retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(parse_retry_after("5", now), Some(Duration::from_secs(5)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&date, now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn only_transient_statuses_retry() {
        for s in [408, 409, 429, 500, 502, 503] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [400, 401, 402, 403, 404, 422] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }
}
