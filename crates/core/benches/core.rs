//! Speed figures: totals of a long invoice, saving a draft. `make bench` prints them (the
//! type-ahead's are in `typeahead.rs`).

use criterion::{criterion_group, criterion_main, Criterion};
use invoice_desk_core::backend::*;
use invoice_desk_core::invoice::{evaluate, Draft, DraftLine};
use invoice_desk_core::store::Store;
use invoice_desk_core::totals::{PriceBasis, Rounding};

fn caps() -> Capabilities {
    Capabilities {
        discounts: Default::default(),
        test_mode: false,
        kind: SystemId::new("afas"),
        vat_rates: invoice_desk_core::vat::dutch_rates(),
        rounding: Rounding::PerTotal,
        price_bases: vec![PriceBasis::ExclVat],
        product_required: false,
        line_texts: Default::default(),
        quantity_dp: 2,
        price_dp: 4,
        max_lines: None,
        administrations: false,
        administration_label: None,
        addresses: false,
        attachments: true,
        max_attachment_bytes: None,
        creates_invoices: true,
        header_fields: vec![],
        line_fields: vec![],
        app_numbering: None,
        matches_customer_by_name: false,
        relations_per_administration: true,
        products_per_administration: true,
        header: Vec::new(),
        description_max_len: None,
        lists: vec![],
        relations: Default::default(),
        system_name: "AFAS SB".into(),
    }
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("invoice-desk-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).unwrap();
    let mut d = Draft::new(
        "c",
        &caps(),
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
    );
    d.lines = (0..75)
        .map(|i| DraftLine {
            description: format!("Regel {i}"),
            quantity: format!("{},{}", i + 1, i % 100),
            unit_price: format!("{}.{:02}", 10 + i, i),
            vat_code: ["high", "low", "zero"][i % 3].into(),
            ..DraftLine::default()
        })
        .collect();
    c.bench_function(
        "evaluate a 75-line invoice (parse, totals, validation)",
        |b| b.iter(|| evaluate(&d, &caps())),
    );
    c.bench_function("save a 75-line draft (SQLite, synchronous=FULL)", |b| {
        b.iter(|| store.save_draft(&d).unwrap())
    });
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
