//! The Graphviz DOT form of a [`Report`]: learned edges solid, the edges of a reported cycle red
//! and bold (the acquisition that would have closed it dashed red), declared rank order dotted
//! blue, and the classes of a cycle filled.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::Report;
use crate::shown::hostile;
use crate::violation::ViolationKind;

/// `s` inside a DOT string: quotes and backslashes escaped, and every control character (a NUL
/// makes Graphviz refuse the whole file; a line break in a name would pass for the label's own)
/// shown as `{:?}` shows it, `\u{0}`, `\n`.
fn escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if hostile(c) => {
                // `\u{1b}` as text: its backslash escaped for DOT.
                out.push('\\');
                out.extend(c.escape_debug());
            }
            c => out.push(c),
        }
    }
}

/// A name as a quoted DOT string.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    escaped(&mut out, s);
    out.push('"');
    out
}

/// A label of several lines: each escaped, joined by DOT's centred line break.
fn label(lines: &[&str]) -> String {
    let mut out = String::from("\"");
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("\\n");
        }
        escaped(&mut out, l);
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
    // Linear in classes and edges: a process may have used 100,000 classes, and the file is
    // rewritten on each new violation.
    let classes: HashSet<&str> = r.classes.iter().map(|c| c.name.as_str()).collect();
    let mut unlisted: Vec<&str> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for e in &r.edges {
        for n in [&*e.edge.from, &*e.edge.to] {
            if !classes.contains(n) && seen.insert(n) {
                unlisted.push(n);
            }
        }
    }
    for c in &r.classes {
        let rank = c.rank.map(|rank| format!("rank {rank}"));
        // A site class's name already says where it is.
        let site = c
            .site
            .as_ref()
            .map(|s| format!("{}:{}:{}", s.file, s.line, s.column))
            .filter(|s| !c.name.ends_with(s.as_str()));
        let mut lines = vec![c.name.as_str()];
        lines.extend(rank.as_deref());
        lines.extend(site.as_deref());
        let fill = if cycle_nodes.contains(c.name.as_str()) {
            ", style=\"rounded,filled\", fillcolor=\"#ffd6d6\""
        } else {
            ""
        };
        // A wait is drawn as what it is: a condvar an ellipse, a thread a box in 3D, a
        // channel a pipe-like shape; a lock keeps the default rounded box.
        let shape = match c.kind {
            super::ClassKind::Lock => "",
            super::ClassKind::Condvar => ", shape=ellipse",
            super::ClassKind::Thread => ", shape=box3d",
            super::ClassKind::Channel => ", shape=cds",
        };
        let _ = writeln!(
            out,
            "  {} [label={}{shape}{fill}];",
            quoted(&c.name),
            label(&lines)
        );
    }
    for n in unlisted {
        let _ = writeln!(out, "  {};", quoted(n));
    }
    for e in &r.edges {
        let (from, to) = (&*e.edge.from, &*e.edge.to);
        let threads = if e.count == 1 { "thread" } else { "threads" };
        let site = &e.edge.site;
        let first = format!("first seen {}:{}:{}", site.file, site.line, site.column);
        let by = format!("by {} {threads}", e.count);
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
            label(&[&first, &by])
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
