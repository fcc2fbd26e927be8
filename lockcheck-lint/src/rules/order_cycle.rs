//! LC004 `lock-order-cycle`: nested acquisitions (B taken while A's guard is live, directly or
//! through calls) build a crate-wide order graph; each cycle is a possible deadlock, reported
//! with the site of every edge. (lockbud's "conflicting lock order", found on stable Rust.)
//!
//! ```text
//! fn one(&self) { let _a = self.a.lock(); let _b = self.b.lock(); }
//! fn two(&self) { let _b = self.b.lock(); let _a = self.a.lock(); } // LC004
//! ```

use std::collections::BTreeSet;

use super::{Finding, Note, Rule};
use crate::analysis::Analysis;
use crate::cycles::shortest_cycles;
use crate::model::LockPath;

pub(super) const RULE: Rule = Rule {
    id: "LC004",
    name: "lock-order-cycle",
    summary: "locks taken in orders that form a cycle",
    check,
    check_with_reports: Some(super::combined_cycle::check),
};

fn check(a: &Analysis<'_>) -> Vec<Finding> {
    let edges = &a.order_edges;
    let mut out = Vec::new();
    // Every inversion pair (`A -> B` somewhere, `B -> A` elsewhere) is a finding of its own,
    // with both sides: fixing one does not "reveal" another that was there all along.
    let index: std::collections::BTreeMap<(&LockPath, &LockPath), usize> = edges
        .iter()
        .enumerate()
        .map(|(i, e)| ((&e.from, &e.to), i))
        .collect();
    let mut paired: BTreeSet<usize> = BTreeSet::new();
    let mut cycles: Vec<Vec<usize>> = Vec::new();
    for (i, e) in edges.iter().enumerate() {
        if let Some(&j) = index.get(&(&e.to, &e.from)) {
            if i < j {
                cycles.push(vec![i, j]);
                paired.extend([i, j]);
            }
        }
    }
    // Longer cycles: one shortest cycle per strongly connected set, unless every lock of it is
    // already in a reported pair.
    for found in shortest_cycles(edges, |e| (&e.from, &e.to)) {
        if found.edges.len() > 2 && !found.edges.iter().all(|i| paired.contains(i)) {
            cycles.push(found.edges);
        }
    }
    for found in cycles {
        let cycle: Vec<_> = found.iter().map(|&i| &edges[i]).collect();
        if one_instance_exclusively(a, &cycle) {
            continue;
        }
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

/// Whether the cycle is made of locks of one instance and one of its orders is only ever taken
/// in methods that hold that instance exclusively (`&mut self`, `self`): while a thread takes
/// that order, no other thread can reach the instance's locks at all, so the cycle cannot close
/// on one instance (and another instance has other locks). Not when a lock sits under a field
/// that can be shared beyond the instance (`Arc`, `Rc`, `Weak`, a reference): then two
/// instances may share it.
fn one_instance_exclusively(a: &Analysis<'_>, cycle: &[&crate::analysis::OrderEdge]) -> bool {
    let mut ty: Option<&str> = None;
    let one_instance = cycle.iter().all(|e| {
        [&e.from, &e.to].into_iter().all(|l| match l {
            LockPath::SelfField { ty: t, fields } => {
                let first = fields.split('.').next().unwrap_or_default();
                let same = *ty.get_or_insert(t.as_str()) == t.as_str();
                same && !a
                    .krate
                    .shared_fields
                    .contains(&(t.clone(), first.to_owned()))
            }
            _ => false,
        })
    });
    one_instance && cycle.iter().any(|e| e.exclusive)
}
