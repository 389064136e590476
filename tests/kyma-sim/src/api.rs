//! The `/v1` endpoints: job creation with its validation order, job polling, the public
//! catalog and the account endpoints, behind authentication, the RPM window and the
//! injected faults.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::app::{SharedSim, Sim};
use crate::books::{Admission, ImageUrlKind, JobRequest};
use crate::catalog::{self, find_model, MAX_DURATION, MIN_DURATION};
use crate::error::ApiError;
use crate::faults::Injected;
use crate::images;
use crate::money::Micros;
use crate::provider;
use crate::wire;

const MAX_PROMPT_CHARS: usize = 4000;
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 128;
const QUEUE_FULL_RETRY_S: u64 = 5;

/// An admitted, authenticated request.
struct Caller {
    key_index: usize,
    /// The connection is to drop once the answer is computed.
    reset: bool,
}

/// Authentication, then the RPM window, then injected errors — before anything else.
fn admit(sim: &Sim, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim().to_string());
    let rpm = sim.config.rpm();
    let key_index = {
        let mut books = sim.books();
        books.stats.api_requests += 1;
        let Some(key) = key else {
            return Err(ApiError::unauthorized("Missing API key: send Authorization: Bearer <key>"));
        };
        let key_index = books.key_index(&key).ok_or_else(|| ApiError::unauthorized("Invalid API key"))?;
        if let Admission::Rejected(retry_after_s) = books.admit(key_index, Instant::now(), rpm) {
            return Err(rpm_exceeded(rpm, retry_after_s));
        }
        key_index
    };
    let (injected, reset) = sim.faults().draw_request();
    let mut books = sim.books();
    match injected {
        Some(Injected::Error(status)) => {
            books.stats.injected_error += 1;
            Err(ApiError::upstream(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY)))
        }
        Some(Injected::RateLimit) => {
            books.stats.injected_rate_limit += 1;
            Err(rpm_exceeded(rpm, 1))
        }
        None => {
            if reset {
                books.stats.injected_reset += 1;
            }
            Ok(Caller { key_index, reset })
        }
    }
}

fn rpm_exceeded(rpm: usize, retry_after_s: u64) -> ApiError {
    ApiError::rate_limited("rate_limited", format!("Rate limit exceeded ({rpm} requests per minute)"), retry_after_s)
}

/// Runs an authenticated endpoint: admission, the handler, then the reset fault.
async fn authenticated<F>(sim: &Sim, headers: &HeaderMap, handler: F) -> Response
where
    F: AsyncFnOnce(usize) -> Result<Response, ApiError>,
{
    let caller = match admit(sim, headers) {
        Ok(caller) => caller,
        Err(e) => return e.into_response(),
    };
    let response = handler(caller.key_index).await.unwrap_or_else(IntoResponse::into_response);
    if caller.reset {
        wire::reset(response).await
    } else {
        response
    }
}

pub async fn create_generation(State(sim): State<SharedSim>, headers: HeaderMap, body: Bytes) -> Response {
    sim.books().stats.posts += 1;
    let answer = authenticated(&sim, &headers, async |key_index| create(&sim, key_index, &body).await).await;
    // A new job exists and its hold is taken; the answer can still come late (a POST in flight).
    let delay = sim.faults().profile().answer_delay_ms;
    if delay > 0 && answer.status() == StatusCode::ACCEPTED {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    answer
}

/// The creation steps in the contract's order: shape, model, prompt, duration, image, extra
/// (as the model's provider would check it), idempotency key, replay, balance, queue cap.
async fn create(sim: &Sim, key_index: usize, body: &[u8]) -> Result<Response, ApiError> {
    let fields = parse_fields(body)?;
    let model_id = fields.model.ok_or_else(|| ApiError::invalid("invalid_request", "model is required"))?;
    let model = find_model(&model_id).ok_or_else(|| {
        ApiError::not_found("model_not_found", format!("Unknown model '{model_id}'; GET /v1/models lists the models"))
    })?;
    let prompt = fields.prompt.unwrap_or_default();
    if prompt.trim().is_empty() {
        return Err(ApiError::invalid("invalid_prompt", "prompt is required"));
    }
    if prompt.chars().count() > MAX_PROMPT_CHARS {
        return Err(ApiError::invalid("invalid_prompt", "prompt must be at most 4000 characters"));
    }
    let duration = match &fields.duration {
        None => 5,
        Some(n) => whole_seconds(n).ok_or_else(|| {
            ApiError::invalid("invalid_duration", "duration must be a whole number of seconds from 1 to 10")
        })?,
    };
    let image = match &fields.image_url {
        None => None,
        Some(url) => Some(images::resolve(url, sim.config.allow_loopback_http, &sim.fetcher).await?),
    };
    let provider = provider::provider(model.id).ok_or_else(|| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "api_error", "no_provider", "This model has no provider")
    })?;
    let (wanted, mut problems) =
        provider.check(fields.extra.as_ref().and_then(Value::as_object), fields.image_url.is_some());
    let mut end_image = None;
    if let Some((name, url)) = &wanted.end_image {
        match images::resolve_field(name, url, sim.config.allow_loopback_http, &sim.fetcher).await {
            Ok(resolved) => end_image = resolved.image,
            Err(e) => problems.push(format!("{}.", e.message)),
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid_extra(model.id, provider.fal, problems));
    }
    let start_size = image.as_ref().and_then(|r| r.image.as_ref()).map(|i| (i.width, i.height));
    let (width, height) = provider.frame(wanted.aspect, start_size);
    if let Some(key) = &fields.idempotency_key {
        if key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS {
            return Err(ApiError::invalid("invalid_idempotency_key", "idempotency_key must be at most 128 characters"));
        }
    }
    let now = sim.clock.now();
    let mut books = sim.books();
    if let Some(key) = &fields.idempotency_key {
        if let Some(index) = books.replayed(key_index, key) {
            let job = sim.view(&mut books, index);
            return Ok((StatusCode::OK, Json(job)).into_response());
        }
    }
    let cost = model.cost(duration);
    let balance = books.accounts.get(key_index).map(|a| a.balance).unwrap_or(Micros(0));
    if balance < cost {
        return Err(ApiError::insufficient_balance(format!(
            "Insufficient balance: this clip needs ${:.6}, the balance is ${:.6}. Top up to continue.",
            cost.usd(),
            balance.usd()
        )));
    }
    if books.open_jobs(key_index) >= sim.config.queue_cap() {
        books.stats.queue_full_refusals += 1;
        return Err(ApiError::rate_limited(
            "queue_full",
            format!("Too many video jobs in flight (queue cap {}); wait for some to finish", sim.config.queue_cap()),
            QUEUE_FULL_RETRY_S,
        ));
    }
    let fate = sim.faults().draw_fate();
    let (image_url_kind, image_url, start_image) = match image {
        None => (ImageUrlKind::None, None, None),
        Some(r) => (r.kind, r.url, r.image),
    };
    let request = JobRequest {
        model,
        prompt,
        duration,
        idempotency_key: fields.idempotency_key,
        extra: fields.extra,
        image_url_kind,
        image_url,
        image: start_image,
        width,
        height,
        end_image,
    };
    let index = books.create_job(key_index, request, fate, now, sim.life());
    let job = sim.view(&mut books, index);
    Ok((StatusCode::ACCEPTED, Json(job)).into_response())
}

/// The POST body's fields, type-checked; JSON null counts as absent.
struct Fields {
    model: Option<String>,
    prompt: Option<String>,
    duration: Option<serde_json::Number>,
    image_url: Option<String>,
    idempotency_key: Option<String>,
    extra: Option<Value>,
}

fn parse_fields(body: &[u8]) -> Result<Fields, ApiError> {
    let invalid = |why: &str| ApiError::invalid("invalid_request", why.to_string());
    let value: Value = serde_json::from_slice(body).map_err(|_| invalid("The body must be a JSON object"))?;
    let Value::Object(map) = value else {
        return Err(invalid("The body must be a JSON object"));
    };
    let text = |name: &str| -> Result<Option<String>, ApiError> {
        match map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(&format!("{name} must be a string"))),
        }
    };
    let duration = match map.get("duration") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.clone()),
        Some(_) => return Err(invalid("duration must be a number")),
    };
    let extra = match map.get("extra") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(v.clone()),
        Some(_) => return Err(invalid("extra must be an object")),
    };
    Ok(Fields {
        model: text("model")?,
        prompt: text("prompt")?,
        duration,
        image_url: text("image_url")?,
        idempotency_key: text("idempotency_key")?,
        extra,
    })
}

/// 5 and 5.0 are five seconds; 5.5 and 11 are not durations.
fn whole_seconds(n: &serde_json::Number) -> Option<i64> {
    let seconds = match n.as_i64() {
        Some(i) => i,
        None => {
            let f = n.as_f64()?;
            if f.fract() != 0.0 || !(MIN_DURATION as f64..=MAX_DURATION as f64).contains(&f) {
                return None;
            }
            f as i64
        }
    };
    (MIN_DURATION..=MAX_DURATION).contains(&seconds).then_some(seconds)
}

pub async fn get_job(State(sim): State<SharedSim>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let id = crate::app::last_segment(&id).to_string();
    authenticated(&sim, &headers, async |key_index| {
        let mut books = sim.books();
        let index = books
            .job_index(&id)
            .filter(|i| books.jobs[*i].key_index == key_index)
            .ok_or_else(|| ApiError::not_found("job_not_found", format!("No job '{id}'")))?;
        if sim.faults().profile().hostile == Some(crate::faults::Hostile::JsonBomb) {
            let depth = 1 << 20;
            let bomb = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            return Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], bomb).into_response());
        }
        books.jobs[index].polls += 1;
        let job = sim.view(&mut books, index);
        Ok(Json(job).into_response())
    })
    .await
}

pub async fn auth_limits(State(sim): State<SharedSim>, headers: HeaderMap) -> Response {
    authenticated(&sim, &headers, async |key_index| {
        let books = sim.books();
        let used = books.rpm_used(key_index, Instant::now());
        let balance = books.accounts.get(key_index).map(|a| a.balance).unwrap_or(Micros(0));
        let body = json!({
            "rpm_limit": sim.config.rpm(),
            "rpm_used": used,
            "rpm_remaining": sim.config.rpm().saturating_sub(used),
            "has_credits": balance.0 > 0,
            "used_today": books.used_today(key_index, sim.clock.now(), &sim.clock).usd(),
            "tier": sim.config.tier(),
            "video_concurrent": sim.config.concurrent(),
            "video_queue_cap": sim.config.queue_cap(),
        });
        Ok(Json(body).into_response())
    })
    .await
}

pub async fn balance(State(sim): State<SharedSim>, headers: HeaderMap) -> Response {
    authenticated(&sim, &headers, async |key_index| {
        let balance = sim.books().accounts.get(key_index).map(|a| a.balance).unwrap_or(Micros(0));
        Ok(Json(json!({ "balance": balance.usd(), "currency": "USD" })).into_response())
    })
    .await
}

pub async fn pricing() -> Response {
    let mut response = Json(catalog::pricing_catalog()).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    response
}

pub async fn models() -> Json<Value> {
    Json(catalog::model_list())
}

pub async fn tiers() -> Json<Value> {
    Json(catalog::tier_table())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: Value) -> serde_json::Number {
        match v {
            Value::Number(n) => n,
            _ => unreachable!(),
        }
    }

    #[test]
    fn durations_must_be_whole_seconds_in_range() {
        assert_eq!(whole_seconds(&n(json!(5))), Some(5));
        assert_eq!(whole_seconds(&n(json!(5.0))), Some(5));
        assert_eq!(whole_seconds(&n(json!(5.5))), None);
        assert_eq!(whole_seconds(&n(json!(0))), None);
        assert_eq!(whole_seconds(&n(json!(11))), None);
        assert_eq!(whole_seconds(&n(json!(-3))), None);
        assert_eq!(whole_seconds(&n(json!(1e300))), None);
    }
}
