//! `lockcheck::tokio`'s locks with the checks compiled out: tokio's own types, each wrapped
//! `repr(transparent)` (same size, same `Send`/`Sync`), each operation tokio's own call or
//! future with its output wrapped. The API and its documentation are `mutex.rs`'s and
//! `rwlock.rs`'s, the checked ones.

use std::future::Future;
use std::sync::Arc;

use tokio::sync as tk;
use tokio::sync::TryLockError;

use crate::core::{LockId, Wrapped};
use crate::mode::Mode;

/// Every unchecked lock's identity: nothing (zero-sized), for the contracts' `Lockable`.
static UNCHECKED: LockId = LockId::named("");

/// `Arc<Outer>` as `Arc<Inner>`, for a `repr(transparent)` `Outer` over `Inner`: the same
/// allocation, the same layout (`Arc::from_raw`'s rule: same size and alignment).
macro_rules! arc_inner {
    ($arc:expr, $inner:ty) => {
        // SAFETY: see the macro's doc.
        unsafe { Arc::from_raw(Arc::into_raw($arc) as *const $inner) }
    };
}

/// `&Arc<Inner>` as `&Arc<Outer>` (the reverse of `arc_inner!`): an `Arc` is one pointer (with
/// the unsized data's metadata), the same for both.
macro_rules! arc_outer_ref {
    ($arc:expr, $outer:ty) => {
        // SAFETY: see the macro's doc; the two pointees have one layout (`repr(transparent)`).
        unsafe { &*($arc as *const Arc<_> as *const Arc<$outer>) }
    };
}

/// tokio's [`tokio::sync::Mutex`] (see the checked build's documentation).
#[repr(transparent)]
pub struct Mutex<T: ?Sized>(tk::Mutex<T>);

/// tokio's [`tokio::sync::MutexGuard`].
#[repr(transparent)]
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized>(tk::MutexGuard<'a, T>);

/// tokio's [`tokio::sync::MappedMutexGuard`].
#[repr(transparent)]
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, T: ?Sized>(tk::MappedMutexGuard<'a, T>);

/// tokio's [`tokio::sync::OwnedMutexGuard`].
#[repr(transparent)]
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMutexGuard<T: ?Sized>(tk::OwnedMutexGuard<T>);

/// tokio's [`tokio::sync::OwnedMappedMutexGuard`].
#[repr(transparent)]
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T>(tk::OwnedMappedMutexGuard<T, U>);

impl<T> Mutex<T> {
    /// tokio's `new`.
    pub fn new(value: T) -> Self {
        Mutex(tk::Mutex::new(value))
    }

    /// tokio's `const_new`.
    pub const fn const_new(value: T) -> Self {
        Mutex(tk::Mutex::const_new(value))
    }

    /// A mutex of the lock class `name` (a name only the checked build uses).
    pub const fn named(name: &'static str, value: T) -> Self {
        let _ = name;
        Mutex(tk::Mutex::const_new(value))
    }

    /// tokio's `into_inner`.
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// tokio's `lock`.
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T>> + '_ {
        Wrapped::new(self.0.lock(), MutexGuard)
    }

    /// tokio's `blocking_lock`.
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        MutexGuard(self.0.blocking_lock())
    }

    /// tokio's `try_lock`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        self.0.try_lock().map(MutexGuard)
    }

    /// `false`: nothing is tracked with the checks compiled out.
    pub fn is_held(&self) -> bool {
        false
    }

    /// tokio's `get_mut`.
    pub fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }

    /// tokio's `lock_owned`.
    pub fn lock_owned(self: Arc<Self>) -> impl Future<Output = OwnedMutexGuard<T>> {
        Wrapped::new(arc_inner!(self, tk::Mutex<T>).lock_owned(), OwnedMutexGuard)
    }

    /// tokio's `blocking_lock_owned`.
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        OwnedMutexGuard(arc_inner!(self, tk::Mutex<T>).blocking_lock_owned())
    }

    /// tokio's `try_lock_owned`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        arc_inner!(self, tk::Mutex<T>)
            .try_lock_owned()
            .map(OwnedMutexGuard)
    }

    pub(crate) fn lock_id(&self) -> &LockId {
        &UNCHECKED
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

crate::locks::default_and_from!(Mutex);

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// tokio's `map`.
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        this: Self,
        f: F,
    ) -> MappedMutexGuard<'a, U> {
        MappedMutexGuard(tk::MutexGuard::map(this.0, f))
    }

    /// tokio's `try_map`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        this: Self,
        f: F,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        tk::MutexGuard::try_map(this.0, f)
            .map(MappedMutexGuard)
            .map_err(MutexGuard)
    }

    /// tokio's `mutex`.
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        let inner: &'a tk::Mutex<T> = tk::MutexGuard::mutex(&this.0);
        // SAFETY: `Mutex` is `repr(transparent)` over tokio's.
        unsafe { &*(inner as *const tk::Mutex<T> as *const Mutex<T>) }
    }
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// tokio's `map`.
    pub fn map<U, F: FnOnce(&mut T) -> &mut U>(this: Self, f: F) -> MappedMutexGuard<'a, U> {
        MappedMutexGuard(tk::MappedMutexGuard::map(this.0, f))
    }

    /// tokio's `try_map`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_map<U, F: FnOnce(&mut T) -> Option<&mut U>>(
        this: Self,
        f: F,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        tk::MappedMutexGuard::try_map(this.0, f)
            .map(MappedMutexGuard)
            .map_err(MappedMutexGuard)
    }
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// tokio's `map`.
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        this: Self,
        f: F,
    ) -> OwnedMappedMutexGuard<T, U> {
        OwnedMappedMutexGuard(tk::OwnedMutexGuard::map(this.0, f))
    }

    /// tokio's `try_map`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        this: Self,
        f: F,
    ) -> Result<OwnedMappedMutexGuard<T, U>, Self> {
        tk::OwnedMutexGuard::try_map(this.0, f)
            .map(OwnedMappedMutexGuard)
            .map_err(OwnedMutexGuard)
    }

    /// tokio's `mutex`.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        arc_outer_ref!(tk::OwnedMutexGuard::mutex(&this.0), Mutex<T>)
    }
}

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// tokio's `map`.
    pub fn map<S, F: FnOnce(&mut U) -> &mut S>(this: Self, f: F) -> OwnedMappedMutexGuard<T, S> {
        OwnedMappedMutexGuard(tk::OwnedMappedMutexGuard::map(this.0, f))
    }

    /// tokio's `try_map`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_map<S, F: FnOnce(&mut U) -> Option<&mut S>>(
        this: Self,
        f: F,
    ) -> Result<OwnedMappedMutexGuard<T, S>, Self> {
        tk::OwnedMappedMutexGuard::try_map(this.0, f)
            .map(OwnedMappedMutexGuard)
            .map_err(OwnedMappedMutexGuard)
    }
}

crate::core::guard_traits!(['a, T: ?Sized] MutexGuard<'a, T> => T, 0, mut);
crate::core::guard_traits!(['a, T: ?Sized] MappedMutexGuard<'a, T> => T, 0, mut);
crate::core::guard_traits!([T: ?Sized] OwnedMutexGuard<T> => T, 0, mut);
crate::core::guard_traits!([T: ?Sized, U: ?Sized] OwnedMappedMutexGuard<T, U> => U, 0, mut);

/// tokio's [`tokio::sync::RwLock`] (see the checked build's documentation).
#[repr(transparent)]
pub struct RwLock<T: ?Sized>(tk::RwLock<T>);

/// tokio's [`tokio::sync::RwLockReadGuard`].
#[repr(transparent)]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized>(tk::RwLockReadGuard<'a, T>);

/// tokio's [`tokio::sync::RwLockWriteGuard`].
#[repr(transparent)]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized>(tk::RwLockWriteGuard<'a, T>);

/// tokio's [`tokio::sync::RwLockMappedWriteGuard`].
#[repr(transparent)]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized>(tk::RwLockMappedWriteGuard<'a, T>);

/// tokio's [`tokio::sync::OwnedRwLockReadGuard`].
#[repr(transparent)]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T>(tk::OwnedRwLockReadGuard<T, U>);

/// tokio's [`tokio::sync::OwnedRwLockWriteGuard`].
#[repr(transparent)]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T: ?Sized>(tk::OwnedRwLockWriteGuard<T>);

/// tokio's [`tokio::sync::OwnedRwLockMappedWriteGuard`].
#[repr(transparent)]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T>(
    tk::OwnedRwLockMappedWriteGuard<T, U>,
);

impl<T> RwLock<T> {
    /// tokio's `new`.
    pub fn new(value: T) -> Self {
        RwLock(tk::RwLock::new(value))
    }

    /// tokio's `with_max_readers`.
    pub fn with_max_readers(value: T, max_reads: u32) -> Self {
        RwLock(tk::RwLock::with_max_readers(value, max_reads))
    }

    /// tokio's `const_new`.
    pub const fn const_new(value: T) -> Self {
        RwLock(tk::RwLock::const_new(value))
    }

    /// tokio's `const_with_max_readers`.
    pub const fn const_with_max_readers(value: T, max_reads: u32) -> Self {
        RwLock(tk::RwLock::const_with_max_readers(value, max_reads))
    }

    /// A lock of the lock class `name` (a name only the checked build uses).
    pub const fn named(name: &'static str, value: T) -> Self {
        let _ = name;
        RwLock(tk::RwLock::const_new(value))
    }

    /// tokio's `into_inner`.
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// tokio's `read`.
    pub fn read(&self) -> impl Future<Output = RwLockReadGuard<'_, T>> + '_ {
        Wrapped::new(self.0.read(), RwLockReadGuard)
    }

    /// tokio's `write`.
    pub fn write(&self) -> impl Future<Output = RwLockWriteGuard<'_, T>> + '_ {
        Wrapped::new(self.0.write(), RwLockWriteGuard)
    }

    /// tokio's `blocking_read`.
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard(self.0.blocking_read())
    }

    /// tokio's `blocking_write`.
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        RwLockWriteGuard(self.0.blocking_write())
    }

    /// tokio's `try_read`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.0.try_read().map(RwLockReadGuard)
    }

    /// tokio's `try_write`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.0.try_write().map(RwLockWriteGuard)
    }

    /// `false`: nothing is tracked with the checks compiled out.
    pub fn is_held(&self) -> bool {
        false
    }

    /// `None`: nothing is tracked with the checks compiled out.
    pub fn held_mode(&self) -> Option<Mode> {
        None
    }

    /// tokio's `get_mut`.
    pub fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }

    /// tokio's `read_owned`.
    pub fn read_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockReadGuard<T>> {
        Wrapped::new(
            arc_inner!(self, tk::RwLock<T>).read_owned(),
            OwnedRwLockReadGuard,
        )
    }

    /// tokio's `write_owned`.
    pub fn write_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockWriteGuard<T>> {
        Wrapped::new(
            arc_inner!(self, tk::RwLock<T>).write_owned(),
            OwnedRwLockWriteGuard,
        )
    }

    /// tokio's `try_read_owned`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        arc_inner!(self, tk::RwLock<T>)
            .try_read_owned()
            .map(OwnedRwLockReadGuard)
    }

    /// tokio's `try_write_owned`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        arc_inner!(self, tk::RwLock<T>)
            .try_write_owned()
            .map(OwnedRwLockWriteGuard)
    }

    pub(crate) fn lock_id(&self) -> &LockId {
        &UNCHECKED
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

crate::locks::default_and_from!(RwLock);

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// tokio's `map`.
    pub fn map<F: FnOnce(&T) -> &U, U: ?Sized>(this: Self, f: F) -> RwLockReadGuard<'a, U> {
        RwLockReadGuard(tk::RwLockReadGuard::map(this.0, f))
    }

    /// tokio's `try_map`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_map<F: FnOnce(&T) -> Option<&U>, U: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        tk::RwLockReadGuard::try_map(this.0, f)
            .map(RwLockReadGuard)
            .map_err(RwLockReadGuard)
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// tokio's `map`.
    pub fn map<F: FnOnce(&mut T) -> &mut U, U: ?Sized>(
        this: Self,
        f: F,
    ) -> RwLockMappedWriteGuard<'a, U> {
        RwLockMappedWriteGuard(tk::RwLockWriteGuard::map(this.0, f))
    }

    /// tokio's `downgrade_map`.
    pub fn downgrade_map<F: FnOnce(&T) -> &U, U: ?Sized>(
        this: Self,
        f: F,
    ) -> RwLockReadGuard<'a, U> {
        RwLockReadGuard(tk::RwLockWriteGuard::downgrade_map(this.0, f))
    }

    /// tokio's `try_map`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_map<F: FnOnce(&mut T) -> Option<&mut U>, U: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        tk::RwLockWriteGuard::try_map(this.0, f)
            .map(RwLockMappedWriteGuard)
            .map_err(RwLockWriteGuard)
    }

    /// tokio's `try_downgrade_map`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_downgrade_map<F: FnOnce(&T) -> Option<&U>, U: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        tk::RwLockWriteGuard::try_downgrade_map(this.0, f)
            .map(RwLockReadGuard)
            .map_err(RwLockWriteGuard)
    }

    /// tokio's `into_mapped`.
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockMappedWriteGuard(tk::RwLockWriteGuard::into_mapped(this.0))
    }

    /// tokio's `downgrade`.
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard(self.0.downgrade())
    }
}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// tokio's `map`.
    pub fn map<F: FnOnce(&mut T) -> &mut U, U: ?Sized>(
        this: Self,
        f: F,
    ) -> RwLockMappedWriteGuard<'a, U> {
        RwLockMappedWriteGuard(tk::RwLockMappedWriteGuard::map(this.0, f))
    }

    /// tokio's `try_map`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_map<F: FnOnce(&mut T) -> Option<&mut U>, U: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        tk::RwLockMappedWriteGuard::try_map(this.0, f)
            .map(RwLockMappedWriteGuard)
            .map_err(RwLockMappedWriteGuard)
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// tokio's `map`.
    pub fn map<F: FnOnce(&U) -> &V, V: ?Sized>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V> {
        OwnedRwLockReadGuard(tk::OwnedRwLockReadGuard::map(this.0, f))
    }

    /// tokio's `try_map`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_map<F: FnOnce(&U) -> Option<&V>, V: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, V>, Self> {
        tk::OwnedRwLockReadGuard::try_map(this.0, f)
            .map(OwnedRwLockReadGuard)
            .map_err(OwnedRwLockReadGuard)
    }

    /// tokio's `rwlock`.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        arc_outer_ref!(tk::OwnedRwLockReadGuard::rwlock(&this.0), RwLock<T>)
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// tokio's `map`.
    pub fn map<F: FnOnce(&mut T) -> &mut U, U: ?Sized>(
        this: Self,
        f: F,
    ) -> OwnedRwLockMappedWriteGuard<T, U> {
        OwnedRwLockMappedWriteGuard(tk::OwnedRwLockWriteGuard::map(this.0, f))
    }

    /// tokio's `downgrade_map`.
    pub fn downgrade_map<F: FnOnce(&T) -> &U, U: ?Sized>(
        this: Self,
        f: F,
    ) -> OwnedRwLockReadGuard<T, U> {
        OwnedRwLockReadGuard(tk::OwnedRwLockWriteGuard::downgrade_map(this.0, f))
    }

    /// tokio's `try_map`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_map<F: FnOnce(&mut T) -> Option<&mut U>, U: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self> {
        tk::OwnedRwLockWriteGuard::try_map(this.0, f)
            .map(OwnedRwLockMappedWriteGuard)
            .map_err(OwnedRwLockWriteGuard)
    }

    /// tokio's `try_downgrade_map`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_downgrade_map<F: FnOnce(&T) -> Option<&U>, U: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, U>, Self> {
        tk::OwnedRwLockWriteGuard::try_downgrade_map(this.0, f)
            .map(OwnedRwLockReadGuard)
            .map_err(OwnedRwLockWriteGuard)
    }

    /// tokio's `into_mapped`.
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockMappedWriteGuard(tk::OwnedRwLockWriteGuard::into_mapped(this.0))
    }

    /// tokio's `downgrade`.
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        OwnedRwLockReadGuard(self.0.downgrade())
    }

    /// tokio's `rwlock`.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        arc_outer_ref!(tk::OwnedRwLockWriteGuard::rwlock(&this.0), RwLock<T>)
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// tokio's `map`.
    pub fn map<F: FnOnce(&mut U) -> &mut V, V: ?Sized>(
        this: Self,
        f: F,
    ) -> OwnedRwLockMappedWriteGuard<T, V> {
        OwnedRwLockMappedWriteGuard(tk::OwnedRwLockMappedWriteGuard::map(this.0, f))
    }

    /// tokio's `try_map`.
    ///
    /// # Errors
    ///
    /// As tokio's.
    pub fn try_map<F: FnOnce(&mut U) -> Option<&mut V>, V: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self> {
        tk::OwnedRwLockMappedWriteGuard::try_map(this.0, f)
            .map(OwnedRwLockMappedWriteGuard)
            .map_err(OwnedRwLockMappedWriteGuard)
    }

    /// tokio's `rwlock`.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        arc_outer_ref!(tk::OwnedRwLockMappedWriteGuard::rwlock(&this.0), RwLock<T>)
    }
}

crate::core::guard_traits!(['a, T: ?Sized] RwLockReadGuard<'a, T> => T, 0);
crate::core::guard_traits!(['a, T: ?Sized] RwLockWriteGuard<'a, T> => T, 0, mut);
crate::core::guard_traits!(['a, T: ?Sized] RwLockMappedWriteGuard<'a, T> => T, 0, mut);
crate::core::guard_traits!([T: ?Sized, U: ?Sized] OwnedRwLockReadGuard<T, U> => U, 0);
crate::core::guard_traits!([T: ?Sized] OwnedRwLockWriteGuard<T> => T, 0, mut);
crate::core::guard_traits!(
    [T: ?Sized, U: ?Sized] OwnedRwLockMappedWriteGuard<T, U> => U, 0, mut
);

crate::contract::lockable!([T: ?Sized] Mutex<T>);
crate::contract::lockable!([T: ?Sized] RwLock<T>);
