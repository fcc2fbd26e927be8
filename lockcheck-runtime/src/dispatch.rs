//! What happens on a violation: the configured [`Action`] (a panic by default, a line on
//! stderr, an abort, a callback), or a capture ([`capture_violations`]) that takes the calling
//! thread's violations instead. A first-seen violation is recorded (`reported.rs`) and the
//! process's report file rewritten before the action runs, so the file has it whatever the
//! action does to the process. Captures apply to the calling thread only, so tests running in
//! parallel do not see each other's.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::Arc;

use crate::internal::InternalRw;
use crate::reported;
use crate::sink;
use crate::violation::{Violation, ViolationKind};

/// A violation callback.
pub type Callback = Arc<dyn Fn(&Violation) + Send + Sync>;

/// What the checker does with a violation.
///
/// The default is [`Action::Panic`], or what the environment variable [`ACTION_ENV`]
/// (`LOCKCHECK_ACTION=panic|log|abort`) says when it is set; [`set_action`] overrides both.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use lockcheck_runtime::{set_action, Action};
///
/// set_action(Action::Callback(Arc::new(|v| eprintln!("{}", v.kind_name()))));
/// set_action(Action::default()); // Panic
/// ```
#[derive(Clone, Default)]
pub enum Action {
    /// Panic with the full report as the message (the default). Where a panic would abort the
    /// process (the thread is already panicking, or is exiting: a panic in a thread-local
    /// destructor aborts), the report is logged instead.
    #[default]
    Panic,
    /// Print the report to stderr and go on.
    Log,
    /// Print the report to stderr, write the process's report file (when
    /// `LOCKCHECK_REPORT_DIR` is set), then abort the process: no `catch_unwind` (a thread pool's,
    /// a test harness's) can hide it, and the run fails.
    Abort,
    /// Call a function with the violation and go on. Locks taken inside the callback are
    /// checked as usual, but a violation found inside it is logged, not passed back to it. A
    /// panic in the callback reaches the acquiring code, except where a panic would abort the
    /// process (see [`Action::Panic`]): there it is caught, and the report logged.
    Callback(Callback),
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Panic => f.write_str("Panic"),
            Action::Log => f.write_str("Log"),
            Action::Abort => f.write_str("Abort"),
            Action::Callback(_) => f.write_str("Callback(..)"),
        }
    }
}

/// The environment variable that sets the default [`Action`]: `panic`, `log` or `abort`
/// (read once, the first time a violation needs an action; [`set_action`] overrides it).
pub const ACTION_ENV: &str = "LOCKCHECK_ACTION";

impl Action {
    /// The action the environment asks for, with a clear message on stderr (once) for a value
    /// it does not know.
    fn from_env() -> Action {
        let Some(value) = std::env::var_os(ACTION_ENV) else {
            return Action::Panic;
        };
        match value.to_str().map(str::trim) {
            Some("panic") | Some("") => Action::Panic,
            Some("log") => Action::Log,
            Some("abort") => Action::Abort,
            _ => {
                sink::to_stderr(&format!(
                    "lockcheck: {ACTION_ENV}={} is not one of `panic`, `log`, `abort`; using `panic`",
                    crate::shown::shown(&value.to_string_lossy())
                ));
                Action::Panic
            }
        }
    }
}

static ACTION: InternalRw<Option<Action>> = InternalRw::new(None);

thread_local! {
    static IN_HANDLER: Cell<bool> = const { Cell::new(false) };
    static COLLECTOR: RefCell<Option<Vec<Violation>>> = const { RefCell::new(None) };
}

/// Sets what happens on a violation, for every thread, from now on.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::{set_action, Action};
///
/// set_action(Action::Log); // report on stderr and go on
/// set_action(Action::Panic); // back to the default
/// ```
pub fn set_action(action: Action) {
    *ACTION.write() = Some(action);
}

/// The action in force.
pub fn action() -> Action {
    if let Some(a) = ACTION.read().as_ref() {
        return a.clone();
    }
    // Read outside the lock (the message may be printed); two threads racing here read the
    // same environment, and the first to store wins.
    let from_env = Action::from_env();
    ACTION.write().get_or_insert(from_env).clone()
}

/// Runs `f` and returns the violations this thread found meanwhile, instead of acting on them.
/// Other threads are not affected. Nested captures collect into the innermost.
///
/// Every violation is returned, including ones already reported earlier in the process.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::{capture_violations, Mutex};
///
/// static A: Mutex<()> = Mutex::named("doc-capture-a", ());
/// static B: Mutex<()> = Mutex::named("doc-capture-b", ());
/// let ((), found) = capture_violations(|| {
///     drop((A.lock(), B.lock())); // learns a -> b
///     let _b = B.lock();
///     let _a = A.lock(); // b -> a closes a cycle
/// });
/// if cfg!(debug_assertions) {
///     assert_eq!(found.len(), 1);
///     assert_eq!(found[0].kind_name(), "order-cycle");
/// }
/// ```
pub fn capture_violations<R>(f: impl FnOnce() -> R) -> (R, Vec<Violation>) {
    /// Puts the enclosing capture's list back, on return and on unwind alike.
    struct Restore(Option<Vec<Violation>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            let _ = COLLECTOR.try_with(|c| *c.borrow_mut() = outer);
        }
    }
    let _restore = Restore(COLLECTOR.with(|c| c.borrow_mut().replace(Vec::new())));
    // Pairs this thread stopped checking after reporting them (`check::refused`) are checked
    // again: the capture sees every occurrence.
    crate::held::with_state(|s| s.edges_mut().forget_all());
    let r = f();
    let found = COLLECTOR
        .with(|c| c.borrow_mut().take())
        .unwrap_or_default();
    (r, found)
}

/// Whether a capture is collecting on this thread.
pub(crate) fn capturing() -> bool {
    COLLECTOR
        .try_with(|c| c.try_borrow().is_ok_and(|c| c.is_some()))
        .unwrap_or(false)
}

/// Hands a violation to whoever should have it. Called with no checker state borrowed and no
/// internal lock held. A panic it raises points at the first caller that is not
/// `#[track_caller]`: the user's acquisition.
#[track_caller]
pub(crate) fn raise(v: Violation) {
    let first = match v.dedup_key() {
        Some(key) => reported::first_sight_of_key(&key, capturing()),
        None => true,
    };
    raise_seen(v, first)
}

/// As [`raise`], for a violation whose first-ness the caller already knows (a cycle, from
/// `reported::first_sight_of_cycle`).
#[track_caller]
pub(crate) fn raise_seen(mut v: Violation, first: bool) {
    // A capture on this thread takes everything, duplicates included: a test asserts on what
    // its own code did, whatever other tests reported before.
    v.captured = COLLECTOR
        .try_with(|c| match c.try_borrow_mut() {
            Ok(mut c) => match c.as_mut() {
                Some(list) => {
                    let mut taken = v.clone();
                    taken.captured = true;
                    list.push(taken);
                    true
                }
                None => false,
            },
            Err(_) => false,
        })
        .unwrap_or(false);
    if !first && !v.captured {
        return;
    }
    // The acquisition's frames are on this stack now: a report names the helper that took the
    // lock, and its caller (`callers.rs`).
    crate::callers::violation_raised(&v.acquiring.site);
    if !first {
        return;
    }
    let v = Arc::new(v);
    reported::record(&v);
    if v.captured {
        return;
    }
    // The process's report file has it now, whatever happens to the process next.
    crate::report::persist_violation();
    let _not_busy = crate::internal::NotBusy::enter();
    act_on(&v);
}

/// A cycle already reported, found again at an acquisition (`what` says which order, built only
/// if needed). Under `Panic` the acquisition is refused again: a short panic that points at the
/// first report, so code that caught the first panic (a thread pool, a `JoinHandle`, a test
/// harness) does not walk on into the deadlock the next time. The other actions said it once
/// and let the thread go on (`Log`'s deadlocks are caught when they happen: `waits.rs`).
#[track_caller]
pub(crate) fn refuse_repeat(what: impl FnOnce() -> String) {
    let in_handler = IN_HANDLER.try_with(Cell::get).unwrap_or(true);
    if in_handler || std::thread::panicking() || crate::exit::thread_exiting() {
        return;
    }
    if matches!(action(), Action::Panic) && !crate::exit::in_thread_local_destructor() {
        // Its names come from the user's code: shown safely (it has no line breaks of its own).
        let what = what();
        let what = crate::shown::shown(&what);
        let _not_busy = crate::internal::NotBusy::enter();
        crate::poison::violation_unwinding();
        panic!(
            "lockcheck: refusing again {what}: it closes a lock-order cycle reported earlier in \
             this process (the first report has the details)"
        );
    }
}

/// Hands a first-seen, uncaptured violation to the configured action.
#[track_caller]
fn act_on(v: &Violation) {
    let in_handler = IN_HANDLER.try_with(|h| h.replace(true)).unwrap_or(true);
    if in_handler {
        // Found while handling another violation (a callback that took locks): log, never recurse.
        sink::to_stderr(&v.to_string());
        return;
    }
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            let _ = IN_HANDLER.try_with(|h| h.set(false));
        }
    }
    let _leave = Leave;
    // A panic where one would abort the process (already unwinding; in a thread-exit
    // destructor) is never raised: the report goes to stderr instead.
    let can_panic = || {
        !std::thread::panicking()
            && v.kind != ViolationKind::ExitWhileHolding
            && !crate::exit::in_thread_local_destructor()
    };
    sink::ecosystem::emit(v);
    match action() {
        Action::Panic if can_panic() => {
            // The panic's message is the report (libtest shows it with a failing test); the exit
            // summary names it too, in case a thread pool or a `catch_unwind` swallows it.
            sink::remember_for_exit(v, "panicked");
            crate::poison::violation_unwinding();
            panic!("{v}")
        }
        Action::Panic | Action::Log => sink::to_stderr(&v.to_string()),
        Action::Abort => {
            sink::to_stderr(&format!("{v}\nlockcheck: aborting ({ACTION_ENV}=abort)"));
            std::process::abort();
        }
        Action::Callback(f) if can_panic() => {
            sink::remember_for_exit(v, "handed to the callback");
            // A callback that panics unwinds as the violation's own panic would.
            crate::poison::violation_unwinding_if_it_panics(|| f(v));
        }
        Action::Callback(f) => {
            let call = std::panic::AssertUnwindSafe(|| f(v));
            if std::panic::catch_unwind(call).is_err() {
                sink::to_stderr(&format!(
                    "{v}\nlockcheck: the violation callback panicked where a panic would abort the \
                     process (thread exit, or already panicking); the report is above"
                ));
            }
        }
    }
}
