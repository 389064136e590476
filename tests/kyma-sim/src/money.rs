//! Money as integer micro-dollars. Floats appear only at the JSON edge, where the API speaks
//! USD numbers.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Micros(pub i64);

impl Micros {
    /// The USD number the API shows (756000 → 0.756).
    pub fn usd(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }
}

/// Parses a non-negative decimal USD amount ("100", "0.5", "12.345678") exactly.
pub fn parse_usd(text: &str) -> Result<Micros, String> {
    let text = text.trim();
    let bad = || format!("{text:?} is not a USD amount like 100 or 2.50");
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    if frac.len() > 6 {
        return Err(format!("{text:?} has more than 6 decimals"));
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let frac_micros: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<6}").parse().map_err(|_| bad())? };
    whole.checked_mul(1_000_000).and_then(|w| w.checked_add(frac_micros)).map(Micros).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_amounts_exactly() {
        assert_eq!(parse_usd("100"), Ok(Micros(100_000_000)));
        assert_eq!(parse_usd("0"), Ok(Micros(0)));
        assert_eq!(parse_usd("2.5"), Ok(Micros(2_500_000)));
        assert_eq!(parse_usd(".000001"), Ok(Micros(1)));
        assert!(parse_usd("-1").is_err());
        assert!(parse_usd("1.2345678").is_err());
        assert!(parse_usd("abc").is_err());
        assert!(parse_usd(".").is_err());
    }

    #[test]
    fn shows_usd() {
        assert_eq!(Micros(756_000).usd(), 0.756);
        assert_eq!(Micros(1_632_825).usd(), 1.632825);
    }
}
