//! The Bloxs stand-in, written from Bloxs's API documentation (the "Authorization" page, the
//! filter-and-paging convention, the pages of the relations, contracts, real-estate objects,
//! ledger accounts and sales invoice services endpoints) and, where the documentation is
//! silent, from the assumptions the wire contract marks [I].
//!
//! Everything lives under `/bloxs`: the base URL a client configures is
//! `http://127.0.0.1:PORT/bloxs` (for `https://<customer>.bloxs.io`).
//!
//! # Authentication
//! - `POST /Authorization` (also `/authorization`) `{"apiKey", "apiSecret"}` → 200
//!   `{"token", "expiration"}` (UTC, `token_ttl_secs` from now, default 24 h). A missing
//!   member is 400 problem details with `errors: {"apiKey": ["The ApiKey field is
//!   required."]}`; a wrong key or secret is 400 `{"title": "The authorization token can't be
//!   created."}`.
//! - Every `/api/v1/*` call needs `Authorization: Bearer <token>`: missing, unknown or
//!   expired is 401 problem details (with `WWW-Authenticate: Bearer error="invalid_token"`).
//!   A token of the `no_rights_api_key` user (default `norights-bloxs-key`, same secret) is
//!   issued, but every API call with it is 403 (a user whose role has no API access).
//! - The faults hook's `"expire_tokens": true` expires every token issued so far.
//!
//! # Conventions
//! - Errors are ASP.NET problem details (`application/problem+json`): `{"type", "title",
//!   "status", "traceId"}`, and for validation 400 `{"title": "One or more validation errors
//!   occurred.", "errors": {"<path>": ["<message>"]}}` with camelCase paths and 0-based line
//!   indexes (`lines[1].serviceItemName`). Every error found is reported, not only the first.
//! - A POST needs `Content-Type: application/json` (415 otherwise) and a JSON object (400
//!   with the path `""` otherwise). Unknown members are ignored, as ASP.NET does.
//! - Amounts are read through their digits (never a binary double) and answered as JSON
//!   numbers the way .NET prints a double (`302.5`, `250`).
//!
//! # Filter endpoints (`POST`)
//! Body `{"paging": {"pageSize", "pageNumber"}, "sorting": {"columnName", "order"},
//! "filter": {…}}`, every part optional: `pageSize` 1..=1000 (default 100), `pageNumber` from
//! 1 (default 1), `order` `asc`|`desc` (any case), `columnName` one of the entity's columns
//! below (any case; default `reference`, ledger accounts `code`). Answer
//! `{"pageSize", "pageNumber", "totalPages", "totalCount", "items"}`; a page after the last
//! has no items. String filters on references and codes are exact, on `name` and `email` a
//! case-insensitive "contains"; `isActive` a boolean; `lastModified` `{"from", "to"}`
//! (inclusive, a date or a date-time).
//! - `/api/v1/relations/owners/filter`: `reference`, `name`, `isActive`. Six owners
//!   (`OWN-0001` "Vastgoed Noord B.V." … `OWN-0006` "De Hofstede Beleggingen B.V.", which is
//!   not active). Columns `reference`, `name`.
//! - `/api/v1/relations/persons/filter`, `/api/v1/relations/organisations/filter`:
//!   `reference`, `name` (persons: "first last"), `email`, `isActive`, `lastModified`,
//!   `chamberOfCommerceNumber`, `vatNumber`. Relations share one `REL-000001` sequence; the
//!   first three are fixed: `REL-000001` "Huisartsenpraktijk Noorderpoort" (organisation),
//!   `REL-000002` "Sanne Bakker" (person), `REL-000003` "Reisbureau Zonnig Weg B.V."
//!   (organisation, not active). About 6 % of the others are not active. Columns
//!   `reference`, `name` or `firstName`/`lastName`, `email`, `lastModified`.
//! - `/api/v1/contracts/general/filter`: `reference`, `ownerReference`, `relationReference`.
//!   `CON-00001` is fixed: `OWN-0001` with `REL-000001`. Columns `reference`,
//!   `ownerReference`, `relationReference`, `startDate`.
//! - `/api/v1/realestateobjects/units/filter`: `reference`, `ownerReference`. Columns
//!   `reference`, `name`, `ownerReference`.
//! - `/api/v1/finance/ledgeraccounts/filter`: `code`, `specificForOwnerReference`,
//!   `lastModified`. Columns `code`, `name`, `lastModified` (and `reference`, which sorts on
//!   the code).
//!
//! # Service items
//! `GET /api/v1/invoices/salesinvoiceservices/serviceitems` → an array of the 26 items
//! (`name`, `defaultInvoiceLineDescription`, `ledgerAccountCode`, `defaultNumberOfItems`,
//! `amountExcl`, `amountVAT`, `amountIncl`), VAT 21, 9 or 0 % (residential rent exempt).
//!
//! # Create: `POST /api/v1/invoices/salesinvoiceservices`
//! Checks (all of them, every failure on its path): `ownerReference`, `relationReference`
//! required (≤ 100), known, active; `salesContractReference` (≤ 100) known and of that owner
//! and relation; `externalIdentifier` ≤ 100; `supplyDate` a date (`2026-11-30`, or a
//! date-time; default today); `paymentMethod` required, 1 or 2; `lines` at least one; per
//! line `serviceItemName` required (≤ 256), a known item (exactly); `description` ≤ 512
//! (default the item's line description); `numberOfItems` a whole int32 ≥ 1;
//! `realEstateObjectReference` (≤ 100) a unit of that owner; `ledgerAccountCode` (≤ 12) an
//! account for every owner or for that owner (default the item's); amounts at most 2
//! decimals (`amountExclPerItem` 4); `amountExclPerItem` defaults to the item's price,
//! `amountVAT` to `amountExcl` × the item's rate rounded to cents, `amountIncl` to
//! `amountExcl + amountVAT`; `amountExcl` must be `round2(numberOfItems ×
//! amountExclPerItem)` and `amountIncl` `amountExcl + amountVAT`, to the cent (cents rounded
//! half away from zero). Answer 200: the request's members (with the defaults filled in) plus
//! `reference` (`SIS-<year>-000001` …), `workflowState` (1 Draft unless the hook says
//! otherwise), `totalAmountExcl`, `totalAmountVAT`, `totalAmountIncl` (sums of the lines) and
//! `lines[].lineIndex` (from 1). The same `externalIdentifier` twice is accepted twice (the
//! documentation names no uniqueness), so a client that sends twice is seen doing it.
//!
//! # Look-up: `GET /api/v1/invoices/salesinvoiceservices?externalIdentifier=…|reference=…`
//! 200 the detail (the first one stored with that identifier), 404 when there is none; both
//! given must match the same one (otherwise 404); neither is 400.
//! `POST /api/v1/invoices/salesinvoiceservices/filter` lists them (as their detail, in the
//! paging envelope) by `reference`, `externalIdentifier`, `ownerReference`,
//! `relationReference` and `supplyDate` `{"from", "to"}`; columns `reference`, `supplyDate`,
//! `ownerReference`, `relationReference`.
//!
//! # Test hooks (no authentication)
//! - `GET /__sandbox/bloxs/invoices` (also `/services`): the services received, `[{"reference",
//!   "external_identifier", "workflow_state", "received_at", "detail" (the answer), "body"
//!   (the JSON received)}]`.
//! - `GET`/`POST /__sandbox/bloxs/workflow_state`: `{"workflow_state": N}` sets the state new
//!   services get; with `"reference"` it changes that service's state instead.
//! - `GET /__sandbox/bloxs/stats`: counts of the data set and of the tokens.
//! - `POST /__sandbox/bloxs/mutate` `{"entity": "persons"|"organisations", "action":
//!   "create"|"update"|"archive"|"unarchive", "id"?: reference, "count"?: N (create),
//!   "fields"?: {API member: value} (`name`, `firstName`, `lastName`, `email`, `phoneNumber`,
//!   `vatNumber`, `chamberOfCommerceNumber`, `isActive`)}` → `{"entity", "action", "count",
//!   "records"}`. Every change sets the relation's `lastModified` to now; new relations
//!   continue the `REL-` sequence. `{"entity": "units", "action": "update", "id": reference,
//!   "fields": {"ownerReference": owner}}` moves a unit to another owner.
//! - `GET`, `POST`, `DELETE /__sandbox/bloxs/faults`: see [`crate::kit::faults`], plus
//!   `"expire_tokens": true` (answers `"tokens_expired": N`). `drop_after_store`,
//!   `fail_after_store` and `work_delay_ms` apply to the create call.

pub mod api;
pub mod data;
mod errors;
mod hooks;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::kit::faults::{self, Faults};
use crate::kit::hooks::{FaultAction, StandIn};
use crate::kit::server::Shutdown;
use crate::kit::shared::{lock, Shared};
use data::{timestamp, Data};

/// The path prefix of the stand-in.
pub const PREFIX: &str = "/bloxs";

/// The documented workflow states.
pub const WORKFLOW_STATES: &[i32] = &[1, 2, 3, 4, 7, 9, 10, 11];

/// Configuration of the Bloxs stand-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BloxsConfig {
    /// The user's personal API key.
    pub api_key: String,
    /// The environment's API secret.
    pub api_secret: String,
    /// A key (with the same secret) whose tokens are issued but whose API calls are 403.
    pub no_rights_api_key: String,
    /// Lifetime of a token (Bloxs: 24 hours).
    pub token_ttl_secs: u64,
    pub persons: usize,
    pub organisations: usize,
    pub contracts: usize,
    /// The workflow state of a new sales invoice service (Bloxs: 1, Draft).
    pub initial_workflow_state: i32,
}

impl Default for BloxsConfig {
    fn default() -> Self {
        BloxsConfig {
            api_key: "demo-bloxs-key".into(),
            api_secret: "demo-bloxs-secret".into(),
            no_rights_api_key: "norights-bloxs-key".into(),
            token_ttl_secs: 24 * 60 * 60,
            persons: 1800,
            organisations: 1200,
            contracts: 300,
            initial_workflow_state: 1,
        }
    }
}

/// An issued token: until when, and whether its user may use the API.
#[derive(Debug, Clone, Copy)]
struct Token {
    expires: DateTime<Utc>,
    rights: bool,
}

/// The state of one Bloxs environment.
pub struct Bloxs {
    pub cfg: BloxsConfig,
    pub(crate) data: Shared<Data>,
    tokens: Mutex<HashMap<String, Token>>,
    workflow_state: AtomicI32,
    pub faults: Arc<Faults>,
    shutdown: Shutdown,
}

impl Bloxs {
    /// Generates the environment; `Err` says what is wrong with the configuration.
    pub fn new(cfg: BloxsConfig, seed: u64, shutdown: Shutdown) -> Result<Bloxs, String> {
        if cfg.api_key.is_empty() || cfg.api_secret.is_empty() {
            return Err("the Bloxs API key and secret must not be empty".into());
        }
        if cfg.api_key == cfg.no_rights_api_key {
            return Err("the Bloxs key without rights must differ from the API key".into());
        }
        if !WORKFLOW_STATES.contains(&cfg.initial_workflow_state) {
            return Err(format!(
                "{} is not a Bloxs workflow state",
                cfg.initial_workflow_state
            ));
        }
        if cfg.persons == 0 || cfg.organisations < 2 {
            return Err("Bloxs needs at least one person and two organisations".into());
        }
        // Generated at the first request that needs it.
        let data = {
            let cfg = cfg.clone();
            Shared::lazy(move || Data::generate(&cfg, seed))
        };
        Ok(Bloxs {
            workflow_state: AtomicI32::new(cfg.initial_workflow_state),
            cfg,
            data,
            tokens: Mutex::new(HashMap::new()),
            faults: Arc::new(Faults::new(seed ^ 0xB10C_5F00)),
            shutdown,
        })
    }

    /// The workflow state a new service gets.
    pub fn workflow_state(&self) -> i32 {
        self.workflow_state.load(Ordering::SeqCst)
    }

    fn set_workflow_state(&self, state: i32) {
        self.workflow_state.store(state, Ordering::SeqCst);
    }

    fn issue(&self, rights: bool) -> (String, DateTime<Utc>) {
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let ttl = i64::try_from(self.cfg.token_ttl_secs).unwrap_or(i64::MAX / 2);
        let expires = Utc::now() + Duration::seconds(ttl.min(100 * 365 * 86_400));
        lock(&self.tokens).insert(token.clone(), Token { expires, rights });
        (token, expires)
    }

    /// Expires every token issued so far; answers how many were still valid.
    fn expire_all(&self) -> usize {
        let now = Utc::now();
        let mut tokens = lock(&self.tokens);
        let valid = tokens.values().filter(|t| t.expires > now).count();
        tokens.clear();
        valid
    }

    fn valid_tokens(&self) -> usize {
        let now = Utc::now();
        lock(&self.tokens)
            .values()
            .filter(|t| t.expires > now)
            .count()
    }

    /// `Some(rights)` for a valid token.
    fn check(&self, token: &str) -> Option<bool> {
        let tokens = lock(&self.tokens);
        let t = tokens.get(token)?;
        (t.expires > Utc::now()).then_some(t.rights)
    }
}

impl StandIn for Bloxs {
    const NAME: &'static str = "bloxs";

    fn faults(&self) -> &Arc<Faults> {
        &self.faults
    }

    fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }

    /// `"expire_tokens": true` expires every token now; the answer counts the valid ones.
    fn fault_action() -> Option<FaultAction<Self>> {
        Some(FaultAction {
            member: "expire_tokens",
            run: |bloxs, asked| {
                let expired = if asked { bloxs.expire_all() } else { 0 };
                ("tokens_expired", json!(expired))
            },
        })
    }
}

/// Is the body declared as JSON.
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|m| {
            let m = m.trim();
            m.eq_ignore_ascii_case("application/json") || m.to_ascii_lowercase().ends_with("+json")
        })
}

/// Reads a JSON object body, or answers the problem ASP.NET would.
pub(crate) fn read_object(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<serde_json::Map<String, Value>, Response> {
    if !is_json(headers) {
        return Err(errors::unsupported_media_type());
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(errors::invalid("", "A non-empty request body is required."));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(errors::invalid(
            "$",
            "The JSON value could not be converted to the request model.",
        )),
        Err(e) => Err(errors::invalid("$", format!("The JSON is invalid: {e}."))),
    }
}

/// `POST /Authorization`.
async fn authorization(State(b): State<Arc<Bloxs>>, headers: HeaderMap, body: Bytes) -> Response {
    let obj = match read_object(&headers, &body) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let mut errs = errors::Errors::default();
    let mut text = |member: &str, pascal: &str| match obj.get(member) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::String(_)) | Some(Value::Null) | None => {
            errs.add(member, format!("The {pascal} field is required."));
            None
        }
        Some(_) => {
            errs.add(
                member,
                "The JSON value could not be converted to System.String.",
            );
            None
        }
    };
    let key = text("apiKey", "ApiKey");
    let secret = text("apiSecret", "ApiSecret");
    let (Some(key), Some(secret)) = (key, secret) else {
        return errs.into_response();
    };
    let rights = if key == b.cfg.api_key {
        true
    } else if key == b.cfg.no_rights_api_key {
        false
    } else {
        return errors::problem(
            StatusCode::BAD_REQUEST,
            "The authorization token can't be created.",
        );
    };
    if secret != b.cfg.api_secret {
        return errors::problem(
            StatusCode::BAD_REQUEST,
            "The authorization token can't be created.",
        );
    }
    let (token, expires) = b.issue(rights);
    Json(json!({"token": token, "expiration": timestamp(expires)})).into_response()
}

/// The bearer token in front of every `/api/v1/*` call.
async fn guard(State(b): State<Arc<Bloxs>>, req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .map(str::to_string);
    match token.as_deref().and_then(|t| b.check(t)) {
        None => errors::unauthorized(),
        Some(false) => errors::forbidden(),
        Some(true) => next.run(req).await,
    }
}

/// Is this path the stand-in's (for the request log).
pub fn owns_path(path: &str) -> bool {
    crate::kit::server::is_under(PREFIX, path)
}

/// The routes of the stand-in (under `/bloxs`) and of its hooks.
pub fn router(b: Arc<Bloxs>) -> Router {
    let api = Router::new()
        .route("/api/v1/relations/owners/filter", post(api::owners))
        .route("/api/v1/relations/persons/filter", post(api::persons))
        .route(
            "/api/v1/relations/organisations/filter",
            post(api::organisations),
        )
        .route("/api/v1/contracts/general/filter", post(api::contracts))
        .route("/api/v1/realestateobjects/units/filter", post(api::units))
        .route(
            "/api/v1/finance/ledgeraccounts/filter",
            post(api::ledger_accounts),
        )
        .route(
            "/api/v1/invoices/salesinvoiceservices/serviceitems",
            get(api::service_items),
        )
        .route(
            "/api/v1/invoices/salesinvoiceservices",
            post(api::create).get(api::look_up),
        )
        .route(
            "/api/v1/invoices/salesinvoiceservices/filter",
            post(api::services),
        )
        .route_layer(middleware::from_fn_with_state(b.clone(), guard));
    let api = api
        .route("/Authorization", post(authorization))
        .route("/authorization", post(authorization))
        .fallback(|| async { errors::not_found() });
    let api = faults::mount(api, &b.faults, errors::injected, &b.shutdown).with_state(b.clone());
    Router::new().nest(PREFIX, api).merge(hooks::router(b))
}
