//! The local SQLite store: connections (never their secrets), drafts saved as the clerk types,
//! the outbox of submissions, and the look-up cache of relations and products with FTS5.
//!
//! One writer connection and one reader connection in WAL mode, so a search never waits for
//! a sync that is writing. Every write is a transaction begun IMMEDIATE: it takes the write
//! lock at its start (waiting up to the busy timeout), so a second process on the same file
//! waits its turn instead of failing halfway. Outbox rows are sent under a lease (see
//! [`Store::claim`]), so two processes never send the same invoice. Drafts are committed with `synchronous=FULL`: a commit that
//! returned survives a power cut.

use crate::backend::{Answer, Product, Relation, RelationKind, SyncPage, SystemId};
use crate::error::{Error, ErrorCode, Result};
use crate::i18n::Text;
use crate::invoice::{Draft, OutgoingInvoice};
use chrono::{DateTime, Utc};
use rusqlite::{
    params, Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior,
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use uuid::Uuid;

mod lists;
mod reader;
mod typeahead;
pub use reader::CachedInvoices;
pub use typeahead::sort_key;

/// The tables checked at every start: what a clerk typed or sent, and the keys against
/// duplicates. The rest (caches a sync fills again) is checked after the window is up.
const VITAL_TABLES: &[&str] = &[
    "settings",
    "connections",
    "drafts",
    "outbox",
    "recipients",
    "invoice_action_keys",
    "sync_state",
    "list_sync",
];

/// The setting that asks the next start to check the whole file.
const CHECK_WHOLE_AT_START: &str = "check_whole_store_at_start";

/// The file name of the store inside the app's data directory.
pub const FILE_NAME: &str = "invoice-desk.sqlite3";

/// Maps a SQLite failure to an error a clerk can act on.
pub fn classify_sqlite_error(e: &rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode as C;
    if let rusqlite::Error::SqliteFailure(f, _) = e {
        match f.code {
            C::DatabaseBusy | C::DatabaseLocked => {
                return Error::new(
                    ErrorCode::StoreLocked,
                    "De lokale opslag is in gebruik door een ander programma. Sluit andere vensters van Invoice Desk en probeer het opnieuw.",
                    "The local store is in use by another program. Close other Invoice Desk windows and try again.",
                )
            }
            C::DiskFull => {
                return Error::new(
                    ErrorCode::DiskFull,
                    "De schijf is vol. Maak ruimte vrij; wat u typte is niet verloren.",
                    "The disk is full. Free some space; what you typed is not lost.",
                )
            }
            C::DatabaseCorrupt | C::NotADatabase => {
                return Error::new(
                    ErrorCode::StoreCorrupt,
                    "De lokale opslag is beschadigd.",
                    "The local store is damaged.",
                )
            }
            C::CannotOpen | C::ReadOnly | C::PermissionDenied => {
                return Error::new(
                    ErrorCode::Io,
                    "De lokale opslag kan niet worden geopend of beschreven. Controleer de rechten op de gegevensmap.",
                    "The local store cannot be opened or written. Check the permissions of the data folder.",
                )
                .with_detail(e.to_string())
            }
            _ => {}
        }
    }
    Error::store(e)
}

const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE connections (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        base_url TEXT NOT NULL,
        auth TEXT NOT NULL,
        demo INTEGER NOT NULL DEFAULT 0,
        administration_id TEXT,
        config TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
    );
    CREATE TABLE drafts (
        id TEXT PRIMARY KEY,
        connection_id TEXT NOT NULL,
        open INTEGER NOT NULL DEFAULT 1,
        body TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX drafts_open ON drafts(connection_id, open, updated_at);
    CREATE TABLE outbox (
        draft_id TEXT PRIMARY KEY,
        connection_id TEXT NOT NULL,
        identity TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL,
        payload TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        remote_id TEXT,
        number TEXT,
        message TEXT,
        relation_name TEXT NOT NULL DEFAULT '',
        total_gross TEXT NOT NULL DEFAULT '0',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX outbox_conn ON outbox(connection_id, updated_at);
    CREATE TABLE relations (
        rid INTEGER PRIMARY KEY,
        connection_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        number TEXT,
        email TEXT,
        city TEXT,
        vat_number TEXT,
        archived INTEGER NOT NULL,
        UNIQUE(connection_id, scope, id)
    );
    CREATE VIRTUAL TABLE relations_fts USING fts5(
        name, number, email, city, content='', contentless_delete=1,
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
    );
    CREATE TABLE products (
        pid INTEGER PRIMARY KEY,
        connection_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        id TEXT NOT NULL,
        code TEXT,
        description TEXT NOT NULL,
        price_excl TEXT,
        price_incl TEXT,
        vat_code TEXT,
        grp TEXT,
        archived INTEGER NOT NULL,
        UNIQUE(connection_id, scope, id)
    );
    CREATE VIRTUAL TABLE products_fts USING fts5(
        code, description, grp, content='', contentless_delete=1,
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
    );
    CREATE TABLE sync_state (
        connection_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        entity TEXT NOT NULL,
        cursor TEXT,
        done INTEGER NOT NULL DEFAULT 0,
        synced_at TEXT,
        PRIMARY KEY (connection_id, scope, entity)
    );
    "#,
    // 2: when a waiting submission is due again (backoff, or the back end's Retry-After).
    r#"
    ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;
    "#,
    // 3: a full reload tags what it receives and drops the untagged rows only when it is
    // complete, so the look-ups stay whole while it runs.
    r#"
    ALTER TABLE relations ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE products ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sync_state ADD COLUMN reload_gen INTEGER;
    "#,
    // 4: an attempt whose answer was not a definite success or refusal may have created the
    // invoice: the next step is a look-up, also after a restart.
    r#"
    ALTER TABLE outbox ADD COLUMN maybe_created INTEGER NOT NULL DEFAULT 0;
    "#,
    // 5: a lease on an outbox row: which process works on it, and until when (ms since the
    // epoch). Another process takes a row only when it has no lease or the lease ran out.
    r#"
    ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
    ALTER TABLE outbox ADD COLUMN lease_until INTEGER;
    "#,
    // 6: the lists a system declares (one cache for all, per connection, list and scope), and
    // the local address book of recipients, which no reload touches.
    r#"
    CREATE TABLE lookup_items (
        lid INTEGER PRIMARY KEY,
        connection_id TEXT NOT NULL,
        list TEXT NOT NULL,
        scope TEXT NOT NULL,
        id TEXT NOT NULL,
        label TEXT NOT NULL,
        detail TEXT,
        terms TEXT NOT NULL DEFAULT '',
        parents TEXT NOT NULL DEFAULT '{}',
        archived INTEGER NOT NULL,
        data TEXT NOT NULL DEFAULT '{}',
        gen INTEGER NOT NULL DEFAULT 0,
        UNIQUE(connection_id, list, scope, id)
    );
    CREATE VIRTUAL TABLE lookup_items_fts USING fts5(
        label, detail, terms, content='', contentless_delete=1,
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
    );
    CREATE TABLE list_sync (
        connection_id TEXT NOT NULL,
        list TEXT NOT NULL,
        scope TEXT NOT NULL,
        cursor TEXT,
        done INTEGER NOT NULL DEFAULT 0,
        synced_at TEXT,
        reload_gen INTEGER,
        PRIMARY KEY (connection_id, list, scope)
    );
    CREATE TABLE recipients (
        rid INTEGER PRIMARY KEY,
        connection_id TEXT NOT NULL,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        number TEXT,
        email TEXT,
        city TEXT,
        vat_number TEXT,
        field_values TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        archived INTEGER NOT NULL DEFAULT 0,
        UNIQUE(connection_id, id)
    );
    CREATE VIRTUAL TABLE recipients_fts USING fts5(
        name, number, email, city, content='', contentless_delete=1,
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
    );
    "#,
    // 7: what the back end said of a sent invoice beyond its id and number (its state in
    // words, its totals), as JSON, shown in History next to our preview.
    r#"
    ALTER TABLE outbox ADD COLUMN answer TEXT;
    "#,
    // 8: the values a product fills into the system's declared line fields, as JSON.
    r#"
    ALTER TABLE products ADD COLUMN line_defaults TEXT NOT NULL DEFAULT '{}';
    "#,
    // 9: the invoices a system holds, as History last read them (summaries in the system's
    // order, per connection and administration, with where the next page starts), and the key
    // of each action on such an invoice until its answer is known, so a retry reuses it.
    r#"
    CREATE TABLE read_invoices (
        connection_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (connection_id, scope, id)
    );
    CREATE INDEX read_invoices_order ON read_invoices(connection_id, scope, seq);
    CREATE TABLE read_invoice_lists (
        connection_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        cursor TEXT,
        done INTEGER NOT NULL DEFAULT 0,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (connection_id, scope)
    );
    CREATE TABLE invoice_action_keys (
        connection_id TEXT NOT NULL,
        invoice_id TEXT NOT NULL,
        action TEXT NOT NULL,
        request TEXT NOT NULL,
        key TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (connection_id, invoice_id, action, request)
    );
    "#,
    // 10: the type-ahead reads a bounded range of an index instead of ranking every match:
    // each cached row gets a sort key (its name folded to lower case without accents), with
    // an index per list on the key and on the number or code typed in full (see typeahead.rs).
    // Only live rows are indexed. The keys of rows already cached are filled in by
    // `migration_step` in the same transaction.
    r#"
    ALTER TABLE relations ADD COLUMN skey TEXT NOT NULL DEFAULT '';
    ALTER TABLE products ADD COLUMN skey TEXT NOT NULL DEFAULT '';
    ALTER TABLE lookup_items ADD COLUMN skey TEXT NOT NULL DEFAULT '';
    ALTER TABLE recipients ADD COLUMN skey TEXT NOT NULL DEFAULT '';
    CREATE INDEX relations_by_key ON relations(connection_id, scope, skey) WHERE archived=0;
    CREATE INDEX relations_by_number ON relations(connection_id, scope, number) WHERE archived=0;
    CREATE INDEX relations_unknown ON relations(connection_id, scope, skey) WHERE archived=0 AND kind='unknown';
    CREATE INDEX products_by_key ON products(connection_id, scope, skey) WHERE archived=0;
    CREATE INDEX products_by_code ON products(connection_id, scope, code) WHERE archived=0;
    CREATE INDEX lookup_items_by_key ON lookup_items(connection_id, list, scope, skey) WHERE archived=0;
    CREATE INDEX recipients_by_key ON recipients(connection_id, skey) WHERE archived=0;
    CREATE INDEX recipients_by_number ON recipients(connection_id, number) WHERE archived=0;
    DROP TABLE relations_fts;
    CREATE VIRTUAL TABLE relations_fts USING fts5(
        name, number, email, city, content='', contentless_delete=1, 
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6'
    );
    INSERT INTO relations_fts(rowid,name,number,email,city)
        SELECT rid,name,number,email,city FROM relations WHERE archived=0;
    DROP TABLE products_fts;
    CREATE VIRTUAL TABLE products_fts USING fts5(
        code, description, grp, content='', contentless_delete=1, 
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6'
    );
    INSERT INTO products_fts(rowid,code,description,grp)
        SELECT pid,code,description,grp FROM products WHERE archived=0;
    DROP TABLE lookup_items_fts;
    CREATE VIRTUAL TABLE lookup_items_fts USING fts5(
        label, detail, terms, content='', contentless_delete=1, 
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6'
    );
    INSERT INTO lookup_items_fts(rowid,label,detail,terms)
        SELECT lid,label,detail,id || ' ' || replace(terms, char(31), ' ') FROM lookup_items WHERE archived=0;
    DROP TABLE recipients_fts;
    CREATE VIRTUAL TABLE recipients_fts USING fts5(
        name, number, email, city, content='', contentless_delete=1, 
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6'
    );
    INSERT INTO recipients_fts(rowid,name,number,email,city)
        SELECT rid,name,number,email,city FROM recipients WHERE archived=0;
    "#,
];

/// What a migration needs besides SQL, by its number (the version it leads to).
fn migration_step(c: &Connection, version: usize) -> rusqlite::Result<()> {
    if version == 10 {
        typeahead::fill_keys(c, "relations", "rid", "name")?;
        typeahead::fill_keys(c, "products", "pid", "description")?;
        typeahead::fill_keys(c, "lookup_items", "lid", "label")?;
        typeahead::fill_keys(c, "recipients", "rid", "name")?;
    }
    Ok(())
}

/// A connection as stored: everything but its secrets, which live in the OS keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionRecord {
    pub id: String,
    /// The connector's id (`afas`, `silvasoft`, …).
    pub kind: SystemId,
    pub name: String,
    pub base_url: String,
    /// `app_token`, `oauth` or `none`.
    pub auth: String,
    pub demo: bool,
    pub administration_id: Option<String>,
    /// Non-secret settings of the connection (OAuth client id, redirect port, …).
    pub config: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// Where a submission is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionState {
    Draft,
    Queued,
    Sending,
    Sent,
    Refused,
    Uncertain,
    /// The stored invoice cannot be read: it is not sent (again) and waits for the clerk.
    NeedsAttention,
}

impl SubmissionState {
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionState::Draft => "draft",
            SubmissionState::Queued => "queued",
            SubmissionState::Sending => "sending",
            SubmissionState::Sent => "sent",
            SubmissionState::Refused => "refused",
            SubmissionState::Uncertain => "uncertain",
            SubmissionState::NeedsAttention => "needs_attention",
        }
    }
    pub fn parse(s: &str) -> SubmissionState {
        match s {
            "queued" => SubmissionState::Queued,
            "sending" => SubmissionState::Sending,
            "sent" => SubmissionState::Sent,
            "refused" => SubmissionState::Refused,
            "uncertain" => SubmissionState::Uncertain,
            "needs_attention" => SubmissionState::NeedsAttention,
            _ => SubmissionState::Draft,
        }
    }
}

/// One row of the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub draft_id: Uuid,
    pub connection_id: String,
    pub identity: Uuid,
    pub state: SubmissionState,
    pub payload: Option<OutgoingInvoice>,
    pub attempts: u32,
    pub remote_id: Option<String>,
    pub number: Option<String>,
    pub message: Option<String>,
    pub relation_name: String,
    pub total_gross: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When a waiting submission is tried again; `None`: at the next round.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Whether a table of this database has a column (`false` when it cannot be told).
fn has_column(db: &Connection, table: &str, column: &str) -> bool {
    db.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .and_then(|mut st| {
            let names = st.query_map([], |r| r.get::<_, String>(0))?;
            Ok(names.flatten().any(|n| n == column))
        })
        .unwrap_or(false)
}

/// What [`Store::recover_from`] brought back from a damaged store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Invoices that were waiting or uncertain: they are in the outbox again and will be sent
    /// (or looked up first) with their own identity.
    pub waiting: Vec<OutboxEntry>,
    /// Sent and refused invoices brought back into History.
    pub history: usize,
    /// The outbox (or part of it) could not be read: invoices may still be waiting in the copy.
    pub outbox_unreadable: bool,
    /// Connections, settings or drafts could not all be read.
    pub other_unreadable: bool,
}

/// Which look-up list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Relations,
    Products,
}

impl Entity {
    fn as_str(self) -> &'static str {
        match self {
            Entity::Relations => "relations",
            Entity::Products => "products",
        }
    }
}

/// Where a sync of one list stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncCursor {
    pub cursor: Option<String>,
    pub done: bool,
    pub synced_at: Option<DateTime<Utc>>,
}

/// The store. Cheap to share behind an `Arc`.
pub struct Store {
    write: Mutex<Connection>,
    read: Mutex<Connection>,
    path: Option<PathBuf>,
    /// Who holds the leases this store takes: one id per opened store (per process).
    owner: String,
    /// A file locked for as long as this store is open: another process that finds it
    /// unlocked knows this store's owner is gone and may take its leases at once.
    _owner_lock: Option<OwnerLock>,
}

/// The lock file that shows an owner is alive. Removed when the store closes.
struct OwnerLock {
    file: Option<std::fs::File>,
    path: PathBuf,
}

impl Drop for OwnerLock {
    fn drop(&mut self) {
        drop(self.file.take()); // closed first: an open file cannot be removed everywhere
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Where the owners' lock files of the store at `path` live.
fn owners_dir(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.owners", path.display()))
}

fn owner_lock(path: &Path, owner: &str) -> Option<OwnerLock> {
    let dir = owners_dir(path);
    std::fs::create_dir_all(&dir).ok()?;
    let lock_path = dir.join(format!("{owner}.lock"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .ok()?;
    file.try_lock().ok()?;
    Some(OwnerLock {
        file: Some(file),
        path: lock_path,
    })
}

/// How long a lease on an outbox row lasts unless it is renewed. A process that stops while
/// sending leaves its row to others after this time (they ask the back end before sending).
/// A process that is known to be gone (its lock file is not held) loses its leases at once.
pub const LEASE: std::time::Duration = std::time::Duration::from_secs(60);

/// What [`Store::claim`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The row is this store's to send until the lease runs out (renew it while sending).
    Claimed(OutboxEntry),
    /// Another process holds a lease on it that has not run out.
    Busy,
    /// Not waiting (any more): sent, refused, needing attention, or gone.
    NotWaiting,
    /// The stored invoice cannot be read; the row now waits for the clerk.
    NeedsAttention(OutboxEntry),
}

/// Outbox states that still need work.
const WAITING: &str = "('queued','sending','uncertain')";

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn lease_until() -> i64 {
    now_ms().saturating_add(LEASE.as_millis() as i64)
}

/// A write transaction that takes the write lock at its start (`BEGIN IMMEDIATE`), so two
/// processes never both read and then fail to upgrade; the busy timeout applies to the start.
fn immediate(conn: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
}

/// Runs a write of the look-up cache without waiting for the disk at its commit
/// (`synchronous=NORMAL`), then puts the connection back to `FULL` for everything else.
/// In WAL mode the store stays whole after a power cut: at worst the last pages of a sync are
/// gone, with the cursor written in the same transaction, so the sync fetches them again. The
/// next commit at `FULL` (a draft, the outbox) makes them durable too. A million relations
/// thus cost no two thousand waits for the disk.
fn relaxed<T>(w: &mut Connection, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
    w.pragma_update(None, "synchronous", "NORMAL")?;
    let out = f(w);
    let back = w.pragma_update(None, "synchronous", "FULL");
    if let Err(e) = &back {
        tracing::error!(error = %e, "the store could not be set back to synchronous=FULL");
    }
    let out = out?;
    back?;
    Ok(out)
}

/// The error for a row another process (or window) is working on.
pub fn busy_elsewhere() -> Error {
    Error::new(
        ErrorCode::StoreLocked,
        "Deze factuur wordt op dit moment door een ander venster van Invoice Desk verstuurd. Het resultaat verschijnt bij Geschiedenis.",
        "This invoice is being sent right now by another Invoice Desk window. The result will show in History.",
    )
}

/// The message of an outbox row whose stored invoice cannot be read.
pub fn unreadable_payload() -> Text {
    Text::new(
        "De opgeslagen factuur kan niet worden gelezen en wordt daarom niet (opnieuw) verstuurd. Kijk in het boekhoudpakket of de factuur er staat; staat hij er niet, typ hem dan opnieuw in.",
        "The stored invoice cannot be read, so it is not sent (again). Check in the bookkeeping system whether the invoice is there; if it is not, type it in again.",
    )
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_millis(3000))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Reads one sync state row (`cursor, done, synced_at`); no row is a sync not yet begun.
pub(crate) fn read_cursor(
    c: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<SyncCursor> {
    let row = c
        .query_row(sql, params, |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .optional()?;
    Ok(match row {
        Some((cursor, done, at)) => SyncCursor {
            cursor,
            done,
            synced_at: at.map(|s| parse_time(&s)),
        },
        None => SyncCursor {
            cursor: None,
            done: false,
            synced_at: None,
        },
    })
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves a consistent SQLite connection behind
    // (transactions roll back on drop), so a poisoned lock is safe to reuse.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Builds an FTS5 query for type-ahead: each word is a prefix, all words must match.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| format!("\"{}\"*", w.replace('"', "")))
        .collect();
    if words.is_empty() {
        None
    } else {
        Some(words.join(" "))
    }
}

fn now() -> String {
    Utc::now().to_rfc3339()
}

fn parse_time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc::now())
}

impl Store {
    /// Opens (or creates) the store in `dir`. A damaged file is never overwritten: it is
    /// copied aside first and the error says where the copy is.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::new(
                ErrorCode::Io,
                "De gegevensmap kan niet worden gemaakt.",
                "The data folder cannot be created.",
            )
            .with_detail(e.to_string())
        })?;
        let path = dir.join(FILE_NAME);
        match Self::open_file_when_free(&path) {
            Ok(s) => Ok(s),
            Err(e) if e.code == ErrorCode::StoreCorrupt => {
                let copy = Self::keep_damaged_copy(&path)?;
                Err(Error::new(
                    ErrorCode::StoreCorrupt,
                    format!(
                        "De lokale opslag is beschadigd. Er is een kopie bewaard als {}. Niets is overschreven.",
                        copy.display()
                    ),
                    format!(
                        "The local store is damaged. A copy was kept as {}. Nothing was overwritten.",
                        copy.display()
                    ),
                )
                .with_detail(copy.display().to_string()))
            }
            Err(e) => Err(e),
        }
    }

    /// Moves a damaged store aside (keeping it) so a fresh one can be started. Returns the
    /// path of the kept file.
    pub fn set_aside_damaged(dir: &Path) -> Result<PathBuf> {
        let path = dir.join(FILE_NAME);
        let copy = Self::keep_damaged_copy(&path)?;
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{}", path.display(), suffix));
            if p.exists() {
                std::fs::remove_file(&p).map_err(|e| {
                    Error::new(
                        ErrorCode::Io,
                        "Het beschadigde bestand kan niet opzij worden gezet.",
                        "The damaged file cannot be set aside.",
                    )
                    .with_detail(e.to_string())
                })?;
            }
        }
        Ok(copy)
    }

    fn keep_damaged_copy(path: &Path) -> Result<PathBuf> {
        let stamp = Utc::now().format("%Y%m%d-%H%M%S");
        let copy = PathBuf::from(format!("{}.damaged-{stamp}", path.display()));
        if !copy.exists() {
            std::fs::copy(path, &copy).map_err(|e| {
                Error::new(
                    ErrorCode::Io,
                    "De beschadigde opslag kan niet worden gekopieerd.",
                    "The damaged store cannot be copied.",
                )
                .with_detail(e.to_string())
            })?;
            for suffix in ["-wal", "-shm"] {
                let side = PathBuf::from(format!("{}{}", path.display(), suffix));
                if side.exists() {
                    let _ = std::fs::copy(&side, format!("{}{}", copy.display(), suffix));
                }
            }
        }
        Ok(copy)
    }

    /// Brings what can still be read from a damaged store that was set aside (see
    /// [`Store::set_aside_damaged`]) into this one: the outbox rows (the waiting and uncertain
    /// invoices with what will be sent, and the history), their drafts and the open drafts,
    /// the connections (their secrets are in the keyring under the same id), the settings
    /// (invoice number sequences included) and the address book of recipients. Rows already here are kept. The damaged copy is
    /// not touched: it is read through a scratch copy, which is removed afterwards.
    pub fn recover_from(&self, damaged: &Path) -> Recovery {
        let mut rec = Recovery::default();
        let scratch_dir = match self.path.as_deref().and_then(Path::parent) {
            Some(d) => d.to_path_buf(),
            None => std::env::temp_dir(),
        };
        let scratch = scratch_dir.join(format!(".recover-{}", Uuid::new_v4()));
        let copied = std::fs::copy(damaged, &scratch).is_ok();
        if copied {
            let wal = PathBuf::from(format!("{}-wal", damaged.display()));
            if wal.exists() {
                let _ = std::fs::copy(&wal, format!("{}-wal", scratch.display()));
            }
            if let Err(e) = self.recover_rows(&scratch, &mut rec) {
                tracing::warn!(error = %e, "the damaged store could not be read");
                rec.outbox_unreadable = true;
            }
        } else {
            rec.outbox_unreadable = true;
        }
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", scratch.display()));
        }
        rec
    }

    fn recover_rows(&self, scratch: &Path, rec: &mut Recovery) -> rusqlite::Result<()> {
        let old = Connection::open_with_flags(
            scratch,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        old.busy_timeout(std::time::Duration::from_millis(1000))?;
        // The outbox first: it is what must not vanish. With it, whether an attempt may have
        // created the invoice (the next step is then a look-up, never a second send) and what
        // the system answered, where the damaged copy has those columns (a store of an older
        // version may not).
        let mut names = vec![
            "draft_id",
            "connection_id",
            "identity",
            "state",
            "payload",
            "attempts",
            "remote_id",
            "number",
            "message",
            "relation_name",
            "total_gross",
            "created_at",
            "updated_at",
        ];
        for later in ["maybe_created", "answer"] {
            if has_column(&old, "outbox", later) {
                names.push(later);
            }
        }
        let width = names.len();
        let columns = names.join(",");
        let marks = (1..=width)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(",");
        let outbox: Vec<Vec<rusqlite::types::Value>> = {
            let mut read = || -> rusqlite::Result<Vec<Vec<rusqlite::types::Value>>> {
                let mut st = old.prepare(&format!("SELECT {columns} FROM outbox"))?;
                let mut rows = st.query([])?;
                let mut out = Vec::new();
                loop {
                    match rows.next() {
                        Ok(Some(r)) => {
                            let mut v = Vec::with_capacity(width);
                            for i in 0..width {
                                v.push(r.get::<_, rusqlite::types::Value>(i)?);
                            }
                            out.push(v);
                        }
                        Ok(None) => break,
                        Err(e) => {
                            // Part of the table is damaged: keep what was read.
                            tracing::warn!(error = %e, "part of the damaged outbox cannot be read");
                            rec.outbox_unreadable = true;
                            break;
                        }
                    }
                }
                Ok(out)
            };
            match read() {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "the damaged outbox cannot be read");
                    rec.outbox_unreadable = true;
                    Vec::new()
                }
            }
        };
        let mut draft_ids = Vec::new();
        {
            let mut w = lock(&self.write);
            let tx = immediate(&mut w)?;
            for row in &outbox {
                let n = tx.execute(
                    &format!(
                        "INSERT INTO outbox({columns}) VALUES({marks}) ON CONFLICT DO NOTHING"
                    ),
                    rusqlite::params_from_iter(row.iter()),
                )?;
                if let rusqlite::types::Value::Text(id) = &row[0] {
                    draft_ids.push(id.clone());
                    if n == 1 {
                        // The copy may be older than what happened last (a damaged log): an
                        // invoice it shows as queued may have gone out since. It is asked
                        // about before it is sent, as after a stop mid-send.
                        tx.execute(
                            "UPDATE outbox SET state='sending' WHERE draft_id=?1 AND state='queued'",
                            [id],
                        )?;
                        let entry = tx.query_row(
                            &format!("{OUTBOX_SELECT} WHERE draft_id=?1"),
                            [id],
                            outbox_row,
                        )?;
                        if matches!(
                            entry.state,
                            SubmissionState::Queued
                                | SubmissionState::Sending
                                | SubmissionState::Uncertain
                        ) {
                            rec.waiting.push(entry);
                        } else {
                            rec.history += 1;
                        }
                    }
                }
            }
            tx.commit()?;
        }
        // The rest is best effort, one table at a time.
        let copy = |sql_read: &str, sql_write: &str, width: usize, rec: &mut Recovery| {
            let rows: rusqlite::Result<Vec<Vec<rusqlite::types::Value>>> = (|| {
                let mut st = old.prepare(sql_read)?;
                let rows = st.query_map([], |r| {
                    (0..width)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i))
                        .collect::<rusqlite::Result<Vec<_>>>()
                })?;
                Ok(rows.filter_map(|r| r.ok()).collect())
            })();
            let Ok(rows) = rows else {
                rec.other_unreadable = true;
                return;
            };
            let mut w = lock(&self.write);
            let done = (|| -> rusqlite::Result<()> {
                let tx = immediate(&mut w)?;
                for row in &rows {
                    tx.execute(sql_write, rusqlite::params_from_iter(row.iter()))?;
                }
                tx.commit()
            })();
            if done.is_err() {
                rec.other_unreadable = true;
            }
        };
        copy(
            "SELECT key,value FROM settings",
            "INSERT INTO settings(key,value) VALUES(?1,?2) ON CONFLICT DO NOTHING",
            2,
            rec,
        );
        copy(
            "SELECT id,kind,name,base_url,auth,demo,administration_id,config,created_at FROM connections",
            "INSERT INTO connections(id,kind,name,base_url,auth,demo,administration_id,config,created_at)
             VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9) ON CONFLICT DO NOTHING",
            9,
            rec,
        );
        let ids: Vec<String> = draft_ids
            .iter()
            .map(|id| format!("'{}'", id.replace('\'', "")))
            .collect();
        copy(
            &format!(
                "SELECT id,connection_id,open,body,updated_at FROM drafts WHERE open=1 OR id IN ({})",
                ids.join(",")
            ),
            "INSERT INTO drafts(id,connection_id,open,body,updated_at) VALUES(?1,?2,?3,?4,?5) ON CONFLICT DO NOTHING",
            5,
            rec,
        );
        if !self.recover_recipients(&old) {
            rec.other_unreadable = true;
        }
        Ok(())
    }

    /// Opens the file, trying again for a moment when it is busy without waiting. SQLite
    /// answers "busy" at once, without its busy handler, while the last connection of another
    /// store closes (it checkpoints and removes the WAL under an exclusive lock) or while a
    /// first connection recovers the WAL; both last milliseconds. A store that stays locked
    /// (another program holds it) still answers `store_locked` after the busy timeout.
    fn open_file_when_free(path: &Path) -> Result<Store> {
        // Opening (WAL switch, migrations, the first look at the FTS tables) is done by one
        // store at a time, across threads and processes: a lock file next to the store, held
        // only while opening. Without it, a store opening while another migrates could see
        // a half-made schema. When the lock cannot be had in 10 s, opening goes ahead anyway.
        let _opening = Self::opening_lock(path);
        let started = std::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(10);
        loop {
            match Self::open_file(path) {
                Err(e)
                    if e.code == ErrorCode::StoreLocked
                        && started.elapsed() < std::time::Duration::from_secs(2) =>
                {
                    tracing::debug!("the store was busy while opening; trying again");
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(std::time::Duration::from_millis(200));
                }
                other => return other,
            }
        }
    }

    fn opening_lock(path: &Path) -> Option<std::fs::File> {
        let mut name = path.as_os_str().to_owned();
        name.push(".opening");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(std::path::PathBuf::from(name))
            .ok()?;
        let started = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Some(file),
                Err(std::fs::TryLockError::WouldBlock)
                    if started.elapsed() < std::time::Duration::from_secs(10) =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(_) => return None,
            }
        }
    }

    fn open_file(path: &Path) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let write = Connection::open_with_flags(path, flags)?;
        configure(&write)?;
        // Detect damage before anything is written: what the clerk typed and what was sent,
        // every time; the whole file (the look-up caches can be hundreds of megabytes, seconds
        // to read) when a check after an earlier start asked for it, or the file is new.
        let check = Self::check_at_open(&write).map_err(|e| classify_sqlite_error(&e))?;
        if check != "ok" {
            return Err(Error::new(
                ErrorCode::StoreCorrupt,
                "De lokale opslag is beschadigd.",
                "The local store is damaged.",
            )
            .with_detail(check));
        }
        let mode: String = write.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        tracing::debug!(journal_mode = %mode, "store opened");
        write.pragma_update(None, "synchronous", "FULL")?;
        Self::migrate(&write)?;
        let read = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&read)?;
        let owner = Uuid::new_v4().to_string();
        Ok(Store {
            write: Mutex::new(write),
            read: Mutex::new(read),
            path: Some(path.to_path_buf()),
            _owner_lock: owner_lock(path, &owner),
            owner,
        })
    }

    /// `ok`, or what `quick_check` found: the tables a clerk's work lives in, or the whole file
    /// when [`Store::check_whole_file`] found damage after an earlier start.
    fn check_at_open(c: &Connection) -> rusqlite::Result<String> {
        let asked: Option<String> = c
            .query_row(
                "SELECT value FROM settings WHERE key=?1",
                [CHECK_WHOLE_AT_START],
                |r| r.get(0),
            )
            .optional()
            .unwrap_or(Some("new".into()));
        if asked.is_some() {
            let said: String = c.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
            if said == "ok" {
                // Whole again (or never damaged): the next start checks the vital tables only.
                let _ = c.execute("DELETE FROM settings WHERE key=?1", [CHECK_WHOLE_AT_START]);
            }
            return Ok(said);
        }
        let tables: Vec<String> = {
            let mut st = c.prepare("SELECT name FROM sqlite_schema WHERE type='table'")?;
            let r = st
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            r
        };
        for t in VITAL_TABLES
            .iter()
            .filter(|t| tables.iter().any(|x| x == *t))
        {
            let said: String =
                c.query_row(&format!("PRAGMA quick_check(\"{t}\")"), [], |r| r.get(0))?;
            if said != "ok" {
                return Ok(said);
            }
        }
        Ok("ok".into())
    }

    /// Checks the whole file on a connection of its own (a search never waits for it), after
    /// the window is up. Damage found makes the next start check the whole file before anything
    /// is written, and go the way of a damaged store (kept as a copy, the clerk told). Returns
    /// what the check said.
    pub fn check_whole_file(&self) -> Result<String> {
        let Some(path) = self.path.clone() else {
            return Ok("ok".into());
        };
        let c = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let said: String = c
            .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
            .unwrap_or_else(|e| e.to_string());
        if said != "ok" {
            tracing::error!(check = %said, "the store is damaged; it is checked whole at the next start");
            self.set_setting(CHECK_WHOLE_AT_START, &said)?;
        }
        Ok(said)
    }

    /// A store in memory, for tests.
    pub fn open_in_memory() -> Result<Store> {
        let name = format!("file:mem-{}?mode=memory&cache=shared", Uuid::new_v4());
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let write = Connection::open_with_flags(&name, flags)?;
        configure(&write)?;
        Self::migrate(&write)?;
        let read = Connection::open_with_flags(&name, flags)?;
        configure(&read)?;
        Ok(Store {
            write: Mutex::new(write),
            read: Mutex::new(read),
            path: None,
            owner: Uuid::new_v4().to_string(),
            _owner_lock: None,
        })
    }

    /// One write in its own IMMEDIATE transaction (see [`immediate`]).
    fn write_one<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let mut w = lock(&self.write);
        let tx = immediate(&mut w)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// The writer's `synchronous` setting (2 is FULL), for tests.
    #[doc(hidden)]
    pub fn write_synchronous_for_tests(&self) -> i64 {
        lock(&self.write)
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap_or(-1)
    }

    /// Caps the store's size in pages, to let tests run into a full disk.
    #[doc(hidden)]
    pub fn limit_pages_for_tests(&self, pages: u64) -> Result<()> {
        let w = lock(&self.write);
        w.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        Ok(())
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn migrate(conn: &Connection) -> Result<()> {
        // Each step reads the version inside its own IMMEDIATE transaction: two processes that
        // start at once take turns, and the second sees what the first did.
        loop {
            let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
            let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            let version = usize::try_from(version).unwrap_or(usize::MAX);
            if version > MIGRATIONS.len() {
                return Err(Error::new(
                    ErrorCode::Store,
                    "Deze opslag is gemaakt door een nieuwere versie van Invoice Desk. Werk de app bij.",
                    "This store was made by a newer version of Invoice Desk. Update the app.",
                ));
            }
            let Some(sql) = MIGRATIONS.get(version) else {
                return Ok(());
            };
            tx.execute_batch(sql)?;
            migration_step(&tx, version + 1)?;
            tx.pragma_update(None, "user_version", (version + 1) as i64)?;
            tx.commit()?;
        }
    }

    // ---- settings ----

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        let c = lock(&self.read);
        Ok(
            c.query_row("SELECT value FROM settings WHERE key=?1", [key], |r| {
                r.get(0)
            })
            .optional()?,
        )
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.write_one(|c| {
            c.execute(
                "INSERT INTO settings(key,value) VALUES(?1,?2) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                params![key, value],
            )
        })?;
        Ok(())
    }

    // ---- connections ----

    pub fn connections(&self) -> Result<Vec<ConnectionRecord>> {
        let c = lock(&self.read);
        let mut st = c.prepare(
            "SELECT id,kind,name,base_url,auth,demo,administration_id,config,created_at FROM connections ORDER BY demo, created_at",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, bool>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, name, base_url, auth, demo, administration_id, config, created) = row?;
            // Any kind is kept as stored; a kind no connector knows is said when the
            // connection is used, not dropped here.
            let kind = SystemId::new(kind);
            out.push(ConnectionRecord {
                id,
                kind,
                name,
                base_url,
                auth,
                demo,
                administration_id,
                config: serde_json::from_str(&config).unwrap_or(serde_json::Value::Null),
                created_at: parse_time(&created),
            });
        }
        Ok(out)
    }

    pub fn connection(&self, id: &str) -> Result<Option<ConnectionRecord>> {
        Ok(self.connections()?.into_iter().find(|c| c.id == id))
    }

    pub fn upsert_connection(&self, c: &ConnectionRecord) -> Result<()> {
        self.write_one(|w| w.execute(
            "INSERT INTO connections(id,kind,name,base_url,auth,demo,administration_id,config,created_at)
             VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)
             ON CONFLICT(id) DO UPDATE SET kind=excluded.kind, name=excluded.name, base_url=excluded.base_url,
               auth=excluded.auth, demo=excluded.demo, administration_id=excluded.administration_id, config=excluded.config",
            params![
                c.id,
                c.kind.as_str(),
                c.name,
                c.base_url,
                c.auth,
                c.demo,
                c.administration_id,
                c.config.to_string(),
                c.created_at.to_rfc3339()
            ],
        ))?;
        Ok(())
    }

    pub fn set_administration(&self, connection_id: &str, administration_id: &str) -> Result<()> {
        self.write_one(|w| {
            w.execute(
                "UPDATE connections SET administration_id=?2 WHERE id=?1",
                params![connection_id, administration_id],
            )
        })?;
        Ok(())
    }

    /// How many invoices of a connection still wait to be sent or to be confirmed (queued,
    /// sending, uncertain).
    pub fn waiting_count(&self, connection_id: &str) -> Result<usize> {
        let c = lock(&self.read);
        let n: i64 = c.query_row(
            &format!("SELECT COUNT(*) FROM outbox WHERE connection_id=?1 AND state IN {WAITING}"),
            [connection_id],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Removes a connection and its cache. Drafts, the outbox and the address book of recipients
    /// stay: history is not lost, and what the clerk typed is not thrown away.
    /// A connection with invoices that still wait or are uncertain is not removed: they would
    /// drop out of sight, and nothing could send or check them any more.
    pub fn delete_connection(&self, id: &str) -> Result<()> {
        let mut w = lock(&self.write);
        let tx = immediate(&mut w)?;
        let waiting: i64 = tx.query_row(
            &format!("SELECT COUNT(*) FROM outbox WHERE connection_id=?1 AND state IN {WAITING}"),
            [id],
            |r| r.get(0),
        )?;
        if waiting > 0 {
            return Err(still_waiting(waiting));
        }
        tx.execute("DELETE FROM connections WHERE id=?1", [id])?;
        tx.execute(
            "DELETE FROM relations_fts WHERE rowid IN (SELECT rid FROM relations WHERE connection_id=?1)",
            [id],
        )?;
        tx.execute("DELETE FROM relations WHERE connection_id=?1", [id])?;
        tx.execute(
            "DELETE FROM products_fts WHERE rowid IN (SELECT pid FROM products WHERE connection_id=?1)",
            [id],
        )?;
        tx.execute("DELETE FROM products WHERE connection_id=?1", [id])?;
        tx.execute("DELETE FROM sync_state WHERE connection_id=?1", [id])?;
        tx.execute(
            "DELETE FROM lookup_items_fts WHERE rowid IN (SELECT lid FROM lookup_items WHERE connection_id=?1)",
            [id],
        )?;
        tx.execute("DELETE FROM lookup_items WHERE connection_id=?1", [id])?;
        tx.execute("DELETE FROM list_sync WHERE connection_id=?1", [id])?;
        reader::forget_connection(&tx, id)?;
        tx.commit()?;
        Ok(())
    }

    // ---- drafts ----

    /// Saves the draft as it is. Called on every change.
    pub fn save_draft(&self, draft: &Draft) -> Result<()> {
        let body = serde_json::to_string(draft).map_err(Error::internal)?;
        self.write_one(|w| w.execute(
            "INSERT INTO drafts(id,connection_id,open,body,updated_at) VALUES(?1,?2,1,?3,?4)
             ON CONFLICT(id) DO UPDATE SET connection_id=excluded.connection_id, body=excluded.body, updated_at=excluded.updated_at
             WHERE drafts.open=1",
            params![draft.id.to_string(), draft.connection_id, body, now()],
        ))?;
        Ok(())
    }

    pub fn draft(&self, id: Uuid) -> Result<Option<Draft>> {
        let c = lock(&self.read);
        let body: Option<String> = c
            .query_row(
                "SELECT body FROM drafts WHERE id=?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(body.and_then(|b| decode_draft(&b)))
    }

    /// Whether the draft can still be edited (not yet handed to the outbox).
    pub fn draft_is_open(&self, id: Uuid) -> Result<bool> {
        let c = lock(&self.read);
        Ok(c.query_row(
            "SELECT open FROM drafts WHERE id=?1",
            [id.to_string()],
            |r| r.get::<_, bool>(0),
        )
        .optional()?
        .unwrap_or(true))
    }

    /// The most recently edited open draft of a connection.
    pub fn open_draft(&self, connection_id: &str) -> Result<Option<Draft>> {
        let c = lock(&self.read);
        let mut st = c.prepare(
            "SELECT body FROM drafts WHERE connection_id=?1 AND open=1 ORDER BY updated_at DESC LIMIT 5",
        )?;
        let bodies: Vec<String> = st
            .query_map([connection_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(bodies.iter().find_map(|b| decode_draft(b)))
    }

    // ---- outbox ----

    /// Hands a draft to the outbox: one transaction closes the draft for editing and writes
    /// the outbox row with the invoice exactly as it will be sent. Idempotent: a second call
    /// for the same draft returns the existing row.
    pub fn enqueue(&self, draft: &Draft, invoice: &OutgoingInvoice) -> Result<OutboxEntry> {
        let payload = serde_json::to_string(invoice).map_err(Error::internal)?;
        let body = serde_json::to_string(draft).map_err(Error::internal)?;
        {
            let mut w = lock(&self.write);
            let tx = immediate(&mut w)?;
            let t = now();
            tx.execute(
                "INSERT INTO drafts(id,connection_id,open,body,updated_at) VALUES(?1,?2,0,?3,?4)
                 ON CONFLICT(id) DO UPDATE SET open=0, body=CASE WHEN drafts.open=1 THEN excluded.body ELSE drafts.body END, updated_at=excluded.updated_at",
                params![draft.id.to_string(), draft.connection_id, body, t],
            )?;
            tx.execute(
                "INSERT INTO outbox(draft_id,connection_id,identity,state,payload,relation_name,total_gross,created_at,updated_at)
                 VALUES(?1,?2,?3,'queued',?4,?5,?6,?7,?7)
                 ON CONFLICT(draft_id) DO NOTHING",
                params![
                    draft.id.to_string(),
                    draft.connection_id,
                    invoice.identity.to_string(),
                    payload,
                    invoice.relation.name,
                    invoice.totals.gross.to_string(),
                    t
                ],
            )?;
            tx.commit()?;
        }
        self.outbox_entry(draft.id)?
            .ok_or_else(|| Error::internal("outbox row missing after enqueue"))
    }

    /// Rewrites a draft's body whether or not it is open (used while sending, to keep the
    /// uploaded attachment references).
    pub fn replace_draft_body(&self, draft: &Draft) -> Result<()> {
        let body = serde_json::to_string(draft).map_err(Error::internal)?;
        self.write_one(|w| {
            w.execute(
                "UPDATE drafts SET body=?2 WHERE id=?1",
                params![draft.id.to_string(), body],
            )
        })?;
        Ok(())
    }

    /// After a refusal: the draft is open again for the clerk, under a new identity (the
    /// refused one is spent), and its outbox row stays as history.
    pub fn reopen_with_new_identity(&self, draft_id: Uuid) -> Result<Option<Draft>> {
        let Some(mut draft) = self.draft(draft_id)? else {
            return Ok(None);
        };
        let old = draft.id;
        draft.id = Uuid::new_v4();
        draft.identity = Uuid::new_v4();
        draft.updated_at = Utc::now();
        let body = serde_json::to_string(&draft).map_err(Error::internal)?;
        self.write_one(|w| {
            w.execute(
                "INSERT INTO drafts(id,connection_id,open,body,updated_at) VALUES(?1,?2,1,?3,?4)",
                params![draft.id.to_string(), draft.connection_id, body, now()],
            )
        })?;
        tracing::debug!(%old, new = %draft.id, "refused draft reopened");
        Ok(Some(draft))
    }

    /// Moves a waiting row to another state. `sending` takes (or renews) this store's lease
    /// and counts an attempt; the other states end the lease. A row that another process holds
    /// a lease on, or that is no longer waiting (sent, refused, needs attention), is left as it
    /// is and the answer is [`busy_elsewhere`]: nothing is sent twice, and a late answer of a
    /// process that lost its lease does not overwrite what the other one found.
    pub fn set_outbox_state(
        &self,
        draft_id: Uuid,
        state: SubmissionState,
        message: Option<&str>,
    ) -> Result<()> {
        let mut w = lock(&self.write);
        let tx = immediate(&mut w)?;
        let sending = state == SubmissionState::Sending;
        let id = draft_id.to_string();
        let update = |tx: &Transaction<'_>| {
            tx.execute(
            &format!(
                "UPDATE outbox SET state=?2, message=?3, updated_at=?4,
                   attempts = attempts + CASE WHEN ?5 THEN 1 ELSE 0 END,
                   lease_owner = CASE WHEN ?5 THEN ?6 ELSE NULL END,
                   lease_until = CASE WHEN ?5 THEN ?7 ELSE NULL END
                 WHERE draft_id=?1 AND state IN {WAITING}
                   AND (lease_owner IS NULL OR lease_owner=?6 OR lease_until IS NULL OR lease_until < ?8)"
            ),
            params![
                id,
                state.as_str(),
                message,
                now(),
                sending,
                self.owner,
                lease_until(),
                now_ms()
            ],
        )
        };
        let mut n = update(&tx)?;
        if n == 0 && self.free_lease_of_gone_owner(&tx, &id)? {
            n = update(&tx)?;
        }
        if n == 0 {
            let exists: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM outbox WHERE draft_id=?1)",
                [draft_id.to_string()],
                |r| r.get(0),
            )?;
            if exists {
                return Err(busy_elsewhere());
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Whether the owner of a lease is gone: its lock file exists no more, or nobody holds
    /// it. When that cannot be told (a store in memory, an odd owner id, a file system
    /// without locks), the owner counts as alive and its lease runs out by time.
    fn owner_gone(&self, owner: &str) -> bool {
        let Some(path) = self.path.as_deref() else {
            return false;
        };
        if owner == self.owner || Uuid::parse_str(owner).is_err() {
            return false;
        }
        let lock_path = owners_dir(path).join(format!("{owner}.lock"));
        let file = match std::fs::OpenOptions::new().write(true).open(&lock_path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return true,
            Err(_) => return false,
        };
        match file.try_lock() {
            Ok(()) => {
                drop(file);
                let _ = std::fs::remove_file(&lock_path);
                true
            }
            Err(_) => false,
        }
    }

    /// Ends the lease on a waiting row when its owner is gone (a process that stopped); true
    /// when it did. Runs inside the caller's IMMEDIATE transaction.
    fn free_lease_of_gone_owner(
        &self,
        tx: &Transaction<'_>,
        draft_id: &str,
    ) -> rusqlite::Result<bool> {
        let holder: Option<Option<String>> = tx
            .query_row(
                &format!("SELECT lease_owner FROM outbox WHERE draft_id=?1 AND state IN {WAITING}"),
                [draft_id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(Some(holder)) = holder else {
            return Ok(false);
        };
        if !self.owner_gone(&holder) {
            return Ok(false);
        }
        tracing::info!(%draft_id, "the process that held an invoice is gone; its lease ends");
        let n = tx.execute(
            "UPDATE outbox SET lease_owner=NULL, lease_until=NULL WHERE draft_id=?1 AND lease_owner=?2",
            params![draft_id, holder],
        )?;
        Ok(n == 1)
    }

    /// Takes a waiting row for sending: a conditional update that succeeds only while the row
    /// waits and nobody else holds an unexpired lease on it. The lease lasts [`LEASE`]; renew
    /// it while sending ([`Store::renew_lease`]). A stored invoice that cannot be read moves
    /// the row to `needs_attention` instead: it is shown to the clerk, not retried.
    pub fn claim(&self, draft_id: Uuid) -> Result<Claim> {
        let mut w = lock(&self.write);
        let tx = immediate(&mut w)?;
        let id = draft_id.to_string();
        let take = |tx: &Transaction<'_>| {
            tx.execute(
                &format!(
                    "UPDATE outbox SET lease_owner=?2, lease_until=?3
                     WHERE draft_id=?1 AND state IN {WAITING}
                       AND (lease_owner IS NULL OR lease_owner=?2 OR lease_until IS NULL OR lease_until < ?4)"
                ),
                params![id, self.owner, lease_until(), now_ms()],
            )
        };
        let mut taken = take(&tx)?;
        if taken == 0 && self.free_lease_of_gone_owner(&tx, &id)? {
            taken = take(&tx)?;
        }
        if taken != 1 {
            let waiting: Option<bool> = tx
                .query_row(
                    &format!("SELECT state IN {WAITING} FROM outbox WHERE draft_id=?1"),
                    [&id],
                    |r| r.get(0),
                )
                .optional()?;
            tx.commit()?;
            return Ok(match waiting {
                Some(true) => Claim::Busy,
                _ => Claim::NotWaiting,
            });
        }
        let raw: Option<String> =
            tx.query_row("SELECT payload FROM outbox WHERE draft_id=?1", [&id], |r| {
                r.get(0)
            })?;
        let readable = raw
            .as_deref()
            .is_some_and(|p| serde_json::from_str::<OutgoingInvoice>(p).is_ok());
        if !readable {
            let msg = serde_json::to_string(&unreadable_payload()).map_err(Error::internal)?;
            tx.execute(
                "UPDATE outbox SET state='needs_attention', message=?2, updated_at=?3,
                   next_attempt_at=NULL, lease_owner=NULL, lease_until=NULL WHERE draft_id=?1",
                params![id, msg, now()],
            )?;
            tracing::warn!(%draft_id, "an outbox row's invoice cannot be read; it needs attention");
        }
        let entry = tx.query_row(
            &format!("{OUTBOX_SELECT} WHERE draft_id=?1"),
            [&id],
            outbox_row,
        )?;
        tx.commit()?;
        Ok(if readable {
            Claim::Claimed(entry)
        } else {
            Claim::NeedsAttention(entry)
        })
    }

    /// Extends this store's lease on a row; false when the lease is no longer ours.
    pub fn renew_lease(&self, draft_id: Uuid) -> Result<bool> {
        let n = self.write_one(|w| {
            w.execute(
                "UPDATE outbox SET lease_until=?3 WHERE draft_id=?1 AND lease_owner=?2",
                params![draft_id.to_string(), self.owner, lease_until()],
            )
        })?;
        Ok(n == 1)
    }

    /// Extends every lease this store holds on a waiting row (a send in progress).
    pub fn renew_leases(&self) -> Result<usize> {
        self.write_one(|w| {
            w.execute(
                &format!(
                    "UPDATE outbox SET lease_until=?2 WHERE lease_owner=?1 AND state IN {WAITING}"
                ),
                params![self.owner, lease_until()],
            )
        })
    }

    /// Gives up this store's lease on a row (the send is over for now).
    pub fn release(&self, draft_id: Uuid) -> Result<()> {
        self.write_one(|w| w.execute(
            "UPDATE outbox SET lease_owner=NULL, lease_until=NULL WHERE draft_id=?1 AND lease_owner=?2",
            params![draft_id.to_string(), self.owner],
        ))?;
        Ok(())
    }

    /// Stops retrying a row whose stored invoice cannot be read: it needs the clerk.
    pub fn mark_needs_attention(&self, draft_id: Uuid) -> Result<()> {
        let msg = serde_json::to_string(&unreadable_payload()).map_err(Error::internal)?;
        self.write_one(|w| {
            w.execute(
                &format!(
                    "UPDATE outbox SET state='needs_attention', message=?2, updated_at=?3,
                   next_attempt_at=NULL, lease_owner=NULL, lease_until=NULL
                 WHERE draft_id=?1 AND state IN {WAITING}"
                ),
                params![draft_id.to_string(), msg, now()],
            )
        })?;
        Ok(())
    }

    pub fn mark_sent(&self, draft_id: Uuid, remote_id: &str, number: Option<&str>) -> Result<()> {
        self.mark_sent_with_note(draft_id, remote_id, number, None)
    }

    /// [`Store::mark_sent`] with a note History shows (in both languages): what the back end
    /// said about the invoice it created (its state, its totals, a difference with the preview).
    pub fn mark_sent_with_note(
        &self,
        draft_id: Uuid,
        remote_id: &str,
        number: Option<&str>,
        note: Option<&Text>,
    ) -> Result<()> {
        let message = note.and_then(|t| serde_json::to_string(t).ok());
        self.write_one(|w| {
            w.execute(
            "UPDATE outbox SET state='sent', remote_id=?2, number=?3, message=?5, updated_at=?4,
               lease_owner=NULL, lease_until=NULL WHERE draft_id=?1",
            params![draft_id.to_string(), remote_id, number, now(), message],
        )
        })?;
        Ok(())
    }

    /// Keeps what the back end said of a sent invoice (state in words, totals) with its row;
    /// an answer with nothing of the kind leaves the row as it is.
    pub fn record_answer(&self, draft_id: Uuid, answer: Option<&Answer>) -> Result<()> {
        let Some(answer) = answer else {
            return Ok(());
        };
        let json = serde_json::to_string(answer).map_err(Error::internal)?;
        self.write_one(|w| {
            w.execute(
                "UPDATE outbox SET answer=?2 WHERE draft_id=?1",
                params![draft_id.to_string(), json],
            )
        })?;
        Ok(())
    }

    /// What the back end said of a sent invoice, when it said more than its id and number. A
    /// stored answer that cannot be read counts as none.
    pub fn answer(&self, draft_id: Uuid) -> Result<Option<Answer>> {
        let c = lock(&self.read);
        let json: Option<Option<String>> = c
            .query_row(
                "SELECT answer FROM outbox WHERE draft_id=?1",
                params![draft_id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(json.flatten().and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// Keeps the uploaded attachment references in the outbox payload, so a retry does not
    /// upload again.
    pub fn update_payload(&self, draft_id: Uuid, invoice: &OutgoingInvoice) -> Result<()> {
        let payload = serde_json::to_string(invoice).map_err(Error::internal)?;
        self.write_one(|w| {
            w.execute(
                "UPDATE outbox SET payload=?2, updated_at=?3 WHERE draft_id=?1",
                params![draft_id.to_string(), payload, now()],
            )
        })?;
        Ok(())
    }

    /// Records whether an attempt of this submission may have created the invoice at the back
    /// end (its body may have arrived and no definite answer came). Set before the request
    /// goes out and cleared only when the back end said it was not created (a definite answer,
    /// or a look-up that did not find it); while set, nothing is sent before a look-up.
    pub fn set_maybe_created(&self, draft_id: Uuid, maybe: bool) -> Result<()> {
        let w = lock(&self.write);
        w.execute(
            "UPDATE outbox SET maybe_created=?2 WHERE draft_id=?1",
            params![draft_id.to_string(), maybe],
        )?;
        Ok(())
    }

    /// Whether an attempt of this submission may have created the invoice (see
    /// [`Store::set_maybe_created`]); `false` when there is no such row.
    pub fn maybe_created(&self, draft_id: Uuid) -> Result<bool> {
        let c = lock(&self.read);
        Ok(c.query_row(
            "SELECT maybe_created FROM outbox WHERE draft_id=?1",
            [draft_id.to_string()],
            |r| r.get::<_, bool>(0),
        )
        .optional()?
        .unwrap_or(false))
    }

    pub fn outbox_entry(&self, draft_id: Uuid) -> Result<Option<OutboxEntry>> {
        let c = lock(&self.read);
        let mut st = c.prepare(&format!("{OUTBOX_SELECT} WHERE draft_id=?1"))?;
        Ok(st
            .query_row([draft_id.to_string()], outbox_row)
            .optional()?)
    }

    /// The outbox of a connection, newest first.
    pub fn outbox(&self, connection_id: &str, limit: usize) -> Result<Vec<OutboxEntry>> {
        let c = lock(&self.read);
        let mut st = c.prepare(&format!(
            "{OUTBOX_SELECT} WHERE connection_id=?1 ORDER BY created_at DESC LIMIT ?2"
        ))?;
        let rows = st.query_map(params![connection_id, limit as i64], outbox_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sets when a waiting submission is due again.
    pub fn schedule_retry(&self, draft_id: Uuid, at: DateTime<Utc>) -> Result<()> {
        self.write_one(|w| {
            w.execute(
                "UPDATE outbox SET next_attempt_at=?2 WHERE draft_id=?1",
                params![draft_id.to_string(), at.to_rfc3339()],
            )
        })?;
        Ok(())
    }

    /// Waiting submissions whose time has come, oldest first.
    pub fn due(&self, now: DateTime<Utc>) -> Result<Vec<OutboxEntry>> {
        let c = lock(&self.read);
        // Leases are not looked at here: a row is taken with `claim`, which also knows
        // whether the process that holds one is gone.
        let mut st = c.prepare(&format!(
            "{OUTBOX_SELECT} WHERE state IN {WAITING}
               AND (next_attempt_at IS NULL OR next_attempt_at <= ?1) ORDER BY created_at"
        ))?;
        let rows = st.query_map([now.to_rfc3339()], outbox_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Makes every waiting submission due now (the clerk asked to try again).
    pub fn retry_all_now(&self) -> Result<usize> {
        self.write_one(|w| w.execute(
            "UPDATE outbox SET next_attempt_at=NULL WHERE state IN ('queued','sending','uncertain')",
            [],
        ))
    }

    /// Submissions that still need work (queued, sending, uncertain), oldest first.
    pub fn pending(&self) -> Result<Vec<OutboxEntry>> {
        let c = lock(&self.read);
        let mut st = c.prepare(&format!(
            "{OUTBOX_SELECT} WHERE state IN ('queued','sending','uncertain') ORDER BY created_at"
        ))?;
        let rows = st.query_map([], outbox_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The next number of a named sequence, starting at `start`; never hands out a number twice.
    pub fn next_in_sequence(&self, name: &str, start: u64) -> Result<u64> {
        let mut w = lock(&self.write);
        let tx = immediate(&mut w)?;
        let key = format!("seq:{name}");
        let current: Option<String> = tx
            .query_row("SELECT value FROM settings WHERE key=?1", [&key], |r| {
                r.get(0)
            })
            .optional()?;
        let next = current
            .and_then(|v| v.parse::<u64>().ok())
            .map(|v| v + 1)
            .unwrap_or(start)
            .max(start);
        tx.execute(
            "INSERT INTO settings(key,value) VALUES(?1,?2) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            params![key, next.to_string()],
        )?;
        tx.commit()?;
        Ok(next)
    }

    // ---- look-up cache ----

    /// Applies one sync page of relations in one transaction.
    pub fn apply_relations(
        &self,
        connection_id: &str,
        scope: &str,
        page: &SyncPage<Relation>,
    ) -> Result<()> {
        self.apply_relations_pages(connection_id, scope, std::slice::from_ref(page), None)
    }

    /// Applies sync pages in order in one transaction and, when `entity` is given, stores the
    /// last page's cursor in it too. A sync writes a few pages at a time: each commit then
    /// carries more rows for the same pages of the indexes (a million rows in pages of 500
    /// would be two thousand commits).
    pub fn apply_relations_pages(
        &self,
        connection_id: &str,
        scope: &str,
        pages: &[SyncPage<Relation>],
        entity: Option<Entity>,
    ) -> Result<()> {
        self.apply_pages(connection_id, scope, pages, entity, apply_relations_in)
    }

    /// Applies one sync page of products in one transaction.
    pub fn apply_products(
        &self,
        connection_id: &str,
        scope: &str,
        page: &SyncPage<Product>,
    ) -> Result<()> {
        self.apply_products_pages(connection_id, scope, std::slice::from_ref(page), None)
    }

    /// Applies sync pages in order in one transaction and, when `entity` is given, stores the
    /// last page's cursor in it too. A sync writes a few pages at a time: each commit then
    /// carries more rows for the same pages of the indexes (a million rows in pages of 500
    /// would be two thousand commits).
    pub fn apply_products_pages(
        &self,
        connection_id: &str,
        scope: &str,
        pages: &[SyncPage<Product>],
        entity: Option<Entity>,
    ) -> Result<()> {
        self.apply_pages(connection_id, scope, pages, entity, apply_products_in)
    }

    /// Writes sync pages with `write_page`, in order, in one transaction with the last page's
    /// cursor (when `entity` is given), without waiting for the disk (see [`relaxed`]).
    fn apply_pages<T>(
        &self,
        connection_id: &str,
        scope: &str,
        pages: &[SyncPage<T>],
        entity: Option<Entity>,
        write_page: fn(&Transaction<'_>, &str, &str, &SyncPage<T>) -> Result<()>,
    ) -> Result<()> {
        let mut w = lock(&self.write);
        relaxed(&mut w, |w| {
            let tx = immediate(w)?;
            for page in pages {
                write_page(&tx, connection_id, scope, page)?;
            }
            if let (Some(entity), Some(last)) = (entity, pages.last()) {
                write_sync_cursor(&tx, connection_id, scope, entity, &last.cursor, last.done)?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Type-ahead over the cached relations: an exact number first, then names that begin with
    /// what was typed (alphabetical), then relations of which every typed word begins a word of
    /// the name, number, e-mail or city. Archived relations are hidden. See `typeahead.rs`.
    pub fn search_relations(
        &self,
        connection_id: &str,
        scope: &str,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Relation>> {
        let c = lock(&self.read);
        let list = typeahead::List {
            columns: "t.id,t.kind,t.name,t.number,t.email,t.city,t.vat_number,t.archived",
            table: "relations",
            rowid: "rid",
            fts: "relations_fts",
            base: "t.connection_id=?1 AND t.scope=?2",
            exact: Some("number"),
            first_when_empty: Some("t.kind='unknown'"),
        };
        let base = [
            rusqlite::types::Value::Text(connection_id.into()),
            rusqlite::types::Value::Text(scope.into()),
        ];
        let limit = limit.clamp(1, 200) as i64;
        Ok(typeahead::search(
            &c,
            &list,
            &base,
            query,
            limit,
            relation_row,
        )?)
    }

    /// One cached relation by its id; `None` when it is not cached or archived (an inactive
    /// relation is not offered for a new invoice).
    pub fn relation(&self, connection_id: &str, scope: &str, id: &str) -> Result<Option<Relation>> {
        let c = lock(&self.read);
        let mut st = c.prepare_cached(
            "SELECT id,kind,name,number,email,city,vat_number,archived FROM relations
             WHERE connection_id=?1 AND scope=?2 AND id=?3 AND archived=0",
        )?;
        Ok(st
            .query_row(params![connection_id, scope, id], relation_row)
            .optional()?)
    }

    /// One cached product by its id; `None` when it is not cached or archived.
    pub fn product(&self, connection_id: &str, scope: &str, id: &str) -> Result<Option<Product>> {
        let c = lock(&self.read);
        let mut st = c.prepare_cached(
            "SELECT id,code,description,price_excl,price_incl,vat_code,grp,archived,line_defaults FROM products
             WHERE connection_id=?1 AND scope=?2 AND id=?3 AND archived=0",
        )?;
        Ok(st
            .query_row(params![connection_id, scope, id], product_row)
            .optional()?)
    }

    /// Type-ahead over the cached products (code, description, group). Archived hidden. An
    /// exact code comes first, then descriptions that begin with what was typed, then the rest.
    pub fn search_products(
        &self,
        connection_id: &str,
        scope: &str,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Product>> {
        let c = lock(&self.read);
        let list = typeahead::List {
            columns: "t.id,t.code,t.description,t.price_excl,t.price_incl,t.vat_code,t.grp,t.archived,t.line_defaults",
            table: "products",
            rowid: "pid",
            fts: "products_fts",
            base: "t.connection_id=?1 AND t.scope=?2",
            exact: Some("code"),
            first_when_empty: None,
        };
        let base = [
            rusqlite::types::Value::Text(connection_id.into()),
            rusqlite::types::Value::Text(scope.into()),
        ];
        let limit = limit.clamp(1, 200) as i64;
        Ok(typeahead::search(
            &c,
            &list,
            &base,
            query,
            limit,
            product_row,
        )?)
    }

    /// How many cached customers a back end that matches by name (and e-mail) would find for
    /// this name and, when given, e-mail. More than one: the back end takes the first.
    pub fn relations_matching(
        &self,
        connection_id: &str,
        scope: &str,
        name: &str,
        email: Option<&str>,
    ) -> Result<usize> {
        let c = lock(&self.read);
        let n: i64 = match email.filter(|e| !e.trim().is_empty()) {
            Some(e) => c.query_row(
                "SELECT COUNT(*) FROM relations WHERE connection_id=?1 AND scope=?2 AND archived=0
                 AND name=?3 COLLATE NOCASE AND email=?4 COLLATE NOCASE",
                params![connection_id, scope, name, e],
                |r| r.get(0),
            )?,
            None => c.query_row(
                "SELECT COUNT(*) FROM relations WHERE connection_id=?1 AND scope=?2 AND archived=0
                 AND name=?3 COLLATE NOCASE",
                params![connection_id, scope, name],
                |r| r.get(0),
            )?,
        };
        Ok(n as usize)
    }

    /// How many rows of one list are in the cache, archived ones not counted.
    pub fn cached_count(&self, connection_id: &str, scope: &str, entity: Entity) -> Result<usize> {
        let c = lock(&self.read);
        let n: i64 = c.query_row(
            &format!(
                "SELECT COUNT(*) FROM {} WHERE connection_id=?1 AND scope=?2 AND archived=0",
                entity.as_str()
            ),
            params![connection_id, scope],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// (relations, products) in the cache, archived ones not counted.
    pub fn cache_counts(&self, connection_id: &str, scope: &str) -> Result<(usize, usize)> {
        Ok((
            self.cached_count(connection_id, scope, Entity::Relations)?,
            self.cached_count(connection_id, scope, Entity::Products)?,
        ))
    }

    pub fn sync_cursor(
        &self,
        connection_id: &str,
        scope: &str,
        entity: Entity,
    ) -> Result<SyncCursor> {
        read_cursor(
            &lock(&self.read),
            "SELECT cursor,done,synced_at FROM sync_state WHERE connection_id=?1 AND scope=?2 AND entity=?3",
            params![connection_id, scope, entity.as_str()],
        )
    }

    /// Forgets where the syncs of a connection stood; the next sync is a full reload. The
    /// cached rows stay until that reload replaces them, so typing keeps working.
    /// The declared lists' sync states go too; the address book of recipients is the clerk's
    /// own and is never touched.
    pub fn reset_sync(&self, connection_id: &str) -> Result<()> {
        self.write_one(|w| {
            w.execute(
                "DELETE FROM sync_state WHERE connection_id=?1",
                [connection_id],
            )?;
            w.execute(
                "DELETE FROM list_sync WHERE connection_id=?1",
                [connection_id],
            )
        })?;
        Ok(())
    }

    pub fn set_sync_cursor(
        &self,
        connection_id: &str,
        scope: &str,
        entity: Entity,
        cursor: &str,
        done: bool,
    ) -> Result<()> {
        self.write_one(|w| write_sync_cursor(w, connection_id, scope, entity, cursor, done))?;
        Ok(())
    }
}

/// The refusal to delete a connection with `n` invoices still waiting or uncertain.
fn still_waiting(n: i64) -> Error {
    let (nl, en) = if n == 1 {
        (
            "Deze koppeling kan niet worden verwijderd: er is nog 1 factuur die wacht op verzending of waarvan niet zeker is of hij is aangekomen. Bekijk hem bij Geschiedenis en verwijder de koppeling als hij verstuurd is.".to_string(),
            "This connection cannot be deleted: 1 invoice is still waiting to be sent or not certain to have arrived. See it in History and delete the connection once it has been sent.".to_string(),
        )
    } else {
        (
            format!("Deze koppeling kan niet worden verwijderd: er zijn nog {n} facturen die wachten op verzending of waarvan niet zeker is of ze zijn aangekomen. Bekijk ze bij Geschiedenis en verwijder de koppeling als ze verstuurd zijn."),
            format!("This connection cannot be deleted: {n} invoices are still waiting to be sent or not certain to have arrived. See them in History and delete the connection once they have been sent."),
        )
    };
    Error::new(ErrorCode::Validation, nl, en)
}

/// Starts or continues a full reload's generation for a list; `None` outside a reload.
fn reload_generation(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    connection_id: &str,
    scope: &str,
    entity: &str,
    full_reload: bool,
) -> rusqlite::Result<Option<i64>> {
    if full_reload {
        let g: i64 = tx.query_row(
            &format!(
                "SELECT COALESCE(MAX(gen),0)+1 FROM {table} WHERE connection_id=?1 AND scope=?2"
            ),
            params![connection_id, scope],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO sync_state(connection_id,scope,entity,cursor,done,reload_gen) VALUES(?1,?2,?3,NULL,0,?4)
             ON CONFLICT(connection_id,scope,entity) DO UPDATE SET reload_gen=excluded.reload_gen",
            params![connection_id, scope, entity, g],
        )?;
        return Ok(Some(g));
    }
    tx.query_row(
        "SELECT reload_gen FROM sync_state WHERE connection_id=?1 AND scope=?2 AND entity=?3",
        params![connection_id, scope, entity],
        |r| r.get::<_, Option<i64>>(0),
    )
    .optional()
    .map(Option::flatten)
}

/// Ends a full reload: what the reload did not bring is gone from the back end.
#[allow(clippy::too_many_arguments)]
fn finish_reload(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    fts: &str,
    key: &str,
    connection_id: &str,
    scope: &str,
    entity: &str,
    generation: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        &format!(
            "DELETE FROM {fts} WHERE rowid IN (SELECT {key} FROM {table} WHERE connection_id=?1 AND scope=?2 AND gen<?3)"
        ),
        params![connection_id, scope, generation],
    )?;
    tx.execute(
        &format!("DELETE FROM {table} WHERE connection_id=?1 AND scope=?2 AND gen<?3"),
        params![connection_id, scope, generation],
    )?;
    tx.execute(
        "UPDATE sync_state SET reload_gen=NULL WHERE connection_id=?1 AND scope=?2 AND entity=?3",
        params![connection_id, scope, entity],
    )?;
    Ok(())
}

const OUTBOX_SELECT: &str = "SELECT draft_id,connection_id,identity,state,payload,attempts,remote_id,number,message,relation_name,total_gross,created_at,updated_at,next_attempt_at FROM outbox";

fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let draft_id: String = r.get(0)?;
    let identity: String = r.get(2)?;
    let payload: Option<String> = r.get(4)?;
    Ok(OutboxEntry {
        draft_id: Uuid::parse_str(&draft_id).unwrap_or_default(),
        connection_id: r.get(1)?,
        identity: Uuid::parse_str(&identity).unwrap_or_default(),
        state: SubmissionState::parse(&r.get::<_, String>(3)?),
        payload: payload.and_then(|p| serde_json::from_str(&p).ok()),
        attempts: r.get(5)?,
        remote_id: r.get(6)?,
        number: r.get(7)?,
        message: r.get(8)?,
        relation_name: r.get(9)?,
        total_gross: r.get(10)?,
        created_at: parse_time(&r.get::<_, String>(11)?),
        updated_at: parse_time(&r.get::<_, String>(12)?),
        next_attempt_at: r.get::<_, Option<String>>(13)?.map(|t| parse_time(&t)),
    })
}

fn relation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Relation> {
    Ok(Relation {
        id: r.get(0)?,
        kind: RelationKind::parse(&r.get::<_, String>(1)?).unwrap_or(RelationKind::Unknown),
        name: r.get(2)?,
        number: r.get(3)?,
        email: r.get(4)?,
        city: r.get(5)?,
        vat_number: r.get(6)?,
        archived: r.get(7)?,
    })
}

fn product_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Product> {
    let dec = |s: Option<String>| s.and_then(|s| s.parse().ok());
    Ok(Product {
        id: r.get(0)?,
        code: r.get(1)?,
        description: r.get(2)?,
        price_excl: dec(r.get(3)?),
        price_incl: dec(r.get(4)?),
        vat_code: r.get(5)?,
        group: r.get(6)?,
        archived: r.get(7)?,
        // Unreadable JSON (a damaged row) prefills nothing rather than hiding the product.
        line_defaults: r
            .get::<_, Option<String>>(8)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
    })
}

fn decode_draft(body: &str) -> Option<Draft> {
    match serde_json::from_str::<Draft>(body) {
        Ok(d) => Some(d),
        Err(e) => {
            tracing::warn!(error = %e, "a stored draft could not be read");
            None
        }
    }
}

/// One sync page of relations, inside the caller's transaction.
fn apply_relations_in(
    tx: &Transaction<'_>,
    connection_id: &str,
    scope: &str,
    page: &SyncPage<Relation>,
) -> Result<()> {
    let generation = reload_generation(
        tx,
        "relations",
        connection_id,
        scope,
        "relations",
        page.full_reload,
    )?;
    {
        let mut find = tx.prepare_cached(
            "SELECT rid FROM relations WHERE connection_id=?1 AND scope=?2 AND id=?3",
        )?;
        let mut del_fts = tx.prepare_cached("DELETE FROM relations_fts WHERE rowid=?1")?;
        let mut del = tx.prepare_cached("DELETE FROM relations WHERE rid=?1")?;
        let mut ins = tx.prepare_cached(
                "INSERT INTO relations(connection_id,scope,id,kind,name,number,email,city,vat_number,archived,gen,skey)
                 VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
            )?;
        let mut ins_fts = tx.prepare_cached(
            "INSERT INTO relations_fts(rowid,name,number,email,city) VALUES(?1,?2,?3,?4,?5)",
        )?;
        let mut remove = |id: &str| -> rusqlite::Result<()> {
            if let Some(rid) = find
                .query_row(params![connection_id, scope, id], |r| r.get::<_, i64>(0))
                .optional()?
            {
                del_fts.execute([rid])?;
                del.execute([rid])?;
            }
            Ok(())
        };
        for id in &page.removed {
            remove(id)?;
        }
        for r in &page.items {
            remove(&r.id)?;
            ins.execute(params![
                connection_id,
                scope,
                r.id,
                r.kind.as_str(),
                r.name,
                r.number,
                r.email,
                r.city,
                r.vat_number,
                r.archived,
                generation.unwrap_or(0),
                sort_key(&r.name)
            ])?;
            let rid = tx.last_insert_rowid();
            if !r.archived {
                ins_fts.execute(params![rid, r.name, r.number, r.email, r.city])?;
            }
        }
    }
    if let (true, Some(g)) = (page.done, generation) {
        finish_reload(
            tx,
            "relations",
            "relations_fts",
            "rid",
            connection_id,
            scope,
            "relations",
            g,
        )?;
    }
    Ok(())
}

/// One sync page of products, inside the caller's transaction.
fn apply_products_in(
    tx: &Transaction<'_>,
    connection_id: &str,
    scope: &str,
    page: &SyncPage<Product>,
) -> Result<()> {
    let generation = reload_generation(
        tx,
        "products",
        connection_id,
        scope,
        "products",
        page.full_reload,
    )?;
    {
        let mut find = tx.prepare_cached(
            "SELECT pid FROM products WHERE connection_id=?1 AND scope=?2 AND id=?3",
        )?;
        let mut del_fts = tx.prepare_cached("DELETE FROM products_fts WHERE rowid=?1")?;
        let mut del = tx.prepare_cached("DELETE FROM products WHERE pid=?1")?;
        let mut ins = tx.prepare_cached(
                "INSERT INTO products(connection_id,scope,id,code,description,price_excl,price_incl,vat_code,grp,archived,gen,line_defaults,skey)
                 VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
            )?;
        let mut ins_fts = tx.prepare_cached(
            "INSERT INTO products_fts(rowid,code,description,grp) VALUES(?1,?2,?3,?4)",
        )?;
        let mut remove = |id: &str| -> rusqlite::Result<()> {
            if let Some(pid) = find
                .query_row(params![connection_id, scope, id], |r| r.get::<_, i64>(0))
                .optional()?
            {
                del_fts.execute([pid])?;
                del.execute([pid])?;
            }
            Ok(())
        };
        for id in &page.removed {
            remove(id)?;
        }
        for p in &page.items {
            remove(&p.id)?;
            ins.execute(params![
                connection_id,
                scope,
                p.id,
                p.code,
                p.description,
                p.price_excl.map(|d| d.to_string()),
                p.price_incl.map(|d| d.to_string()),
                p.vat_code,
                p.group,
                p.archived,
                generation.unwrap_or(0),
                serde_json::to_string(&p.line_defaults).unwrap_or_else(|_| "{}".into()),
                sort_key(&p.description)
            ])?;
            let pid = tx.last_insert_rowid();
            if !p.archived {
                ins_fts.execute(params![pid, p.code, p.description, p.group])?;
            }
        }
    }
    if let (true, Some(g)) = (page.done, generation) {
        finish_reload(
            tx,
            "products",
            "products_fts",
            "pid",
            connection_id,
            scope,
            "products",
            g,
        )?;
    }
    Ok(())
}

fn write_sync_cursor(
    c: &Connection,
    connection_id: &str,
    scope: &str,
    entity: Entity,
    cursor: &str,
    done: bool,
) -> rusqlite::Result<usize> {
    c.execute(
        "INSERT INTO sync_state(connection_id,scope,entity,cursor,done,synced_at) VALUES(?1,?2,?3,?4,?5,CASE WHEN ?5 THEN ?6 END)
         ON CONFLICT(connection_id,scope,entity) DO UPDATE SET cursor=excluded.cursor, done=excluded.done,
           synced_at=COALESCE(excluded.synced_at, sync_state.synced_at)",
        params![connection_id, scope, entity.as_str(), cursor, done, now()],
    )
}
