//! `/_sim`: what tests read and steer — the ledger, the jobs with the requests that made
//! them, start images, balances, the fault profile and counters. No authentication; never
//! shows an API key.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::SharedSim;
use crate::catalog;
use crate::error::ApiError;
use crate::faults::FaultProfile;
use crate::money::Micros;

pub async fn ledger(State(sim): State<SharedSim>, Query(query): Query<HashMap<String, String>>) -> Response {
    let books = sim.books();
    let selected: Vec<usize> = match query.get("api_key") {
        None => (0..books.accounts.len()).collect(),
        Some(key) => match books.key_index(key) {
            Some(i) => vec![i],
            None => return ApiError::not_found("unknown_api_key", "No such api_key").into_response(),
        },
    };
    let balance: i64 = selected.iter().filter_map(|i| books.accounts.get(*i)).map(|a| a.balance.0).sum();
    let entries: Vec<Value> = books
        .ledger
        .iter()
        .filter(|e| selected.contains(&e.key_index))
        .map(|e| {
            json!({
                "job_id": e.job_id,
                "idempotency_key": e.idempotency_key,
                "kind": e.kind.as_str(),
                "micros": e.micros,
                "at": sim.clock.stamp(e.at),
                "key_index": e.key_index,
            })
        })
        .collect();
    Json(json!({ "balance_micros": balance, "entries": entries })).into_response()
}

pub async fn jobs(State(sim): State<SharedSim>) -> Json<Value> {
    let now = sim.clock.now();
    let books = sim.books();
    let jobs: Vec<Value> = books
        .jobs
        .iter()
        .map(|job| {
            let r = &job.request;
            json!({
                "id": job.id,
                "status": books.status(job, now),
                "model": r.model.id,
                "duration": r.duration,
                "prompt": r.prompt,
                "idempotency_key": r.idempotency_key,
                "image_url_kind": r.image_url_kind.as_str(),
                "image_url": r.image_url,
                "image": r.image.as_ref().map(|i| json!({
                    "width": i.width, "height": i.height, "sha256": i.sha256,
                })),
                "width": r.width,
                "height": r.height,
                "end_image": r.end_image.as_ref().map(|i| json!({
                    "width": i.width, "height": i.height, "sha256": i.sha256,
                })),
                "extra": r.extra,
                "created_at": sim.clock.stamp(job.created),
                "started_at": job.slot_at.map(|t| sim.clock.stamp(t)),
                "run_seconds": job.run_time.as_secs_f64(),
                "completed_at": job.settled_at.map(|t| sim.clock.stamp(t)),
                "charged_micros": job.charged.map(|c| c.0),
                "hold_micros": job.hold.0,
                "fate": job.fate.as_str(),
                "late_url": job.late_url,
                "key_index": job.key_index,
                "polls": job.polls,
                "downloads": job.downloads,
                "range_starts": job.range_starts,
            })
        })
        .collect();
    Json(Value::Array(jobs))
}

pub async fn job_image(State(sim): State<SharedSim>, Path(id): Path<String>) -> Response {
    let image = {
        let books = sim.books();
        books.job_index(&id).and_then(|i| books.jobs[i].request.image.clone())
    };
    match image {
        Some(image) => {
            let mime = match image.ext {
                "jpg" => "image/jpeg".to_string(),
                ext => format!("image/{ext}"),
            };
            ([(header::CONTENT_TYPE, mime)], image.bytes.clone()).into_response()
        }
        None => ApiError::not_found("image_not_found", format!("Job '{id}' has no start image")).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetBalance {
    api_key: String,
    balance_micros: i64,
}

pub async fn set_balance(State(sim): State<SharedSim>, body: Bytes) -> Response {
    let request: SetBalance = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return ApiError::invalid("invalid_request", e.to_string()).into_response(),
    };
    let mut books = sim.books();
    let Some(account) = books.accounts.iter_mut().find(|a| a.key == request.api_key) else {
        return ApiError::not_found("unknown_api_key", "No such api_key").into_response();
    };
    account.balance = Micros(request.balance_micros);
    Json(json!({ "balance_micros": request.balance_micros })).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetLimits {
    tier: Option<u32>,
    rpm: Option<usize>,
    concurrent: Option<usize>,
}

/// `PUT /_sim/limits {"tier": N, "rpm": N, "concurrent": N}`: the key's tier changed (its RPM,
/// running slots and queue cap become that tier's; `rpm` and `concurrent` override them); clients
/// learn it from `/v1/auth/limits`. More running slots start waiting jobs at once.
pub async fn set_limits(State(sim): State<SharedSim>, body: Bytes) -> Response {
    use std::sync::atomic::Ordering::Relaxed;
    let request = match serde_json::from_slice::<SetLimits>(&body) {
        Ok(r) => r,
        Err(e) => return ApiError::invalid("invalid_request", e.to_string()).into_response(),
    };
    if request.rpm == Some(0) {
        return ApiError::invalid("invalid_request", "rpm must be at least 1").into_response();
    }
    if let Some(tier) = request.tier {
        let Some((rpm, concurrent, queue_cap)) = catalog::tier_limits(tier) else {
            return ApiError::invalid("invalid_request", format!("there is no tier {tier}")).into_response();
        };
        sim.config.tier.store(tier, Relaxed);
        sim.config.rpm.store(rpm.max(1), Relaxed);
        sim.config.concurrent.store(concurrent.max(1), Relaxed);
        sim.config.queue_cap.store(queue_cap, Relaxed);
    }
    if let Some(rpm) = request.rpm {
        sim.config.rpm.store(rpm, Relaxed);
    }
    if let Some(n) = request.concurrent {
        sim.config.concurrent.store(n.max(1), Relaxed);
    }
    let now = sim.clock.now();
    sim.books().advance(now, sim.life());
    let c = &sim.config;
    Json(json!({ "tier": c.tier(), "rpm": c.rpm(), "concurrent": c.concurrent(), "queue_cap": c.queue_cap() }))
        .into_response()
}

pub async fn get_faults(State(sim): State<SharedSim>) -> Json<FaultProfile> {
    Json(sim.faults().profile().clone())
}

pub async fn put_faults(State(sim): State<SharedSim>, body: Bytes) -> Response {
    let profile: FaultProfile = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => return ApiError::invalid("invalid_faults", e.to_string()).into_response(),
    };
    if let Err(why) = profile.validate() {
        return ApiError::invalid("invalid_faults", why).into_response();
    }
    sim.faults().replace(profile.clone());
    (StatusCode::OK, Json(profile)).into_response()
}

pub async fn stats(State(sim): State<SharedSim>) -> Json<Value> {
    let books = sim.books();
    let s = &books.stats;
    Json(json!({
        "api_requests": s.api_requests,
        "rpm_rejections": s.rpm_rejections,
        "max_requests_in_60s": s.max_requests_in_60s,
        "injected": {
            "error": s.injected_error,
            "rate_limit": s.injected_rate_limit,
            "reset": s.injected_reset,
            "truncate": s.injected_truncate,
        },
        "downloads": s.downloads,
        "range_downloads": s.range_downloads,
        "expired_url_refusals": s.expired_url_refusals,
        "bytes_served": s.bytes_served,
        "posts": s.posts,
        "jobs_created": s.jobs_created,
        "queue_full_refusals": s.queue_full_refusals,
        "max_open_jobs": s.max_open_jobs,
    }))
}

/// `GET /_sim/requests`: the newest `/v1` requests, oldest first, each path exactly as sent.
pub async fn requests(State(sim): State<SharedSim>) -> Json<Value> {
    let list: Vec<Value> =
        sim.requests().into_iter().map(|(method, path)| json!({ "method": method, "path": path })).collect();
    Json(Value::Array(list))
}
