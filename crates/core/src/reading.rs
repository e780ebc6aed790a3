//! History's second view: the invoices the system itself holds, for a back end with an
//! [`InvoiceReader`]. What the shell calls, free of Tauri: the list from the local copy at
//! once and fresh from the system page by page, one invoice opened, and the actions the system
//! declares, each done under a key that a retry after a lost answer sends again.

use crate::backend::{Backend, Capabilities, FieldSpec, InvoiceReader};
use crate::error::{Error, ErrorCode, FieldIssue, Result};
use crate::reader::{
    InvoiceActionSpec, InvoiceColumn, InvoiceDetail, InvoicePage, InvoiceQuery, InvoiceSort,
    InvoiceState, InvoiceSummary,
};
use crate::store::Store;
use crate::texts::ShownText;
use serde::Serialize;
use std::collections::BTreeMap;

// What History knows of a connection's reading: whether the system's own invoices can be
// listed, and what a clerk can do to one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ReaderInfo {
    pub reads_invoices: bool,
    pub actions: Vec<InvoiceActionSpec>,
}

// A page of the system's invoices as History shows it. `cached`: from the local copy, while
// the system is asked (the fresh answer follows); `cursor` is handed back for the next page
// until `done`. `fetched_at`: when the copy was read from the system (RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct InvoiceList {
    pub items: Vec<InvoiceSummary>,
    pub cursor: Option<String>,
    pub done: bool,
    pub cached: bool,
    pub fetched_at: Option<String>,
}

/// Whether the back end reads invoices, and the actions it declares.
pub fn reader_info(backend: &dyn Backend) -> ReaderInfo {
    match backend.reader() {
        Some(r) => ReaderInfo {
            reads_invoices: true,
            actions: r.actions(),
        },
        None => ReaderInfo {
            reads_invoices: false,
            actions: Vec::new(),
        },
    }
}

/// The reader of a back end, or the clerk's message that this system's invoices cannot be
/// read here.
pub fn reader_of(backend: &dyn Backend) -> Result<&dyn InvoiceReader> {
    backend.reader().ok_or_else(|| {
        Error::new(
            ErrorCode::Config,
            "De facturen in dit systeem kunnen hier niet worden gelezen.",
            "The invoices in this system cannot be read here.",
        )
    })
}

/// The cache scope of a query: its administration, or "" for a system without them; a system
/// with administrations needs one chosen.
fn scope_of(caps: &Capabilities, query: &InvoiceQuery) -> Result<String> {
    caps.scope(Some(query.administration.as_str()))
        .map(str::to_string)
        .ok_or_else(|| {
            Error::new(
                ErrorCode::Validation,
                "Kies eerst een administratie.",
                "Choose an administration first.",
            )
            .with_field("administration")
        })
}

/// Whether a query narrows the system's list (then its pages do not replace the copy).
fn filtered(query: &InvoiceQuery) -> bool {
    query.from.is_some()
        || query.to.is_some()
        || query
            .customer
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty())
        || query.text.as_deref().is_some_and(|t| !t.trim().is_empty())
}

fn check_query(query: &InvoiceQuery) -> Result<()> {
    if let (Some(from), Some(to)) = (query.from, query.to) {
        if from > to {
            return Err(Error::new(
                ErrorCode::Validation,
                "De einddatum ligt vóór de begindatum.",
                "The end date is before the start date.",
            )
            .with_field("to"));
        }
    }
    Ok(())
}

/// Whether a cached summary matches a query as far as the copy can tell: every typed word in
/// its number, customer or project, its date in the range, its customer.
fn matches(s: &InvoiceSummary, query: &InvoiceQuery) -> bool {
    if query.from.is_some_and(|f| s.date < f) || query.to.is_some_and(|t| s.date > t) {
        return false;
    }
    if let Some(c) = query.customer.as_deref().filter(|c| !c.trim().is_empty()) {
        if s.customer_id.as_deref() != Some(c.trim()) {
            return false;
        }
    }
    let Some(text) = query.text.as_deref() else {
        return true;
    };
    let hay = format!(
        "{} {} {}",
        s.number.as_deref().unwrap_or(""),
        s.customer,
        s.project.as_deref().unwrap_or("")
    )
    .to_lowercase();
    text.split_whitespace()
        .all(|w| hay.contains(&w.to_lowercase()))
}

/// The list from the local copy, at once: what History read last, narrowed to the query. The
/// system is asked next ([`list_invoices`]).
pub fn cached_invoices(
    store: &Store,
    caps: &Capabilities,
    connection_id: &str,
    query: &InvoiceQuery,
) -> Result<InvoiceList> {
    check_query(query)?;
    let scope = scope_of(caps, query)?;
    let copy = store.cached_invoices(connection_id, &scope)?;
    let narrowed = filtered(query);
    let mut items: Vec<InvoiceSummary> = copy
        .items
        .into_iter()
        .filter(|s| matches(s, query))
        .collect();
    if let Some(sort) = query.sort {
        sort_invoices(&mut items, sort);
    }
    Ok(InvoiceList {
        items,
        // A narrowed copy is no page of the system's narrowed list: no next page from it.
        cursor: if narrowed { None } else { copy.cursor },
        done: if narrowed { true } else { copy.done },
        cached: true,
        fetched_at: copy.fetched_at,
    })
}

/// Compares two texts as a clerk reads them: case aside, and runs of digits by their value
/// ("F-9" before "F-10").
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut a, mut b) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (a.peek().copied(), b.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let mut da = String::new();
                while let Some(c) = a.peek().copied().filter(char::is_ascii_digit) {
                    da.push(c);
                    a.next();
                }
                let mut db = String::new();
                while let Some(c) = b.peek().copied().filter(char::is_ascii_digit) {
                    db.push(c);
                    b.next();
                }
                let (ta, tb) = (da.trim_start_matches('0'), db.trim_start_matches('0'));
                let o = ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb));
                if o != Ordering::Equal {
                    return o;
                }
            }
            (Some(x), Some(y)) => {
                let o = x.to_lowercase().cmp(y.to_lowercase());
                if o != Ordering::Equal {
                    return o;
                }
                a.next();
                b.next();
            }
        }
    }
}

fn state_rank(s: InvoiceState) -> u8 {
    match s {
        InvoiceState::Draft => 0,
        InvoiceState::Open => 1,
        InvoiceState::Overdue => 2,
        InvoiceState::Paid => 3,
        InvoiceState::Cancelled => 4,
        InvoiceState::Other => 5,
    }
}

/// Sorts invoices by a column, as the system is asked to: the local copy shows the same order
/// while the system's answer comes. An invoice without a value in the column (no number, no
/// project, no due date) comes last either way; equal values keep their order.
pub fn sort_invoices(items: &mut [InvoiceSummary], sort: InvoiceSort) {
    use std::cmp::Ordering;
    fn opt<T>(a: Option<T>, b: Option<T>, desc: bool, f: impl Fn(T, T) -> Ordering) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => {
                let o = f(a, b);
                if desc {
                    o.reverse()
                } else {
                    o
                }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    let desc = sort.descending;
    items.sort_by(|a, b| match sort.column {
        InvoiceColumn::Number => opt(a.number.as_deref(), b.number.as_deref(), desc, natural_cmp),
        InvoiceColumn::Date => opt(Some(a.date), Some(b.date), desc, |x, y| x.cmp(&y)),
        InvoiceColumn::DueDate => opt(a.due_date, b.due_date, desc, |x, y| x.cmp(&y)),
        InvoiceColumn::Customer => opt(
            Some(a.customer.as_str()),
            Some(b.customer.as_str()),
            desc,
            natural_cmp,
        ),
        InvoiceColumn::Project => opt(
            a.project.as_deref().filter(|p| !p.trim().is_empty()),
            b.project.as_deref().filter(|p| !p.trim().is_empty()),
            desc,
            natural_cmp,
        ),
        InvoiceColumn::TotalExcl => opt(Some(a.total_excl), Some(b.total_excl), desc, |x, y| {
            x.cmp(&y)
        }),
        InvoiceColumn::TotalVat => {
            opt(Some(a.total_vat), Some(b.total_vat), desc, |x, y| x.cmp(&y))
        }
        InvoiceColumn::TotalIncl => opt(Some(a.total_incl), Some(b.total_incl), desc, |x, y| {
            x.cmp(&y)
        }),
        InvoiceColumn::State => opt(
            Some(state_rank(a.state)),
            Some(state_rank(b.state)),
            desc,
            |x, y| x.cmp(&y),
        ),
    });
}

/// At most this many pages of the system are read for one page of a search that finds
/// nothing on them, so a search for an older invoice does not stop at an empty screen.
pub const SEARCH_PAGES: usize = 5;

/// One page of the system's invoices matching the query, from `cursor` (`None`: the first).
/// A page of the system's own list (no filter) is kept: the first replaces the copy, a next
/// one follows it. For a search, the system narrows the list as far as it can, and what is
/// shown is what matches as the clerk sees it (every word in the number or customer, the date
/// in the range); pages without a match are read on, up to [`SEARCH_PAGES`]. A search's pages
/// only refresh the invoices the copy holds.
pub async fn list_invoices(
    store: &Store,
    backend: &dyn Backend,
    caps: &Capabilities,
    connection_id: &str,
    query: &InvoiceQuery,
    cursor: Option<&str>,
) -> Result<InvoiceList> {
    let reader = reader_of(backend)?;
    check_query(query)?;
    let scope = scope_of(caps, query)?;
    // The system is asked for the administration the copy is kept under ("" without them).
    let query = InvoiceQuery {
        administration: scope.clone(),
        ..query.clone()
    };
    let narrowed = filtered(&query);
    let mut cursor: Option<String> = cursor.filter(|c| !c.is_empty()).map(String::from);
    let mut items = Vec::new();
    let mut pages = 0usize;
    let done = loop {
        let page: InvoicePage = reader.list_invoices(&query, cursor.as_deref()).await?;
        pages += 1;
        if narrowed {
            store.refresh_cached_invoices(connection_id, &scope, &page.items)?;
        } else {
            store.store_invoice_page(connection_id, &scope, &page, cursor.is_none())?;
        }
        let next = if page.done { None } else { page.cursor.clone() };
        // A page that hands back the cursor it was asked with would be read forever.
        let done = next.is_none() || next == cursor;
        items.extend(
            page.items
                .into_iter()
                .filter(|s| !narrowed || matches(s, &query)),
        );
        cursor = next;
        if done || !narrowed || !items.is_empty() || pages >= SEARCH_PAGES {
            break done;
        }
    };
    Ok(InvoiceList {
        items,
        cursor: if done { None } else { cursor },
        done,
        cached: false,
        fetched_at: Some(chrono::Utc::now().to_rfc3339()),
    })
}

/// One invoice with its lines and VAT; the copy gets its summary as just read. An invoice the
/// system no longer holds leaves the copy.
pub async fn open_invoice(
    store: &Store,
    backend: &dyn Backend,
    caps: &Capabilities,
    connection_id: &str,
    administration: &str,
    id: &str,
) -> Result<InvoiceDetail> {
    let reader = reader_of(backend)?;
    let scope = scope_of(
        caps,
        &InvoiceQuery {
            administration: administration.to_string(),
            ..Default::default()
        },
    )?;
    match reader.invoice(id).await {
        Ok(detail) => {
            store.refresh_cached_invoices(
                connection_id,
                &scope,
                std::slice::from_ref(&detail.summary),
            )?;
            Ok(detail)
        }
        Err(e) if e.code == ErrorCode::NotFound => {
            store.remove_cached_invoice(connection_id, &scope, id)?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// One of an invoice's texts (`which`, as its [`crate::reader::InvoiceTextRef`] names it),
/// made safe to show: HTML sanitised, RTF as plain text ([`crate::texts`]).
pub async fn invoice_text(backend: &dyn Backend, id: &str, which: &str) -> Result<ShownText> {
    let reader = reader_of(backend)?;
    let text = reader.text(id, which).await?;
    Ok(crate::texts::shown(which, text))
}

/// Whether a field of an action is shown with these values (its condition names another field
/// of the same action).
fn action_field_shown(spec: &FieldSpec, values: &BTreeMap<String, String>) -> bool {
    spec.shown_when
        .as_ref()
        .is_none_or(|c| c.holds(values.get(&c.field).map(String::as_str)))
}

/// Checks the values for an action's fields (messages on `action.<key>`) and keeps only the
/// declared fields that are shown and filled in.
pub fn check_action_values(
    spec: &InvoiceActionSpec,
    values: &BTreeMap<String, String>,
) -> std::result::Result<BTreeMap<String, String>, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let mut out = BTreeMap::new();
    for f in &spec.fields {
        if !action_field_shown(f, values) {
            continue;
        }
        let required = f.required
            || f.required_when
                .as_ref()
                .is_some_and(|c| c.holds(values.get(&c.field).map(String::as_str)));
        crate::validation::check_field("action.", f, values.get(&f.key), required, &mut issues);
        if let Some(v) = values
            .get(&f.key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        {
            out.insert(f.key.clone(), v.to_string());
        }
    }
    if issues.is_empty() {
        Ok(out)
    } else {
        Err(issues)
    }
}

/// Whether an error leaves open that the system did the action (the answer was lost or could
/// not be read): then its key is kept for the retry.
fn answer_unknown(code: ErrorCode) -> bool {
    code.is_transient()
        || matches!(
            code,
            ErrorCode::BadResponse | ErrorCode::Internal | ErrorCode::Cancelled
        )
}

// The answer to an action: the invoice as it is now, or `None` when it is gone (deleted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ActionDone {
    pub invoice: Option<InvoiceSummary>,
    pub message: String,
}

/// Does a declared action to an invoice with the clerk's values. The request's key is kept in
/// the store before it goes out and reused by every retry with the same values until an answer
/// is known; the copy follows the answer (changed, or removed when the invoice is gone).
#[allow(clippy::too_many_arguments)]
pub async fn do_action(
    store: &Store,
    backend: &dyn Backend,
    caps: &Capabilities,
    connection_id: &str,
    administration: &str,
    id: &str,
    action: &str,
    values: &BTreeMap<String, String>,
    lang: crate::i18n::Lang,
) -> Result<ActionDone> {
    let reader = reader_of(backend)?;
    let scope = scope_of(
        caps,
        &InvoiceQuery {
            administration: administration.to_string(),
            ..Default::default()
        },
    )?;
    let Some(spec) = reader.actions().into_iter().find(|a| a.key == action) else {
        return Err(Error::new(
            ErrorCode::NotFound,
            format!("Deze handeling bestaat niet in {}.", caps.system_name),
            format!("This action does not exist in {}.", caps.system_name),
        ));
    };
    let values = check_action_values(&spec, values).map_err(|issues| {
        Error::new(
            ErrorCode::Validation,
            "Controleer de gemarkeerde velden.",
            "Check the marked fields.",
        )
        .with_fields(issues)
    })?;
    let request = serde_json::to_string(&values).map_err(Error::internal)?;
    let fresh = uuid::Uuid::new_v4().to_string();
    let key = store.action_key(connection_id, id, action, &request, &fresh)?;
    match reader.act(id, action, &values, &key).await {
        Ok(now) => {
            store.forget_action_key(connection_id, id, action, &request)?;
            match &now {
                Some(s) => {
                    store.refresh_cached_invoices(connection_id, &scope, std::slice::from_ref(s))?
                }
                None => store.remove_cached_invoice(connection_id, &scope, id)?,
            }
            let label = spec.label.get(lang);
            let message = match lang {
                crate::i18n::Lang::Nl => format!("{label}: gedaan."),
                crate::i18n::Lang::En => format!("{label}: done."),
            };
            Ok(ActionDone {
                invoice: now,
                message,
            })
        }
        Err(e) => {
            if !answer_unknown(e.code) {
                store.forget_action_key(connection_id, id, action, &request)?;
            }
            if e.code == ErrorCode::NotFound {
                store.remove_cached_invoice(connection_id, &scope, id)?;
            }
            Err(e)
        }
    }
}
