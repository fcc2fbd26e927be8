//! LC004 `lock-order-cycle`: nested acquisitions (B taken while A's guard is live, directly or
//! through calls) build a crate-wide order graph; each cycle is a possible deadlock, reported
//! with the site of every edge. (lockbud's "conflicting lock order", found on stable Rust.)
//!
//! ```text
//! fn one(&self) { let _a = self.a.lock(); let _b = self.b.lock(); }
//! fn two(&self) { let _b = self.b.lock(); let _a = self.a.lock(); } // LC004
//! ```

use std::collections::{BTreeMap, HashMap, VecDeque};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::{Analysis, Finding, Note, Rule};
use crate::model::{Event, LockPath, Span};

pub(super) const RULE: Rule = Rule {
    id: "LC004",
    name: "lock-order-cycle",
    summary: "locks taken in orders that form a cycle",
};

/// One order edge, with where it was first seen.
#[derive(Clone, Debug)]
pub(super) struct OrderEdge {
    pub(super) from: LockPath,
    pub(super) to: LockPath,
    pub(super) from_text: String,
    pub(super) to_text: String,
    /// The acquisition (or call) that takes `to` while `from` is held.
    pub(super) site: Span,
    /// Where `from` was taken.
    pub(super) from_site: Span,
    /// Through a call: where the callee takes `to`.
    pub(super) inner_site: Option<Span>,
    pub(super) function: String,
}

fn in_graph(l: &LockPath) -> bool {
    !matches!(l, LockPath::Param { .. } | LockPath::Class(_))
}

/// Every order edge of the crate, first sighting of each.
pub(super) fn edges(a: &Analysis<'_>) -> Vec<OrderEdge> {
    let mut seen: BTreeMap<(LockPath, LockPath), OrderEdge> = BTreeMap::new();
    let mut add = |e: OrderEdge| {
        let key = (e.from.clone(), e.to.clone());
        match seen.get(&key) {
            Some(old) if old.site <= e.site => {}
            _ => {
                seen.insert(key, e);
            }
        }
    };
    for f in &a.krate.functions {
        for e in &f.events {
            let Event::Acquire {
                lock,
                text,
                span,
                held,
                try_: false,
                ..
            } = e
            else {
                continue;
            };
            // Taking a lock already held is a double lock (LC003), not an order.
            if held.iter().any(|h| h.lock == *lock) || !in_graph(lock) {
                continue;
            }
            for h in held.iter().filter(|h| in_graph(&h.lock)) {
                add(OrderEdge {
                    from: h.lock.clone(),
                    to: lock.clone(),
                    from_text: h.text.clone(),
                    to_text: text.clone(),
                    site: *span,
                    from_site: h.span,
                    inner_site: None,
                    function: f.name.clone(),
                });
            }
        }
    }
    for call in a.calls() {
        if call.held.is_empty() || call.callee_index == call.caller_index {
            continue;
        }
        for acq in &a.acquires[call.callee_index] {
            let Some(lock) = call.translate(a, &acq.lock) else {
                continue;
            };
            if !in_graph(&lock) {
                continue;
            }
            for h in call
                .held
                .iter()
                .filter(|h| h.lock != lock && in_graph(&h.lock))
            {
                add(OrderEdge {
                    from: h.lock.clone(),
                    to: lock.clone(),
                    from_text: h.text.clone(),
                    to_text: a.show(&lock, call.caller),
                    site: call.span,
                    from_site: h.span,
                    inner_site: Some(acq.site),
                    function: call.caller.name.clone(),
                });
            }
        }
    }
    seen.into_values().collect()
}

pub(super) fn check(_a: &Analysis<'_>, edges: &[OrderEdge]) -> Vec<Finding> {
    let mut g: DiGraph<&LockPath, usize> = DiGraph::new();
    let mut nodes: HashMap<&LockPath, NodeIndex> = HashMap::new();
    for (i, e) in edges.iter().enumerate() {
        let a = *nodes.entry(&e.from).or_insert_with(|| g.add_node(&e.from));
        let b = *nodes.entry(&e.to).or_insert_with(|| g.add_node(&e.to));
        g.add_edge(a, b, i);
    }
    let mut out = Vec::new();
    for mut scc in petgraph::algo::tarjan_scc(&g) {
        if scc.len() < 2 {
            continue;
        }
        scc.sort_by_key(|n| g[*n]);
        let start = scc[0];
        // The shortest cycle through the component's first lock.
        let mut parent: HashMap<NodeIndex, usize> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        let mut closing = None;
        'bfs: while let Some(n) = queue.pop_front() {
            for e in g.edges(n) {
                if !scc.contains(&e.target()) {
                    continue;
                }
                if e.target() == start {
                    closing = Some((n, *e.weight()));
                    break 'bfs;
                }
                if e.target() != start && !parent.contains_key(&e.target()) {
                    parent.insert(e.target(), *e.weight());
                    queue.push_back(e.target());
                }
            }
        }
        let Some((mut at, last)) = closing else {
            continue;
        };
        let mut cycle = vec![&edges[last]];
        while at != start {
            let i = parent[&at];
            cycle.push(&edges[i]);
            at = nodes[&edges[i].from];
        }
        cycle.reverse();
        // Reported at the edge seen last in the source, the one that closes the cycle.
        let closing = cycle
            .iter()
            .max_by_key(|e| e.site)
            .copied()
            .unwrap_or(cycle[0]);
        let names: Vec<String> = cycle.iter().map(|e| format!("`{}`", e.from_text)).collect();
        let mut notes = Vec::new();
        for e in &cycle {
            notes.push(Note {
                message: format!(
                    "`{}` -> `{}`: `{}` is taken while `{}` is held (in `{}`)",
                    e.from_text, e.to_text, e.to_text, e.from_text, e.function
                ),
                span: Some(e.site),
            });
            if let Some(inner) = e.inner_site {
                notes.push(Note {
                    message: format!("the call takes `{}` here", e.to_text),
                    span: Some(inner),
                });
            }
        }
        out.push(Finding {
            rule: &RULE,
            message: format!(
                "lock order cycle through {}: two threads taking these orders can deadlock",
                names.join(", ")
            ),
            span: closing.site,
            label: format!(
                "`{}` taken while `{}` is held closes the cycle",
                closing.to_text, closing.from_text
            ),
            notes,
            help: Some("take these locks in one order everywhere".into()),
            function: closing.function.clone(),
        });
    }
    out
}
