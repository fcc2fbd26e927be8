//! An instruction-count probe for BENCHMARKS.md: one lock operation looped `N` times, by
//! lockcheck or by the lock it wraps, in a spawned task or on the runtime's own thread, to run
//! under `valgrind --tool=callgrind`. Instruction counts do not move with a shared machine's
//! noise as times do: with the checks compiled out, lockcheck's count is tokio's (or std's)
//! within a few instructions per operation; with them on, the difference is the checker's work.
//!
//! `bash scripts/count-instructions` builds it both ways and prints the table; by hand:
//!
//! ```text
//! cargo build --release --example instruction_probe --features tokio[,release-checks]
//! valgrind --tool=callgrind target/release/examples/instruction_probe lockcheck read task 100000
//! ```
//!
//! Arguments: `lockcheck` or `plain` (tokio's or std's own lock); the operation (`mutex`,
//! `read`, `write`, `owned`, `nested`: tokio's; `std`, `std-nested`: std's `Mutex`; `spawn`);
//! `task` or `thread`; the count.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::Arc;

type Op = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The same loops over lockcheck's locks and over the ones they wrap (`$tokio`, `$std`).
macro_rules! loops {
    ($m:ident, $tokio:path, $std:path) => {
        mod $m {
            use super::*;
            use $std as std_sync;
            use $tokio as tokio_sync;

            #[inline(never)]
            async fn mutex(m: Arc<tokio_sync::Mutex<u64>>, n: u64) {
                for _ in 0..n {
                    *black_box(&m).lock().await += 1;
                }
            }

            #[inline(never)]
            async fn read(l: Arc<tokio_sync::RwLock<u64>>, n: u64) {
                let mut sum = 0;
                for _ in 0..n {
                    sum += *black_box(&l).read().await;
                }
                black_box(sum);
            }

            #[inline(never)]
            async fn write(l: Arc<tokio_sync::RwLock<u64>>, n: u64) {
                for _ in 0..n {
                    *black_box(&l).write().await += 1;
                }
            }

            #[inline(never)]
            async fn owned(m: Arc<tokio_sync::Mutex<u64>>, n: u64) {
                for _ in 0..n {
                    *Arc::clone(black_box(&m)).lock_owned().await += 1;
                }
            }

            #[inline(never)]
            async fn nested(
                a: Arc<tokio_sync::Mutex<u64>>,
                b: Arc<tokio_sync::Mutex<u64>>,
                n: u64,
            ) {
                for _ in 0..n {
                    let _a = black_box(&a).lock().await;
                    *black_box(&b).lock().await += 1;
                }
            }

            #[inline(never)]
            fn std_lock(m: &std_sync::Mutex<u64>, n: u64) {
                for _ in 0..n {
                    *black_box(m).lock().unwrap() += 1;
                }
            }

            #[inline(never)]
            fn std_nested(a: &std_sync::Mutex<u64>, b: &std_sync::Mutex<u64>, n: u64) {
                for _ in 0..n {
                    let _a = black_box(a).lock().unwrap();
                    *black_box(b).lock().unwrap() += 1;
                }
            }

            /// The locks the loops take, each made on a line of its own by the caller: made
            /// here, in the macro, they would all be of one class (a lock's class is its
            /// constructor's site), and the nested loops a same-class nesting.
            pub(crate) struct Locks {
                pub(crate) a: Arc<tokio_sync::Mutex<u64>>,
                pub(crate) b: Arc<tokio_sync::Mutex<u64>>,
                pub(crate) rw: Arc<tokio_sync::RwLock<u64>>,
                pub(crate) std_a: std_sync::Mutex<u64>,
                pub(crate) std_b: std_sync::Mutex<u64>,
            }

            /// The loop of `op`, as a future.
            pub(crate) fn op(op: &str, n: u64, l: Locks) -> Op {
                match op {
                    "mutex" => Box::pin(mutex(l.a, n)),
                    "read" => Box::pin(read(l.rw, n)),
                    "write" => Box::pin(write(l.rw, n)),
                    "owned" => Box::pin(owned(l.a, n)),
                    "nested" => Box::pin(nested(l.a, l.b, n)),
                    "std" => Box::pin(async move { std_lock(&l.std_a, n) }),
                    "std-nested" => Box::pin(async move { std_nested(&l.std_a, &l.std_b, n) }),
                    other => usage(&format!("unknown operation `{other}`")),
                }
            }
        }
    };
}

loops!(checked, lockcheck::tokio, lockcheck::sync);
loops!(plain, tokio::sync, std::sync);

fn checked_locks() -> checked::Locks {
    checked::Locks {
        a: Arc::new(lockcheck::tokio::Mutex::new(0)),
        b: Arc::new(lockcheck::tokio::Mutex::new(0)),
        rw: Arc::new(lockcheck::tokio::RwLock::new(0)),
        std_a: lockcheck::sync::Mutex::new(0),
        std_b: lockcheck::sync::Mutex::new(0),
    }
}

fn plain_locks() -> plain::Locks {
    plain::Locks {
        a: Arc::new(tokio::sync::Mutex::new(0)),
        b: Arc::new(tokio::sync::Mutex::new(0)),
        rw: Arc::new(tokio::sync::RwLock::new(0)),
        std_a: std::sync::Mutex::new(0),
        std_b: std::sync::Mutex::new(0),
    }
}

fn usage(why: &str) -> ! {
    eprintln!(
        "instruction_probe: {why}\n\
         usage: instruction_probe lockcheck|plain mutex|read|write|owned|nested|std|std-nested|spawn task|thread [COUNT]"
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [who, op, place, rest @ ..] = args.as_slice() else {
        usage("three arguments needed")
    };
    let n: u64 = match rest.first().map(|c| c.parse()) {
        None => 100_000,
        Some(Ok(n)) => n,
        Some(Err(_)) => usage("the count is a number"),
    };
    let lockcheck = match who.as_str() {
        "lockcheck" => true,
        "plain" => false,
        other => usage(&format!("`{other}` is neither `lockcheck` nor `plain`")),
    };
    let in_task = match place.as_str() {
        "task" => true,
        "thread" => false,
        other => usage(&format!("`{other}` is neither `task` nor `thread`")),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    if op == "spawn" {
        rt.block_on(async move {
            for _ in 0..n {
                if lockcheck {
                    lockcheck::tokio::spawn(async { black_box(1) })
                        .await
                        .unwrap();
                } else {
                    tokio::spawn(async { black_box(1) }).await.unwrap();
                }
            }
        });
        return;
    }
    let op = if lockcheck {
        checked::op(op, n, checked_locks())
    } else {
        plain::op(op, n, plain_locks())
    };
    if in_task {
        rt.block_on(async move { tokio::spawn(op).await.expect("the probe's task") });
    } else {
        rt.block_on(op);
    }
}
