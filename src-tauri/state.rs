//! The app's state: the store, the connections' back ends, sync status, the submit locks.

use crate::files::FilePicker;
use crate::secrets::{self, Keyring};
use invoice_desk_backends::registry::{self, RotatedSecret};
use invoice_desk_backends::Secret;
use invoice_desk_core::backend::Backend;
use invoice_desk_core::error::{Error, IpcError, Result};
use invoice_desk_core::i18n::{Lang, Text};
use invoice_desk_core::store::{ConnectionRecord, Store};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use uuid::Uuid;

/// The sync status of one connection, as the UI shows it.
#[derive(Debug, Clone, Serialize, Default, ts_rs::TS)]
pub struct SyncStatus {
    pub connection_id: String,
    /// `running` for the UI; whether another run is queued stays inside.
    #[serde(flatten)]
    pub refresh: invoice_desk_core::sync::RefreshFlags,
    /// Numbers the snapshot (higher is newer, per process): the UI ignores older ones.
    #[ts(type = "number")]
    pub seq: u64,
    pub relations: usize,
    pub products: usize,
    pub last_synced_at: Option<String>,
    pub error: Option<IpcError>,
}

pub struct AppState {
    store: RwLock<Arc<Store>>,
    pub store_warning: Mutex<Option<Text>>,
    /// The store could not be opened: why, and what to do. The app then runs on a temporary
    /// store only to show this; the clerk cannot type and nothing is sent.
    pub store_error: Mutex<Option<Text>>,
    pub lang: RwLock<Lang>,
    backends: Mutex<HashMap<String, Arc<dyn Backend>>>,
    pub sync: Mutex<HashMap<String, SyncStatus>>,
    submit_locks: Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>,
    /// Held while a draft is read, changed and written back (a save, a picked or removed
    /// attachment), so that none of them writes over another's change.
    draft_writes: Mutex<()>,
    pub picker: Box<dyn FilePicker>,
    pub demo: Mutex<Option<invoice_desk_sandbox::Sandbox>>,
}

fn guard<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    pub fn new(
        store: Store,
        warning: Option<Text>,
        lang: Lang,
        picker: Box<dyn FilePicker>,
    ) -> Self {
        AppState {
            store: RwLock::new(Arc::new(store)),
            store_warning: Mutex::new(warning),
            store_error: Mutex::new(None),
            lang: RwLock::new(lang),
            backends: Mutex::new(HashMap::new()),
            sync: Mutex::new(HashMap::new()),
            submit_locks: Mutex::new(HashMap::new()),
            draft_writes: Mutex::new(()),
            picker,
            demo: Mutex::new(None),
        }
    }

    pub fn store(&self) -> Arc<Store> {
        self.store.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether the app runs without its store (see `store_error`).
    pub fn store_failed(&self) -> bool {
        guard(&self.store_error).is_some()
    }

    pub fn lang(&self) -> Lang {
        *self.lang.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_lang(&self, lang: Lang) {
        *self.lang.write().unwrap_or_else(|p| p.into_inner()) = lang;
    }

    pub fn ipc(&self, e: Error) -> IpcError {
        e.to_ipc(self.lang())
    }

    pub fn connection(&self, id: &str) -> Result<ConnectionRecord> {
        invoice_desk_core::desk::connection(&self.store(), id)
    }

    /// The back end of a connection, built once and kept (its token cache lives in it).
    pub fn backend(&self, connection_id: &str) -> Result<Arc<dyn Backend>> {
        if let Some(b) = guard(&self.backends).get(connection_id) {
            return Ok(b.clone());
        }
        let rec = self.connection(connection_id)?;
        let backend = build_backend(&rec, Some(&self.store()))?;
        guard(&self.backends).insert(connection_id.to_string(), backend.clone());
        Ok(backend)
    }

    /// Puts a made-up back end behind a connection, for the shell's tests.
    #[cfg(test)]
    pub fn set_backend_for_tests(&self, connection_id: &str, backend: Arc<dyn Backend>) {
        guard(&self.backends).insert(connection_id.to_string(), backend);
    }

    pub fn forget_backend(&self, connection_id: &str) {
        guard(&self.backends).remove(connection_id);
    }

    /// One lock per draft: a double click waits for the first submit and then sees its result.
    pub fn submit_lock(&self, draft_id: Uuid) -> Arc<tokio::sync::Mutex<()>> {
        guard(&self.submit_locks)
            .entry(draft_id)
            .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(())))
            .clone()
    }

    /// One read-change-write of a draft at a time.
    pub fn draft_write(&self) -> std::sync::MutexGuard<'_, ()> {
        guard(&self.draft_writes)
    }

    /// A snapshot of the status, numbered while the lock is held, so a later number never
    /// shows an older state.
    pub fn sync_status(&self, connection_id: &str) -> SyncStatus {
        let map = guard(&self.sync);
        let mut s = map
            .get(connection_id)
            .cloned()
            .unwrap_or_else(|| SyncStatus {
                connection_id: connection_id.to_string(),
                ..Default::default()
            });
        s.seq = invoice_desk_core::sync::next_status_seq();
        s
    }

    pub fn update_sync(&self, connection_id: &str, f: impl FnOnce(&mut SyncStatus)) -> SyncStatus {
        let mut map = guard(&self.sync);
        let s = map
            .entry(connection_id.to_string())
            .or_insert_with(|| SyncStatus {
                connection_id: connection_id.to_string(),
                ..Default::default()
            });
        f(s);
        s.clone()
    }

    /// The connection the form works on: the one chosen last, or the first.
    pub fn active_connection(&self) -> Result<Option<ConnectionRecord>> {
        let store = self.store();
        let all = store.connections()?;
        let chosen = store.setting("active_connection")?;
        Ok(chosen
            .and_then(|id| all.iter().find(|c| c.id == id).cloned())
            .or_else(|| all.first().cloned()))
    }
}

/// Builds the client of a connection: its connector from the registry, its secrets from the
/// keyring (the demo's from its fixed token), a rotated secret back into the keyring.
pub fn build_backend(rec: &ConnectionRecord, store: Option<&Store>) -> Result<Arc<dyn Backend>> {
    let connector = registry::get(rec.kind.as_str())?;
    if rec.demo {
        return connector.build(rec, &connector.demo.secrets(), store, None);
    }
    let id = rec.id.clone();
    let keep: RotatedSecret = Arc::new(move |key: &str, secret: &Secret| {
        if let Err(e) = secrets::store(&id, key, secret) {
            tracing::warn!(code = ?e.code, "a renewed secret could not be stored");
        }
    });
    connector.build(rec, &Keyring(rec.id.clone()), store, Some(keep))
}
