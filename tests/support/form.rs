//! Filling in the form as a clerk does, for the window tests: the cursor put in a field by a
//! click, a type-ahead option reached with the arrow keys and taken with Enter, a field typed
//! over, an option of a list chosen by typing its label; and reading amounts as a clerk does.

use crate::{keys, App};
use serde_json::{json, Value};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(90);

/// A decimal from a JSON number or string, through its digits.
pub fn dec(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    // Two places: "302.5" → "302.50", "250" → "250.00".
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    format!("{int}.{:0<2}", frac)
}

/// What a clerk reads in an amount input, as a plain decimal ("1.234,56" → "1234.56").
pub fn plain(shown: &str) -> String {
    let s: String = shown.chars().filter(|c| !c.is_whitespace()).collect();
    let s = s.trim_start_matches('€');
    let s = if s.contains(',') {
        s.replace('.', "").replace(',', ".")
    } else {
        s.replace(',', "")
    };
    dec(&Value::String(s))
}

/// Puts the cursor in a field by clicking it, as a clerk does, and checks it is there.
pub async fn focus(app: &App, testid: &str) {
    let field = app
        .wait_for(&format!("[data-testid=\"{testid}\"]"), LONG)
        .await
        .unwrap_or_else(|e| panic!("{testid}: {e}"));
    // The window shows its page once the first answers are in (until then a field of the
    // top bar may be there, but hidden, and takes no cursor).
    app.wait_until(
        "the page shown",
        "return !document.querySelector('.app.unready')",
        LONG,
    )
    .await
    .unwrap_or_else(|e| panic!("{testid}: {e}"));
    // Into view first: a field below the fold (or under the totals bar) takes no click.
    app.js(
        "document.querySelector(arguments[0]).scrollIntoView({block:'center'})",
        vec![json!(format!("[data-testid=\"{testid}\"]"))],
    )
    .await
    .expect("scroll");
    if let Err(e) = field.click().await {
        let _ = app.screenshot(&format!("failed-click-{testid}")).await;
        panic!("the click on {testid}: {e}");
    }
    app.wait_until(
        &format!("the cursor in {testid}"),
        &format!("return document.activeElement && document.activeElement.getAttribute('data-testid')==='{testid}'"),
        Duration::from_secs(10),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

/// Types into a type-ahead and takes the option containing `needle` with arrows and Enter.
pub async fn pick(app: &App, testid: &str, option_css: &str, typed: &str, needle: &str) {
    focus(app, testid).await;
    app.keys(typed).await.expect("type");
    let listed = format!(
        "return [...document.querySelectorAll('{option_css}')].some(e => e.innerText.includes({}))",
        serde_json::to_string(needle).unwrap()
    );
    if let Err(e) = app
        .wait_until(&format!("the option {needle}"), &listed, LONG)
        .await
    {
        let _ = app.screenshot(&format!("failed-{testid}")).await;
        panic!("{e}");
    }
    for _ in 0..25 {
        app.keys(keys::ARROW_DOWN).await.expect("arrow");
        let active = app
            .js(
                &format!("const e=[...document.querySelectorAll('{option_css}')].find(e=>e.getAttribute('aria-selected')==='true');return e?e.innerText:''"),
                vec![],
            )
            .await
            .expect("the highlighted option");
        if active.as_str().unwrap_or_default().contains(needle) {
            app.keys(keys::ENTER).await.expect("Enter");
            return;
        }
    }
    panic!("could not reach the option {needle} in {testid} by keyboard");
}

/// Clears a text field and types `text` into it, key by key.
pub async fn retype(app: &App, testid: &str, text: &str) {
    focus(app, testid).await;
    let field = app
        .find(&format!("[data-testid=\"{testid}\"]"))
        .await
        .expect(testid);
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

/// Like [`retype`], then reads the field back: when it does not hold `text` (the cursor left the
/// field while the keys went in), says so and types it once more.
pub async fn retype_checked(app: &App, testid: &str, text: &str) {
    for attempt in 0..2 {
        retype(app, testid, text).await;
        let now = value_of(app, testid).await;
        if now == text {
            return;
        }
        eprintln!(
            "{testid} holds {now:?} after typing {text:?} (attempt {attempt}); typing it once more"
        );
    }
}

/// Chooses an option of a select by typing its label's first letters on it, as a clerk
/// does on a focused list. WebKitGTK's driver may not move a closed list on typed keys: then
/// the option is chosen the way the list itself does it (a change event), and that is logged.
pub async fn choose(app: &App, testid: &str, value: &str) {
    focus(app, testid).await;
    let css = format!("[data-testid=\"{testid}\"]");
    let label = app
        .js(
            "const s=document.querySelector(arguments[0]);const o=[...s.options].find(o=>o.value===arguments[1]);return o?o.text:''",
            vec![json!(css), json!(value)],
        )
        .await
        .expect("the option's label");
    let label = label.as_str().unwrap_or_default().to_string();
    assert!(!label.is_empty(), "{testid} has no option {value}");
    let field = app.find(&css).await.expect(testid);
    let _ = field.send_keys(&label).await;
    let now = "return document.querySelector(arguments[0]).value";
    let chosen = app.js(now, vec![json!(css)]).await.expect("the choice");
    if chosen.as_str() != Some(value) {
        eprintln!(
            "typing on the list {testid} did not choose {label}; choosing it as the list does"
        );
        app.js(
            "const s=document.querySelector(arguments[0]);s.value=arguments[1];s.dispatchEvent(new Event('change',{bubbles:true}));",
            vec![json!(css), json!(value)],
        )
        .await
        .expect("choose");
    }
    app.wait_until(
        &format!("{testid} on {value}"),
        &format!(
            "return document.querySelector('{}').value==='{value}'",
            css.replace('\'', "\\'")
        ),
        Duration::from_secs(10),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

/// Whether the window speaks Dutch (the page's language), for typing amounts as a clerk would.
pub async fn in_dutch(app: &App) -> bool {
    app.js("return document.documentElement.lang", vec![])
        .await
        .expect("lang")
        .as_str()
        == Some("nl")
}

pub async fn value_of(app: &App, testid: &str) -> String {
    app.find(&format!("[data-testid=\"{testid}\"]"))
        .await
        .expect(testid)
        .value()
        .await
        .expect("value")
}

/// Clicks Send and waits until the result says the invoice was sent; returns what it says.
/// When it does not come, the failure says what the window shows instead (the result's state
/// and words, the fields' messages) and a screenshot is kept, so the cause can be read.
pub async fn send_and_wait(app: &App) -> String {
    app.js(
        "document.querySelector('[data-testid=submit]').scrollIntoView({block:'center'})",
        vec![],
    )
    .await
    .expect("scroll to Send");
    app.find("[data-testid=submit]")
        .await
        .expect("Send")
        .click()
        .await
        .expect("the click on Send");
    let sent = "const r=document.querySelector('[data-testid=submit-result]');return r && r.dataset.state==='sent' && r.innerText";
    match app.wait_until("the invoice sent", sent, LONG).await {
        Ok(v) => v.as_str().unwrap_or_default().to_string(),
        Err(e) => {
            let _ = app.screenshot("failed-send").await;
            let shown = app
                .js(
                    "const r=document.querySelector('[data-testid=submit-result]');const errs=[...document.querySelectorAll('[role=alert],.error,.field-error')].map(e=>e.innerText).filter(t=>t);return JSON.stringify({state:r?r.dataset.state:null,result:r?r.innerText:null,messages:errs})",
                    vec![],
                )
                .await
                .unwrap_or_default();
            panic!("{e}; the window shows {shown}");
        }
    }
}
