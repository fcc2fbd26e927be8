//! The learned order: the acyclic order graph (`order.rs`, Pearce–Kelly) and the closing edges
//! kept beside it because every cycle they close is guarded by a gate lock (`gates.rs`), under
//! one lock. [`Graph::observe`] is the one question the protocol asks: what does this new
//! observation of `from -> to` mean?
//!
//! Nothing here runs per acquisition: each thread caches the edges it has seen accepted
//! (`edge_cache.rs`), so only a thread's first sight of an order comes here.

mod gates;
mod order;

use std::sync::LazyLock;

pub(crate) use gates::{ClosingEdge, Opened};
pub(crate) use order::{EdgeInfo, Path};

use crate::held_lock::GateLock;
use crate::internal::{Internal, InternalGuard};
use crate::key::LockKey;
use gates::Gates;
use order::{Insert, OrderGraph};

/// The learned order, its gated cycles, and the orders reported as closing a cycle.
#[derive(Default)]
pub(crate) struct Graph {
    order: OrderGraph,
    gates: Gates,
    /// Orders that closed an unguarded cycle and were reported: never in the acyclic order,
    /// but still orders some thread takes (under `Log` or a callback it goes on; under `Panic` a
    /// thread pool catches the panic and runs the next job). A later cycle through one of them
    /// is as real as any: every new order is searched against them too.
    reported: Vec<ClosingEdge>,
}

/// What an observation of `from -> to` means.
pub(crate) enum Observed {
    /// Learned already. `gate`: its gate after this observation (this thread knows the edge
    /// while it holds all of it). `opened`: kept gated cycles that this observation, taken
    /// without a lock of the edge's gate, left unguarded: each a real cycle now.
    Known {
        gate: Vec<GateLock>,
        opened: Vec<Opened>,
    },
    /// New, and added, with the other locks held as its gate.
    Added { gate: Vec<GateLock> },
    /// It closes cycles, but each is guarded by a lock of `gate`, held at every observation of
    /// their orders: kept beside the graph, harmless while the gate holds.
    Gated { gate: Vec<GateLock> },
    /// It closes an unguarded cycle: `path` leads from `to` back to `from` (a shortest such
    /// walk). `broken_gate`: when earlier observations of this edge were all gated, the gate
    /// they held, which this one broke.
    Cycle {
        path: Path,
        broken_gate: Option<Vec<GateLock>>,
    },
}

impl Graph {
    /// Offers the order `from -> to`, observed while `others` (the other locks held) were held.
    /// `info` describes this observation, asked for only when it is kept (a new edge, a gated
    /// cycle).
    pub(crate) fn observe(
        &mut self,
        from: LockKey,
        to: LockKey,
        others: &[GateLock],
        info: impl Fn() -> EdgeInfo,
    ) -> Observed {
        if !self.reported.is_empty()
            && !self.order.contains(from, to)
            && !self.order.reaches(to, from)
        {
            // A new order (or a reported one again) that closes no cycle of learned orders (the
            // order graph answers those itself, gates and all): a cycle may still run through
            // reported orders, which the acyclic order does not hold.
            let again = self.reported.iter().any(|c| (c.from, c.to) == (from, to));
            if let Some(path) = self.path_through_reported(to, from, (from, to), !again) {
                self.remember_reported(from, to, info());
                return Observed::Cycle {
                    path,
                    broken_gate: None,
                };
            }
        }
        match self.order.insert(from, to, others, &info) {
            Insert::Known { gate, weakened } => {
                let opened = if weakened {
                    self.gates.opened(&self.order)
                } else {
                    Vec::new()
                };
                Observed::Known { gate, opened }
            }
            Insert::Added => Observed::Added {
                gate: others.to_vec(),
            },
            Insert::Cycle(path) => {
                let gate = self.gates.closing_gate(from, to, others);
                let unguarded = if gate.is_empty() {
                    Some(path)
                } else {
                    self.order.ungated_path(to, from, &gate)
                };
                match unguarded {
                    Some(path) => {
                        let broken_gate = self.gates.take_closed_by(from, to).map(|c| c.info.gate);
                        self.remember_reported(from, to, info());
                        Observed::Cycle { path, broken_gate }
                    }
                    None => {
                        self.gates.keep(ClosingEdge {
                            from,
                            to,
                            info: EdgeInfo {
                                gate: gate.clone(),
                                ..info()
                            },
                        });
                        Observed::Gated { gate }
                    }
                }
            }
        }
    }

    /// Keeps an order that closed an unguarded cycle (once).
    fn remember_reported(&mut self, from: LockKey, to: LockKey, info: EdgeInfo) {
        if !self.reported.iter().any(|c| (c.from, c.to) == (from, to)) {
            self.reported.push(ClosingEdge { from, to, info });
        }
    }

    /// A shortest walk `from ⇝ to` over the learned orders and the reported ones but `closing`
    /// (the order being offered) and its reverse (`b -> a` reported, then `a -> b` taken: that
    /// inversion, said once), taking at least one reported order when `through` (a walk over
    /// learned orders alone is the order graph's own question, gates and all):
    /// breadth-first over (lock, whether a reported order was taken), O(V + E), asked only once
    /// some order has been reported. A reported order offered again asks for any walk back.
    fn path_through_reported(
        &self,
        from: LockKey,
        to: LockKey,
        closing: (LockKey, LockKey),
        through: bool,
    ) -> Option<Path> {
        type State = (LockKey, bool);
        let mut parent: std::collections::HashMap<State, (State, EdgeInfo)> =
            std::collections::HashMap::new();
        let start = (from, false);
        let mut queue = std::collections::VecDeque::from([start]);
        let mut seen = std::collections::HashSet::from([start]);
        let goal = (to, through);
        while let Some((n, taken)) = queue.pop_front() {
            let learned = self.order.successors(n).map(|(t, i)| (t, i, false));
            let reported = self
                .reported
                .iter()
                .filter(|c| c.from == n && (c.from, c.to) != closing && (c.to, c.from) != closing)
                .map(|c| (c.to, &c.info, true));
            for (next, info, is_reported) in learned.chain(reported) {
                let state = (next, taken || is_reported);
                if !seen.insert(state) {
                    continue;
                }
                parent.insert(state, ((n, taken), info.clone()));
                if state.0 == to && (state.1 || !goal.1) {
                    let mut path = Vec::new();
                    let mut at = state;
                    while let Some((prev, info)) = parent.remove(&at) {
                        path.push((prev.0, at.0, info));
                        at = prev;
                    }
                    path.reverse();
                    return Some(path);
                }
                queue.push_back(state);
            }
        }
        None
    }

    /// Forgets a dropped lock instance in every gate (edges' and kept cycles'): a new lock at
    /// its address is another instance, and must not pass for it.
    pub(crate) fn forget_gate_instance(&mut self, instance: usize) {
        self.order.forget_gate_instance(instance);
        self.gates.forget_instance(instance);
    }

    /// Every learned edge, in insertion order.
    pub(crate) fn edges(&self) -> Path {
        self.order.edges()
    }
}

static GRAPH: LazyLock<Internal<Graph>> = LazyLock::new(Default::default);

/// The global graph. Taken only on a thread's first sight of an order, and by reports.
pub(crate) fn global() -> InternalGuard<'static, Graph> {
    #[cfg(test)]
    tests::GRAPH_LOCKS.with(|n| n.set(n.get() + 1));
    GRAPH.lock()
}

/// Forgets every learned order edge and kept gated cycle.
pub(crate) fn forget() {
    *global() = Graph::default();
}

#[cfg(test)]
mod tests {
    thread_local! {
        /// How often this thread took the global graph lock.
        pub(super) static GRAPH_LOCKS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    /// A cycle harmless under a gate lock is known to the thread under that gate: taking its
    /// orders again, gate held, never touches the global graph.
    #[test]
    fn gated_orders_under_their_gate_skip_the_global_graph() {
        let (g, a, b) = (
            crate::Mutex::named("g.gated.g", ()),
            crate::Mutex::named("g.gated.a", ()),
            crate::Mutex::named("g.gated.b", ()),
        );
        let nest = |first: &crate::Mutex<()>, second: &crate::Mutex<()>| {
            let _g = g.lock();
            let _x = first.lock();
            let _y = second.lock();
        };
        let ((), found) = crate::capture_violations(|| {
            nest(&a, &b);
            nest(&b, &a); // a gated cycle: kept, not reported
        });
        assert!(found.is_empty(), "{found:?}");
        let learned = GRAPH_LOCKS.with(|n| n.get());
        for _ in 0..1_000 {
            nest(&a, &b);
            nest(&b, &a);
        }
        assert_eq!(GRAPH_LOCKS.with(|n| n.get()), learned);
    }

    /// lockdep's chain cache, as the performance issue asks: once a thread has seen an order
    /// accepted, taking it again never touches the global graph (nor does a lone lock).
    #[test]
    fn known_orders_skip_the_global_graph() {
        let (a, b, c) = (
            crate::Mutex::named("g.known.a", ()),
            crate::Mutex::named("g.known.b", ()),
            crate::Mutex::named("g.known.c", ()),
        );
        let nest = || {
            let _a = a.lock();
            let _b = b.lock();
            let _c = c.lock();
        };
        let before = GRAPH_LOCKS.with(|n| n.get());
        nest(); // three new edges: a->b, a->c, b->c
        let learned = GRAPH_LOCKS.with(|n| n.get());
        assert!(learned > before, "new orders go to the graph");
        for _ in 0..1_000 {
            nest();
            drop(a.lock());
        }
        assert_eq!(
            GRAPH_LOCKS.with(|n| n.get()),
            learned,
            "known orders stay thread-local"
        );
        // Another thread has its own cache: it learns (finds known) edges through the graph once.
        std::thread::scope(|s| {
            s.spawn(|| {
                nest();
                let first = GRAPH_LOCKS.with(|n| n.get());
                assert!(first > 0);
                nest();
                assert_eq!(GRAPH_LOCKS.with(|n| n.get()), first);
            });
        });
    }
}
