//! `cargo lockcheck`: the command-line side of lockcheck.
//!
//! - [`merge`]: reads the lock-order reports that processes wrote (with `LOCKCHECK_REPORT_DIR`
//!   set) and finds cycles whose orders were learned in different processes: a whole
//!   `cargo test` run, with its many test binaries, checked as one.
//!
//! This crate never links the runtime's checking code: it shares only the report format
//! (`docs/report-schema.md`).

mod guards;
pub mod merge;
pub mod model;
