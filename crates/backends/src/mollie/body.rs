//! The bodies of `POST /v2/sales-invoices` and `PATCH /v2/sales-invoices/{id}`, and Mollie's
//! rules for them, checked before anything is sent (and as the clerk types, through the
//! writer's pre-send check).
//!
//! Only what the spec's `sales-invoice-request` declares is sent, plus `currency` (documented
//! as assumed in the API notes). Money is `{"currency":"EUR","value":"89.00"}` with exactly two
//! decimals, `vatRate` a string `"21.00"`, `quantity` a whole number of at least 1.

use super::wire::{money, two_dp, CURRENCY};
use super::*;
use invoice_desk_core::error::{Error, ErrorCode, FieldIssue, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::invoice::{Discount, DiscountKind, OutgoingInvoice};
use invoice_desk_core::lists::Recipient;
use invoice_desk_core::totals::PriceBasis;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

/// Most characters of a line's description.
pub const MAX_DESCRIPTION: usize = 100;
/// The statuses an invoice can be created in.
pub const STATUSES: [&str; 3] = ["draft", "issued", "paid"];
/// The payment terms Mollie takes.
pub const PAYMENT_TERMS: [&str; 7] = [
    "7 days", "14 days", "30 days", "45 days", "60 days", "90 days", "120 days",
];
/// Where a payment of a paid invoice came from.
pub const PAYMENT_SOURCES: [&str; 3] = ["manual", "payment-link", "payment"];
/// The VAT schemes.
pub const VAT_SCHEMES: [&str; 2] = ["standard", "one-stop-shop"];
/// The recipient's locales.
pub const LOCALES: [&str; 9] = [
    "en_US", "en_GB", "nl_NL", "nl_BE", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_BE",
];
/// The countries where e-invoicing (Peppol) is available.
pub const E_INVOICE_COUNTRIES: [&str; 3] = ["BE", "DE", "NL"];

/// What an organization access token adds to every write: the profile and the test mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Org<'a> {
    pub profile_id: &'a str,
    pub testmode: bool,
}

/// The status the invoice is created in (`draft` when not chosen).
pub fn status(inv: &OutgoingInvoice) -> &str {
    inv.extra_str(HEADER_STATUS).unwrap_or("draft")
}

fn value<'a>(r: &'a Recipient, key: &str) -> Option<&'a str> {
    r.values
        .get(key)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// A consumer's given and family name: the declared fields, else the name split at its last
/// space.
pub fn consumer_names(r: &Recipient) -> (Option<String>, Option<String>) {
    let given = value(r, R_GIVEN).map(String::from);
    let family = value(r, R_FAMILY).map(String::from);
    if given.is_some() || family.is_some() {
        return (given, family);
    }
    let name = r.name.trim();
    match name.rsplit_once(' ') {
        Some((g, f)) if !g.trim().is_empty() => {
            (Some(g.trim().to_string()), Some(f.trim().to_string()))
        }
        _ => (None, Some(name.to_string()).filter(|n| !n.is_empty())),
    }
}

/// The country as Mollie takes it: two letters, upper case.
pub fn country(r: &Recipient) -> String {
    value(r, R_COUNTRY).unwrap_or("NL").to_ascii_uppercase()
}

/// The `recipient` object.
pub fn recipient_json(r: &Recipient) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(v.to_string()));
        }
    };
    match r.kind {
        RelationKind::Person => {
            put("type", Some("consumer"));
            let (g, f) = consumer_names(r);
            put("givenName", g.as_deref());
            put("familyName", f.as_deref());
        }
        _ => {
            put("type", Some("business"));
            put(
                "organizationName",
                value(r, R_ORG_NAME).or(Some(r.name.trim()).filter(|n| !n.is_empty())),
            );
            put("organizationNumber", value(r, R_ORG_NUMBER));
            put("vatNumber", value(r, R_VAT));
        }
    }
    put("email", value(r, R_EMAIL));
    put("phone", value(r, R_PHONE));
    put("streetAndNumber", value(r, R_STREET));
    put("streetAdditional", value(r, R_STREET_ADDITIONAL));
    put("postalCode", value(r, R_POSTAL_CODE));
    put("city", value(r, R_CITY));
    put("region", value(r, R_REGION));
    let c = country(r);
    put("country", Some(&c));
    put("locale", Some(value(r, R_LOCALE).unwrap_or("nl_NL")));
    Value::Object(m)
}

fn discount_json(d: &Discount) -> Value {
    json!({
        "type": match d.kind {
            DiscountKind::Amount => "amount",
            DiscountKind::Percentage => "percentage",
        },
        "value": two_dp(d.value),
    })
}

/// The create body. Fails with `Validation` (nothing sent) when a rule of [`precheck`] fails,
/// when the recipient is not there, or (with an organization token) no profile is chosen.
pub fn create_body(inv: &OutgoingInvoice, org: Option<Org<'_>>) -> Result<Value> {
    precheck(inv)?;
    let Some(r) = inv.recipient.as_ref() else {
        return Err(Error::new(
            ErrorCode::Validation,
            format!("Kies een ontvanger uit het adresboek; {NAME} heeft het adres en het e-mailadres nodig. Er is niets verstuurd."),
            format!("Choose a recipient from the address book; {NAME} needs the address and the e-mail address. Nothing was sent."),
        )
        .with_field("relation"));
    };
    let mut lines = Vec::with_capacity(inv.lines.len());
    for l in &inv.lines {
        let mut m = Map::new();
        m.insert("description".into(), json!(l.description.trim()));
        m.insert(
            "quantity".into(),
            crate::kit::wire::json_number(l.quantity.trunc()),
        );
        m.insert("vatRate".into(), json!(two_dp(l.vat_percent)));
        m.insert("unitPrice".into(), money(l.unit_price));
        if let Some(d) = &l.discount {
            m.insert("discount".into(), discount_json(d));
        }
        lines.push(Value::Object(m));
    }
    let st = status(inv);
    let mut body = Map::new();
    body.insert("status".into(), json!(st));
    let recipient_id = if r.id.trim().is_empty() {
        inv.relation.id.trim()
    } else {
        r.id.trim()
    };
    body.insert("recipientIdentifier".into(), json!(recipient_id));
    body.insert("recipient".into(), recipient_json(r));
    body.insert("lines".into(), Value::Array(lines));
    body.insert("currency".into(), json!(CURRENCY));
    body.insert(
        "vatMode".into(),
        json!(match inv.price_basis {
            PriceBasis::ExclVat => "exclusive",
            PriceBasis::InclVat => "inclusive",
        }),
    );
    body.insert(
        "vatScheme".into(),
        json!(inv.extra_str(HEADER_VAT_SCHEME).unwrap_or("standard")),
    );
    body.insert(
        "paymentTerm".into(),
        json!(inv.extra_str(HEADER_PAYMENT_TERM).unwrap_or("30 days")),
    );
    if let Some(memo) = inv.extra_str(HEADER_MEMO) {
        body.insert("memo".into(), json!(memo));
    }
    if let Some(d) = &inv.discount {
        body.insert("discount".into(), discount_json(d));
    }
    body.insert("isEInvoice".into(), json!(inv.extra_bool(HEADER_E_INVOICE)));
    if st == "paid" {
        let mut pd = Map::new();
        let source = inv.extra_str(HEADER_PAYMENT_SOURCE).unwrap_or("manual");
        pd.insert("source".into(), json!(source));
        if let Some(r) = inv.extra_str(HEADER_PAYMENT_REFERENCE) {
            pd.insert("sourceReference".into(), json!(r));
        }
        body.insert("paymentDetails".into(), Value::Object(pd));
    }
    if st == "issued" || st == "paid" {
        if let (Some(s), Some(b)) = (
            inv.extra_str(HEADER_EMAIL_SUBJECT),
            inv.extra_str(HEADER_EMAIL_BODY),
        ) {
            body.insert("emailDetails".into(), json!({"subject": s, "body": b}));
        }
    }
    body.insert(
        "metadata".into(),
        json!({ "invoiceDeskId": inv.identity.to_string() }),
    );
    if let Some(o) = org {
        let profile = o.profile_id.trim();
        if profile.is_empty() {
            return Err(choose_profile());
        }
        body.insert("profileId".into(), json!(profile));
        if o.testmode {
            body.insert("testmode".into(), json!(true));
        }
    }
    Ok(Value::Object(body))
}

/// With an organization token the profile must be chosen.
pub fn choose_profile() -> Error {
    Error::new(
        ErrorCode::Validation,
        "Kies eerst het profiel.",
        "Choose the profile first.",
    )
    .with_field("administration")
}

/// The body of the PATCH that issues a draft, with the e-mail to send it with.
pub fn issue_body(subject: &str, body: &str, testmode: bool) -> Value {
    let mut m = Map::new();
    m.insert("status".into(), json!("issued"));
    m.insert(
        "emailDetails".into(),
        json!({"subject": subject.trim(), "body": body.trim()}),
    );
    if testmode {
        m.insert("testmode".into(), json!(true));
    }
    Value::Object(m)
}

struct Issues(Vec<FieldIssue>);

impl Issues {
    fn add(&mut self, field: impl Into<String>, nl: impl Into<String>, en: impl Into<String>) {
        self.0.push(FieldIssue {
            field: field.into(),
            message: Text::new(nl, en),
        });
    }
}

fn two_decimals(d: Decimal) -> bool {
    d.normalize().scale() <= 2
}

fn check_discount(
    issues: &mut Issues,
    field: &str,
    d: &Discount,
    gross: Option<Decimal>,
    basis_nl: &str,
    basis_en: &str,
) {
    let v = d.value;
    let ok = match d.kind {
        DiscountKind::Percentage => {
            v > Decimal::ZERO && v <= Decimal::ONE_HUNDRED && two_decimals(v)
        }
        DiscountKind::Amount => {
            v > Decimal::ZERO && two_decimals(v) && gross.is_none_or(|g| v <= g)
        }
    };
    if !ok {
        match d.kind {
            DiscountKind::Percentage => issues.add(
                field,
                format!("{NAME} neemt een kortingspercentage van meer dan 0 tot en met 100, met hoogstens 2 decimalen."),
                format!("{NAME} takes a discount percentage above 0 and up to 100, with at most 2 decimals."),
            ),
            DiscountKind::Amount => issues.add(
                field,
                format!("{NAME} neemt een kortingsbedrag boven 0 met hoogstens 2 decimalen, niet hoger dan {basis_nl}."),
                format!("{NAME} takes a discount amount above 0 with at most 2 decimals, not above {basis_en}."),
            ),
        }
    }
}

fn only_digits(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_digit() || c.is_whitespace())
}

fn check_recipient(issues: &mut Issues, inv: &OutgoingInvoice, r: &Recipient) {
    let field = |k: &str| format!("recipient.{k}");
    match r.kind {
        RelationKind::Person => {
            let (g, f) = consumer_names(r);
            for (key, v, nl, en) in [
                (R_GIVEN, g, "voornaam", "given name"),
                (R_FAMILY, f, "achternaam", "family name"),
            ] {
                let ok = v
                    .as_deref()
                    .is_some_and(|v| v.chars().count() >= 2 && !only_digits(v));
                if !ok {
                    issues.add(
                        field(key),
                        format!("{NAME} wil van een particulier een {nl} van minstens 2 tekens, niet alleen cijfers."),
                        format!("{NAME} needs a consumer's {en} of at least 2 characters, not only digits."),
                    );
                }
            }
        }
        RelationKind::Organisation => {
            if value(r, R_VAT).is_none() && value(r, R_ORG_NUMBER).is_none() {
                issues.add(
                    field(R_VAT),
                    format!("{NAME} wil van een zakelijke ontvanger een btw-nummer of een KvK-nummer. Vul een van beide in bij de ontvanger."),
                    format!("{NAME} needs a VAT number or a Chamber of Commerce number for a business recipient. Fill in one of them for the recipient."),
                );
            }
        }
        RelationKind::Unknown => issues.add(
            field("kind"),
            "Kies of de ontvanger een persoon of een organisatie is.",
            "Choose whether the recipient is a person or an organisation.",
        ),
    }
    let required = [
        (R_EMAIL, "e-mailadres", "e-mail address"),
        (R_STREET, "straat en huisnummer", "street and number"),
        (R_POSTAL_CODE, "postcode", "postal code"),
        (R_CITY, "plaats", "city"),
    ];
    for (key, nl, en) in required {
        if value(r, key).is_none() {
            issues.add(
                field(key),
                format!("{NAME} heeft het {nl} van de ontvanger nodig."),
                format!("{NAME} needs the recipient's {en}."),
            );
        }
    }
    if let Some(e) = value(r, R_EMAIL) {
        let ok = e
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'))
            && !e.chars().any(char::is_whitespace);
        if !ok {
            issues.add(
                field(R_EMAIL),
                "Dit is geen e-mailadres.",
                "This is not an e-mail address.",
            );
        }
    }
    let c = country(r);
    if c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
        issues.add(
            field(R_COUNTRY),
            "Vul de landcode in met twee letters, bijvoorbeeld NL of BE.",
            "Enter the country code in two letters, for example NL or BE.",
        );
    }
    if let Some(l) = value(r, R_LOCALE) {
        if !LOCALES.contains(&l) {
            issues.add(
                field(R_LOCALE),
                "Kies een van de talen uit de lijst.",
                "Choose one of the languages in the list.",
            );
        }
    }
    if inv.extra_bool(HEADER_E_INVOICE) && !E_INVOICE_COUNTRIES.contains(&c.as_str()) {
        issues.add(
            format!("extra.{HEADER_E_INVOICE}"),
            format!("{NAME} verstuurt een e-factuur alleen aan een ontvanger in België, Duitsland of Nederland (deze ontvanger: {c})."),
            format!("{NAME} sends an e-invoice only to a recipient in Belgium, Germany or the Netherlands (this recipient: {c})."),
        );
    }
}

/// Mollie's rules for an invoice, on the invoice as it goes out (and on the draft as typed,
/// through `fields::provisional`, where the recipient's address-book values are not there yet
/// and their rules wait for Send): the status and what it needs (the e-mail when issuing, the
/// payment when paid), descriptions of at most 100 characters, whole quantities of at least 1,
/// prices and discounts with two decimals, a business recipient with a VAT or Chamber of
/// Commerce number, an e-invoice only to BE, DE or NL.
pub fn precheck(inv: &OutgoingInvoice) -> Result<()> {
    let mut issues = Issues(Vec::new());
    let st = status(inv);
    if !STATUSES.contains(&st) {
        issues.add(
            format!("extra.{HEADER_STATUS}"),
            "Kies concept, versturen of betaald.",
            "Choose draft, issue or paid.",
        );
    }
    if st == "issued" {
        for key in [HEADER_EMAIL_SUBJECT, HEADER_EMAIL_BODY] {
            if inv.extra_str(key).is_none() {
                issues.add(
                    format!("extra.{key}"),
                    format!(
                        "{NAME} verstuurt de factuur per e-mail: vul het onderwerp en de tekst in."
                    ),
                    format!(
                        "{NAME} sends the invoice by e-mail: fill in the subject and the text."
                    ),
                );
            }
        }
    }
    if st == "paid" {
        // Both parts of the e-mail, or neither.
        let (s, b) = (
            inv.extra_str(HEADER_EMAIL_SUBJECT),
            inv.extra_str(HEADER_EMAIL_BODY),
        );
        if s.is_some() != b.is_some() {
            let missing = if s.is_none() {
                HEADER_EMAIL_SUBJECT
            } else {
                HEADER_EMAIL_BODY
            };
            issues.add(
                format!("extra.{missing}"),
                "Vul het onderwerp en de tekst van de e-mail allebei in, of laat ze allebei leeg.",
                "Fill in both the subject and the text of the e-mail, or leave both empty.",
            );
        }
        match inv.extra_str(HEADER_PAYMENT_SOURCE) {
            None => issues.add(
                format!("extra.{HEADER_PAYMENT_SOURCE}"),
                format!("Kies hoe de factuur is betaald; {NAME} wil dat weten voor een betaalde factuur."),
                format!("Choose how the invoice was paid; {NAME} needs it for a paid invoice."),
            ),
            Some(src) if !PAYMENT_SOURCES.contains(&src) => issues.add(
                format!("extra.{HEADER_PAYMENT_SOURCE}"),
                "Kies een betaalwijze uit de lijst.",
                "Choose a payment source from the list.",
            ),
            Some("manual") => {}
            Some(_) => {
                if inv.extra_str(HEADER_PAYMENT_REFERENCE).is_none() {
                    issues.add(
                        format!("extra.{HEADER_PAYMENT_REFERENCE}"),
                        format!("Vul de referentie van de betaling of betaallink in (bijvoorbeeld tr_… of pl_…); {NAME} wil die bij deze betaalwijze."),
                        format!("Fill in the reference of the payment or payment link (for example tr_… or pl_…); {NAME} needs it for this source."),
                    );
                }
            }
        }
    }
    if let Some(t) = inv.extra_str(HEADER_PAYMENT_TERM) {
        if !PAYMENT_TERMS.contains(&t) {
            issues.add(
                format!("extra.{HEADER_PAYMENT_TERM}"),
                "Kies een betaaltermijn uit de lijst.",
                "Choose a payment term from the list.",
            );
        }
    }
    if let Some(s) = inv.extra_str(HEADER_VAT_SCHEME) {
        if !VAT_SCHEMES.contains(&s) {
            issues.add(
                format!("extra.{HEADER_VAT_SCHEME}"),
                "Kies een btw-regeling uit de lijst.",
                "Choose a VAT scheme from the list.",
            );
        }
    }
    if inv.lines.is_empty() {
        issues.add(
            "lines",
            "Voeg minstens één regel toe.",
            "Add at least one line.",
        );
    }
    for (i, l) in inv.lines.iter().enumerate() {
        let n = l.description.trim().chars().count();
        if n == 0 {
            issues.add(
                format!("lines[{i}].description"),
                format!("{NAME} wil op elke regel een omschrijving."),
                format!("{NAME} needs a description on every line."),
            );
        } else if n > MAX_DESCRIPTION {
            issues.add(
                format!("lines[{i}].description"),
                format!("{NAME} neemt hoogstens {MAX_DESCRIPTION} tekens ({n} getypt)."),
                format!("{NAME} takes at most {MAX_DESCRIPTION} characters ({n} typed)."),
            );
        }
        let q = l.quantity;
        let whole = q == q.trunc() && q >= Decimal::ONE && q <= Decimal::from(i32::MAX);
        if !whole {
            issues.add(
                format!("lines[{i}].quantity"),
                format!("{NAME} neemt alleen een heel aantal van minstens 1. Zet een deel van een eenheid in de prijs of de omschrijving."),
                format!("{NAME} takes only a whole number of at least 1. Put a part of a unit in the price or the description."),
            );
        }
        if l.unit_price < Decimal::ZERO || !two_decimals(l.unit_price) {
            issues.add(
                format!("lines[{i}].unit_price"),
                format!("{NAME} neemt een prijs van 0 of meer met hoogstens 2 decimalen; geef korting met het kortingsveld."),
                format!("{NAME} takes a price of 0 or more with at most 2 decimals; give a discount with the discount field."),
            );
        }
        if l.vat_percent < Decimal::ZERO
            || l.vat_percent > Decimal::ONE_HUNDRED
            || !two_decimals(l.vat_percent)
        {
            issues.add(
                format!("lines[{i}].vat_code"),
                "Kies een btw-tarief uit de lijst.",
                "Choose a VAT rate from the list.",
            );
        }
        if let Some(d) = &l.discount {
            let gross = if whole {
                l.unit_price.checked_mul(q)
            } else {
                None
            };
            check_discount(
                &mut issues,
                &format!("lines[{i}].discount"),
                d,
                gross,
                "het bedrag van de regel",
                "the line's amount",
            );
        }
    }
    if let Some(d) = &inv.discount {
        check_discount(&mut issues, "discount", d, None, "het totaal", "the total");
    }
    if let Some(r) = &inv.recipient {
        check_recipient(&mut issues, inv, r);
    }
    issues
        .0
        .extend(invoice_desk_core::invoice::amount_issues(inv));
    let issues = issues.0;
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
