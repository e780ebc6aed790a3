//! Declared look-up lists (one cache for any list a system declares, with staged reload,
//! resumable paging, parent scopes and type-ahead) and the local address book of recipients.

mod common;

use common::caps;
use invoice_desk_core::backend::*;
use invoice_desk_core::desk;
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::lists::*;
use invoice_desk_core::store::Store;
use invoice_desk_core::sync::{fetch_key, sync_declared, sync_declared_lists, Fetches};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

fn item(id: &str, label: &str) -> LookupItem {
    LookupItem {
        id: id.into(),
        label: label.into(),
        detail: None,
        terms: vec![],
        parents: BTreeMap::new(),
        archived: false,
        data: serde_json::Map::new(),
    }
}

fn page(items: Vec<LookupItem>, cursor: &str, done: bool, full: bool) -> SyncPage<LookupItem> {
    SyncPage {
        items,
        removed: vec![],
        cursor: cursor.into(),
        done,
        full_reload: full,
    }
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ids(items: &[LookupItem]) -> Vec<&str> {
    items.iter().map(|i| i.id.as_str()).collect()
}

const ADMIN: &str = "adm";

// ---- the store ----

#[test]
fn a_full_reload_of_a_declared_list_keeps_it_whole_until_the_reload_is_complete() {
    let s = Store::open_in_memory().unwrap();
    let none = BTreeMap::new();
    s.apply_list_page(
        "c",
        "accounts",
        ADMIN,
        &page(
            vec![item("8000", "Omzet"), item("8100", "Omzet diensten")],
            "x",
            true,
            true,
        ),
    )
    .unwrap();
    // A new reload brings only 8000 on its first page.
    s.apply_list_page(
        "c",
        "accounts",
        ADMIN,
        &page(vec![item("8000", "Omzet hoog")], "p1", false, true),
    )
    .unwrap();
    let mid = s
        .search_list("c", "accounts", ADMIN, &none, "", 50)
        .unwrap();
    assert_eq!(
        ids(&mid),
        vec!["8100", "8000"],
        "nothing dropped while the reload runs"
    );
    assert_eq!(
        mid[1].label, "Omzet hoog",
        "the reloaded item is already the new one"
    );
    // The last page: what the reload did not bring is gone.
    s.apply_list_page(
        "c",
        "accounts",
        ADMIN,
        &page(vec![item("8200", "Rente")], "end", true, false),
    )
    .unwrap();
    let after = s
        .search_list("c", "accounts", ADMIN, &none, "", 50)
        .unwrap();
    assert_eq!(ids(&after), vec!["8000", "8200"]);
    assert!(
        s.search_list("c", "accounts", ADMIN, &none, "diensten", 50)
            .unwrap()
            .is_empty(),
        "the dropped item is gone from the index too"
    );
    let cur = s.list_cursor("c", "accounts", ADMIN).unwrap();
    assert_eq!(cur.cursor.as_deref(), Some("end"));
    assert!(cur.done && cur.synced_at.is_some());
}

#[test]
fn type_ahead_in_a_declared_list_takes_every_word_as_a_prefix_without_diacritics_and_hides_archived(
) {
    let s = Store::open_in_memory().unwrap();
    let none = BTreeMap::new();
    let mut a = item("C-1", "Huurcontract Café Één");
    a.detail = Some("Kerkstraat 12, Utrecht".into());
    a.terms = vec!["HC2026-017".into(), "BX99".into()];
    let mut b = item("C-2", "Huurcontract Bakkerij");
    b.archived = true;
    let c = item("C-3", "Servicecontract café");
    s.apply_list_page("c", "contracts", "", &page(vec![a, b, c], "", true, true))
        .unwrap();
    let found = |q: &str| {
        ids(&s.search_list("c", "contracts", "", &none, q, 20).unwrap())
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        found("cafe een"),
        vec!["C-1"],
        "diacritics removed, every word a prefix"
    );
    assert_eq!(found("huur caf"), vec!["C-1"]);
    assert_eq!(found("kerkstr"), vec!["C-1"], "the second line is searched");
    assert_eq!(found("bx9"), vec!["C-1"], "a term is searched");
    assert_eq!(found("hc2026 017"), vec!["C-1"]);
    assert_eq!(
        found("C-3"),
        vec!["C-3"],
        "the id is found, so the form can show a stored id's label"
    );
    assert!(found("bakkerij").is_empty(), "archived items are not found");
    assert_eq!(found("").len(), 2, "archived items are not listed either");
    let mut both = found("café");
    both.sort();
    assert_eq!(both, vec!["C-1", "C-3"]);
    // The id is kept whole, the terms come back as they were.
    let one = s
        .search_list("c", "contracts", "", &none, "een", 20)
        .unwrap();
    assert_eq!(one[0].terms, vec!["HC2026-017", "BX99"]);
    assert_eq!(one[0].detail.as_deref(), Some("Kerkstraat 12, Utrecht"));
    // Searching with words FTS5 would read as syntax does no harm.
    for q in ["\"", "NEAR(", "a AND", "*", "-x", "c:d", "^"] {
        s.search_list("c", "contracts", "", &none, q, 20).unwrap();
    }
}

#[test]
fn copies_of_a_list_for_different_parents_connections_and_lists_are_kept_apart() {
    let s = Store::open_in_memory().unwrap();
    let none = BTreeMap::new();
    let spec = ListSpec {
        name: "contracts".into(),
        label: Text::new("Contract", "Contract"),
        scope: ListScope::Parent {
            keys: vec!["owner".into(), "relation".into()],
        },
    };
    let key = |o: &str, r: &str| {
        ScopeValue::for_list(&spec, Some(ADMIN), &map(&[("owner", o), ("relation", r)]))
            .unwrap()
            .cache_key()
    };
    s.apply_list_page(
        "c",
        "contracts",
        &key("O1", "R1"),
        &page(vec![item("k1", "Contract een")], "", true, true),
    )
    .unwrap();
    s.apply_list_page(
        "c",
        "contracts",
        &key("O1", "R2"),
        &page(vec![item("k2", "Contract twee")], "", true, true),
    )
    .unwrap();
    s.apply_list_page(
        "c2",
        "contracts",
        &key("O1", "R1"),
        &page(vec![item("k3", "Contract drie")], "", true, true),
    )
    .unwrap();
    s.apply_list_page(
        "c",
        "objects",
        &key("O1", "R1"),
        &page(vec![item("k4", "Contract vier")], "", true, true),
    )
    .unwrap();
    assert_eq!(
        ids(&s
            .search_list("c", "contracts", &key("O1", "R1"), &none, "contract", 20)
            .unwrap()),
        vec!["k1"]
    );
    assert_eq!(
        ids(&s
            .search_list("c", "contracts", &key("O1", "R2"), &none, "", 20)
            .unwrap()),
        vec!["k2"]
    );
    // A full reload of one copy leaves the other copies alone.
    s.apply_list_page(
        "c",
        "contracts",
        &key("O1", "R1"),
        &page(vec![], "", true, true),
    )
    .unwrap();
    assert!(s
        .search_list("c", "contracts", &key("O1", "R1"), &none, "", 20)
        .unwrap()
        .is_empty());
    assert_eq!(s.list_count("c", "contracts", &key("O1", "R2")).unwrap(), 1);
    assert_eq!(
        s.list_count("c2", "contracts", &key("O1", "R1")).unwrap(),
        1
    );
    assert_eq!(s.list_count("c", "objects", &key("O1", "R1")).unwrap(), 1);
}

#[test]
fn a_parent_filter_finds_the_items_of_that_parent_and_those_for_every_parent() {
    let s = Store::open_in_memory().unwrap();
    let mut a = item("8000", "Omzet eigenaar een");
    a.parents = map(&[("owner", "O1")]);
    let mut b = item("8001", "Omzet eigenaar twee");
    b.parents = map(&[("owner", "O2")]);
    let c = item("8002", "Omzet algemeen");
    s.apply_list_page("c", "accounts", "", &page(vec![a, b, c], "", true, true))
        .unwrap();
    let o1 = s
        .search_list("c", "accounts", "", &map(&[("owner", "O1")]), "omzet", 20)
        .unwrap();
    let mut got = ids(&o1);
    got.sort();
    assert_eq!(got, vec!["8000", "8002"]);
    let o3 = s
        .search_list("c", "accounts", "", &map(&[("owner", "O3")]), "", 20)
        .unwrap();
    assert_eq!(ids(&o3), vec!["8002"]);
    // A key with characters JSON paths treat specially is a plain key.
    let odd = s
        .search_list("c", "accounts", "", &map(&[("$.owner\"", "O1")]), "", 20)
        .unwrap();
    assert_eq!(odd.len(), 3);
}

#[test]
fn the_address_book_survives_a_reset_of_the_sync_and_a_full_reload() {
    let s = Store::open_in_memory().unwrap();
    let c = local_caps();
    let r = desk::save_recipient(
        &s,
        &c,
        "c",
        input("Bakkerij Één", "info@een.nl"),
        chrono::Utc::now(),
    )
    .unwrap();
    // A full reload of every list, a reset, and a full reload of relations.
    s.apply_list_page(
        "c",
        "accounts",
        "",
        &page(vec![item("1", "x")], "", true, true),
    )
    .unwrap();
    s.reset_sync("c").unwrap();
    s.apply_list_page("c", "accounts", "", &page(vec![], "", true, true))
        .unwrap();
    s.apply_relations(
        "c",
        "",
        &SyncPage {
            items: vec![],
            removed: vec![],
            cursor: String::new(),
            done: true,
            full_reload: true,
        },
    )
    .unwrap();
    assert_eq!(s.recipient("c", &r.id).unwrap().as_ref(), Some(&r));
    let found = desk::search_relations(&s, Some(&c), "c", "", "bakkerij een", None).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, r.id);
    assert_eq!(found[0].email.as_deref(), Some("info@een.nl"));
    // Deleting the connection keeps what the clerk typed, like its drafts and history.
    s.delete_connection("c").unwrap();
    assert!(s.recipient("c", &r.id).unwrap().is_some());
}

#[test]
fn the_address_book_of_a_damaged_store_is_brought_back_with_its_type_ahead() {
    let dir = tempfile::tempdir().unwrap();
    let old_dir = dir.path().join("old");
    let c = local_caps();
    let (kept, archived) = {
        let old = Store::open(&old_dir).unwrap();
        let kept = desk::save_recipient(
            &old,
            &c,
            "c",
            input("Bakkerij Één", "info@een.nl"),
            chrono::Utc::now(),
        )
        .unwrap();
        let gone = desk::save_recipient(
            &old,
            &c,
            "c",
            input("Slagerij Twee", "info@twee.nl"),
            chrono::Utc::now(),
        )
        .unwrap();
        let archived =
            desk::archive_recipient(&old, "c", &gone.id, true, chrono::Utc::now()).unwrap();
        (kept, archived)
    };
    let fresh = Store::open(&dir.path().join("new")).unwrap();
    let rec = fresh.recover_from(&old_dir.join(invoice_desk_core::store::FILE_NAME));
    assert!(!rec.other_unreadable, "{rec:?}");
    assert_eq!(fresh.recipient("c", &kept.id).unwrap(), Some(kept.clone()));
    assert_eq!(fresh.recipient("c", &archived.id).unwrap(), Some(archived));
    let found = desk::search_relations(&fresh, Some(&c), "c", "", "bakkerij een", None).unwrap();
    assert_eq!(found.len(), 1);
    assert!(
        desk::search_relations(&fresh, Some(&c), "c", "", "slagerij", None)
            .unwrap()
            .is_empty(),
        "archived stays archived"
    );
}

#[test]
fn a_reset_of_the_sync_starts_every_declared_list_from_the_beginning_and_keeps_its_items() {
    let s = Store::open_in_memory().unwrap();
    s.apply_list_page(
        "c",
        "accounts",
        ADMIN,
        &page(vec![item("1", "Kas")], "c9", true, true),
    )
    .unwrap();
    s.reset_sync("c").unwrap();
    let cur = s.list_cursor("c", "accounts", ADMIN).unwrap();
    assert_eq!((cur.cursor, cur.done), (None, false));
    assert_eq!(
        s.list_count("c", "accounts", ADMIN).unwrap(),
        1,
        "typing keeps working until the reload replaces them"
    );
}

// ---- the address book ----

fn local_caps() -> Capabilities {
    Capabilities {
        relations: RelationSource::Local {
            fields: vec![
                FieldSpec {
                    shown_when: None,
                    required_when: None,
                    key: "email".into(),
                    label: Text::new("E-mail", "E-mail"),
                    kind: FieldKind::Text { max_len: Some(80) },
                    required: true,
                    default: None,
                    help: None,
                },
                FieldSpec {
                    shown_when: None,
                    required_when: None,
                    key: "city".into(),
                    label: Text::new("Plaats", "City"),
                    kind: FieldKind::Text { max_len: None },
                    required: false,
                    default: None,
                    help: None,
                },
                FieldSpec {
                    shown_when: None,
                    required_when: None,
                    key: "locale".into(),
                    label: Text::new("Taal", "Language"),
                    kind: FieldKind::Choice {
                        options: vec![Choice::new("nl_NL", "Nederlands", "Dutch")],
                    },
                    required: false,
                    default: None,
                    help: None,
                },
            ],
        },
        ..caps()
    }
}

fn input(name: &str, email: &str) -> RecipientInput {
    RecipientInput {
        id: None,
        kind: RelationKind::Organisation,
        name: name.into(),
        values: map(&[("email", email), ("city", "Delft"), ("not_declared", "x")]),
    }
}

#[test]
fn a_recipient_is_checked_against_the_declared_fields_with_a_message_on_each() {
    let s = Store::open_in_memory().unwrap();
    let c = local_caps();
    let mut bad = input(" ", "");
    bad.kind = RelationKind::Unknown;
    bad.values.insert("locale".into(), "xx".into());
    let e = desk::save_recipient(&s, &c, "c", bad, chrono::Utc::now()).unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    let mut fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "recipient.email",
            "recipient.kind",
            "recipient.locale",
            "recipient.name"
        ]
    );
    assert!(s.recipients("c", true).unwrap().is_empty(), "nothing saved");
    // A connection whose relations are synced has no address book.
    let e = desk::save_recipient(&s, &caps(), "c", input("A", "a@b.nl"), chrono::Utc::now())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Config);
}

#[test]
fn a_recipient_keeps_its_id_when_changed_and_archiving_hides_it_from_the_type_ahead() {
    let s = Store::open_in_memory().unwrap();
    let c = local_caps();
    let t0 = chrono::Utc::now();
    let r = desk::save_recipient(&s, &c, "c", input("Jansen", "j@x.nl"), t0).unwrap();
    assert_eq!(r.email.as_deref(), Some("j@x.nl"));
    assert_eq!(r.city.as_deref(), Some("Delft"));
    assert!(
        !r.values.contains_key("not_declared"),
        "only declared fields are kept"
    );
    let mut change = input("Jansen & Zn", "info@jansen.nl");
    change.id = Some(r.id.clone());
    let r2 = desk::save_recipient(&s, &c, "c", change, t0 + chrono::Duration::seconds(5)).unwrap();
    assert_eq!(r2.id, r.id);
    assert_eq!(r2.created_at, r.created_at);
    assert_ne!(r2.updated_at, r.updated_at);
    let found = desk::search_relations(&s, Some(&c), "c", "", "jansen zn", None).unwrap();
    assert_eq!(found.len(), 1);
    assert!(
        desk::search_relations(&s, Some(&c), "c", "", "j@x", None)
            .unwrap()
            .is_empty(),
        "the old e-mail is not found any more"
    );
    desk::archive_recipient(&s, "c", &r.id, true, t0).unwrap();
    assert!(
        desk::search_relations(&s, Some(&c), "c", "", "jansen", None)
            .unwrap()
            .is_empty()
    );
    assert_eq!(desk::list_recipients(&s, "c", false).unwrap().len(), 0);
    assert_eq!(desk::list_recipients(&s, "c", true).unwrap().len(), 1);
    desk::archive_recipient(&s, "c", &r.id, false, t0).unwrap();
    assert_eq!(
        desk::search_relations(&s, Some(&c), "c", "", "jansen", None)
            .unwrap()
            .len(),
        1
    );
    // Changing an id that does not exist is refused, not a silent new recipient.
    let mut ghost = input("X", "x@y.nl");
    ghost.id = Some("no-such-id".into());
    assert_eq!(
        desk::save_recipient(&s, &c, "c", ghost, t0)
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );
}

// ---- sync with a back end that declares lists ----

/// A back end with two declared lists: ledger accounts per administration, contracts per
/// owner and relation. Pages are numbered; the cursor is the next page's number.
struct Lists {
    /// (list, cache key) → pages.
    pages: HashMap<(String, String), Vec<Vec<LookupItem>>>,
    calls: Mutex<Vec<(String, String, Option<String>)>>,
    /// The next request for this page number fails as if the network went away.
    fail_at: Mutex<Option<usize>>,
}

fn declared_caps() -> Capabilities {
    Capabilities {
        lists: vec![
            ListSpec {
                name: "accounts".into(),
                label: Text::new("Grootboekrekening", "Ledger account"),
                scope: ListScope::Administration,
            },
            ListSpec {
                name: "contracts".into(),
                label: Text::new("Contract", "Contract"),
                scope: ListScope::Parent {
                    keys: vec!["owner".into(), "relation".into()],
                },
            },
        ],
        ..caps()
    }
}

fn contracts_key(owner: &str, relation: &str) -> String {
    ScopeValue::Parent {
        administration: ADMIN.into(),
        values: map(&[("owner", owner), ("relation", relation)]),
    }
    .cache_key()
}

impl Lists {
    fn new() -> Self {
        let mut pages = HashMap::new();
        pages.insert(
            ("accounts".to_string(), ADMIN.to_string()),
            vec![
                vec![item("8000", "Omzet")],
                vec![item("8100", "Omzet diensten")],
                vec![item("8200", "Rente")],
            ],
        );
        pages.insert(
            ("contracts".to_string(), contracts_key("O1", "R1")),
            vec![
                vec![item("K1", "Huur Kerkstraat")],
                vec![item("K2", "Huur Molenweg")],
            ],
        );
        // The owner's contracts with every relation, each naming its relation.
        let with_relation = |id: &str, label: &str, relation: &str| {
            let mut i = item(id, label);
            i.parents = map(&[("owner", "O1"), ("relation", relation)]);
            i
        };
        pages.insert(
            (
                "contracts".to_string(),
                ScopeValue::Parent {
                    administration: ADMIN.into(),
                    values: map(&[("owner", "O1")]),
                }
                .cache_key(),
            ),
            vec![vec![
                with_relation("K1", "Huur Kerkstraat", "R1"),
                with_relation("K3", "Huur Dorpsplein", "R3"),
            ]],
        );
        Lists {
            pages,
            calls: Mutex::new(vec![]),
            fail_at: Mutex::new(None),
        }
    }
    fn calls_for(&self, list: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.0 == list)
            .count()
    }
}

#[async_trait::async_trait]
impl Backend for Lists {
    fn capabilities(&self) -> Capabilities {
        declared_caps()
    }
    async fn test_connection(&self) -> Result<Text> {
        Ok(Text::new("ok", "ok"))
    }
    async fn administrations(&self) -> Result<Vec<Administration>> {
        Ok(vec![])
    }
    fn lookups(&self) -> Option<&dyn LookupSource> {
        Some(self)
    }
}

#[async_trait::async_trait]
impl LookupSource for Lists {
    async fn sync_relations(&self, _: &str, _: Option<&str>) -> Result<SyncPage<Relation>> {
        Ok(SyncPage {
            items: vec![],
            removed: vec![],
            cursor: String::new(),
            done: true,
            full_reload: false,
        })
    }
    async fn sync_products(&self, _: &str, _: Option<&str>) -> Result<SyncPage<Product>> {
        Ok(SyncPage {
            items: vec![],
            removed: vec![],
            cursor: String::new(),
            done: true,
            full_reload: false,
        })
    }
    async fn addresses(&self, _: &str, _: &Relation) -> Result<Vec<Address>> {
        Ok(vec![])
    }
    async fn sync_list(
        &self,
        list: &str,
        scope: &ScopeValue,
        cursor: Option<&str>,
    ) -> Result<SyncPage<LookupItem>> {
        let key = scope.cache_key();
        self.calls
            .lock()
            .unwrap()
            .push((list.to_string(), key.clone(), cursor.map(String::from)));
        let n: usize = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        if self.fail_at.lock().unwrap().take_if(|f| *f == n).is_some() {
            return Err(Error::new(ErrorCode::Offline, "weg", "gone"));
        }
        let pages = self
            .pages
            .get(&(list.to_string(), key))
            .cloned()
            .unwrap_or_default();
        let items = pages.get(n).cloned().unwrap_or_default();
        let done = n + 1 >= pages.len();
        Ok(page(items, &(n + 1).to_string(), done, n == 0))
    }
}

#[tokio::test]
async fn the_sync_fetches_lists_per_administration_and_leaves_parent_lists_to_the_search() {
    let s = Store::open_in_memory().unwrap();
    let b = Lists::new();
    let n = sync_declared_lists(&b, &s, "c", &declared_caps(), Some(ADMIN), &|_| {})
        .await
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(b.calls_for("accounts"), 3);
    assert_eq!(
        b.calls_for("contracts"),
        0,
        "a parent list is not fetched for every parent"
    );
    assert_eq!(s.list_count("c", "accounts", ADMIN).unwrap(), 3);
    // Without a chosen administration there is nothing to fetch per administration.
    let b2 = Lists::new();
    sync_declared_lists(&b2, &s, "c", &declared_caps(), None, &|_| {})
        .await
        .unwrap();
    assert_eq!(b2.calls_for("accounts"), 0);
}

#[tokio::test]
async fn an_interrupted_sync_of_a_declared_list_resumes_after_the_last_page_written() {
    let s = Store::open_in_memory().unwrap();
    let b = Lists::new();
    *b.fail_at.lock().unwrap() = Some(2);
    let scope = ScopeValue::Administration { id: ADMIN.into() };
    let e = sync_declared(&b, &s, "c", "accounts", &scope, &|_| {})
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Offline);
    assert_eq!(
        s.list_count("c", "accounts", ADMIN).unwrap(),
        2,
        "two pages were stored"
    );
    sync_declared(&b, &s, "c", "accounts", &scope, &|_| {})
        .await
        .unwrap();
    let calls = b.calls.lock().unwrap().clone();
    let cursors: Vec<Option<&str>> = calls.iter().map(|c| c.2.as_deref()).collect();
    assert_eq!(
        cursors,
        vec![None, Some("1"), Some("2"), Some("2")],
        "the second run starts at page 2"
    );
    assert_eq!(s.list_count("c", "accounts", ADMIN).unwrap(), 3);
}

#[tokio::test]
async fn a_search_in_a_parent_list_answers_at_once_and_names_the_copy_to_fetch_once() {
    let s = Store::open_in_memory().unwrap();
    let b = Lists::new();
    let caps = declared_caps();
    let now = chrono::Utc::now();
    let parents = map(&[("owner", "O1"), ("relation", "R1")]);
    // Without the relation the list cannot be asked for.
    let (r, fetch) = desk::search_list(
        &s,
        &caps,
        "c",
        "contracts",
        Some(ADMIN),
        &map(&[("owner", "O1")]),
        "huur",
        None,
        now,
    )
    .unwrap();
    assert!(r.items.is_empty() && !r.pending && fetch.is_none());
    // The first search: nothing cached, the copy is named and the answer says it is coming.
    let (r, fetch) = desk::search_list(
        &s,
        &caps,
        "c",
        "contracts",
        Some(ADMIN),
        &parents,
        "huur",
        None,
        now,
    )
    .unwrap();
    assert!(r.items.is_empty() && r.pending);
    let scope = fetch.expect("the copy to fetch");
    assert_eq!(
        b.calls_for("contracts"),
        0,
        "the search itself asked the back end nothing"
    );
    // One fetch per copy, however fast the clerk types.
    let fetches = Arc::new(Fetches::default());
    let guard = fetches.begin(fetch_key("c", "contracts", &scope));
    assert!(guard.is_some());
    assert!(fetches.begin(fetch_key("c", "contracts", &scope)).is_none());
    sync_declared(&b, &s, "c", "contracts", &scope, &|_| {})
        .await
        .unwrap();
    drop(guard);
    assert!(fetches.begin(fetch_key("c", "contracts", &scope)).is_some());
    // Cached afterwards: found, not pending, nothing to fetch until it is an hour old.
    let (r, fetch) = desk::search_list(
        &s,
        &caps,
        "c",
        "contracts",
        Some(ADMIN),
        &parents,
        "huur mol",
        None,
        now,
    )
    .unwrap();
    assert_eq!(ids(&r.items), vec!["K2"]);
    assert!(!r.pending && fetch.is_none());
    let later = now + desk::PARENT_LIST_MAX_AGE + chrono::Duration::minutes(1);
    let (r, fetch) = desk::search_list(
        &s,
        &caps,
        "c",
        "contracts",
        Some(ADMIN),
        &parents,
        "huur",
        None,
        later,
    )
    .unwrap();
    assert_eq!(r.items.len(), 2, "an old copy still answers at once");
    assert!(
        !r.pending && fetch.is_some(),
        "and is fetched again behind the scenes"
    );
    // Another relation is another copy.
    let (r, fetch) = desk::search_list(
        &s,
        &caps,
        "c",
        "contracts",
        Some(ADMIN),
        &map(&[("owner", "O1"), ("relation", "R2")]),
        "huur",
        None,
        now,
    )
    .unwrap();
    assert!(r.items.is_empty() && r.pending && fetch.is_some());
    // A list the system does not declare is an error, not an empty answer.
    let e = desk::search_list(&s, &caps, "c", "nope", Some(ADMIN), &parents, "", None, now)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_failed_fetch_of_a_list_is_not_started_again_at_once_and_its_error_is_kept_for_the_search(
) {
    let s = Store::open_in_memory().unwrap();
    let b = Lists::new();
    *b.fail_at.lock().unwrap() = Some(0);
    let scope = ScopeValue::Parent {
        administration: ADMIN.into(),
        values: map(&[("owner", "O1"), ("relation", "R1")]),
    };
    let key = fetch_key("c", "contracts", &scope);
    let fetches = Arc::new(Fetches::default());
    let guard = fetches.begin(key.clone()).expect("free");
    let outcome = sync_declared(&b, &s, "c", "contracts", &scope, &|_| {}).await;
    guard.finish(&outcome);
    // The form asks again when told the fetch ended: it gets the error, and no new fetch.
    assert_eq!(
        fetches.recent_failure(&key).map(|e| e.code),
        Some(ErrorCode::Offline)
    );
    assert!(fetches.begin(key.clone()).is_none(), "not again at once");
    assert_eq!(b.calls_for("contracts"), 1);
    // After the retry time it may be fetched again, and a success forgets the failure.
    let soon = Arc::new(Fetches::with_retry_after(std::time::Duration::ZERO));
    let g = soon.begin(key.clone()).expect("free");
    g.finish(&Err(Error::new(ErrorCode::Offline, "weg", "gone")));
    let g = soon.begin(key.clone()).expect("the retry time has passed");
    g.finish(&sync_declared(&b, &s, "c", "contracts", &scope, &|_| {}).await);
    assert!(soon.recent_failure(&key).is_none());
    assert_eq!(
        s.list_count("c", "contracts", &scope.cache_key()).unwrap(),
        2
    );
}

#[tokio::test]
async fn a_back_end_that_declares_no_lists_is_asked_for_none_and_refuses_an_unknown_one() {
    let s = Store::open_in_memory().unwrap();
    let b = common::Fake::default();
    assert_eq!(
        sync_declared_lists(&b, &s, "c", &caps(), Some(ADMIN), &|_| {})
            .await
            .unwrap(),
        0
    );
    let e = b
        .sync_list("x", &ScopeValue::Connection, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Config);
}

// ---- whatever a vendor sends ----

mod props {
    use super::*;
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            ".*".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                prop::collection::btree_map(".*", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn lookup_item_json() -> impl Strategy<Value = serde_json::Value> {
        (
            ".*",
            prop_oneof![".*", "[a-zA-Z0-9 éëïç]{1,16}"],
            prop::option::of(".*"),
            prop::collection::vec(".*", 0..4),
            prop::collection::btree_map(".*", ".*", 0..3),
            any::<bool>(),
            prop::collection::btree_map(".*", json_value(), 0..4),
        )
            .prop_map(|(id, label, detail, terms, parents, archived, data)| {
                serde_json::json!({
                    "id": id, "label": label, "detail": detail, "terms": terms,
                    "parents": parents, "archived": archived, "data": data,
                })
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]
        #[test]
        fn any_lookup_item_a_vendor_sends_stores_and_searches_without_a_panic(
            items in prop::collection::vec(lookup_item_json(), 1..4),
            query in ".*",
            filter in prop::collection::btree_map(".*", ".*", 0..3),
        ) {
            let s = Store::open_in_memory().unwrap();
            let items: Vec<LookupItem> = items
                .into_iter()
                .filter_map(|j| serde_json::from_value(j).ok())
                .collect();
            s.apply_list_page("c", "l", "", &page(items.clone(), "", true, true)).unwrap();
            s.search_list("c", "l", "", &filter, &query, 20).unwrap();
            let all = s.search_list("c", "l", "", &BTreeMap::new(), "", 200).unwrap();
            // What is listed is what came, as it came (the last of a doubled id wins).
            for got in &all {
                let sent = items.iter().rev().find(|i| i.id == got.id).unwrap();
                prop_assert!(!sent.archived);
                prop_assert_eq!(&got.label, &sent.label);
                prop_assert_eq!(&got.parents, &sent.parents);
                prop_assert_eq!(&got.data, &sent.data);
            }
            // Every label in letters FTS5 knows can be found by its own words.
            let plain = |l: &str| l.chars().all(|c| c.is_ascii_alphanumeric() || " éëïç".contains(c));
            for i in items.iter().filter(|i| !i.archived && plain(&i.label)) {
                let found = s.search_list("c", "l", "", &BTreeMap::new(), &i.label, 200).unwrap();
                if invoice_desk_core::store::fts_query(&i.label).is_some() {
                    let last = items.iter().rev().find(|x| x.id == i.id).unwrap();
                    if !last.archived && last.label == i.label {
                        prop_assert!(found.iter().any(|f| f.id == i.id), "{:?} not found by its label", i.label);
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn a_system_without_administrations_keeps_one_copy_of_a_list_per_administration_scope() {
    let s = Store::open_in_memory().unwrap();
    let b = Lists::new();
    let no_admins = Capabilities {
        administrations: false,
        administration_label: None,
        ..declared_caps()
    };
    sync_declared_lists(&b, &s, "c", &no_admins, Some("stray"), &|_| {})
        .await
        .unwrap();
    let calls = b.calls.lock().unwrap().clone();
    assert!(
        calls.iter().all(|c| c.1.is_empty()),
        "asked as one copy: {calls:?}"
    );
    s.apply_list_page(
        "c",
        "accounts",
        "",
        &page(vec![item("1", "Kas")], "", true, true),
    )
    .unwrap();
    let now = chrono::Utc::now();
    let (r, _) = desk::search_list(
        &s,
        &no_admins,
        "c",
        "accounts",
        Some("stray"),
        &BTreeMap::new(),
        "kas",
        None,
        now,
    )
    .unwrap();
    assert_eq!(
        ids(&r.items),
        vec!["1"],
        "whatever administration the form sends"
    );
}

#[tokio::test]
async fn a_look_up_whose_relation_filter_is_optional_offers_the_owners_contracts_and_names_their_relation(
) {
    let s = Store::open_in_memory().unwrap();
    let b = Lists::new();
    let filter = |key: &str, from: &str, optional: bool| LookupFilter {
        key: key.into(),
        from_field: from.into(),
        optional,
        fills: optional,
    };
    let caps = Capabilities {
        header_fields: vec![FieldSpec {
            key: "contract".into(),
            label: Text::new("Contract", "Contract"),
            kind: FieldKind::Lookup {
                list: "contracts".into(),
                filter: vec![
                    filter("owner", "administration", false),
                    filter("relation", "relation", true),
                ],
            },
            required: false,
            default: None,
            help: None,
            shown_when: None,
            required_when: None,
        }],
        ..declared_caps()
    };
    let now = chrono::Utc::now();
    let search = |parents: &BTreeMap<String, String>| {
        desk::search_list(
            &s,
            &caps,
            "c",
            "contracts",
            Some(ADMIN),
            parents,
            "huur",
            None,
            now,
        )
        .unwrap()
    };
    // The owner is still required.
    let (r, fetch) = search(&map(&[]));
    assert!(r.items.is_empty() && fetch.is_none());
    // Without the relation: the owner's copy is named and fetched.
    let (r, fetch) = search(&map(&[("owner", "O1"), ("relation", " ")]));
    assert!(r.pending);
    let scope = fetch.expect("the owner's contracts");
    assert_eq!(
        scope,
        ScopeValue::Parent {
            administration: ADMIN.into(),
            values: map(&[("owner", "O1")]),
        }
    );
    sync_declared(&b, &s, "c", "contracts", &scope, &|_| {})
        .await
        .unwrap();
    let (r, _) = search(&map(&[("owner", "O1")]));
    let mut found = ids(&r.items);
    found.sort();
    assert_eq!(found, vec!["K1", "K3"]);
    let relation_of = |id: &str| {
        r.items
            .iter()
            .find(|i| i.id == id)
            .and_then(|i| i.parents.get("relation").cloned())
    };
    assert_eq!(relation_of("K3").as_deref(), Some("R3"));
    // With the relation it is that relation's own copy, as before.
    let (_, fetch) = search(&map(&[("owner", "O1"), ("relation", "R1")]));
    assert_eq!(
        fetch.map(|f| f.cache_key()),
        Some(contracts_key("O1", "R1"))
    );
}

#[test]
fn a_relation_is_read_by_its_id_from_the_cache_or_the_address_book_and_not_when_archived() {
    let s = Store::open_in_memory().unwrap();
    let caps = declared_caps();
    let scope = caps
        .relation_scope(Some(ADMIN))
        .unwrap_or(ADMIN)
        .to_string();
    let mut gone = common::relation("R4", "Oud B.V.");
    gone.archived = true;
    s.apply_relations(
        "c",
        &scope,
        &SyncPage {
            items: vec![common::relation("R3", "Dorpsplein B.V."), gone],
            removed: vec![],
            cursor: String::new(),
            done: true,
            full_reload: true,
        },
    )
    .unwrap();
    let by_id = |id: &str| desk::relation_by_id(&s, Some(&caps), "c", ADMIN, id).unwrap();
    assert_eq!(by_id("R3").map(|r| r.name), Some("Dorpsplein B.V.".into()));
    assert_eq!(by_id(" R3 ").map(|r| r.id), Some("R3".into()));
    assert_eq!(by_id("R4"), None, "an inactive relation is not offered");
    assert_eq!(by_id("R9"), None);
    assert_eq!(by_id(""), None);
    assert_eq!(
        desk::relation_by_id(&s, Some(&caps), "other", ADMIN, "R3").unwrap(),
        None
    );
    // A connection with its own address book reads its recipients.
    let local = local_caps();
    let saved = desk::save_recipient(
        &s,
        &local,
        "c",
        input("Jansen Bouw", "info@jansen.nl"),
        chrono::Utc::now(),
    )
    .unwrap();
    assert_eq!(
        desk::relation_by_id(&s, Some(&local), "c", "", &saved.id)
            .unwrap()
            .map(|r| r.name),
        Some("Jansen Bouw".into())
    );
}
