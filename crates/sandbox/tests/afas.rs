//! The AFAS SB stand-in over real HTTP.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::*;
use invoice_desk_sandbox::{AfasConfig, SandboxConfig};
use serde_json::{json, Value};

#[tokio::test]
async fn static_token_401s_and_accept_version() {
    let env = start(small()).await;

    // Wrong app token: 401 in AFAS' shape.
    let r = env
        .http
        .post(env.url("/authentication/getaccesstoken"))
        .json(&json!({"apptoken": "nope"}))
        .send()
        .await
        .unwrap();
    let (status, v) = json_of(r).await;
    assert_eq!(status, 401);
    assert_eq!(v["Message"], "Er is geen ingelogde gebruiker.");
    assert_eq!(
        v["AdditionalInfo"]["ExceptionType"],
        "NotAuthenticatedException"
    );

    // The token answer as documented: expires_in is a string.
    let r = env
        .http
        .post(env.url("/authentication/getaccesstoken"))
        .json(&json!({"apptoken": "demo-app-token", "scope": "demo"}))
        .send()
        .await
        .unwrap();
    let (_, v) = json_of(r).await;
    assert_eq!(v["expires_in"], "600");
    assert_eq!(v["token_type"], "bearer");

    // No token, a wrong token, a wrong scheme.
    for auth in [
        None,
        Some("Bearer wrong"),
        Some(&*format!("Basic {}", env.token)),
    ] {
        let mut rb = env
            .http
            .get(env.url("/api/persons"))
            .header("Accept-Version", "2.0");
        if let Some(a) = auth {
            rb = rb.header("Authorization", a);
        }
        let (status, v) = json_of(rb.send().await.unwrap()).await;
        assert_eq!(status, 401, "{auth:?}");
        assert_eq!(v["StatusCode"], 401);
        assert!(v["Details"]
            .as_str()
            .unwrap()
            .contains("NotAuthenticatedException"));
    }

    // Lower-case scheme works; Content-Version is answered.
    let r = env
        .http
        .get(env.url("/api/persons?take=1"))
        .header("Authorization", format!("bearer {}", env.token))
        .header("Accept-Version", "2.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-version"], "2.0");

    // Accept-Version is required and must match the endpoint.
    let r = env
        .http
        .get(env.url("/api/persons"))
        .bearer_auth(&env.token)
        .send()
        .await
        .unwrap();
    let (status, v) = json_of(r).await;
    assert_eq!(status, 400);
    assert!(v["Message"].as_str().unwrap().contains("Accept-Version"));
    let (status, _) = json_of(env.get("/api/products", "2").send().await.unwrap()).await;
    assert_eq!(status, 400);
    let (status, _) = json_of(env.get("/api/products?take=1", "3").send().await.unwrap()).await;
    assert_eq!(status, 200);

    // Paths are case-insensitive.
    let (status, _) = json_of(env.get("/Api/Administrations", "1").send().await.unwrap()).await;
    assert_eq!(status, 200);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn oauth_authorization_code_with_pkce() {
    let env = start(small()).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Every parameter is mandatory.
    let r = http
        .get(env.url("/app/auth?client_id=invoice-desk-demo&response_type=code"))
        .send()
        .await
        .unwrap();
    let (status, v) = json_of(r).await;
    assert_eq!(status, 400);
    assert_eq!(
        v,
        json!({"error": "invalid_request", "error_description": "missing required request parameters"})
    );

    let (verifier, challenge) = pkce();
    let redirect = "http://127.0.0.1:4567/callback";
    let auth_url = |state: &str, challenge: &str| {
        format!(
            "{}?client_id=invoice-desk-demo&redirect_uri={}&response_type=code&code_challenge={challenge}&code_challenge_method=S256&state={state}",
            env.url("/app/auth"),
            "http%3A%2F%2F127.0.0.1%3A4567%2Fcallback"
        )
    };
    let page = http.get(auth_url("st-1", &challenge)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Allow"));

    // The test hook approves without a browser.
    let approval = env.hook_json("/afas/oauth/approve?state=st-1").await;
    let location = approval["location"].as_str().unwrap();
    assert!(location.starts_with(&format!("{redirect}?code=")));
    assert!(location.ends_with("&state=st-1"));
    let code = approval["code"].as_str().unwrap().to_string();

    let token_url = env.url("/app/token");
    let form = |verifier: &str| {
        vec![
            ("grant_type", "authorization_code".to_string()),
            ("client_id", "invoice-desk-demo".into()),
            ("client_secret", "demo-client-secret".into()),
            ("redirect_uri", redirect.into()),
            ("code", code.clone()),
            ("code_verifier", verifier.to_string()),
        ]
    };
    let (status, v) = json_of(
        http.post(&token_url)
            .form(&form("too-short"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(v["error_description"], "invalid code_verifier length");

    let (status, v) = json_of(
        http.post(&token_url)
            .form(&form(&verifier))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["expires_in"], "1800");
    assert_eq!(v["token_type"], "bearer");
    let access = v["access_token"].as_str().unwrap().to_string();
    let refresh = v["refresh_token"].as_str().unwrap().to_string();

    // The code is single use.
    let (status, v) = json_of(
        http.post(&token_url)
            .form(&form(&verifier))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(v["error"], "invalid_grant");

    let r = http
        .get(env.url("/api/administrations"))
        .bearer_auth(&access)
        .header("Accept-Version", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Refresh: a new access token, no new refresh token.
    let (status, v) = json_of(
        http.post(&token_url)
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", "invoice-desk-demo"),
                ("client_secret", "demo-client-secret"),
                ("refresh_token", &refresh),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(v.get("refresh_token").is_none());
    assert_ne!(v["access_token"].as_str().unwrap(), access);

    // The consent page's own form: POST approve redirects with code and state.
    let (_, challenge2) = pkce();
    let page = http
        .get(auth_url("st-2", &challenge2))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let request_id = page
        .split("name=\"request\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let r = http
        .post(env.url("/app/auth/approve"))
        .form(&[("request", request_id.as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let loc = r.headers()["location"].to_str().unwrap();
    assert!(loc.contains("code=") && loc.ends_with("state=st-2"));
    env.sb.shutdown().await;
}

#[tokio::test]
async fn paging_to_the_end_and_both_shapes() {
    let env = start(SandboxConfig::default()).await;

    // Wrapped: persons, paged with sort until a short page.
    let mut ids = HashSet::new();
    let mut names = Vec::new();
    let mut skip = 0;
    loop {
        let v = env
            .get_json(
                &format!("/api/persons?skip={skip}&take=250&sort=Name+Ascending"),
                "2.0",
            )
            .await;
        assert!(v["TrackingToken"].as_str().unwrap().len() > 8);
        let page = v["Result"].as_array().unwrap();
        for p in page {
            assert!(ids.insert(p["Id"].as_str().unwrap().to_string()));
            names.push(p["Name"].as_str().unwrap().to_lowercase());
        }
        skip += page.len();
        if page.len() < 250 {
            break;
        }
    }
    assert_eq!(ids.len(), 1200);
    assert!(names.windows(2).all(|w| w[0] <= w[1]));

    // sortField, descending.
    let v = env
        .get_json(
            "/api/organisations?take=3&sortField=RelationId descending",
            "2.0",
        )
        .await;
    let nums: Vec<&str> = v["Result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["RelationId"].as_str().unwrap())
        .collect();
    assert!(nums[0] > nums[1] && nums[1] > nums[2]);
    assert!(v["Result"][0]["Name"]
        .as_str()
        .unwrap()
        .ends_with(&format!("({})", nums[0])));

    // Bare arrays.
    let admins = env.get_json("/api/administrations", "1").await;
    assert_eq!(admins.as_array().unwrap().len(), 2);
    assert_eq!(admins[0]["Id"], admins[0]["InstanceId"]);

    // Products per administration, all 500 of them, with VAT types and decimal prices.
    let admin = admins[0]["Id"].as_str().unwrap();
    let v = env
        .get_json(
            &format!("/api/products?filter=AdministrationId eq {admin}"),
            "3.0",
        )
        .await;
    let products = v["Result"].as_array().unwrap();
    assert_eq!(products.len(), 500);
    assert!(products.iter().all(|p| p["AdministrationId"] == admin));
    let types: HashSet<&str> = products
        .iter()
        .map(|p| p["VatType"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 3);

    let stats = env.hook_json("/afas/stats").await;
    assert_eq!(stats["persons"], 1200);
    assert_eq!(stats["organisations"], 1000);
    assert_eq!(stats["products_per_admin"], 500);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn filters_and_addresses() {
    let env = start(small()).await;
    let org = env.organisation().await;
    let id = org["Id"].as_str().unwrap();

    let v = env
        .get_json(&format!("/api/organisations?filter=Id%20eq%20{id}"), "2.0")
        .await;
    assert_eq!(v["Result"].as_array().unwrap().len(), 1);

    // Quoted uuids, unknown fields, operators other than eq: invalid user filter.
    for bad in [
        format!("Id eq '{id}'"),
        "Nope eq 'x'".to_string(),
        "Name ne 'x'".to_string(),
        "Name eq 'unterminated".to_string(),
    ] {
        let r = env
            .get(
                &format!("/api/organisations?filter={}", urlencode(&bad)),
                "2.0",
            )
            .send()
            .await
            .unwrap();
        let (status, v) = json_of(r).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(v["Message"], "Ongeldig gebruikersfilter.");
        assert_eq!(v["AdditionalInfo"]["ExceptionType"], "AntaUserException");
    }

    // or, and string values (case-insensitive).
    let two = env.get_json("/api/organisations?take=2", "2.0").await;
    let (a, b) = (&two["Result"][0], &two["Result"][1]);
    let f = format!(
        "Id eq {} or RelationId eq '{}'",
        a["Id"].as_str().unwrap(),
        b["RelationId"].as_str().unwrap()
    );
    let v = env
        .get_json(
            &format!("/api/organisations?filter={}", urlencode(&f)),
            "2.0",
        )
        .await;
    assert_eq!(v["Result"].as_array().unwrap().len(), 2);
    let name = a["Name"]
        .as_str()
        .unwrap()
        .to_uppercase()
        .replace('\'', "''");
    let v = env
        .get_json(
            &format!(
                "/api/organisations?filter={}",
                urlencode(&format!("Name eq '{name}'"))
            ),
            "2.0",
        )
        .await;
    assert!(!v["Result"].as_array().unwrap().is_empty());

    // Addresses of a relation: a bare array with exactly one preferred invoice address.
    let v = env
        .get_json(&format!("/api/addresses?filter=RelationId eq {id}"), "1")
        .await;
    let list = v.as_array().unwrap();
    assert!((1..=3).contains(&list.len()));
    assert_eq!(
        list.iter()
            .filter(|a| a["IsPreferedInvoiceAddress"] == true)
            .count(),
        1
    );
    assert!(list
        .iter()
        .all(|a| a["RelationId"] == id && a["HouseNumber"].is_string()));

    // Unknown relations.
    let v = env.get_json("/api/unknownrelation", "1").await;
    let names: Vec<&str> = v["Result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Various debtors", "Various creditors"]);
    env.sb.shutdown().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn tracking_token_change_feed() {
    let env = start(small()).await;
    let v = env.get_json("/api/organisations", "2.0").await;
    let token = v["TrackingToken"].as_str().unwrap().to_string();
    let first = v["Result"][3].clone();
    let id = first["Id"].as_str().unwrap();

    let nothing = env
        .get_json(&format!("/api/organisations?TrackingToken={token}"), "2.0")
        .await;
    assert_eq!(nothing["Result"].as_array().unwrap().len(), 0);

    env.hook_post(
        "/afas/mutate",
        json!({"entity": "organisations", "action": "update", "id": id, "fields": {"EmailAddress": "nieuw@example.nl"}}),
    )
    .await;
    let changed = env
        .get_json(&format!("/api/organisations?TrackingToken={token}"), "2.0")
        .await;
    let rows = changed["Result"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["EmailAddress"], "nieuw@example.nl");
    let token2 = changed["TrackingToken"].as_str().unwrap().to_string();
    assert_ne!(token, token2);

    env.hook_post(
        "/afas/mutate",
        json!({"entity": "organisations", "action": "archive", "id": id}),
    )
    .await;
    let created = env
        .hook_post(
            "/afas/mutate",
            json!({"entity": "organisations", "action": "create", "fields": {"Name": "Bakkerij de Vries B.V."}}),
        )
        .await;
    let new_id = created["records"][0]["Id"].as_str().unwrap().to_string();
    let changed = env
        .get_json(&format!("/api/organisations?TrackingToken={token2}"), "2.0")
        .await;
    let rows = changed["Result"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["IsArchived"], true);
    assert_eq!(rows[1]["Id"], new_id.as_str());
    assert!(rows[1]["Name"]
        .as_str()
        .unwrap()
        .starts_with("Bakkerij de Vries B.V. ("));
    let addresses = env
        .get_json(
            &format!("/api/addresses?filter=RelationId eq {new_id}"),
            "1",
        )
        .await;
    assert!(!addresses.as_array().unwrap().is_empty());

    let (status, _) = json_of(
        env.get("/api/organisations?TrackingToken=garbage", "2.0")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    env.sb.shutdown().await;
}

async fn reserve(env: &Env, id: &str, len: usize) -> reqwest::Response {
    env.http
        .put(env.url(&format!("/api/blob/{id}")))
        .bearer_auth(&env.token)
        .header("Accept-Version", "1")
        .header("blob-content-filename", "factuur.pdf")
        .header("blob-content-length", len.to_string())
        .header("blob-content-type", "application/pdf")
        .send()
        .await
        .unwrap()
}

async fn upload(env: &Env, id: &str, chunk: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(chunk)
        .file_name("factuur.pdf")
        .mime_str("application/pdf")
        .unwrap();
    env.http
        .put(env.url(&format!("/api/blob/{id}")))
        .bearer_auth(&env.token)
        .header("Accept-Version", "1")
        .header("blob-upload-type", "blob")
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn blob_reserve_and_chunked_upload() {
    let mut cfg = small();
    cfg.afas.chunk_size = 1000;
    let env = start(cfg).await;
    let bytes: Vec<u8> = (0..2500u32).map(|i| (i % 251) as u8).collect();
    let id = uuid::Uuid::new_v4().to_string();

    let (status, _) = json_of(reserve(&env, "not-a-uuid", 10).await).await;
    assert_eq!(status, 400);
    let (status, _) = json_of(upload(&env, &id, vec![1, 2, 3]).await).await;
    assert_eq!(status, 400, "upload before reservation");

    let (status, v) = json_of(reserve(&env, &id, bytes.len()).await).await;
    assert_eq!(status, 200);
    assert_eq!(v, json!({"BlobAccepted": true, "ChunkSize": 1000}));

    let (status, _) = json_of(upload(&env, &id, vec![0; 1001]).await).await;
    assert_eq!(status, 400, "chunk larger than ChunkSize");

    for chunk in bytes.chunks(1000) {
        let r = upload(&env, &id, chunk.to_vec()).await;
        assert_eq!(r.status(), 200);
        assert!(r.bytes().await.unwrap().is_empty());
    }
    let (status, _) = json_of(upload(&env, &id, vec![1]).await).await;
    assert_eq!(status, 400, "more than reserved");

    let list = env.hook_json("/afas/blobs").await;
    assert_eq!(list[0]["complete"], true);
    assert_eq!(list[0]["chunks"], 3);
    assert_eq!(list[0]["filename"], "factuur.pdf");
    let stored = env
        .http
        .get(env.hook(&format!("/afas/blobs/{id}")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored.as_ref(), bytes.as_slice());

    // A complete blob is a valid attachment.
    let mut body = env.invoice_body().await;
    body["Attachments"] = json!([{"AttachmentId": id}]);
    let (_, v) = json_of(env.post_invoice(&body).send().await.unwrap()).await;
    assert_eq!(v["result"], "Succeeded", "{v}");
    assert_eq!(
        env.hook_json("/afas/invoices").await[0]["attachments"],
        json!([id])
    );

    // Too many bytes for the reservation in one go.
    let id2 = uuid::Uuid::new_v4().to_string();
    reserve(&env, &id2, 10).await;
    let (status, _) = json_of(upload(&env, &id2, vec![0; 11]).await).await;
    assert_eq!(status, 400);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn salesinvoice_succeeded_failed_and_400() {
    let env = start(small()).await;
    let body = env.invoice_body().await;
    let admin = body["AdministrationId"].as_str().unwrap().to_string();
    let products = env.products(&admin, 2).await;

    let (status, v) = json_of(env.post_invoice(&body).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(v["result"], "Succeeded", "{v}");
    assert_eq!(v["errors"], json!([]));
    let invoice_id = v["data"]["SalesInvoiceId"].as_str().unwrap().to_string();

    let stored = env.hook_json("/afas/invoices").await;
    assert_eq!(stored.as_array().unwrap().len(), 1);
    assert_eq!(stored[0]["id"], invoice_id.as_str());
    assert_eq!(stored[0]["body"], body);
    assert!(stored[0]["number"].as_str().unwrap().starts_with("V2026"));
    // Line 1: 2 × product price at its own VAT type; line 2: 1.5 × 10.05 = 15.075 → 15.08 at 9 %.
    let price: rust_decimal::Decimal = products[0]["PriceExcludingVAT"]
        .to_string()
        .parse()
        .unwrap();
    let line1 = price * rust_decimal::Decimal::from(2);
    let excl: rust_decimal::Decimal = stored[0]["amounts"]["excluding_vat"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(excl, line1 + rust_decimal::Decimal::new(1508, 2));

    let listed = env
        .get_json(
            &format!("/api/salesinvoices?filter=InstanceId eq {invoice_id}"),
            "1",
        )
        .await;
    assert_eq!(listed["Result"].as_array().unwrap().len(), 1);
    assert_eq!(
        listed["Result"][0]["AmountExcludingVat"].to_string(),
        stored[0]["amounts"]["excluding_vat"].as_str().unwrap()
    );

    // Business errors: HTTP 200, result Failed, nothing stored.
    let mut unknown_rel = body.clone();
    unknown_rel["RelationId"] = json!(uuid::Uuid::new_v4());
    let (status, v) = json_of(env.post_invoice(&unknown_rel).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(v["result"], "Failed");
    assert_eq!(
        v["errors"][0]["Verkoopfactuur"],
        "'Relatie' bevat een verwijzing naar een ongeldige waarde."
    );
    let mut person_type = body.clone();
    person_type["RelationType"] = json!("person");
    let (_, v) = json_of(env.post_invoice(&person_type).send().await.unwrap()).await;
    assert_eq!(v["result"], "Failed");

    let mut other_admin = body.clone();
    other_admin["AdministrationId"] = json!(env.administrations().await[1]);
    let (_, v) = json_of(env.post_invoice(&other_admin).send().await.unwrap()).await;
    assert_eq!(v["result"], "Failed");
    assert_eq!(
        v["errors"][0]["Verkoopfactuurregel"],
        "'Artikel' bevat een verwijzing naar een ongeldige waarde."
    );

    let mut wrong_address = body.clone();
    let other = env
        .get_json("/api/addresses?take=1&sort=Id descending", "1")
        .await;
    wrong_address["AddressId"] = other[0]["Id"].clone();
    let (_, v) = json_of(env.post_invoice(&wrong_address).send().await.unwrap()).await;
    assert_eq!(v["result"], "Failed");

    // Archived relations and products are refused.
    let archived = env
        .get_json("/api/organisations?filter=IsArchived eq true&take=1", "2.0")
        .await;
    let mut archived_rel = body.clone();
    archived_rel["RelationId"] = archived["Result"][0]["Id"].clone();
    let (_, v) = json_of(env.post_invoice(&archived_rel).send().await.unwrap()).await;
    assert_eq!(v["result"], "Failed");
    assert!(v["errors"][0]["Verkoopfactuur"]
        .as_str()
        .unwrap()
        .contains("gearchiveerd"));
    env.hook_post(
        "/afas/mutate",
        json!({"entity": "products", "action": "archive", "id": products[0]["Id"]}),
    )
    .await;
    let (_, v) = json_of(env.post_invoice(&body).send().await.unwrap()).await;
    assert_eq!(v["result"], "Failed");
    assert!(v["errors"][0]["Verkoopfactuurregel"]
        .as_str()
        .unwrap()
        .contains("gearchiveerd"));
    env.hook_post(
        "/afas/mutate",
        json!({"entity": "products", "action": "unarchive", "id": products[0]["Id"]}),
    )
    .await;

    // The unknown relation for sales works; the one for purchases does not.
    let unknown = env.get_json("/api/unknownrelation", "1").await;
    for (i, expected) in [(0, "Succeeded"), (1, "Failed")] {
        let mut b = body.clone();
        b["RelationType"] = json!("unknown");
        b["RelationId"] = unknown["Result"][i]["Id"].clone();
        let (_, v) = json_of(env.post_invoice(&b).send().await.unwrap()).await;
        assert_eq!(v["result"], expected, "{v}");
    }

    // Schema errors: HTTP 400, DS3100, with the path.
    let mut bad_uuid = body.clone();
    bad_uuid["RelationId"] = json!("");
    let (status, v) = json_of(env.post_invoice(&bad_uuid).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(v["ExceptionCode"], "DS3100");
    let msg = v["Message"].as_str().unwrap();
    assert!(msg.starts_with("Invalid JSON request String '' does not validate against format 'uuid'. Path 'RelationId'"), "{msg}");
    assert_eq!(
        v["AdditionalInfo"]["ExceptionType"],
        "DeserializationException"
    );

    let mut missing = body.clone();
    missing.as_object_mut().unwrap().remove("SentInvoiceEmail");
    let (status, v) = json_of(env.post_invoice(&missing).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(v["Message"]
        .as_str()
        .unwrap()
        .contains("Required properties are missing from object: SentInvoiceEmail."));

    let mut qty = body.clone();
    qty["InvoiceLine"][0]["Quantity"] = json!(1.005);
    let (status, v) = json_of(env.post_invoice(&qty).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(v["Message"]
        .as_str()
        .unwrap()
        .contains("Path 'InvoiceLine[0].Quantity'"));

    let r = env
        .http
        .post(env.url("/api/salesinvoice"))
        .bearer_auth(&env.token)
        .header("Accept-Version", "2")
        .header("Content-Type", "application/json")
        .body("{\"AdministrationId\": ")
        .send()
        .await
        .unwrap();
    let (status, v) = json_of(r).await;
    assert_eq!(status, 400);
    assert!(v["Message"]
        .as_str()
        .unwrap()
        .starts_with("Invalid JSON request Unexpected end"));

    // Another Accept-Version selects another schema: refused.
    let r = env
        .http
        .post(env.url("/api/salesinvoice"))
        .bearer_auth(&env.token)
        .header("Accept-Version", "1")
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, v) = json_of(r).await;
    assert_eq!(status, 400);
    assert!(v["Message"].as_str().unwrap().contains("salesinvoice 2.0"));

    // An attachment that is no complete blob: PartiallySucceeded, invoice stored.
    let mut with_attachment = body.clone();
    with_attachment["Attachments"] = json!([{"AttachmentId": uuid::Uuid::new_v4()}]);
    let (_, v) = json_of(env.post_invoice(&with_attachment).send().await.unwrap()).await;
    assert_eq!(v["result"], "PartiallySucceeded");
    assert_eq!(
        v["errors"][0]["Verkoopfactuur"],
        "'Bijlage' bevat een verwijzing naar een ongeldige waarde."
    );
    assert_eq!(
        env.hook_json("/afas/invoices")
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );
    env.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracking_identifier_replays_and_serialises() {
    let env = start(small()).await;
    let body = env.invoice_body().await;
    let tid = uuid::Uuid::new_v4().to_string();

    let send = |tid: String| {
        let rb = env.post_invoice(&body).header("Tracking-Identifier", tid);
        async move { json_of(rb.send().await.unwrap()).await }
    };
    let (_, first) = send(tid.clone()).await;
    let (_, second) = send(tid.clone()).await;
    assert_eq!(first, second, "the first response is replayed");
    assert_eq!(
        env.hook_json("/afas/invoices")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        env.hook_json("/afas/invoices").await[0]["tracking_identifier"],
        tid.as_str()
    );

    // Concurrent duplicates, each taking a while inside the processing: one invoice.
    env.hook_post("/afas/faults", json!({"work_delay_ms": 150}))
        .await;
    let tid2 = uuid::Uuid::new_v4().to_string();
    let answers = futures_join((0..8).map(|_| send(tid2.clone())).collect::<Vec<_>>()).await;
    let ids: HashSet<String> = answers
        .iter()
        .map(|(_, v)| v["data"]["SalesInvoiceId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(
        env.hook_json("/afas/invoices")
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let (status, _) = send("not-a-uuid".into()).await;
    assert_eq!(status, 400);
    env.sb.shutdown().await;
}

/// Runs futures concurrently on the current task set.
async fn futures_join<F: std::future::Future + Send + 'static>(fs: Vec<F>) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = fs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn drop_after_store_cuts_the_connection() {
    let env = start(small()).await;
    let body = env.invoice_body().await;
    let tid = uuid::Uuid::new_v4().to_string();
    env.hook_post("/afas/faults", json!({"drop_after_store": 1}))
        .await;

    let err = env
        .post_invoice(&body)
        .header("Tracking-Identifier", &tid)
        .send()
        .await;
    let err = match err {
        Ok(r) => panic!("expected a cut connection, got HTTP {}", r.status()),
        Err(e) => e,
    };
    assert!(
        err.is_request() || err.is_connect() || err.is_body(),
        "{err:?}"
    );
    let stored = env.hook_json("/afas/invoices").await;
    assert_eq!(stored.as_array().unwrap().len(), 1, "stored before the cut");

    // The retry with the same identifier gets the first answer; nothing new is stored.
    let (status, v) = json_of(
        env.post_invoice(&body)
            .header("Tracking-Identifier", &tid)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["result"], "Succeeded");
    assert_eq!(v["data"]["SalesInvoiceId"], stored[0]["id"]);
    assert_eq!(
        env.hook_json("/afas/invoices")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let log = env.hook_json("/log").await;
    let posts: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["method"] == "POST" && e["path"] == "/demo/api/salesinvoice")
        .collect();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0]["dropped"], true);
    assert_eq!(posts[1]["dropped"], false);
    assert_eq!(posts[0]["system"], "afas");
    env.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_timeout_then_retry_while_still_processing() {
    let env = start(small()).await;
    let body = env.invoice_body().await;
    let tid = uuid::Uuid::new_v4().to_string();
    env.hook_post("/afas/faults", json!({"work_delay_ms": 400}))
        .await;
    let impatient = env
        .post_invoice(&body)
        .header("Tracking-Identifier", &tid)
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    assert!(impatient.unwrap_err().is_timeout());
    // The retry waits for the first request, which was still being processed, and gets its
    // answer: one invoice.
    let (status, v) = json_of(
        env.post_invoice(&body)
            .header("Tracking-Identifier", &tid)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let stored = env.hook_json("/afas/invoices").await;
    assert_eq!(stored.as_array().unwrap().len(), 1);
    assert_eq!(v["data"]["SalesInvoiceId"], stored[0]["id"]);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn expire_tokens_forces_a_new_token() {
    let mut env = start(small()).await;
    let (status, _) = json_of(env.get("/api/administrations", "1").send().await.unwrap()).await;
    assert_eq!(status, 200);
    let v = env
        .hook_post("/afas/faults", json!({"expire_tokens": true}))
        .await;
    assert_eq!(v["tokens_expired"], 1);
    let (status, v) = json_of(env.get("/api/administrations", "1").send().await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(v["Message"], "Er is geen ingelogde gebruiker.");
    env.token = static_token(&env.http, &env.sb).await;
    let (status, _) = json_of(env.get("/api/administrations", "1").send().await.unwrap()).await;
    assert_eq!(status, 200);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn tokens_expire_after_their_ttl() {
    let cfg = SandboxConfig {
        afas: AfasConfig {
            access_token_ttl_secs: 1,
            ..small().afas
        },
        ..small()
    };
    let env = start(cfg).await;
    let (status, _) = json_of(env.get("/api/administrations", "1").send().await.unwrap()).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _) = json_of(env.get("/api/administrations", "1").send().await.unwrap()).await;
    assert_eq!(status, 401);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn injected_failures_latency_and_malformed_bodies() {
    let env = start(small()).await;
    env.hook_post(
        "/afas/faults",
        json!({"fail_next": 1, "status": 429, "retry_after_secs": 2, "path_contains": "administrations"}),
    )
    .await;
    let r = env.get("/api/persons?take=1", "2.0").send().await.unwrap();
    assert_eq!(r.status(), 200, "the filter leaves other paths alone");
    let r = env.get("/api/administrations", "1").send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "2");
    let r = env.get("/api/administrations", "1").send().await.unwrap();
    assert_eq!(r.status(), 200);

    env.http
        .delete(env.hook("/afas/faults"))
        .send()
        .await
        .unwrap();
    env.hook_post("/afas/faults", json!({"fail_next": 1})).await;
    let (status, v) = json_of(env.get("/api/administrations", "1").send().await.unwrap()).await;
    assert_eq!(status, 500);
    assert_eq!(v["StatusCode"], 500);

    env.hook_post("/afas/faults", json!({"delay_ms": 300}))
        .await;
    let t = Instant::now();
    env.get("/api/administrations", "1").send().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(300));
    env.hook_post("/afas/faults", json!({"delay_ms": 0, "malformed_next": 1}))
        .await;
    let text = env
        .get("/api/administrations", "1")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());

    let settings = env.hook_json("/afas/faults").await;
    assert_eq!(settings["malformed_next"], 0);

    // A hanging request: the client's timeout fires first.
    env.hook_post(
        "/afas/faults",
        json!({"timeout_next": 1, "timeout_ms": 5000}),
    )
    .await;
    let err = env
        .get("/api/administrations", "1")
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    let r = env.get("/api/administrations", "1").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = env
        .http
        .post(env.hook("/afas/faults"))
        .json(&json!({"fail_nxt": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "typos in fault settings are refused");
    env.sb.shutdown().await;
}

#[tokio::test]
async fn delete_only_drafts() {
    let env = start(small()).await;
    let mut body = env.invoice_body().await;
    let admin = body["AdministrationId"].clone();
    let (_, done) = json_of(env.post_invoice(&body).send().await.unwrap()).await;
    body["ToBeInvoiced"] = json!(true);
    let (_, draft) = json_of(env.post_invoice(&body).send().await.unwrap()).await;

    let delete = |id: Value| {
        env.http
            .delete(env.url("/api/salesinvoice"))
            .bearer_auth(&env.token)
            .header("Accept-Version", "2.0")
            .json(&json!({"AdministrationId": admin, "Id": id}))
            .send()
    };
    let (_, v) = json_of(
        delete(draft["data"]["SalesInvoiceId"].clone())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["result"], "Succeeded");
    for id in [
        draft["data"]["SalesInvoiceId"].clone(),
        done["data"]["SalesInvoiceId"].clone(),
    ] {
        let (_, v) = json_of(delete(id).await.unwrap()).await;
        assert_eq!(v["result"], "Failed");
        assert_eq!(
            v["errors"][0],
            "SalesInvoice cannot be deleted because it is not a draft or it is already deleted"
        );
    }
    let stored = env.hook_json("/afas/invoices").await;
    assert_eq!(stored[1]["deleted"], true);
    assert!(stored[1]["number"].is_null(), "a draft has no number yet");
    env.sb.shutdown().await;
}

#[tokio::test]
async fn request_log_records_and_clears() {
    let env = start(small()).await;
    env.http.delete(env.hook("/log")).send().await.unwrap();
    env.get("/api/persons?take=1", "2.0").send().await.unwrap();
    env.get("/api/persons?take=2", "2.0").send().await.unwrap();
    let log = env.hook_json("/log").await;
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 2, "hooks are not logged");
    assert_eq!(entries[0]["path"], "/demo/api/persons");
    assert_eq!(entries[0]["query"], "take=1");
    assert_eq!(entries[0]["status"], 200);
    assert!(entries[0]["t_ms"].as_u64().unwrap() <= entries[1]["t_ms"].as_u64().unwrap());
    env.http.delete(env.hook("/log")).send().await.unwrap();
    assert_eq!(env.hook_json("/log").await.as_array().unwrap().len(), 0);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn data_is_deterministic_per_seed() {
    let a = start(small()).await;
    let b = start(small()).await;
    let pa = a.get_json("/api/persons?take=5", "2.0").await;
    let pb = b.get_json("/api/persons?take=5", "2.0").await;
    assert_eq!(pa["Result"], pb["Result"]);
    a.sb.shutdown().await;
    b.sb.shutdown().await;
}

#[tokio::test]
async fn sorted_pages_follow_changes() {
    let env = start(small()).await;
    let page = |skip: usize| {
        let rb = env.get(
            &format!(
                "/api/persons?skip={skip}&take=50&sort=Lastname Ascending,FirstName Descending"
            ),
            "2.0",
        );
        async move { json_of(rb.send().await.unwrap()).await.1["Result"].clone() }
    };
    let first = page(0).await;
    let second = page(50).await;
    let mut all: Vec<Value> = first.as_array().unwrap().clone();
    all.extend(second.as_array().unwrap().iter().cloned());
    let keys: Vec<(String, String)> = all
        .iter()
        .map(|p| {
            (
                p["Lastname"].as_str().unwrap().to_lowercase(),
                p["FirstName"].as_str().unwrap().to_lowercase(),
            )
        })
        .collect();
    assert!(keys
        .windows(2)
        .all(|w| w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 >= w[1].1)));

    // A change moves a row; the next page request sees it.
    let last = all.last().unwrap()["Id"].as_str().unwrap().to_string();
    env.hook_post(
        "/afas/mutate",
        json!({"entity": "persons", "action": "update", "id": last, "fields": {"Lastname": "Aaberg"}}),
    )
    .await;
    assert_eq!(page(0).await[0]["Id"], last.as_str());
    env.sb.shutdown().await;
}
