//! Visma Bouwsoft in the real window, against the demo's stand-in: a read-only system. The
//! form offers no Send; History opens on Bouwsoft's own sales invoices, thousands of them, sorted
//! by a column, searched by customer, and one opened: its VAT breakdown and its introduction
//! text, made safe (no script, no remote picture).

use invoice_desk_e2e::form::focus;
use invoice_desk_e2e::{free_port, keys, skip_window_test, temp_dir, App};
use serde_json::json;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(90);
const DEMO: &str = "demo-bouwsoft";

/// The customers of the rows shown, in order.
const CUSTOMERS: &str = "return [...document.querySelectorAll('[data-testid=remote-row] [data-testid=remote-customer]')].map(e=>e.innerText.trim())";

#[tokio::test(flavor = "multi_thread")]
async fn a_clerk_browses_bouwsofts_sales_invoices_sorts_searches_and_reads_one() {
    if skip_window_test() {
        return;
    }
    let dir = temp_dir("e2e-bouwsoft");
    let data_dir = dir.join("data");
    let port = free_port();
    let app = App::launch(&data_dir, port, &[]).await.expect("launch");
    app.wait_for("[data-testid=connection-select]", LONG)
        .await
        .expect("the connection list");
    app.js(
        "const s=document.querySelector('[data-testid=connection-select]');s.value=arguments[0];s.dispatchEvent(new Event('change',{bubbles:true}));",
        vec![json!(DEMO)],
    )
    .await
    .expect("switch to the Bouwsoft demo");
    app.wait_until(
        "the Bouwsoft connection",
        &format!("const s=document.querySelector('[data-testid=connection-select]');return s && s.value==='{DEMO}'"),
        LONG,
    )
    .await
    .expect("the Bouwsoft connection");

    // Read-only: no form to type into and no Send.
    app.wait_until(
        "no form for a system that only reads",
        "return !document.querySelector('[data-testid=submit]') && !document.querySelector('[data-testid=relation-input]')",
        LONG,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));

    // History opens on Bouwsoft's own invoices.
    app.find("[data-testid=open-history]")
        .await
        .expect("History")
        .click()
        .await
        .expect("open History");
    app.wait_until(
        "Bouwsoft's invoices",
        "return document.querySelectorAll('[data-testid=remote-row]').length >= 50",
        LONG,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let total = app
        .text_of("[data-testid=remote-status]")
        .await
        .unwrap_or_default();
    eprintln!("the list says: {total}");

    let customers = CUSTOMERS.trim_start_matches("return ");
    // Sorted by customer, A to Z, by a click on the column.
    app.find("[data-testid=remote-sort-customer]")
        .await
        .expect("the customer column")
        .click()
        .await
        .expect("sort by customer");
    let sorted = app
        .wait_until(
            "the list sorted by customer",
            &format!("const c=({customers});return c.length>=20 && c.slice(0,20).every((x,i,a)=>i===0||a[i-1].localeCompare(x,'nl',{{sensitivity:'base'}})<=0) && c"),
            LONG,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let first = sorted[0].as_str().unwrap_or_default().to_string();
    assert!(!first.is_empty(), "{sorted}");

    // Searched by part of a customer's name.
    let word: String = first
        .split_whitespace()
        .max_by_key(|w| w.chars().count())
        .unwrap_or(&first)
        .chars()
        .take(6)
        .collect();
    focus(&app, "remote-search").await;
    app.keys(&word).await.expect("type the search");
    app.keys(keys::ENTER).await.expect("search");
    let lower = word.to_lowercase();
    app.wait_until(
        "only invoices of that customer",
        &format!(
            "const c=({});return c.length>0 && c.every(x=>x.toLowerCase().includes({}))",
            customers,
            serde_json::to_string(&lower).unwrap()
        ),
        LONG,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    app.screenshot("bouwsoft-01-searched").await.expect("shot");

    // Back to every invoice; the first one (whose introduction has a script and a remote
    // picture in the stand-in) opened.
    app.find("[data-testid=remote-clear]")
        .await
        .expect("clear the search")
        .click()
        .await
        .expect("clear");
    app.wait_until(
        "every invoice again",
        "return document.querySelectorAll('[data-testid=remote-row]').length >= 50",
        LONG,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    app.js(
        "const b=document.querySelector('[data-testid=remote-row] [data-testid=remote-open]');b.scrollIntoView({block:'center'});b.click()",
        vec![],
    )
    .await
    .expect("open the first invoice");
    app.wait_until(
        "the invoice's VAT breakdown",
        "return document.querySelectorAll('[data-testid=remote-detail] [data-testid=remote-vat-row]').length >= 1",
        LONG,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let text = app
        .wait_until(
            "the invoice's introduction text",
            "const t=document.querySelector('[data-testid=remote-detail] [data-testid=remote-texts]');return t && t.innerText.trim().length > 0 && t.innerHTML",
            LONG,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let html = text.as_str().unwrap_or_default().to_lowercase();
    assert!(!html.contains("<script"), "no script in the text: {html}");
    let remote = app
        .js(
            "return [...document.querySelectorAll('[data-testid=remote-detail] img')].filter(i=>/^https?:/i.test(i.getAttribute('src')||'')).length",
            vec![],
        )
        .await
        .expect("pictures");
    assert_eq!(remote, json!(0), "no remote picture is loaded");
    let vat = app
        .text_of("[data-testid=remote-detail] [data-testid=remote-vat]")
        .await
        .unwrap_or_default();
    assert!(
        vat.contains('%'),
        "the VAT breakdown names its rates: {vat}"
    );
    app.js(
        "document.querySelector('[data-testid=remote-detail]').scrollIntoView({block:'start'})",
        vec![],
    )
    .await
    .expect("scroll");
    app.set_window_size(1280, 1060).await.expect("resize");
    app.screenshot("bouwsoft-02-opened").await.expect("shot");
    app.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}
