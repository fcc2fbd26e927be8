//! `cargo lockcheck`: the command-line side of lockcheck.
//!
//! - the static lint, in one direction: `collect/` reads a crate's source into the [`model`]
//!   (functions, contracts and the lock events of each body; guard lifetimes in `guards/`, the
//!   walker; the syntax helpers both share in `syntax_utils/`, lock accessors in
//!   `accessors.rs`; the contract grammar and the acquiring methods are `lockcheck-syntax`,
//!   shared with the attribute macros; the temporary-scope rules follow the crate's
//!   [`Edition`], read from its manifest; a file over 1 MiB is read a few items at a time,
//!   `collect/chunks.rs`, so one chunk's syntax tree is in memory at once);
//!   `analysis.rs` computes what the rules share (resolved calls, call summaries, order edges);
//!   [`rules`] check it, one file each; [`lint`] drives it (files, workspaces read from their targets' module trees in
//!   `module_tree.rs`, suppressions,
//!   baselines; a file it cannot read, or nested deeper than `collect/depth.rs` allows, is an
//!   error of that file alone); [`output`] writes the findings, every name from the input shown
//!   safely (`shown.rs`). Errors that stop the run are an [`Error`];
//! - [`merge`]: reads the lock-order reports that processes wrote (with `LOCKCHECK_REPORT_DIR`
//!   set) and finds cycles whose orders were learned in different processes: a whole
//!   `cargo test` run, with its many test binaries, checked as one (its cycles come from
//!   `cycles.rs`, as LC004's do);
//! - [`adopt`]: `cargo lockcheck adopt`, a crate's `use` lines and paths moved onto lockcheck's
//!   locks, and `--check`, every lock still built from std, parking_lot or tokio (its scanner
//!   is also LC007's, through the model);
//! - [`suggest`]: the rank table (`lock_ranks!`) consistent with every order the runs learned;
//! - [`suite`]: `cargo lockcheck test`, the whole test suite run, merged and joined with the
//!   lint in one command.
//!
//! This crate never links the runtime's checking code: it shares only the report format
//! (`docs/report-schema.md`).

mod accessors;
pub mod adopt;
mod analysis;
mod collect;
mod cycles;
mod edition;
mod error;
mod guards;
pub mod lint;
mod lock_kind;
pub mod merge;
pub mod model;
mod module_tree;
pub mod output;
pub mod rules;
mod shown;
pub mod suggest;
pub mod suite;
mod syntax_utils;
mod type_keys;

pub use collect::depth::STACK_BYTES;
pub use edition::Edition;
pub use error::Error;
