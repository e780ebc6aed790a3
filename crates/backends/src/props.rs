//! Property tests over everything that reads a vendor's bytes: arbitrary answers (JSON shaped
//! like the vendors' own, cut-off JSON, plain bytes), statuses and headers never panic.
//!
//! This module holds what the per-system property tests share, and the targets of the HTTP
//! layer. Each target runs [`CASES`] cases and writes its count to the test output.

use crate::http::{parse_retry_after, Http, Reply};
use chrono::NaiveDate;
use invoice_desk_core::backend::{Product, Relation, RelationKind};
use invoice_desk_core::invoice::{OutgoingInvoice, OutgoingLine};
use invoice_desk_core::totals::{PriceBasis, Totals};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

pub(crate) const CASES: u32 = 100_000;

/// Runs `test` over [`CASES`] values of `strategy`. A panic inside is a failure (proptest
/// catches it and shrinks to the smallest input). The count goes to stderr directly, past the
/// test harness's capture, so `cargo test` shows it.
pub(crate) fn run<S: Strategy>(
    name: &str,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let config = Config {
        failure_persistence: None,
        ..Config::with_cases(CASES)
    };
    let mut runner = TestRunner::new(config);
    let started = std::time::Instant::now();
    let count = AtomicU64::new(0);
    let result = runner.run(&strategy, |v| {
        count.fetch_add(1, Ordering::Relaxed);
        test(v)
    });
    let n = count.load(Ordering::Relaxed);
    let _ = writeln!(
        std::io::stderr(),
        "property {name}: {n} cases, {}, {:.1} s",
        if result.is_ok() { "0 panics" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    assert!(n >= u64::from(CASES), "{name}: only {n} cases ran");
}

/// Field names the vendors use (AFAS SB and Silvasoft), so that generated objects often have
/// the shapes the parsers look for.
const KEYS: &[&str] = &[
    // Mollie
    "_embedded",
    "sales_invoices",
    "profiles",
    "_links",
    "next",
    "href",
    "pdfLink",
    "metadata",
    "invoiceDeskId",
    "invoiceNumber",
    "status",
    "value",
    "currency",
    "totalAmount",
    "totalVatAmount",
    "discountedSubtotalAmount",
    "subtotalAmount",
    "createdAt",
    "issuedAt",
    "dueAt",
    "lines",
    "quantity",
    "unitPrice",
    "vatRate",
    "vatMode",
    "discount",
    "type",
    "recipient",
    "organizationName",
    "givenName",
    "recipientIdentifier",
    "profileId",
    "field",
    "detail",
    "title",
    // Bloxs
    "reference",
    "externalIdentifier",
    "workflowState",
    "totalAmountExcl",
    "totalAmountVAT",
    "totalAmountIncl",
    "items",
    "totalPages",
    "isActive",
    "name",
    "code",
    "specificForOwnerReference",
    "ownerReference",
    "amountExcl",
    "amountVAT",
    "token",
    "expiration",
    "Id",
    "id",
    "Result",
    "result",
    "TrackingToken",
    "errors",
    "data",
    "instances",
    "Message",
    "message",
    "StatusCode",
    "Name",
    "Code",
    "Description",
    "PriceExcludingVAT",
    "PriceIncludingVAT",
    "VatType",
    "IsArchived",
    "IsBlocked",
    "RelationId",
    "EmailAddress",
    "SalesInvoiceNumber",
    "InstanceId",
    "SalesInvoiceId",
    "AmountInvoiced",
    "StreetName",
    "HouseNumber",
    "IsPreferedInvoiceAddress",
    "access_token",
    "refresh_token",
    "expires_in",
    "error",
    "error_description",
    "BlobId",
    "ChunkSize",
    "InvoiceNumber",
    "InvoiceTotalInclTax",
    "InvoiceDate",
    "InvoiceNotes",
    "errorCode",
    "errorMessage",
    "CustomerNumber",
    "CustomerName",
    "ArticleNumber",
    "Price",
    "SalePrice",
    "VATPercentage",
    "TaxPc",
    "Relation_Contact",
    "Relation_Address",
    "Contacts",
    "GUID",
    "Email",
    "City",
    "IsPerson",
    "Archived",
    "Active",
    "Type",
    "TraceId",
    "Prefix",
    "FirstName",
    "LastName",
    "",
];

/// Numbers as JSON text: everyday ones and ones no decimal or float holds.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "21",
    "12.5",
    "9999999999999.99",
    "10000000000000",
    "1e400",
    "-1e400",
    "1E-500",
    "1.5e10",
    "79228162514264337593543950335",
    "79228162514264337593543950336",
    "-79228162514264337593543950336",
    "0.0000000000000000000000000000001",
    "123456789012345678901234567890.5",
    "18446744073709551616",
    "-9223372036854775809",
    "4294967296",
    "2.5e-3",
    "7.9228162514264337593543950335e28",
];

/// Strings a vendor might send where we expect a number, an id, a date or words.
const TEXTS: &[&str] = &[
    "draft",
    "issued",
    "paid",
    "percentage",
    "amount",
    "inclusive",
    "invoice_4Y0eZitmBnQ6IDoMqZQKh",
    "lines.1.quantity",
    "lines.18446744073709551616.quantity",
    "recipient.vatNumber",
    "2026-11-30T10:47:38+00:00",
    "https://api.mollie.com/v2/sales-invoices?from=invoice_1&limit=5",
    "/v2/sales-invoices?from=",
    "file:///etc/passwd",
    "",
    " ",
    "12,50",
    "1.234,56",
    "1e5",
    "NaN",
    "-",
    "abc",
    "true",
    "null",
    "21%",
    "€ 3",
    "2026-11-30",
    "30-11-2026",
    "2026-13-45T25:61:61Z",
    "9999999999999999999999999999999",
    "5dbb40d7-52b5-51b6-809e-5a16dddeb650",
    "Path 'InvoiceLine[0].Quantity'",
    "Path 'InvoiceLine[99999999999999999999].Price'",
    "InvoiceLine[-1]",
    "lines[7].x",
    "Invoice_InvoiceLine[18446744073709551616]",
    "Relatie bestaat niet",
    "factuurnummer bestaat al",
    "InvoiceNumber already exists",
    "with id:",
    "with id: 5dbb40d7-52b5-51b6-809e-5a16dddeb650",
    "Ratelimit exceeded",
    "Succeeded",
    "Failed",
    "PartiallySucceeded",
    "high",
    "low",
    "zero",
    "person",
    "organisation",
    "V01230060",
    "é\u{0}\u{feff}ß",
    "r1:18446744073709551615",
    "p1:full:18446744073709551615:9223372036854775807:-9223372036854775808:0",
];

/// A small, fast generator (splitmix64) driven by one seed that proptest chooses: building
/// vendor-shaped answers from it costs next to nothing, so 100,000 cases stay quick in a debug
/// build. On a failure proptest prints the generated value itself (the strategies map the
/// seed to it).
pub(crate) struct Gen(u64);

impl Gen {
    pub(crate) fn new(seed: u64) -> Gen {
        Gen(seed)
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// 0..n (n > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub(crate) fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    pub(crate) fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }

    /// A short text: vendor words, or characters from a mixed alphabet.
    pub(crate) fn text(&mut self) -> String {
        const ALPHABET: &[char] = &[
            'a', 'Z', '0', '7', '9', ' ', '.', ',', ':', '\'', '[', ']', '-', '_', '%', '€', 'é',
            'ß', '\u{0}', '\u{feff}', '\u{202e}', '日', '\n', '"', '\\', 'e', 'E',
        ];
        match self.below(4) {
            0 | 1 => self.pick(TEXTS).to_string(),
            2 => {
                let n = self.below(6);
                (0..n)
                    .map(|_| self.pick(TEXTS))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            _ => {
                let n = self.below(40);
                (0..n)
                    .map(|_| ALPHABET[self.below(ALPHABET.len())])
                    .collect()
            }
        }
    }

    fn leaf(&mut self) -> Value {
        match self.below(10) {
            0 => Value::Null,
            1 => Value::Bool(self.chance(2)),
            2..=4 => Value::Number(Number::from_string_unchecked(
                self.pick(NUMBERS).to_string(),
            )),
            5 => Value::Number((self.next() as i64).into()),
            _ => Value::String(self.text()),
        }
    }

    /// A JSON value shaped like vendor answers, at most `depth` levels deep.
    pub(crate) fn json(&mut self, depth: usize) -> Value {
        if depth == 0 || self.chance(3) {
            return self.leaf();
        }
        if self.chance(4) {
            let n = self.below(4);
            Value::Array((0..n).map(|_| self.json(depth - 1)).collect())
        } else {
            Value::Object(self.object(depth - 1))
        }
    }

    pub(crate) fn object(&mut self, depth: usize) -> Map<String, Value> {
        let n = self.below(6);
        (0..n)
            .map(|_| (self.pick(KEYS).to_string(), self.json(depth)))
            .collect()
    }

    /// A body: vendor-shaped JSON, the same cut off anywhere, or any bytes.
    pub(crate) fn body(&mut self) -> Vec<u8> {
        match self.below(10) {
            0..=5 => serde_json::to_vec(&self.json(3)).unwrap_or_default(),
            6 | 7 => {
                let bytes = serde_json::to_vec(&self.json(3)).unwrap_or_default();
                let n = self.below(bytes.len() + 1);
                bytes[..n].to_vec()
            }
            8 => (0..self.below(48)).map(|_| self.next() as u8).collect(),
            _ => Vec::new(),
        }
    }

    /// A header value as a server may send it: a number, an HTTP date, or anything.
    pub(crate) fn header_text(&mut self) -> String {
        match self.below(8) {
            0 | 1 => self.next().to_string(),
            2 => (self.next() as i64).to_string(),
            3 | 4 => {
                // Years 1 to 9999: what an HTTP date can say.
                let secs = (self.next() % 315_537_897_599) as i64 - 62_135_596_800;
                chrono::DateTime::from_timestamp(secs, 0)
                    .map(|d| d.to_rfc2822())
                    .unwrap_or_default()
            }
            5 => self
                .pick(&[
                    "Fri, 31 Dec 9999 23:59:59 GMT",
                    "Mon, 01 Jan 0001 00:00:00 +2359",
                    "Tue, 1 Jul 2003 10:52:37 +0200",
                    "Sun, 06 Nov 1994 08:49:37 GMT",
                    "-0",
                    "18446744073709551616",
                ])
                .to_string(),
            _ => self.text(),
        }
    }

    pub(crate) fn status(&mut self) -> StatusCode {
        const COMMON: &[u16] = &[
            200, 201, 202, 204, 301, 302, 400, 401, 403, 404, 405, 409, 410, 422, 429, 500, 502,
            503, 504,
        ];
        let code = if self.chance(5) {
            100 + self.below(900) as u16
        } else {
            COMMON[self.below(COMMON.len())]
        };
        StatusCode::from_u16(code).unwrap_or(StatusCode::OK)
    }

    /// A complete answer: a status, the headers that matter, a body.
    pub(crate) fn reply(&mut self) -> Reply {
        let mut headers = HeaderMap::new();
        if !self.chance(3) {
            let ct = self.pick(&[
                "application/json",
                "text/html; charset=utf-8",
                "text/plain",
                "application/problem+json",
            ]);
            headers.insert(reqwest::header::CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        for name in [reqwest::header::RETRY_AFTER, reqwest::header::DATE] {
            if self.chance(2) {
                if let Ok(v) = HeaderValue::from_str(&self.header_text()) {
                    headers.insert(name, v);
                }
            }
        }
        Reply {
            status: self.status(),
            headers,
            body: self.body(),
        }
    }

    /// Any decimal the type holds (every scale, both signs, all 96 bits), or an everyday one.
    pub(crate) fn decimal(&mut self) -> Decimal {
        match self.below(4) {
            0 => Decimal::from_parts(
                self.next() as u32,
                self.next() as u32,
                self.next() as u32,
                self.chance(2),
                self.below(29) as u32,
            ),
            1 => Decimal::new(self.next() as i64, self.below(11) as u32),
            2 => Decimal::new(
                (self.next() % 2_000_000) as i64 - 1_000_000,
                self.below(5) as u32,
            ),
            _ => [
                Decimal::MAX,
                Decimal::MIN,
                Decimal::ZERO,
                Decimal::ONE_HUNDRED,
                -Decimal::ONE_HUNDRED,
                invoice_desk_core::money::MAX_AMOUNT,
            ][self.below(6)],
        }
    }

    /// An outgoing invoice with arbitrary amounts (as a stored invoice might hold), for the
    /// parsers that compare an answer with what was sent and for the request bodies.
    pub(crate) fn invoice(&mut self) -> OutgoingInvoice {
        let n = self.below(4);
        let lines = (0..n)
            .map(|_| OutgoingLine {
                discount: None,
                product: Some(Product {
                    id: "5dbb40d7-52b5-51b6-809e-5a16dddeb650".into(),
                    code: Some("A1".into()),
                    description: "Brood".into(),
                    price_excl: None,
                    price_incl: None,
                    vat_code: Some("high".into()),
                    group: None,
                    archived: false,
                    line_defaults: Default::default(),
                }),
                description: "Brood".into(),
                quantity: self.decimal(),
                unit_price: self.decimal(),
                vat_code: self.pick(&["21", "9", "0", "high"]).to_string(),
                vat_percent: self.decimal(),
                extra_description: String::new(),
                extra: BTreeMap::new(),
            })
            .collect();
        let mut extra = BTreeMap::new();
        if self.chance(2) {
            let d = self.pick(&["10", "100", "-5", "abc", "1e5", "99.999", "150"]);
            extra.insert("invoice_discount_pc".to_string(), d.to_string());
        }
        if self.chance(2) {
            let n = self.pick(&["7", "0", "18446744073709551616", "x"]);
            extra.insert("invoice_number".to_string(), n.to_string());
        }
        OutgoingInvoice {
            discount: None,
            recipient: None,
            identity: uuid::Uuid::nil(),
            draft_id: uuid::Uuid::nil(),
            administration_id: "1".into(),
            relation: Relation {
                id: "r1".into(),
                kind: RelationKind::Organisation,
                name: "Bakkerij de Vries B.V.".into(),
                number: if self.chance(2) {
                    Some("19".into())
                } else {
                    None
                },
                email: Some("info@example.nl".into()),
                city: None,
                vat_number: None,
                archived: false,
            },
            address_id: None,
            issue_date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
            reference: "PO-77".into(),
            price_basis: if self.chance(2) {
                PriceBasis::InclVat
            } else {
                PriceBasis::ExclVat
            },
            lines,
            attachments: Vec::new(),
            extra,
            totals: Totals {
                gross: self.decimal(),
                ..Totals::default()
            },
        }
    }
}

/// Runs `test` over [`CASES`] values that `make` builds from a seed proptest chooses. A
/// failure names the seed: `make(&mut Gen::new(seed))` builds the same input again.
pub(crate) fn run_seeded<T>(
    name: &str,
    make: impl Fn(&mut Gen) -> T,
    test: impl Fn(T) -> Result<(), TestCaseError>,
) {
    run(name, any::<u64>(), |seed| test(make(&mut Gen::new(seed))));
}

pub(crate) fn http(system: &'static str) -> Http {
    Http::new(system).expect("an HTTP client")
}

#[test]
fn http_parse_retry_after_never_panics() {
    run_seeded(
        "http::parse_retry_after",
        |g| {
            let now = match g.below(3) {
                0 => SystemTime::now(),
                1 => SystemTime::UNIX_EPOCH,
                _ => SystemTime::UNIX_EPOCH + Duration::from_secs(g.next() % (1 << 40)),
            };
            (g.header_text(), now)
        },
        |(v, now)| {
            let _ = parse_retry_after(&v, now);
            Ok(())
        },
    );
}

#[test]
fn http_reading_any_answer_never_panics() {
    let http = http("AFAS SB");
    run_seeded(
        "http::Reply (vendor_message, retry_after, snippet, json, status_error)",
        |g| g.reply(),
        |r| {
            let _ = r.vendor_message();
            let _ = r.retry_after();
            let s = r.snippet();
            prop_assert!(s.chars().count() <= 301);
            let _ = r.json("AFAS SB");
            let _ = r.json_opt();
            let _ = http.status_error(&r);
            Ok(())
        },
    );
}
