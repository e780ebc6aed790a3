//! A small W3C WebDriver client and a launcher for the real Invoice Desk window under
//! tauri-driver, for end-to-end tests. Kept in its own crate so the app's tests don't build
//! the Tauri stack twice.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub type Res<T> = Result<T, String>;

/// Keys as WebDriver spells them.
pub mod keys {
    pub const ENTER: &str = "\u{E007}";
    pub const TAB: &str = "\u{E004}";
    pub const ARROW_DOWN: &str = "\u{E015}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const BACKSPACE: &str = "\u{E003}";
    pub const CONTROL: &str = "\u{E009}";
}

/// The repository's root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
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

/// Where the driver's and the app's own output goes: a file per launch under
/// `target/e2e-logs/`, so the test output stays readable (the app also keeps its log in its
/// data directory).
fn driver_log(port: u16) -> Stdio {
    let dir = target_dir().join("e2e-logs");
    let _ = std::fs::create_dir_all(&dir);
    match std::fs::File::create(dir.join(format!("driver-{port}.log"))) {
        Ok(f) => Stdio::from(f),
        Err(_) => Stdio::null(),
    }
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

/// A running app under tauri-driver with one WebDriver session.
pub struct App {
    driver: Child,
    http: reqwest::Client,
    base: String,
    session: String,
    pub data_dir: PathBuf,
    pub sandbox_port: u16,
}

impl App {
    /// Starts tauri-driver with the given environment for the app and opens a session.
    pub async fn launch(data_dir: &Path, sandbox_port: u16, envs: &[(&str, String)]) -> Res<App> {
        can_run_window()?;
        let port = free_port();
        let native = free_port();
        let mut cmd = Command::new(tauri_driver());
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native.to_string())
            .env("INVOICE_DESK_DATA_DIR", data_dir)
            .env("INVOICE_DESK_SANDBOX_PORT", sandbox_port.to_string())
            .env("INVOICE_DESK_LOG", "debug")
            .stdout(Stdio::null())
            .stderr(driver_log(port));
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let driver = cmd
            .spawn()
            .map_err(|e| format!("tauri-driver could not start ({e}); run `make setup-test`"))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| e.to_string())?;
        let base = format!("http://127.0.0.1:{port}");
        // Wait for the driver to listen.
        let start = Instant::now();
        loop {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            if start.elapsed() > Duration::from_secs(20) {
                return Err("tauri-driver did not start listening".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
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
        Ok(App {
            driver,
            http,
            base,
            session,
            data_dir: data_dir.to_path_buf(),
            sandbox_port,
        })
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Res<Value> {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let mut rb = self.http.request(method, url);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let v: Value = resp.json().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("webdriver {path}: {status} {}", v["value"]));
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
        let start = Instant::now();
        loop {
            let s = self
                .invoke("sync_status", json!({"connection_id": connection_id}))
                .await?;
            if s["running"] == json!(false)
                && s["relations"].as_u64().unwrap_or(0) > 0
                && s["error"].is_null()
            {
                return Ok(s);
            }
            if start.elapsed() > timeout {
                return Err(format!(
                    "the look-ups of {connection_id} were not refreshed: {s}"
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
        let v = self
            .js(
                "const e=document.querySelector(arguments[0]);return e?e.innerText:'';",
                vec![json!(css)],
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
        let bin = app_binary().with_file_name("invoice-desk-sandbox");
        assert!(
            bin.exists(),
            "{} is missing: run `cargo build -p invoice-desk-sandbox`",
            bin.display()
        );
        let child = Command::new(bin)
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the stand-in starts");
        let probe = SandboxProbe::new(port);
        let up = Instant::now();
        while probe.get("/__sandbox/afas/stats").await.is_err() {
            assert!(
                up.elapsed() < Duration::from_secs(20),
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
