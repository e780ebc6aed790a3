//! One app per data folder, and a store that cannot be opened: the real app, started as a
//! clerk would start it.

use invoice_desk_e2e::{app_binary, free_port, skip_window_test, temp_dir, App};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(90);

/// One window test at a time.
static WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Waits for a child to end, at most `limit`; kills it when it did not.
async fn wait_exit(
    child: &mut std::process::Child,
    limit: Duration,
) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_start_on_the_same_data_folder_hands_over_to_the_first_window_and_ends() {
    let _one = WINDOW.lock().await;
    if skip_window_test() {
        return;
    }
    let dir = temp_dir("e2e-single");
    let data_dir = dir.join("data");
    let port = free_port();
    let app = App::launch(&data_dir, port, &[]).await.expect("launch");
    app.wait_for("[data-testid=relation-input]", LONG)
        .await
        .expect("the first window is ready");

    // The clerk starts Invoice Desk again on the same folder.
    let mut second = Command::new(app_binary())
        .env("INVOICE_DESK_DATA_DIR", &data_dir)
        .env("INVOICE_DESK_SANDBOX_PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the app starts");
    let status = wait_exit(&mut second, LONG)
        .await
        .expect("the second start ends by itself");
    assert!(status.success(), "{status:?}");
    // The first window is still there and answers.
    app.wait_for("[data-testid=relation-input]", LONG)
        .await
        .expect("the first window carries on");

    // Another data folder is another app: both run side by side.
    let other_dir = dir.join("other");
    let other = App::launch(&other_dir, free_port(), &[])
        .await
        .expect("launch on another folder");
    other
        .wait_for("[data-testid=relation-input]", LONG)
        .await
        .expect("an app on another folder runs");
    app.find("[data-testid=relation-input]")
        .await
        .expect("the first app still runs too");
    other.quit().await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_that_cannot_be_opened_shows_why_and_offers_nothing_to_type_into() {
    let _one = WINDOW.lock().await;
    if skip_window_test() {
        return;
    }
    let dir = temp_dir("e2e-unopenable");
    let data_dir = dir.join("data");
    // The store's file name is taken by a folder: SQLite cannot open it.
    std::fs::create_dir_all(data_dir.join("invoice-desk.sqlite3")).unwrap();
    let app = App::launch(&data_dir, free_port(), &[])
        .await
        .expect("launch");
    let screen = app
        .wait_for("[data-testid=store-error]", LONG)
        .await
        .expect("a screen that says the store cannot be opened");
    let text = screen.text().await.unwrap();
    app.screenshot("store-cannot-be-opened").await.unwrap();
    assert!(
        text.contains("invoice-desk.sqlite3"),
        "the screen names the file: {text}"
    );
    assert!(
        text.contains("start Invoice Desk again") || text.contains("start Invoice Desk opnieuw"),
        "the screen says what to do: {text}"
    );
    let fields = app
        .js(
            "return document.querySelectorAll('input, textarea, [data-testid=open-settings]').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fields, serde_json::json!(0), "nothing to type into");
    app.quit().await;
}
