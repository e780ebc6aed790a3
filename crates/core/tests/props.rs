//! Property tests: whatever a clerk types and whatever a stored draft holds, parsing, totals
//! and evaluation never panic, and what they compute stays within the limits.
//!
//! Each target runs 100,000 cases and writes its count to the test output.

mod common;

use common::*;
use invoice_desk_core::backend::Capabilities;
use invoice_desk_core::invoice::{evaluate, Draft, DraftLine};
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

fn draft_strategy(caps: Capabilities) -> impl Strategy<Value = Draft> {
    let line = (typed(), typed(), 0u8..5, any::<bool>()).prop_map(|(q, p, vat, desc)| {
        let mut l = DraftLine {
            quantity: q,
            unit_price: p,
            vat_code: ["high", "low", "zero", "", "21"][usize::from(vat)].to_string(),
            ..DraftLine::default()
        };
        if desc {
            l.description = "Brood".into();
        }
        l
    });
    (prop::collection::vec(line, 0..5), basis()).prop_map(move |(lines, basis)| {
        let mut d = Draft::new(
            "c1",
            &caps,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        );
        d.relation = Some(relation("r1", "Bakkerij de Vries B.V."));
        d.administration_id = Some("1".into());
        d.price_basis = basis;
        d.lines = lines;
        d
    })
}

#[test]
fn evaluate_never_panics_on_any_typed_draft() {
    let mut caps = caps();
    caps.price_bases = vec![PriceBasis::ExclVat, PriceBasis::InclVat];
    let c = caps.clone();
    let input = (draft_strategy(caps), rounding());
    run("evaluate", input, move |(draft, rounding)| {
        let mut caps = c.clone();
        caps.rounding = rounding;
        let e = evaluate(&draft, &caps);
        prop_assert_eq!(e.line_amounts.len(), draft.lines.len());
        for a in e.line_amounts.iter().flatten() {
            prop_assert!(within_max_amount(a.gross) && within_max_amount(a.net));
        }
        prop_assert!(within_max_amount(e.totals.gross));
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
