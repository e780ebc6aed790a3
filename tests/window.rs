//! The real app window, driven as a clerk would, against the built-in demo; then what the
//! demo's stand-in received is checked, not only the screen.

use invoice_desk_e2e::{
    free_port, keys, kill_app, skip_window_test, temp_dir, walk, App, SandboxProbe,
};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(90);

/// One window at a time: the machine is small and the tests kill processes.
static WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The code the app shows for a product: `Code`, else `InternalId`.
fn product_code(p: &Value) -> String {
    p["Code"]
        .as_str()
        .filter(|c| !c.is_empty())
        .or(p["InternalId"].as_str())
        .unwrap_or_default()
        .to_string()
}

fn invoices(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

/// Text of an option list item that contains `needle`, clicked; falls back to keyboard.
/// Clicks a field as a clerk does and makes sure the cursor is in it before typing: waits
/// until the picked relation is shown (its card is taller than the input and moves the lines
/// down), clicks, and checks where the focus is; a click that landed elsewhere while the page
/// was still moving is made once more.
async fn click_into(app: &App, testid: &str) {
    app.wait_for("[data-testid=relation-selected]", Duration::from_secs(10))
        .await
        .expect("the picked relation is shown");
    let focused = format!(
        "return document.activeElement && document.activeElement.getAttribute('data-testid') === '{testid}'"
    );
    for _ in 0..3 {
        app.find(&format!("[data-testid={testid}]"))
            .await
            .expect(testid)
            .click()
            .await
            .expect("click");
        if app
            .wait_until(testid, &focused, Duration::from_secs(2))
            .await
            .is_ok()
        {
            return;
        }
        eprintln!("the click on {testid} did not put the cursor there; clicking once more");
    }
    panic!("the cursor never reached {testid}");
}

async fn pick_option(app: &App, list_css: &str, needle: &str) -> Result<(), String> {
    let listed = app.wait_until(
        "the option list",
        &format!(
            "return [...document.querySelectorAll('{list_css}')].some(e => e.innerText.includes({}))",
            serde_json::to_string(needle).unwrap()
        ),
        Duration::from_secs(45),
    )
    .await;
    if let Err(e) = listed {
        let _ = app.screenshot("failed-option-list").await;
        return Err(e);
    }
    // Move down with the keyboard until the highlighted option is the one we want, then Enter.
    for _ in 0..20 {
        app.keys(keys::ARROW_DOWN).await?;
        let active = app
            .js(
                &format!("const e=[...document.querySelectorAll('{list_css}')].find(e=>e.getAttribute('aria-selected')==='true');return e?e.innerText:''"),
                vec![],
            )
            .await?;
        if active.as_str().unwrap_or_default().contains(needle) {
            app.keys(keys::ENTER).await?;
            return Ok(());
        }
    }
    Err(format!("could not reach the option {needle} by keyboard"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clerk_types_and_sends_an_invoice_in_the_real_window() {
    let _one = WINDOW.lock().await;
    if skip_window_test() {
        return;
    }
    let dir = temp_dir("e2e-main");
    let attachment = dir.join("pakbon-2026-117.pdf");
    let attachment_bytes: Vec<u8> = b"%PDF-1.4\n% Invoice Desk test attachment\n"
        .iter()
        .copied()
        .chain((0..50_000u32).map(|i| (i % 251) as u8))
        .collect();
    std::fs::write(&attachment, &attachment_bytes).unwrap();
    let data_dir = dir.join("data");
    let sandbox_port = free_port();
    let launched = Instant::now();
    let app = App::launch(
        &data_dir,
        sandbox_port,
        &[("INVOICE_DESK_PICK_FILES", attachment.display().to_string())],
    )
    .await
    .expect("launch");
    let probe = SandboxProbe::new(sandbox_port);

    // The demo opens, marked as demo, and its look-ups arrive in the background.
    app.wait_for("[data-testid=demo-badge]", LONG)
        .await
        .expect("demo badge");
    app.wait_for("[data-testid=relation-input]", LONG)
        .await
        .unwrap();
    app.wait_until(
        "the relation cache",
        "const t=document.querySelector('[data-testid=sync-status]');return t && /[1-9][0-9.,]* /.test(t.innerText) && !/…|\\.\\.\\./.test(t.innerText)",
        LONG,
    )
    .await
    .unwrap();
    eprintln!(
        "figure: demo launch to usable form: {:.1} s",
        launched.elapsed().as_secs_f64()
    );
    app.screenshot("01-demo-opened").await.unwrap();

    // The invoice date is a text field in the screen's language format (dd-mm-jjjj in Dutch,
    // dd/mm/yyyy in English), not WebKitGTK's date field in the system's format.
    let date = app
        .js(
            "const d=document.querySelector('[data-testid=issue-date]');return [d.type, d.value, document.documentElement.lang]",
            vec![],
        )
        .await
        .unwrap();
    let (kind, value, lang) = (
        date[0].as_str().unwrap_or_default(),
        date[1].as_str().unwrap_or_default(),
        date[2].as_str().unwrap_or_default(),
    );
    let sep = if lang == "nl" { '-' } else { '/' };
    assert_eq!(kind, "text", "{date}");
    assert!(
        value.len() == 10
            && value.char_indices().all(|(i, c)| if i == 2 || i == 5 {
                c == sep
            } else {
                c.is_ascii_digit()
            }),
        "the date shows as dd{sep}mm{sep}yyyy in {lang}: {value}"
    );

    // Choose the second administration.
    let admins = probe.afas("/api/administrations", "1").await.unwrap();
    let admin = admins[1].clone();
    let admin_id = admin["Id"].as_str().unwrap().to_string();
    app.js(
        "const s=document.querySelector('[data-testid=admin-select]');s.value=arguments[0];s.dispatchEvent(new Event('change',{bubbles:true}));",
        vec![json!(admin_id)],
    )
    .await
    .unwrap();
    // Relations and products of that administration arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.wait_for_sync("demo-afas", LONG).await.unwrap();
    let products = probe
        .afas(
            &format!("/api/products?take=50&filter=AdministrationId%20eq%20{admin_id}"),
            "3",
        )
        .await
        .unwrap();
    let products: Vec<Value> = products["Result"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["IsArchived"] != json!(true)
                && p["IsBlocked"] != json!(true)
                && p["IsDisabled"] != json!(true)
        })
        .cloned()
        .collect();
    let (p1, p2) = (products[0].clone(), products[1].clone());

    // A relation: an organisation, found by typing part of its name.
    let orgs = probe.afas("/api/organisations?take=40", "2").await.unwrap();
    let org = orgs["Result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["IsArchived"] == json!(false))
        .unwrap()
        .clone();
    let org_name = org["Name"].as_str().unwrap().to_string();
    let typed: String = org_name
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let typed = &typed[..typed.len().min(typed.len().saturating_sub(1).max(3))];
    let input = app.find("[data-testid=relation-input]").await.unwrap();
    input.click().await.unwrap();
    app.keys(typed).await.unwrap();
    pick_option(&app, "[data-testid=relation-option]", &org_name)
        .await
        .unwrap();
    app.wait_for("[data-testid=relation-selected]", Duration::from_secs(10))
        .await
        .unwrap();

    // Two product lines, by keyboard.
    for (i, (p, qty)) in [(&p1, "3"), (&p2, "1,5")].iter().enumerate() {
        let desc = p["Description"].as_str().unwrap();
        let code = product_code(p);
        let field = app
            .wait_for(
                &format!("[data-testid=line-{i}-product]"),
                Duration::from_secs(10),
            )
            .await
            .unwrap();
        field.click().await.unwrap();
        // Typing the product's code puts it first in the list.
        let _ = desc;
        app.keys(&code).await.unwrap();
        pick_option(&app, "[data-testid=product-option]", &code)
            .await
            .unwrap();
        let q = app
            .find(&format!("[data-testid=line-{i}-quantity]"))
            .await
            .unwrap();
        q.click().await.unwrap();
        q.clear().await.unwrap();
        q.send_keys(qty).await.unwrap();
        if i == 0 {
            app.keys(keys::ENTER).await.unwrap(); // Enter on the last line adds a line.
        }
    }
    app.wait_until(
        "the totals",
        "const t=document.querySelector('[data-testid=total-gross]');return t && /[1-9]/.test(t.innerText)",
        Duration::from_secs(10),
    )
    .await
    .unwrap();

    // Attach a file through the (replaced) native dialog.
    app.find("[data-testid=attach-button]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.wait_for("[data-testid=attachment-row]", Duration::from_secs(10))
        .await
        .unwrap();
    app.screenshot("02-filled-in").await.unwrap();

    // Submit with a double click: one invoice.
    let before = invoices(&probe.get("/__sandbox/afas/invoices").await.unwrap()).len();
    app.js(
        "const b=document.querySelector('[data-testid=submit]');b.click();b.click();",
        vec![],
    )
    .await
    .unwrap();
    let result = app
        .wait_until(
            "the submit result",
            "const r=document.querySelector('[data-testid=submit-result]');return r && /[0-9a-f]{8}-/.test(r.innerText) ? r.innerText : ''",
            LONG,
        )
        .await
        .unwrap();
    app.screenshot("03-sent").await.unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let stored = invoices(&probe.get("/__sandbox/afas/invoices").await.unwrap());
    assert_eq!(stored.len(), before + 1, "one invoice for a double click");
    let inv = stored.last().unwrap();
    let body = &inv["body"];
    assert!(
        result
            .as_str()
            .unwrap()
            .contains(inv["id"].as_str().unwrap()),
        "the screen shows the new invoice's id"
    );
    assert_eq!(body["AdministrationId"], json!(admin_id));
    assert_eq!(body["RelationType"], json!("organisation"));
    assert_eq!(body["RelationId"], org["Id"]);
    let lines = body["InvoiceLine"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["ItemId"], p1["Id"]);
    assert_eq!(lines[0]["Quantity"].to_string(), "3");
    assert_eq!(lines[1]["ItemId"], p2["Id"]);
    assert_eq!(lines[1]["Quantity"].to_string(), "1.5");
    assert_eq!(
        lines[0]["Price"].to_string().parse::<f64>().ok(),
        p1["PriceExcludingVAT"].to_string().parse::<f64>().ok()
    );
    // The attachment's bytes arrived whole.
    let att = body["Attachments"][0]["AttachmentId"].as_str().unwrap();
    let got = probe
        .bytes(&format!("/__sandbox/afas/blobs/{att}"))
        .await
        .unwrap();
    assert_eq!(got, attachment_bytes);
    // The Tracking-Identifier is the identity stored with the submission before sending.
    let db = rusqlite::Connection::open(data_dir.join("invoice-desk.sqlite3")).unwrap();
    let identity: String = db
        .query_row(
            "SELECT identity FROM outbox WHERE state='sent' ORDER BY created_at DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(inv["tracking_identifier"], json!(identity));

    // A lost answer: the stand-in stores the invoice and drops the connection. The app checks
    // before sending again; still one invoice.
    probe
        .post("/__sandbox/afas/faults", json!({"drop_after_store": 1}))
        .await
        .unwrap();
    let input = app.find("[data-testid=relation-input]").await.unwrap();
    input.click().await.unwrap();
    app.keys(typed).await.unwrap();
    pick_option(&app, "[data-testid=relation-option]", &org_name)
        .await
        .unwrap();
    click_into(&app, "line-0-product").await;
    app.keys(&product_code(&p1)).await.unwrap();
    pick_option(&app, "[data-testid=product-option]", &product_code(&p1))
        .await
        .unwrap();
    let before = invoices(&probe.get("/__sandbox/afas/invoices").await.unwrap()).len();
    app.find("[data-testid=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.wait_until(
        "the second submit result",
        "const r=document.querySelector('[data-testid=submit-result]');return r && /[0-9a-f]{8}-/.test(r.innerText) && r.innerText",
        LONG,
    )
    .await
    .unwrap();
    let stored = invoices(&probe.get("/__sandbox/afas/invoices").await.unwrap());
    assert_eq!(stored.len(), before + 1, "a lost answer stores one invoice");

    // A refusal: AFAS SB refuses an invoice dated before the opening balance. The back end's
    // message appears next to the date, and nothing typed is lost.
    let input = app.find("[data-testid=relation-input]").await.unwrap();
    input.click().await.unwrap();
    app.keys(typed).await.unwrap();
    pick_option(&app, "[data-testid=relation-option]", &org_name)
        .await
        .unwrap();
    click_into(&app, "line-0-product").await;
    app.keys(&product_code(&p2)).await.unwrap();
    pick_option(&app, "[data-testid=product-option]", &product_code(&p2))
        .await
        .unwrap();
    app.js(
        "const d=document.querySelector('[data-testid=issue-date]');d.value='2019-03-01';d.dispatchEvent(new Event('input',{bubbles:true}));d.dispatchEvent(new Event('change',{bubbles:true}));",
        vec![],
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let before = invoices(&probe.get("/__sandbox/afas/invoices").await.unwrap()).len();
    app.find("[data-testid=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let said = app
        .wait_until(
            "the refusal next to the date",
            "const e=document.querySelector('[data-testid=\"field-error-issue_date\"]');return e && e.innerText",
            LONG,
        )
        .await
        .unwrap();
    app.screenshot("05-refused").await.unwrap();
    assert!(
        said.as_str().unwrap().contains("beginbalans"),
        "the back end's own words are shown: {said}"
    );
    let stored = invoices(&probe.get("/__sandbox/afas/invoices").await.unwrap());
    assert_eq!(stored.len(), before, "a refused invoice is not stored");
    let chip = app
        .text_of("[data-testid=relation-selected]")
        .await
        .unwrap();
    assert!(
        chip.contains(&org_name),
        "the relation is still there: {chip}"
    );
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_typed_draft_is_back_after_a_kill_and_secrets_stay_in_the_keyring() {
    let _one = WINDOW.lock().await;
    if skip_window_test() {
        return;
    }
    let dir = temp_dir("e2e-draft");
    let data_dir = dir.join("data");
    let sandbox_port = free_port();
    let app = App::launch(&data_dir, sandbox_port, &[])
        .await
        .expect("launch");
    app.wait_for("[data-testid=reference]", LONG).await.unwrap();
    let reference = app.find("[data-testid=reference]").await.unwrap();
    reference.click().await.unwrap();
    app.keys("PO-2026-0042 spoed").await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // Kill the process: what was typed more than a second ago is back on screen.
    assert!(kill_app(&data_dir) > 0, "the app process was not found");
    app.quit().await;
    let app = App::launch(&data_dir, sandbox_port, &[])
        .await
        .expect("relaunch");
    let reference = app.wait_for("[data-testid=reference]", LONG).await.unwrap();
    let start = Instant::now();
    while reference.value().await.unwrap() != "PO-2026-0042 spoed" {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the draft did not come back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The smallest supported window: nothing clipped (looked at in the screenshot).
    app.set_window_size(1024, 700).await.unwrap();
    app.screenshot("06-small-window").await.unwrap();
    let overflow = app
        .js(
            "return document.documentElement.scrollWidth > window.innerWidth + 1",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        overflow,
        json!(false),
        "no horizontal scrolling at 1024x700"
    );

    // Connect a "real" AFAS SB environment (the stand-in) with an app token, via Settings.
    app.find("[data-testid=open-settings]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.wait_for("[data-testid=settings-view]", Duration::from_secs(10))
        .await
        .unwrap();
    if let Ok(b) = app
        .wait_for("[data-testid=conn-add]", Duration::from_secs(5))
        .await
    {
        b.click().await.unwrap();
    }
    app.find("[data-testid=conn-name]")
        .await
        .unwrap()
        .send_keys("Kantoor")
        .await
        .unwrap();
    let url = format!("http://127.0.0.1:{sandbox_port}/demo");
    app.find("[data-testid=conn-url]")
        .await
        .unwrap()
        .send_keys(&url)
        .await
        .unwrap();
    app.find("[data-testid=conn-app-token]")
        .await
        .unwrap()
        .send_keys("demo-app-token")
        .await
        .unwrap();
    app.find("[data-testid=conn-save]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.find("[data-testid=conn-test]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let said = app
        .wait_until(
            "the connection test",
            "const r=document.querySelector('[data-testid=conn-test-result]');return r && r.innerText",
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    app.screenshot("04-connected").await.unwrap();
    assert!(
        said.as_str().unwrap().to_lowercase().contains("administ"),
        "the test says what it reached: {said}"
    );
    // The token is in no file under the data directory, and in no log line.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for entry in walk(&data_dir) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        let hay = String::from_utf8_lossy(&bytes);
        assert!(
            !hay.contains("demo-app-token"),
            "the app token leaked into {}",
            entry.display()
        );
        assert!(
            !hay.to_lowercase().contains("bearer "),
            "a bearer token in {}",
            entry.display()
        );
    }

    app.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_store_is_kept_and_the_clerk_is_told() {
    let _one = WINDOW.lock().await;
    if skip_window_test() {
        return;
    }
    let dir = temp_dir("e2e-damaged");
    let data_dir = dir.join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let garbage = b"not a database but a shopping list: bread, milk".repeat(100);
    std::fs::write(data_dir.join("invoice-desk.sqlite3"), &garbage).unwrap();
    let app = App::launch(&data_dir, free_port(), &[])
        .await
        .expect("launch");
    let banner = app
        .wait_for("[data-testid=store-warning]", LONG)
        .await
        .expect("a banner about the store");
    let text = banner.text().await.unwrap();
    app.screenshot("07-damaged-store").await.unwrap();
    assert!(
        text.contains("damaged") || text.contains("beschadigd"),
        "{text}"
    );
    let kept: Vec<_> = walk(&data_dir)
        .into_iter()
        .filter(|p| p.display().to_string().contains(".damaged-"))
        .collect();
    assert_eq!(kept.len(), 1, "one copy of the damaged file is kept");
    assert_eq!(std::fs::read(&kept[0]).unwrap(), garbage);
    assert!(
        text.contains(&kept[0].file_name().unwrap().to_string_lossy().to_string()),
        "the banner says where the copy is: {text}"
    );
    // The app works on a fresh store.
    app.wait_for("[data-testid=relation-input]", LONG)
        .await
        .unwrap();
    app.quit().await;
}
