//! Mollie in the real window, against the demo's stand-in, typed by keyboard: a new business
//! recipient added inline while typing the invoice (Mollie keeps no customer list), a line with
//! a discount, the status "issued" with its e-mail; then what the stand-in received is checked
//! (the invoice's identity as `Idempotency-Key` and in the metadata, the recipient's members,
//! money as strings with two decimals, whole quantities) and what the window shows: the test
//! mode, Mollie's invoice number and its totals beside ours. Then History lists the profile's
//! invoices as Mollie holds them, with the new one on top, and a draft there is issued; and a
//! new draft is started from the invoice sent, with its recipient and line.

use invoice_desk_e2e::form::{choose, focus, in_dutch, retype, retype_checked, value_of};
use invoice_desk_e2e::{free_port, skip_window_test, temp_dir, App, SandboxProbe};
use serde_json::{json, Value};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(90);
/// The demo connection with a profile API key in test mode.
const DEMO: &str = "demo-mollie";
const RECIPIENT: &str = "Bakkerij Van Dijk B.V.";

static WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Switches to the Mollie demo.
async fn use_mollie(app: &App) {
    app.wait_for("[data-testid=connection-select]", LONG)
        .await
        .expect("the connection list");
    app.js(
        "const s=document.querySelector('[data-testid=connection-select]');s.value=arguments[0];s.dispatchEvent(new Event('change',{bubbles:true}));",
        vec![json!(DEMO)],
    )
    .await
    .expect("switch to the Mollie demo");
    app.wait_until(
        "the Mollie form",
        &format!("const s=document.querySelector('[data-testid=connection-select]');return s && s.value==='{DEMO}' && !!document.querySelector('[data-testid=relation-input]')"),
        LONG,
    )
    .await
    .expect("the Mollie form");
}

/// The invoices the stand-in holds that arrived through its API.
async fn stored(probe: &SandboxProbe) -> Vec<Value> {
    probe
        .get("/__sandbox/mollie/invoices")
        .await
        .expect("the stand-in's hook")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The requests the stand-in received.
async fn received(probe: &SandboxProbe) -> Vec<Value> {
    probe
        .get("/__sandbox/mollie/received")
        .await
        .expect("the stand-in's hook")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clerk_adds_a_recipient_inline_issues_a_mollie_invoice_and_sees_mollies_number() {
    let _one = WINDOW.lock().await;
    if skip_window_test() {
        return;
    }
    let dir = temp_dir("e2e-mollie");
    let data_dir = dir.join("data");
    let port = free_port();
    let app = App::launch(&data_dir, port, &[]).await.expect("launch");
    let probe = SandboxProbe::new(port);
    use_mollie(&app).await;
    let nl = in_dutch(&app).await;

    // A test key: every screen says nothing is really sent.
    app.wait_for("[data-testid=test-mode-band]", LONG)
        .await
        .expect("the test mode is shown");

    // A new recipient, added while typing the invoice.
    focus(&app, "relation-input").await;
    app.keys(RECIPIENT).await.expect("type the name");
    app.wait_for("[data-testid=relation-new]", LONG)
        .await
        .expect("a new recipient can be added");
    app.find("[data-testid=relation-new]")
        .await
        .expect("new recipient")
        .click()
        .await
        .expect("click new recipient");
    app.wait_for("[data-testid=recipient-form]", LONG)
        .await
        .expect("the recipient form");
    choose(&app, "recipient-kind", "organisation").await;
    let name = app
        .find("[data-testid=recipient-name]")
        .await
        .expect("the name")
        .value()
        .await
        .expect("its value");
    assert_eq!(name, RECIPIENT, "the typed name carries into the form");
    retype_checked(&app, "recipient-vat-number", "NL123456789B01").await;
    retype_checked(&app, "recipient-email", "administratie@bakkerijvandijk.nl").await;
    retype_checked(&app, "recipient-street-and-number", "Molenstraat 12").await;
    retype_checked(&app, "recipient-postal-code", "3811 AB").await;
    retype_checked(&app, "recipient-city", "Amersfoort").await;
    // Keys that went astray (see retype_checked) must not have changed the name.
    if value_of(&app, "recipient-name").await != RECIPIENT {
        eprintln!(
            "the recipient's name changed while the other fields were typed; typing it again"
        );
        retype_checked(&app, "recipient-name", RECIPIENT).await;
    }
    app.find("[data-testid=recipient-save]")
        .await
        .expect("save")
        .click()
        .await
        .expect("click save");
    app.wait_for("[data-testid=relation-selected]", LONG)
        .await
        .unwrap_or_else(|e| panic!("the new recipient is chosen: {e}"));

    // One line: 2 × 125,00 at 21 % with 10 % discount.
    retype(&app, "line-0-description", "Onderhoud website november").await;
    retype(&app, "line-0-quantity", "2").await;
    retype(&app, "line-0-price", if nl { "125,00" } else { "125.00" }).await;
    choose(&app, "line-0-discount-kind", "percentage").await;
    retype(&app, "line-0-discount-value", "10").await;
    // The line shows what it comes to after its own discount, as the totals count it.
    app.wait_until(
        "the line's amounts after its discount",
        "const e=document.querySelector('[data-testid=line-0-amount-excl]');\
         const v=document.querySelector('[data-testid=line-0-amount-vat]');\
         return !!e && !!v && /^225[.,]00$/.test(e.value) && /47[.,]25/.test(v.innerText)",
        LONG,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));

    // Issue it, with the e-mail Mollie sends.
    choose(&app, "extra-status", "issued").await;
    retype(&app, "extra-email_subject", "Factuur november").await;
    retype(
        &app,
        "extra-email_body",
        "Beste klant, in de bijlage vindt u de factuur.",
    )
    .await;
    app.js(
        "document.activeElement && document.activeElement.blur()",
        vec![],
    )
    .await
    .expect("leave the field");
    app.set_window_size(1280, 1060).await.expect("resize");
    app.screenshot("mollie-01-filled").await.expect("shot");

    let before = stored(&probe).await.len();
    app.find("[data-testid=submit]")
        .await
        .expect("submit")
        .click()
        .await
        .expect("click submit");
    let said = app
        .wait_until(
            "the submit result",
            "const r=document.querySelector('[data-testid=submit-result]');return r && r.dataset.state==='sent' && r.innerText",
            LONG,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let said = said.as_str().unwrap_or_default().to_string();
    app.screenshot("mollie-02-sent").await.expect("shot");

    // What Mollie received: one invoice, with our identity as its key and in its metadata.
    let all = stored(&probe).await;
    assert_eq!(all.len(), before + 1, "one invoice");
    let inv = all.last().unwrap();
    let answer = &inv["answer"];
    assert_eq!(inv["status"], json!("issued"));
    let number = inv["invoice_number"]
        .as_str()
        .expect("a number once issued");
    assert!(said.contains(number), "Mollie's number on screen: {said}");
    let db = rusqlite::Connection::open(data_dir.join("invoice-desk.sqlite3")).expect("the store");
    let identity: String = db
        .query_row(
            "SELECT identity FROM outbox WHERE state='sent' AND connection_id=?1 ORDER BY created_at DESC LIMIT 1",
            [DEMO],
            |r| r.get(0),
        )
        .expect("the sent invoice's identity");
    let creates: Vec<Value> = received(&probe)
        .await
        .into_iter()
        .filter(|r| r["method"] == json!("POST") && r["invoice_id"] == inv["id"])
        .collect();
    assert_eq!(creates.len(), 1, "one create: {creates:#?}");
    assert_eq!(creates[0]["idempotency_key"], json!(identity));
    let body = &creates[0]["body"];
    assert_eq!(body["metadata"]["invoiceDeskId"], json!(identity));
    assert_eq!(body["status"], json!("issued"));
    assert_eq!(body["emailDetails"]["subject"], json!("Factuur november"));
    assert_eq!(body["recipient"]["type"], json!("business"));
    assert_eq!(body["recipient"]["organizationName"], json!(RECIPIENT));
    assert_eq!(body["recipient"]["vatNumber"], json!("NL123456789B01"));
    assert_eq!(body["recipient"]["city"], json!("Amersfoort"));
    assert_eq!(body["recipient"]["country"], json!("NL"));
    assert!(
        body["recipientIdentifier"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{body:#}"
    );
    let line = &body["lines"][0];
    assert_eq!(line["quantity"], json!(2));
    assert_eq!(line["unitPrice"]["value"], json!("125.00"));
    assert_eq!(line["vatRate"], json!("21.00"));
    assert_eq!(
        line["discount"],
        json!({"type": "percentage", "value": "10.00"}),
        "{body:#}"
    );
    // 2 × 125,00 − 10 % = 225,00; 21 % VAT 47,25.
    assert_eq!(
        answer["totalAmount"]["value"],
        json!("272.25"),
        "{answer:#}"
    );
    assert_eq!(answer["totalVatAmount"]["value"], json!("47.25"));
    assert_eq!(
        line["description"],
        json!("Onderhoud website november"),
        "{body:#}"
    );

    // Mollie's totals beside ours, the same.
    let differs = app
        .js(
            "const a=document.querySelector('[data-testid=submit-answer]');return a?a.dataset.differs:'none'",
            vec![],
        )
        .await
        .expect("the answer");
    assert_eq!(
        differs,
        json!("false"),
        "Mollie's totals match the preview: {answer:#}"
    );

    // History: the profile's invoices as Mollie holds them, the new one among them.
    app.find("[data-testid=open-history]")
        .await
        .expect("History")
        .click()
        .await
        .expect("open History");
    app.wait_for("[data-testid=history-tab-remote]", LONG)
        .await
        .expect("the system's tab")
        .click()
        .await
        .expect("open the system's tab");
    app.wait_until(
        "the new invoice in Mollie's list",
        &format!(
            "return [...document.querySelectorAll('[data-testid=remote-row]')].some(r => r.innerText.includes({}))",
            serde_json::to_string(number).unwrap()
        ),
        LONG,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    app.screenshot("mollie-03-history").await.expect("shot");

    // A draft of the profile is issued from History.
    let draft = app
        .wait_until(
            "a draft with its actions",
            "const r=[...document.querySelectorAll('[data-testid=remote-row]')].find(r=>r.dataset.state==='draft' && r.querySelector('[data-testid=remote-action-issue]'));return r ? r.dataset.id : null",
            LONG,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let draft = draft.as_str().expect("a draft's id").to_string();
    app.js(
        "const r=[...document.querySelectorAll('[data-testid=remote-row]')].find(r=>r.dataset.id===arguments[0]);r.scrollIntoView({block:'center'});r.querySelector('[data-testid=remote-action-issue]').click()",
        vec![json!(draft)],
    )
    .await
    .expect("issue the draft");
    app.wait_for("[data-testid=remote-action-form]", LONG)
        .await
        .expect("the issue form");
    let inputs = app
        .js(
            "return [...document.querySelectorAll('[data-testid=remote-action-form] input, [data-testid=remote-action-form] textarea')].map(e=>e.getAttribute('data-testid'))",
            vec![],
        )
        .await
        .expect("the form's fields");
    for (k, testid) in inputs
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(t) = testid.as_str() {
            retype(&app, t, if k == 0 { "Uw factuur" } else { "Zie bijlage." }).await;
        }
    }
    app.js(
        "const f=document.querySelector('[data-testid=remote-action-form]');f.requestSubmit();",
        vec![],
    )
    .await
    .expect("send the action");
    app.wait_until(
        "the draft issued",
        &format!(
            "const r=[...document.querySelectorAll('[data-testid=remote-row]')].find(r=>r.dataset.id==={});return !!r && r.dataset.state!=='draft'",
            serde_json::to_string(&draft).unwrap()
        ),
        LONG,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let patches: Vec<Value> = received(&probe)
        .await
        .into_iter()
        .filter(|r| r["method"] == json!("PATCH") && r["invoice_id"] == json!(draft))
        .collect();
    assert_eq!(patches.len(), 1, "one update: {patches:#?}");
    assert_eq!(patches[0]["body"]["status"], json!("issued"));
    app.screenshot("mollie-04-issued-from-history")
        .await
        .expect("shot");

    // "Start from this invoice" on the invoice sent from here: a new draft with its recipient
    // and line, in the form.
    app.find("[data-testid=history-tab-outbox]")
        .await
        .expect("the outbox tab")
        .click()
        .await
        .expect("open the outbox tab");
    app.wait_for("[data-testid=history-start]", LONG)
        .await
        .expect("Start from this invoice")
        .click()
        .await
        .expect("start from the sent invoice");
    app.wait_until(
        "the new draft with the recipient and the line",
        &format!(
            "const c=document.querySelector('[data-testid=relation-selected]');const d=document.querySelector('[data-testid=line-0-description]');return !!c && c.innerText.includes({}) && !!d && d.value==='Onderhoud website november'",
            serde_json::to_string(RECIPIENT).unwrap()
        ),
        LONG,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    app.screenshot("mollie-05-started-from-sent")
        .await
        .expect("shot");
    app.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn typing_a_line_amount_incl_vat_moves_the_invoice_there_and_no_total_changes() {
    let _one = WINDOW.lock().await;
    if skip_window_test() {
        return;
    }
    let dir = temp_dir("e2e-mollie-basis");
    let port = free_port();
    let app = App::launch(&dir.join("data"), port, &[])
        .await
        .expect("launch");
    use_mollie(&app).await;
    let nl = in_dutch(&app).await;
    let money = |s: &str| {
        if nl {
            s.replace('.', ",")
        } else {
            s.to_string()
        }
    };

    // Prices excl. VAT at 21 %: 2 × 125.00 − 10.00 = 240.00 and 1 × 100.00; 34.00 off the
    // invoice: 306.00 net, 370.26 in all.
    retype(&app, "line-0-description", "Onderhoud").await;
    retype(&app, "line-0-quantity", "2").await;
    retype(&app, "line-0-price", &money("125.00")).await;
    choose(&app, "line-0-discount-kind", "amount").await;
    retype(&app, "line-0-discount-value", &money("10.00")).await;
    app.find("[data-testid=add-line]")
        .await
        .expect("add a line")
        .click()
        .await
        .expect("click add a line");
    app.wait_for("[data-testid=line-1-price]", LONG)
        .await
        .expect("the second line");
    retype(&app, "line-1-description", "Hosting").await;
    retype(&app, "line-1-quantity", "1").await;
    retype(&app, "line-1-price", &money("100.00")).await;
    choose(&app, "invoice-discount-kind", "amount").await;
    retype(&app, "invoice-discount-value", &money("34.00")).await;
    let total = "const g=document.querySelector('[data-testid=total-gross]');return !!g && /370[.,]26/.test(g.innerText)";
    app.wait_until("370.26 in all, excl. VAT", total, LONG)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // The clerk types the second line's amount incl. VAT: the invoice moves to prices incl.
    // VAT, and each discount given as an amount keeps what it is worth.
    retype(&app, "line-1-amount-incl", &money("121.00")).await;
    app.js(
        "document.activeElement && document.activeElement.blur()",
        vec![],
    )
    .await
    .expect("leave the field");
    let on_new_basis = "const v=id=>{const e=document.querySelector(`[data-testid=\"${id}\"]`);return e?e.value:''};\
         return /^12[.,]10$/.test(v('line-0-discount-value')) && /^41[.,]14$/.test(v('invoice-discount-value'))\
           && /^151[.,]25$/.test(v('line-0-price')) && /^121[.,]00$/.test(v('line-1-price'))";
    if let Err(e) = app
        .wait_until("the discounts on the new basis", on_new_basis, LONG)
        .await
    {
        panic!(
            "{e}: line 1 {} with {} off, line 2 {}, {} off the invoice",
            value_of(&app, "line-0-price").await,
            value_of(&app, "line-0-discount-value").await,
            value_of(&app, "line-1-price").await,
            value_of(&app, "invoice-discount-value").await
        );
    }
    if let Err(e) = app
        .wait_until("still 370.26 in all, incl. VAT", total, LONG)
        .await
    {
        let total = app.text_of("[data-testid=total-gross]").await;
        panic!("{e}: {total:?}");
    }
    app.screenshot("mollie-basis").await.expect("shot");
    app.quit().await;
}
