//! The checker against a reference model.
//!
//! proptest drives random programs — several threads, a dozen locks in a few classes, lock /
//! try_lock / read / write / out-of-order release, declared ranks on some classes — through the
//! real runtime (each simulated thread is a real thread, driven one operation at a time) and
//! through a small brute-force reference: explicit reachability over the set of edges learned so
//! far, site classes ordered per instance, with each edge's gate (the lock instances held
//! exclusively at every observation of it — never a read hold, never another lock of a class,
//! never the lock offering the order itself: a cycle every walk back of which is guarded by one
//! of them is not reported until it is not).
//! Every acquisition must be reported exactly when the reference says so, with a cycle that
//! is a real shortest path of the reference graph, and at the end the learned graph must hold
//! exactly the reference's edges. Shrunk failures are kept in `tests/model.proptest-regressions`.
//!
//! This binary holds one test: it installs rank tables, which are process-wide.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use lockcheck::{capture_violations, Mutex, RankTable, RwLock, Violation, ViolationKind};
use proptest::prelude::*;

const THREADS: usize = 3;
const LOCKS: usize = 8;

/// One lock of the program: its class (several locks may share one), its kind, and whether its
/// class is named (`Mutex::named`) or comes from where it is built (`Mutex::new` at one of a few
/// places, shared by several locks: ordered per instance among themselves).
#[derive(Clone, Copy, Debug)]
struct LockSpec {
    class: usize,
    rw: bool,
    site: bool,
}

impl LockSpec {
    /// The reference's class: a named class by its number; a site class by its place and type.
    fn model_class(&self) -> usize {
        if self.site {
            10 + self.class * 2 + usize::from(self.rw)
        } else {
            self.class
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum How {
    Lock,
    TryLock,
    Read,
    TryRead,
}

#[derive(Clone, Debug)]
enum Op {
    Acquire {
        thread: usize,
        lock: usize,
        how: How,
    },
    /// Release the `nth` held guard of the thread (modulo how many it holds): any order.
    Release { thread: usize, nth: usize },
}

fn program() -> impl Strategy<Value = (Vec<LockSpec>, Vec<(usize, usize)>, Vec<Op>)> {
    let locks = prop::collection::vec((0..5usize, any::<bool>(), prop::bool::weighted(0.3)), LOCKS)
        .prop_map(|v| {
            v.into_iter()
                .map(|(class, rw, site)| LockSpec { class, rw, site })
                .collect()
        });
    // Declared ranks: pairs of classes (a < b), kept only when a < b numerically, so the
    // table is always consistent.
    let ranks = prop::collection::vec((0..5usize, 0..5usize), 0..3)
        .prop_map(|v| v.into_iter().filter(|(a, b)| a < b).collect());
    let op = prop_oneof![
        3 => (0..THREADS, 0..LOCKS, prop_oneof![Just(How::Lock), Just(How::TryLock), Just(How::Read), Just(How::TryRead)])
            .prop_map(|(thread, lock, how)| Op::Acquire { thread, lock, how }),
        2 => (0..THREADS, 0..4usize).prop_map(|(thread, nth)| Op::Release { thread, nth }),
    ];
    (locks, ranks, prop::collection::vec(op, 1..40))
}

// ---------------------------------------------------------------- the reference model

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Held {
    lock: usize,
    shared: bool,
}

#[derive(Default)]
struct Reference {
    /// Learned edges between classes.
    edges: BTreeSet<(usize, usize)>,
    /// Each learned edge's gate: the other lock instances held exclusively at every observation
    /// of it.
    gates: BTreeMap<(usize, usize), BTreeSet<usize>>,
    /// Edges that closed only guarded cycles, with the gate of their observations.
    kept: BTreeMap<(usize, usize), BTreeSet<usize>>,
    held: [Vec<Held>; THREADS],
    /// Orders between instances (locks) of one site class.
    instance_edges: BTreeSet<(usize, usize)>,
    /// The edges each thread has seen accepted (the runtime's per-thread cache), each known
    /// only while the thread holds its gate (empty for most).
    known: [BTreeMap<(usize, usize), BTreeSet<usize>>; THREADS],
    /// Edges reported as closing a cycle: never learned, but orders all the same; a later cycle
    /// through one of them is found.
    reported: BTreeSet<(usize, usize)>,
}

/// What the reference expects of one acquisition.
#[derive(Debug, Default, PartialEq, Eq)]
struct Expect {
    recursive: bool,
    same_class: bool,
    /// (held class, acquired class) pairs against the declared ranks.
    rank: BTreeSet<(usize, usize)>,
    /// For each held class whose edge closes a cycle: the length of the shortest path from
    /// the acquired class back to it.
    cycles: BTreeSet<(usize, usize)>,
    /// How many held instances of the acquired lock's site class were taken in the reverse
    /// order before (each an inversion between instances).
    instance_cycles: usize,
}

impl Reference {
    /// Shortest path length `from ⇝ to` over the learned edges.
    fn distance(&self, from: usize, to: usize) -> Option<usize> {
        let mut seen = BTreeSet::from([from]);
        let mut queue = VecDeque::from([(from, 0)]);
        while let Some((n, d)) = queue.pop_front() {
            if n == to && d > 0 {
                return Some(d);
            }
            for &(a, b) in &self.edges {
                if a == n && (b == to || seen.insert(b)) {
                    queue.push_back((b, d + 1));
                }
            }
        }
        None
    }

    /// The length of a shortest walk `from ⇝ to` over the learned edges and the reported ones
    /// (but `closing` and its reverse) that takes at least one reported edge; `None` if there is
    /// none. Asked only when the learned edges alone lead nowhere.
    fn through_reported(&self, from: usize, to: usize, closing: (usize, usize)) -> Option<usize> {
        let start = (from, false);
        let mut seen = BTreeSet::from([start]);
        let mut queue = VecDeque::from([(start, 0)]);
        let reported = self
            .reported
            .iter()
            .filter(|&&(a, b)| (a, b) != closing && (b, a) != closing)
            .map(|&e| (e, true));
        let all: Vec<((usize, usize), bool)> = self
            .edges
            .iter()
            .map(|&e| (e, false))
            .chain(reported)
            .collect();
        while let Some(((n, taken), d)) = queue.pop_front() {
            for &((a, b), is_reported) in &all {
                if a != n {
                    continue;
                }
                let state = (b, taken || is_reported);
                if state == (to, true) {
                    return Some(d + 1);
                }
                if seen.insert(state) {
                    queue.push_back((state, d + 1));
                }
            }
        }
        None
    }

    /// The length of a shortest walk `from ⇝ to` over the learned edges that, for every class of
    /// `gate`, goes through an edge whose gate lacks it (an unguarded way back); `None` if every
    /// walk is guarded.
    fn unguarded(&self, from: usize, to: usize, gate: &BTreeSet<usize>) -> Option<usize> {
        let gate: Vec<usize> = gate.iter().copied().collect();
        let start = (from, vec![false; gate.len()]);
        let mut seen = BTreeSet::from([start.clone()]);
        let mut queue = VecDeque::from([(start, 0)]);
        while let Some(((n, escaped), d)) = queue.pop_front() {
            for &(a, b) in &self.edges {
                if a != n {
                    continue;
                }
                let edge_gate = &self.gates[&(a, b)];
                let next: Vec<bool> = gate
                    .iter()
                    .zip(&escaped)
                    .map(|(g, e)| *e || !edge_gate.contains(g))
                    .collect();
                if b == to && next.iter().all(|e| *e) {
                    return Some(d + 1);
                }
                if seen.insert((b, next.clone())) {
                    queue.push_back(((b, next), d + 1));
                }
            }
        }
        None
    }

    /// Whether the instance orders lead from lock `from` to lock `to`.
    fn instance_path(&self, from: usize, to: usize) -> bool {
        let mut seen = BTreeSet::from([from]);
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            for &(a, b) in &self.instance_edges {
                if a == n && seen.insert(b) {
                    stack.push(b);
                }
            }
        }
        false
    }

    /// The kept closing edges that now close an unguarded cycle: taken out, with its length.
    fn opened(&mut self) -> Vec<((usize, usize), usize)> {
        let kept: Vec<_> = self.kept.clone().into_iter().collect();
        let mut opened = Vec::new();
        for ((from, to), gate) in kept {
            if let Some(d) = self.unguarded(to, from, &gate) {
                self.kept.remove(&(from, to));
                opened.push(((from, to), d));
            }
        }
        opened
    }

    /// Whether another thread holds `lock` in a mode that makes this acquisition block or fail.
    fn blocked(&self, thread: usize, lock: usize, shared: bool) -> bool {
        self.held.iter().enumerate().any(|(t, hs)| {
            t != thread && hs.iter().any(|h| h.lock == lock && !(h.shared && shared))
        })
    }
}

// ---------------------------------------------------------------- the real threads

enum Guard {
    M(#[allow(dead_code)] lockcheck::MutexGuard<'static, ()>),
    R(#[allow(dead_code)] lockcheck::RwLockReadGuard<'static, ()>),
    W(#[allow(dead_code)] lockcheck::RwLockWriteGuard<'static, ()>),
}

enum Real {
    M(&'static Mutex<()>),
    R(&'static RwLock<()>),
}

enum Command {
    Acquire(usize, How),
    Release(usize),
    Stop,
}

/// What a worker did: the violations it saw, whether it now holds the lock, whether it panicked.
struct Outcome {
    found: Vec<Violation>,
    acquired: bool,
    panicked: bool,
}

fn worker(locks: &'static [Real], rx: mpsc::Receiver<Command>, tx: mpsc::Sender<Outcome>) {
    let mut guards: Vec<Guard> = Vec::new();
    while let Ok(cmd) = rx.recv() {
        match cmd {
            Command::Stop => break,
            Command::Release(pos) => {
                guards.remove(pos);
                let _ = tx.send(Outcome {
                    found: Vec::new(),
                    acquired: false,
                    panicked: false,
                });
            }
            Command::Acquire(lock, how) => {
                let (result, found) = capture_violations(|| {
                    catch_unwind(AssertUnwindSafe(|| match (&locks[lock], how) {
                        (Real::M(m), How::Lock | How::Read) => Some(Guard::M(m.lock())),
                        (Real::M(m), How::TryLock | How::TryRead) => m.try_lock().map(Guard::M),
                        (Real::R(r), How::Lock) => Some(Guard::W(r.write())),
                        (Real::R(r), How::Read) => Some(Guard::R(r.read())),
                        (Real::R(r), How::TryLock) => r.try_write().map(Guard::W),
                        (Real::R(r), How::TryRead) => r.try_read().map(Guard::R),
                    }))
                });
                let panicked = result.is_err();
                let guard = result.ok().flatten();
                let acquired = guard.is_some();
                guards.extend(guard);
                let _ = tx.send(Outcome {
                    found,
                    acquired,
                    panicked,
                });
            }
        }
    }
}

static CASE: AtomicUsize = AtomicUsize::new(0);

fn class_name(case: usize, class: usize) -> String {
    format!("model{case}.c{class}")
}

/// A lock of a site class: one construction place per class number and kind.
fn site_lock(class: usize, rw: bool) -> Real {
    match (class, rw) {
        (0, false) => Real::M(Box::leak(Box::new(Mutex::new(())))),
        (1, false) => Real::M(Box::leak(Box::new(Mutex::new(())))),
        (2, false) => Real::M(Box::leak(Box::new(Mutex::new(())))),
        (3, false) => Real::M(Box::leak(Box::new(Mutex::new(())))),
        (_, false) => Real::M(Box::leak(Box::new(Mutex::new(())))),
        (0, true) => Real::R(Box::leak(Box::new(RwLock::new(())))),
        (1, true) => Real::R(Box::leak(Box::new(RwLock::new(())))),
        (2, true) => Real::R(Box::leak(Box::new(RwLock::new(())))),
        (3, true) => Real::R(Box::leak(Box::new(RwLock::new(())))),
        (_, true) => Real::R(Box::leak(Box::new(RwLock::new(())))),
    }
}

/// A class name as reports give it, with an instance's ` #n` taken off.
fn class_of(names: &BTreeMap<String, usize>, name: &str) -> usize {
    let base = match name.rsplit_once(" #") {
        Some((base, n)) if n.chars().all(|c| c.is_ascii_digit()) => base,
        _ => name,
    };
    names.get(base).copied().unwrap_or(usize::MAX)
}

fn run_case(specs: &[LockSpec], ranks: &[(usize, usize)], ops: &[Op]) -> Result<(), TestCaseError> {
    let case = CASE.fetch_add(1, Ordering::Relaxed);
    // Site classes outlive a case (they are places in this file): start from an empty graph.
    lockcheck::__private::forget_learned_orders();
    let mut table = String::new();
    for (a, b) in ranks {
        table.push_str(&format!(
            "{} < {};\n",
            class_name(case, *a),
            class_name(case, *b)
        ));
    }
    lockcheck::set_rank_table(RankTable::parse(&table).expect("a < b only: consistent"));
    let rank_table = RankTable::parse(&table).unwrap();

    let locks: &'static [Real] = Box::leak(
        specs
            .iter()
            .map(|s| {
                if s.site {
                    return site_lock(s.class, s.rw);
                }
                let name: &'static str = Box::leak(class_name(case, s.class).into_boxed_str());
                if s.rw {
                    Real::R(Box::leak(Box::new(RwLock::named(name, ()))))
                } else {
                    Real::M(Box::leak(Box::new(Mutex::named(name, ()))))
                }
            })
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    // Every class's name in reports, to read reports back.
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for (spec, real) in specs.iter().zip(locks) {
        let name = match real {
            Real::M(m) => lockcheck::Lockable::class_name(*m),
            Real::R(r) => lockcheck::Lockable::class_name(*r),
        };
        names.insert(name, spec.model_class());
    }
    let name_of = |class: usize| -> String {
        names
            .iter()
            .find(|(_, &c)| c == class)
            .map(|(n, _)| n.clone())
            .unwrap_or_default()
    };
    let mut txs = Vec::new();
    let mut rxs = Vec::new();
    let mut handles = Vec::new();
    for _ in 0..THREADS {
        let (ctx, crx) = mpsc::channel();
        let (otx, orx) = mpsc::channel();
        handles.push(std::thread::spawn(move || worker(locks, crx, otx)));
        txs.push(ctx);
        rxs.push(orx);
    }

    let mut model = Reference::default();
    let mut result = Ok(());
    for op in ops {
        match *op {
            Op::Release { thread, nth } => {
                let n = model.held[thread].len();
                if n == 0 {
                    continue;
                }
                let pos = nth % n;
                model.held[thread].remove(pos);
                txs[thread].send(Command::Release(pos)).unwrap();
                rxs[thread].recv().unwrap();
            }
            Op::Acquire { thread, lock, how } => {
                let spec = specs[lock];
                let shared = spec.rw && matches!(how, How::Read | How::TryRead);
                let trying = matches!(how, How::TryLock | How::TryRead);
                let mine = model.held[thread].iter().find(|h| h.lock == lock).copied();
                // A blocking acquisition that another thread would make wait forever is not a
                // program we can run one step at a time: skip it.
                if !trying && model.blocked(thread, lock, shared) {
                    continue;
                }
                // The reference's verdict.
                let mut expect = Expect::default();
                let acquires;
                if trying {
                    let recursive_ok = shared && mine.is_some_and(|h| h.shared);
                    acquires =
                        !model.blocked(thread, lock, shared) && (mine.is_none() || recursive_ok);
                } else if let Some(h) = mine {
                    expect.recursive = true;
                    // Reads taken again go on (only if no writer: none here); all else is refused.
                    acquires = h.shared && shared;
                } else {
                    acquires = true;
                    let class = spec.model_class();
                    // Held lock by held lock, in stack order, as the runtime offers the edges.
                    // A thread checks ranks and the graph only for an edge it has not seen
                    // accepted before (its cache); an edge that closes a cycle is never accepted,
                    // and one against the declared ranks never enters the cache.
                    // A gate is a lock instance held exclusively: never a read hold, never
                    // "some lock of the class".
                    let held_exclusive: BTreeSet<usize> = model.held[thread]
                        .iter()
                        .filter(|h| !h.shared)
                        .map(|h| h.lock)
                        .collect();
                    let known_before = model.known[thread].clone();
                    for h in model.held[thread].clone() {
                        let hc = specs[h.lock].model_class();
                        if hc == class && spec.site {
                            // Two instances of one site class: ordered between themselves.
                            if model.instance_edges.contains(&(h.lock, lock)) {
                            } else if model.instance_path(lock, h.lock) {
                                expect.instance_cycles += 1;
                            } else {
                                model.instance_edges.insert((h.lock, lock));
                            }
                            continue;
                        }
                        if hc == class {
                            expect.same_class = true;
                            continue;
                        }
                        let e = (hc, class);
                        // The other locks held exclusively: the edge's gate can only be among
                        // them.
                        let others: BTreeSet<usize> = held_exclusive
                            .iter()
                            .copied()
                            .filter(|&l| l != h.lock && l != lock)
                            .collect();
                        // The runtime asks its cache once per acquisition, before learning
                        // anything: two held locks of one class both offer the edge. A gate
                        // is known only as held in the *other* locks: the one offering the edge
                        // is no gate of this observation, even if another observation's gate
                        // named it.
                        if known_before.get(&e).is_some_and(|g| g.is_subset(&others)) {
                            continue;
                        }
                        // Against the ranks: its own report, unless the edge also closes a
                        // cycle, whose report then says both.
                        let rank = rank_table.orders(&name_of(class), &name_of(hc));
                        if model.edges.contains(&e) {
                            let gate: BTreeSet<usize> =
                                model.gates[&e].intersection(&others).copied().collect();
                            let weakened = gate.len() < model.gates[&e].len();
                            model.gates.insert(e, gate.clone());
                            if weakened {
                                for ((from, _), d) in model.opened() {
                                    expect.cycles.insert((from, d));
                                }
                            }
                            // An edge against the declared ranks never enters the cache: it is
                            // checked (and captured) again every time.
                            if rank {
                                expect.rank.insert(e);
                            } else {
                                model.known[thread].insert(e, gate);
                            }
                            continue;
                        }
                        if model.distance(class, hc).is_some() {
                            let gate: BTreeSet<usize> = match model.kept.get(&e) {
                                Some(k) => others.intersection(k).copied().collect(),
                                None => others.clone(),
                            };
                            match model.unguarded(class, hc, &gate) {
                                Some(d) => {
                                    model.kept.remove(&e);
                                    model.reported.insert(e);
                                    expect.cycles.insert((hc, d));
                                }
                                None => {
                                    model.kept.insert(e, gate.clone());
                                    model.known[thread].insert(e, gate);
                                }
                            }
                            continue;
                        }
                        // No learned way back; a way back through a reported edge is a cycle all
                        // the same (a reported edge taken again goes the order graph's way
                        // above: its learned way back is still there).
                        if let Some(d) = model.through_reported(class, hc, e) {
                            model.reported.insert(e);
                            expect.cycles.insert((hc, d));
                            continue;
                        }
                        model.edges.insert(e);
                        model.gates.insert(e, others.clone());
                        if rank {
                            expect.rank.insert(e);
                        } else {
                            model.known[thread].insert(e, others);
                        }
                    }
                }
                txs[thread].send(Command::Acquire(lock, how)).unwrap();
                let out = rxs[thread].recv().unwrap();
                if expect.recursive && !acquires {
                    prop_assert!(
                        out.panicked,
                        "a refused acquisition panics instead of blocking"
                    );
                } else {
                    prop_assert!(!out.panicked, "unexpected panic at {op:?}");
                }
                prop_assert_eq!(out.acquired, acquires, "acquired? at {:?}", op);
                // Compare the violations.
                let mut got = Expect::default();
                for v in &out.found {
                    match &v.kind {
                        ViolationKind::RecursiveLock { .. } => got.recursive = true,
                        ViolationKind::SameClass { .. } => got.same_class = true,
                        ViolationKind::RankOrder { held, .. } => {
                            got.rank.insert((
                                class_of(&names, &held.class),
                                class_of(&names, &v.acquiring.class),
                            ));
                        }
                        ViolationKind::OrderCycle { cycle, .. }
                            if cycle[0].from.ends_with(" #1") =>
                        {
                            got.instance_cycles += 1;
                        }
                        ViolationKind::OrderCycle { cycle, .. } => {
                            // cycle[0] is held -> acquired; the rest is a learned path back.
                            let hc = class_of(&names, &cycle[0].from);
                            for e in &cycle[1..] {
                                let edge = (class_of(&names, &e.from), class_of(&names, &e.to));
                                prop_assert!(
                                    model.edges.contains(&edge) || model.reported.contains(&edge),
                                    "cycle edge {} -> {} was never learned nor reported",
                                    e.from,
                                    e.to
                                );
                            }
                            got.cycles.insert((hc, cycle.len() - 1));
                        }
                        other => prop_assert!(false, "unexpected violation {other:?}"),
                    }
                }
                if let Err(e) = (|| {
                    prop_assert_eq!(&got, &expect, "violations at {:?}: {:#?}", op, out.found);
                    Ok(())
                })() {
                    result = Err(e);
                    break;
                }
                if acquires {
                    model.held[thread].push(Held { lock, shared });
                }
            }
        }
    }
    for tx in &txs {
        let _ = tx.send(Command::Stop);
    }
    for h in handles {
        let _ = h.join();
    }
    result?;
    // The learned graph holds exactly the reference's edges (it was emptied when the case began).
    let learned: BTreeSet<(usize, usize)> = lockcheck::report()
        .edges
        .iter()
        .map(|e| (class_of(&names, &e.edge.from), class_of(&names, &e.edge.to)))
        .collect();
    prop_assert_eq!(learned, model.edges.clone());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn runtime_agrees_with_the_reference_model((specs, ranks, ops) in program()) {
        run_case(&specs, &ranks, &ops)?;
    }
}
