//! The fault profile: how often the simulated service misbehaves, and the one RNG every
//! fault and job fate is drawn from (seeded when the profile says so, for repeatable runs).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FaultProfile {
    pub error_rate: f64,
    pub rate_limit_rate: f64,
    pub reset_rate: f64,
    pub truncate_rate: f64,
    pub fail_rate: f64,
    pub refund_rate: f64,
    pub expire_rate: f64,
    pub late_url_rate: f64,
    pub latency_ms: u64,
    /// A new job is created (hold taken) at once but its 202 is sent this much later: the
    /// window in which a client can die with its POST in flight.
    pub answer_delay_ms: u64,
    /// Seconds a result-URL token works after it was issued; 0 = forever.
    pub url_ttl_s: f64,
    pub seed: Option<u64>,
    /// A server that lies about the clip (every job, while set): see [`Hostile`].
    pub hostile: Option<Hostile>,
    /// Serve every clip padded with a trailing MP4 `free` box to this many bytes (0 = as made):
    /// a big, valid file for download benchmarks, streamed without being stored. Padded
    /// answers are never truncated.
    pub clip_pad_to_bytes: u64,
    /// Serve clips at most this many bytes a second (0 = as fast as the network goes): a download
    /// that takes a while, for faults that must land during one.
    pub clip_bytes_per_s: u64,
    /// Kyma gives no new result URL: a succeeded job shows the first token it was given for
    /// good, expired or not (with `url_ttl_s`, a client that slept past it gets no working link).
    pub no_fresh_urls: bool,
}

/// How a hostile server lies about a finished clip.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Hostile {
    /// The result URL is `file:///etc/passwd`.
    FileUrl,
    /// The result URL is plain http to another machine (`http://198.51.100.7/…`).
    ForeignHttp,
    /// The download answers 302 to an `ftp://` address.
    RedirectFtp,
    /// The download answers 200 with a web page (`text/html`).
    Html,
    /// The download promises 5 GiB (`Content-Length: 5368709120`), sends 1 KiB and hangs up.
    HugeLength,
    /// Polling a job answers 2 MiB of nested JSON arrays.
    JsonBomb,
    /// The download sends the clip and then zeros forever, with no Content-Length.
    Endless,
    /// Every name the client might build a path from climbs out: the job id
    /// (`../../../../tmp/kyma-traversal/<id>`), the model and the result URL's segments. The
    /// simulator still answers for them (it reads only the last segment).
    Traversal,
    /// The job id is `..` (in the POST's answer and every poll): a name no URL can carry as a
    /// segment, so `GET /v1/jobs/..` would be read as `GET /v1/`.
    DotDotId,
}

impl FaultProfile {
    pub fn validate(&self) -> Result<(), String> {
        let rates = [
            ("error_rate", self.error_rate),
            ("rate_limit_rate", self.rate_limit_rate),
            ("reset_rate", self.reset_rate),
            ("truncate_rate", self.truncate_rate),
            ("fail_rate", self.fail_rate),
            ("refund_rate", self.refund_rate),
            ("expire_rate", self.expire_rate),
            ("late_url_rate", self.late_url_rate),
        ];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        let fates = self.fail_rate + self.refund_rate + self.expire_rate;
        if fates > 1.0 + 1e-9 {
            return Err(format!("fail_rate + refund_rate + expire_rate must be at most 1, got {fates}"));
        }
        if !self.url_ttl_s.is_finite() || self.url_ttl_s < 0.0 {
            return Err(format!("url_ttl_s must be 0 or more, got {}", self.url_ttl_s));
        }
        Ok(())
    }
}

/// How a job ends, decided when it is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fate {
    Succeeded,
    Failed,
    Refunded,
    Expired,
}

impl Fate {
    pub fn as_str(self) -> &'static str {
        match self {
            Fate::Succeeded => "succeeded",
            Fate::Failed => "failed",
            Fate::Refunded => "refunded",
            Fate::Expired => "expired",
        }
    }
}

/// A fault to inject before a request is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Injected {
    Error(u16),
    RateLimit,
}

pub struct Faults {
    profile: FaultProfile,
    rng: StdRng,
}

impl Faults {
    pub fn new(profile: FaultProfile) -> Self {
        let rng = rng_for(&profile);
        Faults { profile, rng }
    }

    pub fn profile(&self) -> &FaultProfile {
        &self.profile
    }

    pub fn replace(&mut self, profile: FaultProfile) {
        self.rng = rng_for(&profile);
        self.profile = profile;
    }

    fn roll(&mut self, rate: f64) -> bool {
        rate > 0.0 && self.rng.random::<f64>() < rate
    }

    /// Draws the faults of one authenticated /v1 request: an injected answer (or none) and
    /// whether the connection is to be reset once the answer is computed.
    pub fn draw_request(&mut self) -> (Option<Injected>, bool) {
        let injected = if self.roll(self.profile.error_rate) {
            let statuses = [500, 502, 503];
            Some(Injected::Error(statuses[self.rng.random_range(0..statuses.len())]))
        } else if self.roll(self.profile.rate_limit_rate) {
            Some(Injected::RateLimit)
        } else {
            None
        };
        let reset = injected.is_none() && self.roll(self.profile.reset_rate);
        (injected, reset)
    }

    pub fn draw_truncate(&mut self) -> bool {
        self.roll(self.profile.truncate_rate)
    }

    /// The fate of a new job and whether its URL shows up one poll late.
    pub fn draw_fate(&mut self) -> (Fate, bool) {
        let p = &self.profile;
        let (fail, refund, expire) = (p.fail_rate, p.refund_rate, p.expire_rate);
        let r: f64 = self.rng.random();
        let fate = if r < fail {
            Fate::Failed
        } else if r < fail + refund {
            Fate::Refunded
        } else if r < fail + refund + expire {
            Fate::Expired
        } else {
            Fate::Succeeded
        };
        let late = self.roll(self.profile.late_url_rate);
        (fate, late)
    }
}

fn rng_for(profile: &FaultProfile) -> StdRng {
    match profile.seed {
        Some(seed) => StdRng::seed_from_u64(seed),
        None => StdRng::from_os_rng(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_profiles_repeat() {
        let profile = FaultProfile { fail_rate: 0.5, late_url_rate: 0.5, seed: Some(7), ..Default::default() };
        let mut a = Faults::new(profile.clone());
        let mut b = Faults::new(profile);
        for _ in 0..20 {
            assert_eq!(a.draw_fate(), b.draw_fate());
        }
    }

    #[test]
    fn certain_rates_always_fire() {
        let profile = FaultProfile { refund_rate: 1.0, error_rate: 1.0, ..Default::default() };
        let mut f = Faults::new(profile);
        assert_eq!(f.draw_fate().0, Fate::Refunded);
        assert!(matches!(f.draw_request().0, Some(Injected::Error(500 | 502 | 503))));
    }

    #[test]
    fn rejects_bad_rates() {
        let bad = FaultProfile { fail_rate: 1.5, ..Default::default() };
        assert!(bad.validate().is_err());
        let too_many = FaultProfile { fail_rate: 0.6, refund_rate: 0.6, ..Default::default() };
        assert!(too_many.validate().is_err());
    }
}
