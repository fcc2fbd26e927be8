use std::fmt;
use std::sync::{self as stdsync, LockResult, PoisonError, TryLockError, TryLockResult};

use crate::core::{Guard, LockId, Parked};
use crate::mode::Mode;

/// A mutual-exclusion lock whose acquisitions are checked: lock order, recursion, rank.
///
/// Wraps [`std::sync::Mutex`]. Its lock class is the place it was built (`new`) or its name
/// (`named`); all locks of a class share one place in the learned order.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::Mutex;
///
/// static SCHED: Mutex<Vec<u32>> = Mutex::named("sched", Vec::new());
///
/// SCHED.lock().push(1);
/// assert_eq!(*SCHED.lock(), [1]);
/// ```
pub struct Mutex<T: ?Sized> {
    id: LockId,
    inner: stdsync::Mutex<T>,
}

/// Holds a [`Mutex`] locked; unlocks it (and updates the thread's held stack) when dropped.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized>(Guard<stdsync::MutexGuard<'a, T>>);

impl<T> Mutex<T> {
    /// A new unlocked mutex whose lock class is the caller's source location.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = lockcheck_runtime::Mutex::new(5);
    /// assert_eq!(*m.lock(), 5);
    /// ```
    #[track_caller]
    #[inline]
    pub const fn new(value: T) -> Self {
        Mutex {
            id: LockId::at(std::panic::Location::caller()),
            inner: stdsync::Mutex::new(value),
        }
    }

    /// A new unlocked mutex of the lock class `name`. Every lock named alike shares the class,
    /// and a declared rank of that name applies to it.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockcheck_runtime::Mutex;
    ///
    /// struct M { id: u32 }
    /// let m = Mutex::named("m.lock", M { id: 1 });
    /// assert_eq!(m.lock().id, 1);
    /// ```
    #[track_caller]
    #[inline]
    pub const fn named(name: &'static str, value: T) -> Self {
        Mutex {
            id: LockId::named(name),
            inner: stdsync::Mutex::new(value),
        }
    }

    /// Consumes the mutex and returns its value.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = lockcheck_runtime::Mutex::new(String::from("x"));
    /// assert_eq!(m.into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.into_inner_result()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Consumes the lock, with std's poisoning kept (`sync`'s `into_inner`).
    pub(crate) fn into_inner_result(self) -> LockResult<T> {
        let Mutex { id, inner } = self;
        drop(id);
        inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, blocking until it is free.
    ///
    /// Before blocking, the acquisition is checked against the locks this thread holds: an
    /// order that closes a cycle with orders learned earlier (on any thread), a lock of the same
    /// class already held, or an order against the declared ranks is a violation, handled by
    /// the configured [`Action`](crate::Action).
    ///
    /// # Panics
    ///
    /// If this thread already holds this mutex (it would deadlock): the violation is reported,
    /// then the call panics instead of blocking forever. With the default action, any violation
    /// panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = lockcheck_runtime::Mutex::new(0);
    /// *m.lock() += 1;
    /// assert_eq!(*m.lock(), 1);
    /// ```
    #[track_caller]
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.lock_at_level(0)
    }

    /// Locks the mutex at nesting level `subclass` of its class (lockdep's
    /// `mutex_lock_nested`). Levels are ordered like distinct classes, so a parent at level 0
    /// and a child at level 1 of the same class may nest, and their order is still checked.
    ///
    /// # Panics
    ///
    /// If `subclass` is not below [`MAX_SUBCLASSES`](crate::MAX_SUBCLASSES), and as [`Mutex::lock`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockcheck_runtime::Mutex;
    ///
    /// let parent = Mutex::named("doc-inode", 1);
    /// let child = Mutex::named("doc-inode", 2);
    /// let _p = parent.lock();
    /// let _c = child.lock_nested(1); // same class, declared nesting: no violation
    /// ```
    #[track_caller]
    #[inline]
    pub fn lock_nested(&self, subclass: u8) -> MutexGuard<'_, T> {
        self.lock_at_level(subclass)
    }

    #[track_caller]
    #[inline(always)] // the checks' fast path belongs at the call site: LLVM sometimes declines
    fn lock_at_level(&self, subclass: u8) -> MutexGuard<'_, T> {
        // Poison ignored, and lockcheck's own forgiveness with it (`poison.rs` is for
        // `sync::Mutex`): the guard goes straight through, in registers.
        let g = match self.acquire_std(subclass) {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        self.guard(g)
    }

    /// The checked acquisition of the std lock inside.
    #[track_caller]
    #[inline(always)]
    fn acquire_std(&self, subclass: u8) -> LockResult<stdsync::MutexGuard<'_, T>> {
        self.id.acquire::<Self, _>(
            Mode::Exclusive,
            subclass,
            || self.try_lock_std(),
            || self.inner.lock(),
        )
    }

    /// The checked acquisition with std's poisoning kept: `lock` drops it, `sync::Mutex::lock`
    /// returns it.
    #[track_caller]
    #[inline(always)]
    pub(crate) fn lock_result(&self, subclass: u8) -> LockResult<MutexGuard<'_, T>> {
        crate::poison::keep_poison(
            self.acquire_std(subclass),
            |g| self.guard(g),
            || crate::poison::forgive_clearing(self.id.instance(), || self.inner.clear_poison()),
        )
    }

    /// The checked `try_lock` with std's poisoning kept.
    #[track_caller]
    #[inline]
    pub(crate) fn try_lock_result(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let result = self
            .id
            .try_acquire::<Self, _>(Mode::Exclusive, || self.try_lock_std());
        match result {
            Some(Ok(g)) => Ok(self.guard(g)),
            Some(Err(p)) => {
                crate::poison::try_poisoned(self.id.instance(), self.guard(p.into_inner()), || {
                    self.inner.clear_poison()
                })
            }
            None => Err(TryLockError::WouldBlock),
        }
    }

    /// Whether the mutex is poisoned by a panic of the program's (lockcheck's own is cleared).
    pub(crate) fn is_poisoned(&self) -> bool {
        crate::poison::is_poisoned(self.id.instance(), self.inner.is_poisoned(), || {
            self.inner.clear_poison()
        })
    }

    /// The std lock inside (poison state, `get_mut`).
    pub(crate) fn std_lock(&self) -> &stdsync::Mutex<T> {
        &self.inner
    }

    /// The std lock inside, mutably.
    pub(crate) fn std_lock_mut(&mut self) -> &mut stdsync::Mutex<T> {
        &mut self.inner
    }

    /// Tries to lock the mutex without blocking. A successful `try_lock` adds no order edge into
    /// this mutex (it could not deadlock), but the mutex is held afterwards, so locks taken while
    /// it is held are ordered after it. Returns `None` if it is locked, by any thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = lockcheck_runtime::Mutex::new(());
    /// let g = m.try_lock();
    /// assert!(g.is_some());
    /// assert!(m.try_lock().is_none());
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        match self.try_lock_result() {
            Ok(g) => Some(g),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// Whether the current thread holds this mutex. Always `false` when the checker is
    /// compiled out (release builds without `release-checks`): nothing is tracked then.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = lockcheck_runtime::Mutex::new(());
    /// let g = m.lock();
    /// assert_eq!(m.is_held(), cfg!(debug_assertions));
    /// drop(g);
    /// assert!(!m.is_held());
    /// ```
    #[inline]
    pub fn is_held(&self) -> bool {
        self.id.is_held()
    }

    /// A mutable reference to the data; no locking is needed, the borrow is exclusive.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = lockcheck_runtime::Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(*m.lock(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    /// std's `try_lock`, as the protocol's "try" closure wants it: `None` when it would block.
    #[inline]
    fn try_lock_std(&self) -> Option<LockResult<stdsync::MutexGuard<'_, T>>> {
        super::try_std(self.inner.try_lock())
    }

    #[inline]
    fn guard<'a>(&'a self, g: stdsync::MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        MutexGuard(Guard::new(g, self.id.hold()))
    }

    /// The lock's identity (`Lockable`).
    pub(crate) fn lock_id(&self) -> &LockId {
        &self.id
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Takes the guard apart for `Condvar::wait`: the std guard, and the hold with its entry
    /// off the held stack while the thread waits.
    pub(crate) fn park(guard: Self) -> (stdsync::MutexGuard<'a, T>, Parked) {
        guard.0.park()
    }

    /// The guard's hold (a condvar wait checks itself before it parks the guard).
    pub(crate) fn hold(guard: &Self) -> crate::core::Hold {
        guard.0.hold()
    }

    /// Puts a guard back together after `Condvar::wait`: the entry re-checked at the caller's
    /// line, and pushed again.
    #[track_caller]
    pub(crate) fn resume(inner: stdsync::MutexGuard<'a, T>, parked: Parked) -> Self {
        MutexGuard(parked.resume(inner))
    }
}

crate::core::guard_traits!(['a, T: ?Sized] MutexGuard<'a, T> => T, 0, mut);
crate::contract::lockable!([T: ?Sized] Mutex<T>);

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock_std() {
            Some(Ok(g)) => d.field("data", &&*g),
            Some(Err(p)) => d.field("data", &&*p.into_inner()),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

super::default_and_from!(Mutex);
