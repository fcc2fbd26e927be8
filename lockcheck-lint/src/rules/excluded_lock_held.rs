//! LC002 `excluded-lock-held`: a call to an `#[excludes_lock(x)]` function while `x` is held
//! (the callee takes `x` itself: the thread would wait for itself).
//!
//! ```text
//! #[excludes_lock(EXTRA)]
//! fn lockextra() { let _e = EXTRA.lock(); }
//!
//! fn f() {
//!     let _e = EXTRA.lock();
//!     lockextra(); // LC002
//! }
//! ```

use super::{Finding, Note, Rule};
use crate::analysis::Analysis;

pub(super) const RULE: Rule = Rule {
    id: "LC002",
    name: "excluded-lock-held",
    summary: "a call to an #[excludes_lock] function with the lock held",
    check,
    check_with_reports: None,
};

fn check(a: &Analysis<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for call in a.calls() {
        for c in &call.callee.excludes {
            let Some(lock) = &c.lock else { continue };
            let Some(excluded) = call.translate(a, lock) else {
                continue;
            };
            let Some(h) = a.holds(call.held, &excluded, false) else {
                continue;
            };
            out.push(Finding {
                rule: &RULE,
                message: format!(
                    "call to `{}` while `{}` is held, which it excludes",
                    call.callee.name, c.text
                ),
                span: call.span,
                label: format!("`{}` is held here", a.show(&excluded, call.caller)),
                notes: vec![
                    Note {
                        message: format!("`{}` was taken here", h.text),
                        span: Some(h.span),
                    },
                    Note {
                        message: "excluded by this contract".into(),
                        span: Some(c.span),
                    },
                ],
                help: Some(format!(
                    "release `{}` before calling `{}`",
                    h.text, call.callee.ident
                )),
                function: call.caller.name.clone(),
            });
        }
    }
    out
}
