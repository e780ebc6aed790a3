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

/// Recipient fields as a system with consumers and businesses declares them: a person's given
/// and family name, a business's trading name and numbers, a region required for one country.
fn business_and_consumer_fields() -> Vec<FieldSpec> {
    use invoice_desk_core::backend::Choice;
    use invoice_desk_core::fields::Condition;
    let person = Condition::new("kind", &["person"]);
    let organisation = Condition::new("kind", &["organisation"]);
    let shown = |key: &str, when: &Condition, required: bool| FieldSpec {
        shown_when: Some(when.clone()),
        required_when: required.then(|| when.clone()),
        ..text_field(key, false)
    };
    vec![
        shown("given_name", &person, true),
        shown("family_name", &person, true),
        shown("organization_name", &organisation, false),
        shown("organization_number", &organisation, false),
        shown("vat_number", &organisation, false),
        text_field("email", true),
        FieldSpec {
            required_when: Some(Condition::new("country", &["US", "CA"])),
            ..text_field("region", false)
        },
        FieldSpec {
            kind: FieldKind::Choice {
                options: vec![
                    Choice::new("NL", "Nederland", "Netherlands"),
                    Choice::new("BE", "België", "Belgium"),
                    Choice::new("US", "Verenigde Staten", "United States"),
                ],
            },
            default: Some("NL".into()),
            ..text_field("country", true)
        },
    ]
}

fn typed(kind: RelationKind, pairs: &[(&str, &str)]) -> RecipientInput {
    RecipientInput {
        id: None,
        kind,
        name: "Jansen".into(),
        values: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn issue_fields(input: &RecipientInput, fields: &[FieldSpec]) -> Vec<String> {
    let mut f: Vec<String> = desk::check_recipient(input, fields)
        .into_iter()
        .map(|i| i.field)
        .collect();
    f.sort();
    f
}

#[test]
fn a_recipients_fields_are_shown_and_required_by_its_kind_and_by_other_fields() {
    let fields = business_and_consumer_fields();
    // A consumer needs a given and a family name; a business's fields are hidden, not checked.
    let consumer = typed(
        RelationKind::Person,
        &[
            ("email", "a@b.nl"),
            ("country", "NL"),
            ("organization_number", "x"),
        ],
    );
    assert_eq!(
        issue_fields(&consumer, &fields),
        vec!["recipient.family_name", "recipient.given_name"]
    );
    let by_key = |k: &str| fields.iter().find(|f| f.key == k).unwrap();
    assert!(!desk::recipient_field_shown(
        by_key("vat_number"),
        &consumer,
        &fields
    ));
    assert!(desk::recipient_field_required(
        by_key("given_name"),
        &consumer,
        &fields
    ));
    // A business does not need them (hidden), and a region only in a country that has them.
    let business = typed(
        RelationKind::Organisation,
        &[("email", "a@b.nl"), ("country", "US")],
    );
    assert_eq!(issue_fields(&business, &fields), vec!["recipient.region"]);
    assert!(!desk::recipient_field_shown(
        by_key("given_name"),
        &business,
        &fields
    ));
    assert!(desk::recipient_field_shown(
        by_key("organization_name"),
        &business,
        &fields
    ));
    let mut fixed = business.clone();
    fixed.values.insert("region".into(), "NY".into());
    assert!(issue_fields(&fixed, &fields).is_empty());
    // A choice outside its options is still refused.
    let mut bad = fixed.clone();
    bad.values.insert("country".into(), "XX".into());
    assert_eq!(issue_fields(&bad, &fields), vec!["recipient.country"]);
}

#[test]
fn a_consumer_saved_with_its_names_is_kept_with_them_and_a_hidden_value_stays() {
    let store = Store::open_in_memory().unwrap();
    let caps = Capabilities {
        relations: RelationSource::Local {
            fields: business_and_consumer_fields(),
        },
        administrations: false,
        ..caps()
    };
    let e = desk::save_recipient(
        &store,
        &caps,
        "c1",
        typed(
            RelationKind::Person,
            &[("email", "a@b.nl"), ("country", "NL")],
        ),
        chrono::Utc::now(),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    let r = desk::save_recipient(
        &store,
        &caps,
        "c1",
        typed(
            RelationKind::Person,
            &[
                ("email", "a@b.nl"),
                ("country", "NL"),
                ("given_name", "Piet"),
                ("family_name", "Jansen"),
                ("vat_number", "NL001234567B01"),
            ],
        ),
        chrono::Utc::now(),
    )
    .unwrap();
    assert_eq!(r.values.get("given_name").map(String::as_str), Some("Piet"));
    assert_eq!(r.vat_number.as_deref(), Some("NL001234567B01"));
}

#[test]
fn an_archived_recipient_is_said_on_the_relation_field_while_the_clerk_types() {
    let store = Store::open_in_memory().unwrap();
    let caps = local_caps();
    let fake = Fake::with(vec![], true);
    let r = save(&store, &caps, None, "inkoop@devries.nl");
    let d = draft_for(&store, &caps, &r);
    let ev = desk::evaluate_with_warnings(&store, &fake, &d, &caps);
    assert!(
        ev.issues.iter().all(|i| i.field != "relation"),
        "{:?}",
        ev.issues
    );
    desk::archive_recipient(&store, "c1", &r.id, true, chrono::Utc::now()).unwrap();
    let ev = desk::evaluate_with_warnings(&store, &fake, &d, &caps);
    let on_relation: Vec<_> = ev.issues.iter().filter(|i| i.field == "relation").collect();
    assert_eq!(on_relation.len(), 1, "{:?}", ev.issues);
    assert!(on_relation[0].message.en.contains("is archived"));
}

#[tokio::test]
async fn the_systems_own_check_sees_the_recipients_declared_values_while_the_clerk_types_and_at_send(
) {
    let store = Store::open_in_memory().unwrap();
    let caps = local_caps();
    // A rule of the system on a value only the address book holds (a business's number, a
    // country): the check must see the recipient, not only its name on the relation field.
    let fake = Fake {
        recipient_rule: Some("city"),
        ..Fake::with(vec![Script::Ok], true)
    };
    let r = save(&store, &caps, None, "inkoop@devries.nl");
    let d = draft_for(&store, &caps, &r);
    let ev = desk::evaluate_with_warnings(&store, &fake, &d, &caps);
    assert!(
        ev.issues.iter().all(|i| i.field != "recipient.city"),
        "the recipient has a city: {:?}",
        ev.issues
    );

    // Without the value: said while typing, and Send queues nothing.
    let values: BTreeMap<String, String> = [
        ("email", "inkoop@devries.nl"),
        ("street_and_number", "Markt 1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    desk::save_recipient(
        &store,
        &caps,
        "c1",
        RecipientInput {
            id: Some(r.id.clone()),
            kind: RelationKind::Organisation,
            name: r.name.clone(),
            values,
        },
        chrono::Utc::now(),
    )
    .unwrap();
    let ev = desk::evaluate_with_warnings(&store, &fake, &d, &caps);
    assert!(
        ev.issues.iter().any(|i| i.field == "recipient.city"),
        "{:?}",
        ev.issues
    );
    let refused = submit_draft(&store, &fake, &caps, d.id, fast(), &noop).await;
    assert!(refused.is_err(), "{refused:?}");
    assert!(fake.submitted.lock().unwrap().is_empty());

    // With it again: sent, with the value.
    save(&store, &caps, Some(&r.id), "inkoop@devries.nl");
    let out = submit_draft(&store, &fake, &caps, d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Sent(_)), "{out:?}");
}
