//! **lockcheck**: lock-order and lock-invariant checking for Rust.
//!
//! Add this one dependency and use its locks instead of std's. In debug builds every acquisition
//! is checked against the locks the thread holds and against the order learned so far from every
//! thread; a possible deadlock is reported before it can happen, with the places that
//! established each order. In release builds the locks are std's and cost nothing more, unless
//! the `release-checks` feature keeps the checks on.
//!
//! # Examples
//!
//! ```
//! use lockcheck::Mutex;
//!
//! static SCHED: Mutex<Vec<u32>> = Mutex::named("sched", Vec::new());
//! SCHED.lock().push(1);
//! ```
//!
//! # Cargo features
//!
//! - `release-checks`: keep the checker on in release builds (it is always on with
//!   `debug_assertions`).

#![warn(missing_docs, unreachable_pub)]

pub use lockcheck_runtime::{
    action, capture_violations, held_locks, lock_ranks, rank_table, report, reported, set_action,
    set_rank_table, Action, Callback, ClassReport, Condvar, DeclaredOrder, EdgeReport, LockUse,
    Mode, Mutex, MutexGuard, OrderEdge, RankError, RankTable, RankTableBuilder, Report, RwLock,
    RwLockReadGuard, RwLockWriteGuard, Site, Violation, ViolationKind, ENABLED, MAX_SUBCLASSES,
};
