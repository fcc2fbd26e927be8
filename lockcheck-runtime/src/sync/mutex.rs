use std::fmt;
use std::sync::{LockResult, TryLockResult};

use crate::locks::{self, MutexGuard};

/// [`std::sync::Mutex`], checked. Same methods, same results, same poisoning.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::sync::{Arc, Mutex};
///
/// let m = Arc::new(Mutex::new(0));
/// let m2 = Arc::clone(&m);
/// std::thread::spawn(move || *m2.lock().unwrap() += 1).join().unwrap();
/// assert_eq!(*m.lock().unwrap(), 1);
/// assert!(!m.is_poisoned());
/// ```
#[repr(transparent)]
pub struct Mutex<T: ?Sized>(locks::Mutex<T>);

impl<T> Mutex<T> {
    /// A new unlocked mutex whose lock class is the caller's source location.
    #[track_caller]
    #[inline]
    pub const fn new(t: T) -> Mutex<T> {
        Mutex(locks::Mutex::new(t))
    }

    /// A new unlocked mutex of the lock class `name` (lockcheck's; not in std).
    ///
    /// # Examples
    ///
    /// ```
    /// static SCHED: lockcheck_runtime::sync::Mutex<u32> =
    ///     lockcheck_runtime::sync::Mutex::named("sched", 0);
    /// *SCHED.lock().unwrap() += 1;
    /// ```
    #[track_caller]
    #[inline]
    pub const fn named(name: &'static str, t: T) -> Mutex<T> {
        Mutex(locks::Mutex::named(name, t))
    }

    /// Consumes the mutex, returning its data; an error if it is poisoned (the data is inside).
    pub fn into_inner(self) -> LockResult<T> {
        self.0.into_inner_result()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Acquires the mutex, blocking until it is free; checked before it can block. An error
    /// (with the guard inside) if another thread panicked holding it.
    ///
    /// # Errors
    ///
    /// The mutex is poisoned.
    #[track_caller]
    #[inline]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        self.0.lock_result(0)
    }

    /// Tries to acquire the mutex without blocking.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when it is locked; `Poisoned` (with the guard) when it is poisoned.
    #[track_caller]
    #[inline]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        self.0.try_lock_result()
    }

    /// Whether the mutex is poisoned.
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
    /// The mutex is poisoned (the reference is inside).
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.0.std_lock_mut().get_mut()
    }

    /// Whether the current thread holds this mutex (lockcheck's; `false` with the checker
    /// compiled out).
    #[inline]
    pub fn is_held(&self) -> bool {
        self.0.is_held()
    }

    /// The checked lock inside, with lockcheck's own API (`lock_nested`, ...).
    pub fn as_checked(&self) -> &locks::Mutex<T> {
        &self.0
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.0.std_lock().try_lock() {
            Ok(g) => d.field("data", &&*g),
            Err(std::sync::TryLockError::Poisoned(p)) => d.field("data", &&*p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => d.field("data", &format_args!("<locked>")),
        };
        d.field("poisoned", &self.is_poisoned());
        d.finish_non_exhaustive()
    }
}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    #[track_caller]
    fn from(t: T) -> Self {
        Mutex::new(t)
    }
}

impl<T: ?Sized> Mutex<T> {
    /// The lock's identity (`Lockable`).
    pub(crate) fn lock_id(&self) -> &crate::core::LockId {
        self.0.lock_id()
    }
}

crate::contract::lockable!([T: ?Sized] Mutex<T>);
