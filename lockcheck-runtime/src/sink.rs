//! Where a report goes so that a person sees it.
//!
//! libtest captures what a test prints with `print!` and `eprint!` (and a panic's message), and
//! shows it only for a test that fails. A report under `LOCKCHECK_ACTION=log` or `abort`, or one
//! whose panic a thread pool caught, would then never reach the person running `cargo test`:
//! a real deadlock under `log` would look like a silent hang. So every report is written to the
//! process's standard error **directly**, through [`std::io::Stderr`]'s handle, which libtest does
//! not capture (it swaps only the stream behind the printing macros).
//!
//! A violation raised as a panic (the default action) or handed to a callback is not written
//! there at once: the panic's message carries it (libtest shows it with the failing test), and a
//! callback is the program's own business. Those are remembered, and when the process exits
//! each is named in one line on standard error: a panic that a thread pool, a `catch_unwind` or
//! a detached thread swallowed still reaches the person, with the line to look at.
//!
//! With the features `tracing` and `log`, each violation is also an `error` event of that
//! crate (see [`ecosystem`]).

use std::io::Write as _;
use std::sync::OnceLock;

use crate::internal::Internal;
use crate::violation::Violation;

/// Writes `text` and a line break on the process's standard error, past any capture (libtest's).
/// Errors are ignored: a report that cannot be printed must not change what the program does.
pub(crate) fn to_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.write_all(b"\n");
    let _ = err.flush();
}

/// A violation in one line: its report's first line (without the `lockcheck: ` prefix) and the
/// acquisition's place.
pub(crate) fn headline(v: &Violation) -> String {
    let text = v.to_string();
    let first = text.lines().next().unwrap_or_default();
    let first = first.strip_prefix("lockcheck: ").unwrap_or(first);
    format!("{first}, at {}", v.acquiring.site)
}

/// One line per violation raised as a panic or handed to a callback, for the exit summary.
static UNSHOWN: Internal<Vec<String>> = Internal::new(Vec::new());

/// Remembers a violation that went to a panic or a callback, to be named when the process exits.
/// Called once per distinct violation, never on an acquisition's fast path.
pub(crate) fn remember_for_exit(v: &Violation, how: &'static str) {
    let line = format!(
        "  {how}: {} (thread `{}`)",
        headline(v),
        crate::shown::shown(&v.thread)
    );
    UNSHOWN.lock().push(line);
    static ARMED: OnceLock<()> = OnceLock::new();
    ARMED.get_or_init(register_exit_summary);
}

#[cfg(any(unix, windows))]
fn register_exit_summary() {
    extern "C" {
        fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
    }
    // SAFETY: `atexit` is C's standard function, present in every libc and CRT Rust links on
    // these platforms; `exit_summary` is an `extern "C" fn()` that never unwinds.
    unsafe { atexit(exit_summary) };
}

#[cfg(not(any(unix, windows)))]
fn register_exit_summary() {}

extern "C" fn exit_summary() {
    // A panic must not unwind out of an `extern "C"` function.
    let _ = std::panic::catch_unwind(|| {
        let lines = std::mem::take(&mut *UNSHOWN.lock());
        if lines.is_empty() {
            return;
        }
        let n = lines.len();
        to_stderr(&format!(
            "lockcheck: {n} violation{} raised in this process (each report in full in its \
             panic's message, or with the callback; LOCKCHECK_REPORT_DIR keeps them in files):\n{}",
            if n == 1 { " was" } else { "s were" },
            lines.join("\n")
        ));
    });
}

/// The ecosystem's logging crates: each violation handed to an action is also an `error` event
/// of `tracing` (feature `tracing`) and a `log` record (feature `log`), with its kind, locks,
/// sites and thread as fields, for programs whose logs go somewhere other than standard error.
pub(crate) mod ecosystem {
    #[cfg(any(feature = "tracing", feature = "log"))]
    use super::headline;
    use crate::violation::Violation;

    /// Sends `v` to every sink a feature turned on.
    #[allow(unused_variables)]
    pub(crate) fn emit(v: &Violation) {
        #[cfg(feature = "tracing")]
        {
            let held: Vec<String> = v
                .held
                .iter()
                .map(|h| format!("{} at {}", h.class, h.site))
                .collect();
            tracing::error!(
                target: "lockcheck",
                kind = v.kind_name(),
                lock = %v.acquiring.class,
                site = %v.acquiring.site,
                held = %held.join(", "),
                thread = %v.thread,
                report = %v,
                "{}",
                headline(v)
            );
        }
        #[cfg(feature = "log")]
        {
            log::error!(
                target: "lockcheck",
                "{} [kind={} lock={} site={} thread={}]\n{v}",
                headline(v),
                v.kind_name(),
                v.acquiring.class,
                v.acquiring.site,
                v.thread
            );
        }
    }
}
