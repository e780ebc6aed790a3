//! The work done once at start that may run after the window shows (the built-in demo's
//! stand-in and connections), and the gate the commands wait at until it is done, so that no
//! command sees a half-made start (no demo connections yet on a first start).
//!
//! The store is opened before the window shows (a store that cannot be opened is the only
//! thing the window may show); everything else that can wait, waits until the event loop runs.

use std::sync::LazyLock;
use tokio::sync::watch;

/// `true` while nothing is under way. A process starts with the gate open: only the app's
/// setup closes it (tests that call commands directly never wait).
static GATE: LazyLock<watch::Sender<bool>> = LazyLock::new(|| watch::channel(true).0);

/// Closes the gate: commands wait until [`Opener`] is dropped.
pub fn close() -> Opener {
    GATE.send_replace(false);
    Opener(())
}

/// Opens the gate when dropped, however the start-up work ends (an error, a panic).
pub struct Opener(());

impl Drop for Opener {
    fn drop(&mut self) {
        GATE.send_replace(true);
    }
}

/// Waits until the start-up work is done (at once when it is).
pub async fn ready() {
    let mut rx = GATE.subscribe();
    // The sender is a static: it is never dropped, so this only ends with `true`.
    let _ = rx.wait_for(|open| *open).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    // One test, because the gate is one per process.
    #[tokio::test]
    async fn commands_wait_for_the_start_up_work_and_go_on_when_it_ends_even_by_a_panic() {
        // Open: no wait.
        tokio::time::timeout(Duration::from_secs(1), ready())
            .await
            .expect("an open gate does not wait");

        // Closed: a waiter waits until the opener is dropped.
        let opener = close();
        let waiter = tokio::spawn(ready());
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished(), "a closed gate waits");
        drop(opener);
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("the gate opens")
            .unwrap();

        // A panic in the start-up work opens it too.
        let work = tokio::spawn(async {
            let _opener = close();
            panic!("start-up work failed");
        });
        assert!(work.await.is_err());
        tokio::time::timeout(Duration::from_secs(1), ready())
            .await
            .expect("a panic opens the gate");
    }
}
