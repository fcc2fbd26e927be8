//! LC004 across the static and the dynamic graph (`cargo lockcheck --reports DIR`): the orders
//! the lint reads in the source and the orders test runs learned (the runtime's report files)
//! in one graph, so that a cycle made of an order seen only in the source and an order seen
//! only at run time is found, though neither side alone has it.
//!
//! A run-time lock class is matched to a source lock by its name (a lock built with
//! `named("..")`) or by where it was built: the class's construction site inside a `static`
//! item, or inside the value of a struct literal's field (`Sched { lock: Mutex::new(..) }` is
//! `Sched`'s `self.lock`). A class that matches nothing stays a node of its own, by name.
//! Only mixed cycles are reported here: a cycle entirely in the source is LC004's, one entirely
//! at run time is `cargo lockcheck merge`'s.

use std::collections::{BTreeMap, BTreeSet};

use super::{order_cycle, Finding, Note};
use crate::analysis::Analysis;
use crate::cycles::shortest_cycles;
use crate::merge::{Merged, Origin, Site};
use crate::model::{Crate, LockPath};

/// An edge of the combined graph, with what saw it: the source, a run, or both.
struct Edge<'a> {
    from: LockPath,
    to: LockPath,
    source: Option<&'a crate::analysis::OrderEdge>,
    run: Option<&'a Origin>,
}

pub(super) fn check(a: &Analysis<'_>, merged: &Merged) -> Vec<Finding> {
    let krate = a.krate;
    let lock_of = |class: &str| -> LockPath {
        if let Some((lock, _)) = krate.class_names.iter().find(|(_, c)| c.as_str() == class) {
            return lock.clone();
        }
        merged
            .class_sites
            .get(class)
            .and_then(|site| built_at(krate, site))
            .unwrap_or_else(|| LockPath::Class(class.to_owned()))
    };
    let mut edges: BTreeMap<(LockPath, LockPath), Edge<'_>> = BTreeMap::new();
    for e in &a.order_edges {
        edges
            .entry((e.from.clone(), e.to.clone()))
            .or_insert_with(|| Edge {
                from: e.from.clone(),
                to: e.to.clone(),
                source: None,
                run: None,
            })
            .source = Some(e);
    }
    for e in &merged.edges {
        let (from, to) = (lock_of(&e.from), lock_of(&e.to));
        if from == to {
            continue;
        }
        let edge = edges.entry((from.clone(), to.clone())).or_insert(Edge {
            from,
            to,
            source: None,
            run: None,
        });
        if edge.run.is_none() {
            edge.run = e.origins.first();
        }
    }
    let edges: Vec<Edge<'_>> = edges.into_values().collect();
    // Inversion pairs, then one shortest cycle per strongly connected set.
    let mut cycles: Vec<Vec<usize>> = Vec::new();
    // Looked up, not searched: a run may have learned 100,000 orders.
    let index: BTreeMap<(&LockPath, &LockPath), usize> = edges
        .iter()
        .enumerate()
        .map(|(i, e)| ((&e.from, &e.to), i))
        .collect();
    for (i, e) in edges.iter().enumerate() {
        if let Some(&j) = index.get(&(&e.to, &e.from)) {
            if i < j {
                cycles.push(vec![i, j]);
            }
        }
    }
    let paired: BTreeSet<usize> = cycles.iter().flatten().copied().collect();
    for found in shortest_cycles(&edges, |e| (&e.from, &e.to)) {
        if found.edges.len() > 2 && !found.edges.iter().all(|i| paired.contains(i)) {
            cycles.push(found.edges);
        }
    }
    let mut out = Vec::new();
    for cycle in cycles {
        let cycle: Vec<&Edge<'_>> = cycle.iter().map(|&i| &edges[i]).collect();
        let source_only = cycle.iter().any(|e| e.run.is_none());
        let run_only = cycle.iter().any(|e| e.source.is_none());
        if !(source_only && run_only) {
            continue;
        }
        out.push(finding(&cycle));
    }
    out
}

fn finding(cycle: &[&Edge<'_>]) -> Finding {
    let name = |e: &Edge<'_>, from: bool| match (e.source, from) {
        (Some(s), true) => s.from_text.clone(),
        (Some(s), false) => s.to_text.clone(),
        (None, true) => e.from.to_string(),
        (None, false) => e.to.to_string(),
    };
    // Reported at a source edge (there is one): the last one in the source.
    let at = cycle
        .iter()
        .filter_map(|e| e.source)
        .max_by_key(|s| s.site)
        .expect("a mixed cycle has a source edge");
    let mut notes = Vec::new();
    for e in cycle {
        let (from, to) = (name(e, true), name(e, false));
        match (e.source, e.run) {
            (Some(s), _) => notes.push(Note {
                message: format!(
                    "`{from}` -> `{to}`: in the source, `{to}` is taken while `{from}` is held (in `{}`)",
                    s.function
                ),
                span: Some(s.site),
            }),
            (None, Some(o)) => notes.push(Note {
                message: format!(
                    "`{from}` -> `{to}`: learned at run time by {}, thread `{}`: `{to}` taken at {} while `{from}` was held (taken at {})",
                    o.process, o.thread, o.site, o.from_site
                ),
                span: None,
            }),
            (None, None) => {}
        }
    }
    let names: Vec<String> = cycle
        .iter()
        .map(|e| format!("`{}`", name(e, true)))
        .collect();
    Finding {
        rule: &order_cycle::RULE,
        message: format!(
            "lock order cycle through {}, seen partly in the source and partly at run time: two threads taking these orders can deadlock",
            names.join(", ")
        ),
        span: at.site,
        label: format!(
            "`{}` taken while `{}` is held, against an order a test run learned",
            at.to_text, at.from_text
        ),
        notes,
        help: Some("take these locks in one order everywhere".into()),
        function: at.function.clone(),
    }
}

/// The source lock built at a run-time class's construction site: the static whose item, or
/// the struct-literal field whose value, holds that line (and column, on its first line).
fn built_at(krate: &Crate, site: &Site) -> Option<LockPath> {
    krate
        .lock_sites
        .iter()
        .filter(|(span, _)| {
            let path = krate.files[span.file]
                .path
                .to_string_lossy()
                .replace('\\', "/");
            let same_file = path.ends_with(&site.file) || site.file.ends_with(path.as_str());
            let line = site.line as usize;
            let column = site.column as usize;
            same_file
                && (span.line..=span.end_line).contains(&line)
                && !(line == span.line && column < span.column)
                && !(line == span.end_line && column >= span.end_column)
        })
        // The innermost: a field inside a static's initialiser is that field's lock.
        .min_by_key(|(span, _)| (span.end_line - span.line, span.end_column))
        .map(|(_, lock)| lock.clone())
}
