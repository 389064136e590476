//! The desktop app's state and use cases, without a window: key handling (keychain or session),
//! settings, staged start images, the engine and the clip server. Tauri commands only translate
//! to these methods, so everything here is testable with no webview.

pub mod clip_server;
pub mod dto;
pub mod error;
pub mod gallery;
pub mod groups;
pub mod health;
pub mod ipc;
pub mod rescue;
pub mod settings;

use crate::api::limiter::RateLimiter;
use crate::api::{validate, ApiKey, Catalog};
use crate::error_kind::{ErrorKind, Field};
use crate::jobs::connect::{self, Kyma};
use crate::jobs::{Draft as EngineDraft, Engine, EngineConfig, Event, Generation, ImageInput, Paths};
use crate::keychain::{Secret, SecretStore};
use crate::library::Library;
use clip_server::Served;
use dto::{AppError, AppState, Draft, Job, KeyState, KeyStatus, ModelInfo, Settings, StartImage};
use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone)]
pub struct StudioOptions {
    pub data_dir: PathBuf,
    /// `KYMA_API_BASE`: overrides the saved API base for this run (the simulator, a proxy).
    pub api_base: Option<String>,
    /// `KYMA_API_KEY`: a session key for this run, never stored.
    pub session_key: Option<String>,
    /// Started by `make demo`: show the demo hint.
    pub demo: bool,
    /// How often the key's limits are read again (a tier can change while the app runs).
    pub limits_every: std::time::Duration,
    /// Where the API key and the bucket's secret are kept: the OS keychain in the app.
    pub secrets: Arc<dyn SecretStore>,
    /// The user's zone (read at start, before any thread): the daily cap's day starts at their midnight.
    pub utc_offset_minutes: i32,
}

impl StudioOptions {
    /// How often the app asks Kyma for the key's limits when nothing else prompts it.
    pub const LIMITS_EVERY: std::time::Duration = std::time::Duration::from_secs(300);
}

enum Key {
    Keychain(ApiKey),
    Session(ApiKey),
    None,
}

impl Key {
    fn api_key(&self) -> Option<&ApiKey> {
        match self {
            Key::Keychain(k) | Key::Session(k) => Some(k),
            Key::None => None,
        }
    }
}

struct Staged {
    image: crate::media::PreparedImage,
    source: String,
}

pub struct Studio {
    paths: Paths,
    settings: Arc<RwLock<Settings>>,
    api_base_override: Option<String>,
    key: Arc<Mutex<Key>>,
    secrets: Arc<dyn SecretStore>,
    keychain_problem: Option<String>,
    limiter: Arc<RateLimiter>,
    engine: Engine,
    staged: Mutex<HashMap<String, Staged>>,
    clips: clip_server::ClipServer,
    library: Arc<Library>,
    library_events: tokio::sync::broadcast::Sender<dto::LibraryChanged>,
    demo: bool,
    utc_offset_minutes: i32,
    /// Serialises every change of the engine's client and limits, and counts them: a background
    /// connect or limits refresh that answers after a newer key or address applies nothing.
    link: Arc<tokio::sync::Mutex<u64>>,
    limits_refresh: tokio::task::JoinHandle<()>,
    /// Notices a library folder going away and coming back, and damage found (`health::watch`).
    health_watch: tokio::task::JoinHandle<()>,
}

impl Drop for Studio {
    fn drop(&mut self) {
        self.limits_refresh.abort();
        self.health_watch.abort();
    }
}

impl Studio {
    /// Opens the library and starts the engine and the clip server (inside a tokio runtime).
    pub async fn open(opts: StudioOptions, clip_listener: std::net::TcpListener) -> Result<Studio, AppError> {
        health::refuse_noted_damage(&Paths::new(&opts.data_dir).db)?;
        let library = Arc::new(Library::open(&opts.data_dir)?);
        let paths = library.paths();
        let mut settings = settings::load(&opts.data_dir);
        settings.library_dir = paths.library.display().to_string();
        let (key, keychain_problem) = match opts.session_key.filter(|k| !k.trim().is_empty()) {
            Some(k) => (Key::Session(ApiKey::new(k)), opts.secrets.get(Secret::ApiKey).err().map(|e| e.to_string())),
            None => match opts.secrets.api_key() {
                Ok(Some(k)) => (Key::Keychain(k), None),
                Ok(None) => (Key::None, None),
                Err(e) => (Key::None, Some(e.to_string())),
            },
        };
        let limiter = Arc::new(RateLimiter::new(30));
        let mut config = EngineConfig::new(opts.data_dir.clone());
        config.max_downloads = settings
            .download_concurrency
            .clamp(*settings::DOWNLOAD_CONCURRENCY.start(), *settings::DOWNLOAD_CONCURRENCY.end())
            as usize;
        // Started without a key: the window opens at once, offline too; the key is connected
        // (and its limits adopted) just after, in the background.
        let engine = connect::start_engine(config, Catalog::load_cached(&paths.catalog), None).await?;
        let clips = clip_server::start(clip_listener, resolver(library.clone()))
            .map_err(|e| AppError::new(ErrorKind::Io, format!("Could not start the clip player's server: {e}.")))?;
        let (settings, key, link) =
            (Arc::new(RwLock::new(settings)), Arc::new(Mutex::new(key)), Arc::new(tokio::sync::Mutex::new(0)));
        let refresh = LimitsRefresh {
            engine: engine.clone(),
            key: key.clone(),
            settings: settings.clone(),
            base_override: opts.api_base.clone(),
            limiter: limiter.clone(),
            link: link.clone(),
        };
        let library_events = tokio::sync::broadcast::channel(64).0;
        let health_watch = health::watch(library.clone(), engine.clone(), library_events.clone());
        let studio = Studio {
            paths,
            settings,
            api_base_override: opts.api_base,
            key,
            secrets: opts.secrets,
            keychain_problem,
            limiter,
            engine,
            staged: Mutex::new(HashMap::new()),
            clips,
            health_watch,
            library,
            library_events,
            demo: opts.demo,
            utc_offset_minutes: opts.utc_offset_minutes,
            link,
            limits_refresh: tokio::spawn(refresh.every(opts.limits_every)),
        };
        studio.tidy_library_in_background();
        studio.apply_image_host();
        studio.apply_daily_cap();
        if let Some(kyma) = studio.kyma() {
            studio.connect_in_background(kyma, 0);
        }
        Ok(studio)
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn clip_origin(&self) -> &str {
        &self.clips.origin
    }

    fn api_base(&self) -> String {
        api_base_of(self.api_base_override.as_deref(), &self.settings)
    }

    /// The key in use and where it goes, if there is a key.
    pub(super) fn kyma(&self) -> Option<Kyma> {
        kyma_of(&self.key, self.api_base(), &self.limiter)
    }

    /// Connects the engine with the key, in the background (at start-up, after a change of API
    /// address). Offline, or with a key Kyma refuses, the client is attached anyway, so
    /// unfinished paid jobs resume the moment Kyma answers (and a refused key shows on them); the
    /// limits follow on the next refresh. Nothing is applied if the key or address changed since
    /// change number `mine`.
    fn connect_in_background(&self, kyma: Kyma, mine: u64) {
        let (engine, link) = (self.engine.clone(), self.link.clone());
        tokio::spawn(async move {
            let Ok(client) = kyma.client() else { return };
            let limits = connect::read_limits(&client).await;
            let now = link.lock().await;
            if *now != mine {
                return;
            }
            match limits {
                Ok(limits) => connect::apply_limits(&engine, &limits),
                Err(e) => log::warn!("could not read the key's limits: {}", e.kind()),
            }
            let _ = engine.set_client(Some(client)).await;
        });
    }

    /// Gives the engine the daily cap in the settings (or none).
    fn apply_daily_cap(&self) {
        self.engine.set_daily_cap(settings::daily_cap(&self.settings.read(), self.utc_offset_minutes));
    }

    /// Points the engine at the bucket in the settings (secret from the keychain), or data: URIs.
    fn apply_image_host(&self) {
        let hosting = self.settings.read().image_hosting.clone();
        let host = match (bucket_config(&hosting), self.secrets.get(Secret::BucketSecret).ok().flatten()) {
            (Some(config), Some(secret)) => crate::jobs::StartImageHost::Bucket { config, secret },
            _ => crate::jobs::StartImageHost::DataUri,
        };
        self.engine.set_image_host(host);
    }

    pub fn key_status(&self) -> KeyStatus {
        let key = self.key.lock();
        let (state, masked) = match &*key {
            Key::Keychain(k) => (KeyState::Keychain, Some(k.masked())),
            Key::Session(k) => (KeyState::Session, Some(k.masked())),
            Key::None => (KeyState::None, None),
        };
        KeyStatus {
            state,
            masked,
            keychain_available: self.keychain_problem.is_none(),
            keychain_message: self.keychain_problem.clone(),
        }
    }

    pub fn job(&self, g: &Generation) -> Job {
        let mut job = Job::from_generation(g, &self.library.paths());
        job.image_preview = g.image_file.as_ref().map(|_| self.clips.url(Served::StartImage, g.id));
        job.shot.end_image_preview = g.shot.end_image_file.as_ref().map(|_| self.clips.url(Served::EndImage, g.id));
        job.clip_url = gallery::has_clip(g).then(|| self.clips.url(Served::Clip, g.id));
        job
    }

    pub fn jobs(&self) -> Result<Vec<Job>, AppError> {
        // The queue: open jobs and the last day's finished ones; the gallery shows the rest.
        let since = (time::OffsetDateTime::now_utc() - time::Duration::hours(24))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Ok(self.engine.recent(&since, 200)?.iter().map(|g| self.job(g)).collect())
    }

    pub fn models(&self) -> Vec<ModelInfo> {
        self.engine.catalog().models.iter().map(ModelInfo::from).collect()
    }

    /// The saved settings, with the API base this run really uses (KYMA_API_BASE wins).
    fn effective_settings(&self) -> Settings {
        let mut s = self.settings.read().clone();
        if let Some(base) = &self.api_base_override {
            s.api_base = base.clone();
        }
        s
    }

    pub fn app_state(&self) -> Result<AppState, AppError> {
        Ok(AppState {
            key: self.key_status(),
            settings: self.effective_settings(),
            models: self.models(),
            jobs: self.jobs().map_err(|e| health::check_after(&self.paths.db, e))?,
            demo: self.demo,
            version: env!("CARGO_PKG_VERSION").to_string(),
        })
    }

    /// Checks the key with Kyma (a cheap authenticated call), then keeps it: in the keychain,
    /// or in memory only when `session_only`. The key is never returned.
    pub async fn set_key(&self, key: &str, session_only: bool) -> Result<KeyStatus, AppError> {
        let key = ApiKey::new(key);
        validate::check_key_format(key.expose())?;
        let kyma = Kyma { base: self.api_base(), key: key.clone(), limiter: self.limiter.clone() };
        // Proven first: a key Kyma refuses is neither kept nor used.
        let client = kyma.client()?;
        let limits = connect::read_limits(&client).await?;
        if !session_only {
            self.secrets.set_api_key(&key)?;
        }
        let mut change = self.link.lock().await;
        *change += 1;
        *self.key.lock() = if session_only { Key::Session(key) } else { Key::Keychain(key) };
        connect::apply_limits(&self.engine, &limits);
        self.engine.set_client(Some(client)).await?;
        Ok(self.key_status())
    }

    pub async fn delete_key(&self) -> Result<KeyStatus, AppError> {
        let was_keychain = matches!(*self.key.lock(), Key::Keychain(_));
        if was_keychain || self.keychain_problem.is_none() {
            self.secrets.delete(Secret::ApiKey)?;
        }
        let mut change = self.link.lock().await;
        *change += 1;
        *self.key.lock() = Key::None;
        self.engine.set_client(None).await?;
        Ok(self.key_status())
    }

    /// Saves the settings; the bucket's secret, when given, goes to the keychain, never the file.
    pub async fn save_settings(&self, new: Settings, bucket_secret: Option<String>) -> Result<Settings, AppError> {
        let mut new = new;
        new.library_dir = self.library.paths().library.display().to_string();
        settings::validate(&new).map_err(|m| AppError::new(ErrorKind::InvalidSettings, m).about(Field::Settings))?;
        if let Some(config) = bucket_config(&new.image_hosting) {
            crate::media::hosting::check_bucket_config(&config)
                .map_err(|e| AppError::new(ErrorKind::InvalidSettings, e.to_string()).about(Field::Settings))?;
        }
        if let dto::ImageHosting::S3 { secret_set, .. } = &mut new.image_hosting {
            if let Some(secret) = bucket_secret.filter(|s| !s.trim().is_empty()) {
                self.secrets.set(Secret::BucketSecret, secret.trim())?;
            }
            *secret_set = self.secrets.get(Secret::BucketSecret).ok().flatten().is_some();
        }
        // The run's override (the simulator, say) is shown but never written over the saved base.
        let mut to_save = new.clone();
        if self.api_base_override.as_deref() == Some(new.api_base.as_str()) {
            to_save.api_base = self.settings.read().api_base.clone();
        }
        settings::save(&self.paths.data_dir, &to_save).map_err(|m| AppError::new(ErrorKind::InvalidSettings, m))?;
        let new = to_save;
        *self.settings.write() = new.clone();
        self.apply_image_host();
        self.apply_daily_cap();
        if let Some(kyma) = self.kyma() {
            // Another API address may be another account: its limits are read again.
            let mut change = self.link.lock().await;
            *change += 1;
            self.engine.set_client(Some(kyma.client()?)).await?;
            self.connect_in_background(kyma, *change);
        }
        Ok(self.effective_settings())
    }

    /// Prepares a picture (decode, orient, resize, JPEG) and keeps it until a generation uses it.
    /// `path` is what a drop, the file picker or the window gave: a `file:` URI is read as the
    /// path it names, and a web address, a relative path or a Windows device is refused with
    /// the reason (`ospath::local_path`). A path that is not text (Linux allows any bytes) came
    /// from the OS and is used as it is.
    pub async fn stage_image_file(&self, path: PathBuf) -> Result<StartImage, AppError> {
        let path = match path.to_str() {
            Some(text) => crate::ospath::local_path(text, crate::ospath::Platform::CURRENT)
                .map(PathBuf::from)
                .map_err(crate::media::Error::NotLocal)?,
            None => path,
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let image = crate::media::prepare_image_file_async(path.clone()).await?;
        self.stage(image, name, path.display().to_string())
    }

    pub async fn stage_image_bytes(&self, bytes: Vec<u8>, name: String) -> Result<StartImage, AppError> {
        let image = crate::media::prepare_image_bytes_async(bytes).await?;
        self.stage(image, name.clone(), name)
    }

    /// A picture read from the OS clipboard, as the RGBA pixels the OS hands over: the same limits,
    /// downscale and JPEG as a file, then staged like one. It has no file name; the slot and the
    /// clip's details call it [`Studio::PASTED_NAME`].
    pub async fn stage_image_rgba(&self, rgba: Vec<u8>, width: u32, height: u32) -> Result<StartImage, AppError> {
        let image = crate::media::prepare_image_rgba_async(rgba, width, height).await?;
        self.stage(image, Self::PASTED_NAME.to_string(), Self::PASTED_NAME.to_string())
    }

    /// What a picture pasted from the clipboard is called where a file would show its name.
    pub const PASTED_NAME: &'static str = "Pasted image";

    fn stage(&self, image: crate::media::PreparedImage, name: String, source: String) -> Result<StartImage, AppError> {
        let preview = crate::media::jpeg_data_uri(&crate::media::thumbnail_jpeg(&image.jpeg, 320)?);
        let id = uuid::Uuid::new_v4().simple().to_string();
        let out = StartImage {
            id: id.clone(),
            width: image.width,
            height: image.height,
            source_width: image.source_width,
            source_height: image.source_height,
            source_name: name,
            preview,
        };
        self.staged.lock().insert(id, Staged { image, source });
        Ok(out)
    }

    /// Submits the draft: `draft.takes` jobs (one by default), each with its own hold.
    pub async fn generate(&self, draft: Draft) -> Result<Vec<Job>, AppError> {
        if self.key.lock().api_key().is_none() {
            return Err(AppError::new(ErrorKind::NoKey, "Set your Kyma API key first (Settings → API key)."));
        }
        let image = self.image_input(draft.image_id.as_deref(), draft.image_url.as_deref(), Field::Image)?;
        let end_image =
            self.image_input(draft.end_image_id.as_deref(), draft.end_image_url.as_deref(), Field::EndImage)?;
        let made = self
            .engine
            .submit_takes(
                EngineDraft {
                    model: draft.model,
                    prompt: draft.prompt,
                    duration: Some(draft.duration),
                    image,
                    end_image,
                    options: draft.options,
                },
                draft.takes,
            )
            .await?;
        Ok(made.iter().map(|g| self.job(g)).collect())
    }

    /// A staged picture (by id) or a link, as the engine takes it.
    pub(super) fn image_input(
        &self,
        id: Option<&str>,
        url: Option<&str>,
        field: Field,
    ) -> Result<Option<ImageInput>, AppError> {
        Ok(match (id, url) {
            (Some(id), _) => {
                let staged = self.staged.lock().get(id).map(|s| (s.image.clone(), s.source.clone()));
                let (image, source) = staged.ok_or_else(|| {
                    let which = if field == Field::EndImage { "end frame" } else { "start image" };
                    AppError::new(ErrorKind::MissingImage, format!("The {which} is no longer available; add it again."))
                        .about(field)
                })?;
                Some(ImageInput::Prepared { image: Box::new(image), source })
            }
            (None, Some(url)) if !url.trim().is_empty() => Some(ImageInput::Url(url.trim().to_string())),
            _ => None,
        })
    }

    /// Generation `id`'s settings for the create panel: every option, and its frames staged again.
    pub async fn settings_of(&self, id: i64) -> Result<dto::Restored, AppError> {
        let d = self.engine.draft_of(id)?;
        let mut draft = Draft {
            duration: d.duration.unwrap_or(crate::api::types::DEFAULT_DURATION_S),
            options: d.options,
            model: d.model,
            prompt: d.prompt,
            ..Draft::default()
        };
        let frame =
            async |input: Option<ImageInput>, url: &mut Option<String>| -> Result<Option<StartImage>, AppError> {
                match input {
                    None => Ok(None),
                    Some(ImageInput::Url(u)) => {
                        *url = Some(u);
                        Ok(None)
                    }
                    // Shown by the name it first had (a dropped file's name, "Pasted image").
                    Some(ImageInput::Kept { path, source }) => {
                        let name = Path::new(&source)
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_else(|| source.clone());
                        let image = crate::media::prepare_image_file_async(path).await?;
                        self.stage(image, name, source).map(Some)
                    }
                    Some(ImageInput::File(_) | ImageInput::Prepared { .. }) => Ok(None),
                }
            };
        let image = frame(d.image, &mut draft.image_url).await?;
        let end_image = frame(d.end_image, &mut draft.end_image_url).await?;
        draft.image_id = image.as_ref().map(|i| i.id.clone());
        draft.end_image_id = end_image.as_ref().map(|i| i.id.clone());
        Ok(dto::Restored { draft, image, end_image })
    }

    pub async fn again(&self, id: i64) -> Result<Job, AppError> {
        Ok(self.job(&self.engine.again(id).await?))
    }

    pub fn remove(&self, id: i64) -> Result<(), AppError> {
        Ok(self.engine.remove(id)?)
    }

    pub fn clip_path(&self, id: i64) -> Result<PathBuf, AppError> {
        let g = self.library.get(id)?;
        self.library
            .clip_path(&g)
            .filter(|p| p.exists())
            .ok_or_else(|| AppError::new(ErrorKind::NotFound, "This clip is not in the library (yet)."))
    }

    pub async fn refresh_catalog(&self) -> Result<Vec<ModelInfo>, AppError> {
        let merged = crate::api::client::refresh_catalog(&self.api_base(), &self.paths.catalog, 2).await?;
        self.engine.set_catalog(merged);
        Ok(self.models())
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Event> {
        self.engine.subscribe()
    }
}

/// What the periodic read of the key's limits needs: the key and address in force, and the
/// change counter it must not overtake.
struct LimitsRefresh {
    engine: Engine,
    key: Arc<Mutex<Key>>,
    settings: Arc<RwLock<Settings>>,
    base_override: Option<String>,
    limiter: Arc<RateLimiter>,
    link: Arc<tokio::sync::Mutex<u64>>,
}

impl LimitsRefresh {
    /// Reads the key's limits every `every` (its tier may change while the app runs). After a
    /// sleep the missed reads are not made up in a burst: one read, then the schedule.
    async fn every(self, every: std::time::Duration) {
        let every = every.max(std::time::Duration::from_millis(100));
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let mine = *self.link.lock().await;
            let base = api_base_of(self.base_override.as_deref(), &self.settings);
            let Some(client) = kyma_of(&self.key, base, &self.limiter).and_then(|k| k.client().ok()) else {
                continue;
            };
            let limits = connect::read_limits(&client).await;
            let now = self.link.lock().await;
            match limits {
                Ok(limits) if *now == mine => connect::apply_limits(&self.engine, &limits),
                Ok(_) => {} // the key or address changed meanwhile: its own read applies
                Err(e) => log::warn!("could not read the key's limits: {}", e.kind()),
            }
        }
    }
}

/// `KYMA_API_BASE` when set for this run, else the saved API address.
fn api_base_of(base_override: Option<&str>, settings: &RwLock<Settings>) -> String {
    base_override.map(str::to_string).unwrap_or_else(|| settings.read().api_base.clone())
}

fn kyma_of(key: &Mutex<Key>, base: String, limiter: &Arc<RateLimiter>) -> Option<Kyma> {
    let key = key.lock().api_key().cloned()?;
    Some(Kyma { base, key, limiter: limiter.clone() })
}

/// The clip server's view of the library: a generation's clip (only a finished, not deleted
/// one), its start image, or its poster (made now from the start image when possible).
fn resolver(library: Arc<Library>) -> clip_server::Resolver {
    Arc::new(move |kind, id| {
        let g = library.get(id).ok()?;
        match kind {
            Served::Clip => gallery::has_clip(&g).then(|| library.clip_path(&g)).flatten(),
            Served::StartImage => library.paths().start_image_path(&g),
            Served::EndImage => library.paths().end_image_path(&g),
            Served::Thumb => library.thumb(id).ok().flatten(),
        }
    })
}

/// The bucket named in the settings; path-style addressing except on AWS itself.
fn bucket_config(hosting: &dto::ImageHosting) -> Option<crate::media::hosting::BucketConfig> {
    match hosting {
        dto::ImageHosting::S3 { endpoint, bucket, region, access_key_id, .. } => {
            Some(crate::media::hosting::BucketConfig {
                endpoint: endpoint.trim().to_string(),
                bucket: bucket.trim().to_string(),
                region: region.trim().to_string(),
                access_key_id: access_key_id.trim().to_string(),
                path_style: !endpoint.contains(".amazonaws.com"),
            })
        }
        _ => None,
    }
}
