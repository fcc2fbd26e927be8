//! `lockcheck::tokio::Mutex`: tokio's async mutex, its acquisitions checked.

use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use tokio::sync::TryLockError;

use crate::core::{Guard, Hold, LockId};

use crate::mode::Mode;

/// An async mutex whose acquisitions are checked: [`tokio::sync::Mutex`], with the lock order,
/// recursion, ranks and contracts of lockcheck's other locks, per task.
///
/// `lock().await` is checked where the task first polls it, before it waits: an order that
/// closes a cycle with orders other tasks (or threads) took is reported then, so two tasks that
/// would deadlock are reported instead of parked forever. A task may hold it across an `.await`.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use lockcheck_runtime::tokio::Mutex;
///
/// let m = Mutex::new(1);
/// *m.lock().await += 1;
/// assert_eq!(*m.lock().await, 2);
/// assert!(m.try_lock().is_ok());
/// # }
/// ```
pub struct Mutex<T: ?Sized> {
    id: LockId,
    inner: tokio::sync::Mutex<T>,
}

// SAFETY-free: the class field is `Sync` (atomics), the rest is tokio's.

/// Holds a [`Mutex`] locked; unlocks it (and updates the task's held stack) when dropped.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized>(Guard<tokio::sync::MutexGuard<'a, T>>);

/// A [`MutexGuard`] narrowed to a part of the data ([`MutexGuard::map`]).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, T: ?Sized>(Guard<tokio::sync::MappedMutexGuard<'a, T>>);

/// An owned guard of a [`Mutex`] in an `Arc` ([`Mutex::lock_owned`]): `'static`, so it can be
/// moved into a spawned task. Unlike tokio's, it needs `T: 'static`.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMutexGuard<T: ?Sized + 'static> {
    // Dropped before `lock`, which keeps the lock it borrows alive at its address.
    guard: Guard<tokio::sync::MutexGuard<'static, T>>,
    lock: Arc<Mutex<T>>,
}

impl<T> Mutex<T> {
    /// A new unlocked mutex whose lock class is the caller's source location.
    #[track_caller]
    pub fn new(value: T) -> Self {
        Self::const_new(value)
    }

    /// As [`Mutex::new`], in a `const` context (a `static`).
    ///
    /// ```
    /// static QUEUE: lockcheck_runtime::tokio::Mutex<Vec<u8>> =
    ///     lockcheck_runtime::tokio::Mutex::const_new(Vec::new());
    /// ```
    #[track_caller]
    pub const fn const_new(value: T) -> Self {
        Mutex {
            id: LockId::at(Location::caller()),
            inner: tokio::sync::Mutex::const_new(value),
        }
    }

    /// A new unlocked mutex of the lock class `name`: every lock named alike (of any flavour,
    /// sync or async) shares the class, and a declared rank of that name applies to it.
    #[track_caller]
    pub const fn named(name: &'static str, value: T) -> Self {
        Mutex {
            id: LockId::named(name),
            inner: tokio::sync::Mutex::const_new(value),
        }
    }

    /// Consumes the mutex and returns its value.
    pub fn into_inner(self) -> T {
        let Mutex { id, inner } = self;
        drop(id);
        inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, waiting (as a task, without blocking the thread) until it is free.
    ///
    /// The acquisition is checked at the future's first poll, against the locks this task
    /// holds, before it waits.
    ///
    /// # Panics
    ///
    /// If this task already holds this mutex (waiting would never end): the violation is
    /// reported, then the future panics. With the default action, any violation panics.
    #[track_caller]
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T>> + '_ {
        #[cfg(lockcheck_checks)]
        {
            let a = self.acquire(Location::caller());
            async move {
                let hold = a.hold();
                let g = crate::core::acquire_async!(a, self.inner, lock, try_lock);
                MutexGuard(Guard::new(g, hold))
            }
        }
        // Checks compiled out: tokio's future, its output wrapped (no state of its own).
        #[cfg(not(lockcheck_checks))]
        crate::core::Wrapped::new(self.inner.lock(), |g| {
            MutexGuard(Guard::new(g, Hold::none()))
        })
    }

    /// Locks the mutex from outside the runtime, blocking the thread (tokio's `blocking_lock`;
    /// it panics inside an async context). Checked as a blocking acquisition of the thread.
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        let a = self.acquire(Location::caller());
        let hold = a.hold();
        let g = a.blocking(|| self.inner.try_lock().ok(), || self.inner.blocking_lock());
        MutexGuard(Guard::new(g, hold))
    }

    /// Locks the mutex if it is free, without waiting. A successful `try_lock` adds no order
    /// edge into this mutex (it could not deadlock), but the mutex is held afterwards.
    ///
    /// # Errors
    ///
    /// tokio's [`TryLockError`] when the mutex is locked.
    #[track_caller]
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        let a = self.acquire(Location::caller());
        let hold = a.hold();
        let g = a.try_now(|| self.inner.try_lock())?;
        Ok(MutexGuard(Guard::new(g, hold)))
    }

    /// Whether the current task (or thread, outside a task) holds this mutex. Always `false`
    /// when the checker is compiled out.
    pub fn is_held(&self) -> bool {
        self.id.is_held()
    }

    /// A mutable reference to the data; no locking is needed, the borrow is exclusive.
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    /// The lock's identity (`Lockable`).
    pub(crate) fn lock_id(&self) -> &LockId {
        &self.id
    }

    fn acquire(&self, site: &'static Location<'static>) -> crate::core::AsyncAcquire {
        self.id.async_acquire::<Self>(Mode::Exclusive, site)
    }
}

impl<T: ?Sized + 'static> Mutex<T> {
    /// Locks the mutex in an `Arc`, for a guard that owns its `Arc` (`'static`).
    #[track_caller]
    pub fn lock_owned(self: Arc<Self>) -> impl Future<Output = OwnedMutexGuard<T>> {
        let a = self.acquire(Location::caller());
        async move {
            let hold = a.hold();
            // SAFETY: the guard borrows the mutex inside `self`, an `Arc` the owned guard keeps
            // (and drops after the guard), so the mutex outlives the guard at a fixed address.
            let this: &'static Self = unsafe { &*Arc::as_ptr(&self) };
            let g = crate::core::acquire_async!(a, this.inner, lock, try_lock);
            OwnedMutexGuard {
                guard: Guard::new(g, hold),
                lock: self,
            }
        }
    }

    /// [`Mutex::blocking_lock`], for an owned guard.
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        let a = self.acquire(Location::caller());
        let hold = a.hold();
        // SAFETY: as in `lock_owned`.
        let this: &'static Self = unsafe { &*Arc::as_ptr(&self) };
        let g = a.blocking(|| this.inner.try_lock().ok(), || this.inner.blocking_lock());
        OwnedMutexGuard {
            guard: Guard::new(g, hold),
            lock: self,
        }
    }

    /// [`Mutex::try_lock`], for an owned guard.
    ///
    /// # Errors
    ///
    /// tokio's [`TryLockError`] when the mutex is locked.
    #[track_caller]
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        let a = self.acquire(Location::caller());
        let hold = a.hold();
        // SAFETY: as in `lock_owned`.
        let this: &'static Self = unsafe { &*Arc::as_ptr(&self) };
        let g = a.try_now(|| this.inner.try_lock())?;
        Ok(OwnedMutexGuard {
            guard: Guard::new(g, hold),
            lock: self,
        })
    }
}

crate::locks::default_and_from!(Mutex);

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.inner, f)
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Narrows the guard to a part of the data; the lock stays held.
    pub fn map<U: ?Sized>(this: Self, f: impl FnOnce(&mut T) -> &mut U) -> MappedMutexGuard<'a, U> {
        let (inner, hold) = Self::into_parts(this);
        MappedMutexGuard(Guard::new(tokio::sync::MutexGuard::map(inner, f), hold))
    }

    /// As [`MutexGuard::map`], when `f` may decline (the guard is given back).
    ///
    /// # Errors
    ///
    /// The guard itself, when `f` returns `None`.
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        let (inner, hold) = Self::into_parts(this);
        match tokio::sync::MutexGuard::try_map(inner, f) {
            Ok(g) => Ok(MappedMutexGuard(Guard::new(g, hold))),
            Err(g) => Err(MutexGuard(Guard::new(g, hold))),
        }
    }

    fn into_parts(this: Self) -> (tokio::sync::MutexGuard<'a, T>, Hold) {
        this.0.into_parts()
    }
}

/// An [`OwnedMutexGuard`] narrowed to a part of the data ([`OwnedMutexGuard::map`]). Unlike
/// tokio's, it needs `U: 'static`.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMappedMutexGuard<T: ?Sized + 'static, U: ?Sized + 'static> {
    // Dropped before `lock`, which keeps the lock it borrows alive at its address.
    guard: Guard<tokio::sync::MappedMutexGuard<'static, U>>,
    lock: Arc<Mutex<T>>,
}

impl<T: ?Sized + 'static> OwnedMutexGuard<T> {
    /// The mutex this guard holds.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }

    /// Narrows the guard to a part of the data; the lock stays held.
    pub fn map<U: ?Sized + 'static>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> OwnedMappedMutexGuard<T, U> {
        let (inner, lock, hold) = Self::into_parts(this);
        OwnedMappedMutexGuard {
            guard: Guard::new(tokio::sync::MutexGuard::map(inner, f), hold),
            lock,
        }
    }

    /// As [`OwnedMutexGuard::map`], when `f` may decline (the guard is given back).
    ///
    /// # Errors
    ///
    /// The guard itself, when `f` returns `None`.
    pub fn try_map<U: ?Sized + 'static>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<OwnedMappedMutexGuard<T, U>, Self> {
        let (inner, lock, hold) = Self::into_parts(this);
        match tokio::sync::MutexGuard::try_map(inner, f) {
            Ok(g) => Ok(OwnedMappedMutexGuard {
                guard: Guard::new(g, hold),
                lock,
            }),
            Err(g) => Err(OwnedMutexGuard {
                guard: Guard::new(g, hold),
                lock,
            }),
        }
    }

    fn into_parts(this: Self) -> (tokio::sync::MutexGuard<'static, T>, Arc<Mutex<T>>, Hold) {
        let OwnedMutexGuard { guard, lock } = this;
        let (inner, hold) = guard.into_parts();
        (inner, lock, hold)
    }
}

impl<T: ?Sized + 'static, U: ?Sized + 'static> OwnedMappedMutexGuard<T, U> {
    /// The mutex this guard holds.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

crate::core::guard_traits!(['a, T: ?Sized] MutexGuard<'a, T> => T, 0, mut);
crate::core::guard_traits!(['a, T: ?Sized] MappedMutexGuard<'a, T> => T, 0, mut);
crate::core::guard_traits!([T: ?Sized + 'static] OwnedMutexGuard<T> => T, guard, mut);
crate::core::guard_traits!(
    [T: ?Sized + 'static, U: ?Sized + 'static] OwnedMappedMutexGuard<T, U> => U, guard, mut
);

crate::contract::lockable!([T: ?Sized] Mutex<T>);
