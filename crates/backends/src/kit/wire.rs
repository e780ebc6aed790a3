//! Small readers and writers of JSON values that every connector needs: exact decimals in
//! (a number or a string, never through `f64`) and out (a JSON number with exactly its digits).

use invoice_desk_core::error::{Error, ErrorCode};
use invoice_desk_core::money::round_cents;
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

/// Parses a decimal from its text exactly (plain or scientific notation).
pub fn parse_decimal_exact(s: &str) -> Option<Decimal> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    Decimal::from_str_exact(s)
        .or_else(|_| Decimal::from_scientific(s))
        .or_else(|_| Decimal::from_str(s))
        .ok()
}

/// A decimal from a JSON number or string, read from its digits.
pub fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => parse_decimal_exact(&n.to_string()),
        Value::String(s) => parse_decimal_exact(s),
        _ => None,
    }
}

/// A JSON number with exactly these digits (the text must be a number).
fn number(text: String) -> Value {
    Value::Number(serde_json::Number::from_string_unchecked(text))
}

/// A quantity, percentage or price as a JSON number as short as it is (`3`, `1.5`, `21`,
/// `0`), with no float in between.
pub fn json_number(d: Decimal) -> Value {
    number(d.normalize().to_string())
}

/// Money as text with exactly two decimals and a dot (`12.50`, `-3.00`, `0.00`), rounded
/// half away from zero; Mollie wants it as a string, Silvasoft as a number.
pub fn money_text(d: Decimal) -> String {
    let r = round_cents(d);
    if r.is_zero() {
        return "0.00".into();
    }
    format!("{r:.2}")
}

/// Money as a JSON number with exactly two decimals.
pub fn json_money(d: Decimal) -> Value {
    number(money_text(d))
}

/// A list answer the connector cannot read; `what_en` says what it was doing ("read products").
pub fn unreadable_list(system: &str, what_en: &str) -> Error {
    Error::new(
        ErrorCode::BadResponse,
        format!("{system} gaf een lijst terug die de app niet begrijpt."),
        format!("{system} returned a list the app does not understand."),
    )
    .with_detail(format!("while trying to {what_en}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn decimals_are_read_exactly_from_numbers_and_text() {
        for (text, want) in [
            ("692.4", Some(dec!(692.4))),
            ("789.69", Some(dec!(789.69))),
            (" 0.1 ", Some(dec!(0.1))),
            ("1e2", Some(dec!(100))),
            ("2.5E-1", Some(dec!(0.25))),
            ("-3", Some(dec!(-3))),
            ("", None),
            ("abc", None),
            ("1,5", None),
        ] {
            assert_eq!(parse_decimal_exact(text), want, "{text}");
        }
        // Silvasoft's InvoiceTotalExclTax as a JSON number, AFAS prices as strings.
        let v: Value =
            serde_json::from_str(r#"[692.4, "107.69", 0.30000000000000004, null, true]"#).unwrap();
        let got: Vec<Option<Decimal>> = v.as_array().unwrap().iter().map(decimal_of).collect();
        assert_eq!(
            got,
            [
                Some(dec!(692.4)),
                Some(dec!(107.69)),
                Some(dec!(0.30000000000000004)),
                None,
                None
            ]
        );
    }

    #[test]
    fn an_unreadable_list_names_the_system_in_both_languages() {
        let e = unreadable_list("AFAS SB", "read products");
        assert_eq!(e.code, ErrorCode::BadResponse);
        assert_eq!(
            e.message.nl,
            "AFAS SB gaf een lijst terug die de app niet begrijpt."
        );
        assert_eq!(
            e.message.en,
            "AFAS SB returned a list the app does not understand."
        );
        assert_eq!(e.detail.as_deref(), Some("while trying to read products"));
    }

    #[test]
    fn decimals_are_written_with_exactly_their_digits() {
        for (d, number, money) in [
            (dec!(3), "3", "3.00"),
            (dec!(1.50), "1.5", "1.50"),
            (dec!(21.00), "21", "21.00"),
            (dec!(0.00), "0", "0.00"),
            (dec!(-0.00), "0", "0.00"),
            (dec!(-0.004), "-0.004", "0.00"),
            (dec!(89.005), "89.005", "89.01"),
            (dec!(-3), "-3", "-3.00"),
            (dec!(12.3456789012), "12.3456789012", "12.35"),
        ] {
            assert_eq!(json_number(d).to_string(), number, "{d}");
            assert_eq!(money_text(d), money, "{d}");
            assert_eq!(json_money(d).to_string(), money, "{d}");
        }
    }
}
