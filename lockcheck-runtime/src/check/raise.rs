//! The violations the protocol decides on, built and handed to the dispatch: cycles (with their
//! edges named and deduplicated), rank orders, recursive and same-class acquisitions, freed held
//! locks; and the ones others ask for (a broken contract, a task yielding with blocking locks
//! held).

use std::borrow::Cow;
use std::panic::Location;

use crate::class::{self, LazyClass};
use crate::dispatch;
use crate::graph::{ClosingEdge, Opened, Path};
use crate::held;
use crate::held_lock::{GateLock, HeldLock};
use crate::instances::{self, InstanceEdge, Learned};
use crate::reported;
use crate::site::Site;
use crate::violation::{BrokenGate, LockUse, OrderEdge, Violation, ViolationKind};

use super::violation;

/// Hands a violation to the dispatch (`dispatch.rs`): the one way out of the checker. Called
/// with no checker state borrowed and no internal lock held. A panic it raises points at the
/// first caller that is not `#[track_caller]`: the user's acquisition.
#[track_caller]
pub(crate) fn raise(v: Violation) {
    dispatch::raise(v);
}

/// A recursive acquisition of `h`, held, by `a`.
#[cold]
#[track_caller]
pub(super) fn recursive_lock(a: &HeldLock, h: &HeldLock) {
    raise(violation(
        ViolationKind::RecursiveLock {
            held: LockUse::of(h),
        },
        LockUse::of(a),
    ));
}

/// `a` taken while `h`, another lock of its named class, is held (lockdep's "possible recursive
/// locking").
#[cold]
#[track_caller]
pub(super) fn same_class(a: &HeldLock, h: &HeldLock) {
    raise(violation(
        ViolationKind::SameClass {
            held: LockUse::of(h),
        },
        LockUse::of(a),
    ));
}

/// A lock dropped while this thread held it (its entry `h`).
#[cold]
#[inline(never)]
pub(super) fn held_lock_freed(h: HeldLock) {
    raise(violation(ViolationKind::HeldLockFreed, LockUse::of(&h)));
}

/// The edge `h -> a` was just reported at `a`'s site (a cycle it closes, a rank it breaks) and
/// the action let the thread go on (`Log`, a callback): the thread remembers the pair at that
/// site, so the next acquisitions there skip the global graph (whose answer would only be a
/// report already made once per process). The same pair at another place is still asked about:
/// it may be a report of its own. Not under a capture, which wants every occurrence (and drops
/// what the thread remembers when it starts, for the same reason).
pub(super) fn refused(h: &HeldLock, a: &HeldLock) {
    if !dispatch::capturing() {
        let edge = h.key().edge_bits(a.key());
        held::with_state(|s| s.edges_mut().refuse(edge, a.site));
    }
}

/// A rank-order violation: `a` taken while `h` is held, against the declared ranks.
#[track_caller]
pub(super) fn rank_order(
    h: &HeldLock,
    a: &HeldLock,
    declared: Vec<lockcheck_ranks::DeclaredOrder>,
) {
    raise(violation(
        ViolationKind::RankOrder {
            held: LockUse::of(h),
            declared,
        },
        LockUse::of(a),
    ));
}

/// The gate that every earlier observation held, broken by the acquisition at `site`.
fn broken_gate(gate: &[GateLock], site: &'static Location<'static>) -> BrokenGate {
    BrokenGate {
        locks: gate.iter().map(|g| class::key_name(g.key)).collect(),
        site: Site::from(site),
        thread: held::thread_label(),
    }
}

/// A kept gated cycle that the acquisition `a` just left unguarded (it took a learned edge
/// without a lock of its gate): real now, and reported.
#[cold]
#[track_caller]
pub(super) fn gate_opened(a: &HeldLock, opened: Opened) {
    let gate = broken_gate(&opened.closing.info.gate, a.site);
    report_cycle_with(a, &opened.closing, &opened.path, Vec::new(), Some(gate));
}

/// Reports the cycle closed by `closing` through the learned `path` back, found at the
/// acquisition `a`; `broken_gate`: the gate every earlier observation of `closing` held, which
/// this one broke.
#[track_caller]
pub(super) fn report_cycle(
    a: &HeldLock,
    closing: &ClosingEdge,
    path: &Path,
    declared: Vec<lockcheck_ranks::DeclaredOrder>,
    broken_gate_keys: Option<&[GateLock]>,
) {
    let gate = broken_gate_keys.map(|g| broken_gate(g, a.site));
    report_cycle_with(a, closing, path, declared, gate);
}

/// Reports a cycle. A cycle already reported costs its detection only, not a second report of
/// thousands of edges (unless a capture on this thread wants every occurrence).
#[track_caller]
fn report_cycle_with(
    a: &HeldLock,
    closing: &ClosingEdge,
    path: &Path,
    declared: Vec<lockcheck_ranks::DeclaredOrder>,
    broken_gate: Option<BrokenGate>,
) {
    let (from, to, info) = (closing.from, closing.to, &closing.info);
    let edges = path.iter().map(|(f, t, _)| f.edge_bits(*t));
    let capturing = dispatch::capturing();
    // An inversion already reported at this place is not reported again; a cycle with the same
    // edges found at another place is not either.
    let first = reported::first_sight_of_inversion(
        from.edge_bits(to),
        info.to_site,
        path.iter().map(|(f, _, _)| f.as_u32()),
        capturing,
    ) && reported::first_sight_of_cycle(edges.chain([from.edge_bits(to)]), capturing);
    if !first && !capturing {
        dispatch::refuse_repeat(|| {
            format!(
                "to {} `{}` at {} while holding `{}`",
                a.mode().verb(),
                class::key_name(to),
                Site::from(a.site),
                class::key_name(from)
            )
        });
        return;
    }
    // The cycle's edges: the closing one, then the existing path back; every name read from the
    // class table in one go (a cycle can be thousands of edges long), and borrowed, not copied.
    let mut cycle = Vec::with_capacity(path.len() + 1);
    class::with_key_names(|name| {
        cycle.push(OrderEdge {
            from: name(from),
            to: name(to),
            site: Site::from(info.to_site),
            from_site: Site::from(info.from_site),
            thread: Cow::Borrowed(info.thread),
            task: info.task,
        });
        cycle.extend(path.iter().map(|(from, to, info)| OrderEdge {
            from: name(*from),
            to: name(*to),
            site: Site::from(info.to_site),
            from_site: Site::from(info.from_site),
            thread: Cow::Borrowed(info.thread),
            task: info.task,
        }));
    });
    dispatch::raise_seen(
        violation(
            ViolationKind::OrderCycle {
                cycle,
                declared,
                broken_gate,
            },
            LockUse::of(a),
        ),
        first,
    );
}

/// Learns the order between two instances of one site class (`held` then `a`); an inversion of
/// an order learned earlier between them is a cycle, reported with both sites.
#[cold]
#[track_caller]
pub(super) fn instance_order(held: &HeldLock, a: &HeldLock) {
    let thread = held::thread_name();
    let edge = InstanceEdge {
        from: held.instance,
        to: a.instance,
        from_site: held.site,
        to_site: a.site,
        thread,
    };
    let path = match instances::learn(edge) {
        Learned::Consistent => {
            // The order goes when the lock being acquired is dropped (every instance order is
            // into a lock that was acquired, so each is forgotten with it).
            // SAFETY: `a` is the acquisition in progress: the caller borrows its lock.
            unsafe { LazyClass::of_instance(a.instance) }.mark_instance_ordered();
            return;
        }
        Learned::Inversion(path) => path,
    };
    // Known by its sites: instances are addresses, which are reused.
    let site_word = |e: &InstanceEdge| {
        (e.from_site as *const Location<'static> as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (e.to_site as *const Location<'static> as u64)
    };
    let all: Vec<InstanceEdge> = std::iter::once(edge).chain(path).collect();
    let capturing = dispatch::capturing();
    let first = reported::first_sight_of_cycle(all.iter().map(site_word), capturing);
    if !first && !capturing {
        dispatch::refuse_repeat(|| {
            format!(
                "to {} another `{}` at {} while holding one",
                a.mode().verb(),
                class::key_name(a.key()),
                Site::from(a.site)
            )
        });
        return;
    }
    // Instances are told apart by their place in the cycle: `#1`, `#2`, ...
    let class = class::key_name(a.key());
    let mut order: Vec<usize> = Vec::new();
    let mut label = |addr: usize| -> Cow<'static, str> {
        let n = match order.iter().position(|&x| x == addr) {
            Some(i) => i + 1,
            None => {
                order.push(addr);
                order.len()
            }
        };
        Cow::Owned(format!("{class} #{n}"))
    };
    let cycle = all
        .iter()
        .map(|e| OrderEdge {
            from: label(e.from),
            to: label(e.to),
            site: Site::from(e.to_site),
            from_site: Site::from(e.from_site),
            thread: Cow::Borrowed(e.thread),
            task: None,
        })
        .collect();
    dispatch::raise_seen(
        violation(
            ViolationKind::OrderCycle {
                cycle,
                declared: Vec::new(),
                broken_gate: None,
            },
            LockUse::of(a),
        ),
        first,
    );
}

/// A broken lock contract (`contract.rs` found it): `acquiring` is the contract's lock as
/// named, where it was checked.
#[cold]
pub(crate) fn contract_broken(kind: ViolationKind, acquiring: LockUse) {
    raise(violation(kind, acquiring));
}

/// The current owner (a checked future) yields at an `.await`: the blocking locks (every
/// lockcheck lock but an async one) it still holds are reported.
#[cfg(feature = "tokio")]
pub(crate) fn task_yielded() {
    let held = held::with_state(|s| {
        s.held()
            .iter()
            .copied()
            .filter(|h| !h.is_async_lock())
            .collect::<Vec<_>>()
    })
    .unwrap_or_default();
    if let Some(first) = held.first() {
        raise(super::violation_holding(
            ViolationKind::HeldAcrossAwait,
            LockUse::of(first),
            &held,
        ));
    }
}
