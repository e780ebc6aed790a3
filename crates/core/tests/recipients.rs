//! A recipient from the local address book reaches the system at Send: with every declared
//! value, fixed in the queued invoice so every retry sends the same, and refused on the
//! relation field when it was deleted or archived since it was chosen.

mod common;

use common::*;
use invoice_desk_core::backend::{Capabilities, FieldKind, FieldSpec, RelationKind};
use invoice_desk_core::desk;
use invoice_desk_core::error::ErrorCode;
use invoice_desk_core::i18n::Text;
use invoice_desk_core::invoice::{Draft, DraftLine};
use invoice_desk_core::lists::{Recipient, RecipientInput, RelationSource};
use invoice_desk_core::store::{Store, SubmissionState};
use invoice_desk_core::submit::{resume, submit_draft, Outcome, RetryPolicy};
use std::collections::BTreeMap;
use std::time::Duration;

fn fast() -> RetryPolicy {
    RetryPolicy {
        attempts: 1,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    }
}

fn noop(_: uuid::Uuid, _: u64, _: u64) {}

fn text_field(key: &str, required: bool) -> FieldSpec {
    FieldSpec {
        shown_when: None,
        required_when: None,
        key: key.into(),
        label: Text::new(key, key),
        kind: FieldKind::Text { max_len: None },
        required,
        default: None,
        help: None,
    }
}

fn local_caps() -> Capabilities {
    Capabilities {
        relations: RelationSource::Local {
            fields: vec![
                text_field("email", true),
                text_field("street_and_number", true),
                text_field("city", false),
            ],
        },
        administrations: false,
        ..caps()
    }
}

fn save(store: &Store, caps: &Capabilities, id: Option<&str>, email: &str) -> Recipient {
    let values: BTreeMap<String, String> = [
        ("email", email),
        ("street_and_number", "Markt 1"),
        ("city", "Delft"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    desk::save_recipient(
        store,
        caps,
        "c1",
        RecipientInput {
            id: id.map(String::from),
            kind: RelationKind::Organisation,
            name: "Bakkerij de Vries".into(),
            values,
        },
        chrono::Utc::now(),
    )
    .unwrap()
}

fn draft_for(store: &Store, caps: &Capabilities, r: &Recipient) -> Draft {
    let mut d = Draft::new(
        "c1",
        caps,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
    );
    d.relation = Some(r.as_relation());
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

#[tokio::test]
async fn a_local_recipient_goes_out_with_every_declared_value_and_every_retry_sends_the_same() {
    let store = Store::open_in_memory().unwrap();
    let caps = local_caps();
    let r = save(&store, &caps, None, "inkoop@devries.nl");
    let d = draft_for(&store, &caps, &r);
    let fake = Fake::with(vec![Script::Offline], true);
    let out = submit_draft(&store, &fake, &caps, d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Queued(_)), "{out:?}");
    let entry = store.outbox_entry(d.id).unwrap().unwrap();
    assert_eq!(
        entry.payload.as_ref().and_then(|p| p.recipient.clone()),
        Some(r.clone())
    );

    // The clerk changes the recipient while the invoice waits: the retry still sends what was
    // queued.
    let changed = save(&store, &caps, Some(&r.id), "boekhouding@devries.nl");
    assert_eq!(changed.id, r.id);
    let out = resume(&store, &fake, entry, fast(), &noop).await.unwrap();
    assert!(matches!(out, Outcome::Sent(_)), "{out:?}");
    let sent = fake.submitted.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    for inv in &sent {
        let got = inv.recipient.as_ref().expect("the recipient goes out");
        assert_eq!(got.id, r.id);
        assert_eq!(
            got.values.get("email").map(String::as_str),
            Some("inkoop@devries.nl")
        );
        assert_eq!(
            got.values.get("street_and_number").map(String::as_str),
            Some("Markt 1")
        );
        assert_eq!(got.values.get("city").map(String::as_str), Some("Delft"));
        assert_eq!(inv.relation.id, r.id);
    }
    assert_eq!(sent[0], sent[1]);
}

#[tokio::test]
async fn a_recipient_deleted_or_archived_since_it_was_chosen_is_refused_on_the_relation_field() {
    let store = Store::open_in_memory().unwrap();
    let caps = local_caps();
    let fake = Fake::with(vec![], true);

    // Archived after it was chosen.
    let r = save(&store, &caps, None, "inkoop@devries.nl");
    let d = draft_for(&store, &caps, &r);
    desk::archive_recipient(&store, "c1", &r.id, true, chrono::Utc::now()).unwrap();
    let e = submit_draft(&store, &fake, &caps, d.id, fast(), &noop)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.fields.len(), 1);
    assert_eq!(e.fields[0].field, "relation");
    assert!(
        e.fields[0].message.en.contains("is archived"),
        "{:?}",
        e.fields
    );
    assert!(
        store.outbox_entry(d.id).unwrap().is_none(),
        "nothing queued"
    );
    assert!(store.draft_is_open(d.id).unwrap());

    // No longer in the address book at all (a recipient of another connection, or gone).
    let mut ghost = r.clone();
    ghost.id = "no-such-recipient".into();
    ghost.archived = false;
    let d = draft_for(&store, &caps, &ghost);
    let e = submit_draft(&store, &fake, &caps, d.id, fast(), &noop)
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "relation");
    assert!(
        e.fields[0]
            .message
            .nl
            .contains("staat niet meer in het adresboek"),
        "{:?}",
        e.fields
    );
    assert!(store.outbox_entry(d.id).unwrap().is_none());
    assert_eq!(*fake.submits.lock().unwrap(), 0, "nothing was sent");
}

#[tokio::test]
async fn a_recipient_missing_a_value_the_system_now_requires_is_refused_before_queueing() {
    let store = Store::open_in_memory().unwrap();
    let caps = local_caps();
    let r = save(&store, &caps, None, "inkoop@devries.nl");
    let d = draft_for(&store, &caps, &r);
    // The system's declared fields gained a required one since the recipient was saved.
    let mut stricter = caps.clone();
    if let RelationSource::Local { fields } = &mut stricter.relations {
        fields.push(text_field("postal_code", true));
    }
    let fake = Fake::with(vec![], true);
    let e = submit_draft(&store, &fake, &stricter, d.id, fast(), &noop)
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "relation");
    assert!(
        e.fields[0].message.en.contains("postal_code"),
        "{:?}",
        e.fields
    );
    assert!(store.outbox_entry(d.id).unwrap().is_none());
}

#[tokio::test]
async fn a_synced_relation_goes_out_without_a_recipient() {
    let store = Store::open_in_memory().unwrap();
    let mut d = Draft::new(
        "c1",
        &caps(),
        chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
    );
    d.administration_id = Some("adm".into());
    d.relation = Some(relation("r1", "Bakkerij de Vries B.V."));
    d.lines = vec![DraftLine {
        product: Some(product("p1", "Brood", "2.50")),
        quantity: "1".into(),
        unit_price: "2,50".into(),
        vat_code: "low".into(),
        ..DraftLine::default()
    }];
    store.save_draft(&d).unwrap();
    let fake = Fake::with(vec![], true);
    let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Sent(_)));
    assert_eq!(
        store.outbox_entry(d.id).unwrap().unwrap().state,
        SubmissionState::Sent
    );
    assert!(fake.submitted.lock().unwrap()[0].recipient.is_none());
}
