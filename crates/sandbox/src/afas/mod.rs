//! The AFAS SB stand-in, written from AFAS' documentation (docs.afas.help, SB pages) and the
//! AFAS SB OpenAPI 6.0.0 specification.
//!
//! Everything lives under `/{environment}` (default `/demo`), the "customer environment" part
//! of an AFAS URL (`https://{subdomain}.afasfocus.nl/{environment}`). Paths after it are
//! case-insensitive, as on AFAS' back end.
//!
//! # Authentication
//! - `POST /authentication/getaccesstoken` `{"apptoken": "...", "scope"?: "..."}` →
//!   `{"access_token", "expires_in": "600", "token_type": "bearer"}`; an unknown app token
//!   gets 401.
//! - OAuth2 authorization code + PKCE: `GET /app/auth?client_id&redirect_uri&response_type=code
//!   &code_challenge&code_challenge_method=S256&state` (all mandatory) shows a consent page
//!   whose "Allow" button (`GET`/`POST /app/auth/approve`) redirects (302) to
//!   `redirect_uri?code=..&state=..`. `POST /app/token` (form-urlencoded or multipart) with
//!   `grant_type=authorization_code` (checks the S256 verifier, which must be 43..=128
//!   characters) or `grant_type=refresh_token` (no new refresh token, as documented).
//! - Every `/api/*` call needs `Authorization: Bearer <token>` (401 "Er is geen ingelogde
//!   gebruiker." otherwise) and `Accept-Version` with the endpoint's major version (400 when
//!   missing or different). Answers carry `Content-Version`.
//!
//! # Endpoints
//! | endpoint | version | shape |
//! |---|---|---|
//! | `GET /api/administrations` | 1 | bare array |
//! | `GET /api/persons`, `/api/organisations` | 2 | `{"TrackingToken", "Result"}` |
//! | `GET /api/unknownrelation` | 1 | `{"TrackingToken", "Result"}` |
//! | `GET /api/products` | 3 | `{"TrackingToken", "Result"}` |
//! | `GET /api/addresses` | 1 | bare array |
//! | `GET /api/salesinvoices` | 1 | `{"TrackingToken", "Result"}`; no lines (none documented), the relation's uuid in `Organisation`/`Person`/`Unknown` |
//! | `PUT /api/blob/{uuid}` | 1 | reserve / upload, see [`blobs`] |
//! | `POST`, `DELETE /api/salesinvoice` | 2 | see [`salesinvoice`] |
//!
//! Lists take `skip`, `take` (no maximum; all rows without it), `sort=Field Ascending|Descending`
//! or `sortField=Field [ascending|descending]` (comma-separated for several), `filter` (OData
//! `eq` with `and`, `or` and parentheses; strings in single quotes, uuids, numbers, booleans
//! and dates bare; anything else is 400 "Ongeldig gebruikersfilter.") and, where wrapped,
//! `TrackingToken` (`yyyyMMdd<counter>`; only rows changed after it). Without `sort` rows keep
//! their stored order.
//!
//! Organisation names carry the relation number ("Bakkerij de Vries B.V. (000019)") and
//! product descriptions "(code, internal id)", as in AFAS' own examples. Products carry a
//! `VatType` (`high`/`low`/`zero`), which the spec does not list: an assumption of this
//! stand-in, needed to show VAT before sending.
//!
//! # Test hooks (no authentication)
//! - `GET /__sandbox/afas/invoices`: the invoices received, `[{"id", "number",
//!   "tracking_identifier", "body", "raw_body", "received_at", "amounts", "administration_id",
//!   "relation_type", "relation_id", "status", "result", "to_be_invoiced", "deleted",
//!   "attachments"}]`; `amounts` is `{"excluding_vat", "vat", "including_vat",
//!   "per_vat_type": [{"vat_type", "percentage", "base", "vat"}]}` with decimal strings.
//! - `GET /__sandbox/afas/blobs` → `[{"id", "filename", "content_type", "length", "received",
//!   "complete", "chunks"}]`; `GET /__sandbox/afas/blobs/{uuid}` → the bytes.
//! - `GET /__sandbox/afas/oauth/approve?state=<state>` approves the newest pending consent
//!   request with that state: `{"location", "code", "state"}`.
//! - `GET`, `POST`, `DELETE /__sandbox/afas/faults`: see [`crate::kit::faults`]; `POST` also takes
//!   `"expire_tokens": true` (every access token issued so far stops working now).
//! - `POST /__sandbox/afas/mutate` changes data, so a change feed has something to report:
//!   `{"entity": "persons"|"organisations"|"products"|"unknownrelation"|"addresses",
//!   "action": "create"|"update"|"archive"|"unarchive"|"block"|"unblock",
//!   "id"?: "<uuid>" (not for create), "count"?: N (create; default 1),
//!   "administration_id"?: "<uuid>" (product create; default the first administration),
//!   "fields"?: {"<API field name>": value, ...}}`
//!   → `{"entity", "action", "count", "records": [<rows as the API lists them, at most 1000>],
//!   "tracking_counter"}`.
//!   A created person or organisation gets generated data and an address (overridden by
//!   `fields`); a created address needs `fields.RelationId` and becomes the preferred invoice
//!   address. An update without `fields` only marks the row as changed.
//! - `GET /__sandbox/afas/stats` → `{"persons", "organisations", "unknownrelations",
//!   "products_per_admin", "products", "addresses", "administrations": [ids],
//!   "invoices_received", "generation_ms"}`.

pub mod auth;
pub mod blobs;
pub mod data;
pub mod errors;
mod hooks;
pub mod query;
pub mod salesinvoice;
pub mod schema;
pub mod tracking;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::kit::faults::{self, Faults};
use crate::kit::hooks::{FaultAction, StandIn};
use crate::kit::server::Shutdown;
use crate::kit::shared::{lock, Shared};
use data::{Data, Record, Table};
use errors::json_response;

/// Configuration of the AFAS SB stand-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfasConfig {
    /// URL path segment of the customer environment.
    pub environment: String,
    /// Valid static app tokens.
    pub app_tokens: Vec<String>,
    pub oauth_client_id: String,
    pub oauth_client_secret: String,
    /// Lifetime of access tokens from a static app token (AFAS: 10 minutes).
    pub access_token_ttl_secs: u64,
    /// Lifetime of OAuth access tokens (AFAS: 30 minutes).
    pub oauth_token_ttl_secs: u64,
    pub persons: usize,
    pub organisations: usize,
    /// Products per administration.
    pub products: usize,
    pub administrations: usize,
    /// The `ChunkSize` answered by a blob reservation.
    pub chunk_size: u64,
}

impl Default for AfasConfig {
    fn default() -> Self {
        AfasConfig {
            environment: "demo".into(),
            app_tokens: vec!["demo-app-token".into()],
            oauth_client_id: "invoice-desk-demo".into(),
            oauth_client_secret: "demo-client-secret".into(),
            access_token_ttl_secs: 600,
            oauth_token_ttl_secs: 1800,
            persons: 1200,
            organisations: 1000,
            products: 500,
            administrations: 2,
            chunk_size: 5_242_880,
        }
    }
}

type TrackingSlot = Arc<tokio::sync::Mutex<Option<tracking::Cached>>>;

/// A selection's signature and its rows' positions in sorted order.
type SortedOrder = (String, Arc<Vec<usize>>);

/// The state of one AFAS environment.
pub struct Afas {
    pub cfg: AfasConfig,
    /// The data set (`data.read()`, `data.write()`).
    pub(crate) data: Shared<Data>,
    auth: Mutex<auth::AuthState>,
    blobs: Mutex<HashMap<Uuid, blobs::Blob>>,
    tracking: Mutex<HashMap<Uuid, TrackingSlot>>,
    /// The last sorted order per endpoint, so paging through a large sorted list sorts once.
    sort_cache: Mutex<HashMap<&'static str, SortedOrder>>,
    pub faults: Arc<Faults>,
    shutdown: Shutdown,
    generation_ms: u64,
}

impl Afas {
    pub fn new(cfg: AfasConfig, seed: u64, shutdown: Shutdown) -> Afas {
        let started = Instant::now();
        let data = Data::generate(&cfg, seed);
        let generation_ms = started.elapsed().as_millis() as u64;
        Afas {
            cfg,
            data: Shared::new(data),
            auth: Mutex::new(auth::AuthState::default()),
            blobs: Mutex::new(HashMap::new()),
            tracking: Mutex::new(HashMap::new()),
            sort_cache: Mutex::new(HashMap::new()),
            faults: Arc::new(Faults::new(seed ^ 0xAFA5)),
            shutdown,
            generation_ms,
        }
    }

    pub(crate) fn auth(&self) -> MutexGuard<'_, auth::AuthState> {
        lock(&self.auth)
    }

    /// Waits the `work_delay_ms` fault, if any (cut short when the sandbox stops).
    pub(crate) async fn work_delay(&self) {
        faults::work_delay(&self.faults, &self.shutdown).await;
    }

    pub(crate) fn blobs(&self) -> MutexGuard<'_, HashMap<Uuid, blobs::Blob>> {
        lock(&self.blobs)
    }

    /// The checks every `/api/*` call passes: bearer token, then `Accept-Version` with the
    /// endpoint's major version (`"2"` and `"2.0"` both select version 2).
    pub fn guard(
        &self,
        headers: &HeaderMap,
        endpoint: &str,
        major: &str,
        full: &str,
    ) -> Result<(), Response> {
        if !self.authenticated(headers) {
            return Err(errors::unauthenticated());
        }
        let Some(v) = headers.get("accept-version") else {
            return Err(errors::bad_request(&format!(
                "The Accept-Version header is required; {endpoint} is version {full} (Accept-Version: {major})."
            )));
        };
        let v = v.to_str().unwrap_or("").trim();
        let got_major = v.split('.').next().unwrap_or("");
        let well_formed = !v.is_empty()
            && v.split('.').count() <= 2
            && v.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if well_formed && got_major.trim_start_matches('0') == major {
            return Ok(());
        }
        let hint = if endpoint == "salesinvoice" {
            format!(
                " Accept-Version '{v}' would select another schema than salesinvoice 2.0 \
                 (1.x has no VatType, PaymentMethod or ToBeInvoiced and no required SentInvoiceEmail); \
                 this environment implements salesinvoice {full} only."
            )
        } else {
            String::new()
        };
        Err(errors::bad_request(&format!(
            "Accept-Version '{v}' is not supported for {endpoint}; use {major} ({endpoint} {full}).{hint}"
        )))
    }

    fn list<R: Record>(
        &self,
        headers: &HeaderMap,
        query: Option<&str>,
        endpoint: (&'static str, &str, &str),
        wrapped: bool,
        table: fn(&Data) -> &Table<R>,
    ) -> Response {
        let (name, major, full) = endpoint;
        if let Err(r) = self.guard(headers, name, major, full) {
            return r;
        }
        let params = match query::list_params(query, R::FIELDS, wrapped) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let data = self.data.read();
        let t = table(&data);
        let rows: Vec<Value> = if params.sort.is_empty() {
            query::run(t.rows(), &params)
                .into_iter()
                .map(Record::to_json)
                .collect()
        } else {
            let sig = params.signature(t.counter(), t.len());
            let cached = {
                let cache = lock(&self.sort_cache);
                cache
                    .get(name)
                    .filter(|(s, _)| *s == sig)
                    .map(|(_, order)| order.clone())
            };
            let order = match cached {
                Some(o) => o,
                None => {
                    let o = Arc::new(query::sorted_positions(t.rows(), &params));
                    lock(&self.sort_cache).insert(name, (sig, o.clone()));
                    o
                }
            };
            order
                .iter()
                .skip(params.skip)
                .take(params.take.unwrap_or(usize::MAX))
                .map(|&i| t[i].to_json())
                .collect()
        };
        let body = if wrapped {
            json!({"TrackingToken": query::tracking_token(t.counter()), "Result": rows})
        } else {
            Value::Array(rows)
        };
        drop(data);
        json_response(StatusCode::OK, &body, Some(full))
    }
}

async fn administrations(
    State(a): State<Arc<Afas>>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    a.list(
        &h,
        q.as_deref(),
        ("administrations", "1", "1.0"),
        false,
        |d| &d.administrations,
    )
}

async fn persons(State(a): State<Arc<Afas>>, h: HeaderMap, RawQuery(q): RawQuery) -> Response {
    a.list(&h, q.as_deref(), ("persons", "2", "2.0"), true, |d| {
        &d.persons
    })
}

async fn organisations(
    State(a): State<Arc<Afas>>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    a.list(&h, q.as_deref(), ("organisations", "2", "2.0"), true, |d| {
        &d.organisations
    })
}

async fn unknownrelation(
    State(a): State<Arc<Afas>>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    a.list(
        &h,
        q.as_deref(),
        ("unknownrelation", "1", "1.0"),
        true,
        |d| &d.unknown,
    )
}

async fn products(State(a): State<Arc<Afas>>, h: HeaderMap, RawQuery(q): RawQuery) -> Response {
    a.list(&h, q.as_deref(), ("products", "3", "3.0"), true, |d| {
        &d.products
    })
}

async fn addresses(State(a): State<Arc<Afas>>, h: HeaderMap, RawQuery(q): RawQuery) -> Response {
    a.list(&h, q.as_deref(), ("addresses", "1", "1.0"), false, |d| {
        &d.addresses
    })
}

async fn salesinvoices(
    State(a): State<Arc<Afas>>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    a.list(&h, q.as_deref(), ("salesinvoices", "1", "1.0"), true, |d| {
        &d.invoices
    })
}

impl StandIn for Afas {
    const NAME: &'static str = "afas";

    fn faults(&self) -> &Arc<Faults> {
        &self.faults
    }

    fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }

    /// `"expire_tokens": true` expires every access token now; the answer counts them.
    fn fault_action() -> Option<FaultAction<Self>> {
        Some(FaultAction {
            member: "expire_tokens",
            run: |afas, asked| {
                let expired = if asked { afas.auth().expire_all() } else { 0 };
                ("tokens_expired", json!(expired))
            },
        })
    }
}

/// Rewrites `/{environment}/Api/Persons` to `/{environment}/api/persons` (AFAS' routes are
/// case-insensitive). `None` if the path is not this environment's.
pub fn normalize_path(environment: &str, path: &str) -> Option<String> {
    let rest = path.strip_prefix('/')?;
    let (first, tail) = rest.split_once('/').unwrap_or((rest, ""));
    if !first.eq_ignore_ascii_case(environment) {
        return None;
    }
    let normalized = format!("/{environment}/{}", tail.to_ascii_lowercase());
    (normalized != path).then_some(normalized)
}

/// Is this path one of this environment's (for the request log).
pub fn owns_path(environment: &str, path: &str) -> bool {
    let rest = path.strip_prefix('/').unwrap_or(path);
    let first = rest.split('/').next().unwrap_or("");
    first.eq_ignore_ascii_case(environment)
}

/// The routes of the stand-in (under `/{environment}`) and of its hooks.
pub fn router(afas: Arc<Afas>) -> Router {
    let body_limit = (afas.cfg.chunk_size as usize).saturating_mul(2) + (1 << 20);
    let api = Router::new()
        .route("/authentication/getaccesstoken", post(auth::getaccesstoken))
        .route("/app/auth", get(auth::authorize))
        .route(
            "/app/auth/approve",
            get(auth::approve_get).post(auth::approve_post),
        )
        .route("/app/token", post(auth::token))
        .route("/api/administrations", get(administrations))
        .route("/api/persons", get(persons))
        .route("/api/organisations", get(organisations))
        .route("/api/unknownrelation", get(unknownrelation))
        .route("/api/products", get(products))
        .route("/api/addresses", get(addresses))
        .route("/api/salesinvoices", get(salesinvoices))
        .route(
            "/api/salesinvoice",
            post(salesinvoice::create).delete(salesinvoice::delete),
        )
        .route(
            "/api/blob/{id}",
            put(blobs::put).layer(DefaultBodyLimit::max(body_limit)),
        )
        .fallback(|| async { errors::not_found() });
    let api =
        faults::mount(api, &afas.faults, errors::injected, &afas.shutdown).with_state(afas.clone());
    Router::new()
        .nest(&format!("/{}", afas.cfg.environment), api)
        .merge(hooks::router(afas))
}
