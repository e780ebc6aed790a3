//! Silvasoft wire shapes and the lenient reading they need.
//!
//! Silvasoft documents its answers by example only, and lists answer either a JSON array, an
//! object, or an empty body ("nothing found"). Every reader here therefore takes the plausible
//! shapes: numbers as numbers or strings, `0` and `""` as "not set" for numbers and names.
//! Amounts are read from the number's own digits (serde_json keeps them with
//! `arbitrary_precision`), never through `f64`.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// A field by its exact name, or else by the same name in another case.
pub(super) fn get<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The first of `keys` that holds a non-empty text (numbers are written as text).
pub(super) fn text(obj: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match get(obj, k)? {
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_string())
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// A positive whole number, as a number or a string; `0` means "not set".
pub(super) fn positive_int(obj: &Map<String, Value>, keys: &[&str]) -> Option<u64> {
    keys.iter().find_map(|k| {
        let s = match get(obj, k)? {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.trim().to_string(),
            _ => return None,
        };
        let d = parse_decimal_exact(&s)?;
        if d.fract().is_zero() && d > Decimal::ZERO {
            d.to_u64()
        } else {
            None
        }
    })
}

/// A bool, also as `"true"`/`"1"` or `1`.
pub(super) fn boolean(obj: &Map<String, Value>, keys: &[&str]) -> Option<bool> {
    keys.iter().find_map(|k| match get(obj, k)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "ja" => Some(true),
            "false" | "0" | "no" | "nee" => Some(false),
            _ => None,
        },
        Value::Number(n) => Some(n.to_string() != "0"),
        _ => None,
    })
}

pub(super) use crate::kit::wire::parse_decimal_exact;

/// An amount, as a JSON number or a string, from its digits.
pub(super) fn amount(obj: &Map<String, Value>, keys: &[&str]) -> Option<Decimal> {
    keys.iter()
        .find_map(|k| get(obj, k).and_then(crate::kit::wire::decimal_of))
}

/// The rows of a list answer: an array, one object, or nothing. `None` when the body is not
/// JSON or not one of these shapes.
pub(super) fn rows(body: &[u8]) -> Option<Vec<Map<String, Value>>> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Some(Vec::new());
    }
    let v: Value = serde_json::from_slice(body).ok()?;
    match v {
        Value::Array(items) => Some(
            items
                .into_iter()
                .filter_map(|i| match i {
                    Value::Object(o) => Some(o),
                    _ => None,
                })
                .collect(),
        ),
        Value::Object(o) if o.is_empty() => Some(Vec::new()),
        Value::Object(o) => {
            // An error body is not a list.
            if get(&o, "errorCode").is_some() || get(&o, "errorMessage").is_some() {
                return None;
            }
            Some(vec![o])
        }
        Value::Null => Some(Vec::new()),
        _ => None,
    }
}

/// `{"errorCode": "…", "errorMessage": "…"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ErrorBody {
    pub code: Option<String>,
    pub message: Option<String>,
}

pub(super) fn error_body(body: &[u8]) -> ErrorBody {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => ErrorBody {
            code: text(&o, &["errorCode"]),
            message: text(&o, &["errorMessage", "message"]),
        },
        Ok(Value::Array(a)) => match a.into_iter().next() {
            Some(Value::Object(o)) => ErrorBody {
                code: text(&o, &["errorCode"]),
                message: text(&o, &["errorMessage", "message"]),
            },
            _ => ErrorBody::default(),
        },
        _ => {
            let t = String::from_utf8_lossy(body).trim().to_string();
            ErrorBody {
                code: None,
                message: (!t.is_empty() && !t.starts_with('<'))
                    .then(|| t.chars().take(300).collect()),
            }
        }
    }
}

/// An invoice as Silvasoft answers it (created, or listed by `listsalesinvoices`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WireInvoice {
    pub number: Option<u64>,
    pub total_incl: Option<Decimal>,
    pub customer_number: Option<u64>,
    pub customer_name: Option<String>,
    pub notes: Option<String>,
    pub date: Option<String>,
}

pub(super) fn invoice(o: &Map<String, Value>) -> WireInvoice {
    WireInvoice {
        number: positive_int(o, &["InvoiceNumber"]),
        total_incl: amount(o, &["InvoiceTotalInclTax"]),
        customer_number: positive_int(o, &["CustomerNumber"]),
        customer_name: text(o, &["CustomerName"]),
        notes: text(o, &["InvoiceNotes"]),
        date: text(o, &["InvoiceDate"]),
    }
}

/// The first non-empty object in a list under `key` (e.g. `Relation_Contact`).
fn first_in<'a>(o: &'a Map<String, Value>, keys: &[&str]) -> Vec<&'a Map<String, Value>> {
    keys.iter()
        .filter_map(|k| get(o, k))
        .flat_map(|v| match v {
            Value::Array(a) => a.iter().filter_map(|x| x.as_object()).collect::<Vec<_>>(),
            Value::Object(x) => vec![x],
            _ => Vec::new(),
        })
        .collect()
}

/// A relation row of `listrelations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WireRelation {
    pub guid: String,
    pub name: String,
    pub customer_number: Option<u64>,
    pub email: Option<String>,
    pub city: Option<String>,
    pub vat_number: Option<String>,
    pub registration_number: Option<String>,
    /// An explicit kind, when the row has one: `Some(true)` private person.
    pub private: Option<bool>,
    /// The default contact's full name, last name and e-mail.
    pub contact_name: Option<String>,
    pub contact_last_name: Option<String>,
    pub contact_email: Option<String>,
    pub archived: bool,
}

pub(super) fn relation(o: &Map<String, Value>) -> Option<WireRelation> {
    let guid = text(o, &["RelationGUID", "RelationGuid", "GUID"])?;
    let contacts = first_in(o, &["Relation_Contact", "Contacts"]);
    let contact = contacts
        .iter()
        .find(|c| boolean(c, &["DefaultContact"]) == Some(true))
        .or_else(|| contacts.first())
        .copied();
    let contact_name = contact.and_then(|c| {
        let parts: Vec<String> = ["FirstName", "Prefix", "LastName"]
            .iter()
            .filter_map(|k| text(c, &[k]))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    let addresses = first_in(o, &["Relation_Address", "Address"]);
    let city = text(o, &["Address_City", "City"]).or_else(|| {
        addresses
            .iter()
            .find_map(|a| text(a, &["Address_City", "City"]))
    });
    let private = boolean(o, &["IsPrivate", "PrivateRelation", "IsPerson"]).or_else(|| {
        text(o, &["RelationType", "Type", "RelationKind"]).and_then(|t| {
            match t.to_ascii_lowercase().as_str() {
                "private" | "privaat" | "person" | "particulier" | "privaterelation" => Some(true),
                "business" | "zakelijk" | "organisation" | "organization" | "company"
                | "businessrelation" => Some(false),
                _ => None,
            }
        })
    });
    let name = text(o, &["Name", "RelationName", "CompanyName"])
        .or_else(|| contact_name.clone())
        .unwrap_or_default();
    let archived = boolean(o, &["IsArchived", "Archived"]).unwrap_or(false)
        || boolean(o, &["IsActive", "Active"]) == Some(false);
    Some(WireRelation {
        guid,
        name,
        customer_number: positive_int(o, &["CustomerNumber"]),
        email: text(o, &["Email", "EmailAddress"]),
        city,
        vat_number: text(o, &["TaxIdentificationNumber", "VATNumber", "VatNumber"]),
        registration_number: text(o, &["RegistrationNumber", "CoCNumber", "KvKNumber"]),
        private,
        contact_name,
        contact_last_name: contact.and_then(|c| text(c, &["LastName", "FamilyName"])),
        contact_email: contact.and_then(|c| text(c, &["Email"])),
        archived,
    })
}

/// A product row of `listproducts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WireProduct {
    pub id: Option<String>,
    pub article_number: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub price: Option<Decimal>,
    pub vat_percent: Option<Decimal>,
    pub archived: bool,
}

pub(super) fn product(o: &Map<String, Value>) -> WireProduct {
    WireProduct {
        id: text(o, &["ProductGUID", "ProductGuid", "ProductID", "ProductId"]),
        article_number: text(o, &["ArticleNumber"]),
        name: text(o, &["Name"]),
        description: text(o, &["Description"]),
        category: text(o, &["Category", "CategoryName"]),
        price: amount(o, &["Price", "SalePrice"]),
        vat_percent: amount(
            o,
            &[
                "VATPercentage",
                "VatPercentage",
                "TaxPc",
                "TaxPercentage",
                "SalesTaxPc",
            ],
        ),
        archived: boolean(o, &["IsArchived", "Archived"]).unwrap_or(false),
    }
}
