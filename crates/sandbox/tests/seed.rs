//! The demo and the tests rely on the generated data staying as it is for a seed: the same
//! relations, products and ids. The stand-ins draw it from the shared generators in
//! `kit::data`, so a change made there for one system must not move another system's data.
//! When a change of the data is meant, print the new fingerprints with
//! `cargo test -p invoice-desk-sandbox --test seed -- --nocapture` and put them below.

use invoice_desk_sandbox::afas::data::{Data as AfasData, Record};
use invoice_desk_sandbox::bloxs::data::Data as BloxsData;
use invoice_desk_sandbox::mollie::{data::Data as MollieData, Mollie};
use invoice_desk_sandbox::silvasoft::data::{Admin, Data as SilvasoftData};
use invoice_desk_sandbox::{AfasConfig, BloxsConfig, MollieConfig, SandboxConfig, SilvasoftConfig};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The SHA-256 of the rows as JSON, and their count.
fn fingerprint(rows: impl Iterator<Item = Value>) -> String {
    let rows: Vec<Value> = rows.collect();
    let text = serde_json::to_string(&rows).unwrap_or_default();
    let hash: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{} {}", &hash[..16], rows.len())
}

#[test]
fn the_default_seed_gives_the_same_afas_and_silvasoft_data_as_before() {
    let seed = SandboxConfig::default().seed;
    let a = AfasData::generate(&AfasConfig::default(), seed);
    let cfg = SilvasoftConfig::default();
    let admin = Admin::new(&cfg).expect("the default administration is valid");
    let s = SilvasoftData::generate(&cfg, &admin, seed);
    let got = [
        (
            "afas persons",
            fingerprint(a.persons.iter().map(Record::to_json)),
        ),
        (
            "afas organisations",
            fingerprint(a.organisations.iter().map(Record::to_json)),
        ),
        (
            "afas products",
            fingerprint(a.products.iter().map(Record::to_json)),
        ),
        (
            "afas addresses",
            fingerprint(a.addresses.iter().map(Record::to_json)),
        ),
        (
            "afas invoices",
            fingerprint(a.invoices.iter().map(Record::to_json)),
        ),
        (
            "silvasoft relations",
            fingerprint(s.relations.iter().map(|r| r.to_json())),
        ),
        (
            "silvasoft products",
            fingerprint(s.products.iter().map(|p| p.to_json(true))),
        ),
        (
            "silvasoft invoices",
            fingerprint(s.invoices.iter().map(|i| i.to_hook_json())),
        ),
    ];
    for (what, f) in &got {
        println!("{what}: {f}");
    }
    let want = [
        ("afas persons", "f37021f9bedb9773 1200"),
        ("afas organisations", "4bb087562bd38f04 1000"),
        ("afas products", "445dc57b1dc8fa5b 1000"),
        ("afas addresses", "f688be3fc1042641 3064"),
        ("afas invoices", "a071a4d14f7e126e 30"),
        ("silvasoft relations", "59e917d575af5558 1200"),
        ("silvasoft products", "6c254bee2675482b 300"),
        ("silvasoft invoices", "c822c16bc70615cd 10"),
    ];
    for ((what, got), (_, want)) in got.iter().zip(want) {
        assert_eq!(got, want, "{what} changed for the default seed");
    }
}

#[test]
fn the_default_seed_gives_the_same_bloxs_data_as_before() {
    let seed = SandboxConfig::default().seed;
    let b = BloxsData::generate(&BloxsConfig::default(), seed);
    let got = [
        (
            "bloxs owners",
            fingerprint(b.owners.iter().map(|o| o.to_json())),
        ),
        (
            "bloxs relations",
            fingerprint(b.relations.iter().map(|r| r.to_json())),
        ),
        (
            "bloxs contracts",
            fingerprint(b.contracts.iter().map(|c| c.to_json())),
        ),
        (
            "bloxs units",
            fingerprint(b.units.iter().map(|u| u.to_json())),
        ),
        (
            "bloxs ledger accounts",
            fingerprint(b.ledger_accounts.iter().map(|a| a.to_json())),
        ),
        (
            "bloxs service items",
            fingerprint(b.service_items.iter().map(|i| i.to_json())),
        ),
    ];
    for (what, f) in &got {
        println!("{what}: {f}");
    }
    let want = [
        ("bloxs owners", "4e081235324c6612 6"),
        ("bloxs relations", "daa25d157f4abf7f 3000"),
        ("bloxs contracts", "f6cfbf10ff1b1cfa 300"),
        ("bloxs units", "8cb5b619bd2f65b6 98"),
        ("bloxs ledger accounts", "197933c99af95ca7 13"),
        ("bloxs service items", "3880c754c524838a 26"),
    ];
    for ((what, got), (_, want)) in got.iter().zip(want) {
        assert_eq!(got, want, "{what} changed for the default seed");
    }
}

#[test]
fn the_default_seed_gives_the_same_mollie_invoices_as_before() {
    let seed = SandboxConfig::default().seed;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T12:00:00+00:00")
        .map(|t| t.with_timezone(&chrono::Utc))
        .expect("a time");
    let m = MollieData::generate(&MollieConfig::default(), seed, &Mollie::profiles(), now);
    let got = fingerprint(
        m.invoices
            .iter()
            .map(|i| i.to_json("http://sandbox/mollie")),
    );
    println!("mollie invoices: {got}");
    assert_eq!(
        got, "87339d107d2b29fb 900",
        "mollie invoices changed for the default seed"
    );
}

#[test]
fn the_default_seed_gives_the_same_bouwsoft_invoices_as_before() {
    use invoice_desk_sandbox::bouwsoft::data::Data as BouwsoftData;
    let seed = SandboxConfig::default().seed;
    let cfg = invoice_desk_sandbox::BouwsoftConfig::default();
    let d = BouwsoftData::generate(cfg.invoices, seed);
    let got = fingerprint(d.invoices.iter().map(|i| {
        let c = &d.customers[i.customer];
        serde_json::json!([
            i.id,
            i.nr,
            i.date.to_string(),
            c.name,
            c.vatnr,
            i.project.map(|p| d.projects[p].name.clone()),
            i.basis.to_string(),
            i.vat.to_string(),
            i.incl.to_string(),
            i.sent_to_accounting,
        ])
    }));
    println!("bouwsoft invoices: {got}");
    assert_eq!(
        got, "a52ab167030f5f07 3120",
        "bouwsoft invoices changed for the default seed"
    );
}
