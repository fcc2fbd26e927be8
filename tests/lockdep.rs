//! The Linux lockdep self-test families, as our own tests: each scenario runs on real locks and
//! asserts exactly which violations it reports (kind, lock classes, sites).
//!
//! Every test uses lock classes of its own (named after the test), so the global order graph
//! learned by one test never leaks into another, and tests run in parallel.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::panic::{catch_unwind, AssertUnwindSafe};

use lockcheck::{capture_violations, held_locks, Mode, Mutex, RwLock, Violation, ViolationKind};

/// The classes of a cycle, in order, starting at the held lock of the new edge.
fn cycle_classes(v: &Violation) -> Vec<String> {
    match &v.kind {
        ViolationKind::OrderCycle { cycle, .. } => {
            cycle.iter().map(|e| e.from.to_string()).collect()
        }
        other => panic!("expected an order cycle, got {other:?}"),
    }
}

/// Takes `first` then `second` and releases both.
#[track_caller]
fn pair<T, U>(first: &Mutex<T>, second: &Mutex<U>) {
    let _a = first.lock();
    let _b = second.lock();
}

macro_rules! locks {
    ($prefix:literal: $($name:ident),+) => {
        $( let $name = Mutex::named(concat!($prefix, ".", stringify!($name)), ()); )+
    };
}

#[test]
fn aa_same_lock_is_reported_and_never_deadlocks() {
    locks!("aa1": a);
    let (outcome, found) = capture_violations(|| {
        catch_unwind(AssertUnwindSafe(|| {
            let _g = a.lock();
            let _again = a.lock(); // would deadlock: must be refused
        }))
    });
    let panic = outcome.expect_err("the second lock must not return");
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("refusing to lock `aa1.a`"), "{msg}");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind_name(), "recursive-lock");
    assert_eq!(found[0].acquiring.class, "aa1.a");
    assert!(
        held_locks().is_empty(),
        "unwinding released the first guard"
    );
    assert!(!a.is_held());
}

#[test]
fn aa_two_instances_of_one_class() {
    locks!("aa2": a);
    let other = Mutex::named("aa2.a", ());
    let ((), found) = capture_violations(|| pair(&a, &other));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind_name(), "same-class");
    let ViolationKind::SameClass { held } = &found[0].kind else {
        unreachable!()
    };
    assert_eq!(held.class, "aa2.a");
}

#[test]
fn same_class_with_declared_nesting_is_allowed_and_still_ordered() {
    locks!("nest": parent);
    let child = Mutex::named("nest.parent", ());
    let ((), found) = capture_violations(|| {
        let _p = parent.lock();
        let _c = child.lock_nested(1);
    });
    assert!(found.is_empty(), "{found:?}");
    // The levels are ordered like classes: level 1 then level 0 is an inversion.
    let ((), found) = capture_violations(|| {
        let _c = child.lock_nested(1);
        let _p = parent.lock();
    });
    assert_eq!(found.len(), 1);
    assert_eq!(cycle_classes(&found[0]), ["nest.parent/1", "nest.parent"]);
}

#[test]
fn abba() {
    locks!("abba": a, b);
    let ((), found) = capture_violations(|| {
        pair(&a, &b);
        pair(&b, &a);
    });
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(cycle_classes(&found[0]), ["abba.b", "abba.a"]);
    assert_eq!(found[0].acquiring.class, "abba.a");
}

#[test]
fn abbcca() {
    locks!("abbcca": a, b, c);
    let ((), found) = capture_violations(|| {
        pair(&a, &b);
        pair(&b, &c);
        pair(&c, &a);
    });
    assert_eq!(found.len(), 1);
    assert_eq!(
        cycle_classes(&found[0]),
        ["abbcca.c", "abbcca.a", "abbcca.b"]
    );
}

#[test]
fn abcabc() {
    locks!("abcabc": a, b, c);
    let ((), found) = capture_violations(|| {
        pair(&a, &b);
        pair(&c, &a);
        pair(&b, &c);
    });
    assert_eq!(found.len(), 1);
    assert_eq!(
        cycle_classes(&found[0]),
        ["abcabc.b", "abcabc.c", "abcabc.a"]
    );
}

#[test]
fn abbccdda() {
    locks!("abbccdda": a, b, c, d);
    let ((), found) = capture_violations(|| {
        pair(&a, &b);
        pair(&b, &c);
        pair(&c, &d);
        pair(&d, &a);
    });
    assert_eq!(found.len(), 1);
    assert_eq!(
        cycle_classes(&found[0]),
        ["abbccdda.d", "abbccdda.a", "abbccdda.b", "abbccdda.c"]
    );
}

#[test]
fn abcdbdda() {
    locks!("abcdbdda": a, b, c, d);
    let ((), found) = capture_violations(|| {
        pair(&a, &b);
        pair(&c, &d);
        pair(&b, &d);
        pair(&d, &a);
    });
    assert_eq!(found.len(), 1);
    assert_eq!(
        cycle_classes(&found[0]),
        ["abcdbdda.d", "abcdbdda.a", "abcdbdda.b"]
    );
}

#[test]
fn abcdbcda() {
    locks!("abcdbcda": a, b, c, d);
    let ((), found) = capture_violations(|| {
        pair(&a, &b);
        pair(&c, &d);
        pair(&b, &c);
        pair(&d, &a);
    });
    assert_eq!(found.len(), 1);
    assert_eq!(
        cycle_classes(&found[0]),
        ["abcdbcda.d", "abcdbcda.a", "abcdbcda.b", "abcdbcda.c"]
    );
}

#[test]
fn consistent_orders_are_not_reported() {
    locks!("consistent": a, b, c);
    let ((), found) = capture_violations(|| {
        pair(&a, &b);
        pair(&b, &c);
        pair(&a, &c);
        let _a = a.lock();
        let _b = b.lock();
        let _c = c.lock();
    });
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn every_edge_of_the_cycle_has_its_first_site() {
    locks!("sites": a, b);
    let line_ab = line!() + 2;
    let ((), found) = capture_violations(|| {
        pair(&a, &b);
        let _b = b.lock();
        let _a = a.lock();
    });
    let ViolationKind::OrderCycle { cycle, .. } = &found[0].kind else {
        panic!("{found:?}")
    };
    // The new edge: b -> a, at this acquisition.
    assert_eq!(cycle[0].site.line, line_ab + 2);
    assert_eq!(cycle[0].from_site.line, line_ab + 1);
    // The learned edge a -> b, first seen inside `pair` (its `#[track_caller]` site).
    assert_eq!(cycle[1].site.line, line_ab);
    assert!(cycle[1].site.file.ends_with("lockdep.rs"));
}

#[test]
fn rwlock_recursive_read_is_reported() {
    let l = RwLock::named("rw-rec.l", 0);
    let ((), found) = capture_violations(|| {
        let _r1 = l.read();
        let _r2 = l.read(); // taken (no writer queued), but reported
        assert_eq!(l.held_mode(), Some(Mode::Shared));
    });
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind_name(), "recursive-lock");
    assert!(!l.is_held());
}

#[test]
fn rwlock_read_after_write_is_refused() {
    let l = RwLock::named("rw-refuse.l", 0);
    let (outcome, found) = capture_violations(|| {
        catch_unwind(AssertUnwindSafe(|| {
            let _w = l.write();
            let _r = l.read();
        }))
    });
    assert!(outcome.is_err());
    assert_eq!(found[0].kind_name(), "recursive-lock");
    assert!(held_locks().is_empty());
}

#[test]
fn rwlock_abba_with_read_write_mixes() {
    // Reads are not recursive (rw-semaphore rules): every mix of modes makes a cycle.
    for (i, (first_read, second_read)) in [(true, true), (true, false), (false, true)]
        .into_iter()
        .enumerate()
    {
        // Leaked names: one pair of classes per mix.
        let name = |l: &str| -> &'static str { Box::leak(format!("rw-abba{i}.{l}").into()) };
        let a = RwLock::named(name("a"), ());
        let b = RwLock::named(name("b"), ());
        let ((), found) = capture_violations(|| {
            {
                let _a = if first_read { Some(a.read()) } else { None };
                let _aw = if first_read { None } else { Some(a.write()) };
                let _b = b.write();
            }
            let _b = b.read();
            if second_read {
                let _a = a.read();
            } else {
                let _a = a.write();
            }
        });
        assert_eq!(found.len(), 1, "mix {i}: {found:?}");
        assert_eq!(found[0].kind_name(), "order-cycle");
    }
}

#[test]
fn try_lock_adds_no_edge_into_the_lock_it_took() {
    locks!("try1": a, b);
    let ((), found) = capture_violations(|| {
        {
            let _a = a.lock();
            let b_guard = b.try_lock();
            assert!(b_guard.is_some());
            assert!(b.is_held());
        }
        // a -> b was not learned (the try could not block), so b -> a is no inversion.
        pair(&b, &a);
    });
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn orders_from_a_try_locked_lock_are_learned() {
    locks!("try2": a, b);
    let ((), found) = capture_violations(|| {
        {
            let _a = a.try_lock().expect("free");
            let _b = b.lock(); // a -> b learned: a is held
        }
        pair(&b, &a);
    });
    assert_eq!(found.len(), 1);
    assert_eq!(cycle_classes(&found[0]), ["try2.b", "try2.a"]);
}

#[test]
fn try_lock_of_a_held_lock_fails_without_a_report() {
    locks!("try3": a);
    let ((), found) = capture_violations(|| {
        let _a = a.lock();
        assert!(a.try_lock().is_none());
    });
    assert!(found.is_empty());
}

#[test]
fn guards_dropped_out_of_order_leave_the_stack_right() {
    locks!("ooo": a, b, c);
    let ga = a.lock();
    let gb = b.lock();
    let gc = c.lock();
    drop(ga);
    let classes: Vec<String> = held_locks().into_iter().map(|h| h.class).collect();
    assert_eq!(classes, ["ooo.b", "ooo.c"]);
    drop(gc);
    assert!(b.is_held() && !a.is_held() && !c.is_held());
    drop(gb);
    assert!(held_locks().is_empty());
    // Releasing a before b did not teach any order between them in reverse.
    let ((), found) = capture_violations(|| pair(&a, &b));
    assert!(found.is_empty());
}

#[test]
fn cross_thread_abba() {
    static A: Mutex<()> = Mutex::named("xthread.a", ());
    static B: Mutex<()> = Mutex::named("xthread.b", ());
    std::thread::Builder::new()
        .name("first".into())
        .spawn(|| pair(&A, &B))
        .unwrap()
        .join()
        .unwrap();
    let found = std::thread::Builder::new()
        .name("second".into())
        .spawn(|| capture_violations(|| pair(&B, &A)).1)
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(found.len(), 1);
    let v = &found[0];
    assert_eq!(v.thread, "second");
    let ViolationKind::OrderCycle { cycle, .. } = &v.kind else {
        panic!()
    };
    assert_eq!(
        cycle[1].thread, "first",
        "the learned edge names its thread"
    );
    let text = v.to_string();
    assert!(
        text.contains("lock order inversion between `xthread.b` and `xthread.a`"),
        "{text}"
    );
    assert!(text.contains("how two threads deadlock"), "{text}");
}

#[test]
fn a_panic_while_holding_guards_unwinds_the_held_stack() {
    locks!("unwind": a, b);
    let r = catch_unwind(AssertUnwindSafe(|| {
        let _a = a.lock();
        let _b = b.lock();
        panic!("boom");
    }));
    assert!(r.is_err());
    assert!(held_locks().is_empty());
    assert!(a.try_lock().is_some(), "the real lock was released too");
}

#[test]
fn each_distinct_cycle_is_reported_once_per_process() {
    locks!("once": a, b);
    let ((), found) = capture_violations(|| {
        pair(&a, &b);
        for _ in 0..3 {
            pair(&b, &a);
        }
    });
    // A capture sees every occurrence...
    assert_eq!(found.len(), 3);
    // ...but the process-wide list holds the cycle once.
    let cycles = lockcheck::reported()
        .into_iter()
        .filter(|v| v.acquiring.class == "once.a")
        .count();
    assert_eq!(cycles, 1);
}

#[test]
fn long_cycles_are_shortened_in_text_but_whole_in_the_value() {
    let locks: Vec<Mutex<()>> = (0..30)
        .map(|i| Mutex::named(Box::leak(format!("long.{i:02}").into()), ()))
        .collect();
    let ((), found) = capture_violations(|| {
        for w in locks.windows(2) {
            pair(&w[0], &w[1]);
        }
        pair(&locks[29], &locks[0]);
    });
    assert_eq!(found.len(), 1);
    assert_eq!(cycle_classes(&found[0]).len(), 30);
    let text = found[0].to_string();
    assert!(
        text.contains("more edges (the whole chain is in the JSON report)"),
        "{text}"
    );
    assert!(text.lines().count() < 40, "{text}");
    assert!(
        text.lines().all(|l| l.len() < 160),
        "no line lists the whole chain: {text}"
    );
    assert!(text.contains("... (30 locks in all)"), "{text}");
}

#[test]
fn nested_captures_collect_into_the_innermost() {
    locks!("nested-cap": a, b, c);
    let (inner, outer) = capture_violations(|| {
        pair(&a, &b);
        pair(&b, &a); // outer
        let ((), inner) = capture_violations(|| {
            pair(&a, &c);
            pair(&c, &a); // inner
        });
        inner
    });
    assert_eq!(inner.len(), 1);
    assert_eq!(inner[0].acquiring.class, "nested-cap.a");
    assert_eq!(cycle_classes(&inner[0]), ["nested-cap.c", "nested-cap.a"]);
    assert_eq!(outer.len(), 1);
    assert_eq!(cycle_classes(&outer[0]), ["nested-cap.b", "nested-cap.a"]);
}
