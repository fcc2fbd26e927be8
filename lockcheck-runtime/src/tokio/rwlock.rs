//! `lockcheck::tokio::RwLock` with the checks on: tokio's async reader-writer lock, its
//! acquisitions checked. As `mutex.rs`: the data beside a `tokio::sync::RwLock<()>` whose
//! guards are the permits.

use std::cell::UnsafeCell;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::ptr::NonNull;
use std::sync::Arc;

use tokio::sync::TryLockError;

use crate::core::{Guard, LockId};
use crate::mode::Mode;

type ReadPermit<'a> = Guard<tokio::sync::RwLockReadGuard<'a, ()>>;
type WritePermit<'a> = Guard<tokio::sync::RwLockWriteGuard<'a, ()>>;

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
/// let w = l.write().await;
/// let r = w.downgrade(); // atomically: no writer in between
/// assert_eq!(r.len(), 2);
/// # }
/// ```
pub struct RwLock<T: ?Sized> {
    id: LockId,
    permit: tokio::sync::RwLock<()>,
    data: UnsafeCell<T>,
}

// SAFETY: as tokio's: the data is reached only through a guard, which holds a permit.
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
// SAFETY: as above; readers share `&T`, so `T: Sync` too.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

/// Shared access to a [`RwLock`]'s data.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    permit: ReadPermit<'a>,
    data: NonNull<T>,
    _data: PhantomData<&'a T>,
}

/// Exclusive access to a [`RwLock`]'s data.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    permit: WritePermit<'a>,
    data: NonNull<T>,
    _data: PhantomData<&'a mut T>,
}

/// A [`RwLockWriteGuard`] narrowed to a part of the data ([`RwLockWriteGuard::map`]).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    permit: WritePermit<'a>,
    data: NonNull<T>,
    _data: PhantomData<&'a mut T>,
}

/// An owned read guard of a [`RwLock`] in an `Arc` ([`RwLock::read_owned`]), perhaps narrowed
/// to a part `U` of the data.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    // Dropped before `lock`, whose permit it borrows.
    permit: ReadPermit<'static>,
    data: NonNull<U>,
    lock: Arc<RwLock<T>>,
}

/// An owned write guard of a [`RwLock`] in an `Arc` ([`RwLock::write_owned`]).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    // Dropped before `lock`, whose permit it borrows.
    permit: WritePermit<'static>,
    lock: Arc<RwLock<T>>,
}

/// An [`OwnedRwLockWriteGuard`] narrowed to a part `U` of the data.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    // Dropped before `lock`, whose permit it borrows.
    permit: WritePermit<'static>,
    data: NonNull<U>,
    lock: Arc<RwLock<T>>,
}

// The bounds below are tokio's for the same guards; each guard gives access to the data it
// points to only while it holds its permit.
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Send for OwnedRwLockReadGuard<T, U> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync for OwnedRwLockReadGuard<T, U> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedRwLockWriteGuard<T> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync
    for OwnedRwLockMappedWriteGuard<T, U>
{
}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send + Sync> Send for OwnedRwLockWriteGuard<T> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: tokio's bounds for this guard (see above).
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Send
    for OwnedRwLockMappedWriteGuard<T, U>
{
}

impl<T> RwLock<T> {
    /// A new unlocked lock whose lock class is the caller's source location.
    #[track_caller]
    pub fn new(value: T) -> Self {
        Self::const_new(value)
    }

    /// As [`RwLock::new`], with at most `max_reads` concurrent readers (tokio's bound).
    ///
    /// # Panics
    ///
    /// As tokio's: when `max_reads` is more than tokio's maximum.
    #[track_caller]
    pub fn with_max_readers(value: T, max_reads: u32) -> Self {
        RwLock {
            id: LockId::at(Location::caller()),
            permit: tokio::sync::RwLock::with_max_readers((), max_reads),
            data: UnsafeCell::new(value),
        }
    }

    /// As [`RwLock::new`], in a `const` context (a `static`).
    #[track_caller]
    pub const fn const_new(value: T) -> Self {
        Self::with_id(
            LockId::at(Location::caller()),
            tokio::sync::RwLock::const_new(()),
            value,
        )
    }

    /// As [`RwLock::with_max_readers`], in a `const` context.
    #[track_caller]
    pub const fn const_with_max_readers(value: T, max_reads: u32) -> Self {
        Self::with_id(
            LockId::at(Location::caller()),
            tokio::sync::RwLock::const_with_max_readers((), max_reads),
            value,
        )
    }

    /// A new unlocked lock of the lock class `name` (shared with every lock so named).
    #[track_caller]
    pub const fn named(name: &'static str, value: T) -> Self {
        Self::with_id(
            LockId::named(name),
            tokio::sync::RwLock::const_new(()),
            value,
        )
    }

    const fn with_id(id: LockId, permit: tokio::sync::RwLock<()>, value: T) -> Self {
        RwLock {
            id,
            permit,
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock and returns its value.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
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
        let a = self.acquire(Mode::Shared, Location::caller());
        async move {
            let (permit, hold) = crate::core::acquire_async!(a, self.permit, read, try_read);
            read_guard(Guard::new(permit, hold), self.data())
        }
    }

    /// Locks for writing, waiting (as a task) until it is free.
    ///
    /// # Panics
    ///
    /// If this task already holds it (waiting would never end), and on any violation under
    /// the default action.
    #[track_caller]
    pub fn write(&self) -> impl Future<Output = RwLockWriteGuard<'_, T>> + '_ {
        let a = self.acquire(Mode::Exclusive, Location::caller());
        async move {
            let (permit, hold) = crate::core::acquire_async!(a, self.permit, write, try_write);
            write_guard(Guard::new(permit, hold), self.data())
        }
    }

    /// Locks for reading from outside the runtime, blocking the thread (tokio's
    /// `blocking_read`; it panics inside an async context).
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        let a = self.acquire(Mode::Shared, Location::caller());
        let (permit, hold) = a.blocking(
            || self.permit.try_read().ok(),
            || self.permit.blocking_read(),
        );
        read_guard(Guard::new(permit, hold), self.data())
    }

    /// Locks for writing from outside the runtime, blocking the thread.
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        let a = self.acquire(Mode::Exclusive, Location::caller());
        let (permit, hold) = a.blocking(
            || self.permit.try_write().ok(),
            || self.permit.blocking_write(),
        );
        write_guard(Guard::new(permit, hold), self.data())
    }

    /// Locks for reading if that needs no wait.
    ///
    /// # Errors
    ///
    /// tokio's [`TryLockError`] when a writer holds it.
    #[track_caller]
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        let a = self.acquire(Mode::Shared, Location::caller());
        let (permit, hold) = a.try_now(|| self.permit.try_read())?;
        Ok(read_guard(Guard::new(permit, hold), self.data()))
    }

    /// Locks for writing if that needs no wait.
    ///
    /// # Errors
    ///
    /// tokio's [`TryLockError`] when it is held.
    #[track_caller]
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        let a = self.acquire(Mode::Exclusive, Location::caller());
        let (permit, hold) = a.try_now(|| self.permit.try_write())?;
        Ok(write_guard(Guard::new(permit, hold), self.data()))
    }

    /// Whether the current task (or thread) holds this lock, in either mode.
    pub fn is_held(&self) -> bool {
        self.id.is_held()
    }

    /// The mode the current task (or thread) holds this lock in, if it does.
    pub fn held_mode(&self) -> Option<Mode> {
        self.id.held_mode()
    }

    /// A mutable reference to the data; no locking is needed, the borrow is exclusive.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// The lock's identity (`Lockable`).
    pub(crate) fn lock_id(&self) -> &LockId {
        &self.id
    }

    fn acquire(&self, mode: Mode, site: &'static Location<'static>) -> crate::core::AsyncAcquire {
        self.id.async_acquire::<Self>(mode, site)
    }

    /// The data, behind the permit the caller holds.
    fn data(&self) -> NonNull<T> {
        // SAFETY: `UnsafeCell::get` is never null.
        unsafe { NonNull::new_unchecked(self.data.get()) }
    }

    /// The permits' lock, lent for an owned guard, which keeps the `Arc` and drops the permit
    /// first.
    fn permit_lock(self: &Arc<Self>) -> &'static tokio::sync::RwLock<()> {
        // SAFETY: the `Arc` keeps the lock at its address for as long as the owned guard made
        // from this permit lives.
        unsafe { &*std::ptr::addr_of!(self.permit) }
    }

    /// Locks for reading, for a guard that owns the `Arc`.
    #[track_caller]
    pub fn read_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockReadGuard<T>> {
        let a = self.acquire(Mode::Shared, Location::caller());
        async move {
            let permit_lock = self.permit_lock();
            let (permit, hold) = crate::core::acquire_async!(a, permit_lock, read, try_read);
            owned_read(Guard::new(permit, hold), self)
        }
    }

    /// Locks for writing, for a guard that owns the `Arc`.
    #[track_caller]
    pub fn write_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockWriteGuard<T>> {
        let a = self.acquire(Mode::Exclusive, Location::caller());
        async move {
            let permit_lock = self.permit_lock();
            let (permit, hold) = crate::core::acquire_async!(a, permit_lock, write, try_write);
            OwnedRwLockWriteGuard {
                permit: Guard::new(permit, hold),
                lock: self,
            }
        }
    }

    /// [`RwLock::try_read`], for an owned guard.
    ///
    /// # Errors
    ///
    /// tokio's [`TryLockError`] when a writer holds it.
    #[track_caller]
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        let a = self.acquire(Mode::Shared, Location::caller());
        let permit_lock = self.permit_lock();
        let (permit, hold) = a.try_now(|| permit_lock.try_read())?;
        Ok(owned_read(Guard::new(permit, hold), self))
    }

    /// [`RwLock::try_write`], for an owned guard.
    ///
    /// # Errors
    ///
    /// tokio's [`TryLockError`] when it is held.
    #[track_caller]
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        let a = self.acquire(Mode::Exclusive, Location::caller());
        let permit_lock = self.permit_lock();
        let (permit, hold) = a.try_now(|| permit_lock.try_write())?;
        Ok(OwnedRwLockWriteGuard {
            permit: Guard::new(permit, hold),
            lock: self,
        })
    }
}

fn read_guard<'a, T: ?Sized>(permit: ReadPermit<'a>, data: NonNull<T>) -> RwLockReadGuard<'a, T> {
    RwLockReadGuard {
        permit,
        data,
        _data: PhantomData,
    }
}

fn write_guard<'a, T: ?Sized>(
    permit: WritePermit<'a>,
    data: NonNull<T>,
) -> RwLockWriteGuard<'a, T> {
    RwLockWriteGuard {
        permit,
        data,
        _data: PhantomData,
    }
}

fn mapped_write<'a, T: ?Sized>(
    permit: WritePermit<'a>,
    data: NonNull<T>,
) -> RwLockMappedWriteGuard<'a, T> {
    RwLockMappedWriteGuard {
        permit,
        data,
        _data: PhantomData,
    }
}

fn owned_read<T: ?Sized>(
    permit: ReadPermit<'static>,
    lock: Arc<RwLock<T>>,
) -> OwnedRwLockReadGuard<T> {
    OwnedRwLockReadGuard {
        permit,
        data: lock.data(),
        lock,
    }
}

/// A write permit made a read permit, atomically (tokio's `downgrade`), and the entry with it.
fn downgrade(permit: WritePermit<'_>) -> ReadPermit<'_> {
    let permit = permit.map(tokio::sync::RwLockWriteGuard::downgrade);
    permit.hold().set_mode(Mode::Shared);
    permit
}

crate::locks::default_and_from!(RwLock);

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("RwLock");
        // As tokio's: the data when it can be read now, without waiting (a look, unchecked).
        match self.permit.try_read() {
            // SAFETY: a read permit is held while the data is read.
            Ok(_permit) => d.field("data", &unsafe { &*self.data.get() }),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the guard to a part of the data; the lock stays held.
    pub fn map<F: FnOnce(&T) -> &U, U: ?Sized>(this: Self, f: F) -> RwLockReadGuard<'a, U> {
        let data = NonNull::from(f(&*this));
        read_guard(this.permit, data)
    }

    /// As [`RwLockReadGuard::map`], when `f` may decline (the guard is given back).
    ///
    /// # Errors
    ///
    /// The guard itself, when `f` returns `None`.
    pub fn try_map<F: FnOnce(&T) -> Option<&U>, U: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        match f(&*this).map(NonNull::from) {
            Some(data) => Ok(read_guard(this.permit, data)),
            None => Err(this),
        }
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Narrows the guard to a part of the data; the lock stays held for writing.
    pub fn map<F: FnOnce(&mut T) -> &mut U, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> RwLockMappedWriteGuard<'a, U> {
        let data = NonNull::from(f(&mut *this));
        mapped_write(this.permit, data)
    }

    /// Downgrades to a read guard of a part of the data, atomically.
    pub fn downgrade_map<F: FnOnce(&T) -> &U, U: ?Sized>(
        this: Self,
        f: F,
    ) -> RwLockReadGuard<'a, U> {
        let data = NonNull::from(f(&*this));
        read_guard(downgrade(this.permit), data)
    }

    /// As [`RwLockWriteGuard::map`], when `f` may decline (the guard is given back).
    ///
    /// # Errors
    ///
    /// The guard itself, when `f` returns `None`.
    pub fn try_map<F: FnOnce(&mut T) -> Option<&mut U>, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        match f(&mut *this).map(NonNull::from) {
            Some(data) => Ok(mapped_write(this.permit, data)),
            None => Err(this),
        }
    }

    /// As [`RwLockWriteGuard::downgrade_map`], when `f` may decline (the write guard is given
    /// back).
    ///
    /// # Errors
    ///
    /// The guard itself, still held for writing, when `f` returns `None`.
    pub fn try_downgrade_map<F: FnOnce(&T) -> Option<&U>, U: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        match f(&*this).map(NonNull::from) {
            Some(data) => Ok(read_guard(downgrade(this.permit), data)),
            None => Err(this),
        }
    }

    /// The guard as a mapped one of the whole data.
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        mapped_write(this.permit, this.data)
    }

    /// Downgrades to a read guard, atomically: no writer can take the lock in between. The
    /// task's entry is then a read.
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        read_guard(downgrade(self.permit), self.data)
    }
}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// Narrows the guard further; the lock stays held for writing.
    pub fn map<F: FnOnce(&mut T) -> &mut U, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> RwLockMappedWriteGuard<'a, U> {
        let data = NonNull::from(f(&mut *this));
        mapped_write(this.permit, data)
    }

    /// As [`RwLockMappedWriteGuard::map`], when `f` may decline (the guard is given back).
    ///
    /// # Errors
    ///
    /// The guard itself, when `f` returns `None`.
    pub fn try_map<F: FnOnce(&mut T) -> Option<&mut U>, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        match f(&mut *this).map(NonNull::from) {
            Some(data) => Ok(mapped_write(this.permit, data)),
            None => Err(this),
        }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// Narrows the guard to a part of the data; the lock stays held.
    pub fn map<F: FnOnce(&U) -> &V, V: ?Sized>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V> {
        let data = NonNull::from(f(&*this));
        OwnedRwLockReadGuard {
            permit: this.permit,
            data,
            lock: this.lock,
        }
    }

    /// As [`OwnedRwLockReadGuard::map`], when `f` may decline (the guard is given back).
    ///
    /// # Errors
    ///
    /// The guard itself, when `f` returns `None`.
    pub fn try_map<F: FnOnce(&U) -> Option<&V>, V: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, V>, Self> {
        match f(&*this).map(NonNull::from) {
            Some(data) => Ok(OwnedRwLockReadGuard {
                permit: this.permit,
                data,
                lock: this.lock,
            }),
            None => Err(this),
        }
    }

    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// Narrows the guard to a part of the data; the lock stays held for writing.
    pub fn map<F: FnOnce(&mut T) -> &mut U, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> OwnedRwLockMappedWriteGuard<T, U> {
        let data = NonNull::from(f(&mut *this));
        OwnedRwLockMappedWriteGuard {
            permit: this.permit,
            data,
            lock: this.lock,
        }
    }

    /// Downgrades to a read guard of a part of the data, atomically.
    pub fn downgrade_map<F: FnOnce(&T) -> &U, U: ?Sized>(
        this: Self,
        f: F,
    ) -> OwnedRwLockReadGuard<T, U> {
        let data = NonNull::from(f(&*this));
        OwnedRwLockReadGuard {
            permit: downgrade(this.permit),
            data,
            lock: this.lock,
        }
    }

    /// As [`OwnedRwLockWriteGuard::map`], when `f` may decline (the guard is given back).
    ///
    /// # Errors
    ///
    /// The guard itself, when `f` returns `None`.
    pub fn try_map<F: FnOnce(&mut T) -> Option<&mut U>, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self> {
        match f(&mut *this).map(NonNull::from) {
            Some(data) => Ok(OwnedRwLockMappedWriteGuard {
                permit: this.permit,
                data,
                lock: this.lock,
            }),
            None => Err(this),
        }
    }

    /// As [`OwnedRwLockWriteGuard::downgrade_map`], when `f` may decline (the write guard is
    /// given back).
    ///
    /// # Errors
    ///
    /// The guard itself, still held for writing, when `f` returns `None`.
    pub fn try_downgrade_map<F: FnOnce(&T) -> Option<&U>, U: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, U>, Self> {
        match f(&*this).map(NonNull::from) {
            Some(data) => Ok(OwnedRwLockReadGuard {
                permit: downgrade(this.permit),
                data,
                lock: this.lock,
            }),
            None => Err(this),
        }
    }

    /// The guard as a mapped one of the whole data.
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockMappedWriteGuard {
            permit: this.permit,
            data: this.lock.data(),
            lock: this.lock,
        }
    }

    /// Downgrades to a read guard, atomically; the task's entry is then a read.
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        let permit = downgrade(self.permit);
        OwnedRwLockReadGuard {
            permit,
            data: self.lock.data(),
            lock: self.lock,
        }
    }

    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// Narrows the guard further; the lock stays held for writing.
    pub fn map<F: FnOnce(&mut U) -> &mut V, V: ?Sized>(
        mut this: Self,
        f: F,
    ) -> OwnedRwLockMappedWriteGuard<T, V> {
        let data = NonNull::from(f(&mut *this));
        OwnedRwLockMappedWriteGuard {
            permit: this.permit,
            data,
            lock: this.lock,
        }
    }

    /// As [`OwnedRwLockMappedWriteGuard::map`], when `f` may decline (the guard is given back).
    ///
    /// # Errors
    ///
    /// The guard itself, when `f` returns `None`.
    pub fn try_map<F: FnOnce(&mut U) -> Option<&mut V>, V: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self> {
        match f(&mut *this).map(NonNull::from) {
            Some(data) => Ok(OwnedRwLockMappedWriteGuard {
                permit: this.permit,
                data,
                lock: this.lock,
            }),
            None => Err(this),
        }
    }

    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

// SAFETY (each `data_access!` below): the guard holds its permit for as long as it lives, and
// its pointer is to the lock's data (or the part `map` returned), which the lock (borrowed for
// `'a`, or kept by the `Arc`) keeps alive; only write guards give `&mut`.
crate::tokio::data_access!(['a, T: ?Sized] RwLockReadGuard<'a, T> => T, |g| g.data);
crate::tokio::data_access!(['a, T: ?Sized] RwLockWriteGuard<'a, T> => T, |g| g.data, mut);
crate::tokio::data_access!(['a, T: ?Sized] RwLockMappedWriteGuard<'a, T> => T, |g| g.data, mut);
crate::tokio::data_access!([T: ?Sized, U: ?Sized] OwnedRwLockReadGuard<T, U> => U, |g| g.data);
crate::tokio::data_access!([T: ?Sized] OwnedRwLockWriteGuard<T> => T, |g| g.lock.data(), mut);
crate::tokio::data_access!(
    [T: ?Sized, U: ?Sized] OwnedRwLockMappedWriteGuard<T, U> => U, |g| g.data, mut
);

crate::contract::lockable!([T: ?Sized] RwLock<T>);
