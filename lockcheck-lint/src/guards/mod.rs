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
//!   try failed (`Err`/`None` arms, the `else` of `if let Ok(..)`). A timed one (`try_lock_for`,
//!   `try_read_until`, …) can wait, so it is checked as a blocking one (as the runtime checks
//!   it): it adds order edges and can be a double lock; where it failed it holds nothing.
//! - Branches are walked one after the other from the same state; after the construct a guard
//!   is released when every branch that goes on past it released it (`if c { drop(g); }` leaves
//!   `g` held, as rustc's drop flags do); branches that leave (`return`, `break`, `continue`,
//!   `panic!`) do not count, unless all of them do. A closure or `async` block is walked on its
//!   own, from an empty held set: it runs later.
//!
//! - A guard stored into another value stays held as long as that value: a struct literal or
//!   tuple that takes it is bound with its guards (`let ctx = Ctx { a: a.lock() }`), a guard
//!   pushed into a local collection (`push`, `push_back`, `push_front`, `insert`) is the
//!   collection's, a guard assigned to a local (or a parameter) is that local's (its old guard
//!   dropped), and a guard assigned to anything else (`self.slot = Some(m.lock())`) is held for
//!   the rest of the function. A guard passed by value to any other call is moved away.
//!
//! The walker is one state (what is live, what each name owns, the temporary scopes) and one
//! module per family of syntax: `stmts.rs` (blocks, `let`), `exprs.rs` (operators, aggregates,
//! loops, closures), `branches.rs` (`if`, `match`, `while let`), `calls.rs` (acquisitions, calls,
//! macros); `bindings.rs` is what names own and alias, and which lock a path names. The syntax
//! helpers it shares with the collector are in `syntax_utils/`.

mod bindings;
mod branches;
mod calls;
mod exprs;
mod stmts;

pub(crate) use calls::acquisition;

use quote::ToTokens;
use syn::{Block, Expr};

use crate::accessors::{AccessorMap, GuardReturners};
use crate::lock_kind::{Declared, DeclaredType};
use crate::model::{Event, Held, LockPath, Span};
use crate::type_keys::TypeKeys;

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
    /// Guards released only on the paths where a local `Option` is one variant
    /// (`branches.rs`, [`Correlated`]): (guard, the local, released where it is `Some`).
    released_when: Vec<(usize, String, bool)>,
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
            released_when: Vec::new(),
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
}
