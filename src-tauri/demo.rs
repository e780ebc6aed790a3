//! The built-in demo: an AFAS SB stand-in served by the app itself on 127.0.0.1, with sample
//! Dutch data, so a newcomer can try everything without an account.

use crate::state::AppState;
use invoice_desk_core::backend::BackendKind;
use invoice_desk_core::error::{Error, Result};
use invoice_desk_core::store::ConnectionRecord;
use invoice_desk_sandbox::{Sandbox, SandboxConfig};

pub const DEMO_CONNECTION_ID: &str = "demo-afas";

/// Starts the demo when there is no connection at all, or when the demo connection exists.
pub async fn ensure(state: &AppState) -> Result<()> {
    let store = state.store();
    let all = store.connections()?;
    let existing = all.iter().find(|c| c.demo).cloned();
    if !all.is_empty() && existing.is_none() {
        return Ok(());
    }
    let port: u16 = std::env::var("INVOICE_DESK_SANDBOX_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let sandbox = Sandbox::start(([127, 0, 0, 1], port).into(), SandboxConfig::default())
        .await
        .map_err(|e| Error::internal(format!("demo environment: {e}")))?;
    let base_url = sandbox.afas_base_url();
    tracing::info!(%base_url, "demo environment started");
    let rec = ConnectionRecord {
        id: DEMO_CONNECTION_ID.to_string(),
        kind: BackendKind::Afas,
        name: "Demo – AFAS SB".to_string(),
        base_url,
        auth: "app_token".to_string(),
        demo: true,
        administration_id: existing.as_ref().and_then(|c| c.administration_id.clone()),
        config: serde_json::json!({}),
        created_at: existing
            .as_ref()
            .map(|c| c.created_at)
            .unwrap_or_else(chrono::Utc::now),
    };
    store.upsert_connection(&rec)?;
    // The stand-in starts afresh each time: its change feed does not know our old tokens.
    store.reset_sync(DEMO_CONNECTION_ID)?;
    if all.is_empty() {
        store.set_setting("active_connection", DEMO_CONNECTION_ID)?;
    }
    *state.demo.lock().unwrap_or_else(|p| p.into_inner()) = Some(sandbox);
    Ok(())
}
