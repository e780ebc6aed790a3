//! What Silvasoft answered to an invoice POST, in the terms of the form.
//!
//! - 200 with the created invoice (an array with one object, or the object) → a receipt with
//!   `InvoiceNumber` and `InvoiceTotalInclTax`; a total other than our preview's becomes a
//!   warning that names both amounts.
//! - 200 with `{}` or `[]`: documented as "not created", but no definite refusal →
//!   `Uncertain`: looked up before anything is sent again.
//! - 200 with something we cannot read → `Uncertain`: it may have been created; the app looks
//!   it up before sending again.
//! - 400 `{errorCode, errorMessage}` → `Refused` with Silvasoft's words and, where the message
//!   names it, the form field: the customer → `relation`, the date → `issue_date`, the invoice
//!   number → `extra.invoice_number`, the file address → `extra.invoice_file_url`, a line's
//!   VAT, product, ledger account… → `lines[i].…` with `i` the index in
//!   `OutgoingInvoice::lines` (the caller maps it to the draft's row).
//! - 5xx → `Uncertain` (the invoice may have been stored before the failure); 401 and
//!   transport failures are handled before this.

use super::body::{self, FILE_CONTENT_FIELD};
use super::wire::{self, WireInvoice};
use super::{CustomerIdentification, SilvasoftModule};
use crate::http::{Http, Reply, Safety};
use invoice_desk_core::backend::Receipt;
use invoice_desk_core::error::{Error, ErrorCode, FieldIssue, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::invoice::OutgoingInvoice;
use rust_decimal::Decimal;
use serde_json::Value;

/// 200 with `{}` or `[]`. Silvasoft documents it as "not created", but it is no definite
/// refusal (no reason, no error code, and a proxy or a failing serializer answers the same):
/// uncertain, so the invoice is looked up before it is sent again.
pub(super) fn empty_answer() -> Error {
    Error::new(
        ErrorCode::Uncertain,
        "Silvasoft gaf een leeg antwoord op de factuur. Het is niet zeker of de factuur is aangemaakt; de app controleert dat voordat ze opnieuw verstuurt.",
        "Silvasoft gave an empty answer to the invoice. It is not certain whether the invoice was created; the app checks before it sends again.",
    )
    .with_detail("HTTP 200 with an empty object")
}

fn unreadable(detail: String) -> Error {
    Error::new(
        ErrorCode::Uncertain,
        "Silvasoft antwoordde, maar de app kan het antwoord niet lezen. De factuur is misschien aangemaakt; de app controleert dat voordat ze opnieuw verstuurt.",
        "Silvasoft answered, but the app cannot read the answer. The invoice may have been created; the app checks before it sends again.",
    )
    .with_detail(detail)
}

/// The receipt for an invoice Silvasoft reports, with a warning when its total differs from
/// the preview.
pub(super) fn receipt(
    found: &WireInvoice,
    inv: &OutgoingInvoice,
    sent_number: Option<u64>,
) -> Option<Receipt> {
    let number = found.number.or(sent_number)?;
    let mut warnings = Vec::new();
    if let Some(total) = found.total_incl {
        if total != inv.totals.gross {
            let ours = body::money(inv.totals.gross).to_string();
            let theirs = body::money(total).to_string();
            let (ours_nl, theirs_nl) = (ours.replace('.', ","), theirs.replace('.', ","));
            warnings.push(Text::new(
                format!("Silvasoft berekende een totaal van € {theirs_nl} inclusief btw; het voorbeeld in de app was € {ours_nl}. Controleer de factuur in Silvasoft."),
                format!("Silvasoft computed a total of € {theirs} including VAT; the app's preview was € {ours}. Check the invoice in Silvasoft."),
            ));
        }
    }
    Some(Receipt {
        document_url: None,
        remote_id: number.to_string(),
        number: Some(number.to_string()),
        total_gross: found.total_incl,
        warnings,
        state: None,
        totals: None,
    })
}

/// Turns the answer to an invoice POST into a receipt or an error.
pub(super) fn interpret(
    http: &Http,
    reply: &Reply,
    inv: &OutgoingInvoice,
    module: SilvasoftModule,
    sent_number: Option<u64>,
) -> Result<Receipt> {
    let status = reply.status.as_u16();
    match status {
        200..=299 => {}
        400 | 409 | 422 => return Err(refusal(reply, inv, module)),
        // The body may have been processed: a 5xx is uncertain, not a plain retry.
        _ => return Err(http.status_error_for(reply, Safety::NotIdempotent)),
    }
    if reply.body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(unreadable(format!("HTTP {status} without a body")));
    }
    let Some(json) = reply.json_opt() else {
        return Err(unreadable(reply.snippet()));
    };
    let object = match &json {
        Value::Array(a) if a.is_empty() => return Err(empty_answer()),
        Value::Array(a) => match a.first() {
            Some(Value::Object(o)) => o.clone(),
            _ => return Err(unreadable(reply.snippet())),
        },
        Value::Object(o) => o.clone(),
        _ => return Err(unreadable(reply.snippet())),
    };
    if object.is_empty() {
        return Err(empty_answer());
    }
    if wire::get(&object, "errorCode").is_some() || wire::get(&object, "errorMessage").is_some() {
        return Err(refusal(reply, inv, module));
    }
    let found = wire::invoice(&object);
    receipt(&found, inv, sent_number)
        .ok_or_else(|| unreadable("an answer without an InvoiceNumber".into()))
}

fn issue(field: &str, message: &str) -> FieldIssue {
    FieldIssue {
        field: field.to_string(),
        message: Text::new(message, message),
    }
}

/// A 400 (or an error body on 200): `Refused` with Silvasoft's words on the fields it names.
pub(super) fn refusal(reply: &Reply, inv: &OutgoingInvoice, module: SilvasoftModule) -> Error {
    let body = wire::error_body(&reply.body);
    let message = body
        .message
        .clone()
        .or_else(|| body.code.clone())
        .unwrap_or_else(|| format!("HTTP {}", reply.status.as_u16()));
    let detail = match (&body.code, &body.message) {
        (Some(c), Some(m)) if !m.contains(c.as_str()) => format!("{c}: {m}"),
        _ => message.clone(),
    };
    let fields = fields_for_message(&message, inv, module);
    let mut e = Error::new(
        ErrorCode::Refused,
        format!("Silvasoft weigerde de factuur: {message}"),
        format!("Silvasoft refused the invoice: {message}"),
    )
    .with_detail(detail);
    if let Some(first) = fields.first() {
        e.field = Some(first.clone());
    }
    e.with_fields(fields.iter().map(|f| issue(f, &message)).collect())
}

/// Whether a refusal says that the invoice number is taken.
pub(super) fn is_duplicate_number(e: &Error) -> bool {
    let d = e.detail.as_deref().unwrap_or("").to_lowercase();
    e.code == ErrorCode::Refused
        && (d.contains("invoicenumber")
            || d.contains("invoice number")
            || d.contains("factuurnummer"))
        && [
            "exist",
            "unique",
            "bestaat",
            "uniek",
            "already",
            "al in gebruik",
            "duplicate",
        ]
        .iter()
        .any(|w| d.contains(w))
}

/// `Invoice_InvoiceLine[3]`, `line 4`, `regel 4`, `invoice line 4`: the line index (0-based),
/// when the message names one. Numbers after words are taken as 1-based, as a person counts.
fn line_index(msg: &str, lines: usize) -> Option<usize> {
    let lower = msg.to_lowercase();
    if let Some(pos) = lower.find("invoice_invoiceline[") {
        let rest = &lower[pos + "invoice_invoiceline[".len()..];
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        return digits.parse::<usize>().ok().filter(|i| *i < lines);
    }
    for word in [
        "invoiceline",
        "invoice line",
        "factuurregel",
        "line",
        "regel",
    ] {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(word) {
            let after = &lower[from + pos + word.len()..];
            let after = after.trim_start_matches([' ', '#', ':', '-', '.']);
            let digits: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
            if let Ok(n) = digits.parse::<usize>() {
                if n >= 1 && n <= lines {
                    return Some(n - 1);
                }
            }
            from += pos + word.len();
        }
    }
    None
}

/// Words of a message that may quote a value: `'A1'`, `"A1"`, `A1`.
fn quoted_values(msg: &str) -> Vec<String> {
    let mut out = Vec::new();
    for q in ['\'', '"'] {
        let parts: Vec<&str> = msg.split(q).collect();
        for (i, p) in parts.iter().enumerate() {
            if i % 2 == 1 && !p.trim().is_empty() {
                out.push(p.trim().to_string());
            }
        }
    }
    out.extend(
        msg.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | ')'))
            .map(|w| w.trim_matches(|c: char| matches!(c, '.' | '\'' | '"' | '%')))
            .filter(|w| !w.is_empty())
            .map(String::from),
    );
    out
}

/// The lines a line-level message is about: the line it names, or the lines holding the
/// value it quotes, or none.
fn lines_named(
    msg: &str,
    inv: &OutgoingInvoice,
    value_of: impl Fn(usize) -> Vec<String>,
) -> Vec<usize> {
    if let Some(i) = line_index(msg, inv.lines.len()) {
        return vec![i];
    }
    let quoted = quoted_values(msg);
    (0..inv.lines.len())
        .filter(|i| {
            value_of(*i)
                .iter()
                .any(|v| !v.is_empty() && quoted.iter().any(|q| q.eq_ignore_ascii_case(v)))
        })
        .collect()
}

fn percent_texts(d: Decimal) -> Vec<String> {
    let n = d.normalize();
    let mut v = vec![n.to_string()];
    if n.scale() == 0 {
        v.push(format!("{n}.0"));
        v.push(format!("{n}.00"));
    }
    v
}

/// The form fields a Silvasoft message is about. Wire names (`TaxPc`, `InvoiceDate`) are
/// found anywhere in the message; plain words (`date`, `btw`) only as whole words.
pub(super) fn fields_for_message(
    msg: &str,
    inv: &OutgoingInvoice,
    module: SilvasoftModule,
) -> Vec<String> {
    let m = msg.to_lowercase();
    let words: Vec<&str> = m
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .collect();
    let has = |keys: &[&str], plain: &[&str]| {
        keys.iter().any(|k| m.contains(k)) || words.iter().any(|w| plain.contains(w))
    };
    let mut out: Vec<String> = Vec::new();
    let line_fields = |field: &str, idx: Vec<usize>, out: &mut Vec<String>| {
        if idx.is_empty() {
            out.push("lines".into());
        }
        for i in idx {
            out.push(format!("lines[{i}].{field}"));
        }
    };
    if has(
        &["subtotalincltax", "unitpriceexcltax"],
        &["price", "prijs", "bedrag", "amount"],
    ) {
        line_fields(
            "unit_price",
            lines_named(msg, inv, |_| Vec::new()),
            &mut out,
        );
    } else if has(
        &[
            "taxpc",
            "taxcode",
            "tax percentage",
            "btw-percentage",
            "btw percentage",
        ],
        &["tax", "vat", "btw", "belasting"],
    ) {
        let idx = lines_named(msg, inv, |i| percent_texts(inv.lines[i].vat_percent));
        line_fields("vat_code", idx, &mut out);
    } else if has(
        &[
            "productnumber",
            "productean",
            "articlenumber",
            "artikelnummer",
        ],
        &["product", "artikel", "article"],
    ) {
        let idx = lines_named(msg, inv, |i| {
            inv.lines[i]
                .product
                .as_ref()
                .and_then(|p| p.code.clone())
                .into_iter()
                .collect()
        });
        line_fields("product", idx, &mut out);
    } else if has(&["ledgeraccount", "ledger account", "grootboek"], &[]) {
        let idx = lines_named(msg, inv, |i| {
            inv.lines[i]
                .extra
                .get("ledger_account_number")
                .cloned()
                .into_iter()
                .collect()
        });
        line_fields("ledger_account_number", idx, &mut out);
    } else if has(&["costcenter", "cost center", "kostenplaats"], &[]) {
        let idx = lines_named(msg, inv, |i| {
            inv.lines[i]
                .extra
                .get("cost_center")
                .cloned()
                .into_iter()
                .collect()
        });
        line_fields("cost_center", idx, &mut out);
    } else if has(&[], &["quantity", "aantal"]) {
        line_fields("quantity", lines_named(msg, inv, |_| Vec::new()), &mut out);
    } else if has(
        &[
            "invoice_invoiceline",
            "invoiceline",
            "invoice line",
            "factuurregel",
        ],
        &["line", "lines", "regel", "regels"],
    ) {
        match line_index(msg, inv.lines.len()) {
            Some(i) => out.push(format!("lines[{i}].description")),
            None => out.push("lines".into()),
        }
    }
    let content = FILE_CONTENT_FIELD.to_lowercase();
    if has(&["invoicefileurl", "file url", "fileurl"], &[]) {
        out.push("extra.invoice_file_url".into());
    } else if has(
        &[content.as_str(), "filename"],
        &["attachment", "bijlage", "mime", "file"],
    ) {
        out.push(if module == SilvasoftModule::Bookkeeping {
            "extra.invoice_file_url".into()
        } else {
            "attachments".into()
        });
    }
    if has(&["invoicenumber", "invoice number", "factuurnummer"], &[]) {
        out.push("extra.invoice_number".into());
    }
    if has(
        &["invoicedate", "invoice date", "factuurdatum"],
        &["date", "datum"],
    ) {
        out.push("issue_date".into());
    }
    if has(&["invoicereference", "referentie"], &["reference"]) {
        out.push("reference".into());
    }
    if has(&["invoiceproject"], &["project"]) {
        out.push("extra.invoice_project".into());
    }
    if has(&["selectprojectby"], &[]) {
        out.push("extra.select_project_by".into());
    }
    if has(&["invoicediscount"], &["discount", "korting"]) {
        out.push("extra.invoice_discount_pc".into());
    }
    if has(&["invoiceduedays", "due days", "betaaltermijn"], &[]) {
        out.push("extra.invoice_due_days".into());
    }
    if has(
        &["customernumber", "customername", "customeremail"],
        &["customer", "klant", "relation", "relatie", "debiteur"],
    ) {
        out.push("relation".into());
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|f| seen.insert(f.clone()));
    out
}

/// Whether a listed invoice is the one we sent (see the look-up in the module docs).
pub(super) fn customer_matches(
    found: &WireInvoice,
    ident: &CustomerIdentification,
) -> Option<bool> {
    match ident {
        CustomerIdentification::Number(n) => found.customer_number.map(|c| c == *n),
        CustomerIdentification::NameAndEmail { name, .. } => found
            .customer_name
            .as_deref()
            .map(|c| c.trim().eq_ignore_ascii_case(name.trim())),
    }
}

/// Text compared without surrounding blanks; `None` and `""` are the same.
pub(super) fn same_notes(found: Option<&str>, sent: Option<&str>) -> bool {
    let a = found.map(str::trim).unwrap_or("");
    let b = sent.map(str::trim).unwrap_or("");
    a == b
}
