//! Violations, and what happens when one is found.
//!
//! A violation is a value ([`Violation`]) whose `Display` is the full report a person reads
//! (see `report.rs`). What happens to it is the configured [`Action`]: a panic by default, a
//! line on stderr, or a callback. Each distinct violation is reported once per process (a cycle
//! seen a thousand times is one report, not a flood). Tests collect violations with
//! [`capture_violations`], which applies to the calling thread only, so tests running in
//! parallel do not see each other's.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::fmt;
use std::panic::Location;
use std::sync::{Arc, LazyLock, Mutex, PoisonError, RwLock};

use crate::held::Mode;

/// A place in the source: `file:line:column`.
///
/// # Examples
///
/// ```
/// let site = lockcheck_runtime::Site { file: "src/proc.rs".into(), line: 305, column: 9 };
/// assert_eq!(site.to_string(), "src/proc.rs:305:9");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Site {
    /// The file, as the compiler named it (borrowed from the compiler's `Location` when it
    /// came from one: a report of a long cycle does not copy the same file name thousands of
    /// times).
    pub file: Cow<'static, str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl From<&'static Location<'static>> for Site {
    fn from(l: &'static Location<'static>) -> Self {
        Site {
            file: Cow::Borrowed(l.file()),
            line: l.line(),
            column: l.column(),
        }
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One lock as a report speaks of it: its class name, how and where it was (or is being) taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockUse {
    /// The lock class's name (`/n` appended for nesting level `n` above 0).
    pub class: String,
    /// Exclusive or shared.
    pub mode: Mode,
    /// Where it was taken, or is being taken.
    pub site: Site,
}

/// One learned order edge `from -> to`, with the acquisition that first established it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderEdge {
    /// The lock that was held (its class name, `/n` appended for nesting level `n` above 0).
    pub from: Cow<'static, str>,
    /// The lock that was acquired while `from` was held.
    pub to: Cow<'static, str>,
    /// Where `to` was acquired when the edge was first seen.
    pub site: Site,
    /// Where `from` had been taken at that moment.
    pub from_site: Site,
    /// The thread that first took this order.
    pub thread: Cow<'static, str>,
}

/// What kind of problem a [`Violation`] is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ViolationKind {
    /// Acquiring the lock would close a cycle in the learned order: a possible deadlock.
    ///
    /// `cycle` starts with the edge this acquisition would add (held lock `->` the lock being
    /// acquired, at the current site) and continues with the learned path back to the held lock.
    OrderCycle {
        /// The edges of the cycle, in order; the last edge ends where the first starts.
        cycle: Vec<OrderEdge>,
        /// When the acquisition also goes against the declared rank order: the declarations it
        /// breaks (one report says both, as lockdep's and Go's do).
        declared: Vec<lockcheck_ranks::DeclaredOrder>,
    },
    /// This thread already holds this very lock (lockdep's AA). Acquiring it would self-deadlock,
    /// so it is never attempted.
    RecursiveLock {
        /// The earlier acquisition of the same lock.
        held: LockUse,
    },
    /// Another lock of the same class is held, and this acquisition does not say it nests
    /// (lockdep's "possible recursive locking"): use `lock_nested` with a nesting level.
    SameClass {
        /// The lock of the same class already held.
        held: LockUse,
    },
    /// The acquisition goes against the declared rank order.
    RankOrder {
        /// The held lock whose rank the table places after the acquired one.
        held: LockUse,
        /// The declarations that order the acquired rank before the held one.
        declared: Vec<lockcheck_ranks::DeclaredOrder>,
    },
    /// A thread ended while holding locks (they stay locked for every other thread).
    ExitWhileHolding,
    /// A function's lock contract was broken (`#[requires_lock]`, `assert_held!`, ...).
    Contract {
        /// The function or assertion that states the contract.
        function: String,
        /// The lock expression as written in the contract.
        lock: String,
        /// The class of the lock the expression named.
        class: String,
        /// `true` when the lock must be held, `false` when it must not be.
        must_hold: bool,
        /// The mode required, for `RwLock` requirements (`None`: either).
        mode: Option<Mode>,
        /// Where the contract is stated.
        contract_site: Site,
        /// The function that made the call, when it could be found (the call site itself is
        /// the violation's `acquiring.site`).
        caller: Option<String>,
    },
}

/// A violation of lock discipline found by the checker. `Display` is the full report.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::{capture_violations, Mutex, ViolationKind};
///
/// let a = Mutex::named("doc-violation", ());
/// let b = Mutex::named("doc-violation", ());
/// let ((), found) = capture_violations(|| {
///     let _a = a.lock();
///     let _b = b.lock(); // two locks of one class, no declared nesting
/// });
/// if lockcheck_runtime::ENABLED {
///     let v = &found[0];
///     assert!(matches!(v.kind, ViolationKind::SameClass { .. }));
///     assert_eq!(v.held[0].class, "doc-violation");
///     assert!(v.to_string().starts_with("lockcheck: possible recursive locking"));
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// What went wrong.
    pub kind: ViolationKind,
    /// The thread it happened on.
    pub thread: String,
    /// The acquisition (or call) that found it.
    pub acquiring: LockUse,
    /// Every lock this thread held at that moment, first taken first.
    pub held: Vec<LockUse>,
}

impl Violation {
    /// A short name for the kind: `order-cycle`, `recursive-lock`, `same-class`, `rank-order`,
    /// `exit-while-holding`, `contract`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ViolationKind::OrderCycle { .. } => "order-cycle",
            ViolationKind::RecursiveLock { .. } => "recursive-lock",
            ViolationKind::SameClass { .. } => "same-class",
            ViolationKind::RankOrder { .. } => "rank-order",
            ViolationKind::ExitWhileHolding => "exit-while-holding",
            ViolationKind::Contract { .. } => "contract",
        }
    }

    /// What makes two reports "the same violation": reported once per process.
    fn dedup_key(&self) -> String {
        match &self.kind {
            ViolationKind::OrderCycle { cycle, .. } => {
                let mut edges: Vec<(&str, &str)> =
                    cycle.iter().map(|e| (&*e.from, &*e.to)).collect();
                edges.sort_unstable();
                let mut key = String::from("cycle");
                for (from, to) in edges {
                    key.extend([" ", from, ">", to]);
                }
                key
            }
            ViolationKind::RecursiveLock { held } | ViolationKind::SameClass { held } => format!(
                "{} {} {} {}",
                self.kind_name(),
                held.class,
                held.site,
                self.acquiring.site
            ),
            ViolationKind::RankOrder { held, .. } => {
                format!("rank {} {}", held.class, self.acquiring.class)
            }
            ViolationKind::ExitWhileHolding => {
                let held: Vec<String> = self.held.iter().map(|h| h.site.to_string()).collect();
                format!("exit {}", held.join(" "))
            }
            ViolationKind::Contract {
                function,
                lock,
                contract_site,
                ..
            } => format!(
                "contract {function} {lock} {contract_site} {}",
                self.acquiring.site
            ),
        }
    }
}

/// A violation callback.
pub type Callback = Arc<dyn Fn(&Violation) + Send + Sync>;

/// What the checker does with a violation.
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
    /// Panic with the full report as the message (the default). While the thread is already
    /// panicking, the report is logged instead, so a check never aborts the process.
    #[default]
    Panic,
    /// Print the report to stderr and go on.
    Log,
    /// Call a function with the violation and go on. Locks taken inside the callback are
    /// checked as usual, but a violation found inside it is logged, not passed back to it.
    Callback(Callback),
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Panic => f.write_str("Panic"),
            Action::Log => f.write_str("Log"),
            Action::Callback(_) => f.write_str("Callback(..)"),
        }
    }
}

static ACTION: RwLock<Option<Action>> = RwLock::new(None);
static SEEN: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Default::default);
/// Every distinct violation, first occurrence first; shared, so a long cycle is not copied.
static REPORTED: Mutex<Vec<Arc<Violation>>> = Mutex::new(Vec::new());

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
    *ACTION.write().unwrap_or_else(PoisonError::into_inner) = Some(action);
}

/// The action in force.
pub fn action() -> Action {
    ACTION
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
        .unwrap_or_default()
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
    let r = f();
    let found = COLLECTOR
        .with(|c| c.borrow_mut().take())
        .unwrap_or_default();
    (r, found)
}

/// Every distinct violation reported so far in this process (captured ones included), in order.
pub fn reported() -> Vec<Violation> {
    REPORTED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .map(|v| Violation::clone(v))
        .collect()
}

/// Forgets every violation reported (see `check::forget_learned_orders`).
pub(crate) fn forget_reported() {
    SEEN.lock().unwrap_or_else(PoisonError::into_inner).clear();
    REPORTED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clear();
}

/// Whether a capture is collecting on this thread.
pub(crate) fn capturing() -> bool {
    COLLECTOR
        .try_with(|c| c.try_borrow().is_ok_and(|c| c.is_some()))
        .unwrap_or(false)
}

/// Hands a violation to whoever should have it. Called with no checker state borrowed.
pub(crate) fn raise(v: Violation) {
    let first = SEEN
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(v.dedup_key());
    raise_seen(v, first)
}

/// As [`raise`], for a violation whose first-ness the caller already knows (a cycle: its edge
/// set is the key, and a cycle can be thousands of edges long).
pub(crate) fn raise_seen(v: Violation, first: bool) {
    let v = Arc::new(v);
    if first {
        REPORTED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::clone(&v));
    }
    // A capture on this thread takes everything, duplicates included: a test asserts on what
    // its own code did, whatever other tests reported before.
    let captured = COLLECTOR
        .try_with(|c| match c.try_borrow_mut() {
            Ok(mut c) => match c.as_mut() {
                Some(list) => {
                    list.push(Violation::clone(&v));
                    true
                }
                None => false,
            },
            Err(_) => false,
        })
        .unwrap_or(false);
    if captured || !first {
        return;
    }
    let in_handler = IN_HANDLER.try_with(|h| h.replace(true)).unwrap_or(true);
    if in_handler {
        // Found while handling another violation (a callback that took locks): log, never recurse.
        eprintln!("{v}");
        return;
    }
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            let _ = IN_HANDLER.try_with(|h| h.set(false));
        }
    }
    let _leave = Leave;
    // A panic in a thread-exit destructor would abort the process: report those on stderr.
    let can_panic = !std::thread::panicking() && v.kind != ViolationKind::ExitWhileHolding;
    match action() {
        Action::Panic if can_panic => panic!("{v}"),
        Action::Panic | Action::Log => eprintln!("{v}"),
        Action::Callback(f) => f(&v),
    }
}
