//! LC006 `asserted-not-annotated`: a function checks `x` with `assert_held!` but lacks
//! `#[requires_lock(x)]`, so its callers are not checked before they run it.
//!
//! ```text
//! fn trace_thread_destroy() {
//!     assert_held!(SCHED); // LC006: say it in the signature
//! }
//! ```

use super::{Finding, Rule};
use crate::analysis::Analysis;
use crate::model::Event;

pub(super) const RULE: Rule = Rule {
    id: "LC006",
    name: "asserted-not-annotated",
    summary: "assert_held! in a function without #[requires_lock]",
    check,
    check_with_reports: None,
};

fn check(a: &Analysis<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in &a.krate.functions {
        for e in &f.events {
            let Event::AssertHeld {
                lock: Some(lock),
                text,
                span,
            } = e
            else {
                continue;
            };
            if f.requires.iter().any(|c| c.lock.as_ref() == Some(lock)) {
                continue;
            }
            out.push(Finding {
                rule: &RULE,
                message: format!(
                    "`{}` asserts that `{text}` is held but is not annotated #[requires_lock({text})]",
                    f.name
                ),
                span: *span,
                label: "checked here, at run time only".into(),
                notes: Vec::new(),
                help: Some(format!(
                    "add #[requires_lock({text})] to `{}` so that its callers are checked",
                    f.ident
                )),
                function: f.name.clone(),
            });
        }
    }
    out
}
