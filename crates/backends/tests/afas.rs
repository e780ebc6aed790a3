//! The AFAS SB connector over real HTTP against the sandbox on 127.0.0.1.

mod common;

use common::*;
use invoice_desk_backends::afas::{authorize_url, exchange_code};
use invoice_desk_backends::http::Http;
use invoice_desk_backends::{pkce, AfasAuth, AfasClient, AfasConfig, Secret};
use invoice_desk_core::backend::{Backend, Lookup, RelationKind, Upload};
use invoice_desk_core::backend::{InvoiceReader, InvoiceWriter, LookupSource};
use invoice_desk_core::error::ErrorCode;
use invoice_desk_core::totals::PriceBasis;
use serde_json::json;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

// ---- tokens ---------------------------------------------------------------------------------

#[tokio::test]
async fn test_connection_names_the_environment_and_administrations() {
    let env = start().await;
    let client = env.client();
    let text = client.test_connection().await.unwrap();
    let admins = client.administrations().await.unwrap();
    assert_eq!(admins.len(), 2);
    assert_eq!(
        text.en,
        format!(
            "Connected to demo: 2 administrations ({}, {})",
            admins[0].name, admins[1].name
        )
    );
    // The Dutch screen reads it in Dutch only.
    assert_eq!(
        text.nl,
        format!(
            "Verbonden met demo: 2 administraties ({}, {})",
            admins[0].name, admins[1].name
        )
    );
    // One token served both calls: it is cached.
    assert_eq!(env.token_requests().await, 1);
    // Administrations come as a bare array with Accept-Version 1.
    let ids = env.administration_ids().await;
    assert_eq!(admins.iter().map(|a| a.id.clone()).collect::<Vec<_>>(), ids);
}

#[tokio::test]
async fn a_short_lived_token_is_renewed_once_before_it_expires() {
    let mut cfg = small_config();
    cfg.afas.access_token_ttl_secs = 2;
    let env = start_with(cfg).await;
    let client = env.client();
    client.administrations().await.unwrap();
    client.administrations().await.unwrap();
    assert_eq!(env.token_requests().await, 1);
    tokio::time::sleep(Duration::from_millis(1700)).await;
    client.administrations().await.unwrap();
    assert_eq!(env.token_requests().await, 2, "exactly one renewal");
    // Renewed in time: AFAS never had to refuse a token.
    assert!(env.log().await.iter().all(|e| e["status"] != 401));
}

#[tokio::test]
async fn expired_tokens_are_renewed_once_after_a_401() {
    let env = start().await;
    let client = env.client();
    client.administrations().await.unwrap();
    env.faults(json!({"expire_tokens": true})).await;
    let admins = client.administrations().await.unwrap();
    assert_eq!(admins.len(), 2);
    assert_eq!(env.token_requests().await, 2, "exactly one renewal");
    let refused = env
        .log()
        .await
        .iter()
        .filter(|e| e["status"] == 401)
        .count();
    assert_eq!(refused, 1);
}

#[tokio::test]
async fn concurrent_callers_share_one_token_request() {
    let env = start().await;
    let client = env.client();
    let calls = (0..8).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.administrations().await })
    });
    for h in calls.collect::<Vec<_>>() {
        h.await.unwrap().unwrap();
    }
    assert_eq!(env.token_requests().await, 1, "single flight");
    // After an expiry, concurrent 401s still lead to one renewal.
    env.faults(json!({"expire_tokens": true})).await;
    let calls = (0..8).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.administrations().await })
    });
    for h in calls.collect::<Vec<_>>() {
        h.await.unwrap().unwrap();
    }
    assert_eq!(env.token_requests().await, 2);
}

#[tokio::test]
async fn a_refused_app_token_is_auth_failed() {
    let env = start().await;
    let client = env.client_with(AfasAuth::AppToken(Secret::new("not-the-app-token")));
    let e = client.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthFailed);
    assert!(
        e.message.en.contains("The app token was not accepted"),
        "{}",
        e.message.en
    );
    assert!(e.message.nl.contains("app-token"));
    let e = client.sync_relations("", None).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthFailed);
}

#[tokio::test]
async fn a_second_401_is_auth_failed() {
    let env = start().await;
    let client = env.client();
    // Every call to the administrations endpoint is refused, whatever the token.
    env.faults(json!({"fail_next": 2, "status": 401, "path_contains": "api/administrations"}))
        .await;
    let e = client.administrations().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthFailed);
    assert_eq!(
        e.message.en,
        "AFAS SB did not accept the app token; check it in Settings."
    );
    assert_eq!(env.token_requests().await, 2, "renewed once, then gave up");
    assert_eq!(env.requests_to("/api/administrations").await.len(), 2);
}

#[tokio::test]
async fn oauth_code_exchange_and_refresh_grant() {
    let env = start().await;
    let redirect = "http://127.0.0.1:53682/callback";
    let p = pkce::Pkce::generate();
    let url = authorize_url(
        &env.base(),
        "invoice-desk-demo",
        redirect,
        &p.challenge,
        &p.state,
    );
    // The browser opens the consent page; the test approves it through the hook.
    let page = env.web.get(&url).send().await.unwrap();
    assert!(
        page.status().is_success(),
        "consent page: {}",
        page.status()
    );
    let approval = env
        .get(&format!("/__sandbox/afas/oauth/approve?state={}", p.state))
        .await;
    let code = approval["code"].as_str().unwrap().to_string();
    assert!(approval["location"].as_str().unwrap().starts_with(redirect));

    let secret = Secret::new("demo-client-secret");
    let tokens = exchange_code(
        &env.base(),
        "invoice-desk-demo",
        &secret,
        redirect,
        &code,
        &p.verifier,
    )
    .await
    .unwrap();
    assert_eq!(tokens.expires_in, 1800);
    assert!(!tokens.refresh_token.is_empty());
    // A code is used once.
    let again = exchange_code(
        &env.base(),
        "invoice-desk-demo",
        &secret,
        redirect,
        &code,
        &p.verifier,
    )
    .await
    .unwrap_err();
    assert_eq!(again.code, ErrorCode::AuthFailed);

    let seen = Arc::new(AtomicUsize::new(0));
    let seen2 = seen.clone();
    let client = env
        .client_with(AfasAuth::OAuth {
            client_id: "invoice-desk-demo".into(),
            client_secret: secret.clone(),
            refresh_token: tokens.refresh_token.clone(),
        })
        .on_new_refresh_token(move |_| {
            seen2.fetch_add(1, Ordering::SeqCst);
        });
    let text = client.test_connection().await.unwrap().en;
    assert!(
        text.starts_with("Connected to demo: 2 administrations"),
        "{text}"
    );
    assert_eq!(
        env.requests_to("/app/token").await.len(),
        3,
        "2 exchanges, 1 refresh"
    );
    assert_eq!(
        seen.load(Ordering::SeqCst),
        0,
        "AFAS hands out no new refresh token"
    );

    // A wrong client secret is refused.
    let bad = env.client_with(AfasAuth::OAuth {
        client_id: "invoice-desk-demo".into(),
        client_secret: Secret::new("wrong"),
        refresh_token: tokens.refresh_token.clone(),
    });
    let e = bad.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthFailed);
    assert!(e.message.en.contains("sign-in"));
}

#[tokio::test]
async fn wrong_addresses_are_explained() {
    let env = start().await;
    // A path that is not an environment: the token endpoint is not found.
    let client = AfasClient::new(AfasConfig {
        base_url: format!("{}/no-such-env/", env.sandbox.base_url()),
        auth: AfasAuth::AppToken(Secret::new(APP_TOKEN)),
    })
    .unwrap();
    let e = client.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Config);
    assert!(
        e.message.en.contains("Check the environment URL"),
        "{}",
        e.message.en
    );
    // Nobody listening: the system does not answer (not: the address is wrong); nothing sent.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = AfasClient::new(AfasConfig {
        base_url: format!("http://127.0.0.1:{port}/demo"),
        auth: AfasAuth::AppToken(Secret::new(APP_TOKEN)),
    })
    .unwrap();
    let e = client.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Offline);
    assert!(e.message.en.contains("does not answer"), "{}", e.message.en);
    // Plain http to another machine is refused before anything is sent.
    let e = AfasClient::new(AfasConfig {
        base_url: "http://afas.example.nl/demo".into(),
        auth: AfasAuth::AppToken(Secret::new(APP_TOKEN)),
    })
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Config);
}

#[tokio::test]
async fn forbidden_and_server_errors() {
    let env = start().await;
    let client = env.client();
    env.faults(json!({"fail_next": 1, "status": 403, "path_contains": "api/administrations"}))
        .await;
    let e = client.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(
        e.message
            .en
            .contains("lacks rights to read the administrations"),
        "{}",
        e.message.en
    );
    env.faults(json!({"fail_next": 1, "status": 503, "path_contains": "api/persons"}))
        .await;
    let e = client.sync_relations("", None).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ServerError);
    env.faults(json!({"fail_next": 1, "status": 429, "retry_after_secs": 3, "path_contains": "api/persons"}))
        .await;
    let e = client.sync_relations("", None).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
}

// ---- lists and change feeds -------------------------------------------------------------------

#[tokio::test]
async fn relations_page_to_the_end() {
    let env = start().await;
    let client = env.client().with_page_size(100);
    let pages = relation_pages(&client, None).await;
    let stats = env.stats().await;
    let persons = stats["persons"].as_u64().unwrap() as usize;
    let organisations = stats["organisations"].as_u64().unwrap() as usize;
    let unknown = stats["unknownrelations"].as_u64().unwrap() as usize;

    assert!(pages[0].full_reload);
    assert!(pages[1..].iter().all(|p| !p.full_reload));
    assert!(pages[..pages.len() - 1].iter().all(|p| !p.done));
    let all: Vec<_> = pages.iter().flat_map(|p| p.items.clone()).collect();
    let count = |k: RelationKind| all.iter().filter(|r| r.kind == k).count();
    assert_eq!(count(RelationKind::Person), persons);
    assert_eq!(count(RelationKind::Organisation), organisations);
    assert_eq!(count(RelationKind::Unknown), unknown);
    let ids: HashSet<_> = all.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), all.len(), "ids are unique");
    // Organisations carry their relation number; the id is the uuid.
    let org = all
        .iter()
        .find(|r| r.kind == RelationKind::Organisation)
        .unwrap();
    assert!(org.number.as_deref().is_some_and(|n| !n.is_empty()));
    assert_eq!(org.id.len(), 36);
    // "Various creditors" is a purchase relation: hidden.
    let unknown_rel: Vec<_> = all
        .iter()
        .filter(|r| r.kind == RelationKind::Unknown)
        .collect();
    assert_eq!(unknown_rel.iter().filter(|r| !r.archived).count(), 1);

    // Every list request was paged and sorted on Id.
    let log = env.log().await;
    let person_queries: Vec<String> = log
        .iter()
        .filter(|e| e["path"].as_str().unwrap().ends_with("/api/persons"))
        .map(|e| e["query"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(person_queries.len(), persons / 100 + 1);
    assert!(person_queries
        .iter()
        .all(|q| q.contains("sort=Id+Ascending") && q.contains("take=100")));
    assert!(person_queries[1].contains("skip=100"));
}

#[tokio::test]
async fn incremental_sync_returns_only_the_changes() {
    let env = start().await;
    let client = env.client();
    let pages = relation_pages(&client, None).await;
    let done = pages.last().unwrap().cursor.clone();
    let all: Vec<_> = pages.into_iter().flat_map(|p| p.items).collect();
    let person = all
        .iter()
        .find(|r| r.kind == RelationKind::Person)
        .unwrap()
        .clone();
    let org = all
        .iter()
        .find(|r| r.kind == RelationKind::Organisation && !r.archived)
        .unwrap()
        .clone();

    // Nothing changed: an incremental pass brings nothing.
    let quiet = relation_pages(&client, Some(done.clone())).await;
    assert!(quiet.iter().all(|p| !p.full_reload));
    assert_eq!(quiet.iter().map(|p| p.items.len()).sum::<usize>(), 0);
    let done = quiet.last().unwrap().cursor.clone();

    env.mutate(
        json!({"entity": "persons", "action": "update", "id": person.id,
        "fields": {"EmailAddress": "nieuw@voorbeeld.nl"}}),
    )
    .await;
    env.mutate(json!({"entity": "organisations", "action": "archive", "id": org.id}))
        .await;
    let created = env
        .mutate(json!({"entity": "persons", "action": "create", "fields": {"FirstName": "Nieuwe", "Prefix": null, "Lastname": "Klant"}}))
        .await;
    let new_id = created["records"][0]["Id"].as_str().unwrap().to_string();
    let debtors = all
        .iter()
        .find(|r| r.kind == RelationKind::Unknown && !r.archived)
        .unwrap()
        .clone();
    env.mutate(json!({"entity": "unknownrelation", "action": "block", "id": debtors.id}))
        .await;

    let pages = relation_pages(&client, Some(done)).await;
    assert!(pages.iter().all(|p| !p.full_reload));
    let changes: Vec<_> = pages.into_iter().flat_map(|p| p.items).collect();
    assert_eq!(changes.len(), 4, "{changes:#?}");
    assert!(
        changes
            .iter()
            .find(|r| r.id == debtors.id)
            .unwrap()
            .archived,
        "blocked: hidden"
    );
    let updated = changes.iter().find(|r| r.id == person.id).unwrap();
    assert_eq!(updated.email.as_deref(), Some("nieuw@voorbeeld.nl"));
    let archived = changes.iter().find(|r| r.id == org.id).unwrap();
    assert!(archived.archived);
    let new = changes.iter().find(|r| r.id == new_id).unwrap();
    assert!(
        new.name.contains("Nieuwe") && new.name.contains("Klant"),
        "{}",
        new.name
    );
    assert_eq!(new.kind, RelationKind::Person);
    // The incremental requests carried the tracking tokens.
    let log = env.log().await;
    let tracked = log
        .iter()
        .filter(|e| e["query"].as_str().unwrap_or("").contains("TrackingToken="))
        .count();
    assert_eq!(tracked, 6, "three endpoints, two incremental passes");
}

#[tokio::test]
async fn a_tracking_token_afas_refuses_starts_a_full_reload() {
    let env = start().await;
    let client = env.client();
    let pages = relation_pages(&client, None).await;
    let full: usize = pages.iter().map(|p| p.items.len()).sum();
    let mut cursor: serde_json::Value =
        serde_json::from_str(&pages.last().unwrap().cursor).unwrap();
    for (_, t) in cursor["next"].as_object_mut().unwrap().iter_mut() {
        *t = json!("not-a-token");
    }
    let again = relation_pages(&client, Some(cursor.to_string())).await;
    assert!(again[0].full_reload);
    assert_eq!(again.iter().map(|p| p.items.len()).sum::<usize>(), full);
    // An unreadable cursor is a full reload as well.
    let page = client.sync_relations("", Some("{garbage")).await.unwrap();
    assert!(page.full_reload);
}

#[tokio::test]
async fn products_per_administration_with_exact_prices() {
    let env = start().await;
    let client = env.client().with_page_size(50);
    let admins = env.administration_ids().await;
    let per_admin = env.stats().await["products_per_admin"].as_u64().unwrap() as usize;
    let pages = product_pages(&client, &admins[0], None).await;
    assert!(pages[0].full_reload);
    assert_eq!(pages.len(), per_admin / 50 + 1);
    let products: Vec<_> = pages.iter().flat_map(|p| p.items.clone()).collect();
    assert_eq!(products.len(), per_admin);
    let ids: HashSet<_> = products.iter().map(|p| p.id.clone()).collect();
    assert_eq!(ids.len(), per_admin);
    assert!(products.iter().all(|p| p.vat_code.is_some()));

    // Compare with the raw answer, digit for digit.
    let token = env
        .web
        .post(format!("{}/authentication/getaccesstoken", env.base()))
        .json(&json!({"apptoken": APP_TOKEN}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let raw = env
        .web
        .get(format!("{}/api/products", env.base()))
        .query(&[("filter", format!("AdministrationId eq {}", admins[0]))])
        .bearer_auth(&token)
        .header("Accept-Version", "3")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let raw: serde_json::Value = serde_json::from_str(&raw).unwrap();
    for row in raw["Result"].as_array().unwrap() {
        let id = row["Id"].as_str().unwrap();
        let ours = products.iter().find(|p| p.id == id).unwrap();
        let text = row["PriceExcludingVAT"].to_string();
        let expected: invoice_desk_core::Decimal = text.parse().unwrap();
        assert_eq!(ours.price_excl, Some(expected), "{id}: {text}");
        let archived = [&row["IsArchived"], &row["IsBlocked"], &row["IsDisabled"]]
            .iter()
            .any(|v| v.as_bool() == Some(true));
        assert_eq!(ours.archived, archived);
    }

    // A changed price comes through the change feed, exactly.
    let done = pages.last().unwrap().cursor.clone();
    let target = products[3].id.clone();
    env.mutate(
        json!({"entity": "products", "action": "update", "id": target,
        "fields": {"PriceExcludingVAT": "12.3456"}}),
    )
    .await;
    let changes: Vec<_> = product_pages(&client, &admins[0], Some(done))
        .await
        .into_iter()
        .flat_map(|p| p.items)
        .collect();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].id, target);
    assert_eq!(changes[0].price_excl.unwrap().to_string(), "12.3456");

    // The other administration has its own products; its cursor is not reused.
    let other: Vec<_> = all_products(&client, &admins[1]).await;
    assert_eq!(other.len(), per_admin);
    assert!(other.iter().all(|p| !ids.contains(&p.id)));
}

#[tokio::test]
async fn addresses_of_a_relation() {
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let org = cat.relation(RelationKind::Organisation);
    let before = client.addresses(&cat.admin, &org).await.unwrap();
    assert!(!before.is_empty());
    assert!(before.iter().all(|a| a.relation_id == org.id));
    env.mutate(json!({"entity": "addresses", "action": "create",
        "fields": {"RelationId": org.id, "StreetName": "Wega", "HouseNumber": 41,
                   "PostalZone": "3328 PE", "CityName": "Dordrecht"}}))
        .await;
    let after = client.addresses(&cat.admin, &org).await.unwrap();
    assert_eq!(after.len(), before.len() + 1);
    let wega = after.iter().find(|a| a.street == "Wega").unwrap();
    assert_eq!(wega.house_number, "41");
    assert_eq!(wega.city, "Dordrecht");
    assert!(wega.preferred_invoice);
    let q = env.requests_to("/api/addresses").await;
    assert!(
        q[0]["query"]
            .as_str()
            .unwrap()
            .contains(&format!("filter=RelationId+eq+{}", org.id))
            || q[0]["query"]
                .as_str()
                .unwrap()
                .contains(&format!("filter=RelationId%20eq%20{}", org.id))
    );
}

// ---- attachments --------------------------------------------------------------------------------

#[tokio::test]
async fn attachments_go_in_chunks() {
    let mut cfg = small_config();
    cfg.afas.chunk_size = 1000;
    let env = start_with(cfg).await;
    let client = env.client();
    let bytes: Vec<u8> = (0..4500u32).map(|i| (i * 7 % 251) as u8).collect();
    let upload = Upload {
        id: uuid::Uuid::new_v4(),
        file_name: "bon café.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: bytes.clone(),
        path: None,
    };
    let calls = Mutex::new(Vec::new());
    let progress = |sent: u64, total: u64| calls.lock().unwrap().push((sent, total));
    let reference = client
        .upload_attachment("", &upload, &progress)
        .await
        .unwrap();
    assert_eq!(reference, upload.id.to_string());
    assert_eq!(
        *calls.lock().unwrap(),
        vec![
            (0, 4500),
            (1000, 4500),
            (2000, 4500),
            (3000, 4500),
            (4000, 4500),
            (4500, 4500)
        ]
    );
    let stored = env
        .get_bytes(&format!("/__sandbox/afas/blobs/{}", upload.id))
        .await;
    assert_eq!(stored, bytes, "byte-exact");
    let list = env.get("/__sandbox/afas/blobs").await;
    let blob = &list.as_array().unwrap()[0];
    assert_eq!(blob["chunks"], 5);
    assert_eq!(blob["complete"], true);
    assert_eq!(blob["content_type"], "application/pdf");
    assert_eq!(blob["filename"], "bon caf%C3%A9.pdf");
    // Reserve + 5 chunks.
    assert_eq!(
        env.requests_to(&format!("/api/blob/{}", upload.id))
            .await
            .len(),
        6
    );

    // The blob goes on an invoice.
    let cat = Catalogue::load(&client, &env).await;
    let mut inv = invoice(
        &cat.admin,
        &cat.relation(RelationKind::Person),
        vec![line(&cat.product(0), "1", "10")],
        PriceBasis::ExclVat,
    );
    inv.attachments = vec![reference.clone()];
    let receipt = client.submit(&inv).await.unwrap();
    assert!(receipt.warnings.is_empty());
    let stored = env.invoices().await;
    let ours = stored
        .iter()
        .find(|i| i["id"] == receipt.remote_id.as_str())
        .unwrap();
    assert_eq!(ours["attachments"], json!([reference]));

    // An empty file is not sent at all.
    let empty = Upload {
        id: uuid::Uuid::new_v4(),
        file_name: "leeg.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: Vec::new(),
        path: None,
    };
    let e = client
        .upload_attachment("", &empty, &|_, _| {})
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
}

#[tokio::test]
async fn an_unknown_attachment_is_a_warning() {
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let mut inv = invoice(
        &cat.admin,
        &cat.relation(RelationKind::Organisation),
        vec![line(&cat.product(0), "1", "10")],
        PriceBasis::ExclVat,
    );
    inv.attachments = vec![uuid::Uuid::new_v4().to_string()];
    let receipt = client.submit(&inv).await.unwrap();
    assert_eq!(receipt.warnings.len(), 1);
    assert!(
        receipt.warnings[0].nl.contains("Bijlage"),
        "{:?}",
        receipt.warnings
    );
}

// ---- submitting -----------------------------------------------------------------------------------

#[tokio::test]
async fn submit_sends_the_identity_and_stores_one_invoice() {
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let inv = invoice(
        &cat.admin,
        &cat.relation(RelationKind::Organisation),
        vec![
            line(&cat.product(0), "2", "29.93"),
            line(&cat.product(1), "1.5", "10"),
        ],
        PriceBasis::ExclVat,
    );
    let receipt = client.submit(&inv).await.unwrap();
    let stored = env.invoices().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"], receipt.remote_id.as_str());
    assert_eq!(stored[0]["tracking_identifier"], inv.identity.to_string());
    assert_eq!(
        stored[0]["body"],
        invoice_desk_backends::afas::salesinvoice_body(&inv).unwrap()
    );
    // The sandbox's totals agree with ours.
    assert_eq!(
        stored[0]["amounts"]["including_vat"]
            .as_str()
            .unwrap()
            .parse::<invoice_desk_core::Decimal>()
            .unwrap(),
        inv.totals.gross
    );

    // Again, sequentially: the same answer, still one invoice.
    let again = client.submit(&inv).await.unwrap();
    assert_eq!(again.remote_id, receipt.remote_id);
    assert_eq!(env.invoices().await.len(), 1);
    let posts = env.requests_to("/api/salesinvoice").await;
    assert_eq!(posts.len(), 2);
}

#[tokio::test]
async fn a_double_click_stores_one_invoice() {
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let inv = invoice(
        &cat.admin,
        &cat.relation(RelationKind::Person),
        vec![line(&cat.product(2), "3", "12.50")],
        PriceBasis::ExclVat,
    );
    let (a, b) = tokio::join!(client.submit(&inv), client.submit(&inv));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.remote_id, b.remote_id);
    assert_eq!(env.invoices().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_duplicates_from_two_connections_store_one_invoice() {
    // Two clients (two app instances) send the same identity at the same moment: only AFAS'
    // Tracking-Identifier handling can keep this to one invoice.
    let env = start().await;
    let one = env.client();
    let two = env.client();
    let cat = Catalogue::load(&one, &env).await;
    two.administrations().await.unwrap();
    for round in 0..10 {
        let inv = invoice(
            &cat.admin,
            &cat.relation(RelationKind::Person),
            vec![line(&cat.product(round), "1", "5")],
            PriceBasis::ExclVat,
        );
        let (a, b) = tokio::join!(one.submit(&inv), two.submit(&inv));
        assert_eq!(a.unwrap().remote_id, b.unwrap().remote_id);
        assert_eq!(env.invoices().await.len(), round + 1, "round {round}");
    }
}

#[tokio::test]
async fn a_connection_dropped_after_the_store_is_uncertain_then_found() {
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let inv = invoice(
        &cat.admin,
        &cat.relation(RelationKind::Organisation),
        vec![line(&cat.product(0), "1", "100")],
        PriceBasis::ExclVat,
    );
    env.faults(json!({"drop_after_store": 1})).await;
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Uncertain, "{e:?}");
    let stored = env.invoices().await;
    assert_eq!(stored.len(), 1, "AFAS stored it before the line went dead");

    let Lookup::Found(found) = client.lookup(&inv).await.unwrap() else {
        panic!("the invoice is found");
    };
    assert_eq!(found.remote_id, stored[0]["id"].as_str().unwrap());
    let retried = client.submit(&inv).await.unwrap();
    assert_eq!(retried.remote_id, found.remote_id);
    assert_eq!(env.invoices().await.len(), 1, "still one invoice");
    let ids: HashSet<_> = env
        .requests_to("/api/salesinvoice")
        .await
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert!(ids.contains(&200));
}

#[tokio::test]
async fn a_timeout_while_waiting_is_uncertain() {
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let inv = invoice(
        &cat.admin,
        &cat.relation(RelationKind::Organisation),
        vec![line(&cat.product(0), "1", "100")],
        PriceBasis::ExclVat,
    );
    let impatient = AfasClient::with_http(
        AfasConfig {
            base_url: env.base(),
            auth: AfasAuth::AppToken(Secret::new(APP_TOKEN)),
        },
        Http::with_timeouts(
            "AFAS SB",
            Duration::from_secs(2),
            Duration::from_millis(400),
        )
        .unwrap(),
    )
    .unwrap();
    impatient.administrations().await.unwrap();
    env.faults(json!({"delay_ms": 1200, "path_contains": "salesinvoice"}))
        .await;
    let e = impatient.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Uncertain);
    env.faults(json!({"delay_ms": 0})).await;
    let Lookup::Found(found) = client.lookup(&inv).await.unwrap() else {
        panic!("found after the retry");
    };
    let stored = env.invoices().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"], found.remote_id.as_str());
}

#[tokio::test]
async fn server_errors_and_a_401_on_submit() {
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let inv = invoice(
        &cat.admin,
        &cat.relation(RelationKind::Unknown),
        vec![line(&cat.product(0), "-1", "20")],
        PriceBasis::ExclVat,
    );
    env.faults(json!({"fail_next": 1, "status": 500, "path_contains": "salesinvoice"}))
        .await;
    let e = client.submit(&inv).await.unwrap_err();
    // A 5xx to the POST may hide a stored invoice: uncertain (looked up before a resend).
    assert_eq!(e.code, ErrorCode::Uncertain);
    assert!(env.invoices().await.is_empty());
    env.faults(json!({"expire_tokens": true})).await;
    let receipt = client.submit(&inv).await.unwrap();
    assert_eq!(env.invoices().await.len(), 1);
    assert_eq!(env.invoices().await[0]["id"], receipt.remote_id.as_str());
    assert_eq!(env.invoices().await[0]["relation_type"], "unknown");
}

#[tokio::test]
async fn a_400_message_is_mapped_to_its_field() {
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let mut relation = cat.relation(RelationKind::Organisation);
    relation.id = "000019".into(); // the relation number instead of the uuid
    let inv = invoice(
        &cat.admin,
        &relation,
        vec![line(&cat.product(0), "1", "10")],
        PriceBasis::ExclVat,
    );
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused);
    assert_eq!(e.message.en, "AFAS SB refused the invoice");
    assert!(
        e.detail.as_deref().unwrap().contains("Path 'RelationId'"),
        "{:?}",
        e.detail
    );
    assert_eq!(e.field.as_deref(), Some("relation"));
    assert_eq!(e.fields[0].field, "relation");

    let mut product = cat.product(1);
    product.id = "not-a-uuid".into();
    let inv = invoice(
        &cat.admin,
        &cat.relation(RelationKind::Person),
        vec![line(&cat.product(0), "1", "10"), line(&product, "1", "10")],
        PriceBasis::ExclVat,
    );
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused);
    assert_eq!(
        e.field.as_deref(),
        Some("lines[1].product"),
        "{:?}",
        e.detail
    );
    assert!(env.invoices().await.is_empty());
}

#[tokio::test]
async fn a_failed_result_is_refused_with_fields() {
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let mut ghost = cat.relation(RelationKind::Person);
    ghost.id = uuid::Uuid::new_v4().to_string();
    let mut inv = invoice(
        &cat.admin,
        &ghost,
        vec![line(&cat.product(0), "1", "10")],
        PriceBasis::ExclVat,
    );
    inv.issue_date = chrono::NaiveDate::from_ymd_opt(2019, 12, 31).unwrap();
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused);
    assert_eq!(e.message.nl, "AFAS SB heeft de factuur geweigerd");
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert!(fields.contains(&"issue_date"), "{fields:?} {:?}", e.detail);
    assert!(fields.contains(&"relation"), "{fields:?} {:?}", e.detail);
    assert!(e.detail.as_deref().unwrap().contains("beginbalansdatum"));

    // A product of the other administration is not valid here.
    let admins = env.administration_ids().await;
    let foreign = all_products(&client, &admins[1]).await.remove(0);
    let inv = invoice(
        &cat.admin,
        &cat.relation(RelationKind::Organisation),
        vec![line(&cat.product(0), "1", "10"), line(&foreign, "2", "10")],
        PriceBasis::ExclVat,
    );
    let e = client.submit(&inv).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused);
    assert!(
        e.fields
            .iter()
            .any(|f| f.field == "lines" || f.field.starts_with("lines[")),
        "{:?} {:?}",
        e.fields,
        e.detail
    );
    assert!(env.invoices().await.is_empty());
}

/// A token endpoint that hands out a new refresh token on every refresh (the sandbox, like
/// AFAS' docs, never does): the hook gets it and the next refresh uses it.
#[tokio::test]
async fn a_rotated_refresh_token_reaches_the_hook_and_is_used() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let bodies = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = bodies.clone();
    tokio::spawn(async move {
        let mut n = 0;
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read the head, then the body by Content-Length.
            let (head_end, len) = loop {
                let k = s.read(&mut chunk).await.unwrap();
                if k == 0 {
                    break (0, 0);
                }
                buf.extend_from_slice(&chunk[..k]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
                    let len = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map(|v| v.trim().parse::<usize>().unwrap())
                        .unwrap_or(0);
                    break (i + 4, len);
                }
            };
            while buf.len() < head_end + len {
                let k = s.read(&mut chunk).await.unwrap();
                buf.extend_from_slice(&chunk[..k]);
            }
            seen.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[head_end..]).into_owned());
            n += 1;
            let body = format!(
                r#"{{"access_token":"access-{n}","expires_in":"0","token_type":"bearer","refresh_token":"rotated-{n}"}}"#
            );
            let resp = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            s.write_all(resp.as_bytes()).await.unwrap();
        }
    });
    let stored = Arc::new(Mutex::new(Vec::<String>::new()));
    let keyring = stored.clone();
    let client = AfasClient::new(AfasConfig {
        base_url: format!("http://{addr}/env"),
        auth: AfasAuth::OAuth {
            client_id: "c".into(),
            client_secret: Secret::new("s"),
            refresh_token: Secret::new("original"),
        },
    })
    .unwrap()
    .on_new_refresh_token(move |t| keyring.lock().unwrap().push(t.expose().to_string()));
    // Each call fetches a token (it lives 0 s, so it is always renewed) and then reads a
    // token answer as a list, which is not a list: BadResponse. The token side is what counts.
    for _ in 0..2 {
        let e = client.administrations().await.unwrap_err();
        assert_eq!(e.code, ErrorCode::BadResponse);
    }
    assert_eq!(*stored.lock().unwrap(), vec!["rotated-1", "rotated-3"]);
    let bodies = bodies.lock().unwrap().clone();
    assert!(
        bodies[0].contains("grant_type=refresh_token")
            && bodies[0].contains("refresh_token=original")
    );
    assert!(
        bodies[2].contains("refresh_token=rotated-1"),
        "{:?}",
        bodies[2]
    );
}

// ---- the number a clerk can quote; a 5xx after the store -----------------------------------

#[tokio::test]
async fn a_sent_invoice_carries_the_number_afas_gave_it_and_keeps_the_id() {
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let inv = invoice(
        &cat.admin,
        &cat.relation(RelationKind::Organisation),
        vec![line(&cat.product(0), "2", "15")],
        PriceBasis::ExclVat,
    );
    let receipt = client.submit(&inv).await.unwrap();
    let stored = env.invoices().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(receipt.remote_id, stored[0]["id"].as_str().unwrap());
    let number = stored[0]["number"].as_str().expect("AFAS numbered it");
    assert_eq!(receipt.number.as_deref(), Some(number));
    assert_ne!(receipt.number.as_deref(), Some(receipt.remote_id.as_str()));
    assert!(receipt.warnings.is_empty(), "{:?}", receipt.warnings);
    // The number came from the list of sales invoices, filtered on the invoice's id.
    let gets = env.requests_to("/api/salesinvoices").await;
    assert_eq!(gets.len(), 1);
    // The look-up after a lost answer gives the number as well.
    let Lookup::Found(found) = client.lookup(&inv).await.unwrap() else {
        panic!("found")
    };
    assert_eq!(found.number.as_deref(), Some(number));
    assert_eq!(found.remote_id, receipt.remote_id);
}

#[tokio::test]
async fn an_invoice_to_be_invoiced_has_no_number_yet_and_says_so() {
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let mut inv = invoice(
        &cat.admin,
        &cat.relation(RelationKind::Organisation),
        vec![line(&cat.product(0), "1", "15")],
        PriceBasis::ExclVat,
    );
    inv.extra.insert("to_be_invoiced".into(), "true".into());
    let receipt = client.submit(&inv).await.unwrap();
    assert_eq!(receipt.number, None);
    assert_eq!(receipt.warnings.len(), 1, "{:?}", receipt.warnings);
    assert!(receipt.warnings[0].en.contains("to be invoiced"));
}

#[tokio::test]
async fn a_502_after_afas_stored_the_invoice_is_found_not_sent_twice() {
    use invoice_desk_core::store::{Store, SubmissionState};
    use invoice_desk_core::submit::{submit_draft, Outcome, RetryPolicy};
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let caps = client.capabilities();
    let store = Store::open_in_memory().unwrap();
    let mut d = invoice_desk_core::invoice::Draft::new(
        "afas",
        &caps,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
    );
    d.administration_id = Some(cat.admin.clone());
    d.relation = Some(cat.relation(RelationKind::Organisation));
    d.lines[0].product = Some(cat.product(0));
    d.lines[0].description = cat.product(0).description.clone();
    d.lines[0].quantity = "3".into();
    d.lines[0].unit_price = "12,50".into();
    d.lines[0].vat_code = "high".into();
    store.save_draft(&d).unwrap();
    for status in [500, 502, 504] {
        env.faults(json!({"fail_after_store": 1, "after_store_status": status}))
            .await;
        let mut d = d.clone();
        d.id = uuid::Uuid::new_v4();
        d.identity = uuid::Uuid::new_v4();
        store.save_draft(&d).unwrap();
        let before = env.invoices().await.len();
        let policy = RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        };
        let out = submit_draft(&store, &client, &caps, d.id, policy, &|_, _, _| {})
            .await
            .unwrap();
        let Outcome::Sent(r) = out else {
            panic!("{status}: not sent: {out:?}")
        };
        let stored = env.invoices().await;
        assert_eq!(stored.len(), before + 1, "{status}: exactly one invoice");
        let last = stored
            .iter()
            .find(|i| i["tracking_identifier"] == d.identity.to_string())
            .unwrap();
        assert_eq!(r.remote_id, last["id"].as_str().unwrap());
        assert_eq!(r.number.as_deref(), last["number"].as_str());
        let row = store.outbox_entry(d.id).unwrap().unwrap();
        assert_eq!(row.state, SubmissionState::Sent);
        assert_eq!(row.number.as_deref(), last["number"].as_str());
    }
}

// ---- History: AFAS SB's own sales invoices ----------------------------------------------------

/// Every page of an administration's sales invoices for `query`, to the end.
async fn invoice_pages(
    client: &AfasClient,
    query: &invoice_desk_core::reader::InvoiceQuery,
) -> Vec<invoice_desk_core::reader::InvoicePage> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let page = client
            .list_invoices(query, cursor.as_deref())
            .await
            .expect("a page of sales invoices");
        cursor = page.cursor.clone();
        let done = page.done;
        pages.push(page);
        if done {
            return pages;
        }
    }
    panic!("the list of sales invoices does not end");
}

#[tokio::test]
async fn the_sales_invoices_of_an_administration_page_to_the_end_newest_first_with_their_relation()
{
    use invoice_desk_core::reader::{InvoiceQuery, InvoiceState};
    let env = start().await;
    let client = env.client().with_page_size(4);
    assert!(client.reader().is_some(), "AFAS SB reads its invoices back");
    let admins = env.administration_ids().await;
    let relations = all_relations(&client).await;
    env.clear_log().await;
    let query = InvoiceQuery {
        administration: admins[0].clone(),
        ..Default::default()
    };
    let pages = invoice_pages(&client, &query).await;
    // The stand-in holds 15 invoices per administration: pages of 4, 4, 4 and 3.
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        vec![4, 4, 4, 3]
    );
    let items: Vec<_> = pages.into_iter().flat_map(|p| p.items).collect();
    let ids: HashSet<_> = items.iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids.len(), 15, "each invoice once");
    assert!(
        items.windows(2).all(|w| w[0].date >= w[1].date),
        "the newest first"
    );
    for s in &items {
        assert!(s.number.as_deref().is_some_and(|n| n.starts_with('V')));
        assert_eq!(s.total_excl + s.total_vat, s.total_incl, "{s:?}");
        assert_eq!(s.state, InvoiceState::Other);
        assert_eq!(s.state_text.as_ref().unwrap().en, "Invoiced");
        // The relation's id is the one the relations cache keeps, with its name.
        let rel = relations
            .iter()
            .find(|r| Some(r.id.as_str()) == s.customer_id.as_deref())
            .unwrap_or_else(|| panic!("the relation of {s:?} is in the cache"));
        assert!(s.customer.contains(&rel.name) || rel.name.contains(&s.customer));
    }
    // Only this administration's, asked with the spec's parameters, the skip moving on.
    let gets = env.requests_to("/api/salesinvoices").await;
    assert_eq!(gets.len(), 4);
    for (i, g) in gets.iter().enumerate() {
        let q = g["query"].as_str().unwrap_or("");
        let params: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect();
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("skip"), Some((i * 4).to_string().as_str()));
        assert_eq!(get("take"), Some("4"));
        assert_eq!(get("sortField"), Some("IssueDate descending"));
        assert_eq!(
            get("filter"),
            Some(format!("AdministrationId eq {}", admins[0]).as_str())
        );
    }
    // The other administration's list holds none of these.
    let other = invoice_pages(
        &client,
        &InvoiceQuery {
            administration: admins[1].clone(),
            ..Default::default()
        },
    )
    .await;
    assert!(other
        .iter()
        .flat_map(|p| &p.items)
        .all(|s| !ids.contains(&s.id)));
}

#[tokio::test]
async fn the_sales_invoices_are_sorted_by_the_column_the_clerk_chose() {
    use invoice_desk_core::reader::{InvoiceColumn, InvoiceQuery, InvoiceSort};
    let env = start().await;
    let client = env.client().with_page_size(100);
    let admin = env.administration_ids().await[0].clone();
    let by = |column, descending| InvoiceQuery {
        administration: admin.clone(),
        sort: Some(InvoiceSort { column, descending }),
        ..Default::default()
    };
    let items: Vec<_> = invoice_pages(&client, &by(InvoiceColumn::TotalIncl, false))
        .await
        .into_iter()
        .flat_map(|p| p.items)
        .collect();
    assert_eq!(items.len(), 15);
    assert!(items.windows(2).all(|w| w[0].total_incl <= w[1].total_incl));
    let items: Vec<_> = invoice_pages(&client, &by(InvoiceColumn::Customer, true))
        .await
        .into_iter()
        .flat_map(|p| p.items)
        .collect();
    assert!(items
        .windows(2)
        .all(|w| w[0].customer.to_lowercase() >= w[1].customer.to_lowercase()));
    let sorts: Vec<String> = env
        .requests_to("/api/salesinvoices")
        .await
        .iter()
        .map(|g| g["query"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        sorts[0].contains("sortField=AmountInvoiced+ascending"),
        "{sorts:?}"
    );
    assert!(
        sorts[1].contains("sortField=RelationDescription+descending"),
        "{sorts:?}"
    );
}

#[tokio::test]
async fn a_sent_invoice_opens_by_its_id_with_the_totals_afas_holds_and_a_draft_says_so() {
    use invoice_desk_core::reader::InvoiceState;
    let env = start().await;
    let client = env.client();
    let cat = Catalogue::load(&client, &env).await;
    let person = cat.relation(RelationKind::Person);
    let inv = invoice(
        &cat.admin,
        &person,
        vec![
            line(&cat.product(0), "2", "15"),
            line(&cat.product(1), "1", "7.5"),
        ],
        PriceBasis::ExclVat,
    );
    let receipt = client.submit(&inv).await.unwrap();
    let stored = env.invoices().await;
    let amounts = &stored[0]["amounts"];
    let detail = client.invoice(&receipt.remote_id).await.unwrap();
    let s = &detail.summary;
    assert_eq!(s.id, receipt.remote_id);
    assert_eq!(s.number, receipt.number);
    assert_eq!(s.customer_id.as_deref(), Some(person.id.as_str()));
    assert_eq!(s.date, inv.issue_date);
    assert_eq!(
        s.total_excl.to_string(),
        amounts["excluding_vat"].as_str().unwrap()
    );
    assert_eq!(s.total_vat.to_string(), amounts["vat"].as_str().unwrap());
    assert_eq!(
        s.total_incl.to_string(),
        amounts["including_vat"].as_str().unwrap()
    );
    // AFAS SB documents no read of the lines: none are made up.
    assert!(detail.lines.is_empty());
    assert!(detail.vat.is_empty());
    // Asked by its id, with the filter the spec documents.
    let gets = env.requests_to("/api/salesinvoices").await;
    let last = gets.last().unwrap()["query"].as_str().unwrap().to_string();
    assert!(
        last.contains(&format!("InstanceId+eq+{}", receipt.remote_id)),
        "{last}"
    );

    // An invoice left "to be invoiced" is a draft without a number.
    let mut draft = invoice(
        &cat.admin,
        &cat.relation(RelationKind::Organisation),
        vec![line(&cat.product(2), "1", "10")],
        PriceBasis::ExclVat,
    );
    draft.extra.insert("to_be_invoiced".into(), "true".into());
    let r = client.submit(&draft).await.unwrap();
    let d = client.invoice(&r.remote_id).await.unwrap().summary;
    assert_eq!(d.state, InvoiceState::Draft);
    assert_eq!(d.state_text.unwrap().en, "To be invoiced");
    assert_eq!(d.number, None);
}

#[tokio::test]
async fn an_invoice_afas_does_not_hold_is_not_found_and_has_no_texts() {
    let env = start().await;
    let client = env.client();
    let e = client
        .invoice(&uuid::Uuid::new_v4().to_string())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = client.invoice("not-an-id").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = client.text("x", "header").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_list_of_sales_invoices_needs_an_administration_and_says_why_it_fails() {
    use invoice_desk_core::reader::InvoiceQuery;
    let env = start().await;
    let client = env.client();
    let e = client
        .list_invoices(&InvoiceQuery::default(), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.field.as_deref(), Some("administration"));
    let admin = env.administration_ids().await[0].clone();
    env.faults(json!({"fail_next": 1, "status": 403, "path_contains": "api/salesinvoices"}))
        .await;
    let e = client
        .list_invoices(
            &InvoiceQuery {
                administration: admin,
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(
        e.message.en.contains("read sales invoices"),
        "{:?}",
        e.message
    );
}
