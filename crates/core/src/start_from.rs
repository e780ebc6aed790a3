//! "Start from this invoice": a new draft on the same connection with the customer and the
//! lines of an invoice sent from here (History's outbox) or of one the system holds (History's
//! second view), so a clerk who bills the same customer every month types it once. Only for a
//! connection whose system takes invoices (has a writer).
//!
//! The customer is the relation the local cache (or the app's own address book) holds under
//! the invoice's customer id, as it is now; when there is none, the draft has no customer and
//! says so. Each line keeps its description, quantity and price; its VAT code is the system's
//! rate with the line's percentage (the line's own code first when it has that percentage);
//! its product is the cached product with the line's product id. The date is today's, the
//! reference and header fields start as for any new draft (an invoice number, a reference or a
//! period is never copied), and the new draft gets an identity of its own.

use crate::backend::{writer_of, Backend, Capabilities, Product};
use crate::desk::{self, DraftView};
use crate::error::{Error, ErrorCode, FieldIssue, Result};
use crate::i18n::{Lang, Text};
use crate::invoice::{Draft, DraftDiscount, DraftLine};
use crate::reader::InvoiceDetail;
use crate::store::Store;
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use uuid::Uuid;

// A draft started from an invoice, as the form shows it, and what the clerk should look at,
// each on its field (`relation`: the customer was not found here; `lines[i].vat_code`: the
// line's VAT rate is not one of the system's).
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct StartedDraft {
    pub view: DraftView,
    pub notes: Vec<FieldIssue>,
}

/// A line of the invoice started from, as read.
struct SourceLine {
    description: String,
    quantity: Decimal,
    unit_price: Decimal,
    vat_code: Option<String>,
    vat_percent: Option<Decimal>,
    product_id: Option<String>,
    /// Kept as sent (an invoice sent from here): the product, extra description, the line's
    /// declared fields and discount.
    product: Option<Product>,
    extra_description: String,
    extra: std::collections::BTreeMap<String, String>,
    discount: Option<DraftDiscount>,
}

/// The invoice started from.
struct Source {
    administration: Option<String>,
    customer_id: Option<String>,
    customer_name: String,
    address_id: Option<String>,
    price_basis: Option<crate::totals::PriceBasis>,
    /// The decimals the invoice's prices have, when the system says.
    price_decimals: Option<u32>,
    lines: Vec<SourceLine>,
}

/// A number as a clerk types it in the form: a decimal comma in Dutch, no thousands
/// separators, at least `min_dp` decimals, trailing zeros beyond them dropped.
fn typed(d: Decimal, lang: Lang, min_dp: u32) -> String {
    let mut d = d.normalize();
    if d.scale() < min_dp {
        d.rescale(min_dp);
    }
    let s = d.to_string();
    match lang {
        Lang::Nl => s.replace('.', ","),
        Lang::En => s,
    }
}

fn round(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp.min(20), RoundingStrategy::MidpointAwayFromZero)
}

/// The system's VAT code for a line: with the line's percentage (its own code first when that
/// code has the percentage), or its own code when no percentage is known.
fn vat_code_for(
    caps: &Capabilities,
    code: Option<&str>,
    percent: Option<Decimal>,
) -> Option<String> {
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    match percent {
        Some(p) => {
            let with: Vec<_> = caps.vat_rates.iter().filter(|r| r.percent == p).collect();
            with.iter()
                .find(|r| Some(r.code.as_str()) == code)
                .or_else(|| with.first())
                .map(|r| r.code.clone())
        }
        None => caps
            .vat_rates
            .iter()
            .find(|r| Some(r.code.as_str()) == code)
            .map(|r| r.code.clone()),
    }
}

/// Builds, saves and evaluates the new draft.
fn start(
    store: &Store,
    backend: &dyn Backend,
    caps: &Capabilities,
    connection_id: &str,
    src: Source,
    lang: Lang,
    today: NaiveDate,
) -> Result<StartedDraft> {
    let mut notes = Vec::new();
    let mut draft = Draft::new(connection_id, caps, today);
    draft.administration_id = if caps.administrations {
        src.administration
            .clone()
            .filter(|a| !a.is_empty())
            .or_else(|| {
                desk::connection(store, connection_id)
                    .ok()
                    .and_then(|c| c.administration_id)
            })
    } else {
        None
    };
    let admin = draft.administration_id.clone().unwrap_or_default();
    match src.price_basis {
        Some(basis) if caps.price_bases.contains(&basis) => draft.price_basis = basis,
        Some(_) => notes.push(FieldIssue {
            field: "price_basis".into(),
            message: Text::new(
                "De prijzen van deze factuur staan op een andere grondslag (incl. of excl. btw) dan dit systeem neemt; controleer ze.",
                "This invoice's prices are on another basis (incl. or excl. VAT) than this system takes; check them.",
            ),
        }),
        None => {}
    }

    let found = match src.customer_id.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(id) => desk::relation_by_id(store, Some(caps), connection_id, &admin, id)?,
        None => None,
    };
    match found {
        Some(r) => {
            draft.relation = Some(r);
            if caps.addresses {
                draft.address_id = src.address_id.clone();
            }
        }
        None => {
            let name = src.customer_name.trim();
            notes.push(FieldIssue {
                field: "relation".into(),
                message: if name.is_empty() {
                    Text::new(
                        "De klant van deze factuur is hier niet gevonden; kies een klant.",
                        "The customer of this invoice was not found here; choose a customer.",
                    )
                } else {
                    Text::new(
                        format!("De klant van deze factuur ({name}) is hier niet gevonden; kies een klant."),
                        format!("The customer of this invoice ({name}) was not found here; choose a customer."),
                    )
                },
            });
        }
    }

    let product_scope = caps.product_scope(Some(admin.as_str())).map(str::to_string);
    let mut lines = Vec::new();
    for (i, l) in src.lines.into_iter().enumerate() {
        let n = i + 1;
        let mut line = DraftLine::new(caps);
        line.description = l.description;
        // What the system says about the decimals first, then what the form takes.
        let price = src
            .price_decimals
            .map_or(l.unit_price, |dp| round(l.unit_price, dp));
        let kept_price = round(price, caps.price_dp);
        let kept_quantity = round(l.quantity, caps.quantity_dp);
        if kept_price != price.normalize() || kept_quantity != l.quantity.normalize() {
            notes.push(FieldIssue {
                field: format!("lines[{i}].unit_price"),
                message: Text::new(
                    format!("Regel {n}: prijs of aantal afgerond op wat dit systeem aanneemt; controleer het bedrag."),
                    format!("Line {n}: price or quantity rounded to what this system takes; check the amount."),
                ),
            });
        }
        line.quantity = typed(kept_quantity, lang, 0);
        line.unit_price = typed(kept_price, lang, 2);
        line.vat_code = match vat_code_for(caps, l.vat_code.as_deref(), l.vat_percent) {
            Some(code) => code,
            None => {
                let what = l
                    .vat_percent
                    .map(|p| format!("{} %", typed(p, lang, 0)))
                    .or(l.vat_code.clone())
                    .unwrap_or_default();
                notes.push(FieldIssue {
                    field: format!("lines[{i}].vat_code"),
                    message: if what.is_empty() {
                        Text::new(
                            format!("Regel {n}: het btw-tarief is niet bekend; kies er een."),
                            format!("Line {n}: the VAT rate is not known; choose one."),
                        )
                    } else {
                        Text::new(
                            format!("Regel {n}: btw {what} is geen tarief van dit systeem; kies er een."),
                            format!("Line {n}: VAT {what} is not a rate of this system; choose one."),
                        )
                    },
                });
                String::new()
            }
        };
        let product_id = l
            .product
            .as_ref()
            .map(|p| p.id.clone())
            .or(l.product_id)
            .filter(|p| !p.trim().is_empty());
        line.product = match (&product_scope, product_id) {
            (Some(scope), Some(pid)) => store.product(connection_id, scope, &pid)?.or(l.product),
            _ => l.product,
        };
        line.extra_description = l.extra_description;
        for (k, v) in l.extra {
            if caps.line_fields.iter().any(|f| f.key == k) {
                line.extra.insert(k, v);
            }
        }
        if caps.discounts.line {
            line.discount = l.discount;
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(DraftLine::new(caps));
    }
    draft.lines = lines;
    store.save_draft(&draft)?;
    Ok(StartedDraft {
        view: desk::draft_view(store, backend, draft, caps),
        notes,
    })
}

/// A new draft from an invoice sent from here (an entry of History's outbox), with the
/// customer and lines it was sent with.
pub fn start_from_sent(
    store: &Store,
    backend: &dyn Backend,
    caps: &Capabilities,
    connection_id: &str,
    draft_id: Uuid,
    lang: Lang,
    today: NaiveDate,
) -> Result<StartedDraft> {
    writer_of(backend)?;
    let entry = store
        .outbox_entry(draft_id)?
        .filter(|e| e.connection_id == connection_id)
        .ok_or_else(desk::invoice_not_found)?;
    let Some(inv) = entry.payload else {
        let t = crate::store::unreadable_payload();
        return Err(Error::new(ErrorCode::Validation, t.nl, t.en));
    };
    let recipient = inv.relation.clone();
    let src = Source {
        administration: Some(inv.administration_id.clone()),
        customer_id: Some(recipient.id.clone()),
        customer_name: recipient.name.clone(),
        address_id: inv.address_id.clone(),
        price_basis: Some(inv.price_basis),
        price_decimals: None,
        lines: inv
            .lines
            .into_iter()
            .map(|l| SourceLine {
                description: l.description,
                quantity: l.quantity,
                unit_price: l.unit_price,
                vat_code: Some(l.vat_code),
                vat_percent: Some(l.vat_percent),
                product_id: None,
                product: l.product,
                extra_description: l.extra_description,
                extra: l.extra,
                discount: l.discount.map(|d| DraftDiscount {
                    kind: d.kind,
                    value: typed(d.value, lang, 0),
                }),
            })
            .collect(),
    };
    start(store, backend, caps, connection_id, src, lang, today)
}

/// A new draft from an invoice the system holds (opened in History's second view): the
/// invoice is read again, its customer found in the cache by the system's id.
#[allow(clippy::too_many_arguments)]
pub async fn start_from_remote(
    store: &Store,
    backend: &dyn Backend,
    caps: &Capabilities,
    connection_id: &str,
    administration: &str,
    invoice_id: &str,
    lang: Lang,
    today: NaiveDate,
) -> Result<StartedDraft> {
    writer_of(backend)?;
    let detail: InvoiceDetail = crate::reading::open_invoice(
        store,
        backend,
        caps,
        connection_id,
        administration,
        invoice_id,
    )
    .await?;
    // An invoice of one rate says it once, in its VAT breakdown, rather than on each line.
    let only_rate = match detail.vat.as_slice() {
        [one] => Some(one.percentage),
        _ => None,
    };
    let src = Source {
        administration: Some(administration.to_string()),
        customer_id: detail.summary.customer_id.clone(),
        customer_name: detail.summary.customer.clone(),
        address_id: None,
        price_basis: Some(crate::totals::PriceBasis::ExclVat),
        price_decimals: detail.price_decimals,
        lines: detail
            .lines
            .into_iter()
            .map(|l| SourceLine {
                description: l.description,
                quantity: l.quantity,
                unit_price: l.unit_price,
                vat_percent: l.vat_percent.or(if l.vat_code.is_none() {
                    only_rate
                } else {
                    None
                }),
                vat_code: l.vat_code,
                product_id: l.product_id,
                product: None,
                extra_description: String::new(),
                extra: Default::default(),
                discount: None,
            })
            .collect(),
    };
    start(store, backend, caps, connection_id, src, lang, today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_typed_as_the_clerk_would() {
        assert_eq!(typed(Decimal::new(12_500, 3), Lang::Nl, 2), "12,50");
        assert_eq!(typed(Decimal::new(12_500, 3), Lang::En, 2), "12.50");
        assert_eq!(typed(Decimal::new(2_000, 3), Lang::Nl, 0), "2");
        assert_eq!(typed(Decimal::new(-15, 1), Lang::Nl, 0), "-1,5");
        assert_eq!(typed(Decimal::new(123_456, 4), Lang::En, 2), "12.3456");
    }
}
