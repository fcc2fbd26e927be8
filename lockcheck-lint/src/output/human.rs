//! rustc's look, rendered by annotate-snippets (the renderer rustc itself uses): `file:line:col`,
//! the source line, a caret under the place, a note per related site.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{byte_range, path_of};
use crate::lint::Unit;
use crate::shown::shown;

/// Every finding and parse error of `units`, then a summary line.
pub fn human(units: &[Unit], color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    let mut findings = 0;
    let mut hidden = 0;
    let mut unparsed = 0;
    for u in units {
        let k = &u.krate;
        for e in &k.parse_errors {
            unparsed += 1;
            let path = shown(&path_of(k, &e.span)).into_owned();
            let report = [Level::ERROR
                .primary_title(format!("could not parse this file: {}", shown(&e.message)))
                .id("LC000")
                .element(
                    Snippet::source(k.files[e.span.file].text.as_str())
                        .path(path)
                        .annotation(AnnotationKind::Primary.span(byte_range(k, &e.span)).label(
                            if e.rest_read {
                                "this item is not read; the rest of the file and the others are"
                            } else {
                                "the lint stops reading this file here; the others are checked"
                            },
                        )),
                )];
            out.push_str(&renderer.render(&report));
            out.push_str("\n\n");
        }
        for f in &u.findings {
            findings += 1;
            out.push_str(&finding(k, f, &renderer));
            out.push_str("\n\n");
        }
        hidden += u.suppressed + u.baselined;
    }
    let files: usize = units.iter().map(|u| u.krate.files.len()).sum();
    out.push_str(&format!(
        "lockcheck: {findings} finding{} in {files} file{} ({hidden} suppressed or in the baseline, {unparsed} file{} not parsed)\n",
        if findings == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" },
        if unparsed == 1 { "" } else { "s" },
    ));
    out
}

/// One finding as rustc would render it (no trailing newline).
pub(crate) fn finding(
    k: &crate::model::Crate,
    f: &crate::rules::Finding,
    renderer: &Renderer,
) -> String {
    let text = k.files[f.span.file].text.as_str();
    // Names in the messages and paths come from the input: shown safely (`shown.rs`). The
    // renderer itself replaces control characters in the source lines it quotes.
    let mut first = Level::ERROR
        .primary_title(shown(&f.message))
        .id(f.rule.id)
        .element(
            Snippet::source(text)
                .path(shown(&path_of(k, &f.span)).into_owned())
                .fold(true)
                .annotation(
                    AnnotationKind::Primary
                        .span(byte_range(k, &f.span))
                        .label(shown(&f.label)),
                ),
        );
    let mut groups: Vec<Group<'_>> = Vec::new();
    for n in &f.notes {
        match &n.span {
            Some(s) => groups.push(
                Level::NOTE.secondary_title(shown(&n.message)).element(
                    Snippet::source(k.files[s.file].text.as_str())
                        .path(shown(&path_of(k, s)).into_owned())
                        .fold(true)
                        .annotation(AnnotationKind::Context.span(byte_range(k, s))),
                ),
            ),
            None => first = first.element(Level::NOTE.message(shown(&n.message))),
        }
    }
    if let Some(h) = &f.help {
        match groups.last_mut() {
            Some(_) => {
                let g = groups.pop().expect("non-empty");
                groups.push(g.element(Level::HELP.message(shown(h))));
            }
            None => first = first.element(Level::HELP.message(shown(h))),
        }
    }
    let mut report = vec![first];
    report.extend(groups);
    renderer.render(&report)
}
