//! The ways findings are written: for people (rustc's look), JSON, SARIF 2.1.0, and cargo's
//! JSON message stream (for editors).

mod cargo;
mod human;
mod json;
mod sarif;

pub use cargo::cargo_messages;
pub use human::human;
pub use json::json;
pub use sarif::sarif;

use crate::model::{Crate, Span};

/// The byte range of a span in its file's text (columns are in characters).
pub(crate) fn byte_range(krate: &Crate, span: &Span) -> std::ops::Range<usize> {
    let text = &krate.files[span.file].text;
    let offset = |line: usize, column: usize| -> usize {
        let mut start = 0;
        for (i, l) in text.split_inclusive('\n').enumerate() {
            if i + 1 == line {
                return start
                    + l.char_indices()
                        .nth(column.saturating_sub(1))
                        .map_or(l.trim_end_matches('\n').len(), |(b, _)| b);
            }
            start += l.len();
        }
        text.len()
    };
    let a = offset(span.line, span.column);
    let b = offset(span.end_line, span.end_column).max(a);
    a..b
}

/// A file's path for people and tools.
pub(crate) fn path_of(krate: &Crate, span: &Span) -> String {
    krate.files[span.file].path.display().to_string()
}
