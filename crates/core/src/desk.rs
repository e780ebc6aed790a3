//! The desk: what the app does for the clerk, free of Tauri. Each IPC command of the shell reads
//! its arguments, calls one function here with the store and back end it needs, and translates
//! the error; the texts a clerk reads, the warnings, the offline fallback and History's view of
//! the outbox are decided here, and tested without a window.

use crate::backend::{
    Administration, Backend, Capabilities, FieldKind, FieldSpec, Relation, RelationKind,
};
use crate::error::{Error, ErrorCode, FieldIssue, IpcError, Result};
use crate::i18n::{Lang, Text};
use crate::invoice::{evaluate, Draft, DraftAttachment, Evaluation};
use crate::lists::{
    ListScope, ListSearch, Recipient, RecipientInput, RelationSource, ScopeValue, RECIPIENT_COLUMNS,
};
use crate::store::{unreadable_payload, ConnectionRecord, OutboxEntry, Store, SubmissionState};
use crate::submit::{self, Outcome, RetryPolicy, UploadProgress};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

// A draft as the form shows it: what was typed, and what the app makes of it. (Plain comments
// on the IPC types: a doc comment would change the generated TypeScript.)
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct DraftView {
    pub draft: Draft,
    pub evaluation: Evaluation,
}

// The answer to Send.
#[derive(Serialize, ts_rs::TS)]
pub struct SubmitResult {
    pub state: SubmissionState,
    pub remote_id: Option<String>,
    pub number: Option<String>,
    pub message: String,
    pub error: Option<IpcError>,
    pub next: Option<DraftView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub answer: Option<BackendAnswer>,
}

// What the back end said of a sent invoice, next to our preview: its state in words and each
// total it gave beside ours, with whether they differ (a difference is shown, never hidden).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BackendAnswer {
    pub state: Option<String>,
    pub totals: Vec<TotalCompared>,
    pub differs: bool,
    // The system keeps the invoice as a document (a PDF) at a web address: `open_document`
    // opens it in the system viewer. Only an http(s) address is offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub document_url: Option<String>,
}

// One total of the back end beside ours (plain decimals with two places, e.g. "302.50").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TotalCompared {
    pub key: TotalKey,
    pub ours: Option<String>,
    pub theirs: String,
    pub differs: bool,
}

// Which total: excluding VAT, the VAT, including VAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum TotalKey {
    Excl,
    Vat,
    Incl,
}

/// The back end's answer beside our preview (`ours`, the totals the invoice was sent with);
/// `None` when the back end said nothing beyond its id and number.
pub fn compare_answer(
    answer: Option<&crate::backend::Answer>,
    ours: Option<&crate::totals::Totals>,
    lang: Lang,
) -> Option<BackendAnswer> {
    let a = answer?;
    let plain = crate::money::to_plain_2dp;
    let mut totals = Vec::new();
    for (key, theirs, mine) in [
        (TotalKey::Excl, a.total_excl, ours.map(|t| t.net)),
        (TotalKey::Vat, a.total_vat, ours.map(|t| t.vat)),
        (TotalKey::Incl, a.total_incl, ours.map(|t| t.gross)),
    ] {
        let Some(theirs) = theirs else { continue };
        totals.push(TotalCompared {
            key,
            ours: mine.map(plain),
            theirs: plain(theirs),
            differs: mine.is_some_and(|m| m != theirs),
        });
    }
    let state = a.state.as_ref().map(|t| t.get(lang).to_string());
    let document_url = a.document_url.as_deref().and_then(document_link);
    if state.is_none() && totals.is_empty() && document_url.is_none() {
        return None;
    }
    let differs = totals.iter().any(|t| t.differs);
    Some(BackendAnswer {
        state,
        totals,
        differs,
        document_url,
    })
}

/// The address of an invoice's document when it may be opened in the system viewer: an
/// absolute `http` or `https` address with a host, without user name or password, spaces or
/// control characters. Anything else (`file:`, `javascript:`, a program's own scheme, a
/// relative path) is `None`: the viewer is never handed something that could run or read a
/// local file.
pub fn document_link(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) || url.len() > 2048 {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains(['@', '\\']) {
        return None;
    }
    // `host`, `host:port`, `[v6]` or `[v6]:port`; a port is digits.
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (inner, after) = v6.split_once(']')?;
            let ok = !inner.is_empty()
                && inner
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.'));
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':')?),
            };
            (if ok { "v6" } else { "" }, port)
        }
        None => match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    let host_ok = host_ok && port_ok;
    host_ok.then(|| url.to_string())
}

/// The document of a sent invoice, to open in the system viewer: the address the system
/// answered, kept with the outbox row, when it is one [`document_link`] allows.
pub fn document_url(store: &Store, draft_id: Uuid) -> Result<String> {
    let none = || {
        Error::new(
            ErrorCode::NotFound,
            "Het boekhoudpakket gaf bij deze factuur geen document om te openen.",
            "The bookkeeping system gave no document to open for this invoice.",
        )
    };
    store
        .outbox_entry(draft_id)?
        .ok_or_else(invoice_not_found)?;
    let url = store
        .answer(draft_id)?
        .and_then(|a| a.document_url)
        .ok_or_else(none)?;
    document_link(&url).ok_or_else(|| {
        Error::new(
            ErrorCode::Config,
            "Het adres van het document is geen webadres (http of https) en wordt daarom niet geopend.",
            "The document's address is not a web address (http or https), so it is not opened.",
        )
        .with_detail(url)
    })
}

// One row of History.
#[derive(Serialize, ts_rs::TS)]
pub struct HistoryEntry {
    pub draft_id: Uuid,
    pub identity: Uuid,
    pub state: SubmissionState,
    pub relation_name: String,
    pub total_gross: String,
    pub remote_id: Option<String>,
    pub number: Option<String>,
    pub updated_at: String,
    pub message: Option<String>,
    pub issue_date: Option<String>,
    pub attempts: u32,
    pub next_attempt_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub answer: Option<BackendAnswer>,
}

/// A connection by id; not found when it does not exist (any more).
pub fn connection(store: &Store, id: &str) -> Result<ConnectionRecord> {
    store.connection(id)?.ok_or_else(|| {
        Error::new(
            ErrorCode::NotFound,
            "Deze koppeling bestaat niet (meer).",
            "This connection does not exist (any more).",
        )
    })
}

/// The error for a draft id that names no invoice.
pub fn invoice_not_found() -> Error {
    Error::new(
        ErrorCode::NotFound,
        "Deze factuur is niet gevonden.",
        "This invoice was not found.",
    )
}

/// A draft by id; not found when there is none.
pub fn draft(store: &Store, id: Uuid) -> Result<Draft> {
    store.draft(id)?.ok_or_else(invoice_not_found)
}

/// The evaluation the form shows: the form's own checks, the system's pre-send check on the
/// same fields ([`Backend::precheck`], so a vendor's rule is on the field before Send), and
/// what the local cache can tell: a back end that finds a customer by name takes the first of
/// several, so an ambiguous name is worth a warning.
pub fn evaluate_with_warnings(
    store: &Store,
    backend: &dyn Backend,
    draft: &Draft,
    caps: &Capabilities,
) -> Evaluation {
    let mut ev = evaluate(draft, caps);
    if let Some(writer) = backend.writer() {
        let draft = submit::with_local_recipient(store, draft, caps);
        crate::fields::merge_issues(&mut ev.issues, writer.precheck(&draft, caps));
    }
    let Some(r) = draft.relation.as_ref() else {
        return ev;
    };
    // A recipient from the local address book that was archived, deleted or left incomplete
    // since it was chosen: said on the relation field as the clerk types, as Send would.
    if let RelationSource::Local { fields } = &caps.relations {
        if let Ok(Err(issue)) = submit::local_recipient(store, draft, fields) {
            if !ev.issues.iter().any(|i| i.field == "relation") {
                ev.issues.push(issue);
            }
        }
    }
    let has_number = r
        .number
        .as_deref()
        .is_some_and(|n| n.trim().parse::<u64>().is_ok_and(|n| n > 0));
    if !caps.matches_customer_by_name || has_number {
        return ev;
    }
    let Some(scope) = caps.relation_scope(draft.administration_id.as_deref()) else {
        return ev;
    };
    let n = store
        .relations_matching(&draft.connection_id, scope, &r.name, r.email.as_deref())
        .unwrap_or(0);
    if n > 1 {
        let system = caps.system_name.as_str();
        ev.warnings.push(FieldIssue {
            field: "relation".into(),
            message: Text::new(
                format!("{n} klanten hebben deze naam{}; deze klant heeft geen klantnummer, dus {system} neemt de eerste die het vindt. Geef de klant in {system} een klantnummer om zeker te zijn.", if r.email.is_some() { " en dit e-mailadres" } else { "" }),
                format!("{n} customers share this name{}; this customer has no customer number, so {system} takes the first it finds. Give the customer a number in {system} to be sure.", if r.email.is_some() { " and e-mail address" } else { "" }),
            ),
        });
    }
    ev
}

/// A draft with its evaluation.
pub fn draft_view(
    store: &Store,
    backend: &dyn Backend,
    draft: Draft,
    caps: &Capabilities,
) -> DraftView {
    let evaluation = evaluate_with_warnings(store, backend, &draft, caps);
    DraftView { draft, evaluation }
}

/// A new, empty draft for a connection, in its chosen administration, saved.
pub fn fresh_draft(
    store: &Store,
    connection_id: &str,
    caps: &Capabilities,
    today: NaiveDate,
) -> Result<Draft> {
    let rec = connection(store, connection_id)?;
    let mut d = Draft::new(connection_id, caps, today);
    d.administration_id = if caps.administrations {
        rec.administration_id
    } else {
        None
    };
    store.save_draft(&d)?;
    Ok(d)
}

/// The open draft of a connection (a fresh one when there is none), as the form shows it.
pub fn current_draft(
    store: &Store,
    backend: &dyn Backend,
    connection_id: &str,
    caps: &Capabilities,
    today: NaiveDate,
) -> Result<DraftView> {
    let draft = match store.open_draft(connection_id)? {
        Some(mut d) => {
            if d.administration_id.is_none() {
                d.administration_id = connection(store, connection_id)
                    .ok()
                    .and_then(|c| c.administration_id);
            }
            d
        }
        None => fresh_draft(store, connection_id, caps, today)?,
    };
    Ok(draft_view(store, backend, draft, caps))
}

/// A fresh draft, as the form shows it.
pub fn new_draft(
    store: &Store,
    backend: &dyn Backend,
    connection_id: &str,
    caps: &Capabilities,
    today: NaiveDate,
) -> Result<DraftView> {
    let d = fresh_draft(store, connection_id, caps, today)?;
    Ok(draft_view(store, backend, d, caps))
}

/// Saves what the clerk typed. The attachments are not the web view's to say: the stored ones
/// (recorded when the clerk picked them) are kept, whatever paths or sizes came along. The
/// caller holds the draft-write lock.
pub fn save_typed(store: &Store, draft: Draft, now: DateTime<Utc>) -> Result<Draft> {
    let mut draft = draft;
    draft.updated_at = now;
    draft.attachments = store
        .draft(draft.id)?
        .map(|d| d.attachments)
        .unwrap_or_default();
    store.save_draft(&draft)?;
    Ok(draft)
}

/// Adds recorded files to a draft as it is now (the clerk may have kept typing while the
/// dialog was open). The caller holds the draft-write lock.
pub fn add_attachments(
    store: &Store,
    draft_id: Uuid,
    records: Vec<DraftAttachment>,
) -> Result<Draft> {
    let mut d = draft(store, draft_id)?;
    d.attachments.extend(records);
    store.save_draft(&d)?;
    Ok(d)
}

/// Removes a file from a draft, by its id. The caller holds the draft-write lock.
pub fn remove_attachment(store: &Store, draft_id: Uuid, attachment_id: Uuid) -> Result<Draft> {
    let mut d = draft(store, draft_id)?;
    d.attachments.retain(|a| a.id != attachment_id);
    store.save_draft(&d)?;
    Ok(d)
}

/// Type-ahead over the cached relations. AFAS SB's relations are shared by its
/// administrations and cached once; without the back end's capabilities the administration
/// is the scope.
pub fn search_relations(
    store: &Store,
    caps: Option<&Capabilities>,
    connection_id: &str,
    administration_id: &str,
    query: &str,
    limit: Option<usize>,
) -> Result<Vec<Relation>> {
    if caps.is_some_and(|c| c.relations.is_local()) {
        // The connection keeps its own address book: its recipients are the relations.
        return Ok(store
            .search_recipients(connection_id, query, limit.unwrap_or(20))?
            .iter()
            .map(Recipient::as_relation)
            .collect());
    }
    let scope = caps
        .and_then(|c| c.relation_scope(Some(administration_id)))
        .unwrap_or(administration_id);
    store.search_relations(connection_id, scope, query, limit.unwrap_or(20))
}

/// One relation by its id, from the same place the type-ahead reads (the cache, or the
/// connection's own address book); `None` when it is unknown or archived. Used when a choice
/// elsewhere on the form names the relation (Bloxs: a sales contract's relation).
pub fn relation_by_id(
    store: &Store,
    caps: Option<&Capabilities>,
    connection_id: &str,
    administration_id: &str,
    id: &str,
) -> Result<Option<Relation>> {
    let id = id.trim();
    if id.is_empty() {
        return Ok(None);
    }
    if caps.is_some_and(|c| c.relations.is_local()) {
        return Ok(store
            .recipient(connection_id, id)?
            .filter(|r| !r.archived)
            .map(|r| r.as_relation()));
    }
    let scope = caps
        .and_then(|c| c.relation_scope(Some(administration_id)))
        .unwrap_or(administration_id);
    store.relation(connection_id, scope, id)
}

// ---- declared look-up lists ----

/// How old a list fetched for one set of parent values may be before a search fetches it
/// again (in the background: the search answers from the cache at once).
pub const PARENT_LIST_MAX_AGE: chrono::Duration = chrono::Duration::hours(1);

/// Type-ahead in a declared list, answered from the cache at once. `parents` holds the values
/// of the form fields the look-up field is filtered on, by the list's parent keys. For a list
/// with a parent scope the answer may name a copy to fetch (never fetched, or older than
/// [`PARENT_LIST_MAX_AGE`]): the caller fetches it in the background
/// ([`crate::sync::sync_declared`]) and tells the form when pages arrive; `pending` says the
/// cache has no complete copy yet. A search never waits for a sync.
#[allow(clippy::too_many_arguments)]
pub fn search_list(
    store: &Store,
    caps: &Capabilities,
    connection_id: &str,
    list: &str,
    administration_id: Option<&str>,
    parents: &BTreeMap<String, String>,
    query: &str,
    limit: Option<usize>,
    now: DateTime<Utc>,
) -> Result<(ListSearch, Option<ScopeValue>)> {
    let Some(spec) = caps.lists.iter().find(|l| l.name == list) else {
        return Err(Error::new(
            ErrorCode::NotFound,
            format!("Dit boekhoudpakket heeft geen opzoeklijst '{list}'."),
            format!("This bookkeeping system has no look-up list '{list}'."),
        ));
    };
    let empty = ListSearch {
        items: vec![],
        pending: false,
    };
    // A system without administrations keeps one copy, whatever the form sends.
    let admin = administration_id.filter(|a| caps.administrations && !a.trim().is_empty());
    if caps.administrations && admin.is_none() && !matches!(spec.scope, ListScope::Connection) {
        return Ok((empty, None));
    }
    // Parent keys the form's look-up fields on this list may leave empty.
    let optional: Vec<String> = caps
        .header_fields
        .iter()
        .chain(&caps.line_fields)
        .filter_map(|f| match &f.kind {
            FieldKind::Lookup { list: l, filter } if l == list => Some(filter),
            _ => None,
        })
        .flatten()
        .filter(|f| f.optional)
        .map(|f| f.key.clone())
        .collect();
    let Some(scope) = ScopeValue::for_list_with_optional(spec, admin, parents, &optional) else {
        // A parent (the owner, the relation…) is not chosen yet.
        return Ok((empty, None));
    };
    let scope_keys: &[String] = match &spec.scope {
        ListScope::Parent { keys } => keys,
        _ => &[],
    };
    let filter: BTreeMap<String, String> = parents
        .iter()
        .filter(|(k, v)| !scope_keys.contains(k) && !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.trim().to_string()))
        .collect();
    let key = scope.cache_key();
    let items = store.search_list(
        connection_id,
        list,
        &key,
        &filter,
        query,
        limit.unwrap_or(20),
    )?;
    let mut pending = false;
    let mut fetch = None;
    if !scope_keys.is_empty() {
        let state = store.list_cursor(connection_id, list, &key)?;
        let stale = state
            .synced_at
            .is_none_or(|at| now.signed_duration_since(at) > PARENT_LIST_MAX_AGE);
        pending = !state.done;
        if !state.done || stale {
            fetch = Some(scope);
        }
    }
    Ok((ListSearch { items, pending }, fetch))
}

// ---- the local address book ----

fn not_local() -> Error {
    Error::new(
        ErrorCode::Config,
        "Deze koppeling haalt haar relaties uit het boekhoudpakket; er is geen eigen adresboek.",
        "This connection takes its relations from the bookkeeping system; it has no address book of its own.",
    )
}

fn recipient_not_found() -> Error {
    Error::new(
        ErrorCode::NotFound,
        "Deze ontvanger bestaat niet (meer).",
        "This recipient does not exist (any more).",
    )
}

/// The address book of a connection, by name; archived recipients only when asked for.
pub fn list_recipients(
    store: &Store,
    connection_id: &str,
    with_archived: bool,
) -> Result<Vec<Recipient>> {
    store.recipients(connection_id, with_archived)
}

/// Checks what the clerk typed for a recipient against the fields the connector declares; the
/// messages are on `recipient.name`, `recipient.kind` and `recipient.<key>`.
pub fn check_recipient(input: &RecipientInput, fields: &[FieldSpec]) -> Vec<FieldIssue> {
    let mut out = Vec::new();
    if input.name.trim().is_empty() {
        out.push(FieldIssue {
            field: "recipient.name".into(),
            message: Text::new("Vul de naam in.", "Fill in the name."),
        });
    }
    if input.kind == RelationKind::Unknown {
        out.push(FieldIssue {
            field: "recipient.kind".into(),
            message: Text::new(
                "Kies persoon of organisatie.",
                "Choose person or organisation.",
            ),
        });
    }
    for spec in fields {
        // A hidden field is not checked (a person's company number, say); its value is kept.
        if !recipient_field_shown(spec, input, fields) {
            continue;
        }
        crate::validation::check_field(
            "recipient.",
            spec,
            input.values.get(&spec.key),
            recipient_field_required(spec, input, fields),
            &mut out,
        );
    }
    out
}

/// The value a recipient field's condition looks at: `kind` (`person`, `organisation`),
/// `name`, or another declared field (empty while that field is hidden).
fn recipient_value(
    key: &str,
    input: &RecipientInput,
    fields: &[FieldSpec],
    depth: u32,
) -> Option<String> {
    match key {
        "kind" => Some(
            match input.kind {
                RelationKind::Person => "person",
                RelationKind::Organisation => "organisation",
                RelationKind::Unknown => "",
            }
            .to_string(),
        ),
        "name" => Some(input.name.clone()),
        _ => {
            if let Some(spec) = fields.iter().find(|f| f.key == key) {
                if !recipient_shown_at(spec, input, fields, depth + 1) {
                    return None;
                }
            }
            input.values.get(key).cloned()
        }
    }
}

fn recipient_shown_at(
    spec: &FieldSpec,
    input: &RecipientInput,
    fields: &[FieldSpec],
    depth: u32,
) -> bool {
    let Some(c) = &spec.shown_when else {
        return true;
    };
    // A chain this long, or a cycle, counts as not shown (as for the invoice's fields).
    if depth >= 8 {
        return false;
    }
    c.holds(recipient_value(&c.field, input, fields, depth).as_deref())
}

/// Whether a declared recipient field is shown for what the clerk typed: its `shown_when` may
/// look at the recipient's kind, its name or another field.
pub fn recipient_field_shown(
    spec: &FieldSpec,
    input: &RecipientInput,
    fields: &[FieldSpec],
) -> bool {
    recipient_shown_at(spec, input, fields, 0)
}

/// Whether a declared recipient field must be filled in now: shown, and required always or
/// under its `required_when`.
pub fn recipient_field_required(
    spec: &FieldSpec,
    input: &RecipientInput,
    fields: &[FieldSpec],
) -> bool {
    if !recipient_field_shown(spec, input, fields) {
        return false;
    }
    spec.required
        || spec
            .required_when
            .as_ref()
            .is_some_and(|c| c.holds(recipient_value(&c.field, input, fields, 0).as_deref()))
}

/// Adds a recipient to the address book or changes one. A new recipient gets a stable id (the
/// identifier the system knows it by); a changed one keeps its id and creation time. Only the
/// declared fields are kept.
pub fn save_recipient(
    store: &Store,
    caps: &Capabilities,
    connection_id: &str,
    input: RecipientInput,
    now: DateTime<Utc>,
) -> Result<Recipient> {
    let RelationSource::Local { fields } = &caps.relations else {
        return Err(not_local());
    };
    let issues = check_recipient(&input, fields);
    if !issues.is_empty() {
        return Err(Error::new(
            ErrorCode::Validation,
            "De ontvanger is niet bewaard: controleer de gemarkeerde velden.",
            "The recipient was not saved: check the marked fields.",
        )
        .with_fields(issues));
    }
    let values: BTreeMap<String, String> = fields
        .iter()
        .filter_map(|f| {
            let v = input.values.get(&f.key)?.trim();
            (!v.is_empty()).then(|| (f.key.clone(), v.to_string()))
        })
        .collect();
    let column = |k: &str| values.get(k).cloned();
    let stamp = now.to_rfc3339();
    let (id, created_at, archived) = match input.id.as_deref().filter(|i| !i.is_empty()) {
        Some(id) => {
            let old = store
                .recipient(connection_id, id)?
                .ok_or_else(recipient_not_found)?;
            (old.id, old.created_at, old.archived)
        }
        None => (Uuid::new_v4().to_string(), stamp.clone(), false),
    };
    let r = Recipient {
        id,
        kind: input.kind,
        name: input.name.trim().to_string(),
        number: column(RECIPIENT_COLUMNS[0]),
        email: column(RECIPIENT_COLUMNS[1]),
        city: column(RECIPIENT_COLUMNS[2]),
        vat_number: column(RECIPIENT_COLUMNS[3]),
        values,
        created_at,
        updated_at: stamp,
        archived,
    };
    store.save_recipient(connection_id, &r)?;
    Ok(r)
}

/// Archives a recipient (or brings one back): kept, but no longer offered by the type-ahead.
pub fn archive_recipient(
    store: &Store,
    connection_id: &str,
    id: &str,
    archived: bool,
    now: DateTime<Utc>,
) -> Result<Recipient> {
    let mut r = store
        .recipient(connection_id, id)?
        .ok_or_else(recipient_not_found)?;
    r.archived = archived;
    r.updated_at = now.to_rfc3339();
    store.save_recipient(connection_id, &r)?;
    Ok(r)
}

/// Makes one waiting invoice (or, without an id, every one) due now; how many.
pub fn retry_now(store: &Store, draft_id: Option<Uuid>, now: DateTime<Utc>) -> Result<usize> {
    match draft_id {
        Some(id) => {
            store.schedule_retry(id, now - chrono::Duration::seconds(1))?;
            Ok(1)
        }
        None => store.retry_all_now(),
    }
}

/// Chooses the administration of a connection; the open draft follows the choice (its
/// products belonged to the other administration). The caller holds the draft-write lock.
pub fn select_administration(
    store: &Store,
    connection_id: &str,
    administration_id: &str,
) -> Result<()> {
    store.set_administration(connection_id, administration_id)?;
    if let Ok(Some(mut d)) = store.open_draft(connection_id) {
        if d.administration_id.as_deref() != Some(administration_id) {
            d.administration_id = Some(administration_id.to_string());
            d.lines.iter_mut().for_each(|l| l.product = None);
            let _ = store.save_draft(&d);
        }
    }
    Ok(())
}

/// The administrations of a connection. Offline, the list from last time keeps the form
/// usable; a fresh list is kept for that.
pub async fn administrations(
    store: &Store,
    backend: &dyn Backend,
    connection_id: &str,
) -> Result<Vec<Administration>> {
    let key = format!("administrations:{connection_id}");
    match backend.administrations().await {
        Ok(list) => {
            if let Ok(s) = serde_json::to_string(&list) {
                let _ = store.set_setting(&key, &s);
            }
            Ok(list)
        }
        Err(err) => {
            if let Ok(Some(cached)) = store.setting(&key) {
                if let Ok(list) = serde_json::from_str::<Vec<Administration>>(&cached) {
                    if !list.is_empty() {
                        return Ok(list);
                    }
                }
            }
            Err(err)
        }
    }
}

/// "Factuur 2026-0042 verstuurd naar AFAS SB (totaal € 12,10; technisch id 5f3c…)": the number
/// a clerk can quote first, the back end's technical id as detail where it differs.
pub fn sent_message(
    lang: Lang,
    system: &str,
    remote_id: &str,
    number: Option<&str>,
    total: Option<rust_decimal::Decimal>,
) -> String {
    let number = number.map(str::trim).filter(|n| !n.is_empty());
    let remote_id = remote_id.trim();
    let mut details = Vec::new();
    if number.is_none() && !remote_id.is_empty() {
        details.push(format!("id {remote_id}"));
    }
    if let Some(t) = total {
        let plain = crate::money::to_plain_2dp(t);
        details.push(match lang {
            Lang::Nl => format!("totaal € {}", plain.replace('.', ",")),
            Lang::En => format!("total €{plain}"),
        });
    }
    if number.is_some_and(|n| n != remote_id) && !remote_id.is_empty() {
        details.push(lang.pick("technisch id ", "technical id ").to_string() + remote_id);
    }
    let details = if details.is_empty() {
        String::new()
    } else {
        format!(" ({})", details.join("; "))
    };
    match number {
        Some(n) => lang
            .pick(
                &format!("Factuur {n} verstuurd naar {system}{details}."),
                &format!("Invoice {n} sent to {system}{details}."),
            )
            .to_string(),
        None => lang
            .pick(
                &format!("Factuur verstuurd naar {system}{details}."),
                &format!("Invoice sent to {system}{details}."),
            )
            .to_string(),
    }
}

/// What the clerk reads when the invoice waits in the outbox.
pub fn queued_message(lang: Lang, system: &str) -> String {
    lang.pick(
        &format!("{system} is nu niet bereikbaar. De factuur staat veilig in de wachtrij en wordt automatisch verstuurd zodra {system} weer antwoordt."),
        &format!("{system} cannot be reached right now. The invoice is safe in the outbox and will be sent automatically as soon as {system} answers again."),
    )
    .to_string()
}

/// Sends a draft (once: see [`submit::submit_draft`]) and says what became of it in the
/// clerk's language, with the draft the form shows next. The caller holds the draft's submit
/// lock.
#[allow(clippy::too_many_arguments)]
pub async fn submit(
    store: &Store,
    backend: &dyn Backend,
    caps: &Capabilities,
    draft_id: Uuid,
    lang: Lang,
    today: NaiveDate,
    progress: UploadProgress<'_>,
) -> Result<SubmitResult> {
    let connection_id = draft(store, draft_id)?.connection_id;
    let system = caps.system_name.as_str();
    let outcome = submit::submit_draft(
        store,
        backend,
        caps,
        draft_id,
        RetryPolicy::default(),
        progress,
    )
    .await?;
    let fresh = || -> Result<Option<DraftView>> {
        let next = fresh_draft(store, &connection_id, caps, today)?;
        Ok(Some(draft_view(store, backend, next, caps)))
    };
    Ok(match outcome {
        Outcome::Sent(r) => {
            let next = fresh()?;
            // The first line restates the number (or the id); each warning (e.g. a total that
            // differs from the preview) follows on a line of its own.
            let mut message = sent_message(
                lang,
                system,
                &r.remote_id,
                r.number.as_deref(),
                r.total_gross,
            );
            // Then each warning (e.g. a total that differs from the preview) on a line of its
            // own; the state and the totals come apart, beside the preview (`answer`).
            if let Some(note) = r.warnings_note() {
                message.push('\n');
                message.push_str(note.get(lang));
            }
            let ours = store
                .outbox_entry(draft_id)?
                .and_then(|e| e.payload)
                .map(|p| p.totals);
            SubmitResult {
                state: SubmissionState::Sent,
                message,
                answer: compare_answer(r.answer().as_ref(), ours.as_ref(), lang),
                remote_id: Some(r.remote_id),
                number: r.number,
                error: None,
                next,
            }
        }
        Outcome::Refused(e) => {
            let next = store
                .open_draft(&connection_id)?
                .map(|d| draft_view(store, backend, d, caps));
            SubmitResult {
                state: SubmissionState::Refused,
                remote_id: None,
                number: None,
                message: e.message.get(lang).to_string(),
                error: Some(e.to_ipc(lang)),
                next,
                answer: None,
            }
        }
        Outcome::Queued(e) => SubmitResult {
            state: SubmissionState::Queued,
            remote_id: None,
            number: None,
            message: queued_message(lang, system),
            error: Some(e.to_ipc(lang)),
            next: fresh()?,
            answer: None,
        },
        Outcome::Uncertain(e) => SubmitResult {
            state: SubmissionState::Uncertain,
            remote_id: None,
            number: None,
            message: e.message.get(lang).to_string(),
            error: Some(e.to_ipc(lang)),
            next: fresh()?,
            answer: None,
        },
    })
}

/// History: the connection's latest outbox rows, as the clerk reads them.
pub fn history(store: &Store, connection_id: &str, lang: Lang) -> Result<Vec<HistoryEntry>> {
    let rows = store.outbox(connection_id, 200)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let answer = match r.state {
                SubmissionState::Sent => store.answer(r.draft_id).ok().flatten(),
                _ => None,
            };
            let ours = r.payload.as_ref().map(|p| p.totals.clone());
            let mut e = history_entry(r, lang);
            e.answer = compare_answer(answer.as_ref(), ours.as_ref(), lang);
            e
        })
        .collect())
}

/// One outbox row as History shows it. A waiting row whose stored invoice cannot be read is
/// shown as needing attention at once (the worker moves it there when it comes by).
pub fn history_entry(r: OutboxEntry, lang: Lang) -> HistoryEntry {
    let waiting = matches!(
        r.state,
        SubmissionState::Queued | SubmissionState::Sending | SubmissionState::Uncertain
    );
    let attention = r.state == SubmissionState::NeedsAttention || (waiting && r.payload.is_none());
    let message = r.message.map(|m| {
        // Stored in both languages; older rows hold plain text.
        serde_json::from_str::<Text>(&m)
            .map(|t| t.get(lang).to_string())
            .unwrap_or(m)
    });
    HistoryEntry {
        draft_id: r.draft_id,
        identity: r.identity,
        state: if attention {
            SubmissionState::NeedsAttention
        } else {
            r.state
        },
        relation_name: r.relation_name,
        total_gross: r.total_gross,
        remote_id: r.remote_id,
        // With app numbering the number is fixed before sending: known while still waiting.
        number: r.number.or_else(|| {
            r.payload
                .as_ref()
                .and_then(|p| p.extra_str("invoice_number").map(String::from))
        }),
        updated_at: r.updated_at.to_rfc3339(),
        message: if attention {
            Some(unreadable_payload().get(lang).to_string())
        } else {
            message
        },
        issue_date: r.payload.as_ref().map(|p| p.issue_date.to_string()),
        attempts: r.attempts,
        next_attempt_at: if attention {
            None
        } else {
            r.next_attempt_at.map(|t| t.to_rfc3339())
        },
        answer: None,
    }
}
