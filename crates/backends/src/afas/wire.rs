//! AFAS SB wire types and the lenient parsing they need.
//!
//! AFAS answers are not uniform: `expires_in` is a string in the docs and a number in the
//! spec, `HouseNumber` a string in answers and a number in requests, booleans are typed as
//! strings in parts of the spec, and list endpoints answer either a bare array or
//! `{"TrackingToken", "Result": [...]}`. Every field here therefore accepts the plausible
//! shapes. Amounts are read from the number's own digits (serde_json keeps them with
//! `arbitrary_precision`), never through `f64`.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

// ---- lenient field readers -------------------------------------------------------------

/// A string, or a number/bool written as a string; `null` and `""` are `None`.
pub(super) fn flex_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_string())
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// A bool, also as `"true"`/`"True"`/`"1"` or `1`; anything else is `false`.
pub(super) fn flex_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(value_bool(&Value::deserialize(d)?))
}

pub(super) fn value_bool(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "true" | "1" | "yes" | "ja"
        ),
        Value::Number(n) => n.to_string() == "1",
        _ => false,
    }
}

/// A non-negative integer, as a number or a string.
pub(super) fn flex_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.to_string().parse::<u64>().ok(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    })
}

pub(super) use crate::kit::wire::parse_decimal_exact;

/// An amount as a JSON number or a string; read from its digits, never through `f64`.
pub(super) fn flex_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => {
            let text = n.to_string();
            parse_decimal_exact(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("amount out of range"))
        }
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => parse_decimal_exact(&s)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("amount is not a number")),
        _ => Ok(None),
    }
}

/// An amount for the cache: exact, without the trailing zeros AFAS pads with
/// (`67.7300000000` → `67.73`), but with at least two decimals (`75` → `75.00`).
pub(super) fn tidy_amount(d: Decimal) -> Decimal {
    let mut n = d.normalize();
    if n.scale() < 2 {
        n.rescale(2);
    }
    n
}

// ---- token endpoints --------------------------------------------------------------------

/// Answer of `/authentication/getaccesstoken` and `/app/token`. Not `Debug`: it holds tokens.
#[derive(Deserialize)]
pub(super) struct TokenResponse {
    #[serde(default)]
    pub access_token: Option<String>,
    #[serde(default, deserialize_with = "flex_u64")]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// An OAuth error answer: `{"error":"invalid_grant","error_description":"…"}`.
#[derive(Deserialize, Debug)]
pub(super) struct OAuthError {
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub error_description: Option<String>,
}

// ---- lists ------------------------------------------------------------------------------

/// One page of a list: its rows and, for change-tracking connectors, the `TrackingToken`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ListPage {
    pub rows: Vec<Value>,
    pub tracking_token: Option<String>,
}

fn get_ci<'a>(obj: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Parses both list shapes: a bare array, and `{"TrackingToken", "Result": [...]}`.
pub(super) fn parse_list(body: &[u8]) -> Option<ListPage> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match v {
        Value::Array(rows) => Some(ListPage {
            rows,
            tracking_token: None,
        }),
        Value::Object(obj) => {
            let rows = match get_ci(&obj, "Result")? {
                Value::Array(rows) => rows.clone(),
                Value::Null => Vec::new(),
                _ => return None,
            };
            let tracking_token = match get_ci(&obj, "TrackingToken") {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            Some(ListPage {
                rows,
                tracking_token,
            })
        }
        _ => None,
    }
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
pub(super) struct WireAdministration {
    #[serde(deserialize_with = "flex_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub description: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
pub(super) struct WirePerson {
    #[serde(deserialize_with = "flex_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub prefix: Option<String>,
    #[serde(default, alias = "LastName", deserialize_with = "flex_string")]
    pub lastname: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub email_address: Option<String>,
    #[serde(default, deserialize_with = "flex_bool")]
    pub is_archived: bool,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
pub(super) struct WireOrganisation {
    #[serde(deserialize_with = "flex_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub name: Option<String>,
    /// The relation number ("000019"), not the uuid.
    #[serde(default, deserialize_with = "flex_string")]
    pub relation_id: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub email_address: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub vat_number: Option<String>,
    #[serde(default, deserialize_with = "flex_bool")]
    pub is_archived: bool,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
pub(super) struct WireUnknownRelation {
    #[serde(deserialize_with = "flex_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "flex_bool")]
    pub sales_relation: bool,
    #[serde(default, deserialize_with = "flex_bool")]
    pub is_blocked: bool,
    #[serde(default, deserialize_with = "flex_bool")]
    pub is_archived: bool,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
pub(super) struct WireProduct {
    #[serde(deserialize_with = "flex_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub administration_id: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub internal_id: Option<String>,
    #[serde(
        default,
        rename = "PriceExcludingVAT",
        alias = "PriceExcludingVat",
        deserialize_with = "flex_decimal"
    )]
    pub price_excluding_vat: Option<Decimal>,
    #[serde(
        default,
        rename = "PriceIncludingVAT",
        alias = "PriceIncludingVat",
        deserialize_with = "flex_decimal"
    )]
    pub price_including_vat: Option<Decimal>,
    #[serde(default, deserialize_with = "flex_string")]
    pub product_group: Option<String>,
    /// Not in the 6.0.0 spec; read when an environment sends it.
    #[serde(default, alias = "VatTarive", deserialize_with = "flex_string")]
    pub vat_type: Option<String>,
    #[serde(default, deserialize_with = "flex_bool")]
    pub is_archived: bool,
    #[serde(default, deserialize_with = "flex_bool")]
    pub is_blocked: bool,
    #[serde(default, deserialize_with = "flex_bool")]
    pub is_disabled: bool,
}

/// Maps an AFAS VAT type (`high`, `low`, `zero`, also Dutch) to our VAT code.
pub(super) fn vat_code(vat_type: &str) -> Option<&'static str> {
    match vat_type.trim().to_ascii_lowercase().as_str() {
        "high" | "hoog" => Some("high"),
        "low" | "laag" => Some("low"),
        "zero" | "nul" | "geen" => Some("zero"),
        _ => None,
    }
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
pub(super) struct WireAddress {
    #[serde(deserialize_with = "flex_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub street_name: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub house_number: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub house_number_addition: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub postal_zone: Option<String>,
    #[serde(default, alias = "City", deserialize_with = "flex_string")]
    pub city_name: Option<String>,
    #[serde(default, alias = "Country", deserialize_with = "flex_string")]
    pub country_name: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    pub relation_id: Option<String>,
    #[serde(
        default,
        alias = "IsPreferredInvoiceAddress",
        deserialize_with = "flex_bool"
    )]
    pub is_prefered_invoice_address: bool,
}

// ---- blobs ------------------------------------------------------------------------------

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
pub(super) struct BlobReservation {
    #[serde(default, deserialize_with = "flex_bool")]
    pub blob_accepted: bool,
    #[serde(default, deserialize_with = "flex_u64")]
    pub chunk_size: Option<u64>,
}

// ---- update connector answers ------------------------------------------------------------

/// `{"result":"Succeeded"|"PartiallySucceeded"|"Failed","traceId","data","instances","errors"}`.
#[derive(Deserialize, Debug, Default)]
pub(super) struct UpdateResult {
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub data: Option<Value>,
    #[serde(default)]
    pub instances: Option<Vec<Value>>,
    #[serde(default)]
    pub errors: Option<Vec<Value>>,
}

/// `{"StatusCode":400,"Message":"…","ExceptionCode","TraceId","AdditionalInfo"}`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ErrorBody {
    #[serde(default)]
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn bare_and_wrapped_lists() {
        let bare = parse_list(br#"[{"Id":"a"},{"Id":"b"}]"#).unwrap();
        assert_eq!(bare.rows.len(), 2);
        assert_eq!(bare.tracking_token, None);
        let wrapped =
            parse_list(br#"{"TrackingToken":"202401291327471","Result":[{"Id":"a"}]}"#).unwrap();
        assert_eq!(wrapped.rows.len(), 1);
        assert_eq!(wrapped.tracking_token.as_deref(), Some("202401291327471"));
        let numeric = parse_list(br#"{"TrackingToken":2024012913,"Result":[]}"#).unwrap();
        assert_eq!(numeric.tracking_token.as_deref(), Some("2024012913"));
        assert!(parse_list(br#"{"Message":"x"}"#).is_none());
        assert!(parse_list(b"<html>").is_none());
    }

    #[test]
    fn decimals_are_exact() {
        let p: WireProduct = serde_json::from_str(
            r#"{"Id":"x","PriceExcludingVAT":67.7300000000,"PriceIncludingVAT":"81.9533",
                "IsArchived":false,"IsBlocked":"False","IsDisabled":null}"#,
        )
        .unwrap();
        assert_eq!(p.price_excluding_vat, Some(dec!(67.73)));
        assert_eq!(p.price_excluding_vat.unwrap().to_string(), "67.7300000000");
        assert_eq!(
            tidy_amount(p.price_excluding_vat.unwrap()).to_string(),
            "67.73"
        );
        assert_eq!(p.price_including_vat.unwrap().to_string(), "81.9533");
        assert_eq!(tidy_amount(dec!(75.0000000000)).to_string(), "75.00");
        // A value f64 cannot hold exactly.
        let p: WireProduct = serde_json::from_str(
            r#"{"Id":"x","PriceExcludingVAT":0.1000000000000000055511151231257827}"#,
        )
        .unwrap();
        assert_eq!(
            p.price_excluding_vat.unwrap().to_string(),
            "0.1000000000000000055511151231"
        );
        let p: WireProduct =
            serde_json::from_str(r#"{"Id":"x","PriceExcludingVAT":1.5e2}"#).unwrap();
        assert_eq!(p.price_excluding_vat, Some(dec!(150)));
        assert!(
            serde_json::from_str::<WireProduct>(r#"{"Id":"x","PriceExcludingVAT":"abc"}"#).is_err()
        );
    }

    #[test]
    fn tokens_with_string_or_number_lifetimes() {
        let t: TokenResponse = serde_json::from_str(
            r#"{"access_token":"eyJ","expires_in":"600","token_type":"bearer"}"#,
        )
        .unwrap();
        assert_eq!(t.expires_in, Some(600));
        let t: TokenResponse =
            serde_json::from_str(r#"{"access_token":"eyJ","expires_in":1800,"refresh_token":"r"}"#)
                .unwrap();
        assert_eq!(t.expires_in, Some(1800));
        assert_eq!(t.refresh_token.as_deref(), Some("r"));
    }

    #[test]
    fn addresses_with_string_or_number_house_numbers() {
        let a: WireAddress = serde_json::from_str(
            r#"{"Id":"1","StreetName":"Wega","HouseNumber":41,"City":"Dordrecht","Country":"Nederland",
                "IsPreferedInvoiceAddress":"true"}"#,
        )
        .unwrap();
        assert_eq!(a.house_number.as_deref(), Some("41"));
        assert_eq!(a.city_name.as_deref(), Some("Dordrecht"));
        assert!(a.is_prefered_invoice_address);
        let a: WireAddress = serde_json::from_str(
            r#"{"Id":"1","HouseNumber":"10","HouseNumberAddition":null,"CityName":"Delft"}"#,
        )
        .unwrap();
        assert_eq!(a.house_number.as_deref(), Some("10"));
        assert_eq!(a.city_name.as_deref(), Some("Delft"));
        assert!(!a.is_prefered_invoice_address);
    }
}
