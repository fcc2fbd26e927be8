//! The learned order graph at scale: the first acquisition that adds a new edge (graphs of 100
//! to 100,000 classes), lock churn, and detecting a cycle that closes a 10,000-long chain. Run
//! with `--features release-checks` (without it there is no graph to measure).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use lockcheck::Mutex;

type TracingMutex<T> = tracing_mutex::stdsync::tracing::Mutex<T>;

/// A small deterministic generator (xorshift*), so every run measures the same edges.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn classes(tag: &str, n: usize) -> Vec<Mutex<()>> {
    (0..n)
        .map(|i| Mutex::named(Box::leak(format!("{tag}.{i}").into_boxed_str()), ()))
        .collect()
}

/// One generation of `n` classes, in a graph that holds nothing else: every measured acquisition
/// adds a new edge between two of them, oriented by a fixed random order (so never a cycle). The
/// classes enter the graph in a different random sequence, so the graph's topological order
/// disagrees with that order, and about half of the new edges make Pearce–Kelly move nodes.
struct Generation<L: Learner> {
    locks: Vec<L>,
    /// Each class's position in the fixed order every edge follows.
    rank: Vec<usize>,
    seen: std::collections::HashSet<(usize, usize)>,
}

/// New edges per class before a fresh generation: real lock graphs are sparse (a class is
/// usually ordered against a handful of others), and a dense one would measure hash tables.
const EDGES_PER_CLASS: usize = 4;

fn shuffled(n: usize, rng: &mut Rng) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        v.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    v
}

/// What the benchmark needs of a checker: `n` locks of distinct classes, an empty graph before
/// each generation, and a nested acquisition.
trait Learner: Sized {
    fn generation(tag: &str, n: usize) -> Vec<Self>;
    fn nest(outer: &Self, inner: &Self);
}

impl Learner for Mutex<()> {
    fn generation(tag: &str, n: usize) -> Vec<Self> {
        // The graph holds exactly this generation's classes: n, as the benchmark says.
        lockcheck::__private::forget_learned_orders();
        classes(tag, n)
    }
    fn nest(outer: &Self, inner: &Self) {
        let _o = outer.lock();
        let _i = black_box(inner).lock();
    }
}

/// tracing-mutex orders lock instances, and forgets a lock when it is dropped: the previous
/// generation's locks are gone before this one's are made.
impl Learner for TracingMutex<()> {
    fn generation(_tag: &str, n: usize) -> Vec<Self> {
        (0..n).map(|_| TracingMutex::new(())).collect()
    }
    fn nest(outer: &Self, inner: &Self) {
        let _o = outer.lock().unwrap();
        let _i = black_box(inner).lock().unwrap();
    }
}

impl<L: Learner> Generation<L> {
    fn new(tag: &str, n: usize, rng: &mut Rng) -> Self {
        let locks = L::generation(tag, n);
        let order = shuffled(n, rng);
        let mut rank = vec![0; n];
        for (r, &c) in order.iter().enumerate() {
            rank[c] = r;
        }
        // Put every class in the graph first, in a random sequence: n - 1 edges along it, each
        // oriented by the order.
        let mut seen = std::collections::HashSet::new();
        for w in shuffled(n, rng).windows(2) {
            let (a, b) = if rank[w[0]] < rank[w[1]] {
                (w[0], w[1])
            } else {
                (w[1], w[0])
            };
            seen.insert((a, b));
            L::nest(&locks[a], &locks[b]);
        }
        Generation { locks, rank, seen }
    }

    /// A pair not yet learned, oriented by the order; `None` when the generation has its edges.
    fn fresh_pair(&mut self, rng: &mut Rng) -> Option<(usize, usize)> {
        let n = self.locks.len();
        if self.seen.len() >= n * EDGES_PER_CLASS {
            return None;
        }
        for _ in 0..64 {
            let (a, b) = (
                (rng.next() % n as u64) as usize,
                (rng.next() % n as u64) as usize,
            );
            if a == b {
                continue;
            }
            let (a, b) = if self.rank[a] < self.rank[b] {
                (a, b)
            } else {
                (b, a)
            };
            if self.seen.insert((a, b)) {
                return Some((a, b));
            }
        }
        None
    }
}

/// Measures `iters` first acquisitions that each add a new edge, starting a new generation
/// whenever the current one has its edges.
fn measure_new_edges<L: Learner>(
    slot: &mut Option<Generation<L>>,
    tag: &str,
    n: usize,
    rng: &mut Rng,
    iters: u64,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let (a, b) = loop {
            if let Some(pair) = slot.as_mut().and_then(|g| g.fresh_pair(rng)) {
                break pair;
            }
            *slot = None; // drop the old generation before making the next
            *slot = Some(Generation::new(tag, n, rng));
        };
        let gen = slot.as_ref().expect("a generation");
        let start = Instant::now();
        L::nest(&gen.locks[a], &gen.locks[b]);
        total += start.elapsed();
    }
    total
}

fn new_edge(c: &mut Criterion) {
    let mut g = c.benchmark_group("first acquisition adding a new edge");
    g.sample_size(20);
    for n in [100usize, 1_000, 10_000, 100_000] {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ n as u64);
        let mut generation: Option<Generation<Mutex<()>>> = None;
        // Every generation reuses the same class names: the graph is emptied in between, so
        // they are new to it, and the class registry does not grow with the run.
        let tag = format!("edge{n}");
        g.bench_function(BenchmarkId::new("lockcheck", n), |b| {
            b.iter_custom(|iters| measure_new_edges(&mut generation, &tag, n, &mut rng, iters))
        });
    }
    let mut rng = Rng(7);
    let mut generation: Option<Generation<TracingMutex<()>>> = None;
    g.bench_function(BenchmarkId::new("tracing-mutex", 10_000), |b| {
        b.iter_custom(|iters| measure_new_edges(&mut generation, "", 10_000, &mut rng, iters))
    });
    g.finish();
}

fn churn(c: &mut Criterion) {
    let mut g = c.benchmark_group("nested acquisition of a freshly created lock (churn)");
    let outer = std::sync::Mutex::new(());
    g.bench_function("std", |b| {
        b.iter(|| {
            let _o = outer.lock().unwrap();
            let m = std::sync::Mutex::new(0u64);
            *black_box(&m).lock().unwrap() += 1;
        })
    });
    let outer = TracingMutex::new(());
    g.bench_function("tracing-mutex", |b| {
        b.iter(|| {
            let _o = outer.lock().unwrap();
            let m = TracingMutex::new(0u64);
            *black_box(&m).lock().unwrap() += 1;
        })
    });
    let outer = Mutex::named("churn.outer", ());
    g.bench_function("lockcheck", |b| {
        b.iter(|| {
            let _o = outer.lock();
            let m = Mutex::new(0u64); // one class (this site), however many instances
            *black_box(&m).lock() += 1;
        })
    });
    g.finish();
}

fn cycle(c: &mut Criterion) {
    let mut g = c.benchmark_group("detect a cycle closing a 10,000-long chain");
    g.sample_size(10);
    let chain = classes("chain", 10_000);
    let learn_chain = || {
        // The graph holds the chain and nothing else.
        lockcheck::__private::forget_learned_orders();
        for w in chain.windows(2) {
            let _a = w[0].lock();
            let _b = w[1].lock();
        }
    };
    let close = || {
        let _last = chain[9_999].lock();
        let _first = black_box(&chain[0]).lock(); // closes the cycle: reported, not added
    };
    let found = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = Arc::clone(&found);
    lockcheck::set_action(lockcheck::Action::Callback(Arc::new(move |v| {
        // The text report, as a person reads it (the chain shortened past ten edges).
        black_box(v.to_string());
        seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    })));
    // The first sight of the cycle: found, and its report built and rendered.
    g.bench_function("lockcheck, first sight with its report", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                learn_chain();
                let start = Instant::now();
                close();
                total += start.elapsed();
            }
            total
        })
    });
    // Found again: the search runs each time, the report once per process.
    learn_chain();
    found.store(0, std::sync::atomic::Ordering::Relaxed);
    g.bench_function("lockcheck, found again", |b| b.iter(close));
    lockcheck::set_action(lockcheck::Action::Panic);
    assert!(
        found.load(std::sync::atomic::Ordering::Relaxed) <= 1,
        "a cycle already reported is not reported again"
    );

    // tracing-mutex panics on a cycle (before acquiring); its panic message is not printed here.
    let tchain: Vec<TracingMutex<()>> = (0..10_000).map(|_| TracingMutex::new(())).collect();
    for w in tchain.windows(2) {
        let _a = w[0].lock().unwrap();
        let _b = w[1].lock().unwrap();
    }
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    g.bench_function("tracing-mutex", |b| {
        b.iter(|| {
            let _last = tchain[9_999].lock().unwrap();
            let closed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _first = black_box(&tchain[0]).lock();
            }));
            assert!(closed.is_err(), "tracing-mutex found the cycle");
        })
    });
    std::panic::set_hook(hook);
    g.finish();
}

criterion_group!(benches, new_edge, churn, cycle);
criterion_main!(benches);
