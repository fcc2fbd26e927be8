//! A thread's end: the locks it still holds are reported once nothing can release them any more.
//!
//! "Exited while holding" must be true when it is said. Two things make it false if said too
//! early: a guard kept in a `thread_local!` is released by that thread-local's own destructor,
//! which may run after ours; and a process ending (`std::process::exit` in a locked region, a
//! common CLI error path, or `main` returning) is not a thread leaving locks behind for others.
//!
//! On Linux with glibc the report runs from a POSIX thread-specific-data destructor: glibc runs
//! those after every `thread_local!` destructor of the thread (`start_thread` calls
//! `__call_tls_dtors`, then `__nptl_deallocate_tsd`), and never at process exit. Elsewhere it runs
//! from a `thread_local!` destructor of its own, as early as its registration order puts it (the
//! two cases above may then be reported).
//!
//! A thread is also marked **exiting** when its first thread-local destructor of ours runs: a
//! violation found after that is never raised as a panic (a panic in a thread-local destructor
//! aborts the process), and a violation callback that panics there is caught.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    static EXITING: Cell<bool> = const { Cell::new(false) };
    /// What to run when the thread ends (`arm`'s argument), for the `thread_local!` fallback.
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    static ON_EXIT: Cell<Option<fn()>> = const { Cell::new(None) };
}

/// Whether this thread is in its teardown, as far as lockcheck can tell.
pub(crate) fn thread_exiting() -> bool {
    EXITING.try_with(Cell::get).unwrap_or(true)
}

/// Whether a panic raised here would abort the process because this thread is running a
/// thread-local's destructor. A thread whose *first* lockcheck lock is taken in such a
/// destructor registered no marker of ours before, so [`thread_exiting`] cannot know; the stack
/// does: glibc's `__call_tls_dtors`, std's `abort_on_dtor_unwind` or its destructor list. Asked
/// only where a panic is about to be raised (a violation under `Panic` or a callback): the walk
/// costs milliseconds. Once found, the thread is marked exiting.
pub(crate) fn in_thread_local_destructor() -> bool {
    if thread_exiting() {
        return true;
    }
    let frames = std::backtrace::Backtrace::force_capture().to_string();
    let found = [
        "__call_tls_dtors",
        "abort_on_dtor_unwind",
        "thread_local::destructors",
    ]
    .iter()
    .any(|f| frames.contains(f));
    if found {
        let _ = EXITING.try_with(|e| e.set(true));
    }
    found
}

/// Marks the thread exiting when its destructor runs.
struct Marker;

impl Drop for Marker {
    fn drop(&mut self) {
        let _ = EXITING.try_with(|e| e.set(true));
        #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
        if let Some(on_exit) = ON_EXIT.try_with(Cell::get).ok().flatten() {
            reap(on_exit);
        }
    }
}

thread_local! {
    static MARKER: Marker = const { Marker };
}

/// Arms this thread's exit report: `on_exit` runs once nothing can release a lock of this
/// thread any more (`check::thread_exited`, which reports what it still holds and frees its
/// buffers). Called when the thread first holds a lock, with its state borrowed: nothing here
/// may call back into the checker's state. The caller passes the report in, so this module
/// knows nothing of what is reported: it only knows when.
pub(crate) fn arm(on_exit: fn()) {
    // Touching a thread-local with a destructor registers that destructor. During teardown,
    // after it ran, this fails: the thread is exiting.
    if MARKER.try_with(|_| ()).is_err() {
        let _ = EXITING.try_with(|e| e.set(true));
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tsd::arm(on_exit);
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = ON_EXIT.try_with(|f| f.set(Some(on_exit)));
}

/// Runs the exit report, the thread marked exiting. Never unwinds.
fn reap(on_exit: fn()) {
    let _ = EXITING.try_with(|e| e.set(true));
    let _ = catch_unwind(AssertUnwindSafe(on_exit));
}

/// The report from a thread-specific-data destructor (glibc runs those last).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod tsd {
    use std::ffi::{c_int, c_uint, c_void};
    use std::sync::OnceLock;

    extern "C" {
        fn pthread_key_create(
            key: *mut c_uint,
            destructor: Option<unsafe extern "C" fn(*mut c_void)>,
        ) -> c_int;
        fn pthread_setspecific(key: c_uint, value: *const c_void) -> c_int;
    }

    /// The key, created once; `None` if the system refused one (then no exit report).
    fn key() -> Option<c_uint> {
        static KEY: OnceLock<Option<c_uint>> = OnceLock::new();
        *KEY.get_or_init(|| {
            let mut key: c_uint = 0;
            // SAFETY: `key` is a valid place for the new key; `destroy` is an `extern "C" fn`
            // that never unwinds.
            let ok = unsafe { pthread_key_create(&mut key, Some(destroy)) } == 0;
            ok.then_some(key)
        })
    }

    /// Sets this thread's value for the key to `on_exit`, so the destructor runs it when the
    /// thread ends (glibc calls the destructor only for a non-null value: a `fn` never is).
    pub(super) fn arm(on_exit: fn()) {
        if let Some(key) = key() {
            // SAFETY: `key` came from `pthread_key_create`; the value is a function pointer,
            // turned back into one in `destroy` only.
            unsafe { pthread_setspecific(key, on_exit as *const c_void) };
        }
    }

    unsafe extern "C" fn destroy(value: *mut c_void) {
        // SAFETY: the only value ever set for the key is a `fn()` (`arm`), never null here.
        let on_exit: fn() = unsafe { std::mem::transmute::<*mut c_void, fn()>(value) };
        super::reap(on_exit);
    }
}
