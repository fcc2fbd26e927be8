//! `cargo lockcheck merge` as a user runs it: report files in a directory, exit codes, output.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lockcheck-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A version-1 report of one process that learned `edges` (from, to, line).
fn report(program: &str, pid: u32, edges: &[(&str, &str, u32)]) -> String {
    let edges: Vec<String> = edges
        .iter()
        .map(|(from, to, line)| {
            format!(
                r#"{{"from":"{from}","to":"{to}","site":{{"file":"src/{program}.rs","line":{line},"column":9}},"from_site":{{"file":"src/{program}.rs","line":{},"column":9}},"thread":"main","count":1,"declared":null}}"#,
                line - 1
            )
        })
        .collect();
    format!(
        r#"{{"schema":"lockcheck-report","version":1,"pid":{pid},"program":"{program}","classes":[],"edges":[{}],"declared_order":[],"violations":[]}}"#,
        edges.join(",")
    )
}

fn merge(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-lockcheck"))
        .arg("lockcheck")
        .arg("merge")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_cycle_split_over_two_processes_is_found() {
    let dir = fresh_dir("cycle");
    std::fs::write(
        dir.join("one.json"),
        report("test_one", 10, &[("a", "b", 5)]),
    )
    .unwrap();
    std::fs::write(
        dir.join("two.json"),
        report("test_two", 20, &[("b", "a", 7)]),
    )
    .unwrap();
    let (code, out, _) = merge(&dir, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("possible deadlock across processes: lock order cycle through `a`, `b`"),
        "{out}"
    );
    assert!(
        out.contains("first seen at src/test_one.rs:5:9 (thread `main`, `test_one` pid 10)"),
        "{out}"
    );
    assert!(
        out.contains("first seen at src/test_two.rs:7:9 (thread `main`, `test_two` pid 20)"),
        "{out}"
    );
    assert!(out.contains("2 reports merged (0 unreadable)"), "{out}");
}

#[test]
fn consistent_processes_merge_clean() {
    let dir = fresh_dir("clean");
    std::fs::write(
        dir.join("one.json"),
        report("p", 1, &[("a", "b", 5), ("b", "c", 6)]),
    )
    .unwrap();
    std::fs::write(dir.join("two.json"), report("p", 2, &[("a", "c", 5)])).unwrap();
    let (code, out, _) = merge(&dir, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 order edges, 0 cycles"), "{out}");
}

#[test]
fn bad_files_are_named_and_the_others_still_merged() {
    let dir = fresh_dir("bad");
    std::fs::write(dir.join("one.json"), report("p", 1, &[("a", "b", 5)])).unwrap();
    std::fs::write(dir.join("two.json"), report("p", 2, &[("b", "a", 5)])).unwrap();
    std::fs::write(
        dir.join("corrupt.json"),
        "{\"schema\":\"lockcheck-report\",",
    )
    .unwrap();
    std::fs::write(
        dir.join("future.json"),
        report("p", 3, &[]).replace("\"version\":1", "\"version\":7"),
    )
    .unwrap();
    std::fs::write(dir.join("other.json"), "{\"hello\":1}").unwrap();
    std::fs::write(
        dir.join("partial.json"),
        report("p", 4, &[("x", "y", 1)]).replace("\"count\":1,", ""),
    )
    .unwrap();
    let (code, out, _) = merge(&dir, &[]);
    assert_eq!(code, 1, "the cycle is still found: {out}");
    assert!(out.contains("lock order cycle through `a`, `b`"), "{out}");
    assert!(
        out.contains("corrupt.json: not valid JSON: EOF while parsing a value at line 1 column 29"),
        "{out}"
    );
    assert!(out.contains("future.json: report schema version 7 is not the version this cargo-lockcheck reads (1)"), "{out}");
    assert!(
        out.contains("other.json: not a lockcheck report (its \"schema\" is missing"),
        "{out}"
    );
    assert!(
        out.contains("partial.json: malformed report: missing field `count`"),
        "{out}"
    );
    assert!(out.contains("2 reports merged (4 unreadable)"), "{out}");
}

#[test]
fn only_bad_files_exit_2() {
    let dir = fresh_dir("only-bad");
    std::fs::write(dir.join("corrupt.json"), "not json").unwrap();
    let (code, out, _) = merge(&dir, &[]);
    assert_eq!(code, 2, "{out}");
}

/// A version-1 report of one process that reported an inversion itself (its graph, acyclic:
/// the closing edge was refused), captured by a test or not.
fn report_with_violation(program: &str, pid: u32, thread: &str, captured: bool) -> String {
    let site = |line: u32| format!(r#"{{"file":"src/lib.rs","line":{line},"column":9}}"#);
    let lock_use = |class: &str, line: u32| {
        format!(
            r#"{{"class":"{class}","mode":"exclusive","site":{}}}"#,
            site(line)
        )
    };
    format!(
        r#"{{"schema":"lockcheck-report","version":1,"pid":{pid},"program":"{program}","classes":[],
        "edges":[{{"from":"a","to":"b","site":{},"from_site":{},"thread":"{thread}","count":1,"declared":null}}],
        "declared_order":[],
        "violations":[{{"kind":"order-cycle","thread":"{thread}","captured":{captured},
          "acquiring":{},"held":[{}],
          "cycle":[{{"from":"b","to":"a"}},{{"from":"a","to":"b"}}],
          "message":"lockcheck: possible deadlock: lock order inversion between `b` and `a`\n"}}]}}"#,
        site(4),
        site(3),
        lock_use("a", 8),
        lock_use("b", 7)
    )
}

#[test]
fn violations_the_processes_reported_fail_the_merge() {
    // Two processes hit the same inversion: one report, both processes named, exit 1.
    let dir = fresh_dir("reported");
    std::fs::write(
        dir.join("one.json"),
        report_with_violation("p", 1, "main", false),
    )
    .unwrap();
    std::fs::write(
        dir.join("two.json"),
        report_with_violation("q", 2, "worker", false),
    )
    .unwrap();
    let (code, out, err) = merge(&dir, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        out.matches("lock order inversion between `b` and `a`")
            .count(),
        1,
        "{out}"
    );
    assert!(out.contains("reported by 2 processes:"), "{out}");
    assert!(out.contains("`p` pid 1 (thread `main`)"), "{out}");
    assert!(out.contains("`q` pid 2 (thread `worker`)"), "{out}");
    assert!(
        out.contains(
            "0 cycles (0 across processes), 1 violation reported by the processes themselves"
        ),
        "{out}"
    );

    // Captured by a test on purpose: shown as a count, the merge passes.
    let dir = fresh_dir("captured");
    std::fs::write(
        dir.join("one.json"),
        report_with_violation("p", 1, "main", true),
    )
    .unwrap();
    let (code, out, _) = merge(&dir, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("(1 more captured by tests, not counted)"),
        "{out}"
    );

    // Nothing to merge is not a pass.
    let dir = fresh_dir("empty");
    let (code, _, err) = merge(&dir, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no lockcheck reports in"), "{err}");
}

#[test]
fn json_output_and_usage_errors() {
    let dir = fresh_dir("json");
    std::fs::write(dir.join("one.json"), report("p", 1, &[("a", "b", 5)])).unwrap();
    std::fs::write(dir.join("two.json"), report("q", 2, &[("b", "a", 5)])).unwrap();
    let (code, out, _) = merge(&dir, &["--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["cycles"][0]["cross_process"], true);
    assert_eq!(v["cycles"][0]["edges"].as_array().unwrap().len(), 2);

    let (code, _, err) = merge(&dir.join("missing"), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("could not read the directory"), "{err}");
    let (code, _, err) = merge(&dir, &["--format", "xml"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown format `xml`"), "{err}");
}

fn lint(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-lockcheck"))
        .arg("lockcheck")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn lint_human_output_looks_like_rustc() {
    let (code, out, _) = lint(&[&fixture("lc001_requires_lock.rs")]);
    assert_eq!(code, 1);
    assert!(
        out.contains("error[LC001]: call to `trace_thread_destroy` requires `SCHED` to be held"),
        "{out}"
    );
    assert!(out.contains("lc001_requires_lock.rs:17:5"), "{out}");
    assert!(
        out.contains("^^^^^^^^^^^^^^^^^^^^^^^ `SCHED` is not held here"),
        "{out}"
    );
    assert!(out.contains("note: required by this contract"), "{out}");
    assert!(out.contains("help: take `SCHED` before the call, or add #[requires_lock(SCHED)] to `dropm_before_fix`"), "{out}");
    assert!(out.contains("lockcheck: 4 findings in 1 file"), "{out}");
}

#[test]
fn lint_exit_codes() {
    let dir = fresh_dir("lint-exit");
    let clean = dir.join("clean.rs");
    std::fs::write(
        &clean,
        "fn f(m: &std::sync::Mutex<u8>) { *m.lock().unwrap() += 1; }\n",
    )
    .unwrap();
    assert_eq!(lint(&[clean.to_str().unwrap()]).0, 0);
    let broken = dir.join("broken.rs");
    std::fs::write(&broken, "fn f( {\n").unwrap();
    let (code, out, _) = lint(&[broken.to_str().unwrap()]);
    assert_eq!(code, 2, "a file that does not parse: {out}");
    assert!(
        out.contains("error[LC000]: could not parse this file"),
        "{out}"
    );
    assert!(out.contains("broken.rs:1:"), "{out}");
    assert_eq!(lint(&["--format", "yaml", clean.to_str().unwrap()]).0, 2);
    assert_eq!(lint(&[dir.join("missing.rs").to_str().unwrap()]).0, 2);
}

#[test]
fn lint_json_and_sarif() {
    let (code, out, _) = lint(&["--format", "json", &fixture("lc004_order_cycle.rs")]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0]["rule"], "LC004");
    assert_eq!(findings[0]["location"]["line"], 27);
    assert_eq!(findings[0]["location"]["column"], 18);
    assert!(findings[0]["notes"].as_array().unwrap().len() >= 3);

    let (code, out, _) = lint(&["--format", "sarif", &fixture("lc004_order_cycle.rs")]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "cargo-lockcheck");
    assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 7);
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "LC004");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        27
    );
    assert!(!result["relatedLocations"].as_array().unwrap().is_empty());
}

#[test]
fn a_baseline_adopts_existing_findings_and_new_ones_still_fail() {
    let dir = fresh_dir("baseline");
    let src = dir.join("lib.rs");
    let body = "static A: std::sync::Mutex<u8> = std::sync::Mutex::new(0);\n\
                fn old() { let _a = A.lock().unwrap(); let _b = A.lock().unwrap(); }\n";
    std::fs::write(&src, body).unwrap();
    let baseline = dir.join("lockcheck-baseline.json");
    let (code, _, err) = lint(&[
        "--write-baseline",
        baseline.to_str().unwrap(),
        src.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("wrote 1 findings to the baseline"), "{err}");
    let (code, out, _) = lint(&[
        "--baseline",
        baseline.to_str().unwrap(),
        src.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 suppressed or in the baseline"), "{out}");
    // Lines move: still baselined. A new finding: reported.
    std::fs::write(
        &src,
        format!("// a new first line\n{body}fn new() {{ let _a = A.lock().unwrap(); let _b = A.lock().unwrap(); }}\n"),
    )
    .unwrap();
    let (code, out, _) = lint(&[
        "--baseline",
        baseline.to_str().unwrap(),
        src.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("lockcheck: 1 finding in 1 file (1 suppressed"),
        "{out}"
    );
}

#[test]
fn lint_a_workspace_by_manifest() {
    let dir = fresh_dir("workspace");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "pub static A: std::sync::Mutex<u8> = std::sync::Mutex::new(0);\n\
         pub fn f() { let _a = A.lock().unwrap(); g(); }\n\
         pub fn g() { let _a = A.lock().unwrap(); }\n",
    )
    .unwrap();
    let manifest = dir.join("Cargo.toml");
    let (code, out, err) = lint(&["--manifest-path", manifest.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("error[LC003]: call to `g` locks `A`, which is already held here"),
        "{out}"
    );
}

#[test]
fn message_format_json_is_cargos_message_stream() {
    let fixture = "tests/fixtures/lc003_double_lock.rs";
    let (code, out, err) = lint(&["--message-format=json", fixture]);
    assert_eq!(code, 1, "{err}");
    let text = std::fs::read_to_string(fixture).unwrap();
    // Parsed with cargo_metadata's own types for cargo's messages: what editors read.
    let messages: Vec<cargo_metadata::Message> =
        cargo_metadata::Message::parse_stream(out.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
    let diagnostics: Vec<&cargo_metadata::diagnostic::Diagnostic> = messages
        .iter()
        .filter_map(|m| match m {
            cargo_metadata::Message::CompilerMessage(c) => Some(&c.message),
            _ => None,
        })
        .collect();
    assert!(!diagnostics.is_empty(), "{out}");
    for d in &diagnostics {
        assert_eq!(d.code.as_ref().unwrap().code, "LC003");
        assert_eq!(d.level, cargo_metadata::diagnostic::DiagnosticLevel::Error);
        let s = &d.spans[0];
        assert!(s.is_primary && s.file_name.ends_with("lc003_double_lock.rs"));
        // Byte offsets and highlighted columns point at the same text.
        let covered = &text[s.byte_start as usize..s.byte_end as usize];
        let line = &s.text[0];
        let highlighted: String = line
            .text
            .chars()
            .skip(line.highlight_start - 1)
            .take(line.highlight_end - line.highlight_start)
            .collect();
        assert!(
            covered.starts_with(&highlighted),
            "{covered:?} vs {highlighted:?}"
        );
        assert!(
            d.rendered.as_deref().unwrap().starts_with("error[LC003]"),
            "{:?}",
            d.rendered
        );
    }
    assert!(matches!(
        messages.last(),
        Some(cargo_metadata::Message::BuildFinished(f)) if !f.success
    ));
}

#[test]
fn the_edition_comes_from_the_manifest_and_can_be_overridden() {
    // Refilling in the `else` of an `if let` whose scrutinee locks: a double lock before
    // edition 2024 (the scrutinee's guard lives through `else`), none from it.
    let dir = fresh_dir("edition");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "pub static Q: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());\n\
         pub fn f() { if let Some(_) = Q.lock().unwrap().first() {} else { Q.lock().unwrap().push(1); } }\n",
    )
    .unwrap();
    let manifest = dir.join("Cargo.toml");
    let src = dir.join("src");
    for (edition, by_manifest, by_path) in [("2021", 1, 1), ("2024", 0, 0)] {
        std::fs::write(
            &manifest,
            format!("[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"{edition}\"\n\n[workspace]\n"),
        )
        .unwrap();
        let (code, out, err) = lint(&["--manifest-path", manifest.to_str().unwrap()]);
        assert_eq!(code, by_manifest, "{edition} by manifest: {out}{err}");
        let (code, out, err) = lint(&[src.to_str().unwrap()]);
        assert_eq!(code, by_path, "{edition} by path: {out}{err}");
    }
    // The manifest says 2024; the flag wins.
    let (code, out, err) = lint(&["--edition", "2021", src.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    let (code, _, err) = lint(&["--edition", "2019", src.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown edition `2019`"), "{err}");
}

#[test]
fn reports_add_run_time_orders_to_the_source_graph() {
    // The source takes A then B; a test run (another part of the program, code the lint cannot
    // follow) learned B then A. Neither side alone has a cycle; together they do.
    let dir = fresh_dir("reports");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "pub static A: std::sync::Mutex<u8> = std::sync::Mutex::new(0);\n\
         pub static B: std::sync::Mutex<u8> = std::sync::Mutex::new(0);\n\
         pub fn a_then_b() { let _a = A.lock().unwrap(); let _b = B.lock().unwrap(); }\n",
    )
    .unwrap();
    let reports = dir.join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    let report = |from: &str, to: &str| {
        format!(
            r#"{{"schema":"lockcheck-report","version":1,"pid":77,"program":"it","classes":[
            {{"name":"src/lib.rs:1:38","site":{{"file":"src/lib.rs","line":1,"column":38}},"rank":null}},
            {{"name":"src/lib.rs:2:38","site":{{"file":"src/lib.rs","line":2,"column":38}},"rank":null}},
            {{"name":"elsewhere","site":null,"rank":null}}],
            "edges":[{{"from":"{from}","to":"{to}","site":{{"file":"tests/it.rs","line":9,"column":5}},"from_site":{{"file":"tests/it.rs","line":8,"column":5}},"thread":"worker","count":1,"declared":null}}],
            "declared_order":[],"violations":[]}}"#
        )
    };
    let src = dir.join("src");
    // Lints `src` with one report in which the process learned `from -> to`.
    let run = |from: &str, to: &str| {
        std::fs::write(reports.join("lockcheck-it-77.json"), report(from, to)).unwrap();
        lint(&[
            "--reports",
            reports.to_str().unwrap(),
            src.to_str().unwrap(),
        ])
    };
    // A consistent run adds nothing.
    let (code, out, err) = run("src/lib.rs:1:38", "src/lib.rs:2:38");
    assert_eq!(code, 0, "{out}{err}");
    // The inverted run closes the cycle: reported, each order with its evidence.
    let (code, out, err) = run("src/lib.rs:2:38", "src/lib.rs:1:38");
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("error[LC004]: lock order cycle through `A`, `B`, seen partly in the source and partly at run time"),
        "{out}"
    );
    assert!(
        out.contains("in the source, `B` is taken while `A` is held (in `a_then_b`)"),
        "{out}"
    );
    assert!(
        out.contains(
            "learned at run time by `it` pid 77, thread `worker`: `A` taken at tests/it.rs:9:5"
        ),
        "{out}"
    );
    // Without --reports, or with a class the source does not build, nothing.
    let (code, _, _) = lint(&[src.to_str().unwrap()]);
    assert_eq!(code, 0);
    let (code, out, err) = run("src/lib.rs:2:38", "elsewhere");
    assert_eq!(code, 0, "{out}{err}");
    // A directory with no report is an error, not a silent pass.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, _, err) = lint(&["--reports", empty.to_str().unwrap(), src.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no lockcheck report could be read"), "{err}");
}

#[test]
fn a_directory_is_linted_whole_except_its_test_modules() {
    // Given a directory rather than a crate, every `.rs` file in it is linted (its roots are
    // unknown), except the files of `#[cfg(test)]` / `#[cfg(any(test, ..))]` modules and below.
    let src = fixture("crates/module_tree/src");
    let (code, out, err) = lint(&["--color", "never", &src]);
    assert_eq!(code, 1, "{out}{err}");
    for linted in [
        "shipped.rs",
        "orphan.rs",
        "broken.rs",
        "features_check/error.rs",
    ] {
        assert!(out.contains(linted), "{linted} is linted: {out}");
    }
    for test_code in [
        "tests/mod.rs",
        "tests/lock/mod.rs",
        "test_helpers.rs",
        "deeper.rs",
    ] {
        assert!(!out.contains(test_code), "{test_code} is test code: {out}");
    }
    // Read from its manifest, only the module tree is: no orphan, no `compile_error!` file.
    let manifest = fixture("crates/module_tree/Cargo.toml");
    let (code, out, err) = lint(&["--color", "never", "--manifest-path", &manifest]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("shipped.rs") && out.contains("helpers.rs"),
        "{out}"
    );
    for unlinted in [
        "orphan.rs",
        "features_check",
        "no_std_error.rs",
        "tests/mod.rs",
        "integration.rs",
    ] {
        assert!(!out.contains(unlinted), "{unlinted}: {out}");
    }
}
