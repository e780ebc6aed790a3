//! The Mollie stand-in: the Sales Invoice API (beta) and the profiles list, written from
//! Mollie's OpenAPI document (`create-sales-invoice`, `list-sales-invoices`,
//! `get-sales-invoice`, `update-sales-invoice`, `delete-sales-invoice`, `list-profiles`) and,
//! where it is silent, from the assumptions the wire contract marks [I].
//!
//! Everything lives under `/mollie`: the base URL a client configures is
//! `http://127.0.0.1:PORT/mollie` (for `https://api.mollie.com`), paths `/v2/...`.
//!
//! # Credentials (`Authorization: Bearer …`)
//! - Profile API keys [`DEMO_API_KEY_TEST`] (test mode) and [`DEMO_API_KEY_LIVE`] (live mode)
//!   of the profile [`API_KEY_PROFILE`]. With an API key, `testmode` and `profileId` must not
//!   be sent (422 on that field; 400 for `testmode` in a GET's query).
//! - The organisation access token [`DEMO_ORG_TOKEN`], with the profiles [`ORG_PROFILES`]
//!   (`pfl_demo0001` "Bakkerij De Gouden Krakeling", `pfl_demo0002` "Fietsenmaker Snel"):
//!   `profileId` is required on create (422 `profileId` when missing or not the
//!   organisation's), `testmode: true` selects test mode (in the body of POST, PATCH and
//!   DELETE, in the query of GET; default live). A list may be narrowed with a `profileId`
//!   query [I]; without it, it lists every profile of the organisation.
//! - [`NO_RIGHTS_TOKEN`]: an organisation token without `sales-invoices.read/write`: 403 on
//!   every sales invoice call (it may list the profiles).
//! - Missing or unknown: 401. `GET /v2/profiles` with an API key: 403 (the endpoint is for
//!   organisation credentials).
//!
//! Test and live invoices are apart: an invoice is seen only in its own mode (404 otherwise).
//!
//! # Sales invoices
//! - `POST /v2/sales-invoices` → 201 `application/hal+json`, the invoice. Checks, the first
//!   refusal answered as 422 `{"status", "title", "detail", "field", "_links"}`: `status`
//!   (draft, issued, paid), `currency` (required [I], `EUR`), `recipientIdentifier`,
//!   `recipient` (`type`, `email`, `streetAndNumber`, `postalCode`, `city`, `country` (ISO
//!   alpha-2), `locale` (one of nine); a consumer's `givenName`/`familyName` at least two
//!   characters and not only digits; a business's `organizationName` [I] and `vatNumber` or
//!   `organizationNumber`, refused on `recipient.vatNumber`), `lines` (at least one; per line
//!   `lines.N.description` ≤ 100 characters, `lines.N.quantity` a whole number ≥ 1,
//!   `lines.N.vatRate` a string 0..=100 with at most two decimals, `lines.N.unitPrice`
//!   `{currency: EUR, value: "0.00"}` with exactly two decimals, `lines.N.discount`
//!   `{type: amount|percentage, value}`), `vatScheme`, `vatMode`, `paymentTerm`, `memo`,
//!   `discount`, `isEInvoice` (only for recipients in BE, DE or NL), `paymentDetails`
//!   (required for paid and only for paid; `sourceReference` required unless `manual`),
//!   `emailDetails` (`subject` and `body`), `metadata` (an object of at most 1 kB, stored
//!   and answered). A discount larger than its line or the subtotal is refused on its
//!   `value`. Members the schema does not declare are ignored, as Mollie does.
//! - Totals (see [`invoice::totals`]): per line `unitPrice × quantity` minus its discount;
//!   the invoice discount on their sum, spread over the lines in proportion (largest
//!   remainder); VAT per line on the discounted line (exclusive: on top; inclusive: taken
//!   out); `subtotalAmount` and `discountedSubtotalAmount` excl. VAT, `totalAmount`,
//!   `totalVatAmount`, `amountDue` (0.00 once paid). Half away from zero.
//! - `invoiceNumber` is null for a draft, `INV-<year>-<6 digits>` once issued or paid (per
//!   profile and mode). `_links`: `self`, `pdfLink` (`/mollie/pdf/<id>.pdf`, a small real
//!   PDF, no credentials needed), `invoicePayment` while issued, `documentation`.
//! - `GET /v2/sales-invoices?from=&limit=&testmode=&profileId=`: newest first, `limit`
//!   1..=250 (default 50; 400 on `limit` otherwise), `from` an id of the list (400 on
//!   `from` otherwise). `{"count", "_embedded": {"sales_invoices"}, "_links": {"self",
//!   "previous", "next", "documentation"}}`, `next` null on the last page; the invoices in a
//!   list have no `documentation` link (`list-sales-invoice-response` declares none).
//! - `GET /v2/sales-invoices/{id}`: the invoice, or 404 `No entity exists with token '…'`.
//! - `PATCH /v2/sales-invoices/{id}` → 200: a draft takes every member; other statuses only
//!   `status`, `memo`, `emailDetails`, `paymentDetails`. To `issued`: `emailDetails` required
//!   [I]; to `paid`: `paymentDetails`; issued/overdue → paid or cancelled; nothing back to
//!   draft; an update without members is 422 without a `field`.
//! - `DELETE /v2/sales-invoices/{id}` → 204 for a draft, 422 otherwise.
//!
//! # Idempotency
//! `Idempotency-Key` on POST, PATCH and DELETE, per credential: the same key with the same
//! method, path and body (compared as JSON) answers the kept answer again, status and body,
//! and changes nothing; the same key with another request is 422 [I]. Every answer of the
//! handler is kept (a 422 too); failures injected by the fault layer never reach it.
//!
//! # Test hooks (no authentication)
//! - `GET /__sandbox/mollie/invoices`: the invoices created through the API, `[{"id",
//!   "profile_id", "mode", "status", "invoice_number", "deleted", "answer"}]`.
//! - `GET /__sandbox/mollie/received`: every POST, PATCH and DELETE answered after
//!   authentication, `[{"method", "path", "idempotency_key", "body", "status", "replayed",
//!   "invoice_id", "at"}]`.
//! - `POST /__sandbox/mollie/status` `{"id", "status"}`: sets an invoice's status (any text,
//!   as Mollie's list of statuses grows: `overdue`, `cancelled`, …).
//! - `GET /__sandbox/mollie/stats`: counts per profile, mode and status.
//! - `GET`, `POST`, `DELETE /__sandbox/mollie/faults`: see [`crate::kit::faults`] (`"status":
//!   429` answers Mollie's rate-limit body with `Retry-After`). `drop_after_store` (a lost
//!   answer: the invoice is stored and its key kept, the connection cut), `fail_after_store`
//!   and `work_delay_ms` apply to the create call.

pub mod api;
pub mod data;
pub mod errors;
mod hooks;
pub mod invoice;

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderMap};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};

use crate::kit::faults::{self, Faults};
use crate::kit::hooks::StandIn;
use crate::kit::server::Shutdown;
use crate::kit::shared::Shared;
use data::{Data, Profile};

/// The path prefix of the stand-in.
pub const PREFIX: &str = "/mollie";

/// The demo's profile API key in test mode.
pub const DEMO_API_KEY_TEST: &str = "test_demoMollieKey0000000000000000";
/// The demo's profile API key in live mode.
pub const DEMO_API_KEY_LIVE: &str = "live_demoMollieKey0000000000000000";
/// The demo's organisation access token (two profiles).
pub const DEMO_ORG_TOKEN: &str = "access_demoMollieToken000000000000";
/// An organisation access token without the sales invoice rights.
pub const NO_RIGHTS_TOKEN: &str = "access_norightsToken000000000000000";

/// The profile the demo API keys belong to.
pub const API_KEY_PROFILE: Profile = Profile {
    id: "pfl_demo0000",
    name: "Koffiebranderij Het Anker",
    website: "https://www.hetanker-koffie.nl",
    email: "info@hetanker-koffie.nl",
    phone: "+31201234567",
    category: "FOOD_AND_DRINKS",
};

/// The organisation's profiles, as `GET /v2/profiles` lists them.
pub const ORG_PROFILES: [Profile; 2] = [
    Profile {
        id: "pfl_demo0001",
        name: "Bakkerij De Gouden Krakeling",
        website: "https://www.goudenkrakeling.nl",
        email: "info@goudenkrakeling.nl",
        phone: "+31301234567",
        category: "FOOD_AND_DRINKS",
    },
    Profile {
        id: "pfl_demo0002",
        name: "Fietsenmaker Snel",
        website: "https://www.fietsenmakersnel.nl",
        email: "werkplaats@fietsenmakersnel.nl",
        phone: "+31101234567",
        category: "OTHER_MERCHANDISE",
    },
];

/// Configuration of the Mollie stand-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MollieConfig {
    pub api_key_test: String,
    pub api_key_live: String,
    pub org_token: String,
    pub no_rights_token: String,
    /// Generated invoices per profile and mode.
    pub invoices_per_profile: usize,
    /// The time the generated invoices lead up to (none: the start).
    pub now: Option<DateTime<Utc>>,
}

impl Default for MollieConfig {
    fn default() -> Self {
        MollieConfig {
            api_key_test: DEMO_API_KEY_TEST.into(),
            api_key_live: DEMO_API_KEY_LIVE.into(),
            org_token: DEMO_ORG_TOKEN.into(),
            no_rights_token: NO_RIGHTS_TOKEN.into(),
            invoices_per_profile: 150,
            now: None,
        }
    }
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// A profile API key: its profile and mode.
    ApiKey { profile: &'static str, test: bool },
    /// An organisation access token; `rights`: it may read and write sales invoices.
    Org { rights: bool },
}

/// The state of the Mollie stand-in.
pub struct Mollie {
    pub cfg: MollieConfig,
    pub(crate) data: Shared<Data>,
    pub faults: Arc<Faults>,
    shutdown: Shutdown,
}

impl Mollie {
    /// Generates the data; `Err` says what is wrong with the configuration.
    pub fn new(cfg: MollieConfig, seed: u64, shutdown: Shutdown) -> Result<Mollie, String> {
        let creds = [
            &cfg.api_key_test,
            &cfg.api_key_live,
            &cfg.org_token,
            &cfg.no_rights_token,
        ];
        if creds.iter().any(|c| c.is_empty()) {
            return Err("the Mollie credentials must not be empty".into());
        }
        if !cfg.api_key_test.starts_with("test_") || !cfg.api_key_live.starts_with("live_") {
            return Err("Mollie API keys start with test_ or live_".into());
        }
        if !cfg.org_token.starts_with("access_") || !cfg.no_rights_token.starts_with("access_") {
            return Err("Mollie organisation tokens start with access_".into());
        }
        let mut seen = std::collections::HashSet::new();
        if !creds.iter().all(|c| seen.insert(c.as_str())) {
            return Err("the Mollie credentials must differ from each other".into());
        }
        let now = cfg.now.unwrap_or_else(Utc::now);
        // Generated at the first request that needs it.
        let data = {
            let cfg = cfg.clone();
            Shared::lazy(move || Data::generate(&cfg, seed, &Mollie::profiles(), now))
        };
        Ok(Mollie {
            cfg,
            data,
            faults: Arc::new(Faults::new(seed ^ 0x3011_1E5F)),
            shutdown,
        })
    }

    /// Every profile with invoices: the API keys' and the organisation's.
    pub fn profiles() -> Vec<&'static Profile> {
        let mut v = vec![&API_KEY_PROFILE];
        v.extend(ORG_PROFILES.iter());
        v
    }

    /// The caller, from `Authorization: Bearer …`.
    pub fn access(&self, headers: &HeaderMap) -> Option<Access> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })?;
        if token == self.cfg.api_key_test {
            Some(Access::ApiKey {
                profile: API_KEY_PROFILE.id,
                test: true,
            })
        } else if token == self.cfg.api_key_live {
            Some(Access::ApiKey {
                profile: API_KEY_PROFILE.id,
                test: false,
            })
        } else if token == self.cfg.org_token {
            Some(Access::Org { rights: true })
        } else if token == self.cfg.no_rights_token {
            Some(Access::Org { rights: false })
        } else {
            None
        }
    }
}

impl StandIn for Mollie {
    const NAME: &'static str = "mollie";

    fn faults(&self) -> &Arc<Faults> {
        &self.faults
    }

    fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }
}

/// Is this path the stand-in's (for the request log).
pub fn owns_path(path: &str) -> bool {
    crate::kit::server::is_under(PREFIX, path)
}

/// `http://host:port/mollie`, from the request's `Host`.
pub fn base_of(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}{PREFIX}")
}

/// The routes of the stand-in (under `/mollie`) and of its hooks.
pub fn router(m: Arc<Mollie>) -> Router {
    let api = Router::new()
        .route("/v2/profiles", get(api::profiles))
        .route("/v2/sales-invoices", get(api::list).post(api::create))
        .route(
            "/v2/sales-invoices/{id}",
            get(api::get_one).patch(api::update).delete(api::delete),
        )
        .route("/pdf/{file}", get(api::pdf))
        .fallback(|_req: Request| async { errors::not_found() });
    let api = faults::mount(api, &m.faults, errors::injected, &m.shutdown).with_state(m.clone());
    Router::new().nest(PREFIX, api).merge(hooks::router(m))
}
