//! Reports that are never lost: `LOCKCHECK_ACTION` (panic, log, abort), the process's report file
//! written when a violation is raised (complete even if the process dies right after), a merge
//! that counts what the processes reported, and a relative `LOCKCHECK_REPORT_DIR` resolved
//! against the workspace root. Scenarios run in child processes (this binary, run again with one
//! ignored test).
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use lockcheck::{Mutex, ACTION_ENV, REPORT_DIR_ENV};

static A: Mutex<()> = Mutex::named("files.a", ());
static B: Mutex<()> = Mutex::named("files.b", ());

fn invert() {
    drop((A.lock(), B.lock()));
    let _b = B.lock();
    let _a = A.lock();
}

fn child(test: &str) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        test,
        "--exact",
        "--ignored",
        "--test-threads=1",
        "--nocapture",
    ])
    .env_remove(ACTION_ENV)
    .env_remove(REPORT_DIR_ENV);
    c
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lockcheck-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn reports_in(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

fn text(out: &Output) -> String {
    format!(
        "{:?}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A thread pool's job: run under `catch_unwind`, its panic swallowed.
#[test]
#[ignore = "child process of the LOCKCHECK_ACTION tests"]
fn child_job_under_catch_unwind() {
    let swallowed = std::panic::catch_unwind(invert).is_err();
    println!("job done (panic swallowed: {swallowed})");
}

#[test]
fn a_swallowed_panic_hides_a_violation_but_abort_does_not() {
    // The default: the violation's panic is caught by the job runner; the run passes.
    let out = child("child_job_under_catch_unwind").output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("panic swallowed: true"),
        "{}",
        text(&out)
    );

    // LOCKCHECK_ACTION=abort: the report, the report file, then the process aborts.
    let dir = fresh_dir("action-abort");
    let out = child("child_job_under_catch_unwind")
        .env(ACTION_ENV, "abort")
        .env(REPORT_DIR_ENV, &dir)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(6), "SIGABRT: {}", text(&out));
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("lock order inversion between `files.b` and `files.a`"),
        "{err}"
    );
    assert!(err.contains("aborting (LOCKCHECK_ACTION=abort)"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("job done"));
    let reports = reports_in(&dir);
    assert_eq!(reports.len(), 1);
    let violations = reports[0]["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0]["kind"], "order-cycle");
    assert_eq!(violations[0]["captured"], false);
    let _ = std::fs::remove_dir_all(&dir);

    // log: reported, and the job goes on.
    let out = child("child_job_under_catch_unwind")
        .env(ACTION_ENV, "log")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("panic swallowed: false"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lock order inversion"));

    // A value it does not know: said clearly, and the default kept.
    let out = child("child_job_under_catch_unwind")
        .env(ACTION_ENV, "explode")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "lockcheck: LOCKCHECK_ACTION=explode is not one of `panic`, `log`, `abort`; using `panic`"
        ),
        "{}",
        text(&out)
    );
}

#[test]
#[ignore = "child process of a_killed_process_leaves_a_complete_report"]
fn child_violation_then_hang() {
    invert();
    println!("violation raised");
    std::thread::sleep(std::time::Duration::from_secs(120));
}

#[test]
fn a_killed_process_leaves_a_complete_report() {
    let dir = fresh_dir("killed");
    let mut c = child("child_violation_then_hang")
        .env(ACTION_ENV, "log")
        .env(REPORT_DIR_ENV, &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(c.stdout.take().unwrap()).lines();
    assert!(lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.contains("violation raised")));
    c.kill().unwrap();
    c.wait().unwrap();
    let reports = reports_in(&dir);
    assert_eq!(
        reports.len(),
        1,
        "the report written when the violation was raised"
    );
    let r = &reports[0];
    assert_eq!(r["violations"][0]["kind"], "order-cycle", "{r}");
    assert!(
        r["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["from"] == "files.a" && e["to"] == "files.b"),
        "the graph up to the violation: {r}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "child process of the merge verdict test"]
fn child_inverts_under_log() {
    invert();
}

#[test]
#[ignore = "child process of the merge verdict test"]
fn child_inverts_under_a_capture() {
    let ((), found) = lockcheck::capture_violations(invert);
    assert_eq!(found.len(), 1);
}

#[test]
fn a_merge_counts_the_violations_the_processes_reported() {
    let dir = fresh_dir("merge-verdict");
    for _ in 0..2 {
        let out = child("child_inverts_under_log")
            .env(ACTION_ENV, "log")
            .env(REPORT_DIR_ENV, &dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    }
    let merged = lockcheck_lint::merge::merge_dir(&dir).unwrap();
    // Each process refused the closing edge, so the merged graph has no cycle; the verdict
    // still fails, on the violation both processes reported, shown once.
    assert!(merged.cycles.is_empty(), "{merged}");
    assert_eq!(merged.violations.len(), 1, "{merged}");
    let v = &merged.violations[0];
    assert_eq!(v.kind, "order-cycle");
    assert_eq!(v.reported_by.len(), 2);
    assert_ne!(v.reported_by[0].process.pid, v.reported_by[1].process.pid);
    assert!(v.site.file.ends_with("report_files.rs"));
    assert!(merged.found_problems());
    let shown = merged.to_string();
    assert!(shown.contains("reported by 2 processes"), "{shown}");
    assert!(
        shown.contains("1 violation reported by the processes themselves"),
        "{shown}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    // What a test captured on purpose is shown, not counted.
    let dir = fresh_dir("merge-captured");
    let out = child("child_inverts_under_a_capture")
        .env(REPORT_DIR_ENV, &dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let merged = lockcheck_lint::merge::merge_dir(&dir).unwrap();
    assert_eq!(
        (merged.violations.len(), merged.captured),
        (0, 1),
        "{merged}"
    );
    assert!(!merged.found_problems());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "child process of a_relative_report_dir_is_the_workspace_roots"]
fn child_takes_a_lock() {
    drop(A.lock());
}

#[test]
fn a_relative_report_dir_is_the_workspace_roots() {
    // A workspace with one member, as cargo runs a member's tests: from the member's directory,
    // with CARGO_MANIFEST_DIR set to it.
    let root = fresh_dir("relative-ws");
    let member = root.join("crates").join("member");
    std::fs::create_dir_all(&member).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"crates/member\"]\n",
    )
    .unwrap();
    std::fs::write(
        member.join("Cargo.toml"),
        "[package]\nname = \"member\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    let out = child("child_takes_a_lock")
        .current_dir(&member)
        .env("CARGO_MANIFEST_DIR", &member)
        .env(REPORT_DIR_ENV, "target/lockcheck-run")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(reports_in(&root.join("target/lockcheck-run")).len(), 1);
    assert!(!member.join("target").exists());
    let _ = std::fs::remove_dir_all(&root);
}
