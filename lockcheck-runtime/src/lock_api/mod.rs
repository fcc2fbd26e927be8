//! Checked locks over any [`lock_api`] raw lock (cargo feature `lock_api`): a spin lock, a custom
//! raw mutex, parking_lot's own raw locks (which `lockcheck::parking_lot` is made of).
//!
//! [`Mutex<R, T>`](Mutex), [`RwLock<R, T>`](RwLock) and [`ReentrantMutex<R, G, T>`](ReentrantMutex)
//! have `lock_api`'s API (its guards' `map`, `try_map`, `unlocked`, `bump`, `unlock_fair`, the timed
//! `try_lock_for`/`try_lock_until`, upgradable reads) and are checked as [`crate::Mutex`] is: a
//! lock's class is the place it was built (every constructor is `#[track_caller]`) or its name
//! (`named`), and every acquisition is checked, at the user's line, before it can block. With the
//! checker compiled out each is the `lock_api` lock it wraps, same size, same code.
//!
//! # Examples
//!
//! A spin lock of your own, checked:
//!
//! ```
//! use std::sync::atomic::{AtomicBool, Ordering};
//!
//! struct RawSpin(AtomicBool);
//!
//! // SAFETY: the lock is held exactly while the flag is set, taken with Acquire and released
//! // with Release.
//! unsafe impl lock_api::RawMutex for RawSpin {
//!     const INIT: RawSpin = RawSpin(AtomicBool::new(false));
//!     type GuardMarker = lock_api::GuardSend;
//!     fn lock(&self) {
//!         while !self.try_lock() {
//!             std::hint::spin_loop();
//!         }
//!     }
//!     fn try_lock(&self) -> bool {
//!         self.0
//!             .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
//!             .is_ok()
//!     }
//!     unsafe fn unlock(&self) {
//!         self.0.store(false, Ordering::Release);
//!     }
//! }
//!
//! type SpinLock<T> = lockcheck_runtime::lock_api::Mutex<RawSpin, T>;
//!
//! let a = SpinLock::new(1);
//! let b = SpinLock::new(2);
//! let ((), found) = lockcheck_runtime::capture_violations(|| {
//!     drop((a.lock(), b.lock()));
//!     let _b = b.lock();
//!     let _a = a.lock(); // the other order
//! });
//! if lockcheck_runtime::ENABLED {
//!     assert_eq!(found[0].kind_name(), "order-cycle");
//! }
//! ```

mod mutex;
mod reentrant;
mod rwlock;

#[cfg(feature = "arc_lock")]
pub use mutex::ArcMutexGuard;
pub use mutex::{MappedMutexGuard, Mutex, MutexGuard};
pub use reentrant::{MappedReentrantMutexGuard, ReentrantMutex, ReentrantMutexGuard};
#[cfg(feature = "arc_lock")]
pub use rwlock::{ArcRwLockGuard, ArcRwLockReadGuard, ArcRwLockWriteGuard};
pub use rwlock::{
    MappedRwLockReadGuard, MappedRwLockWriteGuard, RwLock, RwLockReadGuard,
    RwLockUpgradableReadGuard, RwLockWriteGuard,
};
