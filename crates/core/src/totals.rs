//! Totals per line, per VAT rate and per invoice, computed the way the chosen back end does.
//!
//! Two choices shape the result:
//! - [`PriceBasis`]: whether typed prices exclude VAT (net entry) or include it (gross entry).
//!   With gross entry the amount typed is the amount invoiced: 0.65 × 100 km incl. VAT is
//!   exactly 65.00, and the VAT is taken out of it.
//! - [`Rounding`]: whether VAT is rounded on each line and then added up, or computed once
//!   per rate on the sum of the lines.

use crate::invoice::{Discount, DiscountKind};
use crate::money::{round_cents, within_max_amount};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Whether typed prices exclude or include VAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum PriceBasis {
    #[default]
    ExclVat,
    InclVat,
}

/// Where VAT is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LineAmounts {
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub net: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub vat: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub gross: Decimal,
}

/// The totals of one VAT rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RateTotal {
    pub vat_code: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub percent: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub net: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub vat: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub gross: Decimal,
}

/// The totals of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
pub struct Totals {
    /// Per input line, in order.
    pub lines: Vec<LineAmounts>,
    /// Per VAT rate, highest percentage first.
    pub rates: Vec<RateTotal>,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub net: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub vat: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub gross: Decimal,
    /// The discounts, when any was given (only for systems that take discounts). `net`,
    /// `vat` and `gross` are then the amounts after every discount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub discount: Option<DiscountTotals>,
}

/// The discounts of an invoice, all on the draft's price basis (excl. or incl. VAT, as typed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
pub struct DiscountTotals {
    /// The lines' amounts (quantity × price) before any discount.
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub before: Decimal,
    /// The lines' own discounts, added up.
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub lines: Decimal,
    /// The discount on the whole invoice (spread over the lines in proportion to their amount).
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub invoice: Decimal,
    /// Every discount together: `lines` + `invoice`.
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub total: Decimal,
}

/// Why totals could not be computed. Nothing here is a panic: every sum and product is
/// checked, and an amount beyond [`MAX_AMOUNT`](crate::money::MAX_AMOUNT) counts as too large.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TotalsError {
    /// The amount of this line (index into the input) is too large, or cannot be computed
    /// (e.g. a VAT percentage of −100 with prices including VAT).
    #[error("the amount of line {0} is too large")]
    Line(usize),
    /// A total per rate or of the invoice is too large.
    #[error("the invoice total is too large")]
    Total,
}

/// VAT contained in a gross amount: gross × p / (100 + p).
fn vat_in_gross(gross: Decimal, percent: Decimal) -> Option<Decimal> {
    gross
        .checked_mul(percent)?
        .checked_div(Decimal::ONE_HUNDRED.checked_add(percent)?)
}

/// VAT on a net amount: net × p / 100.
fn vat_on_net(net: Decimal, percent: Decimal) -> Option<Decimal> {
    net.checked_mul(percent)?.checked_div(Decimal::ONE_HUNDRED)
}

fn vat_of(entered: Decimal, percent: Decimal, basis: PriceBasis) -> Option<Decimal> {
    let vat = match basis {
        PriceBasis::ExclVat => vat_on_net(entered, percent)?,
        PriceBasis::InclVat => vat_in_gross(entered, percent)?,
    };
    Some(round_cents(vat))
}

/// `Some(d)` when `d` is within [`MAX_AMOUNT`](crate::money::MAX_AMOUNT).
fn capped(d: Decimal) -> Option<Decimal> {
    within_max_amount(d).then_some(d)
}

/// The amount as entered (quantity × price, in cents) and the amounts of one line, or `None`
/// when any of them is beyond [`MAX_AMOUNT`](crate::money::MAX_AMOUNT) or cannot be computed.
fn line(l: &LineInput, basis: PriceBasis) -> Option<(Decimal, LineAmounts)> {
    let entered = capped(round_cents(l.quantity.checked_mul(l.unit_price)?))?;
    let vat = capped(vat_of(entered, l.vat_percent, basis)?)?;
    Some((entered, amounts_of(entered, vat, basis)?))
}

/// Net, VAT and gross of an amount on the price basis and its VAT.
fn amounts_of(entered: Decimal, vat: Decimal, basis: PriceBasis) -> Option<LineAmounts> {
    Some(match basis {
        PriceBasis::ExclVat => LineAmounts {
            net: entered,
            vat,
            gross: capped(entered.checked_add(vat)?)?,
        },
        PriceBasis::InclVat => LineAmounts {
            net: capped(entered.checked_sub(vat)?)?,
            vat,
            gross: entered,
        },
    })
}

/// The amounts of one line, or `None` when they are too large (see [`compute`]).
/// One amount per VAT rate: (code, percent, entered amount, the lines' own VAT).
type RateGroup = (String, Decimal, Decimal, Decimal);

/// The totals per rate, highest rate first, and their sums (net, VAT, gross): the VAT per rate
/// is the lines' own when rounded per line, else `vat_fn` of the rate's amount.
fn rate_totals(
    mut groups: Vec<RateGroup>,
    rounding: Rounding,
    basis: PriceBasis,
    vat_fn: fn(Decimal, Decimal, PriceBasis) -> Option<Decimal>,
) -> Result<(Vec<RateTotal>, Decimal, Decimal, Decimal), TotalsError> {
    groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut rates = Vec::with_capacity(groups.len());
    let (mut net, mut vat, mut gross) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for (code, percent, entered, per_line_vat) in groups {
        let rate = (|| {
            let entered = capped(entered)?;
            let vat = capped(match rounding {
                Rounding::PerLine => per_line_vat,
                Rounding::PerTotal => vat_fn(entered, percent, basis)?,
            })?;
            let (net, gross) = match basis {
                PriceBasis::ExclVat => (entered, capped(entered.checked_add(vat)?)?),
                PriceBasis::InclVat => (capped(entered.checked_sub(vat)?)?, entered),
            };
            Some(RateTotal {
                vat_code: code,
                percent,
                net,
                vat,
                gross,
            })
        })()
        .ok_or(TotalsError::Total)?;
        let sum =
            |a: Decimal, b: Decimal| a.checked_add(b).and_then(capped).ok_or(TotalsError::Total);
        net = sum(net, rate.net)?;
        vat = sum(vat, rate.vat)?;
        gross = sum(gross, rate.gross)?;
        rates.push(rate);
    }
    Ok((rates, net, vat, gross))
}

pub fn line_amounts(l: &LineInput, basis: PriceBasis) -> Option<LineAmounts> {
    line(l, basis).map(|(_, a)| a)
}

/// The amounts of one line of a system that takes discounts, after the line's own discount
/// (the invoice's discount is not in them): what the line shows, its VAT taken as
/// [`compute_discounted`] takes it. `None` when they are too large (see [`compute`]).
pub fn discounted_line_amounts(
    l: &LineInput,
    discount: Option<&Discount>,
    basis: PriceBasis,
) -> Option<LineAmounts> {
    let (_, _, after) = own_discount(l, discount)?;
    let vat = capped(vat_net_first(after, l.vat_percent, basis)?)?;
    amounts_of(after, vat, basis)
}

/// A line's amount as entered (quantity × price, in cents), what its own discount takes off,
/// and what is left; `None` when any is beyond [`MAX_AMOUNT`](crate::money::MAX_AMOUNT).
fn own_discount(l: &LineInput, discount: Option<&Discount>) -> Option<(Decimal, Decimal, Decimal)> {
    let entered = capped(round_cents(l.quantity.checked_mul(l.unit_price)?))?;
    let off = match discount {
        Some(d) => discount_amount(entered, d)?,
        None => Decimal::ZERO,
    };
    Some((entered, off, capped(entered.checked_sub(off)?)?))
}

/// Computes the totals of `lines`. Every amount of the result (per line, per rate and of the
/// invoice) is within [`MAX_AMOUNT`](crate::money::MAX_AMOUNT); anything larger, or anything
/// that cannot be computed, is an error that names the line or the total.
pub fn compute(
    lines: &[LineInput],
    basis: PriceBasis,
    rounding: Rounding,
) -> Result<Totals, TotalsError> {
    // The line amount as entered: quantity × price, rounded to cents.
    let mut out_lines = Vec::with_capacity(lines.len());
    // Per rate: (code, percent, sum of entered amounts, sum of per-line VAT).
    let mut groups: Vec<RateGroup> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let (entered, amounts) = line(l, basis).ok_or(TotalsError::Line(i))?;
        let line_vat = amounts.vat;
        out_lines.push(amounts);
        match groups
            .iter_mut()
            .find(|g| g.0 == l.vat_code && g.1 == l.vat_percent)
        {
            Some(g) => {
                g.2 = g.2.checked_add(entered).ok_or(TotalsError::Total)?;
                g.3 = g.3.checked_add(line_vat).ok_or(TotalsError::Total)?;
            }
            None => groups.push((l.vat_code.clone(), l.vat_percent, entered, line_vat)),
        }
    }
    let (rates, net, vat, gross) = rate_totals(groups, rounding, basis, vat_of)?;
    Ok(Totals {
        lines: out_lines,
        rates,
        net,
        vat,
        gross,
        discount: None,
    })
}

/// VAT of an amount on `basis` the way a system with discounts computes it: on a net amount
/// `round2(net × p / 100)`; in a gross amount `gross − round2(gross × 100 / (100 + p))` (the
/// net part is rounded, the VAT is what remains).
fn vat_net_first(entered: Decimal, percent: Decimal, basis: PriceBasis) -> Option<Decimal> {
    match basis {
        PriceBasis::ExclVat => Some(round_cents(vat_on_net(entered, percent)?)),
        PriceBasis::InclVat => {
            let net = entered
                .checked_mul(Decimal::ONE_HUNDRED)?
                .checked_div(Decimal::ONE_HUNDRED.checked_add(percent)?)?;
            entered.checked_sub(round_cents(net))
        }
    }
}

/// The amount a discount takes off `base` (an amount in cents on the price basis): an amount
/// as given (in cents), a percentage `round2(base × value / 100)`.
pub fn discount_amount(base: Decimal, d: &Discount) -> Option<Decimal> {
    let amount = match d.kind {
        DiscountKind::Amount => round_cents(d.value),
        DiscountKind::Percentage => round_cents(
            base.checked_mul(d.value)?
                .checked_div(Decimal::ONE_HUNDRED)?,
        ),
    };
    capped(amount)
}

/// Whole cents of an amount with at most two decimals.
fn to_cents(d: Decimal) -> Option<i128> {
    use rust_decimal::prelude::ToPrimitive;
    round_cents(d).checked_mul(Decimal::ONE_HUNDRED)?.to_i128()
}

fn from_cents(c: i128) -> Option<Decimal> {
    Decimal::try_from_i128_with_scale(c, 2).ok()
}

/// Spreads `total` over `weights` in proportion, to the cent, by largest remainder: each
/// share is rounded down and the cents left over go to the shares with the largest
/// remainders (the first of equal ones first). The shares add up to `total` exactly. `None`
/// when the weights add up to zero while there is something to spread, or a number is out of
/// range.
pub fn spread(total: Decimal, weights: &[Decimal]) -> Option<Vec<Decimal>> {
    let total_c = to_cents(total)?;
    let ws = weights
        .iter()
        .map(|w| to_cents(*w))
        .collect::<Option<Vec<i128>>>()?;
    let mut sum_w: i128 = 0;
    for w in &ws {
        sum_w = sum_w.checked_add(*w)?;
    }
    if sum_w == 0 {
        return (total_c == 0).then(|| vec![Decimal::ZERO; weights.len()]);
    }
    // Shares with a positive denominator: floor(total × w / W) and its remainder in [0, W).
    let (sign, denom) = if sum_w < 0 { (-1, -sum_w) } else { (1, sum_w) };
    let mut base = Vec::with_capacity(ws.len());
    let mut rems = Vec::with_capacity(ws.len());
    let mut given: i128 = 0;
    for w in &ws {
        let num = total_c.checked_mul(*w)?.checked_mul(sign)?;
        let b = num.checked_div_euclid(denom)?;
        base.push(b);
        rems.push(num.checked_rem_euclid(denom)?);
        given = given.checked_add(b)?;
    }
    let left = usize::try_from(total_c.checked_sub(given)?).ok()?;
    if left > ws.len() {
        return None;
    }
    let mut order: Vec<usize> = (0..ws.len()).collect();
    order.sort_by(|a, b| rems[*b].cmp(&rems[*a]).then(a.cmp(b)));
    for i in order.into_iter().take(left) {
        base[i] = base[i].checked_add(1)?;
    }
    base.into_iter().map(from_cents).collect()
}

/// The totals of `lines` with their discounts, the way a system that takes discounts computes
/// them: per line `quantity × price` minus the line's discount; the invoice discount (an
/// amount, or a percentage of the sum of the lines after their own discounts) spread over the
/// lines in proportion to that amount ([`spread`]); the VAT per line on what remains
/// ([`vat_net_first`]), added up per rate ([`Rounding::PerLine`]) or computed once per rate
/// ([`Rounding::PerTotal`]). `line_discounts` holds one entry per line (missing entries are no
/// discount). Without any discount given, the result equals [`compute`]'s except for a gross
/// amount whose VAT falls exactly on half a cent.
pub fn compute_discounted(
    lines: &[LineInput],
    line_discounts: &[Option<Discount>],
    invoice_discount: Option<&Discount>,
    basis: PriceBasis,
    rounding: Rounding,
) -> Result<Totals, TotalsError> {
    let mut before = Decimal::ZERO;
    let mut line_off = Decimal::ZERO;
    let mut nets = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let net = own_discount(l, line_discounts.get(i).and_then(Option::as_ref))
            .ok_or(TotalsError::Line(i))?;
        before = before.checked_add(net.0).ok_or(TotalsError::Total)?;
        line_off = line_off.checked_add(net.1).ok_or(TotalsError::Total)?;
        nets.push(net.2);
    }
    let subtotal = before.checked_sub(line_off).ok_or(TotalsError::Total)?;
    let invoice_off = match invoice_discount {
        Some(d) => discount_amount(subtotal, d).ok_or(TotalsError::Total)?,
        None => Decimal::ZERO,
    };
    let shares = spread(invoice_off, &nets).ok_or(TotalsError::Total)?;
    let mut out_lines = Vec::with_capacity(lines.len());
    // Per rate: (code, percent, sum of amounts after discounts, sum of per-line VAT).
    let mut groups: Vec<RateGroup> = Vec::new();
    for (i, (l, (net, share))) in lines.iter().zip(nets.iter().zip(&shares)).enumerate() {
        let amounts = (|| {
            let entered = capped(net.checked_sub(*share)?)?;
            let vat = capped(vat_net_first(entered, l.vat_percent, basis)?)?;
            Some((entered, amounts_of(entered, vat, basis)?))
        })()
        .ok_or(TotalsError::Line(i))?;
        let (entered, a) = amounts;
        match groups
            .iter_mut()
            .find(|g| g.0 == l.vat_code && g.1 == l.vat_percent)
        {
            Some(g) => {
                g.2 = g.2.checked_add(entered).ok_or(TotalsError::Total)?;
                g.3 = g.3.checked_add(a.vat).ok_or(TotalsError::Total)?;
            }
            None => groups.push((l.vat_code.clone(), l.vat_percent, entered, a.vat)),
        }
        out_lines.push(a);
    }
    let (rates, net, vat, gross) = rate_totals(groups, rounding, basis, vat_net_first)?;
    let discount = if line_off.is_zero() && invoice_off.is_zero() {
        None
    } else {
        Some(DiscountTotals {
            before: capped(before).ok_or(TotalsError::Total)?,
            lines: line_off,
            invoice: invoice_off,
            total: line_off
                .checked_add(invoice_off)
                .and_then(capped)
                .ok_or(TotalsError::Total)?,
        })
    };
    Ok(Totals {
        lines: out_lines,
        rates,
        net,
        vat,
        gross,
        discount,
    })
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
        )
        .unwrap();
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
        )
        .unwrap();
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
        let per_line = compute(&lines, PriceBasis::ExclVat, Rounding::PerLine).unwrap();
        let per_total = compute(&lines, PriceBasis::ExclVat, Rounding::PerTotal).unwrap();
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
        let per_line = compute(&lines, PriceBasis::InclVat, Rounding::PerLine).unwrap();
        let per_total = compute(&lines, PriceBasis::InclVat, Rounding::PerTotal).unwrap();
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
        )
        .unwrap();
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
        )
        .unwrap();
        let neg = compute(
            &[line(dec!(-1), dec!(0.50), dec!(21))],
            PriceBasis::ExclVat,
            Rounding::PerLine,
        )
        .unwrap();
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
        )
        .unwrap();
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
        )
        .unwrap();
        assert_eq!(t.vat, dec!(0));
        assert_eq!(t.gross, dec!(10.00));
        let e = compute(&[], PriceBasis::ExclVat, Rounding::PerTotal).unwrap();
        assert_eq!(e.gross, dec!(0));
        assert!(e.rates.is_empty());
    }

    #[test]
    fn thirteen_digit_quantity_times_thirteen_digit_price_is_a_line_error_not_a_panic() {
        // 9 999 999 999 999 × 9 999 999 999 999 = 10^26: far beyond what a back end holds.
        let big = dec!(9999999999999);
        for basis in [PriceBasis::ExclVat, PriceBasis::InclVat] {
            for rounding in [Rounding::PerLine, Rounding::PerTotal] {
                let r = compute(
                    &[line(dec!(1), dec!(1), dec!(21)), line(big, big, dec!(21))],
                    basis,
                    rounding,
                );
                assert_eq!(r, Err(TotalsError::Line(1)));
            }
        }
    }

    #[test]
    fn fifteen_digit_quantity_and_price_overflow_the_decimal_type_without_a_panic() {
        // The product of the two has 30 digits: more than a Decimal holds (the old panic).
        let big = dec!(999999999999999);
        let r = compute(
            &[line(big, big, dec!(21))],
            PriceBasis::ExclVat,
            Rounding::PerTotal,
        );
        assert_eq!(r, Err(TotalsError::Line(0)));
        assert_eq!(
            line_amounts(&line(big, big, dec!(21)), PriceBasis::ExclVat),
            None
        );
    }

    #[test]
    fn the_largest_line_amount_is_allowed_but_not_with_vat_on_top() {
        let max = crate::money::MAX_AMOUNT;
        let ok = compute(
            &[line(dec!(1), max, dec!(0))],
            PriceBasis::ExclVat,
            Rounding::PerTotal,
        )
        .unwrap();
        assert_eq!(ok.gross, max);
        assert_eq!(
            compute(
                &[line(dec!(1), max, dec!(21))],
                PriceBasis::ExclVat,
                Rounding::PerTotal
            ),
            Err(TotalsError::Line(0))
        );
        // Incl. VAT the gross is the amount typed, so the largest amount fits.
        let incl = compute(
            &[line(dec!(1), max, dec!(21))],
            PriceBasis::InclVat,
            Rounding::PerTotal,
        )
        .unwrap();
        assert_eq!(incl.net + incl.vat, incl.gross);
    }

    #[test]
    fn lines_that_fit_but_add_up_beyond_the_maximum_are_a_total_error() {
        let half = dec!(6000000000000);
        assert_eq!(
            compute(
                &[line(dec!(1), half, dec!(0)), line(dec!(1), half, dec!(0))],
                PriceBasis::ExclVat,
                Rounding::PerLine,
            ),
            Err(TotalsError::Total)
        );
        // A credit line brings the total back within the maximum.
        let t = compute(
            &[
                line(dec!(1), half, dec!(0)),
                line(dec!(1), half, dec!(0)),
                line(dec!(-1), half, dec!(0)),
            ],
            PriceBasis::ExclVat,
            Rounding::PerLine,
        )
        .unwrap();
        assert_eq!(t.gross, half);
    }

    #[test]
    fn a_vat_percentage_of_minus_one_hundred_incl_vat_is_a_line_error_not_a_division_by_zero() {
        assert_eq!(
            compute(
                &[line(dec!(1), dec!(10), dec!(-100))],
                PriceBasis::InclVat,
                Rounding::PerLine,
            ),
            Err(TotalsError::Line(0))
        );
    }

    fn amount(v: Decimal) -> Option<Discount> {
        Some(Discount {
            kind: DiscountKind::Amount,
            value: v,
        })
    }

    fn percentage(v: Decimal) -> Option<Discount> {
        Some(Discount {
            kind: DiscountKind::Percentage,
            value: v,
        })
    }

    #[test]
    fn without_discounts_the_discounted_totals_equal_the_plain_ones_on_net_prices() {
        let lines = vec![
            line(dec!(3), dec!(12.50), dec!(21)),
            line(dec!(2), dec!(4.99), dec!(9)),
            line(dec!(-1), dec!(0.50), dec!(21)),
        ];
        for rounding in [Rounding::PerLine, Rounding::PerTotal] {
            let plain = compute(&lines, PriceBasis::ExclVat, rounding).unwrap();
            let d = compute_discounted(&lines, &[], None, PriceBasis::ExclVat, rounding).unwrap();
            assert_eq!(plain, d);
            assert_eq!(d.discount, None);
        }
        // The documented example: 1 × 89.00 at 21 % is 89.00 + 18.69 = 107.69.
        let t = compute_discounted(
            &[line(dec!(1), dec!(89.00), dec!(21))],
            &[],
            None,
            PriceBasis::ExclVat,
            Rounding::PerLine,
        )
        .unwrap();
        assert_eq!(
            (t.net, t.vat, t.gross),
            (dec!(89.00), dec!(18.69), dec!(107.69))
        );
    }

    #[test]
    fn a_line_discount_comes_off_the_line_and_an_invoice_discount_is_spread_by_largest_remainder() {
        // 2 × 12.50 at 21 % less 10 % = 22.50; 1 × 7.99 at 9 % less 1.00 = 6.99; subtotal 29.49.
        // 5.00 off the invoice: 5 × 22.50 / 29.49 = 3.8148…, 5 × 6.99 / 29.49 = 1.1851…; the
        // cent left over goes to the larger remainder (the second line): 3.81 and 1.19.
        let lines = vec![
            line(dec!(2), dec!(12.50), dec!(21)),
            line(dec!(1), dec!(7.99), dec!(9)),
        ];
        let discounts = vec![percentage(dec!(10)), amount(dec!(1.00))];
        let t = compute_discounted(
            &lines,
            &discounts,
            amount(dec!(5)).as_ref(),
            PriceBasis::ExclVat,
            Rounding::PerLine,
        )
        .unwrap();
        assert_eq!(t.lines[0].net, dec!(18.69));
        assert_eq!(t.lines[0].vat, dec!(3.92)); // 3.9249
        assert_eq!(t.lines[1].net, dec!(5.80));
        assert_eq!(t.lines[1].vat, dec!(0.52)); // 0.522
        assert_eq!(
            (t.net, t.vat, t.gross),
            (dec!(24.49), dec!(4.44), dec!(28.93))
        );
        assert_eq!(
            t.discount,
            Some(DiscountTotals {
                before: dec!(32.99),
                lines: dec!(3.50),
                invoice: dec!(5.00),
                total: dec!(8.50),
            })
        );
        // Prices incl. VAT: the same amounts are gross; the net part is rounded, the VAT is
        // what remains: 18.69 → 15.45 + 3.24; 5.80 → 5.32 + 0.48.
        let t = compute_discounted(
            &lines,
            &discounts,
            amount(dec!(5)).as_ref(),
            PriceBasis::InclVat,
            Rounding::PerLine,
        )
        .unwrap();
        assert_eq!((t.lines[0].net, t.lines[0].vat), (dec!(15.45), dec!(3.24)));
        assert_eq!((t.lines[1].net, t.lines[1].vat), (dec!(5.32), dec!(0.48)));
        assert_eq!(
            (t.net, t.vat, t.gross),
            (dec!(20.77), dec!(3.72), dec!(24.49))
        );
    }

    #[test]
    fn equal_remainders_give_the_cent_to_the_first_line_and_a_percentage_is_of_the_subtotal() {
        let lines = vec![line(dec!(1), dec!(10), dec!(21)); 3];
        let t = compute_discounted(
            &lines,
            &[],
            amount(dec!(10)).as_ref(),
            PriceBasis::ExclVat,
            Rounding::PerLine,
        )
        .unwrap();
        let nets: Vec<_> = t.lines.iter().map(|l| l.net).collect();
        assert_eq!(nets, vec![dec!(6.66), dec!(6.67), dec!(6.67)]);
        assert_eq!(t.net, dec!(20.00));
        let t = compute_discounted(
            &lines,
            &[],
            percentage(dec!(10)).as_ref(),
            PriceBasis::ExclVat,
            Rounding::PerLine,
        )
        .unwrap();
        assert_eq!(t.net, dec!(27.00));
        assert_eq!(t.discount.map(|d| d.invoice), Some(dec!(3.00)));
    }

    #[test]
    fn a_spread_over_lines_that_add_up_to_zero_is_an_error_not_a_division_by_zero() {
        assert_eq!(spread(dec!(1), &[dec!(5), dec!(-5)]), None);
        assert_eq!(
            spread(dec!(0), &[dec!(5), dec!(-5)]),
            Some(vec![dec!(0); 2])
        );
        assert_eq!(
            compute_discounted(
                &[
                    line(dec!(1), dec!(5), dec!(21)),
                    line(dec!(-1), dec!(5), dec!(21))
                ],
                &[],
                amount(dec!(1)).as_ref(),
                PriceBasis::ExclVat,
                Rounding::PerLine,
            ),
            Err(TotalsError::Total)
        );
    }
}
