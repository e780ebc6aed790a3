//! The Mollie connector over real HTTP against the sandbox's Mollie stand-in on 127.0.0.1:
//! the create call with its idempotency key and metadata, Mollie's totals and number, the PDF,
//! refusals before sending and by Mollie, 429, the look-up after a lost answer, organization
//! tokens with profiles and test mode, the connection test, and History (cursor paging, issue
//! and delete a draft).

use chrono::NaiveDate;
use invoice_desk_backends::mollie::{
    self, ACTION_DELETE, ACTION_ISSUE, HEADER_EMAIL_BODY, HEADER_EMAIL_SUBJECT, HEADER_STATUS,
    R_CITY, R_COUNTRY, R_EMAIL, R_LOCALE, R_ORG_NUMBER, R_POSTAL_CODE, R_STREET, R_VAT,
};
use invoice_desk_backends::{MollieAuth, MollieClient, MollieConfig, Secret};
use invoice_desk_core::backend::{Backend, InvoiceReader, InvoiceWriter, Lookup, RelationKind};
use invoice_desk_core::error::ErrorCode;
use invoice_desk_core::invoice::{Discount, DiscountKind, OutgoingInvoice, OutgoingLine};
use invoice_desk_core::lists::Recipient;
use invoice_desk_core::reader::{InvoiceQuery, InvoiceState};
use invoice_desk_core::totals::{self, LineInput, PriceBasis, Rounding};
use invoice_desk_core::Decimal;
use invoice_desk_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

const TEST_KEY: &str = "test_demoMollieKey0000000000000000";
const ORG_TOKEN: &str = "access_demoMollieToken000000000000";
const NO_RIGHTS: &str = "access_norightsToken000000000000000";

struct Env {
    sandbox: Sandbox,
    web: reqwest::Client,
}

async fn start() -> Env {
    let mut c = SandboxConfig::default();
    c.afas.persons = 5;
    c.afas.organisations = 5;
    c.afas.products = 5;
    c.silvasoft.relations = 5;
    c.silvasoft.products = 5;
    c.bloxs.persons = 5;
    c.bloxs.organisations = 5;
    c.mollie.invoices_per_profile = 90;
    let sandbox = Sandbox::start("127.0.0.1:0".parse().unwrap(), c)
        .await
        .expect("sandbox starts");
    Env {
        sandbox,
        web: reqwest::Client::new(),
    }
}

impl Env {
    fn client_with(&self, auth: MollieAuth) -> MollieClient {
        MollieClient::new(MollieConfig {
            base_url: self.sandbox.mollie_base_url(),
            auth,
        })
        .expect("client")
    }

    fn client(&self) -> MollieClient {
        self.client_with(MollieAuth::ApiKey(Secret::new(TEST_KEY)))
    }

    fn org(&self, test_mode: bool) -> MollieClient {
        self.client_with(MollieAuth::OrgToken {
            token: Secret::new(ORG_TOKEN),
            test_mode,
        })
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
        assert!(r.status().is_success(), "POST {path}: {}", r.status());
        r.json().await.unwrap_or(Value::Null)
    }

    /// The writes the stand-in answered (after authentication).
    async fn received(&self) -> Vec<Value> {
        self.get("/__sandbox/mollie/received")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn recipient() -> Recipient {
    let mut values = BTreeMap::new();
    for (k, v) in [
        (R_VAT, "NL123456789B01"),
        (R_EMAIL, "factuur@degoudenkrakeling.nl"),
        (R_STREET, "Keizersgracht 1"),
        (R_POSTAL_CODE, "1015 CW"),
        (R_CITY, "Amsterdam"),
        (R_COUNTRY, "NL"),
        (R_LOCALE, "nl_NL"),
    ] {
        values.insert(k.to_string(), v.to_string());
    }
    Recipient {
        id: "3b1d0c7e-6a0f-4a53-9a2b-1f3c2d4e5f60".into(),
        kind: RelationKind::Organisation,
        name: "Bakkerij De Gouden Krakeling".into(),
        number: None,
        email: values.get(R_EMAIL).cloned(),
        city: values.get(R_CITY).cloned(),
        vat_number: values.get(R_VAT).cloned(),
        values,
        created_at: "2026-11-30T10:00:00Z".into(),
        updated_at: "2026-11-30T10:00:00Z".into(),
        archived: false,
    }
}

fn line(description: &str, q: &str, p: &str, pct: u32) -> OutgoingLine {
    OutgoingLine {
        discount: None,
        product: None,
        description: description.into(),
        quantity: dec(q),
        unit_price: dec(p),
        vat_code: format!("{pct}.00"),
        vat_percent: Decimal::from(pct),
        extra_description: String::new(),
        extra: BTreeMap::new(),
    }
}

fn invoice(lines: Vec<OutgoingLine>, basis: PriceBasis) -> OutgoingInvoice {
    let inputs: Vec<LineInput> = lines
        .iter()
        .map(|l| LineInput {
            quantity: l.quantity,
            unit_price: l.unit_price,
            vat_percent: l.vat_percent,
            vat_code: l.vat_code.clone(),
        })
        .collect();
    let r = recipient();
    OutgoingInvoice {
        discount: None,
        relation: r.as_relation(),
        recipient: Some(r),
        identity: uuid::Uuid::new_v4(),
        draft_id: uuid::Uuid::new_v4(),
        administration_id: String::new(),
        address_id: None,
        issue_date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        reference: String::new(),
        price_basis: basis,
        lines,
        attachments: vec![],
        extra: BTreeMap::new(),
        totals: totals::compute(&inputs, basis, Rounding::PerLine).expect("totals"),
    }
}

fn two_lines(basis: PriceBasis) -> OutgoingInvoice {
    invoice(
        vec![
            line("Taart voor 12 personen", "2", "89.00", 21),
            line("Krentenbollen", "7", "13.33", 9),
        ],
        basis,
    )
}

fn issued(mut inv: OutgoingInvoice) -> OutgoingInvoice {
    inv.extra.insert(HEADER_STATUS.into(), "issued".into());
    inv.extra
        .insert(HEADER_EMAIL_SUBJECT.into(), "Uw factuur".into());
    inv.extra
        .insert(HEADER_EMAIL_BODY.into(), "Hierbij uw factuur.".into());
    inv
}

#[tokio::test]
async fn a_draft_reaches_mollie_with_our_identity_as_idempotency_key_and_in_the_metadata_and_its_totals_match_the_preview(
) {
    let env = start().await;
    let client = env.client();
    for basis in [PriceBasis::ExclVat, PriceBasis::InclVat] {
        let inv = two_lines(basis);
        let r = client.submit(&inv).await.expect("created");
        assert!(r.remote_id.starts_with("invoice_"), "{}", r.remote_id);
        assert_eq!(r.number, None, "a draft has no number yet");
        assert_eq!(r.state.as_ref().map(|s| s.en.as_str()), Some("Draft"));
        assert_eq!(r.state.as_ref().map(|s| s.nl.as_str()), Some("Concept"));
        let t = r.totals.expect("Mollie's totals");
        assert_eq!(
            (t.net, t.vat, t.gross),
            (inv.totals.net, inv.totals.vat, inv.totals.gross),
            "{basis:?}"
        );
        let w = env.received().await;
        let last = w.last().expect("the create call");
        assert_eq!(last["method"], "POST");
        assert_eq!(last["idempotency_key"], inv.identity.to_string());
        assert_eq!(
            last["body"]["metadata"]["invoiceDeskId"],
            inv.identity.to_string()
        );
        assert!(last["body"].get("testmode").is_none() && last["body"].get("profileId").is_none());
    }
}

#[tokio::test]
async fn an_issued_invoice_gets_mollies_number_and_its_pdf_link_serves_a_pdf() {
    let env = start().await;
    let client = env.client();
    let r = client
        .submit(&issued(two_lines(PriceBasis::ExclVat)))
        .await
        .expect("issued");
    let number = r.number.expect("a number once issued");
    assert!(number.starts_with("INV-"), "{number}");
    assert_eq!(r.state.map(|s| s.en), Some("Issued".to_string()));
    let pdf = r.document_url.expect("the PDF link");
    let bytes = env
        .web
        .get(&pdf)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(bytes.starts_with(b"%PDF"), "{pdf}");
}

#[tokio::test]
async fn a_retry_under_the_same_identity_replays_the_first_answer_and_creates_one_invoice() {
    let env = start().await;
    let client = env.client();
    let inv = two_lines(PriceBasis::ExclVat);
    let first = client.submit(&inv).await.expect("created");
    let again = client.submit(&inv).await.expect("replayed");
    assert_eq!(first.remote_id, again.remote_id);
    let stored = env.get("/__sandbox/mollie/invoices").await;
    assert_eq!(stored.as_array().map(Vec::len), Some(1), "{stored}");
    let w = env.received().await;
    assert_eq!(w.len(), 2);
    assert_eq!(w[1]["replayed"], true, "{}", w[1]);
}

#[tokio::test]
async fn a_business_recipient_without_vat_or_chamber_of_commerce_number_is_refused_before_anything_is_sent(
) {
    let env = start().await;
    let client = env.client();
    let mut inv = two_lines(PriceBasis::ExclVat);
    if let Some(r) = inv.recipient.as_mut() {
        r.values.remove(R_VAT);
    }
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.field.as_deref(), Some("recipient.vat_number"));
    // Whole quantities and the 100-character limit, too.
    let mut inv = two_lines(PriceBasis::ExclVat);
    inv.lines[0].quantity = dec("1.5");
    inv.lines[1].description = "x".repeat(101);
    let e = client.submit(&inv).await.unwrap_err();
    let f: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(f, ["lines[0].quantity", "lines[1].description"]);
    assert!(env.received().await.is_empty(), "nothing reached Mollie");
    // With a Chamber of Commerce number instead it goes.
    let mut inv = two_lines(PriceBasis::ExclVat);
    if let Some(r) = inv.recipient.as_mut() {
        r.values.remove(R_VAT);
        r.values.insert(R_ORG_NUMBER.into(), "12345678".into());
    }
    client.submit(&inv).await.expect("created");
}

#[tokio::test]
async fn mollies_refusal_lands_on_the_field_it_names_in_the_clerks_words() {
    let env = start().await;
    let client = env.client();
    let mut inv = two_lines(PriceBasis::ExclVat);
    inv.discount = Some(Discount {
        kind: DiscountKind::Amount,
        value: dec("100000.00"),
    });
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused, "{e:?}");
    assert_eq!(e.field.as_deref(), Some("discount"), "{e:?}");
    assert!(
        e.fields[0]
            .message
            .en
            .starts_with("Mollie does not accept this: "),
        "{:?}",
        e.fields[0].message
    );
    assert!(e.fields[0]
        .message
        .nl
        .starts_with("Mollie accepteert dit niet: "));
}

#[tokio::test]
async fn a_429_is_rate_limited_with_mollies_retry_after_and_said_in_words() {
    let env = start().await;
    let client = env.client();
    env.post(
        "/__sandbox/mollie/faults",
        json!({"fail_next": 1, "status": 429, "retry_after_secs": 3, "method": "POST",
               "path_contains": "sales-invoices"}),
    )
    .await;
    let inv = two_lines(PriceBasis::ExclVat);
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::RateLimited, "{e:?}");
    assert_eq!(e.retry_after, Some(std::time::Duration::from_secs(3)));
    assert!(e.message.en.contains("wait 3 seconds"), "{:?}", e.message);
    // Then it goes, once.
    client.submit(&inv).await.expect("created after the wait");
    let stored = env.get("/__sandbox/mollie/invoices").await;
    assert_eq!(stored.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn after_a_lost_answer_the_invoice_is_found_by_its_identity_in_the_list_and_an_unknown_one_is_not(
) {
    let env = start().await;
    let client = env.client();
    let inv = two_lines(PriceBasis::ExclVat);
    env.post("/__sandbox/mollie/faults", json!({"drop_after_store": 1}))
        .await;
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Uncertain, "{e:?}");
    let stored = env.get("/__sandbox/mollie/invoices").await;
    let id = stored[0]["id"].as_str().expect("stored").to_string();
    match client.lookup(&inv).await.unwrap() {
        Lookup::Found(r) => {
            assert_eq!(r.remote_id, id);
            assert_eq!(r.totals.map(|t| t.gross), Some(inv.totals.gross));
        }
        other => panic!("{other:?}"),
    }
    // An invoice this process never sent: the whole list is read (90 + 1 in one page).
    let mut other = inv.clone();
    other.identity = uuid::Uuid::new_v4();
    assert_eq!(client.lookup(&other).await.unwrap(), Lookup::NotFound);
    // One it sent and that did not arrive: the list is read only back to its first attempt.
    env.post(
        "/__sandbox/mollie/faults",
        json!({"fail_next": 1, "status": 503, "method": "POST", "path_contains": "sales-invoices"}),
    )
    .await;
    let third = two_lines(PriceBasis::ExclVat);
    let e = client.submit(&third).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Uncertain);
    assert_eq!(client.lookup(&third).await.unwrap(), Lookup::NotFound);
}

#[tokio::test]
async fn an_organization_token_has_the_profiles_sends_the_profile_and_test_mode_and_reads_only_that_profile(
) {
    let env = start().await;
    let client = env.org(true);
    let caps = client.capabilities();
    assert!(caps.administrations && caps.test_mode);
    let profiles = client.administrations().await.unwrap();
    let ids: Vec<&str> = profiles.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["pfl_demo0001", "pfl_demo0002"]);
    assert_eq!(profiles[0].name, "Bakkerij De Gouden Krakeling");
    let ok = client.test_connection().await.unwrap();
    assert!(
        ok.en
            .starts_with("Connected to Mollie (test mode): 2 profiles"),
        "{ok:?}"
    );

    let mut inv = two_lines(PriceBasis::ExclVat);
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("administration"), "{e:?}");
    inv.administration_id = "pfl_demo0002".into();
    let r = client.submit(&inv).await.expect("created");
    let w = env.received().await;
    let body = &w.last().unwrap()["body"];
    assert_eq!(body["profileId"], "pfl_demo0002");
    assert_eq!(body["testmode"], true);
    let stored = env.get("/__sandbox/mollie/invoices").await;
    assert_eq!(stored[0]["mode"], "test");
    assert_eq!(stored[0]["profile_id"], "pfl_demo0002");

    // History of one profile in test mode: ours is there, another profile's are not.
    let query = InvoiceQuery {
        administration: "pfl_demo0002".into(),
        ..InvoiceQuery::default()
    };
    let page = client.list_invoices(&query, None).await.unwrap();
    assert_eq!(
        page.items.first().map(|s| s.id.as_str()),
        Some(r.remote_id.as_str())
    );
    let detail = client.invoice(&r.remote_id).await.unwrap();
    assert_eq!(detail.lines.len(), 2);
    assert_eq!(detail.summary.total_incl, inv.totals.gross);
    // The live side of the same token does not see a test invoice.
    let live = env.org(false);
    let e = live.invoice(&r.remote_id).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");
    assert!(matches!(live.lookup(&inv).await.unwrap(), Lookup::NotFound));
}

#[tokio::test]
async fn test_connection_says_in_plain_words_what_is_wrong() {
    let env = start().await;
    let ok = env.client().test_connection().await.unwrap();
    assert_eq!(ok.en, "Connected to Mollie (test mode)");
    assert_eq!(ok.nl, "Verbonden met Mollie (testmodus)");

    let e = env
        .client_with(MollieAuth::ApiKey(Secret::new(
            "test_wrongKey000000000000000000",
        )))
        .test_connection()
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthFailed, "{e:?}");
    assert!(
        e.message.en.contains("did not accept the API key"),
        "{:?}",
        e.message
    );
    assert!(!format!("{e:?}").contains("wrongKey"));

    let e = env
        .client_with(MollieAuth::OrgToken {
            token: Secret::new(NO_RIGHTS),
            test_mode: false,
        })
        .test_connection()
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    assert!(
        e.message.en.contains("sales-invoices.read"),
        "{:?}",
        e.message
    );

    let wrong = MollieClient::new(MollieConfig {
        base_url: format!("{}/nothing-here", env.sandbox.base_url()),
        auth: MollieAuth::ApiKey(Secret::new(TEST_KEY)),
    })
    .unwrap();
    let e = wrong.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Config, "{e:?}");
    assert_eq!(e.field.as_deref(), Some("base_url"));
}

#[tokio::test]
async fn history_pages_through_the_list_with_the_cursor_and_issues_and_deletes_a_draft() {
    let env = start().await;
    let client = env.client().with_page_size(40);
    let draft = client
        .submit(&two_lines(PriceBasis::ExclVat))
        .await
        .expect("a draft");
    let gone = client
        .submit(&two_lines(PriceBasis::ExclVat))
        .await
        .expect("another draft");

    let query = InvoiceQuery::default();
    let mut cursor: Option<String> = None;
    let mut ids = HashSet::new();
    let mut pages = 0;
    loop {
        let page = client
            .list_invoices(&query, cursor.as_deref())
            .await
            .unwrap();
        pages += 1;
        for s in &page.items {
            assert!(ids.insert(s.id.clone()), "{} twice", s.id);
            let is_draft = s.state == InvoiceState::Draft;
            assert_eq!(s.actions.is_empty(), !is_draft, "{s:?}");
        }
        if page.done {
            break;
        }
        cursor = page.cursor;
        assert!(pages < 20);
    }
    assert_eq!(ids.len(), 92, "90 of the test mode and ours");
    assert_eq!(pages, 3);

    // Issue the draft, with the e-mail; the same key again replays.
    let mut values = BTreeMap::new();
    values.insert(HEADER_EMAIL_SUBJECT.to_string(), "Uw factuur".to_string());
    values.insert(HEADER_EMAIL_BODY.to_string(), "Hierbij.".to_string());
    let key = uuid::Uuid::new_v4().to_string();
    let now = client
        .act(&draft.remote_id, ACTION_ISSUE, &values, &key)
        .await
        .unwrap()
        .expect("the invoice as it is now");
    assert_eq!(now.state, InvoiceState::Open);
    assert!(now.number.as_deref().is_some_and(|n| n.starts_with("INV-")));
    assert!(now.actions.is_empty());
    let again = client
        .act(&draft.remote_id, ACTION_ISSUE, &values, &key)
        .await
        .unwrap()
        .expect("replayed");
    assert_eq!(again.number, now.number);
    let w = env.received().await;
    let patch = w
        .iter()
        .filter(|r| r["method"] == "PATCH")
        .collect::<Vec<_>>();
    assert_eq!(patch.len(), 2);
    assert_eq!(patch[0]["idempotency_key"], key);
    assert_eq!(patch[1]["replayed"], true);

    // Delete the other draft; an issued one cannot be deleted.
    let k2 = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        client
            .act(&gone.remote_id, ACTION_DELETE, &BTreeMap::new(), &k2)
            .await
            .unwrap(),
        None
    );
    let e = client.invoice(&gone.remote_id).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = client
        .act(
            &draft.remote_id,
            ACTION_DELETE,
            &BTreeMap::new(),
            &uuid::Uuid::new_v4().to_string(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused, "{e:?}");
    assert!(e.message.en.contains("deletes only drafts"));
    let _ = mollie::NAME;
}

#[tokio::test]
async fn the_look_up_reads_at_most_five_pages_and_stops_once_past_invoices_older_than_the_first_attempt(
) {
    let mut c = SandboxConfig::default();
    c.afas.persons = 5;
    c.afas.organisations = 5;
    c.afas.products = 5;
    c.silvasoft.relations = 5;
    c.silvasoft.products = 5;
    c.bloxs.persons = 5;
    c.bloxs.organisations = 5;
    // More than five pages of 250 in the test mode of the key's profile.
    c.mollie.invoices_per_profile = 1300;
    let env = Env {
        sandbox: Sandbox::start("127.0.0.1:0".parse().unwrap(), c)
            .await
            .expect("sandbox starts"),
        web: reqwest::Client::new(),
    };
    let client = env.client();
    let reads = |log: &Value| {
        log.as_array()
            .map(|a| {
                a.iter()
                    .filter(|e| e["system"] == "mollie" && e["method"] == "GET")
                    .count()
            })
            .unwrap_or(0)
    };
    // Never sent by this process: five pages, then it cannot tell.
    let unknown = two_lines(PriceBasis::ExclVat);
    assert_eq!(client.lookup(&unknown).await.unwrap(), Lookup::CannotTell);
    let after_unknown = reads(&env.get("/__sandbox/log").await);
    assert_eq!(after_unknown, 5, "five pages of 250");
    // Sent (and refused unprocessed): the first page already reaches invoices created long
    // before the attempt.
    env.post(
        "/__sandbox/mollie/faults",
        json!({"fail_next": 1, "status": 503, "method": "POST", "path_contains": "sales-invoices"}),
    )
    .await;
    let sent = two_lines(PriceBasis::ExclVat);
    assert_eq!(
        client.submit(&sent).await.unwrap_err().code,
        ErrorCode::Uncertain
    );
    assert_eq!(client.lookup(&sent).await.unwrap(), Lookup::NotFound);
    let after_sent = reads(&env.get("/__sandbox/log").await);
    assert_eq!(after_sent - after_unknown, 1, "one page");
}

#[tokio::test]
async fn both_demo_connections_sign_in_to_the_stand_in_with_what_they_name() {
    let env = start().await;
    let connector = invoice_desk_backends::registry::find("mollie").expect("Mollie is registered");
    assert!(env.sandbox.mollie_base_url().ends_with(connector.demo.path));
    let mut said = Vec::new();
    for demo in &connector.demo.connections {
        let settings: serde_json::Map<String, Value> = demo
            .settings
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect();
        let rec = invoice_desk_core::store::ConnectionRecord {
            id: demo.id.into(),
            kind: connector.system(),
            name: demo.name.into(),
            base_url: env.sandbox.mollie_base_url(),
            auth: demo.auth.into(),
            demo: true,
            administration_id: None,
            config: json!({ "settings": settings }),
            created_at: chrono::Utc::now(),
        };
        let backend = connector
            .build(&rec, &connector.demo.secrets(), None, None)
            .expect("the demo builds");
        assert!(backend.capabilities().test_mode, "{}: test mode", demo.id);
        said.push(
            backend
                .test_connection()
                .await
                .expect("the demo signs in")
                .en,
        );
    }
    assert_eq!(
        said,
        [
            "Connected to Mollie (test mode): 2 profiles (Bakkerij De Gouden Krakeling, Fietsenmaker Snel)",
            "Connected to Mollie (test mode)",
        ]
    );
}
