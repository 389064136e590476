//! The library as the gallery, `kyma jobs --search` and `kyma spend` see it: search (words in
//! every script, pieces of words, diacritics, and text that would break a naive FTS query), paging, removed records, spend sums exact to the
//! micro-dollar against the database itself, and a seeded library of thousands of generations.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{stderr, stdout, Kyma};
use kyma_studio::jobs::Paths;
use kyma_studio::library::{Library, Query, SortKey, SpendQuery, StatusFilter};
use rusqlite::{params, Connection};
use serde_json::Value;
use std::path::Path;
use std::time::Instant;

/// A `kyma` with its own empty library; these commands never reach a server.
fn kyma() -> Kyma {
    Kyma { data: tempfile::tempdir().unwrap(), api: "http://127.0.0.1:9/v1".into(), key: String::new() }
}

/// The library's database, opened (and migrated) by the library itself first.
fn db(dir: &Path) -> Connection {
    drop(Library::open(dir).unwrap());
    Connection::open(Paths::new(dir).db).unwrap()
}

struct Rec<'a> {
    model: &'a str,
    status: &'a str,
    prompt: &'a str,
    created_at: &'a str,
    hold: i64,
    estimated: Option<i64>,
    charged: Option<i64>,
    refunded: Option<i64>,
    removed: Option<&'a str>,
}

fn rec<'a>(model: &'a str, status: &'a str, prompt: &'a str, created_at: &'a str) -> Rec<'a> {
    Rec { model, status, prompt, created_at, hold: 0, estimated: None, charged: None, refunded: None, removed: None }
}

fn insert(c: &Connection, r: Rec<'_>) -> i64 {
    c.execute(
        "INSERT INTO generations (idempotency_key, status, model, prompt, duration_s, hold_micros, estimated_micros, \
         charged_micros, refunded_micros, created_at, updated_at, removed) \
         VALUES (?1, ?2, ?3, ?4, 5, ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
        params![
            uuid::Uuid::new_v4().to_string(),
            r.status,
            r.model,
            r.prompt,
            r.hold,
            r.estimated,
            r.charged,
            r.refunded,
            r.created_at,
            r.removed
        ],
    )
    .unwrap();
    c.last_insert_rowid()
}

/// Two models over three days (Mon 2 – Wed 4 March 2026), one clip at 23:30 UTC, one forgotten.
fn spend_fixture(c: &Connection) {
    let (k, s) = ("kling-3-pro", "seedance-2-fast");
    let money = |charged, refunded| (Some(charged).filter(|m| *m > 0), Some(refunded).filter(|m| *m > 0));
    let rows = [
        (k, "succeeded", "2026-03-02T09:00:00.123Z", 756_000, None, money(756_000, 0), None),
        (s, "succeeded", "2026-03-02T23:30:00Z", 1_632_825, None, money(1_632_825, 0), None),
        (s, "refunded", "2026-03-03T08:00:00Z", 653_130, None, money(0, 653_130), None),
        (k, "succeeded", "2026-03-03T12:00:00Z", 302_400, None, money(302_400, 0), Some("trashed")),
        (k, "downloading", "2026-03-04T01:00:00Z", 151_200, None, money(151_200, 0), None),
        (s, "processing", "2026-03-04T02:00:00Z", 326_565, Some(326_565), money(0, 0), None),
        (k, "pending", "2026-03-04T03:00:00Z", 1_512_000, None, money(0, 0), None),
        (k, "rejected", "2026-03-04T04:00:00Z", 756_000, None, money(0, 0), None),
    ];
    for (model, status, created_at, hold, estimated, (charged, refunded), removed) in rows {
        insert(c, Rec { hold, estimated, charged, refunded, removed, ..rec(model, status, "p", created_at) });
    }
}

/// The totals `kyma spend` must report, summed by SQLite straight from the records.
fn db_totals(c: &Connection) -> [i64; 5] {
    c.query_row(
        "SELECT COALESCE(SUM(charged_micros), 0), COALESCE(SUM(refunded_micros), 0), \
         (SELECT COALESCE(SUM(COALESCE(estimated_micros, hold_micros)), 0) FROM generations \
          WHERE status IN ('pending', 'processing')), \
         SUM(status = 'succeeded'), SUM(COALESCE(refunded_micros, 0) > 0) FROM generations",
        [],
        |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?]),
    )
    .unwrap()
}

fn spend_json(k: &Kyma, args: &[&str], tz: &str) -> Value {
    let mut cmd = k.command();
    cmd.env("TZ", tz).arg("spend").arg("--json").args(args);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "kyma spend: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn json_totals(v: &Value) -> [i64; 5] {
    ["charged_micros", "refunded_micros", "held_micros", "clips", "refunds"].map(|f| v[f].as_i64().unwrap())
}

#[test]
fn kyma_spend_json_totals_equal_the_database_sums() {
    let k = kyma();
    let c = db(k.data.path());
    spend_fixture(&c);
    let want = db_totals(&c);
    assert_eq!(want, [756_000 + 1_632_825 + 302_400 + 151_200, 653_130, 326_565 + 1_512_000, 3, 1]);
    let v = spend_json(&k, &[], "UTC0");
    assert_eq!(json_totals(&v), want, "the forgotten clip's money counts too");
    let per_model: Vec<(&str, i64)> = v["per_model"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["model"].as_str().unwrap(), m["charged_micros"].as_i64().unwrap()))
        .collect();
    assert_eq!(per_model, [("seedance-2-fast", 1_632_825), ("kling-3-pro", 756_000 + 302_400 + 151_200)]);

    // Days follow the local zone: 23:30 UTC on the 2nd is the 3rd an hour east of UTC.
    let days = |v: &Value| -> Vec<(String, i64)> {
        v["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["start"].as_str().unwrap().to_string(), b["charged_micros"].as_i64().unwrap()))
            .collect()
    };
    let day = |d: &str, m: i64| (d.to_string(), m);
    assert_eq!(
        days(&v),
        [day("2026-03-02", 756_000 + 1_632_825), day("2026-03-03", 302_400), day("2026-03-04", 151_200)]
    );
    assert_eq!(
        days(&spend_json(&k, &[], "CET-1")),
        [day("2026-03-02", 756_000), day("2026-03-03", 1_632_825 + 302_400), day("2026-03-04", 151_200)]
    );
    assert_eq!(days(&spend_json(&k, &["--by", "week"], "UTC0")), [day("2026-03-02", want[0])]);
    assert_eq!(days(&spend_json(&k, &["--by", "month"], "UTC0")), [day("2026-03-01", want[0])]);
    // Since local midnight of the 3rd: at +1 h that is 23:00 UTC on the 2nd.
    let since = spend_json(&k, &["--since", "2026-03-03"], "CET-1");
    assert_eq!(since["charged_micros"], 1_632_825 + 302_400 + 151_200);

    let text = k.command().env("TZ", "UTC0").arg("spend").output().unwrap();
    assert!(text.status.success());
    let text = stdout(&text);
    for line in ["$2.842425", "seedance-2-fast", "$0.65313", "$1.838565", "2026-03-04"] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
}

#[test]
fn kyma_spend_refuses_a_bad_date_with_one_sentence() {
    let k = kyma();
    let out = k.run(&["spend", "--since", "2026-13-45"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("kyma: ") && err.contains("2026-13-45") && err.contains("YYYY-MM-DD"), "{err}");
    assert!(err.trim_end().ends_with('.'), "{err}");
    assert!(stdout(&out).is_empty());
}

/// A succeeded kling-3-pro clip per prompt, a day apart from 2026-05-01, each charged 100; the
/// one at `forgotten` is forgotten.
fn clips_of(c: &Connection, prompts: &[&str], forgotten: usize) {
    for (i, p) in prompts.iter().enumerate() {
        let removed = (i == forgotten).then_some("forgotten");
        let created = format!("2026-05-0{}T12:00:00Z", i + 1);
        insert(c, Rec { hold: 100, charged: Some(100), removed, ..rec("kling-3-pro", "succeeded", p, &created) });
    }
}

#[test]
fn search_pages_and_removed_records() {
    let dir = tempfile::tempdir().unwrap();
    let c = db(dir.path());
    let prompts = [
        "a slow dolly shot of a lighthouse at dusk, waves",
        "Crème brûlée on a café table",
        "lightning over the sea",
        "a fox in the snow \"quoted\" AND NEAR(x) -y col:val 🔥",
        "a lighthouse, forgotten",
    ];
    clips_of(&c, &prompts, 4);
    let lib = Library::open(dir.path()).unwrap();
    let found = |text: &str| -> Vec<i64> {
        lib.query(&Query { text: text.into(), ..Query::default() }).unwrap().items.iter().map(|i| i.id).collect()
    };
    assert_eq!(found("lighthouse"), [1], "the forgotten record is not in the gallery");
    assert_eq!(found("ligh"), [3, 1]);
    assert_eq!(found("LIGHT dusk"), [1]);
    assert_eq!(found("creme"), [2]);
    assert_eq!(found("brûl"), [2]);
    assert_eq!(found("quoted col"), [4]);
    assert_eq!(found(""), [4, 3, 2, 1]);
    for hostile in
        ["\"", "AND", "NEAR(", "*", "-x", "col:val", "🔥", "\"unterminated", "a OR OR b", "(((", "^x", "x NOT"]
    {
        let page = lib.query(&Query { text: hostile.into(), ..Query::default() });
        assert!(page.is_ok(), "{hostile:?}: {page:?}");
    }

    let page = |offset, limit| lib.query(&Query { offset, limit, sort: SortKey::Date, ..Query::default() }).unwrap();
    let p = page(1, 2);
    assert_eq!((p.total, p.offset, p.items.iter().map(|i| i.id).collect::<Vec<_>>()), (4, 1, vec![3, 2]));
    assert_eq!(page(3, 2).items.len(), 1);
    assert_eq!(page(10, 2).total, 4);

    let s = lib.spend(&SpendQuery::default()).unwrap();
    assert_eq!((s.charged_micros, s.clips), (500, 5), "the forgotten record still counts in spend");
}

#[test]
fn kyma_jobs_search_finds_what_the_gallery_finds_in_every_script() {
    let k = kyma();
    let c = db(k.data.path());
    let prompts = [
        "海辺の夕日、カメラがゆっくり動く",
        "Der Leuchtturmwärter auf der Hauptstraße",
        "해질녘 바다 위를 나는 갈매기",
        "a lighthouse at dusk, forgotten",
    ];
    clips_of(&c, &prompts, 3);
    let lib = Library::open(k.data.path()).unwrap();
    let listed = |text: &str| -> Vec<i64> {
        let out = k.run(&["jobs", "--json", "--search", text]);
        assert!(out.status.success(), "{}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array().unwrap().iter().map(|g| g["id"].as_i64().unwrap()).collect()
    };
    let gallery = |text: &str| -> Vec<i64> {
        lib.query(&Query { text: text.into(), ..Query::default() }).unwrap().items.iter().map(|i| i.id).collect()
    };
    for (text, want) in
        [("夕日", vec![1]), ("strasse", vec![2]), ("turmwarter", vec![2]), ("바다", vec![3]), ("夕日 바다", vec![])]
    {
        assert_eq!(listed(text), want, "kyma jobs --search {text}");
        assert_eq!(gallery(text), want, "the gallery's search for {text}");
    }
    // A forgotten record is in neither (`kyma jobs` lists what the gallery shows).
    assert_eq!(listed("lighthouse"), Vec::<i64>::new());
    assert_eq!(gallery("lighthouse"), Vec::<i64>::new());
    assert_eq!(listed("dusk"), Vec::<i64>::new());
    let out = k.run(&["jobs", "--search", "nowhere"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out).trim(), "No generation's prompt holds \"nowhere\".");
}

#[test]
fn a_seeded_library_searches_and_sums() {
    let k = kyma();
    let out = k.run(&["dev", "seed-library", "2000", "--seed", "42"]);
    assert!(out.status.success(), "seed: {}", stderr(&out));
    assert!(stdout(&out).contains("2000 generations"), "{}", stdout(&out));

    let lib = Library::open(k.data.path()).unwrap();
    let all = lib.query(&Query::default()).unwrap();
    assert_eq!((all.total, all.items.len()), (2000, 100));
    let hits = lib.query(&Query { text: "lighth".into(), limit: 500, ..Query::default() }).unwrap();
    assert!(hits.total > 0 && hits.items.iter().all(|i| i.prompt.contains("lighthouse")));
    let clips = lib.query(&Query { status: StatusFilter::Clips, sort: SortKey::Cost, ..Query::default() }).unwrap();
    assert!(clips.items.windows(2).all(|w| w[0].charged_micros >= w[1].charged_micros));

    let c = Connection::open(Paths::new(k.data.path()).db).unwrap();
    let want = db_totals(&c);
    let sum: i64 = c.query_row("SELECT SUM(charged_micros) FROM generations", [], |r| r.get(0)).unwrap();
    assert_eq!(want[0], sum);
    assert_eq!(json_totals(&spend_json(&k, &[], "UTC0")), want);
    let s = lib.spend(&SpendQuery::default()).unwrap();
    assert_eq!(s.charged_micros, sum);
    assert_eq!(s.buckets.iter().map(|b| b.charged_micros).sum::<i64>(), sum);
}

/// Not an assertion: how long typical search keystrokes take at 10,000 records.
#[test]
fn search_timing_at_ten_thousand_records() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let t = Instant::now();
    lib.seed(10_000, None, 3).unwrap();
    eprintln!("seed 10000: {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let typed = [
        "l",
        "li",
        "lig",
        "ligh",
        "light",
        "lighth",
        "lighthouse",
        "lighthouse d",
        "lighthouse dusk",
        "夕",
        "夕日",
        "strasse",
    ];
    let mut worst = 0f64;
    for round in 0..3 {
        for text in typed {
            let q = Query { text: text.into(), limit: 120, ..Query::default() };
            let t = Instant::now();
            let page = lib.query(&q).unwrap();
            let ms = t.elapsed().as_secs_f64() * 1e3;
            if round > 0 {
                worst = worst.max(ms);
            }
            if round == 2 {
                eprintln!("search {text:>16}: {ms:6.2} ms, {} of {}", page.items.len(), page.total);
            }
        }
    }
    let t = Instant::now();
    let q = Query { text: "slow".into(), models: vec!["kling-3-pro".into()], favourites: false, ..Query::default() };
    lib.query(&q).unwrap();
    eprintln!("search + model filter: {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    lib.query(&Query { limit: 120, ..Query::default() }).unwrap();
    eprintln!("no text, first page: {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    lib.spend(&SpendQuery::default()).unwrap();
    eprintln!("spend by day: {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
    eprintln!("worst warm keystroke: {worst:.2} ms");
}
