//! Bloxs's data set: owners, relations (persons and organisations), sales contracts,
//! real-estate units, ledger accounts, service items, and the sales invoice services received.
//! Generated from the seed with [`crate::kit::data`], one stream per entity.

use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

use super::BloxsConfig;
use crate::kit::data::{self as sample, stream};
use crate::kit::names::{FIRST_NAMES_NL, MAIL_DOMAINS_NL, STREETS_NL, SURNAMES_NL};
use crate::kit::table::{Row, Table};

/// Rounds to cents, half away from zero (.NET's `MidpointRounding.AwayFromZero`), always with
/// two decimals.
pub fn round2(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

/// A decimal as a JSON number the way .NET prints a double: no trailing zeros (`302.5`, `250`).
pub fn num(d: Decimal) -> Value {
    let text = d.normalize().to_string();
    serde_json::Number::from_str(&text)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// A timestamp as Bloxs writes it: `2026-03-04T10:15:00Z`.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An address as Bloxs nests it.
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub street: String,
    pub house_number: String,
    pub postal_code: String,
    pub city: String,
    pub country: &'static str,
}

impl Address {
    pub fn to_json(&self) -> Value {
        json!({
            "street": self.street,
            "houseNumber": self.house_number,
            "postalCode": self.postal_code,
            "city": self.city,
            "countryISOCode": self.country,
        })
    }

    fn generate(rng: &mut StdRng) -> Address {
        let city = sample::city(rng, false);
        let street = sample::pick(rng, STREETS_NL).to_string();
        let postal_code = sample::postal_code(rng, city, false);
        let mut house_number = sample::house_number(rng).to_string();
        if rng.gen_bool(0.1) {
            house_number.push(char::from(b'A' + rng.gen_range(0..4u8)));
        }
        Address {
            street,
            house_number,
            postal_code,
            city: city.name.to_string(),
            country: "NL",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// owners

#[derive(Debug, Clone)]
pub struct Owner {
    pub reference: String,
    pub name: String,
    pub is_active: bool,
}

impl Owner {
    pub fn to_json(&self) -> Value {
        json!({
            "reference": self.reference,
            "externalIdentifier": null,
            "name": self.name,
            "isActive": self.is_active,
        })
    }
}

/// The owners: each keeps its own financial administration. The last one is no longer active.
pub const OWNERS: &[(&str, bool)] = &[
    ("Vastgoed Noord B.V.", true),
    ("Amstel Vastgoedbeheer B.V.", true),
    ("Van der Meer Onroerend Goed B.V.", true),
    ("Stichting Woonbelang Utrecht", true),
    ("Zuidas Kantoren C.V.", true),
    ("De Hofstede Beleggingen B.V.", false),
];

pub fn owner_reference(i: usize) -> String {
    format!("OWN-{:04}", i + 1)
}

fn owners() -> Vec<Owner> {
    OWNERS
        .iter()
        .enumerate()
        .map(|(i, (name, active))| Owner {
            reference: owner_reference(i),
            name: name.to_string(),
            is_active: *active,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// relations

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Person,
    Organisation,
}

#[derive(Debug, Clone)]
pub struct Relation {
    pub reference: String,
    pub kind: Kind,
    /// The organisation's name, or the person's "first last".
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub vat_number: Option<String>,
    pub coc_number: Option<String>,
    pub address: Address,
    pub is_active: bool,
    pub last_modified: DateTime<Utc>,
    pub changed: u64,
}

impl Row for Relation {
    type Id = String;
    fn id(&self) -> String {
        self.reference.clone()
    }
    fn changed(&self) -> u64 {
        self.changed
    }
    fn set_changed(&mut self, c: u64) {
        self.changed = c;
    }
}

impl Relation {
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "reference": self.reference,
            "externalIdentifier": null,
            "email": self.email,
            "phoneNumber": self.phone,
            "chamberOfCommerceNumber": self.coc_number,
            "address": self.address.to_json(),
            "isActive": self.is_active,
            "lastModified": timestamp(self.last_modified),
        });
        if let Value::Object(m) = &mut v {
            match self.kind {
                Kind::Organisation => {
                    m.insert("name".into(), json!(self.name));
                    m.insert("vatNumber".into(), json!(self.vat_number));
                }
                Kind::Person => {
                    m.insert("firstName".into(), json!(self.first_name));
                    m.insert("lastName".into(), json!(self.last_name));
                }
            }
        }
        v
    }
}

pub fn relation_reference(n: usize) -> String {
    format!("REL-{n:06}")
}

/// A moment between 2024-01-01 and 2026-10-31.
fn some_moment(rng: &mut StdRng) -> DateTime<Utc> {
    let start = Utc
        .with_ymd_and_hms(2024, 1, 1, 8, 0, 0)
        .single()
        .unwrap_or_default();
    start + Duration::seconds(rng.gen_range(0..(1035 * 86_400)))
}

pub fn person(rng: &mut StdRng, reference: String) -> Relation {
    let first = sample::pick(rng, FIRST_NAMES_NL).to_string();
    let (prefix, surname) = *sample::pick(rng, SURNAMES_NL);
    let last = if prefix.is_empty() {
        surname.to_string()
    } else {
        format!("{prefix} {surname}")
    };
    let address = Address::generate(rng);
    let domain = sample::pick(rng, MAIL_DOMAINS_NL);
    let email = rng
        .gen_bool(0.9)
        .then(|| sample::personal_email(rng, &first, surname, domain));
    let phone = rng.gen_bool(0.8).then(|| sample::mobile(rng, false));
    let is_active = !rng.gen_bool(0.06);
    Relation {
        reference,
        kind: Kind::Person,
        name: format!("{first} {last}"),
        first_name: first,
        last_name: last,
        email,
        phone,
        vat_number: None,
        coc_number: None,
        address,
        is_active,
        last_modified: some_moment(rng),
        changed: 0,
    }
}

pub fn organisation(rng: &mut StdRng, reference: String) -> Relation {
    let company = sample::company_name(rng, false);
    let address = Address::generate(rng);
    let email = sample::company_email(rng, &company.core, false);
    let city = crate::kit::names::CITIES_NL
        .iter()
        .find(|c| c.name == address.city)
        .unwrap_or(&crate::kit::names::CITIES_NL[0]);
    let phone = Some(sample::landline(rng, city, false));
    let coc_number = Some(sample::kvk_number(rng));
    let vat_number = rng
        .gen_bool(0.9)
        .then(|| format!("NL{}B01", sample::nl_vat_core(rng)));
    let is_active = !rng.gen_bool(0.06);
    Relation {
        reference,
        kind: Kind::Organisation,
        name: company.name,
        first_name: String::new(),
        last_name: String::new(),
        email,
        phone,
        vat_number,
        coc_number,
        address,
        is_active,
        last_modified: some_moment(rng),
        changed: 0,
    }
}

/// The first relations are fixed, so tests and the demo can name them: an active
/// organisation, an active person, an inactive organisation.
fn fixed_relations(rng: &mut StdRng) -> Vec<Relation> {
    let mut a = organisation(rng, relation_reference(1));
    a.name = "Huisartsenpraktijk Noorderpoort".into();
    a.email = Some("administratie@noorderpoort.nl".into());
    a.is_active = true;
    let mut b = person(rng, relation_reference(2));
    b.first_name = "Sanne".into();
    b.last_name = "Bakker".into();
    b.name = "Sanne Bakker".into();
    b.email = Some("sanne.bakker@ziggo.nl".into());
    b.is_active = true;
    let mut c = organisation(rng, relation_reference(3));
    c.name = "Reisbureau Zonnig Weg B.V.".into();
    c.email = Some("info@zonnigweg.nl".into());
    c.is_active = false;
    vec![a, b, c]
}

fn relations(cfg: &BloxsConfig, seed: u64) -> Vec<Relation> {
    let mut rng = stream(seed, 0xB10C_0001);
    let mut rows = fixed_relations(&mut rng);
    let mut persons = cfg.persons.saturating_sub(1);
    let mut organisations = cfg.organisations.saturating_sub(2);
    while persons + organisations > 0 {
        let reference = relation_reference(rows.len() + 1);
        let take_person = rng.gen_range(0..persons + organisations) < persons;
        if take_person {
            persons -= 1;
            rows.push(person(&mut rng, reference));
        } else {
            organisations -= 1;
            rows.push(organisation(&mut rng, reference));
        }
    }
    rows
}

// ---------------------------------------------------------------------------------------------
// real-estate units

#[derive(Debug, Clone)]
pub struct Unit {
    pub reference: String,
    pub owner: String,
    pub name: String,
    pub address: Address,
}

impl Unit {
    pub fn to_json(&self) -> Value {
        json!({
            "reference": self.reference,
            "ownerReference": self.owner,
            "name": self.name,
            "address": self.address.to_json(),
        })
    }
}

fn units(seed: u64) -> Vec<Unit> {
    let mut rng = stream(seed, 0xB10C_0002);
    let mut rows = Vec::new();
    for o in 0..OWNERS.len() {
        let owner = owner_reference(o);
        let buildings = rng.gen_range(2..=4);
        for _ in 0..buildings {
            let base = Address::generate(&mut rng);
            let base_number: u32 = rng.gen_range(1..200);
            let kind = rng.gen_range(0..3);
            let count = rng.gen_range(3..=8);
            for u in 1..=count {
                let (name, house_number) = match kind {
                    0 => {
                        let floor = rng.gen_range(0..6);
                        (
                            format!("Kantoorunit {floor}.{:02}", u),
                            format!("{base_number}-{floor}{u:02}"),
                        )
                    }
                    1 => {
                        let letter = char::from(b'A' + (u % 26) as u8);
                        (
                            format!("Winkelunit {u}"),
                            format!("{}{letter}", base_number),
                        )
                    }
                    _ => (format!("Appartement {u}"), format!("{base_number}-{}", u)),
                };
                rows.push(Unit {
                    reference: format!("UNIT-{:04}", rows.len() + 1),
                    owner: owner.clone(),
                    name,
                    address: Address {
                        house_number,
                        ..base.clone()
                    },
                });
            }
            if rng.gen_bool(0.5) {
                let p = rng.gen_range(1..40);
                rows.push(Unit {
                    reference: format!("UNIT-{:04}", rows.len() + 1),
                    owner: owner.clone(),
                    name: format!("Parkeerplaats P-{p:02}"),
                    address: base.clone(),
                });
            }
        }
    }
    rows
}

// ---------------------------------------------------------------------------------------------
// sales contracts

#[derive(Debug, Clone)]
pub struct Contract {
    pub reference: String,
    pub owner: String,
    pub relation: String,
    pub description: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

impl Contract {
    pub fn to_json(&self) -> Value {
        json!({
            "reference": self.reference,
            "externalIdentifier": null,
            "ownerReference": self.owner,
            "relationReference": self.relation,
            "description": self.description,
            "startDate": self.start.format("%Y-%m-%d").to_string(),
            "endDate": self.end.map(|d| d.format("%Y-%m-%d").to_string()),
        })
    }
}

const CONTRACT_TEXTS: &[&str] = &[
    "Huur kantoorruimte begane grond",
    "Huur kantoorruimte 1e verdieping",
    "Huur kantoorruimte 2e verdieping",
    "Huur kantoorruimte 3e verdieping",
    "Huur winkelruimte",
    "Huur bedrijfsruimte met opslag",
    "Huur appartement",
    "Huur parkeerplaats",
    "Huur opslagruimte",
    "Schoonmaakovereenkomst",
    "Servicecontract gebouwbeheer",
    "Gebruik vergaderruimte",
];

fn contracts(cfg: &BloxsConfig, relations: &[Relation], seed: u64) -> Vec<Contract> {
    let mut rng = stream(seed, 0xB10C_0003);
    let active_owners = OWNERS.iter().filter(|(_, a)| *a).count().max(1);
    let mut rows = Vec::with_capacity(cfg.contracts);
    // The first contract is fixed: the first owner with the first relation.
    if cfg.contracts > 0 && !relations.is_empty() {
        rows.push(Contract {
            reference: "CON-00001".into(),
            owner: owner_reference(0),
            relation: relations[0].reference.clone(),
            description: "Huur kantoorruimte 2e verdieping".into(),
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default(),
            end: None,
        });
    }
    while rows.len() < cfg.contracts && !relations.is_empty() {
        let owner = owner_reference(rng.gen_range(0..active_owners));
        let relation = &relations[rng.gen_range(0..relations.len())];
        let start = NaiveDate::from_ymd_opt(rng.gen_range(2019..=2026), rng.gen_range(1..=12), 1)
            .unwrap_or_default();
        let end = rng
            .gen_bool(0.2)
            .then(|| start + Duration::days(365 * rng.gen_range(1..6) - 1));
        rows.push(Contract {
            reference: format!("CON-{:05}", rows.len() + 1),
            owner,
            relation: relation.reference.clone(),
            description: sample::pick(&mut rng, CONTRACT_TEXTS).to_string(),
            start,
            end,
        });
    }
    rows
}

// ---------------------------------------------------------------------------------------------
// ledger accounts

#[derive(Debug, Clone)]
pub struct LedgerAccount {
    pub code: String,
    pub name: String,
    /// `None`: for every owner.
    pub owner: Option<String>,
    pub last_modified: DateTime<Utc>,
}

impl LedgerAccount {
    pub fn to_json(&self) -> Value {
        json!({
            "code": self.code,
            "name": self.name,
            "compactionCode": null,
            "specificForOwnerReference": self.owner,
            "lastModified": timestamp(self.last_modified),
        })
    }

    pub fn serves(&self, owner: &str) -> bool {
        self.owner.as_deref().is_none_or(|o| o == owner)
    }
}

/// Ledger accounts for every owner, then some of one owner only (by owner position).
pub const LEDGER_ACCOUNTS: &[(&str, &str, Option<usize>)] = &[
    ("8000", "Omzet verhuur kantoorruimte", None),
    ("8010", "Omzet verhuur winkel- en bedrijfsruimte", None),
    ("8020", "Omzet verhuur woonruimte", None),
    ("8100", "Opbrengst servicekosten", None),
    ("8110", "Opbrengst schoonmaak en onderhoud", None),
    ("8200", "Opbrengst parkeren", None),
    ("8300", "Overige opbrengsten", None),
    ("8400", "Doorbelaste energie en water", None),
    ("8050", "Omzet verhuur Noorderhaven", Some(0)),
    ("8060", "Omzet verhuur Amstelkade", Some(1)),
    ("8500", "Opbrengst zonnepanelen", Some(2)),
    ("8520", "Opbrengst huismeester", Some(3)),
    ("8070", "Omzet verhuur Zuidas Toren", Some(4)),
];

fn ledger_accounts(seed: u64) -> Vec<LedgerAccount> {
    let mut rng = stream(seed, 0xB10C_0004);
    LEDGER_ACCOUNTS
        .iter()
        .map(|(code, name, owner)| LedgerAccount {
            code: code.to_string(),
            name: name.to_string(),
            owner: owner.map(owner_reference),
            last_modified: some_moment(&mut rng),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// service items

#[derive(Debug, Clone)]
pub struct ServiceItem {
    pub name: String,
    pub description: String,
    pub ledger_account: String,
    pub number_of_items: i32,
    pub excl: Decimal,
    pub vat: Decimal,
    pub rate: Decimal,
}

impl ServiceItem {
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "defaultInvoiceLineDescription": self.description,
            "ledgerAccountCode": self.ledger_account,
            "defaultNumberOfItems": self.number_of_items,
            "amountExcl": num(self.excl),
            "amountVAT": num(self.vat),
            "amountIncl": num(self.excl + self.vat),
        })
    }
}

/// Name, default line description, ledger account, default number, price excluding VAT in
/// cents, VAT rate. Residential rent (and its service costs) is exempt from VAT; water and
/// sports facilities are at 9 %; fines are outside VAT.
pub const SERVICE_ITEMS: &[(&str, &str, &str, i32, i64, u32)] = &[
    (
        "Huur kantoorruimte per maand",
        "Huur kantoorruimte",
        "8000",
        1,
        125_000,
        21,
    ),
    (
        "Huur kantoorruimte per m² per jaar",
        "Huur kantoorruimte per m²",
        "8000",
        100,
        16_500,
        21,
    ),
    (
        "Huur winkelruimte per maand",
        "Huur winkelruimte",
        "8010",
        1,
        215_000,
        21,
    ),
    (
        "Huur bedrijfsruimte per maand",
        "Huur bedrijfsruimte",
        "8010",
        1,
        180_000,
        21,
    ),
    (
        "Huur woonruimte per maand",
        "Kale huur woonruimte",
        "8020",
        1,
        109_500,
        0,
    ),
    (
        "Huur studentenkamer per maand",
        "Kale huur kamer",
        "8020",
        1,
        47_500,
        0,
    ),
    ("Servicekosten", "Servicekosten", "8100", 1, 12_500, 21),
    (
        "Servicekosten woonruimte",
        "Voorschot servicekosten woning",
        "8100",
        1,
        6_500,
        0,
    ),
    (
        "Voorschot servicekosten bedrijfsruimte",
        "Voorschot servicekosten",
        "8100",
        1,
        15_000,
        21,
    ),
    (
        "Parkeerplaats per maand",
        "Huur parkeerplaats",
        "8200",
        1,
        9_500,
        21,
    ),
    (
        "Parkeerplaats per dag",
        "Parkeren per dag",
        "8200",
        1,
        1_200,
        21,
    ),
    (
        "Fietsenstalling per maand",
        "Fietsenstalling",
        "8200",
        1,
        1_500,
        21,
    ),
    (
        "Opslagruimte per maand",
        "Huur opslagruimte",
        "8010",
        1,
        8_500,
        21,
    ),
    (
        "Schoonmaak per uur",
        "Schoonmaakwerkzaamheden",
        "8110",
        4,
        3_400,
        21,
    ),
    (
        "Glasbewassing",
        "Glasbewassing buitenzijde",
        "8110",
        1,
        4_500,
        21,
    ),
    (
        "Tuinonderhoud per uur",
        "Onderhoud groenvoorziening",
        "8110",
        2,
        4_000,
        21,
    ),
    (
        "Vergaderruimte per dagdeel",
        "Gebruik vergaderruimte",
        "8300",
        1,
        7_500,
        21,
    ),
    ("Flexplek per dag", "Gebruik flexplek", "8300", 1, 2_800, 21),
    (
        "Voorschot energiekosten",
        "Voorschot gas en elektra",
        "8400",
        1,
        18_000,
        21,
    ),
    (
        "Water vastrecht per maand",
        "Vastrecht water",
        "8400",
        1,
        2_500,
        9,
    ),
    (
        "Gebruik sportfaciliteiten per maand",
        "Gebruik fitnessruimte",
        "8300",
        1,
        4_000,
        9,
    ),
    (
        "Huismeesterdiensten per maand",
        "Huismeester",
        "8100",
        1,
        4_500,
        21,
    ),
    (
        "Onderhoud cv-installatie",
        "Jaarlijks onderhoud cv-installatie",
        "8300",
        1,
        9_500,
        21,
    ),
    (
        "Sleutel of toegangspas",
        "Extra sleutel / toegangspas",
        "8300",
        1,
        2_500,
        21,
    ),
    (
        "Administratiekosten",
        "Administratiekosten",
        "8300",
        1,
        3_500,
        21,
    ),
    (
        "Boete late betaling",
        "Boete wegens te late betaling",
        "8300",
        1,
        2_500,
        0,
    ),
];

fn service_items() -> Vec<ServiceItem> {
    SERVICE_ITEMS
        .iter()
        .map(|(name, description, ledger, n, cents, rate)| {
            let excl = Decimal::new(*cents, 2);
            let rate = Decimal::from(*rate);
            ServiceItem {
                name: name.to_string(),
                description: description.to_string(),
                ledger_account: ledger.to_string(),
                number_of_items: *n,
                excl,
                vat: round2(excl * rate / Decimal::ONE_HUNDRED),
                rate,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// received sales invoice services

/// A sales invoice service as stored: its detail (the answer) and what was received.
#[derive(Debug, Clone)]
pub struct Service {
    pub reference: String,
    pub external_identifier: Option<String>,
    pub detail: Value,
    pub body: Value,
    pub received_at: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------------------

/// The whole data set of one Bloxs environment.
pub struct Data {
    pub owners: Vec<Owner>,
    pub relations: Table<Relation>,
    pub units: Vec<Unit>,
    pub contracts: Vec<Contract>,
    pub ledger_accounts: Vec<LedgerAccount>,
    pub service_items: Vec<ServiceItem>,
    pub services: Vec<Service>,
    /// The sequence number of the next service's reference.
    pub next_service: u64,
    /// Draws the relations the `mutate` hook creates.
    pub rng: StdRng,
}

impl Data {
    pub fn generate(cfg: &BloxsConfig, seed: u64) -> Data {
        let relations = relations(cfg, seed);
        let contracts = contracts(cfg, &relations, seed);
        Data {
            owners: owners(),
            units: units(seed),
            contracts,
            ledger_accounts: ledger_accounts(seed),
            service_items: service_items(),
            relations: Table::new(relations),
            services: Vec::new(),
            next_service: 1,
            rng: stream(seed, 0xB10C_0005),
        }
    }

    pub fn owner(&self, reference: &str) -> Option<&Owner> {
        self.owners.iter().find(|o| o.reference == reference)
    }

    pub fn relation(&self, reference: &str) -> Option<&Relation> {
        self.relations.get(&reference.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_item_has_vat_that_gives_its_rate_back_exactly() {
        for item in service_items() {
            if item.excl.is_zero() {
                continue;
            }
            let rate = item.vat * Decimal::ONE_HUNDRED / item.excl;
            assert_eq!(rate.normalize(), item.rate.normalize(), "{}", item.name);
            assert!(
                LEDGER_ACCOUNTS
                    .iter()
                    .any(|(c, _, o)| *c == item.ledger_account && o.is_none()),
                "{}",
                item.name
            );
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_relations_and_the_counts_asked_for() {
        let cfg = BloxsConfig::default();
        let a = Data::generate(&cfg, 5);
        let b = Data::generate(&cfg, 5);
        let names = |d: &Data| {
            d.relations
                .iter()
                .map(|r| r.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
        let persons = a
            .relations
            .iter()
            .filter(|r| r.kind == Kind::Person)
            .count();
        assert_eq!(persons, cfg.persons);
        assert_eq!(a.relations.len(), cfg.persons + cfg.organisations);
        assert_eq!(a.contracts.len(), cfg.contracts);
        assert!(a.relations.iter().any(|r| !r.is_active));
    }
}
