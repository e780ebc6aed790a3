//! Money is decimal: `rust_decimal`, never `f64`.
//!
//! What a clerk types is kept as text in the draft; it becomes a [`Decimal`] here, with
//! Dutch and English notation both understood: `12,50`, `12.50`, `1.234,56`, `1,234.56`,
//! `€ 12,50`, `-3`.

use rust_decimal::{Decimal, RoundingStrategy};

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
    if int_part.len() > 15 {
        return Err(ParseError::TooLarge);
    }
    if frac_part.len() > 10 {
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
