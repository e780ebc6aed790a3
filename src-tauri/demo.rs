//! The built-in demo: stand-ins for AFAS SB and Silvasoft served by the app itself on
//! 127.0.0.1, with sample Dutch and Belgian data, so a newcomer can try everything without an
//! account. Each start gets a fresh stand-in; the demo connections are pointed at it.

use crate::state::AppState;
use invoice_desk_core::backend::BackendKind;
use invoice_desk_core::error::{Error, Result};
use invoice_desk_core::store::ConnectionRecord;
use invoice_desk_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

pub const DEMO_CONNECTION_ID: &str = "demo-afas";

struct DemoConnection {
    id: &'static str,
    kind: BackendKind,
    name: &'static str,
    auth: &'static str,
    settings: serde_json::Value,
}

fn demo_connections() -> Vec<DemoConnection> {
    let silvasoft = |module: &str, numbering: serde_json::Value| {
        let mut s = json!({"username": "demo@invoicedesk.nl", "module": module});
        if let (Some(obj), Some(extra)) = (s.as_object_mut(), numbering.as_object()) {
            obj.extend(extra.clone());
        }
        s
    };
    vec![
        DemoConnection {
            id: DEMO_CONNECTION_ID,
            kind: BackendKind::Afas,
            name: "Demo – AFAS SB",
            auth: "app_token",
            settings: json!({}),
        },
        DemoConnection {
            id: "demo-silvasoft-bookkeeping",
            kind: BackendKind::Silvasoft,
            name: "Demo – Silvasoft (boekhouding)",
            auth: "api_key",
            settings: silvasoft(
                "bookkeeping",
                json!({"numbering": "app", "first_invoice_number": "90000001"}),
            ),
        },
        DemoConnection {
            id: "demo-silvasoft-invoicing",
            kind: BackendKind::Silvasoft,
            name: "Demo – Silvasoft (facturatie)",
            auth: "api_key",
            settings: silvasoft("invoicing", json!({"numbering": "silvasoft"})),
        },
    ]
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
    let (sandbox, afas_url, silvasoft_url) = match external {
        Some(base) => (None, format!("{base}/demo"), format!("{base}/silvasoft")),
        None => {
            let port: u16 = std::env::var("INVOICE_DESK_SANDBOX_PORT")
                .ok()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            let sandbox = Sandbox::start(([127, 0, 0, 1], port).into(), SandboxConfig::default())
                .await
                .map_err(|e| Error::internal(format!("demo environment: {e}")))?;
            let (a, s) = (sandbox.afas_base_url(), sandbox.silvasoft_base_url());
            (Some(sandbox), a, s)
        }
    };
    tracing::info!(afas = %afas_url, silvasoft = %silvasoft_url, "demo environment ready");
    for d in demo_connections() {
        let existing = all.iter().find(|c| c.id == d.id);
        if existing.is_none() && !first_start {
            continue; // the clerk removed this demo connection
        }
        let base_url = match d.kind {
            BackendKind::Silvasoft => silvasoft_url.clone(),
            _ => afas_url.clone(),
        };
        let rec = ConnectionRecord {
            id: d.id.to_string(),
            kind: d.kind,
            name: d.name.to_string(),
            base_url,
            auth: d.auth.to_string(),
            demo: true,
            administration_id: existing.and_then(|c| c.administration_id.clone()),
            config: json!({"settings": d.settings}),
            created_at: existing
                .map(|c| c.created_at)
                .unwrap_or_else(chrono::Utc::now),
        };
        store.upsert_connection(&rec)?;
        // The stand-in starts afresh each time: its change feed does not know our old tokens.
        store.reset_sync(d.id)?;
        state.forget_backend(d.id);
    }
    if first_start {
        store.set_setting("active_connection", DEMO_CONNECTION_ID)?;
    }
    *state.demo.lock().unwrap_or_else(|p| p.into_inner()) = sandbox;
    Ok(())
}
