//! Bloxs (real-estate administration): sales invoice services with owners, relations, sales
//! contracts, real-estate objects, ledger accounts and service items.
//!
//! The client follows the vendor's wire contract (docs/DESIGN.md, "Assumptions about Bloxs"):
//! `POST /Authorization` with the API key and secret gives a bearer token with an
//! `expiration` ([`crate::kit::token::TokenCache`]: renewed before it expires, once on a 401);
//! lists are `POST <path>/filter` calls with paging (1,000 rows a page); the invoice is
//! `POST /api/v1/invoices/salesinvoiceservices` with our identity as `externalIdentifier`, and
//! the look-up after a lost answer is `GET …?externalIdentifier=<identity>` (404: none).
//!
//! - **Owners** play the administration: each keeps its own financial administration.
//! - **Relations** (persons and organisations) belong to the environment, shared by all
//!   owners; inactive ones are archived (not offered for new invoices).
//! - **Service items** are the products, one list for the whole environment (not per owner:
//!   `products_per_administration` is false).
//! - **Declared lists**: `contracts` per owner and relation, `units` (real-estate objects) and
//!   `ledger_accounts` per owner (a ledger account without an owner is every owner's).
//! - **Amounts** per line are consistent to the cent ([`body`]); VAT per line.

mod answer;
mod body;
pub mod connector;
mod reader;
mod wire;

use crate::http::{Http, Reply, Safety};
use crate::kit::token::{self, Token, TokenCache};
use crate::paging::{self, Guard, Subject};
use crate::secret::Secret;
use invoice_desk_core::backend::{
    Address, Administration, Backend, Capabilities, Choice, FieldKind, FieldSpec, HeaderField,
    InvoiceReader, InvoiceWriter, LineDescription, LineTexts, Lookup, LookupSource, Product,
    Progress, Receipt, Relation, RelationKind, SyncPage, SystemId, Upload,
};
use invoice_desk_core::error::{Error, ErrorCode, FieldIssue, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::invoice::{Draft, OutgoingInvoice};
use invoice_desk_core::lists::{ListScope, ListSpec, LookupFilter, LookupItem, ScopeValue};
use invoice_desk_core::totals::{PriceBasis, Rounding};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub use answer::{workflow_state, FIELD_MAP};
pub use body::{create_body, line_amounts, per_item_for, precheck, LineAmounts};

/// This connector's id: the `kind` of its connections.
pub const SYSTEM: &str = "bloxs";
/// Its name as a clerk knows it.
pub const NAME: &str = "Bloxs";

/// Rows per page of a filter call (Bloxs's most).
pub const PAGE_SIZE: u32 = 1000;
/// A token's life when the answer gives no `expiration` (Bloxs's documented 24 hours).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Header fields.
pub const HEADER_PAYMENT: &str = "payment_method";
pub const HEADER_CONTRACT: &str = "sales_contract";
/// Line fields.
pub const LINE_UNIT: &str = "real_estate_object";
pub const LINE_LEDGER: &str = "ledger_account";
/// Declared lists.
pub const LIST_CONTRACTS: &str = "contracts";
pub const LIST_UNITS: &str = "units";
pub const LIST_LEDGER: &str = "ledger_accounts";

const AUTHORIZATION: &str = "Authorization";
const CREATE: &str = "api/v1/invoices/salesinvoiceservices";
const SERVICE_ITEMS: &str = "api/v1/invoices/salesinvoiceservices/serviceitems";

/// One filter endpoint.
#[derive(Debug, Clone, Copy)]
struct Endpoint {
    path: &'static str,
    sort: &'static str,
    /// For a 403: "the API user lacks the rights to …".
    what_nl: &'static str,
    what_en: &'static str,
    /// The rows, for the paging messages.
    rows_nl: &'static str,
    rows_en: &'static str,
}

const OWNERS: Endpoint = Endpoint {
    path: "api/v1/relations/owners/filter",
    sort: "reference",
    what_nl: "eigenaren te lezen",
    what_en: "read owners",
    rows_nl: "eigenaren",
    rows_en: "owners",
};
const PERSONS: Endpoint = Endpoint {
    path: "api/v1/relations/persons/filter",
    sort: "reference",
    what_nl: "personen te lezen",
    what_en: "read persons",
    rows_nl: "personen",
    rows_en: "persons",
};
const ORGANISATIONS: Endpoint = Endpoint {
    path: "api/v1/relations/organisations/filter",
    sort: "reference",
    what_nl: "organisaties te lezen",
    what_en: "read organisations",
    rows_nl: "organisaties",
    rows_en: "organisations",
};
const CONTRACTS: Endpoint = Endpoint {
    path: "api/v1/contracts/general/filter",
    sort: "reference",
    what_nl: "contracten te lezen",
    what_en: "read contracts",
    rows_nl: "contracten",
    rows_en: "contracts",
};
const UNITS: Endpoint = Endpoint {
    path: "api/v1/realestateobjects/units/filter",
    sort: "reference",
    what_nl: "vastgoedobjecten te lezen",
    what_en: "read real-estate objects",
    rows_nl: "vastgoedobjecten",
    rows_en: "real-estate objects",
};
const LEDGER_ACCOUNTS: Endpoint = Endpoint {
    path: "api/v1/finance/ledgeraccounts/filter",
    sort: "code",
    what_nl: "grootboekrekeningen te lezen",
    what_en: "read ledger accounts",
    rows_nl: "grootboekrekeningen",
    rows_en: "ledger accounts",
};

impl Endpoint {
    fn subject(&self) -> Subject<'static> {
        Subject {
            system: NAME,
            nl: self.rows_nl,
            en: self.rows_en,
        }
    }
}

/// One Bloxs environment.
#[derive(Debug, Clone)]
pub struct BloxsConfig {
    /// `https://<customer>.bloxs.io` (plain http only to this computer).
    pub base_url: String,
    pub api_key: Secret,
    pub api_secret: Secret,
}

/// Checks and normalises a Bloxs address.
pub fn normalize_base_url(raw: &str) -> Result<String> {
    crate::kit::url::normalize_base_url_as(
        raw,
        &crate::kit::url::Wording {
            what_nl: "het Bloxs-adres",
            what_en: "the Bloxs address",
            example_nl: "https://uwbedrijf.bloxs.io",
            example_en: "https://yourcompany.bloxs.io",
        },
    )
}

/// The Bloxs connector. Cheap to clone; clones share the token cache.
#[derive(Clone)]
pub struct BloxsClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: Http,
    base: String,
    api_key: Secret,
    api_secret: Secret,
    tokens: TokenCache,
    page_size: AtomicU32,
    max_pages: AtomicU32,
    /// Writes go one at a time (a double click waits for the first answer).
    write_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for BloxsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BloxsClient")
            .field("base_url", &self.inner.base)
            .finish_non_exhaustive()
    }
}

fn bad_list(what_en: &str) -> Error {
    crate::kit::wire::unreadable_list(NAME, what_en)
}

/// A sync cursor: which feed (0 persons, 1 organisations; 0 for a single list), which page
/// next (from 1), and the paging guard. `complete` (or anything unreadable) starts over.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cursor {
    feed: usize,
    page: u32,
    guard: Guard,
}

impl Cursor {
    fn start() -> Cursor {
        Cursor {
            feed: 0,
            page: 1,
            guard: Guard::default(),
        }
    }

    fn parse(text: Option<&str>, feeds: usize) -> Cursor {
        let Some(text) = text else {
            return Cursor::start();
        };
        let (inner, guard) = Guard::split(text);
        let mut parts = inner.splitn(3, ':');
        let (Some("b1"), Some(feed), Some(page)) = (parts.next(), parts.next(), parts.next())
        else {
            return Cursor::start();
        };
        match (feed.parse::<usize>(), page.parse::<u32>()) {
            (Ok(feed), Ok(page)) if feed < feeds && page >= 1 => Cursor { feed, page, guard },
            _ => Cursor::start(),
        }
    }

    fn encode(&self) -> String {
        format!(
            "b1:{}:{}{}",
            self.feed,
            self.page,
            self.guard.encode_suffix()
        )
    }

    fn is_start(&self) -> bool {
        self.feed == 0 && self.page == 1
    }
}

const COMPLETE: &str = "b1:complete";

impl BloxsClient {
    /// A client with the standard HTTP settings; does not contact Bloxs.
    pub fn new(config: BloxsConfig) -> Result<BloxsClient> {
        BloxsClient::with_http(config, Http::new(NAME)?)
    }

    /// A client over a given HTTP layer (tests use short timeouts).
    pub fn with_http(config: BloxsConfig, http: Http) -> Result<BloxsClient> {
        let base = normalize_base_url(&config.base_url)?;
        if config.api_key.is_empty() || config.api_secret.is_empty() {
            return Err(Error::new(
                ErrorCode::Config,
                "De API-sleutel of het API-geheim voor Bloxs ontbreekt. Vul ze in bij Instellingen.",
                "The Bloxs API key or API secret is missing. Enter them in Settings.",
            ));
        }
        Ok(BloxsClient {
            inner: Arc::new(Inner {
                http,
                base,
                api_key: config.api_key,
                api_secret: config.api_secret,
                tokens: TokenCache::new(NAME),
                page_size: AtomicU32::new(PAGE_SIZE),
                max_pages: AtomicU32::new(paging::MAX_PAGES_PER_PASS),
                write_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Rows per page (default and most [`PAGE_SIZE`]); smaller pages make paging visible in
    /// tests.
    pub fn with_page_size(self, size: u32) -> Self {
        self.inner
            .page_size
            .store(size.clamp(1, PAGE_SIZE), Ordering::Relaxed);
        self
    }

    /// Most pages in one pass over a list.
    pub fn with_page_limit(self, pages: u32) -> Self {
        self.inner.max_pages.store(pages.max(1), Ordering::Relaxed);
        self
    }

    fn page_size(&self) -> u32 {
        self.inner.page_size.load(Ordering::Relaxed)
    }

    fn max_pages(&self) -> u32 {
        self.inner.max_pages.load(Ordering::Relaxed)
    }

    /// The normalised address.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.inner.base, path)
    }

    /// `POST /Authorization` with the key and secret: a token and its expiry.
    async fn fetch_token(&self) -> Result<Token> {
        let url = self.url(AUTHORIZATION);
        let body = json!({
            "apiKey": self.inner.api_key.expose(),
            "apiSecret": self.inner.api_secret.expose(),
        });
        let reply = self
            .inner
            .http
            .send(
                self.inner
                    .http
                    .request(Method::POST, &url)
                    .header("Accept", "application/json")
                    .json(&body),
                Safety::Idempotent,
            )
            .await?;
        if !reply.is_success() {
            return Err(answer::token_error(&self.inner.http, &reply));
        }
        if reply.json_opt().is_none() {
            // Not JSON (a web page): something else lives at this address.
            return Err(answer::wrong_address().with_detail(format!(
                "HTTP {} without JSON on {AUTHORIZATION}",
                reply.status.as_u16()
            )));
        }
        let a = token::read_answer(NAME, &reply.body, chrono::Utc::now(), TOKEN_LIFETIME)?;
        Ok(a.token)
    }

    /// An authenticated request; on a 401 the token is renewed once and the request sent again.
    async fn call<F>(&self, safety: Safety, build: F) -> Result<Reply>
    where
        F: Fn(&str) -> reqwest::RequestBuilder,
    {
        let build = &build;
        let http = &self.inner.http;
        self.inner
            .tokens
            .send(
                || self.fetch_token(),
                move |t: Token| {
                    let rb = build(t.secret.expose())
                        .bearer_auth(t.secret.expose())
                        .header("Accept", "application/json");
                    async move { http.send(rb, safety).await }
                },
                |r: &Reply| answer::wrong_credentials(r.vendor_message()),
            )
            .await
    }

    fn list_error(&self, ep: &Endpoint, reply: &Reply) -> Error {
        match reply.status.as_u16() {
            403 => answer::forbidden(ep.what_nl, ep.what_en, reply.vendor_message()),
            404 | 405 | 300..=399 => answer::wrong_address(),
            _ => self.inner.http.read_status_error(reply),
        }
    }

    /// One page of a filter call.
    async fn filter_page(&self, ep: &Endpoint, filter: &Value, page: u32) -> Result<wire::Page> {
        let url = self.url(ep.path);
        let body = wire::filter_body(self.page_size(), page, ep.sort, filter.clone());
        let reply = self
            .call(Safety::Idempotent, |_| {
                self.inner.http.request(Method::POST, &url).json(&body)
            })
            .await?;
        if !reply.is_success() {
            return Err(self.list_error(ep, &reply));
        }
        wire::parse_page(&reply.body).ok_or_else(|| {
            if reply.json_opt().is_none() {
                self.inner.http.not_the_api(&reply)
            } else {
                bad_list(ep.what_en)
            }
        })
    }

    /// Every row of a filter call, page by page (for short lists: owners).
    async fn filter_all(&self, ep: &Endpoint, filter: &Value) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut guard = Guard::default();
        let size = self.page_size();
        let mut page = 1u32;
        loop {
            let p = self.filter_page(ep, filter, page).await?;
            let last = p.is_last(page, size);
            guard.after_page(&p.items, !last, self.max_pages(), ep.subject())?;
            out.extend(p.items);
            if last {
                return Ok(out);
            }
            page = page.saturating_add(1);
        }
    }

    /// One page of a sync over `feeds` (one after the other), mapped by `map`.
    async fn sync_page<T>(
        &self,
        feeds: &[(Endpoint, Value)],
        cursor: Option<&str>,
        map: impl Fn(usize, &Value) -> Option<T>,
    ) -> Result<SyncPage<T>> {
        let mut cur = Cursor::parse(cursor, feeds.len());
        if cur.is_start() {
            cur.guard = Guard::default();
        }
        let full_reload = cur.is_start();
        let Some((ep, filter)) = feeds.get(cur.feed) else {
            return Err(bad_list("sync a list"));
        };
        let size = self.page_size();
        let page = self.filter_page(ep, filter, cur.page).await?;
        let last = page.is_last(cur.page, size);
        cur.guard
            .after_page(&page.items, !last, self.max_pages(), ep.subject())?;
        let rows = page.items.len();
        let items: Vec<T> = page
            .items
            .iter()
            .filter_map(|row| map(cur.feed, row))
            .collect();
        if items.len() < rows {
            tracing::debug!(
                system = NAME,
                endpoint = ep.path,
                skipped = rows - items.len(),
                "rows skipped (no reference, unreadable, or another owner's)"
            );
        }
        let done = last && cur.feed + 1 >= feeds.len();
        let next = if done {
            COMPLETE.to_string()
        } else if last {
            Cursor {
                feed: cur.feed + 1,
                page: 1,
                guard: cur.guard.clone(),
            }
            .encode()
        } else {
            Cursor {
                feed: cur.feed,
                page: cur.page.saturating_add(1),
                guard: cur.guard.clone(),
            }
            .encode()
        };
        Ok(SyncPage {
            items,
            removed: Vec::new(),
            cursor: next,
            done,
            full_reload,
        })
    }

    /// `GET /api/v1/invoices/salesinvoiceservices/serviceitems`: every service item (no paging).
    async fn service_items(&self) -> Result<Vec<Value>> {
        let url = self.url(SERVICE_ITEMS);
        let reply = self
            .call(Safety::Idempotent, |_| {
                self.inner.http.request(Method::GET, &url)
            })
            .await?;
        if !reply.is_success() {
            return Err(match reply.status.as_u16() {
                403 => answer::forbidden(
                    "service-items te lezen",
                    "read service items",
                    reply.vendor_message(),
                ),
                404 | 405 | 300..=399 => answer::wrong_address(),
                _ => self.inner.http.read_status_error(&reply),
            });
        }
        match wire::parse_page(&reply.body) {
            Some(p) => Ok(p.items),
            None if reply.json_opt().is_none() => Err(self.inner.http.not_the_api(&reply)),
            None => Err(bad_list("read service items")),
        }
    }

    async fn post_invoice(&self, invoice: &OutgoingInvoice) -> Result<Receipt> {
        let body = create_body(invoice)?;
        let identity = invoice.identity.to_string();
        let url = self.url(CREATE);
        let _write = self.inner.write_lock.lock().await;
        tracing::info!(system = NAME, external_identifier = %identity,
            lines = invoice.lines.len(), "sending a sales invoice service");
        let reply = self
            .call(Safety::NotIdempotent, |_| {
                self.inner.http.request(Method::POST, &url).json(&body)
            })
            .await?;
        let result = answer::interpret(&self.inner.http, &reply, invoice);
        match &result {
            Ok(r) => tracing::info!(system = NAME, external_identifier = %identity,
                reference = %r.remote_id, warnings = r.warnings.len(), "sales invoice service created"),
            Err(e) => tracing::info!(system = NAME, external_identifier = %identity,
                code = ?e.code, "sales invoice service not created"),
        }
        result
    }

    /// `GET /api/v1/invoices/salesinvoiceservices?externalIdentifier=<identity>`.
    async fn find_by_identity(&self, invoice: &OutgoingInvoice) -> Result<Lookup> {
        let identity = invoice.identity.to_string();
        let url = self.url(CREATE);
        let reply = self
            .call(Safety::Idempotent, |_| {
                self.inner
                    .http
                    .request(Method::GET, &url)
                    .query(&[("externalIdentifier", identity.as_str())])
            })
            .await?;
        match reply.status.as_u16() {
            404 => return Ok(Lookup::NotFound),
            200..=299 => {}
            403 => {
                return Err(answer::forbidden(
                    "verkoopfacturen te lezen",
                    "read sales invoices",
                    reply.vendor_message(),
                ))
            }
            _ => return Err(self.inner.http.read_status_error(&reply)),
        }
        let Some(v) = reply.json_opt() else {
            return Ok(Lookup::CannotTell);
        };
        // One detail, or a list of them (an envelope or an array).
        let candidates: Vec<Value> = match &v {
            Value::Object(o) if wire::get(o, "reference").is_some() => vec![v.clone()],
            _ => match wire::parse_page(&reply.body) {
                Some(p) => p.items,
                None => return Ok(Lookup::CannotTell),
            },
        };
        let ours: Vec<&Value> = candidates
            .iter()
            .filter(|d| {
                answer::external_identifier(d).is_none_or(|x| x.eq_ignore_ascii_case(&identity))
            })
            .collect();
        match ours.as_slice() {
            [] if candidates.is_empty() => Ok(Lookup::NotFound),
            [one] => Ok(answer::receipt(one, invoice)
                .map(Lookup::Found)
                .unwrap_or(Lookup::CannotTell)),
            _ => Ok(Lookup::CannotTell),
        }
    }
}

fn payment_methods() -> Vec<Choice> {
    vec![
        Choice::new("1", "Automatische incasso", "Direct debit"),
        Choice::new("2", "Overschrijving", "Bank transfer"),
    ]
}

fn lookup_field(
    key: &str,
    label: Text,
    list: &str,
    filter: Vec<LookupFilter>,
    help: Text,
) -> FieldSpec {
    FieldSpec {
        key: key.into(),
        label,
        kind: FieldKind::Lookup {
            list: list.into(),
            filter,
        },
        required: false,
        default: None,
        help: Some(help),
        shown_when: None,
        required_when: None,
    }
}

/// What Bloxs can do, for the form.
pub fn capabilities() -> Capabilities {
    Capabilities { discounts: Default::default(), test_mode: false,
        kind: SystemId::new(SYSTEM),
        vat_rates: invoice_desk_core::vat::dutch_rates(),
        rounding: Rounding::PerLine,
        price_bases: vec![PriceBasis::ExclVat, PriceBasis::InclVat],
        product_required: true,
        // A service line has one text, `description`.
        line_texts: LineTexts {
            description: LineDescription::Typed,
            extra_description: false,
        },
        quantity_dp: 0,
        price_dp: 2,
        max_lines: None,
        administrations: true,
        administration_label: Some(Text::new("Eigenaar", "Owner")),
        addresses: false,
        attachments: false,
        max_attachment_bytes: None,
        creates_invoices: true,
        header_fields: vec![
            FieldSpec {
                key: HEADER_PAYMENT.into(),
                label: Text::new("Betaalwijze", "Payment method"),
                kind: FieldKind::Choice {
                    options: payment_methods(),
                },
                required: true,
                default: None,
                help: None,
                shown_when: None,
                required_when: None,
            },
            lookup_field(
                HEADER_CONTRACT,
                Text::new("Verkoopcontract", "Sales contract"),
                LIST_CONTRACTS,
                vec![
                    LookupFilter {
                        key: "owner".into(),
                        from_field: invoice_desk_core::fields::ADMINISTRATION.into(),
                        optional: false,
                        fills: false,
                    },
                    // Without a relation the owner's contracts are offered, and the chosen
                    // one fills in its relation.
                    LookupFilter {
                        key: "relation".into(),
                        from_field: invoice_desk_core::fields::RELATION.into(),
                        optional: true,
                        fills: true,
                    },
                ],
                Text::new(
                    "Optioneel: een contract van deze eigenaar met deze relatie; zonder relatie vult het contract de relatie in.",
                    "Optional: a contract of this owner with this relation; without a relation the contract fills it in.",
                ),
            ),
        ],
        line_fields: vec![
            lookup_field(
                LINE_UNIT,
                Text::new("Vastgoedobject", "Real-estate object"),
                LIST_UNITS,
                vec![],
                Text::new(
                    "Optioneel: een object van de gekozen eigenaar.",
                    "Optional: an object of the chosen owner.",
                ),
            ),
            lookup_field(
                LINE_LEDGER,
                Text::new("Grootboekrekening", "Ledger account"),
                LIST_LEDGER,
                vec![],
                Text::new(
                    "Optioneel: het service-item vult zijn rekening in (leeg: ook die rekening).",
                    "Optional: the service item fills in its account (empty: that account too).",
                ),
            ),
        ],
        app_numbering: None,
        matches_customer_by_name: false,
        relations_per_administration: false,
        products_per_administration: false,
        // Bloxs has a supply date and no invoice date, and no reference of ours.
        header: vec![HeaderField::supply_date(), HeaderField::price_basis()],
        description_max_len: Some(body::MAX_DESCRIPTION),
        lists: vec![
            ListSpec {
                name: LIST_CONTRACTS.into(),
                label: Text::new("Verkoopcontracten", "Sales contracts"),
                scope: ListScope::Parent {
                    keys: vec!["owner".into(), "relation".into()],
                },
            },
            ListSpec {
                name: LIST_UNITS.into(),
                label: Text::new("Vastgoedobjecten", "Real-estate objects"),
                scope: ListScope::Administration,
            },
            ListSpec {
                name: LIST_LEDGER.into(),
                label: Text::new("Grootboekrekeningen", "Ledger accounts"),
                scope: ListScope::Administration,
            },
        ],
        relations: Default::default(),
        system_name: NAME.into(),
    }
}

fn choose_owner_first() -> Error {
    Error::new(
        ErrorCode::Validation,
        "Kies eerst de eigenaar.",
        "Choose the owner first.",
    )
    .with_field("administration")
}

#[async_trait::async_trait]
impl Backend for BloxsClient {
    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    /// Signs in and lists the owners: "Connected to Bloxs: 3 owners (…)". A wrong address,
    /// wrong key or secret and missing rights each say so in plain words.
    async fn test_connection(&self) -> Result<Text> {
        let owners = self.administrations().await?;
        let names = owners
            .iter()
            .map(|a| a.name.as_str())
            .take(5)
            .collect::<Vec<_>>()
            .join(", ");
        Ok(match owners.len() {
            0 => Text::new(
                format!("Verbonden met {NAME}, maar er is geen actieve eigenaar"),
                format!("Connected to {NAME}, but there is no active owner"),
            ),
            1 => Text::new(
                format!("Verbonden met {NAME}: 1 eigenaar ({names})"),
                format!("Connected to {NAME}: 1 owner ({names})"),
            ),
            n => Text::new(
                format!("Verbonden met {NAME}: {n} eigenaren ({names})"),
                format!("Connected to {NAME}: {n} owners ({names})"),
            ),
        })
    }

    /// The active owners.
    async fn administrations(&self) -> Result<Vec<Administration>> {
        let rows = self.filter_all(&OWNERS, &json!({})).await?;
        Ok(rows
            .iter()
            .filter_map(wire::owner)
            .filter(|(_, _, active)| *active)
            .map(|(id, name, _)| Administration { id, name })
            .collect())
    }

    fn writer(&self) -> Option<&dyn InvoiceWriter> {
        Some(self)
    }

    fn reader(&self) -> Option<&dyn InvoiceReader> {
        Some(self)
    }

    fn lookups(&self) -> Option<&dyn LookupSource> {
        Some(self)
    }
}

#[async_trait::async_trait]
impl InvoiceReader for BloxsClient {
    /// One page of the owner's sales invoice services (`POST …/salesinvoiceservices/filter`),
    /// the newest supply date first unless the clerk sorts; the cursor is the page number.
    /// See [`reader`].
    async fn list_invoices(
        &self,
        query: &invoice_desk_core::reader::InvoiceQuery,
        cursor: Option<&str>,
    ) -> Result<invoice_desk_core::reader::InvoicePage> {
        self.service_page(query, cursor).await
    }

    /// `GET …/salesinvoiceservices?reference=<id>`: the service with its lines.
    async fn invoice(&self, id: &str) -> Result<invoice_desk_core::reader::InvoiceDetail> {
        self.service_detail(id).await
    }

    /// A sales invoice service has no texts besides its lines.
    async fn text(
        &self,
        _id: &str,
        _which: &str,
    ) -> Result<invoice_desk_core::reader::InvoiceText> {
        Err(Error::new(
            ErrorCode::NotFound,
            format!("Een verkoopfactuurdienst van {NAME} heeft geen teksten."),
            format!("A {NAME} sales invoice service has no texts."),
        ))
    }
}

#[async_trait::async_trait]
impl InvoiceWriter for BloxsClient {
    /// The same rules as at send time ([`precheck`]), on the draft as typed.
    fn precheck(&self, draft: &Draft, caps: &Capabilities) -> Vec<FieldIssue> {
        invoice_desk_core::fields::precheck_draft(draft, caps, precheck)
    }

    async fn upload_attachment(
        &self,
        _administration: &str,
        _upload: &Upload,
        _progress: Progress<'_>,
    ) -> Result<String> {
        Err(Error::new(
            ErrorCode::Validation,
            format!("{NAME} neemt geen bijlagen bij een verkoopfactuur aan."),
            format!("{NAME} takes no attachments with a sales invoice."),
        )
        .with_field("attachments"))
    }

    /// `POST /api/v1/invoices/salesinvoiceservices` with `externalIdentifier` = the invoice's
    /// identity.
    async fn submit(&self, invoice: &OutgoingInvoice) -> Result<Receipt> {
        self.post_invoice(invoice).await
    }

    /// Asks Bloxs for the invoice with our identity as `externalIdentifier`: found, not found
    /// (404), or cannot tell (an answer that names several, or that cannot be read).
    async fn lookup(&self, invoice: &OutgoingInvoice) -> Result<Lookup> {
        self.find_by_identity(invoice).await
    }
}

#[async_trait::async_trait]
impl LookupSource for BloxsClient {
    /// Persons, then organisations; they belong to the environment, so `administration` is
    /// not used. Every sync is a full reload (no change feed is documented).
    async fn sync_relations(
        &self,
        _administration: &str,
        cursor: Option<&str>,
    ) -> Result<SyncPage<Relation>> {
        let feeds = [(PERSONS, json!({})), (ORGANISATIONS, json!({}))];
        self.sync_page(&feeds, cursor, |feed, row| {
            let kind = if feed == 0 {
                RelationKind::Person
            } else {
                RelationKind::Organisation
            };
            wire::relation(row, kind)
        })
        .await
    }

    /// The service items: one list for the environment, in one call.
    async fn sync_products(
        &self,
        _administration: &str,
        _cursor: Option<&str>,
    ) -> Result<SyncPage<Product>> {
        let rows = self.service_items().await?;
        Ok(SyncPage {
            items: rows.iter().filter_map(wire::service_item).collect(),
            removed: Vec::new(),
            cursor: COMPLETE.into(),
            done: true,
            full_reload: true,
        })
    }

    /// Bloxs keeps one address per relation and the invoice takes none: nothing to choose.
    async fn addresses(&self, _administration: &str, _relation: &Relation) -> Result<Vec<Address>> {
        Ok(Vec::new())
    }

    async fn sync_list(
        &self,
        list: &str,
        scope: &ScopeValue,
        cursor: Option<&str>,
    ) -> Result<SyncPage<LookupItem>> {
        let owner = scope
            .administration()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .ok_or_else(choose_owner_first)?
            .to_string();
        match list {
            LIST_CONTRACTS => {
                let relation = match scope {
                    ScopeValue::Parent { values, .. } => values.get("relation").cloned(),
                    _ => None,
                };
                let owner = match scope {
                    ScopeValue::Parent { values, .. } => {
                        values.get("owner").cloned().unwrap_or(owner)
                    }
                    _ => owner,
                };
                let mut filter = json!({ "ownerReference": owner });
                if let Some(r) = relation {
                    filter["relationReference"] = Value::String(r);
                }
                self.sync_page(&[(CONTRACTS, filter)], cursor, |_, row| wire::contract(row))
                    .await
            }
            LIST_UNITS => {
                let filter = json!({ "ownerReference": owner });
                let o = owner.clone();
                self.sync_page(&[(UNITS, filter)], cursor, move |_, row| {
                    wire::unit(row).filter(|u| {
                        u.parents
                            .get("owner")
                            .is_none_or(|x| x.eq_ignore_ascii_case(&o))
                    })
                })
                .await
            }
            LIST_LEDGER => {
                self.sync_page(&[(LEDGER_ACCOUNTS, json!({}))], cursor, |_, row| {
                    wire::ledger_account(row, &owner)
                })
                .await
            }
            other => Err(Error::new(
                ErrorCode::Config,
                format!("{NAME} heeft geen opzoeklijst '{other}'."),
                format!("{NAME} has no look-up list '{other}'."),
            )),
        }
    }
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
