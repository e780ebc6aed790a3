//! The type-ahead over every cached list, in time that does not grow with the list.
//!
//! A search returns at most `limit` rows in three tiers, each read in index order and stopped as
//! soon as the page is full, so no query ranks all its matches:
//! 1. **exact**: the number, code or id typed in full (an index look-up);
//! 2. **name prefix**: names that begin with what was typed, in alphabetical order: a range of
//!    the B-tree on the row's sort key (its name folded to lower case without accents, words
//!    separated by single spaces);
//! 3. **word prefix**: rows of which every typed word begins some word of the name, number,
//!    e-mail or city (FTS5, unranked, in the order the rows were cached), name-prefix rows left out.
//!
//! Archived rows are in neither index. Why this and not ranking by bm25 or an index in memory:
//! `docs/typeahead.md`.

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, Row};
use std::collections::HashSet;
use unicode_normalization::UnicodeNormalization;

/// The sort key of a name: lower case, accents folded away ("Café" → "cafe"), every run of
/// other characters than letters and digits one space, no space at either end.
pub fn sort_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

/// The upper end of the keys that begin with `key`: no character sorts after U+10FFFF.
pub fn prefix_end(key: &str) -> String {
    format!("{key}\u{10FFFF}")
}

/// One cached list as the type-ahead reads it. The table is aliased `t`; `base` filters one
/// copy of the list (`t.connection_id=?1 AND …`, with parameters numbered from ?1).
pub(crate) struct List<'a> {
    /// The columns the row reader reads, from index 0 (`t.id,t.name,…`).
    pub columns: &'a str,
    pub table: &'a str,
    /// The table's integer key, which is the FTS table's rowid.
    pub rowid: &'a str,
    pub fts: &'a str,
    pub base: &'a str,
    /// The column typed in full that comes first (a number, a code, an id).
    pub exact: Option<&'a str>,
    /// A condition for rows shown first when nothing is typed (AFAS SB's unknown relation),
    /// with a partial index on it.
    pub first_when_empty: Option<&'a str>,
}

/// Searches one list: the tiers for a typed query, or the list from the top (`first_when_empty`
/// rows first) when nothing is typed. At most `limit` rows, none twice.
pub(crate) fn search<T>(
    c: &Connection,
    list: &List<'_>,
    base: &[Value],
    query: &str,
    limit: i64,
    row: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    let List {
        columns,
        table,
        rowid,
        fts,
        base: filter,
        ..
    } = list;
    let n = base.len();
    let (a, b, d, e) = (n + 1, n + 2, n + 3, n + 4);
    let select = format!("SELECT {columns}, t.{rowid} FROM {table} t");
    let rowid_at = columns.split(',').count();
    let live = format!("{filter} AND t.archived=0");
    let mut steps: Vec<(String, Vec<Value>)> = Vec::new();
    let key = sort_key(query);
    let words = super::fts_query(query);
    if key.is_empty() && words.is_none() {
        if let Some(first) = list.first_when_empty {
            steps.push((
                format!("{select} WHERE {live} AND {first} ORDER BY t.skey, t.{rowid} LIMIT ?{a}"),
                vec![],
            ));
        }
        steps.push((
            format!("{select} WHERE {live} ORDER BY t.skey, t.{rowid} LIMIT ?{a}"),
            vec![],
        ));
    } else {
        let end = prefix_end(&key);
        if let Some(exact) = list.exact {
            steps.push((
                format!("{select} WHERE {live} AND t.{exact}=?{a} LIMIT ?{b}"),
                vec![Value::Text(query.trim().into())],
            ));
        }
        if !key.is_empty() {
            steps.push((
                format!(
                    "{select} WHERE {live} AND t.skey>=?{a} AND t.skey<?{b} ORDER BY t.skey, t.{rowid} LIMIT ?{d}"
                ),
                vec![Value::Text(key.clone()), Value::Text(end.clone())],
            ));
        }
        if let Some(m) = words {
            // CROSS JOIN keeps the full-text index outside: rows come in its order and the
            // LIMIT stops the walk, instead of the table being read whole to test each row.
            steps.push((
                format!(
                    "SELECT {columns}, t.{rowid} FROM {fts} f CROSS JOIN {table} t ON t.{rowid}=f.rowid
                     WHERE {fts} MATCH ?{a} AND {live} AND NOT (t.skey>=?{b} AND t.skey<?{d}) LIMIT ?{e}"
                ),
                vec![Value::Text(m), Value::Text(key), Value::Text(end)],
            ));
        }
    }
    let mut seen: HashSet<i64> = HashSet::new();
    let mut out: Vec<T> = Vec::new();
    for (sql, extra) in steps {
        if out.len() as i64 >= limit {
            break;
        }
        // Rows already taken may come again: ask for as many more as could be doubles.
        let want = limit - out.len() as i64 + seen.len() as i64;
        let mut st = c.prepare_cached(&sql)?;
        let args = base
            .iter()
            .cloned()
            .chain(extra)
            .chain(std::iter::once(Value::Integer(want)));
        let mut rows = st.query(params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(rowid_at)?;
            if seen.insert(id) {
                out.push(row(r)?);
                if out.len() as i64 >= limit {
                    break;
                }
            }
        }
    }
    Ok(out)
}

/// Gives every row of `table` its sort key, from the column `name` (rows cached before the
/// key existed). Runs inside the migration's transaction.
pub(crate) fn fill_keys(
    c: &Connection,
    table: &str,
    rowid: &str,
    name: &str,
) -> rusqlite::Result<()> {
    let rows: Vec<(i64, String)> = {
        let mut st = c.prepare(&format!("SELECT {rowid}, {name} FROM {table}"))?;
        let r = st
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        r
    };
    let mut up = c.prepare(&format!("UPDATE {table} SET skey=?2 WHERE {rowid}=?1"))?;
    for (id, n) in &rows {
        up.execute(rusqlite::params![id, sort_key(n)])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_sort_key_folds_case_accents_and_separators() {
        assert_eq!(sort_key("Café  Het-Archief B.V."), "cafe het archief b v");
        assert_eq!(sort_key("  ÇELIK & Zn "), "celik zn");
        assert_eq!(sort_key("Bakkerij 't Hoekje"), "bakkerij t hoekje");
        assert_eq!(sort_key("---"), "");
        assert_eq!(sort_key("Jansen-de Vries"), sort_key("jansen de vries"));
    }

    proptest! {
        #[test]
        fn a_typed_beginning_of_a_name_is_a_beginning_of_its_key(name in "\\PC{0,40}", cut in 0usize..41) {
            // What a clerk types of a name, as far as a word boundary or within a word, finds
            // it: the typed text's key is a prefix of the name's key, below the range's end.
            let chars: Vec<char> = name.chars().collect();
            let typed: String = chars[..cut.min(chars.len())].iter().collect();
            let (k, full) = (sort_key(&typed), sort_key(&name));
            prop_assert!(full.starts_with(&k), "{typed:?} → {k:?}, {name:?} → {full:?}");
            prop_assert!(full.as_str() < prefix_end(&k).as_str());
        }
    }
}
