//! Mollie's Sales Invoice API (beta): sales invoices to recipients the app keeps itself.
//!
//! The client follows the wire contract in docs/DESIGN.md ("Assumptions about Mollie"):
//! - **Sign-in**: `Authorization: Bearer` with a profile API key (`live_…` / `test_…`: the
//!   prefix is the test mode; never `profileId` or `testmode`) or an organization access token
//!   (`access_…`: the profiles are the administrations, `profileId` goes with every create, and
//!   `testmode: true` in the body of a write and the query of a read while the connection's
//!   test-mode switch is on).
//! - **Create**: `POST /v2/sales-invoices` with `Idempotency-Key` = the invoice's identity and
//!   `metadata.invoiceDeskId` = the same, so a retry replays the first answer and the look-up
//!   after a lost answer finds the invoice in the list.
//! - **Recipients** are the app's own address book (`relations: local`): Mollie keeps no
//!   customer list. There is no product catalogue.
//! - **History** reads the list with cursor paging (`from`), opens an invoice, issues a draft
//!   (PATCH) and deletes one (DELETE), each with an `Idempotency-Key`.

mod answer;
mod body;
pub mod connector;
mod wire;

use crate::http::{Http, Reply, Safety};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use invoice_desk_core::backend::{
    Address, Administration, Backend, Capabilities, Choice, DiscountSupport, FieldKind, FieldSpec,
    HeaderField, InvoiceReader, InvoiceWriter, LineDescription, LineTexts, Lookup, LookupSource,
    Product, Progress, Receipt, Relation, RelationKind, SyncPage, SystemId, Upload,
};
use invoice_desk_core::error::{Error, ErrorCode, FieldIssue, Result};
use invoice_desk_core::fields::Condition;
use invoice_desk_core::i18n::Text;
use invoice_desk_core::invoice::{Draft, OutgoingInvoice};
use invoice_desk_core::lists::RelationSource;
use invoice_desk_core::reader::{
    InvoiceActionSpec, InvoiceDetail, InvoicePage, InvoiceQuery, InvoiceSummary, InvoiceText,
    TextFormat,
};
use invoice_desk_core::totals::{PriceBasis, Rounding};
use invoice_desk_core::vat::VatRate;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

pub use answer::{invoice_desk_id, invoice_state, receipt, state_words, FIELD_MAP};
pub use body::{create_body, issue_body, precheck, recipient_json, Org, MAX_DESCRIPTION};

/// This connector's id: the `kind` of its connections.
pub const SYSTEM: &str = "mollie";
/// Its name as a clerk knows it.
pub const NAME: &str = "Mollie";
/// Mollie's one address.
pub const DEFAULT_BASE_URL: &str = "https://api.mollie.com";

/// Rows per page of History.
pub const PAGE_SIZE: u32 = 50;
/// Rows per page, and most pages, of the look-up after a lost answer.
pub const LOOKUP_PAGE_SIZE: u32 = 250;
pub const LOOKUP_MAX_PAGES: u32 = 5;

/// Header fields.
pub const HEADER_STATUS: &str = "status";
pub const HEADER_EMAIL_SUBJECT: &str = "email_subject";
pub const HEADER_EMAIL_BODY: &str = "email_body";
pub const HEADER_PAYMENT_SOURCE: &str = "payment_source";
pub const HEADER_PAYMENT_REFERENCE: &str = "payment_reference";
pub const HEADER_PAYMENT_TERM: &str = "payment_term";
pub const HEADER_VAT_SCHEME: &str = "vat_scheme";
pub const HEADER_MEMO: &str = "memo";
pub const HEADER_E_INVOICE: &str = "e_invoice";

/// The recipient's fields in the address book.
pub const R_GIVEN: &str = "given_name";
pub const R_FAMILY: &str = "family_name";
pub const R_ORG_NAME: &str = "organization_name";
pub const R_ORG_NUMBER: &str = "organization_number";
pub const R_VAT: &str = "vat_number";
pub const R_EMAIL: &str = "email";
pub const R_PHONE: &str = "phone";
pub const R_STREET: &str = "street_and_number";
pub const R_STREET_ADDITIONAL: &str = "street_additional";
pub const R_POSTAL_CODE: &str = "postal_code";
pub const R_CITY: &str = "city";
pub const R_REGION: &str = "region";
pub const R_COUNTRY: &str = "country";
pub const R_LOCALE: &str = "locale";

/// History's actions on a draft.
pub const ACTION_ISSUE: &str = "issue";
pub const ACTION_DELETE: &str = "delete";

const INVOICES: &str = "v2/sales-invoices";
const PROFILES: &str = "v2/profiles";
const EMBEDDED_INVOICES: &str = "sales_invoices";
const EMBEDDED_PROFILES: &str = "profiles";
const SCOPE_READ: &str = "sales-invoices.read";
const SCOPE_WRITE: &str = "sales-invoices.write";
const SCOPE_PROFILES: &str = "profiles.read";

/// How a connection signs in.
#[derive(Debug, Clone)]
pub enum MollieAuth {
    /// A profile API key, `live_…` or `test_…`.
    ApiKey(Secret),
    /// An organization access token, `access_…`, and the connection's test-mode switch.
    OrgToken { token: Secret, test_mode: bool },
}

impl MollieAuth {
    fn secret(&self) -> &Secret {
        match self {
            MollieAuth::ApiKey(s) => s,
            MollieAuth::OrgToken { token, .. } => token,
        }
    }

    /// Whether what is sent is test data: a `test_` key, or a token with the switch on.
    pub fn test_mode(&self) -> bool {
        match self {
            MollieAuth::ApiKey(k) => k.expose().trim().starts_with("test_"),
            MollieAuth::OrgToken { test_mode, .. } => *test_mode,
        }
    }

    pub fn is_org(&self) -> bool {
        matches!(self, MollieAuth::OrgToken { .. })
    }
}

/// One Mollie connection.
#[derive(Debug, Clone)]
pub struct MollieConfig {
    /// `https://api.mollie.com` (plain http only to this computer: the stand-in).
    pub base_url: String,
    pub auth: MollieAuth,
}

/// Checks and normalises a Mollie address.
pub fn normalize_base_url(raw: &str) -> Result<String> {
    crate::kit::url::normalize_base_url_as(
        raw,
        &crate::kit::url::Wording {
            what_nl: "het Mollie-adres",
            what_en: "the Mollie address",
            example_nl: DEFAULT_BASE_URL,
            example_en: DEFAULT_BASE_URL,
        },
    )
}

/// The Mollie connector. Cheap to clone; clones share their state.
#[derive(Clone)]
pub struct MollieClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: Http,
    base: String,
    auth: MollieAuth,
    page_size: AtomicU32,
    /// When each invoice was first sent by this process: the look-up after a lost answer
    /// stops reading the list once it is past invoices created before then.
    first_sent: Mutex<HashMap<Uuid, DateTime<Utc>>>,
    /// Writes go one at a time (a double click waits for the first answer).
    write_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for MollieClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MollieClient")
            .field("base_url", &self.inner.base)
            .field("org", &self.inner.auth.is_org())
            .field("test_mode", &self.inner.auth.test_mode())
            .finish_non_exhaustive()
    }
}

fn config_error(nl: &str, en: &str, field: &str) -> Error {
    Error::new(ErrorCode::Config, nl, en).with_field(field)
}

/// A read of the list that does not give a list.
fn unreadable_list() -> Error {
    crate::kit::wire::unreadable_list(NAME, "read sales invoices")
}

impl MollieClient {
    /// A client with the standard HTTP settings; does not contact Mollie.
    pub fn new(config: MollieConfig) -> Result<MollieClient> {
        MollieClient::with_http(config, Http::new(NAME)?)
    }

    /// A client over a given HTTP layer (tests use short timeouts).
    pub fn with_http(config: MollieConfig, http: Http) -> Result<MollieClient> {
        let base = normalize_base_url(&config.base_url)?;
        let s = config.auth.secret().expose().trim();
        match &config.auth {
            MollieAuth::ApiKey(_) => {
                if !(s.starts_with("live_") || s.starts_with("test_")) {
                    return Err(config_error(
                        "Een API-sleutel van Mollie begint met live_ of test_. Vul hem in bij Instellingen (Mollie-dashboard → Ontwikkelaars → API-sleutels).",
                        "A Mollie API key starts with live_ or test_. Enter it in Settings (Mollie dashboard → Developers → API keys).",
                        "api_key",
                    ));
                }
            }
            MollieAuth::OrgToken { .. } => {
                if !s.starts_with("access_") {
                    return Err(config_error(
                        "Een organisatietoegangstoken van Mollie begint met access_. Vul het in bij Instellingen.",
                        "A Mollie organization access token starts with access_. Enter it in Settings.",
                        "access_token",
                    ));
                }
            }
        }
        Ok(MollieClient {
            inner: Arc::new(Inner {
                http,
                base,
                auth: config.auth,
                page_size: AtomicU32::new(PAGE_SIZE),
                first_sent: Mutex::new(HashMap::new()),
                write_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Rows per page of History (1 to 250).
    pub fn with_page_size(self, size: u32) -> Self {
        self.inner
            .page_size
            .store(size.clamp(1, LOOKUP_PAGE_SIZE), Ordering::Relaxed);
        self
    }

    /// The normalised address.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.inner.base, path)
    }

    /// `testmode` for a read's query: only with an organization token whose switch is on.
    fn testmode_query(&self) -> Option<(&'static str, &'static str)> {
        match &self.inner.auth {
            MollieAuth::OrgToken {
                test_mode: true, ..
            } => Some(("testmode", "true")),
            _ => None,
        }
    }

    fn write_testmode(&self) -> bool {
        matches!(
            self.inner.auth,
            MollieAuth::OrgToken {
                test_mode: true,
                ..
            }
        )
    }

    fn org<'a>(&self, profile_id: &'a str) -> Option<Org<'a>> {
        self.inner.auth.is_org().then_some(Org {
            profile_id,
            testmode: self.write_testmode(),
        })
    }

    fn request(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        self.inner
            .http
            .request(method, url)
            .bearer_auth(self.inner.auth.secret().expose().trim())
            .header("Accept", "application/hal+json")
    }

    async fn send(&self, rb: reqwest::RequestBuilder, safety: Safety) -> Result<Reply> {
        self.inner.http.send(rb, safety).await
    }

    /// `GET` of a list page: `limit`, `from` and `testmode`.
    async fn list_page(
        &self,
        path: &str,
        embedded: &str,
        limit: u32,
        from: Option<&str>,
        profile: Option<&str>,
    ) -> Result<wire::Page> {
        let url = self.url(path);
        let mut q: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(f) = from {
            q.push(("from", f.to_string()));
        }
        // An organization token lists every profile's invoices; the chosen one's are asked
        // for (and filtered again here, should the parameter be ignored) [I].
        if let Some(p) = profile.map(str::trim).filter(|p| !p.is_empty()) {
            if self.inner.auth.is_org() {
                q.push(("profileId", p.to_string()));
            }
        }
        if let Some((k, v)) = self.testmode_query() {
            q.push((k, v.to_string()));
        }
        let reply = self
            .send(
                self.request(Method::GET, &url).query(&q),
                Safety::Idempotent,
            )
            .await?;
        if !reply.is_success() {
            return Err(match reply.status.as_u16() {
                404 => answer::wrong_address(),
                _ => {
                    let scope = if path == PROFILES {
                        SCOPE_PROFILES
                    } else {
                        SCOPE_READ
                    };
                    answer::status_error(&self.inner.http, &reply, Safety::Idempotent, scope)
                }
            });
        }
        wire::parse_page(&reply.body, embedded).ok_or_else(|| {
            if reply.json_opt().is_none() {
                self.inner.http.not_the_api(&reply)
            } else {
                unreadable_list()
            }
        })
    }

    /// The profiles an organization token reaches.
    async fn profiles(&self) -> Result<Vec<Administration>> {
        let mut out = Vec::new();
        let mut from: Option<String> = None;
        for _ in 0..20 {
            let page = self
                .list_page(
                    PROFILES,
                    EMBEDDED_PROFILES,
                    LOOKUP_PAGE_SIZE,
                    from.as_deref(),
                    None,
                )
                .await?;
            out.extend(page.items.iter().filter_map(wire::profile));
            match page.next_from {
                Some(n) if from.as_deref() != Some(n.as_str()) => from = Some(n),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Whether a listed invoice belongs to the chosen profile (an organization token lists
    /// every profile's invoices).
    fn of_profile(&self, v: &Value, profile: &str) -> bool {
        if !self.inner.auth.is_org() || profile.trim().is_empty() {
            return true;
        }
        v.get("profileId")
            .and_then(Value::as_str)
            .is_none_or(|p| p.trim() == profile.trim())
    }

    fn remember_first_send(&self, identity: Uuid) {
        let mut m = self
            .inner
            .first_sent
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        m.entry(identity).or_insert_with(Utc::now);
    }

    fn first_send(&self, identity: Uuid) -> Option<DateTime<Utc>> {
        self.inner
            .first_sent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&identity)
            .copied()
    }

    async fn post_invoice(&self, invoice: &OutgoingInvoice) -> Result<Receipt> {
        let body = create_body(invoice, self.org(&invoice.administration_id))?;
        let identity = invoice.identity.to_string();
        let url = self.url(INVOICES);
        let _write = self.inner.write_lock.lock().await;
        self.remember_first_send(invoice.identity);
        tracing::info!(system = NAME, idempotency_key = %identity,
            lines = invoice.lines.len(), "sending a sales invoice");
        let reply = self
            .send(
                self.request(Method::POST, &url)
                    .header("Idempotency-Key", identity.as_str())
                    .json(&body),
                Safety::NotIdempotent,
            )
            .await?;
        let result = answer::interpret(&self.inner.http, &reply, invoice.lines.len());
        match &result {
            Ok(r) => tracing::info!(system = NAME, idempotency_key = %identity,
                id = %r.remote_id, "sales invoice created"),
            Err(e) => tracing::info!(system = NAME, idempotency_key = %identity,
                code = ?e.code, "sales invoice not created"),
        }
        result
    }

    /// Pages the list from the newest for our identity in `metadata.invoiceDeskId`.
    async fn find_by_identity(&self, invoice: &OutgoingInvoice) -> Result<Lookup> {
        let identity = invoice.identity.to_string();
        // Invoices created well before the first attempt cannot be ours (10 minutes for the
        // clocks of this computer and Mollie's).
        let cutoff = self
            .first_send(invoice.identity)
            .and_then(|t| t.checked_sub_signed(chrono::Duration::minutes(10)));
        let mut from: Option<String> = None;
        for _ in 0..LOOKUP_MAX_PAGES {
            let page = match self
                .list_page(
                    INVOICES,
                    EMBEDDED_INVOICES,
                    LOOKUP_PAGE_SIZE,
                    from.as_deref(),
                    Some(&invoice.administration_id),
                )
                .await
            {
                Ok(p) => p,
                Err(e) if e.code == ErrorCode::BadResponse => return Ok(Lookup::CannotTell),
                Err(e) => return Err(e),
            };
            let mut past = false;
            for v in &page.items {
                if invoice_desk_id(v).is_some_and(|x| x.eq_ignore_ascii_case(&identity)) {
                    return Ok(match receipt(v) {
                        Some(r) => Lookup::Found(r),
                        None => Lookup::CannotTell,
                    });
                }
                let created = v.as_object().and_then(|o| wire::time(o, "createdAt"));
                if let (Some(c), Some(cut)) = (created, cutoff) {
                    if c < cut {
                        past = true;
                    }
                }
            }
            if past {
                return Ok(Lookup::NotFound);
            }
            match page.next_from {
                None => return Ok(Lookup::NotFound),
                Some(n) if from.as_deref() == Some(n.as_str()) => return Ok(Lookup::CannotTell),
                Some(n) => from = Some(n),
            }
        }
        Ok(Lookup::CannotTell)
    }

    async fn get_invoice(&self, id: &str) -> Result<Value> {
        let id = invoice_id(id)?;
        let url = self.url(&format!("{INVOICES}/{id}"));
        let mut rb = self.request(Method::GET, &url);
        if let Some((k, v)) = self.testmode_query() {
            rb = rb.query(&[(k, v)]);
        }
        let reply = self.send(rb, Safety::Idempotent).await?;
        if reply.status.as_u16() == 404 {
            return Err(not_found(reply.vendor_message()));
        }
        if !reply.is_success() {
            return Err(answer::status_error(
                &self.inner.http,
                &reply,
                Safety::Idempotent,
                SCOPE_READ,
            ));
        }
        reply
            .json_opt()
            .ok_or_else(|| self.inner.http.not_the_api(&reply))
    }
}

/// An id as it may go into a path: Mollie's ids are letters, digits and `_`.
fn invoice_id(id: &str) -> Result<&str> {
    let id = id.trim();
    let ok = !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(id)
    } else {
        Err(not_found(Some(format!("not an invoice id: {id}"))))
    }
}

fn not_found(detail: Option<String>) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!("Deze factuur bestaat niet (meer) in {NAME}."),
        format!("This invoice does not exist (any more) in {NAME}."),
    )
    .with_detail(detail.unwrap_or_default())
}

fn choice(options: &[(&str, &str, &str)]) -> FieldKind {
    FieldKind::Choice {
        options: options
            .iter()
            .map(|(v, nl, en)| Choice::new(v, nl, en))
            .collect(),
    }
}

fn field(key: &str, nl: &str, en: &str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        key: key.into(),
        label: Text::new(nl, en),
        kind,
        required: false,
        default: None,
        help: None,
        shown_when: None,
        required_when: None,
    }
}

fn text_kind(max: Option<usize>) -> FieldKind {
    FieldKind::Text { max_len: max }
}

/// The header fields: the status and what each status needs, the payment term, the VAT
/// scheme, the memo and the e-invoice switch.
fn header_fields() -> Vec<FieldSpec> {
    let issued_or_paid = Condition::new(HEADER_STATUS, &["issued", "paid"]);
    let paid = Condition::new(HEADER_STATUS, &["paid"]);
    vec![
        FieldSpec {
            required: true,
            default: Some("draft".into()),
            help: Some(Text::new(
                "Concept: alleen aanmaken. Versturen: Mollie mailt de factuur met een betaallink. Betaald: vastleggen als betaald.",
                "Draft: only create it. Issue: Mollie e-mails the invoice with a payment link. Paid: record it as paid.",
            )),
            ..field(
                HEADER_STATUS,
                "Status",
                "Status",
                choice(&[
                    ("draft", "Concept", "Draft"),
                    ("issued", "Versturen", "Issue"),
                    ("paid", "Betaald", "Paid"),
                ]),
            )
        },
        FieldSpec {
            shown_when: Some(issued_or_paid.clone()),
            required_when: Some(Condition::new(HEADER_STATUS, &["issued"])),
            ..field(
                HEADER_EMAIL_SUBJECT,
                "Onderwerp van de e-mail",
                "E-mail subject",
                text_kind(Some(255)),
            )
        },
        FieldSpec {
            shown_when: Some(issued_or_paid),
            required_when: Some(Condition::new(HEADER_STATUS, &["issued"])),
            ..field(
                HEADER_EMAIL_BODY,
                "Tekst van de e-mail",
                "E-mail text",
                text_kind(None),
            )
        },
        FieldSpec {
            required: true,
            shown_when: Some(paid.clone()),
            default: Some("manual".into()),
            ..field(
                HEADER_PAYMENT_SOURCE,
                "Betaald via",
                "Paid through",
                choice(&[
                    ("manual", "Handmatig (bank, contant)", "Manually (bank, cash)"),
                    ("payment-link", "Mollie-betaallink", "Mollie payment link"),
                    ("payment", "Mollie-betaling", "Mollie payment"),
                ]),
            )
        },
        FieldSpec {
            shown_when: Some(paid),
            required_when: Some(Condition::new(
                HEADER_PAYMENT_SOURCE,
                &["payment-link", "payment"],
            )),
            help: Some(Text::new(
                "Het id van de betaallink (pl_…) of betaling (tr_…).",
                "The id of the payment link (pl_…) or payment (tr_…).",
            )),
            ..field(
                HEADER_PAYMENT_REFERENCE,
                "Referentie van de betaling",
                "Payment reference",
                text_kind(Some(100)),
            )
        },
        FieldSpec {
            required: true,
            default: Some("30 days".into()),
            ..field(
                HEADER_PAYMENT_TERM,
                "Betaaltermijn",
                "Payment term",
                choice(&[
                    ("7 days", "7 dagen", "7 days"),
                    ("14 days", "14 dagen", "14 days"),
                    ("30 days", "30 dagen", "30 days"),
                    ("45 days", "45 dagen", "45 days"),
                    ("60 days", "60 dagen", "60 days"),
                    ("90 days", "90 dagen", "90 days"),
                    ("120 days", "120 dagen", "120 days"),
                ]),
            )
        },
        FieldSpec {
            required: true,
            default: Some("standard".into()),
            ..field(
                HEADER_VAT_SCHEME,
                "Btw-regeling",
                "VAT scheme",
                choice(&[
                    ("standard", "Standaard", "Standard"),
                    ("one-stop-shop", "One Stop Shop (OSS)", "One Stop Shop (OSS)"),
                ]),
            )
        },
        FieldSpec {
            help: Some(Text::new(
                "Staat op de pdf van de factuur.",
                "Shown on the invoice's PDF.",
            )),
            ..field(HEADER_MEMO, "Notitie", "Memo", text_kind(Some(500)))
        },
        FieldSpec {
            default: Some("false".into()),
            help: Some(Text::new(
                "Via Peppol; alleen aan ontvangers in België, Duitsland of Nederland.",
                "Through Peppol; only to recipients in Belgium, Germany or the Netherlands.",
            )),
            ..field(HEADER_E_INVOICE, "E-factuur", "E-invoice", FieldKind::Bool)
        },
    ]
}

/// The fields of a recipient in the app's address book.
fn recipient_fields() -> Vec<FieldSpec> {
    let req = |f: FieldSpec| FieldSpec {
        required: true,
        ..f
    };
    let help = |f: FieldSpec, nl: &str, en: &str| FieldSpec {
        help: Some(Text::new(nl, en)),
        ..f
    };
    vec![
        help(
            field(R_GIVEN, "Voornaam", "Given name", text_kind(Some(100))),
            "Voor een particulier (leeg: uit de naam).",
            "For a consumer (empty: from the name).",
        ),
        help(
            field(R_FAMILY, "Achternaam", "Family name", text_kind(Some(100))),
            "Voor een particulier (leeg: uit de naam).",
            "For a consumer (empty: from the name).",
        ),
        help(
            field(
                R_ORG_NAME,
                "Handelsnaam",
                "Trading name",
                text_kind(Some(200)),
            ),
            "Voor een organisatie (leeg: de naam).",
            "For an organisation (empty: the name).",
        ),
        help(
            field(
                R_ORG_NUMBER,
                "KvK-nummer",
                "Chamber of Commerce number",
                text_kind(Some(20)),
            ),
            "Een organisatie heeft een KvK-nummer of een btw-nummer nodig.",
            "An organisation needs a Chamber of Commerce number or a VAT number.",
        ),
        field(R_VAT, "Btw-nummer", "VAT number", text_kind(Some(20))),
        req(field(
            R_EMAIL,
            "E-mailadres",
            "E-mail address",
            text_kind(Some(254)),
        )),
        field(R_PHONE, "Telefoon", "Phone", text_kind(Some(30))),
        req(field(
            R_STREET,
            "Straat en huisnummer",
            "Street and number",
            text_kind(Some(200)),
        )),
        field(
            R_STREET_ADDITIONAL,
            "Adresregel 2",
            "Address line 2",
            text_kind(Some(200)),
        ),
        req(field(
            R_POSTAL_CODE,
            "Postcode",
            "Postal code",
            text_kind(Some(20)),
        )),
        req(field(R_CITY, "Plaats", "City", text_kind(Some(100)))),
        field(
            R_REGION,
            "Provincie of regio",
            "Region",
            text_kind(Some(100)),
        ),
        FieldSpec {
            default: Some("NL".into()),
            ..req(help(
                field(R_COUNTRY, "Land", "Country", text_kind(Some(2))),
                "Landcode van twee letters: NL, BE, DE …",
                "Two-letter country code: NL, BE, DE …",
            ))
        },
        FieldSpec {
            default: Some("nl_NL".into()),
            ..req(help(
                field(
                    R_LOCALE,
                    "Taal van factuur en betaalpagina",
                    "Language of invoice and payment page",
                    choice(&[
                        ("nl_NL", "Nederlands (Nederland)", "Dutch (Netherlands)"),
                        ("nl_BE", "Nederlands (België)", "Dutch (Belgium)"),
                        ("fr_BE", "Frans (België)", "French (Belgium)"),
                        ("fr_FR", "Frans (Frankrijk)", "French (France)"),
                        ("de_DE", "Duits (Duitsland)", "German (Germany)"),
                        ("de_AT", "Duits (Oostenrijk)", "German (Austria)"),
                        ("de_CH", "Duits (Zwitserland)", "German (Switzerland)"),
                        ("en_GB", "Engels (VK)", "English (UK)"),
                        ("en_US", "Engels (VS)", "English (US)"),
                    ]),
                ),
                "Mollie maakt de pdf en de betaalpagina in deze taal.",
                "Mollie makes the PDF and the payment page in this language.",
            ))
        },
    ]
}

fn vat_rates() -> Vec<VatRate> {
    vec![
        VatRate::new("21.00", Decimal::from(21), "21%", "21%"),
        VatRate::new("9.00", Decimal::from(9), "9%", "9%"),
        VatRate::new("0.00", Decimal::ZERO, "0%", "0%"),
    ]
}

/// What Mollie can do, for the form: with an organization token the profiles are the
/// administrations; the test mode follows the key or the switch.
pub fn capabilities(org: bool, test_mode: bool) -> Capabilities {
    Capabilities {
        kind: SystemId::new(SYSTEM),
        vat_rates: vat_rates(),
        rounding: Rounding::PerLine,
        price_bases: vec![PriceBasis::ExclVat, PriceBasis::InclVat],
        product_required: false,
        line_texts: LineTexts {
            description: LineDescription::Typed,
            extra_description: false,
        },
        quantity_dp: 0,
        price_dp: 2,
        max_lines: None,
        administrations: org,
        administration_label: Some(Text::new("Profiel", "Profile")),
        addresses: false,
        attachments: false,
        max_attachment_bytes: None,
        creates_invoices: true,
        header_fields: header_fields(),
        line_fields: Vec::new(),
        app_numbering: None,
        matches_customer_by_name: false,
        relations_per_administration: false,
        products_per_administration: false,
        // Mollie sets the dates itself and has no reference of ours.
        header: vec![HeaderField::price_basis()],
        description_max_len: Some(MAX_DESCRIPTION),
        lists: Vec::new(),
        relations: RelationSource::Local {
            fields: recipient_fields(),
        },
        system_name: NAME.into(),
        discounts: DiscountSupport {
            line: true,
            invoice: true,
        },
        test_mode,
    }
}

#[async_trait::async_trait]
impl Backend for MollieClient {
    fn capabilities(&self) -> Capabilities {
        capabilities(self.inner.auth.is_org(), self.inner.auth.test_mode())
    }

    /// Reads one sales invoice (and with an organization token the profiles): "Connected to
    /// Mollie (test mode)". A wrong key, missing permissions and a wrong address each say so.
    async fn test_connection(&self) -> Result<Text> {
        self.list_page(INVOICES, EMBEDDED_INVOICES, 1, None, None)
            .await?;
        let (mode_nl, mode_en) = if self.inner.auth.test_mode() {
            (" (testmodus)", " (test mode)")
        } else {
            ("", "")
        };
        if !self.inner.auth.is_org() {
            return Ok(Text::new(
                format!("Verbonden met {NAME}{mode_nl}"),
                format!("Connected to {NAME}{mode_en}"),
            ));
        }
        let profiles = self.profiles().await?;
        let names = profiles
            .iter()
            .map(|a| a.name.as_str())
            .take(5)
            .collect::<Vec<_>>()
            .join(", ");
        Ok(match profiles.len() {
            0 => Text::new(
                format!("Verbonden met {NAME}{mode_nl}, maar het token bereikt geen profiel"),
                format!("Connected to {NAME}{mode_en}, but the token reaches no profile"),
            ),
            1 => Text::new(
                format!("Verbonden met {NAME}{mode_nl}: 1 profiel ({names})"),
                format!("Connected to {NAME}{mode_en}: 1 profile ({names})"),
            ),
            n => Text::new(
                format!("Verbonden met {NAME}{mode_nl}: {n} profielen ({names})"),
                format!("Connected to {NAME}{mode_en}: {n} profiles ({names})"),
            ),
        })
    }

    /// The profiles with an organization token; none with an API key (it belongs to one).
    async fn administrations(&self) -> Result<Vec<Administration>> {
        if self.inner.auth.is_org() {
            self.profiles().await
        } else {
            Ok(Vec::new())
        }
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
impl InvoiceWriter for MollieClient {
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

    /// `POST /v2/sales-invoices` with `Idempotency-Key` = the invoice's identity.
    async fn submit(&self, invoice: &OutgoingInvoice) -> Result<Receipt> {
        self.post_invoice(invoice).await
    }

    /// Reads the list from the newest for our identity in the metadata: found, not found
    /// (the end of the list, or past invoices created before the first attempt), or cannot
    /// tell (five pages of 250 read without either, or a list that cannot be read).
    async fn lookup(&self, invoice: &OutgoingInvoice) -> Result<Lookup> {
        self.find_by_identity(invoice).await
    }
}

#[async_trait::async_trait]
impl LookupSource for MollieClient {
    /// The recipients are the app's own address book: nothing to bring from Mollie.
    async fn sync_relations(
        &self,
        _administration: &str,
        _cursor: Option<&str>,
    ) -> Result<SyncPage<Relation>> {
        Ok(SyncPage {
            items: Vec::new(),
            removed: Vec::new(),
            cursor: "local".into(),
            done: true,
            full_reload: false,
        })
    }

    /// Mollie keeps no product catalogue: an empty list.
    async fn sync_products(
        &self,
        _administration: &str,
        _cursor: Option<&str>,
    ) -> Result<SyncPage<Product>> {
        Ok(SyncPage {
            items: Vec::new(),
            removed: Vec::new(),
            cursor: "none".into(),
            done: true,
            full_reload: true,
        })
    }

    /// The recipient's one address is in the address book.
    async fn addresses(&self, _administration: &str, _relation: &Relation) -> Result<Vec<Address>> {
        Ok(Vec::new())
    }
}

fn values_get<'a>(values: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    values.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
}

#[async_trait::async_trait]
impl InvoiceReader for MollieClient {
    /// One page of the list (newest first), from the `from` cursor; with an organization token
    /// only the chosen profile's. Mollie's list takes no filter: the desk narrows a search.
    async fn list_invoices(
        &self,
        query: &InvoiceQuery,
        cursor: Option<&str>,
    ) -> Result<InvoicePage> {
        let from = cursor.map(str::trim).filter(|c| !c.is_empty());
        let limit = self.inner.page_size.load(Ordering::Relaxed);
        let page = self
            .list_page(
                INVOICES,
                EMBEDDED_INVOICES,
                limit,
                from,
                Some(&query.administration),
            )
            .await?;
        // Dates, customer and words are matched by the desk, as the clerk sees them.
        let items = page
            .items
            .iter()
            .filter(|v| self.of_profile(v, &query.administration))
            .filter_map(answer::summary)
            .collect();
        // A next page that is this page again would be read forever: the list ends here.
        let next = page.next_from.filter(|n| Some(n.as_str()) != from);
        Ok(InvoicePage {
            items,
            done: next.is_none(),
            cursor: next,
        })
    }

    async fn invoice(&self, id: &str) -> Result<InvoiceDetail> {
        let v = self.get_invoice(id).await?;
        answer::detail(&v).ok_or_else(unreadable_list)
    }

    /// The memo (the only text a sales invoice has).
    async fn text(&self, id: &str, which: &str) -> Result<InvoiceText> {
        if which != "memo" {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!("Een verkoopfactuur van {NAME} heeft alleen een notitie."),
                format!("A {NAME} sales invoice has only a memo."),
            ));
        }
        let v = self.get_invoice(id).await?;
        let memo = v
            .as_object()
            .and_then(|o| wire::text(o, "memo"))
            .unwrap_or_default();
        Ok(InvoiceText {
            format: TextFormat::Plain,
            content: memo,
        })
    }

    fn actions(&self) -> Vec<InvoiceActionSpec> {
        vec![
            InvoiceActionSpec {
                key: ACTION_ISSUE.into(),
                label: Text::new("Versturen", "Issue"),
                confirm: None,
                fields: vec![
                    FieldSpec {
                        required: true,
                        ..field(
                            HEADER_EMAIL_SUBJECT,
                            "Onderwerp van de e-mail",
                            "E-mail subject",
                            text_kind(Some(255)),
                        )
                    },
                    FieldSpec {
                        required: true,
                        ..field(
                            HEADER_EMAIL_BODY,
                            "Tekst van de e-mail",
                            "E-mail text",
                            text_kind(None),
                        )
                    },
                ],
            },
            InvoiceActionSpec {
                key: ACTION_DELETE.into(),
                label: Text::new("Verwijderen", "Delete"),
                confirm: Some(Text::new(
                    "Dit concept verwijderen? Dat kan niet ongedaan worden gemaakt.",
                    "Delete this draft? This cannot be undone.",
                )),
                fields: Vec::new(),
            },
        ]
    }

    /// Issues a draft (`PATCH` to `issued` with the e-mail) or deletes one (`DELETE`), with
    /// `Idempotency-Key` = `key`, so a retry after a lost answer replays the first.
    async fn act(
        &self,
        id: &str,
        action: &str,
        values: &BTreeMap<String, String>,
        key: &str,
    ) -> Result<Option<InvoiceSummary>> {
        let id = invoice_id(id)?;
        let url = self.url(&format!("{INVOICES}/{id}"));
        let key = key.trim();
        if key.is_empty() {
            return Err(Error::internal("an action without its idempotency key"));
        }
        let _write = self.inner.write_lock.lock().await;
        match action {
            ACTION_ISSUE => {
                let (Some(subject), Some(text)) = (
                    values_get(values, HEADER_EMAIL_SUBJECT),
                    values_get(values, HEADER_EMAIL_BODY),
                ) else {
                    let missing = if values_get(values, HEADER_EMAIL_SUBJECT).is_none() {
                        HEADER_EMAIL_SUBJECT
                    } else {
                        HEADER_EMAIL_BODY
                    };
                    return Err(Error::new(
                        ErrorCode::Validation,
                        format!("{NAME} verstuurt de factuur per e-mail: vul het onderwerp en de tekst in."),
                        format!("{NAME} sends the invoice by e-mail: fill in the subject and the text."),
                    )
                    .with_field(missing));
                };
                let body = issue_body(subject, text, self.write_testmode());
                let reply = self
                    .send(
                        self.request(Method::PATCH, &url)
                            .header("Idempotency-Key", key)
                            .json(&body),
                        Safety::NotIdempotent,
                    )
                    .await?;
                match reply.status.as_u16() {
                    200..=299 => reply
                        .json_opt()
                        .as_ref()
                        .and_then(answer::summary)
                        .map(Some)
                        .ok_or_else(unreadable_list),
                    404 => Err(not_found(reply.vendor_message())),
                    400 | 409 | 422 => Err(answer::refusal(&reply, None)),
                    _ => Err(answer::status_error(
                        &self.inner.http,
                        &reply,
                        Safety::NotIdempotent,
                        SCOPE_WRITE,
                    )),
                }
            }
            ACTION_DELETE => {
                let mut rb = self
                    .request(Method::DELETE, &url)
                    .header("Idempotency-Key", key);
                if self.write_testmode() {
                    rb = rb.json(&serde_json::json!({ "testmode": true }));
                }
                let reply = self.send(rb, Safety::NotIdempotent).await?;
                match reply.status.as_u16() {
                    200..=299 => Ok(None),
                    // Gone already: what the clerk asked for is done.
                    404 => Ok(None),
                    400 | 409 | 422 => Err(Error::new(
                        ErrorCode::Refused,
                        format!(
                            "{NAME} verwijdert alleen concepten; deze factuur is al verstuurd."
                        ),
                        format!("{NAME} deletes only drafts; this invoice was issued already."),
                    )
                    .with_detail(reply.vendor_message().unwrap_or_default())),
                    _ => Err(answer::status_error(
                        &self.inner.http,
                        &reply,
                        Safety::NotIdempotent,
                        SCOPE_WRITE,
                    )),
                }
            }
            other => Err(Error::new(
                ErrorCode::Config,
                format!("{NAME} kent de handeling '{other}' niet."),
                format!("{NAME} has no action '{other}'."),
            )),
        }
    }
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
