//! `--message-format=json`: cargo's JSON message stream, one `compiler-message` per finding
//! (rustc's diagnostic JSON inside: spans with byte offsets and highlighted text, labels, notes
//! and help as children, the rendered text), then `build-finished`. What rust-analyzer's
//! `check.overrideCommand` and every other cargo-JSON consumer read, so findings show in place.

use annotate_snippets::Renderer;
use serde_json::{json, Value};

use super::{byte_range, path_of};
use crate::lint::Unit;
use crate::model::{Crate, Span};
use crate::rules::Finding;

/// rustc's JSON for one span.
fn span(k: &Crate, s: &Span, primary: bool, label: Option<&str>) -> Value {
    let range = byte_range(k, s);
    let text = &k.files[s.file].text;
    // The source lines the span covers, each with the highlighted columns (1-based).
    let lines: Vec<Value> = text
        .lines()
        .enumerate()
        .skip(s.line.saturating_sub(1))
        .take(s.end_line.saturating_sub(s.line) + 1)
        .map(|(i, l)| {
            let n = i + 1;
            let start = if n == s.line { s.column } else { 1 };
            let end = if n == s.end_line {
                s.end_column
            } else {
                l.chars().count() + 1
            };
            json!({"text": l, "highlight_start": start, "highlight_end": end})
        })
        .collect();
    json!({
        "file_name": path_of(k, s),
        "byte_start": range.start,
        "byte_end": range.end,
        "line_start": s.line,
        "line_end": s.end_line,
        "column_start": s.column,
        "column_end": s.end_column,
        "is_primary": primary,
        "text": lines,
        "label": label,
        "suggested_replacement": null,
        "suggestion_applicability": null,
        "expansion": null,
    })
}

fn child(k: &Crate, level: &str, message: &str, at: Option<&Span>) -> Value {
    json!({
        "$message_type": "diagnostic",
        "message": message,
        "code": null,
        "level": level,
        "spans": at.map(|s| vec![span(k, s, true, None)]).unwrap_or_default(),
        "children": [],
        "rendered": null,
    })
}

fn diagnostic(k: &Crate, f: &Finding, renderer: &Renderer) -> Value {
    let mut children: Vec<Value> = f
        .notes
        .iter()
        .map(|n| child(k, "note", &n.message, n.span.as_ref()))
        .collect();
    if let Some(h) = &f.help {
        children.push(child(k, "help", h, None));
    }
    json!({
        "$message_type": "diagnostic",
        "message": f.message,
        "code": {"code": f.rule.id, "explanation": null},
        "level": "error",
        "spans": [span(k, &f.span, true, Some(f.label.as_str()))],
        "children": children,
        "rendered": format!("{}\n", super::human::finding(k, f, renderer)),
    })
}

/// The findings of `units` as cargo's JSON message stream (one JSON object per line).
/// `package_id` and `manifest_path` name the package linted (or are empty for loose files).
pub fn cargo_messages(units: &[Unit], package_id: &str, manifest_path: &str) -> String {
    let renderer = Renderer::plain();
    let mut out = String::new();
    let target = json!({
        "kind": ["lib"],
        "crate_types": ["lib"],
        "name": "lockcheck",
        "src_path": "",
        "edition": "2021",
        "doc": false,
        "doctest": false,
        "test": false,
    });
    let mut any = false;
    for u in units {
        for f in &u.findings {
            any = true;
            let message = json!({
                "reason": "compiler-message",
                "package_id": package_id,
                "manifest_path": manifest_path,
                "target": target,
                "message": diagnostic(&u.krate, f, &renderer),
            });
            out.push_str(&message.to_string());
            out.push('\n');
        }
    }
    out.push_str(&json!({"reason": "build-finished", "success": !any}).to_string());
    out.push('\n');
    out
}
