//! Waits merged across processes (issue 25): one process waits on a condvar holding `x`,
//! another notifies it holding `x`; neither sees a cycle alone, the merge of their reports does,
//! and each report says the condvar is one.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::path::Path;
use std::process::Command;

use lockcheck::{Condvar, Mutex, REPORT_DIR_ENV};

static X: Mutex<()> = Mutex::named("waits.merge.x", ());
static M: Mutex<bool> = Mutex::named("waits.merge.m", false);
static CV: Condvar = Condvar::named("waits.merge.cv");

#[test]
#[ignore = "run by a_wait_cycle_learned_in_two_processes_is_found as a child process"]
fn child_waits_holding_x() {
    let _x = X.lock();
    let helper = std::thread::spawn(|| loop {
        let waiting = M.lock();
        if *waiting {
            CV.notify_one();
            return;
        }
        drop(waiting);
        std::thread::yield_now();
    });
    let mut g = M.lock();
    *g = true;
    drop(CV.wait(g));
    helper.join().unwrap();
}

#[test]
#[ignore = "run by a_wait_cycle_learned_in_two_processes_is_found as a child process"]
fn child_notifies_holding_x() {
    let _x = X.lock();
    CV.notify_all();
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

#[test]
fn a_wait_cycle_learned_in_two_processes_is_found() {
    let dir = std::env::temp_dir().join(format!("lockcheck-waits-merge-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    run_child("child_waits_holding_x", &dir);
    run_child("child_notifies_holding_x", &dir);
    let mut condvar_kinds = 0;
    for f in std::fs::read_dir(&dir).unwrap() {
        let path = f.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert_eq!(v["violations"].as_array().unwrap().len(), 0, "{v}");
            condvar_kinds += v["classes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["name"] == "waits.merge.cv" && c["kind"] == "condvar")
                .count();
        } else if path.extension().is_some_and(|e| e == "dot") {
            let dot = std::fs::read_to_string(&path).unwrap();
            assert!(
                dot.lines().any(
                    |l| l.contains("\"waits.merge.cv\" [label=") && l.contains("shape=ellipse")
                ),
                "{dot}"
            );
        }
    }
    assert_eq!(condvar_kinds, 2, "both reports know the condvar");
    let merged = lockcheck_lint::merge::merge_dir(&dir).unwrap();
    let cycles: Vec<_> = merged
        .cycles
        .iter()
        .filter(|c| c.classes().contains(&"waits.merge.cv"))
        .collect();
    assert_eq!(cycles.len(), 1, "{merged}");
    assert!(cycles[0].cross_process);
    let mut classes = cycles[0].classes();
    classes.sort();
    assert_eq!(classes, ["waits.merge.cv", "waits.merge.x"]);
    let text = cycles[0].to_string();
    assert!(text.contains("a wait its waker may never reach"), "{text}");
    assert!(text.contains("`waits.merge.cv` is a condvar"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
