//! Silvasoft in the real window, one test per booking module, against the demo's stand-in;
//! then what the stand-in received is checked.

use invoice_desk_e2e::form::{pick, retype_checked, send_and_wait};
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
        "relation-input",
        "[data-testid=relation-option]",
        "Demo bedrijf",
        "Demo bedrijf",
    )
    .await;
    retype_checked(&app, "line-0-description", "Advieswerk november").await;
    retype_checked(&app, "line-0-price", "121,00").await;
    retype_checked(&app, "line-0-field-ledger_account_number", "8000").await;
    retype_checked(&app, "line-0-field-cost_center", "Advies").await;
    retype_checked(&app, "extra-invoice_notes", "Factuur via Invoice Desk").await;
    app.wait_until(
        "the totals",
        "const t=document.querySelector('[data-testid=total-gross]');return t && /121/.test(t.innerText)",
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    app.screenshot("10-silvasoft-bookkeeping").await.unwrap();
    let said = send_and_wait(&app).await;
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
        "relation-input",
        "[data-testid=relation-option]",
        "Klaproos",
        "Klaproos",
    )
    .await;
    pick(
        &app,
        "line-0-product",
        "[data-testid=product-option]",
        "KOF",
        "KOF-1KG",
    )
    .await;
    retype_checked(&app, "line-0-quantity", "2").await;
    retype_checked(&app, "reference", "PO 4471").await;
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
    let said = send_and_wait(&app).await;

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
