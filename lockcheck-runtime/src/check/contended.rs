//! A blocking acquisition that did not get its lock at once: a short spin, then a wait the
//! wait-for graph knows of (`waits.rs`). A wait that would close a cycle of waiters is a real
//! deadlock: reported before this owner parks, and the action applied (under the default one, a
//! panic: it unwinds this owner's guards and frees the others). The uncontended path never
//! comes here.

use crate::held;
use crate::held_lock::HeldLock;
use crate::internal::Busy;
use crate::violation::{LockUse, ViolationKind, WaitStep};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::waits::{self, Begun, Step, Waiter};

use super::{after_acquire, raise, release_entry, violation};

/// Tries before a wait is registered: most contention is a short critical section elsewhere,
/// and std's own lock spins about as long before it parks.
const SPINS: u32 = 64;

/// Ends a registered wait, on return and on unwind alike (or when a waiting future is
/// cancelled).
pub(crate) struct Registered(Arc<AtomicBool>);

impl Drop for Registered {
    fn drop(&mut self) {
        waits::end(&self.0);
    }
}

/// As [`contended`], for an acquisition whose entry is on the held stack already (the fast
/// path pushed it): the entry is read back from there.
#[cold]
#[inline(never)]
#[track_caller]
pub(super) fn pushed<G>(
    instance: usize,
    try_now: impl FnMut() -> Option<G>,
    wait: impl FnOnce() -> G,
) -> G {
    let entry = held::with_state(|s| s.latest(instance).copied()).flatten();
    match entry {
        Some(a) => contended(&a, try_now, wait),
        None => wait(),
    }
}

/// The acquisition `a` found its lock taken: spin, then wait as a known waiter. `try_now`
/// takes the lock if it is free; `wait` waits for it.
#[cold]
#[inline(never)]
#[track_caller]
pub(super) fn contended<G>(
    a: &HeldLock,
    mut try_now: impl FnMut() -> Option<G>,
    wait: impl FnOnce() -> G,
) -> G {
    for _ in 0..SPINS {
        std::hint::spin_loop();
        if let Some(g) = try_now() {
            return g;
        }
    }
    match register(a) {
        Some(Ok(registered)) => {
            let g = wait();
            drop(registered);
            g
        }
        Some(Err(cycle)) => {
            // This owner's entry for `a` (pushed before the wait on the fast path) goes first:
            // a panic must leave nothing stale behind.
            let pushed = release_entry(a.instance);
            deadlock(a, cycle);
            // The action let this owner go on (`Log`, a callback): it waits as it asked to,
            // on a deadlock that has been said.
            if let Some(h) = pushed {
                after_acquire(&h);
            }
            wait()
        }
        None => wait(),
    }
}

/// An async acquisition (`lockcheck::tokio`) found its lock taken: the task waits as a waiter
/// the wait-for graph knows (until the returned value is dropped). A wait that would close a
/// cycle of waiters is a deadlock, reported first; under the default action the task panics.
#[cfg(feature = "tokio")]
#[track_caller]
pub(crate) fn async_contended(a: &HeldLock) -> Option<Registered> {
    match register(a)? {
        Ok(registered) => Some(registered),
        Err(cycle) => {
            let pushed = release_entry(a.instance);
            deadlock(a, cycle);
            if let Some(h) = pushed {
                after_acquire(&h);
            }
            None
        }
    }
}

/// Registers this owner as waiting for `a`, holding what it holds; `Err`: the wait would close
/// a cycle of waiters. `None`: not checked (the checker's own state is in use on this thread).
fn register(a: &HeldLock) -> Option<Result<Registered, Vec<Step>>> {
    let busy = Busy::enter();
    let owner = held::owner_id();
    let holds: Vec<HeldLock> = held::with_state(|s| {
        s.held_all()
            .copied()
            .filter(|h| h.instance != a.instance)
            .collect()
    })?;
    let over = Arc::new(AtomicBool::new(false));
    let waiter = Waiter {
        owner,
        label: held::thread_label(),
        wants: *a,
        holds,
        over: Arc::clone(&over),
    };
    let begun = waits::begin(waiter);
    drop(busy);
    match begun {
        Begun::Waiting => Some(Ok(Registered(over))),
        Begun::Cycle(cycle) => Some(Err(cycle)),
        Begun::Busy => None,
    }
}

/// A deadlock: `cycle` starts with this owner's wait for `a`.
#[cold]
#[track_caller]
pub(super) fn deadlock(a: &HeldLock, cycle: Vec<Step>) {
    let waits = cycle
        .iter()
        .map(|s| WaitStep {
            owner: s.label.clone(),
            waits_for: LockUse::of(&s.wants),
            held_by_next: LockUse::of(&s.blocked_by),
        })
        .collect();
    raise(violation(ViolationKind::Deadlock { waits }, LockUse::of(a)));
}
