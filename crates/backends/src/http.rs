//! The one HTTP layer every connector uses.
//!
//! - One `reqwest` client per connection with sane timeouts (connect 10 s, whole request 60 s),
//!   the User-Agent `InvoiceDesk/<version>`, and no automatic redirects (an API that redirects
//!   means a wrong address, which the user should see instead of a login page parsed as JSON).
//! - Certificates are checked against the bundled roots (webpki) *and* the operating system's
//!   store, so an office that inspects TLS with its own CA (installed on the computer) works.
//! - Proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` and `NO_PROXY`, but this computer
//!   (`localhost`, `127.0.0.0/8`, `::1`) is never reached through a proxy.
//! - An answer is read as a stream and never more than [`MAX_BODY_BYTES`] of it: past that the
//!   request fails (`Uncertain` for a request that is not idempotent, `BadResponse` otherwise),
//!   so a server cannot fill the memory with an endless answer.
//! - "The system does not answer" (refused, no answer in time, 502/503/504 on a read) is told
//!   apart from "this address is wrong" (a name that does not exist, a certificate for another
//!   name, a 404 on a known endpoint, something that is not the API answering): the first is
//!   `Offline`/`ServerError` (try again later), the second `Config` (check the settings).
//! - Transport failures become core errors that say what is known about the request:
//!   a failure to connect is [`ErrorCode::Offline`] or [`ErrorCode::Config`] (as above):
//!   nothing was sent. A failure after the request was written (the connection reset or closed
//!   before the answer, a timeout while waiting) is [`ErrorCode::Uncertain`] for a request that
//!   is not idempotent (it may have been processed), and `Offline` for one that is.
//! - [`Http::status_error`] maps the usual statuses: 401 `AuthFailed`, 403 `Forbidden`,
//!   404 `NotFound`, 429 `RateLimited` (with `Retry-After`), 5xx `ServerError`, 3xx `Config`;
//!   [`Http::status_error_for`] makes a 5xx to a request that is not idempotent `Uncertain`.
//! - Tracing logs the method, the host and path, the status and the time taken. It never logs
//!   a header (so never `Authorization`), a request body, or a response body; query parameters
//!   whose names look like credentials are replaced by `***`.

use invoice_desk_core::error::{Error, ErrorCode, Result};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use std::time::{Duration, Instant, SystemTime};
use url::Url;

/// Time allowed to set up a connection (TCP and TLS).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed for a whole request, answer included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest answer read into memory. The JSON answers of the APIs are far smaller (a page
/// of 500 AFAS relations is well under 1 MiB); nothing the app reads is a file download.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Hosts that are never reached through a proxy: this computer.
pub const LOOPBACK_NO_PROXY: &str = "localhost,127.0.0.0/8,::1";

/// `InvoiceDesk/<version>`.
pub fn user_agent() -> String {
    format!("InvoiceDesk/{}", env!("CARGO_PKG_VERSION"))
}

/// Whether sending a request twice does the same as sending it once. Decides what a lost
/// answer means: for a non-idempotent request it may have been processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    Idempotent,
    NotIdempotent,
}

/// A complete answer: status, headers and the whole body.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Reply {
    // The body may hold a token (token endpoints), so it is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Reply {
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The body as JSON; a body that is not JSON is a `BadResponse`.
    pub fn json(&self, system: &str) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body).map_err(|_| bad_response(system, self))
    }

    /// The body as JSON when it is JSON.
    pub fn json_opt(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// A short, printable piece of the body for an error's detail.
    pub fn snippet(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        let mut out: String = text.chars().take(300).collect();
        if text.chars().count() > 300 {
            out.push('…');
        }
        out
    }

    /// The back end's own message, from the usual JSON error shapes, or a short piece of the
    /// body when it is plain text.
    pub fn vendor_message(&self) -> Option<String> {
        if let Some(v) = self.json_opt() {
            for key in [
                "Message",
                "message",
                "errorMessage",
                "error_description",
                "detail",
                "title",
                "error",
            ] {
                if let Some(s) = v.get(key).and_then(|m| m.as_str()) {
                    if !s.trim().is_empty() {
                        return Some(s.trim().to_string());
                    }
                }
            }
            return None;
        }
        let is_html = self
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.contains("html"))
            .unwrap_or(false);
        let s = self.snippet();
        (!s.is_empty() && !is_html).then_some(s)
    }

    /// `Retry-After` as a duration, when present and understood.
    pub fn retry_after(&self) -> Option<Duration> {
        let v = self
            .headers
            .get(reqwest::header::RETRY_AFTER)?
            .to_str()
            .ok()?;
        parse_retry_after(v, SystemTime::now())
    }
}

/// Parses `Retry-After`: either delay seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let when: SystemTime = when.with_timezone(&chrono::Utc).into();
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

fn bad_response(system: &str, reply: &Reply) -> Error {
    Error::new(
        ErrorCode::BadResponse,
        format!("{system} gaf een antwoord dat de app niet begrijpt."),
        format!("{system} gave an answer the app does not understand."),
    )
    .with_detail(format!("HTTP {}", reply.status.as_u16()))
}

/// The URL as it may be logged: credentials-like query values replaced by `***`.
pub fn loggable_url(url: &Url) -> String {
    let mut out = format!(
        "{}://{}{}{}",
        url.scheme(),
        url.host_str().unwrap_or(""),
        url.port().map(|p| format!(":{p}")).unwrap_or_default(),
        url.path()
    );
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let key = k.to_ascii_lowercase();
            let sensitive = key != "trackingtoken"
                && [
                    "token", "secret", "code", "key", "password", "verifier", "state",
                ]
                .iter()
                .any(|s| key.contains(s));
            let v = if sensitive {
                "***".to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    if !pairs.is_empty() {
        out.push('?');
        out.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish(),
        );
    }
    out
}

/// The error chain of a transport failure, without the URL.
fn chain(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut s = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(x) = src {
        let t = x.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = x.source();
    }
    s
}

/// A reqwest client with both root sets, or with the bundled roots alone when the operating
/// system's store cannot be used.
fn client_with(connect: Duration, request: Duration) -> Result<reqwest::Client> {
    match build_client(connect, request, true) {
        Ok(c) => Ok(c),
        Err(e) => {
            // The operating system's store could not be used (it holds no certificate the
            // TLS library accepts): go on with the bundled roots rather than not at all.
            tracing::warn!(error = %chain(e), "OS certificate store unusable; bundled roots only");
            build_client(connect, request, false)
                .map_err(|e| Error::internal(format!("HTTP client: {}", chain(e))))
        }
    }
}

/// The reqwest client: rustls with both root sets, our timeouts, no redirects, and proxies
/// from the environment that never apply to this computer.
fn build_client(
    connect: Duration,
    request: Duration,
    native_roots: bool,
) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_webpki_certs(true)
        .tls_built_in_native_certs(native_roots)
        .connect_timeout(connect)
        .timeout(request)
        .user_agent(user_agent())
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(50))
        .tcp_keepalive(Duration::from_secs(30))
        // No proxy from the environment as reqwest reads it: ours below excludes loopback.
        .no_proxy();
    for proxy in env_proxies(|name| std::env::var(name).ok()) {
        builder = builder.proxy(proxy);
    }
    builder.build()
}

/// The proxies the environment asks for (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, upper case
/// first, as curl and reqwest read them), each with `NO_PROXY` plus [`LOOPBACK_NO_PROXY`] as
/// its exceptions. A value without a scheme is `http://`; one that is not an HTTP proxy is
/// skipped with a warning.
fn env_proxies(var: impl Fn(&str) -> Option<String>) -> Vec<reqwest::Proxy> {
    let first = |names: [&str; 2]| {
        names
            .iter()
            .find_map(|n| var(n))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let no_proxy = match first(["NO_PROXY", "no_proxy"]) {
        Some(list) => format!("{list},{LOOPBACK_NO_PROXY}"),
        None => LOOPBACK_NO_PROXY.to_string(),
    };
    let mut out = Vec::new();
    let wanted: [(&str, [&str; 2]); 3] = [
        ("https", ["HTTPS_PROXY", "https_proxy"]),
        ("http", ["HTTP_PROXY", "http_proxy"]),
        ("all", ["ALL_PROXY", "all_proxy"]),
    ];
    for (scope, names) in wanted {
        let Some(value) = first(names) else { continue };
        let url = if value.contains("://") {
            value
        } else {
            format!("http://{value}")
        };
        let usable = Url::parse(&url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        let proxy = usable.and_then(|u| {
            match scope {
                "https" => reqwest::Proxy::https(u.as_str()),
                "http" => reqwest::Proxy::http(u.as_str()),
                _ => reqwest::Proxy::all(u.as_str()),
            }
            .ok()
        });
        match proxy {
            Some(p) => out.push(p.no_proxy(reqwest::NoProxy::from_string(&no_proxy))),
            None => tracing::warn!(variable = names[0], "proxy setting not usable; ignored"),
        }
    }
    out
}

/// Why a connection could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConnectFailure {
    /// The name does not exist.
    NoSuchName,
    /// The name could not be looked up now (no name server reachable).
    LookupUnavailable,
    /// The certificate is for another name.
    CertificateName,
    /// The certificate is not signed by a root this computer trusts (or expired, revoked…).
    CertificateUntrusted,
    /// Another TLS failure: often not a TLS server at all.
    Tls,
    /// Refused, unreachable, no answer in time: the system does not answer.
    NoAnswer,
}

fn connect_failure(e: &reqwest::Error) -> ConnectFailure {
    let mut texts = Vec::new();
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = src {
        texts.push(x.to_string());
        src = x.source();
    }
    classify_connect(&texts.join(" | "))
}

/// Classifies the text of a connect error's chain (the error types of the resolver and of
/// rustls are not ours to match on; their texts are stable and tested below).
fn classify_connect(chain: &str) -> ConnectFailure {
    let all = chain.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| all.contains(n));
    if has(&["dns error", "failed to lookup address", "no such host"]) {
        // EAI_AGAIN (Unix) and WSATRY_AGAIN (Windows): no name server answered.
        if has(&["temporar", "try again", "os error 11002"]) {
            return ConnectFailure::LookupUnavailable;
        }
        return ConnectFailure::NoSuchName;
    }
    if has(&["notvalidforname", "not valid for name"]) {
        return ConnectFailure::CertificateName;
    }
    if has(&["invalid peer certificate", "certificate"]) {
        return ConnectFailure::CertificateUntrusted;
    }
    if has(&["tls", "handshake", "corrupt message", "invalidcontenttype"]) {
        return ConnectFailure::Tls;
    }
    ConnectFailure::NoAnswer
}

#[cfg(test)]
mod connect_tests {
    use super::*;

    #[test]
    fn connect_errors_of_each_platform_are_told_apart() {
        use ConnectFailure::*;
        let cases = [
            // Linux, macOS, Windows: the name does not exist.
            ("client error (Connect): dns error: failed to lookup address information: Name or service not known", NoSuchName),
            ("client error (Connect): dns error: failed to lookup address information: nodename nor servname provided, or not known", NoSuchName),
            ("client error (Connect): dns error: No such host is known. (os error 11001)", NoSuchName),
            // No name server answered: the network, not the address.
            ("client error (Connect): dns error: failed to lookup address information: Temporary failure in name resolution", LookupUnavailable),
            ("client error (Connect): dns error: This is usually a temporary error during hostname resolution and means that the local server did not receive a response from an authoritative server. (os error 11002)", LookupUnavailable),
            // TLS.
            ("client error (Connect): invalid peer certificate: certificate not valid for name \"127.0.0.1\"; certificate is only valid for DnsName(\"localhost\")", CertificateName),
            ("client error (Connect): invalid peer certificate: NotValidForName", CertificateName),
            ("client error (Connect): invalid peer certificate: UnknownIssuer", CertificateUntrusted),
            ("client error (Connect): received corrupt message of type InvalidContentType", Tls),
            // Nobody answers.
            ("client error (Connect): tcp connect error: Connection refused (os error 111)", NoAnswer),
            ("client error (Connect): tcp connect error: No connection could be made because the target machine actively refused it. (os error 10061)", NoAnswer),
            ("client error (Connect): tcp connect error: Network is unreachable (os error 101)", NoAnswer),
            ("client error (Connect): operation timed out", NoAnswer),
        ];
        for (text, want) in cases {
            assert_eq!(classify_connect(text), want, "{text}");
        }
    }
}

/// Why an answer was not read to its end.
enum BodyError {
    Transport(reqwest::Error),
    TooLarge,
}

impl Http {
    /// What a failure to connect means: nothing was sent. "Does not answer" (`Offline`: try
    /// again later) or "this address is wrong" (`Config`: check the settings).
    fn connect_error(&self, e: reqwest::Error, host: &str) -> Error {
        let sys = self.system;
        let (code, nl, en) = match connect_failure(&e) {
            ConnectFailure::NoSuchName => (
                ErrorCode::Config,
                format!(
                    "Het adres {host} bestaat niet: die naam is op internet niet te vinden. \
                     Controleer het adres van {sys} bij Instellingen; er is niets verstuurd."
                ),
                format!(
                    "The address {host} does not exist: that name cannot be found on the \
                     internet. Check the address of {sys} in Settings; nothing was sent."
                ),
            ),
            ConnectFailure::LookupUnavailable => (
                ErrorCode::Offline,
                format!(
                    "Deze computer kan {host} nu niet opzoeken. Controleer de \
                     internetverbinding en probeer het later opnieuw; er is niets verstuurd."
                ),
                format!(
                    "This computer cannot look up {host} right now. Check the internet \
                     connection and try again later; nothing was sent."
                ),
            ),
            ConnectFailure::CertificateName => (
                ErrorCode::Config,
                format!(
                    "Het certificaat van {host} hoort bij een ander adres: dit is niet het \
                     adres van {sys}. Controleer het adres bij Instellingen; er is niets \
                     verstuurd."
                ),
                format!(
                    "The certificate of {host} belongs to another address: this is not the \
                     address of {sys}. Check the address in Settings; nothing was sent."
                ),
            ),
            ConnectFailure::CertificateUntrusted => (
                ErrorCode::Config,
                format!(
                    "Deze computer vertrouwt het certificaat van {host} niet. Controleer het \
                     adres van {sys}; controleert uw kantoor het internetverkeer, dan moet het \
                     certificaat daarvan op deze computer staan. Er is niets verstuurd."
                ),
                format!(
                    "This computer does not trust the certificate of {host}. Check the \
                     address of {sys}; if your office inspects internet traffic, its \
                     certificate must be installed on this computer. Nothing was sent."
                ),
            ),
            ConnectFailure::Tls => (
                ErrorCode::Config,
                format!(
                    "Met {host} kon geen beveiligde verbinding worden gemaakt: op dit adres \
                     antwoordt niet {sys}. Controleer het adres bij Instellingen; er is niets \
                     verstuurd."
                ),
                format!(
                    "No secure connection could be made with {host}: what answers at this \
                     address is not {sys}. Check the address in Settings; nothing was sent."
                ),
            ),
            ConnectFailure::NoAnswer => (
                ErrorCode::Offline,
                format!(
                    "{sys} antwoordt niet op {host}: het systeem is onbereikbaar of deze \
                     computer is offline. Probeer het later opnieuw; er is niets verstuurd."
                ),
                format!(
                    "{sys} does not answer at {host}: the system is down or this computer is \
                     offline. Try again later; nothing was sent."
                ),
            ),
        };
        let err = Error::new(code, nl, en).with_detail(chain(e));
        if code == ErrorCode::Config {
            err.with_field("base_url")
        } else {
            err
        }
    }

    /// Reads an answer as a stream, at most `body_limit` bytes. Past the limit: `TooLarge`,
    /// except for a failure status of an idempotent request, whose first `body_limit` bytes
    /// are kept (the status says what happened; the body only adds the vendor's words).
    async fn read_body(
        &self,
        mut resp: reqwest::Response,
        safety: Safety,
    ) -> std::result::Result<Vec<u8>, BodyError> {
        let limit = self.body_limit;
        let keep_head = safety == Safety::Idempotent && !resp.status().is_success();
        let announced = resp.content_length().unwrap_or(0);
        if announced > limit as u64 && !keep_head {
            return Err(BodyError::TooLarge);
        }
        let mut body = Vec::with_capacity((announced as usize).min(limit));
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    let room = limit - body.len();
                    if chunk.len() > room {
                        if keep_head {
                            body.extend_from_slice(&chunk[..room]);
                            return Ok(body);
                        }
                        return Err(BodyError::TooLarge);
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(body),
                Err(e) => return Err(BodyError::Transport(e)),
            }
        }
    }

    /// An answer larger than the app reads.
    fn too_large(&self, safety: Safety, status: StatusCode) -> Error {
        let sys = self.system;
        let mib = self.body_limit.div_ceil(1024 * 1024);
        let detail = format!(
            "HTTP {}: more than {} bytes",
            status.as_u16(),
            self.body_limit
        );
        match safety {
            Safety::NotIdempotent => Error::new(
                ErrorCode::Uncertain,
                format!(
                    "Het antwoord van {sys} was groter dan de app leest ({mib} MiB) en is niet \
                     gelezen. Het verzoek kan zijn verwerkt; de app controleert dat voordat ze \
                     opnieuw verstuurt."
                ),
                format!(
                    "The answer from {sys} was larger than the app reads ({mib} MiB) and was \
                     not read. The request may have been processed; the app checks before it \
                     sends again."
                ),
            ),
            Safety::Idempotent => Error::new(
                ErrorCode::BadResponse,
                format!(
                    "{sys} stuurde een antwoord dat groter is dan de app leest ({mib} MiB); \
                     het is niet gelezen."
                ),
                format!(
                    "{sys} sent an answer larger than the app reads ({mib} MiB); it was not \
                     read."
                ),
            ),
        }
        .with_detail(detail)
    }

    /// The meaning of a failure status on a read (a list, a token): 502, 503 and 504 say that
    /// the system does not answer (a gateway in front of it does); others as
    /// [`Http::status_error`].
    pub fn read_status_error(&self, reply: &Reply) -> Error {
        let sys = self.system;
        let code = reply.status.as_u16();
        match code {
            502..=504 => Error::new(
                ErrorCode::ServerError,
                format!(
                    "{sys} antwoordt op dit moment niet (HTTP {code}): het systeem is \
                     onbereikbaar of in onderhoud. Probeer het later opnieuw."
                ),
                format!(
                    "{sys} does not answer at the moment (HTTP {code}): the system is down or \
                     in maintenance. Try again later."
                ),
            )
            .with_retry_after(reply.retry_after())
            .with_detail(reply.vendor_message().unwrap_or_default()),
            _ => self.status_error(reply),
        }
    }

    /// A successful answer to a read that is not what the API answers (not JSON at all, e.g.
    /// a web page): something else lives at this address.
    pub fn not_the_api(&self, reply: &Reply) -> Error {
        let sys = self.system;
        Error::new(
            ErrorCode::Config,
            format!(
                "Op dit adres antwoordt iets anders dan {sys} (bijvoorbeeld een webpagina). \
                 Controleer het adres bij Instellingen."
            ),
            format!(
                "Something other than {sys} answers at this address (a web page, for \
                 example). Check the address in Settings."
            ),
        )
        .with_field("base_url")
        .with_detail(format!(
            "HTTP {}: {}",
            reply.status.as_u16(),
            reply.snippet()
        ))
    }
}

/// One HTTP client for one connection to one system.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    system: &'static str,
    body_limit: usize,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("system", &self.system)
            .finish()
    }
}

impl Http {
    /// A client with the standard timeouts. `system` is the name users know ("AFAS SB"); it
    /// appears in error messages. Every such client shares one reqwest client, made at the
    /// first call: making one reads the operating system's certificate store (milliseconds
    /// each time, once per connection at start), and one pool of connections serves them all.
    pub fn new(system: &'static str) -> Result<Http> {
        static STANDARD: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
        let client = match STANDARD.get() {
            Some(c) => c.clone(),
            None => {
                let made = client_with(CONNECT_TIMEOUT, REQUEST_TIMEOUT)?;
                STANDARD.get_or_init(|| made).clone()
            }
        };
        Ok(Http {
            client,
            system,
            body_limit: MAX_BODY_BYTES,
        })
    }

    /// A client with other timeouts (tests use short ones).
    pub fn with_timeouts(
        system: &'static str,
        connect: Duration,
        request: Duration,
    ) -> Result<Http> {
        Ok(Http {
            client: client_with(connect, request)?,
            system,
            body_limit: MAX_BODY_BYTES,
        })
    }

    /// The same client with another cap on the answers it reads (tests use small ones).
    pub fn with_body_limit(mut self, bytes: usize) -> Http {
        self.body_limit = bytes;
        self
    }

    pub fn system(&self) -> &'static str {
        self.system
    }

    /// Starts a request; finish it with [`Http::send`].
    pub fn request(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        self.client.request(method, url)
    }

    /// Sends a request and reads the whole answer, whatever its status. Only transport
    /// failures are errors here; statuses are for the caller (see [`Http::status_error`]).
    pub async fn send(&self, rb: reqwest::RequestBuilder, safety: Safety) -> Result<Reply> {
        let req = rb.build().map_err(|e| {
            Error::new(
                ErrorCode::Config,
                format!(
                    "Het adres van {} is ongeldig. Controleer het bij Instellingen.",
                    self.system
                ),
                format!(
                    "The address of {} is not valid. Check it in Settings.",
                    self.system
                ),
            )
            .with_detail(chain(e))
        })?;
        let method = req.method().clone();
        let url = loggable_url(req.url());
        let host = req.url().host_str().unwrap_or("").to_string();
        tracing::debug!(system = self.system, %method, url = %url, "request");
        let started = Instant::now();
        let resp = match self.client.execute(req).await {
            Ok(r) => r,
            Err(e) => {
                let err = self.transport_error(e, safety, &host);
                tracing::warn!(system = self.system, %method, url = %url, code = ?err.code,
                    elapsed_ms = started.elapsed().as_millis() as u64, "no answer");
                return Err(err);
            }
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = match self.read_body(resp, safety).await {
            Ok(b) => b,
            Err(BodyError::Transport(e)) => {
                let err = self.transport_error(e, safety, &host);
                tracing::warn!(system = self.system, %method, url = %url, status = status.as_u16(),
                    code = ?err.code, "answer cut off");
                return Err(err);
            }
            Err(BodyError::TooLarge) => {
                let err = self.too_large(safety, status);
                tracing::warn!(system = self.system, %method, url = %url, status = status.as_u16(),
                    limit = self.body_limit, code = ?err.code, "answer too large; not read");
                return Err(err);
            }
        };
        tracing::debug!(system = self.system, %method, url = %url, status = status.as_u16(),
            bytes = body.len(), elapsed_ms = started.elapsed().as_millis() as u64, "answer");
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// What a transport failure means for the user.
    pub fn transport_error(&self, e: reqwest::Error, safety: Safety, host: &str) -> Error {
        let sys = self.system;
        if e.is_builder() {
            return Error::new(
                ErrorCode::Config,
                format!("Het adres van {sys} is ongeldig. Controleer het bij Instellingen."),
                format!("The address of {sys} is not valid. Check it in Settings."),
            )
            .with_detail(chain(e));
        }
        if e.is_connect() {
            return self.connect_error(e, host);
        }
        let timeout = e.is_timeout();
        match safety {
            Safety::NotIdempotent => Error::new(
                ErrorCode::Uncertain,
                format!(
                    "Het verzoek is verstuurd, maar er kwam geen antwoord van {sys}. Het kan \
                     zijn verwerkt; de app controleert dat voordat ze opnieuw verstuurt."
                ),
                format!(
                    "The request was sent but no answer came from {sys}. It may have been \
                     processed; the app checks before it sends again."
                ),
            )
            .with_detail(chain(e)),
            Safety::Idempotent => {
                let (nl, en) = if timeout {
                    (
                        format!("{sys} antwoordde niet op tijd. Probeer het later opnieuw."),
                        format!("{sys} did not answer in time. Try again later."),
                    )
                } else {
                    (
                        format!(
                            "De verbinding met {sys} werd verbroken. Probeer het later opnieuw."
                        ),
                        format!("The connection to {sys} was lost. Try again later."),
                    )
                };
                Error::new(ErrorCode::Offline, nl, en).with_detail(chain(e))
            }
        }
    }

    /// The meaning of a status that is not a success, for a request of this `safety`.
    ///
    /// After a request that creates something (not idempotent) has been sent, a 5xx is no
    /// proof that nothing happened: a gateway answers 502 or 504 while the back end behind it
    /// goes on, and a server may fail after it stored. Such an answer is
    /// [`ErrorCode::Uncertain`] (look it up before sending again), never `ServerError`
    /// (which would be sent again as it is). Every other status means what
    /// [`Http::status_error`] says.
    pub fn status_error_for(&self, reply: &Reply, safety: Safety) -> Error {
        let err = self.status_error(reply);
        let code = reply.status.as_u16();
        if safety == Safety::NotIdempotent && (500..=599).contains(&code) {
            let sys = self.system;
            let uncertain = Error::new(
                ErrorCode::Uncertain,
                format!(
                    "{sys} meldde een storing (HTTP {code}) nadat het verzoek was verstuurd. \
                     Het kan toch zijn verwerkt; de app controleert dat voordat ze opnieuw verstuurt."
                ),
                format!(
                    "{sys} reported a failure (HTTP {code}) after the request was sent. It may \
                     have been processed all the same; the app checks before it sends again."
                ),
            )
            .with_retry_after(err.retry_after);
            return match err.detail {
                Some(d) => uncertain.with_detail(d),
                None => uncertain,
            };
        }
        err
    }

    /// The usual meaning of a status that is not a success.
    pub fn status_error(&self, reply: &Reply) -> Error {
        let sys = self.system;
        let code = reply.status.as_u16();
        let err = match code {
            300..=399 => Error::new(
                ErrorCode::Config,
                format!("{sys} stuurt door naar een ander adres. Controleer het adres bij Instellingen."),
                format!("{sys} redirects to another address. Check the address in Settings."),
            ),
            401 => Error::new(
                ErrorCode::AuthFailed,
                format!("{sys} heeft de inloggegevens niet geaccepteerd. Controleer ze bij Instellingen."),
                format!("{sys} did not accept the credentials. Check them in Settings."),
            ),
            403 => Error::new(
                ErrorCode::Forbidden,
                format!("De koppeling heeft geen rechten voor dit onderdeel van {sys}."),
                format!("The connection lacks the rights for this part of {sys}."),
            ),
            404 => Error::new(
                ErrorCode::NotFound,
                format!("{sys} kent het gevraagde niet."),
                format!("{sys} does not know what was asked for."),
            ),
            429 => Error::new(
                ErrorCode::RateLimited,
                format!("{sys} krijgt te veel verzoeken. De app probeert het straks opnieuw."),
                format!("{sys} is receiving too many requests. The app will try again shortly."),
            )
            .with_retry_after(reply.retry_after()),
            500..=599 => Error::new(
                ErrorCode::ServerError,
                format!("{sys} had een storing (HTTP {code}). Probeer het later opnieuw."),
                format!("{sys} had a failure (HTTP {code}). Try again later."),
            )
            .with_retry_after(reply.retry_after()),
            400..=499 => Error::new(
                ErrorCode::Refused,
                format!("{sys} weigerde het verzoek (HTTP {code})."),
                format!("{sys} refused the request (HTTP {code})."),
            ),
            _ => bad_response(sys, reply),
        };
        match reply.vendor_message() {
            Some(m) => err.with_detail(m),
            None => err,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        Reply {
            status: StatusCode::from_u16(status).unwrap(),
            headers: h,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn user_agent_has_version() {
        assert!(user_agent().starts_with("InvoiceDesk/"));
        assert!(user_agent().len() > "InvoiceDesk/".len());
    }

    #[test]
    fn retry_after_seconds_and_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // 2015-10-21 07:28:00
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn statuses_map_to_codes() {
        let http = Http::new("AFAS SB").unwrap();
        let cases = [
            (401, ErrorCode::AuthFailed),
            (403, ErrorCode::Forbidden),
            (404, ErrorCode::NotFound),
            (429, ErrorCode::RateLimited),
            (500, ErrorCode::ServerError),
            (503, ErrorCode::ServerError),
            (400, ErrorCode::Refused),
            (302, ErrorCode::Config),
        ];
        for (status, code) in cases {
            assert_eq!(
                http.status_error(&reply(status, &[], "")).code,
                code,
                "{status}"
            );
        }
        let e = http.status_error(&reply(429, &[("retry-after", "7")], ""));
        assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
        let e = http.status_error(&reply(
            403,
            &[("content-type", "application/json")],
            r#"{"StatusCode":403,"Message":"De ingelogde gebruiker heeft niet voldoende rechten."}"#,
        ));
        assert_eq!(
            e.detail.as_deref(),
            Some("De ingelogde gebruiker heeft niet voldoende rechten.")
        );
    }

    #[test]
    fn a_server_failure_after_a_create_was_sent_is_uncertain_not_a_plain_retry() {
        let http = Http::new("Silvasoft").unwrap();
        for status in [500, 502, 503, 504] {
            let r = reply(status, &[("retry-after", "3")], "Bad Gateway");
            let e = http.status_error_for(&r, Safety::NotIdempotent);
            assert_eq!(e.code, ErrorCode::Uncertain, "{status}");
            assert_eq!(e.retry_after, Some(Duration::from_secs(3)), "{status}");
            assert!(e.message.en.contains(&format!("HTTP {status}")));
            // A read can be asked again as it is.
            assert_eq!(
                http.status_error_for(&r, Safety::Idempotent).code,
                ErrorCode::ServerError,
                "{status}"
            );
        }
        // Definite answers stay what they are, whatever the request.
        for (status, code) in [
            (400, ErrorCode::Refused),
            (401, ErrorCode::AuthFailed),
            (429, ErrorCode::RateLimited),
        ] {
            assert_eq!(
                http.status_error_for(&reply(status, &[], ""), Safety::NotIdempotent)
                    .code,
                code
            );
        }
    }

    #[test]
    fn credentials_in_query_are_not_logged() {
        let u = Url::parse(
            "https://x.afasfocus.nl/env/api/persons?skip=0&take=500&TrackingToken=2024&code=abc&client_secret=s",
        )
        .unwrap();
        let l = loggable_url(&u);
        assert!(l.contains("TrackingToken=2024"));
        assert!(l.contains("take=500"));
        assert!(!l.contains("abc"));
        assert!(!l.contains("=s"));
    }

    #[tokio::test]
    async fn refused_connection_is_offline() {
        // Bind and drop a listener to get a port nobody listens on.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let http = Http::new("AFAS SB").unwrap();
        let url = format!("http://127.0.0.1:{port}/x");
        let e = http
            .send(http.request(Method::POST, &url), Safety::NotIdempotent)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Offline);
    }

    #[tokio::test]
    async fn connection_closed_before_answer() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = listener.accept().await else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s.shutdown().await;
            }
        });
        let http = Http::new("AFAS SB").unwrap();
        let url = format!("http://{addr}/api/salesinvoice");
        let e = http
            .send(
                http.request(Method::POST, &url).body("{}"),
                Safety::NotIdempotent,
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Uncertain);
        let e = http
            .send(http.request(Method::GET, &url), Safety::Idempotent)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Offline);
    }

    #[tokio::test]
    async fn timeout_while_waiting() {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            loop {
                let Ok((mut s, _)) = listener.accept().await else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                held.push(s);
            }
        });
        let http = Http::with_timeouts(
            "AFAS SB",
            Duration::from_secs(2),
            Duration::from_millis(300),
        )
        .unwrap();
        let url = format!("http://{addr}/api/salesinvoice");
        let e = http
            .send(
                http.request(Method::POST, &url).body("{}"),
                Safety::NotIdempotent,
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Uncertain);
    }
}
