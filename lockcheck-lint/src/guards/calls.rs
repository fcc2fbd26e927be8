//! Calls: a method that acquires a lock (or returns a guard of one), a guard passed through
//! (`.unwrap()`) or stored into a local collection, a call of the crate recorded with what is
//! held at it, `drop(g)`, and macros (`assert_held!`, and any macro whose body is
//! expressions).

use lockcheck_syntax::contract::parse_assertion;
use lockcheck_syntax::methods::{acquire_method, AcquireMethod, AcquisitionKind, PASS_THROUGH};
use lockcheck_syntax::text::normalized as text_of;
use syn::Expr;

use super::{Guard, Val, Walker};
use crate::lock_kind::LockKind;
use crate::model::{Callee, Event, Held, LockPath, Span};
use crate::syntax_utils::exprs::{is_self, segments, strip};

impl Walker<'_> {
    pub(super) fn method_call(&mut self, mc: &syn::ExprMethodCall) -> Val {
        let name = mc.method.to_string();
        let awaited = std::mem::take(&mut self.awaited);
        if let Some(v) = self.lock_method(mc, &name, awaited) {
            return v;
        }
        if matches!(
            name.as_str(),
            "take" | "replace" | "insert" | "get_or_insert" | "get_or_insert_with" | "as_mut"
        ) {
            self.forget_correlation(&mc.receiver);
        }
        if PASS_THROUGH.contains(&name.as_str()) {
            let v = self.expr(&mc.receiver);
            self.exprs(&mc.args);
            return v;
        }
        if let Some(c) = consuming_closure(mc, &name) {
            return self.guard_into_closure(mc, c);
        }
        if is_self(&mc.receiver) {
            if let Some(v) = self.guard_returner_call(mc, &name) {
                return v;
            }
            return self.self_method_call(mc, name);
        }
        if matches!(
            name.as_str(),
            "push" | "push_back" | "push_front" | "insert"
        ) && self.binding_mut(&mc.receiver).is_some()
        {
            return self.store_into_collection(mc);
        }
        // `timeline.update_gc_info()`, on a value whose declared type is a struct of the
        // crate: a call of that struct's method.
        if let Some((receiver, ty)) = self
            .lock_path(&mc.receiver)
            .and_then(|(p, _)| self.declared_struct(&p).map(|ty| (p, ty)))
        {
            return self.typed_method_call(mc, receiver, ty, name);
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

    /// `m.lock().map(|g| ..)` (and `map_or`, `and_then`, `is_ok_and`, ..): the receiver, a
    /// lock's result or guard taken by value, is moved into the closure, which drops it when it
    /// returns, unless it returns it (`|g| g`). Any other receiver lives as a temporary, as with
    /// any method.
    fn guard_into_closure(&mut self, mc: &syn::ExprMethodCall, c: &syn::ExprClosure) -> Val {
        let v = self.expr(&mc.receiver);
        for a in &mc.args {
            let w = self.expr(a);
            self.release_val(w);
        }
        if !matches!(v, Val::Guard(_) | Val::Guards(_)) {
            self.temp(v);
            return Val::None;
        }
        let returned = match (c.inputs.first(), &*c.body) {
            (Some(syn::Pat::Ident(p)), syn::Expr::Path(e)) if c.inputs.len() == 1 => {
                e.path.is_ident(&p.ident)
            }
            _ => false,
        };
        if returned {
            return v;
        }
        self.release_val(v);
        Val::None
    }

    /// `x.lock()` and its kin on a lock the lint can name: an acquisition (or, an async lock's
    /// `lock()` not awaited, a future). `None` when the method acquires nothing, the receiver
    /// names no lock, or its declared type is a struct of the crate that is not a lock.
    fn lock_method(&mut self, mc: &syn::ExprMethodCall, name: &str, awaited: bool) -> Option<Val> {
        let (method, own) = match acquisition(mc) {
            Some(m) => (m, false),
            None => (self.own_acquirer(mc, name)?, true),
        };
        let (lock, text) = self.lock_path(&mc.receiver)?;
        match self.declared_kind(&lock) {
            // `self.config.read()` on a struct of the crate that is not a lock: its own
            // method, walked as any other. (A method the crate says acquires its receiver does,
            // whatever the receiver's type: a wrapper that derefs to its lock.)
            Some(LockKind::NotALock) if !own => None,
            // An async lock's `lock()` not awaited is a future, not a guard.
            Some(LockKind::Lock {
                asynchronous: true, ..
            }) if !awaited
                && method.kind == AcquisitionKind::Blocking
                && !name.starts_with("blocking_") =>
            {
                self.exprs(&mc.args);
                Some(Val::None)
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
                Some(self.acquire(lock, text, mc, method, reentrant))
            }
        }
    }

    /// `x.inner.rl()`, a method of the crate that acquires its receiver (an extension trait on
    /// the lock type): how it takes it.
    fn own_acquirer(&self, mc: &syn::ExprMethodCall, name: &str) -> Option<AcquireMethod> {
        if !mc.args.is_empty() || mc.turbofish.is_some() {
            return None;
        }
        self.scope.declared.acquirers.get(name).copied().flatten()
    }

    /// `self.state()`, a method returning a guard of one of `self`'s locks: an acquisition
    /// here.
    fn guard_returner_call(&mut self, mc: &syn::ExprMethodCall, name: &str) -> Option<Val> {
        let ty = self.scope.self_ty.clone()?;
        let (fields, method) = self
            .scope
            .guard_returners
            .get(&(ty.clone(), name.to_owned()))
            .cloned()?;
        // Its arguments are evaluated before it takes the lock.
        for a in &mc.args {
            let v = self.expr(a);
            self.release_val(v);
        }
        let lock = LockPath::SelfField { ty, fields };
        let text = text_of(&Expr::MethodCall(mc.clone()));
        Some(self.acquire(lock, text, mc, method, false))
    }

    /// `self.m(..)`: a call of the crate, recorded with what is held at it.
    fn self_method_call(&mut self, mc: &syn::ExprMethodCall, name: String) -> Val {
        let args = self.call_args(&mc.args);
        self.events.push(Event::Call {
            callee: Callee::SelfMethod(name.clone()),
            args,
            span: self.span(mc),
            text: format!("self.{name}"),
            held: self.held(),
        });
        Val::None
    }

    /// `x.m(..)` where `x`'s declared type is the crate's struct `ty`: a call of `ty::m`, the
    /// receiver passed first (as `Type::m(x, ..)` passes it), recorded with what is held at it.
    fn typed_method_call(
        &mut self,
        mc: &syn::ExprMethodCall,
        receiver: LockPath,
        ty: String,
        name: String,
    ) -> Val {
        self.expr_temp(&mc.receiver);
        let mut args = vec![Some(receiver)];
        args.extend(self.call_args(&mc.args));
        self.events.push(Event::Call {
            callee: Callee::Assoc(ty, name.clone()),
            args,
            span: self.span(mc),
            text: format!("{}.{name}", text_of(&mc.receiver)),
            held: self.held(),
        });
        Val::None
    }

    /// `guards.push(m.lock())`: a guard put into a local collection is held as long as the
    /// collection is.
    fn store_into_collection(&mut self, mc: &syn::ExprMethodCall) -> Val {
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
        Val::None
    }

    /// An acquisition of `lock`: a blocking or timed one waits, so it is an event (it orders
    /// the locks held before it, and can deadlock); a `try_*` one is not. Either way the lock is
    /// held afterwards, through the guard returned; a try or timed one's failure arm holds
    /// nothing (`branches.rs`).
    fn acquire(
        &mut self,
        lock: LockPath,
        text: String,
        mc: &syn::ExprMethodCall,
        method: AcquireMethod,
        reentrant: bool,
    ) -> Val {
        let read = method.shared();
        let span = self.span(mc);
        if method.kind.waits() {
            self.events.push(Event::Acquire {
                lock: lock.clone(),
                text: text.clone(),
                span,
                held: self.held(),
                try_: false,
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
                try_: method.kind.may_fail(),
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

    pub(super) fn call(&mut self, c: &syn::ExprCall) -> Val {
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

    pub(super) fn mac(&mut self, m: &syn::Macro) {
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

/// The acquiring method a call names (`lockcheck-syntax`'s list, by name and arity). A call with
/// generic arguments (`cursor.read::<u8>()`) is never one: no lock method of std, parking_lot,
/// lock_api, spin or tokio takes any.
pub(crate) fn acquisition(mc: &syn::ExprMethodCall) -> Option<AcquireMethod> {
    if mc.turbofish.is_some() {
        return None;
    }
    acquire_method(&mc.method.to_string(), mc.args.len())
}

/// The closure a by-value combinator (`map`, `map_or`, `map_or_else`, `and_then`, `is_ok_and`,
/// `is_some_and`) hands its receiver to: its last argument, when that is a closure.
fn consuming_closure<'a>(mc: &'a syn::ExprMethodCall, name: &str) -> Option<&'a syn::ExprClosure> {
    if !matches!(
        name,
        "map" | "map_or" | "map_or_else" | "and_then" | "is_ok_and" | "is_some_and"
    ) {
        return None;
    }
    match mc.args.last()? {
        syn::Expr::Closure(c) => Some(c),
        _ => None,
    }
}
