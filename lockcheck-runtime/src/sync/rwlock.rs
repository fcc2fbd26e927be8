use std::fmt;
use std::sync::{LockResult, TryLockResult};

use crate::locks::{self, RwLockReadGuard, RwLockWriteGuard};

/// [`std::sync::RwLock`], checked. Same methods, same results, same poisoning.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::sync::RwLock;
///
/// let l = RwLock::new(5);
/// assert_eq!(*l.read().unwrap(), 5);
/// *l.write().unwrap() += 1;
/// assert_eq!(l.into_inner().unwrap(), 6);
/// ```
#[repr(transparent)]
pub struct RwLock<T: ?Sized>(locks::RwLock<T>);

impl<T> RwLock<T> {
    /// A new unlocked lock whose lock class is the caller's source location.
    #[track_caller]
    #[inline]
    pub const fn new(t: T) -> RwLock<T> {
        RwLock(locks::RwLock::new(t))
    }

    /// A new unlocked lock of the lock class `name` (lockcheck's; not in std).
    #[track_caller]
    #[inline]
    pub const fn named(name: &'static str, t: T) -> RwLock<T> {
        RwLock(locks::RwLock::named(name, t))
    }

    /// Consumes the lock, returning its data; an error if it is poisoned (the data is inside).
    pub fn into_inner(self) -> LockResult<T> {
        self.0.into_inner_result()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Locks for reading; checked before it can block.
    ///
    /// # Errors
    ///
    /// The lock is poisoned (the guard is inside).
    #[track_caller]
    #[inline]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        self.0.read_result(0)
    }

    /// Tries to lock for reading without blocking.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when a writer holds it; `Poisoned` when it is poisoned.
    #[track_caller]
    #[inline]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        self.0.try_read_result()
    }

    /// Locks for writing; checked before it can block.
    ///
    /// # Errors
    ///
    /// The lock is poisoned (the guard is inside).
    #[track_caller]
    #[inline]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        self.0.write_result(0)
    }

    /// Tries to lock for writing without blocking.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when anyone holds it; `Poisoned` when it is poisoned.
    #[track_caller]
    #[inline]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        self.0.try_write_result()
    }

    /// Whether the lock is poisoned.
    #[inline]
    pub fn is_poisoned(&self) -> bool {
        self.0.is_poisoned()
    }

    /// Clears the poisoned state.
    #[inline]
    pub fn clear_poison(&self) {
        self.0.std_lock().clear_poison();
    }

    /// A mutable reference to the data (no locking: the borrow is exclusive).
    ///
    /// # Errors
    ///
    /// The lock is poisoned (the reference is inside).
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.0.std_lock_mut().get_mut()
    }

    /// The checked lock inside, with lockcheck's own API (`read_nested`, `held_mode`, ...).
    pub fn as_checked(&self) -> &locks::RwLock<T> {
        &self.0
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.0.std_lock().try_read() {
            Ok(g) => d.field("data", &&*g),
            Err(std::sync::TryLockError::Poisoned(p)) => d.field("data", &&*p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => d.field("data", &format_args!("<locked>")),
        };
        d.field("poisoned", &self.is_poisoned());
        d.finish_non_exhaustive()
    }
}

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    #[track_caller]
    fn from(t: T) -> Self {
        RwLock::new(t)
    }
}

impl<T: ?Sized> RwLock<T> {
    /// The lock's identity (`Lockable`).
    pub(crate) fn lock_id(&self) -> &crate::core::LockId {
        self.0.lock_id()
    }
}

crate::contract::lockable!([T: ?Sized] RwLock<T>);
