//! Property tests: no answer of AFAS SB, however odd, makes a parser panic, and no stored
//! invoice makes the request body panic (100,000 cases per target).

use super::feed::Cursor;
use super::wire;
use super::{answer, auth, map_address, map_product, map_relation, precheck, salesinvoice_body};
use crate::props::{http, run_seeded, Gen};
use proptest::prelude::*;
use serde_json::Value;

/// Text in which the answer parsers look for paths, line numbers and ids.
fn message(g: &mut Gen) -> String {
    const PARTS: &[&str] = &[
        "Path '",
        "InvoiceLine[",
        "]",
        ".",
        "Quantity",
        "Price",
        "ItemId",
        "with id:",
        "5dbb40d7-52b5-51b6-809e-5a16dddeb650",
        "5dbb40d7-52b5",
        "99999999999999999999",
        "-1",
        "0",
        " ",
        "'",
        "regel",
        "relatie",
        "product",
        "datum",
        "missing from object:",
    ];
    match g.below(3) {
        0 => g.json(3).to_string(),
        1 => g.text(),
        _ => (0..g.below(14)).map(|_| g.pick(PARTS)).collect(),
    }
}

#[test]
fn afas_invoice_answers_never_panic() {
    let http = http(super::NAME);
    run_seeded(
        "afas::answer::interpret",
        |g| (g.reply(), g.invoice()),
        |(r, inv)| {
            let _ = answer::interpret(&http, &r, &inv);
            Ok(())
        },
    );
}

#[test]
fn afas_answer_messages_never_panic() {
    run_seeded(
        "afas::answer field mapping (path, deserializer, business error)",
        |g| (message(g), g.invoice(), g.below(5)),
        |(t, inv, n)| {
            let _ = answer::field_for_path(&t, n);
            let _ = answer::field_for_deserializer_message(&t, &inv);
            let _ = answer::field_for_business_error(&t, &inv);
            Ok(())
        },
    );
}

#[test]
fn afas_lists_and_rows_never_panic() {
    let endpoints = super::RELATION_FEED;
    run_seeded(
        "afas::wire (parse_list, relations, products, addresses, administrations)",
        |g| (g.body(), Value::Object(g.object(2)), g.below(8)),
        |(bytes, row, which)| {
            if let Some(page) = wire::parse_list(&bytes) {
                for r in page.rows.into_iter().take(4) {
                    let _ = map_product(r, "1");
                }
            }
            let ep = &endpoints[which % endpoints.len()];
            let _ = map_relation(ep, row.clone());
            let _ = map_product(row.clone(), "1");
            let _ = map_address(row.clone(), "r1");
            let _ = serde_json::from_value::<wire::WireAdministration>(row.clone());
            let _ = serde_json::from_value::<wire::BlobReservation>(row.clone());
            let _ = serde_json::from_value::<wire::UpdateResult>(row.clone());
            let _ = serde_json::from_value::<wire::ErrorBody>(row);
            Ok(())
        },
    );
}

#[test]
fn afas_token_answers_and_stored_cursors_never_panic() {
    let http = http(super::NAME);
    run_seeded(
        "afas token answers and sync cursors",
        |g| {
            let cursor = match g.below(3) {
                0 => Value::Object(g.object(2)).to_string(),
                1 => g.text(),
                // A stored cursor of our own shape with any numbers in it.
                _ => serde_json::json!({
                    "v": 1,
                    "scope": "1",
                    "pos": g.next() % 4,
                    "skip": if g.chance(2) { u64::MAX - g.next() % 1_000 } else { g.next() },
                    "incremental": g.chance(2),
                    "since": { "persons": g.text() },
                    "next": {},
                })
                .to_string(),
            };
            let kind = if g.chance(2) {
                auth::Kind::AppToken
            } else {
                auth::Kind::OAuth
            };
            (
                g.reply(),
                kind,
                cursor,
                g.below(1_000),
                1 + g.next() % 1_000,
            )
        },
        |(r, kind, cursor, rows, take)| {
            let _ = auth::read_token_reply(&http, &r, kind);
            let eps = ["persons", "organisations"];
            let mut c = Cursor::resume(Some(&cursor), &eps, Some("1"));
            let _ = c.tracking_token(&eps);
            c.advance(&eps, rows, take, Some(cursor.clone()));
            let _ = Cursor::resume(Some(&c.encode()), &eps, Some("1"));
            Ok(())
        },
    );
}

#[test]
fn afas_request_body_never_panics_on_any_stored_invoice() {
    run_seeded(
        "afas::salesinvoice_body",
        |g| g.invoice(),
        |inv| {
            let checked = precheck(&inv);
            let built = salesinvoice_body(&inv);
            // What passes the check is always built.
            if checked.is_ok() {
                prop_assert!(built.is_ok());
            }
            Ok(())
        },
    );
}

/// An invoice of one line, as a stored invoice might hold it.
fn one_line(
    quantity: &str,
    price: &str,
    percent: &str,
    incl: bool,
) -> invoice_desk_core::invoice::OutgoingInvoice {
    let mut inv = Gen::new(7).invoice();
    let mut line = Gen::new(7)
        .invoice()
        .lines
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("seed 7 gives a line"));
    line.quantity = quantity.parse().unwrap();
    line.unit_price = price.parse().unwrap();
    line.vat_percent = percent.parse().unwrap();
    line.vat_code = "high".into();
    inv.lines = vec![line];
    inv.extra.clear();
    inv.totals = Default::default();
    inv.price_basis = if incl {
        invoice_desk_core::totals::PriceBasis::InclVat
    } else {
        invoice_desk_core::totals::PriceBasis::ExclVat
    };
    inv
}

#[test]
fn a_stored_invoice_with_a_fifteen_digit_quantity_is_refused_on_its_field_before_sending() {
    let inv = one_line("999999999999999", "9999999999999", "21", false);
    let e = precheck(&inv).unwrap_err();
    assert_eq!(e.code, invoice_desk_core::error::ErrorCode::Validation);
    assert!(
        e.fields.iter().any(|f| f.field == "lines[0].quantity"),
        "{e:?}"
    );
}

#[test]
fn a_net_price_that_cannot_be_computed_is_an_error_on_the_price_not_a_panic() {
    // Incl. VAT at −100 %: the old conversion divided by zero.
    let inv = one_line("1", "10", "-100", true);
    let e = salesinvoice_body(&inv).unwrap_err();
    assert_eq!(e.fields[0].field, "lines[0].unit_price");
    // And a price so large that × 100 overflows.
    let inv = one_line("1", "792281625142643375935439504", "21", true);
    assert!(salesinvoice_body(&inv).is_err());
}
