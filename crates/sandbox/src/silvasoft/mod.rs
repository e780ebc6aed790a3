//! The Silvasoft stand-in, written from Silvasoft's API documentation (developers.silvasoft.nl:
//! the introduction, response-format, `addsalestransaction`, `addsalesinvoice`,
//! `listrelations`, `listproducts` and `listsalesinvoices` pages) and from how Silvasoft's own
//! WooCommerce plugin and other public clients use the API.
//!
//! Everything lives under `/silvasoft`: the base URL a client configures is
//! `http://127.0.0.1:PORT/silvasoft` (for `https://rest-api.silvasoft.nl`), so the endpoints
//! are `http://127.0.0.1:PORT/silvasoft/rest/listrelations/` and so on.
//!
//! # Paths
//! Each endpoint answers at its lower-case path with and without the trailing slash
//! (`/rest/listrelations/` as client code writes it, `/rest/listproducts` as the
//! documentation's curl example and the WooCommerce plugin write it). Any other spelling,
//! such as the documentation's `/rest/ListRelations`, is 404
//! `{"errorCode": "NOT_FOUND", ...}`: all client code uses lower case, and a client that does
//! not should find out here.
//!
//! # Authentication and rate limits
//! - Every request needs the headers `Username` and `ApiKey` (defaults
//!   `demo@invoicedesk.nl` / `demo-silvasoft-key`). Missing or wrong: 401
//!   `{"errorCode": "UNAUTHORIZED", "errorMessage": "Invalid authentication credentials"}`.
//! - The expired-trial user (default `trial@invoicedesk.nl`, same key) gets exactly the same
//!   401, with nothing (no header, no other text) that tells it apart: Silvasoft answers an
//!   expired trial like wrong credentials, so a client can only say "wrong credentials or
//!   expired trial".
//! - Rate limits per `Username`, sliding windows over the requests admitted so far: more than
//!   `max_per_second` (2) in the last second, `max_per_minute` (50) in the last minute or
//!   `max_per_hour` (the plan's quota) in the last hour gives 401
//!   `{"errorCode": "UNAUTHORIZED", "errorMessage": "Ratelimit exceeded"}` and the request is
//!   not processed. Refused requests do not count against the windows. Failed
//!   authentication is checked first and does not count either.
//! - Both checks run on every known endpoint before anything else (after injected faults).
//!
//! # Conventions
//! - Errors: `{"errorCode", "errorMessage"}`. Documented codes: `UNAUTHORIZED` (401),
//!   `INVALID_JSON` (400). Assumed codes: `INVALID_PARAMETER` (400, every other refusal of a
//!   value; the message names the parameter, lines as `Invoice_InvoiceLine[i]` counted from
//!   0), `NOT_FOUND` (404, unknown path), `UNSUPPORTED_MEDIA_TYPE` (415, a POST without
//!   `Content-Type: application/json`), `TECHNICAL_ERROR` (500, injected).
//! - GET: 200 with a JSON array, or 200 with an **empty body** when nothing is found.
//! - A POST needs `Content-Type: application/json` (415 otherwise, an assumption) and may be
//!   at most 16 MiB (413 from the server beyond that; enough for a 10 MB attachment in
//!   base64). A wrong method on a known path is 405.
//! - POST: 200 with a one-element array holding the created invoice. The fault
//!   `empty_object_next` gives the documented "200 with an empty JSON object: not created".
//! - Parameter names are case-sensitive. In a query string an unknown name (`limit`,
//!   `category`, `ChangedSince` on `listrelations`) is ignored; in a JSON body an unknown member
//!   (`invoicedate`, `customernumber`) is absent, which usually makes the request invalid (no
//!   customer, no lines) or falls back to a default (today's date).
//! - JSON bodies are read like org.json does: `null` is absent; a Float may be a number or a
//!   string with a plain dot-decimal number (`"123.45"`, as the WooCommerce plugin sends it);
//!   `"12,50"` is 400 `INVALID_JSON` `JSONObject["SubTotalInclTax"] is not a number.`;
//!   Integer/Long members must be whole (`... is not an int.` / `... is not a long.`); String
//!   members take numbers as their text; Boolean members take `true`/`false`, also as
//!   strings. Syntax errors, duplicate member names and a body that is not an object are
//!   `INVALID_JSON` `JSON is incorrect`.
//! - Amounts in answers are JSON numbers without trailing zeros (`692.4`), dates
//!   `dd-MM-yyyy`, timestamps (`createdOn`, `CreatedOn`, `ChangedOn`) UNIX seconds.
//!
//! # Endpoints
//! ## `GET /rest/listrelations/`
//! `RelationType` (`All`|`Supplier`|`Customer`), `RelationNumber` (customer or supplier
//! number), `RelationName` and `RelationEmail` (whole value, case-insensitive), `RelationVAT`
//! (without country code and without the `B01` suffix; only business relations have one),
//! `RelationGUID` (0 or 1 rows), `SearchOperand` (`AND` default, `OR`; combines Number, Name,
//! Email and VAT), `Limit` (default and maximum 200; a larger value is **clamped**, as the
//! documentation says "will return a maximum of 200"; below 1 is 400), `Offset`, `Sorting`
//! (`createdDate`, `RelationGUID`, `CustomerNumber`, `SupplierNumber`, `Name`) and `SortDir`
//! (`ASC` default, `DESC`, and `DEC` as seen in client code). Without `Sorting` rows come in
//! creation order, which is also ascending `RelationGUID`; sorting on a number puts relations
//! without one (0/null) first, as documented. Archived relations are not listed. Rows:
//! `RelationGUID`, `Name`, `IsCustomer`, `IsSupplier`, `IsOther`, `CustomerNumber` and
//! `SupplierNumber` (null when the relation has none), `Email`, `Phone`,
//! `TaxIdentificationNumber` (without country code), `RegistrationNumber`, `Address_Street`,
//! `Address_Unit`, `Address_UnitAppendix`, `Address_City`, `Address_PostalCode`,
//! `Address_CountryCode`, `Relation_Contact` (`FirstName`, `LastName`, `FamilyName`, `Email`,
//! `Phone`, `Sex` `Man`|`Woman`, `ContactNotes`, `DefaultContact`), `createdOn`.
//! There is no documented `ChangedSince` for relations, so none is offered (the parameter is
//! ignored). A client keeps its relation cache fresh by paging sorted on `RelationGUID` (new
//! relations come last; fetching `SortDir=DESC` pages until a known GUID finds the new ones) and
//! by a full re-list, at the rate limit, for renames and removals.
//!
//! ## `GET /rest/listproducts/`
//! `Category` (whole name, case-insensitive), `ArticleNumber` and `EAN` (exact, 0 or 1 row),
//! `ChangedSince` and `CreatedSince` (UNIX seconds, inclusive: changed at or after), `Limit`
//! (default and maximum 100, clamped), `Offset`, `IncludeArchived` (default false),
//! `IncludeStockPositions`. Rows in creation order: `Name`, `ArticleNumber` (a string, not
//! always numeric), `Category`, `EAN`, `Description` (≤ 400 characters), `StockQty`,
//! `PurchasePrice`, `Price`, `VATPercentage`, `IsArchived`, `CreatedOn`, `ChangedOn`, and with
//! `IncludeStockPositions=true` `Product_StockPosition: [{Warehouse, Shelf, Batch,
//! StockQty}]`. Booleans in a query follow Java's `Boolean.parseBoolean`: `true` in any case,
//! anything else is false.
//!
//! ## `POST /rest/addsalestransaction/` (bookkeeping module)
//! Body as documented: `CustomerNumber**` | `CustomerName**` | `CustomerEmail**`,
//! `InvoiceDate`, `InvoiceNumber`, `InvoiceNotes`, `InvoiceFileUrl`, `InvoiceProject` +
//! `SelectProjectBy`, `Invoice_InvoiceLine*` with `TaxPc**` | `TaxCode**`,
//! `SubTotalInclTax*`, `Description`, `CostCenter`, `LedgerAccountNumber`. Checks, in this
//! order (the first failing one answers):
//! 1. the kind of every known member (see Conventions);
//! 2. the customer: `CustomerNumber` (0 counts as absent) wins and name/e-mail are then not
//!    even read; otherwise `CustomerName` and/or `CustomerEmail` (whole value,
//!    case-insensitive), both must match when both are given, the first match (lowest
//!    `RelationGUID`) wins. Only active relations that are customers match. None given or no
//!    match: 400 `INVALID_PARAMETER` ("Customer with CustomerNumber 5 not found", "No customer
//!    found with CustomerName '...'", "CustomerNumber, CustomerName or CustomerEmail is
//!    required");
//! 3. `InvoiceDate` strictly `dd-MM-yyyy` and a real date (default: today in the
//!    Netherlands), anything else 400;
//! 4. `InvoiceNumber` (a positive Long; 0 counts as absent) unique over all invoices of both
//!    modules: 400 "InvoiceNumber N already exists";
//! 5. `InvoiceFileUrl` must end with `.jpg`, `.png`, `.pdf`, `.doc`, `.docx` or `.gif`
//!    (any case), else 400. The documentation could also be read as "otherwise the file is
//!    not attached"; this stand-in refuses. The file is never downloaded; the URL is recorded;
//! 6. `SelectProjectBy` must be `NAME` or `NUMBER` and is required with `InvoiceProject`;
//!    the project must exist (by number exactly, by name case-insensitively);
//! 7. 1 to 75 lines (0 or 76+: 400);
//! 8. per line: `SubTotalInclTax` required; `TaxCode` (exact, wins over `TaxPc`) must be one
//!    of the administration's codes, `TaxPc` one of its percentages (default 21, 9, 0); one of
//!    them is required; `LedgerAccountNumber` must exist. An unknown `CostCenter` is created.
//!
//! Amounts: each line's `SubTotalInclTax` is rounded to cents, its part excluding VAT is
//! `incl × 100 / (100 + TaxPc)` rounded to cents (half away from zero) and its VAT the
//! difference; invoice totals are the sums of the lines. Answer: `[{InvoiceNumber (own
//! sequence when not given), InvoiceType "BOOKKEEPING", InvoiceDate, InvoiceDueDate (date +
//! the relation's payment term), CustomerNumber, CustomerName, InvoiceNotes,
//! InvoiceReference, PackingSlipNotes, ProjectNumber, ProjectName, InvoiceTotalExclTax,
//! InvoiceTaxAmount, InvoiceTotalInclTax, InvoiceOutstandingAmount, Invoice_Contact,
//! Invoice_Address}]` as in the documentation's example (absent texts are `""`).
//!
//! ## `POST /rest/addsalesinvoice/` (invoicing module)
//! Customer, `InvoiceDate`, `InvoiceNumber`, `InvoiceNotes`, `InvoiceFileUrl` as above, plus
//! `AddAsDraft` (default false), `InvoiceReference` (≤ 150 characters), `InvoiceDiscountPc`
//! (0..=100), `InvoiceDueDays` (0..=3650; default the relation's payment term),
//! `PackingSlipNotes`, `Invoice_Address[]` (`Address_Street`, `Address_Unit`,
//! `Address_UnitAppendix`, `Address_City`, `Address_PostalCode`, `Address_CountryCode` (two
//! letters), `Address_Type` `InvoiceAddress`|`BillingAddress`|`ShippingAddress`; billing is
//! answered as `InvoiceAddress`), `Invoice_Contact[]` (`ContactType` `Invoice`|`PackingSlip`,
//! `FirstName`, `LastName`, `Email`, `Phone`, `Sex`, `DefaultContact`), and an attachment as
//! `FileContent` (base64, standard alphabet) with `FileName` (required with it; its extension
//! one of the six above and matching the content). The content's type is taken from its
//! first bytes (PDF, PNG, JPEG, GIF, Word 97 OLE, or a zip with `word/` entries for .docx);
//! at most 10 MB (10 × 1024 × 1024 bytes) decoded. These two member names are an
//! assumption: the documentation says "a binary string in FileContent (a name is
//! required)". Lines (1..=75): `ProductNumber` (the `ArticleNumber`, exact) or `ProductEAN`
//! of an existing, not archived product (else 400), `Quantity` (required), `UnitPriceExclTax`
//! or `UseArticlePrice: true` (wins; the product's `Price`), `TaxPc` (`-1`: the product's) or
//! `TaxCode`, both optional here (default the product's `VATPercentage`, as client code sends
//! lines without them), `Description` (default the product name), `LedgerAccountNumber`.
//! Amounts: line `Quantity × UnitPriceExclTax` rounded to cents, less `InvoiceDiscountPc`
//! (rounded to cents); VAT per percentage over the sum of its lines, rounded to cents; totals
//! are the per-percentage sums (a line's own VAT in a listing is its rounded share). A final
//! invoice takes the quantities out of stock (`StockQty` and the first stock position, goods
//! only; `ChangedOn` is updated); a draft does not. Answer as above with `InvoiceType`
//! `INVOICE`. Addresses and contacts are not added to the relation.
//!
//! ## `GET /rest/listsalesinvoices/`
//! `InvoiceNumber`, `Limit` (default and maximum 100; 50 with
//! `InlcudeInvoiceLinesInResponse=true` (the documentation's spelling; the correct spelling is
//! ignored, so a client should send both); 15 with `IncludeBase64PDF=true`; clamped),
//! `Offset`, `DateFrom` and `DateTill` (`dd-MM-yyyy`, inclusive; another format is 400).
//! Sorted by invoice number descending, as documented. Lists the invoices of both modules
//! (`InvoiceType` tells them apart) including ten generated older ones (numbers 1001-1010,
//! autumn 2025); new invoices continue the sequence. Rows as the creation answer, plus
//! `Invoice_InvoiceLine` (`Description`, `ProductNumber`, `ProductEAN`, `Quantity`,
//! `UnitPriceExclTax`, `TaxPc`, `TaxCode`, `SubTotalExclTax`, `TaxAmount`, `SubTotalInclTax`,
//! `LedgerAccountNumber`, `CostCenter`) when asked, and `Base64PDF` (a small generated PDF)
//! with `IncludeBase64PDF=true`.
//!
//! # The administration
//! Generated from the seed: `relations` relations (default 1200; about 35 % private persons,
//! 20 % Belgian, mostly customers, some suppliers without a customer number) and `products`
//! products (default 300, goods with stock and EAN, services without). Every data set starts
//! with the same fixed rows: relation "Demo bedrijf" (customer 1, from the documentation's
//! example), two businesses "Jansen Installatietechniek B.V." (customers 2 and 3), two
//! persons "J. de Vries" (4 and 5), "Bakkerij van Dam" and "Van Dam Catering B.V." sharing
//! `administratie@vandamgroep.nl`, two suppliers without customer number and "Klaproos Events"
//! (customer and supplier); products `ARB-UUR`, `KM`, `1001` (stock 12), `KOF-1KG` (9 %,
//! stock 40), `EXP-DOC` (0 %) and `OUD-001` (archived). `Price` is the sale price
//! **excluding** VAT (the documentation breaks off at "The default sale price e…") and
//! `VATPercentage` the product's VAT rate (an assumption, named after `NewVATPercentage` of
//! `addproduct`). Tax codes: `BTW hoog 21%`, `BTW laag 9%`, `BTW 0%` and, when 0 % exists,
//! `Verlegd`, `Export buiten EU`, `ICP levering` (0 %). Ledger accounts 8000, 8010, 8020,
//! 8100, 8150, 8200, 8300, 8900. Projects `1` "Pr-123", `2` "Renovatie kantoor Leusden",
//! `2025-014`, `2025-021`.
//!
//! # Test hooks (no authentication, not rate limited, not logged)
//! - `GET /__sandbox/silvasoft/invoices`: the invoices received, `[{"module":
//!   "bookkeeping"|"invoicing", "invoice_number", "invoice_type", "invoice_date", "draft",
//!   "body" (the JSON received), "raw_body", "received_at", "amounts": {"incl", "excl",
//!   "tax"}, "per_rate": [{"tax_pc", "base", "tax"}], "customer_number", "customer_name",
//!   "relation_guid", "lines": [{"description", "product_number", "product_ean", "quantity",
//!   "unit_price_excl", "tax_pc", "tax_code", "excl", "tax", "incl", "ledger_account",
//!   "cost_center"}], "project", "discount_pc", "file_url", "attachment": {"file_name",
//!   "content_type", "size", "sha256"} | null, "addresses", "contacts"}]`, amounts as decimal
//!   strings.
//! - `GET /__sandbox/silvasoft/attachments/{InvoiceNumber}`: the bytes of a `FileContent`.
//! - `GET`, `POST`, `DELETE /__sandbox/silvasoft/faults`: see [`crate::kit::faults`], plus
//!   `"empty_object_next": N` (the next N POSTs that pass authentication, the rate limit and
//!   the content-type check are answered 200 `{}` and not processed) and `"rate_limit_next": N`
//!   (the next N requests that pass authentication get the rate-limit answer, unprocessed, as
//!   when a window is full, whether or not the limit is enforced). `drop_after_store`, `fail_after_store` and `work_delay_ms` apply
//!   to the two POST endpoints. Silvasoft itself never answers 429; the fault exists for
//!   generic client tests.
//! - `DELETE /__sandbox/silvasoft/ratelimit`: forgets all counted requests.
//! - `GET /__sandbox/silvasoft/stats` → `{"relations", "customers", "suppliers",
//!   "archived_relations", "products", "archived_products", "invoices_received",
//!   "invoices_total", "next_invoice_number", "tax_percentages", "tax_codes",
//!   "ledger_accounts", "projects", "cost_centers", "rate_limit": {"enforced",
//!   "max_per_second", "max_per_minute", "max_per_hour", "last_second", "last_minute",
//!   "last_hour"}, "generation_ms"}`.
//! - `POST /__sandbox/silvasoft/mutate` `{"entity": "relations"|"products", "action":
//!   "create"|"update"|"rename"|"archive"|"unarchive", "id"?: RelationGUID | ArticleNumber,
//!   "count"?: N (create), "name"?: "..." (rename), "fields"?: {API field: value}}` →
//!   `{"entity", "action", "count", "records": [rows as listed, at most 1000]}`. Every change
//!   sets the row's change time to now, so `ChangedSince` finds it.
//! - `GET /__sandbox/log` lists Silvasoft's requests with `"system": "silvasoft"` and
//!   `"rate_limited": true` for those refused by the rate limit.

mod body;
pub mod data;
mod errors;
mod hooks;
pub mod invoices;
pub mod lists;
pub mod ratelimit;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::kit::faults::{self, Counter, Faults};
use crate::kit::hooks::StandIn;
use crate::kit::log::RateLimited;
use crate::kit::server::Shutdown;
use crate::kit::shared::{lock, Shared};
use data::{Admin, Data};
use ratelimit::{Limits, RateLimiter};

/// The path prefix of the stand-in.
pub const PREFIX: &str = "/silvasoft";

/// Large enough for a 10 MB attachment in base64 plus the rest of the invoice.
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Configuration of the Silvasoft stand-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilvasoftConfig {
    pub username: String,
    pub api_key: String,
    /// The same key works for this user, but the answer is that of an expired trial (which
    /// Silvasoft makes look exactly like wrong credentials).
    pub expired_trial_username: String,
    /// Relations (customers mostly, some suppliers).
    pub relations: usize,
    pub products: usize,
    /// The administration's VAT percentages.
    pub tax_percentages: Vec<String>,
    pub max_per_second: u32,
    pub max_per_minute: u32,
    /// The API plan's hourly quota.
    pub max_per_hour: u32,
    pub enforce_rate_limit: bool,
}

impl Default for SilvasoftConfig {
    fn default() -> Self {
        SilvasoftConfig {
            username: "demo@invoicedesk.nl".into(),
            api_key: "demo-silvasoft-key".into(),
            expired_trial_username: "trial@invoicedesk.nl".into(),
            relations: 1200,
            products: 300,
            tax_percentages: vec!["21".into(), "9".into(), "0".into()],
            max_per_second: 2,
            max_per_minute: 50,
            max_per_hour: 100_000,
            enforce_rate_limit: true,
        }
    }
}

/// The state of one Silvasoft administration.
pub struct Silvasoft {
    pub cfg: SilvasoftConfig,
    pub admin: Admin,
    /// The data set (`data.read()`, `data.write()`).
    pub(crate) data: Shared<Data>,
    limiter: Mutex<RateLimiter>,
    attachments: Mutex<HashMap<i64, Bytes>>,
    pub faults: Arc<Faults>,
    /// The next N creates answer `{}` (the `empty_object_next` fault).
    empty_object_next: Counter,
    /// The next N authenticated requests get the rate-limit answer (the `rate_limit_next` fault).
    rate_limit_next: Counter,
    shutdown: Shutdown,
    /// How long generating the data took (0 until it is generated).
    generation_ms: Arc<AtomicU64>,
}

impl Silvasoft {
    /// Generates the administration; `Err` says what is wrong with the configuration.
    pub fn new(cfg: SilvasoftConfig, seed: u64, shutdown: Shutdown) -> Result<Silvasoft, String> {
        if cfg.username.is_empty() || cfg.api_key.is_empty() {
            return Err("the Silvasoft username and API key must not be empty".into());
        }
        if cfg.username == cfg.expired_trial_username {
            return Err("the Silvasoft expired-trial user must differ from the user".into());
        }
        let admin = Admin::new(&cfg)?;
        // Generated at the first request that needs it.
        let generation_ms = Arc::new(AtomicU64::new(0));
        let data = {
            let (cfg, admin, took) = (cfg.clone(), admin.clone(), generation_ms.clone());
            Shared::lazy(move || {
                let started = Instant::now();
                let data = Data::generate(&cfg, &admin, seed);
                took.store(started.elapsed().as_millis() as u64, Ordering::Relaxed);
                data
            })
        };
        Ok(Silvasoft {
            cfg,
            admin,
            data,
            limiter: Mutex::new(RateLimiter::default()),
            attachments: Mutex::new(HashMap::new()),
            faults: Arc::new(Faults::new(seed ^ 0x5117_A50F)),
            empty_object_next: Counter::default(),
            rate_limit_next: Counter::default(),
            shutdown,
            generation_ms,
        })
    }

    fn limiter(&self) -> MutexGuard<'_, RateLimiter> {
        lock(&self.limiter)
    }

    fn attachments(&self) -> MutexGuard<'_, HashMap<i64, Bytes>> {
        lock(&self.attachments)
    }

    /// Takes one "answer `{}`" token, if any is left.
    fn take_empty_object(&self) -> bool {
        self.empty_object_next.take()
    }

    /// Takes one "answer as if the rate limit were reached" token, if any is left.
    fn take_rate_limit(&self) -> bool {
        self.rate_limit_next.take()
    }

    /// Waits the `work_delay_ms` fault, if any (cut short when the sandbox stops).
    async fn work_delay(&self) {
        faults::work_delay(&self.faults, &self.shutdown).await;
    }

    /// The user a request is admitted as; `None` for wrong credentials and the expired trial.
    fn authenticate(&self, user: Option<&str>, key: Option<&str>) -> Option<String> {
        match (user, key) {
            (Some(u), Some(k)) if u == self.cfg.username && k == self.cfg.api_key => {
                Some(u.to_string())
            }
            _ => None,
        }
    }

    fn limits(&self) -> Limits {
        Limits {
            per_second: self.cfg.max_per_second,
            per_minute: self.cfg.max_per_minute,
            per_hour: self.cfg.max_per_hour,
        }
    }
}

impl StandIn for Silvasoft {
    const NAME: &'static str = "silvasoft";

    fn faults(&self) -> &Arc<Faults> {
        &self.faults
    }

    fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }

    fn counters(&self) -> Vec<(&'static str, &Counter)> {
        vec![
            ("empty_object_next", &self.empty_object_next),
            ("rate_limit_next", &self.rate_limit_next),
        ]
    }
}

/// Authentication, then the rate limit, in front of every endpoint.
async fn guard(State(s): State<Arc<Silvasoft>>, req: Request, next: Next) -> Response {
    let user = {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        s.authenticate(header("username"), header("apikey"))
    };
    let Some(user) = user else {
        return errors::unauthorized();
    };
    let admitted = !s.take_rate_limit()
        && (!s.cfg.enforce_rate_limit || {
            let mut limiter = s.limiter();
            limiter.admit(&user, Instant::now(), s.limits()).is_ok()
        });
    if !admitted {
        let mut resp = errors::rate_limited();
        resp.extensions_mut().insert(RateLimited);
        return resp;
    }
    next.run(req).await
}

/// Is this path the stand-in's (for the request log).
pub fn owns_path(path: &str) -> bool {
    crate::kit::server::is_under(PREFIX, path)
}

/// The routes of the stand-in (under `/silvasoft`) and of its hooks.
pub fn router(s: Arc<Silvasoft>) -> Router {
    let mut api = Router::new();
    for path in ["/rest/listrelations", "/rest/listrelations/"] {
        api = api.route(path, get(lists::list_relations));
    }
    for path in ["/rest/listproducts", "/rest/listproducts/"] {
        api = api.route(path, get(lists::list_products));
    }
    for path in ["/rest/listsalesinvoices", "/rest/listsalesinvoices/"] {
        api = api.route(path, get(lists::list_sales_invoices));
    }
    for path in ["/rest/addsalestransaction", "/rest/addsalestransaction/"] {
        api = api.route(path, post(invoices::add_sales_transaction));
    }
    for path in ["/rest/addsalesinvoice", "/rest/addsalesinvoice/"] {
        api = api.route(path, post(invoices::add_sales_invoice));
    }
    let api = api
        .route_layer(middleware::from_fn_with_state(s.clone(), guard))
        .fallback(|| async { errors::not_found() })
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    let api = faults::mount(api, &s.faults, errors::injected, &s.shutdown).with_state(s.clone());
    Router::new().nest(PREFIX, api).merge(hooks::router(s))
}
