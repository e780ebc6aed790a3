//! Bloxs in the real window, against the demo's stand-in, typed by keyboard: the owner, a
//! relation found by part of its name, a sales contract, a service item per line, a real-estate
//! object and a ledger account on a line, a line amount incl. VAT, the supply date and the
//! payment method; then what the stand-in received is checked (the invoice's identity as
//! `externalIdentifier`, the amounts to the cent) and what the window shows (Bloxs's reference
//! and the state in words). Then a line the stand-in refuses: its message is on that line's
//! field.

use invoice_desk_e2e::form::{choose, dec, focus, in_dutch, pick, plain, retype, value_of};
use invoice_desk_e2e::{free_port, keys, skip_window_test, temp_dir, App, SandboxProbe};
use serde_json::{json, Value};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(90);
const DEMO: &str = "demo-bloxs";
const OWNER: &str = "OWN-0001";
const OTHER_OWNER: &str = "OWN-0002";
/// Fixed in the stand-in's data: `CON-00001` is a contract of `OWN-0001` with this relation.
const RELATION: &str = "REL-000001";
const RELATION_NAME: &str = "Huisartsenpraktijk Noorderpoort";
const CONTRACT: &str = "CON-00001";

static WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Calls the Bloxs stand-in's API as the demo does (with a token of the demo's key).
async fn bloxs(port: u16, method: &str, path: &str, body: Option<Value>) -> Value {
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}/bloxs");
    let tok: Value = http
        .post(format!("{base}/Authorization"))
        .json(&json!({"apiKey": "demo-bloxs-key", "apiSecret": "demo-bloxs-secret"}))
        .send()
        .await
        .expect("the stand-in answers")
        .json()
        .await
        .expect("a token");
    let token = tok["token"].as_str().expect("a token").to_string();
    let rb = match method {
        "GET" => http.get(format!("{base}{path}")),
        _ => http
            .post(format!("{base}{path}"))
            .json(&body.unwrap_or(json!({}))),
    };
    rb.bearer_auth(token)
        .send()
        .await
        .expect("the stand-in answers")
        .json()
        .await
        .expect("JSON")
}

/// Every item of a filter call (one page of 1000 is enough for the demo's owners' lists).
async fn filter(port: u16, path: &str, filter: Value) -> Vec<Value> {
    let v = bloxs(
        port,
        "POST",
        path,
        Some(json!({"paging": {"pageSize": 1000, "pageNumber": 1}, "filter": filter})),
    )
    .await;
    v["items"].as_array().cloned().unwrap_or_default()
}

/// Switches to the Bloxs demo and waits until its relations are cached.
async fn use_bloxs(app: &App) {
    app.wait_for("[data-testid=connection-select]", LONG)
        .await
        .expect("the connection list");
    app.js(
        "const s=document.querySelector('[data-testid=connection-select]');s.value=arguments[0];s.dispatchEvent(new Event('change',{bubbles:true}));",
        vec![json!(DEMO)],
    )
    .await
    .expect("switch to the Bloxs demo");
    app.wait_until(
        "the Bloxs form with its owners",
        &format!("const s=document.querySelector('[data-testid=connection-select]');const a=document.querySelector('[data-testid=admin-select]');return s && s.value==='{DEMO}' && a && a.options.length > 1"),
        LONG,
    )
    .await
    .expect("the Bloxs form");
}

/// Takes a service item on the first line by type-ahead (its first six letters).
async fn pick_item(app: &App, item: &str) {
    pick(
        app,
        "line-0-product",
        "[data-testid=product-option]",
        &item[..item.len().min(6)],
        item,
    )
    .await;
}

/// Takes a real-estate object on the first line by type-ahead (its first eight letters).
async fn pick_unit(app: &App, unit_name: &str) {
    pick(
        app,
        "line-0-field-real_estate_object",
        "[data-testid=line-0-field-real_estate_object-option]",
        &unit_name[..unit_name.len().min(8)],
        unit_name,
    )
    .await;
}

/// Chooses an owner in the top bar (see [`choose`]) and waits for that owner's look-ups.
async fn choose_owner(app: &App, owner: &str) {
    app.wait_until(
        &format!("the owner {owner} offered"),
        &format!("const a=document.querySelector('[data-testid=admin-select]');return a && [...a.options].some(o=>o.value==='{owner}')"),
        LONG,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let seq = app.sync_seq(DEMO).await;
    let before = app
        .js(
            "return document.querySelector('[data-testid=admin-select]').value",
            vec![],
        )
        .await
        .expect("the owner now");
    choose(app, "admin-select", owner).await;
    // The look-ups of that owner arrive: a refresh that started after the choice (the one
    // before it says nothing of this owner). Choosing the owner already chosen starts none.
    if before.as_str() != Some(owner) {
        app.wait_for_sync_after(DEMO, seq, LONG)
            .await
            .expect("the owner's look-ups");
    } else {
        app.wait_for_sync(DEMO, LONG)
            .await
            .expect("the owner's look-ups");
    }
}

/// The services the stand-in received.
async fn received(probe: &SandboxProbe) -> Vec<Value> {
    probe
        .get("/__sandbox/bloxs/invoices")
        .await
        .expect("the stand-in's hook")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clerk_types_a_bloxs_invoice_by_keyboard_and_bloxs_receives_it_to_the_cent() {
    let _one = WINDOW.lock().await;
    if skip_window_test() {
        return;
    }
    let dir = temp_dir("e2e-bloxs");
    let data_dir = dir.join("data");
    let port = free_port();
    let app = App::launch(&data_dir, port, &[]).await.expect("launch");
    let probe = SandboxProbe::new(port);
    use_bloxs(&app).await;
    choose_owner(&app, OWNER).await;
    // The top bar calls the choice what Bloxs calls it.
    let label = app
        .text_of("[data-testid=admin-label]")
        .await
        .unwrap_or_default();
    assert!(
        label.trim() == "Owner" || label.trim() == "Eigenaar",
        "{label}"
    );

    // What the stand-in offers this owner: two service items at 21 % VAT, an object, a
    // ledger account.
    let items = bloxs(
        port,
        "GET",
        "/api/v1/invoices/salesinvoiceservices/serviceitems",
        None,
    )
    .await;
    let at_21: Vec<Value> = items
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| {
            let excl: f64 = dec(&i["amountExcl"]).parse().unwrap_or(0.0);
            let vat: f64 = dec(&i["amountVAT"]).parse().unwrap_or(0.0);
            excl > 0.0 && (vat / excl - 0.21).abs() < 0.001
        })
        .collect();
    assert!(at_21.len() >= 2, "two service items at 21 %: {items}");
    let (item1, item2) = (
        at_21[0]["name"].as_str().unwrap().to_string(),
        at_21[1]["name"].as_str().unwrap().to_string(),
    );
    let units = filter(
        port,
        "/api/v1/realestateobjects/units/filter",
        json!({"ownerReference": OWNER}),
    )
    .await;
    let unit = units.first().expect("an object of the owner").clone();
    let unit_ref = unit["reference"].as_str().unwrap().to_string();
    let unit_name = unit["name"].as_str().unwrap().to_string();
    let ledgers = filter(port, "/api/v1/finance/ledgeraccounts/filter", json!({})).await;
    let ledger = ledgers
        .iter()
        .find(|l| {
            l["specificForOwnerReference"].is_null() && l["code"] != at_21[0]["ledgerAccountCode"]
        })
        .expect("a ledger account for every owner")
        .clone();
    let ledger_code = ledger["code"].as_str().unwrap().to_string();

    // The relation by part of its name, then the contract of this owner and relation.
    pick(
        &app,
        "relation-input",
        "[data-testid=relation-option]",
        "Noorderp",
        RELATION_NAME,
    )
    .await;
    app.wait_for("[data-testid=relation-selected]", Duration::from_secs(10))
        .await
        .expect("the relation is chosen");
    pick(
        &app,
        "extra-sales_contract",
        "[data-testid=extra-sales_contract-option]",
        CONTRACT,
        CONTRACT,
    )
    .await;

    // Line 1: a service item, 2 items, the amount incl. VAT typed (the price follows), an
    // object and a ledger account.
    let nl = in_dutch(&app).await;
    pick_item(&app, &item1).await;
    retype(&app, "line-0-quantity", "2").await;
    retype(
        &app,
        "line-0-amount-incl",
        if nl { "302,50" } else { "302.50" },
    )
    .await;
    pick_unit(&app, &unit_name).await;
    // The service item filled in its own ledger account; the clerk chooses another one.
    let item_ledger = at_21[0]["ledgerAccountCode"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if !item_ledger.is_empty() {
        app.wait_until(
            "the service item's ledger account",
            &format!(
                "const e=document.querySelector('[data-testid=line-0-field-ledger_account]');return !!e && e.value.startsWith({})",
                serde_json::to_string(&item_ledger).unwrap()
            ),
            LONG,
        )
        .await
        .expect("the ledger account filled in by the service item");
    }
    app.find("[data-testid=\"line-0-field-ledger_account\"]")
        .await
        .expect("the ledger account")
        .clear()
        .await
        .expect("clear");
    pick(
        &app,
        "line-0-field-ledger_account",
        "[data-testid=line-0-field-ledger_account-option]",
        &ledger_code,
        &ledger_code,
    )
    .await;
    // Line 2: another service item at its own price.
    // Enter on the last line adds a line.
    focus(&app, "line-0-quantity").await;
    app.keys(keys::ENTER).await.expect("Enter");
    app.wait_for("[data-testid=line-1-product]", LONG)
        .await
        .expect("a second line");
    pick(
        &app,
        "line-1-product",
        "[data-testid=product-option]",
        &item2[..item2.len().min(6)],
        &item2,
    )
    .await;
    retype(&app, "line-1-quantity", "1").await;

    // The header: supply date and payment method (bank transfer).
    retype(
        &app,
        "issue-date",
        if nl { "15-11-2026" } else { "15/11/2026" },
    )
    .await;
    app.keys(keys::TAB).await.expect("leave the date");
    choose(&app, "extra-payment_method", "2").await;

    // The line's amounts as the window shows them: the typed 302,50 is kept exactly.
    app.wait_until(
        "the line amounts",
        "const e=document.querySelector('[data-testid=line-0-amount-vat]');return e && /[1-9]/.test(e.innerText) && document.activeElement !== document.querySelector('[data-testid=line-0-amount-incl]')",
        LONG,
    )
    .await
    .expect("the line amounts");
    // The whole form in one picture (docs/screenshot-bloxs.png is taken from it).
    app.js(
        "document.activeElement && document.activeElement.blur()",
        vec![],
    )
    .await
    .expect("leave the list");
    app.set_window_size(1280, 1060).await.expect("resize");
    app.js(
        "document.querySelector('[data-testid=relation-input], [data-testid=relation-selected]').scrollIntoView({block:'start'})",
        vec![],
    )
    .await
    .expect("scroll");
    let shot = app.screenshot("bloxs-01-filled").await.expect("shot");
    eprintln!("the filled Bloxs form: {}", shot.display());
    let shown_excl = plain(&value_of(&app, "line-0-amount-excl").await);
    let shown_vat = plain(
        &app.text_of("[data-testid=line-0-amount-vat]")
            .await
            .unwrap_or_default(),
    );
    let shown_incl = plain(&value_of(&app, "line-0-amount-incl").await);
    assert_eq!(shown_incl, "302.50", "the amount typed is kept");
    assert_eq!(shown_excl, "250.00");
    assert_eq!(shown_vat, "52.50");

    // Send.
    let before = received(&probe).await.len();
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
    app.screenshot("bloxs-02-sent").await.expect("shot");

    let all = received(&probe).await;
    assert_eq!(all.len(), before + 1, "one invoice");
    let inv = all.last().unwrap();
    let body = &inv["body"];
    let db = rusqlite::Connection::open(data_dir.join("invoice-desk.sqlite3")).expect("the store");
    let identity: String = db
        .query_row(
            "SELECT identity FROM outbox WHERE state='sent' AND connection_id=?1 ORDER BY created_at DESC LIMIT 1",
            [DEMO],
            |r| r.get(0),
        )
        .expect("the sent invoice's identity");
    assert_eq!(body["externalIdentifier"], json!(identity));
    assert_eq!(body["ownerReference"], json!(OWNER));
    assert_eq!(body["relationReference"], json!(RELATION));
    assert_eq!(body["salesContractReference"], json!(CONTRACT));
    assert_eq!(body["paymentMethod"], json!(2));
    assert_eq!(body["supplyDate"], json!("2026-11-15"));
    let lines = body["lines"].as_array().cloned().unwrap_or_default();
    assert_eq!(lines.len(), 2, "{body:#}");
    let l0 = &lines[0];
    assert_eq!(l0["serviceItemName"], json!(item1));
    assert_eq!(l0["numberOfItems"], json!(2));
    assert_eq!(l0["realEstateObjectReference"], json!(unit_ref));
    assert_eq!(l0["ledgerAccountCode"], json!(ledger_code));
    assert_eq!(dec(&l0["amountExcl"]), "250.00");
    assert_eq!(dec(&l0["amountVAT"]), "52.50");
    assert_eq!(dec(&l0["amountIncl"]), "302.50");
    assert_eq!(dec(&l0["amountExclPerItem"]), "125.00");
    let l1 = &lines[1];
    assert_eq!(l1["serviceItemName"], json!(item2));
    assert_eq!(dec(&l1["amountExcl"]), dec(&at_21[1]["amountExcl"]));
    assert_eq!(dec(&l1["amountIncl"]), dec(&at_21[1]["amountIncl"]));

    // The window shows Bloxs's reference, its state in words and its totals beside ours.
    let reference = inv["reference"].as_str().expect("a reference");
    assert!(
        said.contains(reference),
        "Bloxs's reference on screen: {said}"
    );
    let state = app
        .text_of("[data-testid=submit-answer-state]")
        .await
        .unwrap_or_default();
    assert!(
        state.contains("Concept") || state.contains("Draft"),
        "the state in words: {state}"
    );
    let differs = app
        .js(
            "const a=document.querySelector('[data-testid=submit-answer]');return a?a.dataset.differs:'none'",
            vec![],
        )
        .await
        .expect("the answer");
    assert_eq!(differs, json!("false"), "Bloxs's totals match the preview");

    // History shows the same answer next to the invoice.
    app.find("[data-testid=open-history]")
        .await
        .expect("History")
        .click()
        .await
        .expect("open History");
    let in_history = app
        .wait_until(
            "the answer in History",
            "const e=document.querySelector('[data-testid=history-answer-state]');return e && e.innerText",
            LONG,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        in_history.as_str(),
        Some(state.as_str()),
        "the same state in History"
    );
    let incl = app
        .text_of("[data-testid=history-answer-incl]")
        .await
        .unwrap_or_default();
    // 302,50 typed plus the second item's own amount incl. VAT, in cents.
    let cents = |s: &str| -> i64 { s.replace('.', "").parse().unwrap_or(i64::MIN) };
    let want = cents("302.50") + cents(&dec(&at_21[1]["amountIncl"]));
    let want = format!("{}.{:02}", want / 100, want % 100);
    assert_eq!(
        dec(&inv["detail"]["totalAmountIncl"]),
        want,
        "Bloxs's own total"
    );
    assert!(
        incl.contains(&want) || incl.contains(&want.replace('.', ",")),
        "Bloxs's total incl. VAT ({want}) in History: {incl}"
    );
    app.screenshot("bloxs-04-history").await.expect("shot");
    app.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_bloxs_refuses_shows_bloxss_message_on_that_lines_field() {
    let _one = WINDOW.lock().await;
    if skip_window_test() {
        return;
    }
    let dir = temp_dir("e2e-bloxs-refused");
    let port = free_port();
    let app = App::launch(&dir.join("data"), port, &[])
        .await
        .expect("launch");
    let probe = SandboxProbe::new(port);
    use_bloxs(&app).await;
    choose_owner(&app, OWNER).await;
    let items = bloxs(
        port,
        "GET",
        "/api/v1/invoices/salesinvoiceservices/serviceitems",
        None,
    )
    .await;
    let item = items[0]["name"]
        .as_str()
        .expect("a service item")
        .to_string();
    let unit = filter(
        port,
        "/api/v1/realestateobjects/units/filter",
        json!({"ownerReference": OWNER}),
    )
    .await
    .first()
    .cloned()
    .expect("an object of the owner");
    let unit_name = unit["name"].as_str().unwrap().to_string();

    pick(
        &app,
        "relation-input",
        "[data-testid=relation-option]",
        "Noorderp",
        RELATION_NAME,
    )
    .await;
    pick_item(&app, &item).await;
    pick_unit(&app, &unit_name).await;
    choose(&app, "extra-payment_method", "2").await;
    // The clerk takes another owner: the object chosen belongs to the first, so it is cleared.
    choose_owner(&app, OTHER_OWNER).await;
    app.wait_until(
        "the first owner's object cleared",
        "const e=document.querySelector('[data-testid=line-0-field-real_estate_object]');return e && e.value===''",
        LONG,
    )
    .await
    .expect("an object of the owner before does not stay in the draft");
    // Back to the first owner, and its object again.
    choose_owner(&app, OWNER).await;
    if value_of(&app, "line-0-product").await.is_empty() {
        pick_item(&app, &item).await;
    }
    pick_unit(&app, &unit_name).await;
    // Meanwhile the object moved to another owner in Bloxs: Bloxs refuses it on its line.
    let moved = probe
        .post(
            "/__sandbox/bloxs/mutate",
            json!({
                "entity": "units",
                "action": "update",
                "id": unit["reference"],
                "fields": {"ownerReference": OTHER_OWNER},
            }),
        )
        .await
        .expect("the stand-in's hook");
    assert_eq!(
        moved["records"][0]["ownerReference"],
        json!(OTHER_OWNER),
        "{moved}"
    );
    let before = received(&probe).await.len();
    app.find("[data-testid=submit]")
        .await
        .expect("submit")
        .click()
        .await
        .expect("click submit");
    let said = app
        .wait_until(
            "the refusal on the line's object",
            "const e=document.querySelector('[data-testid=\"field-error-lines[0].real_estate_object\"]');return e && e.innerText",
            LONG,
        )
        .await;
    let said = match said {
        Ok(s) => s,
        Err(e) => {
            let _ = app.screenshot("bloxs-failed-refusal").await;
            let result = app
                .text_of("[data-testid=submit-result]")
                .await
                .unwrap_or_default();
            panic!("{e}; the window says: {result}");
        }
    };
    app.screenshot("bloxs-03-refused").await.expect("shot");
    let said = said.as_str().unwrap_or_default();
    assert!(!said.trim().is_empty());
    assert_eq!(received(&probe).await.len(), before, "nothing stored");
    let state = app
        .js(
            "const r=document.querySelector('[data-testid=submit-result]');return r?r.dataset.state:''",
            vec![],
        )
        .await
        .expect("the result");
    assert_eq!(state, json!("refused"));
    app.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}
