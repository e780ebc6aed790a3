//! `/__sandbox/bloxs/*`: what tests ask the stand-in (see the module documentation).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::data::{timestamp, Kind};
use super::{Bloxs, WORKFLOW_STATES};
use crate::kit::hooks::{hook_error, Hooks};

pub fn router(b: Arc<Bloxs>) -> Router {
    Hooks::<Bloxs>::new()
        .route("invoices", get(invoices))
        .route("services", get(invoices))
        .route(
            "workflow_state",
            get(workflow_state).post(set_workflow_state),
        )
        .route("stats", get(stats))
        .build(b)
}

async fn invoices(State(b): State<Arc<Bloxs>>) -> Json<Vec<Value>> {
    let data = b.data.read();
    Json(
        data.services
            .iter()
            .map(|s| {
                json!({
                    "reference": s.reference,
                    "external_identifier": s.external_identifier,
                    "workflow_state": s.detail["workflowState"],
                    "received_at": timestamp(s.received_at),
                    "detail": s.detail,
                    "body": s.body,
                })
            })
            .collect(),
    )
}

async fn workflow_state(State(b): State<Arc<Bloxs>>) -> Response {
    Json(json!({"workflow_state": b.workflow_state()})).into_response()
}

/// `{"workflow_state": N}` for new services, or `{"reference", "workflow_state"}` for one.
async fn set_workflow_state(State(b): State<Arc<Bloxs>>, body: Bytes) -> Response {
    let obj = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(m)) => m,
        _ => return hook_error(StatusCode::BAD_REQUEST, "expected a JSON object"),
    };
    if let Some(k) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "workflow_state" | "reference"))
    {
        return hook_error(StatusCode::BAD_REQUEST, format!("unknown member {k}"));
    }
    let state = match obj
        .get("workflow_state")
        .and_then(Value::as_i64)
        .and_then(|n| i32::try_from(n).ok())
    {
        Some(s) if WORKFLOW_STATES.contains(&s) => s,
        _ => {
            return hook_error(
                StatusCode::BAD_REQUEST,
                "workflow_state must be one of 1, 2, 3, 4, 7, 9, 10, 11",
            )
        }
    };
    match obj.get("reference") {
        None => {
            b.set_workflow_state(state);
            Json(json!({"workflow_state": state})).into_response()
        }
        Some(Value::String(r)) => {
            let mut data = b.data.write();
            match data.services.iter_mut().find(|s| s.reference == *r) {
                Some(s) => {
                    if let Value::Object(m) = &mut s.detail {
                        m.insert("workflowState".into(), json!(state));
                    }
                    Json(json!({"reference": r, "workflow_state": state})).into_response()
                }
                None => hook_error(StatusCode::NOT_FOUND, "no such sales invoice service"),
            }
        }
        Some(_) => hook_error(StatusCode::BAD_REQUEST, "reference must be a string"),
    }
}

async fn stats(State(b): State<Arc<Bloxs>>) -> Response {
    let data = b.data.read();
    let count = |kind: Kind, active: bool| {
        data.relations
            .iter()
            .filter(|r| r.kind == kind && r.is_active == active)
            .count()
    };
    Json(json!({
        "owners": data.owners.len(),
        "persons": count(Kind::Person, true),
        "organisations": count(Kind::Organisation, true),
        "inactive_persons": count(Kind::Person, false),
        "inactive_organisations": count(Kind::Organisation, false),
        "contracts": data.contracts.len(),
        "units": data.units.len(),
        "ledger_accounts": data.ledger_accounts.len(),
        "service_items": data.service_items.len(),
        "services_received": data.services.len(),
        "next_workflow_state": b.workflow_state(),
        "valid_tokens": b.valid_tokens(),
        "token_ttl_secs": b.cfg.token_ttl_secs,
    }))
    .into_response()
}
