//! The error answers of the simulated API, all in the shape
//! `{"error":{"message","type","code"}}` (kyma-api.md, Part 2).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

pub const TOPUP_URL: &str = "https://kymaapi.com/billing";

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub code: &'static str,
    pub message: String,
    pub retry_after_s: Option<u64>,
    /// Extra members of the error object (e.g. `details`, `cta_url`).
    pub extra: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, kind, code, message: message.into(), retry_after_s: None, extra: None }
    }

    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", code, message)
    }

    /// 422 `invalid_extra`: `extra` holds keys or values the model's provider refuses, one
    /// sentence per problem in `details.validation_errors`.
    pub fn invalid_extra(model: &str, provider: &str, problems: Vec<String>) -> Self {
        let message = format!("extra is not valid for {model} ({provider} at fal): {}", problems.join(" "));
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request_error", "invalid_extra", message);
        e.extra = Some(json!({ "details": { "validation_errors": problems } }));
        e
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "authentication_error", "invalid_api_key", message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "invalid_request_error", code, message)
    }

    pub fn rate_limited(code: &'static str, message: impl Into<String>, retry_after_s: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limit", code, message);
        e.retry_after_s = Some(retry_after_s);
        e
    }

    pub fn upstream(status: StatusCode) -> Self {
        Self::new(
            status,
            "api_error",
            "upstream_error",
            "The provider returned an error; retry or try a different model",
        )
    }

    pub fn insufficient_balance(message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::PAYMENT_REQUIRED, "insufficient_balance", "insufficient_balance", message);
        e.extra = Some(json!({ "details": { "topup_url": TOPUP_URL }, "cta_url": TOPUP_URL }));
        e
    }

    pub fn body(&self) -> Value {
        let mut error = json!({ "message": self.message, "type": self.kind, "code": self.code });
        if let (Some(Value::Object(extra)), Some(obj)) = (&self.extra, error.as_object_mut()) {
            for (k, v) in extra {
                obj.insert(k.clone(), v.clone());
            }
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        if let Some(secs) = self.retry_after_s {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
