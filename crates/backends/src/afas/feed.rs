//! The sync cursor: one logical change feed over one or more AFAS list endpoints.
//!
//! A cursor is a small JSON object the caller stores and hands back:
//! `{"v":1,"scope":…,"pos":…,"skip":…,"incremental":…,"since":{…},"next":{…}}`.
//! - `pos`/`skip`: the endpoint (index into the feed's list) and the offset of the next page;
//!   `pos` equal to the number of endpoints means the pass is done.
//! - `since`: the `TrackingToken` per endpoint this pass asks changes since (empty for a full
//!   load).
//! - `next`: the token per endpoint collected during this pass, from the first page of each
//!   endpoint. Taking it from the first page (not the last) means a change made while we were
//!   paging comes again next time instead of being missed; rows are upserted by id, so seeing
//!   one twice is harmless (AFAS also says a token reused within minutes may repeat items).
//! - `scope`: what the feed is filtered on (the administration of a product feed); a cursor for
//!   another scope starts a full load.
//!
//! - `pages`/`last`: the page count of this pass and the fingerprint of the previous page, so
//!   that a server ignoring `skip` or never ending stops the pass ([`crate::paging`]).
//!
//! A done cursor with a token for every endpoint starts an incremental pass; one without (an
//! endpoint that answered without a token, or an unreadable cursor) starts a full load.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const VERSION: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Cursor {
    pub v: u8,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub pos: usize,
    #[serde(default)]
    pub skip: u64,
    #[serde(default)]
    pub incremental: bool,
    #[serde(default)]
    pub since: BTreeMap<String, String>,
    #[serde(default)]
    pub next: BTreeMap<String, String>,
    /// Pages fetched in this pass (see [`crate::paging`]).
    #[serde(default)]
    pub pages: u32,
    /// Fingerprint of the previous page when another page of its endpoint followed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
}

impl Cursor {
    /// The start of a full load.
    pub fn full(scope: Option<&str>) -> Cursor {
        Cursor {
            v: VERSION,
            scope: scope.map(String::from),
            pos: 0,
            skip: 0,
            incremental: false,
            since: BTreeMap::new(),
            next: BTreeMap::new(),
            pages: 0,
            last: None,
        }
    }

    /// Where the next page comes from, given what the caller stored.
    pub fn resume(raw: Option<&str>, endpoints: &[&str], scope: Option<&str>) -> Cursor {
        let Some(parsed) = raw
            .filter(|r| !r.trim().is_empty())
            .and_then(|r| serde_json::from_str::<Cursor>(r).ok())
        else {
            return Cursor::full(scope);
        };
        if parsed.v != VERSION || parsed.scope.as_deref() != scope {
            return Cursor::full(scope);
        }
        if parsed.pos < endpoints.len() {
            return parsed;
        }
        // Done: start an incremental pass if every endpoint left a token.
        if endpoints.iter().all(|e| parsed.next.contains_key(*e)) {
            Cursor {
                v: VERSION,
                scope: parsed.scope,
                pos: 0,
                skip: 0,
                incremental: true,
                since: parsed.next,
                next: BTreeMap::new(),
                pages: 0,
                last: None,
            }
        } else {
            Cursor::full(scope)
        }
    }

    /// The `TrackingToken` to send for the current endpoint, if any.
    pub fn tracking_token<'a>(&'a self, endpoints: &[&str]) -> Option<&'a str> {
        if !self.incremental {
            return None;
        }
        self.since
            .get(*endpoints.get(self.pos)?)
            .map(String::as_str)
    }

    /// Whether the page about to be fetched starts a full reload.
    pub fn starts_full_reload(&self) -> bool {
        !self.incremental && self.pos == 0 && self.skip == 0
    }

    /// Moves past a page of `rows` rows (asked for `take`) that carried `token`.
    pub fn advance(&mut self, endpoints: &[&str], rows: usize, take: u64, token: Option<String>) {
        let Some(ep) = endpoints.get(self.pos) else {
            return;
        };
        let ep = ep.to_string();
        match token {
            Some(t) if self.skip == 0 || !self.next.contains_key(&ep) => {
                self.next.insert(ep.clone(), t);
            }
            Some(_) => {}
            None => {
                // An incremental answer without a new token: keep asking since the old one.
                if self.skip == 0 && self.incremental {
                    if let Some(old) = self.since.get(&ep).cloned() {
                        self.next.entry(ep.clone()).or_insert(old);
                    }
                }
            }
        }
        if (rows as u64) < take {
            self.pos += 1;
            self.skip = 0;
        } else {
            self.skip = self.skip.saturating_add(rows as u64);
        }
    }

    pub fn done(&self, endpoints: &[&str]) -> bool {
        self.pos >= endpoints.len()
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: &[&str] = &["persons", "organisations", "unknownrelation"];

    #[test]
    fn a_full_pass_then_an_incremental_one() {
        let mut c = Cursor::resume(None, EPS, None);
        assert!(c.starts_full_reload());
        assert_eq!(c.tracking_token(EPS), None);
        c.advance(EPS, 500, 500, Some("t-p1".into()));
        assert!(!c.starts_full_reload());
        assert_eq!((c.pos, c.skip), (0, 500));
        c.advance(EPS, 20, 500, Some("t-p2".into()));
        assert_eq!((c.pos, c.skip), (1, 0));
        assert_eq!(
            c.next["persons"], "t-p1",
            "the token of the first page is kept"
        );
        c.advance(EPS, 0, 500, Some("t-o".into()));
        c.advance(EPS, 2, 500, Some("t-u".into()));
        assert!(c.done(EPS));
        let stored = c.encode();

        let mut inc = Cursor::resume(Some(&stored), EPS, None);
        assert!(inc.incremental);
        assert!(!inc.starts_full_reload());
        assert_eq!(inc.tracking_token(EPS), Some("t-p1"));
        inc.advance(EPS, 1, 500, Some("t-p3".into()));
        assert_eq!(inc.tracking_token(EPS), Some("t-o"));
        inc.advance(EPS, 0, 500, None);
        inc.advance(EPS, 0, 500, Some("t-u2".into()));
        assert!(inc.done(EPS));
        assert_eq!(inc.next["persons"], "t-p3");
        assert_eq!(
            inc.next["organisations"], "t-o",
            "no new token: keep the old one"
        );
    }

    #[test]
    fn missing_tokens_or_garbage_mean_a_full_load() {
        let mut c = Cursor::full(None);
        c.advance(EPS, 3, 500, None);
        c.advance(EPS, 3, 500, Some("x".into()));
        c.advance(EPS, 3, 500, Some("y".into()));
        assert!(c.done(EPS));
        assert!(Cursor::resume(Some(&c.encode()), EPS, None).starts_full_reload());
        assert!(Cursor::resume(Some("not json"), EPS, None).starts_full_reload());
        assert!(Cursor::resume(Some(""), EPS, None).starts_full_reload());
    }

    #[test]
    fn another_scope_means_a_full_load() {
        let eps = &["products"];
        let mut c = Cursor::full(Some("adm-1"));
        c.advance(eps, 1, 500, Some("t".into()));
        let stored = c.encode();
        assert!(Cursor::resume(Some(&stored), eps, Some("adm-1")).incremental);
        assert!(Cursor::resume(Some(&stored), eps, Some("adm-2")).starts_full_reload());
    }
}
