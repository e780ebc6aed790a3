//! What AFAS SB answered to `POST /api/salesinvoice`, in the terms of the form.
//!
//! Two error shapes reach us:
//! - the update connector's business answer `{"result":"Failed","errors":[…]}` (HTTP 200, or
//!   400 as the spec's shared 400 response shows), whose errors are strings or
//!   `{"<Entity>":"<message>"}` objects in Dutch prose; fields are recognised by words
//!   (relatie/relation, product/ItemId, datum/date, adres/address, Bijlage/attachment…);
//! - the deserializer's `{"StatusCode":400,"Message":"… Path 'InvoiceLine[0].Quantity' …"}`,
//!   whose JSON path maps onto a form field exactly.
//!
//! Line indices in fields (`lines[i].quantity`) are indices into `OutgoingInvoice.lines`, which
//! holds only the filled lines of the draft; the caller maps them back to the draft's rows.

use super::wire::{ErrorBody, UpdateResult};
use crate::http::{Http, Reply, Safety};
use invoice_desk_core::backend::Receipt;
use invoice_desk_core::error::{Error, ErrorCode, FieldIssue, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::invoice::OutgoingInvoice;
use serde_json::Value;

/// Turns the answer to a sales invoice POST into a receipt or an error.
pub(super) fn interpret(http: &Http, reply: &Reply, inv: &OutgoingInvoice) -> Result<Receipt> {
    let status = reply.status.as_u16();
    if !(200..=299).contains(&status) && status != 400 && status != 422 {
        // The body may have been processed: a 5xx is uncertain, not a plain retry.
        let err = http.status_error_for(reply, Safety::NotIdempotent);
        return Err(match err.code {
            ErrorCode::Forbidden => Error::new(
                ErrorCode::Forbidden,
                "De app heeft in AFAS SB geen rechten om verkoopfacturen aan te maken.",
                "The app lacks rights to create sales invoices in AFAS SB.",
            )
            .with_detail(err.detail.unwrap_or_default()),
            ErrorCode::NotFound => super::auth::wrong_address(),
            _ => err,
        });
    }
    let json = match reply.json_opt() {
        Some(v) => v,
        None if status == 400 || status == 422 => {
            return Err(refused_error(reply.snippet(), Vec::new(), None));
        }
        None => return Err(bad_answer(format!("HTTP {status}"))),
    };
    if json.get("result").is_some() {
        let r: UpdateResult = serde_json::from_value(json).unwrap_or_default();
        return business_answer(r, inv);
    }
    if status == 400 || status == 422 {
        let body: Option<ErrorBody> = serde_json::from_value(json.clone()).ok();
        let message = body
            .and_then(|b| b.message)
            .or_else(|| reply.vendor_message())
            .unwrap_or_else(|| format!("HTTP {status}"));
        let field = field_for_deserializer_message(&message, inv);
        let fields = field.iter().map(|f| issue(f, &message)).collect::<Vec<_>>();
        return Err(refused_error(message, fields, None));
    }
    Err(bad_answer(reply.snippet()))
}

fn bad_answer(detail: String) -> Error {
    Error::new(
        ErrorCode::BadResponse,
        "AFAS SB gaf een antwoord op de factuur dat de app niet begrijpt.",
        "AFAS SB gave an answer to the invoice that the app does not understand.",
    )
    .with_detail(detail)
}

fn business_answer(r: UpdateResult, inv: &OutgoingInvoice) -> Result<Receipt> {
    let errors: Vec<String> = r
        .errors
        .unwrap_or_default()
        .iter()
        .flat_map(error_texts)
        .collect();
    let result = r.result.unwrap_or_default().to_ascii_lowercase();
    match result.as_str() {
        "succeeded" | "partiallysucceeded" => {
            let Some(remote_id) = invoice_id(r.data.as_ref(), r.instances.as_deref()) else {
                return Err(bad_answer(format!(
                    "result {result} without an invoice id; {}",
                    errors.join(" | ")
                )));
            };
            let warnings = errors
                .iter()
                .map(|e| {
                    Text::new(
                        format!("AFAS SB meldt bij de factuur: {e}"),
                        format!("AFAS SB reports on the invoice: {e}"),
                    )
                })
                .collect();
            Ok(Receipt {
                document_url: None,
                remote_id,
                number: invoice_number(r.instances.as_deref()),
                total_gross: None,
                warnings,
                state: None,
                totals: None,
            })
        }
        "failed" => {
            let mut fields = Vec::new();
            for e in &errors {
                if let Some(f) = field_for_business_error(e, inv) {
                    fields.push(issue(&f, e));
                }
            }
            let created = created_anyway(&errors);
            Err(refused_error(errors.join(" | "), fields, created))
        }
        _ => Err(bad_answer(format!("result '{result}'"))),
    }
}

/// The text of one `errors` item: a string, or `Entity: message` for each pair of an object.
fn error_texts(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.trim().to_string()],
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}: {}", s.trim()),
                other => format!("{k}: {other}"),
            })
            .collect(),
        Value::Null => Vec::new(),
        other => vec![other.to_string()],
    }
}

fn invoice_id(data: Option<&Value>, instances: Option<&[Value]>) -> Option<String> {
    let as_id = |v: &Value| {
        v.as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    if let Some(d) = data {
        for key in ["SalesInvoiceId", "salesInvoiceId", "Id", "id"] {
            if let Some(id) = d.get(key).and_then(as_id) {
                return Some(id);
            }
        }
    }
    instances?.iter().find_map(|i| i.get("Id").and_then(as_id))
}

fn invoice_number(instances: Option<&[Value]>) -> Option<String> {
    instances?.iter().find_map(|i| {
        ["Nummer", "Number", "InvoiceNumber"]
            .iter()
            .find_map(|k| i.get(*k).and_then(|v| v.as_str()).map(String::from))
    })
}

/// "Entity is made with one or more errors … delete SalesInvoice with id: <uuid>": AFAS
/// answered Failed but did create something. Returns the id when it can be found.
fn created_anyway(errors: &[String]) -> Option<String> {
    let joined = errors.join(" ");
    let lower = joined.to_ascii_lowercase();
    if !lower.contains("is made with one or more errors") && !lower.contains("with id:") {
        return None;
    }
    let at = lower
        .find("with id:")
        .map(|i| i + "with id:".len())
        .unwrap_or(0);
    Some(uuids(&joined[at..]).into_iter().next().unwrap_or_default())
}

fn refused_error(detail: String, fields: Vec<FieldIssue>, created: Option<String>) -> Error {
    let err = match created {
        None => Error::new(
            ErrorCode::Refused,
            "AFAS SB heeft de factuur geweigerd",
            "AFAS SB refused the invoice",
        ),
        Some(id) => {
            let id = if id.is_empty() {
                String::new()
            } else {
                format!(" ({id})")
            };
            Error::new(
                ErrorCode::Refused,
                format!(
                    "AFAS SB heeft de factuur geweigerd, maar wel een onvolledige factuur{id} \
                     aangemaakt. Verbeter of verwijder die in AFAS SB voordat u opnieuw verstuurt."
                ),
                format!(
                    "AFAS SB refused the invoice but did create an incomplete one{id}. Correct \
                     or delete it in AFAS SB before sending again."
                ),
            )
        }
    };
    let first = fields.first().map(|f| f.field.clone());
    let err = err.with_detail(detail).with_fields(fields);
    match first {
        Some(f) => err.with_field(f),
        None => err,
    }
}

/// A field message in both languages around the back end's own words.
fn issue(field: &str, vendor: &str) -> FieldIssue {
    let last = field.rsplit('.').next().unwrap_or(field);
    let base = last.split('[').next().unwrap_or(last);
    let (nl, en) = match base {
        "relation" => ("de relatie", "the relation"),
        "issue_date" => ("de factuurdatum", "the invoice date"),
        "product" => ("het product", "the product"),
        "quantity" => ("het aantal", "the quantity"),
        "unit_price" => ("de prijs", "the price"),
        "vat_code" => ("het btw-tarief", "the VAT rate"),
        "extra_description" => ("de extra omschrijving", "the extra description"),
        "address" => ("het factuuradres", "the invoice address"),
        "attachments" => ("de bijlage", "the attachment"),
        "payment_method" => ("de betaalwijze", "the payment method"),
        "send_email" => ("het versturen per e-mail", "sending by e-mail"),
        "to_be_invoiced" => ("'nog te factureren'", "'to be invoiced'"),
        "reference" => ("de referentie", "the reference"),
        "administration" => ("de administratie", "the administration"),
        "lines" if field == "lines" => ("een van de regels", "one of the lines"),
        _ if field.starts_with("lines[") => ("deze regel", "this line"),
        _ => ("dit veld", "this field"),
    };
    FieldIssue {
        field: field.to_string(),
        message: Text::new(
            format!("AFAS SB accepteert {nl} niet: {vendor}"),
            format!("AFAS SB does not accept {en}: {vendor}"),
        ),
    }
}

// ---- field recognition ---------------------------------------------------------------------

/// The form field for a JSON path of the request, e.g. `InvoiceLine[1].Quantity` →
/// `lines[1].quantity`, `RelationId` → `relation`.
pub(super) fn field_for_path(path: &str, line_count: usize) -> Option<String> {
    let path = path.trim().trim_start_matches('$').trim_start_matches('.');
    if path.is_empty() {
        return None;
    }
    let mut segments = path.split('.');
    let first = segments.next()?;
    let (name, index) = split_index(first);
    let second = segments
        .next()
        .map(|s| split_index(s).0.to_ascii_lowercase());
    let field = match name.to_ascii_lowercase().as_str() {
        "administrationid" => "administration".to_string(),
        "issuedate" => "issue_date".to_string(),
        "relationid" | "relationtype" => "relation".to_string(),
        "addressid" => "address".to_string(),
        "reference" => "reference".to_string(),
        "paymentmethod" => "extra.payment_method".to_string(),
        "sentinvoiceemail" => "extra.send_email".to_string(),
        "tobeinvoiced" => "extra.to_be_invoiced".to_string(),
        "attachments" => match index {
            Some(i) => format!("attachments[{i}]"),
            None => "attachments".to_string(),
        },
        "invoiceline" => match index.filter(|i| *i < line_count.max(1)) {
            None => "lines".to_string(),
            Some(i) => match second.as_deref() {
                Some("itemid") => format!("lines[{i}].product"),
                Some("quantity") => format!("lines[{i}].quantity"),
                Some("price") => format!("lines[{i}].unit_price"),
                Some("vattype") => format!("lines[{i}].vat_code"),
                Some("extradescription") => format!("lines[{i}].extra_description"),
                _ => format!("lines[{i}]"),
            },
        },
        _ => return None,
    };
    Some(field)
}

fn split_index(segment: &str) -> (&str, Option<usize>) {
    match segment.find('[') {
        Some(open) => {
            let name = &segment[..open];
            let rest = &segment[open + 1..];
            let idx = rest.split(']').next().and_then(|n| n.trim().parse().ok());
            (name, idx)
        }
        None => (segment, None),
    }
}

/// The field of a deserializer message: its `Path '…'`, or the first of the properties it
/// says are missing.
pub(super) fn field_for_deserializer_message(
    message: &str,
    inv: &OutgoingInvoice,
) -> Option<String> {
    let n = inv.lines.len();
    if let Some(start) = message.find("Path '") {
        let rest = &message[start + "Path '".len()..];
        if let Some(end) = rest.find('\'') {
            if let Some(f) = field_for_path(&rest[..end], n) {
                return Some(f);
            }
        }
    }
    let lower = message.to_ascii_lowercase();
    if let Some(i) = lower.find("missing from object:") {
        let rest = &message[i + "missing from object:".len()..];
        let first = rest
            .split(|c: char| c == ',' || c == '.' || c.is_whitespace())
            .find(|s| !s.is_empty())?;
        return field_for_path(first, n);
    }
    field_for_business_error(message, inv)
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// The field a business error is about, recognised by its words (Dutch or English).
pub(super) fn field_for_business_error(text: &str, inv: &OutgoingInvoice) -> Option<String> {
    if let Some(i) = text.find("InvoiceLine[") {
        let rest = &text[i..];
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '\'' || c == ',')
            .unwrap_or(rest.len());
        if let Some(f) = field_for_path(&rest[..end], inv.lines.len()) {
            return Some(f);
        }
    }
    let w = words(text);
    let has = |needles: &[&str]| w.iter().any(|x| needles.iter().any(|n| x.contains(n)));
    let is = |needles: &[&str]| w.iter().any(|x| needles.contains(&x.as_str()));
    let line_field = |suffix: &str| match line_index(text, inv) {
        Some(i) => format!("lines[{i}].{suffix}"),
        None => "lines".to_string(),
    };
    if has(&["bijlage", "attachment"]) {
        return Some("attachments".into());
    }
    if has(&["itemid", "product", "artikel"]) || is(&["item", "items"]) {
        return Some(line_field("product"));
    }
    // An address message usually names the relation too, so the address comes first.
    if has(&["adres", "address"]) {
        return Some("address".into());
    }
    if has(&["relatie", "relation", "debiteur", "klant"]) || is(&["customer"]) {
        return Some("relation".into());
    }
    if has(&["issuedate", "datum"]) || is(&["date"]) {
        return Some("issue_date".into());
    }
    if has(&["quantity", "aantal"]) {
        return Some(line_field("quantity"));
    }
    if has(&["prijs", "price"]) {
        return Some(line_field("unit_price"));
    }
    if has(&["vattype", "btw"]) || is(&["vat"]) {
        return Some(line_field("vat_code"));
    }
    if has(&[
        "paymentmethod",
        "betaalwijze",
        "betaalmethode",
        "betalingswijze",
    ]) {
        return Some("extra.payment_method".into());
    }
    if has(&["referentie", "reference", "kenmerk"]) {
        return Some("reference".into());
    }
    if has(&["administrat"]) {
        return Some("administration".into());
    }
    if has(&["factuurregel", "invoiceline", "regel"]) || is(&["line", "lines"]) {
        return Some(match line_index(text, inv) {
            Some(i) => format!("lines[{i}]"),
            None => "lines".into(),
        });
    }
    None
}

/// All uuids in a text, in order.
fn uuids(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 36 <= b.len() {
        let cand = &b[i..i + 36];
        let ok = cand.iter().enumerate().all(|(k, c)| match k {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
        let bounded = (i == 0 || !b[i - 1].is_ascii_hexdigit())
            && (i + 36 == b.len() || !b[i + 36].is_ascii_hexdigit());
        if ok && bounded {
            out.push(String::from_utf8_lossy(cand).to_ascii_lowercase());
            i += 36;
        } else {
            i += 1;
        }
    }
    out
}

/// Which outgoing line a message is about: `InvoiceLine[i]`, a product id used on exactly one
/// line, or "regel n" / "line n" (counted from 1).
fn line_index(text: &str, inv: &OutgoingInvoice) -> Option<usize> {
    let n = inv.lines.len();
    if let Some(i) = text.find("InvoiceLine[") {
        if let (_, Some(idx)) = split_index(&text[i..]) {
            if idx < n {
                return Some(idx);
            }
        }
    }
    for id in uuids(text) {
        let hits: Vec<usize> = inv
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                l.product
                    .as_ref()
                    .map(|p| p.id.eq_ignore_ascii_case(&id))
                    .unwrap_or(false)
            })
            .map(|(i, _)| i)
            .collect();
        if hits.len() == 1 {
            return Some(hits[0]);
        }
    }
    let w = words(text);
    for pair in w.windows(2) {
        if pair[0] == "regel" || pair[0] == "line" || pair[0] == "factuurregel" {
            if let Ok(k) = pair[1].parse::<usize>() {
                if (1..=n).contains(&k) {
                    return Some(k - 1);
                }
            }
        }
    }
    None
}
