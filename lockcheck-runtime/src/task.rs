//! Held stacks per task (feature `tokio`): inside a tokio task the locks held are the task's,
//! whichever worker thread polls it, and two tasks interleaved on one thread never see each
//! other's locks. Outside a task, the thread's own held stack is used, as without the feature.
//!
//! How: a lock operation borrows the thread's state (`held.rs`); with this feature it first asks
//! whose held stack it is working on, the **owner**: a checked future being polled on this
//! thread ([`Checked`](crate::tokio::Checked), which carries its own stack), else the tokio task
//! being polled (`tokio::task::try_id()`), else the thread. A task's or a checked future's stack
//! lives in a [`TaskHeld`]; for the length of the borrow it is swapped into the thread's state
//! (`ThreadState::lend`), so the protocol in `check.rs` is the same for all three owners.
//!
//! A task's `TaskHeld` is found through a global map by task id, and cached per thread: the
//! common case (the same task as this thread's last lock operation) is one compare, one load and
//! one store, no atomic read-modify-write. That is sound because only the thread polling a task
//! (or dropping it) sees its id from `try_id()`, tokio polls a task on one thread at a time,
//! and its hand-over of a task between threads orders one poll before the next; a checked future
//! is polled through `&mut` likewise. The `state` word only catches a stack in use twice (the
//! operation then goes unchecked, never racing) and says when the sweeper took it out.
//!
//! Asking costs a call into tokio on every lock operation, so a blocking lock's operation does
//! not ask while no task's stack is **announced** (`task_held.rs`: has held an entry since it
//! was made or swept): no task holds a lock then, and the thread's own stack is all a task polled
//! on it holds. An async lock's operation always asks (`thread_state::AsyncOp`): its entry is
//! the task's. A blocking lock's entry is its thread's even inside a task (the guard cannot
//! leave the thread, and held across an `.await` it blocks the thread for whichever task runs
//! next), with the task's entries joined beside it for the check (`ThreadState::lend_beside`);
//! its release, the thread's top entry, asks nothing. Only inside a checked future are a
//! blocking lock's entries the future's, whose yield reports them. Whatever the owner, the
//! other stack is joined to it in every read (`ThreadState::joined`): ordered before, found by
//! queries and released.
//!
//! Entries of tasks that hold nothing are swept from the map when it grows (tokio has no stable
//! hook for a task's end), so a server spawning millions of tasks keeps a map the size of the
//! tasks that hold locks; and every 65,536 times a thread asks, so that the stacks of ended
//! tasks stop being announced. The sweeper never touches a stack: it reads the length its owner
//! published at the end of its last operation. A task that starts an operation at the very moment
//! its empty stack is swept works on the swept one, and a later thread may start it a new one:
//! that task's held set can then miss a lock (a missed report, never a false one nor a race).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::hasher::KeyMap;
use crate::internal::Internal;
use crate::task_held::{claim_task, TaskCache, TaskHeld, FREE, SWEPT};

/// Makes `held` the owner of the locks this thread takes until the returned value is dropped
/// (a checked future's poll, or its drop).
pub(crate) fn polling(held: &Arc<TaskHeld>) -> Polling {
    Polling {
        previous: crate::thread_state::set_polling(Arc::as_ptr(held)),
    }
}

/// See [`polling`].
pub(crate) struct Polling {
    previous: *const TaskHeld,
}

impl Drop for Polling {
    fn drop(&mut self) {
        crate::thread_state::set_polling(self.previous);
    }
}

/// Every task that has (or had, until the next sweep) a stack: by task id.
struct Tasks {
    map: KeyMap<tokio::task::Id, Arc<TaskHeld>>,
    /// Sweep when the map grows past this.
    sweep_at: usize,
}

static TASKS: Internal<Tasks> = Internal::new(Tasks {
    map: std::collections::HashMap::with_hasher(std::hash::BuildHasherDefault::new()),
    sweep_at: 1024,
});

/// Whose stack a lock operation on this thread works on: a task's or a checked future's
/// (`Some`, claimed), the thread's own (`Ok(None)`), or none that can be used now (`Err`: the
/// operation goes unchecked; only if a stack were somehow in use twice).
#[inline(always)]
pub(crate) fn owner(
    polling: *const TaskHeld,
    cache: &mut TaskCache,
) -> Result<Option<*const TaskHeld>, ()> {
    if !polling.is_null() {
        // SAFETY: a `Polling` set it from an `Arc` that its checked future keeps alive for as
        // long as it is set (the poll or the drop it covers).
        let held = unsafe { &*polling };
        return claim_task(held).map(|()| Some(polling)).map_err(|_| ());
    }
    cache.asked = cache.asked.wrapping_add(1);
    if cache.asked.is_multiple_of(SWEEP_EVERY) {
        sweep_now();
    }
    let Some(id) = tokio::task::try_id() else {
        return Ok(None);
    };
    task_owner(id, cache)
}

/// A thread sweeps the task table every this many times it asks tokio which task runs: stacks
/// left announced by tasks that ended (tokio has no stable hook for a task's end) would
/// otherwise keep every blocking lock operation asking, until the table grows enough to sweep.
const SWEEP_EVERY: u32 = 1 << 16;

#[cold]
#[inline(never)]
fn sweep_now() {
    sweep(&mut TASKS.lock());
}

/// [`owner`] inside a task.
#[inline]
fn task_owner(id: tokio::task::Id, cache: &mut TaskCache) -> Result<Option<*const TaskHeld>, ()> {
    // The common case: the task this thread worked for last.
    if let Some((cached, held)) = &cache.task {
        if *cached == id {
            match claim_task(held) {
                Ok(()) => return Ok(Some(Arc::as_ptr(held))),
                // Swept since this thread cached it: look the task up again.
                Err(SWEPT) => {}
                Err(_) => return Err(()),
            }
        }
    }
    let held = lookup(id);
    let claimed = claim_task(&held);
    let ptr = Arc::as_ptr(&held);
    // The cache keeps the `Arc` alive until the borrow ends (nothing replaces it while the
    // thread's state is borrowed).
    cache.task = Some((id, held));
    match claimed {
        Ok(()) => Ok(Some(ptr)),
        Err(_) => Err(()),
    }
}

/// The stack of task `id`, made if it has none.
fn lookup(id: tokio::task::Id) -> Arc<TaskHeld> {
    let mut tasks = TASKS.lock();
    if let Some(held) = tasks.map.get(&id) {
        return Arc::clone(held);
    }
    if tasks.map.len() >= tasks.sweep_at {
        sweep(&mut tasks);
    }
    let held = Arc::new(TaskHeld::of_task());
    tasks.map.insert(id, Arc::clone(&held));
    held
}

/// Drops the stacks that hold nothing (most are of tasks that ended), and those whose every
/// entry another task released (a task that ended after sending its guards away: the releases
/// wait in `stray_releases` for a holder that will never look again). A thread that still
/// caches one finds it swept and looks its task up again, to an empty stack, which is then right.
#[cold]
fn sweep(tasks: &mut Tasks) {
    let stray = crate::stray_releases::per_held_set();
    let mut released_elsewhere = Vec::new();
    tasks.map.retain(|_, held| {
        let len = held.len.load(Ordering::Relaxed);
        let at = Arc::as_ptr(held) as usize;
        let stray_here = stray.get(&at).copied().unwrap_or(0);
        let idle_and_done = held.state.load(Ordering::Acquire) == FREE && len <= stray_here;
        if idle_and_done {
            held.state.store(SWEPT, Ordering::Release);
            held.withdraw();
            if stray_here > 0 {
                released_elsewhere.push(at);
            }
        }
        !idle_and_done
    });
    // The swept stacks are still alive (a thread may cache one): their addresses are not
    // reused while the records go.
    for at in released_elsewhere {
        crate::stray_releases::forget(crate::stray_releases::Holder::Held(at));
    }
    tasks.sweep_at = (tasks.map.len() * 2).max(1024);
}

/// How many tasks have a stack in the map (for tests of the bound).
pub(crate) fn tasks_with_stacks() -> usize {
    TASKS.lock().map.len()
}
