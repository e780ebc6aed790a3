//! Invoice Desk connectors: one module per bookkeeping system behind the core
//! [`Backend`](invoice_desk_core::backend::Backend) trait, over one HTTP layer.
//!
//! - [`http`]: the shared HTTP client, transport and status errors, safe logging.
//! - [`kit`]: the connectors' toolkit: token cache, base URL check, problem details, wire helpers.
//! - [`secret`]: [`Secret`], a string that is never shown or logged.
//! - [`paging`]: bounds on paging loops (a repeated page, a cap on pages).
//! - [`pkce`]: verifier, challenge and state for the OAuth loopback flow.
//! - [`ratelimit`]: sliding-window request limiters, shared per account.
//! - [`registry`]: every connector, describing itself and how it is built.
//! - [`afas`]: AFAS SB.
//! - [`silvasoft`]: Silvasoft (bookkeeping and invoicing modules).
//! - [`bloxs`]: Bloxs (real-estate administration: sales invoice services).
//! - [`mollie`]: Mollie (Sales Invoice API: invoices to the app's own recipients).
//! - [`bouwsoft`]: Visma Bouwsoft (read-only: sales invoices listed and opened).

// The core error carries a message in two languages and per-field issues; it is returned by
// value everywhere, as in the core crate.

pub mod afas;
pub mod bloxs;
pub mod bouwsoft;
pub mod http;
pub mod kit;
pub mod mollie;
pub mod paging;
pub mod pkce;
pub mod ratelimit;
pub mod registry;
pub mod secret;
pub mod silvasoft;

#[cfg(test)]
mod props;

pub use afas::{AfasAuth, AfasClient, AfasConfig};
pub use bloxs::{BloxsClient, BloxsConfig};
pub use bouwsoft::{BouwsoftClient, BouwsoftConfig};
pub use mollie::{MollieAuth, MollieClient, MollieConfig};
pub use secret::Secret;
pub use silvasoft::{SilvasoftClient, SilvasoftConfig, SilvasoftModule};
