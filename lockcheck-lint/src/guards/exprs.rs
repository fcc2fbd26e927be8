//! Expressions, family by family: operands, operators and assignment, aggregates that own the
//! guards their parts take, loops, `let` in a condition, code that runs later (closures,
//! `async` blocks), and the ways out of a body. Calls are in `calls.rs`, branches in
//! `branches.rs`, blocks in `stmts.rs`.

use syn::Expr;

use super::{Val, Walker};
use crate::syntax_utils::exprs::{is_assign_op, strip_parens};
use crate::syntax_utils::patterns::pattern_idents;

impl Walker<'_> {
    /// Walks `e` as a value nobody binds: its guards are temporaries of the current scope.
    pub(super) fn expr_temp(&mut self, e: &Expr) {
        let v = self.expr(e);
        self.temp(v);
    }

    pub(super) fn exprs<'a>(&mut self, es: impl IntoIterator<Item = &'a Expr>) {
        for e in es {
            self.expr_temp(e);
        }
    }

    /// Walks `e` in evaluation order and returns its value, as far as guards go.
    pub(super) fn expr(&mut self, e: &Expr) -> Val {
        match e {
            Expr::MethodCall(mc) => self.method_call(mc),
            Expr::Call(c) => self.call(c),
            Expr::Macro(m) => {
                self.mac(&m.mac);
                Val::None
            }
            Expr::Paren(p) => self.expr(&p.expr),
            Expr::Group(g) => self.expr(&g.expr),
            Expr::Try(t) => self.expr(&t.expr),
            Expr::Await(a) => self.await_expr(a),
            Expr::Binary(b) => self.binary(b),
            Expr::Assign(a) => self.assign(a),
            Expr::Tuple(t) => self.tuple(t),
            Expr::Struct(s) => self.struct_literal(s),
            Expr::Block(b) => self.block(&b.block),
            Expr::Unsafe(u) => self.block(&u.block),
            Expr::Const(c) => self.block(&c.block),
            Expr::If(i) => self.if_expr(i),
            Expr::Match(m) => self.match_expr(m),
            Expr::While(w) => self.while_loop(w),
            Expr::Loop(l) => self.loop_expr(l),
            Expr::ForLoop(f) => self.for_loop(f),
            Expr::Let(l) => self.let_operand(l),
            Expr::Closure(c) => self.closure(c),
            Expr::Async(a) => self.async_block(a),
            Expr::Return(r) => self.leave(r.expr.as_deref()),
            Expr::Break(b) => self.leave(b.expr.as_deref()),
            e => {
                // The rest compute a value from their operands, which are temporaries of the
                // statement: `*x`, `&x`, `x.f`, `x[i]`, `x as T`, `[a, b]`, `[x; n]`, `a..b`,
                // `yield x`.
                self.exprs(operands(e));
                Val::None
            }
        }
    }

    /// `m.lock().await`: an async lock's acquisition is the awaited call.
    fn await_expr(&mut self, a: &syn::ExprAwait) -> Val {
        self.awaited = matches!(strip_parens(&a.base), Expr::MethodCall(_));
        self.expr(&a.base)
    }

    fn binary(&mut self, b: &syn::ExprBinary) -> Val {
        if is_assign_op(&b.op) {
            // Compound assignment on primitives: the right-hand side first.
            self.expr_temp(&b.right);
            self.expr_temp(&b.left);
        } else if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) {
            // Lazy operators: each operand is a temporary scope of its own (the left one's
            // temporaries drop before the right one runs, on every edition rustc accepts
            // today).
            self.with_temps(|s| s.expr_temp(&b.left));
            self.with_temps(|s| s.expr_temp(&b.right));
        } else {
            self.expr_temp(&b.left);
            self.expr_temp(&b.right);
        }
        Val::None
    }

    fn assign(&mut self, a: &syn::ExprAssign) -> Val {
        let v = self.expr(&a.right);
        // `opt = ..`: what was known of the paths where `opt` is `Some` no longer holds.
        self.forget_correlation(&a.left);
        // A value stored into a local (or a parameter) is that local's, and its old value (a
        // guard it owned) is dropped; a guard stored anywhere else (`self.slot =
        // Some(m.lock())`) stays held. The local keeps the ids of guards it owned before (they
        // are no longer live): a branch that reassigned it must not make the others forget
        // what it owns there.
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

    /// A tuple owns the guards its elements are: `let (a, b) = (x.lock(), y.lock());`.
    fn tuple(&mut self, t: &syn::ExprTuple) -> Val {
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

    /// The guards a struct literal's fields take are the value's: held as long as it is.
    fn struct_literal(&mut self, s: &syn::ExprStruct) -> Val {
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

    /// `while c { .. }` drops the condition's temporaries before the body; `while let` keeps
    /// the scrutinee's for the body.
    fn while_loop(&mut self, w: &syn::ExprWhile) -> Val {
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

    fn loop_expr(&mut self, l: &syn::ExprLoop) -> Val {
        let v = self.block(&l.body);
        self.temp(v);
        Val::None
    }

    /// The iterator of `for` lives for the whole loop.
    fn for_loop(&mut self, f: &syn::ExprForLoop) -> Val {
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

    /// A `let` inside a condition chain: its scrutinee lives for the construct.
    fn let_operand(&mut self, l: &syn::ExprLet) -> Val {
        self.expr_temp(&l.expr);
        for n in pattern_idents(&l.pat) {
            self.bind(n, None, None);
        }
        Val::None
    }

    fn closure(&mut self, c: &syn::ExprClosure) -> Val {
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

    fn async_block(&mut self, a: &syn::ExprAsync) -> Val {
        self.detached(|s| {
            let v = s.block(&a.block);
            s.temp(v);
        });
        Val::None
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

    /// `return` and `break`: the value they carry out is released here, as far as this body
    /// goes.
    fn leave(&mut self, value: Option<&Expr>) -> Val {
        if let Some(e) = value {
            let v = self.expr(e);
            self.release_val(v);
        }
        Val::None
    }
}

/// The operands of an expression that computes a value from them, left to right (none for any
/// other expression).
fn operands(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Unary(u) => vec![&u.expr],
        Expr::Reference(r) => vec![&r.expr],
        Expr::Field(f) => vec![&f.base],
        Expr::Index(i) => vec![&i.expr, &i.index],
        Expr::Cast(c) => vec![&c.expr],
        Expr::Array(a) => a.elems.iter().collect(),
        Expr::Repeat(r) => vec![&r.expr],
        Expr::Range(r) => r.start.iter().chain(r.end.iter()).map(|b| &**b).collect(),
        Expr::Yield(y) => y.expr.iter().map(|b| &**b).collect(),
        _ => Vec::new(),
    }
}
