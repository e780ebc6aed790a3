//! Sending a waiting invoice under a lease, so that two processes on one store never both
//! send it: [`Store::claim`] takes the row with a conditional update (only while it waits and
//! nobody else holds an unexpired lease), the lease is renewed while the send runs, and it is
//! given up when the send is over. A process that stops while sending leaves the row in
//! `sending`; once its lease has run out another process takes it and asks the back end
//! before it sends anything (see [`crate::submit`]).

use crate::backend::Backend;
use crate::error::Result;
use crate::store::{OutboxEntry, Store, LEASE};
use crate::submit::{self, Outcome, RetryPolicy, UploadProgress};

/// Sends a row this store has claimed ([`Store::claim`]), renewing the lease while it runs
/// and giving it up afterwards.
pub async fn send_claimed(
    store: &Store,
    backend: &dyn Backend,
    entry: OutboxEntry,
    policy: RetryPolicy,
    progress: UploadProgress<'_>,
) -> Result<Outcome> {
    let draft_id = entry.draft_id;
    let send = submit::resume(store, backend, entry, policy, progress);
    tokio::pin!(send);
    let mut renew = tokio::time::interval(LEASE / 4);
    renew.tick().await; // the first tick is immediate; the claim has just set the lease
    let result = loop {
        tokio::select! {
            r = &mut send => break r,
            _ = renew.tick() => match store.renew_lease(draft_id) {
                Ok(true) => {}
                Ok(false) => tracing::warn!(%draft_id, "the lease on an invoice being sent was lost"),
                Err(e) => tracing::warn!(%draft_id, code = ?e.code, "a lease could not be renewed"),
            },
        }
    };
    if let Err(e) = store.release(draft_id) {
        tracing::warn!(%draft_id, code = ?e.code, "a lease could not be given up; it runs out");
    }
    result
}
