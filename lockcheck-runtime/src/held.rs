//! The held set of the current owner — the thread, or (feature `tokio`) the task or checked
//! future being polled — as the protocol and the queries see it: one borrow of the thread's
//! state (`thread_state.rs`) with the owner's stack swapped in, and the thread's names for
//! reports.

use crate::held_lock::HeldLock;
use crate::mode::Mode;
use crate::thread_name::{intern, label_of};
use crate::thread_state;
pub(crate) use crate::thread_state::{StateRef, ThreadState};

/// This thread's state, borrowed, for a lock operation, working on the current owner's held
/// stack: `None` when it is borrowed, or when the thread is busy inside the checker's own
/// critical sections (the operation is then taken unchecked). Inlined at the call site: the hot
/// paths must not depend on LLVM inlining a closure.
#[inline(always)]
pub(crate) fn borrow_state() -> Option<StateRef> {
    thread_state::borrow_state(owner())
}

/// [`borrow_state`] for the acquisition `a`: an async lock's works on its task's stack
/// (`thread_state::borrow_state_for`).
#[inline(always)]
pub(crate) fn borrow_state_for(a: &HeldLock) -> Option<StateRef> {
    #[cfg(feature = "tokio")]
    let for_async = a.is_async_lock();
    #[cfg(not(feature = "tokio"))]
    let for_async = {
        let _ = a;
        false
    };
    borrow_state_as(for_async)
}

/// [`borrow_state`] for an operation on a lock of one kind (`for_async`: an async lock's, whose
/// entry is its task's: `thread_state::borrow_state_for`).
#[inline(always)]
pub(crate) fn borrow_state_as(for_async: bool) -> Option<StateRef> {
    thread_state::borrow_state_for(owner(), for_async)
}

/// An async guard's release from the top of the current owner's stack
/// (`thread_state::release_owner_top`).
#[cfg(feature = "tokio")]
#[inline]
pub(crate) fn release_owner_top(instance: usize) -> Option<bool> {
    thread_state::release_owner_top(owner(), instance)
}

/// Runs `f` on this thread's state, working on the current owner's held stack, for the
/// checker's own work. `None` when the state is already borrowed further up this thread's stack
/// (lockcheck re-entered from a violation handler, or from an allocation while the state was
/// borrowed): the caller degrades quietly.
#[inline]
pub(crate) fn with_state<R>(f: impl FnOnce(&mut ThreadState) -> R) -> Option<R> {
    with_state_for(false, f)
}

/// [`with_state`] for an operation on a lock of one kind (`for_async`: an async lock's, whose
/// entry is its task's: `thread_state::borrow_state_for`).
#[inline]
pub(crate) fn with_state_for<R>(
    for_async: bool,
    f: impl FnOnce(&mut ThreadState) -> R,
) -> Option<R> {
    thread_state::with_state(owner(), for_async, |s| {
        #[cfg(feature = "tokio")]
        if crate::stray_releases::any() {
            drop_stray_entries(s);
        }
        f(s)
    })
}

/// Drops the entries whose guards other owners released since this owner last looked
/// (`stray_releases.rs`): the oldest entry of each instance, the one the moved guard made.
#[cfg(feature = "tokio")]
#[cold]
#[inline(never)]
fn drop_stray_entries(s: &mut ThreadState) {
    for instance in crate::stray_releases::take(crate::stray_releases::Holder::last()) {
        s.mark_released_oldest(instance);
    }
}

#[cfg(feature = "tokio")]
#[inline(always)]
fn owner() -> impl thread_state::Owner {
    crate::task::owner
}

#[cfg(not(feature = "tokio"))]
#[inline(always)]
fn owner() -> impl thread_state::Owner {}

/// The mode this thread holds `instance` in, if it holds it.
pub(crate) fn held_mode(instance: usize) -> Option<Mode> {
    with_state(|s| s.latest(instance).map(|h| h.mode())).flatten()
}

/// A copy of this thread's held stack, bottom first.
pub(crate) fn snapshot() -> Vec<HeldLock> {
    with_state(|s| s.held_all().copied().collect()).unwrap_or_default()
}

/// Who owns the current held set, as a wait names it: the checked future being polled, else the
/// tokio task, else the thread.
pub(crate) fn owner_id() -> crate::waits::Owner {
    #[cfg(feature = "tokio")]
    {
        let polling = thread_state::polling();
        if !polling.is_null() {
            return crate::waits::Owner::Future(polling as usize);
        }
        if let Some(task) = tokio::task::try_id() {
            return crate::waits::Owner::Task(task);
        }
    }
    crate::waits::Owner::Thread(thread_state::thread_number())
}

/// The tokio task running now, by its number (feature `tokio`; `None` outside a task). For the
/// orders a task is the first to take: reports say which task.
pub(crate) fn task_number() -> Option<u64> {
    #[cfg(feature = "tokio")]
    {
        tokio::task::try_id().and_then(|id| id.to_string().parse().ok())
    }
    #[cfg(not(feature = "tokio"))]
    {
        None
    }
}

/// This thread's name as the order graph keeps it, for the edges it is the first to take
/// (`thread_name::intern`: bounded), computed once per thread. Violations name their thread
/// exactly ([`thread_label`]).
pub(crate) fn thread_name() -> &'static str {
    with_state(|s| match s.thread_name() {
        Some(name) => name,
        None => {
            let name = intern(own_label(s));
            s.set_thread_name(name);
            name
        }
    })
    .unwrap_or_else(|| intern(label_of(&std::thread::current())))
}

/// This thread's name for a violation: its given name, or its id; inside a tokio task (feature
/// `tokio`), the task's id too, whose held set the violation is about. Not kept after the report.
pub(crate) fn thread_label() -> String {
    let thread = with_state(|s| own_label(s)).unwrap_or_else(|| label_of(&std::thread::current()));
    #[cfg(feature = "tokio")]
    if let Some(task) = tokio::task::try_id() {
        return format!("{thread}, task {task}");
    }
    thread
}

/// The thread's name for a report, from the handle it keeps (never `current()` in teardown).
fn own_label(s: &ThreadState) -> String {
    match s.thread() {
        Some(t) => label_of(t),
        None => label_of(&std::thread::current()),
    }
}
