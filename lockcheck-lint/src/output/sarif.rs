//! `--format sarif`: SARIF 2.1.0, for code-scanning services.

use serde_json::{json, Value};

use super::path_of;
use crate::lint::Unit;
use crate::model::{Crate, Span};
use crate::rules::RULES;

fn location(k: &Crate, s: &Span, message: Option<&str>) -> Value {
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": path_of(k, s).replace('\\', "/") },
            "region": {
                "startLine": s.line,
                "startColumn": s.column,
                "endLine": s.end_line,
                "endColumn": s.end_column,
            }
        }
    });
    if let Some(m) = message {
        loc["message"] = json!({ "text": m });
    }
    loc
}

/// The findings of `units` as a SARIF 2.1.0 log.
pub fn sarif(units: &[Unit]) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "defaultConfiguration": { "level": "error" },
            })
        })
        .collect();
    let mut results = Vec::new();
    for u in units {
        let k = &u.krate;
        for f in &u.findings {
            let index = RULES.iter().position(|r| r.id == f.rule.id).unwrap_or(0);
            let related: Vec<Value> = f
                .notes
                .iter()
                .filter_map(|n| n.span.as_ref().map(|s| location(k, s, Some(&n.message))))
                .collect();
            results.push(json!({
                "ruleId": f.rule.id,
                "ruleIndex": index,
                "level": "error",
                "message": { "text": format!("{}: {}", f.message, f.label) },
                "locations": [location(k, &f.span, None)],
                "relatedLocations": related,
            }));
        }
        for e in &k.parse_errors {
            results.push(json!({
                "ruleId": "LC000",
                "level": "error",
                "message": { "text": format!("could not parse this file: {}", e.message) },
                "locations": [location(k, &e.span, None)],
            }));
        }
    }
    serde_json::to_string_pretty(&json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cargo-lockcheck",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }]
    }))
    .unwrap_or_default()
}
