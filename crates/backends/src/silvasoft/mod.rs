//! Silvasoft.
//!
//! One client speaks to one Silvasoft account (an API user, one administration) in one of the
//! two modules that create invoices:
//! - **bookkeeping** ("Boekhouding"): `POST /rest/addsalestransaction/`, lines with an amount
//!   including VAT and a VAT percentage, no products;
//! - **invoicing** ("Facturatie"): `POST /rest/addsalesinvoice/`, lines with an existing
//!   product, a quantity and a unit price excluding VAT; stock is mutated.
//!
//! Every request carries the headers `Username` and `ApiKey` (the key is never logged, shown or
//! put in an error), POSTs `Content-Type: application/json`. Paths are lowercase with a
//! trailing slash, parameter names exactly as documented (the API is case sensitive).
//!
//! **Rate limit.** Silvasoft allows 2 requests per second and 50 per minute, and an hourly
//! quota that depends on the API plan. Every request of this client, retries and look-ups
//! included, first waits for the account's limiter ([`crate::ratelimit`]), which all clients of
//! the same host and user share: ≥ 600 ms apart, ≤ 2 in any second, ≤ 48 in any 60 s, of which
//! the background syncs use at most 40, so a clerk's submit or look-up never waits behind a
//! long sync. A 401 "Ratelimit exceeded" is [`ErrorCode::RateLimited`] with `retry_after` 60 s
//! (never `AuthFailed`), and the account then rests for that minute: every request in it is
//! answered `RateLimited` at once, without being sent. A 401 "Invalid
//! authentication credentials" is `AuthFailed`; Silvasoft answers the same when the trial
//! period has ended, so the message names both.
//!
//! Choices where the documentation is silent (assumptions, to be checked against a real
//! account):
//! - **Sorting relations**: the documented names of the sort parameters were not found. We send
//!   what Silvasoft client code sends: `Sorting=createdDate&SortDir=DEC`, with
//!   `RelationType=Customer`. A relation created during a sync shifts later pages by one (a
//!   row seen twice does no harm); one deleted during a sync may be missed until the next.
//! - **Relations have no change feed**: every relation sync is a full reload (`full_reload` on
//!   its first page), 200 per page. 10,000 relations cost 50 requests, about 75 seconds at the
//!   background pace of 40 requests per minute.
//! - **Relation kind**: `listrelations` has no private/business marker (one is read when a row
//!   has it). A relation with a VAT or registration number, or a legal form in its name
//!   (B.V., VOF, BVBA…), is an organisation; one whose name is its default contact's full
//!   name, or ends in the contact's last name while sharing the contact's e-mail, is a person;
//!   anything else an organisation.
//! - **Products** sync incrementally: a full load (100 per page), then `ChangedSince` and
//!   `CreatedSince` passes (whether `ChangedSince` also covers new products is not
//!   documented) from the time the previous run started minus 10 minutes, read from the
//!   answer's `Date` header (Silvasoft's clock) when it has one. Archived or deleted products
//!   do not show up in those passes, so a full load is made again after 24 hours. `Price` is
//!   taken as the sale price excluding VAT; a VAT percentage on the product becomes its
//!   `vat_code` when the administration has that rate.
//! - **Rounding**: bookkeeping takes each line's amount including VAT and derives the VAT per
//!   line; the total including VAT is exactly the sum of the lines. Invoicing computes VAT
//!   itself, like invoicing software usually does, per rate over the lines' total
//!   ([`Rounding::PerTotal`]; an assumption to confirm with a real administration). A total in
//!   the answer that differs from the preview becomes a warning naming both amounts.
//! - **Reference**: the bookkeeping call has no reference field; the reference goes into
//!   `InvoiceNotes` as "Ref: …" when the notes are empty, and is not sent otherwise. The
//!   invoicing call has `InvoiceReference` (at most 150 characters, checked before sending).
//! - **Attachments** (invoicing only) travel inside the invoice: `FileName` and `FileContent`
//!   (base64), one file per invoice. Only `FileContent` and "a name" are documented; see
//!   [`attach`] for the references handed out by `upload_attachment`. The bookkeeping module
//!   takes a file only by URL (`InvoiceFileUrl`, a header field of the form).
//! - **Customer**: by `CustomerNumber` when the relation has one (then name and e-mail are
//!   ignored by Silvasoft); otherwise by `CustomerName`, with `CustomerEmail` when known, and
//!   Silvasoft then takes the first relation where both match. See
//!   [`customer_identification`] for warning the clerk about ambiguous names.
//! - **Administrations**: one per API user; `administrations()` answers an empty list without
//!   a request and the capabilities say `administrations: false` (cache scope "").
//! - **Look-up after a lost answer** (Silvasoft has no idempotency key): see
//!   [`SilvasoftClient::lookup`](Backend::lookup). `listsalesinvoices` is assumed to list the
//!   invoices of both modules.

mod answer;
pub mod attach;
pub mod body;
pub mod connector;
mod reader;
mod wire;

use crate::http::{Http, Reply, Safety};

use crate::paging::{self, Guard, Subject};
use crate::ratelimit::{self, Priority, RateLimiter, RateLimits};
use crate::secret::Secret;
use attach::{FileStore, ResolvedFile};
use invoice_desk_core::backend::{
    Address, Administration, Backend, Capabilities, Choice, FieldKind, FieldSpec, HeaderField,
    InvoiceReader, InvoiceWriter, Lookup, LookupSource, Product, Progress, Receipt, Relation,
    RelationKind, SyncPage, SystemId, Upload,
};
use invoice_desk_core::error::{Error, ErrorCode, FieldIssue, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::invoice::{Draft, OutgoingInvoice};
use invoice_desk_core::money::parse_decimal;
use invoice_desk_core::submit::APP_ASSIGNED_NUMBER;
use invoice_desk_core::totals::{PriceBasis, Rounding};
use invoice_desk_core::vat::VatRate;
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::Method;
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// This connector's id: the `kind` of its connections.
pub const SYSTEM: &str = "silvasoft";
/// Its name as a clerk knows it.
pub const NAME: &str = "Silvasoft";
use url::Url;

/// Silvasoft's production host.
pub const DEFAULT_BASE_URL: &str = "https://rest-api.silvasoft.nl";

/// Most relations per `listrelations` call.
pub const RELATION_PAGE: u64 = 200;
/// Most products per `listproducts` call.
pub const PRODUCT_PAGE: u64 = 100;
/// Invoices per `listsalesinvoices` call (without lines).
pub const INVOICE_PAGE: u64 = 100;
/// At most this many pages of one day's invoices are read in a look-up.
const MAX_LOOKUP_PAGES: u64 = 50;

/// How long to wait after Silvasoft said "Ratelimit exceeded".
pub const RATE_LIMIT_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Subtracted from the start of a product sync when the next one asks for changes since then.
pub const CHANGED_SINCE_MARGIN_SECS: i64 = 600;
/// A full product load is made again after this long.
pub const FULL_PRODUCT_LOAD_EVERY_SECS: i64 = 24 * 3600;

/// The relation sort Silvasoft client code uses (the documented names were not found).
const RELATION_SORT: [(&str, &str); 2] = [("Sorting", "createdDate"), ("SortDir", "DEC")];

/// Which Silvasoft module creates the invoices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SilvasoftModule {
    /// "Boekhouding": `POST /rest/addsalestransaction/`.
    #[default]
    Bookkeeping,
    /// "Facturatie": `POST /rest/addsalesinvoice/`.
    Invoicing,
}

impl SilvasoftModule {
    pub fn as_str(self) -> &'static str {
        match self {
            SilvasoftModule::Bookkeeping => "bookkeeping",
            SilvasoftModule::Invoicing => "invoicing",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "bookkeeping" | "boekhouding" => Some(SilvasoftModule::Bookkeeping),
            "invoicing" | "facturatie" => Some(SilvasoftModule::Invoicing),
            _ => None,
        }
    }
    /// The endpoint that creates an invoice.
    pub fn endpoint(self) -> &'static str {
        match self {
            SilvasoftModule::Bookkeeping => "addsalestransaction",
            SilvasoftModule::Invoicing => "addsalesinvoice",
        }
    }
    pub fn label(self) -> Text {
        match self {
            SilvasoftModule::Bookkeeping => Text::new("module Boekhouding", "bookkeeping module"),
            SilvasoftModule::Invoicing => Text::new("module Facturatie", "invoicing module"),
        }
    }
}

/// One Silvasoft account.
#[derive(Debug, Clone)]
pub struct SilvasoftConfig {
    /// Default [`DEFAULT_BASE_URL`]. Plain `http://` only for this computer.
    pub base_url: String,
    /// The Silvasoft login (an e-mail address) of the API user.
    pub username: String,
    pub api_key: Secret,
    pub module: SilvasoftModule,
    /// `Some(n)`: the app numbers invoices from `n` (Silvasoft has no idempotency key; a unique
    /// number makes a resend fail instead of creating a duplicate). `None`: the clerk types a
    /// number or leaves numbering to Silvasoft.
    pub first_invoice_number: Option<u64>,
    /// The administration's VAT percentages, e.g. `["21", "9", "0"]`.
    pub vat_percentages: Vec<String>,
}

impl Default for SilvasoftConfig {
    fn default() -> Self {
        SilvasoftConfig {
            base_url: DEFAULT_BASE_URL.into(),
            username: String::new(),
            api_key: Secret::default(),
            module: SilvasoftModule::Bookkeeping,
            first_invoice_number: None,
            vat_percentages: vec!["21".into(), "9".into(), "0".into()],
        }
    }
}

/// How an invoice names its customer on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerIdentification {
    /// `CustomerNumber`: exactly one customer.
    Number(u64),
    /// `CustomerName` (and `CustomerEmail` when known): Silvasoft takes the first customer
    /// whose name (and e-mail) match. The app should warn when its cache holds more than one
    /// such customer (`Store::relations_matching(name, email)`).
    NameAndEmail { name: String, email: Option<String> },
}

impl CustomerIdentification {
    /// Whether Silvasoft could pick another customer with the same name (and e-mail).
    pub fn may_be_ambiguous(&self) -> bool {
        matches!(self, CustomerIdentification::NameAndEmail { .. })
    }
}

/// How `relation` will be identified in an invoice: by its customer number when it has one (a
/// positive whole number), else by name and, when known, e-mail.
pub fn customer_identification(relation: &Relation) -> CustomerIdentification {
    let number = relation
        .number
        .as_deref()
        .map(str::trim)
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| *n > 0);
    match number {
        Some(n) => CustomerIdentification::Number(n),
        None => CustomerIdentification::NameAndEmail {
            name: relation.name.trim().to_string(),
            email: relation
                .email
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(String::from),
        },
    }
}

fn config_error(nl: &str, en: &str) -> Error {
    Error::new(ErrorCode::Config, nl, en)
}

/// Checks and normalises the base URL: `https://host[:port][/path]` without a trailing slash;
/// empty means [`DEFAULT_BASE_URL`].
pub fn normalize_base_url(raw: &str) -> Result<String> {
    if raw.trim().is_empty() {
        return Ok(DEFAULT_BASE_URL.to_string());
    }
    crate::kit::url::normalize_base_url_as(
        raw,
        &crate::kit::url::Wording {
            what_nl: "het Silvasoft-adres",
            what_en: "the Silvasoft address",
            example_nl: "https://rest-api.silvasoft.nl",
            example_en: "https://rest-api.silvasoft.nl",
        },
    )
}

/// The VAT rates of the administration: code = the percentage as text (`21`), label `21%`.
fn vat_rates(percentages: &[String]) -> Result<Vec<VatRate>> {
    let list: Vec<&str> = percentages
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    let list = if list.is_empty() {
        vec!["21", "9", "0"]
    } else {
        list
    };
    let mut out: Vec<VatRate> = Vec::new();
    for p in list {
        let d = parse_decimal(p.trim_end_matches('%')).map_err(|_| {
            config_error(
                &format!("'{p}' is geen btw-percentage."),
                &format!("'{p}' is not a VAT percentage."),
            )
            .with_field("vat_percentages")
        })?;
        if d < Decimal::ZERO || d > Decimal::ONE_HUNDRED {
            return Err(config_error(
                &format!("'{p}' is geen btw-percentage."),
                &format!("'{p}' is not a VAT percentage."),
            )
            .with_field("vat_percentages"));
        }
        let code = d.normalize().to_string();
        if out.iter().any(|r| r.code == code) {
            continue;
        }
        let nl = format!("{}%", code.replace('.', ","));
        let en = format!("{code}%");
        out.push(VatRate::new(&code, d.normalize(), &nl, &en));
    }
    Ok(out)
}

fn invoice_number_field(app_numbering: bool) -> FieldSpec {
    FieldSpec {
        key: "invoice_number".into(),
        shown_when: None,
        required_when: None,
        label: Text::new("Factuurnummer", "Invoice number"),
        kind: FieldKind::Number { max_dp: 0 },
        required: false,
        default: None,
        help: Some(if app_numbering {
            Text::new(
                "Leeg laten: Invoice Desk nummert de factuur.",
                "Leave empty: Invoice Desk numbers it.",
            )
        } else {
            Text::new(
                "Leeg laten om Silvasoft te laten nummeren.",
                "Leave empty to let Silvasoft number it.",
            )
        }),
    }
}

fn notes_field() -> FieldSpec {
    FieldSpec {
        key: "invoice_notes".into(),
        shown_when: None,
        required_when: None,
        label: Text::new("Omschrijving", "Description"),
        kind: FieldKind::Text { max_len: None },
        required: false,
        default: None,
        help: Some(Text::new(
            "De omschrijving van de factuur in Silvasoft (InvoiceNotes).",
            "The invoice's description in Silvasoft (InvoiceNotes).",
        )),
    }
}

fn text_field(key: &str, nl: &str, en: &str) -> FieldSpec {
    FieldSpec {
        key: key.into(),
        shown_when: None,
        required_when: None,
        label: Text::new(nl, en),
        kind: FieldKind::Text { max_len: None },
        required: false,
        default: None,
        help: None,
    }
}

/// What Silvasoft can do in `module`, for the form.
pub fn capabilities(
    module: SilvasoftModule,
    vat_rates: Vec<VatRate>,
    app_numbering: Option<u64>,
) -> Capabilities {
    let numbering = invoice_number_field(app_numbering.is_some());
    let (price_bases, product_required, attachments, max_bytes, header_fields, line_fields) =
        match module {
            SilvasoftModule::Bookkeeping => (
                vec![PriceBasis::InclVat, PriceBasis::ExclVat],
                false,
                false,
                None,
                vec![
                    numbering,
                    notes_field(),
                    text_field("invoice_project", "Project", "Project"),
                    FieldSpec {
                        key: "select_project_by".into(),
                        shown_when: None,
                        required_when: None,
                        label: Text::new("Project kiezen op", "Select project by"),
                        kind: FieldKind::Choice {
                            options: vec![
                                Choice::new("NUMBER", "Projectnummer", "Project number"),
                                Choice::new("NAME", "Projectnaam", "Project name"),
                            ],
                        },
                        required: false,
                        default: Some("NUMBER".into()),
                        help: None,
                    },
                    FieldSpec {
                        key: "invoice_file_url".into(),
                        shown_when: None,
                        required_when: None,
                        label: Text::new("Bijlage (webadres)", "Attachment (web address)"),
                        kind: FieldKind::Url {
                            extensions: body::FILE_URL_EXTENSIONS
                                .iter()
                                .map(|e| e.to_string())
                                .collect(),
                        },
                        required: false,
                        default: None,
                        help: Some(Text::new(
                            "Silvasoft haalt het bestand op; lukt dat niet, dan komt de factuur er zonder bijlage.",
                            "Silvasoft downloads the file; if it cannot, the invoice is created without it.",
                        )),
                    },
                ],
                vec![
                    text_field("cost_center", "Kostenplaats", "Cost centre"),
                    text_field(
                        "ledger_account_number",
                        "Grootboekrekening",
                        "Ledger account",
                    ),
                ],
            ),
            SilvasoftModule::Invoicing => (
                vec![PriceBasis::ExclVat],
                true,
                true,
                Some(attach::MAX_ATTACHMENT_BYTES),
                vec![
                    numbering,
                    FieldSpec {
                        key: "add_as_draft".into(),
                        shown_when: None,
                        required_when: None,
                        label: Text::new("Als concept aanmaken", "Create as draft"),
                        kind: FieldKind::Bool,
                        required: false,
                        default: Some("false".into()),
                        help: Some(Text::new(
                            "De factuur blijft in Silvasoft als concept staan.",
                            "The invoice stays in Silvasoft as a draft (concept).",
                        )),
                    },
                    notes_field(),
                    FieldSpec {
                        key: "invoice_discount_pc".into(),
                        shown_when: None,
                        required_when: None,
                        label: Text::new("Korting op de factuur (%)", "Invoice discount (%)"),
                        kind: FieldKind::Number { max_dp: 2 },
                        required: false,
                        default: None,
                        help: Some(Text::new(
                            "Silvasoft trekt de korting af; het totaal in Silvasoft wijkt dan af van het voorbeeld.",
                            "Silvasoft deducts the discount; the total in Silvasoft then differs from the preview.",
                        )),
                    },
                    FieldSpec {
                        key: "invoice_due_days".into(),
                        shown_when: None,
                        required_when: None,
                        label: Text::new("Betaaltermijn (dagen)", "Payment term (days)"),
                        kind: FieldKind::Number { max_dp: 0 },
                        required: false,
                        default: None,
                        help: Some(Text::new(
                            "Leeg of 0: de standaardtermijn in Silvasoft.",
                            "Empty or 0: Silvasoft's default term.",
                        )),
                    },
                ],
                Vec::new(),
            ),
        };
    Capabilities {
        discounts: Default::default(),
        test_mode: false,
        kind: SystemId::new(SYSTEM),
        vat_rates,
        rounding: match module {
            SilvasoftModule::Bookkeeping => Rounding::PerLine,
            SilvasoftModule::Invoicing => Rounding::PerTotal,
        },
        price_bases,
        product_required,
        line_texts: Default::default(),
        quantity_dp: 2,
        price_dp: 2,
        max_lines: Some(body::MAX_LINES),
        administrations: false,
        administration_label: None,
        addresses: false,
        attachments,
        max_attachment_bytes: max_bytes,
        creates_invoices: true,
        header_fields,
        line_fields,
        app_numbering,
        matches_customer_by_name: true,
        relations_per_administration: true,
        products_per_administration: true,
        // What the bodies send: `InvoiceDate` (required); the reference as `InvoiceReference`
        // (invoicing, at most 150 characters) or as "Ref: …" in the notes when they are empty
        // (bookkeeping, which has no reference field).
        header: vec![
            HeaderField::invoice_date(),
            HeaderField::reference(match module {
                SilvasoftModule::Bookkeeping => None,
                SilvasoftModule::Invoicing => Some(body::MAX_REFERENCE_CHARS),
            }),
            HeaderField::price_basis(),
        ],
        description_max_len: None,
        lists: vec![],
        relations: Default::default(),
        system_name: NAME.into(),
    }
}

/// The total including VAT Silvasoft should show: the preview's, less the invoice discount.
/// `None` when it cannot be computed (checked arithmetic: the discount comes from the stored
/// invoice, the total from the store).
fn expected_total(module: SilvasoftModule, inv: &OutgoingInvoice) -> Option<Decimal> {
    let gross = inv.totals.gross;
    match inv
        .extra_str("invoice_discount_pc")
        .and_then(|v| parse_decimal(v).ok())
    {
        Some(d) if module == SilvasoftModule::Invoicing && !d.is_zero() => {
            Some(invoice_desk_core::money::round_cents(
                gross
                    .checked_mul(Decimal::ONE_HUNDRED.checked_sub(d)?)?
                    .checked_div(Decimal::ONE_HUNDRED)?,
            ))
        }
        _ => Some(gross),
    }
}

/// Whether a listed total is ours: equal, or off by at most a cent per line (VAT rounding
/// Silvasoft may do differently). A total that cannot be compared (a listed amount so large
/// that the difference overflows) is not ours.
fn total_matches(module: SilvasoftModule, found: Option<Decimal>, inv: &OutgoingInvoice) -> bool {
    let Some(t) = found else {
        return true;
    };
    let lines = i64::try_from(inv.lines.len().max(1)).unwrap_or(i64::MAX);
    let tolerance = Decimal::new(lines, 2);
    expected_total(module, inv)
        .and_then(|e| t.checked_sub(e))
        .map(|diff| diff.abs() <= tolerance)
        .unwrap_or(false)
}

fn rate_limited(detail: Option<String>) -> Error {
    Error::new(
        ErrorCode::RateLimited,
        "De limiet van Silvasoft voor het aantal verzoeken is bereikt; de app wacht en probeert het later opnieuw. Gebeurt dit vaker, dan is misschien het uurtegoed van uw API-abonnement op (Beheer > API).",
        "Silvasoft's request limit was reached; the app waits and tries again later. If this keeps happening, the hourly quota of your API plan may be used up (Beheer > API).",
    )
    .with_detail(detail.unwrap_or_default())
    .with_retry_after(Some(RATE_LIMIT_RETRY_AFTER))
}

fn auth_failed(detail: Option<String>) -> Error {
    Error::new(
        ErrorCode::AuthFailed,
        "Silvasoft heeft de gebruikersnaam en API-sleutel niet geaccepteerd, of de proefperiode is afgelopen. Controleer ze bij Instellingen.",
        "Silvasoft did not accept the username and API key, or the trial period has ended. Check them in Settings.",
    )
    .with_detail(detail.unwrap_or_default())
}

/// A 401: "Ratelimit exceeded" is a rate limit (retry later), anything else wrong
/// credentials or an ended trial.
fn unauthorized(body: &[u8]) -> Error {
    let b = wire::error_body(body);
    let text = format!(
        "{} {}",
        b.code.as_deref().unwrap_or(""),
        b.message.as_deref().unwrap_or("")
    )
    .to_ascii_lowercase();
    if text.contains("ratelimit") || text.contains("rate limit") {
        rate_limited(b.message)
    } else {
        auth_failed(b.message)
    }
}

fn wrong_address() -> Error {
    config_error(
        "Op dit adres is geen Silvasoft-API gevonden. Controleer het adres bij Instellingen (normaal https://rest-api.silvasoft.nl).",
        "No Silvasoft API was found at this address. Check the address in Settings (normally https://rest-api.silvasoft.nl).",
    )
    .with_field("base_url")
}

fn forbidden(module: SilvasoftModule, detail: Option<String>) -> Error {
    let m = module.label();
    Error::new(
        ErrorCode::Forbidden,
        format!("Silvasoft geeft deze API-gebruiker geen toegang tot dit onderdeel. Controleer in Silvasoft het API-abonnement en of de {} actief is.", m.nl),
        format!("Silvasoft does not give this API user access to this part. Check the API plan in Silvasoft and that the {} is active.", m.en),
    )
    .with_detail(detail.unwrap_or_default())
}

/// The rows of a list, for the paging messages.
fn subject(list: &str) -> Subject<'static> {
    let (nl, en) = match list {
        "relations" => ("relaties", "relations"),
        "products" => ("producten", "products"),
        "invoices" => ("facturen", "invoices"),
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

/// The Silvasoft connector. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct SilvasoftClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: Http,
    base: String,
    username: String,
    api_key: Secret,
    module: SilvasoftModule,
    first_invoice_number: Option<u64>,
    vat_rates: Vec<VatRate>,
    /// The account's shared limiter, or a private one set by [`SilvasoftClient::with_rate_limits`].
    limiter: Mutex<Arc<RateLimiter>>,
    relation_page: AtomicU64,
    product_page: AtomicU64,
    /// Most pages in one pass over a list ([`paging::MAX_PAGES_PER_PASS`] unless a test asks
    /// for less).
    max_pages: AtomicU32,
    files: FileStore,
    /// Invoice numbers this app already knows as sent; a look-up never claims one of these.
    known: Mutex<HashSet<u64>>,
    /// Invoices go one at a time.
    write_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for SilvasoftClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SilvasoftClient")
            .field("base_url", &self.inner.base)
            .field("module", &self.inner.module)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Cursor of the relation sync: `r1:<offset>` while loading, `r1:complete` after.
fn relation_offset(cursor: Option<&str>) -> u64 {
    cursor
        .and_then(|c| c.strip_prefix("r1:"))
        .and_then(|o| o.parse::<u64>().ok())
        .unwrap_or(0)
}

/// Where a product sync stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProductPhase {
    /// Loading everything.
    Full,
    /// Rows changed since `since`.
    Changed,
    /// Rows created since `since`.
    Created,
    /// Finished; the next run asks for what changed since `since`.
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ProductCursor {
    phase: ProductPhase,
    offset: u64,
    /// UNIX seconds: the lower bound of this incremental run, or of the next one when done.
    since: i64,
    /// UNIX seconds: when this run started (Silvasoft's clock where known).
    run_start: i64,
    /// UNIX seconds: when the last full load started.
    full_at: i64,
}

impl ProductCursor {
    fn encode(&self) -> String {
        let p = match self.phase {
            ProductPhase::Full => "full",
            ProductPhase::Changed => "changed",
            ProductPhase::Created => "created",
            ProductPhase::Done => "done",
        };
        format!(
            "p1:{p}:{}:{}:{}:{}",
            self.offset, self.since, self.run_start, self.full_at
        )
    }

    fn decode(s: &str) -> Option<ProductCursor> {
        let parts: Vec<&str> = s.strip_prefix("p1:")?.split(':').collect();
        if parts.len() != 5 {
            return None;
        }
        let phase = match parts[0] {
            "full" => ProductPhase::Full,
            "changed" => ProductPhase::Changed,
            "created" => ProductPhase::Created,
            "done" => ProductPhase::Done,
            _ => return None,
        };
        Some(ProductCursor {
            phase,
            offset: parts[1].parse().ok()?,
            since: parts[2].parse().ok()?,
            run_start: parts[3].parse().ok()?,
            full_at: parts[4].parse().ok()?,
        })
    }
}

/// Silvasoft's clock from the answer's `Date` header, else ours (UNIX seconds).
fn server_time(reply: &Reply) -> i64 {
    reply
        .headers
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
        .map(|d| d.timestamp())
        .unwrap_or_else(|| chrono::Utc::now().timestamp())
}

/// Legal forms that make a name an organisation's.
const LEGAL_FORMS: [&str; 14] = [
    "b.v.",
    "bv",
    "n.v.",
    "nv",
    "v.o.f.",
    "vof",
    "bvba",
    "bv.",
    "cv",
    "srl",
    "sprl",
    "stichting",
    "vereniging",
    "holding",
];

/// Person or organisation; see the module docs.
fn relation_kind(w: &wire::WireRelation) -> RelationKind {
    if let Some(private) = w.private {
        return if private {
            RelationKind::Person
        } else {
            RelationKind::Organisation
        };
    }
    if w.vat_number.is_some() || w.registration_number.is_some() {
        return RelationKind::Organisation;
    }
    let name = w.name.trim().to_lowercase();
    if name
        .split_whitespace()
        .any(|word| LEGAL_FORMS.contains(&word))
    {
        return RelationKind::Organisation;
    }
    let same_name = w
        .contact_name
        .as_deref()
        .is_some_and(|c| c.trim().to_lowercase() == name);
    let ends_with_last_name = w
        .contact_last_name
        .as_deref()
        .map(|l| l.trim().to_lowercase())
        .is_some_and(|l| {
            !l.is_empty() && name.ends_with(&l) && name.split_whitespace().count() <= 5
        });
    let same_email = match (&w.email, &w.contact_email) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    };
    if same_name || (ends_with_last_name && same_email) {
        RelationKind::Person
    } else {
        RelationKind::Organisation
    }
}

fn map_relation(w: wire::WireRelation) -> Relation {
    let kind = relation_kind(&w);
    Relation {
        id: w.guid,
        kind,
        name: w.name,
        number: w.customer_number.map(|n| n.to_string()),
        email: w.email,
        city: w.city,
        vat_number: w.vat_number,
        archived: w.archived,
    }
}

/// An amount for the cache: exact, with at least two decimals.
fn tidy_amount(d: Decimal) -> Decimal {
    let mut n = d.normalize();
    if n.scale() < 2 {
        n.rescale(2);
    }
    n
}

fn map_product(w: wire::WireProduct, rates: &[VatRate]) -> Option<Product> {
    let code = w.article_number.clone();
    let id = w.id.clone().or_else(|| code.clone())?;
    let description = w
        .name
        .clone()
        .or_else(|| w.description.clone())
        .unwrap_or_else(|| code.clone().unwrap_or_default());
    let vat_code = w.vat_percent.and_then(|p| {
        rates
            .iter()
            .find(|r| r.percent == p.normalize())
            .map(|r| r.code.clone())
    });
    Some(Product {
        id,
        code,
        description,
        price_excl: w.price.map(tidy_amount),
        price_incl: None,
        vat_code,
        group: w.category,
        archived: w.archived,
        line_defaults: Default::default(),
    })
}

/// What Silvasoft holds under an invoice number, compared with our invoice.
enum ByNumber {
    /// Nothing is listed under the number.
    Absent,
    /// Our invoice: same customer, date and total.
    Ours(Receipt),
    /// Another invoice holds the number.
    Other(wire::WireInvoice),
    /// Listed, but too little to tell.
    CannotTell,
}

/// The refusal when another invoice holds the number: says so and what that invoice is, so
/// that the clerk does not take it for this one (and nothing is sent again under it).
fn number_taken_by_other(number: u64, found: &wire::WireInvoice, refusal: Error) -> Error {
    let who = found
        .customer_name
        .clone()
        .or_else(|| found.customer_number.map(|n| n.to_string()))
        .unwrap_or_else(|| "?".into());
    let when = found.date.clone().unwrap_or_else(|| "?".into());
    let total_en = found
        .total_incl
        .map(|t| body::money(t).to_string())
        .unwrap_or_else(|| "?".into());
    let total_nl = total_en.replace('.', ",");
    Error::new(
        ErrorCode::Refused,
        format!("Factuurnummer {number}, dat de app deze factuur gaf, is in Silvasoft al van een andere factuur ({who}, {when}, € {total_nl}). Deze factuur is niet verstuurd. Ze komt terug in het formulier; opnieuw versturen geeft haar een nieuw nummer."),
        format!("Invoice number {number}, which the app gave this invoice, already belongs to another invoice in Silvasoft ({who}, {when}, € {total_en}). This invoice was not sent. It comes back to the form; sending it again gives it a new number."),
    )
    .with_detail(refusal.detail.clone().unwrap_or_default())
}

impl SilvasoftClient {
    /// A client with the standard HTTP settings. Fails with `Config` on a bad address, a missing
    /// username or key, or a VAT percentage that is not one; does not contact Silvasoft.
    pub fn new(config: SilvasoftConfig) -> Result<SilvasoftClient> {
        SilvasoftClient::with_http(config, Http::new(NAME)?)
    }

    /// A client over a given HTTP layer (tests use short timeouts).
    pub fn with_http(config: SilvasoftConfig, http: Http) -> Result<SilvasoftClient> {
        let base = normalize_base_url(&config.base_url)?;
        let username = config.username.trim().to_string();
        if username.is_empty() || config.api_key.is_empty() {
            return Err(config_error(
                "De gebruikersnaam of API-sleutel voor Silvasoft ontbreekt. Vul ze in bij Instellingen.",
                "The Silvasoft username or API key is missing. Enter them in Settings.",
            ));
        }
        if HeaderValue::from_str(&username).is_err() {
            return Err(config_error(
                "De gebruikersnaam voor Silvasoft bevat tekens die niet kunnen worden verstuurd.",
                "The Silvasoft username contains characters that cannot be sent.",
            )
            .with_field("username"));
        }
        if HeaderValue::from_str(config.api_key.expose().trim()).is_err() {
            return Err(config_error(
                "De API-sleutel voor Silvasoft bevat tekens die niet kunnen worden verstuurd.",
                "The Silvasoft API key contains characters that cannot be sent.",
            ));
        }
        let vat_rates = vat_rates(&config.vat_percentages)?;
        let host = Url::parse(&base)
            .ok()
            .map(|u| {
                format!(
                    "{}:{}",
                    u.host_str().unwrap_or(""),
                    u.port_or_known_default().unwrap_or(0)
                )
            })
            .unwrap_or_default();
        let limiter = ratelimit::shared(
            &ratelimit::account_key("silvasoft", &host, &username),
            RateLimits::silvasoft(),
        );
        Ok(SilvasoftClient {
            inner: Arc::new(Inner {
                http,
                base,
                username,
                api_key: config.api_key,
                module: config.module,
                first_invoice_number: config.first_invoice_number,
                vat_rates,
                limiter: Mutex::new(limiter),
                relation_page: AtomicU64::new(RELATION_PAGE),
                product_page: AtomicU64::new(PRODUCT_PAGE),
                max_pages: AtomicU32::new(paging::MAX_PAGES_PER_PASS),
                files: FileStore::default(),
                known: Mutex::new(HashSet::new()),
                write_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Rows per page for relations (at most 200), products and History's invoices (at most
    /// 100). Smaller pages make paging visible in tests.
    pub fn with_page_size(self, rows: u64) -> Self {
        let rows = rows.max(1);
        self.inner
            .relation_page
            .store(rows.min(RELATION_PAGE), Ordering::Relaxed);
        self.inner
            .product_page
            .store(rows.min(PRODUCT_PAGE), Ordering::Relaxed);
        self
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

    /// Gives this client (and its clones) a limiter of its own with these limits, no longer
    /// shared with the other clients of the account. For tests that provoke Silvasoft's own
    /// limit; the app keeps the shared default ([`RateLimits::silvasoft`]).
    pub fn with_rate_limits(self, limits: RateLimits) -> Self {
        *lock(&self.inner.limiter) = Arc::new(RateLimiter::new(limits));
        self
    }

    /// The limiter this client waits for: the one it shares with every client of the same
    /// account (host and user), unless [`SilvasoftClient::with_rate_limits`] gave it its own.
    pub fn limiter(&self) -> Arc<RateLimiter> {
        lock(&self.inner.limiter).clone()
    }

    /// Tells the client which invoice numbers the app already holds as sent (from its
    /// outbox), so that a look-up by date never takes one of them for a lost invoice.
    pub fn remember_invoice_numbers<I, S>(&self, numbers: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut known = lock(&self.inner.known);
        for n in numbers {
            if let Ok(n) = n.as_ref().trim().parse::<u64>() {
                known.insert(n);
            }
        }
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    pub fn username(&self) -> &str {
        &self.inner.username
    }

    pub fn module(&self) -> SilvasoftModule {
        self.inner.module
    }

    /// What [`Backend::test_connection`] says, in both languages.
    pub fn connected_text(&self) -> Text {
        let m = self.inner.module.label();
        Text::new(
            format!(
                "Verbonden met Silvasoft als {} ({})",
                self.inner.username, m.nl
            ),
            format!(
                "Connected to Silvasoft as {} ({})",
                self.inner.username, m.en
            ),
        )
    }

    fn url(&self, endpoint: &str) -> String {
        format!("{}/rest/{endpoint}/", self.inner.base)
    }

    /// Sends one request after the account's limiter let it go. While the account rests after
    /// Silvasoft's "Ratelimit exceeded", nothing is sent: `RateLimited` at once, with the time
    /// left. 401, 403 and 404 become errors here; other statuses are for the caller.
    async fn call(
        &self,
        method: Method,
        endpoint: &str,
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
        safety: Safety,
        priority: Priority,
    ) -> Result<Reply> {
        let limiter = self.limiter();
        if let Some(left) = limiter.cooling_down() {
            return Err(rate_limited(None).with_retry_after(Some(left)));
        }
        let url = self.url(endpoint);
        let mut key = HeaderValue::from_str(self.inner.api_key.expose().trim())
            .map_err(|_| Error::internal("API key not usable as a header"))?;
        key.set_sensitive(true);
        let mut rb = self
            .inner
            .http
            .request(method, &url)
            .header("Username", self.inner.username.as_str())
            .header("ApiKey", key)
            .header(ACCEPT, "application/json");
        if !query.is_empty() {
            rb = rb.query(query);
        }
        if let Some(b) = body {
            rb = rb.header(CONTENT_TYPE, "application/json").body(b);
        }
        limiter.acquire_as(priority).await;
        let reply = self.inner.http.send(rb, safety).await?;
        match reply.status.as_u16() {
            401 => {
                let e = unauthorized(&reply.body);
                if e.code == ErrorCode::RateLimited {
                    tracing::warn!(system = NAME, endpoint, "rate limit reached; backing off");
                    limiter.cool_down();
                }
                Err(e)
            }
            404 => Err(wrong_address()),
            403 => Err(forbidden(self.inner.module, reply.vendor_message())),
            _ => Ok(reply),
        }
    }

    /// One page of a list endpoint: its rows and Silvasoft's clock.
    async fn list(
        &self,
        endpoint: &str,
        query: &[(&str, String)],
        what_en: &str,
        priority: Priority,
    ) -> Result<(Vec<serde_json::Map<String, serde_json::Value>>, i64)> {
        let reply = self
            .call(
                Method::GET,
                endpoint,
                query,
                None,
                Safety::Idempotent,
                priority,
            )
            .await?;
        if !reply.is_success() {
            return Err(self.inner.http.read_status_error(&reply));
        }
        let rows = wire::rows(&reply.body).ok_or_else(|| {
            if reply.json_opt().is_none() {
                // Not JSON at all (a web page): not the Silvasoft API at this address.
                self.inner.http.not_the_api(&reply)
            } else {
                bad_list(what_en)
            }
        })?;
        Ok((rows, server_time(&reply)))
    }

    fn relation_page(&self) -> u64 {
        self.inner.relation_page.load(Ordering::Relaxed)
    }

    fn product_page(&self) -> u64 {
        self.inner.product_page.load(Ordering::Relaxed)
    }

    /// Invoices per page of History's list: as many as products (at most 100, the most
    /// `listsalesinvoices` answers without lines).
    fn invoice_page_size(&self) -> u64 {
        self.product_page().min(INVOICE_PAGE)
    }

    /// The invoices Silvasoft lists for `query`, all pages, and whether that was all of them
    /// (at most [`MAX_LOOKUP_PAGES`] pages are read).
    async fn invoices(&self, query: Vec<(&str, String)>) -> Result<(Vec<wire::WireInvoice>, bool)> {
        let mut out = Vec::new();
        let mut offset = 0u64;
        let mut guard = Guard::default();
        for _ in 0..MAX_LOOKUP_PAGES {
            let mut q = query.clone();
            q.push(("Limit", INVOICE_PAGE.to_string()));
            q.push(("Offset", offset.to_string()));
            let (rows, _) = self
                .list(
                    "listsalesinvoices",
                    &q,
                    "list sales invoices",
                    Priority::Interactive,
                )
                .await?;
            let n = rows.len() as u64;
            if guard
                .after_page(&rows, n >= INVOICE_PAGE, u32::MAX, subject("invoices"))
                .is_err()
            {
                // Silvasoft ignores the offset: the rest of the day's invoices cannot be
                // read, so what was read is not known to be all of them.
                tracing::warn!(system = NAME, offset, "the same page of invoices again");
                return Ok((out, false));
            }
            out.extend(rows.iter().map(wire::invoice));
            if n < INVOICE_PAGE {
                return Ok((out, true));
            }
            offset += n;
        }
        Ok((out, false))
    }

    /// Whether a listed total is ours (see the free function of the same name).
    fn total_matches(&self, found: Option<Decimal>, inv: &OutgoingInvoice) -> bool {
        total_matches(self.inner.module, found, inv)
    }

    /// The invoice Silvasoft holds under `number`, compared with ours: the same customer, the
    /// same date (when listed) and a total within a cent per line of the preview.
    async fn by_number(&self, inv: &OutgoingInvoice, number: u64) -> Result<ByNumber> {
        let ident = customer_identification(&inv.relation);
        let (listed, _) = self
            .invoices(vec![("InvoiceNumber", number.to_string())])
            .await?;
        let Some(found) = listed.into_iter().find(|w| w.number == Some(number)) else {
            return Ok(ByNumber::Absent);
        };
        let date = body::date(inv.issue_date);
        let ours = answer::customer_matches(&found, &ident).unwrap_or(true)
            && found.date.as_deref().is_none_or(|d| d.trim() == date)
            && self.total_matches(found.total_incl, inv);
        if !ours {
            tracing::info!(
                system = NAME,
                number,
                "invoice number taken by another invoice"
            );
            return Ok(ByNumber::Other(found));
        }
        Ok(match answer::receipt(&found, inv, Some(number)) {
            Some(r) => ByNumber::Ours(r),
            None => ByNumber::CannotTell,
        })
    }

    async fn lookup_by_number(&self, inv: &OutgoingInvoice, number: u64) -> Result<Lookup> {
        Ok(match self.by_number(inv, number).await? {
            ByNumber::Ours(r) => Lookup::Found(r),
            // The number belongs to another invoice: ours cannot exist under it, and sending
            // it again is refused by Silvasoft as a duplicate number, which `submit` explains.
            ByNumber::Absent | ByNumber::Other(_) => Lookup::NotFound,
            ByNumber::CannotTell => Lookup::CannotTell,
        })
    }

    /// Silvasoft refused the invoice under `number`, which the app assigned. Whether the number
    /// holds an earlier attempt of this very invoice (an answer that was lost, also before a
    /// restart) or another invoice is told by looking the number up and comparing, never by
    /// what this process remembers. Nothing under the number: the refusal as it is.
    async fn resolve_taken_number(
        &self,
        invoice: &OutgoingInvoice,
        number: u64,
        refusal: Error,
    ) -> Result<Receipt> {
        match self.by_number(invoice, number).await {
            Ok(ByNumber::Ours(r)) => {
                tracing::info!(system = NAME, identity = %invoice.identity, number,
                    "the taken number holds this invoice: an earlier attempt arrived");
                Ok(r)
            }
            // A refusal that does not say the number is taken, and the number holds nothing
            // of ours: a refusal of the content, final as it is.
            _ if !answer::is_duplicate_number(&refusal) => Err(refusal),
            Ok(ByNumber::Other(found)) => Err(number_taken_by_other(number, &found, refusal)),
            // Listed nowhere, yet refused as taken (a list that lags behind), or the check
            // failed: whether the number is ours is unknown, and a refusal would be final.
            // Uncertain, so the outbox asks again later.
            Ok(ByNumber::Absent) | Ok(ByNumber::CannotTell) | Err(_) => Err(Error::new(
                ErrorCode::Uncertain,
                format!("Silvasoft meldt dat factuurnummer {number} al bestaat, en de controle of dat deze factuur is lukte nu niet. De app controleert het later opnieuw."),
                format!("Silvasoft says invoice number {number} already exists, and the check whether that is this invoice failed for now. The app checks again later."),
            )
            .with_detail(refusal.detail.clone().unwrap_or_default())),
        }
    }

    async fn lookup_by_date(&self, inv: &OutgoingInvoice) -> Result<Lookup> {
        let ident = customer_identification(&inv.relation);
        let notes = body::notes(inv, self.inner.module);
        let date = body::date(inv.issue_date);
        let (listed, complete) = self
            .invoices(vec![("DateFrom", date.clone()), ("DateTill", date.clone())])
            .await?;
        let known = lock(&self.inner.known).clone();
        let candidates: Vec<&wire::WireInvoice> = listed
            .iter()
            .filter(|w| w.date.as_deref().map(|d| d == date).unwrap_or(true))
            .filter(|w| w.number.map(|n| !known.contains(&n)).unwrap_or(false))
            .filter(|w| answer::customer_matches(w, &ident) == Some(true))
            .filter(|w| w.total_incl.is_some() && self.total_matches(w.total_incl, inv))
            .filter(|w| answer::same_notes(w.notes.as_deref(), notes.as_deref()))
            .collect();
        tracing::info!(
            system = NAME,
            listed = listed.len(),
            matching = candidates.len(),
            "look-up by date"
        );
        Ok(match candidates.as_slice() {
            // Not among the invoices read, but not all of that day's were read.
            [] if !complete => Lookup::CannotTell,
            [] => Lookup::NotFound,
            [one] => answer::receipt(one, inv, None)
                .map(Lookup::Found)
                .unwrap_or(Lookup::CannotTell),
            _ => Lookup::CannotTell,
        })
    }

    fn resolve_files(&self, inv: &OutgoingInvoice) -> Result<Vec<ResolvedFile>> {
        if self.inner.module != SilvasoftModule::Invoicing {
            return Ok(Vec::new());
        }
        inv.attachments
            .iter()
            .map(|r| self.inner.files.resolve(r))
            .collect()
    }

    fn remember(&self, receipt: &Receipt) {
        if let Some(n) = receipt
            .number
            .as_deref()
            .and_then(|n| n.parse::<u64>().ok())
        {
            lock(&self.inner.known).insert(n);
        }
    }
}

#[async_trait::async_trait]
impl Backend for SilvasoftClient {
    fn capabilities(&self) -> Capabilities {
        capabilities(
            self.inner.module,
            self.inner.vat_rates.clone(),
            self.inner.first_invoice_number,
        )
    }

    /// `GET /rest/listrelations/?Limit=1`: "Connected to Silvasoft as <user> (<module>)".
    /// Wrong credentials and an ended trial are `AuthFailed` (Silvasoft does not tell them
    /// apart), a rate limit is `RateLimited`.
    async fn test_connection(&self) -> Result<Text> {
        self.list(
            "listrelations",
            &[("Limit", "1".to_string())],
            "list relations",
            Priority::Interactive,
        )
        .await?;
        Ok(self.connected_text())
    }

    /// One administration per API user: an empty list, without a request.
    async fn administrations(&self) -> Result<Vec<Administration>> {
        Ok(Vec::new())
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
impl InvoiceReader for SilvasoftClient {
    /// One page of `listsalesinvoices` (the newest number first, Silvasoft's only order), the
    /// query's dates asked of Silvasoft; the cursor is the offset. See [`reader`].
    async fn list_invoices(
        &self,
        query: &invoice_desk_core::reader::InvoiceQuery,
        cursor: Option<&str>,
    ) -> Result<invoice_desk_core::reader::InvoicePage> {
        self.invoice_page(query, cursor).await
    }

    /// The invoice listed under its number with its lines; its customer's `RelationGUID`
    /// asked of `listrelations` by the customer number.
    async fn invoice(&self, id: &str) -> Result<invoice_desk_core::reader::InvoiceDetail> {
        self.invoice_detail(id).await
    }

    /// The invoice's notes (its only text), as plain text.
    async fn text(&self, id: &str, which: &str) -> Result<invoice_desk_core::reader::InvoiceText> {
        self.invoice_text(id, which).await
    }
}

#[async_trait::async_trait]
impl InvoiceWriter for SilvasoftClient {
    /// The same rules as at send time ([`body::precheck`]), on the draft as typed.
    fn precheck(&self, draft: &Draft, caps: &Capabilities) -> Vec<FieldIssue> {
        invoice_desk_core::fields::precheck_draft(draft, caps, |inv| {
            body::precheck(inv, self.inner.module, &self.inner.vat_rates)
        })
    }

    /// Checks the file (invoicing module: at most 10 MB, pdf/png/jpg/gif/doc/docx by its first
    /// bytes) and hands out a reference; the bytes go inside the invoice (see [`attach`]).
    async fn upload_attachment(
        &self,
        _administration: &str,
        upload: &Upload,
        progress: Progress<'_>,
    ) -> Result<String> {
        if self.inner.module != SilvasoftModule::Invoicing {
            return Err(Error::new(
                ErrorCode::Validation,
                "De boekhoudmodule van Silvasoft neemt een bijlage alleen via een webadres.",
                "Silvasoft's bookkeeping module takes an attachment only by web address.",
            ));
        }
        let total = upload.bytes.len() as u64;
        progress(0, total);
        let content_type = attach::check(upload)?;
        let reference = attach::reference(upload);
        self.inner.files.keep(
            &reference,
            ResolvedFile {
                name: upload.file_name.clone(),
                content_type,
                bytes: Arc::new(upload.bytes.clone()),
            },
        );
        progress(total, total);
        Ok(reference)
    }

    /// `POST /rest/addsalestransaction/` or `/rest/addsalesinvoice/`, after the checks of
    /// [`body::precheck`]. When Silvasoft refuses a number the app assigned as taken, the
    /// invoice under that number is looked up and compared (customer, date, total): when it is ours
    /// (an earlier attempt whose answer was lost, in this process or before a restart), its
    /// receipt is the answer; when it is another invoice, the refusal says so.
    async fn submit(&self, invoice: &OutgoingInvoice) -> Result<Receipt> {
        let module = self.inner.module;
        body::precheck(invoice, module, &self.inner.vat_rates)?;
        let files = self.resolve_files(invoice)?;
        let json = body::body(invoice, module, &files)?;
        let bytes = serde_json::to_vec(&json).map_err(Error::internal)?;
        let number = body::invoice_number(invoice)?;
        let _write = self.inner.write_lock.lock().await;
        tracing::info!(system = NAME, identity = %invoice.identity, module = module.as_str(),
            lines = invoice.lines.len(), numbered = number.is_some(), "sending an invoice");
        let result = match self
            .call(
                Method::POST,
                module.endpoint(),
                &[],
                Some(bytes),
                Safety::NotIdempotent,
                Priority::Interactive,
            )
            .await
        {
            Ok(reply) => answer::interpret(&self.inner.http, &reply, invoice, module, number),
            Err(e) => Err(e),
        };
        match result {
            Ok(r) => {
                tracing::info!(system = NAME, identity = %invoice.identity,
                    number = %r.remote_id, warnings = r.warnings.len(), "invoice created");
                self.remember(&r);
                Ok(r)
            }
            // A refusal of an invoice under a number the app assigned (a typed one taken is
            // the clerk's to change). Silvasoft's words for "number taken" are not documented,
            // so every refusal is checked against the number, not only one that reads so.
            Err(e)
                if e.code == ErrorCode::Refused
                    && number.is_some()
                    && invoice.extra_str(APP_ASSIGNED_NUMBER) == Some("true") =>
            {
                let n = number.unwrap_or_default();
                let r = self.resolve_taken_number(invoice, n, e).await?;
                self.remember(&r);
                Ok(r)
            }
            Err(e) => {
                tracing::info!(system = NAME, identity = %invoice.identity, code = ?e.code,
                    "invoice not created");
                Err(e)
            }
        }
    }

    /// After an answer that never came (Silvasoft has no idempotency key):
    /// - **with an invoice number** (assigned by the app or typed):
    ///   `GET /rest/listsalesinvoices/?InvoiceNumber=N`. Listed with the same customer and a
    ///   total within a cent per line of the preview (less the invoice discount): `Found`.
    ///   Not listed: `NotFound`, which is certain, numbers being unique. Listed for another
    ///   customer or amount: `NotFound` as well, since ours cannot exist under a number that
    ///   is taken; a resend is refused as a duplicate number and the clerk is told.
    /// - **numbering left to Silvasoft**: the invoices of that `InvoiceDate`
    ///   (`DateFrom = DateTill`, up to 5,000 of them; beyond that `CannotTell` when none of
    ///   those read matches) that match the customer (number, or name without
    ///   regard to case), the total including VAT (as above) and the notes, and whose number
    ///   the app does not already hold as sent ([`SilvasoftClient::remember_invoice_numbers`]
    ///   and this client's own receipts). Exactly one: `Found`; none: `NotFound`; several:
    ///   `CannotTell`, and the clerk is told the outcome is uncertain. Limits: two identical
    ///   invoices (same customer, day, amount and notes) sent from elsewhere cannot be told
    ///   apart from ours, and an invoice someone changed in Silvasoft after it arrived is not
    ///   recognised.
    async fn lookup(&self, invoice: &OutgoingInvoice) -> Result<Lookup> {
        let result = match body::invoice_number(invoice)? {
            Some(n) => self.lookup_by_number(invoice, n).await,
            None => self.lookup_by_date(invoice).await,
        };
        if let Ok(Lookup::Found(r)) = &result {
            self.remember(r);
        }
        result
    }
}

#[async_trait::async_trait]
impl LookupSource for SilvasoftClient {
    /// One page of customers; every sync is a full reload (no change feed for relations).
    async fn sync_relations(
        &self,
        _administration: &str,
        cursor: Option<&str>,
    ) -> Result<SyncPage<Relation>> {
        let (cursor, mut guard) = match cursor {
            Some(c) => {
                let (inner, guard) = Guard::split(c);
                (Some(inner), guard)
            }
            None => (None, Guard::default()),
        };
        let offset = relation_offset(cursor);
        if offset == 0 {
            // A new pass.
            guard = Guard::default();
        }
        let limit = self.relation_page();
        let mut query = vec![
            ("RelationType", "Customer".to_string()),
            ("Limit", limit.to_string()),
            ("Offset", offset.to_string()),
        ];
        query.extend(RELATION_SORT.iter().map(|(k, v)| (*k, v.to_string())));
        let (rows, _) = self
            .list(
                "listrelations",
                &query,
                "list relations",
                Priority::Background,
            )
            .await?;
        let n = rows.len() as u64;
        guard.after_page(&rows, n >= limit, self.max_pages(), subject("relations"))?;
        let items: Vec<Relation> = rows
            .iter()
            .filter_map(wire::relation)
            .map(map_relation)
            .collect();
        if (items.len() as u64) < n {
            tracing::warn!(
                system = NAME,
                skipped = n - items.len() as u64,
                "relations without a RelationGUID skipped"
            );
        }
        let done = n < limit;
        Ok(SyncPage {
            items,
            removed: Vec::new(),
            cursor: if done {
                "r1:complete".into()
            } else {
                format!("r1:{}{}", offset.saturating_add(n), guard.encode_suffix())
            },
            done,
            full_reload: offset == 0,
        })
    }

    /// One page of products: a full load, then incremental passes (see the module docs).
    async fn sync_products(
        &self,
        _administration: &str,
        cursor: Option<&str>,
    ) -> Result<SyncPage<Product>> {
        let limit = self.product_page();
        let (cursor, mut guard) = match cursor {
            Some(c) => {
                let (inner, guard) = Guard::split(c);
                (Some(inner), guard)
            }
            None => (None, Guard::default()),
        };
        let mut cur = cursor.and_then(ProductCursor::decode);
        let starting = match cur {
            None => true,
            Some(c) => c.phase == ProductPhase::Done,
        };
        let mut query = vec![("Limit", limit.to_string())];
        // A new run: full when there was none or the last full load is old, else incremental.
        let now_local = chrono::Utc::now().timestamp();
        if let Some(c) = cur.as_mut() {
            if c.phase == ProductPhase::Done {
                if now_local - c.full_at > FULL_PRODUCT_LOAD_EVERY_SECS {
                    cur = None;
                } else {
                    *c = ProductCursor {
                        phase: ProductPhase::Changed,
                        offset: 0,
                        since: c.since,
                        run_start: 0,
                        full_at: c.full_at,
                    };
                }
            }
        }
        let mut c = cur.unwrap_or(ProductCursor {
            phase: ProductPhase::Full,
            offset: 0,
            since: 0,
            run_start: 0,
            full_at: 0,
        });
        query.push(("Offset", c.offset.to_string()));
        match c.phase {
            ProductPhase::Changed => query.push(("ChangedSince", c.since.to_string())),
            ProductPhase::Created => query.push(("CreatedSince", c.since.to_string())),
            _ => {}
        }
        let (rows, server_now) = self
            .list(
                "listproducts",
                &query,
                "list products",
                Priority::Background,
            )
            .await?;
        if starting {
            guard = Guard::default();
            c.run_start = server_now;
            if c.phase == ProductPhase::Full {
                c.full_at = server_now;
            }
        }
        let full_reload = c.phase == ProductPhase::Full && c.offset == 0;
        let n = rows.len() as u64;
        let items: Vec<Product> = rows
            .iter()
            .map(wire::product)
            .filter_map(|w| map_product(w, &self.inner.vat_rates))
            .collect();
        let page_done = n < limit;
        guard.after_page(&rows, !page_done, self.max_pages(), subject("products"))?;
        let next_since = c.run_start.saturating_sub(CHANGED_SINCE_MARGIN_SECS);
        let (next, done) = if !page_done {
            (
                ProductCursor {
                    offset: c.offset.saturating_add(n),
                    ..c
                },
                false,
            )
        } else {
            match c.phase {
                ProductPhase::Changed => (
                    ProductCursor {
                        phase: ProductPhase::Created,
                        offset: 0,
                        ..c
                    },
                    false,
                ),
                _ => (
                    ProductCursor {
                        phase: ProductPhase::Done,
                        offset: 0,
                        since: next_since,
                        run_start: 0,
                        full_at: c.full_at,
                    },
                    true,
                ),
            }
        };
        tracing::debug!(system = NAME, rows = n, phase = ?c.phase, done, "product page");
        let cursor = if done {
            next.encode()
        } else {
            format!("{}{}", next.encode(), guard.encode_suffix())
        };
        Ok(SyncPage {
            items,
            removed: Vec::new(),
            cursor,
            done,
            full_reload,
        })
    }

    /// Silvasoft invoices go to the relation's default address: no addresses to choose from.
    async fn addresses(&self, _administration: &str, _relation: &Relation) -> Result<Vec<Address>> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
