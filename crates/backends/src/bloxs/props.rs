//! Property tests: no answer of Bloxs, however odd, makes a reader panic; no stored invoice
//! makes the request body panic; and the amounts of every line are consistent to the cent
//! (100,000 cases per target).

use super::{answer, body, wire};
use crate::props::{http, run, run_seeded};
use invoice_desk_core::backend::RelationKind;
use invoice_desk_core::invoice::OutgoingLine;
use invoice_desk_core::money::round_cents;
use invoice_desk_core::totals::{self, LineInput, PriceBasis};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

#[test]
fn bloxs_create_answers_never_panic() {
    let http = http(super::NAME);
    run_seeded(
        "bloxs::answer (create, refusal, token, receipt, state)",
        |g| (g.reply(), g.invoice(), g.json(3)),
        |(r, inv, v)| {
            let _ = answer::interpret(&http, &r, &inv);
            let _ = answer::refusal(&r, &inv);
            let _ = answer::token_error(&http, &r);
            if let Some(rc) = answer::receipt(&v, &inv) {
                let _ = rc.note();
            }
            let _ = answer::workflow_state(&v);
            let _ = answer::external_identifier(&v);
            Ok(())
        },
    );
}

#[test]
fn bloxs_lists_and_rows_never_panic() {
    run_seeded(
        "bloxs::wire (pages, owners, relations, service items, contracts, units, ledger)",
        |g| (g.body(), serde_json::Value::Object(g.object(2)), g.text()),
        |(bytes, row, owner)| {
            if let Some(p) = wire::parse_page(&bytes) {
                let _ = p.is_last(1, 1000);
                for r in p.items.iter().take(4) {
                    let _ = wire::service_item(r);
                    let _ = wire::relation(r, RelationKind::Person);
                }
            }
            let _ = wire::owner(&row);
            let _ = wire::relation(&row, RelationKind::Person);
            let _ = wire::relation(&row, RelationKind::Organisation);
            let _ = wire::service_item(&row);
            let _ = wire::contract(&row);
            let _ = wire::unit(&row);
            let _ = wire::ledger_account(&row, &owner);
            Ok(())
        },
    );
}

#[test]
fn bloxs_request_body_never_panics_on_any_stored_invoice() {
    run_seeded(
        "bloxs::body (precheck, body, line amounts)",
        |g| {
            let mut inv = g.invoice();
            if g.chance(2) {
                let pm = g.pick(&["1", "2", "3", "", "x"]);
                inv.extra.insert("payment_method".into(), pm.into());
            }
            inv
        },
        |inv| {
            let _ = body::precheck(&inv);
            let _ = body::create_body(&inv);
            for l in &inv.lines {
                let _ = body::line_amounts(l, inv.price_basis);
            }
            Ok(())
        },
    );
}

fn line(q: i64, cents: i64, pct: u32) -> OutgoingLine {
    OutgoingLine {
        discount: None,
        product: None,
        description: String::new(),
        quantity: Decimal::from(q),
        unit_price: Decimal::new(cents, 2),
        vat_code: pct.to_string(),
        vat_percent: Decimal::from(pct),
        extra_description: String::new(),
        extra: BTreeMap::new(),
    }
}

#[test]
fn every_lines_amounts_are_consistent_to_the_cent_and_match_the_preview() {
    let strategy = (
        1i64..=1_000,
        0i64..=10_000_000,
        prop_oneof![Just(21u32), Just(9u32), Just(0u32)],
        any::<bool>(),
    );
    run(
        "bloxs::body::line_amounts consistency",
        strategy,
        |(q, cents, pct, incl)| {
            let basis = if incl {
                PriceBasis::InclVat
            } else {
                PriceBasis::ExclVat
            };
            let l = line(q, cents, pct);
            let a =
                body::line_amounts(&l, basis).ok_or_else(|| TestCaseError::fail("no amounts"))?;
            let preview = totals::line_amounts(
                &LineInput {
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    vat_percent: l.vat_percent,
                    vat_code: l.vat_code.clone(),
                },
                basis,
            )
            .ok_or_else(|| TestCaseError::fail("no preview"))?;
            // Bloxs's own rules.
            prop_assert_eq!(a.excl, round_cents(l.quantity * a.per_item));
            prop_assert_eq!(a.incl, a.excl + a.vat);
            prop_assert!(a.per_item.scale() <= body::PER_ITEM_DP);
            // The preview's VAT always; its net and gross whenever a price per item with four
            // decimals can give them (always for prices excluding VAT, and for up to 100 items).
            prop_assert_eq!(a.vat, preview.vat);
            if !incl || q <= 100 {
                prop_assert_eq!(a.excl, preview.net);
                prop_assert_eq!(a.incl, preview.gross);
            }
            Ok(())
        },
    );
}
