//! The Mollie stand-in over real HTTP: its credentials and modes, every refusal on its field,
//! the totals to the cent, `Idempotency-Key` replays, cursor paging to the end, the update and
//! delete rules, the PDF, its hooks and the kit's faults.

use std::collections::HashSet;

use invoice_desk_sandbox::mollie::{
    DEMO_API_KEY_LIVE, DEMO_API_KEY_TEST, DEMO_ORG_TOKEN, NO_RIGHTS_TOKEN, ORG_PROFILES,
};
use invoice_desk_sandbox::{
    AfasConfig, BloxsConfig, MollieConfig, Sandbox, SandboxConfig, SilvasoftConfig,
};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

struct Env {
    sb: Sandbox,
    http: Client,
}

fn config(f: impl FnOnce(&mut MollieConfig)) -> SandboxConfig {
    let mut c = SandboxConfig {
        seed: 13,
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
        ..SandboxConfig::default()
    };
    c.mollie.invoices_per_profile = 12;
    f(&mut c.mollie);
    c
}

async fn start_with(f: impl FnOnce(&mut MollieConfig)) -> Env {
    let sb = Sandbox::start("127.0.0.1:0".parse().expect("an address"), config(f))
        .await
        .expect("the sandbox starts");
    Env {
        sb,
        http: Client::new(),
    }
}

async fn start() -> Env {
    start_with(|_| {}).await
}

async fn answer(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A body as the spec's example, with the members the wire contract adds.
fn body() -> Value {
    json!({
        "status": "draft",
        "currency": "EUR",
        "vatMode": "exclusive",
        "vatScheme": "standard",
        "paymentTerm": "30 days",
        "recipientIdentifier": "customer-abc-123",
        "recipient": {
            "type": "business",
            "organizationName": "Acme B.V.",
            "vatNumber": "NL123456789B01",
            "email": "billing@acme.nl",
            "streetAndNumber": "Keizersgracht 1",
            "postalCode": "1015 CW",
            "city": "Amsterdam",
            "country": "NL",
            "locale": "nl_NL"
        },
        "lines": [{
            "description": "LEGO 4440 Forest Police Station",
            "quantity": 1,
            "vatRate": "21.00",
            "unitPrice": {"currency": "EUR", "value": "89.00"}
        }],
        "metadata": {"invoiceDeskId": "5d1f3c2e-0000-4000-8000-000000000001"}
    })
}

fn money(v: &Value) -> &str {
    v["value"].as_str().unwrap_or("?")
}

impl Env {
    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.sb.mollie_base_url())
        }
    }

    fn hook_url(&self, path: &str) -> String {
        format!("{}/__sandbox/mollie/{path}", self.sb.base_url())
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut rb = self.http.request(method, self.url(path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(k) = key {
            rb = rb.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        answer(rb.send().await.expect("the stand-in answers")).await
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None, None).await
    }

    async fn create_as(&self, token: &str, b: &Value) -> (StatusCode, Value) {
        let key = uuid::Uuid::new_v4().to_string();
        self.call(
            Method::POST,
            "/v2/sales-invoices",
            Some(token),
            Some(&key),
            Some(b),
        )
        .await
    }

    async fn create(&self, b: &Value) -> (StatusCode, Value) {
        self.create_as(DEMO_API_KEY_TEST, b).await
    }

    /// The refusal of a body changed by `f`: its status and field.
    async fn refusal(&self, f: impl FnOnce(&mut Value)) -> (StatusCode, String, Value) {
        let mut b = body();
        f(&mut b);
        let (status, v) = self.create(&b).await;
        (status, v["field"].as_str().unwrap_or("").to_string(), v)
    }

    async fn hook(&self, path: &str) -> Value {
        answer(
            self.http
                .get(self.hook_url(path))
                .send()
                .await
                .expect("the hook answers"),
        )
        .await
        .1
    }

    async fn hook_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        answer(
            self.http
                .post(self.hook_url(path))
                .json(&body)
                .send()
                .await
                .expect("the hook answers"),
        )
        .await
    }

    /// Every invoice of a listing, following `_links.next`; the number of pages.
    async fn all_pages(&self, first: &str, token: &str) -> (Vec<Value>, usize) {
        let mut url = first.to_string();
        let mut items = Vec::new();
        let mut pages = 0;
        loop {
            let (status, v) = self.get(&url, token).await;
            assert_eq!(status, StatusCode::OK, "{url}: {v}");
            pages += 1;
            let page = v["_embedded"]["sales_invoices"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert_eq!(v["count"], json!(page.len()));
            items.extend(page);
            match v["_links"]["next"]["href"].as_str() {
                Some(next) => url = next.to_string(),
                None => {
                    assert_eq!(v["_links"]["next"], Value::Null);
                    break;
                }
            }
            assert!(pages < 1000, "the paging does not end");
        }
        (items, pages)
    }
}

// ---------------------------------------------------------------------------------------------
// credentials and modes

#[tokio::test]
async fn a_created_draft_is_answered_201_as_hal_and_read_back_the_same() {
    let env = start().await;
    let resp = env
        .http
        .post(env.url("/v2/sales-invoices"))
        .bearer_auth(DEMO_API_KEY_TEST)
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&body())
        .send()
        .await
        .expect("an answer");
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/hal+json")
    );
    let (_, created) = answer(resp).await;
    let id = created["id"].as_str().expect("an id");
    assert!(id.starts_with("invoice_"), "{id}");
    assert_eq!(created["resource"], "sales-invoice");
    assert_eq!(created["mode"], "test");
    assert_eq!(created["profileId"], "pfl_demo0000");
    assert_eq!(created["status"], "draft");
    assert_eq!(created["invoiceNumber"], Value::Null);
    assert_eq!(money(&created["subtotalAmount"]), "89.00");
    assert_eq!(money(&created["totalVatAmount"]), "18.69");
    assert_eq!(money(&created["totalAmount"]), "107.69");
    assert_eq!(money(&created["amountDue"]), "107.69");
    assert_eq!(
        created["metadata"],
        json!({"invoiceDeskId": "5d1f3c2e-0000-4000-8000-000000000001"})
    );
    assert!(
        created["recipient"].get("locale").is_none(),
        "locale is write-only"
    );
    let (status, read) = env
        .get(&format!("/v2/sales-invoices/{id}"), DEMO_API_KEY_TEST)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, created);
}

#[tokio::test]
async fn missing_or_unknown_credentials_are_401_and_a_token_without_rights_403() {
    let env = start().await;
    for token in [None, Some("test_wrong"), Some("access_wrong")] {
        let (status, v) = env
            .call(Method::GET, "/v2/sales-invoices", token, None, None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(v["status"], 401);
        let (status, _) = env
            .call(
                Method::POST,
                "/v2/sales-invoices",
                token,
                None,
                Some(&body()),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
    }
    let (status, v) = env.get("/v2/sales-invoices", NO_RIGHTS_TOKEN).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["status"], 403);
    let mut b = body();
    b["profileId"] = json!("pfl_demo0001");
    let (status, _) = env.create_as(NO_RIGHTS_TOKEN, &b).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // It may still list the profiles; an API key may not.
    let (status, v) = env.get("/v2/profiles", NO_RIGHTS_TOKEN).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, _) = env.get("/v2/profiles", DEMO_API_KEY_TEST).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(env
        .hook("received")
        .await
        .as_array()
        .is_some_and(Vec::is_empty));
}

#[tokio::test]
async fn the_organisation_token_lists_its_two_profiles() {
    let env = start().await;
    let (status, v) = env.get("/v2/profiles", DEMO_ORG_TOKEN).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["count"], 2);
    let got: Vec<(&str, &str)> = v["_embedded"]["profiles"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p["id"].as_str().unwrap_or(""),
                        p["name"].as_str().unwrap_or(""),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        got,
        [
            ("pfl_demo0001", "Bakkerij De Gouden Krakeling"),
            ("pfl_demo0002", "Fietsenmaker Snel")
        ]
    );
    assert_eq!(ORG_PROFILES.len(), 2);
}

#[tokio::test]
async fn an_api_key_refuses_testmode_and_profile_id_and_an_org_token_requires_the_profile() {
    let env = start().await;
    for member in ["testmode", "profileId"] {
        let mut b = body();
        b[member] = if member == "testmode" {
            json!(true)
        } else {
            json!("pfl_demo0000")
        };
        let (status, v) = env.create(&b).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], member);
    }
    let (status, v) = env
        .get("/v2/sales-invoices?testmode=true", DEMO_API_KEY_TEST)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "testmode");

    let (status, v) = env.create_as(DEMO_ORG_TOKEN, &body()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "profileId");
    let mut b = body();
    b["profileId"] = json!("pfl_demo0000");
    let (status, v) = env.create_as(DEMO_ORG_TOKEN, &b).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not the organisation's"
    );
    assert_eq!(v["field"], "profileId");
    b["profileId"] = json!("pfl_demo0002");
    let (status, v) = env.create_as(DEMO_ORG_TOKEN, &b).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["mode"], "live");
    assert_eq!(v["profileId"], "pfl_demo0002");
}

#[tokio::test]
async fn test_and_live_invoices_are_apart() {
    let env = start().await;
    let mut b = body();
    b["profileId"] = json!("pfl_demo0001");
    b["testmode"] = json!(true);
    let (status, test) = env.create_as(DEMO_ORG_TOKEN, &b).await;
    assert_eq!(status, StatusCode::CREATED, "{test}");
    assert_eq!(test["mode"], "test");
    let id = test["id"].as_str().unwrap_or("");
    let path = format!("/v2/sales-invoices/{id}");
    let (status, _) = env
        .get(&format!("{path}?testmode=true"), DEMO_ORG_TOKEN)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = env.get(&path, DEMO_ORG_TOKEN).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a live read does not see it");
    assert_eq!(v["detail"], format!("No entity exists with token '{id}'"));
    // The API keys' profile is another one, and a live key sees no test invoice.
    let (status, _) = env.get(&path, DEMO_API_KEY_TEST).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, created) = env.create(&body()).await;
    assert_eq!(status, StatusCode::CREATED);
    let path = format!(
        "/v2/sales-invoices/{}",
        created["id"].as_str().unwrap_or("")
    );
    let (status, _) = env.get(&path, DEMO_API_KEY_LIVE).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = env.get(&path, DEMO_API_KEY_TEST).await;
    assert_eq!(status, StatusCode::OK);
    // Lists: a live listing holds no test invoice and the reverse.
    let (live, _) = env
        .all_pages("/v2/sales-invoices?limit=250", DEMO_ORG_TOKEN)
        .await;
    let (tests, _) = env
        .all_pages("/v2/sales-invoices?limit=250&testmode=true", DEMO_ORG_TOKEN)
        .await;
    assert!(live.iter().all(|i| i["mode"] == "live"));
    assert!(tests.iter().all(|i| i["mode"] == "test"));
    assert!(tests.iter().any(|i| i["id"] == test["id"]));
    assert!(!live.iter().any(|i| i["id"] == test["id"]));
}

// ---------------------------------------------------------------------------------------------
// refusals

#[tokio::test]
async fn every_refusal_is_a_422_on_its_field() {
    let env = start().await;
    type Change = Box<dyn FnOnce(&mut Value)>;
    let remove = |path: &'static [&'static str]| -> Change {
        Box::new(move |b: &mut Value| {
            let mut at = b;
            for p in &path[..path.len() - 1] {
                at = if let Ok(i) = p.parse::<usize>() {
                    &mut at[i]
                } else {
                    &mut at[*p]
                };
            }
            if let Some(o) = at.as_object_mut() {
                o.remove(path[path.len() - 1]);
            }
        })
    };
    let cases: Vec<(&str, Change)> = vec![
        ("status", remove(&["status"])),
        ("status", Box::new(|b| b["status"] = json!("cancelled"))),
        ("currency", remove(&["currency"])),
        ("currency", Box::new(|b| b["currency"] = json!("USD"))),
        ("recipientIdentifier", remove(&["recipientIdentifier"])),
        ("recipient", remove(&["recipient"])),
        (
            "recipient.type",
            Box::new(|b| b["recipient"]["type"] = json!("company")),
        ),
        ("recipient.email", remove(&["recipient", "email"])),
        (
            "recipient.streetAndNumber",
            remove(&["recipient", "streetAndNumber"]),
        ),
        ("recipient.postalCode", remove(&["recipient", "postalCode"])),
        ("recipient.city", remove(&["recipient", "city"])),
        ("recipient.country", remove(&["recipient", "country"])),
        (
            "recipient.country",
            Box::new(|b| b["recipient"]["country"] = json!("NLD")),
        ),
        ("recipient.locale", remove(&["recipient", "locale"])),
        (
            "recipient.locale",
            Box::new(|b| b["recipient"]["locale"] = json!("nl")),
        ),
        (
            "recipient.vatNumber",
            Box::new(|b| {
                if let Some(r) = b["recipient"].as_object_mut() {
                    r.remove("vatNumber");
                    r.insert("organizationNumber".into(), json!(""));
                }
            }),
        ),
        (
            "recipient.organizationName",
            remove(&["recipient", "organizationName"]),
        ),
        (
            "recipient.givenName",
            Box::new(|b| {
                b["recipient"] = json!({
                    "type": "consumer", "givenName": "J", "familyName": "Jansen",
                    "email": "j@example.nl", "streetAndNumber": "Dorpsstraat 1",
                    "postalCode": "1234 AB", "city": "Ede", "country": "NL", "locale": "nl_NL"
                })
            }),
        ),
        (
            "recipient.familyName",
            Box::new(|b| {
                b["recipient"] = json!({
                    "type": "consumer", "givenName": "Jan", "familyName": "12",
                    "email": "j@example.nl", "streetAndNumber": "Dorpsstraat 1",
                    "postalCode": "1234 AB", "city": "Ede", "country": "NL", "locale": "nl_NL"
                })
            }),
        ),
        ("lines", remove(&["lines"])),
        ("lines", Box::new(|b| b["lines"] = json!([]))),
        (
            "lines.0.description",
            remove(&["lines", "0", "description"]),
        ),
        (
            "lines.0.description",
            Box::new(|b| b["lines"][0]["description"] = json!("x".repeat(101))),
        ),
        ("lines.0.quantity", remove(&["lines", "0", "quantity"])),
        (
            "lines.0.quantity",
            Box::new(|b| b["lines"][0]["quantity"] = json!(0)),
        ),
        (
            "lines.0.quantity",
            Box::new(|b| b["lines"][0]["quantity"] = json!(1.5)),
        ),
        (
            "lines.0.quantity",
            Box::new(|b| b["lines"][0]["quantity"] = json!("2")),
        ),
        ("lines.0.vatRate", remove(&["lines", "0", "vatRate"])),
        (
            "lines.0.vatRate",
            Box::new(|b| b["lines"][0]["vatRate"] = json!(21)),
        ),
        (
            "lines.0.vatRate",
            Box::new(|b| b["lines"][0]["vatRate"] = json!("121.00")),
        ),
        ("lines.0.unitPrice", remove(&["lines", "0", "unitPrice"])),
        (
            "lines.0.unitPrice.value",
            Box::new(|b| b["lines"][0]["unitPrice"]["value"] = json!("89.0")),
        ),
        (
            "lines.0.unitPrice.value",
            Box::new(|b| b["lines"][0]["unitPrice"]["value"] = json!(89)),
        ),
        (
            "lines.0.unitPrice.value",
            Box::new(|b| b["lines"][0]["unitPrice"]["value"] = json!("-1.00")),
        ),
        (
            "lines.0.unitPrice.currency",
            Box::new(|b| b["lines"][0]["unitPrice"]["currency"] = json!("USD")),
        ),
        (
            "lines.1.discount.type",
            Box::new(|b| {
                let mut l = b["lines"][0].clone();
                l["discount"] = json!({"type": "fixed", "value": "1.00"});
                if let Some(a) = b["lines"].as_array_mut() {
                    a.push(l);
                }
            }),
        ),
        (
            "lines.0.discount.value",
            Box::new(|b| b["lines"][0]["discount"] = json!({"type": "amount", "value": "90.00"})),
        ),
        (
            "lines.0.discount.value",
            Box::new(|b| b["lines"][0]["discount"] = json!({"type": "percentage", "value": "101"})),
        ),
        ("vatMode", Box::new(|b| b["vatMode"] = json!("gross"))),
        ("vatScheme", Box::new(|b| b["vatScheme"] = json!("margin"))),
        (
            "paymentTerm",
            Box::new(|b| b["paymentTerm"] = json!("31 days")),
        ),
        ("memo", Box::new(|b| b["memo"] = json!(5))),
        (
            "discount.value",
            Box::new(|b| b["discount"] = json!({"type": "amount", "value": "89.01"})),
        ),
        (
            "isEInvoice",
            Box::new(|b| {
                b["isEInvoice"] = json!(true);
                b["recipient"]["country"] = json!("FR");
            }),
        ),
        ("isEInvoice", Box::new(|b| b["isEInvoice"] = json!("yes"))),
        ("paymentDetails", Box::new(|b| b["status"] = json!("paid"))),
        (
            "paymentDetails.sourceReference",
            Box::new(|b| {
                b["status"] = json!("paid");
                b["paymentDetails"] = json!({"source": "payment-link"});
            }),
        ),
        (
            "paymentDetails.source",
            Box::new(|b| {
                b["status"] = json!("paid");
                b["paymentDetails"] = json!({"source": "cash"});
            }),
        ),
        (
            "paymentDetails",
            Box::new(|b| b["paymentDetails"] = json!({"source": "manual"})),
        ),
        (
            "emailDetails.body",
            Box::new(|b| {
                b["status"] = json!("issued");
                b["emailDetails"] = json!({"subject": "Uw factuur"});
            }),
        ),
        ("metadata", Box::new(|b| b["metadata"] = json!("invoice-1"))),
        (
            "metadata",
            Box::new(|b| b["metadata"] = json!({"note": "x".repeat(1100)})),
        ),
    ];
    let count = cases.len();
    for (field, change) in cases {
        let (status, got, v) = env.refusal(change).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {v}");
        assert_eq!(got, field, "{v}");
        assert_eq!(v["status"], 422);
        assert_eq!(v["title"], "Unprocessable Entity");
        assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()), "{v}");
        assert_eq!(v["_links"]["documentation"]["type"], "text/html");
    }
    assert!(count > 50);
    // Nothing was stored.
    assert_eq!(env.hook("invoices").await, json!([]));
}

#[tokio::test]
async fn a_business_with_only_a_chamber_of_commerce_number_and_a_consumer_are_accepted() {
    let env = start().await;
    let mut b = body();
    if let Some(r) = b["recipient"].as_object_mut() {
        r.remove("vatNumber");
        r.insert("organizationNumber".into(), json!("12345678"));
    }
    let (status, v) = env.create(&b).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let mut b = body();
    b["recipient"] = json!({
        "type": "consumer", "givenName": "Anouk", "familyName": "de Vries",
        "email": "anouk@example.nl", "streetAndNumber": "Dorpsstraat 1",
        "postalCode": "1234 AB", "city": "Ede", "country": "nl", "locale": "nl_NL"
    });
    b["isEInvoice"] = json!(true);
    b["lines"][0]["description"] = json!("é".repeat(100));
    let (status, v) = env.create(&b).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["recipient"]["country"], "NL");
    assert_eq!(v["isEInvoice"], true);
    // Members the schema does not declare are ignored, and never answered.
    let mut b = body();
    b["recipient"]["name"] = json!("Acme");
    b["reference"] = json!("F-1");
    let (status, v) = env.create(&b).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert!(
        v["recipient"].get("name").is_none() && v.get("reference").is_none(),
        "{v}"
    );
}

// ---------------------------------------------------------------------------------------------
// idempotency

#[tokio::test]
async fn the_same_key_and_body_replay_the_first_answer_and_create_nothing_twice() {
    let env = start().await;
    let key = uuid::Uuid::new_v4().to_string();
    let post = |b: Value| {
        let env = &env;
        let key = key.clone();
        async move {
            env.call(
                Method::POST,
                "/v2/sales-invoices",
                Some(DEMO_API_KEY_TEST),
                Some(&key),
                Some(&b),
            )
            .await
        }
    };
    let (s1, first) = post(body()).await;
    assert_eq!(s1, StatusCode::CREATED);
    let (s2, second) = post(body()).await;
    assert_eq!(s2, StatusCode::CREATED);
    assert_eq!(first, second, "the first answer again");
    assert_eq!(env.hook("invoices").await.as_array().map(Vec::len), Some(1));
    // The same key with another body is refused, and creates nothing.
    let mut other = body();
    other["memo"] = json!("another");
    let (s3, v) = post(other).await;
    assert_eq!(s3, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(env.hook("invoices").await.as_array().map(Vec::len), Some(1));
    let received = env.hook("received").await;
    let replayed: Vec<bool> = received
        .as_array()
        .map(|a| a.iter().map(|r| r["replayed"] == true).collect())
        .unwrap_or_default();
    assert_eq!(replayed, [false, true, false]);
    // A refusal is kept too: the same body under its key is refused again, identically.
    let mut bad = body();
    bad["lines"][0]["quantity"] = json!(0);
    let key2 = uuid::Uuid::new_v4().to_string();
    let mut answers = HashSet::new();
    for _ in 0..2 {
        let (s, v) = env
            .call(
                Method::POST,
                "/v2/sales-invoices",
                Some(DEMO_API_KEY_TEST),
                Some(&key2),
                Some(&bad),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        answers.insert(v.to_string());
    }
    assert_eq!(answers.len(), 1);
    // Keys belong to a credential: the live key may use the same one.
    let (s, v) = env
        .call(
            Method::POST,
            "/v2/sales-invoices",
            Some(DEMO_API_KEY_LIVE),
            Some(&key),
            Some(&body()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_ne!(v["id"], first["id"]);
}

#[tokio::test]
async fn a_lost_answer_leaves_the_invoice_stored_and_the_retry_with_its_key_gets_it() {
    let env = start().await;
    let (status, _) = env
        .hook_post("faults", json!({"drop_after_store": 1}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let key = uuid::Uuid::new_v4().to_string();
    let lost = env
        .http
        .post(env.url("/v2/sales-invoices"))
        .bearer_auth(DEMO_API_KEY_TEST)
        .header("Idempotency-Key", &key)
        .json(&body())
        .send()
        .await;
    let cut = match lost {
        Err(_) => true,
        Ok(r) => r.text().await.is_err(),
    };
    assert!(cut, "the connection was cut");
    let stored = env.hook("invoices").await;
    assert_eq!(stored.as_array().map(Vec::len), Some(1));
    let (status, v) = env
        .call(
            Method::POST,
            "/v2/sales-invoices",
            Some(DEMO_API_KEY_TEST),
            Some(&key),
            Some(&body()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(v["id"], stored[0]["id"]);
    assert_eq!(env.hook("invoices").await.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_429_carries_retry_after_and_mollies_body_and_processes_nothing() {
    let env = start().await;
    let (status, _) = env
        .hook_post(
            "faults",
            json!({"fail_next": 1, "status": 429, "retry_after_secs": 7, "method": "POST"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let resp = env
        .http
        .post(env.url("/v2/sales-invoices"))
        .bearer_auth(DEMO_API_KEY_TEST)
        .header("Idempotency-Key", "k-429")
        .json(&body())
        .send()
        .await
        .expect("an answer");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("7")
    );
    let (_, v) = answer(resp).await;
    assert_eq!(v["status"], 429);
    assert_eq!(v["title"], "Too Many Requests");
    assert_eq!(
        v["detail"],
        "You have exceeded the rate limit. Please slow down your requests."
    );
    assert_eq!(env.hook("invoices").await, json!([]));
    // The key was not spent: the retry creates the invoice.
    let (status, _) = env
        .call(
            Method::POST,
            "/v2/sales-invoices",
            Some(DEMO_API_KEY_TEST),
            Some("k-429"),
            Some(&body()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

// ---------------------------------------------------------------------------------------------
// paging

#[tokio::test]
async fn paging_follows_next_to_the_end_newest_first_without_repeats() {
    let env = start_with(|c| c.invoices_per_profile = 150).await;
    let (status, created) = env.create(&body()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (items, pages) = env
        .all_pages("/v2/sales-invoices?limit=40", DEMO_API_KEY_TEST)
        .await;
    assert_eq!(items.len(), 151);
    assert_eq!(pages, 4);
    assert_eq!(items[0]["id"], created["id"], "the newest first");
    let ids: HashSet<&str> = items.iter().filter_map(|i| i["id"].as_str()).collect();
    assert_eq!(ids.len(), items.len());
    let created_at: Vec<&str> = items
        .iter()
        .filter_map(|i| i["createdAt"].as_str())
        .collect();
    assert!(created_at.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let statuses: HashSet<&str> = items.iter().filter_map(|i| i["status"].as_str()).collect();
    for s in ["draft", "issued", "paid", "overdue", "cancelled"] {
        assert!(statuses.contains(s), "{s} in {statuses:?}");
    }
    // The default page is 50; previous links back; a bad cursor or limit is 400 on its field.
    let (_, v) = env.get("/v2/sales-invoices", DEMO_API_KEY_TEST).await;
    assert_eq!(v["count"], 50);
    assert_eq!(v["_links"]["previous"], Value::Null);
    let next = v["_links"]["next"]["href"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let (_, second) = env.get(&next, DEMO_API_KEY_TEST).await;
    let back = second["_links"]["previous"]["href"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let (_, first_again) = env.get(&back, DEMO_API_KEY_TEST).await;
    assert_eq!(first_again["_embedded"], v["_embedded"]);
    for (query, field) in [
        ("from=invoice_nope", "from"),
        ("limit=0", "limit"),
        ("limit=251", "limit"),
        ("limit=x", "limit"),
    ] {
        let (status, v) = env
            .get(&format!("/v2/sales-invoices?{query}"), DEMO_API_KEY_TEST)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(v["field"], field);
    }
}

// ---------------------------------------------------------------------------------------------
// totals

/// Three lines with line discounts (10 % and 0.90) and 5 % off the invoice.
fn discounted_body(vat_mode: &str) -> Value {
    let mut b = body();
    b["vatMode"] = json!(vat_mode);
    b["lines"] = json!([
        {"description": "Krentenbollen (doos)", "quantity": 3, "vatRate": "21.00",
         "unitPrice": {"currency": "EUR", "value": "19.99"},
         "discount": {"type": "percentage", "value": "10"}},
        {"description": "Appeltaart", "quantity": 2, "vatRate": "9.00",
         "unitPrice": {"currency": "EUR", "value": "4.95"},
         "discount": {"type": "amount", "value": "0.90"}},
        {"description": "Statiegeld kratten", "quantity": 1, "vatRate": "0.00",
         "unitPrice": {"currency": "EUR", "value": "12.50"}}
    ]);
    b["discount"] = json!({"type": "percentage", "value": "5.00"});
    b
}

fn totals_of(v: &Value) -> [&str; 5] {
    [
        money(&v["subtotalAmount"]),
        money(&v["discountedSubtotalAmount"]),
        money(&v["totalVatAmount"]),
        money(&v["totalAmount"]),
        money(&v["amountDue"]),
    ]
}

#[tokio::test]
async fn exclusive_totals_with_line_and_invoice_discounts_are_right_to_the_cent() {
    let env = start().await;
    // Lines 59.97 − 6.00 = 53.97, 9.90 − 0.90 = 9.00, 12.50: 75.47. 5 % off = 3.77, spread
    // 2.70 / 0.45 / 0.62 (largest remainders) → 51.27, 8.55, 11.88 = 71.70. VAT 10.77 + 0.77.
    let (status, v) = env.create(&discounted_body("exclusive")).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(totals_of(&v), ["75.47", "71.70", "11.54", "83.24", "83.24"]);
    assert_eq!(
        v["discount"],
        json!({"type": "percentage", "value": "5.00"})
    );
    assert_eq!(
        v["lines"][1]["discount"],
        json!({"type": "amount", "value": "0.90"})
    );
}

#[tokio::test]
async fn inclusive_totals_take_the_vat_out_of_each_discounted_line() {
    let env = start().await;
    // The same discounted lines incl. VAT: 51.27 → 42.37 + 8.90, 8.55 → 7.84 + 0.71, 11.88.
    // Before the invoice discount: 44.60 + 8.26 + 12.50 excl. VAT.
    let (status, v) = env.create(&discounted_body("inclusive")).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(totals_of(&v), ["65.36", "62.09", "9.61", "71.70", "71.70"]);
}

#[tokio::test]
async fn halves_of_a_cent_round_away_from_zero() {
    let env = start().await;
    let mut b = body();
    // 2.50 × 21 % = 0.525 → 0.53; 0.25 − 10 % (0.025 → 0.03) = 0.22 × 9 % = 0.0198 → 0.02.
    b["lines"] = json!([
        {"description": "Kopje koffie", "quantity": 1, "vatRate": "21.00",
         "unitPrice": {"currency": "EUR", "value": "2.50"}},
        {"description": "Koekje", "quantity": 1, "vatRate": "9.00",
         "unitPrice": {"currency": "EUR", "value": "0.25"},
         "discount": {"type": "percentage", "value": "10"}}
    ]);
    let (status, v) = env.create(&b).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(totals_of(&v), ["2.72", "2.72", "0.55", "3.27", "3.27"]);
}

#[tokio::test]
async fn a_paid_invoice_owes_nothing_and_has_a_number() {
    let env = start().await;
    let mut b = body();
    b["status"] = json!("paid");
    b["paymentDetails"] = json!({"source": "manual"});
    let (status, v) = env.create(&b).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(money(&v["totalAmount"]), "107.69");
    assert_eq!(money(&v["amountDue"]), "0.00");
    assert_eq!(v["paymentDetails"][0]["source"], "manual");
    assert!(v["paidAt"].is_string());
    assert!(is_invoice_number(&v["invoiceNumber"]), "{v}");
}

fn is_invoice_number(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        let parts: Vec<&str> = s.split('-').collect();
        parts.len() == 3
            && parts[0] == "INV"
            && parts[1].len() == 4
            && parts[2].len() == 6
            && parts[1..]
                .iter()
                .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
    })
}

fn number_of(v: &Value) -> u32 {
    v["invoiceNumber"]
        .as_str()
        .and_then(|s| s.rsplit('-').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// update and delete

async fn patch(env: &Env, id: &str, token: &str, b: Value) -> (StatusCode, Value) {
    env.call(
        Method::PATCH,
        &format!("/v2/sales-invoices/{id}"),
        Some(token),
        Some(&uuid::Uuid::new_v4().to_string()),
        Some(&b),
    )
    .await
}

async fn delete(env: &Env, id: &str, token: &str) -> StatusCode {
    env.call(
        Method::DELETE,
        &format!("/v2/sales-invoices/{id}"),
        Some(token),
        Some(&uuid::Uuid::new_v4().to_string()),
        None,
    )
    .await
    .0
}

#[tokio::test]
async fn issuing_a_draft_needs_email_details_and_gives_the_next_number() {
    let env = start().await;
    let (_, draft) = env.create(&body()).await;
    let id = draft["id"].as_str().unwrap_or("").to_string();
    let k = DEMO_API_KEY_TEST;
    let (status, v) = patch(&env, &id, k, json!({})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an empty update: {v}"
    );
    let (status, v) = patch(&env, &id, k, json!({"status": "issued"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "emailDetails");
    let issue = json!({"status": "issued", "emailDetails": {"subject": "Uw factuur", "body": "Zie bijlage."}});
    let (status, first) = patch(&env, &id, k, issue.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["status"], "issued");
    assert!(is_invoice_number(&first["invoiceNumber"]), "{first}");
    assert!(first["issuedAt"].is_string() && first["dueAt"].is_string());
    assert!(first["_links"]["invoicePayment"]["href"].is_string());
    // A second invoice issued straight away gets the next number.
    let mut b = body();
    b["status"] = json!("issued");
    let (status, second) = env.create(&b).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(number_of(&second), number_of(&first) + 1);
    // An issued invoice keeps its lines and cannot go back to draft or be deleted.
    let (status, v) = patch(&env, &id, k, json!({"lines": body()["lines"]})).await;
    assert_eq!(
        (status, v["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("lines"))
    );
    let (status, v) = patch(&env, &id, k, json!({"status": "draft"})).await;
    assert_eq!(
        (status, v["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("status"))
    );
    let (status, v) = env
        .call(
            Method::DELETE,
            &format!("/v2/sales-invoices/{id}"),
            Some(k),
            Some("delete-issued"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["detail"],
        "Invoice cannot be deleted unless it is draft status."
    );
    // Paid needs its details; then nothing is due, and it cannot be cancelled.
    let (status, v) = patch(&env, &id, k, json!({"status": "paid"})).await;
    assert_eq!(
        (status, v["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("paymentDetails"))
    );
    let (status, v) = patch(
        &env,
        &id,
        k,
        json!({"status": "paid", "paymentDetails": {"source": "payment-link", "sourceReference": "pl_abc"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(money(&v["amountDue"]), "0.00");
    assert_eq!(
        v["invoiceNumber"], first["invoiceNumber"],
        "the number stays"
    );
    let (status, _) = patch(&env, &id, k, json!({"status": "cancelled"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // An issued one may be cancelled.
    let (status, v) = patch(
        &env,
        second["id"].as_str().unwrap_or(""),
        k,
        json!({"status": "cancelled"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "cancelled");
}

#[tokio::test]
async fn a_draft_can_be_changed_and_deleted_once() {
    let env = start().await;
    let (_, draft) = env.create(&body()).await;
    let id = draft["id"].as_str().unwrap_or("").to_string();
    let k = DEMO_API_KEY_TEST;
    let mut lines = body()["lines"].clone();
    lines[0]["quantity"] = json!(2);
    let (status, v) = patch(&env, &id, k, json!({"lines": lines, "memo": "Twee dozen"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(money(&v["totalAmount"]), "215.38");
    assert_eq!(v["memo"], "Twee dozen");
    assert_eq!(v["invoiceNumber"], Value::Null);
    let (status, v) = patch(&env, &id, k, json!({"lines": [{"description": "x", "quantity": 1.5, "vatRate": "21.00", "unitPrice": {"currency": "EUR", "value": "1.00"}}]})).await;
    assert_eq!(
        (status, v["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("lines.0.quantity"))
    );
    // A replayed delete answers 204 again; a new one finds nothing.
    for _ in 0..2 {
        let (status, v) = env
            .call(
                Method::DELETE,
                &format!("/v2/sales-invoices/{id}"),
                Some(k),
                Some("delete-draft"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    }
    assert_eq!(delete(&env, &id, k).await, StatusCode::NOT_FOUND);
    let (status, _) = env.get(&format!("/v2/sales-invoices/{id}"), k).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        delete(&env, "invoice_doesNotExist", k).await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_org_token_updates_and_deletes_in_the_mode_its_body_names() {
    let env = start().await;
    let mut b = body();
    b["profileId"] = json!("pfl_demo0001");
    b["testmode"] = json!(true);
    let (_, draft) = env.create_as(DEMO_ORG_TOKEN, &b).await;
    let id = draft["id"].as_str().unwrap_or("").to_string();
    let (status, _) = patch(&env, &id, DEMO_ORG_TOKEN, json!({"memo": "live?"})).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a live update does not see it"
    );
    let (status, v) = patch(
        &env,
        &id,
        DEMO_ORG_TOKEN,
        json!({"memo": "test", "testmode": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, _) = env
        .call(
            Method::DELETE,
            &format!("/v2/sales-invoices/{id}"),
            Some(DEMO_ORG_TOKEN),
            None,
            Some(&json!({"testmode": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

// ---------------------------------------------------------------------------------------------
// the PDF, the hooks and the data

#[tokio::test]
async fn the_pdf_link_serves_a_real_pdf() {
    let env = start().await;
    let (_, v) = env.create(&body()).await;
    let href = v["_links"]["pdfLink"]["href"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(href.ends_with(".pdf"), "{href}");
    let resp = env.http.get(&href).send().await.expect("an answer");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    let bytes = resp.bytes().await.expect("the PDF");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.starts_with("%PDF-1."));
    assert!(text.trim_end().ends_with("%%EOF"));
    // startxref points at the cross-reference table.
    let at: usize = text
        .rsplit("startxref\n")
        .next()
        .and_then(|t| t.lines().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(text[at..].starts_with("xref"), "startxref {at}");
    let missing = env
        .http
        .get(env.url("/pdf/invoice_nope.pdf"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_status_hook_sets_a_status_mollie_would_and_stats_count_it() {
    let env = start().await;
    let (_, v) = env.create(&body()).await;
    let id = v["id"].as_str().unwrap_or("").to_string();
    let (status, _) = env
        .hook_post("status", json!({"id": id, "status": "overdue"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, read) = env
        .get(&format!("/v2/sales-invoices/{id}"), DEMO_API_KEY_TEST)
        .await;
    assert_eq!(read["status"], "overdue");
    assert!(is_invoice_number(&read["invoiceNumber"]));
    let (status, _) = env
        .hook_post("status", json!({"id": "invoice_nope", "status": "paid"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let stats = env.hook("stats").await;
    assert_eq!(stats["created_through_the_api"], 1);
    assert!(stats["invoices"]["pfl_demo0000/test"]["overdue"].as_u64() >= Some(1));
}

#[tokio::test]
async fn the_same_seed_and_time_give_the_same_invoices() {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T12:00:00+00:00")
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok();
    let a = start_with(|c| c.now = now).await;
    let b = start_with(|c| c.now = now).await;
    for token in [DEMO_API_KEY_TEST, DEMO_API_KEY_LIVE] {
        let (x, _) = a.all_pages("/v2/sales-invoices?limit=250", token).await;
        let (y, _) = b.all_pages("/v2/sales-invoices?limit=250", token).await;
        let strip = |v: Vec<Value>| -> Vec<Value> {
            v.into_iter()
                .map(|mut i| {
                    i["_links"] = Value::Null;
                    i
                })
                .collect()
        };
        assert_eq!(x.len(), 12);
        assert_eq!(strip(x), strip(y));
    }
    let (x, _) = a
        .all_pages("/v2/sales-invoices?limit=250&testmode=true", DEMO_ORG_TOKEN)
        .await;
    assert_eq!(x.len(), 24, "both profiles of the organisation");
    let (only, _) = a
        .all_pages(
            "/v2/sales-invoices?limit=5&testmode=true&profileId=pfl_demo0002",
            DEMO_ORG_TOKEN,
        )
        .await;
    assert_eq!(only.len(), 12);
    assert!(only.iter().all(|i| i["profileId"] == "pfl_demo0002"));
    // Generated recipients are Dutch and Belgian, businesses with a VAT or KvK number.
    for i in &x {
        let r = &i["recipient"];
        assert!(r["country"] == "NL" || r["country"] == "BE", "{r}");
        if r["type"] == "business" {
            assert!(r["vatNumber"].is_string() || r["organizationNumber"].is_string());
        }
    }
}

#[tokio::test]
async fn an_empty_update_is_refused_without_a_field() {
    let env = start().await;
    let (_, draft) = env.create(&body()).await;
    let id = draft["id"].as_str().unwrap_or("").to_string();
    let (status, v) = patch(&env, &id, DEMO_API_KEY_TEST, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v.get("field").is_none(), "{v}");
    let (status, v) = patch(&env, &id, DEMO_ORG_TOKEN, json!({"testmode": true})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not the organisation's: {v}");
}

#[tokio::test]
async fn a_failure_after_storing_is_answered_502_and_the_retry_with_its_key_gets_the_invoice() {
    let env = start().await;
    let (status, _) = env
        .hook_post("faults", json!({"fail_after_store": 1}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let key = uuid::Uuid::new_v4().to_string();
    let b = body();
    let post = || {
        env.call(
            Method::POST,
            "/v2/sales-invoices",
            Some(DEMO_API_KEY_TEST),
            Some(&key),
            Some(&b),
        )
    };
    let (status, v) = post().await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{v}");
    let stored = env.hook("invoices").await;
    assert_eq!(stored.as_array().map(Vec::len), Some(1));
    let (status, v) = post().await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(v["id"], stored[0]["id"]);
    assert_eq!(env.hook("invoices").await.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn concurrent_creates_with_one_key_store_one_invoice_and_all_get_it() {
    let env = start().await;
    let key = uuid::Uuid::new_v4().to_string();
    let answers = futures_join(&env, &key, 6).await;
    let ids: HashSet<String> = answers
        .iter()
        .map(|(s, v)| {
            assert_eq!(*s, StatusCode::CREATED, "{v}");
            v["id"].as_str().unwrap_or("").to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(env.hook("invoices").await.as_array().map(Vec::len), Some(1));
    // The look-up after a lost answer finds it by its metadata in the newest page.
    let (_, page) = env
        .get("/v2/sales-invoices?limit=250", DEMO_API_KEY_TEST)
        .await;
    let found: Vec<&Value> = page["_embedded"]["sales_invoices"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|i| {
                    i["metadata"]["invoiceDeskId"] == "5d1f3c2e-0000-4000-8000-000000000001"
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(found.len(), 1);
    assert!(ids.contains(found[0]["id"].as_str().unwrap_or("")));
}

/// `n` identical creates under one key, sent at once.
async fn futures_join(env: &Env, key: &str, n: usize) -> Vec<(StatusCode, Value)> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let http = env.http.clone();
        let url = env.url("/v2/sales-invoices");
        let key = key.to_string();
        tasks.spawn(async move {
            let resp = http
                .post(url)
                .bearer_auth(DEMO_API_KEY_TEST)
                .header("Idempotency-Key", key)
                .json(&body())
                .send()
                .await
                .expect("an answer");
            answer(resp).await
        });
    }
    let mut out = Vec::new();
    while let Some(r) = tasks.join_next().await {
        out.push(r.expect("the task ends"));
    }
    out
}

#[tokio::test]
async fn the_request_log_names_mollie_and_no_afas_environment_may_take_its_path() {
    let env = start().await;
    let _ = env
        .get("/v2/sales-invoices?limit=1", DEMO_API_KEY_TEST)
        .await;
    let log: Value = env
        .http
        .get(format!("{}/__sandbox/log", env.sb.base_url()))
        .send()
        .await
        .expect("the log answers")
        .json()
        .await
        .expect("JSON");
    assert!(log.as_array().is_some_and(|l| l
        .iter()
        .any(|e| e["system"] == "mollie" && e["path"] == "/mollie/v2/sales-invoices")));
    let mut cfg = config(|_| {});
    cfg.afas.environment = "Mollie".into();
    assert!(
        Sandbox::start("127.0.0.1:0".parse().expect("an address"), cfg)
            .await
            .is_err()
    );
    let bad = config(|c| c.api_key_test = "live_x".into());
    assert!(
        Sandbox::start("127.0.0.1:0".parse().expect("an address"), bad)
            .await
            .is_err()
    );
}
