//! Unit tests of the AFAS mapping against recorded answers from the vendor documentation.

use super::*;
use crate::http::Reply;
use chrono::NaiveDate;
use invoice_desk_core::backend::HeaderKey;
use invoice_desk_core::invoice::OutgoingLine;
use invoice_desk_core::totals::Totals;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use rust_decimal_macros::dec;
use std::collections::BTreeMap;

const ADMIN: &str = "bb837613-26e7-52bd-bc56-f3721b90a42e";
const ORG: &str = "7b8e279b-b551-556e-a00a-a815392d0d38";
const ITEM_A: &str = "5dbb40d7-52b5-51b6-809e-5a16dddeb650";
const ITEM_B: &str = "7e94bf59-594c-5c28-9fe5-5e238f821b0d";

fn product(id: &str) -> Product {
    Product {
        id: id.into(),
        code: None,
        description: "Product".into(),
        price_excl: None,
        price_incl: None,
        vat_code: None,
        group: None,
        archived: false,
        line_defaults: Default::default(),
    }
}

fn line(item: &str, q: Decimal, p: Decimal, vat: &str, pct: Decimal) -> OutgoingLine {
    OutgoingLine {
        discount: None,
        product: Some(product(item)),
        description: String::new(),
        quantity: q,
        unit_price: p,
        vat_code: vat.into(),
        vat_percent: pct,
        extra_description: String::new(),
        extra: BTreeMap::new(),
    }
}

fn invoice() -> OutgoingInvoice {
    OutgoingInvoice {
        discount: None,
        recipient: None,
        identity: uuid::Uuid::new_v4(),
        draft_id: uuid::Uuid::new_v4(),
        administration_id: ADMIN.into(),
        relation: Relation {
            id: ORG.into(),
            kind: RelationKind::Organisation,
            name: "Erbi Lara B.V.".into(),
            number: Some("000019".into()),
            email: None,
            city: None,
            vat_number: None,
            archived: false,
        },
        address_id: None,
        issue_date: NaiveDate::from_ymd_opt(2025, 5, 16).unwrap(),
        reference: String::new(),
        price_basis: PriceBasis::ExclVat,
        lines: vec![
            line(ITEM_A, dec!(2), dec!(29.93), "high", dec!(21)),
            line(ITEM_B, dec!(1.50), dec!(10.00), "low", dec!(9)),
        ],
        attachments: Vec::new(),
        extra: BTreeMap::new(),
        totals: Totals::default(),
    }
}

fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status: StatusCode::from_u16(status).unwrap(),
        headers: HeaderMap::new(),
        body: body.as_bytes().to_vec(),
    }
}

fn http() -> Http {
    Http::new(NAME).unwrap()
}

#[test]
fn minimal_body_matches_the_spec_example() {
    let body = salesinvoice_body(&invoice()).unwrap();
    let text = serde_json::to_string(&body).unwrap();
    assert_eq!(body["AdministrationId"], ADMIN);
    assert_eq!(body["IssueDate"], "2025-05-16");
    assert_eq!(body["RelationType"], "organisation");
    assert_eq!(body["RelationId"], ORG);
    assert_eq!(body["SentInvoiceEmail"], false);
    for absent in [
        "Reference",
        "PaymentMethod",
        "AddressId",
        "ToBeInvoiced",
        "Attachments",
    ] {
        assert!(
            body.get(absent).is_none(),
            "{absent} must be omitted when empty"
        );
    }
    assert!(
        text.contains(r#""Quantity":2,"#) || text.contains(r#""Quantity":2}"#),
        "{text}"
    );
    assert!(text.contains(r#""Price":29.93"#), "{text}");
    assert!(text.contains(r#""Quantity":1.5"#), "{text}");
    assert!(text.contains(r#""Price":10"#), "{text}");
    assert_eq!(body["InvoiceLine"][0]["ItemId"], ITEM_A);
    assert_eq!(body["InvoiceLine"][0]["VatType"], "high");
    assert!(body["InvoiceLine"][0].get("ExtraDescription").is_none());
}

#[test]
fn full_body() {
    let mut inv = invoice();
    inv.reference = " PO-4711 ".into();
    inv.address_id = Some("56528a1b-4bea-5699-abb8-f66155e9c497".into());
    inv.attachments = vec!["3b642fed-f4ec-4463-986a-745531ccbbb8".into()];
    inv.extra
        .insert("payment_method".into(), "banktransfer".into());
    inv.extra.insert("send_email".into(), "true".into());
    inv.extra.insert("to_be_invoiced".into(), "false".into());
    inv.lines[0].extra_description = "Week 12".into();
    inv.lines[1].quantity = dec!(-3.25);
    inv.lines[1].unit_price = dec!(0.1) + dec!(0.2);
    let body = salesinvoice_body(&inv).unwrap();
    let text = serde_json::to_string(&body).unwrap();
    assert_eq!(body["Reference"], "PO-4711");
    assert_eq!(body["AddressId"], "56528a1b-4bea-5699-abb8-f66155e9c497");
    assert_eq!(body["PaymentMethod"], "banktransfer");
    assert_eq!(body["SentInvoiceEmail"], true);
    assert_eq!(body["ToBeInvoiced"], false);
    assert_eq!(
        body["Attachments"][0]["AttachmentId"],
        "3b642fed-f4ec-4463-986a-745531ccbbb8"
    );
    assert_eq!(body["InvoiceLine"][0]["ExtraDescription"], "Week 12");
    assert!(text.contains(r#""Quantity":-3.25"#), "{text}");
    assert!(
        text.contains(r#""Price":0.3"#),
        "no float artefacts: {text}"
    );
    assert!(!text.contains("0.30000000000000004"));
}

#[test]
fn gross_prices_become_net() {
    let mut inv = invoice();
    inv.price_basis = PriceBasis::InclVat;
    inv.lines = vec![line(ITEM_A, dec!(100), dec!(0.65), "high", dec!(21))];
    let body = salesinvoice_body(&inv).unwrap();
    let text = serde_json::to_string(&body).unwrap();
    assert!(text.contains(r#""Price":0.5371900826"#), "{text}");
    // 100 × 0.5371900826 = 53.72 net, VAT 21 % = 11.28, gross 65.00 as typed.
    let net = round_dp(dec!(100) * dec!(0.5371900826), 2);
    assert_eq!(net, dec!(53.72));
    assert_eq!(net + round_dp(net * dec!(0.21), 2), dec!(65.00));
    inv.lines = vec![line(ITEM_A, dec!(1), dec!(12.10), "high", dec!(21))];
    let text = serde_json::to_string(&salesinvoice_body(&inv).unwrap()).unwrap();
    assert!(
        text.contains(r#""Price":10,"#) || text.contains(r#""Price":10}"#),
        "{text}"
    );
}

#[test]
fn precheck_refuses_lines_without_product_or_with_three_decimals() {
    let mut inv = invoice();
    inv.lines[0].product = None;
    inv.lines[1].quantity = dec!(1.255);
    let e = precheck(&inv).unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["lines[0].product", "lines[1].quantity"]);
    assert!(precheck(&invoice()).is_ok());
}

#[test]
fn succeeded_and_partially_succeeded() {
    let inv = invoice();
    let r = answer::interpret(
        &http(),
        &reply(
            200,
            r#"{"result":"Succeeded","traceId":"8ede5c56-1e84-4134-b243-007e8bac57cc",
                "data":{"SalesInvoiceId":"61296199-a131-4b4e-9511-54a599ae8541"},"errors":[]}"#,
        ),
        &inv,
    )
    .unwrap();
    assert_eq!(r.remote_id, "61296199-a131-4b4e-9511-54a599ae8541");
    assert!(r.warnings.is_empty());
    let r = answer::interpret(
        &http(),
        &reply(
            200,
            r#"{"result":"PartiallySucceeded","traceId":"a425ba2d",
                "data":{"SalesInvoiceId":"61296199-a131-4b4e-9511-54a599ae8541"},
                "errors":[{"Verkoopfactuur":"'Bijlage' bevat een verwijzing naar een ongeldige waarde."}]}"#,
        ),
        &inv,
    )
    .unwrap();
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].nl.contains("'Bijlage' bevat een verwijzing"));
    assert!(r.warnings[0]
        .en
        .starts_with("AFAS SB reports on the invoice"));
}

#[test]
fn failed_maps_fields() {
    let inv = invoice();
    let e = answer::interpret(
        &http(),
        &reply(
            200,
            &format!(
                r#"{{"result":"Failed","traceId":"t","errors":[
                    "De factuurdatum ligt vóór de beginbalansdatum. Dit is niet toegestaan.",
                    {{"Verkoopfactuur":"Field 'Relatie' contains an invalid reference"}},
                    "Product {ITEM_B} is geblokkeerd",
                    {{"Verkoopfactuur":"'Bijlage' bevat een verwijzing naar een ongeldige waarde."}},
                    "Het adres hoort niet bij de relatie van de factuur: adres onbekend"
                ]}}"#
            ),
        ),
        &inv,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused);
    assert_eq!(e.message.en, "AFAS SB refused the invoice");
    assert_eq!(e.message.nl, "AFAS SB heeft de factuur geweigerd");
    assert!(e.detail.as_deref().unwrap().contains("beginbalansdatum"));
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "issue_date",
            "relation",
            "lines[1].product",
            "attachments",
            "address"
        ]
    );
    assert_eq!(e.field.as_deref(), Some("issue_date"));
    assert!(e.fields[0]
        .message
        .nl
        .starts_with("AFAS SB accepteert de factuurdatum niet"));
    assert!(e.fields[0]
        .message
        .en
        .starts_with("AFAS SB does not accept the invoice date"));
}

#[test]
fn failed_with_an_unknown_product_and_no_index() {
    let inv = invoice();
    let e = answer::interpret(
        &http(),
        &reply(
            200,
            r#"{"result":"Failed","errors":["ItemId bevat een ongeldige waarde"]}"#,
        ),
        &inv,
    )
    .unwrap_err();
    assert_eq!(e.fields[0].field, "lines");
}

#[test]
fn failed_but_created() {
    let inv = invoice();
    let e = answer::interpret(
        &http(),
        &reply(
            200,
            r#"{"result":"Failed","errors":["Entity is made with one or more errors. Please correct this error in application or delete SalesInvoice with id: b32ee6e1-2a8c-4bb5-9c1e-6a7d00a1b2c3","De factuurdatum ligt vóór de beginbalansdatum. Dit is niet toegestaan."]}"#,
        ),
        &inv,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused);
    assert!(e
        .message
        .en
        .contains("did create an incomplete one (b32ee6e1-2a8c-4bb5-9c1e-6a7d00a1b2c3)"));
    assert_eq!(e.field.as_deref(), Some("issue_date"));
}

#[test]
fn deserializer_errors_map_their_path() {
    let inv = invoice();
    let cases = [
        (
            "Invalid JSON request String '' does not validate against format 'uuid'. Path 'RelationId', line 3, position 18.",
            Some("relation"),
        ),
        ("Invalid JSON request. Path 'IssueDate', line 1.", Some("issue_date")),
        (
            "Invalid JSON request Float 1.255 is not a multiple of 0.01. Path 'InvoiceLine[1].Quantity', line 1.",
            Some("lines[1].quantity"),
        ),
        ("Invalid value. Path 'InvoiceLine[0].ItemId'.", Some("lines[0].product")),
        ("Invalid value. Path 'InvoiceLine[0].Price'.", Some("lines[0].unit_price")),
        ("Invalid value. Path 'InvoiceLine[0].VatType'.", Some("lines[0].vat_code")),
        ("Invalid value. Path 'Attachments[0].AttachmentId'.", Some("attachments[0]")),
        ("Invalid value. Path 'PaymentMethod'.", Some("extra.payment_method")),
        ("Invalid value. Path 'AddressId'.", Some("address")),
        (
            "Invalid JSON request Required properties are missing from object: SentInvoiceEmail. Path '', line 1, position 1.",
            Some("extra.send_email"),
        ),
        ("Invalid JSON request String", None),
    ];
    for (message, field) in cases {
        let body = serde_json::json!({
            "StatusCode": 400, "Message": message, "ExceptionCode": "DS3100",
            "TraceId": "57887d8213dd4327ae1429e860250b24",
            "AdditionalInfo": {"ExceptionType": "DeserializationException"}
        });
        let e = answer::interpret(&http(), &reply(400, &body.to_string()), &inv).unwrap_err();
        assert_eq!(e.code, ErrorCode::Refused, "{message}");
        assert_eq!(e.detail.as_deref(), Some(message));
        assert_eq!(e.field.as_deref(), field, "{message}");
        assert_eq!(e.fields.first().map(|f| f.field.as_str()), field);
    }
}

#[test]
fn other_statuses() {
    let inv = invoice();
    let e = answer::interpret(
        &http(),
        &reply(
            403,
            r#"{"StatusCode":403,"Message":"De ingelogde gebruiker heeft niet voldoende rechten."}"#,
        ),
        &inv,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(e
        .message
        .en
        .contains("lacks rights to create sales invoices"));
    // A 5xx to the POST may come after AFAS stored the invoice: uncertain, looked up first.
    for status in [500, 502, 503, 504] {
        assert_eq!(
            answer::interpret(&http(), &reply(status, ""), &inv)
                .unwrap_err()
                .code,
            ErrorCode::Uncertain,
            "{status}"
        );
    }
    assert_eq!(
        answer::interpret(&http(), &reply(200, "<html>"), &inv)
            .unwrap_err()
            .code,
        ErrorCode::BadResponse
    );
    assert_eq!(
        answer::interpret(
            &http(),
            &reply(200, r#"{"result":"Succeeded","errors":[]}"#),
            &inv
        )
        .unwrap_err()
        .code,
        ErrorCode::BadResponse
    );
}

#[test]
fn relations_from_the_how_to() {
    let persons = wire::parse_list(
        br#"{"TrackingToken":"202401291327471","Result":[
            {"Id":"2aacc092-9c6c-5020-b1cf-0d8ecd6485dc","Name":"Cas de Graaf","FirstName":"Cas",
             "Initials":"C.","Prefix":"de","Lastname":"Graaf","ExternalId":null,"IsArchived":false},
            {"Id":"1242493d-bd93-53b3-9852-1c82c83316aa","Name":null,"FirstName":"Tarik",
             "Prefix":"el","Lastname":"Erdol","EmailAddress":"t@example.nl","IsArchived":true}]}"#,
    )
    .unwrap();
    assert_eq!(persons.tracking_token.as_deref(), Some("202401291327471"));
    let p: Vec<Relation> = persons
        .rows
        .into_iter()
        .filter_map(|r| map_relation(&PERSONS, r))
        .collect();
    assert_eq!(p[0].name, "Cas de Graaf");
    assert_eq!(p[0].kind, RelationKind::Person);
    assert_eq!(p[1].name, "Tarik el Erdol");
    assert_eq!(p[1].email.as_deref(), Some("t@example.nl"));
    assert!(p[1].archived);

    let orgs = wire::parse_list(
        br#"[{"Id":"45aafd00-a21b-5440-bf57-0aa5fa6c2294","Name":"Alsach Musik GmbH (000037)",
              "CocNumber":null,"VatNumber":"DE184475234","RelationId":"000037","ExternalId":null,
              "IsArchived":false,"EmailAddress":"info@alsachmusic.afasde"}]"#,
    )
    .unwrap();
    let o = map_relation(&ORGANISATIONS, orgs.rows[0].clone()).unwrap();
    assert_eq!(o.id, "45aafd00-a21b-5440-bf57-0aa5fa6c2294");
    assert_eq!(o.number.as_deref(), Some("000037"));
    assert_eq!(o.vat_number.as_deref(), Some("DE184475234"));
    assert_eq!(o.email.as_deref(), Some("info@alsachmusic.afasde"));
    assert_eq!(o.kind, RelationKind::Organisation);

    let unknown = wire::parse_list(
        br#"{"TrackingToken":"202405021144501","Result":[
            {"Id":"adef5ea1-c4ec-557d-93a5-0ac82709ad8a","Name":"Diverse debiteuren","IsBlocked":false,"SalesRelation":true},
            {"Id":"2438541d-5088-5d1d-8caa-94a87cb14dc2","Name":"Diverse crediteuren","IsBlocked":false,"PurchaseRelation":true},
            {"Id":"11111111-5088-5d1d-8caa-94a87cb14dc2","Name":"Geblokkeerd","IsBlocked":true,"SalesRelation":true}]}"#,
    )
    .unwrap();
    let u: Vec<Relation> = unknown
        .rows
        .into_iter()
        .filter_map(|r| map_relation(&UNKNOWN_RELATIONS, r))
        .collect();
    assert_eq!(u.len(), 3);
    assert!(u.iter().all(|r| r.kind == RelationKind::Unknown));
    assert_eq!(
        u.iter().map(|r| r.archived).collect::<Vec<_>>(),
        [false, true, true]
    );
}

#[test]
fn products_from_the_spec() {
    let page = wire::parse_list(
        br#"{"TrackingToken":"202401291328551","Result":[
            {"Id":"0137b2ad-ff73-54a4-a6a2-d9216c521906","AdministrationId":"bb837613-26e7-52bd-bc56-f3721b90a42e",
             "Description":"Wireless keyboard + mouse Lenovo","InternalId":"000009",
             "PriceExcludingVAT":67.7300000000,"PriceIncludingVAT":81.9533,"ProductGroup":"Peripherals",
             "IsArchived":false,"IsBlocked":false,"IsDisabled":false,"VatType":"high"},
            {"Id":"7b2a0351-eb84-5c86-857a-ec17af0901e1","AdministrationId":"bb837613-26e7-52bd-bc56-f3721b90a42e",
             "Description":"Building","InternalId":"000018","Code":"2002","PriceExcludingVAT":75.0000000000,
             "ProductGroup":"Web Design","IsDisabled":true},
            {"Id":"f469cfc6-1b8b-587f-9ac6-10a975e5edcd","AdministrationId":"d8497bdd-a324-5145-afd0-a78acc7e07a8",
             "Description":"Other administration","PriceExcludingVAT":0.0}]}"#,
    )
    .unwrap();
    let p: Vec<Product> = page
        .rows
        .into_iter()
        .filter_map(|r| map_product(r, ADMIN))
        .collect();
    assert_eq!(p.len(), 2, "the row of another administration is dropped");
    assert_eq!(p[0].price_excl, Some(dec!(67.73)));
    assert_eq!(p[0].price_excl.unwrap().to_string(), "67.73");
    assert_eq!(p[0].price_incl.unwrap().to_string(), "81.9533");
    assert_eq!(p[0].vat_code.as_deref(), Some("high"));
    assert_eq!(p[0].code.as_deref(), Some("000009"));
    assert_eq!(p[0].group.as_deref(), Some("Peripherals"));
    assert!(!p[0].archived);
    assert_eq!(p[1].price_excl.unwrap().to_string(), "75.00");
    assert_eq!(p[1].code.as_deref(), Some("2002"));
    assert_eq!(p[1].vat_code, None);
    assert!(p[1].archived);
}

#[test]
fn addresses_both_shapes() {
    let bare = wire::parse_list(
        br#"[{"Id":"f8d7d01f-e992-54cd-bb94-0071376c3e8d","StreetName":"Olof Palmestraat","HouseNumber":"10",
              "HouseNumberAddition":null,"PostalZone":"2616 LR","RelationId":"f2152e60-6d8d-586f-91a5-8d50bc0d6498",
              "IsPreferedInvoiceAddress":true,"IsPreferedSupplierAddress":true,"City":"Delft","Country":"Nederland"}]"#,
    )
    .unwrap();
    let a = map_address(bare.rows[0].clone(), "x").unwrap();
    assert_eq!(a.one_line(), "Olof Palmestraat 10, 2616 LR Delft");
    assert!(a.preferred_invoice);
    assert_eq!(a.relation_id, "f2152e60-6d8d-586f-91a5-8d50bc0d6498");
    let wrapped = wire::parse_list(
        br#"{"TrackingToken":"202409230720571","Result":[{"Id":"56528a1b-4bea-5699-abb8-f66155e9c497",
            "StreetName":"Reactorweg","HouseNumber":47,"HouseNumberAddition":"a","PostalZone":"3542 AD",
            "RelationId":"4fa13b8e-44dc-5cf7-b2ef-35e14be401e8","IsPreferedInvoiceAddress":false,
            "CityName":"Utrecht","CountryName":"Nederland","RelationType":"organisation"}]}"#,
    )
    .unwrap();
    let a = map_address(wrapped.rows[0].clone(), "x").unwrap();
    assert_eq!(a.house_number, "47 a");
    assert_eq!(a.city, "Utrecht");
    assert!(!a.preferred_invoice);
}

#[test]
fn base_urls() {
    assert_eq!(
        normalize_base_url("https://x.afasfocus.nl/env/").unwrap(),
        "https://x.afasfocus.nl/env"
    );
    assert_eq!(
        normalize_base_url(" https://x.afasfocus.nl/env ").unwrap(),
        "https://x.afasfocus.nl/env"
    );
    assert_eq!(
        normalize_base_url("http://127.0.0.1:8080/afas/").unwrap(),
        "http://127.0.0.1:8080/afas"
    );
    assert!(normalize_base_url("http://[::1]:8080/env").is_ok());
    assert!(normalize_base_url("http://localhost:8080/env").is_ok());
    for bad in [
        "",
        "x.afasfocus.nl/env",
        "http://x.afasfocus.nl/env",
        "http://192.168.1.10/env",
        "ftp://x.afasfocus.nl/env",
        "https://user:pw@x.afasfocus.nl/env",
        "https://x.afasfocus.nl/env?x=1",
    ] {
        let e = normalize_base_url(bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::Config, "{bad}");
    }
}

#[test]
fn client_needs_credentials_and_keeps_them_out_of_debug() {
    let cfg = AfasConfig {
        base_url: "https://x.afasfocus.nl/env".into(),
        auth: AfasAuth::OAuth {
            client_id: "client".into(),
            client_secret: Secret::new("the-client-secret"),
            refresh_token: Secret::new("the-refresh-token"),
        },
    };
    let dbg = format!("{cfg:?}");
    assert!(
        !dbg.contains("the-client-secret") && !dbg.contains("the-refresh-token"),
        "{dbg}"
    );
    let client = AfasClient::new(cfg).unwrap();
    assert_eq!(client.environment(), "env");
    assert!(!format!("{client:?}").contains("secret"));
    let e = AfasClient::new(AfasConfig {
        base_url: "https://x.afasfocus.nl/env".into(),
        auth: AfasAuth::AppToken(Secret::new(" ")),
    })
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Config);
}

#[test]
fn capabilities_as_declared() {
    let c = capabilities();
    assert_eq!(c.kind.as_str(), SYSTEM);
    assert_eq!(c.vat_rates.len(), 3);
    assert_eq!(c.price_bases, vec![PriceBasis::ExclVat]);
    assert_eq!((c.quantity_dp, c.price_dp), (2, 4));
    assert!(c.product_required && c.administrations && c.addresses && c.attachments);
    let keys: Vec<&str> = c.header_fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["payment_method", "to_be_invoiced", "send_email"]);
    let FieldKind::Choice { options } = &c.header_fields[0].kind else {
        panic!("payment_method is a choice")
    };
    let values: Vec<&str> = options.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(
        values,
        [
            "",
            "banktransfer",
            "directdebit",
            "ideal",
            "creditcard",
            "debetcard",
            "cash",
            "unknown"
        ]
    );
    assert_eq!(c.header_fields[1].label.nl, "Nog te factureren (concept)");
    assert_eq!(c.header_fields[2].label.en, "Send the invoice by e-mail");
    assert!(c.line_fields.is_empty());
}

#[test]
fn file_names_in_headers() {
    assert_eq!(header_file_name("factuur 12.pdf"), "factuur 12.pdf");
    assert_eq!(
        header_file_name("offerte café.pdf"),
        "offerte caf%C3%A9.pdf"
    );
    assert_eq!(header_file_name("100%.pdf"), "100%25.pdf");
}

// ---- the pre-send check while the clerk types ----------------------------------------------

fn afas_client() -> AfasClient {
    AfasClient::new(AfasConfig {
        base_url: "https://x.afasfocus.nl/env".into(),
        auth: AfasAuth::AppToken(Secret::new("token")),
    })
    .unwrap()
}

/// What the form shows on its fields as the clerk types: the form's checks and AFAS SB's.
fn shown_before_send(client: &AfasClient, d: &Draft) -> Vec<(String, String)> {
    let caps = client.capabilities();
    let mut ev = invoice_desk_core::invoice::evaluate(d, &caps);
    invoice_desk_core::fields::merge_issues(&mut ev.issues, client.precheck(d, &caps));
    ev.issues
        .into_iter()
        .map(|i| (i.field, i.message.en))
        .collect()
}

fn afas_draft() -> Draft {
    let caps = capabilities();
    let mut d = Draft::new("c1", &caps, NaiveDate::from_ymd_opt(2025, 5, 16).unwrap());
    d.administration_id = Some(ADMIN.into());
    d.relation = Some(invoice().relation);
    d.lines[0].product = Some(product(ITEM_A));
    d.lines[0].unit_price = "10".into();
    d
}

#[test]
fn a_product_or_relation_without_an_afas_id_shows_on_its_field_before_send() {
    let client = afas_client();
    let mut d = afas_draft();
    assert!(shown_before_send(&client, &d).is_empty());
    // A blank row first: the message lands on the draft's row, not the invoice's line.
    d.lines.insert(
        0,
        invoice_desk_core::invoice::DraftLine::new(&capabilities()),
    );
    d.lines[1].product = Some(product(" "));
    d.relation.as_mut().unwrap().id = String::new();
    let shown = shown_before_send(&client, &d);
    assert_eq!(
        shown,
        vec![
            ("relation".to_string(), "Choose a relation.".to_string()),
            (
                "lines[1].product".to_string(),
                "Choose a product; AFAS SB has no lines without a product.".to_string()
            ),
        ]
    );
    // The form's own message on a field is not repeated by AFAS SB's.
    d.lines[1].product = None;
    d.relation.as_mut().unwrap().id = ORG.into();
    assert_eq!(
        shown_before_send(&client, &d),
        vec![(
            "lines[1].product".to_string(),
            "Choose a product.".to_string()
        )]
    );
}

#[test]
fn the_declared_header_is_what_the_body_sends() {
    let c = capabilities();
    let keys: Vec<HeaderKey> = c.declared_header().iter().map(|h| h.key).collect();
    assert_eq!(
        keys,
        [
            HeaderKey::IssueDate,
            HeaderKey::Reference,
            HeaderKey::PriceBasis
        ]
    );
    let mut inv = invoice();
    inv.reference = "PO-1".into();
    let b = salesinvoice_body(&inv).unwrap();
    assert_eq!(b["IssueDate"], "2025-05-16");
    assert_eq!(b["Reference"], "PO-1");
}

#[test]
fn the_line_texts_declared_are_what_the_body_sends_the_description_is_the_items_own() {
    let texts = capabilities().line_texts;
    assert_eq!(
        texts.description,
        invoice_desk_core::backend::LineDescription::Product
    );
    assert!(texts.extra_description);
    let mut inv = invoice();
    inv.lines[0].description = "typed by the clerk".into();
    inv.lines[0].extra_description = "for the clerk's own words".into();
    let b = salesinvoice_body(&inv).unwrap();
    let line = &b["InvoiceLine"][0];
    assert_eq!(line["ExtraDescription"], "for the clerk's own words");
    assert!(!line.to_string().contains("typed by the clerk"));
}
