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

mod joins {
    use super::*;
    use lockcheck::thread;

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
        eprintln!("{}", found[0]);
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
}

mod channels {
    use super::*;
    use lockcheck::sync::mpsc;

    /// Sent on holding `x`, then received on holding `x` (the message was there: no hang):
    /// reported at the receive.
    #[test]
    fn a_receive_holding_what_its_sender_held_is_reported() {
        let x = Mutex::new(());
        let (tx, rx) = mpsc::channel();
        let ((), found) = capture_violations(|| {
            {
                let _x = x.lock();
                tx.send(1).unwrap(); // channel -> x
            }
            let _x = x.lock();
            assert_eq!(rx.recv(), Ok(1)); // x -> channel
        });
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].acquiring.site.line, line!() - 3);
        let text = found[0].to_string();
        assert!(text.contains("receives on `channel at"), "{text}");
        assert!(text.contains("sent on `channel at"), "{text}");
    }

    /// The other order, through `for m in &rx`: reported at the send.
    #[test]
    fn a_send_holding_what_a_receiver_held_is_reported() {
        let x = Mutex::new(());
        let (tx, rx) = mpsc::sync_channel(4);
        let ((), found) = capture_violations(|| {
            tx.send(1).unwrap();
            drop(tx.clone());
            {
                let _x = x.lock();
                for m in rx.iter().take(1) {
                    assert_eq!(m, 1); // x -> channel
                }
            }
            let _x = x.lock();
            tx.send(2).unwrap(); // channel -> x
        });
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].acquiring.site.line, line!() - 3);
    }

    /// Receives that give up, and sends holding nothing the receiver holds: silent. A
    /// pipeline of threads passing messages, each holding a lock of its own while it sends:
    /// silent.
    #[test]
    fn clean_channels_are_silent() {
        let x = Mutex::new(());
        let (tx, rx) = mpsc::channel::<u32>();
        let ((), found) = capture_violations(|| {
            let _x = x.lock();
            assert!(rx.try_recv().is_err());
            assert!(rx.recv_timeout(Duration::from_millis(1)).is_err());
            assert_eq!(rx.try_iter().count(), 0);
            tx.send(3).unwrap();
        });
        assert!(found.is_empty(), "{found:#?}");
        let (tx2, rx2) = mpsc::channel::<u32>();
        let stage = lockcheck::thread::spawn(move || {
            let mine = Mutex::new(0u32);
            capture_violations(|| {
                for m in rx {
                    let mut g = mine.lock();
                    *g += m;
                    tx2.send(*g).unwrap();
                }
            })
            .1
        });
        assert_eq!(rx2.recv(), Ok(3));
        drop(tx);
        assert!(stage.join().unwrap().is_empty());
        assert!(rx2.recv().is_err());
    }
}

/// Merged across processes: one process waits on a condvar holding `x`, another notifies it
/// holding `x`; neither sees a cycle alone, the merge of their reports does, and each report
/// says the condvar is one.
mod merged {
    use std::path::Path;
    use std::process::Command;

    use lockcheck::{Condvar, Mutex, REPORT_DIR_ENV};

    static X: Mutex<()> = Mutex::named("waits.merge.x", ());
    static M: Mutex<bool> = Mutex::named("waits.merge.m", false);
    static CV: Condvar = Condvar::named("waits.merge.cv");

    #[test]
    #[ignore = "run by a_wait_cycle_learned_in_two_processes_is_found as a child process"]
    fn child_waits_holding_x() {
        let _x = X.lock();
        let helper = std::thread::spawn(|| loop {
            let waiting = M.lock();
            if *waiting {
                CV.notify_one();
                return;
            }
            drop(waiting);
            std::thread::yield_now();
        });
        let mut g = M.lock();
        *g = true;
        drop(CV.wait(g));
        helper.join().unwrap();
    }

    #[test]
    #[ignore = "run by a_wait_cycle_learned_in_two_processes_is_found as a child process"]
    fn child_notifies_holding_x() {
        let _x = X.lock();
        CV.notify_all();
    }

    fn run_child(test: &str, dir: &Path) {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                &format!("merged::{test}"),
                "--exact",
                "--ignored",
                "--test-threads=1",
            ])
            .env(REPORT_DIR_ENV, dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "child {test} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn a_wait_cycle_learned_in_two_processes_is_found() {
        let dir =
            std::env::temp_dir().join(format!("lockcheck-waits-merge-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        run_child("child_waits_holding_x", &dir);
        run_child("child_notifies_holding_x", &dir);
        let mut condvar_kinds = 0;
        for f in std::fs::read_dir(&dir).unwrap() {
            let path = f.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let v: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                assert_eq!(v["violations"].as_array().unwrap().len(), 0, "{v}");
                condvar_kinds += v["classes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|c| c["name"] == "waits.merge.cv" && c["kind"] == "condvar")
                    .count();
            } else if path.extension().is_some_and(|e| e == "dot") {
                let dot = std::fs::read_to_string(&path).unwrap();
                assert!(
                    dot.lines()
                        .any(|l| l.contains("\"waits.merge.cv\" [label=")
                            && l.contains("shape=ellipse")),
                    "{dot}"
                );
            }
        }
        assert_eq!(condvar_kinds, 2, "both reports know the condvar");
        let merged = lockcheck_lint::merge::merge_dir(&dir).unwrap();
        let cycles: Vec<_> = merged
            .cycles
            .iter()
            .filter(|c| c.classes().contains(&"waits.merge.cv"))
            .collect();
        assert_eq!(cycles.len(), 1, "{merged}");
        assert!(cycles[0].cross_process);
        let mut classes = cycles[0].classes();
        classes.sort();
        assert_eq!(classes, ["waits.merge.cv", "waits.merge.x"]);
        let text = cycles[0].to_string();
        assert!(text.contains("a wait its waker may never reach"), "{text}");
        assert!(text.contains("`waits.merge.cv` is a condvar"), "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
