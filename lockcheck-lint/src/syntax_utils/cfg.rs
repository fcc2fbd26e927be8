//! Test code and `#[cfg]`: the lint reads the code that ships. Test code deliberately misuses
//! locks and rank tables, so items and statements under `#[cfg(test)]` are not read.

use syn::{Expr, Stmt};

/// Whether a `cfg` predicate marks test code, or test support: `test`, and `any(..)`/`all(..)`
/// with `test` among their terms (`cfg(any(test, feature = "testing"))` helper modules exist for
/// tests; lint findings there are noise). `not(test)` is not.
pub(crate) fn is_test_cfg(meta: &syn::Meta) -> bool {
    match meta {
        syn::Meta::Path(p) => p.is_ident("test"),
        syn::Meta::List(l) if l.path.is_ident("any") || l.path.is_ident("all") => l
            .parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|terms| {
                terms
                    .iter()
                    .any(|t| matches!(t, syn::Meta::Path(p) if p.is_ident("test")))
            }),
        _ => false,
    }
}

/// Whether attributes mark their item or statement as test code (`#[cfg(test)]`,
/// `#[cfg(any(test, ..))]`).
pub(crate) fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && a.parse_args::<syn::Meta>().is_ok_and(|m| is_test_cfg(&m))
    })
}

/// The predicate of a statement's `#[cfg(..)]`, as normalised tokens (`feature = "std"`).
pub(crate) fn stmt_cfg(stmt: &Stmt) -> Option<String> {
    stmt_attrs(stmt).iter().find_map(|a| {
        if !a.path().is_ident("cfg") {
            return None;
        }
        let syn::Meta::List(list) = &a.meta else {
            return None;
        };
        Some(list.tokens.to_string())
    })
}

/// Whether a statement is test code.
pub(crate) fn stmt_is_test(stmt: &Stmt) -> bool {
    is_test_only(stmt_attrs(stmt))
}

fn stmt_attrs(stmt: &Stmt) -> &[syn::Attribute] {
    match stmt {
        Stmt::Local(l) => &l.attrs,
        Stmt::Macro(m) => &m.attrs,
        Stmt::Expr(e, _) => expr_attrs(e),
        Stmt::Item(_) => &[],
    }
}

/// The outer attributes of an expression statement (the kinds that carry them in practice).
fn expr_attrs(e: &Expr) -> &[syn::Attribute] {
    match e {
        Expr::Block(b) => &b.attrs,
        Expr::Call(c) => &c.attrs,
        Expr::MethodCall(m) => &m.attrs,
        Expr::Macro(m) => &m.attrs,
        Expr::If(i) => &i.attrs,
        Expr::Match(m) => &m.attrs,
        Expr::Assign(a) => &a.attrs,
        Expr::Unsafe(u) => &u.attrs,
        Expr::ForLoop(f) => &f.attrs,
        Expr::While(w) => &w.attrs,
        Expr::Loop(l) => &l.attrs,
        _ => &[],
    }
}
