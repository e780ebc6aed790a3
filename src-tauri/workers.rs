//! Work in the background: refreshing the look-up cache, and sending what waits in the outbox.

use crate::state::AppState;
use invoice_desk_core::error::ErrorCode;
use invoice_desk_core::i18n::Text;
use invoice_desk_core::outbox;
use invoice_desk_core::store::{Claim, Entity, SubmissionState};
use invoice_desk_core::submit::{self, RetryPolicy};
use invoice_desk_core::sync::{run_refreshes, sync_list, ResetGuard, RunEnd, REFRESH_DEADLINE};
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

/// The status with the cache counts of the connection's administration.
pub fn status_with_counts(state: &AppState, connection_id: &str) -> crate::state::SyncStatus {
    let mut s = state.sync_status(connection_id);
    if let Ok(rec) = state.connection(connection_id) {
        let caps = state.backend(connection_id).ok().map(|b| b.capabilities());
        let admin = rec.administration_id.as_deref();
        let (rscope, pscope) = match &caps {
            Some(c) => (
                c.relation_scope(admin).map(String::from),
                c.product_scope(admin).map(String::from),
            ),
            None => (admin.map(String::from), admin.map(String::from)),
        };
        let store = state.store();
        if caps.as_ref().is_some_and(|c| c.relations.is_local()) {
            // The relations are the connection's own address book.
            if let Ok(r) = store.recipient_count(connection_id) {
                s.relations = r;
            }
        } else if let Some(rs) = &rscope {
            if let Ok(r) = store.cached_count(connection_id, rs, Entity::Relations) {
                s.relations = r;
            }
        }
        if let Some(admin) = pscope {
            if let Ok(p) = store.cached_count(connection_id, &admin, Entity::Products) {
                s.products = p;
            }
            if s.last_synced_at.is_none() {
                if let Ok(c) = store.sync_cursor(connection_id, &admin, Entity::Products) {
                    s.last_synced_at = c.synced_at.map(|t| t.to_rfc3339());
                }
            }
        }
    }
    s
}

fn emit_status(app: &AppHandle, connection_id: &str) {
    let state = app.state::<AppState>();
    let s = status_with_counts(&state, connection_id);
    tracing::debug!(
        connection = connection_id,
        seq = s.seq,
        running = s.refresh.running,
        "sync status"
    );
    let _ = app.emit("sync-status", s);
}

/// Asks for a refresh of the connection's look-ups. Starts one when none runs; during a run
/// the request is queued: one more run follows the current one. Either way the UI is told.
pub fn spawn_sync(app: AppHandle, connection_id: String) {
    let state = app.state::<AppState>();
    let mut start = false;
    state.update_sync(&connection_id, |s| {
        start = s.refresh.request();
        if start {
            s.error = None;
        }
    });
    emit_status(&app, &connection_id);
    if !start {
        tracing::debug!(connection = %connection_id, "look-up refresh queued behind the running one");
        return;
    }
    tauri::async_runtime::spawn(async move {
        // Whatever ends this task (a panic, cancellation at shutdown), `running` is cleared.
        let reset_app = app.clone();
        let reset_id = connection_id.clone();
        let reset = ResetGuard::new(move || {
            let state = reset_app.state::<AppState>();
            let lang = state.lang();
            state.update_sync(&reset_id, |s| {
                s.refresh.abandon();
                s.error = RunEnd::Panicked.into_result().err().map(|e| e.to_ipc(lang));
            });
            tracing::error!(connection = %reset_id, "look-up refresh task ended abnormally");
            emit_status(&reset_app, &reset_id);
        });
        let work_app = app.clone();
        let work_id = connection_id.clone();
        run_refreshes(
            REFRESH_DEADLINE,
            move || {
                let (app, id) = (work_app.clone(), work_id.clone());
                tracing::debug!(connection = %id, "look-up refresh starts");
                async move { run_sync(&app, &id).await }
            },
            |result| {
                let state = app.state::<AppState>();
                let lang = state.lang();
                let mut again = false;
                state.update_sync(&connection_id, |s| {
                    match &result {
                        Ok(()) => {
                            s.error = None;
                            s.last_synced_at = Some(chrono::Utc::now().to_rfc3339());
                        }
                        Err(e) => s.error = Some(e.to_ipc(lang)),
                    }
                    again = s.refresh.finish();
                    if again {
                        s.error = None;
                    }
                });
                match &result {
                    Ok(()) => tracing::info!(connection = %connection_id, again, "look-up refresh finished"),
                    Err(e) => tracing::warn!(connection = %connection_id, code = ?e.code, again, "look-up refresh failed"),
                }
                emit_status(&app, &connection_id);
                again
            },
        )
        .await;
        reset.disarm();
    });
}

async fn run_sync(app: &AppHandle, connection_id: &str) -> invoice_desk_core::error::Result<()> {
    let state = app.state::<AppState>();
    let backend = state.backend(connection_id)?;
    let mut rec = state.connection(connection_id)?;
    let caps = backend.capabilities();
    if caps.administrations && rec.administration_id.is_none() {
        // Choose the first administration so the form is usable at once; the clerk can change it.
        let admins = backend.administrations().await?;
        if let Some(first) = admins.first() {
            state.store().set_administration(connection_id, &first.id)?;
            rec.administration_id = Some(first.id.clone());
        }
    }
    let Some(admin) = caps
        .scope(rec.administration_id.as_deref())
        .map(String::from)
    else {
        return Ok(());
    };
    let relation_scope = caps
        .relation_scope(Some(&admin))
        .unwrap_or(&admin)
        .to_string();
    emit_status(app, connection_id);
    let store = state.store();
    let tick_app = app.clone();
    let tick_id = connection_id.to_string();
    let tick = move |_n: usize| emit_status(&tick_app, &tick_id);
    if !caps.relations.is_local() {
        sync_list(
            backend.as_ref(),
            &store,
            connection_id,
            &relation_scope,
            Entity::Relations,
            &tick,
        )
        .await?;
    }
    let product_scope = caps
        .product_scope(Some(&admin))
        .unwrap_or(&admin)
        .to_string();
    sync_list(
        backend.as_ref(),
        &store,
        connection_id,
        &product_scope,
        Entity::Products,
        &tick,
    )
    .await?;
    // The lists the system declares, per connection and per administration; lists per parent
    // are fetched when a search needs them.
    invoice_desk_core::sync::sync_declared_lists(
        backend.as_ref(),
        &store,
        connection_id,
        &caps,
        rec.administration_id.as_deref(),
        &tick,
    )
    .await?;
    Ok(())
}

/// Starts the background work as two tasks that cannot hold each other up: sending what waits
/// in the outbox, and refreshing the active connection's look-ups every few minutes.
pub fn spawn_background(app: AppHandle) {
    let outbox_app = app.clone();
    tauri::async_runtime::spawn(async move {
        // What waited in the outbox when the app stopped is sent first, then when each is due.
        tokio::time::sleep(Duration::from_secs(2)).await;
        // Each invoice has its own due time; checking every 5 s costs one small query. Each
        // round runs as a task of its own, so a panic in one round is logged and the next
        // round still comes.
        loop {
            let round_app = outbox_app.clone();
            let round = tauri::async_runtime::spawn(async move { send_pending(&round_app).await });
            if let Err(e) = round.await {
                tracing::error!(error = %e, "an outbox round ended in a panic; the next round follows");
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
    tauri::async_runtime::spawn(async move {
        // Look-ups: refreshed every 5 minutes, and after 30 s when the last refresh failed.
        let mut round: u64 = 0;
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            round += 1;
            let state = app.state::<AppState>();
            if let Ok(Some(c)) = state.active_connection() {
                let failed = state.sync_status(&c.id).error.is_some();
                if round.is_multiple_of(60) || (failed && round.is_multiple_of(6)) {
                    spawn_sync(app.clone(), c.id);
                }
            }
        }
    });
}

/// Sends queued and uncertain submissions again, each with its own identity. Each row is
/// claimed first (a lease in the store), so another process on the same store never sends it
/// at the same time; a row whose stored invoice cannot be read is shown as needing attention
/// instead of being retried.
pub async fn send_pending(app: &AppHandle) {
    let state = app.state::<AppState>();
    if state.store_failed() {
        return; // a temporary store: nothing of it is the clerk's to send
    }
    let store = state.store();
    let Ok(pending) = store.due(chrono::Utc::now()) else {
        return;
    };
    for entry in pending {
        let lock = state.submit_lock(entry.draft_id);
        let Ok(_guard) = lock.try_lock() else {
            continue; // being sent right now
        };
        let draft_id = entry.draft_id;
        let connection_id = entry.connection_id.clone();
        let lang = state.lang();
        let entry = match store.claim(draft_id) {
            Ok(Claim::Claimed(e)) => e,
            Ok(Claim::NeedsAttention(e)) => {
                let message = e
                    .message
                    .as_deref()
                    .and_then(|m| serde_json::from_str::<Text>(m).ok())
                    .map(|t| t.get(lang).to_string())
                    .unwrap_or_default();
                tracing::warn!(%draft_id, "outbox row needs attention");
                let _ = app.emit(
                    "submit-status",
                    serde_json::json!({"draft_id": draft_id, "connection_id": connection_id, "state": SubmissionState::NeedsAttention, "message": message}),
                );
                continue;
            }
            Ok(Claim::Busy | Claim::NotWaiting) => continue, // another process has it, or it is done
            Err(e) => {
                tracing::warn!(%draft_id, code = ?e.code, "an outbox row could not be claimed");
                continue;
            }
        };
        let Ok(backend) = state.backend(&connection_id) else {
            let _ = store.release(draft_id);
            continue;
        };
        let noop = |_: uuid::Uuid, _: u64, _: u64| {};
        let outcome = outbox::send_claimed(
            &store,
            backend.as_ref(),
            entry,
            RetryPolicy::default(),
            &noop,
        )
        .await;
        let (st, message) = match &outcome {
            Ok(submit::Outcome::Sent(_)) => (SubmissionState::Sent, String::new()),
            Ok(
                submit::Outcome::Queued(e)
                | submit::Outcome::Refused(e)
                | submit::Outcome::Uncertain(e),
            ) => (
                outcome
                    .as_ref()
                    .map(|o| o.state())
                    .unwrap_or(SubmissionState::Queued),
                e.message.get(lang).to_string(),
            ),
            // Another process took the row over while this one was stalled: its result counts.
            Err(e) if e.code == ErrorCode::StoreLocked => continue,
            Err(e) => (SubmissionState::Queued, e.message.get(lang).to_string()),
        };
        tracing::info!(%draft_id, state = ?st, "outbox retry");
        let _ = app.emit(
            "submit-status",
            serde_json::json!({"draft_id": draft_id, "connection_id": connection_id, "state": st, "message": message}),
        );
    }
}
