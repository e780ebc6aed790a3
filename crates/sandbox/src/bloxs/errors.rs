//! Bloxs's error bodies: ASP.NET problem details (RFC 7807), with `errors: {path: [messages]}`
//! for validation failures.

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use uuid::Uuid;

pub const VALIDATION_TITLE: &str = "One or more validation errors occurred.";

/// The `type` ASP.NET gives a status.
fn type_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        401 => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        403 => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        404 => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        405 => "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        415 => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        500 => "https://tools.ietf.org/html/rfc9110#section-15.6.1",
        502 => "https://tools.ietf.org/html/rfc9110#section-15.6.3",
        503 => "https://tools.ietf.org/html/rfc9110#section-15.6.4",
        504 => "https://tools.ietf.org/html/rfc9110#section-15.6.5",
        _ => "about:blank",
    }
}

/// A trace id as ASP.NET writes it: `00-<32 hex>-<16 hex>-00`.
fn trace_id() -> String {
    let a = Uuid::new_v4().simple().to_string();
    let b = Uuid::new_v4().simple().to_string();
    format!("00-{a}-{}-00", &b[..16])
}

fn problem_json(status: StatusCode, body: Value) -> Response {
    let mut resp = (status, Json(body)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json; charset=utf-8"),
    );
    resp
}

/// `{"type", "title", "status", "traceId"}`.
pub fn problem(status: StatusCode, title: &str) -> Response {
    problem_json(
        status,
        json!({
            "type": type_for(status),
            "title": title,
            "status": status.as_u16(),
            "traceId": trace_id(),
        }),
    )
}

/// Validation errors by path (`ownerReference`, `lines[0].serviceItemName`), each path with
/// its messages in the order they were found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Errors(pub BTreeMap<String, Vec<String>>);

impl Errors {
    pub fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.entry(path.into()).or_default().push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, path: &str) -> bool {
        self.0.contains_key(path)
    }

    /// 400 `{"type", "title": "One or more validation errors occurred.", "status": 400,
    /// "errors", "traceId"}`.
    pub fn into_response(self) -> Response {
        validation(self)
    }
}

pub fn validation(errors: Errors) -> Response {
    problem_json(
        StatusCode::BAD_REQUEST,
        json!({
            "type": type_for(StatusCode::BAD_REQUEST),
            "title": VALIDATION_TITLE,
            "status": 400,
            "errors": errors.0,
            "traceId": trace_id(),
        }),
    )
}

/// One validation error.
pub fn invalid(path: &str, message: impl Into<String>) -> Response {
    let mut e = Errors::default();
    e.add(path, message);
    validation(e)
}

/// 401 for a missing, unknown or expired bearer token.
pub fn unauthorized() -> Response {
    let mut resp = problem(StatusCode::UNAUTHORIZED, "Unauthorized");
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    resp
}

/// 403 for a user whose role has no access to the API.
pub fn forbidden() -> Response {
    problem(StatusCode::FORBIDDEN, "Forbidden")
}

pub fn not_found() -> Response {
    problem(StatusCode::NOT_FOUND, "Not Found")
}

pub fn unsupported_media_type() -> Response {
    problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type")
}

/// The error body for an injected failure.
pub fn injected(status: StatusCode) -> Response {
    let title = match status.as_u16() {
        401 => "Unauthorized",
        429 => "Too Many Requests",
        500 => "An error occurred while processing your request.",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    problem(status, title)
}
