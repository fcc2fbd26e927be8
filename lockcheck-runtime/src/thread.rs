//! `std::thread` with joins checked: replace `use std::thread;` with `use lockcheck::thread;`
//! and nothing else changes.
//!
//! [`spawn`], [`scope`], [`Builder`], [`JoinHandle`], [`Scope`] and [`ScopedJoinHandle`] have
//! std's signatures and semantics; every other item of `std::thread` is std's own, re-exported.
//!
//! A thread spawned here is a class of the order graph (its spawn site), and it orders itself
//! before every lock it takes (`T -> X`), as if it held its own class for its whole life.
//! Joining it while holding `X` orders `X` before it (`X -> T`): a thread that takes `X` (at any
//! point seen so far, by any thread spawned at that site), joined while holding `X`, is a join
//! that may never return, reported before the join waits. A scope's end joins every thread not
//! joined yet, and is checked the same way, holding what the caller of [`scope`] holds. Joining
//! a thread that never takes `X` is silent. See the README, "Waits that are not locks".
//!
//! # Examples
//!
//! ```
//! use lockcheck_runtime::{capture_violations, thread, Mutex};
//! use std::sync::Arc;
//!
//! let log = Arc::new(Mutex::new(Vec::new()));
//! let l2 = Arc::clone(&log);
//! let ((), found) = capture_violations(|| {
//!     let t = thread::spawn(move || l2.lock().push(1)); // the thread takes `log`
//!     while !t.is_finished() {
//!         thread::yield_now(); // (so that this example does not deadlock for real)
//!     }
//!     let _held = log.lock();
//!     t.join().unwrap(); // joined holding `log`: had it not taken `log` yet, it never would
//! });
//! if lockcheck_runtime::ENABLED {
//!     assert_eq!(found.len(), 1);
//!     assert!(found[0].to_string().contains("joins"));
//! }
//! ```

// Everything of std::thread; the names defined below take precedence over the glob.
pub use std::thread::*;

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::panic::Location;
#[cfg(lockcheck_checks)]
use std::sync::atomic::{AtomicBool, Ordering};
#[cfg(lockcheck_checks)]
use std::sync::Arc;

#[cfg(lockcheck_checks)]
use crate::check;
#[cfg(lockcheck_checks)]
use crate::class::LazyClass;
#[cfg(lockcheck_checks)]
use crate::internal::Internal;
#[cfg(lockcheck_checks)]
use crate::mode::Mode;
#[cfg(lockcheck_checks)]
use crate::wait_class::WaitKind;

/// One spawned thread as the order graph sees it: its class (the spawn site), and whether it
/// was joined (a scope's end joins only the others).
#[cfg(lockcheck_checks)]
struct Tag {
    class: LazyClass,
    site: &'static Location<'static>,
    joined: AtomicBool,
}

/// A spawned thread's identity (nothing with the checks compiled out).
#[derive(Clone)]
struct Point {
    #[cfg(lockcheck_checks)]
    tag: Arc<Tag>,
}

impl Point {
    fn at(site: &'static Location<'static>) -> Point {
        #[cfg(not(lockcheck_checks))]
        let _ = site;
        Point {
            #[cfg(lockcheck_checks)]
            tag: Arc::new(Tag {
                class: LazyClass::site(site),
                site,
                joined: AtomicBool::new(false),
            }),
        }
    }

    /// Runs the thread's closure with the thread's pseudo-hold at the bottom of its stack.
    fn run<T>(self, f: impl FnOnce() -> T) -> T {
        #[cfg(lockcheck_checks)]
        let _running = {
            /// The pseudo-hold's instance, what the thread's hold was before, and the tag that
            /// keeps the instance alive until the entry is gone.
            struct Running(usize, usize, #[allow(dead_code)] Point);
            impl Drop for Running {
                fn drop(&mut self) {
                    check::thread_ends(self.0, self.1);
                }
            }
            let t = check::wait_acquisition(
                &self.tag.class,
                WaitKind::Thread,
                Mode::Shared,
                self.tag.site,
            );
            let instance = t.instance;
            Running(instance, check::thread_begins(t), self)
        };
        f()
    }

    /// The thread is about to be joined at `site`: what the joiner holds is ordered before it.
    fn joining(&self, site: &'static Location<'static>) {
        #[cfg(lockcheck_checks)]
        {
            self.tag.joined.store(true, Ordering::Relaxed);
            check::waiting(
                check::wait_acquisition(&self.tag.class, WaitKind::Thread, Mode::Exclusive, site),
                0,
            );
        }
        #[cfg(not(lockcheck_checks))]
        let _ = site;
    }
}

/// [`std::thread::spawn`], its joins checked.
///
/// # Panics
///
/// As std's: when the OS fails to create a thread.
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let point = Point::at(Location::caller());
    let p2 = point.clone();
    JoinHandle {
        inner: std::thread::spawn(move || p2.run(f)),
        point,
    }
}

/// [`std::thread::JoinHandle`]: joining it while holding a lock the thread takes is reported.
pub struct JoinHandle<T> {
    inner: std::thread::JoinHandle<T>,
    point: Point,
}

impl<T> JoinHandle<T> {
    /// The thread.
    pub fn thread(&self) -> &Thread {
        self.inner.thread()
    }

    /// Waits for the thread to finish; its result, or the payload of its panic.
    ///
    /// # Errors
    ///
    /// The thread panicked.
    ///
    /// # Panics
    ///
    /// On a violation (a join that may never return) under the default action, before it
    /// waits.
    #[track_caller]
    pub fn join(self) -> Result<T> {
        self.point.joining(Location::caller());
        self.inner.join()
    }

    /// Whether the thread has finished running its closure.
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// The std handle, unchecked from here on.
    pub fn into_std(self) -> std::thread::JoinHandle<T> {
        self.inner
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// [`std::thread::Builder`], spawning checked threads.
#[derive(Debug)]
pub struct Builder {
    inner: std::thread::Builder,
}

impl Builder {
    /// A builder with std's defaults.
    #[allow(clippy::new_without_default)] // std's has none either
    pub fn new() -> Builder {
        Builder {
            inner: std::thread::Builder::new(),
        }
    }

    /// The thread's name.
    pub fn name(self, name: String) -> Builder {
        Builder {
            inner: self.inner.name(name),
        }
    }

    /// The thread's stack size, in bytes.
    pub fn stack_size(self, size: usize) -> Builder {
        Builder {
            inner: self.inner.stack_size(size),
        }
    }

    /// As [`spawn`].
    ///
    /// # Errors
    ///
    /// The OS failed to create the thread.
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let point = Point::at(Location::caller());
        let p2 = point.clone();
        let inner = self.inner.spawn(move || p2.run(f))?;
        Ok(JoinHandle { inner, point })
    }

    /// As [`Scope::spawn`].
    ///
    /// # Errors
    ///
    /// The OS failed to create the thread.
    #[track_caller]
    pub fn spawn_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope Scope<'scope, 'env>,
        f: F,
    ) -> io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let point = scope.point(Location::caller());
        let p2 = point.clone();
        let inner = self.inner.spawn_scoped(&scope.inner, move || p2.run(f))?;
        Ok(ScopedJoinHandle { inner, point })
    }

    /// As std's: spawns a thread whose closure may borrow what does not outlive it.
    ///
    /// # Safety
    ///
    /// As [`std::thread::Builder::spawn_unchecked`]: the caller must make sure the thread ends
    /// before anything it borrows goes away (join it, or leak what it borrows).
    ///
    /// # Errors
    ///
    /// The OS failed to create the thread.
    #[track_caller]
    pub unsafe fn spawn_unchecked<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send,
        T: Send,
    {
        let point = Point::at(Location::caller());
        let p2 = point.clone();
        // SAFETY: the caller's promise, passed on as it was made.
        let inner = unsafe { self.inner.spawn_unchecked(move || p2.run(f)) }?;
        Ok(JoinHandle { inner, point })
    }
}

/// The threads spawned in a scope and not joined, by scope: a scope's end joins them.
#[cfg(lockcheck_checks)]
static UNJOINED: Internal<Vec<(usize, Arc<Tag>)>> = Internal::new(Vec::new());

/// [`std::thread::scope`]: a scope's end joins the threads not joined yet, checked as a
/// [`ScopedJoinHandle::join`] at this call's line (holding what the caller holds).
#[track_caller]
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    let site = Location::caller();
    std::thread::scope(|s| {
        let scope = Scope::of(s);
        // A scope whose closure panics forgets its threads unchecked (std joins them all, then
        // resumes the panic).
        let forget = Forget(scope.key());
        let r = f(scope);
        scope.end(site);
        drop(forget);
        r
    })
}

/// Forgets a scope's threads when dropped (the scope's key: see [`Scope::key`]).
struct Forget(usize);

impl Drop for Forget {
    fn drop(&mut self) {
        #[cfg(lockcheck_checks)]
        UNJOINED.lock().retain(|(k, _)| *k != self.0);
    }
}

/// [`std::thread::Scope`], spawning checked threads.
#[repr(transparent)]
pub struct Scope<'scope, 'env: 'scope> {
    inner: std::thread::Scope<'scope, 'env>,
    _invariant: PhantomData<&'scope mut &'scope ()>,
}

impl<'scope, 'env> Scope<'scope, 'env> {
    fn of(s: &'scope std::thread::Scope<'scope, 'env>) -> &'scope Self {
        // SAFETY: `Scope` is `repr(transparent)` over std's (the marker is zero-sized, align 1).
        unsafe { &*(s as *const std::thread::Scope<'scope, 'env> as *const Self) }
    }

    fn key(&self) -> usize {
        self as *const Self as usize
    }

    /// A thread spawned in this scope at `site`, remembered for the scope's end.
    fn point(&self, site: &'static Location<'static>) -> Point {
        let point = Point::at(site);
        #[cfg(lockcheck_checks)]
        UNJOINED.lock().push((self.key(), Arc::clone(&point.tag)));
        point
    }

    /// The scope ends at `site`: every thread of it not joined yet is joined there.
    fn end(&self, site: &'static Location<'static>) {
        #[cfg(lockcheck_checks)]
        {
            let key = self.key();
            let mine: Vec<Arc<Tag>> = {
                let mut all = UNJOINED.lock();
                let mut mine = Vec::new();
                all.retain(|(k, t)| {
                    if *k == key {
                        mine.push(Arc::clone(t));
                    }
                    *k != key
                });
                mine
            };
            for tag in mine {
                if !tag.joined.load(Ordering::Relaxed) {
                    Point { tag }.joining(site);
                }
            }
        }
        #[cfg(not(lockcheck_checks))]
        let _ = site;
    }

    /// As [`std::thread::Scope::spawn`].
    ///
    /// # Panics
    ///
    /// As std's: when the OS fails to create a thread.
    #[track_caller]
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let point = self.point(Location::caller());
        let p2 = point.clone();
        ScopedJoinHandle {
            inner: self.inner.spawn(move || p2.run(f)),
            point,
        }
    }
}

impl fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// [`std::thread::ScopedJoinHandle`]: joining it while holding a lock the thread takes is
/// reported.
pub struct ScopedJoinHandle<'scope, T> {
    inner: std::thread::ScopedJoinHandle<'scope, T>,
    point: Point,
}

impl<T> ScopedJoinHandle<'_, T> {
    /// The thread.
    pub fn thread(&self) -> &Thread {
        self.inner.thread()
    }

    /// Waits for the thread to finish; its result, or the payload of its panic.
    ///
    /// # Errors
    ///
    /// The thread panicked.
    ///
    /// # Panics
    ///
    /// On a violation (a join that may never return) under the default action, before it
    /// waits.
    #[track_caller]
    pub fn join(self) -> Result<T> {
        self.point.joining(Location::caller());
        self.inner.join()
    }

    /// Whether the thread has finished running its closure.
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }
}

impl<T> fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
