//! LC003 `double-lock`: acquiring `x` while a guard of `x` is live, directly or through a call
//! to a function that (transitively) acquires `x`. With std's locks this deadlocks (or panics);
//! a second read of an `RwLock` deadlocks as soon as a writer queues between the two, so a read
//! after a read is reported only where some code of the crate write-locks that lock.
//!
//! ```text
//! let g = self.state.lock();
//! self.flush(); // LC003 if flush() locks self.state
//! ```

use super::{Finding, Note, Rule};
use crate::analysis::{lock_name, Analysis};
use crate::model::LockPath;

pub(super) const RULE: Rule = Rule {
    id: "LC003",
    name: "double-lock",
    summary: "a lock acquired again while a guard of it is live",
    check,
    check_with_reports: None,
};

fn check(a: &Analysis<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    // A re-entrant lock (its declared type says so) taken again by its holder is no deadlock.
    let reentrant = |lock: &LockPath| a.krate.reentrant.contains(lock);
    for acq in a.acquisitions() {
        if acq.reentrant || reentrant(acq.lock) {
            continue;
        }
        let Some(h) = acq.held.iter().find(|h| h.lock == *acq.lock) else {
            continue;
        };
        let how = if acq.read && h.read {
            // Two reads block each other only when a writer queues between them: none can
            // when no code of the crate write-locks a lock of that name (nor passes a lock the
            // lint cannot name to a function that write-locks its parameter).
            let written = |n: &str| a.written.contains(n) || a.written.contains("");
            if !lock_name(acq.lock).is_none_or(written) {
                continue;
            }
            "read-locked"
        } else {
            "locked"
        };
        let text = acq.text;
        out.push(Finding {
            rule: &RULE,
            message: format!("`{text}` is {how} again while a guard of it is live"),
            span: acq.span,
            label: "this waits for the guard taken above: a self-deadlock".into(),
            notes: vec![Note {
                message: format!("`{}` was first locked here, and is still held", h.text),
                span: Some(h.span),
            }],
            help: Some(format!(
                "drop the first guard before locking `{text}` again, or reuse it"
            )),
            function: acq.function.name.clone(),
        });
    }
    for call in a.calls() {
        if call.callee_index == call.caller_index {
            continue;
        }
        for acq in &a.acquires[call.callee_index] {
            let Some(lock) = call.translate(a, &acq.lock) else {
                continue;
            };
            if matches!(lock, LockPath::Class(_)) || reentrant(&lock) {
                continue;
            }
            let Some(h) = call.held.iter().find(|h| h.lock == lock) else {
                continue;
            };
            let path: Vec<String> = std::iter::once(call.callee.name.clone())
                .chain(acq.via.iter().cloned())
                .collect();
            out.push(Finding {
                rule: &RULE,
                // Named as the caller wrote the lock it holds.
                message: format!(
                    "call to `{}` locks `{}`, which is already held here",
                    call.text, h.text
                ),
                span: call.span,
                label: format!("`{}` is held across this call", h.text),
                notes: vec![
                    Note {
                        message: format!("`{}` is held since here", h.text),
                        span: Some(h.span),
                    },
                    Note {
                        message: format!("`{}` locks it here", path.join("` → `")),
                        span: Some(acq.site),
                    },
                ],
                help: Some(format!(
                    "release `{}` before the call, or split `{}` so it does not lock it",
                    h.text, call.callee.ident
                )),
                function: call.caller.name.clone(),
            });
        }
    }
    out
}
