//! Visma Bouwsoft, read-only: its sales invoices listed and opened in History. Bouwsoft's API
//! documents reading sales invoices but not writing their lines, so this connector has no
//! writer: the form offers no Send for it.
//!
//! The wire contract (docs/DESIGN.md, "Assumptions about Visma Bouwsoft"):
//! - **Sign-in**: `GET {authentication server}/api/v1/Authorize/AccessToken` with the headers
//!   `Clientnr` (the client number, plain) and `RefreshToken` (from the keyring) answers
//!   `AccessToken`, `ServerName` and `ValidUntil` (`YYYY-MM-DDTHH:MMZ`, UTC). The token is
//!   renewed when less than a minute of it is left, and once after a 401.
//! - **Data calls** go to `https://{ServerName}/api/v1/…` (plain http only when both the
//!   authentication server and the ServerName are this computer: the stand-in) with the
//!   headers `Clientnr` and `AccessToken`. A ServerName may carry a path [I].
//! - **List**: `GET SalesInvoices` with `limit`, `offset` [I], `sort` (`field[ desc],id`
//!   [I]) and `filter` (`date ge '…' and (address_name like '%…%' or …)`); the answer is
//!   `{"Content-Range": "first-last/total", "Records": […]}` in the body. Paging goes on at
//!   `first + records` until the total is reached or a page is empty.
//! - **One invoice**: `GET SalesInvoices/{id}` (the same envelope, one record), its texts
//!   `GET SalesInvoices/{id}/introduction_html|plain|rtf` and `…/conclusion_…`.
//! - Bodies are read robustly: en dashes and curly quotes outside strings (as the
//!   documentation prints them), amounts as long floats rounded to the invoice's
//!   `pricedecimals`, empty strings for absent dates.

pub mod connector;
pub mod wire;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

use crate::http::{Http, Reply, Safety};
use crate::kit::token::{parse_expiry, Token, TokenCache};
use crate::secret::Secret;
use chrono::Utc;
use invoice_desk_core::backend::{
    Administration, Backend, Capabilities, DiscountSupport, InvoiceReader, LineDescription,
    LineTexts, SystemId,
};
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::reader::{
    InvoiceColumn, InvoiceDetail, InvoicePage, InvoiceQuery, InvoiceText, TextFormat,
};
use invoice_desk_core::totals::{PriceBasis, Rounding};
use invoice_desk_core::vat::VatRate;
use reqwest::Method;
use rust_decimal::Decimal;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// This connector's id: the `kind` of its connections.
pub const SYSTEM: &str = "bouwsoft";
/// Its name as a clerk knows it.
pub const NAME: &str = "Visma Bouwsoft";
/// The authentication server [C: the client libraries' `charon.bouwsoft.be`].
pub const DEFAULT_AUTH_URL: &str = "https://charon.bouwsoft.be";
/// Rows per page of the list [I]: a full record is about 5 KB, so a page stays far below the
/// HTTP layer's 8 MiB.
pub const PAGE_SIZE: u32 = 250;
/// A token without `ValidUntil` is used this long [I].
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

const TOKEN_PATH: &str = "api/v1/Authorize/AccessToken";
const INVOICES: &str = "api/v1/SalesInvoices";

/// One Bouwsoft connection.
#[derive(Debug, Clone)]
pub struct BouwsoftConfig {
    /// The authentication server, `https://charon.bouwsoft.be`.
    pub auth_url: String,
    /// The Bouwsoft client number.
    pub client_nr: String,
    pub refresh_token: Secret,
}

/// Checks and normalises the authentication server's address.
pub fn normalize_auth_url(raw: &str) -> Result<String> {
    crate::kit::url::normalize_base_url_as(
        raw,
        &crate::kit::url::Wording {
            what_nl: "het adres van de aanmeldserver van Bouwsoft",
            what_en: "the address of Bouwsoft's authentication server",
            example_nl: DEFAULT_AUTH_URL,
            example_en: DEFAULT_AUTH_URL,
        },
    )
}

/// The base URL of the data server a token names: `https://{ServerName}`, plain http only when
/// the authentication server is this computer and so is the ServerName. `None` for a name
/// that is not a host (with a port and a path) [I].
pub fn data_base(auth_url: &str, server_name: &str) -> Option<String> {
    let s = server_name.trim().trim_end_matches('/');
    if s.is_empty() || s.contains("://") || s.contains(['\\', '@', '?', '#', ' ']) {
        return None;
    }
    let url = Url::parse(&format!("https://{s}")).ok()?;
    url.host_str().filter(|h| !h.is_empty())?;
    let auth = Url::parse(auth_url).ok()?;
    let local = auth.scheme() == "http"
        && crate::kit::url::is_loopback(&auth)
        && crate::kit::url::is_loopback(&url);
    let scheme = if local { "http" } else { "https" };
    Some(format!("{scheme}://{s}"))
}

/// The Bouwsoft connector. Cheap to clone; clones share their token.
#[derive(Clone)]
pub struct BouwsoftClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: Http,
    auth: String,
    client_nr: String,
    refresh: Secret,
    tokens: TokenCache,
    page_size: AtomicU32,
}

impl std::fmt::Debug for BouwsoftClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BouwsoftClient")
            .field("auth_url", &self.inner.auth)
            .field("client_nr", &self.inner.client_nr)
            .finish_non_exhaustive()
    }
}

fn config_error(nl: &str, en: &str, field: &str) -> Error {
    Error::new(ErrorCode::Config, nl, en).with_field(field)
}

/// The clerk's message for a status Bouwsoft documents; `what` says what was asked.
pub fn status_error(http: &Http, reply: &Reply, invoice: bool) -> Error {
    let detail = reply.vendor_message().unwrap_or_default();
    let err = match reply.status.as_u16() {
        400 => Error::new(
            ErrorCode::Refused,
            format!("{NAME} begreep de vraag van de app niet (HTTP 400): de zoekopdracht of sortering werd geweigerd. Probeer een andere zoekopdracht."),
            format!("{NAME} did not understand the app's request (HTTP 400): the search or sort was refused. Try another search."),
        ),
        401 => Error::new(
            ErrorCode::AuthFailed,
            format!("{NAME} weigerde de toegang, ook met een nieuw toegangstoken (HTTP 401). Controleer het klantnummer en het vernieuwingstoken bij Instellingen."),
            format!("{NAME} refused access, even with a new access token (HTTP 401). Check the client number and the refresh token in Settings."),
        ),
        404 if invoice => Error::new(
            ErrorCode::NotFound,
            format!("Deze factuur staat niet (meer) in {NAME} (HTTP 404)."),
            format!("This invoice is not (or no longer) in {NAME} (HTTP 404)."),
        ),
        404 => Error::new(
            ErrorCode::Config,
            format!("De server die {NAME} bij het aanmelden noemde kent de verkoopfacturen niet (HTTP 404). Controleer het adres van de aanmeldserver bij Instellingen."),
            format!("The server {NAME} named at sign-in does not know the sales invoices (HTTP 404). Check the authentication server's address in Settings."),
        ),
        500 => Error::new(
            ErrorCode::ServerError,
            format!("{NAME} kon de vraag niet verwerken (HTTP 500). Probeer het later opnieuw."),
            format!("{NAME} could not process the request (HTTP 500). Try again later."),
        ),
        _ => return http.read_status_error(reply),
    };
    if detail.is_empty() {
        err
    } else {
        err.with_detail(detail)
    }
}

/// The answer of the authentication server when it is not a token.
fn sign_in_error(http: &Http, reply: &Reply) -> Error {
    match reply.status.as_u16() {
        400 | 401 | 403 => Error::new(
            ErrorCode::AuthFailed,
            format!("{NAME} weigerde het klantnummer of het vernieuwingstoken (HTTP {}). Controleer ze bij Instellingen; een ingetrokken koppeling vraagt een nieuw vernieuwingstoken.", reply.status.as_u16()),
            format!("{NAME} refused the client number or the refresh token (HTTP {}). Check them in Settings; a revoked connection needs a new refresh token.", reply.status.as_u16()),
        )
        .with_field("refresh_token"),
        404 => config_error(
            &format!("Op dit adres staat geen aanmeldserver van {NAME} (HTTP 404). Normaal is het {DEFAULT_AUTH_URL}."),
            &format!("There is no {NAME} authentication server at this address (HTTP 404). Normally it is {DEFAULT_AUTH_URL}."),
            "base_url",
        ),
        500 => Error::new(
            ErrorCode::ServerError,
            format!("De aanmeldserver van {NAME} kon de vraag niet verwerken (HTTP 500). Probeer het later opnieuw."),
            format!("{NAME}'s authentication server could not process the request (HTTP 500). Try again later."),
        ),
        _ => http.read_status_error(reply),
    }
}

fn unusable_token() -> Error {
    Error::new(
        ErrorCode::BadResponse,
        format!("{NAME} gaf bij het aanmelden geen bruikbaar token of serveradres terug."),
        format!("{NAME} did not return a usable token or server address when signing in."),
    )
}

/// Reads the authentication server's answer: the token, its end and its data server. The body
/// never reaches an error (it holds a secret).
pub fn read_token(auth_url: &str, body: &[u8], now: chrono::DateTime<Utc>) -> Result<Token> {
    let v = wire::parse_body(body).ok_or_else(unusable_token)?;
    let o = v.as_object().ok_or_else(unusable_token)?;
    let get = |name: &str| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let secret = get("AccessToken").ok_or_else(unusable_token)?;
    let server = get("ServerName").ok_or_else(unusable_token)?;
    let base = data_base(auth_url, server).ok_or_else(unusable_token)?;
    let mut token = match get("ValidUntil") {
        Some(until) => {
            let until = parse_expiry(&until.replace('\u{2013}', "-")).ok_or_else(unusable_token)?;
            Token::until(Secret::new(secret), until, now)
        }
        None => Token::new(Secret::new(secret), DEFAULT_TOKEN_LIFETIME),
    };
    token.base = Some(base);
    Ok(token)
}

/// An invoice id as it may go into a path: Bouwsoft's ids are numbers.
fn invoice_id(id: &str) -> Result<&str> {
    let id = id.trim();
    if !id.is_empty() && id.len() <= 18 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(Error::new(
            ErrorCode::NotFound,
            format!("Dit is geen nummer van een factuur in {NAME}."),
            format!("This is not the id of an invoice in {NAME}."),
        ))
    }
}

/// The texts an invoice has: `introduction` or `conclusion`, in `plain`, `html` or `rtf`
/// (`introduction` alone: HTML).
pub fn text_path(which: &str) -> Option<(String, TextFormat)> {
    let w = which.trim().to_ascii_lowercase();
    let (part, format) = match w.split_once('_') {
        Some((p, f)) => (p.to_string(), f.to_string()),
        None => (w.clone(), "html".to_string()),
    };
    if part != "introduction" && part != "conclusion" {
        return None;
    }
    let f = match format.as_str() {
        "plain" => TextFormat::Plain,
        "html" => TextFormat::Html,
        "rtf" => TextFormat::Rtf,
        _ => return None,
    };
    Some((format!("{part}_{format}"), f))
}

/// A quoted value of a filter: `'` doubled [I].
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The `filter` of a query, `None` without conditions.
pub fn filter_of(q: &InvoiceQuery) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(d) = q.from {
        parts.push(format!(
            "date ge {}",
            quoted(&d.format("%Y-%m-%d").to_string())
        ));
    }
    if let Some(d) = q.to {
        parts.push(format!(
            "date le {}",
            quoted(&d.format("%Y-%m-%d").to_string())
        ));
    }
    if let Some(c) = q
        .customer
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        if c.bytes().all(|b| b.is_ascii_digit()) && c.len() <= 18 {
            parts.push(format!("address_id eq {c}"));
        } else {
            parts.push(format!("address_name eq {}", quoted(c)));
        }
    }
    if let Some(t) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let t: String = t.chars().filter(|c| *c != '%').take(100).collect();
        let like = quoted(&format!("%{t}%"));
        parts.push(format!(
            "(address_name like {like} or project_name like {like} or nr like {like})"
        ));
    }
    (!parts.is_empty()).then(|| parts.join(" and "))
}

/// The `sort` of a query: the column, then the id for a stable order while paging.
pub fn sort_of(q: &InvoiceQuery) -> String {
    let Some(s) = q.sort else {
        return "id".into();
    };
    let field = match s.column {
        InvoiceColumn::Number => "nr",
        InvoiceColumn::Date => "date",
        InvoiceColumn::DueDate => "expirationdate",
        InvoiceColumn::Customer => "address_name",
        InvoiceColumn::Project => "project_name",
        InvoiceColumn::TotalExcl => "basis",
        InvoiceColumn::TotalVat => "vatamount",
        InvoiceColumn::TotalIncl => "amountinclvat",
        InvoiceColumn::State => "senttoaccountingsoftware",
    };
    let dir = if s.descending { " desc" } else { "" };
    format!("{field}{dir},id{dir}")
}

impl BouwsoftClient {
    /// A client with the standard HTTP settings; does not contact Bouwsoft.
    pub fn new(config: BouwsoftConfig) -> Result<BouwsoftClient> {
        BouwsoftClient::with_http(config, Http::new(NAME)?)
    }

    /// A client over a given HTTP layer (tests use short timeouts).
    pub fn with_http(config: BouwsoftConfig, http: Http) -> Result<BouwsoftClient> {
        let auth = normalize_auth_url(&config.auth_url)?;
        let nr = config.client_nr.trim();
        if nr.is_empty() || nr.len() > 18 || !nr.bytes().all(|b| b.is_ascii_digit()) {
            return Err(config_error(
                "Het klantnummer van Bouwsoft is een getal. Vul het in bij Instellingen.",
                "The Bouwsoft client number is a number. Enter it in Settings.",
                "client_nr",
            ));
        }
        if config.refresh_token.expose().trim().is_empty() {
            return Err(crate::registry::missing_secret());
        }
        Ok(BouwsoftClient {
            inner: Arc::new(Inner {
                http,
                auth,
                client_nr: nr.to_string(),
                refresh: config.refresh_token,
                tokens: TokenCache::new(SYSTEM),
                page_size: AtomicU32::new(PAGE_SIZE),
            }),
        })
    }

    /// Rows per page (1 to 1000).
    pub fn with_page_size(self, size: u32) -> Self {
        self.inner
            .page_size
            .store(size.clamp(1, 1000), Ordering::Relaxed);
        self
    }

    pub fn auth_url(&self) -> &str {
        &self.inner.auth
    }

    async fn fetch_token(&self) -> Result<Token> {
        let url = format!("{}/{TOKEN_PATH}", self.inner.auth);
        let rb = self
            .inner
            .http
            .request(Method::GET, &url)
            .header("Clientnr", &self.inner.client_nr)
            .header("RefreshToken", self.inner.refresh.expose().trim())
            .header("Accept", "application/json");
        let reply = self.inner.http.send(rb, Safety::Idempotent).await?;
        if !reply.is_success() {
            return Err(sign_in_error(&self.inner.http, &reply));
        }
        tracing::info!(system = SYSTEM, "new access token");
        read_token(&self.inner.auth, &reply.body, Utc::now())
    }

    /// A `GET` on the data server, with the token (renewed once after a 401).
    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Reply> {
        self.inner
            .tokens
            .send(
                || self.fetch_token(),
                |token: Token| async move {
                    let base = token.base.clone().unwrap_or_default();
                    let rb = self
                        .inner
                        .http
                        .request(Method::GET, &format!("{base}/{path}"))
                        .header("Clientnr", &self.inner.client_nr)
                        .header("AccessToken", token.secret.expose())
                        .query(query);
                    self.inner.http.send(rb, Safety::Idempotent).await
                },
                |r: &Reply| status_error(&self.inner.http, r, false),
            )
            .await
    }

    async fn record(&self, id: &str) -> Result<serde_json::Value> {
        let id = invoice_id(id)?;
        let reply = self.get(&format!("{INVOICES}/{id}"), &[]).await?;
        if !reply.is_success() {
            return Err(status_error(&self.inner.http, &reply, true));
        }
        wire::single(&reply.body).ok_or_else(|| self.unreadable(&reply))
    }

    fn unreadable(&self, reply: &Reply) -> Error {
        if wire::parse_body(&reply.body).is_none() {
            self.inner.http.not_the_api(reply)
        } else {
            crate::kit::wire::unreadable_list(NAME, "read sales invoices")
        }
    }
}

fn vat_rates() -> Vec<VatRate> {
    vec![
        VatRate::new("21", Decimal::from(21), "21%", "21%"),
        VatRate::new("12", Decimal::from(12), "12%", "12%"),
        VatRate::new("6", Decimal::from(6), "6%", "6%"),
        VatRate::new("0", Decimal::ZERO, "0%", "0%"),
    ]
}

/// What Bouwsoft can do: read invoices only (no writer, so no form and no Send).
pub fn capabilities() -> Capabilities {
    Capabilities {
        kind: SystemId::new(SYSTEM),
        vat_rates: vat_rates(),
        rounding: Rounding::PerTotal,
        price_bases: vec![PriceBasis::ExclVat],
        product_required: false,
        line_texts: LineTexts {
            description: LineDescription::Typed,
            extra_description: false,
        },
        quantity_dp: 2,
        price_dp: 2,
        max_lines: None,
        administrations: false,
        administration_label: None,
        addresses: false,
        attachments: false,
        max_attachment_bytes: None,
        creates_invoices: false,
        header_fields: Vec::new(),
        line_fields: Vec::new(),
        app_numbering: None,
        matches_customer_by_name: false,
        relations_per_administration: false,
        products_per_administration: false,
        header: Vec::new(),
        description_max_len: None,
        lists: Vec::new(),
        relations: Default::default(),
        system_name: NAME.into(),
        discounts: DiscountSupport::default(),
        test_mode: false,
    }
}

#[async_trait::async_trait]
impl Backend for BouwsoftClient {
    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    /// Signs in and reads one sales invoice: "Connected to Visma Bouwsoft: 3,120 sales
    /// invoices".
    async fn test_connection(&self) -> Result<Text> {
        let reply = self
            .get(INVOICES, &[("limit", "1".into()), ("sort", "id".into())])
            .await?;
        if !reply.is_success() {
            return Err(status_error(&self.inner.http, &reply, false));
        }
        let page = wire::parse_page(&reply.body).ok_or_else(|| self.unreadable(&reply))?;
        Ok(match page.total {
            Some(n) => Text::new(
                format!("Verbonden met {NAME} (alleen lezen): {n} verkoopfacturen"),
                format!("Connected to {NAME} (read-only): {n} sales invoices"),
            ),
            None => Text::new(
                format!("Verbonden met {NAME} (alleen lezen)"),
                format!("Connected to {NAME} (read-only)"),
            ),
        })
    }

    async fn administrations(&self) -> Result<Vec<Administration>> {
        Ok(Vec::new())
    }

    fn reader(&self) -> Option<&dyn InvoiceReader> {
        Some(self)
    }
}

#[async_trait::async_trait]
impl InvoiceReader for BouwsoftClient {
    /// One page from the offset in `cursor`, sorted and filtered by Bouwsoft.
    async fn list_invoices(
        &self,
        query: &InvoiceQuery,
        cursor: Option<&str>,
    ) -> Result<InvoicePage> {
        let offset = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
            None => 0,
            Some(c) => c.parse::<u64>().map_err(|_| {
                Error::new(
                    ErrorCode::Internal,
                    "De lijst kon niet verder worden gelezen.",
                    "The list could not be read further.",
                )
            })?,
        };
        let limit = self.inner.page_size.load(Ordering::Relaxed);
        let mut q = vec![
            ("limit", limit.to_string()),
            ("offset", offset.to_string()),
            ("sort", sort_of(query)),
        ];
        if let Some(f) = filter_of(query) {
            q.push(("filter", f));
        }
        let reply = self.get(INVOICES, &q).await?;
        if !reply.is_success() {
            return Err(status_error(&self.inner.http, &reply, false));
        }
        let page = wire::parse_page(&reply.body).ok_or_else(|| self.unreadable(&reply))?;
        if !page.records.is_empty() && page.first.is_some_and(|f| f != offset) {
            // The server ignored the offset: reading on would repeat the first page.
            return Err(Error::new(
                ErrorCode::BadResponse,
                format!("{NAME} gaf een andere bladzijde van de lijst dan gevraagd."),
                format!("{NAME} returned another page of the list than asked for."),
            ));
        }
        let today = Utc::now().date_naive();
        let items = page
            .records
            .iter()
            .filter_map(|r| wire::summary(r, today))
            .collect();
        let read = u64::try_from(page.records.len()).unwrap_or(u64::MAX);
        let next = offset.saturating_add(read);
        let done = read == 0
            || match page.total {
                Some(total) => next >= total,
                None => read < u64::from(limit),
            };
        Ok(InvoicePage {
            items,
            cursor: (!done).then(|| next.to_string()),
            done,
        })
    }

    async fn invoice(&self, id: &str) -> Result<InvoiceDetail> {
        let v = self.record(id).await?;
        wire::detail(&v, Utc::now().date_naive())
            .ok_or_else(|| crate::kit::wire::unreadable_list(NAME, "read a sales invoice"))
    }

    /// `which`: `introduction_html`, `conclusion_rtf`, … (`introduction` alone: HTML).
    async fn text(&self, id: &str, which: &str) -> Result<InvoiceText> {
        let id = invoice_id(id)?;
        let (path, format) = text_path(which).ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                format!("Een verkoopfactuur van {NAME} heeft alleen een inleiding en een slot."),
                format!("A {NAME} sales invoice has only an introduction and a conclusion."),
            )
        })?;
        let reply = self.get(&format!("{INVOICES}/{id}/{path}"), &[]).await?;
        if !reply.is_success() {
            return Err(status_error(&self.inner.http, &reply, true));
        }
        Ok(InvoiceText {
            format,
            content: String::from_utf8_lossy(&reply.body).into_owned(),
        })
    }
}
