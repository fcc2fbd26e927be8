//! The held stack of a tokio task or of a checked future (feature `tokio`), and how a thread
//! claims it for one lock operation and gives it back. The data only: which task's stack an
//! operation works on is `task.rs`'s answer.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::held_lock::HeldLock;

/// Free: no thread is using the stack.
pub(crate) const FREE: u8 = 0;
/// A thread's state is working on the stack.
pub(crate) const IN_USE: u8 = 1;
/// Swept from the map: whoever caches it must look the task up again.
pub(crate) const SWEPT: u8 = 2;

/// How many tasks' stacks are **announced**: have held an entry since they were made or last
/// swept. While none is, no tokio task holds a lock, and a blocking lock operation works on its
/// thread's own stack without asking tokio which task is running (`thread_state.rs`): a thread's
/// stack is then all a task polled on it holds. A stack is announced by its owner the first
/// time it gives it back non-empty (one atomic add per task, not per lock), and withdrawn when the
/// sweeper takes it out of the task table or it is dropped.
static ANNOUNCED: AtomicUsize = AtomicUsize::new(0);

/// Whether some task's stack is announced (see [`ANNOUNCED`]).
#[inline(always)]
pub(crate) fn any_announced() -> bool {
    ANNOUNCED.load(Ordering::Relaxed) != 0
}

/// How many task stacks are announced (for tests).
pub(crate) fn announced() -> usize {
    ANNOUNCED.load(Ordering::Relaxed)
}

/// The held stack of a task, or of a checked future.
pub(crate) struct TaskHeld {
    pub(crate) state: AtomicU8,
    /// The stack's length when its owner last gave it back, for the sweeper.
    pub(crate) len: AtomicUsize,
    /// A task's stack (found by task id, counted in [`ANNOUNCED`]), not a checked future's
    /// (whose own poll points the thread at it).
    is_task: bool,
    /// Counted in [`ANNOUNCED`].
    announced: AtomicBool,
    held: UnsafeCell<Vec<HeldLock>>,
}

// SAFETY: `held` is only touched by the thread polling (or dropping) the task or checked future
// that owns it, between claiming it (`owner`) and giving it back (`release`): tokio polls a task
// on one thread at a time and orders its polls on different threads (the hand-over synchronises),
// and a future is polled through `&mut`. The sweeper reads `state` and `len` only.
unsafe impl Sync for TaskHeld {}
// SAFETY: as above; `Vec<HeldLock>` is `Send`.
unsafe impl Send for TaskHeld {}

impl TaskHeld {
    /// The stack of a tokio task.
    pub(crate) fn of_task() -> Self {
        TaskHeld::new(true)
    }

    /// The stack of a checked future.
    pub(crate) fn of_future() -> Self {
        TaskHeld::new(false)
    }

    fn new(is_task: bool) -> Self {
        TaskHeld {
            state: AtomicU8::new(FREE),
            len: AtomicUsize::new(0),
            is_task,
            announced: AtomicBool::new(false),
            held: UnsafeCell::new(Vec::new()),
        }
    }

    /// Counts this task's stack in [`ANNOUNCED`], once.
    #[cold]
    #[inline(never)]
    fn announce(&self) {
        if !self.announced.swap(true, Ordering::Relaxed) {
            ANNOUNCED.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// No longer counts this stack in [`ANNOUNCED`] (it left the task table, or is dropped).
    pub(crate) fn withdraw(&self) {
        if self.announced.swap(false, Ordering::Relaxed) {
            ANNOUNCED.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Drop for TaskHeld {
    fn drop(&mut self) {
        self.withdraw();
    }
}

/// The last task this thread worked for, and its stack.
pub(crate) struct TaskCache {
    pub(crate) task: Option<(tokio::task::Id, Arc<TaskHeld>)>,
    /// How many times this thread asked tokio which task runs (`task.rs` sweeps the table
    /// now and then, so that stacks of tasks that are gone stop being announced).
    pub(crate) asked: u32,
}

impl TaskCache {
    pub(crate) const fn new() -> Self {
        TaskCache {
            task: None,
            asked: 0,
        }
    }
}

/// Claims a task's stack for this thread; the state it found when that fails.
#[inline(always)]
pub(crate) fn claim_task(held: &TaskHeld) -> Result<(), u8> {
    // A load and a store, not an exchange: see the module's doc for why no other thread can
    // claim it meanwhile.
    match held.state.load(Ordering::Acquire) {
        FREE => {
            held.state.store(IN_USE, Ordering::Relaxed);
            Ok(())
        }
        other => Err(other),
    }
}

/// The stack inside a claimed `TaskHeld`, for the thread's state to work on until it gives it
/// back ([`release`]).
///
/// # Safety
///
/// `held` must have been claimed by this thread ([`owner`]) and not released since.
#[inline(always)]
pub(crate) unsafe fn stack_of(held: *const TaskHeld) -> *mut Vec<HeldLock> {
    // SAFETY: the caller claimed it, so it is alive and this thread's alone.
    unsafe { (*held).held.get() }
}

/// Gives a claimed stack back, publishing its length for the sweeper.
///
/// # Safety
///
/// As for [`stack_of`].
#[inline(always)]
pub(crate) unsafe fn release(held: *const TaskHeld) {
    // SAFETY: the caller claimed it, so it is alive (see `owner`) and this thread's.
    unsafe {
        let len = (*(*held).held.get()).len();
        (*held).len.store(len, Ordering::Relaxed);
        // Announced before it is given back: whoever polls the task next (here, or on the
        // thread tokio hands it to) sees the count.
        if len != 0 && (*held).is_task && !(*held).announced.load(Ordering::Relaxed) {
            (*held).announce();
        }
        (*held).state.store(FREE, Ordering::Release);
    }
}
