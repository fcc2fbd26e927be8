use std::fmt;
use std::sync::{self as stdsync, LockResult, PoisonError, TryLockError, TryLockResult};

use crate::core::{Guard, LockId};
use crate::mode::Mode;

/// A reader-writer lock whose acquisitions are checked.
///
/// Wraps [`std::sync::RwLock`]. Reads follow rw-semaphore rules, because std's read lock is not
/// guaranteed to be recursive (a queued writer blocks new readers): taking a read lock this
/// thread already holds is a violation, and read acquisitions take part in order cycles like
/// write acquisitions do.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::RwLock;
///
/// static ALLP: RwLock<Vec<u32>> = RwLock::named("allp", Vec::new());
///
/// ALLP.write().push(7);
/// assert_eq!(ALLP.read().len(), 1);
/// ```
pub struct RwLock<T: ?Sized> {
    id: LockId,
    inner: stdsync::RwLock<T>,
}

/// Holds an [`RwLock`] for reading; releases it when dropped.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized>(Guard<stdsync::RwLockReadGuard<'a, T>>);

/// Holds an [`RwLock`] for writing; releases it when dropped.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized>(Guard<stdsync::RwLockWriteGuard<'a, T>>);

crate::core::guard_traits!(['a, T: ?Sized] RwLockReadGuard<'a, T> => T, 0);
crate::core::guard_traits!(['a, T: ?Sized] RwLockWriteGuard<'a, T> => T, 0, mut);
crate::contract::lockable!([T: ?Sized] RwLock<T>);

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Turns a write hold into a read hold without releasing the lock in between (std's
    /// `RwLockWriteGuard::downgrade`): no writer can get in. The thread's held stack says
    /// shared from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockcheck_runtime::{Mode, RwLock, RwLockWriteGuard};
    ///
    /// let l = RwLock::new(1);
    /// let mut w = l.write();
    /// *w += 1;
    /// let r = RwLockWriteGuard::downgrade(w);
    /// assert_eq!(*r, 2);
    /// let expected = lockcheck_runtime::ENABLED.then_some(Mode::Shared);
    /// assert_eq!(l.held_mode(), expected);
    /// ```
    pub fn downgrade(guard: Self) -> RwLockReadGuard<'a, T> {
        let read = guard.0.map(stdsync::RwLockWriteGuard::downgrade);
        read.hold().set_mode(Mode::Shared);
        RwLockReadGuard(read)
    }
}

impl<T> RwLock<T> {
    /// A new unlocked lock whose class is the caller's source location.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = lockcheck_runtime::RwLock::new(1);
    /// assert_eq!(*l.read(), 1);
    /// ```
    #[track_caller]
    #[inline]
    pub const fn new(value: T) -> Self {
        RwLock {
            id: LockId::at(std::panic::Location::caller()),
            inner: stdsync::RwLock::new(value),
        }
    }

    /// A new unlocked lock of the lock class `name` (shared by every lock named alike).
    ///
    /// # Examples
    ///
    /// ```
    /// let l = lockcheck_runtime::RwLock::named("doc-rw", 1);
    /// assert_eq!(*l.write(), 1);
    /// ```
    #[track_caller]
    #[inline]
    pub const fn named(name: &'static str, value: T) -> Self {
        RwLock {
            id: LockId::named(name),
            inner: stdsync::RwLock::new(value),
        }
    }

    /// Consumes the lock and returns its value.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = lockcheck_runtime::RwLock::new(3);
    /// assert_eq!(l.into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.into_inner_result()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Consumes the lock, with std's poisoning kept (`sync`'s `into_inner`).
    pub(crate) fn into_inner_result(self) -> LockResult<T> {
        let RwLock { id, inner } = self;
        drop(id);
        inner.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Locks for reading, blocking while a writer holds it. Checked like [`Mutex::lock`](crate::Mutex::lock).
    ///
    /// # Panics
    ///
    /// If this thread holds this lock for writing (it would deadlock). If it holds it for
    /// reading, the recursive read is reported, and then taken only if that cannot block.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = lockcheck_runtime::RwLock::new(vec![1]);
    /// assert_eq!(l.read()[0], 1);
    /// ```
    #[track_caller]
    #[inline]
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        self.read_nested(0)
    }

    /// Locks for reading at nesting level `subclass` of the class (see [`Mutex::lock_nested`](crate::Mutex::lock_nested)).
    ///
    /// # Panics
    ///
    /// As [`RwLock::read`], and if `subclass` is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = lockcheck_runtime::RwLock::named("doc-rw-nest", 1);
    /// let b = lockcheck_runtime::RwLock::named("doc-rw-nest", 2);
    /// let (_a, _b) = (a.read(), b.read_nested(1));
    /// ```
    #[track_caller]
    #[inline(always)] // the checks' fast path belongs at the call site, as in `Mutex::lock`
    pub fn read_nested(&self, subclass: u8) -> RwLockReadGuard<'_, T> {
        // Poison ignored: the guard goes straight through (see `Mutex::lock`).
        let g = self
            .acquire_read(subclass)
            .unwrap_or_else(PoisonError::into_inner);
        self.read_guard(g)
    }

    /// The checked read acquisition of the std lock inside, as std answers it.
    #[track_caller]
    #[inline(always)]
    fn acquire_read(&self, subclass: u8) -> LockResult<stdsync::RwLockReadGuard<'_, T>> {
        self.id.acquire::<Self, _>(
            Mode::Shared,
            subclass,
            || super::try_std(self.inner.try_read()),
            || self.inner.read(),
        )
    }

    /// The checked write acquisition of the std lock inside, as std answers it.
    #[track_caller]
    #[inline(always)]
    fn acquire_write(&self, subclass: u8) -> LockResult<stdsync::RwLockWriteGuard<'_, T>> {
        self.id.acquire::<Self, _>(
            Mode::Exclusive,
            subclass,
            || super::try_std(self.inner.try_write()),
            || self.inner.write(),
        )
    }

    /// The checked read acquisition with std's poisoning kept (`sync::RwLock::read`): std's
    /// answer read from the flag while the lock is held, the error built out of line.
    #[track_caller]
    #[inline(always)]
    pub(crate) fn read_result(&self, subclass: u8) -> LockResult<RwLockReadGuard<'_, T>> {
        let result = self.acquire_read(subclass);
        crate::poison::keep_poison(result, |g| self.read_guard(g), || self.forgive_poison())
    }

    /// The checked write acquisition with std's poisoning kept (`sync::RwLock::write`).
    #[track_caller]
    #[inline(always)]
    pub(crate) fn write_result(&self, subclass: u8) -> LockResult<RwLockWriteGuard<'_, T>> {
        let result = self.acquire_write(subclass);
        crate::poison::keep_poison(result, |g| self.write_guard(g), || self.forgive_poison())
    }

    /// Whether lockcheck's own panic poisoned the lock (then cleared), see `poison.rs`.
    #[inline]
    fn forgive_poison(&self) -> bool {
        crate::poison::forgive_clearing(self.id.instance(), || self.inner.clear_poison())
    }

    /// The checked `try_read` with std's poisoning kept.
    #[track_caller]
    #[inline]
    pub(crate) fn try_read_result(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let result = self
            .id
            .try_acquire::<Self, _>(Mode::Shared, || super::try_std(self.inner.try_read()));
        match result {
            Some(Ok(g)) => Ok(self.read_guard(g)),
            Some(Err(p)) => crate::poison::try_poisoned(
                self.id.instance(),
                self.read_guard(p.into_inner()),
                || self.inner.clear_poison(),
            ),
            None => Err(TryLockError::WouldBlock),
        }
    }

    /// The checked `try_write` with std's poisoning kept.
    #[track_caller]
    #[inline]
    pub(crate) fn try_write_result(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let result = self
            .id
            .try_acquire::<Self, _>(Mode::Exclusive, || super::try_std(self.inner.try_write()));
        match result {
            Some(Ok(g)) => Ok(self.write_guard(g)),
            Some(Err(p)) => crate::poison::try_poisoned(
                self.id.instance(),
                self.write_guard(p.into_inner()),
                || self.inner.clear_poison(),
            ),
            None => Err(TryLockError::WouldBlock),
        }
    }

    /// Whether the lock is poisoned by a panic of the program's (lockcheck's own is cleared).
    pub(crate) fn is_poisoned(&self) -> bool {
        crate::poison::is_poisoned(self.id.instance(), self.inner.is_poisoned(), || {
            self.inner.clear_poison()
        })
    }

    /// The std lock inside (poison state).
    pub(crate) fn std_lock(&self) -> &stdsync::RwLock<T> {
        &self.inner
    }

    /// The std lock inside, mutably.
    pub(crate) fn std_lock_mut(&mut self) -> &mut stdsync::RwLock<T> {
        &mut self.inner
    }

    /// Locks for writing, blocking while anyone holds it. Checked like [`Mutex::lock`](crate::Mutex::lock).
    ///
    /// # Panics
    ///
    /// If this thread already holds this lock, in either mode (it would deadlock).
    ///
    /// # Examples
    ///
    /// ```
    /// let l = lockcheck_runtime::RwLock::new(0);
    /// *l.write() += 1;
    /// assert_eq!(*l.read(), 1);
    /// ```
    #[track_caller]
    #[inline]
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.write_nested(0)
    }

    /// Locks for writing at nesting level `subclass` of the class.
    ///
    /// # Panics
    ///
    /// As [`RwLock::write`], and if `subclass` is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = lockcheck_runtime::RwLock::named("doc-rw-nest-w", 1);
    /// let b = lockcheck_runtime::RwLock::named("doc-rw-nest-w", 2);
    /// let (_a, _b) = (a.write(), b.write_nested(1));
    /// ```
    #[track_caller]
    #[inline(always)] // the checks' fast path belongs at the call site, as in `Mutex::lock`
    pub fn write_nested(&self, subclass: u8) -> RwLockWriteGuard<'_, T> {
        let g = self
            .acquire_write(subclass)
            .unwrap_or_else(PoisonError::into_inner);
        self.write_guard(g)
    }

    /// Tries to lock for reading without blocking; adds no order edge into this lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = lockcheck_runtime::RwLock::new(());
    /// let w = l.write();
    /// assert!(l.try_read().is_none());
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
        match self.try_read_result() {
            Ok(g) => Some(g),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// Tries to lock for writing without blocking; adds no order edge into this lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = lockcheck_runtime::RwLock::new(());
    /// let r = l.read();
    /// assert!(l.try_write().is_none());
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T>> {
        match self.try_write_result() {
            Ok(g) => Some(g),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// Whether the current thread holds this lock, in either mode (`false` with the checker
    /// compiled out).
    ///
    /// # Examples
    ///
    /// ```
    /// let l = lockcheck_runtime::RwLock::new(());
    /// let _r = l.read();
    /// assert_eq!(l.is_held(), cfg!(debug_assertions));
    /// ```
    #[inline]
    pub fn is_held(&self) -> bool {
        self.held_mode().is_some()
    }

    /// How the current thread holds this lock, if it does (`None` with the checker compiled
    /// out).
    ///
    /// # Examples
    ///
    /// ```
    /// use lockcheck_runtime::{Mode, RwLock};
    ///
    /// let l = RwLock::new(());
    /// let _w = l.write();
    /// if cfg!(debug_assertions) {
    ///     assert_eq!(l.held_mode(), Some(Mode::Exclusive));
    /// }
    /// ```
    #[inline]
    pub fn held_mode(&self) -> Option<Mode> {
        self.id.held_mode()
    }

    /// A mutable reference to the data; no locking is needed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut l = lockcheck_runtime::RwLock::new(1);
    /// *l.get_mut() += 1;
    /// assert_eq!(*l.read(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    #[inline]
    fn read_guard<'a>(&'a self, g: stdsync::RwLockReadGuard<'a, T>) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard(Guard::new(g, self.id.hold()))
    }

    #[inline]
    fn write_guard<'a>(&'a self, g: stdsync::RwLockWriteGuard<'a, T>) -> RwLockWriteGuard<'a, T> {
        RwLockWriteGuard(Guard::new(g, self.id.hold()))
    }

    /// The lock's identity (`Lockable`).
    pub(crate) fn lock_id(&self) -> &LockId {
        &self.id
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match super::try_std(self.inner.try_read()) {
            Some(Ok(g)) => d.field("data", &&*g),
            Some(Err(p)) => d.field("data", &&*p.into_inner()),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

super::default_and_from!(RwLock);
