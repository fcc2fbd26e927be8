//! The declared rank order: Go's `lockrank.go`, for Rust. Shared by the runtime (which checks
//! acquisitions against it), the `lockcheck::lock_ranks!` macro (which checks a table written in
//! Rust source at compile time) and the static lint (which checks the source against it). A
//! table is text, parsed by [`RankTable::parse`] and its kin, or built with
//! [`RankTable::builder`].
//!
//! The order among named lock classes is written once, in one readable table:
//!
//! ```text
//! # comments run to the end of the line
//! sched < allm, freem;        # sched is taken before allm and before freem
//! allm, freem < trace;        # each of allm and freem before trace
//! trace < traceStackTab;
//! ```
//!
//! A statement is lists of rank names joined by `<` and ended by `;`: `a, b < c < d;` says that
//! `a` and `b` come before `c`, which comes before `d`. The order is transitive. Names are
//! identifiers, possibly with `.`, `-` or `::` inside (`sched.lock`, `m-list`). This is the syntax of
//! `mklockrank.go`, so Go's own table (`go-lockrank.dag`) parses as it is; Go's `NONE` and its
//! ALL-CAPS pseudo-ranks are ordinary names that simply never match a lock.
//!
//! A rank applies to the lock class of the same name (`Mutex::named("sched", ..)`). Acquiring a
//! lock whose rank the table places *before* a rank already held is a violation, reported even
//! the first time that order is taken. Ranks the table leaves unordered may nest either way;
//! learned edges between them are listed in the report as "not implied by the table", so the
//! table cannot drift from the code silently.

#![warn(missing_docs, unreachable_pub)]

use std::collections::{HashMap, VecDeque};
use std::fmt;

/// One declared `a < b` step, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredOrder {
    /// The rank that comes first.
    pub before: String,
    /// The rank that comes after it.
    pub after: String,
    /// Where the table says so: `origin:line`.
    pub declared_at: String,
}

/// A declared, checked-consistent rank order among named lock classes.
///
/// # Examples
///
/// ```
/// use lockcheck_ranks::RankTable;
///
/// let table = RankTable::parse("sched < allm, freem; allm < trace;").unwrap();
/// assert!(table.orders("sched", "trace")); // transitively
/// assert!(!table.orders("trace", "sched"));
/// assert!(!table.orders("freem", "trace")); // unordered
/// ```
#[derive(Clone, Debug)]
pub struct RankTable {
    origin: String,
    names: Vec<String>,
    index: HashMap<String, usize>,
    /// Direct declarations, as written.
    declared: Vec<(usize, usize, u32)>,
    /// `closure[i]` has bit `j` set when rank `i` comes before rank `j`, directly or not.
    closure: Vec<Vec<u64>>,
}

/// Why a rank table was refused: a syntax error with its place, or a declared cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RankError {
    /// The text is not a rank table.
    Syntax {
        /// Where the table came from (a file name, or `<rank table>`).
        origin: String,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// What is wrong there.
        message: String,
    },
    /// The declared order contradicts itself.
    Cycle {
        /// Where the table came from.
        origin: String,
        /// The ranks of the cycle, in order; the first follows the last.
        ranks: Vec<String>,
        /// The line of each declaration in the cycle, in the same order.
        lines: Vec<u32>,
    },
}

impl fmt::Display for RankError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RankError::Syntax {
                origin,
                line,
                column,
                message,
            } => write!(f, "{origin}:{line}:{column}: {message}"),
            RankError::Cycle {
                origin,
                ranks,
                lines,
            } => {
                write!(f, "{origin}: the declared rank order has a cycle: ")?;
                for r in ranks {
                    write!(f, "{r} < ")?;
                }
                write!(f, "{}", ranks.first().map_or("", String::as_str))?;
                let mut at: Vec<String> = lines.iter().map(|l| format!("{origin}:{l}")).collect();
                at.dedup();
                write!(f, " (declared at {})", at.join(", "))
            }
        }
    }
}

impl std::error::Error for RankError {}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Comma,
    Less,
    Semi,
}

fn lex(origin: &str, first_line: u32, text: &str) -> Result<Vec<(Tok, u32, u32)>, RankError> {
    let mut out = Vec::new();
    for (lineno, line) in text.lines().enumerate() {
        let lineno = lineno as u32 + first_line;
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        let mut i = 0;
        while i < chars.len() {
            let (_, c) = chars[i];
            let col = i as u32 + 1;
            match c {
                '#' => break,
                '/' if chars.get(i + 1).map(|p| p.1) == Some('/') => break,
                c if c.is_whitespace() => i += 1,
                ',' => {
                    out.push((Tok::Comma, lineno, col));
                    i += 1;
                }
                '<' => {
                    out.push((Tok::Less, lineno, col));
                    i += 1;
                }
                ';' => {
                    out.push((Tok::Semi, lineno, col));
                    i += 1;
                }
                c if c.is_alphanumeric() || c == '_' => {
                    let start = i;
                    while i < chars.len()
                        && (chars[i].1.is_alphanumeric() || matches!(chars[i].1, '_' | '.' | ':' | '-'))
                    {
                        i += 1;
                    }
                    let name: String = chars[start..i].iter().map(|p| p.1).collect();
                    out.push((Tok::Name(name), lineno, col));
                }
                other => {
                    return Err(RankError::Syntax {
                        origin: origin.to_owned(),
                        line: lineno,
                        column: col,
                        message: format!(
                            "unexpected `{other}`: a rank table holds names, `,`, `<`, `;` and `#` comments"
                        ),
                    })
                }
            }
        }
    }
    Ok(out)
}

impl RankTable {
    /// Parses a table; errors name the place as `<rank table>:line:column`.
    ///
    /// # Errors
    ///
    /// A syntax error with its line and column, or [`RankError::Cycle`] naming every rank of a
    /// declared cycle and the lines that declare it.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockcheck_ranks::RankTable;
    ///
    /// let err = RankTable::parse("a < b;\nb < a;").unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "<rank table>: the declared rank order has a cycle: a < b < a \
    ///      (declared at <rank table>:1, <rank table>:2)"
    /// );
    /// ```
    pub fn parse(text: &str) -> Result<Self, RankError> {
        Self::parse_from("<rank table>", text)
    }

    /// Parses a table read from `origin` (a file name, used in errors and reports).
    ///
    /// # Errors
    ///
    /// As [`RankTable::parse`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockcheck_ranks::RankTable;
    ///
    /// let err = RankTable::parse_from("ranks.dag", "a < ;").unwrap_err();
    /// assert_eq!(err.to_string(), "ranks.dag:1:5: expected a rank name after `<`, found `;`");
    /// ```
    pub fn parse_from(origin: &str, text: &str) -> Result<Self, RankError> {
        Self::parse_at(origin, 1, text)
    }

    /// Parses a table that starts at line `first_line` of `origin` (a table written in Rust
    /// source), so that places name lines of that source: `lockcheck::lock_ranks!` and the lint
    /// pass the table's text as it stands in the source (each token at its line,
    /// `lockcheck_syntax::ranks::table_text`) and the line it starts on, so every declaration
    /// names its own line.
    ///
    /// # Errors
    ///
    /// As [`RankTable::parse`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockcheck_ranks::RankTable;
    ///
    /// let t = RankTable::parse_at("src/ranks.rs", 12, "a < b;").unwrap();
    /// assert_eq!(t.why("a", "b")[0].declared_at, "src/ranks.rs:12");
    /// ```
    pub fn parse_at(origin: &str, first_line: u32, text: &str) -> Result<Self, RankError> {
        let toks = lex(origin, first_line, text)?;
        let mut table = RankTable {
            origin: origin.to_owned(),
            names: Vec::new(),
            index: HashMap::new(),
            declared: Vec::new(),
            closure: Vec::new(),
        };
        let syntax = |line: u32, column: u32, message: String| RankError::Syntax {
            origin: origin.to_owned(),
            line,
            column,
            message,
        };
        let describe = |t: Option<&(Tok, u32, u32)>| match t.map(|t| &t.0) {
            None => "the end of the table".to_owned(),
            Some(Tok::Name(n)) => format!("`{n}`"),
            Some(Tok::Comma) => "`,`".to_owned(),
            Some(Tok::Less) => "`<`".to_owned(),
            Some(Tok::Semi) => "`;`".to_owned(),
        };
        let end = toks.last().map_or((first_line, 1), |t| (t.1, t.2 + 1));
        let mut i = 0;
        while i < toks.len() {
            // One statement: list ('<' list)* ';'
            let mut prev: Vec<usize> = Vec::new();
            let mut after = "the start of a statement";
            loop {
                let mut list = Vec::new();
                loop {
                    match toks.get(i) {
                        Some((Tok::Name(n), line, _)) => {
                            list.push((table.intern(n), *line));
                            i += 1;
                        }
                        other => {
                            let (l, c) = other.map_or(end, |t| (t.1, t.2));
                            return Err(syntax(
                                l,
                                c,
                                format!(
                                    "expected a rank name after {after}, found {}",
                                    describe(other)
                                ),
                            ));
                        }
                    }
                    if matches!(toks.get(i), Some((Tok::Comma, ..))) {
                        i += 1;
                        after = "`,`";
                    } else {
                        break;
                    }
                }
                for &p in &prev {
                    for &(n, line) in &list {
                        if p == n {
                            return Err(RankError::Cycle {
                                origin: origin.to_owned(),
                                ranks: vec![table.names[n].clone()],
                                lines: vec![line],
                            });
                        }
                        table.declared.push((p, n, line));
                    }
                }
                prev = list.into_iter().map(|(n, _)| n).collect();
                match toks.get(i) {
                    Some((Tok::Less, ..)) => {
                        i += 1;
                        after = "`<`";
                    }
                    Some((Tok::Semi, ..)) => {
                        i += 1;
                        break;
                    }
                    other => {
                        let (l, c) = other.map_or(end, |t| (t.1, t.2));
                        return Err(syntax(
                            l,
                            c,
                            format!("expected `,`, `<` or `;`, found {}", describe(other)),
                        ));
                    }
                }
            }
        }
        table.close()?;
        Ok(table)
    }

    /// Starts a table built in code rather than parsed.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockcheck_ranks::RankTable;
    ///
    /// let table = RankTable::builder()
    ///     .order(&["sched"], &["allm", "freem"])
    ///     .order(&["allm"], &["trace"])
    ///     .build()
    ///     .unwrap();
    /// assert!(table.orders("sched", "trace"));
    /// ```
    pub fn builder() -> RankTableBuilder {
        RankTableBuilder {
            text: String::new(),
        }
    }

    fn intern(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len();
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }

    /// Computes the transitive closure, refusing a cycle. O(V·(V+E)) once, at declaration.
    fn close(&mut self) -> Result<(), RankError> {
        let n = self.names.len();
        let words = n.div_ceil(64);
        let mut succ = vec![Vec::new(); n];
        for &(a, b, _) in &self.declared {
            succ[a].push(b);
        }
        let mut closure = vec![vec![0u64; words]; n];
        for (start, row) in closure.iter_mut().enumerate() {
            let mut stack = succ[start].clone();
            while let Some(x) = stack.pop() {
                if x == start {
                    return Err(self.cycle_through(start));
                }
                if row[x / 64] & (1 << (x % 64)) == 0 {
                    row[x / 64] |= 1 << (x % 64);
                    stack.extend(succ[x].iter().copied());
                }
            }
        }
        self.closure = closure;
        Ok(())
    }

    fn cycle_through(&self, start: usize) -> RankError {
        let path = self.declared_path(start, start).unwrap_or_default();
        RankError::Cycle {
            origin: self.origin.clone(),
            ranks: path
                .iter()
                .map(|&(a, _, _)| self.names[a].clone())
                .collect(),
            lines: path.iter().map(|&(_, _, l)| l).collect(),
        }
    }

    /// The shortest chain of declarations `from < … < to` (a cycle when `from == to`).
    fn declared_path(&self, from: usize, to: usize) -> Option<Vec<(usize, usize, u32)>> {
        let mut parent: HashMap<usize, (usize, u32)> = HashMap::new();
        let mut queue = VecDeque::from([from]);
        while let Some(x) = queue.pop_front() {
            for &(a, b, line) in self.declared.iter().filter(|d| d.0 == x) {
                if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(b) {
                    e.insert((a, line));
                    if b == to {
                        let mut path = vec![(a, b, line)];
                        let mut at = a;
                        while at != from {
                            let (p, l) = parent[&at];
                            path.push((p, at, l));
                            at = p;
                        }
                        path.reverse();
                        return Some(path);
                    }
                    queue.push_back(b);
                }
            }
        }
        None
    }

    /// Whether the table says `before` must be acquired before `after` (directly or
    /// transitively). Unknown names are ordered with nothing. O(1).
    pub fn orders(&self, before: &str, after: &str) -> bool {
        match (self.index.get(before), self.index.get(after)) {
            (Some(&a), Some(&b)) => self.closure[a][b / 64] & (1 << (b % 64)) != 0,
            _ => false,
        }
    }

    /// Whether `name` has a rank in this table.
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// Every rank name, in order of first appearance.
    pub fn ranks(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Where the table came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The declarations that make `before < after`, shortest chain first written, each with
    /// its place; empty when the table does not order them.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockcheck_ranks::RankTable;
    ///
    /// let t = RankTable::parse_from("r.dag", "a < b;\nb < c;").unwrap();
    /// let why = t.why("a", "c");
    /// assert_eq!(why.len(), 2);
    /// assert_eq!(why[1].declared_at, "r.dag:2");
    /// ```
    pub fn why(&self, before: &str, after: &str) -> Vec<DeclaredOrder> {
        let (Some(&a), Some(&b)) = (self.index.get(before), self.index.get(after)) else {
            return Vec::new();
        };
        self.declared_path(a, b)
            .unwrap_or_default()
            .into_iter()
            .map(|(x, y, line)| DeclaredOrder {
                before: self.names[x].clone(),
                after: self.names[y].clone(),
                declared_at: format!("{}:{line}", self.origin),
            })
            .collect()
    }
}

/// Builds a [`RankTable`] in code: each `order(before, after)` is one `before < after;` line.
#[derive(Clone, Debug)]
pub struct RankTableBuilder {
    text: String,
}

impl RankTableBuilder {
    /// Declares every rank of `before` to come before every rank of `after`.
    pub fn order(mut self, before: &[&str], after: &[&str]) -> Self {
        self.text.push_str(&before.join(", "));
        self.text.push_str(" < ");
        self.text.push_str(&after.join(", "));
        self.text.push_str(";\n");
        self
    }

    /// Declares a chain `a < b < c …`.
    pub fn chain(mut self, ranks: &[&str]) -> Self {
        self.text.push_str(&ranks.join(" < "));
        self.text.push_str(";\n");
        self
    }

    /// Checks and builds the table.
    ///
    /// # Errors
    ///
    /// A declared cycle, or a name that is not a rank name (each line of the error is one
    /// `order`/`chain` call).
    pub fn build(self) -> Result<RankTable, RankError> {
        RankTable::parse_from("<rank builder>", &self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_runtime_table_parses_and_orders() {
        let text = include_str!("../../data/go-lockrank.dag");
        let t = RankTable::parse_from("go-lockrank.dag", text).unwrap();
        assert!(t.orders("sched", "allg"));
        assert!(t.orders("sched", "trace"));
        assert!(!t.orders("trace", "sched"));
        assert!(t.orders("allocmR", "sched"));
        assert!(t.ranks().count() >= 70);
    }

    #[test]
    fn syntax_errors_say_where() {
        let e = RankTable::parse_from("f", "a < b\nc;").unwrap_err();
        assert_eq!(e.to_string(), "f:2:1: expected `,`, `<` or `;`, found `c`");
        let e = RankTable::parse_from("f", "a < b").unwrap_err();
        assert_eq!(
            e.to_string(),
            "f:1:6: expected `,`, `<` or `;`, found the end of the table"
        );
        let e = RankTable::parse_from("f", "a > b;").unwrap_err();
        assert!(e.to_string().starts_with("f:1:3: unexpected `>`"), "{e}");
        let e = RankTable::parse_from("f", "a < a;").unwrap_err();
        assert!(matches!(e, RankError::Cycle { .. }));
    }

    #[test]
    fn longer_cycle_is_named_in_order() {
        let e = RankTable::parse_from("f", "a < b;\nb < c;\nc < a;\nx < y;").unwrap_err();
        let RankError::Cycle { ranks, lines, .. } = e else {
            panic!("not a cycle")
        };
        assert_eq!(ranks, ["a", "b", "c"]);
        assert_eq!(lines, [1, 2, 3]);
    }
}
