//! Joins as waits (issue 25): `lockcheck::thread` orders a spawned thread's class before every
//! lock it takes, and a join (explicit, or at a scope's end) while holding `X` orders `X` before
//! the thread; a join holding a lock its thread takes is reported, in either order, on a run
//! that does not hang; a join holding nothing the thread takes is silent.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::sync::Arc;

use lockcheck::{capture_violations, thread, Condvar, Mutex, Violation, ViolationKind};

/// One real wait on `cv` with `m` (and whatever the caller holds), woken by a helper thread
/// that notifies holding nothing: the helper sees `waiting` only once the waiter is inside the
/// wait (it was set under `m`, which only the wait releases), so the wait returns. Each call
/// waits exactly once, so what a wait teaches is taught on every run.
#[track_caller]
fn wait_once(m: &Arc<Mutex<bool>>, cv: &Arc<Condvar>) {
    let (m2, cv2) = (Arc::clone(m), Arc::clone(cv));
    let helper = std::thread::spawn(move || loop {
        let waiting = m2.lock();
        if *waiting {
            cv2.notify_all();
            return;
        }
        drop(waiting);
        std::thread::yield_now();
    });
    let mut g = m.lock();
    *g = true;
    let mut g = cv.wait(g);
    *g = false;
    drop(g);
    helper.join().unwrap();
}

/// Spawns, at one site (so one thread class), a thread that takes `x` or not; it runs under
/// a capture of its own, whose findings it returns.
fn spawn_one(x: &Arc<Mutex<u32>>, take: bool) -> thread::JoinHandle<Vec<Violation>> {
    let x = Arc::clone(x);
    thread::spawn(move || {
        capture_violations(|| {
            if take {
                *x.lock() += 1;
            }
        })
        .1
    })
}

/// Waits until the thread is done, so that joining it while holding what it takes is a
/// possible deadlock, not a real one, on this run.
fn finished<T>(t: thread::JoinHandle<T>) -> thread::JoinHandle<T> {
    while !t.is_finished() {
        thread::yield_now();
    }
    t
}

/// A thread took `x`; joining one of its class while holding `x` is reported, at the join.
#[test]
fn joining_holding_a_lock_the_thread_takes_is_reported() {
    let x = Arc::new(Mutex::new(0));
    let t = finished(spawn_one(&x, true));
    let (r, found) = capture_violations(|| {
        let _x = x.lock();
        t.join() // x -> thread: the thread takes x
    });
    assert!(r.unwrap().is_empty());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].acquiring.site.line, line!() - 4);
    let text = found[0].to_string();
    assert!(text.contains("joins `thread spawned at"), "{text}");
    assert!(text.contains("takes `Mutex<u32>"), "{text}");
}

/// The other order: a thread of the class joined while holding `x` (it did not take `x`:
/// silent), then another thread of the class takes `x`: reported in that thread.
#[test]
fn a_thread_taking_a_lock_its_joiner_held_is_reported() {
    let x = Arc::new(Mutex::new(0));
    let t = finished(spawn_one(&x, false));
    let (r, found) = capture_violations(|| {
        let _x = x.lock();
        t.join()
    });
    assert!(r.unwrap().is_empty());
    assert!(
        found.is_empty(),
        "joining a thread that never takes x: {found:#?}"
    );
    let in_thread = spawn_one(&x, true).join().unwrap();
    assert_eq!(in_thread.len(), 1, "{in_thread:#?}");
    assert!(in_thread[0].to_string().contains("may never be woken"));
}

/// Joining holding nothing, or holding a lock the thread never takes: silent.
#[test]
fn clean_joins_are_silent() {
    let x = Arc::new(Mutex::new(0));
    let y = Mutex::new(());
    let ((), found) = capture_violations(|| {
        for _ in 0..3 {
            assert!(spawn_one(&x, true).join().unwrap().is_empty());
            let _y = y.lock();
            let t = finished(spawn_one(&x, true));
            assert!(t.join().unwrap().is_empty());
        }
    });
    assert!(found.is_empty(), "{found:#?}");
    assert_eq!(*x.lock(), 6);
}

/// A scope's end joins its threads: ending one while holding a lock a thread of the scope
/// takes is reported, at the `scope` call; threads joined explicitly are not joined again.
#[test]
fn a_scope_ending_holding_a_lock_its_threads_take_is_reported() {
    fn scoped(x: &Mutex<u32>, take: bool) {
        thread::scope(|s| {
            let t = s.spawn(|| {
                if take {
                    *x.lock() += 1;
                }
            });
            while !t.is_finished() {
                thread::yield_now();
            }
        });
    }
    let x = Mutex::new(0);
    let ((), found) = capture_violations(|| scoped(&x, true));
    assert!(found.is_empty(), "{found:#?}");
    let ((), found) = capture_violations(|| {
        let _x = x.lock();
        scoped(&x, false); // the scope's end joins the thread holding x
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].to_string().contains("joins"), "{}", found[0]);
    // Joined explicitly before the end, holding nothing: the end joins nothing.
    let y = Mutex::new(());
    let ((), found) = capture_violations(|| {
        let _y = y.lock();
        thread::scope(|s| {
            let _ = s.spawn(|| drop(y.try_lock())).join();
        });
    });
    assert!(found.is_empty(), "{found:#?}");
}

/// A thread waiting on a condvar whose notifier holds `x`, joined while holding `x`: the
/// join waits for the thread, the thread for the notify, the notify for `x`.
#[test]
fn a_join_through_a_condvar_wait_is_reported() {
    let x = Arc::new(Mutex::new(0));
    let m = Arc::new(Mutex::new(false));
    let cv = Arc::new(Condvar::new());
    {
        let _x = x.lock();
        cv.notify_one(); // cv -> x
    }
    let (m2, cv2) = (Arc::clone(&m), Arc::clone(&cv));
    let t = finished(thread::spawn(move || {
        capture_violations(|| wait_once(&m2, &cv2)).1 // thread -> cv
    }));
    let (r, found) = capture_violations(|| {
        let _x = x.lock();
        t.join() // x -> thread: closes x -> thread -> cv -> x
    });
    assert!(r.unwrap().is_empty());
    assert_eq!(found.len(), 1, "{found:#?}");
    let ViolationKind::OrderCycle { cycle, .. } = &found[0].kind else {
        unreachable!()
    };
    assert_eq!(cycle.len(), 3, "{}", found[0]);
}

/// A checked thread's class is at the bottom of its held stack for its whole life, in read
/// mode, and gone when its closure returns (no exit report).
#[test]
fn a_checked_thread_holds_its_own_class() {
    let held = thread::spawn(lockcheck::held_locks).join().unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert!(held[0].class.starts_with("thread spawned at "), "{held:?}");
    assert_eq!(held[0].mode, lockcheck::Mode::Shared);
    assert!(std::thread::spawn(lockcheck::held_locks)
        .join()
        .unwrap()
        .is_empty());
}

/// std's other items are there, std's own.
#[test]
fn the_rest_of_std_thread_is_reexported() {
    let here: thread::ThreadId = thread::current().id();
    let b = thread::Builder::new().name("waits-builder".into());
    let t = b.spawn(move || thread::current().id()).unwrap();
    assert_ne!(t.join().unwrap(), here);
    assert!(thread::available_parallelism().is_ok());
}
