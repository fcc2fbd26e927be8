//! LC007 `unchecked-lock`: a crate that uses lockcheck still builds a lock from std,
//! parking_lot or tokio. Its orders are never learned and its contracts never checked: a suite
//! that passes proves nothing about it (opentelemetry_sdk's port passed with its core metrics
//! locks still std's, 19 orders learned of 66).
//!
//! ```text
//! use lockcheck::sync::Mutex;
//! use std::sync::RwLock; // LC007: `lockcheck::sync::RwLock` is checked
//! ```
//!
//! Nothing is said of a crate that names no `lockcheck` path: it has not adopted the checker.
//! `cargo lockcheck adopt` moves what this rule names.

use super::{Finding, Rule};
use crate::analysis::Analysis;

pub(super) const RULE: Rule = Rule {
    id: "LC007",
    name: "unchecked-lock",
    summary: "a lock of std, parking_lot or tokio in a crate that uses lockcheck",
    check,
    check_with_reports: None,
};

fn check(a: &Analysis<'_>) -> Vec<Finding> {
    if !a.krate.uses_lockcheck {
        return Vec::new();
    }
    a.krate
        .unchecked_locks
        .iter()
        .map(|u| {
            let name = u.what.rsplit("::").next().unwrap_or(&u.what);
            Finding {
                rule: &RULE,
                message: format!(
                    "`{}` is {}'s, not lockcheck's: its orders and contracts are not checked",
                    u.what, u.family
                ),
                span: u.span,
                label: format!("a lock of `{}`", u.family),
                notes: Vec::new(),
                help: Some(format!(
                    "use `{}::{name}` (same API); `cargo lockcheck adopt` moves the crate's locks",
                    u.replacement
                )),
                function: String::new(),
            }
        })
        .collect()
}
