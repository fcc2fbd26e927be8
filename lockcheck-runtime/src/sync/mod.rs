//! `std::sync` with the locks checked: replace `use std::sync::{Arc, Mutex, Condvar};` with
//! `use lockcheck::sync::{Arc, Mutex, Condvar};` and nothing else changes.
//!
//! [`Mutex`], [`RwLock`] and [`Condvar`] have std's exact signatures and semantics: `lock()`
//! returns a [`LockResult`], a guard dropped during a panic poisons its lock, `try_lock()`
//! returns a [`TryLockResult`], `is_poisoned`/`clear_poison`, `into_inner`/`get_mut` return
//! results, `wait_timeout`/`wait_while`/`wait_timeout_while`, `RwLockWriteGuard::downgrade`.
//! [`mpsc`] is std's channels with receives and sends ordered against the locks held. Every
//! other item of `std::sync` is std's own, re-exported (`Arc`, `atomic`, `Barrier`, `Once`,
//! `OnceLock`, `LazyLock`, `PoisonError`, ...).
//!
//! Each lock is checked as [`crate::Mutex`] is: its class is the place it was built (every
//! constructor is `#[track_caller]`) or its name ([`Mutex::named`]), every acquisition is checked
//! before it can block, and with the checker compiled out each is std's lock, same size, same code.
//! The guards are lockcheck's (`MutexGuard` is [`crate::MutexGuard`]): they deref like std's.
//!
//! # Examples
//!
//! ```
//! use lockcheck_runtime::sync::{Arc, Condvar, Mutex};
//! use std::thread;
//!
//! let pair = Arc::new((Mutex::new(false), Condvar::new()));
//! let pair2 = Arc::clone(&pair);
//! thread::spawn(move || {
//!     let (lock, cvar) = &*pair2;
//!     *lock.lock().unwrap() = true;
//!     cvar.notify_one();
//! });
//! let (lock, cvar) = &*pair;
//! let mut started = lock.lock().unwrap();
//! while !*started {
//!     started = cvar.wait(started).unwrap();
//! }
//! ```

// Everything of std::sync; the names defined below take precedence over the glob.
pub use std::sync::*;

mod condvar;
pub mod mpsc;
mod mutex;
mod rwlock;

pub use crate::locks::{MutexGuard, RwLockReadGuard, RwLockWriteGuard};
pub use condvar::Condvar;
pub use mutex::Mutex;
pub use rwlock::RwLock;
