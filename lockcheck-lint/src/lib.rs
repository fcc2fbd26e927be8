//! `cargo lockcheck`: the command-line side of lockcheck.
//!
//! - the static lint: [`model`] reads a crate's source into functions, contracts and the lock
//!   events of each body (guard lifetimes in `guards.rs`), [`rules`] checks them, [`lint`]
//!   drives it (files, workspaces, suppressions, baselines), [`output`] writes the findings;
//! - [`merge`]: reads the lock-order reports that processes wrote (with `LOCKCHECK_REPORT_DIR`
//!   set) and finds cycles whose orders were learned in different processes: a whole
//!   `cargo test` run, with its many test binaries, checked as one.
//!
//! This crate never links the runtime's checking code: it shares only the report format
//! (`docs/report-schema.md`).

mod analysis;
mod collect;
mod cycles;
mod guards;
pub mod lint;
pub mod merge;
pub mod model;
pub mod output;
pub mod rules;
