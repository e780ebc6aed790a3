//! IPC for declared look-up lists and the local address book of recipients: each command
//! reads its arguments and calls one function of the desk. A search in a list with a parent
//! scope answers from the cache at once; when the copy it needs is missing or old, it is
//! fetched here in the background and the form is told with a `list-synced` event.

use crate::commands::off_main;
use crate::state::AppState;
use chrono::Utc;
use invoice_desk_core::desk;
use invoice_desk_core::error::IpcError;
use invoice_desk_core::i18n::Lang;
use invoice_desk_core::lists::{ListSearch, Recipient, RecipientInput, ScopeValue};
use invoice_desk_core::sync::{fetch_key, run_bounded, sync_declared, Fetches, REFRESH_DEADLINE};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use tauri::{AppHandle, Emitter, Manager};

type Res<T> = std::result::Result<T, IpcError>;

// The `list-synced` event: pages of a list arrived for this connection; an open look-up that
// found nothing asks again.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ListSynced {
    pub connection_id: String,
    pub list: String,
}

/// The copies being fetched for a search, for the whole process.
fn fetches() -> &'static Arc<Fetches> {
    static FETCHES: OnceLock<Arc<Fetches>> = OnceLock::new();
    FETCHES.get_or_init(Default::default)
}

fn lang_of(app: &AppHandle) -> Lang {
    app.try_state::<AppState>()
        .map(|s| s.lang())
        .unwrap_or_default()
}

async fn blocking<T, F>(app: &AppHandle, command: &'static str, f: F) -> Res<T>
where
    T: Send + 'static,
    F: FnOnce(&AppState) -> Res<T> + Send + 'static,
{
    let lang = lang_of(app);
    let app = app.clone();
    off_main(command, lang, move || f(&app.state::<AppState>())).await
}

#[tauri::command(rename_all = "snake_case")]
#[allow(clippy::too_many_arguments)]
pub async fn search_list(
    app: AppHandle,
    connection_id: String,
    list: String,
    administration_id: Option<String>,
    parents: BTreeMap<String, String>,
    query: String,
    limit: Option<usize>,
) -> Res<ListSearch> {
    let handle = app.clone();
    blocking(&app, "search_list", move |state| {
        let backend = state.backend(&connection_id).map_err(|e| state.ipc(e))?;
        let caps = backend.capabilities();
        let (found, fetch) = desk::search_list(
            &state.store(),
            &caps,
            &connection_id,
            &list,
            administration_id.as_deref(),
            &parents,
            &query,
            limit,
            Utc::now(),
        )
        .map_err(|e| state.ipc(e))?;
        if let Some(scope) = fetch {
            let key = fetch_key(&connection_id, &list, &scope);
            if let Some(e) = fetches().recent_failure(&key) {
                // No copy, and the last fetch failed a moment ago: say why, instead of
                // "being loaded" for a list that does not come.
                if found.pending {
                    return Err(state.ipc(e));
                }
            } else {
                spawn_fetch(handle, connection_id, list, scope);
            }
        }
        Ok(found)
    })
    .await
}

/// Fetches one copy of a list in the background, once at a time, telling the form after each
/// page and at the end (also when it failed: the form's next search gets the error).
fn spawn_fetch(app: AppHandle, connection_id: String, list: String, scope: ScopeValue) {
    let Some(guard) = fetches().begin(fetch_key(&connection_id, &list, &scope)) else {
        return;
    };
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let (backend, store) = match state.backend(&connection_id) {
            Ok(b) => (b, state.store()),
            Err(_) => return,
        };
        let event = ListSynced {
            connection_id: connection_id.clone(),
            list: list.clone(),
        };
        let tick_app = app.clone();
        let tick_event = event.clone();
        let end = run_bounded(REFRESH_DEADLINE, async move {
            let tick = move |_n: usize| {
                let _ = tick_app.emit("list-synced", tick_event.clone());
            };
            sync_declared(
                backend.as_ref(),
                &store,
                &connection_id,
                &list,
                &scope,
                &tick,
            )
            .await
            .map(|_| ())
        })
        .await;
        let outcome = end.into_result().map(|()| 0usize);
        if let Err(e) = &outcome {
            tracing::warn!(list = %event.list, code = ?e.code, "a look-up list could not be fetched");
        }
        // A failure is remembered before the form asks again, so it gets the error.
        guard.finish(&outcome);
        let _ = app.emit("list-synced", event);
    });
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_recipients(
    app: AppHandle,
    connection_id: String,
    with_archived: Option<bool>,
) -> Res<Vec<Recipient>> {
    blocking(&app, "list_recipients", move |state| {
        desk::list_recipients(
            &state.store(),
            &connection_id,
            with_archived.unwrap_or(false),
        )
        .map_err(|e| state.ipc(e))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_recipient(
    app: AppHandle,
    connection_id: String,
    input: RecipientInput,
) -> Res<Recipient> {
    blocking(&app, "save_recipient", move |state| {
        let backend = state.backend(&connection_id).map_err(|e| state.ipc(e))?;
        desk::save_recipient(
            &state.store(),
            &backend.capabilities(),
            &connection_id,
            input,
            Utc::now(),
        )
        .map_err(|e| state.ipc(e))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn archive_recipient(
    app: AppHandle,
    connection_id: String,
    id: String,
    archived: Option<bool>,
) -> Res<Recipient> {
    blocking(&app, "archive_recipient", move |state| {
        desk::archive_recipient(
            &state.store(),
            &connection_id,
            &id,
            archived.unwrap_or(true),
            Utc::now(),
        )
        .map_err(|e| state.ipc(e))
    })
    .await
}
