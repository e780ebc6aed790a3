//! Discounts on lines and on the invoice: kept as typed in the draft, checked, carried into
//! the outgoing invoice, and in the totals — only for a system that declares them.

mod common;

use common::*;
use invoice_desk_core::backend::{Capabilities, DiscountSupport};
use invoice_desk_core::i18n::Lang;
use invoice_desk_core::invoice::{
    evaluate, to_outgoing, Discount, DiscountKind, Draft, DraftDiscount, DraftLine, Evaluation,
};
use invoice_desk_core::totals::{DiscountTotals, PriceBasis, Rounding};
use rust_decimal_macros::dec;

fn with_discounts() -> Capabilities {
    let mut c = caps();
    c.discounts = DiscountSupport {
        line: true,
        invoice: true,
    };
    c.rounding = Rounding::PerLine;
    c.price_bases = vec![PriceBasis::ExclVat, PriceBasis::InclVat];
    c
}

fn typed(kind: DiscountKind, value: &str) -> Option<DraftDiscount> {
    Some(DraftDiscount {
        kind,
        value: value.into(),
    })
}

/// 2 × 12.50 at the high rate and 1 × 7.99 at the low rate.
fn draft(caps: &Capabilities) -> Draft {
    let mut d = Draft::new(
        "c1",
        caps,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
    );
    d.administration_id = Some("1".into());
    d.relation = Some(relation("r1", "Bakkerij de Vries B.V."));
    d.lines.clear();
    for (q, p, vat) in [("2", "12,50", "high"), ("1", "7,99", "low")] {
        let mut l = DraftLine::new(caps);
        l.product = Some(product("p1", "Brood", "2.50"));
        l.quantity = q.into();
        l.unit_price = p.into();
        l.vat_code = vat.into();
        d.lines.push(l);
    }
    d
}

fn message(e: &Evaluation, field: &str) -> Option<String> {
    e.issues
        .iter()
        .find(|i| i.field == field)
        .map(|i| i.message.get(Lang::En).to_string())
}

#[test]
fn line_and_invoice_discounts_reach_the_totals_and_the_outgoing_invoice() {
    let caps = with_discounts();
    let mut d = draft(&caps);
    d.lines[0].discount = typed(DiscountKind::Percentage, "10");
    d.lines[1].discount = typed(DiscountKind::Amount, "1,00");
    d.discount = typed(DiscountKind::Amount, "5");
    let e = evaluate(&d, &caps);
    assert!(e.issues.is_empty(), "{:?}", e.issues);
    // 22.50 and 6.99 after the lines' own discounts; 5.00 spread as 3.81 and 1.19.
    assert_eq!(
        (e.totals.net, e.totals.vat, e.totals.gross),
        (dec!(24.49), dec!(4.44), dec!(28.93))
    );
    assert_eq!(
        e.totals.discount,
        Some(DiscountTotals {
            before: dec!(32.99),
            lines: dec!(3.50),
            invoice: dec!(5.00),
            total: dec!(8.50),
        })
    );
    let inv = to_outgoing(&d, &caps).unwrap();
    assert_eq!(
        inv.lines[0].discount,
        Some(Discount {
            kind: DiscountKind::Percentage,
            value: dec!(10)
        })
    );
    assert_eq!(
        inv.lines[1].discount,
        Some(Discount {
            kind: DiscountKind::Amount,
            value: dec!(1.00)
        })
    );
    assert_eq!(
        inv.discount,
        Some(Discount {
            kind: DiscountKind::Amount,
            value: dec!(5)
        })
    );
    assert_eq!(inv.totals, e.totals);
}

#[test]
fn a_line_shows_its_amounts_after_its_own_discount_and_not_after_the_invoices() {
    let caps = with_discounts();
    let mut d = draft(&caps);
    d.lines[0].discount = typed(DiscountKind::Percentage, "10");
    d.lines[1].discount = typed(DiscountKind::Amount, "1,00");
    let e = evaluate(&d, &caps);
    let shown = |i: usize| {
        let a = e.line_amounts[i].clone().unwrap();
        (a.net, a.vat, a.gross)
    };
    // 25.00 − 10 % = 22.50 (VAT 21 %: 4.73); 7.99 − 1.00 = 6.99 (VAT 9 %: 0.63).
    assert_eq!(shown(0), (dec!(22.50), dec!(4.73), dec!(27.23)));
    assert_eq!(shown(1), (dec!(6.99), dec!(0.63), dec!(7.62)));
    // Rounded per line and without a discount on the invoice, the lines add up to the totals.
    assert_eq!(e.totals.net, dec!(29.49));
    assert_eq!(e.totals.vat, dec!(4.73) + dec!(0.63));
    // The invoice's discount is in the totals, not in what a line shows.
    d.discount = typed(DiscountKind::Amount, "5");
    let e = evaluate(&d, &caps);
    assert_eq!(e.line_amounts[0].clone().map(|a| a.net), Some(dec!(22.50)));
    assert_eq!(e.totals.net, dec!(24.49));
    // Prices including VAT: the line shows the gross after its discount.
    let mut d = draft(&caps);
    d.price_basis = PriceBasis::InclVat;
    d.lines[0].discount = typed(DiscountKind::Percentage, "10");
    let e = evaluate(&d, &caps);
    assert_eq!(
        e.line_amounts[0].clone().map(|a| (a.gross, a.net)),
        Some((dec!(22.50), dec!(18.60)))
    );
}

#[test]
fn a_system_without_discounts_neither_counts_nor_sends_one_and_the_draft_keeps_it() {
    let plain = caps();
    let mut d = draft(&plain);
    let before = evaluate(&d, &plain);
    d.lines[0].discount = typed(DiscountKind::Percentage, "150");
    d.discount = typed(DiscountKind::Amount, "abc");
    let after = evaluate(&d, &plain);
    assert_eq!(before, after, "unchanged totals and no messages");
    let inv = to_outgoing(&d, &plain).unwrap();
    assert!(inv.discount.is_none() && inv.lines.iter().all(|l| l.discount.is_none()));
    // Kept as typed through a save.
    let json = serde_json::to_string(&d).unwrap();
    let back: Draft = serde_json::from_str(&json).unwrap();
    assert_eq!(back.discount, d.discount);
    assert_eq!(back.lines[0].discount, d.lines[0].discount);
    // A draft saved before discounts existed reads as without one.
    let old: Draft = serde_json::from_str(r#"{"lines":[{"quantity":"1"}]}"#).unwrap();
    assert!(old.discount.is_none() && old.lines[0].discount.is_none());
}

#[test]
fn discounts_are_checked_against_the_line_and_the_subtotal_with_a_message_on_their_field() {
    let caps = with_discounts();
    let cases: Vec<(usize, DiscountKind, &str, &str)> = vec![
        // (line, kind, value, what the message says); usize::MAX: the invoice discount
        (
            0,
            DiscountKind::Amount,
            "25,01",
            "larger than the line amount (€25.00)",
        ),
        (0, DiscountKind::Amount, "-1", "cannot be negative"),
        (0, DiscountKind::Percentage, "100,5", "between 0 and 100"),
        (0, DiscountKind::Amount, "1,005", "at most 2 decimals"),
        (1, DiscountKind::Percentage, "tien", "not a number"),
        (
            usize::MAX,
            DiscountKind::Amount,
            "32,99",
            "larger than the total of the lines (€32.98)",
        ),
        (
            usize::MAX,
            DiscountKind::Percentage,
            "101",
            "between 0 and 100",
        ),
    ];
    for (line, kind, value, says) in cases {
        let mut d = draft(&caps);
        // The invoice discount is checked against the lines after their own discounts.
        d.lines[1].discount = typed(DiscountKind::Amount, "0,01");
        let field = if line == usize::MAX {
            d.discount = typed(kind, value);
            "discount".to_string()
        } else {
            d.lines[line].discount = typed(kind, value);
            format!("lines[{line}].discount")
        };
        let e = evaluate(&d, &caps);
        let m = message(&e, &field).unwrap_or_default();
        assert!(m.contains(says), "{value}: {m:?} in {:?}", e.issues);
        assert!(to_outgoing(&d, &caps).is_err());
    }
    // The limits themselves are allowed: the whole line, 100 %, the whole subtotal.
    let mut d = draft(&caps);
    d.lines[0].discount = typed(DiscountKind::Amount, "25,00");
    d.lines[1].discount = typed(DiscountKind::Percentage, "100");
    let e = evaluate(&d, &caps);
    assert!(e.issues.is_empty(), "{:?}", e.issues);
    assert_eq!(e.totals.gross, dec!(0));
    let mut d = draft(&caps);
    d.discount = typed(DiscountKind::Amount, "32,99");
    let e = evaluate(&d, &caps);
    assert!(e.issues.is_empty(), "{:?}", e.issues);
    assert_eq!(e.totals.gross, dec!(0));
    // An empty or zero discount is none.
    let mut d = draft(&caps);
    d.discount = typed(DiscountKind::Percentage, "");
    d.lines[0].discount = typed(DiscountKind::Amount, "0");
    let inv = to_outgoing(&d, &caps).unwrap();
    assert!(inv.discount.is_none() && inv.lines[0].discount.is_none());
    assert!(inv.totals.discount.is_none());
}

#[test]
fn prices_including_vat_take_the_discount_off_the_amount_typed() {
    let caps = with_discounts();
    let mut d = draft(&caps);
    d.price_basis = PriceBasis::InclVat;
    d.lines[0].discount = typed(DiscountKind::Percentage, "10");
    d.lines[1].discount = typed(DiscountKind::Amount, "1");
    d.discount = typed(DiscountKind::Amount, "5");
    let e = evaluate(&d, &caps);
    assert!(e.issues.is_empty(), "{:?}", e.issues);
    // 18.69 incl. 21 % = 15.45 + 3.24; 5.80 incl. 9 % = 5.32 + 0.48.
    assert_eq!(
        (e.totals.net, e.totals.vat, e.totals.gross),
        (dec!(20.77), dec!(3.72), dec!(24.49))
    );
}
