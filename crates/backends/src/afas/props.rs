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
    let http = http(super::SYSTEM);
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
        |g| (g.body(), Value::Object(g.object(3)), g.below(8)),
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
    let http = http(super::SYSTEM);
    run_seeded(
        "afas token answers and sync cursors",
        |g| {
            let cursor = if g.chance(2) {
                Value::Object(g.object(2)).to_string()
            } else {
                g.text()
            };
            (g.reply(), cursor, g.below(1_000), 1 + g.next() % 1_000)
        },
        |(r, cursor, rows, take)| {
            let _ = auth::read_token_reply(&http, &r, auth::Kind::AppToken);
            let _ = auth::read_token_reply(&http, &r, auth::Kind::OAuth);
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
