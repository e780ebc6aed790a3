//! Contract of the Mollie client: every body it sends validates against the request schemas of
//! Mollie's OpenAPI document, by the strict rules of the stand-in's contract test (nothing
//! undeclared but `currency`, money as strings with two decimals, whole quantities, at most
//! 100 characters per description): drafts, issued and paid invoices, consumers and
//! businesses, discounts, prices including VAT, an organization token's profile and test
//! mode, and the update that issues a draft.

#[path = "mollie_contract.rs"]
#[allow(dead_code)]
mod spec;

use invoice_desk_backends::mollie::{
    create_body, issue_body, Org, HEADER_EMAIL_BODY, HEADER_EMAIL_SUBJECT, HEADER_E_INVOICE,
    HEADER_MEMO, HEADER_PAYMENT_REFERENCE, HEADER_PAYMENT_SOURCE, HEADER_PAYMENT_TERM,
    HEADER_STATUS, HEADER_VAT_SCHEME, R_CITY, R_COUNTRY, R_EMAIL, R_FAMILY, R_GIVEN, R_LOCALE,
    R_ORG_NUMBER, R_PHONE, R_POSTAL_CODE, R_REGION, R_STREET, R_STREET_ADDITIONAL, R_VAT,
};
use invoice_desk_core::backend::RelationKind;
use invoice_desk_core::invoice::{Discount, DiscountKind, OutgoingInvoice, OutgoingLine};
use invoice_desk_core::lists::Recipient;
use invoice_desk_core::totals::{PriceBasis, Totals};
use invoice_desk_core::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn recipient(kind: RelationKind, pairs: &[(&str, &str)]) -> Recipient {
    let values: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Recipient {
        id: "3b1d0c7e-6a0f-4a53-9a2b-1f3c2d4e5f60".into(),
        kind,
        name: "Bakkerij De Gouden Krakeling".into(),
        number: None,
        email: None,
        city: None,
        vat_number: None,
        values,
        created_at: String::new(),
        updated_at: String::new(),
        archived: false,
    }
}

const ADDRESS: [(&str, &str); 6] = [
    (R_EMAIL, "factuur@example.nl"),
    (R_STREET, "Keizersgracht 1"),
    (R_POSTAL_CODE, "1015 CW"),
    (R_CITY, "Amsterdam"),
    (R_COUNTRY, "NL"),
    (R_LOCALE, "nl_NL"),
];

fn line(q: &str, p: &str, pct: &str, discount: Option<Discount>) -> OutgoingLine {
    OutgoingLine {
        discount,
        product: None,
        description: "Taart voor 12 personen — november".into(),
        quantity: dec(q),
        unit_price: dec(p),
        vat_code: pct.into(),
        vat_percent: dec(pct),
        extra_description: String::new(),
        extra: BTreeMap::new(),
    }
}

fn invoice(r: Recipient, lines: Vec<OutgoingLine>, extra: &[(&str, &str)]) -> OutgoingInvoice {
    OutgoingInvoice {
        discount: None,
        relation: r.as_relation(),
        recipient: Some(r),
        identity: uuid::Uuid::new_v4(),
        draft_id: uuid::Uuid::new_v4(),
        administration_id: String::new(),
        address_id: None,
        issue_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        reference: String::new(),
        price_basis: PriceBasis::ExclVat,
        lines,
        attachments: vec![],
        extra: extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        totals: Totals::default(),
    }
}

#[test]
fn every_body_the_client_builds_passes_the_specs_request_schema() {
    let business = {
        let mut a = ADDRESS.to_vec();
        a.push((R_VAT, "NL123456789B01"));
        a.push((R_STREET_ADDITIONAL, "4e verdieping"));
        a.push((R_REGION, "Noord-Holland"));
        a.push((R_PHONE, "+31201234567"));
        recipient(RelationKind::Organisation, &a)
    };
    let kvk = {
        let mut a = ADDRESS.to_vec();
        a.push((R_ORG_NUMBER, "12345678"));
        recipient(RelationKind::Organisation, &a)
    };
    let consumer = {
        let mut a = ADDRESS.to_vec();
        a.push((R_GIVEN, "Jan"));
        a.push((R_FAMILY, "de Vries"));
        recipient(RelationKind::Person, &a)
    };
    let pct = |v: &str| {
        Some(Discount {
            kind: DiscountKind::Percentage,
            value: dec(v),
        })
    };
    let amt = |v: &str| {
        Some(Discount {
            kind: DiscountKind::Amount,
            value: dec(v),
        })
    };
    let mut cases: Vec<(&str, OutgoingInvoice, Option<Org<'static>>)> = vec![
        (
            "a draft to a business",
            invoice(business.clone(), vec![line("1", "89.00", "21", None)], &[]),
            None,
        ),
        (
            "issued to a consumer, with the e-mail, memo, term and scheme",
            invoice(
                consumer.clone(),
                vec![
                    line("3", "4.50", "9", pct("12.5")),
                    line("1", "0", "0", None),
                ],
                &[
                    (HEADER_STATUS, "issued"),
                    (HEADER_EMAIL_SUBJECT, "Uw factuur"),
                    (HEADER_EMAIL_BODY, "Beste Jan,\nHierbij uw factuur."),
                    (HEADER_MEMO, "Bedankt!"),
                    (HEADER_PAYMENT_TERM, "14 days"),
                    (HEADER_VAT_SCHEME, "one-stop-shop"),
                ],
            ),
            None,
        ),
        (
            "paid through a payment link, an e-invoice, with a Chamber of Commerce number",
            invoice(
                kvk,
                vec![line("2", "125.00", "21", amt("10"))],
                &[
                    (HEADER_STATUS, "paid"),
                    (HEADER_PAYMENT_SOURCE, "payment-link"),
                    (HEADER_PAYMENT_REFERENCE, "pl_d9fQur83kFdhH8hIhaZfq"),
                    (HEADER_E_INVOICE, "true"),
                ],
            ),
            None,
        ),
        (
            "paid by hand, with an organization token in test mode",
            invoice(
                business.clone(),
                vec![line("1", "10.00", "21", None)],
                &[(HEADER_STATUS, "paid"), (HEADER_PAYMENT_SOURCE, "manual")],
            ),
            Some(Org {
                profile_id: "pfl_demo0001",
                testmode: true,
            }),
        ),
    ];
    // Prices including VAT and an invoice discount.
    let mut incl = invoice(consumer, vec![line("7", "13.33", "9", None)], &[]);
    incl.price_basis = PriceBasis::InclVat;
    incl.discount = amt("5");
    cases.push(("prices including VAT, an invoice discount", incl, None));
    let mut n = 0;
    for (what, inv, org) in &cases {
        let body = create_body(inv, *org).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        let errors = spec::request_errors(&body);
        assert!(errors.is_empty(), "{what}: {errors:?}\n{body:#}");
        n += 1;
    }
    for testmode in [false, true] {
        let body = issue_body("Uw factuur", "Hierbij.", testmode);
        let errors = spec::update_errors(&body);
        assert!(errors.is_empty(), "{errors:?}\n{body:#}");
        n += 1;
    }
    assert_eq!(n, 7);
}
