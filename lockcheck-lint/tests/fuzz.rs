//! Arbitrary input never panics the lint: generated token soups, and the golden fixtures with
//! random edits (deleted, duplicated and inserted characters), go through parsing, the rules and
//! every output format. What does not parse is reported with a place.

use std::path::PathBuf;

use lockcheck_lint::lint::{self, Unit};
use lockcheck_lint::model::{Crate, SourceFile};
use lockcheck_lint::output;
use proptest::prelude::*;

fn fixtures() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    out.sort();
    out
}

fn check(text: String) -> Result<(), TestCaseError> {
    let krate = Crate::build(
        vec![SourceFile {
            path: PathBuf::from("fuzz.rs"),
            text,
        }],
        Default::default(),
    );
    for e in &krate.parse_errors {
        prop_assert!(e.span.line >= 1 && e.span.column >= 1);
    }
    let unit: Unit = lint::run(krate, None);
    let units = [unit];
    let _ = output::human(&units, false);
    let _ = output::json(&units);
    let _ = output::sarif(&units);
    Ok(())
}

/// Pieces of Rust that exercise the walker: locks, guards, calls, closures, macros, contracts.
const PIECES: &[&str] = &[
    "fn f(&self) {",
    "}",
    "{",
    "let g = ",
    "self.a.lock()",
    "A.lock()",
    ".unwrap()",
    ";",
    "drop(g);",
    "if let Some(x) = ",
    "match ",
    " { _ => {} }",
    "while let Ok(v) = ",
    "B.try_lock()",
    "g()",
    "self.m()",
    "Self::n(&self.b)",
    "#[requires_lock(A)]",
    "#[excludes_lock(self.a)]",
    "assert_held!(A);",
    "lock_ranks! { a < b; }",
    "impl S {",
    "struct S { a: M }",
    "|| ",
    "async { ",
    "x.read()",
    "*y.write().unwrap() = 1",
    " + ",
    " && ",
    "println!(\"{}\", ",
    ")",
    "let (a, b) = (A.lock(), B.lock());",
    "static A: M = M::named(\"a\", 0);",
    "'a",
    "?",
    ".await",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn token_soup_never_panics(pieces in prop::collection::vec(0..PIECES.len(), 0..60)) {
        let text: String = pieces.iter().map(|&i| PIECES[i]).collect::<Vec<_>>().join(" ");
        check(text)?;
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0..64usize,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, any::<char>()), 1..8),
    ) {
        let all = fixtures();
        let mut chars: Vec<char> = all[which % all.len()].chars().collect();
        for (at, kind, c) in edits {
            if chars.is_empty() {
                break;
            }
            let i = at.index(chars.len());
            match kind {
                0 => {
                    chars.remove(i);
                }
                1 => {
                    let dup = chars[i];
                    chars.insert(i, dup);
                }
                _ => chars.insert(i, c),
            }
        }
        check(chars.into_iter().collect())?;
    }
}
