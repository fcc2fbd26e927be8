//! Syntax helpers that the collector (`collect/`) and the guard walker (`guards/`) share, each
//! module one concept (clippy_utils is the model): they read syn's trees and know nothing of
//! the model, the walker's state or the rules.
//!
//! - [`exprs`]: an expression under its parentheses, field chains and paths, what a `let`
//!   initialiser names, let chains;
//! - [`patterns`]: the names a pattern binds, the patterns of a failed `try_lock`;
//! - [`cfg`]: which items and statements are test code, and a statement's `#[cfg]`;
//! - [`divergence`]: whether control goes on past an expression or a block.

pub(crate) mod cfg;
pub(crate) mod divergence;
pub(crate) mod exprs;
pub(crate) mod patterns;
