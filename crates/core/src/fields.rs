//! Fields that depend on other fields, the header a system declares, and the invoice "as it
//! would go out now" that a system's pre-send check reads.
//!
//! - A [`Condition`] names another field and the values under which a field is shown
//!   (`FieldSpec::shown_when`) or required (`FieldSpec::required_when`). A hidden field is not
//!   validated and not sent; the draft keeps its value, so switching back loses nothing.
//! - A system declares the standard header fields it has ([`HeaderField`]: the invoice or
//!   supply date, the reference, the price basis) in `Capabilities::header`; an empty list is
//!   the header every system had before ([`default_header`]).
//! - [`provisional`] is the invoice a draft would become if it were sent now, built leniently
//!   (what does not parse yet is zero), so a system's rules can run while the clerk types; the
//!   same rules run again on the real outgoing invoice at send time.

use crate::backend::{Capabilities, FieldSpec, Relation, RelationKind};
use crate::error::FieldIssue;
use crate::i18n::Text;
use crate::invoice::{draft_field, Draft, DraftLine, OutgoingInvoice, OutgoingLine};
use crate::money::parse_decimal;
use crate::totals::{PriceBasis, Totals};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// "Only when field `field` has one of `values`"; with no values: "only when `field` is
/// filled in". `field` is another field's key: a header field's (`extra` key), a standard key
/// ([`ISSUE_DATE`], [`REFERENCE`], [`PRICE_BASIS`], [`ADMINISTRATION`], [`RELATION`]), or for a
/// line field another line field's key of the same line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Condition {
    pub field: String,
    pub values: Vec<String>,
}

impl Condition {
    pub fn new(field: &str, values: &[&str]) -> Self {
        Condition {
            field: field.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    /// Whether the condition holds for the other field's value (`None`: empty or hidden).
    pub fn holds(&self, value: Option<&str>) -> bool {
        let v = value.map(str::trim).unwrap_or("");
        if self.values.is_empty() {
            !v.is_empty()
        } else {
            self.values.iter().any(|x| x.trim() == v)
        }
    }
}

/// Standard keys a condition can name.
pub const ISSUE_DATE: &str = "issue_date";
pub const REFERENCE: &str = "reference";
pub const PRICE_BASIS: &str = "price_basis";
pub const ADMINISTRATION: &str = "administration";
pub const RELATION: &str = "relation";

/// A standard field of the invoice header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum HeaderKey {
    /// The draft's `issue_date`: the invoice date, or the supply date of a system that has
    /// only that (the label says which). When declared it is always required: the outgoing
    /// invoice carries a date.
    IssueDate,
    /// The draft's `reference`.
    Reference,
    /// The choice between prices excluding and including VAT (shown when the system takes
    /// more than one basis).
    PriceBasis,
}

impl HeaderKey {
    pub fn as_str(self) -> &'static str {
        match self {
            HeaderKey::IssueDate => ISSUE_DATE,
            HeaderKey::Reference => REFERENCE,
            HeaderKey::PriceBasis => PRICE_BASIS,
        }
    }
}

/// A standard header field a system has. One that is not declared is absent: not shown, not
/// validated, not sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct HeaderField {
    pub key: HeaderKey,
    pub label: Text,
    pub required: bool,
    /// Most characters the system takes (text fields).
    pub max_len: Option<usize>,
    pub help: Option<Text>,
}

impl HeaderField {
    /// "Factuurdatum / Invoice date", required.
    pub fn invoice_date() -> Self {
        HeaderField {
            key: HeaderKey::IssueDate,
            label: Text::new("Factuurdatum", "Invoice date"),
            required: true,
            max_len: None,
            help: None,
        }
    }
    /// "Leverdatum / Supply date", required: for a system that has a supply date and no
    /// invoice date.
    pub fn supply_date() -> Self {
        HeaderField {
            label: Text::new("Leverdatum", "Supply date"),
            ..HeaderField::invoice_date()
        }
    }
    /// "Referentie / Reference", optional, at most `max_len` characters when given.
    pub fn reference(max_len: Option<usize>) -> Self {
        HeaderField {
            key: HeaderKey::Reference,
            label: Text::new("Referentie", "Reference"),
            required: false,
            max_len,
            help: None,
        }
    }
    /// The price basis choice.
    pub fn price_basis() -> Self {
        HeaderField {
            key: HeaderKey::PriceBasis,
            label: Text::new("Prijzen", "Prices"),
            required: true,
            max_len: None,
            help: None,
        }
    }
}

/// The header of a system that declares none: invoice date, optional reference, price basis.
pub fn default_header() -> Vec<HeaderField> {
    vec![
        HeaderField::invoice_date(),
        HeaderField::reference(None),
        HeaderField::price_basis(),
    ]
}

impl Capabilities {
    /// The standard header fields the system has: its declaration, or [`default_header`].
    pub fn declared_header(&self) -> Vec<HeaderField> {
        if self.header.is_empty() {
            default_header()
        } else {
            self.header.clone()
        }
    }

    /// One standard header field, when the system has it.
    pub fn header_field(&self, key: HeaderKey) -> Option<HeaderField> {
        if self.header.is_empty() {
            default_header().into_iter().find(|h| h.key == key)
        } else {
            self.header.iter().find(|h| h.key == key).cloned()
        }
    }
}

/// How deep a chain of conditions is followed (a field shown when a field is shown when …);
/// a longer chain, or a cycle, counts as not shown.
const MAX_DEPTH: u32 = 8;

fn price_basis_str(b: PriceBasis) -> &'static str {
    match b {
        PriceBasis::ExclVat => "excl_vat",
        PriceBasis::InclVat => "incl_vat",
    }
}

/// The value of a header field by key, `None` when it is empty, hidden or unknown.
fn header_value(draft: &Draft, caps: &Capabilities, key: &str, depth: u32) -> Option<String> {
    let standard = match key {
        ISSUE_DATE => Some(draft.issue_date.clone()),
        REFERENCE => Some(draft.reference.clone()),
        PRICE_BASIS => Some(price_basis_str(draft.price_basis).to_string()),
        ADMINISTRATION => draft.administration_id.clone(),
        RELATION => draft.relation.as_ref().map(|r| r.id.clone()),
        _ => None,
    };
    if let Some(v) = standard {
        return Some(v).filter(|v| !v.trim().is_empty());
    }
    if let Some(spec) = caps.header_fields.iter().find(|f| f.key == key) {
        if !shown_at(spec, draft, caps, None, depth.saturating_add(1)) {
            return None;
        }
    }
    draft
        .extra
        .get(key)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The value a condition of a field looks at: for a line field, the same line's field of
/// that key first, then the header.
fn condition_value(
    cond: &Condition,
    draft: &Draft,
    caps: &Capabilities,
    line: Option<&DraftLine>,
    depth: u32,
) -> Option<String> {
    if let Some(l) = line {
        if let Some(spec) = caps.line_fields.iter().find(|f| f.key == cond.field) {
            if !shown_at(spec, draft, caps, Some(l), depth.saturating_add(1)) {
                return None;
            }
            return l
                .extra
                .get(&cond.field)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty());
        }
    }
    header_value(draft, caps, &cond.field, depth)
}

fn shown_at(
    spec: &FieldSpec,
    draft: &Draft,
    caps: &Capabilities,
    line: Option<&DraftLine>,
    depth: u32,
) -> bool {
    let Some(cond) = &spec.shown_when else {
        return true;
    };
    if depth >= MAX_DEPTH {
        return false;
    }
    cond.holds(condition_value(cond, draft, caps, line, depth).as_deref())
}

/// Whether a declared field is shown for this draft (and line, for a line field).
pub fn shown(
    spec: &FieldSpec,
    draft: &Draft,
    caps: &Capabilities,
    line: Option<&DraftLine>,
) -> bool {
    shown_at(spec, draft, caps, line, 0)
}

/// Whether a declared field must be filled in: shown, and required always or under its
/// condition.
pub fn required(
    spec: &FieldSpec,
    draft: &Draft,
    caps: &Capabilities,
    line: Option<&DraftLine>,
) -> bool {
    if !shown(spec, draft, caps, line) {
        return false;
    }
    spec.required
        || spec
            .required_when
            .as_ref()
            .is_some_and(|c| c.holds(condition_value(c, draft, caps, line, 0).as_deref()))
}

/// The header extras that go out: hidden fields dropped, undeclared keys kept as they are.
pub fn outgoing_extra(draft: &Draft, caps: &Capabilities) -> BTreeMap<String, String> {
    let mut out = draft.extra.clone();
    for spec in &caps.header_fields {
        if !shown(spec, draft, caps, None) {
            out.remove(&spec.key);
        }
    }
    out
}

/// A line's extras that go out: hidden fields dropped.
pub fn outgoing_line_extra(
    draft: &Draft,
    caps: &Capabilities,
    line: &DraftLine,
) -> BTreeMap<String, String> {
    let mut out = line.extra.clone();
    for spec in &caps.line_fields {
        if !shown(spec, draft, caps, Some(line)) {
            out.remove(&spec.key);
        }
    }
    out
}

/// The date that goes out for a system without a date field: the typed one when it parses,
/// else the day the draft was last saved.
pub fn outgoing_date(draft: &Draft, caps: &Capabilities) -> Option<chrono::NaiveDate> {
    let parsed = chrono::NaiveDate::parse_from_str(draft.issue_date.trim(), "%Y-%m-%d").ok();
    match caps.header_field(HeaderKey::IssueDate) {
        Some(_) => parsed,
        None => parsed.or(Some(draft.updated_at.date_naive())),
    }
}

/// The invoice the draft would become if it were sent now, built without failing: a number
/// that does not parse yet is zero, an unknown VAT code has 0 %, a missing relation is blank.
/// Hidden fields are left out as at send time. For a system's pre-send check while the clerk
/// types; what the form already reports about these fields it reports itself.
pub fn provisional(draft: &Draft, caps: &Capabilities) -> OutgoingInvoice {
    let lines = draft
        .filled_lines()
        .map(|(_, l)| {
            let rate = crate::vat::find(&caps.vat_rates, &l.vat_code);
            OutgoingLine {
                discount: crate::invoice::outgoing_discount(
                    l.discount.as_ref(),
                    caps.discounts.line,
                ),
                product: l.product.clone(),
                description: l.description.trim().to_string(),
                quantity: parse_decimal(&l.quantity).unwrap_or(Decimal::ZERO),
                unit_price: parse_decimal(&l.unit_price).unwrap_or(Decimal::ZERO),
                vat_code: rate
                    .map(|r| r.code.clone())
                    .unwrap_or_else(|| l.vat_code.clone()),
                vat_percent: rate.map(|r| r.percent).unwrap_or(Decimal::ZERO),
                extra_description: l.extra_description.trim().to_string(),
                extra: outgoing_line_extra(draft, caps, l),
            }
        })
        .collect();
    OutgoingInvoice {
        discount: crate::invoice::outgoing_discount(
            draft.discount.as_ref(),
            caps.discounts.invoice,
        ),
        recipient: draft.recipient.clone(),
        identity: draft.identity,
        draft_id: draft.id,
        administration_id: draft.administration_id.clone().unwrap_or_default(),
        relation: draft.relation.clone().unwrap_or_else(|| Relation {
            id: String::new(),
            kind: RelationKind::Unknown,
            name: String::new(),
            number: None,
            email: None,
            city: None,
            vat_number: None,
            archived: false,
        }),
        address_id: draft.address_id.clone(),
        issue_date: outgoing_date(draft, caps).unwrap_or(draft.updated_at.date_naive()),
        reference: if caps.header_field(HeaderKey::Reference).is_some() {
            draft.reference.trim().to_string()
        } else {
            String::new()
        },
        price_basis: draft.price_basis,
        lines,
        attachments: draft
            .attachments
            .iter()
            .map(|a| a.remote_ref.clone().unwrap_or_else(|| a.id.to_string()))
            .collect(),
        extra: outgoing_extra(draft, caps),
        totals: Totals::default(),
    }
}

/// Runs a system's send-time check on the [`provisional`] invoice and puts its messages on
/// the draft's fields (line numbers of the invoice become the draft's rows).
pub fn precheck_draft(
    draft: &Draft,
    caps: &Capabilities,
    check: impl FnOnce(&OutgoingInvoice) -> crate::error::Result<()>,
) -> Vec<FieldIssue> {
    let inv = provisional(draft, caps);
    match check(&inv) {
        Ok(()) => Vec::new(),
        Err(e) => {
            let mut fields = e.fields;
            if fields.is_empty() {
                fields.push(FieldIssue {
                    field: e.field.unwrap_or_else(|| "lines".into()),
                    message: e.message,
                });
            }
            fields
                .into_iter()
                .map(|f| FieldIssue {
                    field: draft_field(draft, &f.field),
                    message: f.message,
                })
                .collect()
        }
    }
}

/// Adds a system's pre-send issues to the form's: each on its field, unless the form already
/// has a message there (the same rule said twice helps nobody).
pub fn merge_issues(issues: &mut Vec<FieldIssue>, extra: Vec<FieldIssue>) {
    let taken: std::collections::BTreeSet<String> =
        issues.iter().map(|i| i.field.clone()).collect();
    issues.extend(extra.into_iter().filter(|f| !taken.contains(&f.field)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{Choice, FieldKind, SystemId};
    use crate::invoice::{evaluate, to_outgoing};
    use crate::totals::Rounding;
    use proptest::prelude::*;

    /// A made-up system: a status choice, e-mail details shown and required when the status is
    /// `issued` or `paid`, payment details required (and shown) only when `paid`.
    fn caps() -> Capabilities {
        let text = |key: &str, nl: &str, en: &str| FieldSpec {
            key: key.into(),
            label: Text::new(nl, en),
            kind: FieldKind::Text { max_len: Some(20) },
            required: false,
            default: None,
            help: None,
            shown_when: None,
            required_when: None,
        };
        Capabilities {
            discounts: Default::default(),
            test_mode: false,
            kind: SystemId::new("made-up"),
            vat_rates: crate::vat::dutch_rates(),
            rounding: Rounding::PerTotal,
            price_bases: vec![PriceBasis::ExclVat],
            product_required: false,
            line_texts: Default::default(),
            quantity_dp: 0,
            price_dp: 2,
            max_lines: None,
            administrations: false,
            administration_label: None,
            addresses: false,
            attachments: false,
            max_attachment_bytes: None,
            creates_invoices: true,
            header_fields: vec![
                FieldSpec {
                    kind: FieldKind::Choice {
                        options: vec![
                            Choice::new("draft", "Concept", "Draft"),
                            Choice::new("issued", "Verstuurd", "Issued"),
                            Choice::new("paid", "Betaald", "Paid"),
                        ],
                    },
                    required: true,
                    default: Some("draft".into()),
                    ..text("status", "Status", "Status")
                },
                FieldSpec {
                    shown_when: Some(Condition::new("status", &["issued", "paid"])),
                    required_when: Some(Condition::new("status", &["issued"])),
                    ..text("email_subject", "Onderwerp e-mail", "E-mail subject")
                },
                FieldSpec {
                    shown_when: Some(Condition::new("status", &["paid"])),
                    required: true,
                    ..text("payment_source", "Betaalbron", "Payment source")
                },
            ],
            line_fields: vec![
                text("unit", "Eenheid", "Unit"),
                FieldSpec {
                    shown_when: Some(Condition::new("unit", &[])),
                    required: true,
                    ..text("unit_note", "Toelichting eenheid", "Unit note")
                },
            ],
            app_numbering: None,
            matches_customer_by_name: false,
            relations_per_administration: true,
            products_per_administration: true,
            header: vec![HeaderField::supply_date()],
            description_max_len: Some(100),
            lists: vec![],
            relations: Default::default(),
            system_name: "Made-up".into(),
        }
    }

    fn draft(c: &Capabilities) -> Draft {
        let mut d = Draft::new(
            "c1",
            c,
            chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        );
        d.relation = Some(Relation {
            id: "r1".into(),
            kind: RelationKind::Organisation,
            name: "Acme".into(),
            number: None,
            email: None,
            city: None,
            vat_number: None,
            archived: false,
        });
        d.lines[0].description = "Advies".into();
        d.lines[0].unit_price = "10".into();
        d
    }

    fn fields_with_issues(d: &Draft, c: &Capabilities) -> Vec<String> {
        evaluate(d, c).issues.into_iter().map(|i| i.field).collect()
    }

    #[test]
    fn a_field_shown_when_the_status_is_issued_appears_only_then_and_is_required_then() {
        let c = caps();
        let mut d = draft(&c);
        let spec = &c.header_fields[1];
        assert!(!shown(spec, &d, &c, None));
        assert!(!required(spec, &d, &c, None));
        assert!(
            fields_with_issues(&d, &c).is_empty(),
            "a draft invoice needs no e-mail"
        );

        d.extra.insert("status".into(), "issued".into());
        assert!(shown(spec, &d, &c, None));
        assert!(required(spec, &d, &c, None));
        let ev = evaluate(&d, &c);
        let issue = ev
            .issues
            .iter()
            .find(|i| i.field == "extra.email_subject")
            .expect("required when issued");
        assert_eq!(issue.message.nl, "Vul 'Onderwerp e-mail' in.");
        assert_eq!(issue.message.en, "Fill in 'E-mail subject'.");

        // Shown when paid, but required only when issued.
        d.extra.insert("status".into(), "paid".into());
        assert!(shown(spec, &d, &c, None));
        assert!(!required(spec, &d, &c, None));
        assert_eq!(fields_with_issues(&d, &c), vec!["extra.payment_source"]);
    }

    #[test]
    fn a_hidden_field_is_not_validated() {
        let c = caps();
        let mut d = draft(&c);
        // Far too long for its 20 characters, but hidden while the status is draft.
        d.extra.insert("email_subject".into(), "x".repeat(50));
        assert!(fields_with_issues(&d, &c).is_empty());
        d.extra.insert("status".into(), "issued".into());
        assert_eq!(fields_with_issues(&d, &c), vec!["extra.email_subject"]);
    }

    #[test]
    fn a_hidden_field_is_not_sent_and_the_draft_keeps_its_value() {
        let c = caps();
        let mut d = draft(&c);
        d.extra.insert("status".into(), "issued".into());
        d.extra.insert("email_subject".into(), "Uw factuur".into());
        let sent = to_outgoing(&d, &c).unwrap();
        assert_eq!(sent.extra_str("email_subject"), Some("Uw factuur"));

        d.extra.insert("status".into(), "draft".into());
        let sent = to_outgoing(&d, &c).unwrap();
        assert_eq!(sent.extra_str("email_subject"), None);
        assert_eq!(sent.extra_str("status"), Some("draft"));
        assert_eq!(
            d.extra["email_subject"], "Uw factuur",
            "switching back loses nothing"
        );
    }

    #[test]
    fn a_line_field_follows_a_field_of_its_own_line() {
        let c = caps();
        let mut d = draft(&c);
        d.lines[0].extra.insert("unit_note".into(), "x".repeat(30));
        let note = &c.line_fields[1];
        assert!(!shown(note, &d, &c, Some(&d.lines[0])));
        assert!(fields_with_issues(&d, &c).is_empty());
        assert!(!to_outgoing(&d, &c).unwrap().lines[0]
            .extra
            .contains_key("unit_note"));
        d.lines[0].extra.insert("unit".into(), "uur".into());
        assert_eq!(fields_with_issues(&d, &c), vec!["lines[0].unit_note"]);
    }

    #[test]
    fn a_field_whose_condition_names_a_hidden_field_is_hidden_too_and_a_cycle_ends() {
        let mut c = caps();
        // payment_source shown when email_subject is filled, which is hidden unless issued/paid.
        c.header_fields[2].shown_when = Some(Condition::new("email_subject", &[]));
        let mut d = draft(&c);
        d.extra.insert("email_subject".into(), "kept".into());
        assert!(!shown(&c.header_fields[2], &d, &c, None));
        d.extra.insert("status".into(), "issued".into());
        assert!(shown(&c.header_fields[2], &d, &c, None));
        // A cycle: each shown when the other is filled.
        c.header_fields[1].shown_when = Some(Condition::new("payment_source", &[]));
        d.extra.insert("payment_source".into(), "manual".into());
        assert!(!shown(&c.header_fields[1], &d, &c, None));
        assert!(!shown(&c.header_fields[2], &d, &c, None));
    }

    #[test]
    fn a_supply_date_only_header_asks_for_the_supply_date_and_sends_no_reference() {
        let c = caps();
        let mut d = draft(&c);
        d.reference = "typed before the connection changed".into();
        d.issue_date = String::new();
        let ev = evaluate(&d, &c);
        let issue = ev.issues.iter().find(|i| i.field == "issue_date").unwrap();
        assert_eq!(issue.message.nl, "Vul de leverdatum in.");
        assert_eq!(issue.message.en, "Enter the supply date.");
        d.issue_date = "2026-03-02".into();
        assert_eq!(to_outgoing(&d, &c).unwrap().reference, "");
        assert_eq!(c.header_field(HeaderKey::Reference), None);
        assert!(c.header_field(HeaderKey::PriceBasis).is_none());
    }

    #[test]
    fn a_declared_reference_length_and_description_length_are_checked_as_typed() {
        let mut c = caps();
        c.header = vec![HeaderField::invoice_date(), HeaderField::reference(Some(5))];
        let mut d = draft(&c);
        d.reference = "123456".into();
        d.lines[0].description = "é".repeat(101);
        let ev = evaluate(&d, &c);
        let msg = |f: &str| {
            ev.issues
                .iter()
                .find(|i| i.field == f)
                .map(|i| i.message.en.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            msg("reference"),
            "'Reference' can have at most 5 characters; this one has 6."
        );
        assert_eq!(
            msg("lines[0].description"),
            "A description can have at most 100 characters; this one has 101."
        );
        d.reference = "12345".into();
        d.lines[0].description = "é".repeat(100);
        assert!(fields_with_issues(&d, &c).is_empty());
    }

    #[test]
    fn without_a_declared_header_the_form_is_as_before() {
        let mut c = caps();
        c.header = Vec::new();
        assert_eq!(c.declared_header(), default_header());
        let mut d = draft(&c);
        d.issue_date = String::new();
        let ev = evaluate(&d, &c);
        let issue = ev.issues.iter().find(|i| i.field == "issue_date").unwrap();
        assert_eq!(issue.message.nl, "Vul de factuurdatum in.");
        assert_eq!(issue.message.en, "Enter the invoice date.");
        d.issue_date = "2026-03-02".into();
        d.reference = " PO-1 ".into();
        assert_eq!(to_outgoing(&d, &c).unwrap().reference, "PO-1");
    }

    #[test]
    fn pre_send_issues_land_on_draft_rows_and_do_not_repeat_a_field_the_form_reports() {
        let c = caps();
        let mut d = draft(&c);
        // Row 0 is blank: the invoice's line 0 is the draft's row 1.
        d.lines.insert(0, crate::invoice::DraftLine::new(&c));
        let issues = precheck_draft(&d, &c, |inv| {
            assert_eq!(inv.lines.len(), 1);
            Err(
                crate::error::Error::new(crate::error::ErrorCode::Validation, "x", "x")
                    .with_fields(vec![
                        FieldIssue {
                            field: "lines[0].quantity".into(),
                            message: Text::new("heel", "whole"),
                        },
                        FieldIssue {
                            field: "relation".into(),
                            message: Text::new("r", "r"),
                        },
                    ]),
            )
        });
        assert_eq!(issues[0].field, "lines[1].quantity");
        let mut form = vec![FieldIssue {
            field: "relation".into(),
            message: Text::new("form", "form"),
        }];
        merge_issues(&mut form, issues);
        assert_eq!(
            form.iter().map(|i| i.field.as_str()).collect::<Vec<_>>(),
            vec!["relation", "lines[1].quantity"]
        );
        assert_eq!(form[0].message.en, "form");
    }

    const KEYS: &[&str] = &[
        "status",
        "email_subject",
        "payment_source",
        "a",
        "",
        ISSUE_DATE,
        REFERENCE,
        PRICE_BASIS,
        ADMINISTRATION,
        RELATION,
    ];
    const VALUES: &[&str] = &[
        "",
        "issued",
        "paid",
        "draft",
        " ",
        "excl_vat",
        "ü",
        "2026-03-02",
    ];

    fn condition() -> impl Strategy<Value = Option<Condition>> {
        proptest::option::of(
            (
                proptest::sample::select(KEYS),
                proptest::collection::vec(proptest::sample::select(VALUES), 0..3),
            )
                .prop_map(|(k, vs)| Condition::new(k, &vs)),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn evaluate_with_random_conditions_and_values_never_panics(
            conds in proptest::collection::vec((condition(), condition(), any::<bool>()), 3),
            line_conds in proptest::collection::vec((condition(), condition(), any::<bool>()), 2),
            values in proptest::collection::vec(
                (proptest::sample::select(KEYS), proptest::sample::select(VALUES)), 0..8),
            line_values in proptest::collection::vec(
                (proptest::sample::select(&["unit", "unit_note", "status"][..]),
                 proptest::sample::select(VALUES)), 0..4),
            reference in ".{0,30}",
            date in proptest::sample::select(VALUES),
        ) {
            let mut c = caps();
            for (spec, (s, r, req)) in c.header_fields.iter_mut().zip(conds) {
                spec.shown_when = s;
                spec.required_when = r;
                spec.required = req;
            }
            for (spec, (s, r, req)) in c.line_fields.iter_mut().zip(line_conds) {
                spec.shown_when = s;
                spec.required_when = r;
                spec.required = req;
            }
            let mut d = draft(&c);
            for (k, v) in values {
                d.extra.insert(k.into(), v.into());
            }
            for (k, v) in line_values {
                d.lines[0].extra.insert(k.into(), v.into());
            }
            d.reference = reference;
            d.issue_date = date.into();
            let ev = evaluate(&d, &c);
            // A hidden field never carries a message, and is never sent.
            for spec in &c.header_fields {
                if !shown(spec, &d, &c, None) {
                    let field = format!("extra.{}", spec.key);
                    prop_assert!(ev.issues.iter().all(|i| i.field != field));
                }
            }
            if let Ok(inv) = to_outgoing(&d, &c) {
                for spec in &c.header_fields {
                    if !shown(spec, &d, &c, None) {
                        prop_assert!(!inv.extra.contains_key(&spec.key));
                    }
                }
            }
            let _ = provisional(&d, &c);
        }
    }
}
