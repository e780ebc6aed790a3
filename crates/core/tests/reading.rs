//! History's view of the invoices a system holds: the local copy, pages, opening one, and the
//! declared actions under a key that a retry reuses. Against a made-up system whose back end
//! only reads.

mod common;

use chrono::NaiveDate;
use invoice_desk_core::backend::{
    Administration, Backend, Capabilities, Choice, FieldKind, FieldSpec, InvoiceActionSpec,
    InvoiceDetail, InvoiceLineRead, InvoicePage, InvoiceQuery, InvoiceReader, InvoiceState,
    InvoiceSummary, InvoiceText, InvoiceVat, SystemId, TextFormat,
};
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::fields::Condition;
use invoice_desk_core::i18n::{Lang, Text};
use invoice_desk_core::reading;
use invoice_desk_core::store::Store;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Mutex;

fn summary(
    id: &str,
    number: Option<&str>,
    day: u32,
    customer: &str,
    state: InvoiceState,
) -> InvoiceSummary {
    InvoiceSummary {
        flags: Vec::new(),
        project: None,
        id: id.into(),
        number: number.map(String::from),
        date: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
        due_date: None,
        customer: customer.into(),
        customer_id: None,
        total_excl: Decimal::new(10000, 2),
        total_vat: Decimal::new(2100, 2),
        total_incl: Decimal::new(12100, 2),
        state,
        state_text: None,
        actions: if state == InvoiceState::Draft {
            vec!["issue".into(), "delete".into()]
        } else {
            vec![]
        },
    }
}

/// One call of `act`: invoice id, action, values, key.
type ActCall = (String, String, BTreeMap<String, String>, String);

/// What `act` does next.
enum Act {
    /// Does it and answers.
    Ok,
    /// Does it, then the answer is lost.
    DoneThenLost,
    /// Refuses it.
    Refuse,
}

/// A system that holds invoices (newest first), pages them by two, and issues and deletes
/// drafts.
struct Reading {
    invoices: Mutex<Vec<InvoiceSummary>>,
    /// Every list call: (query, cursor).
    lists: Mutex<Vec<(InvoiceQuery, Option<String>)>>,
    /// Every act call: (id, action, values, key).
    acts: Mutex<Vec<ActCall>>,
    script: Mutex<Vec<Act>>,
    /// Keys whose action was done: a repeated key replays, never does it twice.
    done_keys: Mutex<Vec<String>>,
    /// The system cannot search: it answers every query with its whole list.
    cannot_search: bool,
}

impl Reading {
    fn new(invoices: Vec<InvoiceSummary>) -> Self {
        Reading {
            invoices: Mutex::new(invoices),
            lists: Mutex::new(vec![]),
            acts: Mutex::new(vec![]),
            script: Mutex::new(vec![]),
            done_keys: Mutex::new(vec![]),
            cannot_search: false,
        }
    }
}

fn caps() -> Capabilities {
    Capabilities {
        kind: SystemId::new("reading"),
        creates_invoices: false,
        administrations: false,
        system_name: "Leesboek".into(),
        ..common::caps()
    }
}

#[async_trait::async_trait]
impl Backend for Reading {
    fn capabilities(&self) -> Capabilities {
        caps()
    }
    async fn test_connection(&self) -> Result<Text> {
        Ok(Text::new("gelezen", "read"))
    }
    async fn administrations(&self) -> Result<Vec<Administration>> {
        Ok(vec![])
    }
    fn reader(&self) -> Option<&dyn InvoiceReader> {
        Some(self)
    }
}

fn issue_spec() -> InvoiceActionSpec {
    InvoiceActionSpec {
        key: "issue".into(),
        label: Text::new("Versturen", "Issue"),
        confirm: None,
        fields: vec![
            FieldSpec {
                key: "channel".into(),
                label: Text::new("Hoe", "How"),
                kind: FieldKind::Choice {
                    options: vec![
                        Choice::new("email", "E-mail", "E-mail"),
                        Choice::new("none", "Niet", "Not"),
                    ],
                },
                required: true,
                default: Some("email".into()),
                help: None,
                shown_when: None,
                required_when: None,
            },
            FieldSpec {
                key: "subject".into(),
                label: Text::new("Onderwerp", "Subject"),
                kind: FieldKind::Text { max_len: Some(20) },
                required: false,
                default: None,
                help: None,
                shown_when: Some(Condition::new("channel", &["email"])),
                required_when: Some(Condition::new("channel", &["email"])),
            },
        ],
    }
}

#[async_trait::async_trait]
impl InvoiceReader for Reading {
    async fn list_invoices(
        &self,
        query: &InvoiceQuery,
        cursor: Option<&str>,
    ) -> Result<InvoicePage> {
        self.lists
            .lock()
            .unwrap()
            .push((query.clone(), cursor.map(String::from)));
        let all: Vec<InvoiceSummary> = self
            .invoices
            .lock()
            .unwrap()
            .iter()
            .filter(|s| {
                self.cannot_search
                    || query.text.as_deref().is_none_or(|t| s.customer.contains(t))
                        && query.from.is_none_or(|f| s.date >= f)
                        && query.to.is_none_or(|t| s.date <= t)
            })
            .cloned()
            .collect();
        let start: usize = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        let items: Vec<_> = all.iter().skip(start).take(2).cloned().collect();
        let next = start + items.len();
        Ok(InvoicePage {
            items,
            cursor: Some(next.to_string()),
            done: next >= all.len(),
        })
    }

    async fn invoice(&self, id: &str) -> Result<InvoiceDetail> {
        let Some(summary) = self
            .invoices
            .lock()
            .unwrap()
            .iter()
            .find(|s| s.id == id)
            .cloned()
        else {
            return Err(Error::new(ErrorCode::NotFound, "weg", "gone"));
        };
        Ok(InvoiceDetail {
            reference: None,
            texts: Vec::new(),
            vat_number: None,
            address: Vec::new(),
            contact: None,
            price_decimals: None,
            summary,
            lines: vec![InvoiceLineRead {
                product_id: None,
                vat_percent: None,
                description: "Advies".into(),
                quantity: Decimal::ONE,
                unit_price: Decimal::new(10000, 2),
                vat_code: Some("21.00".into()),
                amount_excl: Decimal::new(10000, 2),
            }],
            vat: vec![InvoiceVat {
                taxable: None,
                co_contractor: false,
                code: None,
                incl: None,
                percentage: Decimal::new(21, 0),
                base: Decimal::new(10000, 2),
                amount: Decimal::new(2100, 2),
            }],
        })
    }

    async fn text(&self, _id: &str, which: &str) -> Result<InvoiceText> {
        Ok(match which {
            "introduction" => InvoiceText {
                format: TextFormat::Html,
                content: r#"<p onmouseover="steal()">Geachte klant,<img src="https://tracker.example/p.gif"></p><script>steal()</script>"#.into(),
            },
            "conclusion" => InvoiceText {
                format: TextFormat::Rtf,
                content: r"{\rtf1\ansi{\fonttbl{\f0 Arial;}}Betalen binnen 30 dagen.\par Met dank, caf\'e9 \u8364?}".into(),
            },
            _ => InvoiceText {
                format: TextFormat::Plain,
                content: String::new(),
            },
        })
    }

    fn actions(&self) -> Vec<InvoiceActionSpec> {
        vec![
            issue_spec(),
            InvoiceActionSpec {
                key: "delete".into(),
                label: Text::new("Verwijderen", "Delete"),
                confirm: Some(Text::new("Dit concept verwijderen?", "Delete this draft?")),
                fields: vec![],
            },
        ]
    }

    async fn act(
        &self,
        id: &str,
        action: &str,
        values: &BTreeMap<String, String>,
        key: &str,
    ) -> Result<Option<InvoiceSummary>> {
        self.acts
            .lock()
            .unwrap()
            .push((id.into(), action.into(), values.clone(), key.into()));
        let next = {
            let mut s = self.script.lock().unwrap();
            if s.is_empty() {
                Act::Ok
            } else {
                s.remove(0)
            }
        };
        if let Act::Refuse = next {
            return Err(Error::new(ErrorCode::Refused, "geweigerd", "refused"));
        }
        let replay = self.done_keys.lock().unwrap().contains(&key.to_string());
        let mut all = self.invoices.lock().unwrap();
        let answer = if replay {
            all.iter().find(|s| s.id == id).cloned()
        } else {
            self.done_keys.lock().unwrap().push(key.into());
            match action {
                "delete" => {
                    all.retain(|s| s.id != id);
                    None
                }
                _ => {
                    let s = all
                        .iter_mut()
                        .find(|s| s.id == id)
                        .ok_or_else(|| Error::new(ErrorCode::NotFound, "weg", "gone"))?;
                    s.state = InvoiceState::Open;
                    s.number = Some(format!("INV-{id}"));
                    s.actions.clear();
                    Some(s.clone())
                }
            }
        };
        if let Act::DoneThenLost = next {
            return Err(Error::new(
                ErrorCode::Uncertain,
                "geen antwoord",
                "no answer",
            ));
        }
        Ok(answer)
    }
}

fn five() -> Vec<InvoiceSummary> {
    vec![
        summary(
            "e",
            None,
            29,
            "Bakkerij De Gouden Krakeling",
            InvoiceState::Draft,
        ),
        summary(
            "d",
            Some("INV-2026-000004"),
            20,
            "Fietsenmaker Snel",
            InvoiceState::Open,
        ),
        summary(
            "c",
            Some("INV-2026-000003"),
            12,
            "Bakkerij De Gouden Krakeling",
            InvoiceState::Paid,
        ),
        summary(
            "b",
            Some("INV-2026-000002"),
            5,
            "Café Het Hoekje",
            InvoiceState::Overdue,
        ),
        summary(
            "a",
            Some("INV-2026-000001"),
            1,
            "Fietsenmaker Snel",
            InvoiceState::Cancelled,
        ),
    ]
}

fn ids(list: &[InvoiceSummary]) -> Vec<&str> {
    list.iter().map(|s| s.id.as_str()).collect()
}

fn all() -> InvoiceQuery {
    InvoiceQuery::default()
}

#[tokio::test]
async fn the_list_opens_from_the_copy_at_once_and_a_fresh_first_page_replaces_what_was_stale() {
    let store = Store::open_in_memory().unwrap();
    let sys = Reading::new(five());
    let caps = caps();

    // Never read: the copy is empty and says so.
    let copy = reading::cached_invoices(&store, &caps, "r", &all()).unwrap();
    assert!(copy.items.is_empty() && copy.cached && copy.fetched_at.is_none());

    // Two pages read.
    let p1 = reading::list_invoices(&store, &sys, &caps, "r", &all(), None)
        .await
        .unwrap();
    assert_eq!(ids(&p1.items), ["e", "d"]);
    assert!(!p1.done && !p1.cached);
    let p2 = reading::list_invoices(&store, &sys, &caps, "r", &all(), p1.cursor.as_deref())
        .await
        .unwrap();
    assert_eq!(ids(&p2.items), ["c", "b"]);

    // Next time the list opens from the copy, in the system's order, with where to go on.
    let copy = reading::cached_invoices(&store, &caps, "r", &all()).unwrap();
    assert_eq!(ids(&copy.items), ["e", "d", "c", "b"]);
    assert_eq!(copy.cursor, p2.cursor);
    assert!(copy.cached && copy.fetched_at.is_some());

    // Meanwhile the system changed: "e" was deleted there, "f" is new.
    {
        let mut all = sys.invoices.lock().unwrap();
        all.retain(|s| s.id != "e");
        all.insert(
            0,
            summary("f", None, 30, "Nieuwe Klant", InvoiceState::Draft),
        );
    }
    let fresh = reading::list_invoices(&store, &sys, &caps, "r", &all(), None)
        .await
        .unwrap();
    assert_eq!(ids(&fresh.items), ["f", "d"]);
    let copy = reading::cached_invoices(&store, &caps, "r", &all()).unwrap();
    assert_eq!(
        ids(&copy.items),
        ["f", "d"],
        "the stale rows are gone, the deleted one too"
    );

    // A next page follows; an invoice the copy already holds keeps its place.
    let more = reading::list_invoices(&store, &sys, &caps, "r", &all(), Some("1"))
        .await
        .unwrap();
    assert_eq!(ids(&more.items), ["d", "c"]);
    let copy = reading::cached_invoices(&store, &caps, "r", &all()).unwrap();
    assert_eq!(ids(&copy.items), ["f", "d", "c"]);
}

#[tokio::test]
async fn a_search_answers_from_the_copy_first_and_the_systems_narrowed_pages_leave_the_copy_whole()
{
    let store = Store::open_in_memory().unwrap();
    let sys = Reading::new(five());
    let caps = caps();
    let p1 = reading::list_invoices(&store, &sys, &caps, "r", &all(), None)
        .await
        .unwrap();
    reading::list_invoices(&store, &sys, &caps, "r", &all(), p1.cursor.as_deref())
        .await
        .unwrap();

    let q = InvoiceQuery {
        text: Some("bakkerij".into()),
        ..Default::default()
    };
    let copy = reading::cached_invoices(&store, &caps, "r", &q).unwrap();
    assert_eq!(
        ids(&copy.items),
        ["e", "c"],
        "every word in the number or customer, any case"
    );
    assert!(
        copy.done && copy.cursor.is_none(),
        "a narrowed copy has no next page of its own"
    );

    let by_number = InvoiceQuery {
        text: Some("000003".into()),
        ..Default::default()
    };
    assert_eq!(
        ids(&reading::cached_invoices(&store, &caps, "r", &by_number)
            .unwrap()
            .items),
        ["c"]
    );

    let dated = InvoiceQuery {
        from: NaiveDate::from_ymd_opt(2026, 11, 5),
        to: NaiveDate::from_ymd_opt(2026, 11, 20),
        ..Default::default()
    };
    assert_eq!(
        ids(&reading::cached_invoices(&store, &caps, "r", &dated)
            .unwrap()
            .items),
        ["d", "c", "b"]
    );

    // The system's answer to the search goes to the clerk, and the copy stays the whole list.
    let found = reading::list_invoices(&store, &sys, &caps, "r", &dated, None)
        .await
        .unwrap();
    assert_eq!(ids(&found.items), ["d", "c"]);
    let (sent, cursor) = sys.lists.lock().unwrap().last().cloned().unwrap();
    assert_eq!(sent, dated, "the query goes to the system as asked");
    assert_eq!(cursor, None);
    assert_eq!(
        ids(&reading::cached_invoices(&store, &caps, "r", &all())
            .unwrap()
            .items),
        ["e", "d", "c", "b"]
    );

    // An end date before the start date is refused on the field, before anything is asked.
    let backwards = InvoiceQuery {
        from: NaiveDate::from_ymd_opt(2026, 11, 20),
        to: NaiveDate::from_ymd_opt(2026, 11, 5),
        ..Default::default()
    };
    let calls = sys.lists.lock().unwrap().len();
    let e = reading::list_invoices(&store, &sys, &caps, "r", &backwards, None)
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::Validation, Some("to"))
    );
    assert_eq!(sys.lists.lock().unwrap().len(), calls);
}

#[tokio::test]
async fn the_copy_is_kept_per_connection_and_administration() {
    let store = Store::open_in_memory().unwrap();
    let sys = Reading::new(five());
    let caps = Capabilities {
        administrations: true,
        ..caps()
    };
    let q = |a: &str| InvoiceQuery {
        administration: a.into(),
        ..Default::default()
    };
    let e = reading::list_invoices(&store, &sys, &caps, "r", &q(""), None)
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::Validation, Some("administration"))
    );
    reading::list_invoices(&store, &sys, &caps, "r", &q("pfl_1"), None)
        .await
        .unwrap();
    assert_eq!(
        reading::cached_invoices(&store, &caps, "r", &q("pfl_1"))
            .unwrap()
            .items
            .len(),
        2
    );
    assert!(reading::cached_invoices(&store, &caps, "r", &q("pfl_2"))
        .unwrap()
        .items
        .is_empty());
    assert!(
        reading::cached_invoices(&store, &caps, "other", &q("pfl_1"))
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        sys.lists.lock().unwrap().last().unwrap().0.administration,
        "pfl_1"
    );
    // A system without administrations is asked without one, whatever the connection kept.
    reading::list_invoices(&store, &sys, &self::caps(), "r", &q("old"), None)
        .await
        .unwrap();
    assert_eq!(
        sys.lists.lock().unwrap().last().unwrap().0.administration,
        ""
    );
}

#[tokio::test]
async fn opening_an_invoice_gives_its_lines_and_vat_and_one_gone_leaves_the_copy() {
    let store = Store::open_in_memory().unwrap();
    let sys = Reading::new(five());
    let caps = caps();
    reading::list_invoices(&store, &sys, &caps, "r", &all(), None)
        .await
        .unwrap();
    let d = reading::open_invoice(&store, &sys, &caps, "r", "", "d")
        .await
        .unwrap();
    assert_eq!(d.summary.id, "d");
    assert_eq!(d.lines.len(), 1);
    assert_eq!(d.vat[0].amount, Decimal::new(2100, 2));

    sys.invoices.lock().unwrap().retain(|s| s.id != "e");
    let e = reading::open_invoice(&store, &sys, &caps, "r", "", "e")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert_eq!(
        ids(&reading::cached_invoices(&store, &caps, "r", &all())
            .unwrap()
            .items),
        ["d"]
    );
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn an_action_is_checked_against_its_declared_fields_before_anything_is_sent() {
    let store = Store::open_in_memory().unwrap();
    let sys = Reading::new(five());
    let caps = caps();
    // The subject is required while the channel is e-mail, and at most 20 characters.
    let e = reading::do_action(
        &store,
        &sys,
        &caps,
        "r",
        "",
        "e",
        "issue",
        &values(&[("channel", "email")]),
        Lang::En,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(
        e.fields
            .iter()
            .map(|f| f.field.as_str())
            .collect::<Vec<_>>(),
        ["action.subject"]
    );
    let e = reading::do_action(
        &store,
        &sys,
        &caps,
        "r",
        "",
        "e",
        "issue",
        &values(&[
            ("channel", "email"),
            ("subject", "a subject far longer than twenty"),
        ]),
        Lang::En,
    )
    .await
    .unwrap_err();
    assert_eq!(e.fields[0].field, "action.subject");
    // An action the system does not declare.
    let e = reading::do_action(
        &store,
        &sys,
        &caps,
        "r",
        "",
        "e",
        "explode",
        &values(&[]),
        Lang::En,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(sys.acts.lock().unwrap().is_empty(), "nothing was sent");

    // A hidden field is neither checked nor sent; undeclared values are dropped.
    let done = reading::do_action(
        &store,
        &sys,
        &caps,
        "r",
        "",
        "e",
        "issue",
        &values(&[
            ("channel", "none"),
            ("subject", "a subject far longer than twenty"),
            ("x", "y"),
        ]),
        Lang::En,
    )
    .await
    .unwrap();
    assert_eq!(done.invoice.unwrap().state, InvoiceState::Open);
    assert_eq!(
        sys.acts.lock().unwrap()[0].2,
        values(&[("channel", "none")])
    );
}

#[tokio::test]
async fn a_retry_after_a_lost_answer_sends_the_same_key_and_a_new_request_a_new_one() {
    let store = Store::open_in_memory().unwrap();
    let sys = Reading::new(five());
    let caps = caps();
    reading::list_invoices(&store, &sys, &caps, "r", &all(), None)
        .await
        .unwrap();
    let v = values(&[("channel", "email"), ("subject", "Uw factuur")]);

    *sys.script.lock().unwrap() = vec![Act::DoneThenLost];
    let e = reading::do_action(&store, &sys, &caps, "r", "", "e", "issue", &v, Lang::Nl)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Uncertain);
    // The retry (also after a restart: the key is in the store) sends the same key; the
    // system replays its answer and the copy follows it.
    let done = reading::do_action(&store, &sys, &caps, "r", "", "e", "issue", &v, Lang::Nl)
        .await
        .unwrap();
    let acts = sys.acts.lock().unwrap().clone();
    assert_eq!(acts.len(), 2);
    assert_eq!(acts[0].3, acts[1].3, "the same key on the retry");
    assert_eq!(sys.done_keys.lock().unwrap().len(), 1, "done once");
    assert_eq!(
        done.invoice.as_ref().unwrap().number.as_deref(),
        Some("INV-e")
    );
    assert_eq!(done.message, "Versturen: gedaan.");
    let copy = reading::cached_invoices(&store, &caps, "r", &all()).unwrap();
    assert_eq!(copy.items[0].state, InvoiceState::Open);
    assert!(copy.items[0].actions.is_empty());

    // Once the answer is known the key is spent: the next request has a key of its own,
    // and so does one after a refusal.
    *sys.script.lock().unwrap() = vec![Act::Refuse];
    reading::do_action(&store, &sys, &caps, "r", "", "d", "issue", &v, Lang::Nl)
        .await
        .unwrap_err();
    reading::do_action(&store, &sys, &caps, "r", "", "d", "issue", &v, Lang::Nl)
        .await
        .unwrap();
    let acts = sys.acts.lock().unwrap().clone();
    let keys: std::collections::BTreeSet<&str> = acts.iter().map(|a| a.3.as_str()).collect();
    assert_eq!(keys.len(), 3, "{acts:?}");
}

#[tokio::test]
async fn a_deleted_invoice_leaves_the_copy() {
    let store = Store::open_in_memory().unwrap();
    let sys = Reading::new(five());
    let caps = caps();
    reading::list_invoices(&store, &sys, &caps, "r", &all(), None)
        .await
        .unwrap();
    let done = reading::do_action(
        &store,
        &sys,
        &caps,
        "r",
        "",
        "e",
        "delete",
        &values(&[]),
        Lang::En,
    )
    .await
    .unwrap();
    assert!(done.invoice.is_none());
    assert_eq!(
        ids(&reading::cached_invoices(&store, &caps, "r", &all())
            .unwrap()
            .items),
        ["d"]
    );
}

#[tokio::test]
async fn a_system_without_a_reader_says_its_invoices_cannot_be_read_here() {
    let store = Store::open_in_memory().unwrap();
    let fake = common::Fake::with(vec![], true);
    let info = reading::reader_info(&fake);
    assert!(!info.reads_invoices && info.actions.is_empty());
    let e = reading::list_invoices(&store, &fake, &caps(), "r", &all(), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Config);
    assert_eq!(
        e.message.en,
        "The invoices in this system cannot be read here."
    );

    let sys = Reading::new(vec![]);
    let info = reading::reader_info(&sys);
    assert!(info.reads_invoices);
    assert_eq!(
        info.actions
            .iter()
            .map(|a| a.key.as_str())
            .collect::<Vec<_>>(),
        ["issue", "delete"]
    );
}

#[tokio::test]
async fn deleting_the_connection_drops_its_copy() {
    let store = Store::open_in_memory().unwrap();
    let sys = Reading::new(five());
    let caps = caps();
    reading::list_invoices(&store, &sys, &caps, "r", &all(), None)
        .await
        .unwrap();
    store.delete_connection("r").unwrap();
    assert!(reading::cached_invoices(&store, &caps, "r", &all())
        .unwrap()
        .items
        .is_empty());
}

#[tokio::test]
async fn the_key_of_an_action_whose_answer_was_lost_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let sys = Reading::new(five());
    let caps = caps();
    let v = values(&[("channel", "none")]);
    {
        let store = Store::open(dir.path()).unwrap();
        *sys.script.lock().unwrap() = vec![Act::DoneThenLost];
        reading::do_action(&store, &sys, &caps, "r", "", "e", "issue", &v, Lang::En)
            .await
            .unwrap_err();
    }
    let store = Store::open(dir.path()).unwrap();
    reading::do_action(&store, &sys, &caps, "r", "", "e", "issue", &v, Lang::En)
        .await
        .unwrap();
    let acts = sys.acts.lock().unwrap().clone();
    assert_eq!(
        acts[0].3, acts[1].3,
        "the retry after the restart sends the same key"
    );
    assert_eq!(sys.done_keys.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_search_shows_only_what_matches_and_reads_on_past_pages_without_a_match() {
    let store = Store::open_in_memory().unwrap();
    let sys = Reading {
        cannot_search: true,
        ..Reading::new(five())
    };
    let caps = caps();
    let q = InvoiceQuery {
        text: Some("snel".into()),
        ..Default::default()
    };
    // Page one holds one match.
    let first = reading::list_invoices(&store, &sys, &caps, "r", &q, None)
        .await
        .unwrap();
    assert_eq!(ids(&first.items), ["d"]);
    assert!(!first.done);
    // Page two holds none: page three is read in the same step.
    let next = reading::list_invoices(&store, &sys, &caps, "r", &q, first.cursor.as_deref())
        .await
        .unwrap();
    assert_eq!(ids(&next.items), ["a"]);
    assert!(next.done && next.cursor.is_none());
    assert_eq!(sys.lists.lock().unwrap().len(), 3);

    // Dates too; a search that finds nothing more ends done and empty.
    let recent = InvoiceQuery {
        from: NaiveDate::from_ymd_opt(2026, 11, 25),
        ..Default::default()
    };
    let found = reading::list_invoices(&store, &sys, &caps, "r", &recent, None)
        .await
        .unwrap();
    assert_eq!(ids(&found.items), ["e"]);
    let rest = reading::list_invoices(&store, &sys, &caps, "r", &recent, found.cursor.as_deref())
        .await
        .unwrap();
    assert!(rest.items.is_empty() && rest.done);
}

/// A system with endless pages of invoices no search matches; its cursor moves on, or not.
struct Endless {
    moves: bool,
    calls: Mutex<usize>,
}

#[async_trait::async_trait]
impl Backend for Endless {
    fn capabilities(&self) -> Capabilities {
        caps()
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
impl InvoiceReader for Endless {
    async fn list_invoices(&self, _: &InvoiceQuery, cursor: Option<&str>) -> Result<InvoicePage> {
        *self.calls.lock().unwrap() += 1;
        let n: u64 = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        Ok(InvoicePage {
            items: vec![summary(
                &format!("x{n}"),
                None,
                2,
                "Niemand",
                InvoiceState::Open,
            )],
            cursor: Some(if self.moves { n + 1 } else { n }.to_string()),
            done: false,
        })
    }
    async fn invoice(&self, _: &str) -> Result<InvoiceDetail> {
        Err(Error::new(ErrorCode::NotFound, "weg", "gone"))
    }
    async fn text(&self, _: &str, _: &str) -> Result<InvoiceText> {
        Err(Error::new(ErrorCode::NotFound, "weg", "gone"))
    }
}

#[tokio::test]
async fn a_search_reads_a_bounded_number_of_pages_and_a_cursor_that_does_not_move_ends_the_list() {
    let store = Store::open_in_memory().unwrap();
    let caps = caps();
    let q = InvoiceQuery {
        text: Some("iemand anders".into()),
        ..Default::default()
    };
    let endless = Endless {
        moves: true,
        calls: Mutex::new(0),
    };
    let page = reading::list_invoices(&store, &endless, &caps, "r", &q, None)
        .await
        .unwrap();
    assert!(page.items.is_empty() && !page.done);
    assert_eq!(*endless.calls.lock().unwrap(), reading::SEARCH_PAGES);
    assert_eq!(page.cursor.as_deref(), Some("5"), "the clerk can search on");

    let stuck = Endless {
        moves: false,
        calls: Mutex::new(0),
    };
    let page = reading::list_invoices(&store, &stuck, &caps, "r", &all(), Some("7"))
        .await
        .unwrap();
    assert!(
        page.done && page.cursor.is_none(),
        "the same cursor again: the end"
    );
    assert_eq!(*stuck.calls.lock().unwrap(), 1);
}

#[tokio::test]
async fn the_copy_is_sorted_by_the_column_asked_for_while_the_system_is_asked() {
    use invoice_desk_core::backend::{InvoiceColumn, InvoiceSort};
    let store = Store::open_in_memory().unwrap();
    let mut invoices = five();
    invoices[1].number = Some("F-10".into());
    invoices[2].number = Some("F-9".into());
    invoices[3].project = Some("Zolder".into());
    invoices[4].project = Some("aanbouw".into());
    invoices[0].total_incl = Decimal::new(5, 0);
    let sys = Reading::new(invoices);
    // The copy as the system's first pages left it.
    let mut q = all();
    let mut cursor = None;
    loop {
        let page = reading::list_invoices(&store, &sys, &caps(), "c", &q, cursor.as_deref())
            .await
            .unwrap();
        if page.done {
            break;
        }
        cursor = page.cursor;
    }
    let sorted = |column, descending| {
        let q = InvoiceQuery {
            sort: Some(InvoiceSort { column, descending }),
            ..all()
        };
        ids(&reading::cached_invoices(&store, &caps(), "c", &q)
            .unwrap()
            .items)
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    assert_eq!(
        sorted(InvoiceColumn::Date, false),
        ["a", "b", "c", "d", "e"]
    );
    assert_eq!(sorted(InvoiceColumn::Date, true), ["e", "d", "c", "b", "a"]);
    // Numbers as a clerk reads them (F-9 before F-10); without a number last either way.
    assert_eq!(
        sorted(InvoiceColumn::Number, false),
        ["c", "d", "a", "b", "e"]
    );
    assert_eq!(
        sorted(InvoiceColumn::Number, true),
        ["b", "a", "d", "c", "e"]
    );
    // Case aside; equal names keep the system's order.
    assert_eq!(
        sorted(InvoiceColumn::Customer, false),
        ["e", "c", "b", "d", "a"]
    );
    assert_eq!(
        sorted(InvoiceColumn::Project, false),
        ["a", "b", "e", "d", "c"]
    );
    assert_eq!(
        sorted(InvoiceColumn::Project, true),
        ["b", "a", "e", "d", "c"]
    );
    assert_eq!(sorted(InvoiceColumn::TotalIncl, false)[0], "e");
    assert_eq!(
        sorted(InvoiceColumn::State, false),
        ["e", "d", "b", "c", "a"]
    );

    // The sort goes to the system too, and its answer is what is shown.
    q.sort = Some(InvoiceSort {
        column: InvoiceColumn::Customer,
        descending: true,
    });
    reading::list_invoices(&store, &sys, &caps(), "c", &q, None)
        .await
        .unwrap();
    assert_eq!(sys.lists.lock().unwrap().last().unwrap().0.sort, q.sort);
}

#[tokio::test]
async fn a_search_finds_an_invoice_by_its_project_in_the_copy() {
    let store = Store::open_in_memory().unwrap();
    let mut invoices = five();
    invoices[1].project = Some("Verbouwing Zolder".into());
    let sys = Reading::new(invoices);
    reading::list_invoices(&store, &sys, &caps(), "c", &all(), None)
        .await
        .unwrap();
    let q = InvoiceQuery {
        text: Some("zolder".into()),
        ..all()
    };
    let copy = reading::cached_invoices(&store, &caps(), "c", &q).unwrap();
    assert_eq!(ids(&copy.items), ["d"]);
}

#[tokio::test]
async fn an_invoice_text_comes_safe_to_show_html_sanitised_and_rtf_as_plain_text() {
    let sys = Reading::new(five());
    let intro = reading::invoice_text(&sys, "d", "introduction")
        .await
        .unwrap();
    assert_eq!(intro.format, TextFormat::Html);
    assert_eq!(intro.html.as_deref(), Some("<p>Geachte klant,<img></p>"));
    assert_eq!(intro.text, None);
    let end = reading::invoice_text(&sys, "d", "conclusion")
        .await
        .unwrap();
    assert_eq!(end.format, TextFormat::Rtf);
    assert_eq!(end.html, None);
    assert_eq!(
        end.text.as_deref(),
        Some("Betalen binnen 30 dagen.\nMet dank, café €")
    );
    assert_eq!(end.which, "conclusion");
}
