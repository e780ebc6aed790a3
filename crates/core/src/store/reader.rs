//! The store's part for History's view of the invoices a system holds.
//!
//! `read_invoices` keeps the summaries of the system's own list (no filter) as History last
//! read it, in the system's order, per connection and administration (`scope`); the list opens
//! from here at once while a fresh first page is fetched. A fresh first page replaces every
//! row of its scope (what came after it may have moved on); a next page is added after the
//! rows there are, an invoice already there keeping its place with its new content.
//! `read_invoice_lists` holds where the next page starts. Both are a cache: losing them loses
//! nothing.
//!
//! `invoice_action_keys` holds the key of an action on such an invoice (per invoice, action and
//! the values it was asked with) from before the request goes out until its answer is known,
//! so a retry after a lost answer sends the same key, also after a restart.

use super::{immediate, lock, now, Store};
use crate::error::Result;
use crate::reader::{InvoicePage, InvoiceSummary};
use rusqlite::{params, OptionalExtension, Transaction};

/// The cached list of one scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CachedInvoices {
    pub items: Vec<InvoiceSummary>,
    /// Where the next page starts, as the last page read said.
    pub cursor: Option<String>,
    pub done: bool,
    /// When the list was last read from the system (RFC 3339); `None`: never.
    pub fetched_at: Option<String>,
}

pub(super) fn forget_connection(tx: &Transaction<'_>, id: &str) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM read_invoices WHERE connection_id=?1", [id])?;
    tx.execute(
        "DELETE FROM read_invoice_lists WHERE connection_id=?1",
        [id],
    )?;
    tx.execute(
        "DELETE FROM invoice_action_keys WHERE connection_id=?1",
        [id],
    )?;
    Ok(())
}

fn upsert_row(
    tx: &Transaction<'_>,
    connection_id: &str,
    scope: &str,
    item: &InvoiceSummary,
    seq: i64,
) -> Result<()> {
    let body = serde_json::to_string(item).map_err(crate::error::Error::internal)?;
    tx.execute(
        "INSERT INTO read_invoices(connection_id,scope,id,seq,body) VALUES(?1,?2,?3,?4,?5)
         ON CONFLICT(connection_id,scope,id) DO UPDATE SET body=excluded.body",
        params![connection_id, scope, item.id, seq, body],
    )?;
    Ok(())
}

impl Store {
    /// The cached list of a scope, in the system's order. A row that cannot be read is left
    /// out (the next refresh replaces it).
    pub fn cached_invoices(&self, connection_id: &str, scope: &str) -> Result<CachedInvoices> {
        let c = lock(&self.read);
        let mut st = c.prepare_cached(
            "SELECT body FROM read_invoices WHERE connection_id=?1 AND scope=?2 ORDER BY seq, id",
        )?;
        let bodies = st
            .query_map(params![connection_id, scope], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let items = bodies
            .iter()
            .filter_map(|b| serde_json::from_str::<InvoiceSummary>(b).ok())
            .collect();
        let state = c
            .query_row(
                "SELECT cursor, done, fetched_at FROM read_invoice_lists WHERE connection_id=?1 AND scope=?2",
                params![connection_id, scope],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, bool>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()?;
        Ok(match state {
            Some((cursor, done, fetched_at)) => CachedInvoices {
                items,
                cursor,
                done,
                fetched_at: Some(fetched_at),
            },
            None => CachedInvoices {
                items,
                ..Default::default()
            },
        })
    }

    /// Keeps a page of the system's own list (no filter). `first`: it is the first page, and
    /// replaces every row of the scope; otherwise it follows the rows there are.
    pub fn store_invoice_page(
        &self,
        connection_id: &str,
        scope: &str,
        page: &InvoicePage,
        first: bool,
    ) -> Result<()> {
        let mut w = lock(&self.write);
        let tx = immediate(&mut w)?;
        if first {
            tx.execute(
                "DELETE FROM read_invoices WHERE connection_id=?1 AND scope=?2",
                params![connection_id, scope],
            )?;
        }
        let mut seq: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq),-1)+1 FROM read_invoices WHERE connection_id=?1 AND scope=?2",
            params![connection_id, scope],
            |r| r.get(0),
        )?;
        for item in &page.items {
            upsert_row(&tx, connection_id, scope, item, seq)?;
            seq = seq.saturating_add(1);
        }
        tx.execute(
            "INSERT INTO read_invoice_lists(connection_id,scope,cursor,done,fetched_at) VALUES(?1,?2,?3,?4,?5)
             ON CONFLICT(connection_id,scope) DO UPDATE SET cursor=excluded.cursor, done=excluded.done, fetched_at=excluded.fetched_at",
            params![connection_id, scope, page.cursor, page.done, now()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Gives cached invoices their content as just read (a filtered page, one opened, one
    /// changed by an action); invoices not in the cache are not added.
    pub fn refresh_cached_invoices(
        &self,
        connection_id: &str,
        scope: &str,
        items: &[InvoiceSummary],
    ) -> Result<()> {
        let mut w = lock(&self.write);
        let tx = immediate(&mut w)?;
        for item in items {
            let body = serde_json::to_string(item).map_err(crate::error::Error::internal)?;
            tx.execute(
                "UPDATE read_invoices SET body=?4 WHERE connection_id=?1 AND scope=?2 AND id=?3",
                params![connection_id, scope, item.id, body],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Drops an invoice the system no longer holds from the cache.
    pub fn remove_cached_invoice(&self, connection_id: &str, scope: &str, id: &str) -> Result<()> {
        self.write_one(|w| {
            w.execute(
                "DELETE FROM read_invoices WHERE connection_id=?1 AND scope=?2 AND id=?3",
                params![connection_id, scope, id],
            )
        })?;
        Ok(())
    }

    /// The key of an action on an invoice with these values (`request`): the one kept from an
    /// attempt whose answer is not known, or `fresh` (kept from now on).
    pub fn action_key(
        &self,
        connection_id: &str,
        invoice_id: &str,
        action: &str,
        request: &str,
        fresh: &str,
    ) -> Result<String> {
        let mut w = lock(&self.write);
        let tx = immediate(&mut w)?;
        let kept: Option<String> = tx
            .query_row(
                "SELECT key FROM invoice_action_keys WHERE connection_id=?1 AND invoice_id=?2 AND action=?3 AND request=?4",
                params![connection_id, invoice_id, action, request],
                |r| r.get(0),
            )
            .optional()?;
        let key = match kept {
            Some(k) => k,
            None => {
                tx.execute(
                    "INSERT INTO invoice_action_keys(connection_id,invoice_id,action,request,key,created_at) VALUES(?1,?2,?3,?4,?5,?6)",
                    params![connection_id, invoice_id, action, request, fresh, now()],
                )?;
                fresh.to_string()
            }
        };
        tx.commit()?;
        Ok(key)
    }

    /// The answer of an action is known: its key is spent.
    pub fn forget_action_key(
        &self,
        connection_id: &str,
        invoice_id: &str,
        action: &str,
        request: &str,
    ) -> Result<()> {
        self.write_one(|w| {
            w.execute(
                "DELETE FROM invoice_action_keys WHERE connection_id=?1 AND invoice_id=?2 AND action=?3 AND request=?4",
                params![connection_id, invoice_id, action, request],
            )
        })?;
        Ok(())
    }
}
