//! Issue 14 through the real `kyma` binary against kyma-sim: `kyma compare` (one board, one clip
//! and one charge per model, options a model lacks left out for it), `kyma batch` from a folder of
//! pictures and from a CSV, the money limits (`--max-spend`, Kyma's balance, the daily cap saved
//! in Settings) refusing before any POST, a bad CSV line refused by its number, and a batch paused,
//! resumed and cancelled from the command line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{entries_for, ffprobe, stderr, stdout, write_test_png, Kyma, Sim};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// Ledger entries of one kind (all keys of the simulator).
fn count(ledger: &Value, kind: &str) -> usize {
    ledger["entries"].as_array().unwrap().iter().filter(|e| e["kind"] == kind).count()
}

async fn posts(sim: &Sim) -> u64 {
    sim.public("/_sim/stats").await["posts"].as_u64().unwrap()
}

fn groups(kyma: &Kyma) -> Vec<Value> {
    let out = kyma.run(&["groups", "--json"]);
    assert!(out.status.success(), "kyma groups: {}", stderr(&out));
    serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().clone()
}

/// Every succeeded record's clip exists, plays, and is charged exactly once at Kyma.
async fn assert_each_clip_paid_once(sim: &Sim, kyma: &Kyma, jobs: &[Value]) {
    let ledger = sim.public("/_sim/ledger").await;
    for j in jobs {
        assert_eq!(j["status"], "succeeded", "{j}");
        let key = j["idempotency_key"].as_str().unwrap();
        let kinds: Vec<String> = entries_for(&ledger, key).into_iter().map(|(k, _)| k).collect();
        assert_eq!(kinds.iter().filter(|k| *k == "charge").count(), 1, "{key}: {kinds:?}");
        assert_eq!(kinds.iter().filter(|k| *k == "hold").count(), 1, "{key}: {kinds:?}");
        let clip = kyma.clips_dir().join(j["clip_file"].as_str().unwrap());
        assert_eq!(ffprobe(&clip).video_codec, "h264");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn compare_makes_one_board_with_one_clip_and_one_charge_per_model() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    let out = kyma
        .run_async(args(&[
            "compare",
            "--models",
            "kling-2.5-pro, kling-3-pro,seedance-2-fast",
            "--prompt",
            "a paper boat in the rain",
            "--duration",
            "1",
            "--aspect",
            "9:16",
            "--negative",
            "blur",
            "--seed",
            "7",
        ]))
        .await;
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "3 clips, total $0.572265", "the total comes first: {text}");
    assert_eq!(lines.len(), 4, "one line per cell: {text}");
    let err = stderr(&out);
    for note in [
        "note: kling-2.5-pro does not take a seed: --seed is left out for it.",
        "note: kling-3-pro does not take a seed: --seed is left out for it.",
        "note: seedance-2-fast does not take a negative prompt: --negative is left out for it.",
    ] {
        assert!(err.contains(note), "{note}: {err}");
    }
    for (line, (model, price)) in lines[1..].iter().zip([
        ("kling-2.5-pro", "$0.0945"),
        ("kling-3-pro", "$0.1512"),
        ("seedance-2-fast", "$0.326565"),
    ]) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!((cols[0], cols[1], cols[4]), (model, "succeeded", price), "{line}");
        assert_eq!(cols[3], "s", "time to ready in seconds: {line}");
        let probe = ffprobe(Path::new(cols[5]));
        let want = if model.starts_with("kling") { (1080, 1920) } else { (720, 1280) };
        assert_eq!((probe.width, probe.height), want, "{model} made 9:16");
    }

    let sim_jobs = sim.public("/_sim/jobs").await;
    let sim_jobs = sim_jobs.as_array().unwrap();
    assert_eq!(sim_jobs.len(), 3);
    for j in sim_jobs {
        let extra = &j["extra"];
        assert_eq!(extra["aspect_ratio"], "9:16", "{j}");
        if j["model"].as_str().unwrap().starts_with("kling") {
            assert_eq!((extra["negative_prompt"].as_str(), extra.get("seed")), (Some("blur"), None), "{j}");
        } else {
            assert_eq!((extra.get("negative_prompt"), extra["seed"].as_u64()), (None, Some(7)), "{j}");
        }
    }
    let jobs = kyma.jobs();
    assert_each_clip_paid_once(&sim, &kyma, &jobs).await;
    assert_eq!(count(&sim.public("/_sim/ledger").await, "charge"), 3);
    let group = jobs[0]["group_id"].as_i64().expect("a board member");
    assert!(jobs.iter().all(|j| j["group_id"].as_i64() == Some(group)), "one group");
    let g = groups(&kyma);
    assert_eq!(g.len(), 1);
    assert_eq!((g[0]["kind"].as_str(), g[0]["size"].as_u64()), (Some("board"), Some(3)));
    assert_eq!((g[0]["hold"].as_i64(), g[0]["spent_micros"].as_i64()), (Some(572_265), Some(572_265)));
    assert_eq!((g[0]["succeeded"].as_u64(), g[0]["finished"].as_bool()), (Some(3), Some(true)));
    assert!(stdout(&kyma.run(&["groups"])).contains("board  finished"), "the human list");
}

/// A board from a start image, returning once Kyma accepted its cells: Kling follows the
/// picture's shape, so the aspect goes to Seedance only; `kyma resume` finishes the board.
#[tokio::test(flavor = "multi_thread")]
async fn a_board_from_a_start_image_with_no_wait_is_finished_by_resume() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    let start = kyma.data.path().join("start.png");
    write_test_png(&start, 360, 640);
    let out = kyma
        .run_async(args(&[
            "compare",
            "--models",
            "kling-3-pro,seedance-2-fast",
            "--prompt",
            "the kite lifts off",
            "--image",
            start.to_str().unwrap(),
            "--aspect",
            "1:1",
            "--duration",
            "1",
            "--no-wait",
        ]))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("note: kling-3-pro follows the start image's shape: --aspect is left out for it."),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert_eq!(text.lines().next(), Some("2 clips, total $0.477765"));
    assert_eq!(text.lines().filter(|l| l.starts_with('#')).count(), 2, "both accepted by Kyma: {text}");
    let out = kyma.run_async(args(&["resume"])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    // What was left out is kept with the board, in the form the window reads.
    let listed: serde_json::Value =
        serde_json::from_str(&stdout(&kyma.run_async(args(&["groups", "--json"])).await)).unwrap();
    assert_eq!(listed[0]["notes"], serde_json::json!(["kling-3-pro: aspect left out"]), "{listed}");
    let jobs = kyma.jobs();
    assert_each_clip_paid_once(&sim, &kyma, &jobs).await;
    let sim_jobs = sim.public("/_sim/jobs").await;
    for j in sim_jobs.as_array().unwrap() {
        assert_eq!(j["image_url_kind"], "data");
        let (w, h) = (j["width"].as_u64().unwrap(), j["height"].as_u64().unwrap());
        if j["model"] == "kling-3-pro" {
            assert!(j["extra"].is_null(), "no aspect for Kling image-to-video: {j}");
            assert!(h > w, "Kling follows the portrait picture: {w}×{h}");
        } else {
            assert_eq!(j["extra"]["aspect_ratio"], "1:1");
            assert_eq!(w, h, "Seedance makes the asked square");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_board_refuses_an_option_no_model_takes_and_boards_of_the_wrong_size() {
    let sim = Sim::start(&[]);
    let kyma = Kyma::new(&sim);
    let cases: [(&[&str], i32, &str); 4] = [
        (&["--models", "kling-3-pro,kling-2.5-pro", "--seed", "3"], 2, "kling-3-pro does not take a seed"),
        (&["--models", "kling-3-pro"], 2, "A board compares 2 to 5 different models; this one has 1."),
        (&["--models", "kling-3-pro,kling-3-pro"], 2, "A board compares 2 to 5 different models"),
        (&["--models", "kling-3-pro,sora-2"], 2, "There is no model called \"sora-2\""),
    ];
    for (extra, code, says) in cases {
        let mut a = vec!["compare", "--prompt", "x", "--duration", "1"];
        a.extend_from_slice(extra);
        let out = kyma.run(&a);
        assert_eq!(out.status.code(), Some(code), "{extra:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{extra:?}: {}", stderr(&out));
    }
    assert_eq!(posts(&sim).await, 0);
    assert!(kyma.jobs().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_of_a_folder_makes_one_clip_per_picture_in_name_order() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    let dir = kyma.data.path().join("shots");
    std::fs::create_dir_all(dir.join("more")).unwrap();
    let pictures: [(&str, u32, u32); 5] = [
        // In the window's order for a dropped folder: numbers as numbers (2 before 10), any case.
        ("1 wide.png", 640, 360),
        ("2-portrait.png", 360, 640),
        ("10-square.PNG", 300, 300),
        ("b-small.png", 320, 180),
        ("港の夕暮れ.png", 480, 270),
    ];
    for (name, w, h) in pictures {
        write_test_png(&dir.join(name), w, h);
    }
    // Not pictures of this batch: a text file, a sub-folder's picture, a hidden file.
    std::fs::write(dir.join("notes.txt"), "not a picture").unwrap();
    write_test_png(&dir.join("more").join("deeper.png"), 64, 64);
    write_test_png(&dir.join(".hidden.png"), 64, 64);

    let out = kyma
        .run_async(args(&[
            "batch",
            "--images",
            dir.to_str().unwrap(),
            "--prompt",
            "a slow push in",
            "--model",
            "kling-2.5-pro",
            "--duration",
            "1",
        ]))
        .await;
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "5 clips, total $0.4725", "{text}");
    assert_eq!(lines.len(), 6, "the total, then one path per clip: {text}");
    assert!(stderr(&out).contains("5/5, spent $0.4725"), "{}", stderr(&out));

    let mut jobs = kyma.jobs();
    jobs.sort_by_key(|j| j["group_index"].as_u64());
    let names: Vec<String> = jobs
        .iter()
        .map(|j| Path::new(j["image_source"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, pictures.iter().map(|p| p.0.to_string()).collect::<Vec<_>>(), "sorted by name, 2 before 10");
    assert_each_clip_paid_once(&sim, &kyma, &jobs).await;
    for (j, (name, w, h)) in jobs.iter().zip(pictures) {
        assert_eq!(j["image_kind"], "file", "{name}");
        let p = stdout_path(&lines, j);
        let probe = ffprobe(&p);
        assert_eq!(probe.width > probe.height, w > h, "{name}: Kling follows the picture's shape");
        if w == h {
            assert_eq!(probe.width, probe.height, "{name}");
        }
    }
    let sim_jobs = sim.public("/_sim/jobs").await;
    assert!(sim_jobs.as_array().unwrap().iter().all(|j| j["image_url_kind"] == "data"));
    assert_eq!(count(&sim.public("/_sim/ledger").await, "charge"), 5);
    let g = groups(&kyma);
    assert_eq!((g.len(), g[0]["kind"].as_str(), g[0]["size"].as_u64()), (1, Some("batch"), Some(5)));
}

/// The path `kyma batch` printed for this record.
fn stdout_path(lines: &[&str], job: &Value) -> PathBuf {
    let file = job["clip_file"].as_str().unwrap();
    PathBuf::from(lines.iter().find(|l| l.ends_with(file)).unwrap_or_else(|| panic!("{file} not printed: {lines:?}")))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_from_a_csv_keeps_quoted_commas_japanese_and_each_rows_model() {
    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    let csv = kyma.data.path().join("shots.csv");
    // Excel's "CSV UTF-8": a byte-order mark and CRLF line ends.
    let text = "\u{feff}prompt,model,duration\r\n\
                \"a fox, running in snow\",,1\r\n\
                夕焼けの海と富士山🗻,seedance-2-fast,2\r\n\
                \"she said \"\"action\"\"\",kling-3-pro,\r\n";
    std::fs::write(&csv, text).unwrap();
    let out = kyma
        .run_async(args(&["batch", "--prompts", csv.to_str().unwrap(), "--model", "kling-2.5-pro", "--duration", "1"]))
        .await;
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), stderr(&out));
    // 0.0945 + 2 × 0.326565 + 0.1512
    assert_eq!(stdout(&out).lines().next(), Some("3 clips, total $0.89883"));
    let sim_jobs = sim.public("/_sim/jobs").await;
    let mut got: Vec<(String, String, u64)> = sim_jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (j["prompt"].as_str().unwrap().into(), j["model"].as_str().unwrap().into(), j["duration"].as_u64().unwrap())
        })
        .collect();
    got.sort();
    let mut want = vec![
        ("a fox, running in snow".to_string(), "kling-2.5-pro".to_string(), 1),
        ("she said \"action\"".into(), "kling-3-pro".into(), 1),
        ("夕焼けの海と富士山🗻".into(), "seedance-2-fast".into(), 2),
    ];
    want.sort();
    assert_eq!(got, want);
    let jobs = kyma.jobs();
    assert_each_clip_paid_once(&sim, &kyma, &jobs).await;
    assert_eq!(groups(&kyma)[0]["title"], "3 prompts from shots.csv");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_csv_line_is_refused_by_its_number_before_anything_is_sent() {
    let sim = Sim::start(&[]);
    let kyma = Kyma::new(&sim);
    let csv = kyma.data.path().join("list.csv");
    std::fs::write(&csv, "prompt,duration\n\"a, b\",1\nsecond,2\nthird,ten\nfourth,1\n").unwrap();
    let out = kyma.run(&["batch", "--prompts", csv.to_str().unwrap(), "--model", "kling-2.5-pro"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stderr(&out).trim(), "kyma: Line 4: duration \"ten\" is not a whole number of seconds.");
    assert_eq!(stdout(&out), "", "no total: nothing was going to be sent");
    let model_line = kyma.data.path().join("models.csv");
    std::fs::write(&model_line, "prompt,model\nok,kling-3-pro\nnope,sora-2\n").unwrap();
    let out = kyma.run(&["batch", "--prompts", model_line.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("kyma: Line 3: There is no model called \"sora-2\""), "{}", stderr(&out));
    assert_eq!(posts(&sim).await, 0);
    assert!(kyma.jobs().is_empty());
}

fn prompts_file(kyma: &Kyma, name: &str, n: usize) -> PathBuf {
    let p = kyma.data.path().join(name);
    let text: String = (0..n).map(|i| format!("{name} prompt {i}\n")).collect();
    std::fs::write(&p, text).unwrap();
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn max_spend_refuses_a_dearer_batch_or_board_before_any_post() {
    let sim = Sim::start(&[]);
    let kyma = Kyma::new(&sim);
    let six = prompts_file(&kyma, "six.txt", 6); // 6 × $0.0945 = $0.567
    let out = kyma.run(&[
        "batch",
        "--prompts",
        six.to_str().unwrap(),
        "--model",
        "kling-2.5-pro",
        "--duration",
        "1",
        "--max-spend",
        "$0.50",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("This costs $0.57, more than the $0.50 you allowed (--max-spend)."),
        "{}",
        stderr(&out)
    );
    let out = kyma.run(&[
        "compare",
        "--models",
        "kling-2.5-pro,kling-3-pro",
        "--prompt",
        "x",
        "--duration",
        "1",
        "--max-spend",
        "0.245699",
    ]);
    assert_eq!(out.status.code(), Some(3), "$0.2457 is a micro-dollar above: {}", stderr(&out));
    let out = kyma.run(&["batch", "--prompts", six.to_str().unwrap(), "--model", "kling-2.5-pro", "--max-spend", "-1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--max-spend takes an amount in US dollars"), "{}", stderr(&out));
    assert_eq!(posts(&sim).await, 0, "nothing was sent");
    assert!(kyma.jobs().is_empty() && groups(&kyma).is_empty(), "nothing was recorded");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_above_kymas_balance_is_refused_with_no_hold() {
    let sim = Sim::start(&["--job-seconds", "1", "--key", "ky-low=0.5"]);
    let kyma = Kyma::with_key(&sim, "ky-low");
    let six = prompts_file(&kyma, "six.txt", 6);
    let out = kyma.run(&["batch", "--prompts", six.to_str().unwrap(), "--model", "kling-2.5-pro", "--duration", "1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("This needs $0.57 in holds, but your Kyma balance is $0.50."), "{}", stderr(&out));
    let ledger = sim.public("/_sim/ledger?api_key=ky-low").await;
    assert!(ledger["entries"].as_array().unwrap().is_empty(), "no hold: {ledger}");
    assert_eq!(posts(&sim).await, 0);
    // Five fit ($0.4725 ≤ $0.50): the balance refuses only what it must.
    let five = prompts_file(&kyma, "five.txt", 5);
    let out = kyma
        .run_async(args(&["batch", "--prompts", five.to_str().unwrap(), "--model", "kling-2.5-pro", "--duration", "1"]))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(count(&sim.public("/_sim/ledger?api_key=ky-low").await, "charge"), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daily_cap_in_settings_refuses_boards_batches_and_single_clips_alike() {
    use kyma_studio::studio::settings;
    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    let mut s = settings::defaults(kyma.data.path());
    s.daily_cap_micros = Some(200_000); // $0.20
    settings::save(kyma.data.path(), &s).unwrap();

    // kling-2.5-pro + kling-3-pro at 1 s: $0.2457, past $0.20.
    let out = kyma.run(&["compare", "--models", "kling-2.5-pro,kling-3-pro", "--prompt", "x", "--duration", "1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("past your daily cap of $0.20 ($0.00 spent or held today)"), "{}", stderr(&out));
    let three = prompts_file(&kyma, "three.txt", 3);
    let out = kyma.run(&["batch", "--prompts", three.to_str().unwrap(), "--model", "kling-2.5-pro", "--duration", "1"]);
    assert_eq!(out.status.code(), Some(3), "$0.2835: {}", stderr(&out));
    assert_eq!(posts(&sim).await, 0);
    // One clip of $0.1512 fits; a second would not: `kyma generate` obeys the cap too.
    let one = ["generate", "--model", "kling-3-pro", "--prompt", "under the cap", "--duration", "1"];
    let out = kyma.run(&one);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = kyma.run(&one);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("past your daily cap of $0.20 ($0.15 spent or held today)"), "{}", stderr(&out));
    assert_eq!(posts(&sim).await, 1);
    assert_eq!(kyma.jobs().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_is_paused_resumed_and_cancelled_from_the_command_line() {
    // Kyma queues two jobs of this key at once: the rest of a batch waits here.
    let sim = Sim::start(&["--job-seconds", "2", "--queue-cap", "2", "--concurrent", "2"]);
    let kyma = Kyma::new(&sim);
    let six = prompts_file(&kyma, "six.txt", 6);
    let batch = |file: &Path| {
        args(&[
            "batch",
            "--prompts",
            file.to_str().unwrap(),
            "--model",
            "kling-2.5-pro",
            "--duration",
            "1",
            "--no-wait",
        ])
    };
    let out = kyma.run_async(batch(&six)).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().filter(|l| l.starts_with('#')).count(), 2, "two accepted by Kyma: {text}");
    assert!(stderr(&out).contains("4 clip(s) wait here for room at Kyma"), "{}", stderr(&out));

    let out = kyma.run(&["group", "pause", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("batch #1 paused: 4 clip(s) not yet sent wait here; 2 already at Kyma"));
    let out = kyma.run_async(args(&["resume"])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "4 generation(s) wait in paused batch #1 \"6 prompts from six.txt\"; `kyma group resume 1` sends them."
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(count(&sim.public("/_sim/ledger").await, "hold"), 2, "paused: nothing more was sent");

    let out = kyma.run(&["group", "cancel", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("4 clip(s) not yet sent were dropped (nothing is charged for them); 0 already at Kyma")
    );
    let g = &groups(&kyma)[0];
    assert_eq!(g["state"], "cancelled");
    assert_eq!((g["succeeded"].as_u64(), g["ended_without_clip"].as_u64()), (Some(2), Some(4)));
    assert_eq!(g["spent_micros"].as_i64(), Some(2 * 94_500));
    let out = kyma.run(&["group", "resume", "1"]);
    assert_eq!(out.status.code(), Some(1), "a cancelled group stays cancelled: {}", stderr(&out));

    // A second batch, paused, then resumed from the command line: it finishes.
    let three = prompts_file(&kyma, "three.txt", 3);
    let out = kyma.run_async(batch(&three)).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(kyma.run(&["group", "pause", "2"]).status.success());
    let out = kyma.run_async(args(&["group", "resume", "2"])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let jobs = kyma.jobs();
    let second: Vec<Value> = jobs.into_iter().filter(|j| j["group_id"] == 2).collect();
    assert_eq!(second.len(), 3);
    assert_each_clip_paid_once(&sim, &kyma, &second).await;
    let ledger = sim.public("/_sim/ledger").await;
    assert_eq!((count(&ledger, "hold"), count(&ledger, "charge")), (5, 5));
    assert_eq!(sim.public("/_sim/stats").await["queue_full_refusals"], 0);
}
