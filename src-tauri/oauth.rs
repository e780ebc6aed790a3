//! Signing in with OAuth2 authorization code + PKCE, through the system browser and a one-shot
//! listener on 127.0.0.1 for the redirect. The connector (from the registry) says where consent
//! is asked and exchanges the code; the secret it yields goes to the keyring under the name the
//! connector gives it.

use crate::secrets::{self, Keyring};
use axum::extract::{Query, State as AxState};
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use invoice_desk_backends::pkce::Pkce;
use invoice_desk_backends::registry::{self, OAuthExchange, OAuthStart, SecretSource};
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
    let connector = registry::get(rec.kind.as_str())?;
    let method = connector.sign_in(&rec.auth).filter(|m| m.oauth.is_some());
    let (Some(method), Some(flow)) = (method, connector.oauth.as_ref()) else {
        return Err(Error::new(
            ErrorCode::Config,
            "Deze koppeling meldt zich niet aan via de browser.",
            "This connection does not sign in through the browser.",
        ));
    };
    let credentials = connector.plain_credentials(rec);
    let keyring = Keyring(rec.id.clone());
    // What the sign-in method asks for must be there before the browser opens.
    for f in method.fields.iter().filter(|f| f.required) {
        let present = if f.secret {
            keyring.secret(&f.key)?.is_some()
        } else {
            credentials.contains_key(&f.key)
        };
        if !present {
            return Err(Error::new(
                ErrorCode::Config,
                format!("Vul dit eerst in bij de koppeling: {}.", f.label.nl),
                format!("First fill this in for the connection: {}.", f.label.en),
            )
            .with_field(f.key.clone()));
        }
    }
    let port: u16 = credentials
        .get(flow.port_key)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| {
            Error::new(
                ErrorCode::Config,
                format!("Poort {port} op deze computer is bezet; kies een andere terugkeerpoort."),
                format!("Port {port} on this computer is in use; choose another redirect port."),
            )
            .with_field(flow.port_key)
            .with_detail(e.to_string())
        })?;
    let port = listener.local_addr().map_err(Error::internal)?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let pkce = Pkce::generate();
    let url = (flow.authorize_url)(&OAuthStart {
        base_url: &rec.base_url,
        credentials: &credentials,
        redirect_uri: &redirect_uri,
        challenge: &pkce.challenge,
        state: &pkce.state,
    })?;
    tracing::info!(
        connector = connector.id,
        "opening the sign-in page in the system browser"
    );
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
            format!("{} heeft de toestemming niet gegeven.", connector.name),
            format!("{} did not grant consent.", connector.name),
        )
        .with_detail(err.clone()));
    }
    let code = q.get("code").ok_or_else(|| {
        oauth_error(
            "De browser gaf geen autorisatiecode terug.",
            "The browser returned no authorization code.",
        )
    })?;
    let secret = (flow.exchange)(&OAuthExchange {
        base_url: &rec.base_url,
        credentials: &credentials,
        secrets: &keyring,
        redirect_uri: &redirect_uri,
        code,
        verifier: &pkce.verifier,
    })
    .await?;
    secrets::store(&rec.id, flow.token_key, &secret)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use invoice_desk_backends::registry::Connector;
    use invoice_desk_backends::Secret;
    use invoice_desk_core::connector::SignInMethod;
    use invoice_desk_sandbox::{Sandbox, SandboxConfig};

    fn keyring_usable() -> bool {
        let probe = format!("probe-{}", uuid::Uuid::new_v4());
        let ok = secrets::store(&probe, "probe", &Secret::new("x")).is_ok();
        let _ = secrets::delete(&probe, "probe");
        ok
    }

    /// The first connector that signs in through the browser, with that sign-in method.
    fn oauth_connector() -> (&'static Connector, &'static SignInMethod) {
        registry::connectors()
            .iter()
            .find_map(|c| {
                let m = c.sign_in.iter().find(|m| m.oauth.is_some())?;
                c.oauth.as_ref().map(|_| (c, m))
            })
            .expect("a connector with an OAuth sign-in")
    }

    fn oauth_record(
        c: &Connector,
        base_url: String,
        config: serde_json::Value,
    ) -> ConnectionRecord {
        ConnectionRecord {
            id: format!("test-{}", uuid::Uuid::new_v4()),
            kind: c.system(),
            name: "Test".into(),
            base_url,
            auth: "oauth".into(),
            demo: false,
            administration_id: None,
            config,
            created_at: chrono::Utc::now(),
        }
    }

    /// What a browser does on the stand-in's consent page: submit its form with the first
    /// button ("Allow"), without following the redirect; returns where it redirects to.
    async fn allow_on_consent_page(http: &reqwest::Client, url: &str) -> String {
        let page = http.get(url).send().await.unwrap();
        assert!(
            page.status().is_success(),
            "consent page: {}",
            page.status()
        );
        let html = page.text().await.unwrap();
        let attr = |html: &str, after: &str, name: &str| -> String {
            let from = html
                .find(after)
                .unwrap_or_else(|| panic!("{after} in {html}"));
            let rest = &html[from..];
            let at = rest.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            rest[at..at + rest[at..].find('"').unwrap()].to_string()
        };
        let action = attr(&html, "<form", "action");
        let field = attr(&html, "<input type=\"hidden\"", "name");
        let value = attr(&html, "<input type=\"hidden\"", "value");
        let button = attr(&html, "<button", "name");
        let choice = attr(&html, "<button", "value");
        let origin = url::Url::parse(url).unwrap();
        let target = origin.join(&action).unwrap();
        let answer = http
            .post(target)
            .form(&[(field, value), (button, choice)])
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_redirection(), "{}", answer.status());
        answer.headers()["location"].to_str().unwrap().to_string()
    }

    /// The whole loopback sign-in against the stand-in: the "browser" follows the consent
    /// page, approves, and calls our redirect; the connector's token lands in the keyring and
    /// the connection then works.
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
        let (c, method) = oauth_connector();
        let client_id = method
            .fields
            .iter()
            .find(|f| !f.secret && f.required)
            .unwrap();
        let client_secret = method
            .fields
            .iter()
            .find(|f| f.secret && f.required)
            .unwrap();
        let sandbox = Sandbox::start(([127, 0, 0, 1], 0).into(), SandboxConfig::default())
            .await
            .unwrap();
        let rec = oauth_record(
            c,
            format!("{}{}", sandbox.base_url(), c.demo.path),
            serde_json::json!({"credentials": {client_id.key.clone(): "invoice-desk-demo"}}),
        );
        let id = rec.id.clone();
        secrets::store(&id, &client_secret.key, &Secret::new("demo-client-secret")).unwrap();
        let browser = move |url: String| {
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                let back = allow_on_consent_page(&http, &url).await;
                let done = http.get(back).send().await.unwrap();
                assert!(done.text().await.unwrap().contains("close this window"));
            });
        };
        sign_in(&rec, Lang::En, browser).await.unwrap();
        let token_key = c.oauth.as_ref().unwrap().token_key;
        let token = secrets::load(&id, token_key).unwrap();
        assert!(token.is_some_and(|s| !s.is_empty()));
        let backend = crate::state::build_backend(&rec, None).unwrap();
        backend.test_connection().await.unwrap();
        secrets::delete_all(&id, c.id);
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
    async fn a_sign_in_without_the_client_id_is_a_settings_problem_before_any_browser_opens() {
        let (c, method) = oauth_connector();
        let client_id = method
            .fields
            .iter()
            .find(|f| !f.secret && f.required)
            .unwrap();
        let rec = oauth_record(c, "http://127.0.0.1:9/env".into(), serde_json::json!({}));
        let err = sign_in(&rec, Lang::En, |_| {
            panic!("no browser without the settings")
        })
        .await
        .unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::Config,
            "a missing client id is a settings problem"
        );
        assert_eq!(err.field.as_deref(), Some(client_id.key.as_str()));
    }
}
