//! The desk: what the IPC commands answer, tested without a window.

mod common;

use common::*;
use invoice_desk_core::backend::{
    Administration, Capabilities, Relation, RelationKind, SyncPage, SystemId,
};
use invoice_desk_core::desk;
use invoice_desk_core::error::ErrorCode;
use invoice_desk_core::i18n::{Lang, Text};
use invoice_desk_core::invoice::{Draft, DraftLine};
use invoice_desk_core::store::{ConnectionRecord, OutboxEntry, Store, SubmissionState};
use serde_json::json;
use uuid::Uuid;

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
}

fn store_with(id: &str, kind: &str, administration_id: Option<&str>) -> Store {
    let store = Store::open_in_memory().unwrap();
    store
        .upsert_connection(&ConnectionRecord {
            id: id.into(),
            kind: SystemId::new(kind),
            name: kind.into(),
            base_url: "http://127.0.0.1:9".into(),
            auth: "api_key".into(),
            demo: true,
            administration_id: administration_id.map(String::from),
            config: json!({}),
            created_at: chrono::Utc::now(),
        })
        .unwrap();
    store
}

/// As Silvasoft declares it: no administrations, a customer without a number found by name.
fn silvasoft_caps() -> Capabilities {
    Capabilities {
        kind: SystemId::new("silvasoft"),
        system_name: "Silvasoft".into(),
        administrations: false,
        administration_label: None,
        matches_customer_by_name: true,
        ..caps()
    }
}

fn customer(id: &str, number: Option<&str>) -> Relation {
    Relation {
        id: id.into(),
        kind: RelationKind::Organisation,
        name: "Jansen Installatietechniek".into(),
        number: number.map(String::from),
        email: None,
        city: None,
        vat_number: None,
        archived: false,
    }
}

// ---- the number a clerk can quote ----

#[test]
fn the_sent_message_names_the_number_first_and_the_technical_id_as_detail() {
    let total = Some(rust_decimal::Decimal::new(1210, 2));
    assert_eq!(
        desk::sent_message(Lang::Nl, "AFAS SB", "5f3c-77", Some("2026-0042"), total),
        "Factuur 2026-0042 verstuurd naar AFAS SB (totaal € 12,10; technisch id 5f3c-77)."
    );
    assert_eq!(
        desk::sent_message(Lang::En, "AFAS SB", "5f3c-77", Some("2026-0042"), total),
        "Invoice 2026-0042 sent to AFAS SB (total €12.10; technical id 5f3c-77)."
    );
    // The id is the number: named once.
    assert_eq!(
        desk::sent_message(Lang::En, "Silvasoft", "2026001", Some("2026001"), None),
        "Invoice 2026001 sent to Silvasoft."
    );
    // No number known: the id is all there is.
    assert_eq!(
        desk::sent_message(Lang::Nl, "AFAS SB", "5f3c-77", None, total),
        "Factuur verstuurd naar AFAS SB (id 5f3c-77; totaal € 12,10)."
    );
}

#[test]
fn the_queued_message_says_the_invoice_is_safe_and_names_the_system() {
    assert_eq!(
        desk::queued_message(Lang::En, "Silvasoft"),
        "Silvasoft cannot be reached right now. The invoice is safe in the outbox and will be sent automatically as soon as Silvasoft answers again."
    );
    assert_eq!(
        desk::queued_message(Lang::Nl, "AFAS SB"),
        "AFAS SB is nu niet bereikbaar. De factuur staat veilig in de wachtrij en wordt automatisch verstuurd zodra AFAS SB weer antwoordt."
    );
}

fn valid_draft(store: &Store) -> Draft {
    let mut d = Draft::new("c1", &caps(), today());
    d.administration_id = Some("adm".into());
    d.relation = Some(relation("r1", "Bakkerij de Vries B.V."));
    d.lines = vec![DraftLine {
        product: Some(product("p1", "Brood", "2.50")),
        quantity: "4".into(),
        unit_price: "2,50".into(),
        vat_code: "low".into(),
        ..DraftLine::default()
    }];
    store.save_draft(&d).unwrap();
    d
}

fn noop(_: Uuid, _: u64, _: u64) {}

#[tokio::test]
async fn a_sent_invoice_answers_with_the_number_first_and_a_fresh_draft_in_the_administration() {
    let store = store_with("c1", "afas", Some("adm"));
    let fake = Fake::with(vec![], true);
    let d = valid_draft(&store);
    let r = desk::submit(&store, &fake, &caps(), d.id, Lang::En, today(), &noop)
        .await
        .unwrap();
    assert_eq!(r.state, SubmissionState::Sent);
    assert_eq!(r.number.as_deref(), Some("V1"));
    let remote_id = r.remote_id.clone().unwrap();
    assert_eq!(
        r.message,
        format!("Invoice V1 sent to AFAS SB (total €10.90; technical id {remote_id}).")
    );
    assert!(r.error.is_none());
    let next = r.next.unwrap();
    assert_ne!(next.draft.id, d.id);
    assert_eq!(next.draft.administration_id.as_deref(), Some("adm"));
    assert_eq!(
        store.open_draft("c1").unwrap().map(|o| o.id),
        Some(next.draft.id)
    );
}

#[tokio::test]
async fn a_refused_invoice_answers_with_the_reason_and_gives_the_draft_back() {
    let store = store_with("c1", "afas", Some("adm"));
    let fake = Fake::with(vec![Script::Refuse], true);
    let d = valid_draft(&store);
    let r = desk::submit(&store, &fake, &caps(), d.id, Lang::Nl, today(), &noop)
        .await
        .unwrap();
    assert_eq!(r.state, SubmissionState::Refused);
    assert_eq!(r.message, "geweigerd");
    let e = r.error.unwrap();
    assert_eq!(e.code, ErrorCode::Refused);
    assert_eq!(e.field.as_deref(), Some("relation"));
    // Back to the clerk as typed, under a new identity.
    let next = r.next.unwrap().draft;
    assert_ne!(next.identity, d.identity);
    assert_eq!(next.relation, d.relation);
    assert_eq!(next.lines[0].quantity, "4");
    assert_eq!(store.open_draft("c1").unwrap().map(|o| o.id), Some(next.id));
}

#[tokio::test]
async fn a_systems_pre_send_rule_is_on_the_field_as_the_clerk_types_and_send_refuses_while_it_stands(
) {
    let store = store_with("c1", "afas", Some("adm"));
    let fake = Fake {
        description_rule: Some(10),
        ..Fake::with(vec![], true)
    };
    let mut d = valid_draft(&store);
    d.lines[0].description = "Veel te lange omschrijving".into();
    // Autosave: the shell saves what was typed and answers with this evaluation.
    let d = desk::save_typed(&store, d, chrono::Utc::now()).unwrap();
    let ev = desk::evaluate_with_warnings(&store, &fake, &d, &caps());
    assert_eq!(
        ev.issues
            .iter()
            .map(|i| (i.field.as_str(), i.message.en.as_str()))
            .collect::<Vec<_>>(),
        vec![("lines[0].description", "too long")]
    );
    assert_eq!(
        desk::draft_view(&store, &fake, d.clone(), &caps())
            .evaluation
            .issues
            .len(),
        1
    );
    // Send evaluates too: nothing is queued and nothing goes out.
    let e = desk::submit(&store, &fake, &caps(), d.id, Lang::En, today(), &noop)
        .await
        .err()
        .unwrap();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.fields[0].field, "lines[0].description");
    assert_eq!(*fake.submits.lock().unwrap(), 0);
    assert!(store.outbox_entry(d.id).unwrap().is_none());
    // Corrected, it goes.
    let mut d = store.draft(d.id).unwrap().unwrap();
    d.lines[0].description = "Kort".into();
    let d = desk::save_typed(&store, d, chrono::Utc::now()).unwrap();
    assert!(desk::evaluate_with_warnings(&store, &fake, &d, &caps())
        .issues
        .is_empty());
    let r = desk::submit(&store, &fake, &caps(), d.id, Lang::En, today(), &noop)
        .await
        .unwrap();
    assert_eq!(r.state, SubmissionState::Sent);
}

#[tokio::test]
async fn sending_a_draft_that_does_not_exist_is_not_found() {
    let store = store_with("c1", "afas", None);
    let fake = Fake::with(vec![], true);
    let e = desk::submit(
        &store,
        &fake,
        &caps(),
        Uuid::new_v4(),
        Lang::En,
        today(),
        &noop,
    )
    .await
    .err()
    .unwrap();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert_eq!(e.message.en, "This invoice was not found.");
}

// ---- History ----

#[test]
fn a_waiting_row_whose_invoice_cannot_be_read_shows_as_needing_attention() {
    let now = chrono::Utc::now();
    let row = OutboxEntry {
        draft_id: Uuid::new_v4(),
        connection_id: "c".into(),
        identity: Uuid::new_v4(),
        state: SubmissionState::Queued,
        payload: None,
        attempts: 4,
        remote_id: None,
        number: None,
        message: None,
        relation_name: "Bakkerij de Vries B.V.".into(),
        total_gross: "10.90".into(),
        created_at: now,
        updated_at: now,
        next_attempt_at: Some(now),
    };
    let e = desk::history_entry(row.clone(), Lang::En);
    assert_eq!(e.state, SubmissionState::NeedsAttention);
    assert!(e.message.unwrap().contains("cannot be read"));
    assert!(e.next_attempt_at.is_none(), "not announced as retried");
    let mut stored = row;
    stored.state = SubmissionState::NeedsAttention;
    stored.message =
        Some(serde_json::to_string(&invoice_desk_core::store::unreadable_payload()).unwrap());
    let e = desk::history_entry(stored, Lang::Nl);
    assert_eq!(
        serde_json::to_value(e.state).unwrap(),
        json!("needs_attention")
    );
    assert!(e.message.unwrap().contains("kan niet worden gelezen"));
}

#[tokio::test]
async fn history_shows_a_sent_invoice_with_its_number_in_the_clerks_language() {
    let store = store_with("c1", "afas", Some("adm"));
    let fake = Fake::with(vec![], true);
    let d = valid_draft(&store);
    desk::submit(&store, &fake, &caps(), d.id, Lang::En, today(), &noop)
        .await
        .unwrap();
    let rows = desk::history(&store, "c1", Lang::En).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].draft_id, d.id);
    assert_eq!(rows[0].identity, d.identity);
    assert_eq!(rows[0].state, SubmissionState::Sent);
    assert_eq!(rows[0].number.as_deref(), Some("V1"));
    assert_eq!(rows[0].relation_name, "Bakkerij de Vries B.V.");
    assert_eq!(rows[0].issue_date.as_deref(), Some("2026-01-05"));
}

#[tokio::test]
async fn the_back_ends_state_and_totals_are_shown_beside_the_preview_and_a_difference_is_marked() {
    let store = store_with("c1", "afas", Some("adm"));
    let fake = Fake {
        answer_vat_off: Some(rust_decimal::Decimal::new(1, 2)),
        ..Fake::with(vec![], true)
    };
    let d = valid_draft(&store);
    let sent = desk::submit(&store, &fake, &caps(), d.id, Lang::En, today(), &noop)
        .await
        .unwrap();
    let answer = sent.answer.expect("the back end's answer on the result");
    assert_eq!(answer.state.as_deref(), Some("Draft"));
    assert!(answer.differs, "{answer:?}");
    let by = |k: desk::TotalKey| answer.totals.iter().find(|t| t.key == k).unwrap().clone();
    let excl = by(desk::TotalKey::Excl);
    assert_eq!(excl.ours, Some(excl.theirs.clone()));
    assert!(!excl.differs);
    let vat = by(desk::TotalKey::Vat);
    assert!(vat.differs, "{vat:?}");
    let ours: rust_decimal::Decimal = vat.ours.clone().unwrap().parse().unwrap();
    let theirs: rust_decimal::Decimal = vat.theirs.parse().unwrap();
    assert_eq!(theirs - ours, rust_decimal::Decimal::new(1, 2));
    assert_eq!(
        vat.theirs.split('.').nth(1).map(str::len),
        Some(2),
        "two places"
    );
    assert!(by(desk::TotalKey::Incl).differs);
    // History shows the same, in the clerk's language, after the fact.
    let rows = desk::history(&store, "c1", Lang::Nl).unwrap();
    let kept = rows[0].answer.clone().expect("History keeps the answer");
    assert_eq!(kept.state.as_deref(), Some("Concept"));
    assert_eq!(kept.totals, answer.totals);
    assert!(kept.differs);
}

#[tokio::test]
async fn a_back_end_that_says_nothing_beyond_its_id_has_no_answer_to_compare() {
    let store = store_with("c1", "afas", Some("adm"));
    let fake = Fake::with(vec![], true);
    let d = valid_draft(&store);
    let sent = desk::submit(&store, &fake, &caps(), d.id, Lang::En, today(), &noop)
        .await
        .unwrap();
    // The fake gives a total incl. VAT, equal to ours: shown, and not a difference.
    let answer = sent.answer.expect("the total it gave");
    assert_eq!(answer.state, None);
    assert_eq!(answer.totals.len(), 1);
    assert!(!answer.differs);
    assert_eq!(
        desk::compare_answer(None, None, Lang::En),
        None,
        "no answer, nothing shown"
    );
}

#[tokio::test]
async fn the_state_and_totals_a_system_answers_and_a_difference_with_the_preview_are_shown_after_sending_and_in_history(
) {
    let store = store_with("c1", "afas", Some("adm"));
    let mut fake = Fake::with(vec![], true);
    fake.said = Some((
        Text::new("Concept", "Draft"),
        invoice_desk_core::backend::RemoteTotals {
            net: rust_decimal_macros::dec!(10.00),
            vat: rust_decimal_macros::dec!(0.91),
            gross: rust_decimal_macros::dec!(10.91),
        },
        vec![Text::new(
            "Het totaal daar wijkt af van de voorvertoning.",
            "The total there differs from the preview.",
        )],
    ));
    let d = valid_draft(&store);
    let r = desk::submit(&store, &fake, &caps(), d.id, Lang::En, today(), &noop)
        .await
        .unwrap();
    assert_eq!(r.state, SubmissionState::Sent);
    // The warning follows the first line of the text; the state and the totals are shown
    // apart, each total beside the preview's, so they are not repeated in the text.
    let lines: Vec<&str> = r.message.lines().collect();
    assert_eq!(
        &lines[1..],
        ["The total there differs from the preview."],
        "{}",
        r.message
    );
    let answer = r.answer.expect("the state and totals beside the preview");
    assert_eq!(answer.state.as_deref(), Some("Draft"));
    let incl = answer
        .totals
        .iter()
        .find(|t| t.key == desk::TotalKey::Incl)
        .expect("the total incl. VAT");
    assert_eq!(incl.theirs, "10.91");
    let rows = desk::history(&store, "c1", Lang::Nl).unwrap();
    let shown = rows[0].message.clone().unwrap_or_default();
    assert!(shown.contains("wijkt af van de voorvertoning"), "{shown}");
    let kept = rows[0].answer.clone().expect("History keeps the answer");
    assert_eq!(kept.state.as_deref(), Some("Concept"));
    assert_eq!(kept.totals, answer.totals);
}

// ---- warnings ----

#[test]
fn an_ambiguous_name_without_a_number_is_a_warning_on_the_relation() {
    let store = store_with("s", "silvasoft", None);
    let caps = silvasoft_caps();
    store
        .apply_relations(
            "s",
            "",
            &SyncPage {
                items: vec![customer("1", None), customer("2", None)],
                removed: vec![],
                cursor: String::new(),
                done: true,
                full_reload: true,
            },
        )
        .unwrap();
    let mut d = Draft::new("s", &caps, today());
    d.relation = Some(customer("1", None));
    let ev = desk::evaluate_with_warnings(&store, &Fake::default(), &d, &caps);
    assert_eq!(ev.warnings.len(), 1);
    assert_eq!(ev.warnings[0].field, "relation");
    assert!(ev.warnings[0]
        .message
        .en
        .contains("2 customers share this name"));
    assert!(ev.warnings[0].message.nl.contains("2 klanten"));
    // With a customer number the number wins: no warning.
    d.relation = Some(customer("1", Some("17")));
    assert!(
        desk::evaluate_with_warnings(&store, &Fake::default(), &d, &caps)
            .warnings
            .is_empty()
    );
}

// ---- offline ----

#[tokio::test]
async fn offline_the_administrations_from_last_time_are_listed() {
    let store = store_with("c1", "afas", None);
    let fake = Fake::with(vec![], true);
    let list = vec![Administration {
        id: "1".into(),
        name: "Bakkerij".into(),
    }];
    *fake.administrations.lock().unwrap() = Some(list.clone());
    assert_eq!(
        desk::administrations(&store, &fake, "c1").await.unwrap(),
        list
    );
    *fake.administrations.lock().unwrap() = None;
    assert_eq!(
        desk::administrations(&store, &fake, "c1").await.unwrap(),
        list
    );
    // Another connection has no list from last time: the error is the answer.
    let e = desk::administrations(&store, &fake, "c2")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Offline);
}

// ---- the draft follows the connection ----

#[test]
fn a_fresh_draft_takes_the_chosen_administration_only_where_there_are_administrations() {
    let store = store_with("c1", "afas", Some("adm"));
    let d = desk::fresh_draft(&store, "c1", &caps(), today()).unwrap();
    assert_eq!(d.administration_id.as_deref(), Some("adm"));
    assert_eq!(store.open_draft("c1").unwrap().map(|o| o.id), Some(d.id));
    let d = desk::fresh_draft(&store, "c1", &silvasoft_caps(), today()).unwrap();
    assert_eq!(d.administration_id, None);
    let e = desk::fresh_draft(&store, "gone", &caps(), today()).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
}

#[test]
fn choosing_another_administration_clears_the_products_of_the_open_draft() {
    let store = store_with("c1", "afas", Some("adm"));
    let d = valid_draft(&store);
    desk::select_administration(&store, "c1", "adm").unwrap();
    let same = store.draft(d.id).unwrap().unwrap();
    assert!(
        same.lines[0].product.is_some(),
        "the same choice keeps them"
    );
    desk::select_administration(&store, "c1", "other").unwrap();
    let moved = store.draft(d.id).unwrap().unwrap();
    assert_eq!(moved.administration_id.as_deref(), Some("other"));
    assert!(moved.lines[0].product.is_none());
    assert_eq!(moved.lines[0].quantity, "4", "what was typed stays");
    assert_eq!(
        store
            .connection("c1")
            .unwrap()
            .unwrap()
            .administration_id
            .as_deref(),
        Some("other")
    );
}

#[test]
fn the_current_draft_is_the_open_one_or_a_fresh_one() {
    let store = store_with("c1", "afas", Some("adm"));
    let first = desk::current_draft(&store, &Fake::default(), "c1", &caps(), today()).unwrap();
    let again = desk::current_draft(&store, &Fake::default(), "c1", &caps(), today()).unwrap();
    assert_eq!(first.draft.id, again.draft.id);
    let new = desk::new_draft(&store, &Fake::default(), "c1", &caps(), today()).unwrap();
    assert_ne!(new.draft.id, first.draft.id);
}

// ---- the files of a draft are not the web view's to say ----

fn attachment(name: &str) -> invoice_desk_core::invoice::DraftAttachment {
    invoice_desk_core::invoice::DraftAttachment {
        path: format!("/home/klerk/{name}"),
        file_name: name.into(),
        size: 16,
        sha256: "ab".repeat(32),
        content_type: "application/pdf".into(),
        ..Default::default()
    }
}

#[test]
fn a_save_keeps_the_recorded_files_whatever_the_web_view_sends() {
    let store = store_with("c1", "afas", Some("adm"));
    let d = valid_draft(&store);
    let a = attachment("werkbon.pdf");
    let with = desk::add_attachments(&store, d.id, vec![a.clone()]).unwrap();
    assert_eq!(with.attachments, vec![a.clone()]);

    let mut forged = with.clone();
    forged.reference = "typed".into();
    forged.attachments[0].path = "/etc/shadow".into();
    forged.attachments.push(attachment("passwd"));
    let saved = desk::save_typed(&store, forged, chrono::Utc::now()).unwrap();
    assert_eq!(saved.attachments, vec![a.clone()]);
    let stored = store.draft(d.id).unwrap().unwrap();
    assert_eq!(stored.reference, "typed", "what was typed is saved");
    assert_eq!(
        stored.attachments,
        vec![a.clone()],
        "the files are as picked"
    );

    let after = desk::remove_attachment(&store, d.id, a.id).unwrap();
    assert!(after.attachments.is_empty());
    desk::save_typed(&store, with, chrono::Utc::now()).unwrap();
    assert!(store.draft(d.id).unwrap().unwrap().attachments.is_empty());

    let e = desk::remove_attachment(&store, Uuid::new_v4(), a.id).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
}

// ---- type-ahead ----

#[test]
fn relations_shared_by_the_administrations_are_searched_once_for_all() {
    let store = store_with("c1", "afas", Some("adm"));
    let page = SyncPage {
        items: vec![customer("1", Some("17"))],
        removed: vec![],
        cursor: String::new(),
        done: true,
        full_reload: true,
    };
    store.apply_relations("c1", "", &page).unwrap();
    let shared = Capabilities {
        relations_per_administration: false,
        products_per_administration: true,
        header: Vec::new(),
        description_max_len: None,
        ..caps()
    };
    let found = desk::search_relations(&store, Some(&shared), "c1", "adm", "Jansen", None).unwrap();
    assert_eq!(found.len(), 1);
    // Per administration, or without capabilities: the administration is the scope.
    assert!(
        desk::search_relations(&store, Some(&caps()), "c1", "adm", "Jansen", None)
            .unwrap()
            .is_empty()
    );
    assert!(
        desk::search_relations(&store, None, "c1", "adm", "Jansen", None)
            .unwrap()
            .is_empty()
    );
}

// ---- retry now ----

#[test]
fn retry_now_makes_one_waiting_invoice_or_all_of_them_due_at_once() {
    let store = store_with("c1", "afas", Some("adm"));
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    let mut ids = vec![];
    for _ in 0..2 {
        let d = valid_draft(&store);
        let invoice = invoice_desk_core::invoice::to_outgoing(&d, &caps()).unwrap();
        store.enqueue(&d, &invoice).unwrap();
        store.schedule_retry(d.id, later).unwrap();
        ids.push(d.id);
    }
    let now = chrono::Utc::now();
    assert!(store.due(now).unwrap().is_empty());
    assert_eq!(desk::retry_now(&store, Some(ids[0]), now).unwrap(), 1);
    let due: Vec<Uuid> = store.due(now).unwrap().iter().map(|e| e.draft_id).collect();
    assert_eq!(due, vec![ids[0]]);
    assert_eq!(desk::retry_now(&store, None, now).unwrap(), 2);
    assert_eq!(store.due(now).unwrap().len(), 2);
}

// ---- a system without a writer ----

/// A made-up system whose API only reads: no writer, no look-up lists.
struct ReadOnly;

#[async_trait::async_trait]
impl invoice_desk_core::backend::Backend for ReadOnly {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            kind: SystemId::new("read-only"),
            creates_invoices: false,
            system_name: "Alleen Lezen".into(),
            ..caps()
        }
    }
    async fn test_connection(&self) -> invoice_desk_core::error::Result<Text> {
        Ok(Text::new("gelezen", "read"))
    }
    async fn administrations(&self) -> invoice_desk_core::error::Result<Vec<Administration>> {
        Ok(vec![])
    }
}

#[test]
fn creates_invoices_is_declared_exactly_when_a_backend_has_a_writer() {
    use invoice_desk_core::backend::Backend;
    let fake = Fake::with(vec![], true);
    assert!(fake.writer().is_some());
    assert!(fake.capabilities().creates_invoices);
    assert!(ReadOnly.writer().is_none());
    assert!(!ReadOnly.capabilities().creates_invoices);
}

#[tokio::test]
async fn a_read_only_system_sends_nothing_and_the_desk_says_it_cannot_send_invoices() {
    use invoice_desk_core::backend::Backend;
    let store = store_with("ro", "read-only", None);
    let caps = ReadOnly.capabilities();
    let view = desk::current_draft(&store, &ReadOnly, "ro", &caps, today()).unwrap();
    let Err(e) = desk::submit(
        &store,
        &ReadOnly,
        &caps,
        view.draft.id,
        Lang::En,
        today(),
        &noop,
    )
    .await
    else {
        panic!("a system without a writer sent an invoice");
    };
    assert_eq!(e.code, ErrorCode::Config);
    assert!(
        e.message.en.contains("cannot send invoices"),
        "{}",
        e.message.en
    );
    assert!(e.message.nl.contains("geen facturen versturen"));
    // Nothing was queued, and the draft is still the clerk's.
    assert!(store.outbox_entry(view.draft.id).unwrap().is_none());
    assert_eq!(
        store.open_draft("ro").unwrap().map(|d| d.id),
        Some(view.draft.id)
    );
    // A look-up refresh has nothing to bring, and says so without an error.
    let n = invoice_desk_core::sync::sync_list(
        &ReadOnly,
        &store,
        "ro",
        "",
        invoice_desk_core::store::Entity::Relations,
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn only_an_http_or_https_address_with_a_host_is_offered_as_a_document_to_open() {
    for ok in [
        "https://api.example.com/pdf/invoice_1.pdf",
        "http://127.0.0.1:8123/mollie/pdf/invoice_1.pdf",
        "HTTPS://Example.COM/a?b=c#d",
        "  https://example.com/x.pdf  ",
        "http://[::1]:8080/x.pdf",
    ] {
        assert_eq!(desk::document_link(ok), Some(ok.trim().to_string()), "{ok}");
    }
    for bad in [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "ftp://example.com/x.pdf",
        "ms-settings:privacy",
        "/pdf/invoice_1.pdf",
        "https://",
        "https:///x.pdf",
        "https://user:secret@example.com/x.pdf",
        "https://example.com/a b.pdf",
        "https://example.com/x\n.pdf",
        "https://exa\\mple.com/x.pdf",
        "https://example.com:abc/x.pdf",
        "https://[::1]x/x.pdf",
        "https://[zz]/x.pdf",
        "",
    ] {
        assert_eq!(desk::document_link(bad), None, "{bad:?}");
    }
}

#[tokio::test]
async fn the_document_link_is_kept_with_the_sent_invoice_and_offered_after_sending_and_in_history()
{
    let store = store_with("c1", "afas", Some("adm"));
    let url = "https://docs.example.com/pdf/invoice_42.pdf";
    let fake = Fake {
        document_url: Some(url.into()),
        ..Fake::with(vec![], true)
    };
    let d = valid_draft(&store);
    let sent = desk::submit(&store, &fake, &caps(), d.id, Lang::En, today(), &noop)
        .await
        .unwrap();
    assert_eq!(
        sent.answer.and_then(|a| a.document_url).as_deref(),
        Some(url)
    );
    let h = desk::history(&store, "c1", Lang::Nl).unwrap();
    assert_eq!(
        h[0].answer.as_ref().and_then(|a| a.document_url.as_deref()),
        Some(url)
    );
    assert_eq!(desk::document_url(&store, d.id).unwrap(), url);
    // A second Send of the same draft answers from the outbox row, with the link.
    let again = invoice_desk_core::submit::submit_draft(
        &store,
        &fake,
        &caps(),
        d.id,
        invoice_desk_core::submit::RetryPolicy::default(),
        &noop,
    )
    .await
    .unwrap();
    let invoice_desk_core::submit::Outcome::Sent(r) = again else {
        panic!("not sent: {again:?}")
    };
    assert_eq!(r.document_url.as_deref(), Some(url));
    assert_eq!(*fake.submits.lock().unwrap(), 1);
    // An invoice that is not in the outbox has no document.
    assert_eq!(
        desk::document_url(&store, Uuid::new_v4()).unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn a_document_address_that_is_not_a_web_address_is_neither_offered_nor_opened() {
    let store = store_with("c1", "afas", Some("adm"));
    let fake = Fake {
        document_url: Some("file:///home/clerk/.ssh/id_rsa".into()),
        ..Fake::with(vec![], true)
    };
    let d = valid_draft(&store);
    let sent = desk::submit(&store, &fake, &caps(), d.id, Lang::En, today(), &noop)
        .await
        .unwrap();
    assert_eq!(sent.answer.and_then(|a| a.document_url), None);
    let h = desk::history(&store, "c1", Lang::En).unwrap();
    assert_eq!(
        h[0].answer.as_ref().and_then(|a| a.document_url.clone()),
        None
    );
    assert_eq!(
        desk::document_url(&store, d.id).unwrap_err().code,
        ErrorCode::Config
    );
    // Without any document the answer says so.
    let store = store_with("c1", "afas", Some("adm"));
    let fake = Fake::with(vec![], true);
    let d = valid_draft(&store);
    desk::submit(&store, &fake, &caps(), d.id, Lang::En, today(), &noop)
        .await
        .unwrap();
    assert_eq!(
        desk::document_url(&store, d.id).unwrap_err().code,
        ErrorCode::NotFound
    );
}
