//! Merging lock-order reports from many processes into one graph, and finding its cycles.
//!
//! Each report file is one process's learned order graph (acyclic: the runtime never adds an
//! edge that closes a cycle, it reports it, and the report lists it among the process's
//! violations). The union of several can still have cycles: test 1 takes `A -> B`, test 2 takes
//! `B -> A`, and no single process ever saw both. Cycles are found per strongly connected
//! component (`cycles.rs`, shared with the lint's LC004); for each, one shortest cycle through
//! its first class is reported, with the process, thread and site that established each edge.
//!
//! The verdict counts both: the cycles only the merge can see, and every violation a process
//! reported itself (deduplicated across processes: one report per violation, with every
//! process and thread that hit it). Violations a test captured on purpose
//! (`capture_violations`) are counted apart and never fail the run.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::shown::{shown, shown_block};

/// The report schema version this tool reads.
pub const SCHEMA_VERSION: u32 = 1;
const SCHEMA: &str = "lockcheck-report";

/// A place in the source.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Site {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", shown(&self.file), self.line, self.column)
    }
}

#[derive(Deserialize)]
struct FileClass {
    name: String,
    #[serde(default)]
    site: Option<Site>,
    /// A wait ordered like a lock (`condvar`, `thread`, `channel`); absent for a lock.
    #[serde(default)]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct FileEdge {
    from: String,
    to: String,
    site: Site,
    from_site: Site,
    thread: String,
    count: u64,
}

#[derive(Deserialize)]
struct FileLockUse {
    class: String,
    site: Site,
}

#[derive(Deserialize)]
struct FileCycleEdge {
    from: String,
    to: String,
}

#[derive(Deserialize)]
struct FileViolation {
    kind: String,
    message: String,
    thread: String,
    #[serde(default)]
    captured: bool,
    acquiring: FileLockUse,
    #[serde(default)]
    held: Vec<FileLockUse>,
    #[serde(default)]
    cycle: Vec<FileCycleEdge>,
}

impl FileViolation {
    /// What makes two processes' reports the same violation: the kind, the acquisition (class
    /// and site), what was held (class and site), and for a cycle its edges. Not the thread,
    /// the process, or the text (which names them).
    fn key(&self) -> String {
        let held: Vec<String> = self
            .held
            .iter()
            .map(|h| format!("{}@{}", h.class, h.site))
            .collect();
        let mut cycle: Vec<String> = self
            .cycle
            .iter()
            .map(|e| format!("{}->{}", e.from, e.to))
            .collect();
        cycle.sort();
        format!(
            "{} {}@{} [{}] [{}]",
            self.kind,
            self.acquiring.class,
            self.acquiring.site,
            held.join(" "),
            cycle.join(" ")
        )
    }
}

#[derive(Deserialize)]
struct FileReport {
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    version: Option<u64>,
    pid: u32,
    program: String,
    classes: Vec<FileClass>,
    edges: Vec<FileEdge>,
    violations: Vec<FileViolation>,
    #[serde(default)]
    instance_orders: u64,
}

/// Only what says which document a file is: read when a file is not a report this tool reads,
/// to say why. Every other field is skipped unread.
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    schema: Option<serde_json::Value>,
    #[serde(default)]
    version: Option<serde_json::Value>,
}

/// The process a report came from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Process {
    /// The program name.
    pub program: String,
    /// Its process id.
    pub pid: u32,
    /// The report file.
    pub file: PathBuf,
}

impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` pid {}", shown(&self.program), self.pid)
    }
}

/// One process's sighting of an order edge.
#[derive(Clone, Debug, Serialize)]
pub struct Origin {
    /// Which process.
    pub process: Process,
    /// Where the edge's target was acquired when first seen in that process.
    pub site: Site,
    /// Where the edge's source had been taken.
    pub from_site: Site,
    /// The thread.
    pub thread: String,
    /// How many threads of that process learned it.
    pub count: u64,
}

/// One order edge of the merged graph, with every process that learned it.
#[derive(Clone, Debug, Serialize)]
pub struct MergedEdge {
    /// The lock class held.
    pub from: String,
    /// The lock class acquired while `from` was held.
    pub to: String,
    /// Each process's first sighting, in file order.
    pub origins: Vec<Origin>,
}

/// A cycle of the merged graph: a possible deadlock.
#[derive(Clone, Debug, Serialize)]
pub struct Cycle {
    /// The edges in order; the last ends where the first starts.
    pub edges: Vec<MergedEdge>,
    /// Every class of its strongly connected component (the cycle shown may not pass them all).
    pub component: Vec<String>,
    /// No single process learned every edge of the cycle: only the merge can see it.
    pub cross_process: bool,
    /// The classes of the cycle that are waits, not locks (a condvar, a joined thread, a
    /// channel: the runtime's README, "Waits that are not locks"), with their kinds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waits: Vec<(String, String)>,
}

impl Cycle {
    /// The classes of the cycle, in order.
    pub fn classes(&self) -> Vec<&str> {
        self.edges.iter().map(|e| e.from.as_str()).collect()
    }
}

/// A file that could not be merged, and why. The other files are merged regardless.
#[derive(Clone, Debug, Serialize)]
pub struct FileError {
    /// The file.
    pub file: PathBuf,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            shown(&self.file.display().to_string()),
            shown(&self.message)
        )
    }
}

/// A violation the processes reported on their own, once however many processes hit it.
#[derive(Clone, Debug, Serialize)]
pub struct ProcessViolation {
    /// Its kind (`order-cycle`, `contract`, ...).
    pub kind: String,
    /// The lock class being acquired (or the contract's lock).
    pub class: String,
    /// Where.
    pub site: Site,
    /// The full report text, as the first process to report it wrote it.
    pub message: String,
    /// Every process that reported it, with the thread, in file order.
    pub reported_by: Vec<ReportedBy>,
}

/// One process's report of a [`ProcessViolation`].
#[derive(Clone, Debug, Serialize)]
pub struct ReportedBy {
    /// Which process.
    pub process: Process,
    /// On which thread.
    pub thread: String,
}

/// The result of a merge.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Merged {
    /// The processes whose reports were merged.
    pub processes: Vec<Process>,
    /// Files that could not be merged.
    pub errors: Vec<FileError>,
    /// What a reader should know about the reports merged: several from one pid (processes in
    /// different pid namespaces, or a pid reused during the run; each is merged as a process of
    /// its own, and "pid N" in the text names more than one).
    pub warnings: Vec<String>,
    /// Every class seen.
    pub classes: BTreeSet<String>,
    /// Where each class's lock was built (or first used, for a named class), as the first
    /// process that reported a site for it saw it.
    pub class_sites: BTreeMap<String, Site>,
    /// The classes that are waits, not locks, with their kinds (`condvar`, `thread`,
    /// `channel`), as the reports said.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub class_kinds: BTreeMap<String, String>,
    /// Every order edge, merged.
    pub edges: Vec<MergedEdge>,
    /// Orders the processes learned between two locks of one site class, per instance (summed:
    /// they are not edges of the class graph, only a trace that such nesting happened).
    pub instance_orders: u64,
    /// Cycles of the merged graph.
    pub cycles: Vec<Cycle>,
    /// Violations the processes reported themselves (not captured by a test), deduplicated.
    pub violations: Vec<ProcessViolation>,
    /// How many distinct violations tests captured on purpose (`capture_violations`): shown,
    /// never counted against the run.
    pub captured: usize,
}

impl Merged {
    /// Whether the run fails: a cycle of the merged graph, or a violation a process reported.
    /// (Unreadable files are a separate verdict: see `cargo lockcheck merge`'s exit codes.)
    pub fn found_problems(&self) -> bool {
        !self.cycles.is_empty() || !self.violations.is_empty()
    }
}

/// Reads one report file.
///
/// # Errors
///
/// A message saying what is wrong: unreadable, not JSON (with line and column), not a lockcheck
/// report, a schema version this tool does not read, or a malformed field.
fn read_report(path: &Path) -> Result<FileReport, String> {
    // Streamed into the structs: memory is what the report holds, not its text as well (nor a
    // JSON tree of it: a 200 MB report took 2.5 GB that way; BENCHMARKS.md).
    let open = || {
        std::fs::File::open(path)
            .map(std::io::BufReader::new)
            .map_err(|e| format!("could not read: {e}"))
    };
    let report: Result<FileReport, serde_json::Error> = serde_json::from_reader(open()?);
    let (schema, version) = match &report {
        Ok(r) => (r.schema.clone(), r.version),
        // Why not: another document, another version, or not JSON. A second pass reads only
        // the header, to say which.
        Err(_) => {
            let header: Header = serde_json::from_reader(open()?).map_err(|e| {
                if e.is_io() {
                    format!("could not read: {e}")
                } else {
                    format!("not valid JSON: {e}")
                }
            })?;
            (
                header.schema.map(|s| match s {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                }),
                header.version.and_then(|v| v.as_u64()),
            )
        }
    };
    if schema.as_deref() != Some(SCHEMA) {
        return Err(format!(
            "not a lockcheck report (its \"schema\" is {}, expected \"{SCHEMA}\")",
            schema.map_or_else(|| "missing".to_owned(), |s| format!("\"{s}\""))
        ));
    }
    if version != Some(u64::from(SCHEMA_VERSION)) {
        return Err(format!(
            "report schema version {} is not the version this cargo-lockcheck reads ({SCHEMA_VERSION}); \
             use the cargo-lockcheck of the same lockcheck release",
            version.map_or_else(|| "missing".to_owned(), |v| v.to_string())
        ));
    }
    report.map_err(|e| format!("malformed report: {e}"))
}

/// Merges every `*.json` report in `dir`.
///
/// # Errors
///
/// Only when the directory itself cannot be read; a bad file is a [`FileError`] in the result.
pub fn merge_dir(dir: &Path) -> std::io::Result<Merged> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    Ok(merge_files(&files))
}

/// Merges the given report files.
pub fn merge_files(files: &[PathBuf]) -> Merged {
    let mut merged = Merged::default();
    let mut edges: BTreeMap<(String, String), Vec<Origin>> = BTreeMap::new();
    let mut violations: BTreeMap<String, usize> = BTreeMap::new();
    let mut captured: BTreeSet<String> = BTreeSet::new();
    for file in files {
        let report = match read_report(file) {
            Ok(r) => r,
            Err(message) => {
                merged.errors.push(FileError {
                    file: file.clone(),
                    message,
                });
                continue;
            }
        };
        let process = Process {
            program: report.program,
            pid: report.pid,
            file: file.clone(),
        };
        merged.instance_orders += report.instance_orders;
        for c in report.classes {
            if let Some(site) = c.site {
                merged.class_sites.entry(c.name.clone()).or_insert(site);
            }
            if let Some(kind) = c.kind.filter(|k| k != "lock") {
                merged.class_kinds.entry(c.name.clone()).or_insert(kind);
            }
            merged.classes.insert(c.name);
        }
        for e in report.edges {
            merged.classes.insert(e.from.clone());
            merged.classes.insert(e.to.clone());
            edges.entry((e.from, e.to)).or_default().push(Origin {
                process: process.clone(),
                site: e.site,
                from_site: e.from_site,
                thread: e.thread,
                count: e.count,
            });
        }
        for v in report.violations {
            let key = v.key();
            let by = ReportedBy {
                process: process.clone(),
                thread: v.thread.clone(),
            };
            if v.captured {
                captured.insert(key);
                continue;
            }
            match violations.entry(key) {
                std::collections::btree_map::Entry::Occupied(mut e) => {
                    merged.violations[*e.get_mut()].reported_by.push(by)
                }
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(merged.violations.len());
                    merged.violations.push(ProcessViolation {
                        kind: v.kind,
                        class: v.acquiring.class,
                        site: v.acquiring.site,
                        message: v.message,
                        reported_by: vec![by],
                    });
                }
            }
        }
        merged.processes.push(process);
    }
    merged.edges = edges
        .into_iter()
        .map(|((from, to), origins)| MergedEdge { from, to, origins })
        .collect();
    merged.cycles = find_cycles(&merged.edges, &merged.class_kinds);
    merged.captured = captured.len();
    merged.warnings = shared_pids(&merged.processes);
    merged
}

/// A warning per pid that more than one report came from.
fn shared_pids(processes: &[Process]) -> Vec<String> {
    let mut by_pid: BTreeMap<u32, Vec<&Process>> = BTreeMap::new();
    for p in processes {
        by_pid.entry(p.pid).or_default().push(p);
    }
    by_pid
        .into_iter()
        .filter(|(_, ps)| ps.len() > 1)
        .map(|(pid, ps)| {
            let each: Vec<String> = ps
                .iter()
                .map(|p| {
                    let file = p.file.file_name().map_or_else(
                        || p.file.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                    format!("`{}` in {}", shown(&p.program), shown(&file))
                })
                .collect();
            format!(
                "{} reports come from pid {pid} ({}): processes in different pid namespaces \
                 (containers) or a reused pid; each is merged as a process of its own",
                ps.len(),
                each.join(", ")
            )
        })
        .collect()
}

/// One shortest cycle per strongly connected component, with whether only the merge sees it.
pub(crate) fn find_cycles(edges: &[MergedEdge], kinds: &BTreeMap<String, String>) -> Vec<Cycle> {
    crate::cycles::shortest_cycles(edges, |e| (&e.from, &e.to))
        .into_iter()
        .map(|c| {
            let path: Vec<MergedEdge> = c.edges.iter().map(|&i| edges[i].clone()).collect();
            let shared: Option<BTreeSet<&Process>> = path
                .iter()
                .map(|e| {
                    e.origins
                        .iter()
                        .map(|o| &o.process)
                        .collect::<BTreeSet<_>>()
                })
                .reduce(|a, b| a.intersection(&b).copied().collect());
            let cross_process = shared.is_none_or(|s| s.is_empty());
            let waits = path
                .iter()
                .filter_map(|e| Some((e.from.clone(), kinds.get(&e.from)?.clone())))
                .collect();
            Cycle {
                component: c.component.into_iter().cloned().collect(),
                edges: path,
                cross_process,
                waits,
            }
        })
        .collect()
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A long cycle's headline names its first locks and counts the rest, as the runtime's.
        let classes = self.classes();
        let named = if classes.len() > 10 { 4 } else { classes.len() };
        let mut names: Vec<String> = classes[..named]
            .iter()
            .map(|c| format!("`{}`", shown(c)))
            .collect();
        if named < classes.len() {
            names.push(format!("... ({} locks in all)", classes.len()));
        }
        let scope = if self.cross_process {
            "across processes"
        } else {
            "in one process"
        };
        if self.waits.is_empty() {
            writeln!(
                f,
                "lockcheck: possible deadlock {scope}: lock order cycle through {}",
                names.join(", ")
            )?;
        } else {
            writeln!(
                f,
                "lockcheck: possible deadlock {scope}: a wait its waker may never reach, through {}",
                names.join(", ")
            )?;
            for (class, kind) in &self.waits {
                let what = match kind.as_str() {
                    "condvar" => "a condvar: `X -> it` is a wait holding `X`, `it -> X` a notify holding `X`",
                    "thread" => "a thread: `X -> it` is a join holding `X`, `it -> X` the thread taking `X`",
                    "channel" => "a channel: `X -> it` is a receive holding `X`, `it -> X` a send holding `X`",
                    _ => "a wait",
                };
                writeln!(f, "  `{}` is {what}", shown(class))?;
            }
        }
        writeln!(f)?;
        for e in &self.edges {
            let arrow = format!("`{}` -> `{}`", shown(&e.from), shown(&e.to));
            for (i, o) in e.origins.iter().enumerate() {
                let lead = if i == 0 { arrow.as_str() } else { "" };
                writeln!(
                    f,
                    "    {lead:<28} first seen at {} (thread `{}`, {})",
                    o.site,
                    shown(&o.thread),
                    o.process
                )?;
                writeln!(
                    f,
                    "    {:<28} while `{}` was taken at {}",
                    "",
                    shown(&e.from),
                    o.from_site
                )?;
            }
        }
        if self.component.len() > self.edges.len() {
            writeln!(
                f,
                "\n  these classes all reach each other: {}",
                self.component
                    .iter()
                    .map(|c| shown(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for ProcessViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The process wrote it: its lines stay under its headline (`shown.rs`).
        writeln!(f, "{}", shown_block(&self.message))?;
        writeln!(f)?;
        let n = self.reported_by.len();
        writeln!(
            f,
            "  reported by {n} process{}:",
            if n == 1 { "" } else { "es" }
        )?;
        for r in &self.reported_by {
            writeln!(f, "    {} (thread `{}`)", r.process, shown(&r.thread))?;
        }
        Ok(())
    }
}

impl fmt::Display for Merged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for v in &self.violations {
            write!(f, "{v}")?;
            writeln!(f)?;
        }
        for c in &self.cycles {
            write!(f, "{c}")?;
            writeln!(f)?;
        }
        for e in &self.errors {
            writeln!(f, "error: {e}")?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        let across = self.cycles.iter().filter(|c| c.cross_process).count();
        writeln!(
            f,
            "lockcheck merge: {} report{} merged ({} unreadable): {} classes, {} order edges{}, \
             {} cycle{} ({across} across processes), {} violation{} reported by the processes themselves{}",
            self.processes.len(),
            if self.processes.len() == 1 { "" } else { "s" },
            self.errors.len(),
            self.classes.len(),
            self.edges.len(),
            match self.instance_orders {
                0 => String::new(),
                n => format!(" (and {n} between locks of one class, learned per instance)"),
            },
            self.cycles.len(),
            if self.cycles.len() == 1 { "" } else { "s" },
            self.violations.len(),
            if self.violations.len() == 1 { "" } else { "s" },
            match self.captured {
                0 => String::new(),
                n => format!(" ({n} more captured by tests, not counted)"),
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle_of(n: usize) -> Cycle {
        let name = |i: usize| format!("c{}", i % n);
        Cycle {
            edges: (0..n)
                .map(|i| MergedEdge {
                    from: name(i),
                    to: name(i + 1),
                    origins: Vec::new(),
                })
                .collect(),
            component: (0..n).map(name).collect(),
            cross_process: true,
            waits: Vec::new(),
        }
    }

    #[test]
    fn a_long_cycle_headline_names_four_and_counts_the_rest() {
        let short = cycle_of(3).to_string();
        assert!(
            short.starts_with(
                "lockcheck: possible deadlock across processes: lock order cycle through `c0`, `c1`, `c2`\n"
            ),
            "{short}"
        );
        let long = cycle_of(500).to_string();
        let headline = long.lines().next().unwrap_or_default();
        assert_eq!(
            headline,
            "lockcheck: possible deadlock across processes: lock order cycle through `c0`, `c1`, \
             `c2`, `c3`, ... (500 locks in all)"
        );
    }
}
