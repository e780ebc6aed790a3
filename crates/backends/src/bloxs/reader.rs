//! History's view of Bloxs's own sales invoice services: `POST
//! /api/v1/invoices/salesinvoiceservices/filter` per owner (the administration), and one
//! service by `GET …/salesinvoiceservices?reference=`. These are what this app creates; the
//! issued sales invoices Bloxs generates from them (`…/salesinvoice/filter`) are marked
//! PREVIEW in the documentation and are not read.
//!
//! What the documentation gives and what follows from it:
//! - The filter takes `ownerReference`, `relationReference` and `supplyDate.from/.to`, and
//!   sorts by `reference`, `supplyDate`, `ownerReference` or `relationReference`: dates and the
//!   customer are asked of Bloxs, words are narrowed by the desk; totals and the state cannot
//!   be sorted on (the list keeps the newest supply date first then). The cursor is the page
//!   number; the answer's envelope is read as the relations' ([I]).
//! - A service has no number of its own: its `reference` is the id and the number. It names
//!   its relation only by `relationReference`, the id the relations cache keeps, which is also
//!   shown as the customer (the service carries no name).
//! - The state is the `workflowState` in words; Draft and the cancelled or disapproved ones
//!   are told apart, the rest is "other".
//! - The VAT per rate is derived from each line's amounts (21, 9 or 0 %); a line with another
//!   ratio leaves the breakdown out rather than guess.

use super::answer::workflow_state;
use super::wire::{self, amount, get, text};
use super::{BloxsClient, CREATE, NAME};
use crate::http::Safety;
use chrono::NaiveDate;
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::reader::{
    InvoiceColumn, InvoiceDetail, InvoiceLineRead, InvoicePage, InvoiceQuery, InvoiceState,
    InvoiceSummary, InvoiceVat,
};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

const FILTER: &str = "api/v1/invoices/salesinvoiceservices/filter";

fn date_of(o: &Map<String, Value>, key: &str) -> Option<NaiveDate> {
    let t = text(o, key)?;
    let head: String = t.chars().take(10).collect();
    NaiveDate::parse_from_str(&head, "%Y-%m-%d").ok()
}

fn tidy(d: Decimal) -> Decimal {
    let mut n = d.normalize();
    if n.scale() < 2 {
        n.rescale(2);
    }
    n
}

/// Where a workflow state puts the service.
pub(super) fn state(v: Option<&Value>) -> InvoiceState {
    let n = match v {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok().or_else(|| {
            let k: String = s
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .flat_map(|c| c.to_lowercase())
                .collect();
            match k.as_str() {
                "draft" => Some(1),
                "cancelled" | "canceled" => Some(3),
                "disapproved" => Some(9),
                "disapprovedbyowner" => Some(11),
                _ => None,
            }
        }),
        _ => None,
    };
    match n {
        Some(1) => InvoiceState::Draft,
        Some(3 | 9 | 11) => InvoiceState::Cancelled,
        _ => InvoiceState::Other,
    }
}

/// The sort Bloxs can do for the clerk's column (`columnName`, `order`).
pub(super) fn sorting(query: &InvoiceQuery) -> (&'static str, &'static str) {
    let order = |d: bool| if d { "desc" } else { "asc" };
    match query.sort {
        None => ("supplyDate", "desc"),
        Some(s) => match s.column {
            InvoiceColumn::Number => ("reference", order(s.descending)),
            InvoiceColumn::Date => ("supplyDate", order(s.descending)),
            InvoiceColumn::Customer => ("relationReference", order(s.descending)),
            _ => ("supplyDate", "desc"),
        },
    }
}

/// A `SalesInvoiceServiceDetail` as History lists it; `None` without a reference or a date.
pub(super) fn summary(v: &Value) -> Option<InvoiceSummary> {
    let o = v.as_object()?;
    let reference = text(o, "reference")?;
    let date = date_of(o, "supplyDate")?;
    let excl = amount(o, "totalAmountExcl");
    let vat = amount(o, "totalAmountVAT");
    let incl = amount(o, "totalAmountIncl");
    let vat = vat.or_else(|| incl?.checked_sub(excl?)).unwrap_or_default();
    let excl = excl.or_else(|| incl?.checked_sub(vat)).unwrap_or_default();
    let incl = incl.or_else(|| excl.checked_add(vat)).unwrap_or_default();
    let relation = text(o, "relationReference");
    Some(InvoiceSummary {
        id: reference.clone(),
        number: Some(reference),
        date,
        due_date: None,
        customer: relation.clone().unwrap_or_default(),
        customer_id: relation,
        total_excl: tidy(excl),
        total_vat: tidy(vat),
        total_incl: tidy(incl),
        state: state(get(o, "workflowState")),
        state_text: get(o, "workflowState").and_then(workflow_state),
        actions: Vec::new(),
        project: None,
        flags: Vec::new(),
    })
}

/// The rate of a line from its amounts: 21, 9 or 0 %.
fn line_rate(excl: Decimal, vat: Decimal) -> Option<Decimal> {
    match wire::item_vat_code(Some(excl), Some(vat))? {
        "high" => Some(Decimal::from(21)),
        "low" => Some(Decimal::from(9)),
        _ => Some(Decimal::ZERO),
    }
}

/// One service opened: its summary, its lines and the VAT per rate from the lines.
pub(super) fn detail(v: &Value) -> Option<InvoiceDetail> {
    let summary = summary(v)?;
    let o = v.as_object()?;
    let mut lines = Vec::new();
    let mut per_rate: Option<Vec<InvoiceVat>> = Some(Vec::new());
    let rows = match get(o, "lines") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    };
    for l in rows {
        let quantity = amount(l, "numberOfItems").unwrap_or(Decimal::ONE);
        let excl = amount(l, "amountExcl");
        let vat = amount(l, "amountVAT");
        let vat = vat
            .or_else(|| amount(l, "amountIncl")?.checked_sub(excl?))
            .unwrap_or_default();
        let excl = excl.unwrap_or_default();
        let unit_price = amount(l, "amountExclPerItem")
            .or_else(|| excl.checked_div(quantity))
            .unwrap_or_default();
        let rate = line_rate(excl, vat);
        lines.push(InvoiceLineRead {
            description: text(l, "description")
                .or_else(|| text(l, "serviceItemName"))
                .unwrap_or_default(),
            quantity,
            unit_price,
            vat_code: None,
            amount_excl: tidy(excl),
            vat_percent: rate,
            product_id: text(l, "serviceItemName"),
        });
        match (rate, per_rate.as_mut()) {
            (Some(r), Some(slots)) => match slots.iter_mut().find(|s| s.percentage == r) {
                Some(s) => {
                    s.base = s.base.checked_add(excl).unwrap_or(s.base);
                    s.amount = s.amount.checked_add(vat).unwrap_or(s.amount);
                }
                None => slots.push(InvoiceVat {
                    percentage: r,
                    base: excl,
                    amount: vat,
                    code: None,
                    taxable: None,
                    co_contractor: false,
                    incl: None,
                }),
            },
            (None, _) => per_rate = None,
            _ => {}
        }
    }
    let mut vat = per_rate.unwrap_or_default();
    for s in &mut vat {
        s.base = tidy(s.base);
        s.amount = tidy(s.amount);
        s.incl = s.base.checked_add(s.amount);
    }
    Some(InvoiceDetail {
        summary,
        lines,
        vat,
        address: Vec::new(),
        contact: None,
        vat_number: None,
        reference: text(o, "salesContractReference"),
        texts: Vec::new(),
        price_decimals: None,
    })
}

fn not_found(id: &str) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!("{NAME} kent deze verkoopfactuurdienst niet (meer)."),
        format!("{NAME} does not hold this sales invoice service (any more)."),
    )
    .with_detail(id.to_string())
}

fn forbidden(reply: &crate::http::Reply) -> Error {
    super::answer::forbidden(
        "verkoopfacturen te lezen",
        "read sales invoices",
        reply.vendor_message(),
    )
}

impl BloxsClient {
    /// One page of the owner's sales invoice services.
    pub(super) async fn service_page(
        &self,
        query: &InvoiceQuery,
        cursor: Option<&str>,
    ) -> Result<InvoicePage> {
        let owner = query.administration.trim();
        if owner.is_empty() {
            return Err(super::choose_owner_first());
        }
        let number: u32 = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
            None => 1,
            Some(c) => c.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                Error::internal(format!(
                    "a Bloxs invoice cursor that is no page number: {c}"
                ))
            })?,
        };
        let mut filter = json!({ "ownerReference": owner });
        if let Some(c) = query
            .customer
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            filter["relationReference"] = json!(c);
        }
        if query.from.is_some() || query.to.is_some() {
            let mut range = Map::new();
            if let Some(d) = query.from {
                range.insert("from".into(), json!(d.format("%Y-%m-%d").to_string()));
            }
            if let Some(d) = query.to {
                range.insert("to".into(), json!(d.format("%Y-%m-%d").to_string()));
            }
            filter["supplyDate"] = Value::Object(range);
        }
        let size = self.page_size();
        let (column, order) = sorting(query);
        let body = json!({
            "paging": { "pageSize": size, "pageNumber": number },
            "sorting": { "columnName": column, "order": order },
            "filter": filter,
        });
        let url = self.url(FILTER);
        let reply = self
            .call(Safety::Idempotent, |_| {
                self.inner.http.request(Method::POST, &url).json(&body)
            })
            .await?;
        if !reply.is_success() {
            return Err(match reply.status.as_u16() {
                403 => forbidden(&reply),
                404 | 405 | 300..=399 => super::answer::wrong_address(),
                _ => self.inner.http.read_status_error(&reply),
            });
        }
        let page = wire::parse_page(&reply.body).ok_or_else(|| {
            if reply.json_opt().is_none() {
                self.inner.http.not_the_api(&reply)
            } else {
                super::bad_list("read sales invoice services")
            }
        })?;
        let done = page.is_last(number, size);
        let items = page
            .items
            .iter()
            .filter(|v| {
                // Another owner's service is not this list's.
                v.as_object()
                    .and_then(|o| text(o, "ownerReference"))
                    .is_none_or(|o| o == owner)
            })
            .filter_map(summary)
            .collect();
        Ok(InvoicePage {
            items,
            cursor: (!done).then(|| number.saturating_add(1).to_string()),
            done,
        })
    }

    /// `GET …/salesinvoiceservices?reference=<id>`.
    pub(super) async fn service_detail(&self, id: &str) -> Result<InvoiceDetail> {
        let id = id.trim();
        if id.is_empty() {
            return Err(not_found(id));
        }
        let url = self.url(CREATE);
        let reply = self
            .call(Safety::Idempotent, |_| {
                self.inner
                    .http
                    .request(Method::GET, &url)
                    .query(&[("reference", id)])
            })
            .await?;
        match reply.status.as_u16() {
            200..=299 => {}
            404 => return Err(not_found(id)),
            403 => return Err(forbidden(&reply)),
            _ => return Err(self.inner.http.read_status_error(&reply)),
        }
        let v = reply
            .json_opt()
            .ok_or_else(|| super::bad_list("read a sales invoice service"))?;
        // One detail, or a list of them.
        let one = match &v {
            Value::Object(o) if get(o, "reference").is_some() => Some(v.clone()),
            _ => wire::parse_page(&reply.body).and_then(|p| {
                p.items.into_iter().find(|d| {
                    d.as_object()
                        .and_then(|o| text(o, "reference"))
                        .is_some_and(|r| r == id)
                })
            }),
        };
        match one {
            Some(d) => detail(&d).ok_or_else(|| super::bad_list("read a sales invoice service")),
            None => Err(not_found(id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn a_service_is_read_with_its_lines_and_vat_per_rate_from_the_line_amounts() {
        let d = detail(&json!({
            "reference": "SIS-2026-000001", "supplyDate": "2026-11-30T00:00:00",
            "ownerReference": "OWN-0001", "relationReference": "REL-000001",
            "workflowState": 7, "totalAmountExcl": 1100, "totalAmountVAT": 21,
            "totalAmountIncl": 1121,
            "lines": [
                {"description": "Huur", "numberOfItems": 1, "serviceItemName": "Huur woning",
                 "amountExclPerItem": 1000, "amountExcl": 1000, "amountVAT": 0, "amountIncl": 1000},
                {"serviceItemName": "Schoonmaak", "numberOfItems": 2, "amountExclPerItem": 50,
                 "amountExcl": 100, "amountVAT": 21, "amountIncl": 121}
            ]
        }))
        .unwrap();
        let s = &d.summary;
        assert_eq!(s.id, "SIS-2026-000001");
        assert_eq!(s.customer_id.as_deref(), Some("REL-000001"));
        assert_eq!(s.date, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(s.state, InvoiceState::Other);
        assert_eq!(s.state_text.as_ref().unwrap().en, "Final");
        assert_eq!(d.lines[1].description, "Schoonmaak");
        assert_eq!(d.lines[1].product_id.as_deref(), Some("Schoonmaak"));
        assert_eq!(d.vat.len(), 2);
        assert_eq!(d.vat[0].percentage, Decimal::ZERO);
        assert_eq!(
            (d.vat[1].percentage, d.vat[1].base),
            (dec!(21), dec!(100.00))
        );
    }

    #[test]
    fn a_line_of_an_unknown_rate_leaves_the_breakdown_out_and_states_are_told_apart() {
        let d = detail(&json!({
            "reference": "S", "supplyDate": "2026-01-02", "workflowState": "Draft",
            "lines": [{"amountExcl": 100, "amountVAT": 13}]
        }))
        .unwrap();
        assert!(d.vat.is_empty());
        assert_eq!(d.summary.state, InvoiceState::Draft);
        assert_eq!(d.summary.total_excl, Decimal::ZERO);
        assert_eq!(state(Some(&json!(3))), InvoiceState::Cancelled);
        assert_eq!(state(Some(&json!(11))), InvoiceState::Cancelled);
        assert_eq!(state(None), InvoiceState::Other);
        assert!(summary(&json!({"reference": "S"})).is_none());
    }
}
