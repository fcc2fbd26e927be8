//! `lockcheck::tokio::Mutex` with the checks on: tokio's async mutex, its acquisitions checked.
//!
//! The data sits beside a `tokio::sync::Mutex<()>` that hands out the permit, as tokio's own
//! guards keep a pointer to the data beside their permit: so an owned guard is tokio's shape
//! (the `Arc` and a permit, no `'static` bound on the data), and mapping a guard only moves the
//! pointer. With the checks compiled out, `passthrough.rs` is tokio's types themselves, wrapped.

use std::cell::UnsafeCell;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::ptr::NonNull;
use std::sync::Arc;

use tokio::sync::TryLockError;

use crate::core::{Guard, LockId};
use crate::mode::Mode;

/// tokio's permit, lent for as long as the lock lives: an owned guard keeps the lock's `Arc`
/// beside it (and drops the permit first).
type OwnedPermit = Guard<tokio::sync::MutexGuard<'static, ()>>;

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
    permit: tokio::sync::Mutex<()>,
    data: UnsafeCell<T>,
}

// SAFETY: as tokio's: the data is reached only through a guard, which holds the permit.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// Holds a [`Mutex`] locked; unlocks it (and updates the task's held set) when dropped.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    permit: Guard<tokio::sync::MutexGuard<'a, ()>>,
    lock: &'a Mutex<T>,
    _data: PhantomData<&'a mut T>,
}

/// A [`MutexGuard`] narrowed to a part of the data ([`MutexGuard::map`]).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    permit: Guard<tokio::sync::MutexGuard<'a, ()>>,
    data: NonNull<T>,
    _data: PhantomData<&'a mut T>,
}

/// An owned guard of a [`Mutex`] in an `Arc` ([`Mutex::lock_owned`]): it can be moved into a
/// spawned task.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMutexGuard<T: ?Sized> {
    // Dropped before `lock`, whose permit it borrows.
    permit: OwnedPermit,
    lock: Arc<Mutex<T>>,
}

/// An [`OwnedMutexGuard`] narrowed to a part of the data ([`OwnedMutexGuard::map`]).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    // Dropped before `lock`, whose permit it borrows.
    permit: OwnedPermit,
    data: NonNull<U>,
    lock: Arc<Mutex<T>>,
}

// The bounds below are tokio's for the same guards; each guard gives access to the data it
// points to only while it holds the permit.
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send + Sync> Sync for MutexGuard<'_, T> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedMutexGuard<T> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<'a, T: ?Sized + Sync + 'a> Sync for MappedMutexGuard<'a, T> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<'a, T: ?Sized + Send + 'a> Send for MappedMutexGuard<'a, T> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync for OwnedMappedMutexGuard<T, U> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send, U: ?Sized + Send> Send for OwnedMappedMutexGuard<T, U> {}

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
        Self::with_id(LockId::at(Location::caller()), value)
    }

    /// A new unlocked mutex of the lock class `name`: every lock named alike (of any flavour,
    /// sync or async) shares the class, and a declared rank of that name applies to it.
    #[track_caller]
    pub const fn named(name: &'static str, value: T) -> Self {
        Self::with_id(LockId::named(name), value)
    }

    const fn with_id(id: LockId, value: T) -> Self {
        Mutex {
            id,
            permit: tokio::sync::Mutex::const_new(()),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the mutex and returns its value.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
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
        let a = self.acquire(Location::caller());
        async move {
            let (permit, hold) = crate::core::acquire_async!(a, self.permit, lock, try_lock);
            self.guard(Guard::new(permit, hold))
        }
    }

    /// Locks the mutex from outside the runtime, blocking the thread (tokio's `blocking_lock`;
    /// it panics inside an async context). Checked as a blocking acquisition of the thread.
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        let a = self.acquire(Location::caller());
        let (permit, hold) = a.blocking(
            || self.permit.try_lock().ok(),
            || self.permit.blocking_lock(),
        );
        self.guard(Guard::new(permit, hold))
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
        let (permit, hold) = a.try_now(|| self.permit.try_lock())?;
        Ok(self.guard(Guard::new(permit, hold)))
    }

    /// Whether the current task (or thread, outside a task) holds this mutex. Always `false`
    /// when the checker is compiled out.
    pub fn is_held(&self) -> bool {
        self.id.is_held()
    }

    /// A mutable reference to the data; no locking is needed, the borrow is exclusive.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// The lock's identity (`Lockable`).
    pub(crate) fn lock_id(&self) -> &LockId {
        &self.id
    }

    fn acquire(&self, site: &'static Location<'static>) -> crate::core::AsyncAcquire {
        self.id.async_acquire::<Self>(Mode::Exclusive, site)
    }

    fn guard<'a>(&'a self, permit: Guard<tokio::sync::MutexGuard<'a, ()>>) -> MutexGuard<'a, T> {
        MutexGuard {
            permit,
            lock: self,
            _data: PhantomData,
        }
    }

    /// The data, behind the permit the caller holds.
    fn data(&self) -> NonNull<T> {
        // SAFETY: `UnsafeCell::get` is never null.
        unsafe { NonNull::new_unchecked(self.data.get()) }
    }
}

impl<T: ?Sized> Mutex<T> {
    /// The permit's lock, lent for an owned guard, which keeps the `Arc` and drops the permit
    /// first.
    fn permit_lock(self: &Arc<Self>) -> &'static tokio::sync::Mutex<()> {
        // SAFETY: the `Arc` keeps the lock at its address for as long as the owned guard made
        // from this permit lives (see `OwnedPermit`).
        unsafe { &*std::ptr::addr_of!(self.permit) }
    }

    /// Locks the mutex in an `Arc`, for a guard that owns its `Arc` (`'static` when `T` is).
    #[track_caller]
    pub fn lock_owned(self: Arc<Self>) -> impl Future<Output = OwnedMutexGuard<T>> {
        let a = self.acquire(Location::caller());
        async move {
            let permit_lock = self.permit_lock();
            let (permit, hold) = crate::core::acquire_async!(a, permit_lock, lock, try_lock);
            OwnedMutexGuard {
                permit: Guard::new(permit, hold),
                lock: self,
            }
        }
    }

    /// [`Mutex::blocking_lock`], for an owned guard.
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        let a = self.acquire(Location::caller());
        let permit_lock = self.permit_lock();
        let (permit, hold) = a.blocking(
            || permit_lock.try_lock().ok(),
            || permit_lock.blocking_lock(),
        );
        OwnedMutexGuard {
            permit: Guard::new(permit, hold),
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
        let permit_lock = self.permit_lock();
        let (permit, hold) = a.try_now(|| permit_lock.try_lock())?;
        Ok(OwnedMutexGuard {
            permit: Guard::new(permit, hold),
            lock: self,
        })
    }
}

crate::locks::default_and_from!(Mutex);

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Mutex");
        // As tokio's: the data when it is free now, without waiting (and without a check: a
        // look, not an acquisition).
        match self.permit.try_lock() {
            // SAFETY: the permit is held while the data is read.
            Ok(_permit) => d.field("data", &unsafe { &*self.data.get() }),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Narrows the guard to a part of the data; the lock stays held.
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        mut this: Self,
        f: F,
    ) -> MappedMutexGuard<'a, U> {
        let data = NonNull::from(f(&mut *this));
        MappedMutexGuard {
            permit: this.into_permit(),
            data,
            _data: PhantomData,
        }
    }

    /// As [`MutexGuard::map`], when `f` may decline (the guard is given back).
    ///
    /// # Errors
    ///
    /// The guard itself, when `f` returns `None`.
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        match f(&mut *this).map(NonNull::from) {
            Some(data) => Ok(MappedMutexGuard {
                permit: this.into_permit(),
                data,
                _data: PhantomData,
            }),
            None => Err(this),
        }
    }

    /// The mutex this guard holds.
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }

    fn into_permit(self) -> Guard<tokio::sync::MutexGuard<'a, ()>> {
        self.permit
    }
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Narrows the guard further; the lock stays held.
    pub fn map<U, F: FnOnce(&mut T) -> &mut U>(mut this: Self, f: F) -> MappedMutexGuard<'a, U> {
        let data = NonNull::from(f(&mut *this));
        MappedMutexGuard {
            permit: this.permit,
            data,
            _data: PhantomData,
        }
    }

    /// As [`MappedMutexGuard::map`], when `f` may decline (the guard is given back).
    ///
    /// # Errors
    ///
    /// The guard itself, when `f` returns `None`.
    pub fn try_map<U, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        match f(&mut *this).map(NonNull::from) {
            Some(data) => Ok(MappedMutexGuard {
                permit: this.permit,
                data,
                _data: PhantomData,
            }),
            None => Err(this),
        }
    }
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// Narrows the guard to a part of the data; the lock stays held.
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        mut this: Self,
        f: F,
    ) -> OwnedMappedMutexGuard<T, U> {
        let data = NonNull::from(f(&mut *this));
        OwnedMappedMutexGuard {
            permit: this.permit,
            data,
            lock: this.lock,
        }
    }

    /// As [`OwnedMutexGuard::map`], when `f` may decline (the guard is given back).
    ///
    /// # Errors
    ///
    /// The guard itself, when `f` returns `None`.
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedMappedMutexGuard<T, U>, Self> {
        match f(&mut *this).map(NonNull::from) {
            Some(data) => Ok(OwnedMappedMutexGuard {
                permit: this.permit,
                data,
                lock: this.lock,
            }),
            None => Err(this),
        }
    }

    /// The mutex this guard holds.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// Narrows the guard further; the lock stays held.
    pub fn map<S, F: FnOnce(&mut U) -> &mut S>(
        mut this: Self,
        f: F,
    ) -> OwnedMappedMutexGuard<T, S> {
        let data = NonNull::from(f(&mut *this));
        OwnedMappedMutexGuard {
            permit: this.permit,
            data,
            lock: this.lock,
        }
    }

    /// As [`OwnedMappedMutexGuard::map`], when `f` may decline (the guard is given back).
    ///
    /// # Errors
    ///
    /// The guard itself, when `f` returns `None`.
    pub fn try_map<S, F: FnOnce(&mut U) -> Option<&mut S>>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedMappedMutexGuard<T, S>, Self> {
        match f(&mut *this).map(NonNull::from) {
            Some(data) => Ok(OwnedMappedMutexGuard {
                permit: this.permit,
                data,
                lock: this.lock,
            }),
            None => Err(this),
        }
    }

    /// The mutex this guard holds.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

// SAFETY (the four `data_access!` uses): each guard holds the permit for as long as it lives,
// and its pointer is to the lock's data (or a part `map` returned), which the lock (borrowed
// for `'a`, or kept by the `Arc`) keeps alive.
crate::tokio::data_access!(['a, T: ?Sized] MutexGuard<'a, T> => T, |g| g.lock.data(), mut);
crate::tokio::data_access!(['a, T: ?Sized] MappedMutexGuard<'a, T> => T, |g| g.data, mut);
crate::tokio::data_access!([T: ?Sized] OwnedMutexGuard<T> => T, |g| g.lock.data(), mut);
crate::tokio::data_access!(
    [T: ?Sized, U: ?Sized] OwnedMappedMutexGuard<T, U> => U, |g| g.data, mut
);

crate::contract::lockable!([T: ?Sized] Mutex<T>);
