//! Condvar costs of each lockcheck flavour against the condvar it wraps (issue 25), side by side
//! in one run: `notify_one` with no waiter (with nothing held, and with the condvar's mutex
//! held, as a producer notifies), and a `wait` woken by `notify_one` on another thread (a round
//! trip between two threads: two waits, two notifies). Run with `--features release-checks`
//! (and `parking_lot`) to measure the checker; see BENCHMARKS.md.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

fn notify_nothing_held(c: &mut Criterion) {
    let mut g = c.benchmark_group("notify_one, no waiter, nothing held");
    let cv = std::sync::Condvar::new();
    g.bench_function("std", |b| b.iter(|| black_box(&cv).notify_one()));
    let cv = lockcheck::Condvar::new();
    g.bench_function("lockcheck", |b| b.iter(|| black_box(&cv).notify_one()));
    let cv = lockcheck::sync::Condvar::new();
    g.bench_function("lockcheck::sync", |b| {
        b.iter(|| black_box(&cv).notify_one())
    });
    let cv = parking_lot::Condvar::new();
    g.bench_function("parking_lot", |b| b.iter(|| black_box(&cv).notify_one()));
    #[cfg(feature = "parking_lot")]
    {
        let cv = lockcheck::parking_lot::Condvar::new();
        g.bench_function("lockcheck::parking_lot", |b| {
            b.iter(|| black_box(&cv).notify_one())
        });
    }
    g.finish();
}

fn notify_mutex_held(c: &mut Criterion) {
    // Each condvar has been waited on once (a timed wait that gives up at once), as a
    // producer's condvar has been by its consumers: its mutex is known to it.
    let mut g = c.benchmark_group("lock + notify_one + unlock, no waiter");
    let (m, cv) = (std::sync::Mutex::new(0u64), std::sync::Condvar::new());
    drop(cv.wait_timeout(m.lock().unwrap(), Duration::from_nanos(1)));
    g.bench_function("std", |b| {
        b.iter(|| {
            let mut n = black_box(&m).lock().unwrap();
            *n += 1;
            black_box(&cv).notify_one();
        })
    });
    let (m, cv) = (lockcheck::Mutex::new(0u64), lockcheck::Condvar::new());
    drop(cv.wait_timeout(m.lock(), Duration::from_nanos(1)));
    g.bench_function("lockcheck", |b| {
        b.iter(|| {
            let mut n = black_box(&m).lock();
            *n += 1;
            black_box(&cv).notify_one();
        })
    });
    let (m, cv) = (
        lockcheck::sync::Mutex::new(0u64),
        lockcheck::sync::Condvar::new(),
    );
    drop(cv.wait_timeout(m.lock().unwrap(), Duration::from_nanos(1)));
    g.bench_function("lockcheck::sync", |b| {
        b.iter(|| {
            let mut n = black_box(&m).lock().unwrap();
            *n += 1;
            black_box(&cv).notify_one();
        })
    });
    let (m, cv) = (parking_lot::Mutex::new(0u64), parking_lot::Condvar::new());
    cv.wait_for(&mut m.lock(), Duration::from_nanos(1));
    g.bench_function("parking_lot", |b| {
        b.iter(|| {
            let mut n = black_box(&m).lock();
            *n += 1;
            black_box(&cv).notify_one();
        })
    });
    #[cfg(feature = "parking_lot")]
    {
        let (m, cv) = (
            lockcheck::parking_lot::Mutex::new(0u64),
            lockcheck::parking_lot::Condvar::new(),
        );
        cv.wait_for(&mut m.lock(), Duration::from_nanos(1));
        g.bench_function("lockcheck::parking_lot", |b| {
            b.iter(|| {
                let mut n = black_box(&m).lock();
                *n += 1;
                black_box(&cv).notify_one();
            })
        });
    }
    g.finish();
}

/// `iters` round trips between this thread and a partner: each waits for its turn on one
/// condvar and hands the turn over with `notify_one`. `step(turn, me)` is one side's wait for
/// its turn and hand-over.
fn ping_pong<S: Send + Sync + 'static>(iters: u64, shared: Arc<S>, step: fn(&S, bool)) -> Duration {
    let partner = Arc::clone(&shared);
    let t = std::thread::spawn(move || {
        for _ in 0..iters {
            step(&partner, true);
        }
    });
    let start = Instant::now();
    for _ in 0..iters {
        step(&shared, false);
    }
    let took = start.elapsed();
    t.join().unwrap();
    took
}

fn wait_round_trip(c: &mut Criterion) {
    let mut g = c.benchmark_group("wait woken by notify_one: round trip between two threads");
    g.bench_function("std", |b| {
        b.iter_custom(|iters| {
            let s = Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
            ping_pong(iters, s, |(m, cv), me| {
                let mut turn = m.lock().unwrap();
                while *turn != me {
                    turn = cv.wait(turn).unwrap();
                }
                *turn = !me;
                cv.notify_one();
            })
        })
    });
    g.bench_function("lockcheck", |b| {
        b.iter_custom(|iters| {
            let s = Arc::new((lockcheck::Mutex::new(false), lockcheck::Condvar::new()));
            ping_pong(iters, s, |(m, cv), me| {
                let mut turn = m.lock();
                while *turn != me {
                    turn = cv.wait(turn);
                }
                *turn = !me;
                cv.notify_one();
            })
        })
    });
    g.bench_function("lockcheck::sync", |b| {
        b.iter_custom(|iters| {
            let s = Arc::new((
                lockcheck::sync::Mutex::new(false),
                lockcheck::sync::Condvar::new(),
            ));
            ping_pong(iters, s, |(m, cv), me| {
                let mut turn = m.lock().unwrap();
                while *turn != me {
                    turn = cv.wait(turn).unwrap();
                }
                *turn = !me;
                cv.notify_one();
            })
        })
    });
    g.bench_function("parking_lot", |b| {
        b.iter_custom(|iters| {
            let s = Arc::new((parking_lot::Mutex::new(false), parking_lot::Condvar::new()));
            ping_pong(iters, s, |(m, cv), me| {
                let mut turn = m.lock();
                while *turn != me {
                    cv.wait(&mut turn);
                }
                *turn = !me;
                cv.notify_one();
            })
        })
    });
    #[cfg(feature = "parking_lot")]
    g.bench_function("lockcheck::parking_lot", |b| {
        b.iter_custom(|iters| {
            let s = Arc::new((
                lockcheck::parking_lot::Mutex::new(false),
                lockcheck::parking_lot::Condvar::new(),
            ));
            ping_pong(iters, s, |(m, cv), me| {
                let mut turn = m.lock();
                while *turn != me {
                    cv.wait(&mut turn);
                }
                *turn = !me;
                cv.notify_one();
            })
        })
    });
    g.finish();
}

/// The same lock + unlock without the notify: what the notify adds is the difference.
fn lock_alone(c: &mut Criterion) {
    let mut g = c.benchmark_group("lock + unlock (control for the row above)");
    let m = parking_lot::Mutex::new(0u64);
    g.bench_function("parking_lot", |b| b.iter(|| *black_box(&m).lock() += 1));
    #[cfg(feature = "parking_lot")]
    {
        let m = lockcheck::parking_lot::Mutex::new(0u64);
        g.bench_function("lockcheck::parking_lot", |b| {
            b.iter(|| *black_box(&m).lock() += 1)
        });
    }
    g.finish();
}

/// `iters` uncontended lock + unlock on a thread spawned by `spawn`: a `lockcheck::thread`
/// carries its class at the bottom of its held stack, so each acquisition checks one known edge
/// (`thread -> lock`) where a `std::thread`'s holds nothing.
fn on_thread(iters: u64, spawn: fn(Box<dyn FnOnce() -> Duration + Send>) -> Duration) -> Duration {
    spawn(Box::new(move || {
        let m = lockcheck::Mutex::new(0u64);
        *m.lock() += 1; // the edge learned before the clock starts
        let start = Instant::now();
        for _ in 0..iters {
            *black_box(&m).lock() += 1;
        }
        start.elapsed()
    }))
}

fn lock_on_a_checked_thread(c: &mut Criterion) {
    let mut g =
        c.benchmark_group("uncontended lockcheck::Mutex lock + unlock, on a spawned thread");
    g.bench_function("std::thread", |b| {
        b.iter_custom(|iters| on_thread(iters, |f| std::thread::spawn(f).join().unwrap()))
    });
    g.bench_function("lockcheck::thread", |b| {
        b.iter_custom(|iters| on_thread(iters, |f| lockcheck::thread::spawn(f).join().unwrap()))
    });
    g.finish();
}

criterion_group!(
    benches,
    notify_nothing_held,
    notify_mutex_held,
    lock_alone,
    wait_round_trip,
    lock_on_a_checked_thread
);
criterion_main!(benches);
