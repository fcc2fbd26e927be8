//! Reading patterns: the names one binds, and whether it matches only a failed `try_lock`.

use syn::Pat;

/// The names a pattern binds.
pub(crate) fn pattern_idents(p: &Pat) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for Names {
        fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
            self.0.push(i.ident.to_string());
            syn::visit::visit_pat_ident(self, i);
        }
    }
    let mut n = Names(Vec::new());
    syn::visit::Visit::visit_pat(&mut n, p);
    n.0
}

/// Whether a pattern matches only a failed `try_lock` (`Err(..)`, `None`).
pub(crate) fn is_failure_pattern(p: &Pat) -> bool {
    match p {
        Pat::TupleStruct(t) => t.path.segments.last().is_some_and(|s| s.ident == "Err"),
        Pat::Ident(i) => i.ident == "None",
        Pat::Path(pp) => pp.path.segments.last().is_some_and(|s| s.ident == "None"),
        _ => false,
    }
}

/// Whether a pattern matches a successful `try_lock` (`Ok(..)`, `Some(..)`): a `_` arm after one
/// matches only the failure.
pub(crate) fn is_success_pattern(p: &Pat) -> bool {
    match p {
        Pat::TupleStruct(t) => t
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Ok" || s.ident == "Some"),
        _ => false,
    }
}
