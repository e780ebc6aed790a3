//! Silvasoft in the real window, one test per booking module, against the demo's stand-in;
//! then what the stand-in received is checked.

use invoice_desk_e2e::{free_port, skip_window_test, temp_dir, App, SandboxProbe};
use serde_json::{json, Value};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(90);

static WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Switches the window to a connection and waits until its customers are cached.
async fn use_connection(app: &App, id: &str) {
    app.wait_for("[data-testid=connection-select]", LONG)
        .await
        .unwrap();
    app.js(
        "const s=document.querySelector('[data-testid=connection-select]');s.value=arguments[0];s.dispatchEvent(new Event('change',{bubbles:true}));",
        vec![json!(id)],
    )
    .await
    .unwrap();
    app.wait_until(
        "the Silvasoft form",
        "const s=document.querySelector('[data-testid=connection-select]');return s && s.value===arguments[0] && !document.querySelector('[data-testid=admin-select]')".replace("arguments[0]", &format!("'{id}'")).as_str(),
        LONG,
    )
    .await
    .unwrap();
    app.wait_until(
        "the customer cache",
        "const t=document.querySelector('[data-testid=sync-status]');return t && /[1-9][0-9.,]* /.test(t.innerText)",
        LONG,
    )
    .await
    .unwrap();
}

/// Types into a type-ahead and takes the option that contains `needle`.
async fn pick(app: &App, field: &str, typed: &str, option: &str, needle: &str) {
    let f = app.find(field).await.unwrap();
    f.click().await.unwrap();
    app.keys(typed).await.unwrap();
    let script = format!(
        "const o=[...document.querySelectorAll('{option}')].find(e=>e.innerText.includes({}));if(!o)return false;o.dispatchEvent(new MouseEvent('mousedown',{{bubbles:true}}));o.click();return true;",
        serde_json::to_string(needle).unwrap()
    );
    app.wait_until(&format!("the option {needle}"), &script, LONG)
        .await
        .unwrap();
}

async fn set_field(app: &App, testid: &str, value: &str) {
    let e = app
        .find(&format!("[data-testid=\"{testid}\"]"))
        .await
        .unwrap();
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

async fn submit_and_wait(app: &App) -> String {
    app.find("[data-testid=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let v = app
        .wait_until(
            "the submit result",
            "const r=document.querySelector('[data-testid=submit-result]');return r && r.dataset.state==='sent' && r.innerText",
            LONG,
        )
        .await
        .unwrap();
    v.as_str().unwrap_or_default().to_string()
}

fn today_ddmmyyyy() -> String {
    // The date the form starts with, in Silvasoft's dd-MM-yyyy.
    let out = std::process::Command::new("date")
        .arg("+%d-%m-%Y")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn silvasoft_bookkeeping_in_the_real_window() {
    let _one = WINDOW.lock().await;
    if skip_window_test() {
        return;
    }
    let dir = temp_dir("e2e-silva-book");
    let port = free_port();
    let app = App::launch(&dir.join("data"), port, &[])
        .await
        .expect("launch");
    let probe = SandboxProbe::new(port);
    use_connection(&app, "demo-silvasoft-bookkeeping").await;

    pick(
        &app,
        "[data-testid=relation-input]",
        "Demo bedrijf",
        "[data-testid=relation-option]",
        "Demo bedrijf",
    )
    .await;
    set_field(&app, "line-0-description", "Advieswerk november").await;
    set_field(&app, "line-0-price", "121,00").await;
    set_field(&app, "line-0-field-ledger_account_number", "8000").await;
    set_field(&app, "line-0-field-cost_center", "Advies").await;
    set_field(&app, "extra-invoice_notes", "Factuur via Invoice Desk").await;
    app.wait_until(
        "the totals",
        "const t=document.querySelector('[data-testid=total-gross]');return t && /121/.test(t.innerText)",
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    app.screenshot("10-silvasoft-bookkeeping").await.unwrap();
    let said = submit_and_wait(&app).await;
    app.screenshot("11-silvasoft-bookkeeping-sent")
        .await
        .unwrap();
    assert!(said.contains("90000001"), "the number is shown: {said}");

    let stored = probe.get("/__sandbox/silvasoft/invoices").await.unwrap();
    let inv = stored
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["invoice_number"].to_string().trim_matches('"') == "90000001")
        .cloned()
        .expect("the invoice reached the stand-in");
    assert_eq!(inv["module"], json!("bookkeeping"));
    let body = &inv["body"];
    assert_eq!(body["CustomerNumber"], json!(1));
    assert_eq!(body["InvoiceNumber"], json!(90000001));
    assert_eq!(body["InvoiceDate"], json!(today_ddmmyyyy()));
    assert_eq!(body["InvoiceNotes"], json!("Factuur via Invoice Desk"));
    let raw = inv["raw_body"].as_str().unwrap();
    assert!(
        raw.contains("\"SubTotalInclTax\":121.00") || raw.contains("\"SubTotalInclTax\":121"),
        "a plain dot decimal: {raw}"
    );
    assert!(!raw.contains("121,00"));
    let line = &body["Invoice_InvoiceLine"][0];
    assert_eq!(line["TaxPc"].to_string().trim_matches('"'), "21");
    assert_eq!(line["LedgerAccountNumber"], json!("8000"));
    assert_eq!(line["CostCenter"], json!("Advies"));
    assert_eq!(
        inv["amounts"]["incl"]
            .as_str()
            .map(|s| s.trim_end_matches('0').trim_end_matches('.')),
        Some("121")
    );
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn silvasoft_invoicing_in_the_real_window() {
    let _one = WINDOW.lock().await;
    if skip_window_test() {
        return;
    }
    let dir = temp_dir("e2e-silva-inv");
    let file = dir.join("werkbon-117.pdf");
    let bytes: Vec<u8> = b"%PDF-1.4\n% werkbon\n"
        .iter()
        .copied()
        .chain((0..20_000u32).map(|i| (i % 251) as u8))
        .collect();
    std::fs::write(&file, &bytes).unwrap();
    let port = free_port();
    let app = App::launch(
        &dir.join("data"),
        port,
        &[("INVOICE_DESK_PICK_FILES", file.display().to_string())],
    )
    .await
    .expect("launch");
    let probe = SandboxProbe::new(port);
    use_connection(&app, "demo-silvasoft-invoicing").await;

    pick(
        &app,
        "[data-testid=relation-input]",
        "Klaproos",
        "[data-testid=relation-option]",
        "Klaproos",
    )
    .await;
    pick(
        &app,
        "[data-testid=line-0-product]",
        "KOF",
        "[data-testid=product-option]",
        "KOF-1KG",
    )
    .await;
    set_field(&app, "line-0-quantity", "2").await;
    set_field(&app, "reference", "PO 4471").await;
    app.find("[data-testid=attach-button]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.wait_for("[data-testid=attachment-row]", Duration::from_secs(10))
        .await
        .unwrap();
    app.screenshot("12-silvasoft-invoicing").await.unwrap();
    let said = submit_and_wait(&app).await;

    let stored: Vec<Value> = probe
        .get("/__sandbox/silvasoft/invoices")
        .await
        .unwrap()
        .as_array()
        .cloned()
        .unwrap();
    let inv = stored
        .iter()
        .rev()
        .find(|i| i["module"] == json!("invoicing"))
        .cloned()
        .expect("an invoicing invoice reached the stand-in");
    let number = inv["invoice_number"]
        .to_string()
        .trim_matches('"')
        .to_string();
    assert!(
        said.contains(&number),
        "the number Silvasoft gave ({number}) is shown: {said}"
    );
    let body = &inv["body"];
    assert_eq!(body["InvoiceReference"], json!("PO 4471"));
    assert!(
        body.get("InvoiceNumber").is_none(),
        "numbering is left to Silvasoft"
    );
    let line = &body["Invoice_InvoiceLine"][0];
    assert_eq!(line["ProductNumber"], json!("KOF-1KG"));
    assert_eq!(line["Quantity"].to_string().trim_matches('"'), "2");
    let att = &inv["attachment"];
    assert_eq!(att["file_name"], json!("werkbon-117.pdf"));
    assert_eq!(att["size"], json!(bytes.len()));
    let got = probe
        .bytes(&format!("/__sandbox/silvasoft/attachments/{number}"))
        .await
        .unwrap();
    assert_eq!(got, bytes, "the attachment arrived byte for byte");
    app.quit().await;
}
