//! Where control does not go on: `return`, `break`, `continue`, `panic!` and its kin,
//! `std::process::exit(..)`. The walker's branches that leave do not decide what is released
//! after an `if` or a `match`.

use syn::{Block, Expr, Stmt};

use super::exprs::strip_parens;

/// Whether control never goes on past `e`: `return`, `break`, `continue`, `panic!` and its
/// kin, `std::process::exit(..)`, or a block, `if`/`else` or `match` all of whose ways do not.
pub(crate) fn diverges(e: &Expr) -> bool {
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

/// Whether control never goes on past the end of `b` (its last statement diverges).
pub(crate) fn block_diverges(b: &Block) -> bool {
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
