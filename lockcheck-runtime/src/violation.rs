//! Violations: what the checker found, as values. Their `Display` is the full report a person
//! reads (written in `report/text.rs`); what happens to one is `dispatch.rs`'s business, and
//! which were already reported is `reported.rs`'s.

use std::borrow::Cow;

use crate::class;
use crate::held_lock::HeldLock;
use crate::mode::Mode;
use crate::site::Site;

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

impl LockUse {
    /// A held-stack entry as a report speaks of it.
    pub(crate) fn of(h: &HeldLock) -> LockUse {
        LockUse {
            class: class::key_name(h.key()),
            mode: h.mode(),
            site: Site::from(h.site),
        }
    }
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
    /// The tokio task that first took it, when a task did (feature `tokio`): its id, as
    /// `tokio::task::Id` prints it.
    pub task: Option<u64>,
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

/// One owner of a deadlock: it waits for a lock that the next owner holds (the last one's is
/// held by the first).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitStep {
    /// The thread (and task) that waits.
    pub owner: String,
    /// The lock it waits for, and where it asked for it.
    pub waits_for: LockUse,
    /// The same lock as the next owner holds it: how, and where it was taken.
    pub held_by_next: LockUse,
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
    /// A real deadlock, seen before it parked anyone for good: owners (threads, tasks) each
    /// waiting for a lock the next one holds, the last one's held by the first. `acquiring` is
    /// the wait that closed it (the first step); under the default action it panics instead of
    /// parking, which unwinds its guards and lets the others go on.
    Deadlock {
        /// The owners in the cycle, the one that closed it first.
        waits: Vec<WaitStep>,
    },
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
    /// Whether a [`capture_violations`](crate::capture_violations) on its thread took it (a test that expects it) instead
    /// of the configured action. A merge of reports does not count captured violations against
    /// the run.
    pub captured: bool,
}

impl Violation {
    /// A short name for the kind: `order-cycle`, `recursive-lock`, `same-class`, `rank-order`,
    /// `exit-while-holding`, `held-lock-freed`, `held-across-await`, `deadlock`, `contract`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ViolationKind::OrderCycle { .. } => "order-cycle",
            ViolationKind::RecursiveLock { .. } => "recursive-lock",
            ViolationKind::SameClass { .. } => "same-class",
            ViolationKind::RankOrder { .. } => "rank-order",
            ViolationKind::ExitWhileHolding => "exit-while-holding",
            ViolationKind::HeldLockFreed => "held-lock-freed",
            ViolationKind::HeldAcrossAwait => "held-across-await",
            ViolationKind::Deadlock { .. } => "deadlock",
            ViolationKind::Contract { .. } => "contract",
        }
    }

    /// What makes two reports "the same violation": reported once per process. `None` for a
    /// cycle, which is known by its edge set before its report is built
    /// (`reported::first_sight_of_cycle`): a cycle can be thousands of edges long.
    /// A deadlock is never one seen before: each is owners parked for good, and said each time.
    pub(crate) fn dedup_key(&self) -> Option<String> {
        Some(match &self.kind {
            ViolationKind::OrderCycle { .. } | ViolationKind::Deadlock { .. } => return None,
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
