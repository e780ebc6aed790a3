//! Bouwsoft's wire without a server: the odd values of the documentation, the filter and sort,
//! the data server's address, the token answer, the texts.

use super::*;
use chrono::{NaiveDate, TimeZone};
use invoice_desk_core::reader::{InvoiceSort, InvoiceState};
use rust_decimal_macros::dec;

/// The first record of the documentation's example, as printed (en dashes, curly quotes).
const DOC: &str = "{\u{201c}Content-Range\u{201d}:\u{201c}0\u{2013}4/3412\u{201d},\n\u{201c}Records\u{201d}:[{\"id\": 24, \"nr\": 20120002, \"nr_add\": \"\", \"date\": \"2012\u{2013}03\u{2013}08\", \"expirationdate\": \"\", \"pricedecimals\": 2, \"address_id\": 40681, \"address_name\": \"Iserbyt\", \"address_address\": \"Stefaniestraat 48\", \"address_zipcode\": \"2018\", \"address_city\": \"Antwerpen 1\", \"address_countrycode\": \"BE\", \"contact_name\": \"\", \"vatnr\": \"BE 0427.257.581\", \"yourreference\": \"testingref\", \"project_id\": 0, \"project_name\": \"\", \"basis\": 165.0, \"vatamount\": 34.649999999999999, \"amountinclvat\": 199.650000000000006, \"basis2\": 0.0, \"taxableamount2\": 0.0, \"vatcode2\": \"0M\", \"vatpercent2\": 0, \"vatcocontractor2\": true, \"vatamount2\": 0.0, \"amountinclvat2\": 0.0, \"basis4\": 40.0, \"taxableamount4\": 40.0, \"vatcode4\": \"12\", \"vatpercent4\": 12.5, \"vatcocontractor4\": false, \"vatamount4\": 5.0, \"amountinclvat4\": 45.0, \"basis5\": 125.0, \"taxableamount5\": 125.0, \"vatcode5\": \"21\", \"vatpercent5\": 21, \"vatcocontractor5\": false, \"vatamount5\": 26.249999999999999, \"amountinclvat5\": 151.25, \"senttoaccountingsoftware\": true, \"einvoice_sent\": false, \"balance\": \u{2013}1105.690000000000055}]}";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default()
}

#[test]
fn the_documentations_example_is_read_with_its_en_dashes_and_long_floats() {
    let page = wire::parse_page(DOC.as_bytes()).expect("a page");
    assert_eq!(page.first, Some(0));
    assert_eq!(page.total, Some(3412));
    let s = wire::summary(&page.records[0], today()).expect("a summary");
    assert_eq!(s.id, "24");
    assert_eq!(s.number.as_deref(), Some("20120002"));
    assert_eq!(
        s.date,
        NaiveDate::from_ymd_opt(2012, 3, 8).unwrap_or_default()
    );
    assert_eq!(s.due_date, None, "an empty date is no date");
    assert_eq!(s.total_excl, dec!(165.00));
    assert_eq!(s.total_vat, dec!(34.65));
    assert_eq!(s.total_incl, dec!(199.65));
    assert_eq!(s.customer_id.as_deref(), Some("40681"));
    assert_eq!(s.project, None);
    assert_eq!(
        s.state,
        InvoiceState::Open,
        "a negative balance is not paid"
    );
    assert_eq!(s.flags.len(), 1);
}

#[test]
fn the_vat_slots_with_an_amount_become_the_breakdown_with_the_co_contractor() {
    let page = wire::parse_page(DOC.as_bytes()).expect("a page");
    let d = wire::detail(&page.records[0], today()).expect("a detail");
    assert_eq!(d.vat.len(), 2, "empty slots are left out");
    assert_eq!(d.vat[0].code.as_deref(), Some("12"));
    assert_eq!(d.vat[0].percentage, dec!(12.5));
    assert_eq!(d.vat[1].amount, dec!(26.25));
    assert_eq!(d.vat[1].incl, Some(dec!(151.25)));
    assert_eq!(d.price_decimals, Some(2));
    assert_eq!(d.reference.as_deref(), Some("testingref"));
    assert_eq!(d.vat_number.as_deref(), Some("BE 0427.257.581"));
    assert_eq!(
        d.address,
        vec!["Iserbyt", "Stefaniestraat 48", "2018 Antwerpen 1"]
    );
    assert_eq!(d.texts.len(), 2);
    let co = serde_json::json!({"id": 1, "date": "2024-01-02", "basis1": "1000", "vatcode1": "0M",
        "vatcocontractor1": true, "vatpercent1": 0, "vatamount1": 0});
    let d = wire::detail(&co, today()).expect("a detail");
    assert!(d.vat[0].co_contractor);
    assert_eq!(d.vat[0].base, dec!(1000));
}

#[test]
fn amounts_are_rounded_to_the_invoices_price_decimals() {
    let v = serde_json::json!({"id": 2, "date": "2024-01-02", "pricedecimals": 3,
        "basis": serde_json::Number::from_string_unchecked("4571.399999999999636".into()),
        "vatamount": "\u{2013}274.279499999999973"});
    let s = wire::summary(&v, today()).expect("a summary");
    assert_eq!(s.total_excl, dec!(4571.400));
    assert_eq!(s.total_vat, dec!(-274.279));
    assert_eq!(
        wire::amount_text("\u{2013}1105.690000000000055"),
        Some(dec!(-1105.690000000000055))
    );
}

#[test]
fn a_record_without_an_id_or_a_date_is_left_out_not_a_panic() {
    assert!(wire::summary(&serde_json::json!({"date": "2024-01-01"}), today()).is_none());
    assert!(wire::summary(&serde_json::json!({"id": 3, "date": ""}), today()).is_none());
    assert!(wire::summary(&serde_json::json!([]), today()).is_none());
}

#[test]
fn only_an_invoice_with_something_to_pay_after_its_due_date_is_overdue() {
    let v = |balance: &str| {
        serde_json::json!({"id": 5, "date": "2024\u{2013}01\u{2013}02", "expirationdate": "2024-02-01",
            "amountinclvat": 121, "balance": balance})
    };
    let state = |b: &str| wire::summary(&v(b), today()).map(|s| s.state);
    assert_eq!(state("121"), Some(InvoiceState::Overdue));
    assert_eq!(state("0"), Some(InvoiceState::Paid));
    assert_eq!(
        state("\u{2013}121"),
        Some(InvoiceState::Open),
        "a credit note is not overdue"
    );
}

#[test]
fn the_query_becomes_a_filter_and_a_stable_sort() {
    let q = InvoiceQuery {
        from: NaiveDate::from_ymd_opt(2024, 1, 1),
        to: NaiveDate::from_ymd_opt(2024, 12, 31),
        customer: Some("1007".into()),
        text: Some("d'Hondt".into()),
        sort: Some(InvoiceSort {
            column: InvoiceColumn::TotalIncl,
            descending: true,
        }),
        ..InvoiceQuery::default()
    };
    assert_eq!(
        filter_of(&q).as_deref(),
        Some("date ge '2024-01-01' and date le '2024-12-31' and address_id eq 1007 and (address_name like '%d''Hondt%' or project_name like '%d''Hondt%' or nr like '%d''Hondt%')")
    );
    assert_eq!(sort_of(&q), "amountinclvat desc,id desc");
    assert_eq!(sort_of(&InvoiceQuery::default()), "id");
    assert_eq!(filter_of(&InvoiceQuery::default()), None);
}

#[test]
fn the_data_server_is_https_unless_both_servers_are_this_computer() {
    assert_eq!(
        data_base("https://charon.bouwsoft.be", "Osiris.bouwsoft.be").as_deref(),
        Some("https://Osiris.bouwsoft.be")
    );
    assert_eq!(
        data_base(
            "http://127.0.0.1:4000/bouwsoft",
            "127.0.0.1:4000/bouwsoft/osiris"
        )
        .as_deref(),
        Some("http://127.0.0.1:4000/bouwsoft/osiris")
    );
    assert_eq!(
        data_base("http://127.0.0.1:4000/bouwsoft", "osiris.bouwsoft.be").as_deref(),
        Some("https://osiris.bouwsoft.be"),
        "a remote data server is never plain http"
    );
    assert_eq!(
        data_base("https://charon.bouwsoft.be", "127.0.0.1:4000").as_deref(),
        Some("https://127.0.0.1:4000")
    );
    for bad in ["", "http://evil.example", "user@host", "a b", "host?x=1"] {
        assert_eq!(data_base("https://charon.bouwsoft.be", bad), None, "{bad}");
    }
}

#[test]
fn the_token_answer_gives_the_token_its_end_and_its_server() {
    let now = Utc
        .with_ymd_and_hms(2017, 9, 5, 14, 1, 0)
        .single()
        .unwrap_or_default();
    let body = br#"{"AccessToken":"btff","ServerIP":"95.138.166.117","ServerName":"Osiris.bouwsoft.be","Layout":"B","ValidUntil":"2017-09-05T15:01Z"}"#;
    let t = read_token("https://charon.bouwsoft.be", body, now).expect("a token");
    assert_eq!(t.secret.expose(), "btff");
    assert_eq!(t.lifetime, Duration::from_secs(3600));
    assert_eq!(t.base.as_deref(), Some("https://Osiris.bouwsoft.be"));
    assert!(read_token("https://charon.bouwsoft.be", br#"{"AccessToken":"x"}"#, now).is_err());
}

#[test]
fn a_text_is_asked_for_as_introduction_or_conclusion_in_three_formats() {
    assert_eq!(
        text_path("introduction_html"),
        Some(("introduction_html".into(), TextFormat::Html))
    );
    assert_eq!(
        text_path("conclusion_rtf"),
        Some(("conclusion_rtf".into(), TextFormat::Rtf))
    );
    assert_eq!(
        text_path("introduction"),
        Some(("introduction_html".into(), TextFormat::Html))
    );
    assert_eq!(text_path("footer_html"), None);
    assert_eq!(text_path("introduction_pdf"), None);
    assert_eq!(text_path("../x"), None);
}

#[test]
fn bouwsoft_is_read_only_in_the_registry() {
    let c = crate::registry::find(SYSTEM).expect("in the registry");
    let b = c
        .sample(&[(connector::CLIENT_NR, "115")])
        .expect("a sample");
    assert!(b.writer().is_none());
    assert!(b.reader().is_some());
    assert!(!b.capabilities().creates_invoices);
    let d = c.describe();
    assert!(!d.writes && d.reads);
    assert!(!crate::registry::PLANNED.contains(&SYSTEM));
}
