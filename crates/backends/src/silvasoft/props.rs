//! Property tests: no answer of Silvasoft, however odd, makes a parser or the total check
//! panic, and no stored invoice makes the request body panic (100,000 cases per target).

use super::{answer, body, wire, SilvasoftModule};
use super::{map_product, map_relation, relation_offset, server_time, total_matches};
use super::{unauthorized, vat_rates, ProductCursor};
use crate::props::{http, run_seeded, Gen};
use invoice_desk_core::error::{Error, ErrorCode};
use proptest::prelude::*;

fn module(g: &mut Gen) -> SilvasoftModule {
    if g.chance(2) {
        SilvasoftModule::Bookkeeping
    } else {
        SilvasoftModule::Invoicing
    }
}

/// Text in which the answer parsers look for line numbers, fields and "already exists".
fn message(g: &mut Gen) -> String {
    const PARTS: &[&str] = &[
        "Invoice_InvoiceLine[",
        "]",
        "99999999999999999999",
        "18446744073709551616",
        "0",
        "1",
        "-1",
        "TaxPc",
        " ",
        "btw",
        "'",
        "factuurnummer",
        "bestaat",
        "InvoiceNumber",
        "exists",
        "21",
        "ProductNumber",
        "'A1'",
        "Customer",
        "not found",
    ];
    match g.below(3) {
        0 => g.json(3).to_string(),
        1 => g.text(),
        _ => (0..g.below(14)).map(|_| g.pick(PARTS)).collect(),
    }
}

#[test]
fn silvasoft_invoice_answers_never_panic() {
    let http = http(super::NAME);
    run_seeded(
        "silvasoft::answer::interpret",
        |g| {
            let sent = g.chance(2).then(|| g.next());
            (g.reply(), g.invoice(), module(g), sent)
        },
        |(r, inv, m, sent)| {
            let _ = answer::interpret(&http, &r, &inv, m, sent);
            let e = answer::refusal(&r, &inv, m);
            let _ = answer::is_duplicate_number(&e);
            Ok(())
        },
    );
}

#[test]
fn silvasoft_answer_messages_never_panic() {
    run_seeded(
        "silvasoft::answer messages (fields, duplicate number)",
        |g| (message(g), g.invoice(), module(g)),
        |(t, inv, m)| {
            let _ = answer::fields_for_message(&t, &inv, m);
            let e = Error::new(ErrorCode::Refused, "x", "x").with_detail(t);
            let _ = answer::is_duplicate_number(&e);
            Ok(())
        },
    );
}

#[test]
fn silvasoft_lists_and_rows_never_panic() {
    let rates = vat_rates(&[]).unwrap_or_default();
    run_seeded(
        "silvasoft::wire (rows, invoices, relations, products, errors)",
        |g| (g.body(), g.object(2), g.reply()),
        |(bytes, row, r)| {
            if let Some(rows) = wire::rows(&bytes) {
                for o in rows.iter().take(4) {
                    let _ = wire::invoice(o);
                    let _ = map_product(wire::product(o), &rates);
                }
            }
            let _ = wire::invoice(&row);
            if let Some(rel) = wire::relation(&row) {
                let _ = map_relation(rel);
            }
            let _ = map_product(wire::product(&row), &rates);
            let _ = wire::error_body(&bytes);
            let _ = unauthorized(&bytes);
            let _ = server_time(&r);
            Ok(())
        },
    );
}

#[test]
fn silvasoft_total_check_and_receipt_never_panic() {
    run_seeded(
        "silvasoft total check and receipt",
        |g| {
            let found = g.chance(4).then(|| g.decimal());
            let found = if g.chance(3) {
                None
            } else {
                found.or(Some(g.decimal()))
            };
            let sent = g.chance(2).then(|| g.next());
            (g.invoice(), module(g), found, g.object(2), sent)
        },
        |(inv, m, found, row, sent)| {
            let _ = total_matches(m, found, &inv);
            let mut listed = wire::invoice(&row);
            listed.total_incl = found;
            let _ = answer::receipt(&listed, &inv, sent);
            let ident = super::customer_identification(&inv.relation);
            let _ = answer::customer_matches(&listed, &ident);
            Ok(())
        },
    );
}

#[test]
fn silvasoft_request_body_never_panics_on_any_stored_invoice() {
    let rates = vat_rates(&[]).unwrap_or_default();
    run_seeded(
        "silvasoft::body (precheck, body, line amounts)",
        |g| (g.invoice(), module(g)),
        |(inv, m)| {
            let checked = body::precheck(&inv, m, &rates);
            let built = body::body(&inv, m, &[]);
            for i in 0..inv.lines.len() {
                let _ = body::line_gross(&inv, i);
            }
            // What passes the check is always built.
            if checked.is_ok() {
                prop_assert!(built.is_ok(), "{built:?}");
            }
            Ok(())
        },
    );
}

#[test]
fn silvasoft_stored_cursors_never_panic() {
    run_seeded(
        "silvasoft stored sync cursors",
        |g| {
            if g.chance(3) {
                return g.text();
            }
            let num = |g: &mut Gen| match g.below(4) {
                0 => g.next().to_string(),
                1 => (g.next() as i64).to_string(),
                2 => "99999999999999999999999".to_string(),
                _ => g.below(100).to_string(),
            };
            if g.chance(2) {
                format!("r1:{}", num(g))
            } else {
                let phase = g.pick(&["full", "changed", "created", "done", "x"]);
                format!("p1:{phase}:{}:{}:{}:{}", num(g), num(g), num(g), num(g))
            }
        },
        |c| {
            let _ = relation_offset(Some(&c));
            if let Some(p) = ProductCursor::decode(&c) {
                prop_assert_eq!(ProductCursor::decode(&p.encode()), Some(p));
            }
            Ok(())
        },
    );
}

#[test]
fn a_listed_total_far_from_ours_does_not_match_and_does_not_overflow() {
    use rust_decimal::Decimal;
    let mut inv = Gen::new(3).invoice();
    inv.extra.clear();
    inv.totals.gross = Decimal::MIN;
    // Decimal::MAX − Decimal::MIN overflowed in the old check.
    for m in [SilvasoftModule::Bookkeeping, SilvasoftModule::Invoicing] {
        assert!(!total_matches(m, Some(Decimal::MAX), &inv));
    }
    inv.totals.gross = Decimal::new(12_50, 2);
    inv.extra.insert("invoice_discount_pc".into(), "10".into());
    assert!(total_matches(
        SilvasoftModule::Invoicing,
        Some(Decimal::new(11_25, 2)),
        &inv
    ));
    assert!(!total_matches(
        SilvasoftModule::Invoicing,
        Some(Decimal::MAX),
        &inv
    ));
}

#[test]
fn a_line_amount_that_cannot_be_computed_is_refused_on_its_field_before_sending() {
    use rust_decimal::Decimal;
    let mut inv = Gen::new(5).invoice();
    let mut g = Gen::new(5);
    let mut line = loop {
        if let Some(l) = g.invoice().lines.into_iter().next() {
            break l;
        }
    };
    line.quantity = Decimal::MAX;
    line.unit_price = Decimal::MAX;
    line.vat_percent = Decimal::from(21);
    inv.lines = vec![line];
    inv.totals = Default::default();
    let rates = vat_rates(&[]).unwrap_or_default();
    let e = body::precheck(&inv, SilvasoftModule::Bookkeeping, &rates).unwrap_err();
    assert!(
        e.fields.iter().any(|f| f.field == "lines[0].quantity"),
        "{e:?}"
    );
    assert_eq!(body::line_gross(&inv, 0), None);
    let e = body::body(&inv, SilvasoftModule::Bookkeeping, &[]).unwrap_err();
    assert_eq!(e.fields[0].field, "lines[0].unit_price");
}
