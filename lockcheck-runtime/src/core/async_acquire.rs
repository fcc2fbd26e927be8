//! An async lock's acquisition (feature `tokio`): async (`lock().await`: checked at the first
//! poll, the entry pushed before the wait and removed if the wait is cancelled), blocking
//! (`blocking_lock`: as a sync lock's) and `try_*` (never blocks, adds no order edge).

use crate::thread_state::AsyncOp;
use crate::{check, held_lock::HeldLock};

/// One acquisition, before it happens.
pub(crate) struct AsyncAcquire {
    a: HeldLock,
}

impl AsyncAcquire {
    /// The acquisition `a` of a tokio lock (which a task may hold across an `.await`).
    pub(crate) fn new(a: HeldLock) -> Self {
        AsyncAcquire {
            a: a.of_async_lock(),
        }
    }

    /// The hold of the guard this acquisition makes: called right after its check, which
    /// pushed the entry to the owner the hold names.
    #[inline(always)]
    pub(crate) fn hold(&self) -> crate::core::Hold {
        super::Hold::movable(self.a.instance)
    }

    /// The start of an async acquisition, where the task first polls it: the checks of a
    /// blocking one, the entry pushed before the wait. The caller then waits for the lock in
    /// place (no future is moved into another: tokio's acquire future is large) and finishes
    /// with [`Start`]'s answer.
    #[inline(always)]
    pub(crate) fn start(&self) -> Start {
        // The fast path's borrow goes to the task's stack by the entry's kind; the slow path
        // marks its borrows itself (`AsyncOp`), so none is set here, on every acquisition.
        match check::async_start(&self.a) {
            check::AsyncStart::Pushed => Start::Wait(Waiting {
                instance: self.a.instance,
            }),
            check::AsyncStart::Untracked => Start::Untracked,
            start => Start::Try(Tried { start }),
        }
    }

    /// The blocking acquisition (`blocking_lock`), checked as a sync lock's.
    #[track_caller]
    pub(crate) fn blocking<G>(
        self,
        try_now: impl FnMut() -> Option<G>,
        acquire: impl FnOnce() -> G,
    ) -> (G, crate::core::Hold) {
        let g = {
            let _async = AsyncOp::enter();
            check::acquire(self.a, try_now, acquire)
        };
        (g, self.hold())
    }

    /// A `try_*` acquisition, tokio's error kept.
    #[track_caller]
    pub(crate) fn try_now<G, E>(
        self,
        f: impl FnOnce() -> Result<G, E>,
    ) -> Result<(G, crate::core::Hold), E> {
        let mut error = None;
        let got = {
            let _async = AsyncOp::enter();
            check::try_acquire(self.a, || match f() {
                Ok(g) => Some(g),
                Err(e) => {
                    error = Some(e);
                    None
                }
            })
        };
        match (got, error) {
            (Some(g), _) => Ok((g, self.hold())),
            (None, Some(e)) => Err(e),
            // `try_acquire` calls `f` exactly once: one of the two is set.
            (None, None) => unreachable!("lockcheck: a try acquisition that did not try"),
        }
    }
}

/// How an async acquisition goes on after [`AsyncAcquire::start`].
pub(crate) enum Start {
    /// Wait for the lock, then [`Waiting::done`].
    Wait(Waiting),
    /// Wait for the lock, unchecked.
    Untracked,
    /// Take the lock only if that needs no wait, and hand the result to [`Tried::finish`].
    Try(Tried),
}

/// An acquisition whose entry is pushed, before its lock is had: dropped (the future
/// cancelled, or a panic) before [`done`](Self::done), it removes the entry. One word: it
/// lives in the acquiring future's state, and a wider value written there by the check and
/// moved out again at once waited on a failed store forward (a sixth of an uncontended
/// acquisition in a task).
pub(crate) struct Waiting {
    instance: usize,
}

impl Waiting {
    /// The lock was not free: this task waits as a waiter the wait-for graph knows, until the
    /// answer is done or dropped; a wait that would close a cycle of waiters is a deadlock,
    /// reported before the task waits (under the default action, a panic of the task).
    #[track_caller]
    pub(crate) fn contended(self, acquire: &AsyncAcquire) -> Contended {
        // Registered while `self` owns the entry: a panic here removes it.
        Contended {
            registered: check::async_contended(&acquire.a),
            waiting: self,
        }
    }

    /// The lock was had: the entry stays.
    #[inline(always)]
    pub(crate) fn done(self) {
        std::mem::forget(self);
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        check::release(self.instance, check::ANY_HOLDER);
    }
}

/// A [`Waiting`] acquisition whose task waits for the lock: dropped before it is
/// [`done`](Self::done), it ends its wait in the wait-for graph, then (its `Waiting`, dropped
/// after: fields drop in order) removes the entry.
pub(crate) struct Contended {
    registered: Option<check::Registered>,
    waiting: Waiting,
}

impl Contended {
    /// The lock was had: the entry stays, the wait (if any) ends.
    pub(crate) fn done(self) {
        let Contended {
            registered,
            waiting,
        } = self;
        drop(registered);
        waiting.done();
    }
}

/// A recursive read, or a lock this task's stack says it holds: see [`Start::Try`].
pub(crate) struct Tried {
    start: check::AsyncStart,
}

impl Tried {
    /// The try's result: the guard, or the acquisition is refused (a panic: waiting would
    /// never end).
    pub(crate) fn finish<G>(self, acquire: &AsyncAcquire, got: Option<G>) -> G {
        {
            let _async = AsyncOp::enter();
            check::async_tried(&acquire.a, &self.start, got.is_some());
        }
        match got {
            Some(g) => g,
            // `async_tried` refused the acquisition: it does not return.
            None => unreachable!("lockcheck: a refused acquisition went on"),
        }
    }
}

/// The async acquisition of `$lock` (a tokio lock) by `$wait` (its acquiring method) and
/// `$try` (its `try_*`): the checks where the task first polls it, then the wait in place.
macro_rules! acquire_async {
    ($acquire:expr, $lock:expr, $wait:ident, $try:ident) => {{
        let start = $acquire.start();
        // Right after the check: the owner it pushed the entry to.
        let hold = $acquire.hold();
        let g = match start {
            $crate::core::Start::Wait(waiting) => match $lock.$try() {
                ::core::result::Result::Ok(g) => {
                    waiting.done();
                    g
                }
                ::core::result::Result::Err(_) => {
                    let contended = waiting.contended(&$acquire);
                    let g = $lock.$wait().await;
                    contended.done();
                    g
                }
            },
            $crate::core::Start::Untracked => $lock.$wait().await,
            $crate::core::Start::Try(tried) => tried.finish(&$acquire, $lock.$try().ok()),
        };
        (g, hold)
    }};
}
pub(crate) use acquire_async;
