//! The checked lock types. They are thin: each wraps the std lock of the same name, over the
//! checked core (`core.rs`). With the checker compiled out (release builds without
//! the `release-checks` feature) they hold nothing but the std lock and cost nothing more.
//!
//! Poisoning is not surfaced: `lock()` returns the guard, as in parking_lot. A panic while a
//! lock was held leaves the data as the panicking code left it.

/// `Default` (a lock of the default value) and `From<T>`, both placing the class at the
/// caller's line, as `new` does.
macro_rules! default_and_from {
    ($lock:ident) => {
        impl<T: Default> Default for $lock<T> {
            #[track_caller]
            fn default() -> Self {
                $lock::new(T::default())
            }
        }

        impl<T> From<T> for $lock<T> {
            #[track_caller]
            fn from(value: T) -> Self {
                $lock::new(value)
            }
        }
    };
}
pub(crate) use default_and_from;

/// std's `try_*` result, as the protocol's "try" closure wants it: `None` when it would block,
/// the poisoning kept.
#[inline]
pub(crate) fn try_std<G>(r: std::sync::TryLockResult<G>) -> Option<std::sync::LockResult<G>> {
    match r {
        Ok(g) => Some(Ok(g)),
        Err(std::sync::TryLockError::Poisoned(p)) => Some(Err(p)),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

mod condvar;
mod mutex;
mod rwlock;

pub use condvar::Condvar;
pub use mutex::{Mutex, MutexGuard};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
