//! Real deadlocks are said at the wait that closes them, before the owner parks (the wait-for
//! graph, `waits.rs`), and a reported order taken again is refused again under `Panic`.
//!
//! The action is process-wide, so this binary's tests run one at a time (`SERIAL`) and each
//! sets the action it needs. Every scenario runs under a watchdog: a miss fails the test
//! instead of hanging the run.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Barrier, Mutex as StdMutex};
use std::time::Duration;

use lockcheck::{set_action, Action, Mutex, Violation, ViolationKind};

static SERIAL: StdMutex<()> = StdMutex::new(());

/// Runs `f` on its own thread and waits at most 20 s for it.
fn within_20s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the scenario hung: a deadlock went unreported")
}

/// An action that panics on a deadlock (so the owner that closed it unwinds and frees the
/// others) and keeps every violation for the test.
fn panic_on_deadlock() -> Arc<StdMutex<Vec<Violation>>> {
    let seen: Arc<StdMutex<Vec<Violation>>> = Arc::default();
    let keep = Arc::clone(&seen);
    set_action(Action::Callback(Arc::new(move |v: &Violation| {
        keep.lock().unwrap().push(v.clone());
        if v.kind_name() == "deadlock" {
            panic!("deadlock: {}", v.acquiring.class);
        }
    })));
    seen
}

/// Two threads take A then B and B then A at the same moment (a barrier between their first
/// and second locks): the order cycle is said (and the callback lets them go on, as `Log`
/// would), then both wait, and the second to wait closes a cycle of waiters: a deadlock, said
/// before it parks. Its panic frees the other thread, which finishes.
#[test]
fn a_deadlock_two_threads_form_is_reported_before_parking() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let seen = panic_on_deadlock();
    let outcome = within_20s(|| {
        let a = Arc::new(Mutex::named("dl-threads-a", ()));
        let b = Arc::new(Mutex::named("dl-threads-b", ()));
        let both = Arc::new(Barrier::new(2));
        let spawn = |first: Arc<Mutex<()>>, second: Arc<Mutex<()>>, name: &str| {
            let both = Arc::clone(&both);
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(move || {
                    let _f = first.lock();
                    both.wait();
                    let _s = second.lock();
                })
                .unwrap()
        };
        let t1 = spawn(Arc::clone(&a), Arc::clone(&b), "dl-t1");
        let t2 = spawn(b, a, "dl-t2");
        [t1.join().is_err(), t2.join().is_err()]
    });
    set_action(Action::Panic);
    if !lockcheck::ENABLED {
        return;
    }
    assert_eq!(
        outcome.iter().filter(|p| **p).count(),
        1,
        "exactly the owner that closed it panics: {outcome:?}"
    );
    let seen = seen.lock().unwrap();
    let deadlocks: Vec<&Violation> = seen
        .iter()
        .filter(|v| v.kind_name() == "deadlock")
        .collect();
    assert_eq!(deadlocks.len(), 1, "{seen:#?}");
    let ViolationKind::Deadlock { waits } = &deadlocks[0].kind else {
        unreachable!()
    };
    assert_eq!(waits.len(), 2);
    let mut owners: Vec<&str> = waits.iter().map(|w| w.owner.as_str()).collect();
    owners.sort();
    assert_eq!(owners, ["dl-t1", "dl-t2"]);
    // Each waits for what the other holds, with where it was taken.
    for w in waits {
        assert_eq!(w.waits_for.class, w.held_by_next.class);
        assert!(w.held_by_next.site.file.ends_with("tests/deadlocks.rs"));
    }
    let text = deadlocks[0].to_string();
    assert!(
        text.contains("lockcheck: deadlock: 2 threads wait for each other"),
        "{text}"
    );
    assert!(
        text.contains("`dl-threads-a`") && text.contains("`dl-threads-b`"),
        "{text}"
    );
}

/// The clean twin: the same two threads contend for one lock, and for two locks in one order:
/// waits, but no cycle of waiters, and nothing said.
#[test]
fn contention_without_a_cycle_is_silent() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let seen = panic_on_deadlock();
    within_20s(|| {
        let a = Arc::new(Mutex::named("dl-clean-a", 0u64));
        let b = Arc::new(Mutex::named("dl-clean-b", 0u64));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (a, b) = (Arc::clone(&a), Arc::clone(&b));
                std::thread::spawn(move || {
                    for _ in 0..20_000 {
                        let mut ga = a.lock();
                        let mut gb = b.lock();
                        *ga += 1;
                        *gb += 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*a.lock(), 40_000);
    });
    set_action(Action::Panic);
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:#?}",
        seen.lock().unwrap()
    );
}

/// Under the default action a reported inversion panics; code that catches the panic (a
/// thread pool, a `JoinHandle`) and runs the same order again is refused again, instead of
/// walking into the deadlock the report warned of.
#[test]
fn a_refused_order_is_refused_again_under_panic() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    set_action(Action::Panic);
    let a = Mutex::named("dl-again-a", ());
    let b = Mutex::named("dl-again-b", ());
    drop((a.lock(), b.lock()));
    let invert = || {
        catch_unwind(AssertUnwindSafe(|| {
            let _b = b.lock();
            let _a = a.lock();
        }))
    };
    let first = invert();
    let second = invert();
    if !lockcheck::ENABLED {
        return;
    }
    let message = |r: std::thread::Result<()>| -> String {
        let e = r.expect_err("refused");
        e.downcast_ref::<String>().cloned().unwrap_or_default()
    };
    assert!(message(first).contains("lock order inversion"));
    let again = message(second);
    assert!(again.contains("refusing again"), "{again}");
    assert!(again.contains("`dl-again-a`"), "{again}");
    assert!(
        !a.is_held() && !b.is_held(),
        "nothing stale after the refusals"
    );
}

/// Log and callbacks do not go blind after a refusal: `A -> B`, `B -> A` (reported), then
/// `A -> X` and `X -> B`: the cycle `X -> B -> A -> X` runs through the reported order, and is
/// found.
#[test]
fn a_later_cycle_through_a_reported_order_is_found() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    set_action(Action::Log);
    let a = Mutex::named("dl-through-a", ());
    let b = Mutex::named("dl-through-b", ());
    let x = Mutex::named("dl-through-x", ());
    let ((), found) = lockcheck::capture_violations(|| {
        drop((a.lock(), b.lock()));
        drop((b.lock(), a.lock())); // reported: closes a -> b
        drop((a.lock(), x.lock()));
        drop((x.lock(), b.lock())); // x -> b -> a -> x, through the reported b -> a
    });
    set_action(Action::Panic);
    if !lockcheck::ENABLED {
        return;
    }
    let cycles: Vec<&Violation> = found
        .iter()
        .filter(|v| v.kind_name() == "order-cycle")
        .collect();
    assert_eq!(cycles.len(), 2, "{found:#?}");
    let ViolationKind::OrderCycle { cycle, .. } = &cycles[1].kind else {
        unreachable!()
    };
    let names: Vec<(&str, &str)> = cycle.iter().map(|e| (&*e.from, &*e.to)).collect();
    assert_eq!(
        names,
        [
            ("dl-through-x", "dl-through-b"),
            ("dl-through-b", "dl-through-a"),
            ("dl-through-a", "dl-through-x")
        ]
    );
}
