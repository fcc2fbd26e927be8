//! Guard lifetimes: walks a function body in evaluation order and records, at each acquisition
//! and each call, which guards are live. This is where such tools are wrong most, so it follows
//! the temporary scopes rustc implements (checked against rustc by `tests/drop_order.rs`):
//!
//! - `let g = x.lock();` lives to the end of its block or until it is moved (`drop(g)`, `f(g)`,
//!   `let h = g;`, the lock then held through `h`); lending it (`f(&g)`) keeps it held;
//!   shadowing does not drop it; `let _ = x.lock();` drops it at once; `let r = &x.lock();`
//!   extends the temporary to the block.
//! - A temporary guard lives to the end of the enclosing statement (so both operands of `+`,
//!   `==`, every field of a struct literal, every argument of a macro such as `assert!` are
//!   alive together); but the left operand of `&&`/`||` and a match guard drop theirs first; a
//!   block's tail expression's temporaries live to the end of the statement that encloses it
//!   (before edition 2024).
//! - The scrutinee of `match`, `if let`, `while let` and the iterator of `for` live for the
//!   whole construct, except that from edition 2024 an `if let` scrutinee's temporaries drop
//!   before its `else` block; in a let chain (`if let A = a && c`, edition 2024) each `let`'s
//!   scrutinee lives through the then branch; a plain `if`/`while` condition's temporaries are
//!   dropped before the body; a `let … else` initialiser's before the `else` block.
//! - From edition 2024 a block's tail-expression temporaries drop at the end of the block.
//! - The right-hand side of `=` (and of compound assignment on primitives) is evaluated before
//!   its left; a method's receiver before (and, if a temporary, during) its arguments.
//! - `try_*` acquisitions add no order edge, but the lock is held afterwards, except where the
//!   try failed (`Err`/`None` arms, the `else` of `if let Ok(..)`).
//! - Branches are walked one after the other from the same state; a guard released in any
//!   branch counts as released after the construct (silence rather than a guess). A closure or
//!   `async` block is walked on its own, from an empty held set: it runs later.
//!
//! - A guard stored into another value stays held as long as that value: a struct literal or
//!   tuple that takes it is bound with its guards (`let ctx = Ctx { a: a.lock() }`), a guard
//!   pushed into a local collection (`push`, `push_back`, `push_front`, `insert`) is the
//!   collection's, a guard assigned to a local (or a parameter) is that local's (its old guard
//!   dropped), and a guard assigned to anything else (`self.slot = Some(m.lock())`) is held for
//!   the rest of the function. A guard passed by value to any other call is moved away.

use lockcheck_syntax::contract::parse_assertion;
use lockcheck_syntax::methods::{acquire_method, AcquireMethod, PASS_THROUGH};
use lockcheck_syntax::text::normalized as text_of;
use quote::ToTokens;
use syn::{Block, Expr, Pat, Stmt};

use crate::lock_kind::{Declared, DeclaredType, LockKind};
use crate::model::{Callee, Event, Held, LockPath, Span};
use crate::type_keys::TypeKeys;

/// Accessors that return a lock: (`Self` type, method) → the field path on `self` they return.
pub(crate) type AccessorMap = std::collections::BTreeMap<(String, String), String>;

/// Functions that return a guard of a lock of `self` (`fn state(&self) -> MutexGuard<'_, S> {
/// self.state.lock().unwrap() }`): (`Self` type, method) → the field path and the acquiring
/// method. A call to one is an acquisition, and the guard is held where it goes.
pub(crate) type GuardReturners =
    std::collections::BTreeMap<(String, String), (String, AcquireMethod)>;

/// The lock acquisition a guard-returning body's tail is: `self.a.lock()`, through
/// `.unwrap()` / `.expect(..)` / `?`.
pub(crate) fn returned_acquisition(e: &Expr) -> Option<(String, AcquireMethod)> {
    match strip_parens(e) {
        Expr::Try(t) => returned_acquisition(&t.expr),
        Expr::MethodCall(m) if PASS_THROUGH.contains(&m.method.to_string().as_str()) => {
            returned_acquisition(&m.receiver)
        }
        Expr::MethodCall(m) => {
            let method = acquire_method(&m.method.to_string(), m.args.len())?;
            Some((self_field_path(&m.receiver)?, method))
        }
        _ => None,
    }
}

/// What a body is walked in: the function's identity, `Self` type and parameters, and the
/// crate's lock accessors.
pub(crate) struct FnScope {
    pub(crate) id: usize,
    pub(crate) file: usize,
    pub(crate) self_ty: Option<String>,
    pub(crate) params: Vec<String>,
    pub(crate) edition: crate::Edition,
    /// Each non-`self` parameter's declared type.
    pub(crate) param_types: Vec<Option<DeclaredType>>,
    pub(crate) declared: std::rc::Rc<Declared>,
    /// The module the function is in, and the crate's type names (`type_keys.rs`).
    pub(crate) module: String,
    pub(crate) keys: std::rc::Rc<TypeKeys>,
    pub(crate) accessors: std::rc::Rc<AccessorMap>,
    pub(crate) guard_returners: std::rc::Rc<GuardReturners>,
}

/// The field path on `self` an accessor's body returns: `&self.a.b`, `self.a.b`,
/// `self.a.clone()` (an `Arc` of the lock), `&*self.a` → `a.b` / `a`.
pub(crate) fn self_field_path(e: &Expr) -> Option<String> {
    let e = match strip_parens(e) {
        Expr::Reference(r) => strip_parens(&r.expr),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => strip_parens(&u.expr),
        Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => {
            strip_parens(&m.receiver)
        }
        e => e,
    };
    let e = match e {
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => strip_parens(&u.expr),
        e => e,
    };
    let (fields, base) = field_chain(e, strip_parens);
    (!fields.is_empty() && is_self(base)).then_some(fields)
}

impl FnScope {
    /// The lock path of a contract argument (evaluated at function entry: no locals yet).
    pub(crate) fn contract_path(&self, e: &Expr) -> Option<LockPath> {
        if let Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = e
        {
            return Some(LockPath::Class(s.value()));
        }
        let w = Walker::new(self);
        w.lock_path(e).map(|(p, _)| p)
    }
}

/// Walks `body` and returns its events.
pub(crate) fn walk(scope: &FnScope, body: &Block) -> Vec<Event> {
    let mut w = Walker::new(scope);
    w.temps.push(Vec::new());
    let v = w.block(body);
    w.release_val(v);
    let top = w.temps.pop().unwrap_or_default();
    w.release_all(top);
    w.events
}

#[derive(Clone)]
struct Guard {
    id: usize,
    held: Held,
}

#[derive(Clone)]
struct Binding {
    name: String,
    /// The guards it owns: one (`let g = m.lock()`), several (`let ctx = Ctx { a: a.lock(),
    /// b: b.lock() }`, a `Vec` guards were pushed into), or none.
    guards: Vec<usize>,
    alias: Option<(LockPath, String)>,
    /// Its declared type (`let m: Mutex<..>`, `let m = Mutex::new(..)`), when the source says.
    declared: Option<DeclaredType>,
}

/// The value of an expression, as far as guards go.
enum Val {
    None,
    Guard(usize),
    Guards(Vec<usize>),
}

impl Val {
    /// The guards the value holds.
    fn ids(&self) -> Vec<usize> {
        match self {
            Val::None => Vec::new(),
            Val::Guard(id) => vec![*id],
            Val::Guards(ids) => ids.clone(),
        }
    }
}

struct Walker<'s> {
    scope: &'s FnScope,
    /// The method call being walked is the operand of `.await`.
    awaited: bool,
    live: Vec<Guard>,
    next: usize,
    bindings: Vec<Vec<Binding>>,
    temps: Vec<Vec<usize>>,
    events: Vec<Event>,
}

impl<'s> Walker<'s> {
    fn new(scope: &'s FnScope) -> Self {
        Walker {
            scope,
            awaited: false,
            live: Vec::new(),
            next: 0,
            bindings: vec![Vec::new()],
            temps: Vec::new(),
            events: Vec::new(),
        }
    }

    fn span(&self, t: &impl ToTokens) -> Span {
        Span::of_tokens(self.scope.file, t)
    }

    fn held(&self) -> Vec<Held> {
        self.live.iter().map(|g| g.held.clone()).collect()
    }

    fn is_live(&self, id: usize) -> bool {
        self.live.iter().any(|g| g.id == id)
    }

    fn release(&mut self, id: usize) {
        self.live.retain(|g| g.id != id);
    }

    fn release_all(&mut self, ids: Vec<usize>) {
        for id in ids.into_iter().rev() {
            self.release(id);
        }
    }

    fn release_val(&mut self, v: Val) {
        match v {
            Val::None => {}
            Val::Guard(id) => self.release(id),
            Val::Guards(ids) => self.release_all(ids),
        }
    }

    /// A value nobody binds: its guards are temporaries of the current temporary scope.
    fn temp(&mut self, v: Val) {
        let ids = v.ids();
        if ids.is_empty() {
            return;
        }
        match self.temps.last_mut() {
            Some(t) => t.extend(ids),
            None => self.release_all(ids),
        }
    }

    fn with_temps<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        self.temps.push(Vec::new());
        let r = f(self);
        let ids = self.temps.pop().unwrap_or_default();
        self.release_all(ids);
        r
    }

    fn lookup(&self, name: &str) -> Option<&Binding> {
        self.bindings
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|b| b.name == name)
    }

    fn bind(&mut self, name: String, guard: Option<usize>, alias: Option<(LockPath, String)>) {
        self.bind_guards(name, guard.into_iter().collect(), alias);
    }

    fn bind_guards(&mut self, name: String, guards: Vec<usize>, alias: Option<(LockPath, String)>) {
        if let Some(s) = self.bindings.last_mut() {
            s.push(Binding {
                name,
                guards,
                alias,
                declared: None,
            });
        }
    }

    /// The live guards a name owns, when `e` is that name itself: a move (`drop(g)`, `f(g)`,
    /// `let h = g`). A borrow (`f(&g)`, `&mut g`) is not: the guard stays held.
    fn bound_guards(&self, e: &Expr) -> Option<Val> {
        let Expr::Path(p) = strip_parens(e) else {
            return None;
        };
        let id = p.path.get_ident()?;
        let ids: Vec<usize> = self
            .lookup(&id.to_string())?
            .guards
            .iter()
            .copied()
            .filter(|g| self.is_live(*g))
            .collect();
        match ids.as_slice() {
            [] => None,
            [one] => Some(Val::Guard(*one)),
            _ => Some(Val::Guards(ids)),
        }
    }

    /// The binding `e` names, when it is a plain local name.
    fn binding_mut(&mut self, e: &Expr) -> Option<&mut Binding> {
        let Expr::Path(p) = strip_parens(e) else {
            return None;
        };
        let name = p.path.get_ident()?.to_string();
        self.bindings
            .iter_mut()
            .rev()
            .flat_map(|s| s.iter_mut().rev())
            .find(|b| b.name == name)
    }

    /// A parameter assigned to (`internals = m.lock();`, `internals` a `MutexGuard`
    /// parameter) becomes a binding of the function's outer scope that still names the
    /// parameter, so that it can own the guard.
    fn param_binding(&mut self, e: &Expr) {
        let Expr::Path(p) = strip_parens(e) else {
            return;
        };
        let Some(name) = p.path.get_ident().map(ToString::to_string) else {
            return;
        };
        if self.lookup(&name).is_some() {
            return;
        }
        let Some(index) = self.scope.params.iter().position(|p| *p == name) else {
            return;
        };
        let alias = Some((
            LockPath::Param {
                index,
                fields: String::new(),
            },
            name.clone(),
        ));
        if let Some(outer) = self.bindings.first_mut() {
            outer.push(Binding {
                name,
                guards: Vec::new(),
                alias,
                declared: None,
            });
        }
    }

    /// Guards stored where the lint cannot follow them further (`self.slot = Some(m.lock())`):
    /// held for the rest of the function.
    fn escape(&mut self, v: Val) {
        let ids = v.ids();
        if let Some(outer) = self.bindings.first_mut() {
            outer.push(Binding {
                name: String::new(),
                guards: ids,
                alias: None,
                declared: None,
            });
        }
    }

    /// The lock a (field) path expression names, normalised; `None` for anything else.
    fn lock_path(&self, e: &Expr) -> Option<(LockPath, String)> {
        let e = strip(e);
        // `self.deposits()`, an accessor returning a lock: the field it returns.
        if let Expr::MethodCall(m) = e {
            if m.args.is_empty() && is_self(&m.receiver) {
                let ty = self.scope.self_ty.clone()?;
                let fields = self
                    .scope
                    .accessors
                    .get(&(ty.clone(), m.method.to_string()))?
                    .clone();
                return Some((LockPath::SelfField { ty, fields }, text_of(e)));
            }
            return None;
        }
        let text = text_of(e);
        let (fields, base) = field_chain(e, strip);
        let Expr::Path(p) = base else { return None };
        if p.qself.is_some() {
            return None;
        }
        let path = if let Some(id) = p.path.get_ident() {
            let name = id.to_string();
            if name == "self" {
                LockPath::SelfField {
                    ty: self.scope.self_ty.clone()?,
                    fields,
                }
            } else if let Some(b) = self.lookup(&name) {
                match &b.alias {
                    Some((alias, _)) => alias.with_fields(&fields),
                    None => LockPath::Local {
                        function: self.scope.id,
                        path: if fields.is_empty() {
                            name
                        } else {
                            format!("{name}.{fields}")
                        },
                    },
                }
            } else if let Some(index) = self.scope.params.iter().position(|p| *p == name) {
                LockPath::Param { index, fields }
            } else {
                LockPath::Static(name).with_fields(&fields)
            }
        } else {
            let last = p.path.segments.last()?.ident.to_string();
            LockPath::Static(last).with_fields(&fields)
        };
        Some((path, text))
    }

    /// What the declared types say the lock at `lock` (a path as `lock_path` gives it) is;
    /// `None` where no type is visible.
    fn declared_kind(&self, lock: &LockPath) -> Option<LockKind> {
        let d = &self.scope.declared;
        match lock {
            LockPath::SelfField { ty, fields } => d.field_path(ty, fields).and_then(|t| d.kind(t)),
            LockPath::Static(path) => {
                let (name, fields) = path.split_once('.').unwrap_or((path, ""));
                d.kind_through(d.statics.get(name)?, fields)
            }
            LockPath::Param { index, fields } => {
                d.kind_through(self.scope.param_types.get(*index)?.as_ref()?, fields)
            }
            LockPath::Local { path, .. } => {
                let (name, fields) = path.split_once('.').unwrap_or((path, ""));
                d.kind_through(self.lookup(name)?.declared.as_ref()?, fields)
            }
            LockPath::Class(_) => None,
        }
    }

    /// The guard a `try_*` acquisition produced, when `v` is one.
    fn tried_guard(&self, v: &Val) -> Option<usize> {
        let Val::Guard(id) = v else { return None };
        self.live
            .iter()
            .find(|g| g.id == *id && g.held.try_)
            .map(|g| g.id)
    }

    fn snapshot(&self) -> Vec<Guard> {
        self.live.clone()
    }

    /// After walking alternatives from `before`: what is live is what every alternative kept.
    fn join(&mut self, before: &[Guard], released: &[usize]) {
        self.live = before
            .iter()
            .filter(|g| !released.contains(&g.id))
            .cloned()
            .collect();
    }

    fn released_since(&self, before: &[Guard]) -> Vec<usize> {
        before
            .iter()
            .filter(|g| !self.is_live(g.id))
            .map(|g| g.id)
            .collect()
    }

    // ------------------------------------------------------------------ blocks and statements

    fn block(&mut self, b: &Block) -> Val {
        self.bindings.push(Vec::new());
        let mut value = Val::None;
        let n = b.stmts.len();
        let mut previous_cfg: Option<String> = None;
        for (i, stmt) in b.stmts.iter().enumerate() {
            // `#[cfg]` on statements: test-only statements are not walked, and a statement
            // under `cfg(not(P))` right after one under `cfg(P)` is its alternative (only one
            // of the two is ever compiled), not a second acquisition.
            let cfg = stmt_cfg(stmt);
            let alternative = match (&previous_cfg, &cfg) {
                (Some(p), Some(c)) => *c == format!("not ({p})"),
                _ => false,
            };
            previous_cfg = cfg.clone();
            if alternative || stmt_is_test(stmt) {
                continue;
            }
            match stmt {
                Stmt::Local(l) => self.local(l),
                Stmt::Expr(e, semi) => {
                    if semi.is_none() && i + 1 == n {
                        // The tail: its temporaries belong to the enclosing statement, or, from
                        // edition 2024, end with the block (its value goes on either way).
                        value = if self.scope.edition.drops_tail_temporaries_in_block() {
                            self.with_temps(|w| w.expr(e))
                        } else {
                            self.expr(e)
                        };
                    } else {
                        self.with_temps(|w| {
                            w.expr_temp(e);
                        });
                    }
                }
                Stmt::Macro(m) => self.with_temps(|w| w.mac(&m.mac)),
                Stmt::Item(_) => {}
            }
        }
        let scope = self.bindings.pop().unwrap_or_default();
        for b in scope.into_iter().rev() {
            self.release_all(b.guards);
        }
        value
    }

    fn local(&mut self, l: &syn::Local) {
        let Some(init) = &l.init else {
            self.bind_pattern(&l.pat, Val::None, None);
            return;
        };
        self.temps.push(Vec::new());
        // `let h = g;` moves the guard: the lock stays held, now through `h`.
        let v = if let Some(v) = self.bound_guards(&init.expr) {
            v
        } else if let Expr::Reference(r) = strip(&init.expr) {
            // `let r = &x.lock();`: the temporary lives as long as `r`.
            self.expr(&r.expr)
        } else {
            self.expr(&init.expr)
        };
        let alias = match v {
            Val::None => self.lock_path(alias_of(&init.expr)),
            _ => None,
        };
        if let Some((_, diverge)) = &init.diverge {
            // The pattern did not match: the value and the initialiser's temporaries are
            // dropped before the `else` block runs.
            let before = self.snapshot();
            let created: Vec<usize> = v
                .ids()
                .into_iter()
                .chain(self.temps.last().cloned().unwrap_or_default())
                .collect();
            self.live.retain(|g| !created.contains(&g.id));
            let dv = self.expr(diverge);
            self.release_val(dv);
            self.live = before;
        }
        self.bind_pattern(&l.pat, v, alias);
        if let Some(declared) = declared_local(l, self.scope) {
            let names = pattern_idents(&l.pat);
            if let (Some(b), [name]) = (
                self.bindings.last_mut().and_then(|s| s.last_mut()),
                names.as_slice(),
            ) {
                if b.name == *name {
                    b.declared = Some(declared);
                }
            }
        }
        let ids = self.temps.pop().unwrap_or_default();
        self.release_all(ids);
    }

    /// Binds a pattern to a value: guards to the names that own them; what no name owns is a
    /// temporary of the statement.
    fn bind_pattern(&mut self, pat: &Pat, v: Val, alias: Option<(LockPath, String)>) {
        let names = pattern_idents(pat);
        match (pat, v) {
            (Pat::Wild(_), v) => self.temp(v),
            (Pat::Tuple(t), Val::Guards(ids)) if t.elems.len() == ids.len() => {
                for (p, id) in t.elems.iter().zip(ids) {
                    self.bind_pattern(p, Val::Guard(id), None);
                }
            }
            (_, Val::Guard(id)) if names.len() == 1 => {
                self.bind(names[0].clone(), Some(id), None);
            }
            // `let ctx = Ctx { a: a.lock(), b: b.lock() };`: the value owns both guards.
            (Pat::Ident(_) | Pat::Type(_), Val::Guards(ids)) if names.len() == 1 => {
                self.bind_guards(names[0].clone(), ids, None);
            }
            (_, v) => {
                self.temp(v);
                let single = names.len() == 1 && matches!(pat, Pat::Ident(_) | Pat::Type(_));
                for n in names {
                    self.bind(n, None, if single { alias.clone() } else { None });
                }
            }
        }
    }

    // ------------------------------------------------------------------ expressions

    /// Walks `e` as a value nobody binds: its guards are temporaries of the current scope.
    fn expr_temp(&mut self, e: &Expr) {
        let v = self.expr(e);
        self.temp(v);
    }

    fn exprs<'a>(&mut self, es: impl IntoIterator<Item = &'a Expr>) {
        for e in es {
            self.expr_temp(e);
        }
    }

    fn expr(&mut self, e: &Expr) -> Val {
        match e {
            Expr::MethodCall(mc) => self.method_call(mc),
            Expr::Call(c) => self.call(c),
            Expr::Macro(m) => {
                self.mac(&m.mac);
                Val::None
            }
            Expr::Binary(b) => {
                if is_assign_op(&b.op) {
                    self.expr_temp(&b.right);
                    self.expr_temp(&b.left);
                } else if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) {
                    // Lazy operators: each operand is a temporary scope of its own (the left
                    // one's temporaries drop before the right one runs, on every edition rustc
                    // accepts today).
                    self.with_temps(|s| s.expr_temp(&b.left));
                    self.with_temps(|s| s.expr_temp(&b.right));
                } else {
                    self.expr_temp(&b.left);
                    self.expr_temp(&b.right);
                }
                Val::None
            }
            Expr::Assign(a) => {
                let v = self.expr(&a.right);
                // A value stored into a local (or a parameter) is that local's, and its old
                // value (a guard it owned) is dropped; a guard stored anywhere else
                // (`self.slot = Some(m.lock())`) stays held. The local keeps the ids of guards
                // it owned before (they are no longer live): a branch that reassigned it must
                // not make the others forget what it owns there.
                self.param_binding(&a.left);
                let old = self.binding_mut(&a.left).map(|b| {
                    let old = b.guards.clone();
                    b.guards.extend(v.ids());
                    old
                });
                match old {
                    Some(old) => self.release_all(old),
                    None => {
                        self.expr_temp(&a.left);
                        if !matches!(v, Val::None) {
                            self.escape(v);
                        }
                    }
                }
                Val::None
            }
            Expr::Paren(p) => self.expr(&p.expr),
            Expr::Group(g) => self.expr(&g.expr),
            Expr::Try(t) => self.expr(&t.expr),
            Expr::Await(a) => {
                // `m.lock().await`: an async lock's acquisition is the awaited call.
                self.awaited = matches!(strip_parens(&a.base), Expr::MethodCall(_));
                self.expr(&a.base)
            }
            Expr::Unary(u) => {
                self.expr_temp(&u.expr);
                Val::None
            }
            Expr::Reference(r) => {
                self.expr_temp(&r.expr);
                Val::None
            }
            Expr::Field(f) => {
                self.expr_temp(&f.base);
                Val::None
            }
            Expr::Index(i) => {
                self.expr_temp(&i.expr);
                self.expr_temp(&i.index);
                Val::None
            }
            Expr::Cast(c) => {
                self.expr_temp(&c.expr);
                Val::None
            }
            Expr::Tuple(t) => {
                let mut ids = Vec::new();
                for el in &t.elems {
                    match self.expr(el) {
                        Val::Guard(id) => ids.push(id),
                        v => self.temp(v),
                    }
                }
                if ids.is_empty() {
                    Val::None
                } else {
                    Val::Guards(ids)
                }
            }
            Expr::Array(a) => {
                self.exprs(&a.elems);
                Val::None
            }
            Expr::Repeat(r) => {
                self.expr_temp(&r.expr);
                Val::None
            }
            Expr::Struct(s) => {
                // The guards its fields take are the value's: held as long as it is.
                let mut ids = Vec::new();
                for f in &s.fields {
                    match self.expr(&f.expr) {
                        Val::None => {}
                        v => ids.extend(v.ids()),
                    }
                }
                if let Some(rest) = &s.rest {
                    self.expr_temp(rest);
                }
                match ids.as_slice() {
                    [] => Val::None,
                    [one] => Val::Guard(*one),
                    _ => Val::Guards(ids),
                }
            }
            Expr::Range(r) => {
                self.exprs(r.start.iter().chain(r.end.iter()).map(|b| &**b));
                Val::None
            }
            Expr::Block(b) => self.block(&b.block),
            Expr::Unsafe(u) => self.block(&u.block),
            Expr::Const(c) => self.block(&c.block),
            Expr::If(i) => self.if_expr(i),
            Expr::Match(m) => self.match_expr(m),
            Expr::While(w) => {
                self.with_temps(|s| {
                    if let Expr::Let(l) = &*w.cond {
                        s.let_cond(l, &w.body);
                    } else {
                        let v = s.with_temps(|s| s.expr(&w.cond));
                        s.release_val(v);
                        let v = s.block(&w.body);
                        s.temp(v);
                    }
                });
                Val::None
            }
            Expr::Loop(l) => {
                let v = self.block(&l.body);
                self.temp(v);
                Val::None
            }
            Expr::ForLoop(f) => {
                self.with_temps(|s| {
                    s.expr_temp(&f.expr);
                    s.bindings.push(Vec::new());
                    for n in pattern_idents(&f.pat) {
                        s.bind(n, None, None);
                    }
                    let v = s.block(&f.body);
                    s.temp(v);
                    s.bindings.pop();
                });
                Val::None
            }
            Expr::Let(l) => {
                // A `let` inside a condition chain: its scrutinee lives for the construct.
                self.expr_temp(&l.expr);
                for n in pattern_idents(&l.pat) {
                    self.bind(n, None, None);
                }
                Val::None
            }
            Expr::Closure(c) => {
                self.detached(|s| {
                    for input in &c.inputs {
                        for n in pattern_idents(input) {
                            s.bind(n, None, None);
                        }
                    }
                    s.expr_temp(&c.body);
                });
                Val::None
            }
            Expr::Async(a) => {
                self.detached(|s| {
                    let v = s.block(&a.block);
                    s.temp(v);
                });
                Val::None
            }
            Expr::Return(r) => {
                if let Some(e) = &r.expr {
                    let v = self.expr(e);
                    self.release_val(v);
                }
                Val::None
            }
            Expr::Break(b) => {
                if let Some(e) = &b.expr {
                    let v = self.expr(e);
                    self.release_val(v);
                }
                Val::None
            }
            Expr::Yield(y) => {
                if let Some(e) = &y.expr {
                    self.expr_temp(e);
                }
                Val::None
            }
            _ => Val::None,
        }
    }

    /// Walks code that runs later (a closure, an `async` block) from an empty held set.
    fn detached(&mut self, f: impl FnOnce(&mut Self)) {
        let live = std::mem::take(&mut self.live);
        let temps = std::mem::take(&mut self.temps);
        self.bindings.push(Vec::new());
        self.temps.push(Vec::new());
        f(self);
        self.temps = temps;
        self.bindings.pop();
        self.live = live;
    }

    fn if_expr(&mut self, i: &syn::ExprIf) -> Val {
        self.with_temps(|s| {
            // The state the branches start from: after the condition.
            let start;
            let mut failed_try = None;
            // What the scrutinee's temporaries do not include (edition 2024 drops them before
            // `else`).
            let mut before_scrutinee = None;
            if let Expr::Let(l) = &*i.cond {
                // `if let`: the scrutinee's temporaries live for the whole construct, else
                // branch included before edition 2024, then branch only from it.
                if s.scope.edition.drops_if_let_before_else() {
                    before_scrutinee = Some(s.snapshot());
                }
                let v = s.expr(&l.expr);
                let tried = s.tried_guard(&v);
                let on_failure = is_failure_pattern(&l.pat);
                s.bindings.push(Vec::new());
                s.bind_scrutinee(&l.pat, v);
                start = s.snapshot();
                match tried {
                    // `if let Err(_) = m.try_lock()`: the body runs when the try failed.
                    Some(id) if on_failure => s.live.retain(|g| g.id != id),
                    // `if let Ok(g) = m.try_lock() { .. } else { .. }`: the else runs when it did.
                    Some(id) => failed_try = Some(id),
                    None => {}
                }
                let v = s.block(&i.then_branch);
                s.release_val(v);
                s.bindings.pop();
            } else if let Some(operands) = let_chain(&i.cond) {
                // `if let A = a && let B = b && c { .. }` (edition 2024): each `let`'s
                // scrutinee lives through the then branch, and drops before `else`; a plain
                // operand's temporaries drop before the next operand, as `&&`'s do.
                before_scrutinee = Some(s.snapshot());
                s.bindings.push(Vec::new());
                for op in operands {
                    if let Expr::Let(l) = op {
                        let v = s.expr(&l.expr);
                        s.bind_scrutinee(&l.pat, v);
                    } else {
                        let v = s.with_temps(|s| s.expr(op));
                        s.release_val(v);
                    }
                }
                start = s.snapshot();
                let v = s.block(&i.then_branch);
                s.release_val(v);
                s.bindings.pop();
            } else {
                let v = s.with_temps(|s| s.expr(&i.cond));
                s.release_val(v);
                start = s.snapshot();
                let v = s.block(&i.then_branch);
                s.release_val(v);
            }
            let mut branches = Branches::default();
            branches.add(block_diverges(&i.then_branch), s.released_since(&start));
            s.live = start.clone();
            if let Some(id) = failed_try {
                // The else branch of `if let Ok(g) = m.try_lock()`: the try failed, no guard.
                s.live.retain(|g| g.id != id);
            }
            if let Some(before) = &before_scrutinee {
                s.live.retain(|g| before.iter().any(|b| b.id == g.id));
            }
            match &i.else_branch {
                Some((_, e)) => {
                    let v = s.expr(e);
                    s.release_val(v);
                    branches.add(diverges(e), s.released_since(&start));
                }
                // No `else`: that path goes on with what it had.
                None => branches.add(false, s.released_since(&start)),
            }
            s.join(&start, &branches.released());
        });
        Val::None
    }

    /// A name the pattern binds owns the scrutinee's guard in the body; the guard is also a
    /// temporary of the construct, so it ends with it either way.
    fn bind_scrutinee(&mut self, pat: &Pat, v: Val) {
        let names = pattern_idents(pat);
        match v {
            Val::Guard(id) if names.len() == 1 => {
                self.bind(names[0].clone(), Some(id), None);
                if let Some(t) = self.temps.last_mut() {
                    t.push(id);
                }
            }
            v => {
                self.temp(v);
                for n in names {
                    self.bind(n, None, None);
                }
            }
        }
    }

    /// `while let`: as `if let`, with the body walked once.
    fn let_cond(&mut self, l: &syn::ExprLet, body: &Block) {
        let v = self.expr(&l.expr);
        self.bindings.push(Vec::new());
        self.bind_scrutinee(&l.pat, v);
        let before = self.snapshot();
        let v = self.block(body);
        self.release_val(v);
        self.bindings.pop();
        let r = self.released_since(&before);
        self.join(&before, &r);
    }

    fn match_expr(&mut self, m: &syn::ExprMatch) -> Val {
        self.with_temps(|s| {
            let scrutinee = s.expr(&m.expr);
            let tried = s.tried_guard(&scrutinee);
            s.temp(scrutinee);
            let before = s.snapshot();
            let mut branches = Branches::default();
            for arm in &m.arms {
                s.live = before.clone();
                if let Some(id) = tried.filter(|_| is_failure_pattern(&arm.pat)) {
                    // `Err(..)` / `None` of a `try_lock`: this arm holds no guard.
                    s.live.retain(|g| g.id != id);
                }
                s.bindings.push(Vec::new());
                for n in pattern_idents(&arm.pat) {
                    s.bind(n, None, None);
                }
                if let Some((_, g)) = &arm.guard {
                    // A match guard's temporaries drop before the arm body runs.
                    s.with_temps(|s| s.expr_temp(g));
                }
                let v = s.with_temps(|s| s.expr(&arm.body));
                s.release_val(v);
                s.bindings.pop();
                branches.add(diverges(&arm.body), s.released_since(&before));
            }
            s.join(&before, &branches.released());
        });
        Val::None
    }

    fn method_call(&mut self, mc: &syn::ExprMethodCall) -> Val {
        let name = mc.method.to_string();
        let awaited = std::mem::take(&mut self.awaited);
        if let Some(method) = acquire_method(&name, mc.args.len()) {
            if let Some((lock, text)) = self.lock_path(&mc.receiver) {
                match self.declared_kind(&lock) {
                    // `self.config.read()` on a struct of the crate that is not a lock: its own
                    // method, walked as any other.
                    Some(LockKind::NotALock) => {}
                    // An async lock's `lock()` not awaited is a future, not a guard.
                    Some(LockKind::Lock {
                        asynchronous: true, ..
                    }) if !awaited && method.blocks() && !name.starts_with("blocking_") => {
                        self.exprs(&mc.args);
                        return Val::None;
                    }
                    kind => {
                        self.exprs(&mc.args);
                        let reentrant = matches!(
                            kind,
                            Some(LockKind::Lock {
                                reentrant: true,
                                ..
                            })
                        );
                        return self.acquire(lock, text, mc, method, reentrant);
                    }
                }
            }
        }
        if PASS_THROUGH.contains(&name.as_str()) {
            let v = self.expr(&mc.receiver);
            self.exprs(&mc.args);
            return v;
        }
        if is_self(&mc.receiver) && mc.args.is_empty() {
            // A method returning a guard of one of `self`'s locks: an acquisition here.
            if let Some(ty) = self.scope.self_ty.clone() {
                if let Some((fields, method)) = self
                    .scope
                    .guard_returners
                    .get(&(ty.clone(), name.clone()))
                    .cloned()
                {
                    let lock = LockPath::SelfField { ty, fields };
                    let text = text_of(&Expr::MethodCall(mc.clone()));
                    return self.acquire(lock, text, mc, method, false);
                }
            }
        }
        if is_self(&mc.receiver) {
            let args = self.call_args(&mc.args);
            self.events.push(Event::Call {
                callee: Callee::SelfMethod(name.clone()),
                args,
                span: self.span(mc),
                text: format!("self.{name}"),
                held: self.held(),
            });
            return Val::None;
        }
        // `guards.push(m.lock())`: a guard put into a local collection is held as long as
        // the collection is.
        if matches!(
            name.as_str(),
            "push" | "push_back" | "push_front" | "insert"
        ) && self.binding_mut(&mc.receiver).is_some()
        {
            let mut stored = Vec::new();
            for a in &mc.args {
                let v = match self.bound_guards(a) {
                    Some(v) => v,
                    None => self.expr(a),
                };
                stored.extend(v.ids());
            }
            if let Some(b) = self.binding_mut(&mc.receiver) {
                b.guards.extend(stored);
            }
            return Val::None;
        }
        // Any other method: the receiver (a temporary guard among them) lives during the
        // arguments; a guard passed as an argument is moved away.
        self.expr_temp(&mc.receiver);
        for a in &mc.args {
            let v = self.expr(a);
            self.release_val(v);
        }
        Val::None
    }

    fn acquire(
        &mut self,
        lock: LockPath,
        text: String,
        mc: &syn::ExprMethodCall,
        method: AcquireMethod,
        reentrant: bool,
    ) -> Val {
        let try_ = !method.blocks();
        let read = method.shared();
        let span = self.span(mc);
        if !try_ {
            self.events.push(Event::Acquire {
                lock: lock.clone(),
                text: text.clone(),
                span,
                held: self.held(),
                try_,
                read,
                reentrant,
            });
        }
        let id = self.next;
        self.next += 1;
        self.live.push(Guard {
            id,
            held: Held {
                lock,
                text,
                span,
                read,
                try_,
            },
        });
        Val::Guard(id)
    }

    fn call_args(
        &mut self,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
    ) -> Vec<Option<LockPath>> {
        let mut out = Vec::new();
        for a in args {
            out.push(self.lock_path(a).map(|(p, _)| p));
            if let Some(v) = self.bound_guards(a) {
                // Moved into the callee.
                self.release_val(v);
                continue;
            }
            let v = self.expr(a);
            self.release_val(v);
        }
        out
    }

    fn call(&mut self, c: &syn::ExprCall) -> Val {
        let Expr::Path(p) = strip(&c.func) else {
            self.expr_temp(&c.func);
            self.exprs(&c.args);
            return Val::None;
        };
        let segs = segments(&p.path);
        let last = segs.last().cloned().unwrap_or_default();
        if last == "drop" && c.args.len() == 1 {
            if let Some(v) = self.bound_guards(&c.args[0]) {
                self.release_val(v);
            } else {
                let v = self.expr(&c.args[0]);
                self.release_val(v);
            }
            return Val::None;
        }
        // `Some(x.lock())` is still the guard, wrapped.
        if matches!(last.as_str(), "Some" | "Ok" | "Err") && c.args.len() == 1 {
            return self.expr(&c.args[0]);
        }
        let args = self.call_args(&c.args);
        let callee = if segs.len() >= 2 {
            let ty = &segs[segs.len() - 2];
            if ty.chars().next().is_some_and(char::is_uppercase) {
                let ty = if ty == "Self" {
                    self.scope.self_ty.clone().unwrap_or_else(|| ty.clone())
                } else {
                    self.scope
                        .keys
                        .key(&self.scope.module, &segs[..segs.len() - 1])
                };
                Callee::Assoc(ty, last.clone())
            } else {
                Callee::Free(last.clone())
            }
        } else {
            Callee::Free(last.clone())
        };
        self.events.push(Event::Call {
            callee,
            args,
            span: self.span(c),
            text: text_of(&c.func),
            held: self.held(),
        });
        Val::None
    }

    fn mac(&mut self, m: &syn::Macro) {
        let name = m
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if name == "assert_held" {
            // The grammar the macros share; an argument that does not parse is the compiler's
            // error to report.
            if let Ok(arg) = parse_assertion(m.tokens.clone()) {
                let lock = match arg.class_name() {
                    Some(class) => Some(LockPath::Class(class)),
                    None => self.lock_path(&arg.expr).map(|(p, _)| p),
                };
                self.events.push(Event::AssertHeld {
                    lock,
                    text: arg.text(),
                    span: Span::of_tokens(self.scope.file, m),
                });
            }
            return;
        }
        if name == "assert_not_held" {
            return;
        }
        // Any other macro whose body is a list of expressions (assert!, println!, vec!, ...):
        // every argument is evaluated within the statement, so their temporaries coexist.
        if let Ok(args) =
            m.parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        {
            self.exprs(&args);
        }
    }
}

/// A path's segments as strings (`std::mem::drop` → `["std", "mem", "drop"]`).
pub(crate) fn segments(p: &syn::Path) -> Vec<String> {
    p.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// Whether a `cfg` predicate marks test code, or test support: `test`, and `any(..)`/`all(..)`
/// with `test` among their terms (`cfg(any(test, feature = "testing"))` helper modules exist for
/// tests; lint findings there are noise). `not(test)` is not.
pub(crate) fn is_test_cfg(meta: &syn::Meta) -> bool {
    match meta {
        syn::Meta::Path(p) => p.is_ident("test"),
        syn::Meta::List(l) if l.path.is_ident("any") || l.path.is_ident("all") => l
            .parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|terms| {
                terms
                    .iter()
                    .any(|t| matches!(t, syn::Meta::Path(p) if p.is_ident("test")))
            }),
        _ => false,
    }
}

/// The predicate of a statement's `#[cfg(..)]`, as normalised tokens (`feature = "std"`).
fn stmt_cfg(stmt: &Stmt) -> Option<String> {
    stmt_attrs(stmt).iter().find_map(|a| {
        if !a.path().is_ident("cfg") {
            return None;
        }
        let syn::Meta::List(list) = &a.meta else {
            return None;
        };
        Some(list.tokens.to_string())
    })
}

/// Whether a statement is test code (`#[cfg(test)]`, `#[cfg(any(test, ..))]`).
fn stmt_is_test(stmt: &Stmt) -> bool {
    stmt_attrs(stmt).iter().any(|a| {
        a.path().is_ident("cfg") && a.parse_args::<syn::Meta>().is_ok_and(|m| is_test_cfg(&m))
    })
}

fn stmt_attrs(stmt: &Stmt) -> &[syn::Attribute] {
    match stmt {
        Stmt::Local(l) => &l.attrs,
        Stmt::Macro(m) => &m.attrs,
        Stmt::Expr(e, _) => expr_attrs(e),
        Stmt::Item(_) => &[],
    }
}

/// The outer attributes of an expression statement (the kinds that carry them in practice).
fn expr_attrs(e: &Expr) -> &[syn::Attribute] {
    match e {
        Expr::Block(b) => &b.attrs,
        Expr::Call(c) => &c.attrs,
        Expr::MethodCall(m) => &m.attrs,
        Expr::Macro(m) => &m.attrs,
        Expr::If(i) => &i.attrs,
        Expr::Match(m) => &m.attrs,
        Expr::Assign(a) => &a.attrs,
        Expr::Unsafe(u) => &u.attrs,
        Expr::ForLoop(f) => &f.attrs,
        Expr::While(w) => &w.attrs,
        Expr::Loop(l) => &l.attrs,
        _ => &[],
    }
}

/// What a `let` initialiser names, through the ways code takes a second handle on the same
/// object: `&x`, `&*x`, `x.clone()` (an `Arc`), `x.as_ref()`, `x.deref()`, `Arc::clone(&x)` /
/// `Rc::clone(&x)`. `let device = self.device.clone();` makes `device.x` be `self.device.x`.
fn alias_of(e: &Expr) -> &Expr {
    match strip_parens(e) {
        Expr::Reference(r) => alias_of(&r.expr),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => alias_of(&u.expr),
        Expr::MethodCall(m)
            if m.args.is_empty()
                && matches!(m.method.to_string().as_str(), "clone" | "as_ref" | "deref") =>
        {
            alias_of(&m.receiver)
        }
        Expr::Call(c) if c.args.len() == 1 => match strip_parens(&c.func) {
            Expr::Path(p)
                if segments(&p.path).ends_with(&["Arc".to_owned(), "clone".to_owned()])
                    || segments(&p.path).ends_with(&["Rc".to_owned(), "clone".to_owned()]) =>
            {
                alias_of(&c.args[0])
            }
            _ => e,
        },
        other => other,
    }
}

/// Whether a pattern matches only a failed `try_lock` (`Err(..)`, `None`).
fn is_failure_pattern(p: &Pat) -> bool {
    match p {
        Pat::TupleStruct(t) => t.path.segments.last().is_some_and(|s| s.ident == "Err"),
        Pat::Ident(i) => i.ident == "None",
        Pat::Path(pp) => pp.path.segments.last().is_some_and(|s| s.ident == "None"),
        _ => false,
    }
}

/// A field access chain taken apart: `a.b.c` → (`"b.c"`, `a`), each base peeled with `peel`.
fn field_chain(e: &Expr, peel: fn(&Expr) -> &Expr) -> (String, &Expr) {
    let mut fields = Vec::new();
    let mut base = e;
    while let Expr::Field(f) = base {
        fields.push(match &f.member {
            syn::Member::Named(n) => n.to_string(),
            syn::Member::Unnamed(i) => i.index.to_string(),
        });
        base = peel(&f.base);
    }
    fields.reverse();
    (fields.join("."), base)
}

/// `e` without parentheses and invisible groups (a reference is kept: it is a borrow).
fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::Group(g) => strip_parens(&g.expr),
        _ => e,
    }
}

fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        Expr::Reference(r) if matches!(strip(&r.expr), Expr::Path(_) | Expr::Field(_)) => {
            strip(&r.expr)
        }
        _ => e,
    }
}

fn is_self(e: &Expr) -> bool {
    matches!(strip(e), Expr::Path(p) if p.path.is_ident("self"))
}

fn is_assign_op(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

/// The names a pattern binds.
fn pattern_idents(p: &Pat) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for Names {
        fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
            self.0.push(i.ident.to_string());
            syn::visit::visit_pat_ident(self, i);
        }
    }
    let mut n = Names(Vec::new());
    syn::visit::Visit::visit_pat(&mut n, p);
    n.0
}

/// The branches of an `if` or `match`, as far as releases go: after the construct a guard is
/// released when every branch that goes on past it released it (`if c { drop(g); }` leaves `g`
/// held on the path where `c` is false, as rustc's drop flags do); branches that leave
/// (`return`, `break`, `continue`, `panic!`) do not count, unless all of them do.
#[derive(Default)]
struct Branches {
    /// Released on every branch that goes on (`None`: no such branch yet).
    every: Option<Vec<usize>>,
    /// Released on any branch.
    any: Vec<usize>,
}

impl Branches {
    fn add(&mut self, leaves: bool, released: Vec<usize>) {
        self.any.extend(released.iter().copied());
        if !leaves {
            self.every = Some(match self.every.take() {
                None => released,
                Some(every) => every
                    .into_iter()
                    .filter(|id| released.contains(id))
                    .collect(),
            });
        }
    }

    fn released(self) -> Vec<usize> {
        self.every.unwrap_or(self.any)
    }
}

/// Whether control never goes on past `e`: `return`, `break`, `continue`, `panic!` and its
/// kin, `std::process::exit(..)`, or a block, `if`/`else` or `match` all of whose ways do not.
fn diverges(e: &Expr) -> bool {
    match strip_parens(e) {
        Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) => true,
        Expr::Macro(m) => macro_diverges(&m.mac),
        Expr::Block(b) => block_diverges(&b.block),
        Expr::Unsafe(u) => block_diverges(&u.block),
        Expr::If(i) => {
            block_diverges(&i.then_branch)
                && i.else_branch.as_ref().is_some_and(|(_, e)| diverges(e))
        }
        Expr::Match(m) => !m.arms.is_empty() && m.arms.iter().all(|a| diverges(&a.body)),
        Expr::Call(c) => matches!(&*c.func, Expr::Path(p)
            if p.path.segments.len() >= 2
                && p.path.segments.iter().rev().nth(1).is_some_and(|s| s.ident == "process")
                && p.path.segments.last().is_some_and(|s| s.ident == "exit")),
        _ => false,
    }
}

fn block_diverges(b: &Block) -> bool {
    match b.stmts.last() {
        Some(Stmt::Expr(e, _)) => diverges(e),
        Some(Stmt::Macro(m)) => macro_diverges(&m.mac),
        _ => false,
    }
}

fn macro_diverges(m: &syn::Macro) -> bool {
    m.path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "panic" | "unreachable" | "todo" | "unimplemented"
        )
    })
}

/// The declared type of a `let`: its annotation (`let m: Mutex<u8> = ..`), or the type its
/// initialiser constructs (`Mutex::new(..)`, `tokio::sync::Mutex::new(..)`, through
/// `Arc::new(..)`, `Rc::new(..)`, `Box::new(..)`).
fn declared_local(l: &syn::Local, scope: &FnScope) -> Option<DeclaredType> {
    let file = scope.file;
    let key_of = |s: &[String]| scope.keys.key(&scope.module, s);
    if let Pat::Type(t) = &l.pat {
        return DeclaredType::of(&t.ty, file, key_of);
    }
    let mut e = strip_parens(&l.init.as_ref()?.expr);
    loop {
        let Expr::Call(c) = e else { return None };
        let Expr::Path(p) = &*c.func else { return None };
        let segments = segments(&p.path);
        let (last, ty) = segments.split_last()?;
        // `io::stdout()` / `io::stderr()`: handles on re-entrant locks.
        if matches!(last.as_str(), "stdout" | "stderr") && c.args.is_empty() {
            let name = if last == "stdout" { "Stdout" } else { "Stderr" };
            return Some(DeclaredType::from_segments(
                vec![name.to_owned()],
                file,
                key_of,
            ));
        }
        if !matches!(last.as_str(), "new" | "named" | "default" | "const_new") || ty.is_empty() {
            return None;
        }
        if matches!(
            ty.last().map(String::as_str),
            Some("Arc" | "Rc" | "Box" | "Pin")
        ) {
            e = strip_parens(c.args.first()?);
            continue;
        }
        return Some(DeclaredType::from_segments(ty.to_vec(), file, key_of));
    }
}

/// The operands of an `if` condition that is a `&&` chain with a `let` in it (edition 2024's
/// let chains), left to right; `None` for any other condition.
fn let_chain(cond: &Expr) -> Option<Vec<&Expr>> {
    fn flatten<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
        match e {
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                flatten(&b.left, out);
                flatten(&b.right, out);
            }
            e => out.push(e),
        }
    }
    let Expr::Binary(b) = cond else { return None };
    if !matches!(b.op, syn::BinOp::And(_)) {
        return None;
    }
    let mut out = Vec::new();
    flatten(cond, &mut out);
    out.iter().any(|e| matches!(e, Expr::Let(_))).then_some(out)
}
