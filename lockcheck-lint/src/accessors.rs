//! Lock accessors: methods of `self` whose one-expression body hands out one of `self`'s locks
//! (`fn deposits(&self) -> &RwLock<..> { &self.inner.cache }`) or a guard of one (`fn state(&self)
//! -> MutexGuard<'_, S> { self.state.lock().unwrap() }`). The collector's pre-pass finds them in
//! every file; the walker follows them, so that `self.deposits().write()` locks
//! `self.inner.cache` and `self.state()` is an acquisition of `self.state`.

use std::collections::BTreeMap;

use lockcheck_syntax::methods::{AcquireMethod, PASS_THROUGH};
use syn::Expr;

use crate::syntax_utils::exprs::{field_chain, is_self, strip_parens};

/// Accessors that return a lock: (`Self` type, method) → the field path on `self` they return.
pub(crate) type AccessorMap = BTreeMap<(String, String), String>;

/// Functions that return a guard of a lock of `self`: (`Self` type, method) → the field path
/// and the acquiring method. A call to one is an acquisition, and the guard is held where it
/// goes.
pub(crate) type GuardReturners = BTreeMap<(String, String), (String, AcquireMethod)>;

/// What a method hands out, when it is an accessor.
pub(crate) enum Accessor {
    /// A lock of `self`: its field path.
    Lock(String),
    /// A guard of a lock of `self`: the lock's field path and how it is taken.
    Guard(String, AcquireMethod),
}

/// What `f` (a method) hands out: a lock or a guard of `self`'s, when it takes `self` alone,
/// its body is one expression that returns one, and its return type names a lock (or a guard).
pub(crate) fn accessor(f: &syn::ImplItemFn) -> Option<Accessor> {
    let only_self = f.sig.inputs.len() == 1 && f.sig.receiver().is_some();
    let [syn::Stmt::Expr(e, None)] = f.block.stmts.as_slice() else {
        return guard_in_returned_value(f).map(|(fields, m)| Accessor::Guard(fields, m));
    };
    if !only_self {
        return None;
    }
    let returned = match &f.sig.output {
        syn::ReturnType::Type(_, t) => quote::ToTokens::to_token_stream(t).to_string(),
        syn::ReturnType::Default => String::new(),
    };
    let names = |words: &[&str]| {
        returned
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| words.contains(&w))
    };
    if names(&[
        "MutexGuard",
        "RwLockReadGuard",
        "RwLockWriteGuard",
        "ReentrantMutexGuard",
    ]) {
        let (fields, method) = returned_acquisition(e)?;
        Some(Accessor::Guard(fields, method))
    } else if names(&["Mutex", "RwLock", "ReentrantMutex", "ReentrantLock"]) {
        self_field_path(e).map(Accessor::Lock)
    } else {
        None
    }
}

/// A method of the crate's own that acquires its receiver: an extension trait on the lock type
/// (tikv's `fn rl(&self) -> RwLockReadGuard<'_, T> { self.read().unwrap() }`), in an impl or a
/// trait's default body. Its body's tail takes `self` itself with an acquiring method (through
/// `.unwrap()`, `.expect(..)`, `?`), it takes `self` alone, and it returns a guard. A call of it
/// anywhere, on any receiver, is then an acquisition of that receiver, as `lock()` is.
pub(crate) fn receiver_acquirer(sig: &syn::Signature, body: &syn::Block) -> Option<AcquireMethod> {
    if sig.inputs.len() != 1 || sig.receiver().is_none() || !returns_guard(&sig.output) {
        return None;
    }
    let Some(syn::Stmt::Expr(tail, None)) = body.stmts.last() else {
        return None;
    };
    fn of_self(e: &Expr) -> Option<AcquireMethod> {
        match strip_parens(e) {
            Expr::Try(t) => of_self(&t.expr),
            Expr::MethodCall(m) if PASS_THROUGH.contains(&m.method.to_string().as_str()) => {
                of_self(&m.receiver)
            }
            Expr::MethodCall(m) if is_self(strip_parens(&m.receiver)) => {
                crate::guards::acquisition(m)
            }
            _ => None,
        }
    }
    of_self(tail)
}

/// Whether a return type names a guard (`MutexGuard`, `RwLockReadGuard`, `MappedMutexGuard`,
/// tokio's `OwnedRwLockWriteGuard`, …).
fn returns_guard(output: &syn::ReturnType) -> bool {
    let syn::ReturnType::Type(_, t) = output else {
        return false;
    };
    quote::ToTokens::to_token_stream(t)
        .to_string()
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w.ends_with("Guard") && (w.contains("Mutex") || w.contains("Lock")))
}

/// A method of several statements that returns a guard of one of `self`'s locks inside a value
/// (wgpu's `fn begin(&self) -> Pending<'_> { let g = self.indices.write(); ..; Pending { guard:
/// g, .. } }`): a `let` of the body binds the guard to a name, and the body's tail is that name,
/// a struct literal with it as a field's value, or either inside `Some(..)` / `Ok(..)`. The
/// guard leaves with the value, so a call is an acquisition of that lock.
fn guard_in_returned_value(f: &syn::ImplItemFn) -> Option<(String, AcquireMethod)> {
    f.sig.receiver()?;
    let (tail, lets) = f.block.stmts.split_last()?;
    let syn::Stmt::Expr(tail, None) = tail else {
        return None;
    };
    let returned = returned_names(tail);
    lets.iter().find_map(|s| {
        let syn::Stmt::Local(l) = s else { return None };
        let syn::Pat::Ident(p) = &l.pat else {
            return None;
        };
        if !returned.contains(&p.ident.to_string()) {
            return None;
        }
        returned_acquisition(&l.init.as_ref()?.expr)
    })
}

/// The local names a returned value carries: `g`, `Pending { guard: g, .. }`, `Some(..)` of
/// either.
fn returned_names(e: &Expr) -> Vec<String> {
    match strip_parens(e) {
        Expr::Path(p) => p
            .path
            .get_ident()
            .map(|i| vec![i.to_string()])
            .unwrap_or_default(),
        Expr::Struct(s) => s
            .fields
            .iter()
            .flat_map(|f| returned_names(&f.expr))
            .collect(),
        Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if p.path.is_ident("Some") || p.path.is_ident("Ok")) => {
            c.args.iter().flat_map(returned_names).collect()
        }
        Expr::Tuple(t) => t.elems.iter().flat_map(returned_names).collect(),
        _ => Vec::new(),
    }
}

/// The lock acquisition a guard-returning body's tail is: `self.a.lock()`, through
/// `.unwrap()` / `.expect(..)` / `?`.
fn returned_acquisition(e: &Expr) -> Option<(String, AcquireMethod)> {
    match strip_parens(e) {
        Expr::Try(t) => returned_acquisition(&t.expr),
        Expr::MethodCall(m) if PASS_THROUGH.contains(&m.method.to_string().as_str()) => {
            returned_acquisition(&m.receiver)
        }
        Expr::MethodCall(m) => {
            let method = crate::guards::acquisition(m)?;
            Some((self_field_path(&m.receiver)?, method))
        }
        _ => None,
    }
}

/// The field path on `self` an accessor's body returns: `&self.a.b`, `self.a.b`,
/// `self.a.clone()` (an `Arc` of the lock), `&*self.a` → `a.b` / `a`.
fn self_field_path(e: &Expr) -> Option<String> {
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
