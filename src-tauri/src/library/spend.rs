//! The spend history: what the library's own records say was charged, refunded and is held now,
//! per model and per day, week or month in the viewer's zone. Deleted and forgotten clips count:
//! the money was spent. Sums are integer micro-dollars, exact.

use super::query::Bound;
use super::{Bucket, Error, Library, ModelSpend, Period, Spend, SpendQuery};
use rusqlite::params_from_iter;
use std::collections::BTreeMap;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

impl Library {
    /// Sums the records since `q.since` (all of them when None), per model and per period.
    /// `held_micros` is what Kyma holds now for accepted, unsettled jobs, whatever `since` says.
    pub fn spend(&self, q: &SpendQuery) -> Result<Spend, Error> {
        let offset = zone(q.utc_offset_minutes)?;
        let since = q.since.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let mut params = Vec::new();
        let range = match since {
            Some(s) => since_bound(s, offset)?.at_or_after(&mut params),
            None => "1".to_string(),
        };
        let store = self.store();
        let conn = store.conn();
        let held: i64 = conn
            .prepare_cached(
                "SELECT COALESCE(SUM(COALESCE(estimated_micros, hold_micros)), 0) FROM generations \
                 WHERE status IN ('pending', 'processing')",
            )?
            .query_row([], |r| r.get(0))?;
        let mut st = conn.prepare_cached(&format!(
            "SELECT model, status = 'succeeded', created_at, COALESCE(charged_micros, 0), COALESCE(refunded_micros, 0) \
             FROM generations WHERE {range} \
             AND (charged_micros IS NOT NULL OR refunded_micros IS NOT NULL OR status = 'succeeded')"
        ))?;
        let mut rows = st.query(params_from_iter(params.iter()))?;

        let mut total = ModelSpend::new("");
        let mut per_model: BTreeMap<String, ModelSpend> = BTreeMap::new();
        let mut periods: BTreeMap<Date, BTreeMap<String, ModelSpend>> = BTreeMap::new();
        let mut days = DayCache::default();
        while let Some(r) = rows.next()? {
            let model: String = r.get(0)?;
            let (clip, charged, refunded): (bool, i64, i64) = (r.get(1)?, r.get(3)?, r.get(4)?);
            let add = |m: &mut ModelSpend| m.add(charged, refunded, clip);
            add(&mut total);
            add(per_model.entry(model.clone()).or_insert_with(|| ModelSpend::new(&model)));
            // A record whose date cannot be read still counts in the totals; it has no period.
            let created_at: String = r.get(2)?;
            if let Some(day) = days.local_day(&created_at, offset) {
                let models = periods.entry(period_start(day, q.period)).or_default();
                add(models.entry(model.clone()).or_insert_with(|| ModelSpend::new(&model)));
            }
        }

        let mut per_model: Vec<ModelSpend> = per_model
            .into_values()
            .filter(|m| m.charged_micros != 0 || m.refunded_micros != 0 || m.clips > 0)
            .collect();
        per_model.sort_by(|a, b| b.charged_micros.cmp(&a.charged_micros).then_with(|| a.model.cmp(&b.model)));
        let buckets = periods
            .into_iter()
            .filter_map(|(start, models)| {
                let models: Vec<ModelSpend> = models.into_values().filter(ModelSpend::has_money).collect();
                (!models.is_empty()).then(|| Bucket {
                    start: ymd(start),
                    charged_micros: models.iter().map(|m| m.charged_micros).sum(),
                    models,
                })
            })
            .collect();
        Ok(Spend {
            since: since.map(str::to_string),
            charged_micros: total.charged_micros,
            refunded_micros: total.refunded_micros,
            held_micros: held,
            clips: total.clips,
            refunds: total.refunds,
            per_model,
            buckets,
        })
    }
}

impl ModelSpend {
    fn new(model: &str) -> ModelSpend {
        ModelSpend { model: model.to_string(), charged_micros: 0, refunded_micros: 0, clips: 0, refunds: 0 }
    }

    fn add(&mut self, charged: i64, refunded: i64, clip: bool) {
        self.charged_micros += charged;
        self.refunded_micros += refunded;
        self.clips += u32::from(clip);
        self.refunds += u32::from(refunded > 0);
    }

    fn has_money(&self) -> bool {
        self.charged_micros != 0 || self.refunded_micros != 0
    }
}

fn zone(minutes: i32) -> Result<UtcOffset, Error> {
    minutes.checked_mul(60).and_then(|s| UtcOffset::from_whole_seconds(s).ok()).ok_or_else(|| {
        Error::BadQuery(format!(
            "A UTC offset of {minutes} minutes is not a time zone; give minutes east of UTC, like 60 or -300."
        ))
    })
}

/// `since` as an instant: RFC 3339, or a date meaning that day's midnight in the query's zone.
fn since_bound(since: &str, offset: UtcOffset) -> Result<Bound, Error> {
    if let Ok(t) = OffsetDateTime::parse(since, &Rfc3339) {
        return Bound::at(t, "since");
    }
    match Date::parse(since, format_description!("[year]-[month]-[day]")) {
        Ok(d) => Bound::at(d.midnight().assume_offset(offset), "since"),
        Err(_) => Err(Error::BadQuery(format!(
            "\"{since}\" is not a date the spend history can start from; use YYYY-MM-DD, like 2026-11-01."
        ))),
    }
}

/// The first day of the period holding `day`.
fn period_start(day: Date, period: Period) -> Date {
    match period {
        Period::Day => day,
        Period::Week => {
            day.checked_sub(Duration::days(i64::from(day.weekday().number_days_from_monday()))).unwrap_or(day)
        }
        Period::Month => day.replace_day(1).unwrap_or(day),
    }
}

fn ymd(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]")).unwrap_or_default()
}

/// Local dates of `created_at` values. Records come in bursts on the same UTC day, so the day is
/// parsed once and the local date follows from the time of day; anything not in the store's own
/// `YYYY-MM-DDTHH:MM:…Z` shape takes the full RFC 3339 parser.
#[derive(Default)]
struct DayCache {
    utc_day: Option<(String, Date)>,
}

impl DayCache {
    fn local_day(&mut self, created_at: &str, offset: UtcOffset) -> Option<Date> {
        let b = created_at.as_bytes();
        let canonical = b.len() >= 20 && b[10] == b'T' && b[13] == b':' && b.last() == Some(&b'Z');
        let (Some(day), Some(h), Some(m)) = (created_at.get(..10), two_digits(b, 11), two_digits(b, 14)) else {
            return self.slow(created_at, offset);
        };
        if !canonical || h > 23 || m > 59 {
            return self.slow(created_at, offset);
        }
        let date = match &self.utc_day {
            Some((d, date)) if d == day => *date,
            _ => {
                let date = Date::parse(day, format_description!("[year]-[month]-[day]")).ok()?;
                self.utc_day = Some((day.to_string(), date));
                date
            }
        };
        // Offsets are whole minutes here (the query's zone), so seconds never move the date.
        let minute = i32::from(h) * 60 + i32::from(m) + i32::from(offset.whole_minutes());
        match minute.div_euclid(24 * 60) {
            0 => Some(date),
            1 => date.next_day(),
            -1 => date.previous_day(),
            _ => self.slow(created_at, offset),
        }
    }

    fn slow(&self, created_at: &str, offset: UtcOffset) -> Option<Date> {
        OffsetDateTime::parse(created_at, &Rfc3339).ok().map(|t| t.to_offset(offset).date())
    }
}

fn two_digits(b: &[u8], at: usize) -> Option<u8> {
    match (b.get(at), b.get(at + 1)) {
        (Some(x @ b'0'..=b'9'), Some(y @ b'0'..=b'9')) => Some((x - b'0') * 10 + (y - b'0')),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::params;
    use time::macros::date;

    /// Inserts a record with the given money; returns its id.
    #[allow(clippy::too_many_arguments)]
    fn rec(
        lib: &Library,
        model: &str,
        status: &str,
        created_at: &str,
        hold: i64,
        estimated: Option<i64>,
        charged: Option<i64>,
        refunded: Option<i64>,
        removed: Option<&str>,
    ) -> i64 {
        let store = lib.store();
        store
            .conn()
            .execute(
                "INSERT INTO generations (idempotency_key, status, model, prompt, duration_s, hold_micros, \
                 estimated_micros, charged_micros, refunded_micros, created_at, updated_at, removed) \
                 VALUES (?1, ?2, ?3, 'p', 5, ?4, ?5, ?6, ?7, ?8, ?8, ?9)",
                params![
                    uuid::Uuid::new_v4().to_string(),
                    status,
                    model,
                    hold,
                    estimated,
                    charged,
                    refunded,
                    created_at,
                    removed
                ],
            )
            .unwrap();
        store.conn().last_insert_rowid()
    }

    /// Two models over three UTC days (Mon 2026-03-02 .. Wed 2026-03-04), one row at 23:30 UTC.
    fn fixture() -> (tempfile::TempDir, Library) {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(dir.path()).unwrap();
        let k = "kling-3-pro";
        let s = "seedance-2-fast";
        rec(&lib, k, "succeeded", "2026-03-02T09:00:00.123Z", 756_000, Some(756_000), Some(756_000), None, None);
        rec(&lib, s, "succeeded", "2026-03-02T23:30:00Z", 1_632_825, None, Some(1_632_825), None, None);
        rec(&lib, s, "failed", "2026-03-03T08:00:00Z", 653_130, None, None, Some(653_130), None);
        rec(&lib, k, "succeeded", "2026-03-03T12:00:00Z", 302_400, None, Some(302_400), None, Some("forgotten"));
        rec(&lib, k, "downloading", "2026-03-04T01:00:00Z", 151_200, None, Some(151_201), None, None);
        rec(&lib, s, "processing", "2026-03-04T02:00:00Z", 326_565, Some(326_000), None, None, None);
        rec(&lib, k, "pending", "2026-03-04T03:00:00Z", 1_512_000, None, None, None, None);
        rec(&lib, k, "rejected", "2026-03-04T04:00:00Z", 756_000, None, None, None, None);
        rec(&lib, s, "queued", "2026-03-04T05:00:00Z", 999, None, None, None, None);
        (dir, lib)
    }

    fn ms(model: &str, charged: i64, refunded: i64, clips: u32, refunds: u32) -> ModelSpend {
        ModelSpend { model: model.into(), charged_micros: charged, refunded_micros: refunded, clips, refunds }
    }

    fn spend(lib: &Library, since: Option<&str>, period: Period, utc_offset_minutes: i32) -> Spend {
        lib.spend(&SpendQuery { since: since.map(str::to_string), period, utc_offset_minutes }).unwrap()
    }

    #[test]
    fn totals_are_exact_and_include_removed_records() {
        let (_dir, lib) = fixture();
        let s = spend(&lib, None, Period::Day, 0);
        assert_eq!(s.charged_micros, 756_000 + 1_632_825 + 302_400 + 151_201);
        assert_eq!(s.refunded_micros, 653_130);
        assert_eq!(s.held_micros, 326_000 + 1_512_000, "estimate over hold, pending and processing only");
        assert_eq!((s.clips, s.refunds), (3, 1));
        assert_eq!(
            s.per_model,
            [ms("seedance-2-fast", 1_632_825, 653_130, 1, 1), ms("kling-3-pro", 756_000 + 302_400 + 151_201, 0, 2, 0)],
            "dearest first"
        );
    }

    #[test]
    fn days_in_utc_and_in_a_zone_east() {
        let (_dir, lib) = fixture();
        let days = |off| {
            spend(&lib, None, Period::Day, off)
                .buckets
                .into_iter()
                .map(|b| (b.start, b.charged_micros, b.models.len()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            days(0),
            [
                ("2026-03-02".to_string(), 756_000 + 1_632_825, 2),
                ("2026-03-03".to_string(), 302_400, 2),
                ("2026-03-04".to_string(), 151_201, 1),
            ]
        );
        // At +60 minutes, 23:30 UTC on the 2nd is 00:30 on the 3rd.
        assert_eq!(
            days(60),
            [
                ("2026-03-02".to_string(), 756_000, 1),
                ("2026-03-03".to_string(), 1_632_825 + 302_400, 2),
                ("2026-03-04".to_string(), 151_201, 1),
            ]
        );
        let s = spend(&lib, None, Period::Day, 60);
        assert_eq!(
            s.buckets[1].models,
            [ms("kling-3-pro", 302_400, 0, 1, 0), ms("seedance-2-fast", 1_632_825, 653_130, 1, 1)]
        );
        // At -600 minutes, 09:00 UTC on the 2nd is 23:00 on the 1st.
        assert_eq!(spend(&lib, None, Period::Day, -600).buckets[0].start, "2026-03-01");
    }

    #[test]
    fn weeks_and_months() {
        let (_dir, lib) = fixture();
        let w = spend(&lib, None, Period::Week, 0);
        assert_eq!(w.buckets.len(), 1);
        assert_eq!((w.buckets[0].start.as_str(), w.buckets[0].charged_micros), ("2026-03-02", w.charged_micros));
        // Shifted west by 10 h, the Monday-morning clip falls on Sunday: the week before.
        let w = spend(&lib, None, Period::Week, -600);
        assert_eq!(w.buckets.iter().map(|b| b.start.as_str()).collect::<Vec<_>>(), ["2026-02-23", "2026-03-02"]);
        let m = spend(&lib, None, Period::Month, 0);
        assert_eq!(m.buckets.iter().map(|b| b.start.as_str()).collect::<Vec<_>>(), ["2026-03-01"]);
        // The last evening of February in UTC is the first night of March at +60.
        rec(&lib, "kling-2.5-pro", "succeeded", "2026-02-28T23:30:00Z", 94_500, None, Some(94_500), None, None);
        let starts = |off| {
            let m = spend(&lib, None, Period::Month, off);
            assert_eq!(m.buckets.iter().map(|b| b.charged_micros).sum::<i64>(), m.charged_micros);
            m.buckets.into_iter().map(|b| b.start).collect::<Vec<_>>()
        };
        assert_eq!(starts(0), ["2026-02-01", "2026-03-01"]);
        assert_eq!(starts(60), ["2026-03-01"]);
        assert_eq!(period_start(date!(2026 - 01 - 01), Period::Week), date!(2025 - 12 - 29));
        assert_eq!(period_start(date!(2026 - 03 - 08), Period::Week), date!(2026 - 03 - 02));
    }

    #[test]
    fn since_a_date_or_an_instant() {
        let (_dir, lib) = fixture();
        let s = spend(&lib, Some("2026-03-03"), Period::Day, 0);
        assert_eq!(s.charged_micros, 302_400 + 151_201);
        assert_eq!(s.held_micros, 326_000 + 1_512_000, "what is held now does not depend on since");
        // Local midnight at +60 is 23:00 UTC on the 2nd: the 23:30 row is in.
        assert_eq!(spend(&lib, Some("2026-03-03"), Period::Day, 60).charged_micros, 1_632_825 + 302_400 + 151_201);
        assert_eq!(spend(&lib, Some("2026-03-02T09:00:00.123Z"), Period::Day, 0).clips, 3);
        assert_eq!(spend(&lib, Some("2026-03-02T09:00:00.124Z"), Period::Day, 0).clips, 2);
        assert_eq!(spend(&lib, Some(" "), Period::Day, 0).clips, 3);
        for bad in ["2026-13-45", "yesterday", "03/04/2026"] {
            let e = lib.spend(&SpendQuery { since: Some(bad.into()), ..SpendQuery::default() }).unwrap_err();
            assert!(e.to_string().contains("use YYYY-MM-DD"), "{e}");
        }
        assert!(lib.spend(&SpendQuery { utc_offset_minutes: 100_000, ..SpendQuery::default() }).is_err());
    }

    #[test]
    fn local_days_fast_path_agrees_with_the_parser() {
        let mut c = DayCache::default();
        for s in [
            "2026-03-02T23:30:00Z",
            "2026-03-02T00:10:00.5Z",
            "2026-12-31T23:59:59.999999999Z",
            "2026-01-01T00:00:00Z",
            "2026-03-02T23:30:00+02:00",
        ] {
            for off in [-840, -600, -1, 0, 1, 60, 330, 840] {
                let z = UtcOffset::from_whole_seconds(off * 60).unwrap();
                assert_eq!(c.local_day(s, z), c.slow(s, z), "{s} at {off}");
            }
        }
        assert_eq!(c.local_day("garbage", UtcOffset::UTC), None);
    }
}
