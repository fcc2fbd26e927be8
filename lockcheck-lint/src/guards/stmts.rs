//! Blocks and statements: the temporaries of each statement, a block's tail, `let` (with
//! `else`), and `#[cfg]` on statements.

use syn::{Block, Expr, Pat, Stmt};

use super::{FnScope, Val, Walker};
use crate::lock_kind::DeclaredType;
use crate::syntax_utils::cfg::{stmt_cfg, stmt_is_test};
use crate::syntax_utils::exprs::{alias_of, segments, strip, strip_parens};
use crate::syntax_utils::patterns::pattern_idents;

impl Walker<'_> {
    pub(super) fn block(&mut self, b: &Block) -> Val {
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

    pub(super) fn local(&mut self, l: &syn::Local) {
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
        // A new `opt` shadows the one earlier branches were on.
        for name in pattern_idents(&l.pat) {
            self.released_when.retain(|(_, n, _)| *n != name);
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
    let init = strip_parens(&l.init.as_ref()?.expr);
    constructed(init, scope).or_else(|| returned_by_call(init, scope))
}

/// The type a constructor call builds: `Mutex::new(..)`, through `Arc::new(..)` and its kin;
/// `io::stdout()`.
fn constructed(init: &Expr, scope: &FnScope) -> Option<DeclaredType> {
    let file = scope.file;
    let key_of = |s: &[String]| scope.keys.key(&scope.module, s);
    let mut e = init;
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

/// The type a call of one of the crate's functions returns, as its signature says
/// (`Declared::returns`): `let mut cursor = data.cursor();`, through `?`, `.unwrap()` and
/// `.expect(..)`. A name the crate's functions disagree on, or that none of them has, says
/// nothing.
fn returned_by_call(init: &Expr, scope: &FnScope) -> Option<DeclaredType> {
    let name = match strip_parens(init) {
        Expr::Try(t) => return returned_by_call(&t.expr, scope),
        Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "unwrap" | "expect") => {
            return returned_by_call(&m.receiver, scope)
        }
        Expr::MethodCall(m) => m.method.to_string(),
        Expr::Call(c) => match strip_parens(&c.func) {
            Expr::Path(p) => p.path.segments.last()?.ident.to_string(),
            _ => return None,
        },
        _ => return None,
    };
    scope.declared.returns.get(&name)?.clone()
}
