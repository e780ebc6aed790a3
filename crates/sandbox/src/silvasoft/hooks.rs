//! `/__sandbox/silvasoft/*`: what tests ask the stand-in (see the module documentation).

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
use crate::kit::hooks::{self, hook_error, Hooks, Mutation};

pub fn router(s: Arc<Silvasoft>) -> Router {
    Hooks::<Silvasoft>::new()
        .route("invoices", get(invoices))
        .route("attachments/{number}", get(attachment))
        .route("ratelimit", delete(ratelimit_reset))
        .route("mutate", post(mutate))
        .route("stats", get(stats))
        .build(s)
}

async fn invoices(State(s): State<Arc<Silvasoft>>) -> Json<Vec<Value>> {
    let data = s.data.read();
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

async fn ratelimit_reset(State(s): State<Arc<Silvasoft>>) -> Response {
    s.limiter().reset();
    StatusCode::NO_CONTENT.into_response()
}

async fn stats(State(s): State<Arc<Silvasoft>>) -> Response {
    let (sec, min, hour) = s.limiter().usage(&s.cfg.username, Instant::now());
    let data = s.data.read();
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
        "generation_ms": s.generation_ms.load(std::sync::atomic::Ordering::Relaxed),
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// mutate

type Fields = Map<String, Value>;

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
    hooks::number(v, k, parse_decimal)
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
        let set = |r: &mut Relation| -> Result<(), String> {
            match k.as_str() {
                "Name" => r.name = hooks::required_non_empty(v, k)?,
                "Email" => r.email = hooks::non_empty(v, k)?,
                "Phone" => r.phone = hooks::non_empty(v, k)?,
                "CustomerNumber" => {
                    r.customer_number = number;
                    r.is_customer = number.is_some();
                }
                "SupplierNumber" => {
                    r.supplier_number = number;
                    r.is_supplier = number.is_some();
                }
                "IsCustomer" => r.is_customer = hooks::boolean(v, k)?,
                "IsSupplier" => r.is_supplier = hooks::boolean(v, k)?,
                "IsArchived" => r.archived = hooks::boolean(v, k)?,
                "TaxIdentificationNumber" => r.tax_id = hooks::non_empty(v, k)?,
                "RegistrationNumber" => r.registration_number = hooks::non_empty(v, k)?,
                "Address_Street" => r.street = hooks::non_empty(v, k)?.unwrap_or_default(),
                "Address_Unit" => r.unit = hooks::non_empty(v, k)?.unwrap_or_default(),
                "Address_UnitAppendix" => {
                    r.unit_appendix = hooks::non_empty(v, k)?.unwrap_or_default()
                }
                "Address_City" => r.city = hooks::non_empty(v, k)?.unwrap_or_default(),
                "Address_PostalCode" => r.postal_code = hooks::non_empty(v, k)?.unwrap_or_default(),
                "Address_CountryCode" => {
                    r.country_code = hooks::non_empty(v, k)?.unwrap_or_default()
                }
                _ => return Err(format!("relations have no settable field {k}")),
            }
            Ok(())
        };
        data.relations.update_at(idx, set).unwrap_or(Ok(()))?;
    }
    let next = data.next_customer_number;
    let numbered = data.relations.update_at(idx, |r| {
        r.changed = now;
        let number = r.is_customer && r.customer_number.is_none();
        if number {
            r.customer_number = Some(next);
        }
        number
    });
    if numbered == Some(true) {
        data.next_customer_number += 1;
    }
    Ok(())
}

fn update_product(data: &mut Data, idx: usize, fields: &Fields, now: i64) -> Result<(), String> {
    data.products
        .update_at(idx, |p| apply_product(p, fields, now))
        .unwrap_or(Ok(()))
}

fn apply_product(p: &mut Product, fields: &Fields, now: i64) -> Result<(), String> {
    for (k, v) in fields {
        match k.as_str() {
            "Name" => p.name = hooks::required_non_empty(v, k)?,
            "Description" => {
                p.description = hooks::non_empty(v, k)?
                    .unwrap_or_default()
                    .chars()
                    .take(400)
                    .collect()
            }
            "Category" => p.category = hooks::non_empty(v, k)?,
            "EAN" => p.ean = hooks::non_empty(v, k)?,
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
            "IsArchived" => p.archived = hooks::boolean(v, k)?,
            _ => return Err(format!("products have no settable field {k}")),
        }
    }
    p.changed = now;
    Ok(())
}

async fn mutate(State(s): State<Arc<Silvasoft>>, body: Bytes) -> Response {
    let m = match Mutation::read(
        &body,
        &["entity", "action", "id", "count", "name", "fields"],
        &["relations", "products"],
        "entity must be relations or products",
    ) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (entity, action, req) = (m.entity.as_str(), m.action.as_str(), &m.body);
    let mut fields = m.fields.clone();
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
    let mut data = s.data.write();
    let outcome: Result<Vec<usize>, String> = (|| {
        if action == "create" {
            let mut out = Vec::new();
            for _ in 0..m.count()? {
                if entity == "relations" {
                    let idx = data.create_relation(now);
                    apply_relation(&mut data, idx, &fields, now)?;
                    out.push(idx);
                } else {
                    let idx = data.create_product(&s.admin, now);
                    update_product(&mut data, idx, &fields, now)?;
                    out.push(idx);
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
                .position(&guid)
                .ok_or_else(|| format!("no relation with RelationGUID {guid}"))?
        } else {
            let article = match req.get("id") {
                Some(Value::String(a)) => a.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => return Err("id (an ArticleNumber) is required".into()),
            };
            data.products
                .position(&article)
                .ok_or_else(|| format!("no product with ArticleNumber {article}"))?
        };
        if entity == "relations" {
            apply_relation(&mut data, idx, &fields, now)?;
        } else {
            update_product(&mut data, idx, &fields, now)?;
        }
        Ok(vec![idx])
    })();
    let idxs = match outcome {
        Ok(i) => i,
        Err(e) => return hook_error(StatusCode::BAD_REQUEST, e),
    };
    let records = idxs.iter().map(|&i| {
        if entity == "relations" {
            data.relations[i].to_json()
        } else {
            data.products[i].to_json(true)
        }
    });
    m.answer(idxs.len(), records, Map::new())
}
