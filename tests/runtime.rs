//! Behaviour of the runtime beyond the lockdep families: Condvar, ranks, thread exit, and the
//! learned graph under real concurrency.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::sync::Arc;
use std::time::Duration;

use lockcheck::{
    capture_violations, held_locks, lock_ranks, report, Condvar, Mutex, RankTable, ViolationKind,
};

fn classes_held() -> Vec<String> {
    held_locks().into_iter().map(|h| h.class).collect()
}

#[test]
fn condvar_wait_releases_and_retakes_in_the_held_stack() {
    let outer = Arc::new(Mutex::named("cv.outer", ()));
    let pair = Arc::new((Mutex::named("cv.state", 0u32), Condvar::new()));
    let p2 = Arc::clone(&pair);
    // Set once the waiter holds the state lock: from then on the notifier's lock can only be
    // had while the waiter waits (on a loaded machine the waiter may start late).
    let holding = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let h2 = Arc::clone(&holding);
    let waiter = std::thread::spawn(move || {
        let (m, cv) = &*p2;
        let ((), found) = capture_violations(|| {
            let _o = outer.lock();
            let mut g = m.lock();
            h2.store(true, std::sync::atomic::Ordering::Release);
            assert_eq!(classes_held(), ["cv.outer", "cv.state"]);
            let mut wakes = 0;
            while *g == 0 {
                g = cv.wait(g);
                wakes += 1;
                // Held again, once, on top of the stack, at the wait's site.
                assert_eq!(classes_held(), ["cv.outer", "cv.state"]);
                assert!(m.is_held());
            }
            assert!(wakes >= 1);
            drop(g);
            assert!(!m.is_held());
            assert_eq!(classes_held(), ["cv.outer"]);
        });
        assert!(found.is_empty(), "{found:?}");
    });
    // The notifier takes the state lock while the waiter waits: it must be free.
    let (m, cv) = &*pair;
    while !holding.load(std::sync::atomic::Ordering::Acquire) {
        std::thread::yield_now();
    }
    loop {
        std::thread::sleep(Duration::from_millis(5));
        let mut g = m.lock();
        *g = 1;
        cv.notify_all();
        drop(g);
        if waiter.is_finished() {
            break;
        }
    }
    waiter.join().unwrap();
}

#[test]
fn condvar_wait_timeout_keeps_the_stack_right() {
    let m = Mutex::named("cv-timeout.m", ());
    let cv = Condvar::new();
    let (g, res) = cv.wait_timeout(m.lock(), Duration::from_millis(1));
    assert!(res.timed_out());
    assert!(m.is_held());
    drop(g);
    assert!(held_locks().is_empty());
}

/// The rank table is process-wide: every test of this binary shares this one.
fn install_ranks() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        lockcheck::set_rank_table(
            lock_ranks! {
                rank.sched < rank.allm, rank.trace;
                rank.allm < rank.trace;
                drift.a < drift.b;
                drift.c;
                rank2.outer < rank2.inner;
            }
            .unwrap(),
        )
    });
}

#[test]
fn declared_rank_is_checked_the_first_time_an_order_is_taken() {
    // `rank.sched < rank.trace`: taking sched while holding trace breaks it, even though this
    // order was never learned the other way.
    install_ranks();
    let sched = Mutex::named("rank.sched", ());
    let trace = Mutex::named("rank.trace", ());
    let allm = Mutex::named("rank.allm", ());
    let ((), found) = capture_violations(|| {
        let _t = trace.lock();
        let _s = sched.lock();
    });
    assert_eq!(found.len(), 1, "{found:?}");
    let ViolationKind::RankOrder { held, declared } = &found[0].kind else {
        panic!("{}", found[0])
    };
    assert_eq!(held.class, "rank.trace");
    assert_eq!(declared.len(), 1);
    assert_eq!(
        (declared[0].before.as_str(), declared[0].after.as_str()),
        ("rank.sched", "rank.trace")
    );
    assert!(found[0]
        .to_string()
        .contains("the declared rank order puts `rank.sched` before `rank.trace`"));
    // Orders the table declares are fine.
    let ((), found) = capture_violations(|| {
        let _s = sched.lock();
        let _a = allm.lock();
    });
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_cycle_that_also_breaks_the_ranks_is_one_report_saying_both() {
    install_ranks();
    let outer = Mutex::named("rank2.outer", ());
    let inner = Mutex::named("rank2.inner", ());
    let ((), found) = capture_violations(|| {
        drop((outer.lock(), inner.lock())); // as declared, learned
        let _i = inner.lock();
        let _o = outer.lock(); // closes a cycle and breaks `outer < inner`
    });
    assert_eq!(found.len(), 1, "{found:?}");
    let ViolationKind::OrderCycle { declared, .. } = &found[0].kind else {
        panic!("{}", found[0])
    };
    assert_eq!(declared.len(), 1);
    let text = found[0].to_string();
    assert!(
        text.contains("declared rank order: rank2.outer < rank2.inner"),
        "{text}"
    );
}

#[test]
fn learned_orders_the_table_does_not_declare_are_listed() {
    install_ranks();
    let a = Mutex::named("drift.a", ());
    let c = Mutex::named("drift.c", ());
    {
        let _a = a.lock();
        let _c = c.lock(); // a and c are both ranked, but the table does not order them
    }
    let r = report();
    let undeclared: Vec<_> = r
        .undeclared_edges()
        .map(|e| (e.edge.from.clone(), e.edge.to.clone()))
        .collect();
    assert!(
        undeclared.contains(&("drift.a".into(), "drift.c".into())),
        "{undeclared:?}"
    );
    assert!(r.to_string().contains("drift.a < drift.c"));
}

#[test]
fn go_runtime_rank_table_is_consistent() {
    let text = include_str!("../data/go-lockrank.dag");
    let t = RankTable::parse_from("go-lockrank.dag", text).unwrap();
    assert!(t.orders("sched", "trace"));
    assert!(t.orders("allocmR", "sched"));
    assert!(!t.orders("sched", "allocmR"));
    // Breaking it is caught, with a place.
    let broken = format!("{text}\ntrace < sched;\n");
    let err = RankTable::parse_from("go-lockrank.dag", &broken).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("the declared rank order has a cycle"), "{msg}");
    assert!(
        msg.contains("trace < sched") || msg.contains("sched <"),
        "{msg}"
    );
}

#[test]
fn a_thread_that_exits_holding_a_lock_is_reported() {
    static LEAKED: Mutex<()> = Mutex::named("exit.leaked", ());
    std::thread::Builder::new()
        .name("leaker".into())
        .spawn(|| std::mem::forget(LEAKED.lock()))
        .unwrap()
        .join()
        .unwrap();
    let exits: Vec<_> = lockcheck::reported()
        .into_iter()
        .filter(|v| v.kind == ViolationKind::ExitWhileHolding && v.thread == "leaker")
        .collect();
    assert_eq!(exits.len(), 1);
    assert_eq!(exits[0].held[0].class, "exit.leaked");
}

#[test]
fn locks_work_from_thread_local_destructors() {
    struct TakesLocks;
    impl Drop for TakesLocks {
        fn drop(&mut self) {
            static SCHED: Mutex<u32> = Mutex::named("tls.sched", 0);
            static TRACE: Mutex<u32> = Mutex::named("tls.trace", 0);
            let _s = SCHED.lock();
            assert!(SCHED.is_held(), "held-stack tracking works during teardown");
            *TRACE.lock() += 1;
        }
    }
    thread_local!(static T: TakesLocks = const { TakesLocks });
    std::thread::spawn(|| T.with(|_| ())).join().unwrap();
    assert!(report()
        .edges
        .iter()
        .any(|e| e.edge.from == "tls.sched" && e.edge.to == "tls.trace"));
}

#[test]
fn many_threads_in_one_total_order_report_nothing_and_learn_exactly_those_orders() {
    const LOCKS: usize = 64;
    let locks: Arc<Vec<Mutex<u64>>> = Arc::new(
        (0..LOCKS)
            .map(|i| Mutex::named(Box::leak(format!("total.{i:02}").into()), 0))
            .collect(),
    );
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let locks = Arc::clone(&locks);
            std::thread::spawn(move || {
                capture_violations(|| {
                    let mut x = t as usize * 7 + 1;
                    for _ in 0..300 {
                        // Three ascending indices: consistent with the total order.
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        let mut idx = [x % LOCKS, (x >> 16) % LOCKS, (x >> 32) % LOCKS];
                        idx.sort_unstable();
                        let (i, j, k) = (idx[0], idx[1], idx[2]);
                        if i == j || j == k {
                            continue;
                        }
                        let _a = locks[i].lock();
                        let _b = locks[j].lock();
                        let mut c = locks[k].lock();
                        *c += 1;
                    }
                })
                .1
            })
        })
        .collect();
    for t in threads {
        let found = t.join().unwrap();
        assert!(found.is_empty(), "{found:?}");
    }
    let r = report();
    for e in r.edges.iter().filter(|e| e.edge.from.starts_with("total.")) {
        assert!(
            e.edge.from < e.edge.to,
            "only ascending orders were taken: {e:?}"
        );
    }
}
