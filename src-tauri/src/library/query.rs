//! Gallery queries: full-text search over prompts, filters, sorting and paging, with each page
//! kept honest about clips gone missing on disk; and favourites. SQL takes user input only as
//! bound parameters; the statement shapes are few and cached.

use super::{Error, Item, Library, MarkFilter, Page, Query, Shape, SortKey, StatusFilter, VideoKind};
use crate::jobs::{Generation, ImageKind, Status};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Row};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// How many characters of a prompt a gallery tile carries.
pub const TILE_PROMPT_CHARS: usize = 280;
/// The page size when a query asks for none.
pub const DEFAULT_LIMIT: u32 = 100;
/// The largest page a query gets.
pub const MAX_LIMIT: u32 = 500;
/// More words than this in the search box are ignored (a pasted essay stays a cheap search).
const MAX_SEARCH_WORDS: usize = 32;

/// The gallery tile of a generation.
pub fn item_of(g: &Generation) -> Item {
    Item {
        id: g.id,
        status: g.status,
        model: g.model.clone(),
        prompt: cut_prompt(&g.prompt),
        duration_s: g.duration_s,
        audio: g.has_audio,
        kind: kind_of(g.image_kind != ImageKind::None),
        image_size: image_size(g.image_kind != ImageKind::None, g.image_width, g.image_height),
        frame: g.clip_size,
        shape: Shape::of(
            g.clip_size,
            g.shot.aspect.as_deref(),
            image_size(g.image_kind != ImageKind::None, g.image_width, g.image_height),
        ),
        hold_micros: g.hold.0,
        charged_micros: g.charged.map(|m| m.0),
        refunded_micros: g.refunded.map(|m| m.0),
        created_at: g.created_at.clone(),
        favourite: g.favourite,
        missing: g.clip_missing && g.status == Status::Succeeded && g.removed.is_none(),
        away: false,
        error_message: g.error_message.clone(),
        removed: g.removed.clone(),
        mark: g.mark,
        group_id: g.group_id,
    }
}

/// What the search box asks for, in SQL. Each word (a run of letters and digits, in any script)
/// must appear somewhere in the prompt, as a piece of it, without regard to case or diacritics,
/// so 夕日 is found in 海辺の夕日, "turm" in "Leuchtturmwärter" and "ligh" in "lighthouse".
/// Words of three characters or more ask the trigram index (`generations_search`); shorter ones
/// (夕日, 바다, "of"), which have no trigram, are a plain substring scan of the prompt. "ss" and
/// "ß" stand for each other ("strasse" finds "Straße"). Quotes, operators and punctuation only
/// separate words, so no input is a syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// An FTS5 MATCH expression for the trigram index, when a word is long enough for it.
    pub matching: Option<String>,
    /// `LIKE` patterns (escaped with `\`) for the shorter words.
    pub containing: Vec<String>,
}

impl Search {
    /// None when there is no word to search for.
    pub fn parse(text: &str) -> Option<Search> {
        let words: Vec<&str> =
            text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).take(MAX_SEARCH_WORDS).collect();
        if words.is_empty() {
            return None;
        }
        let mut long = Vec::new();
        let mut containing = Vec::new();
        for w in words {
            if w.chars().count() >= 3 {
                let forms: Vec<String> = spellings(w).iter().map(|f| format!("\"{f}\"")).collect();
                long.push(if forms.len() == 1 { forms[0].clone() } else { format!("({})", forms.join(" OR ")) });
            } else {
                let escaped: String = w
                    .chars()
                    .flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] })
                    .collect();
                containing.push(format!("%{escaped}%"));
            }
        }
        Some(Search { matching: (!long.is_empty()).then(|| long.join(" AND ")), containing })
    }
}

/// The spellings a word may have in a prompt: as typed, with "ß" written "ss", and with "ss"
/// written "ß" (German's two spellings of one sound; the index folds case, not this).
fn spellings(word: &str) -> Vec<String> {
    let lower = word.to_lowercase();
    let mut out = vec![word.to_string()];
    for other in [lower.replace('ß', "ss"), lower.replace("ss", "ß")] {
        if !out.iter().any(|o| o.to_lowercase() == other) {
            out.push(other);
        }
    }
    out
}

fn cut_prompt(prompt: &str) -> String {
    match prompt.char_indices().nth(TILE_PROMPT_CHARS) {
        Some((end, _)) => prompt[..end].to_string(),
        None => prompt.to_string(),
    }
}

fn kind_of(has_image: bool) -> VideoKind {
    if has_image {
        VideoKind::I2v
    } else {
        VideoKind::T2v
    }
}

fn image_size(has_image: bool, w: Option<u32>, h: Option<u32>) -> Option<(u32, u32)> {
    match (has_image, w, h) {
        (true, Some(w), Some(h)) => Some((w, h)),
        _ => None,
    }
}

/// One end of a time range over `created_at`, exact to the nanosecond. The store writes
/// `created_at` as RFC 3339 UTC with the fraction's trailing zeros trimmed (`…:52.5Z`, `…:52Z`),
/// so plain string order is wrong within one second; the whole-second part ("YYYY-MM-DDTHH:MM:SS")
/// is compared as text (using the index) and, in the bound's own second, the fraction as a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bound {
    second: String,
    nanos: u32,
}

/// The fraction of `created_at` in nanoseconds (0 for `…:SSZ`).
const CREATED_NANOS: &str = "CAST(substr(rtrim(substr(created_at, 21), 'Z') || '000000000', 1, 9) AS INTEGER)";

impl Bound {
    /// Parses an RFC 3339 instant given as the `what` of a query (a sentence names it if bad).
    pub(crate) fn parse(what: &str, s: &str) -> Result<Bound, Error> {
        let t = OffsetDateTime::parse(s.trim(), &Rfc3339).map_err(|_| {
            Error::BadQuery(format!(
                "The {what} time \"{s}\" is not an RFC 3339 instant; write it like 2026-11-25T00:00:00Z."
            ))
        })?;
        Bound::at(t, what)
    }

    /// The bound at instant `t`; `what` names it in the error for a year beyond 9999.
    pub(crate) fn at(t: OffsetDateTime, what: &str) -> Result<Bound, Error> {
        let utc = t.to_offset(UtcOffset::UTC);
        let second = utc
            .format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"))
            .ok()
            .filter(|s| s.len() == 19)
            .ok_or_else(|| Error::BadQuery(format!("The {what} time is outside the years 0000 to 9999.")))?;
        Ok(Bound { second, nanos: utc.nanosecond() })
    }

    /// `created_at >= self`, appending its parameters.
    pub(crate) fn at_or_after(&self, params: &mut Vec<Value>) -> String {
        params.push(Value::Text(self.second.clone()));
        if self.nanos == 0 {
            return "created_at >= ?".into();
        }
        params.push(Value::Text(self.second.clone()));
        params.push(Value::Integer(i64::from(self.nanos)));
        format!("created_at >= ? AND (substr(created_at, 1, 19) <> ? OR {CREATED_NANOS} >= ?)")
    }

    /// `created_at < self`, appending its parameters.
    pub(crate) fn before(&self, params: &mut Vec<Value>) -> String {
        params.push(Value::Text(self.second.clone()));
        if self.nanos == 0 {
            return "created_at < ?".into();
        }
        params.push(Value::Text(self.second.clone()));
        params.push(Value::Integer(i64::from(self.nanos)));
        format!("(created_at < ? OR (substr(created_at, 1, 19) = ? AND {CREATED_NANOS} < ?))")
    }
}

/// The WHERE clause shared by a page and its count, with its parameters in order.
fn filters(q: &Query) -> Result<(String, Vec<Value>), Error> {
    let mut sql = String::from(if q.include_removed { "1" } else { "removed IS NULL" });
    let mut params = Vec::new();
    if let Some(search) = Search::parse(&q.text) {
        if let Some(m) = search.matching {
            sql.push_str(" AND id IN (SELECT rowid FROM generations_search WHERE generations_search MATCH ?)");
            params.push(Value::Text(m));
        }
        for pattern in search.containing {
            sql.push_str(" AND prompt LIKE ? ESCAPE '\\'");
            params.push(Value::Text(pattern));
        }
    }
    if !q.models.is_empty() {
        sql.push_str(" AND model IN (SELECT value FROM json_each(?))");
        params.push(Value::Text(serde_json::Value::from(q.models.clone()).to_string()));
    }
    if let Some(from) = q.from.as_deref().filter(|s| !s.trim().is_empty()) {
        let clause = Bound::parse("from", from)?.at_or_after(&mut params);
        sql.push_str(" AND ");
        sql.push_str(&clause);
    }
    if let Some(to) = q.to.as_deref().filter(|s| !s.trim().is_empty()) {
        let clause = Bound::parse("to", to)?.before(&mut params);
        sql.push_str(" AND ");
        sql.push_str(&clause);
    }
    if let Some(audio) = q.audio {
        sql.push_str(" AND has_audio = ?");
        params.push(Value::Integer(i64::from(audio)));
    }
    if let Some(shape) = q.shape {
        sql.push_str(&format!(" AND {SHAPE_SQL} = ?"));
        params.push(Value::Text(shape.as_str().into()));
    }
    match q.kind {
        Some(VideoKind::T2v) => sql.push_str(" AND image_kind = 'none'"),
        Some(VideoKind::I2v) => sql.push_str(" AND image_kind <> 'none'"),
        None => {}
    }
    if q.favourites {
        sql.push_str(" AND favourite = 1");
    }
    sql.push_str(match q.mark {
        None => "",
        Some(MarkFilter::Kept) => " AND mark = 'keep'",
        Some(MarkFilter::Rejected) => " AND mark = 'reject'",
        Some(MarkFilter::NotRejected) => " AND mark IS NOT 'reject'",
    });
    if let Some(group) = q.group {
        sql.push_str(" AND group_id = ?");
        params.push(Value::Integer(group));
    }
    sql.push_str(match q.status {
        StatusFilter::All => "",
        StatusFilter::Clips => " AND status = 'succeeded'",
        StatusFilter::Failed => " AND status IN ('failed', 'refunded', 'expired', 'rejected')",
        StatusFilter::Running => " AND status IN ('queued', 'pending', 'processing', 'downloading')",
        StatusFilter::Missing => " AND status = 'succeeded' AND clip_missing = 1",
    });
    Ok((sql, params))
}

fn order_by(q: &Query) -> String {
    let dir = if q.ascending { "ASC" } else { "DESC" };
    let key = match q.sort {
        SortKey::Date => "created_at",
        SortKey::Cost => "COALESCE(charged_micros, 0)",
        SortKey::Duration => "duration_s",
    };
    format!("{key} {dir}, id {dir}")
}

const TILE_COLUMNS: &str = "id, status, model, substr(prompt, 1, 280), duration_s, has_audio, image_kind, \
    image_width, image_height, hold_micros, charged_micros, refunded_micros, created_at, favourite, clip_missing, \
    error_message, clip_file, media_dir, removed, clip_width, clip_height, aspect, mark, group_id";

/// [`Shape::of`] in SQL, for the shape filter (a test holds the two to the same answers).
const SHAPE_SQL: &str = "(CASE \
    WHEN clip_width > 0 AND clip_height > 0 THEN \
      (CASE WHEN clip_width * 10 > clip_height * 11 THEN 'landscape' \
            WHEN clip_width * 10 < clip_height * 9 THEN 'portrait' ELSE 'square' END) \
    WHEN aspect IN ('9:16', '3:4') THEN 'portrait' \
    WHEN aspect = '1:1' THEN 'square' \
    WHEN aspect IN ('16:9', '21:9', '4:3') THEN 'landscape' \
    WHEN image_kind <> 'none' AND image_width > 0 AND image_height > 0 THEN \
      (CASE WHEN image_width * 10 > image_height * 11 THEN 'landscape' \
            WHEN image_width * 10 < image_height * 9 THEN 'portrait' ELSE 'square' END) \
    ELSE 'landscape' END)";

/// A page row: the tile, and where its clip should be.
struct TileRow {
    item: Item,
    clip_file: Option<String>,
    media_dir: Option<String>,
}

fn tile_row(r: &Row<'_>) -> rusqlite::Result<TileRow> {
    let status_name: String = r.get(1)?;
    let status = Status::parse(&status_name).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            1,
            rusqlite::types::Type::Text,
            format!("status {status_name}").into(),
        )
    })?;
    let has_image = r.get::<_, String>(6)? != "none";
    let prompt: String = r.get(3)?;
    let clip_missing: bool = r.get(14)?;
    let removed: Option<String> = r.get(18)?;
    let frame = r.get::<_, Option<u32>>(19)?.zip(r.get::<_, Option<u32>>(20)?);
    let aspect: Option<String> = r.get(21)?;
    let image = image_size(has_image, r.get(7)?, r.get(8)?);
    let item = Item {
        id: r.get(0)?,
        missing: clip_missing && status == Status::Succeeded && removed.is_none(),
        away: false,
        status,
        model: r.get(2)?,
        prompt: cut_prompt(&prompt),
        duration_s: r.get(4)?,
        audio: r.get(5)?,
        kind: kind_of(has_image),
        image_size: image,
        frame,
        shape: Shape::of(frame, aspect.as_deref(), image),
        hold_micros: r.get(9)?,
        charged_micros: r.get(10)?,
        refunded_micros: r.get(11)?,
        created_at: r.get(12)?,
        favourite: r.get(13)?,
        error_message: r.get(15)?,
        removed,
        mark: r.get::<_, Option<String>>(22)?.as_deref().and_then(crate::jobs::Mark::parse),
        group_id: r.get(23)?,
    };
    Ok(TileRow { item, clip_file: r.get(16)?, media_dir: r.get(17)? })
}

impl Library {
    /// One page of the gallery for `q`, and how many records match in all. Deleted and forgotten
    /// records appear only when `q.include_removed` (never flagged missing: the user removed them). The page's clips are checked on disk, and the missing flag follows
    /// what is there (so a clip put back reappears, and one deleted outside the app is marked).
    pub fn query(&self, q: &Query) -> Result<Page, Error> {
        let (filter, mut params) = filters(q)?;
        let limit = if q.limit == 0 { DEFAULT_LIMIT } else { q.limit.min(MAX_LIMIT) };
        let paths = self.paths();
        let store = self.store();
        let conn = store.conn();
        let total: u32 = conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM generations WHERE {filter}"))?
            .query_row(params_from_iter(params.iter()), |r| r.get(0))?;
        params.push(Value::Integer(i64::from(limit)));
        params.push(Value::Integer(i64::from(q.offset)));
        let sql =
            format!("SELECT {TILE_COLUMNS} FROM generations WHERE {filter} ORDER BY {} LIMIT ? OFFSET ?", order_by(q));
        let mut rows = conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(params.iter()), tile_row)?
            .collect::<Result<Vec<_>, _>>()?;

        // Only clips the user kept are looked for; those in the library folder while it is away
        // are said to be away, not missing.
        let away = super::away::away_folder(&paths);
        let mut changed = Vec::new();
        for row in rows.iter_mut().filter(|r| r.item.status == Status::Succeeded && r.item.removed.is_none()) {
            if super::away::in_away_folder(&away, &row.media_dir) {
                row.item.away = true;
                continue;
            }
            let there =
                row.clip_file.as_deref().is_some_and(|f| paths.clip_path_of(row.media_dir.as_deref(), f).is_file());
            if there == row.item.missing {
                row.item.missing = !there;
                changed.push((row.item.id, !there));
            }
        }
        if !changed.is_empty() {
            let tx = conn.unchecked_transaction()?;
            {
                let mut st = tx.prepare_cached(
                    "UPDATE generations SET clip_missing = ?2 \
                     WHERE id = ?1 AND status = 'succeeded' AND removed IS NULL",
                )?;
                for (id, missing) in &changed {
                    st.execute(params![id, missing])?;
                }
            }
            tx.commit()?;
        }
        Ok(Page { total, offset: q.offset, items: rows.into_iter().map(|r| r.item).collect() })
    }

    /// The ids of the records whose prompt matches `text`, newest first, exactly as the
    /// gallery's search box finds them (deleted and forgotten ones left out, as `kyma jobs`
    /// leaves them out): `kyma jobs --search`.
    pub fn search_ids(&self, text: &str) -> Result<Vec<i64>, Error> {
        let (filter, params) = filters(&Query { text: text.into(), ..Query::default() })?;
        let store = self.store();
        let mut st = store.conn().prepare(&format!("SELECT id FROM generations WHERE {filter} ORDER BY id DESC"))?;
        let ids = st.query_map(params_from_iter(params.iter()), |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Marks generation `id` as a favourite (or not).
    pub fn set_favourite(&self, id: i64, on: bool) -> Result<(), Error> {
        let store = self.store();
        let n = store
            .conn()
            .prepare_cached("UPDATE generations SET favourite = ?2 WHERE id = ?1")?
            .execute(params![id, on])?;
        if n == 0 {
            return Err(Error::NoSuchGeneration(id));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    /// One hand-built record; `row` gives the common defaults.
    struct Rec {
        model: &'static str,
        status: &'static str,
        prompt: &'static str,
        duration: u32,
        i2v: bool,
        charged: Option<i64>,
        created_at: &'static str,
        favourite: bool,
        removed: Option<&'static str>,
        clip_missing: bool,
    }

    fn row(model: &'static str, status: &'static str, prompt: &'static str, created_at: &'static str) -> Rec {
        Rec {
            model,
            status,
            prompt,
            duration: 5,
            i2v: false,
            charged: None,
            created_at,
            favourite: false,
            removed: None,
            clip_missing: false,
        }
    }

    fn insert(conn: &Connection, r: &Rec) -> i64 {
        let audio = matches!(r.model, "kling-3-pro-audio" | "seedance-2-pro" | "seedance-2-fast");
        conn.execute(
            "INSERT INTO generations (idempotency_key, status, model, prompt, duration_s, image_kind, image_width, \
             image_height, hold_micros, charged_micros, created_at, updated_at, has_audio, favourite, removed, \
             clip_missing, clip_file) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1000, ?9, ?10, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                uuid::Uuid::new_v4().to_string(),
                r.status,
                r.model,
                r.prompt,
                r.duration,
                if r.i2v { "file" } else { "none" },
                r.i2v.then_some(900),
                r.i2v.then_some(1600),
                r.charged,
                r.created_at,
                audio,
                r.favourite,
                r.removed,
                r.clip_missing,
                (r.status == "succeeded").then(|| format!("{}.mp4", r.created_at)),
            ],
        )
        .unwrap();
        conn.last_insert_rowid()
    }

    #[test]
    fn the_shape_filter_and_the_tiles_agree() {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(dir.path()).unwrap();
        // (clip frame, aspect asked, start image): every source of the shape, and their order.
        type Size = Option<(u32, u32)>;
        let cases: &[(Size, Option<&str>, Size)] = &[
            (Some((720, 1280)), None, None),
            (Some((1470, 630)), Some("9:16"), None),
            (Some((960, 960)), None, Some((100, 300))),
            (None, Some("9:16"), None),
            (None, Some("3:4"), Some((1920, 1080))),
            (None, Some("1:1"), None),
            (None, Some("21:9"), None),
            (None, Some("auto"), Some((1080, 1920))),
            (None, None, Some((1080, 1920))),
            (None, None, Some((1000, 1050))),
            (None, None, None),
            (Some((1000, 1099)), None, None),
            (Some((1000, 1112)), None, None),
        ];
        {
            let store = lib.store();
            let conn = store.conn();
            for (i, (clip, aspect, image)) in cases.iter().enumerate() {
                conn.execute(
                    "INSERT INTO generations (idempotency_key, status, model, prompt, duration_s, image_kind, \
                     image_width, image_height, hold_micros, created_at, updated_at, clip_width, clip_height, aspect) \
                     VALUES (?1, 'failed', 'kling-3-pro', 'p', 5, ?2, ?3, ?4, 1, ?5, ?5, ?6, ?7, ?8)",
                    params![
                        format!("shape-{i}"),
                        if image.is_some() { "file" } else { "none" },
                        image.map(|s| s.0),
                        image.map(|s| s.1),
                        format!("2026-01-01T00:00:{i:02}Z"),
                        clip.map(|s| s.0),
                        clip.map(|s| s.1),
                        aspect,
                    ],
                )
                .unwrap();
            }
        }
        let expected: Vec<Shape> = cases.iter().map(|(c, a, i)| Shape::of(*c, *a, *i)).collect();
        use Shape::*;
        assert_eq!(
            expected,
            [
                Portrait, Landscape, Square, Portrait, Portrait, Square, Landscape, Portrait, Portrait, Square,
                Landscape, Square, Portrait
            ]
        );
        let all = lib.query(&Query { ascending: true, ..Default::default() }).unwrap();
        assert_eq!(all.items.iter().map(|i| i.shape).collect::<Vec<_>>(), expected, "tiles");
        for shape in [Landscape, Portrait, Square] {
            let page = lib.query(&Query { shape: Some(shape), ascending: true, ..Default::default() }).unwrap();
            let want: Vec<i64> =
                all.items.iter().zip(&expected).filter(|(_, s)| **s == shape).map(|(it, _)| it.id).collect();
            assert_eq!(
                page.items.iter().map(|i| i.id).collect::<Vec<_>>(),
                want,
                "{shape:?}: the SQL and Shape::of agree"
            );
            assert_eq!(page.total as usize, want.len());
        }
    }

    /// The fixture: ids 1..=8 in this order.
    fn fixture() -> (tempfile::TempDir, Library) {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(dir.path()).unwrap();
        let rows = [
            Rec {
                charged: Some(756_000),
                favourite: true,
                ..row("kling-3-pro", "succeeded", "a lighthouse at dusk, waves", "2026-01-01T10:00:00Z")
            },
            Rec {
                duration: 10,
                charged: Some(3_265_650),
                i2v: true,
                ..row("seedance-2-fast", "succeeded", "Crème brûlée on a café table", "2026-01-02T10:00:00.5Z")
            },
            Rec { duration: 3, ..row("kling-3-pro", "failed", "a fox in the snow", "2026-01-03T10:00:00.25Z") },
            Rec {
                duration: 1,
                ..row("seedance-2-fast", "processing", "lightning over the sea", "2026-01-04T10:00:00Z")
            },
            Rec {
                duration: 8,
                charged: Some(1_209_600),
                clip_missing: true,
                ..row("kling-3-pro", "succeeded", "a lighthouse keeper", "2026-01-05T10:00:00Z")
            },
            Rec {
                charged: Some(2_047_950),
                removed: Some("forgotten"),
                ..row("seedance-2-pro", "succeeded", "a lighthouse removed", "2026-01-06T10:00:00Z")
            },
            Rec {
                duration: 2,
                charged: Some(756_000),
                i2v: true,
                favourite: true,
                ..row("kling-3-pro-audio", "succeeded", "dancers on a rooftop", "2026-01-07T10:00:00Z")
            },
            Rec { duration: 7, ..row("kling-3-pro", "expired", "a red car (AND) \"quoted\"", "2026-01-08T10:00:00Z") },
        ];
        {
            let store = lib.store();
            for r in &rows {
                insert(store.conn(), r);
            }
        }
        // Clips 1 and 7 are on disk; 2 is not (but not yet flagged); 5 is flagged missing.
        let clips = dir.path().join("clips");
        std::fs::create_dir_all(&clips).unwrap();
        for c in ["2026-01-01T10:00:00Z", "2026-01-07T10:00:00Z"] {
            std::fs::write(clips.join(format!("{c}.mp4")), b"x").unwrap();
        }
        (dir, lib)
    }

    fn ids(lib: &Library, q: &Query) -> Vec<i64> {
        lib.query(q).unwrap().items.iter().map(|i| i.id).collect()
    }

    #[test]
    fn search_words_become_trigram_phrases_or_substrings_and_never_syntax() {
        let parse = |t: &str| Search::parse(t).map(|s| (s.matching, s.containing));
        assert_eq!(parse("light"), Some((Some("\"light\"".into()), vec![])));
        assert_eq!(parse("  slow   DOLLY "), Some((Some("\"slow\" AND \"DOLLY\"".into()), vec![])));
        // Operators and punctuation only separate words; short words are substrings.
        assert_eq!(
            parse("\"a\" AND -b NEAR(c) d:e ^f g*"),
            Some((
                Some("\"AND\" AND \"NEAR\"".into()),
                ["%a%", "%b%", "%c%", "%d%", "%e%", "%f%", "%g%"].map(String::from).to_vec()
            ))
        );
        assert_eq!(parse("夕日"), Some((None, vec!["%夕日%".into()])));
        assert_eq!(parse("海辺の夕日、カメラ"), Some((Some("\"海辺の夕日\" AND \"カメラ\"".into()), vec![])));
        // German's two spellings of one sound, both ways.
        assert_eq!(parse("strasse"), Some((Some("(\"strasse\" OR \"straße\")".into()), vec![])));
        assert_eq!(parse("Straße"), Some((Some("(\"Straße\" OR \"strasse\")".into()), vec![])));
        assert_eq!(parse("100%_x"), Some((Some("\"100\"".into()), vec!["%x%".into()])));
        assert_eq!(parse(""), None);
        assert_eq!(parse("  \t"), None);
        assert_eq!(parse("\"*()-:^ 🔥"), None);
    }

    /// A library of prompts in many scripts, each a queued record.
    fn prompts(list: &[&str]) -> (tempfile::TempDir, Library) {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(dir.path()).unwrap();
        for (i, p) in list.iter().enumerate() {
            lib.store().insert(&crate::jobs::store::NewGeneration::sample(p), &format!("k{i}")).unwrap();
        }
        (dir, lib)
    }

    #[test]
    fn search_finds_words_in_every_script_as_a_user_expects() {
        let (_dir, lib) = prompts(&[
            "海辺の夕日、カメラがゆっくり動く",           // 1 Japanese
            "一只猫在雨中的街道上慢慢走",                 // 2 Chinese
            "해질녘 바다 위를 나는 갈매기",               // 3 Korean
            "Der Leuchtturmwärter auf der Hauptstraße",   // 4 German compounds, ß
            "a slow dolly shot down a Strasse in Zürich", // 5 "ss", diacritics
            "ＦＵＬＬ width and café crème",              // 6
        ]);
        let q = |t: &str| {
            let mut v = ids(&lib, &Query { text: t.into(), ..Query::default() });
            v.sort();
            v
        };
        assert_eq!(q("夕日"), [1], "a word inside a run of Japanese");
        assert_eq!(q("カメラ"), [1]);
        assert_eq!(q("ゆっくり動く"), [1]);
        assert_eq!(q("夕日 カメラ"), [1], "every word, anywhere");
        assert_eq!(q("猫"), [2], "one Chinese character");
        assert_eq!(q("雨中"), [2]);
        assert_eq!(q("街道上"), [2]);
        assert_eq!(q("바다"), [3], "a Korean word");
        assert_eq!(q("갈매기"), [3]);
        assert_eq!(q("Leuchtturm"), [4], "the start of a German compound");
        assert_eq!(q("turmwärter"), [4], "its middle");
        assert_eq!(q("turmwarter"), [4], "without the umlaut");
        assert_eq!(q("strasse"), [4, 5], "ss finds ß");
        assert_eq!(q("HAUPTSTRASSE"), [4]);
        assert_eq!(q("Straße"), [4, 5], "ß finds ss");
        assert_eq!(q("zurich"), [5]);
        assert_eq!(q("CAFE CREME"), [6]);
        assert_eq!(q("ca"), [6], "shorter than a trigram: a plain substring");
        assert_eq!(q("夕日 바다"), Vec::<i64>::new(), "all words must be there");
        assert_eq!(q("%"), [1, 2, 3, 4, 5, 6], "punctuation alone searches nothing");
        assert_eq!(q("_"), [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn prompts_are_cut_on_a_character_boundary() {
        let long = "é".repeat(300);
        assert_eq!(cut_prompt(&long).chars().count(), 280);
        assert_eq!(cut_prompt("short"), "short");
    }

    #[test]
    fn items_carry_kind_size_and_missing() {
        let (_dir, lib) = fixture();
        let g = lib.get(2).unwrap();
        let item = item_of(&g);
        assert_eq!((item.kind, item.image_size, item.audio), (VideoKind::I2v, Some((900, 1600)), true));
        assert!(!item.missing);
        let mut failed = lib.get(3).unwrap();
        failed.clip_missing = true;
        assert!(!item_of(&failed).missing, "only a succeeded generation can miss its clip");
        assert_eq!(item_of(&lib.get(1).unwrap()).kind, VideoKind::T2v);
        assert_eq!(item_of(&lib.get(1).unwrap()).hold_micros, 1000);
    }

    #[test]
    fn clip_path_follows_paths_clip_path() {
        let (dir, lib) = fixture();
        let paths = lib.paths();
        let mut g = lib.get(1).unwrap();
        for media in [None, Some(dir.path().join("elsewhere").display().to_string())] {
            g.media_dir = media;
            let file = g.clip_file.clone().unwrap();
            assert_eq!(Some(paths.clip_path_of(g.media_dir.as_deref(), &file)), paths.clip_path(&g));
        }
    }

    #[test]
    fn search_finds_words_prefixes_and_diacritics() {
        let (_dir, lib) = fixture();
        let q = |t: &str| ids(&lib, &Query { text: t.into(), ..Query::default() });
        assert_eq!(q("lighthouse"), [5, 1]);
        assert_eq!(q("ligh"), [5, 4, 1]);
        assert_eq!(q("lighthouse keeper"), [5]);
        assert_eq!(q("creme brulee"), [2]);
        assert_eq!(q("CAFÉ"), [2]);
        assert_eq!(q("quoted"), [8]);
        assert_eq!(q("nothing-like-this"), Vec::<i64>::new());
        for hostile in ["\"", "AND", "NEAR(", "*", "-x", "col:val", "🔥", "a OR", "(\"", "prompt:light", "^", "NOT"] {
            lib.query(&Query { text: hostile.into(), ..Query::default() }).unwrap();
        }
    }

    #[test]
    fn every_filter() {
        let (_dir, lib) = fixture();
        let all = ids(&lib, &Query::default());
        assert_eq!(all, [8, 7, 5, 4, 3, 2, 1], "newest first; the forgotten #6 is left out");
        let q = |q: Query| ids(&lib, &q);
        assert_eq!(
            q(Query { models: vec!["seedance-2-fast".into(), "kling-3-pro-audio".into()], ..Query::default() }),
            [7, 4, 2]
        );
        assert_eq!(q(Query { audio: Some(true), ..Query::default() }), [7, 4, 2]);
        assert_eq!(q(Query { audio: Some(false), ..Query::default() }), [8, 5, 3, 1]);
        assert_eq!(q(Query { kind: Some(VideoKind::I2v), ..Query::default() }), [7, 2]);
        assert_eq!(q(Query { kind: Some(VideoKind::T2v), ..Query::default() }), [8, 5, 4, 3, 1]);
        assert_eq!(q(Query { favourites: true, ..Query::default() }), [7, 1]);
        {
            let store = lib.store();
            store.set_mark(7, Some(crate::jobs::Mark::Keep)).unwrap();
            store.set_mark(2, Some(crate::jobs::Mark::Keep)).unwrap();
            store.set_mark(5, Some(crate::jobs::Mark::Reject)).unwrap();
            store.conn().execute("INSERT INTO groups (id, kind, title, size, hold_micros, created_at, updated_at) VALUES (1, 'board', 't', 2, 0, 'x', 'x')", []).unwrap();
            store.conn().execute("UPDATE generations SET group_id = 1 WHERE id IN (3, 7)", []).unwrap();
        }
        assert_eq!(q(Query { mark: Some(MarkFilter::Kept), ..Query::default() }), [7, 2]);
        assert_eq!(q(Query { mark: Some(MarkFilter::Rejected), ..Query::default() }), [5]);
        assert_eq!(q(Query { mark: Some(MarkFilter::NotRejected), ..Query::default() }), [8, 7, 4, 3, 2, 1]);
        assert_eq!(q(Query { group: Some(1), ..Query::default() }), [7, 3]);
        assert_eq!(q(Query { group: Some(1), mark: Some(MarkFilter::Kept), ..Query::default() }), [7]);
        let tile = lib.query(&Query { group: Some(1), ..Query::default() }).unwrap().items.remove(0);
        assert_eq!((tile.mark, tile.group_id), (Some(crate::jobs::Mark::Keep), Some(1)));
        for id in [2, 5, 7] {
            lib.store().set_mark(id, None).unwrap();
        }
        lib.store().conn().execute("UPDATE generations SET group_id = NULL", []).unwrap();
        assert_eq!(q(Query { status: StatusFilter::Clips, ..Query::default() }), [7, 5, 2, 1]);
        assert_eq!(q(Query { status: StatusFilter::Failed, ..Query::default() }), [8, 3]);
        assert_eq!(q(Query { status: StatusFilter::Running, ..Query::default() }), [4]);
        // The first look at #2 finds its clip gone: it joins #5 as missing.
        assert_eq!(q(Query { status: StatusFilter::Missing, ..Query::default() }), [5, 2]);
        let from = |f: &str| q(Query { from: Some(f.into()), ..Query::default() });
        assert_eq!(from("2026-01-07T10:00:00Z"), [8, 7]);
        assert_eq!(from("2026-01-07T11:00:00+01:00"), [8, 7], "offsets are honoured");
        let to = |t: &str| q(Query { to: Some(t.into()), ..Query::default() });
        assert_eq!(to("2026-01-03T10:00:00Z"), [2, 1]);
        // Within one second the fraction counts: #2 is at 10:00:00.5, #3 at 10:00:00.25.
        assert_eq!(from("2026-01-02T10:00:00.5Z").last(), Some(&2));
        assert_eq!(from("2026-01-02T10:00:00.50001Z").last(), Some(&3));
        assert_eq!(from("2026-01-02T10:00:00.4999Z").last(), Some(&2));
        assert_eq!(to("2026-01-03T10:00:00.25Z"), [2, 1]);
        assert_eq!(to("2026-01-03T10:00:00.250000001Z"), [3, 2, 1]);
        assert_eq!(to("2026-01-02T10:00:00.05Z"), [1]);
        assert_eq!(
            q(Query {
                text: "light".into(),
                models: vec!["kling-3-pro".into()],
                from: Some("2026-01-01T00:00:00Z".into()),
                to: Some("2026-01-05T00:00:00Z".into()),
                ..Query::default()
            }),
            [1]
        );
        for bad in ["yesterday", "2026-13-45T00:00:00Z", "2026-01-01"] {
            let e = lib.query(&Query { from: Some(bad.into()), ..Query::default() }).unwrap_err();
            assert!(matches!(&e, Error::BadQuery(m) if m.contains("RFC 3339")), "{e}");
            assert_eq!(e.kind(), "invalid_input");
        }
    }

    #[test]
    fn every_sort_both_ways() {
        let (_dir, lib) = fixture();
        let q = |sort: SortKey, ascending: bool| ids(&lib, &Query { sort, ascending, ..Query::default() });
        assert_eq!(q(SortKey::Date, true), [1, 2, 3, 4, 5, 7, 8]);
        // Cost: charged only (failed and running count as 0), ties by id.
        assert_eq!(q(SortKey::Cost, false), [2, 5, 7, 1, 8, 4, 3]);
        assert_eq!(q(SortKey::Cost, true), [3, 4, 8, 1, 7, 5, 2]);
        assert_eq!(q(SortKey::Duration, false), [2, 5, 8, 1, 3, 7, 4]);
        assert_eq!(q(SortKey::Duration, true), [4, 7, 3, 1, 8, 5, 2]);
    }

    #[test]
    fn paging_and_limits() {
        let (_dir, lib) = fixture();
        let page = |offset, limit| lib.query(&Query { offset, limit, ..Query::default() }).unwrap();
        let p = page(2, 3);
        assert_eq!((p.total, p.offset), (7, 2));
        assert_eq!(p.items.iter().map(|i| i.id).collect::<Vec<_>>(), [5, 4, 3]);
        assert_eq!(page(6, 3).items.len(), 1);
        assert!(page(50, 3).items.is_empty());
        assert_eq!(page(50, 3).total, 7);
        assert_eq!(page(0, 0).items.len(), 7, "0 means the default page size");
        assert_eq!(page(0, 1).items.len(), 1);
    }

    #[test]
    fn missing_flag_follows_the_disk() {
        let (dir, lib) = fixture();
        let missing =
            |id: i64| lib.query(&Query::default()).unwrap().items.into_iter().find(|i| i.id == id).unwrap().missing;
        assert!(missing(2) && missing(5) && !missing(1));
        assert!(lib.get(2).unwrap().clip_missing, "the flag was stored");
        std::fs::write(dir.path().join("clips").join("2026-01-02T10:00:00.5Z.mp4"), b"x").unwrap();
        std::fs::remove_file(dir.path().join("clips").join("2026-01-01T10:00:00Z.mp4")).unwrap();
        assert!(!missing(2) && missing(1));
        assert!(!lib.get(2).unwrap().clip_missing);
        assert!(!lib.get(6).unwrap().clip_missing, "removed records are left alone");
    }

    #[test]
    fn removed_records_only_when_asked() {
        let (_dir, lib) = fixture();
        assert!(!ids(&lib, &Query::default()).contains(&6), "the gallery hides a forgotten record");
        let all = lib.query(&Query { include_removed: true, ..Query::default() }).unwrap();
        assert_eq!(all.total, 8, "the spend list counts every record");
        let six = all.items.iter().find(|i| i.id == 6).unwrap();
        assert_eq!(
            (six.removed.as_deref(), six.charged_micros, six.missing),
            (Some("forgotten"), Some(2_047_950), false)
        );
        assert!(all.items.iter().filter(|i| i.id != 6).all(|i| i.removed.is_none()));
        assert!(!lib.get(6).unwrap().clip_missing, "a removed clip is not looked for on disk");
        let found = ids(&lib, &Query { text: "removed".into(), include_removed: true, ..Query::default() });
        assert_eq!(found, [6], "filters still apply");
    }

    #[test]
    fn favourites() {
        let (_dir, lib) = fixture();
        lib.set_favourite(3, true).unwrap();
        lib.set_favourite(1, false).unwrap();
        assert_eq!(ids(&lib, &Query { favourites: true, ..Query::default() }), [7, 3]);
        assert!(matches!(lib.set_favourite(99, true), Err(Error::NoSuchGeneration(99))));
    }
}
