//! How deep a file's syntax tree would be, measured on its tokens before syn parses it.
//!
//! syn parses by recursive descent and our visitors recurse over what it builds: 3,000 nested
//! parentheses, or `1 + 1 + ...` 50,000 times (a left-nested tree as deep), would exhaust the
//! stack and end the whole run. The tokens (proc-macro2 lexes and drops them without
//! recursion) give a bound first: each bracket is one level, and so is each operator of a chain
//! (`-`, `+`, `.`, `::`, `else`, ... between two `;` or `,` of one group, or after a block that
//! ends an item or statement). A file past the bound is named
//! as an error and not parsed; real code stays far below it.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};

/// The deepest a file may nest, in brackets plus chained operators. The lint runs on a thread
/// with [`STACK_BYTES`] of stack: enough for this depth in a debug build, with room to spare.
pub(crate) const MAX_DEPTH: usize = 1_000;

/// The stack the lint runs on (`main.rs`).
pub const STACK_BYTES: usize = 512 << 20;

/// A file's tokens, when they nest no deeper than [`MAX_DEPTH`] (`None`: they do not lex, and
/// syn names the error); or where they first nest deeper.
pub(crate) fn lex(text: &str) -> Result<Option<TokenStream>, Span> {
    let Ok(tokens) = text.parse::<TokenStream>() else {
        return Ok(None);
    };
    // A clone shares the tokens (reference counted): nothing is copied.
    match too_deep(tokens.clone()) {
        Some(span) => Err(span),
        None => Ok(Some(tokens)),
    }
}

/// Where `tokens` first nest deeper than [`MAX_DEPTH`], if they do.
fn too_deep(tokens: TokenStream) -> Option<Span> {
    let mut stack = vec![Group {
        tokens: tokens.into_iter(),
        base: 0,
        chain: 0,
        after_block: false,
    }];
    while let Some(group) = stack.last_mut() {
        let Some(token) = group.tokens.next() else {
            stack.pop();
            continue;
        };
        // A block ends an item, a statement or a match arm, unless an operator (or `else`)
        // goes on from it: `fn f() {} fn g() {}` is no chain, `{a} + {b} + ..` and
        // `if a {} else if b {} else ..` are.
        if std::mem::take(&mut group.after_block) {
            let goes_on = match &token {
                // `#` starts an attribute (a doc comment is one): the next item's.
                TokenTree::Punct(p) => !matches!(p.as_char(), ';' | ',' | '#'),
                TokenTree::Ident(i) => i == "else",
                _ => false,
            };
            if !goes_on {
                group.chain = 0;
            }
        }
        match token {
            TokenTree::Group(g) => {
                let depth = group.base + group.chain + 1;
                if depth > MAX_DEPTH {
                    return Some(g.span_open());
                }
                group.after_block = g.delimiter() == Delimiter::Brace;
                stack.push(Group {
                    tokens: g.stream().into_iter(),
                    base: depth,
                    chain: 0,
                    after_block: false,
                });
            }
            TokenTree::Punct(p) if matches!(p.as_char(), ';' | ',') => group.chain = 0,
            // An attribute's `#` is no operator.
            TokenTree::Punct(p) if p.as_char() == '#' => {}
            TokenTree::Punct(p) => {
                group.chain += 1;
                if group.base + group.chain > MAX_DEPTH {
                    return Some(p.span());
                }
            }
            TokenTree::Ident(i) if i == "else" => group.chain += 1,
            TokenTree::Ident(_) | TokenTree::Literal(_) => {}
        }
    }
    None
}

/// An open group's tokens, and how deep it is.
struct Group {
    tokens: proc_macro2::token_stream::IntoIter,
    /// The depth at its start: its parent's, plus the operators chained there, plus one.
    base: usize,
    /// Operators chained since its last `;` or `,` (or the end of a block).
    chain: usize,
    /// The token before was a block (`{ .. }`).
    after_block: bool,
}

#[cfg(test)]
mod tests {
    use super::MAX_DEPTH;

    fn too_deep(text: &str) -> Option<proc_macro2::Span> {
        super::lex(text).err()
    }

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
        // Items and statements ending in a block are no chain; operators and `else` after one
        // go on with it.
        let items = "/// Doc.\n#[inline]\npub fn f(a: &A, b: &B) -> u32 { *a + *b }\n"
            .repeat(10 * MAX_DEPTH);
        assert!(too_deep(&items).is_none());
        let arms = format!(
            "fn f() {{ match x {{ {} }} }}",
            "1 => {} 2 => {}".repeat(MAX_DEPTH)
        );
        assert!(too_deep(&arms).is_none());
        let blocks = format!("fn f() {{ 1{} }}", " + {1}".repeat(MAX_DEPTH));
        assert!(too_deep(&blocks).is_some());
        let elses = format!(
            "fn f() {{ if a {{}}{} }}",
            " else if a {}".repeat(MAX_DEPTH)
        );
        assert!(too_deep(&elses).is_some());
    }
}
