//! AFAS SB (AFAS Small Business).
//!
//! The client follows the "how-to sales invoice" workflow: token → administrations →
//! relations (persons, organisations, unknown relations) → products → addresses →
//! attachments (blobs) → `POST /api/salesinvoice` with a `Tracking-Identifier`.
//!
//! Choices where the documentation is silent or contradicts itself:
//! - **Accept-Version** per endpoint is the example the 6.0.0 spec gives for that operation:
//!   administrations `1`, persons and organisations `2.0`, unknownrelation `1`, products `3.0`,
//!   addresses `1`, blob `1`, salesinvoice POST `2`, salesinvoices GET `1`.
//! - **Sorting**: the docs and every code sample use `sort=Field+Ascending`, the spec names
//!   the parameter `sortField` (`'fieldId [direction]'`). We send `sort=Id+Ascending`, as the
//!   samples do.
//! - **Paging**: `skip`/`take` with `take=500`; no total count exists, so a page with fewer
//!   than `take` rows is the last.
//! - **Relations** are per environment, not per administration: `sync_relations` ignores its
//!   administration argument.
//! - **Prices**: `InvoiceLine.Price` is the unit price excluding VAT (the how-to and the spec
//!   say so) and has no `multipleOf` in the spec, unlike `Quantity` (`multipleOf 0.01`). A
//!   price typed including VAT is converted to net with up to 10 decimals, on the assumption
//!   that AFAS accepts more than two decimals there.
//! - **Rounding**: AFAS SB computes VAT itself and does not document how; we assume VAT per
//!   rate on the invoice total ([`Rounding::PerTotal`]).
//! - **Duplicates**: every POST carries `Tracking-Identifier: <invoice identity>`. AFAS
//!   answers a repeated identifier with the first answer, without processing the request
//!   again. [`Backend::lookup`] relies on exactly that (see there). The replay holds for every
//!   answer, a refusal included: an invoice corrected after `Refused` is a new request and
//!   needs a new identity, or AFAS answers the old refusal again.
//! - **Field errors** name fields of the form (`relation`, `issue_date`, `lines[i].quantity`,
//!   `extra.payment_method`, `attachments`); `i` indexes `OutgoingInvoice::lines`, which holds
//!   only the filled lines of the draft, so the caller maps it back to the draft's row.

mod answer;
pub mod auth;
pub mod connector;
mod feed;
mod reader;
mod wire;

pub use auth::{authorize_url, exchange_code, RefreshTokenHook, TokenSet};

use crate::http::{Http, Reply, Safety};

use crate::kit::wire::json_number;
use crate::paging::{self, Subject};
use crate::secret::Secret;
use auth::TokenSource;
use feed::Cursor;
use invoice_desk_core::backend::{
    Address, Administration, Backend, Capabilities, Choice, FieldKind, FieldSpec, HeaderField,
    InvoiceReader, InvoiceWriter, LineDescription, LineTexts, Lookup, LookupSource, Product,
    Progress, Receipt, Relation, RelationKind, SyncPage, SystemId, Upload,
};
use invoice_desk_core::error::{Error, ErrorCode, FieldIssue, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::invoice::{Draft, OutgoingInvoice};
use invoice_desk_core::money::round_dp;
use invoice_desk_core::totals::{PriceBasis, Rounding};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use url::Url;

/// This connector's id: the `kind` of its connections.
pub const SYSTEM: &str = "afas";
/// Its name as a clerk knows it.
pub const NAME: &str = "AFAS SB";

/// Rows per page.
pub const TAKE: u64 = 500;

/// Largest attachment we offer to send (AFAS documents no limit; blobs go in chunks).
pub const MAX_ATTACHMENT_BYTES: u64 = 100 * 1024 * 1024;

/// Decimals kept when a price including VAT is converted to the net price AFAS wants.
const NET_PRICE_DP: u32 = 10;

/// How to sign in to AFAS SB.
#[derive(Debug, Clone)]
pub enum AfasAuth {
    /// A static app token from "activate" in the App Center.
    AppToken(Secret),
    /// OAuth 2.0: the client credentials AFAS issued and the refresh token from the consent.
    OAuth {
        client_id: String,
        client_secret: Secret,
        refresh_token: Secret,
    },
}

/// One AFAS SB environment.
#[derive(Debug, Clone)]
pub struct AfasConfig {
    /// The environment URL, e.g. `https://klant.afasfocus.nl/omgeving` (a trailing slash is
    /// fine). Plain `http://` only for this computer (127.0.0.1, ::1, localhost).
    pub base_url: String,
    pub auth: AfasAuth,
}

/// Checks and normalises an environment URL: `https://host/env` without a trailing slash.
pub fn normalize_base_url(raw: &str) -> Result<String> {
    crate::kit::url::normalize_base_url_as(
        raw,
        &crate::kit::url::Wording {
            what_nl: "het omgevingsadres",
            what_en: "the environment URL",
            example_nl: "https://klant.afasfocus.nl/omgeving",
            example_en: "https://customer.afasfocus.nl/environment",
        },
    )
}

/// One list endpoint.
#[derive(Debug, Clone, Copy)]
struct Endpoint {
    path: &'static str,
    version: &'static str,
    /// For a 403: "the app lacks rights to …".
    what_nl: &'static str,
    what_en: &'static str,
}

const ADMINISTRATIONS: Endpoint = Endpoint {
    path: "administrations",
    version: "1",
    what_nl: "de administraties te lezen",
    what_en: "read the administrations",
};
const PERSONS: Endpoint = Endpoint {
    path: "persons",
    version: "2.0",
    what_nl: "personen te lezen",
    what_en: "read persons",
};
const ORGANISATIONS: Endpoint = Endpoint {
    path: "organisations",
    version: "2.0",
    what_nl: "organisaties te lezen",
    what_en: "read organisations",
};
const UNKNOWN_RELATIONS: Endpoint = Endpoint {
    path: "unknownrelation",
    version: "1",
    what_nl: "onbekende relaties te lezen",
    what_en: "read unknown relations",
};
const PRODUCTS: Endpoint = Endpoint {
    path: "products",
    version: "3.0",
    what_nl: "producten te lezen",
    what_en: "read products",
};
const ADDRESSES: Endpoint = Endpoint {
    path: "addresses",
    version: "1",
    what_nl: "adressen te lezen",
    what_en: "read addresses",
};
const BLOB_VERSION: &str = "1";
const SALESINVOICE_VERSION: &str = "2";

const SALES_INVOICES: Endpoint = Endpoint {
    path: "salesinvoices",
    version: "1",
    what_nl: "verkoopfacturen te lezen",
    what_en: "read sales invoices",
};

const RELATION_FEED: [Endpoint; 3] = [PERSONS, ORGANISATIONS, UNKNOWN_RELATIONS];
const PRODUCT_FEED: [Endpoint; 1] = [PRODUCTS];

/// The AFAS SB connector. Cheap to clone; clones share the token cache.
#[derive(Clone)]
pub struct AfasClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: Http,
    base: String,
    tokens: TokenSource,
    /// Rows per page ([`TAKE`] unless a test asks for less).
    take: AtomicU64,
    /// Most pages in one pass over a list ([`paging::MAX_PAGES_PER_PASS`] unless a test asks
    /// for less).
    max_pages: AtomicU32,
    /// Writes to one environment go one at a time (a double click waits for the first answer
    /// and then gets AFAS's replay of it).
    write_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for AfasClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfasClient")
            .field("base_url", &self.inner.base)
            .finish_non_exhaustive()
    }
}

fn forbidden(what_nl: &str, what_en: &str, detail: Option<String>) -> Error {
    Error::new(
        ErrorCode::Forbidden,
        format!("De app heeft in AFAS SB geen rechten om {what_nl}. Vraag de beheerder de app die rechten te geven."),
        format!("The app lacks rights to {what_en} in AFAS SB. Ask the administrator to grant them."),
    )
    .with_detail(detail.unwrap_or_default())
}

/// The rows of a list endpoint, for the paging messages.
fn subject(ep: &Endpoint) -> Subject<'static> {
    let (nl, en) = match ep.path {
        "administrations" => ("administraties", "administrations"),
        "persons" => ("personen", "persons"),
        "organisations" => ("organisaties", "organisations"),
        "unknownrelation" => ("onbekende relaties", "unknown relations"),
        "products" => ("producten", "products"),
        "addresses" => ("adressen", "addresses"),
        _ => ("regels", "rows"),
    };
    Subject {
        system: NAME,
        nl,
        en,
    }
}

fn bad_list(what_en: &str) -> Error {
    crate::kit::wire::unreadable_list(NAME, what_en)
}

impl AfasClient {
    /// A client with the standard HTTP settings. Fails with `Config` on a bad URL or a
    /// missing secret; does not contact AFAS.
    pub fn new(config: AfasConfig) -> Result<AfasClient> {
        AfasClient::with_http(config, Http::new(NAME)?)
    }

    /// A client over a given HTTP layer (tests use short timeouts).
    pub fn with_http(config: AfasConfig, http: Http) -> Result<AfasClient> {
        let base = normalize_base_url(&config.base_url)?;
        let missing = match &config.auth {
            AfasAuth::AppToken(t) => t.is_empty(),
            AfasAuth::OAuth {
                client_id,
                client_secret,
                refresh_token,
            } => {
                client_id.trim().is_empty() || client_secret.is_empty() || refresh_token.is_empty()
            }
        };
        if missing {
            return Err(Error::new(
                ErrorCode::Config,
                "De inloggegevens voor AFAS SB ontbreken. Vul ze in bij Instellingen.",
                "The AFAS SB credentials are missing. Enter them in Settings.",
            ));
        }
        Ok(AfasClient {
            inner: Arc::new(Inner {
                tokens: TokenSource::new(http.clone(), base.clone(), config.auth),
                http,
                base,
                take: AtomicU64::new(TAKE),
                max_pages: AtomicU32::new(paging::MAX_PAGES_PER_PASS),
                write_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Registers the hook that receives a new OAuth refresh token, should AFAS hand one out;
    /// the app stores it in the keyring.
    pub fn on_new_refresh_token(self, hook: impl Fn(&Secret) + Send + Sync + 'static) -> Self {
        self.inner.tokens.set_hook(Arc::new(hook));
        self
    }

    /// Rows per page for lists (default [`TAKE`], 500). Smaller pages make paging visible in
    /// tests; a cursor records positions, so keep one page size per store.
    pub fn with_page_size(self, take: u64) -> Self {
        self.inner.take.store(take.max(1), Ordering::Relaxed);
        self
    }

    fn take(&self) -> u64 {
        self.inner.take.load(Ordering::Relaxed)
    }

    /// Most pages in one pass over a list (default [`paging::MAX_PAGES_PER_PASS`]); a server
    /// that has not said "last page" by then stops the pass with an error.
    pub fn with_page_limit(self, pages: u32) -> Self {
        self.inner.max_pages.store(pages.max(1), Ordering::Relaxed);
        self
    }

    fn max_pages(&self) -> u32 {
        self.inner.max_pages.load(Ordering::Relaxed)
    }

    /// The normalised environment URL.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// The environment's name: the last part of its URL.
    pub fn environment(&self) -> String {
        Url::parse(&self.inner.base)
            .ok()
            .and_then(|u| {
                u.path_segments()
                    .and_then(|mut s| s.rfind(|p| !p.is_empty()).map(String::from))
                    .or_else(|| u.host_str().map(String::from))
            })
            .unwrap_or_else(|| self.inner.base.clone())
    }

    /// The JSON body of `POST /api/salesinvoice` (schema salesinvoice 2.0) for an invoice.
    pub fn salesinvoice_body(invoice: &OutgoingInvoice) -> Result<Value> {
        salesinvoice_body(invoice)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.inner.base, path)
    }

    /// Sends an authenticated request; on a 401 renews the token once and sends it again.
    async fn call<F>(&self, safety: Safety, build: F) -> Result<Reply>
    where
        F: Fn(&str) -> reqwest::RequestBuilder,
    {
        self.inner
            .tokens
            .call(&self.inner.http, safety, build)
            .await
    }

    fn list_error(&self, ep: &Endpoint, reply: &Reply) -> Error {
        match reply.status.as_u16() {
            403 => forbidden(ep.what_nl, ep.what_en, reply.vendor_message()),
            404 | 405 | 300..=399 => auth::wrong_address(),
            _ => self.inner.http.read_status_error(reply),
        }
    }

    /// One page of a list endpoint.
    async fn list_page(
        &self,
        ep: &Endpoint,
        skip: u64,
        take: u64,
        tracking_token: Option<&str>,
        filter: Option<&str>,
    ) -> Result<wire::ListPage> {
        let mut query: Vec<(&str, String)> = vec![
            ("skip", skip.to_string()),
            ("take", take.to_string()),
            ("sort", "Id Ascending".to_string()),
        ];
        if let Some(f) = filter {
            query.push(("filter", f.to_string()));
        }
        if let Some(t) = tracking_token {
            query.push(("TrackingToken", t.to_string()));
        }
        let url = self.url(&format!("api/{}", ep.path));
        let reply = self
            .call(Safety::Idempotent, |token| {
                self.inner
                    .http
                    .request(Method::GET, &url)
                    .query(&query)
                    .bearer_auth(token)
                    .header("Accept", "application/json")
                    .header("Accept-Version", ep.version)
            })
            .await?;
        if !reply.is_success() {
            return Err(self.list_error(ep, &reply));
        }
        wire::parse_list(&reply.body).ok_or_else(|| {
            if reply.json_opt().is_none() {
                // Not JSON at all (a web page): not the AFAS SB API at this address.
                self.inner.http.not_the_api(&reply)
            } else {
                bad_list(ep.what_en)
            }
        })
    }

    /// One page of a feed over `endpoints` (see [`feed`]).
    async fn feed_page<T>(
        &self,
        endpoints: &[Endpoint],
        scope: Option<&str>,
        filter: Option<&str>,
        cursor: Option<&str>,
        map: impl Fn(&Endpoint, Value) -> Option<T>,
    ) -> Result<SyncPage<T>> {
        let names: Vec<&str> = endpoints.iter().map(|e| e.path).collect();
        let take = self.take();
        let mut cur = Cursor::resume(cursor, &names, scope);
        let ep = endpoints[cur.pos];
        let page = match self
            .list_page(&ep, cur.skip, take, cur.tracking_token(&names), filter)
            .await
        {
            Ok(p) => p,
            Err(e) if cur.incremental && e.code == ErrorCode::Refused => {
                // A tracking token AFAS no longer accepts: load everything again.
                tracing::info!(
                    system = NAME,
                    endpoint = ep.path,
                    "tracking token refused; full reload"
                );
                cur = Cursor::full(scope);
                let ep = endpoints[0];
                self.list_page(&ep, 0, take, None, filter).await?
            }
            Err(e) => return Err(e),
        };
        let ep = endpoints[cur.pos];
        let full_reload = cur.starts_full_reload();
        let rows = page.rows.len();
        let mut guard = paging::Guard {
            pages: cur.pages,
            last: cur.last.take(),
        };
        guard.after_page(
            &page.rows,
            rows as u64 >= take,
            self.max_pages(),
            subject(&ep),
        )?;
        cur.pages = guard.pages;
        cur.last = guard.last;
        let items: Vec<T> = page
            .rows
            .into_iter()
            .filter_map(|row| map(&ep, row))
            .collect();
        if items.len() < rows {
            tracing::warn!(
                system = NAME,
                endpoint = ep.path,
                skipped = rows - items.len(),
                "rows skipped (no id, unreadable, or another administration)"
            );
        }
        cur.advance(&names, rows, take, page.tracking_token);
        tracing::debug!(
            system = NAME,
            endpoint = ep.path,
            rows,
            full_reload,
            incremental = cur.incremental,
            "sync page"
        );
        Ok(SyncPage {
            items,
            removed: Vec::new(),
            cursor: cur.encode(),
            done: cur.done(&names),
            full_reload,
        })
    }

    async fn post_salesinvoice(&self, invoice: &OutgoingInvoice) -> Result<Receipt> {
        precheck(invoice)?;
        let body = salesinvoice_body(invoice)?;
        let identity = invoice.identity.to_string();
        let url = self.url("api/salesinvoice");
        let _write = self.inner.write_lock.lock().await;
        tracing::info!(system = NAME, tracking_identifier = %identity,
            lines = invoice.lines.len(), "sending a sales invoice");
        let reply = self
            .call(Safety::NotIdempotent, |token| {
                self.inner
                    .http
                    .request(Method::POST, &url)
                    .bearer_auth(token)
                    .header("Accept", "application/json")
                    .header("Accept-Version", SALESINVOICE_VERSION)
                    .header("Tracking-Identifier", identity.as_str())
                    .json(&body)
            })
            .await?;
        let result = answer::interpret(&self.inner.http, &reply, invoice);
        match &result {
            Ok(r) => tracing::info!(system = NAME, tracking_identifier = %identity,
                remote_id = %r.remote_id, warnings = r.warnings.len(), "sales invoice accepted"),
            Err(e) => tracing::info!(system = NAME, tracking_identifier = %identity,
                code = ?e.code, "sales invoice not accepted"),
        }
        result
    }

    /// The number AFAS gave the sales invoice `id` (`SalesInvoiceNumber`, e.g. "V01250031"):
    /// `GET /api/salesinvoices?filter=InstanceId eq <id>` (salesinvoices 1.0). `None` when it
    /// is not listed or has no number (yet). The POST answers only the invoice's uuid
    /// (`data.SalesInvoiceId`); that the list's `InstanceId` is that uuid is an assumption
    /// (the spec does not say), checked against a real administration.
    pub async fn invoice_number_of(&self, id: &str) -> Result<Option<String>> {
        let id = id.trim();
        if uuid::Uuid::parse_str(id).is_err() {
            return Ok(None);
        }
        let ep = SALES_INVOICES;
        let query: Vec<(&str, String)> = vec![
            ("filter", format!("InstanceId eq {id}")),
            ("skip", "0".into()),
            ("take", "1".into()),
        ];
        let url = self.url(&format!("api/{}", ep.path));
        let reply = self
            .call(Safety::Idempotent, |token| {
                self.inner
                    .http
                    .request(Method::GET, &url)
                    .query(&query)
                    .bearer_auth(token)
                    .header("Accept", "application/json")
                    .header("Accept-Version", ep.version)
            })
            .await?;
        if !reply.is_success() {
            return Err(self.list_error(&ep, &reply));
        }
        let page = wire::parse_list(&reply.body).ok_or_else(|| bad_list(ep.what_en))?;
        Ok(page
            .rows
            .iter()
            .filter(|r| {
                r.get("InstanceId")
                    .and_then(Value::as_str)
                    .is_none_or(|i| i.eq_ignore_ascii_case(id))
            })
            .find_map(|r| {
                r.get("SalesInvoiceNumber")
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(String::from)
            }))
    }

    /// A receipt with the number a clerk can quote: AFAS' answer to the POST carries only the
    /// invoice's technical id, so the number is looked up ([`AfasClient::invoice_number_of`]).
    /// The id stays the receipt's `remote_id`. The invoice exists whatever this look-up does:
    /// when it fails, or the invoice has no number yet (`ToBeInvoiced`, a draft in AFAS SB),
    /// the receipt is kept without a number and says why.
    async fn with_invoice_number(&self, invoice: &OutgoingInvoice, mut r: Receipt) -> Receipt {
        if r.number.is_some() {
            return r;
        }
        if invoice.extra_bool("to_be_invoiced") {
            r.warnings.push(Text::new(
                "AFAS SB geeft deze factuur pas een nummer als ze daar wordt gefactureerd (ze staat klaar als 'te factureren').",
                "AFAS SB gives this invoice a number only when it is invoiced there (it waits as 'to be invoiced').",
            ));
            return r;
        }
        match self.invoice_number_of(&r.remote_id).await {
            Ok(Some(n)) => r.number = Some(n),
            Ok(None) => r.warnings.push(Text::new(
                format!(
                    "AFAS SB noemde nog geen factuurnummer; de factuur heeft daar het kenmerk {}.",
                    r.remote_id
                ),
                format!(
                    "AFAS SB gave no invoice number yet; the invoice has the id {} there.",
                    r.remote_id
                ),
            )),
            Err(e) => {
                tracing::info!(system = NAME, remote_id = %r.remote_id, code = ?e.code,
                    "invoice number not looked up");
                r.warnings.push(Text::new(
                    "Het factuurnummer kon niet bij AFAS SB worden opgevraagd; de factuur is wel aangemaakt.",
                    "The invoice number could not be read from AFAS SB; the invoice was created.",
                ));
            }
        }
        r
    }

    async fn upload_chunk(
        &self,
        url: &str,
        upload: &Upload,
        header_name: &str,
        chunk: &[u8],
    ) -> Result<()> {
        let total = upload.bytes.len().to_string();
        let reply = self
            .call(Safety::NotIdempotent, |token| {
                let make = || {
                    reqwest::multipart::Part::bytes(chunk.to_vec())
                        .file_name(upload.file_name.clone())
                };
                let part = make()
                    .mime_str(&upload.content_type)
                    .unwrap_or_else(|_| make());
                let form = reqwest::multipart::Form::new().part("file", part);
                self.inner
                    .http
                    .request(Method::PUT, url)
                    .bearer_auth(token)
                    .header("Accept", "application/json")
                    .header("Accept-Version", BLOB_VERSION)
                    .header("blob-content-filename", header_name)
                    .header("blob-content-length", total.as_str())
                    .header("blob-content-type", upload.content_type.as_str())
                    .header("blob-upload-type", "blob")
                    .multipart(form)
            })
            .await?;
        if !reply.is_success() {
            return Err(self.upload_error(upload, &reply));
        }
        Ok(())
    }

    fn upload_error(&self, upload: &Upload, reply: &Reply) -> Error {
        match reply.status.as_u16() {
            403 => forbidden(
                "bijlagen te uploaden",
                "upload attachments",
                reply.vendor_message(),
            ),
            400 | 409 | 413 | 415 | 422 => Error::new(
                ErrorCode::Refused,
                format!(
                    "AFAS SB heeft de bijlage '{}' niet aangenomen.",
                    upload.file_name
                ),
                format!(
                    "AFAS SB did not accept the attachment '{}'.",
                    upload.file_name
                ),
            )
            .with_field("attachments")
            .with_detail(reply.vendor_message().unwrap_or_default()),
            _ => self
                .inner
                .http
                .status_error(reply)
                .with_field("attachments"),
        }
    }
}

/// Header values must be visible ASCII: other characters of a file name are percent-encoded
/// (UTF-8), so "offerte café.pdf" becomes "offerte caf%C3%A9.pdf".
fn header_file_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if (c.is_ascii_graphic() || c == ' ') && c != '%' {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// The unit price excluding VAT that AFAS wants for a line; `None` when it cannot be computed
/// (checked arithmetic: a price or percentage from a stored invoice is never trusted).
fn net_unit_price(price: Decimal, vat_percent: Decimal, basis: PriceBasis) -> Option<Decimal> {
    match basis {
        PriceBasis::ExclVat => Some(price),
        PriceBasis::InclVat => Some(round_dp(
            price
                .checked_mul(Decimal::ONE_HUNDRED)?
                .checked_div(Decimal::ONE_HUNDRED.checked_add(vat_percent)?)?,
            NET_PRICE_DP,
        )),
    }
}

/// The JSON body of `POST /api/salesinvoice` (schema `updateconnector-salesinvoice-2.0-create_request`).
/// A line whose net price cannot be computed is a `Validation` error on its price.
pub fn salesinvoice_body(inv: &OutgoingInvoice) -> Result<Value> {
    let mut m = Map::new();
    m.insert("AdministrationId".into(), json!(inv.administration_id));
    m.insert(
        "IssueDate".into(),
        json!(inv.issue_date.format("%Y-%m-%d").to_string()),
    );
    m.insert("RelationType".into(), json!(inv.relation.kind.as_str()));
    m.insert("RelationId".into(), json!(inv.relation.id));
    m.insert(
        "SentInvoiceEmail".into(),
        json!(inv.extra_bool("send_email")),
    );
    if !inv.reference.trim().is_empty() {
        m.insert("Reference".into(), json!(inv.reference.trim()));
    }
    if let Some(pm) = inv.extra_str("payment_method") {
        m.insert("PaymentMethod".into(), json!(pm));
    }
    if let Some(a) = inv
        .address_id
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        m.insert("AddressId".into(), json!(a));
    }
    if inv.extra.contains_key("to_be_invoiced") {
        m.insert(
            "ToBeInvoiced".into(),
            json!(inv.extra_bool("to_be_invoiced")),
        );
    }
    if !inv.attachments.is_empty() {
        let list: Vec<Value> = inv
            .attachments
            .iter()
            .map(|a| json!({ "AttachmentId": a }))
            .collect();
        m.insert("Attachments".into(), Value::Array(list));
    }
    let mut lines: Vec<Value> = Vec::with_capacity(inv.lines.len());
    for (i, l) in inv.lines.iter().enumerate() {
        let mut lm = Map::new();
        lm.insert(
            "ItemId".into(),
            json!(l.product.as_ref().map(|p| p.id.as_str()).unwrap_or("")),
        );
        lm.insert("Quantity".into(), json_number(round_dp(l.quantity, 2)));
        let Some(price) = net_unit_price(l.unit_price, l.vat_percent, inv.price_basis) else {
            return Err(amounts_refused(vec![FieldIssue {
                field: format!("lines[{i}].unit_price"),
                message: Text::new(
                    "De prijs exclusief btw kan voor deze regel niet worden berekend.",
                    "The price excluding VAT cannot be computed for this line.",
                ),
            }]));
        };
        lm.insert("Price".into(), json_number(price));
        if !l.vat_code.trim().is_empty() {
            lm.insert("VatType".into(), json!(l.vat_code.trim()));
        }
        if !l.extra_description.trim().is_empty() {
            lm.insert("ExtraDescription".into(), json!(l.extra_description.trim()));
        }
        lines.push(Value::Object(lm));
    }
    m.insert("InvoiceLine".into(), Value::Array(lines));
    Ok(Value::Object(m))
}

/// `Validation` for amounts AFAS SB cannot take: nothing was sent.
fn amounts_refused(issues: Vec<FieldIssue>) -> Error {
    Error::new(
        ErrorCode::Validation,
        "Een bedrag is te groot voor AFAS SB; er is niets verstuurd.",
        "An amount is too large for AFAS SB; nothing was sent.",
    )
    .with_fields(issues)
}

/// What the form's validation already guarantees, checked again before anything is sent.
fn precheck(inv: &OutgoingInvoice) -> Result<()> {
    let mut issues = Vec::new();
    let mut add = |field: String, nl: &str, en: &str| {
        issues.push(FieldIssue {
            field,
            message: Text::new(nl, en),
        })
    };
    if inv.administration_id.trim().is_empty() {
        add(
            "administration".into(),
            "Kies een administratie.",
            "Choose an administration.",
        );
    }
    if inv.relation.id.trim().is_empty() {
        add("relation".into(), "Kies een relatie.", "Choose a relation.");
    }
    if inv.lines.is_empty() {
        add(
            "lines".into(),
            "Voeg minstens één regel toe.",
            "Add at least one line.",
        );
    }
    for (i, l) in inv.lines.iter().enumerate() {
        if l.product
            .as_ref()
            .map(|p| p.id.trim().is_empty())
            .unwrap_or(true)
        {
            add(
                format!("lines[{i}].product"),
                "Kies een product; AFAS SB kent geen regels zonder product.",
                "Choose a product; AFAS SB has no lines without a product.",
            );
        }
        if l.quantity.normalize().scale() > 2 {
            add(
                format!("lines[{i}].quantity"),
                "AFAS SB staat maximaal 2 decimalen in een aantal toe.",
                "AFAS SB allows at most 2 decimals in a quantity.",
            );
        }
    }
    issues.extend(invoice_desk_core::invoice::amount_issues(inv));
    if issues.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::Validation,
        "De factuur is nog niet compleet; er is niets verstuurd.",
        "The invoice is not complete yet; nothing was sent.",
    )
    .with_fields(issues))
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|x| x.trim().to_string()).filter(|x| !x.is_empty())
}

fn map_relation(ep: &Endpoint, row: Value) -> Option<Relation> {
    match ep.path {
        "persons" => {
            let p: wire::WirePerson = serde_json::from_value(row).ok()?;
            let name = non_empty(p.name).unwrap_or_else(|| {
                [p.first_name, p.prefix, p.lastname]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            Some(Relation {
                id: p.id?,
                kind: RelationKind::Person,
                name,
                number: None,
                email: non_empty(p.email_address),
                city: None,
                vat_number: None,
                archived: p.is_archived,
            })
        }
        "organisations" => {
            let o: wire::WireOrganisation = serde_json::from_value(row).ok()?;
            Some(Relation {
                id: o.id?,
                kind: RelationKind::Organisation,
                name: o.name.unwrap_or_default(),
                number: non_empty(o.relation_id),
                email: non_empty(o.email_address),
                city: None,
                vat_number: non_empty(o.vat_number),
                archived: o.is_archived,
            })
        }
        _ => {
            let u: wire::WireUnknownRelation = serde_json::from_value(row).ok()?;
            Some(Relation {
                id: u.id?,
                kind: RelationKind::Unknown,
                name: u.name.unwrap_or_default(),
                number: None,
                email: None,
                city: None,
                vat_number: None,
                // Only sales relations can be invoiced; blocked ones are hidden.
                archived: u.is_blocked || u.is_archived || !u.sales_relation,
            })
        }
    }
}

fn map_product(row: Value, administration: &str) -> Option<Product> {
    let p: wire::WireProduct = serde_json::from_value(row).ok()?;
    // The filter asks for one administration; a row of another one is not ours to cache.
    if let Some(a) = p.administration_id.as_deref() {
        if !a.eq_ignore_ascii_case(administration) {
            return None;
        }
    }
    Some(Product {
        id: p.id?,
        code: non_empty(p.code).or(non_empty(p.internal_id)),
        description: p.description.unwrap_or_default(),
        price_excl: p.price_excluding_vat.map(wire::tidy_amount),
        price_incl: p.price_including_vat.map(wire::tidy_amount),
        vat_code: p
            .vat_type
            .as_deref()
            .and_then(wire::vat_code)
            .map(String::from),
        group: non_empty(p.product_group),
        archived: p.is_archived || p.is_blocked || p.is_disabled,
        line_defaults: Default::default(),
    })
}

fn map_address(row: Value, relation_id: &str) -> Option<Address> {
    let a: wire::WireAddress = serde_json::from_value(row).ok()?;
    let house_number = match (
        non_empty(a.house_number),
        non_empty(a.house_number_addition),
    ) {
        (Some(n), Some(add)) => format!("{n} {add}"),
        (Some(n), None) => n,
        (None, Some(add)) => add,
        (None, None) => String::new(),
    };
    Some(Address {
        id: a.id?,
        relation_id: non_empty(a.relation_id).unwrap_or_else(|| relation_id.to_string()),
        street: a.street_name.unwrap_or_default(),
        house_number,
        postal_code: a.postal_zone.unwrap_or_default(),
        city: a.city_name.unwrap_or_default(),
        country: a.country_name.unwrap_or_default(),
        preferred_invoice: a.is_prefered_invoice_address,
    })
}

fn payment_methods() -> Vec<Choice> {
    vec![
        Choice::new("", "Standaard van de relatie", "The relation's default"),
        Choice::new("banktransfer", "Bankoverschrijving", "Bank transfer"),
        Choice::new("directdebit", "Automatische incasso", "Direct debit"),
        Choice::new("ideal", "iDEAL", "iDEAL"),
        Choice::new("creditcard", "Creditcard", "Credit card"),
        Choice::new("debetcard", "Pinpas", "Debit card"),
        Choice::new("cash", "Contant", "Cash"),
        Choice::new("unknown", "Onbekend", "Unknown"),
    ]
}

/// What AFAS SB can do, for the form.
pub fn capabilities() -> Capabilities {
    Capabilities {
        discounts: Default::default(),
        test_mode: false,
        kind: SystemId::new(SYSTEM),
        vat_rates: invoice_desk_core::vat::dutch_rates(),
        rounding: Rounding::PerTotal,
        price_bases: vec![PriceBasis::ExclVat],
        product_required: true,
        // A line is its item: AFAS SB prints the item's own description; the clerk's text goes
        // in ExtraDescription.
        line_texts: LineTexts {
            description: LineDescription::Product,
            extra_description: true,
        },
        quantity_dp: 2,
        price_dp: 4,
        max_lines: None,
        administrations: true,
        administration_label: None,
        addresses: true,
        attachments: true,
        max_attachment_bytes: Some(MAX_ATTACHMENT_BYTES),
        creates_invoices: true,
        header_fields: vec![
            FieldSpec {
                key: "payment_method".into(),
                shown_when: None,
                required_when: None,
                label: Text::new("Betaalwijze", "Payment method"),
                kind: FieldKind::Choice {
                    options: payment_methods(),
                },
                required: false,
                default: Some(String::new()),
                help: Some(Text::new(
                    "Leeg: de betaalwijze die bij de relatie hoort.",
                    "Empty: the payment method set for the relation.",
                )),
            },
            FieldSpec {
                key: "to_be_invoiced".into(),
                shown_when: None,
                required_when: None,
                label: Text::new("Nog te factureren (concept)", "To be invoiced (draft)"),
                kind: FieldKind::Bool,
                required: false,
                default: Some("false".into()),
                help: Some(Text::new(
                    "De factuur blijft in AFAS SB staan om af te maken en te versturen.",
                    "The invoice stays in AFAS SB to be completed and sent.",
                )),
            },
            FieldSpec {
                key: "send_email".into(),
                shown_when: None,
                required_when: None,
                label: Text::new("Factuur per e-mail versturen", "Send the invoice by e-mail"),
                kind: FieldKind::Bool,
                required: false,
                default: Some("false".into()),
                help: Some(Text::new(
                    "AFAS SB mailt de factuur naar de relatie.",
                    "AFAS SB e-mails the invoice to the relation.",
                )),
            },
        ],
        line_fields: Vec::new(),
        app_numbering: None,
        matches_customer_by_name: false,
        relations_per_administration: false,
        products_per_administration: true,
        // What the body sends: `IssueDate` (required), `Reference` (optional, no documented
        // limit); prices excluding VAT only.
        header: vec![
            HeaderField::invoice_date(),
            HeaderField::reference(None),
            HeaderField::price_basis(),
        ],
        // A line's description is the product's; the clerk's text goes in ExtraDescription,
        // which has no documented limit.
        description_max_len: None,
        lists: vec![],
        relations: Default::default(),
        system_name: NAME.into(),
    }
}

#[async_trait::async_trait]
impl Backend for AfasClient {
    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    /// Fetches a token and the administrations: `Connected to <env>: 2 administrations (A, B)`.
    async fn test_connection(&self) -> Result<Text> {
        self.inner.tokens.access_token().await?;
        let admins = self.administrations().await?;
        let names = admins
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let env = self.environment();
        Ok(match admins.len() {
            0 => Text::new(
                format!(
                    "Verbonden met {env}, maar er is geen administratie die de app mag gebruiken"
                ),
                format!("Connected to {env}, but it has no administrations the app may use"),
            ),
            1 => Text::new(
                format!("Verbonden met {env}: 1 administratie ({names})"),
                format!("Connected to {env}: 1 administration ({names})"),
            ),
            n => Text::new(
                format!("Verbonden met {env}: {n} administraties ({names})"),
                format!("Connected to {env}: {n} administrations ({names})"),
            ),
        })
    }

    async fn administrations(&self) -> Result<Vec<Administration>> {
        let mut out = Vec::new();
        let mut skip = 0;
        let mut guard = paging::Guard::default();
        loop {
            let page = self
                .list_page(&ADMINISTRATIONS, skip, self.take(), None, None)
                .await?;
            let n = page.rows.len() as u64;
            guard.after_page(
                &page.rows,
                n >= self.take(),
                self.max_pages(),
                subject(&ADMINISTRATIONS),
            )?;
            for row in page.rows {
                if let Ok(a) = serde_json::from_value::<wire::WireAdministration>(row) {
                    if let Some(id) = a.id {
                        let name = a.description.unwrap_or_else(|| id.clone());
                        out.push(Administration { id, name });
                    }
                }
            }
            if n < self.take() {
                break;
            }
            skip += n;
        }
        Ok(out)
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
impl InvoiceReader for AfasClient {
    /// One page of `GET /api/salesinvoices` for the administration, in the clerk's order (the
    /// newest first by default); the cursor is the rows to skip. See [`reader`].
    async fn list_invoices(
        &self,
        query: &invoice_desk_core::reader::InvoiceQuery,
        cursor: Option<&str>,
    ) -> Result<invoice_desk_core::reader::InvoicePage> {
        self.invoice_page(query, cursor).await
    }

    /// The list filtered on the invoice's `InstanceId`: its totals, no lines (none documented).
    async fn invoice(&self, id: &str) -> Result<invoice_desk_core::reader::InvoiceDetail> {
        self.invoice_by_id(id).await
    }

    async fn text(
        &self,
        _id: &str,
        _which: &str,
    ) -> Result<invoice_desk_core::reader::InvoiceText> {
        Err(self.no_text())
    }
}

#[async_trait::async_trait]
impl InvoiceWriter for AfasClient {
    /// The same rules as at send time ([`precheck`]), on the draft as typed.
    fn precheck(&self, draft: &Draft, caps: &Capabilities) -> Vec<FieldIssue> {
        invoice_desk_core::fields::precheck_draft(draft, caps, precheck)
    }

    /// Reserves the blob (`PUT /api/blob/{upload.id}` with the `blob-content-*` headers and no
    /// body), then sends the file as multipart field `file` with `blob-upload-type: blob`, in
    /// pieces of at most `ChunkSize` bytes, one PUT each. Returns the blob id.
    async fn upload_attachment(
        &self,
        _administration: &str,
        upload: &Upload,
        progress: Progress<'_>,
    ) -> Result<String> {
        let total = upload.bytes.len() as u64;
        if total == 0 {
            // AFAS reserves blobs by length; an empty file has nothing to reserve.
            return Err(Error::new(
                ErrorCode::Validation,
                format!(
                    "Het bestand '{}' is leeg; er is niets verstuurd.",
                    upload.file_name
                ),
                format!(
                    "The file '{}' is empty; nothing was sent.",
                    upload.file_name
                ),
            )
            .with_field("attachments"));
        }
        let name = header_file_name(&upload.file_name);
        let url = self.url(&format!("api/blob/{}", upload.id));
        progress(0, total);
        let reply = self
            .call(Safety::Idempotent, |token| {
                self.inner
                    .http
                    .request(Method::PUT, &url)
                    .bearer_auth(token)
                    .header("Accept", "application/json")
                    .header("Accept-Version", BLOB_VERSION)
                    .header("blob-content-filename", name.as_str())
                    .header("blob-content-length", total.to_string())
                    .header("blob-content-type", upload.content_type.as_str())
            })
            .await?;
        if !reply.is_success() {
            return Err(self.upload_error(upload, &reply));
        }
        let reservation: wire::BlobReservation = serde_json::from_slice(&reply.body)
            .map_err(|_| bad_list("reserve an attachment").with_field("attachments"))?;
        if !reservation.blob_accepted {
            return Err(Error::new(
                ErrorCode::Refused,
                format!(
                    "AFAS SB heeft de bijlage '{}' niet aangenomen.",
                    upload.file_name
                ),
                format!(
                    "AFAS SB did not accept the attachment '{}'.",
                    upload.file_name
                ),
            )
            .with_field("attachments"));
        }
        let chunk_size = reservation
            .chunk_size
            .filter(|c| *c > 0)
            .unwrap_or(total.max(1)) as usize;
        let mut sent = 0u64;
        for chunk in upload.bytes.chunks(chunk_size) {
            self.upload_chunk(&url, upload, &name, chunk).await?;
            sent += chunk.len() as u64;
            progress(sent, total);
        }
        tracing::debug!(system = NAME, blob = %upload.id, bytes = total, chunk_size, "attachment uploaded");
        Ok(upload.id.to_string())
    }

    /// `POST /api/salesinvoice` with `Tracking-Identifier: <invoice.identity>`, then the
    /// invoice number AFAS gave it (see [`AfasClient::with_invoice_number`]).
    async fn submit(&self, invoice: &OutgoingInvoice) -> Result<Receipt> {
        let receipt = self.post_salesinvoice(invoice).await?;
        Ok(self.with_invoice_number(invoice, receipt).await)
    }

    /// AFAS SB has no search by our identity, but it answers a request with a
    /// `Tracking-Identifier` it has seen with the first answer, without processing it again.
    /// So the look-up sends the identical request with the same identifier again:
    /// - the invoice was created before → AFAS replays that answer → `Found`;
    /// - the first request never arrived → it is processed now → `Found` as well, and still
    ///   exactly one invoice exists;
    /// - a refusal is returned as the `Refused` error it is (nothing was created);
    /// - transport, auth and server errors are returned as errors (ask again later);
    /// - an answer we cannot read is `CannotTell`.
    ///
    /// `NotFound` is never answered: AFAS cannot say that for certain. This relies on AFAS
    /// keeping identifiers long enough, which it does not document.
    async fn lookup(&self, invoice: &OutgoingInvoice) -> Result<Lookup> {
        match self.post_salesinvoice(invoice).await {
            Ok(receipt) => Ok(Lookup::Found(
                self.with_invoice_number(invoice, receipt).await,
            )),
            Err(e) if e.code == ErrorCode::BadResponse => Ok(Lookup::CannotTell),
            Err(e) => Err(e),
        }
    }
}

#[async_trait::async_trait]
impl LookupSource for AfasClient {
    /// One page of the feed over persons, organisations and unknown relations (in that
    /// order). Relations belong to the environment; `administration` is not used.
    async fn sync_relations(
        &self,
        _administration: &str,
        cursor: Option<&str>,
    ) -> Result<SyncPage<Relation>> {
        self.feed_page(&RELATION_FEED, None, None, cursor, map_relation)
            .await
    }

    async fn sync_products(
        &self,
        administration: &str,
        cursor: Option<&str>,
    ) -> Result<SyncPage<Product>> {
        let admin = administration.trim();
        if admin.is_empty() {
            return Err(Error::new(
                ErrorCode::Validation,
                "Kies eerst een administratie.",
                "Choose an administration first.",
            )
            .with_field("administration"));
        }
        let filter = format!("AdministrationId eq {admin}");
        self.feed_page(
            &PRODUCT_FEED,
            Some(admin),
            Some(&filter),
            cursor,
            |_, row| map_product(row, admin),
        )
        .await
    }

    async fn addresses(&self, _administration: &str, relation: &Relation) -> Result<Vec<Address>> {
        let filter = format!("RelationId eq {}", relation.id.trim());
        let mut out = Vec::new();
        let mut skip = 0;
        let mut guard = paging::Guard::default();
        loop {
            let page = self
                .list_page(&ADDRESSES, skip, self.take(), None, Some(&filter))
                .await?;
            let n = page.rows.len() as u64;
            guard.after_page(
                &page.rows,
                n >= self.take(),
                self.max_pages(),
                subject(&ADDRESSES),
            )?;
            out.extend(
                page.rows
                    .into_iter()
                    .filter_map(|r| map_address(r, &relation.id)),
            );
            if n < self.take() {
                break;
            }
            skip += n;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
