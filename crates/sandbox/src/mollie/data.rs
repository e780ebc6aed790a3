//! The Mollie stand-in's data: the profiles, the sales invoices of each profile and mode
//! (generated over the twelve months before the start, from the seed), what the API received,
//! and the answers kept for `Idempotency-Key` replays.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::invoice::{self, Discount, DiscountKind, Invoice, Line, Totals};
use super::MollieConfig;
use crate::kit::data::{self as sample, stream};
use crate::kit::names::{
    FIRST_NAMES_BE, FIRST_NAMES_NL, MAIL_DOMAINS_BE, MAIL_DOMAINS_NL, STREETS_BE, STREETS_NL,
    SURNAMES_BE, SURNAMES_NL,
};
use crate::kit::table::Table;

/// A Mollie profile (a website or business of the organisation).
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: &'static str,
    pub name: &'static str,
    pub website: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub category: &'static str,
}

impl Profile {
    pub fn to_json(&self, base: &str, test: bool) -> Value {
        json!({
            "resource": "profile",
            "id": self.id,
            "mode": if test { "test" } else { "live" },
            "name": self.name,
            "website": self.website,
            "email": self.email,
            "phone": self.phone,
            "businessCategory": self.category,
            "status": "verified",
            "createdAt": "2023-03-20T09:28:37+00:00",
            "_links": {
                "self": {"href": format!("{base}/v2/profiles/{}", self.id), "type": "application/hal+json"},
                "dashboard": {"href": format!("https://my.mollie.com/dashboard/settings/profiles/{}", self.id), "type": "text/html"},
            },
        })
    }
}

/// An answer kept for an `Idempotency-Key`: the request it answered and the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    pub method: String,
    pub path: String,
    pub body: Value,
    pub status: u16,
    pub answer: Option<Value>,
}

/// A mutating request the API answered (after authentication), for the tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub body: Value,
    pub status: u16,
    /// Answered from the kept answer of an earlier request with the same key.
    pub replayed: bool,
    pub invoice_id: Option<String>,
    pub at: DateTime<Utc>,
}

pub struct Data {
    pub invoices: Table<Invoice>,
    /// The last invoice number given, per profile, mode and year.
    pub numbers: HashMap<(String, bool, i32), u32>,
    /// Per credential and key.
    pub kept: HashMap<(String, String), Kept>,
    pub received: Vec<Received>,
}

const ID_CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `invoice_` and 21 letters and digits.
pub fn invoice_id(rng: &mut impl Rng) -> String {
    let tail: String = (0..21)
        .map(|_| char::from(ID_CHARS[rng.gen_range(0..ID_CHARS.len())]))
        .collect();
    format!("invoice_{tail}")
}

impl Data {
    /// The next invoice number of a profile and mode: `INV-<year>-<6 digits>`.
    pub fn next_number(&mut self, profile: &str, test: bool, at: DateTime<Utc>) -> String {
        let n = self
            .numbers
            .entry((profile.to_string(), test, at.year()))
            .or_insert(0);
        *n += 1;
        format!("INV-{}-{:06}", at.year(), n)
    }

    /// Generates `cfg.invoices_per_profile` invoices for each profile and mode, over the 365
    /// days before `now`, oldest first.
    pub fn generate(
        cfg: &MollieConfig,
        seed: u64,
        profiles: &[&Profile],
        now: DateTime<Utc>,
    ) -> Data {
        let mut data = Data {
            invoices: Table::default(),
            numbers: HashMap::new(),
            kept: HashMap::new(),
            received: Vec::new(),
        };
        let mut all = Vec::new();
        for (p, profile) in profiles.iter().enumerate() {
            for test in [true, false] {
                let salt = 0x3011_1E00 + (p as u64) * 2 + u64::from(test);
                let mut rng = stream(seed, salt);
                let recipients: Vec<Value> = (0..40).map(|i| recipient(&mut rng, i)).collect();
                let mut made: Vec<Invoice> = (0..cfg.invoices_per_profile)
                    .map(|_| generated(&mut rng, profile.id, test, &recipients, now))
                    .collect();
                made.sort_by_key(|i| i.created_at);
                all.extend(made);
            }
        }
        // One time line for all of them, numbers given in the order of issue.
        all.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        for inv in &mut all {
            if let Some(at) = inv.issued_at {
                inv.invoice_number = Some(data.next_number(&inv.profile_id, inv.test, at));
            }
        }
        data.invoices = Table::new(all);
        data
    }
}

/// A recipient (as sent, `locale` included) with its identifier in `_identifier`.
fn recipient(rng: &mut StdRng, i: usize) -> Value {
    let be = rng.gen_bool(0.3);
    let city = sample::city(rng, be);
    let street = sample::pick(rng, if be { STREETS_BE } else { STREETS_NL });
    let number = sample::house_number(rng);
    let postal = sample::postal_code(rng, city, be);
    let mut m = Map::new();
    let locale = if be {
        *sample::pick(rng, &["nl_BE", "nl_BE", "fr_BE"])
    } else {
        "nl_NL"
    };
    if rng.gen_bool(0.55) {
        let company = sample::company_name(rng, be);
        m.insert("type".into(), json!("business"));
        m.insert("organizationName".into(), json!(company.name));
        if be {
            let number = sample::be_enterprise_number(rng);
            m.insert("vatNumber".into(), json!(format!("BE{number}")));
            m.insert("organizationNumber".into(), json!(number));
        } else {
            if rng.gen_bool(0.8) {
                m.insert(
                    "vatNumber".into(),
                    json!(format!("NL{}B01", sample::nl_vat_core(rng))),
                );
            }
            m.insert("organizationNumber".into(), json!(sample::kvk_number(rng)));
        }
        let email = sample::company_email(rng, &company.core, be)
            .unwrap_or_else(|| format!("facturen@{}.nl", sample::slug(&company.core)));
        m.insert("email".into(), json!(email));
        m.insert("phone".into(), json!(sample::landline(rng, city, be)));
    } else {
        let first = *sample::pick(rng, if be { FIRST_NAMES_BE } else { FIRST_NAMES_NL });
        let (prefix, last) = *sample::pick(rng, if be { SURNAMES_BE } else { SURNAMES_NL });
        let family = if prefix.is_empty() {
            last.to_string()
        } else {
            format!("{prefix} {last}")
        };
        let domain = *sample::pick(rng, if be { MAIL_DOMAINS_BE } else { MAIL_DOMAINS_NL });
        m.insert("type".into(), json!("consumer"));
        m.insert("givenName".into(), json!(first));
        m.insert("familyName".into(), json!(family));
        m.insert(
            "email".into(),
            json!(sample::personal_email(rng, first, last, domain)),
        );
        if let Some(p) = sample::person_phone(rng, city, be) {
            m.insert("phone".into(), json!(p));
        }
    }
    m.insert(
        "streetAndNumber".into(),
        json!(format!("{street} {number}")),
    );
    m.insert("postalCode".into(), json!(postal));
    m.insert("city".into(), json!(city.name));
    m.insert("country".into(), json!(if be { "BE" } else { "NL" }));
    m.insert("locale".into(), json!(locale));
    m.insert(
        "_identifier".into(),
        json!(format!("recipient-{:04}", i + 1)),
    );
    Value::Object(m)
}

fn rate_of(vat: &str) -> &'static str {
    match vat {
        "high" => "21.00",
        "low" => "9.00",
        _ => "0.00",
    }
}

fn cents(c: i64) -> Decimal {
    let mut d = Decimal::new(c, 2);
    d.rescale(2);
    d
}

/// One generated invoice, created up to 365 days before `now`.
fn generated(
    rng: &mut StdRng,
    profile: &str,
    test: bool,
    recipients: &[Value],
    now: DateTime<Utc>,
) -> Invoice {
    let id = invoice_id(rng);
    let age = Duration::seconds(rng.gen_range(0..365 * 86_400));
    let created_at = now - age;
    let mut r = sample::pick(rng, recipients)
        .as_object()
        .cloned()
        .unwrap_or_default();
    let identifier = r
        .remove("_identifier")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let lines: Vec<Line> = (0..rng.gen_range(1..=4))
        .map(|_| {
            let p = sample::product(rng);
            let quantity = if rng.gen_bool(0.6) {
                1
            } else {
                rng.gen_range(2..=12)
            };
            let mut description = p.name.clone();
            if description.chars().count() > invoice::DESCRIPTION_MAX {
                description = description.chars().take(invoice::DESCRIPTION_MAX).collect();
            }
            let discount = rng.gen_bool(0.1).then(|| Discount {
                kind: DiscountKind::Percentage,
                value: Decimal::from(10),
                text: "10.00".into(),
            });
            let rate = rate_of(p.template.vat);
            Line {
                description,
                quantity,
                vat_rate: rate.parse().unwrap_or_default(),
                vat_rate_text: rate.into(),
                unit_price: cents(p.cents.max(0)),
                discount,
            }
        })
        .collect();
    let discount = rng.gen_bool(0.08).then(|| Discount {
        kind: DiscountKind::Amount,
        value: Decimal::from(5),
        text: "5.00".into(),
    });
    let term = *sample::pick(
        rng,
        &["14 days", "30 days", "30 days", "30 days", "60 days"],
    );
    let days_old = age.num_days();
    // Older invoices are mostly paid; recent ones still drafts or open.
    let roll = rng.gen_range(0..100);
    let status = if days_old < 10 {
        match roll {
            0..=39 => "draft",
            40..=84 => "issued",
            _ => "paid",
        }
    } else {
        match roll {
            0..=4 => "draft",
            5..=14 => "issued",
            15..=79 => "paid",
            80..=91 => "overdue",
            _ => "cancelled",
        }
    };
    let memo = rng
        .gen_bool(0.2)
        .then(|| "Bedankt voor uw bestelling!".to_string());
    let mut inv = Invoice {
        id,
        profile_id: profile.to_string(),
        test,
        status: status.to_string(),
        invoice_number: None,
        vat_scheme: "standard".into(),
        vat_mode: if rng.gen_bool(0.2) {
            "inclusive".into()
        } else {
            "exclusive".into()
        },
        memo,
        metadata: Value::Null,
        payment_term: Some(term.to_string()),
        payment_details: None,
        email_details: None,
        recipient_identifier: identifier,
        recipient: r,
        lines,
        discount,
        is_e_invoice: false,
        totals: Totals::default(),
        created_at,
        issued_at: None,
        paid_at: None,
        due_at: None,
        deleted: false,
        received: false,
        changed: 0,
    };
    if inv.recompute().is_err() {
        inv.discount = None;
        let _ = inv.recompute();
    }
    if status != "draft" {
        let issued = created_at + Duration::minutes(rng.gen_range(1..600));
        let issued = issued.min(now);
        inv.issued_at = Some(issued);
        let days = invoice::term_days(inv.payment_term.as_deref());
        let due = issued + Duration::days(days);
        inv.due_at = Some(due);
        if status == "overdue" && due > now {
            inv.status = "issued".into();
        }
        if status == "issued" && due < now {
            inv.status = "overdue".into();
        }
        inv.email_details = Some(json!({
            "subject": "Uw factuur",
            "body": "Beste klant,\n\nIn de bijlage vindt u uw factuur.\n\nMet vriendelijke groet",
        }));
    }
    if status == "paid" {
        let paid = inv
            .issued_at
            .map(|i| i + Duration::days(rng.gen_range(0..20)))
            .unwrap_or(created_at)
            .min(now);
        inv.paid_at = Some(paid);
        inv.payment_details = Some(if rng.gen_bool(0.7) {
            json!({"source": "payment-link", "sourceReference": format!("pl_{}", &invoice_id(rng)[8..])})
        } else {
            json!({"source": "manual", "sourceReference": null})
        });
    }
    inv
}
