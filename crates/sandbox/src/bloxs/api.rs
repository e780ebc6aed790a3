//! Bloxs's API: the filter endpoints, the service items, the create call and the look-up.

use std::cmp::Ordering;
use std::str::FromStr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::data::{num, round2, Data, Kind, Relation, Service};
use super::errors::{self, Errors};
use super::{read_object, Bloxs};
use crate::kit::server::DropConnection;

// ---------------------------------------------------------------------------------------------
// filter endpoints

/// The paging, sorting and filter of a filter request.
struct Query {
    size: usize,
    number: usize,
    column: String,
    desc: bool,
    filter: Map<String, Value>,
}

const MAX_PAGE_SIZE: u64 = 1000;
const DEFAULT_PAGE_SIZE: usize = 100;

fn object<'a>(
    obj: &'a Map<String, Value>,
    member: &str,
    path: &str,
    errs: &mut Errors,
) -> Option<&'a Map<String, Value>> {
    match obj.get(member) {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => {
            errs.add(path, "The JSON value could not be converted to an object.");
            None
        }
    }
}

fn int32(v: &Value, path: &str, errs: &mut Errors) -> Option<i64> {
    match v.as_i64() {
        Some(n) if i32::try_from(n).is_ok() => Some(n),
        _ => {
            errs.add(
                path,
                "The JSON value could not be converted to System.Int32.",
            );
            None
        }
    }
}

/// Reads the body of a filter call; `columns` are the sortable columns (the first is the
/// default).
fn read_query(headers: &HeaderMap, body: &Bytes, columns: &[&str]) -> Result<Query, Response> {
    let obj = read_object(headers, body)?;
    let mut errs = Errors::default();
    let mut q = Query {
        size: DEFAULT_PAGE_SIZE,
        number: 1,
        column: columns.first().copied().unwrap_or("reference").to_string(),
        desc: false,
        filter: Map::new(),
    };
    if let Some(paging) = object(&obj, "paging", "paging", &mut errs) {
        if let Some(v) = paging.get("pageSize").filter(|v| !v.is_null()) {
            if let Some(n) = int32(v, "paging.pageSize", &mut errs) {
                match u64::try_from(n) {
                    Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => q.size = n as usize,
                    _ => errs.add(
                        "paging.pageSize",
                        format!("The field PageSize must be between 1 and {MAX_PAGE_SIZE}."),
                    ),
                }
            }
        }
        if let Some(v) = paging.get("pageNumber").filter(|v| !v.is_null()) {
            if let Some(n) = int32(v, "paging.pageNumber", &mut errs) {
                match usize::try_from(n) {
                    Ok(n) if n >= 1 => q.number = n,
                    _ => errs.add(
                        "paging.pageNumber",
                        "The field PageNumber must be between 1 and 2147483647.",
                    ),
                }
            }
        }
    }
    if let Some(sorting) = object(&obj, "sorting", "sorting", &mut errs) {
        match sorting.get("columnName") {
            None | Some(Value::Null) => {}
            Some(Value::String(c)) => match columns.iter().find(|k| k.eq_ignore_ascii_case(c)) {
                Some(k) => q.column = k.to_string(),
                None => errs.add(
                    "sorting.columnName",
                    format!(
                        "'{c}' is not a column to sort on; use one of: {}.",
                        columns.join(", ")
                    ),
                ),
            },
            Some(_) => errs.add(
                "sorting.columnName",
                "The JSON value could not be converted to System.String.",
            ),
        }
        match sorting.get("order") {
            None | Some(Value::Null) => {}
            Some(Value::String(o)) if o.eq_ignore_ascii_case("asc") => q.desc = false,
            Some(Value::String(o)) if o.eq_ignore_ascii_case("desc") => q.desc = true,
            Some(_) => errs.add("sorting.order", "The field Order must be 'asc' or 'desc'."),
        }
    }
    if let Some(filter) = object(&obj, "filter", "filter", &mut errs) {
        q.filter = filter.clone();
    }
    if errs.is_empty() {
        Ok(q)
    } else {
        Err(errs.into_response())
    }
}

/// The filter's members, read with their paths; a wrong type is a validation error.
struct Filter<'a> {
    f: &'a Map<String, Value>,
    errs: Errors,
}

impl<'a> Filter<'a> {
    fn new(f: &'a Map<String, Value>) -> Self {
        Filter {
            f,
            errs: Errors::default(),
        }
    }

    fn text(&mut self, member: &str) -> Option<String> {
        match self.f.get(member) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.errs.add(
                    format!("filter.{member}"),
                    "The JSON value could not be converted to System.String.",
                );
                None
            }
        }
    }

    fn boolean(&mut self, member: &str) -> Option<bool> {
        match self.f.get(member) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.errs.add(
                    format!("filter.{member}"),
                    "The JSON value could not be converted to System.Boolean.",
                );
                None
            }
        }
    }

    /// `{"from", "to"}`, each a date or a date-time (a date `to` covers its whole day).
    fn range(&mut self, member: &str) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        let Some(v) = self.f.get(member).filter(|v| !v.is_null()) else {
            return (None, None);
        };
        let Some(m) = v.as_object() else {
            self.errs.add(
                format!("filter.{member}"),
                "The JSON value could not be converted to a date range.",
            );
            return (None, None);
        };
        let mut one = |end: &str, last: bool| -> Option<DateTime<Utc>> {
            let v = m.get(end).filter(|v| !v.is_null())?;
            let parsed = v.as_str().and_then(|s| {
                DateTime::parse_from_rfc3339(s)
                    .map(|d| d.with_timezone(&Utc))
                    .ok()
                    .or_else(|| {
                        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
                            .ok()
                            .map(|d| d.and_utc())
                    })
                    .or_else(|| {
                        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| {
                            if last {
                                d.and_hms_opt(23, 59, 59)
                            } else {
                                d.and_hms_opt(0, 0, 0)
                            }
                            .map(|d| d.and_utc())
                        })
                    })
            });
            if parsed.is_none() {
                self.errs.add(
                    format!("filter.{member}.{end}"),
                    "The JSON value could not be converted to System.DateTime.",
                );
            }
            parsed
        };
        let from = one("from", false);
        let to = one("to", true);
        (from, to)
    }

    fn done(self) -> Result<(), Response> {
        if self.errs.is_empty() {
            Ok(())
        } else {
            Err(self.errs.into_response())
        }
    }
}

fn contains_ci(hay: Option<&str>, needle: &Option<String>) -> bool {
    match needle {
        None => true,
        Some(n) => hay.is_some_and(|h| h.to_lowercase().contains(&n.to_lowercase())),
    }
}

fn equals(value: Option<&str>, wanted: &Option<String>) -> bool {
    wanted.as_deref().is_none_or(|w| value == Some(w))
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (x, y) => x.to_string().cmp(&y.to_string()),
    }
}

/// Sorts, pages and wraps the items in the paging envelope.
fn page(q: &Query, mut items: Vec<Value>) -> Response {
    items.sort_by(|a, b| {
        let o = compare(&a[q.column.as_str()], &b[q.column.as_str()]);
        if q.desc {
            o.reverse()
        } else {
            o
        }
    });
    let total = items.len();
    let pages = total.div_ceil(q.size);
    let start = q.size.saturating_mul(q.number.saturating_sub(1));
    let items: Vec<Value> = items.into_iter().skip(start).take(q.size).collect();
    Json(json!({
        "pageSize": q.size,
        "pageNumber": q.number,
        "totalPages": pages,
        "totalCount": total,
        "items": items,
    }))
    .into_response()
}

macro_rules! try_or {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

pub async fn owners(State(b): State<Arc<Bloxs>>, headers: HeaderMap, body: Bytes) -> Response {
    let q = try_or!(read_query(&headers, &body, &["reference", "name"]));
    let mut f = Filter::new(&q.filter);
    let (reference, name, active) = (f.text("reference"), f.text("name"), f.boolean("isActive"));
    try_or!(f.done());
    let data = b.data.read();
    let items = data
        .owners
        .iter()
        .filter(|o| {
            equals(Some(&o.reference), &reference)
                && contains_ci(Some(&o.name), &name)
                && active.is_none_or(|a| a == o.is_active)
        })
        .map(|o| o.to_json())
        .collect();
    page(&q, items)
}

async fn relations(b: &Bloxs, headers: &HeaderMap, body: &Bytes, kind: Kind) -> Response {
    let columns: &[&str] = match kind {
        Kind::Person => &[
            "reference",
            "firstName",
            "lastName",
            "email",
            "lastModified",
        ],
        Kind::Organisation => &["reference", "name", "email", "lastModified"],
    };
    let q = try_or!(read_query(headers, body, columns));
    let mut f = Filter::new(&q.filter);
    let reference = f.text("reference");
    let external = f.text("externalIdentifier");
    let name = f.text("name");
    let email = f.text("email");
    let coc = f.text("chamberOfCommerceNumber");
    let vat = f.text("vatNumber");
    let active = f.boolean("isActive");
    let (from, to) = f.range("lastModified");
    try_or!(f.done());
    let data = b.data.read();
    let keep = |r: &&Relation| {
        r.kind == kind
            && equals(Some(&r.reference), &reference)
            && external.is_none()
            && contains_ci(Some(&r.name), &name)
            && contains_ci(r.email.as_deref(), &email)
            && equals(r.coc_number.as_deref(), &coc)
            && equals(r.vat_number.as_deref(), &vat)
            && active.is_none_or(|a| a == r.is_active)
            && from.is_none_or(|t| r.last_modified >= t)
            && to.is_none_or(|t| r.last_modified <= t)
    };
    let items = data
        .relations
        .iter()
        .filter(keep)
        .map(Relation::to_json)
        .collect();
    page(&q, items)
}

pub async fn persons(State(b): State<Arc<Bloxs>>, headers: HeaderMap, body: Bytes) -> Response {
    relations(&b, &headers, &body, Kind::Person).await
}

pub async fn organisations(
    State(b): State<Arc<Bloxs>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    relations(&b, &headers, &body, Kind::Organisation).await
}

pub async fn contracts(State(b): State<Arc<Bloxs>>, headers: HeaderMap, body: Bytes) -> Response {
    let q = try_or!(read_query(
        &headers,
        &body,
        &[
            "reference",
            "ownerReference",
            "relationReference",
            "startDate"
        ]
    ));
    let mut f = Filter::new(&q.filter);
    let reference = f.text("reference");
    let owner = f.text("ownerReference");
    let relation = f.text("relationReference");
    try_or!(f.done());
    let data = b.data.read();
    let items = data
        .contracts
        .iter()
        .filter(|c| {
            equals(Some(&c.reference), &reference)
                && equals(Some(&c.owner), &owner)
                && equals(Some(&c.relation), &relation)
        })
        .map(|c| c.to_json())
        .collect();
    page(&q, items)
}

pub async fn units(State(b): State<Arc<Bloxs>>, headers: HeaderMap, body: Bytes) -> Response {
    let q = try_or!(read_query(
        &headers,
        &body,
        &["reference", "name", "ownerReference"]
    ));
    let mut f = Filter::new(&q.filter);
    let reference = f.text("reference");
    let owner = f.text("ownerReference");
    try_or!(f.done());
    let data = b.data.read();
    let items = data
        .units
        .iter()
        .filter(|u| equals(Some(&u.reference), &reference) && equals(Some(&u.owner), &owner))
        .map(|u| u.to_json())
        .collect();
    page(&q, items)
}

pub async fn ledger_accounts(
    State(b): State<Arc<Bloxs>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // `reference`, the column every other filter call sorts on, sorts on the code here.
    let mut q = try_or!(read_query(
        &headers,
        &body,
        &["code", "name", "lastModified", "reference"]
    ));
    if q.column == "reference" {
        q.column = "code".into();
    }
    let mut f = Filter::new(&q.filter);
    let code = f.text("code");
    let owner = f.text("specificForOwnerReference");
    let (from, to) = f.range("lastModified");
    try_or!(f.done());
    let data = b.data.read();
    let items = data
        .ledger_accounts
        .iter()
        .filter(|a| {
            equals(Some(&a.code), &code)
                && equals(a.owner.as_deref(), &owner)
                && from.is_none_or(|t| a.last_modified >= t)
                && to.is_none_or(|t| a.last_modified <= t)
        })
        .map(|a| a.to_json())
        .collect();
    page(&q, items)
}

/// `POST /api/v1/invoices/salesinvoiceservices/filter`: the services received, as their detail.
pub async fn services(State(b): State<Arc<Bloxs>>, headers: HeaderMap, body: Bytes) -> Response {
    let q = try_or!(read_query(
        &headers,
        &body,
        &[
            "reference",
            "supplyDate",
            "ownerReference",
            "relationReference"
        ]
    ));
    let mut f = Filter::new(&q.filter);
    let reference = f.text("reference");
    let external = f.text("externalIdentifier");
    let owner = f.text("ownerReference");
    let relation = f.text("relationReference");
    let (from, to) = f.range("supplyDate");
    try_or!(f.done());
    let data = b.data.read();
    let items = data
        .services
        .iter()
        .filter(|s| {
            let d = &s.detail;
            let supply = d["supplyDate"]
                .as_str()
                .and_then(parse_date)
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .map(|d| d.and_utc());
            equals(Some(&s.reference), &reference)
                && equals(s.external_identifier.as_deref(), &external)
                && equals(d["ownerReference"].as_str(), &owner)
                && equals(d["relationReference"].as_str(), &relation)
                && from.is_none_or(|t| supply.is_some_and(|s| s >= t))
                && to.is_none_or(|t| supply.is_some_and(|s| s <= t))
        })
        .map(|s| s.detail.clone())
        .collect();
    page(&q, items)
}

pub async fn service_items(State(b): State<Arc<Bloxs>>) -> Response {
    let data = b.data.read();
    Json(Value::Array(
        data.service_items.iter().map(|i| i.to_json()).collect(),
    ))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// create

/// Reads the members of one JSON object with their paths, collecting every error.
struct Reader<'a> {
    obj: &'a Map<String, Value>,
    prefix: String,
}

fn pascal(member: &str) -> String {
    let mut c = member.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

impl<'a> Reader<'a> {
    fn path(&self, member: &str) -> String {
        format!("{}{member}", self.prefix)
    }

    /// A string or null, at most `max` characters.
    fn text(&self, member: &str, max: usize, errs: &mut Errors) -> Option<String> {
        match self.obj.get(member) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                if s.chars().count() > max {
                    errs.add(
                        self.path(member),
                        format!(
                            "The field {} must be a string with a maximum length of {max}.",
                            pascal(member)
                        ),
                    );
                }
                Some(s.clone())
            }
            Some(_) => {
                errs.add(
                    self.path(member),
                    "The JSON value could not be converted to System.String.",
                );
                None
            }
        }
    }

    /// A required, non-empty string.
    fn required(&self, member: &str, max: usize, errs: &mut Errors) -> Option<String> {
        let missing = matches!(self.obj.get(member), None | Some(Value::Null))
            || self.obj.get(member).and_then(Value::as_str) == Some("");
        if missing {
            errs.add(
                self.path(member),
                format!("The {} field is required.", pascal(member)),
            );
            return None;
        }
        self.text(member, max, errs)
    }

    /// A whole int32; `None` when absent or wrong (the error is added).
    fn int(&self, member: &str, errs: &mut Errors) -> Option<i64> {
        match self.obj.get(member) {
            None | Some(Value::Null) => None,
            Some(v) => int32(v, &self.path(member), errs),
        }
    }

    /// A number read through its digits, with at most `decimals` decimals.
    fn amount(&self, member: &str, decimals: u32, errs: &mut Errors) -> Option<Decimal> {
        match self.obj.get(member) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => {
                let text = n.to_string();
                let d = Decimal::from_str(&text)
                    .or_else(|_| Decimal::from_scientific(&text))
                    .ok();
                match d {
                    None => {
                        errs.add(
                            self.path(member),
                            "The JSON value could not be converted to System.Double.",
                        );
                        None
                    }
                    Some(d) if d.normalize().scale() > decimals => {
                        errs.add(
                            self.path(member),
                            format!(
                                "The field {} may have at most {decimals} decimals.",
                                pascal(member)
                            ),
                        );
                        None
                    }
                    Some(d) => Some(d),
                }
            }
            Some(_) => {
                errs.add(
                    self.path(member),
                    "The JSON value could not be converted to System.Double.",
                );
                None
            }
        }
    }
}

/// `2026-11-30`, or a date-time of which the date counts.
fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().or_else(|| {
        s.get(..10)
            .filter(|_| s.as_bytes().get(10) == Some(&b'T'))
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    })
}

/// Checks a create body against the data; answers the detail (without `reference` and
/// `workflowState`) and its totals, or every error found.
fn validate(data: &Data, obj: &Map<String, Value>, today: NaiveDate) -> Result<Value, Errors> {
    let mut errs = Errors::default();
    let r = Reader {
        obj,
        prefix: String::new(),
    };
    let external = r.text("externalIdentifier", 100, &mut errs);
    let contract_ref = r.text("salesContractReference", 100, &mut errs);
    let owner_ref = r.required("ownerReference", 100, &mut errs);
    let relation_ref = r.required("relationReference", 100, &mut errs);
    let supply = match obj.get("supplyDate") {
        None | Some(Value::Null) => Some(today),
        Some(Value::String(s)) => {
            let d = parse_date(s);
            if d.is_none() {
                errs.add(
                    "supplyDate",
                    "The JSON value could not be converted to System.DateOnly.",
                );
            }
            d
        }
        Some(_) => {
            errs.add(
                "supplyDate",
                "The JSON value could not be converted to System.DateOnly.",
            );
            None
        }
    };
    let payment = match obj.get("paymentMethod") {
        None | Some(Value::Null) => {
            errs.add("paymentMethod", "The PaymentMethod field is required.");
            None
        }
        Some(v) => match int32(v, "paymentMethod", &mut errs) {
            Some(p @ (1 | 2)) => Some(p),
            Some(_) => {
                errs.add(
                    "paymentMethod",
                    "The field PaymentMethod must be 1 (DirectDebit) or 2 (BankTransfer).",
                );
                None
            }
            None => None,
        },
    };

    // The owner, the relation and the contract.
    let owner = owner_ref.as_deref().and_then(|o| {
        if o.chars().count() > 100 {
            return None;
        }
        match data.owner(o) {
            None => {
                errs.add(
                    "ownerReference",
                    format!("Owner with reference '{o}' was not found."),
                );
                None
            }
            Some(owner) if !owner.is_active => {
                errs.add(
                    "ownerReference",
                    format!("Owner with reference '{o}' is not active."),
                );
                None
            }
            Some(owner) => Some(owner.reference.clone()),
        }
    });
    if let Some(rel) = relation_ref.as_deref().filter(|r| r.chars().count() <= 100) {
        match data.relation(rel) {
            None => errs.add(
                "relationReference",
                format!("Relation with reference '{rel}' was not found."),
            ),
            Some(x) if !x.is_active => errs.add(
                "relationReference",
                format!("Relation with reference '{rel}' is archived."),
            ),
            Some(_) => {}
        }
    }
    if let Some(c) = contract_ref.as_deref().filter(|c| c.chars().count() <= 100) {
        match data.contracts.iter().find(|x| x.reference == c) {
            None => errs.add(
                "salesContractReference",
                format!("Sales contract with reference '{c}' was not found."),
            ),
            Some(x) => {
                if owner.is_some() && owner.as_deref() != Some(x.owner.as_str()) {
                    errs.add(
                        "salesContractReference",
                        format!(
                            "Sales contract '{c}' does not belong to owner '{}'.",
                            owner.as_deref().unwrap_or_default()
                        ),
                    );
                }
                if let Some(rel) = relation_ref.as_deref() {
                    if rel != x.relation {
                        errs.add(
                            "salesContractReference",
                            format!("Sales contract '{c}' does not belong to relation '{rel}'."),
                        );
                    }
                }
            }
        }
    }

    // The lines.
    let lines = match obj.get("lines") {
        None | Some(Value::Null) => {
            errs.add("lines", "The Lines field is required.");
            Vec::new()
        }
        Some(Value::Array(a)) if a.is_empty() => {
            errs.add("lines", "At least one line is required.");
            Vec::new()
        }
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            errs.add(
                "lines",
                "The JSON value could not be converted to a list of lines.",
            );
            Vec::new()
        }
    };
    let mut out_lines = Vec::new();
    let (mut t_excl, mut t_vat, mut t_incl) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for (i, line) in lines.iter().enumerate() {
        let prefix = format!("lines[{i}].");
        let Some(obj) = line.as_object() else {
            errs.add(
                format!("lines[{i}]"),
                "The JSON value could not be converted to a line.",
            );
            continue;
        };
        let l = Reader { obj, prefix };
        let description = l.text("description", 512, &mut errs);
        let item_name = l.required("serviceItemName", 256, &mut errs);
        let object_ref = l.text("realEstateObjectReference", 100, &mut errs);
        let ledger = l.text("ledgerAccountCode", 12, &mut errs);
        let count = match obj.get("numberOfItems") {
            None | Some(Value::Null) => {
                errs.add(
                    l.path("numberOfItems"),
                    "The field NumberOfItems must be between 1 and 2147483647.",
                );
                None
            }
            Some(_) => match l.int("numberOfItems", &mut errs) {
                Some(n) if n >= 1 => Some(n),
                Some(_) => {
                    errs.add(
                        l.path("numberOfItems"),
                        "The field NumberOfItems must be between 1 and 2147483647.",
                    );
                    None
                }
                None => None,
            },
        };
        let per_item = l.amount("amountExclPerItem", 4, &mut errs);
        let excl = l.amount("amountExcl", 2, &mut errs);
        let vat = l.amount("amountVAT", 2, &mut errs);
        let incl = l.amount("amountIncl", 2, &mut errs);

        let item = item_name.as_deref().and_then(|n| {
            let found = data.service_items.iter().find(|s| s.name == n);
            if found.is_none() && n.chars().count() <= 256 {
                errs.add(
                    l.path("serviceItemName"),
                    format!("Service item '{n}' was not found."),
                );
            }
            found
        });
        if let Some(o) = object_ref.as_deref().filter(|o| o.chars().count() <= 100) {
            match data.units.iter().find(|u| u.reference == o) {
                None => errs.add(
                    l.path("realEstateObjectReference"),
                    format!("Real estate object with reference '{o}' was not found."),
                ),
                Some(u) => {
                    if let Some(owner) = owner.as_deref().filter(|ow| *ow != u.owner) {
                        errs.add(
                            l.path("realEstateObjectReference"),
                            format!("Real estate object '{o}' does not belong to owner '{owner}'."),
                        );
                    }
                }
            }
        }
        if let Some(code) = ledger.as_deref().filter(|c| c.chars().count() <= 12) {
            match data.ledger_accounts.iter().find(|a| a.code == code) {
                None => errs.add(
                    l.path("ledgerAccountCode"),
                    format!("Ledger account with code '{code}' was not found."),
                ),
                Some(a) => {
                    if let Some(owner) = owner.as_deref().filter(|ow| !a.serves(ow)) {
                        errs.add(
                            l.path("ledgerAccountCode"),
                            format!(
                                "Ledger account '{code}' is specific for owner '{}', not for '{owner}'.",
                                a.owner.as_deref().unwrap_or_default()
                            ),
                        );
                    }
                }
            }
        }

        // The amounts, to the cent.
        let (Some(item), Some(count)) = (item, count) else {
            continue;
        };
        let bad_amount = ["amountExclPerItem", "amountExcl", "amountVAT", "amountIncl"]
            .iter()
            .any(|m| errs.has(&l.path(m)));
        if bad_amount {
            continue;
        }
        let per_item = per_item.unwrap_or(item.excl);
        const TOO_LARGE: &str = "The value is too large.";
        let Some(expected_excl) = per_item.checked_mul(Decimal::from(count)).map(round2) else {
            errs.add(l.path("amountExclPerItem"), TOO_LARGE);
            continue;
        };
        let excl = match excl {
            Some(e) if round2(e) != expected_excl => {
                errs.add(
                    l.path("amountExcl"),
                    format!(
                        "AmountExcl {} is not NumberOfItems × AmountExclPerItem ({count} × {}) rounded to cents: {expected_excl}.",
                        round2(e), per_item.normalize()
                    ),
                );
                continue;
            }
            Some(e) => round2(e),
            None => expected_excl,
        };
        let vat = match vat {
            Some(v) => Some(round2(v)),
            None => excl
                .checked_mul(item.rate)
                .map(|x| round2(x / Decimal::ONE_HUNDRED)),
        };
        let Some((vat, expected_incl)) = vat.and_then(|v| Some((v, excl.checked_add(v)?))) else {
            errs.add(l.path("amountExcl"), TOO_LARGE);
            continue;
        };
        let incl = match incl {
            Some(x) if round2(x) != expected_incl => {
                errs.add(
                    l.path("amountIncl"),
                    format!(
                        "AmountIncl {} is not AmountExcl + AmountVAT ({excl} + {vat}): {expected_incl}.",
                        round2(x)
                    ),
                );
                continue;
            }
            _ => expected_incl,
        };
        let totals = (
            t_excl.checked_add(excl),
            t_vat.checked_add(vat),
            t_incl.checked_add(incl),
        );
        let (Some(e), Some(v), Some(x)) = totals else {
            errs.add(l.path("amountExcl"), "The totals are too large.");
            continue;
        };
        (t_excl, t_vat, t_incl) = (e, v, x);
        out_lines.push(json!({
            "lineIndex": i + 1,
            "description": description.clone().unwrap_or_else(|| item.description.clone()),
            "numberOfItems": count,
            "serviceItemName": item.name,
            "realEstateObjectReference": object_ref,
            "ledgerAccountCode": ledger.clone().unwrap_or_else(|| item.ledger_account.clone()),
            "amountExclPerItem": num(per_item),
            "amountExcl": num(excl),
            "amountVAT": num(vat),
            "amountIncl": num(incl),
        }));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(json!({
        "externalIdentifier": external,
        "salesContractReference": contract_ref,
        "ownerReference": owner_ref,
        "relationReference": relation_ref,
        "supplyDate": supply.map(|d| d.format("%Y-%m-%d").to_string()),
        "paymentMethod": payment,
        "totalAmountExcl": num(t_excl),
        "totalAmountVAT": num(t_vat),
        "totalAmountIncl": num(t_incl),
        "lines": out_lines,
    }))
}

/// Today in the Netherlands (CET, CEST from the last Sunday of March to the last Sunday of
/// October).
fn today_nl(now: DateTime<Utc>) -> NaiveDate {
    use chrono::{Datelike, Duration};
    let y = now.year();
    let last_sunday = |month: u32| {
        let d = NaiveDate::from_ymd_opt(y, month, 31).unwrap_or_default();
        let back = d.weekday().num_days_from_sunday();
        (d - Duration::days(i64::from(back)))
            .and_hms_opt(1, 0, 0)
            .unwrap_or_default()
            .and_utc()
    };
    let summer = now >= last_sunday(3) && now < last_sunday(10);
    (now + Duration::hours(if summer { 2 } else { 1 })).date_naive()
}

impl Bloxs {
    /// Validates and stores one sales invoice service; answers its detail.
    fn store(&self, obj: &Map<String, Value>, raw: Value) -> Result<Value, Errors> {
        let now = Utc::now();
        let today = today_nl(now);
        let mut data = self.data.write();
        let mut detail = validate(&data, obj, today)?;
        let reference = format!("SIS-{}-{:06}", now.format("%Y"), data.next_service);
        data.next_service += 1;
        let state = self.workflow_state();
        if let Value::Object(m) = &mut detail {
            m.insert("reference".into(), json!(reference));
            m.insert("workflowState".into(), json!(state));
        }
        data.services.push(Service {
            reference,
            external_identifier: obj
                .get("externalIdentifier")
                .and_then(Value::as_str)
                .map(str::to_string),
            detail: detail.clone(),
            body: raw,
            received_at: now,
        });
        Ok(detail)
    }
}

/// `POST /api/v1/invoices/salesinvoiceservices`.
pub async fn create(State(b): State<Arc<Bloxs>>, headers: HeaderMap, body: Bytes) -> Response {
    let obj = try_or!(read_object(&headers, &body));
    // The work runs in its own task, as on a real server: a client that gives up waiting does
    // not stop it.
    let task = tokio::spawn(async move {
        crate::kit::faults::work_delay(&b.faults, &b.shutdown).await;
        let raw = Value::Object(obj.clone());
        match b.store(&obj, raw) {
            Ok(detail) => {
                let mut resp = Json(detail).into_response();
                if b.faults.take_drop_after_store() {
                    resp.extensions_mut().insert(DropConnection);
                } else if let Some(status) = b.faults.take_fail_after_store() {
                    return errors::injected(status);
                }
                resp
            }
            Err(e) => e.into_response(),
        }
    });
    task.await
        .unwrap_or_else(|_| errors::injected(StatusCode::INTERNAL_SERVER_ERROR))
}

/// Decodes `%XX` and `+` of a query value.
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = || {
            s.get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        };
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match hex() {
                Some(v) => {
                    out.push(v);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `GET /api/v1/invoices/salesinvoiceservices?externalIdentifier=…|reference=…`.
pub async fn look_up(State(b): State<Arc<Bloxs>>, RawQuery(query): RawQuery) -> Response {
    let mut reference = None;
    let mut external = None;
    for pair in query.as_deref().unwrap_or("").split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k.eq_ignore_ascii_case("reference") && !v.is_empty() {
            reference = Some(unescape(v));
        } else if k.eq_ignore_ascii_case("externalIdentifier") && !v.is_empty() {
            external = Some(unescape(v));
        }
    }
    if reference.is_none() && external.is_none() {
        return errors::invalid(
            "reference",
            "Either reference or externalIdentifier is required.",
        );
    }
    let data = b.data.read();
    let found = data.services.iter().find(|s| {
        reference.as_deref().is_none_or(|r| s.reference == r)
            && external
                .as_deref()
                .is_none_or(|e| s.external_identifier.as_deref() == Some(e))
    });
    match found {
        Some(s) => Json(s.detail.clone()).into_response(),
        None => errors::not_found(),
    }
}
