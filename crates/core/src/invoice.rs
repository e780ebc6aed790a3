//! The invoice as typed ([`Draft`]) and as it goes out ([`OutgoingInvoice`]).
//!
//! A draft keeps exactly what the clerk typed, as text, also when it is not (yet) a valid
//! number: nothing typed is ever thrown away. [`evaluate`] parses it, computes the totals and
//! lists what is wrong per field; [`to_outgoing`] turns a valid draft into the invoice a back
//! end sends.

use crate::backend::{Capabilities, Product, Relation};
use crate::error::{Error, ErrorCode, FieldIssue, Result};
use crate::money::parse_decimal;
use crate::totals::{self, LineAmounts, LineInput, PriceBasis, Totals};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// An invoice being typed. Saved as the clerk types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Draft {
    pub id: Uuid,
    pub connection_id: String,
    pub administration_id: Option<String>,
    pub relation: Option<Relation>,
    /// The chosen invoice address; `None` means the relation's preferred one.
    pub address_id: Option<String>,
    /// `YYYY-MM-DD` as the date field gives it.
    pub issue_date: String,
    pub reference: String,
    pub price_basis: PriceBasis,
    pub lines: Vec<DraftLine>,
    pub attachments: Vec<DraftAttachment>,
    /// Header fields the back end declared, by key.
    #[ts(type = "Record<string, string>")]
    pub extra: BTreeMap<String, String>,
    /// The submission identity, fixed before the first attempt and reused on every retry.
    pub identity: Uuid,
    pub updated_at: DateTime<Utc>,
    /// A discount on the whole invoice as typed (for a system that takes one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub discount: Option<DraftDiscount>,
    /// The recipient from the local address book as it is now, for the system's check while
    /// the clerk types and at Send; filled by the desk, never stored with the draft.
    #[serde(skip)]
    #[ts(skip)]
    pub recipient: Option<crate::lists::Recipient>,
}

/// A discount as the clerk typed it: an amount or a percentage, the value kept as text until
/// it is valid. An empty value is no discount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct DraftDiscount {
    pub kind: DiscountKind,
    pub value: String,
}

impl DraftDiscount {
    /// The discount when its value is a number other than zero; `None` for an empty, zero or
    /// not (yet) valid value (the form reports the last one on its field).
    pub fn parsed(&self) -> Option<Discount> {
        let value = parse_decimal(&self.value).ok()?;
        (!value.is_zero()).then_some(Discount {
            kind: self.kind,
            value,
        })
    }
}

/// The discount that goes out: only when the system takes it (`enabled`) and one was typed.
pub fn outgoing_discount(d: Option<&DraftDiscount>, enabled: bool) -> Option<Discount> {
    if !enabled {
        return None;
    }
    d.and_then(DraftDiscount::parsed)
}

impl Default for Draft {
    fn default() -> Self {
        Draft {
            recipient: None,
            id: Uuid::new_v4(),
            connection_id: String::new(),
            administration_id: None,
            relation: None,
            address_id: None,
            issue_date: String::new(),
            reference: String::new(),
            price_basis: PriceBasis::ExclVat,
            lines: Vec::new(),
            attachments: Vec::new(),
            extra: BTreeMap::new(),
            identity: Uuid::new_v4(),
            updated_at: Utc::now(),
            discount: None,
        }
    }
}

impl Draft {
    /// A new draft for a connection, with the back end's defaults filled in.
    pub fn new(connection_id: &str, caps: &Capabilities, today: NaiveDate) -> Draft {
        let mut d = Draft {
            connection_id: connection_id.to_string(),
            issue_date: today.format("%Y-%m-%d").to_string(),
            price_basis: caps.price_bases.first().copied().unwrap_or_default(),
            ..Draft::default()
        };
        for f in &caps.header_fields {
            if let Some(v) = &f.default {
                d.extra.insert(f.key.clone(), v.clone());
            }
        }
        d.lines.push(DraftLine::new(caps));
        d
    }

    /// The lines that hold anything at all; empty trailing rows are not part of the invoice.
    pub fn filled_lines(&self) -> impl Iterator<Item = (usize, &DraftLine)> {
        self.lines.iter().enumerate().filter(|(_, l)| !l.is_blank())
    }
}

/// One invoice line as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct DraftLine {
    pub id: Uuid,
    pub product: Option<Product>,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub vat_code: String,
    pub extra_description: String,
    /// Line fields the back end declared, by key.
    #[ts(type = "Record<string, string>")]
    pub extra: BTreeMap<String, String>,
    /// A discount on this line as typed (for a system that takes one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub discount: Option<DraftDiscount>,
}

impl Default for DraftLine {
    fn default() -> Self {
        DraftLine {
            id: Uuid::new_v4(),
            product: None,
            description: String::new(),
            quantity: String::new(),
            unit_price: String::new(),
            vat_code: String::new(),
            extra_description: String::new(),
            extra: BTreeMap::new(),
            discount: None,
        }
    }
}

impl DraftLine {
    pub fn new(caps: &Capabilities) -> Self {
        let mut l = DraftLine {
            quantity: "1".into(),
            vat_code: caps
                .vat_rates
                .first()
                .map(|r| r.code.clone())
                .unwrap_or_default(),
            ..DraftLine::default()
        };
        for f in &caps.line_fields {
            if let Some(v) = &f.default {
                l.extra.insert(f.key.clone(), v.clone());
            }
        }
        l
    }

    /// A row with no product, description or price: an empty row at the end of the table.
    pub fn is_blank(&self) -> bool {
        self.product.is_none()
            && self.description.trim().is_empty()
            && self.unit_price.trim().is_empty()
            && self.extra_description.trim().is_empty()
    }
}

/// A file attached to the draft. The file stays where it is until sending.
///
/// The Rust side records it when the clerk picks the file ([`DraftAttachment::from_file`]):
/// path, size and SHA-256 are kept with the draft in the store, and the web view only refers to
/// the record by its id. At send time the file is checked against this record again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct DraftAttachment {
    pub id: Uuid,
    pub path: String,
    pub file_name: String,
    #[ts(type = "number")]
    pub size: u64,
    /// SHA-256 of the content when it was picked, lower-case hex ("" for records from before
    /// the hash was kept: then only the size is checked).
    pub sha256: String,
    pub content_type: String,
    /// Set once the back end accepted the upload.
    pub remote_ref: Option<String>,
}

impl Default for DraftAttachment {
    fn default() -> Self {
        DraftAttachment {
            id: Uuid::new_v4(),
            path: String::new(),
            file_name: String::new(),
            size: 0,
            sha256: String::new(),
            content_type: "application/octet-stream".into(),
            remote_ref: None,
        }
    }
}

/// "10 MB", "2.5 MB" / "2,5 MB": a file size for a message, in units of 1024 × 1024 bytes as
/// the back ends state their limits.
fn megabytes(bytes: u64, lang_nl: bool) -> String {
    let tenths = (u128::from(bytes) * 10 + 524_288) / 1_048_576;
    let (whole, frac) = (tenths / 10, tenths % 10);
    let s = if frac == 0 {
        whole.to_string()
    } else if lang_nl {
        format!("{whole},{frac}")
    } else {
        format!("{whole}.{frac}")
    };
    format!("{s} MB")
}

/// The error for a file larger than the back end takes; `field` is the attachment's field.
pub fn attachment_too_large(name: &str, size: u64, max: u64, field: &str) -> Error {
    Error::new(
        ErrorCode::Validation,
        format!(
            "Het bestand '{name}' is {} groot; het boekhoudpakket neemt hoogstens {} aan.",
            megabytes(size, true),
            megabytes(max, true)
        ),
        format!(
            "The file '{name}' is {}; the bookkeeping system takes at most {}.",
            megabytes(size, false),
            megabytes(max, false)
        ),
    )
    .with_field(field)
}

/// The error for an attached file that is no longer there.
pub fn attachment_gone(name: &str, field: &str, detail: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::Validation,
        format!("De bijlage '{name}' is er niet meer sinds ze werd toegevoegd. Verwijder haar of voeg het bestand opnieuw toe."),
        format!("The attachment '{name}' is no longer there since it was attached. Remove it or attach the file again."),
    )
    .with_field(field)
    .with_detail(detail.to_string())
}

/// The error for an attached file whose content changed after it was picked.
pub fn attachment_changed(name: &str, field: &str) -> Error {
    Error::new(
        ErrorCode::Validation,
        format!("De bijlage '{name}' is veranderd sinds ze werd toegevoegd. Verwijder haar en voeg het bestand opnieuw toe, zodat u zeker weet wat er wordt verstuurd."),
        format!("The attachment '{name}' changed after it was attached. Remove it and attach the file again, so you know what is sent."),
    )
    .with_field(field)
}

/// Streams a file through SHA-256, reading at most `limit` bytes; returns the hex digest and
/// the number of bytes read (`limit + 1` when the file is longer than `limit`).
pub fn sha256_of_reader(mut r: impl std::io::Read, limit: u64) -> std::io::Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total = total.saturating_add(n as u64);
        if total > limit {
            return Ok((String::new(), total));
        }
        hasher.update(&buf[..n]);
    }
    Ok((hex(&hasher.finalize()), total))
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl DraftAttachment {
    /// Records a file the clerk picked: its path, size and SHA-256, read here and not taken
    /// from the web view. A file larger than `max_bytes` (the back end's limit) is refused
    /// from its metadata, before anything is read.
    pub fn from_file(
        path: &std::path::Path,
        content_type: &str,
        max_bytes: Option<u64>,
    ) -> Result<DraftAttachment> {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "bijlage".into());
        let unreadable = |detail: String| {
            Error::new(
                ErrorCode::Io,
                format!("Het bestand '{file_name}' kan niet worden gelezen."),
                format!("The file '{file_name}' cannot be read."),
            )
            .with_field("attachments")
            .with_detail(detail)
        };
        let meta = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
        if !meta.is_file() {
            return Err(unreadable(path.display().to_string()));
        }
        let size = meta.len();
        if let Some(max) = max_bytes {
            if size > max {
                return Err(attachment_too_large(&file_name, size, max, "attachments"));
            }
        }
        let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
        let limit = max_bytes.unwrap_or(u64::MAX).min(size);
        let (sha256, read) =
            sha256_of_reader(file, limit).map_err(|e| unreadable(e.to_string()))?;
        if read != size {
            // The file changed while it was being read: the record would not describe it.
            return Err(attachment_changed(&file_name, "attachments"));
        }
        Ok(DraftAttachment {
            id: Uuid::new_v4(),
            path: path.display().to_string(),
            file_name,
            size,
            sha256,
            content_type: content_type.to_string(),
            remote_ref: None,
        })
    }

    /// Checks the file against the record from its metadata only (cheap, nothing read): it is
    /// still there, has the recorded size, and is not larger than the back end takes.
    pub fn check_on_disk(&self, max_bytes: Option<u64>, field: &str) -> Result<u64> {
        let meta = std::fs::metadata(&self.path)
            .map_err(|e| attachment_gone(&self.file_name, field, e))?;
        if !meta.is_file() {
            return Err(attachment_gone(&self.file_name, field, &self.path));
        }
        if let Some(max) = max_bytes {
            if meta.len() > max {
                return Err(attachment_too_large(
                    &self.file_name,
                    meta.len(),
                    max,
                    field,
                ));
            }
        }
        if meta.len() != self.size {
            return Err(attachment_changed(&self.file_name, field));
        }
        Ok(meta.len())
    }

    /// Reads the file for sending: the size is checked from the metadata first (nothing larger
    /// than `max_bytes` is read into memory), at most the recorded size is read, and the
    /// content must still have the recorded SHA-256.
    pub fn read_checked(&self, max_bytes: Option<u64>, field: &str) -> Result<Vec<u8>> {
        use sha2::{Digest, Sha256};
        use std::io::Read;
        let size = self.check_on_disk(max_bytes, field)?;
        let file = std::fs::File::open(&self.path)
            .map_err(|e| attachment_gone(&self.file_name, field, e))?;
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        // One byte more than recorded tells a file that grew since the metadata was read.
        file.take(size.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| attachment_gone(&self.file_name, field, e))?;
        if bytes.len() as u64 != self.size {
            return Err(attachment_changed(&self.file_name, field));
        }
        if !self.sha256.is_empty() && hex(&Sha256::digest(&bytes)) != self.sha256 {
            return Err(attachment_changed(&self.file_name, field));
        }
        Ok(bytes)
    }
}

/// Checks every attachment that still has to be uploaded against its record, from metadata
/// only: a file gone, changed in size or too large becomes a message on that attachment.
pub fn check_attachments(draft: &Draft, caps: &Capabilities) -> Result<()> {
    let mut issues = Vec::new();
    for (i, a) in draft.attachments.iter().enumerate() {
        if a.remote_ref.is_some() {
            continue;
        }
        let field = format!("attachments[{i}]");
        if let Err(e) = a.check_on_disk(caps.max_attachment_bytes, &field) {
            issues.push(FieldIssue {
                field,
                message: e.message,
            });
        }
    }
    match issues.len() {
        0 => Ok(()),
        1 => Err(Error::new(
            ErrorCode::Validation,
            issues[0].message.nl.clone(),
            issues[0].message.en.clone(),
        )
        .with_fields(issues)),
        n => Err(Error::new(
            ErrorCode::Validation,
            format!("{n} bijlagen zijn veranderd of weg sinds ze werden toegevoegd."),
            format!("{n} attachments changed or are gone since they were attached."),
        )
        .with_fields(issues)),
    }
}

/// A line that is ready to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingLine {
    pub product: Option<Product>,
    pub description: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    /// Per unit, on the draft's price basis.
    #[serde(with = "rust_decimal::serde::str")]
    pub unit_price: Decimal,
    pub vat_code: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub vat_percent: Decimal,
    pub extra_description: String,
    pub extra: BTreeMap<String, String>,
    /// A discount on this line, when the system takes one.
    #[serde(default)]
    pub discount: Option<Discount>,
}

/// Whether a discount is an amount or a percentage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum DiscountKind {
    #[default]
    Amount,
    Percentage,
}

/// A discount on a line or on the whole invoice: an amount (on the draft's price basis) or a
/// percentage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Discount {
    pub kind: DiscountKind,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub value: Decimal,
}

/// An invoice that passed validation; stored in the outbox so that every retry sends exactly
/// the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingInvoice {
    pub identity: Uuid,
    pub draft_id: Uuid,
    pub administration_id: String,
    pub relation: Relation,
    pub address_id: Option<String>,
    pub issue_date: NaiveDate,
    pub reference: String,
    pub price_basis: PriceBasis,
    pub lines: Vec<OutgoingLine>,
    /// The back end's references of the uploaded attachments.
    pub attachments: Vec<String>,
    pub extra: BTreeMap<String, String>,
    pub totals: Totals,
    /// A discount on the whole invoice, on top of the lines' own.
    #[serde(default)]
    pub discount: Option<Discount>,
    /// The recipient from the local address book, with every declared field, for a system
    /// whose relations the app keeps itself (`None` for synced relations).
    #[serde(default)]
    pub recipient: Option<crate::lists::Recipient>,
}

impl OutgoingInvoice {
    pub fn extra_bool(&self, key: &str) -> bool {
        self.extra.get(key).map(|v| v == "true").unwrap_or(false)
    }
    pub fn extra_str(&self, key: &str) -> Option<&str> {
        self.extra
            .get(key)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

/// Maps `lines[k]…` in a field path from the outgoing invoice's line index (blank rows left
/// out) to the draft's row index, so a back end's message lands on the right row.
pub fn draft_field(draft: &Draft, field: &str) -> String {
    let Some(rest) = field.strip_prefix("lines[") else {
        return field.to_string();
    };
    let Some((num, tail)) = rest.split_once(']') else {
        return field.to_string();
    };
    let Ok(k) = num.parse::<usize>() else {
        return field.to_string();
    };
    match draft.filled_lines().nth(k) {
        Some((i, _)) => format!("lines[{i}]{tail}"),
        None => field.to_string(),
    }
}

/// Totals and per-field problems of a draft, for the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Evaluation {
    pub totals: Totals,
    /// Per draft line (same index): its amounts, after its own discount where the system takes
    /// discounts (the invoice's discount is in the totals only), or `None` when it cannot be
    /// computed yet.
    pub line_amounts: Vec<Option<LineAmounts>>,
    pub issues: Vec<FieldIssue>,
    /// Things worth knowing that do not stop sending (e.g. an ambiguous customer name).
    #[serde(default)]
    pub warnings: Vec<FieldIssue>,
}

/// The message on a line whose amount is beyond what the back ends hold.
fn line_too_large(i: usize) -> FieldIssue {
    FieldIssue {
        field: format!("lines[{i}].unit_price"),
        message: crate::i18n::Text::new(
            format!(
                "Het regelbedrag is te groot (hoogstens {}); verlaag het aantal of de prijs.",
                crate::money::MAX_AMOUNT_NL
            ),
            format!(
                "The line amount is too large (at most {}); lower the quantity or the price.",
                crate::money::MAX_AMOUNT_EN
            ),
        ),
    }
}

/// The message when the lines fit one by one but their total does not.
fn total_too_large() -> FieldIssue {
    FieldIssue {
        field: "lines".into(),
        message: crate::i18n::Text::new(
            format!(
                "Het totaal van de factuur is te groot (hoogstens {}); verdeel de regels over meer facturen.",
                crate::money::MAX_AMOUNT_NL
            ),
            format!(
                "The invoice total is too large (at most {}); spread the lines over more invoices.",
                crate::money::MAX_AMOUNT_EN
            ),
        ),
    }
}

/// Whether the system takes a discount of any kind: its totals are then computed with
/// [`totals::compute_discounted`].
pub fn takes_discounts(caps: &Capabilities) -> bool {
    caps.discounts.line || caps.discounts.invoice
}

/// Parses the draft, computes totals and lists what is wrong. Never panics: a number too
/// large to compute with, or an amount beyond [`MAX_AMOUNT`](crate::money::MAX_AMOUNT), is an
/// issue on its field, and the line counts as one that cannot be computed yet.
pub fn evaluate(draft: &Draft, caps: &Capabilities) -> Evaluation {
    let mut issues = crate::validation::validate(draft, caps);
    let mut inputs = Vec::new();
    let mut discounts = Vec::new();
    let mut line_amounts = vec![None; draft.lines.len()];
    for (i, l) in draft.lines.iter().enumerate() {
        if l.is_blank() {
            continue;
        }
        let (Ok(q), Ok(p)) = (parse_decimal(&l.quantity), parse_decimal(&l.unit_price)) else {
            continue;
        };
        let Some(rate) = crate::vat::find(&caps.vat_rates, &l.vat_code) else {
            continue;
        };
        let input = LineInput {
            quantity: q,
            unit_price: p,
            vat_percent: rate.percent,
            vat_code: rate.code.clone(),
        };
        let discount = outgoing_discount(l.discount.as_ref(), caps.discounts.line);
        // What the line shows: after its own discount where the system takes discounts.
        let shown = if takes_discounts(caps) {
            totals::discounted_line_amounts(&input, discount.as_ref(), draft.price_basis)
        } else {
            totals::line_amounts(&input, draft.price_basis)
        };
        match shown {
            Some(a) => {
                line_amounts[i] = Some(a);
                inputs.push(input);
                discounts.push(discount);
            }
            None => issues.push(line_too_large(i)),
        }
    }
    let computed = if takes_discounts(caps) {
        let invoice_discount = outgoing_discount(draft.discount.as_ref(), caps.discounts.invoice);
        totals::compute_discounted(
            &inputs,
            &discounts,
            invoice_discount.as_ref(),
            draft.price_basis,
            caps.rounding,
        )
    } else {
        totals::compute(&inputs, draft.price_basis, caps.rounding)
    };
    let totals = match computed {
        Ok(t) => t,
        Err(_) => {
            issues.push(total_too_large());
            Totals {
                lines: line_amounts.iter().flatten().cloned().collect(),
                ..Totals::default()
            }
        }
    };
    Evaluation {
        totals,
        line_amounts,
        issues,
        warnings: Vec::new(),
    }
}

/// A number of an outgoing line beyond what the back ends hold.
fn number_too_large(field: String) -> FieldIssue {
    FieldIssue {
        field,
        message: crate::i18n::Text::new(
            format!(
                "Te groot: hoogstens {} cijfers voor de komma.",
                crate::money::MAX_INT_DIGITS
            ),
            format!(
                "Too large: at most {} digits before the decimal point.",
                crate::money::MAX_INT_DIGITS
            ),
        ),
    }
}

/// The amounts of an outgoing invoice checked again before a back end builds its request (an
/// invoice may have waited in the outbox since before the limits existed): every quantity and
/// price within [`MAX_INT_DIGITS`](crate::money::MAX_INT_DIGITS) digits before the decimal
/// point, every line amount and total within [`MAX_AMOUNT`](crate::money::MAX_AMOUNT). Field
/// names use the invoice's own line indices.
pub fn amount_issues(inv: &OutgoingInvoice) -> Vec<FieldIssue> {
    let mut out = Vec::new();
    for (i, l) in inv.lines.iter().enumerate() {
        let q_ok = crate::money::within_int_digits(l.quantity);
        let p_ok = crate::money::within_int_digits(l.unit_price);
        if !q_ok {
            out.push(number_too_large(format!("lines[{i}].quantity")));
        }
        if !p_ok {
            out.push(number_too_large(format!("lines[{i}].unit_price")));
        }
        if !(q_ok && p_ok) {
            continue;
        }
        let input = LineInput {
            quantity: l.quantity,
            unit_price: l.unit_price,
            vat_percent: l.vat_percent,
            vat_code: l.vat_code.clone(),
        };
        if totals::line_amounts(&input, inv.price_basis).is_none() {
            out.push(line_too_large(i));
        }
    }
    // The totals were computed with the back end's rounding when the invoice was queued.
    let stored = &inv.totals;
    let stored_ok = [stored.net, stored.vat, stored.gross]
        .into_iter()
        .chain(stored.lines.iter().flat_map(|l| [l.net, l.vat, l.gross]))
        .all(crate::money::within_max_amount);
    if out.is_empty() && !stored_ok {
        out.push(total_too_large());
    }
    out
}

/// Turns a valid draft into the invoice to send. Fails with `Validation` and the per-field
/// issues when the draft is not valid.
pub fn to_outgoing(draft: &Draft, caps: &Capabilities) -> Result<OutgoingInvoice> {
    to_outgoing_checked(draft, caps, Vec::new())
}

/// [`to_outgoing`] with the issues of the system's pre-send check
/// ([`Backend::precheck`](crate::backend::Backend::precheck)) merged onto the fields: any
/// issue at all refuses the draft.
pub fn to_outgoing_checked(
    draft: &Draft,
    caps: &Capabilities,
    precheck: Vec<FieldIssue>,
) -> Result<OutgoingInvoice> {
    let mut eval = evaluate(draft, caps);
    crate::fields::merge_issues(&mut eval.issues, precheck);
    if !eval.issues.is_empty() {
        return Err(not_ready(eval.issues));
    }
    to_outgoing_unchecked(draft, caps, eval.totals)
}

/// `Validation` with the per-field issues of a draft that cannot be sent yet.
pub fn not_ready(issues: Vec<FieldIssue>) -> Error {
    let n = issues.len();
    Error::new(
        ErrorCode::Validation,
        if n == 1 {
            "Eén veld moet nog worden verbeterd.".to_string()
        } else {
            format!("{n} velden moeten nog worden verbeterd.")
        },
        if n == 1 {
            "One field needs correcting.".to_string()
        } else {
            format!("{n} fields need correcting.")
        },
    )
    .with_fields(issues)
}

fn to_outgoing_unchecked(
    draft: &Draft,
    caps: &Capabilities,
    totals: Totals,
) -> Result<OutgoingInvoice> {
    let relation = draft
        .relation
        .clone()
        .ok_or_else(|| Error::internal("validated draft without relation"))?;
    let issue_date = crate::fields::outgoing_date(draft, caps)
        .ok_or_else(|| Error::internal("validated draft with a bad date"))?;
    let mut lines = Vec::new();
    for (_, l) in draft.filled_lines() {
        let rate = crate::vat::find(&caps.vat_rates, &l.vat_code)
            .ok_or_else(|| Error::internal("validated line with unknown VAT"))?;
        lines.push(OutgoingLine {
            discount: outgoing_discount(l.discount.as_ref(), caps.discounts.line),
            product: l.product.clone(),
            description: l.description.trim().to_string(),
            quantity: parse_decimal(&l.quantity).map_err(Error::internal)?,
            unit_price: parse_decimal(&l.unit_price).map_err(Error::internal)?,
            vat_code: rate.code.clone(),
            vat_percent: rate.percent,
            extra_description: l.extra_description.trim().to_string(),
            // A hidden field is not sent; the draft keeps its value.
            extra: crate::fields::outgoing_line_extra(draft, caps, l),
        });
    }
    Ok(OutgoingInvoice {
        discount: outgoing_discount(draft.discount.as_ref(), caps.discounts.invoice),
        recipient: None,
        identity: draft.identity,
        draft_id: draft.id,
        administration_id: draft.administration_id.clone().unwrap_or_default(),
        relation,
        address_id: draft.address_id.clone(),
        issue_date,
        reference: if caps
            .header_field(crate::fields::HeaderKey::Reference)
            .is_some()
        {
            draft.reference.trim().to_string()
        } else {
            String::new()
        },
        price_basis: draft.price_basis,
        lines,
        attachments: draft
            .attachments
            .iter()
            .filter_map(|a| a.remote_ref.clone())
            .collect(),
        extra: crate::fields::outgoing_extra(draft, caps),
        totals,
    })
}
