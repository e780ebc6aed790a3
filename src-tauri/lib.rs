//! The Invoice Desk app shell: builder and state, thin IPC commands, keyring, file dialogs,
//! OAuth loopback, the built-in demo. The logic lives in the library crates.

mod commands;
mod demo;
mod files;
mod oauth;
mod secrets;
mod state;
mod workers;

use invoice_desk_core::error::ErrorCode;
use invoice_desk_core::i18n::{Lang, Text};
use invoice_desk_core::store::Store;
use state::AppState;
use std::path::PathBuf;
use tauri::Manager;

/// Where the app keeps its store and log: `INVOICE_DESK_DATA_DIR`, or the platform's app
/// data directory.
fn data_dir(app: &tauri::App) -> PathBuf {
    if let Some(d) = std::env::var_os("INVOICE_DESK_DATA_DIR") {
        return PathBuf::from(d);
    }
    app.path()
        .app_data_dir()
        .unwrap_or_else(|_| std::env::temp_dir().join("invoice-desk"))
}

fn init_logging(dir: &std::path::Path) {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_env("INVOICE_DESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = std::fs::create_dir_all(dir);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("invoice-desk.log"))
        .ok();
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr));
    let result = match file {
        Some(f) => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(std::sync::Mutex::new(f)),
            )
            .try_init(),
        None => registry.try_init(),
    };
    let _ = result;
}

/// Opens the store. A damaged file is kept as a copy and set aside, and the clerk is told; a
/// store that cannot be opened at all leaves the app running on a temporary store, with a
/// warning that nothing will be kept.
fn open_store(dir: &std::path::Path) -> (Store, Option<Text>) {
    match Store::open(dir) {
        Ok(s) => (s, None),
        Err(e) if e.code == ErrorCode::StoreCorrupt => {
            let kept = e.detail.clone().unwrap_or_default();
            let fresh = Store::set_aside_damaged(dir).and_then(|_| Store::open(dir));
            match fresh {
                Ok(s) => (
                    s,
                    Some(Text::new(
                        format!("De lokale opslag was beschadigd. Een kopie is bewaard als {kept}; de app is met een lege opslag begonnen. Uw boekhoudpakket is niet geraakt."),
                        format!("The local store was damaged. A copy was kept as {kept}; the app started with an empty store. Your bookkeeping system was not affected."),
                    )),
                ),
                Err(e2) => temporary(e2),
            }
        }
        Err(e) => temporary(e),
    }
}

fn temporary(e: invoice_desk_core::error::Error) -> (Store, Option<Text>) {
    tracing::error!(code = ?e.code, "the store could not be opened");
    let store = Store::open_in_memory().expect("an in-memory store always opens");
    let warning = Text::new(
        format!(
            "{} Wat u nu typt wordt NIET bewaard na afsluiten.",
            e.message.nl
        ),
        format!(
            "{} What you type now will NOT be kept after closing.",
            e.message.en
        ),
    );
    (store, Some(warning))
}

fn system_lang() -> Lang {
    sys_locale::get_locale()
        .map(|l| Lang::from_locale(&l))
        .unwrap_or_default()
}

fn file_picker() -> Box<dyn files::FilePicker> {
    match std::env::var("INVOICE_DESK_PICK_FILES") {
        Ok(list) if !list.is_empty() => {
            Box::new(files::ListPicker(std::env::split_paths(&list).collect()))
        }
        _ => Box::new(files::NativePicker),
    }
}

pub fn run() {
    tauri::Builder::default()
        .setup(|app| {
            let dir = data_dir(app);
            init_logging(&dir);
            tracing::info!(version = env!("CARGO_PKG_VERSION"), "Invoice Desk starting");
            let (store, warning) = open_store(&dir);
            let lang = match store.setting("lang").ok().flatten().as_deref() {
                Some("nl") => Lang::Nl,
                Some("en") => Lang::En,
                _ => system_lang(),
            };
            let state = AppState::new(store, warning, lang, file_picker());
            if let Err(e) = tauri::async_runtime::block_on(demo::ensure(&state)) {
                tracing::error!(code = ?e.code, "the demo environment could not start");
            }
            let active = state.active_connection().ok().flatten();
            app.manage(state);
            if let Some(c) = active {
                workers::spawn_sync(app.handle().clone(), c.id);
            }
            workers::spawn_background(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::set_lang,
            commands::list_connections,
            commands::save_connection,
            commands::set_active_connection,
            commands::delete_connection,
            commands::start_oauth,
            commands::test_connection,
            commands::list_administrations,
            commands::select_administration,
            commands::sync_now,
            commands::sync_status,
            commands::search_relations,
            commands::search_products,
            commands::relation_addresses,
            commands::current_draft,
            commands::new_draft,
            commands::save_draft,
            commands::pick_attachments,
            commands::remove_attachment,
            commands::submit_draft,
            commands::history,
            commands::retry_outbox,
        ])
        .run(tauri::generate_context!())
        .expect("error while running Invoice Desk");
}
