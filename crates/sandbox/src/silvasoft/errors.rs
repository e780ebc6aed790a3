//! Silvasoft's response conventions: `{"errorCode", "errorMessage"}` for errors, a JSON array
//! for found data, an empty body for "nothing found".

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

/// The error codes this stand-in answers with. `UNAUTHORIZED` and `INVALID_JSON` are the
/// documented ones; the others are assumptions (Silvasoft documents no list).
pub const UNAUTHORIZED: &str = "UNAUTHORIZED";
pub const INVALID_JSON: &str = "INVALID_JSON";
pub const INVALID_PARAMETER: &str = "INVALID_PARAMETER";
pub const NOT_FOUND: &str = "NOT_FOUND";
pub const UNSUPPORTED_MEDIA_TYPE: &str = "UNSUPPORTED_MEDIA_TYPE";
pub const TECHNICAL_ERROR: &str = "TECHNICAL_ERROR";

pub const INVALID_CREDENTIALS: &str = "Invalid authentication credentials";
pub const RATELIMIT_EXCEEDED: &str = "Ratelimit exceeded";
pub const JSON_IS_INCORRECT: &str = "JSON is incorrect";

/// A refusal: HTTP status, `errorCode`, `errorMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 `INVALID_PARAMETER`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, INVALID_PARAMETER, message)
    }

    /// 400 `INVALID_JSON` with the generic text.
    pub fn bad_json() -> Self {
        Self::new(StatusCode::BAD_REQUEST, INVALID_JSON, JSON_IS_INCORRECT)
    }

    /// 400 `INVALID_JSON` in the words of the org.json reader Silvasoft uses
    /// (`JSONObject["SubTotalInclTax"] is not a number.`).
    pub fn json_type(field: &str, what: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            INVALID_JSON,
            format!("JSONObject[\"{field}\"] is not {what}."),
        )
    }

    pub fn into_response(self) -> Response {
        error(self.status, self.code, &self.message)
    }
}

/// A JSON body with `Content-Type: application/json`.
pub fn json(status: StatusCode, body: &Value) -> Response {
    raw(status, body.to_string())
}

fn raw(status: StatusCode, body: String) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// `{"errorCode", "errorMessage"}`.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json(status, &json!({"errorCode": code, "errorMessage": message}))
}

/// 401 for a missing or wrong `Username`/`ApiKey`, and for an expired trial.
pub fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, UNAUTHORIZED, INVALID_CREDENTIALS)
}

/// 401 for a request over the rate limit.
pub fn rate_limited() -> Response {
    error(StatusCode::UNAUTHORIZED, UNAUTHORIZED, RATELIMIT_EXCEEDED)
}

/// A GET that found nothing: 200 with an empty body.
pub fn empty() -> Response {
    raw(StatusCode::OK, String::new())
}

/// A list answer: the array, or an empty body when it has no rows.
pub fn list(rows: Vec<Value>) -> Response {
    if rows.is_empty() {
        empty()
    } else {
        json(StatusCode::OK, &Value::Array(rows))
    }
}

pub fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        NOT_FOUND,
        "The requested endpoint does not exist",
    )
}

/// The error body for an injected failure.
pub fn injected(status: StatusCode) -> Response {
    let (code, message) = match status.as_u16() {
        401 => (UNAUTHORIZED, INVALID_CREDENTIALS),
        429 => ("TOO_MANY_REQUESTS", "Too many requests"),
        500 => (TECHNICAL_ERROR, "A technical error occurred"),
        502 => (TECHNICAL_ERROR, "Bad Gateway"),
        503 => (TECHNICAL_ERROR, "Service temporarily unavailable"),
        504 => (TECHNICAL_ERROR, "Gateway Timeout"),
        _ => (
            TECHNICAL_ERROR,
            status.canonical_reason().unwrap_or("Technical error"),
        ),
    };
    error(status, code, message)
}
