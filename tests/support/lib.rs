//! A small W3C WebDriver client and a launcher for the real Invoice Desk window under
//! tauri-driver, for the window tests beside it in `tests/`. A package of its own, so the app's
//! tests don't build the Tauri stack twice.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub type Res<T> = Result<T, String>;

/// Keys as WebDriver spells them.
pub mod form;

pub mod keys {
    pub const ENTER: &str = "\u{E007}";
    pub const TAB: &str = "\u{E004}";
    pub const ARROW_DOWN: &str = "\u{E015}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const BACKSPACE: &str = "\u{E003}";
    pub const CONTROL: &str = "\u{E009}";
}

/// The repository's root (one level above `tests/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("repo root")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
}

/// The app binary built by `cargo build -p invoice-desk`.
pub fn app_binary() -> PathBuf {
    std::env::var_os("INVOICE_DESK_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug").join("invoice-desk"))
}

/// tauri-driver from `.tools/bin` (installed by `make test`) or the PATH.
pub fn tauri_driver() -> PathBuf {
    let local = repo_root().join(".tools/bin/tauri-driver");
    if local.exists() {
        local
    } else {
        PathBuf::from("tauri-driver")
    }
}

/// Where screenshots of the end-to-end tests go.
pub fn shots_dir() -> PathBuf {
    let d = target_dir().join("e2e-shots");
    let _ = std::fs::create_dir_all(&d);
    d
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A free port other than `taken` (ports chosen before and not yet bound).
pub fn free_port_but(taken: &[u16]) -> u16 {
    loop {
        let p = free_port();
        if !taken.contains(&p) {
            return p;
        }
    }
}

/// Where the driver's and the app's own output goes: `target/e2e-logs/` unless
/// `INVOICE_DESK_E2E_LOG_DIR` names another folder (scripts/repeat.sh gives each run its own).
pub fn log_dir() -> PathBuf {
    let d = std::env::var_os("INVOICE_DESK_E2E_LOG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("e2e-logs"));
    let _ = std::fs::create_dir_all(&d);
    d
}

/// A file per launch under [`log_dir`], so the test output stays readable (the app also keeps
/// its log in its data directory). The driver's output and the app's (its child) both go there.
fn driver_log(port: u16) -> (Stdio, Stdio) {
    let path = log_dir().join(format!("driver-{port}.log"));
    match std::fs::File::create(&path) {
        Ok(f) => match f.try_clone() {
            Ok(g) => (Stdio::from(f), Stdio::from(g)),
            Err(_) => (Stdio::null(), Stdio::from(f)),
        },
        Err(_) => (Stdio::null(), Stdio::null()),
    }
}

/// Notes a broken connection to the driver (and whether the command was sent again), on
/// stderr and in `file`.
fn log_retry(file: Option<&Path>, line: &str) {
    eprintln!("{line}");
    use std::io::Write;
    let Some(path) = file else { return };
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{line}");
    }
}

/// Whether a WebDriver command changes nothing in the page, so that sending it again after the
/// connection broke is harmless: reading (GET) and finding elements. A click or typing may
/// already have happened when the answer got lost, so it is never sent again blindly.
pub fn is_idempotent(method: &reqwest::Method, path: &str) -> bool {
    *method == reqwest::Method::GET
        || (*method == reqwest::Method::POST
            && (path.ends_with("/element") || path.ends_with("/elements")))
}

/// Whether this machine can run the window tests (a display and the driver).
pub fn can_run_window() -> Res<()> {
    if std::env::var_os("DISPLAY").is_none() {
        return Err("no DISPLAY: run through scripts/with-session.sh".into());
    }
    if !app_binary().exists() {
        return Err(format!(
            "the app binary {} is missing: run `cargo build -p invoice-desk` first",
            app_binary().display()
        ));
    }
    Ok(())
}

/// How a WebDriver command failed.
enum Sent {
    /// The connection broke: no answer was read (the command may or may not have run).
    Broken(String),
    /// The driver answered with an error.
    Answer(String),
}

impl std::fmt::Display for Sent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sent::Broken(e) => write!(f, "the connection broke: {e}"),
            Sent::Answer(e) => f.write_str(e),
        }
    }
}

/// A running app under tauri-driver with one WebDriver session.
pub struct App {
    driver: Child,
    http: reqwest::Client,
    base: String,
    session: String,
    pub data_dir: PathBuf,
    pub sandbox_port: u16,
    /// Where commands sent again are noted (`webdriver-retries.log` in [`log_dir`]).
    retry_log: Option<PathBuf>,
}

impl App {
    /// Starts tauri-driver with the given environment for the app and opens a session.
    pub async fn launch(data_dir: &Path, sandbox_port: u16, envs: &[(&str, String)]) -> Res<App> {
        can_run_window()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| e.to_string())?;
        // A port found free can be taken by another process before the driver binds it (the
        // native driver then says "Unable to listen" and nothing answers): start again on
        // other ports, a few times, and note it.
        let mut attempt = 0;
        let (driver, port, native) = loop {
            attempt += 1;
            // Three different ports: the stand-in's is only a number until the app binds it,
            // so the system can hand it out again here (the app's stand-in then cannot start).
            let port = free_port_but(&[sandbox_port]);
            let native = free_port_but(&[sandbox_port, port]);
            let mut cmd = Command::new(tauri_driver());
            cmd.arg("--port")
                .arg(port.to_string())
                .arg("--native-port")
                .arg(native.to_string())
                .env("INVOICE_DESK_DATA_DIR", data_dir)
                .env("INVOICE_DESK_SANDBOX_PORT", sandbox_port.to_string())
                .env("INVOICE_DESK_LOG", "debug");
            let (out, err) = driver_log(port);
            cmd.stdout(out).stderr(err);
            for (k, v) in envs {
                cmd.env(k, v);
            }
            let mut driver = cmd.spawn().map_err(|e| {
                format!("tauri-driver could not start ({e}); run `make setup-test`")
            })?;
            let base = format!("http://127.0.0.1:{port}");
            // Wait for the driver to listen, or to end.
            let start = Instant::now();
            let listening = loop {
                if http.get(format!("{base}/status")).send().await.is_ok() {
                    break true;
                }
                if start.elapsed() > Duration::from_secs(20)
                    || matches!(driver.try_wait(), Ok(Some(_)))
                {
                    break false;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            };
            if listening {
                break (driver, port, native);
            }
            let _ = driver.kill();
            let _ = driver.wait();
            if attempt >= 3 {
                return Err("tauri-driver did not start listening".into());
            }
            let note = format!(
                "tauri-driver on ports {port}/{native} did not start listening; starting again on others\n"
            );
            let _ = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log_dir().join("webdriver-retries.log"))
                .and_then(|mut f| std::io::Write::write_all(&mut f, note.as_bytes()));
        };
        let base = format!("http://127.0.0.1:{port}");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "tauri:options": {"application": app_binary().display().to_string()}
        }}});
        let v: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let session = v["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session: {v}"))?
            .to_string();
        // tauri-driver started the native driver and opened the session (it maps the
        // capabilities). The session's commands go to the native driver directly, each on a
        // connection of its own: tauri-driver forwards over kept-alive connections of its own
        // and, when the native driver has closed one, drops the command with a reset, a click
        // as readily as a read. `INVOICE_DESK_E2E_VIA_TAURI_DRIVER=1` sends them through it.
        let (http, base) = if std::env::var_os("INVOICE_DESK_E2E_VIA_TAURI_DRIVER").is_some() {
            (http, base)
        } else {
            let direct = reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .pool_max_idle_per_host(0)
                .build()
                .map_err(|e| e.to_string())?;
            (direct, format!("http://127.0.0.1:{native}"))
        };
        Ok(App {
            driver,
            http,
            base,
            session,
            data_dir: data_dir.to_path_buf(),
            sandbox_port,
            retry_log: Some(log_dir().join("webdriver-retries.log")),
        })
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Res<Value> {
        let retry = is_idempotent(&method, path);
        self.cmd_retrying(method, path, body, retry).await
    }

    /// Sends one command. When the connection to the driver breaks (it happens now and then,
    /// everything alive) and `retry` is set, it is sent once more and logged.
    async fn cmd_retrying(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        retry: bool,
    ) -> Res<Value> {
        match self.send_once(method.clone(), path, body.as_ref()).await {
            Err(Sent::Broken(e)) if retry => {
                log_retry(
                    self.retry_log.as_deref(),
                    &format!(
                        "webdriver {} {method} {path}: the connection broke ({e}); sent once more",
                        self.base
                    ),
                );
                self.send_once(method, path, body.as_ref())
                    .await
                    .map_err(|e| e.to_string())
            }
            Err(Sent::Broken(e)) => {
                let msg = format!(
                    "webdriver {} {method} {path}: the connection broke ({e}); not sent again, \
                     it may have been done",
                    self.base
                );
                log_retry(self.retry_log.as_deref(), &msg);
                Err(msg)
            }
            r => r.map_err(|e| e.to_string()),
        }
    }

    async fn send_once(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, Sent> {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let mut rb = self.http.request(method, url);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let resp = rb.send().await.map_err(|e| Sent::Broken(e.to_string()))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| Sent::Broken(e.to_string()))?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
            Sent::Answer(format!(
                "webdriver {path}: {status}, unreadable answer ({e}): {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
            ))
        })?;
        if !status.is_success() {
            return Err(Sent::Answer(format!(
                "webdriver {path}: {status} {}",
                v["value"]
            )));
        }
        Ok(v["value"].clone())
    }

    /// Runs JavaScript in the page and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Res<Value> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Finds one element by CSS selector, waiting up to `timeout`.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Res<Element<'_>> {
        let start = Instant::now();
        loop {
            let r = self
                .cmd(
                    reqwest::Method::POST,
                    "/element",
                    Some(json!({"using": "css selector", "value": css})),
                )
                .await;
            if let Ok(v) = r {
                if let Some(id) = v
                    .as_object()
                    .and_then(|o| o.values().next())
                    .and_then(|v| v.as_str())
                {
                    return Ok(Element {
                        app: self,
                        id: id.to_string(),
                    });
                }
            }
            if start.elapsed() > timeout {
                return Err(format!("element {css} did not appear within {timeout:?}"));
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn find(&self, css: &str) -> Res<Element<'_>> {
        self.wait_for(css, Duration::from_secs(10)).await
    }

    /// Waits until `script` (a JS expression body returning a value) returns something truthy.
    pub async fn wait_until(&self, what: &str, script: &str, timeout: Duration) -> Res<Value> {
        let start = Instant::now();
        loop {
            if let Ok(v) = self.js(script, vec![]).await {
                let truthy = match &v {
                    Value::Null => false,
                    Value::Bool(b) => *b,
                    Value::String(s) => !s.is_empty(),
                    Value::Number(n) => n.as_f64() != Some(0.0),
                    _ => true,
                };
                if truthy {
                    return Ok(v);
                }
            }
            if start.elapsed() > timeout {
                return Err(format!("timed out waiting for {what}"));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Calls one of the app's IPC commands from inside the page and returns its answer.
    pub async fn invoke(&self, command: &str, args: Value) -> Res<Value> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({
                "script": "const done=arguments[arguments.length-1];window.__TAURI_INTERNALS__.invoke(arguments[0],arguments[1]).then(v=>done({ok:v}),e=>done({err:e}));",
                "args": [command, args]
            })),
        )
        .await
        .and_then(|v| match v.get("ok") {
            Some(ok) => Ok(ok.clone()),
            None => Err(format!("{command}: {}", v["err"])),
        })
    }

    /// Waits until the connection's look-ups are refreshed (no sync running, rows cached).
    pub async fn wait_for_sync(&self, connection_id: &str, timeout: Duration) -> Res<Value> {
        self.wait_for_sync_after(connection_id, 0, timeout).await
    }

    /// The sequence number of the connection's sync status now (0 when it cannot be read).
    pub async fn sync_seq(&self, connection_id: &str) -> u64 {
        self.invoke("sync_status", json!({"connection_id": connection_id}))
            .await
            .ok()
            .and_then(|s| s["seq"].as_u64())
            .unwrap_or(0)
    }

    /// Like [`App::wait_for_sync`], for a refresh announced after the status `seq`: a change
    /// that starts a refresh (another administration) is in effect only once it has run.
    pub async fn wait_for_sync_after(
        &self,
        connection_id: &str,
        seq: u64,
        timeout: Duration,
    ) -> Res<Value> {
        let start = Instant::now();
        loop {
            // Asking for the status changes nothing: a broken connection is asked again.
            let s = self
                .invoke("sync_status", json!({"connection_id": connection_id}))
                .await;
            if let Ok(s) = &s {
                if s["running"] == json!(false)
                    && s["seq"].as_u64().unwrap_or(0) > seq
                    && s["relations"].as_u64().unwrap_or(0) > 0
                    && s["error"].is_null()
                {
                    return Ok(s.clone());
                }
            }
            if start.elapsed() > timeout {
                return Err(format!(
                    "the look-ups of {connection_id} were not refreshed: {s:?}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Resizes the window.
    pub async fn set_window_size(&self, width: u32, height: u32) -> Res<()> {
        self.cmd(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await
        .map(|_| ())
    }

    /// Text of the first element matching `css`, or "".
    pub async fn text_of(&self, css: &str) -> Res<String> {
        // The script only reads: sending it again is harmless.
        let v = self
            .cmd_retrying(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({
                    "script": "const e=document.querySelector(arguments[0]);return e?e.innerText:'';",
                    "args": [css]
                })),
                true,
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// Sends keys to whatever has focus.
    pub async fn keys(&self, text: &str) -> Res<()> {
        let mut actions = Vec::new();
        for ch in text.chars() {
            let s = ch.to_string();
            actions.push(json!({"type": "keyDown", "value": s}));
            actions.push(json!({"type": "keyUp", "value": s}));
        }
        self.cmd(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "kbd", "actions": actions}]})),
        )
        .await?;
        Ok(())
    }

    /// A screenshot of the window, after two animation frames so it shows the current state.
    pub async fn screenshot(&self, name: &str) -> Res<PathBuf> {
        let _ = self
            .cmd(
                reqwest::Method::POST,
                "/execute/async",
                Some(json!({"script": "const d=arguments[arguments.length-1];requestAnimationFrame(()=>requestAnimationFrame(()=>d(true)));", "args": []})),
            )
            .await;
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await?;
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        let path = shots_dir().join(format!("{name}.png"));
        std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
        Ok(path)
    }

    pub async fn quit(mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// An element of the page.
pub struct Element<'a> {
    app: &'a App,
    id: String,
}

impl Element<'_> {
    pub async fn click(&self) -> Res<()> {
        self.app
            .cmd(
                reqwest::Method::POST,
                &format!("/element/{}/click", self.id),
                Some(json!({})),
            )
            .await
            .map(|_| ())
    }
    pub async fn clear(&self) -> Res<()> {
        self.app
            .cmd(
                reqwest::Method::POST,
                &format!("/element/{}/clear", self.id),
                Some(json!({})),
            )
            .await
            .map(|_| ())
    }
    pub async fn send_keys(&self, text: &str) -> Res<()> {
        self.app
            .cmd(
                reqwest::Method::POST,
                &format!("/element/{}/value", self.id),
                Some(json!({"text": text})),
            )
            .await
            .map(|_| ())
    }
    pub async fn text(&self) -> Res<String> {
        let v = self
            .app
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{}/text", self.id),
                None,
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }
    pub async fn value(&self) -> Res<String> {
        let v = self
            .app
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{}/property/value", self.id),
                None,
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }
}

/// Talks to the demo's stand-in the way a test inspects it.
pub struct SandboxProbe {
    pub base: String,
    http: reqwest::Client,
}

impl SandboxProbe {
    pub fn new(port: u16) -> Self {
        SandboxProbe {
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        }
    }
    pub async fn get(&self, path: &str) -> Res<Value> {
        self.http
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())
    }
    pub async fn bytes(&self, path: &str) -> Res<Vec<u8>> {
        Ok(self
            .http
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .bytes()
            .await
            .map_err(|e| e.to_string())?
            .to_vec())
    }
    pub async fn post(&self, path: &str, body: Value) -> Res<Value> {
        let r = self
            .http
            .post(format!("{}{}", self.base, path))
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Ok(r.json().await.unwrap_or(Value::Null))
    }
    /// Calls the AFAS stand-in's API with the demo token.
    pub async fn afas(&self, path_and_query: &str, version: &str) -> Res<Value> {
        let tok: Value = self
            .http
            .post(format!("{}/demo/authentication/getaccesstoken", self.base))
            .json(&json!({"apptoken": "demo-app-token"}))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let token = tok["access_token"].as_str().unwrap_or_default();
        self.http
            .get(format!("{}/demo{}", self.base, path_and_query))
            .bearer_auth(token)
            .header("Accept-Version", version)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())
    }
}

/// Whether a window test cannot run here (no display, no app binary). Outside CI it is then
/// skipped with a note; in CI that is a failure.
pub fn skip_window_test() -> bool {
    match can_run_window() {
        Ok(()) => false,
        Err(why) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "the window test must run in CI: {why}"
            );
            eprintln!("skipped: {why}");
            true
        }
    }
}

/// A fresh folder under the system's temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("invoice-desk-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).expect("a temporary folder");
    d
}

/// Every file below `dir`.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// SIGKILLs the app process started with this data directory (found through /proc, so other
/// instances are left alone). Returns how many processes were killed.
pub fn kill_app(data_dir: &Path) -> usize {
    let want = format!("INVOICE_DESK_DATA_DIR={}", data_dir.display());
    let mut killed = 0;
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let pid = e.file_name().to_string_lossy().to_string();
        if !pid.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        if comm.trim() != "invoice-desk" {
            continue;
        }
        let env = std::fs::read(e.path().join("environ")).unwrap_or_default();
        if env.split(|b| *b == 0).any(|kv| kv == want.as_bytes()) {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            killed += 1;
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    killed
}

/// The stand-ins as a process of their own (`invoice-desk-sandbox`), which outlives the app.
pub struct StandIn(Child);

impl StandIn {
    /// Starts the stand-in binary next to the app binary on `port` and waits until it answers.
    pub async fn start(port: u16) -> StandIn {
        Self::start_with(port, &[]).await
    }

    /// Like [`StandIn::start`], with more arguments for the stand-in (`--persons 50000` …).
    pub async fn start_with(port: u16, args: &[&str]) -> StandIn {
        let bin = app_binary().with_file_name("invoice-desk-sandbox");
        assert!(
            bin.exists(),
            "{} is missing: run `cargo build -p invoice-desk-sandbox`",
            bin.display()
        );
        let child = Command::new(bin)
            .args(["--port", &port.to_string()])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the stand-in starts");
        let probe = SandboxProbe::new(port);
        let up = Instant::now();
        while probe.get("/__sandbox/afas/stats").await.is_err() {
            assert!(
                up.elapsed() < Duration::from_secs(600),
                "the stand-in did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        StandIn(child)
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A stand-in driver: drops the first connection without an answer, answers the others.
    async fn flaky_driver() -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(AtomicUsize::new(0));
        let count = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let n = count.fetch_add(1, Ordering::SeqCst);
                // Read the whole request (headers, then Content-Length bytes of body).
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while let Ok(k) = sock.read(&mut chunk).await {
                    if k == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..k]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text
                            .lines()
                            .find_map(|l| {
                                let l = l.to_ascii_lowercase();
                                l.strip_prefix("content-length:")
                                    .and_then(|v| v.trim().parse::<usize>().ok())
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                if n == 0 {
                    drop(sock); // the connection breaks: no answer
                    continue;
                }
                let body = r#"{"value":"Bakker B.V."}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(answer.as_bytes()).await;
                let _ = sock.shutdown().await;
            }
        });
        (base, seen)
    }

    fn app_at(base: String) -> App {
        App {
            driver: Command::new("true").spawn().expect("a child process"),
            http: reqwest::Client::new(),
            base,
            session: "s1".into(),
            data_dir: PathBuf::new(),
            sandbox_port: 0,
            retry_log: None,
        }
    }

    #[test]
    fn reading_and_finding_elements_count_as_idempotent_clicks_and_typing_do_not() {
        use reqwest::Method;
        assert!(is_idempotent(&Method::GET, "/element/e1/text"));
        assert!(is_idempotent(&Method::GET, "/screenshot"));
        assert!(is_idempotent(&Method::POST, "/element"));
        assert!(is_idempotent(&Method::POST, "/elements"));
        assert!(is_idempotent(&Method::POST, "/element/e1/element"));
        assert!(!is_idempotent(&Method::POST, "/element/e1/click"));
        assert!(!is_idempotent(&Method::POST, "/element/e1/value"));
        assert!(!is_idempotent(&Method::POST, "/element/e1/clear"));
        assert!(!is_idempotent(&Method::POST, "/actions"));
        assert!(!is_idempotent(&Method::POST, "/execute/sync"));
    }

    #[tokio::test]
    async fn a_read_whose_connection_breaks_is_sent_once_more_and_succeeds() {
        let (base, seen) = flaky_driver().await;
        let app = app_at(base);
        let el = Element {
            app: &app,
            id: "e1".into(),
        };
        assert_eq!(el.text().await.unwrap(), "Bakker B.V.");
        assert_eq!(
            seen.load(Ordering::SeqCst),
            2,
            "sent twice: once broken, once answered"
        );
    }

    #[tokio::test]
    async fn a_click_whose_connection_breaks_is_not_sent_again() {
        let (base, seen) = flaky_driver().await;
        let app = app_at(base);
        let el = Element {
            app: &app,
            id: "e1".into(),
        };
        let err = el.click().await.unwrap_err();
        assert!(err.contains("not sent again"), "{err}");
        assert_eq!(seen.load(Ordering::SeqCst), 1, "the click went out once");
    }
}
