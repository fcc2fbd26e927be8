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
            dir.display()
        );
    }
}

/// Writes the current [`report`](crate::report()) into `dir` as
/// `lockcheck-<program>-<pid>.json` and `.dot`; returns the JSON file's path. The JSON file is
/// written to a temporary name first and renamed, so a reader never sees half a report.
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
/// ```
pub fn write_report(dir: &Path) -> std::io::Result<PathBuf> {
    // One writer at a time: two threads raising violations at once must not interleave their
    // files, nor rename an older snapshot over a newer one.
    static WRITING: Internal<()> = Internal::new(());
    let _writing = WRITING.lock();
    let r = crate::report();
    std::fs::create_dir_all(dir)?;
    let stem = format!("lockcheck-{}-{}", r.program, r.pid);
    let json = dir.join(format!("{stem}.json"));
    let tmp = dir.join(format!(".{stem}.json.tmp"));
    std::fs::write(&tmp, r.to_json())?;
    std::fs::rename(&tmp, &json)?;
    std::fs::write(dir.join(format!("{stem}.dot")), r.to_dot())?;
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
