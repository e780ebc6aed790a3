//! Mollie on the wire: money objects, HAL lists with cursor paging, profiles, and lenient
//! readers of the sales-invoice object.
//!
//! Every reader is lenient: unknown members are ignored (the API is a beta), optional members
//! may be missing or null, and amounts are read from their digits, never through `f64`.

use crate::kit::wire::{money_text, parse_decimal_exact};
use chrono::NaiveDate;
use invoice_desk_core::backend::Administration;
use invoice_desk_core::money::round_cents;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

/// The one currency the app sends [I].
pub const CURRENCY: &str = "EUR";

/// `{"currency":"EUR","value":"89.00"}`: exactly two decimals, rounded half away from zero.
pub fn money(d: Decimal) -> Value {
    json!({ "currency": CURRENCY, "value": money_text(d) })
}

/// A percentage or rate as Mollie writes it: `"21.00"`.
pub fn two_dp(d: Decimal) -> String {
    money_text(d)
}

/// A text member, trimmed; `None` when missing, null or blank.
pub fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    match o.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The decimal of a money object (`{"value":"89.00","currency":"EUR"}`), or of a plain
/// string or number.
pub fn amount(o: &Map<String, Value>, key: &str) -> Option<Decimal> {
    match o.get(key)? {
        Value::Object(m) => match m.get("value")? {
            Value::String(s) => parse_decimal_exact(s),
            Value::Number(n) => parse_decimal_exact(&n.to_string()),
            _ => None,
        },
        Value::String(s) => parse_decimal_exact(s),
        Value::Number(n) => parse_decimal_exact(&n.to_string()),
        _ => None,
    }
}

/// The date of an ISO 8601 time member (`2026-11-30T10:47:38+00:00`), or of a plain date.
pub fn date(o: &Map<String, Value>, key: &str) -> Option<NaiveDate> {
    let t = text(o, key)?;
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(&t) {
        return Some(d.date_naive());
    }
    let head: String = t.chars().take(10).collect();
    NaiveDate::parse_from_str(&head, "%Y-%m-%d").ok()
}

/// An ISO 8601 time member as UTC.
pub fn time(o: &Map<String, Value>, key: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let t = text(o, key)?;
    chrono::DateTime::parse_from_rfc3339(&t)
        .ok()
        .map(|d| d.with_timezone(&chrono::Utc))
}

/// A link's `href` (`_links.<name>.href`), when it is an https address (plain http only to
/// this computer: the stand-in).
pub fn link(o: &Map<String, Value>, name: &str) -> Option<String> {
    let href = o
        .get("_links")?
        .as_object()?
        .get(name)?
        .as_object()?
        .get("href")?
        .as_str()?
        .trim();
    let u = url::Url::parse(href).ok()?;
    let ok = match u.scheme() {
        "https" => true,
        "http" => crate::kit::url::is_loopback(&u),
        _ => false,
    };
    ok.then(|| href.to_string())
}

/// One page of a HAL list: its rows (`_embedded.<key>[]`) and the cursor of the next page
/// (the `from` of `_links.next.href`; `None` on the last page).
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Value>,
    pub next_from: Option<String>,
}

/// Reads a list answer; `None` when it is not one.
pub fn parse_page(body: &[u8], embedded: &str) -> Option<Page> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let o = v.as_object()?;
    let items = match o.get("_embedded") {
        Some(Value::Object(e)) => match e.get(embedded) {
            Some(Value::Array(a)) => a.clone(),
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return None,
        },
        None | Some(Value::Null) => {
            // An empty list may come without `_embedded`; anything else is not a list.
            if o.contains_key("count") || o.contains_key("_links") {
                Vec::new()
            } else {
                return None;
            }
        }
        Some(_) => return None,
    };
    let next_from = o
        .get("_links")
        .and_then(|l| l.get("next"))
        .and_then(|n| n.get("href"))
        .and_then(Value::as_str)
        .and_then(from_of);
    Some(Page { items, next_from })
}

/// The `from` parameter of a next-page address. Only the cursor is taken: the next request
/// is built on the connection's own address, so a link to another host is never followed
/// with the key.
pub fn from_of(href: &str) -> Option<String> {
    let u = url::Url::parse(href.trim())
        .or_else(|_| url::Url::parse("http://x").and_then(|b| b.join(href.trim())))
        .ok()?;
    u.query_pairs()
        .find(|(k, _)| k == "from")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty() && v.len() <= 200)
}

/// A profile as an administration: `id` (`pfl_…`) and `name`.
pub fn profile(v: &Value) -> Option<Administration> {
    let o = v.as_object()?;
    let id = text(o, "id")?;
    let name = text(o, "name").unwrap_or_else(|| id.clone());
    Some(Administration { id, name })
}

/// The line's net as Mollie computes it: `unitPrice × quantity`, minus its discount (an
/// amount, or `round2(gross × pct / 100)`). `None` when it cannot be computed.
pub fn line_net(
    quantity: Decimal,
    unit_price: Decimal,
    discount: Option<(&str, Decimal)>,
) -> Option<Decimal> {
    let gross = round_cents(unit_price.checked_mul(quantity)?);
    let off = match discount {
        None => Decimal::ZERO,
        Some(("percentage", pct)) => {
            round_cents(gross.checked_mul(pct)?.checked_div(Decimal::ONE_HUNDRED)?)
        }
        Some((_, amount)) => amount,
    };
    gross.checked_sub(off)
}

/// A discount object `{type, value}` as read.
pub fn discount(o: &Map<String, Value>) -> Option<(String, Decimal)> {
    let d = o.get("discount")?.as_object()?;
    let kind = text(d, "type")?;
    let value = match d.get("value")? {
        Value::String(s) => parse_decimal_exact(s)?,
        Value::Number(n) => parse_decimal_exact(&n.to_string())?,
        _ => return None,
    };
    Some((kind, value))
}
