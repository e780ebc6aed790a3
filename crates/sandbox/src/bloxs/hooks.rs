//! `/__sandbox/bloxs/*`: what tests ask the stand-in (see the module documentation).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Map, Value};

use super::data::{organisation, person, relation_reference, timestamp, Data, Kind, Relation};
use super::{Bloxs, WORKFLOW_STATES};
use crate::kit::hooks::{self, hook_error, Hooks, Mutation};

pub fn router(b: Arc<Bloxs>) -> Router {
    Hooks::<Bloxs>::new()
        .route("invoices", get(invoices))
        .route("services", get(invoices))
        .route(
            "workflow_state",
            get(workflow_state).post(set_workflow_state),
        )
        .route("stats", get(stats))
        .route("mutate", post(mutate))
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

// ---------------------------------------------------------------------------------------------
// mutate

/// Applies `fields` (API member names) to a relation of the given kind.
fn apply(r: &mut Relation, fields: &Map<String, Value>) -> Result<(), String> {
    for (k, v) in fields {
        match (k.as_str(), r.kind) {
            ("name", Kind::Organisation) => r.name = hooks::required_non_empty(v, k)?,
            ("firstName", Kind::Person) => {
                r.first_name = hooks::required_non_empty(v, k)?;
                r.name = format!("{} {}", r.first_name, r.last_name);
            }
            ("lastName", Kind::Person) => {
                r.last_name = hooks::required_non_empty(v, k)?;
                r.name = format!("{} {}", r.first_name, r.last_name);
            }
            ("email", _) => r.email = hooks::non_empty(v, k)?,
            ("phoneNumber", _) => r.phone = hooks::non_empty(v, k)?,
            ("vatNumber", Kind::Organisation) => r.vat_number = hooks::non_empty(v, k)?,
            ("chamberOfCommerceNumber", _) => r.coc_number = hooks::non_empty(v, k)?,
            ("isActive", _) => r.is_active = hooks::boolean(v, k)?,
            _ => return Err(format!("{k} cannot be set on this relation")),
        }
    }
    Ok(())
}

fn change(
    data: &mut Data,
    kind: Kind,
    m: &Mutation,
    f: impl FnOnce(&mut Relation) -> Result<(), String>,
) -> Result<Vec<String>, String> {
    let id = m
        .body
        .get("id")
        .and_then(Value::as_str)
        .ok_or("id (a relation reference) is required")?
        .to_string();
    let mut copy = match data.relations.get(&id) {
        Some(r) if r.kind == kind => r.clone(),
        _ => return Err(format!("no {} with reference {id}", m.entity)),
    };
    f(&mut copy)?;
    copy.last_modified = Utc::now();
    data.relations.update(&id, |r| *r = copy);
    Ok(vec![id])
}

/// `{"entity": "units", "action": "update", "id": reference, "fields": {"ownerReference": owner}}`:
/// a unit moved to another owner in Bloxs after the app cached it.
fn mutate_unit(b: &Bloxs, m: &Mutation) -> Response {
    if m.action != "update" {
        return hook_error(StatusCode::BAD_REQUEST, "a unit can only be updated");
    }
    let Some(id) = m.body.get("id").and_then(Value::as_str) else {
        return hook_error(StatusCode::BAD_REQUEST, "id (a unit reference) is required");
    };
    let owner = match m.fields.get("ownerReference").and_then(Value::as_str) {
        Some(o) if m.fields.len() == 1 && !o.trim().is_empty() => o.to_string(),
        _ => {
            return hook_error(
                StatusCode::BAD_REQUEST,
                "fields must be {\"ownerReference\": an owner}",
            )
        }
    };
    let mut data = b.data.write();
    let Some(unit) = data.units.iter_mut().find(|u| u.reference == id) else {
        return hook_error(
            StatusCode::BAD_REQUEST,
            format!("no unit with reference {id}"),
        );
    };
    unit.owner = owner;
    let record = unit.to_json();
    m.answer(1, std::iter::once(record), Map::new())
}

/// `{"entity": "persons"|"organisations", "action": "create"|"update"|"archive"|"unarchive",
/// "count"?, "id"?: reference, "fields"?: {API member: value}}`; every change sets
/// `lastModified` to now.
async fn mutate(State(b): State<Arc<Bloxs>>, body: Bytes) -> Response {
    let m = match Mutation::read(
        &body,
        &["entity", "action", "count", "id", "fields"],
        &["persons", "organisations", "units"],
        "entity must be persons, organisations or units",
    ) {
        Ok(m) => m,
        Err(r) => return r,
    };
    if m.entity == "units" {
        return mutate_unit(&b, &m);
    }
    let kind = if m.entity == "persons" {
        Kind::Person
    } else {
        Kind::Organisation
    };
    let mut data = b.data.write();
    let data = &mut *data;
    let outcome: Result<Vec<String>, String> = match m.action.as_str() {
        "create" => m.count().and_then(|n| {
            let mut made = Vec::new();
            for _ in 0..n {
                let reference = relation_reference(data.relations.len() + 1);
                let mut r = match kind {
                    Kind::Person => person(&mut data.rng, reference.clone()),
                    Kind::Organisation => organisation(&mut data.rng, reference.clone()),
                };
                r.is_active = true;
                apply(&mut r, &m.fields)?;
                r.last_modified = Utc::now();
                data.relations.insert(r);
                made.push(reference);
            }
            Ok(made)
        }),
        "update" => change(data, kind, &m, |r| apply(r, &m.fields)),
        "archive" => change(data, kind, &m, |r| {
            r.is_active = false;
            Ok(())
        }),
        "unarchive" => change(data, kind, &m, |r| {
            r.is_active = true;
            Ok(())
        }),
        _ => Err("action must be create, update, archive or unarchive".into()),
    };
    match outcome {
        Ok(ids) => {
            let records = ids
                .iter()
                .filter_map(|id| data.relations.get(id).map(Relation::to_json));
            m.answer(ids.len(), records, Map::new())
        }
        Err(e) => hook_error(StatusCode::BAD_REQUEST, e),
    }
}
