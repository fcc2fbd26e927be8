//! The checked lock types. They are thin: each wraps the std lock of the same name and calls
//! the protocol in `check.rs` around it. With the checker compiled out (release builds without
//! the `release-checks` feature) they hold nothing but the std lock and cost nothing more.
//!
//! Poisoning is not surfaced: `lock()` returns the guard, as in parking_lot. A panic while a
//! lock was held leaves the data as the panicking code left it.

/// Drop (real release first, then the held-stack entry), `Deref` (and `DerefMut` when asked),
/// `Debug` and `Display` for a guard with fields `inner: ManuallyDrop<std guard>` and, with the
/// checker compiled in, `instance`.
macro_rules! guard_impls {
    ($guard:ident $(, $mutable:ident)?) => {
        impl<T: ?Sized> Drop for $guard<'_, T> {
            #[inline]
            fn drop(&mut self) {
                // Release the real lock first, then the tracking entry: the entry never claims
                // less than the truth.
                // SAFETY: `inner` is dropped exactly once, here, and not used afterwards.
                unsafe { ::std::mem::ManuallyDrop::drop(&mut self.inner) };
                #[cfg(lockcheck_checks)]
                $crate::check::release(self.instance);
            }
        }

        impl<T: ?Sized> ::std::ops::Deref for $guard<'_, T> {
            type Target = T;
            #[inline]
            fn deref(&self) -> &T {
                &self.inner
            }
        }

        $(
            impl<T: ?Sized> ::std::ops::$mutable for $guard<'_, T> {
                #[inline]
                fn deref_mut(&mut self) -> &mut T {
                    &mut self.inner
                }
            }
        )?

        impl<T: ?Sized + ::std::fmt::Debug> ::std::fmt::Debug for $guard<'_, T> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: ?Sized + ::std::fmt::Display> ::std::fmt::Display for $guard<'_, T> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&**self, f)
            }
        }
    };
}
pub(crate) use guard_impls;

/// The std lock inside a checked lock being consumed (`into_inner`): with the checker on, the
/// lock is dropped as far as the checker is concerned (`check::lock_dropped`) and its std lock
/// moved out (a lock with `Drop` cannot be taken apart).
macro_rules! consume {
    ($lock:expr) => {{
        #[cfg(lockcheck_checks)]
        let inner = {
            let lock = $lock;
            $crate::check::lock_dropped(&lock.class);
            let this = ::std::mem::ManuallyDrop::new(lock);
            // SAFETY: `this` is never dropped nor used again, so `inner` is moved out exactly
            // once; the other field (the class) needs no drop.
            unsafe { ::std::ptr::read(&this.inner) }
        };
        #[cfg(not(lockcheck_checks))]
        let inner = $lock.inner;
        inner
    }};
}
pub(crate) use consume;

/// With the checker on, dropping a lock forgets its instance orders, and reports it if this
/// thread still holds it (`check::lock_dropped`).
macro_rules! forget_on_drop {
    ($lock:ident) => {
        #[cfg(lockcheck_checks)]
        impl<T: ?Sized> Drop for $lock<T> {
            #[inline]
            fn drop(&mut self) {
                $crate::check::lock_dropped(&self.class);
            }
        }
    };
}
pub(crate) use forget_on_drop;

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
