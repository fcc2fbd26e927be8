//! The learned order as a directed acyclic graph: one node per lock key, an edge `A -> B` once
//! some thread acquired `B` while holding `A`.
//!
//! The graph is kept acyclic: an edge that would close a cycle is the violation, and is reported
//! instead of added. That lets it maintain a topological order incrementally, with the dynamic
//! topological sort of Pearce and Kelly (D. J. Pearce, P. H. J. Kelly, "A Dynamic Topological
//! Sort Algorithm for Directed Acyclic Graphs", ACM JEA 11, 2006). Names follow the paper:
//! `ord` is the position of each node, an edge `x -> y` with `ord[x] < ord[y]` agrees with the
//! order and costs O(1); otherwise the forward search from `y` (`delta_f`, bounded above by
//! `ub = ord[x]`) and the backward search from `x` (`delta_b`, bounded below by `lb = ord[y]`)
//! visit only the affected region, and their positions are reassigned so that `delta_b` comes
//! first. Reaching `x` in the forward search *is* the cycle: the search is breadth-first, so the
//! witness is a shortest path `y ⇝ x`, found by the same search that maintains the order.
//!
//! Storage is a petgraph `DiGraph` (node indices are never removed, like class ids); petgraph
//! stays inside this module.

use std::collections::VecDeque;
use std::panic::Location;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::hasher::KeyMap;
use crate::held_lock::GateLock;
use crate::key::LockKey;

/// What is remembered of an order edge: where it was first seen, and how often it was learned.
#[derive(Clone, Debug)]
pub(crate) struct EdgeInfo {
    /// Where the edge's source lock had been taken when the edge was first seen.
    pub(crate) from_site: &'static Location<'static>,
    /// Where the edge's target lock was being acquired when the edge was first seen.
    pub(crate) to_site: &'static Location<'static>,
    /// The thread that first took this order.
    pub(crate) thread: &'static str,
    /// The tokio task that first took it, if a task did (feature `tokio`).
    pub(crate) task: Option<u64>,
    /// How many times a thread learned the edge (each thread learns an edge once; later
    /// acquisitions in that thread are served from its own cache and not counted).
    pub(crate) count: u64,
    /// The gate: the other lock instances held exclusively at every observation of the edge so
    /// far (the intersection of those sets). Empty for almost every edge, and then it costs
    /// nothing.
    pub(crate) gate: Vec<GateLock>,
}

/// The result of offering an edge to the graph.
pub(crate) enum Insert {
    /// The edge was already in the graph: its gate after this observation, and whether this
    /// observation took a lock out of it.
    Known { gate: Vec<GateLock>, weakened: bool },
    /// The edge is new and was added.
    Added,
    /// The edge would close a cycle; the existing path from its target back to its source,
    /// one `(from, to, info)` per edge, in order (a shortest one).
    Cycle(Path),
}

/// The learned lock-order graph, with its topological order.
#[derive(Default)]
pub(crate) struct OrderGraph {
    g: DiGraph<LockKey, EdgeInfo>,
    nodes: KeyMap<LockKey, NodeIndex>,
    /// Edge lookup by its ends in O(1); petgraph's `find_edge` walks the source's out-list.
    edges: KeyMap<u64, EdgeIndex>,
    /// Pearce–Kelly's `ord`: each node's position in the topological order (a permutation).
    ord: Vec<u32>,
    /// Search scratch, reused so a search allocates nothing per node: `mark[n] == stamp` means
    /// visited in the current search, `parent[n]` the edge it was reached by.
    mark: Vec<u32>,
    stamp: u32,
    parent: Vec<Option<EdgeIndex>>,
    /// The searches' other buffers, kept between insertions so a reorder allocates nothing.
    scratch: Scratch,
}

/// Buffers for one Pearce–Kelly update.
#[derive(Default)]
struct Scratch {
    delta_f: Vec<NodeIndex>,
    delta_b: Vec<NodeIndex>,
    queue: VecDeque<NodeIndex>,
    pool: Vec<u32>,
}

/// An existing path, one `(from, to, info)` per edge.
pub(crate) type Path = Vec<(LockKey, LockKey, EdgeInfo)>;

impl OrderGraph {
    fn node(&mut self, key: LockKey) -> NodeIndex {
        if let Some(&n) = self.nodes.get(&key) {
            return n;
        }
        let n = self.g.add_node(key);
        self.nodes.insert(key, n);
        // A new node has no edges: the end of the order is as good as anywhere.
        self.ord.push(n.index() as u32);
        self.mark.push(0);
        self.parent.push(None);
        n
    }

    fn next_stamp(&mut self) -> u32 {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.mark.iter_mut().for_each(|m| *m = 0);
            self.stamp = 1;
        }
        self.stamp
    }

    /// Offers `from -> to`, observed while `held` (the other locks held) were held: O(1) when
    /// known or when it agrees with the current order; otherwise proportional to the region of
    /// the order between its two ends. A new edge's gate is `info`'s.
    pub(crate) fn insert(
        &mut self,
        from: LockKey,
        to: LockKey,
        held: &[GateLock],
        info: impl FnOnce() -> EdgeInfo,
    ) -> Insert {
        if let Some(&e) = self.edges.get(&from.edge_bits(to)) {
            let Some(w) = self.g.edge_weight_mut(e) else {
                return Insert::Known {
                    gate: Vec::new(),
                    weakened: false,
                };
            };
            w.count += 1;
            let before = w.gate.len();
            w.gate.retain(|k| held.contains(k));
            return Insert::Known {
                weakened: w.gate.len() < before,
                gate: w.gate.clone(),
            };
        }
        let (x, y) = (self.node(from), self.node(to));
        if x == y {
            return Insert::Cycle(Vec::new());
        }
        let (lb, ub) = (self.ord[y.index()], self.ord[x.index()]);
        if lb < ub {
            let mut scratch = std::mem::take(&mut self.scratch);
            let found = self.forward(y, x, ub, &mut scratch);
            if found.is_ok() {
                self.backward(x, lb, &mut scratch);
                self.reorder(&mut scratch);
            }
            self.scratch = scratch;
            if let Err(path) = found {
                return Insert::Cycle(path);
            }
        }
        let e = self.g.add_edge(x, y, info());
        self.edges.insert(from.edge_bits(to), e);
        Insert::Added
    }

    /// Breadth-first from `y` over nodes placed before `ub`: the nodes to move after `x` (left in
    /// `scratch.delta_f`), or, when `x` is reached, the shortest path `y ⇝ x` (the cycle the new
    /// edge would close).
    fn forward(
        &mut self,
        y: NodeIndex,
        x: NodeIndex,
        ub: u32,
        scratch: &mut Scratch,
    ) -> Result<(), Path> {
        let stamp = self.next_stamp();
        self.mark[y.index()] = stamp;
        let (delta_f, queue) = (&mut scratch.delta_f, &mut scratch.queue);
        delta_f.clear();
        delta_f.push(y);
        queue.clear();
        queue.push_back(y);
        while let Some(n) = queue.pop_front() {
            for e in self.g.edges_directed(n, Direction::Outgoing) {
                let w = e.target();
                if w == x {
                    self.parent[x.index()] = Some(e.id());
                    return Err(self.path_to(y, x));
                }
                if self.mark[w.index()] != stamp && self.ord[w.index()] < ub {
                    self.mark[w.index()] = stamp;
                    self.parent[w.index()] = Some(e.id());
                    delta_f.push(w);
                    queue.push_back(w);
                }
            }
        }
        Ok(())
    }

    /// Breadth-first backwards from `x` over nodes placed after `lb`: the nodes to move first
    /// (left in `scratch.delta_b`).
    fn backward(&mut self, x: NodeIndex, lb: u32, scratch: &mut Scratch) {
        let stamp = self.next_stamp();
        self.mark[x.index()] = stamp;
        let (delta_b, queue) = (&mut scratch.delta_b, &mut scratch.queue);
        delta_b.clear();
        delta_b.push(x);
        queue.clear();
        queue.push_back(x);
        while let Some(n) = queue.pop_front() {
            for e in self.g.edges_directed(n, Direction::Incoming) {
                let w = e.source();
                if self.mark[w.index()] != stamp && self.ord[w.index()] > lb {
                    self.mark[w.index()] = stamp;
                    delta_b.push(w);
                    queue.push_back(w);
                }
            }
        }
    }

    /// Gives `delta_b` then `delta_f`, each in its current relative order, the positions they
    /// held between them.
    fn reorder(&mut self, scratch: &mut Scratch) {
        let ord = &mut self.ord;
        scratch.delta_b.sort_unstable_by_key(|n| ord[n.index()]);
        scratch.delta_f.sort_unstable_by_key(|n| ord[n.index()]);
        let moved = || scratch.delta_b.iter().chain(&scratch.delta_f);
        scratch.pool.clear();
        scratch.pool.extend(moved().map(|n| ord[n.index()]));
        scratch.pool.sort_unstable();
        for (n, &pos) in moved().zip(&scratch.pool) {
            ord[n.index()] = pos;
        }
    }

    /// The path `y ⇝ x` the last forward search recorded in `parent`.
    fn path_to(&self, y: NodeIndex, x: NodeIndex) -> Path {
        let mut path = Vec::new();
        let mut at = x;
        while at != y {
            let Some(e) = self.parent[at.index()] else {
                break;
            };
            let Some((s, t)) = self.g.edge_endpoints(e) else {
                break;
            };
            path.push((self.g[s], self.g[t], self.g[e].clone()));
            at = s;
        }
        path.reverse();
        path
    }

    /// A shortest walk `from ⇝ to` that no lock of `gate` guards throughout: for each lock of
    /// `gate`, some edge of the walk was observed without it (its gate lacks it). `None` when
    /// every walk is guarded by some lock of `gate` all along: then a cycle closed by an edge
    /// observed under `gate` cannot deadlock. With an empty `gate`, any shortest path.
    ///
    /// Breadth-first over (node, which gate locks the walk has escaped so far): O((V + E) 2^k)
    /// for k gate locks; only a cycle found while other locks were held comes here. Past 12
    /// gate locks it does not try (the answer is a shortest path, as if ungated).
    pub(crate) fn ungated_path(
        &self,
        from: LockKey,
        to: LockKey,
        gate: &[GateLock],
    ) -> Option<Path> {
        let (&x, &y) = (self.nodes.get(&from)?, self.nodes.get(&to)?);
        let gate = if gate.len() > 12 { &[][..] } else { gate };
        let full: u32 = (1u32 << gate.len()) - 1;
        let escapes = |w: &EdgeInfo| -> u32 {
            gate.iter()
                .enumerate()
                .filter(|(_, k)| !w.gate.contains(k))
                .fold(0, |m, (i, _)| m | (1 << i))
        };
        let mut parent: std::collections::HashMap<(NodeIndex, u32), (NodeIndex, u32, EdgeIndex)> =
            std::collections::HashMap::new();
        let mut queue = VecDeque::from([(x, 0u32)]);
        let mut seen = std::collections::HashSet::from([(x, 0u32)]);
        while let Some((n, mask)) = queue.pop_front() {
            for e in self.g.edges_directed(n, Direction::Outgoing) {
                let state = (e.target(), mask | escapes(e.weight()));
                if !seen.insert(state) {
                    continue;
                }
                parent.insert(state, (n, mask, e.id()));
                if state == (y, full) {
                    let mut path = Vec::new();
                    let mut at = state;
                    while let Some(&(pn, pm, pe)) = parent.get(&at) {
                        let (s, t) = self.g.edge_endpoints(pe)?;
                        path.push((self.g[s], self.g[t], self.g[pe].clone()));
                        at = (pn, pm);
                    }
                    path.reverse();
                    return Some(path);
                }
                queue.push_back(state);
            }
        }
        None
    }

    /// Forgets the lock instance `instance` in every edge's gate (it was dropped).
    pub(crate) fn forget_gate_instance(&mut self, instance: usize) {
        for w in self.g.edge_weights_mut() {
            w.gate.retain(|g| g.instance != instance);
        }
    }

    /// Whether the learned orders lead from `from` to `to`: breadth-first, O(V + E); at once
    /// `false` when the topological order places `to` before `from` (no path can then exist).
    pub(crate) fn reaches(&self, from: LockKey, to: LockKey) -> bool {
        let (Some(&x), Some(&y)) = (self.nodes.get(&from), self.nodes.get(&to)) else {
            return false;
        };
        if self.ord[x.index()] > self.ord[y.index()] {
            return false;
        }
        let mut seen = vec![false; self.g.node_count()];
        let mut queue = VecDeque::from([x]);
        seen[x.index()] = true;
        while let Some(n) = queue.pop_front() {
            for w in self.g.neighbors_directed(n, Direction::Outgoing) {
                if w == y {
                    return true;
                }
                if !seen[w.index()] {
                    seen[w.index()] = true;
                    queue.push_back(w);
                }
            }
        }
        false
    }

    /// Whether `from -> to` is a learned edge.
    pub(crate) fn contains(&self, from: LockKey, to: LockKey) -> bool {
        self.edges.contains_key(&from.edge_bits(to))
    }

    /// The learned edges out of `key`: each target and what is known of the edge.
    pub(crate) fn successors(
        &self,
        key: LockKey,
    ) -> impl Iterator<Item = (LockKey, &EdgeInfo)> + '_ {
        self.nodes.get(&key).into_iter().flat_map(move |&n| {
            self.g
                .edges_directed(n, Direction::Outgoing)
                .map(|e| (self.g[e.target()], e.weight()))
        })
    }

    /// Every learned edge, in insertion order.
    pub(crate) fn edges(&self) -> Path {
        self.g
            .edge_references()
            .map(|e| (self.g[e.source()], self.g[e.target()], e.weight().clone()))
            .collect()
    }

    /// Whether the positions form a topological order of the edges (for tests).
    #[cfg(test)]
    fn order_is_topological(&self) -> bool {
        self.g
            .edge_references()
            .all(|e| self.ord[e.source().index()] < self.ord[e.target().index()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::ClassId;

    fn key(i: u32) -> LockKey {
        LockKey::new(ClassId::for_test(i + 1), 0)
    }

    fn info() -> EdgeInfo {
        EdgeInfo {
            from_site: Location::caller(),
            to_site: Location::caller(),
            thread: "t",
            task: None,
            count: 1,
            gate: Vec::new(),
        }
    }

    /// Random edges against a brute-force reachability check: an edge is refused exactly when
    /// its target already reaches its source, the witness is a real path, and the order stays
    /// topological.
    #[test]
    fn pearce_kelly_agrees_with_brute_force() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for round in 0..40 {
            let n = 3 + round % 17;
            let mut g = OrderGraph::default();
            let mut adj = vec![vec![false; n as usize]; n as usize];
            for _ in 0..(n * 4) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let (a, b) = (
                    (seed % n as u64) as usize,
                    ((seed >> 20) % n as u64) as usize,
                );
                if a == b {
                    continue;
                }
                // Does b reach a already?
                let mut seen = vec![false; n as usize];
                let mut stack = vec![b];
                while let Some(v) = stack.pop() {
                    if !seen[v] {
                        seen[v] = true;
                        stack.extend((0..n as usize).filter(|&w| adj[v][w]));
                    }
                }
                match g.insert(key(a as u32), key(b as u32), &[], info) {
                    Insert::Cycle(path) => {
                        assert!(seen[a], "refused {a}->{b} without a cycle");
                        assert_eq!(path.first().map(|p| p.0), Some(key(b as u32)));
                        assert_eq!(path.last().map(|p| p.1), Some(key(a as u32)));
                        for w in path.windows(2) {
                            assert_eq!(w[0].1, w[1].0, "the witness is a path");
                        }
                    }
                    Insert::Added => {
                        assert!(!seen[a], "accepted {a}->{b}, which closes a cycle");
                        adj[a][b] = true;
                    }
                    Insert::Known { .. } => assert!(adj[a][b]),
                }
                assert!(g.order_is_topological());
            }
        }
    }
}
