//! The README's merge section, run as written, in a fresh two-crate workspace whose two members'
//! tests each take one order of the same two locks: no test sees a cycle, the merge does.
//!
//! The commands are read from the README itself (the `sh` block of "Reports, and graphs merged
//! across processes"), so the README cannot drift from what works. Its `cargo install` line is
//! the `cargo-lockcheck` this test was built with, put first on `PATH`.

use std::path::{Path, PathBuf};
use std::process::Command;

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The README's merge commands, without the one-time install.
fn readme_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(REPO).join("README.md")).unwrap();
    let section = readme
        .split("## Reports, and graphs merged across processes")
        .nth(1)
        .expect("the README's merge section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("its sh block");
    let commands: Vec<String> = block
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|l| !l.is_empty() && !l.starts_with("cargo install"))
        .collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    commands
}

fn member(root: &Path, name: &str, first: &str, second: &str) {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nlockcheck = {{ path = {:?}, default-features = false }}\n",
            Path::new(REPO).canonicalize().unwrap()
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "//! A member.\n\
         pub static A: lockcheck::Mutex<()> = lockcheck::Mutex::named(\"readme.a\", ());\n\
         pub static B: lockcheck::Mutex<()> = lockcheck::Mutex::named(\"readme.b\", ());\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("tests/order.rs"),
        format!(
            "#[test]\nfn one_order() {{\n    let _x = {name}::{first}.lock();\n    \
             let _y = {name}::{second}.lock();\n}}\n"
        ),
    )
    .unwrap();
}

#[test]
fn the_readme_merge_section_finds_a_cross_test_inversion() {
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let root = scratch.join("readme-merge-ws");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"alpha\", \"beta\"]\nresolver = \"2\"\n",
    )
    .unwrap();
    // The repository's lock file pins the same versions (and needs no registry update).
    std::fs::copy(Path::new(REPO).join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    member(&root, "alpha", "A", "B");
    member(&root, "beta", "B", "A");

    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cargo-lockcheck"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let commands = readme_commands();
    let run = |command: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(&root)
            .env("PATH", &path)
            // Builds survive between runs of this test.
            .env("CARGO_TARGET_DIR", scratch.join("readme-merge-target"))
            .env_remove("LOCKCHECK_REPORT_DIR")
            .env_remove("LOCKCHECK_ACTION")
            .output()
            .unwrap()
    };
    let test = run(&commands[0]);
    assert!(
        test.status.success(),
        "{}: {}",
        commands[0],
        String::from_utf8_lossy(&test.stderr)
    );
    // Each member's test wrote its report at the workspace root, not in its own directory.
    assert!(!root.join("alpha/target").exists() && !root.join("beta/target").exists());
    let merge = run(&commands[1]);
    let stdout = String::from_utf8_lossy(&merge.stdout);
    assert_eq!(
        merge.status.code(),
        Some(1),
        "{}: {stdout}{}",
        commands[1],
        String::from_utf8_lossy(&merge.stderr)
    );
    assert!(
        stdout.contains(
            "possible deadlock across processes: lock order cycle through `readme.a`, `readme.b`"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("alpha/tests/order.rs") && stdout.contains("beta/tests/order.rs"));
}
