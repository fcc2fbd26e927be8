//! The macros of [`lockcheck`](https://docs.rs/lockcheck): the `#[requires_lock]` and
//! `#[excludes_lock]` attributes, and `lock_ranks!`. Use them through the facade
//! (`use lockcheck::requires_lock;`): the code they generate calls into `lockcheck`.
//!
//! Each attribute parses its arguments with the contract grammar it shares with the lint
//! (`lockcheck-syntax`), parses the function, validates the pair (`validate.rs`) and generates
//! the check (`expand.rs`). On any error it emits the error *and the
//! untouched item*, so one mistake gives one error, not a cascade.
//!
//! `lock_ranks!` (`ranks.rs`) reads its table as it stands in the source (`lockcheck-syntax`,
//! as the lint reads it) and checks it with `lockcheck-ranks` at compile time.

use proc_macro::TokenStream;

mod expand;
mod ranks;
mod validate;

use lockcheck_syntax::contract::{parse_args, ContractKind, LockArgs};

/// The function may only run while the current thread holds each named lock.
///
/// Arguments, comma-separated: a lock expression evaluated at function entry in the function's
/// scope (a parameter, `self.field`, a `static`: that exact lock instance must be held), a
/// string literal (a lock class by name: some lock of that class must be held), or either
/// wrapped in `read(..)` / `write(..)` for an `RwLock` (a read requirement is met by a write
/// hold).
///
/// The check runs at entry in debug builds (or with the `release-checks` feature); otherwise no
/// code is generated at all. In an `async fn` it runs when the body starts, at the first poll.
/// A `const fn` cannot be checked and is refused.
///
/// See the `lockcheck` crate for examples.
#[proc_macro_attribute]
pub fn requires_lock(attr: TokenStream, item: TokenStream) -> TokenStream {
    contract(ContractKind::Requires, attr, item)
}

/// The function must not run while the current thread holds any named lock (it takes it
/// itself; calling it with the lock held would self-deadlock). Like lockdep's
/// `lockdep_assert_not_held`. Arguments as for `requires_lock`, without `read`/`write`.
#[proc_macro_attribute]
pub fn excludes_lock(attr: TokenStream, item: TokenStream) -> TokenStream {
    contract(ContractKind::Excludes, attr, item)
}

/// Declares a lock rank table in Rust source, in the syntax of Go's `mklockrank.go`: each
/// statement orders ranks (`a < b, c;`), `#` starts a comment to the end of its line, and every
/// declaration keeps its own line in reports. The table is checked at compile time: a syntax
/// error or a declared cycle is a compile error at its place.
///
/// Expands to `Result<lockcheck::RankTable, lockcheck::RankError>` (always `Ok` once it
/// compiles, with this file and these lines as the places reports name).
///
/// See the `lockcheck` crate for examples.
#[proc_macro]
pub fn lock_ranks(input: TokenStream) -> TokenStream {
    ranks::expand(input.into()).into()
}

fn contract(kind: ContractKind, attr: TokenStream, item: TokenStream) -> TokenStream {
    let attr = proc_macro2::TokenStream::from(attr);
    let item = proc_macro2::TokenStream::from(item);
    let result = parse_args(kind, attr).and_then(|args: LockArgs| {
        let func = validate::function(kind, item.clone())?;
        validate::contract(&args, &func)?;
        Ok(expand::expand(&args, func))
    });
    match result {
        Ok(tokens) => tokens.into(),
        Err(err) => {
            let mut out = err.to_compile_error();
            out.extend(item);
            out.into()
        }
    }
}
