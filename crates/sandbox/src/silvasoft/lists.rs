//! The GET endpoints: `listrelations`, `listproducts`, `listsalesinvoices`.
//!
//! Query parameter names are case-sensitive and an unknown name is ignored (as the vendor's
//! own curl example `?category=Electronics` shows, a misspelt name silently does nothing). A
//! known parameter with a value it cannot take is 400 `INVALID_PARAMETER`. An empty value
//! counts as absent. When a parameter is repeated, the first value counts.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use chrono::NaiveDate;
use serde_json::Value;

use super::data::Relation;
use super::errors::{self, ApiError};
use super::Silvasoft;
use crate::afas::query::parse_query;

/// The most rows `listrelations` answers at once.
pub const MAX_RELATIONS: usize = 200;
/// The most rows `listproducts` answers at once.
pub const MAX_PRODUCTS: usize = 100;
/// The most rows `listsalesinvoices` answers at once, with lines, with PDFs.
pub const MAX_INVOICES: usize = 100;
pub const MAX_INVOICES_WITH_LINES: usize = 50;
pub const MAX_INVOICES_WITH_PDF: usize = 15;

/// The query parameters, by exact name.
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(q: Option<&str>) -> Params {
        Params(parse_query(q))
    }

    /// The first non-empty value of the parameter named exactly `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    pub fn integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|v| {
                super::body::parse_integer(v).ok_or_else(|| {
                    ApiError::invalid(format!(
                        "Parameter {name} must be a whole number, got '{v}'"
                    ))
                })
            })
            .transpose()
    }

    /// A Boolean the way Java's `Boolean.parseBoolean` reads it: `true` in any case, anything
    /// else is false.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// One of the allowed values (case-sensitive).
    pub fn choice(
        &self,
        name: &str,
        allowed: &[&'static str],
    ) -> Result<Option<&'static str>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => allowed
                .iter()
                .find(|a| **a == v)
                .copied()
                .map(Some)
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "Parameter {name} must be one of {}, got '{v}'",
                        allowed.join(", ")
                    ))
                }),
        }
    }

    /// `Limit` clamped to `max` (absent: `max`) and `Offset` (absent: 0).
    pub fn paging(&self, max: usize) -> Result<(usize, usize), ApiError> {
        let limit = match self.integer("Limit")? {
            None => max,
            Some(l) if l < 1 => {
                return Err(ApiError::invalid(format!(
                    "Parameter Limit must be at least 1, got {l}"
                )))
            }
            Some(l) => (l as u64).min(max as u64) as usize,
        };
        let offset = match self.integer("Offset")? {
            None => 0,
            Some(o) if o < 0 => {
                return Err(ApiError::invalid(format!(
                    "Parameter Offset must not be negative, got {o}"
                )))
            }
            Some(o) => o as usize,
        };
        Ok((limit, offset))
    }

    /// A date in `dd-MM-yyyy`.
    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, ApiError> {
        self.get(name)
            .map(|v| {
                parse_date(v).ok_or_else(|| {
                    ApiError::invalid(format!(
                        "Parameter {name} '{v}' is not a valid date in format dd-MM-yyyy"
                    ))
                })
            })
            .transpose()
    }
}

/// `dd-MM-yyyy`, strictly: two digits, two digits, four digits, a real calendar date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[2] == b'-'
        && b[5] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 2 || i == 5 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%d-%m-%Y").ok()
}

fn ieq(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// The criteria `SearchOperand` combines.
fn relation_matches(r: &Relation, p: &Params, or: bool) -> bool {
    let mut tests: Vec<bool> = Vec::new();
    if let Some(n) = p.get("RelationNumber") {
        let n = n.trim();
        tests.push(
            r.customer_number.is_some_and(|c| c.to_string() == n)
                || r.supplier_number.is_some_and(|s| s.to_string() == n),
        );
    }
    if let Some(name) = p.get("RelationName") {
        tests.push(ieq(&r.name, name));
    }
    if let Some(email) = p.get("RelationEmail") {
        tests.push(r.email.as_deref().is_some_and(|e| ieq(e, email)));
    }
    if let Some(vat) = p.get("RelationVAT") {
        tests.push(
            r.vat_core()
                .is_some_and(|v| v.eq_ignore_ascii_case(vat.trim())),
        );
    }
    if tests.is_empty() {
        true
    } else if or {
        tests.iter().any(|t| *t)
    } else {
        tests.iter().all(|t| *t)
    }
}

fn cmp_opt(a: Option<i64>, b: Option<i64>) -> Ordering {
    // Zeros and nulls first, as the documentation warns.
    a.unwrap_or(0).cmp(&b.unwrap_or(0))
}

pub async fn list_relations(State(s): State<Arc<Silvasoft>>, RawQuery(q): RawQuery) -> Response {
    match relations(&s, &Params::parse(q.as_deref())) {
        Ok(rows) => errors::list(rows),
        Err(e) => e.into_response(),
    }
}

fn relations(s: &Silvasoft, p: &Params) -> Result<Vec<Value>, ApiError> {
    let kind = p.choice("RelationType", &["All", "Supplier", "Customer"])?;
    let guid = p.integer("RelationGUID")?;
    let or = p.choice("SearchOperand", &["AND", "OR"])? == Some("OR");
    let sorting = p.choice(
        "Sorting",
        &[
            "createdDate",
            "RelationGUID",
            "CustomerNumber",
            "SupplierNumber",
            "Name",
        ],
    )?;
    let descending = matches!(
        p.choice("SortDir", &["ASC", "DESC", "DEC"])?,
        Some("DESC" | "DEC")
    );
    let (limit, offset) = p.paging(MAX_RELATIONS)?;
    let data = s.data.read();
    let mut rows: Vec<&Relation> = data
        .relations
        .iter()
        .filter(|r| !r.archived)
        .filter(|r| match kind {
            Some("Supplier") => r.is_supplier,
            Some("Customer") => r.is_customer,
            _ => true,
        })
        .filter(|r| guid.is_none_or(|g| r.guid == g))
        .filter(|r| relation_matches(r, p, or))
        .collect();
    match sorting {
        Some("CustomerNumber") => rows.sort_by(|a, b| {
            cmp_opt(a.customer_number, b.customer_number).then(a.guid.cmp(&b.guid))
        }),
        Some("SupplierNumber") => rows.sort_by(|a, b| {
            cmp_opt(a.supplier_number, b.supplier_number).then(a.guid.cmp(&b.guid))
        }),
        Some("Name") => rows.sort_by_cached_key(|r| (r.name.to_lowercase(), r.guid)),
        // Stored in creation order, which is also GUID order.
        _ => {}
    }
    if descending {
        rows.reverse();
    }
    Ok(rows
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(Relation::to_json)
        .collect())
}

pub async fn list_products(State(s): State<Arc<Silvasoft>>, RawQuery(q): RawQuery) -> Response {
    match products(&s, &Params::parse(q.as_deref())) {
        Ok(rows) => errors::list(rows),
        Err(e) => e.into_response(),
    }
}

fn products(s: &Silvasoft, p: &Params) -> Result<Vec<Value>, ApiError> {
    let changed_since = p.integer("ChangedSince")?;
    let created_since = p.integer("CreatedSince")?;
    let (limit, offset) = p.paging(MAX_PRODUCTS)?;
    let archived = p.flag("IncludeArchived");
    let positions = p.flag("IncludeStockPositions");
    let category = p.get("Category");
    let article = p.get("ArticleNumber");
    let ean = p.get("EAN");
    let data = s.data.read();
    Ok(data
        .products
        .iter()
        .filter(|x| archived || !x.archived)
        .filter(|x| category.is_none_or(|c| x.category.as_deref().is_some_and(|xc| ieq(xc, c))))
        .filter(|x| article.is_none_or(|a| x.article_number == a))
        .filter(|x| ean.is_none_or(|e| x.ean.as_deref() == Some(e)))
        .filter(|x| changed_since.is_none_or(|t| x.changed >= t))
        .filter(|x| created_since.is_none_or(|t| x.created >= t))
        .skip(offset)
        .take(limit)
        .map(|x| x.to_json(positions))
        .collect())
}

pub async fn list_sales_invoices(
    State(s): State<Arc<Silvasoft>>,
    RawQuery(q): RawQuery,
) -> Response {
    match sales_invoices(&s, &Params::parse(q.as_deref())) {
        Ok(rows) => errors::list(rows),
        Err(e) => e.into_response(),
    }
}

fn sales_invoices(s: &Silvasoft, p: &Params) -> Result<Vec<Value>, ApiError> {
    let number = p.integer("InvoiceNumber")?;
    let lines = p.flag("InlcudeInvoiceLinesInResponse");
    let pdf = p.flag("IncludeBase64PDF");
    let max = if pdf {
        MAX_INVOICES_WITH_PDF
    } else if lines {
        MAX_INVOICES_WITH_LINES
    } else {
        MAX_INVOICES
    };
    let (limit, offset) = p.paging(max)?;
    let from = p.date("DateFrom")?;
    let till = p.date("DateTill")?;
    let data = s.data.read();
    let mut rows: Vec<_> = data
        .invoices
        .iter()
        .filter(|i| number.is_none_or(|n| i.number == n))
        .filter(|i| from.is_none_or(|d| i.date >= d))
        .filter(|i| till.is_none_or(|d| i.date <= d))
        .collect();
    rows.sort_by_key(|i| std::cmp::Reverse(i.number));
    Ok(rows
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|i| i.to_json(lines, pdf))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("05-05-2017").is_some());
        assert!(parse_date("5-5-2017").is_none());
        assert!(parse_date("2017-05-05").is_none());
        assert!(parse_date("31-02-2026").is_none());
        assert!(parse_date("05/05/2017").is_none());
    }

    #[test]
    fn params_are_case_sensitive_and_clamped() {
        let p = Params::parse(Some("limit=5&Limit=500&Offset=3&relationtype=Foo"));
        assert_eq!(p.paging(200).unwrap(), (200, 3));
        assert!(p.choice("RelationType", &["All"]).unwrap().is_none());
        assert!(Params::parse(Some("Limit=abc")).paging(100).is_err());
        assert!(Params::parse(Some("Limit=0")).paging(100).is_err());
        assert!(Params::parse(Some("RelationType=customer"))
            .choice("RelationType", &["All", "Supplier", "Customer"])
            .is_err());
    }
}
