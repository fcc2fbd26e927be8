//! The learned order graph: one node per lock key, an edge `A -> B` once some thread acquired
//! `B` while holding `A`.
//!
//! The graph is kept acyclic: an edge that would close a cycle is the violation, and is reported
//! instead of added. That lets it maintain a topological order incrementally, with the dynamic
//! topological sort of Pearce and Kelly ("A Dynamic Topological Sort Algorithm for Directed
//! Acyclic Graphs", JEA 2004) as implemented by petgraph's `acyclic::Acyclic`: an edge that
//! agrees with the current order costs O(1); one that does not searches only the region of the
//! order between its two ends. Nothing here runs per acquisition: each thread caches the edges
//! it has seen accepted (see `held.rs`), so only a thread's first sight of an order comes here.
//!
//! petgraph stays inside this module; the rest of the crate sees [`OrderGraph`] and [`EdgeInfo`].

use std::collections::{HashMap, VecDeque};
use std::panic::Location;
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};

use petgraph::acyclic::{Acyclic, AcyclicEdgeError};
use petgraph::data::Build;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::class::LockKey;

/// What is remembered of an order edge: where it was first seen, and how often it was learned.
#[derive(Clone, Debug)]
pub(crate) struct EdgeInfo {
    /// Where the edge's source lock had been taken when the edge was first seen.
    pub(crate) from_site: &'static Location<'static>,
    /// Where the edge's target lock was being acquired when the edge was first seen.
    pub(crate) to_site: &'static Location<'static>,
    /// The thread that first took this order.
    pub(crate) thread: std::sync::Arc<str>,
    /// How many times a thread learned the edge (each thread learns an edge once; later
    /// acquisitions in that thread are served from its own cache and not counted).
    pub(crate) count: u64,
}

/// The result of offering an edge to the graph.
pub(crate) enum Insert {
    /// The edge was already in the graph.
    Known,
    /// The edge is new and was added.
    Added,
    /// The edge would close a cycle; the existing path from its target back to its source,
    /// one `(from, to, info)` per edge, in order.
    Cycle(Vec<(LockKey, LockKey, EdgeInfo)>),
}

/// The learned lock-order graph.
#[derive(Default)]
pub(crate) struct OrderGraph {
    dag: Acyclic<DiGraph<LockKey, EdgeInfo>>,
    nodes: HashMap<LockKey, NodeIndex>,
    /// Edge lookup by its ends in O(1); petgraph's `find_edge` walks the source's out-list.
    edges: HashMap<u64, EdgeIndex>,
}

impl OrderGraph {
    fn node(&mut self, key: LockKey) -> NodeIndex {
        if let Some(&n) = self.nodes.get(&key) {
            return n;
        }
        let n = self.dag.add_node(key);
        self.nodes.insert(key, n);
        n
    }

    /// Offers `from -> to`. Amortised O(1) when the edge agrees with the current topological
    /// order; otherwise proportional to the part of the order between the two ends. On a cycle
    /// the witness path is found by a breadth-first search, which keeps it shortest.
    pub(crate) fn insert(
        &mut self,
        from: LockKey,
        to: LockKey,
        info: impl FnOnce() -> EdgeInfo,
    ) -> Insert {
        if let Some(&e) = self.edges.get(&from.edge_bits(to)) {
            // Only the weight changes, never the structure, so the invariant is untouched.
            if let Some(w) = self.edge_weight_mut(e) {
                w.count += 1;
            }
            return Insert::Known;
        }
        let (a, b) = (self.node(from), self.node(to));
        match self.dag.try_add_edge(a, b, info()) {
            Ok(e) => {
                self.edges.insert(from.edge_bits(to), e);
                Insert::Added
            }
            Err(AcyclicEdgeError::Cycle(_)) | Err(AcyclicEdgeError::SelfLoop) => {
                Insert::Cycle(self.path(to, from).unwrap_or_default())
            }
            Err(AcyclicEdgeError::InvalidEdge) => Insert::Known,
        }
    }

    fn edge_weight_mut(&mut self, e: EdgeIndex) -> Option<&mut EdgeInfo> {
        use petgraph::data::DataMapMut;
        self.dag.edge_weight_mut(e)
    }

    /// The shortest path of learned edges `from ⇝ to`, if there is one. O(V + E).
    pub(crate) fn path(
        &self,
        from: LockKey,
        to: LockKey,
    ) -> Option<Vec<(LockKey, LockKey, EdgeInfo)>> {
        let g = self.dag.inner();
        let (&start, &goal) = (self.nodes.get(&from)?, self.nodes.get(&to)?);
        // Parent edges by node index: a flat vector, no hashing on a 10,000-node search.
        let mut parent: Vec<Option<EdgeIndex>> = vec![None; g.node_count()];
        let mut queue = VecDeque::from([start]);
        while let Some(n) = queue.pop_front() {
            if n == goal {
                break;
            }
            for e in g.edges_directed(n, Direction::Outgoing) {
                let t = e.target();
                if t != start && parent[t.index()].is_none() {
                    parent[t.index()] = Some(e.id());
                    queue.push_back(t);
                }
            }
        }
        let mut path = Vec::new();
        let mut at = goal;
        while at != start {
            let e = parent[at.index()]?;
            let (s, t) = g.edge_endpoints(e)?;
            path.push((g[s], g[t], g[e].clone()));
            at = s;
        }
        path.reverse();
        Some(path)
    }

    /// Every learned edge, in insertion order.
    pub(crate) fn edges(&self) -> Vec<(LockKey, LockKey, EdgeInfo)> {
        let g = self.dag.inner();
        g.edge_references()
            .map(|e| (g[e.source()], g[e.target()], e.weight().clone()))
            .collect()
    }
}

static GRAPH: LazyLock<Mutex<OrderGraph>> = LazyLock::new(Default::default);

/// The global graph. Taken only on a thread's first sight of an order, and by reports.
pub(crate) fn global() -> MutexGuard<'static, OrderGraph> {
    GRAPH.lock().unwrap_or_else(PoisonError::into_inner)
}
