//! Authentication: static app tokens (`/authentication/getaccesstoken`) and OAuth2
//! authorization code + PKCE (`/app/auth`, `/app/token`), and the bearer check of `/api/*`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{FromRequest, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::errors::{self, json_response};
use super::query::{parse_query, percent_encode};
use super::{schema, Afas};
use crate::kit::json;

/// How long an authorization code stays valid.
const CODE_TTL: Duration = Duration::from_secs(600);

#[derive(Debug, Clone)]
struct Pending {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    state: String,
    created: Instant,
}

#[derive(Debug, Clone)]
struct Code {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    expires: Instant,
}

#[derive(Debug, Default)]
pub struct AuthState {
    access: HashMap<String, Instant>,
    refresh: HashMap<String, String>,
    pending: HashMap<String, Pending>,
    codes: HashMap<String, Code>,
}

impl AuthState {
    /// Forgets every access token (refresh tokens and app tokens stay valid).
    pub fn expire_all(&mut self) -> usize {
        let n = self.access.len();
        self.access.clear();
        n
    }
}

/// A random opaque token of `n` random bytes, base64url.
pub fn random_token(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// `BASE64URL(SHA256(verifier))`, the S256 code challenge.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl Afas {
    fn issue_access(&self, ttl: u64) -> String {
        let token = random_token(48);
        let mut a = self.auth();
        let now = Instant::now();
        a.access.retain(|_, exp| *exp > now);
        a.access
            .insert(token.clone(), now + Duration::from_secs(ttl));
        token
    }

    /// Checks `Authorization: Bearer <token>` (scheme case-insensitive).
    pub fn authenticated(&self, headers: &HeaderMap) -> bool {
        let Some(v) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return false;
        };
        let Some((scheme, token)) = v.trim().split_once(' ') else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return false;
        }
        let a = self.auth();
        a.access
            .get(token.trim())
            .is_some_and(|exp| *exp > Instant::now())
    }
}

fn token_response(body: Value) -> Response {
    let mut r = json_response(StatusCode::OK, &body, None);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(
        status,
        &json!({"error": error, "error_description": description}),
        None,
    )
}

fn missing_params() -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "missing required request parameters",
    )
}

/// POST /authentication/getaccesstoken `{"apptoken": "...", "scope"?: "..."}`.
pub async fn getaccesstoken(State(afas): State<Arc<Afas>>, body: Bytes) -> Response {
    let node = match json::parse(&body) {
        Ok(n) => n,
        Err(e) => {
            return errors::deserialization(&e.with_location(), "authentication.GetAccessToken")
        }
    };
    if let Err(e) = schema::validate(&node, &schema::getaccesstoken()) {
        return errors::deserialization(&e.with_location(), "authentication.GetAccessToken");
    }
    let token = node
        .member("apptoken")
        .and_then(|n| n.as_str())
        .unwrap_or("");
    if !afas.cfg.app_tokens.iter().any(|t| t == token) {
        return errors::unauthenticated();
    }
    let ttl = afas.cfg.access_token_ttl_secs;
    let access = afas.issue_access(ttl);
    token_response(json!({
        "access_token": access,
        "expires_in": ttl.to_string(),
        "token_type": "bearer",
    }))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn is_absolute_http(u: &str) -> bool {
    (u.starts_with("http://") || u.starts_with("https://"))
        && u.split("://").nth(1).is_some_and(|rest| !rest.is_empty())
        && !u.contains(char::is_whitespace)
}

/// GET /app/auth?client_id&redirect_uri&response_type=code&code_challenge&code_challenge_method=S256&state
pub async fn authorize(State(afas): State<Arc<Afas>>, RawQuery(q): RawQuery) -> Response {
    let params: HashMap<String, String> = parse_query(q.as_deref()).into_iter().collect();
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let (
        Some(client_id),
        Some(redirect_uri),
        Some(response_type),
        Some(challenge),
        Some(method),
        Some(state),
    ) = (
        get("client_id"),
        get("redirect_uri"),
        get("response_type"),
        get("code_challenge"),
        get("code_challenge_method"),
        get("state"),
    )
    else {
        return missing_params();
    };
    if client_id != afas.cfg.oauth_client_id {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "unknown client_id",
        );
    }
    if response_type != "code" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            "response_type must be code",
        );
    }
    if method != "S256" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code_challenge_method must be S256",
        );
    }
    if challenge.len() != 43
        || !challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "invalid code_challenge",
        );
    }
    if !is_absolute_http(redirect_uri) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "invalid redirect_uri",
        );
    }
    let request_id = random_token(16);
    {
        let mut a = afas.auth();
        let now = Instant::now();
        a.pending
            .retain(|_, p| now.duration_since(p.created) < Duration::from_secs(3600));
        a.pending.insert(
            request_id.clone(),
            Pending {
                client_id: client_id.to_string(),
                redirect_uri: redirect_uri.to_string(),
                challenge: challenge.to_string(),
                state: state.to_string(),
                created: now,
            },
        );
    }
    let env = html_escape(&afas.cfg.environment);
    let page = format!(
        r#"<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>AFAS SB - Toestemming geven</title>
<style>body{{font-family:system-ui,sans-serif;background:#f3f5f8;margin:0}}main{{max-width:28rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}}h1{{font-size:1.3rem;color:#0a4d8c}}button{{font-size:1rem;padding:.5rem 1.5rem;margin-right:.5rem}}</style></head>
<body><main><h1>AFAS SB (sandbox)</h1>
<p>De app <b>{client}</b> vraagt toegang tot de omgeving <b>{env}</b>.</p>
<p>Redirect: <code>{redirect}</code></p>
<form method="post" action="/{env}/app/auth/approve">
<input type="hidden" name="request" value="{request_id}">
<button type="submit" name="decision" value="allow" id="allow" autofocus>Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form></main></body></html>"#,
        client = html_escape(client_id),
        redirect = html_escape(redirect_uri),
    );
    Html(page).into_response()
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{}", q.join("&"))
}

/// The outcome of a consent decision.
pub struct Approval {
    pub location: String,
    pub code: Option<String>,
    pub state: String,
}

impl Afas {
    /// Approves (or denies) a pending consent request and gives the redirect location.
    fn decide(&self, request_id: &str, allow: bool) -> Option<Approval> {
        let mut a = self.auth();
        let p = a.pending.remove(request_id)?;
        if !allow {
            return Some(Approval {
                location: with_query(
                    &p.redirect_uri,
                    &[("error", "access_denied"), ("state", &p.state)],
                ),
                code: None,
                state: p.state,
            });
        }
        let code = random_token(32);
        a.codes.insert(
            code.clone(),
            Code {
                client_id: p.client_id,
                redirect_uri: p.redirect_uri.clone(),
                challenge: p.challenge,
                expires: Instant::now() + CODE_TTL,
            },
        );
        Some(Approval {
            location: with_query(&p.redirect_uri, &[("code", &code), ("state", &p.state)]),
            code: Some(code),
            state: p.state,
        })
    }

    /// Approves the newest pending consent request with this `state` (the test hook).
    pub fn approve_by_state(&self, state: &str) -> Option<Approval> {
        let id = {
            let a = self.auth();
            a.pending
                .iter()
                .filter(|(_, p)| p.state == state)
                .max_by_key(|(_, p)| p.created)
                .map(|(id, _)| id.clone())?
        };
        self.decide(&id, true)
    }
}

fn consent_answer(afas: &Afas, params: &HashMap<String, String>) -> Response {
    let Some(id) = params.get("request") else {
        return missing_params();
    };
    let allow = params.get("decision").is_none_or(|d| d != "deny");
    match afas.decide(id, allow) {
        Some(a) => (StatusCode::FOUND, [(header::LOCATION, a.location)], "").into_response(),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "unknown or already used consent request",
        ),
    }
}

/// GET /app/auth/approve?request=..&decision=allow|deny
pub async fn approve_get(State(afas): State<Arc<Afas>>, RawQuery(q): RawQuery) -> Response {
    let params = parse_query(q.as_deref()).into_iter().collect();
    consent_answer(&afas, &params)
}

/// POST /app/auth/approve (form)
pub async fn approve_post(State(afas): State<Arc<Afas>>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    let params = parse_query(Some(&text)).into_iter().collect();
    consent_answer(&afas, &params)
}

/// Reads the fields of a form-urlencoded or multipart/form-data body.
async fn form_fields(req: Request) -> Result<HashMap<String, String>, Response> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("multipart/form-data") {
        let mut mp = axum::extract::Multipart::from_request(req, &())
            .await
            .map_err(|_| missing_params())?;
        let mut out = HashMap::new();
        while let Some(field) = mp.next_field().await.map_err(|_| missing_params())? {
            let name = field.name().unwrap_or("").to_string();
            let value = field.text().await.map_err(|_| missing_params())?;
            out.insert(name, value);
        }
        Ok(out)
    } else if ct.starts_with("application/x-www-form-urlencoded") {
        let body = axum::body::to_bytes(req.into_body(), 1 << 20)
            .await
            .map_err(|_| missing_params())?;
        let text = String::from_utf8_lossy(&body);
        Ok(parse_query(Some(&text)).into_iter().collect())
    } else {
        Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the token request must be application/x-www-form-urlencoded or multipart/form-data",
        ))
    }
}

/// POST /app/token: grant_type=authorization_code | refresh_token.
pub async fn token(State(afas): State<Arc<Afas>>, req: Request) -> Response {
    let f = match form_fields(req).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let get = |k: &str| f.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(grant) = get("grant_type") else {
        return missing_params();
    };
    let client_ok = |id: &str, secret: &str| {
        id == afas.cfg.oauth_client_id && secret == afas.cfg.oauth_client_secret
    };
    let ttl = afas.cfg.oauth_token_ttl_secs;
    match grant {
        "authorization_code" => {
            let (Some(id), Some(secret), Some(redirect), Some(code), Some(verifier)) = (
                get("client_id"),
                get("client_secret"),
                get("redirect_uri"),
                get("code"),
                get("code_verifier"),
            ) else {
                return missing_params();
            };
            if !client_ok(id, secret) {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "invalid client credentials",
                );
            }
            if !(43..=128).contains(&verifier.len()) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "invalid code_verifier length",
                );
            }
            let issued = afas.auth().codes.remove(code);
            let Some(issued) = issued.filter(|c| c.expires > Instant::now()) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "invalid authorization code",
                );
            };
            if issued.client_id != id || issued.redirect_uri != redirect {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri does not match the authorization request",
                );
            }
            if s256(verifier) != issued.challenge {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "invalid code_verifier",
                );
            }
            let access = afas.issue_access(ttl);
            let refresh = random_token(48);
            afas.auth().refresh.insert(refresh.clone(), id.to_string());
            token_response(json!({
                "access_token": access,
                "expires_in": ttl.to_string(),
                "token_type": "bearer",
                "refresh_token": refresh,
            }))
        }
        "refresh_token" => {
            let (Some(id), Some(secret), Some(refresh)) =
                (get("client_id"), get("client_secret"), get("refresh_token"))
            else {
                return missing_params();
            };
            if !client_ok(id, secret) {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "invalid client credentials",
                );
            }
            let known = afas.auth().refresh.get(refresh).is_some_and(|c| c == id);
            if !known {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "invalid refresh_token",
                );
            }
            let access = afas.issue_access(ttl);
            token_response(json!({
                "access_token": access,
                "expires_in": ttl.to_string(),
                "token_type": "bearer",
            }))
        }
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc7636_example() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
