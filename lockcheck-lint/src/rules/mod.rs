//! The rules, one file each. A rule reads the crate through the shared `Analysis` (calls
//! resolved, call summaries, the order edges) and never through another rule. Each file holds
//! its rule's record ([`Rule`]: id, name, summary, check); [`RULES`] lists them, once.
//! `combined_cycle.rs` is LC004's check with the orders test runs learned (`--reports DIR`).

use std::fmt;

use crate::analysis::Analysis;
use crate::merge::Merged;
use crate::model::{Crate, Span};

mod asserted_not_annotated;
mod combined_cycle;
mod double_lock;
mod excluded_lock_held;
mod order_cycle;
mod rank_order;
mod requires_lock;
mod unchecked_lock;

/// A rule: its stable id, its name (usable in suppressions), what it finds, and how.
pub struct Rule {
    /// Stable id, `LC001`...
    pub id: &'static str,
    /// Kebab-case name.
    pub name: &'static str,
    /// One line.
    pub summary: &'static str,
    /// Its findings in the crate.
    check: fn(&Analysis<'_>) -> Vec<Finding>,
    /// Its findings made partly of the orders test runs learned (`--reports DIR`), when it has
    /// any.
    check_with_reports: Option<fn(&Analysis<'_>, &Merged) -> Vec<Finding>>,
}

/// A rule is its id.
impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Rule {}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

/// Every rule, in id order: the one list, each rule's record in its own file.
pub const RULES: &[&Rule] = &[
    &requires_lock::RULE,
    &excluded_lock_held::RULE,
    &double_lock::RULE,
    &order_cycle::RULE,
    &rank_order::RULE,
    &asserted_not_annotated::RULE,
    &unchecked_lock::RULE,
];

/// A secondary place or remark of a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// What it says.
    pub message: String,
    /// Where, when it points somewhere.
    pub span: Option<Span>,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule.
    pub rule: &'static Rule,
    /// The headline.
    pub message: String,
    /// The primary place.
    pub span: Span,
    /// The label under the primary place.
    pub label: String,
    /// Related places.
    pub notes: Vec<Note>,
    /// How to fix it.
    pub help: Option<String>,
    /// The function it is in (for baselines, which must survive line moves).
    pub function: String,
}

/// Runs every rule over the crate; findings sorted by place.
pub fn check(krate: &Crate) -> Vec<Finding> {
    check_with_reports(krate, None)
}

/// The findings of every rule, with the orders test runs learned (merged from their report
/// files) added to LC004's graph: cycles made partly of run-time orders are reported too.
pub fn check_with_reports(krate: &Crate, reports: Option<&Merged>) -> Vec<Finding> {
    let a = Analysis::new(krate);
    let mut findings = Vec::new();
    for rule in RULES {
        findings.extend((rule.check)(&a));
        if let (Some(check), Some(reports)) = (rule.check_with_reports, reports) {
            findings.extend(check(&a, reports));
        }
    }
    findings.sort_by(|x, y| (x.span, x.rule.id).cmp(&(y.span, y.rule.id)));
    findings.dedup_by(|x, y| x.span == y.span && x.rule == y.rule && x.message == y.message);
    findings
}
