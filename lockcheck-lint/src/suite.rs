//! `cargo lockcheck test`: a workspace's whole test suite checked as one run, in one command.
//!
//! What a person would otherwise compose by hand: a fresh report directory
//! (`LOCKCHECK_REPORT_DIR`), `cargo test` with an action that never kills a test binary
//! (`LOCKCHECK_ACTION=log`, unless the environment already chooses one), [`merge`](mod@crate::merge)
//! of every process's orders and violations, and the static lint joined with them (as
//! `cargo lockcheck --reports DIR`). One summary names, for each cycle, the test, the process and
//! the site of each order, and for each violation the test that hit it: under libtest a test
//! runs on a thread named after it, so a report's thread *is* the test's name.
//!
//! The exit status: 0 nothing found and the tests passed; 1 a cycle, a violation, or a cycle the
//! lint finds only with the run's orders; 2 the build failed (nothing ran), or cargo could not
//! be started; otherwise `cargo test`'s own status when tests failed and lockcheck found nothing.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::lint::{self, Unit};
use crate::merge::{self, Merged};
use crate::shown::{shown, shown_block};

/// The report directory under the workspace's target directory, made afresh for each run.
const RUN_DIR: &str = "lockcheck/test-run";

/// Runs the suite: `cargo_args` are `cargo test`'s (`-p`, `--workspace`, `--features`,
/// `--release`, a test name filter, `-- --test-threads=2`: all passed through).
pub fn test_command(cargo_args: &[OsString]) -> Result<ExitCode, String> {
    let manifest = manifest_path(cargo_args);
    let mut meta = cargo_metadata::MetadataCommand::new();
    meta.no_deps();
    if let Some(m) = &manifest {
        meta.manifest_path(m);
    }
    let meta = meta
        .exec()
        .map_err(|e| format!("could not read the workspace (cargo metadata): {e}"))?;
    let dir = meta.target_directory.as_std_path().join(RUN_DIR);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| format!("could not empty {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("could not create {}: {e}", dir.display()))?;

    // Built first, alone: a build that fails is told apart from tests that fail (cargo says 101
    // for both).
    let (before, after) = split_at_dashes(cargo_args);
    let build = cargo()
        .arg("test")
        .arg("--no-run")
        .args(before)
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !build.success() {
        eprintln!("lockcheck test: the build failed; no test ran");
        return Ok(ExitCode::from(2));
    }
    let mut run = cargo();
    run.arg("test").args(before);
    if let Some(after) = after {
        run.arg("--").args(after);
    }
    run.env("LOCKCHECK_REPORT_DIR", &dir);
    if std::env::var_os("LOCKCHECK_ACTION").is_none_or(|a| a.is_empty()) {
        run.env("LOCKCHECK_ACTION", "log");
    }
    let tests = run
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;

    let merged = merge::merge_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let joined = if merged.processes.is_empty() {
        Vec::new()
    } else {
        let root = meta.workspace_root.as_std_path().join("Cargo.toml");
        lint_with_run(manifest.as_deref().unwrap_or(&root), &merged)
    };
    let (text, found) = summary(&merged, &joined, &dir);
    print!("{text}");
    Ok(if found {
        ExitCode::from(1)
    } else if !tests.success() {
        eprintln!("lockcheck test: lockcheck found nothing, but tests failed");
        ExitCode::from(u8::try_from(tests.code().unwrap_or(101)).unwrap_or(101))
    } else {
        ExitCode::SUCCESS
    })
}

/// `cargo`, as cargo itself names it to a subcommand.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")))
}

/// The `--manifest-path` among cargo's arguments, if any.
fn manifest_path(args: &[OsString]) -> Option<PathBuf> {
    let (before, _) = split_at_dashes(args);
    let mut it = before.iter();
    while let Some(a) = it.next() {
        if a == "--manifest-path" {
            return it.next().map(PathBuf::from);
        }
        if let Some(p) = a.to_str().and_then(|a| a.strip_prefix("--manifest-path=")) {
            return Some(PathBuf::from(p));
        }
    }
    None
}

/// cargo's own arguments, and the test binaries' (after `--`).
fn split_at_dashes(args: &[OsString]) -> (&[OsString], Option<&[OsString]>) {
    match args.iter().position(|a| a == OsStr::new("--")) {
        Some(i) => (&args[..i], Some(&args[i + 1..])),
        None => (args, None),
    }
}

/// The lint's findings that exist only with the run's orders: cycles made of an order in the
/// source and an order a test took. (A finding of the source alone is `cargo lockcheck`'s, run
/// on its own: it does not decide whether a test run passes.)
fn lint_with_run(manifest: &Path, merged: &Merged) -> Vec<Unit> {
    let Ok(sources) = lint::workspace_units(manifest) else {
        return Vec::new();
    };
    let mut units = Vec::new();
    for s in sources {
        let Ok(alone) = lint::load(&s.files, Some(s.edition)) else {
            continue;
        };
        let Ok(krate) = lint::load(&s.files, Some(s.edition)) else {
            continue;
        };
        let without = lint::run(alone, None).findings;
        let mut unit = lint::run_with_reports(krate, None, Some(merged));
        unit.findings.retain(|f| !without.contains(f));
        if !unit.findings.is_empty() {
            units.push(unit);
        }
    }
    units
}

/// The summary, and whether it found anything.
fn summary(merged: &Merged, joined: &[Unit], dir: &Path) -> (String, bool) {
    let mut out = String::new();
    for v in &merged.violations {
        let _ = writeln!(out, "{}", shown_block(&v.message));
        let _ = writeln!(out);
        for r in &v.reported_by {
            let _ = writeln!(out, "  in test `{}` ({})", shown(&r.thread), r.process);
        }
        let _ = writeln!(out);
    }
    for c in &merged.cycles {
        let names: Vec<String> = c
            .classes()
            .iter()
            .map(|n| format!("`{}`", shown(n)))
            .collect();
        let scope = if c.cross_process {
            "across test binaries"
        } else {
            "in one test binary"
        };
        let _ = writeln!(
            out,
            "lockcheck: possible deadlock {scope}: lock order cycle through {}\n",
            names.join(", ")
        );
        for e in &c.edges {
            let _ = writeln!(out, "  `{}` -> `{}`", shown(&e.from), shown(&e.to));
            for o in &e.origins {
                let _ = writeln!(out, "      in test `{}` ({})", shown(&o.thread), o.process);
                let _ = writeln!(
                    out,
                    "      `{}` taken at {} while `{}` was held (taken at {})",
                    shown(&e.to),
                    o.site,
                    shown(&e.from),
                    o.from_site
                );
            }
        }
        let _ = writeln!(out);
    }
    let lint_findings: usize = joined.iter().map(|u| u.findings.len()).sum();
    if lint_findings > 0 {
        out.push_str(&crate::output::human(joined, false));
        out.push('\n');
    }
    for e in &merged.errors {
        let _ = writeln!(out, "error: {e}");
    }
    for w in &merged.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    let found = merged.found_problems() || lint_findings > 0;
    let _ = writeln!(
        out,
        "lockcheck test: {} process{} reported ({} lock classes, {} order edges{}): {} cycle{}, {} \
         violation{}, {} cycle{} with the source's orders{}; reports in {}",
        merged.processes.len(),
        if merged.processes.len() == 1 { "" } else { "es" },
        merged.classes.len(),
        merged.edges.len(),
        match merged.instance_orders {
            0 => String::new(),
            n => format!(", {n} between locks of one class, per instance"),
        },
        merged.cycles.len(),
        if merged.cycles.len() == 1 { "" } else { "s" },
        merged.violations.len(),
        if merged.violations.len() == 1 { "" } else { "s" },
        lint_findings,
        if lint_findings == 1 { "" } else { "s" },
        match merged.captured {
            0 => String::new(),
            n => format!(" ({n} more captured by tests, not counted)"),
        },
        shown(&dir.display().to_string())
    );
    (out, found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_arguments_pass_through_and_the_manifest_is_found() {
        let args: Vec<OsString> = ["-p", "a", "--manifest-path", "w/Cargo.toml", "--", "x"]
            .iter()
            .map(OsString::from)
            .collect();
        let (before, after) = split_at_dashes(&args);
        assert_eq!(before.len(), 4);
        assert_eq!(after.map(<[_]>::len), Some(1));
        assert_eq!(manifest_path(&args), Some(PathBuf::from("w/Cargo.toml")));
        let eq: Vec<OsString> = vec!["--manifest-path=m.toml".into()];
        assert_eq!(manifest_path(&eq), Some(PathBuf::from("m.toml")));
        // After `--`, an argument is the test binaries'.
        let late: Vec<OsString> = vec!["--".into(), "--manifest-path".into(), "x".into()];
        assert_eq!(manifest_path(&late), None);
    }
}
