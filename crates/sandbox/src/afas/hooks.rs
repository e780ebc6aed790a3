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

use super::data::{gen_organisation, gen_person, gen_product, Data, Record, VatType};
use super::query::parse_query;
use super::Afas;
use crate::kit::data::new_uuid;
use crate::kit::hooks::{self, hook_error, Hooks, Mutation};

pub fn router(afas: Arc<Afas>) -> Router {
    Hooks::<Afas>::new()
        .route("invoices", get(invoices))
        .route("blobs", get(blob_list))
        .route("blobs/{id}", get(blob_bytes))
        .route("oauth/approve", get(approve))
        .route("mutate", post(mutate))
        .route("stats", get(stats))
        .build(afas)
}

async fn invoices(State(afas): State<Arc<Afas>>) -> Json<Vec<Value>> {
    let data = afas.data.read();
    Json(
        data.invoices
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

async fn stats(State(afas): State<Arc<Afas>>) -> Response {
    let data = afas.data.read();
    Json(json!({
        "persons": data.persons.len(),
        "organisations": data.organisations.len(),
        "unknownrelations": data.unknown.len(),
        "products_per_admin": data.products_per_admin,
        "products": data.products.len(),
        "addresses": data.addresses.len(),
        "administrations": data.administrations.iter().map(|a| a.id).collect::<Vec<_>>(),
        "invoices_received": data.invoices.iter().filter(|i| !i.historic).count(),
        "generation_ms": afas.generation_ms,
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// mutate

type Fields = Map<String, Value>;

fn field_decimal(v: &Value, name: &str) -> Result<Decimal, String> {
    hooks::number(v, name, |t| {
        Decimal::from_str(t)
            .or_else(|_| Decimal::from_scientific(t))
            .ok()
    })
}

/// Applies `fields` to a row of an entity; unknown fields are an error.
fn apply_fields(data: &mut Data, entity: &str, id: Uuid, fields: &Fields) -> Result<(), String> {
    let mut result = Ok(());
    let found = match entity {
        "persons" => data.persons.update(&id, |p| {
            result = (|| {
                for (k, v) in fields {
                    match k.as_str() {
                        "FirstName" => p.first_name = hooks::required_string(v, k)?,
                        "Initials" => p.initials = hooks::required_string(v, k)?,
                        "Prefix" => p.prefix = hooks::string(v, k)?,
                        "Lastname" => p.last_name = hooks::required_string(v, k)?,
                        "PhoneNumber" => p.phone = hooks::string(v, k)?,
                        "EmailAddress" => p.email = hooks::string(v, k)?,
                        "ExternalId" => p.external_id = hooks::string(v, k)?,
                        "IsArchived" => p.archived = hooks::boolean(v, k)?,
                        _ => return Err(format!("persons has no settable field {k}")),
                    }
                }
                p.refresh_name();
                Ok(())
            })();
        }),
        "organisations" => data.organisations.update(&id, |o| {
            result = (|| {
                for (k, v) in fields {
                    match k.as_str() {
                        "Name" => o.name = hooks::required_string(v, k)?,
                        "CocNumber" => o.coc = hooks::string(v, k)?,
                        "VatNumber" => o.vat = hooks::string(v, k)?,
                        "PhoneNumber" => o.phone = hooks::string(v, k)?,
                        "EmailAddress" => o.email = hooks::string(v, k)?,
                        "SbiCode" => o.sbi = hooks::string(v, k)?,
                        "ExternalId" => o.external_id = hooks::string(v, k)?,
                        "IsArchived" => o.archived = hooks::boolean(v, k)?,
                        _ => return Err(format!("organisations has no settable field {k}")),
                    }
                }
                o.refresh_name();
                Ok(())
            })();
        }),
        "products" => data.products.update(&id, |p| {
            result = (|| {
                for (k, v) in fields {
                    match k.as_str() {
                        "Description" => p.description = hooks::required_string(v, k)?,
                        "Code" => p.code = hooks::required_string(v, k)?,
                        "PriceExcludingVAT" => p.price = field_decimal(v, k)?,
                        "VatType" => {
                            p.vat = VatType::parse(&hooks::required_string(v, k)?)
                                .ok_or("VatType must be high, low or zero")?
                        }
                        "ProductGroup" => p.group = hooks::required_string(v, k)?,
                        "Barcode" => p.barcode = hooks::string(v, k)?,
                        "Category" => p.category = hooks::string(v, k)?,
                        "ExtraDescription" => p.extra = hooks::string(v, k)?,
                        "ProductType" => p.kind = hooks::required_string(v, k)?,
                        "IsArchived" => p.archived = hooks::boolean(v, k)?,
                        "IsBlocked" => p.blocked = hooks::boolean(v, k)?,
                        "IsDisabled" => p.disabled = hooks::boolean(v, k)?,
                        _ => return Err(format!("products has no settable field {k}")),
                    }
                }
                p.refresh();
                Ok(())
            })();
        }),
        "unknownrelation" => data.unknown.update(&id, |u| {
            result = (|| {
                for (k, v) in fields {
                    match k.as_str() {
                        "Name" => u.name = hooks::required_string(v, k)?,
                        "SalesRelation" => u.sales = hooks::boolean(v, k)?,
                        "PurchaseRelation" => u.purchase = hooks::boolean(v, k)?,
                        "IsBlocked" => u.blocked = hooks::boolean(v, k)?,
                        _ => return Err(format!("unknownrelation has no settable field {k}")),
                    }
                }
                Ok(())
            })();
        }),
        "addresses" => data.addresses.update(&id, |a| {
            result = (|| {
                for (k, v) in fields {
                    match k.as_str() {
                        "StreetName" => a.street = hooks::required_string(v, k)?,
                        "HouseNumber" => {
                            a.house_number = match v {
                                Value::Number(n) => n.to_string(),
                                _ => hooks::required_string(v, k)?,
                            }
                        }
                        "HouseNumberAddition" => a.addition = hooks::string(v, k)?,
                        "PostalZone" => a.postal_zone = hooks::required_string(v, k)?,
                        "CityName" => a.city = hooks::required_string(v, k)?,
                        "CountryName" => a.country = hooks::required_string(v, k)?,
                        "IsPreferedSupplierAddress" => a.preferred_supplier = hooks::boolean(v, k)?,
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
        "persons" => data.persons.get(&id).map(Record::to_json),
        "organisations" => data.organisations.get(&id).map(Record::to_json),
        "products" => data.products.get(&id).map(Record::to_json),
        "unknownrelation" => data.unknown.get(&id).map(Record::to_json),
        "addresses" => data.addresses.get(&id).map(Record::to_json),
        _ => None,
    }
    .unwrap_or(Value::Null)
}

fn counter(data: &Data, entity: &str) -> u64 {
    match entity {
        "persons" => data.persons.counter(),
        "organisations" => data.organisations.counter(),
        "products" => data.products.counter(),
        "unknownrelation" => data.unknown.counter(),
        "addresses" => data.addresses.counter(),
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
                Some(a) if data.administrations.get(&a).is_some() => a,
                Some(a) => return Err(format!("no administration {a}")),
                None => data
                    .administrations
                    .first()
                    .map(|a| a.id)
                    .ok_or("there is no administration")?,
            };
            let index = data
                .products
                .iter()
                .filter(|p| p.administration_id == admin)
                .count();
            let styles = data
                .products
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
            let rt = if data.organisations.get(&rel).is_some() {
                super::data::RelType::Organisation
            } else if data.persons.get(&rel).is_some() {
                super::data::RelType::Person
            } else {
                return Err(format!("no person or organisation {rel}"));
            };
            let template = data
                .addresses
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
    let m = match Mutation::read(
        &body,
        &[
            "entity",
            "action",
            "id",
            "count",
            "administration_id",
            "fields",
        ],
        &[
            "persons",
            "organisations",
            "products",
            "unknownrelation",
            "addresses",
        ],
        "entity must be persons, organisations, products, unknownrelation or addresses",
    ) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (entity, action, fields, req) = (m.entity.as_str(), m.action.as_str(), &m.fields, &m.body);
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
    let mut data = afas.data.write();
    let mut ids = Vec::new();
    let outcome: Result<(), String> = (|| {
        if action == "create" {
            for _ in 0..m.count()? {
                ids.push(create(&mut data, entity, fields, admin)?);
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
    let records = ids.iter().map(|id| record_json(&data, entity, *id));
    let mut extra = Map::new();
    extra.insert("tracking_counter".into(), json!(counter(&data, entity)));
    m.answer(ids.len(), records, extra)
}
