//! Background refresh of the look-up cache, one page at a time, resuming where it stopped.
//!
//! Pages are written a few at a time, each batch in one transaction with the cursor of its last
//! page, so a sync that is interrupted (network gone, app closed) resumes after the last batch
//! written, and a page applied twice does no harm (upsert by id).

use crate::backend::{Backend, Capabilities};
use crate::error::Result;
use crate::lists::{ListScope, ScopeValue};
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
    // A system without look-up lists from the server has nothing to bring.
    let Some(source) = backend.lookups() else {
        return Ok(0);
    };
    let state = store.sync_cursor(connection_id, scope, entity)?;
    let mut cursor = state.cursor;
    let mut received = 0usize;
    let mut pages = 0usize;
    let mut batch = Batch::default();
    loop {
        let (done, next) = match entity {
            Entity::Relations => {
                let page = match source.sync_relations(scope, cursor.as_deref()).await {
                    Ok(p) => p,
                    Err(e) => return batch.write_then(store, connection_id, scope, entity, e),
                };
                let (done, next) = (page.done, page.cursor.clone());
                received += page.items.len();
                batch.relations.push(page);
                (done, next)
            }
            Entity::Products => {
                let page = match source.sync_products(scope, cursor.as_deref()).await {
                    Ok(p) => p,
                    Err(e) => return batch.write_then(store, connection_id, scope, entity, e),
                };
                let (done, next) = (page.done, page.cursor.clone());
                received += page.items.len();
                batch.products.push(page);
                (done, next)
            }
        };
        if done || batch.full() {
            batch.write(store, connection_id, scope, entity)?;
            on_page(received);
        }
        if done {
            return Ok(received);
        }
        // Whatever a back end's own guard does: a page that leaves the cursor where it was
        // without being the last would be asked for again and again, and no list is endless.
        pages += 1;
        if cursor.as_deref() == Some(next.as_str()) || pages >= MAX_PAGES_PER_SYNC {
            return batch.write_then(store, connection_id, scope, entity, paging_stuck(entity));
        }
        cursor = Some(next);
    }
}

/// Pages fetched and not yet written. They are written together, with the last page's cursor,
/// in one transaction once they hold [`BATCH_ROWS`] rows or [`BATCH_TIME`] has passed since the
/// first came: a commit carrying more rows touches the same index pages once for all of them,
/// so a large list fills several times faster, and a sync that stops loses at most that much.
#[derive(Default)]
struct Batch {
    relations: Vec<crate::backend::SyncPage<crate::backend::Relation>>,
    products: Vec<crate::backend::SyncPage<crate::backend::Product>>,
    since: Option<std::time::Instant>,
}

/// Rows per commit of a sync: one commit holds the writer for a few tens of milliseconds, so
/// a draft being saved meanwhile never waits long.
pub const BATCH_ROWS: usize = 2_500;
const BATCH_TIME: std::time::Duration = std::time::Duration::from_secs(1);

impl Batch {
    fn rows(&self) -> usize {
        self.relations
            .iter()
            .map(|p| p.items.len() + p.removed.len())
            .sum::<usize>()
            + self
                .products
                .iter()
                .map(|p| p.items.len() + p.removed.len())
                .sum::<usize>()
    }

    fn full(&mut self) -> bool {
        let since = *self.since.get_or_insert_with(std::time::Instant::now);
        self.rows() >= BATCH_ROWS || since.elapsed() >= BATCH_TIME
    }

    fn write(
        &mut self,
        store: &Store,
        connection_id: &str,
        scope: &str,
        entity: Entity,
    ) -> Result<()> {
        if !self.relations.is_empty() {
            store.apply_relations_pages(connection_id, scope, &self.relations, Some(entity))?;
        }
        if !self.products.is_empty() {
            store.apply_products_pages(connection_id, scope, &self.products, Some(entity))?;
        }
        *self = Batch::default();
        Ok(())
    }

    /// Keeps what arrived before a failed fetch, then gives the failure.
    fn write_then(
        &mut self,
        store: &Store,
        connection_id: &str,
        scope: &str,
        entity: Entity,
        e: crate::error::Error,
    ) -> Result<usize> {
        self.write(store, connection_id, scope, entity)?;
        Err(e)
    }
}

/// More pages than any real list has (20,000 pages of 500 or more is ten million rows).
pub const MAX_PAGES_PER_SYNC: usize = 20_000;

fn paging_stuck(entity: Entity) -> Error {
    let (nl, en) = match entity {
        Entity::Relations => ("relaties", "relations"),
        Entity::Products => ("producten", "products"),
    };
    Error::new(
        ErrorCode::BadResponse,
        format!("Het boekhoudpakket bleef dezelfde of steeds meer pagina's {nl} sturen; het bijwerken is gestopt. Wat al binnen was blijft bewaard."),
        format!("The bookkeeping system kept sending the same or ever more pages of {en}; the refresh was stopped. What arrived so far is kept."),
    )
}

// ---- Declared look-up lists ----

/// Refreshes one copy of a declared list (`scope`), from where its last sync stopped. Each page
/// and its cursor are one transaction. Returns the number of items received.
pub async fn sync_declared(
    backend: &dyn Backend,
    store: &Store,
    connection_id: &str,
    list: &str,
    scope: &ScopeValue,
    on_page: &(dyn Fn(usize) + Send + Sync),
) -> Result<usize> {
    let Some(source) = backend.lookups() else {
        return Err(Error::new(
            ErrorCode::Config,
            format!("Dit boekhoudpakket heeft geen opzoeklijst '{list}'."),
            format!("This bookkeeping system has no look-up list '{list}'."),
        ));
    };
    let key = scope.cache_key();
    let mut cursor = store.list_cursor(connection_id, list, &key)?.cursor;
    let mut received = 0usize;
    let mut pages = 0usize;
    loop {
        let page = source.sync_list(list, scope, cursor.as_deref()).await?;
        store.apply_list_page(connection_id, list, &key, &page)?;
        received = received.saturating_add(page.items.len());
        on_page(received);
        if page.done {
            return Ok(received);
        }
        pages += 1;
        if cursor.as_deref() == Some(page.cursor.as_str()) || pages >= MAX_PAGES_PER_SYNC {
            return Err(list_paging_stuck(list));
        }
        cursor = Some(page.cursor);
    }
}

/// Refreshes every declared list of the connection's own scope and of the chosen
/// administration (run after relations and products). Lists with a parent scope are not
/// fetched here: a search fetches the copy it needs (see [`crate::desk::search_list`]). A list
/// that fails does not hold up the others; the first failure is returned at the end.
pub async fn sync_declared_lists(
    backend: &dyn Backend,
    store: &Store,
    connection_id: &str,
    caps: &Capabilities,
    administration: Option<&str>,
    on_page: &(dyn Fn(usize) + Send + Sync),
) -> Result<usize> {
    let admin = administration.filter(|a| caps.administrations && !a.is_empty());
    let mut received = 0usize;
    let mut first_error = None;
    for spec in &caps.lists {
        let scope = match &spec.scope {
            ListScope::Connection => ScopeValue::Connection,
            ListScope::Administration => match (caps.administrations, admin) {
                (true, None) => continue,
                (_, a) => ScopeValue::Administration {
                    id: a.unwrap_or("").to_string(),
                },
            },
            ListScope::Parent { .. } => continue,
        };
        match sync_declared(backend, store, connection_id, &spec.name, &scope, on_page).await {
            Ok(n) => received = received.saturating_add(n),
            Err(e) => {
                tracing::warn!(list = %spec.name, code = ?e.code, "a declared list could not be refreshed");
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(received),
    }
}

/// The copies of lists being fetched because a search needed them, so that a clerk typing
/// fast starts one fetch per copy, not one per keystroke. A fetch that failed is not tried
/// again for [`FETCH_RETRY_AFTER`]: searches meanwhile get its error instead of waiting for a
/// list that does not come (and do not ask the back end again and again).
#[derive(Debug)]
pub struct Fetches {
    running: std::sync::Mutex<std::collections::HashSet<String>>,
    failed: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Error)>>,
    retry_after: Duration,
}

/// How long after a failed fetch of a list a search may start another one.
pub const FETCH_RETRY_AFTER: Duration = Duration::from_secs(30);

impl Default for Fetches {
    fn default() -> Self {
        Fetches::with_retry_after(FETCH_RETRY_AFTER)
    }
}

/// Held while one copy is fetched; the copy can be fetched again once it is dropped.
#[derive(Debug)]
pub struct FetchGuard {
    fetches: std::sync::Arc<Fetches>,
    key: String,
}

impl Fetches {
    pub fn with_retry_after(retry_after: Duration) -> Self {
        Fetches {
            running: Default::default(),
            failed: Default::default(),
            retry_after,
        }
    }

    /// Takes the fetch of `key`; `None` when it is already running or failed a moment ago.
    pub fn begin(self: &std::sync::Arc<Self>, key: String) -> Option<FetchGuard> {
        if self.recent_failure(&key).is_some() {
            return None;
        }
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if !running.insert(key.clone()) {
            return None;
        }
        Some(FetchGuard {
            fetches: self.clone(),
            key,
        })
    }

    /// The error of the last fetch of `key`, when it failed less than the retry time ago.
    pub fn recent_failure(&self, key: &str) -> Option<Error> {
        let mut failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
        match failed.get(key) {
            Some((at, e)) if at.elapsed() < self.retry_after => Some(e.clone()),
            Some(_) => {
                failed.remove(key);
                None
            }
            None => None,
        }
    }
}

impl FetchGuard {
    /// The fetch ended: a failure is remembered for the retry time, a success forgets it.
    pub fn finish(self, outcome: &Result<usize>) {
        let mut failed = self
            .fetches
            .failed
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match outcome {
            Ok(_) => failed.remove(&self.key),
            Err(e) => failed.insert(self.key.clone(), (std::time::Instant::now(), e.clone())),
        };
    }
}

impl Drop for FetchGuard {
    fn drop(&mut self) {
        let mut running = self
            .fetches
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        running.remove(&self.key);
    }
}

/// The key of a fetch of one copy of a list of a connection.
pub fn fetch_key(connection_id: &str, list: &str, scope: &ScopeValue) -> String {
    serde_json::to_string(&(connection_id, list, scope.cache_key())).unwrap_or_default()
}

fn list_paging_stuck(list: &str) -> Error {
    Error::new(
        ErrorCode::BadResponse,
        format!("Het boekhoudpakket bleef dezelfde of steeds meer pagina's van de lijst '{list}' sturen; het bijwerken is gestopt. Wat al binnen was blijft bewaard."),
        format!("The bookkeeping system kept sending the same or ever more pages of the list '{list}'; the refresh was stopped. What arrived so far is kept."),
    )
}

// ---- Running refreshes: one at a time per connection, bounded, never stuck on "running" ----

use crate::error::{Error, ErrorCode};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long a whole refresh of one connection may take before it is stopped. What it stored
/// so far stays (each page is its own transaction, with its cursor), so the next one resumes.
pub const REFRESH_DEADLINE: Duration = Duration::from_secs(10 * 60);

static STATUS_SEQ: AtomicU64 = AtomicU64::new(0);

/// The next number for a status snapshot: strictly higher than every number handed out before
/// in this process. A snapshot taken later carries a higher number, so a reader that receives
/// snapshots out of order (a command's reply overtaken by an event) keeps the newest.
pub fn next_status_seq() -> u64 {
    STATUS_SEQ.fetch_add(1, Ordering::SeqCst) + 1
}

/// Whether a refresh runs, and whether another was asked for while it ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct RefreshFlags {
    /// A refresh runs (or is about to start).
    pub running: bool,
    /// Asked for during the current run: one more run follows it.
    #[serde(skip)]
    pub again: bool,
}

impl RefreshFlags {
    /// A refresh is asked for. `true`: the caller starts one now. `false`: one is running, and
    /// one more run follows it (any number of requests during one run make one more run).
    pub fn request(&mut self) -> bool {
        if self.running {
            self.again = true;
            false
        } else {
            self.running = true;
            self.again = false;
            true
        }
    }

    /// The current run ended, whichever way. `true`: a request came in meanwhile, so the caller
    /// runs once more (`running` stays set). `false`: nothing runs any more.
    pub fn finish(&mut self) -> bool {
        if self.running && self.again {
            self.again = false;
            true
        } else {
            *self = RefreshFlags::default();
            false
        }
    }

    /// The task that ran the refreshes is gone (a panic, or cancelled at shutdown).
    pub fn abandon(&mut self) {
        *self = RefreshFlags::default();
    }
}

/// Calls its function when dropped, unless disarmed: the one place that clears a refresh's
/// `running` flag when the task running it ends any other way than through its loop (a panic
/// unwinding through it, or the task being cancelled).
pub struct ResetGuard<F: FnOnce()> {
    reset: Option<F>,
}

impl<F: FnOnce()> ResetGuard<F> {
    pub fn new(reset: F) -> Self {
        ResetGuard { reset: Some(reset) }
    }
    /// The loop ended normally and cleared the flag itself.
    pub fn disarm(mut self) {
        self.reset = None;
    }
}

impl<F: FnOnce()> Drop for ResetGuard<F> {
    fn drop(&mut self) {
        if let Some(reset) = self.reset.take() {
            reset();
        }
    }
}

/// How one bounded run ended.
#[derive(Debug)]
pub enum RunEnd {
    /// It returned by itself.
    Finished(Result<()>),
    /// It took longer than the deadline and was stopped.
    Overran(Duration),
    /// It panicked (or was cancelled from outside).
    Panicked,
}

impl RunEnd {
    /// The outcome as the clerk reads it.
    pub fn into_result(self) -> Result<()> {
        match self {
            RunEnd::Finished(r) => r,
            RunEnd::Overran(d) => Err(refresh_overran(d)),
            RunEnd::Panicked => Err(Error::new(
                ErrorCode::Internal,
                "Het bijwerken van de opzoeklijsten is onverwacht gestopt. Probeer het opnieuw met de knop Bijwerken.",
                "Updating the look-ups stopped unexpectedly. Try again with the Update button.",
            )),
        }
    }
}

/// The error a refresh that ran past its deadline ends with.
pub fn refresh_overran(deadline: Duration) -> Error {
    let minutes = deadline.as_secs().div_ceil(60).max(1);
    Error::new(
        ErrorCode::Cancelled,
        format!(
            "Het bijwerken van de opzoeklijsten duurde langer dan {minutes} minuten en is gestopt. \
             Wat al binnen was, blijft bewaard; de volgende keer gaat het verder waar het bleef."
        ),
        format!(
            "Updating the look-ups took longer than {minutes} minutes and was stopped. \
             What arrived is kept; the next update continues where this one stopped."
        ),
    )
}

/// Runs `work` as a task of its own, bounded by `deadline`: an overrun stops it, and a panic in
/// it ends it like an error instead of taking the caller along. Must be called inside a Tokio
/// runtime.
pub async fn run_bounded<F>(deadline: Duration, work: F) -> RunEnd
where
    F: Future<Output = Result<()>> + Send + 'static,
{
    let mut task = tokio::spawn(work);
    match tokio::time::timeout(deadline, &mut task).await {
        Ok(Ok(r)) => RunEnd::Finished(r),
        Ok(Err(_)) => RunEnd::Panicked,
        Err(_) => {
            task.abort();
            RunEnd::Overran(deadline)
        }
    }
}

/// Runs refreshes until no more is asked for: each run is bounded by `deadline` (see
/// [`run_bounded`]); `ended` records its outcome and answers whether another run was asked for
/// meanwhile (normally [`RefreshFlags::finish`] under the caller's lock).
pub async fn run_refreshes<W, Fut>(
    deadline: Duration,
    mut work: W,
    mut ended: impl FnMut(Result<()>) -> bool,
) where
    W: FnMut() -> Fut,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    loop {
        let outcome = run_bounded(deadline, work()).await.into_result();
        if !ended(outcome) {
            break;
        }
    }
}

#[cfg(test)]
mod refresh_tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Arc, Mutex};

    #[test]
    fn a_request_during_a_refresh_is_queued_as_one_more_run_not_dropped() {
        let mut f = RefreshFlags::default();
        assert!(f.request(), "the first request starts a run");
        assert!(
            !f.request(),
            "a request while it runs does not start a second one"
        );
        assert!(!f.request());
        assert!(f.running && f.again);
        assert!(f.finish(), "the queued request makes one more run");
        assert!(f.running && !f.again);
        assert!(!f.finish(), "and only one");
        assert_eq!(f, RefreshFlags::default());
        assert!(f.request(), "idle again: the next request starts a run");
    }

    #[test]
    fn abandoning_clears_running_and_the_queued_request() {
        let mut f = RefreshFlags::default();
        f.request();
        f.request();
        f.abandon();
        assert_eq!(f, RefreshFlags::default());
        assert!(!f.finish());
    }

    #[test]
    fn status_numbers_only_go_up_even_from_many_threads() {
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    let mut seen = Vec::new();
                    for _ in 0..1000 {
                        seen.push(next_status_seq());
                    }
                    seen
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in threads {
            let seen = t.join().expect("thread");
            assert!(
                seen.windows(2).all(|w| w[0] < w[1]),
                "increasing per thread"
            );
            all.extend(seen);
        }
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "no number is handed out twice");
        assert!(next_status_seq() > *all.last().unwrap_or(&0));
    }

    #[tokio::test]
    async fn a_panicking_refresh_ends_as_an_error_and_the_caller_goes_on() {
        let fails = true;
        let end = run_bounded(Duration::from_secs(600), async move {
            if fails {
                panic!("a bug in a back end");
            }
            Ok(())
        })
        .await;
        assert!(matches!(end, RunEnd::Panicked), "{end:?}");
        let e = end.into_result().unwrap_err();
        assert_eq!(e.code, ErrorCode::Internal);
    }

    #[tokio::test]
    async fn a_refresh_that_never_ends_is_stopped_at_its_deadline_with_a_message_in_both_languages()
    {
        let stopped = Arc::new(AtomicUsize::new(0));
        struct Dropped(Arc<AtomicUsize>);
        impl Drop for Dropped {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let d = Dropped(stopped.clone());
        let end = run_bounded(Duration::from_millis(20), async move {
            let _d = d;
            std::future::pending::<()>().await;
            Ok(())
        })
        .await;
        assert!(matches!(end, RunEnd::Overran(_)), "{end:?}");
        let e = refresh_overran(REFRESH_DEADLINE);
        assert_eq!(e.code, ErrorCode::Cancelled);
        assert!(e.message.get(crate::i18n::Lang::Nl).contains("10 minuten"));
        assert!(e.message.get(crate::i18n::Lang::En).contains("10 minutes"));
        // The overrun task is stopped, not left running in the background.
        for _ in 0..1000 {
            if stopped.load(Ordering::SeqCst) == 1 {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(stopped.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_request_that_comes_in_during_a_refresh_gets_a_run_of_its_own_after_it() {
        let flags = Arc::new(Mutex::new(RefreshFlags::default()));
        assert!(flags.lock().unwrap().request());
        let runs = Arc::new(AtomicUsize::new(0));
        let (f2, r2) = (flags.clone(), runs.clone());
        run_refreshes(
            Duration::from_secs(600),
            move || {
                let (f, r) = (f2.clone(), r2.clone());
                async move {
                    if r.fetch_add(1, Ordering::SeqCst) == 0 {
                        // The clerk clicks "Update" twice while the first run is busy.
                        assert!(!f.lock().unwrap().request());
                        assert!(!f.lock().unwrap().request());
                        panic!("and the first run fails badly");
                    }
                    Ok(())
                }
            },
            |_| flags.lock().unwrap().finish(),
        )
        .await;
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_eq!(*flags.lock().unwrap(), RefreshFlags::default());
    }

    #[tokio::test]
    async fn the_guard_clears_running_when_the_refresh_task_is_cancelled_or_panics() {
        for panics in [false, true] {
            let flags = Arc::new(Mutex::new(RefreshFlags::default()));
            assert!(flags.lock().unwrap().request());
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let f = flags.clone();
            let task = tokio::spawn(async move {
                let reset_flags = f.clone();
                let guard = ResetGuard::new(move || reset_flags.lock().unwrap().abandon());
                run_refreshes(
                    Duration::from_secs(600),
                    || async { Ok(()) },
                    |_| {
                        if panics {
                            panic!("a bug while recording the outcome");
                        }
                        // Stays here until cancelled.
                        true
                    },
                )
                .await;
                let _ = tx.send(());
                guard.disarm();
            });
            if !panics {
                tokio::task::yield_now().await;
                task.abort();
            }
            let _ = task.await;
            drop(rx);
            assert_eq!(
                *flags.lock().unwrap(),
                RefreshFlags::default(),
                "running is cleared (panic: {panics})"
            );
        }
    }
}
