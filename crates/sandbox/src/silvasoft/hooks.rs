//! `/__sandbox/silvasoft/*`: what tests ask the stand-in (see the module documentation).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::body::parse_decimal;
use super::data::{Data, Product, Relation};
use super::Silvasoft;
use crate::faults::FaultPatch;

pub fn router(s: Arc<Silvasoft>) -> Router {
    Router::new()
        .route("/__sandbox/silvasoft/invoices", get(invoices))
        .route("/__sandbox/silvasoft/attachments/{number}", get(attachment))
        .route(
            "/__sandbox/silvasoft/faults",
            get(faults_get).post(faults_post).delete(faults_delete),
        )
        .route("/__sandbox/silvasoft/ratelimit", delete(ratelimit_reset))
        .route("/__sandbox/silvasoft/mutate", post(mutate))
        .route("/__sandbox/silvasoft/stats", get(stats))
        .with_state(s)
}

fn hook_error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({"error": msg.into()}))).into_response()
}

async fn invoices(State(s): State<Arc<Silvasoft>>) -> Json<Vec<Value>> {
    let data = s.data();
    Json(
        data.invoices
            .iter()
            .filter(|i| !i.historic)
            .map(|i| i.to_hook_json())
            .collect(),
    )
}

async fn attachment(State(s): State<Arc<Silvasoft>>, Path(number): Path<i64>) -> Response {
    match s.attachments().get(&number) {
        Some(b) => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            b.clone(),
        )
            .into_response(),
        None => hook_error(StatusCode::NOT_FOUND, "no attachment for this invoice"),
    }
}

fn fault_settings(s: &Silvasoft) -> Value {
    let mut v = serde_json::to_value(s.faults.settings()).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert(
            "empty_object_next".into(),
            json!(s.empty_object_next.load(Ordering::SeqCst)),
        );
        m.insert(
            "rate_limit_next".into(),
            json!(s.rate_limit_next.load(Ordering::SeqCst)),
        );
    }
    v
}

async fn faults_get(State(s): State<Arc<Silvasoft>>) -> Response {
    Json(fault_settings(&s)).into_response()
}

async fn faults_delete(State(s): State<Arc<Silvasoft>>) -> Response {
    s.faults.reset();
    s.empty_object_next.store(0, Ordering::SeqCst);
    s.rate_limit_next.store(0, Ordering::SeqCst);
    Json(fault_settings(&s)).into_response()
}

async fn faults_post(State(s): State<Arc<Silvasoft>>, body: Bytes) -> Response {
    let mut obj: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(Value::Object(m)) => m,
        _ => return hook_error(StatusCode::BAD_REQUEST, "expected a JSON object"),
    };
    let counter = |obj: &mut Map<String, Value>, name: &str| match obj.remove(name) {
        None => Ok(None),
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Ok(Some(n)),
            None => Err(hook_error(
                StatusCode::BAD_REQUEST,
                format!("{name} must be a non-negative integer"),
            )),
        },
    };
    let empty = match counter(&mut obj, "empty_object_next") {
        Ok(n) => n,
        Err(resp) => return resp,
    };
    let rate_limit = match counter(&mut obj, "rate_limit_next") {
        Ok(n) => n,
        Err(resp) => return resp,
    };
    let patch: FaultPatch = match serde_json::from_value(Value::Object(obj)) {
        Ok(p) => p,
        Err(e) => return hook_error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    if let Err(e) = s.faults.apply(patch) {
        return hook_error(StatusCode::BAD_REQUEST, e);
    }
    if let Some(n) = empty {
        s.empty_object_next.store(n, Ordering::SeqCst);
    }
    if let Some(n) = rate_limit {
        s.rate_limit_next.store(n, Ordering::SeqCst);
    }
    Json(fault_settings(&s)).into_response()
}

async fn ratelimit_reset(State(s): State<Arc<Silvasoft>>) -> Response {
    s.limiter().reset();
    StatusCode::NO_CONTENT.into_response()
}

async fn stats(State(s): State<Arc<Silvasoft>>) -> Response {
    let (sec, min, hour) = s.limiter().usage(&s.cfg.username, Instant::now());
    let data = s.data();
    Json(json!({
        "relations": data.relations.iter().filter(|r| !r.archived).count(),
        "customers": data.relations.iter().filter(|r| !r.archived && r.is_customer).count(),
        "suppliers": data.relations.iter().filter(|r| !r.archived && r.is_supplier).count(),
        "archived_relations": data.relations.iter().filter(|r| r.archived).count(),
        "products": data.products.iter().filter(|p| !p.archived).count(),
        "archived_products": data.products.iter().filter(|p| p.archived).count(),
        "invoices_received": data.invoices.iter().filter(|i| !i.historic).count(),
        "invoices_total": data.invoices.len(),
        "next_invoice_number": data.next_invoice_number,
        "tax_percentages": s.admin.percentages.iter().map(|p| p.normalize().to_string()).collect::<Vec<_>>(),
        "tax_codes": s.admin.tax_codes.iter().map(|t| json!({"code": t.code, "pc": t.pc.normalize().to_string()})).collect::<Vec<_>>(),
        "ledger_accounts": s.admin.ledger_accounts.iter().map(|(n, name)| json!({"number": n, "name": name})).collect::<Vec<_>>(),
        "projects": s.admin.projects.iter().map(|(n, name)| json!({"number": n, "name": name})).collect::<Vec<_>>(),
        "cost_centers": data.cost_centers,
        "rate_limit": {
            "enforced": s.cfg.enforce_rate_limit,
            "max_per_second": s.cfg.max_per_second,
            "max_per_minute": s.cfg.max_per_minute,
            "max_per_hour": s.cfg.max_per_hour,
            "last_second": sec,
            "last_minute": min,
            "last_hour": hour,
        },
        "generation_ms": s.generation_ms,
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// mutate

type Fields = Map<String, Value>;

/// A mass creation answers the first rows only.
const MAX_RECORDS_ANSWERED: usize = 1000;

fn opt_str(v: &Value, k: &str) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(format!("{k} must be a string or null")),
    }
}

fn req_str(v: &Value, k: &str) -> Result<String, String> {
    opt_str(v, k)?.ok_or_else(|| format!("{k} must be a non-empty string"))
}

fn boolean(v: &Value, k: &str) -> Result<bool, String> {
    v.as_bool().ok_or_else(|| format!("{k} must be a boolean"))
}

fn opt_int(v: &Value, k: &str) -> Result<Option<i64>, String> {
    match v {
        Value::Null => Ok(None),
        v => v
            .as_i64()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| format!("{k} must be a positive integer or null")),
    }
}

fn decimal(v: &Value, k: &str) -> Result<Decimal, String> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err(format!("{k} must be a number")),
    };
    parse_decimal(&text).ok_or_else(|| format!("{k} must be a number"))
}

fn apply_relation(data: &mut Data, idx: usize, fields: &Fields, now: i64) -> Result<(), String> {
    let guid = data.relations[idx].guid;
    for (k, v) in fields {
        let number = match k.as_str() {
            "CustomerNumber" | "SupplierNumber" => opt_int(v, k)?,
            _ => None,
        };
        if let Some(n) = number {
            let taken = data.relations.iter().any(|r| {
                r.guid != guid
                    && if k == "CustomerNumber" {
                        r.customer_number == Some(n)
                    } else {
                        r.supplier_number == Some(n)
                    }
            });
            if taken {
                return Err(format!("{k} {n} is already in use"));
            }
        }
        let r: &mut Relation = &mut data.relations[idx];
        match k.as_str() {
            "Name" => r.name = req_str(v, k)?,
            "Email" => r.email = opt_str(v, k)?,
            "Phone" => r.phone = opt_str(v, k)?,
            "CustomerNumber" => {
                r.customer_number = number;
                r.is_customer = number.is_some();
            }
            "SupplierNumber" => {
                r.supplier_number = number;
                r.is_supplier = number.is_some();
            }
            "IsCustomer" => r.is_customer = boolean(v, k)?,
            "IsSupplier" => r.is_supplier = boolean(v, k)?,
            "IsArchived" => r.archived = boolean(v, k)?,
            "TaxIdentificationNumber" => r.tax_id = opt_str(v, k)?,
            "RegistrationNumber" => r.registration_number = opt_str(v, k)?,
            "Address_Street" => r.street = opt_str(v, k)?.unwrap_or_default(),
            "Address_Unit" => r.unit = opt_str(v, k)?.unwrap_or_default(),
            "Address_UnitAppendix" => r.unit_appendix = opt_str(v, k)?.unwrap_or_default(),
            "Address_City" => r.city = opt_str(v, k)?.unwrap_or_default(),
            "Address_PostalCode" => r.postal_code = opt_str(v, k)?.unwrap_or_default(),
            "Address_CountryCode" => r.country_code = opt_str(v, k)?.unwrap_or_default(),
            _ => return Err(format!("relations have no settable field {k}")),
        }
    }
    let r = &mut data.relations[idx];
    if r.is_customer && r.customer_number.is_none() {
        r.customer_number = Some(data.next_customer_number);
        data.next_customer_number += 1;
    }
    let r = &mut data.relations[idx];
    r.changed = now;
    Ok(())
}

fn apply_product(p: &mut Product, fields: &Fields, now: i64) -> Result<(), String> {
    for (k, v) in fields {
        match k.as_str() {
            "Name" => p.name = req_str(v, k)?,
            "Description" => {
                p.description = opt_str(v, k)?
                    .unwrap_or_default()
                    .chars()
                    .take(400)
                    .collect()
            }
            "Category" => p.category = opt_str(v, k)?,
            "EAN" => p.ean = opt_str(v, k)?,
            "Price" => p.price = decimal(v, k)?,
            "PurchasePrice" => p.purchase_price = decimal(v, k)?,
            "VATPercentage" => p.vat_pc = decimal(v, k)?,
            "StockQty" => {
                let q = decimal(v, k)?;
                let delta = q - p.stock_qty;
                p.stock_qty = q;
                if let Some(pos) = p.positions.first_mut() {
                    pos.qty += delta;
                }
            }
            "IsArchived" => p.archived = boolean(v, k)?,
            _ => return Err(format!("products have no settable field {k}")),
        }
    }
    p.changed = now;
    Ok(())
}

async fn mutate(State(s): State<Arc<Silvasoft>>, body: Bytes) -> Response {
    let req: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(Value::Object(m)) => m,
        _ => return hook_error(StatusCode::BAD_REQUEST, "expected a JSON object"),
    };
    if let Some(k) = req
        .keys()
        .find(|k| !["entity", "action", "id", "count", "name", "fields"].contains(&k.as_str()))
    {
        return hook_error(StatusCode::BAD_REQUEST, format!("unknown member {k}"));
    }
    let entity = req.get("entity").and_then(Value::as_str).unwrap_or("");
    let action = req.get("action").and_then(Value::as_str).unwrap_or("");
    if !matches!(entity, "relations" | "products") {
        return hook_error(
            StatusCode::BAD_REQUEST,
            "entity must be relations or products",
        );
    }
    let mut fields: Fields = match req.get("fields") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return hook_error(StatusCode::BAD_REQUEST, "fields must be an object"),
    };
    match action {
        "create" | "update" => {}
        "rename" => match req.get("name") {
            Some(Value::String(n)) if !n.is_empty() => {
                fields.insert("Name".into(), json!(n));
            }
            _ => return hook_error(StatusCode::BAD_REQUEST, "rename needs a non-empty name"),
        },
        "archive" | "unarchive" => {
            fields.insert("IsArchived".into(), json!(action == "archive"));
        }
        _ => {
            return hook_error(
                StatusCode::BAD_REQUEST,
                "action must be create, update, rename, archive or unarchive",
            )
        }
    }
    let now = Utc::now().timestamp();
    let mut data = s.data_mut();
    let outcome: Result<Vec<usize>, String> = (|| {
        if action == "create" {
            let count = req.get("count").and_then(Value::as_u64).unwrap_or(1);
            if !(1..=500_000).contains(&count) {
                return Err("count must be within 1..=500000".into());
            }
            let mut out = Vec::new();
            for _ in 0..count {
                if entity == "relations" {
                    data.create_relation(now);
                    let idx = data.relations.len() - 1;
                    apply_relation(&mut data, idx, &fields, now)?;
                    out.push(idx);
                } else {
                    let p = data.create_product(&s.admin, now);
                    apply_product(p, &fields, now)?;
                    out.push(data.products.len() - 1);
                }
            }
            return Ok(out);
        }
        let idx = if entity == "relations" {
            let guid = req
                .get("id")
                .and_then(Value::as_i64)
                .ok_or("id (a RelationGUID) is required")?;
            data.relations
                .iter()
                .position(|r| r.guid == guid)
                .ok_or_else(|| format!("no relation with RelationGUID {guid}"))?
        } else {
            let article = match req.get("id") {
                Some(Value::String(a)) => a.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => return Err("id (an ArticleNumber) is required".into()),
            };
            data.products
                .iter()
                .position(|p| p.article_number == article)
                .ok_or_else(|| format!("no product with ArticleNumber {article}"))?
        };
        if entity == "relations" {
            apply_relation(&mut data, idx, &fields, now)?;
        } else {
            apply_product(&mut data.products[idx], &fields, now)?;
        }
        Ok(vec![idx])
    })();
    let idxs = match outcome {
        Ok(i) => i,
        Err(e) => return hook_error(StatusCode::BAD_REQUEST, e),
    };
    let records: Vec<Value> = idxs
        .iter()
        .take(MAX_RECORDS_ANSWERED)
        .map(|&i| {
            if entity == "relations" {
                data.relations[i].to_json()
            } else {
                data.products[i].to_json(true)
            }
        })
        .collect();
    Json(json!({
        "entity": entity,
        "action": action,
        "count": idxs.len(),
        "records": records,
    }))
    .into_response()
}
