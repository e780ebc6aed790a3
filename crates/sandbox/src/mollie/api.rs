//! The handlers of the Mollie stand-in (see the module documentation of [`super`]).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::data::{invoice_id, Data, Kept, Received};
use super::errors::{self, FieldError};
use super::invoice::{self, Invoice};
use super::{base_of, Access, Mollie, ORG_PROFILES};
use crate::kit::server::DropConnection;

/// The largest `limit` of a list.
pub const MAX_LIMIT: usize = 250;
/// The `limit` of a list when none is given.
pub const DEFAULT_LIMIT: usize = 50;

/// The caller and its credential, or the 401/403 answer. `sales`: a sales invoice call
/// (needs the rights an organisation token may lack).
fn authorize(m: &Mollie, headers: &HeaderMap, sales: bool) -> Result<(Access, String), Response> {
    let access = m.access(headers).ok_or_else(errors::unauthorized)?;
    if sales && access == (Access::Org { rights: false }) {
        return Err(errors::forbidden(
            "The access token does not have the required permissions (sales-invoices.read, sales-invoices.write)",
        ));
    }
    let credential = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Ok((access, credential))
}

fn is_org_profile(id: &str) -> bool {
    ORG_PROFILES.iter().any(|p| p.id == id)
}

/// May this caller see this invoice in this mode.
fn visible(access: &Access, inv: &Invoice, test: bool) -> bool {
    !inv.deleted
        && inv.test == test
        && match access {
            Access::ApiKey { profile, .. } => inv.profile_id == *profile,
            Access::Org { .. } => is_org_profile(&inv.profile_id),
        }
}

/// Decodes `%XX` and `+` of a query value.
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(v) => {
                    out.push(v);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unescape(k), unescape(v))
        })
        .collect()
}

/// The mode of a GET: the key's, or an organisation token's `testmode` query.
fn mode_of_query(access: &Access, pairs: &[(String, String)]) -> Result<bool, Response> {
    let testmode = pairs.iter().find(|(k, _)| k == "testmode").map(|(_, v)| v);
    match access {
        Access::ApiKey { test, .. } => match testmode {
            None => Ok(*test),
            Some(_) => Err(errors::bad_request(
                "The 'testmode' parameter is not allowed with API keys: the key decides the mode",
                Some("testmode"),
            )),
        },
        Access::Org { .. } => match testmode.map(String::as_str) {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some(_) => Err(errors::bad_request(
                "The 'testmode' parameter must be true or false",
                Some("testmode"),
            )),
        },
    }
}

/// The mode of a POST, PATCH or DELETE: the key's (and then neither `testmode` nor
/// `profileId` may be sent), or an organisation token's `testmode` member.
fn mode_of_body(access: &Access, obj: &Map<String, Value>) -> Result<bool, FieldError> {
    let given = |k: &str| obj.get(k).is_some_and(|v| !v.is_null());
    match access {
        Access::ApiKey { test, .. } => {
            for member in ["testmode", "profileId"] {
                if given(member) {
                    return Err(FieldError::new(
                        member,
                        format!("The '{member}' parameter is not allowed with API keys"),
                    ));
                }
            }
            Ok(*test)
        }
        Access::Org { .. } => match obj.get("testmode") {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(FieldError::new(
                "testmode",
                "Field 'testmode' must be a boolean",
            )),
        },
    }
}

/// `GET /v2/profiles`.
pub async fn profiles(State(m): State<Arc<Mollie>>, headers: HeaderMap) -> Response {
    let access = match authorize(&m, &headers, false) {
        Ok((a, _)) => a,
        Err(r) => return r,
    };
    if matches!(access, Access::ApiKey { .. }) {
        return errors::forbidden(
            "This endpoint is only available with organization access tokens or OAuth",
        );
    }
    let base = base_of(&headers);
    let list: Vec<Value> = ORG_PROFILES
        .iter()
        .map(|p| p.to_json(&base, false))
        .collect();
    errors::hal(
        StatusCode::OK,
        json!({
            "count": list.len(),
            "_embedded": {"profiles": list},
            "_links": {
                "self": {"href": format!("{base}/v2/profiles"), "type": "application/hal+json"},
                "previous": null,
                "next": null,
                "documentation": {"href": "https://docs.mollie.com/reference/list-profiles", "type": "text/html"},
            },
        }),
    )
}

/// `GET /v2/sales-invoices`.
pub async fn list(
    State(m): State<Arc<Mollie>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let access = match authorize(&m, &headers, true) {
        Ok((a, _)) => a,
        Err(r) => return r,
    };
    let pairs = query_pairs(query.as_deref());
    let test = match mode_of_query(&access, &pairs) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let limit = match get("limit") {
        None => DEFAULT_LIMIT,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return errors::bad_request(
                    &format!("The limit must be between 1 and {MAX_LIMIT}"),
                    Some("limit"),
                )
            }
        },
    };
    let profile = get("profileId");
    match (&access, &profile) {
        (Access::ApiKey { .. }, Some(_)) => {
            return errors::bad_request(
                "The 'profileId' parameter is not allowed with API keys",
                Some("profileId"),
            )
        }
        (Access::Org { .. }, Some(p)) if !is_org_profile(p) => {
            return errors::bad_request(
                &format!("No profile exists with token '{p}'"),
                Some("profileId"),
            )
        }
        _ => {}
    }
    let base = base_of(&headers);
    let data = m.data.read();
    let all: Vec<&Invoice> = data
        .invoices
        .iter()
        .rev()
        .filter(|i| visible(&access, i, test))
        .filter(|i| profile.as_deref().is_none_or(|p| i.profile_id == p))
        .collect();
    let start = match get("from") {
        None => 0,
        Some(from) => match all.iter().position(|i| i.id == from) {
            Some(p) => p,
            None => return errors::bad_request("Invalid cursor value", Some("from")),
        },
    };
    let end = start.saturating_add(limit).min(all.len());
    let page = &all[start.min(end)..end];
    let link = |from: Option<&str>| {
        let mut q = Vec::new();
        if let Some(f) = from {
            q.push(format!("from={f}"));
        }
        q.push(format!("limit={limit}"));
        if matches!(access, Access::Org { .. }) && test {
            q.push("testmode=true".into());
        }
        if let Some(p) = &profile {
            q.push(format!("profileId={p}"));
        }
        json!({"href": format!("{base}/v2/sales-invoices?{}", q.join("&")), "type": "application/hal+json"})
    };
    let next = all
        .get(end)
        .map(|i| link(Some(&i.id)))
        .unwrap_or(Value::Null);
    let previous = if start == 0 {
        Value::Null
    } else {
        all.get(start.saturating_sub(limit))
            .map(|i| link(Some(&i.id)))
            .unwrap_or(Value::Null)
    };
    let this = link(page.first().map(|i| i.id.as_str()));
    let items: Vec<Value> = page.iter().map(|i| i.to_list_json(&base)).collect();
    errors::hal(
        StatusCode::OK,
        json!({
            "count": items.len(),
            "_embedded": {"sales_invoices": items},
            "_links": {
                "self": this,
                "previous": previous,
                "next": next,
                "documentation": {"href": "https://docs.mollie.com/reference/list-sales-invoices", "type": "text/html"},
            },
        }),
    )
}

/// `GET /v2/sales-invoices/{id}`.
pub async fn get_one(
    State(m): State<Arc<Mollie>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let access = match authorize(&m, &headers, true) {
        Ok((a, _)) => a,
        Err(r) => return r,
    };
    let test = match mode_of_query(&access, &query_pairs(query.as_deref())) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let data = m.data.read();
    match data.invoices.get(&id) {
        Some(inv) if visible(&access, inv, test) => {
            errors::hal(StatusCode::OK, inv.to_json(&base_of(&headers)))
        }
        _ => errors::no_entity(&id),
    }
}

/// What a mutating handler did: the status, the body (none for 204) and the invoice.
struct Outcome {
    status: StatusCode,
    body: Option<Value>,
    invoice_id: Option<String>,
}

impl Outcome {
    /// A 422; a refusal with an empty field names none.
    fn refused(e: FieldError) -> Outcome {
        Outcome {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: Some(errors::body(
                StatusCode::UNPROCESSABLE_ENTITY,
                &e.detail,
                Some(e.field.as_str()).filter(|f| !f.is_empty()),
            )),
            invoice_id: None,
        }
    }

    fn error(status: StatusCode, detail: &str) -> Outcome {
        Outcome {
            status,
            body: Some(errors::body(status, detail, None)),
            invoice_id: None,
        }
    }

    fn response(&self) -> Response {
        match &self.body {
            Some(b) => errors::hal(self.status, b.clone()),
            None => self.status.into_response(),
        }
    }
}

type Work =
    Box<dyn FnOnce(&mut Data, &Access, &Map<String, Value>, DateTime<Utc>) -> Outcome + Send>;

/// The common part of POST, PATCH and DELETE: credentials, the body, the `Idempotency-Key`
/// (replay or refusal), the work under the data lock, the record of what was received, and
/// for a create the after-store faults.
async fn mutating(
    m: Arc<Mollie>,
    headers: HeaderMap,
    method: &'static str,
    path: String,
    body: Bytes,
    work: Work,
) -> Response {
    let (access, credential) = match authorize(&m, &headers, true) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => return errors::bad_request("The request body must be a JSON object", None),
            Err(e) => {
                return errors::bad_request(
                    &format!("The request body is not valid JSON: {e}"),
                    None,
                )
            }
        }
    };
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty());
    let create = method == "POST";
    // The work runs in its own task, as on a real server: a client that gives up waiting
    // does not stop it.
    let task = tokio::spawn(async move {
        if create {
            crate::kit::faults::work_delay(&m.faults, &m.shutdown).await;
        }
        let now = Utc::now();
        let (outcome, replayed) = {
            let mut data = m.data.write();
            let kept = key
                .as_ref()
                .and_then(|k| data.kept.get(&(credential.clone(), k.clone())).cloned());
            let (outcome, replayed) = match kept {
                Some(k) if k.method == method && k.path == path && k.body == value => (
                    Outcome {
                        status: StatusCode::from_u16(k.status).unwrap_or(StatusCode::OK),
                        body: k.answer.clone(),
                        invoice_id: None,
                    },
                    true,
                ),
                Some(_) => (
                    Outcome::error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "The Idempotency-Key was already used for another request",
                    ),
                    false,
                ),
                None => {
                    let obj = value.as_object().cloned().unwrap_or_default();
                    let outcome = work(&mut data, &access, &obj, now);
                    if let Some(k) = &key {
                        data.kept.insert(
                            (credential.clone(), k.clone()),
                            Kept {
                                method: method.into(),
                                path: path.clone(),
                                body: value.clone(),
                                status: outcome.status.as_u16(),
                                answer: outcome.body.clone(),
                            },
                        );
                    }
                    (outcome, false)
                }
            };
            data.received.push(Received {
                method: method.into(),
                path: path.clone(),
                idempotency_key: key.clone(),
                body: value.clone(),
                status: outcome.status.as_u16(),
                replayed,
                invoice_id: outcome.invoice_id.clone(),
                at: now,
            });
            (outcome, replayed)
        };
        let mut resp = outcome.response();
        if create && !replayed && outcome.status == StatusCode::CREATED {
            if m.faults.take_drop_after_store() {
                resp.extensions_mut().insert(DropConnection);
            } else if let Some(status) = m.faults.take_fail_after_store() {
                return errors::injected(status);
            }
        }
        resp
    });
    task.await
        .unwrap_or_else(|_| errors::injected(StatusCode::INTERNAL_SERVER_ERROR))
}

/// A fresh invoice id.
fn fresh_id(data: &Data) -> String {
    let mut rng = rand::thread_rng();
    loop {
        let id = invoice_id(&mut rng);
        if data.invoices.get(&id).is_none() {
            return id;
        }
    }
}

/// `POST /v2/sales-invoices`.
pub async fn create(State(m): State<Arc<Mollie>>, headers: HeaderMap, body: Bytes) -> Response {
    let base = base_of(&headers);
    let work: Work = Box::new(move |data, access, obj, now| {
        let test = match mode_of_body(access, obj) {
            Ok(t) => t,
            Err(e) => return Outcome::refused(e),
        };
        let profile = match access {
            Access::ApiKey { profile, .. } => (*profile).to_string(),
            Access::Org { .. } => match obj.get("profileId") {
                None | Some(Value::Null) => {
                    return Outcome::refused(FieldError::new(
                        "profileId",
                        "Field 'profileId' must be provided with organization credentials",
                    ))
                }
                Some(Value::String(p)) if is_org_profile(p) => p.clone(),
                Some(_) => {
                    return Outcome::refused(FieldError::new(
                        "profileId",
                        "The profile does not exist or does not belong to this organization",
                    ))
                }
            },
        };
        let mut inv = match invoice::create(obj, now) {
            Ok(i) => i,
            Err(e) => return Outcome::refused(e),
        };
        inv.id = fresh_id(data);
        inv.profile_id = profile;
        inv.test = test;
        inv.stamp(now);
        if let Some(at) = inv.issued_at {
            inv.invoice_number = Some(data.next_number(&inv.profile_id, test, at));
        }
        let answer = inv.to_json(&base);
        let id = inv.id.clone();
        data.invoices.insert(inv);
        Outcome {
            status: StatusCode::CREATED,
            body: Some(answer),
            invoice_id: Some(id),
        }
    });
    mutating(m, headers, "POST", "/v2/sales-invoices".into(), body, work).await
}

/// `PATCH /v2/sales-invoices/{id}`.
pub async fn update(
    State(m): State<Arc<Mollie>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let base = base_of(&headers);
    let path = format!("/v2/sales-invoices/{id}");
    let work: Work = Box::new(move |data, access, obj, now| {
        let test = match mode_of_body(access, obj) {
            Ok(t) => t,
            Err(e) => return Outcome::refused(e),
        };
        let current = match data.invoices.get(&id) {
            Some(inv) if visible(access, inv, test) => inv.clone(),
            _ => {
                return Outcome::error(
                    StatusCode::NOT_FOUND,
                    &format!("No entity exists with token '{id}'"),
                )
            }
        };
        let mut next = match invoice::update(&current, obj, now) {
            Ok(n) => n,
            Err(e) => return Outcome::refused(e),
        };
        if let (Some(at), None) = (next.issued_at, &next.invoice_number) {
            next.invoice_number = Some(data.next_number(&next.profile_id, next.test, at));
        }
        let answer = next.to_json(&base);
        data.invoices.update(&id, |row| *row = next);
        Outcome {
            status: StatusCode::OK,
            body: Some(answer),
            invoice_id: Some(id),
        }
    });
    mutating(m, headers, "PATCH", path, body, work).await
}

/// `DELETE /v2/sales-invoices/{id}`.
pub async fn delete(
    State(m): State<Arc<Mollie>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let path = format!("/v2/sales-invoices/{id}");
    let work: Work = Box::new(move |data, access, obj, _now| {
        let test = match mode_of_body(access, obj) {
            Ok(t) => t,
            Err(e) => return Outcome::refused(e),
        };
        match data.invoices.get(&id) {
            Some(inv) if visible(access, inv, test) => {
                if inv.status != "draft" {
                    return Outcome::error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "Invoice cannot be deleted unless it is draft status.",
                    );
                }
            }
            _ => {
                return Outcome::error(
                    StatusCode::NOT_FOUND,
                    &format!("No entity exists with token '{id}'"),
                )
            }
        }
        data.invoices.update(&id, |row| row.deleted = true);
        Outcome {
            status: StatusCode::NO_CONTENT,
            body: None,
            invoice_id: Some(id),
        }
    });
    mutating(m, headers, "DELETE", path, body, work).await
}

// ---------------------------------------------------------------------------------------------
// the PDF

/// Text for a PDF string: ASCII, with `(`, `)` and `\` escaped.
fn pdf_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// A one-page PDF with the invoice's number, recipient, lines and totals.
pub fn pdf_of(inv: &Invoice) -> Vec<u8> {
    let name = ["organizationName", "givenName", "familyName"]
        .iter()
        .filter_map(|k| inv.recipient.get(*k).and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    let mut rows = vec![
        (
            18,
            format!(
                "Factuur {}",
                inv.invoice_number.as_deref().unwrap_or("(concept)")
            ),
        ),
        (11, format!("{} - {}", inv.id, inv.status)),
        (11, name),
        (11, String::new()),
    ];
    for l in &inv.lines {
        rows.push((
            10,
            format!(
                "{} x {}  EUR {}  btw {}%",
                l.quantity, l.description, l.unit_price, l.vat_rate_text
            ),
        ));
    }
    rows.push((11, String::new()));
    rows.push((
        11,
        format!("Subtotaal EUR {}", inv.totals.discounted_subtotal),
    ));
    rows.push((11, format!("BTW EUR {}", inv.totals.vat)));
    rows.push((12, format!("Totaal EUR {}", inv.totals.total)));
    let mut content = String::from("BT\n72 770 Td\n");
    for (size, text) in rows {
        content.push_str(&format!(
            "/F1 {size} Tf\n({}) Tj\n0 -{} Td\n",
            pdf_text(&text),
            size + 8
        ));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for off in offsets {
        out.push_str(&format!("{off:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

/// `GET /pdf/{id}.pdf`: the invoice as a PDF (a signed link at Mollie: no credentials).
pub async fn pdf(State(m): State<Arc<Mollie>>, Path(file): Path<String>) -> Response {
    let Some(id) = file.strip_suffix(".pdf") else {
        return errors::not_found();
    };
    let data = m.data.read();
    match data.invoices.get(&id.to_string()) {
        Some(inv) if !inv.deleted => {
            let mut resp = Body::from(pdf_of(inv)).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            );
            resp
        }
        _ => errors::no_entity(id),
    }
}
