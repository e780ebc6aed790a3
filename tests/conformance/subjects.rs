//! The systems under test: one [`Subject`] per connector (and per mode that behaves
//! differently). Listed, one line each, at the top of `conformance.rs`.

use super::kit::*;
use invoice_desk_backends::http::Http;
use invoice_desk_backends::ratelimit::RateLimits;
use invoice_desk_backends::{
    AfasAuth, AfasClient, AfasConfig, BloxsClient, BloxsConfig, BouwsoftClient, BouwsoftConfig,
    MollieAuth, MollieClient, MollieConfig, Secret, SilvasoftClient, SilvasoftConfig,
    SilvasoftModule,
};
use invoice_desk_core::backend::{
    Backend, Capabilities, InvoiceWriter, Lookup, Progress, Receipt, RelationKind, Upload,
};
use invoice_desk_core::error::FieldIssue;
use invoice_desk_core::i18n::Text;
use invoice_desk_core::invoice::{Draft, OutgoingInvoice};
use invoice_desk_core::lists::Recipient;
use invoice_desk_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

fn count(stats: &Value, key: &str) -> usize {
    stats[key]
        .as_u64()
        .unwrap_or_else(|| panic!("stats without {key}: {stats}")) as usize
}

// ---- AFAS SB ----------------------------------------------------------------------------------

/// AFAS SB with an app token (the sandbox's default).
pub struct AfasSb;

const AFAS_APP_TOKEN: &str = "demo-app-token";

impl Subject for AfasSb {
    fn hooks(&self) -> &'static str {
        "afas"
    }

    fn configure(&self, c: &mut SandboxConfig) {
        // Persons and organisations take two pages each, products two per administration.
        c.afas.persons = 40;
        c.afas.organisations = 30;
        c.afas.products = 30;
        c.afas.administrations = 2;
    }

    fn client(&self, sandbox: &Sandbox, credentials: Credentials) -> Arc<dyn Backend> {
        let token = match credentials {
            Credentials::Good => AFAS_APP_TOKEN,
            Credentials::Bad => WRONG_SECRET,
        };
        let http = Http::with_timeouts("AFAS SB", CONNECT_TIMEOUT, REQUEST_TIMEOUT).expect("http");
        let client = AfasClient::with_http(
            AfasConfig {
                base_url: sandbox.afas_base_url(),
                auth: AfasAuth::AppToken(Secret::new(token)),
            },
            http,
        )
        .expect("client");
        Arc::new(client.with_page_size(PAGE))
    }

    fn read_path(&self) -> &'static str {
        "/api/persons"
    }

    fn create_path(&self) -> &'static str {
        // `POST` only: the number is read afterwards from `/api/salesinvoices`.
        "/api/salesinvoice"
    }

    fn tokens(&self) -> Tokens {
        Tokens::Renewable {
            token_path: "/authentication/getaccesstoken",
            expire: json!({"expire_tokens": true}),
        }
    }

    fn rate_limit_answer(&self) -> Value {
        // AFAS SB's answer to too many requests is an HTTP 429 with Retry-After.
        self.fault_body(Fault::ReadTooMany {
            retry_after_secs: 2,
        })
    }

    fn draft(&self, caps: &Capabilities, catalogue: &Catalogue, n: u32) -> Draft {
        let relation = catalogue.relation(|r| r.kind == RelationKind::Organisation);
        one_line_draft(caps, catalogue, relation, Some(catalogue.product()), n)
    }

    fn remote_id(&self, stored: &Value) -> String {
        stored["id"].as_str().expect("an invoice id").to_string()
    }

    fn expected_counts(&self, stats: &Value) -> (usize, usize) {
        // Every person, organisation and unknown relation is listed (archived ones marked so).
        let relations = count(stats, "persons")
            + count(stats, "organisations")
            + count(stats, "unknownrelations");
        (relations, count(stats, "products_per_admin"))
    }
}

// ---- Silvasoft --------------------------------------------------------------------------------

/// Silvasoft in one module, numbered by the app (from `first_invoice_number`) or by Silvasoft.
pub struct Silvasoft {
    pub module: SilvasoftModule,
    pub first_invoice_number: Option<u64>,
}

const SILVASOFT_USER: &str = "demo@invoicedesk.nl";
const SILVASOFT_KEY: &str = "demo-silvasoft-key";

impl Silvasoft {
    pub fn bookkeeping() -> Silvasoft {
        Silvasoft {
            module: SilvasoftModule::Bookkeeping,
            first_invoice_number: None,
        }
    }

    pub fn invoicing_app_numbers() -> Silvasoft {
        Silvasoft {
            module: SilvasoftModule::Invoicing,
            first_invoice_number: Some(7_000_001),
        }
    }

    pub fn invoicing() -> Silvasoft {
        Silvasoft {
            module: SilvasoftModule::Invoicing,
            first_invoice_number: None,
        }
    }
}

impl Subject for Silvasoft {
    fn hooks(&self) -> &'static str {
        "silvasoft"
    }

    fn configure(&self, c: &mut SandboxConfig) {
        // Silvasoft's pace (2 per second, 50 per minute) is tested in
        // `crates/backends/tests/silvasoft.rs`; here it would only make the suite slow.
        c.silvasoft.enforce_rate_limit = false;
        c.silvasoft.relations = 120;
        c.silvasoft.products = 60;
    }

    fn client(&self, sandbox: &Sandbox, credentials: Credentials) -> Arc<dyn Backend> {
        let key = match credentials {
            Credentials::Good => SILVASOFT_KEY,
            Credentials::Bad => WRONG_SECRET,
        };
        let http =
            Http::with_timeouts("Silvasoft", CONNECT_TIMEOUT, REQUEST_TIMEOUT).expect("http");
        let client = SilvasoftClient::with_http(
            SilvasoftConfig {
                base_url: sandbox.silvasoft_base_url(),
                username: SILVASOFT_USER.into(),
                api_key: Secret::new(key),
                module: self.module,
                first_invoice_number: self.first_invoice_number,
                ..SilvasoftConfig::default()
            },
            http,
        )
        .expect("client");
        Arc::new(
            client
                .with_page_size(PAGE)
                .with_rate_limits(RateLimits::unlimited()),
        )
    }

    fn read_path(&self) -> &'static str {
        "/rest/listrelations"
    }

    fn create_path(&self) -> &'static str {
        match self.module {
            SilvasoftModule::Bookkeeping => "/rest/addsalestransaction",
            SilvasoftModule::Invoicing => "/rest/addsalesinvoice",
        }
    }

    fn tokens(&self) -> Tokens {
        Tokens::None {
            because:
                "Silvasoft has no tokens: every request carries the Username and ApiKey headers",
        }
    }

    fn rate_limit_answer(&self) -> Value {
        // Silvasoft's own: 401 {"errorCode": "UNAUTHORIZED", "errorMessage": "Ratelimit exceeded"}.
        json!({"rate_limit_next": 1})
    }

    fn draft(&self, caps: &Capabilities, catalogue: &Catalogue, n: u32) -> Draft {
        let relation = catalogue.relation(|r| r.number.is_some());
        let product = match self.module {
            SilvasoftModule::Bookkeeping => None,
            SilvasoftModule::Invoicing => Some(catalogue.product()),
        };
        one_line_draft(caps, catalogue, relation, product, n)
    }

    fn remote_id(&self, stored: &Value) -> String {
        stored["invoice_number"].to_string()
    }

    fn expected_counts(&self, stats: &Value) -> (usize, usize) {
        // The relation list asks for customers; archived relations and products are not listed.
        (count(stats, "customers"), count(stats, "products"))
    }
}

// ---- Bloxs ------------------------------------------------------------------------------------

/// Bloxs with the stand-in's API key and secret.
pub struct Bloxs;

const BLOXS_KEY: &str = "demo-bloxs-key";
const BLOXS_SECRET: &str = "demo-bloxs-secret";

impl Subject for Bloxs {
    fn hooks(&self) -> &'static str {
        "bloxs"
    }

    fn configure(&self, c: &mut SandboxConfig) {
        // Persons and organisations take two pages each.
        c.bloxs.persons = 40;
        c.bloxs.organisations = 30;
        c.bloxs.contracts = 20;
    }

    fn client(&self, sandbox: &Sandbox, credentials: Credentials) -> Arc<dyn Backend> {
        let secret = match credentials {
            Credentials::Good => BLOXS_SECRET,
            Credentials::Bad => WRONG_SECRET,
        };
        let http = Http::with_timeouts("Bloxs", CONNECT_TIMEOUT, REQUEST_TIMEOUT).expect("http");
        let client = BloxsClient::with_http(
            BloxsConfig {
                base_url: sandbox.bloxs_base_url(),
                api_key: Secret::new(BLOXS_KEY),
                api_secret: Secret::new(secret),
            },
            http,
        )
        .expect("client");
        Arc::new(client.with_page_size(PAGE as u32))
    }

    fn read_path(&self) -> &'static str {
        "/api/v1/relations/persons/filter"
    }

    fn create_path(&self) -> &'static str {
        "/api/v1/invoices/salesinvoiceservices"
    }

    fn tokens(&self) -> Tokens {
        Tokens::Renewable {
            token_path: "/Authorization",
            expire: json!({"expire_tokens": true}),
        }
    }

    fn rate_limit_answer(&self) -> Value {
        // Bloxs documents no rate limit; an HTTP 429 with Retry-After is what it would send.
        self.fault_body(Fault::ReadTooMany {
            retry_after_secs: 2,
        })
    }

    fn product_paging(&self) -> Paging {
        Paging::Single {
            because: "Bloxs lists its service items in one answer, without paging",
        }
    }

    fn fault_body(&self, fault: Fault) -> Value {
        // Bloxs reads its lists with POST …/filter.
        let read = self.read_path();
        match fault {
            Fault::ReadStatus(status) => {
                json!({"fail_next": 1, "status": status, "method": "POST", "path_contains": read})
            }
            Fault::ReadTooMany { retry_after_secs } => json!({
                "fail_next": 1, "status": 429, "retry_after_secs": retry_after_secs,
                "method": "POST", "path_contains": read
            }),
            Fault::CreateStatus(status) => json!({
                "fail_next": 1, "status": status, "method": "POST",
                "path_contains": self.create_path()
            }),
            Fault::CreateTooMany { retry_after_secs } => json!({
                "fail_next": 1, "status": 429, "retry_after_secs": retry_after_secs,
                "method": "POST", "path_contains": self.create_path()
            }),
            Fault::DropAfterStore => json!({"drop_after_store": 1}),
            Fault::StoreThen(status) => {
                json!({"fail_after_store": 1, "after_store_status": status})
            }
        }
    }

    fn draft(&self, caps: &Capabilities, catalogue: &Catalogue, n: u32) -> Draft {
        let relation = catalogue.relation(|_| true);
        let mut d = one_line_draft(caps, catalogue, relation, Some(catalogue.product()), n);
        d.extra.insert("payment_method".into(), "2".into());
        d
    }

    fn remote_id(&self, stored: &Value) -> String {
        stored["reference"]
            .as_str()
            .expect("a reference")
            .to_string()
    }

    fn expected_counts(&self, stats: &Value) -> (usize, usize) {
        // Every person and organisation is listed (inactive ones archived); every service item.
        let relations = count(stats, "persons")
            + count(stats, "organisations")
            + count(stats, "inactive_persons")
            + count(stats, "inactive_organisations");
        (relations, count(stats, "service_items"))
    }
}

// ---- Mollie -----------------------------------------------------------------------------------

/// Mollie with the stand-in's test API key. Its recipients are the app's own address book.
pub struct Mollie;

const MOLLIE_KEY: &str = "test_demoMollieKey0000000000000000";

/// The one recipient of the Mollie cases, as a clerk keeps it in the address book.
fn mollie_recipient() -> Recipient {
    use invoice_desk_backends::mollie::{
        R_CITY, R_COUNTRY, R_EMAIL, R_LOCALE, R_POSTAL_CODE, R_STREET, R_VAT,
    };
    let values: BTreeMap<String, String> = [
        (R_VAT, "NL123456789B01"),
        (R_EMAIL, "factuur@degoudenkrakeling.nl"),
        (R_STREET, "Keizersgracht 1"),
        (R_POSTAL_CODE, "1015 CW"),
        (R_CITY, "Amsterdam"),
        (R_COUNTRY, "NL"),
        (R_LOCALE, "nl_NL"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Recipient {
        id: "3b1d0c7e-6a0f-4a53-9a2b-1f3c2d4e5f60".into(),
        kind: RelationKind::Organisation,
        name: "Bakkerij De Gouden Krakeling".into(),
        number: None,
        email: values.get(R_EMAIL).cloned(),
        city: values.get(R_CITY).cloned(),
        vat_number: values.get(R_VAT).cloned(),
        values,
        created_at: "2026-11-20T09:00:00Z".into(),
        updated_at: "2026-11-20T09:00:00Z".into(),
        archived: false,
    }
}

impl Subject for Mollie {
    fn hooks(&self) -> &'static str {
        "mollie"
    }

    fn configure(&self, c: &mut SandboxConfig) {
        c.mollie.invoices_per_profile = 30;
    }

    fn client(&self, sandbox: &Sandbox, credentials: Credentials) -> Arc<dyn Backend> {
        let key = match credentials {
            Credentials::Good => MOLLIE_KEY.to_string(),
            // A key in the right shape that Mollie does not know.
            Credentials::Bad => format!("test_{WRONG_SECRET}"),
        };
        let http = Http::with_timeouts("Mollie", CONNECT_TIMEOUT, REQUEST_TIMEOUT).expect("http");
        let client = MollieClient::with_http(
            MollieConfig {
                base_url: sandbox.mollie_base_url(),
                auth: MollieAuth::ApiKey(Secret::new(key)),
            },
            http,
        )
        .expect("client");
        Arc::new(WithRecipient {
            inner: client.with_page_size(PAGE as u32),
            recipient: mollie_recipient(),
        })
    }

    fn read_path(&self) -> &'static str {
        "/mollie/v2/sales-invoices"
    }

    fn create_path(&self) -> &'static str {
        "/mollie/v2/sales-invoices"
    }

    fn tokens(&self) -> Tokens {
        Tokens::None {
            because: "Mollie takes the API key itself on every request",
        }
    }

    fn rate_limit_answer(&self) -> Value {
        // Mollie's own answer: 429 with Retry-After.
        self.fault_body(Fault::ReadTooMany {
            retry_after_secs: 2,
        })
    }

    fn product_paging(&self) -> Paging {
        Paging::Single {
            because: "Mollie keeps no product catalogue: one empty list",
        }
    }

    fn recipients(&self) -> Vec<Recipient> {
        vec![mollie_recipient()]
    }

    fn draft(&self, caps: &Capabilities, catalogue: &Catalogue, n: u32) -> Draft {
        one_line_draft(caps, catalogue, mollie_recipient().as_relation(), None, n)
    }

    fn remote_id(&self, stored: &Value) -> String {
        stored["id"].as_str().expect("an id").to_string()
    }

    fn expected_counts(&self, _stats: &Value) -> (usize, usize) {
        // No relations to list (the address book is the app's) and no products.
        (0, 0)
    }
}

/// The Mollie client with the recipient on every invoice it sends, as the desk fixes it when
/// it queues the invoice (a no-op where the desk already did).
struct WithRecipient {
    inner: MollieClient,
    recipient: Recipient,
}

#[async_trait::async_trait]
impl Backend for WithRecipient {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn test_connection(&self) -> invoice_desk_core::error::Result<Text> {
        self.inner.test_connection().await
    }
    async fn administrations(
        &self,
    ) -> invoice_desk_core::error::Result<Vec<invoice_desk_core::backend::Administration>> {
        self.inner.administrations().await
    }
    fn writer(&self) -> Option<&dyn InvoiceWriter> {
        Some(self)
    }
    fn reader(&self) -> Option<&dyn invoice_desk_core::backend::InvoiceReader> {
        self.inner.reader()
    }
    fn lookups(&self) -> Option<&dyn invoice_desk_core::backend::LookupSource> {
        self.inner.lookups()
    }
}

#[async_trait::async_trait]
impl InvoiceWriter for WithRecipient {
    fn precheck(&self, draft: &Draft, caps: &Capabilities) -> Vec<FieldIssue> {
        self.inner.precheck(draft, caps)
    }
    async fn upload_attachment(
        &self,
        administration: &str,
        upload: &Upload,
        progress: Progress<'_>,
    ) -> invoice_desk_core::error::Result<String> {
        self.inner
            .upload_attachment(administration, upload, progress)
            .await
    }
    async fn submit(&self, invoice: &OutgoingInvoice) -> invoice_desk_core::error::Result<Receipt> {
        let mut invoice = invoice.clone();
        if invoice.recipient.is_none() {
            invoice.recipient = Some(self.recipient.clone());
        }
        self.inner.submit(&invoice).await
    }
    async fn lookup(&self, invoice: &OutgoingInvoice) -> invoice_desk_core::error::Result<Lookup> {
        self.inner.lookup(invoice).await
    }
}

/// Visma Bouwsoft, read-only: signed in with the client number and the refresh token; read
/// through its sales invoice list.
pub struct Bouwsoft;

impl Subject for Bouwsoft {
    fn hooks(&self) -> &'static str {
        "bouwsoft"
    }

    fn configure(&self, c: &mut SandboxConfig) {
        c.bouwsoft.invoices = (3 * PAGE) as usize;
    }

    fn client(&self, sandbox: &Sandbox, credentials: Credentials) -> Arc<dyn Backend> {
        let refresh = match credentials {
            Credentials::Good => invoice_desk_sandbox::bouwsoft::DEMO_REFRESH_TOKEN.to_string(),
            Credentials::Bad => WRONG_SECRET.to_string(),
        };
        let http =
            Http::with_timeouts("Visma Bouwsoft", CONNECT_TIMEOUT, REQUEST_TIMEOUT).expect("http");
        let client = BouwsoftClient::with_http(
            BouwsoftConfig {
                auth_url: sandbox.bouwsoft_base_url(),
                client_nr: invoice_desk_sandbox::bouwsoft::DEMO_CLIENT_NR.into(),
                refresh_token: Secret::new(refresh),
            },
            http,
        )
        .expect("client");
        Arc::new(client.with_page_size(PAGE as u32))
    }

    fn read_path(&self) -> &'static str {
        "/api/v1/salesinvoices"
    }

    fn create_path(&self) -> &'static str {
        // Read-only: nothing is created (the sending cases are skipped by the capabilities).
        "/api/v1/salesinvoices"
    }

    fn tokens(&self) -> Tokens {
        Tokens::Renewable {
            token_path: "/bouwsoft/api/v1/Authorize/AccessToken",
            expire: json!({"expire_tokens": true}),
        }
    }

    fn rate_limit_answer(&self) -> Value {
        // No rate limit is documented; a 429 with Retry-After as any server may send it.
        self.fault_body(Fault::ReadTooMany {
            retry_after_secs: 2,
        })
    }

    fn product_paging(&self) -> Paging {
        Paging::Single {
            because: "Visma Bouwsoft is read-only here: no look-up lists",
        }
    }

    fn draft(&self, _caps: &Capabilities, _catalogue: &Catalogue, _n: u32) -> Draft {
        panic!("Visma Bouwsoft is read-only: no draft is sent to it")
    }

    fn remote_id(&self, stored: &Value) -> String {
        stored["id"].to_string()
    }

    fn expected_counts(&self, _stats: &Value) -> (usize, usize) {
        (0, 0)
    }
}
