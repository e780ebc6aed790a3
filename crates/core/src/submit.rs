//! Sending an invoice exactly once.
//!
//! 1. The draft is validated and written to the outbox (state `queued`) with the invoice
//!    exactly as it will be sent and its identity, before the first byte goes out. The draft is
//!    closed for editing in the same transaction.
//! 2. Attachments not yet uploaded are uploaded; each reference is stored as it arrives, so a
//!    retry never uploads a file twice.
//! 3. The invoice is sent with its identity (`sending`, attempts + 1).
//!    - an answer: `sent`, with the back end's id and number;
//!    - a refusal: `refused`; the draft goes back to the clerk with the messages on the fields,
//!      under a new identity (the refused one is spent: AFAS would replay the refusal);
//!    - a definite "not processed" (offline before sending, 429, 401): `queued`, retried
//!      later with the same identity;
//!    - the request may have reached the back end and no definite answer came (a 5xx, a lost,
//!      cut or unreadable answer): *uncertain*. The outbox row records "may have been
//!      created" before each request goes out, and only a definite answer or a look-up clears
//!      it; while it is set, the back end is asked whether the invoice exists before anything
//!      is sent again: found is `sent`, not found is sent again, and when it cannot tell,
//!      `uncertain`, and the clerk is told exactly that. This holds across a restart.

use crate::backend::{writer_of, Backend, Capabilities, Lookup, Receipt, Upload};
use crate::error::{Error, ErrorCode, FieldIssue, Result};
use crate::i18n::Text;
use crate::invoice::{
    check_attachments, not_ready, to_outgoing_checked, Draft, DraftAttachment, OutgoingInvoice,
};
use crate::lists::{Recipient, RecipientInput, RelationSource};
use crate::store::{OutboxEntry, Store, SubmissionState};
use std::time::Duration;
use uuid::Uuid;

/// Key in `OutgoingInvoice::extra`, `"true"` when the app gave the invoice its number (not the
/// clerk): a back end that says such a number exists already may be answering an earlier
/// attempt of this very invoice, and looks it up to tell.
pub const APP_ASSIGNED_NUMBER: &str = "invoice_number_by_app";

/// Progress of one attachment upload: attachment id, bytes sent, total bytes.
pub type UploadProgress<'a> = &'a (dyn Fn(Uuid, u64, u64) + Send + Sync);

/// How a submission ended for now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent(Receipt),
    /// The back end refused it; the draft is open again with a fresh identity.
    Refused(Error),
    /// Not sent yet; it will be retried with the same identity.
    Queued(Error),
    /// It may or may not have arrived; the user must check.
    Uncertain(Error),
}

impl Outcome {
    pub fn state(&self) -> SubmissionState {
        match self {
            Outcome::Sent(_) => SubmissionState::Sent,
            Outcome::Refused(_) => SubmissionState::Refused,
            Outcome::Queued(_) => SubmissionState::Queued,
            Outcome::Uncertain(_) => SubmissionState::Uncertain,
        }
    }
}

/// How often and how patiently to retry within one submission.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(400),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with jitter, or the back end's Retry-After when it asked.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(d) = retry_after {
            return d.min(self.max_delay.max(Duration::from_secs(60)));
        }
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.min(10))
            .min(self.max_delay);
        // Jitter in [50 %, 100 %] of the delay, from the clock's low bits (no RNG dependency).
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let frac = 0.5 + (nanos % 1000) as f64 / 2000.0;
        exp.mul_f64(frac)
    }
}

/// When a waiting submission is tried again in the background: 5 s after the attempts made
/// while the clerk waited, doubling with every further attempt up to 10 minutes, with jitter;
/// or what the back end asked (Retry-After), at most an hour.
pub fn background_delay(attempts: u32, retry_after: Option<Duration>) -> chrono::Duration {
    let d = match retry_after {
        Some(d) => d.min(Duration::from_secs(3600)),
        None => RetryPolicy {
            attempts: 0,
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(600),
        }
        .delay(
            attempts.saturating_sub(RetryPolicy::default().attempts),
            None,
        ),
    };
    chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::seconds(60))
}

/// Reads an attachment for sending, checked against what was recorded when it was picked:
/// still there, the same size (from the metadata, before anything is read), not larger than
/// the back end takes, and the same SHA-256. Otherwise a message on that attachment.
fn read_attachment(a: &DraftAttachment, max_bytes: Option<u64>, index: usize) -> Result<Vec<u8>> {
    a.read_checked(max_bytes, &format!("attachments[{index}]"))
}

/// Hands a draft to the outbox (if it is not there yet) and sends it.
pub async fn submit_draft(
    store: &Store,
    backend: &dyn Backend,
    caps: &Capabilities,
    draft_id: Uuid,
    policy: RetryPolicy,
    progress: UploadProgress<'_>,
) -> Result<Outcome> {
    if let Some(entry) = store.outbox_entry(draft_id)? {
        return resume(store, backend, entry, policy, progress).await;
    }
    // A read-only system: nothing is queued that could never be sent.
    let writer = writer_of(backend)?;
    let draft = store.draft(draft_id)?.ok_or_else(|| {
        Error::new(
            ErrorCode::NotFound,
            "Deze factuur is niet gevonden.",
            "This invoice was not found.",
        )
    })?;
    // The system's own rules as well: the clerk saw them on the fields while typing.
    let draft = with_local_recipient(store, &draft, caps);
    let mut invoice = to_outgoing_checked(&draft, caps, writer.precheck(&draft, caps))?;
    check_attachments(&draft, caps)?;
    if let RelationSource::Local { fields } = &caps.relations {
        // The recipient as the address book holds it now, with every declared value, kept in
        // the queued invoice: every retry sends the same.
        let recipient = local_recipient(store, &draft, fields)?.map_err(|i| not_ready(vec![i]))?;
        invoice.relation = recipient.as_relation();
        invoice.recipient = Some(recipient);
    }
    if let Some(start) = caps.app_numbering {
        // No idempotency key at this back end: a unique number, fixed before the first attempt.
        if invoice.extra_str("invoice_number").is_none() {
            let n = store
                .next_in_sequence(&format!("invoice_number:{}", draft.connection_id), start)?;
            invoice.extra.insert("invoice_number".into(), n.to_string());
            invoice
                .extra
                .insert(APP_ASSIGNED_NUMBER.into(), "true".into());
        }
    }
    let entry = store.enqueue(&draft, &invoice)?;
    resume(store, backend, entry, policy, progress).await
}

/// The draft with its recipient from the local address book as it is now, so the system's own
/// check sees every declared value (a business's numbers, a country) while the clerk types and
/// at Send. Unchanged for synced relations, or when the recipient cannot be used (that is said
/// on the relation field by [`local_recipient`]).
pub fn with_local_recipient<'a>(
    store: &Store,
    draft: &'a Draft,
    caps: &Capabilities,
) -> std::borrow::Cow<'a, Draft> {
    let RelationSource::Local { fields } = &caps.relations else {
        return std::borrow::Cow::Borrowed(draft);
    };
    if draft.relation.is_none() {
        return std::borrow::Cow::Borrowed(draft);
    }
    match local_recipient(store, draft, fields) {
        Ok(Ok(r)) => {
            let mut d = draft.clone();
            d.recipient = Some(r);
            std::borrow::Cow::Owned(d)
        }
        _ => std::borrow::Cow::Borrowed(draft),
    }
}

/// The draft's recipient from the local address book, as it is now; a message on the
/// relation field (the inner `Err`) when it was deleted or archived since it was chosen, or
/// when a value the system requires is missing. Checked as the clerk types and again at Send.
pub fn local_recipient(
    store: &Store,
    draft: &Draft,
    fields: &[crate::backend::FieldSpec],
) -> Result<std::result::Result<Recipient, FieldIssue>> {
    let chosen = draft
        .relation
        .as_ref()
        .ok_or_else(|| Error::internal("validated draft without relation"))?;
    let refuse = |nl: String, en: String| {
        Ok(Err(FieldIssue {
            field: "relation".into(),
            message: Text::new(nl, en),
        }))
    };
    let name = &chosen.name;
    let Some(r) = store.recipient(&draft.connection_id, &chosen.id)? else {
        return refuse(
            format!("De ontvanger '{name}' staat niet meer in het adresboek. Kies een andere ontvanger of voeg hem opnieuw toe."),
            format!("The recipient '{name}' is no longer in the address book. Choose another recipient or add it again."),
        );
    };
    if r.archived {
        return refuse(
            format!("De ontvanger '{}' is gearchiveerd. Kies een andere ontvanger of haal hem terug uit het archief.", r.name),
            format!("The recipient '{}' is archived. Choose another recipient or bring it back from the archive.", r.name),
        );
    }
    let input = RecipientInput {
        id: Some(r.id.clone()),
        kind: r.kind,
        name: r.name.clone(),
        values: r.values.clone(),
    };
    if let Some(first) = crate::desk::check_recipient(&input, fields).first() {
        return refuse(
            format!(
                "Bij de ontvanger '{}' ontbreekt nog iets: {} Vul het aan met 'Wijzigen'.",
                r.name, first.message.nl
            ),
            format!(
                "The recipient '{}' is not complete: {} Complete it with 'Edit'.",
                r.name, first.message.en
            ),
        );
    }
    Ok(Ok(r))
}

/// Whether an error from `Backend::submit` leaves open that the invoice was created: the
/// request may have reached the back end and no definite answer came (a 5xx, a lost or
/// unreadable answer). Such an answer is uncertain whatever the back end called it.
fn may_have_created(e: &Error) -> bool {
    matches!(
        e.code,
        ErrorCode::Uncertain | ErrorCode::ServerError | ErrorCode::BadResponse
    )
}

/// The error as an uncertain one, keeping its words.
fn as_uncertain(e: Error) -> Error {
    if e.code == ErrorCode::Uncertain {
        return e;
    }
    let detail = e.detail.clone().unwrap_or_else(|| e.message.en.clone());
    Error {
        code: ErrorCode::Uncertain,
        ..e
    }
    .with_detail(detail)
}

/// Continues a submission from the outbox: after a restart, a queued retry, or a double click.
///
/// The rule that keeps an invoice from being created twice: once a request may have reached
/// the back end without a definite answer, nothing is sent again before a look-up said the
/// back end does not have the invoice. That "may have been created" is kept in the outbox row
/// ([`Store::set_maybe_created`]), written before each request goes out and cleared only by a
/// definite answer or a look-up, so it holds across a restart whatever the row's state.
pub async fn resume(
    store: &Store,
    backend: &dyn Backend,
    entry: OutboxEntry,
    policy: RetryPolicy,
    progress: UploadProgress<'_>,
) -> Result<Outcome> {
    // The row as it is now, not as the caller read it: the background worker lists what is
    // due and then sends one row after another, and a send of this draft (a click) may have
    // finished in between. The caller holds the draft's lock, so this read is current.
    let entry = store.outbox_entry(entry.draft_id)?.unwrap_or(entry);
    match entry.state {
        SubmissionState::Sent => {
            let answer = store.answer(entry.draft_id)?.unwrap_or_default();
            return Ok(Outcome::Sent(Receipt {
                document_url: answer.document_url,
                remote_id: entry.remote_id.unwrap_or_default(),
                number: entry.number,
                total_gross: None,
                warnings: Vec::new(),
                state: answer.state,
                totals: match (answer.total_excl, answer.total_vat, answer.total_incl) {
                    (Some(net), Some(vat), Some(gross)) => {
                        Some(crate::backend::RemoteTotals { net, vat, gross })
                    }
                    _ => None,
                },
            }));
        }
        // Final: the draft went back to the clerk under a new identity; sending this one
        // again could create the invoice twice.
        SubmissionState::Refused => {
            return Ok(Outcome::Refused(already_refused(entry.message.as_deref())))
        }
        _ => {}
    }
    let writer = writer_of(backend)?;
    let mut invoice = entry
        .payload
        .clone()
        .ok_or_else(|| Error::internal("outbox row without its invoice"))?;
    let mut draft = store.draft(entry.draft_id)?;

    // An earlier attempt may have arrived: the row says so, or it is `uncertain`, or it is
    // `sending` at the start (the app stopped mid-send). Nothing is sent before the back end
    // said it does not have the invoice; a look-up that fails leaves that question open.
    let mut must_ask = store.maybe_created(entry.draft_id)?
        || matches!(
            entry.state,
            SubmissionState::Uncertain | SubmissionState::Sending
        );
    if must_ask {
        store.set_maybe_created(entry.draft_id, true)?;
    }

    // Attachments: upload what is not uploaded yet, storing each reference at once. An upload
    // that got no answer is not an invoice that may exist: it is uploaded again later.
    if let Some(d) = draft.as_mut() {
        if let Err(e) = upload_attachments(store, backend, d, &mut invoice, progress).await {
            let e = if e.code == ErrorCode::Uncertain {
                Error {
                    code: ErrorCode::ServerError,
                    ..e
                }
            } else {
                e
            };
            return settle_failure(store, backend, &entry, &invoice, e, false, must_ask).await;
        }
    }

    let mut attempt = 0u32;
    loop {
        store.set_outbox_state(entry.draft_id, SubmissionState::Sending, None)?;
        if must_ask {
            // A previous attempt may have arrived: ask first.
            match writer.lookup(&invoice).await {
                Ok(Lookup::Found(r)) => {
                    mark_sent(store, entry.draft_id, &r)?;
                    return Ok(Outcome::Sent(r));
                }
                Ok(Lookup::NotFound) => {
                    store.set_maybe_created(entry.draft_id, false)?;
                    must_ask = false;
                }
                Ok(Lookup::CannotTell) => {
                    return settle_failure(
                        store,
                        backend,
                        &entry,
                        &invoice,
                        uncertain_error(),
                        true,
                        true,
                    )
                    .await
                }
                Err(e) if e.code.is_transient() && attempt + 1 < policy.attempts => {
                    let wait = policy.delay(attempt, e.retry_after);
                    tracing::info!(code = ?e.code, ?wait, attempt, "look-up will be retried");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                    continue;
                }
                Err(e) => {
                    return settle_failure(store, backend, &entry, &invoice, e, true, true).await
                }
            }
        }
        // From here the body may reach the back end: recorded before the first byte goes out.
        store.set_maybe_created(entry.draft_id, true)?;
        match writer.submit(&invoice).await {
            Ok(receipt) => {
                mark_sent(store, entry.draft_id, &receipt)?;
                return Ok(Outcome::Sent(receipt));
            }
            Err(e) if may_have_created(&e) => {
                // Uncertain: the flag stays set; the next step is a look-up, never a send.
                let e = as_uncertain(e);
                must_ask = true;
                if attempt + 1 < policy.attempts {
                    let wait = policy.delay(attempt, e.retry_after);
                    tracing::info!(?wait, attempt, "uncertain answer; looking it up next");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                    continue;
                }
                return settle_failure(store, backend, &entry, &invoice, e, false, true).await;
            }
            Err(e) => {
                // A definite answer: this attempt created nothing.
                store.set_maybe_created(entry.draft_id, false)?;
                if e.code.is_transient() && attempt + 1 < policy.attempts {
                    let wait = policy.delay(attempt, e.retry_after);
                    tracing::info!(code = ?e.code, ?wait, attempt, "submission will be retried");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                    continue;
                }
                return settle_failure(store, backend, &entry, &invoice, e, false, false).await;
            }
        }
    }
}

fn already_refused(message: Option<&str>) -> Error {
    Error::new(
        ErrorCode::Refused,
        "Deze factuur is geweigerd en wordt niet opnieuw verstuurd. Verbeter de factuur die terugkwam en verstuur die.",
        "This invoice was refused and is not sent again. Correct the invoice that came back and send that one.",
    )
    .with_detail(message.unwrap_or_default())
}

fn uncertain_error() -> Error {
    Error::new(
        ErrorCode::Uncertain,
        "Het is niet zeker of de factuur is aangekomen: het antwoord bleef uit. De app controleert dit eerst voordat hij opnieuw verstuurt. Controleer zo nodig in het boekhoudpakket of de factuur er staat.",
        "It is not certain whether the invoice arrived: no answer came. The app checks this before sending again. If needed, check in the bookkeeping system whether the invoice is there.",
    )
}

async fn upload_attachments(
    store: &Store,
    backend: &dyn Backend,
    draft: &mut Draft,
    invoice: &mut OutgoingInvoice,
    progress: UploadProgress<'_>,
) -> Result<()> {
    let mut changed = false;
    let max_bytes = backend.capabilities().max_attachment_bytes;
    let writer = writer_of(backend)?;
    for i in 0..draft.attachments.len() {
        if draft.attachments[i].remote_ref.is_some() {
            continue;
        }
        let a = draft.attachments[i].clone();
        let bytes = read_attachment(&a, max_bytes, i)?;
        let upload = Upload {
            id: a.id,
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            bytes,
            path: Some(a.path.clone()),
        };
        let id = a.id;
        let cb = move |sent: u64, total: u64| progress(id, sent, total);
        let reference = writer
            .upload_attachment(&invoice.administration_id, &upload, &cb)
            .await
            .map_err(|e| {
                let mut e = e;
                if e.field.is_none() {
                    e.field = Some(format!("attachments[{i}]"));
                }
                e
            })?;
        draft.attachments[i].remote_ref = Some(reference);
        changed = true;
        invoice.attachments = draft
            .attachments
            .iter()
            .filter_map(|a| a.remote_ref.clone())
            .collect();
        store.update_payload(draft.id, invoice)?;
        store.replace_draft_body(draft)?;
    }
    if !changed {
        invoice.attachments = draft
            .attachments
            .iter()
            .filter_map(|a| a.remote_ref.clone())
            .collect();
    }
    Ok(())
}

/// Marks the row sent and keeps what the back end said of the invoice (its state in words,
/// its totals) with it.
fn mark_sent(store: &Store, draft_id: Uuid, r: &Receipt) -> Result<()> {
    store.mark_sent_with_note(
        draft_id,
        &r.remote_id,
        r.number.as_deref(),
        r.warnings_note().as_ref(),
    )?;
    store.record_answer(draft_id, r.answer().as_ref())
}

async fn settle_failure(
    store: &Store,
    backend: &dyn Backend,
    entry: &OutboxEntry,
    invoice: &OutgoingInvoice,
    e: Error,
    uncertain_checked: bool,
    must_ask: bool,
) -> Result<Outcome> {
    // Kept in both languages; the history shows the clerk's.
    let msg = serde_json::to_string(&e.message).unwrap_or_else(|_| e.message.en.clone());
    match e.code {
        ErrorCode::Refused | ErrorCode::Validation | ErrorCode::NotFound => {
            let mut e = e;
            if let Some(d) = store.draft(entry.draft_id)? {
                e.field = e.field.map(|f| crate::invoice::draft_field(&d, &f));
                for f in &mut e.fields {
                    f.field = crate::invoice::draft_field(&d, &f.field);
                }
            }
            store.set_outbox_state(entry.draft_id, SubmissionState::Refused, Some(&msg))?;
            store.reopen_with_new_identity(entry.draft_id)?;
            Ok(Outcome::Refused(e))
        }
        ErrorCode::Uncertain => {
            if !uncertain_checked {
                let found = match backend.writer() {
                    Some(w) => w.lookup(invoice).await,
                    None => Ok(Lookup::CannotTell),
                };
                if let Ok(Lookup::Found(r)) = found {
                    mark_sent(store, entry.draft_id, &r)?;
                    return Ok(Outcome::Sent(r));
                }
            }
            store.set_outbox_state(entry.draft_id, SubmissionState::Uncertain, Some(&msg))?;
            let wait = background_delay(entry.attempts + 1, e.retry_after);
            store.schedule_retry(entry.draft_id, chrono::Utc::now() + wait)?;
            Ok(Outcome::Uncertain(
                uncertain_error().with_detail(e.message.en),
            ))
        }
        // An earlier attempt may have arrived and no look-up has said otherwise yet: the row
        // stays uncertain, so that the next attempt asks before it sends.
        _ if must_ask => {
            store.set_outbox_state(entry.draft_id, SubmissionState::Uncertain, Some(&msg))?;
            let wait = background_delay(entry.attempts + 1, e.retry_after);
            store.schedule_retry(entry.draft_id, chrono::Utc::now() + wait)?;
            Ok(Outcome::Uncertain(e))
        }
        _ => {
            store.set_outbox_state(entry.draft_id, SubmissionState::Queued, Some(&msg))?;
            let wait = background_delay(entry.attempts + 1, e.retry_after);
            store.schedule_retry(entry.draft_id, chrono::Utc::now() + wait)?;
            Ok(Outcome::Queued(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn background_delays_grow_and_honour_retry_after() {
        let secs = |a: u32| background_delay(a, None).num_milliseconds();
        assert!((2_500..=5_000).contains(&secs(3)), "{}", secs(3));
        assert!((5_000..=10_000).contains(&secs(4)), "{}", secs(4));
        assert!(secs(30) <= 600_000);
        assert_eq!(
            background_delay(3, Some(Duration::from_secs(120))).num_seconds(),
            120
        );
        assert_eq!(
            background_delay(3, Some(Duration::from_secs(86_400))).num_seconds(),
            3600
        );
    }
}
