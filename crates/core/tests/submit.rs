mod common;

use common::*;
use invoice_desk_core::invoice::{Draft, DraftLine};
use invoice_desk_core::store::{Store, SubmissionState};
use invoice_desk_core::submit::{resume, submit_draft, Outcome, RetryPolicy};
use std::time::Duration;

fn fast() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    }
}

fn valid_draft(store: &Store) -> Draft {
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
    store.save_draft(&d).unwrap();
    d
}

fn noop(_: uuid::Uuid, _: u64, _: u64) {}

#[tokio::test]
async fn sends_once_and_a_second_submit_returns_the_same_receipt() {
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(vec![], true);
    let d = valid_draft(&store);
    let a = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    let b = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    let (Outcome::Sent(ra), Outcome::Sent(rb)) = (a, b) else {
        panic!("not sent")
    };
    assert_eq!(ra.remote_id, rb.remote_id);
    assert_eq!(*fake.submits.lock().unwrap(), 1);
    assert_eq!(fake.stored_count(), 1);
    let e = store.outbox_entry(d.id).unwrap().unwrap();
    assert_eq!(e.state, SubmissionState::Sent);
    assert_eq!(e.identity, d.identity);
    assert!(!store.draft_is_open(d.id).unwrap());
}

#[tokio::test]
async fn lost_answer_is_looked_up_not_resent() {
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(vec![Script::StoreThenDrop], true);
    let d = valid_draft(&store);
    let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Sent(_)), "{out:?}");
    assert_eq!(fake.stored_count(), 1);
    assert_eq!(
        *fake.submits.lock().unwrap(),
        1,
        "no second POST after the lookup found it"
    );
}

#[tokio::test]
async fn lost_answer_that_cannot_be_checked_is_uncertain() {
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(vec![Script::StoreThenDrop], false);
    let d = valid_draft(&store);
    let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Uncertain(_)), "{out:?}");
    assert_eq!(
        store.outbox_entry(d.id).unwrap().unwrap().state,
        SubmissionState::Uncertain
    );
    assert_eq!(fake.stored_count(), 1);
}

#[tokio::test]
async fn offline_is_retried_with_the_same_identity_then_queued() {
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(
        vec![Script::Offline, Script::ServerError, Script::Offline],
        true,
    );
    let d = valid_draft(&store);
    let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Queued(_)), "{out:?}");
    let e = store.outbox_entry(d.id).unwrap().unwrap();
    assert_eq!(e.state, SubmissionState::Queued);
    assert_eq!(e.attempts, 3);
    // Back end answers again: the next resume sends it, same identity.
    let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Sent(_)));
    assert!(fake.stored.lock().unwrap().contains_key(&d.identity));
}

#[tokio::test]
async fn refusal_is_final_and_reopens_the_draft_with_a_new_identity() {
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(vec![Script::Refuse], true);
    let d = valid_draft(&store);
    let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    let Outcome::Refused(e) = out else {
        panic!("not refused")
    };
    assert_eq!(e.field.as_deref(), Some("relation"));
    assert_eq!(*fake.submits.lock().unwrap(), 1, "a refusal is not retried");
    let reopened = store.open_draft("c1").unwrap().unwrap();
    assert_ne!(reopened.identity, d.identity);
    assert_eq!(reopened.lines, d.lines, "nothing typed is lost");
    assert_eq!(
        store.outbox_entry(d.id).unwrap().unwrap().state,
        SubmissionState::Refused
    );
}

#[tokio::test]
async fn a_refused_invoice_is_not_sent_again_by_a_second_click() {
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(vec![Script::Refuse], true);
    let d = valid_draft(&store);
    let first = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(first, Outcome::Refused(_)), "{first:?}");
    // The double click waited for the first and now finds the refused row.
    let second = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    let Outcome::Refused(e) = second else {
        panic!("not refused: {second:?}")
    };
    assert_eq!(e.code, invoice_desk_core::error::ErrorCode::Refused);
    assert_eq!(
        *fake.submits.lock().unwrap(),
        1,
        "the refused identity is spent"
    );
    assert_eq!(fake.stored_count(), 0);
    assert_eq!(
        store.outbox_entry(d.id).unwrap().unwrap().state,
        SubmissionState::Refused
    );
}

#[tokio::test]
async fn a_stale_outbox_row_is_read_again_before_sending() {
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(
        vec![Script::Offline, Script::Offline, Script::Offline],
        true,
    );
    let d = valid_draft(&store);
    submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    // The background worker lists the waiting row ...
    let listed = store.outbox_entry(d.id).unwrap().unwrap();
    assert_eq!(listed.state, SubmissionState::Queued);
    // ... a click sends it meanwhile ...
    let clicked = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(clicked, Outcome::Sent(_)), "{clicked:?}");
    let submits = *fake.submits.lock().unwrap();
    // ... and the worker comes to its copy of the row.
    let out = resume(&store, &fake, listed, fast(), &noop).await.unwrap();
    assert!(matches!(out, Outcome::Sent(_)), "{out:?}");
    assert_eq!(*fake.submits.lock().unwrap(), submits, "not sent again");
    assert_eq!(*fake.lookups.lock().unwrap(), 0);
}

#[tokio::test]
async fn an_uncertain_invoice_is_not_sent_while_the_look_up_fails() {
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(vec![Script::StoreThenDrop], true);
    *fake.failing_lookups.lock().unwrap() = 10;
    let d = valid_draft(&store);
    let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Uncertain(_)), "{out:?}");
    // Later, from the outbox: every look-up fails, so nothing is sent and it stays uncertain
    // (a queued row would be sent without asking next time).
    let entry = store.outbox_entry(d.id).unwrap().unwrap();
    let out = resume(&store, &fake, entry, fast(), &noop).await.unwrap();
    assert!(matches!(out, Outcome::Uncertain(_)), "{out:?}");
    assert_eq!(
        *fake.submits.lock().unwrap(),
        1,
        "no resend without an answer"
    );
    let entry = store.outbox_entry(d.id).unwrap().unwrap();
    assert_eq!(entry.state, SubmissionState::Uncertain);
    // The back end answers again: found, still one submit.
    *fake.failing_lookups.lock().unwrap() = 0;
    let out = resume(&store, &fake, entry, fast(), &noop).await.unwrap();
    assert!(matches!(out, Outcome::Sent(_)), "{out:?}");
    assert_eq!(*fake.submits.lock().unwrap(), 1);
    assert_eq!(fake.stored_count(), 1);
}

#[tokio::test]
async fn invalid_draft_is_not_queued() {
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(vec![], true);
    let mut d = valid_draft(&store);
    d.lines[0].quantity = "4,5x".into();
    d.relation = None;
    store.save_draft(&d).unwrap();
    let err = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap_err();
    assert_eq!(err.code, invoice_desk_core::error::ErrorCode::Validation);
    let fields: Vec<_> = err.fields.iter().map(|f| f.field.as_str()).collect();
    assert!(fields.contains(&"relation"));
    assert!(fields.contains(&"lines[0].quantity"));
    assert!(store.outbox_entry(d.id).unwrap().is_none());
    assert!(store.draft_is_open(d.id).unwrap());
    assert_eq!(
        store.draft(d.id).unwrap().unwrap().lines[0].quantity,
        "4,5x"
    );
}

#[tokio::test]
async fn attachments_are_uploaded_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bon.pdf");
    std::fs::write(&file, b"%PDF-1.4 test").unwrap();
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(
        vec![Script::Offline, Script::Offline, Script::Offline],
        true,
    );
    let mut d = valid_draft(&store);
    d.attachments
        .push(invoice_desk_core::invoice::DraftAttachment {
            path: file.display().to_string(),
            file_name: "bon.pdf".into(),
            size: 13,
            content_type: "application/pdf".into(),
            ..Default::default()
        });
    store.save_draft(&d).unwrap();
    let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Queued(_)));
    let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    let Outcome::Sent(_) = out else { panic!() };
    assert_eq!(fake.uploads.lock().unwrap().len(), 1);
    let e = store.outbox_entry(d.id).unwrap().unwrap();
    assert_eq!(
        e.payload.unwrap().attachments,
        vec![d.attachments[0].id.to_string()]
    );
}

#[test]
fn a_vendor_line_index_maps_to_the_draft_row() {
    let store = Store::open_in_memory().unwrap();
    let mut d = valid_draft(&store);
    d.lines.insert(0, DraftLine::default()); // a blank row before the filled one
    assert_eq!(
        invoice_desk_core::invoice::draft_field(&d, "lines[0].quantity"),
        "lines[1].quantity"
    );
    assert_eq!(
        invoice_desk_core::invoice::draft_field(&d, "relation"),
        "relation"
    );
    assert_eq!(
        invoice_desk_core::invoice::draft_field(&d, "lines[9].x"),
        "lines[9].x"
    );
}

#[tokio::test]
async fn an_app_number_is_fixed_before_the_first_attempt_and_kept_on_retry() {
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(
        vec![Script::Offline, Script::Offline, Script::Offline],
        true,
    );
    let mut c = caps();
    c.app_numbering = Some(2026001);
    let d = valid_draft(&store);
    let out = submit_draft(&store, &fake, &c, d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Queued(_)));
    let first = store.outbox_entry(d.id).unwrap().unwrap().payload.unwrap();
    assert_eq!(first.extra_str("invoice_number"), Some("2026001"));
    submit_draft(&store, &fake, &c, d.id, fast(), &noop)
        .await
        .unwrap();
    let again = store.outbox_entry(d.id).unwrap().unwrap().payload.unwrap();
    assert_eq!(
        again.extra_str("invoice_number"),
        Some("2026001"),
        "the same number on retry"
    );
    let d2 = valid_draft(&store);
    submit_draft(&store, &fake, &c, d2.id, fast(), &noop)
        .await
        .unwrap();
    let second = store.outbox_entry(d2.id).unwrap().unwrap().payload.unwrap();
    assert_eq!(second.extra_str("invoice_number"), Some("2026002"));
}

#[test]
fn a_url_field_checks_its_extension() {
    use invoice_desk_core::backend::{FieldKind, FieldSpec};
    use invoice_desk_core::i18n::Text;
    let store = Store::open_in_memory().unwrap();
    let mut c = caps();
    c.header_fields.push(FieldSpec {
        key: "file_url".into(),
        shown_when: None,
        required_when: None,
        label: Text::new("Bestand", "File"),
        kind: FieldKind::Url {
            extensions: vec![".pdf".into(), ".png".into()],
        },
        required: false,
        default: None,
        help: None,
    });
    let mut d = valid_draft(&store);
    let issues = |d: &invoice_desk_core::invoice::Draft| {
        invoice_desk_core::validation::validate(d, &c)
            .into_iter()
            .filter(|i| i.field == "extra.file_url")
            .count()
    };
    assert_eq!(issues(&d), 0, "empty is fine when optional");
    d.extra
        .insert("file_url".into(), "https://x.nl/f/bon.PDF?dl=1".into());
    assert_eq!(issues(&d), 0);
    d.extra
        .insert("file_url".into(), "https://x.nl/f/bon.exe".into());
    assert_eq!(issues(&d), 1);
    d.extra.insert("file_url".into(), "bon.pdf".into());
    assert_eq!(issues(&d), 1);
}

#[test]
fn shared_relations_are_cached_once_per_environment() {
    let mut c = caps();
    assert_eq!(c.relation_scope(Some("adm-1")), Some("adm-1"));
    c.relations_per_administration = false;
    assert_eq!(c.relation_scope(Some("adm-1")), Some(""));
    assert_eq!(
        c.scope(Some("adm-1")),
        Some("adm-1"),
        "products stay per administration"
    );
    c.administrations = false;
    assert_eq!(c.relation_scope(None), Some(""));
}

// ---- a create that may have happened is never sent again blind ------------------------------

#[tokio::test]
async fn a_server_error_after_the_invoice_was_stored_is_looked_up_not_sent_again() {
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(vec![Script::StoreThenServerError], true);
    let d = valid_draft(&store);
    let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Sent(_)), "{out:?}");
    assert_eq!(
        *fake.submits.lock().unwrap(),
        1,
        "no blind resend after a 5xx"
    );
    assert_eq!(*fake.lookups.lock().unwrap(), 1);
    assert_eq!(
        store.outbox_entry(d.id).unwrap().unwrap().state,
        SubmissionState::Sent
    );
}

#[tokio::test]
async fn a_server_error_that_cannot_be_checked_stays_uncertain_and_is_not_sent_again() {
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(vec![Script::StoreThenServerError], true);
    *fake.failing_lookups.lock().unwrap() = 100;
    let d = valid_draft(&store);
    let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Uncertain(_)), "{out:?}");
    let e = store.outbox_entry(d.id).unwrap().unwrap();
    assert_eq!(e.state, SubmissionState::Uncertain);
    assert!(store.maybe_created(d.id).unwrap());
    let out = resume(&store, &fake, e, fast(), &noop).await.unwrap();
    assert!(matches!(out, Outcome::Uncertain(_)), "{out:?}");
    assert_eq!(*fake.submits.lock().unwrap(), 1);
}

#[tokio::test]
async fn may_have_been_created_is_kept_in_the_outbox_row_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let d;
    let stored;
    {
        let store = Store::open(dir.path()).unwrap();
        let fake = Fake::with(vec![Script::StoreThenServerError], true);
        *fake.failing_lookups.lock().unwrap() = 100;
        d = valid_draft(&store);
        let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
            .await
            .unwrap();
        assert!(matches!(out, Outcome::Uncertain(_)), "{out:?}");
        assert_eq!(*fake.submits.lock().unwrap(), 1);
        stored = fake.stored.lock().unwrap().clone();
    }
    // A restart: a new store on the same file, a new back end value that remembers nothing.
    // Even when the row's state says `queued` (as a recovery of rows may set it), the row's
    // own "may have been created" makes the next step a look-up, which finds the invoice.
    let store = Store::open(dir.path()).unwrap();
    assert!(store.maybe_created(d.id).unwrap());
    store
        .set_outbox_state(d.id, SubmissionState::Queued, None)
        .unwrap();
    let fake = Fake::with(vec![], true);
    *fake.stored.lock().unwrap() = stored;
    let entry = store.outbox_entry(d.id).unwrap().unwrap();
    let out = resume(&store, &fake, entry, fast(), &noop).await.unwrap();
    assert!(matches!(out, Outcome::Sent(_)), "{out:?}");
    assert_eq!(*fake.submits.lock().unwrap(), 0, "found, not sent again");
    assert_eq!(*fake.lookups.lock().unwrap(), 1);
}

#[tokio::test]
async fn a_definite_answer_clears_may_have_been_created_and_the_next_attempt_sends() {
    let store = Store::open_in_memory().unwrap();
    let fake = Fake::with(
        vec![Script::Offline, Script::Offline, Script::Offline],
        true,
    );
    let d = valid_draft(&store);
    let out = submit_draft(&store, &fake, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Queued(_)), "{out:?}");
    assert!(!store.maybe_created(d.id).unwrap());
    let entry = store.outbox_entry(d.id).unwrap().unwrap();
    let out = resume(&store, &fake, entry, fast(), &noop).await.unwrap();
    assert!(matches!(out, Outcome::Sent(_)), "{out:?}");
    assert_eq!(*fake.lookups.lock().unwrap(), 0, "nothing to look up");
}

/// A back end that notes, at each submit, whether the outbox row already said "may have been
/// created": the flag must be in the store before the request can reach the back end.
struct Probe<'a> {
    inner: Fake,
    store: &'a Store,
    draft_id: uuid::Uuid,
    seen: std::sync::Mutex<Vec<bool>>,
}

#[async_trait::async_trait]
impl invoice_desk_core::backend::Backend for Probe<'_> {
    fn capabilities(&self) -> invoice_desk_core::backend::Capabilities {
        caps()
    }
    async fn test_connection(
        &self,
    ) -> invoice_desk_core::error::Result<invoice_desk_core::i18n::Text> {
        Ok(invoice_desk_core::i18n::Text::new("proef", "probe"))
    }
    async fn administrations(
        &self,
    ) -> invoice_desk_core::error::Result<Vec<invoice_desk_core::backend::Administration>> {
        Ok(vec![])
    }
    fn writer(&self) -> Option<&dyn invoice_desk_core::backend::InvoiceWriter> {
        Some(self)
    }
    fn lookups(&self) -> Option<&dyn invoice_desk_core::backend::LookupSource> {
        Some(self)
    }
}

#[async_trait::async_trait]
impl invoice_desk_core::backend::InvoiceWriter for Probe<'_> {
    async fn upload_attachment(
        &self,
        a: &str,
        u: &invoice_desk_core::backend::Upload,
        p: invoice_desk_core::backend::Progress<'_>,
    ) -> invoice_desk_core::error::Result<String> {
        self.inner.upload_attachment(a, u, p).await
    }
    async fn submit(
        &self,
        inv: &invoice_desk_core::invoice::OutgoingInvoice,
    ) -> invoice_desk_core::error::Result<invoice_desk_core::backend::Receipt> {
        let flag = self.store.maybe_created(self.draft_id).unwrap();
        self.seen.lock().unwrap().push(flag);
        self.inner.submit(inv).await
    }
    async fn lookup(
        &self,
        inv: &invoice_desk_core::invoice::OutgoingInvoice,
    ) -> invoice_desk_core::error::Result<invoice_desk_core::backend::Lookup> {
        self.inner.lookup(inv).await
    }
}

#[async_trait::async_trait]
impl invoice_desk_core::backend::LookupSource for Probe<'_> {
    async fn sync_relations(
        &self,
        a: &str,
        c: Option<&str>,
    ) -> invoice_desk_core::error::Result<
        invoice_desk_core::backend::SyncPage<invoice_desk_core::backend::Relation>,
    > {
        self.inner.sync_relations(a, c).await
    }
    async fn sync_products(
        &self,
        a: &str,
        c: Option<&str>,
    ) -> invoice_desk_core::error::Result<
        invoice_desk_core::backend::SyncPage<invoice_desk_core::backend::Product>,
    > {
        self.inner.sync_products(a, c).await
    }
    async fn addresses(
        &self,
        a: &str,
        r: &invoice_desk_core::backend::Relation,
    ) -> invoice_desk_core::error::Result<Vec<invoice_desk_core::backend::Address>> {
        self.inner.addresses(a, r).await
    }
}

#[tokio::test]
async fn the_row_says_may_have_been_created_before_the_request_goes_out() {
    let store = Store::open_in_memory().unwrap();
    let d = valid_draft(&store);
    let probe = Probe {
        inner: Fake::with(vec![Script::Offline], true),
        store: &store,
        draft_id: d.id,
        seen: std::sync::Mutex::new(Vec::new()),
    };
    let out = submit_draft(&store, &probe, &caps(), d.id, fast(), &noop)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Sent(_)), "{out:?}");
    // Set before each attempt: the offline one (then cleared, nothing arrived) and the next.
    assert_eq!(*probe.seen.lock().unwrap(), vec![true, true]);
    assert_eq!(*probe.inner.lookups.lock().unwrap(), 0);
}
