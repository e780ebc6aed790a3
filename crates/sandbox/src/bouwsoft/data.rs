//! The Bouwsoft stand-in's data: Belgian sales invoices of a building contractor, with the
//! odd values the documentation's examples show (en dashes in dates and amounts, long floats,
//! empty strings for absent dates), generated from the seed.

use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::Rng;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::kit::data::{
    be_enterprise_dotted, be_enterprise_number, city, company_email, company_name, house_number,
    landline, mobile, pick, postal_code, stream,
};
use crate::kit::names::SURNAMES_BE;

/// One VAT slot of an invoice: code, percentage, co-contractor, basis, VAT.
#[derive(Debug, Clone)]
pub struct Slot {
    pub code: &'static str,
    pub percent: Decimal,
    pub cocontractor: bool,
    pub basis: Decimal,
    pub vat: Decimal,
}

/// The five slots every invoice has, in Bouwsoft's Belgian layout.
pub const SLOTS: [(&str, u32, u32, bool); 5] = [
    ("0", 0, 0, false),
    ("0M", 0, 0, true),
    ("6", 6, 0, false),
    ("12", 12, 0, false),
    ("21", 21, 0, false),
];

#[derive(Debug, Clone)]
pub struct Customer {
    pub address_id: u64,
    pub name: String,
    pub street: String,
    pub zipcode: String,
    pub city: String,
    pub state: &'static str,
    pub vatnr: String,
    pub telephone: String,
    pub gsm: String,
    pub email: String,
    pub contact: Option<(u64, String)>,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub id: u64,
    pub pnr: u64,
    pub name: String,
    pub customer: usize,
}

/// One sales invoice (or credit note) as the stand-in keeps it.
#[derive(Debug, Clone)]
pub struct Invoice {
    pub id: u64,
    pub nr: u64,
    pub credit: bool,
    pub date: NaiveDate,
    pub expiration: Option<NaiveDate>,
    pub customer: usize,
    pub project: Option<usize>,
    pub pricedecimals: u32,
    pub slots: Vec<Slot>,
    pub basis: Decimal,
    pub vat: Decimal,
    pub incl: Decimal,
    pub balance: Decimal,
    pub sent_to_accounting: bool,
    pub einvoice_sent: bool,
    pub sent: Option<NaiveDate>,
    pub approved: bool,
    pub locked: bool,
    pub reference: String,
    pub concerning: String,
    /// Written with en dashes in its dates (as the documentation's examples are).
    pub dashed: bool,
    /// Whose HTML texts carry a script and a remote image.
    pub hostile_html: bool,
}

pub struct Data {
    pub customers: Vec<Customer>,
    pub projects: Vec<Project>,
    pub invoices: Vec<Invoice>,
}

const WORKS: &[&str] = &[
    "Renovatie badkamer",
    "Nieuwbouw woning",
    "Dakwerken",
    "Warmtepomp plaatsen",
    "Isolatie zolder",
    "Uitbreiding keuken",
    "Gevelrenovatie",
    "Plaatsen ramen en deuren",
    "Vloerwerken",
    "Verbouwing appartement",
    "Aanleg terras",
    "Elektriciteitswerken",
];

const CONCERNING: &[&str] = &[
    "Leveren van parket",
    "Leveren van verf",
    "Vorderingsstaat",
    "Plaatsen chape",
    "Voorschotfactuur",
    "Eindafrekening",
    "Meerwerken",
    "Leveren en plaatsen van isolatie",
];

const CONTACTS: &[&str] = &[
    "Gino", "Els", "Pieter", "Sofie", "Koen", "An", "Wim", "Lies",
];

impl Data {
    pub fn generate(invoices: usize, seed: u64) -> Data {
        let mut rng = stream(seed, 0xB0_0550F7);
        let mut customers = Vec::new();
        for i in 0..420u64 {
            let c = company_name(&mut rng, true);
            let town = city(&mut rng, true);
            let zip = postal_code(&mut rng, town, true);
            let (_, last) = *pick(&mut rng, SURNAMES_BE);
            let street = format!("{}straat {}", last, house_number(&mut rng));
            let vatnr = if rng.gen_bool(0.8) {
                format!(
                    "BE {}",
                    be_enterprise_dotted(&be_enterprise_number(&mut rng))
                )
            } else {
                String::new()
            };
            let telephone = format!("{} ", landline(&mut rng, town, true));
            let gsm = if rng.gen_bool(0.5) {
                format!("{} ", mobile(&mut rng, true))
            } else {
                String::new()
            };
            let email = company_email(&mut rng, &c.core, true).unwrap_or_default();
            let contact = rng
                .gen_bool(0.4)
                .then(|| (30_000 + i, format!("{} {last}", pick(&mut rng, CONTACTS))));
            customers.push(Customer {
                address_id: 1_000 + i * 7,
                name: c.name,
                street,
                zipcode: zip,
                city: town.name.to_string(),
                state: town.area,
                vatnr,
                telephone,
                gsm,
                email,
                contact,
            });
        }
        let mut projects = Vec::new();
        for i in 0..260u64 {
            let customer = rng.gen_range(0..customers.len());
            projects.push(Project {
                id: 900 + i,
                pnr: 20_190_000 + i * 37,
                name: format!("{} {}", pick(&mut rng, WORKS), customers[customer].city),
                customer,
            });
        }
        let start = NaiveDate::from_ymd_opt(2019, 1, 2).unwrap_or_default();
        let mut list = Vec::new();
        let mut seq_year = 0;
        let mut seq = 0u64;
        for i in 0..invoices as u64 {
            let id = 24 + i;
            let day = i64::try_from(i * 2200 / invoices.max(1) as u64).unwrap_or(0);
            let date = start + Duration::days(day);
            if date.year() != seq_year {
                seq_year = date.year();
                seq = 0;
            }
            seq += 1;
            let nr = u64::try_from(date.year()).unwrap_or(2020) * 10_000 + seq;
            let (customer, project) = if rng.gen_bool(0.6) {
                let p = rng.gen_range(0..projects.len());
                (projects[p].customer, Some(p))
            } else {
                (rng.gen_range(0..customers.len()), None)
            };
            let credit = id % 29 == 0;
            let pricedecimals = if id % 13 == 0 { 3 } else { 2 };
            let dp = pricedecimals;
            let amount = |lo: i64, hi: i64, rng: &mut StdRng| {
                let scale = 10i64.pow(dp);
                let v = Decimal::new(rng.gen_range(lo * scale..hi * scale), dp);
                if credit {
                    -v
                } else {
                    v
                }
            };
            // The main slot: renovation 6 %, 21 %, co-contractor, sometimes 12 % or 6 % + 21 %.
            let pattern = rng.gen_range(0..20);
            let mut bases = [Decimal::ZERO; 5];
            match pattern {
                0..=8 => bases[4] = amount(80, 24_000, &mut rng),
                9..=13 => bases[2] = amount(200, 40_000, &mut rng),
                14..=16 => bases[1] = amount(1_000, 60_000, &mut rng),
                17 => bases[3] = amount(100, 5_000, &mut rng),
                _ => {
                    bases[2] = amount(500, 20_000, &mut rng);
                    bases[4] = amount(50, 3_000, &mut rng);
                }
            }
            let slots: Vec<Slot> = SLOTS
                .iter()
                .zip(bases)
                .map(|(&(code, pct, _, co), basis)| {
                    let percent = Decimal::from(pct);
                    let vat = if co {
                        Decimal::ZERO
                    } else {
                        (basis * percent / Decimal::from(100)).round_dp(dp)
                    };
                    Slot {
                        code,
                        percent,
                        cocontractor: co,
                        basis,
                        vat,
                    }
                })
                .collect();
            let basis: Decimal = slots.iter().map(|s| s.basis).sum();
            let vat: Decimal = slots.iter().map(|s| s.vat).sum();
            let incl = basis + vat;
            let expiration = (id % 11 != 0).then(|| date + Duration::days(30));
            let age = 2200 - day;
            let paid = age > 60 && !rng.gen_bool(0.08);
            let balance = if paid { Decimal::ZERO } else { incl };
            let sent = (age > 3).then(|| date + Duration::days(rng.gen_range(0..3)));
            list.push(Invoice {
                id,
                nr,
                credit,
                date,
                expiration,
                customer,
                project,
                pricedecimals,
                slots,
                basis,
                vat,
                incl,
                balance,
                sent_to_accounting: age > 20 && rng.gen_bool(0.9),
                einvoice_sent: date.year() >= 2025 && rng.gen_bool(0.7),
                sent,
                approved: age > 10,
                locked: age > 90,
                reference: if rng.gen_bool(0.3) {
                    format!("PO-{}", rng.gen_range(1000..9999))
                } else {
                    String::new()
                },
                concerning: pick(&mut rng, CONCERNING).to_string(),
                dashed: id % 7 == 0,
                hostile_html: id % 5 == 0 || id == 24,
            });
        }
        Data {
            customers,
            projects,
            invoices: list,
        }
    }
}

/// A number as Bouwsoft's JSON writes it: through a binary double with 15 decimals
/// (`34.649999999999999`), a negative one with an en dash when `dash`.
pub fn long_float(d: Decimal, dash: bool) -> String {
    let f = d.to_f64().unwrap_or(0.0);
    let text = format!("{:.15}", f.abs());
    if f < 0.0 {
        if dash {
            format!("\u{2013}{text}")
        } else {
            format!("-{text}")
        }
    } else {
        text
    }
}

/// A date as Bouwsoft writes it; with en dashes when `dash`; `""` for none.
pub fn date_text(d: Option<NaiveDate>, dash: bool) -> String {
    match d {
        None => String::new(),
        Some(d) => {
            let t = d.format("%Y-%m-%d").to_string();
            if dash {
                t.replace('-', "\u{2013}")
            } else {
                t
            }
        }
    }
}
