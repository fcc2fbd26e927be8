//! The acquire/release protocol: held stack + order graph + rank table → violations.
//!
//! A blocking acquisition goes through [`acquire`], which wraps the real acquisition: every check
//! runs *before* the thread can block, so a potential deadlock is reported on a run that never
//! deadlocks. The lock is recorded on the thread's held stack right before the real acquisition
//! on the fast path and right after it on the slow path (nothing else runs on this thread in
//! between either way). On guard drop, after the real release, [`release`] pops it. `try_*`
//! acquisitions go through [`try_acquire`]: they cannot block, so they add no edge into the lock
//! they take, but the lock is held, and orders from it are learned.
//!
//! The common cases touch only the thread-local state, no global lock and no allocation, and are
//! inlined at the call site ([`check_and_push`]): nothing held (a push), and every edge from the
//! held locks already known to this thread (one probe of its edge cache per held lock, then a
//! push). Everything else is out of line, in [`acquire_checked`]. The bookkeeping stays outside
//! the critical section: on a contended lock, work between acquiring and releasing keeps the
//! lock's cache line away from the other cores for longer.

use std::borrow::Cow;
use std::panic::Location;

use crate::class::{self, ClassId, LazyClass, LockKey, MAX_SUBCLASSES};
use crate::gates::{self, GatedCycle};
use crate::graph::{self, EdgeInfo, Insert};
use crate::held::{self, HeldLock, Mode};
use crate::instances::{self, InstanceEdge, Learned};
use crate::internal::{busy, Busy};
use crate::violation::{
    self, raise, BrokenGate, LockUse, OrderEdge, Site, Violation, ViolationKind,
};
use crate::{rank, report};

/// The acquisition of the lock whose class field is `class`, at nesting level `subclass`, at
/// `site`; `ty` names the lock's type (read only on the lock's first use).
///
/// # Panics
///
/// When `subclass` is not below [`MAX_SUBCLASSES`] (before any internal lock is taken).
#[inline(always)]
#[track_caller]
pub(crate) fn acquisition(
    class: &LazyClass,
    mode: Mode,
    subclass: u8,
    site: &'static Location<'static>,
    ty: impl FnOnce() -> &'static str,
) -> HeldLock {
    assert!(
        subclass < MAX_SUBCLASSES,
        "lockcheck: nesting level {subclass} is out of range (0..{MAX_SUBCLASSES})"
    );
    let id = match class.cached_id() {
        Some(id) => id,
        None => first_use(class, site, ty()),
    };
    HeldLock::new(class.instance(), LockKey::new(id, subclass), mode, site)
}

/// A lock's first use: its class is registered, and the process will leave its report at exit
/// when the environment asks for one.
#[cold]
#[inline(never)]
fn first_use(class: &LazyClass, site: &'static Location<'static>, ty: &'static str) -> ClassId {
    if held::is_busy() {
        // Taken from inside the checker's own critical sections (an allocator's lock, while the
        // checker allocates): the acquisition goes unchecked, and resolving the class here would
        // take the registry this thread may hold.
        return ClassId::UNTRACKED;
    }
    let id = busy(|| class.resolve(site, ty));
    report::arm_exit_report();
    id
}

/// A lock is being dropped (or consumed by `into_inner`): its instance orders are forgotten,
/// and if this thread still holds it (a guard leaked with `mem::forget`), that is lockdep's
/// "held lock freed": reported, and the stale entry removed, so a new lock at the same address
/// is never taken for this one.
#[inline]
pub(crate) fn lock_dropped(class: &LazyClass) {
    let instance = class.instance();
    // Dropped inside the checker's own critical sections: left alone, as it was never checked.
    let Some(mut s) = held::borrow_state() else {
        return;
    };
    let freed = s.mark_released(instance);
    drop(s);
    if class.is_instance_ordered() {
        instances::forget(instance);
    }
    if let Some(h) = freed {
        held_lock_freed(h);
    }
}

#[cold]
#[inline(never)]
fn held_lock_freed(h: HeldLock) {
    raise(violation(ViolationKind::HeldLockFreed, h.lock_use()));
}

/// What the lock should do after the checks.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Verdict {
    /// Acquire as usual.
    Go,
    /// A recursive read: acquire only if it does not block (a writer may be queued).
    TryOnly,
    /// This thread's held stack has an entry for this very lock: either it really holds it
    /// (acquiring would self-deadlock) or the entry is stale, left by a lock that was moved and
    /// freed while its guard was leaked, and a new lock now lives at its address. Try without
    /// blocking: success tells the second case from the first.
    HeldOrStale(HeldLock),
}

/// Forgets every learned order edge, and every violation reported; classes stay. The graph
/// starts empty again, and every thread drops its edge cache at its next nested acquisition.
/// For lockcheck's own benchmarks, which measure a graph of an exact size (as lockdep's
/// self-tests reset lockdep between cases).
pub fn forget_learned_orders() {
    *graph::global() = graph::OrderGraph::default();
    gates::forget();
    violation::forget_reported();
    rank::bump_epoch();
}

/// The locks the current thread holds, first taken first (empty with the checker compiled out).
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::{held_locks, Mutex};
///
/// let m = Mutex::named("doc-held", ());
/// let _g = m.lock();
/// if lockcheck_runtime::ENABLED {
///     assert_eq!(held_locks()[0].class, "doc-held");
/// }
/// ```
pub fn held_locks() -> Vec<LockUse> {
    held::snapshot().iter().map(HeldLock::lock_use).collect()
}

/// A violation on this thread, with its held stack as it is now.
fn violation(kind: ViolationKind, acquiring: LockUse) -> Violation {
    held::violation_holding(kind, acquiring, &held::snapshot())
}

/// What the thread-local pass found; everything else happens with no thread state borrowed.
struct Findings {
    recursive: Option<HeldLock>,
    same_class: Option<HeldLock>,
    /// Other instances of the acquired lock's site class: ordered per instance.
    same_site: Vec<HeldLock>,
    /// Every held lock's key, for the gates of new edges.
    held_keys: Vec<LockKey>,
    /// Held locks whose edge into the new lock this thread has not seen accepted yet.
    unknown: Vec<HeldLock>,
}

/// What the thread-local pass decided.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fast {
    /// Every check passed on thread-local state alone; the entry is already pushed.
    Pushed,
    /// Something needs the slow path; nothing was pushed.
    Slow,
    /// The state is borrowed further up this thread's stack (lockcheck re-entered from a
    /// violation handler): the acquisition goes untracked, quietly.
    Untracked,
}

/// The hot path of a blocking acquisition: one thread-local borrow that checks the held stack
/// against the edge cache and, when everything is known, pushes the new entry right away (before
/// the real acquisition: nothing else runs on this thread until it returns). No global lock, no
/// allocation once the held stack has grown to its working size. With nothing held (the most
/// common acquisition of all) there is no edge to check: the push is all there is. The answer is
/// one byte: what the slow path needs it gathers itself.
#[inline(always)]
fn check_and_push(a: &HeldLock) -> Fast {
    let Some(mut s) = held::borrow_state() else {
        return Fast::Untracked;
    };
    if !s.held().is_empty() && !s.knows_every_edge_into(a, rank::epoch()) {
        return Fast::Slow;
    }
    s.mark_held(*a);
    Fast::Pushed
}

#[cold]
fn findings(s: &held::ThreadState, a: &HeldLock) -> Findings {
    let mut f = Findings {
        recursive: None,
        same_class: None,
        same_site: Vec::new(),
        held_keys: s.held().iter().map(|h| h.key()).collect(),
        unknown: Vec::new(),
    };
    for h in s.held() {
        if h.instance == a.instance {
            f.recursive = Some(*h);
        } else if h.key() == a.key() && !class::class_info(a.key().class()).named {
            f.same_site.push(*h);
        } else if h.key() == a.key() {
            f.same_class = Some(*h);
        } else {
            let edge = h.key().edge_bits(a.key());
            if !s.has_learned(edge) && !s.has_refused(edge, a.site) {
                f.unknown.push(*h);
            }
        }
    }
    f
}

#[cold]
#[track_caller]
fn slow_checks(a: &HeldLock, found: Findings) -> Verdict {
    if let Some(h) = found.recursive {
        if h.mode() == Mode::Exclusive || a.mode() == Mode::Exclusive {
            return Verdict::HeldOrStale(h);
        }
        raise(violation(
            ViolationKind::RecursiveLock { held: h.lock_use() },
            a.lock_use(),
        ));
        return Verdict::TryOnly;
    }
    if let Some(h) = found.same_class {
        raise(violation(
            ViolationKind::SameClass { held: h.lock_use() },
            a.lock_use(),
        ));
    }
    for h in &found.same_site {
        instance_order(h, a);
    }
    let ranks = rank::rank_table();
    for h in &found.unknown {
        let broken = rank::broken_by(ranks.as_deref(), h.key(), a.key());
        // The other locks held at this observation: the edge's gate can only be among them.
        let others: Vec<LockKey> = found
            .held_keys
            .iter()
            .copied()
            .filter(|&k| k != h.key() && k != a.key())
            .collect();
        let outcome = graph::global().insert(h.key(), a.key(), &others, || EdgeInfo {
            from_site: h.site,
            to_site: a.site,
            thread: held::thread_name(),
            count: 1,
            gate: others.clone(),
        });
        let edge = h.key().edge_bits(a.key());
        match outcome {
            Insert::Known { gate, weakened } => {
                if weakened {
                    gate_broken_at(a);
                }
                if broken.is_empty() {
                    held::with_state(|s| s.learn(edge, gate));
                } else {
                    rank_order(h, a, broken);
                    refused(h, a);
                }
            }
            Insert::Added if broken.is_empty() => {
                held::with_state(|s| s.learn(edge, others));
            }
            Insert::Added => {
                rank_order(h, a, broken);
                refused(h, a);
            }
            Insert::Cycle(path) => {
                // Harmless if every cycle it closes is guarded by a lock held at every
                // observation of its orders (a gate): kept, and known to this thread under it.
                let gate = gates::closing_gate(h.key(), a.key(), &others);
                let path = if gate.is_empty() {
                    Some(path)
                } else {
                    graph::global().ungated_path(a.key(), h.key(), &gate)
                };
                let Some(path) = path else {
                    gates::keep(GatedCycle {
                        closing: (h.key(), a.key()),
                        closing_gate: gate.clone(),
                        closing_sites: (h.site, a.site, held::thread_name()),
                    });
                    held::with_state(|s| s.learn(edge, gate));
                    continue;
                };
                // Taken without a gate its earlier observations all held: say which.
                let broken_gate = gates::take_closed_by(h.key(), a.key())
                    .map(|c| broken_gate(&c.closing_gate, a.site));
                let closing = (h.key(), h.site, a.key(), a.site, held::thread_name());
                report_cycle(a, closing, &path, broken, broken_gate);
                refused(h, a);
            }
        }
    }
    Verdict::Go
}

/// The edge `h -> a` was just reported at `a`'s site (a cycle it closes, a rank it breaks) and
/// the action let the thread go on (`Log`, a callback): the thread remembers the pair at that
/// site, so the next acquisitions there skip the global graph (whose answer would only be a
/// report already made once per process). The same pair at another place is still asked about:
/// it may be a report of its own. Not under a capture, which wants every occurrence (and drops
/// what the thread remembers when it starts, for the same reason).
fn refused(h: &HeldLock, a: &HeldLock) {
    if !violation::capturing() {
        let edge = h.key().edge_bits(a.key());
        held::with_state(|s| s.refuse(edge, a.site));
    }
}

/// A rank-order violation: `a` taken while `h` is held, against the declared ranks.
#[track_caller]
fn rank_order(h: &HeldLock, a: &HeldLock, declared: Vec<lockcheck_ranks::DeclaredOrder>) {
    raise(violation(
        ViolationKind::RankOrder {
            held: h.lock_use(),
            declared,
        },
        a.lock_use(),
    ));
}

/// The gate that every earlier observation held, broken by the acquisition at `site`.
fn broken_gate(gate: &[LockKey], site: &'static Location<'static>) -> BrokenGate {
    BrokenGate {
        locks: gate.iter().map(|k| class::key_name(*k)).collect(),
        site: Site::from(site),
        thread: held::thread_label(),
    }
}

/// The learned edge `h -> a` was just taken without a lock of its gate: a kept gated cycle that
/// is now unguarded is real, and reported.
#[cold]
#[track_caller]
fn gate_broken_at(a: &HeldLock) {
    let opened = gates::opened(&graph::global());
    for (c, path) in opened {
        let (from_site, to_site, thread) = c.closing_sites;
        let closing = (c.closing.0, from_site, c.closing.1, to_site, thread);
        let gate = broken_gate(&c.closing_gate, a.site);
        report_cycle(a, closing, &path, Vec::new(), Some(gate));
    }
}

/// Reports the cycle closed by `closing` (held key and site, acquired key and site, thread)
/// through the learned `path` back, found at the acquisition `a`. A cycle already reported
/// costs its detection only, not a second report of thousands of edges (unless a capture on
/// this thread wants every occurrence).
#[track_caller]
fn report_cycle(
    a: &HeldLock,
    closing: (
        LockKey,
        &'static Location<'static>,
        LockKey,
        &'static Location<'static>,
        &'static str,
    ),
    path: &graph::Path,
    declared: Vec<lockcheck_ranks::DeclaredOrder>,
    broken_gate: Option<BrokenGate>,
) {
    let (from, from_site, to, to_site, thread) = closing;
    let edges = path.iter().map(|(f, t, _)| f.edge_bits(*t));
    // An inversion already reported at this place is not reported again; a cycle with the same
    // edges found at another place is not either.
    let first = violation::first_sight_of_inversion(
        from.edge_bits(to),
        to_site,
        path.iter().map(|(f, _, _)| f.as_u32()),
    ) && violation::first_sight_of_cycle(edges.chain([from.edge_bits(to)]));
    if !first && !violation::capturing() {
        return;
    }
    // The cycle's edges: the closing one, then the existing path back; every name read from the
    // class table in one go (a cycle can be thousands of edges long), and borrowed, not copied.
    let mut cycle = Vec::with_capacity(path.len() + 1);
    class::with_key_names(|name| {
        cycle.push(OrderEdge {
            from: name(from),
            to: name(to),
            site: Site::from(to_site),
            from_site: Site::from(from_site),
            thread: Cow::Borrowed(thread),
        });
        cycle.extend(path.iter().map(|(from, to, info)| OrderEdge {
            from: name(*from),
            to: name(*to),
            site: Site::from(info.to_site),
            from_site: Site::from(info.from_site),
            thread: Cow::Borrowed(info.thread),
        }));
    });
    violation::raise_seen(
        violation(
            ViolationKind::OrderCycle {
                cycle,
                declared,
                broken_gate,
            },
            a.lock_use(),
        ),
        first,
    );
}

/// Learns the order between two instances of one site class (`held` then `a`); an inversion of
/// an order learned earlier between them is a cycle, reported with both sites.
#[cold]
#[track_caller]
fn instance_order(held: &HeldLock, a: &HeldLock) {
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
    let first = violation::first_sight_of_cycle(all.iter().map(site_word));
    if !first && !violation::capturing() {
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
        })
        .collect();
    violation::raise_seen(
        violation(
            ViolationKind::OrderCycle {
                cycle,
                declared: Vec::new(),
                broken_gate: None,
            },
            a.lock_use(),
        ),
        first,
    );
}

/// Records that the lock is now held (room for the entry was made before the real acquisition:
/// see [`make_room`]).
#[inline]
fn after_acquire(a: &HeldLock) {
    if let Some(mut s) = held::borrow_state() {
        s.mark_held(*a);
    }
}

/// Makes room on the held stack before a real acquisition whose entry is pushed after it: an
/// allocation while holding the lock could re-enter an allocator that takes that very lock.
#[inline]
fn make_room() {
    if let Some(mut s) = held::borrow_state() {
        s.reserve_one();
    }
}

/// Records that this thread released the lock at `instance`. Hot path: the entry is almost
/// always the top one.
#[inline]
pub(crate) fn release(instance: usize) {
    #[cfg(feature = "tokio")]
    if held::release_thread_top(instance) {
        return;
    }
    let Some(mut s) = held::borrow_state() else {
        return;
    };
    if !s.mark_released_top(instance) {
        drop(s);
        release_out_of_order(instance);
    }
}

/// A guard dropped while locks taken after it are still held.
#[cold]
#[inline(never)]
fn release_out_of_order(instance: usize) {
    held::with_state(|s| s.mark_released(instance));
}

/// The lock at `instance`, held exclusive by this thread, is now held shared (a write guard
/// downgraded): its held-stack entry says so.
pub(crate) fn downgraded(instance: usize) {
    mode_changed(instance, Mode::Shared);
}

/// The lock at `instance`, held by this thread, is now held in `mode` (a downgrade, an upgrade).
pub(crate) fn mode_changed(instance: usize, mode: Mode) {
    if let Some(mut s) = held::borrow_state() {
        s.mark_mode(instance, mode);
    }
}

/// As [`release`], returning the entry (for `Condvar::wait`, which puts it back after).
pub(crate) fn release_entry(instance: usize) -> Option<HeldLock> {
    held::with_state(|s| s.mark_released(instance)).flatten()
}

/// Called instead of acquiring when the acquisition would self-deadlock.
#[cold]
#[track_caller]
pub(crate) fn refuse(a: &HeldLock) -> ! {
    panic!(
        "lockcheck: refusing to {} `{}` at {}: this thread already holds it, so the \
         acquisition would never return",
        a.mode().verb(),
        class::key_name(a.key()),
        Site::from(a.site)
    )
}

/// The whole protocol for a blocking acquisition. Inlined into each lock call: the fast path
/// (see [`check_and_push`]) and the real acquisition; anything else is out of line. A panic it
/// raises (a violation under the default action) points at the user's acquisition.
#[inline(always)]
#[track_caller]
pub(crate) fn acquire<G>(
    a: HeldLock,
    try_acquire: impl FnOnce() -> Option<G>,
    acquire: impl FnOnce() -> G,
) -> G {
    if check_and_push(&a) != Fast::Slow {
        return acquire();
    }
    acquire_checked(a, try_acquire, acquire)
}

/// An acquisition that needs more than the thread's edge cache: a new order edge, a lock of a
/// class already held, a recursive acquisition.
#[cold]
#[inline(never)]
#[track_caller]
fn acquire_checked<G>(
    a: HeldLock,
    try_acquire: impl FnOnce() -> Option<G>,
    acquire: impl FnOnce() -> G,
) -> G {
    // Busy for the checks (a guard, not a closure: `slow_checks` is `#[track_caller]` up to
    // here and on to the user's acquisition).
    let busy = Busy::enter();
    let Some(found) = held::with_state(|s| findings(s, &a)) else {
        drop(busy);
        return acquire();
    };
    let verdict = slow_checks(&a, found);
    drop(busy);
    make_room();
    match verdict {
        Verdict::Go => {}
        Verdict::TryOnly => match try_acquire() {
            Some(g) => {
                after_acquire(&a);
                return g;
            }
            None => refuse(&a),
        },
        Verdict::HeldOrStale(h) => match try_acquire() {
            Some(g) => {
                // Free, so not held: the entry was stale. Its lock was freed while held.
                held::with_state(|s| s.mark_released(h.instance));
                held_lock_freed(h);
                after_acquire(&a);
                return g;
            }
            None => {
                raise(violation(
                    ViolationKind::RecursiveLock { held: h.lock_use() },
                    a.lock_use(),
                ));
                refuse(&a)
            }
        },
    }
    let g = acquire();
    after_acquire(&a);
    g
}

/// A timed acquisition (`try_lock_for`, `try_lock_until`): it can block until its timeout, so it
/// is checked as a blocking one; it may fail, and then nothing is held.
#[cfg(feature = "lock_api")]
#[inline]
#[track_caller]
pub(crate) fn acquire_timed<G>(a: HeldLock, attempt: impl FnOnce() -> Option<G>) -> Option<G> {
    match check_and_push(&a) {
        Fast::Untracked => attempt(),
        Fast::Pushed => {
            let g = attempt();
            if g.is_none() {
                release(a.instance);
            }
            g
        }
        Fast::Slow => acquire_timed_checked(a, attempt),
    }
}

#[cfg(feature = "lock_api")]
#[cold]
#[inline(never)]
#[track_caller]
fn acquire_timed_checked<G>(a: HeldLock, attempt: impl FnOnce() -> Option<G>) -> Option<G> {
    let busy = Busy::enter();
    let Some(found) = held::with_state(|s| findings(s, &a)) else {
        drop(busy);
        return attempt();
    };
    let verdict = slow_checks(&a, found);
    drop(busy);
    if let Verdict::HeldOrStale(h) = verdict {
        // Held here already: the attempt can only time out. Said, not refused.
        raise(violation(
            ViolationKind::RecursiveLock { held: h.lock_use() },
            a.lock_use(),
        ));
    }
    make_room();
    let g = attempt()?;
    after_acquire(&a);
    Some(g)
}

/// The protocol for a `try_*` acquisition: no checks (it cannot block), held if it succeeds.
#[inline]
pub(crate) fn try_acquire<G>(a: HeldLock, try_acquire: impl FnOnce() -> Option<G>) -> Option<G> {
    make_room();
    let g = try_acquire()?;
    after_acquire(&a);
    Some(g)
}

/// How an async acquisition (`lockcheck::tokio`) goes on after its checks.
#[cfg(feature = "tokio")]
pub(crate) enum AsyncStart {
    /// The entry is on the held stack: wait for the lock (and [`release`] it if the wait is
    /// cancelled).
    Pushed,
    /// Not tracked (the checker's own critical section, or no stack usable): wait unchecked.
    Untracked,
    /// A recursive read: take it only if that does not wait; [`async_tried`] says how it went.
    TryOnly,
    /// The task's held stack has this very lock: really held (waiting would never end) or a
    /// stale entry; try without waiting, and say how it went with [`async_tried`].
    HeldOrStale(HeldLock),
}

/// The checks of an async acquisition: those of a blocking one, run where the task first polls
/// it; the entry is pushed before the task waits, so a task waiting for a lock is seen holding
/// what it holds, and the order it is trying is learned before the wait, never after a deadlock.
#[cfg(feature = "tokio")]
#[inline(always)]
#[track_caller]
pub(crate) fn async_start(a: &HeldLock) -> AsyncStart {
    match check_and_push(a) {
        Fast::Untracked => AsyncStart::Untracked,
        Fast::Pushed => AsyncStart::Pushed,
        Fast::Slow => async_start_checked(a),
    }
}

#[cfg(feature = "tokio")]
#[cold]
#[inline(never)]
#[track_caller]
fn async_start_checked(a: &HeldLock) -> AsyncStart {
    let busy = Busy::enter();
    let Some(found) = held::with_state(|s| findings(s, a)) else {
        drop(busy);
        return AsyncStart::Untracked;
    };
    let verdict = slow_checks(a, found);
    drop(busy);
    make_room();
    match verdict {
        Verdict::Go => {
            after_acquire(a);
            AsyncStart::Pushed
        }
        Verdict::TryOnly => AsyncStart::TryOnly,
        Verdict::HeldOrStale(h) => AsyncStart::HeldOrStale(h),
    }
}

/// After [`AsyncStart::TryOnly`] / [`AsyncStart::HeldOrStale`]: the try got the lock (`true`:
/// a stale entry is dropped and reported, the new one pushed) or not (the acquisition is
/// refused: waiting would never end).
#[cfg(feature = "tokio")]
#[track_caller]
pub(crate) fn async_tried(a: &HeldLock, start: &AsyncStart, got: bool) {
    match (start, got) {
        (AsyncStart::HeldOrStale(h), true) => {
            held::with_state(|s| s.mark_released(h.instance));
            held_lock_freed(*h);
            after_acquire(a);
        }
        (AsyncStart::HeldOrStale(h), false) => {
            raise(violation(
                ViolationKind::RecursiveLock { held: h.lock_use() },
                a.lock_use(),
            ));
            refuse(a)
        }
        (_, true) => after_acquire(a),
        (_, false) => refuse(a),
    }
}

/// Takes every entry off the current owner's held stack (a checked future that completed: what
/// it still holds went out with its output).
#[cfg(feature = "tokio")]
pub(crate) fn take_all_held() -> Vec<HeldLock> {
    held::with_state(held::ThreadState::take_held).unwrap_or_default()
}

/// Puts entries on the current owner's held stack, as they are (see [`take_all_held`]).
#[cfg(feature = "tokio")]
pub(crate) fn hold_all(entries: Vec<HeldLock>) {
    if entries.is_empty() {
        return;
    }
    held::with_state(|s| {
        for h in entries {
            s.mark_held(h);
        }
    });
}

/// The blocking locks (every lockcheck lock but an async one) the current owner holds: for the
/// check of a task's yield.
#[cfg(feature = "tokio")]
pub(crate) fn blocking_locks_held() -> Vec<HeldLock> {
    held::with_state(|s| {
        s.held()
            .iter()
            .copied()
            .filter(|h| !h.is_async_lock())
            .collect()
    })
    .unwrap_or_default()
}

/// A lock taken again after a `Condvar` wait: checked against what is held now (the real
/// acquisition already happened inside the wait, so a finding is reported, not prevented),
/// then pushed again with the wait's site.
#[track_caller]
pub(crate) fn reacquired(h: HeldLock, site: &'static Location<'static>) {
    let a = HeldLock::new(h.instance, h.key(), h.mode(), site);
    if check_and_push(&a) == Fast::Slow {
        let busy = Busy::enter();
        if let Some(found) = held::with_state(|s| findings(s, &a)) {
            let _ = slow_checks(&a, found);
        }
        drop(busy);
        after_acquire(&a);
    }
}
