//! The one guard wrapper every flavour's guard is a newtype of.

use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

use super::{Hold, Parked};

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
        (inner, hold.park())
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
