//! One source of truth across IPC: the TypeScript shapes the web view receives and sends are
//! generated from the Rust types (ts-rs), and the capabilities the UI's dev fake and test
//! fixtures use are what the real connectors declare. Both live in `ui/src/lib/generated/`.
//!
//! The test below generates everything afresh and fails when the committed files differ, so a
//! change to an IPC type or to a connector's capabilities cannot drift from the UI unseen.
//! Regenerate the files with
//! `INVOICE_DESK_WRITE_GENERATED=1 cargo test -p invoice-desk --lib generated`.

use crate::commands::{
    AppInfo, ConnectionInput, ConnectionView, DraftView, HistoryEntry, SubmitResult,
};
use crate::state::{build_backend, SyncStatus};
use invoice_desk_core::backend::{Address, Administration, BackendKind, Capabilities, Product};
use invoice_desk_core::error::{ErrorCode, IpcError};
use invoice_desk_core::i18n::{Lang, Text};
use invoice_desk_core::store::{ConnectionRecord, SubmissionState};
use invoice_desk_core::totals::Rounding;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// The folder in the UI the generated files are committed to.
fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/generated")
}

/// Every type that crosses IPC (the commands' arguments and answers, the `sync-status` event);
/// the types they use are exported with them.
fn export_types(dir: &Path) -> Result<(), ts_rs::ExportError> {
    // Fixed settings, whatever the environment says (TS_RS_*): the output must not vary.
    let cfg = ts_rs::Config::new().with_out_dir(dir);
    AppInfo::export_all(&cfg)?;
    ConnectionView::export_all(&cfg)?;
    ConnectionInput::export_all(&cfg)?;
    DraftView::export_all(&cfg)?;
    SubmitResult::export_all(&cfg)?;
    HistoryEntry::export_all(&cfg)?;
    SyncStatus::export_all(&cfg)?;
    Administration::export_all(&cfg)?;
    Address::export_all(&cfg)?;
    Product::export_all(&cfg)?;
    Capabilities::export_all(&cfg)?;
    IpcError::export_all(&cfg)?;
    ErrorCode::export_all(&cfg)?;
    Lang::export_all(&cfg)?;
    Text::export_all(&cfg)?;
    SubmissionState::export_all(&cfg)?;
    Rounding::export_all(&cfg)?;
    invoice_desk_core::lists::ListSearch::export_all(&cfg)?;
    invoice_desk_core::lists::Recipient::export_all(&cfg)?;
    invoice_desk_core::lists::RecipientInput::export_all(&cfg)?;
    crate::lists::ListSynced::export_all(&cfg)?;
    Ok(())
}

/// The capabilities of a connection as the shell builds it (the demo sign-in keeps the keyring
/// out of it; the capabilities do not depend on the secret).
fn capabilities_of(kind: BackendKind, settings: serde_json::Value) -> Capabilities {
    let rec = ConnectionRecord {
        id: "generated".into(),
        kind,
        name: "generated".into(),
        base_url: "http://127.0.0.1:9".into(),
        auth: "app_token".into(),
        demo: true,
        administration_id: None,
        config: json!({ "settings": settings }),
        created_at: chrono::DateTime::UNIX_EPOCH,
    };
    match build_backend(&rec, None) {
        Ok(b) => b.capabilities(),
        Err(e) => panic!("the {kind:?} connector could not be built: {e}"),
    }
}

/// `capabilities.json`: what AFAS SB and Silvasoft (each module) declare, by name.
fn capabilities_json() -> String {
    let all: BTreeMap<&str, Capabilities> = BTreeMap::from([
        ("afas", capabilities_of(BackendKind::Afas, json!({}))),
        (
            "silvasoft_bookkeeping",
            capabilities_of(
                BackendKind::Silvasoft,
                json!({ "username": "demo@invoicedesk.nl", "module": "bookkeeping" }),
            ),
        ),
        (
            "silvasoft_invoicing",
            capabilities_of(
                BackendKind::Silvasoft,
                json!({ "username": "demo@invoicedesk.nl", "module": "invoicing" }),
            ),
        ),
    ]);
    match serde_json::to_string_pretty(&all) {
        Ok(s) => s + "\n",
        Err(e) => panic!("the capabilities could not be written as JSON: {e}"),
    }
}

/// Every generated file, by name, with its content.
fn generate() -> BTreeMap<String, String> {
    let dir = std::env::temp_dir().join(format!(
        "invoice-desk-generated-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    if let Err(e) = export_types(&dir) {
        panic!("the TypeScript types could not be generated: {e}");
    }
    let mut out = read_dir(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    out.insert("capabilities.json".into(), capabilities_json());
    out
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                out.insert(name, text);
            }
            Err(e) => panic!("{} could not be read: {e}", path.display()),
        }
    }
    out
}

fn write_dir(dir: &Path, files: &BTreeMap<String, String>) {
    let _ = std::fs::remove_dir_all(dir);
    if let Err(e) = std::fs::create_dir_all(dir) {
        panic!("{} could not be made: {e}", dir.display());
    }
    for (name, text) in files {
        if let Err(e) = std::fs::write(dir.join(name), text) {
            panic!("{name} could not be written: {e}");
        }
    }
}

#[test]
fn the_committed_ui_types_and_capabilities_are_what_the_rust_code_generates() {
    let fresh = generate();
    let dir = committed_dir();
    if std::env::var_os("INVOICE_DESK_WRITE_GENERATED").is_some() {
        write_dir(&dir, &fresh);
    }
    let committed = read_dir(&dir);
    let names = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&committed),
        names(&fresh),
        "ui/src/lib/generated/ holds other files than the Rust code generates; regenerate with \
         INVOICE_DESK_WRITE_GENERATED=1 cargo test -p invoice-desk --lib generated"
    );
    let stale: Vec<&String> = fresh
        .iter()
        .filter(|(name, text)| committed.get(*name) != Some(*text))
        .map(|(name, _)| name)
        .collect();
    assert!(
        stale.is_empty(),
        "in ui/src/lib/generated/, {stale:?} differ from what the Rust code generates; regenerate \
         with INVOICE_DESK_WRITE_GENERATED=1 cargo test -p invoice-desk --lib generated"
    );
}

#[test]
fn generating_twice_gives_the_same_files() {
    assert_eq!(generate(), generate());
}

#[test]
fn the_generated_capabilities_are_those_of_the_connectors() {
    let caps: BTreeMap<String, Capabilities> = match serde_json::from_str(&capabilities_json()) {
        Ok(c) => c,
        Err(e) => panic!("capabilities.json does not read back: {e}"),
    };
    assert_eq!(caps["afas"], invoice_desk_backends::afas::capabilities());
    assert_eq!(caps["silvasoft_bookkeeping"].kind, BackendKind::Silvasoft);
    assert_eq!(caps["silvasoft_invoicing"].kind, BackendKind::Silvasoft);
    assert_ne!(
        caps["silvasoft_bookkeeping"], caps["silvasoft_invoicing"],
        "each Silvasoft module declares its own form"
    );
}
