//! The wait-for graph: who is waiting, for which lock instance, holding what — so a real
//! deadlock is said at the acquisition that closes it, before that owner parks.
//!
//! A learned-order cycle is a *possible* deadlock, reported once. Once reported, the same orders
//! taken again at the same moment by two owners (under `Log`, or after a thread pool caught the
//! first panic) deadlock for real. parking_lot's `deadlock_detection` finds those after the fact,
//! from a background thread; here the owner about to wait looks, under one lock, for the cycle
//! its wait would close: it waits for a lock held by an owner that waits, directly or through
//! others, for a lock it holds.
//!
//! Only contended acquisitions come here (the lock was not had at once, nor after a short spin):
//! every owner in a deadlock is waiting, so the registered waiters, each with the held set it
//! had when it started to wait (stable while it waits), are all the graph needs. The owner that
//! closes the cycle is the last to register, and registration and search happen under one lock:
//! two owners closing a cycle together cannot both miss it. Owners are threads, tokio tasks and
//! checked futures: whoever owns the held set.
//!
//! A hold blocks a wait when either is exclusive (a read waiting for a read goes on); a writer
//! queued in front of a reader (std's and tokio's locks) is itself a waiter in the graph.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::held_lock::HeldLock;
use crate::internal::Internal;
use crate::mode::Mode;

/// Whose wait it is: the owner of a held set.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Owner {
    /// A thread, by a number of lockcheck's own (never reused).
    Thread(u64),
    /// A tokio task (feature `tokio`).
    #[cfg(feature = "tokio")]
    Task(tokio::task::Id),
    /// A checked future being polled (feature `tokio`), by the address of its held set.
    #[cfg(feature = "tokio")]
    Future(usize),
}

/// One owner waiting.
pub(crate) struct Waiter {
    pub(crate) owner: Owner,
    /// Its name in reports (thread, and task).
    pub(crate) label: String,
    /// The acquisition it waits on.
    pub(crate) wants: HeldLock,
    /// What it holds meanwhile (its held set, without `wants`).
    pub(crate) holds: Vec<HeldLock>,
    /// Set when the wait is over: the entry is then dead, and swept at the next registration
    /// (ending a wait takes no lock: see [`begin`]).
    pub(crate) over: Arc<AtomicBool>,
}

/// One owner of a deadlock: it waits for `wants`, which the next owner holds as `blocked_by`.
pub(crate) struct Step {
    pub(crate) label: String,
    pub(crate) wants: HeldLock,
    pub(crate) blocked_by: HeldLock,
}

static WAITERS: Internal<Vec<Waiter>> = Internal::new(Vec::new());

/// Whether `held` keeps `wants` waiting: one lock instance, and either side exclusive.
fn blocks(held: &HeldLock, wants: &HeldLock) -> bool {
    held.instance == wants.instance
        && (held.mode() == Mode::Exclusive || wants.mode() == Mode::Exclusive)
}

/// How a registration went.
pub(crate) enum Begun {
    /// `w` waits, registered: set its `over` flag when the wait ends.
    Waiting,
    /// Its wait would close this cycle of waiters, `w`'s step first (`w` is not registered).
    Cycle(Vec<Step>),
    /// The table was busy (another owner registering): `w` waits unregistered.
    Busy,
}

/// Registers `w` as waiting, unless its wait closes a cycle of waiters.
///
/// The waiter may hold a lock a thread inside the table's lock needs (a checked lock in a
/// `#[global_allocator]`, and that thread allocating): so it never waits for the table. It
/// tries the table's lock a few times and, when it stays taken, waits unregistered (a deadlock
/// it closes is then not seen; one closed after it still is, by the owner that closes it, as
/// long as this one does not close it). Ending a wait takes no lock at all.
pub(crate) fn begin(w: Waiter) -> Begun {
    let mut waiters = None;
    for _ in 0..64 {
        waiters = WAITERS.try_lock();
        if waiters.is_some() {
            break;
        }
        std::hint::spin_loop();
    }
    let Some(mut waiters) = waiters else {
        return Begun::Busy;
    };
    waiters.retain(|v| !v.over.load(Ordering::Acquire));
    if let Some(cycle) = cycle_from(&waiters, &w) {
        return Begun::Cycle(cycle);
    }
    waiters.push(w);
    Begun::Waiting
}

/// The wait that `over` belongs to is over (the lock was had, or the wait cancelled).
pub(crate) fn end(over: &AtomicBool) {
    over.store(true, Ordering::Release);
}

/// A cycle of waiters that `new` would close, depth-first from it: `new` waits for a lock held
/// by waiter `v1`, which waits for one held by `v2`, ..., which waits for one `new` holds.
fn cycle_from(waiters: &[Waiter], new: &Waiter) -> Option<Vec<Step>> {
    // The path so far: indices into `waiters`, and the hold of each that blocks the one before.
    let mut path: Vec<(usize, HeldLock)> = Vec::new();
    let mut visited = vec![false; waiters.len()];
    // Depth-first with an explicit stack of (depth, waiter, its blocking hold).
    let mut stack: Vec<(usize, usize, HeldLock)> = Vec::new();
    let push_blockers =
        |stack: &mut Vec<(usize, usize, HeldLock)>, depth: usize, wants: &HeldLock| {
            for (i, v) in waiters.iter().enumerate() {
                if v.owner == new.owner || v.over.load(Ordering::Acquire) {
                    continue;
                }
                if let Some(h) = v.holds.iter().find(|h| blocks(h, wants)) {
                    stack.push((depth, i, *h));
                }
            }
        };
    push_blockers(&mut stack, 0, &new.wants);
    while let Some((depth, i, hold)) = stack.pop() {
        path.truncate(depth);
        if visited[i] {
            continue;
        }
        visited[i] = true;
        path.push((i, hold));
        let v = &waiters[i];
        if let Some(mine) = new.holds.iter().find(|h| blocks(h, &v.wants)) {
            // Closed: `new` holds what the last waiter of the path waits for.
            let mut steps = Vec::with_capacity(path.len() + 1);
            steps.push(Step {
                label: new.label.clone(),
                wants: new.wants,
                blocked_by: path[0].1,
            });
            for (k, &(j, _)) in path.iter().enumerate() {
                let blocked_by = path.get(k + 1).map_or(*mine, |next| next.1);
                steps.push(Step {
                    label: waiters[j].label.clone(),
                    wants: waiters[j].wants,
                    blocked_by,
                });
            }
            return Some(steps);
        }
        push_blockers(&mut stack, depth + 1, &v.wants);
    }
    None
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;
    use crate::key::{ClassId, LockKey};

    fn lock(instance: usize, mode: Mode) -> HeldLock {
        HeldLock::new(
            instance,
            LockKey::new(ClassId::for_test(instance as u32), 0),
            mode,
            Location::caller(),
        )
    }

    fn waiter(owner: u64, wants: HeldLock, holds: &[HeldLock]) -> (Waiter, Arc<AtomicBool>) {
        let over = Arc::new(AtomicBool::new(false));
        let w = Waiter {
            owner: Owner::Thread(owner),
            label: format!("t{owner}"),
            wants,
            holds: holds.to_vec(),
            over: Arc::clone(&over),
        };
        (w, over)
    }

    fn waits(w: (Waiter, Arc<AtomicBool>)) -> Arc<AtomicBool> {
        assert!(matches!(begin(w.0), Begun::Waiting));
        w.1
    }

    fn cycle(w: (Waiter, Arc<AtomicBool>)) -> Vec<Step> {
        match begin(w.0) {
            Begun::Cycle(c) => c,
            _ => panic!("no cycle"),
        }
    }

    /// ABBA: the second owner to wait closes the cycle and is told, with both steps; a third
    /// owner waiting on either lock without holding the other is no cycle.
    #[test]
    fn the_owner_that_closes_a_cycle_of_waiters_is_told() {
        let (a, b) = (1001, 1002);
        let x = Mode::Exclusive;
        let t1 = waits(waiter(1, lock(b, x), &[lock(a, x)]));
        let t3 = waits(waiter(3, lock(a, x), &[])); // waits, holds nothing
        let cycle = cycle(waiter(2, lock(a, x), &[lock(b, x)]));
        assert_eq!(cycle.len(), 2);
        assert_eq!(cycle[0].label, "t2");
        assert_eq!(cycle[0].wants.instance, a);
        assert_eq!(cycle[0].blocked_by.instance, a);
        assert_eq!(cycle[1].label, "t1");
        assert_eq!(cycle[1].wants.instance, b);
        assert_eq!(cycle[1].blocked_by.instance, b);
        end(&t1);
        end(&t3);
        // An ended wait is no waiter: the same wait again closes nothing.
        let t2 = waits(waiter(2, lock(a, x), &[lock(b, x)]));
        end(&t2);
    }

    /// Three owners in a ring; and read holds do not block reads.
    #[test]
    fn longer_cycles_and_shared_holds() {
        let (a, b, c) = (2001, 2002, 2003);
        let (x, s) = (Mode::Exclusive, Mode::Shared);
        let t11 = waits(waiter(11, lock(b, x), &[lock(a, x)]));
        let t12 = waits(waiter(12, lock(c, x), &[lock(b, x)]));
        assert_eq!(cycle(waiter(13, lock(a, x), &[lock(c, x)])).len(), 3);
        end(&t11);
        end(&t12);
        // Both read `d` while waiting to read what the other reads: nothing blocks.
        let (d, e) = (2004, 2005);
        let t14 = waits(waiter(14, lock(e, s), &[lock(d, s)]));
        let t15 = waits(waiter(15, lock(d, s), &[lock(e, s)]));
        end(&t14);
        end(&t15);
    }
}
