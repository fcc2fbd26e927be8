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

/// One generation of `n` classes: every measured acquisition adds a new edge between two of
/// them, oriented by a fixed random order (so never a cycle, but often against the graph's
/// current topological order, which Pearce–Kelly must repair).
struct Generation {
    locks: Vec<Mutex<()>>,
    order: Vec<usize>,
    seen: std::collections::HashSet<(usize, usize)>,
}

/// New edges per class before a fresh generation: real lock graphs are sparse (a class is
/// usually ordered against a handful of others), and a dense one would measure hash tables.
const EDGES_PER_CLASS: usize = 4;

impl Generation {
    fn new(tag: &str, n: usize, rng: &mut Rng) -> Self {
        let locks = classes(tag, n);
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        // Put every class in the graph first: a chain of `n` edges through a random order.
        for w in order.windows(2) {
            let _a = locks[w[0]].lock();
            let _b = locks[w[1]].lock();
        }
        let mut rank = vec![0; n];
        for (r, &c) in order.iter().enumerate() {
            rank[c] = r;
        }
        Generation {
            locks,
            order: rank,
            seen: Default::default(),
        }
    }

    /// A pair not yet learned, oriented by the order; `None` when (nearly) exhausted.
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
            let (a, b) = if self.order[a] < self.order[b] {
                (a, b)
            } else {
                (b, a)
            };
            if self.order[b] == self.order[a] + 1 || !self.seen.insert((a, b)) {
                continue; // a chain edge, or already learned
            }
            return Some((a, b));
        }
        None
    }
}

fn new_edge(c: &mut Criterion) {
    let mut g = c.benchmark_group("first acquisition adding a new edge");
    g.sample_size(20);
    for n in [100usize, 1_000, 10_000, 100_000] {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ n as u64);
        let mut generation_no = 0;
        let mut gen = Generation::new(&format!("edge{n}.g0"), n, &mut rng);
        g.bench_function(BenchmarkId::new("lockcheck", n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (a, bb) = loop {
                        match gen.fresh_pair(&mut rng) {
                            Some(p) => break p,
                            None => {
                                generation_no += 1;
                                gen = Generation::new(
                                    &format!("edge{n}.g{generation_no}"),
                                    n,
                                    &mut rng,
                                );
                            }
                        }
                    };
                    let start = Instant::now();
                    let _a = gen.locks[a].lock();
                    let _b = black_box(&gen.locks[bb]).lock();
                    drop(_b);
                    drop(_a);
                    total += start.elapsed();
                }
                total
            })
        });
    }
    // tracing-mutex learns per instance: a new edge is a new pair of locks.
    let mut rng = Rng(7);
    let held: Vec<TracingMutex<()>> = (0..10_000).map(|_| TracingMutex::new(())).collect();
    let targets: Vec<TracingMutex<()>> = (0..10_000).map(|_| TracingMutex::new(())).collect();
    for w in held.windows(2) {
        let _a = w[0].lock().unwrap();
        let _b = w[1].lock().unwrap();
    }
    let mut seen = std::collections::HashSet::new();
    g.bench_function(BenchmarkId::new("tracing-mutex", 10_000), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (a, t) = loop {
                    let p = (
                        (rng.next() % 10_000) as usize,
                        (rng.next() % 10_000) as usize,
                    );
                    if seen.insert(p) {
                        break p;
                    }
                };
                let start = Instant::now();
                let _a = held[a].lock().unwrap();
                let _t = black_box(&targets[t]).lock().unwrap();
                drop(_t);
                drop(_a);
                total += start.elapsed();
            }
            total
        })
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
    for w in chain.windows(2) {
        let _a = w[0].lock();
        let _b = w[1].lock();
    }
    let found = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = Arc::clone(&found);
    lockcheck::set_action(lockcheck::Action::Callback(Arc::new(move |_| {
        seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    })));
    g.bench_function("lockcheck", |b| {
        b.iter(|| {
            let _last = chain[9_999].lock();
            let _first = black_box(&chain[0]).lock(); // closes the cycle: reported, not added
        })
    });
    lockcheck::set_action(lockcheck::Action::Panic);
    // Once per process, however often it is found (0 when this benchmark was filtered out).
    assert!(
        found.load(std::sync::atomic::Ordering::Relaxed) <= 1,
        "reported once"
    );
    g.finish();
}

criterion_group!(benches, new_edge, churn, cycle);
criterion_main!(benches);
