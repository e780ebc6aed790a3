//! The AFAS SB data set: administrations, relations (persons, organisations, the two unknown
//! relations), addresses, products per administration and sales invoices, generated
//! deterministically from a seed, plus the change counters behind `TrackingToken`.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::AfasConfig;
use crate::kit::data::{self as kit, digits, new_uuid, pick, stream};
use crate::kit::names::*;
use crate::kit::table::impl_row;
pub use crate::kit::table::{Row, Table};

/// The type of a field, for filters and sorting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Uuid,
    Bool,
    Num,
    Date,
}

/// A field value, for filters and sorting.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Null,
    Str(&'a str),
    Uuid(Uuid),
    Bool(bool),
    Num(Decimal),
    Date(NaiveDate),
}

fn opt(s: &Option<String>) -> Val<'_> {
    s.as_deref().map_or(Val::Null, Val::Str)
}

fn js(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

/// A decimal as a JSON number with exactly its digits.
pub fn num(d: Decimal) -> Value {
    Value::Number(serde_json::Number::from_str(&d.to_string()).expect("a decimal is a number"))
}

impl_row!(Uuid => Administration, Person, Organisation, UnknownRelation, Product, Address, Invoice);

/// One row type of a GET connector (its id and change stamp are the kit's [`Row`]).
pub trait Record: Row<Id = Uuid> {
    const FIELDS: &'static [(&'static str, Kind)];
    /// `field` is a canonical name from `FIELDS`.
    fn get(&self, field: &str) -> Val<'_>;
    fn to_json(&self) -> Value;
    /// Whether the row is listed at all (deleted rows are not).
    fn visible(&self) -> bool {
        true
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VatType {
    High,
    Low,
    Zero,
}

impl VatType {
    pub fn as_str(self) -> &'static str {
        match self {
            VatType::High => "high",
            VatType::Low => "low",
            VatType::Zero => "zero",
        }
    }

    pub fn parse(s: &str) -> Option<VatType> {
        match s {
            "high" => Some(VatType::High),
            "low" => Some(VatType::Low),
            "zero" => Some(VatType::Zero),
            _ => None,
        }
    }

    /// The Dutch rate in percent.
    pub fn percentage(self) -> Decimal {
        match self {
            VatType::High => Decimal::from(21),
            VatType::Low => Decimal::from(9),
            VatType::Zero => Decimal::ZERO,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelType {
    Organisation,
    Person,
    Unknown,
}

impl RelType {
    pub fn as_str(self) -> &'static str {
        match self {
            RelType::Organisation => "organisation",
            RelType::Person => "person",
            RelType::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<RelType> {
        match s {
            "organisation" => Some(RelType::Organisation),
            "person" => Some(RelType::Person),
            "unknown" => Some(RelType::Unknown),
            _ => None,
        }
    }

    /// The relation type ids AFAS answers in `RelationTypeId` (organisation from the spec's
    /// example; the other two are stable ids of this stand-in).
    pub fn type_id(self) -> Uuid {
        match self {
            RelType::Organisation => Uuid::from_u128(0x1f0fbbf3_bb59_4ff1_8712_1e7087e09895),
            RelType::Person => Uuid::from_u128(0x5a0c2ef1_6b1d_4a53_9a3e_2f4b9d7c1e01),
            RelType::Unknown => Uuid::from_u128(0x9e3d4c11_0f6e_4d2b_8c59_7a1e5b3f2d02),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rows

#[derive(Debug, Clone)]
pub struct Administration {
    pub id: Uuid,
    pub description: String,
    /// Invoices dated before this are refused ("beginbalansdatum").
    pub opening_date: NaiveDate,
    pub changed: u64,
}

impl Record for Administration {
    const FIELDS: &'static [(&'static str, Kind)] = &[
        ("Id", Kind::Uuid),
        ("Description", Kind::Str),
        ("InstanceId", Kind::Uuid),
    ];
    fn get(&self, field: &str) -> Val<'_> {
        match field {
            "Id" | "InstanceId" => Val::Uuid(self.id),
            "Description" => Val::Str(&self.description),
            _ => Val::Null,
        }
    }
    fn to_json(&self) -> Value {
        json!({"Id": self.id, "Description": self.description, "InstanceId": self.id})
    }
}

#[derive(Debug, Clone)]
pub struct Person {
    pub id: Uuid,
    pub number: String,
    pub first_name: String,
    pub initials: String,
    pub prefix: Option<String>,
    pub last_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub external_id: Option<String>,
    pub archived: bool,
    pub changed: u64,
    name: String,
}

impl Person {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn refresh_name(&mut self) {
        let mut n = self.first_name.clone();
        if let Some(p) = self.prefix.as_deref().filter(|p| !p.is_empty()) {
            n.push(' ');
            n.push_str(p);
        }
        n.push(' ');
        n.push_str(&self.last_name);
        self.name = n;
    }
}

impl Record for Person {
    const FIELDS: &'static [(&'static str, Kind)] = &[
        ("Id", Kind::Uuid),
        ("Name", Kind::Str),
        ("FirstName", Kind::Str),
        ("Initials", Kind::Str),
        ("Prefix", Kind::Str),
        ("Lastname", Kind::Str),
        ("PhoneNumber", Kind::Str),
        ("EmailAddress", Kind::Str),
        ("ExternalId", Kind::Str),
        ("IsArchived", Kind::Bool),
    ];
    fn get(&self, field: &str) -> Val<'_> {
        match field {
            "Id" => Val::Uuid(self.id),
            "Name" => Val::Str(&self.name),
            "FirstName" => Val::Str(&self.first_name),
            "Initials" => Val::Str(&self.initials),
            "Prefix" => opt(&self.prefix),
            "Lastname" => Val::Str(&self.last_name),
            "PhoneNumber" => opt(&self.phone),
            "EmailAddress" => opt(&self.email),
            "ExternalId" => opt(&self.external_id),
            "IsArchived" => Val::Bool(self.archived),
            _ => Val::Null,
        }
    }
    fn to_json(&self) -> Value {
        json!({
            "Id": self.id,
            "Name": self.name,
            "FirstName": self.first_name,
            "Initials": self.initials,
            "Prefix": js(&self.prefix),
            "Lastname": self.last_name,
            "PhoneNumber": js(&self.phone),
            "EmailAddress": js(&self.email),
            "ExternalId": js(&self.external_id),
            "IsArchived": self.archived,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Organisation {
    pub id: Uuid,
    pub number: String,
    /// The name without the relation number AFAS appends in this connector.
    pub name: String,
    pub coc: Option<String>,
    pub vat: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub sbi: Option<String>,
    pub external_id: Option<String>,
    pub archived: bool,
    pub changed: u64,
    display: String,
}

impl Organisation {
    pub fn refresh_name(&mut self) {
        self.display = format!("{} ({})", self.name, self.number);
    }
}

impl Record for Organisation {
    const FIELDS: &'static [(&'static str, Kind)] = &[
        ("Id", Kind::Uuid),
        ("Name", Kind::Str),
        ("CocNumber", Kind::Str),
        ("VatNumber", Kind::Str),
        ("PhoneNumber", Kind::Str),
        ("EmailAddress", Kind::Str),
        ("SbiCode", Kind::Str),
        ("RelationId", Kind::Str),
        ("ExternalId", Kind::Str),
        ("IsArchived", Kind::Bool),
    ];
    fn get(&self, field: &str) -> Val<'_> {
        match field {
            "Id" => Val::Uuid(self.id),
            "Name" => Val::Str(&self.display),
            "CocNumber" => opt(&self.coc),
            "VatNumber" => opt(&self.vat),
            "PhoneNumber" => opt(&self.phone),
            "EmailAddress" => opt(&self.email),
            "SbiCode" => opt(&self.sbi),
            "RelationId" => Val::Str(&self.number),
            "ExternalId" => opt(&self.external_id),
            "IsArchived" => Val::Bool(self.archived),
            _ => Val::Null,
        }
    }
    fn to_json(&self) -> Value {
        json!({
            "Id": self.id,
            "Name": self.display,
            "CocNumber": js(&self.coc),
            "VatNumber": js(&self.vat),
            "PhoneNumber": js(&self.phone),
            "EmailAddress": js(&self.email),
            "SbiCode": js(&self.sbi),
            "RelationId": self.number,
            "ExternalId": js(&self.external_id),
            "IsArchived": self.archived,
        })
    }
}

#[derive(Debug, Clone)]
pub struct UnknownRelation {
    pub id: Uuid,
    pub name: String,
    pub sales: bool,
    pub purchase: bool,
    pub blocked: bool,
    pub changed: u64,
}

impl Record for UnknownRelation {
    const FIELDS: &'static [(&'static str, Kind)] = &[
        ("Id", Kind::Uuid),
        ("Name", Kind::Str),
        ("SalesRelation", Kind::Bool),
        ("PurchaseRelation", Kind::Bool),
        ("IsBlocked", Kind::Bool),
    ];
    fn get(&self, field: &str) -> Val<'_> {
        match field {
            "Id" => Val::Uuid(self.id),
            "Name" => Val::Str(&self.name),
            "SalesRelation" => Val::Bool(self.sales),
            "PurchaseRelation" => Val::Bool(self.purchase),
            "IsBlocked" => Val::Bool(self.blocked),
            _ => Val::Null,
        }
    }
    fn to_json(&self) -> Value {
        json!({
            "Id": self.id,
            "Name": self.name,
            "SalesRelation": self.sales,
            "PurchaseRelation": self.purchase,
            "IsBlocked": self.blocked,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Product {
    pub id: Uuid,
    pub administration_id: Uuid,
    /// The description without the "(code, internal id)" suffix AFAS appends.
    pub description: String,
    pub code: String,
    pub internal_id: String,
    pub price: Decimal,
    pub vat: VatType,
    pub group: String,
    pub barcode: Option<String>,
    pub category: Option<String>,
    pub extra: Option<String>,
    pub style: Uuid,
    pub kind: String,
    pub archived: bool,
    pub blocked: bool,
    pub disabled: bool,
    pub changed: u64,
    display: String,
    price_incl: Decimal,
}

impl Product {
    pub fn refresh(&mut self) {
        self.display = format!("{} ({}, {})", self.description, self.code, self.internal_id);
        self.price_incl = round2(
            self.price * (Decimal::ONE_HUNDRED + self.vat.percentage()) / Decimal::ONE_HUNDRED,
        );
    }

    pub fn display(&self) -> &str {
        &self.display
    }
}

impl Record for Product {
    const FIELDS: &'static [(&'static str, Kind)] = &[
        ("Id", Kind::Uuid),
        ("AdministrationId", Kind::Uuid),
        ("Description", Kind::Str),
        ("Code", Kind::Str),
        ("InternalId", Kind::Str),
        ("PriceExcludingVAT", Kind::Num),
        ("PriceIncludingVAT", Kind::Num),
        ("VatType", Kind::Str),
        ("ProductGroup", Kind::Str),
        ("Barcode", Kind::Str),
        ("Category", Kind::Str),
        ("ExtraDescription", Kind::Str),
        ("ProductStyle", Kind::Uuid),
        ("ProductType", Kind::Str),
        ("IsArchived", Kind::Bool),
        ("IsBlocked", Kind::Bool),
        ("IsDisabled", Kind::Bool),
    ];
    fn get(&self, field: &str) -> Val<'_> {
        match field {
            "Id" => Val::Uuid(self.id),
            "AdministrationId" => Val::Uuid(self.administration_id),
            "Description" => Val::Str(&self.display),
            "Code" => Val::Str(&self.code),
            "InternalId" => Val::Str(&self.internal_id),
            "PriceExcludingVAT" => Val::Num(self.price),
            "PriceIncludingVAT" => Val::Num(self.price_incl),
            "VatType" => Val::Str(self.vat.as_str()),
            "ProductGroup" => Val::Str(&self.group),
            "Barcode" => opt(&self.barcode),
            "Category" => opt(&self.category),
            "ExtraDescription" => opt(&self.extra),
            "ProductStyle" => Val::Uuid(self.style),
            "ProductType" => Val::Str(&self.kind),
            "IsArchived" => Val::Bool(self.archived),
            "IsBlocked" => Val::Bool(self.blocked),
            "IsDisabled" => Val::Bool(self.disabled),
            _ => Val::Null,
        }
    }
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("Id".into(), json!(self.id));
        m.insert("AdministrationId".into(), json!(self.administration_id));
        m.insert("Description".into(), json!(self.display));
        m.insert("Code".into(), json!(self.code));
        m.insert("InternalId".into(), json!(self.internal_id));
        m.insert("PriceExcludingVAT".into(), num(self.price));
        m.insert("PriceIncludingVAT".into(), num(self.price_incl));
        m.insert("VatType".into(), json!(self.vat.as_str()));
        m.insert("ProductGroup".into(), json!(self.group));
        m.insert("Barcode".into(), js(&self.barcode));
        m.insert("Category".into(), js(&self.category));
        m.insert("ExtraDescription".into(), js(&self.extra));
        m.insert("ProductStyle".into(), json!(self.style));
        m.insert("ProductType".into(), json!(self.kind));
        m.insert("IsArchived".into(), json!(self.archived));
        m.insert("IsBlocked".into(), json!(self.blocked));
        m.insert("IsDisabled".into(), json!(self.disabled));
        m.insert("Blob".into(), Value::Null);
        Value::Object(m)
    }
}

#[derive(Debug, Clone)]
pub struct Address {
    pub id: Uuid,
    pub relation_id: Uuid,
    pub relation_type: RelType,
    pub street: String,
    pub house_number: String,
    pub addition: Option<String>,
    pub postal_zone: String,
    pub city: String,
    pub country: String,
    pub preferred_invoice: bool,
    pub preferred_supplier: bool,
    pub changed: u64,
}

impl Record for Address {
    const FIELDS: &'static [(&'static str, Kind)] = &[
        ("Id", Kind::Uuid),
        ("StreetName", Kind::Str),
        ("HouseNumber", Kind::Str),
        ("HouseNumberAddition", Kind::Str),
        ("PostalZone", Kind::Str),
        ("CityName", Kind::Str),
        ("CountryName", Kind::Str),
        ("RelationId", Kind::Uuid),
        ("RelationType", Kind::Str),
        ("IsPreferedInvoiceAddress", Kind::Bool),
        ("IsPreferedSupplierAddress", Kind::Bool),
    ];
    fn get(&self, field: &str) -> Val<'_> {
        match field {
            "Id" => Val::Uuid(self.id),
            "StreetName" => Val::Str(&self.street),
            "HouseNumber" => Val::Str(&self.house_number),
            "HouseNumberAddition" => opt(&self.addition),
            "PostalZone" => Val::Str(&self.postal_zone),
            "CityName" => Val::Str(&self.city),
            "CountryName" => Val::Str(&self.country),
            "RelationId" => Val::Uuid(self.relation_id),
            "RelationType" => Val::Str(self.relation_type.as_str()),
            "IsPreferedInvoiceAddress" => Val::Bool(self.preferred_invoice),
            "IsPreferedSupplierAddress" => Val::Bool(self.preferred_supplier),
            _ => Val::Null,
        }
    }
    fn to_json(&self) -> Value {
        json!({
            "Id": self.id,
            "StreetName": self.street,
            "HouseNumber": self.house_number,
            "HouseNumberAddition": js(&self.addition),
            "PostalZone": self.postal_zone,
            "CityName": self.city,
            "CountryName": self.country,
            "RelationId": self.relation_id,
            "RelationType": self.relation_type.as_str(),
            "IsPreferedInvoiceAddress": self.preferred_invoice,
            "IsPreferedSupplierAddress": self.preferred_supplier,
        })
    }
}

/// The amounts of an invoice, per VAT type and in total.
#[derive(Debug, Clone, PartialEq)]
pub struct Amounts {
    pub excluding_vat: Decimal,
    pub vat: Decimal,
    pub including_vat: Decimal,
    /// (type, base, vat), in the order high, low, zero; only types that occur.
    pub per_type: Vec<(VatType, Decimal, Decimal)>,
}

impl Amounts {
    pub fn to_hook_json(&self) -> Value {
        json!({
            "excluding_vat": self.excluding_vat.to_string(),
            "vat": self.vat.to_string(),
            "including_vat": self.including_vat.to_string(),
            "per_vat_type": self.per_type.iter().map(|(t, base, vat)| json!({
                "vat_type": t.as_str(),
                "percentage": t.percentage().to_string(),
                "base": base.to_string(),
                "vat": vat.to_string(),
            })).collect::<Vec<_>>(),
        })
    }
}

pub fn round2(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

/// Each line's amount is `Quantity × Price` rounded to cents; the VAT is computed per VAT
/// type over the sum of its lines and rounded to cents (half away from zero).
pub fn compute_amounts(lines: &[(Decimal, Decimal, VatType)]) -> Amounts {
    let mut per: Vec<(VatType, Decimal)> = Vec::new();
    for &(qty, price, vat) in lines {
        let amount = round2(qty * price);
        match per.iter_mut().find(|(t, _)| *t == vat) {
            Some((_, sum)) => *sum += amount,
            None => per.push((vat, amount)),
        }
    }
    per.sort_by_key(|(t, _)| *t);
    let per_type: Vec<_> = per
        .into_iter()
        .map(|(t, base)| {
            (
                t,
                round2(base),
                round2(base * t.percentage() / Decimal::ONE_HUNDRED),
            )
        })
        .collect();
    let excluding_vat = round2(per_type.iter().map(|p| p.1).sum());
    let vat = round2(per_type.iter().map(|p| p.2).sum());
    Amounts {
        excluding_vat,
        vat,
        including_vat: round2(excluding_vat + vat),
        per_type,
    }
}

#[derive(Debug, Clone)]
pub struct Invoice {
    pub id: Uuid,
    pub administration_id: Uuid,
    pub number: Option<String>,
    pub issue_date: NaiveDate,
    pub relation_type: RelType,
    pub relation_id: Uuid,
    pub relation_number: Option<String>,
    pub relation_description: String,
    pub status: String,
    pub amounts: Amounts,
    pub to_be_invoiced: bool,
    pub deleted: bool,
    /// Generated history, not received through the API.
    pub historic: bool,
    pub tracking_identifier: Option<Uuid>,
    pub body: Value,
    pub raw_body: String,
    pub received_at: DateTime<Utc>,
    pub result: String,
    pub attachments: Vec<Uuid>,
    pub changed: u64,
}

impl Record for Invoice {
    const FIELDS: &'static [(&'static str, Kind)] = &[
        ("InstanceId", Kind::Uuid),
        ("AdministrationId", Kind::Uuid),
        ("SalesInvoiceNumber", Kind::Str),
        ("IssueDate", Kind::Date),
        ("RelationTypeId", Kind::Uuid),
        ("RelationType", Kind::Str),
        ("RelationNumber", Kind::Str),
        ("RelationDescription", Kind::Str),
        ("Status", Kind::Str),
        ("AmountExcludingVat", Kind::Num),
        ("AmountVat", Kind::Num),
        ("AmountInvoiced", Kind::Num),
        ("Organisation", Kind::Uuid),
        ("Person", Kind::Uuid),
        ("Unknown", Kind::Uuid),
    ];
    fn get(&self, field: &str) -> Val<'_> {
        match field {
            "InstanceId" => Val::Uuid(self.id),
            "Organisation" | "Person" | "Unknown" => {
                if self.relation_field() == field {
                    Val::Uuid(self.relation_id)
                } else {
                    Val::Null
                }
            }
            "AdministrationId" => Val::Uuid(self.administration_id),
            "SalesInvoiceNumber" => opt(&self.number),
            "IssueDate" => Val::Date(self.issue_date),
            "RelationTypeId" => Val::Uuid(self.relation_type.type_id()),
            "RelationType" => Val::Str(self.relation_type.as_str()),
            "RelationNumber" => opt(&self.relation_number),
            "RelationDescription" => Val::Str(&self.relation_description),
            "Status" => Val::Str(&self.status),
            "AmountExcludingVat" => Val::Num(self.amounts.excluding_vat),
            "AmountVat" => Val::Num(self.amounts.vat),
            "AmountInvoiced" => Val::Num(self.amounts.including_vat),
            _ => Val::Null,
        }
    }
    fn visible(&self) -> bool {
        !self.deleted
    }
    fn to_json(&self) -> Value {
        let mut v = json!({
            "InstanceId": self.id,
            "AmountExcludingVat": num(self.amounts.excluding_vat),
            "AmountVat": num(self.amounts.vat),
            "AmountInvoiced": num(self.amounts.including_vat),
            "SalesInvoiceNumber": js(&self.number),
            "IssueDate": format!("{}T00:00:00Z", self.issue_date.format("%Y-%m-%d")),
            "AdministrationId": self.administration_id,
            "Status": self.status,
            "Blob": Value::Null,
            "RelationTypeId": self.relation_type.type_id(),
            "RelationNumber": js(&self.relation_number),
            "RelationDescription": self.relation_description,
            "RelationType": self.relation_type.as_str(),
            "IsOrganisation": self.relation_type == RelType::Organisation,
            "IsPerson": self.relation_type == RelType::Person,
            "IsUnknown": self.relation_type == RelType::Unknown,
        });
        if let Some(o) = v.as_object_mut() {
            o.insert(self.relation_field().into(), json!(self.relation_id));
        }
        v
    }
}

impl Invoice {
    /// The member that names the invoice's relation by its id: `Organisation`, `Person` or
    /// `Unknown`. The spec lists these three members (typed `string`, in no example); this
    /// stand-in answers the relation's uuid in the one that matches `RelationType`, an
    /// assumption to be checked against a real administration.
    pub fn relation_field(&self) -> &'static str {
        match self.relation_type {
            RelType::Organisation => "Organisation",
            RelType::Person => "Person",
            RelType::Unknown => "Unknown",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The data set

pub struct Data {
    pub administrations: Table<Administration>,
    pub persons: Table<Person>,
    pub organisations: Table<Organisation>,
    pub unknown: Table<UnknownRelation>,
    pub products: Table<Product>,
    pub addresses: Table<Address>,
    pub invoices: Table<Invoice>,
    /// Next relation number for created relations.
    pub next_relation_number: u32,
    /// Next invoice sequence number per (administration, year).
    pub invoice_seq: HashMap<(Uuid, i32), u32>,
    /// RNG for relations and products created through the mutate hook.
    pub rng: StdRng,
    pub products_per_admin: usize,
}

struct Place {
    city: &'static City,
    be: bool,
}

fn place(rng: &mut StdRng, be: bool) -> Place {
    Place {
        city: kit::city(rng, be),
        be,
    }
}

fn address(rng: &mut StdRng, p: &Place, relation_id: Uuid, rt: RelType) -> Address {
    let c = p.city;
    let postal_zone = kit::postal_code(rng, c, p.be);
    let street = pick(rng, if p.be { STREETS_BE } else { STREETS_NL }).to_string();
    let house = kit::house_number(rng);
    let addition = if rng.gen_bool(0.1) {
        Some(pick(rng, &["A", "B", "C", "bis", "2", "hs", "-1", "rd"]).to_string())
    } else {
        None
    };
    Address {
        id: new_uuid(rng),
        relation_id,
        relation_type: rt,
        street,
        house_number: house.to_string(),
        addition,
        postal_zone,
        city: c.name.to_string(),
        country: if p.be { "België" } else { "Nederland" }.to_string(),
        preferred_invoice: false,
        preferred_supplier: false,
        changed: 0,
    }
}

/// One to three addresses, exactly one of them the preferred invoice address.
fn addresses_for(rng: &mut StdRng, first: &Place, relation_id: Uuid, rt: RelType) -> Vec<Address> {
    let n = match rng.gen_range(0..100) {
        0..=69 => 1,
        70..=91 => 2,
        _ => 3,
    };
    let mut out = vec![address(rng, first, relation_id, rt)];
    for _ in 1..n {
        let p = if rng.gen_bool(0.5) {
            Place {
                city: first.city,
                be: first.be,
            }
        } else {
            place(rng, first.be)
        };
        out.push(address(rng, &p, relation_id, rt));
    }
    let inv = if n > 1 && rng.gen_bool(0.25) {
        rng.gen_range(1..n)
    } else {
        0
    };
    out[inv].preferred_invoice = true;
    out[0].preferred_supplier = true;
    out
}

pub fn gen_person(rng: &mut StdRng, number: u32) -> (Person, Vec<Address>) {
    let be = rng.gen_bool(0.2);
    let first = pick(rng, if be { FIRST_NAMES_BE } else { FIRST_NAMES_NL }).to_string();
    let (prefix, last) = *pick(rng, if be { SURNAMES_BE } else { SURNAMES_NL });
    let mut initials = kit::initials(&first);
    if rng.gen_bool(0.3) {
        initials.push(*pick(rng, &['A', 'C', 'E', 'G', 'H', 'J', 'M', 'P', 'W']));
        initials.push('.');
    }
    let domain = pick(rng, if be { MAIL_DOMAINS_BE } else { MAIL_DOMAINS_NL });
    let email = rng
        .gen_bool(0.85)
        .then(|| kit::personal_email(rng, &first, &format!("{prefix}{last}"), domain));
    let p = place(rng, be);
    let phone = kit::person_phone(rng, p.city, be);
    let id = new_uuid(rng);
    let mut person = Person {
        id,
        number: format!("{number:06}"),
        first_name: first,
        initials,
        prefix: (!prefix.is_empty()).then(|| prefix.to_string()),
        last_name: last.to_string(),
        phone,
        email,
        external_id: rng
            .gen_bool(0.05)
            .then(|| format!("CRM-{}", digits(rng, 5))),
        archived: rng.gen_bool(0.03),
        changed: 0,
        name: String::new(),
    };
    person.refresh_name();
    let addrs = addresses_for(rng, &p, id, RelType::Person);
    (person, addrs)
}

pub fn gen_organisation(rng: &mut StdRng, number: u32) -> (Organisation, Vec<Address>) {
    let be = rng.gen_bool(0.2);
    let kit::Company { name, core, sbi } = kit::company_name(rng, be);
    let email = kit::company_email(rng, &core, be);
    let p = place(rng, be);
    let phone = rng.gen_bool(0.9).then(|| kit::landline(rng, p.city, be));
    let (coc, vat) = if be {
        let ent = kit::be_enterprise_number(rng);
        let coc = rng.gen_bool(0.9).then(|| kit::be_enterprise_dotted(&ent));
        let vat = rng.gen_bool(0.9).then(|| format!("BE{ent}"));
        (coc, vat)
    } else {
        let coc = rng.gen_bool(0.92).then(|| kit::kvk_number(rng));
        let vat = rng.gen_bool(0.88).then(|| {
            let core = kit::nl_vat_core(rng);
            let suffix = if rng.gen_bool(0.9) { "B01" } else { "B02" };
            format!("NL{core}{suffix}")
        });
        (coc, vat)
    };
    let id = new_uuid(rng);
    let mut org = Organisation {
        id,
        number: format!("{number:06}"),
        name,
        coc,
        vat,
        phone,
        email,
        sbi: (!be && rng.gen_bool(0.85)).then(|| sbi.to_string()),
        external_id: rng.gen_bool(0.1).then(|| format!("CRM-{}", digits(rng, 5))),
        archived: rng.gen_bool(0.03),
        changed: 0,
        display: String::new(),
    };
    org.refresh_name();
    let addrs = addresses_for(rng, &p, id, RelType::Organisation);
    (org, addrs)
}

const EXTRA_DESCRIPTIONS: &[&str] = &[
    "Prijs exclusief btw.",
    "Levering binnen 2 werkdagen.",
    "Inclusief voorrijkosten binnen de regio.",
    "Minimale afname 1 stuk.",
    "Niet retour te nemen.",
    "Op bestelling, levertijd circa 1 week.",
];

pub fn gen_product(
    rng: &mut StdRng,
    administration_id: Uuid,
    styles: (Uuid, Uuid),
    index: usize,
    seen: &mut HashMap<String, u32>,
) -> Product {
    let kit::ProductPick {
        index: ti,
        template: t,
        name: mut description,
        cents,
        ..
    } = kit::product(rng);
    let n = seen.entry(description.clone()).or_insert(0);
    *n += 1;
    if *n > 1 {
        description = format!("{description} - uitvoering {n}");
    }
    let supplies = t.kind == "supplies";
    let mut p = Product {
        id: new_uuid(rng),
        administration_id,
        description,
        code: format!(
            "{}{:03}",
            ti + 10,
            *seen.get(&format!("#{ti}")).unwrap_or(&0) + 1
        ),
        internal_id: format!("{:06}", index + 1),
        price: Decimal::new(cents, 2),
        vat: VatType::parse(t.vat).unwrap_or(VatType::High),
        group: t.group.to_string(),
        barcode: (supplies && rng.gen_bool(0.6)).then(|| kit::ean13_nl(rng)),
        category: rng
            .gen_bool(0.2)
            .then(|| if supplies { "Materialen" } else { "Diensten" }.to_string()),
        extra: rng
            .gen_bool(0.15)
            .then(|| pick(rng, EXTRA_DESCRIPTIONS).to_string()),
        style: if supplies { styles.0 } else { styles.1 },
        kind: if rng.gen_bool(0.01) {
            "unknown".to_string()
        } else {
            t.kind.to_string()
        },
        archived: rng.gen_bool(0.03),
        blocked: rng.gen_bool(0.01),
        disabled: rng.gen_bool(0.005),
        changed: 0,
        display: String::new(),
        price_incl: Decimal::ZERO,
    };
    *seen.entry(format!("#{ti}")).or_insert(0) += 1;
    p.refresh();
    p
}

impl Data {
    /// Generates the whole data set. Deterministic for a seed and configuration.
    pub fn generate(cfg: &AfasConfig, seed: u64) -> Data {
        let mut rng = stream(seed, 1);
        let administrations: Vec<Administration> = (0..cfg.administrations)
            .map(|i| {
                let base = ADMINISTRATIONS[i % ADMINISTRATIONS.len()];
                let description = if i < ADMINISTRATIONS.len() {
                    base.to_string()
                } else {
                    format!("{base} {}", i / ADMINISTRATIONS.len() + 1)
                };
                Administration {
                    id: new_uuid(&mut rng),
                    description,
                    opening_date: NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid date"),
                    changed: 0,
                }
            })
            .collect();

        let mut addresses = Vec::new();
        let mut rng = stream(seed, 2);
        let mut organisations = Vec::with_capacity(cfg.organisations);
        for i in 0..cfg.organisations {
            let (o, a) = gen_organisation(&mut rng, 10 + 2 * i as u32);
            organisations.push(o);
            addresses.extend(a);
        }
        let mut rng = stream(seed, 3);
        let mut persons = Vec::with_capacity(cfg.persons);
        for i in 0..cfg.persons {
            let (p, a) = gen_person(&mut rng, 11 + 2 * i as u32);
            persons.push(p);
            addresses.extend(a);
        }
        let mut rng = stream(seed, 4);
        let unknown = vec![
            UnknownRelation {
                id: new_uuid(&mut rng),
                name: "Various debtors".into(),
                sales: true,
                purchase: false,
                blocked: false,
                changed: 0,
            },
            UnknownRelation {
                id: new_uuid(&mut rng),
                name: "Various creditors".into(),
                sales: false,
                purchase: true,
                blocked: false,
                changed: 0,
            },
        ];

        let mut products = Vec::with_capacity(cfg.products * administrations.len());
        for (ai, adm) in administrations.iter().enumerate() {
            let mut rng = stream(seed, 100 + ai as u64);
            let styles = (new_uuid(&mut rng), new_uuid(&mut rng));
            let mut seen = HashMap::new();
            for i in 0..cfg.products {
                products.push(gen_product(&mut rng, adm.id, styles, i, &mut seen));
            }
        }

        let next_relation_number = 10 + 2 * cfg.organisations.max(cfg.persons) as u32 + 2;
        let mut data = Data {
            administrations: Table::new(administrations),
            persons: Table::new(persons),
            organisations: Table::new(organisations),
            unknown: Table::new(unknown),
            products: Table::new(products),
            addresses: Table::new(addresses),
            invoices: Table::new(Vec::new()),
            next_relation_number,
            invoice_seq: HashMap::new(),
            rng: stream(seed, 5),
            products_per_admin: cfg.products,
        };
        let history = data.history(seed);
        data.invoices = Table::new(history);
        data
    }

    /// A few finished invoices of last year per administration, so the sales invoice list is
    /// not empty.
    fn history(&mut self, seed: u64) -> Vec<Invoice> {
        let mut out = Vec::new();
        if self.organisations.is_empty() && self.persons.is_empty() {
            return out;
        }
        let admins: Vec<Uuid> = self.administrations.iter().map(|a| a.id).collect();
        for (ai, adm) in admins.into_iter().enumerate() {
            let mut rng = stream(seed, 200 + ai as u64);
            let products: Vec<&Product> = self
                .products
                .iter()
                .filter(|p| p.administration_id == adm && !p.archived && !p.blocked)
                .collect();
            if products.is_empty() {
                continue;
            }
            for k in 0..15u32 {
                let (rt, rid, number, desc) = if self.persons.is_empty()
                    || (!self.organisations.is_empty() && rng.gen_bool(0.7))
                {
                    let o = pick(&mut rng, &self.organisations);
                    (
                        RelType::Organisation,
                        o.id,
                        o.number.clone(),
                        o.name.clone(),
                    )
                } else {
                    let p = pick(&mut rng, &self.persons);
                    (RelType::Person, p.id, p.number.clone(), p.name.clone())
                };
                let lines: Vec<(Decimal, Decimal, VatType)> = (0..rng.gen_range(1..4))
                    .map(|_| {
                        let p = pick(&mut rng, &products);
                        (Decimal::from(rng.gen_range(1..10)), p.price, p.vat)
                    })
                    .collect();
                let date = NaiveDate::from_ymd_opt(2025, 1 + k % 12, 1 + rng.gen_range(0..28))
                    .expect("valid date");
                let seq = self.invoice_seq.entry((adm, 2025)).or_insert(0);
                *seq += 1;
                out.push(Invoice {
                    id: new_uuid(&mut rng),
                    administration_id: adm,
                    number: Some(format!("V2025{:06}", *seq)),
                    issue_date: date,
                    relation_type: rt,
                    relation_id: rid,
                    relation_number: Some(number),
                    relation_description: desc,
                    status: "DONE".into(),
                    amounts: compute_amounts(&lines),
                    to_be_invoiced: false,
                    deleted: false,
                    historic: true,
                    tracking_identifier: None,
                    body: Value::Null,
                    raw_body: String::new(),
                    received_at: DateTime::<Utc>::from_timestamp(1_735_689_600, 0)
                        .unwrap_or_default(),
                    result: "Succeeded".into(),
                    attachments: Vec::new(),
                    changed: 0,
                });
            }
        }
        out
    }

    /// The next invoice number of an administration for a year: "V2026000123".
    pub fn next_invoice_number(&mut self, administration: Uuid, year: i32) -> String {
        let seq = self.invoice_seq.entry((administration, year)).or_insert(0);
        *seq += 1;
        format!("V{year}{:06}", *seq)
    }

    /// Adds an address to a relation and makes it the preferred invoice address, as AFAS
    /// does with a new address.
    pub fn add_address(&mut self, mut a: Address) {
        let existing: Vec<Uuid> = self
            .addresses
            .iter()
            .filter(|x| x.relation_id == a.relation_id && x.preferred_invoice)
            .map(|x| x.id)
            .collect();
        for id in existing {
            self.addresses.update(&id, |x| x.preferred_invoice = false);
        }
        a.preferred_invoice = true;
        self.addresses.insert(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic() {
        let cfg = AfasConfig::default();
        let a = Data::generate(&cfg, 1);
        let b = Data::generate(&cfg, 1);
        assert_eq!(a.persons[7].to_json(), b.persons[7].to_json());
        assert_eq!(a.products[300].to_json(), b.products[300].to_json());
        let c = Data::generate(&cfg, 2);
        assert_ne!(a.persons[7].to_json(), c.persons[7].to_json());
        assert_eq!(a.persons.len(), 1200);
        assert_eq!(a.organisations.len(), 1000);
        assert_eq!(a.products.len(), 1000);
    }

    #[test]
    fn every_relation_has_one_preferred_invoice_address() {
        let d = Data::generate(&AfasConfig::default(), 3);
        let mut count: HashMap<Uuid, (usize, usize)> = HashMap::new();
        for a in d.addresses.iter() {
            let e = count.entry(a.relation_id).or_default();
            e.0 += 1;
            e.1 += usize::from(a.preferred_invoice);
        }
        assert_eq!(count.len(), 2200);
        assert!(count.values().all(|(n, p)| (1..=3).contains(n) && *p == 1));
    }

    #[test]
    fn amounts_round_per_line_and_per_rate() {
        let a = compute_amounts(&[(
            Decimal::from(100),
            Decimal::from_str("0.5371900826").unwrap(),
            VatType::High,
        )]);
        assert_eq!(a.excluding_vat.to_string(), "53.72");
        assert_eq!(a.vat.to_string(), "11.28");
        assert_eq!(a.including_vat.to_string(), "65.00");
        let b = compute_amounts(&[
            (
                Decimal::from(1),
                Decimal::from_str("10.05").unwrap(),
                VatType::Low,
            ),
            (
                Decimal::from(1),
                Decimal::from_str("10.05").unwrap(),
                VatType::Low,
            ),
            (
                Decimal::from(2),
                Decimal::from_str("3").unwrap(),
                VatType::Zero,
            ),
        ]);
        assert_eq!(b.per_type.len(), 2);
        assert_eq!(b.per_type[0].2.to_string(), "1.81");
        assert_eq!(b.including_vat.to_string(), "27.91");
    }
}
