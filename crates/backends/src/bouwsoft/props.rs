//! Property tests: no answer of Bouwsoft, however odd (en dashes, long floats, huge or empty
//! values, broken bodies), makes the reader panic (100,000 cases per target).

use super::{data_base, read_token, status_error, text_path, wire};
use crate::props::{http, run_seeded, Gen};
use chrono::{NaiveDate, Utc};
use serde_json::{Map, Value};

const FIELDS: &[&str] = &[
    "id",
    "nr",
    "nr_add",
    "date",
    "expirationdate",
    "chargeableevent",
    "pricedecimals",
    "address_id",
    "address_name",
    "address_address",
    "address_zipcode",
    "address_city",
    "address_countrycode",
    "contact_name",
    "contact_salutation",
    "vatnr",
    "yourreference",
    "project_id",
    "project_pnr",
    "project_name",
    "basis",
    "vatamount",
    "amountinclvat",
    "balance",
    "basis1",
    "taxableamount2",
    "vatcode3",
    "vatpercent4",
    "vatcocontractor2",
    "vatamount5",
    "amountinclvat1",
    "senttoaccountingsoftware",
    "einvoice_sent",
    "locked",
];

const ODD: &[&str] = &[
    "2012\u{2013}03\u{2013}08",
    "",
    " ",
    "\u{2013}1105.690000000000055",
    "34.649999999999999",
    "199.650000000000006",
    "1e400",
    "-1e-400",
    "79228162514264337593543950336",
    "0.0000000000000000000000000001",
    "12,5",
    "2025\u{2013}02\u{2013}12 14:30:47",
    "0000-00-00",
    "9999-99-99",
    "-",
    "\u{2013}",
    "true",
    "41",
    "4294967296",
];

fn value(g: &mut Gen) -> Value {
    match g.below(5) {
        0 => Value::String(g.pick(ODD).to_string()),
        1 => Value::Number(serde_json::Number::from_string_unchecked(
            g.pick(&[
                "34.649999999999999",
                "1e400",
                "-0",
                "21",
                "12.5",
                "3",
                "99999999999999999999999",
            ])
            .to_string(),
        )),
        2 => Value::Bool(g.chance(2)),
        3 => Value::String(g.text()),
        _ => g.json(2),
    }
}

fn record(g: &mut Gen) -> Value {
    let mut o = Map::new();
    for f in FIELDS {
        if !g.chance(4) {
            o.insert((*f).to_string(), value(g));
        }
    }
    Value::Object(o)
}

fn body(g: &mut Gen) -> Vec<u8> {
    match g.below(4) {
        0 => g.body(),
        1 => {
            let records: Vec<String> = (0..g.below(3))
                .map(|_| {
                    serde_json::to_string(&record(g))
                        .unwrap_or_default()
                        .replace("\"\u{2013}", "\u{2013}")
                })
                .collect();
            format!(
                "{{\u{201c}Content-Range\u{201d}:\u{201c}{}\u{201d},\"Records\":[{}]}}",
                g.pick(ODD),
                records.join(",")
            )
            .into_bytes()
        }
        _ => {
            let mut t = String::from_utf8_lossy(&g.body()).into_owned();
            if g.chance(2) {
                t = t.replace('-', "\u{2013}").replace('"', "\u{201d}");
            }
            t.into_bytes()
        }
    }
}

#[test]
fn bouwsoft_answers_never_panic() {
    let http = http(super::NAME);
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    run_seeded(
        "bouwsoft::wire (record, page, single, token, status, text, server name)",
        |g| (record(g), body(g), g.reply(), g.text()),
        |(v, b, r, t)| {
            let _ = wire::summary(&v, today);
            let _ = wire::detail(&v, today);
            let _ = wire::parse_page(&b);
            let _ = wire::single(&b);
            let _ = wire::repair(&String::from_utf8_lossy(&b));
            let _ = wire::content_range(&t);
            let _ = wire::date_text(&t);
            let _ = wire::amount_text(&t);
            let _ = read_token("http://127.0.0.1:9/bouwsoft", &b, Utc::now());
            let _ = status_error(&http, &r, true);
            let _ = text_path(&t);
            let _ = data_base("https://charon.bouwsoft.be", &t);
            if let Some(p) = wire::parse_page(&r.body) {
                for item in p.records.iter().take(4) {
                    let _ = wire::detail(item, today);
                }
            }
            Ok(())
        },
    );
}
