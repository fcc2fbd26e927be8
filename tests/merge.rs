//! Graphs merged across processes: this test binary runs itself twice as child processes, each
//! taking one order of the same two locks (neither can see a cycle alone), with
//! `LOCKCHECK_REPORT_DIR` set; each writes its report at exit; the merge finds the cycle.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::path::{Path, PathBuf};
use std::process::Command;

use lockcheck::{Mutex, Report, REPORT_DIR_ENV};

static A: Mutex<()> = Mutex::named("merge.a", ());
static B: Mutex<()> = Mutex::named("merge.b", ());

fn pair(first: &Mutex<()>, second: &Mutex<()>) {
    let _x = first.lock();
    let _y = second.lock();
}

/// Child process 1: only `a -> b`. Runs only when the parent asks (ignored otherwise).
#[test]
#[ignore = "run by a_cycle_learned_in_two_processes_is_found as a child process"]
fn child_takes_a_then_b() {
    pair(&A, &B);
}

/// Child process 2: only `b -> a`.
#[test]
#[ignore = "run by a_cycle_learned_in_two_processes_is_found as a child process"]
fn child_takes_b_then_a() {
    pair(&B, &A);
}

fn run_child(test: &str, dir: &Path) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--ignored", "--test-threads=1"])
        .env(REPORT_DIR_ENV, dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "child {test} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lockcheck-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_cycle_learned_in_two_processes_is_found() {
    let dir = fresh_dir("merge");
    run_child("child_takes_a_then_b", &dir);
    run_child("child_takes_b_then_a", &dir);

    // Each process wrote its own report, and neither saw a violation.
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    for f in &files {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        assert_eq!(v["version"], Report::SCHEMA_VERSION);
        assert_eq!(v["violations"].as_array().unwrap().len(), 0);
        assert!(f.with_extension("dot").exists());
    }

    // A corrupt file and one from another schema version are errors; the rest still merges.
    std::fs::write(dir.join("corrupt.json"), "{\"schema\":").unwrap();
    std::fs::write(
        dir.join("future.json"),
        "{\"schema\":\"lockcheck-report\",\"version\":99}",
    )
    .unwrap();

    let merged = lockcheck_lint::merge::merge_dir(&dir).unwrap();
    assert_eq!(merged.processes.len(), 2);
    assert_eq!(merged.errors.len(), 2, "{:?}", merged.errors);
    assert!(merged
        .errors
        .iter()
        .any(|e| e.file.ends_with("corrupt.json") && e.message.starts_with("not valid JSON")));
    assert!(merged
        .errors
        .iter()
        .any(|e| e.file.ends_with("future.json") && e.message.contains("version 99")));
    let cycles: Vec<_> = merged
        .cycles
        .iter()
        .filter(|c| c.classes().contains(&"merge.a"))
        .collect();
    assert_eq!(cycles.len(), 1, "{merged}");
    let cycle = cycles[0];
    assert!(cycle.cross_process);
    assert_eq!(cycle.classes(), ["merge.a", "merge.b"]);
    let pids: Vec<u32> = cycle
        .edges
        .iter()
        .map(|e| e.origins[0].process.pid)
        .collect();
    assert_ne!(pids[0], pids[1], "the two edges come from two processes");
    assert!(cycle.edges[0].origins[0].site.file.ends_with("merge.rs"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn json_and_dot_of_a_report() {
    static OUTER: Mutex<()> = Mutex::named("json.outer", ());
    static INNER: Mutex<()> = Mutex::named("json.inner", ());
    pair(&OUTER, &INNER);
    let r = lockcheck::report();
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(v["schema"], "lockcheck-report");
    assert_eq!(v["pid"], std::process::id());
    let edge = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["from"] == "json.outer")
        .unwrap();
    assert_eq!(edge["to"], "json.inner");
    assert_eq!(edge["count"], 1);
    assert!(edge["site"]["file"].as_str().unwrap().ends_with("merge.rs"));
    let dot = r.to_dot();
    assert!(dot.contains("\"json.outer\" -> \"json.inner\""), "{dot}");
}
