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
