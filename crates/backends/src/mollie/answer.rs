//! Mollie's answers: the sales invoice (create, get, update), its status in words, the error
//! document (`{"status","title","detail","field"}`) on the form's fields, and the sales
//! invoice as History lists and opens it.

use super::wire::{self, amount, date, link, text};
use super::NAME;
use crate::http::{Http, Reply, Safety};
use crate::kit::problem::{self, FieldMap};
use invoice_desk_core::backend::{Receipt, RemoteTotals};
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::reader::{
    InvoiceDetail, InvoiceLineRead, InvoiceState, InvoiceSummary, InvoiceVat,
};
use rust_decimal::Decimal;
use serde_json::Value;

/// Mollie's request paths onto the form's fields: header fields as `extra.<key>`, the
/// recipient's as `recipient.<key>` (the address book's fields), lines as `lines[i].<field>`
/// (0-based, as Mollie counts them).
pub const FIELD_MAP: FieldMap<'static> = FieldMap {
    header: &[
        ("status", "extra.status"),
        ("recipientIdentifier", "relation"),
        ("recipient", "relation"),
        ("recipient.type", "recipient.kind"),
        ("recipient.givenName", "recipient.given_name"),
        ("recipient.familyName", "recipient.family_name"),
        ("recipient.organizationName", "recipient.organization_name"),
        (
            "recipient.organizationNumber",
            "recipient.organization_number",
        ),
        ("recipient.vatNumber", "recipient.vat_number"),
        ("recipient.email", "recipient.email"),
        ("recipient.phone", "recipient.phone"),
        ("recipient.streetAndNumber", "recipient.street_and_number"),
        ("recipient.streetAdditional", "recipient.street_additional"),
        ("recipient.postalCode", "recipient.postal_code"),
        ("recipient.city", "recipient.city"),
        ("recipient.region", "recipient.region"),
        ("recipient.country", "recipient.country"),
        ("recipient.locale", "recipient.locale"),
        ("emailDetails", "extra.email_subject"),
        ("emailDetails.subject", "extra.email_subject"),
        ("emailDetails.body", "extra.email_body"),
        ("paymentDetails", "extra.payment_source"),
        ("paymentDetails.source", "extra.payment_source"),
        ("paymentDetails.sourceReference", "extra.payment_reference"),
        ("paymentTerm", "extra.payment_term"),
        ("vatScheme", "extra.vat_scheme"),
        ("vatMode", "price_basis"),
        ("memo", "extra.memo"),
        ("isEInvoice", "extra.e_invoice"),
        ("discount", "discount"),
        ("profileId", "administration"),
    ],
    lines: &["lines"],
    line_fields: &[
        ("description", "description"),
        ("quantity", "quantity"),
        ("unitPrice", "unit_price"),
        ("vatRate", "vat_code"),
        ("discount", "discount"),
    ],
    first_line: 0,
};

/// The key or token was not accepted (401).
pub fn wrong_key(detail: Option<String>) -> Error {
    Error::new(
        ErrorCode::AuthFailed,
        format!("{NAME} heeft de API-sleutel of het toegangstoken niet geaccepteerd. Controleer het bij Instellingen (in het Mollie-dashboard onder Ontwikkelaars → API-sleutels)."),
        format!("{NAME} did not accept the API key or access token. Check it in Settings (in the Mollie dashboard under Developers → API keys)."),
    )
    .with_detail(detail.unwrap_or_default())
}

/// The token lacks a permission (403).
pub fn forbidden(scope: &str, detail: Option<String>) -> Error {
    Error::new(
        ErrorCode::Forbidden,
        format!("Het toegangstoken heeft in {NAME} niet het recht '{scope}'. Maak een token met dat recht en vul het in bij Instellingen."),
        format!("The access token lacks the permission '{scope}' in {NAME}. Create a token with that permission and enter it in Settings."),
    )
    .with_detail(detail.unwrap_or_default())
}

/// Nothing at this address answers as Mollie.
pub fn wrong_address() -> Error {
    Error::new(
        ErrorCode::Config,
        format!("Op dit adres antwoordt geen {NAME}. Controleer het adres bij Instellingen (normaal https://api.mollie.com)."),
        format!("No {NAME} answers at this address. Check the address in Settings (normally https://api.mollie.com)."),
    )
    .with_field("base_url")
}

/// Mollie asks to wait (429): the app waits as long as asked and says so.
pub fn rate_limited(reply: &Reply) -> Error {
    let wait = reply.retry_after();
    let (nl, en) = match wait {
        Some(d) => (
            format!("{NAME} krijgt te veel verzoeken en vraagt {} seconden te wachten. De app wacht en probeert het dan opnieuw; er is niets dubbel verstuurd.", d.as_secs()),
            format!("{NAME} is receiving too many requests and asks to wait {} seconds. The app waits and then tries again; nothing was sent twice.", d.as_secs()),
        ),
        None => (
            format!("{NAME} krijgt te veel verzoeken. De app wacht even en probeert het dan opnieuw; er is niets dubbel verstuurd."),
            format!("{NAME} is receiving too many requests. The app waits a moment and then tries again; nothing was sent twice."),
        ),
    };
    Error::new(ErrorCode::RateLimited, nl, en)
        .with_retry_after(wait)
        .with_detail(reply.vendor_message().unwrap_or_default())
}

/// The usual meaning of a failed read or write, with Mollie's own words for 401, 403, 404 and
/// 429.
pub fn status_error(http: &Http, reply: &Reply, safety: Safety, scope: &str) -> Error {
    match reply.status.as_u16() {
        401 => wrong_key(reply.vendor_message()),
        403 => forbidden(scope, reply.vendor_message()),
        429 => rate_limited(reply),
        300..=399 | 405 => wrong_address(),
        _ if safety == Safety::Idempotent => http.read_status_error(reply),
        _ => http.status_error_for(reply, safety),
    }
}

/// The status in words: Mollie's documented statuses in both languages, an unknown one as
/// Mollie writes it.
pub fn state_words(status: &str) -> Option<Text> {
    let s = status.trim();
    let (nl, en) = match s {
        "" => return None,
        "draft" => ("Concept", "Draft"),
        "issuing" => ("Wordt uitgegeven", "Issuing"),
        "issued" => ("Verstuurd", "Issued"),
        "paid" => ("Betaald", "Paid"),
        "pending-payment" => ("Betaling in behandeling", "Payment pending"),
        "overdue" => ("Te laat", "Overdue"),
        "payment-reversed" => ("Betaling teruggedraaid", "Payment reversed"),
        "expired" => ("Verlopen", "Expired"),
        "failed" => ("Mislukt", "Failed"),
        "cancelled" | "canceled" => ("Geannuleerd", "Cancelled"),
        other => {
            let t: String = other.chars().take(60).collect();
            return Some(Text::new(t.clone(), t));
        }
    };
    Some(Text::new(nl, en))
}

/// Where a status puts the invoice for History.
pub fn invoice_state(status: &str) -> InvoiceState {
    match status.trim() {
        "draft" => InvoiceState::Draft,
        "issuing" | "issued" | "pending-payment" | "payment-reversed" => InvoiceState::Open,
        "paid" => InvoiceState::Paid,
        "overdue" => InvoiceState::Overdue,
        "cancelled" | "canceled" | "expired" => InvoiceState::Cancelled,
        _ => InvoiceState::Other,
    }
}

/// Our identity in the invoice's metadata, when it carries one.
pub fn invoice_desk_id(v: &Value) -> Option<String> {
    let m = v.as_object()?.get("metadata")?.as_object()?;
    text(m, "invoiceDeskId")
}

/// The receipt for a sales invoice: its id, its number once issued, its status in words, its
/// totals (after discounts, VAT, including VAT) and the PDF. `None` without an id.
pub fn receipt(v: &Value) -> Option<Receipt> {
    let o = v.as_object()?;
    let id = text(o, "id")?;
    let net = amount(o, "discountedSubtotalAmount").or_else(|| amount(o, "subtotalAmount"));
    let vat = amount(o, "totalVatAmount");
    let gross = amount(o, "totalAmount");
    let totals = match (net, vat, gross) {
        (Some(net), Some(vat), Some(gross)) => Some(RemoteTotals { net, vat, gross }),
        _ => None,
    };
    Some(Receipt {
        remote_id: id,
        number: text(o, "invoiceNumber"),
        total_gross: gross,
        warnings: Vec::new(),
        state: text(o, "status").and_then(|s| state_words(&s)),
        totals,
        document_url: link(o, "pdfLink"),
    })
}

/// The answer to the create call: 201 (or any success) with the invoice; 422 and 400 are
/// refusals on the fields; 429 waits; a 5xx or an unreadable success may have created it.
pub fn interpret(http: &Http, reply: &Reply, line_count: usize) -> Result<Receipt> {
    match reply.status.as_u16() {
        200..=299 => reply
            .json_opt()
            .as_ref()
            .and_then(receipt)
            .ok_or_else(|| unreadable_after_create(reply)),
        400 | 409 | 422 => Err(refusal(reply, Some(line_count))),
        404 => Err(wrong_address()),
        _ => Err(status_error(
            http,
            reply,
            Safety::NotIdempotent,
            "sales-invoices.write",
        )),
    }
}

/// A success whose body cannot be read: the invoice may exist.
fn unreadable_after_create(reply: &Reply) -> Error {
    Error::new(
        ErrorCode::Uncertain,
        format!("{NAME} gaf een antwoord dat de app niet kon lezen. De factuur kan zijn aangemaakt; de app controleert dat voordat ze opnieuw verstuurt."),
        format!("{NAME} gave an answer the app could not read. The invoice may have been created; the app checks before it sends again."),
    )
    .with_detail(format!("HTTP {}", reply.status.as_u16()))
}

/// A refusal: Mollie's `detail` on the field its `field` names, in the clerk's language
/// around Mollie's words; a path the map does not know stays in the detail.
pub fn refusal(reply: &Reply, line_count: Option<usize>) -> Error {
    match problem::parse(&reply.body) {
        Some(p) => p.to_error(NAME, ErrorCode::Refused, &FIELD_MAP, line_count),
        None => Error::new(
            ErrorCode::Refused,
            format!("{NAME} heeft de factuur geweigerd"),
            format!("{NAME} refused the invoice"),
        )
        .with_detail(reply.vendor_message().unwrap_or_default()),
    }
}

/// The customer's name as the invoice names its recipient.
fn customer(o: &serde_json::Map<String, Value>) -> String {
    let Some(r) = o.get("recipient").and_then(Value::as_object) else {
        return String::new();
    };
    if let Some(n) = text(r, "organizationName") {
        return n;
    }
    let parts: Vec<String> = ["givenName", "familyName"]
        .iter()
        .filter_map(|k| text(r, k))
        .collect();
    if !parts.is_empty() {
        return parts.join(" ");
    }
    text(r, "email").unwrap_or_default()
}

/// A sales invoice as History lists it; `None` without an id or any date.
pub fn summary(v: &Value) -> Option<InvoiceSummary> {
    let o = v.as_object()?;
    let id = text(o, "id")?;
    let status = text(o, "status").unwrap_or_default();
    let date = date(o, "issuedAt")
        .or_else(|| date(o, "createdAt"))
        .or_else(|| date(o, "paidAt"))?;
    let net = amount(o, "discountedSubtotalAmount")
        .or_else(|| amount(o, "subtotalAmount"))
        .unwrap_or_default();
    let vat = amount(o, "totalVatAmount").unwrap_or_default();
    let gross = amount(o, "totalAmount")
        .or_else(|| net.checked_add(vat))
        .unwrap_or_default();
    let actions = if status == "draft" {
        vec![
            super::ACTION_ISSUE.to_string(),
            super::ACTION_DELETE.to_string(),
        ]
    } else {
        Vec::new()
    };
    Some(InvoiceSummary {
        flags: Vec::new(),
        project: None,
        id,
        number: text(o, "invoiceNumber"),
        date,
        due_date: date_opt(o, "dueAt"),
        customer: customer(o),
        customer_id: text(o, "recipientIdentifier"),
        total_excl: net,
        total_vat: vat,
        total_incl: gross,
        state: invoice_state(&status),
        state_text: state_words(&status),
        actions,
    })
}

fn date_opt(o: &serde_json::Map<String, Value>, key: &str) -> Option<chrono::NaiveDate> {
    date(o, key)
}

/// One sales invoice opened: its summary, its lines (each line's amount excluding VAT after
/// its own discount, as Mollie computes it) and its VAT per rate.
pub fn detail(v: &Value) -> Option<InvoiceDetail> {
    let summary = summary(v)?;
    let o = v.as_object()?;
    let inclusive = text(o, "vatMode").as_deref() == Some("inclusive");
    let mut lines = Vec::new();
    let mut per_rate: Vec<(Decimal, Decimal, Decimal)> = Vec::new();
    let rows = o.get("lines").and_then(Value::as_array);
    for row in rows.into_iter().flatten() {
        let Some(l) = row.as_object() else { continue };
        let quantity = amount(l, "quantity").unwrap_or(Decimal::ONE);
        let unit_price = amount(l, "unitPrice").unwrap_or_default();
        let rate_text = text(l, "vatRate");
        let rate = rate_text
            .as_deref()
            .and_then(crate::kit::wire::parse_decimal_exact)
            .unwrap_or_default();
        let d = wire::discount(l);
        let net = wire::line_net(
            quantity,
            unit_price,
            d.as_ref().map(|(k, v)| (k.as_str(), *v)),
        )
        .unwrap_or_default();
        let vat = line_vat(net, rate, inclusive).unwrap_or_default();
        let excl = if inclusive {
            net.checked_sub(vat).unwrap_or_default()
        } else {
            net
        };
        match per_rate.iter_mut().find(|(r, _, _)| *r == rate) {
            Some(e) => {
                e.1 = e.1.checked_add(excl).unwrap_or(e.1);
                e.2 = e.2.checked_add(vat).unwrap_or(e.2);
            }
            None => per_rate.push((rate, excl, vat)),
        }
        lines.push(InvoiceLineRead {
            product_id: None,
            vat_percent: None,
            description: text(l, "description").unwrap_or_default(),
            quantity,
            unit_price,
            vat_code: rate_text,
            amount_excl: excl,
        });
    }
    // One rate: the invoice's own totals (after an invoice discount). Several rates without an
    // invoice discount: per rate from the lines. Several with one: not told apart here.
    let vat = if per_rate.len() == 1 {
        per_rate
            .iter()
            .map(|(r, _, _)| InvoiceVat {
                taxable: None,
                co_contractor: false,
                code: None,
                incl: None,
                percentage: *r,
                base: summary.total_excl,
                amount: summary.total_vat,
            })
            .collect()
    } else if o.get("discount").is_none_or(Value::is_null) {
        per_rate
            .into_iter()
            .map(|(percentage, base, amount)| InvoiceVat {
                taxable: None,
                co_contractor: false,
                code: None,
                incl: None,
                percentage,
                base,
                amount,
            })
            .collect()
    } else {
        Vec::new()
    };
    Some(InvoiceDetail {
        reference: None,
        texts: Vec::new(),
        vat_number: None,
        address: Vec::new(),
        contact: None,
        price_decimals: None,
        summary,
        lines,
        vat,
    })
}

/// A line's VAT as Mollie computes it: exclusive `round2(net × rate / 100)`, inclusive
/// `net − round2(net × 100 / (100 + rate))`.
pub fn line_vat(net: Decimal, rate: Decimal, inclusive: bool) -> Option<Decimal> {
    use invoice_desk_core::money::round_cents;
    if inclusive {
        let base = round_cents(
            net.checked_mul(Decimal::ONE_HUNDRED)?
                .checked_div(Decimal::ONE_HUNDRED.checked_add(rate)?)?,
        );
        net.checked_sub(base)
    } else {
        Some(round_cents(
            net.checked_mul(rate)?.checked_div(Decimal::ONE_HUNDRED)?,
        ))
    }
}
