//! The Bloxs connector over real HTTP against the sandbox's Bloxs stand-in on 127.0.0.1:
//! Bloxs's own rules beyond the shared conformance suite (token expiry in the middle of a
//! sync, problem details on lines, amounts to the cent, a refusal per field, the look-up by
//! external identifier, owners, service items and the declared lists).

use chrono::NaiveDate;
use invoice_desk_backends::{BloxsClient, BloxsConfig, Secret};
use invoice_desk_core::backend::{
    Backend, InvoiceWriter, Lookup, LookupSource, Product, Relation, RelationKind,
};
use invoice_desk_core::error::ErrorCode;
use invoice_desk_core::invoice::{OutgoingInvoice, OutgoingLine};
use invoice_desk_core::lists::ScopeValue;
use invoice_desk_core::totals::{self, LineInput, PriceBasis, Rounding};
use invoice_desk_core::Decimal;
use invoice_desk_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::str::FromStr;

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
    c.bloxs.persons = 130;
    c.bloxs.organisations = 70;
    let sandbox = Sandbox::start("127.0.0.1:0".parse().unwrap(), c)
        .await
        .expect("sandbox starts");
    Env {
        sandbox,
        web: reqwest::Client::new(),
    }
}

impl Env {
    fn client_with(&self, key: &str, secret: &str) -> BloxsClient {
        BloxsClient::new(BloxsConfig {
            base_url: self.sandbox.bloxs_base_url(),
            api_key: Secret::new(key),
            api_secret: Secret::new(secret),
        })
        .expect("client")
    }

    fn client(&self) -> BloxsClient {
        self.client_with("demo-bloxs-key", "demo-bloxs-secret")
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
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn item(name: &str) -> Product {
    Product {
        id: name.into(),
        code: Some(name.into()),
        description: String::new(),
        price_excl: None,
        price_incl: None,
        vat_code: None,
        group: None,
        archived: false,
        line_defaults: Default::default(),
    }
}

fn line(item_name: &str, q: &str, p: &str, pct: u32) -> OutgoingLine {
    OutgoingLine {
        discount: None,
        product: Some(item(item_name)),
        description: format!("{item_name} november"),
        quantity: dec(q),
        unit_price: dec(p),
        vat_code: match pct {
            21 => "high",
            9 => "low",
            _ => "zero",
        }
        .into(),
        vat_percent: Decimal::from(pct),
        extra_description: String::new(),
        extra: BTreeMap::new(),
    }
}

fn invoice(
    owner: &str,
    relation: &str,
    lines: Vec<OutgoingLine>,
    basis: PriceBasis,
) -> OutgoingInvoice {
    let inputs: Vec<LineInput> = lines
        .iter()
        .map(|l| LineInput {
            quantity: l.quantity,
            unit_price: l.unit_price,
            vat_percent: l.vat_percent,
            vat_code: l.vat_code.clone(),
        })
        .collect();
    let mut extra = BTreeMap::new();
    extra.insert("payment_method".to_string(), "2".to_string());
    OutgoingInvoice {
        discount: None,
        recipient: None,
        identity: uuid::Uuid::new_v4(),
        draft_id: uuid::Uuid::new_v4(),
        administration_id: owner.into(),
        relation: Relation {
            id: relation.into(),
            kind: RelationKind::Organisation,
            name: "Huisartsenpraktijk Noorderpoort".into(),
            number: Some(relation.into()),
            email: None,
            city: None,
            vat_number: None,
            archived: false,
        },
        address_id: None,
        issue_date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        reference: String::new(),
        price_basis: basis,
        lines,
        attachments: vec![],
        extra,
        totals: totals::compute(&inputs, basis, Rounding::PerLine).expect("totals"),
    }
}

/// Two service items the stand-in has, one at 21 % and one at 9 %.
async fn two_items(client: &BloxsClient) -> ((String, u32), (String, u32)) {
    let page = client.sync_products("", None).await.expect("service items");
    let find = |code: &str| {
        page.items
            .iter()
            .find(|p| p.vat_code.as_deref() == Some(code))
            .map(|p| p.id.clone())
            .unwrap_or_else(|| panic!("an item with VAT {code}"))
    };
    ((find("high"), 21), (find("low"), 9))
}

#[tokio::test]
async fn a_token_that_expires_in_the_middle_of_a_sync_is_renewed_once_and_the_sync_ends_complete() {
    let env = start().await;
    let client = env.client().with_page_size(40);
    let stats = env.get("/__sandbox/bloxs/stats").await;
    let expected = [
        "persons",
        "organisations",
        "inactive_persons",
        "inactive_organisations",
    ]
    .iter()
    .map(|k| stats[k].as_u64().unwrap())
    .sum::<u64>() as usize;

    let mut cursor: Option<String> = None;
    let mut ids = std::collections::HashSet::new();
    let mut pages = 0;
    loop {
        if pages == 2 {
            let r = env
                .post("/__sandbox/bloxs/faults", json!({"expire_tokens": true}))
                .await;
            assert!(r["tokens_expired"].as_u64().unwrap_or(0) >= 1, "{r}");
        }
        let page = client
            .sync_relations("", cursor.as_deref())
            .await
            .expect("every page, also the one after the token expired");
        pages += 1;
        ids.extend(page.items.iter().map(|r| r.id.clone()));
        if page.done {
            break;
        }
        cursor = Some(page.cursor);
    }
    assert_eq!(ids.len(), expected, "every person and organisation, once");
    assert!(pages > 4, "{pages} pages of 40");
    // Two tokens were fetched: the first, and one renewal after the 401.
    let log = env.get("/__sandbox/log").await;
    let tokens = log
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| {
                    e["path"]
                        .as_str()
                        .is_some_and(|p| p.to_ascii_lowercase().ends_with("/authorization"))
                })
                .count()
        })
        .unwrap_or(0);
    assert_eq!(tokens, 2, "one token and exactly one renewal");
}

#[tokio::test]
async fn amounts_typed_including_vat_reach_bloxs_consistent_to_the_cent_and_its_totals_match_the_preview(
) {
    let env = start().await;
    let client = env.client();
    let ((high, h), (low, l)) = two_items(&client).await;
    let inv = invoice(
        "OWN-0001",
        "REL-000001",
        vec![
            line(&high, "3", "10.00", h),
            line(&low, "7", "13.33", l),
            line(&high, "1", "0.05", h),
        ],
        PriceBasis::InclVat,
    );
    let r = client.submit(&inv).await.expect("created");
    assert!(r.remote_id.starts_with("SIS-"), "{}", r.remote_id);
    assert_eq!(r.number.as_deref(), Some(r.remote_id.as_str()));
    assert!(
        r.warnings.is_empty(),
        "Bloxs's totals equal the preview: {:?}",
        r.warnings
    );
    let t = r.totals.expect("Bloxs's totals");
    assert_eq!(
        (t.net, t.vat, t.gross),
        (inv.totals.net, inv.totals.vat, inv.totals.gross)
    );
    assert_eq!(r.state.map(|s| s.en).as_deref(), Some("Draft"));

    let stored = env.get("/__sandbox/bloxs/invoices").await;
    let row = &stored[0];
    assert_eq!(row["external_identifier"], inv.identity.to_string());
    let body = &row["body"];
    assert_eq!(body["paymentMethod"], 2);
    assert_eq!(body["supplyDate"], "2026-11-30");
    for (i, l) in body["lines"].as_array().unwrap().iter().enumerate() {
        let n = |k: &str| dec(&l[k].to_string());
        let per = n("amountExclPerItem");
        assert!(per.scale() <= 4, "line {i}: {per}");
        assert_eq!(
            n("amountExcl"),
            (n("numberOfItems") * per).round_dp(2),
            "line {i}"
        );
        assert_eq!(
            n("amountIncl"),
            n("amountExcl") + n("amountVAT"),
            "line {i}"
        );
        assert_eq!(n("amountIncl"), inv.totals.lines[i].gross, "line {i}");
    }
}

#[tokio::test]
async fn problem_details_on_lines_land_on_the_lines_fields_in_the_clerks_words() {
    let env = start().await;
    let client = env.client();
    let ((high, h), _) = two_items(&client).await;
    let mut second = line("Geen bestaand service-item", "2", "10.00", 21);
    second
        .extra
        .insert("real_estate_object".into(), "UNIT-9999".into());
    let inv = invoice(
        "OWN-0001",
        "REL-000001",
        vec![line(&high, "1", "10.00", h), second],
        PriceBasis::ExclVat,
    );
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused, "{e:?}");
    let on = |f: &str| e.fields.iter().find(|x| x.field == f);
    let item = on("lines[1].product").unwrap_or_else(|| panic!("{:?}", e.fields));
    assert!(
        item.message.nl.starts_with("Bloxs accepteert dit niet: "),
        "{:?}",
        item.message
    );
    assert!(
        item.message.en.starts_with("Bloxs does not accept this: "),
        "{:?}",
        item.message
    );
    assert!(
        on("lines[1].real_estate_object").is_some(),
        "{:?}",
        e.fields
    );
    assert!(
        on("lines[0].product").is_none(),
        "line 1 is fine: {:?}",
        e.fields
    );
    let stored = env.get("/__sandbox/bloxs/invoices").await;
    assert_eq!(stored.as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn a_refusal_names_each_header_field_bloxs_refuses() {
    let env = start().await;
    let client = env.client();
    let ((high, h), _) = two_items(&client).await;
    let mut inv = invoice(
        "OWN-0002",
        "REL-999999",
        vec![line(&high, "1", "10.00", h)],
        PriceBasis::ExclVat,
    );
    // CON-00001 is OWN-0001's contract with REL-000001: not this owner's.
    inv.extra
        .insert("sales_contract".into(), "CON-00001".into());
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused, "{e:?}");
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert!(fields.contains(&"relation"), "{fields:?}");
    assert!(fields.contains(&"extra.sales_contract"), "{fields:?}");
}

#[tokio::test]
async fn an_invoice_is_found_by_its_identity_after_a_lost_answer_and_an_unknown_one_is_not() {
    let env = start().await;
    let client = env.client();
    let ((high, h), _) = two_items(&client).await;
    let inv = invoice(
        "OWN-0001",
        "REL-000001",
        vec![line(&high, "2", "125.00", h)],
        PriceBasis::ExclVat,
    );
    env.post("/__sandbox/bloxs/faults", json!({"drop_after_store": 1}))
        .await;
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Uncertain, "{e:?}");
    match client.lookup(&inv).await.unwrap() {
        Lookup::Found(r) => {
            assert!(r.remote_id.starts_with("SIS-"));
            assert_eq!(r.totals.map(|t| t.gross), Some(inv.totals.gross));
        }
        other => panic!("{other:?}"),
    }
    let mut other = inv.clone();
    other.identity = uuid::Uuid::new_v4();
    assert_eq!(client.lookup(&other).await.unwrap(), Lookup::NotFound);
}

#[tokio::test]
async fn test_connection_says_in_plain_words_what_is_wrong() {
    let env = start().await;
    let ok = env.client().test_connection().await.unwrap();
    assert!(ok.en.starts_with("Connected to Bloxs: 5 owners"), "{ok:?}");

    let e = env
        .client_with("demo-bloxs-key", "wrong-secret")
        .test_connection()
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthFailed);
    assert!(
        e.message.en.contains("API key or the API secret"),
        "{:?}",
        e.message
    );
    assert!(!format!("{e:?}").contains("wrong-secret"));

    let e = env
        .client_with("norights-bloxs-key", "demo-bloxs-secret")
        .test_connection()
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    assert!(e.message.en.contains("rights"), "{:?}", e.message);

    let wrong = BloxsClient::new(BloxsConfig {
        base_url: format!("{}/nothing-here", env.sandbox.base_url()),
        api_key: Secret::new("demo-bloxs-key"),
        api_secret: Secret::new("demo-bloxs-secret"),
    })
    .unwrap();
    let e = wrong.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Config, "{e:?}");
    assert_eq!(e.field.as_deref(), Some("base_url"));
}

#[tokio::test]
async fn owners_service_items_and_the_declared_lists_come_from_bloxs() {
    let env = start().await;
    let client = env.client().with_page_size(7);
    let owners = client.administrations().await.unwrap();
    assert_eq!(owners.len(), 5, "the inactive owner is not offered");
    assert_eq!(owners[0].id, "OWN-0001");

    let stats = env.get("/__sandbox/bloxs/stats").await;
    let items = client.sync_products("OWN-0003", None).await.unwrap();
    assert!(items.done);
    assert_eq!(
        items.items.len() as u64,
        stats["service_items"].as_u64().unwrap()
    );
    assert!(
        items.items.iter().all(|p| p.vat_code.is_some()),
        "21, 9 or 0 %"
    );

    let all = |list: &'static str, scope: ScopeValue| {
        let client = client.clone();
        async move {
            let mut out = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let p = client
                    .sync_list(list, &scope, cursor.as_deref())
                    .await
                    .unwrap();
                out.extend(p.items);
                if p.done {
                    return out;
                }
                cursor = Some(p.cursor);
            }
        }
    };
    let mut parents = BTreeMap::new();
    parents.insert("owner".to_string(), "OWN-0001".to_string());
    parents.insert("relation".to_string(), "REL-000001".to_string());
    let contracts = all(
        "contracts",
        ScopeValue::Parent {
            administration: "OWN-0001".into(),
            values: parents,
        },
    )
    .await;
    assert!(
        contracts.iter().any(|c| c.id == "CON-00001"),
        "{contracts:?}"
    );
    assert!(contracts
        .iter()
        .all(|c| c.parents.get("relation").map(String::as_str) == Some("REL-000001")));

    let units = all(
        "units",
        ScopeValue::Administration {
            id: "OWN-0002".into(),
        },
    )
    .await;
    assert!(!units.is_empty());
    assert!(units
        .iter()
        .all(|u| u.parents.get("owner").map(String::as_str) == Some("OWN-0002")));

    let ledger = all(
        "ledger_accounts",
        ScopeValue::Administration {
            id: "OWN-0001".into(),
        },
    )
    .await;
    let codes: Vec<&str> = ledger.iter().map(|l| l.id.as_str()).collect();
    assert!(
        codes.contains(&"8000") && codes.contains(&"8050"),
        "{codes:?}"
    );
    assert!(
        !codes.contains(&"8060"),
        "another owner's account: {codes:?}"
    );
}

#[tokio::test]
async fn the_demo_connection_signs_in_to_the_stand_in_with_the_key_and_secret_it_names() {
    let env = start().await;
    let connector = invoice_desk_backends::registry::find("bloxs").expect("Bloxs is registered");
    let demo = &connector.demo.connections[0];
    let rec = invoice_desk_core::store::ConnectionRecord {
        id: demo.id.into(),
        kind: connector.system(),
        name: demo.name.into(),
        base_url: env.sandbox.bloxs_base_url(),
        auth: demo.auth.into(),
        demo: true,
        administration_id: None,
        config: json!({}),
        created_at: chrono::Utc::now(),
    };
    let backend = connector
        .build(&rec, &connector.demo.secrets(), None, None)
        .expect("the demo builds");
    let said = backend.test_connection().await.expect("the demo signs in");
    assert!(said.nl.starts_with("Verbonden met Bloxs"), "{said:?}");
    assert!(env.sandbox.bloxs_base_url().ends_with(connector.demo.path));
}

// ---- History: Bloxs's own sales invoice services -----------------------------------------------

/// Every page of the owner's sales invoice services for `query`, to the end.
async fn service_pages(
    client: &BloxsClient,
    query: &invoice_desk_core::reader::InvoiceQuery,
) -> Vec<invoice_desk_core::reader::InvoicePage> {
    use invoice_desk_core::backend::InvoiceReader;
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let page = client
            .list_invoices(query, cursor.as_deref())
            .await
            .expect("a page of services");
        cursor = page.cursor.clone();
        let done = page.done;
        pages.push(page);
        if done {
            return pages;
        }
    }
    panic!("the list of services does not end");
}

#[tokio::test]
async fn an_owners_services_page_newest_first_narrowed_by_bloxs_and_open_with_lines_and_vat() {
    use invoice_desk_core::backend::InvoiceReader;
    use invoice_desk_core::reader::{InvoiceQuery, InvoiceState};
    let env = start().await;
    let client = env.client().with_page_size(2);
    assert!(client.reader().is_some(), "Bloxs reads its services back");
    let ((high, h), (low, l)) = two_items(&client).await;
    let mut sent = Vec::new();
    for day in 1..=5u32 {
        let mut inv = invoice(
            "OWN-0001",
            "REL-000001",
            vec![line(&high, "2", "125.00", h), line(&low, "1", "40.00", l)],
            PriceBasis::ExclVat,
        );
        inv.issue_date = NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        sent.push(client.submit(&inv).await.unwrap());
    }
    // Another owner's service is not in OWN-0001's list.
    let other = invoice(
        "OWN-0002",
        "REL-000002",
        vec![line(&high, "1", "10.00", h)],
        PriceBasis::ExclVat,
    );
    let other_ref = client.submit(&other).await.map(|r| r.remote_id).ok();

    let query = InvoiceQuery {
        administration: "OWN-0001".into(),
        ..Default::default()
    };
    let pages = service_pages(&client, &query).await;
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        vec![2, 2, 1]
    );
    let items: Vec<_> = pages.into_iter().flat_map(|p| p.items).collect();
    assert_eq!(
        items
            .iter()
            .map(|s| s.date.format("%d").to_string())
            .collect::<Vec<_>>(),
        vec!["05", "04", "03", "02", "01"],
        "the newest supply date first"
    );
    assert!(items.iter().all(|s| Some(&s.id) != other_ref.as_ref()));
    for s in &items {
        assert_eq!(s.customer_id.as_deref(), Some("REL-000001"));
        assert_eq!(s.number.as_deref(), Some(s.id.as_str()));
        assert_eq!(s.state, InvoiceState::Draft);
        assert_eq!(s.state_text.as_ref().unwrap().en, "Draft");
        assert_eq!(s.total_incl, dec("346.10"), "{s:?}");
    }

    // A date range and the customer are asked of Bloxs.
    let narrowed = service_pages(
        &client,
        &InvoiceQuery {
            administration: "OWN-0001".into(),
            from: NaiveDate::from_ymd_opt(2026, 11, 2),
            to: NaiveDate::from_ymd_opt(2026, 11, 3),
            customer: Some("REL-000001".into()),
            ..Default::default()
        },
    )
    .await;
    let dates: Vec<u32> = narrowed
        .iter()
        .flat_map(|p| &p.items)
        .map(|s| s.date.format("%d").to_string().parse().unwrap())
        .collect();
    assert_eq!(dates, vec![3, 2]);

    // One opened: its lines and the VAT per rate.
    let d = client.invoice(&sent[0].remote_id).await.unwrap();
    assert_eq!(d.summary.id, sent[0].remote_id);
    assert_eq!(d.lines.len(), 2);
    assert_eq!(d.lines[0].product_id.as_deref(), Some(high.as_str()));
    assert_eq!(d.lines[0].quantity, dec("2"));
    assert_eq!(d.lines[0].amount_excl, dec("250.00"));
    assert_eq!(
        d.vat
            .iter()
            .map(|v| (v.percentage, v.base, v.amount))
            .collect::<Vec<_>>(),
        vec![
            (Decimal::from(21), dec("250.00"), dec("52.50")),
            (Decimal::from(9), dec("40.00"), dec("3.60"))
        ]
    );
    let e = client.invoice("SIS-1999-999999").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    // No owner chosen: said so.
    let e = client
        .list_invoices(&InvoiceQuery::default(), None)
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("administration"));
}
