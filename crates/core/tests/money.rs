//! Typed amounts of any size: a field error in the clerk's language, never a panic, also for
//! a draft saved before the limits existed and opened again on the next start.

mod common;

use common::*;
use invoice_desk_core::i18n::Lang;
use invoice_desk_core::invoice::{evaluate, to_outgoing, Draft, DraftLine, Evaluation};
use invoice_desk_core::money::MAX_AMOUNT;
use invoice_desk_core::store::Store;

fn draft_with(lines: &[(&str, &str)]) -> Draft {
    let caps = caps();
    let mut d = Draft::new(
        "c1",
        &caps,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
    );
    d.administration_id = Some("1".into());
    d.relation = Some(relation("r1", "Bakkerij de Vries B.V."));
    d.lines.clear();
    for (q, p) in lines {
        let mut l = DraftLine::new(&caps);
        l.product = Some(product("p1", "Brood", "2.50"));
        l.quantity = q.to_string();
        l.unit_price = p.to_string();
        d.lines.push(l);
    }
    d
}

fn message(e: &Evaluation, field: &str, lang: Lang) -> Option<String> {
    e.issues
        .iter()
        .find(|i| i.field == field)
        .map(|i| i.message.get(lang).to_lowercase())
}

#[test]
fn fifteen_nines_in_quantity_and_price_say_too_large_on_both_fields() {
    let d = draft_with(&[("999999999999999", "999999999999999")]);
    let e = evaluate(&d, &caps());
    for field in ["lines[0].quantity", "lines[0].unit_price"] {
        let nl = message(&e, field, Lang::Nl).unwrap_or_default();
        let en = message(&e, field, Lang::En).unwrap_or_default();
        assert!(nl.contains("te groot"), "{field}: {nl}");
        assert!(en.contains("too large"), "{field}: {en}");
        assert!(en.contains("13 digits"), "{field}: {en}");
    }
    assert_eq!(e.line_amounts, vec![None]);
    assert!(e.totals.gross.is_zero());
}

#[test]
fn a_line_amount_beyond_the_maximum_is_a_field_error_on_the_price() {
    // Both numbers are allowed on their own; their product (10^26) is not.
    let d = draft_with(&[("12", "2,50"), ("9999999999999", "9999999999999")]);
    let e = evaluate(&d, &caps());
    let en = message(&e, "lines[1].unit_price", Lang::En).unwrap();
    let nl = message(&e, "lines[1].unit_price", Lang::Nl).unwrap();
    assert!(en.contains("too large"), "{en}");
    assert!(en.contains("€9,999,999,999,999.99"), "{en}");
    assert!(nl.contains("te groot"), "{nl}");
    assert!(nl.contains("€ 9.999.999.999.999,99"), "{nl}");
    // The line that fits still counts.
    assert!(e.line_amounts[0].is_some());
    assert!(e.line_amounts[1].is_none());
    assert_eq!(e.totals.net.to_string(), "30.00");
    // And nothing can be sent.
    let err = to_outgoing(&d, &caps()).unwrap_err();
    assert!(err.fields.iter().any(|f| f.field == "lines[1].unit_price"));
}

#[test]
fn the_largest_amount_is_accepted() {
    let d = draft_with(&[("1", "9999999999999,99")]);
    let mut caps = caps();
    caps.vat_rates = vec![invoice_desk_core::vat::VatRate::new(
        "zero",
        rust_decimal::Decimal::ZERO,
        "Nul",
        "Zero",
    )];
    let mut d = d;
    d.lines[0].vat_code = "zero".into();
    let e = evaluate(&d, &caps);
    assert!(e.issues.is_empty(), "{:?}", e.issues);
    assert_eq!(e.totals.gross, MAX_AMOUNT);
}

#[test]
fn lines_that_each_fit_but_add_up_beyond_the_maximum_say_so_on_the_lines() {
    let d = draft_with(&[("1", "5000000000000"), ("1", "5000000000000")]);
    let e = evaluate(&d, &caps());
    let en = message(&e, "lines", Lang::En).unwrap();
    assert!(en.contains("too large"), "{en}");
    assert!(message(&e, "lines", Lang::Nl).unwrap().contains("te groot"));
    // The lines keep their own amounts; the totals are not made up.
    assert!(e.line_amounts.iter().all(Option::is_some));
    assert!(e.totals.gross.is_zero());
}

#[test]
fn a_saved_draft_whose_numbers_overflow_opens_and_evaluates_on_the_next_start() {
    // What the app saved before it died: a 15-digit quantity, a 13-digit price, and a line
    // whose product overflows the decimal type.
    let dir = tempfile::tempdir().unwrap();
    let d = draft_with(&[
        ("999999999999999", "9999999999999"),
        ("9999999999999", "9999999999999"),
        ("99999999999999999999999999999999", "1e30"),
    ]);
    {
        let s = Store::open(dir.path()).unwrap();
        s.save_draft(&d).unwrap();
    }
    // The next start.
    let s = Store::open(dir.path()).unwrap();
    let back = s.open_draft("c1").unwrap().unwrap();
    assert_eq!(back, d);
    let e = evaluate(&back, &caps());
    assert!(e.line_amounts.iter().all(Option::is_none));
    assert!(message(&e, "lines[0].quantity", Lang::En)
        .unwrap()
        .contains("too large"));
    assert!(message(&e, "lines[1].unit_price", Lang::En)
        .unwrap()
        .contains("too large"));
    assert!(message(&e, "lines[2].quantity", Lang::En)
        .unwrap()
        .contains("too large"));
    assert!(to_outgoing(&back, &caps()).is_err());
    // Saving it again (what the form does on the next keystroke) works as well.
    s.save_draft(&back).unwrap();
}

#[test]
fn an_invoice_from_the_outbox_with_amounts_beyond_the_limits_is_refused_before_sending() {
    // An invoice queued before the limits existed: the back ends check it again.
    let d = draft_with(&[("2", "10"), ("1", "5")]);
    let mut inv = to_outgoing(&d, &caps()).unwrap();
    assert!(invoice_desk_core::invoice::amount_issues(&inv).is_empty());
    inv.lines[0].quantity = "999999999999999".parse().unwrap();
    inv.lines[1].unit_price = "9999999999999".parse().unwrap();
    inv.lines[1].quantity = "9999999999999".parse().unwrap();
    let issues = invoice_desk_core::invoice::amount_issues(&inv);
    let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
    assert_eq!(fields, ["lines[0].quantity", "lines[1].unit_price"]);
    assert!(issues[0].message.en.to_lowercase().contains("too large"));
    assert!(issues[1].message.nl.contains("te groot"));
}

#[test]
fn a_date_that_cannot_be_read_says_how_to_type_one_in_the_clerks_language() {
    let mut d = draft_with(&[("1", "2,50")]);
    d.issue_date = "11/30/2026x".into();
    let e = evaluate(&d, &caps());
    let nl = message(&e, "issue_date", Lang::Nl).expect("a message on the date");
    let en = message(&e, "issue_date", Lang::En).expect("a message on the date");
    assert!(
        nl.contains("dag-maand-jaar") && nl.contains("30-11-2026"),
        "{nl}"
    );
    assert!(
        en.contains("day/month/year") && en.contains("30/11/2026"),
        "{en}"
    );
}
