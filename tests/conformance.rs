//! Conformance: every connector, against its stand-in, behaves the same way where the app
//! relies on it: sign-in failures, token renewal, server errors, rate limits, answers lost
//! after the invoice was stored, and paging to the end of the look-up lists.
//!
//! Every case below runs for every subject in the `subjects!` list, as a test of its own named
//! `<subject>::<case>`: `cargo test -p invoice-desk-tests --test conformance -- afas_sb::`
//! runs one system, `-- paging_` one case for all. A system without tokens passes the
//! renewal case by declaring so; it prints `skipped by declaration: <why>`.
//!
//! # Adding a system
//! One line in the `subjects!` list: `module_name: <expression giving a Subject>;`. What that
//! line needs is an implementation of [`kit::Subject`] (in `conformance/subjects.rs`) for the
//! system's stand-in in `invoice-desk-sandbox`:
//! - the stand-in mounted in the sandbox, with the common hooks under
//!   `/__sandbox/<name>/`: `faults` (the shared fault layer: `fail_next` with `status` and
//!   `retry_after_secs`, `drop_after_store`, `fail_after_store`), `invoices` (what it
//!   stored) and `stats` (its counts), and its requests in `/__sandbox/log`;
//! - how to build the client with good and with wrong credentials ([`kit::WRONG_SECRET`]),
//!   [`kit::PAGE`] rows per page;
//! - the paths where read and create faults are armed, how to provoke the system's own
//!   "too many requests" answer, and whether it has tokens (and how the stand-in expires
//!   them) — a system without tokens says so, and the renewal case is skipped by that
//!   declaration;
//! - a valid draft from what the client lists, the remote id of a stored invoice, and the
//!   counts of relations and products its client must list (a system whose products come in
//!   one answer without paging, such as Bloxs's service items, declares so with
//!   `product_paging`, and the products case then checks that one complete page). A system whose capabilities say
//!   it creates no invoices skips the cases that send, by that declaration. A system whose
//!   relations are the app's own address book (`capabilities.relations` local, Mollie) is
//!   read through its invoice list where the others read relations, skips the relation
//!   paging case by that declaration, and names its recipients (`Subject::recipients`), which
//!   the desk's store keeps before anything is sent. A read-only system (no writer, no look-up
//!   lists: Visma Bouwsoft) is read through its invoice list, and skips the sending and the
//!   look-up paging cases by that declaration.
//!
//! Each test starts its own sandbox on 127.0.0.1 with small data; the clients have short
//! timeouts and no pacing of their own (Silvasoft's pace is tested in
//! `crates/backends/tests/silvasoft.rs`), so the suite takes seconds. Sending goes through `core::submit::submit_draft` with a file-backed
//! `Store`, as in the app.

mod conformance {
    pub mod kit;
    pub mod subjects;
}

use conformance::kit::{self, *};
use invoice_desk_core::backend::Lookup;
use invoice_desk_core::error::ErrorCode;
use invoice_desk_core::store::SubmissionState;
use invoice_desk_core::submit::Outcome;
use std::collections::HashSet;
use std::time::Duration;

/// Every case, for every subject: one module per subject, one test per case.
macro_rules! subjects {
    ($($name:ident: $subject:expr;)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::conformance::subjects::*;
                cases!($subject;
                    a_wrong_secret_is_auth_failed_with_a_clear_message_in_both_languages,
                    the_systems_own_rate_limit_answer_is_rate_limited_not_auth_failed,
                    an_expired_token_is_renewed_once_and_the_request_succeeds,
                    a_5xx_on_a_read_is_server_error_or_offline_never_auth_failed,
                    a_5xx_on_a_create_is_uncertain_and_the_look_up_tells_whether_it_was_stored,
                    a_429_on_a_read_is_rate_limited_with_the_retry_after,
                    a_429_on_a_create_is_waited_out_as_asked_and_sent_once,
                    a_connection_dropped_after_the_invoice_was_stored_ends_with_one_invoice,
                    a_5xx_after_the_invoice_was_stored_ends_with_one_invoice,
                    paging_to_the_end_of_relations_gives_the_stand_ins_count,
                    paging_to_the_end_of_products_gives_the_stand_ins_count,
                );
            }
        )*
    };
}

macro_rules! cases {
    ($subject:expr; $($case:ident,)*) => {
        $(
            #[tokio::test]
            async fn $case() {
                super::$case(&$subject).await;
            }
        )*
    };
}

// The systems. One line each.
subjects! {
    afas_sb: AfasSb;
    silvasoft_bookkeeping: Silvasoft::bookkeeping();
    silvasoft_invoicing_app_numbers: Silvasoft::invoicing_app_numbers();
    silvasoft_invoicing: Silvasoft::invoicing();
    bloxs: Bloxs;
    mollie: Mollie;
    bouwsoft: Bouwsoft;
}

// ---- sign-in ----------------------------------------------------------------------------------

async fn a_wrong_secret_is_auth_failed_with_a_clear_message_in_both_languages(s: &dyn Subject) {
    let env = Env::start(s).await;
    let client = s.client(&env.sandbox, Credentials::Bad);
    let kind = client.capabilities().kind;
    let system = invoice_desk_backends::registry::find(kind.as_str())
        .map(|c| c.name)
        .unwrap_or_else(|| panic!("{kind} is not in the registry"));

    let e = client.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthFailed, "{e:?}");
    assert!(!e.code.is_transient(), "a wrong secret is not tried again");
    assert_both_languages(&e);
    // Clear: it names the system and where to put it right.
    assert!(e.message.en.contains(system), "{:?}", e.message);
    assert!(e.message.nl.contains(system), "{:?}", e.message);
    assert!(e.message.en.contains("Settings"), "{:?}", e.message);
    assert!(e.message.nl.contains("Instellingen"), "{:?}", e.message);
    assert!(!format!("{e:?}").contains(WRONG_SECRET), "the secret leaks");

    // The same on a look-up list.
    let scope = client
        .capabilities()
        .relation_scope(None)
        .unwrap_or("")
        .to_string();
    let e = kit::read(&*client, &scope).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthFailed, "{e:?}");
    assert!(!format!("{e:?}").contains(WRONG_SECRET), "the secret leaks");
}

async fn the_systems_own_rate_limit_answer_is_rate_limited_not_auth_failed(s: &dyn Subject) {
    let env = Env::start(s).await;
    let client = s.client(&env.sandbox, Credentials::Good);
    let (_, scope, _) = scopes(client.as_ref()).await;
    env.post_faults(s.rate_limit_answer()).await;
    let e = kit::read(&*client, &scope).await.unwrap_err();
    env.assert_faults_spent().await;
    assert_eq!(e.code, ErrorCode::RateLimited, "{e:?}");
    assert!(e.code.is_transient());
    assert!(e.retry_after.is_some(), "says when to try again: {e:?}");
    assert_both_languages(&e);
}

// ---- tokens -----------------------------------------------------------------------------------

async fn an_expired_token_is_renewed_once_and_the_request_succeeds(s: &dyn Subject) {
    let (token_path, expire) = match s.tokens() {
        Tokens::Renewable { token_path, expire } => (token_path, expire),
        Tokens::None { because } => {
            eprintln!("skipped by declaration: {because}");
            return;
        }
    };
    let env = Env::start(s).await;
    let client = s.client(&env.sandbox, Credentials::Good);
    let (_, scope, _) = scopes(client.as_ref()).await;
    kit::read(&*client, &scope).await.expect("first page");
    let tokens = |log: &[serde_json::Value]| {
        log.iter()
            .filter(|e| e["path"].as_str().is_some_and(|p| p.ends_with(token_path)))
            .count()
    };
    let before = env.log().await;
    assert_eq!(tokens(&before), 1, "one token serves both requests");

    env.post_faults(expire.clone()).await;
    kit::read(&*client, &scope)
        .await
        .expect("the first page after the token expired");
    let log = env.log().await;
    let after = &log[before.len()..];
    assert_eq!(tokens(after), 1, "renewed exactly once: {after:?}");
    assert_eq!(
        after.iter().filter(|e| e["status"] == 401).count(),
        1,
        "one refusal of the old token: {after:?}"
    );
    assert_eq!(after.last().map(|e| e["status"].clone()), Some(200.into()));

    // The same when the invoice is sent: the refused create was not processed, so it is sent
    // again under the new token, and stored once.
    if !creates_invoices(client.as_ref()) {
        return;
    }
    let caps = client.capabilities();
    let catalogue = Catalogue::load(client.as_ref()).await;
    let draft = s.draft(&caps, &catalogue, 1);
    let desk = Desk::open_for(s);
    let before = env.log().await;
    env.post_faults(expire).await;
    let out = desk.send(client.as_ref(), &draft).await;
    let Outcome::Sent(receipt) = out else {
        panic!("not sent after the token expired: {out:?}");
    };
    assert_eq!(env.stored(s).await, vec![receipt.remote_id]);
    let log = env.log().await;
    let after = &log[before.len()..];
    assert_eq!(tokens(after), 1, "renewed exactly once: {after:?}");
    let creates: Vec<_> = after
        .iter()
        .filter(|e| kit::is_request(e, "POST", s.create_path()))
        .map(|e| e["status"].as_u64())
        .collect();
    assert_eq!(creates.first(), Some(&Some(401)), "{after:?}");
}

// ---- server errors ----------------------------------------------------------------------------

async fn a_5xx_on_a_read_is_server_error_or_offline_never_auth_failed(s: &dyn Subject) {
    let env = Env::start(s).await;
    let client = s.client(&env.sandbox, Credentials::Good);
    let (_, scope, _) = scopes(client.as_ref()).await;
    for status in [500, 502, 503, 504] {
        env.arm(s, Fault::ReadStatus(status)).await;
        // Retried within the call (then it succeeds) or reported as the system's failure.
        match kit::read(&*client, &scope).await {
            Err(e) => {
                assert_server_side(&e, &format!("HTTP {status} on a read"));
                eprintln!("observed: HTTP {status} on a read: {:?}", e.code);
            }
            Ok(_) => eprintln!("observed: HTTP {status} on a read: retried within the call"),
        }
        env.assert_faults_spent().await;
        // Nothing lingers: the next read goes through.
        kit::read(&*client, &scope)
            .await
            .unwrap_or_else(|e| panic!("the read after HTTP {status}: {e:?}"));
    }
}

async fn a_5xx_on_a_create_is_uncertain_and_the_look_up_tells_whether_it_was_stored(
    s: &dyn Subject,
) {
    let env = Env::start(s).await;
    let client = s.client(&env.sandbox, Credentials::Good);
    if !creates_invoices(client.as_ref()) {
        return;
    }
    let caps = client.capabilities();
    let catalogue = Catalogue::load(client.as_ref()).await;
    let desk = Desk::open_for(s);

    // Failed before anything was stored: uncertain. The look-up answers what the stand-in
    // holds after it: not found and nothing stored, or (a system whose look-up re-sends under
    // the same idempotency key, as AFAS SB's does) found and stored exactly once.
    for (n, status) in [(1, 500), (2, 502), (3, 503)] {
        let invoice = desk.outgoing(&caps, &s.draft(&caps, &catalogue, n));
        let before = env.stored(s).await;
        env.arm(s, Fault::CreateStatus(status)).await;
        let e = kit::writer(&*client).submit(&invoice).await.unwrap_err();
        env.assert_faults_spent().await;
        assert_eq!(e.code, ErrorCode::Uncertain, "HTTP {status}: {e:?}");
        assert_both_languages(&e);
        assert_eq!(env.stored(s).await, before, "HTTP {status}: nothing stored");
        let lookup = kit::writer(&*client)
            .lookup(&invoice)
            .await
            .expect("the look-up");
        eprintln!("observed: look-up after an unprocessed HTTP {status}: {lookup:?}");
        let after = env.stored(s).await;
        match lookup {
            Lookup::NotFound => assert_eq!(after, before, "HTTP {status}: not found"),
            Lookup::Found(r) => {
                let mut expected = before.clone();
                expected.push(r.remote_id.clone());
                assert_eq!(after, expected, "HTTP {status}: found, so stored once");
            }
            Lookup::CannotTell => panic!("HTTP {status}: the look-up cannot tell"),
        }
    }

    // Failed after it was stored: uncertain, and the look-up finds exactly that invoice.
    let invoice = desk.outgoing(&caps, &s.draft(&caps, &catalogue, 4));
    let before = env.stored(s).await;
    env.arm(s, Fault::StoreThen(502)).await;
    let e = kit::writer(&*client).submit(&invoice).await.unwrap_err();
    env.assert_faults_spent().await;
    assert_eq!(e.code, ErrorCode::Uncertain, "{e:?}");
    let stored = env.stored(s).await;
    assert_eq!(stored.len(), before.len() + 1, "stored before the 502");
    let ours = stored.last().expect("the stored invoice");
    match kit::writer(&*client)
        .lookup(&invoice)
        .await
        .expect("the look-up")
    {
        Lookup::Found(r) => assert_eq!(&r.remote_id, ours),
        other => panic!("the stored invoice is not found: {other:?}"),
    }
    assert_eq!(
        env.stored(s).await,
        stored,
        "a look-up of a stored invoice creates nothing"
    );
}

// ---- rate limits ------------------------------------------------------------------------------

async fn a_429_on_a_read_is_rate_limited_with_the_retry_after(s: &dyn Subject) {
    let env = Env::start(s).await;
    let client = s.client(&env.sandbox, Credentials::Good);
    let (_, scope, _) = scopes(client.as_ref()).await;
    env.arm(
        s,
        Fault::ReadTooMany {
            retry_after_secs: 3,
        },
    )
    .await;
    let result = kit::read(&*client, &scope).await;
    env.assert_faults_spent().await;
    eprintln!("observed: 429 on a read: {result:?}");
    match result {
        Err(e) => {
            assert_eq!(e.code, ErrorCode::RateLimited, "{e:?}");
            assert!(e.code.is_transient());
            assert_eq!(e.retry_after, Some(Duration::from_secs(3)), "{e:?}");
            assert_both_languages(&e);
        }
        // A client that waits itself must wait as long as it was asked.
        Ok(_) => assert_waited_after_429(&env.log().await, "GET", s.read_path(), 3),
    }
}

async fn a_429_on_a_create_is_waited_out_as_asked_and_sent_once(s: &dyn Subject) {
    let env = Env::start(s).await;
    let client = s.client(&env.sandbox, Credentials::Good);
    if !creates_invoices(client.as_ref()) {
        return;
    }
    let caps = client.capabilities();
    let catalogue = Catalogue::load(client.as_ref()).await;
    let desk = Desk::open_for(s);
    let draft = s.draft(&caps, &catalogue, 1);
    env.arm(
        s,
        Fault::CreateTooMany {
            retry_after_secs: 1,
        },
    )
    .await;
    let out = desk.send(client.as_ref(), &draft).await;
    env.assert_faults_spent().await;
    let Outcome::Sent(receipt) = out else {
        panic!("not sent after the Retry-After: {out:?}");
    };
    assert_eq!(env.stored(s).await, vec![receipt.remote_id.clone()]);
    assert_waited_after_429(&env.log().await, "POST", s.create_path(), 1);
    assert_eq!(desk.entry(&draft).state, SubmissionState::Sent);
}

/// The request after the one answered 429 came at least `secs` later (the log's times are in
/// whole milliseconds since the sandbox started, so a wait of `secs` shows as ≥ `secs` × 1000).
fn assert_waited_after_429(log: &[serde_json::Value], method: &str, path: &str, secs: u64) {
    let requests: Vec<&serde_json::Value> = log
        .iter()
        .filter(|e| kit::is_request(e, method, path))
        .collect();
    let i = requests
        .iter()
        .position(|e| e["status"] == 429)
        .expect("a request answered 429");
    let next = requests
        .get(i + 1)
        .unwrap_or_else(|| panic!("no {method} after the 429: {requests:?}"));
    let t = |e: &serde_json::Value| e["t_ms"].as_u64().expect("a time");
    let waited = t(next) - t(requests[i]);
    assert!(
        waited >= secs * 1000,
        "asked to wait {secs} s, came back after {waited} ms"
    );
}

// ---- answers lost after the invoice was stored --------------------------------------------------

async fn a_connection_dropped_after_the_invoice_was_stored_ends_with_one_invoice(s: &dyn Subject) {
    let env = Env::start(s).await;
    let client = s.client(&env.sandbox, Credentials::Good);
    if !creates_invoices(client.as_ref()) {
        return;
    }
    let caps = client.capabilities();
    let catalogue = Catalogue::load(client.as_ref()).await;
    let desk = Desk::open_for(s);
    let draft = s.draft(&caps, &catalogue, 1);
    env.arm(s, Fault::DropAfterStore).await;
    let out = desk.send(client.as_ref(), &draft).await;
    env.assert_faults_spent().await;
    assert_one_invoice_sent(s, &env, &desk, &draft, out).await;
}

async fn a_5xx_after_the_invoice_was_stored_ends_with_one_invoice(s: &dyn Subject) {
    let env = Env::start(s).await;
    let client = s.client(&env.sandbox, Credentials::Good);
    if !creates_invoices(client.as_ref()) {
        return;
    }
    let caps = client.capabilities();
    let catalogue = Catalogue::load(client.as_ref()).await;
    // One store, as in the app: the app's invoice numbers go on from one invoice to the next.
    let desk = Desk::open_for(s);
    for (n, status) in [(1, 500), (2, 502), (3, 504)] {
        let draft = s.draft(&caps, &catalogue, n);
        let before = env.stored(s).await;
        env.arm(s, Fault::StoreThen(status)).await;
        let out = desk.send(client.as_ref(), &draft).await;
        env.assert_faults_spent().await;
        let Outcome::Sent(receipt) = out else {
            panic!("HTTP {status} after the store: not sent: {out:?}");
        };
        let stored = env.stored(s).await;
        assert_eq!(
            stored.len(),
            before.len() + 1,
            "HTTP {status}: exactly one invoice"
        );
        assert!(!before.contains(&receipt.remote_id), "HTTP {status}");
        assert!(stored.contains(&receipt.remote_id), "HTTP {status}");
        let entry = desk.entry(&draft);
        assert_eq!(entry.state, SubmissionState::Sent, "HTTP {status}");
        assert_eq!(entry.remote_id.as_deref(), Some(receipt.remote_id.as_str()));
    }
}

async fn assert_one_invoice_sent(
    s: &dyn Subject,
    env: &Env,
    desk: &Desk,
    draft: &invoice_desk_core::invoice::Draft,
    out: Outcome,
) {
    let Outcome::Sent(receipt) = out else {
        panic!("not sent: {out:?}");
    };
    assert_eq!(
        env.stored(s).await,
        vec![receipt.remote_id.clone()],
        "exactly one invoice, the one core holds as sent"
    );
    let entry = desk.entry(draft);
    assert_eq!(entry.state, SubmissionState::Sent);
    assert_eq!(entry.remote_id.as_deref(), Some(receipt.remote_id.as_str()));
}

// ---- paging -----------------------------------------------------------------------------------

async fn paging_to_the_end_of_relations_gives_the_stand_ins_count(s: &dyn Subject) {
    let env = Env::start(s).await;
    let client = s.client(&env.sandbox, Credentials::Good);
    if client.lookups().is_none() {
        eprintln!(
            "skipped by declaration: {} keeps no look-up lists (read-only; its invoice list is \
             paged to the end in its own tests)",
            client.capabilities().system_name
        );
        return;
    }
    if client.capabilities().relations.is_local() {
        eprintln!(
            "skipped by declaration: the relations of {} are the app's own address book \
             (capabilities.relations = local)",
            client.capabilities().system_name
        );
        return;
    }
    let (_, scope, _) = scopes(client.as_ref()).await;
    let pages = relation_pages(client.as_ref(), &scope).await;
    let (expected, _) = s.expected_counts(&env.stats().await);
    assert_paged(
        "relations",
        2,
        pages
            .iter()
            .map(|p| {
                (
                    p.full_reload,
                    p.done,
                    p.items.iter().map(|r| r.id.clone()).collect(),
                )
            })
            .collect(),
        expected,
    );
}

async fn paging_to_the_end_of_products_gives_the_stand_ins_count(s: &dyn Subject) {
    let env = Env::start(s).await;
    let client = s.client(&env.sandbox, Credentials::Good);
    if client.lookups().is_none() {
        eprintln!(
            "skipped by declaration: {} keeps no look-up lists (read-only; its invoice list is \
             paged to the end in its own tests)",
            client.capabilities().system_name
        );
        return;
    }
    let (_, _, scope) = scopes(client.as_ref()).await;
    let pages = product_pages(client.as_ref(), &scope).await;
    let (_, expected) = s.expected_counts(&env.stats().await);
    let min_pages = match s.product_paging() {
        Paging::Pages => 2,
        Paging::Single { because } => {
            eprintln!("one page by declaration: {because}");
            1
        }
    };
    assert_paged(
        "products",
        min_pages,
        pages
            .iter()
            .map(|p| {
                (
                    p.full_reload,
                    p.done,
                    p.items.iter().map(|r| r.id.clone()).collect(),
                )
            })
            .collect(),
        expected,
    );
}

/// Pages as (full reload, done, ids): at least `min_pages` pages (more than one, unless the
/// system declares the list unpaged), a full reload first, `done` on the last page only, every
/// row once, as many rows as the stand-in has.
fn assert_paged(
    what: &str,
    min_pages: usize,
    pages: Vec<(bool, bool, Vec<String>)>,
    expected: usize,
) {
    assert!(
        pages.len() >= min_pages,
        "{what}: one page only; the subject's data must exceed {} rows",
        kit::PAGE
    );
    assert!(pages[0].0, "{what}: the first page starts a full reload");
    let (last, before) = pages.split_last().expect("pages");
    assert!(last.1, "{what}: the last page says done");
    assert!(
        before.iter().all(|p| !p.1),
        "{what}: done before the last page"
    );
    let ids: Vec<&String> = pages.iter().flat_map(|p| p.2.iter()).collect();
    let unique: HashSet<&String> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "{what}: a row listed twice");
    assert_eq!(
        ids.len(),
        expected,
        "{what}: listed vs the stand-in's count"
    );
}
