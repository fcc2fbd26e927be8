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
//! # Lock contracts
//!
//! `#[requires_lock(x)]` states that a function runs only while the current thread holds `x`,
//! and checks it at entry (Go's `assertLockHeld(&sched.lock)`, made part of the signature);
//! `#[excludes_lock(x)]` that it never runs while `x` is held. `assert_held!` and
//! `assert_not_held!` do the same inside a body.
//!
//! ```
//! use lockcheck::{requires_lock, Mutex};
//!
//! static SCHED: Mutex<Vec<u64>> = Mutex::named("sched", Vec::new());
//!
//! #[requires_lock(SCHED)]
//! fn trace_thread_destroy(id: u64) {
//!     // ... only ever runs with SCHED held
//! }
//!
//! let sched = SCHED.lock();
//! trace_thread_destroy(1); // met
//! drop(sched);
//!
//! let ((), found) = lockcheck::capture_violations(|| trace_thread_destroy(2)); // broken
//! if lockcheck::ENABLED {
//!     assert_eq!(found[0].kind_name(), "contract");
//! }
//! ```
//!
//! # Declared rank order
//!
//! `lock_ranks!` declares the order among named lock classes in one table, in the syntax of Go's
//! `mklockrank.go`: `#` comments end at their line, and each declaration keeps its own line in
//! reports. The table is checked at compile time (a syntax error or a declared cycle is a
//! compile error at its place); `set_rank_table` makes the checker hold every acquisition to it.
//!
//! ```
//! use lockcheck::lock_ranks;
//!
//! let first = line!() + 1;
//! let table = lock_ranks! {
//!     sched < allm, freem;  # the scheduler first
//!     allm < trace;
//! }
//! .unwrap();
//! assert!(table.orders("sched", "trace"));
//! assert_eq!(table.why("allm", "trace")[0].declared_at, format!("{}:{}", file!(), first + 2));
//! ```
//!
//! # Cargo features
//!
//! All additive; the default is `backtrace` alone.
//!
//! - `release-checks`: keep the checker on in release builds (it is always on with
//!   `debug_assertions`).
//! - `backtrace` (default): a broken contract names its caller's line, from the stack's frames.
//! - `parking_lot`: [`parking_lot`]'s API with the locks checked (`lockcheck::parking_lot`).
//! - `lock_api`: checked locks over any `lock_api` raw lock (`lockcheck::lock_api`).
//! - `arc_lock`: `lock_arc` guards on the `lock_api` and `parking_lot` locks.
//! - `tokio`: tokio's async locks checked, held sets per task, blocking locks held across an
//!   `.await` (`lockcheck::tokio`).

#![warn(missing_docs, unreachable_pub)]

pub use lockcheck_macros::{excludes_lock, lock_ranks, requires_lock};
pub use lockcheck_runtime::{
    action, assert_held, assert_not_held, capture_violations, held_locks, rank_table, report,
    reported, set_action, set_rank_table, write_report, Action, BrokenGate, Callback, ClassKind,
    ClassReport, Condvar, DeclaredOrder, EdgeReport, LockUse, Lockable, Mode, Mutex, MutexGuard,
    OrderEdge, RankError, RankTable, RankTableBuilder, Report, RwLock, RwLockReadGuard,
    RwLockWriteGuard, Site, Violation, ViolationKind, ACTION_ENV, ENABLED, MAX_SUBCLASSES,
    REPORT_DIR_ENV,
};

#[doc(hidden)]
pub use lockcheck_runtime::__private;

/// `std::sync` with the locks checked: `use lockcheck::sync::{Arc, Mutex, Condvar};` in place of
/// `use std::sync::{Arc, Mutex, Condvar};` is the whole change (see the module).
pub use lockcheck_runtime::sync;

pub use lockcheck_runtime::thread;

/// parking_lot's API with the locks checked (feature `parking_lot`):
/// `use lockcheck::parking_lot::{Mutex, Condvar};` in place of `use parking_lot::{Mutex, Condvar};`.
#[cfg(feature = "parking_lot")]
pub use lockcheck_runtime::parking_lot;

/// tokio's async locks checked, held sets per task, and blocking locks held across an `.await`
/// (feature `tokio`): `use lockcheck::tokio::{Mutex, RwLock};` in place of
/// `use tokio::sync::{Mutex, RwLock};`, and `lockcheck::tokio::spawn` for tasks checked at each
/// yield.
#[cfg(feature = "tokio")]
pub use lockcheck_runtime::tokio;

/// Checked locks over any `lock_api` raw lock (feature `lock_api`).
#[cfg(feature = "lock_api")]
pub use lockcheck_runtime::lock_api;
