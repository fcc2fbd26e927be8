//! `lockcheck::tokio::RwLock`: tokio's async reader-writer lock, its acquisitions checked.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::sync::Arc;

use tokio::sync::TryLockError;

use crate::mode::Mode;
#[cfg(lockcheck_checks)]
use crate::{check, class::LazyClass};

use super::acquire::{self, Acquire};

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
    #[cfg(lockcheck_checks)]
    class: LazyClass,
    inner: tokio::sync::RwLock<T>,
}

/// Shared access to a [`RwLock`]'s data.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    inner: ManuallyDrop<tokio::sync::RwLockReadGuard<'a, T>>,
    instance: usize,
}

/// Exclusive access to a [`RwLock`]'s data.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    inner: ManuallyDrop<tokio::sync::RwLockWriteGuard<'a, T>>,
    instance: usize,
}

/// A [`RwLockWriteGuard`] narrowed to a part of the data ([`RwLockWriteGuard::map`]).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    inner: ManuallyDrop<tokio::sync::RwLockMappedWriteGuard<'a, T>>,
    instance: usize,
}

/// An owned read guard of a [`RwLock`] in an `Arc` ([`RwLock::read_owned`]). Needs `T:
/// 'static` (tokio's does not).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T: ?Sized + 'static> {
    // Dropped before `lock`, which keeps the lock it borrows alive at its address.
    inner: ManuallyDrop<tokio::sync::RwLockReadGuard<'static, T>>,
    lock: Arc<RwLock<T>>,
    instance: usize,
}

/// An owned write guard of a [`RwLock`] in an `Arc` ([`RwLock::write_owned`]). Needs `T:
/// 'static` (tokio's does not).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T: ?Sized + 'static> {
    inner: ManuallyDrop<tokio::sync::RwLockWriteGuard<'static, T>>,
    lock: Arc<RwLock<T>>,
    instance: usize,
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
            #[cfg(lockcheck_checks)]
            class: LazyClass::site(Location::caller()),
            inner: tokio::sync::RwLock::const_new(value),
        }
    }

    /// A new unlocked lock of the lock class `name` (shared with every lock so named).
    #[track_caller]
    pub const fn named(name: &'static str, value: T) -> Self {
        #[cfg(not(lockcheck_checks))]
        let _ = name;
        RwLock {
            #[cfg(lockcheck_checks)]
            class: LazyClass::name(name),
            inner: tokio::sync::RwLock::const_new(value),
        }
    }

    /// Consumes the lock and returns its value.
    pub fn into_inner(self) -> T {
        crate::locks::consume!(self).into_inner()
    }
}

crate::locks::forget_on_drop!(RwLock);

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
                let instance = a.instance();
                let g = acquire::acquire_async!(a, self.inner, read, try_read);
                RwLockReadGuard {
                    inner: ManuallyDrop::new(g),
                    instance,
                }
            }
        }
        // Checks compiled out: tokio's future, its output wrapped.
        #[cfg(not(lockcheck_checks))]
        acquire::Wrapped::new(self.inner.read(), |g| RwLockReadGuard {
            inner: ManuallyDrop::new(g),
            instance: 0,
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
                let instance = a.instance();
                let g = acquire::acquire_async!(a, self.inner, write, try_write);
                RwLockWriteGuard {
                    inner: ManuallyDrop::new(g),
                    instance,
                }
            }
        }
        // Checks compiled out: tokio's future, its output wrapped.
        #[cfg(not(lockcheck_checks))]
        acquire::Wrapped::new(self.inner.write(), |g| RwLockWriteGuard {
            inner: ManuallyDrop::new(g),
            instance: 0,
        })
    }

    /// Locks for reading from outside the runtime, blocking the thread.
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        let a = self.acquire(Mode::Shared, Location::caller());
        let instance = a.instance();
        let g = a.blocking(|| self.inner.try_read().ok(), || self.inner.blocking_read());
        RwLockReadGuard {
            inner: ManuallyDrop::new(g),
            instance,
        }
    }

    /// Locks for writing from outside the runtime, blocking the thread.
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        let a = self.acquire(Mode::Exclusive, Location::caller());
        let instance = a.instance();
        let g = a.blocking(
            || self.inner.try_write().ok(),
            || self.inner.blocking_write(),
        );
        RwLockWriteGuard {
            inner: ManuallyDrop::new(g),
            instance,
        }
    }

    /// Locks for reading if that needs no wait.
    ///
    /// # Errors
    ///
    /// tokio's [`TryLockError`] when a writer holds or waits for it.
    #[track_caller]
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        let a = self.acquire(Mode::Shared, Location::caller());
        let instance = a.instance();
        let g = a.try_now(|| self.inner.try_read())?;
        Ok(RwLockReadGuard {
            inner: ManuallyDrop::new(g),
            instance,
        })
    }

    /// Locks for writing if it is free.
    ///
    /// # Errors
    ///
    /// tokio's [`TryLockError`] when it is held.
    #[track_caller]
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        let a = self.acquire(Mode::Exclusive, Location::caller());
        let instance = a.instance();
        let g = a.try_now(|| self.inner.try_write())?;
        Ok(RwLockWriteGuard {
            inner: ManuallyDrop::new(g),
            instance,
        })
    }

    /// The mode the current task (or thread) holds it in, if it does.
    pub fn held_mode(&self) -> Option<Mode> {
        #[cfg(lockcheck_checks)]
        {
            crate::held::held_mode(self.class.instance())
        }
        #[cfg(not(lockcheck_checks))]
        {
            None
        }
    }

    /// A mutable reference to the data; no locking is needed, the borrow is exclusive.
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    pub(crate) fn class_name_for_report(&self) -> String {
        #[cfg(lockcheck_checks)]
        {
            self.class
                .name_for_report(std::any::type_name::<RwLock<T>>())
        }
        #[cfg(not(lockcheck_checks))]
        {
            String::from("<unchecked>")
        }
    }

    fn acquire(&self, mode: Mode, site: &'static Location<'static>) -> Acquire {
        #[cfg(lockcheck_checks)]
        {
            Acquire::new(check::acquisition(
                &self.class,
                mode,
                0,
                site,
                std::any::type_name::<Self>,
            ))
        }
        #[cfg(not(lockcheck_checks))]
        {
            let _ = (mode, site);
            Acquire::unchecked()
        }
    }
}

impl<T: ?Sized + 'static> RwLock<T> {
    /// [`RwLock::read`], for a guard that owns its `Arc`.
    #[track_caller]
    pub fn read_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockReadGuard<T>> {
        let a = self.acquire(Mode::Shared, Location::caller());
        async move {
            let instance = a.instance();
            // SAFETY: the guard borrows the lock inside `self`, an `Arc` the owned guard keeps
            // (and drops after the guard): the lock outlives the guard at a fixed address.
            let this: &'static Self = unsafe { &*Arc::as_ptr(&self) };
            let g = acquire::acquire_async!(a, this.inner, read, try_read);
            OwnedRwLockReadGuard {
                inner: ManuallyDrop::new(g),
                lock: self,
                instance,
            }
        }
    }

    /// [`RwLock::write`], for a guard that owns its `Arc`.
    #[track_caller]
    pub fn write_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockWriteGuard<T>> {
        let a = self.acquire(Mode::Exclusive, Location::caller());
        async move {
            let instance = a.instance();
            // SAFETY: as in `read_owned`.
            let this: &'static Self = unsafe { &*Arc::as_ptr(&self) };
            let g = acquire::acquire_async!(a, this.inner, write, try_write);
            OwnedRwLockWriteGuard {
                inner: ManuallyDrop::new(g),
                lock: self,
                instance,
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
        let instance = a.instance();
        // SAFETY: as in `read_owned`.
        let this: &'static Self = unsafe { &*Arc::as_ptr(&self) };
        let g = a.try_now(|| this.inner.try_read())?;
        Ok(OwnedRwLockReadGuard {
            inner: ManuallyDrop::new(g),
            lock: self,
            instance,
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
        let instance = a.instance();
        // SAFETY: as in `read_owned`.
        let this: &'static Self = unsafe { &*Arc::as_ptr(&self) };
        let g = a.try_now(|| this.inner.try_write())?;
        Ok(OwnedRwLockWriteGuard {
            inner: ManuallyDrop::new(g),
            lock: self,
            instance,
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
        let (inner, instance) = Self::into_parts(this);
        RwLockReadGuard {
            inner: ManuallyDrop::new(tokio::sync::RwLockReadGuard::map(inner, f)),
            instance,
        }
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
        let (inner, instance) = Self::into_parts(this);
        match tokio::sync::RwLockReadGuard::try_map(inner, f) {
            Ok(g) => Ok(RwLockReadGuard {
                inner: ManuallyDrop::new(g),
                instance,
            }),
            Err(g) => Err(RwLockReadGuard {
                inner: ManuallyDrop::new(g),
                instance,
            }),
        }
    }

    fn into_parts(this: Self) -> (tokio::sync::RwLockReadGuard<'a, T>, usize) {
        let mut this = ManuallyDrop::new(this);
        // SAFETY: `this` is never dropped or used again, so `inner` is taken exactly once.
        let inner = unsafe { ManuallyDrop::take(&mut this.inner) };
        (inner, this.instance)
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Narrows the guard to a part of the data; the lock stays held for writing.
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> RwLockMappedWriteGuard<'a, U> {
        let (inner, instance) = Self::into_parts(this);
        RwLockMappedWriteGuard {
            inner: ManuallyDrop::new(tokio::sync::RwLockWriteGuard::map(inner, f)),
            instance,
        }
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
        let (inner, instance) = Self::into_parts(this);
        match tokio::sync::RwLockWriteGuard::try_map(inner, f) {
            Ok(g) => Ok(RwLockMappedWriteGuard {
                inner: ManuallyDrop::new(g),
                instance,
            }),
            Err(g) => Err(RwLockWriteGuard {
                inner: ManuallyDrop::new(g),
                instance,
            }),
        }
    }

    /// Turns the write hold into a read hold without letting a writer in between; the task's
    /// held entry says it is read now.
    pub fn downgrade(this: Self) -> RwLockReadGuard<'a, T> {
        let (inner, instance) = Self::into_parts(this);
        let g = inner.downgrade();
        #[cfg(lockcheck_checks)]
        check::mode_changed(instance, crate::mode::Mode::Shared);
        RwLockReadGuard {
            inner: ManuallyDrop::new(g),
            instance,
        }
    }

    fn into_parts(this: Self) -> (tokio::sync::RwLockWriteGuard<'a, T>, usize) {
        let mut this = ManuallyDrop::new(this);
        // SAFETY: `this` is never dropped or used again, so `inner` is taken exactly once.
        let inner = unsafe { ManuallyDrop::take(&mut this.inner) };
        (inner, this.instance)
    }
}

acquire::guard_impls!(RwLockReadGuard);
acquire::guard_impls!(RwLockWriteGuard, DerefMut);
acquire::guard_impls!(RwLockMappedWriteGuard, DerefMut);
acquire::owned_guard_impls!(OwnedRwLockReadGuard);
acquire::owned_guard_impls!(OwnedRwLockWriteGuard, DerefMut);

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
        let mut this = ManuallyDrop::new(this);
        // SAFETY: `this` is never dropped or used again, so each field is taken exactly once.
        let (inner, lock, instance) = unsafe {
            (
                ManuallyDrop::take(&mut this.inner),
                std::ptr::read(&this.lock),
                this.instance,
            )
        };
        let g = inner.downgrade();
        #[cfg(lockcheck_checks)]
        check::mode_changed(instance, crate::mode::Mode::Shared);
        OwnedRwLockReadGuard {
            inner: ManuallyDrop::new(g),
            lock,
            instance,
        }
    }
}

impl<T: ?Sized> crate::Lockable for RwLock<T> {
    fn held_as(&self, mode: Option<Mode>) -> bool {
        self.held_mode()
            .is_some_and(|h| !(mode == Some(Mode::Exclusive) && h == Mode::Shared))
    }
    fn class_name(&self) -> String {
        self.class_name_for_report()
    }
}
