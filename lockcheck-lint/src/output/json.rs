//! `--format json`: every finding with its rule, place and notes; every file that did not parse;
//! every file the lint read (what a crate's module tree reached).

use serde_json::{json, Value};

use super::path_of;
use crate::lint::Unit;
use crate::model::{Crate, Span};

pub(crate) fn place(k: &Crate, s: &Span) -> Value {
    json!({
        "file": path_of(k, s),
        "line": s.line,
        "column": s.column,
        "end_line": s.end_line,
        "end_column": s.end_column,
    })
}

/// The findings of `units` as a JSON document (version 1).
pub fn json(units: &[Unit]) -> String {
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for u in units {
        let k = &u.krate;
        files.extend(k.files.iter().map(|f| f.path.display().to_string()));
        for f in &u.findings {
            findings.push(json!({
                "rule": f.rule.id,
                "name": f.rule.name,
                "message": f.message,
                "label": f.label,
                "function": f.function,
                "location": place(k, &f.span),
                "notes": f.notes.iter().map(|n| json!({
                    "message": n.message,
                    "location": n.span.as_ref().map(|s| place(k, s)),
                })).collect::<Vec<_>>(),
                "help": f.help,
            }));
        }
        for e in &k.parse_errors {
            errors.push(json!({"message": e.message, "location": place(k, &e.span)}));
        }
    }
    serde_json::to_string_pretty(&json!({
        "version": 1,
        "findings": findings,
        "errors": errors,
        "files": files,
    }))
    .unwrap_or_default()
}
