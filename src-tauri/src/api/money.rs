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

    /// An amount of US dollars typed by a person (`--max-spend`): `2`, `2.5`, `$2.50`, ` 0.000001 `,
    /// read exactly (no float in between). `None` for a negative or signed amount, more than six
    /// decimals (below a micro-dollar), more than $1,000,000,000, or anything not such a number
    /// (`NaN`, `1e3`, `1,000`, an empty string).
    pub fn parse_usd(text: &str) -> Option<Micros> {
        let t = text.trim();
        let t = t.strip_prefix('$').unwrap_or(t).trim_start();
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty())
            || !digits(whole)
            || !digits(frac)
            || frac.len() > 6
            || whole.len() > 10
        {
            return None;
        }
        let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
        let frac: i64 = format!("{frac:0<6}").parse().ok()?;
        let micros = whole.checked_mul(1_000_000)?.checked_add(frac)?;
        (micros <= 1_000_000_000 * 1_000_000).then_some(Micros(micros))
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
    fn typed_dollars_are_read_exactly() {
        for (text, micros) in [
            ("2", 2_000_000),
            ("2.5", 2_500_000),
            ("$2.50", 2_500_000),
            (" $ 0.10 ", 100_000),
            ("0.000001", 1),
            (".5", 500_000),
            ("3.", 3_000_000),
            ("0", 0),
            ("1000000000", 1_000_000_000_000_000),
        ] {
            assert_eq!(Micros::parse_usd(text), Some(Micros(micros)), "{text:?}");
        }
        // 0.29 as a float is 0.28999…: read as text it is exact.
        assert_eq!(Micros::parse_usd("0.29"), Some(Micros(290_000)));
        for bad in [
            "",
            " ",
            "$",
            ".",
            "-1",
            "-0.5",
            "+2",
            "NaN",
            "nan",
            "inf",
            "1e3",
            "1,000",
            "2.1234567",
            "1.2.3",
            "$-2",
            "two",
            "2 USD",
            "1000000000.01",
            "99999999999",
            "0x10",
            "١٢",
            "0.1234560",
        ] {
            assert_eq!(Micros::parse_usd(bad), None, "{bad:?}");
        }
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
