//! What a crate is to the lint: its functions (with their lock contracts and the lock events of
//! their bodies, from `guards.rs`), the lock classes its statics are named after, and the rank
//! tables it declares.
//!
//! What the lint cannot see, by design (it reads syntax, not types): which expressions are locks
//! (a method named `lock`, `read`, `write`, … called with no arguments on a path is taken to be
//! one), aliasing across different receivers (`a.m` and `b.m` are different locks even if `a`
//! and `b` are the same object), and calls through anything but `self.method()`, `Type::f()` and
//! free functions of the crate. Where it cannot tell, it says nothing.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use proc_macro2::Span as PmSpan;
use quote::ToTokens;
use syn::visit::Visit;

use crate::guards;

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

impl Span {
    pub(crate) fn of(file: usize, s: PmSpan) -> Span {
        let (start, end) = (s.start(), s.end());
        Span {
            file,
            line: start.line,
            column: start.column + 1,
            end_line: end.line,
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
    /// Taken by a `try_*` method.
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
        /// A `try_*` acquisition: it cannot block, so it adds no order edge.
        try_: bool,
        /// A read acquisition.
        read: bool,
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
    /// Its non-`self` parameter names (empty for a pattern parameter).
    pub params: Vec<String>,
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
    /// Its functions.
    pub functions: Vec<Function>,
    /// Files that did not parse.
    pub parse_errors: Vec<ParseError>,
    /// Lock class names of statics and fields built with `named("...")`.
    pub class_names: BTreeMap<LockPath, String>,
    /// Declared rank tables.
    pub ranks: Vec<DeclaredRanks>,
    /// Rank tables that were declared but are not consistent.
    pub rank_errors: Vec<(Span, String)>,
}

impl Crate {
    /// Reads and models `files` (their text already loaded). A file that does not parse is
    /// recorded in [`Crate::parse_errors`]; the others are modelled.
    pub fn build(files: Vec<SourceFile>) -> Crate {
        let mut krate = Crate {
            files,
            ..Crate::default()
        };
        for index in 0..krate.files.len() {
            match syn::parse_file(&krate.files[index].text) {
                Ok(ast) => {
                    let mut collector = Collector {
                        krate: &mut krate,
                        file: index,
                        self_ty: Vec::new(),
                    };
                    collector.visit_file(&ast);
                }
                Err(e) => krate.parse_errors.push(ParseError {
                    span: Span::of(index, e.span()),
                    message: e.to_string(),
                }),
            }
        }
        krate
    }
}

/// The last segment of a type's path (`crate::sched::Sched<T>` → `Sched`).
fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => None,
    }
}

/// Whether an attribute is `#[requires_lock]` / `#[excludes_lock]` (by any path ending so).
fn attr_is(attr: &syn::Attribute, name: &str) -> bool {
    attr.path().segments.last().is_some_and(|s| s.ident == name)
}

struct Collector<'a> {
    krate: &'a mut Crate,
    file: usize,
    self_ty: Vec<Option<String>>,
}

impl Collector<'_> {
    fn function(
        &mut self,
        attrs: &[syn::Attribute],
        sig: &syn::Signature,
        body: Option<&syn::Block>,
    ) {
        let self_ty = self.self_ty.last().cloned().flatten();
        let id = self.krate.functions.len();
        let params: Vec<String> = sig
            .inputs
            .iter()
            .filter_map(|a| match a {
                syn::FnArg::Typed(t) => Some(match &*t.pat {
                    syn::Pat::Ident(i) => i.ident.to_string(),
                    _ => String::new(),
                }),
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        let has_self = sig.receiver().is_some();
        let scope = guards::FnScope {
            id,
            file: self.file,
            self_ty: self_ty.clone(),
            params: params.clone(),
        };
        let contracts = |name: &str| -> Vec<Contract> {
            attrs
                .iter()
                .filter(|a| attr_is(a, name))
                .flat_map(|a| {
                    let span = Span::of_tokens(self.file, a);
                    let args = a
                        .parse_args_with(
                            syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
                        )
                        .unwrap_or_default();
                    args.into_iter()
                        .map(|e| {
                            let (read, write, inner) = match &e {
                                syn::Expr::Call(c) if c.args.len() == 1 => match &*c.func {
                                    syn::Expr::Path(p) if p.path.is_ident("read") => {
                                        (true, false, c.args[0].clone())
                                    }
                                    syn::Expr::Path(p) if p.path.is_ident("write") => {
                                        (false, true, c.args[0].clone())
                                    }
                                    _ => (false, false, e.clone()),
                                },
                                _ => (false, false, e.clone()),
                            };
                            Contract {
                                lock: scope.contract_path(&inner),
                                text: guards::text_of(&inner),
                                read,
                                write,
                                span,
                            }
                        })
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        let requires = contracts("requires_lock");
        let excludes = contracts("excludes_lock");
        let events = body.map(|b| guards::walk(&scope, b)).unwrap_or_default();
        let name = match &self_ty {
            Some(t) => format!("{t}::{}", sig.ident),
            None => sig.ident.to_string(),
        };
        self.krate.functions.push(Function {
            name,
            ident: sig.ident.to_string(),
            self_ty,
            has_self,
            params,
            span: Span::of(self.file, sig.ident.span()),
            requires,
            excludes,
            events,
        });
    }

    /// `static X: Mutex<T> = Mutex::named("x", ..)` and struct literal fields `f: Mutex::named(..)`.
    fn named_class(expr: &syn::Expr) -> Option<String> {
        let syn::Expr::Call(call) = expr else {
            return None;
        };
        let syn::Expr::Path(p) = &*call.func else {
            return None;
        };
        if p.path.segments.last()?.ident != "named" {
            return None;
        }
        match call.args.first()? {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        }
    }

    fn rank_macro(&mut self, mac: &syn::Macro) {
        if mac
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "lock_ranks")
        {
            let span = Span::of_tokens(self.file, mac);
            let origin = self.krate.files[self.file].path.display().to_string();
            let table = mac.tokens.to_string();
            match lockcheck_ranks::RankTable::parse_at(&origin, span.line as u32, &table) {
                Ok(table) => self.krate.ranks.push(DeclaredRanks { table, span }),
                Err(e) => self.krate.rank_errors.push((span, e.to_string())),
            }
        }
    }
}

/// `#[cfg(test)]`: test code deliberately misuses locks and rank tables; the lint reads the
/// code that ships.
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test")
    })
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item(&mut self, i: &'ast syn::Item) {
        let attrs = match i {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(im) => &im.attrs,
            _ => return syn::visit::visit_item(self, i),
        };
        if !is_test_only(attrs) {
            syn::visit::visit_item(self, i);
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.self_ty.push(None);
        self.function(&f.attrs, &f.sig, Some(&f.block));
        syn::visit::visit_item_fn(self, f);
        self.self_ty.pop();
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        self.self_ty.push(type_name(&i.self_ty));
        syn::visit::visit_item_impl(self, i);
        self.self_ty.pop();
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.function(&f.attrs, &f.sig, Some(&f.block));
        syn::visit::visit_impl_item_fn(self, f);
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        self.self_ty.push(Some(t.ident.to_string()));
        syn::visit::visit_item_trait(self, t);
        self.self_ty.pop();
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        self.function(&f.attrs, &f.sig, f.default.as_ref());
        syn::visit::visit_trait_item_fn(self, f);
    }

    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        if let Some(class) = Self::named_class(&s.expr) {
            self.krate
                .class_names
                .insert(LockPath::Static(s.ident.to_string()), class);
        }
        syn::visit::visit_item_static(self, s);
    }

    fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
        if let Some(ty) = e.path.segments.last().map(|s| s.ident.to_string()) {
            let ty = if ty == "Self" {
                self.self_ty.last().cloned().flatten().unwrap_or(ty)
            } else {
                ty
            };
            for f in &e.fields {
                if let (syn::Member::Named(name), Some(class)) =
                    (&f.member, Self::named_class(&f.expr))
                {
                    self.krate.class_names.insert(
                        LockPath::SelfField {
                            ty: ty.clone(),
                            fields: name.to_string(),
                        },
                        class,
                    );
                }
            }
        }
        syn::visit::visit_expr_struct(self, e);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.rank_macro(m);
        syn::visit::visit_macro(self, m);
    }

    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        // `RankTable::parse("a < b;")` / `parse_from(origin, "...")` with a literal table.
        if let syn::Expr::Call(call) = e {
            if let syn::Expr::Path(p) = &*call.func {
                let segs = guards::segments(&p.path);
                let n = segs.len();
                if n >= 2
                    && segs[n - 2] == "RankTable"
                    && (segs[n - 1] == "parse" || segs[n - 1] == "parse_from")
                {
                    if let Some(syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    })) = call.args.last()
                    {
                        let span = Span::of_tokens(self.file, call);
                        let origin = self.krate.files[self.file].path.display().to_string();
                        match lockcheck_ranks::RankTable::parse_at(
                            &origin,
                            span.line as u32,
                            &s.value(),
                        ) {
                            Ok(table) => self.krate.ranks.push(DeclaredRanks { table, span }),
                            Err(err) => self.krate.rank_errors.push((span, err.to_string())),
                        }
                    }
                }
            }
        }
        syn::visit::visit_expr(self, e);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.self_ty.push(None);
        syn::visit::visit_item_mod(self, m);
        self.self_ty.pop();
    }
}
