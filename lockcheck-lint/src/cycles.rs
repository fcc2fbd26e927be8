//! Cycles of an order graph, for LC004 (orders seen in the source) and `merge` (orders learned
//! by many processes): one shortest cycle per strongly connected set of two or more locks.
//!
//! Components come from Tarjan's algorithm (petgraph's `tarjan_scc`, O(V + E)); inside each, a
//! breadth-first search finds the shortest cycle through the component's least lock, so the
//! cycle shown for one graph is always the same.

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
    for mut scc in petgraph::algo::tarjan_scc(&g) {
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
}
