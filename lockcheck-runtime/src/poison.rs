//! Poisoning and lockcheck's own panics.
//!
//! `lockcheck::sync`'s locks poison as std's do: a guard dropped while its thread panics marks
//! the lock poisoned, and the next `lock()` returns an error. A violation raised as a panic (the
//! default action) unwinds through the program's guards like any panic, so without care it would
//! poison every lock the thread held. A `Drop` that then does `lock().unwrap()` on one of them
//! (common: a channel's sender, a pool's handle) panics during the unwinding, and a panic while
//! panicking **aborts the whole test binary**, losing every other test's result.
//!
//! Decision: **lockcheck's own panic does not poison.** The data a lock guards is not torn by a
//! violation: the panic is raised before the acquisition that would have closed the cycle, not
//! in the middle of the program's update. When lockcheck is about to panic (a violation under
//! `Panic`, a refused repeat, a self-deadlock refused, a violation callback that panics), the
//! locks the thread holds are remembered; when one of them is next found poisoned, it is
//! un-poisoned and locked as if nothing happened, once. A panic of the program's own still
//! poisons as std's does.
//!
//! The limits: a lock held when lockcheck panicked whose guard survived that panic (caught by a
//! `catch_unwind` inside the guard's scope) and that a *later* panic of the program poisons is
//! un-poisoned once too; so is a lock built later at the address of such a lock that was
//! dropped without being locked again (instances are addresses). Both need a program panic
//! after a lockcheck panic on the same address, and cost one missed poisoning, never a hang.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

use crate::internal::Internal;

/// Lock instances (`HeldLock::instance`) held by a thread when lockcheck panicked there.
static FORGIVEN: Internal<Vec<usize>> = Internal::new(Vec::new());

/// Lockcheck is about to panic on this thread: the poison its unwinding leaves on the locks the
/// thread holds is lockcheck's, not the program's.
pub(crate) fn violation_unwinding() {
    let held = crate::held::snapshot();
    if held.is_empty() {
        return;
    }
    let mut forgiven = FORGIVEN.lock();
    for h in held {
        if !forgiven.contains(&h.instance) {
            forgiven.push(h.instance);
        }
    }
}

/// Runs a violation callback; if it panics, that panic is the violation's own (see the module
/// docs) and unwinds on.
pub(crate) fn violation_unwinding_if_it_panics(f: impl FnOnce()) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(f)) {
        violation_unwinding();
        resume_unwind(panic);
    }
}

/// Whether the lock at `instance`, found poisoned, was poisoned by lockcheck's own panic: then
/// the caller clears the poison and goes on as if the lock were healthy. Answers `true` once.
/// Asked only on the poisoned path, never on an acquisition's fast path.
pub(crate) fn forgive(instance: usize) -> bool {
    if instance == 0 {
        return false;
    }
    let mut forgiven = FORGIVEN.lock();
    match forgiven.iter().position(|&i| i == instance) {
        Some(at) => {
            forgiven.swap_remove(at);
            true
        }
        None => false,
    }
}

/// std's answer to a blocking acquisition (`result`) with its guard made the flavour's
/// (`make`): poisoned as std's unless `forgive` says lockcheck's own panic poisoned it. Each
/// arm makes its own result around the guard, the shape LLVM builds in place: a guard made once
/// and then wrapped in one of two results, or a result built in a function of its own, went
/// through the stack with a failed store forward on its one-byte poison flag (a nested pair of
/// `lockcheck::sync` mutexes: 21 ns against 15 ns this way, std's 10 ns).
#[inline(always)]
pub(crate) fn keep_poison<G, R>(
    result: LockResult<G>,
    make: impl FnOnce(G) -> R,
    forgive: impl FnOnce() -> bool,
) -> LockResult<R> {
    match result {
        Ok(g) => Ok(make(g)),
        Err(p) => {
            let g = p.into_inner();
            if forgive() {
                Ok(make(g))
            } else {
                Err(PoisonError::new(make(g)))
            }
        }
    }
}

/// Whether the lock at `instance`, found poisoned, was poisoned by lockcheck's own panic; then
/// its poison is cleared with `clear`. Out of line: asked only of a poisoned lock.
#[cold]
#[inline(never)]
pub(crate) fn forgive_clearing(instance: usize, clear: impl FnOnce()) -> bool {
    let forgiven = forgive(instance);
    if forgiven {
        clear();
    }
    forgiven
}

/// A guard just had from a poisoned lock at `instance`: healthy if lockcheck's own panic
/// poisoned it (the poison is cleared with `clear`), poisoned as std's otherwise.
#[cold]
pub(crate) fn poisoned<G>(instance: usize, guard: G, clear: impl FnOnce()) -> LockResult<G> {
    if forgive_clearing(instance, clear) {
        Ok(guard)
    } else {
        Err(PoisonError::new(guard))
    }
}

/// As [`poisoned`], for a `try_lock`.
#[cold]
pub(crate) fn try_poisoned<G>(instance: usize, guard: G, clear: impl FnOnce()) -> TryLockResult<G> {
    poisoned(instance, guard, clear).map_err(TryLockError::Poisoned)
}

/// Whether a lock std says is poisoned (`is_poisoned`) is poisoned by the program: lockcheck's
/// own poison is cleared here.
pub(crate) fn is_poisoned(instance: usize, std_says: bool, clear: impl FnOnce()) -> bool {
    std_says && poisoned(instance, (), clear).is_err()
}
