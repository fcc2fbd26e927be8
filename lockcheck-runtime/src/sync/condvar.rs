use std::sync::{self as stdsync, LockResult, PoisonError, WaitTimeoutResult};
use std::time::Duration;

use crate::core::WaitPoint;
use crate::locks::MutexGuard;
use crate::wait_class::WaitKind;

/// [`std::sync::Condvar`], for [`Mutex`](super::Mutex): same methods, same results. While a
/// thread waits, its held stack says the mutex is not held; after the wait it is held again,
/// re-checked at the wait's site. Waits and notifies are ordered against the other locks held,
/// as [`crate::Condvar`]'s are.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::sync::{Condvar, Mutex};
/// use std::time::Duration;
///
/// let (m, cv) = (Mutex::new(0), Condvar::new());
/// let (g, res) = cv
///     .wait_timeout_while(m.lock().unwrap(), Duration::from_millis(1), |n| *n == 0)
///     .unwrap();
/// assert!(res.timed_out());
/// assert_eq!(*g, 0);
/// ```
#[derive(Debug)]
pub struct Condvar {
    point: WaitPoint,
    inner: stdsync::Condvar,
}

impl Default for Condvar {
    #[track_caller]
    fn default() -> Self {
        Condvar::new()
    }
}

/// Maps std's wait result on a std guard to one on the checked guard (poisoned or not).
#[track_caller]
fn rewrap<'a, T, X>(
    r: LockResult<(stdsync::MutexGuard<'a, T>, X)>,
    parked: crate::core::Parked,
) -> LockResult<(MutexGuard<'a, T>, X)> {
    match r {
        Ok((g, x)) => Ok((MutexGuard::resume(g, parked), x)),
        Err(p) => {
            let (g, x) = p.into_inner();
            Err(PoisonError::new((MutexGuard::resume(g, parked), x)))
        }
    }
}

/// Drops the extra value of a rewrapped result.
fn first<G, X>(r: LockResult<(G, X)>) -> LockResult<G> {
    match r {
        Ok((g, _)) => Ok(g),
        Err(p) => Err(PoisonError::new(p.into_inner().0)),
    }
}

impl Condvar {
    /// A new condition variable.
    #[track_caller]
    pub const fn new() -> Condvar {
        Condvar {
            point: WaitPoint::at(std::panic::Location::caller(), WaitKind::Condvar),
            inner: stdsync::Condvar::new(),
        }
    }

    /// Releases the guard's mutex, waits for a notification (or a spurious wake-up), and takes
    /// the mutex again.
    ///
    /// # Errors
    ///
    /// The mutex is poisoned when it is taken again (the guard is inside).
    #[track_caller]
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        // Checked while the guard is whole: a violation's panic releases it as it unwinds.
        self.point.wait_releasing(MutexGuard::hold(&guard));
        let (inner, parked) = MutexGuard::park(guard);
        let r = self.inner.wait(inner);
        first(rewrap(
            r.map(|g| (g, ()))
                .map_err(|p| PoisonError::new((p.into_inner(), ()))),
            parked,
        ))
    }

    /// Waits while `condition` returns `true` (it runs with the mutex held).
    ///
    /// # Errors
    ///
    /// The mutex is poisoned (the guard is inside).
    #[track_caller]
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.wait(guard)?;
        }
        Ok(guard)
    }

    /// As [`Condvar::wait`], giving up after `dur`.
    ///
    /// # Errors
    ///
    /// The mutex is poisoned (the guard and the result are inside).
    #[track_caller]
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        self.point.waits_with(MutexGuard::hold(&guard));
        let (inner, parked) = MutexGuard::park(guard);
        rewrap(self.inner.wait_timeout(inner, dur), parked)
    }

    /// As [`Condvar::wait_timeout`], with the timeout in milliseconds.
    ///
    /// # Errors
    ///
    /// The mutex is poisoned (the guard is inside).
    #[deprecated(
        since = "0.1.0",
        note = "replaced by `Condvar::wait_timeout`, as in std"
    )]
    #[track_caller]
    pub fn wait_timeout_ms<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        ms: u32,
    ) -> LockResult<(MutexGuard<'a, T>, bool)> {
        match self.wait_timeout(guard, Duration::from_millis(u64::from(ms))) {
            Ok((g, r)) => Ok((g, !r.timed_out())),
            Err(p) => {
                let (g, r) = p.into_inner();
                Err(PoisonError::new((g, !r.timed_out())))
            }
        }
    }

    /// Waits while `condition` returns `true`, giving up after `dur` (std's semantics exactly:
    /// the result says whether the condition still held when time ran out). The condition runs
    /// with the mutex held.
    ///
    /// # Errors
    ///
    /// The mutex is poisoned (the guard and the result are inside).
    #[track_caller]
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
        condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        self.point.waits_with(MutexGuard::hold(&guard));
        let (inner, parked) = MutexGuard::park(guard);
        rewrap(self.inner.wait_timeout_while(inner, dur, condition), parked)
    }

    /// Wakes one waiting thread.
    #[inline]
    #[track_caller]
    pub fn notify_one(&self) {
        self.point.wake();
        self.inner.notify_one();
    }

    /// Wakes every waiting thread.
    #[inline]
    #[track_caller]
    pub fn notify_all(&self) {
        self.point.wake();
        self.inner.notify_all();
    }
}
