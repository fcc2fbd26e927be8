//! What happens on a violation: the configured action. The action is process-wide, so this
//! binary holds one test that walks through each action in turn.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use lockcheck::{set_action, Action, Mutex};

fn invert(a: &Mutex<()>, b: &Mutex<()>) {
    {
        let _a = a.lock();
        let _b = b.lock();
    }
    let _b = b.lock();
    let _a = a.lock();
}

#[test]
fn each_action_in_turn() {
    // Default: a panic whose message is the full report, raised before blocking.
    let (a, b) = (Mutex::named("act.a", ()), Mutex::named("act.b", ()));
    let err = catch_unwind(AssertUnwindSafe(|| invert(&a, &b))).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.starts_with(
            "lockcheck: possible deadlock: lock order inversion between `act.b` and `act.a`"
        ),
        "{msg}"
    );
    assert!(msg.contains("how two threads deadlock"), "{msg}");
    assert!(!a.is_held() && !b.is_held());

    // Log: the run goes on.
    set_action(Action::Log);
    let (c, d) = (Mutex::named("act.c", ()), Mutex::named("act.d", ()));
    invert(&c, &d);

    // Callback: called once per distinct violation, not once per occurrence.
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    set_action(Action::Callback(Arc::new(move |v| {
        assert_eq!(v.kind_name(), "order-cycle");
        seen.fetch_add(1, Ordering::SeqCst);
    })));
    let (e, f) = (Mutex::named("act.e", ()), Mutex::named("act.f", ()));
    for _ in 0..5 {
        invert(&e, &f);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // A callback that takes checked locks, and itself breaks the order: never recursion, never
    // a hang; the inner violation is logged.
    static INNER_A: Mutex<()> = Mutex::named("act.inner-a", ());
    static INNER_B: Mutex<()> = Mutex::named("act.inner-b", ());
    // Learned with nothing else held: inside the callback every order is taken while `act.h`
    // is held, and a cycle all of whose orders hold one gate lock is harmless (not reported).
    drop((INNER_A.lock(), INNER_B.lock()));
    let inner_calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&inner_calls);
    set_action(Action::Callback(Arc::new(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
        invert(&INNER_A, &INNER_B);
    })));
    let (g, h) = (Mutex::named("act.g", ()), Mutex::named("act.h", ()));
    invert(&g, &h);
    assert_eq!(inner_calls.load(Ordering::SeqCst), 1);
    assert!(lockcheck::reported()
        .iter()
        .any(|v| v.acquiring.class == "act.inner-a"));

    // A callback that panics: the panic reaches the acquiring code, nothing stays held.
    set_action(Action::Callback(Arc::new(|v| {
        panic!("callback saw {}", v.kind_name())
    })));
    let (i, j) = (Mutex::named("act.i", ()), Mutex::named("act.j", ()));
    let err = catch_unwind(AssertUnwindSafe(|| invert(&i, &j))).unwrap_err();
    assert_eq!(
        err.downcast_ref::<String>().map(String::as_str),
        Some("callback saw order-cycle")
    );
    assert!(lockcheck::held_locks().is_empty());
    let k = Mutex::named("act.k", ());
    drop(k.lock()); // the checker still works after a panicking callback

    set_action(Action::Panic);
}
