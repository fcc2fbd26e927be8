//! Golden tests: each fixture under `tests/fixtures/` marks the lines where findings are
//! expected (`//~ LC003`, several ids if several), and its `.expected` file holds the exact
//! findings (rule, line, column, message). A fixture is edition 2021 unless its first line says
//! `// edition: 2024` (or another year). Regenerate the `.expected` files with
//! `BLESS=1 cargo test -p lockcheck-lint --test golden`, then read the diff.
//!
//! A fixture that is a whole crate (`tests/fixtures/crates/<name>/`, read from its manifest as
//! `cargo lockcheck --manifest-path` reads it) marks its files the same way; its `.expected` is
//! `tests/fixtures/crates/<name>.expected`, with each finding's file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use lockcheck_lint::{lint, Edition};

/// Relative paths (cargo runs tests from the package's directory), so that messages naming a
/// file are the same on every machine.
fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new("tests/fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
}

/// `(rule, line)` pairs the fixture marks with `//~`.
fn marked(text: &str) -> BTreeSet<(String, usize)> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(at) = line.find("//~") {
            for word in line[at + 3..].split_whitespace() {
                if word.starts_with("LC") && word.len() == 5 {
                    out.insert((word.to_owned(), i + 1));
                } else {
                    break;
                }
            }
        }
    }
    out
}

/// The edition a fixture's first line names (`// edition: 2024`), or 2021.
fn edition_of(text: &str) -> Edition {
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix("// edition:"))
        .map_or(Edition::E2021, |e| e.trim().parse().unwrap())
}

#[test]
fn every_fixture_gives_exactly_its_findings() {
    let mut failures = Vec::new();
    for path in fixtures() {
        let text = std::fs::read_to_string(&path).unwrap();
        let edition = Some(edition_of(&text));
        let unit = lint::run(
            lint::load(std::slice::from_ref(&path), edition).unwrap(),
            None,
        );
        assert!(
            unit.krate.parse_errors.is_empty(),
            "{}: {:?}",
            path.display(),
            unit.krate.parse_errors
        );
        let got: BTreeSet<(String, usize)> = unit
            .findings
            .iter()
            .map(|f| (f.rule.id.to_owned(), f.span.line))
            .collect();
        let want = marked(&text);
        if got != want {
            failures.push(format!(
                "{}:\n  marked:   {want:?}\n  reported: {got:?}\n  messages: {:#?}",
                path.display(),
                unit.findings
                    .iter()
                    .map(|f| format!(
                        "{} {}:{} {}",
                        f.rule.id, f.span.line, f.span.column, f.message
                    ))
                    .collect::<Vec<_>>()
            ));
            continue;
        }
        let exact: String = unit
            .findings
            .iter()
            .map(|f| {
                format!(
                    "{} {}:{} {}\n",
                    f.rule.id, f.span.line, f.span.column, f.message
                )
            })
            .collect();
        let expected_path = path.with_extension("expected");
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&expected_path, &exact).unwrap();
        } else {
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if expected != exact {
                failures.push(format!(
                    "{}: findings differ from {}:\n--- expected\n{expected}--- got\n{exact}",
                    path.display(),
                    expected_path.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_the_others_still_checked() {
    let dir = std::env::temp_dir().join(format!("lockcheck-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.rs");
    std::fs::write(&broken, "fn ok() {}\n\nfn broken( {\n").unwrap();
    let good = fixtures()
        .into_iter()
        .find(|p| p.ends_with("lc003_double_lock.rs"))
        .unwrap();
    let unit = lint::run(
        lint::load(&[broken.clone(), good], Some(Edition::E2021)).unwrap(),
        None,
    );
    assert_eq!(unit.krate.parse_errors.len(), 1);
    let e = &unit.krate.parse_errors[0];
    assert_eq!(unit.krate.files[e.span.file].path, broken);
    assert_eq!(e.span.line, 3, "{e:?}");
    assert!(!unit.findings.is_empty(), "the other file is still checked");
}

#[test]
fn a_file_pasted_in_with_include_is_not_a_module() {
    // sysinfo's `src/pcis.rs` is one `Some(match ..)` expression, `include!`d by utils.rs.
    let dir = std::env::temp_dir().join(format!("lockcheck-include-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src/data")).unwrap();
    let table = dir.join("src/data/table.rs");
    std::fs::write(
        &table,
        "Some(match id {\n    1 => \"one\",\n    _ => return None,\n})\n",
    )
    .unwrap();
    let user = dir.join("src/utils.rs");
    std::fs::write(
        &user,
        "fn name(id: u32) -> Option<&'static str> {\n    include!(\"data/../data/table.rs\")\n}\n",
    )
    .unwrap();
    let broken = dir.join("src/broken.rs");
    std::fs::write(&broken, "Some(match id {})\n").unwrap();
    let unit = lint::run(
        lint::load(&[broken.clone(), table, user], Some(Edition::E2021)).unwrap(),
        None,
    );
    // The included file is skipped; a file nobody includes that does not parse is still one.
    assert_eq!(
        unit.krate.parse_errors.len(),
        1,
        "{:?}",
        unit.krate.parse_errors
    );
    assert_eq!(
        unit.krate.files[unit.krate.parse_errors[0].span.file].path,
        broken
    );
}

#[test]
fn the_go_sched_example_prefix_dropm_is_found_and_the_fix_is_not() {
    let dir = Path::new("../examples/go_sched");
    let files = lint::rust_files(dir).unwrap();
    let unit = lint::run(lint::load(&files, Some(Edition::E2021)).unwrap(), None);
    let lc001: Vec<_> = unit
        .findings
        .iter()
        .filter(|f| f.rule.id == "LC001")
        .collect();
    assert_eq!(lc001.len(), 1, "{:?}", unit.findings);
    assert_eq!(lc001[0].function, "dropm_before_fix");
    assert!(lc001[0].message.contains("trace_thread_destroy"));
    assert!(
        unit.findings.iter().all(|f| f.function != "dropm"),
        "the fixed dropm is clean"
    );
    // The trace flusher's inversion, against the learned order and the declared ranks.
    assert!(unit.findings.iter().any(|f| f.rule.id == "LC004"));
    assert!(unit.findings.iter().any(|f| f.rule.id == "LC005"));
}

#[test]
fn a_rust_2015_file_that_does_not_parse_says_so() {
    let dir = std::env::temp_dir().join(format!("lockcheck-2015-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("old.rs");
    // `async` was a plain name in Rust 2015.
    std::fs::write(&file, "fn async() {}\n").unwrap();
    for (edition, says) in [(Edition::E2015, true), (Edition::E2018, false)] {
        let unit = lint::run(
            lint::load(std::slice::from_ref(&file), Some(edition)).unwrap(),
            None,
        );
        assert_eq!(unit.krate.parse_errors.len(), 1);
        assert_eq!(
            unit.krate.parse_errors[0].message.contains("Rust 2015"),
            says,
            "{edition}: {}",
            unit.krate.parse_errors[0].message
        );
    }
}

#[test]
fn every_crate_fixture_gives_exactly_its_findings() {
    let root = Path::new("tests/fixtures/crates");
    let mut crates: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    crates.sort();
    assert!(!crates.is_empty());
    let mut failures = Vec::new();
    for dir in crates {
        let units = lint::workspace_units(&dir.join("Cargo.toml")).unwrap();
        let mut got = BTreeSet::new();
        let mut exact = String::new();
        for sources in units {
            let unit = lint::run(
                lint::load(&sources.files, Some(sources.edition)).unwrap(),
                None,
            );
            let name = |file: usize| {
                let p = &unit.krate.files[file].path;
                p.strip_prefix(&dir).unwrap_or(p).display().to_string()
            };
            for e in &unit.krate.parse_errors {
                exact += &format!("LC000 {}:{}\n", name(e.span.file), e.span.line);
            }
            for f in &unit.findings {
                got.insert((name(f.span.file), f.rule.id.to_owned(), f.span.line));
                exact += &format!(
                    "{} {}:{}:{} {}\n",
                    f.rule.id,
                    name(f.span.file),
                    f.span.line,
                    f.span.column,
                    f.message
                );
            }
        }
        // Every `.rs` file of the fixture, linted or not, marks what it expects.
        let mut want = BTreeSet::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    let file = p.strip_prefix(&dir).unwrap().display().to_string();
                    for (rule, line) in marked(&text) {
                        want.insert((file.clone(), rule, line));
                    }
                }
            }
        }
        if got != want {
            failures.push(format!(
                "{}:\n  marked:   {want:?}\n  reported: {got:?}\n{exact}",
                dir.display()
            ));
            continue;
        }
        let expected_path = dir.with_extension("expected");
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&expected_path, &exact).unwrap();
        } else {
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if expected != exact {
                failures.push(format!(
                    "{}: findings differ from {}:\n--- expected\n{expected}--- got\n{exact}",
                    dir.display(),
                    expected_path.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
