use std::fmt;
#[cfg(feature = "arc_lock")]
use std::ops::{Deref, DerefMut};

use lock_api::{
    RawRwLock, RawRwLockDowngrade, RawRwLockFair, RawRwLockRecursive, RawRwLockTimed,
    RawRwLockUpgrade, RawRwLockUpgradeDowngrade,
};

use crate::core::{Guard, Hold, LockId};
use crate::Mode;

/// A `lock_api` reader-writer lock over the raw lock `R`, checked. An upgradable read is held
/// shared in the checker's view (readers may join it); upgrading makes it exclusive.
pub struct RwLock<R, T: ?Sized> {
    id: LockId,
    inner: lock_api::RwLock<R, T>,
}

/// Declares a guard type over the `lock_api` guard of the same name: a newtype of the core's
/// [`Guard`], with `Deref` (and `DerefMut`), `Debug` and `Display`.
macro_rules! rw_guard {
    ($(#[$doc:meta])* $guard:ident: $raw:ident $(, $mutable:ident)?) => {
        $(#[$doc])*
        #[must_use = "if unused the RwLock will immediately unlock"]
        pub struct $guard<'a, R: $raw, T: ?Sized>(Guard<lock_api::$guard<'a, R, T>>);

        impl<'a, R: $raw + 'a, T: ?Sized + 'a> $guard<'a, R, T> {
            fn wrap(inner: lock_api::$guard<'a, R, T>, hold: Hold) -> Self {
                $guard(Guard::new(inner, hold))
            }

            fn into_parts(s: Self) -> (lock_api::$guard<'a, R, T>, Hold) {
                s.0.into_parts()
            }
        }

        crate::core::guard_traits!(['a, R: $raw + 'a, T: ?Sized + 'a] $guard<'a, R, T> => T, 0 $(, $mutable)?);
    };
}

rw_guard!(
    /// Holds an [`RwLock`] for reading.
    RwLockReadGuard: RawRwLock
);
rw_guard!(
    /// Holds an [`RwLock`] for writing.
    RwLockWriteGuard: RawRwLock,
    mut
);
rw_guard!(
    /// A read guard mapped to a part of the data.
    MappedRwLockReadGuard: RawRwLock
);
rw_guard!(
    /// A write guard mapped to a part of the data.
    MappedRwLockWriteGuard: RawRwLock,
    mut
);
rw_guard!(
    /// Holds an [`RwLock`] for an upgradable read: other readers may hold it too, no writer and
    /// no other upgradable reader may.
    RwLockUpgradableReadGuard: RawRwLockUpgrade
);

impl<R: RawRwLock, T> RwLock<R, T> {
    /// A new unlocked lock whose lock class is the caller's source location.
    #[track_caller]
    #[inline]
    pub const fn new(val: T) -> RwLock<R, T> {
        RwLock {
            id: LockId::at(std::panic::Location::caller()),
            inner: lock_api::RwLock::new(val),
        }
    }

    /// A new unlocked lock of the lock class `name`.
    #[track_caller]
    #[inline]
    pub const fn named(name: &'static str, val: T) -> RwLock<R, T> {
        RwLock {
            id: LockId::named(name),
            inner: lock_api::RwLock::new(val),
        }
    }

    /// Consumes the lock, returning its data.
    pub fn into_inner(self) -> T {
        let RwLock { id, inner } = self;
        drop(id);
        inner.into_inner()
    }
}

impl<R, T> RwLock<R, T> {
    /// A new unlocked lock over an existing raw lock.
    #[track_caller]
    #[inline]
    pub const fn const_new(raw_rwlock: R, val: T) -> RwLock<R, T> {
        RwLock {
            id: LockId::at(std::panic::Location::caller()),
            inner: lock_api::RwLock::const_new(raw_rwlock, val),
        }
    }
}

impl<R: RawRwLock, T: ?Sized> RwLock<R, T> {
    /// Locks for reading; checked before it can block.
    #[track_caller]
    #[inline]
    pub fn read(&self) -> RwLockReadGuard<'_, R, T> {
        let g = self.id.acquire::<Self, _>(
            Mode::Shared,
            0,
            || self.inner.try_read(),
            || self.inner.read(),
        );
        RwLockReadGuard::wrap(g, self.id.hold())
    }

    /// Tries to lock for reading without blocking.
    #[track_caller]
    #[inline]
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, R, T>> {
        let g = self
            .id
            .try_acquire::<Self, _>(Mode::Shared, || self.inner.try_read());
        g.map(|g| RwLockReadGuard::wrap(g, self.id.hold()))
    }

    /// Locks for writing; checked before it can block.
    #[track_caller]
    #[inline]
    pub fn write(&self) -> RwLockWriteGuard<'_, R, T> {
        let g = self.id.acquire::<Self, _>(
            Mode::Exclusive,
            0,
            || self.inner.try_write(),
            || self.inner.write(),
        );
        RwLockWriteGuard::wrap(g, self.id.hold())
    }

    /// Tries to lock for writing without blocking.
    #[track_caller]
    #[inline]
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, R, T>> {
        let g = self
            .id
            .try_acquire::<Self, _>(Mode::Exclusive, || self.inner.try_write());
        g.map(|g| RwLockWriteGuard::wrap(g, self.id.hold()))
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
        self.id.held_mode()
    }

    /// Whether the current thread holds it, in any mode (`false` with the checker compiled
    /// out).
    pub fn is_held(&self) -> bool {
        self.id.is_held()
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

    /// The lock's identity (`Lockable`).
    pub(crate) fn lock_id(&self) -> &LockId {
        &self.id
    }
}

impl<R: RawRwLockRecursive, T: ?Sized> RwLock<R, T> {
    /// Locks for reading even while a writer waits (it does not block behind one): a recursive
    /// read on this thread is then no deadlock, and is not reported.
    #[track_caller]
    pub fn read_recursive(&self) -> RwLockReadGuard<'_, R, T> {
        if self.held_mode() == Some(Mode::Shared) {
            // Already read-held here: cannot block behind this thread's own hold.
            return RwLockReadGuard::wrap(self.inner.read_recursive(), Hold::none());
        }
        let g = self.id.acquire::<Self, _>(
            Mode::Shared,
            0,
            || self.inner.try_read_recursive(),
            || self.inner.read_recursive(),
        );
        RwLockReadGuard::wrap(g, self.id.hold())
    }

    /// Tries to lock for reading without blocking, even while a writer waits.
    #[track_caller]
    pub fn try_read_recursive(&self) -> Option<RwLockReadGuard<'_, R, T>> {
        let g = self
            .id
            .try_acquire::<Self, _>(Mode::Shared, || self.inner.try_read_recursive());
        g.map(|g| RwLockReadGuard::wrap(g, self.id.hold()))
    }
}

impl<R: RawRwLockUpgrade, T: ?Sized> RwLock<R, T> {
    /// Locks for an upgradable read; checked before it can block (held shared).
    #[track_caller]
    pub fn upgradable_read(&self) -> RwLockUpgradableReadGuard<'_, R, T> {
        let g = self.id.acquire::<Self, _>(
            Mode::Shared,
            0,
            || self.inner.try_upgradable_read(),
            || self.inner.upgradable_read(),
        );
        RwLockUpgradableReadGuard::wrap(g, self.id.hold())
    }

    /// Tries to lock for an upgradable read without blocking.
    #[track_caller]
    pub fn try_upgradable_read(&self) -> Option<RwLockUpgradableReadGuard<'_, R, T>> {
        let g = self
            .id
            .try_acquire::<Self, _>(Mode::Shared, || self.inner.try_upgradable_read());
        g.map(|g| RwLockUpgradableReadGuard::wrap(g, self.id.hold()))
    }
}

impl<R: RawRwLockTimed, T: ?Sized> RwLock<R, T> {
    /// Tries to lock for reading, waiting at most `timeout`; checked as a blocking read.
    #[track_caller]
    pub fn try_read_for(&self, timeout: R::Duration) -> Option<RwLockReadGuard<'_, R, T>> {
        let g = self
            .id
            .acquire_timed::<Self, _>(Mode::Shared, || self.inner.try_read_for(timeout));
        g.map(|g| RwLockReadGuard::wrap(g, self.id.hold()))
    }

    /// Tries to lock for reading, waiting until `timeout` at most.
    #[track_caller]
    pub fn try_read_until(&self, timeout: R::Instant) -> Option<RwLockReadGuard<'_, R, T>> {
        let g = self
            .id
            .acquire_timed::<Self, _>(Mode::Shared, || self.inner.try_read_until(timeout));
        g.map(|g| RwLockReadGuard::wrap(g, self.id.hold()))
    }

    /// Tries to lock for writing, waiting at most `timeout`; checked as a blocking write.
    #[track_caller]
    pub fn try_write_for(&self, timeout: R::Duration) -> Option<RwLockWriteGuard<'_, R, T>> {
        let g = self
            .id
            .acquire_timed::<Self, _>(Mode::Exclusive, || self.inner.try_write_for(timeout));
        g.map(|g| RwLockWriteGuard::wrap(g, self.id.hold()))
    }

    /// Tries to lock for writing, waiting until `timeout` at most.
    #[track_caller]
    pub fn try_write_until(&self, timeout: R::Instant) -> Option<RwLockWriteGuard<'_, R, T>> {
        let g = self
            .id
            .acquire_timed::<Self, _>(Mode::Exclusive, || self.inner.try_write_until(timeout));
        g.map(|g| RwLockWriteGuard::wrap(g, self.id.hold()))
    }
}

crate::contract::lockable!([R: RawRwLock, T: ?Sized] RwLock<R, T>);

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
        let hold = s.0.hold();
        let inner = s.0.inner_mut();
        hold.while_unlocked(|| lock_api::RwLockReadGuard::unlocked(inner, f))
    }
}

impl<'a, R: RawRwLockFair + 'a, T: ?Sized + 'a> RwLockReadGuard<'a, R, T> {
    /// Unlocks with a fair unlock.
    pub fn unlock_fair(s: Self) {
        s.0.release_with(lock_api::RwLockReadGuard::unlock_fair);
    }

    /// Lets a waiting thread have the lock for a moment: an unlock and a re-acquisition,
    /// checked like `unlocked`'s. Held again on return.
    #[track_caller]
    pub fn bump(s: &mut Self) {
        let hold = s.0.hold();
        let inner = s.0.inner_mut();
        hold.while_unlocked(|| lock_api::RwLockReadGuard::bump(inner));
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
        let hold = s.0.hold();
        let inner = s.0.inner_mut();
        hold.while_unlocked(|| lock_api::RwLockWriteGuard::unlocked(inner, f))
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
        RwLockUpgradableReadGuard::wrap(u, t)
    }
}

impl<'a, R: RawRwLockFair + 'a, T: ?Sized + 'a> RwLockWriteGuard<'a, R, T> {
    /// Unlocks with a fair unlock.
    pub fn unlock_fair(s: Self) {
        s.0.release_with(lock_api::RwLockWriteGuard::unlock_fair);
    }

    /// Lets a waiting thread have the lock for a moment: an unlock and a re-acquisition,
    /// checked like `unlocked`'s. Held again on return.
    #[track_caller]
    pub fn bump(s: &mut Self) {
        let hold = s.0.hold();
        let inner = s.0.inner_mut();
        hold.while_unlocked(|| lock_api::RwLockWriteGuard::bump(inner));
    }
}

impl<'a, R: RawRwLockUpgrade + 'a, T: ?Sized + 'a> RwLockUpgradableReadGuard<'a, R, T> {
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
            Err(g) => Err(RwLockUpgradableReadGuard::wrap(g, t)),
        }
    }

    /// Unlocks while `f` runs, then locks for an upgradable read again (re-checked after).
    #[track_caller]
    pub fn unlocked<F: FnOnce() -> U, U>(s: &mut Self, f: F) -> U {
        let hold = s.0.hold();
        let inner = s.0.inner_mut();
        hold.while_unlocked(|| lock_api::RwLockUpgradableReadGuard::unlocked(inner, f))
    }
}

impl<'a, R: RawRwLockUpgradeDowngrade + 'a, T: ?Sized + 'a> RwLockUpgradableReadGuard<'a, R, T> {
    /// Turns the upgradable read into a plain read.
    pub fn downgrade(s: Self) -> RwLockReadGuard<'a, R, T> {
        let (g, t) = Self::into_parts(s);
        RwLockReadGuard::wrap(lock_api::RwLockUpgradableReadGuard::downgrade(g), t)
    }
}

/// A guard that owns an `Arc` of its [`RwLock`] (feature `arc_lock`); `WRITE` says the mode.
#[cfg(feature = "arc_lock")]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct ArcRwLockGuard<R: RawRwLock, T: ?Sized, const WRITE: bool> {
    rwlock: std::sync::Arc<RwLock<R, T>>,
    hold: Hold,
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
        let (g, hold) = RwLockReadGuard::into_parts(self.read());
        std::mem::forget(g);
        self.arc_guard(hold)
    }

    /// Locks for writing through an `Arc`; checked as [`RwLock::write`].
    #[track_caller]
    pub fn write_arc(self: &std::sync::Arc<Self>) -> ArcRwLockWriteGuard<R, T> {
        let (g, hold) = RwLockWriteGuard::into_parts(self.write());
        std::mem::forget(g);
        self.arc_guard(hold)
    }

    /// Tries to lock for reading through an `Arc` without blocking.
    #[track_caller]
    pub fn try_read_arc(self: &std::sync::Arc<Self>) -> Option<ArcRwLockReadGuard<R, T>> {
        let (g, hold) = RwLockReadGuard::into_parts(self.try_read()?);
        std::mem::forget(g);
        Some(self.arc_guard(hold))
    }

    /// Tries to lock for writing through an `Arc` without blocking.
    #[track_caller]
    pub fn try_write_arc(self: &std::sync::Arc<Self>) -> Option<ArcRwLockWriteGuard<R, T>> {
        let (g, hold) = RwLockWriteGuard::into_parts(self.try_write()?);
        std::mem::forget(g);
        Some(self.arc_guard(hold))
    }

    fn arc_guard<const W: bool>(
        self: &std::sync::Arc<Self>,
        hold: Hold,
    ) -> ArcRwLockGuard<R, T, W> {
        ArcRwLockGuard {
            rwlock: std::sync::Arc::clone(self),
            hold,
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
        self.hold.release();
    }
}

#[cfg(feature = "arc_lock")]
impl<R: RawRwLock, T: ?Sized + fmt::Debug, const W: bool> fmt::Debug for ArcRwLockGuard<R, T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
