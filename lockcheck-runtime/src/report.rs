//! Reports: a snapshot of everything the checker learned ([`Report`]), for people (text), for
//! programs (JSON, versioned: see `docs/report-schema.md`) and for drawing (Graphviz DOT); and the
//! text of one violation (`text.rs`).
//!
//! With `LOCKCHECK_REPORT_DIR` set, every process writes its snapshot there as JSON when it
//! exits (`dump.rs`), so that `cargo lockcheck merge DIR` can find cycles whose orders were
//! learned in different processes: a whole `cargo test` run, with its many test binaries,
//! checked as one.

use std::borrow::Cow;
use std::fmt;

use crate::class;
use crate::graph;
use crate::shown::shown;
use crate::site::Site;
use crate::violation::{OrderEdge, Violation};

mod dot;
pub(crate) mod dump;
mod json;
#[cfg(test)]
mod tests;
mod text;
mod wait_text;

pub(crate) use dump::{arm_exit_report, persist_violation};
pub use dump::{write_report, REPORT_DIR_ENV};

/// What a class in a [`Report`] is: a lock, or a wait that is ordered like one (see the
/// README, "Waits that are not locks").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClassKind {
    /// A lock: mutex, rwlock, an async lock.
    #[default]
    Lock,
    /// A condition variable: waited on, notified.
    Condvar,
    /// A thread spawned with `lockcheck::thread`: joined; it orders itself before every lock it
    /// takes.
    Thread,
    /// An mpsc channel (`lockcheck::sync::mpsc`): received on, sent on.
    Channel,
}

impl ClassKind {
    /// Its name in the JSON report: `lock`, `condvar`, `thread`, `channel`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClassKind::Lock => "lock",
            ClassKind::Condvar => "condvar",
            ClassKind::Thread => "thread",
            ClassKind::Channel => "channel",
        }
    }
}

/// One lock class in a [`Report`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClassReport {
    /// The class's name.
    pub name: String,
    /// A lock, or a wait ordered like one.
    pub kind: ClassKind,
    /// Where it comes from: the construction site, or a named class's first use.
    pub site: Option<Site>,
    /// Its place in the declared rank order, when the rank table ranks this class (a named class
    /// whose name the table declares): how many declared ranks the table orders before it, so 0
    /// is a rank taken first of all. `None`: the class is not ranked.
    pub rank: Option<u32>,
}

/// One learned order edge in a [`Report`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EdgeReport {
    /// The edge as first seen.
    pub edge: OrderEdge,
    /// How many times a thread learned it (once per thread that took this order).
    pub count: u64,
    /// Whether the declared rank table implies this order (`None`: one end has no rank).
    pub declared: Option<bool>,
}

/// A snapshot of everything the checker learned: classes, order edges, violations, and the
/// learned orders the rank table does not imply.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Report {
    /// The process that learned it: its id.
    pub pid: u32,
    /// The process's program name (the executable's file name).
    pub program: String,
    /// Every class used so far.
    pub classes: Vec<ClassReport>,
    /// Every learned order edge, first learned first.
    pub edges: Vec<EdgeReport>,
    /// Every distinct violation reported so far.
    pub violations: Vec<Violation>,
    /// How many orders between two locks of one site class were learned per instance (two
    /// fields of one `#[derive(Default)]` struct, the locks of a `Vec`): not edges of the class
    /// graph, counted here so that such nesting leaves a trace.
    pub instance_orders: u64,
    /// The declared rank order among this report's classes, as `(before, after)` pairs with
    /// nothing declared in between (the transitive reduction), for drawing.
    pub declared_order: Vec<(String, String)>,
}

impl Report {
    /// The version of the JSON form [`Report::to_json`] writes and `cargo lockcheck merge` reads.
    pub const SCHEMA_VERSION: u32 = 1;

    /// The JSON form, schema version [`Report::SCHEMA_VERSION`] (see `docs/report-schema.md`).
    ///
    /// # Examples
    ///
    /// ```
    /// let json = lockcheck_runtime::report().to_json();
    /// assert!(json.contains("\"version\":1"));
    /// ```
    pub fn to_json(&self) -> String {
        json::to_json(self)
    }

    /// The Graphviz DOT form: learned edges solid (with their first site and count), cycle edges
    /// red, declared rank order dotted blue. Render it with `dot -Tsvg`.
    ///
    /// # Examples
    ///
    /// ```
    /// let dot = lockcheck_runtime::report().to_dot();
    /// assert!(dot.starts_with("digraph lockcheck {"));
    /// ```
    pub fn to_dot(&self) -> String {
        dot::to_dot(self)
    }

    /// Learned orders between two ranked classes that the rank table does not imply: the table
    /// is out of date, or the code takes an order nobody declared.
    pub fn undeclared_edges(&self) -> impl Iterator<Item = &EdgeReport> {
        self.edges.iter().filter(|e| e.declared == Some(false))
    }
}

/// Takes a snapshot of what the checker has learned so far.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::{report, Mutex};
///
/// static OUTER: Mutex<()> = Mutex::named("doc-report-outer", ());
/// static INNER: Mutex<()> = Mutex::named("doc-report-inner", ());
/// drop((OUTER.lock(), INNER.lock()));
/// let r = report();
/// if cfg!(debug_assertions) {
///     assert!(r.edges.iter().any(|e| e.edge.from == "doc-report-outer"
///         && e.edge.to == "doc-report-inner"));
/// }
/// ```
pub fn report() -> Report {
    let table = crate::rank::rank_table();
    let rank_of = |name: &str, named: bool| {
        let t = table.as_ref().filter(|t| named && t.contains(name))?;
        Some(t.ranks().filter(|before| t.orders(before, name)).count() as u32)
    };
    let waits: std::collections::HashMap<_, _> = crate::wait_class::all().into_iter().collect();
    let classes: Vec<ClassReport> = class::all_classes()
        .into_iter()
        .map(|(id, c)| ClassReport {
            kind: match waits.get(&id) {
                None => ClassKind::Lock,
                Some(crate::wait_class::WaitKind::Condvar) => ClassKind::Condvar,
                Some(crate::wait_class::WaitKind::Thread) => ClassKind::Thread,
                Some(
                    crate::wait_class::WaitKind::Channel | crate::wait_class::WaitKind::ChannelRoom,
                ) => ClassKind::Channel,
            },
            rank: rank_of(c.name, c.named),
            site: c.site.map(Site::from),
            name: c.name.to_owned(),
        })
        .collect();
    let edges = graph::global()
        .edges()
        .into_iter()
        .map(|(from, to, info)| {
            let (fc, tc) = (
                class::class_info(from.class()),
                class::class_info(to.class()),
            );
            let declared = match (&table, fc.named, tc.named) {
                (Some(t), true, true) if t.contains(fc.name) && t.contains(tc.name) => {
                    Some(t.orders(fc.name, tc.name))
                }
                _ => None,
            };
            EdgeReport {
                edge: OrderEdge {
                    from: class::key_name(from).into(),
                    to: class::key_name(to).into(),
                    site: Site::from(info.to_site),
                    from_site: Site::from(info.from_site),
                    thread: Cow::Borrowed(info.thread),
                    task: info.task,
                },
                count: info.count,
                declared,
            }
        })
        .collect();
    let ranked: Vec<&str> = classes
        .iter()
        .filter(|c| c.rank.is_some())
        .map(|c| c.name.as_str())
        .collect();
    let declared_order = match &table {
        Some(t) => declared_reduction(t, &ranked),
        None => Vec::new(),
    };
    Report {
        pid: std::process::id(),
        program: program_name(),
        classes,
        edges,
        violations: crate::reported::reported(),
        instance_orders: crate::instances::learned(),
        declared_order,
    }
}

/// The declared order among `ranked`, without the pairs implied through another of them.
/// O(n³) in the number of ranked classes, which is small.
fn declared_reduction(table: &crate::RankTable, ranked: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for &a in ranked {
        for &b in ranked {
            if a != b
                && table.orders(a, b)
                && !ranked
                    .iter()
                    .any(|&c| c != a && c != b && table.orders(a, c) && table.orders(c, b))
            {
                out.push((a.to_owned(), b.to_owned()));
            }
        }
    }
    out
}

/// The executable's name, without the `-<16 hex digits>` cargo appends to a test binary's
/// (`order-cbf65adb5773723a` is the test target `order`).
fn program_name() -> String {
    let stem = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| String::from("unknown"));
    match stem.rsplit_once('-') {
        Some((name, hash))
            if !name.is_empty()
                && hash.len() == 16
                && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            name.to_owned()
        }
        _ => stem,
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "lockcheck: lock-order report: {} classes, {} order edges{}, {} violations",
            self.classes.len(),
            self.edges.len(),
            match self.instance_orders {
                0 => String::new(),
                n => format!(" (and {n} between locks of one class, learned per instance)"),
            },
            self.violations.len()
        )?;
        writeln!(f)?;
        writeln!(f, "  classes:")?;
        for c in &self.classes {
            let rank = c
                .rank
                .map(|r| format!(" (rank {r}: {r} declared before it)"))
                .unwrap_or_default();
            let site = c
                .site
                .as_ref()
                .map(|s| format!(" at {s}"))
                .unwrap_or_default();
            writeln!(f, "    `{}`{rank}{site}", shown(&c.name))?;
        }
        writeln!(f)?;
        writeln!(f, "  learned order:")?;
        for e in &self.edges {
            let arrow = format!("`{}` -> `{}`", shown(&e.edge.from), shown(&e.edge.to));
            writeln!(
                f,
                "    {arrow:<28} first seen at {} (thread `{}`), learned {}x",
                e.edge.site,
                shown(&e.edge.thread),
                e.count
            )?;
        }
        let undeclared: Vec<&EdgeReport> = self.undeclared_edges().collect();
        if !undeclared.is_empty() {
            writeln!(f)?;
            writeln!(
                f,
                "  learned orders the rank table does not declare (add them, or fix the code):"
            )?;
            for e in undeclared {
                writeln!(
                    f,
                    "    {} < {}    seen at {}",
                    shown(&e.edge.from),
                    shown(&e.edge.to),
                    e.edge.site
                )?;
            }
        }
        if !self.violations.is_empty() {
            // The full text of each was shown when it happened; it is also in the JSON form.
            writeln!(f)?;
            writeln!(f, "  violations:")?;
            for v in &self.violations {
                let headline = v.to_string();
                let headline = headline.lines().next().unwrap_or_default();
                let headline = headline.strip_prefix("lockcheck: ").unwrap_or(headline);
                writeln!(f, "    {headline}")?;
                writeln!(
                    f,
                    "      at {} (thread `{}`)",
                    v.acquiring.site,
                    shown(&v.thread)
                )?;
            }
        }
        Ok(())
    }
}
