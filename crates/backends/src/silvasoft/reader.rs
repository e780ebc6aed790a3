//! History's view of Silvasoft's own invoices: `GET /rest/listsalesinvoices/`, the documented
//! invoice list (the same call the look-up after a lost answer uses).
//!
//! What the documentation gives and what follows from it:
//! - `Limit` (at most 100, 50 with lines), `Offset`, `DateFrom`/`DateTill` (`dd-MM-yyyy`) and
//!   `InvoiceNumber`; always sorted by invoice number, newest first. So the date range is asked
//!   of Silvasoft; customer and words are narrowed by the desk, and the list has one order.
//!   The cursor is the offset.
//! - An invoice's id is its `InvoiceNumber`; one invoice is the list for that number, with
//!   its lines (`InlcudeInvoiceLinesInResponse`, the documentation's spelling, sent together
//!   with the correct spelling).
//! - A row names its customer by `CustomerNumber` and `CustomerName`, not by the
//!   `RelationGUID` the relations cache keeps: a listed invoice has no `customer_id` (unless a
//!   row carries a `RelationGUID`); an opened one asks `listrelations` for the customer with
//!   that number once, so "start from this invoice" finds the relation.
//! - The state comes from `InvoiceOutstandingAmount`: nothing outstanding is paid, otherwise
//!   open. No draft flag is listed.
//! - Every call goes through the account's rate limiter (2 a second, 50 a minute), as the
//!   clerk's requests, ahead of background syncs.

use super::wire::{self, amount, positive_int, text};
use super::{SilvasoftClient, NAME};
use crate::ratelimit::Priority;
use chrono::NaiveDate;
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::reader::{
    InvoiceDetail, InvoiceLineRead, InvoicePage, InvoiceQuery, InvoiceState, InvoiceSummary,
    InvoiceText, InvoiceTextRef, InvoiceVat, TextFormat,
};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// The name of the one text an invoice has: its notes.
pub(super) const NOTES: &str = "notes";

const LIST: &str = "listsalesinvoices";
const WHAT: &str = "list sales invoices";

/// `dd-MM-yyyy` (Silvasoft's format), also with `/` or `.`; an ISO date as well.
fn date_of(o: &Map<String, Value>, key: &str) -> Option<NaiveDate> {
    let t = text(o, &[key])?;
    let head: String = t.chars().take(10).collect();
    ["%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(&head, f).ok())
}

fn tidy(d: Decimal) -> Decimal {
    let mut n = d.normalize();
    if n.scale() < 2 {
        n.rescale(2);
    }
    n
}

/// Where the outstanding amount puts the invoice, and its words.
pub(super) fn state(outstanding: Option<Decimal>) -> (InvoiceState, Option<Text>) {
    match outstanding {
        None => (InvoiceState::Other, None),
        Some(o) if o.is_zero() => (InvoiceState::Paid, Some(Text::new("Betaald", "Paid"))),
        Some(_) => (InvoiceState::Open, Some(Text::new("Openstaand", "Open"))),
    }
}

/// A row of `listsalesinvoices` as History lists it; `None` without a number or a date.
pub(super) fn summary(o: &Map<String, Value>) -> Option<InvoiceSummary> {
    let number = positive_int(o, &["InvoiceNumber"])?;
    let date = date_of(o, "InvoiceDate")?;
    let excl = amount(o, &["InvoiceTotalExclTax"]);
    let vat = amount(o, &["InvoiceTaxAmount"]);
    let incl = amount(o, &["InvoiceTotalInclTax"]);
    let vat = vat.or_else(|| incl?.checked_sub(excl?)).unwrap_or_default();
    let excl = excl.or_else(|| incl?.checked_sub(vat)).unwrap_or_default();
    let incl = incl.or_else(|| excl.checked_add(vat)).unwrap_or_default();
    let (state, state_text) = state(amount(o, &["InvoiceOutstandingAmount"]));
    let project = match (text(o, &["ProjectNumber"]), text(o, &["ProjectName"])) {
        (Some(n), Some(name)) if n != name => Some(format!("{n} {name}")),
        (n, name) => name.or(n),
    };
    Some(InvoiceSummary {
        id: number.to_string(),
        number: Some(number.to_string()),
        date,
        due_date: date_of(o, "InvoiceDueDate"),
        customer: text(o, &["CustomerName"]).unwrap_or_default(),
        customer_id: text(o, &["RelationGUID", "RelationGuid"]),
        total_excl: tidy(excl),
        total_vat: tidy(vat),
        total_incl: tidy(incl),
        state,
        state_text,
        actions: Vec::new(),
        project,
        flags: Vec::new(),
    })
}

fn objects<'a>(o: &'a Map<String, Value>, key: &str) -> Vec<&'a Map<String, Value>> {
    match o.get(key) {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
        Some(Value::Object(x)) => vec![x],
        _ => Vec::new(),
    }
}

/// The invoice address (or the first), one line each: street and number, postcode and city,
/// country.
fn address(o: &Map<String, Value>) -> Vec<String> {
    let all = objects(o, "Invoice_Address");
    let Some(a) = all
        .iter()
        .find(|a| {
            text(a, &["AddressType", "Address_Type"]).is_some_and(|t| {
                t.to_ascii_lowercase().contains("invoice")
                    || t.to_ascii_lowercase().contains("billing")
            })
        })
        .or_else(|| all.first())
    else {
        return Vec::new();
    };
    let street: Vec<String> = ["Address_Street", "Address_Unit", "Address_UnitAppendix"]
        .iter()
        .filter_map(|k| text(a, &[k]))
        .collect();
    let city: Vec<String> = ["Address_PostalCode", "Address_City"]
        .iter()
        .filter_map(|k| text(a, &[k]))
        .collect();
    [
        street.join(" "),
        city.join(" "),
        text(a, &["Address_CountryCode"]).unwrap_or_default(),
    ]
    .into_iter()
    .filter(|l| !l.trim().is_empty())
    .collect()
}

fn contact(o: &Map<String, Value>) -> Option<String> {
    let all = objects(o, "Invoice_Contact");
    let c = all
        .iter()
        .find(|c| text(c, &["ContactType"]).is_some_and(|t| t.eq_ignore_ascii_case("Invoice")))
        .or_else(|| all.first())?;
    let name: Vec<String> = ["FirstName", "LastName"]
        .iter()
        .filter_map(|k| text(c, &[k]))
        .collect();
    if name.is_empty() {
        text(c, &["Email"])
    } else {
        Some(name.join(" "))
    }
}

/// One invoice opened: its summary, its lines (each line's amount excluding VAT as Silvasoft
/// lists it), the VAT per percentage summed from the lines, the address, contact, reference
/// and whether it has notes.
pub(super) fn detail(o: &Map<String, Value>) -> Option<InvoiceDetail> {
    let summary = summary(o)?;
    let mut lines = Vec::new();
    let mut per_rate: Vec<InvoiceVat> = Vec::new();
    for l in objects(o, "Invoice_InvoiceLine") {
        let quantity = amount(l, &["Quantity"]).unwrap_or(Decimal::ONE);
        let excl = amount(l, &["SubTotalExclTax"]);
        let incl = amount(l, &["SubTotalInclTax"]);
        let tax = amount(l, &["TaxAmount"])
            .or_else(|| incl?.checked_sub(excl?))
            .unwrap_or_default();
        let excl = excl.or_else(|| incl?.checked_sub(tax)).unwrap_or_default();
        let unit_price = amount(l, &["UnitPriceExclTax"])
            .or_else(|| excl.checked_div(quantity))
            .unwrap_or_default();
        let percent = amount(l, &["TaxPc"]);
        let code = text(l, &["TaxCode"]);
        lines.push(InvoiceLineRead {
            description: text(l, &["Description"]).unwrap_or_default(),
            quantity,
            unit_price,
            vat_code: code.clone(),
            amount_excl: tidy(excl),
            vat_percent: percent,
            product_id: text(l, &["ProductNumber", "ProductEAN"]),
        });
        let pc = percent.unwrap_or_default().normalize();
        match per_rate.iter_mut().find(|v| v.percentage == pc) {
            Some(v) => {
                v.base = v.base.checked_add(excl).unwrap_or(v.base);
                v.amount = v.amount.checked_add(tax).unwrap_or(v.amount);
            }
            None => per_rate.push(InvoiceVat {
                percentage: pc,
                base: excl,
                amount: tax,
                code,
                taxable: None,
                co_contractor: false,
                incl: None,
            }),
        }
    }
    for v in &mut per_rate {
        v.base = tidy(v.base);
        v.amount = tidy(v.amount);
        v.incl = v.base.checked_add(v.amount);
    }
    let texts = if text(o, &["InvoiceNotes"]).is_some() {
        vec![InvoiceTextRef {
            which: NOTES.into(),
            label: Text::new("Notities", "Notes"),
            formats: vec![TextFormat::Plain],
        }]
    } else {
        Vec::new()
    };
    Some(InvoiceDetail {
        summary,
        lines,
        vat: per_rate,
        address: address(o),
        contact: contact(o),
        vat_number: None,
        reference: text(o, &["InvoiceReference"]),
        texts,
        price_decimals: None,
    })
}

/// Silvasoft's dates in the query: `dd-MM-yyyy`.
fn query_date(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

fn not_found(id: &str) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!("{NAME} kent deze factuur niet (meer)."),
        format!("{NAME} does not hold this invoice (any more)."),
    )
    .with_detail(id.to_string())
}

impl SilvasoftClient {
    /// One page of the invoice list, from the offset in `cursor`, within the query's dates.
    pub(super) async fn invoice_page(
        &self,
        query: &InvoiceQuery,
        cursor: Option<&str>,
    ) -> Result<InvoicePage> {
        let offset: u64 = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
            None => 0,
            Some(c) => c.parse().map_err(|_| {
                Error::internal(format!("a Silvasoft invoice cursor that is no number: {c}"))
            })?,
        };
        let limit = self.invoice_page_size();
        let mut q: Vec<(&str, String)> =
            vec![("Limit", limit.to_string()), ("Offset", offset.to_string())];
        if let Some(d) = query.from {
            q.push(("DateFrom", query_date(d)));
        }
        if let Some(d) = query.to {
            q.push(("DateTill", query_date(d)));
        }
        let (rows, _) = self.list(LIST, &q, WHAT, Priority::Interactive).await?;
        let n = rows.len() as u64;
        let items: Vec<InvoiceSummary> = rows.iter().filter_map(summary).collect();
        if items.len() < rows.len() {
            tracing::warn!(
                system = NAME,
                skipped = rows.len() - items.len(),
                "invoices without a number or date skipped"
            );
        }
        let done = n < limit;
        Ok(InvoicePage {
            items,
            cursor: (!done).then(|| offset.saturating_add(n).to_string()),
            done,
        })
    }

    /// The row Silvasoft lists for invoice `id` (its number), with lines when asked.
    async fn invoice_row(&self, id: &str, lines: bool) -> Result<Map<String, Value>> {
        let Some(number) = id.trim().parse::<u64>().ok().filter(|n| *n > 0) else {
            return Err(not_found(id));
        };
        let mut q: Vec<(&str, String)> = vec![("InvoiceNumber", number.to_string())];
        if lines {
            // The documentation's spelling, and the correct one in case it is fixed.
            q.push(("InlcudeInvoiceLinesInResponse", "true".into()));
            q.push(("IncludeInvoiceLinesInResponse", "true".into()));
        }
        let (rows, _) = self.list(LIST, &q, WHAT, Priority::Interactive).await?;
        rows.into_iter()
            .find(|r| positive_int(r, &["InvoiceNumber"]) == Some(number))
            .ok_or_else(|| not_found(id))
    }

    /// The `RelationGUID` of the customer with this number (one `listrelations` call), so the
    /// opened invoice names its relation as the cache does. `None` when none or several match.
    async fn customer_guid(&self, number: u64) -> Option<String> {
        let q: Vec<(&str, String)> = vec![
            ("RelationNumber", number.to_string()),
            ("RelationType", "Customer".into()),
        ];
        match self
            .list("listrelations", &q, "list relations", Priority::Interactive)
            .await
        {
            Ok((rows, _)) => {
                let guids: Vec<String> = rows
                    .iter()
                    .filter(|r| positive_int(r, &["CustomerNumber"]) == Some(number))
                    .filter_map(wire::relation)
                    .map(|r| r.guid)
                    .collect();
                (guids.len() == 1)
                    .then(|| guids.into_iter().next())
                    .flatten()
            }
            Err(e) => {
                tracing::info!(system = NAME, code = ?e.code, "customer of an invoice not looked up");
                None
            }
        }
    }

    pub(super) async fn invoice_detail(&self, id: &str) -> Result<InvoiceDetail> {
        let row = self.invoice_row(id, true).await?;
        let mut d = detail(&row).ok_or_else(|| super::bad_list(WHAT))?;
        if d.summary.customer_id.is_none() {
            if let Some(n) = positive_int(&row, &["CustomerNumber"]) {
                d.summary.customer_id = self.customer_guid(n).await;
            }
        }
        Ok(d)
    }

    pub(super) async fn invoice_text(&self, id: &str, which: &str) -> Result<InvoiceText> {
        if which != NOTES {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!("Een factuur van {NAME} heeft alleen notities."),
                format!("A {NAME} invoice has only notes."),
            ));
        }
        let row = self.invoice_row(id, false).await?;
        Ok(InvoiceText {
            format: TextFormat::Plain,
            content: text(&row, &["InvoiceNotes"]).unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn a_listed_invoice_is_read_with_silvasofts_dates_and_a_missing_tax_from_the_totals() {
        let s = summary(&obj(json!({
            "InvoiceNumber": 1042, "InvoiceDate": "05-05-2017", "InvoiceDueDate": "",
            "CustomerNumber": 7, "CustomerName": "Demo bedrijf",
            "InvoiceTotalExclTax": 100, "InvoiceTotalInclTax": "121.00",
            "InvoiceOutstandingAmount": 0.0, "ProjectNumber": "2025-014", "ProjectName": ""
        })))
        .unwrap();
        assert_eq!(s.id, "1042");
        assert_eq!(s.date, NaiveDate::from_ymd_opt(2017, 5, 5).unwrap());
        assert_eq!(s.due_date, None);
        assert_eq!(s.total_vat, dec!(21.00));
        assert_eq!(s.total_excl.to_string(), "100.00");
        assert_eq!(s.state, InvoiceState::Paid);
        assert_eq!(s.project.as_deref(), Some("2025-014"));
        assert_eq!(s.customer_id, None, "a customer number is no relation id");
    }

    #[test]
    fn rows_without_a_number_or_a_date_are_skipped_and_huge_amounts_do_not_panic() {
        assert!(summary(&obj(json!({"InvoiceDate": "05-05-2017"}))).is_none());
        assert!(summary(&obj(
            json!({"InvoiceNumber": 0, "InvoiceDate": "05-05-2017"})
        ))
        .is_none());
        assert!(summary(&obj(json!({"InvoiceNumber": 3, "InvoiceDate": "5 mei"}))).is_none());
        let s = summary(&obj(
            json!({"InvoiceNumber": 3, "InvoiceDate": "05-05-2017",
            "InvoiceTotalExclTax": "79228162514264337593543950335",
            "InvoiceTotalInclTax": "-79228162514264337593543950335"}),
        ))
        .unwrap();
        assert_eq!(s.total_vat, Decimal::ZERO);
        assert_eq!(s.state, InvoiceState::Other);
    }

    #[test]
    fn lines_of_two_rates_give_a_vat_slot_each_and_lines_without_quantity_count_once() {
        let d = detail(&obj(json!({
            "InvoiceNumber": 9, "InvoiceDate": "01-09-2025",
            "InvoiceTotalExclTax": 150, "InvoiceTaxAmount": 25.50, "InvoiceTotalInclTax": 175.50,
            "InvoiceOutstandingAmount": 175.5, "InvoiceNotes": "",
            "Invoice_InvoiceLine": [
                {"Description": "Uur", "Quantity": 2, "UnitPriceExclTax": 50, "TaxPc": 21,
                 "SubTotalExclTax": 100, "TaxAmount": 21, "SubTotalInclTax": 121},
                {"Description": "Koffie", "TaxPc": 9, "SubTotalInclTax": 54.50, "TaxAmount": 4.50}
            ],
            "Invoice_Address": [{"Address_Street": "Dorpsstraat", "Address_Unit": "1",
                "Address_PostalCode": "1234 AB", "Address_City": "Leusden", "Address_CountryCode": "NL"}]
        })))
        .unwrap();
        assert_eq!(d.lines.len(), 2);
        assert_eq!(d.lines[1].quantity, Decimal::ONE);
        assert_eq!(d.lines[1].amount_excl, dec!(50.00));
        assert_eq!(d.lines[1].unit_price, dec!(50.00));
        assert_eq!(d.vat.len(), 2);
        assert_eq!(
            (d.vat[0].base, d.vat[0].amount),
            (dec!(100.00), dec!(21.00))
        );
        assert_eq!(d.vat[1].incl, Some(dec!(54.50)));
        assert_eq!(d.address, vec!["Dorpsstraat 1", "1234 AB Leusden", "NL"]);
        assert!(d.texts.is_empty(), "empty notes are no text");
        assert_eq!(d.summary.state, InvoiceState::Open);
    }
}
