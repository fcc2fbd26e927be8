//! `cargo lockcheck`: see `cargo lockcheck --help`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use lockcheck_lint::{lint, merge, output, rules, Edition};

const ABOUT: &str = "\
lock-order checking for Rust

The lint reads Rust source (no build, stable Rust) and reports broken #[requires_lock] and
#[excludes_lock] contracts, double locks, lock-order cycles, acquisitions against a declared
rank order, and assert_held! without #[requires_lock]. With PATHs (files or directories) it
lints those as one crate; otherwise every lib, bin and example target of the workspace.
Suppress a finding with `// lockcheck: allow(LC003)` (or the rule's name) on its line or the
line above; adopt the lint on a large codebase with --write-baseline, then --baseline.";

const EXIT_STATUS: &str = "\
EXIT STATUS:
    lint:  0 clean, 1 findings, 2 usage or I/O error, or a file that could not be read or parsed
           (each is named; the others are still linted)
    merge: 0 nothing found, 1 cycles or violations reported by the processes, 2 usage or I/O \
    error, no report in DIR, or a report that could not be read
    test:  0 nothing found and the tests passed, 1 cycles or violations (or a cycle through the \
    source's orders), 2 the build failed, else cargo test's status when tests failed";

/// The command line, after cargo's own `lockcheck` argument.
#[derive(Parser)]
#[command(
    name = "cargo-lockcheck",
    bin_name = "cargo lockcheck",
    version,
    about = ABOUT,
    after_help = EXIT_STATUS,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    lint: LintArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Merge the lock-order reports that processes wrote into DIR (run them with
    /// LOCKCHECK_REPORT_DIR=DIR) and report the cycles of the merged graph.
    Merge(MergeArgs),
    /// Run the workspace's tests (`cargo test` with these arguments: -p, --workspace, features,
    /// --release, filters, `-- --test-threads=N` pass through) with a fresh report directory and
    /// LOCKCHECK_ACTION=log, merge every process's orders and violations, join the lint's orders,
    /// and print one summary naming each test.
    Test(TestArgs),
    /// Move a crate onto lockcheck's locks: its `use` lines and paths from std::sync,
    /// parking_lot and tokio::sync to the lockcheck flavours (non-lock items stay), and the
    /// dependency with its features in Cargo.toml. Prints what it changed.
    Adopt(AdoptArgs),
    /// List the rules.
    Rules,
}

#[derive(Args)]
struct LintArgs {
    /// Files or directories to lint as one crate (default: the workspace's targets).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The workspace to lint, when no PATH is given.
    #[arg(long, value_name = "Cargo.toml")]
    manifest_path: Option<PathBuf>,
    /// How to print the findings.
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    format: LintFormat,
    /// `json`: cargo's JSON message stream (`compiler-message` per finding, rustc's diagnostic
    /// JSON inside), as `cargo check --message-format=json` prints it: for rust-analyzer's
    /// `check.overrideCommand` and other cargo-JSON consumers. Overrides --format.
    #[arg(long, value_enum, value_name = "FMT")]
    message_format: Option<MessageFormat>,
    /// The edition whose temporary-scope rules guard lifetimes follow (default: each
    /// package's own, from its manifest; 2021 where no manifest is found).
    #[arg(long, value_name = "YEAR")]
    edition: Option<Edition>,
    /// Add the lock orders that runs learned (the report files processes wrote with
    /// LOCKCHECK_REPORT_DIR=DIR) to the lint's graph: a cycle made partly of orders seen in the
    /// source and partly of orders seen at run time is reported too, each order with its evidence.
    #[arg(long, value_name = "DIR")]
    reports: Option<PathBuf>,
    /// Findings accepted for now (written by --write-baseline) are not reported.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write every finding of this run into a baseline file.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Colour in the human format: auto (when printing to a terminal, unless NO_COLOR is
    /// set), always or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Args)]
struct MergeArgs {
    /// The directory the processes wrote their reports into.
    dir: PathBuf,
    /// How to print the merge.
    #[arg(long, value_parser = parse_merge_format, default_value = "text")]
    format: MergeFormat,
    /// Print a `lock_ranks!` table consistent with every learned order, ready to paste (the
    /// cycles instead, exit 1, when the merged graph has any).
    #[arg(long)]
    suggest_ranks: bool,
}

#[derive(Args)]
struct AdoptArgs {
    /// The crate's manifest.
    #[arg(long, value_name = "Cargo.toml", default_value = "Cargo.toml")]
    manifest_path: PathBuf,
    /// Show the changes as a diff; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Write nothing: list every lock still built from std, parking_lot or tokio (exit 1 if
    /// any).
    #[arg(long, conflicts_with = "dry_run")]
    check: bool,
    /// Depend on lockcheck at this path (default: the published version).
    #[arg(long, value_name = "DIR")]
    lockcheck_path: Option<PathBuf>,
}

#[derive(Args)]
struct TestArgs {
    /// The arguments of `cargo test`.
    #[arg(
        value_name = "CARGO_TEST_ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    cargo_args: Vec<std::ffi::OsString>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LintFormat {
    /// rustc-style diagnostics.
    Human,
    /// One JSON document.
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
enum MessageFormat {
    /// cargo's JSON message stream.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy)]
enum MergeFormat {
    Text,
    Json,
}

fn parse_merge_format(s: &str) -> Result<MergeFormat, String> {
    match s {
        "text" => Ok(MergeFormat::Text),
        "json" => Ok(MergeFormat::Json),
        other => Err(format!("unknown format `{other}` (text or json)")),
    }
}

fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Run as `cargo lockcheck ...`, cargo passes the subcommand's name first.
    if args.get(1).is_some_and(|a| a == "lockcheck") {
        args.remove(1);
    }
    let cli = Cli::parse_from(args);
    // syn parses by recursive descent: the lint and the merge run on a thread with a stack
    // deep enough for every file the depth bound lets through (`collect/depth.rs`).
    let run = std::thread::Builder::new()
        .name("lockcheck".into())
        .stack_size(lockcheck_lint::STACK_BYTES)
        .spawn(move || run(cli));
    match run.map(|t| t.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => {
            eprintln!("error: could not start the lint's thread: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Some(Command::Merge(m)) => merge_command(&m),
        Some(Command::Adopt(a)) => adopt_command(&a),
        Some(Command::Test(t)) => lockcheck_lint::suite::test_command(&t.cargo_args),
        Some(Command::Rules) => {
            for r in rules::RULES {
                println!("{}  {:<24} {}", r.id, r.name, r.summary);
            }
            Ok(ExitCode::SUCCESS)
        }
        None => lint_command(&cli.lint),
    };
    result.unwrap_or_else(|message| {
        eprintln!("error: {message}");
        ExitCode::from(2)
    })
}

fn lint_command(args: &LintArgs) -> Result<ExitCode, String> {
    let units_files: Vec<lint::Sources> = if args.paths.is_empty() {
        let manifest = args
            .manifest_path
            .clone()
            .unwrap_or_else(|| PathBuf::from("Cargo.toml"));
        lint::workspace_units(&manifest).map_err(|e| e.to_string())?
    } else {
        let mut files = Vec::new();
        for p in &args.paths {
            files.extend(lint::rust_files(p).map_err(|e| format!("{}: {e}", p.display()))?);
        }
        let edition = args
            .paths
            .first()
            .and_then(|p| Edition::of_path(p))
            .unwrap_or_default();
        vec![lint::Sources { files, edition }]
    };
    let baseline = args
        .baseline
        .as_deref()
        .map(lint::Baseline::read)
        .transpose()
        .map_err(|e| e.to_string())?;
    let reports = match &args.reports {
        Some(dir) => {
            let merged = merge::merge_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for e in &merged.errors {
                eprintln!("warning: {e}");
            }
            for w in &merged.warnings {
                eprintln!("warning: {w}");
            }
            if merged.processes.is_empty() {
                return Err(format!(
                    "no lockcheck report could be read in {}",
                    dir.display()
                ));
            }
            Some(merged)
        }
        None => None,
    };
    let mut units = Vec::new();
    for sources in units_files {
        let edition = args.edition.unwrap_or(sources.edition);
        let krate = lint::load(&sources.files, Some(edition))
            .map_err(|e| format!("could not read the sources: {e}"))?;
        units.push(lint::run_with_reports(
            krate,
            baseline.as_ref(),
            reports.as_ref(),
        ));
    }
    if let Some(path) = &args.write_baseline {
        let b = lint::baseline_of(&units);
        let text = serde_json::to_string_pretty(&b).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!(
            "lockcheck: wrote {} findings to the baseline {}",
            b.findings.len(),
            path.display()
        );
    }
    match (args.message_format, args.format) {
        (Some(MessageFormat::Json), _) => {
            let manifest = args
                .manifest_path
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            print!("{}", output::cargo_messages(&units, "", &manifest));
        }
        (None, LintFormat::Json) => println!("{}", output::json(&units)),
        (None, LintFormat::Sarif) => println!("{}", output::sarif(&units)),
        (None, LintFormat::Human) => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            print!("{}", output::human(&units, color));
        }
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

fn adopt_command(args: &AdoptArgs) -> Result<ExitCode, String> {
    use lockcheck_lint::adopt;
    let manifest = &args.manifest_path;
    if !manifest.is_file() {
        return Err(format!("no manifest at {}", manifest.display()));
    }
    let root = manifest.parent().unwrap_or(std::path::Path::new("."));
    if args.check {
        let left = adopt::check(manifest);
        for l in &left {
            let file = l.file.strip_prefix(root).unwrap_or(&l.file);
            println!("{}:{}: {}", file.display(), l.line, l.what);
        }
        println!(
            "lockcheck adopt --check: {} lock{} not lockcheck's",
            left.len(),
            if left.len() == 1 { "" } else { "s" }
        );
        return Ok(if left.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let dependency = match &args.lockcheck_path {
        Some(p) => format!("path = {:?}", p.display().to_string()),
        None => format!("version = \"{}\"", env!("CARGO_PKG_VERSION")),
    };
    let adoption = adopt::adopt(manifest, &dependency);
    for e in &adoption.errors {
        eprintln!("warning: {e}");
    }
    print!("{}", adoption.describe(root, args.dry_run));
    if !args.dry_run {
        adoption
            .write()
            .map_err(|e| format!("could not write: {e}"))?;
    }
    for l in &adoption.leftovers {
        let file = l.file.strip_prefix(root).unwrap_or(&l.file);
        println!("{}:{}: left: {}", file.display(), l.line, l.what);
    }
    let files = adoption.changed.len() + usize::from(adoption.manifest.is_some());
    println!(
        "lockcheck adopt: {files} file{} {}{}",
        if files == 1 { "" } else { "s" },
        if args.dry_run {
            "would change"
        } else {
            "changed"
        },
        match adoption.leftovers.len() {
            0 => String::new(),
            n => format!(
                ", {n} lock{} left to change by hand",
                if n == 1 { "" } else { "s" }
            ),
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn merge_command(args: &MergeArgs) -> Result<ExitCode, String> {
    let merged = merge::merge_dir(&args.dir)
        .map_err(|e| format!("could not read the directory {}: {e}", args.dir.display()))?;
    if args.suggest_ranks {
        for e in &merged.errors {
            eprintln!("error: {e}");
        }
        if merged.processes.is_empty() {
            return Err(format!("no lockcheck reports in {}", args.dir.display()));
        }
        return Ok(match lockcheck_lint::suggest::suggest_ranks(&merged) {
            Ok(table) => {
                print!("{table}");
                ExitCode::SUCCESS
            }
            Err(cycles) => {
                print!("{cycles}");
                ExitCode::from(1)
            }
        });
    }
    match args.format {
        MergeFormat::Text => print!("{merged}"),
        MergeFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&merged).map_err(|e| e.to_string())?
        ),
    }
    if merged.processes.is_empty() && merged.errors.is_empty() {
        return Err(format!(
            "no lockcheck reports in {} (run the processes with {}={0}; a relative directory is \
             resolved against the workspace root)",
            args.dir.display(),
            "LOCKCHECK_REPORT_DIR"
        ));
    }
    Ok(if merged.found_problems() {
        ExitCode::from(1)
    } else if !merged.errors.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
