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
//!
//! A flavour cannot bypass the checker: the real lock is reached only through these.

use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::Location;

#[cfg(lockcheck_checks)]
use crate::check;
#[cfg(lockcheck_checks)]
use crate::class::LazyClass;
#[cfg(lockcheck_checks)]
use crate::held_lock::HeldLock;
use crate::mode::Mode;

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

    /// As [`acquisition`](Self::acquisition), taken at `site` (an async lock's, whose future
    /// is checked at its first poll, far from the caller's line).
    #[cfg(all(lockcheck_checks, feature = "tokio"))]
    #[inline(always)]
    pub(crate) fn acquisition_at<L: ?Sized>(
        &self,
        mode: Mode,
        site: &'static Location<'static>,
    ) -> HeldLock {
        check::acquisition(&self.class, mode, 0, site, std::any::type_name::<L>)
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
        try_now: impl FnOnce() -> Option<G>,
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
        Hold {
            #[cfg(lockcheck_checks)]
            instance: self.class.instance(),
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

/// A guard's hold of its lock: which lock instance it holds (with the checks compiled out,
/// nothing: zero-sized).
#[derive(Clone, Copy)]
pub(crate) struct Hold {
    #[cfg(lockcheck_checks)]
    instance: usize,
}

impl Hold {
    /// The hold of a guard whose acquisition was not tracked (a recursive read the raw lock
    /// allows without waiting): its release finds no entry.
    #[cfg(any(feature = "lock_api", feature = "tokio"))]
    // The tokio flavour asks for it only with the checks compiled out.
    #[cfg_attr(not(feature = "lock_api"), allow(dead_code))]
    #[inline]
    pub(crate) fn none() -> Hold {
        Hold {
            #[cfg(lockcheck_checks)]
            instance: 0,
        }
    }

    /// The hold of the lock at `instance` (an async acquisition's, made before its wait).
    #[cfg(all(lockcheck_checks, feature = "tokio"))]
    #[inline]
    pub(crate) fn of_instance(instance: usize) -> Hold {
        Hold { instance }
    }

    /// The held entry goes (called after the real release).
    #[inline]
    pub(crate) fn release(self) {
        #[cfg(lockcheck_checks)]
        check::release(self.instance);
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

/// The one guard wrapper: a flavour's real guard `G` and its [`Hold`]. Dropped, it releases the
/// real lock first, then the entry.
pub(crate) struct Guard<G> {
    inner: ManuallyDrop<G>,
    hold: Hold,
}

impl<G> Guard<G> {
    /// The real guard `inner`, just had, and its hold.
    #[inline]
    pub(crate) fn new(inner: G, hold: Hold) -> Self {
        Guard {
            inner: ManuallyDrop::new(inner),
            hold,
        }
    }

    /// The hold.
    #[inline]
    pub(crate) fn hold(&self) -> Hold {
        self.hold
    }

    /// The real guard, mutably (for an `unlocked` section or a condvar wait over it).
    #[cfg(feature = "lock_api")]
    #[inline]
    pub(crate) fn inner_mut(&mut self) -> &mut G {
        &mut self.inner
    }

    /// Takes the guard apart without releasing anything: the real guard and the hold.
    #[inline]
    pub(crate) fn into_parts(self) -> (G, Hold) {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped or used again, so `inner` is taken exactly once.
        (unsafe { ManuallyDrop::take(&mut this.inner) }, this.hold)
    }

    /// The same hold over another real guard made from this one (a map, a downgrade).
    #[inline]
    pub(crate) fn map<H>(self, f: impl FnOnce(G) -> H) -> Guard<H> {
        let (inner, hold) = self.into_parts();
        Guard::new(f(inner), hold)
    }

    /// As [`map`](Self::map) when `f` may fail and give the real guard back.
    #[cfg(feature = "lock_api")]
    #[inline]
    pub(crate) fn try_map<H>(self, f: impl FnOnce(G) -> Result<H, G>) -> Result<Guard<H>, Self> {
        let (inner, hold) = self.into_parts();
        match f(inner) {
            Ok(h) => Ok(Guard::new(h, hold)),
            Err(g) => Err(Guard::new(g, hold)),
        }
    }

    /// Takes the guard apart for a wait that consumes the real guard (std's condvar): the real
    /// guard, and the hold with its entry taken off the stack until [`Parked::resume`].
    #[inline]
    pub(crate) fn park(self) -> (G, Parked) {
        let (inner, hold) = self.into_parts();
        let entry = hold.take_entry();
        (inner, Parked { hold, entry })
    }

    /// Releases through `unlock` (a fair unlock, a force-unlock) instead of dropping the real
    /// guard; then the entry goes.
    #[cfg(feature = "lock_api")]
    #[inline]
    pub(crate) fn release_with(self, unlock: impl FnOnce(G)) {
        let (inner, hold) = self.into_parts();
        unlock(inner);
        hold.release();
    }
}

impl<G> Drop for Guard<G> {
    #[inline]
    fn drop(&mut self) {
        // Release the real lock first, then the tracking entry: the entry never claims less
        // than the truth.
        // SAFETY: `inner` is dropped exactly once, here, and not used afterwards.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
        self.hold.release();
    }
}

impl<G: Deref> Deref for Guard<G> {
    type Target = G::Target;
    #[inline]
    fn deref(&self) -> &G::Target {
        &self.inner
    }
}

impl<G: DerefMut> DerefMut for Guard<G> {
    #[inline]
    fn deref_mut(&mut self) -> &mut G::Target {
        &mut self.inner
    }
}

/// `Deref` (and `DerefMut` with `mut`), `Debug` and `Display` for a flavour's guard newtype
/// `$guard` whose field `$field` derefs to `$target`: every flavour's guards read like the data.
macro_rules! guard_traits {
    ([$($gen:tt)*] $guard:ty => $target:ty, $field:tt $(, $mutable:ident)?) => {
        impl<$($gen)*> ::std::ops::Deref for $guard {
            type Target = $target;
            #[inline]
            fn deref(&self) -> &$target {
                &self.$field
            }
        }

        $crate::core::guard_traits!(@mut [$($gen)*] $guard => $target, $field $(, $mutable)?);

        impl<$($gen)*> ::std::fmt::Debug for $guard
        where
            $target: ::std::fmt::Debug,
        {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<$($gen)*> ::std::fmt::Display for $guard
        where
            $target: ::std::fmt::Display,
        {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&**self, f)
            }
        }
    };
    (@mut [$($gen:tt)*] $guard:ty => $target:ty, $field:tt) => {};
    (@mut [$($gen:tt)*] $guard:ty => $target:ty, $field:tt, mut) => {
        impl<$($gen)*> ::std::ops::DerefMut for $guard {
            #[inline]
            fn deref_mut(&mut self) -> &mut $target {
                &mut self.$field
            }
        }
    };
}
pub(crate) use guard_traits;
