//! The one slow path: an acquisition the thread's edge cache could not clear, decided on the
//! held stack, the learned order and the declared ranks. Every entry of the protocol (blocking,
//! timed, async, re-acquired) comes here and gets one [`Verdict`].

use crate::class::{self, LazyClass};
use crate::graph::{self, ClosingEdge, EdgeInfo, Observed};
use crate::held::{self, ThreadState};
use crate::held_lock::{GateLock, HeldLock};
use crate::internal::Busy;
use crate::mode::Mode;
use crate::rank;
use crate::violation::ViolationKind;

use super::raise::{gate_opened, instance_order, rank_order, refused, report_cycle, same_class};
use super::{make_room, violation};

/// What the acquisition should do after the checks.
#[derive(Clone, Copy, Debug)]
pub(super) enum Verdict {
    /// Acquire as usual, then push the entry.
    Go,
    /// A recursive read: acquire only if it does not block (a writer may be queued).
    TryOnly,
    /// This thread's held stack has an entry for this very lock: either it really holds it
    /// (acquiring would self-deadlock) or the entry is stale, left by a lock that was moved and
    /// freed while its guard was leaked, and a new lock now lives at its address. Try without
    /// blocking: success tells the second case from the first.
    HeldOrStale(HeldLock),
    /// The thread's state is borrowed further up its stack (lockcheck re-entered from a
    /// violation handler): acquire, untracked.
    Untracked,
}

/// What the thread-local pass found; everything else happens with no thread state borrowed.
struct Findings {
    recursive: Option<HeldLock>,
    same_class: Option<HeldLock>,
    /// Other instances of the acquired lock's site class: ordered per instance.
    same_site: Vec<HeldLock>,
    /// Every held lock, for the gates of new edges.
    held: Vec<HeldLock>,
    /// Held locks whose edge into the new lock this thread has not seen accepted yet.
    unknown: Vec<HeldLock>,
}

/// The slow path of every entry: the checks, run busy (they allocate and take the checker's
/// own locks), then room made for the entry the caller pushes after its real acquisition.
#[cold]
#[inline(never)]
#[track_caller]
pub(super) fn slow_path(a: &HeldLock) -> Verdict {
    // Busy for the checks (a guard, not a closure: `decide` is `#[track_caller]` up to here and
    // on to the user's acquisition).
    let busy = Busy::enter();
    let Some(found) = held::with_state(|s| findings(s, a)) else {
        return Verdict::Untracked;
    };
    let verdict = decide(a, found);
    drop(busy);
    make_room();
    verdict
}

fn findings(s: &ThreadState, a: &HeldLock) -> Findings {
    let mut f = Findings {
        recursive: None,
        same_class: None,
        same_site: Vec::new(),
        held: s.held_all().copied().collect(),
        unknown: Vec::new(),
    };
    for h in s.held_all() {
        if h.instance == a.instance {
            f.recursive = Some(*h);
        } else if h.key() == a.key() && !class::class_info(a.key().class()).named {
            f.same_site.push(*h);
        } else if h.key() == a.key() {
            f.same_class = Some(*h);
        } else {
            let edge = h.key().edge_bits(a.key());
            if !s.has_learned(edge, h.instance) && !s.edges().has_refused(edge, a.site) {
                f.unknown.push(*h);
            }
        }
    }
    f
}

#[track_caller]
fn decide(a: &HeldLock, found: Findings) -> Verdict {
    if let Some(h) = found.recursive.filter(|_| !other_future_may_hold(a)) {
        if h.mode() == Mode::Exclusive || a.mode() == Mode::Exclusive {
            return Verdict::HeldOrStale(h);
        }
        super::raise(violation(
            ViolationKind::RecursiveLock {
                held: crate::violation::LockUse::of(&h),
            },
            crate::violation::LockUse::of(a),
        ));
        return Verdict::TryOnly;
    }
    if let Some(h) = found.same_class {
        same_class(a, &h);
    }
    for h in &found.same_site {
        instance_order(h, a);
    }
    let ranks = rank::rank_table();
    for h in &found.unknown {
        order(a, h, &found.held, ranks.as_deref());
    }
    Verdict::Go
}

/// Whether the held entry this async acquisition finds for its own lock may be another
/// future's of the same owner: in a tokio task (or on a thread running an executor) several
/// futures run at once (`join!`, `select!`, `FuturesUnordered`), and lockcheck sees only the
/// task. Then the acquisition is no recursion: it waits, as tokio's lock would, and the
/// wait-for graph watches the wait. A checked future (`.checked()`) is one future: its held set
/// is exact, and a lock it holds taken again is refused as on a thread.
fn other_future_may_hold(a: &HeldLock) -> bool {
    #[cfg(feature = "tokio")]
    {
        a.is_async_lock() && !matches!(held::owner_id(), crate::waits::Owner::Future(_))
    }
    #[cfg(not(feature = "tokio"))]
    {
        let _ = a;
        false
    }
}

/// The order `h -> a`, which this thread has not seen accepted: offered to the graph and the
/// rank table; learned by the thread when both accept it.
#[track_caller]
fn order(a: &HeldLock, h: &HeldLock, held: &[HeldLock], ranks: Option<&crate::RankTable>) {
    let broken = rank::broken_by(ranks, h.key(), a.key());
    // The other lock instances held exclusively at this observation: the edge's gate can only
    // be among them (a read hold, or another lock of a class, is no gate).
    let others: Vec<GateLock> = held
        .iter()
        .filter(|g| g.instance != h.instance && g.instance != a.instance)
        .filter_map(HeldLock::as_gate)
        .collect();

    let thread = held::thread_name();
    let task = held::task_number();
    let observed = graph::global().observe(h.key(), a.key(), &others, || EdgeInfo {
        from_site: h.site,
        to_site: a.site,
        thread,
        task,
        count: 1,
        gate: others.clone(),
    });
    let edge = h.key().edge_bits(a.key());
    let learn = |gate: Vec<GateLock>| {
        for g in &gate {
            // Dropped, it must leave every gate it is in.
            // SAFETY: `g` is on this owner's held stack: its lock is alive and borrowed.
            unsafe { LazyClass::of_instance(g.instance) }.mark_gate();
        }
        held::with_state(|s| s.edges_mut().learn(edge, gate))
    };
    match observed {
        Observed::Known { gate, opened } => {
            for o in opened {
                gate_opened(a, o);
            }
            if broken.is_empty() {
                learn(gate);
            } else {
                rank_order(h, a, broken);
                refused(h, a);
            }
        }
        Observed::Added { gate } if broken.is_empty() => {
            learn(gate);
            // First learned anywhere: the stack says which helper took it (`callers.rs`).
            crate::callers::order_learned(a.site);
        }
        Observed::Added { .. } => {
            rank_order(h, a, broken);
            refused(h, a);
        }
        // Harmless while every cycle it closes is guarded by a lock held at every observation
        // of its orders (a gate): known to this thread under it.
        Observed::Gated { gate } => {
            learn(gate);
        }
        Observed::Cycle { path, broken_gate } => {
            let closing = ClosingEdge {
                from: h.key(),
                to: a.key(),
                info: EdgeInfo {
                    from_site: h.site,
                    to_site: a.site,
                    thread,
                    task,
                    count: 1,
                    gate: others,
                },
            };
            report_cycle(a, &closing, &path, broken, broken_gate.as_deref());
            refused(h, a);
        }
    }
}
