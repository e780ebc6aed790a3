//! The IPC commands: thin translations between the web view and the core. See docs/ipc.md.

use crate::secrets::{self, Keyring};
use crate::state::AppState;
use crate::workers;
use chrono::Utc;
use invoice_desk_backends::registry;
use invoice_desk_core::backend::{
    Address, Administration, Backend, Capabilities, Product, Relation,
};
pub use invoice_desk_core::connector::{ConnectionInput, ConnectionView, ConnectorDescription};
use invoice_desk_core::desk;
pub use invoice_desk_core::desk::{DraftView, HistoryEntry, SubmitResult};
use invoice_desk_core::error::{Error, ErrorCode, IpcError};
use invoice_desk_core::i18n::Lang;
use invoice_desk_core::invoice::{Draft, DraftAttachment, Evaluation};
use invoice_desk_core::store::ConnectionRecord;
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Manager};
use uuid::Uuid;

type Res<T> = std::result::Result<T, IpcError>;

// ---- no panic takes the app down -------------------------------------------------------------
//
// Tauri runs a plain (sync) command on the main thread, where a panic ends the process; a panic
// in an async command ends its task and leaves the web view waiting for an answer that never
// comes. So every command that touches the store, the keyring, a file or a back end runs its
// body off the main thread, in a task of its own, and a panic there becomes an `internal`
// error for that call only: logged, answered, and the next call works as before.

fn panicked(command: &'static str, lang: Lang, e: tokio::task::JoinError) -> IpcError {
    let what = if e.is_panic() {
        let payload = e.into_panic();
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into())
    } else {
        "cancelled".into()
    };
    tracing::error!(command, error = %what, "a command failed inside the app; the app stays up");
    Error::new(
        ErrorCode::Internal,
        "Er ging binnen de app iets mis bij deze handeling. Er is niets verloren en de app werkt door; probeer het opnieuw. Blijft het misgaan, stuur dan het logbestand naar de leverancier.",
        "Something went wrong inside the app during this step. Nothing was lost and the app keeps working; try again. If it keeps failing, send the log file to the supplier.",
    )
    .with_detail(what)
    .to_ipc(lang)
}

/// Runs blocking work (store, keyring, files) on a worker thread; a panic in it becomes an
/// `internal` error for this call.
pub(crate) async fn off_main<T, F>(command: &'static str, lang: Lang, f: F) -> Res<T>
where
    T: Send + 'static,
    F: FnOnce() -> Res<T> + Send + 'static,
{
    let asked = std::time::Instant::now();
    crate::startup::ready().await;
    let waited = asked.elapsed();
    let answer = match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(panicked(command, lang, e)),
    };
    answered(command, asked, waited);
    answer
}

/// Runs async work (a back end, a dialog) in a task of its own; a panic in it becomes an
/// `internal` error for this call.
pub(crate) async fn in_task<T, Fut>(command: &'static str, lang: Lang, fut: Fut) -> Res<T>
where
    T: Send + 'static,
    Fut: std::future::Future<Output = Res<T>> + Send + 'static,
{
    let asked = std::time::Instant::now();
    crate::startup::ready().await;
    let waited = asked.elapsed();
    let answer = match tokio::spawn(fut).await {
        Ok(r) => r,
        Err(e) => Err(panicked(command, lang, e)),
    };
    answered(command, asked, waited);
    answer
}

/// Logs (at debug level) how long a command waited for the start-up gate and how long it took.
fn answered(command: &'static str, asked: std::time::Instant, waited: std::time::Duration) {
    tracing::debug!(
        command,
        waited_ms = waited.as_secs_f64() * 1000.0,
        took_ms = (asked.elapsed() - waited).as_secs_f64() * 1000.0,
        "answered"
    );
}

/// The clerk's language, read outside the guarded part without any chance of a panic.
fn lang_of(app: &AppHandle) -> Lang {
    app.try_state::<AppState>()
        .map(|s| s.lang())
        .unwrap_or_default()
}

/// [`off_main`] with the app's state.
async fn blocking<T, F>(app: &AppHandle, command: &'static str, f: F) -> Res<T>
where
    T: Send + 'static,
    F: FnOnce(&AppState) -> Res<T> + Send + 'static,
{
    let lang = lang_of(app);
    let app = app.clone();
    off_main(command, lang, move || f(&app.state::<AppState>())).await
}

#[derive(Serialize, ts_rs::TS)]
pub struct AppInfo {
    pub version: String,
    pub lang: Lang,
    pub demo: bool,
    pub active_connection_id: Option<String>,
    pub store_warning: Option<String>,
    /// The store could not be opened: why and what to do. The UI shows only this.
    pub store_error: Option<String>,
}

fn app_info_of(state: &AppState) -> Res<AppInfo> {
    let active = state.active_connection().map_err(|e| state.ipc(e))?;
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        lang: state.lang(),
        demo: active.as_ref().map(|c| c.demo).unwrap_or(false),
        active_connection_id: active.map(|c| c.id),
        store_warning: state
            .store_warning
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|t| t.get(state.lang()).to_string()),
        store_error: state
            .store_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|t| t.get(state.lang()).to_string()),
    })
}

/// Everything the window needs to draw its first form, in one answer: one round trip at start
/// instead of two (the draft could only be asked for once the connection was known).
#[derive(Serialize, ts_rs::TS)]
pub struct FirstAnswers {
    pub info: AppInfo,
    pub connectors: Vec<ConnectorDescription>,
    pub connections: Vec<ConnectionView>,
    /// The open draft of the connection the app starts on, when that connection has a form.
    /// `None` also when it could not be read: the form then asks again and says why.
    pub draft: Option<FirstDraft>,
}

#[derive(Serialize, ts_rs::TS)]
pub struct FirstDraft {
    pub connection_id: String,
    pub view: DraftView,
}

/// The connection the app starts on: the one used last, else the first that is not a demo,
/// else the first (the UI's `chooseConnection` chooses the same way).
fn starting_connection<'a>(
    all: &'a [ConnectionView],
    last: Option<&str>,
) -> Option<&'a ConnectionView> {
    last.and_then(|id| all.iter().find(|c| c.id == id))
        .or_else(|| all.iter().find(|c| !c.demo))
        .or_else(|| all.first())
}

fn first_answers_of(state: &AppState) -> Res<FirstAnswers> {
    let info = app_info_of(state)?;
    let connections = connections_of(state)?;
    let draft = starting_connection(&connections, info.active_connection_id.as_deref())
        .filter(|c| {
            c.capabilities
                .as_ref()
                .is_some_and(|caps| caps.creates_invoices)
        })
        .and_then(|c| match current_draft_in(state, &c.id) {
            Ok(view) => Some(FirstDraft {
                connection_id: c.id.clone(),
                view,
            }),
            Err(e) => {
                tracing::debug!(code = ?e.code, "the first draft is asked for again by the form");
                None
            }
        });
    Ok(FirstAnswers {
        info,
        connectors: registry::descriptions(),
        connections,
        draft,
    })
}

#[tauri::command(rename_all = "snake_case")]
pub async fn first_answers(app: AppHandle) -> Res<FirstAnswers> {
    blocking(&app, "first_answers", first_answers_of).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn app_info(app: AppHandle) -> Res<AppInfo> {
    blocking(&app, "app_info", app_info_of).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_lang(app: AppHandle, lang: Lang) -> Res<AppInfo> {
    blocking(&app, "set_lang", move |s| set_lang_in(s, lang)).await
}

fn set_lang_in(state: &AppState, lang: Lang) -> Res<AppInfo> {
    state.set_lang(lang);
    let s = match lang {
        Lang::Nl => "nl",
        Lang::En => "en",
    };
    state
        .store()
        .set_setting("lang", s)
        .map_err(|e| state.ipc(e))?;
    app_info_of(state)
}

/// A connection as the settings screen shows it: what its connector says of it, with the
/// capabilities of its client when it could be built.
fn view_of(state: &AppState, c: &ConnectionRecord) -> ConnectionView {
    let capabilities = state.backend(&c.id).ok().map(|b| b.capabilities());
    match registry::find(c.kind.as_str()) {
        Some(connector) => connector.view(c, &Keyring(c.id.clone()), capabilities),
        // A kind this version does not know: shown, so it can be removed.
        None => ConnectionView {
            id: c.id.clone(),
            kind: c.kind.as_str().to_string(),
            name: c.name.clone(),
            base_url: c.base_url.clone(),
            auth: c.auth.clone(),
            demo: c.demo,
            administration_id: c.administration_id.clone(),
            has_secret: false,
            credentials: Default::default(),
            settings: invoice_desk_core::connector::stored_settings(c),
            capabilities,
        },
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_connections(app: AppHandle) -> Res<Vec<ConnectionView>> {
    blocking(&app, "list_connections", connections_of).await
}

/// Every connection as the UI shows it.
fn connections_of(state: &AppState) -> Res<Vec<ConnectionView>> {
    let all = state.store().connections().map_err(|e| state.ipc(e))?;
    Ok(all.iter().map(|c| view_of(state, c)).collect())
}

/// Every system the app can connect to, as the settings screen renders it.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_connectors(app: AppHandle) -> Res<Vec<ConnectorDescription>> {
    blocking(&app, "list_connectors", |_| Ok(registry::descriptions())).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_connection(app: AppHandle, input: ConnectionInput) -> Res<ConnectionView> {
    let view = blocking(&app, "save_connection", move |s| {
        save_connection_in(s, input)
    })
    .await?;
    workers::spawn_sync(app, view.id.clone());
    Ok(view)
}

/// Saves a connection as its connector's registry entry decides ([`registry::plan_save`]):
/// secrets first (old ones out when the host changed, then the typed ones in), so a keyring
/// that refuses leaves nothing half saved; then the record.
fn save_connection_in(state: &AppState, input: ConnectionInput) -> Res<ConnectionView> {
    let e = |e: Error| state.ipc(e);
    let store = state.store();
    let existing = match &input.id {
        Some(id) => store.connection(id).map_err(e)?,
        None => None,
    };
    let plan = registry::plan_save(
        &input,
        existing.as_ref(),
        || format!("conn-{}", Uuid::new_v4()),
        Utc::now(),
    )
    .map_err(e)?;
    let id = plan.record.id.clone();
    if !plan.delete_secrets.is_empty() {
        for key in &plan.delete_secrets {
            secrets::delete(&id, key).map_err(e)?;
        }
        // The client holds the old secret in memory until it is built again.
        state.forget_backend(&id);
    }
    for (key, secret) in &plan.store_secrets {
        secrets::store(&id, key, secret).map_err(e)?;
    }
    store.upsert_connection(&plan.record).map_err(e)?;
    store.set_setting("active_connection", &id).map_err(e)?;
    state.forget_backend(&id);
    Ok(view_of(state, &plan.record))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_active_connection(app: AppHandle, connection_id: String) -> Res<AppInfo> {
    let id = connection_id.clone();
    let info = blocking(&app, "set_active_connection", move |state| {
        state.connection(&id).map_err(|e| state.ipc(e))?;
        state
            .store()
            .set_setting("active_connection", &id)
            .map_err(|e| state.ipc(e))?;
        app_info_of(state)
    })
    .await?;
    workers::spawn_sync(app, connection_id);
    Ok(info)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn delete_connection(app: AppHandle, connection_id: String) -> Res<()> {
    blocking(&app, "delete_connection", move |state| {
        delete_connection_in(state, &connection_id)
    })
    .await
}

fn delete_connection_in(state: &AppState, connection_id: &str) -> Res<()> {
    let rec = state.connection(connection_id).map_err(|e| state.ipc(e))?;
    // Refused (with the count) while invoices of this connection still wait or are
    // uncertain: without the connection nothing could send or check them.
    state
        .store()
        .delete_connection(connection_id)
        .map_err(|e| state.ipc(e))?;
    if !rec.demo {
        secrets::delete_all(connection_id, rec.kind.as_str());
    }
    state.forget_backend(connection_id);
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn start_oauth(app: AppHandle, connection_id: String) -> Res<ConnectionView> {
    let lang = lang_of(&app);
    in_task("start_oauth", lang, start_oauth_in(app, connection_id)).await
}

async fn start_oauth_in(app: AppHandle, connection_id: String) -> Res<ConnectionView> {
    let state = app.state::<AppState>();
    let rec = state.connection(&connection_id).map_err(|e| state.ipc(e))?;
    crate::oauth::sign_in(&rec, state.lang(), |url| {
        if let Err(err) = open::that_detached(&url) {
            tracing::warn!(error = %err, "the system browser could not be opened");
        }
    })
    .await
    .map_err(|e| state.ipc(e))?;
    state.forget_backend(&connection_id);
    let view = view_of(&state, &rec);
    workers::spawn_sync(app.clone(), connection_id);
    Ok(view)
}

/// What the connection test reached, in the clerk's language only.
#[tauri::command(rename_all = "snake_case")]
pub async fn test_connection(app: AppHandle, connection_id: String) -> Res<String> {
    let lang = lang_of(&app);
    in_task("test_connection", lang, async move {
        let state = app.state::<AppState>();
        let backend = state.backend(&connection_id).map_err(|e| state.ipc(e))?;
        let reached = backend.test_connection().await.map_err(|e| state.ipc(e))?;
        Ok(reached.get(state.lang()).to_string())
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_administrations(
    app: AppHandle,
    connection_id: String,
) -> Res<Vec<Administration>> {
    let lang = lang_of(&app);
    in_task("list_administrations", lang, async move {
        let state = app.state::<AppState>();
        list_administrations_in(&state, connection_id).await
    })
    .await
}

async fn list_administrations_in(
    state: &AppState,
    connection_id: String,
) -> Res<Vec<Administration>> {
    let backend = state.backend(&connection_id).map_err(|e| state.ipc(e))?;
    desk::administrations(&state.store(), backend.as_ref(), &connection_id)
        .await
        .map_err(|e| state.ipc(e))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn select_administration(
    app: AppHandle,
    connection_id: String,
    administration_id: String,
) -> Res<()> {
    let id = connection_id.clone();
    blocking(&app, "select_administration", move |state| {
        // The open draft follows the choice.
        let _guard = state.draft_write();
        desk::select_administration(&state.store(), &id, &administration_id)
            .map_err(|e| state.ipc(e))
    })
    .await?;
    workers::spawn_sync(app, connection_id);
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub fn sync_now(app: AppHandle, connection_id: String) -> Res<()> {
    workers::spawn_sync(app, connection_id);
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_status(app: AppHandle, connection_id: String) -> Res<crate::state::SyncStatus> {
    blocking(&app, "sync_status", move |state| {
        let s = workers::status_with_counts(state, &connection_id);
        tracing::debug!(connection = %connection_id, seq = s.seq, running = s.refresh.running, "sync status asked");
        Ok(s)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn search_relations(
    app: AppHandle,
    connection_id: String,
    administration_id: String,
    query: String,
    limit: Option<usize>,
) -> Res<Vec<Relation>> {
    let asked = std::time::Instant::now();
    blocking(&app, "search_relations", move |state| {
        let started = asked.elapsed();
        let r = search_relations_in(state, connection_id, administration_id, query, limit);
        tracing::debug!(
            waited_us = started.as_micros() as u64,
            took_us = (asked.elapsed() - started).as_micros() as u64,
            "search_relations"
        );
        r
    })
    .await
}

fn search_relations_in(
    state: &AppState,
    connection_id: String,
    administration_id: String,
    query: String,
    limit: Option<usize>,
) -> Res<Vec<Relation>> {
    // Relations shared by all administrations of a system are cached once.
    let caps = state.backend(&connection_id).ok().map(|b| b.capabilities());
    desk::search_relations(
        &state.store(),
        caps.as_ref(),
        &connection_id,
        &administration_id,
        &query,
        limit,
    )
    .map_err(|e| state.ipc(e))
}

/// One relation by its id (from the cache or the address book); `null` when unknown or
/// archived.
#[tauri::command(rename_all = "snake_case")]
pub async fn relation_by_id(
    app: AppHandle,
    connection_id: String,
    administration_id: String,
    id: String,
) -> Res<Option<Relation>> {
    blocking(&app, "relation_by_id", move |state| {
        let caps = state.backend(&connection_id).ok().map(|b| b.capabilities());
        desk::relation_by_id(
            &state.store(),
            caps.as_ref(),
            &connection_id,
            &administration_id,
            &id,
        )
        .map_err(|e| state.ipc(e))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn search_products(
    app: AppHandle,
    connection_id: String,
    administration_id: String,
    query: String,
    limit: Option<usize>,
) -> Res<Vec<Product>> {
    blocking(&app, "search_products", move |state| {
        // Products of the whole connection are cached once, whatever the administration.
        let scope = match state.backend(&connection_id) {
            Ok(b) => b
                .capabilities()
                .product_scope(Some(&administration_id))
                .unwrap_or(&administration_id)
                .to_string(),
            Err(_) => administration_id.clone(),
        };
        state
            .store()
            .search_products(&connection_id, &scope, &query, limit.unwrap_or(20))
            .map_err(|e| state.ipc(e))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn relation_addresses(
    app: AppHandle,
    connection_id: String,
    administration_id: String,
    relation: Relation,
) -> Res<Vec<Address>> {
    let lang = lang_of(&app);
    in_task("relation_addresses", lang, async move {
        let state = app.state::<AppState>();
        let backend = state.backend(&connection_id).map_err(|e| state.ipc(e))?;
        // A system without look-up lists from the server has no addresses to choose from.
        let Some(lookups) = backend.lookups() else {
            return Ok(Vec::new());
        };
        lookups
            .addresses(&administration_id, &relation)
            .await
            .map_err(|e| state.ipc(e))
    })
    .await
}

/// A connection's back end and its capabilities.
fn backend_of(state: &AppState, connection_id: &str) -> Res<(Arc<dyn Backend>, Capabilities)> {
    let backend = state.backend(connection_id).map_err(|e| state.ipc(e))?;
    let caps = backend.capabilities();
    Ok((backend, caps))
}

fn draft_view(state: &AppState, draft: Draft) -> Res<DraftView> {
    let (backend, caps) = backend_of(state, &draft.connection_id)?;
    Ok(desk::draft_view(
        &state.store(),
        backend.as_ref(),
        draft,
        &caps,
    ))
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn current_draft(app: AppHandle, connection_id: String) -> Res<DraftView> {
    blocking(&app, "current_draft", move |state| {
        current_draft_in(state, &connection_id)
    })
    .await
}

fn current_draft_in(state: &AppState, connection_id: &str) -> Res<DraftView> {
    let (backend, caps) = backend_of(state, connection_id)?;
    desk::current_draft(
        &state.store(),
        backend.as_ref(),
        connection_id,
        &caps,
        today(),
    )
    .map_err(|e| state.ipc(e))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn new_draft(app: AppHandle, connection_id: String) -> Res<DraftView> {
    blocking(&app, "new_draft", move |state| {
        let (backend, caps) = backend_of(state, &connection_id)?;
        desk::new_draft(
            &state.store(),
            backend.as_ref(),
            &connection_id,
            &caps,
            today(),
        )
        .map_err(|e| state.ipc(e))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_draft(app: AppHandle, draft: Draft) -> Res<Evaluation> {
    blocking(&app, "save_draft", move |state| save_draft_in(state, draft)).await
}

/// Saves what the clerk typed. The attachments are not the web view's to say: the stored ones
/// (recorded by [`pick_attachments`]) are kept, whatever paths or sizes came along.
fn save_draft_in(state: &AppState, draft: Draft) -> Res<Evaluation> {
    let draft = {
        let _guard = state.draft_write();
        desk::save_typed(&state.store(), draft, Utc::now()).map_err(|e| state.ipc(e))?
    };
    let (backend, caps) = backend_of(state, &draft.connection_id)?;
    Ok(desk::evaluate_with_warnings(
        &state.store(),
        backend.as_ref(),
        &draft,
        &caps,
    ))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn pick_attachments(app: AppHandle, draft_id: String) -> Res<DraftView> {
    let lang = lang_of(&app);
    in_task("pick_attachments", lang, async move {
        let state = app.state::<AppState>();
        pick_attachments_in(&state, &draft_id).await
    })
    .await
}

/// The clerk picks files in the native dialog; each is recorded here (path, size, SHA-256)
/// and kept with the draft in the store. The web view only ever refers to it by its id.
async fn pick_attachments_in(state: &AppState, draft_id: &str) -> Res<DraftView> {
    let id = parse_id(state, draft_id)?;
    let connection_id = desk::draft(&state.store(), id)
        .map_err(|e| state.ipc(e))?
        .connection_id;
    let max_bytes = state
        .backend(&connection_id)
        .map_err(|e| state.ipc(e))?
        .capabilities()
        .max_attachment_bytes;
    let picked = state.picker.pick(state.lang()).await;
    if picked.is_empty() {
        let draft = desk::draft(&state.store(), id).map_err(|e| state.ipc(e))?;
        return draft_view(state, draft);
    }
    // Reading and hashing a large file takes a while: not on an async worker.
    let lang = state.lang();
    let records = off_main("pick_attachments", lang, move || {
        picked
            .iter()
            .map(|path| {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                DraftAttachment::from_file(path, crate::files::content_type(&name), max_bytes)
                    .map_err(|e| e.to_ipc(lang))
            })
            .collect::<Res<Vec<_>>>()
    })
    .await?;
    // The draft as it is now (the clerk kept typing while the dialog was open).
    let store = state.store();
    let draft = {
        let _guard = state.draft_write();
        desk::add_attachments(&store, id, records).map_err(|e| state.ipc(e))?
    };
    draft_view(state, draft)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn remove_attachment(
    app: AppHandle,
    draft_id: String,
    attachment_id: String,
) -> Res<DraftView> {
    blocking(&app, "remove_attachment", move |state| {
        remove_attachment_in(state, &draft_id, &attachment_id)
    })
    .await
}

fn remove_attachment_in(state: &AppState, draft_id: &str, attachment_id: &str) -> Res<DraftView> {
    let id = parse_id(state, draft_id)?;
    let att = parse_id(state, attachment_id)?;
    let store = state.store();
    let draft = {
        let _guard = state.draft_write();
        desk::remove_attachment(&store, id, att).map_err(|e| state.ipc(e))?
    };
    draft_view(state, draft)
}

fn parse_id(state: &AppState, s: &str) -> Res<Uuid> {
    Uuid::parse_str(s).map_err(|_| state.ipc(Error::internal("bad id")))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn submit_draft(app: AppHandle, draft_id: String) -> Res<SubmitResult> {
    let lang = lang_of(&app);
    in_task("submit_draft", lang, submit_draft_in(app, draft_id)).await
}

async fn submit_draft_in(app: AppHandle, draft_id: String) -> Res<SubmitResult> {
    let state = app.state::<AppState>();
    let id = parse_id(&state, &draft_id)?;
    let lock = state.submit_lock(id);
    let _guard = lock.lock().await;
    let store = state.store();
    let connection_id = desk::draft(&store, id)
        .map_err(|e| state.ipc(e))?
        .connection_id;
    let backend = state.backend(&connection_id).map_err(|e| state.ipc(e))?;
    let caps = backend.capabilities();
    let _ = app.emit(
        "submit-status",
        json!({"draft_id": id, "connection_id": connection_id, "state": "sending", "message": ""}),
    );
    let progress_app = app.clone();
    let progress = move |attachment: Uuid, sent: u64, total: u64| {
        let _ = progress_app.emit(
            "upload-progress",
            json!({"draft_id": id, "attachment_id": attachment, "sent": sent, "total": total}),
        );
    };
    let result = desk::submit(
        &store,
        backend.as_ref(),
        &caps,
        id,
        state.lang(),
        today(),
        &progress,
    )
    .await
    .map_err(|e| state.ipc(e))?;
    let _ = app.emit(
        "submit-status",
        json!({"draft_id": id, "connection_id": connection_id, "state": result.state, "message": result.message}),
    );
    Ok(result)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn history(app: AppHandle, connection_id: String) -> Res<Vec<HistoryEntry>> {
    blocking(&app, "history", move |state| {
        desk::history(&state.store(), &connection_id, state.lang()).map_err(|e| state.ipc(e))
    })
    .await
}

/// Opens the document (the PDF) of a sent invoice in the system viewer. It takes the outbox
/// entry, never an address: the address is the one the system answered, kept with the sent
/// invoice, and only an http(s) one is opened.
#[tauri::command(rename_all = "snake_case")]
pub async fn open_document(app: AppHandle, draft_id: String) -> Res<()> {
    blocking(&app, "open_document", move |state| {
        let id = parse_id(state, &draft_id)?;
        let url = desk::document_url(&state.store(), id).map_err(|e| state.ipc(e))?;
        crate::files::open_in_viewer(&url).map_err(|e| {
            state.ipc(
                Error::new(
                    ErrorCode::Io,
                    "Het document kon niet worden geopend: er is geen programma gevonden om het te tonen.",
                    "The document could not be opened: no program was found to show it.",
                )
                .with_detail(e.to_string()),
            )
        })
    })
    .await
}

/// Tries every waiting invoice again now, instead of at its scheduled time.
#[tauri::command(rename_all = "snake_case")]
pub async fn retry_outbox(app: AppHandle, draft_id: Option<String>) -> Res<usize> {
    let lang = lang_of(&app);
    in_task("retry_outbox", lang, retry_outbox_in(app, draft_id)).await
}

async fn retry_outbox_in(app: AppHandle, draft_id: Option<String>) -> Res<usize> {
    let state = app.state::<AppState>();
    let store = state.store();
    let id = draft_id.map(|id| parse_id(&state, &id)).transpose()?;
    let n = desk::retry_now(&store, id, Utc::now()).map_err(|e| state.ipc(e))?;
    crate::workers::send_pending(&app).await;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use invoice_desk_core::store::Store;

    /// A state with one demo connection "s" of the first connector (by the registry's order)
    /// whose demo declares capabilities that `fits`; the clerk picks `files`.
    fn state_with(
        files: Vec<std::path::PathBuf>,
        fits: impl Fn(&Capabilities) -> bool,
    ) -> (AppState, Capabilities) {
        let state = AppState::new(
            Store::open_in_memory().unwrap(),
            None,
            Lang::En,
            Box::new(crate::files::ListPicker(files)),
        );
        let (connector, demo) = registry::connectors()
            .iter()
            .flat_map(|c| c.demo.connections.iter().map(move |d| (c, d)))
            .find(|(c, d)| c.sample(d.settings).is_ok_and(|b| fits(&b.capabilities())))
            .expect("a demo connection that fits");
        let settings: serde_json::Map<String, serde_json::Value> = demo
            .settings
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        state
            .store()
            .upsert_connection(&ConnectionRecord {
                id: "s".into(),
                kind: connector.system(),
                name: demo.name.into(),
                base_url: format!("http://127.0.0.1:9{}", connector.demo.path),
                auth: demo.auth.into(),
                demo: true,
                administration_id: None,
                config: json!({ "settings": settings }),
                created_at: Utc::now(),
            })
            .unwrap();
        let caps = state.backend("s").unwrap().capabilities();
        (state, caps)
    }

    // ---- the first answers ----

    #[test]
    fn the_first_answers_carry_the_starting_connections_draft_the_same_as_asking_for_it() {
        let (state, _) = state_with(vec![], |c| c.creates_invoices);
        let first = first_answers_of(&state).unwrap();
        assert_eq!(first.connections.len(), 1);
        assert!(!first.connectors.is_empty());
        let draft = first.draft.expect("the demo connection has a form");
        assert_eq!(draft.connection_id, "s");
        // The form takes this draft: it is the connection's open draft, not a new one.
        let again = current_draft_in(&state, "s").unwrap();
        assert_eq!(draft.view.draft.id, again.draft.id);
    }

    #[test]
    fn the_starting_connection_is_the_last_used_then_the_first_real_one_then_the_first() {
        let view = |id: &str, demo: bool| ConnectionView {
            id: id.into(),
            kind: "x".into(),
            name: id.into(),
            base_url: String::new(),
            auth: String::new(),
            demo,
            administration_id: None,
            has_secret: true,
            credentials: Default::default(),
            settings: Default::default(),
            capabilities: None,
        };
        let all = [view("demo", true), view("real", false)];
        let pick = |last: Option<&str>| starting_connection(&all, last).map(|c| c.id.as_str());
        assert_eq!(pick(Some("demo")), Some("demo"));
        assert_eq!(pick(Some("gone")), Some("real"));
        assert_eq!(pick(None), Some("real"));
        assert_eq!(
            starting_connection(&all[..1], None).map(|c| c.id.as_str()),
            Some("demo")
        );
        assert!(starting_connection(&[], None).is_none());
    }

    // ---- no panic takes the app down ----

    #[tokio::test]
    async fn a_panic_in_a_blocking_command_is_an_internal_error_and_the_next_call_works() {
        let e = off_main::<u32, _>("test", Lang::Nl, || {
            let v: Vec<u32> = Vec::new();
            #[allow(clippy::unnecessary_operation)]
            Ok(v[3])
        })
        .await
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::Internal);
        assert!(e.message.contains("de app werkt door"), "{}", e.message);
        assert!(e.detail.unwrap_or_default().contains("index out of bounds"));
        assert_eq!(off_main("test", Lang::Nl, || Ok(7)).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn a_panic_in_an_async_command_is_an_internal_error_and_the_next_call_works() {
        let e = in_task::<u32, _>("test", Lang::En, async {
            tokio::task::yield_now().await;
            panic!("Multiplication overflowed")
        })
        .await
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::Internal);
        assert!(e.message.contains("the app keeps working"), "{}", e.message);
        assert_eq!(e.detail.as_deref(), Some("Multiplication overflowed"));
        assert_eq!(in_task("test", Lang::En, async { Ok(8) }).await.unwrap(), 8);
    }

    // ---- the web view does not decide which files are read ----

    /// A folder of its own under the system's temp folder, removed afterwards.
    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn new() -> Self {
            let p = std::env::temp_dir().join(format!("invoice-desk-test-{}", Uuid::new_v4()));
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
        fn path(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A system that takes attachments up to a limit.
    fn state_picking(files: Vec<std::path::PathBuf>) -> (AppState, u64) {
        let (state, caps) = state_with(files, |c| {
            c.attachments && c.max_attachment_bytes.is_some_and(|m| m < 1 << 30)
        });
        (state, caps.max_attachment_bytes.unwrap_or_default())
    }

    #[tokio::test]
    async fn a_picked_file_is_recorded_by_the_rust_side_and_save_draft_keeps_that_record() {
        let dir = TempDir::new();
        let file = dir.path().join("werkbon.pdf");
        std::fs::write(&file, b"%PDF-1.4 werkbon").unwrap();
        let (state, _) = state_picking(vec![file.clone()]);
        let view = current_draft_in(&state, "s").unwrap();
        let picked = pick_attachments_in(&state, &view.draft.id.to_string())
            .await
            .unwrap();
        let a = picked.draft.attachments[0].clone();
        assert_eq!(a.path, file.display().to_string());
        assert_eq!(a.size, 16);
        assert_eq!(a.sha256.len(), 64);

        // The web view sends the draft back with another path, another size and a record
        // of its own making: none of it is kept.
        let mut forged = picked.draft.clone();
        forged.reference = "typed".into();
        forged.attachments[0].path = "/etc/shadow".into();
        forged.attachments[0].size = 1;
        forged.attachments[0].sha256 = String::new();
        forged.attachments.push(DraftAttachment {
            path: "/etc/passwd".into(),
            file_name: "passwd".into(),
            size: 10,
            ..Default::default()
        });
        save_draft_in(&state, forged).unwrap();
        let stored = state.store().draft(view.draft.id).unwrap().unwrap();
        assert_eq!(stored.reference, "typed", "what was typed is saved");
        assert_eq!(
            stored.attachments,
            vec![a.clone()],
            "the files are as picked"
        );

        // Removing goes by id, and a save after it does not bring the file back.
        let after =
            remove_attachment_in(&state, &view.draft.id.to_string(), &a.id.to_string()).unwrap();
        assert!(after.draft.attachments.is_empty());
        save_draft_in(&state, picked.draft).unwrap();
        let stored = state.store().draft(view.draft.id).unwrap().unwrap();
        assert!(stored.attachments.is_empty());
    }

    #[tokio::test]
    async fn a_file_larger_than_the_back_end_takes_is_refused_when_picked() {
        let dir = TempDir::new();
        let file = dir.path().join("scan.pdf");
        let (state, max) = state_picking(vec![file.clone()]);
        std::fs::File::create(&file)
            .unwrap()
            .set_len(max + 1)
            .unwrap();
        let view = current_draft_in(&state, "s").unwrap();
        let e = pick_attachments_in(&state, &view.draft.id.to_string())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert_eq!(e.field.as_deref(), Some("attachments"));
        let stored = state.store().draft(view.draft.id).unwrap().unwrap();
        assert!(stored.attachments.is_empty());
    }

    // ---- secrets follow no new host ----

    fn keyring_usable() -> bool {
        let probe = format!("probe-{}", Uuid::new_v4());
        let ok = secrets::store(&probe, "probe", &invoice_desk_backends::Secret::new("x")).is_ok();
        let _ = secrets::delete(&probe, "probe");
        ok
    }

    /// A connection of the first connector with a sign-in that asks for a secret, typed in
    /// full: every required credential is `value`, the settings are its demo's.
    fn input(id: Option<String>, base_url: &str, value: Option<&str>) -> ConnectionInput {
        let c = &registry::connectors()[0];
        let method = c
            .sign_in
            .iter()
            .find(|m| m.oauth.is_none() && m.fields.iter().any(|f| f.secret))
            .expect("a sign-in with a secret");
        ConnectionInput {
            id,
            kind: c.id.into(),
            name: "Kantoor".into(),
            base_url: base_url.into(),
            auth: method.id.clone(),
            credentials: method
                .fields
                .iter()
                .filter(|f| f.required)
                .filter_map(|f| value.map(|v| (f.key.clone(), v.to_string())))
                .collect(),
            settings: c.demo.connections[0]
                .settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn changing_the_host_requires_the_secret_again_and_removes_the_old_ones() {
        if !keyring_usable() {
            assert!(
                std::env::var_os("CI").is_none(),
                "the keyring must work in CI (run through scripts/with-session.sh)"
            );
            eprintln!("skipped: no usable keyring here");
            return;
        }
        let (state, _) = state_with(vec![], |_| true);
        let c = &registry::connectors()[0];
        let view = save_connection_in(
            &state,
            input(None, "https://een.example.com/omgeving", Some("token-a")),
        )
        .unwrap();
        let id = view.id.clone();
        assert!(view.has_secret);
        let key = input(None, "", Some("x"))
            .credentials
            .into_keys()
            .find(|k| {
                c.sign_in
                    .iter()
                    .flat_map(|m| m.fields.iter())
                    .any(|f| f.secret && &f.key == k)
            })
            .unwrap();
        // A secret of another sign-in method of the same connection, stored earlier.
        let other = c.secret_keys().into_iter().find(|k| *k != key);
        if let Some(other) = other {
            secrets::store(&id, other, &invoice_desk_backends::Secret::new("old")).unwrap();
        }
        let stored = |k: &str| {
            secrets::load(&id, k)
                .unwrap()
                .map(|s| s.expose().to_string())
        };

        // Another path on the same host keeps the stored secret.
        save_connection_in(
            &state,
            input(Some(id.clone()), "https://een.example.com/andere", None),
        )
        .unwrap();
        assert_eq!(stored(&key).as_deref(), Some("token-a"));

        // Another host without the secret: refused on its field, nothing changed.
        let e = save_connection_in(
            &state,
            input(
                Some(id.clone()),
                "https://elders.example.com/omgeving",
                None,
            ),
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::Config);
        assert_eq!(e.field.as_deref(), Some(key.as_str()));
        assert_eq!(
            state.store().connection(&id).unwrap().unwrap().base_url,
            "https://een.example.com/andere"
        );
        assert_eq!(stored(&key).as_deref(), Some("token-a"));

        // With the new secret: saved, and only the new secret is left.
        save_connection_in(
            &state,
            input(
                Some(id.clone()),
                "https://elders.example.com/omgeving",
                Some("token-b"),
            ),
        )
        .unwrap();
        assert_eq!(stored(&key).as_deref(), Some("token-b"));
        if let Some(other) = other {
            assert!(stored(other).is_none());
        }
        secrets::delete_all(&id, c.id);
    }
}
