//! The Silvasoft connector over real HTTP against the sandbox's Silvasoft stand-in on 127.0.0.1.
//!
//! Every test starts its own sandbox (its own port, so its own rate limiter in the client's
//! registry and its own counters in the stand-in) and runs with the default limiter unless it
//! says otherwise, so the stand-in's rate limit (2/s, 50/min) is enforced throughout.

use chrono::NaiveDate;
use invoice_desk_backends::ratelimit::RateLimits;
use invoice_desk_backends::{Secret, SilvasoftClient, SilvasoftConfig, SilvasoftModule};
use invoice_desk_core::backend::{
    Backend, Capabilities, Lookup, Product, Relation, RelationKind, Upload,
};
use invoice_desk_core::backend::{InvoiceWriter, LookupSource};
use invoice_desk_core::error::{Error, ErrorCode};
use invoice_desk_core::invoice::{to_outgoing, Draft, DraftLine, OutgoingInvoice};
use invoice_desk_core::store::{Entity, Store, SubmissionState};
use invoice_desk_core::submit::{submit_draft, Outcome, RetryPolicy};
use invoice_desk_core::totals::PriceBasis;
use invoice_desk_core::Decimal;
use invoice_desk_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::str::FromStr;
use std::time::Duration;

const USER: &str = "demo@invoicedesk.nl";
const KEY: &str = "demo-silvasoft-key";
const TRIAL_USER: &str = "trial@invoicedesk.nl";

struct Env {
    sandbox: Sandbox,
    web: reqwest::Client,
}

async fn start_with(f: impl FnOnce(&mut SandboxConfig)) -> Env {
    let mut c = SandboxConfig::default();
    c.afas.persons = 10;
    c.afas.organisations = 10;
    c.afas.products = 5;
    c.silvasoft.relations = 200;
    c.silvasoft.products = 60;
    f(&mut c);
    let sandbox = Sandbox::start("127.0.0.1:0".parse().unwrap(), c)
        .await
        .expect("sandbox starts");
    Env {
        sandbox,
        web: reqwest::Client::new(),
    }
}

async fn start() -> Env {
    start_with(|_| {}).await
}

impl Env {
    fn config(&self, module: SilvasoftModule) -> SilvasoftConfig {
        SilvasoftConfig {
            base_url: self.sandbox.silvasoft_base_url(),
            username: USER.into(),
            api_key: Secret::new(KEY),
            module,
            ..SilvasoftConfig::default()
        }
    }

    fn client(&self, module: SilvasoftModule) -> SilvasoftClient {
        SilvasoftClient::new(self.config(module)).expect("client")
    }

    async fn get(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.sandbox.base_url());
        let r = self.web.get(&url).send().await.expect("hook answers");
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.expect("hook JSON")
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.sandbox.base_url());
        let r = self.web.post(&url).json(&body).send().await.unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "POST {path}: {status} {v}");
        v
    }

    async fn faults(&self, body: Value) {
        self.post("/__sandbox/silvasoft/faults", body).await;
    }

    async fn invoices(&self) -> Vec<Value> {
        self.get("/__sandbox/silvasoft/invoices")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    async fn stats(&self) -> Value {
        self.get("/__sandbox/silvasoft/stats").await
    }

    /// The stand-in's log of Silvasoft requests.
    async fn log(&self) -> Vec<Value> {
        self.get("/__sandbox/log")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e["system"] == "silvasoft")
            .collect()
    }

    async fn posts(&self) -> Vec<Value> {
        self.log()
            .await
            .into_iter()
            .filter(|e| e["method"] == "POST")
            .collect()
    }
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// A JSON value's decimal, whether it is a number or a string.
fn dec_of(v: &Value) -> Decimal {
    match v {
        Value::String(s) => dec(s),
        Value::Number(n) => dec(&n.to_string()),
        other => panic!("not an amount: {other}"),
    }
}

/// The stand-in's fixed customer 1 ("Demo bedrijf", from the documentation's example).
fn demo_bedrijf() -> Relation {
    Relation {
        id: "fixed-1".into(),
        kind: RelationKind::Organisation,
        name: "Demo bedrijf".into(),
        number: Some("1".into()),
        email: Some("info@demobedrijf.be".into()),
        city: Some("Antwerpen".into()),
        vat_number: None,
        archived: false,
    }
}

fn product(code: &str, description: &str, vat: &str) -> Product {
    Product {
        id: code.into(),
        code: Some(code.into()),
        description: description.into(),
        price_excl: None,
        price_incl: None,
        vat_code: Some(vat.into()),
        group: None,
        archived: false,
        line_defaults: Default::default(),
    }
}

fn row(description: &str, qty: &str, price: &str, vat: &str) -> DraftLine {
    DraftLine {
        description: description.into(),
        quantity: qty.into(),
        unit_price: price.into(),
        vat_code: vat.into(),
        ..DraftLine::default()
    }
}

fn product_row(p: &Product, qty: &str, price: &str) -> DraftLine {
    DraftLine {
        product: Some(p.clone()),
        description: p.description.clone(),
        quantity: qty.into(),
        unit_price: price.into(),
        vat_code: p.vat_code.clone().unwrap(),
        ..DraftLine::default()
    }
}

fn draft(caps: &Capabilities, date: NaiveDate, relation: Relation, lines: Vec<DraftLine>) -> Draft {
    let mut d = Draft::new("silvasoft-test", caps, date);
    d.relation = Some(relation);
    d.lines = lines;
    d
}

/// The invoice as core sends it: validated against the client's capabilities.
fn outgoing(caps: &Capabilities, d: &Draft) -> OutgoingInvoice {
    to_outgoing(d, caps).expect("a valid draft")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn fast() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    }
}

fn noop(_: uuid::Uuid, _: u64, _: u64) {}

/// The largest number of log times in any window `[t, t + ms]` (both ends included).
fn max_in_window(times: &[u64], ms: u64) -> usize {
    let mut t = times.to_vec();
    t.sort_unstable();
    (0..t.len())
        .map(|i| t[i..].iter().take_while(|x| **x <= t[i] + ms).count())
        .max()
        .unwrap_or(0)
}

// ---- connection -----------------------------------------------------------------------------

#[tokio::test]
async fn test_connection_names_the_user_and_module() {
    let env = start().await;
    let client = env.client(SilvasoftModule::Bookkeeping);
    assert_eq!(
        client.test_connection().await.unwrap().en,
        "Connected to Silvasoft as demo@invoicedesk.nl (bookkeeping module)"
    );
    assert_eq!(
        client.connected_text().nl,
        "Verbonden met Silvasoft als demo@invoicedesk.nl (module Boekhouding)"
    );
    let log = env.log().await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["path"], "/silvasoft/rest/listrelations/");
    assert_eq!(log[0]["query"], "Limit=1");
    assert_eq!(log[0]["status"], 200);
    // One administration per API user: nothing to ask.
    assert!(client.administrations().await.unwrap().is_empty());
    assert!(client
        .addresses("", &demo_bedrijf())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(env.log().await.len(), 1);
}

#[tokio::test]
async fn wrong_credentials_are_auth_failed() {
    let env = start().await;
    let client = SilvasoftClient::new(SilvasoftConfig {
        api_key: Secret::new("not-the-key"),
        ..env.config(SilvasoftModule::Bookkeeping)
    })
    .unwrap();
    let e = client.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthFailed);
    assert_eq!(
        e.message.en,
        "Silvasoft did not accept the username and API key, or the trial period has ended. Check them in Settings."
    );
    assert!(e.message.nl.contains("proefperiode"));
    assert_eq!(
        e.detail.as_deref(),
        Some("Invalid authentication credentials")
    );
    assert!(!format!("{e:?}").contains("not-the-key"));
    assert_eq!(
        client.sync_relations("", None).await.unwrap_err().code,
        ErrorCode::AuthFailed
    );
}

#[tokio::test]
async fn an_expired_trial_is_auth_failed_naming_both_causes() {
    let env = start().await;
    let client = SilvasoftClient::new(SilvasoftConfig {
        username: TRIAL_USER.into(),
        ..env.config(SilvasoftModule::Bookkeeping)
    })
    .unwrap();
    let e = client.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthFailed);
    assert!(e.message.en.contains("or the trial period has ended"));
    assert!(!e.code.is_transient());
}

#[tokio::test]
async fn silvasofts_rate_limit_is_rate_limited_not_auth_failed() {
    // The stand-in takes 1 request per second; this client does not hold back at all.
    let env = start_with(|c| c.silvasoft.max_per_second = 1).await;
    let client = env
        .client(SilvasoftModule::Bookkeeping)
        .with_rate_limits(RateLimits::unlimited());
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.test_connection().await })
        })
        .collect();
    let mut limited = Vec::new();
    let mut ok = 0;
    for c in calls {
        match c.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => limited.push(e),
        }
    }
    assert!(ok >= 1);
    assert!(!limited.is_empty(), "the stand-in refused nothing");
    for e in &limited {
        assert_eq!(e.code, ErrorCode::RateLimited, "{e:?}");
        assert!(e.code.is_transient());
        assert_eq!(e.retry_after, Some(Duration::from_secs(60)));
        assert_eq!(
            e.message.en,
            "Silvasoft's request limit was reached; the app waits and tries again later. If this keeps happening, the hourly quota of your API plan may be used up (Beheer > API)."
        );
        assert_eq!(e.detail.as_deref(), Some("Ratelimit exceeded"));
    }
    let refused = env
        .log()
        .await
        .iter()
        .filter(|e| e["rate_limited"] == true)
        .count();
    assert_eq!(refused, limited.len());
}

#[tokio::test]
async fn after_a_ratelimit_the_account_rests_without_sending() {
    // The stand-in takes 1 request per second; the client's own pace (600 ms) is faster.
    let env = start_with(|c| c.silvasoft.max_per_second = 1).await;
    // The default limits, in a limiter of this client's own (so that its minute of rest stays
    // in this test).
    let client = env
        .client(SilvasoftModule::Bookkeeping)
        .with_rate_limits(RateLimits::silvasoft());
    client.test_connection().await.unwrap();
    let e = client.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert_eq!(env.log().await.len(), 2);
    // Resting: refused at once, with the time left, and nothing sent.
    let started = std::time::Instant::now();
    let e = client.sync_relations("", None).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::RateLimited);
    let left = e.retry_after.unwrap();
    assert!(
        left > Duration::from_secs(55) && left <= Duration::from_secs(60),
        "{left:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(env.log().await.len(), 2, "nothing sent while resting");
}

// ---- the rate test --------------------------------------------------------------------------

#[tokio::test]
async fn a_full_sync_and_a_submit_share_the_limiter_and_stay_within_the_limits() {
    let env = start_with(|c| c.silvasoft.relations = 1000).await;
    let customers = env.stats().await["customers"].as_u64().unwrap() as usize;
    let store = Store::open_in_memory().unwrap();
    // The sync and the submit use two separate clients of the same account, as the app's
    // background sync and the form do; they share the account's limiter through the registry.
    let syncing = env.client(SilvasoftModule::Bookkeeping).with_page_size(50);
    let submitting = env.client(SilvasoftModule::Bookkeeping);
    assert!(std::sync::Arc::ptr_eq(
        &syncing.limiter(),
        &submitting.limiter()
    ));
    let caps = submitting.capabilities();
    let d = draft(
        &caps,
        date(2025, 5, 16),
        demo_bedrijf(),
        vec![row("Onderhoud", "1", "121,00", "21")],
    );
    let inv = outgoing(&caps, &d);

    let sync = async {
        invoice_desk_core::sync::sync_list(
            &syncing,
            &store,
            "silvasoft-test",
            "",
            Entity::Relations,
            &|_| {},
        )
        .await
    };
    let submit = async {
        tokio::time::sleep(Duration::from_millis(2500)).await;
        submitting.submit(&inv).await
    };
    let (synced, receipt) = tokio::join!(sync, submit);
    let synced = synced.expect("sync");
    let receipt = receipt.expect("submit");
    assert_eq!(synced, customers);
    assert_eq!(
        store.cache_counts("silvasoft-test", "").unwrap().0,
        customers
    );
    assert_eq!(receipt.total_gross, Some(dec("121")));

    let log = env.log().await;
    let gets: Vec<&Value> = log.iter().filter(|e| e["method"] == "GET").collect();
    let pages = customers / 50 + 1;
    assert_eq!(gets.len(), pages, "one request per page of 50");
    assert!(log.iter().all(|e| e["status"] == 200), "{log:?}");
    assert!(log.iter().all(|e| e["rate_limited"] == false));
    let times: Vec<u64> = log.iter().map(|e| e["t_ms"].as_u64().unwrap()).collect();
    let per_second = max_in_window(&times, 1000);
    let per_minute = max_in_window(&times, 60_000);
    let post_at = log.iter().find(|e| e["method"] == "POST").unwrap()["t_ms"]
        .as_u64()
        .unwrap();
    let first = *times.iter().min().unwrap();
    let last = *times.iter().max().unwrap();
    let mut sorted = times.clone();
    sorted.sort_unstable();
    let min_gap = sorted.windows(2).map(|w| w[1] - w[0]).min().unwrap();
    eprintln!(
        "figure: rate test: {} requests ({} GET pages + 1 POST) in {} ms; max {per_second} in any 1 s, \
         max {per_minute} in any 60 s; smallest gap {min_gap} ms; POST at +{} ms",
        times.len(),
        gets.len(),
        last - first,
        post_at - first
    );
    assert!(per_second <= 2, "{per_second} requests within one second");
    assert!(per_minute <= 50, "{per_minute} requests within one minute");
    assert!(min_gap >= 500, "requests {min_gap} ms apart");
    // The submit went out between the pages of the sync, not after it.
    assert!(post_at > first && post_at < last);
}

// ---- sync -----------------------------------------------------------------------------------

#[tokio::test]
async fn relations_page_sorted_and_map() {
    let env = start().await;
    let client = env.client(SilvasoftModule::Bookkeeping).with_page_size(100);
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let p = client.sync_relations("", cursor.as_deref()).await.unwrap();
        cursor = Some(p.cursor.clone());
        let done = p.done;
        pages.push(p);
        if done {
            break;
        }
    }
    assert!(pages[0].full_reload);
    assert!(pages[1..].iter().all(|p| !p.full_reload));
    let all: Vec<Relation> = pages.iter().flat_map(|p| p.items.clone()).collect();
    let customers = env.stats().await["customers"].as_u64().unwrap() as usize;
    assert_eq!(all.len(), customers);
    let ids: std::collections::HashSet<&str> = all.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "no relation twice");
    let demo = all
        .iter()
        .find(|r| r.number.as_deref() == Some("1"))
        .unwrap();
    assert_eq!(demo.name, "Demo bedrijf");
    assert_eq!(demo.kind, RelationKind::Organisation);
    assert_eq!(demo.city.as_deref(), Some("Antwerpen"));
    assert_eq!(demo.email.as_deref(), Some("info@demobedrijf.be"));
    let persons: Vec<&Relation> = all.iter().filter(|r| r.name == "J. de Vries").collect();
    assert_eq!(persons.len(), 2);
    assert!(persons.iter().all(|r| r.kind == RelationKind::Person));
    assert!(all.iter().any(|r| r.kind == RelationKind::Person));
    let log = env.log().await;
    let q = log[0]["query"].as_str().unwrap();
    for part in [
        "RelationType=Customer",
        "Limit=100",
        "Offset=0",
        "Sorting=createdDate",
        "SortDir=DEC",
    ] {
        assert!(q.contains(part), "{q}");
    }
    // A new sync starts over with a full reload.
    let again = client.sync_relations("", cursor.as_deref()).await.unwrap();
    assert!(again.full_reload);
}

#[tokio::test]
async fn products_load_fully_then_by_change() {
    let env = start().await;
    let client = env.client(SilvasoftModule::Invoicing).with_page_size(40);
    let run = |cursor: Option<String>| {
        let client = client.clone();
        async move {
            let mut pages = Vec::new();
            let mut cursor = cursor;
            loop {
                let p = client.sync_products("", cursor.as_deref()).await.unwrap();
                cursor = Some(p.cursor.clone());
                let done = p.done;
                pages.push(p);
                if done {
                    return (pages, cursor.unwrap());
                }
            }
        }
    };
    let (pages, cursor) = run(None).await;
    assert!(pages[0].full_reload);
    let all: Vec<Product> = pages.iter().flat_map(|p| p.items.clone()).collect();
    assert_eq!(
        all.len() as u64,
        env.stats().await["products"].as_u64().unwrap()
    );
    let coffee = all
        .iter()
        .find(|p| p.code.as_deref() == Some("KOF-1KG"))
        .unwrap();
    assert_eq!(coffee.price_excl.unwrap().to_string(), "18.50");
    assert_eq!(coffee.vat_code.as_deref(), Some("9"));
    assert_eq!(coffee.description, "Koffiebonen Arabica (1 kg)");
    assert!(all.iter().all(|p| !p.archived));

    // A price change is found by the next, incremental run.
    env.post(
        "/__sandbox/silvasoft/mutate",
        json!({"entity": "products", "action": "update", "id": "KOF-1KG", "fields": {"Price": 19.75}}),
    )
    .await;
    let before = env.log().await.len();
    let (pages, _) = run(Some(cursor)).await;
    assert!(pages.iter().all(|p| !p.full_reload));
    let changed: Vec<Product> = pages.iter().flat_map(|p| p.items.clone()).collect();
    let coffee = changed
        .iter()
        .find(|p| p.code.as_deref() == Some("KOF-1KG"))
        .expect("the changed product");
    assert_eq!(coffee.price_excl.unwrap().to_string(), "19.75");
    assert!(changed.len() < all.len() / 2, "only what changed");
    let log = env.log().await;
    let incremental = &log[before..];
    assert!(incremental
        .iter()
        .any(|e| e["query"].as_str().unwrap().contains("ChangedSince=")));
    assert!(incremental
        .iter()
        .any(|e| e["query"].as_str().unwrap().contains("CreatedSince=")));
}

// ---- submitting -----------------------------------------------------------------------------

#[tokio::test]
async fn bookkeeping_end_to_end() {
    let env = start().await;
    let client = SilvasoftClient::new(SilvasoftConfig {
        first_invoice_number: Some(2026001),
        ..env.config(SilvasoftModule::Bookkeeping)
    })
    .unwrap();
    let caps = client.capabilities();
    assert_eq!(caps.app_numbering, Some(2026001));
    assert_eq!(caps.price_bases[0], PriceBasis::InclVat);
    let mut km = row("Kilometers", "100", "0,65", "21");
    km.extra_description = "Utrecht – Gent v.v.".into();
    km.extra.insert("cost_center".into(), "Projecten".into());
    km.extra
        .insert("ledger_account_number".into(), "8000".into());
    let mut d = draft(
        &caps,
        date(2025, 5, 16),
        demo_bedrijf(),
        vec![
            km,
            row("Koffie", "2", "4,10", "9"),
            row("Creditering exportdocument", "-1", "15", "0"),
        ],
    );
    d.price_basis = PriceBasis::InclVat;
    d.reference = "PO-2025-118".into();
    d.extra.insert("invoice_project".into(), "1".into());
    d.extra.insert(
        "invoice_file_url".into(),
        "https://files.example.nl/bon-118.pdf".into(),
    );
    // As core does for app numbering.
    let mut inv = outgoing(&caps, &d);
    inv.extra.insert("invoice_number".into(), "2026001".into());
    assert_eq!(inv.totals.gross, dec("58.20"));

    let r = client.submit(&inv).await.unwrap();
    assert_eq!(r.remote_id, "2026001");
    assert_eq!(r.number.as_deref(), Some("2026001"));
    assert_eq!(r.total_gross, Some(dec("58.20")));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);

    let received = env.invoices().await;
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got["module"], "bookkeeping");
    assert_eq!(got["invoice_number"], 2026001);
    assert_eq!(got["customer_number"], 1);
    let expected: Value = serde_json::from_str(
        r#"{
            "CustomerNumber": 1,
            "InvoiceDate": "16-05-2025",
            "InvoiceNumber": 2026001,
            "InvoiceNotes": "Ref: PO-2025-118",
            "InvoiceFileUrl": "https://files.example.nl/bon-118.pdf",
            "InvoiceProject": "1",
            "SelectProjectBy": "NUMBER",
            "Invoice_InvoiceLine": [
                {"SubTotalInclTax": 65.00, "TaxPc": 21, "Description": "Kilometers\nUtrecht – Gent v.v.",
                 "CostCenter": "Projecten", "LedgerAccountNumber": "8000"},
                {"SubTotalInclTax": 8.20, "TaxPc": 9, "Description": "Koffie"},
                {"SubTotalInclTax": -15.00, "TaxPc": 0, "Description": "Creditering exportdocument"}
            ]
        }"#,
    )
    .unwrap();
    assert_eq!(got["body"], expected);
    let raw = got["raw_body"].as_str().unwrap();
    for part in [
        r#""SubTotalInclTax":65.00"#,
        r#""SubTotalInclTax":8.20"#,
        r#""SubTotalInclTax":-15.00"#,
        r#""InvoiceDate":"16-05-2025""#,
        r#""TaxPc":21"#,
    ] {
        assert!(raw.contains(part), "{part} in {raw}");
    }
    assert!(!raw.contains("65,00") && !raw.contains("e+") && !raw.contains("0000001"));
    // Silvasoft takes the VAT out of each line: 65.00 at 21 % holds 11.28.
    assert_eq!(dec_of(&got["amounts"]["incl"]), dec("58.20"));
    assert_eq!(dec_of(&got["amounts"]["tax"]), inv.totals.vat);
    let post = env.posts().await;
    assert_eq!(post[0]["path"], "/silvasoft/rest/addsalestransaction/");
}

#[tokio::test]
async fn invoicing_end_to_end_with_an_attachment() {
    let env = start().await;
    let client = env.client(SilvasoftModule::Invoicing);
    let caps = client.capabilities();
    let labour = product("ARB-UUR", "Arbeid monteur (per uur)", "21");
    let coffee = product("KOF-1KG", "Koffiebonen Arabica (1 kg)", "9");
    let mut d = draft(
        &caps,
        date(2025, 5, 16),
        demo_bedrijf(),
        vec![
            product_row(&labour, "2,5", "62,50"),
            product_row(&coffee, "3", "18,50"),
        ],
    );
    d.reference = "Werkbon 5512".into();
    d.extra.insert("invoice_due_days".into(), "30".into());
    d.extra
        .insert("invoice_notes".into(), "Onderhoud cv-ketel".into());
    let pdf = b"%PDF-1.4\n% werkbon 5512\n".to_vec();
    let upload = Upload {
        id: uuid::Uuid::new_v4(),
        file_name: "werkbon 5512.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: pdf.clone(),
        path: None,
    };
    let progress = std::sync::Mutex::new(Vec::new());
    let reference = client
        .upload_attachment("", &upload, &|a, b| progress.lock().unwrap().push((a, b)))
        .await
        .unwrap();
    let n = pdf.len() as u64;
    assert_eq!(*progress.lock().unwrap(), vec![(0, n), (n, n)]);
    assert!(env.log().await.is_empty(), "checking a file sends nothing");
    let mut inv = outgoing(&caps, &d);
    inv.attachments = vec![reference];
    assert_eq!(inv.totals.gross, dec("249.56"));

    let r = client.submit(&inv).await.unwrap();
    assert_eq!(r.total_gross, Some(dec("249.56")));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let received = env.invoices().await;
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got["module"], "invoicing");
    assert_eq!(r.remote_id, got["invoice_number"].to_string());
    assert_eq!(got["draft"], false);
    let body = &got["body"];
    assert_eq!(body["CustomerNumber"], 1);
    assert_eq!(body["InvoiceDate"], "16-05-2025");
    assert_eq!(body["AddAsDraft"], false);
    assert_eq!(body["InvoiceReference"], "Werkbon 5512");
    assert_eq!(body["InvoiceNotes"], "Onderhoud cv-ketel");
    assert_eq!(body["InvoiceDueDays"], 30);
    assert!(body.get("InvoiceNumber").is_none());
    assert_eq!(body["FileName"], "werkbon 5512.pdf");
    let lines: Value = serde_json::from_str(
        r#"[{"ProductNumber": "ARB-UUR", "Quantity": 2.5, "UnitPriceExclTax": 62.50, "TaxPc": 21,
             "Description": "Arbeid monteur (per uur)"},
            {"ProductNumber": "KOF-1KG", "Quantity": 3, "UnitPriceExclTax": 18.50, "TaxPc": 9,
             "Description": "Koffiebonen Arabica (1 kg)"}]"#,
    )
    .unwrap();
    assert_eq!(body["Invoice_InvoiceLine"], lines);
    let raw = got["raw_body"].as_str().unwrap();
    assert!(raw.contains(r#""UnitPriceExclTax":62.50"#), "{raw}");
    assert!(raw.contains(r#""Quantity":2.5"#), "{raw}");
    assert_eq!(got["attachment"]["file_name"], "werkbon 5512.pdf");
    assert_eq!(got["attachment"]["size"], pdf.len());
    let stored = env
        .web
        .get(format!(
            "{}/__sandbox/silvasoft/attachments/{}",
            env.sandbox.base_url(),
            r.remote_id
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored.as_ref(), pdf.as_slice());
    assert_eq!(dec_of(&got["amounts"]["incl"]), dec("249.56"));
    assert_eq!(
        env.posts().await[0]["path"],
        "/silvasoft/rest/addsalesinvoice/"
    );
}

#[tokio::test]
async fn what_silvasoft_would_refuse_is_refused_before_sending() {
    let env = start().await;
    let book = env.client(SilvasoftModule::Bookkeeping);
    let caps = book.capabilities();
    let line = || row("Werk", "1", "10", "21");
    let base = |lines: Vec<DraftLine>| draft(&caps, date(2025, 5, 16), demo_bedrijf(), lines);

    // 75 lines: accepted by core and by Silvasoft.
    let d75 = base((0..75).map(|_| line()).collect());
    let r = book.submit(&outgoing(&caps, &d75)).await.unwrap();
    assert_eq!(r.total_gross, Some(dec("750")));
    assert_eq!(env.invoices().await.len(), 1);

    // Each of these is caught by core's validation with the client's capabilities, and by the
    // client itself should an invoice get past it.
    let field_of = |e: &Error| {
        e.field
            .clone()
            .or_else(|| e.fields.first().map(|f| f.field.clone()))
    };
    let mut cases: Vec<(Draft, &str)> = Vec::new();
    cases.push((base((0..76).map(|_| line()).collect()), "lines"));
    cases.push((base(Vec::new()), "lines"));
    let mut bad_url = base(vec![line()]);
    bad_url.extra.insert(
        "invoice_file_url".into(),
        "https://files.example.nl/bon.exe".into(),
    );
    cases.push((bad_url, "extra.invoice_file_url"));
    cases.push((base(vec![row("Werk", "1", "10", "6")]), "lines[0].vat_code"));
    for (d, field) in &cases {
        let e = to_outgoing(d, &caps).unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(
            e.fields.iter().any(|f| f.field == *field),
            "{field}: {:?}",
            e.fields
        );
    }
    // Past core (a draft validated with other capabilities): the client refuses on its own.
    let mut inv = outgoing(&caps, &base(vec![line()]));
    inv.lines = (0..76).map(|_| inv.lines[0].clone()).collect();
    let e = book.submit(&inv).await.unwrap_err();
    assert_eq!(
        (e.code, field_of(&e).as_deref()),
        (ErrorCode::Validation, Some("lines"))
    );
    let mut inv = outgoing(&caps, &base(vec![line()]));
    inv.lines.clear();
    assert_eq!(
        book.submit(&inv).await.unwrap_err().code,
        ErrorCode::Validation
    );
    let mut inv = outgoing(&caps, &base(vec![line()]));
    inv.extra
        .insert("invoice_file_url".into(), "https://x.nl/bon.exe".into());
    let e = book.submit(&inv).await.unwrap_err();
    assert_eq!(field_of(&e).as_deref(), Some("extra.invoice_file_url"));
    let mut inv = outgoing(&caps, &base(vec![line()]));
    inv.lines[0].vat_code = "6".into();
    inv.lines[0].vat_percent = dec("6");
    let e = book.submit(&inv).await.unwrap_err();
    assert_eq!(field_of(&e).as_deref(), Some("lines[0].vat_code"));

    // Invoicing: a reference longer than 150 characters.
    let inv_client = env.client(SilvasoftModule::Invoicing);
    let icaps = inv_client.capabilities();
    let labour = product("ARB-UUR", "Arbeid", "21");
    let mut d = draft(
        &icaps,
        date(2025, 5, 16),
        demo_bedrijf(),
        vec![product_row(&labour, "1", "62,50")],
    );
    // The limit is declared with the header, so core refuses it while the clerk types …
    d.reference = "R".repeat(151);
    let e = to_outgoing(&d, &icaps).unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.fields[0].field, "reference");
    // … and the client refuses it on its own should an invoice get past core.
    d.reference = "R".into();
    let mut inv = outgoing(&icaps, &d);
    inv.reference = "R".repeat(151);
    let e = inv_client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.field.as_deref(), Some("reference"));
    assert!(e.message.en.contains("nothing was sent"));

    // Only the 75-line invoice reached Silvasoft.
    assert_eq!(env.posts().await.len(), 1);
    assert_eq!(env.invoices().await.len(), 1);
}

#[tokio::test]
async fn an_empty_object_is_uncertain_and_looked_up_before_it_is_sent_again() {
    let env = start().await;
    let client = env.client(SilvasoftModule::Bookkeeping);
    let caps = client.capabilities();
    let d = draft(
        &caps,
        date(2025, 5, 16),
        demo_bedrijf(),
        vec![row("Werk", "1", "10", "21")],
    );
    let inv = outgoing(&caps, &d);
    env.post(
        "/__sandbox/silvasoft/faults",
        json!({"empty_object_next": 1}),
    )
    .await;
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Uncertain);
    assert!(env.invoices().await.is_empty());
    // Through core: the empty answer is looked up (not there), then sent once more.
    env.post(
        "/__sandbox/silvasoft/faults",
        json!({"empty_object_next": 1}),
    )
    .await;
    let store = Store::open_in_memory().unwrap();
    store.save_draft(&d).unwrap();
    let out = submit_draft(&store, &client, &caps, d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Sent(_)), "{out:?}");
    assert_eq!(env.invoices().await.len(), 1);
    let log = env.log().await;
    let kinds: Vec<&str> = log.iter().map(|e| e["method"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["POST", "POST", "GET", "POST"],
        "look-up before the resend"
    );
}

#[tokio::test]
async fn refusals_land_on_their_fields_and_a_500_to_the_post_is_uncertain() {
    let env = start().await;
    let client = env.client(SilvasoftModule::Bookkeeping);
    let caps = client.capabilities();
    let mut ledger = row("Materiaal", "1", "20", "21");
    ledger
        .extra
        .insert("ledger_account_number".into(), "9999".into());
    // A blank row between the two: core leaves it out, so the refused line is outgoing line 1.
    let d = draft(
        &caps,
        date(2025, 5, 16),
        demo_bedrijf(),
        vec![row("Werk", "1", "10", "21"), DraftLine::default(), ledger],
    );
    let inv = outgoing(&caps, &d);
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused);
    assert_eq!(e.field.as_deref(), Some("lines[1].ledger_account_number"));
    assert!(
        e.detail.as_deref().unwrap().contains("9999"),
        "{:?}",
        e.detail
    );
    // Core maps it to the draft's row.
    assert_eq!(
        invoice_desk_core::invoice::draft_field(&d, e.field.as_deref().unwrap()),
        "lines[2].ledger_account_number"
    );

    let mut unknown = demo_bedrijf();
    unknown.number = Some("999999".into());
    let mut inv2 = outgoing(
        &caps,
        &draft(
            &caps,
            date(2025, 5, 16),
            unknown,
            vec![row("Werk", "1", "10", "21")],
        ),
    );
    let e = client.submit(&inv2).await.unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::Refused, Some("relation"))
    );

    // A number that is taken lands on the number field.
    let ok = outgoing(
        &caps,
        &draft(
            &caps,
            date(2025, 5, 16),
            demo_bedrijf(),
            vec![row("Werk", "1", "10", "21")],
        ),
    );
    let first = client.submit(&ok).await.unwrap();
    inv2.relation = demo_bedrijf();
    inv2.extra
        .insert("invoice_number".into(), first.remote_id.clone());
    let e = client.submit(&inv2).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("extra.invoice_number"));

    env.faults(json!({"fail_next": 1, "status": 500})).await;
    let e = client.submit(&ok).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Uncertain);
    assert_eq!(env.invoices().await.len(), 1);
}

#[tokio::test]
async fn a_total_other_than_the_preview_is_a_warning() {
    let env = start().await;
    let client = env.client(SilvasoftModule::Invoicing);
    let caps = client.capabilities();
    let coffee = product("KOF-1KG", "Koffiebonen", "9");
    // Three lines of 0.05 at 9 %: VAT over the rate's total 0.15 × 9 % = 0.01, as the invoicing
    // module computes it: preview and answer agree, no warning.
    let d = draft(
        &caps,
        date(2025, 5, 16),
        demo_bedrijf(),
        (0..3).map(|_| product_row(&coffee, "1", "0,05")).collect(),
    );
    let inv = outgoing(&caps, &d);
    assert_eq!(inv.totals.gross, dec("0.16"));
    let r = client.submit(&inv).await.unwrap();
    assert_eq!(r.total_gross, Some(dec("0.16")));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    // An invoice discount is applied by Silvasoft, not in the preview: the difference is
    // reported with both amounts, never swallowed.
    let mut d2 = draft(
        &caps,
        date(2025, 5, 16),
        demo_bedrijf(),
        vec![product_row(&coffee, "10", "9")],
    );
    d2.extra.insert("invoice_discount_pc".into(), "10".into());
    let inv2 = outgoing(&caps, &d2);
    assert_eq!(inv2.totals.gross, dec("98.10"));
    let r2 = client.submit(&inv2).await.unwrap();
    assert_ne!(r2.total_gross, Some(dec("98.10")));
    assert_eq!(r2.warnings.len(), 1, "{:?}", r2.warnings);
    assert!(r2.warnings[0].en.contains("98.10"), "{:?}", r2.warnings[0]);
    assert!(r2.warnings[0].nl.contains("98,10"), "{:?}", r2.warnings[0]);
}

// ---- lost answers ---------------------------------------------------------------------------

#[tokio::test]
async fn a_lost_answer_with_an_app_number_is_found_by_core_and_not_sent_twice() {
    let env = start().await;
    let client = SilvasoftClient::new(SilvasoftConfig {
        first_invoice_number: Some(2026001),
        ..env.config(SilvasoftModule::Bookkeeping)
    })
    .unwrap();
    let caps = client.capabilities();
    let store = Store::open_in_memory().unwrap();
    let d = draft(
        &caps,
        date(2025, 6, 2),
        demo_bedrijf(),
        vec![row("Werk", "2", "60,50", "21")],
    );
    store.save_draft(&d).unwrap();
    env.faults(json!({"drop_after_store": 1})).await;
    let out = submit_draft(&store, &client, &caps, d.id, fast(), &noop)
        .await
        .unwrap();
    let Outcome::Sent(r) = out else {
        panic!("not sent: {out:?}")
    };
    assert_eq!(r.remote_id, "2026001");
    let entry = store.outbox_entry(d.id).unwrap().unwrap();
    assert_eq!(entry.state, SubmissionState::Sent);
    assert_eq!(entry.number.as_deref(), Some("2026001"));
    let received = env.invoices().await;
    assert_eq!(received.len(), 1, "exactly one invoice");
    assert_eq!(received[0]["invoice_number"], 2026001);
    let log = env.log().await;
    assert_eq!(log.iter().filter(|e| e["method"] == "POST").count(), 1);
    let lookup = log.iter().find(|e| e["method"] == "GET").unwrap();
    assert_eq!(lookup["path"], "/silvasoft/rest/listsalesinvoices/");
    assert!(lookup["query"]
        .as_str()
        .unwrap()
        .contains("InvoiceNumber=2026001"));

    // A resend of the same invoice (same identity) is refused as a duplicate number, which
    // the client recognises as its own earlier attempt.
    let again = client
        .submit(entry.payload.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(again.remote_id, "2026001");
    assert_eq!(env.invoices().await.len(), 1);
    // An invoice that was never sent is not found.
    let mut never = entry.payload.clone().unwrap();
    never
        .extra
        .insert("invoice_number".into(), "2026999".into());
    assert_eq!(client.lookup(&never).await.unwrap(), Lookup::NotFound);
}

#[tokio::test]
async fn a_lost_answer_without_a_number_is_found_by_date_customer_total_and_notes() {
    let env = start().await;
    let client = env.client(SilvasoftModule::Bookkeeping);
    let caps = client.capabilities();
    let day = date(2026, 2, 17);
    let make = |price: &str, notes: &str| {
        let mut d = draft(
            &caps,
            day,
            demo_bedrijf(),
            vec![row("Werk", "1", price, "21")],
        );
        if !notes.is_empty() {
            d.extra.insert("invoice_notes".into(), notes.into());
        }
        outgoing(&caps, &d)
    };
    // Other invoices that day: another amount, and the same amount with other notes.
    let other = env.client(SilvasoftModule::Bookkeeping);
    other.submit(&make("100", "Week 7")).await.unwrap();
    other.submit(&make("242", "Week 6")).await.unwrap();

    let ours = make("242", "Week 7");
    env.faults(json!({"drop_after_store": 1})).await;
    let e = client.submit(&ours).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Uncertain);
    let stored = env.invoices().await;
    assert_eq!(stored.len(), 3);
    let Lookup::Found(r) = client.lookup(&ours).await.unwrap() else {
        panic!("not found")
    };
    let ours_stored = stored
        .iter()
        .find(|i| {
            i["body"]["InvoiceNotes"] == "Week 7" && dec_of(&i["amounts"]["incl"]) == dec("242")
        })
        .unwrap();
    assert_eq!(r.remote_id, ours_stored["invoice_number"].to_string());
    assert_eq!(r.total_gross, Some(dec("242")));
    let query = env
        .log()
        .await
        .iter()
        .rev()
        .find(|e| e["method"] == "GET")
        .unwrap()["query"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        query.contains("DateFrom=17-02-2026") && query.contains("DateTill=17-02-2026"),
        "{query}"
    );

    // Never sent: not found.
    assert_eq!(
        client.lookup(&make("243", "Week 7")).await.unwrap(),
        Lookup::NotFound
    );
    // Two identical invoices from elsewhere: the client cannot tell which would be ours.
    other.submit(&make("50", "Dubbel")).await.unwrap();
    other.submit(&make("50", "Dubbel")).await.unwrap();
    assert_eq!(
        client.lookup(&make("50", "Dubbel")).await.unwrap(),
        Lookup::CannotTell
    );
    // Invoices the app already holds as sent are never taken for a lost one.
    let dubbel: Vec<String> = env
        .invoices()
        .await
        .iter()
        .filter(|i| i["body"]["InvoiceNotes"] == "Dubbel")
        .map(|i| i["invoice_number"].to_string())
        .collect();
    client.remember_invoice_numbers(&dubbel[..1]);
    assert!(matches!(
        client.lookup(&make("50", "Dubbel")).await.unwrap(),
        Lookup::Found(_)
    ));
    client.remember_invoice_numbers(&dubbel);
    assert_eq!(
        client.lookup(&make("50", "Dubbel")).await.unwrap(),
        Lookup::NotFound
    );
}

// ---- secrets ----------------------------------------------------------------------------------

#[derive(Clone, Default)]
struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neither_key_nor_username_is_logged_at_trace() {
    const LOG_USER: &str = "boekhouding.logtest@invoicedesk.nl";
    const LOG_KEY: &str = "sk-silvasoft-7f3e9c2a5b1d";
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let env = start_with(|c| {
        c.silvasoft.username = LOG_USER.into();
        c.silvasoft.api_key = LOG_KEY.into();
    })
    .await;
    let config = SilvasoftConfig {
        username: LOG_USER.into(),
        api_key: Secret::new(LOG_KEY),
        ..env.config(SilvasoftModule::Bookkeeping)
    };
    let client = SilvasoftClient::new(config.clone())
        .unwrap()
        .with_page_size(100);
    client.test_connection().await.unwrap();
    client.sync_relations("", None).await.unwrap();
    let caps = client.capabilities();
    let inv = outgoing(
        &caps,
        &draft(
            &caps,
            date(2025, 5, 16),
            demo_bedrijf(),
            vec![row("Werk", "1", "10", "21")],
        ),
    );
    client.submit(&inv).await.unwrap();
    env.faults(json!({"drop_after_store": 1})).await;
    let mut again = inv.clone();
    again.identity = uuid::Uuid::new_v4();
    assert_eq!(
        client.submit(&again).await.unwrap_err().code,
        ErrorCode::Uncertain
    );
    client.lookup(&again).await.unwrap();
    let wrong = SilvasoftClient::new(SilvasoftConfig {
        api_key: Secret::new(format!("{LOG_KEY}-wrong")),
        ..config
    })
    .unwrap();
    let e = wrong.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthFailed);
    let text = format!("{e:?} {e} {client:?} {wrong:?}");
    assert!(!text.contains(LOG_KEY), "{text}");

    let logged = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("silvasoft"), "something was logged");
    assert!(!logged.contains(LOG_KEY), "the API key was logged");
    assert!(!logged.contains(LOG_USER), "the username was logged");
    assert!(
        !logged.to_ascii_lowercase().contains("apikey:"),
        "a header was logged"
    );
}

// ---- a create that may have happened is never sent again blind ------------------------------

#[tokio::test]
async fn a_502_after_the_store_with_silvasofts_own_numbering_gives_one_invoice() {
    let env = start().await;
    for module in [SilvasoftModule::Bookkeeping, SilvasoftModule::Invoicing] {
        let client = env.client(module);
        let caps = client.capabilities();
        assert_eq!(caps.app_numbering, None, "Silvasoft numbers");
        let lines = match module {
            SilvasoftModule::Bookkeeping => vec![row("Werk", "2", "60,50", "21")],
            SilvasoftModule::Invoicing => {
                vec![product_row(
                    &product("KOF-1KG", "Koffiebonen", "9"),
                    "3",
                    "9",
                )]
            }
        };
        let d = draft(&caps, date(2025, 6, 3), demo_bedrijf(), lines);
        let store = Store::open_in_memory().unwrap();
        store.save_draft(&d).unwrap();
        let before = env.invoices().await.len();
        env.faults(json!({"fail_after_store": 1, "after_store_status": 502}))
            .await;
        let out = submit_draft(&store, &client, &caps, d.id, fast(), &noop)
            .await
            .unwrap();
        let Outcome::Sent(r) = out else {
            panic!("{module:?}: not sent: {out:?}")
        };
        let received = env.invoices().await;
        assert_eq!(
            received.len(),
            before + 1,
            "{module:?}: exactly one invoice"
        );
        assert_eq!(
            received.last().unwrap()["invoice_number"].to_string(),
            r.remote_id,
            "{module:?}"
        );
    }
    let posts = env.posts().await;
    assert_eq!(posts.len(), 2, "one POST per invoice, no resend");
}

#[tokio::test]
async fn a_stored_invoice_answered_with_500_502_or_504_under_an_app_number_is_sent_once() {
    let env = start().await;
    let client = SilvasoftClient::new(SilvasoftConfig {
        first_invoice_number: Some(2026001),
        ..env.config(SilvasoftModule::Bookkeeping)
    })
    .unwrap();
    let caps = client.capabilities();
    let store = Store::open_in_memory().unwrap();
    for (i, status) in [500, 502, 504].into_iter().enumerate() {
        let d = draft(
            &caps,
            date(2025, 6, 2),
            demo_bedrijf(),
            vec![row("Werk", "1", &format!("{}", 10 + i), "21")],
        );
        store.save_draft(&d).unwrap();
        env.faults(json!({"fail_after_store": 1, "after_store_status": status}))
            .await;
        let out = submit_draft(&store, &client, &caps, d.id, fast(), &noop)
            .await
            .unwrap();
        let Outcome::Sent(r) = out else {
            panic!("{status}: not sent: {out:?}")
        };
        assert_eq!(r.remote_id, format!("{}", 2026001 + i as u64), "{status}");
        assert_eq!(env.invoices().await.len(), i + 1, "{status}");
    }
    assert_eq!(env.posts().await.len(), 3);
}

/// An outgoing invoice as core hands it over with an app-assigned number.
fn app_numbered(caps: &Capabilities, d: &Draft, number: u64) -> OutgoingInvoice {
    let mut inv = outgoing(caps, d);
    inv.extra
        .insert("invoice_number".into(), number.to_string());
    inv.extra.insert(
        invoice_desk_core::submit::APP_ASSIGNED_NUMBER.into(),
        "true".into(),
    );
    inv
}

#[tokio::test]
async fn number_already_exists_after_a_restart_is_resolved_to_sent_by_looking_it_up() {
    let env = start().await;
    let config = SilvasoftConfig {
        first_invoice_number: Some(2026001),
        ..env.config(SilvasoftModule::Bookkeeping)
    };
    let before_restart = SilvasoftClient::new(config.clone()).unwrap();
    let caps = before_restart.capabilities();
    let d = draft(
        &caps,
        date(2025, 6, 2),
        demo_bedrijf(),
        vec![row("Werk", "2", "60,50", "21")],
    );
    let inv = app_numbered(&caps, &d, 2026001);
    env.faults(json!({"fail_after_store": 1, "after_store_status": 504}))
        .await;
    let e = before_restart.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Uncertain);
    assert_eq!(env.invoices().await.len(), 1, "stored before the 504");
    drop(before_restart);

    // After a restart: a new client that remembers nothing, sending the same invoice again.
    let after_restart = SilvasoftClient::new(config).unwrap();
    let r = after_restart.submit(&inv).await.unwrap();
    assert_eq!(r.remote_id, "2026001");
    assert_eq!(r.number.as_deref(), Some("2026001"));
    assert_eq!(env.invoices().await.len(), 1, "still one invoice");
    let log = env.log().await;
    let last = log.last().unwrap();
    assert_eq!(last["method"], "GET", "the number was looked up");
    assert!(last["query"]
        .as_str()
        .unwrap()
        .contains("InvoiceNumber=2026001"));
}

#[tokio::test]
async fn another_invoice_under_the_app_number_is_a_refusal_that_says_so() {
    let env = start().await;
    let client = SilvasoftClient::new(SilvasoftConfig {
        first_invoice_number: Some(2026001),
        ..env.config(SilvasoftModule::Bookkeeping)
    })
    .unwrap();
    let caps = client.capabilities();
    // Someone else's invoice holds 2026001 (typed in Silvasoft, another amount).
    let theirs = draft(
        &caps,
        date(2025, 6, 2),
        demo_bedrijf(),
        vec![row("Ander werk", "1", "99", "21")],
    );
    let mut other = outgoing(&caps, &theirs);
    other
        .extra
        .insert("invoice_number".into(), "2026001".into());
    client.submit(&other).await.unwrap();

    let ours = draft(
        &caps,
        date(2025, 6, 2),
        demo_bedrijf(),
        vec![row("Werk", "2", "60,50", "21")],
    );
    let e = client
        .submit(&app_numbered(&caps, &ours, 2026001))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused);
    assert!(
        e.message.en.contains("already belongs to another invoice"),
        "{}",
        e.message.en
    );
    assert!(e.message.en.contains("€ 99.00"), "{}", e.message.en);
    assert!(e.message.nl.contains("€ 99,00"), "{}", e.message.nl);
    assert_eq!(env.invoices().await.len(), 1, "nothing sent under it");

    // The same invoice on another date is another invoice too.
    let later = draft(
        &caps,
        date(2025, 6, 9),
        demo_bedrijf(),
        vec![row("Ander werk", "1", "99", "21")],
    );
    let e = client
        .submit(&app_numbered(&caps, &later, 2026001))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused, "{e:?}");
}

#[tokio::test]
async fn a_refusal_in_other_words_is_checked_against_the_app_number_as_well() {
    // Silvasoft's words for "number taken" are not documented: a refusal that does not say so
    // is still resolved by the number when the app assigned it, and one that holds nothing
    // under it stays the refusal it is.
    let env = start().await;
    let client = SilvasoftClient::new(SilvasoftConfig {
        first_invoice_number: Some(2026001),
        ..env.config(SilvasoftModule::Bookkeeping)
    })
    .unwrap();
    let caps = client.capabilities();
    let d = draft(
        &caps,
        date(2025, 6, 2),
        demo_bedrijf(),
        vec![row("Werk", "2", "60,50", "21")],
    );
    let inv = app_numbered(&caps, &d, 2026001);
    client.submit(&inv).await.unwrap();
    // The same invoice again, now refused for its unknown customer: not a duplicate text.
    let mut unknown = inv.clone();
    unknown.relation.number = Some("999999".into());
    let e = client.submit(&unknown).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused);
    assert_eq!(e.field.as_deref(), Some("relation"), "{e:?}");
    // A refusal of a content problem under a free number is the refusal as it is.
    let free = app_numbered(&caps, &d, 2026002);
    let mut bad = free.clone();
    bad.relation.number = Some("999999".into());
    let e = client.submit(&bad).await.unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::Refused, Some("relation"))
    );
    assert_eq!(env.invoices().await.len(), 1);
}

// ---- History: Silvasoft's own invoices --------------------------------------------------------

/// Every page of the invoice list for `query`, to the end.
async fn invoice_pages(
    client: &SilvasoftClient,
    query: &invoice_desk_core::reader::InvoiceQuery,
) -> Vec<invoice_desk_core::reader::InvoicePage> {
    use invoice_desk_core::backend::InvoiceReader;
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let page = client
            .list_invoices(query, cursor.as_deref())
            .await
            .expect("a page of invoices");
        cursor = page.cursor.clone();
        let done = page.done;
        pages.push(page);
        if done {
            return pages;
        }
    }
    panic!("the invoice list does not end");
}

#[tokio::test]
async fn silvasofts_invoices_page_to_the_end_newest_number_first_and_paid_or_open() {
    use invoice_desk_core::reader::{InvoiceQuery, InvoiceState};
    let env = start().await;
    let client = env.client(SilvasoftModule::Invoicing).with_page_size(4);
    assert!(
        client.reader().is_some(),
        "Silvasoft reads its invoices back"
    );
    let pages = invoice_pages(&client, &InvoiceQuery::default()).await;
    // Ten older invoices, numbers 1001 to 1010: pages of 4, 4 and 2.
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        vec![4, 4, 2]
    );
    let items: Vec<_> = pages.into_iter().flat_map(|p| p.items).collect();
    let numbers: Vec<u64> = items.iter().map(|s| s.id.parse().unwrap()).collect();
    assert_eq!(numbers, (1001..=1010).rev().collect::<Vec<u64>>());
    for s in &items {
        assert_eq!(s.number.as_deref(), Some(s.id.as_str()));
        assert_eq!(s.total_excl + s.total_vat, s.total_incl, "{s:?}");
        assert!(!s.customer.is_empty());
        assert!(s.due_date.is_some_and(|d| d >= s.date));
        // The three newest are still open, the rest paid.
        let (want, words) = if s.id.as_str() >= "1008" {
            (InvoiceState::Open, "Open")
        } else {
            (InvoiceState::Paid, "Paid")
        };
        assert_eq!(s.state, want, "{s:?}");
        assert_eq!(s.state_text.as_ref().unwrap().en, words);
    }
    // Each page asked with the documented Limit and Offset.
    let gets: Vec<String> = env
        .log()
        .await
        .iter()
        .filter(|e| {
            e["path"]
                .as_str()
                .unwrap_or("")
                .contains("listsalesinvoices")
        })
        .map(|e| e["query"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        gets,
        vec!["Limit=4&Offset=0", "Limit=4&Offset=4", "Limit=4&Offset=8"]
    );
}

#[tokio::test]
async fn a_date_range_is_asked_of_silvasoft_in_its_own_date_format() {
    use invoice_desk_core::reader::InvoiceQuery;
    let env = start().await;
    let client = env.client(SilvasoftModule::Bookkeeping);
    // The older invoices are dated 1 September 2025 and every 9 days after.
    let query = InvoiceQuery {
        from: Some(date(2025, 9, 10)),
        to: Some(date(2025, 9, 28)),
        ..Default::default()
    };
    let items: Vec<_> = invoice_pages(&client, &query)
        .await
        .into_iter()
        .flat_map(|p| p.items)
        .collect();
    assert_eq!(
        items.iter().map(|s| s.date).collect::<Vec<_>>(),
        vec![date(2025, 9, 28), date(2025, 9, 19), date(2025, 9, 10)]
    );
    let q = env
        .log()
        .await
        .iter()
        .rev()
        .find(|e| {
            e["path"]
                .as_str()
                .unwrap_or("")
                .contains("listsalesinvoices")
        })
        .map(|e| e["query"].as_str().unwrap_or("").to_string())
        .unwrap();
    assert!(
        q.contains("DateFrom=10-09-2025") && q.contains("DateTill=28-09-2025"),
        "{q}"
    );
}

#[tokio::test]
async fn an_opened_invoice_has_its_lines_vat_per_rate_notes_and_its_customers_relation() {
    use invoice_desk_core::backend::InvoiceReader;
    use invoice_desk_core::reader::TextFormat;
    let env = start().await;
    let client = env.client(SilvasoftModule::Invoicing);
    // 1003 is an invoicing-module invoice with products.
    let d = client.invoice("1003").await.unwrap();
    assert_eq!(d.summary.number.as_deref(), Some("1003"));
    assert!(!d.lines.is_empty());
    let lines_excl: Decimal = d.lines.iter().map(|l| l.amount_excl).sum();
    assert_eq!(lines_excl, d.summary.total_excl);
    for l in &d.lines {
        assert!(l.product_id.is_some(), "{l:?}");
        assert!(l.vat_percent.is_some());
        assert_eq!(l.quantity * l.unit_price, l.amount_excl, "{l:?}");
    }
    let vat: Decimal = d.vat.iter().map(|v| v.amount).sum();
    assert_eq!(vat, d.summary.total_vat);
    let base: Decimal = d.vat.iter().map(|v| v.base).sum();
    assert_eq!(base, d.summary.total_excl);
    assert!(!d.address.is_empty());
    // The customer's relation id is the RelationGUID the relations cache keeps.
    let guid = d
        .summary
        .customer_id
        .clone()
        .expect("the customer's relation");
    let mut relations = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = client.sync_relations("", cursor.as_deref()).await.unwrap();
        relations.extend(page.items);
        if page.done {
            break;
        }
        cursor = Some(page.cursor);
    }
    let rel = relations
        .iter()
        .find(|r| r.id == guid)
        .expect("in the cache");
    assert_eq!(rel.name, d.summary.customer);
    // The notes are its text.
    assert_eq!(d.texts.len(), 1);
    let t = client.text("1003", &d.texts[0].which).await.unwrap();
    assert_eq!(t.format, TextFormat::Plain);
    assert!(t.content.starts_with("Factuur "), "{t:?}");
    // Asked with lines, in the documentation's spelling too.
    let q = env
        .log()
        .await
        .iter()
        .find(|e| {
            e["path"]
                .as_str()
                .unwrap_or("")
                .contains("listsalesinvoices")
        })
        .map(|e| e["query"].as_str().unwrap_or("").to_string())
        .unwrap();
    assert!(
        q.contains("InvoiceNumber=1003") && q.contains("InlcudeInvoiceLinesInResponse=true"),
        "{q}"
    );
}

#[tokio::test]
async fn an_invoice_silvasoft_does_not_hold_is_not_found() {
    use invoice_desk_core::backend::InvoiceReader;
    let env = start().await;
    let client = env.client(SilvasoftModule::Bookkeeping);
    assert_eq!(
        client.invoice("99999").await.unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(
        client.invoice("abc").await.unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(
        client.text("1001", "header").await.unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn silvasofts_rate_limit_on_the_invoice_list_is_rate_limited() {
    use invoice_desk_core::backend::InvoiceReader;
    use invoice_desk_core::reader::InvoiceQuery;
    let env = start().await;
    let client = env.client(SilvasoftModule::Bookkeeping);
    env.faults(json!({"rate_limit_next": 1})).await;
    let e = client
        .list_invoices(&InvoiceQuery::default(), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::RateLimited);
}
