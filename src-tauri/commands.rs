//! The IPC commands: thin translations between the web view and the core. See docs/ipc.md.

use crate::secrets::{self, SecretKind};
use crate::state::AppState;
use crate::workers;
use chrono::Utc;
use invoice_desk_backends::Secret;
use invoice_desk_core::backend::{
    Address, Administration, BackendKind, Capabilities, Product, Relation,
};
use invoice_desk_core::error::{Error, ErrorCode, IpcError};
use invoice_desk_core::i18n::Lang;
use invoice_desk_core::invoice::{evaluate, Draft, DraftAttachment, Evaluation};
use invoice_desk_core::store::{ConnectionRecord, SubmissionState};
use invoice_desk_core::submit::{self, Outcome, RetryPolicy};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tauri::{AppHandle, Emitter, State};
use uuid::Uuid;

type Res<T> = std::result::Result<T, IpcError>;

#[derive(Serialize)]
pub struct AppInfo {
    pub version: String,
    pub lang: Lang,
    pub demo: bool,
    pub active_connection_id: Option<String>,
    pub store_warning: Option<String>,
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
    })
}

#[tauri::command(rename_all = "snake_case")]
pub fn app_info(state: State<'_, AppState>) -> Res<AppInfo> {
    app_info_of(&state)
}

#[tauri::command(rename_all = "snake_case")]
pub fn set_lang(state: State<'_, AppState>, lang: Lang) -> Res<AppInfo> {
    state.set_lang(lang);
    let s = match lang {
        Lang::Nl => "nl",
        Lang::En => "en",
    };
    state
        .store()
        .set_setting("lang", s)
        .map_err(|e| state.ipc(e))?;
    app_info_of(&state)
}

#[derive(Serialize)]
pub struct ConnectionView {
    pub id: String,
    pub kind: BackendKind,
    pub name: String,
    pub base_url: String,
    pub auth: String,
    pub demo: bool,
    pub administration_id: Option<String>,
    pub has_secret: bool,
    pub oauth_client_id: Option<String>,
    pub oauth_redirect_port: Option<u16>,
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub capabilities: Option<Capabilities>,
}

fn view_of(state: &AppState, c: &ConnectionRecord) -> ConnectionView {
    let has_secret = c.demo
        || match c.auth.as_str() {
            "oauth" => matches!(secrets::load(&c.id, SecretKind::RefreshToken), Ok(Some(_))),
            "api_key" => matches!(secrets::load(&c.id, SecretKind::ApiKey), Ok(Some(_))),
            _ => matches!(secrets::load(&c.id, SecretKind::AppToken), Ok(Some(_))),
        };
    let settings = c
        .config
        .get("settings")
        .and_then(|v| v.as_object())
        .cloned()
        .unwrap_or_default();
    ConnectionView {
        id: c.id.clone(),
        kind: c.kind,
        name: c.name.clone(),
        base_url: c.base_url.clone(),
        auth: c.auth.clone(),
        demo: c.demo,
        administration_id: c.administration_id.clone(),
        has_secret,
        oauth_client_id: c
            .config
            .get("oauth_client_id")
            .and_then(|v| v.as_str())
            .map(String::from),
        oauth_redirect_port: c
            .config
            .get("oauth_redirect_port")
            .and_then(|v| v.as_u64())
            .map(|p| p as u16),
        settings,
        capabilities: state.backend(&c.id).ok().map(|b| b.capabilities()),
    }
}

#[tauri::command(rename_all = "snake_case")]
pub fn list_connections(state: State<'_, AppState>) -> Res<Vec<ConnectionView>> {
    let all = state.store().connections().map_err(|e| state.ipc(e))?;
    Ok(all.iter().map(|c| view_of(&state, c)).collect())
}

#[derive(Deserialize)]
pub struct ConnectionInput {
    pub id: Option<String>,
    pub kind: BackendKind,
    pub name: String,
    pub base_url: String,
    pub auth: String,
    pub secret: Option<String>,
    pub oauth_client_id: Option<String>,
    pub oauth_client_secret: Option<String>,
    pub oauth_redirect_port: Option<u16>,
    #[serde(default)]
    pub settings: std::collections::BTreeMap<String, String>,
}

impl std::fmt::Debug for ConnectionInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionInput")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

fn config_error(nl: &str, en: &str, field: &str) -> Error {
    Error::new(ErrorCode::Config, nl, en).with_field(field)
}

/// Checks an environment URL the way AFAS hands it out; plain http only for this computer.
pub fn check_base_url(raw: &str) -> Result<String, Error> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = url::Url::parse(trimmed).map_err(|_| {
        config_error(
            "Dat is geen geldig adres. Voorbeeld: https://klant.afasfocus.nl/omgeving",
            "That is not a valid address. Example: https://customer.afasfocus.nl/environment",
            "base_url",
        )
    })?;
    let loopback = matches!(
        url.host_str(),
        Some("127.0.0.1") | Some("localhost") | Some("[::1]")
    );
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => {
            return Err(config_error(
                "Gebruik een https-adres.",
                "Use an https address.",
                "base_url",
            ))
        }
    }
    Ok(trimmed.to_string())
}

#[tauri::command(rename_all = "snake_case")]
pub fn save_connection(
    app: AppHandle,
    state: State<'_, AppState>,
    input: ConnectionInput,
) -> Res<ConnectionView> {
    let e = |e: Error| state.ipc(e);
    if input.name.trim().is_empty() {
        return Err(e(config_error(
            "Geef de koppeling een naam.",
            "Give the connection a name.",
            "name",
        )));
    }
    let base_url = check_base_url(&input.base_url).map_err(e)?;
    let store = state.store();
    let existing = match &input.id {
        Some(id) => store.connection(id).map_err(e)?,
        None => None,
    };
    if existing.as_ref().map(|c| c.demo).unwrap_or(false) {
        return Err(e(config_error(
            "De demo-koppeling kan niet worden gewijzigd.",
            "The demo connection cannot be changed.",
            "name",
        )));
    }
    let id = existing
        .as_ref()
        .map(|c| c.id.clone())
        .unwrap_or_else(|| format!("conn-{}", Uuid::new_v4()));
    let auth = match input.auth.as_str() {
        "oauth" => "oauth",
        "api_key" => "api_key",
        _ => "app_token",
    };
    crate::state::check_settings(input.kind, &input.settings).map_err(e)?;
    // Secrets first: if the keyring refuses, nothing is saved half.
    if let Some(s) = input.secret.as_deref().filter(|s| !s.trim().is_empty()) {
        let kind = if auth == "api_key" {
            SecretKind::ApiKey
        } else {
            SecretKind::AppToken
        };
        secrets::store(&id, kind, &Secret::new(s.trim())).map_err(e)?;
    }
    if let Some(s) = input
        .oauth_client_secret
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        secrets::store(&id, SecretKind::OAuthClientSecret, &Secret::new(s.trim())).map_err(e)?;
    }
    let url_changed = existing
        .as_ref()
        .map(|c| c.base_url != base_url)
        .unwrap_or(false);
    let rec = ConnectionRecord {
        id: id.clone(),
        kind: input.kind,
        name: input.name.trim().to_string(),
        base_url,
        auth: auth.to_string(),
        demo: false,
        administration_id: if url_changed {
            None
        } else {
            existing.as_ref().and_then(|c| c.administration_id.clone())
        },
        config: json!({
            "oauth_client_id": input.oauth_client_id.as_deref().map(str::trim),
            "oauth_redirect_port": input.oauth_redirect_port,
            "settings": input.settings.iter().map(|(k, v)| (k.clone(), json!(v.trim()))).collect::<serde_json::Map<_, _>>(),
        }),
        created_at: existing.map(|c| c.created_at).unwrap_or_else(Utc::now),
    };
    store.upsert_connection(&rec).map_err(e)?;
    store.set_setting("active_connection", &id).map_err(e)?;
    state.forget_backend(&id);
    workers::spawn_sync(app, id);
    Ok(view_of(&state, &rec))
}

#[tauri::command(rename_all = "snake_case")]
pub fn set_active_connection(
    app: AppHandle,
    state: State<'_, AppState>,
    connection_id: String,
) -> Res<AppInfo> {
    state.connection(&connection_id).map_err(|e| state.ipc(e))?;
    state
        .store()
        .set_setting("active_connection", &connection_id)
        .map_err(|e| state.ipc(e))?;
    workers::spawn_sync(app, connection_id);
    app_info_of(&state)
}

#[tauri::command(rename_all = "snake_case")]
pub fn delete_connection(state: State<'_, AppState>, connection_id: String) -> Res<()> {
    let rec = state.connection(&connection_id).map_err(|e| state.ipc(e))?;
    state
        .store()
        .delete_connection(&connection_id)
        .map_err(|e| state.ipc(e))?;
    if !rec.demo {
        secrets::delete_all(&connection_id);
    }
    state.forget_backend(&connection_id);
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn start_oauth(
    app: AppHandle,
    state: State<'_, AppState>,
    connection_id: String,
) -> Res<ConnectionView> {
    let rec = state.connection(&connection_id).map_err(|e| state.ipc(e))?;
    crate::oauth::sign_in(&rec, |url| {
        if let Err(err) = open::that_detached(&url) {
            tracing::warn!(error = %err, "the system browser could not be opened");
        }
    })
    .await
    .map_err(|e| state.ipc(e))?;
    state.forget_backend(&connection_id);
    workers::spawn_sync(app, connection_id);
    Ok(view_of(&state, &rec))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn test_connection(state: State<'_, AppState>, connection_id: String) -> Res<String> {
    let backend = state.backend(&connection_id).map_err(|e| state.ipc(e))?;
    backend.test_connection().await.map_err(|e| state.ipc(e))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_administrations(
    state: State<'_, AppState>,
    connection_id: String,
) -> Res<Vec<Administration>> {
    let key = format!("administrations:{connection_id}");
    let store = state.store();
    let backend = state.backend(&connection_id).map_err(|e| state.ipc(e))?;
    match backend.administrations().await {
        Ok(list) => {
            if let Ok(s) = serde_json::to_string(&list) {
                let _ = store.set_setting(&key, &s);
            }
            Ok(list)
        }
        Err(err) => {
            // Offline: the list from last time keeps the form usable.
            if let Ok(Some(cached)) = store.setting(&key) {
                if let Ok(list) = serde_json::from_str::<Vec<Administration>>(&cached) {
                    if !list.is_empty() {
                        return Ok(list);
                    }
                }
            }
            Err(state.ipc(err))
        }
    }
}

#[tauri::command(rename_all = "snake_case")]
pub fn select_administration(
    app: AppHandle,
    state: State<'_, AppState>,
    connection_id: String,
    administration_id: String,
) -> Res<()> {
    let store = state.store();
    store
        .set_administration(&connection_id, &administration_id)
        .map_err(|e| state.ipc(e))?;
    // The open draft follows the choice.
    if let Ok(Some(mut d)) = store.open_draft(&connection_id) {
        if d.administration_id.as_deref() != Some(&administration_id) {
            d.administration_id = Some(administration_id.clone());
            d.lines.iter_mut().for_each(|l| l.product = None);
            let _ = store.save_draft(&d);
        }
    }
    workers::spawn_sync(app, connection_id);
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub fn sync_now(app: AppHandle, connection_id: String) -> Res<()> {
    workers::spawn_sync(app, connection_id);
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub fn sync_status(
    state: State<'_, AppState>,
    connection_id: String,
) -> Res<crate::state::SyncStatus> {
    let s = workers::status_with_counts(&state, &connection_id);
    tracing::debug!(connection = %connection_id, seq = s.seq, running = s.refresh.running, "sync status asked");
    Ok(s)
}

#[tauri::command(rename_all = "snake_case")]
pub fn search_relations(
    state: State<'_, AppState>,
    connection_id: String,
    administration_id: String,
    query: String,
    limit: Option<usize>,
) -> Res<Vec<Relation>> {
    // AFAS SB's relations are shared by its administrations and cached once.
    let scope = match state.backend(&connection_id) {
        Ok(b) => b
            .capabilities()
            .relation_scope(Some(&administration_id))
            .unwrap_or(&administration_id)
            .to_string(),
        Err(_) => administration_id.clone(),
    };
    state
        .store()
        .search_relations(&connection_id, &scope, &query, limit.unwrap_or(20))
        .map_err(|e| state.ipc(e))
}

#[tauri::command(rename_all = "snake_case")]
pub fn search_products(
    state: State<'_, AppState>,
    connection_id: String,
    administration_id: String,
    query: String,
    limit: Option<usize>,
) -> Res<Vec<Product>> {
    state
        .store()
        .search_products(
            &connection_id,
            &administration_id,
            &query,
            limit.unwrap_or(20),
        )
        .map_err(|e| state.ipc(e))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn relation_addresses(
    state: State<'_, AppState>,
    connection_id: String,
    administration_id: String,
    relation: Relation,
) -> Res<Vec<Address>> {
    let backend = state.backend(&connection_id).map_err(|e| state.ipc(e))?;
    backend
        .addresses(&administration_id, &relation)
        .await
        .map_err(|e| state.ipc(e))
}

#[derive(Serialize)]
pub struct DraftView {
    pub draft: Draft,
    pub evaluation: Evaluation,
}

fn draft_view(state: &AppState, draft: Draft) -> Res<DraftView> {
    let caps = state
        .backend(&draft.connection_id)
        .map_err(|e| state.ipc(e))?
        .capabilities();
    let evaluation = evaluate_with_warnings(state, &draft, &caps);
    Ok(DraftView { draft, evaluation })
}

/// The evaluation plus what the local cache can tell: a back end that finds a customer by name
/// takes the first of several, so an ambiguous name is worth a warning.
fn evaluate_with_warnings(state: &AppState, draft: &Draft, caps: &Capabilities) -> Evaluation {
    let mut ev = evaluate(draft, caps);
    let Some(r) = draft.relation.as_ref() else {
        return ev;
    };
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
    let n = state
        .store()
        .relations_matching(&draft.connection_id, scope, &r.name, r.email.as_deref())
        .unwrap_or(0);
    if n > 1 {
        let system = caps.kind.display_name();
        ev.warnings.push(invoice_desk_core::error::FieldIssue {
            field: "relation".into(),
            message: invoice_desk_core::i18n::Text::new(
                format!("{n} klanten hebben deze naam{}; deze klant heeft geen klantnummer, dus {system} neemt de eerste die het vindt. Geef de klant in {system} een klantnummer om zeker te zijn.", if r.email.is_some() { " en dit e-mailadres" } else { "" }),
                format!("{n} customers share this name{}; this customer has no customer number, so {system} takes the first it finds. Give the customer a number in {system} to be sure.", if r.email.is_some() { " and e-mail address" } else { "" }),
            ),
        });
    }
    ev
}

fn fresh_draft(state: &AppState, connection_id: &str) -> Res<Draft> {
    let rec = state.connection(connection_id).map_err(|e| state.ipc(e))?;
    let caps = state
        .backend(connection_id)
        .map_err(|e| state.ipc(e))?
        .capabilities();
    let mut d = Draft::new(connection_id, &caps, chrono::Local::now().date_naive());
    d.administration_id = if caps.administrations {
        rec.administration_id
    } else {
        None
    };
    state.store().save_draft(&d).map_err(|e| state.ipc(e))?;
    Ok(d)
}

#[tauri::command(rename_all = "snake_case")]
pub fn current_draft(state: State<'_, AppState>, connection_id: String) -> Res<DraftView> {
    let store = state.store();
    let draft = match store.open_draft(&connection_id).map_err(|e| state.ipc(e))? {
        Some(mut d) => {
            if d.administration_id.is_none() {
                d.administration_id = state
                    .connection(&connection_id)
                    .ok()
                    .and_then(|c| c.administration_id);
            }
            d
        }
        None => fresh_draft(&state, &connection_id)?,
    };
    draft_view(&state, draft)
}

#[tauri::command(rename_all = "snake_case")]
pub fn new_draft(state: State<'_, AppState>, connection_id: String) -> Res<DraftView> {
    let d = fresh_draft(&state, &connection_id)?;
    draft_view(&state, d)
}

#[tauri::command(rename_all = "snake_case")]
pub fn save_draft(state: State<'_, AppState>, draft: Draft) -> Res<Evaluation> {
    let mut draft = draft;
    draft.updated_at = Utc::now();
    state.store().save_draft(&draft).map_err(|e| state.ipc(e))?;
    let caps = state
        .backend(&draft.connection_id)
        .map_err(|e| state.ipc(e))?
        .capabilities();
    Ok(evaluate_with_warnings(&state, &draft, &caps))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn pick_attachments(state: State<'_, AppState>, draft_id: String) -> Res<DraftView> {
    let id = parse_id(&state, &draft_id)?;
    let store = state.store();
    let mut draft = store
        .draft(id)
        .map_err(|e| state.ipc(e))?
        .ok_or_else(|| state.ipc(not_found()))?;
    let picked = state.picker.pick().await;
    for path in picked {
        let meta = match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => m,
            _ => {
                return Err(state.ipc(
                    Error::new(
                        ErrorCode::Io,
                        format!("{} kan niet worden gelezen.", path.display()),
                        format!("{} cannot be read.", path.display()),
                    )
                    .with_field("attachments"),
                ))
            }
        };
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "bijlage".into());
        draft.attachments.push(DraftAttachment {
            id: Uuid::new_v4(),
            path: path.display().to_string(),
            content_type: crate::files::content_type(&file_name).to_string(),
            file_name,
            size: meta.len(),
            remote_ref: None,
        });
    }
    store.save_draft(&draft).map_err(|e| state.ipc(e))?;
    draft_view(&state, draft)
}

#[tauri::command(rename_all = "snake_case")]
pub fn remove_attachment(
    state: State<'_, AppState>,
    draft_id: String,
    attachment_id: String,
) -> Res<DraftView> {
    let id = parse_id(&state, &draft_id)?;
    let att = parse_id(&state, &attachment_id)?;
    let store = state.store();
    let mut draft = store
        .draft(id)
        .map_err(|e| state.ipc(e))?
        .ok_or_else(|| state.ipc(not_found()))?;
    draft.attachments.retain(|a| a.id != att);
    store.save_draft(&draft).map_err(|e| state.ipc(e))?;
    draft_view(&state, draft)
}

fn not_found() -> Error {
    Error::new(
        ErrorCode::NotFound,
        "Deze factuur is niet gevonden.",
        "This invoice was not found.",
    )
}

fn parse_id(state: &AppState, s: &str) -> Res<Uuid> {
    Uuid::parse_str(s).map_err(|_| state.ipc(Error::internal("bad id")))
}

#[derive(Serialize)]
pub struct SubmitResult {
    pub state: SubmissionState,
    pub remote_id: Option<String>,
    pub number: Option<String>,
    pub message: String,
    pub error: Option<IpcError>,
    pub next: Option<DraftView>,
}

#[tauri::command(rename_all = "snake_case")]
pub async fn submit_draft(
    app: AppHandle,
    state: State<'_, AppState>,
    draft_id: String,
) -> Res<SubmitResult> {
    let id = parse_id(&state, &draft_id)?;
    let lock = state.submit_lock(id);
    let _guard = lock.lock().await;
    let store = state.store();
    let draft = store
        .draft(id)
        .map_err(|e| state.ipc(e))?
        .ok_or_else(|| state.ipc(not_found()))?;
    let connection_id = draft.connection_id.clone();
    let backend = state.backend(&connection_id).map_err(|e| state.ipc(e))?;
    let caps = backend.capabilities();
    let system = caps.kind.display_name();
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
    let outcome = submit::submit_draft(
        &store,
        backend.as_ref(),
        &caps,
        id,
        RetryPolicy::default(),
        &progress,
    )
    .await
    .map_err(|e| state.ipc(e))?;
    let lang = state.lang();
    let result = match outcome {
        Outcome::Sent(r) => {
            let next = fresh_draft(&state, &connection_id)?;
            let number = r
                .number
                .clone()
                .filter(|n| *n != r.remote_id)
                .map(|n| format!(", {n}"))
                .unwrap_or_default();
            // The first line restates the id; each warning (e.g. a total that differs from the
            // preview) follows on a line of its own.
            let total = r
                .total_gross
                .map(|t| {
                    let plain = invoice_desk_core::money::to_plain_2dp(t);
                    match lang {
                        Lang::Nl => format!(", totaal € {}", plain.replace('.', ",")),
                        Lang::En => format!(", total €{plain}"),
                    }
                })
                .unwrap_or_default();
            let mut message = lang
                .pick(
                    &format!(
                        "Factuur verstuurd naar {system} (id {}{number}{total}).",
                        r.remote_id
                    ),
                    &format!("Invoice sent to {system} (id {}{number}{total}).", r.remote_id),
                )
                .to_string();
            for w in &r.warnings {
                message.push('\n');
                message.push_str(w.get(lang));
            }
            SubmitResult {
                state: SubmissionState::Sent,
                message,
                remote_id: Some(r.remote_id),
                number: r.number,
                error: None,
                next: Some(draft_view(&state, next)?),
            }
        }
        Outcome::Refused(e) => {
            let next = store
                .open_draft(&connection_id)
                .map_err(|e| state.ipc(e))?
                .map(|d| draft_view(&state, d))
                .transpose()?;
            SubmitResult {
                state: SubmissionState::Refused,
                remote_id: None,
                number: None,
                message: e.message.get(lang).to_string(),
                error: Some(e.to_ipc(lang)),
                next,
            }
        }
        Outcome::Queued(e) => SubmitResult {
            state: SubmissionState::Queued,
            remote_id: None,
            number: None,
            message: lang
                .pick(
                    &format!("{system} is nu niet bereikbaar. De factuur staat veilig in de wachtrij en wordt automatisch verstuurd zodra {system} weer antwoordt."),
                    &format!("{system} cannot be reached right now. The invoice is safe in the outbox and will be sent automatically as soon as {system} answers again."),
                )
                .to_string(),
            error: Some(e.to_ipc(lang)),
            next: Some(draft_view(&state, fresh_draft(&state, &connection_id)?)?),
        },
        Outcome::Uncertain(e) => SubmitResult {
            state: SubmissionState::Uncertain,
            remote_id: None,
            number: None,
            message: e.message.get(lang).to_string(),
            error: Some(e.to_ipc(lang)),
            next: Some(draft_view(&state, fresh_draft(&state, &connection_id)?)?),
        },
    };
    let _ = app.emit(
        "submit-status",
        json!({"draft_id": id, "connection_id": connection_id, "state": result.state, "message": result.message}),
    );
    Ok(result)
}

#[derive(Serialize)]
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
}

#[tauri::command(rename_all = "snake_case")]
pub fn history(state: State<'_, AppState>, connection_id: String) -> Res<Vec<HistoryEntry>> {
    let lang = state.lang();
    let rows = state
        .store()
        .outbox(&connection_id, 200)
        .map_err(|e| state.ipc(e))?;
    Ok(rows
        .into_iter()
        .map(|r| HistoryEntry {
            draft_id: r.draft_id,
            identity: r.identity,
            state: r.state,
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
            message: r.message.map(|m| {
                // Stored in both languages; older rows hold plain text.
                serde_json::from_str::<invoice_desk_core::i18n::Text>(&m)
                    .map(|t| t.get(lang).to_string())
                    .unwrap_or(m)
            }),
            issue_date: r.payload.as_ref().map(|p| p.issue_date.to_string()),
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at.map(|t| t.to_rfc3339()),
        })
        .collect())
}

/// Tries every waiting invoice again now, instead of at its scheduled time.
#[tauri::command(rename_all = "snake_case")]
pub async fn retry_outbox(
    app: AppHandle,
    state: State<'_, AppState>,
    draft_id: Option<String>,
) -> Res<usize> {
    let store = state.store();
    let n = match draft_id {
        Some(id) => {
            let id = parse_id(&state, &id)?;
            store
                .schedule_retry(id, Utc::now() - chrono::Duration::seconds(1))
                .map_err(|e| state.ipc(e))?;
            1
        }
        None => store.retry_all_now().map_err(|e| state.ipc(e))?,
    };
    crate::workers::send_pending(&app).await;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use invoice_desk_core::backend::{Relation, RelationKind, SyncPage};
    use invoice_desk_core::store::Store;

    fn state_with_silvasoft() -> (AppState, Capabilities) {
        let state = AppState::new(
            Store::open_in_memory().unwrap(),
            None,
            Lang::En,
            Box::new(crate::files::ListPicker(vec![])),
        );
        state
            .store()
            .upsert_connection(&ConnectionRecord {
                id: "s".into(),
                kind: BackendKind::Silvasoft,
                name: "Silvasoft".into(),
                base_url: "http://127.0.0.1:9/silvasoft".into(),
                auth: "api_key".into(),
                demo: true,
                administration_id: None,
                config: json!({"settings": {"username": "demo@invoicedesk.nl", "module": "bookkeeping"}}),
                created_at: Utc::now(),
            })
            .unwrap();
        let caps = state.backend("s").unwrap().capabilities();
        (state, caps)
    }

    fn customer(id: &str, number: Option<&str>) -> Relation {
        Relation {
            id: id.into(),
            kind: RelationKind::Organisation,
            name: "Jansen Installatietechniek".into(),
            number: number.map(String::from),
            email: None,
            city: None,
            vat_number: None,
            archived: false,
        }
    }

    #[test]
    fn an_ambiguous_name_without_a_number_is_a_warning_on_the_relation() {
        let (state, caps) = state_with_silvasoft();
        assert!(caps.matches_customer_by_name);
        state
            .store()
            .apply_relations(
                "s",
                "",
                &SyncPage {
                    items: vec![customer("1", None), customer("2", None)],
                    removed: vec![],
                    cursor: String::new(),
                    done: true,
                    full_reload: true,
                },
            )
            .unwrap();
        let mut d = Draft::new(
            "s",
            &caps,
            chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
        );
        d.relation = Some(customer("1", None));
        let ev = evaluate_with_warnings(&state, &d, &caps);
        assert_eq!(ev.warnings.len(), 1);
        assert_eq!(ev.warnings[0].field, "relation");
        assert!(ev.warnings[0]
            .message
            .en
            .contains("2 customers share this name"));
        assert!(ev.warnings[0].message.nl.contains("2 klanten"));
        // With a customer number the number wins: no warning.
        d.relation = Some(customer("1", Some("17")));
        assert!(evaluate_with_warnings(&state, &d, &caps)
            .warnings
            .is_empty());
    }
}
