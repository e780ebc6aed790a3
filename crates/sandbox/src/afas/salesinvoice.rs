//! `POST /api/salesinvoice` and `DELETE /api/salesinvoice` (salesinvoice 2.0).
//!
//! A request goes through: bearer token, `Accept-Version: 2`, `Content-Type:
//! application/json`, `Tracking-Identifier` replay, JSON syntax and the 2.0 request schema
//! (HTTP 400, `DS3100`), then the business rules (HTTP 200 with `"result": "Failed"` and Dutch
//! messages). A valid invoice is stored, with its amounts computed per VAT type.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

use super::data::{compute_amounts, Invoice, RelType, VatType};
use super::errors::{self, BusinessError};
use super::schema::{self, decimal};
use super::{tracking, Afas};
use crate::kit::json::{self, Node};
use crate::kit::server::DropConnection;

const DEFINITION: &str = "salesinvoice.UpdateConnectorHandler";
const INVOICE: &str = "Verkoopfactuur";
const LINE: &str = "Verkoopfactuurregel";

fn invalid_reference(what: &str) -> String {
    format!("'{what}' bevat een verwijzing naar een ongeldige waarde.")
}

/// Checks `Content-Type: application/json`.
fn json_content(headers: &HeaderMap) -> Result<(), Response> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim();
    if mime.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(errors::exception(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("Content-Type '{ct}' is not supported; send application/json."),
            "UnsupportedMediaTypeException",
        ))
    }
}

/// Parses and validates a body against a schema; `Err` is the DS3100 answer.
fn parse_body(body: &[u8], schema: &schema::Schema) -> Result<Node, Response> {
    let node =
        json::parse(body).map_err(|e| errors::deserialization(&e.with_location(), DEFINITION))?;
    schema::validate(&node, schema)
        .map_err(|e| errors::deserialization(&e.with_location(), DEFINITION))?;
    Ok(node)
}

fn uuid_of(n: &Node, field: &str) -> Option<Uuid> {
    n.member(field)
        .and_then(Node::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

fn date_of(n: &Node, field: &str) -> Option<NaiveDate> {
    n.member(field)
        .and_then(Node::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

pub async fn create(State(afas): State<Arc<Afas>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = afas.guard(&headers, "salesinvoice", "2", "2.0") {
        return r;
    }
    if let Err(r) = json_content(&headers) {
        return r;
    }
    let a = afas.clone();
    let resp = tracking::once(&afas, &headers, |tid| async move {
        a.work_delay().await;
        a.create_invoice(tid, &body)
    })
    .await;
    // "Store, then fail": the invoice is stored and its success is what the Tracking-Identifier
    // replays, as behind a gateway that answered 502/504 while AFAS went on; this one request
    // gets the failure.
    match resp.extensions().get::<FailAfterStore>() {
        Some(FailAfterStore(status)) => errors::injected(*status),
        None => resp,
    }
}

/// Marks the first answer to a stored invoice that must be replaced by this failure status.
#[derive(Debug, Clone, Copy)]
struct FailAfterStore(StatusCode);

pub async fn delete(State(afas): State<Arc<Afas>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = afas.guard(&headers, "salesinvoice", "2", "2.0") {
        return r;
    }
    if let Err(r) = json_content(&headers) {
        return r;
    }
    let a = afas.clone();
    tracking::once(&afas, &headers, |_| async move { a.delete_invoice(&body) }).await
}

struct Line {
    qty: Decimal,
    price: Decimal,
    vat: VatType,
}

impl Afas {
    fn create_invoice(&self, tracking_identifier: Option<Uuid>, body: &[u8]) -> Response {
        let node = match parse_body(body, &schema::salesinvoice_create()) {
            Ok(n) => n,
            Err(r) => return r,
        };
        let admin_id = uuid_of(&node, "AdministrationId").unwrap_or_default();
        let issue_date = date_of(&node, "IssueDate").unwrap_or_default();
        let rel_type = node
            .member("RelationType")
            .and_then(Node::as_str)
            .and_then(RelType::parse)
            .unwrap_or(RelType::Unknown);
        let rel_id = uuid_of(&node, "RelationId").unwrap_or_default();
        let to_be_invoiced = node
            .member("ToBeInvoiced")
            .and_then(Node::as_bool)
            .unwrap_or(false);
        let lines_in = node
            .member("InvoiceLine")
            .and_then(Node::as_array)
            .unwrap_or(&[]);

        let mut data = self.data.write();
        let mut errs: Vec<BusinessError> = Vec::new();

        let Some(admin) = data.administrations.get(&admin_id) else {
            return errors::result(
                "Failed",
                json!({}),
                &[BusinessError::Entity(
                    INVOICE,
                    invalid_reference("Administratie"),
                )],
            );
        };
        if issue_date < admin.opening_date {
            errs.push(BusinessError::Entity(
                INVOICE,
                "De factuurdatum ligt vóór de beginbalansdatum. Dit is niet toegestaan.".into(),
            ));
        }

        // The relation, looked up by its type.
        let relation: Option<(Option<String>, String, bool)> = match rel_type {
            RelType::Organisation => data
                .organisations
                .get(&rel_id)
                .map(|o| (Some(o.number.clone()), o.name.clone(), o.archived)),
            RelType::Person => data
                .persons
                .get(&rel_id)
                .map(|p| (Some(p.number.clone()), p.name().to_string(), p.archived)),
            RelType::Unknown => data
                .unknown
                .get(&rel_id)
                .filter(|u| u.sales)
                .map(|u| (None, u.name.clone(), u.blocked)),
        };
        let (rel_number, rel_description) = match &relation {
            None => {
                errs.push(BusinessError::Entity(INVOICE, invalid_reference("Relatie")));
                (None, String::new())
            }
            Some((number, name, inactive)) => {
                if *inactive {
                    let what = if rel_type == RelType::Unknown {
                        "geblokkeerd"
                    } else {
                        "gearchiveerd"
                    };
                    errs.push(BusinessError::Entity(
                        INVOICE,
                        format!("De relatie '{name}' is {what} en kan niet worden gebruikt."),
                    ));
                }
                (number.clone(), name.clone())
            }
        };

        if let Some(address_id) = uuid_of(&node, "AddressId") {
            let ok = data
                .addresses
                .get(&address_id)
                .is_some_and(|a| a.relation_id == rel_id && relation.is_some());
            if !ok {
                errs.push(BusinessError::Entity(INVOICE, invalid_reference("Adres")));
            }
        }

        if lines_in.is_empty() {
            errs.push(BusinessError::Entity(
                INVOICE,
                "Een verkoopfactuur moet minimaal één factuurregel bevatten.".into(),
            ));
        }
        let mut lines = Vec::new();
        for l in lines_in {
            let item = uuid_of(l, "ItemId").unwrap_or_default();
            let qty = l
                .member("Quantity")
                .and_then(Node::as_number)
                .and_then(decimal)
                .unwrap_or_default();
            let Some(product) = data
                .products
                .get(&item)
                .filter(|p| p.administration_id == admin_id)
            else {
                errs.push(BusinessError::Entity(LINE, invalid_reference("Artikel")));
                continue;
            };
            if product.archived || product.blocked || product.disabled {
                let what = if product.archived {
                    "gearchiveerd"
                } else if product.blocked {
                    "geblokkeerd"
                } else {
                    "niet actief"
                };
                errs.push(BusinessError::Entity(
                    LINE,
                    format!("Artikel '{}' is {what}.", product.display()),
                ));
                continue;
            }
            if l.member("PeriodAllocation")
                .and_then(Node::as_bool)
                .unwrap_or(false)
            {
                match (
                    date_of(l, "PeriodAllocationBeginDate"),
                    date_of(l, "PeriodAllocationEndDate"),
                ) {
                    (Some(b), Some(e)) if b <= e => {}
                    (Some(_), Some(_)) => errs.push(BusinessError::Entity(
                        LINE,
                        "De einddatum van de periode ligt vóór de begindatum.".into(),
                    )),
                    _ => errs.push(BusinessError::Entity(
                        LINE,
                        "Bij 'PeriodAllocation' zijn 'PeriodAllocationBeginDate' en 'PeriodAllocationEndDate' verplicht.".into(),
                    )),
                }
            }
            let price = l
                .member("Price")
                .and_then(Node::as_number)
                .and_then(decimal)
                .unwrap_or(product.price);
            let vat = l
                .member("VatType")
                .and_then(Node::as_str)
                .and_then(VatType::parse)
                .unwrap_or(product.vat);
            lines.push(Line { qty, price, vat });
        }

        if !errs.is_empty() {
            return errors::result("Failed", json!({}), &errs);
        }

        // Attachments that are not complete blobs do not stop the invoice.
        let mut warnings = Vec::new();
        let mut attachments = Vec::new();
        if let Some(items) = node.member("Attachments").and_then(Node::as_array) {
            let blobs = self.blobs();
            for a in items {
                let id = uuid_of(a, "AttachmentId").unwrap_or_default();
                if blobs.get(&id).is_some_and(|b| b.complete()) {
                    attachments.push(id);
                } else {
                    warnings.push(BusinessError::Entity(INVOICE, invalid_reference("Bijlage")));
                }
            }
        }

        let amounts = compute_amounts(
            &lines
                .iter()
                .map(|l| (l.qty, l.price, l.vat))
                .collect::<Vec<_>>(),
        );
        let number =
            (!to_be_invoiced).then(|| data.next_invoice_number(admin_id, issue_date.year()));
        let id = Uuid::new_v4();
        let result = if warnings.is_empty() {
            "Succeeded"
        } else {
            "PartiallySucceeded"
        };
        let text =
            String::from_utf8_lossy(body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body))
                .into_owned();
        data.invoices.insert(Invoice {
            id,
            administration_id: admin_id,
            number,
            issue_date,
            relation_type: rel_type,
            relation_id: rel_id,
            relation_number: rel_number,
            relation_description: rel_description,
            status: if to_be_invoiced { "DRAFT" } else { "DONE" }.into(),
            amounts,
            to_be_invoiced,
            deleted: false,
            historic: false,
            tracking_identifier,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            raw_body: text,
            received_at: Utc::now(),
            result: result.into(),
            attachments,
            changed: 0,
        });
        drop(data);

        let mut resp = errors::result(result, json!({"SalesInvoiceId": id}), &warnings);
        if self.faults.take_drop_after_store() {
            resp.extensions_mut().insert(DropConnection);
        } else if let Some(status) = self.faults.take_fail_after_store() {
            resp.extensions_mut().insert(FailAfterStore(status));
        }
        resp
    }

    fn delete_invoice(&self, body: &[u8]) -> Response {
        let node = match parse_body(body, &schema::salesinvoice_delete()) {
            Ok(n) => n,
            Err(r) => return r,
        };
        let admin_id = uuid_of(&node, "AdministrationId").unwrap_or_default();
        let id = uuid_of(&node, "Id").unwrap_or_default();
        let mut data = self.data.write();
        let deletable = data
            .invoices
            .get(&id)
            .is_some_and(|i| i.administration_id == admin_id && i.to_be_invoiced && !i.deleted);
        if !deletable {
            return errors::result(
                "Failed",
                json!({}),
                &[BusinessError::Text(
                    "SalesInvoice cannot be deleted because it is not a draft or it is already deleted"
                        .into(),
                )],
            );
        }
        data.invoices.update(&id, |i| i.deleted = true);
        errors::result("Succeeded", json!({"salesinvoiceId": id}), &[])
    }
}
