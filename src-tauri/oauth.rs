//! Signing in to AFAS SB with OAuth2 authorization code + PKCE, through the system browser and
//! a one-shot listener on 127.0.0.1 for the redirect. The refresh token goes to the keyring.

use crate::secrets::{self, SecretKind};
use axum::extract::{Query, State as AxState};
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use invoice_desk_backends::{afas, pkce::Pkce};
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::i18n::Lang;
use invoice_desk_core::store::ConnectionRecord;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// Where the query of the awaited redirect goes (once).
type Waiter = Arc<Mutex<Option<oneshot::Sender<HashMap<String, String>>>>>;

/// The loopback redirect's state: the `state` this sign-in sent, and where the redirect that
/// carries it goes.
#[derive(Clone)]
struct Callback {
    expected_state: Arc<str>,
    tx: Waiter,
    lang: Lang,
}

/// The page the browser shows once the sign-in came back, in the clerk's language.
fn signed_in_page(lang: Lang) -> &'static str {
    match lang {
        Lang::Nl => {
            "<!doctype html><html lang=nl><meta charset=utf-8><title>Invoice Desk</title>\
     <body style=\"font-family:sans-serif;margin:3em\"><h1>Invoice Desk</h1>\
     <p>De aanmelding is afgerond. U kunt dit venster sluiten.</p></body></html>"
        }
        Lang::En => {
            "<!doctype html><html lang=en><meta charset=utf-8><title>Invoice Desk</title>\
     <body style=\"font-family:sans-serif;margin:3em\"><h1>Invoice Desk</h1>\
     <p>Sign-in is complete. You can close this window.</p></body></html>"
        }
    }
}

/// The page for a request to the redirect address that is not this sign-in's.
fn not_ours_page(lang: Lang) -> &'static str {
    match lang {
        Lang::Nl => {
            "<!doctype html><html lang=nl><meta charset=utf-8><title>Invoice Desk</title>\
     <body style=\"font-family:sans-serif;margin:3em\"><h1>Invoice Desk</h1>\
     <p>Deze aanmelding hoort niet bij de aanmelding waar Invoice Desk op wacht en is \
     genegeerd.</p></body></html>"
        }
        Lang::En => {
            "<!doctype html><html lang=en><meta charset=utf-8><title>Invoice Desk</title>\
     <body style=\"font-family:sans-serif;margin:3em\"><h1>Invoice Desk</h1>\
     <p>This sign-in does not belong to the one Invoice Desk is waiting for and was \
     ignored.</p></body></html>"
        }
    }
}

/// Compares without stopping at the first difference, so the time taken says nothing about
/// how much of a guess was right.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A request to the redirect address ends the wait only when it carries this sign-in's
/// `state`. Anything else on this computer can reach the port; a request without the state,
/// or with another one, gets an error page and the wait goes on.
async fn callback(
    AxState(cb): AxState<Callback>,
    Query(q): Query<HashMap<String, String>>,
) -> (StatusCode, Html<&'static str>) {
    let ours = q
        .get("state")
        .is_some_and(|s| same_secret(s, &cb.expected_state));
    if !ours {
        tracing::warn!("a request to the sign-in redirect without this sign-in's state; ignored");
        return (StatusCode::BAD_REQUEST, Html(not_ours_page(cb.lang)));
    }
    if let Some(tx) = cb.tx.lock().unwrap_or_else(|p| p.into_inner()).take() {
        let _ = tx.send(q);
    }
    (StatusCode::OK, Html(signed_in_page(cb.lang)))
}

/// Serves `/callback` on `listener` until a redirect with `expected_state` arrives (its query
/// is returned) or `within` has passed.
async fn wait_for_redirect(
    listener: tokio::net::TcpListener,
    expected_state: &str,
    within: Duration,
    lang: Lang,
) -> Result<HashMap<String, String>> {
    let (tx, rx) = oneshot::channel();
    let app = Router::new()
        .route("/callback", get(callback))
        .with_state(Callback {
            expected_state: Arc::from(expected_state),
            tx: Arc::new(Mutex::new(Some(tx))),
            lang,
        });
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let answer = tokio::time::timeout(within, rx).await;
    server.abort();
    let minutes = within.as_secs().div_ceil(60).max(1);
    let (nl, en) = if minutes == 1 {
        ("1 minuut".to_string(), "1 minute".to_string())
    } else {
        (format!("{minutes} minuten"), format!("{minutes} minutes"))
    };
    match answer {
        Ok(Ok(q)) => Ok(q),
        _ => Err(oauth_error(
            format!(
                "Er kwam binnen {nl} geen aanmelding terug uit de browser. Probeer het opnieuw."
            ),
            format!("No sign-in came back from the browser within {en}. Please try again."),
        )),
    }
}

fn oauth_error(nl: impl Into<String>, en: impl Into<String>) -> Error {
    Error::new(ErrorCode::AuthFailed, nl, en)
}

/// Runs the whole sign-in: listener, browser (through `open_browser`), code exchange, keyring.
/// The pages the browser shows are in `lang`, the clerk's language.
pub async fn sign_in(
    rec: &ConnectionRecord,
    lang: Lang,
    open_browser: impl FnOnce(String),
) -> Result<()> {
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
    let url = afas::authorize_url(
        &rec.base_url,
        &client_id,
        &redirect_uri,
        &pkce.challenge,
        &pkce.state,
    );
    tracing::info!("opening the AFAS SB sign-in page in the system browser");
    open_browser(url);
    let q = wait_for_redirect(listener, &pkce.state, Duration::from_secs(300), lang).await?;
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
        sign_in(&rec, Lang::En, browser).await.unwrap();
        let refresh = secrets::load(&id, SecretKind::RefreshToken).unwrap();
        assert!(refresh.is_some_and(|s| !s.is_empty()));
        let backend = crate::state::build_backend(&rec, None).unwrap();
        let said = backend.test_connection().await.unwrap().en;
        assert!(said.contains("administ"), "{said}");
        secrets::delete_all(&id);
    }

    /// Another process on this computer calls the redirect address before the browser does:
    /// without the state, with another state, with an "error" but no state. Each gets an
    /// error page, and the sign-in keeps waiting for the browser's redirect.
    #[tokio::test]
    async fn a_redirect_without_this_sign_ins_state_gets_an_error_page_and_the_wait_goes_on() {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let wait = tokio::spawn(async move {
            wait_for_redirect(
                listener,
                "the-right-state",
                Duration::from_secs(120),
                Lang::En,
            )
            .await
        });
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}/callback");
        for query in [
            "?code=stolen",
            "?code=stolen&state=a-wrong-state",
            "?code=stolen&state=the-right-stat",
            "?code=stolen&state=",
            "?error=access_denied",
            "",
        ] {
            let r = http.get(format!("{base}{query}")).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 400, "{query}");
            let page = r.text().await.unwrap();
            assert!(page.contains("does not belong"), "{query}: {page}");
        }
        let r = http
            .get(format!("{base}?code=the-code&state=the-right-state"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert!(r.text().await.unwrap().contains("close this window"));
        let q = wait.await.unwrap().unwrap();
        assert_eq!(q.get("code").map(String::as_str), Some("the-code"));
    }

    /// The browser pages speak the clerk's language only.
    #[tokio::test]
    async fn the_browser_pages_are_in_the_clerks_language_only() {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let wait = tokio::spawn(async move {
            wait_for_redirect(listener, "s-nl", Duration::from_secs(120), Lang::Nl).await
        });
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}/callback");
        let wrong = http.get(format!("{base}?code=x")).send().await.unwrap();
        let page = wrong.text().await.unwrap();
        assert!(page.contains("hoort niet bij"), "{page}");
        assert!(!page.contains("does not belong"), "{page}");
        let ok = http
            .get(format!("{base}?code=c&state=s-nl"))
            .send()
            .await
            .unwrap();
        let page = ok.text().await.unwrap();
        assert!(page.contains("venster sluiten"), "{page}");
        assert!(!page.contains("close this window"), "{page}");
        wait.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_sign_in_that_never_comes_back_ends_with_a_message() {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let e = wait_for_redirect(listener, "s", Duration::from_millis(50), Lang::En)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::AuthFailed);
        assert_eq!(
            e.message.en,
            "No sign-in came back from the browser within 1 minute. Please try again."
        );
    }

    #[test]
    fn states_are_compared_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "a"));
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
        let err = sign_in(&rec, Lang::En, |_| {}).await.unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::Config,
            "a missing client id is a settings problem"
        );
        assert_eq!(err.field.as_deref(), Some("oauth_client_id"));
    }
}
