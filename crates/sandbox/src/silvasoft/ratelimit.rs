//! Sliding-window rate limits per `Username`: at most `max_per_second` requests in the last
//! second, `max_per_minute` in the last minute and `max_per_hour` (the API plan's quota) in
//! the last hour. Only admitted requests count; a refused request does not use up quota.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_second: u32,
    pub per_minute: u32,
    pub per_hour: u32,
}

/// Which window refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Second,
    Minute,
    Hour,
}

#[derive(Debug, Default)]
pub struct RateLimiter {
    admitted: HashMap<String, VecDeque<Instant>>,
}

fn within(q: &VecDeque<Instant>, now: Instant, d: Duration) -> usize {
    q.iter()
        .rev()
        .take_while(|t| now.saturating_duration_since(**t) < d)
        .count()
}

impl RateLimiter {
    /// Admits (and counts) a request, or names the window that is full.
    pub fn admit(&mut self, user: &str, now: Instant, limits: Limits) -> Result<(), Window> {
        let q = self.admitted.entry(user.to_string()).or_default();
        while q
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= HOUR)
        {
            q.pop_front();
        }
        if within(q, now, SECOND) >= limits.per_second as usize {
            return Err(Window::Second);
        }
        if within(q, now, MINUTE) >= limits.per_minute as usize {
            return Err(Window::Minute);
        }
        if q.len() >= limits.per_hour as usize {
            return Err(Window::Hour);
        }
        q.push_back(now);
        Ok(())
    }

    /// (last second, last minute, last hour) admitted requests of a user.
    pub fn usage(&self, user: &str, now: Instant) -> (usize, usize, usize) {
        self.admitted.get(user).map_or((0, 0, 0), |q| {
            (
                within(q, now, SECOND),
                within(q, now, MINUTE),
                within(q, now, HOUR),
            )
        })
    }

    pub fn reset(&mut self) {
        self.admitted.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Limits = Limits {
        per_second: 2,
        per_minute: 5,
        per_hour: 7,
    };

    #[test]
    fn windows_slide() {
        let mut r = RateLimiter::default();
        let t0 = Instant::now();
        assert_eq!(r.admit("u", t0, L), Ok(()));
        assert_eq!(r.admit("u", t0, L), Ok(()));
        assert_eq!(r.admit("u", t0, L), Err(Window::Second));
        assert_eq!(r.admit("other", t0, L), Ok(()));
        let t1 = t0 + Duration::from_millis(1000);
        assert_eq!(r.admit("u", t1, L), Ok(()));
        assert_eq!(r.admit("u", t1, L), Ok(()));
        let t2 = t0 + Duration::from_secs(2);
        assert_eq!(r.admit("u", t2, L), Ok(()));
        assert_eq!(r.admit("u", t2, L), Err(Window::Minute));
        let t3 = t0 + Duration::from_secs(61);
        assert_eq!(r.admit("u", t3, L), Ok(()));
        assert_eq!(r.admit("u", t3, L), Ok(()));
        let t4 = t0 + Duration::from_secs(125);
        assert_eq!(r.admit("u", t4, L), Err(Window::Hour));
        assert_eq!(r.usage("u", t4), (0, 0, 7));
        let t5 = t0 + Duration::from_secs(3600);
        assert_eq!(r.admit("u", t5, L), Ok(()));
    }
}
