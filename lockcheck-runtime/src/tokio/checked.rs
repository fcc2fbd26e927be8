//! The poll boundary: a future that owns the locks taken while it is polled, and is checked
//! each time it yields for blocking locks still held (clippy's `await_holding_lock`, at run
//! time, through calls and generics).

use std::future::Future;
#[cfg(lockcheck_checks)]
use std::mem::ManuallyDrop;
use std::pin::Pin;
#[cfg(lockcheck_checks)]
use std::sync::Arc;
use std::task::{Context, Poll};

#[cfg(lockcheck_checks)]
use crate::task;
#[cfg(lockcheck_checks)]
use crate::task_held::TaskHeld;

/// A future checked at each yield ([`CheckedExt::checked`], [`checked`], [`spawn`]).
///
/// While it is polled (and while it is dropped), the locks taken are its own: it carries its
/// held stack from poll to poll, on whatever thread polls it. When its poll returns `Pending`
/// while it holds a lock that blocks its thread (a lockcheck lock other than
/// [`lockcheck::tokio`](crate::tokio)'s), that is a
/// [`HeldAcrossAwait`](crate::ViolationKind::HeldAcrossAwait) violation.
///
/// With the checks compiled out it is the future itself (`repr(transparent)`: no allocation,
/// nothing done at a poll), and [`spawn`] and [`spawn_local`] are tokio's.
#[must_use = "futures do nothing unless polled"]
#[cfg(lockcheck_checks)]
pub struct Checked<F> {
    // Dropped in `Drop`, while this future owns the locks the drop releases.
    inner: ManuallyDrop<F>,
    held: Arc<TaskHeld>,
    /// A task's whole future ([`spawn`], [`spawn_local`]): its output leaves the task through
    /// the `JoinHandle`, so the guards in it are no longer the task's.
    root: bool,
}

/// A future checked at each yield: with the checks compiled out, the future itself.
#[must_use = "futures do nothing unless polled"]
#[cfg(not(lockcheck_checks))]
#[repr(transparent)]
pub struct Checked<F> {
    inner: F,
}

#[cfg(not(lockcheck_checks))]
impl<F> Checked<F> {
    /// `future`, as it is.
    #[inline]
    pub fn new(future: F) -> Self {
        Checked { inner: future }
    }
}

#[cfg(not(lockcheck_checks))]
impl<F: Future> Future for Checked<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: never moved out of a pinned `Checked`.
        unsafe { self.map_unchecked_mut(|c| &mut c.inner) }.poll(cx)
    }
}

#[cfg(lockcheck_checks)]
impl<F> Checked<F> {
    /// `future`, checked.
    pub fn new(future: F) -> Self {
        Checked {
            inner: ManuallyDrop::new(future),
            held: Arc::new(TaskHeld::of_future()),
            root: false,
        }
    }

    /// `future`, checked, as a spawned task's whole future.
    fn task(future: F) -> Self {
        let mut checked = Checked::new(future);
        checked.root = true;
        checked
    }
}

#[cfg(lockcheck_checks)]
impl<F: Future> Future for Checked<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned (never moved out while pinned: only dropped in
        // place, in `Drop`); `held` is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // The locks taken in this poll, and the check at a yield, are this future's.
        let owner = task::polling(&this.held);
        // SAFETY: as above.
        let inner = unsafe { Pin::new_unchecked(&mut *this.inner) };
        let polled = inner.poll(cx);
        if polled.is_pending() {
            yielded();
            return polled;
        }
        // Done: a guard it still holds is in its output (`async { m.lock().await }.checked()`),
        // and goes where the output goes: to whoever polled this future. A spawned task's
        // output goes to whoever awaits its `JoinHandle`, which lockcheck cannot see: the
        // entries leave with it rather than stay behind in the ended task's held set.
        #[cfg(lockcheck_checks)]
        let handed_over = crate::check::take_all_held();
        drop(owner);
        #[cfg(lockcheck_checks)]
        if !this.root {
            crate::check::hold_all(handed_over);
        }
        polled
    }
}

/// The future yields: the blocking locks it still holds are reported.
#[cfg(lockcheck_checks)]
fn yielded() {
    crate::check::task_yielded();
}

#[cfg(lockcheck_checks)]
impl<F> Drop for Checked<F> {
    fn drop(&mut self) {
        // The inner future's guards are released as this future's.
        let _owner = task::polling(&self.held);
        // SAFETY: dropped exactly once, here; never used after.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
        // Releases that waited for this future's held set go with it.
        #[cfg(lockcheck_checks)]
        crate::stray_releases::forget(crate::stray_releases::Holder::of(Arc::as_ptr(&self.held)));
    }
}

/// `.checked()` on any future: see [`Checked`].
pub trait CheckedExt: Future + Sized {
    /// This future, checked at each yield for blocking locks held across an `.await`, and
    /// owning the locks taken while it is polled.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use lockcheck_runtime::tokio::CheckedExt;
    ///
    /// let sum = async { 1 + 1 }.checked().await;
    /// assert_eq!(sum, 2);
    /// # }
    /// ```
    fn checked(self) -> Checked<Self> {
        Checked::new(self)
    }
}

impl<F: Future> CheckedExt for F {}

/// `future`, checked: see [`Checked`]. The one line a `#[tokio::test]` adds around its body.
pub fn checked<F: Future>(future: F) -> Checked<F> {
    Checked::new(future)
}

/// [`tokio::spawn`], the task checked: see [`Checked`].
///
/// # Panics
///
/// As `tokio::spawn`, outside a runtime.
#[track_caller]
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    #[cfg(lockcheck_checks)]
    {
        tokio::spawn(Checked::task(future))
    }
    #[cfg(not(lockcheck_checks))]
    {
        tokio::spawn(future)
    }
}

/// [`tokio::task::spawn_local`], the task checked: see [`Checked`].
///
/// # Panics
///
/// As `spawn_local`, outside a `LocalSet`.
#[track_caller]
pub fn spawn_local<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    #[cfg(lockcheck_checks)]
    {
        tokio::task::spawn_local(Checked::task(future))
    }
    #[cfg(not(lockcheck_checks))]
    {
        tokio::task::spawn_local(future)
    }
}
