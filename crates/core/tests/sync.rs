//! The core's sync loop stops on a back end whose paging never moves on or never ends, and
//! keeps what it stored.

mod common;

use common::{caps, relation};
use invoice_desk_core::backend::*;
use invoice_desk_core::error::{ErrorCode, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::invoice::OutgoingInvoice;
use invoice_desk_core::store::{Entity, Store};
use invoice_desk_core::sync::{sync_list, MAX_PAGES_PER_SYNC};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Answers every page of relations with one new relation and `next(n)` as the cursor, never
/// saying it is done.
struct Endless {
    calls: AtomicUsize,
    next: fn(usize) -> String,
}

#[async_trait::async_trait]
impl Backend for Endless {
    fn capabilities(&self) -> Capabilities {
        caps()
    }
    async fn test_connection(&self) -> Result<Text> {
        Ok(Text::new("eindeloos", "endless"))
    }
    async fn administrations(&self) -> Result<Vec<Administration>> {
        Ok(vec![])
    }
    fn writer(&self) -> Option<&dyn InvoiceWriter> {
        Some(self)
    }
    fn lookups(&self) -> Option<&dyn LookupSource> {
        Some(self)
    }
}

#[async_trait::async_trait]
impl InvoiceWriter for Endless {
    async fn upload_attachment(
        &self,
        _: &str,
        _: &Upload,
        _: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<String> {
        Ok(String::new())
    }
    async fn submit(&self, _: &OutgoingInvoice) -> Result<Receipt> {
        unreachable!("no invoices in this test")
    }
    async fn lookup(&self, _: &OutgoingInvoice) -> Result<Lookup> {
        Ok(Lookup::NotFound)
    }
}

#[async_trait::async_trait]
impl LookupSource for Endless {
    async fn sync_relations(&self, _: &str, _: Option<&str>) -> Result<SyncPage<Relation>> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(SyncPage {
            items: vec![relation(&format!("r{n}"), &format!("Relatie {n}"))],
            removed: vec![],
            cursor: (self.next)(n),
            done: false,
            full_reload: n == 0,
        })
    }
    async fn sync_products(&self, _: &str, _: Option<&str>) -> Result<SyncPage<Product>> {
        Ok(SyncPage {
            items: vec![],
            removed: vec![],
            cursor: String::new(),
            done: true,
            full_reload: false,
        })
    }
    async fn addresses(&self, _: &str, _: &Relation) -> Result<Vec<Address>> {
        Ok(vec![])
    }
}

#[tokio::test]
async fn a_page_that_leaves_the_cursor_where_it_was_stops_the_sync_and_keeps_what_came() {
    let store = Store::open_in_memory().unwrap();
    let backend = Endless {
        calls: AtomicUsize::new(0),
        next: |_| "same".to_string(),
    };
    let e = sync_list(&backend, &store, "c", "a", Entity::Relations, &|_| {})
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadResponse);
    assert!(
        e.message.en.contains("same or ever more pages"),
        "{}",
        e.message.en
    );
    assert!(e.message.nl.contains("dezelfde"), "{}", e.message.nl);
    // The first page sets the cursor, the second repeats it: two requests, not endless.
    assert_eq!(backend.calls.load(Ordering::SeqCst), 2);
    assert_eq!(store.cached_count("c", "a", Entity::Relations).unwrap(), 2);
}

#[tokio::test]
async fn a_list_that_never_ends_stops_at_the_page_cap() {
    let store = Store::open_in_memory().unwrap();
    let backend = Endless {
        calls: AtomicUsize::new(0),
        next: |n| format!("page-{n}"),
    };
    let e = sync_list(&backend, &store, "c", "a", Entity::Relations, &|_| {})
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadResponse);
    assert_eq!(backend.calls.load(Ordering::SeqCst), MAX_PAGES_PER_SYNC);
}
