//! The job engine's owner task: one task owns every open generation. It submits queued jobs
//! (re-POSTing with the stored idempotency key after a crash), polls on one shared schedule,
//! downloads finished clips (at most three at a time) and reports every change as an `Event`.

use super::config::EngineConfig;
use super::download::{part_path, DownloadError, Downloader};
use super::engine::Event;
use super::error::Error;
use super::failpoint;
use super::groups::{self, CancelReport, DailyCap, Group, GroupState, NewGroup, Spending};
use super::pace::{self, Paces};
use super::paths::{clip_file_name, Paths};
use super::store::{Generation, NewGeneration, Status, Store};
use super::submit::{build_request, is_final_refusal, PostError, StartImageHost};
use crate::api::{Client, RemoteJob, RemoteStatus};
use crate::error_kind::ErrorKind;
use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot, Notify, Semaphore};
use tokio::time::Instant;

/// Finished clips read at start to learn how long each model takes (`pace`).
const PACE_HISTORY: usize = 500;

/// What the handles and the owner task share. A lock is held for one store call or one copy,
/// never across an await.
pub(super) struct Shared {
    pub(super) store: Mutex<Store>,
    pub(super) image_host: RwLock<StartImageHost>,
    /// The library folder can change while the app runs.
    pub(super) paths: RwLock<Paths>,
    /// Unfinished jobs Kyma may hold at once, read at every dispatch so a change applies at once.
    pub(super) queue_cap: AtomicUsize,
    /// Jobs Kyma runs at once for the key (its tier's video concurrency); the rest wait there.
    pub(super) running_slots: AtomicUsize,
    /// Groups the user paused: their queued members are not sent.
    pub(super) paused: RwLock<std::collections::HashSet<i64>>,
    /// The daily spending cap (None: off), checked again when a submit is recorded.
    pub(super) daily_cap: RwLock<Option<DailyCap>>,
    /// Wakes the owner to dispatch again: a raised queue cap may free room for queued jobs.
    pub(super) wake: Notify,
    /// How many times the owner task's loop has turned (a waiting engine must not spin).
    pub(super) turns: AtomicU64,
    /// This process's name in the library's claims (see `claims`).
    pub(super) holder: String,
}

/// What a record made: its group, if it had one, and its generations.
pub(super) type Recorded = (Option<Group>, Vec<Generation>);

/// What a handle asks of the owner task.
pub(super) enum Cmd {
    /// Rows (with their idempotency keys) to record together, with their group when there is one.
    Record {
        group: Option<NewGroup>,
        rows: Vec<(NewGeneration, String)>,
        spending: Spending,
        cap: Option<DailyCap>,
        reply: oneshot::Sender<Result<Recorded, Error>>,
    },
    /// Drops a group's members never sent; answers what was dropped and what is at Kyma.
    CancelGroup { group: i64, reply: oneshot::Sender<Result<CancelReport, Error>> },
    /// A new key (or none): network work pauses without a client and resumes with one.
    SetClient(Option<Client>),
    /// The records changed under the engine (a library folder relinked): each unfinished job's
    /// record is read again, and what waited is tried now.
    Reread,
}

/// A downloaded clip: its file name, its size in bytes and its frame size (when the file says).
type Fetched = (String, u64, Option<(u32, u32)>);

enum Done {
    /// The answer to a POST; the bool says whether it was the row's first POST ever.
    Posted(i64, bool, Result<crate::api::Created, PostError>),
    Polled(i64, Result<RemoteJob, crate::api::Error>),
    Downloaded(i64, Result<Fetched, Error>),
}

/// How often a download stopped by a full disk looks for room again (at most).
const ROOM_RECHECK: Duration = Duration::from_secs(5);
/// Below this much free space a download is not tried: the disk is still full.
const MIN_ROOM: u64 = 1_000_000;

struct JobState {
    gen: Generation,
    due: Instant,
    busy: bool,
    url: Option<String>,
    polls_without_url: u32,
    running_since: Instant,
    /// When it began to run at Kyma, as far as we can tell: when it became one of the key's
    /// oldest open jobs there that Kyma runs at once, or was first seen processing.
    started: Option<Instant>,
    /// Whether this process saw it begin (it was sent, or moved up into a running slot, while
    /// this process ran): only then does its run time teach `paces` anything.
    start_seen: bool,
    /// The order Kyma accepted it in, among this process's jobs (Kyma runs the oldest first).
    seq: u64,
    /// Its download stopped for a full disk or a missing library folder and the user was told:
    /// rechecks say nothing more.
    short_of_room: bool,
    /// When this process's claim on the job was last granted or renewed, on both clocks: while
    /// that is under a lease ago on each, nobody else can have held the job in between, so its
    /// record needs no re-reading before acting.
    claimed: Option<(Instant, std::time::SystemTime)>,
}

/// Whether a claim granted or renewed at `(at, wall)` still holds: under a `lease` ago on both
/// clocks.
fn unbroken((at, wall): (Instant, std::time::SystemTime), lease: Duration) -> bool {
    at.elapsed() < lease && wall.elapsed().is_ok_and(|d| d < lease)
}

pub(super) struct Owner {
    shared: Arc<Shared>,
    client: Option<Client>,
    downloader: Downloader,
    events: broadcast::Sender<Event>,
    download_slots: Arc<Semaphore>,
    config: EngineConfig,
    jobs: HashMap<i64, JobState>,
    polls_in_flight: usize,
    /// When this process's leases are next renewed.
    renew_at: Instant,
    /// How long each model takes: which running jobs to poll first.
    paces: Paces,
    /// The next `JobState::seq`.
    next_seq: u64,
    /// When Kyma finished jobs whose running slots no job has been seen to take yet, oldest
    /// first: the next job up began then, not when we noticed.
    freed: std::collections::VecDeque<Instant>,
}

impl Owner {
    pub(super) fn new(
        shared: Arc<Shared>,
        client: Option<Client>,
        downloader: Downloader,
        events: broadcast::Sender<Event>,
        config: EngineConfig,
    ) -> Owner {
        Owner {
            shared,
            client,
            downloader,
            events,
            download_slots: Arc::new(Semaphore::new(config.max_downloads.max(1))),
            config,
            jobs: HashMap::new(),
            polls_in_flight: 0,
            renew_at: Instant::now(),
            paces: Paces::default(),
            next_seq: 1,
            freed: std::collections::VecDeque::new(),
        }
    }

    pub(super) async fn run(mut self, mut cmds: mpsc::Receiver<Cmd>) {
        let (done_tx, mut done_rx) = mpsc::channel::<Done>(256);
        match self.shared.store.lock().run_history(PACE_HISTORY) {
            Ok(rows) => self.paces = Paces::from_history(rows),
            Err(e) => log::warn!("cannot read how long past clips took: {e}"),
        }
        let open = self.shared.store.lock().open_generations();
        match open {
            Ok(mut open) => {
                let now = Instant::now();
                // Accepted by Kyma first, run first: their order is the order of `seq`.
                open.sort_by(|a, b| {
                    (a.submitted_at.is_none(), &a.submitted_at, a.id).cmp(&(
                        b.submitted_at.is_none(),
                        &b.submitted_at,
                        b.id,
                    ))
                });
                for g in open {
                    let seq = self.next_seq;
                    self.next_seq += 1;
                    self.jobs.insert(
                        g.id,
                        JobState {
                            gen: g,
                            due: now,
                            busy: false,
                            url: None,
                            polls_without_url: 0,
                            running_since: now,
                            started: None,
                            start_seen: false,
                            seq,
                            short_of_room: false,
                            claimed: None,
                        },
                    );
                }
            }
            Err(e) => log::error!("cannot read unfinished generations: {e}"),
        }
        let mut cmds_open = true;
        loop {
            self.shared.turns.fetch_add(1, Ordering::Relaxed);
            let now = Instant::now();
            self.dispatch(&done_tx, now);
            // The next job to fall due. A job already due that dispatch left waiting (every poll
            // slot taken, or Kyma's queue full) is not a reason to wake: the answer that frees a
            // slot wakes the loop. Counting it made the loop spin while the slots were busy.
            let next = self.jobs.values().filter(|j| !j.busy && j.due > now).map(|j| j.due).min();
            // While it has jobs, the leases on them are renewed every third of a lease.
            if now >= self.renew_at {
                self.renew_claims(now);
            }
            let renew = (!self.jobs.is_empty()).then_some(self.renew_at);
            let sleep_until =
                next.into_iter().chain(renew).min().unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                cmd = cmds.recv(), if cmds_open => match cmd {
                    Some(c) => self.on_cmd(c),
                    None => cmds_open = false,
                },
                Some(done) = done_rx.recv() => self.on_done(done),
                _ = self.shared.wake.notified() => {}
                _ = tokio::time::sleep_until(sleep_until) => {}
            }
            if !cmds_open && self.jobs.is_empty() {
                break;
            }
        }
        // Stopping: what this process held is free for another at once, not after its lease.
        if let Err(e) = self.shared.store.lock().release_claims(&self.shared.holder) {
            log::warn!("cannot give back this process's claims: {e}");
        }
    }

    fn renew_claims(&mut self, now: Instant) {
        self.renew_at = now + self.config.lease / 3;
        let wall = std::time::SystemTime::now();
        match self.shared.store.lock().renew_claims(&self.shared.holder, self.config.lease) {
            Ok(_) => {
                // Only a lease still unbroken is extended: one that lapsed (a process stopped
                // past it, the wall clock jumped) may have been another's meanwhile.
                let lease = self.config.lease;
                for j in self.jobs.values_mut() {
                    if j.claimed.is_some_and(|c| unbroken(c, lease)) {
                        j.claimed = Some((now, wall));
                    } else {
                        j.claimed = None;
                    }
                }
            }
            Err(e) => log::warn!("cannot renew this process's claims: {e}"),
        }
    }

    /// Whether job `id`'s claim has been this process's without a break since it was last
    /// granted or renewed here: under a lease ago on the monotonic clock (a stopped process
    /// counts the time it slept) and on the wall clock (which the other processes' leases
    /// read, so a jump forwards counts, and a jump backwards is not trusted).
    fn held_throughout(&self, id: i64) -> bool {
        self.jobs.get(&id).and_then(|j| j.claimed).is_some_and(|c| unbroken(c, self.config.lease))
    }

    /// Whether this process may act on job `id` now: it holds the job's claim (taken or renewed
    /// here). When another process holds it, the job is looked at again in the library soon, so
    /// what that process does (a clip downloaded, a failure) shows here too.
    fn hold(&mut self, id: i64) -> bool {
        let claimed = self.shared.store.lock().claim(id, &self.shared.holder, self.config.lease);
        let held = match claimed {
            Ok(true) => true,
            Ok(false) => self.take_over_from_the_dead(id),
            Err(e) => {
                log::error!("cannot claim generation {id}: {e}");
                let wait = self.config.poll.after_problem;
                self.reschedule(id, wait);
                return false;
            }
        };
        if !held {
            if let Some(j) = self.jobs.get_mut(&id) {
                j.claimed = None;
            }
            self.held_elsewhere(id);
            return false;
        }
        // Newly held (at start, after another process had it, or after a lease that may have
        // lapsed), the job may have moved on elsewhere (sent, finished): acted on as the library
        // has it now. Held throughout, this process's copy is the record: no re-read.
        let throughout = self.held_throughout(id);
        if let Some(j) = self.jobs.get_mut(&id) {
            j.claimed = Some((Instant::now(), std::time::SystemTime::now()));
        }
        if !throughout && self.changed_in_library(id) {
            self.emit_changed(id);
            self.reschedule(id, Duration::ZERO);
            return false;
        }
        true
    }

    /// Job `id`'s holder is known dead (its presence file is no longer locked: killed, crashed):
    /// the job is taken over now rather than when its lease lapses.
    fn take_over_from_the_dead(&mut self, id: i64) -> bool {
        let locks = self.shared.paths.read().locks();
        let store = self.shared.store.lock();
        match store.claim_of(id) {
            Ok(Some(c)) if !super::claims::alive(&locks, &c.holder) => {
                let taken = store.take_over(id, &self.shared.holder, &c.holder, self.config.lease).unwrap_or(false);
                if taken {
                    log::info!("generation {id}: taken over from {}, which no longer runs", c.holder);
                }
                taken
            }
            _ => false,
        }
    }

    /// Job `id` is another process's now: its record is read again (shown when it changed) and
    /// looked at again after `poll.held_elsewhere`.
    fn held_elsewhere(&mut self, id: i64) {
        let wait = self.config.poll.held_elsewhere;
        self.reschedule(id, wait);
        if self.changed_in_library(id) {
            self.emit_changed(id);
        }
    }

    /// Whether the library's record of job `id` moved on from this process's copy (another
    /// process sent, polled or finished it).
    fn changed_in_library(&self, id: i64) -> bool {
        let now = self.shared.store.lock().get(id);
        match (now, self.jobs.get(&id)) {
            (Ok(g), Some(j)) => g.status != j.gen.status || g.kyma_id != j.gen.kyma_id,
            _ => false,
        }
    }

    /// Job `id` leaves this process: finished, or dropped.
    fn forget(&mut self, id: i64) {
        self.jobs.remove(&id);
        if let Err(e) = self.shared.store.lock().release_claim(id, &self.shared.holder) {
            log::warn!("cannot give back the claim on generation {id}: {e}");
        }
    }

    fn emit_changed(&mut self, id: i64) {
        let got = self.shared.store.lock().get(id);
        match got {
            Ok(g) => self.emit(g),
            Err(e) => log::error!("generation {id} vanished: {e}"),
        }
    }

    /// Shows record `g`, just read from the library, and keeps it as this process's copy.
    fn emit(&mut self, g: Generation) {
        if g.status.is_terminal() {
            self.forget(g.id);
        } else if let Some(j) = self.jobs.get_mut(&g.id) {
            j.gen = g.clone();
        }
        let _ = self.events.send(Event::Changed(Box::new(g)));
    }

    /// The clip's sidecar (what made it, what it cost) beside it, so the library can be rebuilt
    /// from the clips folder. A failure is logged: the clip and its record are what count.
    fn write_sidecar(&self, g: &Generation) {
        let clips = self.shared.paths.read().media_root(g).join("clips");
        if let Err(e) = super::sidecar::write(&clips, g) {
            log::warn!("generation {}: could not write its sidecar in {}: {e}", g.id, clips.display());
        }
    }

    /// A database write refused for a full disk is said as the full disk it is: the data
    /// folder's disk (the database lives there), and the room the database wants to go on.
    fn said(&self, e: Error) -> Error {
        match e {
            Error::Db(db) if crate::diskspace::is_db_full(&db) => {
                let dir = self.shared.paths.read().data_dir.clone();
                Error::DiskFull(crate::diskspace::full(&dir, MIN_ROOM, crate::diskspace::Then::Resume))
            }
            e => e,
        }
    }

    fn problem(&mut self, id: i64, kind: ErrorKind, message: String) {
        let noted = self.shared.store.lock().note_problem(id, kind.as_str(), &message);
        if let Err(e) = noted {
            log::error!("cannot record a problem for generation {id}: {e}");
        }
        let _ = self.events.send(Event::Problem { id, kind, message, link: None });
        self.emit_changed(id);
    }

    fn on_cmd(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Record { group, rows, spending, cap, reply } => {
                let total = crate::api::Micros(rows.iter().map(|(r, _)| r.hold.0).sum());
                let inserted = {
                    let store = self.shared.store.lock();
                    store
                        .insert_many(group.as_ref(), &rows, |conn| {
                            groups::check_spending(conn, spending, total)?;
                            groups::check_daily_cap(conn, cap, total)
                        })
                        .and_then(|(gid, ids)| {
                            let made = ids.iter().map(|id| store.get(*id)).collect::<Result<Vec<_>, _>>()?;
                            Ok((gid.map(|g| store.group(g)).transpose()?, made))
                        })
                };
                if let Ok((_, made)) = &inserted {
                    failpoint::hit("after_db_write");
                    let now = Instant::now();
                    for g in made {
                        self.jobs.insert(
                            g.id,
                            JobState {
                                gen: g.clone(),
                                due: now,
                                busy: false,
                                url: None,
                                polls_without_url: 0,
                                short_of_room: false,
                                running_since: now,
                                started: None,
                                start_seen: true,
                                seq: 0,
                                claimed: None,
                            },
                        );
                        let _ = self.events.send(Event::Changed(Box::new(g.clone())));
                    }
                }
                let _ = reply.send(inserted);
            }
            Cmd::CancelGroup { group, reply } => {
                let _ = reply.send(self.cancel_group(group));
            }
            Cmd::SetClient(client) => {
                self.client = client;
                let now = Instant::now();
                for j in self.jobs.values_mut() {
                    j.due = j.due.min(now);
                }
            }
            Cmd::Reread => {
                let now = Instant::now();
                let store = self.shared.store.lock();
                for (id, j) in self.jobs.iter_mut() {
                    match store.get(*id) {
                        Ok(g) => j.gen = g,
                        Err(e) => log::warn!("generation {id}: its record cannot be read again ({e})"),
                    }
                    j.due = j.due.min(now);
                    j.short_of_room = false;
                }
            }
        }
    }

    /// Drops the group's members that were never sent and are not being sent now; counts the
    /// rest still open, which are (or may be) at Kyma.
    fn cancel_group(&mut self, group: i64) -> Result<CancelReport, Error> {
        self.shared.store.lock().set_group_state(group, GroupState::Cancelled)?;
        self.shared.paused.write().remove(&group);
        let mut report = CancelReport::default();
        let members: Vec<(i64, bool)> = self
            .jobs
            .values()
            .filter(|j| j.gen.group_id == Some(group))
            .map(|j| (j.gen.id, j.gen.status == Status::Queued && j.gen.post_attempts == 0 && !j.busy))
            .collect();
        for (id, unsent) in members {
            if !unsent {
                report.at_kyma += 1;
                continue;
            }
            let marked = self.shared.store.lock().drop_unsent(
                id,
                ErrorKind::Cancelled.as_str(),
                "Cancelled before it was sent: nothing was charged.",
            );
            match marked {
                Ok(true) => {
                    report.dropped += 1;
                    self.emit_changed(id);
                }
                // Sent meanwhile by another process sharing the library: it finishes.
                Ok(false) => report.at_kyma += 1,
                Err(e) => {
                    log::error!("cannot drop generation {id} of cancelled group {group}: {e}");
                    report.at_kyma += 1;
                }
            }
        }
        Ok(report)
    }

    /// Kyma runs a key's oldest open jobs at once, as many as its running slots: those of ours
    /// among them have begun to run, if not before (seen processing).
    fn mark_started(&mut self, now: Instant) {
        let slots = self.shared.running_slots.load(Ordering::Relaxed);
        let open: Vec<(u64, i64)> = self
            .jobs
            .iter()
            .filter(|(_, j)| j.gen.status.is_remote_open() && j.gen.kyma_id.is_some())
            .map(|(id, j)| (j.seq, *id))
            .collect();
        for id in pace::running_now(open, slots) {
            let Some(j) = self.jobs.get(&id) else { continue };
            if j.started.is_some() {
                continue;
            }
            let at = if j.start_seen {
                // It took the slot a finished job freed, when that job finished.
                self.freed.pop_front().unwrap_or(now)
            } else {
                // Already at Kyma when this process started: running since it was accepted, at
                // the most (a bound, for ordering only).
                stamped(j.gen.submitted_at.as_deref(), now, Duration::from_secs(3600))
            };
            if let Some(j) = self.jobs.get_mut(&id) {
                j.started = Some(at);
            }
        }
        // Slots freed with no job of ours to take them went to other processes' jobs.
        self.freed.clear();
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
        let paused = self.shared.paused.read().clone();
        // A paused group's members never sent wait; one whose POST may have reached Kyma goes on
        // (its replay only learns what Kyma holds, and may be a paid job).
        let waits = |j: &JobState| {
            j.gen.status == Status::Queued
                && j.gen.post_attempts == 0
                && j.gen.group_id.is_some_and(|g| paused.contains(&g))
        };
        self.mark_started(now);
        let mut due: Vec<(bool, i64, Status)> = self
            .jobs
            .iter()
            .filter(|(_, j)| !j.busy && j.due <= now && !waits(j))
            .map(|(id, j)| (j.gen.group_id.is_some(), *id, j.gen.status))
            .collect();
        // A clip asked for alone goes before the rest of a batch; otherwise first come, first sent.
        due.sort_unstable_by_key(|(grouped, id, _)| (*grouped, *id));
        // Polls are not yet ordered by how likely each job is done (tried in commit 9c9eafc: it
        // changed which downloads started when, and the fault tests' audits then saw a clip
        // fetched twice from byte 0, a download cut before its first byte was written starting
        // again from 0). Until that is solved, first come, first sent.
        let mut open = self.remote_open();
        let cap = self.shared.queue_cap.load(Ordering::Relaxed);
        for (_, id, status) in due {
            match status {
                Status::Queued if open < cap => {
                    if self.hold(id) {
                        open += 1;
                        self.spawn_post(id, &client, done.clone());
                    }
                }
                Status::Queued => {}
                Status::Pending | Status::Processing if self.polls_in_flight < self.config.max_polls_in_flight => {
                    if self.hold(id) {
                        self.spawn_poll(id, &client, done.clone());
                    }
                }
                Status::Pending | Status::Processing => {}
                Status::Downloading => {
                    // Clips come from the result URL, outside the key's requests per minute.
                    if self.hold(id) {
                        self.spawn_download(id, &client, done.clone());
                    }
                }
                _ => self.forget(id),
            }
        }
    }

    fn spawn_post(&mut self, id: i64, client: &Client, done: mpsc::Sender<Done>) {
        let Some(j) = self.jobs.get_mut(&id) else {
            return;
        };
        j.busy = true;
        let g = j.gen.clone();
        let attempts = self.shared.store.lock().note_post_attempt(id);
        let first = match attempts {
            Ok(Some(n)) => n == 1,
            Ok(None) => {
                // Cancelled or paused in the library by another process: not sent. A pause is
                // adopted here; a dropped row leaves the queue.
                if let (Some(gid), Ok(group)) = (g.group_id, self.shared.store.lock().group(g.group_id.unwrap_or(0))) {
                    if group.state == GroupState::Paused {
                        self.shared.paused.write().insert(gid);
                    }
                }
                let wait = self.config.poll.after_problem;
                self.reschedule(id, wait);
                self.emit_changed(id);
                return;
            }
            Err(e) => {
                log::error!("cannot record a POST attempt for generation {id}: {e}");
                false
            }
        };
        let client = client.clone();
        let images = self.shared.paths.read().clone().media_root(&g).join("start-images");
        let host = self.shared.image_host.read().clone();
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
        let paths = self.shared.paths.read().clone();
        let clips = paths.media_root(&g).join("clips");
        tokio::spawn(async move {
            let result = match slots.acquire_owned().await {
                Ok(_permit) => fetch_clip(&client, &downloader, &g, url, &paths, &events).await,
                Err(_) => Err(Error::EngineStopped),
            }
            .map(|(file, bytes)| {
                let size = crate::media::mp4::video_size(&clips.join(&file)).ok();
                (file, bytes, size)
            });
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
                Ok((file, bytes, size)) => {
                    if let Some(j) = self.jobs.get_mut(&id) {
                        j.short_of_room = false;
                    }
                    failpoint::hit("after_rename");
                    let marked = self.shared.store.lock().mark_succeeded(id, &file, bytes, size);
                    match marked {
                        Ok(()) => {
                            let got = self.shared.store.lock().get(id);
                            match got {
                                Ok(g) => {
                                    self.write_sidecar(&g);
                                    self.emit(g);
                                }
                                Err(e) => log::error!("generation {id}: no sidecar, its record cannot be read ({e})"),
                            }
                        }
                        Err(e) => {
                            // The clip is in place but the library could not say so (a full
                            // disk): tried again, and the next try finds the clip already there.
                            log::error!("cannot record the clip of generation {id}: {e}");
                            self.reschedule(id, self.config.poll.after_problem);
                            let e = self.said(e);
                            self.problem(id, e.kind(), e.to_string());
                        }
                    }
                }
                // Another process is downloading it: its news is read from the library.
                Err(Error::ClipBusy) => self.held_elsewhere(id),
                // A full disk, or a library folder gone: the .part stays, and the download
                // resumes soon after room is made or the folder is back (each try looks first,
                // without asking the network).
                Err(
                    e @ (Error::DiskFull(_)
                    | Error::Download(DownloadError::DiskFull(_))
                    | Error::LibraryMissing { .. }),
                ) => {
                    let wait = self.config.poll.after_problem.min(ROOM_RECHECK);
                    self.reschedule(id, wait);
                    let told = self.jobs.get_mut(&id).map(|j| std::mem::replace(&mut j.short_of_room, true));
                    if told == Some(false) {
                        self.problem(id, e.kind(), e.to_string());
                    }
                }
                Err(e) => {
                    let wait = self.config.poll.after_problem;
                    self.reschedule(id, wait);
                    let e = self.said(e);
                    self.problem(id, e.kind(), e.to_string());
                }
            },
        }
    }

    fn on_posted(&mut self, id: i64, first: bool, result: Result<crate::api::Created, PostError>) {
        match result {
            Ok(created) => {
                let job = created.job;
                let marked = self.shared.store.lock().mark_submitted(id, &job.id, job.estimated_cost);
                if let Err(e) = marked {
                    log::error!("cannot record Kyma's id for generation {id}: {e}");
                }
                let seq = self.next_seq;
                self.next_seq += 1;
                if let Some(j) = self.jobs.get_mut(&id) {
                    j.running_since = Instant::now();
                    j.seq = seq;
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
                let marked = self.shared.store.lock().mark_rejected(id, e.kind().as_str(), &e.to_string());
                if let Err(err) = marked {
                    log::error!("cannot record the refusal of generation {id}: {err}");
                }
                let _ = self.events.send(Event::Problem { id, kind: e.kind(), message: e.to_string(), link });
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
        let now = Instant::now();
        let crowded = self.remote_open() > self.shared.running_slots.load(Ordering::Relaxed);
        if job.status == RemoteStatus::Processing {
            if let Some(j) = self.jobs.get_mut(&id) {
                j.started.get_or_insert(now);
            }
        }
        let Some(j) = self.jobs.get(&id) else { return };
        let hold = j.gen.estimated.unwrap_or(j.gen.hold);
        let running_for = j.running_since.elapsed();
        let behind = j.started.is_none();
        // How far through its expected time it is, and how long until that is up.
        let near = match (self.paces.expected(&j.gen.model, j.gen.duration_s), j.started) {
            (Some(expected), Some(started)) => {
                let ran = now.saturating_duration_since(started);
                Some((pace::progress(ran, Some(expected)), expected.as_secs_f64() - ran.as_secs_f64()))
            }
            _ => None,
        };
        if job.status == RemoteStatus::Succeeded && job.output_url.is_some() {
            // Learned: how long this model took for this much footage.
            if let (Some(started), true) = (j.started, j.start_seen) {
                let (model, duration) = (j.gen.model.clone(), j.gen.duration_s);
                self.paces.learn(&model, duration, now.saturating_duration_since(started));
            }
        }
        let finished = match job.status {
            RemoteStatus::Succeeded => job.output_url.is_some(),
            RemoteStatus::Failed | RemoteStatus::Refunded | RemoteStatus::Expired => true,
            _ => false,
        };
        if finished {
            // Its running slot is free since Kyma finished it (its own stamp; our notice at the latest).
            self.freed.push_back(stamped(job.completed_at.as_deref(), now, Duration::from_secs(60)));
        }
        let interval = self.config.poll.interval_near(running_for, near);
        let shared = self.shared.clone();
        let db = shared.store.lock();
        let written = match &job.status {
            RemoteStatus::Succeeded if job.output_url.is_some() => {
                let charged = job.charged_amount.or(job.estimated_cost).or(Some(hold));
                let r = db.mark_downloading(id, charged, job.completed_at.as_deref()).map(|()| true);
                drop(db);
                if r.is_ok() {
                    if let Some(j) = self.jobs.get_mut(&id) {
                        j.url = job.output_url.clone();
                    }
                    self.reschedule(id, Duration::ZERO);
                } else {
                    // The charge is not recorded (a full disk): no download before it is, so the
                    // library never holds a clip whose charge it lacks. Polled again.
                    self.reschedule(id, self.config.poll.after_problem);
                }
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
                // Pending while more jobs are at Kyma than it surely runs at once: it is most
                // likely waiting for a running slot and cannot finish before it runs. Polled less,
                // so the key's requests go to the jobs that can finish and to the POSTs that
                // keep Kyma's queue full (a 50-clip batch at tier 1: 1.62× → 1.05× the ideal time).
                let interval = if local == Status::Pending && crowded && behind {
                    interval.max(self.config.poll.pending_behind)
                } else {
                    interval
                };
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
                let e = self.said(e);
                self.problem(id, e.kind(), e.to_string());
            }
        }
    }
}

/// The instant of an RFC 3339 `stamp` (Kyma's or ours), at most `max` before `now`; `now` when
/// there is none or it is ahead of this clock.
fn stamped(stamp: Option<&str>, now: Instant, max: Duration) -> Instant {
    let ago = stamp.and_then(super::store::seconds_since).unwrap_or(0.0).clamp(0.0, max.as_secs_f64());
    now.checked_sub(Duration::from_secs_f64(ago)).unwrap_or(now)
}

fn default_reason(status: Status) -> &'static str {
    match status {
        Status::Expired => "The job timed out at Kyma before the clip was made.",
        Status::Refunded => "Kyma refunded this job.",
        _ => "Kyma could not make this clip. Retry, or try a different model.",
    }
}

async fn fetch_clip(
    client: &Client,
    downloader: &Downloader,
    g: &Generation,
    url: Option<String>,
    paths: &Paths,
    events: &broadcast::Sender<Event>,
) -> Result<(String, u64), Error> {
    let root = paths.media_root(g);
    let clips = &root.join("clips");
    let locks = &paths.locks();
    let file = clip_file_name(g);
    let dest = clips.join(&file);
    // The library folder is gone (an unplugged drive, a renamed folder): the clip waits for it,
    // and nothing is made in its place.
    let gone = || Error::LibraryMissing { folder: root.display().to_string(), paid: true };
    if !paths.library_present(&root) {
        return Err(gone());
    }
    // One process downloads a clip at a time, even when their claims overlapped (a clock jumped):
    // it holds the clip's lock file until the clip is in place. The lock is the OS's (flock on
    // Linux and macOS, LockFileEx on Windows), so a killed process's lock goes with it.
    let lock = ClipLock::take(locks, &file)?;
    // A crash after the rename but before the database heard of it: the clip is already here.
    // (Or another process finished it while this one waited for the lock.)
    if crate::media::mp4::check_mp4(&dest).is_ok() {
        let bytes = std::fs::metadata(&dest).map_err(|e| Error::io("read the clip", &dest, e))?.len();
        lock.done();
        return Ok((file, bytes));
    }
    // Still no room: said again without a request to Kyma or the clip's server.
    let have = std::fs::metadata(part_path(&dest)).map(|m| m.len()).unwrap_or(0);
    if crate::diskspace::free_space(clips).is_ok_and(|free| free < MIN_ROOM) {
        // The clip's size is not known before its server answers: as heavy as Kyma's get.
        let need = (u64::from(g.duration_s) * crate::diskspace::CLIP_BYTES_PER_S).saturating_sub(have);
        return Err(Error::DiskFull(crate::diskspace::full(clips, need, crate::diskspace::Then::Resume)));
    }
    let kyma_id = g.kyma_id.clone().unwrap_or_default();
    let mut url = match url {
        Some(u) => u,
        None => fresh_url(client, &kyma_id).await?,
    };
    let id = g.id;
    let last = Mutex::new(Instant::now() - Duration::from_secs(1));
    let progress = move |done: u64, total: Option<u64>| {
        let mut l = last.lock();
        if l.elapsed() >= Duration::from_millis(200) || Some(done) == total {
            *l = Instant::now();
            let _ = events.send(Event::Progress { id, bytes_done: done, bytes_total: total });
        }
    };
    let mut refreshed = false;
    loop {
        match downloader.fetch(&url, &dest, &progress).await {
            Ok(bytes) => {
                lock.done();
                return Ok((file, bytes));
            }
            Err(DownloadError::LinkExpired { .. }) if !refreshed => {
                refreshed = true;
                url = fresh_url(client, &kyma_id).await?;
            }
            // The folder went while the clip came (unplugged, renamed): said as such.
            Err(DownloadError::Disk { .. }) if !paths.library_present(&root) => {
                return Err(gone());
            }
            // Polled again and the new link is dead too (Kyma gave none that works).
            Err(DownloadError::LinkExpired { status }) => return Err(Error::NoFreshLink { status }),
            Err(e) => return Err(e.into()),
        }
    }
}

/// A clip's download lock: `locks/<file>.lock` locked by this process (flock on Linux and macOS,
/// LockFileEx on Windows; a killed process's lock goes with it). [`Error::ClipBusy`] when another
/// process holds it.
struct ClipLock {
    file: std::fs::File,
    path: std::path::PathBuf,
}

impl ClipLock {
    fn take(locks: &Path, clip: &str) -> Result<ClipLock, Error> {
        // A full disk here is a paid download waiting for room, not a refused submit.
        let failed = |what, path: &Path, e: std::io::Error| {
            if crate::diskspace::is_disk_full(&e) {
                Error::DiskFull(crate::diskspace::full(locks, 0, crate::diskspace::Then::Resume))
            } else {
                Error::io(what, path, e)
            }
        };
        std::fs::create_dir_all(locks).map_err(|e| failed("create the download locks folder", locks, e))?;
        let path = locks.join(format!("{clip}.lock"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| failed("open a download lock", &path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(ClipLock { file, path }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::ClipBusy),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io("take a download lock", &path, e)),
        }
    }

    /// The clip is in place: its lock file goes, while still locked. Anyone who locks a file of
    /// that name later (or the removed one) finds the clip there first and downloads nothing. A
    /// lock file is not removed after a failure: a second process could then lock a new file of
    /// that name while a third holds the old one, and both download.
    fn done(self) {
        let _ = std::fs::remove_file(&self.path);
        drop(self.file);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clip_s_download_lock_is_held_once_and_its_file_goes_with_the_clip() {
        let dir = tempfile::tempdir().unwrap();
        let locks = dir.path().join("locks");
        let first = ClipLock::take(&locks, "a.mp4").unwrap();
        // A second holder (another process, or another open of the file here) is refused.
        assert!(matches!(ClipLock::take(&locks, "a.mp4"), Err(Error::ClipBusy)));
        assert!(ClipLock::take(&locks, "b.mp4").is_ok(), "another clip is free");
        first.done();
        assert!(!locks.join("a.mp4.lock").exists(), "the lock file goes once the clip is in place");
        assert!(ClipLock::take(&locks, "a.mp4").is_ok());
    }
}
