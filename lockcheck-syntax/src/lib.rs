//! The lock-contract grammar of [`lockcheck`](https://docs.rs/lockcheck), parsed once and used by
//! two front ends: the attribute macros (`lockcheck-macros`, which turn it into run-time checks
//! and compile errors) and the static lint (`cargo lockcheck`, which checks it from source).
//! serde_derive_internals is the model: one grammar, two front ends, so they cannot drift apart.
//!
//! - [`contract`]: `#[requires_lock(..)]` / `#[excludes_lock(..)]` arguments (a lock expression,
//!   a class name in quotes, either inside `read(..)` / `write(..)`), and which attribute is which;
//! - [`methods`]: the method names that acquire a lock, and how (blocking, try or timed; shared
//!   or not);
//! - [`text`]: the normalised text of an expression, how both front ends name a lock;
//! - [`ranks`]: a `lock_ranks! { .. }` table turned back into its text, lines and comments kept.
//!
//! # Examples
//!
//! ```
//! use lockcheck_syntax::contract::{parse_args, ContractKind, Need};
//!
//! let args = parse_args(ContractKind::Requires, quote::quote!(read(self.state), "sched")).unwrap();
//! assert_eq!(args.locks[0].text(), "self.state");
//! assert_eq!(args.locks[0].need, Need::Read);
//! assert_eq!(args.locks[1].class_name().as_deref(), Some("sched"));
//! ```

pub mod contract;
pub mod methods;
pub mod ranks;
pub mod text;
