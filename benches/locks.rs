//! Lock-path costs of `lockcheck::Mutex` against std, parking_lot and tracing-mutex, measured
//! side by side in one run. Run twice (see BENCHMARKS.md): plain `cargo bench` measures the
//! checks compiled out (must match std); `--features release-checks` measures the checker.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

type TracingMutex<T> = tracing_mutex::stdsync::tracing::Mutex<T>;

fn uncontended(c: &mut Criterion) {
    let mut g = c.benchmark_group("uncontended lock+unlock");
    let std_m = std::sync::Mutex::new(0u64);
    g.bench_function("std", |b| {
        b.iter(|| *black_box(&std_m).lock().unwrap() += 1)
    });
    let pl = parking_lot::Mutex::new(0u64);
    g.bench_function("parking_lot", |b| b.iter(|| *black_box(&pl).lock() += 1));
    let tm = TracingMutex::new(0u64);
    g.bench_function("tracing-mutex", |b| {
        b.iter(|| *black_box(&tm).lock().unwrap() += 1)
    });
    let lc = lockcheck::Mutex::new(0u64);
    g.bench_function("lockcheck", |b| b.iter(|| *black_box(&lc).lock() += 1));
    g.finish();
}

fn nested_known(c: &mut Criterion) {
    let mut g = c.benchmark_group("nested pair A->B, edge known");
    let (a, bm) = (std::sync::Mutex::new(0u64), std::sync::Mutex::new(0u64));
    g.bench_function("std", |b| {
        b.iter(|| {
            let _a = black_box(&a).lock().unwrap();
            *black_box(&bm).lock().unwrap() += 1;
        })
    });
    let (a, bm) = (parking_lot::Mutex::new(0u64), parking_lot::Mutex::new(0u64));
    g.bench_function("parking_lot", |b| {
        b.iter(|| {
            let _a = black_box(&a).lock();
            *black_box(&bm).lock() += 1;
        })
    });
    let (a, bm) = (TracingMutex::new(0u64), TracingMutex::new(0u64));
    g.bench_function("tracing-mutex", |b| {
        b.iter(|| {
            let _a = black_box(&a).lock().unwrap();
            *black_box(&bm).lock().unwrap() += 1;
        })
    });
    let (a, bm) = (
        lockcheck::Mutex::named("bench.a", 0u64),
        lockcheck::Mutex::named("bench.b", 0u64),
    );
    g.bench_function("lockcheck", |b| {
        b.iter(|| {
            let _a = black_box(&a).lock();
            *black_box(&bm).lock() += 1;
        })
    });
    g.finish();
}

/// Two threads, each doing `iters` lock/unlock on one shared lock; the time of the slower.
fn two_threads<L: Send + Sync + 'static>(iters: u64, lock: Arc<L>, op: fn(&L)) -> Duration {
    let start = Instant::now();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let lock = Arc::clone(&lock);
            std::thread::spawn(move || {
                for _ in 0..iters {
                    op(black_box(&lock));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    start.elapsed()
}

fn contended(c: &mut Criterion) {
    let mut g = c.benchmark_group("2 threads lock+unlock one lock");
    g.bench_function("std", |b| {
        b.iter_custom(|n| {
            two_threads(n, Arc::new(std::sync::Mutex::new(0u64)), |m| {
                *m.lock().unwrap() += 1
            })
        })
    });
    g.bench_function("parking_lot", |b| {
        b.iter_custom(|n| {
            two_threads(n, Arc::new(parking_lot::Mutex::new(0u64)), |m| {
                *m.lock() += 1
            })
        })
    });
    g.bench_function("tracing-mutex", |b| {
        b.iter_custom(|n| {
            two_threads(n, Arc::new(TracingMutex::new(0u64)), |m| {
                *m.lock().unwrap() += 1
            })
        })
    });
    g.bench_function("lockcheck", |b| {
        b.iter_custom(|n| two_threads(n, Arc::new(lockcheck::Mutex::new(0u64)), |m| *m.lock() += 1))
    });
    g.finish();
}

fn rwlock_read(c: &mut Criterion) {
    let mut g = c.benchmark_group("uncontended RwLock read");
    let std_l = std::sync::RwLock::new(0u64);
    g.bench_function("std", |b| b.iter(|| *black_box(&std_l).read().unwrap()));
    let pl = parking_lot::RwLock::new(0u64);
    g.bench_function("parking_lot", |b| b.iter(|| *black_box(&pl).read()));
    let lc = lockcheck::RwLock::new(0u64);
    g.bench_function("lockcheck", |b| b.iter(|| *black_box(&lc).read()));
    g.finish();
}

criterion_group!(benches, uncontended, nested_known, contended, rwlock_read);
criterion_main!(benches);
