//! Attached files: recorded by the Rust side when picked, checked again when sent.

mod common;

use common::*;
use invoice_desk_core::error::ErrorCode;
use invoice_desk_core::invoice::{Draft, DraftAttachment, DraftLine};
use invoice_desk_core::store::Store;
use invoice_desk_core::submit::{submit_draft, Outcome, RetryPolicy};
use std::path::Path;
use std::time::Duration;

fn fast() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    }
}

fn noop(_: uuid::Uuid, _: u64, _: u64) {}

fn draft_with(store: &Store, file: &Path) -> Draft {
    let mut d = Draft::new(
        "c1",
        &caps(),
        chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    );
    d.administration_id = Some("adm".into());
    d.relation = Some(relation("r1", "Bakkerij de Vries B.V."));
    d.lines = vec![DraftLine {
        product: Some(product("p1", "Brood", "2.50")),
        quantity: "4".into(),
        unit_price: "2,50".into(),
        vat_code: "low".into(),
        ..DraftLine::default()
    }];
    d.attachments
        .push(DraftAttachment::from_file(file, "application/pdf", None).unwrap());
    store.save_draft(&d).unwrap();
    d
}

#[test]
fn picking_a_file_records_its_path_size_and_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bon.pdf");
    std::fs::write(&file, b"abc").unwrap();
    let a = DraftAttachment::from_file(&file, "application/pdf", None).unwrap();
    assert_eq!(a.path, file.display().to_string());
    assert_eq!(a.file_name, "bon.pdf");
    assert_eq!(a.size, 3);
    assert_eq!(
        a.sha256,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn a_file_larger_than_the_back_end_takes_is_refused_from_its_size_when_picked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scan.pdf");
    // Sparse: 200 MB on paper, nothing on disk.
    std::fs::File::create(&file)
        .unwrap()
        .set_len(200 * 1024 * 1024)
        .unwrap();
    let e =
        DraftAttachment::from_file(&file, "application/pdf", Some(10 * 1024 * 1024)).unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.field.as_deref(), Some("attachments"));
    assert!(e.message.en.contains("at most 10 MB"), "{}", e.message.en);
    assert!(e.message.nl.contains("hoogstens 10 MB"), "{}", e.message.nl);
}

#[test]
fn a_file_that_grew_beyond_the_limit_is_not_read_into_memory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scan.pdf");
    std::fs::write(&file, b"%PDF-1.4 small").unwrap();
    let a = DraftAttachment::from_file(&file, "application/pdf", Some(1024)).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(500 * 1024 * 1024)
        .unwrap();
    let e = a.read_checked(Some(1024), "attachments[0]").unwrap_err();
    assert_eq!(e.field.as_deref(), Some("attachments[0]"));
    assert!(e.message.en.contains("takes at most"), "{}", e.message.en);
}

#[tokio::test]
async fn a_file_changed_in_size_since_picking_is_reported_on_the_attachment_and_not_queued() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bon.pdf");
    std::fs::write(&file, b"%PDF-1.4 bon").unwrap();
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(vec![Script::Ok], true);
    let d = draft_with(&store, &file);
    std::fs::write(&file, b"%PDF-1.4 another bon").unwrap();
    let e = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.fields.len(), 1);
    assert_eq!(e.fields[0].field, "attachments[0]");
    assert!(e.fields[0]
        .message
        .en
        .contains("changed after it was attached"));
    // Nothing queued, nothing sent, the draft is still the clerk's.
    assert!(store.outbox_entry(d.id).unwrap().is_none());
    assert!(store.draft_is_open(d.id).unwrap());
    assert!(fake.uploads.lock().unwrap().is_empty());
    assert_eq!(*fake.submits.lock().unwrap(), 0);
}

#[tokio::test]
async fn a_file_gone_since_picking_is_reported_on_the_attachment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bon.pdf");
    std::fs::write(&file, b"%PDF-1.4 bon").unwrap();
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(vec![Script::Ok], true);
    let d = draft_with(&store, &file);
    std::fs::remove_file(&file).unwrap();
    let e = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "attachments[0]");
    assert!(e.fields[0].message.nl.contains("is er niet meer"));
    assert_eq!(*fake.submits.lock().unwrap(), 0);
}

#[tokio::test]
async fn a_file_changed_with_the_same_size_is_caught_by_its_hash_and_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bon.pdf");
    std::fs::write(&file, b"%PDF-1.4 bon A").unwrap();
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(vec![Script::Ok], true);
    let d = draft_with(&store, &file);
    std::fs::write(&file, b"%PDF-1.4 bon B").unwrap();
    let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    let Outcome::Refused(e) = out else {
        panic!("{out:?}")
    };
    assert_eq!(e.field.as_deref(), Some("attachments[0]"));
    assert!(e.message.en.contains("changed after it was attached"));
    assert!(fake.uploads.lock().unwrap().is_empty());
    assert_eq!(*fake.submits.lock().unwrap(), 0);
    // The draft is back with the clerk, the attachment still listed to remove or replace.
    let back = store.open_draft("c1").unwrap().unwrap();
    assert_eq!(back.attachments.len(), 1);
}

#[tokio::test]
async fn an_unchanged_file_is_sent_as_it_was_picked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bon.pdf");
    std::fs::write(&file, b"%PDF-1.4 bon").unwrap();
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(vec![Script::Ok], true);
    let d = draft_with(&store, &file);
    let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Sent(_)), "{out:?}");
    let uploads = fake.uploads.lock().unwrap();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].1, b"%PDF-1.4 bon");
}
