//! Signing in to AFAS SB with OAuth2 authorization code + PKCE, through the system browser and
//! a one-shot listener on 127.0.0.1 for the redirect. The refresh token goes to the keyring.

use crate::secrets::{self, SecretKind};
use axum::extract::{Query, State as AxState};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use invoice_desk_backends::{afas, pkce::Pkce};
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::store::ConnectionRecord;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

type Callback = Arc<Mutex<Option<oneshot::Sender<HashMap<String, String>>>>>;

async fn callback(
    AxState(tx): AxState<Callback>,
    Query(q): Query<HashMap<String, String>>,
) -> Html<&'static str> {
    if let Some(tx) = tx.lock().unwrap_or_else(|p| p.into_inner()).take() {
        let _ = tx.send(q);
    }
    Html(
        "<!doctype html><meta charset=utf-8><title>Invoice Desk</title>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>Invoice Desk</h1>\
         <p>De aanmelding is afgerond. U kunt dit venster sluiten.</p>\
         <p>Sign-in is complete. You can close this window.</p></body>",
    )
}

fn oauth_error(nl: &str, en: &str) -> Error {
    Error::new(ErrorCode::AuthFailed, nl, en)
}

/// Runs the whole sign-in: listener, browser (through `open_browser`), code exchange, keyring.
pub async fn sign_in(rec: &ConnectionRecord, open_browser: impl FnOnce(String)) -> Result<()> {
    let client_id = rec
        .config
        .get("oauth_client_id")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::Config,
                "Vul eerst de client-id in die u van AFAS kreeg.",
                "First enter the client id AFAS gave you.",
            )
            .with_field("oauth_client_id")
        })?
        .to_string();
    let client_secret =
        secrets::load(&rec.id, SecretKind::OAuthClientSecret)?.ok_or_else(|| {
            Error::new(
                ErrorCode::Config,
                "Vul eerst het client-geheim in dat u van AFAS kreeg.",
                "First enter the client secret AFAS gave you.",
            )
            .with_field("oauth_client_secret")
        })?;
    let port = rec
        .config
        .get("oauth_redirect_port")
        .and_then(|v| v.as_u64())
        .unwrap_or(0) as u16;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| {
            Error::new(
                ErrorCode::Config,
                format!("Poort {port} op deze computer is bezet; kies een andere terugkeerpoort."),
                format!("Port {port} on this computer is in use; choose another redirect port."),
            )
            .with_detail(e.to_string())
        })?;
    let port = listener.local_addr().map_err(Error::internal)?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let pkce = Pkce::generate();
    let (tx, rx) = oneshot::channel();
    let app = Router::new()
        .route("/callback", get(callback))
        .with_state(Arc::new(Mutex::new(Some(tx))));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let url = afas::authorize_url(
        &rec.base_url,
        &client_id,
        &redirect_uri,
        &pkce.challenge,
        &pkce.state,
    );
    tracing::info!("opening the AFAS SB sign-in page in the system browser");
    open_browser(url);
    let answer = tokio::time::timeout(Duration::from_secs(300), rx).await;
    server.abort();
    let q = match answer {
        Ok(Ok(q)) => q,
        _ => return Err(oauth_error(
            "Er kwam binnen 5 minuten geen aanmelding terug uit de browser. Probeer het opnieuw.",
            "No sign-in came back from the browser within 5 minutes. Please try again.",
        )),
    };
    if q.get("state") != Some(&pkce.state) {
        return Err(oauth_error(
            "De aanmelding hoorde niet bij dit verzoek en is genegeerd. Probeer het opnieuw.",
            "The sign-in did not belong to this request and was ignored. Please try again.",
        ));
    }
    if let Some(err) = q.get("error") {
        return Err(oauth_error(
            "AFAS SB heeft de toestemming niet gegeven.",
            "AFAS SB did not grant consent.",
        )
        .with_detail(err.clone()));
    }
    let code = q.get("code").ok_or_else(|| {
        oauth_error(
            "De browser gaf geen autorisatiecode terug.",
            "The browser returned no authorization code.",
        )
    })?;
    let tokens = afas::exchange_code(
        &rec.base_url,
        &client_id,
        &client_secret,
        &redirect_uri,
        code,
        &pkce.verifier,
    )
    .await?;
    let refresh = tokens.refresh_token;
    if refresh.is_empty() {
        return Err(oauth_error(
            "AFAS SB gaf geen vernieuwingstoken terug.",
            "AFAS SB returned no refresh token.",
        ));
    }
    secrets::store(&rec.id, SecretKind::RefreshToken, &refresh)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use invoice_desk_backends::Secret;
    use invoice_desk_core::backend::BackendKind;
    use invoice_desk_sandbox::{Sandbox, SandboxConfig};

    fn keyring_usable() -> bool {
        let probe = format!("probe-{}", uuid::Uuid::new_v4());
        let ok = secrets::store(&probe, SecretKind::AppToken, &Secret::new("x")).is_ok();
        secrets::delete_all(&probe);
        ok
    }

    /// The whole loopback sign-in against the stand-in: the "browser" follows the consent
    /// page, approves, and calls our redirect; the refresh token lands in the keyring and the
    /// connection then works.
    #[tokio::test(flavor = "multi_thread")]
    async fn sign_in_through_the_loopback_redirect_stores_the_refresh_token() {
        if !keyring_usable() {
            assert!(
                std::env::var_os("CI").is_none(),
                "the keyring must work in CI (run through scripts/with-session.sh)"
            );
            eprintln!("skipped: no usable keyring here");
            return;
        }
        let mut cfg = SandboxConfig::default();
        cfg.afas.persons = 20;
        cfg.afas.organisations = 20;
        cfg.afas.products = 10;
        let sandbox = Sandbox::start(([127, 0, 0, 1], 0).into(), cfg)
            .await
            .unwrap();
        let id = format!("test-{}", uuid::Uuid::new_v4());
        let rec = ConnectionRecord {
            id: id.clone(),
            kind: BackendKind::Afas,
            name: "Test".into(),
            base_url: sandbox.afas_base_url(),
            auth: "oauth".into(),
            demo: false,
            administration_id: None,
            config: serde_json::json!({"oauth_client_id": "invoice-desk-demo"}),
            created_at: chrono::Utc::now(),
        };
        secrets::store(
            &id,
            SecretKind::OAuthClientSecret,
            &Secret::new("demo-client-secret"),
        )
        .unwrap();
        let base = sandbox.base_url();
        let browser = move |url: String| {
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                let page = http.get(&url).send().await.unwrap();
                assert!(
                    page.status().is_success(),
                    "consent page: {}",
                    page.status()
                );
                let state = url::Url::parse(&url)
                    .unwrap()
                    .query_pairs()
                    .find(|(k, _)| k == "state")
                    .map(|(_, v)| v.to_string())
                    .unwrap();
                let approval: serde_json::Value = http
                    .get(format!("{base}/__sandbox/afas/oauth/approve?state={state}"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let back = approval["location"].as_str().unwrap().to_string();
                let done = http.get(back).send().await.unwrap();
                assert!(done.text().await.unwrap().contains("close this window"));
            });
        };
        sign_in(&rec, browser).await.unwrap();
        let refresh = secrets::load(&id, SecretKind::RefreshToken).unwrap();
        assert!(refresh.is_some_and(|s| !s.is_empty()));
        let backend = crate::state::build_backend(&rec, None).unwrap();
        let said = backend.test_connection().await.unwrap().en;
        assert!(said.contains("administ"), "{said}");
        secrets::delete_all(&id);
    }

    #[tokio::test]
    async fn a_wrong_state_is_refused() {
        // A redirect that does not carry our state is ignored, not exchanged.
        let rec = ConnectionRecord {
            id: format!("test-{}", uuid::Uuid::new_v4()),
            kind: BackendKind::Afas,
            name: "Test".into(),
            base_url: "http://127.0.0.1:9/env".into(),
            auth: "oauth".into(),
            demo: false,
            administration_id: None,
            config: serde_json::json!({}),
            created_at: chrono::Utc::now(),
        };
        let err = sign_in(&rec, |_| {}).await.unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::Config,
            "a missing client id is a settings problem"
        );
        assert_eq!(err.field.as_deref(), Some("oauth_client_id"));
    }
}
