//! Unit tests of the Mollie mapping against bodies and answers in the shape the spec and the
//! API notes describe.

use super::*;
use crate::http::Reply;
use chrono::NaiveDate;
use invoice_desk_core::invoice::{Discount, DiscountKind, OutgoingLine};
use invoice_desk_core::lists::Recipient;
use invoice_desk_core::totals::{self, LineInput, Totals};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::StatusCode;
use rust_decimal_macros::dec;
use serde_json::json;

const IDENTITY: &str = "6f1c2a52-8e3b-4d7a-9a51-0c2f7e1b9d44";

fn business() -> Recipient {
    let mut values = BTreeMap::new();
    for (k, v) in [
        (R_VAT, "NL123456789B01"),
        (R_EMAIL, "factuur@degoudenkrakeling.nl"),
        (R_STREET, "Keizersgracht 1"),
        (R_POSTAL_CODE, "1015 CW"),
        (R_CITY, "Amsterdam"),
        (R_COUNTRY, "nl"),
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

fn consumer() -> Recipient {
    let mut r = business();
    r.kind = RelationKind::Person;
    r.name = "Jan de Vries".into();
    r.values.remove(R_VAT);
    r.vat_number = None;
    r
}

fn line(q: Decimal, p: Decimal, pct: Decimal) -> OutgoingLine {
    OutgoingLine {
        discount: None,
        product: None,
        description: "Taart voor 12 personen".into(),
        quantity: q,
        unit_price: p,
        vat_code: wire::two_dp(pct),
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
    let r = business();
    OutgoingInvoice {
        discount: None,
        relation: r.as_relation(),
        recipient: Some(r),
        identity: Uuid::parse_str(IDENTITY).unwrap(),
        draft_id: Uuid::nil(),
        administration_id: String::new(),
        address_id: None,
        issue_date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        reference: String::new(),
        price_basis: basis,
        lines,
        attachments: vec![],
        extra: BTreeMap::new(),
        totals: t,
    }
}

fn simple() -> OutgoingInvoice {
    invoice(
        vec![line(dec!(1), dec!(89.00), dec!(21))],
        PriceBasis::ExclVat,
    )
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

fn http() -> Http {
    Http::new(NAME).unwrap()
}

/// The 201 example of the spec, as the stand-in answers it.
fn created(status: &str, number: Option<&str>) -> Value {
    json!({
        "resource": "sales-invoice",
        "id": "invoice_4Y0eZitmBnQ6IDoMqZQKh",
        "mode": "test",
        "invoiceNumber": number,
        "currency": "EUR",
        "status": status,
        "vatMode": "exclusive",
        "recipientIdentifier": "3b1d0c7e-6a0f-4a53-9a2b-1f3c2d4e5f60",
        "recipient": {"type": "business", "organizationName": "Bakkerij De Gouden Krakeling"},
        "lines": [{"description": "Taart", "quantity": 1, "vatRate": "21.00",
                   "unitPrice": {"currency": "EUR", "value": "89.00"}}],
        "metadata": {"invoiceDeskId": IDENTITY},
        "amountDue": {"value": "107.69", "currency": "EUR"},
        "subtotalAmount": {"value": "89.00", "currency": "EUR"},
        "discountedSubtotalAmount": {"value": "89.00", "currency": "EUR"},
        "totalVatAmount": {"value": "18.69", "currency": "EUR"},
        "totalAmount": {"value": "107.69", "currency": "EUR"},
        "createdAt": "2026-11-30T10:47:38+00:00",
        "issuedAt": null,
        "_links": {
            "self": {"href": "https://api.mollie.com/v2/sales-invoices/invoice_4Y0eZitmBnQ6IDoMqZQKh", "type": "application/hal+json"},
            "pdfLink": {"href": "https://api.mollie.com/mollie/pdf/invoice_4Y0eZitmBnQ6IDoMqZQKh.pdf", "type": "application/pdf"}
        }
    })
}

#[test]
fn the_create_body_is_the_documented_one_with_money_as_strings_whole_quantities_and_our_identity() {
    let mut inv = invoice(
        vec![
            line(dec!(2), dec!(89), dec!(21)),
            line(dec!(3), dec!(4.5), dec!(9)),
        ],
        PriceBasis::ExclVat,
    );
    inv.extra.insert(HEADER_MEMO.into(), "Bedankt!".into());
    let body = create_body(&inv, None).unwrap();
    let text = serde_json::to_string(&body).unwrap();
    assert_eq!(body["status"], "draft");
    assert_eq!(
        body["recipientIdentifier"],
        "3b1d0c7e-6a0f-4a53-9a2b-1f3c2d4e5f60"
    );
    assert_eq!(body["currency"], "EUR");
    assert_eq!(body["vatMode"], "exclusive");
    assert_eq!(body["vatScheme"], "standard");
    assert_eq!(body["paymentTerm"], "30 days");
    assert_eq!(body["memo"], "Bedankt!");
    assert_eq!(body["isEInvoice"], false);
    assert_eq!(body["metadata"], json!({ "invoiceDeskId": IDENTITY }));
    let r = &body["recipient"];
    assert_eq!(r["type"], "business");
    assert_eq!(r["organizationName"], "Bakkerij De Gouden Krakeling");
    assert_eq!(r["vatNumber"], "NL123456789B01");
    assert_eq!(r["country"], "NL", "upper case");
    assert_eq!(r["locale"], "nl_NL");
    for piece in [
        r#""quantity":2"#,
        r#""quantity":3,"#,
        r#""unitPrice":{"currency":"EUR","value":"89.00"}"#,
        r#""unitPrice":{"currency":"EUR","value":"4.50"}"#,
        r#""vatRate":"21.00""#,
        r#""vatRate":"9.00""#,
    ] {
        assert!(text.contains(piece), "{piece} in {text}");
    }
    // An API key: neither profile nor test mode, and nothing the schema does not declare.
    for absent in [
        "profileId",
        "testmode",
        "paymentDetails",
        "emailDetails",
        "discount",
    ] {
        assert!(body.get(absent).is_none(), "{absent} in {text}");
    }
    let declared = [
        "status",
        "recipientIdentifier",
        "recipient",
        "lines",
        "currency",
        "vatMode",
        "vatScheme",
        "paymentTerm",
        "memo",
        "discount",
        "isEInvoice",
        "paymentDetails",
        "emailDetails",
        "metadata",
        "profileId",
        "testmode",
    ];
    for k in body.as_object().unwrap().keys() {
        assert!(declared.contains(&k.as_str()), "undeclared {k}");
    }
}

#[test]
fn an_organization_token_sends_the_profile_and_test_mode_and_refuses_without_a_profile() {
    let mut inv = simple();
    inv.administration_id = "pfl_demo0001".into();
    let org = Org {
        profile_id: &inv.administration_id,
        testmode: true,
    };
    let body = create_body(&inv, Some(org)).unwrap();
    assert_eq!(body["profileId"], "pfl_demo0001");
    assert_eq!(body["testmode"], true);
    let live = create_body(
        &inv,
        Some(Org {
            testmode: false,
            ..org
        }),
    )
    .unwrap();
    assert!(live.get("testmode").is_none());
    let e = create_body(
        &inv,
        Some(Org {
            profile_id: " ",
            testmode: true,
        }),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.field.as_deref(), Some("administration"));
}

#[test]
fn issuing_sends_the_email_paying_sends_the_payment_and_discounts_go_as_two_decimal_strings() {
    let mut inv = simple();
    inv.price_basis = PriceBasis::InclVat;
    inv.extra.insert(HEADER_STATUS.into(), "issued".into());
    inv.extra
        .insert(HEADER_EMAIL_SUBJECT.into(), "Uw factuur".into());
    inv.extra
        .insert(HEADER_EMAIL_BODY.into(), "Zie bijlage.\nGroet".into());
    inv.lines[0].discount = Some(Discount {
        kind: DiscountKind::Percentage,
        value: dec!(12.5),
    });
    inv.discount = Some(Discount {
        kind: DiscountKind::Amount,
        value: dec!(5),
    });
    let body = create_body(&inv, None).unwrap();
    assert_eq!(body["vatMode"], "inclusive");
    assert_eq!(
        body["emailDetails"],
        json!({"subject": "Uw factuur", "body": "Zie bijlage.\nGroet"})
    );
    assert!(body.get("paymentDetails").is_none());
    assert_eq!(
        body["lines"][0]["discount"],
        json!({"type": "percentage", "value": "12.50"})
    );
    assert_eq!(body["discount"], json!({"type": "amount", "value": "5.00"}));

    inv.extra.insert(HEADER_STATUS.into(), "paid".into());
    inv.extra
        .insert(HEADER_PAYMENT_SOURCE.into(), "payment-link".into());
    inv.extra.insert(
        HEADER_PAYMENT_REFERENCE.into(),
        "pl_d9fQur83kFdhH8hIhaZfq".into(),
    );
    let body = create_body(&inv, None).unwrap();
    assert_eq!(
        body["paymentDetails"],
        json!({"source": "payment-link", "sourceReference": "pl_d9fQur83kFdhH8hIhaZfq"})
    );
}

#[test]
fn a_consumer_goes_with_given_and_family_name_from_the_fields_or_from_the_name() {
    let mut inv = simple();
    inv.recipient = Some(consumer());
    let body = create_body(&inv, None).unwrap();
    let r = &body["recipient"];
    assert_eq!(r["type"], "consumer");
    assert_eq!(r["givenName"], "Jan de");
    assert_eq!(r["familyName"], "Vries");
    assert!(r.get("organizationName").is_none() && r.get("vatNumber").is_none());
    let mut c = consumer();
    c.values.insert(R_GIVEN.into(), "Jan".into());
    c.values.insert(R_FAMILY.into(), "de Vries".into());
    inv.recipient = Some(c);
    let body = create_body(&inv, None).unwrap();
    assert_eq!(body["recipient"]["givenName"], "Jan");
    assert_eq!(body["recipient"]["familyName"], "de Vries");
}

#[test]
fn a_business_recipient_without_vat_or_chamber_of_commerce_number_is_refused_before_sending() {
    let mut inv = simple();
    let mut r = business();
    r.values.remove(R_VAT);
    inv.recipient = Some(r.clone());
    let e = create_body(&inv, None).unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(fields(&e), ["recipient.vat_number"]);
    assert!(e.fields[0]
        .message
        .en
        .contains("VAT number or a Chamber of Commerce number"));
    assert!(e.fields[0]
        .message
        .nl
        .contains("btw-nummer of een KvK-nummer"));
    // A Chamber of Commerce number is enough.
    r.values.insert(R_ORG_NUMBER.into(), "12345678".into());
    inv.recipient = Some(r);
    let body = create_body(&inv, None).unwrap();
    assert_eq!(body["recipient"]["organizationNumber"], "12345678");
    // A consumer needs two names of at least two characters.
    let mut c = consumer();
    c.name = "X".into();
    inv.recipient = Some(c);
    let e = create_body(&inv, None).unwrap_err();
    assert_eq!(
        fields(&e),
        ["recipient.given_name", "recipient.family_name"]
    );
}

#[test]
fn the_precheck_names_each_rule_on_the_field_the_form_shows() {
    let mut inv = invoice(
        vec![
            line(dec!(1.5), dec!(10), dec!(21)),
            line(dec!(0), dec!(10), dec!(21)),
            line(dec!(1), dec!(-1), dec!(21)),
        ],
        PriceBasis::ExclVat,
    );
    inv.lines[0].description = "x".repeat(101);
    inv.lines[2].discount = Some(Discount {
        kind: DiscountKind::Percentage,
        value: dec!(120),
    });
    inv.extra.insert(HEADER_STATUS.into(), "issued".into());
    inv.extra.insert(HEADER_E_INVOICE.into(), "true".into());
    let mut r = business();
    r.values.insert(R_COUNTRY.into(), "FR".into());
    inv.recipient = Some(r);
    let e = precheck(&inv).unwrap_err();
    assert_eq!(
        fields(&e),
        [
            "extra.email_subject",
            "extra.email_body",
            "lines[0].description",
            "lines[0].quantity",
            "lines[1].quantity",
            "lines[2].unit_price",
            "lines[2].discount",
            "extra.e_invoice",
        ]
    );
    assert!(e.fields[2]
        .message
        .en
        .contains("at most 100 characters (101 typed)"));
    assert!(e.fields[3]
        .message
        .nl
        .contains("heel aantal van minstens 1"));
    assert!(e.fields[7].message.en.contains("(this recipient: FR)"));
    // The same for a paid invoice: how it was paid, and the reference unless manual.
    let mut inv = simple();
    inv.extra.insert(HEADER_STATUS.into(), "paid".into());
    assert_eq!(
        fields(&precheck(&inv).unwrap_err()),
        ["extra.payment_source"]
    );
    inv.extra
        .insert(HEADER_PAYMENT_SOURCE.into(), "payment".into());
    assert_eq!(
        fields(&precheck(&inv).unwrap_err()),
        ["extra.payment_reference"]
    );
    inv.extra
        .insert(HEADER_PAYMENT_SOURCE.into(), "manual".into());
    assert!(precheck(&inv).is_ok());
    // 100 characters exactly, counted as characters.
    let mut inv = simple();
    inv.lines[0].description = "é".repeat(100);
    assert!(precheck(&inv).is_ok());
}

#[test]
fn the_precheck_on_the_draft_lands_on_the_draft_rows_and_leaves_the_recipient_for_send() {
    let client = sample_client(false);
    let caps = client.capabilities();
    let mut draft = Draft::new("c1", &caps, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
    draft.relation = Some(Relation {
        id: "r1".into(),
        kind: RelationKind::Organisation,
        name: "Zonder nummers B.V.".into(),
        number: None,
        email: None,
        city: None,
        vat_number: None,
        archived: false,
    });
    let mut blank = draft.lines[0].clone();
    blank.description.clear();
    draft.lines[0].description = "y".repeat(120);
    draft.lines[0].unit_price = "10".into();
    draft.lines.insert(0, blank);
    let issues = client.precheck(&draft, &caps);
    let f: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
    // Row 1 of the draft is line 0 of the invoice; the recipient's values are checked at Send.
    assert_eq!(f, ["lines[1].description"]);
}

#[test]
fn the_receipt_has_the_id_the_number_the_state_in_words_the_totals_and_the_pdf() {
    let r = receipt(&created("issued", Some("INV-2026-000042"))).unwrap();
    assert_eq!(r.remote_id, "invoice_4Y0eZitmBnQ6IDoMqZQKh");
    assert_eq!(r.number.as_deref(), Some("INV-2026-000042"));
    assert_eq!(r.state, Some(Text::new("Verstuurd", "Issued")));
    let t = r.totals.unwrap();
    assert_eq!(
        (t.net, t.vat, t.gross),
        (dec!(89.00), dec!(18.69), dec!(107.69))
    );
    assert_eq!(
        r.document_url.as_deref(),
        Some("https://api.mollie.com/mollie/pdf/invoice_4Y0eZitmBnQ6IDoMqZQKh.pdf")
    );
    let d = receipt(&created("draft", None)).unwrap();
    assert_eq!(d.number, None);
    assert_eq!(d.state, Some(Text::new("Concept", "Draft")));
    // Statuses in words; an unknown one as Mollie writes it.
    for (s, nl, en) in [
        ("paid", "Betaald", "Paid"),
        ("overdue", "Te laat", "Overdue"),
        ("cancelled", "Geannuleerd", "Cancelled"),
        (
            "pending-payment",
            "Betaling in behandeling",
            "Payment pending",
        ),
        ("on-the-moon", "on-the-moon", "on-the-moon"),
    ] {
        assert_eq!(state_words(s), Some(Text::new(nl, en)), "{s}");
    }
    // A PDF link that is no secure web address is not offered (plain http only to this
    // computer, where the stand-in runs).
    for (href, offered) in [
        ("file:///etc/passwd", false),
        ("http://example.com/invoice.pdf", false),
        ("javascript:alert(1)", false),
        ("http://127.0.0.1:8080/mollie/pdf/invoice_1.pdf", true),
    ] {
        let mut v = created("draft", None);
        v["_links"]["pdfLink"]["href"] = json!(href);
        assert_eq!(
            receipt(&v).unwrap().document_url.is_some(),
            offered,
            "{href}"
        );
    }
    // The create call: 201 is the receipt.
    let rc =
        answer::interpret(&http(), &reply(201, &created("draft", None).to_string()), 1).unwrap();
    assert_eq!(rc.remote_id, "invoice_4Y0eZitmBnQ6IDoMqZQKh");
}

#[test]
fn a_422_with_a_line_path_or_a_recipient_path_lands_on_that_field_in_the_clerks_words() {
    let body = r#"{"status":422,"title":"Unprocessable Entity",
        "detail":"The quantity must be at least 1","field":"lines.1.quantity",
        "_links":{"documentation":{"href":"https://docs.mollie.com/errors","type":"text/html"}}}"#;
    let e = answer::interpret(&http(), &reply(422, body), 2).unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused);
    assert_eq!(fields(&e), ["lines[1].quantity"]);
    assert_eq!(
        e.fields[0].message.en,
        "Mollie does not accept this: The quantity must be at least 1"
    );
    assert_eq!(
        e.fields[0].message.nl,
        "Mollie accepteert dit niet: The quantity must be at least 1"
    );
    for (path, want) in [
        ("recipient.vatNumber", "recipient.vat_number"),
        (
            "recipient.organizationNumber",
            "recipient.organization_number",
        ),
        ("recipient.postalCode", "recipient.postal_code"),
        ("emailDetails.subject", "extra.email_subject"),
        ("paymentDetails.sourceReference", "extra.payment_reference"),
        ("lines.0.unitPrice.value", "lines[0].unit_price"),
        ("lines.0.description", "lines[0].description"),
        ("lines.0.discount.value", "lines[0].discount"),
        ("discount", "discount"),
        ("isEInvoice", "extra.e_invoice"),
        ("profileId", "administration"),
        ("lines.9.quantity", "lines"),
    ] {
        let body = json!({"status":422,"title":"Unprocessable Entity","detail":"nee","field":path});
        let e = answer::interpret(&http(), &reply(422, &body.to_string()), 2).unwrap_err();
        assert_eq!(fields(&e), [want], "{path}");
    }
    // A path the map does not know stays in the detail, with Mollie's words.
    let body = r#"{"status":422,"title":"Unprocessable Entity","detail":"Bad thing","field":"somethingElse"}"#;
    let e = answer::interpret(&http(), &reply(422, body), 1).unwrap_err();
    assert!(e.fields.is_empty());
    assert!(e.detail.unwrap().contains("Bad thing"));
}

#[test]
fn statuses_of_the_create_call_say_what_happened() {
    let mut with_wait = reply(
        429,
        r#"{"status":429,"title":"Too Many Requests","detail":"You have exceeded the rate limit. Please slow down your requests."}"#,
    );
    with_wait
        .headers
        .insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("7"));
    let e = answer::interpret(&http(), &with_wait, 1).unwrap_err();
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert_eq!(e.retry_after, Some(std::time::Duration::from_secs(7)));
    assert!(
        e.message.en.contains("asks to wait 7 seconds"),
        "{}",
        e.message.en
    );
    assert!(e.message.nl.contains("7 seconden te wachten"));
    for (status, body, code) in [
        (
            401,
            r#"{"status":401,"title":"Unauthorized Request","detail":"Missing authentication, or failed to authenticate"}"#,
            ErrorCode::AuthFailed,
        ),
        (
            403,
            r#"{"status":403,"title":"Forbidden","detail":"Missing permission sales-invoices.write"}"#,
            ErrorCode::Forbidden,
        ),
        (500, "", ErrorCode::Uncertain),
        (502, "<html>Bad Gateway</html>", ErrorCode::Uncertain),
        (201, "{\"id\":", ErrorCode::Uncertain),
        (201, "{}", ErrorCode::Uncertain),
        (
            404,
            r#"{"status":404,"title":"Not Found","detail":"No entity"}"#,
            ErrorCode::Config,
        ),
    ] {
        let e = answer::interpret(&http(), &reply(status, body), 1).unwrap_err();
        assert_eq!(e.code, code, "{status} {body}");
    }
    let e = answer::interpret(
        &http(),
        &reply(
            403,
            r#"{"status":403,"title":"Forbidden","detail":"Missing permission"}"#,
        ),
        1,
    )
    .unwrap_err();
    assert!(e.message.en.contains("sales-invoices.write"));
}

#[test]
fn a_list_page_gives_its_invoices_and_the_cursor_of_the_next_page_on_our_own_address() {
    let body = json!({
        "count": 2,
        "_embedded": {"sales_invoices": [created("draft", None), created("paid", Some("INV-2026-000001"))]},
        "_links": {
            "self": {"href": "https://api.mollie.com/v2/sales-invoices?limit=2"},
            "previous": null,
            "next": {"href": "https://evil.example/v2/sales-invoices?from=invoice_abc123&limit=2"},
            "documentation": {"href": "https://docs.mollie.com"}
        }
    });
    let p = wire::parse_page(body.to_string().as_bytes(), "sales_invoices").unwrap();
    assert_eq!(p.items.len(), 2);
    assert_eq!(p.next_from.as_deref(), Some("invoice_abc123"));
    let last = json!({"count": 0, "_embedded": {"sales_invoices": []}, "_links": {"next": null}});
    let p = wire::parse_page(last.to_string().as_bytes(), "sales_invoices").unwrap();
    assert!(p.items.is_empty() && p.next_from.is_none());
    assert_eq!(wire::parse_page(b"<html></html>", "sales_invoices"), None);
    assert_eq!(wire::parse_page(b"{\"id\":1}", "sales_invoices"), None);
    assert_eq!(
        wire::from_of("/v2/sales-invoices?from=invoice_x&limit=5").as_deref(),
        Some("invoice_x")
    );
}

#[test]
fn history_lists_a_draft_with_issue_and_delete_and_an_issued_one_without() {
    let s = answer::summary(&created("draft", None)).unwrap();
    assert_eq!(s.actions, [ACTION_ISSUE, ACTION_DELETE]);
    assert_eq!(s.state, invoice_desk_core::reader::InvoiceState::Draft);
    assert_eq!(s.date, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
    assert_eq!(s.customer, "Bakkerij De Gouden Krakeling");
    assert_eq!(
        (s.total_excl, s.total_vat, s.total_incl),
        (dec!(89.00), dec!(18.69), dec!(107.69))
    );
    let mut v = created("issued", Some("INV-2026-000042"));
    v["issuedAt"] = json!("2026-11-29T09:00:00+00:00");
    v["dueAt"] = json!("2026-12-29T09:00:00+00:00");
    let s = answer::summary(&v).unwrap();
    assert!(s.actions.is_empty());
    assert_eq!(s.state, invoice_desk_core::reader::InvoiceState::Open);
    assert_eq!(s.date, NaiveDate::from_ymd_opt(2026, 11, 29).unwrap());
    assert_eq!(s.due_date, NaiveDate::from_ymd_opt(2026, 12, 29));
    let d = answer::detail(&v).unwrap();
    assert_eq!(d.lines.len(), 1);
    assert_eq!(d.lines[0].amount_excl, dec!(89.00));
    assert_eq!(d.vat.len(), 1);
    assert_eq!(d.vat[0].amount, dec!(18.69));
    let client = sample_client(false);
    let actions = client.actions();
    assert_eq!(actions[0].key, ACTION_ISSUE);
    assert_eq!(actions[0].fields.len(), 2);
    assert!(actions[1].confirm.is_some());
}

#[test]
fn mollies_line_vat_is_exclusive_on_top_and_inclusive_taken_out() {
    assert_eq!(
        answer::line_vat(dec!(89.00), dec!(21), false),
        Some(dec!(18.69))
    );
    // 121.00 including 21 %: 100.00 + 21.00.
    assert_eq!(
        answer::line_vat(dec!(121.00), dec!(21), true),
        Some(dec!(21.00))
    );
    assert_eq!(
        wire::line_net(dec!(3), dec!(10.00), Some(("percentage", dec!(12.5)))),
        Some(dec!(26.25))
    );
    assert_eq!(
        wire::line_net(dec!(3), dec!(10.00), Some(("amount", dec!(5)))),
        Some(dec!(25.00))
    );
}

fn sample_client(org: bool) -> MollieClient {
    let auth = if org {
        MollieAuth::OrgToken {
            token: Secret::new(connector::DEMO_TOKEN),
            test_mode: true,
        }
    } else {
        MollieAuth::ApiKey(Secret::new("live_abc"))
    };
    MollieClient::new(MollieConfig {
        base_url: "http://127.0.0.1:9/mollie".into(),
        auth,
    })
    .unwrap()
}

#[test]
fn capabilities_follow_the_sign_in_a_token_has_profiles_and_test_mode_follows_key_or_switch() {
    let key = sample_client(false).capabilities();
    assert!(!key.administrations && !key.test_mode);
    assert!(key.relations.is_local());
    assert_eq!(key.description_max_len, Some(100));
    assert_eq!((key.quantity_dp, key.price_dp), (0, 2));
    assert!(key.discounts.line && key.discounts.invoice);
    assert!(key.creates_invoices && !key.attachments && !key.product_required);
    let codes: Vec<&str> = key.vat_rates.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["21.00", "9.00", "0.00"]);
    let org = sample_client(true).capabilities();
    assert!(org.administrations && org.test_mode);
    assert_eq!(
        org.administration_label,
        Some(Text::new("Profiel", "Profile"))
    );
    let test_key = MollieClient::new(MollieConfig {
        base_url: DEFAULT_BASE_URL.into(),
        auth: MollieAuth::ApiKey(Secret::new(connector::DEMO_KEY)),
    })
    .unwrap();
    assert!(test_key.capabilities().test_mode);
    // A key or token in the wrong shape is refused with where to find it.
    let e = MollieClient::new(MollieConfig {
        base_url: DEFAULT_BASE_URL.into(),
        auth: MollieAuth::ApiKey(Secret::new("access_x")),
    })
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Config);
    assert_eq!(e.field.as_deref(), Some("api_key"));
    let e = MollieClient::new(MollieConfig {
        base_url: DEFAULT_BASE_URL.into(),
        auth: MollieAuth::OrgToken {
            token: Secret::new("test_x"),
            test_mode: false,
        },
    })
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("access_token"));
}

#[test]
fn the_header_shows_the_e_mail_and_payment_fields_only_for_the_status_that_needs_them() {
    let caps = sample_client(false).capabilities();
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let mut d = Draft::new("c1", &caps, today);
    assert_eq!(
        d.extra.get(HEADER_STATUS).map(String::as_str),
        Some("draft")
    );
    assert_eq!(
        d.extra.get(HEADER_PAYMENT_TERM).map(String::as_str),
        Some("30 days")
    );
    let spec = |k: &str| {
        caps.header_fields
            .iter()
            .find(|f| f.key == k)
            .unwrap()
            .clone()
    };
    use invoice_desk_core::fields::{required, shown};
    let (subject, source, reference) = (
        spec(HEADER_EMAIL_SUBJECT),
        spec(HEADER_PAYMENT_SOURCE),
        spec(HEADER_PAYMENT_REFERENCE),
    );
    assert!(!shown(&subject, &d, &caps, None) && !shown(&source, &d, &caps, None));
    d.extra.insert(HEADER_STATUS.into(), "issued".into());
    assert!(required(&subject, &d, &caps, None));
    assert!(!shown(&source, &d, &caps, None));
    d.extra.insert(HEADER_STATUS.into(), "paid".into());
    assert!(shown(&subject, &d, &caps, None) && !required(&subject, &d, &caps, None));
    assert!(required(&source, &d, &caps, None));
    assert!(shown(&reference, &d, &caps, None) && !required(&reference, &d, &caps, None));
    d.extra
        .insert(HEADER_PAYMENT_SOURCE.into(), "payment-link".into());
    assert!(required(&reference, &d, &caps, None));
}

#[test]
fn the_registry_builds_both_sign_ins_of_the_demo_and_neither_totals_nor_texts_are_lost() {
    let c = crate::registry::find(SYSTEM).unwrap();
    assert_eq!(c.name, NAME);
    assert_eq!(c.url.default, DEFAULT_BASE_URL);
    let ids: Vec<&str> = c.sign_in.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["api_key", "org_token"]);
    // The sample (the generated capabilities) signs in as the first demo connection: the
    // organization token, whose profiles are the administrations; the switch is the test mode.
    let b = c.sample(&[("test_mode", "true")]).unwrap();
    assert!(b.writer().is_some() && b.reader().is_some() && b.lookups().is_some());
    let caps = b.capabilities();
    assert!(caps.administrations && caps.test_mode);
    assert!(!c.sample(&[]).unwrap().capabilities().test_mode);
    assert!(!crate::registry::PLANNED.contains(&SYSTEM));
    let _ = Totals::default();
}
