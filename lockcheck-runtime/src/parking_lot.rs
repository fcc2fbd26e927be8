//! parking_lot's API with the locks checked (cargo feature `parking_lot`): replace
//! `use parking_lot::{Mutex, Condvar};` with `use lockcheck::parking_lot::{Mutex, Condvar};`.
//!
//! The locks are [`crate::lock_api`]'s checked locks over parking_lot's own raw locks, under
//! parking_lot's names (`Mutex`, `FairMutex`, `RwLock`, `ReentrantMutex` and their guards,
//! `const_mutex` and friends); [`Condvar`] takes `&mut MutexGuard` as parking_lot's does and
//! returns what it returns. `Once`, `OnceState` and the raw locks are parking_lot's own.
//!
//! # Examples
//!
//! ```
//! use lockcheck_runtime::parking_lot::{Condvar, Mutex};
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! let pair = Arc::new((Mutex::new(false), Condvar::new()));
//! let p2 = Arc::clone(&pair);
//! std::thread::spawn(move || {
//!     *p2.0.lock() = true;
//!     p2.1.notify_one();
//! });
//! let (lock, cvar) = &*pair;
//! let mut started = lock.lock();
//! if !*started {
//!     cvar.wait_for(&mut started, Duration::from_secs(5));
//! }
//! ```

use std::time::{Duration, Instant};

pub use parking_lot::{
    Once, OnceState, RawFairMutex, RawMutex, RawRwLock, RawThreadId, WaitTimeoutResult,
};

use crate::lock_api as checked;

/// parking_lot's `Mutex`, checked.
pub type Mutex<T> = checked::Mutex<RawMutex, T>;
/// Holds a [`Mutex`].
pub type MutexGuard<'a, T> = checked::MutexGuard<'a, RawMutex, T>;
/// A [`MutexGuard`] mapped to a part of the data.
pub type MappedMutexGuard<'a, T> = checked::MappedMutexGuard<'a, RawMutex, T>;
/// parking_lot's `FairMutex`, checked.
pub type FairMutex<T> = checked::Mutex<RawFairMutex, T>;
/// Holds a [`FairMutex`].
pub type FairMutexGuard<'a, T> = checked::MutexGuard<'a, RawFairMutex, T>;
/// A [`FairMutexGuard`] mapped to a part of the data.
pub type MappedFairMutexGuard<'a, T> = checked::MappedMutexGuard<'a, RawFairMutex, T>;
/// parking_lot's `RwLock`, checked.
pub type RwLock<T> = checked::RwLock<RawRwLock, T>;
/// Holds an [`RwLock`] for reading.
pub type RwLockReadGuard<'a, T> = checked::RwLockReadGuard<'a, RawRwLock, T>;
/// Holds an [`RwLock`] for writing.
pub type RwLockWriteGuard<'a, T> = checked::RwLockWriteGuard<'a, RawRwLock, T>;
/// Holds an [`RwLock`] for an upgradable read.
pub type RwLockUpgradableReadGuard<'a, T> = checked::RwLockUpgradableReadGuard<'a, RawRwLock, T>;
/// A read guard mapped to a part of the data.
pub type MappedRwLockReadGuard<'a, T> = checked::MappedRwLockReadGuard<'a, RawRwLock, T>;
/// A write guard mapped to a part of the data.
pub type MappedRwLockWriteGuard<'a, T> = checked::MappedRwLockWriteGuard<'a, RawRwLock, T>;
/// parking_lot's `ReentrantMutex`, checked.
pub type ReentrantMutex<T> = checked::ReentrantMutex<RawMutex, RawThreadId, T>;
/// Holds a [`ReentrantMutex`].
pub type ReentrantMutexGuard<'a, T> = checked::ReentrantMutexGuard<'a, RawMutex, RawThreadId, T>;

/// A [`Mutex`] guard that owns an `Arc` of its mutex (feature `arc_lock`).
#[cfg(feature = "arc_lock")]
pub type ArcMutexGuard<T> = checked::ArcMutexGuard<RawMutex, T>;

/// An [`RwLock`] read guard that owns an `Arc` of its lock (feature `arc_lock`).
#[cfg(feature = "arc_lock")]
pub type ArcRwLockReadGuard<T> = checked::ArcRwLockReadGuard<RawRwLock, T>;
/// An [`RwLock`] write guard that owns an `Arc` of its lock (feature `arc_lock`).
#[cfg(feature = "arc_lock")]
pub type ArcRwLockWriteGuard<T> = checked::ArcRwLockWriteGuard<RawRwLock, T>;
/// A [`ReentrantMutexGuard`] mapped to a part of the data.
pub type MappedReentrantMutexGuard<'a, T> =
    checked::MappedReentrantMutexGuard<'a, RawMutex, RawThreadId, T>;

/// A [`Mutex`] in a constant context (its class: the caller's line).
#[track_caller]
pub const fn const_mutex<T>(val: T) -> Mutex<T> {
    Mutex::new(val)
}

/// A [`FairMutex`] in a constant context.
#[track_caller]
pub const fn const_fair_mutex<T>(val: T) -> FairMutex<T> {
    FairMutex::new(val)
}

/// An [`RwLock`] in a constant context.
#[track_caller]
pub const fn const_rwlock<T>(val: T) -> RwLock<T> {
    RwLock::new(val)
}

/// A [`ReentrantMutex`] in a constant context.
#[track_caller]
pub const fn const_reentrant_mutex<T>(val: T) -> ReentrantMutex<T> {
    ReentrantMutex::new(val)
}

/// parking_lot's `Condvar`: waits take `&mut MutexGuard`. While a thread waits, its held stack
/// says the mutex is not held; after the wait it is held again, re-checked at the wait's site.
///
/// Waits and notifies are ordered against the other locks held, as [`crate::Condvar`]'s are
/// (timed waits teach nothing).
#[derive(Debug)]
pub struct Condvar {
    point: crate::core::WaitPoint,
    inner: parking_lot::Condvar,
}

impl Default for Condvar {
    #[track_caller]
    fn default() -> Self {
        Condvar::new()
    }
}

impl Condvar {
    /// A new condition variable.
    #[track_caller]
    pub const fn new() -> Condvar {
        Condvar {
            point: crate::core::WaitPoint::at(
                std::panic::Location::caller(),
                crate::wait_class::WaitKind::Condvar,
            ),
            inner: parking_lot::Condvar::new(),
        }
    }

    /// Wakes one waiting thread; whether one was woken.
    #[inline]
    #[track_caller]
    pub fn notify_one(&self) -> bool {
        self.point.wake();
        self.inner.notify_one()
    }

    /// Wakes every waiting thread; how many were woken.
    #[inline]
    #[track_caller]
    pub fn notify_all(&self) -> usize {
        self.point.wake();
        self.inner.notify_all()
    }

    /// Releases the mutex, waits for a notification, takes the mutex again.
    #[track_caller]
    pub fn wait<T: ?Sized>(&self, mutex_guard: &mut MutexGuard<'_, T>) {
        let (inner, hold) = checked::MutexGuard::lock_api_guard(mutex_guard);
        // Checked while the guard is whole: a violation's panic leaves it as it was.
        self.point.wait_releasing(hold);
        hold.while_unlocked(|| self.inner.wait(inner));
    }

    /// As [`Condvar::wait`], giving up at `timeout`.
    #[track_caller]
    pub fn wait_until<T: ?Sized>(
        &self,
        mutex_guard: &mut MutexGuard<'_, T>,
        timeout: Instant,
    ) -> WaitTimeoutResult {
        let (inner, hold) = checked::MutexGuard::lock_api_guard(mutex_guard);
        self.point.waits_with(hold);
        hold.while_unlocked(|| self.inner.wait_until(inner, timeout))
    }

    /// As [`Condvar::wait`], giving up after `timeout`.
    #[track_caller]
    pub fn wait_for<T: ?Sized>(
        &self,
        mutex_guard: &mut MutexGuard<'_, T>,
        timeout: Duration,
    ) -> WaitTimeoutResult {
        let (inner, hold) = checked::MutexGuard::lock_api_guard(mutex_guard);
        self.point.waits_with(hold);
        hold.while_unlocked(|| self.inner.wait_for(inner, timeout))
    }

    /// Waits while `condition` returns `true` (it runs with the mutex held).
    #[track_caller]
    pub fn wait_while<T, F>(&self, mutex_guard: &mut MutexGuard<'_, T>, mut condition: F)
    where
        T: ?Sized,
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut **mutex_guard) {
            self.wait(mutex_guard);
        }
    }

    /// As [`Condvar::wait_while`], giving up at `timeout`.
    #[track_caller]
    pub fn wait_while_until<T, F>(
        &self,
        mutex_guard: &mut MutexGuard<'_, T>,
        condition: F,
        timeout: Instant,
    ) -> WaitTimeoutResult
    where
        T: ?Sized,
        F: FnMut(&mut T) -> bool,
    {
        let (inner, hold) = checked::MutexGuard::lock_api_guard(mutex_guard);
        self.point.waits_with(hold);
        hold.while_unlocked(|| self.inner.wait_while_until(inner, condition, timeout))
    }

    /// As [`Condvar::wait_while`], giving up after `timeout`.
    #[track_caller]
    pub fn wait_while_for<T: ?Sized, F>(
        &self,
        mutex_guard: &mut MutexGuard<'_, T>,
        condition: F,
        timeout: Duration,
    ) -> WaitTimeoutResult
    where
        F: FnMut(&mut T) -> bool,
    {
        let (inner, hold) = checked::MutexGuard::lock_api_guard(mutex_guard);
        self.point.waits_with(hold);
        hold.while_unlocked(|| self.inner.wait_while_for(inner, condition, timeout))
    }
}
