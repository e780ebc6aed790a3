//! The request bodies of `addsalestransaction` (bookkeeping) and `addsalesinvoice`
//! (invoicing), and the checks made before anything is sent.
//!
//! Amounts are JSON numbers written from the decimal's own text: a dot, no thousands
//! separator, money with exactly two decimals (`12.50`), quantities and percentages as short
//! as they are (`3`, `1.5`, `21`). Never a float in between, never `12,50`.

use super::attach::ResolvedFile;
use super::{CustomerIdentification, SilvasoftModule};
use invoice_desk_core::error::{Error, ErrorCode, FieldIssue, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::invoice::OutgoingInvoice;
use invoice_desk_core::money::{parse_decimal, round_cents, within_max_amount};
use invoice_desk_core::totals::PriceBasis;
use invoice_desk_core::vat::VatRate;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

/// Most lines Silvasoft takes on one invoice (both modules).
pub const MAX_LINES: usize = 75;
/// Longest `InvoiceReference` (invoicing module).
pub const MAX_REFERENCE_CHARS: usize = 150;
/// What `InvoiceFileUrl` must end with (bookkeeping module).
pub const FILE_URL_EXTENSIONS: [&str; 6] = [".jpg", ".png", ".pdf", ".doc", ".docx", ".gif"];

/// The names of the attachment fields of `addsalesinvoice`. The documentation says only that
/// a file goes "as a binary string in the field 'FileContent'" and that "a name" is required;
/// the name field is our best reading. One file per invoice.
pub const FILE_NAME_FIELD: &str = "FileName";
pub const FILE_CONTENT_FIELD: &str = "FileContent";

/// Money: exactly two decimals, a dot (`12.50`, `-3.00`, `0.00`).
pub(super) use crate::kit::wire::json_money as money;
/// A quantity or a percentage as short as it is (`3`, `1.5`, `21`).
pub(super) use crate::kit::wire::json_number as plain;

/// `dd-MM-yyyy`.
pub(super) fn date(d: chrono::NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

/// The amount including VAT of line `i`: the preview's line gross, which is what the clerk
/// saw, or the same computed again from quantity, price and basis.
/// `None` when it cannot be computed or is beyond
/// [`MAX_AMOUNT`](invoice_desk_core::money::MAX_AMOUNT) (checked arithmetic throughout).
pub(super) fn line_gross(inv: &OutgoingInvoice, i: usize) -> Option<Decimal> {
    let gross = if inv.totals.lines.len() == inv.lines.len() {
        inv.totals.lines.get(i)?.gross
    } else {
        let l = inv.lines.get(i)?;
        let entered = round_cents(l.quantity.checked_mul(l.unit_price)?);
        match inv.price_basis {
            PriceBasis::InclVat => entered,
            PriceBasis::ExclVat => entered.checked_add(round_cents(
                entered
                    .checked_mul(l.vat_percent)?
                    .checked_div(Decimal::ONE_HUNDRED)?,
            ))?,
        }
    };
    within_max_amount(gross).then_some(gross)
}

/// The invoice number to send: `extra["invoice_number"]` (typed, or assigned by the app).
pub(super) fn invoice_number(inv: &OutgoingInvoice) -> Result<Option<u64>> {
    let Some(raw) = inv.extra_str("invoice_number") else {
        return Ok(None);
    };
    match raw.parse::<u64>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(refuse_before_sending(vec![issue(
            "extra.invoice_number",
            "Een factuurnummer voor Silvasoft is een heel getal groter dan 0.",
            "A Silvasoft invoice number is a whole number above 0.",
        )])),
    }
}

/// What goes into `InvoiceNotes`. The bookkeeping call has no reference field: the reference
/// goes into the notes as "Ref: …" when the notes are empty, and is not sent otherwise.
pub(super) fn notes(inv: &OutgoingInvoice, module: SilvasoftModule) -> Option<String> {
    if let Some(n) = inv.extra_str("invoice_notes") {
        return Some(n.to_string());
    }
    let reference = inv.reference.trim();
    match module {
        SilvasoftModule::Bookkeeping if !reference.is_empty() => Some(format!("Ref: {reference}")),
        _ => None,
    }
}

fn issue(field: impl Into<String>, nl: impl Into<String>, en: impl Into<String>) -> FieldIssue {
    FieldIssue {
        field: field.into(),
        message: Text::new(nl, en),
    }
}

/// `Validation`: nothing was sent.
pub(super) fn refuse_before_sending(issues: Vec<FieldIssue>) -> Error {
    let mut e = Error::new(
        ErrorCode::Validation,
        "De factuur voldoet nog niet aan wat Silvasoft vraagt; er is niets verstuurd.",
        "The invoice does not meet Silvasoft's rules yet; nothing was sent.",
    );
    if issues.len() == 1 {
        e.field = Some(issues[0].field.clone());
    }
    e.with_fields(issues)
}

fn has_url_extension(url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    FILE_URL_EXTENSIONS.iter().any(|e| path.ends_with(e))
}

/// Everything Silvasoft would refuse that we can see before sending.
pub(super) fn precheck(
    inv: &OutgoingInvoice,
    module: SilvasoftModule,
    rates: &[VatRate],
) -> Result<()> {
    let mut out = Vec::new();
    let ident = super::customer_identification(&inv.relation);
    if let CustomerIdentification::NameAndEmail { name, .. } = &ident {
        if name.trim().is_empty() {
            out.push(issue(
                "relation",
                "Deze relatie heeft geen klantnummer en geen naam; Silvasoft kan haar niet vinden.",
                "This relation has no customer number and no name; Silvasoft cannot find it.",
            ));
        }
    }
    if inv.lines.is_empty() {
        out.push(issue(
            "lines",
            "Voeg minstens één regel toe.",
            "Add at least one line.",
        ));
    }
    if inv.lines.len() > MAX_LINES {
        out.push(issue(
            "lines",
            format!(
                "Silvasoft neemt hoogstens {MAX_LINES} regels per factuur; deze factuur heeft er {}.",
                inv.lines.len()
            ),
            format!(
                "Silvasoft takes at most {MAX_LINES} lines per invoice; this one has {}.",
                inv.lines.len()
            ),
        ));
    }
    let bases: &[PriceBasis] = match module {
        SilvasoftModule::Bookkeeping => &[PriceBasis::InclVat, PriceBasis::ExclVat],
        SilvasoftModule::Invoicing => &[PriceBasis::ExclVat],
    };
    if !bases.contains(&inv.price_basis) {
        out.push(issue(
            "price_basis",
            "De facturatiemodule van Silvasoft neemt alleen prijzen exclusief btw.",
            "Silvasoft's invoicing module takes prices excluding VAT only.",
        ));
    }
    if let Err(e) = invoice_number(inv) {
        out.extend(e.fields);
    }
    out.extend(invoice_desk_core::invoice::amount_issues(inv));
    for (i, l) in inv.lines.iter().enumerate() {
        let p = format!("lines[{i}].");
        let known = rates
            .iter()
            .any(|r| r.code == l.vat_code && r.percent == l.vat_percent);
        if !known {
            out.push(issue(
                format!("{p}vat_code"),
                format!(
                    "Btw {}% staat niet in de Silvasoft-administratie; kies een tarief dat er wel in staat.",
                    l.vat_percent.normalize()
                ),
                format!(
                    "VAT {}% is not in the Silvasoft administration; choose a rate it has.",
                    l.vat_percent.normalize()
                ),
            ));
        }
        if l.quantity.normalize().scale() > 2 {
            out.push(issue(
                format!("{p}quantity"),
                "Silvasoft neemt hoogstens 2 decimalen in een aantal.",
                "Silvasoft takes at most 2 decimals in a quantity.",
            ));
        }
        if l.unit_price.normalize().scale() > 2 {
            out.push(issue(
                format!("{p}unit_price"),
                "Silvasoft neemt hoogstens 2 decimalen in een prijs.",
                "Silvasoft takes at most 2 decimals in a price.",
            ));
        }
        if module == SilvasoftModule::Invoicing {
            let code = l
                .product
                .as_ref()
                .and_then(|p| p.code.as_deref())
                .map(str::trim)
                .filter(|c| !c.is_empty());
            if code.is_none() {
                out.push(issue(
                    format!("{p}product"),
                    "Kies een artikel met een artikelnummer; de facturatiemodule van Silvasoft kent geen regels zonder.",
                    "Choose a product with an article number; Silvasoft's invoicing module has no lines without one.",
                ));
            }
        }
    }
    match module {
        SilvasoftModule::Bookkeeping => {
            if let Some(url) = inv.extra_str("invoice_file_url") {
                let scheme = url.starts_with("https://") || url.starts_with("http://");
                if !scheme || !has_url_extension(url) {
                    out.push(issue(
                        "extra.invoice_file_url",
                        format!(
                            "Het adres van de bijlage moet met https:// beginnen en eindigen op een van: {}",
                            FILE_URL_EXTENSIONS.join(" ")
                        ),
                        format!(
                            "The attachment address must start with https:// and end in one of: {}",
                            FILE_URL_EXTENSIONS.join(" ")
                        ),
                    ));
                }
            }
            if let Some(by) = inv.extra_str("select_project_by") {
                if by != "NAME" && by != "NUMBER" {
                    out.push(issue(
                        "extra.select_project_by",
                        "Kies projectnummer of projectnaam.",
                        "Choose project number or project name.",
                    ));
                }
            }
            if !inv.attachments.is_empty() {
                out.push(issue(
                    "attachments",
                    "De boekhoudmodule van Silvasoft neemt een bijlage alleen via een webadres (veld 'Bijlage (webadres)').",
                    "Silvasoft's bookkeeping module takes an attachment only by web address (field 'Attachment (web address)').",
                ));
            }
        }
        SilvasoftModule::Invoicing => {
            let n = inv.reference.trim().chars().count();
            if n > MAX_REFERENCE_CHARS {
                out.push(issue(
                    "reference",
                    format!("Silvasoft neemt een referentie van hoogstens {MAX_REFERENCE_CHARS} tekens; deze heeft er {n}."),
                    format!("Silvasoft takes a reference of at most {MAX_REFERENCE_CHARS} characters; this one has {n}."),
                ));
            }
            if let Some(v) = inv.extra_str("invoice_discount_pc") {
                match parse_decimal(v) {
                    Ok(d)
                        if d >= Decimal::ZERO
                            && d <= Decimal::ONE_HUNDRED
                            && d.normalize().scale() <= 2 => {}
                    _ => out.push(issue(
                        "extra.invoice_discount_pc",
                        "De korting is een percentage van 0 tot 100, met hoogstens 2 decimalen.",
                        "The discount is a percentage from 0 to 100, with at most 2 decimals.",
                    )),
                }
            }
            if let Some(v) = inv.extra_str("invoice_due_days") {
                if v.parse::<u32>().is_err() {
                    out.push(issue(
                        "extra.invoice_due_days",
                        "De betaaltermijn is een heel aantal dagen (0 of meer).",
                        "The payment term is a whole number of days (0 or more).",
                    ));
                }
            }
            if inv.attachments.len() > 1 {
                out.push(issue(
                    "attachments",
                    "Silvasoft neemt één bijlage per factuur.",
                    "Silvasoft takes one attachment per invoice.",
                ));
            }
        }
    }
    if out.is_empty() {
        Ok(())
    } else {
        Err(refuse_before_sending(out))
    }
}

fn customer(m: &mut Map<String, Value>, ident: &CustomerIdentification) {
    match ident {
        CustomerIdentification::Number(n) => {
            m.insert("CustomerNumber".into(), json!(n));
        }
        CustomerIdentification::NameAndEmail { name, email } => {
            m.insert("CustomerName".into(), json!(name));
            if let Some(e) = email {
                m.insert("CustomerEmail".into(), json!(e));
            }
        }
    }
}

fn line_description(description: &str, extra: &str) -> Option<String> {
    let parts: Vec<&str> = [description.trim(), extra.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n"))
}

/// The body of the POST for `module`. Run [`precheck`] first.
pub(super) fn body(
    inv: &OutgoingInvoice,
    module: SilvasoftModule,
    files: &[ResolvedFile],
) -> Result<Value> {
    let mut m = Map::new();
    customer(&mut m, &super::customer_identification(&inv.relation));
    m.insert("InvoiceDate".into(), json!(date(inv.issue_date)));
    if let Some(n) = invoice_number(inv)? {
        m.insert("InvoiceNumber".into(), json!(n));
    }
    if let Some(n) = notes(inv, module) {
        m.insert("InvoiceNotes".into(), json!(n));
    }
    let mut lines = Vec::with_capacity(inv.lines.len());
    match module {
        SilvasoftModule::Bookkeeping => {
            if let Some(url) = inv.extra_str("invoice_file_url") {
                m.insert("InvoiceFileUrl".into(), json!(url));
            }
            if let Some(project) = inv.extra_str("invoice_project") {
                m.insert("InvoiceProject".into(), json!(project));
                m.insert(
                    "SelectProjectBy".into(),
                    json!(inv.extra_str("select_project_by").unwrap_or("NUMBER")),
                );
            }
            for (i, l) in inv.lines.iter().enumerate() {
                let mut lm = Map::new();
                let Some(gross) = line_gross(inv, i) else {
                    return Err(refuse_before_sending(vec![issue(
                        format!("lines[{i}].unit_price"),
                        "Het regelbedrag is te groot voor Silvasoft.",
                        "The line amount is too large for Silvasoft.",
                    )]));
                };
                lm.insert("SubTotalInclTax".into(), money(gross));
                lm.insert("TaxPc".into(), plain(l.vat_percent));
                if let Some(d) = line_description(&l.description, &l.extra_description) {
                    lm.insert("Description".into(), json!(d));
                }
                for (key, wire) in [
                    ("cost_center", "CostCenter"),
                    ("ledger_account_number", "LedgerAccountNumber"),
                ] {
                    if let Some(v) = l.extra.get(key).map(|s| s.trim()).filter(|s| !s.is_empty()) {
                        lm.insert(wire.into(), json!(v));
                    }
                }
                lines.push(Value::Object(lm));
            }
        }
        SilvasoftModule::Invoicing => {
            m.insert("AddAsDraft".into(), json!(inv.extra_bool("add_as_draft")));
            if !inv.reference.trim().is_empty() {
                m.insert("InvoiceReference".into(), json!(inv.reference.trim()));
            }
            if let Some(v) = inv.extra_str("invoice_discount_pc") {
                if let Ok(d) = parse_decimal(v) {
                    m.insert("InvoiceDiscountPc".into(), plain(d));
                }
            }
            if let Some(v) = inv.extra_str("invoice_due_days") {
                if let Ok(d) = v.parse::<u32>() {
                    m.insert("InvoiceDueDays".into(), json!(d));
                }
            }
            if let Some(f) = files.first() {
                m.insert(FILE_NAME_FIELD.into(), json!(f.name));
                m.insert(FILE_CONTENT_FIELD.into(), json!(f.base64()));
            }
            for l in &inv.lines {
                let mut lm = Map::new();
                let code = l
                    .product
                    .as_ref()
                    .and_then(|p| p.code.as_deref())
                    .unwrap_or("")
                    .trim();
                lm.insert("ProductNumber".into(), json!(code));
                lm.insert("Quantity".into(), plain(l.quantity));
                lm.insert("UnitPriceExclTax".into(), money(l.unit_price));
                lm.insert("TaxPc".into(), plain(l.vat_percent));
                if let Some(d) = line_description(&l.description, &l.extra_description) {
                    lm.insert("Description".into(), json!(d));
                }
                lines.push(Value::Object(lm));
            }
        }
    }
    m.insert("Invoice_InvoiceLine".into(), Value::Array(lines));
    Ok(Value::Object(m))
}
