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
