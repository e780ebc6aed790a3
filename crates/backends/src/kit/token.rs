//! A cache for a connector's short-lived access token.
//!
//! - It holds the token, when it was fetched and how long it lives, and optionally the host the
//!   token belongs to (Bouwsoft hands out a `ServerName` with each token; calls go there).
//! - It renews proactively: a token is used until less than a minute of its life is left (a
//!   quarter of its life for tokens that live less than four minutes).
//! - One renewal at a time: one lock guards the cache and is held while a token is fetched, so
//!   concurrent callers wait for that one fetch and then share its token (single flight).
//! - After a 401, [`TokenCache::send`] renews once (unless another caller already replaced
//!   the refused token) and sends once more; a second 401 is the connector's error.
//!
//! How a token is fetched is the connector's: it passes a function that returns a [`Token`].
//! [`read_answer`] reads the sign-in answers of the known vendors (OAuth `access_token` +
//! `expires_in`, Bloxs `token` + `expiration`, Bouwsoft `AccessToken` + `ValidUntil` +
//! `ServerName`) into one.

use crate::http::Reply;
use crate::kit::url::base_for_host;
use crate::secret::Secret;
use chrono::{DateTime, NaiveDateTime, Utc};
use invoice_desk_core::error::{Error, ErrorCode, Result};
use std::future::Future;
use std::time::{Duration, Instant};

/// An access token as a sign-in endpoint handed it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub secret: Secret,
    /// How long it lives from the moment it was received.
    pub lifetime: Duration,
    /// The base URL calls with this token go to, when the vendor names one per token.
    pub base: Option<String>,
}

impl Token {
    pub fn new(secret: Secret, lifetime: Duration) -> Token {
        Token {
            secret,
            lifetime,
            base: None,
        }
    }

    /// A token valid until `until` (Bloxs `expiration`, Bouwsoft `ValidUntil`), seen at `now`.
    /// An expiry in the past gives a lifetime of zero: used once, renewed on the next call.
    pub fn until(secret: Secret, until: DateTime<Utc>, now: DateTime<Utc>) -> Token {
        let lifetime = (until - now).to_std().unwrap_or(Duration::ZERO);
        Token::new(secret, lifetime)
    }

    /// The host the vendor named with this token (Bouwsoft `ServerName`, e.g.
    /// `Osiris.bouwsoft.be`). Refused (`BadResponse`) unless it is a bare host name.
    pub fn with_host(mut self, system: &str, host: &str) -> Result<Token> {
        let base = base_for_host(host).ok_or_else(|| {
            Error::new(
                ErrorCode::BadResponse,
                format!("{system} gaf bij het aanmelden een serveradres dat de app niet begrijpt."),
                format!("{system} returned a server address the app does not understand when signing in."),
            )
        })?;
        self.base = Some(base);
        Ok(self)
    }

    /// The base URL to call: the token's own host if it has one, else `default`.
    pub fn base_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.base.as_deref().unwrap_or(default)
    }
}

/// Reads an expiry time as vendors write it: RFC 3339 (`2024-05-01T12:00:00.1234567+02:00`),
/// without seconds (Bouwsoft `2017-09-05T15:01Z`), or without an offset (read as UTC).
pub fn parse_expiry(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    let bare = t
        .strip_suffix('Z')
        .or_else(|| t.strip_suffix('z'))
        .unwrap_or(t);
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(bare, f) {
            return Some(n.and_utc());
        }
    }
    None
}

/// A sign-in endpoint's answer: the token, how long it lives and where calls go with it, and a
/// new refresh token if one came along.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub token: Token,
    pub refresh_token: Option<Secret>,
}

fn key(k: &str) -> String {
    k.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Reads a sign-in answer in the spellings the vendors use, names compared without case and
/// `_`: the token `access_token` (OAuth, AFAS SB), `token` (Bloxs) or `AccessToken` (Bouwsoft);
/// its life as `expires_in` seconds, or an end time `expiration` (Bloxs), `ValidUntil`
/// (Bouwsoft) or `expires_at`, read at `now`; the host `ServerName` (Bouwsoft); a
/// `refresh_token`. Without a life it lives `default_lifetime`. The body never reaches the
/// error: a token answer holds secrets.
pub fn read_answer(
    system: &str,
    body: &[u8],
    now: DateTime<Utc>,
    default_lifetime: Duration,
) -> Result<Answer> {
    let unusable = || {
        Error::new(
            ErrorCode::BadResponse,
            format!("{system} gaf geen bruikbaar token terug."),
            format!("{system} did not return a usable token."),
        )
    };
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|_| unusable())?;
    let o = v.as_object().ok_or_else(unusable)?;
    let find = |names: &[&str]| {
        o.iter()
            .find(|(k, v)| names.contains(&key(k).as_str()) && !v.is_null())
            .map(|(_, v)| v)
    };
    let text = |names: &[&str]| match find(names) {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let secret = text(&["accesstoken", "token"]).ok_or_else(unusable)?;
    let lifetime = match text(&["expiresin"]) {
        Some(secs) => Some(
            secs.parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| unusable())?,
        ),
        None => match text(&["expiration", "validuntil", "expiresat"]) {
            Some(at) => {
                let at = parse_expiry(&at).ok_or_else(unusable)?;
                Some((at - now).to_std().unwrap_or(Duration::ZERO))
            }
            None => None,
        },
    };
    let mut token = Token::new(Secret::new(secret), lifetime.unwrap_or(default_lifetime));
    if let Some(host) = text(&["servername"]) {
        token = token.with_host(system, &host)?;
    }
    Ok(Answer {
        token,
        refresh_token: text(&["refreshtoken"]).map(Secret::new),
    })
}

struct Cached {
    token: Token,
    fetched: Instant,
}

impl Cached {
    /// Renew when less than a minute is left (or a quarter of the lifetime, if shorter).
    fn fresh_at(&self, now: Instant) -> bool {
        let lifetime = self.token.lifetime;
        let margin = Duration::from_secs(60).min(lifetime / 4);
        now.saturating_duration_since(self.fetched)
            .checked_add(margin)
            .map(|used| used < lifetime)
            .unwrap_or(false)
    }

    fn fresh(&self) -> bool {
        self.fresh_at(Instant::now())
    }
}

/// Whether an answer says the token was refused.
pub trait Unauthorized {
    fn unauthorized(&self) -> bool;
}

impl Unauthorized for Reply {
    fn unauthorized(&self) -> bool {
        self.status.as_u16() == 401
    }
}

/// The cached token of one connection. Share it (in an `Arc` or inside the client) between all
/// calls of that connection.
pub struct TokenCache {
    /// For the log lines.
    system: &'static str,
    cache: tokio::sync::Mutex<Option<Cached>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCache(***)")
    }
}

impl TokenCache {
    /// An empty cache for a connection to `system` (named in log lines).
    pub fn new(system: &'static str) -> TokenCache {
        TokenCache {
            system,
            cache: tokio::sync::Mutex::new(None),
        }
    }

    /// A token with at least a minute (or a quarter of its life) left; fetched with `fetch`
    /// when there is none. Concurrent callers wait for one fetch.
    pub async fn get<F, Fut>(&self, fetch: F) -> Result<Token>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token>>,
    {
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.as_ref().filter(|c| c.fresh()) {
            return Ok(c.token.clone());
        }
        let token = fetch().await?;
        *cache = Some(Cached {
            token: token.clone(),
            fetched: Instant::now(),
        });
        Ok(token)
    }

    /// After a 401 with `rejected`: a new token, unless another caller already replaced it.
    pub async fn renew<F, Fut>(&self, rejected: &Secret, fetch: F) -> Result<Token>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token>>,
    {
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache
            .as_ref()
            .filter(|c| c.fresh() && &c.token.secret != rejected)
        {
            return Ok(c.token.clone());
        }
        *cache = None;
        let token = fetch().await?;
        *cache = Some(Cached {
            token: token.clone(),
            fetched: Instant::now(),
        });
        Ok(token)
    }

    /// Forgets the token (a sign-out, changed credentials).
    pub async fn forget(&self) {
        *self.cache.lock().await = None;
    }

    /// Sends an authenticated request: with the cached token, and on a 401 once more with a
    /// renewed one. `fetch` gets a token, `send` sends with one; a second 401 becomes
    /// `rejected_twice(&answer)`.
    pub async fn send<R, F, FFut, S, SFut, E>(
        &self,
        fetch: F,
        send: S,
        rejected_twice: E,
    ) -> Result<R>
    where
        R: Unauthorized,
        F: Fn() -> FFut,
        FFut: Future<Output = Result<Token>>,
        S: Fn(Token) -> SFut,
        SFut: Future<Output = Result<R>>,
        E: FnOnce(&R) -> Error,
    {
        let token = self.get(&fetch).await?;
        let rejected = token.secret.clone();
        let reply = send(token).await?;
        if !reply.unauthorized() {
            return Ok(reply);
        }
        tracing::info!(system = self.system, "401: renewing the access token once");
        let token = self.renew(&rejected, &fetch).await?;
        let reply = send(token).await?;
        if reply.unauthorized() {
            return Err(rejected_twice(&reply));
        }
        Ok(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn token(s: &str, secs: u64) -> Token {
        Token::new(Secret::new(s), Duration::from_secs(secs))
    }

    /// A fetch that counts its calls and hands out `t1`, `t2`, … living `secs` seconds. It
    /// yields a few times first, so that concurrent callers get to run while it is under way.
    type Fetching<'a> = std::pin::Pin<Box<dyn Future<Output = Result<Token>> + Send + 'a>>;

    fn counting<'a>(n: &'a AtomicUsize, secs: u64) -> impl Fn() -> Fetching<'a> + 'a {
        move || {
            Box::pin(async move {
                for _ in 0..5 {
                    tokio::task::yield_now().await;
                }
                let i = n.fetch_add(1, Ordering::SeqCst) + 1;
                Ok(token(&format!("t{i}"), secs))
            })
        }
    }

    #[derive(Debug)]
    struct Answer(u16);
    impl Unauthorized for Answer {
        fn unauthorized(&self) -> bool {
            self.0 == 401
        }
    }

    #[test]
    fn a_token_is_renewed_before_it_expires() {
        let now = Instant::now();
        let cached = |secs: u64, age: u64| Cached {
            token: token("t", secs),
            fetched: now.checked_sub(Duration::from_secs(age)).unwrap_or(now),
        };
        // AFAS app token (10 min), AFAS OAuth (30 min), Bloxs (24 h), a 2 s token.
        for (lifetime, age, fresh) in [
            (600, 0, true),
            (600, 539, true),
            (600, 541, false),
            (1800, 1739, true),
            (1800, 1741, false),
            (86_400, 86_339, true),
            (86_400, 86_341, false),
            (0, 0, false),
        ] {
            let c = cached(lifetime, age);
            if now.checked_sub(Duration::from_secs(age)).is_some() {
                assert_eq!(c.fresh_at(now), fresh, "{lifetime} s token aged {age} s");
            }
        }
        let short = Cached {
            token: token("t", 2),
            fetched: now,
        };
        assert!(
            short.fresh_at(now),
            "short-lived tokens are used for three quarters of their life"
        );
    }

    #[test]
    fn vendor_expiry_times_are_read() {
        let utc = |y, mo, d, h, mi, s| Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap();
        for (text, want) in [
            // Bouwsoft ValidUntil (no seconds).
            ("2017-09-05T15:01Z", Some(utc(2017, 9, 5, 15, 1, 0))),
            // Bloxs expiration (.NET date-time).
            ("2026-11-30T13:00:00Z", Some(utc(2026, 11, 30, 13, 0, 0))),
            (
                "2026-11-30T14:00:00.1234567+01:00",
                Some(utc(2026, 11, 30, 13, 0, 0)),
            ),
            ("2026-11-30T13:00:00", Some(utc(2026, 11, 30, 13, 0, 0))),
            (" 2026-11-30T13:00:00.5 ", Some(utc(2026, 11, 30, 13, 0, 0))),
            ("", None),
            ("tomorrow", None),
        ] {
            let got = parse_expiry(text);
            match (got, want) {
                (Some(g), Some(w)) => assert_eq!(g.timestamp(), w.timestamp(), "{text}"),
                (g, w) => assert_eq!(g, w, "{text}"),
            }
        }
        let now = utc(2017, 9, 5, 14, 1, 0);
        let t = Token::until(
            Secret::new("x"),
            parse_expiry("2017-09-05T15:01Z").unwrap(),
            now,
        );
        assert_eq!(t.lifetime, Duration::from_secs(3600));
        let past = Token::until(Secret::new("x"), utc(2017, 1, 1, 0, 0, 0), now);
        assert_eq!(past.lifetime, Duration::ZERO);
    }

    #[test]
    fn a_token_carries_the_server_its_vendor_named() {
        // Bouwsoft's answer to Authorize/AccessToken.
        let t = token("btffWxfAOOzSfPDVtfzRqkGkfPtPVIfUfPkUzbjjkIAfmlDUrn", 3600)
            .with_host("Visma Bouwsoft", "Osiris.bouwsoft.be")
            .unwrap();
        assert_eq!(
            t.base_or("https://charon.bouwsoft.be"),
            "https://osiris.bouwsoft.be"
        );
        assert_eq!(
            token("x", 1).base_or("https://ra.bouwsoft.be"),
            "https://ra.bouwsoft.be"
        );
        let e = token("x", 1)
            .with_host("Visma Bouwsoft", "evil.nl/steal?x=")
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::BadResponse);
        assert!(
            !format!("{t:?}").contains("btff"),
            "the secret stays out of Debug"
        );
    }

    #[test]
    fn the_vendors_sign_in_answers_are_read() {
        let at = |t: &str| parse_expiry(t).unwrap();
        let ten_min = Duration::from_secs(600);
        // (system, answer, now, lifetime, base, refresh token)
        for (system, body, now, lifetime, base, refresh) in [
            (
                "AFAS SB",
                r#"{"access_token":"eyJhbGciOi","token_type":"bearer","expires_in":1800,"refresh_token":"r1"}"#,
                "2026-11-30T12:00:00Z",
                1800,
                None,
                Some("r1"),
            ),
            (
                "AFAS SB",
                r#"{"access_token":"eyJ","expires_in":"600"}"#,
                "2026-11-30T12:00:00Z",
                600,
                None,
                None,
            ),
            (
                "Bloxs",
                r#"{"token":"bx-token","expiration":"2026-12-01T12:00:00Z"}"#,
                "2026-11-30T12:00:00Z",
                86_400,
                None,
                None,
            ),
            (
                "Visma Bouwsoft",
                r#"{"AccessToken":"btffWxfAOOzSfPDVtfzRqkGkfPtPVIfUfPkUzbjjkIAfmlDUrn","ServerIP":"95.138.166.117",
                   "ServerName":"Osiris.bouwsoft.be","Layout":"B","ValidUntil":"2017-09-05T15:01Z"}"#,
                "2017-09-05T14:01:00Z",
                3600,
                Some("https://osiris.bouwsoft.be"),
                None,
            ),
            (
                "Visma Bouwsoft",
                r#"{"ClientNr":1234,"RefreshToken":"rt-5678","AccessToken":"at","ServerName":"ra.bouwsoft.be","ValidUntil":"2017-09-05T15:01Z"}"#,
                "2017-09-05T15:31:00Z",
                0,
                Some("https://ra.bouwsoft.be"),
                Some("rt-5678"),
            ),
            (
                "Mollie",
                r#"{"token":"x"}"#,
                "2026-11-30T12:00:00Z",
                600,
                None,
                None,
            ),
        ] {
            let a = read_answer(system, body.as_bytes(), at(now), ten_min)
                .unwrap_or_else(|e| panic!("{system}: {e:?}"));
            assert_eq!(a.token.lifetime, Duration::from_secs(lifetime), "{body}");
            assert_eq!(a.token.base.as_deref(), base, "{body}");
            assert_eq!(
                a.refresh_token.as_ref().map(Secret::expose),
                refresh,
                "{body}"
            );
            assert!(!a.token.secret.is_empty());
        }
    }

    #[test]
    fn unusable_sign_in_answers_are_bad_responses_without_the_body() {
        let now = parse_expiry("2026-11-30T12:00:00Z").unwrap();
        for body in [
            "",
            "<html>login</html>",
            "[]",
            r#"{"expiration":"2026-12-01T12:00:00Z"}"#,
            r#"{"token":"  ","expiration":"2026-12-01T12:00:00Z"}"#,
            r#"{"token":"secret-1","expiration":"morgen"}"#,
            r#"{"access_token":"secret-2","expires_in":-5}"#,
            r#"{"AccessToken":"secret-3","ServerName":"evil.nl/x?y"}"#,
        ] {
            let e =
                read_answer("Bloxs", body.as_bytes(), now, Duration::from_secs(60)).unwrap_err();
            assert_eq!(e.code, ErrorCode::BadResponse, "{body}");
            let shown = format!("{e:?}");
            assert!(!shown.contains("secret-"), "{shown}");
        }
    }

    #[test]
    fn reading_any_sign_in_answer_never_panics() {
        use proptest::prelude::*;
        let now = parse_expiry("2026-11-30T12:00:00Z").unwrap();
        let bodies = prop_oneof![
            any::<Vec<u8>>(),
            "\\{\"(token|AccessToken|access_token)\":\"[a-z]{0,4}\",\"(expires_in|expiration|ValidUntil|ServerName)\":(\"[^\"]{0,24}\"|-?[0-9]{1,22}(\\.[0-9])?)\\}"
                .prop_map(String::into_bytes),
        ];
        crate::props::run("kit::token::read_answer", bodies, |body| {
            let _ = read_answer("Bloxs", &body, now, Duration::from_secs(60));
            Ok(())
        });
    }

    #[tokio::test]
    async fn a_fresh_token_is_reused_and_an_expired_one_renewed() {
        let n = AtomicUsize::new(0);
        let cache = TokenCache::new("test");
        let a = cache.get(counting(&n, 3600)).await.unwrap();
        let b = cache.get(counting(&n, 3600)).await.unwrap();
        assert_eq!((a.secret.expose(), b.secret.expose()), ("t1", "t1"));
        assert_eq!(n.load(Ordering::SeqCst), 1);

        let n = AtomicUsize::new(0);
        let cache = TokenCache::new("test");
        cache.get(counting(&n, 0)).await.unwrap();
        let b = cache.get(counting(&n, 0)).await.unwrap();
        assert_eq!(
            b.secret.expose(),
            "t2",
            "a token at the end of its life is renewed"
        );
        assert_eq!(n.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn concurrent_callers_wait_for_one_fetch() {
        let n = AtomicUsize::new(0);
        let cache = TokenCache::new("test");
        let f = counting(&n, 3600);
        let (a, b, c, d) = tokio::join!(cache.get(&f), cache.get(&f), cache.get(&f), cache.get(&f));
        for t in [a, b, c, d] {
            assert_eq!(t.unwrap().secret.expose(), "t1");
        }
        assert_eq!(n.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn concurrent_401s_on_one_token_lead_to_one_renewal() {
        let (n, cache) = (AtomicUsize::new(0), TokenCache::new("test"));
        let first = cache.get(counting(&n, 3600)).await.unwrap().secret;
        let f = counting(&n, 3600);
        let (a, b, c) = tokio::join!(
            cache.renew(&first, &f),
            cache.renew(&first, &f),
            cache.renew(&first, &f)
        );
        for t in [a, b, c] {
            assert_eq!(t.unwrap().secret.expose(), "t2");
        }
        assert_eq!(n.load(Ordering::SeqCst), 2, "one fetch, one renewal");
    }

    #[tokio::test]
    async fn a_401_leads_to_exactly_one_renewal_and_one_retry() {
        // (answers the server gives in turn, fetches, sends, outcome)
        for (answers, fetches, sends, ok) in [
            (vec![200], 1, 1, Some(200)),
            (vec![401, 201], 2, 2, Some(201)),
            (vec![401, 401, 200], 2, 2, None),
            (vec![403], 1, 1, Some(403)),
        ] {
            let n = AtomicUsize::new(0);
            let sent = AtomicUsize::new(0);
            let tokens_used = std::sync::Mutex::new(Vec::new());
            let cache = TokenCache::new("test");
            let got = cache
                .send(
                    counting(&n, 3600),
                    |t: Token| {
                        let i = sent.fetch_add(1, Ordering::SeqCst);
                        tokens_used
                            .lock()
                            .unwrap()
                            .push(t.secret.expose().to_string());
                        let status = answers[i.min(answers.len() - 1)];
                        async move { Ok(Answer(status)) }
                    },
                    |a: &Answer| {
                        Error::new(ErrorCode::AuthFailed, "twee keer", "twice")
                            .with_detail(a.0.to_string())
                    },
                )
                .await;
            assert_eq!(n.load(Ordering::SeqCst), fetches, "{answers:?}");
            assert_eq!(sent.load(Ordering::SeqCst), sends, "{answers:?}");
            match ok {
                Some(s) => assert_eq!(got.unwrap().0, s),
                None => assert_eq!(got.unwrap_err().code, ErrorCode::AuthFailed),
            }
            let used = tokens_used.lock().unwrap().clone();
            if sends == 2 {
                assert_eq!(used, ["t1", "t2"], "the retry carries the new token");
            }
        }
    }

    #[tokio::test]
    async fn a_failed_fetch_is_not_cached() {
        let n = AtomicUsize::new(0);
        let cache = TokenCache::new("test");
        let e = cache
            .get(|| async {
                n.fetch_add(1, Ordering::SeqCst);
                Err::<Token, _>(Error::new(ErrorCode::AuthFailed, "nee", "no"))
            })
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::AuthFailed);
        let t = cache.get(counting(&n, 60)).await.unwrap();
        assert_eq!(t.secret.expose(), "t2");
    }
}
