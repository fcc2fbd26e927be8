//! Waits that are not locks (`wait_class.rs`): the edges they teach the order graph, and the
//! cycles those close.
//!
//! A wait on `W` (a condvar wait, a join, a `recv`) is like an acquisition of `W`'s class that
//! holds nothing after it: while holding `X`, it teaches `X -> W` ([`waiting`]). Its waker (a
//! notify, a `send`) needs what it holds when it wakes: waking `W` while holding `X` teaches
//! `W -> X` ([`waking`]). A `lockcheck::thread` is woken by its own end: its class sits at the
//! bottom of its held stack ([`thread_begins`]), so every lock it takes is ordered after it by
//! the protocol itself (`T -> X`). A cycle
//! through such edges is a wait its waker may never reach: the waiter holds a lock the waker
//! needs first. Both directions are learned in whatever order they happen, so the cycle is
//! found on a run that does not hang, and it goes through the graph's gates, its reported
//! orders and the cross-process merge as any cycle does.
//!
//! Precision first (lockdep's cross-release was removed for its false positives): a wait that
//! can give up (`wait_timeout`, `recv_timeout`, `try_recv`) teaches nothing; a condvar's own
//! mutex is released by the wait, so the waiter never holds it, and once a wait has named it,
//! the notifier holding it is no order at all; a thread's own pseudo-hold (`lockcheck::thread`)
//! is never something a waker "holds"; another lock of the wait's own class (a thread joining
//! one spawned at its own site) is no order either.

use std::cell::Cell;
use std::panic::Location;

use crate::class::LazyClass;
use crate::dispatch;
use crate::graph::{self, ClosingEdge, EdgeInfo, Observed};
use crate::held;
use crate::held_lock::{GateLock, HeldLock};
use crate::internal::Busy;

use super::raise::{gate_opened, report_cycle};

thread_local! {
    /// The instance of this thread's own pseudo-hold (`lockcheck::thread`), 0 when it has none:
    /// a waker never "holds" its thread.
    static THREAD_HOLD: Cell<usize> = const { Cell::new(0) };
}

/// This thread's pseudo-hold is the entry at `instance` (0: none).
fn set_thread_hold(instance: usize) {
    let _ = THREAD_HOLD.try_with(|t| t.set(instance));
}

fn thread_hold() -> usize {
    THREAD_HOLD.try_with(Cell::get).unwrap_or(0)
}

/// A wait on `w` (its acquisition, at the wait's site) that will not give up: an edge
/// `X -> w` for each lock `X` held. Hot path: nothing held, or every such edge already known to
/// this thread: one borrow of the thread's state, no lock, no allocation.
///
/// These edges have no gate: what the waiter holds it holds *while it sleeps*, which is exactly
/// what keeps its waker out, so no lock held across a wait can make a cycle through it harmless
/// (a cycle is gated only when every edge is).
///
/// `released` is a lock instance the wait releases (its condvar's mutex, still on the held
/// stack when the check runs before the wait takes it apart), or 0: it is not ordered before
/// the wait.
#[inline]
#[track_caller]
pub(crate) fn waiting(w: HeldLock, released: usize) {
    if !all_known(&w, Direction::Wait(released), |x| {
        x.key().edge_bits(w.key())
    }) {
        edges_slow(w, Direction::Wait(released));
    }
}

/// Whether this owner may hold a lock: `false` says it holds none, so a waking has no edge to
/// learn. The hot path of every notify: without per-task held sets (the thread's own stack is
/// the owner's), one load, no borrow (a notify with no waiter is a load; a borrow's stores were
/// half its cost); with them, `true` (the owner is asked for in [`holds_beyond`]).
#[inline(always)]
pub(crate) fn may_hold() -> bool {
    #[cfg(not(feature = "tokio"))]
    {
        crate::thread_state::own_stack_may_hold()
    }
    #[cfg(feature = "tokio")]
    {
        true
    }
}

/// Whether this owner holds a lock other than the one at `own` (a condvar's own mutex): a
/// waking by an owner that does not has no edge to learn.
#[inline(always)]
pub(crate) fn holds_beyond(own: usize) -> bool {
    #[cfg(not(feature = "tokio"))]
    {
        crate::thread_state::own_stack_beyond(own)
    }
    #[cfg(feature = "tokio")]
    {
        let Some(s) = held::borrow_state() else {
            return false;
        };
        let beyond = s.held_all().any(|h| h.instance != own);
        beyond
    }
}

/// `w` is woken (notified, sent on) at `w.site` by this owner: an edge `w -> X` for each lock
/// `X` it holds but `own` (a condvar's own mutex: the notifier holding it is the normal way to
/// notify) and its thread's pseudo-hold. Hot path as [`waiting`]'s. These edges keep their gate
/// (the other locks the waker holds), as any order does.
#[inline]
#[track_caller]
pub(crate) fn waking(w: HeldLock, own: usize) {
    if !all_known(&w, Direction::Wake(own), |x| w.key().edge_bits(x.key())) {
        edges_slow(w, Direction::Wake(own));
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// Held locks (but the one at this instance, which the wait releases) before the wait:
    /// `X -> w`.
    Wait(usize),
    /// The wait before the waker's held locks (but the one at this instance, a condvar's own
    /// mutex): `w -> X`.
    Wake(usize),
}

/// Whether a held lock `x` takes part in `w`'s edges: not the wait itself, nor another of its
/// class (a thread joining a thread spawned at its own site), nor the thread's pseudo-hold when
/// waking (a waker never "holds" its thread; a waiter's thread does wait, and its pseudo-hold
/// is ordered before the wait like any lock).
#[inline]
fn takes_part(w: &HeldLock, x: &HeldLock, own: usize, dir: Direction) -> bool {
    x.instance != w.instance
        && x.key() != w.key()
        && match dir {
            Direction::Wait(released) => x.instance != released,
            Direction::Wake(mutex) => x.instance != own && x.instance != mutex,
        }
}

/// Whether every edge between the held locks and `w` is known to this thread (`edge` gives one
/// held lock's edge bits).
#[inline(always)]
fn all_known(w: &HeldLock, dir: Direction, edge: impl Fn(&HeldLock) -> u64) -> bool {
    let Some(s) = held::borrow_state() else {
        return true;
    };
    if s.holds_nothing() {
        return true;
    }
    let own = thread_hold();
    let known = s.held_all().all(|x| {
        !takes_part(w, x, own, dir) || {
            let e = edge(x);
            s.has_learned(e, x.instance) || s.edges().has_refused(e, w.site)
        }
    });
    known
}

/// The edges between `w` and the held locks this thread has not seen accepted, offered to the
/// graph.
#[cold]
#[inline(never)]
#[track_caller]
fn edges_slow(w: HeldLock, dir: Direction) {
    let busy = Busy::enter();
    let own = thread_hold();
    let edge = |x: &HeldLock| match dir {
        Direction::Wait(_) => x.key().edge_bits(w.key()),
        Direction::Wake(_) => w.key().edge_bits(x.key()),
    };
    let Some((held, unknown)) = held::with_state(|s| {
        let held: Vec<HeldLock> = s.held_all().copied().collect();
        let unknown: Vec<HeldLock> = held
            .iter()
            .filter(|x| takes_part(&w, x, own, dir))
            .filter(|x| {
                !s.has_learned(edge(x), x.instance) && !s.edges().has_refused(edge(x), w.site)
            })
            .copied()
            .collect();
        (held, unknown)
    }) else {
        return;
    };
    for x in &unknown {
        offer(&w, x, &held, dir);
    }
    drop(busy);
}

/// The order between `w` and `x`: as the protocol's own orders (`decide.rs`), but a cycle it
/// closes is reported at the wait or the waking (`w`), and a wait's edge has no gate.
#[track_caller]
fn offer(w: &HeldLock, x: &HeldLock, held: &[HeldLock], dir: Direction) {
    let others: Vec<GateLock> = match dir {
        Direction::Wait(_) => Vec::new(),
        Direction::Wake(_) => held
            .iter()
            .filter(|g| g.instance != x.instance)
            .filter_map(HeldLock::as_gate)
            .collect(),
    };
    let (from, to, from_site, to_site) = match dir {
        Direction::Wait(_) => (x.key(), w.key(), x.site, w.site),
        Direction::Wake(_) => (w.key(), x.key(), w.site, x.site),
    };
    let info = EdgeInfo {
        from_site,
        to_site,
        thread: held::thread_name(),
        task: held::task_number(),
        count: 1,
        gate: others.clone(),
    };
    let observed = graph::global().observe(from, to, &others, || info.clone());
    let edge = from.edge_bits(to);
    let learn = |gate: Vec<GateLock>| {
        for g in &gate {
            // SAFETY: `g` is on this owner's held stack: its lock is alive and borrowed.
            unsafe { LazyClass::of_instance(g.instance) }.mark_gate();
        }
        held::with_state(|s| s.edges_mut().learn(edge, gate));
    };
    match observed {
        Observed::Known { gate, opened } => {
            for o in opened {
                gate_opened(w, o);
            }
            learn(gate);
        }
        Observed::Added { gate } | Observed::Gated { gate } => learn(gate),
        Observed::Cycle { path, broken_gate } => {
            let closing = ClosingEdge { from, to, info };
            report_cycle(w, &closing, &path, Vec::new(), broken_gate.as_deref());
            if !dispatch::capturing() {
                held::with_state(|s| s.edges_mut().refuse(edge, w.site));
            }
        }
    }
}

/// A wait's (or a thread's) acquisition of the class in `class`, of kind `kind`, at `site`: its
/// class registered as a wait on first use.
#[inline]
pub(crate) fn wait_acquisition(
    class: &LazyClass,
    kind: crate::wait_class::WaitKind,
    mode: crate::mode::Mode,
    site: &'static Location<'static>,
) -> HeldLock {
    let first = class.cached_id().is_none();
    let a = super::acquisition(class, mode, 0, site, || kind.type_word());
    if first {
        crate::wait_class::register(a.key().class(), kind);
    }
    a
}

/// A `lockcheck::thread` starts: its pseudo-hold `t` (its class, read mode: never a gate, never
/// a lock anyone waits for) goes at the bottom of its held stack, so every lock it takes is
/// ordered after its class (`T -> X`: joining it waits for `X`). Returns what to give
/// [`thread_ends`].
pub(crate) fn thread_begins(t: HeldLock) -> usize {
    let instance = t.instance;
    super::acquire(t, || Some(()), || ());
    let before = thread_hold();
    set_thread_hold(instance);
    before
}

/// The thread's closure returned (or unwound): its pseudo-hold at `instance` goes.
pub(crate) fn thread_ends(instance: usize, before: usize) {
    set_thread_hold(before);
    super::release(instance, 0);
}
