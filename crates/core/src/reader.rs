//! What reading invoices back from a system gives ([`crate::backend::InvoiceReader`]): a page
//! of invoice summaries, one invoice with its lines and VAT, and its texts. Amounts are
//! decimals, written as strings.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Which invoices to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InvoiceQuery {
    /// The administration ("" for systems without administrations).
    pub administration: String,
    /// Invoice dates from (inclusive).
    pub from: Option<NaiveDate>,
    /// Invoice dates up to (inclusive).
    pub to: Option<NaiveDate>,
    /// Only this customer (the system's relation id).
    pub customer: Option<String>,
    /// Free text the system searches for (number, customer name), when it can.
    pub text: Option<String>,
}

/// Where an invoice is in the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceState {
    Draft,
    Open,
    Paid,
    Overdue,
    Cancelled,
    /// A state the app does not tell apart.
    Other,
}

/// One invoice in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InvoiceSummary {
    /// The system's id of the invoice.
    pub id: String,
    pub number: Option<String>,
    pub date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub customer: String,
    /// The system's id of the customer, when it gives one.
    pub customer_id: Option<String>,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub total_excl: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub total_vat: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub total_incl: Decimal,
    pub state: InvoiceState,
    /// The system's own word for the state, when it has one ("issued", "pending-payment").
    #[serde(default)]
    pub state_text: Option<crate::i18n::Text>,
    /// The keys of the actions ([`InvoiceActionSpec`]) that apply to this invoice now.
    #[serde(default)]
    pub actions: Vec<String>,
}

/// Something a clerk can do to an invoice in the system from History.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InvoiceActionSpec {
    pub key: String,
    pub label: crate::i18n::Text,
    /// Asked before the action is done ("Delete this draft?"), when it cannot be undone.
    pub confirm: Option<crate::i18n::Text>,
    /// What the clerk fills in for it (e.g. the e-mail to issue with), shown and required as
    /// declared.
    pub fields: Vec<crate::backend::FieldSpec>,
}

/// One page of invoices; `cursor` is handed back for the next page until `done`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InvoicePage {
    pub items: Vec<InvoiceSummary>,
    pub cursor: Option<String>,
    pub done: bool,
}

/// A line of an invoice read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InvoiceLineRead {
    pub description: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub quantity: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub unit_price: Decimal,
    /// The system's VAT code, when it gives one.
    pub vat_code: Option<String>,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub amount_excl: Decimal,
}

/// The VAT of one rate on an invoice read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InvoiceVat {
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub percentage: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub base: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub amount: Decimal,
}

/// One invoice opened: its summary, lines and VAT breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InvoiceDetail {
    pub summary: InvoiceSummary,
    pub lines: Vec<InvoiceLineRead>,
    pub vat: Vec<InvoiceVat>,
}

/// The format an invoice text comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum TextFormat {
    Plain,
    Html,
    Rtf,
}

/// A text of an invoice (header, footer, …) as the system keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InvoiceText {
    pub format: TextFormat,
    pub content: String,
}
