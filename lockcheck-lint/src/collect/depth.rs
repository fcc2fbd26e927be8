//! How deep a file's syntax tree would be, measured on its tokens before syn parses it.
//!
//! syn parses by recursive descent and our visitors recurse over what it builds: 3,000 nested
//! parentheses, or `1 + 1 + ...` 50,000 times (a left-nested tree as deep), would exhaust the
//! stack and end the whole run. The tokens (proc-macro2 lexes and drops them without
//! recursion) give a bound first: each bracket is one level, and so is each operator of a chain
//! (`-`, `+`, `.`, `::`, ... between two `;` or `,` of one group). A file past the bound is named
//! as an error and not parsed; real code stays far below it.

use proc_macro2::{Span, TokenStream, TokenTree};

/// The deepest a file may nest, in brackets plus chained operators. The lint runs on a thread
/// with [`STACK_BYTES`] of stack: enough for this depth in a debug build, with room to spare.
pub(crate) const MAX_DEPTH: usize = 1_000;

/// The stack the lint runs on (`main.rs`).
pub const STACK_BYTES: usize = 512 << 20;

/// Where a file first nests deeper than [`MAX_DEPTH`], if it does. A file that does not lex is
/// left to syn, which names its error.
pub(crate) fn too_deep(text: &str) -> Option<Span> {
    let tokens: TokenStream = text.parse().ok()?;
    // Per open group: its tokens, and the depth at its start plus the operators chained so far.
    let mut stack: Vec<(proc_macro2::token_stream::IntoIter, usize, usize)> =
        vec![(tokens.into_iter(), 0, 0)];
    while let Some((tokens, base, chain)) = stack.last_mut() {
        let Some(token) = tokens.next() else {
            stack.pop();
            continue;
        };
        match token {
            TokenTree::Group(g) => {
                let depth = *base + *chain + 1;
                if depth > MAX_DEPTH {
                    return Some(g.span_open());
                }
                stack.push((g.stream().into_iter(), depth, 0));
            }
            TokenTree::Punct(p) if matches!(p.as_char(), ';' | ',') => *chain = 0,
            TokenTree::Punct(p) => {
                *chain += 1;
                if *base + *chain > MAX_DEPTH {
                    return Some(p.span());
                }
            }
            TokenTree::Ident(_) | TokenTree::Literal(_) => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{too_deep, MAX_DEPTH};

    #[test]
    fn brackets_and_chains_count_and_separators_reset() {
        let nested = |n: usize| format!("fn f() {{ {}1{} }}", "(".repeat(n), ")".repeat(n));
        assert!(too_deep(&nested(MAX_DEPTH - 2)).is_none());
        assert!(too_deep(&nested(MAX_DEPTH)).is_some());
        let chain = |n: usize| format!("fn f() {{ 1{} }}", " + 1".repeat(n));
        assert!(too_deep(&chain(MAX_DEPTH - 2)).is_none());
        assert!(too_deep(&chain(MAX_DEPTH)).is_some());
        // Many short statements and list items are no chain.
        let statements = format!("fn f() {{ {} }}", "x.a.b(1, 2);".repeat(10 * MAX_DEPTH));
        assert!(too_deep(&statements).is_none());
        assert!(too_deep("fn f( {").is_none(), "syn names the error");
    }
}
