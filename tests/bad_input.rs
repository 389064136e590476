//! The bad-input corpus (tests/fixtures/bad-inputs/cases.tsv and its images): every case through
//! the `kyma` CLI against kyma-sim, and the kinds the core checks itself (prompts, durations,
//! models, image files, image links, the app's settings, prompts lists) through the core's own functions too. Each gets one clear
//! line with the documented exit code, never a panic; nothing is charged, and no generation is
//! left looking like it will still run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{stderr, Kyma, Sim};
use kyma_studio::api::{validate, Catalog};
use kyma_studio::media;
use kyma_studio::studio::settings;
use std::path::{Path, PathBuf};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad-inputs");

struct Case {
    name: String,
    kind: String,
    input: String,
    /// None for the kinds only the core sees (settings): no CLI run.
    code: Option<i32>,
    says: String,
}

/// `\n`, `\t`, `\uXXXX` and `{N*c}` (c repeated N times) in a case's input.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(['\\', '{']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(r) = rest.strip_prefix("\\n") {
            out.push('\n');
            rest = r;
        } else if let Some(r) = rest.strip_prefix("\\t") {
            out.push('\t');
            rest = r;
        } else if let Some(hex) = rest.strip_prefix("\\u").and_then(|r| r.get(..4)) {
            out.push(char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap());
            rest = &rest[6..];
        } else if let Some((n, c)) = rest.strip_prefix('{').and_then(|r| r.split_once('}')).and_then(|(inner, _)| {
            let (n, c) = inner.split_once('*')?;
            Some((n.parse::<usize>().ok()?, c.to_string()))
        }) {
            out.push_str(&c.repeat(n));
            rest = &rest[rest.find('}').unwrap() + 1..];
        } else {
            out.push_str(&rest[..1]);
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

fn corpus() -> Vec<Case> {
    let text = std::fs::read_to_string(Path::new(CORPUS).join("cases.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "five tab-separated fields: {l:?}");
            Case {
                name: f[0].into(),
                kind: f[1].into(),
                input: unescape(f[2]),
                code: (f[3] != "-").then(|| f[3].parse().unwrap()),
                says: f[4].into(),
            }
        })
        .collect()
}

/// The file an `image` case names: one of images/, or one made here.
fn image_path(input: &str, scratch: &Path) -> PathBuf {
    match input {
        "@missing" => scratch.join("does-not-exist.jpg"),
        "@folder" => {
            let p = scratch.join("folder.png");
            std::fs::create_dir_all(&p).unwrap();
            p
        }
        "@sparse-101MB" => {
            let p = scratch.join("giant.jpg");
            std::fs::File::create(&p).unwrap().set_len(101 * 1024 * 1024).unwrap();
            p
        }
        name => Path::new(CORPUS).join("images").join(name),
    }
}

fn gen(model: &str, prompt: &str, extra: &[String]) -> Vec<String> {
    let mut v = vec!["generate".into(), "--no-wait".into(), "--model".into(), model.into(), "--prompt".into()];
    v.push(prompt.into());
    v.extend(extra.iter().cloned());
    v
}

/// The core's own answer for the kinds it checks before anything runs, if this kind is one.
fn core_says(case: &Case, scratch: &Path) -> Option<String> {
    let catalog = Catalog::default();
    let err = |r: Result<(), String>| Some(r.err().unwrap_or_else(|| "(accepted)".into()));
    match case.kind.as_str() {
        "prompt" => err(validate::check_prompt(&case.input).map_err(|e| e.to_string())),
        "model" => {
            err(validate::check_request(&catalog, &case.input, "x", None).map(|_| ()).map_err(|e| e.to_string()))
        }
        "duration" => {
            let (model, d) = case.input.split_once(' ').unwrap();
            let d: u32 = d.parse().ok()?; // not a number: only the CLI's parser sees it
            err(validate::check_request(&catalog, model, "x", Some(d)).map(|_| ()).map_err(|e| e.to_string()))
        }
        "image" => {
            err(media::prepare_image_file(&image_path(&case.input, scratch)).map(|_| ()).map_err(|e| e.to_string()))
        }
        "image-link" if case.input.contains("://") => {
            err(validate::check_image_url(&case.input).map_err(|e| e.to_string()))
        }
        "shot" => shot_draft(&case.input).map(|read| match read {
            Ok((draft, takes)) => kyma_studio::jobs::engine::check_draft(&catalog, &draft, takes)
                .map(|_| "(accepted)".to_string())
                .unwrap_or_else(|e| e.to_string()),
            Err(refused) => refused,
        }),
        "prompts-file" => {
            use kyma_studio::jobs::batch_rows::{self, PromptsFormat, RowDefaults};
            let (name, text) = case.input.split_once(':').unwrap();
            let format = PromptsFormat::from_file_name(name)?; // another extension: only the CLI says
            let defaults = RowDefaults { model: Some("kling-3-pro".into()), ..RowDefaults::default() };
            let read = batch_rows::parse(text, format).and_then(|rows| batch_rows::drafts(&catalog, &rows, &defaults));
            Some(read.map(|_| "(accepted)".to_string()).unwrap_or_else(|e| e.message))
        }
        "setting" => {
            let (field, value) = case.input.split_once('=').unwrap();
            let mut v = serde_json::to_value(settings::defaults(scratch)).unwrap();
            v[field] = serde_json::from_str(value).unwrap();
            let s: kyma_studio::studio::dto::Settings = serde_json::from_value(v).unwrap();
            err(settings::validate(&s))
        }
        _ => None,
    }
}

/// The folder an `images-dir` case names, made in `scratch` (its own folder per case).
fn picture_folder(input: &str, scratch: &Path) -> PathBuf {
    let dir = scratch.join(input.trim_start_matches('@'));
    match input {
        "@missing" => return dir,
        "@empty" => std::fs::create_dir_all(&dir).unwrap(),
        "@no-pictures" => {
            std::fs::create_dir_all(dir.join("sub")).unwrap();
            std::fs::write(dir.join("notes.txt"), "not a picture").unwrap();
            std::fs::copy(Path::new(CORPUS).join("images/page.jpg"), dir.join("sub/page.jpg")).unwrap();
            std::fs::copy(Path::new(CORPUS).join("images/page.jpg"), dir.join(".hidden.jpg")).unwrap();
        }
        "@damaged" => {
            std::fs::create_dir_all(&dir).unwrap();
            common::write_test_png(&dir.join("a-good.png"), 64, 48);
            std::fs::copy(Path::new(CORPUS).join("images/truncated.jpg"), dir.join("truncated.jpg")).unwrap();
        }
        other => panic!("unknown folder {other}"),
    }
    dir
}

/// A `shot` case's flags as the engine's draft and takes, read as the CLI reads them (a seed's
/// refusal is the core's own sentence); None when a flag's value is not even of its type (only
/// the CLI's parser sees those).
fn shot_draft(input: &str) -> Option<Result<(kyma_studio::jobs::Draft, u32), String>> {
    use kyma_studio::jobs::{Draft, ImageInput};
    let mut d = Draft {
        model: String::new(),
        prompt: "x".into(),
        duration: None,
        image: None,
        end_image: None,
        options: Default::default(),
    };
    let mut takes = 1;
    let words: Vec<&str> = input.split(' ').collect();
    for pair in words.chunks(2) {
        let (flag, value) = (pair[0], pair.get(1).copied().unwrap_or_default());
        match flag {
            "--model" => d.model = value.into(),
            "--image" => d.image = Some(ImageInput::Url(value.into())),
            "--end-image" => d.end_image = Some(ImageInput::Url(value.into())),
            "--aspect" => d.options.aspect = Some(value.into()),
            "--negative" => d.options.negative_prompt = Some(value.into()),
            "--seed" => match kyma_studio::api::shot::parse_seed(value) {
                Ok(seed) => d.options.seed = Some(seed),
                Err(e) => return Some(Err(e.to_string())),
            },
            "--takes" => takes = value.parse().ok()?,
            other => panic!("unknown flag {other}"),
        }
    }
    Some(Ok((d, takes)))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_input_in_the_corpus_gets_a_clear_message_and_costs_nothing() {
    let sim = Sim::start(&["--job-seconds", "1", "--key", "ky-broke-key=0"]);
    let scratch = tempfile::tempdir().unwrap();
    let cases = corpus();
    assert!(cases.len() >= 40, "the corpus holds {} cases", cases.len());
    let before = sim.ledger().await;
    let (mut through_core, mut kinds) = (0, std::collections::BTreeSet::new());
    for (n, case) in cases.iter().enumerate() {
        kinds.insert(case.kind.clone());
        let Some(code) = case.code else {
            let core = core_says(case, scratch.path()).unwrap_or_else(|| panic!("{}: no core check", case.name));
            assert!(core.contains(&case.says), "{}: the core says {core:?}, not {:?}", case.name, case.says);
            through_core += 1;
            continue;
        };
        let mut kyma = Kyma::new(&sim);
        let x = "x".to_string();
        let args: Vec<String> = match case.kind.as_str() {
            "prompt" => gen("kling-3-pro", &case.input, &[]),
            "duration" => {
                let (model, d) = case.input.split_once(' ').unwrap();
                gen(model, &x, &["--duration".into(), d.into()])
            }
            "model" => gen(&case.input, &x, &[]),
            "image" => gen(
                "kling-3-pro",
                &x,
                &["--image".into(), image_path(&case.input, scratch.path()).display().to_string()],
            ),
            "image-link" => gen("kling-3-pro", &x, &["--image".into(), case.input.clone()]),
            "key" => {
                kyma.key = case.input.clone();
                gen("kling-3-pro", &x, &[])
            }
            "api-base" => {
                kyma.api = case.input.clone();
                gen("kling-3-pro", &x, &[])
            }
            "since" => vec!["spend".into(), "--since".into(), case.input.clone()],
            "library" => {
                let dir = match case.input.as_str() {
                    "@file" => {
                        let p = scratch.path().join("a-file");
                        std::fs::write(&p, b"not a folder").unwrap();
                        p.display().to_string()
                    }
                    other => other.to_string(),
                };
                vec!["--data-dir".into(), dir, "jobs".into()]
            }
            "args" => case.input.split(' ').map(str::to_string).collect(),
            "shot" => {
                let mut v = vec!["generate".to_string(), "--no-wait".into(), "--prompt".into(), x.clone()];
                v.extend(case.input.split(' ').map(str::to_string));
                v
            }
            "prompts-file" => {
                let (name, text) = case.input.split_once(':').unwrap();
                let dir = scratch.path().join(format!("prompts-{n}"));
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join(name), text).unwrap();
                let file = dir.join(name).display().to_string();
                vec![
                    "batch".into(),
                    "--no-wait".into(),
                    "--model".into(),
                    "kling-3-pro".into(),
                    "--prompts".into(),
                    file,
                ]
            }
            "max-spend" => {
                let one = scratch.path().join("one.txt");
                std::fs::write(&one, "one prompt\n").unwrap();
                let mut v: Vec<String> =
                    ["batch", "--no-wait", "--model", "kling-3-pro", "--duration", "1"].map(str::to_string).to_vec();
                v.extend(["--prompts".into(), one.display().to_string(), "--max-spend".into(), case.input.clone()]);
                v
            }
            "images-dir" => {
                let dir = picture_folder(&case.input, &scratch.path().join(format!("pictures-{n}")));
                let dir = dir.display().to_string();
                ["batch", "--no-wait", "--model", "kling-3-pro", "--prompt", "x", "--images", &dir]
                    .map(str::to_string)
                    .to_vec()
            }
            "board" => {
                let mut v = vec!["compare".to_string(), "--no-wait".into(), "--prompt".into(), x.clone()];
                v.extend(case.input.split(' ').map(str::to_string));
                v
            }
            other => panic!("{}: unknown kind {other}", case.name),
        };
        let out = kyma.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{}: exit code; stderr: {err}", case.name);
        assert!(err.contains(&case.says), "{}: stderr does not say {:?}: {err}", case.name, case.says);
        assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{}: {err}", case.name);
        let error_lines = err.lines().filter(|l| l.starts_with("kyma: ") || l.starts_with("error:")).count();
        assert_eq!(error_lines, 1, "{}: one clear error line: {err}", case.name);
        if case.kind != "library" {
            for job in kyma.jobs() {
                let status = job["status"].as_str().unwrap();
                assert!(
                    !["queued", "pending", "processing", "downloading"].contains(&status),
                    "{}: a job row still looks runnable: {job}",
                    case.name
                );
            }
        }
        if let Some(core) = core_says(case, scratch.path()) {
            assert!(core.contains(&case.says), "{}: the core says {core:?}, not {:?}", case.name, case.says);
            through_core += 1;
        }
    }
    assert_eq!(sim.ledger().await, before, "bad inputs changed the ledger");
    eprintln!("{} bad inputs ({} kinds), {through_core} of them through the core as well", cases.len(), kinds.len());
}

#[test]
fn the_corpus_escapes_read_as_written() {
    assert_eq!(unescape(r"a\nb\tc"), "a\nb\tc");
    assert_eq!(unescape(r"\u0001x"), "\u{1}x");
    assert_eq!(unescape("{3*é}!"), "ééé!");
    assert_eq!(unescape("{2*🎬}"), "🎬🎬");
    assert_eq!(unescape("no {escape} here"), "no {escape} here");
}
