//! The held stack of a tokio task or of a checked future (feature `tokio`), and how a thread
//! claims it for one lock operation and gives it back. The data only: which task's stack an
//! operation works on is `task.rs`'s answer.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::held_lock::HeldLock;

/// Free: no thread is using the stack.
pub(crate) const FREE: u8 = 0;
/// A thread's state is working on the stack.
pub(crate) const IN_USE: u8 = 1;
/// Swept from the map: whoever caches it must look the task up again.
pub(crate) const SWEPT: u8 = 2;

/// The held stack of a task, or of a checked future.
pub(crate) struct TaskHeld {
    pub(crate) state: AtomicU8,
    /// The stack's length when its owner last gave it back, for the sweeper.
    pub(crate) len: AtomicUsize,
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
    pub(crate) fn new() -> Self {
        TaskHeld {
            state: AtomicU8::new(FREE),
            len: AtomicUsize::new(0),
            held: UnsafeCell::new(Vec::new()),
        }
    }
}

/// The last task this thread worked for, and its stack.
pub(crate) struct TaskCache {
    pub(crate) task: Option<(tokio::task::Id, Arc<TaskHeld>)>,
}

impl TaskCache {
    pub(crate) const fn new() -> Self {
        TaskCache { task: None }
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
        (*held).state.store(FREE, Ordering::Release);
    }
}
