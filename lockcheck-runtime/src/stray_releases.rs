//! Releases made away from the owner that holds the entry: a guard moved to another task (sent
//! through a channel, carried by a spawned task's output) and dropped there. The releasing owner
//! cannot touch the holder's stack (another thread may be working on it), so the release waits
//! here, naming the holder, until the holder next works on its held set out of the fast path
//! (`held::with_state`: every slow path, query and report goes through it) and drops the entry
//! itself. A stale entry can never make a report before that: the fast path only confirms orders
//! already accepted.
//!
//! Bounded: a task that ended with its entries all released elsewhere is swept with its stack
//! (`task.rs`), a checked future's records go with the future, a thread's at its exit.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::internal::Internal;
use crate::task_held::TaskHeld;

/// Whose held set has a guard's entry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Holder {
    /// A thread's own, by its number (never reused).
    Thread(u64),
    /// A task's or a checked future's, by the address of its `TaskHeld` (records for it are
    /// forgotten when it goes: `forget`).
    Held(usize),
}

impl Holder {
    /// The owner the last lock operation on this thread worked for.
    #[inline(always)]
    pub(crate) fn last() -> Holder {
        let held = crate::thread_state::last_owner();
        if held.is_null() {
            Holder::Thread(crate::thread_state::thread_number())
        } else {
            Holder::Held(held as usize)
        }
    }

    /// A task's or checked future's held set.
    pub(crate) fn of(held: *const TaskHeld) -> Holder {
        Holder::Held(held as usize)
    }

    /// The holder as one word, never 0, for a guard to carry (written whole: a guard built
    /// with a one-byte tag and then moved would make the move's wide load wait on a failed
    /// store forward). A thread's number is odd, a `TaskHeld`'s address even.
    #[inline(always)]
    pub(crate) fn to_word(self) -> usize {
        match self {
            Holder::Thread(n) => ((n as usize) << 1) | 1,
            Holder::Held(at) => at,
        }
    }

    /// The holder [`to_word`](Self::to_word) gave; `None` for 0.
    #[inline(always)]
    pub(crate) fn from_word(word: usize) -> Option<Holder> {
        match word {
            0 => None,
            w if w & 1 == 1 => Some(Holder::Thread((w >> 1) as u64)),
            at => Some(Holder::Held(at)),
        }
    }
}

/// The releases waiting for their holder: (holder, lock instance).
static STRAY: Internal<Vec<(Holder, usize)>> = Internal::new(Vec::new());
/// How many there are: read on the slow paths so that none of them locks `STRAY` in vain.
static COUNT: AtomicUsize = AtomicUsize::new(0);

/// Whether any release waits for its holder.
#[inline]
pub(crate) fn any() -> bool {
    COUNT.load(Ordering::Acquire) != 0
}

/// The entry of `instance` held by `holder` was released by another owner.
#[cold]
pub(crate) fn record(holder: Holder, instance: usize) {
    let mut stray = STRAY.lock();
    stray.push((holder, instance));
    COUNT.store(stray.len(), Ordering::Release);
}

/// Takes the releases waiting for `holder`: the instances whose entries it must drop.
#[cold]
pub(crate) fn take(holder: Holder) -> Vec<usize> {
    let mut stray = STRAY.lock();
    let mut mine = Vec::new();
    stray.retain(|&(h, instance)| {
        let is_mine = h == holder;
        if is_mine {
            mine.push(instance);
        }
        !is_mine
    });
    COUNT.store(stray.len(), Ordering::Release);
    mine
}

/// How many releases wait for each task's or checked future's held set, by its address (the
/// sweeper's question: are all of an idle task's entries released elsewhere?).
pub(crate) fn per_held_set() -> crate::hasher::KeyMap<usize, usize> {
    let mut counts = crate::hasher::KeyMap::default();
    if any() {
        for (holder, _) in STRAY.lock().iter() {
            if let Holder::Held(at) = holder {
                *counts.entry(*at).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// `holder` is gone (a checked future dropped, a thread ended, a task swept): what waited for
/// it goes too.
#[cold]
pub(crate) fn forget(holder: Holder) {
    if any() {
        drop(take(holder));
    }
}
