//! Money as integer micro-dollars (1 $ = 1,000,000 µ$). Floats appear only at the JSON edge,
//! where Kyma speaks USD numbers, and are converted once, rounding to the nearest micro-dollar.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Mul, Neg, Sub};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Micros(pub i64);

impl Micros {
    pub const ZERO: Micros = Micros(0);

    /// Converts a USD amount as Kyma sends it (e.g. `0.756`) to micro-dollars.
    /// Non-finite or absurd values (beyond ±$1e9) are refused rather than saturated.
    pub fn from_usd(usd: f64) -> Option<Micros> {
        if !usd.is_finite() || usd.abs() > 1e9 {
            return None;
        }
        Some(Micros((usd * 1_000_000.0).round() as i64))
    }

    pub fn as_usd(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }

    /// `$0.76`: rounded half-up to the cent, for labels.
    pub fn to_cents_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let cents = (self.0.unsigned_abs() + 5_000) / 10_000;
        format!("{sign}${}.{:02}", cents / 100, cents % 100)
    }

    /// `$0.756000` trimmed to `$0.756`: the exact amount, for holds and ledgers.
    pub fn to_exact_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let frac = format!("{:06}", abs % 1_000_000);
        let trimmed = frac.trim_end_matches('0');
        let frac = if trimmed.len() < 2 { &frac[..2] } else { trimmed };
        format!("{sign}${}.{frac}", abs / 1_000_000)
    }
}

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_exact_string())
    }
}

impl Add for Micros {
    type Output = Micros;
    fn add(self, o: Micros) -> Micros {
        Micros(self.0 + o.0)
    }
}
impl AddAssign for Micros {
    fn add_assign(&mut self, o: Micros) {
        self.0 += o.0;
    }
}
impl Sub for Micros {
    type Output = Micros;
    fn sub(self, o: Micros) -> Micros {
        Micros(self.0 - o.0)
    }
}
impl Neg for Micros {
    type Output = Micros;
    fn neg(self) -> Micros {
        Micros(-self.0)
    }
}
impl Mul<u32> for Micros {
    type Output = Micros;
    fn mul(self, n: u32) -> Micros {
        Micros(self.0 * i64::from(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_round_trips_to_the_micro_dollar() {
        assert_eq!(Micros::from_usd(0.326565), Some(Micros(326_565)));
        assert_eq!(Micros::from_usd(0.756), Some(Micros(756_000)));
        assert_eq!(Micros::from_usd(2.04795), Some(Micros(2_047_950)));
        assert_eq!(Micros::from_usd(f64::NAN), None);
        assert_eq!(Micros::from_usd(1e12), None);
    }

    #[test]
    fn rate_times_duration_is_exact() {
        assert_eq!(Micros(326_565) * 5, Micros(1_632_825));
        assert_eq!(Micros(409_590) * 5, Micros(2_047_950));
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(Micros(1_632_825).to_cents_string(), "$1.63");
        assert_eq!(Micros(756_000).to_cents_string(), "$0.76");
        assert_eq!(Micros(4_999).to_cents_string(), "$0.00");
        assert_eq!(Micros(5_000).to_cents_string(), "$0.01");
        assert_eq!(Micros(-1_134_000).to_cents_string(), "-$1.13");
        assert_eq!(Micros(1_632_825).to_exact_string(), "$1.632825");
        assert_eq!(Micros(756_000).to_exact_string(), "$0.756");
        assert_eq!(Micros(3_000_000).to_exact_string(), "$3.00");
    }
}
