//! The connectors' toolkit: what every connector needs and should not write again.
//!
//! - [`token`]: a cache for short-lived access tokens (expiry, proactive renewal, one renewal
//!   at a time, one renewal and one retry after a 401, a per-token host).
//! - [`url`]: the one check and normalisation of a base URL a clerk types.
//! - [`problem`]: RFC 7807 problem details (ASP.NET `errors`, Mollie `field`) onto the form's
//!   fields, through a per-connector mapping table.
//! - [`wire`]: small readers and writers of JSON values (exact decimals in and out).

pub mod problem;
pub mod token;
pub mod url;
pub mod wire;
