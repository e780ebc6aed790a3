//! A stand-in's state behind locks. A handler that panics while holding one leaves the state
//! as it was and the next request goes on with it: a stand-in serves tests and demos, where an
//! answer is worth more than a poisoned lock.

use std::sync::{LazyLock, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// How a data set is made when it is first needed.
type Make<T> = Box<dyn FnOnce() -> T + Send>;

/// Data many requests read at once and some change (the data set). It may be made when first
/// needed ([`Shared::lazy`]): the app's built-in demo serves every system's stand-in, and a
/// clerk who tries one system does not pay the memory of the other systems' data.
pub struct Shared<T>(LazyLock<RwLock<T>, Make<RwLock<T>>>);

impl<T: Send + 'static> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared(LazyLock::new(Box::new(move || RwLock::new(value))))
    }

    /// Made by `make` at the first read or write.
    pub fn lazy(make: impl FnOnce() -> T + Send + 'static) -> Self {
        Shared(LazyLock::new(Box::new(move || RwLock::new(make()))))
    }
}

impl<T> Shared<T> {
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T: Default + Send + 'static> Default for Shared<T> {
    fn default() -> Self {
        Shared::new(T::default())
    }
}

impl<T> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared(..)")
    }
}

/// A data set that is only read, made when first needed (see [`Shared::lazy`]).
pub type Made<T> = LazyLock<T, Make<T>>;

/// A [`Made`] data set, made by `make` at its first use.
pub fn made<T>(make: impl FnOnce() -> T + Send + 'static) -> Made<T> {
    LazyLock::new(Box::new(make))
}

/// Locks a mutex, poisoned or not.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn a_lazy_data_set_is_made_once_at_its_first_use_and_not_before() {
        let made_count = Arc::new(AtomicUsize::new(0));
        let counter = made_count.clone();
        let shared = Shared::lazy(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            vec![1, 2, 3]
        });
        assert_eq!(
            made_count.load(Ordering::SeqCst),
            0,
            "not made before it is needed"
        );
        assert_eq!(shared.read().len(), 3);
        shared.write().push(4);
        assert_eq!(*shared.read(), vec![1, 2, 3, 4]);
        assert_eq!(made_count.load(Ordering::SeqCst), 1, "made once");

        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let read_only = made(move || {
            c.fetch_add(1, Ordering::SeqCst);
            "data".to_string()
        });
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        assert_eq!(read_only.len(), 4);
        assert_eq!(read_only.as_str(), "data");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
