mod common;

use common::*;
use invoice_desk_core::backend::SyncPage;
use invoice_desk_core::error::ErrorCode;
use invoice_desk_core::invoice::Draft;
use invoice_desk_core::store::{Entity, Store, FILE_NAME};

fn page<T>(items: Vec<T>, full: bool) -> SyncPage<T> {
    SyncPage {
        items,
        removed: vec![],
        cursor: "c".into(),
        done: true,
        full_reload: full,
    }
}

#[test]
fn drafts_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Draft::new(
        "c1",
        &caps(),
        chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
    );
    d.reference = "PO-77 — café".into();
    d.lines[0].quantity = "12,5x".into(); // invalid typing is kept as typed
    {
        let s = Store::open(dir.path()).unwrap();
        s.save_draft(&d).unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    let back = s.open_draft("c1").unwrap().unwrap();
    assert_eq!(back, d);
}

#[test]
fn type_ahead_over_relations() {
    let s = Store::open_in_memory().unwrap();
    let mut archived = relation("r3", "Café Het Archief");
    archived.archived = true;
    let mut person = relation("r2", "Cas de Graaf");
    person.number = None;
    person.email = Some("cas@degraaf.nl".into());
    s.apply_relations(
        "c1",
        "a1",
        &page(
            vec![relation("r1", "Bakkerij de Vries B.V."), person, archived],
            true,
        ),
    )
    .unwrap();
    let names = |q: &str| -> Vec<String> {
        s.search_relations("c1", "a1", q, 10)
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect()
    };
    assert_eq!(names("bak"), vec!["Bakkerij de Vries B.V."]);
    assert_eq!(names("de").len(), 2);
    assert_eq!(names("degraaf"), vec!["Cas de Graaf"]); // e-mail word
    assert_eq!(names("000019"), vec!["Bakkerij de Vries B.V."]); // relation number
    assert!(names("archief").is_empty(), "archived relations are hidden");
    assert!(names("cafe").is_empty());
    assert_eq!(names("vries bak"), vec!["Bakkerij de Vries B.V."]);
    assert!(
        names("\"*)(").len() <= 3,
        "odd input is not an FTS syntax error"
    );
    assert!(s
        .search_relations("c1", "other", "bak", 10)
        .unwrap()
        .is_empty());
    // Diacritics: "cafe" finds "Café" once it is not archived.
    let mut cafe = relation("r3", "Café Het Archief");
    cafe.archived = false;
    s.apply_relations("c1", "a1", &page(vec![cafe], false))
        .unwrap();
    assert_eq!(names("cafe"), vec!["Café Het Archief"]);
    // An update replaces, a removal removes.
    let mut p = page(vec![relation("r1", "Bakkerij Jansen")], false);
    p.removed = vec!["r2".into()];
    s.apply_relations("c1", "a1", &p).unwrap();
    assert!(names("vries").is_empty());
    assert_eq!(names("jansen"), vec!["Bakkerij Jansen"]);
    assert!(names("graaf").is_empty());
    assert_eq!(s.cache_counts("c1", "a1").unwrap().0, 2);
}

#[test]
fn products_and_cursor() {
    let s = Store::open_in_memory().unwrap();
    s.apply_products(
        "c1",
        "a1",
        &page(vec![product("p1", "Draadloos toetsenbord", "67.73")], true),
    )
    .unwrap();
    let found = s.search_products("c1", "a1", "toets", 5).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].price_excl.unwrap().to_string(), "67.73");
    assert_eq!(s.search_products("c1", "a1", "P-p1", 5).unwrap().len(), 1);
    s.set_sync_cursor("c1", "a1", Entity::Products, "tok", true)
        .unwrap();
    let c = s.sync_cursor("c1", "a1", Entity::Products).unwrap();
    assert_eq!(c.cursor.as_deref(), Some("tok"));
    assert!(c.done && c.synced_at.is_some());
}

#[test]
fn a_products_line_defaults_survive_the_cache_both_ways_of_searching() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = product("p1", "Huur kantoor", "1000.00");
    p.line_defaults
        .insert("ledger_account".into(), "8000".into());
    let plain = product("p2", "Huur garage", "100.00");
    {
        let s = Store::open(dir.path()).unwrap();
        s.apply_products("c1", "a1", &page(vec![p.clone(), plain.clone()], true))
            .unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    let typed = s.search_products("c1", "a1", "kantoor", 5).unwrap();
    assert_eq!(typed, vec![p.clone()]);
    let all = s.search_products("c1", "a1", "", 5).unwrap();
    assert_eq!(all, vec![plain, p]);
    // A product stored in a draft before products had line defaults still reads.
    let old = r#"{"id":"p9","code":null,"description":"x","price_excl":null,"price_incl":null,"vat_code":null,"group":null,"archived":false}"#;
    let back: invoice_desk_core::backend::Product = serde_json::from_str(old).unwrap();
    assert!(back.line_defaults.is_empty());
}

#[test]
fn a_damaged_file_is_kept_and_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let garbage = b"this is not a database, it is a shopping list".repeat(200);
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open(dir.path()).err().expect("must refuse");
    assert_eq!(err.code, ErrorCode::StoreCorrupt);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        garbage,
        "the damaged file is untouched"
    );
    let copies: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".damaged-"))
        .collect();
    assert_eq!(copies.len(), 1);
    assert_eq!(std::fs::read(copies[0].path()).unwrap(), garbage);
    assert!(err.message.en.contains("copy was kept"));
    // Setting it aside lets a fresh store start; the copy stays.
    Store::set_aside_damaged(dir.path()).unwrap();
    Store::open(dir.path()).unwrap();
    assert!(copies[0].path().exists());
}

#[test]
fn counting_name_matches() {
    let s = Store::open_in_memory().unwrap();
    let mut a = relation("r1", "Jansen Installatietechniek");
    a.email = Some("info@jansen.nl".into());
    let mut b = relation("r2", "jansen installatietechniek");
    b.email = Some("post@jansen.nl".into());
    s.apply_relations("c", "", &page(vec![a, b], true)).unwrap();
    assert_eq!(
        s.relations_matching("c", "", "Jansen Installatietechniek", None)
            .unwrap(),
        2
    );
    assert_eq!(
        s.relations_matching(
            "c",
            "",
            "Jansen Installatietechniek",
            Some("info@jansen.nl")
        )
        .unwrap(),
        1
    );
}

#[test]
fn a_locked_file_says_so_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let path = dir.path().join(FILE_NAME);
    let before = std::fs::read(&path).unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch("PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; CREATE TABLE held(x);")
        .unwrap();
    let err = Store::open(dir.path()).err().expect("must refuse");
    assert_eq!(err.code, ErrorCode::StoreLocked, "{err:?}");
    assert!(err.message.en.contains("in use by another program"));
    assert!(err.message.nl.contains("in gebruik"));
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    assert_eq!(std::fs::read(&path).unwrap().len(), before.len());
    Store::open(dir.path()).expect("opens once the other program is gone");
}

#[test]
fn a_full_disk_says_so_and_keeps_the_last_saved_draft() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let mut d = Draft::new(
        "c1",
        &caps(),
        chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
    );
    d.reference = "saved before the disk filled up".into();
    s.save_draft(&d).unwrap();
    let used: u64 = {
        let c = rusqlite::Connection::open(dir.path().join(FILE_NAME)).unwrap();
        c.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap()
    };
    s.limit_pages_for_tests(used).unwrap();
    let mut bigger = d.clone();
    bigger.reference = "x".repeat(200_000);
    let err = s.save_draft(&bigger).unwrap_err();
    assert_eq!(err.code, ErrorCode::DiskFull, "{err:?}");
    assert!(err.message.en.contains("disk is full"));
    assert!(err.message.en.contains("not lost"));
    assert_eq!(
        s.open_draft("c1").unwrap().unwrap().reference,
        "saved before the disk filled up",
        "the last saved version is intact"
    );
    s.limit_pages_for_tests(1_000_000).unwrap();
    s.save_draft(&bigger).unwrap();
    assert_eq!(
        s.open_draft("c1").unwrap().unwrap().reference.len(),
        200_000
    );
}

#[test]
fn a_full_reload_keeps_the_lookups_whole_until_it_is_complete() {
    let s = Store::open_in_memory().unwrap();
    let old: Vec<_> = (0..5)
        .map(|i| relation(&format!("old{i}"), &format!("Oud Bedrijf {i}")))
        .collect();
    s.apply_relations("c", "a", &page(old, true)).unwrap();
    // A new full reload: its first page is not the last.
    let mut first = page(
        vec![
            relation("old0", "Oud Bedrijf 0"),
            relation("new1", "Nieuw Bedrijf 1"),
        ],
        true,
    );
    first.done = false;
    s.apply_relations("c", "a", &first).unwrap();
    assert_eq!(
        s.cache_counts("c", "a").unwrap().0,
        6,
        "nothing dropped mid-reload"
    );
    assert_eq!(s.search_relations("c", "a", "oud", 20).unwrap().len(), 5);
    // The last page: what the reload did not bring is gone.
    let last = page(vec![relation("new2", "Nieuw Bedrijf 2")], false);
    s.apply_relations("c", "a", &last).unwrap();
    let names: Vec<String> = s
        .search_relations("c", "a", "bedrijf", 20)
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"Oud Bedrijf 0".to_string()));
    assert!(s
        .search_relations("c", "a", "oud bedrijf 3", 20)
        .unwrap()
        .is_empty());
    // An incremental page afterwards changes only what it names.
    s.apply_relations(
        "c",
        "a",
        &page(vec![relation("new3", "Nieuw Bedrijf 3")], false),
    )
    .unwrap();
    assert_eq!(s.cache_counts("c", "a").unwrap().0, 4);
}

// ---- outbox: leases, attention, deleting a connection, a damaged store ----

use invoice_desk_core::invoice::{to_outgoing, DraftLine};
use invoice_desk_core::store::{Claim, SubmissionState};

fn queued(s: &Store, connection: &str, customer: &str) -> Draft {
    let mut d = Draft::new(
        connection,
        &caps(),
        chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    );
    d.administration_id = Some("adm".into());
    d.relation = Some(relation("r1", customer));
    d.lines = vec![DraftLine {
        product: Some(product("p1", "Brood", "2.50")),
        quantity: "4".into(),
        unit_price: "2,50".into(),
        vat_code: "low".into(),
        ..DraftLine::default()
    }];
    s.save_draft(&d).unwrap();
    let invoice = to_outgoing(&d, &caps()).unwrap();
    s.enqueue(&d, &invoice).unwrap();
    d
}

#[test]
fn a_waiting_invoice_is_claimed_by_one_store_until_its_lease_is_given_up() {
    let dir = tempfile::tempdir().unwrap();
    let a = Store::open(dir.path()).unwrap();
    let b = Store::open(dir.path()).unwrap(); // a second process on the same file
    let d = queued(&a, "c1", "Bakkerij de Vries B.V.");
    let Claim::Claimed(entry) = a.claim(d.id).unwrap() else {
        panic!("the first claim takes the row")
    };
    assert_eq!(entry.identity, d.identity);
    assert_eq!(b.claim(d.id).unwrap(), Claim::Busy, "the lease holds");
    // The other store cannot start sending it either, nor change its state.
    let err = b
        .set_outbox_state(d.id, SubmissionState::Sending, None)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::StoreLocked);
    assert!(err.message.en.contains("another Invoice Desk window"));
    let err = b
        .set_outbox_state(d.id, SubmissionState::Queued, None)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::StoreLocked);
    // The holder sends; renewing works while it holds the lease.
    a.set_outbox_state(d.id, SubmissionState::Sending, None)
        .unwrap();
    assert!(a.renew_lease(d.id).unwrap());
    assert!(!b.renew_lease(d.id).unwrap());
    a.release(d.id).unwrap();
    // Given up: the other store may take it (it was left `sending`, so it asks first).
    let Claim::Claimed(entry) = b.claim(d.id).unwrap() else {
        panic!("free again")
    };
    assert_eq!(entry.state, SubmissionState::Sending);
    b.mark_sent(d.id, "R-1", Some("2026-001")).unwrap();
    assert_eq!(a.claim(d.id).unwrap(), Claim::NotWaiting);
    // A late answer of a process that lost the row does not undo "sent".
    let err = a
        .set_outbox_state(d.id, SubmissionState::Sending, None)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::StoreLocked);
    assert_eq!(
        a.outbox_entry(d.id).unwrap().unwrap().state,
        SubmissionState::Sent
    );
}

#[test]
fn a_lease_that_ran_out_lets_another_store_take_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let a = Store::open(dir.path()).unwrap();
    let b = Store::open(dir.path()).unwrap();
    let d = queued(&a, "c1", "Bakkerij de Vries B.V.");
    a.set_outbox_state(d.id, SubmissionState::Sending, None)
        .unwrap();
    assert_eq!(b.claim(d.id).unwrap(), Claim::Busy);
    // The process that held it stopped: its lease runs out.
    let c = rusqlite::Connection::open(dir.path().join(FILE_NAME)).unwrap();
    c.execute(
        "UPDATE outbox SET lease_until=?1",
        [chrono::Utc::now().timestamp_millis() - 1],
    )
    .unwrap();
    let Claim::Claimed(entry) = b.claim(d.id).unwrap() else {
        panic!("an expired lease is taken over")
    };
    assert_eq!(
        entry.state,
        SubmissionState::Sending,
        "found mid-send: the next attempt asks the back end first"
    );
    assert_eq!(a.claim(d.id).unwrap(), Claim::Busy);
}

#[test]
fn the_lease_of_a_process_that_is_gone_ends_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let b = Store::open(dir.path()).unwrap();
    let d = queued(&b, "c1", "Bakkerij de Vries B.V.");
    let e = queued(&b, "c1", "Café Het Hoekje");
    {
        // A store that closed: its lock file went with it.
        let a = Store::open(dir.path()).unwrap();
        a.set_outbox_state(d.id, SubmissionState::Sending, None)
            .unwrap();
        assert_eq!(b.claim(d.id).unwrap(), Claim::Busy, "while it is open");
    }
    let Claim::Claimed(entry) = b.claim(d.id).unwrap() else {
        panic!("a closed store's lease is not waited for")
    };
    assert_eq!(
        entry.state,
        SubmissionState::Sending,
        "it asks before sending"
    );
    // A process killed mid-send: its lock file is left behind, but nobody holds it.
    let dead = uuid::Uuid::new_v4().to_string();
    let owners = dir.path().join(format!("{FILE_NAME}.owners"));
    std::fs::write(owners.join(format!("{dead}.lock")), b"").unwrap();
    let c = rusqlite::Connection::open(dir.path().join(FILE_NAME)).unwrap();
    c.execute(
        "UPDATE outbox SET state='sending', lease_owner=?1, lease_until=?2 WHERE draft_id=?3",
        rusqlite::params![
            dead,
            chrono::Utc::now().timestamp_millis() + 60_000,
            e.id.to_string()
        ],
    )
    .unwrap();
    b.set_outbox_state(e.id, SubmissionState::Sending, None)
        .expect("a dead process's lease does not block");
    assert!(
        !owners.join(format!("{dead}.lock")).exists(),
        "its lock file is cleared away"
    );
}

#[test]
fn claims_from_many_threads_on_two_stores_give_each_row_to_exactly_one() {
    let dir = tempfile::tempdir().unwrap();
    let a = std::sync::Arc::new(Store::open(dir.path()).unwrap());
    let b = std::sync::Arc::new(Store::open(dir.path()).unwrap());
    let ids: Vec<_> = (0..40)
        .map(|i| queued(&a, "c1", &format!("Klant {i}")).id)
        .collect();
    let won = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    // Both stay open until both are done (a closed store's leases are free for others).
    let threads: Vec<_> = [a.clone(), b.clone()]
        .into_iter()
        .map(|s| {
            let ids = ids.clone();
            let won = won.clone();
            std::thread::spawn(move || {
                for id in ids {
                    if let Claim::Claimed(_) = s.claim(id).expect("claim never fails on busy") {
                        won.lock().unwrap().push(id);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut won = won.lock().unwrap().clone();
    won.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(won, want, "every row claimed exactly once");
}

#[test]
fn an_unreadable_stored_invoice_needs_attention_and_is_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let d = queued(&s, "c1", "Bakkerij de Vries B.V.");
    let c = rusqlite::Connection::open(dir.path().join(FILE_NAME)).unwrap();
    c.execute(
        "UPDATE outbox SET payload='{\"identity\": \"not what was written' WHERE draft_id=?1",
        [d.id.to_string()],
    )
    .unwrap();
    assert_eq!(s.due(chrono::Utc::now()).unwrap().len(), 1);
    let Claim::NeedsAttention(entry) = s.claim(d.id).unwrap() else {
        panic!("an unreadable invoice is not handed out for sending")
    };
    assert_eq!(entry.state, SubmissionState::NeedsAttention);
    let message: invoice_desk_core::i18n::Text =
        serde_json::from_str(entry.message.as_deref().unwrap()).unwrap();
    assert!(message.en.contains("cannot be read"), "{}", message.en);
    assert!(
        message.nl.contains("kan niet worden gelezen"),
        "{}",
        message.nl
    );
    // Not due any more, and still in History.
    assert!(s.due(chrono::Utc::now()).unwrap().is_empty());
    assert_eq!(s.retry_all_now().unwrap(), 0);
    assert!(s.due(chrono::Utc::now()).unwrap().is_empty());
    let history = s.outbox("c1", 10).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].state, SubmissionState::NeedsAttention);
    assert_eq!(history[0].relation_name, "Bakkerij de Vries B.V.");
}

#[test]
fn a_connection_with_waiting_or_uncertain_invoices_is_not_deleted() {
    let s = Store::open_in_memory().unwrap();
    let rec = invoice_desk_core::store::ConnectionRecord {
        id: "c1".into(),
        kind: invoice_desk_core::backend::SystemId::new("afas"),
        name: "Bakkerij".into(),
        base_url: "https://example.test".into(),
        auth: "app_token".into(),
        demo: false,
        administration_id: None,
        config: serde_json::json!({}),
        created_at: chrono::Utc::now(),
    };
    s.upsert_connection(&rec).unwrap();
    let one = queued(&s, "c1", "Klant 1");
    let two = queued(&s, "c1", "Klant 2");
    let three = queued(&s, "c1", "Klant 3");
    s.set_outbox_state(two.id, SubmissionState::Uncertain, None)
        .unwrap();
    s.mark_sent(three.id, "R-3", None).unwrap();
    assert_eq!(s.waiting_count("c1").unwrap(), 2);
    let err = s.delete_connection("c1").unwrap_err();
    assert_eq!(err.code, ErrorCode::Validation);
    assert!(err.message.en.contains("2 invoices"), "{}", err.message.en);
    assert!(err.message.nl.contains("2 facturen"), "{}", err.message.nl);
    assert!(s.connection("c1").unwrap().is_some(), "nothing was deleted");
    s.mark_sent(two.id, "R-2", None).unwrap();
    let err = s.delete_connection("c1").unwrap_err();
    assert!(
        err.message.en.contains("1 invoice is"),
        "{}",
        err.message.en
    );
    assert!(err.message.nl.contains("1 factuur"), "{}", err.message.nl);
    s.mark_sent(one.id, "R-1", None).unwrap();
    s.delete_connection("c1").unwrap();
    assert!(s.connection("c1").unwrap().is_none());
    assert_eq!(s.outbox("c1", 10).unwrap().len(), 3, "history stays");
}

/// Writes garbage over the file's last pages (where the look-up cache filled last) and makes
/// the header's page count lie, so the store reads as damaged while its first pages (the
/// outbox) can still be read.
fn damage_the_tail(path: &std::path::Path) {
    use std::io::{Seek, SeekFrom, Write};
    {
        let c = rusqlite::Connection::open(path).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let len = std::fs::metadata(path).unwrap().len();
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.seek(SeekFrom::Start(len - 3 * 4096)).unwrap();
    f.write_all(&[0xA5; 3 * 4096]).unwrap();
}

#[test]
fn waiting_invoices_of_a_damaged_store_are_brought_back_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let (waiting, uncertain, sent) = {
        let s = Store::open(dir.path()).unwrap();
        s.set_setting("seq:invoice_number:c1", "2026041").unwrap();
        let w = queued(&s, "c1", "Bakkerij de Vries B.V.");
        let u = queued(&s, "c1", "Café Het Hoekje");
        s.set_outbox_state(u.id, SubmissionState::Uncertain, None)
            .unwrap();
        // An attempt that may have created it: the next step is a look-up, never a resend.
        s.set_maybe_created(u.id, true).unwrap();
        let done = queued(&s, "c1", "Slagerij Jansen");
        s.mark_sent(done.id, "R-9", Some("2026-009")).unwrap();
        s.record_answer(
            done.id,
            Some(&invoice_desk_core::backend::Answer {
                state: Some(invoice_desk_core::i18n::Text::new("Open", "Open")),
                total_excl: Some("100.00".parse().unwrap()),
                total_vat: Some("21.00".parse().unwrap()),
                total_incl: Some("121.00".parse().unwrap()),
                document_url: None,
            }),
        )
        .unwrap();
        // Enough look-up rows after the outbox that the damage lands on them.
        let many: Vec<_> = (0..3000)
            .map(|i| {
                relation(
                    &format!("r{i}"),
                    &format!("Relatie nummer {i} met een lange naam"),
                )
            })
            .collect();
        s.apply_relations("c1", "adm", &page(many, true)).unwrap();
        (w, u, done)
    };
    let path = dir.path().join(FILE_NAME);
    damage_the_tail(&path);
    // The damage is in the look-up cache: the store opens (the clerk's work is whole), and
    // the check of the whole file after the window is up finds it and asks the next start to
    // check everything first.
    {
        let s = Store::open(dir.path()).expect("the tables of the clerk's work are whole");
        assert_ne!(s.check_whole_file().unwrap(), "ok");
    }
    let err = Store::open(dir.path()).err().expect("damaged");
    assert_eq!(err.code, ErrorCode::StoreCorrupt, "{err:?}");
    let kept = std::path::PathBuf::from(err.detail.unwrap());
    let before = std::fs::read(&kept).unwrap();
    Store::set_aside_damaged(dir.path()).unwrap();
    let fresh = Store::open(dir.path()).unwrap();
    let rec = fresh.recover_from(&kept);
    assert!(!rec.outbox_unreadable, "{rec:?}");
    let mut names: Vec<_> = rec
        .waiting
        .iter()
        .map(|e| e.relation_name.clone())
        .collect();
    names.sort();
    assert_eq!(names, vec!["Bakkerij de Vries B.V.", "Café Het Hoekje"]);
    assert_eq!(rec.history, 1);
    // Back in the outbox with their identity and what will be sent, due now.
    let due = fresh.due(chrono::Utc::now()).unwrap();
    assert_eq!(due.len(), 2);
    let w = fresh.outbox_entry(waiting.id).unwrap().unwrap();
    assert_eq!(w.identity, waiting.identity);
    assert_eq!(
        w.state,
        SubmissionState::Sending,
        "the copy may be older than the last send: asked about before it is sent"
    );
    assert!(
        w.payload.is_some(),
        "the invoice as it will be sent came back"
    );
    let u = fresh.outbox_entry(uncertain.id).unwrap().unwrap();
    assert_eq!(
        u.state,
        SubmissionState::Uncertain,
        "still asked before any resend"
    );
    assert!(
        fresh.maybe_created(uncertain.id).unwrap(),
        "an attempt that may have created it is still known"
    );
    assert!(!fresh.maybe_created(waiting.id).unwrap());
    let answer = fresh
        .answer(sent.id)
        .unwrap()
        .expect("what the system said came back");
    assert_eq!(answer.total_incl, Some("121.00".parse().unwrap()));
    assert_eq!(
        fresh
            .outbox_entry(sent.id)
            .unwrap()
            .unwrap()
            .number
            .as_deref(),
        Some("2026-009")
    );
    assert!(
        fresh.draft(waiting.id).unwrap().is_some(),
        "its draft came back"
    );
    assert_eq!(
        fresh.setting("seq:invoice_number:c1").unwrap().as_deref(),
        Some("2026041"),
        "the invoice numbering goes on where it was"
    );
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        before,
        "the copy is not touched"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".recover-"))
        .collect();
    assert!(leftovers.is_empty(), "no scratch files are left");
}

#[test]
fn a_damaged_store_that_cannot_be_read_says_invoices_may_be_in_the_copy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    std::fs::write(
        &path,
        b"this is not a database, it is a shopping list".repeat(200),
    )
    .unwrap();
    let err = Store::open(dir.path()).err().expect("damaged");
    let kept = std::path::PathBuf::from(err.detail.unwrap());
    Store::set_aside_damaged(dir.path()).unwrap();
    let fresh = Store::open(dir.path()).unwrap();
    let rec = fresh.recover_from(&kept);
    assert!(rec.outbox_unreadable, "{rec:?}");
    assert!(rec.waiting.is_empty());
    assert!(fresh.pending().unwrap().is_empty());
}

#[test]
fn two_stores_opening_a_new_file_at_once_both_migrate_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let p = path.clone();
            std::thread::spawn(move || Store::open(&p).map(|_| ()))
        })
        .collect();
    for t in threads {
        t.join().unwrap().expect("every store opens");
    }
}

#[test]
fn two_stores_taking_invoice_numbers_at_once_wait_their_turn_and_never_share_one() {
    let dir = tempfile::tempdir().unwrap();
    let a = std::sync::Arc::new(Store::open(dir.path()).unwrap());
    let b = std::sync::Arc::new(Store::open(dir.path()).unwrap());
    let threads: Vec<_> = [a.clone(), b.clone(), a, b]
        .into_iter()
        .map(|s| {
            std::thread::spawn(move || {
                (0..150)
                    .map(|_| s.next_in_sequence("invoice_number:c1", 2026001))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in threads {
        for n in t.join().unwrap() {
            numbers.push(n.expect("a write waits for the other store instead of failing"));
        }
    }
    numbers.sort();
    let before = numbers.len();
    numbers.dedup();
    assert_eq!(numbers.len(), before, "no number handed out twice");
    assert_eq!(numbers.first(), Some(&2026001));
    assert_eq!(numbers.last(), Some(&(2026001 + 599)));
}

#[test]
fn a_connection_keeps_its_stored_kind_whatever_system_it_names() {
    let s = Store::open_in_memory().unwrap();
    for kind in ["afas", "a-system-this-version-does-not-know"] {
        let rec = invoice_desk_core::store::ConnectionRecord {
            id: format!("c-{kind}"),
            kind: invoice_desk_core::backend::SystemId::new(kind),
            name: "Kantoor".into(),
            base_url: "https://example.test".into(),
            auth: "app_token".into(),
            demo: false,
            administration_id: None,
            config: serde_json::json!({"oauth_client_id": "x"}),
            created_at: chrono::Utc::now(),
        };
        s.upsert_connection(&rec).unwrap();
        let back = s
            .connection(&rec.id)
            .unwrap()
            .expect("the connection is listed");
        assert_eq!(back.kind.as_str(), kind);
        assert_eq!(back.config, rec.config);
    }
    assert_eq!(s.connections().unwrap().len(), 2);
}
