//! Contract: the Mollie stand-in's answers validate against the response schemas of Mollie's
//! OpenAPI document (`shared/specs/mollie.openapi.yaml`, beside the repository root), and
//! [`request_errors`] checks a create body against `sales-invoice-request`, for the client's
//! own bodies.
//!
//! The spec is OpenAPI 3.1 in YAML (read with `yaml-rust2`). Each operation's schema is taken
//! with every `$ref` inlined (siblings of a `$ref` are merged over the referenced schema) and
//! turned into JSON Schema 2020-12:
//! - `example`, `examples` and `x-*` annotations are dropped, but an enum marked
//!   `x-speakeasy-unknown-values: allow` is open (its `enum` is dropped): Mollie adds statuses
//!   such as `overdue` and `cancelled` that the enum does not list yet.
//! - OpenAPI's `readOnly`/`writeOnly`: in a request a read-only property may not be sent and is
//!   not required; in an answer a write-only one (the recipient's `locale`, `testmode`) may not
//!   be answered and is not required.
//! - Stricter than the spec, so that nothing undeclared crosses the wire: objects get
//!   `additionalProperties: false` (`unevaluatedProperties: false` where `allOf` composes them;
//!   `metadata` stays free), except `currency` on the invoice itself, which the API takes and
//!   answers although the schema does not declare it (the wire contract's one exception).
//!   `amount.value` must be a string with exactly two decimals.

use std::sync::OnceLock;

use invoice_desk_sandbox::mollie::{DEMO_API_KEY_TEST, DEMO_ORG_TOKEN};
use invoice_desk_sandbox::{
    AfasConfig, BloxsConfig, MollieConfig, Sandbox, SandboxConfig, SilvasoftConfig,
};
use jsonschema::Validator;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Map, Value};
use yaml_rust2::{Yaml, YamlLoader};

// ---------------------------------------------------------------------------------------------
// the spec

fn spec_path() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/specs/mollie.openapi.yaml")
}

/// YAML → JSON; numbers keep their digits, keys become strings.
fn yaml_to_json(y: &Yaml) -> Value {
    match y {
        Yaml::Real(s) => s
            .parse::<serde_json::Number>()
            .map(Value::Number)
            .unwrap_or_else(|_| Value::String(s.clone())),
        Yaml::Integer(i) => json!(i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(a) => Value::Array(a.iter().map(yaml_to_json).collect()),
        Yaml::Hash(h) => {
            let mut m = Map::new();
            for (k, v) in h {
                let key = match k {
                    Yaml::String(s) | Yaml::Real(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    other => panic!("an unexpected YAML key {other:?}"),
                };
                m.insert(key, yaml_to_json(v));
            }
            Value::Object(m)
        }
        Yaml::Null => Value::Null,
        Yaml::Alias(_) | Yaml::BadValue => panic!("the spec uses no YAML aliases"),
    }
}

/// The spec as JSON, with the contract's additions (see the module documentation).
fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = spec_path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "The Mollie OpenAPI spec is needed for the contract test, expected at {} \
                 (the `shared` folder beside the repository root): {e}",
                path.display()
            )
        });
        let docs = YamlLoader::load_from_str(&text).expect("the spec is YAML");
        let mut spec = yaml_to_json(docs.first().expect("one YAML document"));
        let schemas = &mut spec["components"]["schemas"];
        // `currency`: taken and answered on the invoice, not declared by its schemas.
        for name in [
            "sales-invoice-request",
            "sales-invoice-response",
            "list-sales-invoice-response",
        ] {
            let all_of = schemas[name]["allOf"]
                .as_array_mut()
                .unwrap_or_else(|| panic!("{name} is an allOf"));
            all_of.push(json!({"type": "object", "properties": {"currency": {"type": "string"}}}));
        }
        // Money: exactly two decimals.
        assert!(schemas["amount"]["properties"]["value"].is_object());
        schemas["amount"]["properties"]["value"]["pattern"] = json!("^-?[0-9]+\\.[0-9]{2}$");
        spec
    })
}

/// The target of a local `$ref` (`#/components/schemas/amount`).
fn pointer<'a>(spec: &'a Value, r: &str) -> &'a Value {
    let p = r
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("only local references: {r}"));
    spec.pointer(p)
        .unwrap_or_else(|| panic!("the reference {r} points nowhere"))
}

/// Inlines every `$ref`; siblings of a `$ref` are merged over what it points to.
fn inline(spec: &Value, v: &Value, depth: usize) -> Value {
    assert!(depth < 64, "the schema is deeper than 64 levels (a cycle?)");
    match v {
        Value::Object(o) => {
            let mut out = match o.get("$ref").and_then(Value::as_str) {
                Some(r) => match inline(spec, pointer(spec, r), depth + 1) {
                    Value::Object(m) => m,
                    other => return other,
                },
                None => Map::new(),
            };
            for (k, x) in o {
                if k != "$ref" {
                    out.insert(k.clone(), inline(spec, x, depth + 1));
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| inline(spec, x, depth + 1)).collect()),
        other => other.clone(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

fn flag(schema: &Value, name: &str) -> bool {
    schema.get(name) == Some(&Value::Bool(true))
}

/// An inlined OpenAPI schema → strict JSON Schema 2020-12 for one direction.
fn to_json_schema(v: &Value, dir: Direction, in_all_of: bool) -> Value {
    let Value::Object(o) = v else {
        return v.clone();
    };
    let mut out = Map::new();
    let open_enum = o.get("x-speakeasy-unknown-values").and_then(Value::as_str) == Some("allow");
    for (k, x) in o {
        match k.as_str() {
            "example" | "examples" => {}
            k if k.starts_with("x-") => {}
            "enum" if open_enum => {}
            "properties" => {
                let mut props = Map::new();
                let mut hidden = Vec::new();
                for (name, p) in x.as_object().into_iter().flatten() {
                    let not_here = match dir {
                        Direction::Request => flag(p, "readOnly"),
                        Direction::Response => flag(p, "writeOnly"),
                    };
                    if not_here {
                        hidden.push(name.clone());
                        props.insert(name.clone(), Value::Bool(false));
                    } else {
                        props.insert(name.clone(), to_json_schema(p, dir, false));
                    }
                }
                out.insert("properties".into(), Value::Object(props));
                if let Some(Value::Array(req)) = o.get("required") {
                    let kept: Vec<Value> = req
                        .iter()
                        .filter(|r| !hidden.iter().any(|h| Some(h.as_str()) == r.as_str()))
                        .cloned()
                        .collect();
                    out.insert("required".into(), Value::Array(kept));
                }
            }
            "required" if o.contains_key("properties") => {}
            "allOf" => {
                let branches = x
                    .as_array()
                    .map(|a| a.iter().map(|b| to_json_schema(b, dir, true)).collect())
                    .unwrap_or_default();
                out.insert("allOf".into(), Value::Array(branches));
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(k.clone(), to_json_schema(x, dir, false));
            }
            "oneOf" | "anyOf" => {
                let branches = x
                    .as_array()
                    .map(|a| a.iter().map(|b| to_json_schema(b, dir, false)).collect())
                    .unwrap_or_default();
                out.insert(k.clone(), Value::Array(branches));
            }
            _ => {
                out.insert(k.clone(), x.clone());
            }
        }
    }
    let composes_objects = o
        .get("allOf")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|b| b.get("properties").is_some()));
    if composes_objects && !o.contains_key("unevaluatedProperties") {
        out.insert("unevaluatedProperties".into(), Value::Bool(false));
    } else if o.contains_key("properties") && !in_all_of && !o.contains_key("additionalProperties")
    {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    Value::Object(out)
}

fn compile(schema: &Value, dir: Direction) -> Validator {
    let mut root = match to_json_schema(schema, dir, false) {
        Value::Object(o) => o,
        other => panic!("a schema is an object: {other}"),
    };
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&Value::Object(root))
        .expect("the schema compiles")
}

/// The schema of an operation's answer with `status` (`$ref`s to shared responses followed),
/// and its media type.
fn response_schema(path: &str, method: &str, status: &str) -> (String, Value) {
    let spec = spec();
    let op = &spec["paths"][path][method];
    let mut resp = &op["responses"][status];
    if let Some(r) = resp.get("$ref").and_then(Value::as_str) {
        resp = pointer(spec, r);
    }
    let content = resp["content"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} answers no {status} body in the spec"));
    let (media, body) = content.iter().next().expect("one media type");
    (media.clone(), inline(spec, &body["schema"], 0))
}

fn errors_of(v: &Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

/// The create body's validator: `sales-invoice-request`, strict.
fn request_validator() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| {
        let spec = spec();
        let op = &spec["paths"]["/v2/sales-invoices"]["post"];
        let schema = &op["requestBody"]["content"]["application/json"]["schema"];
        assert!(schema.is_object(), "no request schema for the create call");
        compile(&inline(spec, schema, 0), Direction::Request)
    })
}

/// What is wrong with a create body by `sales-invoice-request` (strict: nothing undeclared
/// but `currency`, nothing read-only, money with two decimals); empty when it is valid.
pub fn request_errors(body: &Value) -> Vec<String> {
    errors_of(request_validator(), body)
}

/// What is wrong with an update body (`PATCH`, `update-values-sales-invoice` with
/// `testmode`), by the same strict rules; empty when it is valid.
pub fn update_errors(body: &Value) -> Vec<String> {
    static V: OnceLock<Validator> = OnceLock::new();
    let v = V.get_or_init(|| {
        let spec = spec();
        let op = &spec["paths"]["/v2/sales-invoices/{salesInvoiceId}"]["patch"];
        let schema = &op["requestBody"]["content"]["application/json"]["schema"];
        assert!(schema.is_object(), "no request schema for the update call");
        compile(&inline(spec, schema, 0), Direction::Request)
    });
    errors_of(v, body)
}

// ---------------------------------------------------------------------------------------------
// the request schema

/// A create body built from the spec's own example (the create call's PHP and curl samples:
/// a consumer, one line, EUR), with the recipient's `locale` the schema requires.
fn spec_example_body() -> Value {
    json!({
        "profileId": "pfl_QkEhN94Ba",
        "currency": "EUR",
        "status": "draft",
        "vatScheme": "standard",
        "vatMode": "inclusive",
        "paymentTerm": "30 days",
        "recipientIdentifier": "customer-12354123",
        "recipient": {
            "type": "consumer",
            "givenName": "Given",
            "familyName": "Family",
            "email": "given.family@mollie.com",
            "streetAndNumber": "Street 1",
            "postalCode": "1000 AA",
            "city": "Amsterdam",
            "country": "NL",
            "locale": "nl_NL"
        },
        "lines": [{
            "description": "Product number 1",
            "quantity": 1,
            "vatRate": "21.00",
            "unitPrice": {"currency": "EUR", "value": "12.50"}
        }],
        "isEInvoice": false
    })
}

#[test]
fn a_body_from_the_specs_own_example_passes_the_request_schema() {
    let body = spec_example_body();
    assert_eq!(request_errors(&body), Vec::<String>::new());
    // The example's recipient and line are the spec's 201 example's (locale aside).
    let example = &spec()["paths"]["/v2/sales-invoices"]["post"]["responses"]["201"]["content"]
        ["application/hal+json"]["example"];
    for k in [
        "givenName",
        "familyName",
        "email",
        "streetAndNumber",
        "postalCode",
    ] {
        assert_eq!(body["recipient"][k], example["recipient"][k], "{k}");
    }
    // With the members the wire contract adds, and a business recipient, it still passes.
    let mut full = body.clone();
    full["metadata"] = json!({"invoiceDeskId": "5d1f3c2e-0000-4000-8000-000000000001"});
    full["memo"] = json!("Bedankt!");
    full["discount"] = json!({"type": "percentage", "value": "5.00"});
    full["lines"][0]["discount"] = json!({"type": "amount", "value": "1.00"});
    full["status"] = json!("paid");
    full["paymentDetails"] =
        json!({"source": "payment-link", "sourceReference": "pl_d9fQur83kFdhH8hIhaZfq"});
    full["emailDetails"] = json!({"subject": "Uw factuur", "body": "Zie bijlage."});
    full["testmode"] = json!(true);
    full["recipient"] = json!({
        "type": "business", "organizationName": "Acme B.V.", "vatNumber": "NL123456789B01",
        "organizationNumber": null, "email": "billing@acme.nl", "phone": "020-1234567",
        "streetAndNumber": "Keizersgracht 1", "postalCode": "1015 CW", "city": "Amsterdam",
        "country": "NL", "locale": "nl_NL"
    });
    assert_eq!(request_errors(&full), Vec::<String>::new());
}

#[test]
fn a_fractional_quantity_a_long_description_and_a_missing_recipient_fail() {
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, &str, Change)> = vec![
        (
            "a fractional quantity",
            "/lines/0/quantity",
            Box::new(|b| b["lines"][0]["quantity"] = json!(1.5)),
        ),
        (
            "a quantity of 0",
            "/lines/0/quantity",
            Box::new(|b| b["lines"][0]["quantity"] = json!(0)),
        ),
        (
            "a 101-character description",
            "/lines/0/description",
            Box::new(|b| b["lines"][0]["description"] = json!("x".repeat(101))),
        ),
        (
            "no recipient",
            "",
            Box::new(|b| {
                b.as_object_mut().map(|o| o.remove("recipient"));
            }),
        ),
        (
            "an amount with one decimal",
            "/lines/0/unitPrice/value",
            Box::new(|b| b["lines"][0]["unitPrice"]["value"] = json!("12.5")),
        ),
        (
            "an amount as a number",
            "/lines/0/unitPrice/value",
            Box::new(|b| b["lines"][0]["unitPrice"]["value"] = json!(12.5)),
        ),
        (
            "a member the schema does not declare",
            "",
            Box::new(|b| b["reference"] = json!("F-1")),
        ),
        (
            "an undeclared member of a line",
            "/lines/0",
            Box::new(|b| b["lines"][0]["vatCode"] = json!("high")),
        ),
        (
            "a read-only member",
            "",
            Box::new(|b| b["invoiceNumber"] = json!("INV-1")),
        ),
        (
            "a status Mollie does not take",
            "/status",
            Box::new(|b| b["status"] = json!("sent")),
        ),
        (
            "no locale",
            "/recipient",
            Box::new(|b| {
                b["recipient"].as_object_mut().map(|o| o.remove("locale"));
            }),
        ),
    ];
    let base = spec_example_body();
    for (what, at, change) in cases {
        let mut b = base.clone();
        change(&mut b);
        let errors = request_errors(&b);
        assert!(!errors.is_empty(), "{what} passed");
        assert!(
            errors.iter().any(|e| e.ends_with(&format!(" at {at}"))),
            "{what}: {errors:?}"
        );
    }
    let mut all = base;
    all["lines"][0]["quantity"] = json!(2.5);
    all["lines"][0]["description"] = json!("é".repeat(101));
    all.as_object_mut().map(|o| o.remove("recipient"));
    assert!(
        request_errors(&all).len() >= 3,
        "{:?}",
        request_errors(&all)
    );
}

#[test]
fn an_issue_update_passes_the_update_schema_and_a_line_change_on_it_is_checked_too() {
    let issue = json!({
        "status": "issued",
        "emailDetails": {"subject": "Uw factuur", "body": "Zie bijlage."},
        "testmode": true
    });
    assert_eq!(update_errors(&issue), Vec::<String>::new());
    for (what, bad) in [
        ("an unknown status", json!({"status": "sent"})),
        (
            "email details without a body",
            json!({"status": "issued", "emailDetails": {"subject": "x"}}),
        ),
        (
            "a member the schema does not declare",
            json!({"status": "issued", "reference": "F-1"}),
        ),
        (
            "a fractional quantity",
            json!({"lines": [{"description": "x", "quantity": 1.5, "vatRate": "21.00", "unitPrice": {"currency": "EUR", "value": "1.00"}}]}),
        ),
        (
            "a profile",
            json!({"memo": "x", "profileId": "pfl_demo0001"}),
        ),
    ] {
        assert!(!update_errors(&bad).is_empty(), "{what} passed");
    }
}

// ---------------------------------------------------------------------------------------------
// the stand-in's answers

struct Env {
    sb: Sandbox,
    http: Client,
}

async fn start() -> Env {
    let cfg = SandboxConfig {
        seed: 17,
        afas: AfasConfig {
            persons: 10,
            organisations: 10,
            products: 10,
            ..AfasConfig::default()
        },
        silvasoft: SilvasoftConfig {
            relations: 10,
            products: 10,
            ..SilvasoftConfig::default()
        },
        bloxs: BloxsConfig {
            persons: 10,
            organisations: 10,
            contracts: 10,
            ..BloxsConfig::default()
        },
        mollie: MollieConfig {
            invoices_per_profile: 60,
            ..MollieConfig::default()
        },
        bouwsoft: invoice_desk_sandbox::BouwsoftConfig {
            invoices: 10,
            ..Default::default()
        },
    };
    let sb = Sandbox::start("127.0.0.1:0".parse().expect("an address"), cfg)
        .await
        .expect("the sandbox starts");
    Env {
        sb,
        http: Client::new(),
    }
}

impl Env {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> (StatusCode, String, Value) {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.sb.mollie_base_url())
        };
        let mut rb = self
            .http
            .request(method.clone(), url)
            .bearer_auth(token)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string());
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let resp = rb.send().await.expect("the stand-in answers");
        let status = resp.status();
        let media = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = resp.text().await.expect("a body");
        (
            status,
            media,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }
}

/// Checks an answer against the spec's schema for `(path, method, status)`: the media type
/// and the body. Answers how many were checked (1).
fn check(spec_path: &str, method: &str, got: &(StatusCode, String, Value)) -> usize {
    let (status, media, body) = got;
    let (want_media, schema) = response_schema(spec_path, method, status.as_str());
    assert_eq!(media, &want_media, "{method} {spec_path} {status}");
    let v = compile(&schema, Direction::Response);
    let errors = errors_of(&v, body);
    assert!(
        errors.is_empty(),
        "{method} {spec_path} {status} does not match the spec: {errors:?}\n{body}"
    );
    1
}

fn invoice_body() -> Value {
    let mut b = spec_example_body();
    b.as_object_mut().map(|o| o.remove("profileId"));
    b["metadata"] = json!({"invoiceDeskId": "5d1f3c2e-0000-4000-8000-000000000001"});
    b
}

#[tokio::test]
async fn every_answer_of_the_stand_in_matches_the_specs_response_schemas() {
    let env = start().await;
    let k = DEMO_API_KEY_TEST;
    let col = "/v2/sales-invoices";
    let one = "/v2/sales-invoices/{salesInvoiceId}";
    let mut checked = 0;

    // create 201: a draft, a paid business invoice with discounts, an issued e-invoice
    // through the organisation token in test mode.
    let draft = env.call(Method::POST, col, k, Some(&invoice_body())).await;
    assert_eq!(draft.0, StatusCode::CREATED, "{}", draft.2);
    checked += check(col, "post", &draft);
    let mut paid = invoice_body();
    paid["status"] = json!("paid");
    paid["paymentDetails"] = json!({"source": "payment-link", "sourceReference": "pl_abc"});
    paid["discount"] = json!({"type": "amount", "value": "1.00"});
    paid["lines"][0]["discount"] = json!({"type": "percentage", "value": "10"});
    paid["memo"] = json!("Bedankt!");
    paid["recipient"] = json!({
        "type": "business", "organizationName": "Acme B.V.", "organizationNumber": "12345678",
        "email": "billing@acme.nl", "streetAndNumber": "Keizersgracht 1", "postalCode": "1015 CW",
        "city": "Amsterdam", "country": "NL", "locale": "nl_NL", "streetAdditional": "2e etage"
    });
    let got = env.call(Method::POST, col, k, Some(&paid)).await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.2);
    checked += check(col, "post", &got);
    let mut issued = invoice_body();
    issued["status"] = json!("issued");
    issued["isEInvoice"] = json!(true);
    issued["emailDetails"] = json!({"subject": "Uw factuur", "body": "Zie bijlage."});
    issued["profileId"] = json!("pfl_demo0001");
    issued["testmode"] = json!(true);
    let got = env
        .call(Method::POST, col, DEMO_ORG_TOKEN, Some(&issued))
        .await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.2);
    checked += check(col, "post", &got);

    // get 200 and 404
    let id = draft.2["id"].as_str().unwrap_or("").to_string();
    let got = env.call(Method::GET, &format!("{col}/{id}"), k, None).await;
    assert_eq!(got.0, StatusCode::OK);
    checked += check(one, "get", &got);
    let got = env
        .call(Method::GET, &format!("{col}/invoice_nope"), k, None)
        .await;
    assert_eq!(got.0, StatusCode::NOT_FOUND);
    checked += check(one, "get", &got);

    // list 200, every page (generated invoices of every status), and 400 on a bad cursor
    let mut url = format!("{col}?limit=25");
    let mut pages = 0;
    loop {
        let got = env.call(Method::GET, &url, k, None).await;
        assert_eq!(got.0, StatusCode::OK);
        checked += check(col, "get", &got);
        pages += 1;
        match got.2["_links"]["next"]["href"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 3, "61 invoices in pages of 25");
    let got = env
        .call(Method::GET, &format!("{col}?from=invoice_nope"), k, None)
        .await;
    assert_eq!(got.0, StatusCode::BAD_REQUEST);
    checked += check(col, "get", &got);

    // update 200 and 422, delete 422
    let path = format!("{col}/{id}");
    let got = env
        .call(Method::PATCH, &path, k, Some(&json!({"status": "issued"})))
        .await;
    assert_eq!(got.0, StatusCode::UNPROCESSABLE_ENTITY);
    checked += check(one, "patch", &got);
    let got = env
        .call(
            Method::PATCH,
            &path,
            k,
            Some(&json!({"status": "issued", "emailDetails": {"subject": "Factuur", "body": "Hierbij."}})),
        )
        .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.2);
    checked += check(one, "patch", &got);
    let got = env.call(Method::DELETE, &path, k, None).await;
    assert_eq!(got.0, StatusCode::UNPROCESSABLE_ENTITY);
    checked += check(one, "delete", &got);

    // create 422 on a field
    let mut bad = invoice_body();
    bad["lines"][0]["quantity"] = json!(1.5);
    let got = env.call(Method::POST, col, k, Some(&bad)).await;
    assert_eq!(got.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(got.2["field"], "lines.0.quantity");
    checked += check(col, "post", &got);

    // 429 with Retry-After
    let faults = format!("{}/__sandbox/mollie/faults", env.sb.base_url());
    let r = env
        .http
        .post(&faults)
        .json(&json!({"fail_next": 2, "status": 429}))
        .send()
        .await
        .expect("the hook answers");
    assert_eq!(r.status(), StatusCode::OK);
    let got = env.call(Method::POST, col, k, Some(&invoice_body())).await;
    assert_eq!(got.0, StatusCode::TOO_MANY_REQUESTS);
    checked += check(col, "post", &got);
    let got = env.call(Method::GET, col, k, None).await;
    assert_eq!(got.0, StatusCode::TOO_MANY_REQUESTS);
    checked += check(col, "get", &got);

    // the organisation's profiles
    let got = env
        .call(Method::GET, "/v2/profiles", DEMO_ORG_TOKEN, None)
        .await;
    assert_eq!(got.0, StatusCode::OK);
    checked += check("/v2/profiles", "get", &got);

    assert_eq!(checked, 16);
}

#[tokio::test]
async fn the_response_check_can_fail() {
    let env = start().await;
    let got = env
        .call(
            Method::POST,
            "/v2/sales-invoices",
            DEMO_API_KEY_TEST,
            Some(&invoice_body()),
        )
        .await;
    assert_eq!(got.0, StatusCode::CREATED);
    let (_, schema) = response_schema("/v2/sales-invoices", "post", "201");
    let v = compile(&schema, Direction::Response);
    assert!(errors_of(&v, &got.2).is_empty());
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "no id",
            Box::new(|b| {
                b.as_object_mut().map(|o| o.remove("id"));
            }),
        ),
        (
            "an id of another kind",
            Box::new(|b| b["id"] = json!("inv_123")),
        ),
        (
            "a number as an amount",
            Box::new(|b| b["totalAmount"]["value"] = json!(107.69)),
        ),
        (
            "three decimals",
            Box::new(|b| b["totalAmount"]["value"] = json!("107.690")),
        ),
        (
            "the write-only locale answered",
            Box::new(|b| b["recipient"]["locale"] = json!("nl_NL")),
        ),
        (
            "an undeclared member",
            Box::new(|b| b["total"] = json!("107.69")),
        ),
        (
            "a fractional quantity",
            Box::new(|b| b["lines"][0]["quantity"] = json!(1.5)),
        ),
        (
            "a link without type",
            Box::new(|b| {
                b["_links"]["self"]
                    .as_object_mut()
                    .map(|o| o.remove("type"));
            }),
        ),
    ];
    for (what, change) in cases {
        let mut b = got.2.clone();
        change(&mut b);
        assert!(!errors_of(&v, &b).is_empty(), "{what} passed");
    }
}
