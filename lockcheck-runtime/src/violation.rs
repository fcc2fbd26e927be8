//! Violations, and what happens when one is found.
//!
//! A violation is a value ([`Violation`]) whose `Display` is the full report a person reads
//! (written in `report/text.rs`). What happens to it is the configured [`Action`]: a panic by
//! default, a line on stderr, or a callback. Each distinct violation is reported once per process
//! (a cycle seen a thousand times is one report, not a flood): this module keeps what was seen. Tests collect violations with
//! [`capture_violations`], which applies to the calling thread only, so tests running in
//! parallel do not see each other's.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::panic::Location;
use std::sync::{Arc, LazyLock};

use crate::internal::{Internal, InternalRw};

use crate::held::Mode;

/// A place in the source: `file:line:column`.
///
/// # Examples
///
/// ```
/// let site = lockcheck_runtime::Site::new("src/proc.rs", 305, 9);
/// assert_eq!(site.to_string(), "src/proc.rs:305:9");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
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

impl Site {
    /// A site at `file:line:column`.
    pub fn new(file: impl Into<Cow<'static, str>>, line: u32, column: u32) -> Self {
        Site {
            file: file.into(),
            line,
            column,
        }
    }
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
#[non_exhaustive]
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
#[non_exhaustive]
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

/// A gate that held until now: every observation of a cycle's orders was made holding these
/// locks, so the cycle could not deadlock, until the observation at `site`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BrokenGate {
    /// The gate's locks (class names).
    pub locks: Vec<String>,
    /// Where an order of the cycle was taken without them.
    pub site: Site,
    /// By which thread.
    pub thread: String,
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
        /// When the cycle had been harmless until now, every observation of its orders having
        /// held a common gate lock: the gate and the observation that broke it.
        broken_gate: Option<BrokenGate>,
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
    /// A lock was dropped while this thread still held it (its guard was leaked, with
    /// `mem::forget` or a reference cycle): lockdep's "held lock freed". `acquiring` is the
    /// lock, with the place it was taken.
    HeldLockFreed,
    /// A task yielded (its poll returned `Pending`) while holding a lock that blocks its thread
    /// (any lockcheck lock but `lockcheck::tokio`'s): clippy's `await_holding_lock`, seen at
    /// run time. Another task on the same worker that wants the lock blocks the worker thread,
    /// and can deadlock the runtime. `held` lists the blocking locks held; `acquiring` is the
    /// first of them, with where it was taken.
    HeldAcrossAwait,
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
        /// The contract is on an `async fn`: checked at its first poll, whose caller is the
        /// executor, so the call site is the contract's own.
        asynchronous: bool,
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
#[non_exhaustive]
pub struct Violation {
    /// What went wrong.
    pub kind: ViolationKind,
    /// The thread it happened on.
    pub thread: String,
    /// The acquisition (or call) that found it.
    pub acquiring: LockUse,
    /// Every lock this thread held at that moment, first taken first.
    pub held: Vec<LockUse>,
    /// Whether a [`capture_violations`] on its thread took it (a test that expects it) instead
    /// of the configured action. A merge of reports does not count captured violations against
    /// the run.
    pub captured: bool,
}

impl Violation {
    /// A short name for the kind: `order-cycle`, `recursive-lock`, `same-class`, `rank-order`,
    /// `exit-while-holding`, `held-lock-freed`, `contract`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ViolationKind::OrderCycle { .. } => "order-cycle",
            ViolationKind::RecursiveLock { .. } => "recursive-lock",
            ViolationKind::SameClass { .. } => "same-class",
            ViolationKind::RankOrder { .. } => "rank-order",
            ViolationKind::ExitWhileHolding => "exit-while-holding",
            ViolationKind::HeldLockFreed => "held-lock-freed",
            ViolationKind::HeldAcrossAwait => "held-across-await",
            ViolationKind::Contract { .. } => "contract",
        }
    }

    /// What makes two reports "the same violation": reported once per process. `None` for a
    /// cycle, which is known by its edge set before its report is built
    /// ([`first_sight_of_cycle`]): a cycle can be thousands of edges long.
    fn dedup_key(&self) -> Option<String> {
        Some(match &self.kind {
            ViolationKind::OrderCycle { .. } => return None,
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
            ViolationKind::HeldLockFreed => {
                format!("freed {} {}", self.acquiring.class, self.acquiring.site)
            }
            ViolationKind::HeldAcrossAwait => {
                let held: Vec<String> = self.held.iter().map(|h| h.site.to_string()).collect();
                format!("await {}", held.join(" "))
            }
            ViolationKind::Contract {
                function,
                lock,
                contract_site,
                caller,
                ..
            } => {
                // Another call site, another caller (all a release build may know) or another
                // held set is another report.
                let held: Vec<&str> = self.held.iter().map(|h| h.class.as_str()).collect();
                format!(
                    "contract {function} {lock} {contract_site} {} {} [{}]",
                    self.acquiring.site,
                    caller.as_deref().unwrap_or("-"),
                    held.join(",")
                )
            }
        })
    }
}

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
                eprintln!(
                    "lockcheck: {ACTION_ENV}={} is not one of `panic`, `log`, `abort`; using `panic`",
                    value.to_string_lossy()
                );
                Action::Panic
            }
        }
    }
}

static ACTION: InternalRw<Option<Action>> = InternalRw::new(None);
/// Violations seen so far, by [`Violation::dedup_key`].
static SEEN: LazyLock<Internal<HashSet<String>>> = LazyLock::new(Default::default);
/// Cycles seen so far, each as a 128-bit hash of its edge set.
static SEEN_CYCLES: Internal<BTreeSet<(u64, u64, bool)>> = Internal::new(BTreeSet::new());
/// Inversions reported so far: per closing edge and acquisition site, the locks of each cycle
/// reported there.
#[allow(clippy::type_complexity)]
static SEEN_INVERSIONS: Internal<BTreeMap<(u64, usize, bool), Vec<Vec<u32>>>> =
    Internal::new(BTreeMap::new());
/// Every distinct violation, first occurrence first; shared, so a long cycle is not copied.
static REPORTED: Internal<Vec<Arc<Violation>>> = Internal::new(Vec::new());

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
    crate::held::with_state(crate::held::ThreadState::forget_edges);
    let r = f();
    let found = COLLECTOR
        .with(|c| c.borrow_mut().take())
        .unwrap_or_default();
    (r, found)
}

/// Every distinct violation reported so far in this process, in order; captured ones too (with
/// [`Violation::captured`] set), each once per capture-free process history as well.
pub fn reported() -> Vec<Violation> {
    REPORTED
        .lock()
        .iter()
        .map(|v| Violation::clone(v))
        .collect()
}

/// Forgets every violation reported (see `check::forget_learned_orders`).
pub(crate) fn forget_reported() {
    SEEN.lock().clear();
    SEEN_CYCLES.lock().clear();
    SEEN_INVERSIONS.lock().clear();
    REPORTED.lock().clear();
}

/// Whether a capture is collecting on this thread.
pub(crate) fn capturing() -> bool {
    COLLECTOR
        .try_with(|c| c.try_borrow().is_ok_and(|c| c.is_some()))
        .unwrap_or(false)
}

/// Whether the cycle made of these edges (`LockKey::edge_bits`, in any order) is seen for the
/// first time in this process; remembers it. Captured violations are remembered apart: a test
/// that expects a cycle does not hide the same cycle from the rest of the process.
pub(crate) fn first_sight_of_cycle(edges: impl Iterator<Item = u64>) -> bool {
    let (h1, h2) = edge_set_hash(edges);
    SEEN_CYCLES.lock().insert((h1, h2, capturing()))
}

/// Whether a cycle closed by `closing` (an edge word) at `site`, through the locks `nodes`, is a
/// new inversion there; remembers it. It is not when an earlier report at that same acquisition
/// already went through all of its locks: the same inverted call site, whose cycle only got
/// shorter because a more direct order was learned since (one place, one report). A cycle
/// through a lock not seen there before is new.
pub(crate) fn first_sight_of_inversion(
    closing: u64,
    site: &'static Location<'static>,
    nodes: impl Iterator<Item = u32>,
) -> bool {
    let mut nodes: Vec<u32> = nodes.collect();
    nodes.sort_unstable();
    nodes.dedup();
    let key = (
        closing,
        site as *const Location<'static> as usize,
        capturing(),
    );
    let mut seen = SEEN_INVERSIONS.lock();
    let earlier = seen.entry(key).or_default();
    let covered = earlier
        .iter()
        .any(|e| nodes.iter().all(|n| e.binary_search(n).is_ok()));
    if !covered {
        earlier.push(nodes);
    }
    !covered
}

/// A hash of a set of edges that does not depend on their order: two sums of independent mixes
/// of each edge word (a multiset hash), O(n) where sorting a 10,000-edge cycle was not.
fn edge_set_hash(edges: impl Iterator<Item = u64>) -> (u64, u64) {
    fn mix(mut x: u64, k: u64) -> u64 {
        // splitmix64's finalizer, keyed.
        x = x.wrapping_add(k);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }
    edges.fold((0, 0), |(a, b), e| {
        (
            a.wrapping_add(mix(e, 0x9E37_79B9_7F4A_7C15)),
            b.wrapping_add(mix(e, 0xD1B5_4A32_D192_ED03)),
        )
    })
}

/// Hands a violation to whoever should have it. Called with no checker state borrowed and no
/// internal lock held. A panic it raises points at the first caller that is not
/// `#[track_caller]`: the user's acquisition.
#[track_caller]
pub(crate) fn raise(v: Violation) {
    let first = match v.dedup_key() {
        Some(key) => {
            let space = if capturing() { "captured " } else { "" };
            SEEN.lock().insert(format!("{space}{key}"))
        }
        None => true,
    };
    raise_seen(v, first)
}

/// As [`raise`], for a violation whose first-ness the caller already knows (a cycle, from
/// [`first_sight_of_cycle`]).
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
    if !first {
        return;
    }
    let v = Arc::new(v);
    REPORTED.lock().push(Arc::clone(&v));
    if v.captured {
        return;
    }
    // The process's report file has it now, whatever happens to the process next.
    crate::report::persist_violation();
    let _not_busy = crate::internal::NotBusy::enter();
    act_on(&v);
}

/// Hands a first-seen, uncaptured violation to the configured action.
#[track_caller]
fn act_on(v: &Violation) {
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
    // A panic where one would abort the process (already unwinding; in a thread-exit
    // destructor) is never raised: the report goes to stderr instead.
    let can_panic = !std::thread::panicking()
        && !crate::exit::thread_exiting()
        && v.kind != ViolationKind::ExitWhileHolding;
    match action() {
        Action::Panic if can_panic => panic!("{v}"),
        Action::Panic | Action::Log => eprintln!("{v}"),
        Action::Abort => {
            eprintln!("{v}");
            eprintln!("lockcheck: aborting ({ACTION_ENV}=abort)");
            std::process::abort();
        }
        Action::Callback(f) if can_panic => f(v),
        Action::Callback(f) => {
            let call = std::panic::AssertUnwindSafe(|| f(v));
            if std::panic::catch_unwind(call).is_err() {
                eprintln!("{v}");
                eprintln!(
                    "lockcheck: the violation callback panicked where a panic would abort the \
                     process (thread exit, or already panicking); the report is above"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::edge_set_hash;

    #[test]
    fn a_cycle_is_known_by_its_edge_set_whatever_the_order() {
        let edges: Vec<u64> = (1..=500u64).map(|i| (i << 32) | (i + 1)).collect();
        let forward = edge_set_hash(edges.iter().copied());
        let backward = edge_set_hash(edges.iter().rev().copied());
        assert_eq!(forward, backward);
        // One edge different, one missing, one more: all different sets.
        let mut other = edges.clone();
        other[250] ^= 1;
        assert_ne!(edge_set_hash(other.iter().copied()), forward);
        assert_ne!(edge_set_hash(edges[1..].iter().copied()), forward);
        assert_ne!(edge_set_hash(edges.iter().copied().chain([7])), forward);
        // The two rotations of a two-edge cycle are one cycle; its reverse pair is another set.
        let (ab, ba) = ((1u64 << 32) | 2, (2u64 << 32) | 1);
        assert_eq!(
            edge_set_hash([ab, ba].into_iter()),
            edge_set_hash([ba, ab].into_iter())
        );
        assert_ne!(
            edge_set_hash([ab].into_iter()),
            edge_set_hash([ba].into_iter())
        );
    }
}
