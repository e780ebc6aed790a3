//! IPC for History's view of the invoices a system holds (`core::reading`): each command reads
//! its arguments and calls one function of the core with the connection's back end. The list
//! comes from the local copy at once (`cached_invoices`) and fresh from the system page by page
//! (`list_invoices`); the web view shows the first and replaces it with the second. An opened
//! invoice's texts come made safe to show (`invoice_text`), and "Start from this invoice"
//! (`start_from_sent`, `start_from_invoice`) makes a new draft from an invoice of either view.

use crate::commands::{in_task, off_main};
use crate::state::AppState;
use invoice_desk_core::backend::{Backend, Capabilities};
use invoice_desk_core::error::IpcError;
use invoice_desk_core::i18n::Lang;
use invoice_desk_core::reader::{InvoiceDetail, InvoiceQuery};
use invoice_desk_core::reading::{self, ActionDone, InvoiceList, ReaderInfo};
use invoice_desk_core::start_from::{self, StartedDraft};
use invoice_desk_core::texts::ShownText;
use std::collections::BTreeMap;
use std::sync::Arc;
use tauri::{AppHandle, Manager};

type Res<T> = std::result::Result<T, IpcError>;

fn lang_of(app: &AppHandle) -> Lang {
    app.try_state::<AppState>()
        .map(|s| s.lang())
        .unwrap_or_default()
}

fn backend_of(state: &AppState, connection_id: &str) -> Res<(Arc<dyn Backend>, Capabilities)> {
    let backend = state.backend(connection_id).map_err(|e| state.ipc(e))?;
    let caps = backend.capabilities();
    Ok((backend, caps))
}

/// Whether the connection's system reads invoices, and the actions it declares.
#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_reader(app: AppHandle, connection_id: String) -> Res<ReaderInfo> {
    let lang = lang_of(&app);
    off_main("invoice_reader", lang, move || {
        invoice_reader_in(&app.state::<AppState>(), &connection_id)
    })
    .await
}

pub(crate) fn invoice_reader_in(state: &AppState, connection_id: &str) -> Res<ReaderInfo> {
    let (backend, _) = backend_of(state, connection_id)?;
    Ok(reading::reader_info(backend.as_ref()))
}

/// The list from the local copy, at once.
#[tauri::command(rename_all = "snake_case")]
pub async fn cached_invoices(
    app: AppHandle,
    connection_id: String,
    query: InvoiceQuery,
) -> Res<InvoiceList> {
    let lang = lang_of(&app);
    off_main("cached_invoices", lang, move || {
        cached_invoices_in(&app.state::<AppState>(), &connection_id, &query)
    })
    .await
}

pub(crate) fn cached_invoices_in(
    state: &AppState,
    connection_id: &str,
    query: &InvoiceQuery,
) -> Res<InvoiceList> {
    let (_, caps) = backend_of(state, connection_id)?;
    reading::cached_invoices(&state.store(), &caps, connection_id, query).map_err(|e| state.ipc(e))
}

/// One page from the system, from `cursor` (none: the first page).
#[tauri::command(rename_all = "snake_case")]
pub async fn list_invoices(
    app: AppHandle,
    connection_id: String,
    query: InvoiceQuery,
    cursor: Option<String>,
) -> Res<InvoiceList> {
    let lang = lang_of(&app);
    in_task("list_invoices", lang, async move {
        let state = app.state::<AppState>();
        list_invoices_in(&state, &connection_id, &query, cursor.as_deref()).await
    })
    .await
}

pub(crate) async fn list_invoices_in(
    state: &AppState,
    connection_id: &str,
    query: &InvoiceQuery,
    cursor: Option<&str>,
) -> Res<InvoiceList> {
    let (backend, caps) = backend_of(state, connection_id)?;
    reading::list_invoices(
        &state.store(),
        backend.as_ref(),
        &caps,
        connection_id,
        query,
        cursor,
    )
    .await
    .map_err(|e| state.ipc(e))
}

/// One invoice with its lines and VAT.
#[tauri::command(rename_all = "snake_case")]
pub async fn open_invoice(
    app: AppHandle,
    connection_id: String,
    administration_id: Option<String>,
    id: String,
) -> Res<InvoiceDetail> {
    let lang = lang_of(&app);
    in_task("open_invoice", lang, async move {
        let state = app.state::<AppState>();
        let (backend, caps) = backend_of(&state, &connection_id)?;
        reading::open_invoice(
            &state.store(),
            backend.as_ref(),
            &caps,
            &connection_id,
            administration_id.as_deref().unwrap_or(""),
            &id,
        )
        .await
        .map_err(|e| state.ipc(e))
    })
    .await
}

/// One of an opened invoice's texts, made safe to show: HTML sanitised, RTF as plain text.
#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_text(
    app: AppHandle,
    connection_id: String,
    id: String,
    which: String,
) -> Res<ShownText> {
    let lang = lang_of(&app);
    in_task("invoice_text", lang, async move {
        let state = app.state::<AppState>();
        invoice_text_in(&state, &connection_id, &id, &which).await
    })
    .await
}

pub(crate) async fn invoice_text_in(
    state: &AppState,
    connection_id: &str,
    id: &str,
    which: &str,
) -> Res<ShownText> {
    let (backend, _) = backend_of(state, connection_id)?;
    reading::invoice_text(backend.as_ref(), id, which)
        .await
        .map_err(|e| state.ipc(e))
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// A new draft on the connection from an invoice sent from here (History's outbox), with its
/// customer and lines.
#[tauri::command(rename_all = "snake_case")]
pub async fn start_from_sent(
    app: AppHandle,
    connection_id: String,
    draft_id: String,
) -> Res<StartedDraft> {
    let lang = lang_of(&app);
    off_main("start_from_sent", lang, move || {
        start_from_sent_in(&app.state::<AppState>(), &connection_id, &draft_id)
    })
    .await
}

pub(crate) fn start_from_sent_in(
    state: &AppState,
    connection_id: &str,
    draft_id: &str,
) -> Res<StartedDraft> {
    let (backend, caps) = backend_of(state, connection_id)?;
    let draft_id = uuid::Uuid::parse_str(draft_id)
        .map_err(|_| state.ipc(invoice_desk_core::desk::invoice_not_found()))?;
    start_from::start_from_sent(
        &state.store(),
        backend.as_ref(),
        &caps,
        connection_id,
        draft_id,
        state.lang(),
        today(),
    )
    .map_err(|e| state.ipc(e))
}

/// A new draft on the connection from an invoice its system holds (read again), with its
/// customer found in the local cache and its lines.
#[tauri::command(rename_all = "snake_case")]
pub async fn start_from_invoice(
    app: AppHandle,
    connection_id: String,
    administration_id: Option<String>,
    id: String,
) -> Res<StartedDraft> {
    let lang = lang_of(&app);
    in_task("start_from_invoice", lang, async move {
        let state = app.state::<AppState>();
        start_from_invoice_in(
            &state,
            &connection_id,
            administration_id.as_deref().unwrap_or(""),
            &id,
        )
        .await
    })
    .await
}

pub(crate) async fn start_from_invoice_in(
    state: &AppState,
    connection_id: &str,
    administration: &str,
    id: &str,
) -> Res<StartedDraft> {
    let (backend, caps) = backend_of(state, connection_id)?;
    start_from::start_from_remote(
        &state.store(),
        backend.as_ref(),
        &caps,
        connection_id,
        administration,
        id,
        state.lang(),
        today(),
    )
    .await
    .map_err(|e| state.ipc(e))
}

/// Does a declared action to an invoice with the values of its fields.
#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_action(
    app: AppHandle,
    connection_id: String,
    administration_id: Option<String>,
    id: String,
    action: String,
    values: BTreeMap<String, String>,
) -> Res<ActionDone> {
    let lang = lang_of(&app);
    in_task("invoice_action", lang, async move {
        let state = app.state::<AppState>();
        invoice_action_in(
            &state,
            &connection_id,
            administration_id.as_deref().unwrap_or(""),
            &id,
            &action,
            &values,
        )
        .await
    })
    .await
}

pub(crate) async fn invoice_action_in(
    state: &AppState,
    connection_id: &str,
    administration: &str,
    id: &str,
    action: &str,
    values: &BTreeMap<String, String>,
) -> Res<ActionDone> {
    let (backend, caps) = backend_of(state, connection_id)?;
    reading::do_action(
        &state.store(),
        backend.as_ref(),
        &caps,
        connection_id,
        administration,
        id,
        action,
        values,
        state.lang(),
    )
    .await
    .map_err(|e| state.ipc(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use invoice_desk_backends::registry;
    use invoice_desk_core::backend::{
        Administration, InvoiceActionSpec, InvoicePage, InvoiceReader, InvoiceState,
        InvoiceSummary, InvoiceText, TextFormat,
    };
    use invoice_desk_core::error::{Error, ErrorCode, Result};
    use invoice_desk_core::i18n::Text;
    use invoice_desk_core::store::{ConnectionRecord, Store};
    use rust_decimal::Decimal;
    use std::sync::Mutex;

    /// A system that holds one draft, which it deletes when asked; its first answer to a
    /// delete is lost.
    struct OneDraft {
        caps: Capabilities,
        held: Mutex<Vec<InvoiceSummary>>,
        keys: Mutex<Vec<String>>,
    }

    #[async_trait::async_trait]
    impl Backend for OneDraft {
        fn capabilities(&self) -> Capabilities {
            self.caps.clone()
        }
        async fn test_connection(&self) -> Result<Text> {
            Ok(Text::new("ja", "yes"))
        }
        async fn administrations(&self) -> Result<Vec<Administration>> {
            Ok(vec![])
        }
        fn reader(&self) -> Option<&dyn InvoiceReader> {
            Some(self)
        }
    }

    #[async_trait::async_trait]
    impl InvoiceReader for OneDraft {
        async fn list_invoices(&self, _: &InvoiceQuery, _: Option<&str>) -> Result<InvoicePage> {
            Ok(InvoicePage {
                items: self.held.lock().unwrap().clone(),
                cursor: None,
                done: true,
            })
        }
        async fn invoice(&self, _: &str) -> Result<InvoiceDetail> {
            Err(Error::new(
                ErrorCode::NotFound,
                "Deze factuur bestaat niet (meer).",
                "This invoice does not exist (any more).",
            ))
        }
        async fn text(&self, _: &str, _: &str) -> Result<InvoiceText> {
            Ok(InvoiceText {
                format: TextFormat::Html,
                content: r#"<p onclick="x()">Inleiding</p><script>x()</script><img src="https://t.example/p.gif">"#.into(),
            })
        }
        fn actions(&self) -> Vec<InvoiceActionSpec> {
            vec![InvoiceActionSpec {
                key: "delete".into(),
                label: Text::new("Verwijderen", "Delete"),
                confirm: Some(Text::new("Verwijderen?", "Delete?")),
                fields: vec![],
            }]
        }
        async fn act(
            &self,
            id: &str,
            _: &str,
            _: &BTreeMap<String, String>,
            key: &str,
        ) -> Result<Option<InvoiceSummary>> {
            let first = {
                let mut keys = self.keys.lock().unwrap();
                keys.push(key.into());
                keys.len() == 1
            };
            self.held.lock().unwrap().retain(|s| s.id != id);
            if first {
                return Err(Error::new(
                    ErrorCode::Uncertain,
                    "Geen antwoord ontvangen.",
                    "No answer came.",
                ));
            }
            Ok(None)
        }
    }

    fn state_with_reader() -> (AppState, Arc<OneDraft>) {
        let state = AppState::new(
            Store::open_in_memory().unwrap(),
            None,
            Lang::Nl,
            Box::new(crate::files::ListPicker(vec![])),
        );
        let c = &registry::connectors()[0];
        state
            .store()
            .upsert_connection(&ConnectionRecord {
                id: "r".into(),
                kind: c.system(),
                name: "Lezen".into(),
                base_url: "http://127.0.0.1:9".into(),
                auth: "none".into(),
                demo: true,
                administration_id: None,
                config: serde_json::json!({}),
                created_at: chrono::Utc::now(),
            })
            .unwrap();
        let caps = Capabilities {
            administrations: false,
            ..c.example_capabilities().unwrap().remove(0).1
        };
        let sys = Arc::new(OneDraft {
            caps,
            held: Mutex::new(vec![InvoiceSummary {
                flags: Vec::new(),
                project: None,
                id: "inv_1".into(),
                number: None,
                date: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
                due_date: None,
                customer: "Fietsenmaker Snel".into(),
                customer_id: None,
                total_excl: Decimal::new(10000, 2),
                total_vat: Decimal::new(2100, 2),
                total_incl: Decimal::new(12100, 2),
                state: InvoiceState::Draft,
                state_text: None,
                actions: vec!["delete".into()],
            }]),
            keys: Mutex::new(vec![]),
        });
        state.set_backend_for_tests("r", sys.clone());
        (state, sys)
    }

    #[tokio::test]
    async fn the_reader_commands_answer_from_the_copy_and_the_system_and_errors_in_the_clerks_language(
    ) {
        let (state, sys) = state_with_reader();
        let info = invoice_reader_in(&state, "r").unwrap();
        assert!(info.reads_invoices);
        assert_eq!(info.actions[0].key, "delete");

        let q = InvoiceQuery::default();
        assert!(cached_invoices_in(&state, "r", &q)
            .unwrap()
            .items
            .is_empty());
        let fresh = list_invoices_in(&state, "r", &q, None).await.unwrap();
        assert_eq!(fresh.items.len(), 1);
        assert_eq!(cached_invoices_in(&state, "r", &q).unwrap().items.len(), 1);

        // The answer is lost: the error crosses as {code, message} in Dutch, and the retry
        // sends the same key.
        let none = BTreeMap::new();
        let e = invoice_action_in(&state, "r", "", "inv_1", "delete", &none)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Uncertain);
        assert_eq!(e.message, "Geen antwoord ontvangen.");
        let done = invoice_action_in(&state, "r", "", "inv_1", "delete", &none)
            .await
            .unwrap();
        assert!(done.invoice.is_none());
        assert_eq!(done.message, "Verwijderen: gedaan.");
        let keys = sys.keys.lock().unwrap().clone();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0], keys[1]);
        assert!(cached_invoices_in(&state, "r", &q)
            .unwrap()
            .items
            .is_empty());

        // A field error keeps its field across IPC.
        let backwards = InvoiceQuery {
            from: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
            to: chrono::NaiveDate::from_ymd_opt(2026, 11, 1),
            ..Default::default()
        };
        let e = cached_invoices_in(&state, "r", &backwards).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::Validation, Some("to"))
        );
        assert_eq!(e.message, "De einddatum ligt vóór de begindatum.");
    }

    #[tokio::test]
    async fn an_invoice_text_crosses_sanitised_and_starting_a_draft_needs_a_system_that_sends() {
        let (state, _) = state_with_reader();
        let text = invoice_text_in(&state, "r", "inv_1", "introduction")
            .await
            .unwrap();
        assert_eq!(text.html.as_deref(), Some("<p>Inleiding</p><img>"));
        assert_eq!(text.which, "introduction");

        // This system only reads: no draft from its invoices, said in the clerk's language.
        let e = start_from_invoice_in(&state, "r", "", "inv_1")
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Config);
        assert_eq!(
            e.message,
            "Dit systeem kan geen facturen versturen: het kan ze alleen lezen."
        );
        let e = start_from_sent_in(&state, "r", "not-an-id").unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound);
    }

    #[tokio::test]
    async fn a_connection_whose_system_does_not_read_says_so_and_lists_nothing() {
        let state = AppState::new(
            Store::open_in_memory().unwrap(),
            None,
            Lang::En,
            Box::new(crate::files::ListPicker(vec![])),
        );
        // Every connector of today: none reads yet, and History shows only the outbox.
        for (i, c) in registry::connectors().iter().enumerate() {
            let Some(demo) = c.demo.connections.first() else {
                continue;
            };
            let id = format!("c{i}");
            let settings: serde_json::Map<String, serde_json::Value> = demo
                .settings
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
                .collect();
            state
                .store()
                .upsert_connection(&ConnectionRecord {
                    id: id.clone(),
                    kind: c.system(),
                    name: demo.name.into(),
                    base_url: format!("http://127.0.0.1:9{}", c.demo.path),
                    auth: demo.auth.into(),
                    demo: true,
                    administration_id: None,
                    config: serde_json::json!({ "settings": settings }),
                    created_at: chrono::Utc::now(),
                })
                .unwrap();
            let backend = state.backend(&id).unwrap();
            let info = invoice_reader_in(&state, &id).unwrap();
            assert_eq!(info.reads_invoices, backend.reader().is_some(), "{}", c.id);
            if !info.reads_invoices {
                let e = list_invoices_in(&state, &id, &InvoiceQuery::default(), None)
                    .await
                    .unwrap_err();
                assert_eq!(e.code, ErrorCode::Config);
                assert_eq!(
                    e.message,
                    "The invoices in this system cannot be read here."
                );
            }
        }
    }
}
