//! Type-ahead speed at 100,000 and 1,000,000 cached items, for every look-up list, and how fast
//! the cache fills. `make bench` prints the figures next to their targets.
//!
//! For each size the store is filled in sync pages of 500 as a sync writes them (the time is a
//! figure: a million relations in at most 30 s). Then every query of a spread of real prefixes
//! (one letter up, names, numbers, e-mail, city, two words; drawn from the cached items
//! themselves) is timed one call at a time, three passes, and p50/p99 are printed per kind of
//! prefix and for all of them. Criterion times a few fixed queries besides.
//!
//! `INVOICE_DESK_BENCH_SIZES=100000` runs only the sizes named (comma-separated);
//! `INVOICE_DESK_BENCH_LISTS=relations` only the relations (not products, a declared list and
//! recipients).

use criterion::{criterion_group, criterion_main, Criterion};
use invoice_desk_core::backend::*;
use invoice_desk_core::lists::{LookupItem, Recipient};
use invoice_desk_core::store::{Entity, Store};
use invoice_desk_core::sync;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const FIRST: &[&str] = &[
    "Jan", "Sanne", "Pieter", "Fleur", "Daan", "Emma", "Luuk", "Noor", "Bram", "Lotte", "Sofie",
    "Wout", "Eline", "Jelle", "Ilse", "Koen", "Lieke", "Ruben", "Maaike", "Thijs",
];
const LAST: &[&str] = &[
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "Peeters",
    "Claes",
    "van Dijk",
    "Willems",
    "Janssens",
    "Maes",
    "Dekker",
    "van den Berg",
    "Hendriks",
    "Goossens",
    "Wouters",
    "Çelik",
];
const TRADE: &[&str] = &[
    "Bakkerij",
    "Installatiebedrijf",
    "Schildersbedrijf",
    "Adviesgroep",
    "Transport",
    "Hoveniers",
    "Drukkerij",
    "Garage",
    "Café",
    "Loodgieter",
    "Architectenbureau",
    "Zorgcentrum",
];
const CITY: &[&str] = &[
    "Delft",
    "Utrecht",
    "Gent",
    "Antwerpen",
    "Zwolle",
    "Leuven",
    "Haarlem",
    "Breda",
    "Mechelen",
    "Amersfoort",
    "Brugge",
    "Groningen",
];

/// A small deterministic generator: the same data and queries on every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next() % from.len()]
    }
}

fn relation(i: usize, rng: &mut Lcg) -> Relation {
    let org = i.is_multiple_of(2);
    let name = if org {
        format!("{} {} {} B.V.", rng.pick(TRADE), rng.pick(LAST), i % 997)
    } else {
        format!("{} {}", rng.pick(FIRST), rng.pick(LAST))
    };
    Relation {
        id: format!("{i:08}-0000-4000-8000-000000000000"),
        kind: if org {
            RelationKind::Organisation
        } else {
            RelationKind::Person
        },
        number: Some(format!("{:07}", i + 1)),
        email: Some(format!(
            "{}{}@example.nl",
            name.split(' ').next().unwrap_or("info").to_lowercase(),
            i
        )),
        city: Some(rng.pick(CITY).to_string()),
        vat_number: None,
        archived: i.is_multiple_of(37),
        name,
    }
}

fn fill(n: usize, mut write: impl FnMut(&[Relation])) -> (Vec<Relation>, Duration) {
    let mut rng = Lcg(7);
    let mut kept = Vec::new();
    let mut page = Vec::with_capacity(BATCH);
    let t = Instant::now();
    for i in 0..n {
        let r = relation(i, &mut rng);
        if i.is_multiple_of(97) {
            kept.push(r.clone());
        }
        page.push(r);
        if page.len() == BATCH {
            write(&page);
            page.clear();
        }
    }
    if !page.is_empty() {
        write(&page);
    }
    (kept, t.elapsed())
}

/// What a sync writes in one commit: pages of 500 as the back ends send them, as many as
/// make [`sync::BATCH_ROWS`] rows.
const BATCH: usize = sync::BATCH_ROWS;

fn sync_pages<T: Clone>(items: &[T]) -> Vec<SyncPage<T>> {
    items
        .chunks(500)
        .map(|c| SyncPage {
            items: c.to_vec(),
            removed: vec![],
            cursor: String::new(),
            done: false,
            full_reload: false,
        })
        .collect()
}

/// Prefixes a clerk types: of every word of the name (one letter up), the whole name as far as
/// it was typed, the number, the e-mail, the city, and two words.
fn queries(sample: &[Relation]) -> Vec<(&'static str, String)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut add = |kind: &'static str, q: String| {
        if !q.trim().is_empty() && seen.insert(q.clone()) {
            out.push((kind, q));
        }
    };
    let prefixes = |s: &str, max: usize| -> Vec<String> {
        let chars: Vec<char> = s.chars().collect();
        (1..=chars.len().min(max))
            .map(|k| chars[..k].iter().collect())
            .collect()
    };
    for r in sample.iter().take(400) {
        for p in prefixes(&r.name, 16) {
            let kind = if p.chars().count() == 1 {
                "one letter"
            } else {
                "name"
            };
            add(kind, p);
        }
        for w in r.name.split(' ').skip(1) {
            for p in prefixes(w, 6) {
                add(
                    if p.chars().count() == 1 {
                        "one letter"
                    } else {
                        "word of the name"
                    },
                    p,
                );
            }
        }
        if let Some(n) = &r.number {
            for p in prefixes(n, 7).into_iter().skip(2) {
                add("number", p);
            }
        }
        if let Some(e) = &r.email {
            for p in prefixes(e, 12).into_iter().skip(3) {
                add("e-mail", p);
            }
        }
        if let Some(c) = &r.city {
            for p in prefixes(c, 8).into_iter().skip(1) {
                add("city", p);
            }
        }
        let words: Vec<&str> = r.name.split(' ').collect();
        if words.len() > 1 {
            for p in prefixes(words[0], 4).into_iter().skip(1) {
                add("two words", format!("{} {}", words[1], p));
            }
        }
        if let (Some(c), Some(w)) = (&r.city, words.last()) {
            add("two words", format!("{} {}", c, &w[..w.len().min(3)]));
        }
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Times every query one call at a time (three passes after one to warm up) and prints p50/p99
/// per kind of prefix and for all, next to the target.
fn spread(what: &str, target_ms: f64, qs: &[(&'static str, String)], mut run: impl FnMut(&str)) {
    for (_, q) in qs {
        run(q);
    }
    let mut by_kind: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    let mut all = Vec::new();
    for _ in 0..3 {
        for (kind, q) in qs {
            let t = Instant::now();
            run(q);
            let d = t.elapsed();
            by_kind.entry(kind).or_default().push(d);
            all.push(d);
        }
    }
    all.sort();
    let (p50, p99) = (percentile(&all, 0.5), percentile(&all, 0.99));
    let verdict = if ms(p99) <= target_ms {
        "met"
    } else {
        "NOT MET"
    };
    println!(
        "figure: type-ahead {what}: p50 {:.3} ms, p99 {:.3} ms over {} calls ({} prefixes), target p99 <= {target_ms} ms: {verdict}",
        ms(p50),
        ms(p99),
        all.len(),
        qs.len()
    );
    for (kind, mut v) in by_kind {
        v.sort();
        println!(
            "        {kind:>16}: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({} calls)",
            ms(percentile(&v, 0.5)),
            ms(percentile(&v, 0.99)),
            ms(*v.last().unwrap_or(&Duration::ZERO)),
            v.len()
        );
    }
}

fn sizes() -> Vec<usize> {
    std::env::var("INVOICE_DESK_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100_000, 1_000_000])
}

fn label(n: usize) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{},000,000", n / 1_000_000)
    } else if n >= 1000 && n.is_multiple_of(1000) {
        format!("{},000", n / 1000)
    } else {
        n.to_string()
    }
}

fn bench(c: &mut Criterion) {
    for n in sizes() {
        let size = label(n);
        let target = if n > 100_000 { 5.0 } else { 1.0 };
        let dir =
            std::env::temp_dir().join(format!("invoice-desk-bench-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::open(&dir).unwrap();

        // Relations, synced per administration (AFAS SB's scope), a second administration
        // beside it as the demo has.
        let (sample, took) = fill(n, |page| {
            store
                .apply_relations_pages("c", "a", &sync_pages(page), Some(Entity::Relations))
                .unwrap()
        });
        let fill_target = 30.0 * n as f64 / 1_000_000.0;
        println!(
            "figure: filling the cache with {size} relations in pages of 500, {BATCH} rows a commit: {:.1} s, target <= {fill_target:.0} s: {}",
            took.as_secs_f64(),
            if took.as_secs_f64() <= fill_target { "met" } else { "NOT MET" }
        );
        fill(n / 10, |page| {
            store
                .apply_relations_pages("c", "other", &sync_pages(page), Some(Entity::Relations))
                .unwrap()
        });
        // Opening the store is on the way to the first paint: with a large cache too.
        drop(store);
        let t = Instant::now();
        let store = Store::open(&dir).unwrap();
        println!(
            "figure: opening the store with {size} relations cached: {:.0} ms",
            t.elapsed().as_secs_f64() * 1000.0
        );
        let qs = queries(&sample);
        spread(&format!("relations at {size}"), target, &qs, |q| {
            store.search_relations("c", "a", q, 20).unwrap();
        });
        for q in ["b", "bak", "jansen de", "0004211", "utrecht schil"] {
            c.bench_function(&format!("type-ahead over {size} relations: '{q}'"), |b| {
                b.iter(|| store.search_relations("c", "a", q, 20).unwrap())
            });
        }

        if std::env::var("INVOICE_DESK_BENCH_LISTS").is_ok_and(|l| l == "relations") {
            drop(store);
            let _ = std::fs::remove_dir_all(&dir);
            continue;
        }
        // Every other list, with the same words: products, a declared list (Bloxs's contracts
        // and the like) and the local address book.
        let products: Vec<Product> = sample_all(n, |r, i| Product {
            id: r.id.clone(),
            code: r.number.clone(),
            description: r.name.clone(),
            price_excl: None,
            price_incl: None,
            vat_code: None,
            group: r.city.clone(),
            archived: i.is_multiple_of(37),
            line_defaults: BTreeMap::new(),
        });
        let t = Instant::now();
        for batch in products.chunks(BATCH) {
            store
                .apply_products_pages("c", "a", &sync_pages(batch), Some(Entity::Products))
                .unwrap();
        }
        println!(
            "figure: filling the cache with {size} products in pages of 500, {BATCH} rows a commit: {:.1} s",
            t.elapsed().as_secs_f64()
        );
        drop(products);
        spread(&format!("products at {size}"), target, &qs, |q| {
            store.search_products("c", "a", q, 20).unwrap();
        });

        let items: Vec<LookupItem> = sample_all(n, |r, i| LookupItem {
            id: r.number.clone().unwrap_or_default(),
            label: r.name.clone(),
            detail: r.city.clone(),
            terms: r.email.clone().into_iter().collect(),
            parents: BTreeMap::new(),
            archived: i.is_multiple_of(37),
            data: Default::default(),
        });
        let t = Instant::now();
        for page in sync_pages(&items) {
            store.apply_list_page("c", "contracts", "a", &page).unwrap();
        }
        println!(
            "figure: filling the cache with {size} items of a declared list in pages of 500, {BATCH} rows a commit: {:.1} s",
            t.elapsed().as_secs_f64()
        );
        drop(items);
        let none = BTreeMap::new();
        spread(&format!("a declared list at {size}"), target, &qs, |q| {
            store
                .search_list("c", "contracts", "a", &none, q, 20)
                .unwrap();
        });

        // An address book is kept by hand, one recipient at a time: ten thousand is already
        // far more than a clerk types in.
        if n <= 100_000 {
            let recipients: Vec<Recipient> = sample_all(10_000, |r, i| Recipient {
                id: r.id.clone(),
                kind: r.kind,
                name: r.name.clone(),
                number: r.number.clone(),
                email: r.email.clone(),
                city: r.city.clone(),
                vat_number: None,
                values: BTreeMap::new(),
                created_at: "2026-01-01T00:00:00Z".into(),
                updated_at: "2026-01-01T00:00:00Z".into(),
                archived: i.is_multiple_of(37),
            });
            for r in &recipients {
                store.save_recipient("m", r).unwrap();
            }
            drop(recipients);
            spread("recipients at 10,000", target, &qs, |q| {
                store.search_recipients("m", q, 20).unwrap();
            });
        }
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Every relation of a fill of `n`, made into another kind of item.
fn sample_all<T>(n: usize, mut make: impl FnMut(&Relation, usize) -> T) -> Vec<T> {
    let mut rng = Lcg(7);
    (0..n).map(|i| make(&relation(i, &mut rng), i)).collect()
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = bench
}
criterion_main!(benches);
