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

/// Registers `w` as waiting, unless its wait closes a cycle of waiters: then the cycle, `w`'s
/// step first (`w` is not registered). A waiter registered must [`end`] its wait.
pub(crate) fn begin(w: Waiter) -> Result<(), Vec<Step>> {
    let mut waiters = WAITERS.lock();
    if let Some(cycle) = cycle_from(&waiters, &w) {
        return Err(cycle);
    }
    waiters.push(w);
    Ok(())
}

/// The wait of `owner` on `instance` is over (the lock was had, or the wait cancelled).
pub(crate) fn end(owner: Owner, instance: usize) {
    let mut waiters = WAITERS.lock();
    if let Some(at) = waiters
        .iter()
        .position(|w| w.owner == owner && w.wants.instance == instance)
    {
        waiters.swap_remove(at);
    }
}

/// How many owners wait now (for tests).
#[cfg(test)]
fn waiting() -> usize {
    WAITERS.lock().len()
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
                if v.owner == new.owner {
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

    fn waiter(owner: u64, wants: HeldLock, holds: &[HeldLock]) -> Waiter {
        Waiter {
            owner: Owner::Thread(owner),
            label: format!("t{owner}"),
            wants,
            holds: holds.to_vec(),
        }
    }

    /// ABBA: the second owner to wait closes the cycle and is told, with both steps; a third
    /// owner waiting on either lock without holding the other is no cycle.
    #[test]
    fn the_owner_that_closes_a_cycle_of_waiters_is_told() {
        let (a, b) = (1001, 1002);
        let x = Mode::Exclusive;
        assert!(begin(waiter(1, lock(b, x), &[lock(a, x)])).is_ok());
        assert!(
            begin(waiter(3, lock(a, x), &[])).is_ok(),
            "waits, holds nothing"
        );
        let cycle = begin(waiter(2, lock(a, x), &[lock(b, x)])).unwrap_err();
        assert_eq!(cycle.len(), 2);
        assert_eq!(cycle[0].label, "t2");
        assert_eq!(cycle[0].wants.instance, a);
        assert_eq!(cycle[0].blocked_by.instance, a);
        assert_eq!(cycle[1].label, "t1");
        assert_eq!(cycle[1].wants.instance, b);
        assert_eq!(cycle[1].blocked_by.instance, b);
        end(Owner::Thread(1), b);
        end(Owner::Thread(3), a);
        assert_eq!(waiting(), 0);
    }

    /// Three owners in a ring; and read holds do not block reads.
    #[test]
    fn longer_cycles_and_shared_holds() {
        let (a, b, c) = (2001, 2002, 2003);
        let (x, s) = (Mode::Exclusive, Mode::Shared);
        assert!(begin(waiter(11, lock(b, x), &[lock(a, x)])).is_ok());
        assert!(begin(waiter(12, lock(c, x), &[lock(b, x)])).is_ok());
        assert_eq!(
            begin(waiter(13, lock(a, x), &[lock(c, x)]))
                .unwrap_err()
                .len(),
            3
        );
        end(Owner::Thread(11), b);
        end(Owner::Thread(12), c);
        // Both read `d` while waiting to read what the other reads: nothing blocks.
        let (d, e) = (2004, 2005);
        assert!(begin(waiter(14, lock(e, s), &[lock(d, s)])).is_ok());
        assert!(begin(waiter(15, lock(d, s), &[lock(e, s)])).is_ok());
        end(Owner::Thread(14), e);
        end(Owner::Thread(15), d);
    }
}
