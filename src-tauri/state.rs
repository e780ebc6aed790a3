//! The app's state: the store, the connections' back ends, sync status, the submit locks.

use crate::files::FilePicker;
use crate::secrets::{self, SecretKind};
use invoice_desk_backends::silvasoft::{SilvasoftClient, SilvasoftConfig, SilvasoftModule};
use invoice_desk_backends::{AfasAuth, AfasClient, AfasConfig, Secret};
use invoice_desk_core::backend::{Backend, BackendKind};
use invoice_desk_core::error::{Error, ErrorCode, IpcError, Result};
use invoice_desk_core::i18n::{Lang, Text};
use invoice_desk_core::store::{ConnectionRecord, Store};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use uuid::Uuid;

/// The token the built-in demo environment accepts. Not a secret: it opens sample data only.
pub const DEMO_APP_TOKEN: &str = "demo-app-token";
/// The demo Silvasoft account's API key; sample data only.
pub const DEMO_SILVASOFT_KEY: &str = "demo-silvasoft-key";

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

fn setting<'a>(rec: &'a ConnectionRecord, key: &str) -> Option<&'a str> {
    rec.config
        .get("settings")
        .and_then(|s| s.get(key))
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn settings_error(field: &str, nl: &str, en: &str) -> Error {
    Error::new(ErrorCode::Config, nl, en).with_field(format!("settings.{field}"))
}

/// Checks a connection's per-system settings before they are saved.
pub fn check_settings(
    kind: BackendKind,
    settings: &std::collections::BTreeMap<String, String>,
) -> Result<()> {
    let get = |k: &str| settings.get(k).map(|v| v.trim()).unwrap_or("");
    if kind == BackendKind::Silvasoft {
        let user = get("username");
        if user.is_empty() || !user.contains('@') {
            return Err(settings_error(
                "username",
                "Vul de gebruikersnaam in: het e-mailadres waarmee u inlogt bij Silvasoft.",
                "Enter the username: the e-mail address you sign in to Silvasoft with.",
            ));
        }
        if !matches!(get("module"), "bookkeeping" | "invoicing") {
            return Err(settings_error(
                "module",
                "Kies hoe u boekt: de boekhoudmodule of de facturatiemodule.",
                "Choose how to book: the bookkeeping module or the invoicing module.",
            ));
        }
        match get("numbering") {
            "" | "silvasoft" => {}
            "app" => {
                let n = get("first_invoice_number");
                if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) || n.len() > 18 {
                    return Err(settings_error(
                        "first_invoice_number",
                        "Vul het eerste factuurnummer in, alleen cijfers (bijvoorbeeld 2026001).",
                        "Enter the first invoice number, digits only (for example 2026001).",
                    ));
                }
            }
            _ => {
                return Err(settings_error(
                    "numbering",
                    "Kies wie de facturen nummert.",
                    "Choose who numbers the invoices.",
                ))
            }
        }
    }
    Ok(())
}

fn missing_secret() -> Error {
    Error::new(
        ErrorCode::Config,
        "Voor deze koppeling zijn nog geen inloggegevens opgeslagen. Vul ze in bij Instellingen.",
        "No credentials are stored for this connection yet. Enter them in Settings.",
    )
}

/// Builds the client of a connection from its record and its secrets in the keyring.
pub fn build_backend(rec: &ConnectionRecord, store: Option<&Store>) -> Result<Arc<dyn Backend>> {
    match rec.kind {
        BackendKind::Afas => {
            let auth = if rec.demo {
                AfasAuth::AppToken(Secret::new(DEMO_APP_TOKEN))
            } else if rec.auth == "oauth" {
                let client_id = rec
                    .config
                    .get("oauth_client_id")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string();
                let client_secret = secrets::load(&rec.id, SecretKind::OAuthClientSecret)?
                    .ok_or_else(missing_secret)?;
                let refresh_token =
                    secrets::load(&rec.id, SecretKind::RefreshToken)?.ok_or_else(|| {
                        Error::new(
                            ErrorCode::AuthFailed,
                            "Meld u eerst aan bij AFAS SB (Instellingen → Aanmelden bij AFAS).",
                            "Sign in to AFAS SB first (Settings → Sign in with AFAS).",
                        )
                    })?;
                AfasAuth::OAuth {
                    client_id,
                    client_secret,
                    refresh_token,
                }
            } else {
                AfasAuth::AppToken(
                    secrets::load(&rec.id, SecretKind::AppToken)?.ok_or_else(missing_secret)?,
                )
            };
            let mut client = AfasClient::new(AfasConfig {
                base_url: rec.base_url.clone(),
                auth,
            })?;
            if rec.auth == "oauth" && !rec.demo {
                let id = rec.id.clone();
                client = client.on_new_refresh_token(move |token: &Secret| {
                    if let Err(e) = secrets::store(&id, SecretKind::RefreshToken, token) {
                        tracing::warn!(code = ?e.code, "a new refresh token could not be stored");
                    }
                });
            }
            Ok(Arc::new(client))
        }
        BackendKind::Silvasoft => {
            let username = setting(rec, "username").unwrap_or_default().to_string();
            let api_key = if rec.demo {
                Secret::new(DEMO_SILVASOFT_KEY)
            } else {
                secrets::load(&rec.id, SecretKind::ApiKey)?.ok_or_else(missing_secret)?
            };
            let module = match setting(rec, "module") {
                Some("invoicing") => SilvasoftModule::Invoicing,
                _ => SilvasoftModule::Bookkeeping,
            };
            let first_invoice_number = match setting(rec, "numbering") {
                Some("app") => setting(rec, "first_invoice_number").and_then(|n| n.parse().ok()),
                _ => None,
            };
            let client = SilvasoftClient::new(SilvasoftConfig {
                base_url: rec.base_url.clone(),
                username,
                api_key,
                module,
                first_invoice_number,
                vat_percentages: vec!["21".into(), "9".into(), "0".into()],
            })?;
            // Numbers of invoices this app already sent: a look-up by date never takes one of
            // them for an invoice whose answer got lost.
            if let Some(store) = store {
                let sent = store.outbox(&rec.id, 100_000)?;
                client.remember_invoice_numbers(
                    sent.iter()
                        .filter(|e| e.state == invoice_desk_core::store::SubmissionState::Sent)
                        .filter_map(|e| e.number.clone()),
                );
            }
            Ok(Arc::new(client))
        }
        other => Err(Error::new(
            ErrorCode::Config,
            format!("{} wordt nog niet ondersteund.", other.display_name()),
            format!("{} is not supported yet.", other.display_name()),
        )),
    }
}
