//! Fault injection, the same for every stand-in.
//!
//! A system owns one [`Faults`] and mounts [`layer`] in front of its routes. Settings are
//! changed through the system's hook (`POST /__sandbox/<system>/faults`) with a JSON object of
//! which every member is optional and only the given members change:
//!
//! ```json
//! {
//!   "fail_next": 2,            // the next N matching requests are answered with `status`, unprocessed
//!   "status": 500,             // status for fail_next and failure_rate (default 500); 429 adds Retry-After
//!   "retry_after_secs": 1,     // Retry-After value for 429/503 (default 1)
//!   "failure_rate": 0.2,       // every matching request fails with this probability (seeded RNG)
//!   "delay_ms": 300,           // added latency on every matching request
//!   "malformed_next": 1,       // the next N matching requests are processed, but the body is cut in half
//!   "timeout_next": 1,         // the next N matching requests hang for timeout_ms, then get 504, unprocessed
//!   "timeout_ms": 120000,      // default 120000: longer than any sane client timeout
//!   "drop_after_store": 1,     // the next N create requests are processed and stored, then the connection is cut
//!   "fail_after_store": 1,     // the next N create requests are processed and stored, then answered
//!   "after_store_status": 502, //   with this status (500, 502 or 504; default 502) and the stand-in's
//!                              //   error body, as a gateway or a server failing after its commit does
//!   "work_delay_ms": 500,      // create requests take this long inside their processing (a client that
//!                              // gives up meanwhile still gets its invoice stored)
//!   "method": "POST",          // only requests with this method match (null: all)
//!   "path_contains": "salesinvoice" // only paths containing this (case-insensitive) match (null: all)
//! }
//! ```
//!
//! `GET` answers the current settings, `DELETE` resets them. `drop_after_store`,
//! `fail_after_store` and `work_delay_ms` are applied by the stand-in's create handlers (via
//! [`Faults::take_drop_after_store`], [`Faults::take_fail_after_store`] and
//! [`Faults::work_delay`]), whatever the filter, and only to a request that was stored.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::kit::server::Shutdown;

/// The current fault settings.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FaultSettings {
    pub fail_next: u32,
    pub status: u16,
    pub retry_after_secs: u64,
    pub failure_rate: f64,
    pub delay_ms: u64,
    pub malformed_next: u32,
    pub timeout_next: u32,
    pub timeout_ms: u64,
    pub drop_after_store: u32,
    pub fail_after_store: u32,
    pub after_store_status: u16,
    pub work_delay_ms: u64,
    pub method: Option<String>,
    pub path_contains: Option<String>,
}

impl Default for FaultSettings {
    fn default() -> Self {
        FaultSettings {
            fail_next: 0,
            status: 500,
            retry_after_secs: 1,
            failure_rate: 0.0,
            delay_ms: 0,
            malformed_next: 0,
            timeout_next: 0,
            timeout_ms: 120_000,
            drop_after_store: 0,
            fail_after_store: 0,
            after_store_status: 502,
            work_delay_ms: 0,
            method: None,
            path_contains: None,
        }
    }
}

/// A change to the settings; absent members stay as they are. `method` and `path_contains`
/// are cleared with an empty string.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPatch {
    pub fail_next: Option<u32>,
    pub status: Option<u16>,
    pub retry_after_secs: Option<u64>,
    pub failure_rate: Option<f64>,
    pub delay_ms: Option<u64>,
    pub malformed_next: Option<u32>,
    pub timeout_next: Option<u32>,
    pub timeout_ms: Option<u64>,
    pub drop_after_store: Option<u32>,
    pub fail_after_store: Option<u32>,
    pub after_store_status: Option<u16>,
    pub work_delay_ms: Option<u64>,
    pub method: Option<String>,
    pub path_contains: Option<String>,
}

/// What to do with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Process it (after `delay`); cut the body in half if `malformed`.
    Proceed { delay: Duration, malformed: bool },
    /// Answer `status` without processing it.
    Fail {
        delay: Duration,
        status: StatusCode,
        retry_after_secs: u64,
    },
    /// Hang for `hang`, then answer 504 without processing it.
    Timeout { delay: Duration, hang: Duration },
}

pub struct Faults {
    state: Mutex<(FaultSettings, StdRng)>,
    seed: u64,
}

impl Faults {
    pub fn new(seed: u64) -> Self {
        Faults {
            state: Mutex::new((FaultSettings::default(), StdRng::seed_from_u64(seed))),
            seed,
        }
    }

    pub fn settings(&self) -> FaultSettings {
        self.lock().0.clone()
    }

    pub fn reset(&self) {
        *self.lock() = (FaultSettings::default(), StdRng::seed_from_u64(self.seed));
    }

    /// Applies a patch; a `status` outside 100..=599 or a rate outside 0..=1 is refused.
    pub fn apply(&self, p: FaultPatch) -> Result<FaultSettings, String> {
        if let Some(s) = p.status {
            if StatusCode::from_u16(s).is_err() || !(100..=599).contains(&s) {
                return Err(format!("status {s} is not an HTTP status"));
            }
        }
        if let Some(s) = p.after_store_status {
            if !matches!(s, 500 | 502 | 504) {
                return Err(format!("after_store_status {s} is not 500, 502 or 504"));
            }
        }
        if let Some(r) = p.failure_rate {
            if !(0.0..=1.0).contains(&r) {
                return Err(format!("failure_rate {r} is not within 0..=1"));
            }
        }
        let mut g = self.lock();
        let s = &mut g.0;
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = p.$f { s.$f = v; } )* };
        }
        set!(
            fail_next,
            status,
            retry_after_secs,
            failure_rate,
            delay_ms,
            malformed_next,
            timeout_next,
            timeout_ms,
            drop_after_store,
            fail_after_store,
            after_store_status,
            work_delay_ms
        );
        if let Some(m) = p.method {
            s.method = (!m.is_empty()).then(|| m.to_ascii_uppercase());
        }
        if let Some(pc) = p.path_contains {
            s.path_contains = (!pc.is_empty()).then(|| pc.to_ascii_lowercase());
        }
        Ok(s.clone())
    }

    /// Takes one "drop the connection after storing" token, if any is left.
    pub fn take_drop_after_store(&self) -> bool {
        let mut g = self.lock();
        if g.0.drop_after_store > 0 {
            g.0.drop_after_store -= 1;
            true
        } else {
            false
        }
    }

    /// Takes one "store, then answer a failure" token, if any is left: the status to answer
    /// instead of the stored invoice's success.
    pub fn take_fail_after_store(&self) -> Option<StatusCode> {
        let mut g = self.lock();
        if g.0.fail_after_store > 0 {
            g.0.fail_after_store -= 1;
            Some(StatusCode::from_u16(g.0.after_store_status).unwrap_or(StatusCode::BAD_GATEWAY))
        } else {
            None
        }
    }

    /// The time a create request spends inside its processing.
    pub fn work_delay(&self) -> Duration {
        Duration::from_millis(self.lock().0.work_delay_ms)
    }

    pub fn decide(&self, method: &str, path: &str) -> Decision {
        let mut g = self.lock();
        let (s, rng) = &mut *g;
        let matches = s
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && s.path_contains
                .as_deref()
                .is_none_or(|pc| path.to_ascii_lowercase().contains(pc));
        if !matches {
            return Decision::Proceed {
                delay: Duration::ZERO,
                malformed: false,
            };
        }
        let delay = Duration::from_millis(s.delay_ms);
        let status = StatusCode::from_u16(s.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if s.timeout_next > 0 {
            s.timeout_next -= 1;
            return Decision::Timeout {
                delay,
                hang: Duration::from_millis(s.timeout_ms),
            };
        }
        if s.fail_next > 0 {
            s.fail_next -= 1;
            return Decision::Fail {
                delay,
                status,
                retry_after_secs: s.retry_after_secs,
            };
        }
        if s.failure_rate > 0.0 && rng.gen::<f64>() < s.failure_rate {
            return Decision::Fail {
                delay,
                status,
                retry_after_secs: s.retry_after_secs,
            };
        }
        let malformed = if s.malformed_next > 0 {
            s.malformed_next -= 1;
            true
        } else {
            false
        };
        Decision::Proceed { delay, malformed }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (FaultSettings, StdRng)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Renders a stand-in's own error body for an injected failure status.
/// A system's own "the next N requests ..." fault (Silvasoft's `rate_limit_next`): set through
/// the faults hook (see [`crate::kit::hooks::StandIn::counters`]), taken one request at a time.
#[derive(Debug, Default)]
pub struct Counter(AtomicU32);

impl Counter {
    /// Takes one, if any is left.
    pub fn take(&self) -> bool {
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    pub fn get(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }

    pub fn set(&self, n: u32) {
        self.0.store(n, Ordering::SeqCst);
    }
}

/// Puts the fault layer in front of a stand-in's routes; `render` answers an injected
/// failure in the vendor's error format.
pub fn mount<T: Clone + Send + Sync + 'static>(
    routes: Router<T>,
    faults: &Arc<Faults>,
    render: ErrorRenderer,
    shutdown: &Shutdown,
) -> Router<T> {
    routes.layer(axum::middleware::from_fn_with_state(
        FaultLayer {
            faults: faults.clone(),
            render,
            shutdown: shutdown.clone(),
        },
        layer,
    ))
}

/// Waits the `work_delay_ms` fault, if any, inside a create handler (cut short when the
/// sandbox stops).
pub async fn work_delay(faults: &Faults, shutdown: &Shutdown) {
    let d = faults.work_delay();
    if !d.is_zero() {
        shutdown.sleep(d).await;
    }
}

pub type ErrorRenderer = fn(StatusCode) -> Response;

#[derive(Clone)]
pub struct FaultLayer {
    pub faults: Arc<Faults>,
    pub render: ErrorRenderer,
    pub shutdown: Shutdown,
}

/// Middleware applying [`Faults::decide`] to every request of one stand-in.
pub async fn layer(State(fl): State<FaultLayer>, req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map(|o| o.0.path().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let decision = fl.faults.decide(req.method().as_str(), &path);
    let delay = match &decision {
        Decision::Proceed { delay, .. }
        | Decision::Fail { delay, .. }
        | Decision::Timeout { delay, .. } => *delay,
    };
    if !delay.is_zero() {
        fl.shutdown.sleep(delay).await;
    }
    match decision {
        Decision::Fail {
            status,
            retry_after_secs,
            ..
        } => {
            let mut resp = (fl.render)(status);
            if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE
            {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            resp
        }
        Decision::Timeout { hang, .. } => {
            fl.shutdown.sleep(hang).await;
            (fl.render)(StatusCode::GATEWAY_TIMEOUT)
        }
        Decision::Proceed { malformed, .. } => {
            let resp = next.run(req).await;
            if malformed {
                malform(resp).await
            } else {
                resp
            }
        }
    }
}

/// Keeps status and headers, cuts the body in half (an empty body becomes `{`).
pub async fn malform(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = if bytes.is_empty() {
        bytes::Bytes::from_static(b"{")
    } else {
        bytes.slice(..bytes.len() / 2)
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_next_counts_down_and_filters() {
        let f = Faults::new(7);
        f.apply(FaultPatch {
            fail_next: Some(1),
            status: Some(429),
            method: Some("post".into()),
            ..Default::default()
        })
        .unwrap();
        assert!(matches!(
            f.decide("GET", "/demo/api/persons"),
            Decision::Proceed { .. }
        ));
        assert!(matches!(
            f.decide("POST", "/demo/api/salesinvoice"),
            Decision::Fail { status, .. } if status == StatusCode::TOO_MANY_REQUESTS
        ));
        assert!(matches!(
            f.decide("POST", "/demo/api/salesinvoice"),
            Decision::Proceed { .. }
        ));
    }

    #[test]
    fn a_failure_after_store_counts_down_and_takes_only_gateway_like_statuses() {
        let f = Faults::new(1);
        assert_eq!(f.take_fail_after_store(), None);
        f.apply(FaultPatch {
            fail_after_store: Some(2),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(f.take_fail_after_store(), Some(StatusCode::BAD_GATEWAY));
        f.apply(FaultPatch {
            after_store_status: Some(504),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(f.take_fail_after_store(), Some(StatusCode::GATEWAY_TIMEOUT));
        assert_eq!(f.take_fail_after_store(), None);
        assert!(f
            .apply(FaultPatch {
                after_store_status: Some(429),
                ..Default::default()
            })
            .is_err());
        // Requests themselves are not failed by it: only a create that stored is.
        f.apply(FaultPatch {
            fail_after_store: Some(1),
            ..Default::default()
        })
        .unwrap();
        assert!(matches!(
            f.decide("POST", "/demo/api/salesinvoice"),
            Decision::Proceed { .. }
        ));
    }

    #[test]
    fn failure_rate_is_seeded() {
        let run = || {
            let f = Faults::new(42);
            f.apply(FaultPatch {
                failure_rate: Some(0.5),
                ..Default::default()
            })
            .unwrap();
            (0..64)
                .map(|_| matches!(f.decide("GET", "/x"), Decision::Fail { .. }))
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        assert!(a.iter().any(|x| *x) && a.iter().any(|x| !*x));
    }
}
