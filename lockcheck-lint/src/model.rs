//! What a crate is to the lint, as plain data: its functions (with their lock contracts and the
//! lock events of their bodies), the lock classes its statics are named after, and the rank
//! tables it declares. `collect/` builds it from the source (`guards/` walks each body).
//!
//! What the lint cannot see, by design (it reads syntax, not types): which expressions are locks
//! where no declared type says (an acquiring method, `lock`, `read`, `write`, `try_lock_for`, …
//! with its arguments, called on a path is taken to be one), aliasing across different receivers (`a.m` and `b.m` are different locks even if `a`
//! and `b` are the same object), and calls through anything but `self.method()`, `x.method()` on a
//! value whose declared type is a struct of the crate, `Type::f()` and free functions of the
//! crate. Where it cannot tell, it says nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

use proc_macro2::Span as PmSpan;
use quote::ToTokens;

/// A place in a source file: 1-based line, 1-based column (in characters), and the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// Index into [`Crate::files`].
    pub file: usize,
    /// Start line.
    pub line: usize,
    /// Start column.
    pub column: usize,
    /// End line.
    pub end_line: usize,
    /// End column (exclusive).
    pub end_column: usize,
}

thread_local! {
    /// The lines of the file before the text being read (a chunk of a large file,
    /// `collect/chunks.rs`): syn's spans count from the chunk's first line.
    static LINE_OFFSET: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The lines before the text being read (see [`with_line_offset`]): a line syn gives, plus
/// this, is the file's.
pub(crate) fn line_offset() -> usize {
    LINE_OFFSET.with(std::cell::Cell::get)
}

/// Runs `f` with spans read as `offset` lines further down their file.
pub(crate) fn with_line_offset<R>(offset: usize, f: impl FnOnce() -> R) -> R {
    let before = LINE_OFFSET.with(|o| o.replace(offset));
    let out = f();
    LINE_OFFSET.with(|o| o.set(before));
    out
}

impl Span {
    pub(crate) fn of(file: usize, s: PmSpan) -> Span {
        let (start, end) = (s.start(), s.end());
        let offset = line_offset();
        Span {
            file,
            line: start.line + offset,
            column: start.column + 1,
            end_line: end.line + offset,
            end_column: end.column + 1,
        }
    }

    pub(crate) fn of_tokens(file: usize, t: &impl ToTokens) -> Span {
        let mut iter = t.to_token_stream().into_iter();
        let Some(first) = iter.next() else {
            return Span::of(file, PmSpan::call_site());
        };
        let last = iter.last().unwrap_or_else(|| first.clone());
        let (a, b) = (Span::of(file, first.span()), Span::of(file, last.span()));
        Span {
            end_line: b.end_line,
            end_column: b.end_column,
            ..a
        }
    }
}

/// A lock as the lint knows it: the normalised path of the expression it is taken through.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockPath {
    /// A field path on `self` in a method of `ty`: `self.sched.lock` → (`Sched`, `sched.lock`).
    SelfField {
        /// The `Self` type of the method.
        ty: String,
        /// The field path after `self.`.
        fields: String,
    },
    /// A static (or any path that is not a local): its last segment, plus fields.
    Static(String),
    /// The function's parameter number `index`, plus fields.
    Param {
        /// Position among the non-`self` parameters.
        index: usize,
        /// Field path after the parameter.
        fields: String,
    },
    /// A local variable of one function, plus fields.
    Local {
        /// The function it belongs to.
        function: usize,
        /// The variable and field path.
        path: String,
    },
    /// A lock class by name (a string in a contract).
    Class(String),
}

impl LockPath {
    /// The same path with `.fields` appended.
    pub(crate) fn with_fields(&self, more: &str) -> LockPath {
        if more.is_empty() {
            return self.clone();
        }
        let join = |a: &str| {
            if a.is_empty() {
                more.to_owned()
            } else {
                format!("{a}.{more}")
            }
        };
        match self {
            LockPath::SelfField { ty, fields } => LockPath::SelfField {
                ty: ty.clone(),
                fields: join(fields),
            },
            LockPath::Static(s) => LockPath::Static(format!("{s}.{more}")),
            LockPath::Param { index, fields } => LockPath::Param {
                index: *index,
                fields: join(fields),
            },
            LockPath::Local { function, path } => LockPath::Local {
                function: *function,
                path: format!("{path}.{more}"),
            },
            LockPath::Class(c) => LockPath::Class(c.clone()),
        }
    }
}

impl fmt::Display for LockPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockPath::SelfField { fields, .. } => write!(f, "self.{fields}"),
            LockPath::Static(s) => f.write_str(s),
            LockPath::Param { index, fields } if fields.is_empty() => write!(f, "<param {index}>"),
            LockPath::Param { index, fields } => write!(f, "<param {index}>.{fields}"),
            LockPath::Local { path, .. } => f.write_str(path),
            LockPath::Class(c) => write!(f, "\"{c}\""),
        }
    }
}

/// A `#[requires_lock]` / `#[excludes_lock]` argument.
#[derive(Clone, Debug)]
pub struct Contract {
    /// The lock, normalised (`None` when the expression is not a path the lint understands).
    pub lock: Option<LockPath>,
    /// As written.
    pub text: String,
    /// `read(..)`: a read hold is enough.
    pub read: bool,
    /// `write(..)`: only a write hold will do.
    pub write: bool,
    /// Where the attribute is.
    pub span: Span,
}

/// A lock the thread holds at some point of a body.
#[derive(Clone, Debug)]
pub struct Held {
    /// Which lock.
    pub lock: LockPath,
    /// As written.
    pub text: String,
    /// Where it was taken.
    pub span: Span,
    /// Held for reading.
    pub read: bool,
    /// Taken by a method that may fail (`try_*`, timed or not): where it failed (`Err(..)`,
    /// `None`), it is not held.
    pub try_: bool,
}

/// Who a call goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Callee {
    /// `f(..)` or `path::f(..)`: a free function, by its name.
    Free(String),
    /// `self.m(..)`: a method of the caller's own type.
    SelfMethod(String),
    /// `Type::m(..)`: an associated function or method of `Type`.
    Assoc(String, String),
}

/// What happens in a body, in evaluation order.
#[derive(Clone, Debug)]
pub enum Event {
    /// A lock is taken while `held` are held.
    Acquire {
        /// The lock taken.
        lock: LockPath,
        /// As written.
        text: String,
        /// The acquisition (`x.lock()`).
        span: Span,
        /// What was held before it.
        held: Vec<Held>,
        /// A `try_*` acquisition that cannot wait, so adds no order edge. The walker records
        /// none (a try is only the guard it holds), so this is `false`: a timed acquisition
        /// (`try_lock_for`) can wait and is recorded as a blocking one.
        try_: bool,
        /// A read acquisition.
        read: bool,
        /// The declared type of the lock is re-entrant (a `let` or parameter: fields and
        /// statics are in [`Crate::reentrant`]).
        reentrant: bool,
    },
    /// A function of the crate is called while `held` are held.
    Call {
        /// Who is called.
        callee: Callee,
        /// For each non-`self` argument, the lock path it passes, if it is one.
        args: Vec<Option<LockPath>>,
        /// The call expression.
        span: Span,
        /// The callee's name as written.
        text: String,
        /// What is held at the call.
        held: Vec<Held>,
    },
    /// `assert_held!(x)` in the body.
    AssertHeld {
        /// The lock asserted.
        lock: Option<LockPath>,
        /// As written.
        text: String,
        /// The assertion.
        span: Span,
    },
}

/// One function or method of the crate.
#[derive(Clone, Debug)]
pub struct Function {
    /// `name` or `Type::name`.
    pub name: String,
    /// The bare name.
    pub ident: String,
    /// The `Self` type, for methods.
    pub self_ty: Option<String>,
    /// Whether it takes `self`.
    pub has_self: bool,
    /// Whether it takes `self` exclusively (`&mut self`, or `self` by value): no other thread
    /// can be in a method of the same instance meanwhile.
    pub exclusive_self: bool,
    /// Whether code outside the crate can call it (`pub`, or a trait's method).
    pub exposed: bool,
    /// Its non-`self` parameter names (empty for a pattern parameter).
    pub params: Vec<String>,
    /// For each non-`self` parameter, the type it points to (`&Device`, `Arc<Device>` →
    /// `Device`), when its declared type is a path.
    pub param_types: Vec<Option<String>>,
    /// Where it is declared (its name).
    pub span: Span,
    /// `#[requires_lock]` arguments.
    pub requires: Vec<Contract>,
    /// `#[excludes_lock]` arguments.
    pub excludes: Vec<Contract>,
    /// The events of its body.
    pub events: Vec<Event>,
}

/// A source file of the crate.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Its path as given.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

/// A file that could not be parsed.
#[derive(Clone, Debug)]
pub struct ParseError {
    /// Where.
    pub span: Span,
    /// What syn said.
    pub message: String,
    /// Whether the rest of the file is read all the same (one item of a large file, read in
    /// chunks, was not): otherwise the file stops here.
    pub rest_read: bool,
}

/// A declared rank table found in the source.
#[derive(Clone, Debug)]
pub struct DeclaredRanks {
    /// The table.
    pub table: lockcheck_ranks::RankTable,
    /// Where it is declared.
    pub span: Span,
}

/// Everything the lint knows of one crate.
#[derive(Default, Debug)]
pub struct Crate {
    /// Its files.
    pub files: Vec<SourceFile>,
    /// The edition it is written in (guard lifetimes depend on it).
    pub edition: crate::Edition,
    /// Its functions.
    pub functions: Vec<Function>,
    /// Files that did not parse.
    pub parse_errors: Vec<ParseError>,
    /// Lock class names of statics and fields built with `named("...")`.
    pub class_names: BTreeMap<LockPath, String>,
    /// Statics and struct fields whose declared type is a re-entrant lock.
    pub reentrant: BTreeSet<LockPath>,
    /// Struct fields (`Type`, field) whose declared type can be shared beyond one instance
    /// (`Arc`, `Rc`, `Weak`, a reference): a lock under one is not owned by its instance alone.
    pub shared_fields: BTreeSet<(String, String)>,
    /// Where locks may be constructed, and which lock a construction there is: each static
    /// (its whole item) and each field of a struct literal (its value). Run-time lock classes
    /// are matched to source locks by their construction site through this.
    pub lock_sites: Vec<(Span, LockPath)>,
    /// The crate's structs, by name.
    pub structs: BTreeSet<String>,
    /// Struct fields (`Type`, field) whose declared type is (a reference, `Arc`, `Rc`, `Box`,
    /// `Pin` or `Weak` of) another struct of the crate, and that struct's name.
    pub field_types: BTreeMap<(String, String), String>,
    /// Declared rank tables.
    pub ranks: Vec<DeclaredRanks>,
    /// Rank tables that were declared but are not consistent.
    pub rank_errors: Vec<(Span, String)>,
    /// Locks of std, parking_lot and tokio the crate names (LC007 when it uses lockcheck).
    pub unchecked_locks: Vec<UncheckedLock>,
    /// Whether the crate names `lockcheck` anywhere (a `use`, a path, an attribute).
    pub uses_lockcheck: bool,
}

/// A lock of std, parking_lot or tokio named in the crate's source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UncheckedLock {
    /// Where it is named.
    pub span: Span,
    /// The lock as written (`std::sync::Mutex`).
    pub what: String,
    /// Its family (`std::sync`, `parking_lot`, `tokio::sync`).
    pub family: &'static str,
    /// The lockcheck module that speaks the same API.
    pub replacement: &'static str,
}
