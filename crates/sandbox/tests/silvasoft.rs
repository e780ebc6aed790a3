//! The Silvasoft stand-in over real HTTP.

use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use invoice_desk_sandbox::{Sandbox, SandboxConfig, SilvasoftConfig};
use reqwest::{Client, RequestBuilder};
use serde_json::{json, Value};

const USER: &str = "demo@invoicedesk.nl";
const KEY: &str = "demo-silvasoft-key";

struct Env {
    sb: Sandbox,
    http: Client,
}

/// Small data, no rate limit unless a test sets one.
fn config(f: impl FnOnce(&mut SilvasoftConfig)) -> SandboxConfig {
    let mut c = SandboxConfig {
        seed: 11,
        ..SandboxConfig::default()
    };
    c.afas.persons = 10;
    c.afas.organisations = 10;
    c.afas.products = 10;
    c.silvasoft.relations = 250;
    c.silvasoft.products = 120;
    c.silvasoft.enforce_rate_limit = false;
    f(&mut c.silvasoft);
    c
}

async fn start(cfg: SandboxConfig) -> Env {
    let sb = Sandbox::start("127.0.0.1:0".parse().unwrap(), cfg)
        .await
        .unwrap();
    Env {
        sb,
        http: Client::new(),
    }
}

/// Parses a JSON text (bodies are written as text, so amounts keep their digits).
fn j(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

/// Status and body; an empty body is `Value::Null`, a body that is not JSON a string.
async fn answer(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    if text.is_empty() {
        return (status, Value::Null);
    }
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

impl Env {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sb.silvasoft_base_url())
    }

    fn hook_url(&self, path: &str) -> String {
        format!("{}/__sandbox{path}", self.sb.base_url())
    }

    fn get(&self, path: &str) -> RequestBuilder {
        self.http
            .get(self.url(path))
            .header("Username", USER)
            .header("ApiKey", KEY)
    }

    fn post_text(&self, path: &str, body: &str) -> RequestBuilder {
        self.http
            .post(self.url(path))
            .header("Username", USER)
            .header("ApiKey", KEY)
            .header("Content-Type", "application/json")
            .body(body.to_string())
    }

    async fn list(&self, path: &str) -> (u16, Value) {
        answer(self.get(path).send().await.unwrap()).await
    }

    async fn rows(&self, path: &str) -> Vec<Value> {
        let (status, v) = self.list(path).await;
        assert_eq!(status, 200, "{path}: {v}");
        match v {
            Value::Null => Vec::new(),
            Value::Array(a) => a,
            other => panic!("{path}: not an array: {other}"),
        }
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        answer(
            self.post_text(path, &body.to_string())
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn transaction(&self, body: &Value) -> (u16, Value) {
        self.post("/rest/addsalestransaction/", body).await
    }

    async fn invoice(&self, body: &Value) -> (u16, Value) {
        self.post("/rest/addsalesinvoice/", body).await
    }

    async fn hook(&self, path: &str) -> Value {
        self.http
            .get(self.hook_url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn hook_post(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(self.hook_url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, v) = answer(r).await;
        assert_eq!(status, 200, "{path}: {v}");
        v
    }

    async fn received(&self) -> Vec<Value> {
        self.hook("/silvasoft/invoices")
            .await
            .as_array()
            .unwrap()
            .clone()
    }
}

fn assert_error(got: &(u16, Value), status: u16, code: &str, contains: &str) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["errorCode"], code, "{}", got.1);
    let msg = got.1["errorMessage"].as_str().unwrap_or("");
    assert!(msg.contains(contains), "'{msg}' lacks '{contains}'");
}

fn transaction_body(number: i64) -> Value {
    j(&format!(
        r#"{{"CustomerNumber": 1, "InvoiceDate": "02-03-2026", "InvoiceNumber": {number},
            "InvoiceNotes": "Factuur uit Invoice Desk",
            "Invoice_InvoiceLine": [{{"TaxPc": 21, "SubTotalInclTax": 121.00, "Description": "Onderhoud"}}]}}"#
    ))
}

#[tokio::test]
async fn authentication_401s_and_the_expired_trial_looks_the_same() {
    let env = start(config(|_| {})).await;
    let expected =
        json!({"errorCode": "UNAUTHORIZED", "errorMessage": "Invalid authentication credentials"});
    let cases: Vec<(Option<&str>, Option<&str>)> = vec![
        (None, None),
        (Some(USER), None),
        (None, Some(KEY)),
        (Some(USER), Some("wrong")),
        (Some("someone@else.nl"), Some(KEY)),
        (Some("DEMO@invoicedesk.nl"), Some(KEY)),
    ];
    for (user, key) in cases {
        let mut rb = env.http.get(env.url("/rest/listrelations/"));
        if let Some(u) = user {
            rb = rb.header("Username", u);
        }
        if let Some(k) = key {
            rb = rb.header("ApiKey", k);
        }
        let (status, v) = answer(rb.send().await.unwrap()).await;
        assert_eq!((status, &v), (401, &expected), "{user:?} {key:?}");
    }

    // The expired trial: the same status, body and headers as wrong credentials.
    let headers_of = |r: &reqwest::Response| {
        let mut h: Vec<String> = r
            .headers()
            .iter()
            .filter(|(k, _)| *k != "date")
            .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap()))
            .collect();
        h.sort();
        h
    };
    let trial = env
        .http
        .get(env.url("/rest/listrelations/"))
        .header("Username", "trial@invoicedesk.nl")
        .header("ApiKey", KEY)
        .send()
        .await
        .unwrap();
    let wrong = env
        .http
        .get(env.url("/rest/listrelations/"))
        .header("Username", USER)
        .header("ApiKey", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(headers_of(&trial), headers_of(&wrong));
    assert_eq!(answer(trial).await, answer(wrong).await);

    // Every endpoint checks, also the POSTs (nothing is stored).
    let r = env
        .http
        .post(env.url("/rest/addsalestransaction/"))
        .header("Username", "trial@invoicedesk.nl")
        .header("ApiKey", KEY)
        .json(&transaction_body(1))
        .send()
        .await
        .unwrap();
    assert_eq!(answer(r).await, (401, expected));
    assert!(env.received().await.is_empty());

    // The right credentials, header names in any case.
    let r = env
        .http
        .get(env.url("/rest/listrelations/?Limit=1"))
        .header("username", USER)
        .header("APIKEY", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn rate_limit_per_second_refuses_without_processing() {
    let env = start(config(|c| c.enforce_rate_limit = true)).await;
    // Wrong credentials do not count.
    for _ in 0..3 {
        let r = env
            .http
            .get(env.url("/rest/listproducts/"))
            .header("Username", USER)
            .header("ApiKey", "nope")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let t0 = Instant::now();
    let a = env.transaction(&transaction_body(90001)).await;
    let b = env.transaction(&transaction_body(90002)).await;
    let c = env.transaction(&transaction_body(90003)).await;
    assert!(
        t0.elapsed() < Duration::from_millis(900),
        "the burst was too slow to test"
    );
    assert_eq!(a.0, 200, "{}", a.1);
    assert_eq!(b.0, 200, "{}", b.1);
    assert_eq!(
        c,
        (
            401,
            json!({"errorCode": "UNAUTHORIZED", "errorMessage": "Ratelimit exceeded"})
        )
    );
    // The refused one was not processed; the hooks are not limited.
    let numbers: Vec<i64> = env
        .received()
        .await
        .iter()
        .map(|i| i["invoice_number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, vec![90001, 90002]);

    // The log has every request, the refused one marked, with times to count windows by.
    let log = env.hook("/log").await;
    let entries: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["system"] == "silvasoft")
        .collect();
    assert_eq!(entries.len(), 6);
    let posts: Vec<&&Value> = entries.iter().filter(|e| e["method"] == "POST").collect();
    assert_eq!(
        posts
            .iter()
            .map(|e| e["status"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        vec![200, 200, 401]
    );
    assert_eq!(
        posts
            .iter()
            .map(|e| e["rate_limited"].as_bool().unwrap())
            .collect::<Vec<_>>(),
        vec![false, false, true]
    );
    assert_eq!(posts[0]["path"], "/silvasoft/rest/addsalestransaction/");
    let span = posts[2]["t_ms"].as_u64().unwrap() - posts[0]["t_ms"].as_u64().unwrap();
    assert!(span < 1000);
    let stats = env.hook("/silvasoft/stats").await;
    assert_eq!(stats["rate_limit"]["last_minute"], 2);

    // A second later the window has room again.
    tokio::time::sleep(Duration::from_millis(1050)).await;
    let d = env.transaction(&transaction_body(90003)).await;
    assert_eq!(d.0, 200, "{}", d.1);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn rate_limit_per_minute_and_per_hour() {
    let env = start(config(|c| {
        c.enforce_rate_limit = true;
        c.max_per_second = 100;
        c.max_per_minute = 4;
    }))
    .await;
    for i in 0..4 {
        assert_eq!(env.list("/rest/listproducts/?Limit=1").await.0, 200, "{i}");
    }
    let (status, v) = env.list("/rest/listproducts/?Limit=1").await;
    assert_eq!(
        (status, v["errorMessage"].as_str()),
        (401, Some("Ratelimit exceeded"))
    );
    let r = env
        .http
        .delete(env.hook_url("/silvasoft/ratelimit"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(env.list("/rest/listproducts/?Limit=1").await.0, 200);
    env.sb.shutdown().await;

    let env = start(config(|c| {
        c.enforce_rate_limit = true;
        c.max_per_second = 100;
        c.max_per_minute = 100;
        c.max_per_hour = 3;
    }))
    .await;
    for _ in 0..3 {
        assert_eq!(env.list("/rest/listrelations/?Limit=1").await.0, 200);
    }
    let (status, v) = env.list("/rest/listrelations/?Limit=1").await;
    assert_eq!(
        (status, v["errorMessage"].as_str()),
        (401, Some("Ratelimit exceeded"))
    );
    let log = env.hook("/log").await;
    let limited = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["rate_limited"] == true)
        .count();
    assert_eq!(limited, 1);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn paths_and_parameters_are_case_sensitive() {
    let env = start(config(|_| {})).await;
    // Lower case with or without the slash; other spellings are 404.
    assert_eq!(env.list("/rest/listrelations/?Limit=1").await.0, 200);
    assert_eq!(env.list("/rest/listrelations?Limit=1").await.0, 200);
    assert_eq!(env.list("/rest/listproducts?Limit=1").await.0, 200);
    let (status, v) = env.list("/rest/ListRelations/").await;
    assert_eq!((status, &v["errorCode"]), (404, &json!("NOT_FOUND")));
    assert_eq!(env.list("/rest/addsalestransaction/").await.0, 405);

    // A parameter spelt in another case is ignored: `limit` does not limit.
    assert_eq!(env.rows("/rest/listrelations/?limit=1").await.len(), 200);
    assert_eq!(
        env.rows("/rest/listproducts/?category=Arbeid").await.len(),
        100
    );
    // A value outside the documented set is refused.
    let r = env.list("/rest/listrelations/?RelationType=customer").await;
    assert_error(&r, 400, "INVALID_PARAMETER", "RelationType");

    // In a body, a member in another case is absent.
    let r = env
        .transaction(&j(r#"{"customernumber": 1, "Invoice_InvoiceLine": [{"TaxPc": 21, "SubTotalInclTax": 10}]}"#))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_PARAMETER",
        "CustomerNumber, CustomerName or CustomerEmail",
    );
    let r = env
        .transaction(&j(r#"{"CustomerNumber": 1, "invoice_invoiceline": [{"TaxPc": 21, "SubTotalInclTax": 10}]}"#))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "At least one invoice line");
    let r = env
        .transaction(&j(r#"{"CustomerNumber": 1, "Invoice_InvoiceLine": [{"taxpc": 21, "SubTotalInclTax": 10}]}"#))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "TaxPc or TaxCode is required");
    // `invoicedate` is ignored: the invoice gets today's date.
    let (status, v) = env
        .transaction(&j(r#"{"CustomerNumber": 1, "invoicedate": "01-01-2020", "Invoice_InvoiceLine": [{"TaxPc": 21, "SubTotalInclTax": 10}]}"#))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_ne!(v[0]["InvoiceDate"], "01-01-2020");
    env.sb.shutdown().await;
}

#[tokio::test]
async fn listrelations_paging_filters_and_the_empty_answer() {
    let env = start(config(|_| {})).await;
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let page = env
            .rows(&format!(
                "/rest/listrelations/?Limit=100&Offset={offset}&Sorting=RelationGUID"
            ))
            .await;
        let n = page.len();
        all.extend(page);
        if n < 100 {
            break;
        }
        offset += 100;
    }
    assert_eq!(all.len(), 250);
    let guids: Vec<i64> = all
        .iter()
        .map(|r| r["RelationGUID"].as_i64().unwrap())
        .collect();
    assert!(guids.windows(2).all(|w| w[0] < w[1]));
    // The default order is the same (creation order), and stable.
    let default: Vec<i64> = env
        .rows("/rest/listrelations/?Limit=50&Offset=50")
        .await
        .iter()
        .map(|r| r["RelationGUID"].as_i64().unwrap())
        .collect();
    assert_eq!(default, guids[50..100]);

    // A limit above 200 is clamped; past the end the answer is 200 with an empty body.
    assert_eq!(env.rows("/rest/listrelations/?Limit=500").await.len(), 200);
    let r = env
        .get("/rest/listrelations/?Offset=250")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "");
    assert_error(
        &env.list("/rest/listrelations/?Limit=abc").await,
        400,
        "INVALID_PARAMETER",
        "Limit",
    );

    // The shape of a row.
    let demo = &env
        .rows("/rest/listrelations/?RelationNumber=1&RelationType=Customer")
        .await[0];
    assert_eq!(demo["Name"], "Demo bedrijf");
    assert_eq!(demo["CustomerNumber"], 1);
    assert_eq!(demo["Address_CountryCode"], "BE");
    assert_eq!(demo["Relation_Contact"][0]["FirstName"], "Hendrik");
    assert_eq!(demo["Relation_Contact"][0]["Sex"], "Man");
    assert!(demo["createdOn"].is_i64());
    let by_guid = env
        .rows(&format!(
            "/rest/listrelations/?RelationGUID={}",
            demo["RelationGUID"]
        ))
        .await;
    assert_eq!(by_guid.len(), 1);

    // Same names, a shared e-mail address: ambiguity a client has to handle.
    let jansen = env
        .rows("/rest/listrelations/?RelationName=Jansen%20Installatietechniek%20B.V.")
        .await;
    assert!(jansen.len() >= 2);
    assert_ne!(jansen[0]["CustomerNumber"], jansen[1]["CustomerNumber"]);
    let devries = env
        .rows("/rest/listrelations/?RelationName=j.%20de%20vries")
        .await;
    assert!(devries.len() >= 2);
    let shared = env
        .rows("/rest/listrelations/?RelationEmail=administratie@vandamgroep.nl")
        .await;
    assert_eq!(shared.len(), 2);
    // AND (default) and OR.
    let both = env
        .rows("/rest/listrelations/?RelationEmail=administratie@vandamgroep.nl&RelationName=Bakkerij%20van%20Dam")
        .await;
    assert_eq!(both.len(), 1);
    let either = env
        .rows("/rest/listrelations/?RelationEmail=administratie@vandamgroep.nl&RelationName=Demo%20bedrijf&SearchOperand=OR")
        .await;
    assert_eq!(either.len(), 3);

    // Suppliers, some without a customer number; sorting on the number puts those first.
    let suppliers = env.rows("/rest/listrelations/?RelationType=Supplier").await;
    assert!(suppliers.iter().all(|r| r["IsSupplier"] == true));
    assert!(suppliers.iter().any(|r| r["CustomerNumber"].is_null()));
    let sorted = env
        .rows("/rest/listrelations/?Sorting=CustomerNumber")
        .await;
    assert!(sorted[0]["CustomerNumber"].is_null());
    let desc = env
        .rows(
            "/rest/listrelations/?Sorting=CustomerNumber&SortDir=DEC&RelationType=Customer&Limit=3",
        )
        .await;
    let n: Vec<i64> = desc
        .iter()
        .map(|r| r["CustomerNumber"].as_i64().unwrap())
        .collect();
    assert!(n[0] > n[1] && n[1] > n[2]);

    // VAT numbers without country code and suffix.
    let jansen_vat = env.rows("/rest/listrelations/?RelationVAT=812345670").await;
    assert_eq!(jansen_vat[0]["TaxIdentificationNumber"], "812345670B01");
    assert_eq!(
        env.list("/rest/listrelations/?RelationVAT=NL812345670B01")
            .await,
        (200, Value::Null)
    );
    env.sb.shutdown().await;
}

#[tokio::test]
async fn listproducts_filters_and_change_feed() {
    let env = start(config(|_| {})).await;
    assert_eq!(env.rows("/rest/listproducts/?Limit=1000").await.len(), 100);
    let active = env.rows("/rest/listproducts/?Limit=100").await.len()
        + env
            .rows("/rest/listproducts/?Limit=100&Offset=100")
            .await
            .len();
    let all = env
        .rows("/rest/listproducts/?Limit=100&IncludeArchived=true")
        .await
        .len()
        + env
            .rows("/rest/listproducts/?Limit=100&Offset=100&IncludeArchived=true")
            .await
            .len();
    assert_eq!(all, 120);
    assert!(active < all);

    let boiler = env.rows("/rest/listproducts/?ArticleNumber=1001").await;
    assert_eq!(boiler.len(), 1);
    let b = &boiler[0];
    assert_eq!(b["Name"], "Cv-ketel Remeha Calenta Ace 28c");
    assert_eq!(b["Price"].to_string(), "1850");
    assert_eq!(b["VATPercentage"].to_string(), "21");
    assert_eq!(b["StockQty"].to_string(), "12");
    assert!(b.get("Product_StockPosition").is_none());
    let by_ean = env
        .rows(&format!(
            "/rest/listproducts/?EAN={}&IncludeStockPositions=true",
            b["EAN"].as_str().unwrap()
        ))
        .await;
    assert_eq!(by_ean[0]["ArticleNumber"], "1001");
    assert_eq!(
        by_ean[0]["Product_StockPosition"][0]["StockQty"].to_string(),
        "12"
    );
    assert_eq!(
        env.list("/rest/listproducts/?ArticleNumber=100").await,
        (200, Value::Null)
    );
    assert_eq!(
        env.list("/rest/listproducts/?ArticleNumber=OUD-001").await,
        (200, Value::Null)
    );
    assert_eq!(
        env.rows("/rest/listproducts/?ArticleNumber=OUD-001&IncludeArchived=TRUE")
            .await[0]["IsArchived"],
        true
    );
    let coffee = env
        .rows("/rest/listproducts/?Category=koffie%20en%20thee")
        .await;
    assert!(coffee.iter().any(|p| p["ArticleNumber"] == "KOF-1KG"));
    assert!(coffee.iter().all(|p| p["Category"] == "Koffie en thee"));

    // The change feed: nothing generated is newer than now; a change is.
    let since = chrono::Utc::now().timestamp();
    assert_eq!(
        env.list(&format!("/rest/listproducts/?ChangedSince={since}"))
            .await,
        (200, Value::Null)
    );
    env.hook_post(
        "/silvasoft/mutate",
        json!({"entity": "products", "action": "rename", "id": "KM", "name": "Kilometervergoeding auto (per km)"}),
    )
    .await;
    let created = env
        .hook_post(
            "/silvasoft/mutate",
            json!({"entity": "products", "action": "create"}),
        )
        .await;
    let changed = env
        .rows(&format!("/rest/listproducts/?ChangedSince={since}"))
        .await;
    let names: Vec<&str> = changed
        .iter()
        .map(|p| p["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"Kilometervergoeding auto (per km)"));
    let new = env
        .rows(&format!("/rest/listproducts/?CreatedSince={since}"))
        .await;
    assert_eq!(new.len(), 1);
    assert_eq!(
        new[0]["ArticleNumber"],
        created["records"][0]["ArticleNumber"]
    );
    assert_error(
        &env.list("/rest/listproducts/?ChangedSince=gisteren").await,
        400,
        "INVALID_PARAMETER",
        "ChangedSince",
    );
    env.sb.shutdown().await;
}

#[tokio::test]
async fn addsalestransaction_happy_path_and_customer_matching() {
    let env = start(config(|_| {})).await;
    let body = j(r#"{
        "CustomerNumber": 1,
        "CustomerName": "ignored when the number is given",
        "InvoiceDate": "05-05-2026",
        "InvoiceNumber": 202600001,
        "InvoiceNotes": "Invoices created from API",
        "InvoiceFileUrl": "https://files.example.nl/scan-0001.pdf",
        "InvoiceProject": "Pr-123",
        "SelectProjectBy": "NAME",
        "Invoice_InvoiceLine": [
            {"TaxPc": 21, "SubTotalInclTax": 65.00, "Description": "100 km", "LedgerAccountNumber": "8000", "CostCenter": "Noord"},
            {"TaxPc": "9", "SubTotalInclTax": "123.45", "Description": "Koffie"},
            {"TaxCode": "Verlegd", "SubTotalInclTax": 100, "Description": "Verlegde btw"},
            {"TaxPc": 21.0, "SubTotalInclTax": -12.10, "Description": "Creditregel"}
        ]
    }"#);
    let (status, v) = env.transaction(&body).await;
    assert_eq!(status, 200, "{v}");
    let inv = &v.as_array().unwrap()[0];
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(inv["InvoiceType"], "BOOKKEEPING");
    assert_eq!(inv["InvoiceNumber"], 202600001);
    assert_eq!(inv["InvoiceDate"], "05-05-2026");
    assert_eq!(inv["InvoiceDueDate"], "26-05-2026");
    assert_eq!(inv["CustomerNumber"], 1);
    assert_eq!(inv["CustomerName"], "Demo bedrijf");
    assert_eq!(inv["ProjectName"], "Pr-123");
    assert_eq!(inv["ProjectNumber"], "1");
    assert_eq!(inv["InvoiceNotes"], "Invoices created from API");
    // 65.00 incl. 21 % → 53.72 + 11.28; 123.45 incl. 9 % → 113.26 + 10.19; 100 at 0 %;
    // -12.10 incl. 21 % → -10.00 - 2.10.
    assert_eq!(inv["InvoiceTotalInclTax"].to_string(), "276.35");
    assert_eq!(inv["InvoiceTotalExclTax"].to_string(), "256.98");
    assert_eq!(inv["InvoiceTaxAmount"].to_string(), "19.37");
    assert_eq!(inv["InvoiceOutstandingAmount"].to_string(), "276.35");
    assert_eq!(inv["Invoice_Contact"][0]["FamilyName"], "Janssens");
    assert_eq!(inv["Invoice_Contact"][1]["ContactType"], "PackingSlip");
    assert_eq!(inv["Invoice_Address"][0]["Address_City"], "Antwerpen");
    assert_eq!(inv["Invoice_Address"][0]["AddressType"], "InvoiceAddress");

    let got = env.received().await;
    assert_eq!(got.len(), 1);
    let g = &got[0];
    assert_eq!(g["module"], "bookkeeping");
    assert_eq!(g["invoice_number"], 202600001);
    assert_eq!(g["customer_number"], 1);
    assert_eq!(g["body"], body);
    assert!(g["raw_body"]
        .as_str()
        .unwrap()
        .contains("\"SubTotalInclTax\":65.00"));
    assert_eq!(
        g["amounts"],
        json!({"incl": "276.35", "excl": "256.98", "tax": "19.37"})
    );
    assert_eq!(g["lines"][0]["excl"], "53.72");
    assert_eq!(g["lines"][0]["tax"], "11.28");
    assert_eq!(g["lines"][2]["tax_code"], "Verlegd");
    assert_eq!(g["file_url"], "https://files.example.nl/scan-0001.pdf");
    assert!(g["attachment"].is_null());
    let stats = env.hook("/silvasoft/stats").await;
    assert!(stats["cost_centers"]
        .as_array()
        .unwrap()
        .contains(&json!("Noord")));

    // Without a number the administration's own sequence continues after the history.
    let line = r#""Invoice_InvoiceLine": [{"TaxPc": 21, "SubTotalInclTax": 10}]"#;
    let (status, v) = env
        .transaction(&j(&format!(r#"{{"CustomerNumber": 2, {line}}}"#)))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["InvoiceNumber"], 1011);

    // Name: the first match. Name and e-mail together: both must match.
    let (_, v) = env
        .transaction(&j(&format!(r#"{{"CustomerName": "J. de Vries", {line}}}"#)))
        .await;
    assert_eq!(v[0]["CustomerNumber"], 4);
    let (_, v) = env
        .transaction(&j(&format!(r#"{{"CustomerName": "j. de vries", "CustomerEmail": "johanna.devries63@gmail.com", {line}}}"#)))
        .await;
    assert_eq!(v[0]["CustomerNumber"], 5);
    let (_, v) = env
        .transaction(&j(&format!(
            r#"{{"CustomerEmail": "administratie@vandamgroep.nl", {line}}}"#
        )))
        .await;
    assert_eq!(v[0]["CustomerName"], "Bakkerij van Dam");
    let r = env
        .transaction(&j(&format!(
            r#"{{"CustomerName": "J. de Vries", "CustomerEmail": "info@demobedrijf.be", {line}}}"#
        )))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "No customer found");
    let r = env
        .transaction(&j(&format!(r#"{{"CustomerNumber": 99999, {line}}}"#)))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_PARAMETER",
        "CustomerNumber 99999 not found",
    );
    // A supplier without customer number is no customer.
    let r = env
        .transaction(&j(&format!(
            r#"{{"CustomerName": "Installatiegroothandel Noordhoek B.V.", {line}}}"#
        )))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "No customer found");
    // CustomerNumber 0 counts as empty.
    let (status, v) = env
        .transaction(&j(&format!(
            r#"{{"CustomerNumber": 0, "CustomerName": "Klaproos Events", {line}}}"#
        )))
        .await;
    assert_eq!(status, 200, "{v}");
    env.sb.shutdown().await;
}

fn invoice_lines(n: usize) -> String {
    let lines: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"TaxPc": 21, "SubTotalInclTax": 1.21, "Description": "Regel {i}"}}"#))
        .collect();
    lines.join(",")
}

#[tokio::test]
async fn addsalestransaction_validation() {
    let env = start(config(|_| {})).await;
    let tx = |extra: &str, lines: &str| {
        j(&format!(
            r#"{{"CustomerNumber": 1 {extra}, "Invoice_InvoiceLine": [{lines}]}}"#
        ))
    };
    let one = r#"{"TaxPc": 21, "SubTotalInclTax": 10}"#;

    // 75 lines is the maximum; 76 and 0 are refused.
    let (status, v) = env.transaction(&tx("", &invoice_lines(75))).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["InvoiceTotalInclTax"].to_string(), "90.75");
    assert_error(
        &env.transaction(&tx("", &invoice_lines(76))).await,
        400,
        "INVALID_PARAMETER",
        "Maximum 75 invoice lines",
    );
    assert_error(
        &env.transaction(&tx("", "")).await,
        400,
        "INVALID_PARAMETER",
        "At least one invoice line",
    );

    // Dates: dd-MM-yyyy only.
    for d in [
        "2026-03-01",
        "1-3-2026",
        "31-02-2026",
        "01/03/2026",
        "01-03-26",
    ] {
        let r = env
            .transaction(&tx(&format!(r#", "InvoiceDate": "{d}""#), one))
            .await;
        assert_error(&r, 400, "INVALID_PARAMETER", "InvoiceDate");
    }
    assert_eq!(
        env.transaction(&tx(r#", "InvoiceDate": "29-02-2028""#, one))
            .await
            .0,
        200
    );

    // InvoiceNumber is unique, also against the history and the other module.
    assert_eq!(
        env.transaction(&tx(r#", "InvoiceNumber": 777"#, one))
            .await
            .0,
        200
    );
    let r = env.transaction(&tx(r#", "InvoiceNumber": 777"#, one)).await;
    assert_error(
        &r,
        400,
        "INVALID_PARAMETER",
        "InvoiceNumber 777 already exists",
    );
    let r = env
        .transaction(&tx(r#", "InvoiceNumber": "1003""#, one))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_PARAMETER",
        "InvoiceNumber 1003 already exists",
    );
    let r = env
        .transaction(&tx(r#", "InvoiceNumber": 12.5"#, one))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_JSON",
        "JSONObject[\"InvoiceNumber\"] is not a long.",
    );

    // The file URL's extension.
    let r = env
        .transaction(&tx(
            r#", "InvoiceFileUrl": "https://x.nl/factuur.txt""#,
            one,
        ))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "InvoiceFileUrl");
    let r = env
        .transaction(&tx(
            r#", "InvoiceFileUrl": "https://x.nl/factuur.pdf?token=1""#,
            one,
        ))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "InvoiceFileUrl");
    assert_eq!(
        env.transaction(&tx(r#", "InvoiceFileUrl": "https://x.nl/SCAN.JPG""#, one))
            .await
            .0,
        200
    );

    // Amounts: comma decimals are not numbers, plain dot strings are.
    let r = env
        .transaction(&tx("", r#"{"TaxPc": 21, "SubTotalInclTax": "12,50"}"#))
        .await;
    assert_eq!(
        r,
        (
            400,
            json!({"errorCode": "INVALID_JSON", "errorMessage": "JSONObject[\"SubTotalInclTax\"] is not a number."})
        )
    );
    let (status, v) = env
        .transaction(&tx("", r#"{"TaxPc": 21, "SubTotalInclTax": "12.50"}"#))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["InvoiceTotalInclTax"].to_string(), "12.5");
    assert_error(
        &env.transaction(&tx("", r#"{"TaxPc": 21}"#)).await,
        400,
        "INVALID_PARAMETER",
        "SubTotalInclTax is required",
    );

    // VAT: the administration's percentages and codes only.
    let r = env
        .transaction(&tx("", r#"{"TaxPc": 19, "SubTotalInclTax": 10}"#))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_PARAMETER",
        "Invoice_InvoiceLine[0].TaxPc 19 is not a tax percentage",
    );
    let r = env
        .transaction(&tx(
            "",
            &format!(r#"{one}, {{"TaxPc": 6, "SubTotalInclTax": 10}}"#),
        ))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_PARAMETER",
        "Invoice_InvoiceLine[1].TaxPc 6",
    );
    let r = env
        .transaction(&tx("", r#"{"TaxCode": "HOOG", "SubTotalInclTax": 10}"#))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "TaxCode 'HOOG' not found");
    let r = env
        .transaction(&tx("", r#"{"TaxPc": -1, "SubTotalInclTax": 10}"#))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "TaxPc -1");

    // Ledger accounts must exist.
    let r = env
        .transaction(&tx(
            "",
            r#"{"TaxPc": 21, "SubTotalInclTax": 10, "LedgerAccountNumber": "9999"}"#,
        ))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "LedgerAccountNumber '9999'");
    assert_eq!(
        env.transaction(&tx(
            "",
            r#"{"TaxPc": 21, "SubTotalInclTax": 10, "LedgerAccountNumber": 8100}"#
        ))
        .await
        .0,
        200
    );

    // Projects.
    let r = env
        .transaction(&tx(
            r#", "InvoiceProject": "1", "SelectProjectBy": "number""#,
            one,
        ))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_PARAMETER",
        "SelectProjectBy must be NAME or NUMBER",
    );
    let r = env
        .transaction(&tx(r#", "InvoiceProject": "1""#, one))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "SelectProjectBy");
    let r = env
        .transaction(&tx(
            r#", "InvoiceProject": "42", "SelectProjectBy": "NUMBER""#,
            one,
        ))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_PARAMETER",
        "InvoiceProject '42' not found",
    );

    // Broken JSON, duplicate members, wrong kinds.
    let bad = answer(
        env.post_text("/rest/addsalestransaction/", r#"{"CustomerNumber": 1,"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        bad,
        (
            400,
            json!({"errorCode": "INVALID_JSON", "errorMessage": "JSON is incorrect"})
        )
    );
    let dup = answer(
        env.post_text(
            "/rest/addsalestransaction/",
            r#"{"CustomerNumber": 1, "CustomerNumber": 2, "Invoice_InvoiceLine": []}"#,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_error(&dup, 400, "INVALID_JSON", "JSON is incorrect");
    let r = env
        .transaction(&j(
            r#"{"CustomerNumber": 1, "Invoice_InvoiceLine": {"TaxPc": 21}}"#,
        ))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_JSON",
        "JSONObject[\"Invoice_InvoiceLine\"] is not a JSONArray.",
    );
    let r = env.transaction(&tx("", "21")).await;
    assert_error(&r, 400, "INVALID_JSON", "JSONArray[0] is not a JSONObject.");
    let r = env
        .transaction(&j(
            r#"{"CustomerNumber": "een", "Invoice_InvoiceLine": []}"#,
        ))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_JSON",
        "JSONObject[\"CustomerNumber\"] is not an int.",
    );

    // A POST without a JSON content type.
    let r = env
        .http
        .post(env.url("/rest/addsalestransaction/"))
        .header("Username", USER)
        .header("ApiKey", KEY)
        .body(tx("", one).to_string())
        .send()
        .await
        .unwrap();
    assert_error(
        &answer(r).await,
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "application/json",
    );

    // Only the valid ones were stored: 75 lines, 29-02-2028, 777, SCAN.JPG, "12.50", 8100.
    assert_eq!(env.received().await.len(), 6);
    env.sb.shutdown().await;
}

fn pdf_bytes(extra: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n".to_vec();
    b.resize(b.len() + extra, b' ');
    b.extend_from_slice(b"\n%%EOF\n");
    b
}

#[tokio::test]
async fn addsalesinvoice_happy_path_stock_and_attachment() {
    let env = start(config(|_| {})).await;
    let pdf = pdf_bytes(100);
    let body = j(&format!(
        r#"{{
        "CustomerNumber": 2,
        "InvoiceDate": "10-03-2026",
        "InvoiceNumber": 202600002,
        "InvoiceReference": "Werkbon 4711",
        "InvoiceNotes": "Synchronisation ID: 6f1c",
        "InvoiceDueDays": 30,
        "Invoice_Address": [{{"Address_Street": "Stationsweg", "Address_Unit": "1", "Address_City": "Leusden", "Address_PostalCode": "3831 AA", "Address_CountryCode": "NL", "Address_Type": "BillingAddress"}},
                            {{"Address_Street": "Havenstraat", "Address_Unit": "9", "Address_City": "Putten", "Address_PostalCode": "3881 BB", "Address_CountryCode": "nl", "Address_Type": "ShippingAddress"}}],
        "Invoice_Contact": [{{"ContactType": "Invoice", "FirstName": "Kees", "LastName": "Jansen", "Email": "kees@jansen.nl", "DefaultContact": true}}],
        "FileName": "werkbon.pdf",
        "FileContent": "{}",
        "Invoice_InvoiceLine": [
            {{"ProductNumber": "1001", "Quantity": 2, "UseArticlePrice": true}},
            {{"ProductEAN": "{}", "Quantity": "3", "UnitPriceExclTax": "17.50", "TaxPc": 9, "Description": "Koffie voor de kantine"}},
            {{"ProductNumber": "KM", "Quantity": 100, "UnitPriceExclTax": 0.23, "TaxPc": -1}},
            {{"ProductNumber": "EXP-DOC", "Quantity": 1, "UnitPriceExclTax": 35, "TaxCode": "Export buiten EU"}}
        ]
    }}"#,
        STANDARD.encode(&pdf),
        env.rows("/rest/listproducts/?ArticleNumber=KOF-1KG").await[0]["EAN"]
            .as_str()
            .unwrap()
    ));
    let (status, v) = env.invoice(&body).await;
    assert_eq!(status, 200, "{v}");
    let inv = &v[0];
    assert_eq!(inv["InvoiceType"], "INVOICE");
    assert_eq!(inv["InvoiceNumber"], 202600002);
    assert_eq!(inv["InvoiceReference"], "Werkbon 4711");
    assert_eq!(inv["InvoiceDueDate"], "09-04-2026");
    assert_eq!(inv["CustomerName"], "Jansen Installatietechniek B.V.");
    // 2 × 1850 + 100 × 0.23 = 3723.00 at 21 % (781.83); 3 × 17.50 = 52.50 at 9 % (4.73);
    // 35 at 0 %.
    assert_eq!(inv["InvoiceTotalExclTax"].to_string(), "3810.5");
    assert_eq!(inv["InvoiceTaxAmount"].to_string(), "786.56");
    assert_eq!(inv["InvoiceTotalInclTax"].to_string(), "4597.06");
    assert_eq!(inv["Invoice_Address"][0]["AddressType"], "InvoiceAddress");
    assert_eq!(inv["Invoice_Address"][1]["AddressType"], "ShippingAddress");
    assert_eq!(inv["Invoice_Address"][1]["Address_CountryCode"], "NL");
    assert_eq!(inv["Invoice_Contact"][0]["Email"], "kees@jansen.nl");

    // Stock went down for goods.
    let boiler = &env
        .rows("/rest/listproducts/?ArticleNumber=1001&IncludeStockPositions=true")
        .await[0];
    assert_eq!(boiler["StockQty"].to_string(), "10");
    assert_eq!(
        boiler["Product_StockPosition"][0]["StockQty"].to_string(),
        "10"
    );
    let coffee = &env.rows("/rest/listproducts/?ArticleNumber=KOF-1KG").await[0];
    assert_eq!(coffee["StockQty"].to_string(), "37");
    let km = &env.rows("/rest/listproducts/?ArticleNumber=KM").await[0];
    assert_eq!(km["StockQty"].to_string(), "0");

    let got = env.received().await;
    let g = &got[0];
    assert_eq!(g["module"], "invoicing");
    assert_eq!(g["body"], body);
    assert_eq!(
        g["amounts"],
        json!({"incl": "4597.06", "excl": "3810.50", "tax": "786.56"})
    );
    assert_eq!(g["lines"][0]["unit_price_excl"], "1850.00");
    assert_eq!(g["lines"][2]["tax_pc"], "21");
    assert_eq!(g["lines"][3]["tax_code"], "Export buiten EU");
    assert_eq!(g["attachment"]["file_name"], "werkbon.pdf");
    assert_eq!(g["attachment"]["content_type"], "application/pdf");
    assert_eq!(g["attachment"]["size"], pdf.len());
    let bytes = env
        .http
        .get(env.hook_url("/silvasoft/attachments/202600002"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), pdf.as_slice());

    // TOSTI's shape: no TaxPc, article price; a draft leaves the stock alone; a discount.
    let (status, v) = env
        .invoice(&j(r#"{"CustomerNumber": 3, "AddAsDraft": true, "InvoiceDiscountPc": 10,
            "Invoice_InvoiceLine": [{"ProductNumber": "1001", "Quantity": 1, "UseArticlePrice": true}]}"#))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["InvoiceTotalExclTax"].to_string(), "1665");
    assert_eq!(v[0]["InvoiceTotalInclTax"].to_string(), "2014.65");
    let boiler = &env.rows("/rest/listproducts/?ArticleNumber=1001").await[0];
    assert_eq!(boiler["StockQty"].to_string(), "10");
    assert_eq!(env.received().await[1]["draft"], true);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn addsalesinvoice_validation() {
    let env = start(config(|_| {})).await;
    let inv = |extra: &str, lines: &str| {
        j(&format!(
            r#"{{"CustomerNumber": 1 {extra}, "Invoice_InvoiceLine": [{lines}]}}"#
        ))
    };
    let one = r#"{"ProductNumber": "ARB-UUR", "Quantity": 1, "UseArticlePrice": true}"#;
    assert_eq!(env.invoice(&inv("", one)).await.0, 200);

    let many: Vec<&str> = vec![one; 76];
    assert_error(
        &env.invoice(&inv("", &many.join(","))).await,
        400,
        "INVALID_PARAMETER",
        "Maximum 75",
    );
    assert_eq!(env.invoice(&inv("", &many[..75].join(","))).await.0, 200);
    assert_error(
        &env.invoice(&inv("", "")).await,
        400,
        "INVALID_PARAMETER",
        "At least one",
    );

    // Products must exist and be active; lines need a product, a quantity and a price.
    let r = env
        .invoice(&inv(
            "",
            r#"{"ProductNumber": "NOPE", "Quantity": 1, "UseArticlePrice": true}"#,
        ))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_PARAMETER",
        "product with ProductNumber 'NOPE' not found",
    );
    let r = env
        .invoice(&inv(
            "",
            r#"{"ProductEAN": "8700000000000", "Quantity": 1, "UseArticlePrice": true}"#,
        ))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_PARAMETER",
        "ProductEAN '8700000000000' not found",
    );
    let r = env
        .invoice(&inv(
            "",
            r#"{"ProductNumber": "OUD-001", "Quantity": 1, "UseArticlePrice": true}"#,
        ))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "archived");
    let r = env
        .invoice(&inv(
            "",
            r#"{"Description": "Los", "Quantity": 1, "UnitPriceExclTax": 5}"#,
        ))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_PARAMETER",
        "ProductNumber or ProductEAN is required",
    );
    let r = env
        .invoice(&inv(
            "",
            r#"{"ProductNumber": "KM", "UseArticlePrice": true}"#,
        ))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "Quantity is required");
    let r = env
        .invoice(&inv("", r#"{"ProductNumber": "KM", "Quantity": 1}"#))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_PARAMETER",
        "UnitPriceExclTax or UseArticlePrice",
    );
    let r = env
        .invoice(&inv(
            "",
            r#"{"ProductNumber": "KM", "Quantity": 1, "UnitPriceExclTax": "0,23"}"#,
        ))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_JSON",
        "JSONObject[\"UnitPriceExclTax\"] is not a number.",
    );
    let r = env
        .invoice(&inv(
            "",
            r#"{"ProductNumber": "KM", "Quantity": 1, "UseArticlePrice": true, "TaxPc": 7}"#,
        ))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "TaxPc 7");

    // Header fields.
    let long = "x".repeat(151);
    let r = env
        .invoice(&inv(&format!(r#", "InvoiceReference": "{long}""#), one))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "InvoiceReference");
    assert_eq!(
        env.invoice(&inv(
            &format!(r#", "InvoiceReference": "{}""#, &long[..150]),
            one
        ))
        .await
        .0,
        200
    );
    let r = env
        .invoice(&inv(r#", "InvoiceDiscountPc": 120"#, one))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "InvoiceDiscountPc");
    let r = env
        .invoice(&inv(r#", "InvoiceDate": "2026-03-10""#, one))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "InvoiceDate");
    let r = env.invoice(&inv(r#", "AddAsDraft": "ja""#, one)).await;
    assert_error(&r, 400, "INVALID_JSON", "is not a Boolean");
    let r = env
        .invoice(&inv(
            r#", "Invoice_Address": [{"Address_Type": "Postadres"}]"#,
            one,
        ))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "Address_Type");
    assert_eq!(
        env.invoice(&inv(r#", "InvoiceNumber": 55"#, one)).await.0,
        200
    );
    let r = env.invoice(&inv(r#", "InvoiceNumber": 55"#, one)).await;
    assert_error(
        &r,
        400,
        "INVALID_PARAMETER",
        "InvoiceNumber 55 already exists",
    );

    // Attachments as content: a name, an allowed type by content, at most 10 MB.
    let b64 = |b: &[u8]| STANDARD.encode(b);
    let r = env
        .invoice(&inv(
            &format!(r#", "FileContent": "{}""#, b64(&pdf_bytes(10))),
            one,
        ))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "FileName is required");
    let r = env
        .invoice(&inv(
            &format!(
                r#", "FileName": "notes.txt", "FileContent": "{}""#,
                b64(b"hello")
            ),
            one,
        ))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "FileName 'notes.txt'");
    let r = env
        .invoice(&inv(
            &format!(
                r#", "FileName": "scan.pdf", "FileContent": "{}""#,
                b64(b"MZ\x90\x00 not a pdf")
            ),
            one,
        ))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "not an allowed file type");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let r = env
        .invoice(&inv(
            &format!(r#", "FileName": "scan.pdf", "FileContent": "{}""#, b64(png)),
            one,
        ))
        .await;
    assert_error(
        &r,
        400,
        "INVALID_PARAMETER",
        "does not match the file content (image/png)",
    );
    let r = env
        .invoice(&inv(
            r#", "FileName": "scan.pdf", "FileContent": "%%%not base64%%%""#,
            one,
        ))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "not valid base64");
    let docx = b"PK\x03\x04\x14\0\0\0\0\0[Content_Types].xml word/document.xml";
    assert_eq!(
        env.invoice(&inv(
            &format!(
                r#", "FileName": "offerte.docx", "FileContent": "{}""#,
                b64(docx)
            ),
            one
        ))
        .await
        .0,
        200
    );
    // 10 MB exactly is allowed, one byte more is not (bodies as text: 14 MB of JSON).
    let limit = 10 * 1024 * 1024;
    let big = |len: usize| {
        format!(
            r#"{{"CustomerNumber": 1, "FileName": "groot.pdf", "FileContent": "{}", "Invoice_InvoiceLine": [{one}]}}"#,
            b64(&pdf_bytes(len - pdf_bytes(0).len()))
        )
    };
    let r = answer(
        env.post_text("/rest/addsalesinvoice/", &big(limit))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = answer(
        env.post_text("/rest/addsalesinvoice/", &big(limit + 1))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "10 MB");
    env.sb.shutdown().await;
}

#[tokio::test]
async fn empty_object_fault_means_not_created() {
    let env = start(config(|_| {})).await;
    let settings = env
        .hook_post("/silvasoft/faults", json!({"empty_object_next": 1}))
        .await;
    assert_eq!(settings["empty_object_next"], 1);
    let r = env
        .post_text(
            "/rest/addsalestransaction/",
            &transaction_body(4242).to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "{}");
    assert!(env.received().await.is_empty());
    assert_eq!(
        env.list("/rest/listsalesinvoices/?InvoiceNumber=4242")
            .await,
        (200, Value::Null)
    );
    // The next one is processed normally.
    let (status, v) = env.transaction(&transaction_body(4242)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(env.hook("/silvasoft/faults").await["empty_object_next"], 0);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn the_rate_limit_fault_gives_silvasofts_own_answer_to_signed_in_requests_only() {
    // The pace is not enforced: only the fault refuses.
    let env = start(config(|_| {})).await;
    let settings = env
        .hook_post("/silvasoft/faults", json!({"rate_limit_next": 1}))
        .await;
    assert_eq!(settings["rate_limit_next"], 1);
    // Wrong credentials are answered as such and do not use the fault up.
    let r = env
        .http
        .get(env.url("/rest/listrelations/"))
        .header("Username", USER)
        .header("ApiKey", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer(r).await,
        (
            401,
            json!({"errorCode": "UNAUTHORIZED", "errorMessage": "Invalid authentication credentials"})
        )
    );
    let (status, v) = env.transaction(&transaction_body(4343)).await;
    assert_eq!(
        (status, v),
        (
            401,
            json!({"errorCode": "UNAUTHORIZED", "errorMessage": "Ratelimit exceeded"})
        )
    );
    assert!(env.received().await.is_empty(), "not processed");
    let log = env.hook("/log").await;
    let posts: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["system"] == "silvasoft" && e["method"] == "POST")
        .collect();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["rate_limited"], true);
    // Used up: the next one is processed; DELETE resets an armed one.
    let (status, v) = env.transaction(&transaction_body(4343)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(env.hook("/silvasoft/faults").await["rate_limit_next"], 0);
    env.hook_post("/silvasoft/faults", json!({"rate_limit_next": 3}))
        .await;
    let reset = env
        .http
        .delete(env.hook_url("/silvasoft/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer(reset).await.1["rate_limit_next"], 0);
    assert_eq!(env.list("/rest/listrelations/?Limit=1").await.0, 200);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn drop_after_store_then_look_up_by_invoice_number() {
    let env = start(config(|_| {})).await;
    env.hook_post("/silvasoft/faults", json!({"drop_after_store": 1}))
        .await;
    let r = env
        .post_text(
            "/rest/addsalestransaction/",
            &transaction_body(555001).to_string(),
        )
        .send()
        .await;
    assert!(r.is_err(), "the connection should have been cut: {r:?}");
    // Stored all the same: the client's look-up before a retry finds it.
    assert_eq!(env.received().await.len(), 1);
    let found = env
        .rows("/rest/listsalesinvoices/?InvoiceNumber=555001")
        .await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["InvoiceTotalInclTax"].to_string(), "121");
    assert_eq!(found[0]["InvoiceType"], "BOOKKEEPING");
    // A blind retry is refused as a duplicate.
    let r = env.transaction(&transaction_body(555001)).await;
    assert_error(&r, 400, "INVALID_PARAMETER", "already exists");
    let log = env.hook("/log").await;
    let posts: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["method"] == "POST")
        .collect();
    assert_eq!(posts[0]["dropped"], true);
    assert_eq!(posts[1]["dropped"], false);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn listsalesinvoices_history_filters_lines_and_pdf() {
    let env = start(config(|_| {})).await;
    let history = env.rows("/rest/listsalesinvoices/").await;
    assert_eq!(history.len(), 10);
    let numbers: Vec<i64> = history
        .iter()
        .map(|i| i["InvoiceNumber"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, (1001..=1010).rev().collect::<Vec<_>>());
    assert!(history.iter().any(|i| i["InvoiceType"] == "BOOKKEEPING"));
    assert!(history.iter().any(|i| i["InvoiceType"] == "INVOICE"));
    assert!(history[0].get("Invoice_InvoiceLine").is_none());

    let (status, v) = env.invoice(&j(r#"{"CustomerNumber": 1, "InvoiceNumber": 3000, "InvoiceDate": "15-01-2026",
        "Invoice_InvoiceLine": [{"ProductNumber": "KOF-1KG", "Quantity": 2, "UseArticlePrice": true}]}"#)).await;
    assert_eq!(status, 200, "{v}");
    let one = env
        .rows("/rest/listsalesinvoices/?InvoiceNumber=3000&InlcudeInvoiceLinesInResponse=true")
        .await;
    assert_eq!(one.len(), 1);
    let line = &one[0]["Invoice_InvoiceLine"][0];
    assert_eq!(line["ProductNumber"], "KOF-1KG");
    assert_eq!(line["Quantity"].to_string(), "2");
    assert_eq!(line["SubTotalExclTax"].to_string(), "37");
    assert_eq!(line["TaxPc"].to_string(), "9");
    // The correct spelling is not the documented one.
    let plain = env
        .rows("/rest/listsalesinvoices/?InvoiceNumber=3000&IncludeInvoiceLinesInResponse=true")
        .await;
    assert!(plain[0].get("Invoice_InvoiceLine").is_none());
    assert_eq!(
        env.rows("/rest/listsalesinvoices/").await[0]["InvoiceNumber"],
        3000
    );

    // Dates, inclusive.
    let jan = env
        .rows("/rest/listsalesinvoices/?DateFrom=15-01-2026&DateTill=15-01-2026")
        .await;
    assert_eq!(jan.len(), 1);
    let autumn = env
        .rows("/rest/listsalesinvoices/?DateTill=31-12-2025")
        .await;
    assert_eq!(autumn.len(), 10);
    assert_error(
        &env.list("/rest/listsalesinvoices/?DateFrom=2026-01-01")
            .await,
        400,
        "INVALID_PARAMETER",
        "DateFrom",
    );
    assert_eq!(
        env.list("/rest/listsalesinvoices/?InvoiceNumber=1").await,
        (200, Value::Null)
    );

    // Limits: 100, 50 with lines, 15 with PDFs; paging.
    assert_eq!(
        env.rows("/rest/listsalesinvoices/?Limit=3&Offset=2")
            .await
            .len(),
        3
    );
    let with_pdf = env
        .rows("/rest/listsalesinvoices/?IncludeBase64PDF=true&Limit=100")
        .await;
    assert_eq!(with_pdf.len(), 11);
    let pdf = STANDARD
        .decode(with_pdf[0]["Base64PDF"].as_str().unwrap())
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    env.sb.shutdown().await;
}

#[tokio::test]
async fn listsalesinvoices_limits_are_clamped() {
    let env = start(config(|_| {})).await;
    let line = r#""Invoice_InvoiceLine": [{"TaxPc": 0, "SubTotalInclTax": 1}]"#;
    for _ in 0..100 {
        let (status, v) = env
            .transaction(&j(&format!(r#"{{"CustomerNumber": 1, {line}}}"#)))
            .await;
        assert_eq!(status, 200, "{v}");
    }
    assert_eq!(
        env.rows("/rest/listsalesinvoices/?Limit=500").await.len(),
        100
    );
    assert_eq!(
        env.rows("/rest/listsalesinvoices/?InlcudeInvoiceLinesInResponse=true")
            .await
            .len(),
        50
    );
    assert_eq!(
        env.rows("/rest/listsalesinvoices/?IncludeBase64PDF=true")
            .await
            .len(),
        15
    );
    assert_eq!(
        env.rows("/rest/listsalesinvoices/?Offset=100").await.len(),
        10
    );
    env.sb.shutdown().await;
}

#[tokio::test]
async fn injected_failures_and_mutations() {
    let env = start(config(|_| {})).await;
    env.hook_post("/silvasoft/faults", json!({"fail_next": 1, "status": 500}))
        .await;
    let r = env.list("/rest/listrelations/?Limit=1").await;
    assert_error(&r, 500, "TECHNICAL_ERROR", "");
    env.hook_post(
        "/silvasoft/faults",
        json!({"fail_next": 1, "status": 429, "retry_after_secs": 2, "method": "POST"}),
    )
    .await;
    assert_eq!(env.list("/rest/listrelations/?Limit=1").await.0, 200);
    let r = env
        .post_text(
            "/rest/addsalestransaction/",
            &transaction_body(1).to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "2");
    assert!(env.received().await.is_empty());
    let r = env
        .http
        .delete(env.hook_url("/silvasoft/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    env.hook_post("/silvasoft/faults", json!({"malformed_next": 1}))
        .await;
    let text = env
        .get("/rest/listrelations/?Limit=2")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());

    // Rename, archive, create relations.
    let demo = env.rows("/rest/listrelations/?RelationNumber=1").await[0].clone();
    let guid = demo["RelationGUID"].as_i64().unwrap();
    env.hook_post(
        "/silvasoft/mutate",
        json!({"entity": "relations", "action": "rename", "id": guid, "name": "Demo bedrijf BV"}),
    )
    .await;
    assert_eq!(
        env.rows("/rest/listrelations/?RelationNumber=1").await[0]["Name"],
        "Demo bedrijf BV"
    );
    env.hook_post(
        "/silvasoft/mutate",
        json!({"entity": "relations", "action": "archive", "id": guid}),
    )
    .await;
    assert_eq!(
        env.list("/rest/listrelations/?RelationNumber=1").await,
        (200, Value::Null)
    );
    let r = env.transaction(&transaction_body(8)).await;
    assert_error(&r, 400, "INVALID_PARAMETER", "CustomerNumber 1 not found");
    let created = env
        .hook_post(
            "/silvasoft/mutate",
            json!({"entity": "relations", "action": "create", "count": 3, "fields": {"IsCustomer": true}}),
        )
        .await;
    assert_eq!(created["count"], 3);
    let newest = env
        .rows("/rest/listrelations/?Sorting=RelationGUID&SortDir=DESC&Limit=1")
        .await;
    assert_eq!(
        newest[0]["RelationGUID"],
        created["records"][2]["RelationGUID"]
    );
    let stats = env.hook("/silvasoft/stats").await;
    assert_eq!(stats["archived_relations"], 1);
    assert_eq!(stats["relations"], 252);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn configuration_and_determinism() {
    let bad = config(|c| c.tax_percentages = vec!["21%".into()]);
    assert!(Sandbox::start("127.0.0.1:0".parse().unwrap(), bad)
        .await
        .is_err());
    let mut clash = config(|_| {});
    clash.afas.environment = "silvasoft".into();
    assert!(Sandbox::start("127.0.0.1:0".parse().unwrap(), clash)
        .await
        .is_err());

    // Other VAT rates (a Belgian administration).
    let be = start(config(|c| {
        c.tax_percentages = vec!["21".into(), "12".into(), "6".into(), "0".into()]
    }))
    .await;
    let r = be
        .transaction(&j(r#"{"CustomerNumber": 1, "Invoice_InvoiceLine": [{"TaxPc": 6, "SubTotalInclTax": 106}]}"#))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1[0]["InvoiceTaxAmount"].to_string(), "6");
    let r = be
        .transaction(&j(r#"{"CustomerNumber": 1, "Invoice_InvoiceLine": [{"TaxPc": 9, "SubTotalInclTax": 109}]}"#))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER", "TaxPc 9");

    let a = start(config(|_| {})).await;
    let b = start(config(|_| {})).await;
    let page = "/rest/listrelations/?Limit=200&Offset=40";
    assert_eq!(a.list(page).await, b.list(page).await);
    let products = "/rest/listproducts/?Limit=100&IncludeArchived=true";
    assert_eq!(a.list(products).await, b.list(products).await);
    be.sb.shutdown().await;
    a.sb.shutdown().await;
    b.sb.shutdown().await;
}
