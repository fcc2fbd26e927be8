//! LC001 `requires-lock-not-met`: a call to a `#[requires_lock(x)]` function from a function
//! that neither holds `x` at that point nor is itself annotated `#[requires_lock(x)]`.
//! Requirements flow through annotated callers, so a chain is checked end to end.
//!
//! ```text
//! #[requires_lock(SCHED)]
//! fn trace_thread_destroy(mp: &M) { .. }
//!
//! fn dropm(mp: &M) {
//!     trace_thread_destroy(mp); // LC001: SCHED is not held here
//! }
//! ```

use super::{Finding, Note, Rule};
use crate::analysis::Analysis;
use crate::model::{Contract, Function, LockPath};

pub(super) const RULE: Rule = Rule {
    id: "LC001",
    name: "requires-lock-not-met",
    summary: "a call to a #[requires_lock] function without the lock held",
    check,
    check_with_reports: None,
};

/// Whether `f` meets requirement `lock` by its own annotation.
fn annotated(f: &Function, lock: &LockPath, write: bool) -> bool {
    f.requires
        .iter()
        .any(|c| c.lock.as_ref() == Some(lock) && (c.write || !write))
}

/// Why `g` needs `lock` (in `g`'s terms): the annotated callees it passes the requirement on to,
/// as notes, following the chain.
fn chain(a: &Analysis<'_>, g: usize, lock: &LockPath, depth: usize, notes: &mut Vec<Note>) {
    if depth > 8 {
        return;
    }
    for call in a.calls().filter(|c| c.caller_index == g) {
        for c in &call.callee.requires {
            let Some(l) = &c.lock else { continue };
            if call.translate(a, l).as_ref() == Some(lock) {
                notes.push(Note {
                    message: format!(
                        "`{}` needs it to call `{}`",
                        call.caller.name, call.callee.name
                    ),
                    span: Some(call.span),
                });
                chain(a, call.callee_index, l, depth + 1, notes);
                return;
            }
        }
    }
}

fn check(a: &Analysis<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for call in a.calls() {
        let (f, gf) = (call.caller, call.callee);
        for c in &gf.requires {
            let Contract {
                lock: Some(lock),
                text,
                write,
                span: contract_span,
                ..
            } = c
            else {
                continue;
            };
            // What the caller must hold; silence when the lint cannot say.
            let Some(needed) = call.translate(a, lock) else {
                continue;
            };
            if a.holds(call.held, &needed, *write).is_some() || annotated(f, &needed, *write) {
                continue;
            }
            let shown = a.show(&needed, f);
            let mut notes = vec![Note {
                message: "required by this contract".into(),
                span: Some(*contract_span),
            }];
            chain(a, call.callee_index, lock, 0, &mut notes);
            let mode = if *write { " for writing" } else { "" };
            out.push(Finding {
                rule: &RULE,
                message: format!("call to `{}` requires `{text}` to be held{mode}", gf.name),
                span: call.span,
                label: format!("`{shown}` is not held here"),
                notes,
                help: Some(format!(
                    "take `{shown}` before the call, or add #[requires_lock({shown})] to `{}`",
                    f.ident
                )),
                function: f.name.clone(),
            });
        }
    }
    out
}
