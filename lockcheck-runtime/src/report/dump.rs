//! Writing a report to disk: on request ([`write_report`]), and for every process when it exits
//! if [`REPORT_DIR_ENV`] names a directory.
//!
//! The exit hook is C's `atexit`, registered the first time a lock is used: a test
//! binary's `main` returning, or `std::process::exit`, both run it. A process killed by a signal
//! or that aborts writes nothing.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The environment variable naming the directory every process writes its report into at exit.
pub const REPORT_DIR_ENV: &str = "LOCKCHECK_REPORT_DIR";

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
    ARMED.get_or_init(|| {
        if std::env::var_os(REPORT_DIR_ENV).is_some_and(|d| !d.is_empty()) {
            register_exit_hook();
        }
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
        let Some(dir) = std::env::var_os(REPORT_DIR_ENV) else {
            return;
        };
        if let Err(e) = write_report(Path::new(&dir)) {
            eprintln!(
                "lockcheck: could not write the report into {}: {e}",
                Path::new(&dir).display()
            );
        }
    });
}
