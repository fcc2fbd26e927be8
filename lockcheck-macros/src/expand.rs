//! The generated check: at function entry, in debug builds (or with `release-checks`), each
//! named lock is checked through `lockcheck`'s runtime. The user's tokens are re-emitted as they
//! were, so their spans (and lints such as `dead_code`) survive; the added code is spanned at the
//! attribute.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{AttrStyle, ItemFn};

use lockcheck_syntax::contract::{ContractKind, LockArgs, Need};

pub(crate) fn expand(args: &LockArgs, func: ItemFn) -> TokenStream {
    let attr_span = Span::call_site();
    let name = func.sig.ident.to_string();
    let is_async = func.sig.asyncness.is_some();
    let checks = args.locks.iter().map(|lock| {
        let expr = &lock.expr;
        // Spanned at the expression, so a type that is not a lock is reported there.
        let lock_ref = quote_spanned!(expr.span()=> &(#expr));
        let text = lock.text();
        let check = match args.kind {
            ContractKind::Requires => quote_spanned!(attr_span=> requires),
            ContractKind::Excludes => quote_spanned!(attr_span=> excludes),
        };
        let mode = match lock.need {
            Need::Any => quote_spanned!(attr_span=> ::core::option::Option::None),
            Need::Read => {
                quote_spanned!(attr_span=> ::core::option::Option::Some(::lockcheck::Mode::Shared))
            }
            Need::Write => {
                quote_spanned!(attr_span=> ::core::option::Option::Some(::lockcheck::Mode::Exclusive))
            }
        };
        quote_spanned! {attr_span=>
            ::lockcheck::__private::#check(
                #lock_ref,
                &::lockcheck::__private::Contract {
                    function: #name,
                    lock: #text,
                    mode: #mode,
                    file: ::core::file!(),
                    line: ::core::line!(),
                    column: ::core::column!(),
                    is_async: #is_async,
                },
            );
        }
    });
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = func;
    let (inner, outer): (Vec<_>, Vec<_>) = attrs
        .into_iter()
        .partition(|a| matches!(a.style, AttrStyle::Inner(_)));
    let stmts = &block.stmts;
    let body = quote_spanned! {block.brace_token.span.join()=>
        {
            #(#inner)*
            if ::lockcheck::ENABLED {
                #(#checks)*
            }
            #(#stmts)*
        }
    };
    quote! {
        #(#outer)*
        #vis #sig #body
    }
}
