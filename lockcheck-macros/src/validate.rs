//! The checks the macro can make on its own, each pointing at the offending tokens.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::visit::Visit;
use syn::{ExprMethodCall, ItemFn, TraitItemFn};

use lockcheck_syntax::contract::{parse_attr, ContractKind, LockArgs};
use lockcheck_syntax::methods::{acquire_method, AcquisitionKind};
use lockcheck_syntax::text::normalized;

/// Parses the item as a function with a body that can be checked at run time.
pub(crate) fn function(kind: ContractKind, item: TokenStream) -> syn::Result<ItemFn> {
    let name = kind.attr_name();
    let func: ItemFn = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            if let Ok(decl) = syn::parse2::<TraitItemFn>(item.clone()) {
                return Err(syn::Error::new_spanned(
                    &decl.sig,
                    format!(
                        "#[{name}] needs a function body to check: put it on the implementations, \
                         or give this trait method a default body"
                    ),
                ));
            }
            let first = item.into_iter().take(2).collect::<TokenStream>();
            return Err(syn::Error::new_spanned(
                first,
                format!("#[{name}] applies only to functions and methods"),
            ));
        }
    };
    if let Some(c) = &func.sig.constness {
        return Err(syn::Error::new_spanned(
            c,
            format!(
                "#[{name}] cannot check a `const fn`: which locks a thread holds is known only at \
                 run time; remove `const` or the attribute"
            ),
        ));
    }
    Ok(func)
}

/// Checks the contract against the function: no lock both required and excluded, and no
/// acquisition in the body of a lock the function requires its caller to hold.
pub(crate) fn contract(args: &LockArgs, func: &ItemFn) -> syn::Result<()> {
    let other_kind = args.kind.other();
    for attr in func.attrs.iter().filter(|a| other_kind.names(a)) {
        // The other attribute reports its own syntax errors when it expands.
        let Ok(other) = parse_attr(other_kind, attr) else {
            continue;
        };
        for lock in &args.locks {
            if let Some(clash) = other.locks.iter().find(|o| o.text() == lock.text()) {
                let mut err = syn::Error::new_spanned(
                    &lock.tokens,
                    format!(
                        "`{}` is both required and excluded: a function cannot need a lock held and not held",
                        lock.text()
                    ),
                );
                err.combine(syn::Error::new_spanned(
                    &clash.tokens,
                    format!("also named by #[{}] here", other_kind.attr_name()),
                ));
                return Err(err);
            }
        }
    }
    if args.kind == ContractKind::Requires {
        let mut finder = Acquisitions {
            locks: args
                .locks
                .iter()
                .filter(|l| !l.is_class())
                .map(|l| l.text())
                .collect(),
            found: None,
        };
        finder.visit_block(&func.block);
        if let Some((call, lock)) = finder.found {
            return Err(syn::Error::new_spanned(
                &call,
                format!(
                    "`{lock}` is acquired here, but #[requires_lock({lock})] says the caller already \
                     holds it: this would deadlock (take it in the caller, or use #[excludes_lock({lock})])"
                ),
            ));
        }
    }
    Ok(())
}

struct Acquisitions {
    locks: Vec<String>,
    found: Option<(TokenStream, String)>,
}

/// Only what runs in the body itself, while the caller's lock is held, can self-deadlock: a
/// closure or an `async` block runs later (maybe on another thread, after the lock is released),
/// and a nested item is another function.
impl<'ast> Visit<'ast> for Acquisitions {
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}

    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}

    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
        // Only a blocking acquisition is a certain self-deadlock. A timed one of a lock the
        // caller holds gives up after its timeout: the runtime reports it, the compiler lets it
        // be.
        let blocks = acquire_method(&call.method.to_string(), call.args.len())
            .is_some_and(|m| m.kind == AcquisitionKind::Blocking);
        if self.found.is_none() && blocks {
            let receiver = normalized(&call.receiver);
            if let Some(lock) = self.locks.iter().find(|l| **l == receiver) {
                let mut span_tokens = call.receiver.to_token_stream();
                call.dot_token.to_tokens(&mut span_tokens);
                call.method.to_tokens(&mut span_tokens);
                call.paren_token
                    .surround(&mut span_tokens, |t| call.args.to_tokens(t));
                self.found = Some((span_tokens, lock.clone()));
                return;
            }
        }
        syn::visit::visit_expr_method_call(self, call);
    }
}
