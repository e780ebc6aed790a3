//! Bloxs on the wire: the filter calls' request and envelope, and the rows of owners,
//! relations, service items, contracts, real-estate objects and ledger accounts.
//!
//! Every reader is lenient: unknown members are ignored, optional members may be missing or
//! null, member names are matched without regard to case (ASP.NET serialisers differ), and
//! amounts are read from their digits ([`crate::kit::wire::decimal_of`]), never through `f64`.

use crate::kit::wire::decimal_of;
use invoice_desk_core::backend::{Product, Relation, RelationKind};
use invoice_desk_core::lists::LookupItem;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// A member of an object by name, exact first, then without regard to case.
pub fn get<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// A text member, trimmed; `None` when missing, null or blank. Numbers are read as their text
/// (a reference or code the vendor sends as a number).
pub fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    match get(o, key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A boolean member; `default` when missing or not a boolean (`"true"` as text counts).
pub fn flag(o: &Map<String, Value>, key: &str, default: bool) -> bool {
    match get(o, key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => default,
        },
        _ => default,
    }
}

/// A decimal member, read from its digits.
pub fn amount(o: &Map<String, Value>, key: &str) -> Option<Decimal> {
    get(o, key).and_then(decimal_of)
}

/// The body of a `POST …/filter` call: one page, sorted by `sort` ascending, with `filter`.
pub fn filter_body(page_size: u32, page_number: u32, sort: &str, filter: Value) -> Value {
    json!({
        "paging": { "pageSize": page_size, "pageNumber": page_number },
        "sorting": { "columnName": sort, "order": "asc" },
        "filter": filter,
    })
}

/// One page of a filter call.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Value>,
    /// `totalPages` when the answer says it.
    pub total_pages: Option<u64>,
}

impl Page {
    /// Whether page `number` (from 1) of `size` rows is the last: `pageNumber >= totalPages`,
    /// or fewer rows than asked for.
    pub fn is_last(&self, number: u32, size: u32) -> bool {
        let short = (self.items.len() as u64) < u64::from(size);
        short
            || self
                .total_pages
                .is_some_and(|total| u64::from(number) >= total)
    }
}

/// Reads the envelope `{"pageSize","pageNumber","totalPages","totalCount","items":[…]}`; a bare
/// array is taken as the items of the only page. `None` when it is neither.
pub fn parse_page(body: &[u8]) -> Option<Page> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match v {
        Value::Array(items) => Some(Page {
            items,
            total_pages: Some(1),
        }),
        Value::Object(o) => {
            let items = match get(&o, "items") {
                Some(Value::Array(a)) => a.clone(),
                Some(Value::Null) => Vec::new(),
                _ => return None,
            };
            let total_pages = get(&o, "totalPages").and_then(|t| match t {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            });
            Some(Page { items, total_pages })
        }
        _ => None,
    }
}

/// An owner: `(reference, name, active)`.
pub fn owner(row: &Value) -> Option<(String, String, bool)> {
    let o = row.as_object()?;
    let reference = text(o, "reference")?;
    let name = text(o, "name").unwrap_or_else(|| reference.clone());
    Some((reference, name, flag(o, "isActive", true)))
}

/// A person or an organisation. Inactive ones are archived: kept for what was sent, not
/// offered for new invoices.
pub fn relation(row: &Value, kind: RelationKind) -> Option<Relation> {
    let o = row.as_object()?;
    let id = text(o, "reference")?;
    let name = match kind {
        RelationKind::Person => {
            let parts: Vec<String> = ["firstName", "middleName", "lastName"]
                .iter()
                .filter_map(|k| text(o, k))
                .collect();
            if parts.is_empty() {
                text(o, "name").unwrap_or_default()
            } else {
                parts.join(" ")
            }
        }
        _ => text(o, "name").unwrap_or_default(),
    };
    let city = match get(o, "address") {
        Some(Value::Object(a)) => text(a, "city"),
        _ => None,
    };
    Some(Relation {
        number: Some(id.clone()),
        id,
        kind,
        name,
        email: text(o, "email"),
        city,
        vat_number: text(o, "vatNumber"),
        archived: !flag(o, "isActive", true),
    })
}

/// The VAT code of a service item, from its amounts (amountVAT / amountExcl: 21, 9 or 0 %);
/// `None` when they give none of those rates.
pub fn item_vat_code(excl: Option<Decimal>, vat: Option<Decimal>) -> Option<&'static str> {
    let (excl, vat) = (excl?, vat?);
    if vat.is_zero() {
        return Some("zero");
    }
    if excl.is_zero() {
        return None;
    }
    let pct = vat
        .checked_mul(Decimal::ONE_HUNDRED)?
        .checked_div(excl)?
        .round_dp(0);
    if pct == Decimal::from(21) {
        Some("high")
    } else if pct == Decimal::from(9) {
        Some("low")
    } else {
        None
    }
}

/// A service item: its `name` is its id (`serviceItemName`). The amounts are per item.
/// Items have no active flag in the documentation; one marked `isActive: false` is archived.
pub fn service_item(row: &Value) -> Option<Product> {
    let o = row.as_object()?;
    let name = text(o, "name")?;
    let excl = amount(o, "amountExcl");
    let vat = amount(o, "amountVAT");
    let incl = amount(o, "amountIncl").or_else(|| excl?.checked_add(vat?));
    let description = text(o, "defaultInvoiceLineDescription").unwrap_or_else(|| name.clone());
    Some(Product {
        id: name.clone(),
        code: Some(name),
        description,
        price_excl: excl,
        price_incl: incl,
        vat_code: item_vat_code(excl, vat).map(String::from),
        group: None,
        archived: !flag(o, "isActive", true),
        // The item's ledger account prefills the line's ledger-account field, so the clerk
        // sees (and may change) the account the line is booked on.
        line_defaults: text(o, "ledgerAccountCode")
            .map(|code| BTreeMap::from([(super::LINE_LEDGER.to_string(), code)]))
            .unwrap_or_default(),
    })
}

fn address_line(o: &Map<String, Value>) -> Option<String> {
    let Some(Value::Object(a)) = get(o, "address") else {
        return None;
    };
    let street = [text(a, "street"), text(a, "houseNumber")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let place = [text(a, "postalCode"), text(a, "city")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let parts: Vec<String> = [street, place]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Keeps the row's own members in the item's `data` (what a form may prefill from).
fn data_of(o: &Map<String, Value>) -> Map<String, Value> {
    o.iter()
        .filter(|(_, v)| !v.is_object() && !v.is_array())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A sales contract, with its owner and relation as parents.
pub fn contract(row: &Value) -> Option<LookupItem> {
    let o = row.as_object()?;
    let id = text(o, "reference")?;
    let mut parents = BTreeMap::new();
    if let Some(owner) = text(o, "ownerReference") {
        parents.insert("owner".to_string(), owner);
    }
    if let Some(rel) = text(o, "relationReference") {
        parents.insert("relation".to_string(), rel);
    }
    let period = match (text(o, "startDate"), text(o, "endDate")) {
        (Some(s), Some(e)) => Some(format!("{} – {}", day(&s), day(&e))),
        (Some(s), None) => Some(format!("{} –", day(&s))),
        _ => None,
    };
    let detail = [Some(id.clone()), period]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    Some(LookupItem {
        label: text(o, "description").unwrap_or_else(|| id.clone()),
        detail: Some(detail),
        terms: vec![id.clone()],
        id,
        parents,
        archived: false,
        data: data_of(o),
    })
}

/// The date part of a date-time text.
fn day(s: &str) -> &str {
    s.get(..10).filter(|d| d.len() == 10).unwrap_or(s)
}

/// A real-estate object (unit).
pub fn unit(row: &Value) -> Option<LookupItem> {
    let o = row.as_object()?;
    let id = text(o, "reference")?;
    let mut parents = BTreeMap::new();
    if let Some(owner) = text(o, "ownerReference") {
        parents.insert("owner".to_string(), owner);
    }
    let detail = [Some(id.clone()), address_line(o)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    Some(LookupItem {
        label: text(o, "name").unwrap_or_else(|| id.clone()),
        detail: Some(detail),
        terms: vec![id.clone()],
        id,
        parents,
        archived: !flag(o, "isActive", true),
        data: data_of(o),
    })
}

/// A ledger account; `owner` is the owner it is listed for. One specific to another owner is
/// not that owner's (`None`); one without an owner is every owner's.
pub fn ledger_account(row: &Value, owner: &str) -> Option<LookupItem> {
    let o = row.as_object()?;
    let code = text(o, "code")?;
    if let Some(specific) = text(o, "specificForOwnerReference") {
        if !specific.eq_ignore_ascii_case(owner.trim()) {
            return None;
        }
    }
    Some(LookupItem {
        label: match text(o, "name") {
            Some(n) => format!("{code} {n}"),
            None => code.clone(),
        },
        detail: text(o, "compactionCode"),
        terms: vec![code.clone()],
        id: code,
        parents: BTreeMap::new(),
        archived: !flag(o, "isActive", true),
        data: data_of(o),
    })
}
