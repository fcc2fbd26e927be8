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
        return None;
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
