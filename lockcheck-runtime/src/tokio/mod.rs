//! Async lock checking for tokio (feature `tokio`).
//!
//! - [`Mutex`] and [`RwLock`]: `tokio::sync`'s locks with their API (`lock().await`,
//!   `try_lock` with tokio's [`TryLockError`], `lock_owned`, `blocking_lock`, `read`/`write`,
//!   mapped and owned guards), checked like lockcheck's other locks: lock classes, sites, ranks,
//!   contracts, reports. A class named alike in a sync and an async lock is one class: the order
//!   graph is one, sync and async.
//! - **Held sets per task.** Inside a tokio task, the locks held (sync or async) are the task's,
//!   whichever worker thread polls it: order edges are learned between the locks one task
//!   holds, a guard taken on one worker and dropped on another is released correctly, and two
//!   tasks interleaved on one thread (a current-thread runtime, a `LocalSet`) never see each
//!   other's locks. Outside a task the thread's held stack is used, as without the feature.
//! - **Blocking locks held across an `.await`** ([`ViolationKind::HeldAcrossAwait`]): a future
//!   run through [`spawn`], [`spawn_local`] or [`CheckedExt::checked`] is checked each time it
//!   yields (`Poll::Pending`): a lockcheck lock that blocks its thread (any but this module's)
//!   still held then is reported, with where it was taken. A checked future owns the locks
//!   taken while it is polled, as a task does.
//!
//! # Checking a `#[tokio::test]`
//!
//! One line: wrap the test's body in [`checked`] (a task spawned with [`spawn`] is checked on
//! its own).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // #[tokio::test]
//! // async fn serves() {
//!     lockcheck_runtime::tokio::checked(async {
//!         // ... the test's body
//!     })
//!     .await;
//! // }
//! # }
//! ```
//!
//! [`ViolationKind::HeldAcrossAwait`]: crate::ViolationKind::HeldAcrossAwait

mod checked;
mod mutex;
mod rwlock;

pub use checked::{checked, spawn, spawn_local, Checked, CheckedExt};
pub use mutex::{MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard};
pub use rwlock::{
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockMappedWriteGuard, RwLockReadGuard,
    RwLockWriteGuard,
};
pub use tokio::sync::TryLockError;

/// How many tasks have a held stack in lockcheck's table now (tasks holding locks, and those
/// not yet swept): for tests that the table stays bounded.
#[doc(hidden)]
pub fn tasks_with_held_stacks() -> usize {
    crate::task::tasks_with_stacks()
}
