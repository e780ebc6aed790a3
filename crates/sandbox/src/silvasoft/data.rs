//! The Silvasoft administration: relations, products, the VAT rates and tax codes, the ledger
//! accounts, projects and stored sales invoices, generated deterministically from the seed.

use std::collections::HashSet;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Map, Value};

use super::SilvasoftConfig;
use crate::kit::data::{self as kit, be_enterprise, digits, ean13, pick, slug, stream};
use crate::kit::names::{
    MAIL_DOMAINS_BE, MAIL_DOMAINS_NL, MEN_BE, MEN_NL, STREETS_BE, STREETS_NL, SURNAMES_BE,
    SURNAMES_NL, WOMEN_BE, WOMEN_NL,
};
use crate::kit::table::{Row, Table};

// ---------------------------------------------------------------------------------------------
// money

/// Rounds to cents, half away from zero (Java's `HALF_UP`), always with two decimals.
pub fn round2(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

/// A decimal as a JSON number the way Silvasoft prints it: no trailing zeros (`692.4`, `100`).
pub fn num(d: Decimal) -> Value {
    let text = d.normalize().to_string();
    Value::Number(serde_json::Number::from_str(&text).expect("a decimal is a number"))
}

/// Splits an amount including VAT into (excluding, VAT): the amount is rounded to cents, the
/// part excluding VAT is `incl × 100 / (100 + pc)` rounded to cents, the VAT is the rest.
pub fn split_incl(incl: Decimal, pc: Decimal) -> (Decimal, Decimal, Decimal) {
    let incl = round2(incl);
    let excl = round2(incl * Decimal::ONE_HUNDRED / (Decimal::ONE_HUNDRED + pc));
    (excl, round2(incl - excl), incl)
}

// ---------------------------------------------------------------------------------------------
// the administration's settings

#[derive(Debug, Clone, PartialEq)]
pub struct TaxCode {
    pub code: String,
    pub pc: Decimal,
}

#[derive(Debug, Clone)]
pub struct Admin {
    /// The VAT percentages, highest first.
    pub percentages: Vec<Decimal>,
    pub tax_codes: Vec<TaxCode>,
    pub ledger_accounts: Vec<(&'static str, &'static str)>,
    /// (number, name).
    pub projects: Vec<(&'static str, &'static str)>,
}

pub const LEDGER_ACCOUNTS: &[(&str, &str)] = &[
    ("8000", "Omzet hoog tarief"),
    ("8010", "Omzet laag tarief"),
    ("8020", "Omzet nultarief"),
    ("8100", "Omzet diensten"),
    ("8150", "Omzet verlegd"),
    ("8200", "Omzet export buiten EU"),
    ("8300", "Omzet intracommunautaire leveringen"),
    ("8900", "Overige opbrengsten"),
];

pub const PROJECTS: &[(&str, &str)] = &[
    ("1", "Pr-123"),
    ("2", "Renovatie kantoor Leusden"),
    ("2025-014", "Onderhoud zonnepanelen Putten"),
    ("2025-021", "Nieuwbouw bedrijfshal Harderwijk"),
];

impl Admin {
    /// Parses the configured percentages; `Err` names the one that is not a percentage.
    pub fn new(cfg: &SilvasoftConfig) -> Result<Admin, String> {
        let mut percentages = Vec::new();
        for p in &cfg.tax_percentages {
            let d = super::body::parse_decimal(p.trim())
                .filter(|d| *d >= Decimal::ZERO && *d < Decimal::ONE_THOUSAND)
                .ok_or_else(|| format!("tax percentage '{p}' is not a percentage"))?;
            if !percentages.contains(&d) {
                percentages.push(d);
            }
        }
        if percentages.is_empty() {
            return Err("the administration needs at least one tax percentage".into());
        }
        percentages.sort_by(|a, b| b.cmp(a));
        let mut tax_codes: Vec<TaxCode> = percentages
            .iter()
            .map(|&pc| {
                let p = pc.normalize();
                let code = if pc == Decimal::from(21) {
                    "BTW hoog 21%".to_string()
                } else if pc == Decimal::from(9) {
                    "BTW laag 9%".to_string()
                } else if pc.is_zero() {
                    "BTW 0%".to_string()
                } else {
                    format!("BTW {p}%")
                };
                TaxCode { code, pc }
            })
            .collect();
        if percentages.iter().any(|p| p.is_zero()) {
            for code in ["Verlegd", "Export buiten EU", "ICP levering"] {
                tax_codes.push(TaxCode {
                    code: code.into(),
                    pc: Decimal::ZERO,
                });
            }
        }
        Ok(Admin {
            percentages,
            tax_codes,
            ledger_accounts: LEDGER_ACCOUNTS.to_vec(),
            projects: PROJECTS.to_vec(),
        })
    }

    pub fn has_percentage(&self, pc: Decimal) -> bool {
        self.percentages.contains(&pc)
    }

    pub fn tax_code(&self, code: &str) -> Option<&TaxCode> {
        self.tax_codes.iter().find(|t| t.code == code)
    }

    pub fn has_ledger(&self, number: &str) -> bool {
        self.ledger_accounts.iter().any(|(n, _)| *n == number)
    }

    /// The percentage a product of a VAT kind gets: high is the highest rate, low the second
    /// highest (or the highest), zero is 0 (or the lowest).
    fn rate_for(&self, kind: &str) -> Decimal {
        let p = &self.percentages;
        match kind {
            "low" => *p.get(1).filter(|d| !d.is_zero()).unwrap_or(&p[0]),
            "zero" => *p.iter().find(|d| d.is_zero()).unwrap_or(&p[p.len() - 1]),
            _ => p[0],
        }
    }
}

// ---------------------------------------------------------------------------------------------
// relations

#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// "Man" or "Woman".
    pub sex: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub guid: i64,
    pub private: bool,
    pub name: String,
    pub is_customer: bool,
    pub is_supplier: bool,
    pub customer_number: Option<i64>,
    pub supplier_number: Option<i64>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The VAT number without its country code (`123456789B01`, `0456789123`).
    pub tax_id: Option<String>,
    /// Chamber of commerce or enterprise number.
    pub registration_number: Option<String>,
    pub street: String,
    pub unit: String,
    pub unit_appendix: String,
    pub city: String,
    pub postal_code: String,
    pub country_code: String,
    pub contacts: Vec<Contact>,
    pub payment_term_days: i64,
    /// UNIX seconds.
    pub created: i64,
    pub changed: i64,
    pub archived: bool,
}

/// Silvasoft's change feed (`ChangedSince`) reads its own clock: the rows keep `changed` in
/// UNIX seconds, stamped by whoever changes them.
impl Row for Relation {
    type Id = i64;
    fn id(&self) -> i64 {
        self.guid
    }
    fn changed(&self) -> u64 {
        u64::try_from(self.changed).unwrap_or(0)
    }
    fn set_changed(&mut self, _counter: u64) {}
}

impl Relation {
    /// The VAT number as `RelationVAT` compares it: without country code and suffix (B01).
    pub fn vat_core(&self) -> Option<&str> {
        let t = self.tax_id.as_deref()?;
        let b = t.as_bytes();
        if b.len() > 3 && b[b.len() - 3] == b'B' && b[b.len() - 2..].iter().all(u8::is_ascii_digit)
        {
            Some(&t[..t.len() - 3])
        } else {
            Some(t)
        }
    }

    pub fn to_json(&self) -> Value {
        let contacts: Vec<Value> = self
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                json!({
                    "FirstName": c.first_name,
                    "LastName": c.last_name,
                    "FamilyName": c.last_name,
                    "Email": c.email,
                    "Phone": c.phone,
                    "Sex": c.sex,
                    "ContactNotes": null,
                    "DefaultContact": i == 0,
                })
            })
            .collect();
        json!({
            "RelationGUID": self.guid,
            "Name": self.name,
            "IsCustomer": self.is_customer,
            "IsSupplier": self.is_supplier,
            "IsOther": false,
            "CustomerNumber": self.customer_number,
            "SupplierNumber": self.supplier_number,
            "Email": self.email,
            "Phone": self.phone,
            "TaxIdentificationNumber": self.tax_id,
            "RegistrationNumber": self.registration_number,
            "Address_Street": self.street,
            "Address_Unit": self.unit,
            "Address_UnitAppendix": self.unit_appendix,
            "Address_City": self.city,
            "Address_PostalCode": self.postal_code,
            "Address_CountryCode": self.country_code,
            "Relation_Contact": contacts,
            "createdOn": self.created,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// products

#[derive(Debug, Clone, PartialEq)]
pub struct StockPosition {
    pub warehouse: String,
    pub shelf: Option<String>,
    pub batch: Option<String>,
    pub qty: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub article_number: String,
    pub name: String,
    pub category: Option<String>,
    pub ean: Option<String>,
    pub description: String,
    pub stock_qty: Decimal,
    pub purchase_price: Decimal,
    /// The default sale price, excluding VAT.
    pub price: Decimal,
    pub vat_pc: Decimal,
    pub archived: bool,
    /// Whether stock is kept (goods); services are not counted.
    pub stocked: bool,
    pub positions: Vec<StockPosition>,
    pub created: i64,
    pub changed: i64,
}

impl Row for Product {
    type Id = String;
    fn id(&self) -> String {
        self.article_number.clone()
    }
    fn changed(&self) -> u64 {
        u64::try_from(self.changed).unwrap_or(0)
    }
    fn set_changed(&mut self, _counter: u64) {}
}

impl Product {
    pub fn to_json(&self, with_positions: bool) -> Value {
        let mut v = json!({
            "Name": self.name,
            "ArticleNumber": self.article_number,
            "Category": self.category,
            "EAN": self.ean,
            "Description": self.description,
            "StockQty": num(self.stock_qty),
            "PurchasePrice": num(self.purchase_price),
            "Price": num(self.price),
            "VATPercentage": num(self.vat_pc),
            "IsArchived": self.archived,
            "CreatedOn": self.created,
            "ChangedOn": self.changed,
        });
        if with_positions {
            v["Product_StockPosition"] = self
                .positions
                .iter()
                .map(|p| {
                    json!({
                        "Warehouse": p.warehouse,
                        "Shelf": p.shelf,
                        "Batch": p.batch,
                        "StockQty": num(p.qty),
                    })
                })
                .collect();
        }
        v
    }

    /// Takes `qty` out of stock (from the first position), for a final sales invoice.
    pub fn take_stock(&mut self, qty: Decimal, now: i64) {
        if !self.stocked {
            return;
        }
        self.stock_qty -= qty;
        if let Some(p) = self.positions.first_mut() {
            p.qty -= qty;
        }
        self.changed = now;
    }
}

// ---------------------------------------------------------------------------------------------
// invoices

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Module {
    /// `addsalestransaction`, the "Boekhouding" module.
    Bookkeeping,
    /// `addsalesinvoice`, the "Facturatie" module.
    Invoicing,
}

impl Module {
    pub fn as_str(self) -> &'static str {
        match self {
            Module::Bookkeeping => "bookkeeping",
            Module::Invoicing => "invoicing",
        }
    }

    pub fn invoice_type(self) -> &'static str {
        match self {
            Module::Bookkeeping => "BOOKKEEPING",
            Module::Invoicing => "INVOICE",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub description: String,
    pub product_number: Option<String>,
    pub product_ean: Option<String>,
    pub quantity: Option<Decimal>,
    pub unit_price_excl: Option<Decimal>,
    pub tax_pc: Decimal,
    pub tax_code: Option<String>,
    pub excl: Decimal,
    pub tax: Decimal,
    pub incl: Decimal,
    pub ledger_account: Option<String>,
    pub cost_center: Option<String>,
}

impl Line {
    fn to_json(&self) -> Value {
        json!({
            "Description": self.description,
            "ProductNumber": self.product_number,
            "ProductEAN": self.product_ean,
            "Quantity": self.quantity.map(num),
            "UnitPriceExclTax": self.unit_price_excl.map(num),
            "TaxPc": num(self.tax_pc),
            "TaxCode": self.tax_code,
            "SubTotalExclTax": num(self.excl),
            "TaxAmount": num(self.tax),
            "SubTotalInclTax": num(self.incl),
            "LedgerAccountNumber": self.ledger_account,
            "CostCenter": self.cost_center,
        })
    }

    fn to_hook_json(&self) -> Value {
        json!({
            "description": self.description,
            "product_number": self.product_number,
            "product_ean": self.product_ean,
            "quantity": self.quantity.map(|d| d.to_string()),
            "unit_price_excl": self.unit_price_excl.map(|d| d.to_string()),
            "tax_pc": self.tax_pc.normalize().to_string(),
            "tax_code": self.tax_code,
            "excl": self.excl.to_string(),
            "tax": self.tax.to_string(),
            "incl": self.incl.to_string(),
            "ledger_account": self.ledger_account,
            "cost_center": self.cost_center,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceAddress {
    /// "InvoiceAddress" or "ShippingAddress".
    pub kind: String,
    pub street: String,
    pub unit: String,
    pub unit_appendix: String,
    pub city: String,
    pub postal_code: String,
    pub country_code: String,
}

impl InvoiceAddress {
    fn to_json(&self) -> Value {
        json!({
            "AddressType": self.kind,
            "Address_Street": self.street,
            "Address_Unit": self.unit,
            "Address_UnitAppendix": self.unit_appendix,
            "Address_City": self.city,
            "Address_PostalCode": self.postal_code,
            "Address_CountryCode": self.country_code,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceContact {
    /// "Invoice" or "PackingSlip".
    pub kind: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub sex: Option<String>,
    pub default: bool,
}

impl InvoiceContact {
    fn to_json(&self) -> Value {
        json!({
            "ContactType": self.kind,
            "Email": self.email,
            "ContactNotes": null,
            "FamilyName": self.last_name,
            "FirstName": self.first_name,
            "Phone": self.phone,
            "Sex": self.sex,
            "LastName": self.last_name,
            "DefaultContact": self.default,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: String,
    pub size: usize,
    pub sha256: String,
}

/// Per VAT percentage: (percentage, base excluding VAT, VAT).
pub type PerRate = Vec<(Decimal, Decimal, Decimal)>;

#[derive(Debug, Clone)]
pub struct Invoice {
    pub module: Module,
    pub number: i64,
    pub date: NaiveDate,
    pub due_date: NaiveDate,
    pub customer_number: i64,
    pub customer_name: String,
    pub relation_guid: i64,
    pub notes: String,
    pub reference: String,
    pub packing_slip_notes: String,
    pub project: Option<(String, String)>,
    pub discount_pc: Option<Decimal>,
    pub draft: bool,
    pub lines: Vec<Line>,
    pub excl: Decimal,
    pub tax: Decimal,
    pub incl: Decimal,
    pub outstanding: Decimal,
    pub per_rate: PerRate,
    pub addresses: Vec<InvoiceAddress>,
    pub contacts: Vec<InvoiceContact>,
    pub file_url: Option<String>,
    pub attachment: Option<Attachment>,
    pub body: Value,
    pub raw_body: String,
    pub received_at: DateTime<Utc>,
    /// Generated history, not received.
    pub historic: bool,
}

pub fn format_date(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

impl Invoice {
    /// The invoice as the API answers it (creation answer and `listsalesinvoices`).
    pub fn to_json(&self, with_lines: bool, with_pdf: bool) -> Value {
        let (project_number, project_name) = self
            .project
            .clone()
            .unwrap_or_else(|| (String::new(), String::new()));
        let mut v = json!({
            "InvoiceNumber": self.number,
            "InvoiceType": self.module.invoice_type(),
            "InvoiceDate": format_date(self.date),
            "InvoiceDueDate": format_date(self.due_date),
            "CustomerNumber": self.customer_number,
            "CustomerName": self.customer_name,
            "InvoiceNotes": self.notes,
            "InvoiceReference": self.reference,
            "PackingSlipNotes": self.packing_slip_notes,
            "ProjectNumber": project_number,
            "ProjectName": project_name,
            "InvoiceTotalExclTax": num(self.excl),
            "InvoiceTaxAmount": num(self.tax),
            "InvoiceTotalInclTax": num(self.incl),
            "InvoiceOutstandingAmount": num(self.outstanding),
            "Invoice_Contact": self.contacts.iter().map(InvoiceContact::to_json).collect::<Vec<_>>(),
            "Invoice_Address": self.addresses.iter().map(InvoiceAddress::to_json).collect::<Vec<_>>(),
        });
        if with_lines {
            v["Invoice_InvoiceLine"] = self.lines.iter().map(Line::to_json).collect();
        }
        if with_pdf {
            v["Base64PDF"] = Value::String(STANDARD.encode(self.pdf()));
        }
        v
    }

    pub fn to_hook_json(&self) -> Value {
        json!({
            "module": self.module.as_str(),
            "invoice_number": self.number,
            "invoice_type": self.module.invoice_type(),
            "invoice_date": format_date(self.date),
            "draft": self.draft,
            "body": self.body,
            "raw_body": self.raw_body,
            "received_at": self.received_at.to_rfc3339(),
            "amounts": {
                "incl": self.incl.to_string(),
                "excl": self.excl.to_string(),
                "tax": self.tax.to_string(),
            },
            "per_rate": self.per_rate.iter().map(|(pc, base, tax)| json!({
                "tax_pc": pc.normalize().to_string(),
                "base": base.to_string(),
                "tax": tax.to_string(),
            })).collect::<Vec<_>>(),
            "customer_number": self.customer_number,
            "customer_name": self.customer_name,
            "relation_guid": self.relation_guid,
            "lines": self.lines.iter().map(Line::to_hook_json).collect::<Vec<_>>(),
            "project": self.project.as_ref().map(|(n, name)| json!({"number": n, "name": name})),
            "discount_pc": self.discount_pc.map(|d| d.to_string()),
            "file_url": self.file_url,
            "attachment": self.attachment.as_ref().map(|a| json!({
                "file_name": a.file_name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            })),
            "addresses": self.addresses.iter().map(InvoiceAddress::to_json).collect::<Vec<_>>(),
            "contacts": self.contacts.iter().map(InvoiceContact::to_json).collect::<Vec<_>>(),
        })
    }

    /// A small, valid one-page PDF with the invoice's main data.
    pub fn pdf(&self) -> Vec<u8> {
        let esc = |s: &str| {
            s.chars()
                .filter(|c| c.is_ascii() && !c.is_ascii_control())
                .map(|c| match c {
                    '(' | ')' | '\\' => format!("\\{c}"),
                    c => c.to_string(),
                })
                .collect::<String>()
        };
        let mut text = vec![
            format!("Factuur {}", self.number),
            format!("Datum {}", format_date(self.date)),
            format!(
                "Klant {} {}",
                self.customer_number,
                esc(&self.customer_name)
            ),
        ];
        for l in &self.lines {
            text.push(format!("{}  {}", esc(&l.description), l.incl));
        }
        text.push(format!("Totaal incl. btw {}", self.incl));
        let mut stream = String::from("BT /F1 11 Tf 50 780 Td 14 TL\n");
        for t in &text {
            stream.push_str(&format!("({t}) '\n"));
        }
        stream.push_str("ET\n");
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
            format!("<< /Length {} >>\nstream\n{stream}endstream", stream.len()),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        ];
        let mut out = String::from("%PDF-1.4\n");
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
        }
        let xref = out.len();
        out.push_str(&format!(
            "xref\n0 {}\n0000000000 65535 f \n",
            objects.len() + 1
        ));
        for off in offsets {
            out.push_str(&format!("{off:010} 00000 n \n"));
        }
        out.push_str(&format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        ));
        out.into_bytes()
    }
}

/// Sums lines per VAT percentage: (percentage, base, VAT) in the order of first appearance.
pub fn per_rate_of_lines(lines: &[Line]) -> PerRate {
    let mut per: PerRate = Vec::new();
    for l in lines {
        match per.iter_mut().find(|(pc, _, _)| *pc == l.tax_pc) {
            Some((_, base, tax)) => {
                *base += l.excl;
                *tax += l.tax;
            }
            None => per.push((l.tax_pc, l.excl, l.tax)),
        }
    }
    per
}

// ---------------------------------------------------------------------------------------------
// the data set

pub struct Data {
    /// In creation order (ascending `RelationGUID`), by `RelationGUID`.
    pub relations: Table<Relation>,
    /// In creation order, by `ArticleNumber`.
    pub products: Table<Product>,
    /// In arrival order; generated history first.
    pub invoices: Vec<Invoice>,
    pub cost_centers: Vec<String>,
    pub next_guid: i64,
    pub next_customer_number: i64,
    pub next_supplier_number: i64,
    pub next_invoice_number: i64,
    pub next_product: u64,
    pub rng: StdRng,
}

/// 2019-01-01: the first generated relation or product.
const GENERATED_FROM: i64 = 1_546_300_800;
/// 2025-06-30: the last generated creation.
const GENERATED_TILL: i64 = 1_751_241_600;
/// 2025-10-31: the last generated change.
const CHANGED_TILL: i64 = 1_761_868_800;

const FIRST_HISTORIC_INVOICE: i64 = 1001;

/// The number of fixed relations at the start of every data set.
const CRAFTED: usize = 10;

/// "de Vries" (NL, lower-case prefix) or "De Smet" (BE, as written).
fn surname(prefix: &str, last: &str) -> String {
    if prefix.is_empty() {
        last.to_string()
    } else {
        format!("{prefix} {last}")
    }
}

struct Person {
    first: String,
    last: String,
    sex: &'static str,
}

fn person(rng: &mut StdRng, be: bool) -> Person {
    let woman = rng.gen_bool(0.5);
    let first = match (be, woman) {
        (false, false) => pick(rng, MEN_NL),
        (false, true) => pick(rng, WOMEN_NL),
        (true, false) => pick(rng, MEN_BE),
        (true, true) => pick(rng, WOMEN_BE),
    };
    let (prefix, last) = *pick(rng, if be { SURNAMES_BE } else { SURNAMES_NL });
    Person {
        first: first.to_string(),
        last: surname(prefix, last),
        sex: if woman { "Woman" } else { "Man" },
    }
}

fn personal_email(rng: &mut StdRng, p: &Person, be: bool) -> String {
    let domain = pick(rng, if be { MAIL_DOMAINS_BE } else { MAIL_DOMAINS_NL });
    kit::personal_email(rng, &p.first, &p.last, domain)
}

/// One generated relation (without GUID, numbers and times, which the caller assigns).
fn gen_relation(rng: &mut StdRng) -> Relation {
    let be = rng.gen_bool(0.2);
    let private = rng.gen_bool(0.35);
    let city = kit::city(rng, be);
    let street = pick(rng, if be { STREETS_BE } else { STREETS_NL }).to_string();
    let unit = kit::house_number(rng).to_string();
    let unit_appendix = if rng.gen_bool(0.1) {
        pick(rng, &["A", "B", "C", "bis", "2", "hs", "-1"]).to_string()
    } else {
        String::new()
    };
    let postal = kit::postal_code(rng, city, be);
    let contact_person = person(rng, be);
    let (name, email, phone, tax_id, registration) = if private {
        let name = if rng.gen_bool(0.3) {
            format!(
                "{} {}",
                kit::initials(&contact_person.first),
                contact_person.last
            )
        } else {
            format!("{} {}", contact_person.first, contact_person.last)
        };
        let email = rng
            .gen_bool(0.85)
            .then(|| personal_email(rng, &contact_person, be));
        let phone = kit::person_phone(rng, city, be);
        (name, email, phone, None, None)
    } else {
        let kit::Company { name, core, .. } = kit::company_name(rng, be);
        let email = kit::company_email(rng, &core, be);
        let phone = rng.gen_bool(0.9).then(|| kit::landline(rng, city, be));
        let (tax, reg) = if be {
            let ent = kit::be_enterprise_number(rng);
            let reg = kit::be_enterprise_dotted(&ent);
            (rng.gen_bool(0.9).then_some(ent), Some(reg))
        } else {
            let tax = rng
                .gen_bool(0.88)
                .then(|| format!("{}B01", kit::nl_vat_core(rng)));
            let reg = rng.gen_bool(0.92).then(|| kit::kvk_number(rng));
            (tax, reg)
        };
        (name, email, phone, tax, reg)
    };
    let mut contacts = Vec::new();
    let contact_email = if private {
        email.clone()
    } else {
        rng.gen_bool(0.6).then(|| {
            let domain = email
                .as_deref()
                .and_then(|e| e.split_once('@'))
                .map_or("gmail.com".to_string(), |(_, d)| d.to_string());
            format!(
                "{}.{}@{domain}",
                slug(&contact_person.first),
                slug(&contact_person.last)
            )
        })
    };
    let contact_phone = if private {
        phone.clone()
    } else {
        rng.gen_bool(0.5).then(|| kit::mobile(rng, be))
    };
    contacts.push(Contact {
        first_name: contact_person.first,
        last_name: contact_person.last,
        email: contact_email,
        phone: contact_phone,
        sex: contact_person.sex,
    });
    if !private && rng.gen_bool(0.3) {
        let p = person(rng, be);
        contacts.push(Contact {
            first_name: p.first,
            last_name: p.last,
            email: None,
            phone: rng.gen_bool(0.5).then(|| kit::mobile(rng, be)),
            sex: p.sex,
        });
    }
    let (is_customer, is_supplier) = match rng.gen_range(0..100) {
        0..=87 => (true, false),
        88..=94 => (false, !private),
        _ => (true, !private),
    };
    let is_customer = is_customer || !is_supplier;
    Relation {
        guid: 0,
        private,
        name,
        is_customer,
        is_supplier,
        customer_number: None,
        supplier_number: None,
        email,
        phone,
        tax_id,
        registration_number: registration,
        street,
        unit,
        unit_appendix,
        city: city.name.to_string(),
        postal_code: postal,
        country_code: if be { "BE" } else { "NL" }.to_string(),
        contacts,
        payment_term_days: *pick(rng, &[14, 14, 14, 30, 30, 21, 8]),
        created: 0,
        changed: 0,
        archived: false,
    }
}

#[allow(clippy::too_many_arguments)]
fn crafted(
    name: &str,
    private: bool,
    customer: bool,
    supplier: bool,
    email: &str,
    phone: &str,
    tax_id: Option<&str>,
    registration: Option<&str>,
    address: (&str, &str, &str, &str, &str),
    contact: (&str, &str, &'static str),
) -> Relation {
    let (street, unit, postal, city, country) = address;
    Relation {
        guid: 0,
        private,
        name: name.into(),
        is_customer: customer,
        is_supplier: supplier,
        customer_number: None,
        supplier_number: None,
        email: Some(email.into()),
        phone: Some(phone.into()),
        tax_id: tax_id.map(Into::into),
        registration_number: registration.map(Into::into),
        street: street.into(),
        unit: unit.into(),
        unit_appendix: String::new(),
        city: city.into(),
        postal_code: postal.into(),
        country_code: country.into(),
        contacts: vec![Contact {
            first_name: contact.0.into(),
            last_name: contact.1.into(),
            email: private.then(|| email.to_string()),
            phone: None,
            sex: contact.2,
        }],
        payment_term_days: 21,
        created: 0,
        changed: 0,
        archived: false,
    }
}

/// Fixed relations at the start of every data set, whatever the seed, so tests and the demo
/// can rely on them: the documentation's "Demo bedrijf", two businesses and two persons with
/// the same name, two relations sharing one e-mail address, suppliers without a customer
/// number, and one relation that is both.
fn crafted_relations() -> Vec<Relation> {
    vec![
        crafted(
            "Demo bedrijf",
            false,
            true,
            false,
            "info@demobedrijf.be",
            "+32 3 2345678",
            Some(&be_enterprise(4_567_891)),
            None,
            ("Voorbeeldstraat", "55", "2018", "Antwerpen", "BE"),
            ("Hendrik", "Janssens", "Man"),
        ),
        crafted(
            "Jansen Installatietechniek B.V.",
            false,
            true,
            false,
            "info@jansen-installatietechniek.nl",
            "033-4567890",
            Some("812345670B01"),
            Some("32145678"),
            ("Nijverheidsweg", "12", "3812 PK", "Amersfoort", "NL"),
            ("Kees", "Jansen", "Man"),
        ),
        crafted(
            "Jansen Installatietechniek B.V.",
            false,
            true,
            false,
            "administratie@jansentechniek.nl",
            "038-4211234",
            Some("855512347B01"),
            Some("05067891"),
            ("Ambachtsweg", "4", "8013 NX", "Zwolle", "NL"),
            ("Marieke", "Jansen", "Woman"),
        ),
        crafted(
            "J. de Vries",
            true,
            true,
            false,
            "j.devries@ziggo.nl",
            "06-12345678",
            None,
            None,
            ("Kerkstraat", "8", "3512 GH", "Utrecht", "NL"),
            ("Jan", "de Vries", "Man"),
        ),
        crafted(
            "J. de Vries",
            true,
            true,
            false,
            "johanna.devries63@gmail.com",
            "050-3123456",
            None,
            None,
            ("Oranjestraat", "31", "9712 KL", "Groningen", "NL"),
            ("Johanna", "de Vries", "Woman"),
        ),
        crafted(
            "Bakkerij van Dam",
            false,
            true,
            false,
            "administratie@vandamgroep.nl",
            "078-6134455",
            Some("803214568B01"),
            Some("23098765"),
            ("Voorstraat", "112", "3311 ER", "Dordrecht", "NL"),
            ("Petra", "van Dam", "Woman"),
        ),
        crafted(
            "Van Dam Catering B.V.",
            false,
            true,
            false,
            "administratie@vandamgroep.nl",
            "078-6134466",
            Some("819876543B01"),
            Some("23098766"),
            ("Handelsweg", "3", "3316 GA", "Dordrecht", "NL"),
            ("Rob", "van Dam", "Man"),
        ),
        crafted(
            "Installatiegroothandel Noordhoek B.V.",
            false,
            false,
            true,
            "verkoop@noordhoek-groothandel.nl",
            "0341-456789",
            Some("821234565B01"),
            Some("08123456"),
            ("Industrieweg", "40", "3846 BC", "Harderwijk", "NL"),
            ("Willem", "Noordhoek", "Man"),
        ),
        crafted(
            "Drukkerij De Kempen BV",
            false,
            false,
            true,
            "facturen@drukkerijdekempen.be",
            "+32 14 412233",
            Some(&be_enterprise(6_123_457)),
            None,
            ("Steenweg", "210", "2300", "Turnhout", "BE"),
            ("Griet", "Peeters", "Woman"),
        ),
        crafted(
            "Klaproos Events",
            false,
            true,
            true,
            "info@klaproosevents.nl",
            "030-2345678",
            Some("834567899B01"),
            Some("61234567"),
            ("Beatrixlaan", "17", "3583 AB", "Utrecht", "NL"),
            ("Sanne", "Bakker", "Woman"),
        ),
    ]
}

/// A product template's VAT kind and whether it is kept in stock.
struct Template {
    name: String,
    category: &'static str,
    vat: &'static str,
    goods: bool,
    cents: i64,
}

const WAREHOUSES: &[&str] = &["Hoofdmagazijn", "Bus 1", "Bus 2", "Magazijn Harderwijk"];

fn description_for(rng: &mut StdRng, name: &str, goods: bool) -> String {
    const EXTRA: &[&str] = &[
        "Levering binnen 2 werkdagen.",
        "Inclusief voorrijkosten binnen de regio.",
        "Minimale afname 1 stuk.",
        "Niet retour te nemen.",
        "Op bestelling, levertijd circa 1 week.",
        "Prijs per stuk.",
    ];
    let mut d = if goods {
        format!("{name}. {}", pick(rng, EXTRA))
    } else {
        format!("{name}, uitgevoerd door een ervaren vakman.")
    };
    if rng.gen_bool(0.2) {
        d.push_str(
            " Vraag naar de voorwaarden voor grotere aantallen en onderhoudscontracten; \
             prijzen gelden tot wederopzegging.",
        );
    }
    d.chars().take(400).collect()
}

fn stock_positions(rng: &mut StdRng, qty: Decimal) -> Vec<StockPosition> {
    let shelf = |rng: &mut StdRng| {
        Some(format!(
            "{}-{:02}",
            (b'A' + rng.gen_range(0..6u8)) as char,
            rng.gen_range(1..30)
        ))
    };
    if rng.gen_bool(0.3) && qty > Decimal::ONE {
        let first = (qty / Decimal::TWO).floor();
        vec![
            StockPosition {
                warehouse: WAREHOUSES[0].into(),
                shelf: shelf(rng),
                batch: None,
                qty: first,
            },
            StockPosition {
                warehouse: pick(rng, &WAREHOUSES[1..]).to_string(),
                shelf: None,
                batch: rng.gen_bool(0.3).then(|| format!("L{}", digits(rng, 6))),
                qty: qty - first,
            },
        ]
    } else {
        vec![StockPosition {
            warehouse: WAREHOUSES[0].into(),
            shelf: shelf(rng),
            batch: None,
            qty,
        }]
    }
}

fn make_product(
    rng: &mut StdRng,
    admin: &Admin,
    t: &Template,
    article_number: String,
    ean: Option<String>,
) -> Product {
    let price = Decimal::new(t.cents, 2);
    let purchase_price = if t.goods {
        round2(price * Decimal::from(rng.gen_range(55..80)) / Decimal::ONE_HUNDRED)
    } else {
        Decimal::ZERO
    };
    let stock_qty = if t.goods {
        match rng.gen_range(0..100) {
            0..=4 => Decimal::ZERO,
            5..=7 => Decimal::from(-rng.gen_range(1..5)),
            _ => Decimal::from(rng.gen_range(1..150)),
        }
    } else {
        Decimal::ZERO
    };
    let positions = if t.goods {
        stock_positions(rng, stock_qty)
    } else {
        Vec::new()
    };
    Product {
        article_number,
        description: description_for(rng, &t.name, t.goods),
        name: t.name.clone(),
        category: Some(t.category.to_string()),
        ean,
        stock_qty,
        purchase_price,
        price,
        vat_pc: admin.rate_for(t.vat),
        archived: false,
        stocked: t.goods,
        positions,
        created: 0,
        changed: 0,
    }
}

fn crafted_products(rng: &mut StdRng, admin: &Admin) -> Vec<Product> {
    let t =
        |name: &str, category: &'static str, vat: &'static str, goods: bool, cents: i64| Template {
            name: name.to_string(),
            category,
            vat,
            goods,
            cents,
        };
    let mut out = vec![
        make_product(
            rng,
            admin,
            &t("Arbeid monteur (per uur)", "Arbeid", "high", false, 6250),
            "ARB-UUR".into(),
            None,
        ),
        make_product(
            rng,
            admin,
            &t(
                "Kilometervergoeding (per km)",
                "Reiskosten",
                "high",
                false,
                23,
            ),
            "KM".into(),
            None,
        ),
        make_product(
            rng,
            admin,
            &t(
                "Cv-ketel Remeha Calenta Ace 28c",
                "Installatiemateriaal",
                "high",
                true,
                185_000,
            ),
            "1001".into(),
            Some(ean13("871234567890")),
        ),
        make_product(
            rng,
            admin,
            &t(
                "Koffiebonen Arabica (1 kg)",
                "Koffie en thee",
                "low",
                true,
                1850,
            ),
            "KOF-1KG".into(),
            Some(ean13("871234567891")),
        ),
        make_product(
            rng,
            admin,
            &t("Exportdocumenten", "Export", "zero", false, 3500),
            "EXP-DOC".into(),
            None,
        ),
        make_product(
            rng,
            admin,
            &t(
                "Thermostaat Honeywell Chronotherm (uit assortiment)",
                "Installatiemateriaal",
                "high",
                true,
                12995,
            ),
            "OUD-001".into(),
            Some(ean13("871234567892")),
        ),
    ];
    // Known stock for the boiler and the coffee, so stock changes are easy to check.
    for (i, qty) in [(2, 12), (3, 40)] {
        out[i].stock_qty = Decimal::from(qty);
        out[i].positions = vec![StockPosition {
            warehouse: WAREHOUSES[0].into(),
            shelf: Some("A-01".into()),
            batch: None,
            qty: Decimal::from(qty),
        }];
    }
    out[5].archived = true;
    out
}

fn gen_product(
    rng: &mut StdRng,
    admin: &Admin,
    k: usize,
    names: &mut HashSet<String>,
    eans: &mut HashSet<String>,
) -> Product {
    let kit::ProductPick {
        template: tpl,
        mut name,
        cents,
        ..
    } = kit::product(rng);
    let mut n = 1;
    while !names.insert(name.clone()) {
        n += 1;
        name = format!(
            "{} - uitvoering {n}",
            name.split(" - uitvoering").next().unwrap_or(&name)
        );
    }
    let goods = tpl.kind == "supplies";
    let prefix: String = slug(tpl.group)
        .chars()
        .take(3)
        .collect::<String>()
        .to_uppercase();
    let article_number = match rng.gen_range(0..10) {
        0..=3 => format!("{}", 10_000 + k),
        4..=7 => format!("{prefix}-{}", 1000 + k),
        _ => format!("A{k}"),
    };
    let ean = (goods && rng.gen_bool(0.6)).then(|| loop {
        let e = kit::ean13_nl(rng);
        if eans.insert(e.clone()) {
            break e;
        }
    });
    let mut p = make_product(
        rng,
        admin,
        &Template {
            name,
            category: tpl.group,
            vat: tpl.vat,
            goods,
            cents,
        },
        article_number,
        ean,
    );
    p.archived = rng.gen_bool(0.03);
    p
}

/// Creation and change times for row `i` of `n`: increasing creation times between 2019 and
/// mid 2025; a third was changed later.
fn times(rng: &mut StdRng, i: usize, n: usize) -> (i64, i64) {
    let span = (GENERATED_TILL - GENERATED_FROM) / n.max(1) as i64;
    let created = GENERATED_FROM + span * i as i64 + rng.gen_range(0..span.max(2) / 2);
    let changed = if rng.gen_bool(0.33) {
        rng.gen_range(created..CHANGED_TILL)
    } else {
        created
    };
    (created, changed)
}

impl Data {
    /// Generates the data set; deterministic for a seed and configuration.
    pub fn generate(cfg: &SilvasoftConfig, admin: &Admin, seed: u64) -> Data {
        let mut rng = stream(seed, 11);
        let mut relations = crafted_relations();
        relations.truncate(cfg.relations);
        while relations.len() < cfg.relations {
            relations.push(gen_relation(&mut rng));
        }
        let mut guid = 6_400_000 + rng.gen_range(0..5000);
        let mut customer = 1;
        let mut supplier = 5001;
        let n = relations.len();
        for (i, r) in relations.iter_mut().enumerate() {
            guid += rng.gen_range(1..40);
            r.guid = guid;
            if r.is_customer {
                r.customer_number = Some(customer);
                // Now and then a number was skipped, but not among the fixed rows.
                customer += if i >= CRAFTED && rng.gen_bool(0.02) {
                    2
                } else {
                    1
                };
            }
            if r.is_supplier {
                r.supplier_number = Some(supplier);
                supplier += 1;
            }
            let (c, ch) = times(&mut rng, i, n);
            r.created = c;
            r.changed = ch;
        }

        let mut rng = stream(seed, 12);
        let mut products = crafted_products(&mut rng, admin);
        products.truncate(cfg.products);
        let mut names: HashSet<String> = products.iter().map(|p| p.name.clone()).collect();
        let mut eans: HashSet<String> = products.iter().filter_map(|p| p.ean.clone()).collect();
        let mut k = 0;
        while products.len() < cfg.products {
            k += 1;
            products.push(gen_product(&mut rng, admin, k, &mut names, &mut eans));
        }
        let n = products.len();
        for (i, p) in products.iter_mut().enumerate() {
            let (c, ch) = times(&mut rng, i, n);
            p.created = c;
            p.changed = ch;
        }

        let mut data = Data {
            relations: Table::new(relations),
            products: Table::new(products),
            invoices: Vec::new(),
            cost_centers: vec!["Algemeen".into(), "Service".into(), "Projecten".into()],
            next_guid: guid + 17,
            next_customer_number: customer,
            next_supplier_number: supplier,
            next_invoice_number: FIRST_HISTORIC_INVOICE,
            next_product: k as u64 + 1,
            rng: stream(seed, 13),
        };
        data.invoices = data.history(admin, seed);
        data.next_invoice_number = FIRST_HISTORIC_INVOICE + data.invoices.len() as i64;
        data
    }

    /// Ten finished invoices from autumn 2025, from both modules, so the list is not empty.
    fn history(&self, admin: &Admin, seed: u64) -> Vec<Invoice> {
        let mut rng = stream(seed, 14);
        let customers: Vec<&Relation> = self
            .relations
            .iter()
            .filter(|r| r.is_customer && r.customer_number.is_some())
            .take(60)
            .collect();
        let goods: Vec<&Product> = self.products.iter().filter(|p| !p.archived).collect();
        if customers.is_empty() {
            return Vec::new();
        }
        let first = NaiveDate::from_ymd_opt(2025, 9, 1).expect("valid date");
        let received = DateTime::<Utc>::from_timestamp(1_756_800_000, 0).unwrap_or_default();
        (0..10)
            .map(|i| {
                let r = *pick(&mut rng, &customers);
                let module = if i % 3 == 1 || goods.is_empty() {
                    Module::Bookkeeping
                } else {
                    Module::Invoicing
                };
                let date = first + Duration::days(9 * i as i64);
                let mut lines = Vec::new();
                for _ in 0..rng.gen_range(1..=4) {
                    if module == Module::Invoicing {
                        let p = *pick(&mut rng, &goods);
                        let qty = Decimal::from(rng.gen_range(1..=5));
                        let excl = round2(qty * p.price);
                        lines.push(Line {
                            description: p.name.clone(),
                            product_number: Some(p.article_number.clone()),
                            product_ean: p.ean.clone(),
                            quantity: Some(qty),
                            unit_price_excl: Some(p.price),
                            tax_pc: p.vat_pc,
                            tax_code: None,
                            excl,
                            tax: round2(excl * p.vat_pc / Decimal::ONE_HUNDRED),
                            incl: Decimal::ZERO,
                            ledger_account: None,
                            cost_center: None,
                        });
                    } else {
                        let pc = *pick(&mut rng, &admin.percentages);
                        let (excl, tax, incl) =
                            split_incl(Decimal::new(rng.gen_range(1_000..250_000), 2), pc);
                        lines.push(Line {
                            description: pick(
                                &mut rng,
                                &[
                                    "Onderhoud installatie",
                                    "Levering materialen",
                                    "Advieswerkzaamheden",
                                    "Huur steiger",
                                ],
                            )
                            .to_string(),
                            product_number: None,
                            product_ean: None,
                            quantity: None,
                            unit_price_excl: None,
                            tax_pc: pc,
                            tax_code: None,
                            excl,
                            tax,
                            incl,
                            ledger_account: Some("8000".into()),
                            cost_center: None,
                        });
                    }
                }
                let per_rate = if module == Module::Invoicing {
                    invoicing_totals(&mut lines)
                } else {
                    per_rate_of_lines(&lines)
                };
                let excl: Decimal = per_rate.iter().map(|p| p.1).sum();
                let tax: Decimal = per_rate.iter().map(|p| p.2).sum();
                let incl = excl + tax;
                Invoice {
                    module,
                    number: FIRST_HISTORIC_INVOICE + i as i64,
                    date,
                    due_date: date + Duration::days(r.payment_term_days),
                    customer_number: r.customer_number.unwrap_or_default(),
                    customer_name: r.name.clone(),
                    relation_guid: r.guid,
                    notes: format!("Factuur {}", format_date(date)),
                    reference: String::new(),
                    packing_slip_notes: String::new(),
                    project: None,
                    discount_pc: None,
                    draft: false,
                    lines,
                    excl,
                    tax,
                    incl,
                    outstanding: if i >= 7 { incl } else { Decimal::ZERO },
                    per_rate,
                    addresses: vec![relation_address(r)],
                    contacts: relation_contacts(r),
                    file_url: None,
                    attachment: None,
                    body: Value::Null,
                    raw_body: String::new(),
                    received_at: received + Duration::days(9 * i as i64),
                    historic: true,
                }
            })
            .collect()
    }

    /// The next free invoice number of the administration's own sequence.
    pub fn take_invoice_number(&mut self) -> i64 {
        loop {
            let n = self.next_invoice_number;
            self.next_invoice_number += 1;
            if !self.invoices.iter().any(|i| i.number == n) {
                return n;
            }
        }
    }

    /// A new relation from the generator (for the mutate hook); answers its position.
    pub fn create_relation(&mut self, now: i64) -> usize {
        let mut r = gen_relation(&mut self.rng);
        self.next_guid += self.rng.gen_range(1..40);
        r.guid = self.next_guid;
        if r.is_customer {
            r.customer_number = Some(self.next_customer_number);
            self.next_customer_number += 1;
        }
        if r.is_supplier {
            r.supplier_number = Some(self.next_supplier_number);
            self.next_supplier_number += 1;
        }
        r.created = now;
        r.changed = now;
        self.relations.insert(r)
    }

    /// A new product from the generator (for the mutate hook); answers its position.
    pub fn create_product(&mut self, admin: &Admin, now: i64) -> usize {
        let mut names: HashSet<String> = self.products.iter().map(|p| p.name.clone()).collect();
        let mut eans: HashSet<String> =
            self.products.iter().filter_map(|p| p.ean.clone()).collect();
        let k = self.next_product as usize + 100_000;
        self.next_product += 1;
        let mut p = gen_product(&mut self.rng, admin, k, &mut names, &mut eans);
        while self.products.get(&p.article_number).is_some() {
            p.article_number.push('X');
        }
        p.archived = false;
        p.created = now;
        p.changed = now;
        self.products.insert(p)
    }
}

/// Invoicing-module amounts: each line `Quantity × UnitPriceExclTax` rounded to cents (after
/// the invoice discount), the VAT per percentage over the sum of its lines, rounded to cents.
/// Fills in each line's VAT (its own share, rounded) and amount including VAT; returns the
/// per-percentage totals, which are what the invoice totals add up.
pub fn invoicing_totals(lines: &mut [Line]) -> PerRate {
    for l in lines.iter_mut() {
        l.tax = round2(l.excl * l.tax_pc / Decimal::ONE_HUNDRED);
        l.incl = l.excl + l.tax;
    }
    let mut per: PerRate = Vec::new();
    for l in lines.iter() {
        match per.iter_mut().find(|(pc, _, _)| *pc == l.tax_pc) {
            Some((_, base, _)) => *base += l.excl,
            None => per.push((l.tax_pc, l.excl, Decimal::ZERO)),
        }
    }
    for (pc, base, tax) in per.iter_mut() {
        *tax = round2(*base * *pc / Decimal::ONE_HUNDRED);
    }
    per
}

/// The relation's address as an invoice address.
pub fn relation_address(r: &Relation) -> InvoiceAddress {
    InvoiceAddress {
        kind: "InvoiceAddress".into(),
        street: r.street.clone(),
        unit: r.unit.clone(),
        unit_appendix: r.unit_appendix.clone(),
        city: r.city.clone(),
        postal_code: r.postal_code.clone(),
        country_code: r.country_code.clone(),
    }
}

/// The relation's default contact, once for the invoice and once for the packing slip (as in
/// Silvasoft's example answer).
pub fn relation_contacts(r: &Relation) -> Vec<InvoiceContact> {
    let Some(c) = r.contacts.first() else {
        return Vec::new();
    };
    ["Invoice", "PackingSlip"]
        .iter()
        .map(|kind| InvoiceContact {
            kind: kind.to_string(),
            first_name: Some(c.first_name.clone()),
            last_name: Some(c.last_name.clone()),
            email: c.email.clone(),
            phone: c.phone.clone(),
            sex: Some(c.sex.to_string()),
            default: true,
        })
        .collect()
}

/// Builds a JSON object from pairs (for hooks).
pub fn object(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin() -> Admin {
        Admin::new(&SilvasoftConfig::default()).unwrap()
    }

    #[test]
    fn split_including_vat() {
        let (excl, tax, incl) = split_incl(Decimal::new(12100, 2), Decimal::from(21));
        assert_eq!(
            (excl, tax, incl),
            (
                Decimal::new(10000, 2),
                Decimal::new(2100, 2),
                Decimal::new(12100, 2)
            )
        );
        let (excl, tax, _) = split_incl(Decimal::new(65, 2), Decimal::from(21));
        assert_eq!((excl, tax), (Decimal::new(54, 2), Decimal::new(11, 2)));
        assert_eq!(num(Decimal::new(69240, 2)).to_string(), "692.4");
        assert_eq!(num(Decimal::new(10000, 2)).to_string(), "100");
    }

    #[test]
    fn generation_is_deterministic_and_has_the_crafted_rows() {
        let cfg = SilvasoftConfig::default();
        let a = Data::generate(&cfg, &admin(), 5);
        let b = Data::generate(&cfg, &admin(), 5);
        assert_eq!(a.relations.rows(), b.relations.rows());
        assert_eq!(a.products.rows(), b.products.rows());
        assert_eq!(a.relations.len(), 1200);
        assert_eq!(a.products.len(), 300);
        assert_eq!(a.invoices.len(), 10);
        let jansen = a
            .relations
            .iter()
            .filter(|r| r.name == "Jansen Installatietechniek B.V.")
            .count();
        assert!(jansen >= 2);
        assert!(a.relations.windows(2).all(|w| w[0].guid < w[1].guid));
        assert!(a.relations.windows(2).all(|w| w[0].created < w[1].created));
        let articles: HashSet<_> = a.products.iter().map(|p| &p.article_number).collect();
        assert_eq!(articles.len(), a.products.len());
        assert!(a.relations.iter().any(|r| r.customer_number.is_none()));
        assert_eq!(crafted_relations().len(), CRAFTED);
        let numbers: Vec<_> = a.relations[..CRAFTED]
            .iter()
            .map(|r| r.customer_number)
            .collect();
        assert_eq!(
            numbers,
            [
                Some(1),
                Some(2),
                Some(3),
                Some(4),
                Some(5),
                Some(6),
                Some(7),
                None,
                None,
                Some(8)
            ]
        );
        let c = Data::generate(&cfg, &admin(), 6);
        assert_ne!(a.relations[20], c.relations[20]);
    }

    #[test]
    fn tax_codes_and_rates() {
        let a = admin();
        assert_eq!(
            a.percentages,
            vec![Decimal::from(21), Decimal::from(9), Decimal::ZERO]
        );
        assert_eq!(a.tax_code("Verlegd").unwrap().pc, Decimal::ZERO);
        assert_eq!(a.rate_for("low"), Decimal::from(9));
        let bad = SilvasoftConfig {
            tax_percentages: vec!["21,0".into()],
            ..SilvasoftConfig::default()
        };
        assert!(Admin::new(&bad).is_err());
    }

    #[test]
    fn pdf_is_well_formed() {
        let cfg = SilvasoftConfig::default();
        let d = Data::generate(&cfg, &admin(), 1);
        let pdf = d.invoices[0].pdf();
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
    }
}
