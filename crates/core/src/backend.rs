//! The trait every bookkeeping system implements, and the types it speaks.
//!
//! One connection = one [`Backend`] value. The app never branches on the system: what differs
//! (VAT rates, rounding, extra header and line fields, limits) the back end declares in its
//! [`Capabilities`], and the form follows that declaration.

use crate::error::{FieldIssue, Result};
pub use crate::fields::{Condition, HeaderField, HeaderKey};
use crate::i18n::Text;
use crate::invoice::Draft;
use crate::invoice::OutgoingInvoice;
use crate::totals::{PriceBasis, Rounding};
use crate::vat::VatRate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which system a connection talks to: the connector's id (`"afas"`, `"silvasoft"`, …), as
/// stored in the connection's `kind`. The core knows no system by name: the connectors'
/// registry (`invoice_desk_backends::registry`) says what an id is called and how it is built.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SystemId(String);

impl SystemId {
    pub fn new(id: impl Into<String>) -> Self {
        SystemId(id.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SystemId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for SystemId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for SystemId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// The kind of a field the back end adds to the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    Text {
        max_len: Option<usize>,
    },
    Bool,
    Date,
    Number {
        max_dp: u32,
    },
    Choice {
        options: Vec<Choice>,
    },
    /// An http(s) address whose path must end in one of `extensions` (e.g. ".pdf"), when given.
    Url {
        extensions: Vec<String>,
    },
    /// The id of an item of the declared list `list`, chosen by type-ahead; `filter` narrows
    /// the list by the values of other fields.
    Lookup {
        list: String,
        filter: Vec<crate::lists::LookupFilter>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Choice {
    pub value: String,
    pub label: Text,
}

impl Choice {
    pub fn new(value: &str, nl: &str, en: &str) -> Self {
        Choice {
            value: value.into(),
            label: Text::new(nl, en),
        }
    }
}

/// A field a back end adds to the invoice header or to each line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FieldSpec {
    /// Key in `Draft::extra` / `DraftLine::extra`.
    pub key: String,
    pub label: Text,
    pub kind: FieldKind,
    pub required: bool,
    /// The value a new draft starts with.
    pub default: Option<String>,
    pub help: Option<Text>,
    /// Shown (and so checked and sent) only when another field has one of the values.
    #[serde(default)]
    pub shown_when: Option<Condition>,
    /// Required only when another field has one of the values (`required: true` is always).
    #[serde(default)]
    pub required_when: Option<Condition>,
}

/// Which of a line's two texts a system sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LineTexts {
    /// `Typed`: the clerk's description is sent. `Product`: the system takes the product's own
    /// text, so the description is shown but cannot be changed.
    pub description: LineDescription,
    /// Whether the extra description is sent.
    pub extra_description: bool,
}

impl Default for LineTexts {
    fn default() -> Self {
        LineTexts {
            description: LineDescription::Typed,
            extra_description: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LineDescription {
    Typed,
    Product,
}

/// What a back end can do and how it computes. The form is built from this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Capabilities {
    /// The connector's id.
    #[ts(type = "string")]
    pub kind: SystemId,
    pub vat_rates: Vec<VatRate>,
    pub rounding: Rounding,
    /// The price bases a clerk may type in; the first is the default.
    pub price_bases: Vec<PriceBasis>,
    /// Whether each line must reference a product from the catalogue.
    pub product_required: bool,
    /// Which texts of a line the system takes, so the form offers no field whose text would
    /// not be sent.
    #[serde(default)]
    pub line_texts: LineTexts,
    /// Decimals allowed in a quantity.
    pub quantity_dp: u32,
    /// Decimals allowed in a unit price.
    pub price_dp: u32,
    pub max_lines: Option<usize>,
    /// Whether the back end has several administrations to choose from.
    pub administrations: bool,
    /// What the system calls what a clerk chooses there, when not an administration (the
    /// owner, whose financial administration it is); `None`: "Administration".
    #[serde(default)]
    pub administration_label: Option<Text>,
    /// Whether a relation has addresses to choose an invoice address from.
    pub addresses: bool,
    pub attachments: bool,
    #[ts(type = "number | null")]
    pub max_attachment_bytes: Option<u64>,
    /// Whether this system can create invoices at all: true exactly when the back end has an
    /// [`InvoiceWriter`] (`Backend::writer`).
    pub creates_invoices: bool,
    pub header_fields: Vec<FieldSpec>,
    pub line_fields: Vec<FieldSpec>,
    /// When the app must give each invoice a unique number before the first attempt (the back
    /// end has no idempotency key): the first number of the sequence. The number goes into
    /// `extra["invoice_number"]` unless the clerk typed one.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub app_numbering: Option<u64>,
    /// Whether the back end finds a customer without a number by name (and e-mail), taking the
    /// first of several matches: the app then warns when the name is ambiguous.
    #[serde(default)]
    pub matches_customer_by_name: bool,
    /// Whether relations belong to one administration (`true`) or are shared by all
    /// administrations of the environment (AFAS SB), and so are cached once.
    #[serde(default = "shared_default")]
    pub relations_per_administration: bool,
    /// Whether the products (articles, service items) belong to one administration (cached
    /// per administration) rather than to the whole connection (cached once). Only
    /// meaningful with `administrations`.
    #[serde(default = "shared_default")]
    pub products_per_administration: bool,
    /// The standard header fields the system has (date, reference, price basis), each
    /// required or optional; one not listed is absent. Empty: the default header
    /// ([`crate::fields::default_header`]).
    #[serde(default)]
    pub header: Vec<HeaderField>,
    /// Most characters a line's description may have, counted as the clerk types.
    #[serde(default)]
    pub description_max_len: Option<usize>,
    /// The look-up lists this system declares besides relations and products.
    #[serde(default)]
    pub lists: Vec<crate::lists::ListSpec>,
    /// Where the relations come from: synced from the server, or a local address book.
    #[serde(default)]
    pub relations: crate::lists::RelationSource,
    /// The system's name as a clerk knows it ("AFAS SB"), for the desk's messages; the
    /// connector fills it with the name its registry entry shows.
    #[serde(default)]
    pub system_name: String,
    /// Which discounts the system takes: per line and on the whole invoice, each as an
    /// amount or a percentage.
    #[serde(default)]
    pub discounts: DiscountSupport,
    /// The connection works in the system's test mode: nothing it sends is real. Every screen
    /// says so while it is active.
    #[serde(default)]
    pub test_mode: bool,
}

/// Which discounts a system takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DiscountSupport {
    pub line: bool,
    pub invoice: bool,
}

fn shared_default() -> bool {
    true
}

impl Capabilities {
    /// The cache scope of the relations: the administration's, or "" when relations are
    /// shared by the environment or there are no administrations.
    pub fn relation_scope<'a>(&self, administration: Option<&'a str>) -> Option<&'a str> {
        if self.administrations && self.relations_per_administration {
            administration.filter(|a| !a.is_empty())
        } else {
            Some("")
        }
    }

    /// The cache scope of a connection: the administration, or "" for systems that have none.
    /// The cache scope of the products: the administration when products belong to one
    /// (`None` while none is chosen), else the connection's one scope `""`.
    pub fn product_scope<'a>(&self, administration: Option<&'a str>) -> Option<&'a str> {
        if self.administrations && self.products_per_administration {
            administration.filter(|a| !a.is_empty())
        } else {
            Some("")
        }
    }

    pub fn scope<'a>(&self, administration: Option<&'a str>) -> Option<&'a str> {
        if self.administrations {
            administration.filter(|a| !a.is_empty())
        } else {
            Some("")
        }
    }
}

/// An administration (company) in the back end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Administration {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    Person,
    Organisation,
    /// A catch-all relation such as AFAS' "Various debtors".
    Unknown,
}

impl RelationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RelationKind::Person => "person",
            RelationKind::Organisation => "organisation",
            RelationKind::Unknown => "unknown",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "person" => RelationKind::Person,
            "organisation" => RelationKind::Organisation,
            "unknown" => RelationKind::Unknown,
            _ => return None,
        })
    }
}

/// A customer as the cache keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Relation {
    /// The back end's identifier (AFAS: the uuid).
    pub id: String,
    pub kind: RelationKind,
    pub name: String,
    /// The relation or customer number a clerk knows.
    pub number: Option<String>,
    pub email: Option<String>,
    pub city: Option<String>,
    pub vat_number: Option<String>,
    pub archived: bool,
}

/// A product or service as the cache keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Product {
    pub id: String,
    pub code: Option<String>,
    pub description: String,
    /// Unit price excluding VAT.
    #[serde(with = "rust_decimal::serde::str_option")]
    #[ts(type = "string | null")]
    pub price_excl: Option<Decimal>,
    /// Unit price including VAT, when the back end has one.
    #[serde(with = "rust_decimal::serde::str_option")]
    #[ts(type = "string | null")]
    pub price_incl: Option<Decimal>,
    /// One of the back end's VAT codes.
    pub vat_code: Option<String>,
    pub group: Option<String>,
    pub archived: bool,
    /// Values for the system's declared line fields (by key) that picking this product fills
    /// in where the clerk typed nothing (Bloxs: the service item's ledger account).
    #[serde(default)]
    pub line_defaults: BTreeMap<String, String>,
}

/// A postal address of a relation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Address {
    pub id: String,
    pub relation_id: String,
    pub street: String,
    pub house_number: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub preferred_invoice: bool,
}

impl Address {
    /// One line for a list: "Olof Palmestraat 10, 2616 LR Delft".
    pub fn one_line(&self) -> String {
        let street = format!("{} {}", self.street, self.house_number);
        let place = format!("{} {}", self.postal_code, self.city);
        let mut parts = vec![street.trim().to_string(), place.trim().to_string()];
        if !self.country.is_empty() && self.country != "Nederland" && self.country != "NL" {
            parts.push(self.country.clone());
        }
        parts.retain(|p| !p.is_empty());
        parts.join(", ")
    }
}

/// One page of a look-up sync. The back end decides what the cursor means; the caller stores
/// it and hands it back. When `done`, the cursor is where the next incremental sync starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPage<T> {
    pub items: Vec<T>,
    /// Ids that were removed in the back end since the last sync.
    pub removed: Vec<String>,
    pub cursor: String,
    pub done: bool,
    /// True when this page starts a full reload: the caller drops what it had.
    pub full_reload: bool,
}

/// A file to attach, read from disk.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Our id for the attachment; back ends with client-side ids (AFAS blobs) use it.
    pub id: uuid::Uuid,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// Where the file was read from. A back end that sends the file inside the invoice itself
    /// (Silvasoft) puts it in its reference, to read the file again on a retry after a restart.
    pub path: Option<String>,
}

/// Progress callback: bytes sent so far, total bytes.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// What the back end answered to a created invoice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The back end's id of the new invoice.
    pub remote_id: String,
    /// The invoice number, when the back end tells it.
    pub number: Option<String>,
    /// Totals the back end computed, when it tells them, to compare with our preview.
    #[serde(with = "rust_decimal::serde::str_option", default)]
    pub total_gross: Option<Decimal>,
    /// Warnings that did not stop the invoice (e.g. an attachment that was not accepted, a
    /// total that differs from the preview).
    pub warnings: Vec<Text>,
    /// The state the back end put the invoice in, in words (e.g. "Concept" / "Draft"), when
    /// it tells one.
    #[serde(default)]
    pub state: Option<Text>,
    /// The totals the back end computed (excluding VAT, VAT, including VAT), when it tells
    /// all three, shown next to the preview's; a difference is shown, never hidden.
    #[serde(default)]
    pub totals: Option<RemoteTotals>,
    /// Where the system keeps the invoice as a document (a PDF), opened in the system viewer.
    #[serde(default)]
    pub document_url: Option<String>,
}

impl Receipt {
    /// What the back end said beyond the number, one line each, for the result screen and
    /// History: the state it put the invoice in, its totals, and the warnings. `None` when
    /// there is nothing to say.
    pub fn note(&self) -> Option<Text> {
        let mut nl: Vec<String> = Vec::new();
        let mut en: Vec<String> = Vec::new();
        if let Some(s) = &self.state {
            nl.push(format!("Status: {}", s.nl));
            en.push(format!("State: {}", s.en));
        }
        if let Some(t) = &self.totals {
            let m = |d: Decimal| crate::money::to_plain_2dp(d);
            let c = |d: Decimal| m(d).replace('.', ",");
            nl.push(format!(
                "Totalen daar: excl. btw € {}, btw € {}, incl. btw € {}",
                c(t.net),
                c(t.vat),
                c(t.gross)
            ));
            en.push(format!(
                "Totals there: excl. VAT €{}, VAT €{}, incl. VAT €{}",
                m(t.net),
                m(t.vat),
                m(t.gross)
            ));
        }
        for w in &self.warnings {
            nl.push(w.nl.clone());
            en.push(w.en.clone());
        }
        (!nl.is_empty()).then(|| Text::new(nl.join("\n"), en.join("\n")))
    }
}

/// Totals a back end computed for an invoice it created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteTotals {
    #[serde(with = "rust_decimal::serde::str")]
    pub net: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub vat: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub gross: Decimal,
}

impl Receipt {
    /// The warnings, one a line, in both languages; `None` when there are none. The state and
    /// the totals are shown apart, beside the preview ([`Receipt::answer`]).
    pub fn warnings_note(&self) -> Option<Text> {
        let nl: Vec<&str> = self.warnings.iter().map(|w| w.nl.as_str()).collect();
        let en: Vec<&str> = self.warnings.iter().map(|w| w.en.as_str()).collect();
        (!nl.is_empty()).then(|| Text::new(nl.join("\n"), en.join("\n")))
    }

    /// What the back end said beyond its id and number, to keep with the sent invoice; `None`
    /// when it said nothing of the kind.
    pub fn answer(&self) -> Option<Answer> {
        let a = Answer {
            state: self.state.clone(),
            total_excl: self.totals.map(|t| t.net),
            total_vat: self.totals.map(|t| t.vat),
            total_incl: self.totals.map(|t| t.gross).or(self.total_gross),
            document_url: self.document_url.clone(),
        };
        (a != Answer::default()).then_some(a)
    }
}

/// The back end's own account of a created invoice: its state in words and its totals. Kept
/// with the outbox row, so History shows it next to our preview.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    #[serde(default)]
    pub state: Option<Text>,
    #[serde(with = "rust_decimal::serde::str_option", default)]
    pub total_excl: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option", default)]
    pub total_vat: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option", default)]
    pub total_incl: Option<Decimal>,
    /// Where the system keeps the invoice as a document ([`Receipt::document_url`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_url: Option<String>,
}

/// The answer to "does this invoice already exist?" after an answer that never came.
#[derive(Debug, Clone, PartialEq, Eq)]
// One value per look-up after a lost answer, never kept in bulk: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Lookup {
    Found(Receipt),
    NotFound,
    /// The back end has no way to tell.
    CannotTell,
}

/// A bookkeeping system behind one connection. What it can do beyond the connection itself
/// comes as optional facets: writing invoices, look-up lists, reading invoices back. A
/// connector offers the facets its API has; the app asks for one and says so when it is not
/// there (never a panic).
#[async_trait::async_trait]
pub trait Backend: Send + Sync {
    fn capabilities(&self) -> Capabilities;

    /// Checks the connection end to end (token and one cheap read); returns a short
    /// description of what it reached, e.g. the environment's name, in both languages.
    async fn test_connection(&self) -> Result<Text>;

    async fn administrations(&self) -> Result<Vec<Administration>>;

    /// Writing invoices; `None` for a read-only system (no Send, no form).
    fn writer(&self) -> Option<&dyn InvoiceWriter> {
        None
    }

    /// Reading invoices back (list, open one, texts); `None` when the API cannot.
    fn reader(&self) -> Option<&dyn InvoiceReader> {
        None
    }

    /// Look-up lists synced from the server (relations, products, addresses).
    fn lookups(&self) -> Option<&dyn LookupSource> {
        None
    }
}

/// The writer of a back end, or the clerk's message that this system sends no invoices.
pub fn writer_of(backend: &dyn Backend) -> Result<&dyn InvoiceWriter> {
    backend.writer().ok_or_else(cannot_send)
}

/// What a clerk reads when a system has no writer.
pub fn cannot_send() -> crate::error::Error {
    crate::error::Error::new(
        crate::error::ErrorCode::Config,
        "Dit systeem kan geen facturen versturen: het kan ze alleen lezen.",
        "This system cannot send invoices: it can only read them.",
    )
}

/// Writing invoices: check, upload, submit, and the look-up after a lost answer.
#[async_trait::async_trait]
pub trait InvoiceWriter: Send + Sync {
    /// Uploads one attachment; returns the reference to put on the invoice.
    async fn upload_attachment(
        &self,
        administration: &str,
        upload: &Upload,
        progress: Progress<'_>,
    ) -> Result<String>;

    /// Creates the invoice. The invoice's `identity` goes with every attempt.
    async fn submit(&self, invoice: &OutgoingInvoice) -> Result<Receipt>;

    /// After an answer that never came: does the invoice exist in the back end? A back end
    /// with an idempotency key may answer by sending the same request again under the same
    /// identity (AFAS SB replays its first answer for a Tracking-Identifier), so a look-up can
    /// complete a send that never arrived; it must never create a second invoice.
    async fn lookup(&self, invoice: &OutgoingInvoice) -> Result<Lookup>;

    /// The system's own rules that the declared form cannot express, checked on the draft as
    /// the clerk types (each issue on its field); Send refuses while any remain. The same rules
    /// run again at send time on the outgoing invoice.
    fn precheck(&self, _draft: &Draft, _caps: &Capabilities) -> Vec<FieldIssue> {
        Vec::new()
    }
}

/// Look-up lists synced from the server into the local cache.
#[async_trait::async_trait]
pub trait LookupSource: Send + Sync {
    /// One page of relations, from `cursor` (`None`: from the start).
    async fn sync_relations(
        &self,
        administration: &str,
        cursor: Option<&str>,
    ) -> Result<SyncPage<Relation>>;

    /// One page of products, from `cursor` (`None`: from the start).
    async fn sync_products(
        &self,
        administration: &str,
        cursor: Option<&str>,
    ) -> Result<SyncPage<Product>>;

    /// The addresses of a relation, for choosing the invoice address.
    async fn addresses(&self, administration: &str, relation: &Relation) -> Result<Vec<Address>>;

    /// One page of the declared list `list` in `scope`, from `cursor` (`None`: from the start).
    async fn sync_list(
        &self,
        list: &str,
        scope: &crate::lists::ScopeValue,
        cursor: Option<&str>,
    ) -> Result<SyncPage<crate::lists::LookupItem>> {
        let _ = (scope, cursor);
        Err(crate::error::Error::new(
            crate::error::ErrorCode::Config,
            format!("Dit boekhoudpakket heeft geen opzoeklijst '{list}'."),
            format!("This bookkeeping system has no look-up list '{list}'."),
        ))
    }
}

pub use crate::reader::{
    InvoiceActionSpec, InvoiceColumn, InvoiceDetail, InvoiceLineRead, InvoicePage, InvoiceQuery,
    InvoiceSort, InvoiceState, InvoiceSummary, InvoiceText, InvoiceTextRef, InvoiceVat, TextFormat,
};

/// Reading invoices back from the system: list them, open one, fetch its texts. Declared for
/// systems whose API reads (a read-only system has only this); no connector implements it yet.
#[async_trait::async_trait]
pub trait InvoiceReader: Send + Sync {
    /// One page of invoices matching `query`, from `cursor` (`None`: the first page).
    async fn list_invoices(
        &self,
        query: &InvoiceQuery,
        cursor: Option<&str>,
    ) -> Result<InvoicePage>;

    /// One invoice with its lines and VAT breakdown.
    async fn invoice(&self, id: &str) -> Result<InvoiceDetail>;

    /// One of an invoice's texts (`which`: a name the system gives, e.g. "header"), in the
    /// format it comes in.
    async fn text(&self, id: &str, which: &str) -> Result<InvoiceText>;

    /// What a clerk can do to an invoice in the system from History (e.g. issue a draft,
    /// delete a draft); each invoice in a list names the ones that apply to it.
    fn actions(&self) -> Vec<InvoiceActionSpec> {
        Vec::new()
    }

    /// Does `action` to the invoice `id` with the values the clerk filled in for the action's
    /// fields, and answers the invoice as it is now (`None`: it is gone, e.g. deleted).
    /// `key` identifies this one request: a retry after a lost answer sends the same key.
    async fn act(
        &self,
        id: &str,
        action: &str,
        values: &std::collections::BTreeMap<String, String>,
        key: &str,
    ) -> Result<Option<InvoiceSummary>> {
        let _ = (id, values, key);
        Err(crate::error::Error::new(
            crate::error::ErrorCode::Config,
            format!("Dit boekhoudpakket kent de handeling '{action}' niet."),
            format!("This bookkeeping system has no action '{action}'."),
        ))
    }
}
