//! Property tests: whatever a clerk types and whatever a stored draft holds, parsing, totals
//! and evaluation never panic, and what they compute stays within the limits.
//!
//! Each target runs 100,000 cases and writes its count to the test output.

mod common;

use common::*;
use invoice_desk_core::backend::Capabilities;
use invoice_desk_core::invoice::{
    evaluate, Discount, DiscountKind, Draft, DraftDiscount, DraftLine,
};
use invoice_desk_core::money::{parse_decimal, within_max_amount, MAX_INT_DIGITS};
use invoice_desk_core::totals::{self, LineInput, PriceBasis, Rounding};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;
use std::io::Write;

const CASES: u32 = 100_000;

/// Runs `test` over `CASES` values of `strategy`; a panic inside is a failure with the
/// smallest input proptest finds. Writes the count past the test harness's capture.
fn run<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let config = Config {
        failure_persistence: None,
        ..Config::with_cases(CASES)
    };
    let mut runner = TestRunner::new(config);
    let started = std::time::Instant::now();
    let count = std::sync::atomic::AtomicU64::new(0);
    let result = runner.run(&strategy, |v| {
        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        test(v)
    });
    let n = count.load(std::sync::atomic::Ordering::Relaxed);
    let _ = writeln!(
        std::io::stderr(),
        "property {name}: {n} cases, {}, {:.1} s",
        if result.is_ok() { "0 panics" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    assert!(n >= u64::from(CASES), "{name}: only {n} cases ran");
}

/// Text a clerk might type into an amount field: digits, separators, signs, currency, spaces
/// and a few strays, up to 40 characters; now and then any text at all.
fn typed() -> impl Strategy<Value = String> {
    const ALPHABET: &[char] = &[
        '0', '1', '2', '5', '9', '9', '9', '0', '.', ',', '.', ',', '-', '+', '€', ' ', '\u{a0}',
        'E', 'U', 'R', 'e', 'x', '٣', '\u{202f}',
    ];
    prop_oneof![
        8 => prop::collection::vec(prop::sample::select(ALPHABET), 0..40)
            .prop_map(|v| v.into_iter().collect::<String>()),
        1 => "[0-9]{10,40}",
        1 => any::<String>(),
    ]
}

/// Any decimal the type can hold (every scale, both signs, the full 96 bits), and often a
/// small everyday one.
fn decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        2 => (any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>(), 0u32..=28)
            .prop_map(|(lo, mid, hi, neg, scale)| Decimal::from_parts(lo, mid, hi, neg, scale)),
        2 => (any::<i64>(), 0u32..=10).prop_map(|(n, s)| Decimal::new(n, s)),
        1 => (-100_000i64..100_000, 0u32..=4).prop_map(|(n, s)| Decimal::new(n, s)),
        1 => prop::sample::select(vec![
            Decimal::MAX,
            Decimal::MIN,
            Decimal::ZERO,
            Decimal::ONE_HUNDRED,
            -Decimal::ONE_HUNDRED,
            invoice_desk_core::money::MAX_AMOUNT,
        ]),
    ]
}

fn basis() -> impl Strategy<Value = PriceBasis> {
    prop_oneof![Just(PriceBasis::ExclVat), Just(PriceBasis::InclVat)]
}

fn rounding() -> impl Strategy<Value = Rounding> {
    prop_oneof![Just(Rounding::PerLine), Just(Rounding::PerTotal)]
}

#[test]
fn parse_decimal_never_panics_and_keeps_within_the_digit_limit() {
    run("parse_decimal", typed(), |s| {
        if let Ok(d) = parse_decimal(&s) {
            prop_assert!(
                invoice_desk_core::money::within_int_digits(d),
                "{s:?} → {d}"
            );
            prop_assert!(d.abs().trunc().to_string().len() <= MAX_INT_DIGITS);
        }
        Ok(())
    });
}

#[test]
fn totals_never_panic_and_stay_within_the_maximum_amount() {
    let line = (decimal(), decimal(), decimal(), 0u8..3).prop_map(|(q, p, pct, code)| LineInput {
        quantity: q,
        unit_price: p,
        vat_percent: pct,
        vat_code: code.to_string(),
    });
    let input = (prop::collection::vec(line, 0..5), basis(), rounding());
    run("totals::compute", input, |(lines, basis, rounding)| {
        if let Ok(t) = totals::compute(&lines, basis, rounding) {
            prop_assert_eq!(t.lines.len(), lines.len());
            for a in &t.lines {
                prop_assert!(within_max_amount(a.net) && within_max_amount(a.vat));
                prop_assert!(within_max_amount(a.gross));
                prop_assert_eq!(a.net + a.vat, a.gross);
            }
            for r in &t.rates {
                prop_assert!(within_max_amount(r.gross));
                prop_assert_eq!(r.net + r.vat, r.gross);
            }
            prop_assert!(within_max_amount(t.net) && within_max_amount(t.vat));
            prop_assert!(within_max_amount(t.gross));
            prop_assert_eq!(t.net + t.vat, t.gross);
        }
        for l in &lines {
            let _ = totals::line_amounts(l, basis);
        }
        Ok(())
    });
}

fn discount() -> impl Strategy<Value = Option<Discount>> {
    prop_oneof![
        1 => Just(None),
        2 => (any::<bool>(), decimal()).prop_map(|(pct, value)| Some(Discount {
            kind: if pct { DiscountKind::Percentage } else { DiscountKind::Amount },
            value,
        })),
    ]
}

#[test]
fn an_invoice_discount_spread_over_the_lines_adds_up_to_the_cent() {
    // Cents of everyday size and of the largest amounts, both signs, 1 to 12 lines.
    let cents = prop_oneof![
        3 => -10_000_000i64..10_000_000,
        1 => -999_999_999_999_999i64..=999_999_999_999_999,
    ];
    let input = (cents.clone(), prop::collection::vec(cents, 1..12));
    run("totals::spread", input, |(total, weights)| {
        let total = Decimal::new(total, 2);
        let weights: Vec<Decimal> = weights.into_iter().map(|w| Decimal::new(w, 2)).collect();
        let sum: Decimal = weights.iter().copied().sum();
        match totals::spread(total, &weights) {
            Some(shares) => {
                prop_assert_eq!(shares.len(), weights.len());
                prop_assert_eq!(shares.iter().copied().sum::<Decimal>(), total);
                for (s, w) in shares.iter().zip(&weights) {
                    prop_assert!(s.scale() <= 2);
                    // Each share is within a cent of its exact proportion.
                    if !sum.is_zero() {
                        let exact = total * *w / sum;
                        prop_assert!((*s - exact).abs() < Decimal::new(1, 2), "{s} vs {exact}");
                    }
                }
            }
            None => prop_assert!(sum.is_zero() && !total.is_zero()),
        }
        Ok(())
    });
}

#[test]
fn discounted_totals_never_panic_and_stay_consistent() {
    let line = (decimal(), decimal(), decimal(), 0u8..3).prop_map(|(q, p, pct, code)| LineInput {
        quantity: q,
        unit_price: p,
        vat_percent: pct,
        vat_code: code.to_string(),
    });
    let input = (
        prop::collection::vec((line, discount()), 0..5),
        discount(),
        basis(),
        rounding(),
    );
    run(
        "totals::compute_discounted",
        input,
        |(lines, invoice, basis, rounding)| {
            let (lines, discounts): (Vec<LineInput>, Vec<Option<Discount>>) =
                lines.into_iter().unzip();
            if let Ok(t) =
                totals::compute_discounted(&lines, &discounts, invoice.as_ref(), basis, rounding)
            {
                prop_assert_eq!(t.lines.len(), lines.len());
                for a in &t.lines {
                    prop_assert!(within_max_amount(a.net) && within_max_amount(a.gross));
                    prop_assert_eq!(a.net + a.vat, a.gross);
                }
                for r in &t.rates {
                    prop_assert_eq!(r.net + r.vat, r.gross);
                }
                prop_assert!(within_max_amount(t.net) && within_max_amount(t.gross));
                prop_assert_eq!(t.net + t.vat, t.gross);
                if let Some(d) = &t.discount {
                    // What the lines came to before, less every discount, is what is invoiced.
                    let entered = match basis {
                        PriceBasis::ExclVat => t.net,
                        PriceBasis::InclVat => t.gross,
                    };
                    prop_assert_eq!(d.before - d.lines - d.invoice, entered);
                    prop_assert_eq!(d.lines + d.invoice, d.total);
                }
            }
            Ok(())
        },
    );
}

fn draft_strategy(caps: Capabilities) -> impl Strategy<Value = Draft> {
    let line = (typed(), typed(), 0u8..5, any::<bool>(), typed_discount()).prop_map(
        |(q, p, vat, desc, discount)| {
            let mut l = DraftLine {
                quantity: q,
                unit_price: p,
                vat_code: ["high", "low", "zero", "", "21"][usize::from(vat)].to_string(),
                discount,
                ..DraftLine::default()
            };
            if desc {
                l.description = "Brood".into();
            }
            l
        },
    );
    (prop::collection::vec(line, 0..5), basis(), typed_discount()).prop_map(
        move |(lines, basis, discount)| {
            let mut d = Draft::new(
                "c1",
                &caps,
                chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            );
            d.relation = Some(relation("r1", "Bakkerij de Vries B.V."));
            d.administration_id = Some("1".into());
            d.price_basis = basis;
            d.lines = lines;
            d.discount = discount;
            d
        },
    )
}

/// A discount as a clerk might type it, or none.
fn typed_discount() -> impl Strategy<Value = Option<DraftDiscount>> {
    prop_oneof![
        1 => Just(None),
        1 => (any::<bool>(), typed()).prop_map(|(pct, value)| Some(DraftDiscount {
            kind: if pct { DiscountKind::Percentage } else { DiscountKind::Amount },
            value,
        })),
    ]
}

#[test]
fn evaluate_never_panics_on_any_typed_draft() {
    let mut caps = caps();
    caps.price_bases = vec![PriceBasis::ExclVat, PriceBasis::InclVat];
    let c = caps.clone();
    let input = (draft_strategy(caps), rounding(), any::<bool>());
    run("evaluate", input, move |(draft, rounding, discounts)| {
        let mut caps = c.clone();
        caps.rounding = rounding;
        caps.discounts.line = discounts;
        caps.discounts.invoice = discounts;
        let e = evaluate(&draft, &caps);
        prop_assert_eq!(e.line_amounts.len(), draft.lines.len());
        for a in e.line_amounts.iter().flatten() {
            prop_assert!(within_max_amount(a.gross) && within_max_amount(a.net));
        }
        prop_assert!(within_max_amount(e.totals.gross));
        // Rounded per line and without a discount on the invoice, what the lines show (after
        // their own discounts) adds up to the totals.
        let invoice_discount = discounts
            && draft
                .discount
                .as_ref()
                .and_then(DraftDiscount::parsed)
                .is_some();
        if e.issues.is_empty() && rounding == Rounding::PerLine && !invoice_discount {
            let shown = e.line_amounts.iter().flatten();
            let (net, vat) = shown.fold((Decimal::ZERO, Decimal::ZERO), |(n, v), a| {
                (n + a.net, v + a.vat)
            });
            prop_assert_eq!((net, vat), (e.totals.net, e.totals.vat));
        }
        // A draft that evaluates without issues can be sent, and its amounts pass the back
        // ends' own check.
        if e.issues.is_empty() {
            let inv = invoice_desk_core::invoice::to_outgoing(&draft, &caps);
            prop_assert!(inv.is_ok());
            if let Ok(inv) = inv {
                prop_assert!(invoice_desk_core::invoice::amount_issues(&inv).is_empty());
            }
        }
        Ok(())
    });
}
