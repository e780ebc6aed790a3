//! The Visma Bouwsoft connector against the stand-in over real HTTP: the sign-in and the data
//! server it names, paging to the end of 3,000+ invoices with sort and filter, renewal before
//! ValidUntil and once on a 401, each documented status code with its own message, the odd
//! values, one invoice with its VAT slots and texts, the demo connection.

use chrono::NaiveDate;
use invoice_desk_backends::bouwsoft::connector::{
    CLIENT_NR, DEMO_CLIENT_NR, DEMO_REFRESH_TOKEN, REFRESH_TOKEN,
};
use invoice_desk_backends::bouwsoft::{PAGE_SIZE, SYSTEM};
use invoice_desk_backends::registry;
use invoice_desk_backends::{BouwsoftClient, BouwsoftConfig, Secret};
use invoice_desk_core::backend::{Backend, InvoiceReader};
use invoice_desk_core::error::ErrorCode;
use invoice_desk_core::reader::{
    InvoiceColumn, InvoiceQuery, InvoiceSort, InvoiceSummary, TextFormat,
};
use invoice_desk_core::store::ConnectionRecord;
use invoice_desk_sandbox::{BouwsoftConfig as StandIn, Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::collections::HashSet;

struct Env {
    sb: Sandbox,
    web: reqwest::Client,
}

async fn start_with(f: impl FnOnce(&mut StandIn)) -> Env {
    let mut cfg = SandboxConfig {
        seed: 3,
        ..SandboxConfig::default()
    };
    cfg.afas.persons = 10;
    cfg.afas.organisations = 10;
    cfg.afas.products = 5;
    f(&mut cfg.bouwsoft);
    let sb = Sandbox::start("127.0.0.1:0".parse().expect("an address"), cfg)
        .await
        .expect("the sandbox starts");
    Env {
        sb,
        web: reqwest::Client::new(),
    }
}

async fn start() -> Env {
    start_with(|_| {}).await
}

impl Env {
    fn client_with(&self, refresh: &str) -> BouwsoftClient {
        BouwsoftClient::new(BouwsoftConfig {
            auth_url: self.sb.bouwsoft_base_url(),
            client_nr: DEMO_CLIENT_NR.into(),
            refresh_token: Secret::new(refresh),
        })
        .expect("a client")
    }

    fn client(&self) -> BouwsoftClient {
        self.client_with(DEMO_REFRESH_TOKEN)
    }

    async fn hook(&self, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/__sandbox/bouwsoft/{path}", self.sb.base_url());
        let rb = match body {
            Some(b) => self.web.post(url).json(&b),
            None => self.web.get(url),
        };
        rb.send()
            .await
            .expect("a hook answer")
            .json()
            .await
            .expect("json")
    }

    async fn tokens_issued(&self) -> u64 {
        self.hook("stats", None).await["tokens_issued"]
            .as_u64()
            .expect("a count")
    }
}

async fn all(c: &BouwsoftClient, q: &InvoiceQuery) -> (Vec<InvoiceSummary>, usize) {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = c.list_invoices(q, cursor.as_deref()).await.expect("a page");
        pages += 1;
        out.extend(page.items);
        if page.done {
            break;
        }
        cursor = page.cursor;
        assert!(pages < 100, "the list ends");
    }
    (out, pages)
}

#[tokio::test]
async fn the_list_pages_to_the_end_of_more_than_three_thousand_invoices() {
    let env = start().await;
    let c = env.client();
    let (items, pages) = all(&c, &InvoiceQuery::default()).await;
    let total = env.hook("stats", None).await["invoices"]
        .as_u64()
        .expect("a count") as usize;
    assert!(total >= 3000);
    assert_eq!(
        items.len(),
        total,
        "every invoice, each with a readable date"
    );
    assert_eq!(pages, total.div_ceil(PAGE_SIZE as usize));
    let ids: HashSet<_> = items.iter().map(|i| i.id.clone()).collect();
    assert_eq!(ids.len(), total, "no invoice twice");
    assert_eq!(env.tokens_issued().await, 1, "one token for the whole list");
}

#[tokio::test]
async fn the_list_is_sorted_and_searched_by_bouwsoft() {
    let env = start().await;
    let c = env.client();
    let q = InvoiceQuery {
        from: NaiveDate::from_ymd_opt(2022, 1, 1),
        to: NaiveDate::from_ymd_opt(2022, 12, 31),
        sort: Some(InvoiceSort {
            column: InvoiceColumn::TotalIncl,
            descending: true,
        }),
        ..InvoiceQuery::default()
    };
    let (items, _) = all(&c, &q).await;
    assert!(items.len() > 100);
    assert!(items
        .iter()
        .all(|i| i.date.format("%Y").to_string() == "2022"));
    assert!(items.windows(2).all(|w| w[0].total_incl >= w[1].total_incl));

    let one = &items[0];
    let q = InvoiceQuery {
        text: one.number.clone(),
        ..InvoiceQuery::default()
    };
    let (found, _) = all(&c, &q).await;
    assert!(found.iter().any(|i| i.id == one.id));
    let q = InvoiceQuery {
        customer: one.customer_id.clone(),
        ..InvoiceQuery::default()
    };
    let (found, _) = all(&c, &q).await;
    assert!(!found.is_empty() && found.iter().all(|i| i.customer == one.customer));
    let q = InvoiceQuery {
        text: Some("badkamer".into()),
        ..InvoiceQuery::default()
    };
    let (found, _) = all(&c, &q).await;
    assert!(!found.is_empty());
    assert!(found.iter().all(|i| i
        .project
        .as_deref()
        .is_some_and(|p| p.to_lowercase().contains("badkamer"))
        || i.customer.to_lowercase().contains("badkamer")));
}

#[tokio::test]
async fn the_token_is_renewed_before_valid_until() {
    let env = start_with(|c| c.valid_until_secs = Some(0)).await;
    let c = env.client();
    for _ in 0..3 {
        c.invoice("25").await.expect("an invoice");
    }
    assert_eq!(
        env.tokens_issued().await,
        3,
        "a token at its end is not used again"
    );

    let env = start().await;
    let c = env.client();
    for _ in 0..3 {
        c.invoice("25").await.expect("an invoice");
    }
    assert_eq!(env.tokens_issued().await, 1, "a valid token is used again");
}

#[tokio::test]
async fn the_token_is_renewed_once_on_a_401() {
    let env = start().await;
    let c = env.client();
    c.invoice("25").await.expect("an invoice");
    let v = env
        .hook("faults", Some(json!({"expire_tokens": true})))
        .await;
    assert_eq!(v["tokens_expired"], 1);
    c.invoice("26").await.expect("an invoice after renewal");
    assert_eq!(env.tokens_issued().await, 2);

    env.hook(
        "faults",
        Some(json!({"fail_next": 2, "status": 401, "path_contains": "SalesInvoices"})),
    )
    .await;
    let e = c.invoice("27").await.expect_err("refused twice");
    assert_eq!(e.code, ErrorCode::AuthFailed);
    assert!(
        e.message.en.contains("even with a new access token"),
        "{}",
        e.message.en
    );
    assert_eq!(env.tokens_issued().await, 3, "renewed once, not more");
}

#[tokio::test]
async fn each_status_code_has_its_own_message() {
    let env = start().await;
    let c = env.client();
    let mut messages = HashSet::new();

    let e = env
        .client_with("wrong")
        .test_connection()
        .await
        .expect_err("a wrong refresh token");
    assert_eq!(e.code, ErrorCode::AuthFailed);
    assert_eq!(e.field.as_deref(), Some("refresh_token"));
    messages.insert(e.message.en.clone());

    for (status, code) in [
        (400, ErrorCode::Refused),
        (401, ErrorCode::AuthFailed),
        (500, ErrorCode::ServerError),
    ] {
        env.hook(
            "faults",
            Some(json!({"fail_next": 2, "status": status, "path_contains": "SalesInvoices"})),
        )
        .await;
        let e = c
            .list_invoices(&InvoiceQuery::default(), None)
            .await
            .expect_err("a failure");
        assert_eq!(e.code, code, "{status}");
        assert!(
            e.message.en.contains(&format!("HTTP {status}")),
            "{}",
            e.message.en
        );
        assert!(
            messages.insert(e.message.en.clone()),
            "{status}: a message of its own"
        );
        env.web
            .delete(format!("{}/__sandbox/bouwsoft/faults", env.sb.base_url()))
            .send()
            .await
            .expect("reset");
    }
    let e = c.invoice("99999999").await.expect_err("no such invoice");
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(e.message.en.contains("HTTP 404"));
    assert!(messages.insert(e.message.en.clone()));
    let e = c.invoice("abc").await.expect_err("not an id");
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = c.text("25", "footer_html").await.expect_err("no such text");
    assert_eq!(e.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn the_odd_values_are_read_robustly() {
    let env = start().await;
    let c = env.client();
    let (items, _) = all(&c, &InvoiceQuery::default()).await;
    // Every 29th is a credit note whose amounts the stand-in writes with an en dash, unquoted.
    let credit = items
        .iter()
        .find(|i| i.id.parse::<u64>().is_ok_and(|id| id % 29 == 0))
        .expect("a credit note");
    assert!(credit.total_incl.is_sign_negative(), "{credit:?}");
    // Every 11th has "" as its due date.
    let no_due = items
        .iter()
        .find(|i| i.id.parse::<u64>().is_ok_and(|id| id % 11 == 0))
        .expect("an invoice without a due date");
    assert_eq!(no_due.due_date, None);
    // Every 7th has dates with en dashes: read like any other.
    let dashed = items.iter().find(|i| i.id == "28").expect("invoice 28");
    assert!(dashed.due_date.is_some());
    // Long floats rounded to the invoice's decimals (3 on every 13th, else 2).
    for i in &items {
        let dp = if i.id.parse::<u64>().is_ok_and(|id| id % 13 == 0) {
            3
        } else {
            2
        };
        for amount in [i.total_excl, i.total_vat, i.total_incl] {
            assert!(amount.scale() <= dp, "{} {amount}", i.id);
        }
        assert_eq!(i.total_excl + i.total_vat, i.total_incl, "{}", i.id);
    }
    assert!(items.iter().any(|i| !i.flags.is_empty()));
    let d = c.invoice("39").await.expect("an invoice with 3 decimals");
    assert_eq!(d.price_decimals, Some(3));
}

#[tokio::test]
async fn one_invoice_has_its_address_vat_slots_and_texts() {
    let env = start().await;
    let c = env.client();
    let (items, _) = all(&c, &InvoiceQuery::default()).await;
    let mut co_contractor = false;
    for i in items.iter().take(60) {
        let d = c.invoice(&i.id).await.expect("an invoice");
        assert_eq!(d.summary.id, i.id);
        assert!(d.address.len() >= 3, "{:?}", d.address);
        assert!(!d.vat.is_empty());
        let base: rust_decimal::Decimal = d.vat.iter().map(|v| v.base).sum();
        assert_eq!(base, d.summary.total_excl, "{}", i.id);
        for v in &d.vat {
            assert!(v.code.is_some());
            if v.co_contractor {
                co_contractor = true;
                assert!(v.amount.is_zero(), "the customer pays the VAT");
            }
        }
        assert_eq!(d.texts.len(), 2);
    }
    assert!(
        co_contractor,
        "some invoices shift the VAT to the co-contractor"
    );

    let html = c.text("25", "introduction_html").await.expect("html");
    assert_eq!(html.format, TextFormat::Html);
    assert!(
        html.content.contains("<SCRIPT>"),
        "as Bouwsoft keeps it; the app sanitises"
    );
    let rtf = c.text("25", "conclusion_rtf").await.expect("rtf");
    assert_eq!(rtf.format, TextFormat::Rtf);
    assert!(rtf.content.starts_with("{\\rtf1"));
    let plain = c.text("25", "introduction_plain").await.expect("plain");
    assert!(plain.content.starts_with("Geachte"));
}

#[tokio::test]
async fn the_demo_connection_reads_the_stand_in_and_has_no_writer() {
    let env = start().await;
    let connector = registry::get(SYSTEM).expect("bouwsoft in the registry");
    let demo = &connector.demo.connections[0];
    let rec = ConnectionRecord {
        id: demo.id.into(),
        kind: connector.system(),
        name: demo.name.into(),
        base_url: format!("{}{}", env.sb.base_url(), connector.demo.path),
        auth: demo.auth.into(),
        demo: true,
        administration_id: None,
        config: json!({ "settings": { CLIENT_NR: DEMO_CLIENT_NR } }),
        created_at: chrono::DateTime::UNIX_EPOCH,
    };
    assert_eq!(
        connector.demo.secrets().named,
        &[(REFRESH_TOKEN, DEMO_REFRESH_TOKEN)]
    );
    let b = connector
        .build(&rec, &connector.demo.secrets(), None, None)
        .expect("the demo builds");
    assert!(b.writer().is_none());
    assert!(!b.capabilities().creates_invoices);
    let t = b.test_connection().await.expect("connected");
    assert!(
        t.en.contains("read-only") && t.en.contains("3120"),
        "{}",
        t.en
    );
    let page = b
        .reader()
        .expect("a reader")
        .list_invoices(&InvoiceQuery::default(), None)
        .await
        .expect("a page");
    assert_eq!(page.items.len(), PAGE_SIZE as usize);
}
