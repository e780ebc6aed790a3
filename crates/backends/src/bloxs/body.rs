//! The body of `POST /api/v1/invoices/salesinvoiceservices` and Bloxs's rules for it, checked
//! before anything is sent (and as the clerk types, through the writer's pre-send check).
//!
//! Amounts per line are consistent to the cent, as Bloxs checks them:
//! `amountExcl = round2(numberOfItems × amountExclPerItem)`, `amountIncl = amountExcl +
//! amountVAT`, with the VAT of the line as the preview computes it (per line, half away from
//! zero). A price typed including VAT gives a price per item excluding VAT with up to four
//! decimals, chosen so that the line's amount excluding VAT is the preview's.

use super::{HEADER_CONTRACT, HEADER_PAYMENT, LINE_LEDGER, LINE_UNIT, NAME};
use crate::kit::wire::{json_money, json_number};
use invoice_desk_core::error::{Error, ErrorCode, FieldIssue, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::invoice::{OutgoingInvoice, OutgoingLine};
use invoice_desk_core::money::{round_cents, round_dp};
use invoice_desk_core::totals::{self, LineInput, PriceBasis};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

/// Most characters of a reference (owner, relation, contract, object, ledger account).
pub const MAX_REFERENCE: usize = 100;
/// Most characters of a line's description.
pub const MAX_DESCRIPTION: usize = 512;
/// Most characters of a service item's name.
pub const MAX_SERVICE_ITEM: usize = 256;
/// Decimals of a price per item computed from a price including VAT.
pub const PER_ITEM_DP: u32 = 4;

/// The amounts of one line as Bloxs takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineAmounts {
    pub per_item: Decimal,
    pub excl: Decimal,
    pub vat: Decimal,
    pub incl: Decimal,
}

/// The amounts of a line, consistent to the cent; `None` when they cannot be computed (a
/// quantity of zero with a price including VAT, an amount beyond the core's limit).
pub fn line_amounts(l: &OutgoingLine, basis: PriceBasis) -> Option<LineAmounts> {
    let preview = totals::line_amounts(
        &LineInput {
            quantity: l.quantity,
            unit_price: l.unit_price,
            vat_percent: l.vat_percent,
            vat_code: l.vat_code.clone(),
        },
        basis,
    )?;
    let per_item = match basis {
        PriceBasis::ExclVat => round_dp(l.unit_price, PER_ITEM_DP),
        PriceBasis::InclVat => per_item_for(preview.net, l.quantity)?,
    };
    let excl = round_cents(l.quantity.checked_mul(per_item)?);
    let vat = preview.vat;
    Some(LineAmounts {
        per_item,
        excl,
        vat,
        incl: excl.checked_add(vat)?,
    })
}

/// A price per item with at most [`PER_ITEM_DP`] decimals whose `round2(quantity × price)` is
/// `net`, when there is one near `net / quantity`; else the nearest (the totals Bloxs answers
/// then differ from the preview by cents, and the clerk is told).
pub fn per_item_for(net: Decimal, quantity: Decimal) -> Option<Decimal> {
    let first = round_dp(net.checked_div(quantity)?, PER_ITEM_DP);
    let step = Decimal::new(1, PER_ITEM_DP);
    let fits = |p: Decimal| {
        p.checked_mul(quantity)
            .map(round_cents)
            .is_some_and(|x| x == net)
    };
    if fits(first) {
        return Some(first);
    }
    for k in 1..=50i64 {
        let d = step.checked_mul(Decimal::from(k))?;
        for p in [first.checked_add(d), first.checked_sub(d)]
            .into_iter()
            .flatten()
        {
            if fits(p) {
                return Some(p);
            }
        }
    }
    Some(first)
}

/// The payment method Bloxs wants (1 direct debit, 2 bank transfer), when chosen.
pub fn payment_method(inv: &OutgoingInvoice) -> Option<u8> {
    match inv.extra_str(HEADER_PAYMENT)? {
        "1" => Some(1),
        "2" => Some(2),
        _ => None,
    }
}

fn line_extra<'a>(l: &'a OutgoingLine, key: &str) -> Option<&'a str> {
    l.extra.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// The service item a line names (its product's id).
pub fn service_item(l: &OutgoingLine) -> Option<&str> {
    l.product
        .as_ref()
        .map(|p| p.id.trim())
        .filter(|p| !p.is_empty())
}

/// The line's description: the clerk's, else the service item's.
pub fn description(l: &OutgoingLine) -> String {
    let own = l.description.trim();
    if !own.is_empty() {
        return own.to_string();
    }
    l.product
        .as_ref()
        .map(|p| p.description.trim().to_string())
        .unwrap_or_default()
}

fn opt(v: Option<&str>) -> Value {
    v.map(|s| Value::String(s.to_string()))
        .unwrap_or(Value::Null)
}

/// The create body. Fails with `Validation` (nothing sent) when a rule of [`precheck`] fails.
pub fn create_body(inv: &OutgoingInvoice) -> Result<Value> {
    precheck(inv)?;
    let mut lines = Vec::with_capacity(inv.lines.len());
    for (i, l) in inv.lines.iter().enumerate() {
        let a = line_amounts(l, inv.price_basis).ok_or_else(|| amounts_refused(i))?;
        let mut m = Map::new();
        m.insert("description".into(), json!(description(l)));
        m.insert(
            "numberOfItems".into(),
            json_number(l.quantity.trunc().normalize()),
        );
        m.insert("serviceItemName".into(), opt(service_item(l)));
        m.insert(
            "realEstateObjectReference".into(),
            opt(line_extra(l, LINE_UNIT)),
        );
        m.insert("ledgerAccountCode".into(), opt(line_extra(l, LINE_LEDGER)));
        m.insert("amountExclPerItem".into(), per_item_json(a.per_item));
        m.insert("amountExcl".into(), json_money(a.excl));
        m.insert("amountVAT".into(), json_money(a.vat));
        m.insert("amountIncl".into(), json_money(a.incl));
        lines.push(Value::Object(m));
    }
    Ok(json!({
        "externalIdentifier": inv.identity.to_string(),
        "salesContractReference": opt(inv.extra_str(HEADER_CONTRACT)),
        "ownerReference": inv.administration_id.trim(),
        "relationReference": inv.relation.id.trim(),
        "supplyDate": inv.issue_date.format("%Y-%m-%d").to_string(),
        "paymentMethod": payment_method(inv).unwrap_or(0),
        "lines": lines,
    }))
}

/// A price per item: two decimals at least, up to four when it has them.
fn per_item_json(p: Decimal) -> Value {
    let n = p.normalize();
    if n.scale() <= 2 {
        json_money(n)
    } else {
        json_number(round_dp(n, PER_ITEM_DP))
    }
}

fn amounts_refused(i: usize) -> Error {
    Error::new(
        ErrorCode::Validation,
        format!("De bedragen van regel {} kunnen niet voor {NAME} worden berekend; er is niets verstuurd.", i + 1),
        format!("The amounts of line {} cannot be computed for {NAME}; nothing was sent.", i + 1),
    )
    .with_field(format!("lines[{i}].unit_price"))
}

fn too_long(n: usize) -> (String, String) {
    (
        format!("{NAME} neemt hier hoogstens {n} tekens."),
        format!("{NAME} takes at most {n} characters here."),
    )
}

/// Bloxs's rules for an invoice, on the invoice as it goes out (and on the draft as typed,
/// through `fields::provisional`): references of at most 100 characters, a service item on
/// every line, a description of at most 512, a whole number of items of at least 1, a payment
/// method, amounts that can be computed.
pub fn precheck(inv: &OutgoingInvoice) -> Result<()> {
    let mut issues: Vec<FieldIssue> = Vec::new();
    let mut add = |field: String, nl: String, en: String| {
        issues.push(FieldIssue {
            field,
            message: Text::new(nl, en),
        })
    };
    let owner = inv.administration_id.trim();
    if owner.is_empty() {
        add(
            "administration".into(),
            "Kies de eigenaar.".into(),
            "Choose the owner.".into(),
        );
    } else if owner.chars().count() > MAX_REFERENCE {
        let (nl, en) = too_long(MAX_REFERENCE);
        add("administration".into(), nl, en);
    }
    let relation = inv.relation.id.trim();
    if relation.is_empty() {
        add(
            "relation".into(),
            "Kies een relatie.".into(),
            "Choose a relation.".into(),
        );
    } else if relation.chars().count() > MAX_REFERENCE {
        let (nl, en) = too_long(MAX_REFERENCE);
        add("relation".into(), nl, en);
    }
    if inv
        .extra_str(HEADER_CONTRACT)
        .is_some_and(|c| c.chars().count() > MAX_REFERENCE)
    {
        let (nl, en) = too_long(MAX_REFERENCE);
        add(format!("extra.{HEADER_CONTRACT}"), nl, en);
    }
    if payment_method(inv).is_none() {
        add(
            format!("extra.{HEADER_PAYMENT}"),
            "Kies de betaalwijze: automatische incasso of overschrijving.".into(),
            "Choose the payment method: direct debit or bank transfer.".into(),
        );
    }
    if inv.lines.is_empty() {
        add(
            "lines".into(),
            "Voeg minstens één regel toe.".into(),
            "Add at least one line.".into(),
        );
    }
    for (i, l) in inv.lines.iter().enumerate() {
        match service_item(l) {
            None => add(
                format!("lines[{i}].product"),
                format!("Kies een service-item; {NAME} kent geen regels zonder."),
                format!("Choose a service item; {NAME} has no lines without one."),
            ),
            Some(s) if s.chars().count() > MAX_SERVICE_ITEM => {
                let (nl, en) = too_long(MAX_SERVICE_ITEM);
                add(format!("lines[{i}].product"), nl, en);
            }
            Some(_) => {}
        }
        if description(l).chars().count() > MAX_DESCRIPTION {
            let (nl, en) = too_long(MAX_DESCRIPTION);
            add(format!("lines[{i}].description"), nl, en);
        }
        let q = l.quantity;
        if q != q.trunc() || q < Decimal::ONE || q > Decimal::from(i32::MAX) {
            add(
                format!("lines[{i}].quantity"),
                format!("{NAME} neemt alleen een heel aantal van minstens 1."),
                format!("{NAME} takes only a whole number of at least 1."),
            );
        } else if line_amounts(l, inv.price_basis).is_none() {
            add(
                format!("lines[{i}].unit_price"),
                "De bedragen van deze regel kunnen niet worden berekend.".into(),
                "The amounts of this line cannot be computed.".into(),
            );
        }
        for key in [LINE_UNIT, LINE_LEDGER] {
            if line_extra(l, key).is_some_and(|v| v.chars().count() > MAX_REFERENCE) {
                let (nl, en) = too_long(MAX_REFERENCE);
                add(format!("lines[{i}].extra.{key}"), nl, en);
            }
        }
    }
    issues.extend(invoice_desk_core::invoice::amount_issues(inv));
    if issues.is_empty() {
        return Ok(());
    }
    let first = issues.first().map(|f| f.field.clone());
    let e = Error::new(
        ErrorCode::Validation,
        "De factuur is nog niet compleet; er is niets verstuurd.",
        "The invoice is not complete yet; nothing was sent.",
    )
    .with_fields(issues);
    Err(match first {
        Some(f) => e.with_field(f),
        None => e,
    })
}
