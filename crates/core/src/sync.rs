//! Background refresh of the look-up cache, one page at a time, resuming where it stopped.
//!
//! Each page is written in one transaction and its cursor stored after it, so a sync that is
//! interrupted (network gone, app closed) resumes from the last page, and a page applied twice
//! does no harm (upsert by id).

use crate::backend::Backend;
use crate::error::Result;
use crate::store::{Entity, Store};

/// Refreshes one list of one administration. `on_page` is told the running item count.
/// Returns the number of items received.
pub async fn sync_list(
    backend: &dyn Backend,
    store: &Store,
    connection_id: &str,
    scope: &str,
    entity: Entity,
    on_page: &(dyn Fn(usize) + Send + Sync),
) -> Result<usize> {
    let state = store.sync_cursor(connection_id, scope, entity)?;
    let mut cursor = state.cursor;
    let mut received = 0usize;
    loop {
        let (done, next) = match entity {
            Entity::Relations => {
                let page = backend.sync_relations(scope, cursor.as_deref()).await?;
                store.apply_relations(connection_id, scope, &page)?;
                received += page.items.len();
                store.set_sync_cursor(connection_id, scope, entity, &page.cursor, page.done)?;
                (page.done, page.cursor)
            }
            Entity::Products => {
                let page = backend.sync_products(scope, cursor.as_deref()).await?;
                store.apply_products(connection_id, scope, &page)?;
                received += page.items.len();
                store.set_sync_cursor(connection_id, scope, entity, &page.cursor, page.done)?;
                (page.done, page.cursor)
            }
        };
        on_page(received);
        if done {
            return Ok(received);
        }
        cursor = Some(next);
    }
}
