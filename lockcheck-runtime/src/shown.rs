//! Names shown safely in text: lock classes, threads, programs, files and contract names come
//! from the user's code and environment (`named("..")`, a thread's name, a file's path), and a
//! report's text must never let one start a line of its own, move the cursor or send an escape
//! sequence to a terminal.
//!
//! Control characters, line and paragraph separators and the bidirectional-text controls are
//! escaped as `{:?}` escapes them (`\n`, `\r`, `\u{1b}`, `\u{202e}`); everything else is shown
//! as it is. The JSON form carries names exactly (escaped by JSON's own syntax); the DOT form has
//! its own quoting (`report/dot.rs`).

use std::borrow::Cow;

/// Whether `c` is escaped in text.
pub(crate) fn hostile(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
                | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `name` with every [hostile] character escaped; borrowed when there is none (the usual case:
/// no allocation).
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

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert!(matches!(
            shown("sched `x` é \\"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            shown("a\nb\r\u{1b}[2J\0\t\u{202e}"),
            "a\\nb\\r\\u{1b}[2J\\0\\t\\u{202e}"
        );
    }
}
