//! Nothing the checker does at a thread's or the process's end may abort the process, change its
//! exit code, or say something untrue. Each scenario runs in a child process (this test binary,
//! run again with one ignored test), whose exit status and stderr the parent reads.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::cell::RefCell;
use std::process::{Command, Output};
use std::sync::Arc;

use lockcheck::{set_action, Action, Mutex, MutexGuard};

static HELD: Mutex<u32> = Mutex::named("exit.held", 0);
static OTHER: Mutex<u32> = Mutex::named("exit.other", 0);

fn panicking_callback() {
    set_action(Action::Callback(Arc::new(|v| {
        panic!("the test's callback fails on {}", v.kind_name())
    })));
}

fn run_child(test: &str) -> Output {
    Command::new(std::env::current_exe().unwrap())
        .args([
            test,
            "--exact",
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .env_remove("LOCKCHECK_ACTION")
        .env_remove(lockcheck::REPORT_DIR_ENV)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
#[ignore = "child process of a_panicking_callback_at_thread_exit_does_not_abort"]
fn child_thread_exits_holding_with_a_panicking_callback() {
    panicking_callback();
    std::thread::spawn(|| std::mem::forget(HELD.lock()))
        .join()
        .unwrap();
}

#[test]
fn a_panicking_callback_at_thread_exit_does_not_abort() {
    let out = run_child("child_thread_exits_holding_with_a_panicking_callback");
    let err = stderr(&out);
    assert!(out.status.success(), "{:?}\n{err}", out.status);
    // The report is true (the thread did leave the lock locked), and it is not lost.
    assert!(err.contains("exited while holding 1 lock"), "{err}");
    assert!(err.contains("the violation callback panicked"), "{err}");
}

#[test]
#[ignore = "child process of process_exit_in_a_locked_region_keeps_its_exit_code"]
fn child_process_exit_in_a_locked_region() {
    panicking_callback();
    let _held = HELD.lock();
    let _other = OTHER.lock();
    std::process::exit(2);
}

#[test]
fn process_exit_in_a_locked_region_keeps_its_exit_code() {
    let out = run_child("child_process_exit_in_a_locked_region");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{:?}\n{err}", out.status);
    // The process ends: no thread is left behind holding anything.
    assert!(!err.contains("exited while holding"), "{err}");
}

thread_local! {
    static KEPT: RefCell<Option<MutexGuard<'static, u32>>> = const { RefCell::new(None) };
}

#[test]
#[ignore = "child process of a_guard_kept_in_a_thread_local_is_not_reported"]
fn child_guard_kept_in_a_thread_local() {
    // The lock is taken first (lockcheck's per-thread state is armed), the thread-local after:
    // its destructor, which releases the lock, runs before lockcheck's would.
    std::thread::spawn(|| {
        let guard = HELD.lock();
        KEPT.with(|k| *k.borrow_mut() = Some(guard));
    })
    .join()
    .unwrap();
    // The same on the main thread, released when the process ends.
    KEPT.with(|k| *k.borrow_mut() = Some(OTHER.lock()));
    // A thread that really leaves a lock locked is still reported.
    std::thread::Builder::new()
        .name("leaves-it-locked".into())
        .spawn(|| std::mem::forget(HELD.lock()))
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn a_guard_kept_in_a_thread_local_is_not_reported() {
    let out = run_child("child_guard_kept_in_a_thread_local");
    let err = stderr(&out);
    assert!(out.status.success(), "{:?}\n{err}", out.status);
    assert_eq!(
        err.matches("exited while holding").count(),
        1,
        "only the thread that leaves it locked:\n{err}"
    );
    assert!(
        err.contains("thread `leaves-it-locked` exited while holding"),
        "{err}"
    );
}

thread_local! {
    /// A thread-local whose destructor is the thread's first use of lockcheck, and finds a
    /// violation there (it takes a lock whose order inverts one learned before).
    static LATE: LateLocker = const { LateLocker };
}

struct LateLocker;

impl Drop for LateLocker {
    fn drop(&mut self) {
        let _o = OTHER.lock();
        let _h = HELD.lock(); // other -> held: inverts held -> other
    }
}

#[test]
#[ignore = "child process of a_violation_in_a_thread_local_destructor_does_not_abort"]
fn child_first_lock_in_a_thread_local_destructor() {
    drop((HELD.lock(), OTHER.lock())); // learns held -> other (on the main thread)
    std::thread::spawn(|| LATE.with(|_| ())).join().unwrap();
    println!("child went on");
}

/// The default action panics; in a thread-local destructor a panic aborts the process. A thread
/// whose first lockcheck lock is taken there is exiting, and is known to be: the violation is
/// logged, and the process goes on with exit code 0.
#[test]
fn a_violation_in_a_thread_local_destructor_does_not_abort() {
    let out = run_child("child_first_lock_in_a_thread_local_destructor");
    let err = stderr(&out);
    assert!(out.status.success(), "{:?}\n{err}", out.status);
    assert!(
        err.contains("lock order inversion"),
        "the report is not lost: {err}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("child went on"),
        "{err}"
    );
}
