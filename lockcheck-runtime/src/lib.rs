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
//! Modules flow one way: each uses only those listed before it (the one way back up is a
//! function passed down: `check` hands `exit` the report to run when a thread ends).
//!
//! - **vocabulary**: `key` (class ids, lock keys, edge words), `mode`, `site`, `held_lock` (one
//!   entry of a held stack), `hasher`;
//! - **per-thread state**: `edge_cache` (the orders a thread has seen accepted), `task_held`
//!   (feature `tokio`: a task's or checked future's held stack, and how many tasks' stacks are
//!   announced: while none is, blocking locks never ask which task runs), `thread_state` (the
//!   thread's state and its one flag word: borrowed, busy, whose stack to ask for; a task's
//!   stack is swapped in for a borrow, the thread's own joined beside it, or beside the
//!   thread's for a blocking lock's operation);
//! - `internal`: the checker's own locks. Holding one marks the thread **busy**, and a lock
//!   operation on a busy thread is taken unchecked: the checker never blocks on itself, even
//!   with a checked lock inside the global allocator;
//! - **shared state**, each behind one of those locks: `class` (lock classes: site or name →
//!   id), `graph` (the learned order, Pearce–Kelly, and the cycles it keeps because a gate lock
//!   guards them), `instances` (orders between instances of one site class), `rank` (the
//!   declared order), `task` (feature `tokio`: which task's stack an operation works on),
//!   `thread_name`, `wait_class` (which classes are waits that are not locks: condvars, joined
//!   threads, channels), `waits` (the wait-for graph: who waits for which lock, holding what),
//!   `stray_releases` (feature `tokio`: guards released by another owner than the one holding
//!   their entry);
//! - `held`: the current owner's held set (the thread, or the task or checked future being
//!   polled), as the protocol and the queries see it;
//! - `violation` (what was found, as values), `reported` (what this process reported, once
//!   each), `exit` (when a thread ends), `report` (text, JSON, DOT and the report file: reads
//!   snapshots of the state above), `dispatch` (what happens on a violation: panic, log, abort,
//!   callback, capture; it rewrites the report file first);
//! - `check`: the acquire/release protocol, the one place that decides and raises: one fast
//!   path, one slow path, one verdict; `check::wait_edges`, the orders a wait, a notify, a join,
//!   a send or a receive teaches;
//! - `contract` ([`Lockable`], what `#[requires_lock]` and `assert_held!` expand to) and
//!   `core`: the checked core every flavour is a skin over (a lock's identity, a guard's hold,
//!   the one guard wrapper, a wait's identity);
//! - the flavours: `locks` (this crate's own API), [`sync`] (with `sync::mpsc`),
//!   [`lock_api`](crate) and `parking_lot`, `tokio`: their API surface over the core, nothing of
//!   the protocol; [`thread`]: std's threads, joins checked.
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

// Vocabulary: what every layer above speaks.
mod hasher;
mod held_lock;
mod key;
mod mode;
mod shown;
mod site;
// Per-thread (and per-task) state.
mod edge_cache;
#[cfg(feature = "tokio")]
mod task_held;
mod thread_state;
// The checker's own locks (they mark the thread busy in its state).
mod internal;
// Shared state behind the checker's locks.
mod class;
mod graph;
mod instances;
mod rank;
#[cfg(feature = "tokio")]
mod stray_releases;
#[cfg(feature = "tokio")]
mod task;
mod thread_name;
mod wait_class;
mod waits;
// Whose held set a lock operation works on.
mod held;
// Violations as values, and what was reported.
mod callers;
mod reported;
mod violation;
// When a thread ends.
mod exit;
// Where a report goes (standard error past libtest's capture; `tracing`, `log`), and
// lockcheck's own panics kept from poisoning the program's locks.
mod poison;
mod sink;
// Reports: snapshots of the state above, and the files processes leave.
mod report;
// What happens on a violation.
mod dispatch;
// The protocol: the one place that decides and raises.
mod check;
// The checked core every lock flavour is a skin over.
mod contract;
mod core;
// The lock flavours.
#[cfg(feature = "lock_api")]
pub mod lock_api;
mod locks;
#[cfg(feature = "parking_lot")]
pub mod parking_lot;
pub mod sync;
pub mod thread;
#[cfg(feature = "tokio")]
pub mod tokio;

pub use check::held_locks;
pub use contract::Lockable;
pub use dispatch::{action, capture_violations, set_action, Action, Callback, ACTION_ENV};
pub use key::MAX_SUBCLASSES;
pub use lockcheck_ranks::{DeclaredOrder, RankError, RankTable, RankTableBuilder};
pub use locks::{Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use mode::Mode;
pub use rank::{rank_table, set_rank_table};
pub use report::{
    report, write_report, ClassKind, ClassReport, EdgeReport, Report, REPORT_DIR_ENV,
};
pub use reported::reported;
pub use site::Site;
pub use violation::{BrokenGate, LockUse, OrderEdge, Violation, ViolationKind, WaitStep};

/// Whether the checker is compiled in (`debug_assertions`, or the `release-checks` feature).
pub const ENABLED: bool = cfg!(lockcheck_checks);

/// What the `lockcheck` macros expand to, and what lockcheck's own benchmarks need. Not a public
/// API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::check::forget_learned_orders;
    pub use crate::contract::{assert_held, assert_not_held, excludes, requires, Contract};
    pub use crate::instances::count as instance_orders_known;
    pub use crate::thread_name::thread_names_kept;
}
