//! `lockcheck::tokio::RwLock`: tokio's async reader-writer lock, its acquisitions checked.

use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use tokio::sync::TryLockError;

use crate::core::{Guard, Hold, LockId};
use crate::mode::Mode;

/// An async reader-writer lock whose acquisitions are checked: [`tokio::sync::RwLock`], with
/// the lock order, ranks and contracts of lockcheck's other locks, per task. Reads are shared:
/// tokio's lock is fair, so a second read by a task that holds one waits behind a queued writer
/// (a deadlock): reported, as for the sync locks.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use lockcheck_runtime::tokio::RwLock;
///
/// let l = RwLock::new(vec![1]);
/// l.write().await.push(2);
/// assert_eq!(*l.read().await, [1, 2]);
/// # }
/// ```
pub struct RwLock<T: ?Sized> {
    id: LockId,
    inner: tokio::sync::RwLock<T>,
}

/// Shared access to a [`RwLock`]'s data.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized>(Guard<tokio::sync::RwLockReadGuard<'a, T>>);

/// Exclusive access to a [`RwLock`]'s data.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized>(Guard<tokio::sync::RwLockWriteGuard<'a, T>>);

/// A [`RwLockWriteGuard`] narrowed to a part of the data ([`RwLockWriteGuard::map`]).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized>(Guard<tokio::sync::RwLockMappedWriteGuard<'a, T>>);

/// An owned read guard of a [`RwLock`] in an `Arc` ([`RwLock::read_owned`]). Needs `T:
/// 'static` (tokio's does not).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T: ?Sized + 'static> {
    // Dropped before `lock`, which keeps the lock it borrows alive at its address.
    guard: Guard<tokio::sync::RwLockReadGuard<'static, T>>,
    lock: Arc<RwLock<T>>,
}

/// An owned write guard of a [`RwLock`] in an `Arc` ([`RwLock::write_owned`]). Needs `T:
/// 'static` (tokio's does not).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T: ?Sized + 'static> {
    // Dropped before `lock`, which keeps the lock it borrows alive at its address.
    guard: Guard<tokio::sync::RwLockWriteGuard<'static, T>>,
    lock: Arc<RwLock<T>>,
}

impl<T> RwLock<T> {
    /// A new unlocked lock whose lock class is the caller's source location.
    #[track_caller]
    pub fn new(value: T) -> Self {
        Self::const_new(value)
    }

    /// As [`RwLock::new`], in a `const` context (a `static`).
    #[track_caller]
    pub const fn const_new(value: T) -> Self {
        RwLock {
            id: LockId::at(Location::caller()),
            inner: tokio::sync::RwLock::const_new(value),
        }
    }

    /// A new unlocked lock of the lock class `name` (shared with every lock so named).
    #[track_caller]
    pub const fn named(name: &'static str, value: T) -> Self {
        RwLock {
            id: LockId::named(name),
            inner: tokio::sync::RwLock::const_new(value),
        }
    }

    /// Consumes the lock and returns its value.
    pub fn into_inner(self) -> T {
        let RwLock { id, inner } = self;
        drop(id);
        inner.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Locks for reading, waiting (as a task) until no writer holds or waits for it.
    ///
    /// # Panics
    ///
    /// If this task already holds it for writing (waiting would never end), and on any
    /// violation under the default action.
    #[track_caller]
    pub fn read(&self) -> impl Future<Output = RwLockReadGuard<'_, T>> + '_ {
        #[cfg(lockcheck_checks)]
        {
            let a = self.acquire(Mode::Shared, Location::caller());
            async move {
                let hold = a.hold();
                let g = crate::core::acquire_async!(a, self.inner, read, try_read);
                RwLockReadGuard(Guard::new(g, hold))
            }
        }
        // Checks compiled out: tokio's future, its output wrapped.
        #[cfg(not(lockcheck_checks))]
        crate::core::Wrapped::new(self.inner.read(), |g| {
            RwLockReadGuard(Guard::new(g, Hold::none()))
        })
    }

    /// Locks for writing, waiting (as a task) until it is free.
    ///
    /// # Panics
    ///
    /// If this task already holds it (waiting would never end), and on any violation under
    /// the default action.
    #[track_caller]
    pub fn write(&self) -> impl Future<Output = RwLockWriteGuard<'_, T>> + '_ {
        #[cfg(lockcheck_checks)]
        {
            let a = self.acquire(Mode::Exclusive, Location::caller());
            async move {
                let hold = a.hold();
                let g = crate::core::acquire_async!(a, self.inner, write, try_write);
                RwLockWriteGuard(Guard::new(g, hold))
            }
        }
        // Checks compiled out: tokio's future, its output wrapped.
        #[cfg(not(lockcheck_checks))]
        crate::core::Wrapped::new(self.inner.write(), |g| {
            RwLockWriteGuard(Guard::new(g, Hold::none()))
        })
    }

    /// Locks for reading from outside the runtime, blocking the thread.
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        let a = self.acquire(Mode::Shared, Location::caller());
        let hold = a.hold();
        let g = a.blocking(|| self.inner.try_read().ok(), || self.inner.blocking_read());
        RwLockReadGuard(Guard::new(g, hold))
    }

    /// Locks for writing from outside the runtime, blocking the thread.
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        let a = self.acquire(Mode::Exclusive, Location::caller());
        let hold = a.hold();
        let g = a.blocking(
            || self.inner.try_write().ok(),
            || self.inner.blocking_write(),
        );
        RwLockWriteGuard(Guard::new(g, hold))
    }

    /// Locks for reading if that needs no wait.
    ///
    /// # Errors
    ///
    /// tokio's [`TryLockError`] when a writer holds or waits for it.
    #[track_caller]
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        let a = self.acquire(Mode::Shared, Location::caller());
        let hold = a.hold();
        let g = a.try_now(|| self.inner.try_read())?;
        Ok(RwLockReadGuard(Guard::new(g, hold)))
    }

    /// Locks for writing if it is free.
    ///
    /// # Errors
    ///
    /// tokio's [`TryLockError`] when it is held.
    #[track_caller]
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        let a = self.acquire(Mode::Exclusive, Location::caller());
        let hold = a.hold();
        let g = a.try_now(|| self.inner.try_write())?;
        Ok(RwLockWriteGuard(Guard::new(g, hold)))
    }

    /// The mode the current task (or thread) holds it in, if it does.
    pub fn held_mode(&self) -> Option<Mode> {
        self.id.held_mode()
    }

    /// A mutable reference to the data; no locking is needed, the borrow is exclusive.
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    /// The lock's identity (`Lockable`).
    pub(crate) fn lock_id(&self) -> &LockId {
        &self.id
    }

    fn acquire(&self, mode: Mode, site: &'static Location<'static>) -> crate::core::AsyncAcquire {
        self.id.async_acquire::<Self>(mode, site)
    }
}

impl<T: ?Sized + 'static> RwLock<T> {
    /// [`RwLock::read`], for a guard that owns its `Arc`.
    #[track_caller]
    pub fn read_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockReadGuard<T>> {
        let a = self.acquire(Mode::Shared, Location::caller());
        async move {
            let hold = a.hold();
            // SAFETY: the guard borrows the lock inside `self`, an `Arc` the owned guard keeps
            // (and drops after the guard): the lock outlives the guard at a fixed address.
            let this: &'static Self = unsafe { &*Arc::as_ptr(&self) };
            let g = crate::core::acquire_async!(a, this.inner, read, try_read);
            OwnedRwLockReadGuard {
                guard: Guard::new(g, hold),
                lock: self,
            }
        }
    }

    /// [`RwLock::write`], for a guard that owns its `Arc`.
    #[track_caller]
    pub fn write_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockWriteGuard<T>> {
        let a = self.acquire(Mode::Exclusive, Location::caller());
        async move {
            let hold = a.hold();
            // SAFETY: as in `read_owned`.
            let this: &'static Self = unsafe { &*Arc::as_ptr(&self) };
            let g = crate::core::acquire_async!(a, this.inner, write, try_write);
            OwnedRwLockWriteGuard {
                guard: Guard::new(g, hold),
                lock: self,
            }
        }
    }

    /// [`RwLock::try_read`], for an owned guard.
    ///
    /// # Errors
    ///
    /// tokio's [`TryLockError`] when a writer holds or waits for it.
    #[track_caller]
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        let a = self.acquire(Mode::Shared, Location::caller());
        let hold = a.hold();
        // SAFETY: as in `read_owned`.
        let this: &'static Self = unsafe { &*Arc::as_ptr(&self) };
        let g = a.try_now(|| this.inner.try_read())?;
        Ok(OwnedRwLockReadGuard {
            guard: Guard::new(g, hold),
            lock: self,
        })
    }

    /// [`RwLock::try_write`], for an owned guard.
    ///
    /// # Errors
    ///
    /// tokio's [`TryLockError`] when it is held.
    #[track_caller]
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        let a = self.acquire(Mode::Exclusive, Location::caller());
        let hold = a.hold();
        // SAFETY: as in `read_owned`.
        let this: &'static Self = unsafe { &*Arc::as_ptr(&self) };
        let g = a.try_now(|| this.inner.try_write())?;
        Ok(OwnedRwLockWriteGuard {
            guard: Guard::new(g, hold),
            lock: self,
        })
    }
}

crate::locks::default_and_from!(RwLock);

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.inner, f)
    }
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the guard to a part of the data; the lock stays held.
    pub fn map<U: ?Sized>(this: Self, f: impl FnOnce(&T) -> &U) -> RwLockReadGuard<'a, U> {
        let (inner, hold) = Self::into_parts(this);
        RwLockReadGuard(Guard::new(
            tokio::sync::RwLockReadGuard::map(inner, f),
            hold,
        ))
    }

    /// As [`RwLockReadGuard::map`], when `f` may decline (the guard is given back).
    ///
    /// # Errors
    ///
    /// The guard itself, when `f` returns `None`.
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&T) -> Option<&U>,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        let (inner, hold) = Self::into_parts(this);
        match tokio::sync::RwLockReadGuard::try_map(inner, f) {
            Ok(g) => Ok(RwLockReadGuard(Guard::new(g, hold))),
            Err(g) => Err(RwLockReadGuard(Guard::new(g, hold))),
        }
    }

    fn into_parts(this: Self) -> (tokio::sync::RwLockReadGuard<'a, T>, Hold) {
        this.0.into_parts()
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Narrows the guard to a part of the data; the lock stays held for writing.
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> RwLockMappedWriteGuard<'a, U> {
        let (inner, hold) = Self::into_parts(this);
        RwLockMappedWriteGuard(Guard::new(
            tokio::sync::RwLockWriteGuard::map(inner, f),
            hold,
        ))
    }

    /// As [`RwLockWriteGuard::map`], when `f` may decline (the guard is given back).
    ///
    /// # Errors
    ///
    /// The guard itself, when `f` returns `None`.
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        let (inner, hold) = Self::into_parts(this);
        match tokio::sync::RwLockWriteGuard::try_map(inner, f) {
            Ok(g) => Ok(RwLockMappedWriteGuard(Guard::new(g, hold))),
            Err(g) => Err(RwLockWriteGuard(Guard::new(g, hold))),
        }
    }

    /// Turns the write hold into a read hold without letting a writer in between; the task's
    /// held entry says it is read now.
    pub fn downgrade(this: Self) -> RwLockReadGuard<'a, T> {
        let (inner, hold) = Self::into_parts(this);
        let g = inner.downgrade();
        hold.set_mode(crate::mode::Mode::Shared);
        RwLockReadGuard(Guard::new(g, hold))
    }

    fn into_parts(this: Self) -> (tokio::sync::RwLockWriteGuard<'a, T>, Hold) {
        this.0.into_parts()
    }
}

crate::core::guard_traits!(['a, T: ?Sized] RwLockReadGuard<'a, T> => T, 0);
crate::core::guard_traits!(['a, T: ?Sized] RwLockWriteGuard<'a, T> => T, 0, mut);
crate::core::guard_traits!(['a, T: ?Sized] RwLockMappedWriteGuard<'a, T> => T, 0, mut);
crate::core::guard_traits!([T: ?Sized + 'static] OwnedRwLockReadGuard<T> => T, guard);
crate::core::guard_traits!([T: ?Sized + 'static] OwnedRwLockWriteGuard<T> => T, guard, mut);

impl<T: ?Sized + 'static> OwnedRwLockReadGuard<T> {
    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized + 'static> OwnedRwLockWriteGuard<T> {
    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// Turns the write hold into a read hold without letting a writer in between.
    pub fn downgrade(this: Self) -> OwnedRwLockReadGuard<T> {
        let OwnedRwLockWriteGuard { guard, lock } = this;
        let (inner, hold) = guard.into_parts();
        let g = inner.downgrade();
        hold.set_mode(crate::mode::Mode::Shared);
        OwnedRwLockReadGuard {
            guard: Guard::new(g, hold),
            lock,
        }
    }
}

crate::contract::lockable!([T: ?Sized] RwLock<T>);
