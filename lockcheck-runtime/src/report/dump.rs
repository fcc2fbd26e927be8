//! Writing a report to disk: on request ([`write_report`]), and, when [`REPORT_DIR_ENV`] names a
//! directory, for every process: each time a violation is first raised (so the file is complete
//! even if the process then dies: `LOCKCHECK_ACTION=abort`, a signal, an abort from a panic)
//! and when it exits.
//!
//! The exit hook is C's `atexit`, registered the first time a lock is used: a test
//! binary's `main` returning, or `std::process::exit`, both run it.
//!
//! A relative directory is resolved against the workspace root of the package cargo is running
//! (`cargo test` runs each test binary from its package's directory, and sets
//! `CARGO_MANIFEST_DIR`): `LOCKCHECK_REPORT_DIR=target/lockcheck-run cargo test` in a workspace
//! puts every member's reports in one `target/lockcheck-run` at the root, where
//! `cargo lockcheck merge target/lockcheck-run` finds them. Run outside cargo, it is relative to
//! the current directory.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::internal::{busy, Internal};

/// The environment variable naming the directory every process writes its report into.
pub const REPORT_DIR_ENV: &str = "LOCKCHECK_REPORT_DIR";

/// The directory [`REPORT_DIR_ENV`] names, resolved (see the module docs); `None` when unset or
/// empty. Read once.
pub(crate) fn report_dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    busy(|| {
        DIR.get_or_init(|| {
            let dir = PathBuf::from(std::env::var_os(REPORT_DIR_ENV).filter(|d| !d.is_empty())?);
            if dir.is_absolute() {
                return Some(dir);
            }
            let base = std::env::var_os("CARGO_MANIFEST_DIR")
                .map(|m| workspace_root(Path::new(&m)))
                .or_else(|| std::env::current_dir().ok());
            Some(match base {
                Some(base) => base.join(dir),
                None => dir,
            })
        })
        .as_deref()
    })
}

/// The workspace root of the package in `manifest_dir`: the nearest directory at or above it
/// whose `Cargo.toml` has a `[workspace]` table (cargo's own search), else the package itself.
pub(crate) fn workspace_root(manifest_dir: &Path) -> PathBuf {
    let declares_workspace = |dir: &Path| {
        std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|toml| {
            toml.lines().any(|l| {
                let l = l.trim_start();
                l.starts_with("[workspace]") || l.starts_with("[workspace.")
            })
        })
    };
    manifest_dir
        .ancestors()
        .find(|d| declares_workspace(d))
        .unwrap_or(manifest_dir)
        .to_path_buf()
}

/// A violation was just raised for the first time: the process's report file is rewritten now,
/// when the environment asks for report files.
pub(crate) fn persist_violation() {
    if let Some(dir) = report_dir() {
        write_or_say(dir);
    }
}

fn write_or_say(dir: &Path) {
    if let Err(e) = write_report(dir) {
        eprintln!(
            "lockcheck: could not write the report into {}: {e}",
            crate::shown::shown(&dir.display().to_string())
        );
    }
}

/// What names one process run's report files, apart from its program: its pid, when it first
/// wrote one (nanoseconds since the epoch) and a random part (std's `RandomState`, seeded by the
/// OS). Processes sharing a pid (in containers, or a pid reused during a long test run) never
/// write over each other's report; the same process rewrites its own. A forked child has
/// another pid, so it takes a run of its own.
struct Run {
    pid: u32,
    tag: String,
    /// Temporary files written so far: each has a name of its own.
    temps: u64,
}

impl Run {
    fn new(pid: u32) -> Run {
        use std::hash::{BuildHasher as _, Hasher as _};
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        Run {
            pid,
            tag: format!("{pid}-{nanos:x}-{:08x}", random as u32),
            temps: 0,
        }
    }
}

/// Writes the current [`report`](crate::report()) into `dir` as
/// `lockcheck-<program>-<pid>-<start>-<random>.json` and `.dot` (one name per process run:
/// processes that share a pid never overwrite each other's reports); returns the JSON file's
/// path. Each file is written to a temporary name of its own first and renamed, so a reader
/// never sees half a report.
///
/// # Errors
///
/// Any I/O error creating the directory or writing the files.
///
/// # Examples
///
/// ```
/// let dir = std::env::temp_dir().join("lockcheck-doc-write-report");
/// let json = lockcheck_runtime::write_report(&dir).unwrap();
/// let text = std::fs::read_to_string(&json).unwrap();
/// assert!(text.contains("\"schema\":\"lockcheck-report\""));
/// assert!(json.with_extension("dot").exists());
/// // The same process writes the same file again.
/// assert_eq!(lockcheck_runtime::write_report(&dir).unwrap(), json);
/// ```
pub fn write_report(dir: &Path) -> std::io::Result<PathBuf> {
    // One writer at a time: two threads raising violations at once must not interleave their
    // files, nor rename an older snapshot over a newer one.
    static WRITING: Internal<Option<Run>> = Internal::new(None);
    let mut run = WRITING.lock();
    let pid = std::process::id();
    if run.as_ref().is_none_or(|r| r.pid != pid) {
        *run = Some(Run::new(pid));
    }
    let run = run.as_mut().expect("set above");
    write_files(dir, &crate::report(), run)
}

/// Writes `r` as `run`'s report files in `dir`. O(classes + edges + violations).
fn write_files(dir: &Path, r: &super::Report, run: &mut Run) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let stem = format!("lockcheck-{}-{}", r.program, run.tag);
    let json = dir.join(format!("{stem}.json"));
    let mut replace = |path: &Path, text: String| -> std::io::Result<()> {
        run.temps += 1;
        let tmp = dir.join(format!(".{stem}-{}.tmp", run.temps));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    };
    replace(&json, r.to_json())?;
    replace(&json.with_extension("dot"), r.to_dot())?;
    Ok(json)
}

/// Registers the exit hook once, if the environment asks for reports. Called when a lock is
/// first used: a process that never used one has nothing to report.
pub(crate) fn arm_exit_report() {
    static ARMED: OnceLock<()> = OnceLock::new();
    busy(|| {
        ARMED.get_or_init(|| {
            if report_dir().is_some() {
                register_exit_hook();
            }
        })
    });
}

#[cfg(any(unix, windows))]
fn register_exit_hook() {
    extern "C" {
        fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
    }
    // SAFETY: `atexit` is C's standard function, present in every libc and CRT Rust links on
    // these platforms; `at_exit` is an `extern "C" fn()` that never unwinds.
    let failed = unsafe { atexit(at_exit) } != 0;
    if failed {
        eprintln!("lockcheck: could not register the exit hook; no report will be written");
    }
}

#[cfg(not(any(unix, windows)))]
fn register_exit_hook() {
    eprintln!("lockcheck: {REPORT_DIR_ENV} is not supported on this platform");
}

extern "C" fn at_exit() {
    // A panic must not unwind out of an `extern "C"` function.
    let _ = std::panic::catch_unwind(|| {
        if let Some(dir) = report_dir() {
            write_or_say(dir);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::{write_files, Run};

    fn report(pid: u32, program: &str) -> crate::report::Report {
        crate::report::Report {
            pid,
            program: program.into(),
            classes: Vec::new(),
            edges: Vec::new(),
            violations: Vec::new(),
            declared_order: Vec::new(),
            instance_orders: 0,
        }
    }

    #[test]
    fn processes_sharing_a_pid_never_overwrite_each_others_reports() {
        // Two processes of one program with the same pid (two containers, or a reused pid),
        // each writing its report twice, from threads at once.
        let dir = std::env::temp_dir().join(format!("lockcheck-same-pid-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let written: Vec<std::path::PathBuf> = std::thread::scope(|s| {
            let writers: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        let mut run = Run::new(4242);
                        let first = write_files(&dir, &report(4242, "test_one"), &mut run).unwrap();
                        let again = write_files(&dir, &report(4242, "test_one"), &mut run).unwrap();
                        assert_eq!(first, again, "a process rewrites its own report");
                        first
                    })
                })
                .collect();
            writers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let json: Vec<&String> = files.iter().filter(|f| f.ends_with(".json")).collect();
        assert_eq!(json.len(), 8, "{files:?}");
        assert_eq!(
            files.len(),
            16,
            "a .dot beside each, no temporary file left: {files:?}"
        );
        for (f, w) in json.iter().zip({
            let mut w = written.clone();
            w.sort();
            w
        }) {
            assert!(f.starts_with("lockcheck-test_one-4242-"), "{f}");
            assert_eq!(w.file_name().unwrap().to_string_lossy(), **f);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
