//! Checks before sending. Every problem names the form field it belongs to and says in
//! Dutch and English what to do.

use crate::backend::{Capabilities, FieldKind, FieldSpec};
use crate::error::FieldIssue;
use crate::fields::{self, HeaderKey};
use crate::i18n::Text;
use crate::invoice::{Discount, DiscountKind, Draft, DraftDiscount};
use crate::money::{parse_decimal, ParseError, MAX_INT_DIGITS};
use chrono::NaiveDate;
use rust_decimal::Decimal;

fn issue(field: impl Into<String>, nl: impl Into<String>, en: impl Into<String>) -> FieldIssue {
    FieldIssue {
        field: field.into(),
        message: Text::new(nl, en),
    }
}

fn number_issue(
    field: String,
    what_nl: &str,
    what_en: &str,
    e: &ParseError,
    dp: u32,
) -> FieldIssue {
    match e {
        ParseError::Empty => issue(
            field,
            format!("Vul {what_nl} in."),
            format!("Enter {what_en}."),
        ),
        ParseError::TooManyDecimals => issue(
            field,
            format!("Gebruik hoogstens {dp} decimalen voor {what_nl}."),
            format!("Use at most {dp} decimals for {what_en}."),
        ),
        // Short: it stands under a narrow field, often next to the same message on the price.
        ParseError::TooLarge => issue(
            field,
            format!("Te groot: hoogstens {MAX_INT_DIGITS} cijfers voor de komma."),
            format!("Too large: at most {MAX_INT_DIGITS} digits before the decimal point."),
        ),
        ParseError::NotANumber => issue(
            field,
            format!("Dat is geen getal; typ {what_nl} als bijvoorbeeld 12,50."),
            format!("That is not a number; type {what_en} like 12.50."),
        ),
    }
}

pub(crate) fn check_field(
    prefix: &str,
    spec: &FieldSpec,
    value: Option<&String>,
    required: bool,
    out: &mut Vec<FieldIssue>,
) {
    let field = format!("{prefix}{}", spec.key);
    let v = value.map(|s| s.trim()).unwrap_or("");
    if v.is_empty() {
        if required {
            out.push(issue(
                field,
                format!("Vul '{}' in.", spec.label.nl),
                format!("Fill in '{}'.", spec.label.en),
            ));
        }
        return;
    }
    match &spec.kind {
        FieldKind::Text { max_len: Some(max) } if v.chars().count() > *max => out.push(issue(
            field,
            format!("'{}' mag hoogstens {max} tekens hebben.", spec.label.nl),
            format!("'{}' can have at most {max} characters.", spec.label.en),
        )),
        FieldKind::Bool if v != "true" && v != "false" => {
            out.push(issue(field, "Kies ja of nee.", "Choose yes or no."))
        }
        FieldKind::Date if NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err() => out.push(issue(
            field,
            "Dat is geen geldige datum. Typ dag-maand-jaar, bijvoorbeeld 30-11-2026.",
            "That is not a valid date. Type day/month/year, for example 30/11/2026.",
        )),
        FieldKind::Number { max_dp } => match parse_decimal(v) {
            Ok(d) if d.normalize().scale() > *max_dp => out.push(number_issue(
                field,
                "dit veld",
                "this field",
                &ParseError::TooManyDecimals,
                *max_dp,
            )),
            Ok(_) => {}
            Err(e) => out.push(number_issue(field, "dit veld", "this field", &e, *max_dp)),
        },
        FieldKind::Url { extensions } => {
            let ok_scheme = v.starts_with("https://") || v.starts_with("http://");
            let path = v
                .split(['?', '#'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if !ok_scheme {
                out.push(issue(
                    field,
                    "Vul een volledig webadres in, beginnend met https://.",
                    "Enter a full web address, starting with https://.",
                ));
            } else if !extensions.is_empty()
                && !extensions
                    .iter()
                    .any(|e| path.ends_with(&e.to_ascii_lowercase()))
            {
                let list = extensions.join(" ");
                out.push(issue(
                    field,
                    format!("Het adres moet eindigen op een van: {list}"),
                    format!("The address must end in one of: {list}"),
                ));
            }
        }
        FieldKind::Choice { options } if !options.iter().any(|o| o.value == v) => out.push(issue(
            field,
            format!("Kies een waarde uit de lijst voor '{}'.", spec.label.nl),
            format!("Choose a value from the list for '{}'.", spec.label.en),
        )),
        _ => {}
    }
}

/// Everything that is wrong with a draft, per field. Empty: ready to send.
pub fn validate(draft: &Draft, caps: &Capabilities) -> Vec<FieldIssue> {
    let mut out = Vec::new();
    if caps.administrations
        && draft
            .administration_id
            .as_deref()
            .map(str::is_empty)
            .unwrap_or(true)
    {
        out.push(issue(
            "administration",
            "Kies een administratie.",
            "Choose an administration.",
        ));
    }
    match &draft.relation {
        None => out.push(issue(
            "relation",
            "Kies een relatie (klant).",
            "Choose a relation (customer).",
        )),
        Some(r) if r.archived => out.push(issue(
            "relation",
            "Deze relatie is gearchiveerd; kies een andere.",
            "This relation is archived; choose another.",
        )),
        _ => {}
    }
    if let Some(h) = caps.header_field(HeaderKey::IssueDate) {
        // Declared means required: the outgoing invoice carries a date.
        if draft.issue_date.trim().is_empty() {
            out.push(issue(
                "issue_date",
                format!("Vul de {} in.", h.label.nl.to_lowercase()),
                format!("Enter the {}.", h.label.en.to_lowercase()),
            ));
        } else if NaiveDate::parse_from_str(draft.issue_date.trim(), "%Y-%m-%d").is_err() {
            out.push(issue(
                "issue_date",
                "Dat is geen geldige datum. Typ dag-maand-jaar, bijvoorbeeld 30-11-2026.",
                "That is not a valid date. Type day/month/year, for example 30/11/2026.",
            ));
        }
    }
    if let Some(h) = caps.header_field(HeaderKey::Reference) {
        let n = draft.reference.trim().chars().count();
        if n == 0 && h.required {
            out.push(issue(
                "reference",
                format!("Vul '{}' in.", h.label.nl),
                format!("Fill in '{}'.", h.label.en),
            ));
        }
        if let Some(max) = h.max_len.filter(|max| n > *max) {
            out.push(issue(
                "reference",
                format!(
                    "'{}' mag hoogstens {max} tekens hebben; deze heeft er {n}.",
                    h.label.nl
                ),
                format!(
                    "'{}' can have at most {max} characters; this one has {n}.",
                    h.label.en
                ),
            ));
        }
    }
    if !caps.price_bases.contains(&draft.price_basis) {
        out.push(issue(
            "price_basis",
            "Dit systeem rekent niet met prijzen op deze basis.",
            "This system does not take prices on this basis.",
        ));
    }
    let filled: Vec<_> = draft.filled_lines().collect();
    if filled.is_empty() {
        out.push(issue(
            "lines",
            "Voeg minstens één regel toe.",
            "Add at least one line.",
        ));
    }
    if let Some(max) = caps.max_lines {
        if filled.len() > max {
            out.push(issue(
                "lines",
                format!(
                    "Dit systeem neemt hoogstens {max} regels per factuur; deze factuur heeft er {}.",
                    filled.len()
                ),
                format!(
                    "This system takes at most {max} lines per invoice; this one has {}.",
                    filled.len()
                ),
            ));
        }
    }
    for (i, l) in filled {
        let p = format!("lines[{i}].");
        if caps.product_required && l.product.is_none() {
            out.push(issue(
                format!("{p}product"),
                "Kies een artikel.",
                "Choose a product.",
            ));
        }
        if let Some(prod) = &l.product {
            if prod.archived {
                out.push(issue(
                    format!("{p}product"),
                    "Dit artikel is gearchiveerd.",
                    "This product is archived.",
                ));
            }
        }
        if !caps.product_required && l.product.is_none() && l.description.trim().is_empty() {
            out.push(issue(
                format!("{p}description"),
                "Vul een omschrijving in.",
                "Enter a description.",
            ));
        }
        if let Some(max) = caps.description_max_len {
            let n = l.description.trim().chars().count();
            if n > max {
                out.push(issue(
                    format!("{p}description"),
                    format!(
                        "Een omschrijving mag hoogstens {max} tekens hebben; deze heeft er {n}."
                    ),
                    format!("A description can have at most {max} characters; this one has {n}."),
                ));
            }
        }
        match parse_decimal(&l.quantity) {
            Ok(q) if q.normalize().scale() > caps.quantity_dp => out.push(number_issue(
                format!("{p}quantity"),
                "het aantal",
                "the quantity",
                &ParseError::TooManyDecimals,
                caps.quantity_dp,
            )),
            Ok(q) if q.is_zero() => out.push(issue(
                format!("{p}quantity"),
                "Het aantal mag niet 0 zijn.",
                "The quantity cannot be 0.",
            )),
            Ok(_) => {}
            Err(e) => out.push(number_issue(
                format!("{p}quantity"),
                "het aantal",
                "the quantity",
                &e,
                caps.quantity_dp,
            )),
        }
        match parse_decimal(&l.unit_price) {
            Ok(v) if v.normalize().scale() > caps.price_dp => out.push(number_issue(
                format!("{p}unit_price"),
                "de prijs",
                "the price",
                &ParseError::TooManyDecimals,
                caps.price_dp,
            )),
            Ok(_) => {}
            Err(e) => out.push(number_issue(
                format!("{p}unit_price"),
                "de prijs",
                "the price",
                &e,
                caps.price_dp,
            )),
        }
        if crate::vat::find(&caps.vat_rates, &l.vat_code).is_none() {
            out.push(issue(
                format!("{p}vat_code"),
                "Kies een btw-tarief dat deze administratie kent.",
                "Choose a VAT rate this administration has.",
            ));
        }
        for spec in &caps.line_fields {
            // A hidden field is not checked (and not sent).
            if !fields::shown(spec, draft, caps, Some(l)) {
                continue;
            }
            let required = fields::required(spec, draft, caps, Some(l));
            check_field(&p, spec, l.extra.get(&spec.key), required, &mut out);
        }
    }
    check_discounts(draft, caps, &mut out);
    for spec in &caps.header_fields {
        if !fields::shown(spec, draft, caps, None) {
            continue;
        }
        let required = fields::required(spec, draft, caps, None);
        check_field(
            "extra.",
            spec,
            draft.extra.get(&spec.key),
            required,
            &mut out,
        );
    }
    if !draft.attachments.is_empty() && !caps.attachments {
        out.push(issue(
            "attachments",
            "Dit systeem neemt geen bijlagen aan.",
            "This system does not take attachments.",
        ));
    }
    if let Some(max) = caps.max_attachment_bytes {
        for (i, a) in draft.attachments.iter().enumerate() {
            if a.size > max {
                out.push(issue(
                    format!("attachments[{i}]"),
                    format!(
                        "{} is te groot (hoogstens {} MB).",
                        a.file_name,
                        max / 1_000_000
                    ),
                    format!(
                        "{} is too large (at most {} MB).",
                        a.file_name,
                        max / 1_000_000
                    ),
                ));
            }
        }
    }
    out
}

/// Decimals a discount may have: cents for an amount, hundredths for a percentage.
const DISCOUNT_DP: u32 = 2;

/// Checks one typed discount against the amount it comes off (`base`, `None` when that cannot
/// be computed yet): a number with at most two decimals, an amount from 0 up to `base`, a
/// percentage from 0 to 100. Returns the amount it takes off when it is valid.
fn check_discount(
    field: String,
    d: &DraftDiscount,
    base: Option<Decimal>,
    what: (&str, &str),
    out: &mut Vec<FieldIssue>,
) -> Option<Decimal> {
    if d.value.trim().is_empty() {
        return Some(Decimal::ZERO);
    }
    let v = match parse_decimal(&d.value) {
        Ok(v) if v.normalize().scale() > DISCOUNT_DP => {
            out.push(number_issue(
                field,
                "de korting",
                "the discount",
                &ParseError::TooManyDecimals,
                DISCOUNT_DP,
            ));
            return None;
        }
        Ok(v) => v,
        Err(e) => {
            out.push(number_issue(
                field,
                "de korting",
                "the discount",
                &e,
                DISCOUNT_DP,
            ));
            return None;
        }
    };
    if v.is_sign_negative() && !v.is_zero() {
        out.push(issue(
            field,
            "Een korting kan niet negatief zijn.",
            "A discount cannot be negative.",
        ));
        return None;
    }
    match d.kind {
        DiscountKind::Percentage if v > Decimal::ONE_HUNDRED => {
            out.push(issue(
                field,
                "Een kortingspercentage ligt tussen 0 en 100.",
                "A discount percentage lies between 0 and 100.",
            ));
            None
        }
        DiscountKind::Amount => match base {
            Some(b) if v > b.max(Decimal::ZERO) => {
                let shown = crate::money::to_plain_2dp(b.max(Decimal::ZERO));
                out.push(issue(
                    field,
                    format!(
                        "De korting is groter dan {} (€ {}).",
                        what.0,
                        shown.replace('.', ",")
                    ),
                    format!("The discount is larger than {} (€{shown}).", what.1),
                ));
                None
            }
            Some(_) => Some(v),
            None => None,
        },
        DiscountKind::Percentage => {
            let b = base?;
            crate::totals::discount_amount(
                b,
                &Discount {
                    kind: d.kind,
                    value: v,
                },
            )
        }
    }
}

/// The discounts a system takes, checked: per line against the line's amount, on the invoice
/// against the lines' amounts after their own discounts. A discount the system does not take
/// is not checked (and not sent); the draft keeps it.
fn check_discounts(draft: &Draft, caps: &Capabilities, out: &mut Vec<FieldIssue>) {
    let mut subtotal = Some(Decimal::ZERO);
    for (i, l) in draft.filled_lines() {
        let amount = match (parse_decimal(&l.quantity), parse_decimal(&l.unit_price)) {
            (Ok(q), Ok(p)) => q
                .checked_mul(p)
                .map(crate::money::round_cents)
                .filter(|a| crate::money::within_max_amount(*a)),
            _ => None,
        };
        let off = match l.discount.as_ref().filter(|_| caps.discounts.line) {
            Some(d) => check_discount(
                format!("lines[{i}].discount"),
                d,
                amount,
                ("het regelbedrag", "the line amount"),
                out,
            ),
            None => Some(Decimal::ZERO),
        };
        subtotal = match (subtotal, amount, off) {
            (Some(s), Some(a), Some(o)) => a.checked_sub(o).and_then(|n| s.checked_add(n)),
            _ => None,
        };
    }
    if let Some(d) = draft.discount.as_ref().filter(|_| caps.discounts.invoice) {
        check_discount(
            "discount".into(),
            d,
            subtotal,
            ("het totaal van de regels", "the total of the lines"),
            out,
        );
    }
}
