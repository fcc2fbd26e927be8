//! Waits that are not locks (issue 25): a condvar waited on while holding `X` whose notifier
//! notifies holding `X` is a wait its notifier may never reach, reported in either order on a
//! run that does not hang; the correct programs built on condvars (queues, pools, barriers, timed
//! waits that give up, notifiers holding only the condvar's own mutex) stay silent.
//!
//! Every test uses classes of its own (site classes: each lock and condvar is built on a line of
//! its own), so they run in parallel against the one global graph.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lockcheck::{capture_violations, Condvar, Mutex, Violation, ViolationKind};

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

/// The one violation found, which must be a cycle through the condvar.
fn the_cycle(found: &[Violation]) -> &Violation {
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        matches!(found[0].kind, ViolationKind::OrderCycle { .. }),
        "{:?}",
        found[0]
    );
    &found[0]
}

/// Notified holding `x`, then waited on holding `x`: reported at the wait, before it waits,
/// naming the wait's site, the notify's site and where `x` was taken each time.
#[test]
fn a_wait_holding_what_its_notifier_held_is_reported() {
    let x = Mutex::new(());
    let m = Arc::new(Mutex::new(false));
    let cv = Arc::new(Condvar::new());
    let ((), found) = capture_violations(|| {
        {
            let _x = x.lock();
            let _m = m.lock();
            cv.notify_one(); // learns cv -> x (and cv -> m, its own mutex: harmless)
        }
        let _x = x.lock();
        wait_once(&m, &cv); // x -> cv: the cycle
    });
    let v = the_cycle(&found);
    assert!(v.acquiring.class.starts_with("Condvar at "), "{v:?}");
    let text = v.to_string();
    assert!(text.contains("may never be woken"), "{text}");
    assert!(text.contains("waits on"), "{text}");
    assert!(text.contains("notified"), "{text}");
    // The wait's site, the notify's site and both places `x` was taken.
    let file = file!();
    let me = line!();
    for line in [me - 15, me - 13, me - 11, me - 10] {
        assert!(text.contains(&format!("{file}:{line}:")), "{line}: {text}");
    }
}

/// The other order: waited on holding `x` first (the wait returned: nobody else needed `x`),
/// then notified holding `x`: reported at the notify.
#[test]
fn a_notify_holding_what_a_waiter_held_is_reported() {
    let x = Mutex::new(());
    let m = Arc::new(Mutex::new(false));
    let cv = Arc::new(Condvar::new());
    let ((), found) = capture_violations(|| {
        {
            let _x = x.lock();
            wait_once(&m, &cv); // x -> cv
        }
        let _x = x.lock();
        cv.notify_all(); // cv -> x: the cycle
    });
    let v = the_cycle(&found);
    assert_eq!(v.acquiring.site.line, line!() - 3, "{v:?}");
    assert!(v.to_string().contains("may never be woken"), "{v}");
}

/// Under the default action the violation panics before the wait blocks: the waiter never
/// sleeps, its guard is released as the panic unwinds, and what the thread holds says so.
#[test]
fn under_the_default_action_the_wait_panics_before_it_waits() {
    if !matches!(lockcheck::action(), lockcheck::Action::Panic) {
        return; // LOCKCHECK_ACTION chose another action for this run
    }
    let x = Mutex::new(());
    let m = Mutex::new(());
    let cv = Condvar::new();
    {
        let _x = x.lock();
        cv.notify_one(); // cv -> x
    }
    let _x = x.lock();
    let g = m.lock();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cv.wait(g)));
    let msg = r.expect_err("the wait panics instead of sleeping");
    let msg = msg
        .downcast_ref::<String>()
        .expect("the report is the message");
    assert!(msg.contains("may never be woken"), "{msg}");
    assert!(m.try_lock().is_some(), "the guard went with the panic");
    assert_eq!(lockcheck::held_locks().len(), 1);
}

/// Waiting holding `x` while the notifier holds only the condvar's own mutex, and notifying
/// holding `x` a condvar nobody waits on holding `x`: both silent.
#[test]
fn a_notifier_holding_only_the_condvars_mutex_is_silent() {
    let x = Mutex::new(());
    let m = Arc::new(Mutex::new(false));
    let cv = Arc::new(Condvar::new());
    let cv_class = format!("Condvar at {}:{}:", file!(), line!() - 1);
    let other = Condvar::new();
    let ((), found) = capture_violations(|| {
        for _ in 0..3 {
            let _x = x.lock();
            wait_once(&m, &cv);
        }
        {
            let _m = m.lock();
            cv.notify_one();
        }
        let _x = x.lock();
        other.notify_one();
    });
    assert!(found.is_empty(), "{found:#?}");
    // Once a wait named it, the condvar's own mutex is no order of its notifier's.
    let r = lockcheck::report();
    assert!(r.edges.iter().any(|e| e.edge.to.starts_with(&cv_class)));
    assert!(
        !r.edges.iter().any(|e| e.edge.from.starts_with(&cv_class)),
        "no order from the condvar"
    );
}

/// A timed wait gives up: it teaches nothing, so waiting with a timeout holding `x` and
/// notifying holding `x` is silent, in both orders.
#[test]
fn timed_waits_that_give_up_are_silent() {
    let x = Mutex::new(());
    let m = Mutex::new(());
    let cv = Condvar::new();
    let ((), found) = capture_violations(|| {
        {
            let _x = x.lock();
            let (g, r) = cv.wait_timeout(m.lock(), Duration::from_millis(1));
            assert!(r.timed_out());
            drop(g);
        }
        {
            let _x = x.lock();
            cv.notify_one();
        }
        let _x = x.lock();
        let (_g, r) = cv.wait_timeout(m.lock(), Duration::from_millis(1));
        assert!(r.timed_out());
    });
    assert!(found.is_empty(), "{found:#?}");
}

/// A bounded producer/consumer queue on one mutex and two condvars, several of each: silent.
#[test]
fn a_producer_consumer_queue_is_silent() {
    struct Queue {
        items: Mutex<VecDeque<u32>>,
        not_empty: Condvar,
        not_full: Condvar,
    }
    let q = Arc::new(Queue {
        items: Mutex::new(VecDeque::new()),
        not_empty: Condvar::new(),
        not_full: Condvar::new(),
    });
    let stats = Arc::new(Mutex::new(0u64));
    let ((), found) = capture_violations(|| {
        std::thread::scope(|s| {
            for p in 0..2 {
                let q = &q;
                s.spawn(move || {
                    let ((), found) = capture_violations(|| {
                        for i in 0..200 {
                            let mut items = q.items.lock();
                            while items.len() >= 4 {
                                items = q.not_full.wait(items);
                            }
                            items.push_back(p * 1000 + i);
                            q.not_empty.notify_one();
                        }
                    });
                    assert!(found.is_empty(), "{found:#?}");
                });
            }
            for _ in 0..2 {
                let (q, stats) = (&q, &stats);
                s.spawn(move || {
                    let ((), found) = capture_violations(|| {
                        for _ in 0..200 {
                            let mut items = q.items.lock();
                            while items.is_empty() {
                                items = q.not_empty.wait(items);
                            }
                            let v = items.pop_front().unwrap();
                            q.not_full.notify_one();
                            drop(items);
                            *stats.lock() += u64::from(v);
                        }
                    });
                    assert!(found.is_empty(), "{found:#?}");
                });
            }
        });
    });
    assert!(found.is_empty(), "{found:#?}");
    assert_eq!(*stats.lock(), 2 * (0..200u64).sum::<u64>() + 1000 * 200);
}

/// A worker pool: jobs queued under the pool's lock, workers waiting on its condvar and running
/// each job holding nothing (a job takes a lock of its own), a shutdown flag, joins: silent.
#[test]
fn a_worker_pool_is_silent() {
    type Job = Box<dyn FnOnce() + Send>;
    struct Pool {
        jobs: Mutex<(VecDeque<Job>, bool)>,
        more: Condvar,
        idle: Condvar,
        busy: Mutex<usize>,
    }
    let pool = Arc::new(Pool {
        jobs: Mutex::new((VecDeque::new(), false)),
        more: Condvar::new(),
        idle: Condvar::new(),
        busy: Mutex::new(0),
    });
    let total = Arc::new(Mutex::new(0u32));
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let pool = Arc::clone(&pool);
            std::thread::spawn(move || {
                capture_violations(|| loop {
                    let mut jobs = pool.jobs.lock();
                    let job = loop {
                        if let Some(job) = jobs.0.pop_front() {
                            break job;
                        }
                        if jobs.1 {
                            return;
                        }
                        jobs = pool.more.wait(jobs);
                    };
                    *pool.busy.lock() += 1;
                    drop(jobs);
                    job();
                    let mut busy = pool.busy.lock();
                    *busy -= 1;
                    pool.idle.notify_all();
                })
                .1
            })
        })
        .collect();
    let ((), found) = capture_violations(|| {
        for i in 0..100 {
            let total = Arc::clone(&total);
            pool.jobs
                .lock()
                .0
                .push_back(Box::new(move || *total.lock() += i));
            pool.more.notify_one();
        }
        let mut jobs = pool.jobs.lock();
        jobs.1 = true;
        pool.more.notify_all();
    });
    assert!(found.is_empty(), "{found:#?}");
    for w in workers {
        let found = w.join().unwrap();
        assert!(found.is_empty(), "{found:#?}");
    }
    assert_eq!(*total.lock(), (0..100).sum::<u32>());
}

/// A reusable barrier built on a mutex and a condvar, crossed many times by four threads, each
/// holding a lock of its own across the barrier's notify-free waits... and nobody notifying
/// while holding it: silent.
#[test]
fn a_barrier_on_condvars_is_silent() {
    struct Barrier {
        state: Mutex<(usize, u64)>,
        cv: Condvar,
        n: usize,
    }
    impl Barrier {
        fn wait(&self) {
            let mut s = self.state.lock();
            let generation = s.1;
            s.0 += 1;
            if s.0 == self.n {
                s.0 = 0;
                s.1 += 1;
                self.cv.notify_all();
            } else {
                while s.1 == generation {
                    s = self.cv.wait(s);
                }
            }
        }
    }
    let b = Arc::new(Barrier {
        state: Mutex::new((0, 0)),
        cv: Condvar::new(),
        n: 4,
    });
    let crossed = Arc::new(AtomicBool::new(false));
    std::thread::scope(|s| {
        for _ in 0..4 {
            let (b, crossed) = (&b, &crossed);
            s.spawn(move || {
                let mine = Mutex::new(0u32);
                let ((), found) = capture_violations(|| {
                    for _ in 0..50 {
                        *mine.lock() += 1;
                        b.wait();
                    }
                    crossed.store(true, Ordering::Relaxed);
                });
                assert!(found.is_empty(), "{found:#?}");
            });
        }
    });
    assert!(crossed.load(Ordering::Relaxed));
    assert_eq!(b.state.lock().1, 50);
}

/// The gate rule meets a wait: a lock held across a wait is held while the waiter sleeps, which
/// is exactly what keeps its notifier out, so it is no gate. Waiting on `cv` holding `g` and
/// `x`, and notifying it holding `g` and `x`, is a real deadlock (the notifier blocks on `g`),
/// and reported; the notify's own orders keep their gate as any order does.
#[test]
fn a_lock_held_across_a_wait_is_no_gate() {
    let g = Mutex::new(());
    let x = Mutex::new(());
    let m = Arc::new(Mutex::new(false));
    let cv = Arc::new(Condvar::new());
    let ((), found) = capture_violations(|| {
        {
            let _g = g.lock();
            let _x = x.lock();
            cv.notify_one(); // cv -> g, cv -> x (gate: the other)
        }
        let _g = g.lock();
        let _x = x.lock();
        wait_once(&m, &cv); // g -> cv, x -> cv: no gate
    });
    assert!(!found.is_empty(), "reported");
    assert!(found
        .iter()
        .all(|v| v.to_string().contains("may never be woken")));
}

/// A longer cycle through a condvar: waiting on `cv` holding `a`, notifying it holding `b`, and
/// taking `a` while holding `b` (the notifier would block on `a` before it notifies).
#[test]
fn a_cycle_through_a_condvar_and_a_lock_order_is_reported() {
    let a = Mutex::new(());
    let b = Mutex::new(());
    let m = Arc::new(Mutex::new(false));
    let cv = Arc::new(Condvar::new());
    let ((), found) = capture_violations(|| {
        {
            let _a = a.lock();
            wait_once(&m, &cv); // a -> cv
        }
        {
            let _b = b.lock();
            cv.notify_one(); // cv -> b
        }
        let _b = b.lock();
        let _a = a.lock(); // b -> a: closes a -> cv -> b -> a
    });
    let v = the_cycle(&found);
    let ViolationKind::OrderCycle { cycle, .. } = &v.kind else {
        unreachable!()
    };
    assert_eq!(cycle.len(), 3, "{v}");
    assert!(v.to_string().contains("may never be woken"), "{v}");
}

/// The report knows condvars as waits: their class, and the DOT drawing gives them a shape of
/// their own.
#[test]
fn reports_draw_condvars_with_their_own_shape() {
    let x = Mutex::new(());
    let m = Arc::new(Mutex::new(false));
    let cv = Arc::new(Condvar::new());
    let line = line!() - 1;
    {
        let _x = x.lock();
        wait_once(&m, &cv);
    }
    let r = lockcheck::report();
    let name = format!("Condvar at {}:{line}:", file!());
    let class = r
        .classes
        .iter()
        .find(|c| c.name.starts_with(&name))
        .expect("the condvar is a class");
    assert_eq!(class.kind, lockcheck::ClassKind::Condvar);
    assert!(r
        .edges
        .iter()
        .any(|e| e.edge.to.starts_with(&name) && e.edge.from.starts_with("Mutex<()> at")));
    let dot = r.to_dot();
    let node = dot
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("\"{name}")) && l.contains("label="))
        .expect("a node for the condvar");
    assert!(node.contains("shape=ellipse"), "{node}");
}

mod std_flavour {
    use super::*;
    use lockcheck::sync::{Condvar, Mutex};

    #[test]
    fn a_wait_holding_what_its_notifier_held_is_reported() {
        let x = Mutex::new(());
        let m = Mutex::new(());
        let cv = Condvar::new();
        let ((), found) = capture_violations(|| {
            {
                let _x = x.lock().unwrap();
                cv.notify_one();
            }
            let _x = x.lock().unwrap();
            // One real wait (a timed one would teach nothing), woken by a helper that holds
            // nothing but the condvar's mutex.
            let m = std::sync::Arc::new(m);
            let cv = std::sync::Arc::new(cv);
            let (m2, cv2) = (m.clone(), cv.clone());
            let waiting = std::sync::Arc::new(AtomicBool::new(false));
            let w2 = waiting.clone();
            let helper = std::thread::spawn(move || loop {
                let g = m2.lock().unwrap();
                if w2.load(Ordering::Relaxed) {
                    cv2.notify_one();
                    return;
                }
                drop(g);
                std::thread::yield_now();
            });
            let g = m.lock().unwrap();
            waiting.store(true, Ordering::Relaxed);
            drop(cv.wait(g).unwrap());
            helper.join().unwrap();
        });
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].to_string().contains("may never be woken"));
    }

    #[test]
    fn timed_and_own_mutex_waits_are_silent() {
        let x = Mutex::new(());
        let m = Mutex::new(0);
        let cv = Condvar::new();
        let ((), found) = capture_violations(|| {
            let _x = x.lock().unwrap();
            let (g, r) = cv
                .wait_timeout_while(m.lock().unwrap(), Duration::from_millis(1), |n| *n == 0)
                .unwrap();
            assert!(r.timed_out());
            cv.notify_all();
            drop(g);
        });
        assert!(found.is_empty(), "{found:#?}");
    }
}

#[cfg(feature = "parking_lot")]
mod parking_lot_flavour {
    use super::*;
    use lockcheck::parking_lot::{Condvar, Mutex};

    #[test]
    fn a_notify_holding_what_a_waiter_held_is_reported() {
        let x = Mutex::new(());
        let m = Arc::new(Mutex::new(false));
        let cv = Arc::new(Condvar::new());
        let ((), found) = capture_violations(|| {
            {
                let _x = x.lock();
                let (m2, cv2) = (Arc::clone(&m), Arc::clone(&cv));
                let helper = std::thread::spawn(move || loop {
                    let g = m2.lock();
                    if *g {
                        cv2.notify_one();
                        return;
                    }
                    drop(g);
                    std::thread::yield_now();
                });
                let mut g = m.lock();
                *g = true;
                cv.wait(&mut g); // x -> cv
                drop(g);
                helper.join().unwrap();
            }
            let _x = x.lock();
            cv.notify_one(); // cv -> x
        });
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].acquiring.site.line, line!() - 3);
        assert!(found[0].to_string().contains("may never be woken"));
    }

    /// parking_lot's wait borrows the guard: a violation's panic leaves it whole, held, and on
    /// the held stack.
    #[test]
    fn under_the_default_action_the_wait_panics_with_the_guard_whole() {
        if !matches!(lockcheck::action(), lockcheck::Action::Panic) {
            return;
        }
        let x = Mutex::new(());
        let m = Mutex::new(());
        let cv = Condvar::new();
        {
            let _x = x.lock();
            cv.notify_one(); // cv -> x
        }
        let _x = x.lock();
        let mut g = m.lock();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cv.wait(&mut g)));
        assert!(r.is_err(), "the wait panics instead of sleeping");
        assert!(m.is_locked());
        assert_eq!(lockcheck::held_locks().len(), 2, "x and m, still held");
        drop(g);
        assert!(!m.is_locked());
        assert_eq!(lockcheck::held_locks().len(), 1);
    }

    #[test]
    fn timed_waits_are_silent() {
        let x = Mutex::new(());
        let m = Mutex::new(());
        let cv = Condvar::new();
        let ((), found) = capture_violations(|| {
            let _x = x.lock();
            let mut g = m.lock();
            assert!(cv.wait_for(&mut g, Duration::from_millis(1)).timed_out());
            cv.notify_one();
        });
        assert!(found.is_empty(), "{found:#?}");
    }
}
