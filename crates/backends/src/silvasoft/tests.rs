//! Unit tests of the Silvasoft mapping against recorded answers (the documentation's examples
//! and answers in the shape the documentation describes).

use super::*;
use chrono::NaiveDate;
use invoice_desk_core::backend::HeaderKey;
use invoice_desk_core::invoice::OutgoingLine;
use invoice_desk_core::totals::{self, LineInput};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn rates() -> Vec<VatRate> {
    vat_rates(&["21".into(), "9".into(), "0".into()]).unwrap()
}

fn relation(number: Option<&str>) -> Relation {
    Relation {
        id: "45".into(),
        kind: RelationKind::Organisation,
        name: "Demo bedrijf".into(),
        number: number.map(String::from),
        email: Some("info@demobedrijf.nl".into()),
        city: Some("Antwerpen".into()),
        vat_number: None,
        archived: false,
    }
}

fn product(code: Option<&str>) -> Product {
    Product {
        id: code.unwrap_or("x").into(),
        code: code.map(String::from),
        description: "Arbeid per uur".into(),
        price_excl: Some(dec!(65.00)),
        price_incl: None,
        vat_code: Some("21".into()),
        group: None,
        archived: false,
        line_defaults: Default::default(),
    }
}

fn line(q: Decimal, p: Decimal, pct: Decimal) -> OutgoingLine {
    OutgoingLine {
        discount: None,
        product: None,
        description: "Werkzaamheden".into(),
        quantity: q,
        unit_price: p,
        vat_code: pct.normalize().to_string(),
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
    OutgoingInvoice {
        discount: None,
        recipient: None,
        identity: uuid::Uuid::new_v4(),
        draft_id: uuid::Uuid::new_v4(),
        administration_id: String::new(),
        relation: relation(Some("1")),
        address_id: None,
        issue_date: NaiveDate::from_ymd_opt(2025, 5, 6).unwrap(),
        reference: String::new(),
        price_basis: basis,
        lines,
        attachments: Vec::new(),
        extra: BTreeMap::new(),
        totals: totals::compute(&inputs, basis, Rounding::PerLine).unwrap(),
    }
}

fn reply(status: u16, body: &str) -> Reply {
    let mut h = HeaderMap::new();
    h.insert("content-type", "application/json".parse().unwrap());
    Reply {
        status: StatusCode::from_u16(status).unwrap(),
        headers: h,
        body: body.as_bytes().to_vec(),
    }
}

fn http() -> Http {
    Http::new(NAME).unwrap()
}

/// The documentation's answer to `addsalestransaction`, shortened.
const DOC_ANSWER: &str = r#"[{ "InvoiceReference": "", "InvoiceOutstandingAmount": 789.69, "InvoiceNotes": "Invoices created from API", "ProjectName": "Pr-123", "ProjectNumber": "1", "InvoiceTotalInclTax": 789.69, "InvoiceType": "BOOKKEEPING", "PackingSlipNotes": "", "CustomerNumber": 1, "InvoiceTaxAmount": 97.29, "InvoiceDueDate": "26-05-2017", "CustomerName": "Demo bedrijf", "InvoiceNumber": 2, "InvoiceDate": "05-05-2017", "InvoiceTotalExclTax": 692.4, "Invoice_Contact": [ { "ContactType": "Invoice", "Email": null, "ContactNotes": null, "FamilyName": "Janssens", "FirstName": "Hendrik", "Phone": null, "Sex": "Man", "LastName": "Janssens", "DefaultContact": true } ], "Invoice_Address": [ { "Address_CountryCode": "BE", "Address_Unit": "55", "Address_City": "Antwerpen", "Address_UnitAppendix": "", "AddressType": "InvoiceAddress", "Address_PostalCode": "2018", "Address_Street": "Voorbeeldstraat" }] }]"#;

// ---- configuration and capabilities --------------------------------------------------------

#[test]
fn base_url_rules() {
    assert_eq!(normalize_base_url("").unwrap(), DEFAULT_BASE_URL);
    assert_eq!(
        normalize_base_url("https://rest-api.silvasoft.nl/").unwrap(),
        "https://rest-api.silvasoft.nl"
    );
    assert_eq!(
        normalize_base_url("http://127.0.0.1:8080/silvasoft/").unwrap(),
        "http://127.0.0.1:8080/silvasoft"
    );
    for bad in [
        "http://rest-api.silvasoft.nl",
        "ftp://x",
        "not a url",
        "https://u:p@x.nl",
        "https://x.nl/?a=1",
    ] {
        let e = normalize_base_url(bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::Config, "{bad}");
    }
}

#[test]
fn config_without_key_or_with_bad_rates_is_refused() {
    let cfg = SilvasoftConfig {
        username: "demo@invoicedesk.nl".into(),
        ..SilvasoftConfig::default()
    };
    assert_eq!(
        SilvasoftClient::new(cfg.clone()).unwrap_err().code,
        ErrorCode::Config
    );
    let cfg = SilvasoftConfig {
        api_key: Secret::new("k"),
        vat_percentages: vec!["21".into(), "hoog".into()],
        ..cfg
    };
    let e = SilvasoftClient::new(cfg).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("vat_percentages"));
}

#[test]
fn vat_rates_use_the_percentage_as_code() {
    let r = vat_rates(&[
        "21".into(),
        "9.0".into(),
        "5,5%".into(),
        "0".into(),
        "21".into(),
    ])
    .unwrap();
    let codes: Vec<&str> = r.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["21", "9", "5.5", "0"]);
    assert_eq!(r[0].label.en, "21%");
    assert_eq!(r[2].label.nl, "5,5%");
    assert_eq!(r[2].percent, dec!(5.5));
    // Empty: the Dutch rates.
    assert_eq!(vat_rates(&[]).unwrap().len(), 3);
}

#[test]
fn capabilities_per_module() {
    let b = capabilities(SilvasoftModule::Bookkeeping, rates(), None);
    assert_eq!(b.kind.as_str(), SYSTEM);
    assert_eq!(
        b.price_bases,
        vec![PriceBasis::InclVat, PriceBasis::ExclVat]
    );
    assert_eq!(b.rounding, Rounding::PerLine);
    assert!(!b.product_required && !b.attachments && !b.administrations && !b.addresses);
    assert_eq!(b.max_lines, Some(75));
    assert_eq!((b.quantity_dp, b.price_dp), (2, 2));
    assert_eq!(b.app_numbering, None);
    let keys: Vec<&str> = b.header_fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "invoice_number",
            "invoice_notes",
            "invoice_project",
            "select_project_by",
            "invoice_file_url"
        ]
    );
    assert_eq!(
        b.header_fields[0].help.as_ref().unwrap().en,
        "Leave empty to let Silvasoft number it."
    );
    assert_eq!(b.header_fields[3].default.as_deref(), Some("NUMBER"));
    match &b.header_fields[4].kind {
        FieldKind::Url { extensions } => assert_eq!(extensions.len(), 6),
        other => panic!("{other:?}"),
    }
    let line_keys: Vec<&str> = b.line_fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(line_keys, ["cost_center", "ledger_account_number"]);

    let i = capabilities(SilvasoftModule::Invoicing, rates(), Some(2026001));
    assert_eq!(i.price_bases, vec![PriceBasis::ExclVat]);
    assert_eq!(i.rounding, Rounding::PerTotal);
    assert!(i.product_required && i.attachments);
    assert_eq!(i.max_attachment_bytes, Some(10 * 1024 * 1024));
    assert_eq!(i.app_numbering, Some(2026001));
    assert_eq!(
        i.header_fields[0].help.as_ref().unwrap().en,
        "Leave empty: Invoice Desk numbers it."
    );
    let keys: Vec<&str> = i.header_fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "invoice_number",
            "add_as_draft",
            "invoice_notes",
            "invoice_discount_pc",
            "invoice_due_days"
        ]
    );
    assert!(i
        .header_fields
        .iter()
        .all(|f| !f.label.nl.is_empty() && !f.label.en.is_empty()));
}

// ---- bodies ---------------------------------------------------------------------------------

#[test]
fn bookkeeping_body_is_exact() {
    // Gross entry: 100 km × 0.65 incl. 21 % is exactly 65.00; a line at 9 %; a credit at 0 %.
    let mut l1 = line(dec!(100), dec!(0.65), dec!(21));
    l1.description = "Kilometers".into();
    l1.extra_description = "Rit Utrecht – Gent".into();
    l1.extra.insert("cost_center".into(), "Projecten".into());
    l1.extra
        .insert("ledger_account_number".into(), "8000".into());
    let l2 = line(dec!(3), dec!(4.10), dec!(9));
    let l3 = line(dec!(-1), dec!(12.5), dec!(0));
    let mut inv = invoice(vec![l1, l2, l3], PriceBasis::InclVat);
    inv.reference = "PO-77".into();
    inv.extra.insert("invoice_number".into(), "2026001".into());
    inv.extra.insert("invoice_project".into(), "Pr-123".into());
    inv.extra
        .insert("invoice_file_url".into(), "https://x.nl/bon.PDF".into());
    body::precheck(&inv, SilvasoftModule::Bookkeeping, &rates()).unwrap();
    let b = body::body(&inv, SilvasoftModule::Bookkeeping, &[]).unwrap();
    let expected: Value = serde_json::from_str(
        r#"{
            "CustomerNumber": 1,
            "InvoiceDate": "06-05-2025",
            "InvoiceNumber": 2026001,
            "InvoiceNotes": "Ref: PO-77",
            "InvoiceFileUrl": "https://x.nl/bon.PDF",
            "InvoiceProject": "Pr-123",
            "SelectProjectBy": "NUMBER",
            "Invoice_InvoiceLine": [
                {"SubTotalInclTax": 65.00, "TaxPc": 21, "Description": "Kilometers\nRit Utrecht – Gent",
                 "CostCenter": "Projecten", "LedgerAccountNumber": "8000"},
                {"SubTotalInclTax": 12.30, "TaxPc": 9, "Description": "Werkzaamheden"},
                {"SubTotalInclTax": -12.50, "TaxPc": 0, "Description": "Werkzaamheden"}
            ]
        }"#,
    )
    .unwrap();
    assert_eq!(b, expected);
    let text = serde_json::to_string(&b).unwrap();
    assert!(text.contains(r#""SubTotalInclTax":65.00"#), "{text}");
    assert!(text.contains(r#""SubTotalInclTax":12.30"#), "{text}");
    assert!(text.contains(r#""SubTotalInclTax":-12.50"#), "{text}");
    assert!(text.contains(r#""TaxPc":21"#), "{text}");
    assert!(
        !text.contains("65,00") && !text.contains("65.0000"),
        "{text}"
    );
}

#[test]
fn bookkeeping_net_entry_sends_the_gross_per_line() {
    // 3 × 12.50 excl. 21 %: 37.50 + 7.88 = 45.38.
    let inv = invoice(
        vec![line(dec!(3), dec!(12.50), dec!(21))],
        PriceBasis::ExclVat,
    );
    let b = body::body(&inv, SilvasoftModule::Bookkeeping, &[]).unwrap();
    assert_eq!(
        b["Invoice_InvoiceLine"][0]["SubTotalInclTax"].to_string(),
        "45.38"
    );
    // The same computed without the preview.
    let mut bare = inv.clone();
    bare.totals.lines.clear();
    assert_eq!(body::line_gross(&bare, 0), Some(dec!(45.38)));
}

#[test]
fn notes_win_over_the_reference_and_names_identify_without_a_number() {
    let mut inv = invoice(vec![line(dec!(1), dec!(10), dec!(21))], PriceBasis::InclVat);
    inv.reference = "PO-77".into();
    inv.extra
        .insert("invoice_notes".into(), "Onderhoud mei".into());
    inv.relation = relation(None);
    let b = body::body(&inv, SilvasoftModule::Bookkeeping, &[]).unwrap();
    assert_eq!(b["InvoiceNotes"], "Onderhoud mei");
    assert_eq!(b["CustomerName"], "Demo bedrijf");
    assert_eq!(b["CustomerEmail"], "info@demobedrijf.nl");
    assert!(b.get("CustomerNumber").is_none());
    assert!(b.get("InvoiceNumber").is_none());
    assert!(b.get("SelectProjectBy").is_none());
}

#[test]
fn invoicing_body_is_exact() {
    let mut l = line(dec!(2.5), dec!(65), dec!(21));
    l.product = Some(product(Some("ARB-UUR")));
    l.description = "Arbeid".into();
    let mut inv = invoice(vec![l], PriceBasis::ExclVat);
    inv.reference = "Order 5512".into();
    inv.extra.insert("add_as_draft".into(), "true".into());
    inv.extra.insert("invoice_discount_pc".into(), "2,5".into());
    inv.extra.insert("invoice_due_days".into(), "30".into());
    body::precheck(&inv, SilvasoftModule::Invoicing, &rates()).unwrap();
    let file = attach::ResolvedFile {
        name: "bon.pdf".into(),
        content_type: "application/pdf",
        bytes: Arc::new(b"%PDF-1.4".to_vec()),
    };
    let b = body::body(&inv, SilvasoftModule::Invoicing, &[file]).unwrap();
    let expected: Value = serde_json::from_str(
        r#"{
            "CustomerNumber": 1,
            "InvoiceDate": "06-05-2025",
            "AddAsDraft": true,
            "InvoiceReference": "Order 5512",
            "InvoiceDiscountPc": 2.5,
            "InvoiceDueDays": 30,
            "FileName": "bon.pdf",
            "FileContent": "JVBERi0xLjQ=",
            "Invoice_InvoiceLine": [
                {"ProductNumber": "ARB-UUR", "Quantity": 2.5, "UnitPriceExclTax": 65.00,
                 "TaxPc": 21, "Description": "Arbeid"}
            ]
        }"#,
    )
    .unwrap();
    assert_eq!(b, expected);
    let text = serde_json::to_string(&b).unwrap();
    assert!(text.contains(r#""UnitPriceExclTax":65.00"#), "{text}");
    assert!(text.contains(r#""Quantity":2.5"#), "{text}");
}

#[test]
fn prechecks_refuse_before_sending() {
    let ok_line = || line(dec!(1), dec!(10), dec!(21));
    let check = |inv: &OutgoingInvoice, m| body::precheck(inv, m, &rates());

    let inv = invoice((0..75).map(|_| ok_line()).collect(), PriceBasis::InclVat);
    check(&inv, SilvasoftModule::Bookkeeping).unwrap();
    let inv = invoice((0..76).map(|_| ok_line()).collect(), PriceBasis::InclVat);
    let e = check(&inv, SilvasoftModule::Bookkeeping).unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.field.as_deref(), Some("lines"));

    let inv = invoice(Vec::new(), PriceBasis::InclVat);
    assert_eq!(
        check(&inv, SilvasoftModule::Bookkeeping)
            .unwrap_err()
            .field
            .as_deref(),
        Some("lines")
    );

    let mut inv = invoice(
        vec![ok_line(), line(dec!(1), dec!(1), dec!(6))],
        PriceBasis::InclVat,
    );
    inv.lines[1].vat_code = "6".into();
    let e = check(&inv, SilvasoftModule::Bookkeeping).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("lines[1].vat_code"));
    assert!(e.fields[0].message.en.contains("6%"));

    let mut inv = invoice(vec![ok_line()], PriceBasis::InclVat);
    inv.extra
        .insert("invoice_file_url".into(), "https://x.nl/bon.exe".into());
    let e = check(&inv, SilvasoftModule::Bookkeeping).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("extra.invoice_file_url"));

    let mut inv = invoice(vec![ok_line()], PriceBasis::InclVat);
    inv.extra.insert("invoice_number".into(), "-4".into());
    assert_eq!(
        check(&inv, SilvasoftModule::Bookkeeping)
            .unwrap_err()
            .field
            .as_deref(),
        Some("extra.invoice_number")
    );

    let mut with_product = ok_line();
    with_product.product = Some(product(Some("ARB-UUR")));
    let mut inv = invoice(vec![with_product.clone()], PriceBasis::ExclVat);
    inv.reference = "x".repeat(150);
    check(&inv, SilvasoftModule::Invoicing).unwrap();
    inv.reference = "x".repeat(151);
    let e = check(&inv, SilvasoftModule::Invoicing).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("reference"));

    let mut no_code = ok_line();
    no_code.product = Some(product(None));
    let inv = invoice(vec![with_product.clone(), no_code], PriceBasis::ExclVat);
    let e = check(&inv, SilvasoftModule::Invoicing).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("lines[1].product"));

    let inv = invoice(vec![with_product.clone()], PriceBasis::InclVat);
    assert_eq!(
        check(&inv, SilvasoftModule::Invoicing)
            .unwrap_err()
            .field
            .as_deref(),
        Some("price_basis")
    );

    let mut inv = invoice(vec![ok_line()], PriceBasis::InclVat);
    inv.attachments.push("mem:x:y:z".into());
    assert_eq!(
        check(&inv, SilvasoftModule::Bookkeeping)
            .unwrap_err()
            .field
            .as_deref(),
        Some("attachments")
    );
}

// ---- answers --------------------------------------------------------------------------------

#[test]
fn the_documented_answer_is_a_receipt() {
    let mut inv = invoice(
        vec![line(dec!(1), dec!(789.69), dec!(21))],
        PriceBasis::InclVat,
    );
    let r = answer::interpret(
        &http(),
        &reply(200, DOC_ANSWER),
        &inv,
        SilvasoftModule::Bookkeeping,
        None,
    )
    .unwrap();
    assert_eq!(r.remote_id, "2");
    assert_eq!(r.number.as_deref(), Some("2"));
    assert_eq!(r.total_gross, Some(dec!(789.69)));
    assert!(r.warnings.is_empty());
    // A total other than the preview's is reported with both amounts.
    inv.totals.gross = dec!(789.70);
    let r = answer::interpret(
        &http(),
        &reply(200, DOC_ANSWER),
        &inv,
        SilvasoftModule::Bookkeeping,
        None,
    )
    .unwrap();
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].en.contains("789.69"), "{}", r.warnings[0].en);
    assert!(r.warnings[0].en.contains("789.70"), "{}", r.warnings[0].en);
    assert!(
        r.warnings[0].nl.contains("€ 789,69"),
        "{}",
        r.warnings[0].nl
    );
    assert!(
        r.warnings[0].nl.contains("€ 789,70"),
        "{}",
        r.warnings[0].nl
    );
}

#[test]
fn empty_and_unreadable_answers() {
    let inv = invoice(vec![line(dec!(1), dec!(1), dec!(21))], PriceBasis::InclVat);
    for body in ["{}", "[]", "[{}]"] {
        let e = answer::interpret(
            &http(),
            &reply(200, body),
            &inv,
            SilvasoftModule::Bookkeeping,
            None,
        )
        .unwrap_err();
        // Documented as "not created", but no definite refusal: looked up before a resend.
        assert_eq!(e.code, ErrorCode::Uncertain, "{body}");
    }
    for status in [500, 502, 504] {
        let e = answer::interpret(
            &http(),
            &reply(
                status,
                r#"{"errorCode":"TECHNICAL_ERROR","errorMessage":"Bad Gateway"}"#,
            ),
            &inv,
            SilvasoftModule::Bookkeeping,
            Some(77),
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::Uncertain, "{status}");
    }
    for body in [
        "",
        "<html>oops</html>",
        r#"[{"InvoiceType":"BOOKKEEPING"}]"#,
    ] {
        let e = answer::interpret(
            &http(),
            &reply(200, body),
            &inv,
            SilvasoftModule::Bookkeeping,
            None,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::Uncertain, "{body}");
    }
    // Without a number in the answer, the number we sent identifies it.
    let r = answer::interpret(
        &http(),
        &reply(
            200,
            r#"[{"InvoiceType":"BOOKKEEPING","InvoiceTotalInclTax":1}]"#,
        ),
        &inv,
        SilvasoftModule::Bookkeeping,
        Some(77),
    )
    .unwrap();
    assert_eq!(r.remote_id, "77");
    let e = answer::interpret(
        &http(),
        &reply(
            500,
            r#"{"errorCode":"TECHNICAL_ERROR","errorMessage":"Technical error"}"#,
        ),
        &inv,
        SilvasoftModule::Bookkeeping,
        None,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Uncertain);
    assert_eq!(e.detail.as_deref(), Some("Technical error"));
}

fn refusal_fields(message: &str, inv: &OutgoingInvoice, module: SilvasoftModule) -> Error {
    let body = json!({"errorCode": "INVALID_PARAMETER", "errorMessage": message}).to_string();
    answer::interpret(&http(), &reply(400, &body), inv, module, None).unwrap_err()
}

#[test]
fn refusals_land_on_their_fields() {
    let mut l2 = line(dec!(1), dec!(1), dec!(9));
    l2.product = Some(product(Some("KOF-1KG")));
    l2.extra
        .insert("ledger_account_number".into(), "9999".into());
    let mut l1 = line(dec!(1), dec!(1), dec!(21));
    l1.product = Some(product(Some("ARB-UUR")));
    let inv = invoice(vec![l1, l2], PriceBasis::ExclVat);
    let cases = [
        ("Customer with CustomerNumber 5 not found", "relation"),
        ("No customer found with CustomerName 'X'", "relation"),
        ("InvoiceDate '2025-05-06' is not a valid date in format dd-MM-yyyy", "issue_date"),
        ("InvoiceNumber 2026001 already exists", "extra.invoice_number"),
        (
            "InvoiceFileUrl 'https://x/y.exe' must end with one of .jpg, .png",
            "extra.invoice_file_url",
        ),
        (
            "Invoice_InvoiceLine[1].TaxPc 6 is not a tax percentage of your administration",
            "lines[1].vat_code",
        ),
        (
            "Invoice_InvoiceLine[0]: product with ProductNumber 'ARB-UUR' not found",
            "lines[0].product",
        ),
        ("product 'KOF-1KG' is archived", "lines[1].product"),
        (
            "Invoice_InvoiceLine[1].LedgerAccountNumber '9999' does not exist in your administration",
            "lines[1].ledger_account_number",
        ),
        ("btw percentage 9 not found in user administration", "lines[1].vat_code"),
        (
            "JSONObject[\"SubTotalInclTax\"] is not a number.",
            "lines",
        ),
        ("Maximum 75 invoice lines allowed, got 76 (Invoice_InvoiceLine)", "lines"),
        ("InvoiceReference exceeds the maximum length of 150 characters", "reference"),
        ("SelectProjectBy must be NAME or NUMBER, got 'X'", "extra.select_project_by"),
        ("InvoiceProject 'P9' not found (SelectProjectBy NUMBER)", "extra.invoice_project"),
    ];
    for (msg, field) in cases {
        let e = refusal_fields(msg, &inv, SilvasoftModule::Invoicing);
        assert_eq!(e.code, ErrorCode::Refused, "{msg}");
        assert_eq!(e.field.as_deref(), Some(field), "{msg}: {:?}", e.fields);
        assert_eq!(
            e.detail.as_deref(),
            Some(format!("INVALID_PARAMETER: {msg}").as_str())
        );
        assert!(e.message.en.contains(msg));
    }
    let e = refusal_fields("JSON is incorrect", &inv, SilvasoftModule::Invoicing);
    assert!(e.field.is_none() && e.fields.is_empty());
    let e = refusal_fields(
        "InvoiceNumber 2026001 already exists",
        &inv,
        SilvasoftModule::Invoicing,
    );
    assert!(answer::is_duplicate_number(&e));
    let e = refusal_fields("No customer found", &inv, SilvasoftModule::Invoicing);
    assert!(!answer::is_duplicate_number(&e));
}

#[test]
fn a_401_is_told_apart() {
    let e = unauthorized(br#"{"errorCode":"UNAUTHORIZED","errorMessage":"Ratelimit exceeded"}"#);
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert_eq!(e.retry_after, Some(Duration::from_secs(60)));
    assert!(e.message.en.contains("hourly quota"));
    let e = unauthorized(
        br#"{"errorCode":"UNAUTHORIZED","errorMessage":"Invalid authentication credentials"}"#,
    );
    assert_eq!(e.code, ErrorCode::AuthFailed);
    assert!(e.message.en.contains("or the trial period has ended"));
    assert_eq!(unauthorized(b"").code, ErrorCode::AuthFailed);
}

// ---- lists ----------------------------------------------------------------------------------

#[test]
fn list_shapes() {
    assert_eq!(wire::rows(b"").unwrap().len(), 0);
    assert_eq!(wire::rows(b"  \n").unwrap().len(), 0);
    assert_eq!(wire::rows(b"{}").unwrap().len(), 0);
    assert_eq!(wire::rows(b"[]").unwrap().len(), 0);
    assert_eq!(wire::rows(br#"[{"a":1},{"b":2}]"#).unwrap().len(), 2);
    assert!(wire::rows(br#"{"errorCode":"X","errorMessage":"Y"}"#).is_none());
    assert!(wire::rows(b"<html>").is_none());
}

fn relation_row(v: Value) -> Relation {
    map_relation(wire::relation(v.as_object().unwrap()).unwrap())
}

#[test]
fn relations_map() {
    let business = relation_row(json!({
        "RelationGUID": 1000045, "Name": "Jansen Installatietechniek B.V.", "IsCustomer": true,
        "CustomerNumber": 2, "SupplierNumber": null, "Email": "info@jansen.nl",
        "TaxIdentificationNumber": "812345678B01", "RegistrationNumber": "30123456",
        "Address_City": "Utrecht",
        "Relation_Contact": [{"FirstName": "Piet", "LastName": "Jansen", "Email": "piet.jansen@jansen.nl", "DefaultContact": true}],
        "createdOn": 1700000000
    }));
    assert_eq!(business.id, "1000045");
    assert_eq!(business.number.as_deref(), Some("2"));
    assert_eq!(business.kind, RelationKind::Organisation);
    assert_eq!(business.vat_number.as_deref(), Some("812345678B01"));
    assert_eq!(business.city.as_deref(), Some("Utrecht"));
    assert!(!business.archived);

    let person = relation_row(json!({
        "RelationGUID": "1000046", "Name": "J. de Vries", "CustomerNumber": 0,
        "Email": "jan.devries@gmail.com", "TaxIdentificationNumber": null,
        "Relation_Contact": [{"FirstName": "Jan", "LastName": "de Vries", "Email": "jan.devries@gmail.com", "DefaultContact": true}]
    }));
    assert_eq!(person.kind, RelationKind::Person);
    assert_eq!(person.number, None, "0 counts as no number");

    let full_name = relation_row(json!({
        "RelationGUID": 7, "Name": "Anna Bakker", "Email": null,
        "Relation_Contact": [{"FirstName": "Anna", "LastName": "Bakker"}]
    }));
    assert_eq!(full_name.kind, RelationKind::Person);

    let shop = relation_row(json!({
        "RelationGUID": 8, "Name": "Bakkerij van Dam", "Email": "administratie@vandamgroep.nl",
        "Relation_Contact": [{"FirstName": "Kees", "LastName": "van Dam", "Email": null}]
    }));
    assert_eq!(shop.kind, RelationKind::Organisation);

    let explicit = relation_row(json!({"RelationGUID": 9, "Name": "X", "IsPrivate": true}));
    assert_eq!(explicit.kind, RelationKind::Person);
    assert!(wire::relation(json!({"Name": "no guid"}).as_object().unwrap()).is_none());
}

#[test]
fn products_map_exactly() {
    let row = json!({
        "Name": "Koffie 1 kg", "ArticleNumber": "KOF-1KG", "Category": "Horeca",
        "Description": "Bonen", "Price": 12.5, "VATPercentage": 9, "IsArchived": false,
        "CreatedOn": 1, "ChangedOn": 2
    });
    let p = map_product(wire::product(row.as_object().unwrap()), &rates()).unwrap();
    assert_eq!(p.id, "KOF-1KG");
    assert_eq!(p.code.as_deref(), Some("KOF-1KG"));
    assert_eq!(p.description, "Koffie 1 kg");
    assert_eq!(p.price_excl, Some(dec!(12.50)));
    assert_eq!(p.price_excl.unwrap().to_string(), "12.50");
    assert_eq!(p.vat_code.as_deref(), Some("9"));
    assert_eq!(p.group.as_deref(), Some("Horeca"));
    // A price with more digits than an f64 keeps them all; an unknown rate gives no code.
    let body = br#"[{"Name":"X","ArticleNumber":1001,"Price":1234567890.123456789,"VATPercentage":6.0,"IsArchived":true}]"#;
    let rows = wire::rows(body).unwrap();
    let p = map_product(wire::product(&rows[0]), &rates()).unwrap();
    assert_eq!(p.code.as_deref(), Some("1001"));
    assert_eq!(p.price_excl.unwrap().to_string(), "1234567890.123456789");
    assert_eq!(p.vat_code, None);
    assert!(p.archived);
}

#[test]
fn product_cursor_round_trips() {
    let c = ProductCursor {
        phase: ProductPhase::Changed,
        offset: 300,
        since: 1_700_000_000,
        run_start: 1_700_000_600,
        full_at: 1_699_990_000,
    };
    assert_eq!(ProductCursor::decode(&c.encode()), Some(c));
    assert_eq!(ProductCursor::decode("r1:5"), None);
    assert_eq!(relation_offset(Some("r1:400")), 400);
    assert_eq!(relation_offset(Some("r1:complete")), 0);
    assert_eq!(relation_offset(None), 0);
}

#[test]
fn customers_are_identified_by_number_else_by_name_and_email() {
    assert_eq!(
        customer_identification(&relation(Some(" 0042 "))),
        CustomerIdentification::Number(42)
    );
    let by_name = customer_identification(&relation(Some("K-12")));
    assert_eq!(
        by_name,
        CustomerIdentification::NameAndEmail {
            name: "Demo bedrijf".into(),
            email: Some("info@demobedrijf.nl".into())
        }
    );
    assert!(by_name.may_be_ambiguous());
    assert!(!customer_identification(&relation(Some("1"))).may_be_ambiguous());
    let mut r = relation(None);
    r.email = Some("  ".into());
    assert_eq!(
        customer_identification(&r),
        CustomerIdentification::NameAndEmail {
            name: "Demo bedrijf".into(),
            email: None
        }
    );
}

// ---- attachments ----------------------------------------------------------------------------

fn upload(bytes: &[u8], name: &str, path: Option<String>) -> Upload {
    Upload {
        id: uuid::Uuid::new_v4(),
        file_name: name.into(),
        content_type: "application/octet-stream".into(),
        bytes: bytes.to_vec(),
        path,
    }
}

#[test]
fn attachment_types_and_sizes() {
    assert_eq!(
        attach::check(&upload(b"%PDF-1.7", "a.pdf", None)).unwrap(),
        "application/pdf"
    );
    assert_eq!(
        attach::check(&upload(&[0x89, b'P', b'N', b'G', 1], "a.png", None)).unwrap(),
        "image/png"
    );
    assert_eq!(
        attach::check(&upload(&[0xFF, 0xD8, 0xFF, 0], "a.jpg", None)).unwrap(),
        "image/jpeg"
    );
    assert_eq!(
        attach::check(&upload(b"GIF89a..", "a.gif", None)).unwrap(),
        "image/gif"
    );
    assert!(attach::check(&upload(b"PK\x03\x04..", "a.docx", None)).is_ok());
    assert!(attach::check(&upload(b"PK\x03\x04..", "a.zip", None)).is_err());
    assert!(attach::check(&upload(b"MZ....", "a.pdf", None)).is_err());
    assert!(attach::check(&upload(b"", "a.pdf", None)).is_err());
    let mut big = b"%PDF".to_vec();
    big.resize(10 * 1024 * 1024 + 1, 0);
    let e = attach::check(&upload(&big, "big.pdf", None)).unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    big.truncate(10 * 1024 * 1024);
    assert!(attach::check(&upload(&big, "big.pdf", None)).is_ok());
}

#[test]
fn attachment_references_find_the_bytes_again() {
    let dir = std::env::temp_dir().join(format!("silvasoft-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bon café.pdf");
    std::fs::write(&path, b"%PDF-1.4 bon").unwrap();
    let u = upload(
        b"%PDF-1.4 bon",
        "bon café.pdf",
        Some(path.display().to_string()),
    );
    let reference = attach::reference(&u);
    assert!(reference.starts_with("file:"), "{reference}");
    // A new client (after a restart) reads the file again.
    let fresh = attach::FileStore::default();
    let f = fresh.resolve(&reference).unwrap();
    assert_eq!(f.name, "bon café.pdf");
    assert_eq!(f.bytes.as_slice(), b"%PDF-1.4 bon");
    assert_eq!(f.content_type, "application/pdf");
    // A changed file is not sent.
    std::fs::write(&path, b"%PDF-1.4 other").unwrap();
    let e = attach::FileStore::default()
        .resolve(&reference)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.field.as_deref(), Some("attachments"));
    // A file grown past Silvasoft's limit is refused from its size, without reading it.
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(10 * 1024 * 1024 + 1).unwrap();
    drop(f);
    let e = attach::FileStore::default()
        .resolve(&reference)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert!(e.message.en.contains("grown beyond"), "{}", e.message.en);
    // A file gone is an I/O error.
    std::fs::remove_file(&path).unwrap();
    let e = attach::FileStore::default()
        .resolve(&reference)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Io);
    // Kept in memory by the client that checked it.
    assert!(fresh.resolve(&reference).is_ok());
    // Without a path: memory only.
    let m = upload(b"%PDF-1.4", "x.pdf", None);
    let r = attach::reference(&m);
    assert!(r.starts_with("mem:"));
    let e = attach::FileStore::default().resolve(&r).unwrap_err();
    assert!(e.message.en.contains("x.pdf"), "{}", e.message.en);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn upload_checks_and_reports_progress() {
    let client = SilvasoftClient::new(SilvasoftConfig {
        base_url: "http://127.0.0.1:9/silvasoft".into(),
        username: "unit@invoicedesk.nl".into(),
        api_key: Secret::new("k"),
        module: SilvasoftModule::Invoicing,
        ..SilvasoftConfig::default()
    })
    .unwrap();
    let calls = Mutex::new(Vec::new());
    let progress = |a: u64, b: u64| calls.lock().unwrap().push((a, b));
    let r = client
        .upload_attachment("", &upload(b"%PDF-1.4 x", "x.pdf", None), &progress)
        .await
        .unwrap();
    assert_eq!(*calls.lock().unwrap(), vec![(0, 10), (10, 10)]);
    assert!(client.inner.files.resolve(&r).is_ok());
    let e = client
        .upload_attachment("", &upload(b"hello", "x.txt", None), &|_, _| {})
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    // The bookkeeping module takes no files.
    let b = SilvasoftClient::new(SilvasoftConfig {
        base_url: "http://127.0.0.1:9/silvasoft".into(),
        username: "unit@invoicedesk.nl".into(),
        api_key: Secret::new("k"),
        ..SilvasoftConfig::default()
    })
    .unwrap();
    assert!(b
        .upload_attachment("", &upload(b"%PDF-1.4 x", "x.pdf", None), &|_, _| {})
        .await
        .is_err());
}

#[test]
fn debug_hides_the_key() {
    let cfg = SilvasoftConfig {
        username: "unit@invoicedesk.nl".into(),
        api_key: Secret::new("very-secret-key"),
        ..SilvasoftConfig::default()
    };
    assert!(!format!("{cfg:?}").contains("very-secret-key"));
    let client = SilvasoftClient::new(cfg).unwrap();
    assert!(!format!("{client:?}").contains("very-secret-key"));
}

// ---- the pre-send check while the clerk types ----------------------------------------------

fn silvasoft_client(module: SilvasoftModule) -> SilvasoftClient {
    SilvasoftClient::new(SilvasoftConfig {
        base_url: "http://127.0.0.1:9/silvasoft".into(),
        username: "unit@invoicedesk.nl".into(),
        api_key: Secret::new("k"),
        module,
        ..SilvasoftConfig::default()
    })
    .unwrap()
}

/// What the form shows on its fields as the clerk types: the form's checks and Silvasoft's.
fn shown_before_send(client: &SilvasoftClient, d: &Draft) -> Vec<(String, String)> {
    let caps = client.capabilities();
    let mut ev = invoice_desk_core::invoice::evaluate(d, &caps);
    invoice_desk_core::fields::merge_issues(&mut ev.issues, client.precheck(d, &caps));
    ev.issues
        .into_iter()
        .map(|i| (i.field, i.message.en))
        .collect()
}

fn silvasoft_draft(client: &SilvasoftClient) -> Draft {
    let caps = client.capabilities();
    let mut d = Draft::new("c1", &caps, NaiveDate::from_ymd_opt(2025, 5, 6).unwrap());
    d.relation = Some(relation(Some("1")));
    d.lines[0].description = "Werkzaamheden".into();
    d.lines[0].product = Some(product(Some("ARB-UUR")));
    d.lines[0].unit_price = "10".into();
    d.lines[0].vat_code = "21".into();
    d
}

fn fields(shown: &[(String, String)]) -> Vec<&str> {
    shown.iter().map(|(f, _)| f.as_str()).collect()
}

#[test]
fn a_customer_without_number_or_name_shows_on_the_relation_before_send() {
    let client = silvasoft_client(SilvasoftModule::Bookkeeping);
    let mut d = silvasoft_draft(&client);
    assert!(shown_before_send(&client, &d).is_empty());
    let r = d.relation.as_mut().unwrap();
    r.number = None;
    r.name = "  ".into();
    assert_eq!(
        shown_before_send(&client, &d),
        vec![(
            "relation".to_string(),
            "This relation has no customer number and no name; Silvasoft cannot find it."
                .to_string()
        )]
    );
}

#[test]
fn an_invoice_number_of_zero_or_below_shows_on_its_field_before_send() {
    let client = silvasoft_client(SilvasoftModule::Bookkeeping);
    let mut d = silvasoft_draft(&client);
    for bad in ["0", "-4"] {
        d.extra.insert("invoice_number".into(), bad.into());
        assert_eq!(
            shown_before_send(&client, &d),
            vec![(
                "extra.invoice_number".to_string(),
                "A Silvasoft invoice number is a whole number above 0.".to_string()
            )],
            "{bad}"
        );
    }
    d.extra.insert("invoice_number".into(), "12".into());
    assert!(shown_before_send(&client, &d).is_empty());
}

#[test]
fn invoicing_rules_show_on_their_fields_before_send() {
    let client = silvasoft_client(SilvasoftModule::Invoicing);
    let mut d = silvasoft_draft(&client);
    assert!(shown_before_send(&client, &d).is_empty());
    // A product without an article number, on the draft's second row.
    d.lines.push(d.lines[0].clone());
    d.lines[1].id = uuid::Uuid::new_v4();
    d.lines[1].product = Some(product(None));
    d.extra.insert("invoice_discount_pc".into(), "120".into());
    d.extra.insert("invoice_due_days".into(), "-3".into());
    d.reference = "x".repeat(151);
    d.attachments = vec![
        invoice_desk_core::invoice::DraftAttachment::default(),
        invoice_desk_core::invoice::DraftAttachment::default(),
    ];
    let shown = shown_before_send(&client, &d);
    let mut f = fields(&shown);
    f.sort_unstable();
    assert_eq!(
        f,
        [
            "attachments",
            "extra.invoice_discount_pc",
            "extra.invoice_due_days",
            "lines[1].product",
            "reference",
        ]
    );
    // The reference's limit is declared with the header, so the form states it itself.
    let reference = shown.iter().find(|(f, _)| f == "reference").unwrap();
    assert_eq!(
        reference.1,
        "'Reference' can have at most 150 characters; this one has 151."
    );
}

#[test]
fn the_declared_header_is_what_each_module_sends() {
    let b = capabilities(SilvasoftModule::Bookkeeping, rates(), None);
    let i = capabilities(SilvasoftModule::Invoicing, rates(), None);
    let keys = |c: &Capabilities| {
        c.declared_header()
            .iter()
            .map(|h| h.key)
            .collect::<Vec<_>>()
    };
    let all = [
        HeaderKey::IssueDate,
        HeaderKey::Reference,
        HeaderKey::PriceBasis,
    ];
    assert_eq!(keys(&b), all);
    assert_eq!(keys(&i), all);
    assert_eq!(b.header_field(HeaderKey::Reference).unwrap().max_len, None);
    assert_eq!(
        i.header_field(HeaderKey::Reference).unwrap().max_len,
        Some(body::MAX_REFERENCE_CHARS)
    );
}
