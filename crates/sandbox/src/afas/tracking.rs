//! The `Tracking-Identifier` header: the first response for an identifier is kept and replayed
//! for every later request with the same identifier, without processing that request again.
//! Requests with the same identifier are serialised, so concurrent duplicates are processed
//! once. Every response the handler produced is kept (also 400 and `Failed`), as AFAS
//! documents "The response will be the same as the first response"; the answers of the
//! authentication and version checks that run before it are not.

use std::future::Future;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use uuid::Uuid;

use super::errors;
use super::Afas;

#[derive(Debug, Clone)]
pub struct Cached {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: bytes::Bytes,
}

impl Cached {
    fn replay(&self) -> Response {
        let mut r = Response::new(Body::from(self.body.clone()));
        *r.status_mut() = self.status;
        for (k, v) in &self.headers {
            r.headers_mut().insert(k.clone(), v.clone());
        }
        r.headers_mut()
            .insert("x-sandbox-replayed", HeaderValue::from_static("true"));
        r
    }
}

/// Parses the header; `Err` is the 400 answer for a value that is not a uuid.
pub fn identifier(headers: &HeaderMap) -> Result<Option<Uuid>, Response> {
    let Some(v) = headers.get("tracking-identifier") else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or("").trim();
    if s.len() == 36 {
        if let Ok(u) = Uuid::parse_str(s) {
            return Ok(Some(u));
        }
    }
    Err(errors::bad_request(&format!(
        "Tracking-Identifier '{s}' is not a valid uuid."
    )))
}

/// Runs `f` once per tracking identifier and replays its response afterwards.
///
/// The work runs in its own task, as on a real server: a client that disconnects (gives up
/// waiting) does not stop it, and a retry with the same identifier waits for it and gets its
/// answer.
pub async fn once<F, Fut>(afas: &Afas, headers: &HeaderMap, f: F) -> Response
where
    F: FnOnce(Option<Uuid>) -> Fut + Send + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let id = match identifier(headers) {
        Ok(Some(id)) => id,
        Ok(None) => return join(tokio::spawn(f(None))).await,
        Err(r) => return r,
    };
    let slot = crate::kit::shared::lock(&afas.tracking)
        .entry(id)
        .or_default()
        .clone();
    join(tokio::spawn(async move {
        let mut guard = slot.lock_owned().await;
        if let Some(c) = guard.as_ref() {
            return c.replay();
        }
        let resp = f(Some(id)).await;
        let (parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        *guard = Some(Cached {
            status: parts.status,
            headers: parts
                .headers
                .iter()
                .filter(|(k, _)| *k != axum::http::header::CONTENT_LENGTH)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            body: bytes.clone(),
        });
        // The extensions (a DropConnection marker among them) stay with this first answer only.
        Response::from_parts(parts, Body::from(bytes))
    }))
    .await
}

async fn join(task: tokio::task::JoinHandle<Response>) -> Response {
    match task.await {
        Ok(r) => r,
        Err(_) => errors::injected(StatusCode::INTERNAL_SERVER_ERROR),
    }
}
