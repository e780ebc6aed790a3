//! The back end goes away: Send queues the invoice and says so; when the back end answers again
//! the app sends it by itself, once, and says so.

use invoice_desk_e2e::{free_port, keys, skip_window_test, App, SandboxProbe, StandIn};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(90);

fn shoot_on_failure(app: &App) {
    let _ = tokio::task::block_in_place(|| {
        tokio::runtime::Handle::current().block_on(app.screenshot("20-offline-failed"))
    });
}

async fn pick_first(app: &App, field: &str, text: &str, option: &str) {
    let f = app.find(field).await.unwrap();
    f.click().await.unwrap();
    app.keys(text).await.unwrap();
    app.wait_for(option, LONG).await.unwrap();
    app.keys(keys::ENTER).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_send_waits_in_the_outbox_and_goes_out_once_when_the_back_end_returns() {
    if skip_window_test() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("invoice-desk-offline-{}", uuid::Uuid::new_v4()));
    let data_dir = dir.join("data");
    let port = free_port();
    let stand_in = StandIn::start(port).await;
    let env = [("INVOICE_DESK_DEMO_URL", format!("http://127.0.0.1:{port}"))];
    eprintln!("app data and log: {}", data_dir.display());
    let app = App::launch(&data_dir, port, &env).await.expect("launch");
    app.wait_for("[data-testid=reference]", LONG).await.unwrap();
    // The first refresh of the look-ups ends, and the window says so (it used to keep saying
    // "Updating…" now and then: a late reply overwrote the event that said it had ended).
    if let Err(e) = app
        .wait_until(
            "the look-ups",
            "const t=document.querySelector('[data-testid=sync-status]');return t && /[1-9][0-9.,]* /.test(t.innerText)",
            LONG,
        )
        .await
    {
        shoot_on_failure(&app);
        let shown = app
            .js(
                "const t=document.querySelector('[data-testid=sync-status]');return t?{text:t.innerText,seq:t.dataset.seq}:null",
                vec![],
            )
            .await;
        let actual = app
            .invoke("sync_status", serde_json::json!({"connection_id": "demo-afas"}))
            .await;
        panic!("{e}: the window shows {shown:?}, the app says {actual:?}");
    }

    // Fill in an invoice, then the back end goes away.
    pick_first(
        &app,
        "[data-testid=relation-input]",
        "B.V.",
        "[data-testid=relation-option]",
    )
    .await;
    pick_first(
        &app,
        "[data-testid=line-0-product]",
        "0",
        "[data-testid=product-option]",
    )
    .await;
    let r = app.find("[data-testid=reference]").await.unwrap();
    r.send_keys("offline-1").await.unwrap();
    drop(stand_in); // killed and waited for: its port is closed now

    app.find("[data-testid=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let said = app
        .wait_until(
            "the queued result",
            "const r=document.querySelector('[data-testid=submit-result]');return r && r.dataset.state==='queued' && r.innerText",
            LONG,
        )
        .await
        .unwrap();
    app.screenshot("20-offline-queued").await.unwrap();
    let said = said.as_str().unwrap().to_lowercase();
    assert!(
        said.contains("outbox") || said.contains("wachtrij"),
        "the clerk is told it waits: {said}"
    );

    // The back end answers again: the app sends it by itself, exactly once.
    let _stand_in = StandIn::start(port).await;
    let probe = SandboxProbe::new(port);
    let start = Instant::now();
    let stored = loop {
        let v = probe.get("/__sandbox/afas/invoices").await.unwrap();
        let n = v
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|i| i["body"]["Reference"] == "offline-1")
                    .count()
            })
            .unwrap_or(0);
        if n > 0 {
            break n;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the waiting invoice was not sent after the back end returned"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    eprintln!(
        "figure: offline: sent {:.1} s after the back end returned",
        start.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(6)).await;
    let again = probe.get("/__sandbox/afas/invoices").await.unwrap();
    let n = again
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|i| i["body"]["Reference"] == "offline-1")
                .count()
        })
        .unwrap_or(0);
    assert_eq!((stored, n), (1, 1), "stored exactly once");
    let db = rusqlite::Connection::open(data_dir.join("invoice-desk.sqlite3")).unwrap();
    let state: String = db
        .query_row("SELECT state FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(state, "sent");
    app.screenshot("21-offline-sent").await.unwrap();
    app.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}
