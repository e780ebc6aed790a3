//! Mollie's error bodies (`error-response`): `{"status", "title", "detail", "field"?,
//! "_links": {"documentation"}}` as `application/hal+json`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// Where Mollie's errors point to.
pub const DOCUMENTATION: &str = "https://docs.mollie.com/overview/handling-errors";

/// The detail of a 429.
pub const RATE_LIMIT_DETAIL: &str =
    "You have exceeded the rate limit. Please slow down your requests.";

/// A JSON body as `application/hal+json`.
pub fn hal(status: StatusCode, body: Value) -> Response {
    let mut resp = (status, Json(body)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/hal+json"),
    );
    resp
}

/// The error body itself.
pub fn body(status: StatusCode, detail: &str, field: Option<&str>) -> Value {
    let mut b = json!({
        "status": status.as_u16(),
        "title": status.canonical_reason().unwrap_or("Error"),
        "detail": detail,
        "_links": {"documentation": {"href": DOCUMENTATION, "type": "text/html"}},
    });
    if let (Some(f), Value::Object(m)) = (field, &mut b) {
        m.insert("field".into(), json!(f));
    }
    b
}

pub fn error(status: StatusCode, detail: &str, field: Option<&str>) -> Response {
    hal(status, body(status, detail, field))
}

/// A refusal of one field: 422 with `field` (an empty field: of the whole request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub detail: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            detail: detail.into(),
        }
    }
}

/// 401: no credentials, or unknown ones.
pub fn unauthorized() -> Response {
    let mut resp = error(
        StatusCode::UNAUTHORIZED,
        "Missing authentication, or failed to authenticate",
        None,
    );
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"Mollie API\""),
    );
    resp
}

/// 403: known credentials without the rights this call needs.
pub fn forbidden(detail: &str) -> Response {
    error(StatusCode::FORBIDDEN, detail, None)
}

/// 404 for an id that does not exist (or not for these credentials and this mode).
pub fn no_entity(id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("No entity exists with token '{id}'"),
        None,
    )
}

pub fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "The requested resource does not exist",
        None,
    )
}

pub fn bad_request(detail: &str, field: Option<&str>) -> Response {
    error(StatusCode::BAD_REQUEST, detail, field)
}

/// The error body for an injected failure (429 with Mollie's own detail).
pub fn injected(status: StatusCode) -> Response {
    let detail = match status.as_u16() {
        429 => RATE_LIMIT_DETAIL,
        401 => "Missing authentication, or failed to authenticate",
        500 => "An internal server error occurred while processing your request",
        502..=504 => "The service is temporarily unavailable",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    error(status, detail, None)
}
