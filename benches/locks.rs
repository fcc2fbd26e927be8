//! Lock-path costs of `lockcheck::Mutex` against std, parking_lot and tracing-mutex, measured
//! side by side in one run. Run twice (see BENCHMARKS.md): plain `cargo bench` measures the
//! checks compiled out (must match std); `--features release-checks` measures the checker.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
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
    // The std-compatible flavour (against std) and the parking_lot one (against parking_lot).
    let ls = lockcheck::sync::Mutex::new(0u64);
    g.bench_function("lockcheck::sync", |b| {
        b.iter(|| *black_box(&ls).lock().unwrap() += 1)
    });
    #[cfg(feature = "parking_lot")]
    {
        let lp = lockcheck::parking_lot::Mutex::new(0u64);
        g.bench_function("lockcheck::parking_lot", |b| {
            b.iter(|| *black_box(&lp).lock() += 1)
        });
    }
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
    let (a, bm) = (
        lockcheck::sync::Mutex::named("bench.sa", 0u64),
        lockcheck::sync::Mutex::named("bench.sb", 0u64),
    );
    g.bench_function("lockcheck::sync", |b| {
        b.iter(|| {
            let _a = black_box(&a).lock().unwrap();
            *black_box(&bm).lock().unwrap() += 1;
        })
    });
    #[cfg(feature = "parking_lot")]
    {
        let (a, bm) = (
            lockcheck::parking_lot::Mutex::named("bench.pa", 0u64),
            lockcheck::parking_lot::Mutex::named("bench.pb", 0u64),
        );
        g.bench_function("lockcheck::parking_lot", |b| {
            b.iter(|| {
                let _a = black_box(&a).lock();
                *black_box(&bm).lock() += 1;
            })
        });
    }
    g.finish();
}

/// Three nested locks whose orders are known: the inner two edges have a gate (the outer lock,
/// held at every observation), so the thread knows them under that gate. What gate bookkeeping
/// costs on the edges that have one.
fn nested_triple_known(c: &mut Criterion) {
    let mut g = c.benchmark_group("nested triple A->B->C, edges known (gated)");
    let (a, bm, cm) = (
        std::sync::Mutex::new(0u64),
        std::sync::Mutex::new(0u64),
        std::sync::Mutex::new(0u64),
    );
    g.bench_function("std", |b| {
        b.iter(|| {
            let _a = black_box(&a).lock().unwrap();
            let _b = black_box(&bm).lock().unwrap();
            *black_box(&cm).lock().unwrap() += 1;
        })
    });
    let (a, bm, cm) = (
        lockcheck::Mutex::named("bench.t.a", 0u64),
        lockcheck::Mutex::named("bench.t.b", 0u64),
        lockcheck::Mutex::named("bench.t.c", 0u64),
    );
    g.bench_function("lockcheck", |b| {
        b.iter(|| {
            let _a = black_box(&a).lock();
            let _b = black_box(&bm).lock();
            *black_box(&cm).lock() += 1;
        })
    });
    g.finish();
}

/// An inversion already reported, taken again and again under `Action::Log` (the run goes on):
/// the pair `B -> A` closes a cycle every time. Issue 13: the thread remembers the pair at that
/// place instead of asking the global graph each time.
fn inversion_logged(c: &mut Criterion) {
    let mut g = c.benchmark_group("reported inversion B->A, taken again under Log");
    let (a, bm) = (std::sync::Mutex::new(0u64), std::sync::Mutex::new(0u64));
    g.bench_function("std", |b| {
        b.iter(|| {
            let _b = black_box(&bm).lock().unwrap();
            *black_box(&a).lock().unwrap() += 1;
        })
    });
    let (a, bm) = (
        lockcheck::Mutex::named("bench.inv.a", 0u64),
        lockcheck::Mutex::named("bench.inv.b", 0u64),
    );
    drop((a.lock(), bm.lock())); // learns a -> b
    lockcheck::set_action(lockcheck::Action::Log);
    let invert = || {
        let _b = black_box(&bm).lock();
        *black_box(&a).lock() += 1;
    };
    invert(); // the one report, on stderr
    g.bench_function("lockcheck", |b| b.iter(invert));
    lockcheck::set_action(lockcheck::Action::Panic);
    g.finish();
}

/// Lock/unlock pairs each of the two threads does per measured iteration (the row: 2
/// threads × 10⁶ lock/unlock on one lock).
const PER_THREAD: u64 = 1_000_000;

/// Two threads, each doing [`PER_THREAD`] lock/unlock on one shared lock: the time from their
/// common start (a barrier, so thread start-up skew does not turn the run into two uncontended
/// halves) until both are done.
fn two_threads<L: Send + Sync + 'static>(lock: Arc<L>, op: fn(&L)) -> Duration {
    let start_line = Arc::new(Barrier::new(3));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (lock, start_line) = (Arc::clone(&lock), Arc::clone(&start_line));
            std::thread::spawn(move || {
                start_line.wait();
                for _ in 0..PER_THREAD {
                    op(black_box(&lock));
                }
            })
        })
        .collect();
    start_line.wait();
    let start = Instant::now();
    for t in threads {
        t.join().unwrap();
    }
    start.elapsed()
}

thread_local! {
    static SCRATCH: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

#[inline(always)]
fn thread_local_work() {
    SCRATCH.with(|c| c.set(black_box(c.get() + 1)));
}

/// `iters` whole runs of [`two_threads`], each on a fresh lock.
fn runs<L: Send + Sync + 'static>(iters: u64, make: fn() -> L, op: fn(&L)) -> Duration {
    (0..iters).map(|_| two_threads(Arc::new(make()), op)).sum()
}

fn contended(c: &mut Criterion) {
    let mut g = c.benchmark_group("2 threads x 10^6 lock+unlock one lock");
    g.sample_size(10);
    g.bench_function("std", |b| {
        b.iter_custom(|n| {
            runs(
                n,
                || std::sync::Mutex::new(0u64),
                |m| *m.lock().unwrap() += 1,
            )
        })
    });
    g.bench_function("parking_lot", |b| {
        b.iter_custom(|n| runs(n, || parking_lot::Mutex::new(0u64), |m| *m.lock() += 1))
    });
    g.bench_function("tracing-mutex", |b| {
        b.iter_custom(|n| runs(n, || TracingMutex::new(0u64), |m| *m.lock().unwrap() += 1))
    });
    g.bench_function("lockcheck", |b| {
        b.iter_custom(|n| runs(n, || lockcheck::Mutex::new(0u64), |m| *m.lock() += 1))
    });
    // A control, not a checker: std's lock with a thread-local update before and after, about
    // the work a checker adds per acquisition. It shows how much of this row is std's contention
    // dynamics (any work between a release and the next acquisition changes how often the lock
    // changes hands between the cores) rather than the cost of the work itself.
    g.bench_function("std + thread-local work (control)", |b| {
        b.iter_custom(|n| {
            runs(
                n,
                || std::sync::Mutex::new(0u64),
                |m| {
                    thread_local_work();
                    *m.lock().unwrap() += 1;
                    thread_local_work();
                },
            )
        })
    });
    g.finish();
}

/// Two threads, each holding a lock of its own and then taking the shared one, [`PER_THREAD`]
/// times: a contended acquisition made while holding a lock, the one the wait-for graph watches
/// (an acquisition that holds nothing else waits without it).
fn two_threads_nested<L: Send + Sync + 'static>(
    make_own: fn() -> L,
    make_shared: fn() -> L,
    op: fn(&L, &L),
) -> Duration {
    let shared = Arc::new(make_shared());
    let start_line = Arc::new(Barrier::new(3));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (shared, start_line) = (Arc::clone(&shared), Arc::clone(&start_line));
            let own = make_own();
            std::thread::spawn(move || {
                start_line.wait();
                for _ in 0..PER_THREAD {
                    op(black_box(&own), black_box(&shared));
                }
            })
        })
        .collect();
    start_line.wait();
    let start = Instant::now();
    for t in threads {
        t.join().unwrap();
    }
    start.elapsed()
}

fn contended_nested(c: &mut Criterion) {
    let mut g = c.benchmark_group("2 threads x 10^6 own lock, then one shared lock");
    g.sample_size(10);
    g.bench_function("std", |b| {
        b.iter_custom(|n| {
            (0..n)
                .map(|_| {
                    two_threads_nested(
                        || std::sync::Mutex::new(0u64),
                        || std::sync::Mutex::new(0u64),
                        |own, shared| {
                            let _o = own.lock().unwrap();
                            *shared.lock().unwrap() += 1;
                        },
                    )
                })
                .sum()
        })
    });
    g.bench_function("lockcheck", |b| {
        b.iter_custom(|n| {
            (0..n)
                .map(|_| {
                    two_threads_nested(
                        || lockcheck::Mutex::new(0u64),
                        || lockcheck::Mutex::new(0u64),
                        |own, shared| {
                            let _o = own.lock();
                            *shared.lock() += 1;
                        },
                    )
                })
                .sum()
        })
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

/// `lockcheck::tokio::Mutex` against `tokio::sync::Mutex` (feature `tokio`): `iters`
/// acquisitions timed inside one future, on a current-thread runtime; `in_task`: inside a
/// spawned task (per-task held sets), else in `block_on`'s future (the thread's held stack).
#[cfg(feature = "tokio")]
fn tokio_time<F: std::future::Future<Output = ()> + Send + 'static>(
    rt: &tokio::runtime::Runtime,
    in_task: bool,
    run: impl FnOnce() -> F,
) -> Duration {
    let fut = run();
    let timed = async move {
        let start = Instant::now();
        fut.await;
        start.elapsed()
    };
    if in_task {
        rt.block_on(async { tokio::spawn(timed).await.unwrap() })
    } else {
        rt.block_on(timed)
    }
}

/// One row of tokio lock operations: tokio's own against `lockcheck::tokio`'s, both timed
/// inside one future (`in_task`: a spawned task's), each iteration one `$op` on a fresh-made
/// lock of each kind made once.
#[cfg(feature = "tokio")]
macro_rules! tokio_row {
    ($g:expr, $rt:expr, $in_task:expr, |$l:ident| $op:expr, $make_tokio:expr, $make_ours:expr) => {
        $g.bench_function("tokio", |b| {
            b.iter_custom(|iters| {
                let $l = Arc::new($make_tokio);
                tokio_time($rt, $in_task, move || async move {
                    for _ in 0..iters {
                        $op;
                    }
                })
            })
        });
        $g.bench_function("lockcheck::tokio", |b| {
            b.iter_custom(|iters| {
                let $l = Arc::new($make_ours);
                tokio_time($rt, $in_task, move || async move {
                    for _ in 0..iters {
                        $op;
                    }
                })
            })
        });
    };
}

#[cfg(feature = "tokio")]
fn tokio_locks(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for (where_, in_task) in [("", false), (", in a task", true)] {
        let mut g = c.benchmark_group(format!("tokio uncontended lock+unlock{where_}"));
        tokio_row!(
            g,
            &rt,
            in_task,
            |m| *black_box(&m).lock().await += 1,
            tokio::sync::Mutex::new(0u64),
            lockcheck::tokio::Mutex::new(0u64)
        );
        g.finish();
        let mut g = c.benchmark_group(format!("tokio RwLock read{where_}"));
        tokio_row!(
            g,
            &rt,
            in_task,
            |l| black_box(*black_box(&l).read().await),
            tokio::sync::RwLock::new(0u64),
            lockcheck::tokio::RwLock::new(0u64)
        );
        g.finish();
        let mut g = c.benchmark_group(format!("tokio RwLock write{where_}"));
        tokio_row!(
            g,
            &rt,
            in_task,
            |l| *black_box(&l).write().await += 1,
            tokio::sync::RwLock::new(0u64),
            lockcheck::tokio::RwLock::new(0u64)
        );
        g.finish();
        let mut g = c.benchmark_group(format!("tokio Mutex lock_owned{where_}"));
        tokio_row!(
            g,
            &rt,
            in_task,
            |m| *Arc::clone(black_box(&m)).lock_owned().await += 1,
            tokio::sync::Mutex::new(0u64),
            lockcheck::tokio::Mutex::new(0u64)
        );
        g.finish();
        let mut g = c.benchmark_group(format!("tokio nested pair A->B, edge known{where_}"));
        tokio_row!(
            g,
            &rt,
            in_task,
            |ab| {
                let _a = black_box(&ab.0).lock().await;
                *black_box(&ab.1).lock().await += 1;
            },
            (tokio::sync::Mutex::new(0u64), tokio::sync::Mutex::new(0u64)),
            (
                lockcheck::tokio::Mutex::named("bench-tokio-a", 0u64),
                lockcheck::tokio::Mutex::named("bench-tokio-b", 0u64)
            )
        );
        g.finish();
    }
    // std-style locks inside a task, with the feature on (the task's held set).
    let mut g = c.benchmark_group("std-style uncontended lock+unlock, in a task");
    g.bench_function("std", |b| {
        b.iter_custom(|iters| {
            let m = Arc::new(std::sync::Mutex::new(0u64));
            tokio_time(&rt, true, move || async move {
                for _ in 0..iters {
                    *black_box(&m).lock().unwrap() += 1;
                }
            })
        })
    });
    g.bench_function("lockcheck", |b| {
        b.iter_custom(|iters| {
            let m = Arc::new(lockcheck::Mutex::new(0u64));
            tokio_time(&rt, true, move || async move {
                for _ in 0..iters {
                    *black_box(&m).lock() += 1;
                }
            })
        })
    });
    g.finish();
    // Spawning a task and awaiting it: tokio's spawn against lockcheck's (a checked task).
    let mut g = c.benchmark_group("spawn + join one task");
    g.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            tokio_time(&rt, false, move || async move {
                for _ in 0..iters {
                    black_box(tokio::spawn(async { 1u64 }).await.unwrap());
                }
            })
        })
    });
    g.bench_function("lockcheck::tokio", |b| {
        b.iter_custom(|iters| {
            tokio_time(&rt, false, move || async move {
                for _ in 0..iters {
                    black_box(lockcheck::tokio::spawn(async { 1u64 }).await.unwrap());
                }
            })
        })
    });
    g.finish();
}

#[cfg(not(feature = "tokio"))]
fn tokio_locks(_: &mut Criterion) {}

criterion_group!(
    benches,
    tokio_locks,
    uncontended,
    nested_known,
    nested_triple_known,
    inversion_logged,
    contended,
    contended_nested,
    rwlock_read
);
criterion_main!(benches);
