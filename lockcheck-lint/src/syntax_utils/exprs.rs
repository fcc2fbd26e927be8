//! Reading expressions: an expression under its parentheses, a field chain taken apart, a
//! path's segments, what a `let` initialiser takes a second handle on, a condition's let chain.

use syn::Expr;

/// `e` without parentheses and invisible groups (a reference is kept: it is a borrow).
pub(crate) fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::Group(g) => strip_parens(&g.expr),
        _ => e,
    }
}

/// `e` without parentheses, invisible groups, and a borrow of a place (`&self.m` names the
/// lock `self.m` names).
pub(crate) fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        Expr::Reference(r) if matches!(strip(&r.expr), Expr::Path(_) | Expr::Field(_)) => {
            strip(&r.expr)
        }
        _ => e,
    }
}

/// Whether `e` is `self` (or `&self`, in parentheses).
pub(crate) fn is_self(e: &Expr) -> bool {
    matches!(strip(e), Expr::Path(p) if p.path.is_ident("self"))
}

/// A field access chain taken apart: `a.b.c` → (`"b.c"`, `a`), each base peeled with `peel`.
pub(crate) fn field_chain(e: &Expr, peel: fn(&Expr) -> &Expr) -> (String, &Expr) {
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

/// A path's segments as strings (`std::mem::drop` → `["std", "mem", "drop"]`).
pub(crate) fn segments(p: &syn::Path) -> Vec<String> {
    p.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// What a `let` initialiser names, through the ways code takes a second handle on the same
/// object: `&x`, `&*x`, `x.clone()` (an `Arc`), `x.as_ref()`, `x.deref()`, `Arc::clone(&x)` /
/// `Rc::clone(&x)`. `let device = self.device.clone();` makes `device.x` be `self.device.x`.
pub(crate) fn alias_of(e: &Expr) -> &Expr {
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

/// Whether `op` is a compound assignment (`+=`, `<<=`, …).
pub(crate) fn is_assign_op(op: &syn::BinOp) -> bool {
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

/// The operands of an `if` condition that is a `&&` chain with a `let` in it (edition 2024's
/// let chains), left to right; `None` for any other condition.
pub(crate) fn let_chain(cond: &Expr) -> Option<Vec<&Expr>> {
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
