//! `lock_ranks! { .. }`: a rank table written in Rust source, checked at compile time, with
//! every declaration keeping its own line and `#` comments ending at their line.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::quote;

use lockcheck_ranks::{RankError, RankTable};
use lockcheck_syntax::ranks::table_text;

pub(crate) fn expand(tokens: TokenStream) -> TokenStream {
    if tokens.is_empty() {
        return quote! {
            ::lockcheck::RankTable::parse_at(::core::file!(), ::core::line!(), "")
        };
    }
    // The table's text as it stands in the source, each token at its line and column: a `#`
    // comment ends at its line and every declaration keeps its line. The compiler gives
    // proc macros their tokens' places from Rust 1.88 (the workspace's `rust-version` is
    // newer); without them there is no such text, and no other reading is offered.
    let Some((first_line, text)) = table_text(&tokens) else {
        return syn::Error::new(
            Span::call_site(),
            "lock_ranks! needs the source places of its tokens (Rust 1.88 or newer)",
        )
        .to_compile_error();
    };
    // Checked now: a table that does not parse, or that orders a rank before itself, is a
    // compile error at the place it goes wrong.
    if let Err(e) = RankTable::parse_at("lock_ranks!", first_line as u32, &text) {
        let (line, column) = match &e {
            RankError::Syntax { line, column, .. } => (*line as usize, *column as usize),
            RankError::Cycle { lines, .. } => (lines.first().map_or(0, |&l| l as usize), 1),
        };
        let message = match &e {
            RankError::Syntax { message, .. } => message.clone(),
            RankError::Cycle { ranks, lines, .. } => {
                let lines: Vec<String> = lines.iter().map(u32::to_string).collect();
                format!(
                    "the declared rank order has a cycle: {} < {} (declared on lines {})",
                    ranks.join(" < "),
                    ranks.first().map_or("", String::as_str),
                    lines.join(", ")
                )
            }
        };
        return syn::Error::new(token_at(&tokens, line, column), message).to_compile_error();
    }
    let line = first_line as u32;
    quote! {
        ::lockcheck::RankTable::parse_at(::core::file!(), #line, #text)
    }
}

/// The span of the token at `line`, starting at or after 1-based `column` (else the line's
/// first token, else the whole invocation).
fn token_at(tokens: &TokenStream, line: usize, column: usize) -> Span {
    let mut on_line = None;
    for tt in flatten(tokens) {
        let start = tt.span().start();
        if start.line != line {
            continue;
        }
        if start.column + 1 >= column {
            return tt.span();
        }
        on_line.get_or_insert(tt.span());
    }
    on_line.unwrap_or_else(Span::call_site)
}

fn flatten(tokens: &TokenStream) -> Vec<TokenTree> {
    let mut out = Vec::new();
    for tt in tokens.clone() {
        match tt {
            TokenTree::Group(g) => out.extend(flatten(&g.stream())),
            other => out.push(other),
        }
    }
    out
}
