//! Async lock checking (feature `tokio`): held sets per task on the multi-thread and the
//! current-thread runtimes and in a `LocalSet`, inversions between tasks, a deadlock that really
//! forms, blocking locks held across an `.await`, a mixed sync/async cycle, contracts.
//!
//! Violations raise the default action (a panic): a task that hits one ends with a panic, which
//! its `JoinHandle` shows, and `lockcheck::reported()` keeps the report. Every test uses lock
//! classes of its own, so the tests can run in parallel in this one process.
#![cfg(all(feature = "tokio", any(debug_assertions, feature = "release-checks")))]

use std::sync::Arc;
use std::time::Duration;

use lockcheck::tokio::{CheckedExt, Mutex, RwLock};
use lockcheck::{reported, Violation};

/// Reported violations of `kind` whose text names `class`.
fn reports(kind: &str, class: &str) -> Vec<Violation> {
    reported()
        .into_iter()
        .filter(|v| v.kind_name() == kind && v.to_string().contains(class))
        .collect()
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn an_inversion_between_two_tasks_is_reported_on_both_runtimes() {
    for (flavour, rt) in [("mt", multi_thread()), ("ct", current_thread())] {
        let a = Arc::new(Mutex::named(
            if flavour == "mt" {
                "inv-mt-a"
            } else {
                "inv-ct-a"
            },
            0,
        ));
        let b = Arc::new(Mutex::named(
            if flavour == "mt" {
                "inv-mt-b"
            } else {
                "inv-ct-b"
            },
            0,
        ));
        rt.block_on(async {
            let (a1, b1) = (Arc::clone(&a), Arc::clone(&b));
            // Task 1 takes a then b, and finishes.
            tokio::spawn(async move {
                let _a = a1.lock().await;
                let _b = b1.lock().await;
            })
            .await
            .unwrap();
            // Task 2, later, takes b then a: never deadlocks here, but could.
            let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
            let second = tokio::spawn(async move {
                let _b = b2.lock().await;
                let _a = a2.lock().await;
            })
            .await;
            assert!(second.unwrap_err().is_panic(), "{flavour}");
        });
        let found = reports("order-cycle", &format!("inv-{flavour}-a"));
        assert_eq!(found.len(), 1, "{flavour}: {found:?}");
        assert!(found[0].to_string().contains(&format!("inv-{flavour}-b")));
    }
}

#[test]
fn a_deadlock_two_tasks_really_form_is_reported_not_hung() {
    let rt = multi_thread();
    let a = Arc::new(Mutex::named("dead-a", 0));
    let b = Arc::new(Mutex::named("dead-b", 0));
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    rt.block_on(async {
        let t1 = {
            let (a, b, barrier) = (Arc::clone(&a), Arc::clone(&b), Arc::clone(&barrier));
            tokio::spawn(async move {
                let _a = a.lock().await;
                barrier.wait().await;
                // Waits for b, which task 2 holds: the order a -> b is learned before the wait.
                let _b = b.lock().await;
            })
        };
        let t2 = {
            let (a, b, barrier) = (Arc::clone(&a), Arc::clone(&b), Arc::clone(&barrier));
            tokio::spawn(async move {
                let _b = b.lock().await;
                barrier.wait().await;
                tokio::time::sleep(Duration::from_millis(50)).await;
                // b -> a closes the cycle: reported here, instead of both tasks parked forever.
                let _a = a.lock().await;
            })
        };
        let (r1, r2) =
            tokio::time::timeout(Duration::from_secs(10), async { (t1.await, t2.await) })
                .await
                .expect("the two tasks deadlocked instead of being reported");
        assert!(r1.is_ok(), "task 1 gets b once task 2 gave up");
        assert!(r2.unwrap_err().is_panic());
    });
    let found = reports("order-cycle", "dead-a");
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn a_guard_held_across_a_migration_stays_the_tasks() {
    let rt = multi_thread();
    let a = Arc::new(Mutex::named("migrate-a", 0));
    let b = Arc::new(lockcheck::Mutex::named("migrate-b", 0));
    let migrated = rt.block_on(async {
        let (a, b) = (Arc::clone(&a), Arc::clone(&b));
        tokio::spawn(async move {
            let guard = a.lock().await;
            let first = std::thread::current().id();
            // Wait to be woken from outside the runtime (the wake goes to the shared queue,
            // where either worker may take the task) until another worker polls it.
            let mut migrated = false;
            for _ in 0..500 {
                let (tx, rx) = tokio::sync::oneshot::channel();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(1));
                    let _ = tx.send(());
                });
                rx.await.unwrap();
                if std::thread::current().id() != first {
                    migrated = true;
                    break;
                }
            }
            // On the other worker the task still holds a: it is in its held set, and taking b
            // now learns a -> b.
            assert!(a.is_held());
            let held: Vec<String> = lockcheck::held_locks()
                .into_iter()
                .map(|h| h.class)
                .collect();
            assert_eq!(held, ["migrate-a"]);
            drop(b.lock());
            // Released here, on whatever thread this is: the task holds nothing any more.
            drop(guard);
            assert!(!a.is_held());
            assert!(lockcheck::held_locks().is_empty());
            migrated
        })
        .await
        .unwrap()
    });
    assert!(migrated, "the task never moved to the other worker");
    let report = lockcheck::report();
    assert!(
        report
            .edges
            .iter()
            .any(|e| e.edge.from == "migrate-a" && e.edge.to == "migrate-b"),
        "a -> b learned across the migration"
    );
}

/// Task 1 holds a and yields; task 2, polled in between on the same thread, takes b. Without
/// held sets per task that would teach a -> b, and task 3's b -> a would be a false cycle.
async fn interleave(a: Arc<Mutex<u8>>, b: Arc<Mutex<u8>>, spawn: fn(BoxFuture) -> Join) {
    let (a1, a3, b2, b3) = (Arc::clone(&a), a, Arc::clone(&b), b);
    let (held_tx, held_rx) = tokio::sync::oneshot::channel();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let t1 = spawn(Box::pin(async move {
        let _a = a1.lock().await;
        held_tx.send(()).unwrap();
        done_rx.await.unwrap();
    }));
    let t2 = spawn(Box::pin(async move {
        held_rx.await.unwrap();
        let _b = b2.lock().await;
        done_tx.send(()).unwrap();
    }));
    t1.await.unwrap();
    t2.await.unwrap();
    let t3 = spawn(Box::pin(async move {
        let _b = b3.lock().await;
        let _a = a3.lock().await;
    }));
    t3.await
        .expect("b -> a is no cycle: no task ever took a -> b");
}

type BoxFuture = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'static>>;
type Join = tokio::task::JoinHandle<()>;

#[test]
fn interleaved_tasks_on_one_thread_never_see_each_others_locks() {
    // The current-thread runtime: every task on the test's thread.
    let rt = current_thread();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        interleave(
            Arc::new(Mutex::named("inter-ct-a", 0)),
            Arc::new(Mutex::named("inter-ct-b", 0)),
            tokio::task::spawn_local,
        )
        .await;
    });
    // A `LocalSet` inside a multi-thread runtime's `block_on`.
    let rt = multi_thread();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        interleave(
            Arc::new(Mutex::named("inter-ls-a", 0)),
            Arc::new(Mutex::named("inter-ls-b", 0)),
            tokio::task::spawn_local,
        )
        .await;
    });
    let report = lockcheck::report();
    for prefix in ["inter-ct", "inter-ls"] {
        assert!(
            !report
                .edges
                .iter()
                .any(|e| e.edge.from == format!("{prefix}-a") && e.edge.to == format!("{prefix}-b")),
            "{prefix}: a false a -> b edge"
        );
        assert!(reports("order-cycle", prefix).is_empty());
    }
}

/// A blocking guard is its thread's, whatever task took it: held across an `.await` (a plain
/// `spawn_local` task, which no check wraps), it blocks the thread for the next task polled
/// there, whose locks are ordered after it (a real wait: the next task cannot get past a thread
/// that holds it). The first task's async lock is its own: never the next task's.
#[test]
fn a_blocking_guard_across_an_await_blocks_its_thread_not_the_tasks_async_locks() {
    let rt = current_thread();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let a = Arc::new(Mutex::named("thread-held-a", 0));
        let m = Arc::new(lockcheck::Mutex::named("thread-held-m", 0));
        let x = Arc::new(lockcheck::Mutex::named("thread-held-x", 0));
        let (started, go) = (
            Arc::new(tokio::sync::Notify::new()),
            Arc::new(tokio::sync::Notify::new()),
        );
        let first = tokio::task::spawn_local({
            let (a, m, started, go) = (a.clone(), m.clone(), started.clone(), go.clone());
            async move {
                let _a = a.lock().await;
                let _m = m.lock();
                started.notify_one();
                go.notified().await;
            }
        });
        started.notified().await;
        tokio::task::spawn_local({
            let x = x.clone();
            async move { drop(x.lock()) }
        })
        .await
        .unwrap();
        go.notify_one();
        first.await.unwrap();
    });
    let report = lockcheck::report();
    let learned = |from: &str, to: &str| {
        report
            .edges
            .iter()
            .any(|e| e.edge.from == from && e.edge.to == to)
    };
    assert!(
        learned("thread-held-a", "thread-held-m"),
        "a -> m, in the task"
    );
    assert!(
        learned("thread-held-m", "thread-held-x"),
        "the thread held m while the next task took x"
    );
    assert!(
        !learned("thread-held-a", "thread-held-x"),
        "a is the first task's own: a false a -> x edge"
    );
}

#[test]
fn a_blocking_lock_held_across_an_await_is_reported_and_an_async_one_is_not() {
    // A std-flavoured guard is not `Send`, so only a task that need not be `Send` can hold one
    // across an `.await` (the compiler stops `tokio::spawn`): `spawn_local`, `block_on`.
    static SYNC: lockcheck::Mutex<u8> = lockcheck::Mutex::named("await-sync", 0);
    static ASYNC: Mutex<u8> = Mutex::named("await-async", 0);
    let rt = multi_thread();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        // An async lock across an await: fine.
        lockcheck::tokio::spawn(async {
            let _g = ASYNC.lock().await;
            tokio::task::yield_now().await;
        })
        .await
        .unwrap();
        // A blocking lock across an await: reported at the yield.
        let held = lockcheck::tokio::spawn_local(async {
            let _g = SYNC.lock();
            tokio::task::yield_now().await;
        })
        .await;
        assert!(held.unwrap_err().is_panic());
        // Released before the await: fine.
        lockcheck::tokio::spawn_local(async {
            drop(SYNC.lock());
            tokio::task::yield_now().await;
        })
        .await
        .unwrap();
    });
    let found = reports("held-across-await", "await-sync");
    assert_eq!(found.len(), 1, "{found:?}");
    let text = found[0].to_string();
    assert!(
        text.contains("yielded at an `.await` while holding 1 blocking lock"),
        "{text}"
    );
    assert!(text.contains("tests/tokio_tasks.rs"), "{text}");
    assert!(reports("held-across-await", "await-async").is_empty());
}

#[test]
fn a_checked_test_body_catches_a_guard_across_an_await() {
    // What a `#[tokio::test]` body gets from its one line, `lockcheck::tokio::checked(..)`.
    static BODY: lockcheck::Mutex<u8> = lockcheck::Mutex::named("await-body", 0);
    let rt = current_thread();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(
            async {
                let _g = BODY.lock();
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            .checked(),
        )
    }));
    assert!(caught.is_err());
    assert_eq!(reports("held-across-await", "await-body").len(), 1);
    // The guard was released when the future was dropped: the thread holds nothing.
    assert!(lockcheck::held_locks().is_empty());
}

#[test]
fn sync_and_async_orders_are_one_graph() {
    static ASYNC: Mutex<u8> = Mutex::named("mixed-async", 0);
    static SYNC: lockcheck::Mutex<u8> = lockcheck::Mutex::named("mixed-sync", 0);
    let rt = multi_thread();
    // A task holding the tokio lock takes the sync one: async -> sync.
    rt.block_on(async {
        tokio::spawn(async {
            let _a = ASYNC.lock().await;
            drop(SYNC.lock());
        })
        .await
        .unwrap();
    });
    // A thread holding the sync lock blocks on the tokio one: sync -> async, a cycle.
    let thread = std::thread::spawn(|| {
        let _s = SYNC.lock();
        let _a = ASYNC.blocking_lock();
    })
    .join();
    assert!(thread.is_err());
    let found = reports("order-cycle", "mixed-async");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].to_string().contains("mixed-sync"));
}

#[test]
fn rwlock_orders_and_downgrades_are_checked_per_task() {
    let rt = current_thread();
    let l = Arc::new(RwLock::named("rw-l", vec![1]));
    let m = Arc::new(Mutex::named("rw-m", 0));
    rt.block_on(async {
        let (l1, m1) = (Arc::clone(&l), Arc::clone(&m));
        tokio::spawn(async move {
            let w = l1.write().await;
            let r = lockcheck::tokio::RwLockWriteGuard::downgrade(w);
            assert_eq!(l1.held_mode(), Some(lockcheck::Mode::Shared));
            let _m = m1.lock().await;
            drop(r);
        })
        .await
        .unwrap();
        let (l2, m2) = (Arc::clone(&l), Arc::clone(&m));
        let inverted = tokio::spawn(async move {
            let _m = m2.lock().await;
            let _r = l2.read().await;
        })
        .await;
        assert!(inverted.unwrap_err().is_panic());
    });
    assert_eq!(reports("order-cycle", "rw-l").len(), 1);
}

#[test]
fn try_lock_owned_guards_and_cancelled_waits_keep_the_held_set_true() {
    let rt = current_thread();
    let m = Arc::new(Mutex::named("owned-m", 0));
    rt.block_on(async {
        // Another task holds m for a while.
        let (held_tx, held_rx) = tokio::sync::oneshot::channel();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let holder = tokio::spawn({
            let m = Arc::clone(&m);
            async move {
                let owned = Arc::clone(&m).lock_owned().await;
                assert!(m.is_held());
                held_tx.send(()).unwrap();
                done_rx.await.unwrap();
                drop(owned);
                assert!(!m.is_held());
            }
        });
        held_rx.await.unwrap();
        let waiter = tokio::spawn({
            let m = Arc::clone(&m);
            async move {
                // Locked: tokio's own error comes back.
                assert!(m.try_lock().is_err());
                // A wait cancelled before it got the lock leaves nothing held behind.
                let waited =
                    tokio::time::timeout(Duration::from_millis(10), Arc::clone(&m).lock_owned())
                        .await;
                assert!(waited.is_err());
                assert!(lockcheck::held_locks().is_empty());
                assert!(!m.is_held());
            }
        });
        waiter.await.unwrap();
        done_tx.send(()).unwrap();
        holder.await.unwrap();
        let m = Arc::clone(&m);
        tokio::spawn(async move {
            let mut mapped = lockcheck::tokio::MutexGuard::map(m.lock().await, |v| v);
            *mapped += 1;
            assert!(m.is_held());
            drop(mapped);
            assert!(!m.is_held());
        })
        .await
        .unwrap();
    });
}

#[test]
fn the_table_of_task_stacks_stays_bounded() {
    let rt = multi_thread();
    let m = Arc::new(Mutex::named("bounded-m", 0));
    rt.block_on(async {
        for _ in 0..20 {
            let mut handles = Vec::new();
            for _ in 0..500 {
                let m = Arc::clone(&m);
                handles.push(tokio::spawn(async move {
                    *m.lock().await += 1;
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
        }
    });
    // 10,000 tasks took a lock; the table keeps about as many as hold one (none now), plus
    // those not yet swept: never more than its sweep threshold's order.
    assert!(
        lockcheck::tokio::tasks_with_held_stacks() <= 4096,
        "{}",
        lockcheck::tokio::tasks_with_held_stacks()
    );
}

struct Service {
    state: Mutex<u32>,
}

impl Service {
    /// Needs this task to hold `state`: checked at the first poll.
    #[lockcheck::requires_lock(self.state)]
    async fn bump_locked(&self) -> u32 {
        1
    }

    /// Must not be called by a task holding `state`.
    #[lockcheck::excludes_lock(self.state)]
    async fn refresh(&self) -> u32 {
        *self.state.lock().await
    }
}

#[test]
fn contracts_on_async_fns_ask_whether_this_task_holds_the_lock() {
    let rt = multi_thread();
    let svc = Arc::new(Service {
        state: Mutex::named("contract-state", 0),
    });
    rt.block_on(async {
        // Held by this task: the contract is met, on whatever worker the body starts.
        let s = Arc::clone(&svc);
        let met = tokio::spawn(async move {
            let _g = s.state.lock().await;
            s.bump_locked().await
        })
        .await;
        assert_eq!(met.unwrap(), 1);
        // Held by another task only: not this task's, so the requirement is broken...
        let s = Arc::clone(&svc);
        let (held_tx, held_rx) = tokio::sync::oneshot::channel();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let holder = tokio::spawn({
            let s = Arc::clone(&svc);
            async move {
                let _g = s.state.lock().await;
                held_tx.send(()).unwrap();
                done_rx.await.unwrap();
            }
        });
        held_rx.await.unwrap();
        let broken = tokio::spawn(async move { s.bump_locked().await }).await;
        assert!(broken.unwrap_err().is_panic());
        // ...and the exclusion is met by a task that does not hold it (though one does).
        let s = Arc::clone(&svc);
        let refreshing = tokio::spawn(async move {
            tokio::time::timeout(Duration::from_millis(20), s.refresh()).await
        })
        .await
        .unwrap();
        assert!(refreshing.is_err(), "waits for the holder, as it should");
        done_tx.send(()).unwrap();
        holder.await.unwrap();
        // Held by this task: the exclusion is broken.
        let s = Arc::clone(&svc);
        let excluded = tokio::spawn(async move {
            let _g = s.state.lock().await;
            s.refresh().await
        })
        .await;
        assert!(excluded.unwrap_err().is_panic());
    });
    let found = reports("contract", "contract-state");
    let functions: Vec<String> = found
        .iter()
        .map(|v| match &v.kind {
            lockcheck::ViolationKind::Contract { function, .. } => function.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(functions.len(), 2, "{found:?}");
    assert!(functions.iter().any(|f| f.contains("bump_locked")));
    assert!(functions.iter().any(|f| f.contains("refresh")));
}

#[test]
fn owned_and_mapped_guards_keep_the_lock_held_until_they_drop() {
    let rt = current_thread();
    rt.block_on(async {
        tokio::spawn(async {
            let m = Arc::new(Mutex::named("mapped-m", (1u8, 2u8)));
            let owned = Arc::clone(&m).lock_owned().await;
            let mut second = lockcheck::tokio::OwnedMutexGuard::map(owned, |pair| &mut pair.1);
            *second += 1;
            assert!(m.is_held(), "a mapped owned guard still holds the lock");
            assert!(m.try_lock().is_err());
            drop(second);
            assert!(!m.is_held());
            assert_eq!(m.lock().await.1, 3);
            let declined = lockcheck::tokio::OwnedMutexGuard::try_map(
                Arc::clone(&m).lock_owned().await,
                |_| None::<&mut u8>,
            );
            let back = declined.expect_err("the guard comes back");
            assert!(m.is_held());
            drop(back);

            let l = Arc::new(RwLock::named("mapped-l", vec![1, 2]));
            let w = Arc::clone(&l).write_owned().await;
            let r = lockcheck::tokio::OwnedRwLockWriteGuard::downgrade(w);
            assert_eq!(l.held_mode(), Some(lockcheck::Mode::Shared));
            drop(r);
            assert_eq!(l.held_mode(), None);
            let first = lockcheck::tokio::RwLockReadGuard::try_map(l.read().await, |v| v.first());
            assert_eq!(*first.ok().unwrap(), 1);
            assert_eq!(l.held_mode(), None);
            let mut last =
                lockcheck::tokio::RwLockWriteGuard::try_map(l.write().await, |v| v.last_mut())
                    .ok()
                    .unwrap();
            *last = 5;
            assert_eq!(l.held_mode(), Some(lockcheck::Mode::Exclusive));
            drop(last);
            assert_eq!(*l.read().await, [1, 5]);
        })
        .await
        .unwrap();
    });
}

#[test]
fn a_guard_a_checked_future_returns_is_held_by_whoever_awaited_it() {
    static RETURNED: Mutex<u8> = Mutex::named("returned-m", 0);
    let rt = current_thread();
    rt.block_on(async {
        tokio::spawn(async {
            let guard = async { RETURNED.lock().await }.checked().await;
            assert!(RETURNED.is_held(), "the awaiting task holds it now");
            let held: Vec<String> = lockcheck::held_locks()
                .into_iter()
                .map(|h| h.class)
                .collect();
            assert_eq!(held, ["returned-m"]);
            drop(guard);
            assert!(!RETURNED.is_held());
            assert!(lockcheck::held_locks().is_empty());
        })
        .await
        .unwrap();
    });
}

/// A `lockcheck::tokio::RwLock` in contracts, sync and async: the mode asked for is checked
/// against this task's hold.
#[test]
fn contracts_name_tokio_rwlocks_in_sync_and_async_fns() {
    #[lockcheck::requires_lock(write(l))]
    async fn needs_write(l: &RwLock<u8>) -> u8 {
        1
    }
    #[lockcheck::requires_lock(read(l))]
    fn needs_read(l: &RwLock<u8>) -> u8 {
        2
    }
    #[lockcheck::excludes_lock(l)]
    async fn must_not_hold(l: &RwLock<u8>) -> u8 {
        3
    }

    let l = RwLock::named("tokio.contract.rw", 0);
    let rt = current_thread();
    let (sum, found) = lockcheck::capture_violations(|| {
        rt.block_on(async {
            let w = l.write().await;
            let met = needs_write(&l).await + needs_read(&l);
            drop(w);
            met + must_not_hold(&l).await
        })
    });
    assert_eq!(sum, 6);
    assert!(found.is_empty(), "met contracts are silent: {found:?}");
    let ((), found) = lockcheck::capture_violations(|| {
        rt.block_on(async {
            let r = l.read().await;
            needs_write(&l).await; // a read hold does not meet a need to write
            must_not_hold(&l).await; // held
            drop(r);
            needs_read(&l); // not held
        })
    });
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found
        .iter()
        .all(|v| v.kind_name() == "contract" && v.acquiring.class == "tokio.contract.rw"));
}

#[test]
fn read_guards_taken_outside_a_task_are_released_wherever_this_thread_drops_them() {
    let rt = current_thread();
    let a = Arc::new(RwLock::named("outside-read-a", 0));
    let b = Arc::new(RwLock::named("outside-read-b", 0));
    let classes = || -> Vec<String> {
        lockcheck::held_locks()
            .into_iter()
            .map(|h| h.class)
            .collect()
    };
    rt.block_on(async {
        // On the runtime's own thread, no task: the entries are the thread's.
        let ga = a.read().await;
        let gb = b.read().await;
        assert_eq!(classes(), ["outside-read-a", "outside-read-b"]);
        // Out of order, then the top one.
        drop(ga);
        assert_eq!(classes(), ["outside-read-b"]);
        drop(gb);
        assert!(classes().is_empty());
        assert!(!a.is_held() && !b.is_held());

        // A read guard moved into a task on this same thread, and dropped there: the task
        // sees it (its thread's), and its drop leaves nothing held, in the task or after.
        let ga = Arc::clone(&a).read_owned().await;
        let gb = b.read().await;
        let inside = tokio::spawn(async move {
            let seen = classes();
            drop(ga);
            (seen, classes())
        })
        .await
        .unwrap();
        assert_eq!(inside.0, ["outside-read-a", "outside-read-b"]);
        assert_eq!(inside.1, ["outside-read-b"]);
        drop(gb);
        assert!(classes().is_empty());

        // Sent to another thread and dropped there: not this thread's top entry to pop
        // there; the entry goes here all the same.
        let ga = Arc::clone(&a).read_owned().await;
        std::thread::spawn(move || drop(ga)).join().unwrap();
        assert!(!a.is_held());
        assert!(classes().is_empty());
    });
    assert!(lockcheck::held_locks().is_empty());
    assert!(reports("LockOrderInversion", "outside-read").is_empty());
}
