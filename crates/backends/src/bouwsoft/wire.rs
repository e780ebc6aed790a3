//! Reading Bouwsoft's answers robustly: the body as the documentation shows it (en dashes and
//! curly quotes outside strings), the `Content-Range` in the body, amounts as long floats
//! rounded to the invoice's `pricedecimals`, dates with en dashes or empty.

use chrono::NaiveDate;
use invoice_desk_core::i18n::Text;
use invoice_desk_core::reader::{
    InvoiceDetail, InvoiceState, InvoiceSummary, InvoiceTextRef, InvoiceVat, TextFormat,
};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value};

/// The decimals of an invoice without `pricedecimals`.
pub const DEFAULT_DECIMALS: u32 = 2;
/// More decimals than this are not believed (`pricedecimals` of 40).
pub const MAX_DECIMALS: u32 = 6;

/// Makes JSON of a body as Bouwsoft's documentation writes it: outside strings an en dash
/// (U+2013) or minus sign (U+2212) is `-`, curly double quotes are `"`, and a string opened
/// with a curly quote closes with one.
pub fn repair(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // The quote that closes the current string, when inside one.
    let mut closing: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        match closing {
            Some(close) => {
                if escaped {
                    escaped = false;
                    out.push(c);
                } else if c == '\\' {
                    escaped = true;
                    out.push(c);
                } else if c == close || (close == '”' && c == '"') {
                    closing = None;
                    out.push('"');
                } else if c == '"' {
                    out.push_str("\\\"");
                } else {
                    out.push(c);
                }
            }
            None => match c {
                '"' => {
                    closing = Some('"');
                    out.push('"');
                }
                '“' | '”' => {
                    closing = Some('”');
                    out.push('"');
                }
                '\u{2013}' | '\u{2212}' => out.push('-'),
                c => out.push(c),
            },
        }
    }
    out
}

/// A body as JSON, repaired first when it is not JSON as it is.
pub fn parse_body(body: &[u8]) -> Option<Value> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return Some(v);
    }
    let text = String::from_utf8_lossy(body);
    serde_json::from_str(&repair(&text)).ok()
}

/// A page of the list: its records and the `Content-Range` `first-last/total`.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub records: Vec<Value>,
    pub first: Option<u64>,
    pub total: Option<u64>,
}

/// Reads `{"Content-Range", "Records"}` (names compared without case).
pub fn parse_page(body: &[u8]) -> Option<Page> {
    let v = parse_body(body)?;
    let o = v.as_object()?;
    let get = |name: &str| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let records = get("Records")?.as_array()?.clone();
    let (first, total) = get("Content-Range")
        .and_then(Value::as_str)
        .map(content_range)
        .unwrap_or((None, None));
    Some(Page {
        records,
        first,
        total,
    })
}

/// `0-4/3412` (or with an en dash, or `*/0`): the first row and the total.
pub fn content_range(text: &str) -> (Option<u64>, Option<u64>) {
    let t = text
        .trim()
        .replace(['\u{2013}', '\u{2014}', '\u{2212}'], "-");
    let (span, total) = match t.split_once('/') {
        Some((s, t)) => (s.trim(), t.trim().parse::<u64>().ok()),
        None => (t.as_str(), None),
    };
    let first = span
        .split_once('-')
        .and_then(|(a, _)| a.trim().parse::<u64>().ok());
    (first, total)
}

fn field<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    o.get(name).filter(|v| !v.is_null())
}

/// Text of a field; numbers as their digits; `None` when empty.
pub fn text(o: &Map<String, Value>, name: &str) -> Option<String> {
    match field(o, name)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A whole number (an id, a number): `0` is none.
pub fn id(o: &Map<String, Value>, name: &str) -> Option<String> {
    let t = text(o, name)?;
    let d = amount_text(&t)?;
    if d.is_zero() || d.fract() != Decimal::ZERO {
        return None;
    }
    Some(d.trunc().normalize().to_string())
}

pub fn flag(o: &Map<String, Value>, name: &str) -> bool {
    match field(o, name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.to_string() != "0",
        Some(Value::String(s)) => {
            matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes")
        }
        _ => false,
    }
}

/// An amount's text: en dashes and minus signs as `-`, a comma as the decimal point when
/// there is no dot, exactly (no float).
pub fn amount_text(t: &str) -> Option<Decimal> {
    let t = t
        .trim()
        .replace(['\u{2013}', '\u{2014}', '\u{2212}'], "-")
        .replace(' ', "");
    let t = if t.contains('.') {
        t
    } else {
        t.replace(',', ".")
    };
    if t.is_empty() || t.len() > 60 {
        return None;
    }
    crate::kit::wire::parse_decimal_exact(&t)
}

/// An amount, rounded to `dp` decimals (half away from zero): `34.649999999999999` at 2 is
/// `34.65`.
pub fn amount(o: &Map<String, Value>, name: &str, dp: u32) -> Option<Decimal> {
    let d = amount_text(&text(o, name)?)?;
    Some(d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero))
}

/// A percentage (`21`, `12.5`), without trailing zeros.
pub fn percent(o: &Map<String, Value>, name: &str) -> Option<Decimal> {
    let d = amount_text(&text(o, name)?)?;
    Some(d.round_dp(4).normalize())
}

/// A date: `2012-03-08`, `2012–03–08`, with a time after it, or none for `""`.
pub fn date_text(t: &str) -> Option<NaiveDate> {
    let t = t
        .trim()
        .replace(['\u{2013}', '\u{2014}', '\u{2212}', '/'], "-");
    let day: String = t.chars().take(10).collect();
    NaiveDate::parse_from_str(&day, "%Y-%m-%d")
        .ok()
        .filter(|d| *d != NaiveDate::MIN)
}

pub fn date(o: &Map<String, Value>, name: &str) -> Option<NaiveDate> {
    date_text(&text(o, name)?)
}

/// The invoice's `pricedecimals` (0 to 6), else 2.
pub fn decimals(o: &Map<String, Value>) -> u32 {
    text(o, "pricedecimals")
        .and_then(|t| amount_text(&t))
        .and_then(|d| d.trunc().to_u32())
        .filter(|d| *d <= MAX_DECIMALS)
        .unwrap_or(DEFAULT_DECIMALS)
}

/// The status flags in words.
pub fn flags(o: &Map<String, Value>) -> Vec<Text> {
    let mut out = Vec::new();
    for (name, nl, en) in [
        (
            "senttoaccountingsoftware",
            "Naar boekhouding",
            "Sent to accounting",
        ),
        ("einvoice_sent", "E-factuur verstuurd", "E-invoice sent"),
        ("sent", "Verstuurd", "Sent"),
        ("approved", "Goedgekeurd", "Approved"),
        ("signed", "Getekend", "Signed"),
        ("locked", "Vergrendeld", "Locked"),
        ("rejected", "Afgewezen", "Rejected"),
    ] {
        if flag(o, name) {
            out.push(Text::new(nl, en));
        }
    }
    out
}

/// An invoice of the list; `None` without an id or a date.
pub fn summary(v: &Value, today: NaiveDate) -> Option<InvoiceSummary> {
    let o = v.as_object()?;
    let invoice_id = id(o, "id")?;
    let date = date(o, "date").or_else(|| date(o, "chargeableevent"))?;
    let dp = decimals(o);
    let number = text(o, "nr").map(|nr| match text(o, "nr_add") {
        Some(add) => format!("{nr}{add}"),
        None => nr,
    });
    let due_date = date_of(o, "expirationdate");
    let total_excl = amount(o, "basis", dp).unwrap_or_default();
    let total_vat = amount(o, "vatamount", dp).unwrap_or_default();
    // Without a total incl. VAT, the sum of the two (and none when even that overflows).
    let total_incl = amount(o, "amountinclvat", dp)
        .or_else(|| total_excl.checked_add(total_vat))
        .unwrap_or_default();
    let balance = amount(o, "balance", dp);
    let state = match balance {
        Some(b) if b.is_zero() && !total_incl.is_zero() => InvoiceState::Paid,
        // Overdue: past its due date with something still to pay (a credit note never is).
        _ if due_date.is_some_and(|d| d < today)
            && balance.unwrap_or(total_incl) > Decimal::ZERO =>
        {
            InvoiceState::Overdue
        }
        _ => InvoiceState::Open,
    };
    let project = id(o, "project_id").map(|_| {
        let name = text(o, "project_name").unwrap_or_default();
        match id(o, "project_pnr") {
            Some(p) if name.is_empty() => p,
            Some(p) => format!("{p} {name}"),
            None => name,
        }
    });
    Some(InvoiceSummary {
        id: invoice_id,
        number,
        date,
        due_date,
        customer: text(o, "address_name").unwrap_or_default(),
        customer_id: id(o, "address_id"),
        total_excl,
        total_vat,
        total_incl,
        state,
        state_text: None,
        actions: Vec::new(),
        project,
        flags: flags(o),
    })
}

fn date_of(o: &Map<String, Value>, name: &str) -> Option<NaiveDate> {
    date(o, name)
}

/// The five VAT slots that carry an amount.
pub fn vat_slots(o: &Map<String, Value>) -> Vec<InvoiceVat> {
    let dp = decimals(o);
    (1..=5)
        .filter_map(|n| {
            let base = amount(o, &format!("basis{n}"), dp).unwrap_or_default();
            let taxable = amount(o, &format!("taxableamount{n}"), dp);
            let vat = amount(o, &format!("vatamount{n}"), dp).unwrap_or_default();
            let incl = amount(o, &format!("amountinclvat{n}"), dp);
            if base.is_zero()
                && vat.is_zero()
                && taxable.is_none_or(|t| t.is_zero())
                && incl.is_none_or(|t| t.is_zero())
            {
                return None;
            }
            Some(InvoiceVat {
                percentage: percent(o, &format!("vatpercent{n}")).unwrap_or_default(),
                base,
                amount: vat,
                code: text(o, &format!("vatcode{n}")),
                taxable,
                co_contractor: flag(o, &format!("vatcocontractor{n}")),
                incl,
            })
        })
        .collect()
}

/// The texts every sales invoice has.
pub fn text_refs() -> Vec<InvoiceTextRef> {
    let formats = vec![TextFormat::Html, TextFormat::Rtf, TextFormat::Plain];
    vec![
        InvoiceTextRef {
            which: "introduction".into(),
            label: Text::new("Inleiding", "Introduction"),
            formats: formats.clone(),
        },
        InvoiceTextRef {
            which: "conclusion".into(),
            label: Text::new("Slot", "Conclusion"),
            formats,
        },
    ]
}

/// The customer's address as printed, one line each.
pub fn address(o: &Map<String, Value>) -> Vec<String> {
    let mut lines = Vec::new();
    let name = match (text(o, "address_salutation"), text(o, "address_name")) {
        (Some(s), Some(n)) => Some(format!("{n} {s}")),
        (None, Some(n)) => Some(n),
        (Some(s), None) => Some(s),
        (None, None) => None,
    };
    lines.extend(name);
    lines.extend(text(o, "address_address"));
    lines.extend(text(o, "address_addressline2"));
    let place = [text(o, "address_zipcode"), text(o, "address_city")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !place.is_empty() {
        lines.push(place);
    }
    if let Some(cc) = text(o, "address_countrycode").filter(|c| !c.eq_ignore_ascii_case("BE")) {
        lines.push(cc);
    }
    lines
}

/// One invoice opened.
pub fn detail(v: &Value, today: NaiveDate) -> Option<InvoiceDetail> {
    let summary = summary(v, today)?;
    let o = v.as_object()?;
    let contact = text(o, "contact_name").map(|n| match text(o, "contact_salutation") {
        Some(s) => format!("{s} {n}"),
        None => n,
    });
    Some(InvoiceDetail {
        summary,
        lines: Vec::new(),
        vat: vat_slots(o),
        address: address(o),
        contact,
        vat_number: text(o, "vatnr"),
        reference: text(o, "yourreference").or_else(|| text(o, "ordernr")),
        texts: text_refs(),
        price_decimals: Some(decimals(o)),
    })
}

/// The record of `GET /SalesInvoices/{id}`: the envelope's first record, or the object itself.
pub fn single(body: &[u8]) -> Option<Value> {
    let v = parse_body(body)?;
    if let Some(p) = v
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("Records")))
    {
        return p.1.as_array()?.first().cloned();
    }
    v.is_object().then_some(v)
}
