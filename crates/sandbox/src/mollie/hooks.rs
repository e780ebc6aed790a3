//! `/__sandbox/mollie/*`: what tests ask the stand-in (see the module documentation).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::invoice::timestamp;
use super::{base_of, Mollie};
use crate::kit::hooks::{hook_error, Hooks};

pub fn router(m: Arc<Mollie>) -> Router {
    Hooks::<Mollie>::new()
        .route("invoices", get(invoices))
        .route("received", get(received))
        .route("status", post(set_status))
        .route("stats", get(stats))
        .build(m)
}

async fn invoices(State(m): State<Arc<Mollie>>, headers: HeaderMap) -> Json<Vec<Value>> {
    let base = base_of(&headers);
    let data = m.data.read();
    Json(
        data.invoices
            .iter()
            .filter(|i| i.received)
            .map(|i| {
                json!({
                    "id": i.id,
                    "profile_id": i.profile_id,
                    "mode": if i.test { "test" } else { "live" },
                    "status": i.status,
                    "invoice_number": i.invoice_number,
                    "deleted": i.deleted,
                    "answer": i.to_json(&base),
                })
            })
            .collect(),
    )
}

async fn received(State(m): State<Arc<Mollie>>) -> Json<Vec<Value>> {
    let data = m.data.read();
    Json(
        data.received
            .iter()
            .map(|r| {
                json!({
                    "method": r.method,
                    "path": r.path,
                    "idempotency_key": r.idempotency_key,
                    "body": r.body,
                    "status": r.status,
                    "replayed": r.replayed,
                    "invoice_id": r.invoice_id,
                    "at": timestamp(r.at),
                })
            })
            .collect(),
    )
}

/// `{"id", "status"}`: sets an invoice's status as Mollie would (`overdue`, `paid`, …).
async fn set_status(State(m): State<Arc<Mollie>>, body: Bytes) -> Response {
    let obj = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(o)) => o,
        _ => return hook_error(StatusCode::BAD_REQUEST, "expected a JSON object"),
    };
    if let Some(k) = obj.keys().find(|k| !matches!(k.as_str(), "id" | "status")) {
        return hook_error(StatusCode::BAD_REQUEST, format!("unknown member {k}"));
    }
    let (Some(id), Some(status)) = (
        obj.get("id").and_then(Value::as_str),
        obj.get("status").and_then(Value::as_str),
    ) else {
        return hook_error(StatusCode::BAD_REQUEST, "id and status must be strings");
    };
    if status.is_empty() {
        return hook_error(StatusCode::BAD_REQUEST, "status must not be empty");
    }
    let mut data = m.data.write();
    let now = chrono::Utc::now();
    let found = data.invoices.update(&id.to_string(), |inv| {
        inv.status = status.to_string();
        inv.stamp(now);
        inv.issued_at
    });
    match found {
        Some(issued) => {
            let needs_number = data
                .invoices
                .get(&id.to_string())
                .is_some_and(|i| i.invoice_number.is_none());
            if let (Some(at), true) = (issued, needs_number) {
                let (profile, test) = data
                    .invoices
                    .get(&id.to_string())
                    .map(|i| (i.profile_id.clone(), i.test))
                    .unwrap_or_default();
                let number = data.next_number(&profile, test, at);
                data.invoices
                    .update(&id.to_string(), |i| i.invoice_number = Some(number));
            }
            Json(json!({"id": id, "status": status})).into_response()
        }
        None => hook_error(StatusCode::NOT_FOUND, "no such sales invoice"),
    }
}

async fn stats(State(m): State<Arc<Mollie>>) -> Response {
    let data = m.data.read();
    let mut counts: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for i in data.invoices.iter().filter(|i| !i.deleted) {
        let key = format!("{}/{}", i.profile_id, if i.test { "test" } else { "live" });
        *counts
            .entry(key)
            .or_default()
            .entry(i.status.clone())
            .or_default() += 1;
    }
    Json(json!({
        "invoices": counts,
        "received": data.received.len(),
        "created_through_the_api": data.invoices.iter().filter(|i| i.received).count(),
        "idempotency_keys": data.kept.len(),
    }))
    .into_response()
}
