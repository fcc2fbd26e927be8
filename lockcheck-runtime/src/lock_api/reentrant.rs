use std::fmt;

use lock_api::{GetThreadId, RawMutex, RawMutexTimed};

use crate::core::{Guard, Hold, LockId};
use crate::mode::Mode;

/// A `lock_api` re-entrant mutex, checked. Taking it again on the thread that holds it is no
/// deadlock and is not reported; order edges are learned on the outermost acquisition only.
pub struct ReentrantMutex<R, G, T: ?Sized> {
    id: LockId,
    inner: lock_api::ReentrantMutex<R, G, T>,
}

/// Holds a [`ReentrantMutex`]; only the outermost guard of a thread is on its held stack.
#[must_use = "if unused the ReentrantMutex will immediately unlock"]
pub struct ReentrantMutexGuard<'a, R: RawMutex, G: GetThreadId, T: ?Sized>(
    Guard<lock_api::ReentrantMutexGuard<'a, R, G, T>>,
);

impl<R: RawMutex, G: GetThreadId, T> ReentrantMutex<R, G, T> {
    /// A new unlocked mutex whose lock class is the caller's source location.
    #[track_caller]
    #[inline]
    pub const fn new(val: T) -> ReentrantMutex<R, G, T> {
        ReentrantMutex {
            id: LockId::at(std::panic::Location::caller()),
            inner: lock_api::ReentrantMutex::new(val),
        }
    }

    /// A new unlocked mutex of the lock class `name`.
    #[track_caller]
    #[inline]
    pub const fn named(name: &'static str, val: T) -> ReentrantMutex<R, G, T> {
        ReentrantMutex {
            id: LockId::named(name),
            inner: lock_api::ReentrantMutex::new(val),
        }
    }

    /// Consumes the mutex, returning its data.
    pub fn into_inner(self) -> T {
        let ReentrantMutex { id, inner } = self;
        drop(id);
        inner.into_inner()
    }
}

impl<R: RawMutex, G: GetThreadId, T: ?Sized> ReentrantMutex<R, G, T> {
    /// Acquires the mutex; on the thread that holds it already, at once and unchecked.
    #[track_caller]
    #[inline]
    pub fn lock(&self) -> ReentrantMutexGuard<'_, R, G, T> {
        if self.inner.is_owned_by_current_thread() {
            return self.guard(self.inner.lock(), Hold::none());
        }
        let g = self.id.acquire::<Self, _>(
            Mode::Exclusive,
            0,
            || self.inner.try_lock(),
            || self.inner.lock(),
        );
        self.guard(g, self.id.hold())
    }

    /// Tries to acquire the mutex without blocking.
    #[track_caller]
    #[inline]
    pub fn try_lock(&self) -> Option<ReentrantMutexGuard<'_, R, G, T>> {
        if self.inner.is_owned_by_current_thread() {
            return self.inner.try_lock().map(|g| self.guard(g, Hold::none()));
        }
        let g = self
            .id
            .try_acquire::<Self, _>(Mode::Exclusive, || self.inner.try_lock());
        g.map(|g| self.guard(g, self.id.hold()))
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
        hold: Hold,
    ) -> ReentrantMutexGuard<'a, R, G, T> {
        ReentrantMutexGuard(Guard::new(g, hold))
    }

    /// The lock's identity (`Lockable`).
    pub(crate) fn lock_id(&self) -> &LockId {
        &self.id
    }
}

crate::contract::lockable!([R: RawMutex, G: GetThreadId, T: ?Sized] ReentrantMutex<R, G, T>);

impl<R: RawMutexTimed, G: GetThreadId, T: ?Sized> ReentrantMutex<R, G, T> {
    /// Tries to acquire the mutex, waiting at most `timeout`; checked as a blocking one.
    #[track_caller]
    pub fn try_lock_for(&self, timeout: R::Duration) -> Option<ReentrantMutexGuard<'_, R, G, T>> {
        if self.inner.is_owned_by_current_thread() {
            return self
                .inner
                .try_lock_for(timeout)
                .map(|g| self.guard(g, Hold::none()));
        }
        let g = self
            .id
            .acquire_timed::<Self, _>(Mode::Exclusive, || self.inner.try_lock_for(timeout));
        g.map(|g| self.guard(g, self.id.hold()))
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
pub struct MappedReentrantMutexGuard<'a, R: RawMutex, G: GetThreadId, T: ?Sized>(
    Guard<lock_api::MappedReentrantMutexGuard<'a, R, G, T>>,
);

impl<'a, R: RawMutex + 'a, G: GetThreadId + 'a, T: ?Sized + 'a> ReentrantMutexGuard<'a, R, G, T> {
    /// A guard for a part of the data; the mutex stays held until it is dropped.
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedReentrantMutexGuard<'a, R, G, U>
    where
        F: FnOnce(&T) -> &U,
    {
        MappedReentrantMutexGuard(s.0.map(|g| lock_api::ReentrantMutexGuard::map(g, f)))
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
        match s
            .0
            .try_map(|g| lock_api::ReentrantMutexGuard::try_map(g, f))
        {
            Ok(m) => Ok(MappedReentrantMutexGuard(m)),
            Err(g) => Err(ReentrantMutexGuard(g)),
        }
    }
}

crate::core::guard_traits!(
    ['a, R: RawMutex + 'a, G: GetThreadId + 'a, T: ?Sized + 'a]
        ReentrantMutexGuard<'a, R, G, T> => T, 0
);
crate::core::guard_traits!(
    ['a, R: RawMutex + 'a, G: GetThreadId + 'a, T: ?Sized + 'a]
        MappedReentrantMutexGuard<'a, R, G, T> => T, 0
);
