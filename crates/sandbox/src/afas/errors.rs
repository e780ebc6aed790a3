//! AFAS SB's response shapes: the exception object (`StatusCode`, `Message`, `TraceId`,
//! `AdditionalInfo.ExceptionType`) and the update-connector result (`result`, `traceId`,
//! `data`, `errors`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use uuid::Uuid;

/// A trace id as AFAS prints it in exception objects (32 hex digits).
pub fn trace_id() -> String {
    Uuid::new_v4().simple().to_string()
}

/// A JSON response with AFAS' headers; `version` becomes `Content-Version`.
pub fn json_response(status: StatusCode, body: &Value, version: Option<&str>) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Some(v) = version.and_then(|v| HeaderValue::from_str(v).ok()) {
        h.insert("content-version", v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// `{"StatusCode", "Message", "TraceId", "AdditionalInfo": {"ExceptionType"}}`.
pub fn exception(status: StatusCode, message: &str, exception_type: &str) -> Response {
    json_response(
        status,
        &json!({
            "StatusCode": status.as_u16(),
            "Message": message,
            "TraceId": trace_id(),
            "AdditionalInfo": {"ExceptionType": exception_type},
        }),
        Some("1"),
    )
}

pub fn unauthenticated() -> Response {
    let msg = "Er is geen ingelogde gebruiker.";
    json_response(
        StatusCode::UNAUTHORIZED,
        &json!({
            "StatusCode": 401,
            "Message": msg,
            "TraceId": trace_id(),
            "Details": format!("Afas.Core.Exceptions.NotAuthenticatedException: {msg}\r\nStatusCode: Unauthorized (401)"),
            "AdditionalInfo": {"ExceptionType": "NotAuthenticatedException"},
        }),
        Some("1"),
    )
}

/// HTTP 400 "Invalid JSON request ..." with code DS3100.
pub fn deserialization(detail: &str, definition: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({
            "StatusCode": 400,
            "Message": format!("Invalid JSON request {detail}"),
            "ExceptionCode": "DS3100",
            "TraceId": trace_id(),
            "AdditionalInfo": {
                "ExceptionType": "DeserializationException",
                "DefinitionName": definition,
                "PropertyNames": "",
            },
        }),
        Some("1"),
    )
}

pub fn invalid_filter() -> Response {
    exception(
        StatusCode::BAD_REQUEST,
        "Ongeldig gebruikersfilter.",
        "AntaUserException",
    )
}

pub fn bad_request(message: &str) -> Response {
    exception(StatusCode::BAD_REQUEST, message, "AntaUserException")
}

pub fn not_found() -> Response {
    exception(
        StatusCode::NOT_FOUND,
        "De opgevraagde resource bestaat niet.",
        "NotFoundException",
    )
}

/// The error body for an injected failure.
pub fn injected(status: StatusCode) -> Response {
    let message = match status.as_u16() {
        429 => "Too many requests.",
        500 => "Er is een onverwachte fout opgetreden.",
        502 => "Bad Gateway",
        503 => "De service is tijdelijk niet beschikbaar.",
        504 => "Gateway Timeout",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    exception(status, message, "InternalServerException")
}

/// One entry of `errors`: `{"<Entity>": "<message>"}` or a bare string.
#[derive(Debug, Clone, PartialEq)]
pub enum BusinessError {
    Entity(&'static str, String),
    Text(String),
}

impl BusinessError {
    fn to_json(&self) -> Value {
        match self {
            BusinessError::Entity(e, m) => json!({ *e: m }),
            BusinessError::Text(m) => json!(m),
        }
    }
}

/// `{"result", "traceId", "data", "errors"}` with HTTP 200.
pub fn result(result: &str, data: Value, errors: &[BusinessError]) -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "result": result,
            "traceId": Uuid::new_v4().to_string(),
            "data": data,
            "errors": errors.iter().map(BusinessError::to_json).collect::<Vec<_>>(),
        }),
        Some("2.0"),
    )
}
