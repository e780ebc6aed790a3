//! Request validation against the JSON schemas of the AFAS SB OpenAPI 6.0.0 spec, with the
//! messages of Newtonsoft.Json.Schema that AFAS returns ("Invalid type. Expected String but
//! got Integer.", "String '' does not validate against format 'uuid'.", ...).
//!
//! Property names are matched case-insensitively (AFAS' own examples send `name` for `Name`).
//! Unknown properties are accepted, as the schemas do not forbid them. `null` is refused where
//! the schema says `string`, `number` or `boolean` (no schema here is nullable).

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::kit::json::{format_path, JValue, Node, Seg};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Format {
    Uuid,
    Date,
}

#[derive(Debug, Clone)]
pub enum Schema {
    Object {
        props: Vec<(&'static str, Schema)>,
        required: &'static [&'static str],
    },
    Array(Box<Schema>),
    Str {
        format: Option<Format>,
        enumeration: Option<&'static [&'static str]>,
    },
    Number {
        multiple_of: Option<&'static str>,
    },
    Bool,
}

pub const fn string() -> Schema {
    Schema::Str {
        format: None,
        enumeration: None,
    }
}

pub const fn uuid() -> Schema {
    Schema::Str {
        format: Some(Format::Uuid),
        enumeration: None,
    }
}

pub const fn date() -> Schema {
    Schema::Str {
        format: Some(Format::Date),
        enumeration: None,
    }
}

pub const fn one_of(values: &'static [&'static str]) -> Schema {
    Schema::Str {
        format: None,
        enumeration: Some(values),
    }
}

/// A validation failure: message, path and position.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaError {
    pub message: String,
    pub path: String,
    pub line: u32,
    pub pos: u32,
}

impl SchemaError {
    pub fn with_location(&self) -> String {
        format!(
            "{} Path '{}', line {}, position {}.",
            self.message, self.path, self.line, self.pos
        )
    }
}

/// Is `s` a uuid in the 8-4-4-4-12 form.
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36 && Uuid::parse_str(s).is_ok()
}

/// Is `s` a full date `yyyy-MM-dd`.
pub fn is_date(s: &str) -> bool {
    s.len() == 10 && NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// The decimal of a JSON number's text (also in exponent form), if it fits.
pub fn decimal(text: &str) -> Option<Decimal> {
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        Decimal::from_str(text).ok()
    }
}

fn json_text(v: &JValue) -> String {
    match v {
        JValue::String(s) => format!("\"{s}\""),
        JValue::Number(n) => n.clone(),
        JValue::Bool(b) => b.to_string(),
        JValue::Null => "null".into(),
        JValue::Array(_) => "[...]".into(),
        JValue::Object(_) => "{...}".into(),
    }
}

/// Validates `node` against `schema`; the first error in document order wins, errors inside
/// an object before its missing required properties (which are reported at its opening
/// brace).
pub fn validate(node: &Node, schema: &Schema) -> Result<(), SchemaError> {
    let mut path = Vec::new();
    check(node, schema, &mut path)
}

fn fail(node: &Node, path: &[Seg], message: String) -> Result<(), SchemaError> {
    Err(SchemaError {
        message,
        path: format_path(path),
        line: node.line,
        pos: node.pos,
    })
}

fn check(node: &Node, schema: &Schema, path: &mut Vec<Seg>) -> Result<(), SchemaError> {
    let expected = match schema {
        Schema::Object { .. } => "Object",
        Schema::Array(_) => "Array",
        Schema::Str { .. } => "String",
        Schema::Number { .. } => "Number",
        Schema::Bool => "Boolean",
    };
    let type_ok = matches!(
        (schema, &node.value),
        (Schema::Object { .. }, JValue::Object(_))
            | (Schema::Array(_), JValue::Array(_))
            | (Schema::Str { .. }, JValue::String(_))
            | (Schema::Number { .. }, JValue::Number(_))
            | (Schema::Bool, JValue::Bool(_))
    );
    if !type_ok {
        return fail(
            node,
            path,
            format!(
                "Invalid type. Expected {expected} but got {}.",
                node.value.token_type()
            ),
        );
    }
    match (schema, &node.value) {
        (Schema::Object { props, required }, JValue::Object(members)) => {
            for (key, value) in members {
                if let Some((_, s)) = props.iter().find(|(n, _)| n.eq_ignore_ascii_case(key)) {
                    path.push(Seg::Key(key.clone()));
                    check(value, s, path)?;
                    path.pop();
                }
            }
            let missing: Vec<&str> = required
                .iter()
                .copied()
                .filter(|r| !members.iter().any(|(k, _)| k.eq_ignore_ascii_case(r)))
                .collect();
            if !missing.is_empty() {
                return fail(
                    node,
                    path,
                    format!(
                        "Required properties are missing from object: {}.",
                        missing.join(", ")
                    ),
                );
            }
            Ok(())
        }
        (Schema::Array(item), JValue::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                check(v, item, path)?;
                path.pop();
            }
            Ok(())
        }
        (
            Schema::Str {
                format,
                enumeration,
            },
            JValue::String(s),
        ) => {
            if let Some(values) = enumeration {
                if !values.contains(&s.as_str()) {
                    return fail(
                        node,
                        path,
                        format!("Value {} is not defined in enum.", json_text(&node.value)),
                    );
                }
            }
            let ok = match format {
                None => true,
                Some(Format::Uuid) => is_uuid(s),
                Some(Format::Date) => is_date(s),
            };
            if !ok {
                let f = match format {
                    Some(Format::Uuid) => "uuid",
                    _ => "date",
                };
                return fail(
                    node,
                    path,
                    format!("String '{s}' does not validate against format '{f}'."),
                );
            }
            Ok(())
        }
        (Schema::Number { multiple_of }, JValue::Number(text)) => {
            let Some(d) = decimal(text) else {
                return fail(
                    node,
                    path,
                    format!("Value {text} is too large or too precise for a decimal."),
                );
            };
            if let Some(m) = multiple_of {
                let m = Decimal::from_str(m).expect("a valid multipleOf");
                if !(d % m).is_zero() {
                    let kind = node.value.token_type();
                    return fail(
                        node,
                        path,
                        format!("{kind} {text} is not a multiple of {m}."),
                    );
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `updateconnector-salesinvoice-2.0-create_request`.
pub fn salesinvoice_create() -> Schema {
    Schema::Object {
        props: vec![
            ("AdministrationId", uuid()),
            ("IssueDate", date()),
            ("Reference", string()),
            (
                "RelationType",
                one_of(&["organisation", "person", "unknown"]),
            ),
            ("RelationId", uuid()),
            (
                "PaymentMethod",
                one_of(&[
                    "creditcard",
                    "directdebit",
                    "debetcard",
                    "unknown",
                    "cash",
                    "ideal",
                    "banktransfer",
                    "",
                    "null",
                ]),
            ),
            ("AddressId", uuid()),
            ("SentInvoiceEmail", Schema::Bool),
            ("ToBeInvoiced", Schema::Bool),
            (
                "Attachments",
                Schema::Array(Box::new(Schema::Object {
                    props: vec![("AttachmentId", uuid())],
                    required: &["AttachmentId"],
                })),
            ),
            (
                "InvoiceLine",
                Schema::Array(Box::new(Schema::Object {
                    props: vec![
                        ("ItemId", uuid()),
                        ("Price", Schema::Number { multiple_of: None }),
                        (
                            "Quantity",
                            Schema::Number {
                                multiple_of: Some("0.01"),
                            },
                        ),
                        ("VatType", one_of(&["high", "low", "zero", "", "null"])),
                        ("ExtraDescription", string()),
                        ("AlternativeAllocationDate", date()),
                        ("PeriodAllocation", Schema::Bool),
                        ("PeriodAllocationBeginDate", date()),
                        ("PeriodAllocationEndDate", date()),
                    ],
                    required: &["ItemId", "Quantity"],
                })),
            ),
        ],
        required: &[
            "AdministrationId",
            "IssueDate",
            "RelationType",
            "RelationId",
            "InvoiceLine",
            "SentInvoiceEmail",
        ],
    }
}

/// `updateconnector-salesinvoice-2.0-delete_request`.
pub fn salesinvoice_delete() -> Schema {
    Schema::Object {
        props: vec![("AdministrationId", uuid()), ("Id", uuid())],
        required: &["AdministrationId", "Id"],
    }
}

/// The body of `/authentication/getaccesstoken`.
pub fn getaccesstoken() -> Schema {
    Schema::Object {
        props: vec![("apptoken", string()), ("scope", string())],
        required: &["apptoken"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::json::parse;

    fn err(body: &str) -> String {
        let n = parse(body.as_bytes()).unwrap();
        validate(&n, &salesinvoice_create())
            .unwrap_err()
            .with_location()
    }

    #[test]
    fn messages_follow_newtonsoft() {
        let base = r#"{"AdministrationId":"bb837613-26e7-52bd-bc56-f3721b90a42e","IssueDate":"2025-05-16","RelationType":"organisation","SentInvoiceEmail":false,"RelationId":"7b8e279b-b551-556e-a00a-a815392d0d38","InvoiceLine":[{"ItemId":"5dbb40d7-52b5-51b6-809e-5a16dddeb650","Quantity":2}]}"#;
        let n = parse(base.as_bytes()).unwrap();
        assert!(validate(&n, &salesinvoice_create()).is_ok());

        let e = err("{\n  \"AdministrationId\": \"bb837613-26e7-52bd-bc56-f3721b90a42e\",\n  \"RelationId\": \"\",\n}".replace(",\n}", "\n}").as_str());
        assert_eq!(
            e,
            "String '' does not validate against format 'uuid'. Path 'RelationId', line 3, position 18."
        );
        assert!(err(&base.replace("\"Quantity\":2", "\"Quantity\":1.005"))
            .starts_with("Float 1.005 is not a multiple of 0.01. Path 'InvoiceLine[0].Quantity'"));
        assert!(err(&base.replace("false", "\"false\""))
            .starts_with("Invalid type. Expected Boolean but got String. Path 'SentInvoiceEmail'"));
        assert!(err(&base.replace("\"organisation\"", "\"company\""))
            .starts_with("Value \"company\" is not defined in enum. Path 'RelationType'"));
        assert!(err(&base.replace(",\"SentInvoiceEmail\":false", "")).starts_with(
            "Required properties are missing from object: SentInvoiceEmail. Path '', line 1, position 1."
        ));
        assert!(err(&base.replace("2025-05-16", "16-05-2025"))
            .starts_with("String '16-05-2025' does not validate against format 'date'."));
    }
}
