//! "Start from this invoice": a new draft with the customer and lines of an invoice sent from
//! here or held by the system, against made-up systems.

mod common;

use common::*;
use invoice_desk_core::backend::{
    Administration, Backend, Capabilities, InvoiceDetail, InvoiceLineRead, InvoicePage,
    InvoiceQuery, InvoiceReader, InvoiceState, InvoiceSummary, InvoiceText, InvoiceWriter,
    LookupSource, SyncPage, SystemId, TextFormat,
};
use invoice_desk_core::error::{ErrorCode, Result};
use invoice_desk_core::i18n::{Lang, Text};
use invoice_desk_core::invoice::{Draft, DraftLine};
use invoice_desk_core::start_from;
use invoice_desk_core::store::{ConnectionRecord, Store};
use rust_decimal::Decimal;
use serde_json::json;
use std::sync::Mutex;
use uuid::Uuid;

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

fn store_with(id: &str) -> Store {
    let store = Store::open_in_memory().unwrap();
    store
        .upsert_connection(&ConnectionRecord {
            id: id.into(),
            kind: SystemId::new("afas"),
            name: "Winkel".into(),
            base_url: "http://127.0.0.1:9".into(),
            auth: "api_key".into(),
            demo: true,
            administration_id: Some("adm".into()),
            config: json!({}),
            created_at: chrono::Utc::now(),
        })
        .unwrap();
    store
}

fn cache_customer_and_product(store: &Store) {
    store
        .apply_relations(
            "c1",
            "adm",
            &SyncPage {
                items: vec![relation("r1", "Bakkerij de Vries B.V.")],
                removed: vec![],
                cursor: String::new(),
                done: true,
                full_reload: true,
            },
        )
        .unwrap();
    store
        .apply_products(
            "c1",
            "adm",
            &SyncPage {
                items: vec![product("p1", "Brood", "2.50")],
                removed: vec![],
                cursor: String::new(),
                done: true,
                full_reload: true,
            },
        )
        .unwrap();
}

/// An invoice sent from here: to Bakkerij de Vries, two lines, in the outbox.
fn sent_invoice(store: &Store) -> Draft {
    let mut d = Draft::new(
        "c1",
        &caps(),
        chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
    );
    d.administration_id = Some("adm".into());
    d.relation = Some(relation("r1", "Bakkerij de Vries B.V."));
    d.address_id = Some("addr-7".into());
    d.reference = "November".into();
    d.lines = vec![
        DraftLine {
            product: Some(product("p1", "Brood", "2.50")),
            description: "Brood, dagelijks".into(),
            quantity: "4".into(),
            unit_price: "2,50".into(),
            vat_code: "low".into(),
            extra_description: "week 45".into(),
            ..DraftLine::default()
        },
        DraftLine {
            product: Some(product("p1", "Brood", "2.50")),
            description: "Bezorging".into(),
            quantity: "1,5".into(),
            unit_price: "12.125".into(),
            vat_code: "high".into(),
            ..DraftLine::default()
        },
    ];
    store.save_draft(&d).unwrap();
    let invoice = invoice_desk_core::invoice::to_outgoing(&d, &caps()).unwrap();
    store.enqueue(&d, &invoice).unwrap();
    d
}

#[test]
fn an_invoice_sent_from_here_starts_a_new_draft_with_its_customer_and_lines() {
    let store = store_with("c1");
    cache_customer_and_product(&store);
    let sent = sent_invoice(&store);
    let fake = Fake::with(vec![], true);

    let started =
        start_from::start_from_sent(&store, &fake, &caps(), "c1", sent.id, Lang::Nl, today())
            .unwrap();
    assert!(started.notes.is_empty(), "{:?}", started.notes);
    let d = &started.view.draft;
    assert_ne!(d.id, sent.id);
    assert_ne!(d.identity, sent.identity);
    assert_eq!(d.connection_id, "c1");
    assert_eq!(d.administration_id.as_deref(), Some("adm"));
    assert_eq!(d.relation.as_ref().map(|r| r.id.as_str()), Some("r1"));
    assert_eq!(d.address_id.as_deref(), Some("addr-7"));
    // A new invoice: today's date, no reference of last month.
    assert_eq!(d.issue_date, "2026-12-01");
    assert_eq!(d.reference, "");
    let lines: Vec<_> = d
        .lines
        .iter()
        .map(|l| {
            (
                l.description.as_str(),
                l.quantity.as_str(),
                l.unit_price.as_str(),
                l.vat_code.as_str(),
                l.product.as_ref().map(|p| p.id.as_str()),
                l.extra_description.as_str(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            (
                "Brood, dagelijks",
                "4",
                "2,50",
                "low",
                Some("p1"),
                "week 45"
            ),
            ("Bezorging", "1,5", "12,125", "high", Some("p1"), ""),
        ]
    );
    // The same totals as the invoice it started from, and nothing to fix.
    assert!(
        started.view.evaluation.issues.is_empty(),
        "{:?}",
        started.view.evaluation.issues
    );
    assert_eq!(started.view.evaluation.totals.gross.to_string(), "32.91");
    // It is the connection's open draft now: the form shows it after a restart too.
    assert_eq!(store.open_draft("c1").unwrap().map(|o| o.id), Some(d.id));
}

#[test]
fn a_customer_no_longer_here_leaves_the_draft_without_one_and_it_says_so() {
    let store = store_with("c1");
    let sent = sent_invoice(&store);
    let fake = Fake::with(vec![], true);
    let started =
        start_from::start_from_sent(&store, &fake, &caps(), "c1", sent.id, Lang::En, today())
            .unwrap();
    assert!(started.view.draft.relation.is_none());
    assert_eq!(started.notes.len(), 1);
    assert_eq!(started.notes[0].field, "relation");
    assert_eq!(
        started.notes[0].message.en,
        "The customer of this invoice (Bakkerij de Vries B.V.) was not found here; choose a customer."
    );
    // English typing: a decimal point.
    assert_eq!(started.view.draft.lines[1].unit_price, "12.125");
    // The product kept as it was sent when it is not cached.
    assert_eq!(
        started.view.draft.lines[0]
            .product
            .as_ref()
            .map(|p| p.id.as_str()),
        Some("p1")
    );
}

#[test]
fn only_an_invoice_of_this_connection_starts_a_draft_on_it() {
    let store = store_with("c1");
    store
        .upsert_connection(&ConnectionRecord {
            id: "c2".into(),
            kind: SystemId::new("afas"),
            name: "Andere".into(),
            base_url: "http://127.0.0.1:9".into(),
            auth: "api_key".into(),
            demo: true,
            administration_id: None,
            config: json!({}),
            created_at: chrono::Utc::now(),
        })
        .unwrap();
    let sent = sent_invoice(&store);
    let fake = Fake::with(vec![], true);
    let e = start_from::start_from_sent(&store, &fake, &caps(), "c2", sent.id, Lang::En, today())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = start_from::start_from_sent(
        &store,
        &fake,
        &caps(),
        "c1",
        Uuid::new_v4(),
        Lang::En,
        today(),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
}

/// A system that both sends and reads: it holds one invoice.
struct Shop {
    fake: Fake,
    detail: InvoiceDetail,
    writes: bool,
    opened: Mutex<u32>,
}

#[async_trait::async_trait]
impl Backend for Shop {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            creates_invoices: self.writes,
            ..caps()
        }
    }
    async fn test_connection(&self) -> Result<Text> {
        Ok(Text::new("ja", "yes"))
    }
    async fn administrations(&self) -> Result<Vec<Administration>> {
        Ok(vec![])
    }
    fn writer(&self) -> Option<&dyn InvoiceWriter> {
        self.writes.then_some(&self.fake as &dyn InvoiceWriter)
    }
    fn lookups(&self) -> Option<&dyn LookupSource> {
        Some(&self.fake)
    }
    fn reader(&self) -> Option<&dyn InvoiceReader> {
        Some(self)
    }
}

#[async_trait::async_trait]
impl InvoiceReader for Shop {
    async fn list_invoices(&self, _: &InvoiceQuery, _: Option<&str>) -> Result<InvoicePage> {
        Ok(InvoicePage {
            items: vec![self.detail.summary.clone()],
            cursor: None,
            done: true,
        })
    }
    async fn invoice(&self, _: &str) -> Result<InvoiceDetail> {
        *self.opened.lock().unwrap() += 1;
        Ok(self.detail.clone())
    }
    async fn text(&self, _: &str, _: &str) -> Result<InvoiceText> {
        Ok(InvoiceText {
            format: TextFormat::Plain,
            content: String::new(),
        })
    }
}

fn line(
    desc: &str,
    qty: &str,
    price: &str,
    code: Option<&str>,
    pct: Option<u32>,
) -> InvoiceLineRead {
    InvoiceLineRead {
        description: desc.into(),
        quantity: qty.parse().unwrap(),
        unit_price: price.parse().unwrap(),
        vat_code: code.map(String::from),
        amount_excl: Decimal::ZERO,
        vat_percent: pct.map(Decimal::from),
        product_id: None,
    }
}

fn held(customer_id: Option<&str>) -> InvoiceDetail {
    InvoiceDetail {
        summary: InvoiceSummary {
            id: "inv-9".into(),
            number: Some("2026-0099".into()),
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            due_date: None,
            customer: "Bakkerij de Vries B.V.".into(),
            customer_id: customer_id.map(String::from),
            total_excl: Decimal::ZERO,
            total_vat: Decimal::ZERO,
            total_incl: Decimal::ZERO,
            state: InvoiceState::Open,
            state_text: None,
            actions: vec![],
            project: Some("Verbouwing".into()),
            flags: vec![],
        },
        lines: vec![
            InvoiceLineRead {
                product_id: Some("p1".into()),
                ..line("Brood", "4", "2.5", Some("H9"), Some(9))
            },
            // The system's own code for 21 %: matched by its percentage.
            line(
                "Stukadoorswerk",
                "2.000",
                "34.649999999999999",
                Some("V21"),
                Some(21),
            ),
            // A rate this system does not have.
            line("Boek", "1", "10", None, Some(6)),
        ],
        vat: vec![],
        address: vec!["Dorpsstraat 1".into()],
        contact: None,
        vat_number: None,
        reference: Some("Okt".into()),
        texts: vec![],
        price_decimals: Some(2),
    }
}

fn shop(detail: InvoiceDetail, writes: bool) -> Shop {
    Shop {
        fake: Fake::with(vec![], true),
        detail,
        writes,
        opened: Mutex::new(0),
    }
}

#[tokio::test]
async fn an_invoice_the_system_holds_starts_a_draft_with_the_cached_customer_and_rates_matched_by_percentage(
) {
    let store = store_with("c1");
    cache_customer_and_product(&store);
    let sys = shop(held(Some("r1")), true);
    let started = start_from::start_from_remote(
        &store,
        &sys,
        &sys.capabilities(),
        "c1",
        "adm",
        "inv-9",
        Lang::Nl,
        today(),
    )
    .await
    .unwrap();
    // The invoice is read again from the system, not taken from the screen.
    assert_eq!(*sys.opened.lock().unwrap(), 1);
    let d = &started.view.draft;
    assert_eq!(d.relation.as_ref().map(|r| r.id.as_str()), Some("r1"));
    assert_eq!(d.administration_id.as_deref(), Some("adm"));
    assert_eq!(d.issue_date, "2026-12-01");
    assert_eq!(d.reference, "");
    let lines: Vec<_> = d
        .lines
        .iter()
        .map(|l| {
            (
                l.description.as_str(),
                l.quantity.as_str(),
                l.unit_price.as_str(),
                l.vat_code.as_str(),
                l.product.as_ref().map(|p| p.description.as_str()),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("Brood", "4", "2,50", "low", Some("Brood")),
            // A long float shown with the invoice's two price decimals.
            ("Stukadoorswerk", "2", "34,65", "high", None),
            ("Boek", "1", "10,00", "", None),
        ]
    );
    assert_eq!(started.notes.len(), 1, "{:?}", started.notes);
    assert_eq!(started.notes[0].field, "lines[2].vat_code");
    assert_eq!(
        started.notes[0].message.nl,
        "Regel 3: btw 6 % is geen tarief van dit systeem; kies er een."
    );
}

#[tokio::test]
async fn an_invoice_whose_customer_is_not_cached_starts_a_draft_that_asks_for_one() {
    let store = store_with("c1");
    cache_customer_and_product(&store);
    for customer in [Some("r-unknown"), None] {
        let sys = shop(held(customer), true);
        let started = start_from::start_from_remote(
            &store,
            &sys,
            &sys.capabilities(),
            "c1",
            "adm",
            "inv-9",
            Lang::En,
            today(),
        )
        .await
        .unwrap();
        assert!(started.view.draft.relation.is_none());
        assert_eq!(started.notes[0].field, "relation");
        assert!(started.notes[0]
            .message
            .en
            .contains("Bakkerij de Vries B.V."));
        assert_eq!(started.view.draft.lines.len(), 3);
    }
}

#[tokio::test]
async fn a_connection_that_cannot_send_starts_no_draft() {
    let store = store_with("c1");
    let sys = shop(held(Some("r1")), false);
    let e = start_from::start_from_remote(
        &store,
        &sys,
        &sys.capabilities(),
        "c1",
        "adm",
        "inv-9",
        Lang::En,
        today(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Config);
    assert_eq!(
        e.message.en,
        "This system cannot send invoices: it can only read them."
    );
    assert_eq!(*sys.opened.lock().unwrap(), 0);
    assert!(store.open_draft("c1").unwrap().is_none());
}
