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
    /// Free text the system searches for (number, customer name, project), when it can.
    pub text: Option<String>,
    /// The column to sort by and the direction; `None`: the system's own order.
    #[serde(default)]
    pub sort: Option<InvoiceSort>,
}

/// A column a list of invoices can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceColumn {
    Number,
    Date,
    DueDate,
    Customer,
    Project,
    TotalExcl,
    TotalVat,
    TotalIncl,
    State,
}

/// The sort of a list of invoices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InvoiceSort {
    pub column: InvoiceColumn,
    pub descending: bool,
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
    /// The project the invoice belongs to, when the system has projects.
    #[serde(default)]
    pub project: Option<String>,
    /// The system's flags in words ("Sent to accounting", "E-invoice sent"), when it has them.
    #[serde(default)]
    pub flags: Vec<crate::i18n::Text>,
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
    /// The VAT percentage of the line, when the system gives it.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[ts(type = "string | null")]
    pub vat_percent: Option<Decimal>,
    /// The system's id of the line's product, when it has one.
    #[serde(default)]
    pub product_id: Option<String>,
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
    /// The system's VAT code of this slot, when it gives one.
    #[serde(default)]
    pub code: Option<String>,
    /// The taxable amount, when the system tells it apart from the base.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[ts(type = "string | null")]
    pub taxable: Option<Decimal>,
    /// The VAT is shifted to the customer (Belgian co-contractor, reverse charge).
    #[serde(default)]
    pub co_contractor: bool,
    /// The amount including VAT of this slot, when the system gives it.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[ts(type = "string | null")]
    pub incl: Option<Decimal>,
}

/// One invoice opened: its summary, lines and VAT breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InvoiceDetail {
    pub summary: InvoiceSummary,
    pub lines: Vec<InvoiceLineRead>,
    pub vat: Vec<InvoiceVat>,
    /// The customer's address as printed on the invoice, one line each.
    #[serde(default)]
    pub address: Vec<String>,
    /// The contact person, when the invoice names one.
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default)]
    pub vat_number: Option<String>,
    /// The customer's or the invoice's reference.
    #[serde(default)]
    pub reference: Option<String>,
    /// The texts the invoice has (introduction, conclusion…), fetched with `text`.
    #[serde(default)]
    pub texts: Vec<InvoiceTextRef>,
    /// The decimals the invoice's prices are shown with, when the system says.
    #[serde(default)]
    pub price_decimals: Option<u32>,
}

/// A text an invoice has, and the formats it can be fetched in (the best first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InvoiceTextRef {
    /// What `InvoiceReader::text` is asked for.
    pub which: String,
    pub label: crate::i18n::Text,
    pub formats: Vec<TextFormat>,
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
