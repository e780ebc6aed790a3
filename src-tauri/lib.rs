//! The Invoice Desk app shell: builder and state, thin IPC commands, keyring, file dialogs,
//! OAuth loopback, the built-in demo. The logic lives in the library crates.

mod commands;
mod demo;
mod files;
#[cfg(test)]
mod generated;
mod history;
mod lists;
mod oauth;
mod secrets;
mod startup;
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

/// How the store was opened.
struct Opened {
    store: Store,
    /// Something the clerk must know, shown in a banner (a damaged store set aside).
    warning: Option<Text>,
    /// The store could not be opened: the app shows only this (why, and what to do).
    error: Option<Text>,
}

/// Opens the store. A damaged file is kept as a copy and set aside, what can be read of it is
/// brought into the fresh store (the waiting invoices first) and the clerk is told what came
/// back, or that invoices may still be waiting in the copy. A store that cannot be opened at
/// all is never replaced by one in memory that the clerk would type into and lose: the app
/// says why and what to do, and does nothing else.
fn open_store(dir: &std::path::Path) -> Opened {
    match Store::open(dir) {
        Ok(store) => Opened {
            store,
            warning: None,
            error: None,
        },
        Err(e) if e.code == ErrorCode::StoreCorrupt => {
            let kept = e.detail.clone().unwrap_or_default();
            let fresh = Store::set_aside_damaged(dir).and_then(|_| Store::open(dir));
            match fresh {
                Ok(store) => {
                    let recovery = store.recover_from(std::path::Path::new(&kept));
                    tracing::warn!(
                        waiting = recovery.waiting.len(),
                        history = recovery.history,
                        unreadable = recovery.outbox_unreadable,
                        "a damaged store was set aside"
                    );
                    let warning = damaged_warning(&kept, &recovery);
                    Opened {
                        store,
                        warning: Some(warning),
                        error: None,
                    }
                }
                Err(e2) => not_opened(dir, e2),
            }
        }
        Err(e) => not_opened(dir, e),
    }
}

/// What the clerk reads after a damaged store was set aside.
fn damaged_warning(kept: &str, recovery: &invoice_desk_core::store::Recovery) -> Text {
    let mut nl = format!("De lokale opslag was beschadigd. Een kopie is bewaard als {kept}. Uw boekhoudpakket is niet geraakt.");
    let mut en = format!("The local store was damaged. A copy was kept as {kept}. Your bookkeeping system was not affected.");
    let n = recovery.waiting.len();
    if n > 0 {
        let list = |lang: Lang| -> String {
            recovery
                .waiting
                .iter()
                .map(|e| {
                    let number = e
                        .number
                        .clone()
                        .or_else(|| {
                            e.payload
                                .as_ref()
                                .and_then(|p| p.extra_str("invoice_number").map(String::from))
                        })
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default();
                    let amount = match lang {
                        Lang::Nl => e.total_gross.replace('.', ","),
                        Lang::En => e.total_gross.clone(),
                    };
                    format!("{}{number}, € {amount}", e.relation_name)
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let (list_nl, list_en) = (list(Lang::Nl), list(Lang::En));
        if n == 1 {
            nl.push_str(&format!(" 1 factuur die nog wachtte is teruggehaald en wordt verstuurd (eerst wordt gecontroleerd of hij al is aangekomen): {list_nl}."));
            en.push_str(&format!(" 1 invoice that was still waiting was recovered and will be sent (the app first checks whether it already arrived): {list_en}."));
        } else {
            nl.push_str(&format!(" {n} facturen die nog wachtten zijn teruggehaald en worden verstuurd (eerst wordt gecontroleerd of ze al zijn aangekomen): {list_nl}."));
            en.push_str(&format!(" {n} invoices that were still waiting were recovered and will be sent (the app first checks whether they already arrived): {list_en}."));
        }
    }
    if recovery.outbox_unreadable {
        nl.push_str(&format!(" Niet alles in de kopie kon worden gelezen: er kunnen nog facturen in {kept} staan die niet zijn verstuurd. Controleer in uw boekhoudpakket welke facturen er staan en typ ontbrekende opnieuw in, of vraag uw leverancier de kopie te bekijken."));
        en.push_str(&format!(" Not everything in the copy could be read: invoices that were not sent may still be in {kept}. Check in your bookkeeping system which invoices are there and type missing ones in again, or ask your supplier to look at the copy."));
    } else if n == 0 {
        nl.push_str(" Er wachtten geen facturen in de beschadigde opslag; wat kon worden gelezen is teruggezet.");
        en.push_str(
            " No invoices were waiting in the damaged store; what could be read was brought back.",
        );
    }
    Text::new(nl, en)
}

/// The store cannot be opened: the app runs on a temporary store only to show why, and the
/// clerk cannot type into it (the UI shows a blocking screen; no worker sends anything).
fn not_opened(dir: &std::path::Path, e: invoice_desk_core::error::Error) -> Opened {
    tracing::error!(code = ?e.code, detail = ?e.detail, "the store could not be opened");
    let path = dir.join(invoice_desk_core::store::FILE_NAME);
    let (nl_do, en_do) = match e.code {
        ErrorCode::StoreLocked => (
            "Sluit andere vensters van Invoice Desk (en programma's die dit bestand openen) en start Invoice Desk opnieuw.",
            "Close other Invoice Desk windows (and programs that open this file) and start Invoice Desk again.",
        ),
        ErrorCode::DiskFull => (
            "Maak ruimte vrij op de schijf en start Invoice Desk opnieuw.",
            "Free some disk space and start Invoice Desk again.",
        ),
        _ => (
            "Controleer of de map bestaat en of u er mag schrijven (of vraag uw beheerder), en start Invoice Desk opnieuw.",
            "Check that the folder exists and that you may write to it (or ask your administrator), then start Invoice Desk again.",
        ),
    };
    let error = Text::new(
        format!(
            "{} Bestand: {}. Om te voorkomen dat u werk typt dat verloren gaat, kunt u nu niets invoeren. {nl_do}",
            e.message.nl,
            path.display()
        ),
        format!(
            "{} File: {}. So that you do not type work that would be lost, nothing can be entered now. {en_do}",
            e.message.en,
            path.display()
        ),
    );
    match Store::open_in_memory() {
        Ok(store) => Opened {
            store,
            warning: None,
            error: Some(error),
        },
        Err(e2) => {
            // Not even memory: nothing can be shown through the store; end with the reason.
            tracing::error!(code = ?e2.code, "no store at all");
            eprintln!("{}", error.en);
            std::process::exit(2);
        }
    }
}

/// The identity of the running app for the single-instance check: the app's identifier and,
/// when the data folder is chosen with `INVOICE_DESK_DATA_DIR`, that folder, so apps on
/// different folders (tests) run side by side while a second start on the same folder
/// focuses the first window. (Linux; on Windows and macOS the identifier alone counts.)
fn instance_id(identifier: &str) -> String {
    use sha2::{Digest, Sha256};
    match std::env::var_os("INVOICE_DESK_DATA_DIR") {
        Some(d) => {
            let path = PathBuf::from(&d);
            let path = std::fs::canonicalize(&path).unwrap_or(path);
            let hash = Sha256::digest(path.as_os_str().as_encoded_bytes());
            let hex: String = hash.iter().take(12).map(|b| format!("{b:02x}")).collect();
            format!("{identifier}.d{hex}")
        }
        None => identifier.to_string(),
    }
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

/// Keeps this process's leases on the invoices it is sending from running out while a send
/// takes long (a large upload, a slow back end).
fn spawn_lease_renewal(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(invoice_desk_core::store::LEASE / 4);
        loop {
            tick.tick().await;
            let store = app.state::<AppState>().store();
            if let Err(e) = store.renew_leases() {
                tracing::warn!(code = ?e.code, "leases could not be renewed");
            }
        }
    });
}

/// The start-up work that need not hold up the window: the demo's stand-in and connections
/// (commands wait until they are in place), then the look-up refresh, the outbox worker (which
/// sends, or first looks up, what waited when the app stopped) and the lease renewal. The
/// workers start whatever the demo's fate: an error or a panic in it is logged.
fn start_in_background(app: tauri::AppHandle) {
    let opener = startup::close();
    tauri::async_runtime::spawn(async move {
        let demo_app = app.clone();
        let demo = tauri::async_runtime::spawn(async move {
            demo::ensure(&demo_app.state::<AppState>()).await
        });
        match demo.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(
                code = ?e.code,
                why = %e.message.en,
                "the demo environment could not start"
            ),
            Err(e) => tracing::error!(error = %e, "the demo environment could not start"),
        }
        drop(opener);
        let state = app.state::<AppState>();
        if let Ok(Some(c)) = state.active_connection() {
            workers::spawn_sync(app.clone(), c.id);
        }
        workers::spawn_background(app.clone());
        spawn_lease_renewal(app.clone());
        spawn_store_check(app);
    });
}

/// Checks the whole store file (the look-up caches included) once the app has settled, on a
/// connection of its own: opening checked only the tables of the clerk's work. Damage found
/// makes the next start check everything first (see `Store::check_whole_file`).
fn spawn_store_check(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(20)).await;
        let store = app.state::<AppState>().store();
        match tokio::task::spawn_blocking(move || store.check_whole_file()).await {
            Ok(Ok(said)) if said == "ok" => tracing::debug!("the whole store was checked"),
            Ok(Ok(said)) => tracing::error!(check = %said, "the store is damaged"),
            Ok(Err(e)) => tracing::warn!(code = ?e.code, "the whole store could not be checked"),
            Err(e) => tracing::error!(error = %e, "the check of the store stopped"),
        }
    });
}

/// On Linux, WebKitGTK draws the page with Skia on the GPU whenever OpenGL is there, also
/// when that OpenGL is Mesa's software renderer (no graphics device: virtual machines, remote
/// desktops, thin clients). There, drawing "on the GPU" means compiling shaders for the CPU at
/// the first frame, which costs more time and memory than Skia drawing on the CPU directly. With
/// no render device, the app asks WebKit to draw on the CPU, unless the environment already
/// says how (`WEBKIT_SKIA_ENABLE_CPU_RENDERING`).
#[cfg(target_os = "linux")]
fn prefer_cpu_drawing_without_a_gpu() {
    const CPU: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";
    if std::env::var_os(CPU).is_some() {
        return;
    }
    if !has_render_device(std::path::Path::new("/dev/dri")) {
        // Before any thread is started: nothing else reads the environment yet.
        std::env::set_var(CPU, "1");
    }
}

/// Whether a GPU render node (`renderD…`) is present in the given device folder.
#[cfg(target_os = "linux")]
fn has_render_device(dri: &std::path::Path) -> bool {
    std::fs::read_dir(dri)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false)
}

pub fn run() {
    #[cfg(target_os = "linux")]
    prefer_cpu_drawing_without_a_gpu();
    let context = tauri::generate_context!();
    let single = tauri_plugin_single_instance::Builder::new()
        .dbus_id(instance_id(&context.config().identifier))
        .callback(|app, _args, _cwd| {
            // A second start on the same data folder: show this window instead.
            tracing::info!("a second start was sent to this window");
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
        })
        .build();
    tauri::Builder::default()
        .plugin(single)
        .setup(|app| {
            let began = std::time::Instant::now();
            let dir = data_dir(app);
            init_logging(&dir);
            tracing::info!(version = env!("CARGO_PKG_VERSION"), "Invoice Desk starting");
            let opened = open_store(&dir);
            let lang = match opened.store.setting("lang").ok().flatten().as_deref() {
                Some("nl") => Lang::Nl,
                Some("en") => Lang::En,
                _ => system_lang(),
            };
            let failed = opened.error.is_some();
            let state = AppState::new(opened.store, opened.warning, lang, file_picker());
            *state.store_error.lock().unwrap_or_else(|p| p.into_inner()) = opened.error;
            app.manage(state);
            if failed {
                // Nothing runs on a store that will be lost: no demo, no sync, no sending.
                return Ok(());
            }
            // The rest runs once the window shows; commands wait for it (startup::ready).
            start_in_background(app.handle().clone());
            tracing::debug!(ms = began.elapsed().as_secs_f64() * 1000.0, "set up");
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::first_answers,
            commands::set_lang,
            commands::list_connections,
            commands::list_connectors,
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
            commands::relation_by_id,
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
            commands::open_document,
            lists::search_list,
            lists::list_recipients,
            lists::save_recipient,
            lists::archive_recipient,
            history::invoice_reader,
            history::cached_invoices,
            history::list_invoices,
            history::open_invoice,
            history::invoice_action,
            history::invoice_text,
            history::start_from_sent,
            history::start_from_invoice,
        ])
        .run(context)
        .expect("error while running Invoice Desk");
}

#[cfg(test)]
mod tests {
    use super::*;
    use invoice_desk_core::store::FILE_NAME;

    #[cfg(target_os = "linux")]
    #[test]
    fn a_render_device_is_found_by_its_render_node_and_a_missing_folder_means_none() {
        let dir = std::env::temp_dir().join(format!("id-dri-{}", uuid::Uuid::new_v4()));
        assert!(!has_render_device(&dir), "no folder: no device");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("card0"), b"").unwrap();
        assert!(!has_render_device(&dir), "a card without a render node");
        std::fs::write(dir.join("renderD128"), b"").unwrap();
        assert!(has_render_device(&dir));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_store_that_cannot_be_opened_is_an_error_not_a_temporary_store_to_type_into() {
        let dir = std::env::temp_dir().join(format!("id-open-{}", uuid::Uuid::new_v4()));
        // The store's file name is taken by a folder: SQLite cannot open it.
        std::fs::create_dir_all(dir.join(FILE_NAME)).unwrap();
        let opened = open_store(&dir);
        let error = opened.error.expect("the clerk is told");
        assert!(opened.warning.is_none());
        assert!(error.en.contains("cannot be opened"), "{}", error.en);
        assert!(error.en.contains("nothing can be entered"), "{}", error.en);
        assert!(error.en.contains(FILE_NAME), "{}", error.en);
        assert!(error.nl.contains("niets invoeren"), "{}", error.nl);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_store_that_cannot_be_read_tells_the_clerk_invoices_may_be_in_the_copy() {
        let dir = std::env::temp_dir().join(format!("id-damaged-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(FILE_NAME), b"not a database at all".repeat(300)).unwrap();
        let opened = open_store(&dir);
        assert!(opened.error.is_none());
        let w = opened.warning.expect("the clerk is told");
        assert!(w.en.contains("may still be in"), "{}", w.en);
        assert!(w.en.contains(".damaged-"), "{}", w.en);
        assert!(w.nl.contains("kunnen nog facturen"), "{}", w.nl);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn recovered_waiting_invoices_are_listed_by_customer_and_amount() {
        let mut entry = invoice_desk_core::store::OutboxEntry {
            draft_id: uuid::Uuid::new_v4(),
            connection_id: "c".into(),
            identity: uuid::Uuid::new_v4(),
            state: invoice_desk_core::store::SubmissionState::Queued,
            payload: None,
            attempts: 0,
            remote_id: None,
            number: Some("2026041".into()),
            message: None,
            relation_name: "Bakkerij de Vries B.V.".into(),
            total_gross: "10.90".into(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            next_attempt_at: None,
        };
        let one = invoice_desk_core::store::Recovery {
            waiting: vec![entry.clone()],
            ..Default::default()
        };
        let w = damaged_warning("/data/x.damaged-1", &one);
        assert!(
            w.en.contains("1 invoice that was still waiting was recovered"),
            "{}",
            w.en
        );
        assert!(w.en.contains("Bakkerij de Vries B.V. (2026041), € 10.90"));
        assert!(!w.en.contains("may still be in"));
        entry.relation_name = "Café Het Hoekje".into();
        entry.number = None;
        let two = invoice_desk_core::store::Recovery {
            waiting: vec![one.waiting[0].clone(), entry],
            ..Default::default()
        };
        let w = damaged_warning("/data/x.damaged-1", &two);
        assert!(w.nl.contains("2 facturen die nog wachtten"), "{}", w.nl);
        assert!(w.nl.contains("Café Het Hoekje, € 10,90"), "{}", w.nl);
    }

    #[test]
    fn apps_on_different_data_folders_are_different_instances() {
        std::env::set_var("INVOICE_DESK_DATA_DIR", "/tmp/invoice-desk-a");
        let a = instance_id("nl.invoicedesk.desktop");
        std::env::set_var("INVOICE_DESK_DATA_DIR", "/tmp/invoice-desk-b");
        let b = instance_id("nl.invoicedesk.desktop");
        std::env::set_var("INVOICE_DESK_DATA_DIR", "/tmp/invoice-desk-a");
        let a_again = instance_id("nl.invoicedesk.desktop");
        std::env::remove_var("INVOICE_DESK_DATA_DIR");
        let default = instance_id("nl.invoicedesk.desktop");
        assert_ne!(a, b);
        assert_eq!(a, a_again);
        assert_eq!(default, "nl.invoicedesk.desktop");
        // A valid D-Bus name: elements of letters, digits, '_' and '-', none starting with a
        // digit, at most 255 characters with the plugin's ".SingleInstance".
        for id in [&a, &b] {
            assert!(id.len() + ".SingleInstance".len() <= 255);
            for element in id.split('.') {
                assert!(!element.is_empty());
                assert!(!element.starts_with(|c: char| c.is_ascii_digit()), "{id}");
                assert!(element
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
            }
        }
    }
}
