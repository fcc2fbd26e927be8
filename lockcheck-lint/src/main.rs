//! `cargo lockcheck`: see `cargo lockcheck --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use lockcheck_lint::merge;

const USAGE: &str = "\
cargo lockcheck: lock-order checking for Rust

USAGE:
    cargo lockcheck merge DIR [--format text|json]

COMMANDS:
    merge DIR    Merge the lock-order reports that processes wrote into DIR (run them with
                 LOCKCHECK_REPORT_DIR=DIR) and report the cycles of the merged graph, with the
                 process, thread and site that established each edge.

EXIT STATUS:
    0  no cycle    1  cycles found    2  usage or I/O error, or a report that could not be read
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
        return Err("no command given".into());
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
        other => Err(format!("unknown command `{other}`")),
    }
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
