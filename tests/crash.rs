//! The real app killed with SIGKILL at random moments while a clerk types and sends, many
//! times over, against a stand-in that outlives it. Afterwards: every draft typed more than a
//! second before a kill is back, nothing is stored twice, every invoice ends sent or waiting.

use invoice_desk_e2e::{free_port, keys, kill_app, skip_window_test, App, SandboxProbe, StandIn};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(90);

/// A tiny deterministic generator (xorshift), so a failing round can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// (state, reference) of every outbox row.
fn outbox(data_dir: &Path) -> Vec<(String, String)> {
    let db = rusqlite::Connection::open(data_dir.join("invoice-desk.sqlite3")).unwrap();
    let mut st = db.prepare("SELECT state, payload FROM outbox").unwrap();
    let rows = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .map(|(state, p)| {
            let v: Value = serde_json::from_str(&p).unwrap_or(Value::Null);
            (
                state,
                v["reference"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    rows
}

/// Prints the drafts and the outbox, to see what happened when a check fails.
fn dump(data_dir: &Path) {
    let db = rusqlite::Connection::open(data_dir.join("invoice-desk.sqlite3")).unwrap();
    let mut st = db
        .prepare("SELECT id, open, updated_at, body FROM drafts ORDER BY updated_at")
        .unwrap();
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .unwrap();
    for r in rows.flatten() {
        let v: Value = serde_json::from_str(&r.3).unwrap_or(Value::Null);
        eprintln!(
            "draft {} open={} at {} connection={} reference={:?}",
            r.0, r.1, r.2, v["connection_id"], v["reference"]
        );
    }
    for (state, reference) in outbox(data_dir) {
        eprintln!("outbox {state} {reference}");
    }
}

async fn set_reference(app: &App, text: &str) -> Result<(), String> {
    // Element Clear changes the field without an input event; the typing that follows (Element
    // Send Keys focuses the field again) replaces the whole value, as a clerk's typing would.
    let r = app.find("[data-testid=reference]").await?;
    r.clear().await?;
    r.send_keys(text).await
}

async fn pick_first(app: &App, field: &str, text: &str, option: &str) -> Result<(), String> {
    let f = app.find(field).await?;
    f.click().await?;
    app.keys(text).await?;
    app.wait_for(option, Duration::from_secs(15)).await?;
    app.keys(keys::ENTER).await
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_at_random_moments_the_app_loses_nothing_and_sends_nothing_twice() {
    if skip_window_test() {
        return;
    }
    let rounds: u32 = std::env::var("INVOICE_DESK_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let seed: u64 = std::env::var("INVOICE_DESK_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_1234_abcd);
    eprintln!("crash test: {rounds} rounds, seed {seed}");
    let mut rng = Rng(seed);
    let dir = std::env::temp_dir().join(format!("invoice-desk-crash-{}", uuid::Uuid::new_v4()));
    let data_dir = dir.join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let port = free_port();
    let _stand_in = StandIn::start(port).await;
    let probe = SandboxProbe::new(port);
    let demo_url = format!("http://127.0.0.1:{port}");
    let env = [("INVOICE_DESK_DEMO_URL", demo_url.clone())];
    let up = Instant::now();
    while probe.get("/__sandbox/afas/stats").await.is_err() {
        assert!(
            up.elapsed() < Duration::from_secs(20),
            "the stand-in did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The stand-in takes its time to process an invoice, so many kills land mid-send.
    probe
        .post(
            "/__sandbox/afas/faults",
            serde_json::json!({"work_delay_ms": 700}),
        )
        .await
        .unwrap();

    // What must be back after the kill: the reference typed, if typed more than 1 s before.
    let mut expect_reference: Option<String> = None;
    let mut sends = 0;
    let mut checked_drafts = 0;
    for round in 0..rounds {
        let app = App::launch(&data_dir, port, &env).await.expect("launch");
        let reference = app.wait_for("[data-testid=reference]", LONG).await.unwrap();
        if let Some(want) = expect_reference.take() {
            let start = Instant::now();
            loop {
                let got = reference.value().await.unwrap_or_default();
                if got == want {
                    checked_drafts += 1;
                    break;
                }
                if start.elapsed() > Duration::from_secs(15) {
                    dump(&data_dir);
                    panic!("round {round}: the draft typed before the kill is gone (want {want:?}, got {got:?})");
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        let send = rng.below(2) == 0;
        eprintln!(
            "round {round}: {}",
            if send { "type and send" } else { "type" }
        );
        let text = if send {
            format!("send-{round}")
        } else {
            format!("typed-{round}")
        };
        set_reference(&app, &text).await.unwrap();
        let typed_at = Instant::now();
        if send {
            // A customer and a product, then Send; killed while it is being sent.
            let ok = async {
                pick_first(
                    &app,
                    "[data-testid=relation-input]",
                    "B.V.",
                    "[data-testid=relation-option]",
                )
                .await?;
                pick_first(
                    &app,
                    "[data-testid=line-0-product]",
                    "0",
                    "[data-testid=product-option]",
                )
                .await?;
                app.find("[data-testid=submit]").await?.click().await
            }
            .await;
            if let Err(e) = ok {
                eprintln!("round {round}: could not fill the invoice ({e}); killing anyway");
            } else {
                sends += 1;
            }
        }
        let wait = rng.below(2500);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let killed = kill_app(&data_dir);
        assert!(killed > 0, "round {round}: the app process was not found");
        let typed_for = typed_at.elapsed();
        // Only a reference that stayed a draft must come back; a sent one starts a new draft.
        if !send && typed_for > Duration::from_secs(1) {
            expect_reference = Some(text);
        }
        app.quit().await;
    }

    // A last start sends what waits; then every invoice is sent or still waiting, none twice.
    let app = App::launch(&data_dir, port, &env)
        .await
        .expect("final launch");
    app.wait_for("[data-testid=reference]", LONG).await.unwrap();
    let start = Instant::now();
    loop {
        let waiting = outbox(&data_dir)
            .iter()
            .filter(|(s, _)| s == "queued" || s == "sending")
            .count();
        if waiting == 0 || start.elapsed() > Duration::from_secs(60) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    app.quit().await;

    let stored = probe.get("/__sandbox/afas/invoices").await.unwrap();
    let stored = stored.as_array().cloned().unwrap_or_default();
    let mut by_tracking: HashMap<String, usize> = HashMap::new();
    let mut by_reference: HashMap<String, usize> = HashMap::new();
    for inv in &stored {
        *by_tracking
            .entry(
                inv["tracking_identifier"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
            .or_default() += 1;
        let r = inv["body"]["Reference"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if r.starts_with("send-") {
            *by_reference.entry(r).or_default() += 1;
        }
    }
    let rows = outbox(&data_dir);
    let resumed: i64 = rusqlite::Connection::open(data_dir.join("invoice-desk.sqlite3"))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM outbox WHERE attempts > 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let sent = rows.iter().filter(|(s, _)| s == "sent").count();
    let waiting = rows
        .iter()
        .filter(|(s, _)| matches!(s.as_str(), "queued" | "sending" | "uncertain"))
        .count();
    eprintln!(
        "figure: crash test: {rounds} kills, {sends} sends clicked, {} outbox rows ({sent} sent, {waiting} waiting, {resumed} finished after a restart), {} stored at the stand-in, {checked_drafts} drafts checked after a kill",
        rows.len(),
        stored.len()
    );
    for (t, n) in &by_tracking {
        assert_eq!(*n, 1, "Tracking-Identifier {t} stored {n} times");
    }
    for (r, n) in &by_reference {
        assert_eq!(*n, 1, "invoice {r} stored {n} times");
    }
    for (state, reference) in &rows {
        assert!(
            matches!(
                state.as_str(),
                "sent" | "queued" | "sending" | "uncertain" | "refused"
            ),
            "{reference}: unexpected state {state}"
        );
        if state == "sent" {
            assert_eq!(
                by_reference.get(reference),
                Some(&1),
                "{reference} is sent in the app but not stored once at the stand-in"
            );
        }
    }
    for r in by_reference.keys() {
        assert!(
            rows.iter().any(|(_, rr)| rr == r),
            "{r} was stored but the app has no record of it"
        );
    }
    assert!(checked_drafts > 0, "no round checked a draft after a kill");
    let _ = std::fs::remove_dir_all(&dir);
}
