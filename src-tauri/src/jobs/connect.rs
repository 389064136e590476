//! How both faces, the `kyma` CLI and the app, build the engine and put it in touch with Kyma: a
//! client for a key and an API base sharing one RPM limiter, and the key's limits from
//! `/auth/limits` adopted (its RPM by the limiter, its queue cap by the engine). The app reads
//! them again when the key, the API address or the key's tier changes.

use super::{Engine, EngineConfig, Error};
use crate::api::limiter::RateLimiter;
use crate::api::retry::RetryPolicy;
use crate::api::{self, ApiKey, Catalog, Client, Limits};
use std::sync::Arc;

/// Where and as whom the engine talks to Kyma.
#[derive(Clone)]
pub struct Kyma {
    pub base: String,
    pub key: ApiKey,
    /// One per process: every client of the key shares Kyma's per-minute budget.
    pub limiter: Arc<RateLimiter>,
}

impl Kyma {
    /// A client for this key and base; fails only on a malformed base or key.
    pub fn client(&self) -> Result<Client, api::Error> {
        Client::with_policy(&self.base, self.key.clone(), RetryPolicy::default(), self.limiter.clone())
    }
}

/// Starts the engine (which resumes every unfinished generation), connected to Kyma when given a
/// key: the key is proven and its limits adopted before the engine opens the library, so a
/// refused key writes nothing and no job goes out under the default queue cap. The one way both
/// faces build the engine.
pub async fn start_engine(config: EngineConfig, catalog: Catalog, kyma: Option<&Kyma>) -> Result<Engine, Error> {
    let Some(kyma) = kyma else {
        return Engine::start_with(config, None, catalog);
    };
    let client = kyma.client()?;
    let limits = read_limits(&client).await?;
    let mut config = config;
    if let Some(cap) = queue_cap(&limits) {
        config.queue_cap = cap;
    }
    if let Some(n) = limits.video_concurrent {
        config.running_slots = (n as usize).max(1);
    }
    Engine::start_with(config, Some(client), catalog)
}

/// Applies the key's limits to a running engine: its queue cap (how many unfinished jobs may be
/// at Kyma at once) and running slots, or the defaults when Kyma states none, so a previous account's cap never
/// lingers. (The RPM went to the shared limiter when the limits were read.)
pub fn apply_limits(engine: &Engine, limits: &Limits) {
    engine.set_queue_cap(queue_cap(limits).unwrap_or(EngineConfig::DEFAULT_QUEUE_CAP));
    engine.set_running_slots(limits.video_concurrent.map_or(EngineConfig::DEFAULT_RUNNING_SLOTS, |n| n as usize));
}

/// `/auth/limits` in 3 quick tries (it proves a key before it is kept, and a refresh should not
/// hold up anything); the RPM it states goes to the client's limiter at once.
pub async fn read_limits(client: &Client) -> Result<Limits, api::Error> {
    client.with_retry(RetryPolicy { max_tries: 3, ..RetryPolicy::default() }).adopt_limits().await
}

/// How many unfinished jobs the key may have at Kyma at once.
fn queue_cap(limits: &Limits) -> Option<usize> {
    limits.video_queue_cap.map(|cap| cap.max(1) as usize)
}
