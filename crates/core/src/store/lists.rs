//! The store's part for declared look-up lists and the local address book of recipients.
//!
//! Declared lists share one table, keyed by connection, list and scope (see
//! [`crate::lists::ScopeValue::cache_key`]), with the same full-text rules as relations: every
//! typed word a prefix, diacritics removed, archived items not indexed. A sync page and its
//! cursor are written in one transaction; a full reload tags what it brings and drops the rest
//! only when it is complete. Recipients are the clerk's own: no reload and no reset of the
//! sync touches them.

use super::{immediate, lock, now, parse_time, read_cursor, relaxed, sort_key, Store, SyncCursor};
use crate::backend::{RelationKind, SyncPage};
use crate::error::Result;
use crate::lists::{LookupItem, Recipient};
use rusqlite::types::Value;
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::BTreeMap;

/// At most this many parent filters are applied to one search (a form has a few).
const MAX_FILTERS: usize = 8;

/// Starts or continues a full reload's generation for one copy of a list; `None` outside a
/// reload.
fn list_generation(
    tx: &Transaction<'_>,
    connection_id: &str,
    list: &str,
    scope: &str,
    full_reload: bool,
) -> rusqlite::Result<Option<i64>> {
    if full_reload {
        let g: i64 = tx.query_row(
            "SELECT COALESCE(MAX(gen),0)+1 FROM lookup_items WHERE connection_id=?1 AND list=?2 AND scope=?3",
            params![connection_id, list, scope],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO list_sync(connection_id,list,scope,cursor,done,reload_gen) VALUES(?1,?2,?3,NULL,0,?4)
             ON CONFLICT(connection_id,list,scope) DO UPDATE SET reload_gen=excluded.reload_gen",
            params![connection_id, list, scope, g],
        )?;
        return Ok(Some(g));
    }
    tx.query_row(
        "SELECT reload_gen FROM list_sync WHERE connection_id=?1 AND list=?2 AND scope=?3",
        params![connection_id, list, scope],
        |r| r.get::<_, Option<i64>>(0),
    )
    .optional()
    .map(Option::flatten)
}

fn item_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LookupItem> {
    let terms: String = r.get(3)?;
    let parents: String = r.get(4)?;
    let data: String = r.get(6)?;
    Ok(LookupItem {
        id: r.get(0)?,
        label: r.get(1)?,
        detail: r.get(2)?,
        terms: terms
            .split('\u{1f}')
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect(),
        parents: serde_json::from_str(&parents).unwrap_or_default(),
        archived: r.get(5)?,
        data: serde_json::from_str(&data).unwrap_or_default(),
    })
}

fn recipient_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Recipient> {
    let values: String = r.get(8)?;
    Ok(Recipient {
        id: r.get(0)?,
        kind: RelationKind::parse(&r.get::<_, String>(1)?).unwrap_or(RelationKind::Unknown),
        name: r.get(2)?,
        number: r.get(3)?,
        email: r.get(4)?,
        city: r.get(5)?,
        vat_number: r.get(6)?,
        archived: r.get(7)?,
        values: serde_json::from_str(&values).unwrap_or_default(),
        created_at: parse_time(&r.get::<_, String>(9)?).to_rfc3339(),
        updated_at: parse_time(&r.get::<_, String>(10)?).to_rfc3339(),
    })
}

const RECIPIENT_SELECT_WITH_CONNECTION: &str = "SELECT x.id,x.kind,x.name,x.number,x.email,x.city,x.vat_number,x.archived,x.field_values,x.created_at,x.updated_at,x.connection_id FROM recipients x";

const RECIPIENT_SELECT: &str = "SELECT x.id,x.kind,x.name,x.number,x.email,x.city,x.vat_number,x.archived,x.field_values,x.created_at,x.updated_at FROM recipients x";

impl Store {
    // ---- declared look-up lists ----

    /// Applies one sync page of a declared list and stores its cursor, in one transaction: an
    /// interrupted sync resumes after the last page written.
    pub fn apply_list_page(
        &self,
        connection_id: &str,
        list: &str,
        scope: &str,
        page: &SyncPage<LookupItem>,
    ) -> Result<()> {
        let mut w = lock(&self.write);
        relaxed(&mut w, |w| {
            let tx = immediate(w)?;
            let generation = list_generation(&tx, connection_id, list, scope, page.full_reload)?;
            {
                let mut find = tx.prepare_cached(
                "SELECT lid FROM lookup_items WHERE connection_id=?1 AND list=?2 AND scope=?3 AND id=?4",
            )?;
                let mut del_fts =
                    tx.prepare_cached("DELETE FROM lookup_items_fts WHERE rowid=?1")?;
                let mut del = tx.prepare_cached("DELETE FROM lookup_items WHERE lid=?1")?;
                let mut ins = tx.prepare_cached(
                "INSERT INTO lookup_items(connection_id,list,scope,id,label,detail,terms,parents,archived,data,gen,skey)
                 VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
            )?;
                let mut ins_fts = tx.prepare_cached(
                    "INSERT INTO lookup_items_fts(rowid,label,detail,terms) VALUES(?1,?2,?3,?4)",
                )?;
                let mut remove = |id: &str| -> rusqlite::Result<()> {
                    if let Some(lid) = find
                        .query_row(params![connection_id, list, scope, id], |r| {
                            r.get::<_, i64>(0)
                        })
                        .optional()?
                    {
                        del_fts.execute([lid])?;
                        del.execute([lid])?;
                    }
                    Ok(())
                };
                for id in &page.removed {
                    remove(id)?;
                }
                for item in &page.items {
                    remove(&item.id)?;
                    // The unit separator keeps terms apart for reading back (the index gets them with spaces:
                    // to FTS5 a control character is part of a word).
                    let terms = item.terms.join("\u{1f}");
                    let parents =
                        serde_json::to_string(&item.parents).unwrap_or_else(|_| "{}".into());
                    let data = serde_json::to_string(&item.data).unwrap_or_else(|_| "{}".into());
                    ins.execute(params![
                        connection_id,
                        list,
                        scope,
                        item.id,
                        item.label,
                        item.detail,
                        terms,
                        parents,
                        item.archived,
                        data,
                        generation.unwrap_or(0),
                        sort_key(&item.label)
                    ])?;
                    let lid = tx.last_insert_rowid();
                    if !item.archived {
                        // The id is a term too: a clerk may type a reference, and the form finds
                        // the label of a stored id by it.
                        let words = format!("{} {}", item.id, item.terms.join(" "));
                        ins_fts.execute(params![lid, item.label, item.detail, words])?;
                    }
                }
            }
            tx.execute(
            "INSERT INTO list_sync(connection_id,list,scope,cursor,done,synced_at) VALUES(?1,?2,?3,?4,?5,CASE WHEN ?5 THEN ?6 END)
             ON CONFLICT(connection_id,list,scope) DO UPDATE SET cursor=excluded.cursor, done=excluded.done,
               synced_at=COALESCE(excluded.synced_at, list_sync.synced_at)",
            params![connection_id, list, scope, page.cursor, page.done, now()],
        )?;
            if let (true, Some(g)) = (page.done, generation) {
                tx.execute(
                    "DELETE FROM lookup_items_fts WHERE rowid IN (SELECT lid FROM lookup_items
                 WHERE connection_id=?1 AND list=?2 AND scope=?3 AND gen<?4)",
                    params![connection_id, list, scope, g],
                )?;
                tx.execute(
                "DELETE FROM lookup_items WHERE connection_id=?1 AND list=?2 AND scope=?3 AND gen<?4",
                params![connection_id, list, scope, g],
            )?;
                tx.execute(
                "UPDATE list_sync SET reload_gen=NULL WHERE connection_id=?1 AND list=?2 AND scope=?3",
                params![connection_id, list, scope],
            )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Where the sync of one copy of a declared list stands.
    pub fn list_cursor(&self, connection_id: &str, list: &str, scope: &str) -> Result<SyncCursor> {
        read_cursor(
            &lock(&self.read),
            "SELECT cursor,done,synced_at FROM list_sync WHERE connection_id=?1 AND list=?2 AND scope=?3",
            params![connection_id, list, scope],
        )
    }

    /// How many items of one copy of a list are cached, archived ones not counted.
    pub fn list_count(&self, connection_id: &str, list: &str, scope: &str) -> Result<usize> {
        let c = lock(&self.read);
        let n: i64 = c.query_row(
            "SELECT COUNT(*) FROM lookup_items WHERE connection_id=?1 AND list=?2 AND scope=?3 AND archived=0",
            params![connection_id, list, scope],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Type-ahead over one copy of a declared list: every word a prefix of a word of the label,
    /// the detail, the id or a term. Archived items are hidden. `parents` narrows to items whose parent
    /// under that key has that value, or that have no parent under that key (a ledger account
    /// not restricted to one owner is for all). An exact id or label comes first.
    pub fn search_list(
        &self,
        connection_id: &str,
        list: &str,
        scope: &str,
        parents: &BTreeMap<String, String>,
        query: &str,
        limit: usize,
    ) -> Result<Vec<LookupItem>> {
        let limit = limit.clamp(1, 200) as i64;
        let mut args: Vec<Value> = vec![
            Value::Text(connection_id.into()),
            Value::Text(list.into()),
            Value::Text(scope.into()),
        ];
        let mut filter = String::new();
        for (k, v) in parents.iter().take(MAX_FILTERS) {
            let (a, b) = (args.len() + 1, args.len() + 2);
            filter.push_str(&format!(
                " AND (NOT EXISTS (SELECT 1 FROM json_each(t.parents) j WHERE j.key=?{a})
                   OR EXISTS (SELECT 1 FROM json_each(t.parents) j WHERE j.key=?{a} AND j.value=?{b}))"
            ));
            args.push(Value::Text(k.clone()));
            args.push(Value::Text(v.clone()));
        }
        let search = super::typeahead::List {
            columns: "t.id,t.label,t.detail,t.terms,t.parents,t.archived,t.data",
            table: "lookup_items",
            rowid: "lid",
            fts: "lookup_items_fts",
            base: &format!("t.connection_id=?1 AND t.list=?2 AND t.scope=?3{filter}"),
            exact: Some("id"),
            first_when_empty: None,
        };
        let c = lock(&self.read);
        Ok(super::typeahead::search(
            &c, &search, &args, query, limit, item_row,
        )?)
    }

    // ---- the local address book ----

    /// Writes a recipient (new or changed) of a connection. Archived recipients are kept but
    /// not found by the type-ahead.
    pub fn save_recipient(&self, connection_id: &str, r: &Recipient) -> Result<()> {
        let mut w = lock(&self.write);
        let tx = immediate(&mut w)?;
        let values = serde_json::to_string(&r.values).unwrap_or_else(|_| "{}".into());
        let existing: Option<i64> = tx
            .query_row(
                "SELECT rid FROM recipients WHERE connection_id=?1 AND id=?2",
                params![connection_id, r.id],
                |row| row.get(0),
            )
            .optional()?;
        let rid = match existing {
            Some(rid) => {
                tx.execute("DELETE FROM recipients_fts WHERE rowid=?1", [rid])?;
                tx.execute(
                    "UPDATE recipients SET kind=?2,name=?3,number=?4,email=?5,city=?6,vat_number=?7,
                       field_values=?8,updated_at=?9,archived=?10,skey=?11 WHERE rid=?1",
                    params![
                        rid,
                        r.kind.as_str(),
                        r.name,
                        r.number,
                        r.email,
                        r.city,
                        r.vat_number,
                        values,
                        r.updated_at,
                        r.archived,
                        sort_key(&r.name)
                    ],
                )?;
                rid
            }
            None => {
                tx.execute(
                    "INSERT INTO recipients(connection_id,id,kind,name,number,email,city,vat_number,field_values,created_at,updated_at,archived,skey)
                     VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
                    params![
                        connection_id,
                        r.id,
                        r.kind.as_str(),
                        r.name,
                        r.number,
                        r.email,
                        r.city,
                        r.vat_number,
                        values,
                        r.created_at,
                        r.updated_at,
                        r.archived,
                        sort_key(&r.name)
                    ],
                )?;
                tx.last_insert_rowid()
            }
        };
        if !r.archived {
            tx.execute(
                "INSERT INTO recipients_fts(rowid,name,number,email,city) VALUES(?1,?2,?3,?4,?5)",
                params![rid, r.name, r.number, r.email, r.city],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Brings the recipients of a damaged store (read through `old`) back, with their
    /// type-ahead; recipients already here are kept. `false` when some could not be read. A
    /// store from before the address book has none to bring.
    pub(super) fn recover_recipients(&self, old: &rusqlite::Connection) -> bool {
        let has_table = old
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='recipients'",
                [],
                |_| Ok(()),
            )
            .optional();
        match has_table {
            Ok(Some(())) => {}
            Ok(None) => return true,
            Err(_) => return false,
        }
        let mut complete = true;
        let rows: Vec<(String, Recipient)> = match (|| -> rusqlite::Result<Vec<_>> {
            let mut st = old.prepare(RECIPIENT_SELECT_WITH_CONNECTION)?;
            let rows = st.query_map([], |r| Ok((r.get::<_, String>(11)?, recipient_row(r)?)))?;
            Ok(rows
                .filter_map(|r| {
                    if r.is_err() {
                        complete = false;
                    }
                    r.ok()
                })
                .collect())
        })() {
            Ok(rows) => rows,
            Err(_) => return false,
        };
        for (connection_id, r) in rows {
            match self.recipient(&connection_id, &r.id) {
                Ok(None) => {
                    if self.save_recipient(&connection_id, &r).is_err() {
                        complete = false;
                    }
                }
                Ok(Some(_)) => {}
                Err(_) => complete = false,
            }
        }
        complete
    }

    /// How many recipients the address book of a connection has, archived ones not counted.
    pub fn recipient_count(&self, connection_id: &str) -> Result<usize> {
        let c = lock(&self.read);
        let n: i64 = c.query_row(
            "SELECT COUNT(*) FROM recipients WHERE connection_id=?1 AND archived=0",
            [connection_id],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// One recipient of a connection, archived or not.
    pub fn recipient(&self, connection_id: &str, id: &str) -> Result<Option<Recipient>> {
        let c = lock(&self.read);
        let r = c
            .query_row(
                &format!("{RECIPIENT_SELECT} WHERE x.connection_id=?1 AND x.id=?2"),
                params![connection_id, id],
                recipient_row,
            )
            .optional()?;
        Ok(r)
    }

    /// The address book of a connection by name; archived recipients only when asked for.
    pub fn recipients(&self, connection_id: &str, with_archived: bool) -> Result<Vec<Recipient>> {
        let c = lock(&self.read);
        let mut st = c.prepare_cached(&format!(
            "{RECIPIENT_SELECT} WHERE x.connection_id=?1 AND (?2 OR x.archived=0)
             ORDER BY x.name COLLATE NOCASE, x.id"
        ))?;
        let rows = st
            .query_map(params![connection_id, with_archived], recipient_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Type-ahead over the address book (name, number, e-mail, city); archived hidden. An
    /// exact number comes first.
    pub fn search_recipients(
        &self,
        connection_id: &str,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Recipient>> {
        let limit = limit.clamp(1, 200) as i64;
        let search = super::typeahead::List {
            columns: "t.id,t.kind,t.name,t.number,t.email,t.city,t.vat_number,t.archived,t.field_values,t.created_at,t.updated_at",
            table: "recipients",
            rowid: "rid",
            fts: "recipients_fts",
            base: "t.connection_id=?1",
            exact: Some("number"),
            first_when_empty: None,
        };
        let c = lock(&self.read);
        Ok(super::typeahead::search(
            &c,
            &search,
            &[Value::Text(connection_id.into())],
            query,
            limit,
            recipient_row,
        )?)
    }
}
