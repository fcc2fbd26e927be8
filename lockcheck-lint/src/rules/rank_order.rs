//! LC005 `rank-order`: a nested acquisition against the rank order declared in the source
//! (`lock_ranks! { .. }` or `RankTable::parse("..")`), for locks built with `named("...")`.
//!
//! ```text
//! lock_ranks! { sched < trace; }
//! let _t = TRACE.lock();
//! let _s = SCHED.lock(); // LC005: sched is declared before trace
//! ```

use super::{Finding, Note, Rule};
use crate::analysis::Analysis;

pub(super) const RULE: Rule = Rule {
    id: "LC005",
    name: "rank-order",
    summary: "a nested acquisition against the declared rank order",
    check,
    check_with_reports: None,
};

fn check(a: &Analysis<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (span, message) in &a.krate.rank_errors {
        out.push(Finding {
            rule: &RULE,
            message: format!("the declared rank order is not usable: {message}"),
            span: *span,
            label: "this rank table".into(),
            notes: Vec::new(),
            help: Some("fix the table: the runtime refuses it too".into()),
            function: String::new(),
        });
    }
    for decl in &a.krate.ranks {
        for e in &a.order_edges {
            let (Some(from), Some(to)) = (a.class_of(&e.from), a.class_of(&e.to)) else {
                continue;
            };
            if !decl.table.orders(to, from) {
                continue;
            }
            let mut notes = vec![Note {
                message: format!("`{}` was taken here", e.from_text),
                span: Some(e.from_site),
            }];
            let why = decl.table.why(to, from);
            let mut chain: Vec<&str> = why.iter().map(|d| d.before.as_str()).collect();
            chain.extend(why.last().map(|d| d.after.as_str()));
            notes.push(Note {
                message: format!("the rank order declared here says `{}`", chain.join(" < ")),
                span: Some(decl.span),
            });
            out.push(Finding {
                rule: &RULE,
                message: format!(
                    "`{}` (rank `{to}`) is taken while `{}` (rank `{from}`) is held, against the declared order",
                    e.to_text, e.from_text
                ),
                span: e.site,
                label: format!("the declared order puts `{to}` before `{from}`"),
                notes,
                help: Some(format!("take `{}` first, or change the declared order", e.to_text)),
                function: e.function.clone(),
            });
        }
    }
    out
}
