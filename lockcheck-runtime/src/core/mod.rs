//! The checked core every lock flavour is a skin over (tracing-mutex's `LazyMutexId` +
//! `BorrowedMutex`, lock_api's generic core): a flavour is its API surface and nothing of the
//! protocol.
//!
//! - [`LockId`]: a lock's identity — its class (construction site or name), whether the current
//!   owner holds it and in which mode, its name in reports, the checker told when it is dropped;
//!   every acquisition (blocking, try, timed) goes through it. Zero-sized with the checks
//!   compiled out: the `lockcheck_checks` cfgs live here, not in the flavours.
//! - [`Hold`]: a guard's half of the protocol — its release, the re-acquisition after an
//!   `unlocked` section, a `bump` or a condvar wait, a change of mode (upgrade, downgrade).
//! - [`Guard`]: the one guard wrapper, whose `Drop` releases the real lock first, then the held
//!   entry (the entry never claims less than the truth). Each flavour's guard is a newtype of it.
//! - [`AsyncAcquire`] (feature `tokio`): an async lock's acquisition, checked where its future
//!   is first polled, its entry pushed before the wait and taken off if the wait is cancelled.
//!
//! A flavour cannot bypass the checker: the real lock is reached only through these.

use std::panic::Location;

#[cfg(lockcheck_checks)]
use crate::check;
#[cfg(lockcheck_checks)]
use crate::class::LazyClass;
#[cfg(lockcheck_checks)]
use crate::held_lock::HeldLock;
use crate::mode::Mode;

#[cfg(all(feature = "tokio", lockcheck_checks))]
mod async_acquire;
mod guard;
mod hold;
mod wait_point;

#[cfg(all(feature = "tokio", lockcheck_checks))]
pub(crate) use async_acquire::acquire_async;
#[cfg(all(feature = "tokio", not(lockcheck_checks)))]
mod wrapped;
#[cfg(all(feature = "tokio", lockcheck_checks))]
pub(crate) use async_acquire::{AsyncAcquire, Start};
pub(crate) use guard::{guard_traits, Guard};
pub(crate) use hold::{Hold, Parked};
pub(crate) use wait_point::WaitPoint;
#[cfg(all(feature = "tokio", not(lockcheck_checks)))]
pub(crate) use wrapped::Wrapped;

/// A checked lock's identity. Built by `const fn`s (a lock in a `static`); its class is resolved
/// on first use and cached in it.
pub(crate) struct LockId {
    #[cfg(lockcheck_checks)]
    class: LazyClass,
}

impl LockId {
    /// A lock whose class is the place it was built (`site`: the caller of its `#[track_caller]`
    /// constructor) and its type.
    #[inline]
    pub(crate) const fn at(site: &'static Location<'static>) -> Self {
        #[cfg(not(lockcheck_checks))]
        let _ = site;
        LockId {
            #[cfg(lockcheck_checks)]
            class: LazyClass::site(site),
        }
    }

    /// A lock of the class `name`: every lock named alike, of any flavour, shares it.
    #[inline]
    pub(crate) const fn named(name: &'static str) -> Self {
        #[cfg(not(lockcheck_checks))]
        let _ = name;
        LockId {
            #[cfg(lockcheck_checks)]
            class: LazyClass::name(name),
        }
    }

    /// This acquisition, at the caller's line; `L` names the lock's type (read on first use).
    #[cfg(lockcheck_checks)]
    #[inline(always)]
    #[track_caller]
    pub(crate) fn acquisition<L: ?Sized>(&self, mode: Mode, subclass: u8) -> HeldLock {
        check::acquisition(
            &self.class,
            mode,
            subclass,
            Location::caller(),
            std::any::type_name::<L>,
        )
    }

    /// An async lock's acquisition (`lockcheck::tokio`) of a lock of type `L` in `mode`, at
    /// `site` (its future is checked at its first poll, far from the caller's line).
    #[cfg(all(feature = "tokio", lockcheck_checks))]
    #[inline(always)]
    pub(crate) fn async_acquire<L: ?Sized>(
        &self,
        mode: Mode,
        site: &'static Location<'static>,
    ) -> AsyncAcquire {
        AsyncAcquire::new(check::acquisition(
            &self.class,
            mode,
            0,
            site,
            std::any::type_name::<L>,
        ))
    }

    /// A blocking acquisition of a lock of type `L` in `mode` at nesting level `subclass`:
    /// checked before `wait` can block (`try_now` is asked when the checks must not wait: a
    /// recursive read, a possibly stale entry). The guard's [`Hold`] is [`hold`](Self::hold).
    ///
    /// # Panics
    ///
    /// When the acquisition would never return (this owner holds the lock), and on any
    /// violation under the default action.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn acquire<L: ?Sized, G>(
        &self,
        mode: Mode,
        subclass: u8,
        try_now: impl FnMut() -> Option<G>,
        wait: impl FnOnce() -> G,
    ) -> G {
        #[cfg(lockcheck_checks)]
        {
            check::acquire(self.acquisition::<L>(mode, subclass), try_now, wait)
        }
        #[cfg(not(lockcheck_checks))]
        {
            let _ = (mode, subclass, try_now);
            wait()
        }
    }

    /// An acquisition that cannot block (`try_lock`): no order edge into the lock, which is held
    /// if it is had.
    #[inline]
    #[track_caller]
    pub(crate) fn try_acquire<L: ?Sized, G>(
        &self,
        mode: Mode,
        try_now: impl FnOnce() -> Option<G>,
    ) -> Option<G> {
        #[cfg(lockcheck_checks)]
        {
            check::try_acquire(self.acquisition::<L>(mode, 0), try_now)
        }
        #[cfg(not(lockcheck_checks))]
        {
            let _ = mode;
            try_now()
        }
    }

    /// A timed acquisition (`try_lock_for`): it can wait, so it is checked as a blocking one;
    /// it may time out, and then nothing is held.
    #[cfg(feature = "lock_api")]
    #[inline]
    #[track_caller]
    pub(crate) fn acquire_timed<L: ?Sized, G>(
        &self,
        mode: Mode,
        attempt: impl FnOnce() -> Option<G>,
    ) -> Option<G> {
        #[cfg(lockcheck_checks)]
        {
            check::acquire_timed(self.acquisition::<L>(mode, 0), attempt)
        }
        #[cfg(not(lockcheck_checks))]
        {
            let _ = mode;
            attempt()
        }
    }

    /// The hold of a guard of this lock, for a guard made right after an acquisition.
    #[inline]
    pub(crate) fn hold(&self) -> Hold {
        #[cfg(lockcheck_checks)]
        {
            Hold::of_instance(self.class.instance())
        }
        #[cfg(not(lockcheck_checks))]
        {
            Hold::none()
        }
    }

    /// Whether the current owner (thread, task or checked future) holds this lock, in any
    /// mode. Always `false` with the checks compiled out.
    #[inline]
    pub(crate) fn is_held(&self) -> bool {
        self.held_mode().is_some()
    }

    /// The mode the current owner holds this lock in, if it holds it.
    #[inline]
    pub(crate) fn held_mode(&self) -> Option<Mode> {
        #[cfg(lockcheck_checks)]
        {
            crate::held::held_mode(self.class.instance())
        }
        #[cfg(not(lockcheck_checks))]
        {
            None
        }
    }

    /// Whether the current owner holds it as `need` asks: in any mode (`None`), at least for
    /// reading (`Some(Mode::Shared)`, which a write hold meets), or for writing.
    pub(crate) fn held_as(&self, need: Option<Mode>) -> bool {
        self.held_mode().is_some_and(|held| held.meets(need))
    }

    /// The lock instance's identity (a held entry's `instance`), for the poisoned path
    /// (`poison.rs`); 0 with the checks compiled out.
    #[inline]
    pub(crate) fn instance(&self) -> usize {
        #[cfg(lockcheck_checks)]
        {
            self.class.instance()
        }
        #[cfg(not(lockcheck_checks))]
        {
            0
        }
    }

    /// The lock's class name in reports (`L`: its type, for a site class not yet used).
    pub(crate) fn class_name<L: ?Sized>(&self) -> String {
        #[cfg(lockcheck_checks)]
        {
            self.class.name_for_report(std::any::type_name::<L>())
        }
        #[cfg(not(lockcheck_checks))]
        {
            String::from("<unchecked>")
        }
    }
}

/// Dropping a lock forgets its instance orders, and reports it if this owner still holds it (a
/// guard leaked with `mem::forget`: lockdep's "held lock freed").
#[cfg(lockcheck_checks)]
impl Drop for LockId {
    #[inline]
    fn drop(&mut self) {
        check::lock_dropped(&self.class);
    }
}
