//! Reading a request body the way Silvasoft's Java back end (org.json) does: member names are
//! case-sensitive (a member spelt differently is simply absent), `null` counts as absent,
//! numbers may also come as strings with a dot (`"123.45"`), and a value of the wrong kind is
//! refused in org.json's words (`JSONObject["SubTotalInclTax"] is not a number.`).

use std::str::FromStr;

use rust_decimal::Decimal;

use super::errors::ApiError;
use crate::kit::json::{self, JValue, Node};

/// Parses a body: syntax errors, duplicate member names and a top level that is not an object
/// are all `INVALID_JSON: JSON is incorrect`.
pub fn parse(body: &[u8]) -> Result<Node, ApiError> {
    let node = json::parse(body).map_err(|_| ApiError::bad_json())?;
    if !matches!(node.value, JValue::Object(_)) || has_duplicate_keys(&node) {
        return Err(ApiError::bad_json());
    }
    Ok(node)
}

fn has_duplicate_keys(n: &Node) -> bool {
    match &n.value {
        JValue::Object(members) => {
            let mut seen = std::collections::HashSet::new();
            members
                .iter()
                .any(|(k, v)| !seen.insert(k.as_str()) || has_duplicate_keys(v))
        }
        JValue::Array(items) => items.iter().any(has_duplicate_keys),
        _ => false,
    }
}

/// An object's members, looked up by their exact name.
#[derive(Clone, Copy)]
pub struct Obj<'a> {
    members: &'a [(String, Node)],
}

impl<'a> Obj<'a> {
    pub fn of(n: &'a Node) -> Option<Obj<'a>> {
        match &n.value {
            JValue::Object(members) => Some(Obj { members }),
            _ => None,
        }
    }

    /// The member named exactly `name`, unless it is `null`.
    pub fn get(&self, name: &str) -> Option<&'a Node> {
        self.members
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .filter(|v| !matches!(v.value, JValue::Null))
    }

    /// A String parameter. Numbers are taken as their text; an empty string is absent.
    pub fn string(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.get(name).map(|n| &n.value) {
            None => Ok(None),
            Some(JValue::String(s)) if s.trim().is_empty() => Ok(None),
            Some(JValue::String(s)) => Ok(Some(s.clone())),
            Some(JValue::Number(t)) => Ok(Some(t.clone())),
            Some(_) => Err(ApiError::json_type(name, "a string")),
        }
    }

    /// A Float parameter: a JSON number, or a string holding a plain number with a dot.
    pub fn decimal(&self, name: &str) -> Result<Option<Decimal>, ApiError> {
        let Some(n) = self.get(name) else {
            return Ok(None);
        };
        let text = match &n.value {
            JValue::Number(t) => t.as_str(),
            JValue::String(s) => s.trim(),
            _ => return Err(ApiError::json_type(name, "a number")),
        };
        parse_decimal(text)
            .map(Some)
            .ok_or_else(|| ApiError::json_type(name, "a number"))
    }

    /// An Integer or Long parameter: a whole JSON number or a string of digits.
    pub fn integer(&self, name: &str, long: bool) -> Result<Option<i64>, ApiError> {
        let what = if long { "a long" } else { "an int" };
        let Some(n) = self.get(name) else {
            return Ok(None);
        };
        let text = match &n.value {
            JValue::Number(t) => t.as_str(),
            JValue::String(s) => s.trim(),
            _ => return Err(ApiError::json_type(name, what)),
        };
        let v = parse_integer(text).ok_or_else(|| ApiError::json_type(name, what))?;
        if !long && i32::try_from(v).is_err() {
            return Err(ApiError::json_type(name, what));
        }
        Ok(Some(v))
    }

    /// A Boolean parameter: `true`/`false`, also as a string (any case).
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name).map(|n| &n.value) {
            None => Ok(None),
            Some(JValue::Bool(b)) => Ok(Some(*b)),
            Some(JValue::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(JValue::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::json_type(name, "a Boolean")),
        }
    }

    /// An array parameter.
    pub fn array(&self, name: &str) -> Result<Option<&'a [Node]>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(n) => n
                .as_array()
                .map(Some)
                .ok_or_else(|| ApiError::json_type(name, "a JSONArray")),
        }
    }
}

/// The objects of an array parameter (`JSONArray[1] is not a JSONObject.` otherwise).
pub fn objects(items: &[Node]) -> Result<Vec<Obj<'_>>, ApiError> {
    items
        .iter()
        .enumerate()
        .map(|(i, n)| {
            Obj::of(n).ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    super::errors::INVALID_JSON,
                    format!("JSONArray[{i}] is not a JSONObject."),
                )
            })
        })
        .collect()
}

/// A decimal number as Java's `Double.parseDouble` would read it, minus the exotic forms
/// (hexadecimal, `NaN`, `Infinity`, type suffixes): optional sign, digits with at most one dot,
/// optional exponent. A comma is not a decimal separator.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let b = text.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut digits = 0;
    let mut dot = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => digits += 1,
            b'.' if !dot => dot = true,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while matches!(b.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    let t = text.strip_prefix('+').unwrap_or(text);
    Decimal::from_str(t)
        .or_else(|_| Decimal::from_scientific(t))
        .ok()
}

/// A whole number (optional sign, digits only).
pub fn parse_integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.strip_prefix('+').unwrap_or(text).parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_as_java_reads_them() {
        assert_eq!(parse_decimal("12.50"), Some(Decimal::new(1250, 2)));
        assert_eq!(parse_decimal("-0.5"), Some(Decimal::new(-5, 1)));
        assert_eq!(parse_decimal(".5"), Some(Decimal::new(5, 1)));
        assert_eq!(parse_decimal("1e2"), Some(Decimal::from(100)));
        assert_eq!(parse_decimal("12,50"), None);
        assert_eq!(parse_decimal("1.234,50"), None);
        assert_eq!(parse_decimal(""), None);
        assert_eq!(parse_decimal("."), None);
        assert_eq!(parse_decimal("NaN"), None);
    }

    #[test]
    fn member_names_are_case_sensitive_and_null_is_absent() {
        let n =
            parse(br#"{"InvoiceDate": "01-02-2026", "invoicenotes": "x", "InvoiceNotes": null}"#)
                .unwrap();
        let o = Obj::of(&n).unwrap();
        assert!(o.get("InvoiceDate").is_some());
        assert!(o.get("invoicedate").is_none());
        assert!(o.get("InvoiceNotes").is_none());
    }

    #[test]
    fn duplicates_and_non_objects_are_incorrect_json() {
        assert!(parse(br#"{"A": 1, "A": 2}"#).is_err());
        assert!(parse(br#"{"L": [{"A": 1, "A": 2}]}"#).is_err());
        assert!(parse(b"[]").is_err());
        assert!(parse(br#"{"A": 1, "a": 2}"#).is_ok());
    }

    #[test]
    fn type_errors_in_org_json_words() {
        let n = parse(br#"{"SubTotalInclTax": "12,50", "N": 1.5, "B": 1}"#).unwrap();
        let o = Obj::of(&n).unwrap();
        let e = o.decimal("SubTotalInclTax").unwrap_err();
        assert_eq!(
            e.message,
            "JSONObject[\"SubTotalInclTax\"] is not a number."
        );
        assert_eq!(e.code, "INVALID_JSON");
        assert!(o.integer("N", true).is_err());
        assert!(o.boolean("B").is_err());
    }
}
