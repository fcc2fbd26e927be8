//! The dynamic checker behind [`lockcheck`](https://docs.rs/lockcheck): checked locks, per-thread
//! held stacks, a learned lock-order graph and a declared rank order.
//!
//! Users depend on the `lockcheck` facade crate, which re-exports this one.
//!
//! # How it works
//!
//! The design is Linux lockdep's, with Go's runtime lock ranking and Rust's RAII guards:
//!
//! - every lock belongs to a **lock class** (its construction site, or its name), and order is
//!   learned per class, so one observed order covers every instance ([`class`](crate) module);
//! - each thread keeps a **held stack** of the locks it holds and where it took them;
//! - acquiring `B` while holding `A` teaches the global **order graph** the edge `A -> B`; an
//!   acquisition whose edge would close a cycle is a **violation**, reported *before* the thread
//!   blocks, so a possible deadlock is found on a run that never deadlocks;
//! - a declared **rank** table ([`RankTable`]) is checked at every new order, even the first;
//! - a violation goes to the configured [`Action`]: a panic (default), a log line, an abort, a
//!   callback; `LOCKCHECK_ACTION=panic|log|abort` ([`ACTION_ENV`]) sets it from the environment.
//!
//! # Map
//!
//! Calls go down this list; the one reach back up is the report's snapshot, which reads the
//! state it reports:
//!
//! - `locks/` (the lock types), `sync` (the same locks with `std::sync`'s API) and `contract` (what `#[requires_lock]` and `assert_held!`
//!   expand to): the front ends; they call the protocol, or read the held stack;
//! - `check`: the acquire/release protocol, the only module that combines the others;
//! - `held` (the per-thread held stack and edge cache, thread names), `graph` (the learned
//!   order), `rank` (the declared order), `class` (lock classes): state, each behind its own API;
//!   `exit` reports what a thread still holds once nothing can release it any more;
//! - `violation`: what happens on one (panic, log, abort, callback, capture), reported once; it
//!   has the process's report file rewritten when one is first raised;
//! - `report`: text, JSON and DOT, and the file written at exit (`check` arms its exit hook on
//!   a lock's first use). The class registry and the protocol never format or write a report
//!   themselves;
//! - `task` and `tokio/` (feature `tokio`): whose held stack a lock operation works on — a
//!   checked future being polled, a tokio task, or the thread — swapped into the thread's state
//!   for the operation, so `check` is the same for all three; tokio's locks, and the yield check
//!   for blocking locks held across an `.await`;
//! - `internal`: the checker's own locks. Holding one marks the thread **busy**, and a lock
//!   operation on a busy thread is taken unchecked: the checker never blocks on itself, even
//!   with a checked lock inside the global allocator.
//!
//! # When it is on
//!
//! The checker is compiled in when `debug_assertions` is on, or with the `release-checks`
//! feature. Otherwise the lock types are the std locks and nothing else: same size, same speed.
//! [`ENABLED`] says which.
//!
//! # Examples
//!
//! ```
//! use lockcheck_runtime::{capture_violations, Mutex};
//!
//! static SCHED: Mutex<u32> = Mutex::named("example-sched", 0);
//! static TRACE: Mutex<u32> = Mutex::named("example-trace", 0);
//!
//! let ((), found) = capture_violations(|| {
//!     {
//!         let _s = SCHED.lock();
//!         let _t = TRACE.lock(); // learns sched -> trace
//!     }
//!     let _t = TRACE.lock();
//!     let _s = SCHED.lock(); // trace -> sched: never deadlocks here, but could
//! });
//! if lockcheck_runtime::ENABLED {
//!     assert_eq!(found[0].kind_name(), "order-cycle");
//!     assert!(found[0].to_string().contains("lock order inversion"));
//! }
//! ```

#![warn(missing_docs, unreachable_pub)]
// With the checker compiled out, the lock types never call into it; the API stays (queries
// answer "nothing held", reports are empty) and the unused machinery is left to the linker.
#![cfg_attr(not(lockcheck_checks), allow(dead_code))]

mod check;
mod class;
mod contract;
mod exit;
mod gates;
mod graph;
mod held;
mod instances;
mod internal;
#[cfg(feature = "lock_api")]
pub mod lock_api;
mod locks;
#[cfg(feature = "parking_lot")]
pub mod parking_lot;
mod rank;
mod report;
pub mod sync;
#[cfg(feature = "tokio")]
mod task;
#[cfg(feature = "tokio")]
pub mod tokio;
mod violation;

pub use check::held_locks;
pub use class::MAX_SUBCLASSES;
pub use contract::Lockable;
pub use held::Mode;
pub use lockcheck_ranks::{DeclaredOrder, RankError, RankTable, RankTableBuilder};
pub use locks::{Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use rank::{rank_table, set_rank_table};
pub use report::{report, write_report, ClassReport, EdgeReport, Report, REPORT_DIR_ENV};
pub use violation::{
    action, capture_violations, reported, set_action, Action, BrokenGate, Callback, LockUse,
    OrderEdge, Site, Violation, ViolationKind, ACTION_ENV,
};

/// Whether the checker is compiled in (`debug_assertions`, or the `release-checks` feature).
pub const ENABLED: bool = cfg!(lockcheck_checks);

/// What the `lockcheck` macros expand to, and what lockcheck's own benchmarks need. Not a public
/// API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::check::forget_learned_orders;
    pub use crate::contract::{assert_held, assert_not_held, excludes, requires, Contract};
    pub use crate::held::thread_names_kept;
    pub use crate::instances::count as instance_orders_known;
}
