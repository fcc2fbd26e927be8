//! `cargo lockcheck`: see `cargo lockcheck --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use lockcheck_lint::{lint, merge, output, rules};

const USAGE: &str = "\
cargo lockcheck: lock-order checking for Rust

USAGE:
    cargo lockcheck [PATH...] [--manifest-path Cargo.toml] [--format human|json|sarif]
                    [--baseline FILE] [--write-baseline FILE] [--color]
    cargo lockcheck merge DIR [--format text|json]
    cargo lockcheck rules

The lint reads Rust source (no build, stable Rust) and reports broken #[requires_lock] and
#[excludes_lock] contracts, double locks, lock-order cycles, acquisitions against a declared
rank order, and assert_held! without #[requires_lock]. With PATHs (files or directories) it
lints those as one crate; otherwise every lib, bin and example target of the workspace.
Suppress a finding with `// lockcheck: allow(LC003)` (or the rule's name) on its line or the
line above; adopt the lint on a large codebase with --write-baseline, then --baseline.

COMMANDS:
    merge DIR    Merge the lock-order reports that processes wrote into DIR (run them with
                 LOCKCHECK_REPORT_DIR=DIR) and report the cycles of the merged graph.
    rules        List the rules.

EXIT STATUS:
    lint:  0 clean, 1 findings, 2 usage or I/O error (or a file that did not parse)
    merge: 0 no cycle, 1 cycles found, 2 usage or I/O error, or a report that could not be read
";

enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // Run as `cargo lockcheck ...`, cargo passes the subcommand's name first.
    if args.first().map(String::as_str) == Some("lockcheck") {
        args.remove(0);
    }
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let Some((command, rest)) = args.split_first() else {
        return lint_command(&[]);
    };
    match command.as_str() {
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        "-V" | "--version" => {
            println!("cargo-lockcheck {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        "merge" => merge_command(rest),
        "rules" => {
            for r in rules::RULES {
                println!("{}  {:<24} {}", r.id, r.name, r.summary);
            }
            Ok(ExitCode::SUCCESS)
        }
        _ => lint_command(args),
    }
}

fn lint_command(args: &[String]) -> Result<ExitCode, String> {
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut manifest: Option<PathBuf> = None;
    let mut format = "human".to_owned();
    let mut baseline: Option<PathBuf> = None;
    let mut write_baseline: Option<PathBuf> = None;
    let mut color = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--manifest-path" => manifest = Some(PathBuf::from(value("--manifest-path")?)),
            "--format" => format = value("--format")?,
            "--baseline" => baseline = Some(PathBuf::from(value("--baseline")?)),
            "--write-baseline" => write_baseline = Some(PathBuf::from(value("--write-baseline")?)),
            "--color" => color = true,
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path => paths.push(PathBuf::from(path)),
        }
    }
    if !matches!(format.as_str(), "human" | "json" | "sarif") {
        return Err(format!("unknown format `{format}` (human, json or sarif)"));
    }
    let units_files: Vec<Vec<PathBuf>> = if paths.is_empty() {
        let manifest = manifest.unwrap_or_else(|| PathBuf::from("Cargo.toml"));
        lint::workspace_units(&manifest)?
    } else {
        let mut files = Vec::new();
        for p in &paths {
            files.extend(lint::rust_files(p).map_err(|e| format!("{}: {e}", p.display()))?);
        }
        vec![files]
    };
    let baseline = baseline.map(|b| lint::Baseline::read(&b)).transpose()?;
    let mut units = Vec::new();
    for files in units_files {
        let krate = lint::load(&files).map_err(|e| format!("could not read the sources: {e}"))?;
        units.push(lint::run(krate, baseline.as_ref()));
    }
    if let Some(path) = write_baseline {
        let b = lint::baseline_of(&units);
        let text = serde_json::to_string_pretty(&b).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!(
            "lockcheck: wrote {} findings to the baseline {}",
            b.findings.len(),
            path.display()
        );
    }
    match format.as_str() {
        "json" => println!("{}", output::json(&units)),
        "sarif" => println!("{}", output::sarif(&units)),
        _ => print!("{}", output::human(&units, color)),
    }
    let findings: usize = units.iter().map(|u| u.findings.len()).sum();
    let unparsed: usize = units.iter().map(|u| u.krate.parse_errors.len()).sum();
    Ok(if findings > 0 {
        ExitCode::from(1)
    } else if unparsed > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn merge_command(args: &[String]) -> Result<ExitCode, String> {
    let mut dir: Option<PathBuf> = None;
    let mut format = Format::Text;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--format" => {
                format = match it.next().map(String::as_str) {
                    Some("text") => Format::Text,
                    Some("json") => Format::Json,
                    Some(other) => return Err(format!("unknown format `{other}` (text or json)")),
                    None => return Err("--format needs a value (text or json)".into()),
                }
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path if dir.is_none() => dir = Some(PathBuf::from(path)),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    let dir = dir.ok_or("merge needs a directory")?;
    let merged = merge::merge_dir(&dir)
        .map_err(|e| format!("could not read the directory {}: {e}", dir.display()))?;
    match format {
        Format::Text => print!("{merged}"),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&merged).map_err(|e| e.to_string())?
        ),
    }
    Ok(if !merged.cycles.is_empty() {
        ExitCode::from(1)
    } else if !merged.errors.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
