//! `kyma compare`, `kyma batch`, `kyma group …` and `kyma groups`: boards (one prompt, 2–5
//! models) and batches (a folder of pictures, or a list of prompts) made as one group, within
//! `--max-spend`, Kyma's balance and the daily cap saved in Settings, all checked before anything
//! is sent.

use super::{catalog, code_for_kind, connect, data_dir, frame_input, obey_daily_cap, start_engine, Cli, Fail};
use clap::{Args, Subcommand};
use kyma_studio::api::{self, Micros, ShotOptions};
use kyma_studio::error_kind::ErrorKind;
use kyma_studio::jobs::batch_rows::{self, PromptsFormat, RowDefaults};
use kyma_studio::jobs::connect::Kyma;
use kyma_studio::jobs::engine::{check_draft, check_group};
use kyma_studio::jobs::{
    self, Draft, Engine, Event, Generation, Group, GroupKind, GroupState, ImageInput, NewGroup, Spending, Status,
};
use kyma_studio::media;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Args)]
pub struct CompareArgs {
    /// The models to compare, separated by commas (2 to 5 different ones).
    #[arg(long, value_delimiter = ',', required = true)]
    models: Vec<String>,
    #[arg(long)]
    prompt: String,
    /// Seconds of footage (each model's default when omitted).
    #[arg(long)]
    duration: Option<u32>,
    /// Start image for every model: a local picture file or an https URL.
    #[arg(long)]
    image: Option<String>,
    /// Aspect ratio, for the models that make it.
    #[arg(long)]
    aspect: Option<String>,
    /// What to avoid (a negative prompt), for the models that take one (Kling).
    #[arg(long)]
    negative: Option<String>,
    /// Seed, 0–2147483647, for the models that take one (Seedance).
    #[arg(long, allow_hyphen_values = true)]
    seed: Option<String>,
    /// The most the board may cost, in US dollars (e.g. 2.50): a dearer one is refused.
    #[arg(long, value_name = "USD", allow_hyphen_values = true)]
    max_spend: Option<String>,
    /// Return once Kyma has accepted the clips; `kyma resume` finishes them later.
    #[arg(long)]
    no_wait: bool,
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["images", "prompts"]))]
pub struct BatchArgs {
    /// A folder: one clip per picture in it (jpg, png, webp, gif, bmp, tiff; not sub-folders),
    /// in file name order, each with --prompt.
    #[arg(long, value_name = "DIR", requires = "prompt")]
    images: Option<PathBuf>,
    /// A list of prompts: a .txt file (one per line; # starts a comment) or a .csv file with a
    /// header row (prompt, and optionally model, duration, aspect).
    #[arg(long, value_name = "FILE")]
    prompts: Option<PathBuf>,
    /// The prompt of every clip made from --images.
    #[arg(long, conflicts_with = "prompts")]
    prompt: Option<String>,
    /// The model, for every row that does not name its own.
    #[arg(long)]
    model: Option<String>,
    /// Seconds of footage, for every row that does not give its own.
    #[arg(long)]
    duration: Option<u32>,
    /// Aspect ratio, for every row that does not give its own.
    #[arg(long)]
    aspect: Option<String>,
    /// The most the batch may cost, in US dollars (e.g. 20): a dearer one is refused.
    #[arg(long, value_name = "USD", allow_hyphen_values = true)]
    max_spend: Option<String>,
    /// Return once Kyma has accepted as many clips as it queues; `kyma resume` sends the rest
    /// and finishes them.
    #[arg(long)]
    no_wait: bool,
}

#[derive(Subcommand)]
pub enum GroupAction {
    /// Keep a group's clips not yet sent here; those at Kyma carry on.
    Pause { id: i64 },
    /// Send a paused group's waiting clips again, and wait for the group to finish.
    Resume {
        id: i64,
        /// Only mark it running; `kyma resume` sends and finishes it later.
        #[arg(long)]
        no_wait: bool,
    },
    /// Drop a group's clips not yet sent (nothing is charged for them); those at Kyma cannot be
    /// stopped, and finish.
    Cancel { id: i64 },
}

/// `--max-spend`, read exactly.
fn max_spend(text: Option<&str>) -> Result<Option<Micros>, Fail> {
    text.map(|t| {
        Micros::parse_usd(t).ok_or_else(|| {
            Fail::new(
                2,
                format!(
                    "--max-spend takes an amount in US dollars, like 5 or 2.50 (at most 6 decimals); \"{}\" is not one.",
                    api::validate::shown(t, 30)
                ),
            )
        })
    })
    .transpose()
}

/// A group's title as shown on one line: its first line, at most 60 characters.
pub fn title_shown(title: &str) -> String {
    let first = title.lines().next().unwrap_or("");
    let short: String = first.chars().take(60).collect();
    if short.len() < title.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// What the user is told an option left out for a model was.
fn dropped_note(model: &str, caps: &api::Capabilities, option: &str, o: &ShotOptions, has_start: bool) -> String {
    match option {
        "aspect" if has_start && caps.aspect_follows_image && caps.aspect_param.is_some() => {
            format!("{model} follows the start image's shape: --aspect is left out for it.")
        }
        "aspect" => format!(
            "{model} does not make {} clips: --aspect is left out for it (it makes its own default).",
            o.aspect.as_deref().unwrap_or("")
        ),
        "negative_prompt" => format!("{model} does not take a negative prompt: --negative is left out for it."),
        "seed" => format!("{model} does not take a seed: --seed is left out for it."),
        other => format!("{model} does not take {other}: it is left out for it."),
    }
}

/// `kyma compare`: one board, one clip per model.
pub async fn compare(cli: &Cli, args: &CompareArgs, utc_offset_minutes: i32) -> Result<(), Fail> {
    let models: Vec<String> = args.models.iter().map(|m| m.trim().to_string()).filter(|m| !m.is_empty()).collect();
    let seed = args.seed.as_deref().map(api::shot::parse_seed).transpose().map_err(api::Error::from)?;
    let max_total = max_spend(args.max_spend.as_deref())?;
    let options =
        ShotOptions { aspect: args.aspect.clone(), negative_prompt: args.negative.clone(), cfg_scale: None, seed }
            .normalized();
    let image = args.image.as_deref().map(frame_input);
    let has_start = image.is_some();
    let paths = jobs::Paths::new(&data_dir(cli));
    let catalog = catalog(&cli.api_base, &paths, false).await;

    // Validate before the key or a job is touched, so bad input never costs anything.
    let mut drafts = Vec::new();
    let mut notes = Vec::new();
    let mut kept_notes = Vec::new();
    let mut dropped_by: BTreeMap<&'static str, usize> = BTreeMap::new();
    for model in &models {
        let (o, dropped) = match catalog.get(model) {
            Some(m) => {
                let (o, dropped) = options.for_model(&m.caps, has_start);
                notes.extend(dropped.iter().map(|d| dropped_note(&m.id, &m.caps, d, &options, has_start)));
                kept_notes.extend(jobs::left_out_note(&m.id, &dropped));
                (o, dropped)
            }
            None => (options.clone(), vec![]),
        };
        for d in dropped {
            *dropped_by.entry(d).or_default() += 1;
        }
        drafts.push(Draft {
            model: model.clone(),
            prompt: args.prompt.clone(),
            duration: args.duration,
            image: image.clone(),
            end_image: None,
            options: o,
        });
    }
    let board = NewGroup { kind: GroupKind::Board, title: args.prompt.trim().to_string(), notes: kept_notes };
    check_group(&catalog, &board, &drafts)?;
    // An option no model of the board takes is a mistake, not something to leave out: refused
    // with the first model's own sentence.
    if dropped_by.values().any(|n| *n == drafts.len()) {
        let whole = Draft { options: options.clone(), ..drafts[0].clone() };
        check_draft(&catalog, &whole, 1)?;
    }
    let mut total = Micros::ZERO;
    for d in &drafts {
        let (model, duration, _) = check_draft(&catalog, d, 1)?;
        total += model.price(duration);
    }
    for n in &notes {
        eprintln!("note: {n}");
    }
    // A start image file is prepared once, here, for every cell (a bad one refused before the key).
    if let Some(ImageInput::File(f)) = &image {
        let prepared = kyma_studio::media::prepare_image_file_async(f.clone())
            .await
            .map_err(|e| Fail::new(code_for_kind(e.kind()), format!("{}: {e}", f.display())))?;
        for d in &mut drafts {
            let image = Box::new(prepared.clone());
            d.image = Some(ImageInput::Prepared { image, source: f.display().to_string() });
        }
    }
    let (engine, kyma) = connect(cli, catalog).await?;
    obey_daily_cap(cli, &engine, utc_offset_minutes);
    let balance = balance(&kyma).await;
    println!("{} clips, total {total}", drafts.len());
    let _ = std::io::stdout().flush();
    let mut events = engine.subscribe();
    let (group, made) = engine.submit_group(board, drafts, Spending { max_total, balance }).await?;
    eprintln!("board #{}: {} models", group.id, made.len());
    let waited = wait(&engine, &mut events, &made, args.no_wait, false).await?;
    if !args.no_wait {
        let paths = engine.paths();
        for g in &waited.members {
            println!("{}", cell_line(g, &paths));
        }
    }
    waited.outcome()
}

/// `kyma batch`: every picture of a folder with one prompt, or a list of prompts.
pub async fn batch(cli: &Cli, args: &BatchArgs, utc_offset_minutes: i32) -> Result<(), Fail> {
    let max_total = max_spend(args.max_spend.as_deref())?;
    let paths = jobs::Paths::new(&data_dir(cli));
    let catalog = catalog(&cli.api_base, &paths, false).await;
    let defaults =
        RowDefaults { model: args.model.clone(), duration: args.duration, aspect: args.aspect.clone(), image: None };
    let (title, mut drafts) = match (&args.images, &args.prompts) {
        (Some(dir), _) => {
            let prompt = args.prompt.clone().unwrap_or_default();
            let model = args.model.clone().ok_or_else(|| {
                Fail::new(2, "Choose the model of the batch with --model (`kyma catalog` lists them).")
            })?;
            let files = pictures_in(dir)?;
            let drafts: Vec<Draft> = files
                .iter()
                .map(|f| Draft {
                    model: model.clone(),
                    prompt: prompt.clone(),
                    duration: args.duration,
                    image: Some(ImageInput::File(f.clone())),
                    end_image: None,
                    options: ShotOptions { aspect: args.aspect.clone(), ..ShotOptions::default() },
                })
                .collect();
            (format!("{} × {} pictures", prompt.trim(), files.len()), drafts)
        }
        (None, Some(file)) => {
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let format = PromptsFormat::from_file_name(&name).ok_or_else(|| {
                Fail::new(
                    2,
                    format!(
                        "Give the prompts as a .txt file (one per line) or a .csv file (a prompt column); \"{}\" is neither.",
                        api::validate::shown(&name, 60)
                    ),
                )
            })?;
            let bytes = std::fs::read(file)
                .map_err(|e| Fail::new(2, format!("Could not read the prompts file {}: {e}.", file.display())))?;
            let text = String::from_utf8(bytes).map_err(|_| {
                Fail::new(2, format!("{} is not UTF-8 text: save it as UTF-8 (CSV UTF-8 in Excel).", file.display()))
            })?;
            let rows = batch_rows::parse(&text, format).map_err(|e| Fail::new(2, e.message))?;
            let drafts = batch_rows::drafts(&catalog, &rows, &defaults).map_err(|e| Fail::new(2, e.message))?;
            (format!("{} prompts from {name}", rows.len()), drafts)
        }
        (None, None) => return Err(Fail::new(2, "Give --images DIR or --prompts FILE.")),
    };
    let new = NewGroup { kind: GroupKind::Batch, title, notes: Vec::new() };
    check_group(&catalog, &new, &drafts)?;
    let mut total = Micros::ZERO;
    for (i, d) in drafts.iter().enumerate() {
        let (model, duration, _) = check_draft(&catalog, d, 1).map_err(|e| {
            let named = match &d.image {
                Some(ImageInput::File(f)) => format!("{}: {e}", f.display()),
                _ => format!("Row {}: {e}", i + 1),
            };
            Fail::new(code_for_kind(e.kind()), named)
        })?;
        total += model.price(duration);
    }
    // Each picture is prepared once, here, so a bad one is named before anything is sent.
    for d in &mut drafts {
        if let Some(ImageInput::File(f)) = &d.image {
            let image = kyma_studio::media::prepare_image_file_async(f.clone())
                .await
                .map_err(|e| Fail::new(code_for_kind(e.kind()), format!("{}: {e}", f.display())))?;
            d.image = Some(ImageInput::Prepared { image: Box::new(image), source: f.display().to_string() });
        }
    }
    let (engine, kyma) = connect(cli, catalog).await?;
    obey_daily_cap(cli, &engine, utc_offset_minutes);
    let balance = balance(&kyma).await;
    println!("{} clips, total {total}", drafts.len());
    let _ = std::io::stdout().flush();
    let mut events = engine.subscribe();
    let (group, made) = engine.submit_group(new, drafts, Spending { max_total, balance }).await?;
    eprintln!("batch #{}: {}", group.id, title_shown(&group.title));
    let waited = wait(&engine, &mut events, &made, args.no_wait, true).await?;
    waited.outcome()
}

/// Kyma's balance, when it answers (an unknown balance does not refuse anything).
async fn balance(kyma: &Kyma) -> Option<Micros> {
    let client = kyma.client().ok()?;
    match client.balance().await {
        Ok(b) => b,
        Err(e) => {
            log::info!("the balance is unknown: {e}");
            None
        }
    }
}

/// The picture files directly in `dir`, in the order the app's batch takes them (`shot 2` before
/// `shot 10`, hidden files left out): the same rule as a folder dropped on the window. A folder
/// that cannot be read or holds no picture is refused here, before the key or a job is touched.
fn pictures_in(dir: &Path) -> Result<Vec<PathBuf>, Fail> {
    std::fs::read_dir(dir).map_err(|e| Fail::new(2, format!("Could not read the folder {}: {e}.", dir.display())))?;
    let files = media::pictures_in(&[dir.to_path_buf()]);
    if files.is_empty() {
        let (rest, last) = match media::PICTURE_EXTENSIONS {
            [rest @ .., last] => (rest, *last),
            [] => (&[][..], "picture"),
        };
        return Err(Fail::new(
            2,
            format!(
                "There are no pictures in {} ({} or {last} files; sub-folders are not searched).",
                dir.display(),
                rest.join(", ")
            ),
        ));
    }
    Ok(files)
}

/// What waiting on a group's members came to.
struct Waited {
    /// The members' last records, in their order.
    members: Vec<Generation>,
    /// Members the engine had trouble with and keeps (a network problem): `kyma resume` finishes them.
    kept: Vec<(i64, ErrorKind, String)>,
}

impl Waited {
    /// The exit: 0 when every member made its clip (or, with --no-wait, was accepted); else the
    /// most telling failure: 4 kept for `kyma resume`, 3 or 2 refused, 1 ended without a clip.
    fn outcome(&self) -> Result<(), Fail> {
        if let Some((id, kind, message)) = self.kept.first() {
            return Err(Fail::new(
                code_for_kind(*kind),
                format!(
                    "{message} Generation #{id}{} kept; run `kyma resume` to finish {}.",
                    if self.kept.len() > 1 { format!(" and {} more are", self.kept.len() - 1) } else { " is".into() },
                    if self.kept.len() > 1 { "them" } else { "it" }
                ),
            ));
        }
        let failed: Vec<&Generation> =
            self.members.iter().filter(|g| g.status.is_terminal() && g.status != Status::Succeeded).collect();
        if failed.is_empty() {
            return Ok(());
        }
        let code = failed.iter().map(|g| member_code(g)).max().unwrap_or(1);
        let first = failed[0];
        let why = first.error_message.clone().unwrap_or_else(|| first.status.as_str().to_string());
        Err(Fail::new(
            code,
            format!(
                "{} of {} clip(s) ended without a clip (failed, refunded, expired, refused or cancelled); #{} {}: {why}",
                failed.len(),
                self.members.len(),
                first.id,
                first.status.as_str()
            ),
        ))
    }
}

/// The exit code of a member that ended without a clip.
fn member_code(g: &Generation) -> u8 {
    match g.status {
        Status::Rejected => {
            g.error_kind.as_deref().map_or(2, |k| code_for_kind(ErrorKind::parse(k).unwrap_or(ErrorKind::Internal)))
        }
        _ => 1,
    }
}

/// Waits on a group's members, printing each clip's path as it lands (`paths_as_they_land`) and
/// `done/N, spent $S` as members finish. With `no_wait`, returns once as many are at Kyma (or
/// over) as it has room for now.
async fn wait(
    engine: &Engine,
    events: &mut tokio::sync::broadcast::Receiver<Event>,
    made: &[Generation],
    no_wait: bool,
    paths_as_they_land: bool,
) -> Result<Waited, Fail> {
    let paths = engine.paths();
    let n = made.len();
    let order: Vec<i64> = made.iter().map(|g| g.id).collect();
    let mut latest: HashMap<i64, Generation> = made.iter().map(|g| (g.id, g.clone())).collect();
    let mut kept: HashMap<i64, (ErrorKind, String)> = HashMap::new();
    // Room at Kyma now for this group, for --no-wait: the queue cap less what else is there.
    let elsewhere =
        engine.open_generations()?.iter().filter(|g| g.status.is_remote_open() && !latest.contains_key(&g.id)).count();
    let room = engine.queue_cap().saturating_sub(elsewhere).min(n);
    let mut reported = (usize::MAX, Micros(-1));
    let mut announced: Vec<i64> = Vec::new();
    loop {
        let done = latest.values().filter(|g| g.status.is_terminal()).count();
        let spent = Micros(latest.values().filter_map(|g| g.charged).map(|c| c.0).sum());
        if (done, spent) != reported && done > 0 {
            let at_kyma = latest.values().filter(|g| g.status.is_remote_open()).count();
            let waiting = latest.values().filter(|g| g.status == Status::Queued).count();
            eprintln!("{done}/{n}, spent {spent} ({at_kyma} at Kyma, {waiting} waiting here)");
            reported = (done, spent);
        }
        for id in &order {
            let g = &latest[id];
            if g.status.is_terminal() && !announced.contains(id) {
                announced.push(*id);
                match g.status {
                    Status::Succeeded if paths_as_they_land => {
                        println!("{}", paths.clip_path(g).map(|p| p.display().to_string()).unwrap_or_default());
                    }
                    Status::Succeeded => {}
                    _ => eprintln!(
                        "#{} {} {}: {}",
                        g.id,
                        g.model,
                        g.status.as_str(),
                        g.error_message.as_deref().unwrap_or("no clip")
                    ),
                }
            }
        }
        let open = latest.values().filter(|g| !g.status.is_terminal() && !kept.contains_key(&g.id)).count();
        if open == 0 {
            break;
        }
        if no_wait {
            let accepted = latest.values().filter(|g| g.kyma_id.is_some() || g.status.is_terminal()).count();
            if accepted + kept.len() >= room {
                for id in &order {
                    let g = &latest[id];
                    if let (Some(k), false) = (&g.kyma_id, g.status.is_terminal()) {
                        println!("#{} {k} {}", g.id, g.status.as_str());
                    }
                }
                let here = latest.values().filter(|g| g.kyma_id.is_none() && !g.status.is_terminal()).count();
                if here > 0 {
                    eprintln!(
                        "{here} clip(s) wait here for room at Kyma; `kyma resume` sends them and fetches every clip."
                    );
                }
                break;
            }
        }
        match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
            Ok(Ok(Event::Changed(g))) => {
                if let Some(slot) = latest.get_mut(&g.id) {
                    if g.status.is_terminal() {
                        kept.remove(&g.id);
                    }
                    *slot = *g;
                }
            }
            Ok(Ok(Event::Problem { id, kind, message, .. })) if latest.contains_key(&id) => {
                let g = engine.get(id)?;
                if !g.status.is_terminal() {
                    eprintln!("#{id}: {message}");
                    kept.insert(id, (kind, message));
                }
                latest.insert(id, g);
            }
            Ok(Ok(_)) => {}
            Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => {
                return Err(Fail::new(4, "The job engine stopped unexpectedly; run `kyma resume`."))
            }
            // Lagged, or quiet for a while: read the members again.
            _ => {
                for id in &order {
                    latest.insert(*id, engine.get(*id)?);
                }
            }
        }
    }
    let members = order.iter().map(|id| latest[id].clone()).collect();
    let kept = order.iter().filter_map(|id| kept.get(id).map(|(k, m)| (*id, *k, m.clone()))).collect();
    Ok(Waited { members, kept })
}

/// One cell of a board: model, status, time from the submit to the clip in the library, price
/// (the charge, or the hold while unsettled), and the clip's path or why there is none.
fn cell_line(g: &Generation, paths: &jobs::Paths) -> String {
    let ready = match (&g.downloaded_at, g.status) {
        (Some(done), Status::Succeeded) => seconds_between(&g.created_at, done).map(|s| format!("{s:.0} s")),
        _ => None,
    }
    .unwrap_or_else(|| "—".into());
    let price = match (g.charged, g.refunded) {
        (Some(c), _) => c.to_string(),
        (None, Some(r)) => format!("refunded {r}"),
        (None, None) if g.status == Status::Rejected => "not charged".into(),
        _ => format!("hold {}", g.estimated.unwrap_or(g.hold)),
    };
    let tail = match (g.status, paths.clip_path(g)) {
        (Status::Succeeded, Some(p)) => p.display().to_string(),
        _ => g.error_message.clone().unwrap_or_default(),
    };
    format!("{:<20} {:<11} {:>7} {:>14}  {}", g.model, g.status.as_str(), ready, price, tail)
}

fn seconds_between(from: &str, to: &str) -> Option<f64> {
    use time::format_description::well_known::Rfc3339;
    let a = time::OffsetDateTime::parse(from, &Rfc3339).ok()?;
    let b = time::OffsetDateTime::parse(to, &Rfc3339).ok()?;
    Some((b - a).as_seconds_f64().max(0.0))
}

/// `kyma group pause|resume|cancel ID`.
pub async fn group_command(cli: &Cli, action: &GroupAction) -> Result<(), Fail> {
    let db = jobs::Paths::new(&data_dir(cli)).db;
    match action {
        GroupAction::Pause { id } => {
            let store = jobs::Store::open(&db)?;
            let g = store.set_group_state(*id, GroupState::Paused)?;
            let members = store.members(*id)?;
            let waiting = members.iter().filter(|m| m.status == Status::Queued && m.post_attempts == 0).count();
            let at_kyma = members.iter().filter(|m| !m.status.is_terminal()).count() - waiting;
            println!(
                "{} #{} paused: {waiting} clip(s) not yet sent wait here; {at_kyma} already at Kyma cannot be stopped and finish.",
                g.kind.as_str(),
                g.id
            );
            Ok(())
        }
        GroupAction::Resume { id, no_wait } => {
            let g = jobs::Store::open(&db)?.set_group_state(*id, GroupState::Running)?;
            println!("{} #{} resumed.", g.kind.as_str(), g.id);
            if *no_wait {
                return Ok(());
            }
            let catalog = catalog(&cli.api_base, &jobs::Paths::new(&data_dir(cli)), false).await;
            let engine = start_engine(cli, catalog).await?;
            super::resume(&engine).await
        }
        GroupAction::Cancel { id } => {
            // No key needed: only what was never sent is dropped, and that is all done here.
            let catalog = catalog(&cli.api_base, &jobs::Paths::new(&data_dir(cli)), false).await;
            let engine = jobs::connect::start_engine(jobs::EngineConfig::new(data_dir(cli)), catalog, None).await?;
            let kind = engine.group(*id)?.kind;
            let r = engine.cancel_group(*id).await?;
            println!(
                "{} #{id} cancelled: {} clip(s) not yet sent were dropped (nothing is charged for them); {} already at Kyma cannot be stopped: they finish and are charged.",
                kind.as_str(),
                r.dropped,
                r.at_kyma
            );
            Ok(())
        }
    }
}

/// One group with what its members came to, for `kyma groups`.
#[derive(serde::Serialize)]
struct GroupSummary {
    #[serde(flatten)]
    group: Group,
    succeeded: u32,
    /// Ended without a clip (failed, refunded, expired, refused, cancelled).
    ended_without_clip: u32,
    at_kyma: u32,
    waiting: u32,
    spent_micros: i64,
    /// Every member has ended (with or without its clip).
    finished: bool,
}

fn summary(store: &jobs::Store, group: Group) -> Result<GroupSummary, Fail> {
    let members = store.members(group.id)?;
    let count = |f: &dyn Fn(&Generation) -> bool| members.iter().filter(|g| f(g)).count() as u32;
    Ok(GroupSummary {
        succeeded: count(&|g| g.status == Status::Succeeded),
        ended_without_clip: count(&|g| g.status.is_terminal() && g.status != Status::Succeeded),
        at_kyma: count(&|g| g.status.is_remote_open() || g.status == Status::Downloading),
        waiting: count(&|g| g.status == Status::Queued),
        spent_micros: members.iter().filter_map(|g| g.charged).map(|c| c.0).sum(),
        finished: members.iter().all(|g| g.status.is_terminal()),
        group,
    })
}

/// `kyma groups [--json]`.
pub fn list(cli: &Cli, json: bool) -> Result<(), Fail> {
    let store = jobs::Store::open(&jobs::Paths::new(&data_dir(cli)).db)?;
    let all = store.groups()?.into_iter().map(|g| summary(&store, g)).collect::<Result<Vec<_>, _>>()?;
    let mut out = std::io::stdout().lock();
    if json {
        let v = serde_json::to_string_pretty(&all).map_err(|e| Fail::new(4, e.to_string()))?;
        let _ = writeln!(out, "{v}");
        return Ok(());
    }
    if all.is_empty() {
        let _ = writeln!(out, "No boards or batches yet. Make one with `kyma compare` or `kyma batch`.");
        return Ok(());
    }
    for s in &all {
        let g = &s.group;
        let done = s.succeeded + s.ended_without_clip;
        let state = if s.finished && g.state == GroupState::Running { "finished" } else { g.state.as_str() };
        let _ = writeln!(
            out,
            "#{:<4} {:<6} {:<10} {:>4}/{:<4} spent {:>12} of {:<12} \"{}\"",
            g.id,
            g.kind.as_str(),
            state,
            done,
            g.size,
            Micros(s.spent_micros).to_string(),
            g.hold.to_string(),
            title_shown(&g.title)
        );
    }
    Ok(())
}
