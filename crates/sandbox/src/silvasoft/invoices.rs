//! `POST /rest/addsalestransaction/` (bookkeeping module) and `POST /rest/addsalesinvoice/`
//! (invoicing module).
//!
//! A body is first read completely (JSON syntax, then the kind of every known member, in the
//! order of the documentation), then checked against the administration; the first problem
//! found is the answer. A valid invoice is stored and answered as a one-element array.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::body::{self, objects, Obj};
use super::data::{
    invoicing_totals, per_rate_of_lines, relation_address, relation_contacts, round2, split_incl,
    Attachment, Data, Invoice, InvoiceAddress, InvoiceContact, Line, Module, Product, Relation,
};
use super::errors::{self, ApiError};
use super::lists::parse_date;
use super::Silvasoft;
use crate::kit::server::DropConnection;

/// The most lines an invoice may have.
pub const MAX_LINES: usize = 75;
/// The largest attachment sent as `FileContent`: 10 MB (10 × 1024 × 1024 bytes) decoded.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The extensions `InvoiceFileUrl` and `FileName` may end with.
pub const FILE_EXTENSIONS: &[&str] = &[".jpg", ".png", ".pdf", ".doc", ".docx", ".gif"];
/// The longest `InvoiceReference`.
pub const MAX_REFERENCE: usize = 150;

pub async fn add_sales_transaction(
    State(s): State<Arc<Silvasoft>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create(s, Module::Bookkeeping, &headers, body).await
}

pub async fn add_sales_invoice(
    State(s): State<Arc<Silvasoft>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create(s, Module::Invoicing, &headers, body).await
}

async fn create(s: Arc<Silvasoft>, module: Module, headers: &HeaderMap, body: Bytes) -> Response {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/json") {
        return errors::error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            errors::UNSUPPORTED_MEDIA_TYPE,
            &format!("Content-Type '{ct}' is not supported; send application/json"),
        );
    }
    if s.take_empty_object() {
        return errors::json(StatusCode::OK, &Value::Object(Default::default()));
    }
    // The work runs in its own task, as on a real server: a client that gives up waiting does
    // not stop it.
    let task = tokio::spawn(async move {
        s.work_delay().await;
        let outcome = match module {
            Module::Bookkeeping => s.add_transaction(&body),
            Module::Invoicing => s.add_invoice(&body),
        };
        match outcome {
            Ok(v) => {
                let mut resp = errors::json(StatusCode::OK, &Value::Array(vec![v]));
                if s.faults.take_drop_after_store() {
                    resp.extensions_mut().insert(DropConnection);
                } else if let Some(status) = s.faults.take_fail_after_store() {
                    // Stored, then a failure answer (a gateway, or a crash after the commit).
                    return errors::injected(status);
                }
                resp
            }
            Err(e) => e.into_response(),
        }
    });
    task.await
        .unwrap_or_else(|_| errors::injected(StatusCode::INTERNAL_SERVER_ERROR))
}

/// Today in the Netherlands (CET, CEST from the last Sunday of March to the last Sunday of
/// October).
pub fn today_nl(now: DateTime<Utc>) -> NaiveDate {
    let y = now.year();
    let last_sunday = |month: u32| {
        let d = NaiveDate::from_ymd_opt(y, month, 31).unwrap_or_default();
        let back = d.weekday().num_days_from_sunday();
        (d - Duration::days(i64::from(back)))
            .and_hms_opt(1, 0, 0)
            .unwrap_or_default()
            .and_utc()
    };
    let summer = now >= last_sunday(3) && now < last_sunday(10);
    (now + Duration::hours(if summer { 2 } else { 1 })).date_naive()
}

/// How the customer is identified.
enum CustomerRef {
    Number(i64),
    NameEmail(Option<String>, Option<String>),
}

fn read_customer(o: &Obj<'_>) -> Result<CustomerRef, ApiError> {
    // A number of 0 counts as empty; with a number, name and e-mail are not even read.
    if let Some(n) = o.integer("CustomerNumber", false)?.filter(|n| *n != 0) {
        return Ok(CustomerRef::Number(n));
    }
    Ok(CustomerRef::NameEmail(
        o.string("CustomerName")?,
        o.string("CustomerEmail")?,
    ))
}

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn find_customer<'a>(data: &'a Data, c: &CustomerRef) -> Result<&'a Relation, ApiError> {
    let customers = || {
        data.relations
            .iter()
            .filter(|r| r.is_customer && !r.archived)
    };
    match c {
        CustomerRef::Number(n) => customers()
            .find(|r| r.customer_number == Some(*n))
            .ok_or_else(|| {
                ApiError::invalid(format!("Customer with CustomerNumber {n} not found"))
            }),
        CustomerRef::NameEmail(None, None) => Err(ApiError::invalid(
            "CustomerNumber, CustomerName or CustomerEmail is required",
        )),
        CustomerRef::NameEmail(name, email) => customers()
            .find(|r| {
                name.as_deref().is_none_or(|n| same(&r.name, n))
                    && email
                        .as_deref()
                        .is_none_or(|e| r.email.as_deref().is_some_and(|re| same(re, e)))
            })
            .ok_or_else(|| {
                let what = match (name, email) {
                    (Some(n), Some(e)) => format!("CustomerName '{n}' and CustomerEmail '{e}'"),
                    (Some(n), None) => format!("CustomerName '{n}'"),
                    (None, Some(e)) => format!("CustomerEmail '{e}'"),
                    (None, None) => String::new(),
                };
                ApiError::invalid(format!("No customer found with {what}"))
            }),
    }
}

fn read_date(o: &Obj<'_>) -> Result<NaiveDate, ApiError> {
    match o.string("InvoiceDate")? {
        None => Ok(today_nl(Utc::now())),
        Some(s) => parse_date(s.trim()).ok_or_else(|| {
            ApiError::invalid(format!(
                "InvoiceDate '{s}' is not a valid date in format dd-MM-yyyy"
            ))
        }),
    }
}

fn read_invoice_number(o: &Obj<'_>) -> Result<Option<i64>, ApiError> {
    match o.integer("InvoiceNumber", true)? {
        None | Some(0) => Ok(None),
        Some(n) if n < 0 => Err(ApiError::invalid(format!(
            "InvoiceNumber must be a positive number, got {n}"
        ))),
        Some(n) => Ok(Some(n)),
    }
}

fn check_unique(data: &Data, number: Option<i64>) -> Result<(), ApiError> {
    match number {
        Some(n) if data.invoices.iter().any(|i| i.number == n) => Err(ApiError::invalid(format!(
            "InvoiceNumber {n} already exists"
        ))),
        _ => Ok(()),
    }
}

fn allowed_extension(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_lowercase();
    FILE_EXTENSIONS
        .iter()
        .find(|e| lower.ends_with(*e))
        .copied()
}

fn check_file_url(url: Option<&str>) -> Result<(), ApiError> {
    match url {
        Some(u) if allowed_extension(u).is_none() => Err(ApiError::invalid(format!(
            "InvoiceFileUrl '{u}' must end with one of {}",
            FILE_EXTENSIONS.join(", ")
        ))),
        _ => Ok(()),
    }
}

type Project = Option<(String, String)>;

fn read_project(o: &Obj<'_>) -> Result<(Option<String>, Option<String>), ApiError> {
    Ok((o.string("InvoiceProject")?, o.string("SelectProjectBy")?))
}

fn find_project(
    s: &Silvasoft,
    project: Option<&str>,
    select: Option<&str>,
) -> Result<Project, ApiError> {
    let select = match select {
        None => None,
        Some(v @ ("NAME" | "NUMBER")) => Some(v),
        Some(v) => {
            return Err(ApiError::invalid(format!(
                "SelectProjectBy must be NAME or NUMBER, got '{v}'"
            )))
        }
    };
    let Some(p) = project else {
        return Ok(None);
    };
    let Some(select) = select else {
        return Err(ApiError::invalid(
            "SelectProjectBy (NAME or NUMBER) is required with InvoiceProject",
        ));
    };
    s.admin
        .projects
        .iter()
        .find(|(number, name)| {
            if select == "NUMBER" {
                *number == p.trim()
            } else {
                same(name, p)
            }
        })
        .map(|(n, name)| Some((n.to_string(), name.to_string())))
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "InvoiceProject '{p}' not found (SelectProjectBy {select})"
            ))
        })
}

fn check_line_count(n: usize) -> Result<(), ApiError> {
    if n == 0 {
        Err(ApiError::invalid(
            "At least one invoice line is required (Invoice_InvoiceLine)",
        ))
    } else if n > MAX_LINES {
        Err(ApiError::invalid(format!(
            "Maximum {MAX_LINES} invoice lines allowed, got {n} (Invoice_InvoiceLine)"
        )))
    } else {
        Ok(())
    }
}

fn check_ledger(s: &Silvasoft, i: usize, ledger: Option<&str>) -> Result<(), ApiError> {
    match ledger {
        Some(l) if !s.admin.has_ledger(l.trim()) => Err(ApiError::invalid(format!(
            "Invoice_InvoiceLine[{i}].LedgerAccountNumber '{l}' does not exist in your administration"
        ))),
        _ => Ok(()),
    }
}

/// The VAT of a line: `TaxCode` when given (it wins over `TaxPc`), else `TaxPc`, which must be
/// one of the administration's percentages. `-1` means "the product's" where a product is
/// known; `fallback` is used when neither is given (`None`: one of them is required).
fn resolve_tax(
    s: &Silvasoft,
    i: usize,
    pc: Option<Decimal>,
    code: Option<&str>,
    product: Option<&Product>,
    fallback: Option<Decimal>,
) -> Result<(Decimal, Option<String>), ApiError> {
    if let Some(code) = code {
        return s
            .admin
            .tax_code(code)
            .map(|t| (t.pc, Some(t.code.clone())))
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "Invoice_InvoiceLine[{i}].TaxCode '{code}' not found in your administration"
                ))
            });
    }
    match pc {
        Some(pc) if pc == Decimal::NEGATIVE_ONE && product.is_some() => {
            Ok((product.map_or(Decimal::ZERO, |p| p.vat_pc), None))
        }
        Some(pc) if s.admin.has_percentage(pc) => Ok((pc, None)),
        Some(pc) => Err(ApiError::invalid(format!(
            "Invoice_InvoiceLine[{i}].TaxPc {} is not a tax percentage of your administration",
            pc.normalize()
        ))),
        None => fallback.map(|pc| (pc, None)).ok_or_else(|| {
            ApiError::invalid(format!(
                "Invoice_InvoiceLine[{i}]: TaxPc or TaxCode is required"
            ))
        }),
    }
}

fn stored_body(raw: &[u8]) -> (Value, String) {
    let text = String::from_utf8_lossy(raw.strip_prefix("\u{feff}".as_bytes()).unwrap_or(raw))
        .into_owned();
    (serde_json::from_str(&text).unwrap_or(Value::Null), text)
}

struct TransactionLine {
    pc: Option<Decimal>,
    code: Option<String>,
    incl: Option<Decimal>,
    description: Option<String>,
    cost_center: Option<String>,
    ledger: Option<String>,
}

struct InvoiceLineIn {
    number: Option<String>,
    ean: Option<String>,
    quantity: Option<Decimal>,
    price: Option<Decimal>,
    use_article_price: bool,
    pc: Option<Decimal>,
    code: Option<String>,
    description: Option<String>,
    ledger: Option<String>,
}

struct FileIn {
    content: Option<String>,
    name: Option<String>,
}

/// What a file's first bytes say it is.
fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static [&'static str])> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", &[".pdf"]))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", &[".png"]))
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some(("image/jpeg", &[".jpg"]))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(("image/gif", &[".gif"]))
    } else if bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        Some(("application/msword", &[".doc"]))
    } else if bytes.starts_with(b"PK\x03\x04") && bytes.windows(5).any(|w| w == b"word/") {
        Some((
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            &[".docx"],
        ))
    } else {
        None
    }
}

fn check_file(f: &FileIn) -> Result<Option<(Attachment, Bytes)>, ApiError> {
    let Some(content) = &f.content else {
        return Ok(None);
    };
    let Some(name) = f.name.as_deref() else {
        return Err(ApiError::invalid("FileName is required with FileContent"));
    };
    let Some(ext) = allowed_extension(name) else {
        return Err(ApiError::invalid(format!(
            "FileName '{name}' must end with one of {}",
            FILE_EXTENSIONS.join(", ")
        )));
    };
    // Cheap size check before decoding: 4 characters carry 3 bytes.
    if content.len() / 4 * 3 > MAX_FILE_BYTES + 3 {
        return Err(ApiError::invalid(
            "FileContent exceeds the maximum file size of 10 MB",
        ));
    }
    let bytes = STANDARD
        .decode(content.trim())
        .map_err(|_| ApiError::invalid("FileContent is not valid base64"))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ApiError::invalid(
            "FileContent exceeds the maximum file size of 10 MB",
        ));
    }
    if bytes.is_empty() {
        return Err(ApiError::invalid("FileContent is empty"));
    }
    let Some((mime, exts)) = sniff(&bytes) else {
        return Err(ApiError::invalid(
            "FileContent is not an allowed file type (pdf, png, jpg, gif, doc, docx)",
        ));
    };
    if !exts.contains(&ext) {
        return Err(ApiError::invalid(format!(
            "FileName '{name}' does not match the file content ({mime})"
        )));
    }
    let sha = Sha256::digest(&bytes);
    let sha256 = sha.iter().map(|b| format!("{b:02x}")).collect::<String>();
    Ok(Some((
        Attachment {
            file_name: name.to_string(),
            content_type: mime.to_string(),
            size: bytes.len(),
            sha256,
        },
        Bytes::from(bytes),
    )))
}

fn read_addresses(o: &Obj<'_>) -> Result<Option<Vec<InvoiceAddress>>, ApiError> {
    let Some(items) = o.array("Invoice_Address")? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for a in objects(items)? {
        let kind = match a.string("Address_Type")?.as_deref() {
            None | Some("InvoiceAddress" | "BillingAddress") => "InvoiceAddress",
            Some("ShippingAddress") => "ShippingAddress",
            Some(other) => {
                return Err(ApiError::invalid(format!(
                    "Address_Type must be InvoiceAddress, BillingAddress or ShippingAddress, got '{other}'"
                )))
            }
        };
        let country = a.string("Address_CountryCode")?.unwrap_or_default();
        let two_letters = country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic());
        if !country.is_empty() && !two_letters {
            return Err(ApiError::invalid(format!(
                "Address_CountryCode must be an ISO 3166-1 alpha-2 code, got '{country}'"
            )));
        }
        out.push(InvoiceAddress {
            kind: kind.into(),
            street: a.string("Address_Street")?.unwrap_or_default(),
            unit: a.string("Address_Unit")?.unwrap_or_default(),
            unit_appendix: a.string("Address_UnitAppendix")?.unwrap_or_default(),
            city: a.string("Address_City")?.unwrap_or_default(),
            postal_code: a.string("Address_PostalCode")?.unwrap_or_default(),
            country_code: country.to_uppercase(),
        });
    }
    Ok((!out.is_empty()).then_some(out))
}

fn read_contacts(o: &Obj<'_>) -> Result<Option<Vec<InvoiceContact>>, ApiError> {
    let Some(items) = o.array("Invoice_Contact")? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for c in objects(items)? {
        let kind = match c.string("ContactType")?.as_deref() {
            None | Some("Invoice") => "Invoice",
            Some("PackingSlip") => "PackingSlip",
            Some(other) => {
                return Err(ApiError::invalid(format!(
                    "ContactType must be Invoice or PackingSlip, got '{other}'"
                )))
            }
        };
        out.push(InvoiceContact {
            kind: kind.into(),
            first_name: c.string("FirstName")?,
            last_name: c.string("LastName")?,
            email: c.string("Email")?,
            phone: c.string("Phone")?,
            sex: c.string("Sex")?,
            default: c.boolean("DefaultContact")?.unwrap_or(false),
        });
    }
    Ok((!out.is_empty()).then_some(out))
}

impl Silvasoft {
    fn add_transaction(&self, raw: &[u8]) -> Result<Value, ApiError> {
        let node = body::parse(raw)?;
        let o = Obj::of(&node).ok_or_else(ApiError::bad_json)?;
        let customer = read_customer(&o)?;
        let date = read_date(&o)?;
        let number = read_invoice_number(&o)?;
        let notes = o.string("InvoiceNotes")?;
        let file_url = o.string("InvoiceFileUrl")?;
        let (project, select) = read_project(&o)?;
        let lines_in = match o.array("Invoice_InvoiceLine")? {
            Some(items) => objects(items)?,
            None => Vec::new(),
        };
        let mut lines = Vec::with_capacity(lines_in.len());
        for l in &lines_in {
            lines.push(TransactionLine {
                pc: l.decimal("TaxPc")?,
                code: l.string("TaxCode")?,
                incl: l.decimal("SubTotalInclTax")?,
                description: l.string("Description")?,
                cost_center: l.string("CostCenter")?,
                ledger: l.string("LedgerAccountNumber")?,
            });
        }

        let mut data = self.data.write();
        let relation = find_customer(&data, &customer)?.clone();
        check_unique(&data, number)?;
        check_file_url(file_url.as_deref())?;
        let project = find_project(self, project.as_deref(), select.as_deref())?;
        check_line_count(lines.len())?;
        let mut out = Vec::with_capacity(lines.len());
        for (i, l) in lines.iter().enumerate() {
            let Some(incl) = l.incl else {
                return Err(ApiError::invalid(format!(
                    "Invoice_InvoiceLine[{i}].SubTotalInclTax is required"
                )));
            };
            let (pc, code) = resolve_tax(self, i, l.pc, l.code.as_deref(), None, None)?;
            check_ledger(self, i, l.ledger.as_deref())?;
            let (excl, tax, incl) = split_incl(incl, pc);
            out.push(Line {
                description: l.description.clone().unwrap_or_default(),
                product_number: None,
                product_ean: None,
                quantity: None,
                unit_price_excl: None,
                tax_pc: pc,
                tax_code: code,
                excl,
                tax,
                incl,
                ledger_account: l.ledger.as_ref().map(|s| s.trim().to_string()),
                cost_center: l.cost_center.clone(),
            });
        }
        for cc in out.iter().filter_map(|l| l.cost_center.as_ref()) {
            if !data.cost_centers.contains(cc) {
                data.cost_centers.push(cc.clone());
            }
        }
        let per_rate = per_rate_of_lines(&out);
        let excl: Decimal = out.iter().map(|l| l.excl).sum();
        let tax: Decimal = out.iter().map(|l| l.tax).sum();
        let incl: Decimal = out.iter().map(|l| l.incl).sum();
        let number = match number {
            Some(n) => n,
            None => data.take_invoice_number(),
        };
        let (body, raw_body) = stored_body(raw);
        let invoice = Invoice {
            module: Module::Bookkeeping,
            number,
            date,
            due_date: date + Duration::days(relation.payment_term_days),
            customer_number: relation.customer_number.unwrap_or_default(),
            customer_name: relation.name.clone(),
            relation_guid: relation.guid,
            notes: notes.unwrap_or_default(),
            reference: String::new(),
            packing_slip_notes: String::new(),
            project,
            discount_pc: None,
            draft: false,
            lines: out,
            excl,
            tax,
            incl,
            outstanding: incl,
            per_rate,
            addresses: vec![relation_address(&relation)],
            contacts: relation_contacts(&relation),
            file_url,
            attachment: None,
            body,
            raw_body,
            received_at: Utc::now(),
            historic: false,
        };
        let answer = invoice.to_json(false, false);
        data.invoices.push(invoice);
        Ok(answer)
    }

    fn add_invoice(&self, raw: &[u8]) -> Result<Value, ApiError> {
        let node = body::parse(raw)?;
        let o = Obj::of(&node).ok_or_else(ApiError::bad_json)?;
        let customer = read_customer(&o)?;
        let draft = o.boolean("AddAsDraft")?.unwrap_or(false);
        let date = read_date(&o)?;
        let number = read_invoice_number(&o)?;
        let notes = o.string("InvoiceNotes")?;
        let reference = o.string("InvoiceReference")?;
        let discount = o.decimal("InvoiceDiscountPc")?;
        let due_days = o.integer("InvoiceDueDays", false)?;
        let packing_slip_notes = o.string("PackingSlipNotes")?;
        let file_url = o.string("InvoiceFileUrl")?;
        let file = FileIn {
            content: o.string("FileContent")?,
            name: o.string("FileName")?,
        };
        let addresses = read_addresses(&o)?;
        let contacts = read_contacts(&o)?;
        let lines_in = match o.array("Invoice_InvoiceLine")? {
            Some(items) => objects(items)?,
            None => Vec::new(),
        };
        let mut lines = Vec::with_capacity(lines_in.len());
        for l in &lines_in {
            lines.push(InvoiceLineIn {
                number: l.string("ProductNumber")?,
                ean: l.string("ProductEAN")?,
                quantity: l.decimal("Quantity")?,
                price: l.decimal("UnitPriceExclTax")?,
                use_article_price: l.boolean("UseArticlePrice")?.unwrap_or(false),
                pc: l.decimal("TaxPc")?,
                code: l.string("TaxCode")?,
                description: l.string("Description")?,
                ledger: l.string("LedgerAccountNumber")?,
            });
        }

        if let Some(r) = &reference {
            if r.chars().count() > MAX_REFERENCE {
                return Err(ApiError::invalid(format!(
                    "InvoiceReference exceeds the maximum length of {MAX_REFERENCE} characters"
                )));
            }
        }
        if let Some(d) = discount {
            if d < Decimal::ZERO || d > Decimal::ONE_HUNDRED {
                return Err(ApiError::invalid(format!(
                    "InvoiceDiscountPc must be between 0 and 100, got {}",
                    d.normalize()
                )));
            }
        }
        if let Some(d) = due_days {
            if !(0..=3650).contains(&d) {
                return Err(ApiError::invalid(format!(
                    "InvoiceDueDays must be between 0 and 3650, got {d}"
                )));
            }
        }
        check_file_url(file_url.as_deref())?;
        let attachment = check_file(&file)?;

        let mut data = self.data.write();
        let relation = find_customer(&data, &customer)?.clone();
        check_unique(&data, number)?;
        check_line_count(lines.len())?;
        let mut out = Vec::with_capacity(lines.len());
        let mut stock: Vec<(usize, Decimal)> = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let found = match (&l.number, &l.ean) {
                (Some(n), _) => data.products.position(n).ok_or_else(|| {
                    ApiError::invalid(format!(
                        "Invoice_InvoiceLine[{i}]: product with ProductNumber '{n}' not found"
                    ))
                })?,
                (None, Some(e)) => data
                    .products
                    .iter()
                    .position(|p| p.ean.as_deref() == Some(e.as_str()))
                    .ok_or_else(|| {
                        ApiError::invalid(format!(
                            "Invoice_InvoiceLine[{i}]: product with ProductEAN '{e}' not found"
                        ))
                    })?,
                (None, None) => {
                    return Err(ApiError::invalid(format!(
                        "Invoice_InvoiceLine[{i}]: ProductNumber or ProductEAN is required"
                    )))
                }
            };
            let product = &data.products[found];
            if product.archived {
                return Err(ApiError::invalid(format!(
                    "Invoice_InvoiceLine[{i}]: product '{}' is archived",
                    product.article_number
                )));
            }
            let Some(qty) = l.quantity else {
                return Err(ApiError::invalid(format!(
                    "Invoice_InvoiceLine[{i}].Quantity is required"
                )));
            };
            let price = if l.use_article_price {
                product.price
            } else {
                l.price.ok_or_else(|| {
                    ApiError::invalid(format!(
                        "Invoice_InvoiceLine[{i}]: UnitPriceExclTax or UseArticlePrice is required"
                    ))
                })?
            };
            let (pc, code) = resolve_tax(
                self,
                i,
                l.pc,
                l.code.as_deref(),
                Some(product),
                Some(product.vat_pc),
            )?;
            check_ledger(self, i, l.ledger.as_deref())?;
            let mut excl = round2(qty * price);
            if let Some(d) = discount {
                excl = round2(excl * (Decimal::ONE_HUNDRED - d) / Decimal::ONE_HUNDRED);
            }
            stock.push((found, qty));
            out.push(Line {
                description: l
                    .description
                    .clone()
                    .unwrap_or_else(|| product.name.clone()),
                product_number: Some(product.article_number.clone()),
                product_ean: product.ean.clone(),
                quantity: Some(qty),
                unit_price_excl: Some(price),
                tax_pc: pc,
                tax_code: code,
                excl,
                tax: Decimal::ZERO,
                incl: Decimal::ZERO,
                ledger_account: l.ledger.as_ref().map(|s| s.trim().to_string()),
                cost_center: None,
            });
        }
        let per_rate = invoicing_totals(&mut out);
        let excl: Decimal = per_rate.iter().map(|p| p.1).sum();
        let tax: Decimal = per_rate.iter().map(|p| p.2).sum();
        let incl = excl + tax;
        if !draft {
            let now = Utc::now().timestamp();
            for (i, qty) in stock {
                data.products.update_at(i, |p| p.take_stock(qty, now));
            }
        }
        let number = match number {
            Some(n) => n,
            None => data.take_invoice_number(),
        };
        let (body, raw_body) = stored_body(raw);
        let (attachment, bytes) = match attachment {
            Some((a, b)) => (Some(a), Some(b)),
            None => (None, None),
        };
        let invoice = Invoice {
            module: Module::Invoicing,
            number,
            date,
            due_date: date + Duration::days(due_days.unwrap_or(relation.payment_term_days)),
            customer_number: relation.customer_number.unwrap_or_default(),
            customer_name: relation.name.clone(),
            relation_guid: relation.guid,
            notes: notes.unwrap_or_default(),
            reference: reference.unwrap_or_default(),
            packing_slip_notes: packing_slip_notes.unwrap_or_default(),
            project: None,
            discount_pc: discount,
            draft,
            lines: out,
            excl,
            tax,
            incl,
            outstanding: incl,
            per_rate,
            addresses: addresses.unwrap_or_else(|| vec![relation_address(&relation)]),
            contacts: contacts.unwrap_or_else(|| relation_contacts(&relation)),
            file_url,
            attachment,
            body,
            raw_body,
            received_at: Utc::now(),
            historic: false,
        };
        let answer = invoice.to_json(false, false);
        data.invoices.push(invoice);
        drop(data);
        if let Some(b) = bytes {
            self.attachments().insert(number, b);
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_today() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // Winter: UTC+1.
        assert_eq!(
            today_nl(at("2026-01-10T23:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 1, 11).unwrap()
        );
        assert_eq!(
            today_nl(at("2026-01-10T22:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 1, 10).unwrap()
        );
        // Summer: UTC+2.
        assert_eq!(
            today_nl(at("2026-07-10T22:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 7, 11).unwrap()
        );
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"%PDF-1.7 ...").unwrap().0, "application/pdf");
        assert_eq!(sniff(b"GIF89a...").unwrap().0, "image/gif");
        assert!(sniff(b"PK\x03\x04 just a zip").is_none());
        assert!(sniff(b"PK\x03\x04 ... word/document.xml").is_some());
        assert!(sniff(b"hello").is_none());
    }
}
