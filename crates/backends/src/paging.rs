//! Bounds on paging: a server that ignores the offset (and sends the same page again) or never
//! says it is done must not keep a sync, a list or a look-up going forever.
//!
//! A pass over a list (one sync from its first page to `done`, or one in-memory loop) counts
//! its pages and remembers a fingerprint of the last page that was followed by another. A page
//! identical to the one before it (the offset moved, the rows did not) stops the pass with
//! [`repeated_page`]; a pass that wants more than its cap of pages stops with
//! [`too_many_pages`]. Both are `BadResponse`: the server misbehaves, and the clerk can do
//! nothing about it. A sync that stopped resumes from its last stored page next time, so a
//! server that behaves again is followed to its end.
//!
//! A sync runs one page per call and stores its cursor between pages, so the count and the
//! fingerprint travel in the cursor ([`Guard::encode_suffix`] for cursors of plain text).

use invoice_desk_core::error::{Error, ErrorCode, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Most pages in one pass over a list: 2,000 pages of 500 rows is a million rows, far more
/// than a small business keeps, and still an end for a server that never says done.
pub const MAX_PAGES_PER_PASS: u32 = 2_000;

/// A short fingerprint of a page's rows (as the server sent them).
pub fn fingerprint<T: Serialize>(rows: &[T]) -> String {
    let bytes = serde_json::to_vec(rows).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// What is being paged through, for the messages: the system and the rows in both languages
/// ("personen", "persons").
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub system: &'a str,
    pub nl: &'a str,
    pub en: &'a str,
}

/// The server sent the page it sent before: it ignores the offset.
pub fn repeated_page(s: Subject<'_>) -> Error {
    let Subject { system, nl, en } = s;
    Error::new(
        ErrorCode::BadResponse,
        format!(
            "{system} stuurt steeds dezelfde pagina met {nl} terug; het ophalen is gestopt. \
             Meld dit bij de leverancier van {system}."
        ),
        format!(
            "{system} keeps sending the same page of {en}; fetching stopped. Report this to \
             the supplier of {system}."
        ),
    )
    .with_detail("the next page was identical to the previous one (offset ignored)")
}

/// The server did not say it was done within `max` pages.
pub fn too_many_pages(s: Subject<'_>, max: u32) -> Error {
    let Subject { system, nl, en } = s;
    Error::new(
        ErrorCode::BadResponse,
        format!(
            "{system} bleef pagina's met {nl} sturen; het ophalen is na {max} pagina's \
             gestopt. Meld dit bij de leverancier van {system}."
        ),
        format!(
            "{system} kept sending pages of {en}; fetching stopped after {max} pages. Report \
             this to the supplier of {system}."
        ),
    )
    .with_detail(format!("no last page within {max} pages"))
}

/// What a pass has seen so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guard {
    /// Pages fetched in this pass.
    pub pages: u32,
    /// Fingerprint of the previous page, when another page of the same list followed it.
    pub last: Option<String>,
}

impl Guard {
    /// After a page arrived. `more` says whether another page of the same list follows.
    /// Fails when the page is the previous one again, or when more would follow a pass that
    /// already has `max` pages. A page after which the list moves on (or ends) is not
    /// remembered.
    pub fn after_page<T: Serialize>(
        &mut self,
        rows: &[T],
        more: bool,
        max: u32,
        subject: Subject<'_>,
    ) -> Result<()> {
        let fp = (!rows.is_empty()).then(|| fingerprint(rows));
        if fp.is_some() && fp == self.last {
            return Err(repeated_page(subject));
        }
        self.pages = self.pages.saturating_add(1);
        if more && self.pages >= max {
            return Err(too_many_pages(subject, max));
        }
        self.last = if more { fp } else { None };
        Ok(())
    }

    /// `#<pages>:<fingerprint>`, to append to a cursor of plain text.
    pub fn encode_suffix(&self) -> String {
        format!("#{}:{}", self.pages, self.last.as_deref().unwrap_or(""))
    }

    /// Splits a cursor into its own part and the guard appended to it (a cursor stored
    /// before guards existed has none: a fresh guard).
    pub fn split(cursor: &str) -> (&str, Guard) {
        let Some((inner, suffix)) = cursor.rsplit_once('#') else {
            return (cursor, Guard::default());
        };
        let (pages, last) = suffix.split_once(':').unwrap_or((suffix, ""));
        let guard = Guard {
            pages: pages.parse().unwrap_or(0),
            last: (!last.is_empty()).then(|| last.to_string()),
        };
        (inner, guard)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const S: Subject<'static> = Subject {
        system: "X",
        nl: "personen",
        en: "persons",
    };

    #[test]
    fn a_page_identical_to_the_previous_one_stops_the_pass() {
        let page = vec![json!({"Id": 1}), json!({"Id": 2})];
        let mut g = Guard::default();
        g.after_page(&page, true, 100, S).unwrap();
        let e = g.after_page(&page, true, 100, S).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadResponse);
        assert!(
            e.message.en.contains("same page of persons"),
            "{}",
            e.message.en
        );
    }

    #[test]
    fn the_last_page_of_one_list_may_equal_the_next_lists_first() {
        // The previous page ended its list: the same rows again start another list.
        let page = vec![json!({"Id": 1})];
        let mut g = Guard::default();
        g.after_page(&page, false, 100, S).unwrap();
        g.after_page(&page, true, 100, S).unwrap();
        g.after_page::<serde_json::Value>(&[], false, 100, S)
            .unwrap();
        assert_eq!(g.pages, 3);
    }

    #[test]
    fn no_more_than_the_cap_of_pages_in_one_pass() {
        let mut g = Guard::default();
        for i in 0..4 {
            g.after_page(&[json!({ "Id": i })], true, 5, S).unwrap();
        }
        let e = g.after_page(&[json!({"Id": 4})], true, 5, S).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadResponse);
        assert!(e.message.nl.contains("na 5 pagina's"), "{}", e.message.nl);
        // A last page at the cap ends the pass normally.
        let mut g = Guard::default();
        for i in 0..4 {
            g.after_page(&[json!({ "Id": i })], true, 5, S).unwrap();
        }
        g.after_page(&[json!({"Id": 4})], false, 5, S).unwrap();
    }

    #[test]
    fn a_guard_survives_in_a_cursor_and_old_cursors_read_as_fresh() {
        let g = Guard {
            pages: 12,
            last: Some("abc".into()),
        };
        let c = format!("r1:400{}", g.encode_suffix());
        assert_eq!(Guard::split(&c), ("r1:400", g));
        assert_eq!(Guard::split("r1:400"), ("r1:400", Guard::default()));
        let none = Guard {
            pages: 3,
            last: None,
        };
        let c = format!("p1:full:0:0:0:0{}", none.encode_suffix());
        assert_eq!(Guard::split(&c), ("p1:full:0:0:0:0", none));
    }
}
