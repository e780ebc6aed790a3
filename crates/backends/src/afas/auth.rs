//! AFAS SB access tokens.
//!
//! Two ways in, both ending in a short-lived bearer token:
//! - a static app token, exchanged at `{base}/authentication/getaccesstoken` (JSON
//!   `{"apptoken": …}`; tokens live 10 minutes);
//! - OAuth 2.0 with PKCE: [`authorize_url`] and [`exchange_code`] once (the app shell runs the
//!   loopback flow), then `grant_type=refresh_token` at `{base}/app/token` (form-encoded;
//!   tokens live 30 minutes). The docs show no new refresh token in a refresh answer; if one
//!   ever comes, it replaces the old one and the `on_new_refresh_token` hook gets it.
//!
//! The token lives in the connectors' [`TokenCache`]: renewed when less than a minute of its
//! life is left (a quarter of its life for tokens that live less than four minutes), and once
//! after a 401; concurrent callers wait for one fetch instead of each asking for a token
//! (single flight).

use super::wire::{OAuthError, TokenResponse};
use super::{normalize_base_url, AfasAuth, NAME};
use crate::http::{Http, Reply, Safety};
use crate::kit::token::{Token, TokenCache};
use crate::secret::Secret;
use invoice_desk_core::error::{Error, ErrorCode, Result};
use reqwest::Method;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Called with a new refresh token, so the app can store it in the keyring.
pub type RefreshTokenHook = Arc<dyn Fn(&Secret) + Send + Sync>;

/// The answer to an authorization-code exchange.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: Secret,
    /// Seconds the access token lives.
    pub expires_in: u64,
    /// Keep this one (in the keyring): it gets new access tokens.
    pub refresh_token: Secret,
}

/// `{base}/app/auth?client_id&redirect_uri&response_type=code&code_challenge&code_challenge_method=S256&state`:
/// where to send the user's browser for consent. All parameters are mandatory for AFAS.
pub fn authorize_url(
    base_url: &str,
    client_id: &str,
    redirect_uri: &str,
    challenge: &str,
    state: &str,
) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("response_type", "code")
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", state)
        .finish();
    format!("{}/app/auth?{query}", base_url.trim().trim_end_matches('/'))
}

/// Exchanges the code from the consent redirect for tokens at `{base}/app/token`.
pub async fn exchange_code(
    base_url: &str,
    client_id: &str,
    client_secret: &Secret,
    redirect_uri: &str,
    code: &str,
    code_verifier: &str,
) -> Result<TokenSet> {
    let base = normalize_base_url(base_url)?;
    let http = Http::new(NAME)?;
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", client_id),
        ("client_secret", client_secret.expose()),
        ("redirect_uri", redirect_uri),
        ("code", code),
        ("code_verifier", code_verifier),
    ];
    let rb = http
        .request(Method::POST, &format!("{base}/app/token"))
        .header("Accept", "application/json")
        .form(&form);
    let reply = http.send(rb, Safety::Idempotent).await?;
    let tr = read_token_reply(&http, &reply, Kind::OAuth)?;
    let access_token = tr.access_token.unwrap_or_default();
    let refresh_token = tr
        .refresh_token
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::BadResponse,
                "AFAS SB gaf bij het aanmelden geen vernieuwingstoken terug. Probeer het opnieuw.",
                "AFAS SB returned no refresh token when signing in. Try again.",
            )
        })?;
    Ok(TokenSet {
        access_token: Secret::new(access_token),
        expires_in: tr.expires_in.unwrap_or(1800),
        refresh_token: Secret::new(refresh_token),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    AppToken,
    OAuth,
}

impl Kind {
    fn default_lifetime(self) -> u64 {
        match self {
            Kind::AppToken => 600,
            Kind::OAuth => 1800,
        }
    }
}

/// The token endpoint refused the credentials.
pub(super) fn refused(kind: Kind) -> Error {
    match kind {
        Kind::AppToken => Error::new(
            ErrorCode::AuthFailed,
            "Het app-token is niet geaccepteerd door AFAS SB. Controleer het bij Instellingen.",
            "The app token was not accepted by AFAS SB. Check it in Settings.",
        ),
        Kind::OAuth => Error::new(
            ErrorCode::AuthFailed,
            "AFAS SB heeft de aanmelding niet geaccepteerd. Meld opnieuw aan bij Instellingen.",
            "AFAS SB did not accept the sign-in. Sign in again in Settings.",
        ),
    }
}

/// An API call was refused twice, the second time with a fresh token.
pub(super) fn rejected_twice(kind: Kind) -> Error {
    match kind {
        Kind::AppToken => Error::new(
            ErrorCode::AuthFailed,
            "AFAS SB accepteert het app-token niet; controleer het bij Instellingen.",
            "AFAS SB did not accept the app token; check it in Settings.",
        ),
        Kind::OAuth => Error::new(
            ErrorCode::AuthFailed,
            "AFAS SB accepteert de aanmelding niet; controleer die bij Instellingen.",
            "AFAS SB did not accept the sign-in; check it in Settings.",
        ),
    }
}

pub(super) fn wrong_address() -> Error {
    Error::new(
        ErrorCode::Config,
        "Op dit adres is geen AFAS SB-omgeving gevonden. Controleer het omgevingsadres.",
        "No AFAS SB environment was found at this address. Check the environment URL.",
    )
}

/// Reads a token endpoint's answer. Never logs or returns its body.
pub(super) fn read_token_reply(http: &Http, reply: &Reply, kind: Kind) -> Result<TokenResponse> {
    let status = reply.status.as_u16();
    match status {
        200..=299 => {
            if reply.json_opt().is_none() {
                // Not JSON at all (a web page): not AFAS SB at this address. The body is not
                // shown: a token endpoint's answer may hold a secret.
                let mut e = http.not_the_api(reply);
                e.detail = Some(format!("HTTP {status}"));
                return Err(e);
            }
            let tr: TokenResponse = serde_json::from_slice(&reply.body).map_err(|_| {
                Error::new(
                    ErrorCode::BadResponse,
                    "AFAS SB gaf geen bruikbaar token terug.",
                    "AFAS SB did not return a usable token.",
                )
            })?;
            if tr
                .access_token
                .as_deref()
                .map(str::trim)
                .unwrap_or("")
                .is_empty()
            {
                return Err(Error::new(
                    ErrorCode::BadResponse,
                    "AFAS SB gaf geen bruikbaar token terug.",
                    "AFAS SB did not return a usable token.",
                ));
            }
            Ok(tr)
        }
        300..=399 | 404 | 405 => Err(wrong_address()),
        429 | 500..=599 => Err(http.read_status_error(reply)),
        _ => {
            let detail = serde_json::from_slice::<OAuthError>(&reply.body)
                .ok()
                .and_then(|e| match (e.error, e.error_description) {
                    (Some(a), Some(b)) => Some(format!("{a}: {b}")),
                    (a, b) => a.or(b),
                })
                .or_else(|| reply.vendor_message())
                .unwrap_or_else(|| format!("HTTP {status}"));
            Err(refused(kind).with_detail(detail))
        }
    }
}

/// Where access tokens come from, and the cached one.
pub(super) struct TokenSource {
    http: Http,
    base: String,
    auth: AfasAuth,
    /// The refresh token in use (OAuth); replaced when AFAS hands out a new one.
    refresh_token: Mutex<Option<Secret>>,
    hook: Mutex<Option<RefreshTokenHook>>,
    cache: TokenCache,
}

impl TokenSource {
    pub(super) fn new(http: Http, base: String, auth: AfasAuth) -> TokenSource {
        let refresh = match &auth {
            AfasAuth::OAuth { refresh_token, .. } => Some(refresh_token.clone()),
            AfasAuth::AppToken(_) => None,
        };
        TokenSource {
            http,
            base,
            auth,
            refresh_token: Mutex::new(refresh),
            hook: Mutex::new(None),
            cache: TokenCache::new(NAME),
        }
    }

    pub(super) fn kind(&self) -> Kind {
        match self.auth {
            AfasAuth::AppToken(_) => Kind::AppToken,
            AfasAuth::OAuth { .. } => Kind::OAuth,
        }
    }

    pub(super) fn set_hook(&self, hook: RefreshTokenHook) {
        *self.hook.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    /// A token that is valid for at least another minute.
    pub(super) async fn access_token(&self) -> Result<Secret> {
        Ok(self.cache.get(|| self.fetch()).await?.secret)
    }

    /// Sends an authenticated request over `http`; on a 401 renews the token once (unless
    /// another caller already did) and sends it again.
    pub(super) async fn call<F>(&self, http: &Http, safety: Safety, build: F) -> Result<Reply>
    where
        F: Fn(&str) -> reqwest::RequestBuilder,
    {
        self.cache
            .send(
                || self.fetch(),
                |token| http.send(build(token.secret.expose()), safety),
                |reply: &Reply| {
                    rejected_twice(self.kind())
                        .with_detail(reply.vendor_message().unwrap_or_default())
                },
            )
            .await
    }

    async fn fetch(&self) -> Result<Token> {
        let kind = self.kind();
        tracing::debug!(system = NAME, ?kind, "fetching an access token");
        let rb = match &self.auth {
            AfasAuth::AppToken(app_token) => self
                .http
                .request(
                    Method::POST,
                    &format!("{}/authentication/getaccesstoken", self.base),
                )
                .header("Accept", "application/json")
                .json(&serde_json::json!({ "apptoken": app_token.expose() })),
            AfasAuth::OAuth {
                client_id,
                client_secret,
                ..
            } => {
                let refresh = self
                    .refresh_token
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone()
                    .unwrap_or_default();
                let form = [
                    ("grant_type", "refresh_token"),
                    ("client_id", client_id.as_str()),
                    ("client_secret", client_secret.expose()),
                    ("refresh_token", refresh.expose()),
                ];
                self.http
                    .request(Method::POST, &format!("{}/app/token", self.base))
                    .header("Accept", "application/json")
                    .form(&form)
            }
        };
        let reply = self.http.send(rb, Safety::Idempotent).await?;
        let tr = read_token_reply(&self.http, &reply, kind)?;
        if let Some(new_refresh) = tr.refresh_token.filter(|r| !r.trim().is_empty()) {
            let new_refresh = Secret::new(new_refresh);
            let changed = {
                let mut current = self.refresh_token.lock().unwrap_or_else(|e| e.into_inner());
                let changed = kind == Kind::OAuth && current.as_ref() != Some(&new_refresh);
                if changed {
                    *current = Some(new_refresh.clone());
                }
                changed
            };
            if changed {
                tracing::info!(system = NAME, "AFAS SB issued a new refresh token");
                let hook = self.hook.lock().unwrap_or_else(|e| e.into_inner()).clone();
                if let Some(hook) = hook {
                    hook(&new_refresh);
                }
            }
        }
        let lifetime = tr.expires_in.unwrap_or(kind.default_lifetime());
        tracing::debug!(
            system = NAME,
            lifetime_s = lifetime,
            "access token received"
        );
        Ok(Token::new(
            Secret::new(tr.access_token.unwrap_or_default()),
            Duration::from_secs(lifetime),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_url_has_all_parameters() {
        let u = authorize_url(
            "https://x.afasfocus.nl/env/",
            "my-client",
            "http://127.0.0.1:53682/callback",
            "E9Melhoa2OwvWy-8OcxV6IrKdDHeqOg0ENQxYbUFOqk",
            "st ate",
        );
        assert!(u.starts_with("https://x.afasfocus.nl/env/app/auth?"));
        let parsed = url::Url::parse(&u).unwrap();
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "my-client");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:53682/callback");
        assert_eq!(q["response_type"], "code");
        assert_eq!(
            q["code_challenge"],
            "E9Melhoa2OwvWy-8OcxV6IrKdDHeqOg0ENQxYbUFOqk"
        );
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["state"], "st ate");
        assert_eq!(q.len(), 6);
    }
}
