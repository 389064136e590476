//! The wire contract with Kyma: request and response shapes, parsed tolerantly.
//! Every assumption the docs leave open (Part 2 of `shared/kyma-api.md`) lives here, and only here.

use super::money::Micros;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Kyma's documented limits on a request.
pub const MAX_PROMPT_CHARS: usize = 4000;
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 128;
pub const MIN_DURATION_S: u32 = 1;
pub const MAX_DURATION_S: u32 = 10;
pub const DEFAULT_DURATION_S: u32 = 5;

/// The fields our types know in each of Kyma's answers (read, or known and deliberately not
/// read), and those Kyma's reference documents. `kyma live-smoke` reports every field Kyma sent
/// that is not known here, and every documented one it left out.
pub mod fields {
    /// The job object; `job_id` is an alias we accept.
    pub const JOB: &[&str] = &[
        "id",
        "job_id",
        "object",
        "status",
        "model",
        "created_at",
        "completed_at",
        "output",
        "error",
        "estimated_cost",
        "charged_amount",
    ];
    pub const JOB_DOCUMENTED: &[&str] = &[
        "id",
        "object",
        "status",
        "model",
        "created_at",
        "completed_at",
        "output",
        "error",
        "estimated_cost",
        "charged_amount",
    ];
    /// `output` when it is an object.
    pub const OUTPUT: &[&str] = &["url", "video_url", "urls"];
    pub const OUTPUT_DOCUMENTED: &[&str] = &["url"];
    /// `/auth/limits`: both documented field sets, and our assumed tier fields.
    pub const LIMITS: &[&str] = &[
        "rpm_limit",
        "rpm_used",
        "rpm_remaining",
        "has_credits",
        "used_today",
        "limit",
        "remaining",
        "resets_at",
        "tier",
        "video_concurrent",
        "video_queue_cap",
    ];
    pub const PRICING: &[&str] = &["object", "text", "media"];
    pub const PRICING_DOCUMENTED: &[&str] = &["object", "text", "media"];
    /// One video entry of the catalog's `media`.
    pub const PRICED: &[&str] = &["id", "name", "modality", "pricing_mode", "usd_per_call", "detail"];
    pub const PRICED_DOCUMENTED: &[&str] = &["id", "name", "modality", "pricing_mode", "usd_per_call", "detail"];
    pub const PRICED_DETAIL: &[&str] = &[
        "min_duration_sec",
        "max_duration_sec",
        "allowed_durations",
        "aspect_ratios",
        "extra_params",
        "audio",
        "resolution",
        "image_input",
        "best_for",
    ];
    pub const PRICED_DETAIL_DOCUMENTED: &[&str] = &["min_duration_sec", "max_duration_sec", "allowed_durations"];
    /// `/credits/balance` (undocumented; what other Kyma clients read).
    pub const BALANCE: &[&str] = &["balance", "balance_usd", "credits", "amount", "currency", "low_balance"];

    /// `what.field` for each field of `v` not in `known`, and each of `documented` not in `v`.
    pub fn drift(what: &str, v: &serde_json::Value, known: &[&str], documented: &[&str]) -> (Vec<String>, Vec<String>) {
        let Some(map) = v.as_object() else {
            return (vec![], vec![format!("{what} (not a JSON object)")]);
        };
        let unknown = map.keys().filter(|k| !known.contains(&k.as_str())).map(|k| format!("{what}.{k}")).collect();
        let missing = documented.iter().filter(|k| !map.contains_key(**k)).map(|k| format!("{what}.{k}")).collect();
        (unknown, missing)
    }
}

/// The body of `POST /v1/videos/generations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateRequest {
    pub model: String,
    pub prompt: String,
    pub duration: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    pub idempotency_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra: Option<Value>,
}

/// A job's status as Kyma reports it. Unknown values are kept verbatim and treated as running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteStatus {
    Pending,
    Processing,
    Succeeded,
    Failed,
    Refunded,
    Expired,
    Other(String),
}

impl RemoteStatus {
    pub fn parse(s: &str) -> RemoteStatus {
        match s.to_ascii_lowercase().as_str() {
            "pending" | "queued" => RemoteStatus::Pending,
            "processing" | "running" | "in_progress" => RemoteStatus::Processing,
            "succeeded" | "completed" | "success" => RemoteStatus::Succeeded,
            "failed" | "error" => RemoteStatus::Failed,
            "refunded" => RemoteStatus::Refunded,
            "expired" | "timed_out" => RemoteStatus::Expired,
            _ => RemoteStatus::Other(s.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            RemoteStatus::Pending => "pending",
            RemoteStatus::Processing => "processing",
            RemoteStatus::Succeeded => "succeeded",
            RemoteStatus::Failed => "failed",
            RemoteStatus::Refunded => "refunded",
            RemoteStatus::Expired => "expired",
            RemoteStatus::Other(s) => s,
        }
    }
}

/// The job object of the POST answer and of `GET /v1/jobs/{id}`, after tolerant parsing.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteJob {
    pub id: String,
    pub status: RemoteStatus,
    pub output_url: Option<String>,
    pub error: Option<RemoteError>,
    pub estimated_cost: Option<Micros>,
    pub charged_amount: Option<Micros>,
    pub created_at: Option<String>,
    pub completed_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteError {
    pub message: String,
    pub code: Option<String>,
}

/// Why a job object could not be read. Carried into `api::Error::Protocol`.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeError(pub String);

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn usd_field(v: &Value, key: &str) -> Result<Option<Micros>, ShapeError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .and_then(Micros::from_usd)
            .filter(|m| m.0 >= 0)
            .map(Some)
            .ok_or_else(|| ShapeError(format!("`{key}` is not a sensible amount: {n}"))),
        // Some APIs send money as strings ("0.7560"); accept that too.
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(Micros::from_usd)
            .filter(|m| m.0 >= 0)
            .map(Some)
            .ok_or_else(|| ShapeError(format!("`{key}` is not a sensible amount: {s:?}"))),
        Some(other) => Err(ShapeError(format!("`{key}` is not a number: {other}"))),
    }
}

/// `output.url`; also a plain string `output`, `output.video_url` and `output.urls[0]`.
fn output_url(v: &Value) -> Option<String> {
    let out = v.get("output")?;
    let url = match out {
        Value::String(s) => Some(s.as_str()),
        Value::Object(_) => {
            str_field(out, "url").or_else(|| str_field(out, "video_url")).or_else(|| out.get("urls")?.get(0)?.as_str())
        }
        _ => None,
    }?;
    Some(url.to_string()).filter(|s| !s.is_empty())
}

impl RemoteJob {
    pub fn from_value(v: &Value) -> Result<RemoteJob, ShapeError> {
        if !v.is_object() {
            return Err(ShapeError("the job is not a JSON object".into()));
        }
        let id = str_field(v, "id")
            .or_else(|| str_field(v, "job_id"))
            .ok_or_else(|| ShapeError("the job has no `id`".into()))?;
        if id.len() > 256 {
            return Err(ShapeError("the job id is implausibly long".into()));
        }
        let status = str_field(v, "status")
            .map(RemoteStatus::parse)
            .ok_or_else(|| ShapeError("the job has no `status`".into()))?;
        let error = match v.get("error") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(RemoteError { message: s.clone(), code: None }),
            Some(e) => Some(RemoteError {
                message: str_field(e, "message").unwrap_or("no reason given").to_string(),
                code: str_field(e, "code").map(str::to_string),
            }),
        };
        Ok(RemoteJob {
            id: id.to_string(),
            status,
            output_url: output_url(v),
            error,
            estimated_cost: usd_field(v, "estimated_cost")?,
            charged_amount: usd_field(v, "charged_amount")?,
            created_at: str_field(v, "created_at").map(str::to_string),
            completed_at: str_field(v, "completed_at").map(str::to_string),
        })
    }
}

/// An error body: `{"error": {"message", "code", "type", "cta_url", "details": {"topup_url"}}}`.
/// Falls back to the raw text when it is not JSON.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ErrorBody {
    pub message: String,
    pub code: Option<String>,
    pub kind: Option<String>,
    pub cta_url: Option<String>,
}

impl ErrorBody {
    pub fn parse(text: &str) -> ErrorBody {
        let parsed: Option<Value> = serde_json::from_str(text).ok();
        let err = parsed.as_ref().and_then(|v| v.get("error").or(Some(v)));
        match err {
            Some(e @ Value::Object(_)) => {
                let cta = str_field(e, "cta_url")
                    .or_else(|| e.get("details").and_then(|d| str_field(d, "topup_url")))
                    .map(str::to_string);
                let mut message = str_field(e, "message").unwrap_or("").to_string();
                if let Some(errs) = e.get("details").and_then(|d| d.get("validation_errors")) {
                    if let Some(list) = errs.as_array() {
                        let parts: Vec<String> = list
                            .iter()
                            .map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string()))
                            .collect();
                        if !parts.is_empty() {
                            message = format!("{message} ({})", parts.join("; "));
                        }
                    }
                }
                ErrorBody {
                    message: clip(&message),
                    code: str_field(e, "code").map(str::to_string),
                    kind: str_field(e, "type").map(str::to_string),
                    cta_url: cta,
                }
            }
            Some(Value::String(s)) => ErrorBody { message: clip(s), ..Default::default() },
            _ => ErrorBody { message: clip(text.trim()), ..Default::default() },
        }
    }
}

/// Server text shown to people is kept short: a hostile server could send megabytes.
fn clip(s: &str) -> String {
    const MAX: usize = 300;
    let s = s.trim();
    if s.chars().count() <= MAX {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX).collect();
    out.push('…');
    out
}

/// `GET /v1/auth/limits`, whichever of the documented field sets is present.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Limits {
    pub rpm_limit: Option<u32>,
    pub rpm_remaining: Option<u32>,
    pub has_credits: Option<bool>,
    /// Our assumption: how many unfinished video jobs the key may have at Kyma at once.
    pub video_queue_cap: Option<u32>,
    /// Our assumption: how many of them Kyma runs at once (the tier's video concurrency).
    pub video_concurrent: Option<u32>,
    pub tier: Option<u32>,
}

impl Limits {
    pub fn from_value(v: &Value) -> Limits {
        let u = |k: &str| v.get(k).and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
        Limits {
            rpm_limit: u("rpm_limit").or_else(|| u("limit")),
            rpm_remaining: u("rpm_remaining").or_else(|| u("remaining")),
            has_credits: v.get("has_credits").and_then(Value::as_bool),
            video_queue_cap: u("video_queue_cap"),
            video_concurrent: u("video_concurrent"),
            tier: u("tier"),
        }
    }
}

/// One video SKU of `GET /v1/pricing`'s `media` list.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedModel {
    pub id: String,
    pub name: Option<String>,
    pub rate: Micros,
    pub allowed_durations: Option<Vec<u32>>,
    pub min_duration: Option<u32>,
    pub max_duration: Option<u32>,
    /// `detail.audio`, `detail.resolution`, `detail.image_input`, `detail.best_for` where the
    /// catalog says them (assumed names; the bundled table holds otherwise).
    pub audio: Option<bool>,
    pub resolution: Option<String>,
    pub image_input: Option<bool>,
    pub best_for: Option<String>,
    /// Assumed names (Kyma documents none): `detail.aspect_ratios` (strings) and
    /// `detail.extra_params` (the `extra` keys the model takes). Absent: the bundled table holds.
    pub options: super::shot::LiveOptions,
}

/// A JSON array of strings (other entries skipped); `None` when it is not an array.
fn strings_of(v: &Value) -> Option<Vec<String>> {
    Some(v.as_array()?.iter().filter_map(Value::as_str).map(str::to_string).collect())
}

/// Reads the video SKUs of the pricing catalog; entries that are not per-second video are skipped.
pub fn parse_pricing(v: &Value) -> Result<Vec<PricedModel>, ShapeError> {
    let media = v
        .get("media")
        .and_then(Value::as_array)
        .ok_or_else(|| ShapeError("the pricing catalog has no `media` list".into()))?;
    let mut out = Vec::new();
    for m in media {
        let video = m.get("modality").and_then(Value::as_str) == Some("video");
        let per_second = m.get("pricing_mode").and_then(Value::as_str).is_none_or(|p| p == "per-second");
        let (Some(id), true, true) = (str_field(m, "id"), video, per_second) else {
            continue;
        };
        let Some(rate) = m.get("usd_per_call").and_then(Value::as_f64).and_then(Micros::from_usd) else {
            continue;
        };
        if rate.0 <= 0 {
            continue;
        }
        let detail = m.get("detail");
        let du = |k: &str| detail.and_then(|d| d.get(k)).and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
        let allowed = detail.and_then(|d| d.get("allowed_durations")).and_then(Value::as_array).map(|a| {
            let mut v: Vec<u32> = a
                .iter()
                .filter_map(Value::as_u64)
                .filter_map(|n| u32::try_from(n).ok())
                .filter(|n| (MIN_DURATION_S..=MAX_DURATION_S).contains(n))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        });
        out.push(PricedModel {
            id: id.to_string(),
            name: str_field(m, "name").map(str::to_string),
            rate,
            allowed_durations: allowed.filter(|v| !v.is_empty()),
            min_duration: du("min_duration_sec"),
            max_duration: du("max_duration_sec"),
            audio: detail.and_then(|d| d.get("audio")).and_then(Value::as_bool),
            resolution: detail.and_then(|d| str_field(d, "resolution")).map(str::to_string),
            image_input: detail.and_then(|d| d.get("image_input")).and_then(Value::as_bool),
            best_for: detail.and_then(|d| str_field(d, "best_for")).map(str::to_string),
            options: super::shot::LiveOptions {
                aspect_ratios: detail.and_then(|d| strings_of(d.get("aspect_ratios")?)),
                extra_params: detail.and_then(|d| strings_of(d.get("extra_params")?)),
            },
        });
    }
    Ok(out)
}

/// The balance in a `/credits/balance` body, read tolerantly (its shape is undocumented): the
/// first of `balance`, `balance_usd`, `credits`, `amount`, at the top or under `data`, as a number
/// or a numeric string (`"12.50"`, `"$12.50"`). None when nothing there is a finite amount in USD
/// (another `currency` is not USD: better no figure than a wrong one).
pub fn parse_balance(v: &Value) -> Option<Micros> {
    let body = v.get("data").filter(|d| d.is_object()).unwrap_or(v);
    if let Some(c) = body.get("currency").and_then(Value::as_str) {
        if !c.trim().eq_ignore_ascii_case("usd") {
            return None;
        }
    }
    ["balance", "balance_usd", "credits", "amount"].iter().find_map(|k| {
        let usd = match body.get(*k)? {
            Value::Number(n) => n.as_f64()?,
            Value::String(s) => s.trim().trim_start_matches('$').replace(',', "").parse::<f64>().ok()?,
            _ => return None,
        };
        Micros::from_usd(usd)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_documented_job() {
        let v = json!({ "id": "v3a9", "object": "video.job", "status": "succeeded", "model": "kling-3-pro",
            "created_at": "2026-04-26T10:00:00.000Z", "completed_at": null,
            "output": {"url": "https://cdn/x.mp4"}, "error": null, "estimated_cost": 0.7560, "charged_amount": 0.756 });
        let j = RemoteJob::from_value(&v).unwrap();
        assert_eq!(j.id, "v3a9");
        assert_eq!(j.status, RemoteStatus::Succeeded);
        assert_eq!(j.output_url.as_deref(), Some("https://cdn/x.mp4"));
        assert_eq!(j.estimated_cost, Some(Micros(756_000)));
        assert_eq!(j.charged_amount, Some(Micros(756_000)));
    }

    #[test]
    fn tolerates_aliases_and_unknowns() {
        let v = json!({"job_id": "j1", "status": "warming_up", "output": "https://a/b.mp4", "extra_field": 1});
        let j = RemoteJob::from_value(&v).unwrap();
        assert_eq!(j.id, "j1");
        assert_eq!(j.status, RemoteStatus::Other("warming_up".into()));
        assert_eq!(j.output_url.as_deref(), Some("https://a/b.mp4"));
        let v = json!({"id": "j2", "status": "succeeded", "output": {"urls": ["https://u/1.mp4"]}});
        assert_eq!(RemoteJob::from_value(&v).unwrap().output_url.as_deref(), Some("https://u/1.mp4"));
        let v = json!({"id": "j3", "status": "succeeded", "output": {"video_url": "https://v"}});
        assert_eq!(RemoteJob::from_value(&v).unwrap().output_url.as_deref(), Some("https://v"));
    }

    #[test]
    fn refuses_what_is_not_a_job() {
        assert!(RemoteJob::from_value(&json!([1, 2])).is_err());
        assert!(RemoteJob::from_value(&json!({"status": "pending"})).is_err());
        assert!(RemoteJob::from_value(&json!({"id": "x"})).is_err());
        assert!(RemoteJob::from_value(&json!({"id": "x", "status": "pending", "estimated_cost": -1})).is_err());
        assert!(RemoteJob::from_value(&json!({"id": "x", "status": "pending", "estimated_cost": "lots"})).is_err());
    }

    #[test]
    fn error_bodies() {
        let e = ErrorBody::parse(
            r#"{"error":{"message":"Insufficient balance","code":"insufficient_balance","details":{"topup_url":"https://kymaapi.com/billing"}}}"#,
        );
        assert_eq!(e.message, "Insufficient balance");
        assert_eq!(e.code.as_deref(), Some("insufficient_balance"));
        assert_eq!(e.cta_url.as_deref(), Some("https://kymaapi.com/billing"));
        let e = ErrorBody::parse("<html>Bad gateway</html>");
        assert_eq!(e.message, "<html>Bad gateway</html>");
        let e = ErrorBody::parse(&"x".repeat(100_000));
        assert!(e.message.chars().count() <= 301);
        let e = ErrorBody::parse(
            r#"{"error":{"message":"Invalid","details":{"validation_errors":["duration must be 5 or 10"]}}}"#,
        );
        assert_eq!(e.message, "Invalid (duration must be 5 or 10)");
    }

    #[test]
    fn balance_is_read_tolerantly() {
        let b = |s: &str| parse_balance(&serde_json::from_str(s).unwrap());
        assert_eq!(b(r#"{"balance": 12.5, "currency": "USD"}"#), Some(Micros(12_500_000)));
        assert_eq!(b(r#"{"balance": "$1,012.50"}"#), Some(Micros(1_012_500_000)));
        assert_eq!(b(r#"{"data": {"balance_usd": 0.326565}}"#), Some(Micros(326_565)));
        assert_eq!(b(r#"{"credits": 3}"#), Some(Micros(3_000_000)));
        assert_eq!(b(r#"{"balance": 5, "currency": "EUR"}"#), None, "not dollars: no figure");
        for none in [r#"{}"#, r#"{"balance": null}"#, r#"{"balance": "lots"}"#, r#"{"balance": true}"#, r#"[1]"#] {
            assert_eq!(b(none), None, "{none}");
        }
    }

    #[test]
    fn limits_in_both_shapes() {
        let a = Limits::from_value(&json!({"rpm_limit": 300, "rpm_remaining": 299, "has_credits": true}));
        assert_eq!(a.rpm_limit, Some(300));
        let b = Limits::from_value(&json!({"limit": 30, "remaining": 12, "resets_at": "x"}));
        assert_eq!(b.rpm_limit, Some(30));
        assert_eq!(b.rpm_remaining, Some(12));
    }

    #[test]
    fn pricing_keeps_video_per_second_skus() {
        let v = json!({"object": "pricing.catalog", "text": [], "media": [
            {"id": "kling-3-pro", "modality": "video", "pricing_mode": "per-second", "usd_per_call": 0.1512,
             "detail": {"min_duration_sec": 1, "max_duration_sec": 10, "allowed_durations": [5, 10]}},
            {"id": "veo-3", "modality": "video", "pricing_mode": "per-second", "usd_per_call": 0.5,
             "detail": {"allowed_durations": [4, 6, 8]}},
            {"id": "flux", "modality": "image", "usd_per_call": 0.03},
            {"id": "bad", "modality": "video", "usd_per_call": "free"}]});
        let p = parse_pricing(&v).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].rate, Micros(151_200));
        assert_eq!(p[0].allowed_durations, Some(vec![5, 10]));
        assert_eq!(p[1].allowed_durations, Some(vec![4, 6, 8]));
        assert_eq!(p[0].options, Default::default());
        let v = json!({"media": [{"id": "seedance-2-fast", "modality": "video", "usd_per_call": 0.3,
            "detail": {"aspect_ratios": ["9:16", 3], "extra_params": ["seed"], "audio": true, "resolution": "720p"}}]});
        let p = parse_pricing(&v).unwrap();
        assert_eq!(p[0].options.aspect_ratios, Some(vec!["9:16".to_string()]));
        assert_eq!(p[0].options.extra_params, Some(vec!["seed".to_string()]));
        assert_eq!((p[0].audio, p[0].resolution.as_deref(), p[0].image_input), (Some(true), Some("720p"), None));
    }
}
