//! The request log: every request to a vendor stand-in (not to the `/__sandbox` hooks), with
//! its arrival time in milliseconds since the sandbox started (monotonic), so a test can count
//! requests per time window or check that a client did (or did not) send something.
//!
//! `GET /__sandbox/log` answers the entries as a JSON array of
//! `{"t_ms", "method", "path", "query", "status", "system", "duration_ms", "dropped",
//! "rate_limited"}`; `DELETE /__sandbox/log` clears it. `status` is the status the stand-in
//! produced; `dropped` tells that the connection was cut instead of answered; `rate_limited`
//! that the stand-in refused the request for its rate limit (without processing it).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{OriginalUri, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::kit::server::DropConnection;

#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub t_ms: u64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    pub system: String,
    pub duration_ms: u64,
    pub dropped: bool,
    pub rate_limited: bool,
}

/// Put this in a response's extensions to mark it as refused by a rate limit.
#[derive(Debug, Clone, Copy)]
pub struct RateLimited;

/// Decides which system a path belongs to; `None` means "do not log" (the hooks).
pub type Classifier = Arc<dyn Fn(&str) -> Option<&'static str> + Send + Sync>;

pub struct RequestLog {
    start: Instant,
    entries: Mutex<Vec<LogEntry>>,
}

impl RequestLog {
    pub fn new() -> Self {
        RequestLog {
            start: Instant::now(),
            entries: Mutex::new(Vec::new()),
        }
    }

    pub fn entries(&self) -> Vec<LogEntry> {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    fn push(&self, e: LogEntry) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(e);
    }
}

impl Default for RequestLog {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Clone)]
pub struct LogLayer {
    pub log: Arc<RequestLog>,
    pub classify: Classifier,
}

/// Middleware recording each request of a stand-in after it was answered.
pub async fn layer(State(layer): State<LogLayer>, req: Request, next: Next) -> Response {
    let uri = req
        .extensions()
        .get::<OriginalUri>()
        .map(|o| o.0.clone())
        .unwrap_or_else(|| req.uri().clone());
    let path = uri.path().to_string();
    let Some(system) = (layer.classify)(&path) else {
        return next.run(req).await;
    };
    let method = req.method().to_string();
    let arrived = Instant::now();
    let t_ms = arrived.duration_since(layer.log.start).as_millis() as u64;
    let resp = next.run(req).await;
    layer.log.push(LogEntry {
        t_ms,
        method,
        path,
        query: uri.query().map(str::to_string),
        status: resp.status().as_u16(),
        system: system.to_string(),
        duration_ms: arrived.elapsed().as_millis() as u64,
        dropped: resp.extensions().get::<DropConnection>().is_some(),
        rate_limited: resp.extensions().get::<RateLimited>().is_some(),
    });
    resp
}

pub async fn get_log(State(log): State<Arc<RequestLog>>) -> Json<Vec<LogEntry>> {
    Json(log.entries())
}

pub async fn clear_log(State(log): State<Arc<RequestLog>>) -> Response {
    log.clear();
    StatusCode::NO_CONTENT.into_response()
}
