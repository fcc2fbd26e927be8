use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::Deref;

use lock_api::{GetThreadId, RawMutex, RawMutexTimed};

#[cfg(lockcheck_checks)]
use crate::{check, class::LazyClass, mode::Mode};

use super::Tracked;

/// A `lock_api` re-entrant mutex, checked. Taking it again on the thread that holds it is no
/// deadlock and is not reported; order edges are learned on the outermost acquisition only.
pub struct ReentrantMutex<R, G, T: ?Sized> {
    #[cfg(lockcheck_checks)]
    class: LazyClass,
    inner: lock_api::ReentrantMutex<R, G, T>,
}

/// Holds a [`ReentrantMutex`]; only the outermost guard of a thread is on its held stack.
#[must_use = "if unused the ReentrantMutex will immediately unlock"]
pub struct ReentrantMutexGuard<'a, R: RawMutex, G: GetThreadId, T: ?Sized> {
    inner: ManuallyDrop<lock_api::ReentrantMutexGuard<'a, R, G, T>>,
    tracked: Tracked,
}

impl<R: RawMutex, G: GetThreadId, T> ReentrantMutex<R, G, T> {
    /// A new unlocked mutex whose lock class is the caller's source location.
    #[track_caller]
    #[inline]
    pub const fn new(val: T) -> ReentrantMutex<R, G, T> {
        ReentrantMutex {
            #[cfg(lockcheck_checks)]
            class: LazyClass::site(std::panic::Location::caller()),
            inner: lock_api::ReentrantMutex::new(val),
        }
    }

    /// A new unlocked mutex of the lock class `name`.
    #[track_caller]
    #[inline]
    pub const fn named(name: &'static str, val: T) -> ReentrantMutex<R, G, T> {
        #[cfg(not(lockcheck_checks))]
        let _ = name;
        ReentrantMutex {
            #[cfg(lockcheck_checks)]
            class: LazyClass::name(name),
            inner: lock_api::ReentrantMutex::new(val),
        }
    }

    /// Consumes the mutex, returning its data.
    pub fn into_inner(self) -> T {
        crate::locks::consume!(self).into_inner()
    }
}

impl<R: RawMutex, G: GetThreadId, T: ?Sized> ReentrantMutex<R, G, T> {
    /// Acquires the mutex; on the thread that holds it already, at once and unchecked.
    #[track_caller]
    #[inline]
    pub fn lock(&self) -> ReentrantMutexGuard<'_, R, G, T> {
        if self.inner.is_owned_by_current_thread() {
            return self.guard(self.inner.lock(), Tracked::new(0));
        }
        #[cfg(lockcheck_checks)]
        let g = check::acquire(
            self.acquisition(),
            || self.inner.try_lock(),
            || self.inner.lock(),
        );
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.lock();
        self.guard(g, super::tracked!(self))
    }

    /// Tries to acquire the mutex without blocking.
    #[track_caller]
    #[inline]
    pub fn try_lock(&self) -> Option<ReentrantMutexGuard<'_, R, G, T>> {
        if self.inner.is_owned_by_current_thread() {
            return self
                .inner
                .try_lock()
                .map(|g| self.guard(g, Tracked::new(0)));
        }
        #[cfg(lockcheck_checks)]
        let g = check::try_acquire(self.acquisition(), || self.inner.try_lock());
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.try_lock();
        g.map(|g| self.guard(g, super::tracked!(self)))
    }

    /// A mutable reference to the data.
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    /// Whether the mutex is locked, by any thread.
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// Whether the current thread holds it.
    pub fn is_owned_by_current_thread(&self) -> bool {
        self.inner.is_owned_by_current_thread()
    }

    /// A raw pointer to the data.
    pub fn data_ptr(&self) -> *mut T {
        self.inner.data_ptr()
    }

    fn guard<'a>(
        &'a self,
        g: lock_api::ReentrantMutexGuard<'a, R, G, T>,
        tracked: Tracked,
    ) -> ReentrantMutexGuard<'a, R, G, T> {
        ReentrantMutexGuard {
            inner: ManuallyDrop::new(g),
            tracked,
        }
    }

    #[cfg(lockcheck_checks)]
    #[track_caller]
    #[inline]
    fn acquisition(&self) -> crate::held_lock::HeldLock {
        super::acquisition::<Self>(&self.class, Mode::Exclusive)
    }
}

impl<R: RawMutexTimed, G: GetThreadId, T: ?Sized> ReentrantMutex<R, G, T> {
    /// Tries to acquire the mutex, waiting at most `timeout`; checked as a blocking one.
    #[track_caller]
    pub fn try_lock_for(&self, timeout: R::Duration) -> Option<ReentrantMutexGuard<'_, R, G, T>> {
        if self.inner.is_owned_by_current_thread() {
            return self
                .inner
                .try_lock_for(timeout)
                .map(|g| self.guard(g, Tracked::new(0)));
        }
        #[cfg(lockcheck_checks)]
        let g = check::acquire_timed(self.acquisition(), || self.inner.try_lock_for(timeout));
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.try_lock_for(timeout);
        g.map(|g| self.guard(g, super::tracked!(self)))
    }
}

#[cfg(lockcheck_checks)]
impl<R, G, T: ?Sized> Drop for ReentrantMutex<R, G, T> {
    fn drop(&mut self) {
        check::lock_dropped(&self.class);
    }
}

impl<R: RawMutex, G: GetThreadId, T: Default> Default for ReentrantMutex<R, G, T> {
    #[track_caller]
    fn default() -> Self {
        ReentrantMutex::new(T::default())
    }
}

impl<R: RawMutex, G: GetThreadId, T: ?Sized + fmt::Debug> fmt::Debug for ReentrantMutex<R, G, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

/// A [`ReentrantMutexGuard`] mapped to a part of the data.
#[must_use = "if unused the ReentrantMutex will immediately unlock"]
pub struct MappedReentrantMutexGuard<'a, R: RawMutex, G: GetThreadId, T: ?Sized> {
    inner: ManuallyDrop<lock_api::MappedReentrantMutexGuard<'a, R, G, T>>,
    tracked: Tracked,
}

impl<'a, R: RawMutex + 'a, G: GetThreadId + 'a, T: ?Sized + 'a> ReentrantMutexGuard<'a, R, G, T> {
    fn into_parts(s: Self) -> (lock_api::ReentrantMutexGuard<'a, R, G, T>, Tracked) {
        let mut s = ManuallyDrop::new(s);
        // SAFETY: `s` is never dropped or used again, so `inner` is taken exactly once.
        (unsafe { ManuallyDrop::take(&mut s.inner) }, s.tracked)
    }

    /// A guard for a part of the data; the mutex stays held until it is dropped.
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedReentrantMutexGuard<'a, R, G, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let (g, tracked) = Self::into_parts(s);
        MappedReentrantMutexGuard {
            inner: ManuallyDrop::new(lock_api::ReentrantMutexGuard::map(g, f)),
            tracked,
        }
    }

    /// As [`ReentrantMutexGuard::map`], when `f` may fail: the original guard back on failure.
    #[allow(clippy::result_large_err)]
    pub fn try_map<U: ?Sized, F>(
        s: Self,
        f: F,
    ) -> Result<MappedReentrantMutexGuard<'a, R, G, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let (g, tracked) = Self::into_parts(s);
        match lock_api::ReentrantMutexGuard::try_map(g, f) {
            Ok(m) => Ok(MappedReentrantMutexGuard {
                inner: ManuallyDrop::new(m),
                tracked,
            }),
            Err(g) => Err(ReentrantMutexGuard {
                inner: ManuallyDrop::new(g),
                tracked,
            }),
        }
    }
}

impl<R: RawMutex, G: GetThreadId, T: ?Sized> Deref for MappedReentrantMutexGuard<'_, R, G, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<R: RawMutex, G: GetThreadId, T: ?Sized> Drop for MappedReentrantMutexGuard<'_, R, G, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `inner` is dropped exactly once, here.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
        self.tracked.release();
    }
}

impl<R: RawMutex, G: GetThreadId, T: ?Sized> Deref for ReentrantMutexGuard<'_, R, G, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<R: RawMutex, G: GetThreadId, T: ?Sized> Drop for ReentrantMutexGuard<'_, R, G, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `inner` is dropped exactly once, here.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
        self.tracked.release();
    }
}

impl<R: RawMutex, G: GetThreadId, T: ?Sized + fmt::Debug> fmt::Debug
    for ReentrantMutexGuard<'_, R, G, T>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
