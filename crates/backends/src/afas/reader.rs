//! History's view of AFAS SB's own sales invoices: `GET /api/salesinvoices` (salesinvoices
//! 1.0), the only documented read of sales invoices.
//!
//! What the spec documents and what follows from it:
//! - The list takes `skip`, `take`, `sortField` (`'fieldId [direction]'`) and `filter` (OData
//!   `eq`, `and`, `or` only). So the list is asked per administration (`AdministrationId eq`)
//!   in the order the clerk sorts by; dates, customer and words are narrowed by the desk, as
//!   no range or "contains" operator is documented.
//! - There is no total and no "next": a page shorter than `take` is the last. The cursor is
//!   the number of rows to skip.
//! - There is no GET of one invoice: one is the list filtered on `InstanceId`.
//! - A row has no lines, no due date and no VAT per rate (`AmountVat` is even `null` in the
//!   spec's example): an opened invoice shows its totals only. When `AmountVat` is missing, the
//!   VAT is `AmountInvoiced − AmountExcludingVat`.
//! - The relation is named by type, number and description; the spec also lists members
//!   `Organisation`, `Person` and `Unknown` (typed `string`, in no example), read here as the
//!   relation's uuid (the id the relations cache keeps), an uuid or an object with an `Id`.
//! - `Status`: the example has `DONE` (invoiced); a draft ("to be invoiced") is assumed to be
//!   `DRAFT`. Other values are shown as AFAS writes them.

use super::wire::{self, parse_decimal_exact};
use super::{AfasClient, NAME, SALES_INVOICES};
use crate::http::Safety;
use chrono::NaiveDate;
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::reader::{
    InvoiceColumn, InvoiceDetail, InvoicePage, InvoiceQuery, InvoiceState, InvoiceSummary,
};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// The spec's field to sort on for a column, and whether AFAS has it; the clerk's default is
/// the newest first.
pub(super) fn sort_field(query: &InvoiceQuery) -> String {
    let (field, descending) = match query.sort {
        None => ("IssueDate", true),
        Some(s) => {
            let field = match s.column {
                InvoiceColumn::Number => "SalesInvoiceNumber",
                InvoiceColumn::Date => "IssueDate",
                InvoiceColumn::Customer => "RelationDescription",
                InvoiceColumn::TotalExcl => "AmountExcludingVat",
                InvoiceColumn::TotalVat => "AmountVat",
                InvoiceColumn::TotalIncl => "AmountInvoiced",
                InvoiceColumn::State => "Status",
                // No due date and no project in the list: the newest first.
                InvoiceColumn::DueDate | InvoiceColumn::Project => {
                    return "IssueDate descending".into()
                }
            };
            (field, s.descending)
        }
    };
    format!(
        "{field} {}",
        if descending {
            "descending"
        } else {
            "ascending"
        }
    )
}

fn get<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    match get(o, key)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn amount(o: &Map<String, Value>, key: &str) -> Option<Decimal> {
    match get(o, key)? {
        Value::Number(n) => parse_decimal_exact(&n.to_string()),
        Value::String(s) => parse_decimal_exact(s),
        _ => None,
    }
    .map(wire::tidy_amount)
}

/// `2023-05-19T00:00:00Z` (or a bare date) as the date it names, not moved by a time zone.
fn date(o: &Map<String, Value>, key: &str) -> Option<NaiveDate> {
    let t = text(o, key)?;
    let head: String = t.chars().take(10).collect();
    NaiveDate::parse_from_str(&head, "%Y-%m-%d").ok()
}

/// The relation's uuid: the member named after its type, as an uuid or as `{"Id": …}`.
fn relation_id(o: &Map<String, Value>) -> Option<String> {
    let kind = text(o, "RelationType")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let order: [&str; 3] = match kind.as_str() {
        "person" => ["Person", "Organisation", "Unknown"],
        "unknown" => ["Unknown", "Organisation", "Person"],
        _ => ["Organisation", "Person", "Unknown"],
    };
    order.iter().find_map(|k| {
        let v = get(o, k)?;
        let id = match v {
            Value::String(s) => s.trim().to_string(),
            Value::Object(m) => text(m, "Id")?,
            _ => return None,
        };
        uuid::Uuid::parse_str(&id).ok().map(|u| u.to_string())
    })
}

/// Where a status puts the invoice, and its words.
pub(super) fn state(status: &str) -> (InvoiceState, Option<Text>) {
    let s = status.trim();
    match s.to_ascii_uppercase().as_str() {
        "" => (InvoiceState::Other, None),
        "DONE" => (
            InvoiceState::Other,
            Some(Text::new("Gefactureerd", "Invoiced")),
        ),
        "DRAFT" => (
            InvoiceState::Draft,
            Some(Text::new("Nog te factureren", "To be invoiced")),
        ),
        _ => {
            let t: String = s.chars().take(60).collect();
            (InvoiceState::Other, Some(Text::new(t.clone(), t)))
        }
    }
}

/// A row of `salesinvoices` as History lists it; `None` without an id or a date.
pub(super) fn summary(v: &Value) -> Option<InvoiceSummary> {
    let o = v.as_object()?;
    let id = text(o, "InstanceId")?;
    let date = date(o, "IssueDate")?;
    let excl = amount(o, "AmountExcludingVat");
    let incl = amount(o, "AmountInvoiced");
    let vat = amount(o, "AmountVat")
        .or_else(|| incl?.checked_sub(excl?))
        .unwrap_or_default();
    let excl = excl.or_else(|| incl?.checked_sub(vat)).unwrap_or_default();
    let incl = incl.or_else(|| excl.checked_add(vat)).unwrap_or_default();
    let (state, state_text) = state(&text(o, "Status").unwrap_or_default());
    Some(InvoiceSummary {
        id,
        number: text(o, "SalesInvoiceNumber"),
        date,
        due_date: None,
        customer: text(o, "RelationDescription").unwrap_or_default(),
        customer_id: relation_id(o),
        total_excl: excl,
        total_vat: vat,
        total_incl: incl,
        state,
        state_text,
        actions: Vec::new(),
        project: None,
        flags: Vec::new(),
    })
}

/// An invoice opened: its summary only. AFAS SB documents no read of a sales invoice's
/// lines, and gives no VAT per rate, so no lines and no breakdown are made up.
pub(super) fn detail(v: &Value) -> Option<InvoiceDetail> {
    Some(InvoiceDetail {
        summary: summary(v)?,
        lines: Vec::new(),
        vat: Vec::new(),
        address: Vec::new(),
        contact: None,
        vat_number: None,
        reference: None,
        texts: Vec::new(),
        price_decimals: None,
    })
}

fn not_found(id: &str) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!("{NAME} kent deze verkoopfactuur niet (meer)."),
        format!("{NAME} does not hold this sales invoice (any more)."),
    )
    .with_detail(id.to_string())
}

impl AfasClient {
    /// One page of `GET /api/salesinvoices` with these parameters.
    async fn sales_invoices(&self, query: &[(&str, String)]) -> Result<Vec<Value>> {
        let ep = SALES_INVOICES;
        let url = self.url(&format!("api/{}", ep.path));
        let reply = self
            .call(Safety::Idempotent, |token| {
                self.inner
                    .http
                    .request(Method::GET, &url)
                    .query(query)
                    .bearer_auth(token)
                    .header("Accept", "application/json")
                    .header("Accept-Version", ep.version)
            })
            .await?;
        if !reply.is_success() {
            return Err(self.list_error(&ep, &reply));
        }
        let page = wire::parse_list(&reply.body).ok_or_else(|| {
            if reply.json_opt().is_none() {
                self.inner.http.not_the_api(&reply)
            } else {
                super::bad_list(ep.what_en)
            }
        })?;
        Ok(page.rows)
    }

    /// One page of the administration's sales invoices, `skip` from the cursor.
    pub(super) async fn invoice_page(
        &self,
        query: &InvoiceQuery,
        cursor: Option<&str>,
    ) -> Result<InvoicePage> {
        let admin = query.administration.trim();
        if uuid::Uuid::parse_str(admin).is_err() {
            return Err(Error::new(
                ErrorCode::Validation,
                "Kies eerst een administratie.",
                "Choose an administration first.",
            )
            .with_field("administration"));
        }
        let skip: u64 = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
            None => 0,
            Some(c) => c.parse().map_err(|_| {
                Error::internal(format!("an AFAS SB invoice cursor that is no number: {c}"))
            })?,
        };
        let take = self.take();
        let params: Vec<(&str, String)> = vec![
            ("skip", skip.to_string()),
            ("take", take.to_string()),
            ("sortField", sort_field(query)),
            ("filter", format!("AdministrationId eq {admin}")),
        ];
        let rows = self.sales_invoices(&params).await?;
        let n = rows.len() as u64;
        let items: Vec<InvoiceSummary> = rows
            .iter()
            .filter(|r| {
                // A row of another administration is not this list's.
                r.get("AdministrationId")
                    .and_then(Value::as_str)
                    .is_none_or(|a| a.trim().eq_ignore_ascii_case(admin))
            })
            .filter_map(summary)
            .collect();
        if items.len() < rows.len() {
            tracing::warn!(
                system = NAME,
                skipped = rows.len() - items.len(),
                "sales invoices skipped (no id or date, or another administration)"
            );
        }
        let done = n < take;
        Ok(InvoicePage {
            items,
            cursor: (!done).then(|| skip.saturating_add(n).to_string()),
            done,
        })
    }

    /// One sales invoice: the list filtered on its `InstanceId`.
    pub(super) async fn invoice_by_id(&self, id: &str) -> Result<InvoiceDetail> {
        let id = id.trim();
        let Ok(uuid) = uuid::Uuid::parse_str(id) else {
            return Err(not_found(id));
        };
        let params: Vec<(&str, String)> = vec![
            ("skip", "0".into()),
            ("take", "1".into()),
            ("filter", format!("InstanceId eq {uuid}")),
        ];
        let rows = self.sales_invoices(&params).await?;
        let row = rows.iter().find(|r| {
            r.get("InstanceId")
                .and_then(Value::as_str)
                .and_then(|i| uuid::Uuid::parse_str(i.trim()).ok())
                == Some(uuid)
        });
        match row {
            Some(r) => detail(r).ok_or_else(|| super::bad_list(SALES_INVOICES.what_en)),
            None => Err(not_found(id)),
        }
    }

    /// AFAS SB documents no texts on a sales invoice.
    pub(super) fn no_text(&self) -> Error {
        Error::new(
            ErrorCode::NotFound,
            format!("Een verkoopfactuur van {NAME} heeft geen teksten die de app kan lezen."),
            format!("A {NAME} sales invoice has no texts the app can read."),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use invoice_desk_core::reader::InvoiceSort;
    use rust_decimal_macros::dec;
    use serde_json::json;

    #[test]
    fn the_specs_own_example_row_is_read_with_its_vat_from_the_totals() {
        // From the 6.0.0 spec's example: `AmountVat` is null, no relation member.
        let row = json!({
            "InstanceId": "076141be-27ea-5cf9-9132-002f6f0f4f97",
            "AmountExcludingVat": 1557.69, "AmountVat": null, "AmountInvoiced": 1884.80,
            "SalesInvoiceNumber": "V01230060", "IssueDate": "2023-05-19T00:00:00Z",
            "AdministrationId": "bb837613-26e7-52bd-bc56-f3721b90a42e", "Status": "DONE",
            "Blob": null, "RelationTypeId": "1f0fbbf3-bb59-4ff1-8712-1e7087e09895",
            "RelationNumber": "000032", "RelationDescription": "Alsach Musik GmbH",
            "RelationType": "organisation"
        });
        let s = summary(&row).unwrap();
        assert_eq!(s.number.as_deref(), Some("V01230060"));
        assert_eq!(s.date, NaiveDate::from_ymd_opt(2023, 5, 19).unwrap());
        assert_eq!(s.total_excl, dec!(1557.69));
        assert_eq!(s.total_vat, dec!(327.11));
        assert_eq!(s.total_incl, dec!(1884.80));
        assert_eq!(s.customer, "Alsach Musik GmbH");
        assert_eq!(s.customer_id, None);
        assert_eq!(s.state_text.unwrap().nl, "Gefactureerd");
    }

    #[test]
    fn the_relation_id_is_read_from_the_member_of_its_type_as_text_or_object() {
        let id = "7b8e279b-b551-556e-a00a-a815392d0d38";
        let base = |extra: Value| {
            let mut v = json!({"InstanceId": "x", "IssueDate": "2024-12-13",
                "AmountExcludingVat": "10.00", "AmountVat": "2.10", "AmountInvoiced": "12.10"});
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            v
        };
        let s = summary(&base(json!({"RelationType": "person", "Person": id}))).unwrap();
        assert_eq!(s.customer_id.as_deref(), Some(id));
        let s = summary(&base(json!({"RelationType": "organisation",
            "Organisation": {"Id": id, "ComponentId": "x"}})))
        .unwrap();
        assert_eq!(s.customer_id.as_deref(), Some(id));
        // Not an uuid: not a relation id the cache could hold.
        let s = summary(&base(json!({"Organisation": "Bakkerij"}))).unwrap();
        assert_eq!(s.customer_id, None);
        assert_eq!(s.total_vat, dec!(2.10));
    }

    #[test]
    fn a_row_without_id_or_date_is_skipped_and_odd_amounts_do_not_panic() {
        assert!(summary(&json!({"IssueDate": "2024-01-01"})).is_none());
        assert!(summary(&json!({"InstanceId": "a", "IssueDate": ""})).is_none());
        assert!(summary(&json!({"InstanceId": "a", "IssueDate": "01-02-2024"})).is_none());
        let s = summary(&json!({"InstanceId": "a", "IssueDate": "2024-01-01",
            "AmountExcludingVat": "79228162514264337593543950335",
            "AmountInvoiced": "-79228162514264337593543950335"}))
        .unwrap();
        assert_eq!(s.total_vat, Decimal::ZERO);
        assert_eq!(s.state, InvoiceState::Other);
    }

    #[test]
    fn each_column_sorts_on_the_specs_field_and_the_default_is_the_newest_first() {
        let q = |column, descending| InvoiceQuery {
            sort: Some(InvoiceSort { column, descending }),
            ..Default::default()
        };
        assert_eq!(sort_field(&InvoiceQuery::default()), "IssueDate descending");
        assert_eq!(
            sort_field(&q(InvoiceColumn::Number, false)),
            "SalesInvoiceNumber ascending"
        );
        assert_eq!(
            sort_field(&q(InvoiceColumn::DueDate, false)),
            "IssueDate descending"
        );
        assert_eq!(
            sort_field(&q(InvoiceColumn::State, true)),
            "Status descending"
        );
    }
}
