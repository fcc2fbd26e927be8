//! Async lock checking for tokio (feature `tokio`).
//!
//! - [`Mutex`] and [`RwLock`]: `tokio::sync`'s locks with their whole API (`lock().await`,
//!   `try_lock` with tokio's [`TryLockError`], the owned, `try_` and `blocking_` acquisitions,
//!   mapped, downgraded and owned guards, `with_max_readers`; `Send` and `Sync` as tokio's),
//!   checked like lockcheck's other locks: lock classes, sites, ranks, contracts, reports. A
//!   class named alike in a sync and an async lock is one class: the order graph is one, sync
//!   and async. Every other item of `tokio::sync` is re-exported, so `use lockcheck::tokio as
//!   sync;` stands for `use tokio::sync;`. With the checks compiled out, the locks and guards
//!   are tokio's own, wrapped (same size, no work of their own), and [`Checked`] is the future
//!   itself.
//! - **Held sets per task.** Inside a tokio task, the async locks held are the task's,
//!   whichever worker thread polls it: order edges are learned between the locks one task
//!   holds, a guard taken on one worker and dropped on another is released correctly, and two
//!   tasks interleaved on one thread (a current-thread runtime, a `LocalSet`) never see each
//!   other's. A blocking lock's entry is its thread's (its guard cannot leave the thread),
//!   ordered after the async locks of the task that takes it. Outside a task the thread's held
//!   stack is used, as without the feature.
//! - **Blocking locks held across an `.await`** ([`ViolationKind::HeldAcrossAwait`]): a future
//!   run through [`spawn`], [`spawn_local`] or [`CheckedExt::checked`] is checked each time it
//!   yields (`Poll::Pending`): a lockcheck lock that blocks its thread (any but this module's)
//!   still held then is reported, with where it was taken. A checked future owns every lock
//!   taken while it is polled, blocking ones included.
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
#[cfg(lockcheck_checks)]
mod mutex;
#[cfg(not(lockcheck_checks))]
mod passthrough;
#[cfg(lockcheck_checks)]
mod rwlock;

pub use checked::{checked, spawn, spawn_local, Checked, CheckedExt};
#[cfg(lockcheck_checks)]
pub use mutex::{MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard};
#[cfg(not(lockcheck_checks))]
pub use passthrough::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard,
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
#[cfg(lockcheck_checks)]
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
/// Everything else of `tokio::sync` (channels, `Notify`, `Semaphore`, `OnceCell`, `Barrier`,
/// `TryLockError`, ...), as tokio has it: `use lockcheck::tokio as sync;` stands for
/// `use tokio::sync;`.
pub use tokio::sync::*;

/// How many tasks have a held stack in lockcheck's table now (tasks holding locks, and those
/// not yet swept): for tests that the table stays bounded.
#[doc(hidden)]
pub fn tasks_with_held_stacks() -> usize {
    #[cfg(lockcheck_checks)]
    {
        crate::task::tasks_with_stacks()
    }
    #[cfg(not(lockcheck_checks))]
    {
        0
    }
}

/// How many tasks' held stacks are announced now (have held a lock since they were made or
/// last swept): while none is, blocking locks work on their thread's stack without asking tokio
/// which task runs. For tests.
#[doc(hidden)]
pub fn announced_task_stacks() -> usize {
    #[cfg(lockcheck_checks)]
    {
        crate::task_held::announced()
    }
    #[cfg(not(lockcheck_checks))]
    {
        0
    }
}

/// `Deref` (and `DerefMut` with `mut`), `Debug` and `Display` for a checked tokio guard `$guard`
/// whose data is at the pointer `$data` (an expression of the guard `$g`) for as long as the
/// guard lives: the caller's `SAFETY` comment says why.
#[cfg(lockcheck_checks)]
macro_rules! data_access {
    ([$($gen:tt)*] $guard:ty => $target:ty, |$g:ident| $data:expr $(, $mutable:ident)?) => {
        impl<$($gen)*> ::std::ops::Deref for $guard {
            type Target = $target;
            #[inline]
            fn deref(&self) -> &$target {
                let $g = self;
                // SAFETY: at the macro's use.
                unsafe { &*$data.as_ptr() }
            }
        }

        $crate::tokio::data_access!(@mut [$($gen)*] $guard => $target, |$g| $data $(, $mutable)?);

        impl<$($gen)*> ::std::fmt::Debug for $guard
        where
            $target: ::std::fmt::Debug,
        {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<$($gen)*> ::std::fmt::Display for $guard
        where
            $target: ::std::fmt::Display,
        {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&**self, f)
            }
        }
    };
    (@mut [$($gen:tt)*] $guard:ty => $target:ty, |$g:ident| $data:expr) => {};
    (@mut [$($gen:tt)*] $guard:ty => $target:ty, |$g:ident| $data:expr, mut) => {
        impl<$($gen)*> ::std::ops::DerefMut for $guard {
            #[inline]
            fn deref_mut(&mut self) -> &mut $target {
                let $g = &*self;
                // SAFETY: at the macro's use; `&mut self` makes the access exclusive.
                unsafe { &mut *$data.as_ptr() }
            }
        }
    };
}
#[cfg(lockcheck_checks)]
pub(crate) use data_access;
