//! The built-in demo: the connectors' stand-ins served by the app itself on 127.0.0.1, with
//! sample Dutch and Belgian data, so a newcomer can try everything without an account. Each
//! start gets a fresh stand-in; every connector's demo connections are pointed at its path on
//! it (the registry says which connections, settings, path and token).

use crate::state::AppState;
use invoice_desk_backends::registry;
use invoice_desk_core::error::{Error, Result};
use invoice_desk_core::store::ConnectionRecord;
use invoice_desk_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

/// The connection chosen on the first start: the first demo connection of the first connector.
pub fn first_demo_id() -> Option<&'static str> {
    registry::connectors()
        .iter()
        .filter(|c| c.available)
        .flat_map(|c| c.demo.connections.iter())
        .map(|d| d.id)
        .next()
}

/// Starts the demo when there is no connection at all, or when a demo connection exists.
pub async fn ensure(state: &AppState) -> Result<()> {
    let store = state.store();
    let all = store.connections()?;
    let first_start = all.is_empty();
    if !first_start && !all.iter().any(|c| c.demo) {
        return Ok(());
    }
    // Tests that kill the app point the demo at a stand-in of their own, which outlives it.
    let external = std::env::var("INVOICE_DESK_DEMO_URL")
        .ok()
        .map(|u| u.trim_end_matches('/').to_string())
        .filter(|u| u.starts_with("http://127.0.0.1:"));
    let (sandbox, base) = match external {
        Some(base) => (None, base),
        None => {
            let port: u16 = std::env::var("INVOICE_DESK_SANDBOX_PORT")
                .ok()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            let sandbox = Sandbox::start(([127, 0, 0, 1], port).into(), SandboxConfig::default())
                .await
                .map_err(|e| Error::internal(format!("demo environment: {e}")))?;
            let base = sandbox.base_url();
            (Some(sandbox), base)
        }
    };
    tracing::info!(stand_in = %base, "demo environment ready");
    for connector in registry::connectors().iter().filter(|c| c.available) {
        for d in &connector.demo.connections {
            let existing = all.iter().find(|c| c.id == d.id);
            if existing.is_none() && !first_start {
                continue; // the clerk removed this demo connection
            }
            let settings: serde_json::Map<String, serde_json::Value> = d
                .settings
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            let rec = ConnectionRecord {
                id: d.id.to_string(),
                kind: connector.system(),
                name: d.name.to_string(),
                base_url: format!("{base}{}", connector.demo.path),
                auth: d.auth.to_string(),
                demo: true,
                administration_id: existing.and_then(|c| c.administration_id.clone()),
                config: json!({ "settings": settings }),
                created_at: existing
                    .map(|c| c.created_at)
                    .unwrap_or_else(chrono::Utc::now),
            };
            store.upsert_connection(&rec)?;
            // The stand-in starts afresh each time: its change feed does not know our old
            // tokens.
            store.reset_sync(d.id)?;
            state.forget_backend(d.id);
        }
    }
    if first_start {
        if let Some(id) = first_demo_id() {
            store.set_setting("active_connection", id)?;
        }
    }
    *state.demo.lock().unwrap_or_else(|p| p.into_inner()) = sandbox;
    Ok(())
}
