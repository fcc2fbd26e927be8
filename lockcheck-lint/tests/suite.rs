//! A test suite checked as a person runs it (issue 26): real `cargo test` runs of fresh fixture
//! crates that depend on lockcheck by path.
//!
//! - `cargo lockcheck test` on a two-crate workspace: crate `ledger`'s test takes
//!   `accounts -> balances`, crate `audit`'s `balances -> accounts`; no test binary sees a cycle,
//!   the command does, names both locks and both tests, and exits 1. With one order only it
//!   exits 0, and a build that fails exits 2.
//! - Reports reach the person under libtest: with `LOCKCHECK_ACTION=log` (the test passes, so
//!   libtest shows nothing it captured), with `abort` (the binary dies, its captured output with
//!   it), and under the default panic swallowed by a thread, the report is on `cargo test`'s
//!   standard error; a consistent test prints nothing of lockcheck's.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn scratch() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn lockcheck_dep() -> String {
    format!(
        "lockcheck = {{ path = {:?}, default-features = false }}\n",
        Path::new(REPO).canonicalize().unwrap()
    )
}

/// A package `name` in `dir` with `deps`, a `src/lib.rs` and test files.
fn package(dir: &Path, name: &str, deps: &str, lib: &str, tests: &[(&str, &str)]) {
    write(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\n{}{deps}",
            lockcheck_dep()
        ),
    );
    write(&dir.join("src/lib.rs"), lib);
    for (file, text) in tests {
        write(&dir.join("tests").join(file), text);
    }
}

/// A fresh directory with the repository's lock file (same versions, no registry update).
fn fresh(name: &str, workspace_members: Option<&str>) -> PathBuf {
    let root = scratch().join(name);
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(Path::new(REPO).join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    if let Some(members) = workspace_members {
        write(
            &root.join("Cargo.toml"),
            &format!("[workspace]\nmembers = [{members}]\nresolver = \"2\"\n"),
        );
    }
    root
}

/// The fixtures share one target directory, and so `cargo lockcheck test`'s report directory:
/// a test that runs it and reads what it left holds this throughout.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn run(root: &Path, program: &OsLike, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(program.0);
    c.args(args)
        .current_dir(root)
        // One target directory for every fixture (and `readme_merge.rs`'s): lockcheck is
        // built once.
        .env("CARGO_TARGET_DIR", scratch().join("readme-merge-target"))
        .env_remove("LOCKCHECK_REPORT_DIR")
        .env_remove("LOCKCHECK_ACTION");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

struct OsLike(&'static str);

const CARGO: OsLike = OsLike("cargo");
const LOCKCHECK: OsLike = OsLike(env!("CARGO_BIN_EXE_cargo-lockcheck"));

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The two-crate workspace; `audit_order` is the order `audit`'s test takes. Its packages are
/// named after `tag`: fixtures share a target directory, where cargo knows a path package by
/// its name and its place in the workspace.
fn bank(tag: &str, audit_order: (&str, &str)) -> PathBuf {
    let root = fresh(&format!("suite-{tag}-ws"), Some("\"ledger\", \"audit\""));
    package(
        &root.join("ledger"),
        &format!("ledger-{tag}"),
        "",
        "//! Accounts and their balances.\n\
         pub static ACCOUNTS: lockcheck::Mutex<u64> = lockcheck::Mutex::named(\"accounts\", 0);\n\
         pub static BALANCES: lockcheck::Mutex<u64> = lockcheck::Mutex::named(\"balances\", 0);\n\n\
         /// Moves money: accounts, then balances.\n\
         pub fn transfer() {\n    let mut a = ACCOUNTS.lock();\n    let mut b = BALANCES.lock();\n    \
         *a += 1;\n    *b += 1;\n}\n",
        &[(
            "transfer.rs",
            &format!(
                "#[test]\nfn transfer_takes_accounts_then_balances() {{\n    \
                 ledger_{tag}::transfer();\n}}\n"
            ),
        )],
    );
    let (first, second) = audit_order;
    package(
        &root.join("audit"),
        &format!("audit-{tag}"),
        &format!("ledger = {{ path = \"../ledger\", package = \"ledger-{tag}\" }}\n"),
        "//! Audits the ledger.\n",
        &[(
            "audit.rs",
            &format!(
                "#[test]\nfn audit_takes_{}_then_{}() {{\n    \
                 let _x = ledger::{}.lock();\n    let _y = ledger::{}.lock();\n}}\n",
                first.to_lowercase(),
                second.to_lowercase(),
                first,
                second
            ),
        )],
    );
    root
}

#[test]
fn cargo_lockcheck_test_finds_an_inversion_between_two_crates_tests() {
    let _one = one_at_a_time();
    let root = bank("inverted", ("BALANCES", "ACCOUNTS"));
    let out = run(&root, &LOCKCHECK, &["test", "--workspace"], &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("possible deadlock across test binaries: lock order cycle through")
            && stdout.contains("`accounts`")
            && stdout.contains("`balances`"),
        "{all}"
    );
    assert!(
        stdout.contains("in test `transfer_takes_accounts_then_balances`")
            && stdout.contains("in test `audit_takes_balances_then_accounts`"),
        "{all}"
    );
    assert!(
        stdout.contains("ledger/src/lib.rs") && stdout.contains("audit/tests/audit.rs"),
        "{all}"
    );
    assert!(
        stdout.contains("lockcheck test: 2 processes reported"),
        "{all}"
    );
    // No rank table fits a cycle: the cycle instead.
    let out = run(
        &root,
        &LOCKCHECK,
        &["merge", "--suggest-ranks", &run_dir()],
        &[],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("no rank table is consistent"), "{all}");
}

/// Where `cargo lockcheck test` leaves the reports (under the fixtures' target directory).
fn run_dir() -> String {
    scratch()
        .join("readme-merge-target/lockcheck/test-run")
        .display()
        .to_string()
}

#[test]
fn cargo_lockcheck_test_passes_one_order_and_passes_cargo_arguments_through() {
    let _one = one_at_a_time();
    let root = bank("consistent", ("ACCOUNTS", "BALANCES"));
    let out = run(&root, &LOCKCHECK, &["test", "--workspace"], &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("0 cycles, 0 violations"),
        "{all}"
    );
    // The learned rank table, ready to paste.
    let out = run(
        &root,
        &LOCKCHECK,
        &["merge", "--suggest-ranks", &run_dir()],
        &[],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("let table = lockcheck::lock_ranks! {\n    accounts < balances;\n}"),
        "{all}"
    );
    // `-p` reaches cargo: only `audit`'s tests run, one process.
    let out = run(&root, &LOCKCHECK, &["test", "-p", "audit-consistent"], &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("lockcheck test: 1 process reported"),
        "{all}"
    );
    // Tests that fail while lockcheck finds nothing: cargo test's own status.
    let failing = root.join("audit/tests/failing.rs");
    write(
        &failing,
        "#[test]\nfn fails() {\n    panic!(\"not lockcheck's\");\n}\n",
    );
    let out = run(&root, &LOCKCHECK, &["test", "--workspace"], &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(101), "{all}");
    assert!(
        all.contains("lockcheck found nothing, but tests failed"),
        "{all}"
    );
    std::fs::remove_file(&failing).unwrap();
    // A build that fails: 2, and nothing ran.
    write(
        &root.join("audit/tests/broken.rs"),
        "#[test]\nfn x() { let _: u32 = \"no\"; }\n",
    );
    let out = run(&root, &LOCKCHECK, &["test", "--workspace"], &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("the build failed"), "{all}");
}

/// One crate whose tests invert two locks in one process, or swallow the panic, or do neither.
fn reach() -> PathBuf {
    let root = fresh("suite-reach", None);
    let locks = "static A: lockcheck::Mutex<()> = lockcheck::Mutex::named(\"reach.a\", ());\n\
                 static B: lockcheck::Mutex<()> = lockcheck::Mutex::named(\"reach.b\", ());\n";
    package(
        &root,
        "reach",
        // Its own workspace: the scratch directory may lie inside this repository's.
        "\n[workspace]\n",
        "//! Nothing.\n",
        &[
            (
                "inverted.rs",
                &format!(
                    "{locks}#[test]\nfn inverts() {{\n    drop((A.lock(), B.lock()));\n    \
                     let _b = B.lock();\n    let _a = A.lock();\n}}\n"
                ),
            ),
            (
                "swallowed.rs",
                &format!(
                    "{locks}#[test]\nfn a_thread_swallows_the_panic() {{\n    \
                     drop((A.lock(), B.lock()));\n    let _ = std::thread::spawn(|| {{\n        \
                     let _b = B.lock();\n        let _a = A.lock();\n    }}).join();\n}}\n"
                ),
            ),
            (
                "callback.rs",
                &format!(
                    "{locks}#[test]\nfn a_callback_takes_the_violation() {{\n    \
                     lockcheck::set_action(lockcheck::Action::Callback(std::sync::Arc::new(|_| ())));\n    \
                     drop((A.lock(), B.lock()));\n    let _b = B.lock();\n    let _a = A.lock();\n}}\n"
                ),
            ),
            (
                "consistent.rs",
                &format!(
                    "{locks}#[test]\nfn one_order() {{\n    for _ in 0..3 {{\n        \
                     drop((A.lock(), B.lock()));\n    }}\n}}\n"
                ),
            ),
        ],
    );
    root
}

#[test]
fn reports_reach_the_person_under_libtest_for_every_action() {
    let _one = one_at_a_time();
    let root = reach();
    let inversion = "lock order inversion between `reach.b` and `reach.a`";
    // log: the test passes, libtest shows nothing it captured; the report is there anyway.
    let out = run(
        &root,
        &CARGO,
        &["test", "--test", "inverted"],
        &[("LOCKCHECK_ACTION", "log")],
    );
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(inversion),
        "{all}"
    );
    // abort: the binary dies (and its captured output with it); the report is there.
    let out = run(
        &root,
        &CARGO,
        &["test", "--test", "inverted"],
        &[("LOCKCHECK_ACTION", "abort")],
    );
    let all = text(&out);
    assert!(!out.status.success(), "{all}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(inversion) && stderr.contains("lockcheck: aborting"),
        "{all}"
    );
    // panic, swallowed by a thread the test joins and ignores: the test passes; the exit
    // summary names the violation.
    let out = run(&root, &CARGO, &["test", "--test", "swallowed"], &[]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("panicked: possible deadlock: {inversion}")),
        "{all}"
    );
    // A callback that keeps quiet: the exit summary still names the violation.
    let out = run(&root, &CARGO, &["test", "--test", "callback"], &[]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "handed to the callback: possible deadlock: {inversion}"
        )),
        "{all}"
    );
    // The correct twin: nothing of lockcheck's, under any action.
    for action in ["log", "panic", "abort"] {
        let out = run(
            &root,
            &CARGO,
            &["test", "--test", "consistent"],
            &[("LOCKCHECK_ACTION", action)],
        );
        let all = text(&out);
        assert!(out.status.success(), "{all}");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("lockcheck"),
            "{all}"
        );
    }
}

/// The lint's orders joined with the run's: the source takes `balances -> accounts` in a
/// function no test runs, the tests take `accounts -> balances`. Neither side alone has a
/// cycle; `cargo lockcheck test` finds it (LC004 across the source and the run) and exits 1.
#[test]
fn cargo_lockcheck_test_joins_the_lints_orders_from_the_source() {
    let _one = one_at_a_time();
    let root = fresh("suite-joined-ws", Some("\"ledger\""));
    package(
        &root.join("ledger"),
        "ledger-joined",
        "",
        "//! Accounts and their balances.\n\
         pub static ACCOUNTS: lockcheck::Mutex<u64> = lockcheck::Mutex::named(\"accounts\", 0);\n\
         pub static BALANCES: lockcheck::Mutex<u64> = lockcheck::Mutex::named(\"balances\", 0);\n\n\
         /// Never run by a test: balances, then accounts.\n\
         pub fn reconcile() {\n    let _b = BALANCES.lock();\n    let _a = ACCOUNTS.lock();\n}\n",
        &[(
            "transfer.rs",
            "#[test]\nfn transfer_takes_accounts_then_balances() {\n    \
             let _a = ledger_joined::ACCOUNTS.lock();\n    \
             let _b = ledger_joined::BALANCES.lock();\n}\n",
        )],
    );
    let out = run(&root, &LOCKCHECK, &["test", "--workspace"], &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("error[LC004]") && stdout.contains("reconcile"),
        "{all}"
    );
    assert!(
        stdout.contains("0 cycles, 0 violations, 1 cycle with the source's orders"),
        "{all}"
    );
}
