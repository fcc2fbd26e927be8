//! Lines of Rust analysed per second, on a large generated workspace (goal: at least 50,000
//! lines/s on one core). Criterion reports the throughput in elements (= source lines) per
//! second for the whole pipeline: parsing, guard walking, rules.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lockcheck_lint::lint;
use lockcheck_lint::model::{Crate, SourceFile};

/// One module of realistic lock-using code: a struct with locks, methods taking them in nested
/// orders, calls between them, contracts, closures, matches.
fn module(i: usize) -> String {
    format!(
        r#"use std::sync::{{Mutex, RwLock}};

static GLOBAL_{i}: Mutex<Vec<u64>> = Mutex::new(Vec::new());

pub struct Shard{i} {{
    state: Mutex<Vec<u64>>,
    index: RwLock<Vec<usize>>,
    stats: Mutex<u64>,
}}

impl Shard{i} {{
    #[requires_lock(self.state)]
    fn push_locked(&self, v: u64) {{
        let _ = v;
    }}

    pub fn insert(&self, v: u64) {{
        let mut s = self.state.lock().unwrap();
        s.push(v);
        self.push_locked(v);
        let idx = self.index.read().unwrap();
        if idx.len() > 10 {{
            *self.stats.lock().unwrap() += 1;
        }}
        drop(idx);
    }}

    pub fn scan(&self) -> usize {{
        let idx = self.index.read().unwrap();
        match idx.first() {{
            Some(x) => *x,
            None => {{
                let s = self.state.lock().unwrap();
                s.len()
            }}
        }}
    }}

    pub fn flush(&self) {{
        let g = GLOBAL_{i}.lock().unwrap();
        for v in g.iter() {{
            self.insert(*v);
        }}
        let f = || {{
            let _s = self.stats.lock().unwrap();
        }};
        f();
    }}

    pub fn stats(&self) -> u64 {{
        let n = *self.stats.lock().unwrap() + self.state.lock().unwrap().len() as u64;
        println!("{{}} {{}}", n, self.index.read().unwrap().len());
        n
    }}
}}

pub fn helper_{i}(m: &Mutex<u64>) -> u64 {{
    let g = m.lock().unwrap();
    if let Ok(t) = GLOBAL_{i}.try_lock() {{
        return *g + t.len() as u64;
    }}
    *g
}}
"#
    )
}

fn workspace(modules: usize) -> (Vec<SourceFile>, usize) {
    let files: Vec<SourceFile> = (0..modules)
        .map(|i| SourceFile {
            path: PathBuf::from(format!("src/shard{i}.rs")),
            text: module(i),
        })
        .collect();
    let lines = files.iter().map(|f| f.text.lines().count()).sum();
    (files, lines)
}

/// Models and checks `files` each iteration, as one benchmark of `group` throughput in lines.
fn bench_lint(c: &mut Criterion, group: &str, name: String, files: &[SourceFile]) {
    let lines: usize = files.iter().map(|f| f.text.lines().count()).sum();
    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    g.throughput(Throughput::Elements(lines as u64));
    g.bench_function(name, |b| {
        b.iter(|| {
            let unit = lint::run(
                Crate::build(files.to_vec(), lockcheck_lint::Edition::E2021),
                None,
            );
            std::hint::black_box(unit.findings.len())
        })
    });
    g.finish();
}

fn lines_per_second(c: &mut Criterion) {
    let (files, lines) = workspace(500);
    bench_lint(
        c,
        "lint a generated workspace",
        format!("{lines} lines"),
        &files,
    );
}

/// The largest crate of the lint corpus (`bash scripts/lint-corpus` fetches it), as a user
/// lints it: its files read from disk once, then modelled and checked each iteration. Skipped,
/// with a message, when the corpus has not been fetched (CI does not fetch it).
fn largest_corpus_crate(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/lint-corpus/crates")
        .join(std::env::var("LOCKCHECK_BENCH_CRATE").unwrap_or_else(|_| "vulkano-0.35.2".into()));
    let src = root.join("src");
    if !src.is_dir() {
        eprintln!(
            "lint bench: {} not found; run `bash scripts/lint-corpus` first",
            src.display()
        );
        return;
    }
    let paths = lint::rust_files(&src).expect("corpus sources");
    let files: Vec<SourceFile> = paths
        .iter()
        .map(|p| SourceFile {
            path: p.clone(),
            text: std::fs::read_to_string(p).expect("corpus file"),
        })
        .collect();
    let lines: usize = files.iter().map(|f| f.text.lines().count()).sum();
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    bench_lint(
        c,
        "lint the largest corpus crate",
        format!("{name} ({lines} lines)"),
        &files,
    );
}

criterion_group!(benches, lines_per_second, largest_corpus_crate);
criterion_main!(benches);
