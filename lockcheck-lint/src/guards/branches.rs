//! Branches: `if` (and `if let`, let chains), `match`, `while let`. Each branch is walked from
//! the state before it; after the construct, what is live is what every branch that goes on
//! kept ([`Branches`]). A `try_*` acquisition's failure arm (`Err(..)`, `None`, the `else` of
//! `if let Ok(..)`) holds no guard, a timed one's (`try_lock_for`) included.
//!
//! Branches on one local `Option` are correlated ([`Correlated`]): a guard released where
//! `opt` is `Some` (`if let Some(x) = opt { drop(g); }`) is still held after the construct, but
//! not in a later branch taken only where `opt` is `Some` again (rust-lightning's
//! `close_channel_internal`), as long as `opt` is not assigned in between.

use syn::{Block, Expr, Pat};

use super::{Guard, Val, Walker};
use crate::syntax_utils::divergence::{block_diverges, diverges};
use crate::syntax_utils::exprs::let_chain;
use crate::syntax_utils::patterns::{is_failure_pattern, is_success_pattern, pattern_idents};

impl Walker<'_> {
    /// The guard a `try_*` acquisition (timed or not) produced, when `v` is one: where it
    /// failed, it holds nothing.
    pub(super) fn tried_guard(&self, v: &Val) -> Option<usize> {
        let Val::Guard(id) = v else { return None };
        self.live
            .iter()
            .find(|g| g.id == *id && g.held.try_)
            .map(|g| g.id)
    }

    pub(super) fn snapshot(&self) -> Vec<Guard> {
        self.live.clone()
    }

    /// After walking alternatives from `before`: what is live is what every alternative kept.
    pub(super) fn join(&mut self, before: &[Guard], released: &[usize]) {
        self.live = before
            .iter()
            .filter(|g| !released.contains(&g.id))
            .cloned()
            .collect();
    }

    pub(super) fn released_since(&self, before: &[Guard]) -> Vec<usize> {
        before
            .iter()
            .filter(|g| !self.is_live(g.id))
            .map(|g| g.id)
            .collect()
    }

    pub(super) fn if_expr(&mut self, i: &syn::ExprIf) -> Val {
        let corr = Correlated::of_if(&i.cond);
        self.with_temps(|s| {
            let then = if let Expr::Let(l) = &*i.cond {
                s.if_let_then(l, &i.then_branch, corr.as_ref())
            } else if let Some(operands) = let_chain(&i.cond) {
                s.let_chain_then(&operands, &i.then_branch)
            } else {
                s.plain_if_then(&i.cond, &i.then_branch, corr.as_ref())
            };
            let then_released = s.released_since(&then.start);
            let start = &then.start;
            let mut branches = Branches::default();
            branches.add(block_diverges(&i.then_branch), s.released_since(start));
            s.live = start.clone();
            if let Some(id) = then.failed_try {
                // The else branch of `if let Ok(g) = m.try_lock()`: the try failed, no guard.
                s.live.retain(|g| g.id != id);
            }
            if let Some(before) = &then.before_scrutinee {
                s.live.retain(|g| before.iter().any(|b| b.id == g.id));
            }
            if let Some(c) = &corr {
                s.enter_branch(&c.name, !c.then_some);
            }
            let else_released = match &i.else_branch {
                Some((_, e)) => {
                    let v = s.expr(e);
                    s.release_val(v);
                    let r = s.released_since(start);
                    branches.add(diverges(e), r.clone());
                    r
                }
                // No `else`: that path goes on with what it had.
                None => {
                    let r = s.released_since(start);
                    branches.add(false, r.clone());
                    r
                }
            };
            s.join(start, &branches.released());
            if let Some(c) = &corr {
                let goes_on = [
                    (c.then_some, !block_diverges(&i.then_branch), then_released),
                    (
                        !c.then_some,
                        !i.else_branch.as_ref().is_some_and(|(_, e)| diverges(e)),
                        else_released,
                    ),
                ];
                s.learn_correlation(&c.name, &goes_on);
            }
        });
        Val::None
    }

    /// Takes out of the live set, for a branch taken only where the local `name` is `Some`
    /// (`some`) or `None`, the guards released on every path where it is.
    fn enter_branch(&mut self, name: &str, some: bool) {
        let gone: Vec<usize> = self
            .released_when
            .iter()
            .filter(|(_, n, v)| n == name && *v == some)
            .map(|(id, ..)| *id)
            .collect();
        self.live.retain(|g| !gone.contains(&g.id));
    }

    /// After branches on the local `name` (each: whether it runs where `name` is `Some`,
    /// whether it goes on past the construct, what it released): a guard still live that every
    /// going-on branch of one variant released, and no going-on branch of the other, is
    /// released where `name` is that variant.
    fn learn_correlation(&mut self, name: &str, branches: &[(bool, bool, Vec<usize>)]) {
        let live: Vec<usize> = self.live.iter().map(|g| g.id).collect();
        for id in live {
            for some in [true, false] {
                let mut of_variant = branches.iter().filter(|b| b.0 == some && b.1).peekable();
                if of_variant.peek().is_none() {
                    continue;
                }
                let all = of_variant.all(|b| b.2.contains(&id));
                let none_other = branches
                    .iter()
                    .filter(|b| b.0 != some && b.1)
                    .all(|b| !b.2.contains(&id));
                if all && none_other {
                    self.released_when.push((id, name.to_owned(), some));
                }
            }
        }
    }

    /// `opt = ..`, `opt.take()`: the correlations learned on `opt` no longer hold.
    pub(super) fn forget_correlation(&mut self, e: &Expr) {
        if let Some(name) = local_name(e) {
            self.released_when.retain(|(_, n, _)| *n != name);
        }
    }

    /// `if let`: the scrutinee's temporaries live for the whole construct, else branch included
    /// before edition 2024, then branch only from it.
    fn if_let_then(
        &mut self,
        l: &syn::ExprLet,
        then_branch: &Block,
        corr: Option<&Correlated>,
    ) -> ThenBranch {
        let before_scrutinee = self
            .scope
            .edition
            .drops_if_let_before_else()
            .then(|| self.snapshot());
        let v = self.expr(&l.expr);
        let tried = self.tried_guard(&v);
        let on_failure = is_failure_pattern(&l.pat);
        self.bindings.push(Vec::new());
        self.bind_scrutinee(&l.pat, v);
        let start = self.snapshot();
        let mut failed_try = None;
        match tried {
            // `if let Err(_) = m.try_lock()`: the body runs when the try failed.
            Some(id) if on_failure => self.live.retain(|g| g.id != id),
            // `if let Ok(g) = m.try_lock() { .. } else { .. }`: the else runs when it did.
            Some(id) => failed_try = Some(id),
            None => {}
        }
        if let Some(c) = corr {
            self.enter_branch(&c.name, c.then_some);
        }
        let v = self.block(then_branch);
        self.release_val(v);
        self.bindings.pop();
        ThenBranch {
            start,
            failed_try,
            before_scrutinee,
        }
    }

    /// `if let A = a && let B = b && c { .. }` (edition 2024): each `let`'s scrutinee lives
    /// through the then branch, and drops before `else`; a plain operand's temporaries drop
    /// before the next operand, as `&&`'s do.
    fn let_chain_then(&mut self, operands: &[&Expr], then_branch: &Block) -> ThenBranch {
        let before_scrutinee = Some(self.snapshot());
        self.bindings.push(Vec::new());
        for op in operands {
            if let Expr::Let(l) = op {
                let v = self.expr(&l.expr);
                self.bind_scrutinee(&l.pat, v);
            } else {
                let v = self.with_temps(|s| s.expr(op));
                self.release_val(v);
            }
        }
        let start = self.snapshot();
        let v = self.block(then_branch);
        self.release_val(v);
        self.bindings.pop();
        ThenBranch {
            start,
            failed_try: None,
            before_scrutinee,
        }
    }

    /// A plain `if`: the condition's temporaries drop before the then branch.
    fn plain_if_then(
        &mut self,
        cond: &Expr,
        then_branch: &Block,
        corr: Option<&Correlated>,
    ) -> ThenBranch {
        let v = self.with_temps(|s| s.expr(cond));
        self.release_val(v);
        let start = self.snapshot();
        if let Some(c) = corr {
            self.enter_branch(&c.name, c.then_some);
        }
        let v = self.block(then_branch);
        self.release_val(v);
        ThenBranch {
            start,
            failed_try: None,
            before_scrutinee: None,
        }
    }

    /// A name the pattern binds owns the scrutinee's guard in the body; the guard is also a
    /// temporary of the construct, so it ends with it either way.
    pub(super) fn bind_scrutinee(&mut self, pat: &Pat, v: Val) {
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
    pub(super) fn let_cond(&mut self, l: &syn::ExprLet, body: &Block) {
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

    pub(super) fn match_expr(&mut self, m: &syn::ExprMatch) -> Val {
        self.with_temps(|s| {
            let scrutinee = s.expr(&m.expr);
            let tried = s.tried_guard(&scrutinee);
            s.temp(scrutinee);
            let before = s.snapshot();
            let mut branches = Branches::default();
            let on = local_name(&m.expr);
            let mut correlated: Vec<(Option<bool>, bool, Vec<usize>)> = Vec::new();
            // An `Ok(..)` / `Some(..)` arm without a match guard came first: a `_` arm after it
            // matches only a failed try.
            let mut success_before = false;
            for arm in &m.arms {
                s.live = before.clone();
                let variant = option_variant(&arm.pat);
                if let (Some(name), Some(some)) = (&on, variant) {
                    s.enter_branch(name, some);
                }
                let failure = is_failure_pattern(&arm.pat)
                    || (success_before && matches!(arm.pat, Pat::Wild(_)));
                if let Some(id) = tried.filter(|_| failure) {
                    // `Err(..)` / `None` of a `try_lock`, or `_` after `Ok(..)`: this arm holds
                    // no guard.
                    s.live.retain(|g| g.id != id);
                }
                success_before |= arm.guard.is_none() && is_success_pattern(&arm.pat);
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
                let released = s.released_since(&before);
                correlated.push((variant, !diverges(&arm.body), released.clone()));
                branches.add(diverges(&arm.body), released);
            }
            s.join(&before, &branches.released());
            // Arms on one local `Option`, each `Some(..)` or `None` (no guard, no `_`).
            if let Some(name) = on {
                let arms: Option<Vec<(bool, bool, Vec<usize>)>> = correlated
                    .into_iter()
                    .zip(&m.arms)
                    .map(|((v, on, r), arm)| Some((v.filter(|_| arm.guard.is_none())?, on, r)))
                    .collect();
                if let Some(arms) = arms {
                    s.learn_correlation(&name, &arms);
                }
            }
        });
        Val::None
    }
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
    pub(super) fn add(&mut self, leaves: bool, released: Vec<usize>) {
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

    pub(super) fn released(self) -> Vec<usize> {
        self.every.unwrap_or(self.any)
    }
}

/// An `if`'s condition and then branch, walked: what its else branch starts from.
struct ThenBranch {
    /// The state the branches start from: after the condition.
    start: Vec<Guard>,
    /// The guard of `if let Ok(g) = m.try_lock()`, which the else branch does not hold.
    failed_try: Option<usize>,
    /// What was live before the scrutinee, when its temporaries drop before `else` (edition
    /// 2024's `if let`, let chains).
    before_scrutinee: Option<Vec<Guard>>,
}

/// A branch on a local `Option`: `if let Some(..) = opt`, `if let None = opt`,
/// `if opt.is_some()`, `if opt.is_none()` (also through `&opt`).
pub(super) struct Correlated {
    /// The local.
    name: String,
    /// Whether the then branch runs where it is `Some`.
    then_some: bool,
}

impl Correlated {
    fn of_if(cond: &Expr) -> Option<Correlated> {
        match cond {
            Expr::Let(l) => Some(Correlated {
                name: local_name(&l.expr)?,
                then_some: option_variant(&l.pat)?,
            }),
            Expr::MethodCall(m) if m.args.is_empty() => {
                let then_some = match m.method.to_string().as_str() {
                    "is_some" => true,
                    "is_none" => false,
                    _ => return None,
                };
                Some(Correlated {
                    name: local_name(&m.receiver)?,
                    then_some,
                })
            }
            Expr::Paren(p) => Correlated::of_if(&p.expr),
            _ => None,
        }
    }
}

/// A plain local's name, through `&`, `&mut` and parentheses.
fn local_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Reference(r) => local_name(&r.expr),
        Expr::Paren(p) => local_name(&p.expr),
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(ToString::to_string),
        _ => None,
    }
}

/// `Some(..)` → `Some(true)`, `None` → `Some(false)`, anything else (`_`, a name, `Ok(..)`) →
/// `None`.
fn option_variant(p: &Pat) -> Option<bool> {
    match p {
        Pat::TupleStruct(t) if t.path.is_ident("Some") => Some(true),
        Pat::Ident(i) if i.ident == "None" && i.subpat.is_none() => Some(false),
        Pat::Path(p) if p.path.is_ident("None") => Some(false),
        Pat::Paren(p) => option_variant(&p.pat),
        _ => None,
    }
}
