//! Client-side throttling for back ends with a request budget per account.
//!
//! A [`RateLimiter`] lets a request go only when it keeps every configured limit:
//!
//! - a least time between two requests ([`RateLimits::min_interval`]), and
//! - sliding windows: at most `max` requests in any period of `length`
//!   ([`RateLimits::windows`]), counted over the moments the limiter let requests go.
//!
//! Waiters are served first come, first served (a fair async mutex is held while waiting), so
//! a background sync and a submit that share a limiter take turns and neither starves.
//!
//! After the back end said that the limit was reached anyway (another program on the same
//! account, an hourly plan quota), [`RateLimiter::back_off`] holds every request of the account
//! for a while.
//!
//! The process-wide [`shared`] registry hands every client of the same account (host and
//! user) the same limiter, so the app as a whole stays within the budget, however many
//! connections, syncs and submits run at once.
//!
//! Silvasoft allows 2 requests per second and 50 per minute ([`RateLimits::silvasoft`]). We
//! keep a margin on both:
//!
//! | limit | Silvasoft | here |
//! |---|---|---|
//! | between two requests | 500 ms (2/s) | 600 ms |
//! | any 1 s | 2 | 2 |
//! | any 60 s | 50 | 48 |
//!
//! The margins absorb the jitter between the moment a request is let go here and the moment
//! it arrives at Silvasoft: three requests are at least 1.2 s apart here, so they arrive within
//! one second only when one of them is delayed by more than 200 ms against the other; the two
//! requests of margin per minute do the same for the long window. A longer sync is paced by
//! the minute window anyway (48 requests per minute, one per 1.25 s on average), so the wider
//! interval costs nothing there.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::time::Instant;

/// At most `max` requests in any period of `length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub length: Duration,
    pub max: usize,
}

/// The limits one limiter keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// Least time between two requests.
    pub min_interval: Duration,
    /// Sliding windows; a window with `max == 0` is ignored.
    pub windows: Vec<Window>,
    /// How long every request of the account waits after the back end reported that the
    /// limit was reached (see [`RateLimiter::back_off`]).
    pub cooldown: Duration,
}

impl RateLimits {
    /// Silvasoft: ≥ 600 ms between requests, ≤ 2 in any second, ≤ 48 in any 60 s; a minute of
    /// rest after a "Ratelimit exceeded".
    pub fn silvasoft() -> RateLimits {
        RateLimits {
            min_interval: Duration::from_millis(600),
            windows: vec![
                Window {
                    length: Duration::from_secs(1),
                    max: 2,
                },
                Window {
                    length: Duration::from_secs(60),
                    max: 48,
                },
            ],
            cooldown: Duration::from_secs(60),
        }
    }

    /// No limits at all (tests that provoke the back end's own limit).
    pub fn unlimited() -> RateLimits {
        RateLimits {
            min_interval: Duration::ZERO,
            windows: Vec::new(),
            cooldown: Duration::ZERO,
        }
    }

    /// How many past requests the limiter must remember.
    fn memory(&self) -> usize {
        self.windows.iter().map(|w| w.max).max().unwrap_or(0).max(1)
    }

    /// The earliest moment from `now` at which one more request keeps every limit, given the
    /// moments of the earlier ones (oldest first).
    fn earliest(&self, sent: &VecDeque<Instant>, now: Instant) -> Instant {
        let mut at = now;
        if let Some(last) = sent.back() {
            at = at.max(*last + self.min_interval);
        }
        for w in &self.windows {
            if w.max > 0 && sent.len() >= w.max {
                // The max-th most recent request must have left the window.
                at = at.max(sent[sent.len() - w.max] + w.length);
            }
        }
        at
    }
}

/// An async limiter over sliding windows. See the module documentation.
pub struct RateLimiter {
    limits: Mutex<RateLimits>,
    /// When the last requests were let go, oldest first. Held while a caller waits for its
    /// turn: tokio's mutex queues waiters in order.
    sent: tokio::sync::Mutex<VecDeque<Instant>>,
    /// No request before this moment (after the back end said "too many").
    not_before: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limits", &self.limits())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> RateLimiter {
        RateLimiter {
            limits: Mutex::new(limits),
            sent: tokio::sync::Mutex::new(VecDeque::new()),
            not_before: Mutex::new(None),
        }
    }

    pub fn limits(&self) -> RateLimits {
        lock(&self.limits).clone()
    }

    /// Replaces the limits; waiters follow the new ones from their next check.
    pub fn set_limits(&self, limits: RateLimits) {
        *lock(&self.limits) = limits;
    }

    /// Waits until one more request keeps every limit, records it and returns the moment it
    /// was let go. Call it right before sending. Dropping the future gives up the turn
    /// without using a slot.
    pub async fn acquire(&self) -> Instant {
        let mut sent = self.sent.lock().await;
        loop {
            let limits = self.limits();
            let now = Instant::now();
            let mut at = limits.earliest(&sent, now);
            if let Some(nb) = *lock(&self.not_before) {
                at = at.max(nb);
            }
            if at <= now {
                sent.push_back(now);
                let keep = limits.memory();
                while sent.len() > keep {
                    sent.pop_front();
                }
                return now;
            }
            tokio::time::sleep_until(at).await;
        }
    }

    /// Holds every request for `wait` from now (the back end said the limit was reached).
    pub fn back_off(&self, wait: Duration) {
        if wait.is_zero() {
            return;
        }
        let until = Instant::now() + wait;
        let mut nb = lock(&self.not_before);
        *nb = Some(nb.map_or(until, |t| t.max(until)));
    }

    /// Holds every request for the configured cooldown.
    pub fn cool_down(&self) {
        self.back_off(self.limits().cooldown);
    }
}

type Registry = Mutex<HashMap<String, Arc<RateLimiter>>>;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The key of an account: the system, the host with its port, and the user name (case does
/// not matter for either).
pub fn account_key(system: &str, host: &str, user: &str) -> String {
    format!(
        "{}|{}|{}",
        system.to_ascii_lowercase(),
        host.trim().to_ascii_lowercase(),
        user.trim().to_lowercase()
    )
}

/// The one limiter of an account in this process, created with `limits` on first use. Later
/// callers get the same limiter with the limits it has (see [`RateLimiter::set_limits`] to
/// change them for every client of the account).
pub fn shared(key: &str, limits: RateLimits) -> Arc<RateLimiter> {
    let mut map = lock(registry());
    map.entry(key.to_string())
        .or_insert_with(|| Arc::new(RateLimiter::new(limits)))
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(min_ms: u64, windows: &[(u64, usize)]) -> RateLimits {
        RateLimits {
            min_interval: Duration::from_millis(min_ms),
            windows: windows
                .iter()
                .map(|(ms, max)| Window {
                    length: Duration::from_millis(*ms),
                    max: *max,
                })
                .collect(),
            cooldown: Duration::ZERO,
        }
    }

    /// The largest number of moments in any half-open window `[t, t + length)`.
    fn max_in_window(times: &[Instant], length: Duration) -> usize {
        let mut sorted = times.to_vec();
        sorted.sort();
        (0..sorted.len())
            .map(|i| {
                sorted[i..]
                    .iter()
                    .take_while(|t| **t < sorted[i] + length)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn silvasoft_limits_keep_a_margin() {
        let l = RateLimits::silvasoft();
        assert!(l.min_interval > Duration::from_millis(500));
        assert!(l
            .windows
            .iter()
            .any(|w| w.length == Duration::from_secs(1) && w.max <= 2));
        assert!(l
            .windows
            .iter()
            .any(|w| w.length >= Duration::from_secs(60) && w.max < 50));
    }

    #[test]
    fn earliest_respects_interval_and_windows() {
        let l = limits(100, &[(1000, 3)]);
        let t0 = Instant::now();
        let mut sent = VecDeque::new();
        assert_eq!(l.earliest(&sent, t0), t0);
        sent.push_back(t0);
        assert_eq!(l.earliest(&sent, t0), t0 + Duration::from_millis(100));
        sent.push_back(t0 + Duration::from_millis(100));
        sent.push_back(t0 + Duration::from_millis(200));
        // Three in the window: the fourth waits until the first has left it.
        assert_eq!(
            l.earliest(&sent, t0 + Duration::from_millis(300)),
            t0 + Duration::from_millis(1000)
        );
    }

    #[tokio::test]
    async fn both_windows_hold_under_concurrency() {
        // Scaled down: ≥ 30 ms apart, ≤ 2 in any 100 ms, ≤ 4 in any 400 ms.
        let limiter = Arc::new(RateLimiter::new(limits(30, &[(100, 2), (400, 4)])));
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let l = limiter.clone();
                tokio::spawn(async move { l.acquire().await })
            })
            .collect();
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap());
        }
        times.sort();
        for pair in times.windows(2) {
            assert!(pair[1] - pair[0] >= Duration::from_millis(30));
        }
        assert!(max_in_window(&times, Duration::from_millis(100)) <= 2);
        assert!(max_in_window(&times, Duration::from_millis(400)) <= 4);
        // Ten requests at four per 400 ms take at least two full windows.
        assert!(times[9] - times[0] >= Duration::from_millis(800));
    }

    #[tokio::test]
    async fn back_off_holds_everyone() {
        let limiter = RateLimiter::new(limits(0, &[]));
        let first = limiter.acquire().await;
        limiter.back_off(Duration::from_millis(150));
        let second = limiter.acquire().await;
        assert!(second - first >= Duration::from_millis(150));
        // A shorter back-off does not shorten a longer one.
        limiter.back_off(Duration::from_millis(200));
        limiter.back_off(Duration::from_millis(10));
        let third = limiter.acquire().await;
        assert!(third - second >= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn a_dropped_waiter_uses_no_slot() {
        let limiter = Arc::new(RateLimiter::new(limits(200, &[])));
        let first = limiter.acquire().await;
        let l = limiter.clone();
        let waiter = tokio::spawn(async move { l.acquire().await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        waiter.abort();
        let _ = waiter.await;
        assert_eq!(limiter.sent.lock().await.len(), 1, "no slot taken");
        let second = limiter.acquire().await;
        assert!(second - first >= Duration::from_millis(200));
    }

    #[test]
    fn registry_shares_per_account() {
        let a = shared(
            &account_key("silvasoft", "rest-api.example:443", "Demo@Example.nl"),
            RateLimits::silvasoft(),
        );
        let b = shared(
            &account_key("silvasoft", "REST-API.example:443", "demo@example.nl"),
            RateLimits::unlimited(),
        );
        let c = shared(
            &account_key("silvasoft", "rest-api.example:443", "other@example.nl"),
            RateLimits::silvasoft(),
        );
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        // The first configuration stays.
        assert_eq!(b.limits(), RateLimits::silvasoft());
    }
}
