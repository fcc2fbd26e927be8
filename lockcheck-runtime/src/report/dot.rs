//! The Graphviz DOT form of a [`Report`]: learned edges solid, the edges of a reported cycle red
//! and bold (the acquisition that would have closed it dashed red), declared rank order dotted
//! blue, and the classes of a cycle filled.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::Report;
use crate::violation::ViolationKind;

fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(super) fn to_dot(r: &Report) -> String {
    // Edges on a cycle: the learned ones, and the attempted closing edge of each.
    let mut on_cycle: HashSet<(&str, &str)> = HashSet::new();
    let mut attempted: Vec<(&str, &str)> = Vec::new();
    let mut cycle_nodes: HashSet<&str> = HashSet::new();
    for v in &r.violations {
        if let ViolationKind::OrderCycle { cycle, .. } = &v.kind {
            for (i, e) in cycle.iter().enumerate() {
                cycle_nodes.insert(&e.from);
                if i == 0 {
                    attempted.push((&e.from, &e.to));
                } else {
                    on_cycle.insert((&e.from, &e.to));
                }
            }
        }
    }
    let mut out = String::from("digraph lockcheck {\n");
    out.push_str("  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"monospace\"];\n");
    out.push_str("  edge [fontname=\"monospace\", fontsize=9];\n");
    let mut names: Vec<&str> = r.classes.iter().map(|c| c.name.as_str()).collect();
    for e in &r.edges {
        for n in [&e.edge.from, &e.edge.to] {
            if !names.contains(&&**n) {
                names.push(n);
            }
        }
    }
    for c in &r.classes {
        let mut label = c.name.clone();
        if let Some(rank) = c.rank {
            let _ = write!(label, "\nrank {rank}");
        }
        // A site class's name already says where it is.
        if let Some(site) = c
            .site
            .as_ref()
            .filter(|s| !c.name.ends_with(&s.to_string()))
        {
            let _ = write!(label, "\n{site}");
        }
        let fill = if cycle_nodes.contains(c.name.as_str()) {
            ", style=\"rounded,filled\", fillcolor=\"#ffd6d6\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} [label={}{fill}];",
            quoted(&c.name),
            quoted(&label)
        );
    }
    for n in names
        .iter()
        .filter(|n| !r.classes.iter().any(|c| c.name == **n))
    {
        let _ = writeln!(out, "  {};", quoted(n));
    }
    for e in &r.edges {
        let (from, to) = (&*e.edge.from, &*e.edge.to);
        let threads = if e.count == 1 { "thread" } else { "threads" };
        let label = format!("first seen {}\nby {} {threads}", e.edge.site, e.count);
        let style = if on_cycle.contains(&(from, to)) {
            ", color=red, penwidth=2.5, fontcolor=red"
        } else if e.declared == Some(false) {
            ", color=orange"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}{style}];",
            quoted(from),
            quoted(to),
            quoted(&label)
        );
    }
    for (from, to) in attempted {
        let _ = writeln!(
            out,
            "  {} -> {} [label=\"would close a cycle\", color=red, style=dashed, penwidth=2.5, fontcolor=red];",
            quoted(from),
            quoted(to)
        );
    }
    for (a, b) in &r.declared_order {
        let _ = writeln!(
            out,
            "  {} -> {} [label=\"declared\", color=blue, style=dotted, fontcolor=blue, constraint=false];",
            quoted(a),
            quoted(b)
        );
    }
    out.push_str("}\n");
    out
}
