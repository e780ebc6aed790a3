//! Unit tests of the Bloxs mapping against answers in the shape the documentation describes.

use super::*;
use crate::http::Reply;
use chrono::NaiveDate;
use invoice_desk_core::backend::HeaderKey;
use invoice_desk_core::invoice::OutgoingLine;
use invoice_desk_core::totals::{self, LineInput, Totals};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::BTreeMap;

fn item(name: &str) -> Product {
    Product {
        id: name.into(),
        code: Some(name.into()),
        description: "Servicekosten".into(),
        price_excl: Some(dec!(125)),
        price_incl: None,
        vat_code: Some("high".into()),
        group: None,
        archived: false,
        line_defaults: Default::default(),
    }
}

fn line(q: Decimal, p: Decimal, pct: Decimal) -> OutgoingLine {
    OutgoingLine {
        discount: None,
        product: Some(item("Servicekosten")),
        description: "Servicekosten november".into(),
        quantity: q,
        unit_price: p,
        vat_code: match pct.normalize().to_string().as_str() {
            "21" => "high",
            "9" => "low",
            _ => "zero",
        }
        .into(),
        vat_percent: pct,
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
    let t = totals::compute(&inputs, basis, Rounding::PerLine).unwrap_or_default();
    let mut extra = BTreeMap::new();
    extra.insert(HEADER_PAYMENT.to_string(), "2".to_string());
    OutgoingInvoice {
        discount: None,
        recipient: None,
        identity: uuid::Uuid::parse_str("6f1c2a52-8e3b-4d7a-9a51-0c2f7e1b9d44").unwrap(),
        draft_id: uuid::Uuid::nil(),
        administration_id: "OWN-0001".into(),
        relation: Relation {
            id: "REL-000123".into(),
            kind: RelationKind::Organisation,
            name: "Bakkerij de Vries B.V.".into(),
            number: Some("REL-000123".into()),
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
        totals: t,
    }
}

fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status: StatusCode::from_u16(status).unwrap(),
        headers: HeaderMap::new(),
        body: body.as_bytes().to_vec(),
    }
}

fn fields(e: &Error) -> Vec<String> {
    e.fields.iter().map(|f| f.field.clone()).collect()
}

#[test]
fn the_create_body_is_the_documented_one_with_our_identity_and_amounts_to_the_cent() {
    let mut inv = invoice(
        vec![line(dec!(2), dec!(125.00), dec!(21))],
        PriceBasis::ExclVat,
    );
    inv.lines[0]
        .extra
        .insert(LINE_UNIT.into(), "UNIT-0007".into());
    inv.extra.insert(HEADER_CONTRACT.into(), "CON-00042".into());
    let body = create_body(&inv).unwrap();
    let text = serde_json::to_string(&body).unwrap();
    assert_eq!(
        body["externalIdentifier"],
        "6f1c2a52-8e3b-4d7a-9a51-0c2f7e1b9d44"
    );
    assert_eq!(body["ownerReference"], "OWN-0001");
    assert_eq!(body["relationReference"], "REL-000123");
    assert_eq!(body["salesContractReference"], "CON-00042");
    assert_eq!(body["supplyDate"], "2026-11-30");
    assert_eq!(body["paymentMethod"], 2);
    let l = &body["lines"][0];
    assert_eq!(l["serviceItemName"], "Servicekosten");
    assert_eq!(l["description"], "Servicekosten november");
    assert_eq!(l["realEstateObjectReference"], "UNIT-0007");
    assert!(l["ledgerAccountCode"].is_null());
    for piece in [
        r#""numberOfItems":2"#,
        r#""amountExclPerItem":125.00"#,
        r#""amountExcl":250.00"#,
        r#""amountVAT":52.50"#,
        r#""amountIncl":302.50"#,
    ] {
        assert!(text.contains(piece), "{piece} in {text}");
    }
}

#[test]
fn a_price_including_vat_gives_a_price_per_item_with_four_decimals_that_keeps_the_preview() {
    // 3 × € 10.00 including 21 %: gross 30.00, VAT 5.21, net 24.79 = round2(3 × 8.2633).
    let inv = invoice(
        vec![line(dec!(3), dec!(10.00), dec!(21))],
        PriceBasis::InclVat,
    );
    let a = line_amounts(&inv.lines[0], PriceBasis::InclVat).unwrap();
    assert_eq!(
        (a.per_item, a.excl, a.vat, a.incl),
        (dec!(8.2633), dec!(24.79), dec!(5.21), dec!(30.00))
    );
    let text = serde_json::to_string(&create_body(&inv).unwrap()).unwrap();
    assert!(text.contains(r#""amountExclPerItem":8.2633"#), "{text}");
    assert!(text.contains(r#""amountIncl":30.00"#), "{text}");
    assert_eq!(inv.totals.gross, dec!(30.00));
}

#[test]
fn bloxs_rules_put_each_problem_on_its_field_before_anything_is_sent() {
    let mut long = line(dec!(1.5), dec!(10), dec!(21));
    long.description = "x".repeat(513);
    let mut none = line(dec!(0), dec!(10), dec!(9));
    none.product = None;
    let mut inv = invoice(vec![long, none], PriceBasis::ExclVat);
    inv.extra.remove(HEADER_PAYMENT);
    inv.administration_id = String::new();
    let e = precheck(&inv).unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    let got = fields(&e);
    for want in [
        "administration",
        "extra.payment_method",
        "lines[0].description",
        "lines[0].quantity",
        "lines[1].product",
        "lines[1].quantity",
    ] {
        assert!(got.contains(&want.to_string()), "{want} in {got:?}");
    }
    let ok = invoice(vec![line(dec!(2), dec!(10), dec!(9))], PriceBasis::ExclVat);
    assert!(precheck(&ok).is_ok());
    let mut exactly = ok.clone();
    exactly.lines[0].description = "é".repeat(512);
    assert!(precheck(&exactly).is_ok(), "512 characters are allowed");
}

#[test]
fn a_refusal_puts_each_vendor_message_on_the_field_it_names_including_line_fields() {
    let inv = invoice(
        vec![
            line(dec!(1), dec!(10), dec!(21)),
            line(dec!(2), dec!(10), dec!(21)),
        ],
        PriceBasis::ExclVat,
    );
    let body = r#"{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.1",
        "title":"One or more validation errors occurred.","status":400,"traceId":"00-abc-01",
        "errors":{"lines[1].serviceItemName":["Service item 'X' does not exist."],
                  "ownerReference":["Owner is unknown."],
                  "lines[0].amountExcl":["amountExcl must equal numberOfItems × amountExclPerItem."],
                  "lines[0].realEstateObjectReference":["Unknown object."],
                  "salesContractReference":["Contract does not belong to this owner."]}}"#;
    let e = answer::interpret(&crate::props::http(NAME), &reply(400, body), &inv).unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused);
    let got = fields(&e);
    for want in [
        "lines[1].product",
        "administration",
        "lines[0].unit_price",
        "lines[0].real_estate_object",
        "extra.sales_contract",
    ] {
        assert!(got.contains(&want.to_string()), "{want} in {got:?}");
    }
    let msg = &e
        .fields
        .iter()
        .find(|f| f.field == "lines[1].product")
        .unwrap()
        .message;
    assert!(
        msg.en.contains("Service item 'X' does not exist."),
        "{msg:?}"
    );
    assert!(msg.nl.contains("Bloxs accepteert dit niet"), "{msg:?}");
    assert!(e.detail.unwrap_or_default().contains("00-abc-01"));
}

#[test]
fn a_create_answer_gives_the_reference_the_state_in_words_and_bloxs_totals() {
    let inv = invoice(
        vec![line(dec!(2), dec!(125.00), dec!(21))],
        PriceBasis::ExclVat,
    );
    let body = r#"{"reference":"SIS-2026-000123","workflowState":1,"externalIdentifier":"6f1c2a52-8e3b-4d7a-9a51-0c2f7e1b9d44",
        "totalAmountExcl":250.00,"totalAmountVAT":52.50,"totalAmountIncl":302.50,"lines":[{"lineIndex":0}],"somethingNew":true}"#;
    let r = answer::interpret(&crate::props::http(NAME), &reply(200, body), &inv).unwrap();
    assert_eq!(r.remote_id, "SIS-2026-000123");
    assert_eq!(r.number.as_deref(), Some("SIS-2026-000123"));
    assert_eq!(r.state, Some(Text::new("Concept", "Draft")));
    let t = r.totals.unwrap();
    assert_eq!(
        (t.net, t.vat, t.gross),
        (dec!(250), dec!(52.5), dec!(302.5))
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let note = r.note().unwrap();
    assert!(note.en.contains("State: Draft"), "{note:?}");
    assert!(note.nl.contains("€ 302,50"), "{note:?}");

    // A difference with the preview is a warning, never hidden.
    let other = body.replace("302.50", "302.51").replace("52.50", "52.51");
    let r = answer::interpret(&crate::props::http(NAME), &reply(201, &other), &inv).unwrap();
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
    assert!(r.warnings[1].en.contains("€302.51"), "{:?}", r.warnings);
    assert!(r.warnings[1].en.contains("€302.50"), "{:?}", r.warnings);
    assert!(r.note().unwrap().nl.contains("302,51"));
}

#[test]
fn every_workflow_state_has_words_in_both_languages() {
    for (n, en) in [
        (1, "Draft"),
        (2, "On hold"),
        (3, "Cancelled"),
        (4, "Approval workflow"),
        (7, "Final"),
        (9, "Disapproved"),
        (10, "Owner approval workflow"),
        (11, "Disapproved by owner"),
    ] {
        let t = workflow_state(&json!(n)).unwrap();
        assert_eq!(t.en, en);
        assert!(!t.nl.is_empty() && t.nl != t.en || n == 7);
        let by_name = workflow_state(&json!(en.replace(' ', ""))).unwrap();
        assert_eq!(by_name, t, "{en} by name");
    }
    assert_eq!(workflow_state(&json!(5)).unwrap().en, "state 5");
    assert_eq!(workflow_state(&json!(null)), None);
}

#[test]
fn after_a_create_a_5xx_is_uncertain_a_429_is_rate_limited_and_an_unreadable_success_uncertain() {
    let inv = invoice(vec![line(dec!(1), dec!(1), dec!(21))], PriceBasis::ExclVat);
    let http = crate::props::http(NAME);
    for (status, body, code) in [
        (500, "", ErrorCode::Uncertain),
        (502, "<html>", ErrorCode::Uncertain),
        (200, "{}", ErrorCode::Uncertain),
        (200, "<html>ok</html>", ErrorCode::Uncertain),
        (429, "", ErrorCode::RateLimited),
        (403, "{}", ErrorCode::Forbidden),
        (404, "", ErrorCode::Config),
        (400, "not json", ErrorCode::Refused),
    ] {
        let e = answer::interpret(&http, &reply(status, body), &inv).unwrap_err();
        assert_eq!(e.code, code, "{status} {body}");
    }
}

#[test]
fn a_400_on_the_token_call_is_wrong_credentials_in_plain_words() {
    let http = crate::props::http(NAME);
    for body in [
        r#"{"title":"Token cannot be created","status":400}"#,
        r#"{"title":"One or more validation errors occurred.","status":400,"errors":{"apiSecret":["Invalid"]}}"#,
        "",
    ] {
        let e = answer::token_error(&http, &reply(400, body));
        assert_eq!(e.code, ErrorCode::AuthFailed, "{body}");
        assert!(e.message.en.contains("API key or the API secret"));
        assert!(e.message.en.contains("Settings") && e.message.nl.contains("Instellingen"));
        assert!(e.message.en.contains("User Profile") && e.message.en.contains("Integrations"));
    }
    let e = answer::token_error(&http, &reply(404, ""));
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::Config, Some("base_url"))
    );
    let e = answer::token_error(&http, &reply(503, ""));
    assert_eq!(e.code, ErrorCode::ServerError);
}

#[test]
fn rows_are_read_leniently_and_inactive_relations_are_archived() {
    let p = json!({"reference":"REL-000123","firstName":"Jan","lastName":"Jansen","email":"jan@example.nl",
        "address":{"city":"Utrecht"},"isActive":false,"unknown":[1]});
    let r = wire::relation(&p, RelationKind::Person).unwrap();
    assert_eq!(
        (
            r.id.as_str(),
            r.name.as_str(),
            r.archived,
            r.city.as_deref()
        ),
        ("REL-000123", "Jan Jansen", true, Some("Utrecht"))
    );
    let o = json!({"Reference":"REL-9","Name":"Vastgoed B.V.","VatNumber":"NL001234567B01"});
    let r = wire::relation(&o, RelationKind::Organisation).unwrap();
    assert_eq!((r.name.as_str(), r.archived), ("Vastgoed B.V.", false));
    assert!(wire::relation(&json!({"name":"no reference"}), RelationKind::Person).is_none());

    let s = json!({"name":"Huur","defaultInvoiceLineDescription":"Huur kantoor","ledgerAccountCode":"8000",
        "defaultNumberOfItems":1,"amountExcl":1000.00,"amountVAT":90.00,"amountIncl":1090.00});
    let p = wire::service_item(&s).unwrap();
    assert_eq!(
        (p.id.as_str(), p.description.as_str(), p.vat_code.as_deref()),
        ("Huur", "Huur kantoor", Some("low"))
    );
    assert_eq!(
        (p.price_excl, p.price_incl),
        (Some(dec!(1000.00)), Some(dec!(1090.00)))
    );
    assert_eq!(
        wire::item_vat_code(Some(dec!(100)), Some(dec!(21))),
        Some("high")
    );
    assert_eq!(
        wire::item_vat_code(Some(dec!(100)), Some(dec!(0))),
        Some("zero")
    );
    assert_eq!(wire::item_vat_code(Some(dec!(100)), Some(dec!(6))), None);

    let everyone = json!({"code":"8000","name":"Omzet verhuur","specificForOwnerReference":null});
    let mine = json!({"code":"8100","name":"Omzet service","specificForOwnerReference":"OWN-0001"});
    assert!(wire::ledger_account(&everyone, "OWN-0002").is_some());
    assert!(wire::ledger_account(&mine, "OWN-0001").is_some());
    assert!(wire::ledger_account(&mine, "OWN-0002").is_none());
    assert_eq!(
        wire::ledger_account(&mine, "OWN-0001").unwrap().label,
        "8100 Omzet service"
    );

    let c = wire::contract(&json!({"reference":"CON-00042","ownerReference":"OWN-0001","relationReference":"REL-000123",
        "description":"Huur kantoorruimte 2e verdieping","startDate":"2025-01-01T00:00:00","endDate":null}))
    .unwrap();
    assert_eq!(c.label, "Huur kantoorruimte 2e verdieping");
    assert_eq!(c.parents.get("owner").map(String::as_str), Some("OWN-0001"));
    assert_eq!(
        c.parents.get("relation").map(String::as_str),
        Some("REL-000123")
    );
    assert_eq!(c.detail.as_deref(), Some("CON-00042 · 2025-01-01 –"));
}

#[test]
fn a_page_is_the_last_by_total_pages_or_by_being_short() {
    let page = |n: usize, total: Option<u64>| wire::Page {
        items: vec![json!({}); n],
        total_pages: total,
    };
    assert!(!page(2, Some(3)).is_last(1, 2));
    assert!(page(2, Some(3)).is_last(3, 2));
    assert!(page(1, None).is_last(1, 2));
    assert!(!page(2, None).is_last(1, 2));
    let p = wire::parse_page(
        br#"{"pageSize":2,"pageNumber":1,"totalPages":3,"totalCount":5,"items":[{"a":1}]}"#,
    )
    .unwrap();
    assert_eq!((p.items.len(), p.total_pages), (1, Some(3)));
    assert_eq!(wire::parse_page(b"[1,2]").unwrap().items.len(), 2);
    assert!(wire::parse_page(b"{\"data\":[]}").is_none());
    assert!(wire::parse_page(b"<html>").is_none());
}

#[test]
fn the_filter_body_is_the_documented_one() {
    let b = wire::filter_body(1000, 2, "reference", json!({"ownerReference":"OWN-0001"}));
    assert_eq!(
        b,
        json!({"paging":{"pageSize":1000,"pageNumber":2},"sorting":{"columnName":"reference","order":"asc"},
               "filter":{"ownerReference":"OWN-0001"}})
    );
}

#[test]
fn a_sync_cursor_resumes_its_feed_and_page_and_anything_else_starts_over() {
    let c = Cursor {
        feed: 1,
        page: 7,
        guard: Guard {
            pages: 9,
            last: Some("ab".into()),
        },
    };
    assert_eq!(Cursor::parse(Some(&c.encode()), 2), c);
    for other in [
        None,
        Some(COMPLETE),
        Some("b1:5:1"),
        Some("b1:0:0"),
        Some("x"),
    ] {
        assert!(Cursor::parse(other, 2).is_start(), "{other:?}");
    }
}

#[test]
fn the_form_bloxs_declares() {
    let caps = capabilities();
    assert_eq!(caps.kind, SYSTEM);
    // One text per line, `description`: no extra description is offered that would not be sent.
    assert_eq!(
        caps.line_texts.description,
        invoice_desk_core::backend::LineDescription::Typed
    );
    assert!(!caps.line_texts.extra_description);
    assert!(caps.creates_invoices && caps.administrations && caps.product_required);
    assert!(!caps.relations_per_administration && !caps.products_per_administration);
    assert_eq!(caps.product_scope(Some("OWN-0001")), Some(""));
    assert_eq!(caps.quantity_dp, 0);
    assert_eq!(caps.rounding, Rounding::PerLine);
    assert_eq!(caps.price_bases, [PriceBasis::ExclVat, PriceBasis::InclVat]);
    let rates: Vec<String> = caps
        .vat_rates
        .iter()
        .map(|r| r.percent.to_string())
        .collect();
    assert_eq!(rates, ["21", "9", "0"]);
    assert_eq!(caps.description_max_len, Some(512));
    assert!(caps.header_field(HeaderKey::Reference).is_none());
    assert_eq!(
        caps.header_field(HeaderKey::IssueDate).unwrap().label,
        HeaderField::supply_date().label
    );
    let pm = &caps.header_fields[0];
    assert!(pm.required);
    let FieldKind::Choice { options } = &pm.kind else {
        panic!("payment method is a choice")
    };
    let values: Vec<&str> = options.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(values, ["1", "2"]);
    assert_eq!(options[0].label.en, "Direct debit");
    let FieldKind::Lookup { list, filter } = &caps.header_fields[1].kind else {
        panic!("the contract is a look-up")
    };
    assert_eq!(list, LIST_CONTRACTS);
    let froms: Vec<&str> = filter.iter().map(|f| f.from_field.as_str()).collect();
    assert_eq!(froms, ["administration", "relation"]);
    let lists: Vec<&str> = caps.lists.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(lists, [LIST_CONTRACTS, LIST_UNITS, LIST_LEDGER]);
    for f in &caps.line_fields {
        assert!(matches!(f.kind, FieldKind::Lookup { .. }), "{}", f.key);
    }
}

#[test]
fn a_client_needs_both_secrets_and_a_valid_address() {
    let mk = |url: &str, key: &str, secret: &str| {
        BloxsClient::new(BloxsConfig {
            base_url: url.into(),
            api_key: Secret::new(key),
            api_secret: Secret::new(secret),
        })
    };
    assert!(mk("https://klant.bloxs.io/", "k", "s").is_ok());
    assert_eq!(
        mk("https://klant.bloxs.io", "k", "").unwrap_err().code,
        ErrorCode::Config
    );
    assert_eq!(
        mk("http://klant.bloxs.io", "k", "s").unwrap_err().code,
        ErrorCode::Config
    );
    let c = mk("https://klant.bloxs.io/", "k", "s").unwrap();
    assert_eq!(c.base_url(), "https://klant.bloxs.io");
}

#[test]
fn receipts_without_totals_keep_the_old_shape_when_read_back() {
    let old = r#"{"remote_id":"1","number":null,"total_gross":null,"warnings":[]}"#;
    let r: Receipt = serde_json::from_str(old).unwrap();
    assert_eq!((&r.state, &r.totals), (&None, &None));
    assert!(r.note().is_none());
    let _ = Totals::default();
}

#[test]
fn the_settings_screen_asks_for_the_address_and_two_secrets_and_says_where_each_is_found() {
    let c = connector::connector();
    assert_eq!((c.id, c.name), (SYSTEM, NAME));
    assert!(c.url.default.is_empty(), "no default address");
    assert_eq!(c.url.placeholder, "https://<klant>.bloxs.io");
    assert_eq!(c.sign_in.len(), 1);
    let fields = &c.sign_in[0].fields;
    let keys: Vec<&str> = fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, [connector::API_KEY, connector::API_SECRET]);
    assert!(fields.iter().all(|f| f.secret && f.required));
    let help = |i: usize| fields[i].help.clone().unwrap();
    assert!(help(0).en.contains("User Profile"), "{:?}", help(0));
    assert!(
        help(1).en.contains("Admin → Integrations → API"),
        "{:?}",
        help(1)
    );
    assert!(help(1).nl.contains("Integraties"), "{:?}", help(1));
    assert_eq!(c.demo.path, "/bloxs");
    let mut keys = c.secret_keys();
    keys.sort_unstable();
    assert_eq!(keys, [connector::API_KEY, connector::API_SECRET]);
    // The demo names a value per secret; the description builds on it.
    let secrets = c.demo.secrets();
    use crate::registry::SecretSource;
    let key = secrets.secret(connector::API_KEY).unwrap().unwrap();
    let secret = secrets.secret(connector::API_SECRET).unwrap().unwrap();
    assert_eq!(
        (key.expose(), secret.expose()),
        (connector::DEMO_KEY, connector::DEMO_SECRET)
    );
    let d = c.describe();
    assert!(
        d.writes && d.reads,
        "Bloxs writes and reads its services back"
    );
}

#[test]
fn products_are_cached_per_administration_only_where_a_system_says_so() {
    let afas = crate::afas::capabilities();
    assert_eq!(afas.product_scope(Some("A1")), Some("A1"));
    assert_eq!(afas.product_scope(None), None);
    let bloxs = capabilities();
    assert_eq!(bloxs.product_scope(Some("OWN-0001")), Some(""));
    assert_eq!(bloxs.product_scope(None), Some(""));
}

#[test]
fn bloxs_rules_run_as_the_clerk_types_on_the_drafts_own_rows() {
    use invoice_desk_core::invoice::DraftLine;
    let caps = capabilities();
    let client = BloxsClient::new(BloxsConfig {
        base_url: "https://klant.bloxs.io".into(),
        api_key: Secret::new("k"),
        api_secret: Secret::new("s"),
    })
    .unwrap();
    let mut d = Draft::new("c", &caps, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
    d.administration_id = Some("OWN-0001".into());
    d.extra.insert(HEADER_PAYMENT.into(), "1".into());
    d.lines = vec![
        DraftLine {
            product: Some(item("Huur")),
            quantity: "2".into(),
            unit_price: "10".into(),
            vat_code: "high".into(),
            ..DraftLine::default()
        },
        // A blank row in between: the messages stay on the rows the clerk sees.
        DraftLine::default(),
        DraftLine {
            product: None,
            description: "Schoonmaak".into(),
            quantity: "1,5".into(),
            unit_price: "10".into(),
            vat_code: "high".into(),
            ..DraftLine::default()
        },
    ];
    let issues = client.writer().unwrap().precheck(&d, &caps);
    let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
    assert!(fields.contains(&"lines[2].product"), "{fields:?}");
    assert!(fields.contains(&"lines[2].quantity"), "{fields:?}");
    assert!(
        !fields.iter().any(|f| f.starts_with("lines[0]")),
        "{fields:?}"
    );
}

#[test]
fn a_service_item_prefills_the_lines_ledger_account_with_its_own() {
    let s =
        json!({"name":"Huur","ledgerAccountCode":"8000","amountExcl":1000.00,"amountVAT":90.00});
    let p = wire::service_item(&s).unwrap();
    assert_eq!(
        p.line_defaults.get(LINE_LEDGER).map(String::as_str),
        Some("8000")
    );
    // The key is a line field Bloxs declares, a look-up on the ledger accounts' ids (codes).
    let caps = capabilities();
    assert!(caps.line_fields.iter().any(|f| f.key == LINE_LEDGER));
    let without = wire::service_item(&json!({"name":"Service"})).unwrap();
    assert!(without.line_defaults.is_empty());
    let blank = wire::service_item(&json!({"name":"Service","ledgerAccountCode":"  "})).unwrap();
    assert!(blank.line_defaults.is_empty());
}

#[test]
fn the_sales_contract_offers_the_owners_contracts_without_a_relation_and_fills_it_in() {
    let caps = capabilities();
    let contract = caps
        .header_fields
        .iter()
        .find(|f| f.key == HEADER_CONTRACT)
        .unwrap();
    let FieldKind::Lookup { list, filter } = &contract.kind else {
        panic!("the contract is a look-up");
    };
    assert_eq!(list, LIST_CONTRACTS);
    let flags: Vec<(&str, bool, bool)> = filter
        .iter()
        .map(|f| (f.from_field.as_str(), f.optional, f.fills))
        .collect();
    assert_eq!(
        flags,
        vec![("administration", false, false), ("relation", true, true)]
    );
    // The relation a contract fills in is its relationReference.
    let row = json!({"reference":"K-1","ownerReference":"OWN-1","relationReference":"REL-9"});
    let item = wire::contract(&row).unwrap();
    assert_eq!(
        item.parents.get("relation").map(String::as_str),
        Some("REL-9")
    );
}
