//! The checker's own locks, and the rule that keeps it from ever blocking on itself.
//!
//! The checker allocates while it holds its own locks (the class registry, the order graph, the
//! seen-sets). With a checked lock inside a `#[global_allocator]` (a counting allocator in a test
//! suite), such an allocation re-enters the allocator, which takes the checked lock, which would
//! re-enter the checker and block on the very lock this thread holds. So every internal lock is
//! an [`Internal`] (or [`InternalRw`]), whose guard marks the thread **busy** for as long as it is
//! held ([`Busy`]); a lock operation on a busy thread is taken unchecked, exactly as std's lock
//! would take it (see `thread_state::borrow_state`), and never reaches the checker's locks. Nothing else
//! in the checker takes a `std::sync` lock.
//!
//! The slow paths of the protocol run busy as a whole (not only under these locks): they allocate
//! before the first internal lock too, and an allocator's lock taken there would enter the slow
//! path again, for the same unknown order, without end. Only the hand-over of a violation to the
//! configured action runs not busy ([`NotBusy`]).
//!
//! Poisoning is ignored: the data behind these locks is kept consistent at every step, and a
//! panic in a user's callback never happens under one of them.

use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::thread_state;

/// This thread is inside the checker's own critical sections while one of these lives.
pub(crate) struct Busy(());

impl Busy {
    /// Marks this thread busy until the token is dropped (nests).
    pub(crate) fn enter() -> Busy {
        thread_state::enter_busy();
        Busy(())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        thread_state::leave_busy();
    }
}

/// Runs `f` with this thread marked busy: for work that allocates under a lock that is not an
/// [`Internal`] one (a `OnceLock`'s initializer).
pub(crate) fn busy<R>(f: impl FnOnce() -> R) -> R {
    let _busy = Busy::enter();
    f()
}

/// This thread is not busy while one of these lives, whatever its callers entered: for handing
/// a violation to the user's action (a callback takes checked locks, checked as usual), which
/// only ever runs with no internal lock held. The busy levels come back when it is dropped (on
/// return or unwind). A guard, not a closure: the hand-over is `#[track_caller]` up to the
/// user's acquisition, and a closure would break that chain.
pub(crate) struct NotBusy(usize);

impl NotBusy {
    pub(crate) fn enter() -> NotBusy {
        NotBusy(thread_state::take_busy())
    }
}

impl Drop for NotBusy {
    fn drop(&mut self) {
        thread_state::restore_busy(self.0);
    }
}

/// A mutex of the checker's own. (`Default` for a `LazyLock`'s initializer: the values behind
/// these are empty collections, whose construction does not allocate.)
#[derive(Default)]
pub(crate) struct Internal<T>(Mutex<T>);

/// A held [`Internal`] lock. Fields drop in order: the lock is released before the thread stops
/// being busy.
pub(crate) struct InternalGuard<'a, T> {
    guard: MutexGuard<'a, T>,
    _busy: Busy,
}

impl<T> Internal<T> {
    pub(crate) const fn new(value: T) -> Self {
        Internal(Mutex::new(value))
    }

    /// Takes the lock, marking this thread busy first (an allocation while it waits or holds
    /// the lock cannot come back here).
    pub(crate) fn lock(&self) -> InternalGuard<'_, T> {
        let busy = Busy::enter();
        InternalGuard {
            guard: self.0.lock().unwrap_or_else(PoisonError::into_inner),
            _busy: busy,
        }
    }

    /// Takes the lock if it is free now, marking this thread busy: for a caller that may hold a
    /// user's lock (a contended acquisition inside an allocator), which must never wait for a
    /// thread that holds this one and allocates.
    pub(crate) fn try_lock(&self) -> Option<InternalGuard<'_, T>> {
        let busy = Busy::enter();
        let guard = match self.0.try_lock() {
            Ok(g) => g,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        Some(InternalGuard { guard, _busy: busy })
    }
}

impl<T> std::ops::Deref for InternalGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> std::ops::DerefMut for InternalGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

/// A reader-writer lock of the checker's own.
pub(crate) struct InternalRw<T>(RwLock<T>);

/// A read hold of an [`InternalRw`].
pub(crate) struct InternalReadGuard<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    _busy: Busy,
}

/// A write hold of an [`InternalRw`].
pub(crate) struct InternalWriteGuard<'a, T> {
    guard: RwLockWriteGuard<'a, T>,
    _busy: Busy,
}

impl<T> InternalRw<T> {
    pub(crate) const fn new(value: T) -> Self {
        InternalRw(RwLock::new(value))
    }

    pub(crate) fn read(&self) -> InternalReadGuard<'_, T> {
        let busy = Busy::enter();
        InternalReadGuard {
            guard: self.0.read().unwrap_or_else(PoisonError::into_inner),
            _busy: busy,
        }
    }

    pub(crate) fn write(&self) -> InternalWriteGuard<'_, T> {
        let busy = Busy::enter();
        InternalWriteGuard {
            guard: self.0.write().unwrap_or_else(PoisonError::into_inner),
            _busy: busy,
        }
    }
}

impl<T> std::ops::Deref for InternalReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> std::ops::Deref for InternalWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> std::ops::DerefMut for InternalWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}
