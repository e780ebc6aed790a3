//! What the conformance cases need from a system: the [`Subject`] trait a system implements
//! once, and the running stand-in ([`Env`]) and outbox ([`Desk`]) the cases drive.

use invoice_desk_core::backend::{Backend, Capabilities, Product, Relation, SyncPage};
use invoice_desk_core::error::{Error, ErrorCode};
use invoice_desk_core::invoice::{to_outgoing, Draft, OutgoingInvoice};
use invoice_desk_core::lists::Recipient;
use invoice_desk_core::reader::InvoiceQuery;
use invoice_desk_core::store::{OutboxEntry, Store};
use invoice_desk_core::submit::{self, Outcome, RetryPolicy, APP_ASSIGNED_NUMBER};
use invoice_desk_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// Rows per page every subject's client asks for: small, so that paging is exercised.
pub const PAGE: u64 = 25;
/// The secret every subject's client gets with [`Credentials::Bad`]; it must never show up in
/// an error.
pub const WRONG_SECRET: &str = "conformance-wrong-secret";
/// Short timeouts for every subject's HTTP layer: nothing in the suite waits on a hang.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The invoice date of every draft.
pub const ISSUE_DATE: (i32, u32, u32) = (2026, 11, 20);

pub enum Credentials {
    /// What the stand-in accepts.
    Good,
    /// [`WRONG_SECRET`] in place of the secret (key, app token, …).
    Bad,
}

/// Whether the system signs in with tokens that expire.
pub enum Tokens {
    /// Access tokens that the client renews. `token_path` ends the path of the token
    /// endpoint (to count renewals in the stand-in's log); `expire` is the body for the
    /// stand-in's fault hook that makes every token issued so far stop working.
    Renewable {
        token_path: &'static str,
        expire: Value,
    },
    /// No tokens: every request carries its credentials. The renewal case is skipped and says
    /// why.
    None { because: &'static str },
}

/// How a list comes from the system.
pub enum Paging {
    /// In pages of [`PAGE`] rows.
    Pages,
    /// In one answer, without paging; `because` says where that is documented.
    Single { because: &'static str },
}

/// A fault to arm at the stand-in, for the next matching request.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// The next read of the relation list is answered `status`, unprocessed.
    ReadStatus(u16),
    /// The next read of the relation list is answered 429 with `Retry-After`.
    ReadTooMany { retry_after_secs: u64 },
    /// The next create is answered `status`, unprocessed.
    CreateStatus(u16),
    /// The next create is answered 429 with `Retry-After`, unprocessed.
    CreateTooMany { retry_after_secs: u64 },
    /// The next create is stored, then the connection is cut before the answer.
    DropAfterStore,
    /// The next create is stored, then answered `status` (500, 502 or 504).
    StoreThen(u16),
}

/// One system and its stand-in, as the conformance suite drives them. Implemented once per
/// system (and per mode of a system that behaves differently, such as Silvasoft's numbering);
/// every case then runs for it.
pub trait Subject: Send + Sync {
    /// The stand-in's name in its hooks and in the request log: `/__sandbox/<hooks>/faults`,
    /// `…/invoices`, `…/stats`, log entries with `"system": "<hooks>"`.
    fn hooks(&self) -> &'static str;

    /// Sets up the sandbox for this system: data small enough to be quick and large enough for
    /// more than one page of [`PAGE`] rows of relations and of products; no pacing the suite
    /// would wait for (a rate limit is provoked by [`Subject::rate_limit_answer`]).
    fn configure(&self, config: &mut SandboxConfig);

    /// The client against the running stand-in: [`PAGE`] rows per page, [`CONNECT_TIMEOUT`]
    /// and [`REQUEST_TIMEOUT`], no pacing of its own.
    fn client(&self, sandbox: &Sandbox, credentials: Credentials) -> Arc<dyn Backend>;

    /// A lower-case piece of the path of the first relation page (where read faults go).
    fn read_path(&self) -> &'static str;

    /// A lower-case piece of the path the invoice is created with, by `POST` (where create
    /// faults go).
    fn create_path(&self) -> &'static str;

    fn tokens(&self) -> Tokens;

    /// The body for the stand-in's fault hook that makes it give the system's own answer for
    /// "too many requests" to the next request (Silvasoft: a 401 "Ratelimit exceeded").
    fn rate_limit_answer(&self) -> Value;

    /// A draft the system accepts, from what its client lists. `n` makes the content (the
    /// amount) differ from the other drafts of a case, so a look-up by content is never
    /// ambiguous.
    fn draft(&self, caps: &Capabilities, catalogue: &Catalogue, n: u32) -> Draft;

    /// The remote id (as a `Receipt` carries it) of one row of `/__sandbox/<hooks>/invoices`.
    fn remote_id(&self, stored: &Value) -> String;

    /// The relations and products the client must list, counted from
    /// `/__sandbox/<hooks>/stats` (products of the first administration, if there are any).
    fn expected_counts(&self, stats: &Value) -> (usize, usize);

    /// Whether the system lists its products in pages (the default) or in one answer without
    /// paging (Bloxs's service items): then the paging case for products checks one complete
    /// page and says why.
    fn product_paging(&self) -> Paging {
        Paging::Pages
    }

    /// The fault hook's body for `fault`; the default speaks [`invoice_desk_sandbox::kit::faults`].
    /// The recipients of a system whose relations are the app's own address book
    /// (`relations: local`): kept in the desk's store before anything is sent, as a clerk
    /// adds them. Empty for relations synced from the system.
    fn recipients(&self) -> Vec<Recipient> {
        Vec::new()
    }

    fn fault_body(&self, fault: Fault) -> Value {
        let read = self.read_path();
        let create = self.create_path();
        match fault {
            Fault::ReadStatus(status) => {
                json!({"fail_next": 1, "status": status, "method": "GET", "path_contains": read})
            }
            Fault::ReadTooMany { retry_after_secs } => json!({
                "fail_next": 1, "status": 429, "retry_after_secs": retry_after_secs,
                "method": "GET", "path_contains": read
            }),
            Fault::CreateStatus(status) => json!({
                "fail_next": 1, "status": status, "method": "POST", "path_contains": create
            }),
            Fault::CreateTooMany { retry_after_secs } => json!({
                "fail_next": 1, "status": 429, "retry_after_secs": retry_after_secs,
                "method": "POST", "path_contains": create
            }),
            Fault::DropAfterStore => json!({"drop_after_store": 1}),
            Fault::StoreThen(status) => {
                json!({"fail_after_store": 1, "after_store_status": status})
            }
        }
    }
}

// ---- the running stand-in ---------------------------------------------------------------------

/// A sandbox started for one subject, and its hooks.
pub struct Env {
    pub sandbox: Sandbox,
    hooks: &'static str,
    web: reqwest::Client,
}

/// The other stand-ins of the sandbox, as small as they can be.
fn tiny() -> SandboxConfig {
    let mut c = SandboxConfig::default();
    c.afas.persons = 5;
    c.afas.organisations = 5;
    c.afas.products = 5;
    c.afas.administrations = 1;
    c.silvasoft.relations = 20;
    c.silvasoft.products = 20;
    c.silvasoft.enforce_rate_limit = false;
    c.mollie.invoices_per_profile = 3;
    c
}

impl Env {
    pub async fn start(subject: &dyn Subject) -> Env {
        let mut config = tiny();
        subject.configure(&mut config);
        let sandbox = Sandbox::start("127.0.0.1:0".parse().expect("an address"), config)
            .await
            .expect("the sandbox starts");
        Env {
            sandbox,
            hooks: subject.hooks(),
            web: reqwest::Client::new(),
        }
    }

    fn hook_url(&self, what: &str) -> String {
        format!(
            "{}/__sandbox/{}/{what}",
            self.sandbox.base_url(),
            self.hooks
        )
    }

    async fn get(&self, url: &str) -> Value {
        let r = self.web.get(url).send().await.expect("the hook answers");
        assert!(r.status().is_success(), "GET {url}: {}", r.status());
        r.json().await.expect("the hook answers JSON")
    }

    /// Arms a fault for the next matching request.
    pub async fn arm(&self, subject: &dyn Subject, fault: Fault) {
        self.post_faults(subject.fault_body(fault)).await;
    }

    /// Sends a body to the stand-in's fault hook.
    pub async fn post_faults(&self, body: Value) {
        let url = self.hook_url("faults");
        let r = self
            .web
            .post(&url)
            .json(&body)
            .send()
            .await
            .expect("the hook answers");
        let status = r.status();
        let answer = r.text().await.unwrap_or_default();
        assert!(status.is_success(), "POST {url} {body}: {status} {answer}");
    }

    /// Asserts that every armed one-shot fault was used: a case that never hit its fault
    /// proves nothing.
    pub async fn assert_faults_spent(&self) {
        let settings = self.get(&self.hook_url("faults")).await;
        let Value::Object(m) = &settings else {
            panic!("fault settings are not an object: {settings}");
        };
        for (k, v) in m {
            let counter = k.ends_with("_next") || k.ends_with("_after_store");
            if counter {
                assert_eq!(
                    v.as_u64(),
                    Some(0),
                    "fault {k} armed but not used: {settings}"
                );
            }
        }
    }

    pub async fn stats(&self) -> Value {
        self.get(&self.hook_url("stats")).await
    }

    /// The remote ids of the invoices the stand-in stored.
    pub async fn stored(&self, subject: &dyn Subject) -> Vec<String> {
        let rows = self.get(&self.hook_url("invoices")).await;
        rows.as_array()
            .expect("the invoices hook answers a list")
            .iter()
            .map(|r| subject.remote_id(r))
            .collect()
    }

    /// This system's entries of the request log, oldest first.
    pub async fn log(&self) -> Vec<Value> {
        let url = format!("{}/__sandbox/log", self.sandbox.base_url());
        self.get(&url)
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e["system"] == self.hooks)
            .collect()
    }
}

/// Whether a log entry is a request with `method` to a path containing `fragment`.
pub fn is_request(entry: &Value, method: &str, fragment: &str) -> bool {
    entry["method"] == method
        && entry["path"]
            .as_str()
            .is_some_and(|p| p.to_ascii_lowercase().contains(fragment))
}

// ---- what the client lists --------------------------------------------------------------------

/// Every page of relations, from the start to the page that says `done`.
pub async fn relation_pages(client: &dyn Backend, scope: &str) -> Vec<SyncPage<Relation>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let page = lookups(client)
            .sync_relations(scope, cursor.as_deref())
            .await
            .unwrap_or_else(|e| panic!("relation page {}: {e:?}", pages.len()));
        cursor = Some(page.cursor.clone());
        let done = page.done;
        pages.push(page);
        if done {
            return pages;
        }
    }
    panic!("the relation list does not end");
}

/// Every page of products, from the start to the page that says `done`.
pub async fn product_pages(client: &dyn Backend, scope: &str) -> Vec<SyncPage<Product>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let page = lookups(client)
            .sync_products(scope, cursor.as_deref())
            .await
            .unwrap_or_else(|e| panic!("product page {}: {e:?}", pages.len()));
        cursor = Some(page.cursor.clone());
        let done = page.done;
        pages.push(page);
        if done {
            return pages;
        }
    }
    panic!("the product list does not end");
}

/// The scopes core syncs under: (administration, relation scope, product scope).
pub async fn scopes(client: &dyn Backend) -> (String, String, String) {
    let caps = client.capabilities();
    let admin = client
        .administrations()
        .await
        .expect("administrations")
        .first()
        .map(|a| a.id.clone())
        .unwrap_or_default();
    let relations = caps.relation_scope(Some(&admin)).unwrap_or("").to_string();
    let products = caps.product_scope(Some(&admin)).unwrap_or("").to_string();
    (admin, relations, products)
}

/// What a draft is made from: the first administration (or ""), and everything the client
/// lists.
pub struct Catalogue {
    pub administration: String,
    pub relations: Vec<Relation>,
    pub products: Vec<Product>,
}

impl Catalogue {
    pub async fn load(client: &dyn Backend) -> Catalogue {
        let (administration, relation_scope, product_scope) = scopes(client).await;
        let relations = relation_pages(client, &relation_scope)
            .await
            .into_iter()
            .flat_map(|p| p.items)
            .collect();
        let products = product_pages(client, &product_scope)
            .await
            .into_iter()
            .flat_map(|p| p.items)
            .collect();
        Catalogue {
            administration,
            relations,
            products,
        }
    }

    /// The first relation that is not archived and passes `filter`.
    pub fn relation(&self, filter: impl Fn(&Relation) -> bool) -> Relation {
        self.relations
            .iter()
            .find(|r| !r.archived && filter(r))
            .cloned()
            .expect("a usable relation")
    }

    /// The first product that is not archived, has a price and a VAT code.
    pub fn product(&self) -> Product {
        self.products
            .iter()
            .find(|p| !p.archived && p.price_excl.is_some() && p.vat_code.is_some())
            .cloned()
            .expect("a usable product")
    }
}

/// A draft with one line: `relation`, the product when given, quantity 1 and a unit price of
/// 100 + n on the system's default price basis.
pub fn one_line_draft(
    caps: &Capabilities,
    catalogue: &Catalogue,
    relation: Relation,
    product: Option<Product>,
    n: u32,
) -> Draft {
    let (y, m, d) = ISSUE_DATE;
    let date = chrono::NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    let mut draft = Draft::new("conformance", caps, date);
    if caps.administrations {
        draft.administration_id = Some(catalogue.administration.clone());
    }
    draft.relation = Some(relation);
    let line = &mut draft.lines[0];
    if let Some(p) = product {
        line.description = p.description.clone();
        if let Some(v) = &p.vat_code {
            line.vat_code = v.clone();
        }
        line.product = Some(p);
    } else {
        line.description = format!("Werkzaamheden {n}");
    }
    line.quantity = "1".into();
    line.unit_price = format!("{}", 100 + n);
    draft
}

// ---- the outbox -----------------------------------------------------------------------------

/// The app's own submit path: a file-backed store and `core::submit`.
pub struct Desk {
    pub store: Store,
    _dir: tempfile::TempDir,
}

/// Quick retries within one submit (a Retry-After is still honoured: it is not capped below a
/// minute).
pub fn fast() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
    }
}

fn no_progress(_: uuid::Uuid, _: u64, _: u64) {}

impl Desk {
    pub fn open() -> Desk {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let store = Store::open(dir.path()).expect("the store opens");
        Desk { store, _dir: dir }
    }

    /// A desk whose address book holds the subject's recipients (the connection of every
    /// draft is "conformance").
    pub fn open_for(s: &dyn Subject) -> Desk {
        let desk = Desk::open();
        for r in s.recipients() {
            desk.store
                .save_recipient("conformance", &r)
                .expect("the recipient is saved");
        }
        desk
    }

    /// Saves the draft and sends it as the Send button does.
    pub async fn send(&self, client: &dyn Backend, draft: &Draft) -> Outcome {
        self.store.save_draft(draft).expect("the draft is saved");
        let caps = client.capabilities();
        submit::submit_draft(&self.store, client, &caps, draft.id, fast(), &no_progress)
            .await
            .expect("submit_draft")
    }

    pub fn entry(&self, draft: &Draft) -> OutboxEntry {
        self.store
            .outbox_entry(draft.id)
            .expect("the outbox reads")
            .expect("the draft is in the outbox")
    }

    /// The invoice exactly as core would send it first, for calling the client directly: with
    /// the app's number from the store's sequence when the system numbers by the app.
    pub fn outgoing(&self, caps: &Capabilities, draft: &Draft) -> OutgoingInvoice {
        let mut invoice = to_outgoing(draft, caps).expect("a valid draft");
        if let Some(start) = caps.app_numbering {
            let n = self
                .store
                .next_in_sequence(&format!("invoice_number:{}", draft.connection_id), start)
                .expect("the sequence");
            invoice.extra.insert("invoice_number".into(), n.to_string());
            invoice
                .extra
                .insert(APP_ASSIGNED_NUMBER.into(), "true".into());
        }
        invoice
    }
}

/// Whether the cases that send invoices apply to this system: its capabilities declare it. A
/// read-only system skips them and says so.
pub fn creates_invoices(client: &dyn Backend) -> bool {
    let caps = client.capabilities();
    assert_eq!(
        caps.creates_invoices,
        client.writer().is_some(),
        "capabilities.creates_invoices must say whether the client has a writer"
    );
    if !caps.creates_invoices {
        eprintln!(
            "skipped by declaration: {} creates no invoices (capabilities.creates_invoices)",
            caps.system_name
        );
    }
    caps.creates_invoices
}

// ---- what errors must look like -------------------------------------------------------------

/// A message the clerk can read in either language: both present, and not the same text.
pub fn assert_both_languages(e: &Error) {
    assert!(!e.message.nl.trim().is_empty(), "no Dutch message: {e:?}");
    assert!(!e.message.en.trim().is_empty(), "no English message: {e:?}");
    assert_ne!(e.message.nl, e.message.en, "not translated: {e:?}");
}

/// A failed read after a 5xx: the system is failing or unreachable, to be tried again.
pub fn assert_server_side(e: &Error, what: &str) {
    assert!(
        matches!(e.code, ErrorCode::ServerError | ErrorCode::Offline),
        "{what}: {:?}, not server_error or offline: {e:?}",
        e.code
    );
    assert!(e.code.is_transient(), "{what}: not retried later: {e:?}");
    assert_both_languages(e);
}

/// One read of the system, where the read faults are armed: the first page of relations, or
/// for a system whose relations are the app's own address book, the first page of its
/// invoices.
pub async fn read(client: &dyn Backend, scope: &str) -> Result<(), Error> {
    // A system whose relations are the app's own, or that keeps no look-up lists at all (a
    // read-only system), is read through its invoice list.
    if client.capabilities().relations.is_local() || client.lookups().is_none() {
        let reader = client.reader().unwrap_or_else(|| {
            panic!(
                "{} keeps no relations and reads no invoices: nothing to read",
                client.capabilities().system_name
            )
        });
        let query = InvoiceQuery {
            administration: scope.to_string(),
            ..InvoiceQuery::default()
        };
        return reader.list_invoices(&query, None).await.map(|_| ());
    }
    lookups(client)
        .sync_relations(scope, None)
        .await
        .map(|_| ())
}

/// The client's look-up lists (every conformance subject has them).
pub fn lookups(client: &dyn Backend) -> &dyn invoice_desk_core::backend::LookupSource {
    match client.lookups() {
        Some(l) => l,
        None => panic!("{} has no look-up lists", client.capabilities().system_name),
    }
}

/// The client's invoice writer (only for subjects that create invoices).
pub fn writer(client: &dyn Backend) -> &dyn invoice_desk_core::backend::InvoiceWriter {
    match client.writer() {
        Some(w) => w,
        None => panic!("{} sends no invoices", client.capabilities().system_name),
    }
}
