//! A rank table written as Rust tokens (`lock_ranks! { .. }`), turned back into the text it was
//! written as: every token at its source line and column, so a `#` comment ends at its line (as
//! in Go's `mklockrank.go`), `doc-outer` stays one name, every declaration keeps its own line, and
//! an error's column is the source's. Used by the `lock_ranks!` macro and by the lint. (A comment
//! must still be made of Rust tokens: `scheduler's` is not one; `//` comments always work.)

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The table's text, and the source line it starts on. `None` when there are no tokens, or
/// they carry no source locations (a compiler older than 1.88 inside a proc macro).
///
/// # Examples
///
/// ```
/// let tokens: proc_macro2::TokenStream = "# the scheduler\nsched < trace;\ndoc-a < doc-b;"
///     .parse()
///     .unwrap();
/// let (line, text) = lockcheck_syntax::ranks::table_text(&tokens).unwrap();
/// assert_eq!(line, 1);
/// assert_eq!(text, "# the scheduler\nsched < trace;\ndoc-a < doc-b;");
/// ```
pub fn table_text(tokens: &TokenStream) -> Option<(usize, String)> {
    let first = tokens.clone().into_iter().next()?.span().start();
    if first.line == 0 {
        return None;
    }
    let mut text = Writer {
        out: " ".repeat(first.column),
        line: first.line,
        column: first.column,
    };
    text.stream(tokens);
    Some((first.line, text.out))
}

struct Writer {
    out: String,
    /// Where the text written so far ends, in source terms.
    line: usize,
    column: usize,
}

impl Writer {
    fn stream(&mut self, tokens: &TokenStream) {
        for tt in tokens.clone() {
            match &tt {
                TokenTree::Group(g) => {
                    let (open, close) = match g.delimiter() {
                        Delimiter::Parenthesis => ("(", ")"),
                        Delimiter::Brace => ("{", "}"),
                        Delimiter::Bracket => ("[", "]"),
                        Delimiter::None => ("", ""),
                    };
                    self.token(g.span_open(), open);
                    self.stream(&g.stream());
                    self.token(g.span_close(), close);
                }
                other => self.token(other.span(), &other.to_string()),
            }
        }
    }

    /// Writes `text` where `span` starts, at its line and column: a place in the text is the
    /// same place in the source.
    fn token(&mut self, span: proc_macro2::Span, text: &str) {
        let (start, end) = (span.start(), span.end());
        if start.line > self.line {
            self.out
                .extend(std::iter::repeat_n('\n', start.line - self.line));
            self.column = 0;
        }
        self.out.extend(std::iter::repeat_n(
            ' ',
            start.column.saturating_sub(self.column),
        ));
        self.out.push_str(text);
        self.line = end.line;
        self.column = end.column;
    }
}
