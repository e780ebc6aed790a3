//! Property tests: no answer of Mollie, however odd, makes a reader panic; no stored invoice
//! makes the request body panic; and every amount the body carries has exactly two decimals
//! (100,000 cases per target).

use super::{answer, body, wire, R_COUNTRY, R_EMAIL, R_ORG_NUMBER, R_VAT};
use crate::props::{http, run, run_seeded, Gen};
use invoice_desk_core::backend::RelationKind;
use invoice_desk_core::invoice::{Discount, DiscountKind};
use invoice_desk_core::lists::Recipient;
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

#[test]
fn mollie_answers_never_panic() {
    let http = http(super::NAME);
    run_seeded(
        "mollie::answer (create, refusal, receipt, summary, detail, state, list, profile)",
        |g| (g.reply(), g.json(4), g.text()),
        |(r, v, t)| {
            let _ = answer::interpret(&http, &r, 2);
            let _ = answer::refusal(&r, Some(3));
            let _ = answer::status_error(&http, &r, crate::http::Safety::Idempotent, "x");
            if let Some(rc) = answer::receipt(&v) {
                let _ = rc.note();
            }
            let _ = answer::summary(&v);
            let _ = answer::detail(&v);
            let _ = answer::invoice_desk_id(&v);
            let _ = answer::state_words(&t);
            let _ = answer::invoice_state(&t);
            if let Some(p) = wire::parse_page(&r.body, "sales_invoices") {
                for item in p.items.iter().take(4) {
                    let _ = answer::summary(item);
                    let _ = wire::profile(item);
                }
            }
            let _ = wire::from_of(&t);
            let _ = wire::profile(&v);
            Ok(())
        },
    );
}

fn recipient(g: &mut Gen) -> Recipient {
    let mut values = BTreeMap::new();
    for key in [
        R_VAT,
        R_ORG_NUMBER,
        R_EMAIL,
        R_COUNTRY,
        "given_name",
        "locale",
    ] {
        if g.chance(2) {
            values.insert(key.to_string(), g.text());
        }
    }
    Recipient {
        id: g.text(),
        kind: [
            RelationKind::Person,
            RelationKind::Organisation,
            RelationKind::Unknown,
        ][g.below(3)],
        name: g.text(),
        number: None,
        email: None,
        city: None,
        vat_number: None,
        values,
        created_at: String::new(),
        updated_at: String::new(),
        archived: false,
    }
}

fn discount(g: &mut Gen) -> Option<Discount> {
    g.chance(2).then(|| Discount {
        kind: if g.chance(2) {
            DiscountKind::Amount
        } else {
            DiscountKind::Percentage
        },
        value: g.decimal(),
    })
}

#[test]
fn mollie_request_body_never_panics_on_any_stored_invoice() {
    run_seeded(
        "mollie::body (precheck, create body, issue body)",
        |g| {
            let mut inv = g.invoice();
            for key in [
                super::HEADER_STATUS,
                super::HEADER_PAYMENT_SOURCE,
                super::HEADER_PAYMENT_REFERENCE,
                super::HEADER_EMAIL_SUBJECT,
                super::HEADER_E_INVOICE,
                super::HEADER_PAYMENT_TERM,
            ] {
                if g.chance(2) {
                    let v = g.pick(&[
                        "draft", "issued", "paid", "manual", "payment", "true", "30 days", "",
                    ]);
                    inv.extra.insert(key.into(), v.into());
                }
            }
            if g.chance(4) {
                inv.recipient = None;
            } else {
                inv.recipient = Some(recipient(g));
            }
            inv.discount = discount(g);
            for i in 0..inv.lines.len() {
                let d = discount(g);
                inv.lines[i].discount = d;
                inv.lines[i].description = g.text();
            }
            let org = g.chance(2);
            (inv, org, g.text())
        },
        |(inv, org, t)| {
            let _ = body::precheck(&inv);
            let o = org.then_some(body::Org {
                profile_id: &t,
                testmode: true,
            });
            if let Ok(b) = body::create_body(&inv, o) {
                // Whatever went out passed the rules: money with two decimals, whole quantities.
                for l in b["lines"].as_array().into_iter().flatten() {
                    let v = l["unitPrice"]["value"].as_str().unwrap_or("");
                    prop_assert!(two_decimals(v), "{v}");
                    prop_assert!(l["quantity"].as_u64().is_some_and(|q| q >= 1), "{l}");
                    prop_assert!(l["description"]
                        .as_str()
                        .is_some_and(|d| d.chars().count() <= 100));
                }
            }
            let _ = body::issue_body(&t, &t, org);
            Ok(())
        },
    );
}

fn two_decimals(v: &str) -> bool {
    let v = v.strip_prefix('-').unwrap_or(v);
    match v.split_once('.') {
        Some((int, frac)) => {
            !int.is_empty()
                && int.chars().all(|c| c.is_ascii_digit())
                && frac.len() == 2
                && frac.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

#[test]
fn every_amount_is_written_with_exactly_two_decimals_and_reads_back_as_its_cents() {
    run(
        "mollie::wire::money",
        (any::<i64>(), 0u32..=12),
        |(n, scale)| {
            let d = Decimal::new(n, scale);
            let m = wire::money(d);
            let v = m["value"].as_str().unwrap_or("");
            prop_assert!(two_decimals(v), "{d} → {v}");
            prop_assert_eq!(&m["currency"], "EUR");
            let back = m.as_object().and_then(|_| {
                wire::amount(
                    &serde_json::Map::from_iter([("a".to_string(), m.clone())]),
                    "a",
                )
            });
            prop_assert_eq!(back, Some(invoice_desk_core::money::round_cents(d)));
            Ok(())
        },
    );
}
