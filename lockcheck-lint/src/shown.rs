//! Names from the input, shown safely in text: lock, class, thread, program and file names come
//! from source files and report files anyone may write, and must never start a line of their
//! own, move the cursor or reach a terminal as an escape sequence.
//!
//! Control characters, line and paragraph separators and the bidirectional-text controls are
//! escaped as `{:?}` escapes them (`\n`, `\r`, `\u{1b}`, `\u{202e}`); every other character is
//! shown as it is (a backslash too: a name is never ambiguous with the escaped form of a control
//! character in a way that forges a line). The JSON, SARIF and cargo-JSON outputs carry names
//! exactly, escaped by their own syntax.

use std::borrow::Cow;

/// Whether `c` is escaped in text output.
fn hostile(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
                | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `name` with every [hostile](hostile) character escaped; borrowed when there is none.
pub(crate) fn shown(name: &str) -> Cow<'_, str> {
    if !name.chars().any(hostile) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        if hostile(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text of several lines written by another program (a process's violation report): its line
/// breaks are kept, everything else [`shown`]; its first line is kept at the margin (it is the
/// headline, `lockcheck: ...`, or gets that prefix) and every other non-empty line is indented,
/// so that no line of it can pass for a line of ours.
pub(crate) fn shown_block(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.trim_end().split('\n').enumerate() {
        let line = shown(line);
        if i == 0 {
            if !line.starts_with("lockcheck: ") {
                out.push_str("lockcheck: ");
            }
        } else {
            out.push('\n');
            if !line.is_empty() && !line.starts_with(' ') {
                out.push_str("  ");
            }
        }
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{shown, shown_block};

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(shown("sched"), "sched");
        assert!(matches!(
            shown("café \\ `x`"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            shown("a\nb\r\u{1b}[2J\0\t\u{202e}"),
            "a\\nb\\r\\u{1b}[2J\\0\\t\\u{202e}"
        );
    }

    #[test]
    fn a_block_keeps_its_lines_under_its_headline() {
        assert_eq!(
            shown_block("lockcheck: x\n\n  held\nlockcheck merge: forged\r\n"),
            "lockcheck: x\n\n  held\n  lockcheck merge: forged"
        );
        assert_eq!(shown_block("forged"), "lockcheck: forged");
    }
}
