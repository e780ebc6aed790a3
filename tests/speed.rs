//! Speed and memory in the real window, as figures (never assertions on time): run by
//! `bench/typeahead-window.sh`, ignored by `cargo test`.
//!
//! The app's demo is pointed at a stand-in of its own holding `INVOICE_DESK_BENCH_RELATIONS`
//! relations (default 100,000) in one administration. The test prints:
//! - how long the app took to cache them all through the stand-in's API, and the keystroke
//!   latency while that sync runs (the form must stay usable);
//! - keystroke to painted options in the relation field: 200 keystrokes, each timed inside the
//!   page from the input event to the first moment after the frame that shows its options;
//! - the memory (PSS) of the whole app: the app process and the web view's processes.

use invoice_desk_e2e::form::focus;
use invoice_desk_e2e::{free_port, keys, temp_dir, App, StandIn};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(1800);

/// Records, inside the page, the time from each input event of the relation field to just after
/// the frame that paints the options answering that very text (`data-shown` on the list).
const PROBE: &str = r#"
if (window.__probe) return true;
window.__probe = true;
window.__lat = [];
window.__typed = {};
document.addEventListener('input', e => {
  const t = e.target;
  if (t && t.getAttribute && t.getAttribute('data-testid') === 'relation-input') {
    window.__typed[t.value] = performance.now();
  }
}, true);
const seen = el => {
  const q = el.getAttribute('data-shown');
  const t = window.__typed[q];
  if (t === undefined) return;
  delete window.__typed[q];
  requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => window.__lat.push(performance.now() - t);
    ch.port2.postMessage(0);
  });
};
new MutationObserver(ms => {
  for (const m of ms) {
    if (m.type === 'attributes') { seen(m.target); continue; }
    for (const n of m.addedNodes) {
      if (n.nodeType !== 1) continue;
      if (n.hasAttribute('data-shown')) seen(n);
      n.querySelectorAll && n.querySelectorAll('[data-shown]').forEach(seen);
    }
  }
}).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-shown']});
return true;
"#;

fn relations_wanted() -> usize {
    std::env::var("INVOICE_DESK_BENCH_RELATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// PSS in kB of a process and all its descendants (the web view runs in child processes).
fn pss_of_tree(root: u32) -> u64 {
    let mut children: std::collections::HashMap<u32, Vec<u32>> = Default::default();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The parent is the second field after the name's closing parenthesis.
        if let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) {
            if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|s| s.parse().ok()) {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut total = 0;
    let mut todo = vec![root];
    while let Some(pid) = todo.pop() {
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        total += rollup
            .lines()
            .find(|l| l.starts_with("Pss:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        todo.extend(children.get(&pid).cloned().unwrap_or_default());
    }
    total
}

/// The app's process: the one started from the app binary with this data folder.
fn app_pid(data_dir: &std::path::Path) -> Option<u32> {
    let want = format!("INVOICE_DESK_DATA_DIR={}", data_dir.display());
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_string_lossy().parse().ok()?;
        let env = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
        let is_app = exe
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("invoice-desk"))
            && !exe.to_string_lossy().contains("sandbox");
        (is_app && env.split(|b| *b == 0).any(|v| v == want.as_bytes())).then_some(pid)
    })
}

async fn sync_status(app: &App) -> Value {
    app.invoke("sync_status", json!({"connection_id": "demo-afas"}))
        .await
        .unwrap_or(Value::Null)
}

/// Types `text` key by key into the relation field (cleared first) and waits after each key
/// until its options are painted. Returns how many keys were timed.
async fn type_and_time(app: &App, text: &str) -> usize {
    // Emptied as typing over it would (WebDriver's clear would take the cursor away).
    app.js(
        "const i=document.querySelector('[data-testid=relation-input]');i.value='';i.dispatchEvent(new Event('input',{bubbles:true}));i.focus();return true",
        vec![],
    )
    .await
    .unwrap();
    let mut timed = 0;
    for ch in text.chars() {
        let before = app
            .js("return window.__lat.length", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(0);
        app.keys(&ch.to_string()).await.unwrap();
        let painted = format!("return window.__lat.length > {before}");
        match app
            .wait_until("the options painted", &painted, Duration::from_secs(20))
            .await
        {
            Ok(_) => timed += 1,
            Err(e) => eprintln!("{e} after typing {ch:?} of {text:?}"),
        }
    }
    timed
}

fn report(what: &str, lat: &[f64]) {
    let mut v = lat.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    println!(
        "figure: keystroke to painted options {what}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} keystrokes",
        percentile(&v, 0.5),
        percentile(&v, 0.99),
        v.last().copied().unwrap_or(f64::NAN),
        v.len()
    );
}

async fn latencies(app: &App) -> Vec<f64> {
    app.js("return window.__lat", vec![])
        .await
        .unwrap()
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_f64)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement: bench/typeahead-window.sh runs it"]
async fn typeahead_and_memory_in_the_real_window() {
    let n = relations_wanted();
    let port = free_port();
    let half = (n / 2).to_string();
    let _stand_in = StandIn::start_with(
        port,
        &[
            "--persons",
            &half,
            "--organisations",
            &half,
            "--administrations",
            "1",
        ],
    )
    .await;
    let dir = temp_dir("speed");
    let data = dir.join("data");
    let started = Instant::now();
    let app = App::launch(
        &data,
        port,
        &[
            ("INVOICE_DESK_DEMO_URL", format!("http://127.0.0.1:{port}")),
            (
                "INVOICE_DESK_LOG",
                std::env::var("INVOICE_DESK_LOG").unwrap_or_else(|_| "info".into()),
            ),
        ],
    )
    .await
    .expect("launch");
    app.wait_for("[data-testid=relation-input]", Duration::from_secs(120))
        .await
        .unwrap();
    app.js(PROBE, vec![]).await.unwrap();

    let words = [
        "jan", "bak", "de v", "sm", "mul", "pie", "vis", "ja", "meij", "bo",
    ];
    // The first word, typed the moment the form is there: its options wait for the window's
    // first frames to be composed (without a GPU, Mesa compiles its shaders then), which has
    // nothing to do with the cache filling, so it is a figure of its own.
    focus(&app, "relation-input").await;
    type_and_time(&app, words[0]).await;
    report("as the form appears", &latencies(&app).await);
    app.js(
        "window.__frames = 0; requestAnimationFrame(() => requestAnimationFrame(() => { window.__frames = 2; })); return true",
        vec![],
    )
    .await
    .unwrap();
    app.wait_until(
        "two frames drawn",
        "return window.__frames === 2",
        Duration::from_secs(30),
    )
    .await
    .unwrap();

    // While the cache fills: type now and then, and time it.
    let mut during = Vec::new();
    let mut i = 0;
    let mut said = Instant::now();
    loop {
        let s = sync_status(&app).await;
        if said.elapsed() > Duration::from_secs(15) {
            eprintln!("sync status: {s}");
            said = Instant::now();
        }
        let cached = s["relations"].as_u64().unwrap_or(0);
        if s["running"] == json!(false) && cached as usize >= n / 2 {
            println!(
                "figure: {cached} relations cached through the stand-in's API in {:.1} s after the app started",
                started.elapsed().as_secs_f64()
            );
            break;
        }
        assert!(started.elapsed() < LONG, "the cache did not fill: {s}");
        if cached > 0 && i < words.len() * 3 {
            focus(&app, "relation-input").await;
            let before = latencies(&app).await.len();
            type_and_time(&app, words[i % words.len()]).await;
            during.extend(latencies(&app).await.into_iter().skip(before));
            i += 1;
        } else {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    if !during.is_empty() {
        eprintln!("while the cache fills, in order (ms): {during:?}");
        report("while the cache fills", &during);
    }

    // 200 keystrokes over names that are cached.
    let admin = app
        .invoke(
            "list_administrations",
            json!({"connection_id": "demo-afas"}),
        )
        .await
        .ok()
        .and_then(|v| v[0]["id"].as_str().map(String::from))
        .unwrap_or_default();
    let names: Vec<String> = app
        .invoke(
            "search_relations",
            json!({"connection_id": "demo-afas", "administration_id": admin, "query": "", "limit": 200}),
        )
        .await
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r["name"].as_str().map(String::from))
        .collect();
    let mut texts: Vec<String> = names
        .iter()
        .step_by(3)
        .map(|n| n.chars().take(6).collect())
        .collect();
    texts.extend(words.iter().map(|w| w.to_string()));
    focus(&app, "relation-input").await;
    app.js("window.__lat = []", vec![]).await.unwrap();
    let mut typed = 0;
    for t in texts.iter().cycle() {
        if typed >= 200 {
            break;
        }
        typed += type_and_time(&app, t).await;
        app.keys(keys::ESCAPE).await.unwrap();
    }
    let lat = latencies(&app).await;
    report(&format!("at {n} relations"), &lat);

    tokio::time::sleep(Duration::from_secs(3)).await;
    if let Some(pid) = app_pid(&data) {
        println!(
            "figure: memory of the whole app with {n} relations cached: PSS {:.0} MB",
            pss_of_tree(pid) as f64 / 1024.0
        );
    } else {
        println!("figure: memory: the app's process was not found");
    }
    app.quit().await;
}
