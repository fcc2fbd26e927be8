use std::fmt;
#[cfg(feature = "arc_lock")]
use std::mem::ManuallyDrop;
#[cfg(feature = "arc_lock")]
use std::ops::{Deref, DerefMut};

use lock_api::{RawMutex, RawMutexFair, RawMutexTimed};

use crate::core::{Guard, Hold, LockId};
use crate::mode::Mode;

/// A `lock_api` mutex over the raw lock `R`, checked.
pub struct Mutex<R, T: ?Sized> {
    id: LockId,
    inner: lock_api::Mutex<R, T>,
}

/// Holds a [`Mutex`] locked; unlocks it (and updates the held stack) when dropped.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, R: RawMutex, T: ?Sized> {
    mutex: &'a Mutex<R, T>,
    guard: Guard<lock_api::MutexGuard<'a, R, T>>,
}

/// A [`MutexGuard`] mapped to a part of the data (`MutexGuard::map`).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, R: RawMutex, T: ?Sized>(
    Guard<lock_api::MappedMutexGuard<'a, R, T>>,
);

impl<R: RawMutex, T> Mutex<R, T> {
    /// A new unlocked mutex whose lock class is the caller's source location.
    #[track_caller]
    #[inline]
    pub const fn new(val: T) -> Mutex<R, T> {
        Mutex {
            id: LockId::at(std::panic::Location::caller()),
            inner: lock_api::Mutex::new(val),
        }
    }

    /// A new unlocked mutex of the lock class `name`.
    #[track_caller]
    #[inline]
    pub const fn named(name: &'static str, val: T) -> Mutex<R, T> {
        Mutex {
            id: LockId::named(name),
            inner: lock_api::Mutex::new(val),
        }
    }

    /// Consumes the mutex, returning its data.
    pub fn into_inner(self) -> T {
        let Mutex { id, inner } = self;
        drop(id);
        inner.into_inner()
    }
}

impl<R, T> Mutex<R, T> {
    /// A new unlocked mutex over an existing raw lock (`lock_api::Mutex::const_new`).
    #[track_caller]
    #[inline]
    pub const fn const_new(raw_mutex: R, val: T) -> Mutex<R, T> {
        Mutex {
            id: LockId::at(std::panic::Location::caller()),
            inner: lock_api::Mutex::const_new(raw_mutex, val),
        }
    }
}

impl<R: RawMutex, T: ?Sized> Mutex<R, T> {
    /// Acquires the mutex, blocking until it is free; checked before it can block.
    #[track_caller]
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, R, T> {
        let g = self.id.acquire::<Self, _>(
            Mode::Exclusive,
            0,
            || self.inner.try_lock(),
            || self.inner.lock(),
        );
        self.guard(g)
    }

    /// Tries to acquire the mutex without blocking.
    #[track_caller]
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, R, T>> {
        self.id
            .try_acquire::<Self, _>(Mode::Exclusive, || self.inner.try_lock())
            .map(|g| self.guard(g))
    }

    /// A mutable reference to the data (no locking: the borrow is exclusive).
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    /// Whether the mutex is locked, by any thread.
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// Whether the current thread holds it (`false` with the checker compiled out).
    pub fn is_held(&self) -> bool {
        self.id.is_held()
    }

    /// Forcibly unlocks the mutex (see `lock_api::Mutex::force_unlock`); the held stack forgets
    /// the lock.
    ///
    /// # Safety
    ///
    /// As `lock_api::Mutex::force_unlock`: the mutex is locked by the current context, whose
    /// guard was leaked.
    pub unsafe fn force_unlock(&self) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.inner.force_unlock() };
        self.id.hold().release();
    }

    /// The raw lock (see `lock_api::Mutex::raw`).
    ///
    /// # Safety
    ///
    /// As `lock_api::Mutex::raw`: locking or unlocking through it bypasses the guard (and the
    /// checker).
    pub unsafe fn raw(&self) -> &R {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.inner.raw() }
    }

    /// A raw pointer to the data.
    pub fn data_ptr(&self) -> *mut T {
        self.inner.data_ptr()
    }

    #[inline]
    fn guard<'a>(&'a self, g: lock_api::MutexGuard<'a, R, T>) -> MutexGuard<'a, R, T> {
        MutexGuard {
            mutex: self,
            guard: Guard::new(g, self.id.hold()),
        }
    }

    /// The lock's identity (`Lockable`).
    pub(crate) fn lock_id(&self) -> &LockId {
        &self.id
    }
}

crate::contract::lockable!([R: RawMutex, T: ?Sized] Mutex<R, T>);

impl<R: RawMutexFair, T: ?Sized> Mutex<R, T> {
    /// Forcibly unlocks the mutex with a fair unlock.
    ///
    /// # Safety
    ///
    /// As [`Mutex::force_unlock`].
    pub unsafe fn force_unlock_fair(&self) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.inner.force_unlock_fair() };
        self.id.hold().release();
    }
}

impl<R: RawMutexTimed, T: ?Sized> Mutex<R, T> {
    /// Tries to acquire the mutex, waiting at most `timeout`. Checked like [`Mutex::lock`]: it
    /// can block.
    #[track_caller]
    pub fn try_lock_for(&self, timeout: R::Duration) -> Option<MutexGuard<'_, R, T>> {
        self.timed(|| self.inner.try_lock_for(timeout))
    }

    /// Tries to acquire the mutex, waiting until `timeout` at most. Checked like [`Mutex::lock`].
    #[track_caller]
    pub fn try_lock_until(&self, timeout: R::Instant) -> Option<MutexGuard<'_, R, T>> {
        self.timed(|| self.inner.try_lock_until(timeout))
    }

    /// A timed acquisition: it can block, so it is checked as a blocking one; it may fail.
    #[track_caller]
    fn timed<'a>(
        &'a self,
        attempt: impl FnOnce() -> Option<lock_api::MutexGuard<'a, R, T>>,
    ) -> Option<MutexGuard<'a, R, T>> {
        self.id
            .acquire_timed::<Self, _>(Mode::Exclusive, attempt)
            .map(|g| self.guard(g))
    }
}

impl<R: RawMutex, T: Default> Default for Mutex<R, T> {
    #[track_caller]
    fn default() -> Mutex<R, T> {
        Mutex::new(T::default())
    }
}

impl<R: RawMutex, T> From<T> for Mutex<R, T> {
    #[track_caller]
    fn from(t: T) -> Mutex<R, T> {
        Mutex::new(t)
    }
}

impl<R: RawMutex, T: ?Sized + fmt::Debug> fmt::Debug for Mutex<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl<'a, R: RawMutex + 'a, T: ?Sized + 'a> MutexGuard<'a, R, T> {
    /// The mutex this guard holds.
    pub fn mutex(s: &Self) -> &'a Mutex<R, T> {
        s.mutex
    }

    /// Takes the guard apart: the `lock_api` guard, and its hold.
    fn into_parts(s: Self) -> (lock_api::MutexGuard<'a, R, T>, Hold) {
        s.guard.into_parts()
    }

    /// A guard for a part of the data; the lock stays held until it is dropped.
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedMutexGuard<'a, R, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        MappedMutexGuard(s.guard.map(|g| lock_api::MutexGuard::map(g, f)))
    }

    /// As [`MutexGuard::map`], when `f` may fail: the original guard back on failure.
    #[allow(clippy::result_large_err)]
    pub fn try_map<U: ?Sized, F>(s: Self, f: F) -> Result<MappedMutexGuard<'a, R, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let mutex = s.mutex;
        match s.guard.try_map(|g| lock_api::MutexGuard::try_map(g, f)) {
            Ok(m) => Ok(MappedMutexGuard(m)),
            Err(guard) => Err(MutexGuard { mutex, guard }),
        }
    }

    /// Unlocks the mutex while `f` runs, then locks it again (re-checked after).
    #[track_caller]
    pub fn unlocked<F, U>(s: &mut Self, f: F) -> U
    where
        F: FnOnce() -> U,
    {
        let hold = s.guard.hold();
        let inner = s.guard.inner_mut();
        hold.while_unlocked(|| lock_api::MutexGuard::unlocked(inner, f))
    }

    /// Leaks the guard: the mutex stays locked for good (and held, in this thread's view).
    pub fn leak(s: Self) -> &'a mut T {
        let (inner, _) = Self::into_parts(s);
        lock_api::MutexGuard::leak(inner)
    }

    /// The `lock_api` guard inside and its hold (for a condition variable over the raw lock).
    #[cfg(feature = "parking_lot")]
    pub(crate) fn lock_api_guard(s: &mut Self) -> (&mut lock_api::MutexGuard<'a, R, T>, Hold) {
        let hold = s.guard.hold();
        (s.guard.inner_mut(), hold)
    }
}

impl<'a, R: RawMutexFair + 'a, T: ?Sized + 'a> MutexGuard<'a, R, T> {
    /// Unlocks the mutex with a fair unlock.
    pub fn unlock_fair(s: Self) {
        s.guard.release_with(lock_api::MutexGuard::unlock_fair);
    }

    /// As [`MutexGuard::unlocked`], unlocking fairly.
    #[track_caller]
    pub fn unlocked_fair<F, U>(s: &mut Self, f: F) -> U
    where
        F: FnOnce() -> U,
    {
        let hold = s.guard.hold();
        let inner = s.guard.inner_mut();
        hold.while_unlocked(|| lock_api::MutexGuard::unlocked_fair(inner, f))
    }

    /// Lets a waiting thread have the mutex for a moment, if one waits: an unlock and a
    /// re-acquisition, checked like [`MutexGuard::unlocked`]'s (with another lock held, the
    /// re-acquisition is an order like any other). Held again when this returns.
    #[track_caller]
    pub fn bump(s: &mut Self) {
        let hold = s.guard.hold();
        let inner = s.guard.inner_mut();
        hold.while_unlocked(|| lock_api::MutexGuard::bump(inner));
    }
}

crate::core::guard_traits!(
    ['a, R: RawMutex + 'a, T: ?Sized + 'a] MutexGuard<'a, R, T> => T, guard, mut
);
crate::core::guard_traits!(
    ['a, R: RawMutex + 'a, T: ?Sized + 'a] MappedMutexGuard<'a, R, T> => T, 0, mut
);

impl<'a, R: RawMutex + 'a, T: ?Sized + 'a> MappedMutexGuard<'a, R, T> {
    /// A guard for a further part of the data.
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedMutexGuard<'a, R, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        MappedMutexGuard(s.0.map(|g| lock_api::MappedMutexGuard::map(g, f)))
    }
}

/// A guard that owns an `Arc` of its [`Mutex`] (feature `arc_lock`, as in `lock_api`): no
/// lifetime ties it to a borrow.
#[cfg(feature = "arc_lock")]
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct ArcMutexGuard<R: RawMutex, T: ?Sized> {
    mutex: std::sync::Arc<Mutex<R, T>>,
    hold: Hold,
    /// `Send`/`Sync` as the raw lock's guards are (a raw lock may need unlocking on the thread
    /// that locked it).
    marker: std::marker::PhantomData<(*const (), R::GuardMarker)>,
}

// SAFETY: as `lock_api::ArcMutexGuard`: sendable exactly when the raw lock's guard is.
#[cfg(feature = "arc_lock")]
unsafe impl<R: RawMutex + Send + Sync, T: Send + ?Sized> Send for ArcMutexGuard<R, T> where
    R::GuardMarker: Send
{
}
// SAFETY: as `lock_api::ArcMutexGuard`.
#[cfg(feature = "arc_lock")]
unsafe impl<R: RawMutex + Sync, T: Sync + ?Sized> Sync for ArcMutexGuard<R, T> where
    R::GuardMarker: Sync
{
}

#[cfg(feature = "arc_lock")]
impl<R: RawMutex, T: ?Sized> Mutex<R, T> {
    /// Acquires the mutex through an `Arc`; checked as [`Mutex::lock`].
    #[track_caller]
    pub fn lock_arc(self: &std::sync::Arc<Self>) -> ArcMutexGuard<R, T> {
        let g = self.lock();
        self.arc_guard(g)
    }

    /// Tries to acquire the mutex through an `Arc` without blocking.
    #[track_caller]
    pub fn try_lock_arc(self: &std::sync::Arc<Self>) -> Option<ArcMutexGuard<R, T>> {
        self.try_lock().map(|g| self.arc_guard(g))
    }

    fn arc_guard(self: &std::sync::Arc<Self>, g: MutexGuard<'_, R, T>) -> ArcMutexGuard<R, T> {
        let (inner, hold) = MutexGuard::into_parts(g);
        // The raw lock stays locked: the Arc guard unlocks it.
        std::mem::forget(inner);
        ArcMutexGuard {
            mutex: std::sync::Arc::clone(self),
            hold,
            marker: std::marker::PhantomData,
        }
    }
}

#[cfg(feature = "arc_lock")]
impl<R: RawMutex, T: ?Sized> ArcMutexGuard<R, T> {
    /// The mutex this guard holds.
    pub fn mutex(s: &Self) -> &std::sync::Arc<Mutex<R, T>> {
        &s.mutex
    }

    /// Unlocks the mutex and gives its `Arc` back.
    pub fn into_arc(s: Self) -> std::sync::Arc<Mutex<R, T>> {
        let s = ManuallyDrop::new(s);
        // SAFETY: this guard holds the lock; it is unlocked once, here (the guard's own `Drop`
        // does not run), and the Arc is moved out exactly once.
        unsafe {
            s.mutex.inner.force_unlock();
            s.hold.release();
            std::ptr::read(&s.mutex)
        }
    }
}

#[cfg(feature = "arc_lock")]
impl<R: RawMutex, T: ?Sized> Deref for ArcMutexGuard<R, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the lock, so nothing else accesses the data.
        unsafe { &*self.mutex.data_ptr() }
    }
}

#[cfg(feature = "arc_lock")]
impl<R: RawMutex, T: ?Sized> DerefMut for ArcMutexGuard<R, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the lock, and `&mut self` makes the access exclusive.
        unsafe { &mut *self.mutex.data_ptr() }
    }
}

#[cfg(feature = "arc_lock")]
impl<R: RawMutex, T: ?Sized> Drop for ArcMutexGuard<R, T> {
    fn drop(&mut self) {
        // SAFETY: this guard holds the lock (taken in `lock_arc`, its guard forgotten).
        unsafe { self.mutex.inner.force_unlock() };
        self.hold.release();
    }
}

#[cfg(feature = "arc_lock")]
impl<R: RawMutex, T: ?Sized + fmt::Debug> fmt::Debug for ArcMutexGuard<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
