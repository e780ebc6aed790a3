//! Typing very large numbers into the real window (AFAS SB demo): the app stays up, the
//! fields say why, the app opens again after a restart, and amounts of the largest allowed
//! size fit the line and the footer.

use invoice_desk_e2e::{free_port, keys, kill_app, skip_window_test, temp_dir, App};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(90);
const FIFTEEN_NINES: &str = "999999999999999";
const DEMO: &str = "demo-afas";

/// One window at a time: the machine is small and the tests kill processes.
static WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The text of a field's error, when shown.
fn error_script(field: &str) -> String {
    format!(
        "const e=document.querySelector('[data-testid=\"field-error-{field}\"]');return e?e.innerText:''"
    )
}

/// Waits until the open draft in the store (asked through the app, so the app answers too)
/// satisfies `check`; returns it.
async fn wait_for_draft(app: &App, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let view = app
            .invoke("current_draft", json!({ "connection_id": DEMO }))
            .await
            .expect("current_draft answers");
        if check(&view) {
            return view;
        }
        assert!(start.elapsed() < LONG, "{what}: {view:#}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Types `text` into a line's input as a clerk does: click, clear, type.
async fn type_into(app: &App, testid: &str, text: &str) {
    let field = app
        .wait_for(&format!("[data-testid={testid}]"), LONG)
        .await
        .expect(testid);
    field.click().await.expect("click");
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

async fn launch(data_dir: &std::path::Path, port: u16) -> App {
    let app = App::launch(data_dir, port, &[]).await.expect("launch");
    app.wait_for("[data-testid=demo-badge]", LONG)
        .await
        .expect("demo badge");
    app.wait_for("[data-testid=line-0-quantity]", LONG)
        .await
        .expect("the form");
    app
}

/// Both errors say "too large" in the clerk's language and name the limit.
fn says_too_large(text: &str) -> bool {
    let t = text.to_lowercase();
    (t.contains("too large") || t.contains("te groot")) && t.contains("13")
}

#[tokio::test(flavor = "multi_thread")]
async fn fifteen_nines_in_quantity_and_price_keep_the_app_up_and_the_fields_say_why() {
    let _one = WINDOW.lock().await;
    if skip_window_test() {
        return;
    }
    let dir = temp_dir("e2e-typing");
    let data_dir = dir.join("data");
    let port = free_port();
    let app = launch(&data_dir, port).await;

    type_into(&app, "line-0-quantity", FIFTEEN_NINES).await;
    type_into(&app, "line-0-price", FIFTEEN_NINES).await;
    app.keys(keys::TAB).await.expect("leave the price");
    // The quantity was left when the price was clicked; both fields are touched now.
    for field in ["lines[0].quantity", "lines[0].unit_price"] {
        let said = app
            .wait_until(&format!("the error on {field}"), &error_script(field), LONG)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let said = said.as_str().unwrap_or_default();
        assert!(says_too_large(said), "{field} says why: {said}");
    }
    // Nothing typed was cut off or lost.
    let shown = app
        .js(
            "return [document.querySelector('[data-testid=line-0-quantity]').value, document.querySelector('[data-testid=line-0-price]').value]",
            vec![],
        )
        .await
        .expect("the window answers");
    assert_eq!(shown, json!([FIFTEEN_NINES, FIFTEEN_NINES]));
    app.screenshot("typing-01-fifteen-nines")
        .await
        .expect("shot");

    // The app is still up: a new command works, and the draft was saved as typed with the
    // reasons in its evaluation.
    let info = app
        .invoke("app_info", json!({}))
        .await
        .expect("app_info answers");
    assert!(info["version"].is_string(), "{info}");
    let view = wait_for_draft(&app, "the saved draft", |v| {
        v["draft"]["lines"][0]["quantity"] == json!(FIFTEEN_NINES)
            && v["draft"]["lines"][0]["unit_price"] == json!(FIFTEEN_NINES)
    })
    .await;
    let issues = view["evaluation"]["issues"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for field in ["lines[0].quantity", "lines[0].unit_price"] {
        assert!(
            issues.iter().any(|i| i["field"] == json!(field)),
            "{field} in {issues:#?}"
        );
    }

    // The next start opens the same draft and the form works: no crash loop.
    app.quit().await;
    kill_app(&data_dir);
    let app = launch(&data_dir, port).await;
    app.wait_until(
        "the reopened draft",
        &format!(
            "const q=document.querySelector('[data-testid=line-0-quantity]');const p=document.querySelector('[data-testid=line-0-price]');return !!q&&!!p&&q.value==='{FIFTEEN_NINES}'&&p.value==='{FIFTEEN_NINES}'"
        ),
        LONG,
    )
    .await
    .expect("the form after a restart shows what was typed");
    let quantity = app
        .find("[data-testid=line-0-quantity]")
        .await
        .expect("quantity");
    quantity.click().await.expect("click");
    app.keys(keys::TAB).await.expect("leave the quantity");
    let said = app
        .wait_until(
            "the error after a restart",
            &error_script("lines[0].quantity"),
            LONG,
        )
        .await
        .expect("the field says why after a restart");
    assert!(says_too_large(said.as_str().unwrap_or_default()), "{said}");
    app.screenshot("typing-02-after-restart")
        .await
        .expect("shot");
    app.quit().await;
    kill_app(&data_dir);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Geometry of the amounts in the window: whether a line's amount runs into its remove
/// button or out of its cell, and whether a VAT row in the footer is cut.
const LAYOUT: &str = r#"
const out = { lines: [], rates: [] };
document.querySelectorAll('[data-testid^="line-"][data-testid$="-total"]').forEach((cell) => {
  const row = cell.parentElement.closest('[data-testid^="line-"]');
  const remove = row && row.querySelector('[data-testid$="-remove"]');
  const range = document.createRange();
  range.selectNodeContents(cell);
  const text = range.getBoundingClientRect();
  const box = cell.getBoundingClientRect();
  out.lines.push({
    text: cell.innerText.trim(),
    overlaps: !!remove && text.right > remove.getBoundingClientRect().left,
    outside: text.left < box.left - 0.5 || text.right > box.right + 0.5 || cell.scrollWidth > cell.clientWidth,
  });
});
const list = document.querySelector('.vat-rows');
document.querySelectorAll('[data-testid=vat-row]').forEach((li) => {
  const r = li.getBoundingClientRect();
  const l = list.getBoundingClientRect();
  out.rates.push({
    text: li.innerText.trim(),
    cut: li.scrollWidth > li.clientWidth || r.bottom > l.bottom + 0.5 || r.right > l.right + 0.5,
  });
});
out.listScrolls = !!list && list.scrollHeight > list.clientHeight;
const sums = ['total-net', 'total-vat', 'total-gross'].map((id) => document.querySelector(`[data-testid=${id}]`));
out.sumsCut = sums.some((e) => !e || e.scrollWidth > e.clientWidth || e.getBoundingClientRect().right > window.innerWidth);
return out;
"#;

/// Picks a VAT rate on a line the way the select does it.
async fn set_vat(app: &App, line: usize, code: &str) {
    app.js(
        "const s=document.querySelector(`[data-testid=line-${arguments[0]}-vat]`);s.value=arguments[1];s.dispatchEvent(new Event('change',{bubbles:true}));",
        vec![json!(line), json!(code)],
    )
    .await
    .expect("vat");
}

/// Scrolls a line into the middle of the form, for the screenshot.
async fn show_line(app: &App, line: usize) {
    app.js(
        "document.querySelector(`[data-testid=line-${arguments[0]}]`).scrollIntoView({block:'center'})",
        vec![json!(line)],
    )
    .await
    .expect("scroll");
}

/// Resizes the window and waits until the page has the new width.
async fn resize(app: &App, width: u32, height: u32) {
    app.set_window_size(width, height).await.expect("resize");
    app.wait_until(
        "the new window width",
        &format!("return Math.abs(window.innerWidth - {width}) <= 40"),
        LONG,
    )
    .await
    .expect("the window has its new width");
}

/// Adds a line with the button and waits until it is there. The click blurs the field that
/// had the focus, and the messages that appear on blur can move the button between the press
/// and the release, so the click may not land: the number of lines says whether it did, and
/// only then is the button clicked once more.
async fn add_line(app: &App) {
    const COUNT: &str =
        "return document.querySelectorAll('[data-testid^=line-][data-testid$=-quantity]').length";
    let before = app.js(COUNT, vec![]).await.expect("count lines");
    let before = before.as_u64().expect("a number of lines");
    let grown = format!(
        "return document.querySelectorAll('[data-testid^=line-][data-testid$=-quantity]').length > {before}"
    );
    for attempt in 0..2 {
        app.find("[data-testid=add-line]")
            .await
            .expect("add line")
            .click()
            .await
            .expect("click add line");
        let wait = if attempt == 0 {
            Duration::from_secs(5)
        } else {
            LONG
        };
        if app.wait_until("a new line", &grown, wait).await.is_ok() {
            return;
        }
        eprintln!("the click on 'add line' did not add a line; clicking once more");
    }
    panic!("no line was added after two clicks");
}

#[tokio::test(flavor = "multi_thread")]
async fn amounts_of_the_largest_allowed_size_fit_the_line_and_the_footer() {
    let _one = WINDOW.lock().await;
    if skip_window_test() {
        return;
    }
    let dir = temp_dir("e2e-large-amounts");
    let data_dir = dir.join("data");
    let port = free_port();
    let app = launch(&data_dir, port).await;
    // Dutch: the wider notation ("€ 9.999.999.999.999,99").
    let info = app.invoke("app_info", json!({})).await.expect("app_info");
    if info["lang"] != json!("nl") {
        app.find("[data-testid=lang-switch]")
            .await
            .expect("language switch")
            .click()
            .await
            .expect("switch to Dutch");
        app.wait_until(
            "the Dutch screen",
            "return document.querySelector('[data-testid=lang-switch]').dataset.lang==='nl'",
            LONG,
        )
        .await
        .expect("Dutch");
    }

    // The largest line amount: 1 × € 9.999.999.999.999,99 at 0 % VAT.
    type_into(&app, "line-0-quantity", "1").await;
    type_into(&app, "line-0-price", "9999999999999,99").await;
    set_vat(&app, 0, "zero").await;
    app.wait_until(
        "the largest line amount",
        "const t=document.querySelector('[data-testid=line-0-total]');return t&&t.innerText.includes('9.999.999.999.999,99')",
        LONG,
    )
    .await
    .expect("the line amount is shown");
    for (w, h) in [(1280, 800), (1024, 700)] {
        resize(&app, w, h).await;
        show_line(&app, 0).await;
        let shot = app
            .screenshot(&format!("typing-03-largest-line-{w}"))
            .await
            .expect("shot");
        let layout = app.js(LAYOUT, vec![]).await.expect("layout");
        eprintln!("{w}x{h}: {layout} ({})", shot.display());
        let line = &layout["lines"][0];
        assert!(
            line["text"]
                .as_str()
                .unwrap_or_default()
                .contains("9.999.999.999.999,99"),
            "{w}x{h}: {layout}"
        );
        assert_eq!(line["overlaps"], json!(false), "{w}x{h}: {layout}");
        assert_eq!(line["outside"], json!(false), "{w}x{h}: {layout}");
        assert_eq!(layout["rates"][0]["cut"], json!(false), "{w}x{h}: {layout}");
        assert_eq!(layout["listScrolls"], json!(false), "{w}x{h}: {layout}");
        assert_eq!(layout["sumsCut"], json!(false), "{w}x{h}: {layout}");
    }

    // Three rates with 13-digit amounts in the footer, the invoice total within the maximum.
    type_into(&app, "line-0-price", "3000000000000").await;
    add_line(&app).await;
    type_into(&app, "line-1-quantity", "1").await;
    type_into(&app, "line-1-price", "2700000000000").await;
    set_vat(&app, 1, "high").await;
    add_line(&app).await;
    type_into(&app, "line-2-quantity", "1").await;
    type_into(&app, "line-2-price", "2700000000000").await;
    set_vat(&app, 2, "low").await;
    app.wait_until(
        "three VAT rows",
        "const r=[...document.querySelectorAll('[data-testid=vat-row]')];return r.length===3&&r.every(e=>/\\d{3}\\.\\d{3}\\.\\d{3}/.test(e.innerText))",
        LONG,
    )
    .await
    .expect("three VAT rows");
    for (w, h) in [(1280, 800), (1024, 700)] {
        resize(&app, w, h).await;
        show_line(&app, 1).await;
        let shot = app
            .screenshot(&format!("typing-04-three-rates-{w}"))
            .await
            .expect("shot");
        let layout = app.js(LAYOUT, vec![]).await.expect("layout");
        eprintln!("{w}x{h}: {layout} ({})", shot.display());
        for rate in layout["rates"].as_array().cloned().unwrap_or_default() {
            assert_eq!(rate["cut"], json!(false), "{w}x{h}: {layout}");
        }
        assert_eq!(layout["listScrolls"], json!(false), "{w}x{h}: {layout}");
        assert_eq!(layout["sumsCut"], json!(false), "{w}x{h}: {layout}");
        for line in layout["lines"].as_array().cloned().unwrap_or_default() {
            assert_eq!(line["overlaps"], json!(false), "{w}x{h}: {layout}");
            assert_eq!(line["outside"], json!(false), "{w}x{h}: {layout}");
        }
    }
    app.quit().await;
    kill_app(&data_dir);
    let _ = std::fs::remove_dir_all(&dir);
}
