//! Futures that share one tokio task (`join!`, `select!`, `FuturesUnordered`, a `JoinSet`)
//! share a lock the way tokio's own locks let them: no refusal, no report; a deadlock two tasks
//! form on async locks is said before the second task waits; an inversion between two branches
//! of one task is still reported.
#![cfg(all(feature = "tokio", any(debug_assertions, feature = "release-checks")))]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use lockcheck::tokio::{CheckedExt, Mutex};
use lockcheck::{capture_violations, Violation};

fn runtimes() -> Vec<(&'static str, tokio::runtime::Runtime)> {
    vec![
        (
            "multi-thread",
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        ),
        (
            "current-thread",
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        ),
    ]
}

type Found = Arc<std::sync::Mutex<Vec<Violation>>>;

/// Runs `body` in a task of each runtime, and in a `LocalSet` task, each time returning what
/// was reported while it ran (captured at every poll, on whichever worker polls).
fn on_every_runtime<F, Fut>(body: F) -> Vec<(&'static str, Vec<Violation>)>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let body = Arc::new(body);
    let mut out = Vec::new();
    for (name, rt) in runtimes() {
        let found = Found::default();
        let (b, f) = (Arc::clone(&body), Arc::clone(&found));
        rt.block_on(async move {
            tokio::spawn(capturing(f, b())).await.unwrap();
        });
        out.push((name, std::mem::take(&mut *found.lock().unwrap())));
        let found = Found::default();
        let (b, f) = (Arc::clone(&body), Arc::clone(&found));
        let local = tokio::task::LocalSet::new();
        rt.block_on(local.run_until(async move {
            tokio::task::spawn_local(capturing(f, b())).await.unwrap();
        }));
        out.push(("LocalSet", std::mem::take(&mut *found.lock().unwrap())));
    }
    out
}

/// `fut`, each of its polls under a capture whose findings go to `found`.
async fn capturing(found: Found, fut: impl std::future::Future<Output = ()>) {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| {
        let (poll, seen) = capture_violations(|| fut.as_mut().poll(cx));
        found.lock().unwrap().extend(seen);
        poll
    })
    .await
}

/// `join!`: two branches of one task await the same mutex; the second waits for the first,
/// as with tokio's own mutex.
#[test]
fn join_branches_share_one_mutex() {
    for (rt, found) in on_every_runtime(|| async {
        let m = Arc::new(Mutex::named("fut-join", 0u32));
        let branch = |m: Arc<Mutex<u32>>| async move {
            let mut g = m.lock().await;
            tokio::task::yield_now().await;
            *g += 1;
        };
        tokio::join!(branch(Arc::clone(&m)), branch(Arc::clone(&m)));
        assert_eq!(*m.lock().await, 2);
    }) {
        assert!(found.is_empty(), "{rt}: {found:#?}");
    }
}

/// `select!` between a lock the task already holds (another branch's) and a timer: the timer
/// wins, nothing is refused or reported.
#[test]
fn select_against_a_timer_while_the_task_holds_the_lock() {
    for (rt, found) in on_every_runtime(|| async {
        let m = Mutex::named("fut-select", ());
        let held = m.lock().await;
        let timed_out = tokio::select! {
            _g = m.lock() => false,
            () = tokio::time::sleep(Duration::from_millis(5)) => true,
        };
        assert!(timed_out);
        drop(held);
        let _g = m.lock().await;
    }) {
        assert!(found.is_empty(), "{rt}: {found:#?}");
    }
}

/// `FuturesUnordered`-style: many futures of one task take the same lock in turn (built with
/// `join_all`-like polling by hand: no `futures` dependency).
#[test]
fn many_futures_of_one_task_take_one_lock() {
    for (rt, found) in on_every_runtime(|| async {
        let m = Arc::new(Mutex::named("fut-many", 0u32));
        let mut set = tokio::task::JoinSet::new();
        // The futures run inside this one task, polled together.
        let futs: Vec<_> = (0..8)
            .map(|_| {
                let m = Arc::clone(&m);
                Box::pin(async move {
                    let mut g = m.lock().await;
                    tokio::task::yield_now().await;
                    *g += 1;
                })
            })
            .collect();
        let mut futs: Vec<_> = futs.into_iter().map(Some).collect();
        std::future::poll_fn(|cx| {
            let mut pending = false;
            for f in futs.iter_mut() {
                if let Some(fut) = f {
                    if fut.as_mut().poll(cx).is_ready() {
                        *f = None;
                    } else {
                        pending = true;
                    }
                }
            }
            if pending {
                std::task::Poll::Pending
            } else {
                std::task::Poll::Ready(())
            }
        })
        .await;
        // And a JoinSet: each future its own task.
        for _ in 0..8 {
            let m = Arc::clone(&m);
            set.spawn(async move {
                let mut g = m.lock().await;
                tokio::task::yield_now().await;
                *g += 1;
            });
        }
        while set.join_next().await.is_some() {}
        assert_eq!(*m.lock().await, 16);
    }) {
        assert!(found.is_empty(), "{rt}: {found:#?}");
    }
}

/// An inversion between two branches of one task is still reported (the task then deadlocks
/// on itself: the timeout ends the test's wait).
#[test]
fn an_inversion_between_branches_of_one_task_is_reported() {
    for (rt, found) in on_every_runtime(|| async {
        let a = Arc::new(Mutex::named("fut-inv-a", ()));
        let b = Arc::new(Mutex::named("fut-inv-b", ()));
        let take = |first: Arc<Mutex<()>>, second: Arc<Mutex<()>>| async move {
            let _f = first.lock().await;
            tokio::time::sleep(Duration::from_millis(5)).await;
            let _s = second.lock().await;
        };
        let both = async {
            tokio::join!(
                take(Arc::clone(&a), Arc::clone(&b)),
                take(Arc::clone(&b), Arc::clone(&a))
            )
        };
        let _ = tokio::time::timeout(Duration::from_millis(200), both).await;
    }) {
        assert!(
            found.iter().any(|v| v.kind_name() == "order-cycle"),
            "{rt}: {found:#?}"
        );
    }
}

/// With each branch `.checked()`, the held sets are per future: no order is learned between
/// two branches that each hold one lock, and a checked future that takes a lock it holds
/// again is refused as a thread is.
#[test]
fn checked_branches_have_their_own_held_sets() {
    for (rt, found) in on_every_runtime(|| async {
        let a = Arc::new(Mutex::named("fut-own-a", ()));
        let b = Arc::new(Mutex::named("fut-own-b", ()));
        let hold = |m: Arc<Mutex<()>>| async move {
            let _g = m.lock().await;
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        // Each branch holds one lock while the other takes its own: no order between them.
        tokio::join!(
            hold(Arc::clone(&a)).checked(),
            hold(Arc::clone(&b)).checked()
        );
        tokio::join!(
            hold(Arc::clone(&b)).checked(),
            hold(Arc::clone(&a)).checked()
        );
    }) {
        assert!(found.is_empty(), "{rt}: {found:#?}");
    }
}

/// Two tasks deadlock on two async locks (a barrier between their first and second locks):
/// the second to wait closes a cycle of waiting tasks and is told before it waits; its panic
/// (this action panics on a deadlock only) frees the other task, which finishes. On both
/// runtimes: a task waiting does not block its thread, so a current-thread runtime sees it too.
#[test]
fn a_deadlock_two_tasks_form_is_reported_before_the_wait() {
    let deadlocks: Found = Found::default();
    let keep = Arc::clone(&deadlocks);
    lockcheck::set_action(lockcheck::Action::Callback(Arc::new(
        move |v: &Violation| {
            if v.kind_name() == "deadlock" {
                keep.lock().unwrap().push(v.clone());
                panic!("deadlock");
            }
        },
    )));
    for (name, rt) in runtimes() {
        let outcome = rt.block_on(async {
            let a = Arc::new(Mutex::named("fut-dl-a", ()));
            let b = Arc::new(Mutex::named("fut-dl-b", ()));
            let both = Arc::new(tokio::sync::Barrier::new(2));
            let task = |first: Arc<Mutex<()>>, second: Arc<Mutex<()>>| {
                let both = Arc::clone(&both);
                tokio::spawn(async move {
                    let _f = first.lock().await;
                    both.wait().await;
                    let _s = second.lock().await;
                })
            };
            let (t1, t2) = (
                task(Arc::clone(&a), Arc::clone(&b)),
                task(Arc::clone(&b), Arc::clone(&a)),
            );
            let results = tokio::time::timeout(Duration::from_secs(10), async {
                [t1.await.is_err(), t2.await.is_err()]
            })
            .await;
            results.expect("the tasks deadlocked silently")
        });
        assert_eq!(
            outcome.iter().filter(|p| **p).count(),
            1,
            "{name}: {outcome:?}"
        );
    }
    lockcheck::set_action(lockcheck::Action::Panic);
    let found = deadlocks.lock().unwrap();
    assert_eq!(found.len(), 2, "one per runtime: {found:#?}");
    let lockcheck::ViolationKind::Deadlock { waits } = &found[0].kind else {
        unreachable!()
    };
    assert_eq!(waits.len(), 2);
    assert!(
        waits.iter().all(|w| w.owner.contains(", task ")),
        "{waits:#?}"
    );
    let text = found[0].to_string();
    assert!(
        text.contains("owners (threads, tasks) wait for each other"),
        "{text}"
    );
}

/// An inversion between two tasks is told as one between tasks: each learned order names the
/// task that took it (a task moves between workers; its thread alone says little).
#[test]
fn reports_between_tasks_name_the_tasks() {
    for (rt, found) in on_every_runtime(|| async {
        let a = Arc::new(Mutex::named("fut-tasks-a", ()));
        let b = Arc::new(Mutex::named("fut-tasks-b", ()));
        let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
        tokio::spawn(async move {
            let _a = a2.lock().await;
            let _b = b2.lock().await;
        })
        .await
        .unwrap();
        let _b = b.lock().await;
        let _a = a.lock().await;
    }) {
        if rt != "multi-thread" && rt != "current-thread" {
            continue; // the spawned task's own report is captured in its own polls
        }
        let text = found
            .iter()
            .find(|v| v.kind_name() == "order-cycle")
            .map(|v| v.to_string())
            .unwrap_or_else(|| panic!("{rt}: {found:#?}"));
        assert!(text.contains("how two tasks deadlock"), "{rt}: {text}");
        assert!(text.contains(", task "), "{rt}: {text}");
        let lockcheck::ViolationKind::OrderCycle { cycle, .. } = &found[0].kind else {
            unreachable!()
        };
        assert!(cycle.iter().all(|e| e.task.is_some()), "{rt}: {cycle:#?}");
    }
}

/// A guard returned through a checked task's `JoinHandle` leaves the ended task behind: 20,000
/// such tasks leave no stack with a stale entry in the task table, and the awaiting task's
/// later locks learn nothing from the ended ones.
#[test]
fn guards_returned_through_join_handles_leave_nothing_behind() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let found = Found::default();
    let f = Arc::clone(&found);
    rt.block_on(capturing(f, async {
        let m = Arc::new(Mutex::named("fut-handover-m", 0u32));
        let later = Mutex::named("fut-handover-later", ());
        for _ in 0..20_000 {
            let m = Arc::clone(&m);
            let guard = lockcheck::tokio::spawn(async move { m.lock_owned().await })
                .await
                .unwrap();
            drop(guard);
        }
        let _l = later.lock().await;
        let _m = m.lock().await;
    }));
    assert!(
        found.lock().unwrap().is_empty(),
        "{:#?}",
        found.lock().unwrap()
    );
    let kept = lockcheck::tokio::tasks_with_held_stacks();
    assert!(kept <= 4096, "{kept} task stacks kept");
}

/// A guard sent through a channel to another live task and dropped there leaves nothing behind
/// in the task that took it: that task's later locks learn no order from the moved lock, so
/// the reverse order taken afterwards is no inversion.
#[test]
fn guards_sent_to_another_task_leave_nothing_behind() {
    for (runtime, found) in on_every_runtime(|| async {
        let m = Arc::new(Mutex::named("fut-sent-m", ()));
        let later = Arc::new(Mutex::named("fut-sent-later", ()));
        let (tx, mut rx) = tokio::sync::mpsc::channel(1);
        let (ack_tx, ack_rx) = tokio::sync::oneshot::channel();
        let receiver = tokio::spawn(async move {
            let guard = rx.recv().await.unwrap();
            drop(guard);
            ack_tx.send(()).unwrap();
        });
        let (m2, later2) = (Arc::clone(&m), Arc::clone(&later));
        let sender = tokio::spawn(async move {
            tx.send(m2.lock_owned().await).await.unwrap();
            ack_rx.await.unwrap();
            // Holds nothing now: `fut-sent-m`'s guard was dropped by the receiver.
            let _l = later2.lock().await;
            tokio::task::yield_now().await;
        });
        receiver.await.unwrap();
        sender.await.unwrap();
        let _l = later.lock().await;
        let _m = m.lock().await;
    }) {
        assert!(found.is_empty(), "{runtime}: {found:#?}");
    }
}

/// The twin: a task that really still holds the lock when it takes the next one teaches that
/// order, and the reverse order is reported.
#[test]
fn a_guard_kept_by_its_task_still_orders_its_later_locks() {
    for (runtime, found) in on_every_runtime(|| async {
        let m = Arc::new(Mutex::named("fut-kept-m", ()));
        let later = Arc::new(Mutex::named("fut-kept-later", ()));
        let (m2, later2) = (Arc::clone(&m), Arc::clone(&later));
        tokio::spawn(async move {
            let _g = m2.lock_owned().await;
            let _l = later2.lock().await;
        })
        .await
        .unwrap();
        let _l = later.lock().await;
        let _m = m.lock().await;
    })
    .into_iter()
    .take(1)
    {
        assert_eq!(found.len(), 1, "{runtime}: {found:#?}");
        assert_eq!(found[0].kind_name(), "order-cycle");
    }
}

/// 100,000 guards taken by short tasks and dropped by another one: the task table keeps no
/// stack of the ended tasks (memory flat), and no task learns an order from them.
#[test]
fn a_hundred_thousand_guards_sent_away_leave_the_task_table_flat() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let found = Found::default();
    let f = Arc::clone(&found);
    rt.block_on(capturing(f, async {
        let m = Arc::new(Mutex::named("fut-sent-away-m", ()));
        let later = Mutex::named("fut-sent-away-later", ());
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let dropper = tokio::spawn(async move {
            let mut n = 0u32;
            while let Some(guard) = rx.recv().await {
                drop(guard);
                n += 1;
            }
            n
        });
        for _ in 0..100_000 {
            let (m, tx) = (Arc::clone(&m), tx.clone());
            tokio::spawn(async move {
                let guard = m.lock_owned().await;
                tx.send(guard).await.unwrap();
            })
            .await
            .unwrap();
        }
        drop(tx);
        assert_eq!(dropper.await.unwrap(), 100_000);
        let _l = later.lock().await;
        let _m = m.lock().await;
    }));
    assert!(
        found.lock().unwrap().is_empty(),
        "{:#?}",
        found.lock().unwrap()
    );
    let kept = lockcheck::tokio::tasks_with_held_stacks();
    assert!(kept <= 4096, "{kept} task stacks kept");
}

/// The `futures` crate's own combinators, as real async code uses them: a `FuturesUnordered`
/// and a buffered stream of futures of one task, each taking the same lock (and the next one,
/// always in one order) and holding it across a yield. No refusal, no report, on every runtime;
/// every future ran.
#[test]
fn futures_unordered_and_buffered_streams_share_locks_silently() {
    use futures::stream::{FuturesUnordered, StreamExt};
    for (rt, found) in on_every_runtime(|| async {
        let m = Arc::new(Mutex::named("fut-stream-m", 0u32));
        let n = Arc::new(Mutex::named("fut-stream-n", 0u32));
        let mut unordered: FuturesUnordered<_> = (0..16)
            .map(|_| {
                let (m, n) = (Arc::clone(&m), Arc::clone(&n));
                async move {
                    let mut g = m.lock().await;
                    tokio::task::yield_now().await;
                    *g += 1;
                    *n.lock().await += 1;
                }
            })
            .collect();
        while unordered.next().await.is_some() {}
        let done: Vec<u32> = futures::stream::iter(0..16u32)
            .map(|i| {
                let (m, n) = (Arc::clone(&m), Arc::clone(&n));
                async move {
                    let mut g = m.lock().await;
                    tokio::time::sleep(Duration::from_micros(50)).await;
                    *g += 1;
                    *n.lock().await += 1;
                    i
                }
            })
            .buffer_unordered(4)
            .collect()
            .await;
        assert_eq!(done.len(), 16);
        assert_eq!(*m.lock().await, 32);
        assert_eq!(*n.lock().await, 32);
    }) {
        assert!(found.is_empty(), "{rt}: {found:#?}");
    }
}

/// One yield: pending once, woken at once (what `tokio::task::yield_now` does, for executors
/// that are not tokio).
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return std::task::Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
    .await
}

/// `futures`' own executors, without `.checked()`: a `LocalPool` polls many futures on one
/// thread, a `ThreadPool` on a few; each future takes the same two locks in one order and holds
/// the first across a yield, so futures of one thread wait for each other's locks. No refusal,
/// no report, every future ran.
#[test]
fn futures_executors_share_locks_silently() {
    use futures::executor::{LocalPool, ThreadPool};
    use futures::task::{LocalSpawnExt, SpawnExt};
    let job = |m: Arc<Mutex<u32>>, n: Arc<Mutex<u32>>| async move {
        let mut g = m.lock().await;
        yield_once().await;
        *g += 1;
        *n.lock().await += 1;
    };

    let found = Found::default();
    let m = Arc::new(Mutex::named("fut-localpool-m", 0u32));
    let n = Arc::new(Mutex::named("fut-localpool-n", 0u32));
    let mut pool = LocalPool::new();
    for _ in 0..16 {
        let fut = capturing(Arc::clone(&found), job(Arc::clone(&m), Arc::clone(&n)));
        pool.spawner().spawn_local(fut).unwrap();
    }
    pool.run();
    assert_eq!(*m.try_lock().unwrap(), 16);
    assert_eq!(*n.try_lock().unwrap(), 16);
    assert!(found.lock().unwrap().is_empty(), "LocalPool: {found:#?}");

    let found = Found::default();
    let m = Arc::new(Mutex::named("fut-threadpool-m", 0u32));
    let n = Arc::new(Mutex::named("fut-threadpool-n", 0u32));
    let pool = ThreadPool::builder().pool_size(2).create().unwrap();
    let handles: Vec<_> = (0..32)
        .map(|_| {
            let fut = capturing(Arc::clone(&found), job(Arc::clone(&m), Arc::clone(&n)));
            pool.spawn_with_handle(fut).unwrap()
        })
        .collect();
    futures::executor::block_on(futures::future::join_all(handles));
    assert_eq!(*m.try_lock().unwrap(), 32);
    assert_eq!(*n.try_lock().unwrap(), 32);
    assert!(found.lock().unwrap().is_empty(), "ThreadPool: {found:#?}");
}
