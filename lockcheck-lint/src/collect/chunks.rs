//! A large file read a few items at a time.
//!
//! syn's syntax tree takes about a hundred times the size of its text, so a whole 50 MB file of
//! generated code would take gigabytes. Nothing the lint learns from an item needs the trees of
//! the items around it (a file's items are visited one after another, whatever tree they come
//! from), so a large file is cut between top-level items into chunks of about
//! [`CHUNK_BYTES`], each parsed, visited and dropped before the next: the trees in memory at
//! once are one chunk's, and the lint's memory is its text plus a bounded tree.
//!
//! The cut is found without parsing, by a scanner that knows Rust's comments, string, raw
//! string, byte and character literals and brackets: a cut goes at the start of a line outside
//! every bracket, after a line whose last token is `;` or `}` (an item's end). Each chunk starts
//! a line, so its spans are the file's with a line offset (`model::Span::of`). A chunk that
//! does not parse on its own (a cut the scanner got wrong) sends the file back to being read
//! whole.

/// Files larger than this are read in chunks.
pub(crate) const CHUNKED_ABOVE: usize = 1 << 20;

/// The size a chunk grows to before it is cut (at the next item's end).
pub(crate) const CHUNK_BYTES: usize = 256 << 10;

/// The most text parsed at once: a whole file up to this size (a chunk that does not parse
/// alone sends it back to being read whole), and one item of a larger file (an item larger
/// than this, generated data most likely, is named as an error and not read). Its syntax tree
/// takes about a hundred times as much.
pub(crate) const MAX_PARSED_BYTES: usize = 8 << 20;

/// One chunk: its byte range in the file and the number of lines of the file before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) line_offset: usize,
}

/// `text` cut between top-level items into chunks of at least `target` bytes (the last may be
/// smaller; a chunk is larger when one item is, and such an item is a chunk of its own).
pub(crate) fn chunks(text: &str, target: usize) -> Vec<Chunk> {
    let mut out = Vec::new();
    let (mut start, mut start_line) = (0, 0);
    let (mut previous, mut previous_line) = (0, 0);
    for (at, line) in item_boundaries(text) {
        // An item larger than a chunk: the items before it go on their own.
        if at - previous > target.max(1) && previous > start {
            out.push(Chunk {
                start,
                end: previous,
                line_offset: start_line,
            });
            (start, start_line) = (previous, previous_line);
        }
        (previous, previous_line) = (at, line);
        if at - start >= target.max(1) {
            out.push(Chunk {
                start,
                end: at,
                line_offset: start_line,
            });
            (start, start_line) = (at, line);
        }
    }
    if text.len() - previous > target.max(1) && previous > start {
        out.push(Chunk {
            start,
            end: previous,
            line_offset: start_line,
        });
        (start, start_line) = (previous, previous_line);
    }
    if start < text.len() || out.is_empty() {
        out.push(Chunk {
            start,
            end: text.len(),
            line_offset: start_line,
        });
    }
    out
}

/// The byte offsets (and the 0-based line numbers) of the line starts where a top-level item
/// may begin: outside every bracket, comment and literal, after a line that ends an item.
fn item_boundaries(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line, mut depth) = (0usize, 0usize, 0usize);
    // The last byte of the last token seen (comments and whitespace are none).
    let mut last = 0u8;
    // Where the previous identifier-like token ended (for `r"`, `b'`, and lifetimes).
    let mut in_word = false;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
                in_word = false;
                if depth == 0 && matches!(last, b';' | b'}') {
                    out.push((i, line));
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                // To the end of the line (the newline itself is handled above).
                i = memchr(b'\n', b, i).unwrap_or(b.len());
                in_word = false;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let (end, lines) = block_comment_end(b, i);
                line += lines;
                i = end;
                in_word = false;
                continue;
            }
            b'"' => {
                let (end, lines) = string_end(b, i + 1);
                line += lines;
                i = end;
                last = b'"';
                in_word = false;
                continue;
            }
            // A raw string (`r"`, `r#"`, and the byte and C ones, `br"`, `cr"`).
            b'r' | b'b' | b'c' if !in_word => {
                let r = if c == b'r' { i } else { i + 1 };
                if let Some(hashes) = (b.get(r) == Some(&b'r'))
                    .then(|| raw_string_start(b, r + 1))
                    .flatten()
                {
                    let (end, lines) = raw_string_end(b, r + 2 + hashes, hashes);
                    line += lines;
                    i = end;
                    last = b'"';
                    in_word = false;
                    continue;
                }
            }
            b'\'' => {
                // A character literal (`'a'`, `'\n'`, `'\u{1F600}'`), or a lifetime or label
                // (`'a`), which has no closing quote.
                if let Some(end) = char_literal_end(text, i) {
                    i = end;
                    last = b'\'';
                    in_word = false;
                    continue;
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !c.is_ascii_whitespace() {
            last = c;
        }
        in_word = c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
        i += 1;
    }
    out
}

fn memchr(needle: u8, b: &[u8], from: usize) -> Option<usize> {
    b[from..]
        .iter()
        .position(|&c| c == needle)
        .map(|p| from + p)
}

/// The end of the (nested) block comment starting at `at`, and the newlines in it.
fn block_comment_end(b: &[u8], at: usize) -> (usize, usize) {
    let (mut i, mut depth, mut lines) = (at + 2, 1usize, 0usize);
    while i < b.len() {
        match (b[i], b.get(i + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                i += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return (i, lines);
                }
            }
            (b'\n', _) => {
                lines += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    (b.len(), lines)
}

/// The end of a string whose body starts at `at` (escapes skipped), and the newlines in it.
fn string_end(b: &[u8], at: usize) -> (usize, usize) {
    let (mut i, mut lines) = (at, 0usize);
    while i < b.len() {
        match b[i] {
            b'\\' => {
                if b.get(i + 1) == Some(&b'\n') {
                    lines += 1;
                }
                i += 2;
            }
            b'"' => return (i + 1, lines),
            b'\n' => {
                lines += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    (b.len(), lines)
}

/// After an `r` at `at - 1`: the number of `#` of a raw string that starts here (`r"`, `r#"`),
/// or `None`.
fn raw_string_start(b: &[u8], at: usize) -> Option<usize> {
    let hashes = b[at.min(b.len())..]
        .iter()
        .take_while(|&&c| c == b'#')
        .count();
    (b.get(at + hashes) == Some(&b'"')).then_some(hashes)
}

/// The end of a raw string whose body starts at `at`, closed by `"` and `hashes` `#`.
fn raw_string_end(b: &[u8], at: usize, hashes: usize) -> (usize, usize) {
    let (mut i, mut lines) = (at, 0usize);
    while i < b.len() {
        match b[i] {
            b'"' if b[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == b'#')
                .count()
                == hashes =>
            {
                return (i + 1 + hashes, lines);
            }
            b'\n' => lines += 1,
            _ => {}
        }
        i += 1;
    }
    (b.len(), lines)
}

/// The end of the character literal starting with the quote at `at`, or `None` for a lifetime
/// or label.
fn char_literal_end(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at + 1..];
    let mut chars = rest.char_indices();
    let (_, first) = chars.next()?;
    if first == '\\' {
        // An escape (`'\''`, `'\u{..}'`): the escaped character, then the closing quote.
        let close = rest.get(2..)?.find(['\'', '\n'])? + 2;
        return (rest.as_bytes()[close] == b'\'').then_some(at + 1 + close + 1);
    }
    let (second_at, second) = chars.next()?;
    (second == '\'' && first != '\n').then_some(at + 1 + second_at + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str, target: usize) -> Vec<&str> {
        chunks(text, target)
            .into_iter()
            .map(|c| &text[c.start..c.end])
            .collect()
    }

    #[test]
    fn cuts_go_between_items_only() {
        let src = "use a::b;\nfn f() {\n    let x = 1;\n}\nstruct S {\n    a: u8,\n}\nconst C: &str = \"};\n\";\nfn g() {}\n";
        let got = texts(src, 1);
        assert_eq!(
            got,
            [
                "use a::b;\n",
                "fn f() {\n    let x = 1;\n}\n",
                "struct S {\n    a: u8,\n}\n",
                "const C: &str = \"};\n\";\n",
                "fn g() {}\n",
            ]
        );
        assert_eq!(got.concat(), src);
        let offsets: Vec<usize> = chunks(src, 1).iter().map(|c| c.line_offset).collect();
        assert_eq!(offsets, [0, 1, 4, 7, 9]);
    }

    #[test]
    fn an_item_larger_than_a_chunk_is_a_chunk_of_its_own() {
        let big = format!("const BIG: &str = \"{}\";\n", "x".repeat(100));
        let src = format!("fn a() {{}}\nfn b() {{}}\n{big}fn c() {{}}\n{big}");
        assert_eq!(
            texts(&src, 30),
            [
                "fn a() {}\nfn b() {}\n",
                big.as_str(),
                "fn c() {}\n",
                big.as_str()
            ]
        );
    }

    #[test]
    fn comments_literals_and_lifetimes_do_not_cut() {
        let src = "fn f<'a>(x: &'a str) -> char {\n    // };\n    /* nested /* };\n */ };\n */\n    let r = r#\"\"};\n\"#;\n    let br = br\"};\n\";\n    let c = '}';\n    let d = '\\'';\n    let e = b'{';\n    'l: loop { break 'l; }\n    '{'\n}\nfn g() {}\n";
        let got = texts(src, 1);
        assert_eq!(got.len(), 2, "{got:#?}");
        assert_eq!(got[1], "fn g() {}\n");
        assert!(syn::parse_file(got[0]).is_ok(), "{}", got[0]);
    }

    #[test]
    fn a_small_target_keeps_attributes_and_docs_with_their_items() {
        let src =
            "/// Doc.\n#[derive(Debug)]\nstruct A;\n#[cfg(test)]\nmod t {\n    fn x() {}\n}\n";
        let got = texts(src, 1);
        assert_eq!(
            got,
            [
                "/// Doc.\n#[derive(Debug)]\nstruct A;\n",
                "#[cfg(test)]\nmod t {\n    fn x() {}\n}\n"
            ]
        );
        for c in &got {
            assert!(syn::parse_file(c).is_ok(), "{c}");
        }
    }
}
