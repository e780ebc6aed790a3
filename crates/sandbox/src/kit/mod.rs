//! The kit every stand-in is built from, so that a stand-in holds only its vendor's rules:
//! its routes, its validation, its answers and the shapes of its data.
//!
//! - [`server`]: the listener whose connections a handler can cut, and the shutdown signal.
//! - [`faults`]: the fault layer and its settings, the same for every system.
//! - [`hooks`]: the test hooks under `/__sandbox/<system>/` (the `faults` hook with the
//!   system's own extra members, the `mutate` envelope, field readers) and [`StandIn`], what a
//!   stand-in tells the kit about itself.
//! - [`shared`]: the state behind locks that a panicking handler does not poison.
//! - [`table`]: rows with an id index and a change counter (what a change feed reads).
//! - [`log`]: the request log behind `GET /__sandbox/log`.
//! - [`json`]: a strict JSON reader that keeps duplicate members and positions, for vendors
//!   whose own parser is stricter than `serde_json`.
//! - [`data`] and [`names`]: Dutch and Belgian sample data (names, companies, streets, cities,
//!   postal codes, phone numbers, VAT, KvK and enterprise numbers, IBANs, EAN codes, products),
//!   deterministic for a seed.

pub mod data;
pub mod faults;
pub mod hooks;
pub mod json;
pub mod log;
pub mod names;
pub mod server;
pub mod shared;
pub mod table;

pub use hooks::StandIn;
