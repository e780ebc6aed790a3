//! Money is decimal: `rust_decimal`, never `f64`.
//!
//! What a clerk types is kept as text in the draft; it becomes a [`Decimal`] here, with
//! Dutch and English notation both understood: `12,50`, `12.50`, `1.234,56`, `1,234.56`,
//! `€ 12,50`, `-3`.

use rust_decimal::{Decimal, RoundingStrategy};

/// Most digits before the decimal point in a number a clerk types (a quantity, a price, a
/// number field).
///
/// One limit for every back end: AFAS SB reads amounts as .NET `decimal` (28 digits), but
/// Silvasoft documents its numbers as `Float`, and a binary float holds 15 significant digits
/// exactly: 13 before the decimal point and cents after it. No back end documents a larger
/// maximum, so the app stays within what all of them can hold. The web view caps its inputs at
/// the same number (`ui/src/lib/money.ts`, `MAX_INT_DIGITS`).
pub const MAX_INT_DIGITS: usize = 13;

/// Most decimals a typed number may have before the back end's own limit is even looked at.
pub const MAX_FRAC_DIGITS: usize = 10;

/// The largest amount, in euros, of a line, a VAT amount or an invoice total (either sign):
/// 9 999 999 999 999.99, the largest amount with cents that has [`MAX_INT_DIGITS`] digits
/// before the decimal point.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(2_764_472_319, 232_830, 0, false, 2);

/// Whether an amount fits within [`MAX_AMOUNT`] (either sign).
pub fn within_max_amount(d: Decimal) -> bool {
    d.abs() <= MAX_AMOUNT
}

/// Whether a number has at most [`MAX_INT_DIGITS`] digits before the decimal point.
pub fn within_int_digits(d: Decimal) -> bool {
    d.abs().trunc() < Decimal::from(10_i64.pow(MAX_INT_DIGITS as u32))
}

/// [`MAX_AMOUNT`] as a clerk reads it in Dutch.
pub const MAX_AMOUNT_NL: &str = "€ 9.999.999.999.999,99";
/// [`MAX_AMOUNT`] as a clerk reads it in English.
pub const MAX_AMOUNT_EN: &str = "€9,999,999,999,999.99";

/// Rounds to cents, half away from zero (the commercial rounding the back ends use).
pub fn round_cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Rounds to `dp` decimals, half away from zero.
pub fn round_dp(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Why a typed number was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("empty")]
    Empty,
    #[error("not a number")]
    NotANumber,
    #[error("too many decimals")]
    TooManyDecimals,
    #[error("too large")]
    TooLarge,
}

/// Parses a number as a clerk types it, in Dutch or English notation.
///
/// Rules: spaces, a leading `€` or `EUR` are ignored. When both `.` and `,` occur, the last
/// one is the decimal separator and the other groups thousands. A lone `,` is a decimal comma.
/// A lone `.` is a decimal point, unless it occurs more than once (then it groups thousands).
pub fn parse_decimal(input: &str) -> Result<Decimal, ParseError> {
    let mut s: String = input
        .trim()
        .trim_start_matches('€')
        .trim_start_matches("EUR")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
        .collect();
    if s.is_empty() {
        return Err(ParseError::Empty);
    }
    let negative = if let Some(rest) = s.strip_prefix('-') {
        s = rest.trim_start_matches('€').to_string();
        true
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest.to_string();
        false
    } else {
        false
    };
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(ParseError::NotANumber);
    }
    let last_dot = s.rfind('.');
    let last_comma = s.rfind(',');
    let (decimal_sep, group_sep) = match (last_dot, last_comma) {
        (Some(d), Some(c)) => {
            if d > c {
                (Some('.'), Some(','))
            } else {
                (Some(','), Some('.'))
            }
        }
        (None, Some(_)) => {
            if s.matches(',').count() > 1 {
                (None, Some(','))
            } else {
                (Some(','), None)
            }
        }
        (Some(_), None) => {
            if s.matches('.').count() > 1 {
                (None, Some('.'))
            } else {
                (Some('.'), None)
            }
        }
        (None, None) => (None, None),
    };
    let mut int_part = String::new();
    let mut frac_part = String::new();
    let mut seen_decimal = false;
    for c in s.chars() {
        if Some(c) == decimal_sep {
            if seen_decimal {
                return Err(ParseError::NotANumber);
            }
            seen_decimal = true;
        } else if Some(c) == group_sep {
            if seen_decimal {
                return Err(ParseError::NotANumber);
            }
        } else if seen_decimal {
            frac_part.push(c);
        } else {
            int_part.push(c);
        }
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(ParseError::NotANumber);
    }
    if int_part.trim_start_matches('0').len() > MAX_INT_DIGITS {
        return Err(ParseError::TooLarge);
    }
    if frac_part.len() > MAX_FRAC_DIGITS {
        return Err(ParseError::TooManyDecimals);
    }
    let text = if frac_part.is_empty() {
        int_part
    } else {
        format!(
            "{}.{}",
            if int_part.is_empty() { "0" } else { &int_part },
            frac_part
        )
    };
    let value: Decimal = text.parse().map_err(|_| ParseError::NotANumber)?;
    Ok(if negative { -value } else { value })
}

/// Parses an amount and requires at most `max_dp` decimals.
pub fn parse_with_max_dp(input: &str, max_dp: u32) -> Result<Decimal, ParseError> {
    let d = parse_decimal(input)?;
    if d.normalize().scale() > max_dp {
        return Err(ParseError::TooManyDecimals);
    }
    Ok(d)
}

/// Formats with exactly two decimals and a dot: `1234.50`. For wire formats.
pub fn to_plain_2dp(d: Decimal) -> String {
    format!("{:.2}", round_cents(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn dutch_and_english_notation() {
        assert_eq!(parse_decimal("12,50").unwrap(), dec!(12.50));
        assert_eq!(parse_decimal("12.50").unwrap(), dec!(12.50));
        assert_eq!(parse_decimal("1.234,56").unwrap(), dec!(1234.56));
        assert_eq!(parse_decimal("1,234.56").unwrap(), dec!(1234.56));
        assert_eq!(parse_decimal("1.234.567").unwrap(), dec!(1234567));
        assert_eq!(parse_decimal("€ 12,50").unwrap(), dec!(12.50));
        assert_eq!(parse_decimal("-3").unwrap(), dec!(-3));
        assert_eq!(parse_decimal("-€3,5").unwrap(), dec!(-3.5));
        assert_eq!(parse_decimal(",5").unwrap(), dec!(0.5));
        assert_eq!(parse_decimal(" 7 ").unwrap(), dec!(7));
    }

    #[test]
    fn garbage_is_refused() {
        assert_eq!(parse_decimal(""), Err(ParseError::Empty));
        assert_eq!(parse_decimal("   "), Err(ParseError::Empty));
        assert_eq!(parse_decimal("12,5x"), Err(ParseError::NotANumber));
        assert_eq!(parse_decimal("abc"), Err(ParseError::NotANumber));
        assert_eq!(parse_decimal("1,2.3,4"), Err(ParseError::NotANumber));
        assert_eq!(parse_decimal("-"), Err(ParseError::NotANumber));
        assert_eq!(parse_decimal("."), Err(ParseError::NotANumber));
        assert_eq!(parse_decimal("1e5"), Err(ParseError::NotANumber));
        assert_eq!(
            parse_decimal("9999999999999999999"),
            Err(ParseError::TooLarge)
        );
    }

    #[test]
    fn max_amount_is_thirteen_nines_and_cents() {
        assert_eq!(MAX_AMOUNT, dec!(9999999999999.99));
        assert!(within_max_amount(dec!(-9999999999999.99)));
        assert!(!within_max_amount(dec!(10000000000000.00)));
    }

    #[test]
    fn a_typed_number_has_at_most_thirteen_digits_before_the_decimal_point() {
        assert_eq!(
            parse_decimal("9999999999999,99").unwrap(),
            dec!(9999999999999.99)
        );
        assert_eq!(
            parse_decimal("9.999.999.999.999,99").unwrap(),
            dec!(9999999999999.99)
        );
        assert_eq!(parse_decimal("10000000000000"), Err(ParseError::TooLarge));
        assert_eq!(parse_decimal("999999999999999"), Err(ParseError::TooLarge));
        // Leading zeros are not digits of the amount.
        assert_eq!(parse_decimal("00000000000000001").unwrap(), dec!(1));
    }

    #[test]
    fn the_web_view_caps_inputs_at_the_same_number_of_digits() {
        let ts = include_str!("../../../ui/src/lib/money.ts");
        assert!(
            ts.contains(&format!("export const MAX_INT_DIGITS = {MAX_INT_DIGITS};")),
            "ui/src/lib/money.ts must declare MAX_INT_DIGITS = {MAX_INT_DIGITS}"
        );
    }

    #[test]
    fn max_decimals() {
        assert_eq!(parse_with_max_dp("1,25", 2).unwrap(), dec!(1.25));
        assert_eq!(parse_with_max_dp("1,250", 2).unwrap(), dec!(1.25));
        assert_eq!(
            parse_with_max_dp("1,255", 2),
            Err(ParseError::TooManyDecimals)
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_cents(dec!(0.125)), dec!(0.13));
        assert_eq!(round_cents(dec!(-0.125)), dec!(-0.13));
        assert_eq!(round_cents(dec!(0.124)), dec!(0.12));
        assert_eq!(to_plain_2dp(dec!(12.5)), "12.50");
        assert_eq!(to_plain_2dp(dec!(-0.005)), "-0.01");
    }
}
