//! The engine's handle, cheap to clone: what the app and the CLI call to submit, repeat, remove
//! and watch generations. The work itself happens in one owner task (`owner.rs`).

use super::claims::Presence;
use super::config::EngineConfig;
use super::download::Downloader;
use super::error::Error;
use super::failpoint;
use super::groups::{self, CancelReport, DailyCap, Group, GroupKind, GroupState, Mark, NewGroup, Spending};
use super::owner::{Cmd, Owner, Shared};
use super::paths::Paths;
use super::store::Shot;
use super::store::{Generation, ImageKind, NewGeneration, Store};
use super::submit::StartImageHost;
use crate::api::shot::{self, ShotOptions};
use crate::api::{validate, Catalog, Client};
use crate::error_kind::ErrorKind;
use parking_lot::{Mutex, RwLock};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, oneshot, Notify};

/// What the user asked for, before validation and image preparation.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub model: String,
    pub prompt: String,
    pub duration: Option<u32>,
    pub image: Option<ImageInput>,
    /// The clip's last frame (image-to-video with start and end frames).
    pub end_image: Option<ImageInput>,
    /// Aspect ratio, negative prompt, cfg scale, seed: checked against the model's options table.
    pub options: ShotOptions,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImageInput {
    /// A local picture, prepared here and sent as a data: URI.
    File(PathBuf),
    /// An https link passed through as `image_url`.
    Url(String),
    /// A picture already prepared (dropped or pasted in the app); `source` names it for people.
    Prepared { image: Box<crate::media::PreparedImage>, source: String },
    /// A frame kept in the library for an earlier generation ("Again", "Use these settings"):
    /// prepared again from its JPEG, still named by where it first came from.
    Kept { path: PathBuf, source: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A generation was created or changed; this is its new record.
    Changed(Box<Generation>),
    /// Download progress of a finished clip.
    Progress { id: i64, bytes_done: u64, bytes_total: Option<u64> },
    /// Something went wrong that the engine will retry later (or that needs the user).
    /// `link` is where to fix it, when Kyma gave one (e.g. the top-up page for no credit).
    Problem { id: i64, kind: ErrorKind, message: String, link: Option<String> },
}

/// A handle on the running engine; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    cmd: mpsc::Sender<Cmd>,
    events: broadcast::Sender<Event>,
    /// The store, paths, image host and queue cap, shared with the owner task.
    shared: Arc<Shared>,
    catalog: Arc<RwLock<Catalog>>,
    /// Gives back this process's claims when the last handle goes (the CLI's commands end so).
    _give_back: Arc<GiveBack>,
}

/// This process's presence for other processes sharing the library (see `claims`); dropped, it
/// gives back the engine's claims, then its presence.
struct GiveBack {
    shared: Arc<Shared>,
    _presence: Presence,
}

impl Drop for GiveBack {
    fn drop(&mut self) {
        if let Err(e) = self.shared.store.lock().release_claims(&self.shared.holder) {
            log::warn!("cannot give back this process's claims: {e}");
        }
    }
}

impl Engine {
    /// Opens the library and starts the engine, which resumes every unfinished generation.
    pub fn start(config: EngineConfig, client: Client, catalog: Catalog) -> Result<Engine, Error> {
        Engine::start_with(config, Some(client), catalog)
    }

    /// As `start`, but without a key the engine only records: nothing is sent until `set_client`.
    pub fn start_with(config: EngineConfig, client: Option<Client>, catalog: Catalog) -> Result<Engine, Error> {
        let db = Paths::new(&config.data_dir).db;
        let store = Store::open(&db)?;
        // A whole check of the database and the daily backup (see `recovery`), off the
        // start-up path.
        let looked = db.clone();
        std::thread::spawn(move || super::recovery::look_in_background(&looked));
        // The library folder the app chose (the CLI and the app read the same record).
        let library = store.library_dir()?;
        let paths = Paths::with_library(&config.data_dir, library.as_deref().unwrap_or(&config.data_dir));
        // A new library folder gets its clips/ when it is chosen (`library::relocate`); one
        // without it now is an unplugged drive or a renamed folder: nothing is made there.
        let unplugged = library.is_some() && !paths.library_present(&paths.library);
        if unplugged {
            log::warn!("the library folder {} is not there; new clips wait for it", paths.library.display());
        }
        for dir in [&paths.clips, &paths.start_images].into_iter().filter(|_| !unplugged) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create the folder", dir, e))?;
        }
        let paused = store.paused_groups()?.into_iter().collect();
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            image_host: RwLock::new(StartImageHost::DataUri),
            paths: RwLock::new(paths),
            queue_cap: AtomicUsize::new(config.queue_cap),
            running_slots: AtomicUsize::new(config.running_slots),
            paused: RwLock::new(paused),
            daily_cap: RwLock::new(None),
            wake: Notify::new(),
            turns: AtomicU64::new(0),
            holder: super::claims::new_holder(),
        });
        let (cmd_tx, cmd_rx) = mpsc::channel(64);
        let (events, _) = broadcast::channel(1024);
        let downloader = Downloader::new(config.retry, config.max_clip_bytes)?;
        let owner = Owner::new(shared.clone(), client, downloader, events.clone(), config);
        tokio::spawn(owner.run(cmd_rx));
        let presence = Presence::take(&shared.paths.read().locks(), &shared.holder)?;
        let give_back = Arc::new(GiveBack { shared: shared.clone(), _presence: presence });
        Ok(Engine { cmd: cmd_tx, events, shared, catalog: Arc::new(RwLock::new(catalog)), _give_back: give_back })
    }

    /// Gives back every job this process holds (see `claims`), so another process sharing the
    /// library (the app, `kyma resume`) takes them over at once rather than after the lease. Call
    /// it as the process exits; the engine takes claims again if it goes on.
    pub fn release_claims(&self) {
        if let Err(e) = self.shared.store.lock().release_claims(&self.shared.holder) {
            log::warn!("cannot give back this process's claims: {e}");
        }
    }

    /// How many times the engine's scheduling loop has woken up so far: a handful per job and
    /// answer, never a busy loop while it waits.
    pub fn loop_turns(&self) -> u64 {
        self.shared.turns.load(Ordering::Relaxed)
    }

    /// How many unfinished jobs Kyma may hold for this key at once; more wait here, queued.
    pub fn queue_cap(&self) -> usize {
        self.shared.queue_cap.load(Ordering::Relaxed)
    }

    /// Changes the queue cap from the next dispatch on (e.g. when the key's tier changes).
    /// Lowering it sends nothing new until enough jobs at Kyma finish; jobs already there carry
    /// on. 0 keeps every new job here, queued.
    pub fn set_queue_cap(&self, cap: usize) {
        self.shared.queue_cap.store(cap, Ordering::Relaxed);
        // The owner may be asleep with queued jobs it had no room for: let it look again.
        self.shared.wake.notify_one();
    }

    /// How many jobs Kyma runs at once for the key (its tier's video concurrency): the owner
    /// reckons its oldest open jobs there that many are running, the rest waiting for a slot.
    pub fn set_running_slots(&self, slots: usize) {
        self.shared.running_slots.store(slots.max(1), Ordering::Relaxed);
    }

    /// Swaps the API client (a new key or API base); `None` pauses all network work.
    pub async fn set_client(&self, client: Option<Client>) -> Result<(), Error> {
        self.cmd.send(Cmd::SetClient(client)).await.map_err(|_| Error::EngineStopped)
    }

    /// Where start images of future POSTs go: inline data: URIs, or the user's bucket.
    pub fn set_image_host(&self, host: StartImageHost) {
        *self.shared.image_host.write() = host;
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// The paths in force now (a copy: the library folder may change while the app runs).
    pub fn paths(&self) -> Paths {
        self.shared.paths.read().clone()
    }

    /// Changes the library folder for clips and start images from now on (after the library
    /// was moved). Generations keep their own recorded folder, so running downloads and posts
    /// of earlier jobs are unaffected.
    pub fn set_paths(&self, paths: Paths) {
        *self.shared.paths.write() = paths;
    }

    /// After the library folder changed under the engine (moved, relinked where it was found
    /// with `Library::relink`, or back after it was away): the new paths, and every unfinished
    /// job's record read again, so a paid clip waiting for the folder downloads into its place
    /// now rather than at its next recheck.
    pub async fn relinked(&self, paths: Paths) -> Result<(), Error> {
        self.set_paths(paths);
        self.cmd.send(Cmd::Reread).await.map_err(|_| Error::EngineStopped)
    }

    pub fn catalog(&self) -> Catalog {
        self.catalog.read().clone()
    }

    pub fn set_catalog(&self, c: Catalog) {
        *self.catalog.write() = c;
    }

    pub fn list(&self) -> Result<Vec<Generation>, Error> {
        self.shared.store.lock().list()
    }

    /// Open generations and those finished since `since` (at most `cap`): the queue's view.
    pub fn recent(&self, since: &str, cap: u32) -> Result<Vec<Generation>, Error> {
        self.shared.store.lock().recent(since, cap)
    }

    pub fn get(&self, id: i64) -> Result<Generation, Error> {
        self.shared.store.lock().get(id)
    }

    pub fn open_generations(&self) -> Result<Vec<Generation>, Error> {
        self.shared.store.lock().open_generations()
    }

    /// Validates the draft, prepares its start image, records it durably with a fresh
    /// idempotency key, and hands it to the engine, which POSTs it. Invalid drafts leave nothing.
    pub async fn submit(&self, draft: Draft) -> Result<Generation, Error> {
        let mut made = self.submit_takes(draft, 1).await?;
        made.pop().ok_or(Error::EngineStopped)
    }

    /// `takes` generations of one draft (1 to [`shot::MAX_TAKES`]), each its own job with its own
    /// idempotency key and hold; where the model takes a seed, each take has its own (the chosen
    /// seed and the next ones, or random ones). Everything is checked before the first is recorded.
    pub async fn submit_takes(&self, draft: Draft, takes: u32) -> Result<Vec<Generation>, Error> {
        let rows = rows_for(&self.catalog(), &draft, takes)?;
        let item = Item { rows, image: draft.image, end_image: draft.end_image };
        Ok(self.record(None, vec![item], Spending::default()).await?.1)
    }

    /// A board or a batch: one generation per draft, recorded together as one group (all or
    /// none) once every draft is checked, the total fits `spending` (`--max-spend`, Kyma's
    /// balance less what is queued here unsent) and the daily cap. Then sent as the queue allows.
    pub async fn submit_group(
        &self,
        group: NewGroup,
        drafts: Vec<Draft>,
        spending: Spending,
    ) -> Result<(Group, Vec<Generation>), Error> {
        let catalog = self.catalog();
        check_group(&catalog, &group, &drafts)?;
        let mut items = Vec::with_capacity(drafts.len());
        for (i, d) in drafts.into_iter().enumerate() {
            let rows = rows_for(&catalog, &d, 1).map_err(|e| in_row(&group, i, e))?;
            items.push(Item { rows, image: d.image, end_image: d.end_image });
        }
        let (made_group, made) = self.record(Some(group), items, spending).await?;
        let g = made_group.ok_or(Error::EngineStopped)?;
        Ok((g, made))
    }

    /// The daily spending cap every submit obeys (None: off).
    pub fn set_daily_cap(&self, cap: Option<DailyCap>) {
        *self.shared.daily_cap.write() = cap;
    }

    pub fn daily_cap(&self) -> Option<DailyCap> {
        *self.shared.daily_cap.read()
    }

    /// What today's generations cost or hold, by the daily cap's clock (UTC days without a cap).
    pub fn spent_today(&self, utc_offset_minutes: i32) -> Result<crate::api::Micros, Error> {
        let day =
            DailyCap { cap: crate::api::Micros(0), utc_offset_minutes }.day_start(time::OffsetDateTime::now_utc());
        groups::committed_since(self.shared.store.lock().conn(), &day)
    }

    pub fn group(&self, id: i64) -> Result<Group, Error> {
        self.shared.store.lock().group(id)
    }

    pub fn groups(&self) -> Result<Vec<Group>, Error> {
        self.shared.store.lock().groups()
    }

    pub fn members(&self, group: i64) -> Result<Vec<Generation>, Error> {
        self.shared.store.lock().members(group)
    }

    /// Pauses a group: its members not yet sent wait here; those at Kyma carry on.
    pub fn pause_group(&self, id: i64) -> Result<Group, Error> {
        let g = self.shared.store.lock().set_group_state(id, GroupState::Paused)?;
        self.shared.paused.write().insert(id);
        Ok(g)
    }

    /// Resumes a paused group: its waiting members are sent as the queue allows.
    pub fn resume_group(&self, id: i64) -> Result<Group, Error> {
        let g = self.shared.store.lock().set_group_state(id, GroupState::Running)?;
        self.shared.paused.write().remove(&id);
        self.shared.wake.notify_one();
        Ok(g)
    }

    /// Cancels the rest of a group: members never sent are dropped with no charge; members at
    /// Kyma (or whose POST may have reached it) cannot be stopped and finish.
    pub async fn cancel_group(&self, id: i64) -> Result<CancelReport, Error> {
        let (reply, rx) = oneshot::channel();
        self.cmd.send(Cmd::CancelGroup { group: id, reply }).await.map_err(|_| Error::EngineStopped)?;
        rx.await.map_err(|_| Error::EngineStopped)?
    }

    /// Sets or clears the user's keep/reject mark on a generation.
    pub fn set_mark(&self, id: i64, mark: Option<Mark>) -> Result<Generation, Error> {
        let store = self.shared.store.lock();
        store.set_mark(id, mark)?;
        store.get(id)
    }

    /// Prepares the frames of each item, keeps them in the library, and records every row (with
    /// its group) in one transaction that re-checks the money under the write lock. The frames
    /// of a refused record are removed again.
    async fn record(
        &self,
        group: Option<NewGroup>,
        items: Vec<Item>,
        spending: Spending,
    ) -> Result<(Option<Group>, Vec<Generation>), Error> {
        let total = crate::api::Micros(items.iter().flat_map(|i| &i.rows).map(|r| r.hold.0).sum());
        let cap = self.daily_cap();
        {
            // Refused before any image is prepared; checked again when recorded.
            let store = self.shared.store.lock();
            groups::check_spending(store.conn(), spending, total)?;
            groups::check_daily_cap(store.conn(), cap, total)?;
        }
        // The library folder must be there: a new clip never makes an empty library in the place
        // of an unplugged drive or a renamed folder.
        {
            let paths = self.paths();
            if !paths.library_present(&paths.library) {
                return Err(Error::LibraryMissing { folder: paths.library.display().to_string(), paid: false });
            }
        }
        // Room for the clips (as heavy as Kyma's clips get) and the database beside them: a full
        // disk refuses before anything is prepared, recorded or sent.
        let seconds: u64 = items.iter().flat_map(|i| &i.rows).map(|r| u64::from(r.duration_s)).sum();
        let clips = self.paths().media_root_of(self.paths().row_media_dir().as_deref()).join("clips");
        crate::diskspace::check_room(
            &clips,
            crate::diskspace::RESERVE_BYTES + seconds * crate::diskspace::CLIP_BYTES_PER_S,
            crate::diskspace::Then::TryAgain,
        )?;
        let mut rows = Vec::new();
        let mut written = Vec::new();
        let kept = async {
            for item in items {
                let start = ready(item.image).await?;
                let end = ready(item.end_image).await?;
                for mut new in item.rows {
                    let key = uuid::Uuid::new_v4().to_string();
                    // One snapshot, so the row's folder and its images agree even if the folder changes now.
                    let paths = self.paths();
                    new.media_dir = paths.row_media_dir();
                    attach(&paths, &mut new, &key, start.as_ref(), end.as_ref(), &mut written)?;
                    rows.push((new, key));
                }
            }
            Ok::<(), Error>(())
        }
        .await;
        let recorded = match kept {
            Ok(()) => {
                failpoint::hit("before_db_write");
                let (reply, rx) = oneshot::channel();
                match self.cmd.send(Cmd::Record { group, rows, spending, cap, reply }).await {
                    Ok(()) => rx.await.map_err(|_| Error::EngineStopped).and_then(|r| r),
                    Err(_) => Err(Error::EngineStopped),
                }
            }
            Err(e) => Err(e),
        };
        if recorded.is_err() {
            for f in written {
                let _ = std::fs::remove_file(f);
            }
        }
        recorded
    }

    /// The draft that made generation `id`: the same model, prompt, duration, images and options
    /// ("Again", "Use these settings").
    pub fn draft_of(&self, id: i64) -> Result<Draft, Error> {
        let g = self.get(id)?;
        let paths = self.paths();
        let input = |kind: ImageKind, url: &Option<String>, file: Option<PathBuf>, source: &Option<String>| match kind {
            ImageKind::None => None,
            ImageKind::Url => url.clone().map(ImageInput::Url),
            ImageKind::File => file.map(|path| {
                let source = source.clone().unwrap_or_else(|| path.display().to_string());
                ImageInput::Kept { path, source }
            }),
        };
        Ok(Draft {
            image: input(g.image_kind, &g.image_url, paths.start_image_path(&g), &g.image_source),
            end_image: input(
                g.shot.end_image_kind,
                &g.shot.end_image_url,
                paths.end_image_path(&g),
                &g.shot.end_image_source,
            ),
            options: g.shot.options(),
            model: g.model,
            prompt: g.prompt,
            duration: Some(g.duration_s),
        })
    }

    /// "Again": the same settings as generation `id`, with a new idempotency key.
    pub async fn again(&self, id: i64) -> Result<Generation, Error> {
        self.submit(self.draft_of(id)?).await
    }

    /// Forgets a finished generation's record (its clip file stays where it is).
    pub fn remove(&self, id: i64) -> Result<(), Error> {
        let store = self.shared.store.lock();
        if store.remove_finished(id)? {
            Ok(())
        } else {
            store.get(id)?;
            Err(Error::StillRunning(id))
        }
    }
}

/// Every rule a draft of `takes` takes must meet, checked before anything is prepared, stored
/// or sent: model, prompt, duration, the options against the model's table, the links, the
/// number of takes. Answers the model, the duration and the normalised options.
pub fn check_draft<'a>(
    catalog: &'a Catalog,
    draft: &Draft,
    takes: u32,
) -> Result<(&'a crate::api::Model, u32, ShotOptions), crate::api::Error> {
    let (model, duration) = validate::check_request(catalog, &draft.model, &draft.prompt, draft.duration)?;
    shot::check_takes(takes)?;
    let options = draft.options.clone().normalized();
    let (has_start, has_end) = (draft.image.is_some(), draft.end_image.is_some());
    shot::check_options(&model.id, &model.caps, &options, has_start, has_end)?;
    if let Some(ImageInput::Url(u)) = &draft.image {
        validate::check_image_url(u)?;
    }
    if let Some(ImageInput::Url(u)) = &draft.end_image {
        validate::check_end_image_url(u)?;
    }
    Ok((model, duration, options))
}

/// One draft's rows (one per take) and the frames they share.
struct Item {
    rows: Vec<NewGeneration>,
    image: Option<ImageInput>,
    end_image: Option<ImageInput>,
}

/// The rows `takes` takes of a draft make, checked (frames and folder still to attach).
fn rows_for(catalog: &Catalog, draft: &Draft, takes: u32) -> Result<Vec<NewGeneration>, Error> {
    let (model, duration, options) = check_draft(catalog, draft, takes)?;
    let caps = &model.caps;
    let has_start = draft.image.is_some();
    let seeds: Vec<Option<u32>> = match (&caps.seed_param, takes) {
        (Some(_), 2..) => shot::take_seeds(options.seed, takes).into_iter().map(Some).collect(),
        _ => vec![options.seed; takes as usize],
    };
    let take_group = (takes > 1).then(|| uuid::Uuid::new_v4().simple().to_string());
    let mut rows = Vec::new();
    for (i, seed) in seeds.into_iter().enumerate() {
        let o = ShotOptions { seed, ..options.clone() };
        let extra = shot::extra_for(caps, &o, has_start);
        if let Some(x) = &extra {
            shot::check_extra(&model.id, caps, x).map_err(crate::api::Error::from)?;
        }
        let shot = Shot {
            aspect: o.aspect.clone(),
            negative_prompt: o.negative_prompt.clone(),
            cfg_scale: o.cfg_scale,
            seed: o.seed,
            end_image_param: draft.end_image.as_ref().and(caps.end_image_param.clone()),
            take_group: take_group.clone(),
            take_index: take_group.as_ref().map(|_| i as u32 + 1),
            ..Shot::default()
        };
        rows.push(NewGeneration {
            model: model.id.clone(),
            prompt: draft.prompt.clone(),
            duration_s: duration,
            image_kind: ImageKind::None,
            image_source: None,
            image_file: None,
            image_url: None,
            image_size: None,
            extra_json: extra.map(|v| v.to_string()),
            hold: model.price(duration),
            has_audio: model.audio,
            media_dir: None,
            shot,
        });
    }
    Ok(rows)
}

/// The rules of a group as a whole: not empty, not past [`groups::MAX_GROUP`]; a board compares
/// 2 to 5 different models.
pub fn check_group(catalog: &Catalog, group: &NewGroup, drafts: &[Draft]) -> Result<(), Error> {
    let _ = catalog;
    if drafts.is_empty() {
        return Err(Error::Group("There is nothing to make: add images or prompts first.".into()));
    }
    if drafts.len() > groups::MAX_GROUP {
        return Err(Error::Group(format!(
            "A batch makes at most {} clips at once; this one has {}. Split it.",
            groups::MAX_GROUP,
            drafts.len()
        )));
    }
    if group.kind == GroupKind::Board {
        let mut models: Vec<&str> = drafts.iter().map(|d| d.model.as_str()).collect();
        models.sort_unstable();
        models.dedup();
        if models.len() != drafts.len() || !groups::BOARD_MODELS.contains(&drafts.len()) {
            return Err(Error::Group(format!(
                "A board compares {} to {} different models; this one has {}.",
                groups::BOARD_MODELS.start(),
                groups::BOARD_MODELS.end(),
                models.len()
            )));
        }
    }
    Ok(())
}

/// A row's refusal, said with its place in the batch (a board's cells are named by their model).
fn in_row(group: &NewGroup, i: usize, e: Error) -> Error {
    match (group.kind, e) {
        (GroupKind::Batch, Error::Api(api)) => Error::Group(format!("Row {}: {api}", i + 1)),
        (_, e) => e,
    }
}

/// Keeps a row's frames in the library (named after its idempotency key) and records them on it.
fn attach(
    paths: &Paths,
    new: &mut NewGeneration,
    key: &str,
    start: Option<&Ready>,
    end: Option<&Ready>,
    written: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    match start {
        None => {}
        Some(Ready::Url(u)) => {
            new.image_kind = ImageKind::Url;
            new.image_source = Some(u.clone());
            new.image_url = Some(u.clone());
        }
        Some(Ready::Image(image, source)) => {
            let file = keep_image(paths, &format!("{key}.jpg"), image)?;
            written.push(paths.start_images.join(&file));
            new.image_kind = ImageKind::File;
            new.image_source = Some(source.clone());
            new.image_file = Some(file);
            new.image_size = Some((image.width, image.height));
        }
    }
    match end {
        None => {}
        Some(Ready::Url(u)) => {
            new.shot.end_image_kind = ImageKind::Url;
            new.shot.end_image_source = Some(u.clone());
            new.shot.end_image_url = Some(u.clone());
        }
        Some(Ready::Image(image, source)) => {
            let file = keep_image(paths, &format!("{key}-end.jpg"), image)?;
            written.push(paths.start_images.join(&file));
            new.shot.end_image_kind = ImageKind::File;
            new.shot.end_image_source = Some(source.clone());
            new.shot.end_image_file = Some(file);
            new.shot.end_image_size = Some((image.width, image.height));
        }
    }
    Ok(())
}

/// A start or end frame ready to record: a checked link, or a prepared picture and its name.
enum Ready {
    Url(String),
    Image(Box<crate::media::PreparedImage>, String),
}

async fn ready(input: Option<ImageInput>) -> Result<Option<Ready>, Error> {
    Ok(match input {
        None => None,
        Some(ImageInput::Url(u)) => Some(Ready::Url(u.trim().to_string())),
        Some(ImageInput::File(path)) => {
            let prepared = crate::media::prepare_image_file_async(path.clone()).await?;
            Some(Ready::Image(Box::new(prepared), path.display().to_string()))
        }
        Some(ImageInput::Prepared { image, source }) => Some(Ready::Image(image, source)),
        Some(ImageInput::Kept { path, source }) => {
            let prepared = crate::media::prepare_image_file_async(path).await?;
            Some(Ready::Image(Box::new(prepared), source))
        }
    })
}

/// Saves a prepared picture in the library's start-images folder, durably, before the job that
/// uses it; returns its file name.
fn keep_image(paths: &Paths, file: &str, prepared: &crate::media::PreparedImage) -> Result<String, Error> {
    let dest = paths.start_images.join(file);
    crate::fsutil::write_atomic(&dest, &prepared.jpeg).map_err(|e| Error::io("save the start image", &dest, e))?;
    Ok(file.to_string())
}
