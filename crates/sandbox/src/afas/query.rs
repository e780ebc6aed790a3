//! Listing parameters of the GET connectors: `skip`, `take`, `sort` / `sortField`, `filter`
//! (the documented OData subset: `eq`, `and`, `or`, parentheses) and `TrackingToken`.

use std::cmp::Ordering;
use std::str::FromStr;

use axum::response::Response;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::data::{Kind, Record, Val};
use super::errors;

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a query string into decoded pairs.
pub fn parse_query(q: Option<&str>) -> Vec<(String, String)> {
    q.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// Encodes a query component.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Null,
    Str(String),
    Uuid(Uuid),
    Bool(bool),
    Num(Decimal),
    Date(NaiveDate),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Eq(&'static str, Lit),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Open,
    Close,
}

fn lex(s: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Tok::Open);
            i += 1;
        } else if c == ')' {
            out.push(Tok::Close);
            i += 1;
        } else if c == '\'' {
            let mut v = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return None,
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        v.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        v.push(c);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Str(v));
        } else {
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '(' | ')' | '\'')
            {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        }
    }
    Some(out)
}

struct FilterParser<'a> {
    toks: Vec<Tok>,
    i: usize,
    fields: &'a [(&'static str, Kind)],
}

impl FilterParser<'_> {
    fn keyword(&self, kw: &str) -> bool {
        matches!(self.toks.get(self.i), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn or(&mut self) -> Option<Expr> {
        let mut items = vec![self.and()?];
        while self.keyword("or") {
            self.i += 1;
            items.push(self.and()?);
        }
        Some(if items.len() == 1 {
            items.pop()?
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self) -> Option<Expr> {
        let mut items = vec![self.primary()?];
        while self.keyword("and") {
            self.i += 1;
            items.push(self.primary()?);
        }
        Some(if items.len() == 1 {
            items.pop()?
        } else {
            Expr::And(items)
        })
    }

    fn primary(&mut self) -> Option<Expr> {
        match self.toks.get(self.i)?.clone() {
            Tok::Open => {
                self.i += 1;
                let e = self.or()?;
                if self.toks.get(self.i) != Some(&Tok::Close) {
                    return None;
                }
                self.i += 1;
                Some(e)
            }
            Tok::Word(field) => {
                let &(name, kind) = self
                    .fields
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(&field))?;
                self.i += 1;
                if !self.keyword("eq") {
                    return None;
                }
                self.i += 1;
                let lit = literal(self.toks.get(self.i)?, kind)?;
                self.i += 1;
                Some(Expr::Eq(name, lit))
            }
            _ => None,
        }
    }
}

fn literal(t: &Tok, kind: Kind) -> Option<Lit> {
    if let Tok::Word(w) = t {
        if w.eq_ignore_ascii_case("null") {
            return Some(Lit::Null);
        }
    }
    match (kind, t) {
        (Kind::Str, Tok::Str(s)) => Some(Lit::Str(s.clone())),
        (Kind::Uuid, Tok::Word(w)) if w.len() == 36 => Uuid::parse_str(w).ok().map(Lit::Uuid),
        (Kind::Bool, Tok::Word(w)) => match w.to_ascii_lowercase().as_str() {
            "true" => Some(Lit::Bool(true)),
            "false" => Some(Lit::Bool(false)),
            _ => None,
        },
        (Kind::Num, Tok::Word(w)) => Decimal::from_str(w)
            .ok()
            .or_else(|| Decimal::from_scientific(w).ok())
            .map(Lit::Num),
        (Kind::Date, Tok::Word(w) | Tok::Str(w)) => {
            let d = w.get(..10).unwrap_or(w);
            NaiveDate::parse_from_str(d, "%Y-%m-%d").ok().map(Lit::Date)
        }
        _ => None,
    }
}

/// Parses a filter for a record type; `None` means "Ongeldig gebruikersfilter.".
pub fn parse_filter(s: &str, fields: &[(&'static str, Kind)]) -> Option<Expr> {
    let toks = lex(s)?;
    if toks.is_empty() {
        return None;
    }
    let mut p = FilterParser { toks, i: 0, fields };
    let e = p.or()?;
    (p.i == p.toks.len()).then_some(e)
}

fn str_eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

pub fn matches<R: Record>(r: &R, e: &Expr) -> bool {
    match e {
        Expr::And(xs) => xs.iter().all(|x| matches(r, x)),
        Expr::Or(xs) => xs.iter().any(|x| matches(r, x)),
        Expr::Eq(field, lit) => match (r.get(field), lit) {
            (Val::Null, Lit::Null) => true,
            (Val::Str(a), Lit::Str(b)) => str_eq(a, b),
            (Val::Uuid(a), Lit::Uuid(b)) => a == *b,
            (Val::Bool(a), Lit::Bool(b)) => a == *b,
            (Val::Num(a), Lit::Num(b)) => a == *b,
            (Val::Date(a), Lit::Date(b)) => a == *b,
            _ => false,
        },
    }
}

/// Parsed listing parameters.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub skip: usize,
    pub take: Option<usize>,
    pub sort: Vec<(&'static str, bool)>,
    pub filter: Option<Expr>,
    /// The counter part of a `TrackingToken`.
    pub since: Option<u64>,
}

fn parse_sort(s: &str, fields: &[(&'static str, Kind)]) -> Option<Vec<(&'static str, bool)>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let mut words = part.split_whitespace();
        let field = words.next()?;
        let &(name, _) = fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(field))?;
        let desc = match words.next() {
            None => false,
            Some(d) if d.eq_ignore_ascii_case("ascending") || d.eq_ignore_ascii_case("asc") => {
                false
            }
            Some(d) if d.eq_ignore_ascii_case("descending") || d.eq_ignore_ascii_case("desc") => {
                true
            }
            Some(_) => return None,
        };
        if words.next().is_some() {
            return None;
        }
        out.push((name, desc));
    }
    Some(out)
}

/// Parses a tracking token `yyyyMMdd<counter>`.
pub fn parse_tracking_token(t: &str) -> Option<u64> {
    if t.len() <= 8 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(&t[..8], "%Y%m%d").ok()?;
    t[8..].parse().ok()
}

pub fn tracking_token(counter: u64) -> String {
    format!("{}{counter}", chrono::Utc::now().format("%Y%m%d"))
}

/// Reads `skip`, `take`, `sort`/`sortField`, `filter` and (if `tracked`) `TrackingToken`.
/// Parameter names are case-insensitive, as on AFAS' ASP.NET back end.
pub fn list_params(
    query: Option<&str>,
    fields: &[(&'static str, Kind)],
    tracked: bool,
) -> Result<ListParams, Response> {
    let mut p = ListParams::default();
    for (k, v) in parse_query(query) {
        match k.to_ascii_lowercase().as_str() {
            "skip" => {
                p.skip = v.trim().parse().map_err(|_| {
                    errors::bad_request(&format!("De waarde '{v}' is ongeldig voor 'skip'."))
                })?
            }
            "take" => {
                p.take = Some(v.trim().parse().map_err(|_| {
                    errors::bad_request(&format!("De waarde '{v}' is ongeldig voor 'take'."))
                })?)
            }
            "sort" | "sortfield" if !v.trim().is_empty() => {
                p.sort = parse_sort(&v, fields)
                    .ok_or_else(|| errors::bad_request(&format!("Ongeldige sortering '{v}'.")))?;
            }
            "filter" if !v.trim().is_empty() => {
                p.filter = Some(parse_filter(&v, fields).ok_or_else(errors::invalid_filter)?);
            }
            "trackingtoken" if tracked && !v.is_empty() => {
                p.since = Some(parse_tracking_token(&v).ok_or_else(|| {
                    errors::bad_request(&format!("Ongeldig TrackingToken '{v}'."))
                })?);
            }
            _ => {}
        }
    }
    Ok(p)
}

/// Applies change tracking, filter, sort (stable: ties keep the stored order) and paging.
/// A sort key part: nulls first, strings case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum KeyPart {
    Null,
    Bool(bool),
    Num(Decimal),
    Date(NaiveDate),
    Uuid(Uuid),
    Str(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Part(KeyPart, bool);

impl PartialOrd for Part {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Part {
    fn cmp(&self, other: &Self) -> Ordering {
        let o = self.0.cmp(&other.0);
        if self.1 {
            o.reverse()
        } else {
            o
        }
    }
}

fn key_part(v: Val<'_>) -> KeyPart {
    match v {
        Val::Null => KeyPart::Null,
        Val::Str(s) => KeyPart::Str(s.to_lowercase()),
        Val::Uuid(u) => KeyPart::Uuid(u),
        Val::Bool(b) => KeyPart::Bool(b),
        Val::Num(n) => KeyPart::Num(n),
        Val::Date(d) => KeyPart::Date(d),
    }
}

impl ListParams {
    /// Identifies the selection and order (not the page) of a table in a given state.
    pub fn signature(&self, counter: u64, len: usize) -> String {
        format!(
            "{:?}|{:?}|{:?}|{counter}|{len}",
            self.sort, self.filter, self.since
        )
    }
}

fn selected<'a, R: Record>(
    rows: &'a [R],
    p: &'a ListParams,
) -> impl Iterator<Item = (usize, &'a R)> + 'a {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| r.visible())
        .filter(move |(_, r)| p.since.is_none_or(|s| r.changed() > s))
        .filter(move |(_, r)| p.filter.as_ref().is_none_or(|f| matches(*r, f)))
}

/// The positions of the selected rows in sorted order (ties keep the stored order).
pub fn sorted_positions<R: Record>(rows: &[R], p: &ListParams) -> Vec<usize> {
    // Keys are computed once per row; the stored position breaks ties.
    let mut keyed: Vec<(Vec<Part>, usize)> = selected(rows, p)
        .map(|(i, r)| {
            let key = p
                .sort
                .iter()
                .map(|&(field, desc)| Part(key_part(r.get(field)), desc))
                .collect();
            (key, i)
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// Applies change tracking, filter, sort and paging.
pub fn run<'a, R: Record>(rows: &'a [R], p: &'a ListParams) -> Vec<&'a R> {
    let take = p.take.unwrap_or(usize::MAX);
    if p.sort.is_empty() {
        return selected(rows, p)
            .skip(p.skip)
            .take(take)
            .map(|(_, r)| r)
            .collect();
    }
    sorted_positions(rows, p)
        .into_iter()
        .skip(p.skip)
        .take(take)
        .map(|i| &rows[i])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::afas::data::Person;

    #[test]
    fn filters_parse_strictly() {
        let f = Person::FIELDS;
        assert!(parse_filter("Id eq cff8fd69-609d-5a8e-b343-5482f0847c79", f).is_some());
        assert!(parse_filter(
            "id eq cff8fd69-609d-5a8e-b343-5482f0847c79 or Name eq 'A''s'",
            f
        )
        .is_some());
        assert!(parse_filter("(IsArchived eq false) and Lastname eq 'Graaf'", f).is_some());
        assert!(parse_filter("Id eq 'cff8fd69-609d-5a8e-b343-5482f0847c79'", f).is_none());
        assert!(parse_filter("Name eq Jansen", f).is_none());
        assert!(parse_filter("Name ne 'x'", f).is_none());
        assert!(parse_filter("Nope eq 'x'", f).is_none());
        assert!(parse_filter("Name eq 'x' and", f).is_none());
        assert!(parse_filter("Name eq 'x", f).is_none());
    }

    #[test]
    fn tokens_and_decoding() {
        assert_eq!(parse_tracking_token("202401291327471"), Some(1327471));
        assert_eq!(parse_tracking_token("2024012"), None);
        assert_eq!(parse_tracking_token("20241329x"), None);
        assert_eq!(
            percent_decode("Name+eq+%27de%20Vries%27"),
            "Name eq 'de Vries'"
        );
        assert_eq!(percent_decode("100%"), "100%");
    }
}
