//! Contract: every body the AFAS client sends to `POST /api/salesinvoice` validates against
//! that operation's request schema in the AFAS SB 6.0.0 OpenAPI document, and so does what the
//! sandbox received.
//!
//! The spec is OpenAPI 3.0; its schemas are turned into JSON Schema 2020-12 first:
//! `nullable: true` becomes a `null` type, boolean `exclusiveMinimum`/`exclusiveMaximum`
//! become numbers, and — stricter than the spec — objects get `additionalProperties: false`,
//! so that we never send a property the schema does not declare. `multipleOf` is checked on
//! the number's decimal digits (serde_json keeps them): the `jsonschema` crate divides as
//! `f64`, which calls 0.07 or 1.15 not a multiple of 0.01.

// The back-end tests' helpers (a small sandbox, its hooks, invoices from what it lists).
#[path = "../crates/backends/tests/common/mod.rs"]
mod common;

use common::*;
use invoice_desk_backends::afas::salesinvoice_body;
use invoice_desk_core::backend::{InvoiceWriter, LookupSource};
use invoice_desk_core::backend::{RelationKind, Upload};
use invoice_desk_core::totals::PriceBasis;
use invoice_desk_core::Decimal;
use jsonschema::paths::{LazyLocation, Location};
use jsonschema::{Keyword, ValidationError, Validator};
use serde_json::{json, Map, Value};
use std::path::PathBuf;

const OPERATION: (&str, &str) = ("/api/salesinvoice", "post");

fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs/afas-sb-6.0.0.openapi.json")
}

fn load_spec() -> Value {
    let path = spec_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "The AFAS SB OpenAPI spec is needed for the contract test, expected at {} \
             (the `shared` folder beside the repository root): {e}",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("the spec is JSON")
}

/// OpenAPI 3.0 schema → JSON Schema 2020-12 (see the module documentation).
fn to_json_schema(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, x) in o {
                if k == "nullable" || k == "example" || k.starts_with("x-") {
                    continue;
                }
                out.insert(k.clone(), to_json_schema(x));
            }
            if o.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(t) = out.get("type").cloned() {
                    out.insert("type".into(), json!([t, "null"]));
                }
            }
            for (flag, limit) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if let Some(Value::Bool(b)) = out.get(flag).cloned() {
                    out.remove(flag);
                    if b {
                        if let Some(l) = out.remove(limit) {
                            out.insert(flag.into(), l);
                        }
                    }
                }
            }
            if out.get("type") == Some(&json!("object"))
                && out.contains_key("properties")
                && !out.contains_key("additionalProperties")
            {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}

fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => {
            let t = n.to_string();
            t.parse::<Decimal>()
                .ok()
                .or_else(|| Decimal::from_scientific(&t).ok())
        }
        _ => None,
    }
}

/// `multipleOf`, exact on decimals.
struct DecimalMultipleOf {
    multiple: Decimal,
    location: Location,
}

impl Keyword for DecimalMultipleOf {
    fn validate<'i>(
        &self,
        instance: &'i Value,
        location: &LazyLocation,
    ) -> Result<(), ValidationError<'i>> {
        if self.is_valid(instance) {
            return Ok(());
        }
        Err(ValidationError::custom(
            self.location.clone(),
            location.into(),
            instance,
            format!("{instance} is not a multiple of {}", self.multiple),
        ))
    }

    fn is_valid(&self, instance: &Value) -> bool {
        match decimal_of(instance) {
            Some(d) => (d % self.multiple).is_zero(),
            None => !instance.is_number(),
        }
    }
}

// The factory's signature is the `jsonschema` crate's.
#[allow(clippy::result_large_err)]
fn decimal_multiple_of<'a>(
    _parent: &'a Map<String, Value>,
    value: &'a Value,
    location: Location,
) -> Result<Box<dyn Keyword>, ValidationError<'a>> {
    let multiple = decimal_of(value).expect("multipleOf is a number");
    Ok(Box::new(DecimalMultipleOf { multiple, location }))
}

fn request_validator(spec: &Value) -> Validator {
    let (path, method) = OPERATION;
    let op = &spec["paths"][path][method];
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "no request schema for {method} {path} in the spec"
    );
    let mut root = match to_json_schema(schema) {
        Value::Object(o) => o,
        _ => unreachable!(),
    };
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert("components".into(), to_json_schema(&spec["components"]));
    let root = Value::Object(root);
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_keyword("multipleOf", decimal_multiple_of)
        .build(&root)
        .expect("the request schema compiles")
}

fn errors(v: &Validator, body: &Value) -> Vec<String> {
    v.iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn the_validator_can_fail() {
    let spec = load_spec();
    let v = request_validator(&spec);
    // The spec's own example is valid.
    let example = &spec["paths"]["/api/salesinvoice"]["post"]["requestBody"]["content"]
        ["application/json"]["examples"]["example"]["value"];
    assert!(errors(&v, example).is_empty(), "{:?}", errors(&v, example));
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "three decimals",
            Box::new(|b| b["InvoiceLine"][0]["Quantity"] = json!(1.005)),
        ),
        (
            "no SentInvoiceEmail",
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("SentInvoiceEmail");
            }),
        ),
        (
            "a relation number",
            Box::new(|b| b["RelationId"] = json!("000019")),
        ),
        (
            "a bad date",
            Box::new(|b| b["IssueDate"] = json!("16-05-2025")),
        ),
        ("an unknown property", Box::new(|b| b["Foo"] = json!(1))),
        (
            "an unknown VAT type",
            Box::new(|b| b["InvoiceLine"][0]["VatType"] = json!("21")),
        ),
        (
            "a price as text",
            Box::new(|b| b["InvoiceLine"][0]["Price"] = json!("10.00")),
        ),
    ];
    for (what, change) in cases {
        let mut body = example.clone();
        change(&mut body);
        assert!(!errors(&v, &body).is_empty(), "{what} must be invalid");
    }
    // Exact decimals: 0.07 and 1.15 are multiples of 0.01.
    for q in ["0.07", "1.15", "-2", "100.5"] {
        let mut body = example.clone();
        body["InvoiceLine"][0]["Quantity"] =
            Value::Number(serde_json::Number::from_string_unchecked(q.into()));
        assert!(errors(&v, &body).is_empty(), "{q}: {:?}", errors(&v, &body));
    }
}

#[tokio::test]
async fn every_sales_invoice_body_validates() {
    let spec = load_spec();
    let validator = request_validator(&spec);
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let org = cat.relation(RelationKind::Organisation);
    let person = cat.relation(RelationKind::Person);
    let unknown = cat.relation(RelationKind::Unknown);

    let blob = Upload {
        id: uuid::Uuid::new_v4(),
        file_name: "pakbon.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: b"%PDF-1.4 pakbon".to_vec(),
        path: None,
    };
    let attachment = client
        .upload_attachment(&cat.admin, &blob, &|_, _| {})
        .await
        .unwrap();
    let address = client
        .addresses(&cat.admin, &person)
        .await
        .unwrap()
        .remove(0);

    let mut invoices = Vec::new();
    // 1. An organisation, net prices, nothing optional.
    invoices.push(invoice(
        &cat.admin,
        &org,
        vec![
            line(&cat.product(0), "2", "29.93"),
            line(&cat.product(1), "1.5", "67.73"),
        ],
        PriceBasis::ExclVat,
    ));
    // 2. A person with an address, an attachment, a payment method, a reference, e-mail and
    //    "to be invoiced".
    let mut inv = invoice(
        &cat.admin,
        &person,
        vec![
            line(&cat.product(2), "1", "250"),
            line(&cat.product(3), "2", "2"),
        ],
        PriceBasis::ExclVat,
    );
    inv.address_id = Some(address.id.clone());
    inv.attachments = vec![attachment.clone()];
    inv.reference = "PO-2025-0042".into();
    inv.extra.insert("payment_method".into(), "ideal".into());
    inv.extra.insert("send_email".into(), "true".into());
    inv.extra.insert("to_be_invoiced".into(), "true".into());
    inv.lines[0].extra_description = "Week 20, locatie Delft".into();
    invoices.push(inv);
    // 3. The unknown relation with a credit line.
    let mut inv = invoice(
        &cat.admin,
        &unknown,
        vec![
            line(&cat.product(4), "-2", "19.99"),
            line(&cat.product(5), "1", "10"),
        ],
        PriceBasis::ExclVat,
    );
    inv.extra.insert("payment_method".into(), "".into());
    inv.extra.insert("to_be_invoiced".into(), "false".into());
    invoices.push(inv);
    // 4. Prices typed including VAT (21 %), quantities with two decimals.
    let mut lines = vec![
        line(&cat.product(6), "100", "0.65"),
        line(&cat.product(7), "0.07", "12.10"),
        line(&cat.product(8), "1.15", "99.99"),
    ];
    for l in &mut lines {
        l.vat_code = "high".into();
        l.vat_percent = Decimal::from(21);
    }
    invoices.push(invoice(&cat.admin, &org, lines, PriceBasis::InclVat));
    // 5. Every payment method once, on a small invoice each.
    for (i, pm) in [
        "banktransfer",
        "directdebit",
        "creditcard",
        "debetcard",
        "cash",
        "unknown",
    ]
    .iter()
    .enumerate()
    {
        let mut inv = invoice(
            &cat.admin,
            &org,
            vec![line(&cat.product(9 + i), "3.25", "4.99")],
            PriceBasis::ExclVat,
        );
        inv.extra.insert("payment_method".into(), pm.to_string());
        inv.reference = format!("Ref {i}");
        invoices.push(inv);
    }

    let mut sent = Vec::new();
    for inv in &invoices {
        let body = salesinvoice_body(inv).unwrap();
        let errs = errors(&validator, &body);
        assert!(errs.is_empty(), "{body:#}\n{errs:#?}");
        let receipt = client
            .submit(inv)
            .await
            .unwrap_or_else(|e| panic!("{e:?}\n{body:#}"));
        // The one warning an accepted invoice may carry: AFAS numbers an invoice that waits
        // as "to be invoiced" only later.
        assert!(
            receipt
                .warnings
                .iter()
                .all(|w| w.en.contains("to be invoiced")),
            "{:?}",
            receipt.warnings
        );
        sent.push((receipt.remote_id, body));
    }

    // What the sandbox received is what we built, and it validates too.
    let stored = env.invoices().await;
    assert_eq!(stored.len(), invoices.len());
    for (id, body) in &sent {
        let s = stored
            .iter()
            .find(|s| s["id"] == id.as_str())
            .expect("stored");
        let errs = errors(&validator, &s["body"]);
        assert!(errs.is_empty(), "{:#}\n{errs:#?}", s["body"]);
        assert_eq!(&s["body"], body);
        let raw: Value = serde_json::from_str(s["raw_body"].as_str().unwrap()).unwrap();
        assert_eq!(&raw, body);
    }
    // The gross prices reached AFAS as net prices with their digits intact.
    let gross = &sent[3].1["InvoiceLine"];
    assert_eq!(gross[0]["Price"].to_string(), "0.5371900826");
    assert_eq!(gross[1]["Price"].to_string(), "10");
    assert_eq!(gross[1]["Quantity"].to_string(), "0.07");
}

/// The query parameters the spec declares for `GET {path}`.
fn declared_query_parameters(spec: &Value, path: &str) -> Vec<String> {
    spec["paths"][path]["get"]["parameters"]
        .as_array()
        .expect("the operation has parameters")
        .iter()
        .map(|p| match p["$ref"].as_str() {
            // "#/components/parameters/skip"
            Some(r) => r
                .trim_start_matches("#/")
                .split('/')
                .fold(spec, |v, k| &v[k]),
            None => p,
        })
        .filter(|p| p["in"] == "query")
        .filter_map(|p| p["name"].as_str().map(String::from))
        .collect()
}

#[tokio::test]
async fn every_read_of_sales_invoices_sends_only_parameters_the_spec_declares() {
    use invoice_desk_core::backend::InvoiceReader;
    use invoice_desk_core::reader::{InvoiceColumn, InvoiceQuery, InvoiceSort};
    let spec = load_spec();
    let declared = declared_query_parameters(&spec, "/api/salesinvoices");
    let env = start().await;
    let client = env.client().with_page_size(4);
    let admin = env.administration_ids().await[0].clone();
    env.clear_log().await;
    let mut query = InvoiceQuery {
        administration: admin,
        ..Default::default()
    };
    let first = client.list_invoices(&query, None).await.unwrap();
    client
        .list_invoices(&query, first.cursor.as_deref())
        .await
        .unwrap();
    query.sort = Some(InvoiceSort {
        column: InvoiceColumn::Customer,
        descending: false,
    });
    client.list_invoices(&query, None).await.unwrap();
    client.invoice(&first.items[0].id).await.unwrap();
    let gets: Vec<Value> = env
        .log()
        .await
        .into_iter()
        .filter(|e| {
            e["path"]
                .as_str()
                .unwrap_or("")
                .ends_with("/api/salesinvoices")
        })
        .collect();
    assert_eq!(gets.len(), 4);
    for g in &gets {
        assert_eq!(g["method"], "GET");
        let q = g["query"].as_str().unwrap_or("");
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let name = pair.split('=').next().unwrap_or("");
            assert!(
                declared.iter().any(|d| d == name),
                "`{name}` is not a parameter of GET /api/salesinvoices in the spec ({declared:?})"
            );
        }
    }
}
