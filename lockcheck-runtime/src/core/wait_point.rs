//! A wait's identity (a condvar, a channel): what [`LockId`](super::LockId) is to a lock. Its
//! class is its construction site; with the checks compiled out it is zero-sized and every
//! method does nothing.

use std::panic::Location;

#[cfg(lockcheck_checks)]
use crate::check;
#[cfg(lockcheck_checks)]
use crate::class::LazyClass;
use crate::wait_class::WaitKind;

/// A condvar's (or channel's) identity in the order graph.
pub(crate) struct WaitPoint {
    #[cfg(lockcheck_checks)]
    class: LazyClass,
    #[cfg(lockcheck_checks)]
    kind: WaitKind,
}

impl WaitPoint {
    /// A wait of `kind` whose class is the place it was built (`site`).
    #[inline]
    pub(crate) const fn at(site: &'static Location<'static>, kind: WaitKind) -> Self {
        #[cfg(not(lockcheck_checks))]
        let _ = (site, kind);
        WaitPoint {
            #[cfg(lockcheck_checks)]
            class: LazyClass::site(site),
            #[cfg(lockcheck_checks)]
            kind,
        }
    }

    /// A wait of `kind` of the class `name` (shared with every lock or wait named alike).
    #[inline]
    pub(crate) const fn named(name: &'static str, kind: WaitKind) -> Self {
        #[cfg(not(lockcheck_checks))]
        let _ = (name, kind);
        WaitPoint {
            #[cfg(lockcheck_checks)]
            class: LazyClass::name(name),
            #[cfg(lockcheck_checks)]
            kind,
        }
    }

    /// A wait that does not give up begins at the caller's line (a condvar's mutex already
    /// released from the held stack): every lock still held is ordered before this wait.
    ///
    /// # Panics
    ///
    /// On a violation (a cycle this wait closes) under the default action, before it waits.
    #[inline]
    #[track_caller]
    pub(crate) fn wait(&self) {
        self.wait_at(Location::caller());
    }

    /// As [`wait`](Self::wait), at `site` (a wait run inside a closure).
    #[inline]
    #[track_caller]
    pub(crate) fn wait_at(&self, site: &'static Location<'static>) {
        #[cfg(lockcheck_checks)]
        check::waiting(
            check::wait_acquisition(&self.class, self.kind, crate::mode::Mode::Exclusive, site),
            0,
        );
        #[cfg(not(lockcheck_checks))]
        let _ = site;
    }

    /// As [`wait`](Self::wait), checked before the wait releases `mutex` (still held: it is
    /// not ordered before the wait). A violation's panic then leaves the guard whole.
    #[cfg(feature = "parking_lot")]
    #[inline]
    #[track_caller]
    pub(crate) fn wait_releasing(&self, mutex: super::Hold) {
        #[cfg(lockcheck_checks)]
        check::waiting(
            check::wait_acquisition(
                &self.class,
                self.kind,
                crate::mode::Mode::Exclusive,
                Location::caller(),
            ),
            mutex.instance(),
        );
        #[cfg(not(lockcheck_checks))]
        let _ = mutex;
    }

    /// The wait is woken (a notify, a send) at the caller's line: it is ordered before every
    /// lock held here.
    ///
    /// # Panics
    ///
    /// On a violation under the default action.
    #[inline]
    #[track_caller]
    pub(crate) fn wake(&self) {
        #[cfg(lockcheck_checks)]
        check::waking(check::wait_acquisition(
            &self.class,
            self.kind,
            crate::mode::Mode::Exclusive,
            Location::caller(),
        ));
    }
}

#[cfg(lockcheck_checks)]
impl Drop for WaitPoint {
    #[inline]
    fn drop(&mut self) {
        check::lock_dropped(&self.class);
    }
}

impl std::fmt::Debug for WaitPoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WaitPoint")
    }
}
