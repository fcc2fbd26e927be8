//! `cargo lockcheck merge --suggest-ranks DIR`: the rank table the runs learned.
//!
//! Go writes `lockrank.go` by hand; here the merged graph of every process's learned orders
//! gives it. A class is ranked by its name, so only named classes (`Mutex::named("sched", ..)`)
//! whose names the table grammar takes get a rank; the others are listed apart. The order
//! between two ranked classes is every path between them in the merged graph, through any
//! class (a thread holding `a` while it takes `x` and then `b` holds `a` and `b` at once, and
//! the runtime checks that pair), written as its transitive reduction: `a < b;` is printed only
//! when no ranked class lies between them. A graph with a cycle has no such table; its cycles
//! are what to fix first.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

use crate::merge::Merged;
use crate::shown::shown;

/// The suggested table, ready to paste; or, when the merged graph has cycles, an error listing
/// them. O(R · E) for R ranked classes and E learned orders.
///
/// # Errors
///
/// The merged graph has a cycle: no rank table is consistent with it.
pub fn suggest_ranks(merged: &Merged) -> Result<String, String> {
    if !merged.cycles.is_empty() {
        let mut out = format!(
            "no rank table is consistent with these orders: the merged graph has {} cycle{} \
             (fix them first)\n\n",
            merged.cycles.len(),
            if merged.cycles.len() == 1 { "" } else { "s" }
        );
        for c in &merged.cycles {
            let _ = writeln!(out, "{c}");
        }
        return Err(out);
    }
    let mut successors: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in &merged.edges {
        successors.entry(&e.from).or_default().push(&e.to);
    }
    let in_an_order: BTreeSet<&str> = merged
        .edges
        .iter()
        .flat_map(|e| [e.from.as_str(), e.to.as_str()])
        .collect();
    let (ranked, unranked): (Vec<&str>, Vec<&str>) =
        in_an_order.iter().copied().partition(|c| rankable(c));
    let ranked_set: BTreeSet<&str> = ranked.iter().copied().collect();
    // Every ranked class each ranked class reaches, through any class.
    let reaches: BTreeMap<&str, BTreeSet<&str>> = ranked
        .iter()
        .map(|&a| {
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            let mut queue = VecDeque::from([a]);
            while let Some(n) = queue.pop_front() {
                for &m in successors.get(n).into_iter().flatten() {
                    if seen.insert(m) {
                        queue.push_back(m);
                    }
                }
            }
            seen.retain(|c| ranked_set.contains(c));
            (a, seen)
        })
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// The rank order {} process{} learned ({} order{}), from `cargo lockcheck merge \
         --suggest-ranks`.\n// Install it with `lockcheck::set_rank_table(table)`.",
        merged.processes.len(),
        if merged.processes.len() == 1 {
            ""
        } else {
            "es"
        },
        merged.edges.len(),
        if merged.edges.len() == 1 { "" } else { "s" },
    );
    if !unranked.is_empty() {
        let _ = writeln!(
            out,
            "// Not ranked (a rank applies to a named class: `Mutex::named(\"..\", ..)`):"
        );
        for c in &unranked {
            let _ = writeln!(out, "//   {}", shown(c));
        }
    }
    out.push_str("let table = lockcheck::lock_ranks! {\n");
    for &a in &ranked {
        let direct: Vec<&str> = reaches[a]
            .iter()
            .copied()
            .filter(|&b| !reaches[a].iter().any(|&c| c != b && reaches[c].contains(b)))
            .collect();
        if direct.is_empty() {
            let lone = !reaches.values().any(|r| r.contains(a));
            if lone {
                let _ = writeln!(out, "    {a};");
            }
            continue;
        }
        let _ = writeln!(out, "    {a} < {};", direct.join(", "));
    }
    out.push_str("}\n.expect(\"the learned rank order is consistent\");\n");
    Ok(out)
}

/// Whether the table grammar takes `name` as a rank (a named class's name usually; a site
/// class's `Type at file:line:col` never).
fn rankable(name: &str) -> bool {
    lockcheck_ranks::RankTable::parse(&format!("{name};")).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::MergedEdge;

    fn merged(edges: &[(&str, &str)]) -> Merged {
        let mut m = Merged {
            edges: edges
                .iter()
                .map(|(a, b)| MergedEdge {
                    from: (*a).to_owned(),
                    to: (*b).to_owned(),
                    origins: Vec::new(),
                })
                .collect(),
            ..Merged::default()
        };
        for (a, b) in edges {
            m.classes.insert((*a).to_owned());
            m.classes.insert((*b).to_owned());
        }
        m.cycles = crate::merge::find_cycles(&m.edges, &m.class_kinds);
        m
    }

    /// The `lock_ranks!` body of a suggestion.
    fn body(table: &str) -> &str {
        table
            .split("lock_ranks! {\n")
            .nth(1)
            .and_then(|b| b.split("\n}").next())
            .unwrap()
    }

    #[test]
    fn the_suggested_table_orders_every_learned_order_and_nothing_against_one() {
        let site = "Mutex<u32> at src/pool.rs:4:9";
        let m = merged(&[
            ("sched", "allm"),
            ("allm", "trace"),
            ("sched", "trace"),
            // Through an unnamed class: trace -> site -> stack; the pair is still ordered.
            ("trace", site),
            (site, "stack"),
            ("lone-a", "lone-b"),
        ]);
        let table = suggest_ranks(&m).unwrap();
        let ranks = lockcheck_ranks::RankTable::parse(body(&table)).expect(&table);
        for (a, b) in [
            ("sched", "allm"),
            ("allm", "trace"),
            ("sched", "trace"),
            ("trace", "stack"),
            ("sched", "stack"),
            ("lone-a", "lone-b"),
        ] {
            assert!(ranks.orders(a, b), "{a} < {b}:\n{table}");
            assert!(!ranks.orders(b, a), "{b} < {a}:\n{table}");
        }
        // Unrelated classes stay unordered; the transitive `sched < trace` is not repeated.
        assert!(!ranks.orders("sched", "lone-b") && !ranks.orders("lone-a", "trace"));
        assert!(table.contains("    sched < allm;\n"), "{table}");
        assert!(table.contains(&format!("//   {site}")), "{table}");
    }

    #[test]
    fn a_graph_with_a_cycle_gets_its_cycles_instead() {
        let m = merged(&[("accounts", "balances"), ("balances", "accounts")]);
        let err = suggest_ranks(&m).unwrap_err();
        assert!(
            err.contains("no rank table is consistent") && err.contains("`accounts`"),
            "{err}"
        );
    }
}
