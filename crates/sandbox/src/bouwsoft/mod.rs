//! The Visma Bouwsoft stand-in, written from Bouwsoft's API pages ("Which server to call",
//! `GET SalesInvoices`) and, where they are silent, from the assumptions marked [I].
//! Bouwsoft is read here: only the sales invoices and their texts.
//!
//! Everything lives under `/bouwsoft`:
//! - **Authentication server** (for `https://charon.bouwsoft.be`): `GET
//!   /bouwsoft/api/v1/Authorize/AccessToken` with the headers `Clientnr` and `RefreshToken`
//!   answers `{"AccessToken", "ServerIP", "ServerName", "Layout": "B", "ValidUntil":
//!   "YYYY-MM-DDTHH:MMZ"}`. A missing or wrong header is 401 [I]. `ValidUntil` is the token's
//!   end rounded down to the minute (or `valid_until_secs` from now, rounded down); the token
//!   itself lives `token_ttl_secs`.
//! - **Data server**: `ServerName` is `<host:port>/bouwsoft/osiris` [I] (the real one is a
//!   bare host such as `Osiris.bouwsoft.be`), so data calls go to
//!   `http://<host:port>/bouwsoft/osiris/api/v1/…` with the headers `Clientnr` and
//!   `AccessToken`; missing, unknown or expired is 401.
//! - `GET /api/v1/SalesInvoices` with `limit` (1..=1000, default 100), `offset` (from 0) [I],
//!   `sort` (comma-separated fields, each optionally followed by ` desc` or ` asc` [I]) and
//!   `filter` (OData-like: `field op value` with `eq`, `ne`, `ge`, `le`, `gt`, `lt`, `like`
//!   (`%` wildcards, case-insensitive), joined by ` and `, each part optionally a
//!   parenthesised ` or ` group; strings in single quotes, `''` for a quote) on `id`, `nr`,
//!   `date`, `expirationdate`, `address_id`, `address_name`, `project_id`, `project_pnr`,
//!   `project_name`. Anything else is 400. Answers `{"Content-Range": "first-last/total",
//!   "Records": […]}`; on every other page the range is written with an en dash, as the
//!   documentation's examples do. An empty page is `"0-0/0"` with no records [I].
//! - `GET /api/v1/SalesInvoices/{id}` answers the same envelope with one record; a non-numeric
//!   id is 400, an unknown one 404. `…/{id}/introduction_plain|html|rtf` and
//!   `…/conclusion_plain|html|rtf` answer the text as it is (`text/plain`, `text/html`,
//!   `application/rtf`).
//! - Errors are `{"error": "…"}` [I] (the documentation names no format; client libraries
//!   read `{"error"}`).
//!
//! The records carry the documented odd values: dates with en dashes (every 7th invoice), credit
//! notes (every 29th) whose negative amounts are written with an en dash and no quotes (not
//! JSON, as in the documentation), long floats (`34.649999999999999`), `""` for an absent
//! due date (every 11th), `pricedecimals` 3 on every 13th, HTML texts with a script and a
//! remote image (every 5th and the first), RTF texts.
//!
//! # Test hooks
//! - `GET /__sandbox/bouwsoft/stats`: `{"invoices", "tokens_issued", "tokens_valid"}`.
//! - `GET /__sandbox/bouwsoft/invoices`: `[]` (nothing is ever stored: the API is read here).
//! - `GET`, `POST`, `DELETE /__sandbox/bouwsoft/faults`: see [`crate::kit::faults`], plus
//!   `"expire_tokens": true`.

pub mod data;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::kit::faults::{self, Faults};
use crate::kit::hooks::{FaultAction, Hooks, StandIn};
use crate::kit::server::Shutdown;
use crate::kit::shared::{lock, made, Made};
use data::{date_text, long_float, Data, Invoice};

/// The path prefix of the stand-in (authentication server).
pub const PREFIX: &str = "/bouwsoft";
/// The data server's path under the prefix.
pub const DATA_PATH: &str = "/osiris";
/// The demo's client number and refresh token (sample data only, not secrets).
pub const DEMO_CLIENT_NR: &str = "115";
pub const DEMO_REFRESH_TOKEN: &str = "demo-bouwsoft-refresh-token";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BouwsoftConfig {
    pub client_nr: String,
    pub refresh_token: String,
    /// How long an access token lives.
    pub token_ttl_secs: u64,
    /// What `ValidUntil` says, from now, when it should differ from the token's life (tests of
    /// the renewal before `ValidUntil`); `None`: the token's end.
    pub valid_until_secs: Option<u64>,
    pub invoices: usize,
}

impl Default for BouwsoftConfig {
    fn default() -> Self {
        BouwsoftConfig {
            client_nr: DEMO_CLIENT_NR.into(),
            refresh_token: DEMO_REFRESH_TOKEN.into(),
            token_ttl_secs: 3600,
            valid_until_secs: None,
            invoices: 3_120,
        }
    }
}

pub struct Bouwsoft {
    pub cfg: BouwsoftConfig,
    data: Made<Data>,
    tokens: Mutex<HashMap<String, DateTime<Utc>>>,
    issued: AtomicU64,
    pub faults: Arc<Faults>,
    shutdown: Shutdown,
}

impl Bouwsoft {
    pub fn new(cfg: BouwsoftConfig, seed: u64, shutdown: Shutdown) -> Result<Bouwsoft, String> {
        if cfg.client_nr.is_empty() || cfg.refresh_token.is_empty() {
            return Err("the Bouwsoft client number and refresh token must not be empty".into());
        }
        Ok(Bouwsoft {
            // Generated at the first request that needs it.
            data: made({
                let n = cfg.invoices;
                move || Data::generate(n, seed)
            }),
            cfg,
            tokens: Mutex::new(HashMap::new()),
            issued: AtomicU64::new(0),
            faults: Arc::new(Faults::new(seed ^ 0xB0D5_0F70)),
            shutdown,
        })
    }

    fn valid(&self, token: &str) -> bool {
        lock(&self.tokens)
            .get(token)
            .is_some_and(|until| *until > Utc::now())
    }
}

impl StandIn for Bouwsoft {
    const NAME: &'static str = "bouwsoft";

    fn faults(&self) -> &Arc<Faults> {
        &self.faults
    }

    fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }

    fn fault_action() -> Option<FaultAction<Self>> {
        Some(FaultAction {
            member: "expire_tokens",
            run: |b, asked| {
                let mut tokens = lock(&b.tokens);
                let now = Utc::now();
                let n = tokens.values().filter(|u| **u > now).count();
                if asked {
                    tokens.clear();
                }
                ("tokens_expired", json!(if asked { n } else { 0 }))
            },
        })
    }
}

fn error(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({ "error": msg }))).into_response()
}

/// An injected failure in the stand-in's error format.
pub fn injected(status: StatusCode) -> Response {
    error(
        status,
        status.canonical_reason().unwrap_or("Internal Server Error"),
    )
}

fn header_text<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// `GET /api/v1/Authorize/AccessToken`.
async fn access_token(State(b): State<Arc<Bouwsoft>>, headers: HeaderMap) -> Response {
    let (Some(nr), Some(refresh)) = (
        header_text(&headers, "Clientnr"),
        header_text(&headers, "RefreshToken"),
    ) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "Clientnr and RefreshToken are required",
        );
    };
    if nr != b.cfg.client_nr || refresh != b.cfg.refresh_token {
        return error(StatusCode::UNAUTHORIZED, "Invalid refresh token");
    }
    let token: String = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let ttl = i64::try_from(b.cfg.token_ttl_secs)
        .unwrap_or(i64::MAX / 2)
        .min(100 * 365 * 86_400);
    let until = Utc::now() + Duration::seconds(ttl);
    lock(&b.tokens).insert(token.clone(), until);
    b.issued.fetch_add(1, Ordering::SeqCst);
    let shown = match b.cfg.valid_until_secs {
        Some(s) => Utc::now() + Duration::seconds(i64::try_from(s).unwrap_or(0).min(ttl)),
        None => until,
    };
    let shown = shown
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(until);
    let host = header_text(&headers, "host").unwrap_or("127.0.0.1");
    Json(json!({
        "AccessToken": token,
        "ServerIP": "127.0.0.1",
        "ServerName": format!("{host}{PREFIX}{DATA_PATH}"),
        "Layout": "B",
        "ValidUntil": shown.format("%Y-%m-%dT%H:%MZ").to_string(),
    }))
    .into_response()
}

/// `Clientnr` and `AccessToken` in front of every data call.
async fn guard(State(b): State<Arc<Bouwsoft>>, req: Request, next: Next) -> Response {
    let h = req.headers();
    let ok = header_text(h, "Clientnr") == Some(b.cfg.client_nr.as_str())
        && header_text(h, "AccessToken").is_some_and(|t| b.valid(t));
    if !ok {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    next.run(req).await
}

// ---------------------------------------------------------------------------------------------
// filter and sort

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Num(Decimal),
    Text(String),
}

#[derive(Debug, Clone)]
struct Cond {
    field: String,
    op: String,
    value: Val,
}

const FIELDS: &[&str] = &[
    "id",
    "nr",
    "date",
    "expirationdate",
    "address_id",
    "address_name",
    "project_id",
    "project_pnr",
    "project_name",
];

const SORTS: &[&str] = &[
    "id",
    "nr",
    "date",
    "expirationdate",
    "address_name",
    "project_name",
    "basis",
    "vatamount",
    "amountinclvat",
    "senttoaccountingsoftware",
];

/// Splits at ` word ` outside quotes and parentheses (case-insensitive).
fn split_top(s: &str, word: &str) -> Vec<String> {
    let sep = format!(" {word} ");
    let lower = s.to_ascii_lowercase();
    let bytes = s.as_bytes();
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start, mut i) = (0i32, false, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth -= 1,
            _ if !quoted && depth == 0 && lower[i..].starts_with(&sep) => {
                parts.push(s[start..i].to_string());
                i += sep.len();
                start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(s[start..].to_string());
    parts
}

fn parse_cond(s: &str) -> Option<Cond> {
    let s = s.trim();
    let (field, rest) = s.split_once(' ')?;
    let (op, value) = rest.trim().split_once(' ')?;
    let field = field.to_ascii_lowercase();
    let op = op.to_ascii_lowercase();
    if !FIELDS.contains(&field.as_str())
        || !["eq", "ne", "ge", "le", "gt", "lt", "like"].contains(&op.as_str())
    {
        return None;
    }
    let value = value.trim();
    let value = if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        if inner.replace("''", "").contains('\'') {
            return None;
        }
        Val::Text(inner.replace("''", "'"))
    } else {
        Val::Num(value.parse().ok()?)
    };
    Some(Cond { field, op, value })
}

/// `and` of `or` groups.
fn parse_filter(s: &str) -> Option<Vec<Vec<Cond>>> {
    split_top(s.trim(), "and")
        .into_iter()
        .map(|part| {
            let p = part.trim();
            let p = p
                .strip_prefix('(')
                .and_then(|x| x.strip_suffix(')'))
                .unwrap_or(p);
            split_top(p, "or")
                .into_iter()
                .map(|c| parse_cond(&c))
                .collect::<Option<Vec<_>>>()
        })
        .collect()
}

fn like(text: &str, pattern: &str) -> bool {
    let t = text.to_lowercase();
    let parts: Vec<String> = pattern
        .to_lowercase()
        .split('%')
        .map(String::from)
        .collect();
    let mut pos = 0;
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() {
            continue;
        }
        match t[pos..].find(p.as_str()) {
            Some(at) if i > 0 || at == 0 => pos += at + p.len(),
            _ => return false,
        }
    }
    parts.last().is_some_and(|l| l.is_empty()) || pos == t.len()
}

impl Bouwsoft {
    fn field(&self, inv: &Invoice, field: &str) -> Val {
        let project = inv.project.map(|p| &self.data.projects[p]);
        let customer = &self.data.customers[inv.customer];
        match field {
            "id" => Val::Num(inv.id.into()),
            "nr" => Val::Num(inv.nr.into()),
            "date" => Val::Text(date_text(Some(inv.date), false)),
            "expirationdate" => Val::Text(date_text(inv.expiration, false)),
            "address_id" => Val::Num(customer.address_id.into()),
            "address_name" => Val::Text(customer.name.clone()),
            "project_id" => Val::Num(project.map(|p| p.id).unwrap_or(0).into()),
            "project_pnr" => Val::Num(project.map(|p| p.pnr).unwrap_or(0).into()),
            "project_name" => Val::Text(project.map(|p| p.name.clone()).unwrap_or_default()),
            "basis" => Val::Num(inv.basis),
            "vatamount" => Val::Num(inv.vat),
            "amountinclvat" => Val::Num(inv.incl),
            "senttoaccountingsoftware" => Val::Num(u8::from(inv.sent_to_accounting).into()),
            _ => Val::Num(Decimal::ZERO),
        }
    }

    fn matches(&self, inv: &Invoice, c: &Cond) -> bool {
        let v = self.field(inv, &c.field);
        if c.op == "like" {
            let text = match &v {
                Val::Num(n) => n.to_string(),
                Val::Text(t) => t.clone(),
            };
            let pattern = match &c.value {
                Val::Num(n) => n.to_string(),
                Val::Text(t) => t.clone(),
            };
            return like(&text, &pattern);
        }
        let ord = match (&v, &c.value) {
            (Val::Num(a), Val::Num(b)) => a.cmp(b),
            (Val::Num(a), Val::Text(b)) => match b.parse::<Decimal>() {
                Ok(b) => a.cmp(&b),
                Err(_) => return false,
            },
            (Val::Text(a), Val::Text(b)) => a.to_lowercase().cmp(&b.to_lowercase()),
            (Val::Text(a), Val::Num(b)) => a.cmp(&b.to_string()),
        };
        use std::cmp::Ordering::*;
        match c.op.as_str() {
            "eq" => ord == Equal,
            "ne" => ord != Equal,
            "ge" => ord != Less,
            "le" => ord != Greater,
            "gt" => ord == Greater,
            "lt" => ord == Less,
            _ => false,
        }
    }

    fn cmp_field(&self, a: &Invoice, b: &Invoice, field: &str) -> std::cmp::Ordering {
        match (self.field(a, field), self.field(b, field)) {
            (Val::Num(x), Val::Num(y)) => x.cmp(&y),
            (Val::Text(x), Val::Text(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
            _ => std::cmp::Ordering::Equal,
        }
    }

    /// One record as Bouwsoft writes it (not always JSON: a credit note's amounts carry an
    /// en dash).
    fn record(&self, inv: &Invoice) -> String {
        let c = &self.data.customers[inv.customer];
        let p = inv.project.map(|p| &self.data.projects[p]);
        let d = inv.dashed;
        let num = |x: Decimal| long_float(x, true);
        let date = |x: Option<NaiveDate>| date_text(x, d);
        let mut o = serde_json::Map::new();
        let mut put = |k: &str, v: Value| {
            o.insert(k.to_string(), v);
        };
        put("id", json!(inv.id));
        put("company_id", json!(1));
        put("company_name", json!("Bouwsoft"));
        put(
            "type",
            json!(if inv.credit { "CREDITNOTA" } else { "FAKTUUR" }),
        );
        put(
            "type_localized",
            json!(if inv.credit { "CREDIT NOTE" } else { "INVOICE" }),
        );
        put("type_id", json!(if inv.credit { 5 } else { 4 }));
        put("nr", json!(inv.nr));
        put("nr_add", json!(""));
        put("date", json!(date(Some(inv.date))));
        put("expirationdate", json!(date(inv.expiration)));
        put("title", json!(""));
        put("concerning", json!(inv.concerning));
        put("chargeableevent", json!(date(Some(inv.date))));
        put("senttoaccountingsoftware", json!(inv.sent_to_accounting));
        put(
            "senttoaccountingsoftware_ts",
            json!(if inv.sent_to_accounting {
                format!("{} 10:00:00", date(Some(inv.date)))
            } else {
                String::new()
            }),
        );
        put("einvoice_sent", json!(inv.einvoice_sent));
        put(
            "einvoice_sent_ts",
            json!(if inv.einvoice_sent {
                format!("{} 11:30:00", date(inv.sent))
            } else {
                String::new()
            }),
        );
        put(
            "structuredpaymentnotification",
            json!(format!("{:012}", inv.id * 100 + inv.id % 97)),
        );
        put("ordernr", json!(""));
        put("pricedecimals", json!(inv.pricedecimals));
        put("ledger", json!(70000));
        put("address_id", json!(c.address_id));
        put("address_salutation", json!(""));
        put("address_name", json!(c.name));
        put("address_address", json!(c.street));
        put("address_addressline2", json!(""));
        put("address_countrycode", json!("BE"));
        put("address_zipcode", json!(c.zipcode));
        put("address_city", json!(c.city));
        put("address_state", json!(c.state));
        put(
            "contact_id",
            json!(c.contact.as_ref().map(|x| x.0).unwrap_or(0)),
        );
        put("contact_salutation", json!(""));
        put(
            "contact_name",
            json!(c.contact.as_ref().map(|x| x.1.clone()).unwrap_or_default()),
        );
        put("vatnr", json!(c.vatnr));
        put("telephone1", json!(c.telephone));
        put("gsm", json!(c.gsm));
        put("email", json!(c.email));
        put("project_id", json!(p.map(|p| p.id).unwrap_or(0)));
        put("project_pnr", json!(p.map(|p| p.pnr).unwrap_or(0)));
        put("project_unr", json!(0));
        put(
            "project_name",
            json!(p.map(|p| p.name.clone()).unwrap_or_default()),
        );
        put("yourreference", json!(inv.reference));
        put("be_werkplaatsnr30bis", json!(""));
        let main = inv
            .slots
            .iter()
            .rev()
            .find(|s| !s.basis.is_zero())
            .unwrap_or(&inv.slots[4]);
        put("basis", raw(num(inv.basis)));
        put("vatcode", json!(main.code));
        put("vatpercent", raw(main.percent.to_string()));
        put("vatamount", raw(num(inv.vat)));
        put("amountinclvat", raw(num(inv.incl)));
        for (i, s) in inv.slots.iter().enumerate() {
            let n = i + 1;
            put(&format!("basis{n}"), raw(num(s.basis)));
            put(&format!("taxableamount{n}"), raw(num(s.basis)));
            put(&format!("vatcode{n}"), json!(s.code));
            put(&format!("vatpercent{n}"), raw(s.percent.to_string()));
            put(&format!("vatcocontractor{n}"), json!(s.cocontractor));
            put(&format!("vatamount{n}"), raw(num(s.vat)));
            put(&format!("amountinclvat{n}"), raw(num(s.basis + s.vat)));
        }
        put("cashdiscount_expirationdate", json!(""));
        put("advance", raw("0.0".into()));
        put("balance", raw(num(inv.balance)));
        put("locked", json!(inv.locked));
        put("approved", json!(inv.approved));
        put(
            "approved_date",
            json!(if inv.approved {
                date(Some(inv.date))
            } else {
                String::new()
            }),
        );
        put("sent", json!(inv.sent.is_some()));
        put("sent_date", json!(date(inv.sent)));
        put("billed", json!(false));
        put(
            "ts_lastupdate",
            json!(format!("{} 09:43:03", date(Some(inv.date)))),
        );
        let text = serde_json::to_string(&Value::Object(o)).unwrap_or_default();
        // The raw numbers were stored as marked strings; write them bare.
        unmark(&text)
    }

    fn text(&self, inv: &Invoice, which: &str) -> Option<(String, &'static str)> {
        let (part, format) = which.split_once('_')?;
        let c = &self.data.customers[inv.customer];
        let project = inv.project.map(|p| self.data.projects[p].name.as_str());
        let plain = match part {
            "introduction" => match project {
                Some(p) => format!(
                    "Geachte {},\nHierbij factureren wij de werken voor het project {p}.",
                    c.name
                ),
                None => format!("Geachte {},\nHierbij factureren wij: {}.", c.name, inv.concerning),
            },
            "conclusion" => {
                "Betaling binnen 30 dagen met de gestructureerde mededeling. Met vriendelijke groeten."
                    .to_string()
            }
            _ => return None,
        };
        match format {
            "plain" => Some((plain, "text/plain; charset=utf-8")),
            "html" => {
                let body = plain
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('\n', "<BR>");
                let extra = if inv.hostile_html {
                    "<SCRIPT>alert('bouwsoft')</SCRIPT><IMG SRC=\"https://tracker.example.com/pixel.gif\" WIDTH=1 HEIGHT=1>"
                } else {
                    ""
                };
                Some((
                    format!(
                        "<HTML><BODY>\n<DIV STYLE=\"text-align: left;\"><SPAN STYLE=\"font-family: Montserrat;font-size: 11pt;color: #000000;\">{body}</SPAN></DIV>{extra}\n</BODY></HTML>"
                    ),
                    "text/html; charset=utf-8",
                ))
            }
            "rtf" => {
                let body = plain
                    .replace('\\', "\\\\")
                    .replace('{', "\\{")
                    .replace('}', "\\}")
                    .replace('\n', "\\par ");
                Some((
                    format!(
                        "{{\\rtf1\\ansi\\deff0{{\\fonttbl{{\\f0\\fnil Montserrat;}}}}{{\\colortbl ;\\red0\\green0\\blue0;}}{{\\*\\generator Spikesoft 16.02;}}\\ql\\li0\\f0\\fs22\\cf1 {body}}}"
                    ),
                    "application/rtf",
                ))
            }
            _ => None,
        }
    }
}

const MARK: &str = "\u{1}raw:";

/// A number written bare (through a marked string, see [`unmark`]).
fn raw(text: String) -> Value {
    Value::String(format!("{MARK}{text}\u{1}"))
}

fn unmark(json: &str) -> String {
    // serde_json escapes U+0001 as \u0001.
    let open = "\"\\u0001raw:";
    let close = "\\u0001\"";
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(at) = rest.find(open) {
        out.push_str(&rest[..at]);
        let after = &rest[at + open.len()..];
        match after.find(close) {
            Some(end) => {
                out.push_str(&after[..end]);
                rest = &after[end + close.len()..];
            }
            None => {
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn envelope(first: usize, last: usize, total: usize, dash: bool, records: &[String]) -> Response {
    let sep = if dash { "\u{2013}" } else { "-" };
    let body = format!(
        "{{\"Content-Range\":\"{first}{sep}{last}/{total}\",\"Records\":[{}]}}",
        records.join(",")
    );
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

/// `GET /api/v1/SalesInvoices`.
async fn list(
    State(b): State<Arc<Bouwsoft>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| {
        q.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.trim())
    };
    let limit = match get("limit").map(str::parse::<usize>) {
        None => 100,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        _ => return error(StatusCode::BAD_REQUEST, "Invalid limit"),
    };
    let offset = match get("offset").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) => n,
        _ => return error(StatusCode::BAD_REQUEST, "Invalid offset"),
    };
    let filter = match get("filter").filter(|f| !f.is_empty()) {
        None => Vec::new(),
        Some(f) => match parse_filter(f) {
            Some(f) => f,
            None => return error(StatusCode::BAD_REQUEST, "Invalid filter"),
        },
    };
    let mut sort = Vec::new();
    for part in get("sort").unwrap_or("id").split(',') {
        let mut words = part.split_whitespace();
        let Some(field) = words.next() else { continue };
        let field = field.to_ascii_lowercase();
        let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            _ => return error(StatusCode::BAD_REQUEST, "Invalid sort"),
        };
        if !SORTS.contains(&field.as_str()) || words.next().is_some() {
            return error(StatusCode::BAD_REQUEST, "Invalid sort");
        }
        sort.push((field, desc));
    }
    let mut rows: Vec<&Invoice> = b
        .data
        .invoices
        .iter()
        .filter(|inv| {
            filter
                .iter()
                .all(|group| group.iter().any(|c| b.matches(inv, c)))
        })
        .collect();
    rows.sort_by(|x, y| {
        for (f, desc) in &sort {
            let o = b.cmp_field(x, y, f);
            let o = if *desc { o.reverse() } else { o };
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        x.id.cmp(&y.id)
    });
    let total = rows.len();
    let page: Vec<String> = rows
        .iter()
        .skip(offset)
        .take(limit)
        .map(|inv| b.record(inv))
        .collect();
    if page.is_empty() {
        return envelope(0, 0, total, false, &[]);
    }
    let dash = (offset / limit) % 2 == 0;
    envelope(offset, offset + page.len() - 1, total, dash, &page)
}

fn find(b: &Bouwsoft, id: &str) -> Result<usize, Response> {
    let id: u64 = id
        .trim()
        .parse()
        .map_err(|_| error(StatusCode::BAD_REQUEST, "Invalid id"))?;
    b.data
        .invoices
        .binary_search_by_key(&id, |i| i.id)
        .map_err(|_| error(StatusCode::NOT_FOUND, "Record not found"))
}

/// `GET /api/v1/SalesInvoices/{id}`.
async fn one(State(b): State<Arc<Bouwsoft>>, Path(id): Path<String>) -> Response {
    match find(&b, &id) {
        Ok(i) => envelope(0, 0, 1, true, &[b.record(&b.data.invoices[i])]),
        Err(r) => r,
    }
}

/// `GET /api/v1/SalesInvoices/{id}/{text}`.
async fn text(
    State(b): State<Arc<Bouwsoft>>,
    Path((id, which)): Path<(String, String)>,
) -> Response {
    let i = match find(&b, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    match b.text(&b.data.invoices[i], &which.to_ascii_lowercase()) {
        Some((content, ct)) => ([(header::CONTENT_TYPE, ct)], content).into_response(),
        None => error(StatusCode::NOT_FOUND, "Not found"),
    }
}

/// What the stand-in stored: nothing, ever (the API is read here).
async fn stored() -> Json<Value> {
    Json(json!([]))
}

async fn stats(State(b): State<Arc<Bouwsoft>>) -> Json<Value> {
    let now = Utc::now();
    let valid = lock(&b.tokens).values().filter(|u| **u > now).count();
    Json(json!({
        "invoices": b.data.invoices.len(),
        "tokens_issued": b.issued.load(Ordering::SeqCst),
        "tokens_valid": valid,
    }))
}

/// Is this path the stand-in's (for the request log).
pub fn owns_path(path: &str) -> bool {
    crate::kit::server::is_under(PREFIX, path)
}

pub fn router(b: Arc<Bouwsoft>) -> Router {
    let data = Router::new()
        .route("/api/v1/SalesInvoices", get(list))
        .route("/api/v1/SalesInvoices/", get(list))
        .route("/api/v1/SalesInvoices/{id}", get(one))
        .route("/api/v1/SalesInvoices/{id}/{which}", get(text))
        .route_layer(middleware::from_fn_with_state(b.clone(), guard));
    let api = Router::new()
        .route("/api/v1/Authorize/AccessToken", get(access_token))
        .nest(DATA_PATH, data)
        .fallback(|| async { error(StatusCode::NOT_FOUND, "Not found") });
    let api = faults::mount(api, &b.faults, injected, &b.shutdown).with_state(b.clone());
    Router::new().nest(PREFIX, api).merge(
        Hooks::<Bouwsoft>::new()
            .route("stats", get(stats))
            .route("invoices", get(stored))
            .build(b),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_of_or_groups_joined_by_and_is_read() {
        let f =
            parse_filter("(address_name like '%bouw%' or nr eq 20190001) and date ge '2020-01-01'")
                .unwrap_or_default();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].len(), 2);
        assert!(parse_filter("nope eq 1").is_none());
        assert!(parse_filter("address_name eq 'it''s'").is_some());
    }

    #[test]
    fn like_matches_with_percent_wildcards() {
        assert!(like("Bouwbedrijf Peeters", "%peeters"));
        assert!(like("Bouwbedrijf Peeters", "bouw%"));
        assert!(!like("Bouwbedrijf Peeters", "peeters%"));
        assert!(like("20190001", "%0001%"));
    }

    #[test]
    fn long_floats_and_dashes_are_written_as_documented() {
        assert_eq!(
            long_float(Decimal::new(3465, 2), true),
            "34.649999999999999"
        );
        assert_eq!(
            long_float(Decimal::new(-110569, 2), true),
            "\u{2013}1105.690000000000055"
        );
    }
}
