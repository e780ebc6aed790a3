//! Client-side throttling for back ends with a request budget per account.
//!
//! A [`RateLimiter`] lets a request go only when it keeps every configured limit:
//!
//! - a least time between two requests ([`RateLimits::min_interval`]), and
//! - sliding windows: at most `max` requests in any period of `length`
//!   ([`RateLimits::windows`]), counted over the moments the limiter let requests go.
//!
//! Requests come in two kinds ([`Priority`]): what a clerk waits for (a submit, a look-up, a
//! connection test) and background work (syncing the look-up lists). Background requests stop
//! short of a window's `reserve`, so a long sync never uses the whole budget and a clerk's
//! submit goes out within a second or two instead of waiting for the window to roll on. A
//! waiting interactive request also overtakes a waiting background one.
//!
//! After the back end said that the limit was reached anyway (another program on the same
//! account, an hourly plan quota), [`RateLimiter::back_off`] holds every request of the account
//! for a while; [`RateLimiter::cooling_down`] tells callers that would rather give up at once.
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
//! | any 60 s | 50 | 48, of which background syncs use at most 40 |
//!
//! The margins absorb the jitter between the moment a request is let go here and the moment
//! it arrives at Silvasoft: three requests are at least 1.2 s apart here, so they arrive within
//! one second only when one of them is delayed by more than 200 ms against the other; the two
//! requests of margin per minute do the same for the long window. A longer sync is paced by
//! the minute window anyway (40 requests per minute, one per 1.5 s on average), so the wider
//! interval costs nothing there.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::time::Instant;

/// At most `max` requests in any period of `length`; background requests at most
/// `max - reserve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub length: Duration,
    pub max: usize,
    /// Slots of `max` kept for interactive requests.
    pub reserve: usize,
}

/// Who is waiting for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priority {
    /// A clerk waits for the answer: submit, look-up, connection test.
    Interactive,
    /// Nobody waits: syncing the look-up lists.
    Background,
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
    /// Silvasoft: ≥ 600 ms between requests, ≤ 2 in any second, ≤ 48 in any 60 s (background
    /// ≤ 40); a minute of rest after a "Ratelimit exceeded".
    pub fn silvasoft() -> RateLimits {
        RateLimits {
            min_interval: Duration::from_millis(600),
            windows: vec![
                Window {
                    length: Duration::from_secs(1),
                    max: 2,
                    reserve: 0,
                },
                Window {
                    length: Duration::from_secs(60),
                    max: 48,
                    reserve: 8,
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

    /// The earliest moment from `now` at which one more request of `priority` keeps every
    /// limit, given the moments of the earlier ones (oldest first).
    fn earliest(&self, sent: &VecDeque<Instant>, now: Instant, priority: Priority) -> Instant {
        let mut at = now;
        if let Some(last) = sent.back() {
            at = at.max(*last + self.min_interval);
        }
        for w in &self.windows {
            if w.max == 0 {
                continue;
            }
            let max = match priority {
                Priority::Interactive => w.max,
                Priority::Background => w.max.saturating_sub(w.reserve).max(1),
            };
            if sent.len() >= max {
                // The max-th most recent request must have left the window.
                at = at.max(sent[sent.len() - max] + w.length);
            }
        }
        at
    }
}

/// An async limiter over sliding windows. See the module documentation.
pub struct RateLimiter {
    limits: Mutex<RateLimits>,
    /// When the last requests were let go, oldest first.
    sent: Mutex<VecDeque<Instant>>,
    /// No request before this moment (after the back end said "too many").
    not_before: Mutex<Option<Instant>>,
    /// Interactive requests waiting; background ones let them go first.
    interactive_waiting: Mutex<usize>,
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

/// Counts a waiting interactive request for as long as it lives.
struct Waiting<'a>(&'a Mutex<usize>);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut n = lock(self.0);
        *n = n.saturating_sub(1);
    }
}

/// How long a waiter sleeps at most before it looks again (another waiter may have taken or
/// left a slot meanwhile).
const RECHECK: Duration = Duration::from_millis(250);

impl RateLimiter {
    pub fn new(limits: RateLimits) -> RateLimiter {
        RateLimiter {
            limits: Mutex::new(limits),
            sent: Mutex::new(VecDeque::new()),
            not_before: Mutex::new(None),
            interactive_waiting: Mutex::new(0),
        }
    }

    pub fn limits(&self) -> RateLimits {
        lock(&self.limits).clone()
    }

    /// Replaces the limits; waiters follow the new ones from their next check.
    pub fn set_limits(&self, limits: RateLimits) {
        *lock(&self.limits) = limits;
    }

    /// [`RateLimiter::acquire_as`] for an interactive request.
    pub async fn acquire(&self) -> Instant {
        self.acquire_as(Priority::Interactive).await
    }

    /// Waits until one more request of `priority` keeps every limit, records it and returns
    /// the moment it was let go. Call it right before sending. Dropping the future gives up
    /// the turn without using a slot.
    pub async fn acquire_as(&self, priority: Priority) -> Instant {
        let _waiting = (priority == Priority::Interactive).then(|| {
            *lock(&self.interactive_waiting) += 1;
            Waiting(&self.interactive_waiting)
        });
        loop {
            let at = {
                let limits = self.limits();
                let mut sent = lock(&self.sent);
                let now = Instant::now();
                let mut at = limits.earliest(&sent, now, priority);
                if let Some(nb) = *lock(&self.not_before) {
                    at = at.max(nb);
                }
                let yield_to_interactive =
                    priority == Priority::Background && *lock(&self.interactive_waiting) > 0;
                if at <= now && !yield_to_interactive {
                    sent.push_back(now);
                    let keep = limits.memory();
                    while sent.len() > keep {
                        sent.pop_front();
                    }
                    return now;
                }
                at.max(now + Duration::from_millis(1))
            };
            tokio::time::sleep_until(at.min(Instant::now() + RECHECK)).await;
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

    /// How long requests are still held after [`RateLimiter::back_off`], if they are.
    pub fn cooling_down(&self) -> Option<Duration> {
        let nb = (*lock(&self.not_before))?;
        let now = Instant::now();
        (nb > now).then(|| nb - now)
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
                    reserve: 0,
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
        let i = Priority::Interactive;
        assert_eq!(l.earliest(&sent, t0, i), t0);
        sent.push_back(t0);
        assert_eq!(l.earliest(&sent, t0, i), t0 + Duration::from_millis(100));
        sent.push_back(t0 + Duration::from_millis(100));
        sent.push_back(t0 + Duration::from_millis(200));
        // Three in the window: the fourth waits until the first has left it.
        assert_eq!(
            l.earliest(&sent, t0 + Duration::from_millis(300), i),
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
        assert_eq!(lock(&limiter.sent).len(), 1, "no slot taken");
        let second = limiter.acquire().await;
        assert!(second - first >= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn background_work_leaves_the_reserve_to_interactive_requests() {
        // 5 per 300 ms, 2 of them kept for interactive requests.
        let mut l = limits(0, &[]);
        l.windows.push(Window {
            length: Duration::from_millis(300),
            max: 5,
            reserve: 2,
        });
        let limiter = RateLimiter::new(l);
        let t0 = Instant::now();
        for _ in 0..3 {
            limiter.acquire_as(Priority::Background).await;
        }
        // The window holds 3: background waits, interactive goes at once, twice.
        let i1 = limiter.acquire_as(Priority::Interactive).await;
        let i2 = limiter.acquire_as(Priority::Interactive).await;
        assert!(i2 - t0 < Duration::from_millis(150));
        let b = limiter.acquire_as(Priority::Background).await;
        assert!(b - t0 >= Duration::from_millis(300));
        assert!(i1 <= i2 && i2 < b);
    }

    #[tokio::test]
    async fn interactive_overtakes_a_waiting_background_request() {
        let limiter = Arc::new(RateLimiter::new(limits(200, &[])));
        limiter.acquire_as(Priority::Background).await;
        let l = limiter.clone();
        let background = tokio::spawn(async move { l.acquire_as(Priority::Background).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let interactive = limiter.acquire_as(Priority::Interactive).await;
        let background = background.await.unwrap();
        assert!(interactive < background);
        assert!(background - interactive >= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn cooling_down_tells_how_long() {
        let limiter = RateLimiter::new(RateLimits::silvasoft());
        assert_eq!(limiter.cooling_down(), None);
        limiter.cool_down();
        let left = limiter.cooling_down().unwrap();
        assert!(left > Duration::from_secs(59) && left <= Duration::from_secs(60));
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
