//! The acquire/release protocol: held stack + order graph + rank table → violations.
//!
//! A blocking acquisition goes through [`acquire`], which wraps the real acquisition: every check
//! runs *before* the thread can block, so a potential deadlock is reported on a run that never
//! deadlocks, and the lock is pushed on the thread's held stack before it is taken (nothing else
//! runs on this thread in between). On guard drop, after the real release, [`release`] pops it.
//! `try_*` acquisitions go through [`try_acquire`]: they cannot block, so they add no edge into
//! the lock they take, but the lock is held, and orders from it are learned.
//!
//! The common cases touch only the thread-local state, no global lock and no allocation, and are
//! inlined at the call site ([`check_and_push`]): nothing held (a push), and every edge from the
//! held locks already known to this thread (one probe of its edge cache per held lock, then a
//! push). Everything else is out of line, in [`acquire_checked`]. The bookkeeping stays outside
//! the critical section: on a contended lock, work between acquiring and releasing keeps the
//! lock's cache line away from the other cores for longer.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use crate::class::{self, LazyClass, LockKey, MAX_SUBCLASSES};
use crate::graph::{self, EdgeInfo, Insert};
use crate::held::{self, HeldLock, Mode};
use crate::violation::{self, raise, LockUse, OrderEdge, Site, Violation, ViolationKind};
use lockcheck_ranks::RankTable;

/// One acquisition, as the protocol sees it.
#[derive(Clone, Copy)]
pub(crate) struct Acquire {
    pub(crate) instance: usize,
    pub(crate) key: LockKey,
    pub(crate) mode: Mode,
    pub(crate) site: &'static Location<'static>,
}

impl Acquire {
    #[inline]
    #[track_caller]
    pub(crate) fn new(
        class: &LazyClass,
        instance: usize,
        mode: Mode,
        subclass: u8,
        site: &'static Location<'static>,
    ) -> Self {
        assert!(
            subclass < MAX_SUBCLASSES,
            "lockcheck: nesting level {subclass} is out of range (0..{MAX_SUBCLASSES})"
        );
        let class = class.id(site);
        Acquire {
            instance,
            key: LockKey::new(class, subclass),
            mode,
            site,
        }
    }

    fn entry(&self) -> HeldLock {
        HeldLock {
            instance: self.instance,
            key: self.key,
            mode: self.mode,
            site: self.site,
        }
    }

    fn lock_use(&self) -> LockUse {
        LockUse {
            class: class::key_name(self.key),
            mode: self.mode,
            site: Site::from(self.site),
        }
    }
}

/// What the lock should do after the checks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Verdict {
    /// Acquire as usual.
    Go,
    /// A recursive read: acquire only if it does not block (a writer may be queued).
    TryOnly,
    /// Acquiring would self-deadlock: never attempt it.
    Refuse,
}

/// Bumped when a new rank table is installed, so every thread re-checks its known edges.
static EPOCH: AtomicU64 = AtomicU64::new(0);
static RANKS: RwLock<Option<Arc<RankTable>>> = RwLock::new(None);
static RANKS_SET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// Cycles found so far, each as a 128-bit hash of its edge set.
static SEEN_CYCLES: std::sync::Mutex<BTreeSet<(u64, u64)>> = std::sync::Mutex::new(BTreeSet::new());

/// A hash of a set of edges that does not depend on their order: two sums of independent mixes
/// of each edge word (a multiset hash), O(n) where sorting a 10,000-edge cycle was not.
fn edge_set_hash(edges: impl Iterator<Item = u64>) -> (u64, u64) {
    fn mix(mut x: u64, k: u64) -> u64 {
        // splitmix64's finalizer, keyed.
        x = x.wrapping_add(k);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }
    edges.fold((0, 0), |(a, b), e| {
        (
            a.wrapping_add(mix(e, 0x9E37_79B9_7F4A_7C15)),
            b.wrapping_add(mix(e, 0xD1B5_4A32_D192_ED03)),
        )
    })
}

/// Installs the declared rank order for every thread. Install it early: edges learned before
/// are re-checked the next time each thread takes them, and the report lists them either way.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::{set_rank_table, RankTable};
///
/// set_rank_table(RankTable::parse("doc-outer < doc-inner;").unwrap());
/// ```
pub fn set_rank_table(table: RankTable) {
    *RANKS.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(table));
    RANKS_SET.store(true, Ordering::Release);
    EPOCH.fetch_add(1, Ordering::Relaxed);
}

/// Forgets every learned order edge, and every violation reported; classes stay. The graph
/// starts empty again, and every thread drops its edge cache at its next nested acquisition.
/// For lockcheck's own benchmarks, which measure a graph of an exact size (as lockdep's
/// self-tests reset lockdep between cases).
pub fn forget_learned_orders() {
    *graph::global() = graph::OrderGraph::default();
    SEEN_CYCLES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clear();
    violation::forget_reported();
    EPOCH.fetch_add(1, Ordering::Relaxed);
}

/// The rank table in force, if any.
pub fn rank_table() -> Option<Arc<RankTable>> {
    // Most programs never declare ranks: then a new edge does not touch the lock at all.
    if !RANKS_SET.load(Ordering::Acquire) {
        return None;
    }
    RANKS.read().unwrap_or_else(PoisonError::into_inner).clone()
}

pub(crate) fn thread_name() -> String {
    thread_name_static().to_owned()
}

/// This thread's name, computed once per thread and interned: every thread of a name shares one
/// string, kept for the process's life (edges remember the thread that first took them, and a
/// report of a long cycle borrows the name instead of copying it per edge).
fn thread_name_static() -> &'static str {
    fn compute() -> &'static str {
        static NAMES: std::sync::Mutex<BTreeSet<&'static str>> =
            std::sync::Mutex::new(BTreeSet::new());
        let t = std::thread::current();
        let name = match t.name() {
            Some(n) => n.to_owned(),
            None => format!("{:?}", t.id()),
        };
        let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
        match names.get(name.as_str()) {
            Some(known) => known,
            None => {
                let leaked: &'static str = Box::leak(name.into_boxed_str());
                names.insert(leaked);
                leaked
            }
        }
    }
    held::with_state(|s| *s.thread_name.get_or_insert_with(compute)).unwrap_or_else(compute)
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
    held::snapshot().iter().map(held_use).collect()
}

fn held_use(h: &HeldLock) -> LockUse {
    LockUse {
        class: class::key_name(h.key),
        mode: h.mode,
        site: Site::from(h.site),
    }
}

/// A violation on this thread, with its held stack as it is now.
fn violation(kind: ViolationKind, acquiring: LockUse) -> Violation {
    violation_holding(kind, acquiring, &held::snapshot())
}

fn violation_holding(kind: ViolationKind, acquiring: LockUse, held: &[HeldLock]) -> Violation {
    Violation {
        kind,
        thread: thread_name(),
        acquiring,
        held: held.iter().map(held_use).collect(),
    }
}

/// What the thread-local pass found; everything else happens with no thread state borrowed.
struct Findings {
    recursive: Option<HeldLock>,
    same_class: Option<HeldLock>,
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
fn check_and_push(a: &Acquire) -> Fast {
    let Some(mut s) = held::borrow_state() else {
        return Fast::Untracked;
    };
    if !s.held.is_empty() && !all_edges_known(&mut s, a) {
        return Fast::Slow;
    }
    held::push(&mut s, a.entry());
    Fast::Pushed
}

/// Whether every held lock is a different lock of a different class, with an order edge into
/// `a` this thread has already seen accepted.
#[inline(always)]
fn all_edges_known(s: &mut held::ThreadState, a: &Acquire) -> bool {
    let edges = &mut s.edges;
    edges.sync_epoch(EPOCH.load(Ordering::Relaxed));
    s.held
        .iter()
        .all(|h| h.instance != a.instance && h.key != a.key && edges.knows(h.key.edge_bits(a.key)))
}

#[cold]
fn findings(s: &held::ThreadState, a: &Acquire) -> Findings {
    let mut f = Findings {
        recursive: None,
        same_class: None,
        unknown: Vec::new(),
    };
    for h in &s.held {
        if h.instance == a.instance {
            f.recursive = Some(*h);
        } else if h.key == a.key {
            f.same_class = Some(*h);
        } else if !s.edges.known.contains(&h.key.edge_bits(a.key)) {
            f.unknown.push(*h);
        }
    }
    f
}

#[cold]
fn slow_checks(a: &Acquire, found: Findings) -> Verdict {
    if let Some(h) = found.recursive {
        raise(violation(
            ViolationKind::RecursiveLock { held: held_use(&h) },
            a.lock_use(),
        ));
        return if h.mode == Mode::Shared && a.mode == Mode::Shared {
            Verdict::TryOnly
        } else {
            Verdict::Refuse
        };
    }
    if let Some(h) = found.same_class {
        raise(violation(
            ViolationKind::SameClass { held: held_use(&h) },
            a.lock_use(),
        ));
    }
    let ranks = rank_table();
    for h in &found.unknown {
        let broken = ranks
            .as_ref()
            .map(|t| rank_broken(t, a, h))
            .unwrap_or_default();
        let outcome = graph::global().insert(h.key, a.key, || EdgeInfo {
            from_site: h.site,
            to_site: a.site,
            thread: thread_name_static(),
            count: 1,
        });
        match outcome {
            Insert::Known | Insert::Added => {
                if !broken.is_empty() {
                    raise(violation(
                        ViolationKind::RankOrder {
                            held: held_use(h),
                            declared: broken,
                        },
                        a.lock_use(),
                    ));
                }
                let edge = h.key.edge_bits(a.key);
                held::with_state(|s| s.edges.known.insert(edge));
            }
            Insert::Cycle(path) => {
                // A cycle already reported costs its detection only, not a second report of
                // thousands of edges (unless a capture on this thread wants every occurrence).
                let edges = path.iter().map(|(f, t, _)| f.edge_bits(*t));
                let key = edge_set_hash(edges.chain([h.key.edge_bits(a.key)]));
                let first = SEEN_CYCLES
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(key);
                if !first && !violation::capturing() {
                    continue;
                }
                // The cycle's edges: the new one, then the existing path back; every name read
                // from the class table in one go (a cycle can be thousands of edges long), and
                // borrowed, not copied.
                let thread = thread_name_static();
                let mut cycle = Vec::with_capacity(path.len() + 1);
                class::with_key_names(|name| {
                    cycle.push(OrderEdge {
                        from: name(h.key),
                        to: name(a.key),
                        site: Site::from(a.site),
                        from_site: Site::from(h.site),
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
                            declared: broken,
                        },
                        a.lock_use(),
                    ),
                    first,
                );
            }
        }
    }
    Verdict::Go
}

fn rank_name(key: LockKey) -> Option<&'static str> {
    let info = class::class_info(key.class());
    info.named.then_some(info.name)
}

/// The declarations that order the acquired lock's rank before the held one's (empty: none).
fn rank_broken(
    table: &RankTable,
    a: &Acquire,
    h: &HeldLock,
) -> Vec<lockcheck_ranks::DeclaredOrder> {
    match (rank_name(a.key), rank_name(h.key)) {
        (Some(new_rank), Some(held_rank)) if table.orders(new_rank, held_rank) => {
            table.why(new_rank, held_rank)
        }
        _ => Vec::new(),
    }
}

/// Records that the lock is now held.
#[inline]
pub(crate) fn after_acquire(a: &Acquire) {
    held::with_state(|s| held::push(s, a.entry()));
}

/// Records that this thread released the lock at `instance`. Hot path: the entry is almost
/// always the top one.
#[inline]
pub(crate) fn release(instance: usize) {
    let Some(mut s) = held::borrow_state() else {
        return;
    };
    if !held::remove_top(&mut s, instance) {
        drop(s);
        release_out_of_order(instance);
    }
}

/// A guard dropped while locks taken after it are still held.
#[cold]
#[inline(never)]
fn release_out_of_order(instance: usize) {
    held::with_state(|s| held::remove(s, instance));
}

/// As [`release`], returning the entry (for `Condvar::wait`, which puts it back after).
pub(crate) fn release_entry(instance: usize) -> Option<HeldLock> {
    held::with_state(|s| held::remove(s, instance)).flatten()
}

/// Called instead of acquiring when the acquisition would self-deadlock.
#[cold]
#[track_caller]
pub(crate) fn refuse(a: &Acquire) -> ! {
    panic!(
        "lockcheck: refusing to {} `{}` at {}: this thread already holds it, so the \
         acquisition would never return",
        a.mode.verb(),
        class::key_name(a.key),
        Site::from(a.site)
    )
}

/// A thread ended while still holding `held` (called from the thread's last destructor).
pub(crate) fn thread_exit_holding(held: Vec<HeldLock>) {
    let last = held[held.len() - 1];
    raise(violation_holding(
        ViolationKind::ExitWhileHolding,
        held_use(&last),
        &held,
    ));
}

/// The whole protocol for a blocking acquisition. Inlined into each lock call: the fast path
/// (see [`check_and_push`]) and the real acquisition; anything else is out of line.
#[inline(always)]
pub(crate) fn acquire<G>(
    a: Acquire,
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
fn acquire_checked<G>(
    a: Acquire,
    try_acquire: impl FnOnce() -> Option<G>,
    acquire: impl FnOnce() -> G,
) -> G {
    let Some(found) = held::with_state(|s| findings(s, &a)) else {
        return acquire();
    };
    match slow_checks(&a, found) {
        Verdict::Go => {}
        Verdict::TryOnly => match try_acquire() {
            Some(g) => {
                after_acquire(&a);
                return g;
            }
            None => refuse(&a),
        },
        Verdict::Refuse => refuse(&a),
    }
    let g = acquire();
    after_acquire(&a);
    g
}

/// The protocol for a `try_*` acquisition: no checks (it cannot block), held if it succeeds.
#[inline]
pub(crate) fn try_acquire<G>(a: Acquire, try_acquire: impl FnOnce() -> Option<G>) -> Option<G> {
    let g = try_acquire()?;
    after_acquire(&a);
    Some(g)
}

/// A lock taken again after a `Condvar` wait: checked against what is held now (the real
/// acquisition already happened inside the wait, so a finding is reported, not prevented),
/// then pushed again with the wait's site.
pub(crate) fn reacquired(h: HeldLock, site: &'static Location<'static>) {
    let a = Acquire {
        instance: h.instance,
        key: h.key,
        mode: h.mode,
        site,
    };
    if check_and_push(&a) == Fast::Slow {
        if let Some(found) = held::with_state(|s| findings(s, &a)) {
            let _ = slow_checks(&a, found);
        }
        after_acquire(&a);
    }
}

#[cfg(test)]
mod tests {
    use super::edge_set_hash;

    #[test]
    fn a_cycle_is_known_by_its_edge_set_whatever_the_order() {
        let edges: Vec<u64> = (1..=500u64).map(|i| (i << 32) | (i + 1)).collect();
        let forward = edge_set_hash(edges.iter().copied());
        let backward = edge_set_hash(edges.iter().rev().copied());
        assert_eq!(forward, backward);
        // One edge different, one missing, one more: all different sets.
        let mut other = edges.clone();
        other[250] ^= 1;
        assert_ne!(edge_set_hash(other.iter().copied()), forward);
        assert_ne!(edge_set_hash(edges[1..].iter().copied()), forward);
        assert_ne!(edge_set_hash(edges.iter().copied().chain([7])), forward);
        // The two rotations of a two-edge cycle are one cycle; its reverse pair is another set.
        let (ab, ba) = ((1u64 << 32) | 2, (2u64 << 32) | 1);
        assert_eq!(
            edge_set_hash([ab, ba].into_iter()),
            edge_set_hash([ba, ab].into_iter())
        );
        assert_ne!(
            edge_set_hash([ab].into_iter()),
            edge_set_hash([ba].into_iter())
        );
    }
}
