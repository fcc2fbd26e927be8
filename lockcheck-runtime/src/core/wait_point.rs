//! A wait's identity (a condvar, a channel): what [`LockId`](super::LockId) is to a lock. Its
//! class is its construction site; with the checks compiled out it is zero-sized and every
//! method does nothing.

use std::panic::Location;
#[cfg(lockcheck_checks)]
use std::sync::atomic::Ordering;

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
    /// A condvar's own mutex: the instance of the last mutex waited with (0: none yet). Not
    /// ordered against the condvar either way, and the common notify (holding only it) is
    /// decided on the thread's held stack alone.
    #[cfg(lockcheck_checks)]
    own: std::sync::atomic::AtomicUsize,
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
            #[cfg(lockcheck_checks)]
            own: std::sync::atomic::AtomicUsize::new(0),
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
            #[cfg(lockcheck_checks)]
            own: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// A wait that does not give up begins at `site` (a channel's receive): every lock held
    /// is ordered before this wait.
    ///
    /// # Panics
    ///
    /// On a violation (a cycle this wait closes) under the default action, before it waits.
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

    /// A condvar wait that does not give up begins at the caller's line, checked before it
    /// releases `mutex` (still held, so a violation's panic leaves the guard whole): every other
    /// lock held is ordered before the wait.
    ///
    /// # Panics
    ///
    /// On a violation under the default action, before it waits.
    #[inline]
    #[track_caller]
    pub(crate) fn wait_releasing(&self, mutex: super::Hold) {
        self.waits_with(mutex);
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
    }

    /// A wait with `mutex` begins (a timed one teaches no order: it gives up on its own): it
    /// names the condvar's own mutex for its notifiers. (A mutex dropped and another lock
    /// built at its address would pass for it: a notify holding that one would teach nothing,
    /// a report missed, never one made.)
    #[inline]
    pub(crate) fn waits_with(&self, mutex: super::Hold) {
        #[cfg(lockcheck_checks)]
        {
            let own = mutex.instance();
            if self.own.load(Ordering::Relaxed) != own {
                self.own.store(own, Ordering::Relaxed);
            }
        }
        #[cfg(not(lockcheck_checks))]
        let _ = mutex;
    }

    /// The wait is woken (a notify, a send) at the caller's line: it is ordered before every
    /// lock held here but a condvar's own mutex. Hot path (nothing held, or only the condvar's
    /// mutex): one borrow of the thread's state, inlined.
    ///
    /// # Panics
    ///
    /// On a violation under the default action.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn wake(&self) {
        self.wake_at(Location::caller());
    }

    /// [`WaitPoint::wake`] at `site`.
    #[inline(always)]
    pub(crate) fn wake_at(&self, site: &'static Location<'static>) {
        #[cfg(lockcheck_checks)]
        if check::may_hold() {
            // Laid out of line: a notify with nothing held falls through (a taken jump over
            // this block was a cycle of its own beside the real notify's one load).
            unlikely_here();
            let own = self.own.load(Ordering::Relaxed);
            if check::holds_beyond(own) {
                self.wake_holding(own, site);
            }
        }
        #[cfg(not(lockcheck_checks))]
        let _ = site;
    }

    /// [`WaitPoint::wake_at`] by an owner that holds a lock other than the condvar's own mutex:
    /// out of line and cold.
    #[cfg(lockcheck_checks)]
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn wake_holding(&self, own: usize, site: &'static Location<'static>) {
        check::waking(
            check::wait_acquisition(&self.class, self.kind, crate::mode::Mode::Exclusive, site),
            own,
        );
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

/// Marks the block it is called in as unlikely (as `std::hint::cold_path`, newer than this
/// crate's minimum Rust).
#[cold]
#[inline]
fn unlikely_here() {}
