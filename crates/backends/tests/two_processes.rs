//! Two processes on one store: both drain the same outbox against the AFAS stand-in, and
//! every invoice is sent exactly once.
//!
//! The test starts its own test executable twice as a child (`INVOICE_DESK_TWO_PROCESSES`
//! names the store folder); each child opens the store and sends what is due the way the app's
//! worker does: list what is due, claim a row (a lease in the store), send it under the lease.
//! The stand-in adds latency to every request so that the two children really overlap.

mod common;

use common::*;
use invoice_desk_core::backend::{Backend, RelationKind};
use invoice_desk_core::invoice::Draft;
use invoice_desk_core::outbox;
use invoice_desk_core::store::{Claim, Store, SubmissionState};
use invoice_desk_core::submit::RetryPolicy;
use invoice_desk_core::totals::PriceBasis;
use serde_json::json;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

const DIR_VAR: &str = "INVOICE_DESK_TWO_PROCESSES";
const URL_VAR: &str = "INVOICE_DESK_TWO_PROCESSES_AFAS";
const INVOICES: usize = 40;

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_on_one_store_send_each_invoice_once() {
    if std::env::var_os(DIR_VAR).is_some() {
        return; // inside a child: only the child's own test runs
    }
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let caps = client.capabilities();
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        for i in 0..INVOICES {
            let relation = cat.relation(if i % 2 == 0 {
                RelationKind::Organisation
            } else {
                RelationKind::Person
            });
            let inv = invoice(
                &cat.admin,
                &relation,
                vec![line(&cat.product(i % 5), "2", "10.00")],
                PriceBasis::ExclVat,
            );
            let mut d = Draft::new(&connection_id(), &caps, inv.issue_date);
            d.id = inv.draft_id;
            d.identity = inv.identity;
            store.enqueue(&d, &inv).unwrap();
        }
    }
    // Every request takes a while: two workers that do not coordinate would both be mid-send.
    env.faults(json!({"delay_ms": 40})).await;
    env.clear_log().await;

    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "a_child_drains_the_outbox",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(DIR_VAR, dir.path())
                .env(URL_VAR, env.base())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("the test executable starts again")
        })
        .collect();
    std::fs::write(dir.path().join("go"), b"").unwrap();
    let mut sent_by = Vec::new();
    for child in children {
        let out = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "a child failed: {text}");
        let n: usize = text
            .split("SENT_BY_THIS_PROCESS=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count from the child: {text}"));
        sent_by.push(n);
    }

    let store = Store::open(dir.path()).unwrap();
    let rows = store.outbox(&connection_id(), 1000).unwrap();
    assert_eq!(rows.len(), INVOICES);
    assert!(
        rows.iter().all(|r| r.state == SubmissionState::Sent),
        "every invoice is sent"
    );
    let posts = env
        .log()
        .await
        .into_iter()
        .filter(|e| {
            e["method"] == "POST" && e["path"].as_str().unwrap_or("").ends_with("/salesinvoice")
        })
        .count();
    let stored = env.invoices().await.len();
    println!(
        "two processes: {INVOICES} invoices, sent by the children {sent_by:?}, {posts} invoice requests received, {stored} stored"
    );
    assert_eq!(
        posts, INVOICES,
        "one request per invoice reached the stand-in"
    );
    assert_eq!(stored, INVOICES);
    assert_eq!(sent_by.iter().sum::<usize>(), INVOICES);
}

fn connection_id() -> String {
    "afas-two-processes".to_string()
}

/// Runs only as a child of the test above.
#[tokio::test(flavor = "multi_thread")]
async fn a_child_drains_the_outbox() {
    let Some(dir) = std::env::var_os(DIR_VAR).map(PathBuf::from) else {
        return; // not a child
    };
    let base = std::env::var(URL_VAR).expect("the stand-in's address");
    let client = invoice_desk_backends::AfasClient::new(invoice_desk_backends::AfasConfig {
        base_url: base,
        auth: invoice_desk_backends::AfasAuth::AppToken(invoice_desk_backends::Secret::new(
            APP_TOKEN,
        )),
    })
    .unwrap();
    // Start together: wait until the parent has started both children.
    for _ in 0..10_000 {
        if dir.join("go").exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let store = Store::open(&dir).unwrap();
    let noop = |_: uuid::Uuid, _: u64, _: u64| {};
    let mut sent = 0usize;
    // Until nothing waits any more (rows the other process holds are waited for).
    for _ in 0..100_000 {
        if store.pending().unwrap().is_empty() {
            break;
        }
        let mut took = false;
        for entry in store.due(chrono::Utc::now()).unwrap() {
            let Claim::Claimed(entry) = store.claim(entry.draft_id).unwrap() else {
                continue; // the other process has it
            };
            took = true;
            let outcome =
                outbox::send_claimed(&store, &client, entry, RetryPolicy::default(), &noop)
                    .await
                    .expect("the send ends in a state");
            assert_eq!(outcome.state(), SubmissionState::Sent, "{outcome:?}");
            sent += 1;
        }
        if !took {
            // Everything left is being sent by the other process.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    assert!(store.pending().unwrap().is_empty(), "the outbox drained");
    println!("SENT_BY_THIS_PROCESS={sent}");
}
