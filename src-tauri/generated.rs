//! One source of truth across IPC: the TypeScript shapes the web view receives and sends are
//! generated from the Rust types (ts-rs), and the capabilities the UI's dev fake and test
//! fixtures use are what the real connectors declare. Both live in `ui/src/lib/generated/`.
//!
//! The test below generates everything afresh and fails when the committed files differ, so a
//! change to an IPC type or to a connector's capabilities cannot drift from the UI unseen.
//! Regenerate the files with
//! `INVOICE_DESK_WRITE_GENERATED=1 cargo test -p invoice-desk --lib generated`.

use crate::commands::{
    AppInfo, ConnectionInput, ConnectionView, ConnectorDescription, DraftView, FirstAnswers,
    HistoryEntry, SubmitResult,
};
use crate::state::SyncStatus;
use invoice_desk_backends::registry;
use invoice_desk_core::backend::{Address, Administration, Capabilities, Product};
use invoice_desk_core::error::{ErrorCode, IpcError};
use invoice_desk_core::i18n::{Lang, Text};
use invoice_desk_core::store::SubmissionState;
use invoice_desk_core::totals::Rounding;
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
    FirstAnswers::export_all(&cfg)?;
    ConnectionView::export_all(&cfg)?;
    ConnectionInput::export_all(&cfg)?;
    ConnectorDescription::export_all(&cfg)?;
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
    invoice_desk_core::reading::ReaderInfo::export_all(&cfg)?;
    invoice_desk_core::reading::InvoiceList::export_all(&cfg)?;
    invoice_desk_core::reading::ActionDone::export_all(&cfg)?;
    invoice_desk_core::reader::InvoiceQuery::export_all(&cfg)?;
    invoice_desk_core::reader::InvoiceDetail::export_all(&cfg)?;
    invoice_desk_core::texts::ShownText::export_all(&cfg)?;
    invoice_desk_core::start_from::StartedDraft::export_all(&cfg)?;
    Ok(())
}

/// `capabilities.json`: what each connector's examples declare, by the example's key.
fn capabilities_json() -> String {
    let mut all: BTreeMap<&str, Capabilities> = BTreeMap::new();
    for c in registry::connectors() {
        match c.example_capabilities() {
            Ok(list) => all.extend(list),
            Err(e) => panic!("the {} connector could not be built: {e}", c.id),
        }
    }
    pretty(&all)
}

/// `connectors.json`: every connector's description, by its id.
fn connectors_json() -> String {
    let all: BTreeMap<String, ConnectorDescription> = registry::descriptions()
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    pretty(&all)
}

fn pretty<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_string_pretty(v) {
        Ok(s) => s + "\n",
        Err(e) => panic!("a generated file could not be written as JSON: {e}"),
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
    out.insert("connectors.json".into(), connectors_json());
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
fn the_generated_capabilities_and_descriptions_are_those_of_the_registry() {
    let caps: BTreeMap<String, Capabilities> = match serde_json::from_str(&capabilities_json()) {
        Ok(c) => c,
        Err(e) => panic!("capabilities.json does not read back: {e}"),
    };
    let examples: usize = registry::connectors()
        .iter()
        .map(|c| c.examples.len())
        .sum();
    assert_eq!(caps.len(), examples, "one entry per example, keys unique");
    for c in registry::connectors() {
        for e in &c.examples {
            assert_eq!(caps[e.key].kind.as_str(), c.id);
        }
    }
    let described: BTreeMap<String, ConnectorDescription> =
        match serde_json::from_str(&connectors_json()) {
            Ok(c) => c,
            Err(e) => panic!("connectors.json does not read back: {e}"),
        };
    assert_eq!(described.len(), registry::connectors().len());
    for c in registry::connectors() {
        assert_eq!(described[c.id], c.describe());
    }
}

// ---- the shell and the UI name no system ----------------------------------------------------------

/// Files allowed to name a system: the UI's texts and what is generated from the registry.
fn exempt(rel: &str) -> bool {
    rel == "ui/src/lib/i18n.ts" || rel.starts_with("ui/src/lib/generated/")
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, usize, String)>, names: &[String]) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if exempt(&rel) {
            continue;
        }
        if path.is_dir() {
            if !matches!(
                entry.file_name().to_str(),
                Some("target" | "node_modules" | "gen")
            ) {
                walk(root, &path, out, names);
            }
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // not text
        };
        for (i, line) in text.lines().enumerate() {
            let lower = line.to_lowercase();
            if let Some(name) = names.iter().find(|n| lower.contains(n.as_str())) {
                out.push((rel.clone(), i + 1, name.clone()));
            }
        }
    }
}

/// Every line under `dirs` (relative to the checkout) that names a system.
fn lines_naming_a_system(dirs: &[&str]) -> Vec<(String, usize, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let names = registry::system_names();
    let mut out = Vec::new();
    for d in dirs {
        walk(root, &root.join(d), &mut out, &names);
    }
    out.sort();
    out
}

#[test]
fn no_file_of_the_shell_or_the_ui_names_a_system() {
    let found = lines_naming_a_system(&["src-tauri", "ui/src"]);
    let report: Vec<String> = found
        .iter()
        .map(|(file, line, name)| format!("{file}:{line}: names {name}"))
        .collect();
    assert!(
        found.is_empty(),
        "a system is named where only the registry may name it (describe it in its connector \
         under crates/backends instead):\n{}",
        report.join("\n")
    );
}

#[test]
fn the_check_finds_a_system_named_in_a_file() {
    let dir = std::env::temp_dir().join(format!("invoice-desk-names-{}", uuid::Uuid::new_v4()));
    let _ = std::fs::create_dir_all(dir.join("lib/generated"));
    let names = registry::system_names();
    let first = names.first().cloned().unwrap_or_default();
    let _ = std::fs::write(
        dir.join("a.rs"),
        format!("fn x() {{}}\n// talks to {}\n", first.to_uppercase()),
    );
    let mut found = Vec::new();
    walk(&dir, &dir, &mut found, &names);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(found, vec![("a.rs".to_string(), 2, first)]);
}
