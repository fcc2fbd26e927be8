//! A guard's half of the protocol: its release, the re-acquisition after an unlock-and-relock,
//! a change of mode.

#[cfg(lockcheck_checks)]
use std::panic::Location;

#[cfg(lockcheck_checks)]
use crate::check;
#[cfg(lockcheck_checks)]
use crate::held_lock::HeldLock;
use crate::mode::Mode;

use super::Guard;

/// A guard's hold of its lock: which lock instance it holds, and (an async lock's guard, which
/// can move to another task) whose held set has its entry. With the checks compiled out,
/// nothing: zero-sized.
#[derive(Clone, Copy)]
pub(crate) struct Hold {
    #[cfg(lockcheck_checks)]
    instance: usize,
    #[cfg(all(lockcheck_checks, feature = "tokio"))]
    /// `stray_releases::Holder::to_word`; 0: none (a guard that stays with its owner).
    holder: usize,
}

impl Hold {
    /// The hold of a guard whose acquisition was not tracked (a recursive read the raw lock
    /// allows without waiting): its release finds no entry.
    // Asked for by lock_api's re-entries, and by every hold with the checks compiled out: with
    // the checks on and no lock_api flavour, by nothing.
    #[cfg_attr(all(lockcheck_checks, not(feature = "lock_api")), allow(dead_code))]
    #[inline]
    pub(crate) fn none() -> Hold {
        Hold {
            #[cfg(lockcheck_checks)]
            instance: 0,
            #[cfg(all(lockcheck_checks, feature = "tokio"))]
            holder: 0,
        }
    }

    /// The hold of the lock at `instance`, by a guard that stays with its owner.
    #[cfg(lockcheck_checks)]
    #[inline]
    pub(crate) fn of_instance(instance: usize) -> Hold {
        Hold {
            instance,
            #[cfg(feature = "tokio")]
            holder: 0,
        }
    }

    /// The hold of the lock at `instance` by a guard that may move to another owner (an async
    /// lock's, which is `Send`), made right after its acquisition's check: it names the owner
    /// whose held set that check pushed the entry to, so that a release elsewhere can still
    /// find it.
    #[cfg(all(lockcheck_checks, feature = "tokio"))]
    #[inline(always)]
    pub(crate) fn movable(instance: usize) -> Hold {
        Hold {
            instance,
            holder: crate::stray_releases::Holder::last().to_word(),
        }
    }

    /// The lock instance this hold is of (a condvar wait checked before it releases it: the
    /// waiter's own mutex is not ordered before its condvar, nor its condvar before it).
    #[cfg(lockcheck_checks)]
    #[inline]
    pub(crate) fn instance(self) -> usize {
        self.instance
    }

    /// The held entry goes (called after the real release). A guard released by another owner
    /// than the one holding its entry leaves the release to that owner ([`stray_releases`]).
    ///
    /// [`stray_releases`]: crate::stray_releases
    #[inline]
    pub(crate) fn release(self) {
        #[cfg(lockcheck_checks)]
        {
            #[cfg(feature = "tokio")]
            let holder = self.holder;
            #[cfg(not(feature = "tokio"))]
            let holder = 0;
            let found = check::release(self.instance, holder);
            #[cfg(feature = "tokio")]
            if !found {
                if let Some(holder) = crate::stray_releases::Holder::from_word(self.holder) {
                    check::released_elsewhere(holder, self.instance);
                }
            }
            #[cfg(not(feature = "tokio"))]
            let _ = found;
        }
    }

    /// Around an unlock-and-relock of the real lock (`unlocked`, `bump`, a condvar wait): the
    /// entry goes while `f` runs, and comes back after it, re-checked at the caller's line
    /// against what is held then (a `bump` that lets a waiter in while another lock is held is
    /// an acquisition like any other).
    #[cfg(feature = "lock_api")]
    #[inline]
    #[track_caller]
    pub(crate) fn while_unlocked<U>(self, f: impl FnOnce() -> U) -> U {
        let entry = self.take_entry();
        let r = f();
        entry.put_back();
        r
    }

    /// Takes the entry off the held stack while the real lock is released elsewhere (a std
    /// condvar wait, which consumes the guard); [`Entry::put_back`] re-checks it.
    #[inline]
    pub(crate) fn take_entry(self) -> Entry {
        Entry {
            #[cfg(lockcheck_checks)]
            held: check::release_entry(self.instance),
        }
    }

    /// Parks this hold for a wait that consumes the real guard: its entry taken off the stack
    /// until [`Parked::resume`].
    #[inline]
    pub(crate) fn park(self) -> Parked {
        Parked {
            hold: self,
            entry: self.take_entry(),
        }
    }

    /// The hold changed mode (a downgrade, an upgrade).
    #[inline]
    pub(crate) fn set_mode(self, mode: Mode) {
        #[cfg(lockcheck_checks)]
        check::mode_changed(self.instance, mode);
        #[cfg(not(lockcheck_checks))]
        let _ = mode;
    }
}

/// A held entry taken off the stack while its lock is released by a wait (see
/// [`Hold::take_entry`]).
#[must_use = "an entry taken off must be put back when the lock is held again"]
pub(crate) struct Entry {
    #[cfg(lockcheck_checks)]
    held: Option<HeldLock>,
}

impl Entry {
    /// The lock is held again: the entry is checked against what is held now and pushed,
    /// taken at the caller's line.
    #[inline]
    #[track_caller]
    pub(crate) fn put_back(self) {
        #[cfg(lockcheck_checks)]
        if let Some(h) = self.held {
            check::reacquired(h, Location::caller());
        }
    }
}

/// A guard taken apart for a wait ([`Guard::park`]).
#[must_use = "a parked guard must be resumed when the lock is held again"]
pub(crate) struct Parked {
    hold: Hold,
    entry: Entry,
}

impl Parked {
    /// The wait gave the real guard back: the entry is re-checked at the caller's line and
    /// pushed, and the guard whole again.
    #[inline]
    #[track_caller]
    pub(crate) fn resume<G>(self, inner: G) -> Guard<G> {
        self.entry.put_back();
        Guard::new(inner, self.hold)
    }
}
