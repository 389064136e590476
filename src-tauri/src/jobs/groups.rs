//! Boards and batches (issue 14): generations made together, recorded as one group in one
//! transaction before any POST. A batch can be paused (its queued members wait here), resumed and
//! cancelled (members never sent are dropped, uncharged; members already at Kyma finish). Each
//! member may carry the user's mark, keep or reject. And the daily spending cap they all obey.

use super::error::Error;
use super::store::{Generation, Store};
use crate::api::Micros;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, UtcOffset};

macro_rules! named {
    ($(#[$m:meta])* $name:ident { $($(#[doc = $doc:literal])* $variant:ident = $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
        #[serde(rename_all = "snake_case")]
        #[ts(export)]
        pub enum $name { $($(#[doc = $doc])* $variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s,)* }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$variant),)* _ => None }
            }
        }
    };
}

named! {
    /// What a group is.
    GroupKind {
        /// One prompt × 2–5 models, side by side.
        Board = "board",
        /// Many start images × one prompt, or many prompts.
        Batch = "batch",
    }
}

named! {
    /// What the user asked of a group.
    GroupState {
        Running = "running",
        /// Queued members wait here; members at Kyma carry on.
        Paused = "paused",
        /// Members never sent were dropped (nothing charged); members at Kyma finish.
        Cancelled = "cancelled",
    }
}

named! {
    /// The user's verdict on a take.
    Mark {
        Keep = "keep",
        Reject = "reject",
    }
}

/// A group as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub id: i64,
    pub kind: GroupKind,
    pub title: String,
    pub state: GroupState,
    pub size: u32,
    /// The holds of all its members at submit (the total the user confirmed).
    pub hold: Micros,
    pub created_at: String,
    pub updated_at: String,
    /// What was said when it was made: on a board, the options each model lacks and left out.
    pub notes: Vec<String>,
}

/// A group about to be recorded with its members.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGroup {
    pub kind: GroupKind,
    /// What the group is called in the queue and the gallery (its prompt, or a summary).
    pub title: String,
    /// Kept with it and shown whenever it is opened (a board's options left out per model).
    pub notes: Vec<String>,
}

/// A board's note for one model: "kling-3-pro: end frame, seed left out" (None when nothing was).
/// The window and the CLI write it in this one form; the window groups the notes into a sentence.
pub fn left_out_note(model: &str, lost: &[&str]) -> Option<String> {
    (!lost.is_empty()).then(|| format!("{model}: {} left out", lost.join(", ")))
}

/// The largest group: a batch of more clips than this is refused before anything is recorded.
pub const MAX_GROUP: usize = 500;
/// A board compares 2 to 5 models.
pub const BOARD_MODELS: std::ops::RangeInclusive<usize> = 2..=5;

/// What cancelling a group did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct CancelReport {
    /// Members never sent, dropped with no charge.
    pub dropped: u32,
    /// Members already at Kyma (or whose POST may have reached it): they finish and are billed.
    pub at_kyma: u32,
}

/// The daily spending cap the user set (off by default): a submit that would take what today's
/// generations cost or hold past it is refused before anything is recorded or sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DailyCap {
    pub cap: Micros,
    /// The user's zone: the day starts at their midnight.
    pub utc_offset_minutes: i32,
}

/// Money asked for by one submit, and what it must fit in besides the daily cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Spending {
    /// `--max-spend`: the most this submit may hold in total.
    pub max_total: Option<Micros>,
    /// Kyma's balance, when it answered: a board or batch above it is refused up front.
    pub balance: Option<Micros>,
}

impl DailyCap {
    /// The start of the user's day containing `now`, as the 19-character UTC prefix the stored
    /// RFC 3339 stamps compare against (`2026-12-07T05:00:00`).
    pub fn day_start(&self, now: OffsetDateTime) -> String {
        let offset = UtcOffset::from_whole_seconds(self.utc_offset_minutes * 60).unwrap_or(UtcOffset::UTC);
        let local = now.to_offset(offset);
        let midnight = local.replace_time(time::Time::MIDNIGHT).to_offset(UtcOffset::UTC);
        let d = midnight.date();
        let t = midnight.time();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            d.year(),
            u8::from(d.month()),
            d.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

/// What today's generations cost or hold: charges of settled ones, holds of unfinished ones
/// (queued here included: they will be sent). Refunded and refused ones cost nothing.
pub fn committed_since(conn: &Connection, since: &str) -> Result<Micros, Error> {
    let sum: i64 = conn.query_row(
        "SELECT COALESCE(SUM(CASE \
            WHEN charged_micros IS NOT NULL THEN charged_micros \
            WHEN status IN ('queued','pending','processing','downloading') THEN COALESCE(estimated_micros, hold_micros) \
            ELSE 0 END), 0) FROM generations WHERE created_at >= ?1",
        [since],
        |r| r.get(0),
    )?;
    Ok(Micros(sum))
}

/// Holds of jobs recorded here and never sent: Kyma's balance does not show them yet.
pub fn unsent_holds(conn: &Connection) -> Result<Micros, Error> {
    let sum: i64 = conn.query_row(
        "SELECT COALESCE(SUM(hold_micros), 0) FROM generations WHERE status = 'queued' AND post_attempts = 0",
        [],
        |r| r.get(0),
    )?;
    Ok(Micros(sum))
}

/// Refuses `asking` when today's spending would pass the cap.
pub fn check_daily_cap(conn: &Connection, cap: Option<DailyCap>, asking: Micros) -> Result<(), Error> {
    let Some(cap) = cap else { return Ok(()) };
    let spent = committed_since(conn, &cap.day_start(OffsetDateTime::now_utc()))?;
    if spent.0 + asking.0 > cap.cap.0 {
        return Err(Error::OverDailyCap { cap: cap.cap, spent, asking });
    }
    Ok(())
}

/// Refuses `asking` above `--max-spend` or, for a board or batch, above Kyma's balance less what
/// is queued here unsent.
pub fn check_spending(conn: &Connection, spending: Spending, asking: Micros) -> Result<(), Error> {
    if let Some(max) = spending.max_total {
        if asking.0 > max.0 {
            return Err(Error::OverMaxSpend { max, asking });
        }
    }
    if let Some(balance) = spending.balance {
        let queued = unsent_holds(conn)?;
        if asking.0 + queued.0 > balance.0 {
            return Err(Error::OverBalance { balance, queued, asking });
        }
    }
    Ok(())
}

fn group_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Group> {
    Ok(Group {
        id: r.get(0)?,
        kind: GroupKind::parse(&r.get::<_, String>(1)?).unwrap_or(GroupKind::Batch),
        title: r.get(2)?,
        state: GroupState::parse(&r.get::<_, String>(3)?).unwrap_or(GroupState::Running),
        size: r.get(4)?,
        hold: Micros(r.get(5)?),
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        // Written by us as a JSON array; anything else reads as no notes rather than no group.
        notes: serde_json::from_str(&r.get::<_, String>(8)?).unwrap_or_default(),
    })
}

const GROUP_COLUMNS: &str = "id, kind, title, state, size, hold_micros, created_at, updated_at, notes";

impl Store {
    pub fn group(&self, id: i64) -> Result<Group, Error> {
        self.conn()
            .query_row(&format!("SELECT {GROUP_COLUMNS} FROM groups WHERE id = ?1"), [id], group_from_row)
            .optional()?
            .ok_or(Error::NoSuchGroup(id))
    }

    /// Every group, newest first.
    pub fn groups(&self) -> Result<Vec<Group>, Error> {
        let mut st = self.conn().prepare_cached(&format!("SELECT {GROUP_COLUMNS} FROM groups ORDER BY id DESC"))?;
        let rows = st.query_map([], group_from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Groups the user paused: their queued members wait.
    pub fn paused_groups(&self) -> Result<Vec<i64>, Error> {
        let mut st = self.conn().prepare_cached("SELECT id FROM groups WHERE state = 'paused'")?;
        let rows = st.query_map([], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// A group's members in their order (forgotten ones too: they were paid for).
    pub fn members(&self, group: i64) -> Result<Vec<Generation>, Error> {
        self.list_where("group_id = ?1 ORDER BY group_index, id", [group])
    }

    /// Pauses or resumes a group; a cancelled group stays cancelled. Answers the group.
    pub fn set_group_state(&self, id: i64, state: GroupState) -> Result<Group, Error> {
        let g = self.group(id)?;
        if g.state == GroupState::Cancelled && state != GroupState::Cancelled {
            return Err(Error::GroupCancelled(id));
        }
        self.conn().execute(
            "UPDATE groups SET state = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, state.as_str(), super::store::now_rfc3339()],
        )?;
        self.group(id)
    }

    /// Sets or clears the user's mark on a generation.
    pub fn set_mark(&self, id: i64, mark: Option<Mark>) -> Result<(), Error> {
        let n = self.conn().execute(
            "UPDATE generations SET mark = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, mark.map(Mark::as_str), super::store::now_rfc3339()],
        )?;
        if n == 0 {
            return Err(Error::NoSuchGeneration(id));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::store::NewGeneration;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("lib.sqlite3")).unwrap();
        (dir, s)
    }

    fn rows(n: usize, tag: &str) -> Vec<(NewGeneration, String)> {
        (0..n).map(|i| (NewGeneration::sample(&format!("{tag} {i}")), format!("{tag}-{i}"))).collect()
    }

    #[test]
    fn names_round_trip() {
        for k in GroupKind::ALL {
            assert_eq!(GroupKind::parse(k.as_str()), Some(*k));
        }
        for k in GroupState::ALL {
            assert_eq!(GroupState::parse(k.as_str()), Some(*k));
        }
        for k in Mark::ALL {
            assert_eq!(Mark::parse(k.as_str()), Some(*k));
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::json!(k.as_str()));
        }
    }

    #[test]
    fn a_group_and_its_members_are_recorded_together_or_not_at_all() {
        let (_d, s) = store();
        let new = NewGroup { kind: GroupKind::Batch, title: "product shots".into(), notes: Vec::new() };
        let (gid, ids) = s.insert_many(Some(&new), &rows(3, "a"), |_| Ok(())).unwrap();
        let gid = gid.unwrap();
        let g = s.group(gid).unwrap();
        assert_eq!((g.kind, g.state, g.size, g.hold), (GroupKind::Batch, GroupState::Running, 3, Micros(3 * 756_000)));
        let members = s.members(gid).unwrap();
        assert_eq!(members.iter().map(|m| m.id).collect::<Vec<_>>(), ids);
        assert_eq!(members.iter().map(|m| m.group_index).collect::<Vec<_>>(), vec![Some(1), Some(2), Some(3)]);
        // A duplicate key in the middle: nothing of this group is kept.
        let mut bad = rows(3, "b");
        bad[2].1 = "b-0".into();
        assert!(s.insert_many(Some(&new), &bad, |_| Ok(())).is_err());
        assert_eq!(s.groups().unwrap().len(), 1);
        assert_eq!(s.list().unwrap().len(), 3);
        // A refusing check: nothing either.
        let refused = s.insert_many(Some(&new), &rows(2, "c"), |_| Err(Error::NoSuchGroup(0)));
        assert!(refused.is_err());
        assert_eq!(s.list().unwrap().len(), 3);
    }

    #[test]
    fn the_daily_cap_counts_charges_and_open_holds_of_today_only() {
        let (_d, s) = store();
        let (_, ids) = s.insert_many(None, &rows(4, "d"), |_| Ok(())).unwrap();
        // One charged, one refunded, one refused, one still queued.
        s.mark_submitted(ids[0], "v0", None).unwrap();
        s.mark_downloading(ids[0], Some(Micros(500_000)), None).unwrap();
        s.mark_submitted(ids[1], "v1", None).unwrap();
        s.mark_settled_without_clip(ids[1], crate::jobs::Status::Refunded, Micros(756_000), "r", "r", None).unwrap();
        s.mark_rejected(ids[2], "x", "y").unwrap();
        let cap = DailyCap { cap: Micros(2_000_000), utc_offset_minutes: 0 };
        let today = cap.day_start(OffsetDateTime::now_utc());
        assert_eq!(committed_since(s.conn(), &today).unwrap(), Micros(500_000 + 756_000));
        assert_eq!(committed_since(s.conn(), "2999-01-01T00:00:00").unwrap(), Micros(0));
        assert!(check_daily_cap(s.conn(), Some(cap), Micros(744_000)).is_ok(), "exactly at the cap is allowed");
        match check_daily_cap(s.conn(), Some(cap), Micros(744_001)) {
            Err(Error::OverDailyCap { cap: c, spent, asking }) => {
                assert_eq!((c, spent, asking), (Micros(2_000_000), Micros(1_256_000), Micros(744_001)))
            }
            other => panic!("{other:?}"),
        }
        assert!(check_daily_cap(s.conn(), None, Micros(1 << 40)).is_ok(), "off by default");
        // Yesterday's spending does not count today.
        s.conn().execute("UPDATE generations SET created_at = '2020-01-01T10:00:00Z'", []).unwrap();
        assert!(check_daily_cap(s.conn(), Some(cap), Micros(2_000_000)).is_ok());
    }

    #[test]
    fn the_day_starts_at_the_users_midnight() {
        let now = time::macros::datetime!(2026-12-07 03:30 UTC);
        let at = |m| DailyCap { cap: Micros(1), utc_offset_minutes: m }.day_start(now);
        assert_eq!(at(0), "2026-12-07T00:00:00");
        assert_eq!(at(-300), "2026-12-06T05:00:00", "New York: still the 6th there");
        assert_eq!(at(540), "2026-12-06T15:00:00", "Tokyo: 12:30 on the 7th, the day began at 15:00 UTC");
    }

    #[test]
    fn balance_and_max_spend_refuse_up_front() {
        let (_d, s) = store();
        s.insert_many(None, &rows(2, "q"), |_| Ok(())).unwrap(); // $1.512 queued, unsent
        let ok = Spending { max_total: Some(Micros(3_000_000)), balance: Some(Micros(5_000_000)) };
        assert!(check_spending(s.conn(), ok, Micros(3_000_000)).is_ok());
        assert!(matches!(
            check_spending(s.conn(), ok, Micros(3_000_001)),
            Err(Error::OverMaxSpend { max: Micros(3_000_000), asking: Micros(3_000_001) })
        ));
        let low = Spending { max_total: None, balance: Some(Micros(2_000_000)) };
        match check_spending(s.conn(), low, Micros(600_000)) {
            Err(e @ Error::OverBalance { .. }) => {
                assert!(e.to_string().contains("$2.00"), "{e}");
                assert!(e.to_string().contains("$1.51"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        assert!(check_spending(s.conn(), Spending::default(), Micros(1 << 40)).is_ok());
    }

    #[test]
    fn a_post_and_a_cancel_from_another_process_cannot_both_happen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lib.sqlite3");
        let app = Store::open(&path).unwrap();
        let cli = Store::open(&path).unwrap(); // another process on the same library
        let new = NewGroup { kind: GroupKind::Batch, title: "shared".into(), notes: Vec::new() };
        let (gid, ids) = app.insert_many(Some(&new), &rows(3, "x"), |_| Ok(())).unwrap();
        let gid = gid.unwrap();
        // The app sends the first; the CLI's cancel cannot drop it after that.
        assert_eq!(app.note_post_attempt(ids[0]).unwrap(), Some(1));
        assert!(!cli.drop_unsent(ids[0], "cancelled", "m").unwrap(), "sent: it finishes");
        // The CLI pauses: the app may not send the rest, but replays what it already sent.
        cli.set_group_state(gid, GroupState::Paused).unwrap();
        assert_eq!(app.note_post_attempt(ids[1]).unwrap(), None);
        assert_eq!(app.note_post_attempt(ids[0]).unwrap(), Some(2), "a replay of a sent one goes on");
        // The CLI cancels the second: the app may not send it.
        assert!(cli.drop_unsent(ids[1], "cancelled", "m").unwrap());
        assert_eq!(app.note_post_attempt(ids[1]).unwrap(), None);
        assert_eq!(app.get(ids[1]).unwrap().status, crate::jobs::Status::Rejected);
        assert_eq!(app.get(ids[1]).unwrap().post_attempts, 0);
    }

    #[test]
    fn pause_resume_cancel_and_marks() {
        let (_d, s) = store();
        let new = NewGroup { kind: GroupKind::Board, title: "a fox".into(), notes: Vec::new() };
        let (gid, ids) = s.insert_many(Some(&new), &rows(2, "m"), |_| Ok(())).unwrap();
        let gid = gid.unwrap();
        assert_eq!(s.set_group_state(gid, GroupState::Paused).unwrap().state, GroupState::Paused);
        assert_eq!(s.paused_groups().unwrap(), vec![gid]);
        assert_eq!(s.set_group_state(gid, GroupState::Running).unwrap().state, GroupState::Running);
        s.set_group_state(gid, GroupState::Cancelled).unwrap();
        assert!(matches!(s.set_group_state(gid, GroupState::Running), Err(Error::GroupCancelled(_))));
        assert!(matches!(s.group(gid + 1), Err(Error::NoSuchGroup(_))));
        s.set_mark(ids[0], Some(Mark::Keep)).unwrap();
        assert_eq!(s.get(ids[0]).unwrap().mark, Some(Mark::Keep));
        s.set_mark(ids[0], None).unwrap();
        assert_eq!(s.get(ids[0]).unwrap().mark, None);
        assert!(matches!(s.set_mark(9999, Some(Mark::Reject)), Err(Error::NoSuchGeneration(9999))));
    }
}
