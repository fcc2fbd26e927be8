//! `cargo lockcheck adopt` on a copy of a published crate (issue 26, item 7): tracing-core
//! 0.1, whose callsite registry imports its locks in a multi-line `use std::sync::{..}` group
//! inside a module and reaches `Mutex` through a re-export of `std::sync` (`crate::sync`).
//! `--check` names both before; `--dry-run` shows the diff and writes nothing; after adopt no
//! lock is left on std, the crate's own suite passes as the published one does, and its
//! registry lock is checked (it is in the run's reports).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const LOCKCHECK: &str = env!("CARGO_BIN_EXE_cargo-lockcheck");

/// tracing-core's source, as cargo fetched it (a dev-dependency of this crate).
fn published_source() -> PathBuf {
    let meta = cargo_metadata::MetadataCommand::new()
        .manifest_path(Path::new(REPO).join("Cargo.toml"))
        .exec()
        .unwrap();
    let pkg = meta
        .packages
        .iter()
        .find(|p| p.name.as_str() == "tracing-core")
        .expect("tracing-core in the dependency graph");
    pkg.manifest_path
        .parent()
        .unwrap()
        .as_std_path()
        .to_path_buf()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A copy of the crate, a workspace of its own, with the repository's lock file.
fn copy(source: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    copy_dir(source, to);
    let manifest = to.join("Cargo.toml");
    let mut toml = std::fs::read_to_string(&manifest).unwrap();
    toml.push_str("\n[workspace]\n");
    std::fs::write(&manifest, toml).unwrap();
    std::fs::copy(Path::new(REPO).join("Cargo.lock"), to.join("Cargo.lock")).unwrap();
}

fn run(dir: &Path, program: &str, args: &[&str], target: &str) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", scratch().join(target))
        .env_remove("LOCKCHECK_REPORT_DIR")
        .env_remove("LOCKCHECK_ACTION")
        .output()
        .unwrap()
}

fn scratch() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The number of tests that passed, over every `test result:` line.
fn passed(o: &Output) -> usize {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|l| l.split(" passed").next()?.parse::<usize>().ok())
        .sum()
}

#[test]
fn adopt_moves_a_published_crate_onto_lockcheck_and_its_suite_still_passes() {
    let source = published_source();
    let published = scratch().join("adopt-tracing-core/published");
    let adopted = scratch().join("adopt-tracing-core/adopted");
    copy(&source, &published);
    copy(&source, &adopted);

    // Before: both places are named.
    let check = run(&adopted, LOCKCHECK, &["adopt", "--check"], "adopt-target");
    let all = text(&check);
    assert_eq!(check.status.code(), Some(1), "{all}");
    assert!(
        all.contains("src/callsite.rs:519:") && all.contains("src/lib.rs:295:"),
        "{all}"
    );

    // A dry run shows the diff and writes nothing.
    let callsite = std::fs::read_to_string(adopted.join("src/callsite.rs")).unwrap();
    let repo = Path::new(REPO).canonicalize().unwrap();
    let repo = repo.to_str().unwrap();
    let dry = run(
        &adopted,
        LOCKCHECK,
        &["adopt", "--dry-run", "--lockcheck-path", repo],
        "adopt-target",
    );
    let all = text(&dry);
    assert!(dry.status.success(), "{all}");
    assert!(
        all.contains("-    use std::sync::{\n-        atomic::{AtomicBool, Ordering},\n-        RwLock, RwLockReadGuard, RwLockWriteGuard,\n-    };")
            && all.contains("+    use std::sync::atomic::{AtomicBool, Ordering};\n+    use lockcheck::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};")
            && all.contains("-pub(crate) use std::sync;\n")
            && all.contains("+pub(crate) use lockcheck::sync;\n")
            && all.contains("+lockcheck = { path ="),
        "{all}"
    );
    assert_eq!(
        std::fs::read_to_string(adopted.join("src/callsite.rs")).unwrap(),
        callsite
    );

    // Adopt: nothing left on std.
    let done = run(
        &adopted,
        LOCKCHECK,
        &["adopt", "--lockcheck-path", repo],
        "adopt-target",
    );
    assert!(done.status.success(), "{}", text(&done));
    let check = run(&adopted, LOCKCHECK, &["adopt", "--check"], "adopt-target");
    let all = text(&check);
    assert_eq!(check.status.code(), Some(0), "{all}");
    assert!(all.contains("0 locks not lockcheck's"), "{all}");

    // The suites: the published crate's, and the adopted one's through `cargo lockcheck test`.
    let before = run(&published, "cargo", &["test"], "adopt-published-target");
    assert!(before.status.success(), "{}", text(&before));
    let after = run(&adopted, LOCKCHECK, &["test"], "adopt-target");
    let all = text(&after);
    assert_eq!(after.status.code(), Some(0), "{all}");
    assert!(passed(&before) > 20, "{}", text(&before));
    assert_eq!(passed(&after), passed(&before), "{all}");
    // Its registry lock went through the checker.
    let reports = scratch().join("adopt-target/lockcheck/test-run");
    let checked = std::fs::read_dir(&reports).unwrap().any(|e| {
        std::fs::read_to_string(e.unwrap().path())
            .is_ok_and(|t| t.contains("first locked at src/callsite.rs:"))
    });
    assert!(checked, "{all}");
}
