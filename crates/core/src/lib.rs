//! Invoice Desk's domain and services, free of Tauri.
//!
//! - [`money`]: decimal amounts, parsing what a clerk types, rounding.
//! - [`vat`] and [`totals`]: VAT rates and the totals per line, per rate and per invoice.
//! - [`invoice`]: the draft as typed, and the validated invoice that goes out.
//! - [`validation`]: checks before sending, each tied to a form field.
//! - [`backend`]: the trait every bookkeeping system implements, and its types.
//! - [`fields`]: conditional fields, the declared header, the pre-send check's invoice.
//! - [`lists`]: declared look-up lists, look-up fields and the local address book.
//! - [`connector`]: how a connector describes its settings; the connection as the UI sees it.
//! - [`error`]: the error that crosses IPC as `{code, message, field?}`.
//! - [`i18n`]: Dutch and English messages.
//! - [`store`]: the local SQLite store: drafts, outbox, look-up cache with FTS5.
//! - [`sync`] and [`submit`]: background cache refresh and sending an invoice exactly once.
//! - [`desk`]: what each IPC command does, free of Tauri: texts, warnings, History.
//! - [`outbox`]: sending a waiting invoice under a lease, so one process sends it.
//! - [`reader`]: what reading invoices back from a system gives.
//! - [`reading`]: History's view of the invoices a system holds (copy, pages, actions).
//! - [`start_from`]: a new draft from an invoice sent or held ("Start from this invoice").
//! - [`texts`] and [`rtf`]: an invoice's texts made safe to show (HTML sanitised, RTF as text).

pub mod backend;
pub mod connector;
pub mod desk;
pub mod error;
pub mod fields;
pub mod i18n;
pub mod invoice;
pub mod lists;
pub mod money;
pub mod outbox;
pub mod reader;
pub mod reading;
pub mod rtf;
pub mod start_from;
pub mod store;
pub mod submit;
pub mod sync;
pub mod texts;
pub mod totals;
pub mod validation;
pub mod vat;

pub use rust_decimal::Decimal;
