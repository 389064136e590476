//! The job engine: one task owns every open generation. It submits queued jobs (re-POSTing with
//! the stored idempotency key after a crash), polls on one shared schedule, downloads finished
//! clips (at most three at a time) and reports every change on a broadcast channel.

use super::download::{DownloadError, Downloader, DEFAULT_MAX_CLIP_BYTES};
use super::error::Error;
use super::failpoint;
use super::store::{Generation, ImageKind, NewGeneration, Status, Store};
use super::submit::{build_request, is_final_refusal, PostError, StartImageHost};
use crate::api::retry::RetryPolicy;
use crate::api::{validate, Catalog, Client, RemoteJob, RemoteStatus};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot, Semaphore};
use tokio::time::Instant;

/// How often open jobs are polled. Kyma asks for every 2–5 s; one job polled every 3 s is
/// already 20 requests a minute, so every poll also goes through the shared RPM limiter.
#[derive(Debug, Clone, Copy)]
pub struct PollSchedule {
    pub first: Duration,
    pub later: Duration,
    pub slow_down_after: Duration,
    pub overdue_after: Duration,
    pub overdue_every: Duration,
    pub after_problem: Duration,
}

impl Default for PollSchedule {
    fn default() -> Self {
        PollSchedule {
            first: Duration::from_secs(3),
            later: Duration::from_secs(5),
            slow_down_after: Duration::from_secs(60),
            overdue_after: Duration::from_secs(600),
            overdue_every: Duration::from_secs(30),
            after_problem: Duration::from_secs(30),
        }
    }
}

impl PollSchedule {
    pub fn interval(&self, running_for: Duration) -> Duration {
        if running_for >= self.overdue_after {
            self.overdue_every
        } else if running_for >= self.slow_down_after {
            self.later
        } else {
            self.first
        }
    }
}

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub data_dir: PathBuf,
    pub max_downloads: usize,
    /// Unfinished jobs Kyma may hold for this key at once; more wait here, queued.
    pub queue_cap: usize,
    pub poll: PollSchedule,
    pub retry: RetryPolicy,
    pub max_clip_bytes: u64,
    /// Polls in flight at once (each also waits for the RPM limiter).
    pub max_polls_in_flight: usize,
}

impl EngineConfig {
    pub fn new(data_dir: PathBuf) -> EngineConfig {
        EngineConfig {
            data_dir,
            max_downloads: 3,
            queue_cap: 12,
            poll: PollSchedule::default(),
            retry: RetryPolicy::default(),
            max_clip_bytes: DEFAULT_MAX_CLIP_BYTES,
            max_polls_in_flight: 16,
        }
    }
}

/// Where things live. The app's data folder holds the database, the catalog and the thumbnail
/// cache; the library folder (by default the same folder) holds `clips/` and `start-images/`.
/// Each generation records its own library folder, so clips left behind by a folder change
/// keep working where they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub db: PathBuf,
    /// The current library folder: new clips and start images go under it.
    pub library: PathBuf,
    pub clips: PathBuf,
    pub start_images: PathBuf,
    pub thumbs: PathBuf,
    pub catalog: PathBuf,
}

impl Paths {
    pub fn new(data_dir: &Path) -> Paths {
        Paths::with_library(data_dir, data_dir)
    }

    pub fn with_library(data_dir: &Path, library: &Path) -> Paths {
        Paths {
            data_dir: data_dir.to_path_buf(),
            db: data_dir.join("library.sqlite3"),
            library: library.to_path_buf(),
            clips: library.join("clips"),
            start_images: library.join("start-images"),
            thumbs: data_dir.join("thumbs"),
            catalog: data_dir.join("catalog.json"),
        }
    }

    /// What a new generation records as its library folder (None: the data folder).
    pub fn row_media_dir(&self) -> Option<String> {
        (self.library != self.data_dir).then(|| self.library.display().to_string())
    }

    /// The library folder holding generation `g`'s files.
    pub fn media_root(&self, g: &Generation) -> PathBuf {
        self.media_root_of(g.media_dir.as_deref())
    }

    /// The library folder a record's `media_dir` names (None: the data folder).
    pub fn media_root_of(&self, media_dir: Option<&str>) -> PathBuf {
        media_dir.map(PathBuf::from).unwrap_or_else(|| self.data_dir.clone())
    }

    pub fn clip_path(&self, g: &Generation) -> Option<PathBuf> {
        g.clip_file.as_ref().map(|f| self.clip_path_of(g.media_dir.as_deref(), f))
    }

    /// Where a record with this `media_dir` keeps the clip named `clip_file`.
    pub fn clip_path_of(&self, media_dir: Option<&str>, clip_file: &str) -> PathBuf {
        self.media_root_of(media_dir).join("clips").join(clip_file)
    }

    pub fn start_image_path(&self, g: &Generation) -> Option<PathBuf> {
        g.image_file.as_ref().map(|f| self.media_root(g).join("start-images").join(f))
    }

    /// The cached poster of generation `id` (made once, remade when missing or broken).
    pub fn thumb_path(&self, id: i64) -> PathBuf {
        self.thumbs.join(format!("{id}.jpg"))
    }
}

/// What the user asked for, before validation and image preparation.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub model: String,
    pub prompt: String,
    pub duration: Option<u32>,
    pub image: Option<ImageInput>,
    pub extra: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImageInput {
    /// A local picture, prepared here and sent as a data: URI.
    File(PathBuf),
    /// An https link passed through as `image_url`.
    Url(String),
    /// A picture already prepared (dropped or pasted in the app); `source` names it for people.
    Prepared { image: Box<crate::media::PreparedImage>, source: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A generation was created or changed; this is its new record.
    Changed(Box<Generation>),
    /// Download progress of a finished clip.
    Progress { id: i64, bytes_done: u64, bytes_total: Option<u64> },
    /// Something went wrong that the engine will retry later (or that needs the user).
    /// `link` is where to fix it, when Kyma gave one (e.g. the top-up page for no credit).
    Problem { id: i64, kind: String, message: String, link: Option<String> },
}

enum Cmd {
    Submit {
        new: Box<NewGeneration>,
        key: String,
        reply: oneshot::Sender<Result<Generation, Error>>,
    },
    /// A new key (or none): network work pauses without a client and resumes with one.
    SetClient(Option<Client>),
}

enum Done {
    /// The answer to a POST; the bool says whether it was the row's first POST ever.
    Posted(i64, bool, Result<crate::api::Created, PostError>),
    Polled(i64, Result<RemoteJob, crate::api::Error>),
    Downloaded(i64, Result<(String, u64), Error>),
}

/// A handle on the running engine; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    cmd: mpsc::Sender<Cmd>,
    events: broadcast::Sender<Event>,
    store: Arc<Mutex<Store>>,
    catalog: Arc<RwLock<Catalog>>,
    image_host: Arc<RwLock<StartImageHost>>,
    /// Shared with the owner task: the library folder can change while the app runs.
    paths: Arc<RwLock<Paths>>,
    /// How many times the owner task's loop has turned (a waiting engine must not spin).
    turns: Arc<std::sync::atomic::AtomicU64>,
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll back),
    // so a poisoned lock is still safe to use.
    store.lock().unwrap_or_else(|p| p.into_inner())
}

fn read_paths(paths: &RwLock<Paths>) -> Paths {
    paths.read().unwrap_or_else(|p| p.into_inner()).clone()
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
        // The library folder the app chose (the CLI and the app read the same record).
        let library = store.library_dir()?;
        let paths = Paths::with_library(&config.data_dir, library.as_deref().unwrap_or(&config.data_dir));
        let unplugged = library.is_some() && !paths.library.is_dir();
        if unplugged {
            // An external drive not mounted now: creating folders there would fill the mount point.
            log::warn!("the library folder {} is not there; new clips wait for it", paths.library.display());
        }
        for dir in [&paths.clips, &paths.start_images].into_iter().filter(|_| !unplugged) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create the folder", dir, e))?;
        }
        let store = Arc::new(Mutex::new(store));
        let paths = Arc::new(RwLock::new(paths));
        let (cmd_tx, cmd_rx) = mpsc::channel(64);
        let (events, _) = broadcast::channel(1024);
        let downloader = Downloader::new(config.retry, config.max_clip_bytes)?;
        let catalog = Arc::new(RwLock::new(catalog));
        let image_host = Arc::new(RwLock::new(StartImageHost::DataUri));
        let owner = Owner {
            store: store.clone(),
            image_host: image_host.clone(),
            client,
            downloader,
            paths: paths.clone(),
            events: events.clone(),
            download_slots: Arc::new(Semaphore::new(config.max_downloads.max(1))),
            config,
            jobs: HashMap::new(),
            polls_in_flight: 0,
            turns: Arc::default(),
        };
        let turns = owner.turns.clone();
        tokio::spawn(owner.run(cmd_rx));
        Ok(Engine { image_host, cmd: cmd_tx, events, store, catalog, paths, turns })
    }

    /// How many times the engine's scheduling loop has woken up so far: a handful per job and
    /// answer, never a busy loop while it waits.
    pub fn loop_turns(&self) -> u64 {
        self.turns.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Swaps the API client (a new key or API base); `None` pauses all network work.
    pub async fn set_client(&self, client: Option<Client>) -> Result<(), Error> {
        self.cmd.send(Cmd::SetClient(client)).await.map_err(|_| Error::EngineStopped)
    }

    /// Where start images of future POSTs go: inline data: URIs, or the user's bucket.
    pub fn set_image_host(&self, host: StartImageHost) {
        if let Ok(mut h) = self.image_host.write() {
            *h = host;
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// The paths in force now (a copy: the library folder may change while the app runs).
    pub fn paths(&self) -> Paths {
        read_paths(&self.paths)
    }

    /// Changes the library folder for clips and start images from now on (after the library
    /// was moved). Generations keep their own recorded folder, so running downloads and posts
    /// of earlier jobs are unaffected.
    pub fn set_paths(&self, paths: Paths) {
        *self.paths.write().unwrap_or_else(|p| p.into_inner()) = paths;
    }

    pub fn catalog(&self) -> Catalog {
        self.catalog.read().map(|c| c.clone()).unwrap_or_default()
    }

    pub fn set_catalog(&self, c: Catalog) {
        if let Ok(mut g) = self.catalog.write() {
            *g = c;
        }
    }

    pub fn list(&self) -> Result<Vec<Generation>, Error> {
        lock(&self.store).list()
    }

    /// Open generations and those finished since `since` (at most `cap`): the queue's view.
    pub fn recent(&self, since: &str, cap: u32) -> Result<Vec<Generation>, Error> {
        lock(&self.store).recent(since, cap)
    }

    pub fn get(&self, id: i64) -> Result<Generation, Error> {
        lock(&self.store).get(id)
    }

    pub fn open_generations(&self) -> Result<Vec<Generation>, Error> {
        lock(&self.store).open_generations()
    }

    /// Validates the draft, prepares its start image, records it durably with a fresh
    /// idempotency key, and hands it to the engine, which POSTs it. Invalid drafts leave nothing.
    pub async fn submit(&self, draft: Draft) -> Result<Generation, Error> {
        let catalog = self.catalog();
        let (model, duration) = validate::check_request(&catalog, &draft.model, &draft.prompt, draft.duration)
            .map_err(crate::api::Error::from)?;
        let hold = model.price(duration);
        let key = uuid::Uuid::new_v4().to_string();
        // One snapshot, so the row's folder and its start image agree even if the folder changes now.
        let paths = self.paths();
        let mut new = NewGeneration {
            model: model.id.clone(),
            prompt: draft.prompt.clone(),
            duration_s: duration,
            image_kind: ImageKind::None,
            image_source: None,
            image_file: None,
            image_url: None,
            image_size: None,
            extra_json: draft.extra.as_ref().map(|v| v.to_string()),
            hold,
            has_audio: model.audio,
            media_dir: paths.row_media_dir(),
        };
        match &draft.image {
            None => {}
            Some(ImageInput::Url(u)) => {
                validate::check_image_url(u).map_err(crate::api::Error::from)?;
                new.image_kind = ImageKind::Url;
                new.image_source = Some(u.trim().to_string());
                new.image_url = Some(u.trim().to_string());
            }
            Some(ImageInput::File(path)) => {
                let prepared = crate::media::prepare_image_file_async(path.clone()).await?;
                keep_start_image(&paths, &mut new, &key, &prepared, path.display().to_string())?;
            }
            Some(ImageInput::Prepared { image, source }) => {
                keep_start_image(&paths, &mut new, &key, image, source.clone())?;
            }
        }
        failpoint::hit("before_db_write");
        let (reply, rx) = oneshot::channel();
        self.cmd.send(Cmd::Submit { new: Box::new(new), key, reply }).await.map_err(|_| Error::EngineStopped)?;
        rx.await.map_err(|_| Error::EngineStopped)?
    }

    /// "Again": the same settings as generation `id`, with a new idempotency key.
    pub async fn again(&self, id: i64) -> Result<Generation, Error> {
        let g = self.get(id)?;
        let image = match g.image_kind {
            ImageKind::None => None,
            ImageKind::Url => g.image_url.clone().map(ImageInput::Url),
            ImageKind::File => self.paths().start_image_path(&g).map(ImageInput::File),
        };
        let extra = g.extra_json.as_deref().and_then(|s| serde_json::from_str(s).ok());
        self.submit(Draft { model: g.model, prompt: g.prompt, duration: Some(g.duration_s), image, extra }).await
    }

    /// Forgets a finished generation's record (its clip file stays where it is).
    pub fn remove(&self, id: i64) -> Result<(), Error> {
        let store = lock(&self.store);
        if store.remove_finished(id)? {
            Ok(())
        } else {
            store.get(id)?;
            Err(Error::StillRunning(id))
        }
    }
}

/// Saves the prepared start image in the library, durably, before the job that uses it.
fn keep_start_image(
    paths: &Paths,
    new: &mut NewGeneration,
    key: &str,
    prepared: &crate::media::PreparedImage,
    source: String,
) -> Result<(), Error> {
    let file = format!("{key}.jpg");
    let dest = paths.start_images.join(&file);
    crate::fsutil::write_atomic(&dest, &prepared.jpeg).map_err(|e| Error::io("save the start image", &dest, e))?;
    new.image_kind = ImageKind::File;
    new.image_source = Some(source);
    new.image_file = Some(file);
    new.image_size = Some((prepared.width, prepared.height));
    Ok(())
}

struct JobState {
    gen: Generation,
    due: Instant,
    busy: bool,
    url: Option<String>,
    polls_without_url: u32,
    running_since: Instant,
}

struct Owner {
    store: Arc<Mutex<Store>>,
    image_host: Arc<RwLock<StartImageHost>>,
    client: Option<Client>,
    downloader: Downloader,
    paths: Arc<RwLock<Paths>>,
    events: broadcast::Sender<Event>,
    download_slots: Arc<Semaphore>,
    config: EngineConfig,
    jobs: HashMap<i64, JobState>,
    polls_in_flight: usize,
    turns: Arc<std::sync::atomic::AtomicU64>,
}

impl Owner {
    async fn run(mut self, mut cmds: mpsc::Receiver<Cmd>) {
        let (done_tx, mut done_rx) = mpsc::channel::<Done>(256);
        let open = lock(&self.store).open_generations();
        match open {
            Ok(open) => {
                let now = Instant::now();
                for g in open {
                    self.jobs.insert(
                        g.id,
                        JobState { gen: g, due: now, busy: false, url: None, polls_without_url: 0, running_since: now },
                    );
                }
            }
            Err(e) => log::error!("cannot read unfinished generations: {e}"),
        }
        let mut cmds_open = true;
        loop {
            self.turns.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let now = Instant::now();
            self.dispatch(&done_tx, now);
            // The next job to fall due. A job already due that dispatch left waiting (every poll
            // slot taken, or Kyma's queue full) is not a reason to wake: the answer that frees a
            // slot wakes the loop. Counting it made the loop spin while the slots were busy.
            let next = self.jobs.values().filter(|j| !j.busy && j.due > now).map(|j| j.due).min();
            let sleep_until = next.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                cmd = cmds.recv(), if cmds_open => match cmd {
                    Some(c) => self.on_cmd(c),
                    None => cmds_open = false,
                },
                Some(done) = done_rx.recv() => self.on_done(done),
                _ = tokio::time::sleep_until(sleep_until) => {}
            }
            if !cmds_open && self.jobs.is_empty() {
                return;
            }
        }
    }

    fn emit_changed(&mut self, id: i64) {
        let got = lock(&self.store).get(id);
        match got {
            Ok(g) => {
                if g.status.is_terminal() {
                    self.jobs.remove(&id);
                } else if let Some(j) = self.jobs.get_mut(&id) {
                    j.gen = g.clone();
                }
                let _ = self.events.send(Event::Changed(Box::new(g)));
            }
            Err(e) => log::error!("generation {id} vanished: {e}"),
        }
    }

    fn problem(&mut self, id: i64, kind: &str, message: String) {
        let noted = lock(&self.store).note_problem(id, kind, &message);
        if let Err(e) = noted {
            log::error!("cannot record a problem for generation {id}: {e}");
        }
        let _ = self.events.send(Event::Problem { id, kind: kind.to_string(), message, link: None });
        self.emit_changed(id);
    }

    fn on_cmd(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Submit { new, key, reply } => {
                let inserted = {
                    let store = lock(&self.store);
                    store.insert(&new, &key).and_then(|id| store.get(id))
                };
                if let Ok(g) = &inserted {
                    failpoint::hit("after_db_write");
                    let now = Instant::now();
                    self.jobs.insert(
                        g.id,
                        JobState {
                            gen: g.clone(),
                            due: now,
                            busy: false,
                            url: None,
                            polls_without_url: 0,
                            running_since: now,
                        },
                    );
                    let _ = self.events.send(Event::Changed(Box::new(g.clone())));
                }
                let _ = reply.send(inserted);
            }
            Cmd::SetClient(client) => {
                self.client = client;
                let now = Instant::now();
                for j in self.jobs.values_mut() {
                    j.due = j.due.min(now);
                }
            }
        }
    }

    fn remote_open(&self) -> usize {
        self.jobs
            .values()
            .filter(|j| j.gen.status.is_remote_open() || (j.gen.status == Status::Queued && j.busy))
            .count()
    }

    fn dispatch(&mut self, done: &mpsc::Sender<Done>, now: Instant) {
        let Some(client) = self.client.clone() else {
            return;
        };
        let mut due: Vec<(i64, Status)> =
            self.jobs.iter().filter(|(_, j)| !j.busy && j.due <= now).map(|(id, j)| (*id, j.gen.status)).collect();
        due.sort_unstable_by_key(|(id, _)| *id);
        let mut open = self.remote_open();
        for (id, status) in due {
            match status {
                Status::Queued if open < self.config.queue_cap => {
                    open += 1;
                    self.spawn_post(id, &client, done.clone());
                }
                Status::Queued => {}
                Status::Pending | Status::Processing if self.polls_in_flight < self.config.max_polls_in_flight => {
                    self.spawn_poll(id, &client, done.clone());
                }
                Status::Pending | Status::Processing => {}
                Status::Downloading => self.spawn_download(id, &client, done.clone()),
                _ => {
                    self.jobs.remove(&id);
                }
            }
        }
    }

    fn spawn_post(&mut self, id: i64, client: &Client, done: mpsc::Sender<Done>) {
        let Some(j) = self.jobs.get_mut(&id) else {
            return;
        };
        j.busy = true;
        let g = j.gen.clone();
        let attempts = lock(&self.store).note_post_attempt(id);
        let first = match attempts {
            Ok(n) => n == 1,
            Err(e) => {
                log::error!("cannot record a POST attempt for generation {id}: {e}");
                false
            }
        };
        let client = client.clone();
        let images = read_paths(&self.paths).media_root(&g).join("start-images");
        let host = self.image_host.read().map(|h| h.clone()).unwrap_or(StartImageHost::DataUri);
        tokio::spawn(async move {
            let result = match build_request(&g, &images, &host).await {
                Ok(req) => client.create(&req).await.map_err(PostError::Api),
                Err(e) => Err(e),
            };
            failpoint::hit("after_post_response");
            let _ = done.send(Done::Posted(id, first, result)).await;
        });
    }

    fn spawn_poll(&mut self, id: i64, client: &Client, done: mpsc::Sender<Done>) {
        let Some(j) = self.jobs.get_mut(&id) else {
            return;
        };
        let Some(kyma_id) = j.gen.kyma_id.clone() else {
            return;
        };
        j.busy = true;
        self.polls_in_flight += 1;
        let client = client.clone();
        tokio::spawn(async move {
            let result = client.job(&kyma_id).await;
            failpoint::hit("mid_poll");
            let _ = done.send(Done::Polled(id, result)).await;
        });
    }

    fn spawn_download(&mut self, id: i64, client: &Client, done: mpsc::Sender<Done>) {
        let Some(j) = self.jobs.get_mut(&id) else {
            return;
        };
        j.busy = true;
        let g = j.gen.clone();
        let url = j.url.take();
        let client = client.clone();
        let downloader = self.downloader.clone();
        let slots = self.download_slots.clone();
        let events = self.events.clone();
        let clips = read_paths(&self.paths).media_root(&g).join("clips");
        tokio::spawn(async move {
            let result = match slots.acquire_owned().await {
                Ok(_permit) => fetch_clip(&client, &downloader, &g, url, &clips, &events).await,
                Err(_) => Err(Error::EngineStopped),
            };
            let _ = done.send(Done::Downloaded(id, result)).await;
        });
    }

    fn reschedule(&mut self, id: i64, after: Duration) {
        if let Some(j) = self.jobs.get_mut(&id) {
            j.busy = false;
            j.due = Instant::now() + after;
        }
    }

    fn on_done(&mut self, done: Done) {
        match done {
            Done::Posted(id, first, result) => self.on_posted(id, first, result),
            Done::Polled(id, result) => {
                self.polls_in_flight = self.polls_in_flight.saturating_sub(1);
                match result {
                    Ok(job) => self.apply_remote(id, job),
                    Err(e) => {
                        let wait = self.config.poll.after_problem;
                        self.reschedule(id, wait);
                        self.problem(id, e.kind(), e.to_string());
                    }
                }
            }
            Done::Downloaded(id, result) => match result {
                Ok((file, bytes)) => {
                    failpoint::hit("after_rename");
                    let marked = lock(&self.store).mark_succeeded(id, &file, bytes);
                    if let Err(e) = marked {
                        log::error!("cannot record the clip of generation {id}: {e}");
                    }
                    self.emit_changed(id);
                }
                Err(e) => {
                    let wait = self.config.poll.after_problem;
                    self.reschedule(id, wait);
                    self.problem(id, e.kind(), e.to_string());
                }
            },
        }
    }

    fn on_posted(&mut self, id: i64, first: bool, result: Result<crate::api::Created, PostError>) {
        match result {
            Ok(created) => {
                let job = created.job;
                let marked = lock(&self.store).mark_submitted(id, &job.id, job.estimated_cost);
                if let Err(e) = marked {
                    log::error!("cannot record Kyma's id for generation {id}: {e}");
                }
                if let Some(j) = self.jobs.get_mut(&id) {
                    j.running_since = Instant::now();
                }
                self.emit_changed(id);
                self.apply_remote(id, job);
            }
            Err(e) if is_final_refusal(&e, first) => {
                let e = match e {
                    // Kyma's 402 does not say how much; we do.
                    PostError::Api(crate::api::Error::InsufficientCredit { needed: None, topup_url }) => {
                        let needed = self.jobs.get(&id).map(|j| j.gen.hold);
                        PostError::Api(crate::api::Error::InsufficientCredit { needed, topup_url })
                    }
                    other => other,
                };
                let link = match &e {
                    PostError::Api(crate::api::Error::InsufficientCredit { topup_url, .. }) => topup_url.clone(),
                    _ => None,
                };
                let marked = lock(&self.store).mark_rejected(id, e.kind(), &e.to_string());
                if let Err(err) = marked {
                    log::error!("cannot record the refusal of generation {id}: {err}");
                }
                let _ = self.events.send(Event::Problem { id, kind: e.kind().into(), message: e.to_string(), link });
                self.emit_changed(id);
            }
            Err(e) => {
                // It may or may not have reached Kyma: keep it queued and replay the same key later.
                let wait = self.config.poll.after_problem;
                self.reschedule(id, wait);
                self.problem(id, e.kind(), e.to_string());
            }
        }
    }

    fn apply_remote(&mut self, id: i64, job: RemoteJob) {
        let Some(j) = self.jobs.get(&id) else { return };
        let hold = j.gen.estimated.unwrap_or(j.gen.hold);
        let running_for = j.running_since.elapsed();
        let interval = self.config.poll.interval(running_for);
        let store = self.store.clone();
        let db = lock(&store);
        let written = match &job.status {
            RemoteStatus::Succeeded if job.output_url.is_some() => {
                let charged = job.charged_amount.or(job.estimated_cost).or(Some(hold));
                let r = db.mark_downloading(id, charged, job.completed_at.as_deref()).map(|()| true);
                drop(db);
                if let Some(j) = self.jobs.get_mut(&id) {
                    j.url = job.output_url.clone();
                }
                self.reschedule(id, Duration::ZERO);
                r
            }
            RemoteStatus::Failed | RemoteStatus::Refunded | RemoteStatus::Expired => {
                let status = match job.status {
                    RemoteStatus::Failed => Status::Failed,
                    RemoteStatus::Refunded => Status::Refunded,
                    _ => Status::Expired,
                };
                let (kind, message) = match &job.error {
                    Some(e) => (e.code.clone().unwrap_or_else(|| status.as_str().into()), e.message.clone()),
                    None => (status.as_str().to_string(), default_reason(status).to_string()),
                };
                let refunded = job.estimated_cost.unwrap_or(hold);
                let r = db
                    .mark_settled_without_clip(id, status, refunded, &kind, &message, job.completed_at.as_deref())
                    .map(|()| true);
                drop(db);
                r
            }
            other => {
                // Pending, processing, an unknown status, or "succeeded" before its URL appears:
                // still running, poll again.
                let local = if *other == RemoteStatus::Pending { Status::Pending } else { Status::Processing };
                let r = db.mark_running(id, local, other.as_str());
                drop(db);
                if *other == RemoteStatus::Succeeded {
                    if let Some(j) = self.jobs.get_mut(&id) {
                        j.polls_without_url += 1;
                    }
                }
                self.reschedule(id, interval);
                r
            }
        };
        match written {
            // Nothing changed (the usual poll): no event, the next poll is already scheduled.
            Ok(false) => {}
            Ok(true) => self.emit_changed(id),
            Err(e) => {
                log::error!("cannot record the state of generation {id}: {e}");
                self.emit_changed(id);
            }
        }
    }
}

fn default_reason(status: Status) -> &'static str {
    match status {
        Status::Expired => "The job timed out at Kyma before the clip was made.",
        Status::Refunded => "Kyma refunded this job.",
        _ => "Kyma could not make this clip. Retry, or try a different model.",
    }
}

/// `2026-11-25_kling-3-pro_000042.mp4`: only safe characters, whatever the server said.
pub fn clip_file_name(g: &Generation) -> String {
    let date: String = g.created_at.chars().take(10).filter(|c| c.is_ascii_digit() || *c == '-').collect();
    let model: String = g
        .model
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c.to_ascii_lowercase() } else { '_' })
        .take(40)
        .collect();
    let model = model.trim_start_matches('.');
    format!("{date}_{model}_{:06}.mp4", g.id)
}

async fn fetch_clip(
    client: &Client,
    downloader: &Downloader,
    g: &Generation,
    url: Option<String>,
    clips: &Path,
    events: &broadcast::Sender<Event>,
) -> Result<(String, u64), Error> {
    let file = clip_file_name(g);
    let dest = clips.join(&file);
    // A crash after the rename but before the database heard of it: the clip is already here.
    if crate::media::mp4::check_mp4(&dest).is_ok() {
        let bytes = std::fs::metadata(&dest).map_err(|e| Error::io("read the clip", &dest, e))?.len();
        return Ok((file, bytes));
    }
    let kyma_id = g.kyma_id.clone().unwrap_or_default();
    let mut url = match url {
        Some(u) => u,
        None => fresh_url(client, &kyma_id).await?,
    };
    let id = g.id;
    let last = Mutex::new(Instant::now() - Duration::from_secs(1));
    let progress = move |done: u64, total: Option<u64>| {
        let mut l = last.lock().unwrap_or_else(|p| p.into_inner());
        if l.elapsed() >= Duration::from_millis(200) || Some(done) == total {
            *l = Instant::now();
            let _ = events.send(Event::Progress { id, bytes_done: done, bytes_total: total });
        }
    };
    let mut refreshed = false;
    loop {
        match downloader.fetch(&url, &dest, &progress).await {
            Ok(bytes) => return Ok((file, bytes)),
            Err(DownloadError::LinkExpired { .. }) if !refreshed => {
                refreshed = true;
                url = fresh_url(client, &kyma_id).await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

async fn fresh_url(client: &Client, kyma_id: &str) -> Result<String, Error> {
    let job = client.job(kyma_id).await?;
    job.output_url.ok_or_else(|| {
        Error::Api(crate::api::Error::Protocol {
            detail: "Kyma reports the job finished but gives no clip address".into(),
        })
    })
}

/// `KYMA_STUDIO_DATA_DIR`, else the OS's app data folder (the same one the desktop app uses).
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("KYMA_STUDIO_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    directories::BaseDirs::new()
        .map(|b| b.data_dir().join("com.kyma.studio"))
        .unwrap_or_else(|| PathBuf::from(".kyma-studio"))
}
