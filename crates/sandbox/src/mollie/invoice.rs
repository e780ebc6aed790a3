//! A sales invoice: its checks (the spec's request schemas plus the rules its texts state),
//! its totals, and its answer.
//!
//! The first refusal found is answered (Mollie answers one `field`), in the order the members
//! are listed in the module documentation of [`super`].

use chrono::{DateTime, Duration, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Map, Value};

use super::errors::FieldError;
use crate::kit::table::Row;

pub const STATUSES_ON_CREATE: &[&str] = &["draft", "issued", "paid"];
pub const STATUSES_ON_UPDATE: &[&str] = &["draft", "issued", "paid", "cancelled"];
pub const VAT_SCHEMES: &[&str] = &["standard", "one-stop-shop"];
pub const VAT_MODES: &[&str] = &["exclusive", "inclusive"];
pub const PAYMENT_TERMS: &[&str] = &[
    "7 days", "14 days", "30 days", "45 days", "60 days", "90 days", "120 days",
];
pub const LOCALES: &[&str] = &[
    "en_US", "en_GB", "nl_NL", "nl_BE", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_BE",
];
pub const PAYMENT_SOURCES: &[&str] = &["manual", "payment-link", "payment"];
/// The countries where e-invoicing is available (the merchant is Dutch).
pub const E_INVOICE_COUNTRIES: &[&str] = &["BE", "DE", "NL"];
/// The longest line description.
pub const DESCRIPTION_MAX: usize = 100;
/// The most metadata, as JSON text.
pub const METADATA_MAX_BYTES: usize = 1024;
/// The only currency the stand-in takes.
pub const CURRENCY: &str = "EUR";

/// Rounds to cents, half away from zero, always with two decimals.
pub fn round2(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

/// `{"currency": "EUR", "value": "12.30"}`.
pub fn money(d: Decimal) -> Value {
    json!({"currency": CURRENCY, "value": round2(d).to_string()})
}

/// An ISO 8601 time as Mollie writes it: `2024-10-03T10:47:38+00:00`.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

// ---------------------------------------------------------------------------------------------
// the parts of an invoice

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscountKind {
    Amount,
    Percentage,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Discount {
    pub kind: DiscountKind,
    pub value: Decimal,
    /// As it was sent.
    pub text: String,
}

impl Discount {
    pub fn to_json(&self) -> Value {
        let kind = match self.kind {
            DiscountKind::Amount => "amount",
            DiscountKind::Percentage => "percentage",
        };
        json!({"type": kind, "value": self.text})
    }

    /// The discount on `base`: the amount, or the percentage rounded to cents.
    fn on(&self, base: Decimal) -> Option<Decimal> {
        match self.kind {
            DiscountKind::Amount => Some(self.value),
            DiscountKind::Percentage => Some(round2(
                base.checked_mul(self.value)?
                    .checked_div(Decimal::ONE_HUNDRED)?,
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub description: String,
    pub quantity: u32,
    pub vat_rate: Decimal,
    /// As it was sent (`"21.00"`, `"21"`).
    pub vat_rate_text: String,
    pub unit_price: Decimal,
    pub discount: Option<Discount>,
}

impl Line {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("description".into(), json!(self.description));
        m.insert("quantity".into(), json!(self.quantity));
        m.insert("vatRate".into(), json!(self.vat_rate_text));
        m.insert("unitPrice".into(), money(self.unit_price));
        if let Some(d) = &self.discount {
            m.insert("discount".into(), d.to_json());
        }
        Value::Object(m)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Totals {
    /// Excl. VAT, before the invoice discount.
    pub subtotal: Decimal,
    /// Excl. VAT, after the invoice discount.
    pub discounted_subtotal: Decimal,
    pub vat: Decimal,
    pub total: Decimal,
}

/// The totals as the wire contract fixes them: per line `unitPrice × quantity` minus its
/// discount; the invoice discount on the sum of those, spread over the lines in proportion
/// (largest remainder); VAT per line on the discounted line (exclusive: on top, rounded;
/// inclusive: taken out of it); subtotals excl. VAT. `Err` names the field that cannot be.
pub fn totals(
    lines: &[Line],
    discount: Option<&Discount>,
    inclusive: bool,
) -> Result<Totals, FieldError> {
    let too_large = |field: String| FieldError::new(field, "The amount is too large");
    let mut nets = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let gross = l
            .unit_price
            .checked_mul(Decimal::from(l.quantity))
            .ok_or_else(|| too_large(format!("lines.{i}.unitPrice.value")))?;
        let off = match &l.discount {
            None => Decimal::ZERO,
            Some(d) => d
                .on(gross)
                .ok_or_else(|| too_large(format!("lines.{i}.discount.value")))?,
        };
        if off > gross {
            return Err(FieldError::new(
                format!("lines.{i}.discount.value"),
                "The discount cannot be more than the line amount",
            ));
        }
        nets.push(gross - off);
    }
    let sum = nets
        .iter()
        .try_fold(Decimal::ZERO, |a, n| a.checked_add(*n))
        .ok_or_else(|| too_large("lines".into()))?;
    let invoice_off = match discount {
        None => Decimal::ZERO,
        Some(d) => d
            .on(sum)
            .ok_or_else(|| too_large("discount.value".into()))?,
    };
    if invoice_off > sum {
        return Err(FieldError::new(
            "discount.value",
            "The discount cannot be more than the subtotal",
        ));
    }
    let shares = spread(invoice_off, &nets).ok_or_else(|| too_large("discount.value".into()))?;
    let vat_of = |amount: Decimal, rate: Decimal| -> Option<Decimal> {
        if inclusive {
            let excl = amount
                .checked_mul(Decimal::ONE_HUNDRED)?
                .checked_div(Decimal::ONE_HUNDRED.checked_add(rate)?)?;
            amount.checked_sub(round2(excl))
        } else {
            Some(round2(
                amount
                    .checked_mul(rate)?
                    .checked_div(Decimal::ONE_HUNDRED)?,
            ))
        }
    };
    let mut t = Totals::default();
    for ((l, net), share) in lines.iter().zip(&nets).zip(&shares) {
        let discounted = *net - *share;
        let vat = vat_of(discounted, l.vat_rate).ok_or_else(|| too_large("lines".into()))?;
        let add =
            |a: Decimal, b: Decimal| a.checked_add(b).ok_or_else(|| too_large("lines".into()));
        if inclusive {
            let before = vat_of(*net, l.vat_rate).ok_or_else(|| too_large("lines".into()))?;
            t.subtotal = add(t.subtotal, *net - before)?;
            t.discounted_subtotal = add(t.discounted_subtotal, discounted - vat)?;
        } else {
            t.subtotal = add(t.subtotal, *net)?;
            t.discounted_subtotal = add(t.discounted_subtotal, discounted)?;
        }
        t.vat = add(t.vat, vat)?;
    }
    t.total = t
        .discounted_subtotal
        .checked_add(t.vat)
        .ok_or_else(|| too_large("lines".into()))?;
    t.subtotal = round2(t.subtotal);
    t.discounted_subtotal = round2(t.discounted_subtotal);
    t.vat = round2(t.vat);
    t.total = round2(t.total);
    Ok(t)
}

/// Spreads `amount` (cents) over `weights` in proportion, the cents left over going to the
/// largest remainders (the earlier line first on a tie), so the shares add up exactly.
pub fn spread(amount: Decimal, weights: &[Decimal]) -> Option<Vec<Decimal>> {
    let total = weights
        .iter()
        .try_fold(Decimal::ZERO, |a, w| a.checked_add(*w))?;
    if amount.is_zero() || total.is_zero() {
        return Some(vec![Decimal::ZERO; weights.len()]);
    }
    let cents = amount.checked_mul(Decimal::ONE_HUNDRED)?.trunc();
    let mut floors = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = cents.checked_mul(*w)?.checked_div(total)?;
        let floor = exact.floor();
        floors.push(floor);
        remainders.push((exact - floor, i));
    }
    let given = floors
        .iter()
        .try_fold(Decimal::ZERO, |a, f| a.checked_add(*f))?;
    let mut left = cents.checked_sub(given)?;
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left <= Decimal::ZERO {
            break;
        }
        floors[i] += Decimal::ONE;
        left -= Decimal::ONE;
    }
    Some(
        floors
            .into_iter()
            .map(|c| {
                let mut d = c / Decimal::ONE_HUNDRED;
                d.rescale(2);
                d
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// the stored invoice

#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    pub id: String,
    pub profile_id: String,
    pub test: bool,
    pub status: String,
    pub invoice_number: Option<String>,
    pub vat_scheme: String,
    pub vat_mode: String,
    pub memo: Option<String>,
    pub metadata: Value,
    pub payment_term: Option<String>,
    pub payment_details: Option<Value>,
    pub email_details: Option<Value>,
    pub recipient_identifier: String,
    /// As sent, `locale` included (it is write-only: never answered).
    pub recipient: Map<String, Value>,
    pub lines: Vec<Line>,
    pub discount: Option<Discount>,
    pub is_e_invoice: bool,
    pub totals: Totals,
    pub created_at: DateTime<Utc>,
    pub issued_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    /// Deleted (a draft): gone for the API.
    pub deleted: bool,
    /// Created through the API (not part of the generated data).
    pub received: bool,
    pub changed: u64,
}

impl Row for Invoice {
    type Id = String;
    fn id(&self) -> String {
        self.id.clone()
    }
    fn changed(&self) -> u64 {
        self.changed
    }
    fn set_changed(&mut self, c: u64) {
        self.changed = c;
    }
}

/// The days of a payment term (`"30 days"` → 30; none: 30).
pub fn term_days(term: Option<&str>) -> i64 {
    term.and_then(|t| t.strip_suffix(" days"))
        .and_then(|d| d.parse().ok())
        .unwrap_or(30)
}

impl Invoice {
    pub fn inclusive(&self) -> bool {
        self.vat_mode == "inclusive"
    }

    pub fn recompute(&mut self) -> Result<(), FieldError> {
        self.totals = totals(&self.lines, self.discount.as_ref(), self.inclusive())?;
        Ok(())
    }

    /// Sets the dates a status implies (any but draft: issued and due; paid: paid too).
    pub fn stamp(&mut self, now: DateTime<Utc>) {
        if self.status != "draft" && self.issued_at.is_none() {
            self.issued_at = Some(now);
            self.due_at = Some(now + Duration::days(term_days(self.payment_term.as_deref())));
        }
        if self.status == "paid" && self.paid_at.is_none() {
            self.paid_at = Some(now);
        }
    }

    /// The answer (`sales-invoice-response`); `base` is `http://host:port/mollie`.
    pub fn to_json(&self, base: &str) -> Value {
        let mut m = Map::new();
        m.insert("resource".into(), json!("sales-invoice"));
        m.insert("id".into(), json!(self.id));
        m.insert(
            "mode".into(),
            json!(if self.test { "test" } else { "live" }),
        );
        m.insert("invoiceNumber".into(), json!(self.invoice_number));
        m.insert("profileId".into(), json!(self.profile_id));
        m.insert("currency".into(), json!(CURRENCY));
        m.insert("status".into(), json!(self.status));
        if self.is_e_invoice && self.issued_at.is_some() {
            m.insert("eInvoiceStatus".into(), json!("issued"));
        }
        m.insert("vatScheme".into(), json!(self.vat_scheme));
        m.insert("vatMode".into(), json!(self.vat_mode));
        m.insert("memo".into(), json!(self.memo));
        m.insert("metadata".into(), self.metadata.clone());
        m.insert("paymentTerm".into(), json!(self.payment_term));
        if let Some(p) = &self.payment_details {
            m.insert("paymentDetails".into(), json!([p]));
        }
        if let Some(e) = &self.email_details {
            m.insert("emailDetails".into(), e.clone());
        }
        m.insert(
            "recipientIdentifier".into(),
            json!(self.recipient_identifier),
        );
        let mut recipient = self.recipient.clone();
        recipient.remove("locale");
        m.insert("recipient".into(), Value::Object(recipient));
        m.insert(
            "lines".into(),
            Value::Array(self.lines.iter().map(Line::to_json).collect()),
        );
        if let Some(d) = &self.discount {
            m.insert("discount".into(), d.to_json());
        }
        m.insert("isEInvoice".into(), json!(self.is_e_invoice));
        let due = if self.status == "paid" {
            Decimal::ZERO
        } else {
            self.totals.total
        };
        m.insert("amountDue".into(), money(due));
        m.insert("subtotalAmount".into(), money(self.totals.subtotal));
        m.insert(
            "discountedSubtotalAmount".into(),
            money(self.totals.discounted_subtotal),
        );
        m.insert("totalVatAmount".into(), money(self.totals.vat));
        m.insert("totalAmount".into(), money(self.totals.total));
        m.insert("createdAt".into(), json!(timestamp(self.created_at)));
        m.insert("issuedAt".into(), json!(self.issued_at.map(timestamp)));
        m.insert("paidAt".into(), json!(self.paid_at.map(timestamp)));
        m.insert("dueAt".into(), json!(self.due_at.map(timestamp)));
        let mut links = Map::new();
        links.insert(
            "self".into(),
            json!({"href": format!("{base}/v2/sales-invoices/{}", self.id), "type": "application/hal+json"}),
        );
        if matches!(self.status.as_str(), "issued" | "overdue") {
            links.insert(
                "invoicePayment".into(),
                json!({"href": format!("{base}/pay/{}", self.id), "type": "text/html"}),
            );
        }
        links.insert(
            "pdfLink".into(),
            json!({"href": format!("{base}/pdf/{}.pdf", self.id), "type": "application/pdf"}),
        );
        links.insert(
            "documentation".into(),
            json!({"href": "https://docs.mollie.com/reference/get-sales-invoice", "type": "text/html"}),
        );
        m.insert("_links".into(), Value::Object(links));
        Value::Object(m)
    }
}

impl Invoice {
    /// The answer as a list holds it (`list-sales-invoice-response`: no documentation link).
    pub fn to_list_json(&self, base: &str) -> Value {
        let mut v = self.to_json(base);
        if let Some(links) = v.get_mut("_links").and_then(Value::as_object_mut) {
            links.remove("documentation");
        }
        v
    }
}

// ---------------------------------------------------------------------------------------------
// readers of the request's members

type Checked<T> = Result<T, FieldError>;

fn join(prefix: &str, member: &str) -> String {
    if prefix.is_empty() {
        member.to_string()
    } else {
        format!("{prefix}.{member}")
    }
}

/// A required non-empty string.
fn required_text(obj: &Map<String, Value>, prefix: &str, member: &str) -> Checked<String> {
    let field = join(prefix, member);
    match obj.get(member) {
        None | Some(Value::Null) => Err(FieldError::new(
            &field,
            format!("Field '{field}' must be provided"),
        )),
        Some(Value::String(s)) if s.trim().is_empty() => Err(FieldError::new(
            &field,
            format!("Field '{field}' must not be empty"),
        )),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(FieldError::new(
            &field,
            format!("Field '{field}' must be a string"),
        )),
    }
}

/// An optional string (`null` or absent: none).
fn optional_text(obj: &Map<String, Value>, prefix: &str, member: &str) -> Checked<Option<String>> {
    let field = join(prefix, member);
    match obj.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(FieldError::new(
            &field,
            format!("Field '{field}' must be a string"),
        )),
    }
}

/// A value out of a list (absent: `default`).
fn one_of(
    obj: &Map<String, Value>,
    prefix: &str,
    member: &str,
    allowed: &[&str],
) -> Checked<Option<String>> {
    let field = join(prefix, member);
    match obj.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(Some(s.clone())),
        Some(_) => Err(FieldError::new(
            &field,
            format!(
                "Field '{field}' must be one of the following: {}",
                allowed.join(", ")
            ),
        )),
    }
}

fn object<'a>(v: &'a Value, field: &str) -> Checked<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| FieldError::new(field, format!("Field '{field}' must be an object")))
}

/// Digits, a point and exactly two decimals; at most 13 digits before the point.
pub fn parse_money_text(s: &str) -> Option<Decimal> {
    let (int, frac) = s.split_once('.')?;
    let ok = !int.is_empty()
        && int.len() <= 13
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.len() == 2
        && frac.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return None;
    }
    s.parse().ok()
}

/// A decimal of at most 3 digits and 2 decimals within 0..=100 (`"21"`, `"21.00"`, `"5.5"`).
pub fn parse_rate_text(s: &str) -> Option<Decimal> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let ok = !int.is_empty()
        && int.len() <= 3
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 2
        && s.contains('.') != frac.is_empty()
        && frac.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return None;
    }
    let d: Decimal = s.parse().ok()?;
    (d <= Decimal::ONE_HUNDRED).then_some(d)
}

/// `{"currency": "EUR", "value": "12.30"}` at `field`.
fn amount(v: Option<&Value>, field: &str) -> Checked<Decimal> {
    let v = match v {
        None | Some(Value::Null) => {
            return Err(FieldError::new(
                field,
                format!("Field '{field}' must be provided"),
            ))
        }
        Some(v) => v,
    };
    let obj = object(v, field)?;
    let currency = required_text(obj, field, "currency")?;
    if currency != CURRENCY {
        return Err(FieldError::new(
            format!("{field}.currency"),
            format!("The currency must be the invoice currency ({CURRENCY})"),
        ));
    }
    let value = required_text(obj, field, "value")?;
    parse_money_text(&value).ok_or_else(|| {
        FieldError::new(
            format!("{field}.value"),
            format!(
                "Field '{field}.value' must be a string with an amount of exactly two decimals, for example \"10.00\""
            ),
        )
    })
}

/// `{"type": "amount"|"percentage", "value": "…"}` (or `null`).
fn discount(v: Option<&Value>, field: &str) -> Checked<Option<Discount>> {
    let v = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => v,
    };
    let obj = object(v, field)?;
    let kind = match one_of(obj, field, "type", &["amount", "percentage"])? {
        Some(k) if k == "amount" => DiscountKind::Amount,
        Some(_) => DiscountKind::Percentage,
        None => {
            return Err(FieldError::new(
                format!("{field}.type"),
                format!("Field '{field}.type' must be provided"),
            ))
        }
    };
    let text = required_text(obj, field, "value")?;
    let value = match kind {
        DiscountKind::Amount => parse_money_text(&text),
        DiscountKind::Percentage => parse_rate_text(&text),
    };
    let value = value.ok_or_else(|| {
        FieldError::new(
            format!("{field}.value"),
            match kind {
                DiscountKind::Amount => {
                    format!("Field '{field}.value' must be an amount with exactly two decimals")
                }
                DiscountKind::Percentage => {
                    format!("Field '{field}.value' must be a percentage between 0 and 100")
                }
            },
        )
    })?;
    Ok(Some(Discount { kind, value, text }))
}

/// A name of a consumer: at least two characters, not only digits.
fn person_name(obj: &Map<String, Value>, member: &str) -> Checked<()> {
    let s = required_text(obj, "recipient", member)?;
    let t = s.trim();
    if t.chars().count() < 2 || t.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(
            format!("recipient.{member}"),
            "The name should be at least two characters and cannot contain only numbers",
        ));
    }
    Ok(())
}

/// The members of `sales-invoice-recipient`.
pub const RECIPIENT_MEMBERS: &[&str] = &[
    "type",
    "title",
    "givenName",
    "familyName",
    "organizationName",
    "organizationNumber",
    "vatNumber",
    "email",
    "phone",
    "streetAndNumber",
    "streetAdditional",
    "postalCode",
    "city",
    "region",
    "country",
    "locale",
];

/// `sales-invoice-recipient`, plus its texts' rules: a consumer's names, a business's name
/// and its VAT or chamber of commerce number.
pub fn recipient(v: Option<&Value>) -> Checked<Map<String, Value>> {
    let v = match v {
        None | Some(Value::Null) => {
            return Err(FieldError::new(
                "recipient",
                "Field 'recipient' must be provided",
            ))
        }
        Some(v) => v,
    };
    let obj = object(v, "recipient")?;
    let kind = one_of(obj, "recipient", "type", &["consumer", "business"])?.ok_or_else(|| {
        FieldError::new("recipient.type", "Field 'recipient.type' must be provided")
    })?;
    let email = required_text(obj, "recipient", "email")?;
    if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        return Err(FieldError::new(
            "recipient.email",
            "The email address is not valid",
        ));
    }
    for member in ["streetAndNumber", "postalCode", "city"] {
        required_text(obj, "recipient", member)?;
    }
    let country = required_text(obj, "recipient", "country")?;
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(FieldError::new(
            "recipient.country",
            "The country must be an ISO 3166-1 alpha-2 code",
        ));
    }
    if one_of(obj, "recipient", "locale", LOCALES)?.is_none() {
        return Err(FieldError::new(
            "recipient.locale",
            "Field 'recipient.locale' must be provided",
        ));
    }
    for member in [
        "title",
        "givenName",
        "familyName",
        "organizationName",
        "organizationNumber",
        "vatNumber",
        "phone",
        "streetAdditional",
        "region",
    ] {
        optional_text(obj, "recipient", member)?;
    }
    if kind == "consumer" {
        person_name(obj, "givenName")?;
        person_name(obj, "familyName")?;
    } else {
        required_text(obj, "recipient", "organizationName")?;
        let has = |m: &str| {
            obj.get(m)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.trim().is_empty())
        };
        if !has("vatNumber") && !has("organizationNumber") {
            return Err(FieldError::new(
                "recipient.vatNumber",
                "A business recipient needs a VAT number or an organization number",
            ));
        }
    }
    // Kept as sent, the members the schema declares only.
    let mut out: Map<String, Value> = obj
        .iter()
        .filter(|(k, _)| RECIPIENT_MEMBERS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.insert("country".into(), json!(country.to_ascii_uppercase()));
    Ok(out)
}

/// `sales-invoice-line-item` at `lines.{i}`.
pub fn line(v: &Value, i: usize) -> Checked<Line> {
    let field = format!("lines.{i}");
    let obj = object(v, &field)?;
    let description = required_text(obj, &field, "description")?;
    if description.chars().count() > DESCRIPTION_MAX {
        return Err(FieldError::new(
            format!("{field}.description"),
            format!("The description cannot be longer than {DESCRIPTION_MAX} characters"),
        ));
    }
    let q = format!("{field}.quantity");
    let quantity = match obj.get("quantity") {
        None | Some(Value::Null) => {
            return Err(FieldError::new(&q, format!("Field '{q}' must be provided")))
        }
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Some(_) => None,
    };
    let quantity = match quantity {
        Some(n) if n >= 1 => n,
        _ => {
            return Err(FieldError::new(
                &q,
                "The quantity must be a whole number of at least 1",
            ))
        }
    };
    let r = format!("{field}.vatRate");
    let vat_rate_text = match obj.get("vatRate") {
        None | Some(Value::Null) => {
            return Err(FieldError::new(&r, format!("Field '{r}' must be provided")))
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(FieldError::new(
                &r,
                "The VAT rate must be a string, for example \"21.00\"",
            ))
        }
    };
    let vat_rate = parse_rate_text(&vat_rate_text).ok_or_else(|| {
        FieldError::new(&r, "The VAT rate must be a percentage between 0 and 100")
    })?;
    let unit_price = amount(obj.get("unitPrice"), &format!("{field}.unitPrice"))?;
    let discount = discount(obj.get("discount"), &format!("{field}.discount"))?;
    Ok(Line {
        description,
        quantity,
        vat_rate,
        vat_rate_text,
        unit_price,
        discount,
    })
}

/// `lines`: a non-empty array of lines.
pub fn lines(v: Option<&Value>) -> Checked<Vec<Line>> {
    match v {
        None | Some(Value::Null) => Err(FieldError::new("lines", "Field 'lines' must be provided")),
        Some(Value::Array(a)) if a.is_empty() => {
            Err(FieldError::new("lines", "At least one line is required"))
        }
        Some(Value::Array(a)) => a.iter().enumerate().map(|(i, l)| line(l, i)).collect(),
        Some(_) => Err(FieldError::new("lines", "Field 'lines' must be an array")),
    }
}

/// `paymentDetails` (`null` or absent: none).
fn payment_details(v: Option<&Value>) -> Checked<Option<Value>> {
    let v = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => v,
    };
    let obj = object(v, "paymentDetails")?;
    let source = one_of(obj, "paymentDetails", "source", PAYMENT_SOURCES)?.ok_or_else(|| {
        FieldError::new(
            "paymentDetails.source",
            "Field 'paymentDetails.source' must be provided",
        )
    })?;
    let reference =
        optional_text(obj, "paymentDetails", "sourceReference")?.filter(|s| !s.trim().is_empty());
    if source != "manual" && reference.is_none() {
        return Err(FieldError::new(
            "paymentDetails.sourceReference",
            "A source reference is required for this payment source",
        ));
    }
    Ok(Some(
        json!({"source": source, "sourceReference": reference}),
    ))
}

/// `emailDetails` (`null` or absent: none).
fn email_details(v: Option<&Value>) -> Checked<Option<Value>> {
    let v = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => v,
    };
    let obj = object(v, "emailDetails")?;
    let subject = required_text(obj, "emailDetails", "subject")?;
    let body = required_text(obj, "emailDetails", "body")?;
    Ok(Some(json!({"subject": subject, "body": body})))
}

fn metadata(v: Option<&Value>) -> Checked<Value> {
    match v {
        None | Some(Value::Null) => Ok(Value::Null),
        Some(v @ Value::Object(_)) => {
            if serde_json::to_string(v)
                .map(|s| s.len())
                .unwrap_or(usize::MAX)
                > METADATA_MAX_BYTES
            {
                Err(FieldError::new(
                    "metadata",
                    "The metadata cannot be larger than 1kB",
                ))
            } else {
                Ok(v.clone())
            }
        }
        Some(_) => Err(FieldError::new(
            "metadata",
            "Field 'metadata' must be an object",
        )),
    }
}

fn boolean(obj: &Map<String, Value>, member: &str) -> Checked<Option<bool>> {
    match obj.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(FieldError::new(
            member,
            format!("Field '{member}' must be a boolean"),
        )),
    }
}

fn e_invoice_allowed(recipient: &Map<String, Value>) -> bool {
    recipient
        .get("country")
        .and_then(Value::as_str)
        .is_some_and(|c| E_INVOICE_COUNTRIES.contains(&c))
}

fn e_invoice_refused() -> FieldError {
    FieldError::new(
        "isEInvoice",
        "E-invoicing is only available when the recipient is located in Belgium, Germany or the Netherlands",
    )
}

/// The status rules of an invoice about to be stored as `status`.
fn status_rules(inv: &Invoice) -> Checked<()> {
    if inv.status == "paid" && inv.payment_details.is_none() {
        return Err(FieldError::new(
            "paymentDetails",
            "Field 'paymentDetails' must be provided when the status is paid",
        ));
    }
    if inv.status != "paid" && inv.payment_details.is_some() {
        return Err(FieldError::new(
            "paymentDetails",
            "Field 'paymentDetails' is only allowed when the status is paid",
        ));
    }
    Ok(())
}

/// A create body (`sales-invoice-request`) → a new invoice (without id, profile, mode or
/// number; totals computed).
pub fn create(obj: &Map<String, Value>, now: DateTime<Utc>) -> Checked<Invoice> {
    let status = one_of(obj, "", "status", STATUSES_ON_CREATE)?
        .ok_or_else(|| FieldError::new("status", "Field 'status' must be provided"))?;
    let currency = required_text(obj, "", "currency")?;
    if currency != CURRENCY {
        return Err(FieldError::new(
            "currency",
            format!("The currency must be {CURRENCY}"),
        ));
    }
    let recipient_identifier = required_text(obj, "", "recipientIdentifier")?;
    let recipient = recipient(obj.get("recipient"))?;
    let lines = lines(obj.get("lines"))?;
    let vat_scheme =
        one_of(obj, "", "vatScheme", VAT_SCHEMES)?.unwrap_or_else(|| "standard".into());
    let vat_mode = one_of(obj, "", "vatMode", VAT_MODES)?.unwrap_or_else(|| "exclusive".into());
    let payment_term = match obj.get("paymentTerm") {
        None => Some("30 days".to_string()),
        Some(_) => one_of(obj, "", "paymentTerm", PAYMENT_TERMS)?,
    };
    let memo = optional_text(obj, "", "memo")?;
    let discount = discount(obj.get("discount"), "discount")?;
    let is_e_invoice = boolean(obj, "isEInvoice")?.unwrap_or(false);
    if is_e_invoice && !e_invoice_allowed(&recipient) {
        return Err(e_invoice_refused());
    }
    let payment_details = payment_details(obj.get("paymentDetails"))?;
    let email_details = email_details(obj.get("emailDetails"))?;
    let metadata = metadata(obj.get("metadata"))?;
    for member in ["customerId", "mandateId"] {
        if obj.get(member).is_some_and(|v| !v.is_null()) {
            return Err(FieldError::new(
                member,
                "Automated payments through a mandate are not available for this profile",
            ));
        }
    }
    let mut inv = Invoice {
        id: String::new(),
        profile_id: String::new(),
        test: true,
        status,
        invoice_number: None,
        vat_scheme,
        vat_mode,
        memo,
        metadata,
        payment_term,
        payment_details,
        email_details,
        recipient_identifier,
        recipient,
        lines,
        discount,
        is_e_invoice,
        totals: Totals::default(),
        created_at: now,
        issued_at: None,
        paid_at: None,
        due_at: None,
        deleted: false,
        received: true,
        changed: 0,
    };
    status_rules(&inv)?;
    inv.recompute()?;
    Ok(inv)
}

/// The members an update may carry.
const UPDATE_MEMBERS: &[&str] = &[
    "status",
    "memo",
    "paymentTerm",
    "paymentDetails",
    "emailDetails",
    "recipientIdentifier",
    "recipient",
    "lines",
    "discount",
    "isEInvoice",
];

/// Members that only a draft's update may change.
const DRAFT_ONLY: &[&str] = &[
    "recipientIdentifier",
    "recipient",
    "lines",
    "discount",
    "isEInvoice",
    "paymentTerm",
];

/// Applies an update (`update-values-sales-invoice`) to a copy of `inv`; answers the copy.
pub fn update(inv: &Invoice, obj: &Map<String, Value>, now: DateTime<Utc>) -> Checked<Invoice> {
    if !UPDATE_MEMBERS.iter().any(|m| {
        obj.get(*m).is_some_and(|v| !v.is_null()) || (*m == "memo" && obj.contains_key("memo"))
    }) {
        return Err(FieldError::new(
            "",
            "At least one of the fields must be provided to update the sales invoice",
        ));
    }
    let mut next = inv.clone();
    let target = one_of(obj, "", "status", STATUSES_ON_UPDATE)?;
    let was = inv.status.as_str();
    if was != "draft" {
        if let Some(m) = DRAFT_ONLY
            .iter()
            .find(|m| obj.get(**m).is_some_and(|v| !v.is_null()))
        {
            return Err(FieldError::new(
                *m,
                format!("Field '{m}' can only be changed while the invoice is a draft"),
            ));
        }
    }
    if let Some(t) = &target {
        let allowed = match (was, t.as_str()) {
            (a, b) if a == b => true,
            ("draft", "issued" | "paid") => true,
            ("issued" | "overdue" | "payment-reversed", "paid" | "cancelled") => true,
            _ => false,
        };
        if !allowed {
            return Err(FieldError::new(
                "status",
                format!("The status of a {was} invoice cannot be changed to {t}"),
            ));
        }
    }
    if obj.contains_key("memo") {
        next.memo = optional_text(obj, "", "memo")?;
    }
    if obj.contains_key("paymentTerm") {
        next.payment_term = one_of(obj, "", "paymentTerm", PAYMENT_TERMS)?;
    }
    if let Some(p) = payment_details(obj.get("paymentDetails"))? {
        next.payment_details = Some(p);
    }
    let email = email_details(obj.get("emailDetails"))?;
    if let Some(e) = &email {
        next.email_details = Some(e.clone());
    }
    if obj.get("recipientIdentifier").is_some_and(|v| !v.is_null()) {
        next.recipient_identifier = required_text(obj, "", "recipientIdentifier")?;
    }
    if obj.get("recipient").is_some_and(|v| !v.is_null()) {
        next.recipient = recipient(obj.get("recipient"))?;
    }
    if obj.get("lines").is_some_and(|v| !v.is_null()) {
        next.lines = lines(obj.get("lines"))?;
    }
    if obj.contains_key("discount") {
        next.discount = discount(obj.get("discount"), "discount")?;
    }
    if let Some(b) = boolean(obj, "isEInvoice")? {
        next.is_e_invoice = b;
    }
    if next.is_e_invoice && !e_invoice_allowed(&next.recipient) {
        return Err(e_invoice_refused());
    }
    if let Some(t) = target {
        if t == "issued" && was != "issued" && email.is_none() {
            return Err(FieldError::new(
                "emailDetails",
                "Field 'emailDetails' must be provided when the status is issued",
            ));
        }
        next.status = t;
    }
    if next.status == "paid" && next.payment_details.is_none() {
        return Err(FieldError::new(
            "paymentDetails",
            "Field 'paymentDetails' must be provided when the status is paid",
        ));
    }
    if next.status != "paid" && obj.get("paymentDetails").is_some_and(|v| !v.is_null()) {
        return Err(FieldError::new(
            "paymentDetails",
            "Field 'paymentDetails' is only allowed when the status is paid",
        ));
    }
    next.recompute()?;
    next.stamp(now);
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    fn l(price: &str, qty: u32, rate: &str, discount: Option<Discount>) -> Line {
        Line {
            description: "x".into(),
            quantity: qty,
            vat_rate: d(rate),
            vat_rate_text: rate.into(),
            unit_price: d(price),
            discount,
        }
    }

    fn pct(v: &str) -> Option<Discount> {
        Some(Discount {
            kind: DiscountKind::Percentage,
            value: d(v),
            text: v.into(),
        })
    }

    fn amt(v: &str) -> Option<Discount> {
        Some(Discount {
            kind: DiscountKind::Amount,
            value: d(v),
            text: v.into(),
        })
    }

    #[test]
    fn the_spec_example_totals_89_at_21_percent_to_107_69() {
        let t = totals(&[l("89.00", 1, "21.00", None)], None, false).unwrap_or_default();
        assert_eq!(t.subtotal, d("89.00"));
        assert_eq!(t.vat, d("18.69"));
        assert_eq!(t.total, d("107.69"));
    }

    #[test]
    fn an_invoice_discount_is_spread_so_the_cents_add_up() {
        let shares = spread(d("10.00"), &[d("1"), d("1"), d("1")]).unwrap_or_default();
        assert_eq!(shares, vec![d("3.34"), d("3.33"), d("3.33")]);
        let lines = [l("10.00", 1, "21", None), l("20.00", 1, "9", pct("10"))];
        // nets 10.00 and 18.00; 5.00 off spread 1.79 / 3.21 (remainders .571 / .428 → first).
        let t = totals(&lines, amt("5.00").as_ref(), false).unwrap_or_default();
        assert_eq!(t.subtotal, d("28.00"));
        assert_eq!(t.discounted_subtotal, d("23.00"));
        // 8.21 × 21 % = 1.7241 → 1.72; 14.79 × 9 % = 1.3311 → 1.33
        assert_eq!(t.vat, d("3.05"));
        assert_eq!(t.total, d("26.05"));
    }

    #[test]
    fn inclusive_prices_have_their_vat_taken_out() {
        let t = totals(&[l("121.00", 1, "21", None)], None, true).unwrap_or_default();
        assert_eq!(t.subtotal, d("100.00"));
        assert_eq!(t.discounted_subtotal, d("100.00"));
        assert_eq!(t.vat, d("21.00"));
        assert_eq!(t.total, d("121.00"));
    }

    /// 20,000 random invoices: the spread adds up to the discount and never exceeds a line,
    /// and the totals hold together in both modes.
    #[test]
    fn random_invoices_have_totals_that_add_up() {
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(20_261_130);
        let rates = ["0.00", "9.00", "21.00", "6", "12.5"];
        for case in 0..20_000 {
            let lines: Vec<Line> = (0..rng.gen_range(1..6))
                .map(|_| {
                    let price = Decimal::new(rng.gen_range(0..5_000_000), 2);
                    let discount = match rng.gen_range(0..4) {
                        0 => pct(&format!("{}", rng.gen_range(0..=100))),
                        1 => amt(&format!("{}", Decimal::new(rng.gen_range(0..500), 2))),
                        _ => None,
                    };
                    l(
                        &price.to_string(),
                        rng.gen_range(1..50),
                        rates[rng.gen_range(0..rates.len())],
                        discount,
                    )
                })
                .collect();
            let discount = match rng.gen_range(0..3) {
                0 => pct(&format!(
                    "{}.{:02}",
                    rng.gen_range(0..100),
                    rng.gen_range(0..100)
                )),
                1 => amt(&format!("{}", Decimal::new(rng.gen_range(0..2_000), 2))),
                _ => None,
            };
            let inclusive = rng.gen_bool(0.5);
            let Ok(t) = totals(&lines, discount.as_ref(), inclusive) else {
                continue; // a discount larger than its line or the subtotal
            };
            assert_eq!(t.total, t.discounted_subtotal + t.vat, "case {case}");
            assert!(t.vat >= Decimal::ZERO && t.discounted_subtotal >= Decimal::ZERO);
            assert!(t.discounted_subtotal <= t.subtotal, "case {case}: {t:?}");
            assert_eq!(t.total.scale(), 2);
            if !inclusive && discount.is_none() {
                let sum: Decimal = lines
                    .iter()
                    .map(|l| {
                        let g = l.unit_price * Decimal::from(l.quantity);
                        g - l
                            .discount
                            .as_ref()
                            .and_then(|d| d.on(g))
                            .unwrap_or_default()
                    })
                    .sum();
                assert_eq!(t.subtotal, sum, "case {case}");
            }
        }
        for _ in 0..20_000 {
            let weights: Vec<Decimal> = (0..rng.gen_range(1..8))
                .map(|_| Decimal::new(rng.gen_range(0..1_000_000), 2))
                .collect();
            let total: Decimal = weights.iter().sum();
            let amount = Decimal::new(
                rng.gen_range(
                    0..=(total * Decimal::ONE_HUNDRED)
                        .trunc()
                        .try_into()
                        .unwrap_or(0i64),
                ),
                2,
            );
            let shares = spread(amount, &weights).unwrap_or_default();
            assert_eq!(shares.len(), weights.len());
            if !total.is_zero() {
                assert_eq!(shares.iter().sum::<Decimal>(), amount);
            }
            for (s, w) in shares.iter().zip(&weights) {
                assert!(*s <= *w && *s >= Decimal::ZERO, "{s} of {w}");
            }
        }
    }

    #[test]
    fn money_and_rates_are_read_as_the_spec_writes_them() {
        assert_eq!(parse_money_text("10.00"), Some(d("10.00")));
        for bad in ["10", "10.0", "10.000", "-1.00", "1,00", ".50", "1e2.00"] {
            assert_eq!(parse_money_text(bad), None, "{bad}");
        }
        assert_eq!(parse_rate_text("21"), Some(d("21")));
        assert_eq!(parse_rate_text("21.00"), Some(d("21.00")));
        for bad in ["101", "21.", "21.000", "-1", "x"] {
            assert_eq!(parse_rate_text(bad), None, "{bad}");
        }
    }
}
