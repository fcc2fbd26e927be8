//! The driver: which files make a crate, running the rules, suppressions and baselines.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{Crate, ParseError, SourceFile, Span};
use crate::rules::{self, Finding};
use crate::Edition;

/// One analysed unit (a crate target, or the files given on the command line) and its findings.
pub struct Unit {
    /// The crate as modelled.
    pub krate: Crate,
    /// Findings that were not suppressed.
    pub findings: Vec<Finding>,
    /// How many were suppressed by a marker in the source.
    pub suppressed: usize,
    /// How many were suppressed by the baseline.
    pub baselined: usize,
}

/// Every `.rs` file under `path` (or `path` itself), sorted, except the files of test modules
/// (`#[cfg(test)] mod tests;` in another of them, and the modules below it). Symbolic links are
/// followed, but a directory is walked once however many links lead to it (`ln -s . again` is no
/// loop), and a file reached by two paths is listed once, by the first in sorted order. A crate
/// read from its manifest is read from its roots instead ([`workspace_units`]).
pub fn rust_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(out);
    }
    let mut visited: HashSet<PathBuf> = HashSet::new();
    let mut files: HashSet<PathBuf> = HashSet::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if !visited.insert(std::fs::canonicalize(&dir)?) {
            continue;
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()?;
        entries.sort();
        let mut subdirs = Vec::new();
        for p in entries {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if p.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    subdirs.push(p);
                }
            } else if name.ends_with(".rs") {
                // A dangling link is kept: reading it is that file's own error.
                if files.insert(std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone())) {
                    out.push(p);
                }
            }
        }
        // Popped in sorted order, so which of two paths to one file is kept never varies.
        stack.extend(subdirs.into_iter().rev());
    }
    // A test module's files (`#[cfg(test)] mod tests;`) are test code, as inline ones are.
    let tests = crate::module_tree::test_module_files(&out);
    if !tests.is_empty() {
        out.retain(|f| !tests.contains(&crate::collect::lexically_normal(f)));
    }
    out.sort();
    Ok(out)
}

/// The files of one crate target and the edition they are written in.
#[derive(Clone, Debug)]
pub struct Sources {
    /// Its `.rs` files.
    pub files: Vec<PathBuf>,
    /// Its edition, from the package's manifest.
    pub edition: Edition,
}

/// The largest source file the lint reads. syn's syntax tree takes about a hundred times the
/// size of its text (BENCHMARKS.md), so a file over 1 MiB is read a few items at a time, each
/// chunk's tree dropped before the next is parsed, and an item over 8 MiB is named as an error
/// and not read: the lint's memory is the text plus a bounded tree. A file larger than this is
/// named as an error and skipped.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// Reads files into a crate, modelled with the temporary-scope rules of `edition`, or, when
/// `None`, of the edition the manifest nearest the first file declares (2021 without one).
///
/// A file that cannot be read, is not UTF-8, or is larger than [`MAX_FILE_BYTES`] is recorded in
/// [`Crate::parse_errors`], named, and every other file is still read.
///
/// # Errors
///
/// None today: every problem is one file's (the `Result` is kept for callers).
pub fn load(files: &[PathBuf], edition: Option<Edition>) -> std::io::Result<Crate> {
    let edition = edition
        .or_else(|| files.first().and_then(|f| Edition::of_path(f)))
        .unwrap_or_default();
    let mut sources = Vec::new();
    let mut unreadable = Vec::new();
    for f in files {
        let text = read_source(f).unwrap_or_else(|message| {
            unreadable.push((sources.len(), message));
            String::new()
        });
        sources.push(SourceFile {
            path: f.clone(),
            text,
        });
    }
    let mut krate = Crate::build(sources, edition);
    for (file, message) in unreadable {
        krate.parse_errors.push(ParseError {
            span: Span {
                file,
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
            },
            message,
            rest_read: false,
        });
    }
    krate.parse_errors.sort_by_key(|e| e.span.file);
    Ok(krate)
}

/// One source file's text, or why the lint does not read it (after "could not parse this
/// file: ", as the output shows it).
pub(crate) fn read_source(path: &Path) -> Result<String, String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| format!("unreadable: {e}"))?;
    let mut bytes = Vec::new();
    // One byte past the limit tells a file that is too large, without reading all of it.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("unreadable: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "larger than {} MiB, the most the lint reads (generated code?)",
            MAX_FILE_BYTES >> 20
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        format!("not valid UTF-8 (line {line}, byte {at}); Rust source is UTF-8")
    })
}

/// The units of a Cargo workspace: one per distinct source directory of each member's lib, bin
/// and example targets, with the package's edition. A unit's files are those its targets'
/// module trees reach from their root files (`module_tree.rs`), as rustc reads them: a file no
/// `mod` declares is not linted, nor a test module's file. Test and bench targets are test code
/// (compiled with `cfg(test)`) and are not linted, as inline test modules are not.
///
/// # Errors
///
/// When `cargo metadata` fails (no manifest, not a workspace, cargo missing).
pub fn workspace_units(manifest: &Path) -> Result<Vec<Sources>, Error> {
    let meta = cargo_metadata::MetadataCommand::new()
        .manifest_path(manifest)
        .no_deps()
        .exec()
        .map_err(|source| Error::Metadata {
            manifest: manifest.to_path_buf(),
            source,
        })?;
    // Each target's source directory, its root files, and the package's edition.
    let mut dirs: BTreeMap<PathBuf, (Edition, Vec<PathBuf>)> = BTreeMap::new();
    for pkg in meta.workspace_packages() {
        let edition = pkg.edition.as_str().parse().unwrap_or_default();
        for t in &pkg.targets {
            let wanted = t.kind.iter().any(|k| {
                matches!(
                    k,
                    cargo_metadata::TargetKind::Lib
                        | cargo_metadata::TargetKind::Bin
                        | cargo_metadata::TargetKind::Example
                        | cargo_metadata::TargetKind::ProcMacro
                )
            });
            // A published package may declare a target its archive left out (cookie-factory
            // 0.3.3's examples): cargo could not build it either, and it is skipped.
            if wanted && t.src_path.is_file() {
                if let Some(dir) = t.src_path.parent() {
                    let entry = dirs
                        .entry(dir.as_std_path().to_path_buf())
                        .or_insert((edition, Vec::new()));
                    entry.1.push(t.src_path.as_std_path().to_path_buf());
                }
            }
        }
    }
    // A directory inside another one is part of it (src/bin inside src).
    let mut roots: BTreeMap<PathBuf, (Edition, Vec<PathBuf>)> = BTreeMap::new();
    for (d, (edition, files)) in &dirs {
        let outer = dirs
            .keys()
            .find(|o| *o != d && d.starts_with(o))
            .unwrap_or(d);
        let entry = roots.entry(outer.clone()).or_insert((*edition, Vec::new()));
        entry.1.extend(files.iter().cloned());
    }
    // Shown relative to the current directory, as cargo and rustc show paths.
    let cwd = std::env::current_dir().ok();
    let mut units = Vec::new();
    for (_, (edition, mut root_files)) in roots {
        root_files.sort();
        root_files.dedup();
        let (mut files, _tests) = crate::module_tree::crate_files(&root_files);
        files.sort();
        units.push(Sources {
            edition,
            files: files
                .into_iter()
                .map(
                    |f| match cwd.as_ref().and_then(|c| f.strip_prefix(c).ok()) {
                        Some(rel) => rel.to_path_buf(),
                        None => f,
                    },
                )
                .collect(),
        });
    }
    Ok(units)
}

/// A finding as a baseline remembers it: without line numbers, so that edits elsewhere in a
/// file do not bring it back.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// Rule id.
    pub rule: String,
    /// File.
    pub file: String,
    /// Function.
    pub function: String,
    /// Message.
    pub message: String,
}

/// A baseline file: known findings a codebase has accepted for now.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Baseline {
    /// Format version (1).
    pub version: u32,
    /// The accepted findings.
    pub findings: BTreeSet<BaselineEntry>,
}

impl Baseline {
    /// Reads a baseline.
    ///
    /// # Errors
    ///
    /// Unreadable, or not a baseline.
    pub fn read(path: &Path) -> Result<Baseline, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text).map_err(|source| Error::Baseline {
            path: path.to_path_buf(),
            source,
        })
    }

    fn entry(krate: &Crate, f: &Finding) -> BaselineEntry {
        BaselineEntry {
            rule: f.rule.id.into(),
            file: krate.files[f.span.file].path.display().to_string(),
            function: f.function.clone(),
            message: f.message.clone(),
        }
    }
}

/// Whether a marker `// lockcheck: allow(LC003)` (id or name; several separated by commas) on
/// the finding's line or the line above suppresses it.
pub fn suppressed(krate: &Crate, f: &Finding) -> bool {
    let text = &krate.files[f.span.file].text;
    let lines: Vec<&str> = text.lines().collect();
    [f.span.line, f.span.line.saturating_sub(1)]
        .iter()
        .filter_map(|&l| l.checked_sub(1).and_then(|i| lines.get(i)))
        .any(|line| {
            let Some(at) = line.find("lockcheck: allow(") else {
                return false;
            };
            let rest = &line[at + "lockcheck: allow(".len()..];
            let list = rest.split(')').next().unwrap_or("");
            list.split(',')
                .map(str::trim)
                .any(|r| r == f.rule.id || r == f.rule.name)
        })
}

/// Runs the rules on a crate, applying suppressions and an optional baseline.
pub fn run(krate: Crate, baseline: Option<&Baseline>) -> Unit {
    run_with_reports(krate, baseline, None)
}

/// [`run`], with the orders that test runs learned (`cargo lockcheck merge`'s reading of their
/// report files) in LC004's graph.
pub fn run_with_reports(
    krate: Crate,
    baseline: Option<&Baseline>,
    reports: Option<&crate::merge::Merged>,
) -> Unit {
    let all = rules::check_with_reports(&krate, reports);
    let mut unit = Unit {
        findings: Vec::new(),
        suppressed: 0,
        baselined: 0,
        krate,
    };
    for f in all {
        if suppressed(&unit.krate, &f) {
            unit.suppressed += 1;
        } else if baseline.is_some_and(|b| b.findings.contains(&Baseline::entry(&unit.krate, &f))) {
            unit.baselined += 1;
        } else {
            unit.findings.push(f);
        }
    }
    unit
}

/// The baseline that accepts every finding of `units`.
pub fn baseline_of(units: &[Unit]) -> Baseline {
    Baseline {
        version: 1,
        findings: units
            .iter()
            .flat_map(|u| u.findings.iter().map(|f| Baseline::entry(&u.krate, f)))
            .collect(),
    }
}
