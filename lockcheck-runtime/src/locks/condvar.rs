use std::sync::{self as stdsync, PoisonError, WaitTimeoutResult};
use std::time::Duration;

use super::MutexGuard;
use crate::core::WaitPoint;
use crate::wait_class::WaitKind;

/// A condition variable for [`Mutex`](crate::Mutex).
///
/// While a thread waits, the mutex is released, and the thread's held stack says so: the mutex
/// is not held during the wait, and is held again (re-checked, at the wait's site) after it.
///
/// The condvar is a class of the order graph too (its construction site): waiting on it while
/// holding another lock `X` orders `X` before it, and notifying it while holding `X` orders it
/// before `X`; both seen is a wait its notifier may never reach, reported. A timed wait teaches
/// nothing (it gives up). See the README, "Waits that are not locks".
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use lockcheck_runtime::{Condvar, Mutex};
///
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let p2 = Arc::clone(&pair);
/// let t = std::thread::spawn(move || {
///     *p2.0.lock() = true;
///     p2.1.notify_one();
/// });
/// let mut ready = pair.0.lock();
/// while !*ready {
///     ready = pair.1.wait(ready);
/// }
/// t.join().unwrap();
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

impl Condvar {
    /// A new condition variable.
    ///
    /// # Examples
    ///
    /// ```
    /// static CV: lockcheck_runtime::Condvar = lockcheck_runtime::Condvar::new();
    /// CV.notify_all();
    /// ```
    #[track_caller]
    pub const fn new() -> Self {
        Condvar {
            point: WaitPoint::at(std::panic::Location::caller(), WaitKind::Condvar),
            inner: stdsync::Condvar::new(),
        }
    }

    /// A new condition variable of the class `name` (shared with every lock named alike).
    ///
    /// # Examples
    ///
    /// ```
    /// static CV: lockcheck_runtime::Condvar = lockcheck_runtime::Condvar::named("doc-cv");
    /// CV.notify_one();
    /// ```
    pub const fn named(name: &'static str) -> Self {
        Condvar {
            point: WaitPoint::named(name, WaitKind::Condvar),
            inner: stdsync::Condvar::new(),
        }
    }

    /// Releases the guard's mutex, waits for a notification (or a spurious wake-up), and takes
    /// the mutex again.
    ///
    /// # Examples
    ///
    /// See [`Condvar`].
    #[track_caller]
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        // Checked while the guard is whole: a violation's panic releases it as it unwinds.
        self.point.wait_releasing(MutexGuard::hold(&guard));
        let (inner, parked) = MutexGuard::park(guard);
        let inner = self
            .inner
            .wait(inner)
            .unwrap_or_else(PoisonError::into_inner);
        MutexGuard::resume(inner, parked)
    }

    /// Like [`Condvar::wait`], but waits while `condition` returns `true`.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockcheck_runtime::{Condvar, Mutex};
    ///
    /// let (m, cv) = (Mutex::new(0), Condvar::new());
    /// let g = cv.wait_while(m.lock(), |n| *n > 0); // returns at once: 0 is not > 0
    /// assert_eq!(*g, 0);
    /// ```
    #[track_caller]
    pub fn wait_while<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> MutexGuard<'a, T> {
        while condition(&mut guard) {
            guard = self.wait(guard);
        }
        guard
    }

    /// Like [`Condvar::wait`], but gives up after `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use lockcheck_runtime::{Condvar, Mutex};
    ///
    /// let (m, cv) = (Mutex::new(()), Condvar::new());
    /// let (g, res) = cv.wait_timeout(m.lock(), Duration::from_millis(1));
    /// assert!(res.timed_out());
    /// drop(g);
    /// ```
    #[track_caller]
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, T>, WaitTimeoutResult) {
        self.point.waits_with(MutexGuard::hold(&guard));
        let (inner, parked) = MutexGuard::park(guard);
        let (inner, res) = self
            .inner
            .wait_timeout(inner, timeout)
            .unwrap_or_else(PoisonError::into_inner);
        (MutexGuard::resume(inner, parked), res)
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
