//! Totals per line, per VAT rate and per invoice, computed the way the chosen back end does.
//!
//! Two choices shape the result:
//! - [`PriceBasis`]: whether typed prices exclude VAT (net entry) or include it (gross entry).
//!   With gross entry the amount typed is the amount invoiced: 0.65 × 100 km incl. VAT is
//!   exactly 65.00, and the VAT is taken out of it.
//! - [`Rounding`]: whether VAT is rounded on each line and then added up, or computed once
//!   per rate on the sum of the lines.

use crate::money::round_cents;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Whether typed prices exclude or include VAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PriceBasis {
    #[default]
    ExclVat,
    InclVat,
}

/// Where VAT is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// VAT rounded to cents on every line, then summed.
    PerLine,
    /// VAT computed per rate on the sum of the line amounts, rounded once.
    #[default]
    PerTotal,
}

/// A line reduced to what the totals need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInput {
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub vat_percent: Decimal,
    pub vat_code: String,
}

/// The amounts of one line. `net` + `vat` = `gross`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineAmounts {
    #[serde(with = "rust_decimal::serde::str")]
    pub net: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub vat: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub gross: Decimal,
}

/// The totals of one VAT rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateTotal {
    pub vat_code: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub percent: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub net: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub vat: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub gross: Decimal,
}

/// The totals of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Totals {
    /// Per input line, in order.
    pub lines: Vec<LineAmounts>,
    /// Per VAT rate, highest percentage first.
    pub rates: Vec<RateTotal>,
    #[serde(with = "rust_decimal::serde::str")]
    pub net: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub vat: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub gross: Decimal,
}

/// VAT contained in a gross amount: gross × p / (100 + p).
fn vat_in_gross(gross: Decimal, percent: Decimal) -> Decimal {
    gross * percent / (Decimal::ONE_HUNDRED + percent)
}

/// VAT on a net amount: net × p / 100.
fn vat_on_net(net: Decimal, percent: Decimal) -> Decimal {
    net * percent / Decimal::ONE_HUNDRED
}

/// Computes the totals of `lines`.
pub fn compute(lines: &[LineInput], basis: PriceBasis, rounding: Rounding) -> Totals {
    // The line amount as entered: quantity × price, rounded to cents.
    let mut out_lines = Vec::with_capacity(lines.len());
    // Per rate: (code, percent, sum of entered amounts, sum of per-line VAT).
    let mut groups: Vec<(String, Decimal, Decimal, Decimal)> = Vec::new();
    for l in lines {
        let entered = round_cents(l.quantity * l.unit_price);
        let line_vat = match basis {
            PriceBasis::ExclVat => round_cents(vat_on_net(entered, l.vat_percent)),
            PriceBasis::InclVat => round_cents(vat_in_gross(entered, l.vat_percent)),
        };
        let amounts = match basis {
            PriceBasis::ExclVat => LineAmounts {
                net: entered,
                vat: line_vat,
                gross: entered + line_vat,
            },
            PriceBasis::InclVat => LineAmounts {
                net: entered - line_vat,
                vat: line_vat,
                gross: entered,
            },
        };
        out_lines.push(amounts);
        match groups
            .iter_mut()
            .find(|g| g.0 == l.vat_code && g.1 == l.vat_percent)
        {
            Some(g) => {
                g.2 += entered;
                g.3 += line_vat;
            }
            None => groups.push((l.vat_code.clone(), l.vat_percent, entered, line_vat)),
        }
    }
    groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut rates = Vec::with_capacity(groups.len());
    for (code, percent, entered, per_line_vat) in groups {
        let vat = match rounding {
            Rounding::PerLine => per_line_vat,
            Rounding::PerTotal => match basis {
                PriceBasis::ExclVat => round_cents(vat_on_net(entered, percent)),
                PriceBasis::InclVat => round_cents(vat_in_gross(entered, percent)),
            },
        };
        let (net, gross) = match basis {
            PriceBasis::ExclVat => (entered, entered + vat),
            PriceBasis::InclVat => (entered - vat, entered),
        };
        rates.push(RateTotal {
            vat_code: code,
            percent,
            net,
            vat,
            gross,
        });
    }
    let net = rates.iter().map(|r| r.net).sum();
    let vat = rates.iter().map(|r| r.vat).sum();
    let gross = rates.iter().map(|r| r.gross).sum();
    Totals {
        lines: out_lines,
        rates,
        net,
        vat,
        gross,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn line(q: Decimal, p: Decimal, pct: Decimal) -> LineInput {
        LineInput {
            quantity: q,
            unit_price: p,
            vat_percent: pct,
            vat_code: format!("{pct}"),
        }
    }

    #[test]
    fn net_entry_two_rates() {
        // 3 × 12.50 at 21 %, 2 × 4.99 at 9 %.
        let t = compute(
            &[
                line(dec!(3), dec!(12.50), dec!(21)),
                line(dec!(2), dec!(4.99), dec!(9)),
            ],
            PriceBasis::ExclVat,
            Rounding::PerTotal,
        );
        assert_eq!(t.lines[0].net, dec!(37.50));
        assert_eq!(t.lines[0].vat, dec!(7.88)); // 7.875 → 7.88
        assert_eq!(t.lines[1].net, dec!(9.98));
        assert_eq!(t.lines[1].vat, dec!(0.90)); // 0.8982
        assert_eq!(t.rates.len(), 2);
        assert_eq!(t.rates[0].percent, dec!(21));
        assert_eq!(t.rates[0].vat, dec!(7.88));
        assert_eq!(t.rates[1].vat, dec!(0.90));
        assert_eq!(t.net, dec!(47.48));
        assert_eq!(t.vat, dec!(8.78));
        assert_eq!(t.gross, dec!(56.26));
    }

    #[test]
    fn gross_entry_is_exact() {
        // 0.65 per km incl. VAT × 100 km = 65.00, VAT 21 % taken out of it.
        let t = compute(
            &[line(dec!(100), dec!(0.65), dec!(21))],
            PriceBasis::InclVat,
            Rounding::PerLine,
        );
        assert_eq!(t.gross, dec!(65.00));
        assert_eq!(t.vat, dec!(11.28)); // 65 × 21 / 121 = 11.2810 → 11.28
        assert_eq!(t.net, dec!(53.72));
        assert_eq!(t.lines[0].net + t.lines[0].vat, t.lines[0].gross);
    }

    #[test]
    fn rounding_per_line_differs_from_per_total() {
        // Three lines of 0.10 at 21 %: per line 0.02 × 3 = 0.06; per total 0.30 × 21 % = 0.063 → 0.06.
        // Three lines of 0.05 at 9 %: per line 0.0045 → 0.00 each = 0.00; per total 0.15 × 9 % = 0.0135 → 0.01.
        let lines = vec![
            line(dec!(1), dec!(0.05), dec!(9)),
            line(dec!(1), dec!(0.05), dec!(9)),
            line(dec!(1), dec!(0.05), dec!(9)),
        ];
        let per_line = compute(&lines, PriceBasis::ExclVat, Rounding::PerLine);
        let per_total = compute(&lines, PriceBasis::ExclVat, Rounding::PerTotal);
        assert_eq!(per_line.vat, dec!(0.00));
        assert_eq!(per_total.vat, dec!(0.01));
        assert_eq!(per_line.gross, dec!(0.15));
        assert_eq!(per_total.gross, dec!(0.16));
    }

    #[test]
    fn gross_entry_per_total() {
        // Two lines of 10.00 incl. 21 %: per line VAT 1.74 each = 3.48; per total 20 × 21/121 = 3.47.
        let lines = vec![
            line(dec!(1), dec!(10), dec!(21)),
            line(dec!(1), dec!(10), dec!(21)),
        ];
        let per_line = compute(&lines, PriceBasis::InclVat, Rounding::PerLine);
        let per_total = compute(&lines, PriceBasis::InclVat, Rounding::PerTotal);
        assert_eq!(per_line.vat, dec!(3.48));
        assert_eq!(per_total.vat, dec!(3.47));
        assert_eq!(per_line.gross, dec!(20.00));
        assert_eq!(per_total.gross, dec!(20.00));
        assert_eq!(per_total.net, dec!(16.53));
    }

    #[test]
    fn credit_lines_are_negative() {
        // A credit: −2 × 19.99 at 21 %, and a positive line that partly offsets it.
        let t = compute(
            &[
                line(dec!(-2), dec!(19.99), dec!(21)),
                line(dec!(1), dec!(10), dec!(21)),
            ],
            PriceBasis::ExclVat,
            Rounding::PerLine,
        );
        assert_eq!(t.lines[0].net, dec!(-39.98));
        assert_eq!(t.lines[0].vat, dec!(-8.40)); // −8.3958 → −8.40 (half away from zero)
        assert_eq!(t.lines[1].vat, dec!(2.10));
        assert_eq!(t.net, dec!(-29.98));
        assert_eq!(t.vat, dec!(-6.30));
        assert_eq!(t.gross, dec!(-36.28));
    }

    #[test]
    fn midpoint_rounds_away_from_zero_both_signs() {
        // 0.50 × 21 % = 0.105 → 0.11; −0.105 → −0.11.
        let pos = compute(
            &[line(dec!(1), dec!(0.50), dec!(21))],
            PriceBasis::ExclVat,
            Rounding::PerLine,
        );
        let neg = compute(
            &[line(dec!(-1), dec!(0.50), dec!(21))],
            PriceBasis::ExclVat,
            Rounding::PerLine,
        );
        assert_eq!(pos.vat, dec!(0.11));
        assert_eq!(neg.vat, dec!(-0.11));
    }

    #[test]
    fn quantity_with_two_decimals() {
        // 2.5 h × 67.73 = 169.325 → 169.33, VAT 21 % = 35.5593 → 35.56.
        let t = compute(
            &[line(dec!(2.5), dec!(67.73), dec!(21))],
            PriceBasis::ExclVat,
            Rounding::PerTotal,
        );
        assert_eq!(t.net, dec!(169.33));
        assert_eq!(t.vat, dec!(35.56));
        assert_eq!(t.gross, dec!(204.89));
    }

    #[test]
    fn zero_rate_and_empty_invoice() {
        let t = compute(
            &[line(dec!(4), dec!(2.5), dec!(0))],
            PriceBasis::ExclVat,
            Rounding::PerTotal,
        );
        assert_eq!(t.vat, dec!(0));
        assert_eq!(t.gross, dec!(10.00));
        let e = compute(&[], PriceBasis::ExclVat, Rounding::PerTotal);
        assert_eq!(e.gross, dec!(0));
        assert!(e.rates.is_empty());
    }
}
