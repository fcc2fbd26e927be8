//! Cycles of an order graph, for LC004 (orders seen in the source) and `merge` (orders learned
//! by many processes): one shortest cycle per strongly connected set of two or more locks.
//!
//! Components come from Kosaraju's algorithm (petgraph's `kosaraju_scc`, O(V + E)), whose two
//! depth-first passes keep their stack on the heap: a report holding one cycle of 100,000 classes
//! is a path that deep, and petgraph's `tarjan_scc` recurses once per node of it (overflowing the
//! thread's stack). Inside each component, a breadth-first search finds the shortest cycle
//! through the component's least lock, and cycles come least lock first, so the cycles shown for
//! one graph are always the same.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::hash::Hash;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

/// One cycle: its edges, as indices into the slice given, in order (the first leaves the
/// component's least lock, the last returns to it); and every lock of its component, least first.
pub(crate) struct ShortestCycle<'a, N> {
    pub(crate) edges: Vec<usize>,
    pub(crate) component: Vec<&'a N>,
}

/// The shortest cycle of each strongly connected component of the graph whose edges are
/// `items`, with `ends` giving each edge's `(from, to)`.
pub(crate) fn shortest_cycles<'a, T, N: Ord + Hash>(
    items: &'a [T],
    ends: impl Fn(&'a T) -> (&'a N, &'a N),
) -> Vec<ShortestCycle<'a, N>> {
    let mut g: DiGraph<&N, usize> = DiGraph::new();
    let mut index: HashMap<&N, NodeIndex> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let (from, to) = ends(item);
        let a = *index.entry(from).or_insert_with(|| g.add_node(from));
        let b = *index.entry(to).or_insert_with(|| g.add_node(to));
        g.add_edge(a, b, i);
    }
    let mut cycles = Vec::new();
    for mut scc in petgraph::algo::kosaraju_scc(&g) {
        if scc.len() < 2 {
            continue;
        }
        scc.sort_by_key(|n| g[*n]);
        let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
        let start = scc[0];
        // Shortest path start ⇝ start inside the component.
        let mut parent: HashMap<NodeIndex, EdgeIndex> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        let mut closing = None;
        'bfs: while let Some(n) = queue.pop_front() {
            for e in g.edges(n) {
                let t = e.target();
                if !members.contains(&t) {
                    continue;
                }
                if t == start {
                    closing = Some(e.id());
                    break 'bfs;
                }
                if let std::collections::hash_map::Entry::Vacant(v) = parent.entry(t) {
                    v.insert(e.id());
                    queue.push_back(t);
                }
            }
        }
        let Some(mut e) = closing else { continue };
        let mut path = Vec::new();
        while let Some((s, _)) = g.edge_endpoints(e) {
            path.push(g[e]);
            if s == start {
                break;
            }
            e = parent[&s];
        }
        path.reverse();
        cycles.push(ShortestCycle {
            edges: path,
            component: scc.iter().map(|n| g[*n]).collect(),
        });
    }
    cycles.sort_by(|a, b| a.component.cmp(&b.component));
    cycles
}

#[cfg(test)]
mod tests {
    use super::shortest_cycles;

    type Edge = (&'static str, &'static str);

    #[test]
    fn one_shortest_cycle_per_component_from_its_least_lock() {
        // a -> b -> c -> a and a -> c (so a => c -> a is shorter); d -> e -> d apart; f alone.
        let edges = [
            ("a", "b"),
            ("b", "c"),
            ("c", "a"),
            ("a", "c"),
            ("d", "e"),
            ("e", "d"),
            ("e", "f"),
        ];
        let mut found: Vec<(Vec<Edge>, Vec<&str>)> = shortest_cycles(&edges, |(a, b)| (a, b))
            .into_iter()
            .map(|c| {
                (
                    c.edges.iter().map(|&i| edges[i]).collect(),
                    c.component.into_iter().copied().collect(),
                )
            })
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                (vec![("a", "c"), ("c", "a")], vec!["a", "b", "c"]),
                (vec![("d", "e"), ("e", "d")], vec!["d", "e"]),
            ]
        );
    }

    #[test]
    fn a_cycle_of_100000_locks_does_not_exhaust_the_stack() {
        // One long path closed into a cycle: as deep as a depth-first search can be.
        const N: usize = 100_000;
        let names: Vec<String> = (0..N).map(|i| format!("c{i:06}")).collect();
        let edges: Vec<(&String, &String)> =
            (0..N).map(|i| (&names[i], &names[(i + 1) % N])).collect();
        let found = shortest_cycles(&edges, |(a, b)| (*a, *b));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].edges.len(), N);
        assert_eq!(found[0].edges[0], 0);
    }
}
