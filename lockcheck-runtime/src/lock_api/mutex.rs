use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

use lock_api::{RawMutex, RawMutexFair, RawMutexTimed};

#[cfg(lockcheck_checks)]
use crate::{check, class::LazyClass, mode::Mode};

use super::Tracked;

/// A `lock_api` mutex over the raw lock `R`, checked.
pub struct Mutex<R, T: ?Sized> {
    #[cfg(lockcheck_checks)]
    class: LazyClass,
    inner: lock_api::Mutex<R, T>,
}

/// Holds a [`Mutex`] locked; unlocks it (and updates the held stack) when dropped.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, R: RawMutex, T: ?Sized> {
    mutex: &'a Mutex<R, T>,
    inner: ManuallyDrop<lock_api::MutexGuard<'a, R, T>>,
    tracked: Tracked,
}

/// A [`MutexGuard`] mapped to a part of the data (`MutexGuard::map`).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, R: RawMutex, T: ?Sized> {
    inner: ManuallyDrop<lock_api::MappedMutexGuard<'a, R, T>>,
    tracked: Tracked,
}

impl<R: RawMutex, T> Mutex<R, T> {
    /// A new unlocked mutex whose lock class is the caller's source location.
    #[track_caller]
    #[inline]
    pub const fn new(val: T) -> Mutex<R, T> {
        Mutex {
            #[cfg(lockcheck_checks)]
            class: LazyClass::site(std::panic::Location::caller()),
            inner: lock_api::Mutex::new(val),
        }
    }

    /// A new unlocked mutex of the lock class `name`.
    #[track_caller]
    #[inline]
    pub const fn named(name: &'static str, val: T) -> Mutex<R, T> {
        #[cfg(not(lockcheck_checks))]
        let _ = name;
        Mutex {
            #[cfg(lockcheck_checks)]
            class: LazyClass::name(name),
            inner: lock_api::Mutex::new(val),
        }
    }

    /// Consumes the mutex, returning its data.
    pub fn into_inner(self) -> T {
        crate::locks::consume!(self).into_inner()
    }
}

impl<R, T> Mutex<R, T> {
    /// A new unlocked mutex over an existing raw lock (`lock_api::Mutex::const_new`).
    #[track_caller]
    #[inline]
    pub const fn const_new(raw_mutex: R, val: T) -> Mutex<R, T> {
        Mutex {
            #[cfg(lockcheck_checks)]
            class: LazyClass::site(std::panic::Location::caller()),
            inner: lock_api::Mutex::const_new(raw_mutex, val),
        }
    }
}

impl<R: RawMutex, T: ?Sized> Mutex<R, T> {
    /// Acquires the mutex, blocking until it is free; checked before it can block.
    #[track_caller]
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, R, T> {
        #[cfg(lockcheck_checks)]
        let g = check::acquire(
            self.acquisition(),
            || self.inner.try_lock(),
            || self.inner.lock(),
        );
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.lock();
        self.guard(g)
    }

    /// Tries to acquire the mutex without blocking.
    #[track_caller]
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, R, T>> {
        #[cfg(lockcheck_checks)]
        let g = check::try_acquire(self.acquisition(), || self.inner.try_lock());
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.try_lock();
        g.map(|g| self.guard(g))
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
        #[cfg(lockcheck_checks)]
        {
            crate::held::holds_instance(self.class.instance())
        }
        #[cfg(not(lockcheck_checks))]
        {
            false
        }
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
        super::tracked!(self).release();
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
            inner: ManuallyDrop::new(g),
            tracked: super::tracked!(self),
        }
    }

    #[cfg(lockcheck_checks)]
    #[track_caller]
    #[inline]
    fn acquisition(&self) -> crate::held_lock::HeldLock {
        super::acquisition::<Self>(&self.class, Mode::Exclusive)
    }
}

impl<R: RawMutexFair, T: ?Sized> Mutex<R, T> {
    /// Forcibly unlocks the mutex with a fair unlock.
    ///
    /// # Safety
    ///
    /// As [`Mutex::force_unlock`].
    pub unsafe fn force_unlock_fair(&self) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.inner.force_unlock_fair() };
        super::tracked!(self).release();
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
        #[cfg(lockcheck_checks)]
        let g = check::acquire_timed(self.acquisition(), attempt);
        #[cfg(not(lockcheck_checks))]
        let g = attempt();
        g.map(|g| self.guard(g))
    }
}

#[cfg(lockcheck_checks)]
impl<R, T: ?Sized> Drop for Mutex<R, T> {
    fn drop(&mut self) {
        check::lock_dropped(&self.class);
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

    /// Takes the guard apart: the `lock_api` guard, and the checker's part.
    fn into_parts(s: Self) -> (lock_api::MutexGuard<'a, R, T>, Tracked) {
        let mut s = ManuallyDrop::new(s);
        // SAFETY: `s` is never dropped or used again, so `inner` is taken exactly once.
        (unsafe { ManuallyDrop::take(&mut s.inner) }, s.tracked)
    }

    /// A guard for a part of the data; the lock stays held until it is dropped.
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedMutexGuard<'a, R, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let (inner, tracked) = Self::into_parts(s);
        MappedMutexGuard {
            inner: ManuallyDrop::new(lock_api::MutexGuard::map(inner, f)),
            tracked,
        }
    }

    /// As [`MutexGuard::map`], when `f` may fail: the original guard back on failure.
    #[allow(clippy::result_large_err)]
    pub fn try_map<U: ?Sized, F>(s: Self, f: F) -> Result<MappedMutexGuard<'a, R, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let mutex = s.mutex;
        let (inner, tracked) = Self::into_parts(s);
        match lock_api::MutexGuard::try_map(inner, f) {
            Ok(m) => Ok(MappedMutexGuard {
                inner: ManuallyDrop::new(m),
                tracked,
            }),
            Err(g) => Err(MutexGuard {
                mutex,
                inner: ManuallyDrop::new(g),
                tracked,
            }),
        }
    }

    /// Unlocks the mutex while `f` runs, then locks it again (re-checked after).
    #[track_caller]
    pub fn unlocked<F, U>(s: &mut Self, f: F) -> U
    where
        F: FnOnce() -> U,
    {
        let tracked = s.tracked;
        let inner = &mut *s.inner;
        tracked.while_unlocked(|| lock_api::MutexGuard::unlocked(inner, f))
    }

    /// Leaks the guard: the mutex stays locked for good (and held, in this thread's view).
    pub fn leak(s: Self) -> &'a mut T {
        let (inner, _) = Self::into_parts(s);
        lock_api::MutexGuard::leak(inner)
    }

    /// The `lock_api` guard inside (for a condition variable over the raw lock).
    pub(crate) fn lock_api_guard(s: &mut Self) -> (&mut lock_api::MutexGuard<'a, R, T>, Tracked) {
        (&mut s.inner, s.tracked)
    }
}

impl<'a, R: RawMutexFair + 'a, T: ?Sized + 'a> MutexGuard<'a, R, T> {
    /// Unlocks the mutex with a fair unlock.
    pub fn unlock_fair(s: Self) {
        let (inner, tracked) = Self::into_parts(s);
        lock_api::MutexGuard::unlock_fair(inner);
        tracked.release();
    }

    /// As [`MutexGuard::unlocked`], unlocking fairly.
    #[track_caller]
    pub fn unlocked_fair<F, U>(s: &mut Self, f: F) -> U
    where
        F: FnOnce() -> U,
    {
        let tracked = s.tracked;
        let inner = &mut *s.inner;
        tracked.while_unlocked(|| lock_api::MutexGuard::unlocked_fair(inner, f))
    }

    /// Lets a waiting thread have the mutex for a moment, if one waits. The lock is held again
    /// when this returns, as it was before: the held stack does not change.
    pub fn bump(s: &mut Self) {
        lock_api::MutexGuard::bump(&mut s.inner);
    }
}

impl<R: RawMutex, T: ?Sized> Deref for MutexGuard<'_, R, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<R: RawMutex, T: ?Sized> DerefMut for MutexGuard<'_, R, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<R: RawMutex, T: ?Sized> Drop for MutexGuard<'_, R, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `inner` is dropped exactly once, here.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
        self.tracked.release();
    }
}

impl<R: RawMutex, T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<R: RawMutex, T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<'a, R: RawMutex + 'a, T: ?Sized + 'a> MappedMutexGuard<'a, R, T> {
    /// A guard for a further part of the data.
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedMutexGuard<'a, R, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let mut s = ManuallyDrop::new(s);
        // SAFETY: `s` is never dropped or used again, so `inner` is taken exactly once.
        let inner = unsafe { ManuallyDrop::take(&mut s.inner) };
        MappedMutexGuard {
            inner: ManuallyDrop::new(lock_api::MappedMutexGuard::map(inner, f)),
            tracked: s.tracked,
        }
    }
}

impl<R: RawMutex, T: ?Sized> Deref for MappedMutexGuard<'_, R, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<R: RawMutex, T: ?Sized> DerefMut for MappedMutexGuard<'_, R, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<R: RawMutex, T: ?Sized> Drop for MappedMutexGuard<'_, R, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `inner` is dropped exactly once, here.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
        self.tracked.release();
    }
}

impl<R: RawMutex, T: ?Sized + fmt::Debug> fmt::Debug for MappedMutexGuard<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A guard that owns an `Arc` of its [`Mutex`] (feature `arc_lock`, as in `lock_api`): no
/// lifetime ties it to a borrow.
#[cfg(feature = "arc_lock")]
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct ArcMutexGuard<R: RawMutex, T: ?Sized> {
    mutex: std::sync::Arc<Mutex<R, T>>,
    tracked: Tracked,
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
        let (inner, tracked) = MutexGuard::into_parts(g);
        // The raw lock stays locked: the Arc guard unlocks it.
        std::mem::forget(inner);
        ArcMutexGuard {
            mutex: std::sync::Arc::clone(self),
            tracked,
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
            s.tracked.release();
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
        self.tracked.release();
    }
}

#[cfg(feature = "arc_lock")]
impl<R: RawMutex, T: ?Sized + fmt::Debug> fmt::Debug for ArcMutexGuard<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
