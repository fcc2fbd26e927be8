use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

use lock_api::{
    RawRwLock, RawRwLockDowngrade, RawRwLockFair, RawRwLockRecursive, RawRwLockTimed,
    RawRwLockUpgrade, RawRwLockUpgradeDowngrade,
};

use crate::Mode;
#[cfg(lockcheck_checks)]
use crate::{check, class::LazyClass};

use super::Tracked;

/// A `lock_api` reader-writer lock over the raw lock `R`, checked. An upgradable read is held
/// shared in the checker's view (readers may join it); upgrading makes it exclusive.
pub struct RwLock<R, T: ?Sized> {
    #[cfg(lockcheck_checks)]
    class: LazyClass,
    inner: lock_api::RwLock<R, T>,
}

/// Declares a guard type over the `lock_api` guard of the same name: the wrapped guard and the
/// checker's part; `Deref` (and `DerefMut`), `Drop` (the real release, then the held stack),
/// `Debug`.
macro_rules! rw_guard {
    ($(#[$doc:meta])* $guard:ident $(, $mutable:ident)?) => {
        $(#[$doc])*
        #[must_use = "if unused the RwLock will immediately unlock"]
        pub struct $guard<'a, R: RawRwLock, T: ?Sized> {
            inner: ManuallyDrop<lock_api::$guard<'a, R, T>>,
            tracked: Tracked,
        }

        impl<'a, R: RawRwLock + 'a, T: ?Sized + 'a> $guard<'a, R, T> {
            fn wrap(inner: lock_api::$guard<'a, R, T>, tracked: Tracked) -> Self {
                $guard { inner: ManuallyDrop::new(inner), tracked }
            }

            fn into_parts(s: Self) -> (lock_api::$guard<'a, R, T>, Tracked) {
                let mut s = ManuallyDrop::new(s);
                // SAFETY: `s` is never dropped or used again, so `inner` is taken exactly once.
                (unsafe { ManuallyDrop::take(&mut s.inner) }, s.tracked)
            }
        }

        impl<R: RawRwLock, T: ?Sized> Deref for $guard<'_, R, T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.inner
            }
        }

        $(
            impl<R: RawRwLock, T: ?Sized> $mutable for $guard<'_, R, T> {
                fn deref_mut(&mut self) -> &mut T {
                    &mut self.inner
                }
            }
        )?

        impl<R: RawRwLock, T: ?Sized> Drop for $guard<'_, R, T> {
            #[inline]
            fn drop(&mut self) {
                // SAFETY: `inner` is dropped exactly once, here.
                unsafe { ManuallyDrop::drop(&mut self.inner) };
                self.tracked.release();
            }
        }

        impl<R: RawRwLock, T: ?Sized + fmt::Debug> fmt::Debug for $guard<'_, R, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }
    };
}

rw_guard!(
    /// Holds an [`RwLock`] for reading.
    RwLockReadGuard
);
rw_guard!(
    /// Holds an [`RwLock`] for writing.
    RwLockWriteGuard,
    DerefMut
);
rw_guard!(
    /// A read guard mapped to a part of the data.
    MappedRwLockReadGuard
);
rw_guard!(
    /// A write guard mapped to a part of the data.
    MappedRwLockWriteGuard,
    DerefMut
);

/// Holds an [`RwLock`] for an upgradable read: other readers may hold it too, no writer and no
/// other upgradable reader may.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockUpgradableReadGuard<'a, R: RawRwLockUpgrade, T: ?Sized> {
    inner: ManuallyDrop<lock_api::RwLockUpgradableReadGuard<'a, R, T>>,
    tracked: Tracked,
}

impl<R: RawRwLock, T> RwLock<R, T> {
    /// A new unlocked lock whose lock class is the caller's source location.
    #[track_caller]
    #[inline]
    pub const fn new(val: T) -> RwLock<R, T> {
        RwLock {
            #[cfg(lockcheck_checks)]
            class: LazyClass::site(std::panic::Location::caller()),
            inner: lock_api::RwLock::new(val),
        }
    }

    /// A new unlocked lock of the lock class `name`.
    #[track_caller]
    #[inline]
    pub const fn named(name: &'static str, val: T) -> RwLock<R, T> {
        #[cfg(not(lockcheck_checks))]
        let _ = name;
        RwLock {
            #[cfg(lockcheck_checks)]
            class: LazyClass::name(name),
            inner: lock_api::RwLock::new(val),
        }
    }

    /// Consumes the lock, returning its data.
    pub fn into_inner(self) -> T {
        crate::locks::consume!(self).into_inner()
    }
}

impl<R, T> RwLock<R, T> {
    /// A new unlocked lock over an existing raw lock.
    #[track_caller]
    #[inline]
    pub const fn const_new(raw_rwlock: R, val: T) -> RwLock<R, T> {
        RwLock {
            #[cfg(lockcheck_checks)]
            class: LazyClass::site(std::panic::Location::caller()),
            inner: lock_api::RwLock::const_new(raw_rwlock, val),
        }
    }
}

impl<R: RawRwLock, T: ?Sized> RwLock<R, T> {
    /// Locks for reading; checked before it can block.
    #[track_caller]
    #[inline]
    pub fn read(&self) -> RwLockReadGuard<'_, R, T> {
        #[cfg(lockcheck_checks)]
        let g = check::acquire(
            self.acquisition(Mode::Shared),
            || self.inner.try_read(),
            || self.inner.read(),
        );
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.read();
        RwLockReadGuard::wrap(g, super::tracked!(self))
    }

    /// Tries to lock for reading without blocking.
    #[track_caller]
    #[inline]
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, R, T>> {
        #[cfg(lockcheck_checks)]
        let g = check::try_acquire(self.acquisition(Mode::Shared), || self.inner.try_read());
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.try_read();
        g.map(|g| RwLockReadGuard::wrap(g, super::tracked!(self)))
    }

    /// Locks for writing; checked before it can block.
    #[track_caller]
    #[inline]
    pub fn write(&self) -> RwLockWriteGuard<'_, R, T> {
        #[cfg(lockcheck_checks)]
        let g = check::acquire(
            self.acquisition(Mode::Exclusive),
            || self.inner.try_write(),
            || self.inner.write(),
        );
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.write();
        RwLockWriteGuard::wrap(g, super::tracked!(self))
    }

    /// Tries to lock for writing without blocking.
    #[track_caller]
    #[inline]
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, R, T>> {
        #[cfg(lockcheck_checks)]
        let g = check::try_acquire(self.acquisition(Mode::Exclusive), || self.inner.try_write());
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.try_write();
        g.map(|g| RwLockWriteGuard::wrap(g, super::tracked!(self)))
    }

    /// A mutable reference to the data (no locking: the borrow is exclusive).
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    /// Whether the lock is held, in any mode, by any thread.
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// Whether the lock is held for writing by any thread.
    pub fn is_locked_exclusive(&self) -> bool {
        self.inner.is_locked_exclusive()
    }

    /// How the current thread holds it, if it does (`None` with the checker compiled out).
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

    /// A raw pointer to the data.
    pub fn data_ptr(&self) -> *mut T {
        self.inner.data_ptr()
    }

    /// The raw lock.
    ///
    /// # Safety
    ///
    /// As `lock_api::RwLock::raw`: locking or unlocking through it bypasses the guards (and the
    /// checker).
    pub unsafe fn raw(&self) -> &R {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.inner.raw() }
    }

    #[cfg(lockcheck_checks)]
    #[track_caller]
    #[inline]
    fn acquisition(&self, mode: Mode) -> crate::held_lock::HeldLock {
        super::acquisition::<Self>(&self.class, mode)
    }
}

impl<R: RawRwLockRecursive, T: ?Sized> RwLock<R, T> {
    /// Locks for reading even while a writer waits (it does not block behind one): a recursive
    /// read on this thread is then no deadlock, and is not reported.
    #[track_caller]
    pub fn read_recursive(&self) -> RwLockReadGuard<'_, R, T> {
        if self.held_mode() == Some(Mode::Shared) {
            // Already read-held here: cannot block behind this thread's own hold.
            return RwLockReadGuard::wrap(self.inner.read_recursive(), Tracked::new(0));
        }
        #[cfg(lockcheck_checks)]
        let g = check::acquire(
            self.acquisition(Mode::Shared),
            || self.inner.try_read_recursive(),
            || self.inner.read_recursive(),
        );
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.read_recursive();
        RwLockReadGuard::wrap(g, super::tracked!(self))
    }

    /// Tries to lock for reading without blocking, even while a writer waits.
    #[track_caller]
    pub fn try_read_recursive(&self) -> Option<RwLockReadGuard<'_, R, T>> {
        #[cfg(lockcheck_checks)]
        let g = check::try_acquire(self.acquisition(Mode::Shared), || {
            self.inner.try_read_recursive()
        });
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.try_read_recursive();
        g.map(|g| RwLockReadGuard::wrap(g, super::tracked!(self)))
    }
}

impl<R: RawRwLockUpgrade, T: ?Sized> RwLock<R, T> {
    /// Locks for an upgradable read; checked before it can block (held shared).
    #[track_caller]
    pub fn upgradable_read(&self) -> RwLockUpgradableReadGuard<'_, R, T> {
        #[cfg(lockcheck_checks)]
        let g = check::acquire(
            self.acquisition(Mode::Shared),
            || self.inner.try_upgradable_read(),
            || self.inner.upgradable_read(),
        );
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.upgradable_read();
        RwLockUpgradableReadGuard {
            inner: ManuallyDrop::new(g),
            tracked: super::tracked!(self),
        }
    }

    /// Tries to lock for an upgradable read without blocking.
    #[track_caller]
    pub fn try_upgradable_read(&self) -> Option<RwLockUpgradableReadGuard<'_, R, T>> {
        #[cfg(lockcheck_checks)]
        let g = check::try_acquire(self.acquisition(Mode::Shared), || {
            self.inner.try_upgradable_read()
        });
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.try_upgradable_read();
        g.map(|g| RwLockUpgradableReadGuard {
            inner: ManuallyDrop::new(g),
            tracked: super::tracked!(self),
        })
    }
}

impl<R: RawRwLockTimed, T: ?Sized> RwLock<R, T> {
    /// Tries to lock for reading, waiting at most `timeout`; checked as a blocking read.
    #[track_caller]
    pub fn try_read_for(&self, timeout: R::Duration) -> Option<RwLockReadGuard<'_, R, T>> {
        #[cfg(lockcheck_checks)]
        let g = check::acquire_timed(self.acquisition(Mode::Shared), || {
            self.inner.try_read_for(timeout)
        });
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.try_read_for(timeout);
        g.map(|g| RwLockReadGuard::wrap(g, super::tracked!(self)))
    }

    /// Tries to lock for reading, waiting until `timeout` at most.
    #[track_caller]
    pub fn try_read_until(&self, timeout: R::Instant) -> Option<RwLockReadGuard<'_, R, T>> {
        #[cfg(lockcheck_checks)]
        let g = check::acquire_timed(self.acquisition(Mode::Shared), || {
            self.inner.try_read_until(timeout)
        });
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.try_read_until(timeout);
        g.map(|g| RwLockReadGuard::wrap(g, super::tracked!(self)))
    }

    /// Tries to lock for writing, waiting at most `timeout`; checked as a blocking write.
    #[track_caller]
    pub fn try_write_for(&self, timeout: R::Duration) -> Option<RwLockWriteGuard<'_, R, T>> {
        #[cfg(lockcheck_checks)]
        let g = check::acquire_timed(self.acquisition(Mode::Exclusive), || {
            self.inner.try_write_for(timeout)
        });
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.try_write_for(timeout);
        g.map(|g| RwLockWriteGuard::wrap(g, super::tracked!(self)))
    }

    /// Tries to lock for writing, waiting until `timeout` at most.
    #[track_caller]
    pub fn try_write_until(&self, timeout: R::Instant) -> Option<RwLockWriteGuard<'_, R, T>> {
        #[cfg(lockcheck_checks)]
        let g = check::acquire_timed(self.acquisition(Mode::Exclusive), || {
            self.inner.try_write_until(timeout)
        });
        #[cfg(not(lockcheck_checks))]
        let g = self.inner.try_write_until(timeout);
        g.map(|g| RwLockWriteGuard::wrap(g, super::tracked!(self)))
    }
}

#[cfg(lockcheck_checks)]
impl<R, T: ?Sized> Drop for RwLock<R, T> {
    fn drop(&mut self) {
        check::lock_dropped(&self.class);
    }
}

impl<R: RawRwLock, T: Default> Default for RwLock<R, T> {
    #[track_caller]
    fn default() -> RwLock<R, T> {
        RwLock::new(T::default())
    }
}

impl<R: RawRwLock, T> From<T> for RwLock<R, T> {
    #[track_caller]
    fn from(t: T) -> RwLock<R, T> {
        RwLock::new(t)
    }
}

impl<R: RawRwLock, T: ?Sized + fmt::Debug> fmt::Debug for RwLock<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl<'a, R: RawRwLock + 'a, T: ?Sized + 'a> MappedRwLockReadGuard<'a, R, T> {
    /// A guard for a further part of the data.
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedRwLockReadGuard<'a, R, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let (g, t) = Self::into_parts(s);
        MappedRwLockReadGuard::wrap(lock_api::MappedRwLockReadGuard::map(g, f), t)
    }
}

impl<'a, R: RawRwLock + 'a, T: ?Sized + 'a> MappedRwLockWriteGuard<'a, R, T> {
    /// A guard for a further part of the data.
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedRwLockWriteGuard<'a, R, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let (g, t) = Self::into_parts(s);
        MappedRwLockWriteGuard::wrap(lock_api::MappedRwLockWriteGuard::map(g, f), t)
    }
}

impl<'a, R: RawRwLock + 'a, T: ?Sized + 'a> RwLockReadGuard<'a, R, T> {
    /// A guard for a part of the data.
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedRwLockReadGuard<'a, R, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let (g, t) = Self::into_parts(s);
        MappedRwLockReadGuard::wrap(lock_api::RwLockReadGuard::map(g, f), t)
    }

    /// As [`RwLockReadGuard::map`], when `f` may fail: the original guard back on failure.
    #[allow(clippy::result_large_err)]
    pub fn try_map<U: ?Sized, F>(s: Self, f: F) -> Result<MappedRwLockReadGuard<'a, R, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let (g, t) = Self::into_parts(s);
        match lock_api::RwLockReadGuard::try_map(g, f) {
            Ok(m) => Ok(MappedRwLockReadGuard::wrap(m, t)),
            Err(g) => Err(Self::wrap(g, t)),
        }
    }

    /// Unlocks while `f` runs, then locks for reading again (re-checked after).
    #[track_caller]
    pub fn unlocked<F: FnOnce() -> U, U>(s: &mut Self, f: F) -> U {
        let tracked = s.tracked;
        let inner = &mut *s.inner;
        tracked.while_unlocked(|| lock_api::RwLockReadGuard::unlocked(inner, f))
    }
}

impl<'a, R: RawRwLockFair + 'a, T: ?Sized + 'a> RwLockReadGuard<'a, R, T> {
    /// Unlocks with a fair unlock.
    pub fn unlock_fair(s: Self) {
        let (g, t) = Self::into_parts(s);
        lock_api::RwLockReadGuard::unlock_fair(g);
        t.release();
    }

    /// Lets a waiting thread have the lock for a moment; held again on return.
    pub fn bump(s: &mut Self) {
        lock_api::RwLockReadGuard::bump(&mut s.inner);
    }
}

impl<'a, R: RawRwLock + 'a, T: ?Sized + 'a> RwLockWriteGuard<'a, R, T> {
    /// A guard for a part of the data.
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedRwLockWriteGuard<'a, R, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let (g, t) = Self::into_parts(s);
        MappedRwLockWriteGuard::wrap(lock_api::RwLockWriteGuard::map(g, f), t)
    }

    /// As [`RwLockWriteGuard::map`], when `f` may fail: the original guard back on failure.
    #[allow(clippy::result_large_err)]
    pub fn try_map<U: ?Sized, F>(s: Self, f: F) -> Result<MappedRwLockWriteGuard<'a, R, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let (g, t) = Self::into_parts(s);
        match lock_api::RwLockWriteGuard::try_map(g, f) {
            Ok(m) => Ok(MappedRwLockWriteGuard::wrap(m, t)),
            Err(g) => Err(Self::wrap(g, t)),
        }
    }

    /// Unlocks while `f` runs, then locks for writing again (re-checked after).
    #[track_caller]
    pub fn unlocked<F: FnOnce() -> U, U>(s: &mut Self, f: F) -> U {
        let tracked = s.tracked;
        let inner = &mut *s.inner;
        tracked.while_unlocked(|| lock_api::RwLockWriteGuard::unlocked(inner, f))
    }
}

impl<'a, R: RawRwLockDowngrade + 'a, T: ?Sized + 'a> RwLockWriteGuard<'a, R, T> {
    /// Turns the write hold into a read hold without letting a writer in; held shared after.
    pub fn downgrade(s: Self) -> RwLockReadGuard<'a, R, T> {
        let (g, t) = Self::into_parts(s);
        let r = lock_api::RwLockWriteGuard::downgrade(g);
        t.set_mode(Mode::Shared);
        RwLockReadGuard::wrap(r, t)
    }
}

impl<'a, R: RawRwLockUpgradeDowngrade + 'a, T: ?Sized + 'a> RwLockWriteGuard<'a, R, T> {
    /// Turns the write hold into an upgradable read; held shared after.
    pub fn downgrade_to_upgradable(s: Self) -> RwLockUpgradableReadGuard<'a, R, T> {
        let (g, t) = Self::into_parts(s);
        let u = lock_api::RwLockWriteGuard::downgrade_to_upgradable(g);
        t.set_mode(Mode::Shared);
        RwLockUpgradableReadGuard {
            inner: ManuallyDrop::new(u),
            tracked: t,
        }
    }
}

impl<'a, R: RawRwLockFair + 'a, T: ?Sized + 'a> RwLockWriteGuard<'a, R, T> {
    /// Unlocks with a fair unlock.
    pub fn unlock_fair(s: Self) {
        let (g, t) = Self::into_parts(s);
        lock_api::RwLockWriteGuard::unlock_fair(g);
        t.release();
    }

    /// Lets a waiting thread have the lock for a moment; held again on return.
    pub fn bump(s: &mut Self) {
        lock_api::RwLockWriteGuard::bump(&mut s.inner);
    }
}

impl<'a, R: RawRwLockUpgrade + 'a, T: ?Sized + 'a> RwLockUpgradableReadGuard<'a, R, T> {
    fn into_parts(s: Self) -> (lock_api::RwLockUpgradableReadGuard<'a, R, T>, Tracked) {
        let mut s = ManuallyDrop::new(s);
        // SAFETY: `s` is never dropped or used again, so `inner` is taken exactly once.
        (unsafe { ManuallyDrop::take(&mut s.inner) }, s.tracked)
    }

    /// Upgrades to a write hold, waiting for the readers to leave; held exclusive after.
    pub fn upgrade(s: Self) -> RwLockWriteGuard<'a, R, T> {
        let (g, t) = Self::into_parts(s);
        let w = lock_api::RwLockUpgradableReadGuard::upgrade(g);
        t.set_mode(Mode::Exclusive);
        RwLockWriteGuard::wrap(w, t)
    }

    /// Upgrades to a write hold if no reader is left; the upgradable guard back otherwise.
    #[allow(clippy::result_large_err)]
    pub fn try_upgrade(s: Self) -> Result<RwLockWriteGuard<'a, R, T>, Self> {
        let (g, t) = Self::into_parts(s);
        match lock_api::RwLockUpgradableReadGuard::try_upgrade(g) {
            Ok(w) => {
                t.set_mode(Mode::Exclusive);
                Ok(RwLockWriteGuard::wrap(w, t))
            }
            Err(g) => Err(RwLockUpgradableReadGuard {
                inner: ManuallyDrop::new(g),
                tracked: t,
            }),
        }
    }

    /// Unlocks while `f` runs, then locks for an upgradable read again (re-checked after).
    #[track_caller]
    pub fn unlocked<F: FnOnce() -> U, U>(s: &mut Self, f: F) -> U {
        let tracked = s.tracked;
        let inner = &mut *s.inner;
        tracked.while_unlocked(|| lock_api::RwLockUpgradableReadGuard::unlocked(inner, f))
    }
}

impl<'a, R: RawRwLockUpgradeDowngrade + 'a, T: ?Sized + 'a> RwLockUpgradableReadGuard<'a, R, T> {
    /// Turns the upgradable read into a plain read.
    pub fn downgrade(s: Self) -> RwLockReadGuard<'a, R, T> {
        let (g, t) = Self::into_parts(s);
        RwLockReadGuard::wrap(lock_api::RwLockUpgradableReadGuard::downgrade(g), t)
    }
}

impl<R: RawRwLockUpgrade, T: ?Sized> Deref for RwLockUpgradableReadGuard<'_, R, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<R: RawRwLockUpgrade, T: ?Sized> Drop for RwLockUpgradableReadGuard<'_, R, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `inner` is dropped exactly once, here.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
        self.tracked.release();
    }
}

impl<R: RawRwLockUpgrade, T: ?Sized + fmt::Debug> fmt::Debug
    for RwLockUpgradableReadGuard<'_, R, T>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A guard that owns an `Arc` of its [`RwLock`] (feature `arc_lock`); `WRITE` says the mode.
#[cfg(feature = "arc_lock")]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct ArcRwLockGuard<R: RawRwLock, T: ?Sized, const WRITE: bool> {
    rwlock: std::sync::Arc<RwLock<R, T>>,
    tracked: Tracked,
    /// `Send`/`Sync` as the raw lock's guards are.
    marker: std::marker::PhantomData<(*const (), R::GuardMarker)>,
}

/// A read guard that owns an `Arc` of its [`RwLock`] (feature `arc_lock`).
#[cfg(feature = "arc_lock")]
pub type ArcRwLockReadGuard<R, T> = ArcRwLockGuard<R, T, false>;
/// A write guard that owns an `Arc` of its [`RwLock`] (feature `arc_lock`).
#[cfg(feature = "arc_lock")]
pub type ArcRwLockWriteGuard<R, T> = ArcRwLockGuard<R, T, true>;

// SAFETY: as `lock_api`'s Arc guards: sendable exactly when the raw lock's guard is.
#[cfg(feature = "arc_lock")]
unsafe impl<R: RawRwLock + Send + Sync, T: Send + Sync + ?Sized, const W: bool> Send
    for ArcRwLockGuard<R, T, W>
where
    R::GuardMarker: Send,
{
}
// SAFETY: as `lock_api`'s Arc guards.
#[cfg(feature = "arc_lock")]
unsafe impl<R: RawRwLock + Sync, T: Send + Sync + ?Sized, const W: bool> Sync
    for ArcRwLockGuard<R, T, W>
where
    R::GuardMarker: Sync,
{
}

#[cfg(feature = "arc_lock")]
impl<R: RawRwLock, T: ?Sized> RwLock<R, T> {
    /// Locks for reading through an `Arc`; checked as [`RwLock::read`].
    #[track_caller]
    pub fn read_arc(self: &std::sync::Arc<Self>) -> ArcRwLockReadGuard<R, T> {
        let (g, tracked) = RwLockReadGuard::into_parts(self.read());
        std::mem::forget(g);
        self.arc_guard(tracked)
    }

    /// Locks for writing through an `Arc`; checked as [`RwLock::write`].
    #[track_caller]
    pub fn write_arc(self: &std::sync::Arc<Self>) -> ArcRwLockWriteGuard<R, T> {
        let (g, tracked) = RwLockWriteGuard::into_parts(self.write());
        std::mem::forget(g);
        self.arc_guard(tracked)
    }

    /// Tries to lock for reading through an `Arc` without blocking.
    #[track_caller]
    pub fn try_read_arc(self: &std::sync::Arc<Self>) -> Option<ArcRwLockReadGuard<R, T>> {
        let (g, tracked) = RwLockReadGuard::into_parts(self.try_read()?);
        std::mem::forget(g);
        Some(self.arc_guard(tracked))
    }

    /// Tries to lock for writing through an `Arc` without blocking.
    #[track_caller]
    pub fn try_write_arc(self: &std::sync::Arc<Self>) -> Option<ArcRwLockWriteGuard<R, T>> {
        let (g, tracked) = RwLockWriteGuard::into_parts(self.try_write()?);
        std::mem::forget(g);
        Some(self.arc_guard(tracked))
    }

    fn arc_guard<const W: bool>(
        self: &std::sync::Arc<Self>,
        tracked: Tracked,
    ) -> ArcRwLockGuard<R, T, W> {
        ArcRwLockGuard {
            rwlock: std::sync::Arc::clone(self),
            tracked,
            marker: std::marker::PhantomData,
        }
    }
}

#[cfg(feature = "arc_lock")]
impl<R: RawRwLock, T: ?Sized, const W: bool> ArcRwLockGuard<R, T, W> {
    /// The lock this guard holds.
    pub fn rwlock(s: &Self) -> &std::sync::Arc<RwLock<R, T>> {
        &s.rwlock
    }
}

#[cfg(feature = "arc_lock")]
impl<R: RawRwLock, T: ?Sized, const W: bool> Deref for ArcRwLockGuard<R, T, W> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the lock (shared or exclusive), so no writer accesses the data.
        unsafe { &*self.rwlock.data_ptr() }
    }
}

#[cfg(feature = "arc_lock")]
impl<R: RawRwLock, T: ?Sized> DerefMut for ArcRwLockGuard<R, T, true> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the lock exclusively, and `&mut self` makes the access unique.
        unsafe { &mut *self.rwlock.data_ptr() }
    }
}

#[cfg(feature = "arc_lock")]
impl<R: RawRwLock, T: ?Sized, const W: bool> Drop for ArcRwLockGuard<R, T, W> {
    fn drop(&mut self) {
        // SAFETY: this guard holds the lock in the mode `W` says (taken in `read_arc` or
        // `write_arc`, its borrowing guard forgotten).
        unsafe {
            if W {
                self.rwlock.inner.force_unlock_write();
            } else {
                self.rwlock.inner.force_unlock_read();
            }
        }
        self.tracked.release();
    }
}

#[cfg(feature = "arc_lock")]
impl<R: RawRwLock, T: ?Sized + fmt::Debug, const W: bool> fmt::Debug for ArcRwLockGuard<R, T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
