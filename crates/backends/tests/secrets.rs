//! Secrets stay secret: not in `Debug` output, not in any log line, even at TRACE.

mod common;

use common::*;
use invoice_desk_backends::afas::{authorize_url, exchange_code, TokenSet};
use invoice_desk_backends::{pkce, AfasAuth, AfasConfig, Secret};
use invoice_desk_core::backend::InvoiceWriter;
use invoice_desk_core::backend::{Backend, RelationKind, Upload};
use invoice_desk_core::totals::PriceBasis;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};

const APP_TOKEN_VALUE: &str = "Zz2vnlNd_kyOoQ-UNyPPvtWwHPSJyoML-t_Dfjg1qujlmiPBrqQP8t8qZdcEgVRW";
const CLIENT_SECRET: &str = "client-secret-4f1d9a0e7b";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The longest run of characters that could be a token (base64url).
fn longest_token_like_run(text: &str) -> usize {
    let mut best = 0;
    let mut run = 0;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

#[test]
fn debug_output_has_no_secrets() {
    let cfg = AfasConfig {
        base_url: "https://klant.afasfocus.nl/omgeving".into(),
        auth: AfasAuth::AppToken(Secret::new(APP_TOKEN_VALUE)),
    };
    let oauth = AfasAuth::OAuth {
        client_id: "invoice-desk".into(),
        client_secret: Secret::new(CLIENT_SECRET),
        refresh_token: Secret::new("refresh-token-value-123"),
    };
    let tokens = TokenSet {
        access_token: Secret::new("access-token-value-456"),
        expires_in: 1800,
        refresh_token: Secret::new("refresh-token-value-123"),
    };
    let text = format!(
        "{cfg:?} {cfg:#?} {oauth:?} {oauth:#?} {tokens:?} {:?}",
        Secret::new("x-secret")
    );
    for secret in [
        APP_TOKEN_VALUE,
        CLIENT_SECRET,
        "refresh-token-value-123",
        "access-token-value-456",
        "x-secret",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(text.contains("Secret(***)"));
    assert!(text.contains("invoice-desk"), "the client id is not secret");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_secret_is_logged_at_trace() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let mut cfg = small_config();
    cfg.afas.app_tokens = vec![APP_TOKEN_VALUE.into()];
    cfg.afas.oauth_client_secret = CLIENT_SECRET.into();
    cfg.afas.chunk_size = 64;
    let env = start_with(cfg).await;

    // OAuth: consent, code exchange, refresh grant.
    let redirect = "http://127.0.0.1:53682/callback";
    let p = pkce::Pkce::generate();
    let url = authorize_url(
        &env.base(),
        "invoice-desk-demo",
        redirect,
        &p.challenge,
        &p.state,
    );
    env.web.get(&url).send().await.unwrap();
    let approval = env
        .get(&format!("/__sandbox/afas/oauth/approve?state={}", p.state))
        .await;
    let code = approval["code"].as_str().unwrap().to_string();
    let secret = Secret::new(CLIENT_SECRET);
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
    let oauth = env.client_with(AfasAuth::OAuth {
        client_id: "invoice-desk-demo".into(),
        client_secret: secret.clone(),
        refresh_token: tokens.refresh_token.clone(),
    });
    oauth.test_connection().await.unwrap();

    // App token: a full sync, an upload, a submit, a renewal after expiry, a refusal.
    let client = env.client_with(AfasAuth::AppToken(Secret::new(APP_TOKEN_VALUE)));
    let cat = Catalogue::load(&client, &env).await;
    let upload = Upload {
        id: uuid::Uuid::new_v4(),
        file_name: "bon.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: vec![7u8; 300],
        path: None,
    };
    let attachment = client
        .upload_attachment(&cat.admin, &upload, &|_, _| {})
        .await
        .unwrap();
    env.faults(json!({"expire_tokens": true})).await;
    let mut inv = invoice(
        &cat.admin,
        &cat.relation(RelationKind::Organisation),
        vec![line(&cat.product(0), "1", "10")],
        PriceBasis::ExclVat,
    );
    inv.attachments = vec![attachment];
    client.submit(&inv).await.unwrap();
    client.lookup(&inv).await.unwrap();
    let wrong = env.client_with(AfasAuth::AppToken(Secret::new("wrong-app-token-value-789")));
    let e = wrong.test_connection().await.unwrap_err();
    let e_text = format!("{e:?} {e}");
    assert!(!e_text.contains("wrong-app-token-value-789"));

    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("TRACE") || text.contains("DEBUG"),
        "the capture works"
    );
    assert!(text.contains("/api/salesinvoice"), "requests are logged");
    for secret in [
        APP_TOKEN_VALUE,
        CLIENT_SECRET,
        tokens.access_token.expose(),
        tokens.refresh_token.expose(),
        &p.verifier,
        &code,
        "wrong-app-token-value-789",
    ] {
        assert!(!text.contains(secret), "a secret was logged");
    }
    let lower = text.to_ascii_lowercase();
    assert!(
        !lower.contains("bearer"),
        "an Authorization header was logged"
    );
    assert!(
        !lower.contains("authorization:"),
        "an Authorization header was logged"
    );
    // Access tokens the client fetched itself are unknown here; the sandbox issues 64
    // base64url characters. Nothing in the log looks like one (uuids are 36 characters).
    assert!(
        longest_token_like_run(&text) < 40,
        "something token-like was logged"
    );
}
