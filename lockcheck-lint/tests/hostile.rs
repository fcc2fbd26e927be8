//! Hostile input (issue 27): no source tree or report directory makes `cargo lockcheck` or
//! `cargo lockcheck merge` crash, hang, drop the findings of the good files, or print a line a
//! name wrote.

use std::ffi::OsStr;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lockcheck-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `cargo lockcheck ARGS`, killing it after two minutes: (exit code, stdout, stderr). A
/// crash (a signal, no code) or a hang fails the test with what it printed.
fn run(args: &[&dyn AsRef<OsStr>]) -> (i32, String, String) {
    let limit = Duration::from_secs(120);
    let args: Vec<&OsStr> = args.iter().map(|a| (*a).as_ref()).collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-lockcheck"))
        .arg("lockcheck")
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read both pipes on threads, so that a large output never blocks the child.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`cargo lockcheck {args:?}` still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = String::from_utf8_lossy(&out.join().unwrap()).into_owned();
    let err = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
    let Some(code) = status.code() else {
        panic!("`cargo lockcheck {args:?}` crashed ({status}); stderr:\n{err}");
    };
    (code, out, err)
}

fn lint(path: &Path) -> (i32, String, String) {
    run(&[&"--color", &"never", &path])
}

/// A file with one LC003 finding, at line 4.
const GOOD: &str = "\
use std::sync::Mutex;
fn direct(m: &Mutex<u8>) {
    let _g = m.lock().unwrap();
    let _h = m.lock().unwrap();
}
";

fn assert_good_file_linted(out: &str) {
    assert!(out.contains("error[LC003]"), "{out}");
    assert!(out.contains("good.rs:4:"), "{out}");
}

/// A fresh directory holding [`GOOD`] as `good.rs` and `files`.
fn beside_a_good_file(name: &str, files: &[(&str, String)]) -> PathBuf {
    let dir = fresh_dir(name);
    std::fs::write(dir.join("good.rs"), GOOD).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

#[test]
fn deep_nesting_is_an_error_for_its_file_and_the_others_are_linted() {
    let (blocks, parens) = ("{".repeat(2_000), "(".repeat(3_000));
    let dir = beside_a_good_file(
        "deep",
        &[
            (
                "blocks.rs",
                format!("fn f() {{ {blocks}{} }}\n", "}".repeat(2_000)),
            ),
            (
                "parens.rs",
                format!("fn f() -> u8 {{ {parens}1{} }}\n", ")".repeat(3_000)),
            ),
        ],
    );
    let (code, out, err) = lint(&dir);
    assert_eq!(code, 1, "the good file's finding: {out}{err}");
    assert_good_file_linted(&out);
    for bad in ["blocks.rs", "parens.rs"] {
        let line = out
            .lines()
            .find(|l| l.contains(bad))
            .unwrap_or_else(|| panic!("{bad} is not named: {out}"));
        assert!(line.contains(&format!("{bad}:1:")), "{out}");
    }
    assert!(out.contains("nested more than"), "{out}");
    assert!(out.contains("2 files not parsed"), "{out}");
}

#[test]
fn long_flat_chains_are_an_error_for_their_file() {
    // Not nested in brackets, but as deep once parsed: `1 + 1 + ...`, `- - - x`, `x.a.a.a`.
    let dir = beside_a_good_file(
        "chains",
        &[
            (
                "sum.rs",
                format!("fn f() -> u32 {{ 1{} }}\n", " + 1".repeat(50_000)),
            ),
            (
                "neg.rs",
                format!("fn f() -> i32 {{ {}1 }}\n", "-".repeat(20_000)),
            ),
            (
                "fields.rs",
                format!("fn f(x: X) {{ x{}; }}\n", ".a".repeat(50_000)),
            ),
        ],
    );
    let (code, out, err) = lint(&dir);
    assert_eq!(code, 1, "{out}{err}");
    assert_good_file_linted(&out);
    assert!(out.contains("3 files not parsed"), "{out}");
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_walked_once() {
    let dir = fresh_dir("symlinks");
    std::fs::write(dir.join("good.rs"), GOOD).unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/clean.rs"), "fn f() {}\n").unwrap();
    std::os::unix::fs::symlink(".", dir.join("again")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("once_more")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("sub/up")).unwrap();
    std::os::unix::fs::symlink("good.rs", dir.join("alias.rs")).unwrap();
    let (code, out, err) = lint(&dir);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.matches("error[LC003]").count(), 1, "{out}");
    assert!(out.contains("lockcheck: 1 finding in 2 files"), "{out}");
}

#[test]
fn a_file_that_is_not_utf8_is_an_error_naming_it_and_the_others_are_linted() {
    let dir = fresh_dir("utf8");
    std::fs::write(dir.join("good.rs"), GOOD).unwrap();
    std::fs::write(dir.join("latin1.rs"), b"// caf\xe9\nfn f() {}\n").unwrap();
    let (code, out, err) = lint(&dir);
    assert_eq!(code, 1, "{out}{err}");
    assert_good_file_linted(&out);
    assert!(out.contains("latin1.rs"), "{out}{err}");
    assert!(out.contains("not valid UTF-8"), "{out}");
    assert!(out.contains("1 file not parsed"), "{out}");
    // Alone, it is unreadable input: exit 2.
    let (code, out, err) = lint(&dir.join("latin1.rs"));
    assert_eq!(code, 2, "{out}{err}");
}

#[test]
fn a_file_over_the_size_limit_is_an_error_naming_it_and_the_others_are_linted() {
    let dir = beside_a_good_file("big", &[]);
    // Sparse: one byte over the limit without writing it.
    let big = std::fs::File::create(dir.join("generated.rs")).unwrap();
    big.set_len(lockcheck_lint::lint::MAX_FILE_BYTES + 1)
        .unwrap();
    drop(big);
    let (code, out, err) = lint(&dir);
    assert_eq!(code, 1, "{out}{err}");
    assert_good_file_linted(&out);
    assert!(out.contains("generated.rs:1:1"), "{out}");
    assert!(out.contains("larger than 256 MiB"), "{out}");
    assert!(out.contains("1 file not parsed"), "{out}");
}

/// A large file (generated code) is read a few items at a time: its findings are found at
/// their lines, an item too large to parse at once is an error at its line, and the items
/// after it are still read.
#[test]
fn a_large_file_is_read_in_chunks_and_an_oversized_item_is_named() {
    let mut text = String::from("use std::sync::Mutex;\nstatic A: Mutex<u8> = Mutex::new(0);\n");
    // Over 1 MiB of small generated items, then one item over 8 MiB, then a double lock.
    let mut line = 3;
    while text.len() < 3 << 19 {
        text.push_str(&format!("pub fn g{line}() -> u32 {{ {line} }}\n"));
        line += 1;
    }
    let big_line = line;
    text.push_str(&format!(
        "pub const DATA: &str = \"{}\";\n",
        "x".repeat(9 << 20)
    ));
    text.push_str(
        "fn twice() {\n    let _a = A.lock().unwrap();\n    let _b = A.lock().unwrap();\n}\n",
    );
    let twice_line = big_line + 3;
    let dir = beside_a_good_file("chunked", &[("generated.rs", text)]);
    let (code, out, err) = lint(&dir);
    assert_eq!(code, 1, "{out}{err}");
    assert_good_file_linted(&out);
    assert!(out.contains(&format!("generated.rs:{big_line}:1")), "{out}");
    assert!(out.contains("an item of 9 MiB"), "{out}");
    assert!(
        out.contains("this item is not read; the rest of the file"),
        "{out}"
    );
    assert!(
        out.contains(&format!("generated.rs:{twice_line}:")),
        "the double lock after the big item: {out}"
    );
}

/// No line of `out` but the last starts like merge's summary, and no control character but the
/// line ends reaches it.
fn assert_nothing_forged(out: &str, summary: &str) {
    let lines: Vec<&str> = out.lines().collect();
    let forged: Vec<&&str> = lines[..lines.len().saturating_sub(1)]
        .iter()
        .filter(|l| l.starts_with(summary) || l.starts_with("error[LC999]"))
        .collect();
    assert!(forged.is_empty(), "forged lines {forged:?} in:\n{out}");
    assert!(
        !out.chars().any(|c| c.is_control() && c != '\n'),
        "a control character reached the output: {out:?}"
    );
}

const FORGE: &str = "x\\nlockcheck merge: 0 reports merged (0 unreadable): 0 classes, 0 order edges, \
                     0 cycles (0 across processes), 0 violations\\r\\nerror[LC999]: forged\\u001b[2J\\u0000";

/// A report whose every name is [`FORGE`]: with `both`, it learned `FORGE -> b` and `b -> FORGE`
/// (a cycle), else only `b -> FORGE`.
fn hostile_report(pid: u32, both: bool) -> String {
    let edge = |from: &str, to: &str| {
        format!(
            r#"{{"from":"{from}","to":"{to}","site":{{"file":"src/{FORGE}.rs","line":3,"column":9}},"from_site":{{"file":"src/a.rs","line":2,"column":9}},"thread":"{FORGE}","count":1,"declared":null}}"#
        )
    };
    let violation = format!(
        r#"{{"kind":"order-cycle","message":"lockcheck: possible deadlock\n{FORGE}\nlockcheck merge: 9 reports merged","thread":"{FORGE}","captured":false,"acquiring":{{"class":"{FORGE}","mode":"exclusive","site":{{"file":"{FORGE}","line":1,"column":1}}}},"held":[],"cycle":[]}}"#
    );
    format!(
        r#"{{"schema":"lockcheck-report","version":1,"pid":{pid},"program":"{FORGE}","classes":[{{"name":"{FORGE}","site":null,"rank":null}}],"edges":[{},{}],"declared_order":[],"violations":[{violation}]}}"#,
        if both {
            edge(FORGE, "b")
        } else {
            edge("b", "c")
        },
        edge("b", FORGE)
    )
}

#[test]
fn names_in_merge_text_cannot_forge_lines() {
    let dir = fresh_dir("forge-merge");
    std::fs::write(dir.join("one.json"), hostile_report(7, true)).unwrap();
    let (code, out, err) = run(&[&"merge", &dir]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("lockcheck: possible deadlock"), "{out}");
    assert!(
        out.contains("x\\nlockcheck merge: 0 reports merged"),
        "{out}"
    );
    assert_nothing_forged(&out, "lockcheck merge:");
    // JSON keeps the names as they are.
    let (_, json, _) = run(&[&"merge", &dir, &"--format", &"json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["processes"][0]["program"]
        .as_str()
        .unwrap()
        .starts_with("x\nlockcheck merge:"));
}

#[cfg(unix)]
#[test]
fn names_in_lint_output_cannot_forge_lines() {
    // A file name, a named class and run-time class names (from --reports) all reach the text.
    let dir = fresh_dir("forge-lint");
    let src = dir.join("src");
    std::fs::create_dir(&src).unwrap();
    let name = "x\r\nerror[LC999]: forged\u{1b}[2J.rs";
    std::fs::write(src.join(name), GOOD).unwrap();
    std::fs::write(
        src.join("named.rs"),
        "use lockcheck::sync::Mutex;\n\
         static A: Mutex<()> = Mutex::named(\"x\\nlockcheck merge: 0 reports merged (0 unreadable): 0 classes, 0 order edges, 0 cycles (0 across processes), 0 violations\\r\\nerror[LC999]: forged\\u{1b}[2J\\u{0}\", ());\n\
         static B: Mutex<()> = Mutex::named(\"b\", ());\n\
         fn ab() { let _a = A.lock(); let _b = B.lock(); }\n",
    )
    .unwrap();
    let reports = dir.join("reports");
    std::fs::create_dir(&reports).unwrap();
    std::fs::write(reports.join("one.json"), hostile_report(8, false)).unwrap();
    let (code, out, err) = run(&[&"--color", &"never", &"--reports", &reports, &src]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("error[LC003]"), "{out}");
    assert!(
        out.contains("x\\r\\nerror[LC999]: forged\\u{1b}[2J.rs:4:"),
        "{out}"
    );
    assert_nothing_forged(&out, "lockcheck:");
    assert_nothing_forged(&err, "lockcheck:");
    // The machine formats carry the names exactly; cargo's `rendered` text is the human one.
    for format in [
        &["--format", "json"],
        &["--format", "sarif"],
        &["--message-format", "json"],
    ] {
        let (code, out, err) = run(&[&format[0], &format[1], &"--reports", &reports, &src]);
        assert_eq!(code, 1, "{out}{err}");
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
        let documents: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&out)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap();
        let all = serde_json::to_string(&documents).unwrap();
        assert!(
            all.contains(r"x\r\nerror[LC999]: forged\u001b[2J.rs"),
            "{format:?}: {all}"
        );
        let rendered: String = documents
            .iter()
            .filter_map(|d| d["message"]["rendered"].as_str())
            .collect();
        assert!(!rendered.chars().any(|c| c.is_control() && c != '\n'));
        if format[0] == "--message-format" {
            assert!(
                rendered.contains(r"x\r\nerror[LC999]: forged\u{1b}[2J.rs"),
                "{rendered}"
            );
        }
    }
}

#[test]
fn a_cycle_of_100000_classes_is_merged() {
    const N: usize = 100_000;
    let dir = fresh_dir("long-cycle");
    let mut edges = Vec::with_capacity(N);
    for i in 0..N {
        edges.push(format!(
            r#"{{"from":"c{i}","to":"c{}","site":{{"file":"src/a.rs","line":1,"column":1}},"from_site":{{"file":"src/a.rs","line":1,"column":1}},"thread":"main","count":1,"declared":null}}"#,
            (i + 1) % N
        ));
    }
    std::fs::write(
        dir.join("one.json"),
        format!(
            r#"{{"schema":"lockcheck-report","version":1,"pid":1,"program":"p","classes":[],"edges":[{}],"declared_order":[],"violations":[]}}"#,
            edges.join(",")
        ),
    )
    .unwrap();
    let (code, out, err) = run(&[&"merge", &dir]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("lock order cycle through `c0`, `c1`, `c2`, `c3`, ... (100000 locks in all)"),
        "{}",
        &out[..out.len().min(2000)]
    );
    assert!(out.ends_with(
        "100000 classes, 100000 order edges, 1 cycle (0 across processes), 0 violations reported by the processes themselves\n"
    ));
    // The lint, with the same orders added to its graph.
    let empty = fresh_dir("long-cycle-src");
    std::fs::write(empty.join("lib.rs"), "fn f() {}\n").unwrap();
    let (code, out, err) = run(&[&"--reports", &dir, &empty]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn reports_of_one_pid_are_all_merged_with_a_warning() {
    // Two containers' test runs, each with a process of pid 42, writing into one directory.
    let dir = fresh_dir("same-pid");
    let report = |program: &str, from: &str, to: &str| {
        format!(
            r#"{{"schema":"lockcheck-report","version":1,"pid":42,"program":"{program}","classes":[],"edges":[{{"from":"{from}","to":"{to}","site":{{"file":"src/a.rs","line":1,"column":1}},"from_site":{{"file":"src/a.rs","line":1,"column":1}},"thread":"main","count":1,"declared":null}}],"declared_order":[],"violations":[]}}"#
        )
    };
    std::fs::write(dir.join("lockcheck-t-42-1-a.json"), report("t", "a", "b")).unwrap();
    std::fs::write(dir.join("lockcheck-t-42-2-b.json"), report("t", "b", "c")).unwrap();
    let (code, out, err) = run(&[&"merge", &dir]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(
            "warning: 2 reports come from pid 42 (`t` in lockcheck-t-42-1-a.json, `t` in \
             lockcheck-t-42-2-b.json)"
        ),
        "{out}"
    );
    assert!(
        out.contains("2 reports merged (0 unreadable): 3 classes, 2 order edges"),
        "{out}"
    );
}
