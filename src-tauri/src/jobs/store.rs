//! The generations table in SQLite: one row per generation, a queue item until it succeeds and
//! a library item after. Writes that record money use `synchronous=FULL`, committed before the POST.

use super::error::Error;
use crate::api::Micros;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub use super::groups::Mark;
use super::groups::NewGroup;

/// `(name, sql)` for each named file in `migrations/`, embedded in the binary.
macro_rules! migrations {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("migrations/", $name, ".sql")))),*]
    };
}

/// The schema's steps, applied in order from `migrations/`; `PRAGMA user_version` records how
/// many ran, so a step is never renamed, edited or removed once released: add the next number.
const MIGRATIONS: &[(&str, &str)] = migrations![
    "0001_generations",
    "0002_post_attempts",
    "0003_gallery",
    "0004_shot_options",
    "0005_groups",
    "0006_group_notes",
    "0007_claims",
    "0008_search"
];

/// Our own lifecycle of a generation. `Queued` has no Kyma id yet; terminal states never change.
/// Crosses IPC as is (ts-rs exports its TypeScript twin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Status {
    /// Written locally; not yet accepted by Kyma (may be re-POSTed with its idempotency key).
    Queued,
    Pending,
    Processing,
    /// Kyma finished and charged; the clip is being fetched.
    Downloading,
    Succeeded,
    Failed,
    Refunded,
    Expired,
    /// Kyma refused the request, or it never reached Kyma: nothing was held or charged.
    Rejected,
}

impl Status {
    const NAMES: [(Status, &'static str); 9] = [
        (Status::Queued, "queued"),
        (Status::Pending, "pending"),
        (Status::Processing, "processing"),
        (Status::Downloading, "downloading"),
        (Status::Succeeded, "succeeded"),
        (Status::Failed, "failed"),
        (Status::Refunded, "refunded"),
        (Status::Expired, "expired"),
        (Status::Rejected, "rejected"),
    ];

    pub fn as_str(self) -> &'static str {
        Status::NAMES.iter().find(|(st, _)| *st == self).map_or("failed", |(_, n)| n)
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::NAMES.iter().find(|(_, n)| *n == s).map(|(st, _)| *st)
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Succeeded | Status::Failed | Status::Refunded | Status::Expired | Status::Rejected)
    }

    /// Kyma holds money for this job and has not settled it yet.
    pub fn is_remote_open(self) -> bool {
        matches!(self, Status::Pending | Status::Processing)
    }
}

/// How the start image travels to Kyma.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    #[default]
    None,
    /// A prepared JPEG kept in the library, sent as a data: URI (or through a host).
    File,
    /// An https URL given by the user, passed through.
    Url,
}

impl ImageKind {
    fn as_str(self) -> &'static str {
        match self {
            ImageKind::None => "none",
            ImageKind::File => "file",
            ImageKind::Url => "url",
        }
    }
    fn parse(s: &str) -> ImageKind {
        match s {
            "file" => ImageKind::File,
            "url" => ImageKind::Url,
            _ => ImageKind::None,
        }
    }
}

/// The shot's options as chosen for one generation (migration 0004): kept so "Again" and
/// "Use these settings" restore them. The end frame travels like the start image.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Shot {
    pub aspect: Option<String>,
    pub negative_prompt: Option<String>,
    pub cfg_scale: Option<f64>,
    pub seed: Option<u32>,
    pub end_image_kind: ImageKind,
    pub end_image_source: Option<String>,
    pub end_image_file: Option<String>,
    pub end_image_url: Option<String>,
    pub end_image_size: Option<(u32, u32)>,
    /// The `extra` key the end frame's link goes under (the model's, from the options table).
    pub end_image_param: Option<String>,
    /// Takes made together share a group; `take_index` counts from 1.
    pub take_group: Option<String>,
    pub take_index: Option<u32>,
}

impl Shot {
    /// The options as the user set them (no end frame, no take).
    pub fn options(&self) -> crate::api::ShotOptions {
        crate::api::ShotOptions {
            aspect: self.aspect.clone(),
            negative_prompt: self.negative_prompt.clone(),
            cfg_scale: self.cfg_scale,
            seed: self.seed,
        }
    }
}

/// A generation as the UI and the CLI see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Generation {
    pub id: i64,
    pub idempotency_key: String,
    pub kyma_id: Option<String>,
    pub status: Status,
    pub remote_status: Option<String>,
    pub model: String,
    pub prompt: String,
    pub duration_s: u32,
    pub image_kind: ImageKind,
    pub image_source: Option<String>,
    pub image_file: Option<String>,
    pub image_url: Option<String>,
    pub image_width: Option<u32>,
    pub image_height: Option<u32>,
    pub extra_json: Option<String>,
    pub hold: Micros,
    pub estimated: Option<Micros>,
    pub charged: Option<Micros>,
    pub refunded: Option<Micros>,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub clip_file: Option<String>,
    pub clip_bytes: Option<u64>,
    pub created_at: String,
    pub submitted_at: Option<String>,
    pub completed_at: Option<String>,
    pub downloaded_at: Option<String>,
    pub updated_at: String,
    /// Still unfinished ten minutes after Kyma accepted it (Kyma's runner times out at 10 min).
    pub overdue: bool,
    pub post_attempts: u32,
    pub favourite: bool,
    pub has_audio: bool,
    /// The library folder holding this generation's files; None: the app's data folder.
    pub media_dir: Option<String>,
    pub clip_missing: bool,
    /// None, "deleting", "trashed" or "forgotten".
    pub removed: Option<String>,
    pub removed_at: Option<String>,
    pub shot: Shot,
    /// The clip's frame size, read from the file once downloaded.
    pub clip_size: Option<(u32, u32)>,
    /// The board or batch this generation belongs to, and its place there (from 1).
    pub group_id: Option<i64>,
    pub group_index: Option<u32>,
    /// The user's verdict on this take.
    pub mark: Option<Mark>,
}

/// What a new generation is made of, validated and prepared before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGeneration {
    pub model: String,
    pub prompt: String,
    pub duration_s: u32,
    pub image_kind: ImageKind,
    pub image_source: Option<String>,
    pub image_file: Option<String>,
    pub image_url: Option<String>,
    pub image_size: Option<(u32, u32)>,
    pub extra_json: Option<String>,
    pub hold: Micros,
    pub has_audio: bool,
    /// The library folder the files go to, when it is not the app's data folder.
    pub media_dir: Option<String>,
    pub shot: Shot,
}

#[cfg(test)]
impl NewGeneration {
    /// A 5 s kling-3-pro text-to-video request holding $0.756: the tests' usual record.
    pub(crate) fn sample(prompt: &str) -> NewGeneration {
        NewGeneration {
            model: "kling-3-pro".into(),
            prompt: prompt.into(),
            duration_s: 5,
            image_kind: ImageKind::None,
            image_source: None,
            image_file: None,
            image_url: None,
            image_size: None,
            extra_json: None,
            hold: Micros(756_000),
            has_audio: false,
            media_dir: None,
            shot: Shot::default(),
        }
    }
}

pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// One generation row (in a group at a place, or alone).
fn insert_row(
    conn: &Connection,
    g: &NewGeneration,
    idempotency_key: &str,
    group: Option<(i64, u32)>,
) -> Result<i64, Error> {
    let now = now_rfc3339();
    conn.execute(
        "INSERT INTO generations (idempotency_key, status, model, prompt, duration_s, image_kind, image_source, \
         image_file, image_url, image_width, image_height, extra_json, hold_micros, created_at, updated_at, has_audio, \
         media_dir, aspect, negative_prompt, cfg_scale, seed, end_image_kind, end_image_source, end_image_file, \
         end_image_url, end_image_width, end_image_height, end_image_param, take_group, take_index, group_id, group_index) \
         VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, \
         ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)",
        params![
            idempotency_key,
            g.model,
            g.prompt,
            g.duration_s,
            g.image_kind.as_str(),
            g.image_source,
            g.image_file,
            g.image_url,
            g.image_size.map(|s| s.0),
            g.image_size.map(|s| s.1),
            g.extra_json,
            g.hold.0,
            now,
            g.has_audio,
            g.media_dir,
            g.shot.aspect,
            g.shot.negative_prompt,
            g.shot.cfg_scale,
            g.shot.seed,
            g.shot.end_image_kind.as_str(),
            g.shot.end_image_source,
            g.shot.end_image_file,
            g.shot.end_image_url,
            g.shot.end_image_size.map(|s| s.0),
            g.shot.end_image_size.map(|s| s.1),
            g.shot.end_image_param,
            g.shot.take_group,
            g.shot.take_index,
            group.map(|g| g.0),
            group.map(|g| g.1),
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The `meta` key recording the current library folder (absent: the app's data folder).
const META_LIBRARY_DIR: &str = "library_dir";

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

const COLUMNS: &str = "id, idempotency_key, kyma_id, status, remote_status, model, prompt, duration_s, image_kind, \
    image_source, image_file, image_url, image_width, image_height, extra_json, hold_micros, estimated_micros, \
    charged_micros, refunded_micros, error_kind, error_message, clip_file, clip_bytes, created_at, submitted_at, \
    completed_at, downloaded_at, updated_at, post_attempts, favourite, has_audio, media_dir, clip_missing, removed, \
    removed_at, aspect, negative_prompt, cfg_scale, seed, end_image_kind, end_image_source, end_image_file, \
    end_image_url, end_image_width, end_image_height, end_image_param, take_group, take_index, clip_width, clip_height, group_id, group_index, mark";

fn micros(v: Option<i64>) -> Option<Micros> {
    v.map(Micros)
}

/// Seconds from an RFC 3339 stamp to now (negative when it is ahead of this clock); None when it
/// does not parse.
pub fn seconds_since(stamp: &str) -> Option<f64> {
    OffsetDateTime::parse(stamp, &Rfc3339).ok().map(|t| (OffsetDateTime::now_utc() - t).as_seconds_f64())
}

/// How long after submission an unfinished job counts as overdue.
pub const OVERDUE_AFTER: time::Duration = time::Duration::minutes(10);

fn is_overdue(status: Status, submitted_at: Option<&str>) -> bool {
    let since = submitted_at.and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok());
    !status.is_terminal() && since.is_some_and(|t| OffsetDateTime::now_utc() - t >= OVERDUE_AFTER)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Generation> {
    let status: String = r.get(3)?;
    let status = Status::parse(&status).unwrap_or(Status::Failed);
    let kind: String = r.get(8)?;
    let submitted_at: Option<String> = r.get(24)?;
    Ok(Generation {
        overdue: is_overdue(status, submitted_at.as_deref()),
        id: r.get(0)?,
        idempotency_key: r.get(1)?,
        kyma_id: r.get(2)?,
        status,
        remote_status: r.get(4)?,
        model: r.get(5)?,
        prompt: r.get(6)?,
        duration_s: r.get(7)?,
        image_kind: ImageKind::parse(&kind),
        image_source: r.get(9)?,
        image_file: r.get(10)?,
        image_url: r.get(11)?,
        image_width: r.get(12)?,
        image_height: r.get(13)?,
        extra_json: r.get(14)?,
        hold: Micros(r.get(15)?),
        estimated: micros(r.get(16)?),
        charged: micros(r.get(17)?),
        refunded: micros(r.get(18)?),
        error_kind: r.get(19)?,
        error_message: r.get(20)?,
        clip_file: r.get(21)?,
        clip_bytes: r.get::<_, Option<i64>>(22)?.map(|b| b.max(0) as u64),
        created_at: r.get(23)?,
        submitted_at,
        completed_at: r.get(25)?,
        downloaded_at: r.get(26)?,
        updated_at: r.get(27)?,
        post_attempts: r.get(28)?,
        favourite: r.get(29)?,
        has_audio: r.get(30)?,
        media_dir: r.get(31)?,
        clip_missing: r.get(32)?,
        removed: r.get(33)?,
        removed_at: r.get(34)?,
        shot: Shot {
            aspect: r.get(35)?,
            negative_prompt: r.get(36)?,
            cfg_scale: r.get(37)?,
            seed: r.get(38)?,
            end_image_kind: ImageKind::parse(&r.get::<_, String>(39)?),
            end_image_source: r.get(40)?,
            end_image_file: r.get(41)?,
            end_image_url: r.get(42)?,
            end_image_size: r.get::<_, Option<u32>>(43)?.zip(r.get::<_, Option<u32>>(44)?),
            end_image_param: r.get(45)?,
            take_group: r.get(46)?,
            take_index: r.get(47)?,
        },
        clip_size: r.get::<_, Option<u32>>(48)?.zip(r.get::<_, Option<u32>>(49)?),
        group_id: r.get(50)?,
        group_index: r.get(51)?,
        mark: r.get::<_, Option<String>>(52)?.as_deref().and_then(Mark::parse),
    })
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, Error> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create the library folder", dir, e))?;
        }
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Switching a new file to WAL needs a lock SQLite does not wait for (its busy handler is
        // not used there): when another process is opening the same library, try again shortly.
        let mut tries = 0;
        while let Err(e) = conn.pragma_update(None, "journal_mode", "WAL") {
            tries += 1;
            if tries >= 100 || e.sqlite_error_code() != Some(rusqlite::ErrorCode::DatabaseBusy) {
                return Err(e.into());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        // FULL: with WAL + NORMAL a power loss can drop the last commit, and with it a paid job.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn, path: path.to_path_buf() };
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for the library's own queries (gallery, spend, curation).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Brings the schema up to date. Safe when several processes open a library at once (the
    /// app and `kyma`, or two `kyma` commands): each step takes the write lock first and
    /// re-reads the version under it, so a step another process just applied is not run again.
    fn migrate(&mut self) -> Result<(), Error> {
        let version = |c: &Connection| -> Result<usize, Error> {
            Ok(c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))?.max(0) as usize)
        };
        let start = version(&self.conn)?;
        if start > 0 && start < MIGRATIONS.len() {
            // A copy of the library as the older version left it, before the new schema touches
            // it (a new library has nothing to keep).
            if let Err(e) = super::recovery::backup(&self.path, &format!("before-schema-{}", MIGRATIONS.len())) {
                log::warn!("no backup before the schema change: {e}");
            }
        }
        loop {
            let found = version(&self.conn)?;
            if found > MIGRATIONS.len() {
                return Err(Error::NewerLibrary { found, known: MIGRATIONS.len() });
            }
            if found == MIGRATIONS.len() {
                return Ok(());
            }
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let now = version(&tx)?;
            if now == found {
                tx.execute_batch(MIGRATIONS[now].1)?;
                tx.pragma_update(None, "user_version", (now + 1) as i64)?;
            }
            tx.commit()?;
        }
    }

    /// The library folder the user chose (None: the app's data folder). The engine and the
    /// library both start from it; the CLI and the app read the same record.
    pub fn library_dir(&self) -> Result<Option<PathBuf>, Error> {
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [META_LIBRARY_DIR], |r| r.get(0))
            .optional()?;
        Ok(v.map(PathBuf::from))
    }

    /// Records the library folder (None: back to the app's data folder).
    pub fn set_library_dir(&self, dir: Option<&str>) -> Result<(), Error> {
        match dir {
            None => self.conn.execute("DELETE FROM meta WHERE key = ?1", [META_LIBRARY_DIR])?,
            Some(dir) => self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [META_LIBRARY_DIR, dir],
            )?,
        };
        Ok(())
    }

    /// Records a new generation with a fresh idempotency key, durably, before anything is sent.
    pub fn insert(&self, g: &NewGeneration, idempotency_key: &str) -> Result<i64, Error> {
        insert_row(&self.conn, g, idempotency_key, None)
    }

    /// Records generations together, all or none, in one durable transaction taken with the write
    /// lock (so two processes cannot both pass `check`): a board's cells or a batch's rows, with
    /// their group when `group` is given. `check` runs inside the transaction first and may refuse
    /// (a spending cap read from the same rows it would add to).
    pub fn insert_many(
        &self,
        group: Option<&NewGroup>,
        rows: &[(NewGeneration, String)],
        check: impl FnOnce(&Connection) -> Result<(), Error>,
    ) -> Result<(Option<i64>, Vec<i64>), Error> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        check(&tx)?;
        let group_id = match group {
            None => None,
            Some(gr) => {
                let now = now_rfc3339();
                let hold: i64 = rows.iter().map(|(g, _)| g.hold.0).sum();
                tx.execute(
                    "INSERT INTO groups (kind, title, state, size, hold_micros, created_at, updated_at, notes) \
                     VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?5, ?6)",
                    params![
                        gr.kind.as_str(),
                        gr.title,
                        rows.len() as i64,
                        hold,
                        now,
                        serde_json::to_string(&gr.notes).unwrap_or_else(|_| "[]".into())
                    ],
                )?;
                Some(tx.last_insert_rowid())
            }
        };
        let mut ids = Vec::with_capacity(rows.len());
        for (i, (g, key)) in rows.iter().enumerate() {
            ids.push(insert_row(&tx, g, key, group_id.map(|id| (id, i as u32 + 1)))?);
        }
        tx.commit()?;
        Ok((group_id, ids))
    }

    pub fn get(&self, id: i64) -> Result<Generation, Error> {
        self.conn
            .query_row(&format!("SELECT {COLUMNS} FROM generations WHERE id = ?1"), [id], from_row)
            .optional()?
            .ok_or(Error::NoSuchGeneration(id))
    }

    /// Rows matching a WHERE clause (and its ORDER BY), with the given parameters.
    pub(super) fn list_where(&self, clause: &str, p: impl rusqlite::Params) -> Result<Vec<Generation>, Error> {
        let mut st = self.conn.prepare_cached(&format!("SELECT {COLUMNS} FROM generations WHERE {clause}"))?;
        let rows = st.query_map(p, from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every generation not deleted or forgotten, newest first.
    pub fn list(&self) -> Result<Vec<Generation>, Error> {
        let mut st =
            self.conn.prepare(&format!("SELECT {COLUMNS} FROM generations WHERE removed IS NULL ORDER BY id DESC"))?;
        let rows = st.query_map([], from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The queue's view, newest first: every unfinished generation, and finished ones created
    /// after `since` (RFC 3339), at most `cap` of those. The gallery shows the rest.
    pub fn recent(&self, since: &str, cap: u32) -> Result<Vec<Generation>, Error> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM generations WHERE removed IS NULL AND status IN ('queued','pending','processing','downloading') \
             UNION ALL \
             SELECT * FROM (SELECT {COLUMNS} FROM generations WHERE removed IS NULL AND created_at >= ?1 \
               AND status NOT IN ('queued','pending','processing','downloading') ORDER BY id DESC LIMIT ?2) \
             ORDER BY id DESC"
        ))?;
        let rows = st.query_map(params![since, cap], from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Generations that still need work: not yet accepted, running at Kyma, or downloading.
    /// The newest `limit` clips Kyma made, oldest first: (model, seconds of footage, seconds
    /// from Kyma accepting the job to Kyma completing it), for `pace`.
    pub fn run_history(&self, limit: usize) -> Result<Vec<(String, u32, f64)>, Error> {
        let mut st = self.conn.prepare(
            "SELECT model, duration_s, submitted_at, completed_at FROM generations \
             WHERE submitted_at IS NOT NULL AND completed_at IS NOT NULL AND charged_micros IS NOT NULL \
             ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = st.query_map([limit as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (model, duration, from, to) = row?;
            let (Ok(from), Ok(to)) = (OffsetDateTime::parse(&from, &Rfc3339), OffsetDateTime::parse(&to, &Rfc3339))
            else {
                continue;
            };
            out.push((model, duration, (to - from).as_seconds_f64()));
        }
        out.reverse();
        Ok(out)
    }

    pub fn open_generations(&self) -> Result<Vec<Generation>, Error> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM generations WHERE status IN ('queued','pending','processing','downloading') ORDER BY id"
        ))?;
        let rows = st.query_map([], from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Counts a POST about to be sent, durably, before it leaves; returns the new count. None when
    /// the row may not be sent after all, as the library says now (another process, the CLI or
    /// the app, may share it): no longer queued (its batch was cancelled there), or a member never
    /// sent of a group paused or cancelled there. One statement, so a cancel elsewhere and this
    /// POST cannot both happen.
    pub fn note_post_attempt(&self, id: i64) -> Result<Option<u32>, Error> {
        let n = self
            .conn
            .query_row(
                "UPDATE generations SET post_attempts = post_attempts + 1 WHERE id = ?1 AND status = 'queued' \
                 AND (post_attempts > 0 OR group_id IS NULL OR NOT EXISTS \
                   (SELECT 1 FROM groups g WHERE g.id = generations.group_id AND g.state IN ('paused', 'cancelled'))) \
                 RETURNING post_attempts",
                [id],
                |r| r.get::<_, u32>(0),
            )
            .optional()?;
        Ok(n)
    }

    /// Drops a member never sent (a cancelled batch's), with nothing charged; false when it was
    /// sent meanwhile (by this or another process) and must finish.
    pub fn drop_unsent(&self, id: i64, error_kind: &str, message: &str) -> Result<bool, Error> {
        let n = self.conn.execute(
            "UPDATE generations SET status = 'rejected', error_kind = ?2, error_message = ?3, updated_at = ?4 \
             WHERE id = ?1 AND status = 'queued' AND post_attempts = 0",
            params![id, error_kind, message, now_rfc3339()],
        )?;
        Ok(n == 1)
    }

    /// Kyma accepted the job: remember its id and the hold it placed.
    pub fn mark_submitted(&self, id: i64, kyma_id: &str, estimated: Option<Micros>) -> Result<(), Error> {
        let now = now_rfc3339();
        self.conn.execute(
            "UPDATE generations SET kyma_id = ?2, status = CASE WHEN status = 'queued' THEN 'pending' ELSE status END, \
             estimated_micros = COALESCE(?3, estimated_micros), submitted_at = COALESCE(submitted_at, ?4), \
             error_kind = NULL, error_message = NULL, updated_at = ?4 WHERE id = ?1",
            params![id, kyma_id, estimated.map(|m| m.0), now],
        )?;
        Ok(())
    }

    /// A non-terminal status change reported by a poll.
    /// Kyma says the job is still running. Writes (and answers true) only when that changes
    /// something: most polls change nothing, and each write is a durable commit.
    pub fn mark_running(&self, id: i64, status: Status, remote_status: &str) -> Result<bool, Error> {
        let changed = self.conn.execute(
            "UPDATE generations SET status = ?2, remote_status = ?3, updated_at = ?4 \
             WHERE id = ?1 AND status IN ('queued','pending','processing') \
             AND (status IS NOT ?2 OR remote_status IS NOT ?3)",
            params![id, status.as_str(), remote_status, now_rfc3339()],
        )?;
        Ok(changed > 0)
    }

    /// Kyma finished and charged; the clip is still to be fetched.
    pub fn mark_downloading(&self, id: i64, charged: Option<Micros>, completed_at: Option<&str>) -> Result<(), Error> {
        let now = now_rfc3339();
        self.conn.execute(
            "UPDATE generations SET status = 'downloading', remote_status = 'succeeded', charged_micros = ?2, \
             completed_at = COALESCE(?3, completed_at, ?4), updated_at = ?4 \
             WHERE id = ?1 AND status IN ('queued','pending','processing','downloading')",
            params![id, charged.map(|m| m.0), completed_at, now],
        )?;
        Ok(())
    }

    pub fn mark_succeeded(
        &self,
        id: i64,
        clip_file: &str,
        clip_bytes: u64,
        clip_size: Option<(u32, u32)>,
    ) -> Result<(), Error> {
        let now = now_rfc3339();
        self.conn.execute(
            "UPDATE generations SET status = 'succeeded', clip_file = ?2, clip_bytes = ?3, downloaded_at = ?4, \
             error_kind = NULL, error_message = NULL, updated_at = ?4, clip_width = ?5, clip_height = ?6 \
             WHERE id = ?1 AND status = 'downloading'",
            params![id, clip_file, clip_bytes as i64, now, clip_size.map(|s| s.0), clip_size.map(|s| s.1)],
        )?;
        Ok(())
    }

    /// Failed, refunded or expired at Kyma: the hold came back.
    pub fn mark_settled_without_clip(
        &self,
        id: i64,
        status: Status,
        refunded: Micros,
        error_kind: &str,
        message: &str,
        completed_at: Option<&str>,
    ) -> Result<(), Error> {
        let now = now_rfc3339();
        self.conn.execute(
            "UPDATE generations SET status = ?2, remote_status = ?2, refunded_micros = ?3, charged_micros = NULL, \
             error_kind = ?4, error_message = ?5, completed_at = COALESCE(?6, ?7), updated_at = ?7 \
             WHERE id = ?1 AND status IN ('queued','pending','processing')",
            params![id, status.as_str(), refunded.0, error_kind, message, completed_at, now],
        )?;
        Ok(())
    }

    /// Kyma refused the POST, or it never left this machine: nothing was held.
    pub fn mark_rejected(&self, id: i64, error_kind: &str, message: &str) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE generations SET status = 'rejected', error_kind = ?2, error_message = ?3, updated_at = ?4 \
             WHERE id = ?1 AND status = 'queued'",
            params![id, error_kind, message, now_rfc3339()],
        )?;
        Ok(())
    }

    /// A passing problem (network, server) worth showing; the generation keeps its status.
    pub fn note_problem(&self, id: i64, error_kind: &str, message: &str) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE generations SET error_kind = ?2, error_message = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, error_kind, message, now_rfc3339()],
        )?;
        Ok(())
    }

    /// Hides a finished generation from the queue and the gallery ("forgotten"); its record and
    /// the money it cost stay in the library. Open jobs cannot be hidden: they may still be charged.
    pub fn remove_finished(&self, id: i64) -> Result<bool, Error> {
        let n = self.conn.execute(
            "UPDATE generations SET removed = COALESCE(removed, 'forgotten'), removed_at = COALESCE(removed_at, ?2) \
             WHERE id = ?1 AND status IN ('succeeded','failed','refunded','expired','rejected')",
            params![id, now_rfc3339()],
        )?;
        Ok(n == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_gen() -> NewGeneration {
        NewGeneration::sample("a lighthouse")
    }

    #[test]
    fn a_new_library_opened_by_many_processes_at_once_is_migrated_once() {
        // Threads with their own connections race like processes do (`kyma` ×4 on a new library).
        for round in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("library.sqlite3");
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
            let opened: Vec<Result<Store, Error>> = (0..8)
                .map(|_| {
                    let (path, barrier) = (path.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        Store::open(&path)
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| t.join().unwrap())
                .collect();
            for r in &opened {
                assert!(r.is_ok(), "round {round}: {:?}", r.as_ref().err());
            }
            let store = opened.into_iter().next().unwrap().unwrap();
            let v: i64 = store.conn().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
            assert_eq!(v as usize, MIGRATIONS.len());
            store.insert(&new_gen(), "k-race").unwrap();
        }
    }

    #[test]
    fn a_poll_that_changes_nothing_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("lib.sqlite3")).unwrap();
        let id = s.insert(&new_gen(), "key-poll").unwrap();
        s.mark_submitted(id, "vabc", None).unwrap();
        assert!(s.mark_running(id, Status::Pending, "pending").unwrap(), "queued → pending is a change");
        let stamp = s.get(id).unwrap().updated_at;
        assert!(!s.mark_running(id, Status::Pending, "pending").unwrap(), "the same answer again");
        assert_eq!(s.get(id).unwrap().updated_at, stamp, "and the row was not written");
        assert!(s.mark_running(id, Status::Processing, "processing").unwrap());
        assert!(s.mark_running(id, Status::Processing, "succeeded").unwrap(), "succeeded, URL not there yet");
        assert!(!s.mark_running(id, Status::Processing, "succeeded").unwrap());
    }

    #[test]
    fn the_shots_options_are_kept_with_the_generation() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("lib.sqlite3")).unwrap();
        let mut g = new_gen();
        g.shot = Shot {
            aspect: Some("9:16".into()),
            negative_prompt: Some("blur, 文字".into()),
            cfg_scale: Some(0.25),
            seed: Some(2_147_483_647),
            end_image_kind: ImageKind::File,
            end_image_source: Some("/photos/end.png".into()),
            end_image_file: Some("k-end.jpg".into()),
            end_image_url: None,
            end_image_size: Some((1080, 1920)),
            end_image_param: Some("end_image_url".into()),
            take_group: Some("group-1".into()),
            take_index: Some(2),
        };
        let id = s.insert(&g, "key-shot").unwrap();
        let back = s.get(id).unwrap();
        assert_eq!(back.shot, g.shot);
        assert_eq!(back.clip_size, None);
        let plain = s.insert(&new_gen(), "key-plain").unwrap();
        assert_eq!(s.get(plain).unwrap().shot, Shot::default());
    }

    #[test]
    fn lifecycle_and_guards() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("lib.sqlite3")).unwrap();
        let id = s.insert(&new_gen(), "key-1").unwrap();
        assert_eq!(s.get(id).unwrap().status, Status::Queued);
        assert_eq!(s.open_generations().unwrap().len(), 1);
        assert!(s.insert(&new_gen(), "key-1").is_err(), "idempotency keys are unique");
        s.mark_submitted(id, "vabc", Some(Micros(756_000))).unwrap();
        s.mark_running(id, Status::Processing, "processing").unwrap();
        s.mark_downloading(id, Some(Micros(756_000)), None).unwrap();
        assert!(!s.remove_finished(id).unwrap(), "an unfinished job cannot be removed");
        s.mark_succeeded(id, "clip.mp4", 1234, Some((720, 1280))).unwrap();
        assert_eq!(s.get(id).unwrap().clip_size, Some((720, 1280)));
        // A late poll answer cannot move a finished job back.
        s.mark_running(id, Status::Processing, "processing").unwrap();
        s.mark_settled_without_clip(id, Status::Failed, Micros(756_000), "x", "y", None).unwrap();
        let g = s.get(id).unwrap();
        assert_eq!(g.status, Status::Succeeded);
        assert_eq!(g.charged, Some(Micros(756_000)));
        assert_eq!(g.clip_bytes, Some(1234));
        assert!(s.open_generations().unwrap().is_empty());
        assert!(s.remove_finished(id).unwrap());
        assert!(s.list().unwrap().is_empty(), "a removed record leaves the lists");
        let kept = s.get(id).unwrap();
        assert_eq!((kept.removed.as_deref(), kept.charged), (Some("forgotten"), Some(Micros(756_000))));
    }

    #[test]
    fn the_queue_shows_open_jobs_and_recent_ones() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("lib.sqlite3")).unwrap();
        let ids: Vec<i64> = (0..5).map(|i| s.insert(&new_gen(), &format!("k{i}")).unwrap()).collect();
        for id in &ids[..4] {
            s.mark_rejected(*id, "x", "y").unwrap();
        }
        s.conn.execute("UPDATE generations SET created_at = '2020-01-01T00:00:00Z' WHERE id = ?1", [ids[0]]).unwrap();
        let got: Vec<i64> = s.recent("2026-01-01T00:00:00Z", 2).unwrap().iter().map(|g| g.id).collect();
        // The open one (newest), then the two newest recent finished ones; the old one is left out.
        assert_eq!(got, vec![ids[4], ids[3], ids[2]]);
    }

    #[test]
    fn status_names_round_trip() {
        for (st, name) in Status::NAMES {
            assert_eq!(Status::parse(name), Some(st));
            assert_eq!(st.as_str(), name);
        }
        assert_eq!(Status::parse("nonsense"), None);
    }

    #[test]
    fn overdue_after_ten_minutes_unless_finished() {
        let old = (OffsetDateTime::now_utc() - time::Duration::minutes(11)).format(&Rfc3339).unwrap();
        let fresh = now_rfc3339();
        assert!(is_overdue(Status::Processing, Some(&old)));
        assert!(!is_overdue(Status::Processing, Some(&fresh)));
        assert!(!is_overdue(Status::Succeeded, Some(&old)));
        assert!(!is_overdue(Status::Queued, None));
    }

    #[test]
    fn every_migration_file_is_applied_in_its_numbered_order() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/src/jobs/migrations");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<String> = MIGRATIONS.iter().map(|(name, _)| format!("{name}.sql")).collect();
        assert_eq!(files, listed, "a file in migrations/ is missing from MIGRATIONS, or out of order");
        for (i, (name, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(name[..4].parse::<usize>().unwrap(), i + 1, "{name} is not step {}", i + 1);
        }
    }

    #[test]
    fn an_older_library_upgrades_step_by_step_and_keeps_its_rows() {
        for from in 1..MIGRATIONS.len() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("library.sqlite3");
            {
                // A library as an earlier release left it: the first `from` steps, one job in it.
                let conn = Connection::open(&path).unwrap();
                for (_, sql) in &MIGRATIONS[..from] {
                    conn.execute_batch(sql).unwrap();
                }
                conn.pragma_update(None, "user_version", from as i64).unwrap();
                conn.execute(
                    "INSERT INTO generations (idempotency_key, status, model, prompt, duration_s, hold_micros, \
                     created_at, updated_at) VALUES ('old', 'succeeded', 'kling-3-pro-audio', 'a red kite', 5, \
                     756000, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                    [],
                )
                .unwrap();
                if from >= 3 {
                    // From step 3 on, the release recorded sound with each row itself.
                    conn.execute("UPDATE generations SET has_audio = 1", []).unwrap();
                }
            }
            let s = Store::open(&path).unwrap();
            let v: i64 = s.conn().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
            assert_eq!(v as usize, MIGRATIONS.len(), "from version {from}");
            // The library as the older release left it was backed up first, once.
            let backups = super::super::recovery::backups(&path);
            assert_eq!(backups.len(), 1, "from version {from}: {backups:?}");
            let old = Connection::open(&backups[0]).unwrap();
            let kept: i64 = old.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
            assert_eq!(kept as usize, from, "the backup is of the old schema");
            let g = s.list().unwrap().pop().unwrap();
            assert_eq!((g.idempotency_key.as_str(), g.post_attempts, g.favourite), ("old", 0, false));
            assert!(g.has_audio, "from version {from}: the audio model's clip has sound");
            assert_eq!((g.shot.clone(), g.clip_size), (Shot::default(), None), "from version {from}: no options yet");
            let found: i64 = s
                .conn()
                .query_row("SELECT rowid FROM generations_search WHERE generations_search MATCH 'kite'", [], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(found, g.id, "from version {from}: the old prompt is searchable");
            assert_eq!(s.library_dir().unwrap(), None);
        }
    }

    #[test]
    fn reopening_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("lib.sqlite3");
        let id = Store::open(&p).unwrap().insert(&new_gen(), "k").unwrap();
        let s = Store::open(&p).unwrap();
        assert_eq!(s.get(id).unwrap().idempotency_key, "k");
        assert_eq!(s.conn.pragma_query_value(None, "synchronous", |r| r.get::<_, i64>(0)).unwrap(), 2);
    }
}
