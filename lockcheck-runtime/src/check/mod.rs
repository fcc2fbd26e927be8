//! The acquire/release protocol: held stack + order graph + rank table → verdicts and
//! violations. The one module that decides, and the only one that raises: the thread-exit
//! report, contracts and the task yield check ask it ([`raise`](self::raise)).
//!
//! Every acquisition comes through one of the entries below, each wrapping the real
//! acquisition: [`acquire`] (blocking), [`acquire_timed`] (`try_lock_for`: it can wait, so it is
//! checked as a blocking one), [`try_acquire`] (cannot block: no edge into the lock, but the lock
//! is held and orders from it are learned), `async_start` (an async lock's `lock().await`,
//! checked at its first poll) and [`reacquired`] (a lock taken back after a condvar wait, an
//! `unlocked` section or a `bump`). Every check runs *before* the thread can block, so a
//! potential deadlock is reported on a run that never deadlocks. On guard drop, after the real
//! release, [`release`] pops the entry.
//!
//! The common cases touch only the thread-local state, no global lock and no allocation, and are
//! inlined at the call site ([`check_and_push`]): nothing held (a push), and every edge from the
//! held locks already known to this thread (one probe of its edge cache per held lock, then a
//! push). Everything else goes through the one slow path ([`decide::slow_path`]), whose
//! [`Verdict`] each entry applies its own way. The bookkeeping stays outside the critical
//! section: on a contended lock, work between acquiring and releasing keeps the lock's cache
//! line away from the other cores for longer.

mod contended;

#[cfg(all(feature = "tokio", lockcheck_checks))]
pub(crate) use contended::{async_contended, Registered};
mod decide;
mod raise;
mod wait_edges;

use std::panic::Location;

use crate::class::LazyClass;
use crate::held::{self, StateRef};
use crate::held_lock::HeldLock;
use crate::internal::busy;
use crate::key::ClassId;
use crate::key::{LockKey, MAX_SUBCLASSES};
use crate::mode::Mode;
use crate::violation::{LockUse, Violation, ViolationKind};
use crate::{exit, graph, instances, rank, report, reported};

use decide::{slow_path, Verdict};
#[cfg(all(feature = "tokio", lockcheck_checks))]
pub(crate) use raise::task_yielded;
pub(crate) use raise::{contract_broken, raise};
use raise::{held_lock_freed, recursive_lock};
#[cfg(lockcheck_checks)]
pub(crate) use wait_edges::{
    holds_beyond, may_hold, thread_begins, thread_ends, wait_acquisition, waiting, waking,
};

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
    if crate::thread_state::is_busy() {
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
    if class.is_gate() {
        gate_dropped(instance);
    }
    if let Some(h) = freed {
        held_lock_freed(h);
    }
}

/// A gate lock is dropped: it leaves every gate, and every thread stops knowing the edges it
/// knew under it (a new lock at its address is another instance, and must not pass for it).
/// O(edges) under the graph lock, once per gate lock's life; other threads pay nothing until
/// they use an entry that names it.
#[cold]
#[inline(never)]
fn gate_dropped(instance: usize) {
    graph::global().forget_gate_instance(instance);
    crate::edge_cache::gate_dropped(instance);
}

/// Forgets every learned order edge, and every violation reported; classes stay. The graph
/// starts empty again, and every thread drops its edge cache at its next nested acquisition.
/// For lockcheck's own benchmarks, which measure a graph of an exact size (as lockdep's
/// self-tests reset lockdep between cases).
pub fn forget_learned_orders() {
    graph::forget();
    reported::forget_reported();
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
    held::snapshot().iter().map(LockUse::of).collect()
}

/// A violation on this thread (or task), holding `held`.
pub(crate) fn violation_holding(
    kind: ViolationKind,
    acquiring: LockUse,
    held: &[HeldLock],
) -> Violation {
    Violation {
        kind,
        thread: held::thread_label(),
        acquiring,
        captured: false,
        held: held.iter().map(LockUse::of).collect(),
    }
}

/// A violation on this thread, with its held stack as it is now.
pub(crate) fn violation(kind: ViolationKind, acquiring: LockUse) -> Violation {
    violation_holding(kind, acquiring, &held::snapshot())
}

/// What the thread-local pass decided.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fast {
    /// Nothing else is held: the entry is pushed. An owner that holds nothing is in no cycle of
    /// waits (each owner of one holds what the one before waits for), so this acquisition may
    /// wait without telling the wait-for graph.
    Alone,
    /// Every check passed on thread-local state alone; the entry is already pushed.
    Pushed,
    /// Something needs the slow path; nothing was pushed.
    Slow,
    /// The state is borrowed further up this thread's stack (lockcheck re-entered from a
    /// violation handler): the acquisition goes untracked, quietly.
    Untracked,
}

/// Pushes the entry on the borrowed held stack; on the thread's first hold, arms its exit
/// report (the one place that does: every push comes through here).
#[inline(always)]
fn push(s: &mut StateRef, a: &HeldLock) {
    if s.mark_held(a) {
        exit::arm(thread_exited);
    }
}

/// The hot path of a blocking acquisition: one thread-local borrow that checks the held stack
/// against the edge cache and, when everything is known, pushes the new entry right away (before
/// the real acquisition: nothing else runs on this thread until it returns). No global lock, no
/// allocation once the held stack has grown to its working size. With nothing held (the most
/// common acquisition of all) there is no edge to check: the push is all there is. The answer is
/// one byte: what the slow path needs it gathers itself.
#[inline(always)]
fn check_and_push(a: &HeldLock) -> Fast {
    let Some(mut s) = held::borrow_state_for(a) else {
        return Fast::Untracked;
    };
    if s.holds_nothing() {
        push(&mut s, a);
        return Fast::Alone;
    }
    if !s.knows_every_edge_into(a, rank::epoch()) {
        return Fast::Slow;
    }
    push(&mut s, a);
    Fast::Pushed
}

/// Records that the lock is now held (room for the entry was made before the real acquisition:
/// see [`make_room`]).
#[inline]
fn after_acquire(a: &HeldLock) {
    if let Some(mut s) = held::borrow_state_for(a) {
        push(&mut s, a);
    }
}

/// Makes room on the held stack before a real acquisition whose entry is pushed after it: an
/// allocation while holding the lock could re-enter an allocator that takes that very lock.
#[inline]
fn make_room() {
    if let Some(mut s) = held::borrow_state() {
        if s.reserve_one() {
            exit::arm(thread_exited);
        }
    }
}

/// The thread is ending (`exit.rs` runs this once nothing can release its locks any more):
/// what it still holds is reported, and its buffers freed.
fn thread_exited() {
    let leftover = held::with_state(held::ThreadState::take_at_exit).unwrap_or_default();
    if let Some(last) = leftover.last() {
        raise(violation_holding(
            ViolationKind::ExitWhileHolding,
            LockUse::of(last),
            &leftover,
        ));
    }
}

/// Records that this thread released the lock at `instance`. Hot path: the entry is almost
/// always the top one. `false` when the current owner holds no entry for it (its guard moved
/// here from another owner, or it was taken unchecked).
/// `holder`: 0 for a guard that stays with its owner (a blocking lock's); otherwise an async
/// lock's guard, whose entry is its holder's, as [`crate::stray_releases::Holder`]'s word (or
/// [`ANY_HOLDER`]).
#[inline]
pub(crate) fn release(instance: usize, holder: usize) -> bool {
    // With per-task held sets, the thread's own top entry is popped first, without asking
    // whose stack is in use (a blocking lock's, or any taken outside a task).
    #[cfg(feature = "tokio")]
    {
        crate::thread_state::release_thread_top(instance, false) || release_owners(instance, holder)
    }
    #[cfg(not(feature = "tokio"))]
    {
        release_owners(instance, holder)
    }
}

/// The holder word of an async lock's entry whose holder is not known (an acquisition
/// cancelled before its guard was made): the current owner's stack is searched. Even, as a
/// held set's address, and never one (those are aligned to 8).
#[cfg(feature = "tokio")]
pub(crate) const ANY_HOLDER: usize = 2;

/// [`release`] from the current owner's held set. With the `tokio` feature, out of line: the
/// thread's own top entry was tried first, and a guard's drop stays small enough to inline.
#[cfg_attr(feature = "tokio", inline(never))]
#[cfg_attr(not(feature = "tokio"), inline(always))]
fn release_owners(instance: usize, holder: usize) -> bool {
    #[cfg(feature = "tokio")]
    if holder != 0 {
        // An async guard whose entry went on this very thread's stack (taken outside any
        // task): its top entry, read or write, without asking which task runs.
        if holder & 1 == 1 && released_from_this_thread(instance, holder) {
            return true;
        }
        return match held::release_owner_top(instance) {
            // Unchecked now: say found, so that nothing is left for another owner.
            None | Some(true) => true,
            Some(false) => release_out_of_order(instance, true),
        };
    }
    // A blocking lock's guard from here on (an async one's returned above).
    #[cfg(not(feature = "tokio"))]
    let _ = holder;
    let Some(mut s) = held::borrow_state() else {
        // Unchecked now: say found, so that nothing is left for another owner.
        return true;
    };
    if s.mark_released_top(instance) {
        return true;
    }
    drop(s);
    release_out_of_order(instance, false)
}

/// Whether `holder` (a thread's word) is this thread, and the lock at `instance` its own
/// stack's top entry, now released.
#[cfg(feature = "tokio")]
#[inline]
fn released_from_this_thread(instance: usize, holder: usize) -> bool {
    let here = crate::stray_releases::Holder::Thread(crate::thread_state::thread_number());
    holder == here.to_word() && crate::thread_state::release_thread_top(instance, true)
}

/// A guard dropped while locks taken after it are still held, or by an owner that does not hold
/// it.
#[cold]
#[inline(never)]
fn release_out_of_order(instance: usize, movable: bool) -> bool {
    held::with_state_for(movable, |s| s.mark_released(instance).is_some()).unwrap_or(true)
}

/// A movable guard was released by another owner than `holder`, whose held set has its entry:
/// the release waits for `holder` ([`crate::stray_releases`]).
#[cfg(feature = "tokio")]
#[cold]
pub(crate) fn released_elsewhere(holder: crate::stray_releases::Holder, instance: usize) {
    // The release just borrowed this owner's state: `last` is the releasing owner.
    if holder != crate::stray_releases::Holder::last() {
        crate::stray_releases::record(holder, instance);
    }
}

/// The lock at `instance`, held by this thread, is now held in `mode` (a downgrade, an upgrade).
pub(crate) fn mode_changed(instance: usize, mode: Mode) {
    if let Some(mut s) = held::borrow_state() {
        s.mark_mode(instance, mode);
    }
}

/// As [`release`], returning the entry (for a condvar wait or an `unlocked` section, which put
/// it back after: [`reacquired`]).
pub(crate) fn release_entry(instance: usize) -> Option<HeldLock> {
    held::with_state(|s| s.mark_released(instance)).flatten()
}

/// Called instead of acquiring when the acquisition would self-deadlock.
#[cold]
#[track_caller]
pub(crate) fn refuse(a: &HeldLock) -> ! {
    crate::poison::violation_unwinding();
    panic!(
        "lockcheck: refusing to {} `{}` at {}: this thread already holds it, so the \
         acquisition would never return",
        a.mode().verb(),
        crate::shown::shown(&crate::class::key_name(a.key())),
        crate::site::Site::from(a.site)
    )
}

/// The whole protocol for a blocking acquisition. Inlined into each lock call: the fast path
/// (see [`check_and_push`]) and the real acquisition; anything else is out of line. A panic it
/// raises (a violation under the default action) points at the user's acquisition.
///
/// The real acquisition tries first: a lock had at once costs what `lock()` would (one atomic
/// exchange). Only when it is taken does the acquisition wait, out of line, as a waiter the
/// wait-for graph knows ([`contended::contended`]).
#[inline(always)]
#[track_caller]
pub(crate) fn acquire<G>(
    a: HeldLock,
    mut try_acquire: impl FnMut() -> Option<G>,
    acquire: impl FnOnce() -> G,
) -> G {
    match check_and_push(&a) {
        // Only a scalar goes further: `a` kept for a call would be copied through the stack,
        // and that copy's wide load waits on a failed store forward (a third of the cost).
        Fast::Pushed => {
            let instance = a.instance;
            match try_acquire() {
                Some(g) => g,
                None => contended::pushed(instance, try_acquire, acquire),
            }
        }
        Fast::Alone | Fast::Untracked => acquire(),
        Fast::Slow => acquire_checked(a.to_words(), try_acquire, acquire),
    }
}

/// A blocking acquisition that needs more than the thread's edge cache: a new order edge, a
/// lock of a class already held, a recursive acquisition.
#[cold]
#[inline(never)]
#[track_caller]
fn acquire_checked<G>(
    a: (usize, u64, &'static Location<'static>),
    mut try_acquire: impl FnMut() -> Option<G>,
    acquire: impl FnOnce() -> G,
) -> G {
    let a = HeldLock::from_words(a);
    match slow_path(&a) {
        Verdict::Untracked => acquire(),
        Verdict::Go => {
            let g = match try_acquire() {
                Some(g) => g,
                None => contended::contended(&a, try_acquire, acquire),
            };
            after_acquire(&a);
            g
        }
        Verdict::TryOnly => match try_acquire() {
            Some(g) => {
                after_acquire(&a);
                g
            }
            None => refuse(&a),
        },
        Verdict::HeldOrStale(h) => match try_acquire() {
            Some(g) => {
                stale_entry(&a, h);
                g
            }
            None => {
                recursive_lock(&a, &h);
                refuse(&a)
            }
        },
    }
}

/// The lock `a` was free although the held stack had an entry `h` for it: the entry was stale
/// (its lock was freed while held, and a new one lives at its address). Dropped and reported;
/// `a` is held now.
#[cold]
fn stale_entry(a: &HeldLock, h: HeldLock) {
    held::with_state(|s| s.mark_released(h.instance));
    held_lock_freed(h);
    after_acquire(a);
}

/// A timed acquisition (`try_lock_for`, `try_lock_until`): it can block until its timeout, so it
/// is checked as a blocking one; it may fail, and then nothing is held.
#[cfg(feature = "lock_api")]
#[inline]
#[track_caller]
pub(crate) fn acquire_timed<G>(a: HeldLock, attempt: impl FnOnce() -> Option<G>) -> Option<G> {
    match check_and_push(&a) {
        Fast::Untracked => attempt(),
        Fast::Alone | Fast::Pushed => {
            let g = attempt();
            if g.is_none() {
                release(a.instance, 0);
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
    match slow_path(&a) {
        Verdict::Untracked => return attempt(),
        // Held here already: the attempt can only time out. Said, not refused.
        Verdict::HeldOrStale(h) => recursive_lock(&a, &h),
        Verdict::Go | Verdict::TryOnly => {}
    }
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
        Fast::Alone | Fast::Pushed => AsyncStart::Pushed,
        Fast::Slow => async_start_checked(a),
    }
}

#[cfg(feature = "tokio")]
#[cold]
#[inline(never)]
#[track_caller]
fn async_start_checked(a: &HeldLock) -> AsyncStart {
    // Every borrow from here on works on the task's stack, as the fast path's did.
    let _async = crate::thread_state::AsyncOp::enter();
    match slow_path(a) {
        Verdict::Untracked => AsyncStart::Untracked,
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
        (AsyncStart::HeldOrStale(h), true) => stale_entry(a, *h),
        (AsyncStart::HeldOrStale(h), false) => {
            recursive_lock(a, h);
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
    // The owner's stack, where an async lock's entry goes (a blocking lock's among them is
    // found there too: a release searches the joined stack).
    let Some(mut s) = held::borrow_state_as(true) else {
        return;
    };
    for h in entries {
        push(&mut s, &h);
    }
}

/// A lock taken back after a condvar wait, an `unlocked` section or a `bump` (entry `h`, as it
/// was before): checked against what is held now (the real acquisition already happened, so a
/// finding is reported, not prevented), then pushed again with `site`.
#[track_caller]
pub(crate) fn reacquired(h: HeldLock, site: &'static Location<'static>) {
    let a = HeldLock::new(h.instance, h.key(), h.mode(), site);
    if check_and_push(&a) == Fast::Slow {
        // Taken already: whatever the verdict, the lock is held now.
        let _ = slow_path(&a);
        after_acquire(&a);
    }
}
