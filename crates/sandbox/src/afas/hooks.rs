//! `/__sandbox/afas/*`: what tests ask the stand-in (see the module documentation).

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::data::{gen_organisation, gen_person, gen_product, new_uuid, Data, Record, VatType};
use super::query::parse_query;
use super::Afas;
use crate::faults::FaultPatch;

pub fn router(afas: Arc<Afas>) -> Router {
    Router::new()
        .route("/__sandbox/afas/invoices", get(invoices))
        .route("/__sandbox/afas/blobs", get(blob_list))
        .route("/__sandbox/afas/blobs/{id}", get(blob_bytes))
        .route("/__sandbox/afas/oauth/approve", get(approve))
        .route(
            "/__sandbox/afas/faults",
            get(faults_get).post(faults_post).delete(faults_delete),
        )
        .route("/__sandbox/afas/mutate", post(mutate))
        .route("/__sandbox/afas/stats", get(stats))
        .with_state(afas)
}

fn hook_error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({"error": msg.into()}))).into_response()
}

async fn invoices(State(afas): State<Arc<Afas>>) -> Json<Vec<Value>> {
    let data = afas.data();
    Json(
        data.invoices
            .rows
            .iter()
            .filter(|i| !i.historic)
            .map(|i| {
                json!({
                    "id": i.id,
                    "number": i.number,
                    "tracking_identifier": i.tracking_identifier,
                    "body": i.body,
                    "raw_body": i.raw_body,
                    "received_at": i.received_at.to_rfc3339(),
                    "amounts": i.amounts.to_hook_json(),
                    "administration_id": i.administration_id,
                    "relation_type": i.relation_type.as_str(),
                    "relation_id": i.relation_id,
                    "status": i.status,
                    "result": i.result,
                    "to_be_invoiced": i.to_be_invoiced,
                    "deleted": i.deleted,
                    "attachments": i.attachments,
                })
            })
            .collect(),
    )
}

async fn blob_list(State(afas): State<Arc<Afas>>) -> Json<Vec<Value>> {
    let blobs = afas.blobs();
    let mut list: Vec<_> = blobs.values().collect();
    list.sort_by_key(|b| (b.reserved_at, b.id));
    Json(
        list.into_iter()
            .map(|b| {
                json!({
                    "id": b.id,
                    "filename": b.filename,
                    "content_type": b.content_type,
                    "length": b.length,
                    "received": b.data.len(),
                    "complete": b.complete(),
                    "chunks": b.chunks,
                })
            })
            .collect(),
    )
}

async fn blob_bytes(State(afas): State<Arc<Afas>>, Path(id): Path<String>) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return hook_error(StatusCode::BAD_REQUEST, "not a uuid");
    };
    match afas.blobs().get(&id) {
        Some(b) => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            b.data.clone(),
        )
            .into_response(),
        None => hook_error(StatusCode::NOT_FOUND, "no such blob"),
    }
}

async fn approve(State(afas): State<Arc<Afas>>, RawQuery(q): RawQuery) -> Response {
    let params: HashMap<String, String> = parse_query(q.as_deref()).into_iter().collect();
    let Some(state) = params.get("state") else {
        return hook_error(StatusCode::BAD_REQUEST, "state is required");
    };
    match afas.approve_by_state(state) {
        Some(a) => {
            Json(json!({"location": a.location, "code": a.code, "state": a.state})).into_response()
        }
        None => hook_error(
            StatusCode::NOT_FOUND,
            "no pending consent request with this state",
        ),
    }
}

async fn faults_get(State(afas): State<Arc<Afas>>) -> Response {
    Json(afas.faults.settings()).into_response()
}

async fn faults_delete(State(afas): State<Arc<Afas>>) -> Response {
    afas.faults.reset();
    Json(afas.faults.settings()).into_response()
}

async fn faults_post(State(afas): State<Arc<Afas>>, body: Bytes) -> Response {
    let mut obj: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(Value::Object(m)) => m,
        _ => return hook_error(StatusCode::BAD_REQUEST, "expected a JSON object"),
    };
    let expire = match obj.remove("expire_tokens") {
        None => false,
        Some(Value::Bool(b)) => b,
        Some(_) => return hook_error(StatusCode::BAD_REQUEST, "expire_tokens must be a boolean"),
    };
    let patch: FaultPatch = match serde_json::from_value(Value::Object(obj)) {
        Ok(p) => p,
        Err(e) => return hook_error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let settings = match afas.faults.apply(patch) {
        Ok(s) => s,
        Err(e) => return hook_error(StatusCode::BAD_REQUEST, e),
    };
    let expired = if expire { afas.auth().expire_all() } else { 0 };
    let mut v = serde_json::to_value(settings).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("tokens_expired".into(), json!(expired));
    }
    Json(v).into_response()
}

async fn stats(State(afas): State<Arc<Afas>>) -> Response {
    let data = afas.data();
    Json(json!({
        "persons": data.persons.len(),
        "organisations": data.organisations.len(),
        "unknownrelations": data.unknown.len(),
        "products_per_admin": data.products_per_admin,
        "products": data.products.len(),
        "addresses": data.addresses.len(),
        "administrations": data.administrations.rows.iter().map(|a| a.id).collect::<Vec<_>>(),
        "invoices_received": data.invoices.rows.iter().filter(|i| !i.historic).count(),
        "generation_ms": afas.generation_ms,
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// mutate

type Fields = Map<String, Value>;

/// A mass creation answers the first rows only.
const MAX_RECORDS_ANSWERED: usize = 1000;

fn field_str(v: &Value, name: &str) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(format!("{name} must be a string or null")),
    }
}

fn field_req_str(v: &Value, name: &str) -> Result<String, String> {
    field_str(v, name)?.ok_or_else(|| format!("{name} must be a string"))
}

fn field_bool(v: &Value, name: &str) -> Result<bool, String> {
    v.as_bool()
        .ok_or_else(|| format!("{name} must be a boolean"))
}

fn field_decimal(v: &Value, name: &str) -> Result<Decimal, String> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err(format!("{name} must be a number")),
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| format!("{name} must be a number"))
}

/// Applies `fields` to a row of an entity; unknown fields are an error.
fn apply_fields(data: &mut Data, entity: &str, id: Uuid, fields: &Fields) -> Result<(), String> {
    let mut result = Ok(());
    let found = match entity {
        "persons" => data.persons.update(id, |p| {
            result = (|| {
                for (k, v) in fields {
                    match k.as_str() {
                        "FirstName" => p.first_name = field_req_str(v, k)?,
                        "Initials" => p.initials = field_req_str(v, k)?,
                        "Prefix" => p.prefix = field_str(v, k)?,
                        "Lastname" => p.last_name = field_req_str(v, k)?,
                        "PhoneNumber" => p.phone = field_str(v, k)?,
                        "EmailAddress" => p.email = field_str(v, k)?,
                        "ExternalId" => p.external_id = field_str(v, k)?,
                        "IsArchived" => p.archived = field_bool(v, k)?,
                        _ => return Err(format!("persons has no settable field {k}")),
                    }
                }
                p.refresh_name();
                Ok(())
            })();
        }),
        "organisations" => data.organisations.update(id, |o| {
            result = (|| {
                for (k, v) in fields {
                    match k.as_str() {
                        "Name" => o.name = field_req_str(v, k)?,
                        "CocNumber" => o.coc = field_str(v, k)?,
                        "VatNumber" => o.vat = field_str(v, k)?,
                        "PhoneNumber" => o.phone = field_str(v, k)?,
                        "EmailAddress" => o.email = field_str(v, k)?,
                        "SbiCode" => o.sbi = field_str(v, k)?,
                        "ExternalId" => o.external_id = field_str(v, k)?,
                        "IsArchived" => o.archived = field_bool(v, k)?,
                        _ => return Err(format!("organisations has no settable field {k}")),
                    }
                }
                o.refresh_name();
                Ok(())
            })();
        }),
        "products" => data.products.update(id, |p| {
            result = (|| {
                for (k, v) in fields {
                    match k.as_str() {
                        "Description" => p.description = field_req_str(v, k)?,
                        "Code" => p.code = field_req_str(v, k)?,
                        "PriceExcludingVAT" => p.price = field_decimal(v, k)?,
                        "VatType" => {
                            p.vat = VatType::parse(&field_req_str(v, k)?)
                                .ok_or("VatType must be high, low or zero")?
                        }
                        "ProductGroup" => p.group = field_req_str(v, k)?,
                        "Barcode" => p.barcode = field_str(v, k)?,
                        "Category" => p.category = field_str(v, k)?,
                        "ExtraDescription" => p.extra = field_str(v, k)?,
                        "ProductType" => p.kind = field_req_str(v, k)?,
                        "IsArchived" => p.archived = field_bool(v, k)?,
                        "IsBlocked" => p.blocked = field_bool(v, k)?,
                        "IsDisabled" => p.disabled = field_bool(v, k)?,
                        _ => return Err(format!("products has no settable field {k}")),
                    }
                }
                p.refresh();
                Ok(())
            })();
        }),
        "unknownrelation" => data.unknown.update(id, |u| {
            result = (|| {
                for (k, v) in fields {
                    match k.as_str() {
                        "Name" => u.name = field_req_str(v, k)?,
                        "SalesRelation" => u.sales = field_bool(v, k)?,
                        "PurchaseRelation" => u.purchase = field_bool(v, k)?,
                        "IsBlocked" => u.blocked = field_bool(v, k)?,
                        _ => return Err(format!("unknownrelation has no settable field {k}")),
                    }
                }
                Ok(())
            })();
        }),
        "addresses" => data.addresses.update(id, |a| {
            result = (|| {
                for (k, v) in fields {
                    match k.as_str() {
                        "StreetName" => a.street = field_req_str(v, k)?,
                        "HouseNumber" => {
                            a.house_number = match v {
                                Value::Number(n) => n.to_string(),
                                _ => field_req_str(v, k)?,
                            }
                        }
                        "HouseNumberAddition" => a.addition = field_str(v, k)?,
                        "PostalZone" => a.postal_zone = field_req_str(v, k)?,
                        "CityName" => a.city = field_req_str(v, k)?,
                        "CountryName" => a.country = field_req_str(v, k)?,
                        "IsPreferedSupplierAddress" => a.preferred_supplier = field_bool(v, k)?,
                        "RelationId" | "RelationType" => {}
                        _ => return Err(format!("addresses has no settable field {k}")),
                    }
                }
                Ok(())
            })();
        }),
        _ => return Err(format!("unknown entity {entity}")),
    };
    if found.is_none() {
        return Err(format!("{entity} has no row {id}"));
    }
    result
}

fn record_json(data: &Data, entity: &str, id: Uuid) -> Value {
    match entity {
        "persons" => data.persons.get(id).map(Record::to_json),
        "organisations" => data.organisations.get(id).map(Record::to_json),
        "products" => data.products.get(id).map(Record::to_json),
        "unknownrelation" => data.unknown.get(id).map(Record::to_json),
        "addresses" => data.addresses.get(id).map(Record::to_json),
        _ => None,
    }
    .unwrap_or(Value::Null)
}

fn counter(data: &Data, entity: &str) -> u64 {
    match entity {
        "persons" => data.persons.counter,
        "organisations" => data.organisations.counter,
        "products" => data.products.counter,
        "unknownrelation" => data.unknown.counter,
        "addresses" => data.addresses.counter,
        _ => 0,
    }
}

fn create(
    data: &mut Data,
    entity: &str,
    fields: &Fields,
    admin: Option<Uuid>,
) -> Result<Uuid, String> {
    match entity {
        "persons" | "organisations" => {
            let number = data.next_relation_number;
            data.next_relation_number += 1;
            let (id, addresses) = if entity == "persons" {
                let (p, a) = gen_person(&mut data.rng, number);
                let id = p.id;
                data.persons.insert(p);
                (id, a)
            } else {
                let (o, a) = gen_organisation(&mut data.rng, number);
                let id = o.id;
                data.organisations.insert(o);
                (id, a)
            };
            for a in addresses {
                data.addresses.insert(a);
            }
            if !fields.is_empty() {
                apply_fields(data, entity, id, fields)?;
            }
            Ok(id)
        }
        "products" => {
            let admin = match admin {
                Some(a) if data.administrations.get(a).is_some() => a,
                Some(a) => return Err(format!("no administration {a}")),
                None => data
                    .administrations
                    .rows
                    .first()
                    .map(|a| a.id)
                    .ok_or("there is no administration")?,
            };
            let index = data
                .products
                .rows
                .iter()
                .filter(|p| p.administration_id == admin)
                .count();
            let styles = data
                .products
                .rows
                .iter()
                .find(|p| p.administration_id == admin)
                .map(|p| (p.style, p.style))
                .unwrap_or_else(|| {
                    let u = new_uuid(&mut data.rng);
                    (u, u)
                });
            let mut seen = HashMap::new();
            let mut p = gen_product(&mut data.rng, admin, styles, index, &mut seen);
            p.archived = false;
            p.blocked = false;
            p.disabled = false;
            p.refresh();
            let id = p.id;
            data.products.insert(p);
            if !fields.is_empty() {
                apply_fields(data, entity, id, fields)?;
            }
            Ok(id)
        }
        "addresses" => {
            let rel = fields
                .get("RelationId")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or("creating an address needs fields.RelationId")?;
            let rt = if data.organisations.get(rel).is_some() {
                super::data::RelType::Organisation
            } else if data.persons.get(rel).is_some() {
                super::data::RelType::Person
            } else {
                return Err(format!("no person or organisation {rel}"));
            };
            let template = data
                .addresses
                .rows
                .iter()
                .find(|a| a.relation_id == rel)
                .cloned();
            let id = new_uuid(&mut data.rng);
            let mut a = match template {
                Some(t) => t,
                None => super::data::Address {
                    id,
                    relation_id: rel,
                    relation_type: rt,
                    street: "Kerkstraat".into(),
                    house_number: "1".into(),
                    addition: None,
                    postal_zone: "1011 AB".into(),
                    city: "Amsterdam".into(),
                    country: "Nederland".into(),
                    preferred_invoice: true,
                    preferred_supplier: false,
                    changed: 0,
                },
            };
            a.id = id;
            a.preferred_supplier = false;
            data.add_address(a);
            apply_fields(data, entity, id, fields)?;
            Ok(id)
        }
        other => Err(format!("{other} cannot be created")),
    }
}

async fn mutate(State(afas): State<Arc<Afas>>, body: Bytes) -> Response {
    let req: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(Value::Object(m)) => m,
        _ => return hook_error(StatusCode::BAD_REQUEST, "expected a JSON object"),
    };
    for k in req.keys() {
        if ![
            "entity",
            "action",
            "id",
            "count",
            "administration_id",
            "fields",
        ]
        .contains(&k.as_str())
        {
            return hook_error(StatusCode::BAD_REQUEST, format!("unknown member {k}"));
        }
    }
    let entity = req.get("entity").and_then(Value::as_str).unwrap_or("");
    let action = req.get("action").and_then(Value::as_str).unwrap_or("");
    let fields: Fields = match req.get("fields") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return hook_error(StatusCode::BAD_REQUEST, "fields must be an object"),
    };
    if ![
        "persons",
        "organisations",
        "products",
        "unknownrelation",
        "addresses",
    ]
    .contains(&entity)
    {
        return hook_error(
            StatusCode::BAD_REQUEST,
            "entity must be persons, organisations, products, unknownrelation or addresses",
        );
    }
    let parse_uuid = |k: &str| -> Result<Option<Uuid>, Response> {
        match req.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Uuid::parse_str(s)
                .map(Some)
                .map_err(|_| hook_error(StatusCode::BAD_REQUEST, format!("{k} is not a uuid"))),
            Some(_) => Err(hook_error(
                StatusCode::BAD_REQUEST,
                format!("{k} is not a uuid"),
            )),
        }
    };
    let id = match parse_uuid("id") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let admin = match parse_uuid("administration_id") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut data = afas.data_mut();
    let mut ids = Vec::new();
    let outcome: Result<(), String> = (|| {
        if action == "create" {
            let count = req.get("count").and_then(Value::as_u64).unwrap_or(1);
            if !(1..=500_000).contains(&count) {
                return Err("count must be within 1..=500000".into());
            }
            for _ in 0..count {
                ids.push(create(&mut data, entity, &fields, admin)?);
            }
            return Ok(());
        }
        let id = id.ok_or("id is required")?;
        let mut f = fields.clone();
        match action {
            "update" => {}
            "archive" | "unarchive" => {
                if matches!(entity, "unknownrelation" | "addresses") {
                    return Err(format!("{entity} cannot be archived"));
                }
                f.insert("IsArchived".into(), json!(action == "archive"));
            }
            "block" | "unblock" => {
                if !matches!(entity, "unknownrelation" | "products") {
                    return Err(format!("{entity} cannot be blocked"));
                }
                f.insert("IsBlocked".into(), json!(action == "block"));
            }
            _ => {
                return Err(
                    "action must be create, update, archive, unarchive, block or unblock".into(),
                )
            }
        }
        apply_fields(&mut data, entity, id, &f)?;
        ids.push(id);
        Ok(())
    })();
    if let Err(e) = outcome {
        return hook_error(StatusCode::BAD_REQUEST, e);
    }
    let records: Vec<Value> = ids
        .iter()
        .take(MAX_RECORDS_ANSWERED)
        .map(|id| record_json(&data, entity, *id))
        .collect();
    Json(json!({
        "entity": entity,
        "action": action,
        "count": ids.len(),
        "records": records,
        "tracking_counter": counter(&data, entity),
    }))
    .into_response()
}
