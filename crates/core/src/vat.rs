//! VAT rates as a back end declares them.

use crate::i18n::Text;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One VAT rate the chosen back end knows, e.g. AFAS `high` = 21 %.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct VatRate {
    /// The back end's own code for the rate (`high`, `low`, `zero`, or a percentage).
    pub code: String,
    /// The percentage, e.g. `21`.
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub percent: Decimal,
    pub label: Text,
}

impl VatRate {
    pub fn new(code: &str, percent: Decimal, nl: &str, en: &str) -> Self {
        VatRate {
            code: code.to_string(),
            percent,
            label: Text::new(nl, en),
        }
    }
}

/// The Dutch rates with AFAS SB's codes: high 21 %, low 9 %, zero 0 %.
pub fn dutch_rates() -> Vec<VatRate> {
    vec![
        VatRate::new("high", Decimal::from(21), "Hoog (21%)", "High (21%)"),
        VatRate::new("low", Decimal::from(9), "Laag (9%)", "Low (9%)"),
        VatRate::new("zero", Decimal::ZERO, "Nul (0%)", "Zero (0%)"),
    ]
}

/// Finds a rate by its code.
pub fn find<'a>(rates: &'a [VatRate], code: &str) -> Option<&'a VatRate> {
    rates.iter().find(|r| r.code == code)
}
