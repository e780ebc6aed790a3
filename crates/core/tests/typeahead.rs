//! The type-ahead's order on every cached list (an exact number first, then names that begin
//! with what was typed, then rows of which every typed word begins a word), a store from before
//! the sort keys, and a sync that writes its pages in batches.

mod common;

use common::{caps, product, relation};
use invoice_desk_core::backend::*;
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::lists::{LookupItem, Recipient};
use invoice_desk_core::store::{Entity, Store, FILE_NAME};
use invoice_desk_core::sync::{sync_list, BATCH_ROWS};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

fn page<T>(items: Vec<T>) -> SyncPage<T> {
    SyncPage {
        items,
        removed: vec![],
        cursor: "c".into(),
        done: true,
        full_reload: false,
    }
}

fn rel(id: &str, name: &str, number: &str, city: &str) -> Relation {
    Relation {
        number: Some(number.into()),
        city: Some(city.into()),
        email: Some(format!("{id}@example.nl")),
        ..relation(id, name)
    }
}

/// The names of the relations found for `q`, in order.
fn found(s: &Store, q: &str) -> Vec<String> {
    s.search_relations("c", "a", q, 20)
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect()
}

fn relations_store() -> Store {
    let s = Store::open_in_memory().unwrap();
    let mut gone = rel("r9", "Bakker Archief", "9", "Delft");
    gone.archived = true;
    s.apply_relations(
        "c",
        "a",
        &page(vec![
            rel("r1", "Jan Bakker", "1001", "Utrecht"),
            rel("r2", "Bakkerij Visser B.V.", "1002", "Gent"),
            rel("r3", "bakker & zn", "1003", "Delft"),
            rel("r4", "Café Bakéry", "1004", "Bakel"),
            rel("r5", "Bäkker Installaties", "1005", "Zwolle"),
            rel("r6", "Smit", "bak", "Breda"),
            gone,
        ]),
    )
    .unwrap();
    s
}

#[test]
fn an_exact_number_comes_first_then_names_that_begin_with_the_text_alphabetically_then_word_matches(
) {
    let s = relations_store();
    let got = found(&s, "bak");
    // "bak" is Smit's number, typed in full; then the names beginning with "bak" (accents and
    // case folded: "Bäkker" is "bakker"), in alphabetical order; then the rest of the words.
    assert_eq!(got[0], "Smit");
    assert_eq!(
        &got[1..4],
        ["Bäkker Installaties", "bakker & zn", "Bakkerij Visser B.V."]
    );
    let rest: std::collections::BTreeSet<&str> = got[4..].iter().map(|s| s.as_str()).collect();
    assert_eq!(
        rest,
        ["Café Bakéry", "Jan Bakker"].into_iter().collect(),
        "word matches (a name's second word, a city) come after; archived ones never"
    );
    assert_eq!(got.len(), 6);
    // Several words: each begins a word of the name, number, e-mail or city.
    assert_eq!(found(&s, "utrecht bak"), vec!["Jan Bakker"]);
    assert_eq!(found(&s, "bakker zn"), vec!["bakker & zn"]);
    assert_eq!(found(&s, "r4@exa"), vec!["Café Bakéry"]);
    assert_eq!(found(&s, "cafe"), vec!["Café Bakéry"]);
    assert!(
        found(&s, "archief").is_empty(),
        "archived relations are hidden"
    );
    assert!(found(&s, "bakx").is_empty());
    // Odd input is text to look for, not a query language.
    for odd in ["\"", "bak*", "AND OR NOT", "(", "-", "bak\"er", "%", "_"] {
        s.search_relations("c", "a", odd, 20).unwrap();
    }
    // A limit is a limit, across the tiers.
    assert_eq!(s.search_relations("c", "a", "bak", 2).unwrap().len(), 2);
}

#[test]
fn nothing_typed_lists_the_unknown_relation_first_then_all_alphabetically() {
    let s = relations_store();
    let mut walk_in = relation("u1", "Zonder naam");
    walk_in.kind = RelationKind::Unknown;
    s.apply_relations("c", "a", &page(vec![walk_in])).unwrap();
    let got = found(&s, "");
    assert_eq!(got[0], "Zonder naam");
    assert_eq!(
        &got[1..],
        [
            "Bäkker Installaties",
            "bakker & zn",
            "Bakkerij Visser B.V.",
            "Café Bakéry",
            "Jan Bakker",
            "Smit"
        ]
    );
    assert_eq!(found(&s, "  "), got, "spaces are nothing typed");
}

#[test]
fn products_declared_lists_and_recipients_rank_the_same_way() {
    let s = Store::open_in_memory().unwrap();
    let mut coffee = product("p1", "Koffiebonen 1 kg", "12.50");
    coffee.code = Some("KOF".into());
    let mut filter = product("p2", "Filters voor koffie", "2.00");
    filter.code = Some("FIL-KOF".into());
    let mut machine = product("p3", "Espresso", "400");
    machine.code = Some("koffie-m".into());
    s.apply_products("c", "a", &page(vec![filter, coffee, machine]))
        .unwrap();
    let names: Vec<String> = s
        .search_products("c", "a", "kof", 20)
        .unwrap()
        .into_iter()
        .map(|p| p.description)
        .collect();
    assert_eq!(names[0], "Koffiebonen 1 kg", "the exact code first");
    assert_eq!(names.len(), 3);
    assert_eq!(
        s.search_products("c", "a", "", 20).unwrap()[0].description,
        "Espresso"
    );

    let item = |id: &str, label: &str| LookupItem {
        id: id.into(),
        label: label.into(),
        detail: Some("Utrecht".into()),
        terms: vec![format!("OBJ-{id}")],
        parents: BTreeMap::new(),
        archived: false,
        data: Default::default(),
    };
    s.apply_list_page(
        "c",
        "objects",
        "a",
        &page(vec![
            item("3", "Kerkstraat 12"),
            item("1", "Achter de Kerk 4"),
            item("2", "kerkstraat 2"),
        ]),
    )
    .unwrap();
    let none = BTreeMap::new();
    let labels = |q: &str| -> Vec<String> {
        s.search_list("c", "objects", "a", &none, q, 20)
            .unwrap()
            .into_iter()
            .map(|i| i.label)
            .collect()
    };
    assert_eq!(
        labels("kerk"),
        ["Kerkstraat 12", "kerkstraat 2", "Achter de Kerk 4"]
    );
    assert_eq!(labels("1")[0], "Achter de Kerk 4", "the exact id first");
    assert_eq!(labels("obj-2"), ["kerkstraat 2"]);

    let person = |id: &str, name: &str, number: &str| Recipient {
        id: id.into(),
        kind: RelationKind::Person,
        name: name.into(),
        number: Some(number.into()),
        email: None,
        city: Some("Leuven".into()),
        vat_number: None,
        values: BTreeMap::new(),
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
        archived: false,
    };
    s.save_recipient("m", &person("x1", "Ann Peeters", "7"))
        .unwrap();
    s.save_recipient("m", &person("x2", "Peeters Bouw", "8"))
        .unwrap();
    s.save_recipient("m", &person("x3", "Pee", "peeters"))
        .unwrap();
    let who: Vec<String> = s
        .search_recipients("m", "peeters", 20)
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(who, ["Pee", "Peeters Bouw", "Ann Peeters"]);
    // A renamed recipient is found by its new name only.
    s.save_recipient("m", &person("x2", "Bouwbedrijf Maes", "8"))
        .unwrap();
    assert!(s
        .search_recipients("m", "peeters b", 20)
        .unwrap()
        .is_empty());
    assert_eq!(
        s.search_recipients("m", "bouwb", 20).unwrap()[0].name,
        "Bouwbedrijf Maes"
    );
}

#[test]
fn a_store_from_before_the_sort_keys_finds_its_cached_rows_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        s.apply_relations(
            "c",
            "a",
            &page(vec![
                rel("r1", "Jan Bakker", "1001", "Utrecht"),
                rel("r2", "Bakkerij Visser", "1002", "Gent"),
            ]),
        )
        .unwrap();
    }
    // Back to the schema of version 9: no sort keys, none of their indexes.
    {
        let c = rusqlite::Connection::open(dir.path().join(FILE_NAME)).unwrap();
        c.execute_batch(
            "DROP INDEX relations_by_key; DROP INDEX relations_by_number; DROP INDEX relations_unknown;
             DROP INDEX products_by_key; DROP INDEX products_by_code; DROP INDEX lookup_items_by_key;
             DROP INDEX recipients_by_key; DROP INDEX recipients_by_number;
             ALTER TABLE relations DROP COLUMN skey; ALTER TABLE products DROP COLUMN skey;
             ALTER TABLE lookup_items DROP COLUMN skey; ALTER TABLE recipients DROP COLUMN skey;
             PRAGMA user_version = 9;",
        )
        .unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(found(&s, "bak"), vec!["Bakkerij Visser", "Jan Bakker"]);
    assert_eq!(found(&s, "utr"), vec!["Jan Bakker"]);
}

#[test]
fn a_write_to_the_cache_leaves_the_store_waiting_for_the_disk_on_every_other_commit() {
    let s = Store::open_in_memory().unwrap();
    s.apply_relations("c", "a", &page(vec![relation("r1", "Jan")]))
        .unwrap();
    assert_eq!(s.write_synchronous_for_tests(), 2, "FULL");
    s.apply_relations_pages(
        "c",
        "a",
        &[page(vec![relation("r2", "Piet")])],
        Some(Entity::Relations),
    )
    .unwrap();
    assert_eq!(s.write_synchronous_for_tests(), 2, "FULL");
}

/// Pages of 500 relations; the page `fail_at` (counted from 0) fails once.
struct Paged {
    pages: usize,
    fail_at: Option<usize>,
    calls: AtomicUsize,
    failed: Mutex<bool>,
}

#[async_trait::async_trait]
impl Backend for Paged {
    fn capabilities(&self) -> Capabilities {
        caps()
    }
    async fn test_connection(&self) -> Result<Text> {
        Ok(Text::new("ja", "yes"))
    }
    async fn administrations(&self) -> Result<Vec<Administration>> {
        Ok(vec![])
    }
    fn lookups(&self) -> Option<&dyn LookupSource> {
        Some(self)
    }
}

#[async_trait::async_trait]
impl LookupSource for Paged {
    async fn sync_relations(&self, _: &str, cursor: Option<&str>) -> Result<SyncPage<Relation>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let n: usize = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        if Some(n) == self.fail_at {
            let mut failed = self.failed.lock().unwrap();
            if !*failed {
                *failed = true;
                return Err(Error::new(ErrorCode::Offline, "weg", "gone"));
            }
        }
        Ok(SyncPage {
            items: (0..500)
                .map(|i| relation(&format!("r{n}-{i}"), &format!("Relatie {n} {i}")))
                .collect(),
            removed: vec![],
            cursor: (n + 1).to_string(),
            done: n + 1 == self.pages,
            full_reload: false,
        })
    }
    async fn sync_products(&self, _: &str, _: Option<&str>) -> Result<SyncPage<Product>> {
        Ok(page(vec![]))
    }
    async fn addresses(&self, _: &str, _: &Relation) -> Result<Vec<Address>> {
        Ok(vec![])
    }
}

#[tokio::test]
async fn a_sync_writes_pages_a_batch_at_a_time_and_keeps_what_came_before_a_failure() {
    let store = Store::open_in_memory().unwrap();
    let per_batch = BATCH_ROWS / 500;
    let backend = Paged {
        pages: per_batch * 2 + 2,
        fail_at: Some(per_batch + 1),
        calls: AtomicUsize::new(0),
        failed: Mutex::new(false),
    };
    let told = Mutex::new(Vec::new());
    let e = sync_list(&backend, &store, "c", "a", Entity::Relations, &|n| {
        told.lock().unwrap().push(n)
    })
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Offline);
    // The first batch was written and told; the page after it arrived before the failure
    // and is kept too, with its cursor.
    assert_eq!(*told.lock().unwrap(), vec![BATCH_ROWS]);
    let kept = (per_batch + 1) * 500;
    assert_eq!(
        store.cached_count("c", "a", Entity::Relations).unwrap(),
        kept
    );
    let cursor = store.sync_cursor("c", "a", Entity::Relations).unwrap();
    assert_eq!(
        cursor.cursor.as_deref(),
        Some((per_batch + 1).to_string().as_str())
    );
    assert!(!cursor.done);
    // The next sync goes on from there, not from the start, and finishes.
    let n = sync_list(&backend, &store, "c", "a", Entity::Relations, &|_| {})
        .await
        .unwrap();
    assert_eq!(n, (per_batch + 1) * 500);
    assert_eq!(
        store.cached_count("c", "a", Entity::Relations).unwrap(),
        backend.pages * 500
    );
    assert!(store.sync_cursor("c", "a", Entity::Relations).unwrap().done);
}
