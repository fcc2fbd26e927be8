//! Lockdep's "held lock freed": a lock dropped while this thread still holds it (its guard
//! leaked) is reported at the drop, and forgotten, so a new lock at its address is not it.
//! Instance orders are forgotten with their locks.

use lockcheck::{capture_violations, Mutex, RwLock};

#[test]
#[allow(clippy::drop_non_drop)] // with the checker compiled out, a lock has no `Drop` of its own
fn a_lock_dropped_while_held_is_reported_and_forgotten() {
    if !lockcheck::ENABLED {
        return;
    }
    let ((), found) = capture_violations(|| {
        let m = Box::new(Mutex::new(1u32));
        std::mem::forget(m.lock());
        drop(m);
    });
    let kinds: Vec<&str> = found.iter().map(|v| v.kind_name()).collect();
    assert_eq!(kinds, ["held-lock-freed"]);
    let text = found[0].to_string();
    assert!(text.starts_with("lockcheck: held lock freed"), "{text}");
    assert!(text.contains("tests/held_lock_freed.rs:14:"), "{text}");
    assert!(lockcheck::held_locks().is_empty());
    let ((), found) = capture_violations(|| {
        let l = Box::new(RwLock::new(1u32));
        std::mem::forget(l.write());
        drop(l);
    });
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind_name(), "held-lock-freed");

    // Many new locks, some at the old address: never a false "recursive locking".
    let ((), found) = capture_violations(|| {
        for _ in 0..100 {
            let m = Box::new(Mutex::new(2u32));
            let _g = m.lock();
        }
    });
    assert!(found.is_empty(), "{found:#?}");

    // A lock moved after its guard leaked is dropped elsewhere, unseen; a new lock at its old
    // address is then free, so the stale entry is found out at its first lock, not taken for a
    // recursive acquisition.
    let ((), found) = capture_violations(|| {
        let mut slot = std::mem::MaybeUninit::<Mutex<u32>>::uninit();
        let first = slot.write(Mutex::new(3));
        std::mem::forget(first.lock());
        // SAFETY: `slot` was initialised just above, and is read (moved out) only here.
        let moved = unsafe { slot.assume_init_read() };
        drop(moved);
        let second = slot.write(Mutex::new(4));
        assert_eq!(*second.lock(), 4);
        // SAFETY: `slot` holds `second`, dropped here once.
        unsafe { slot.assume_init_drop() };
    });
    let kinds: Vec<&str> = found.iter().map(|v| v.kind_name()).collect();
    assert_eq!(kinds, ["held-lock-freed"]);
    assert!(lockcheck::held_locks().is_empty());

    // A lock really held and taken again is still refused.
    let m = Mutex::new(5u32);
    let _g = m.lock();
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        capture_violations(|| drop(m.lock()))
    }));
    assert!(refused.is_err());
}

#[test]
fn instance_orders_go_with_their_locks() {
    if !lockcheck::ENABLED {
        return;
    }
    let before = lockcheck::__private::instance_orders_known();
    for round in 0..50 {
        let v: Vec<Mutex<u32>> = (0..3).map(Mutex::new).collect();
        // One round nests them forwards, the next backwards: new locks, new orders, no report.
        let ((), found) = capture_violations(|| {
            let order: [usize; 3] = if round % 2 == 0 { [0, 1, 2] } else { [2, 1, 0] };
            let _a = v[order[0]].lock();
            let _b = v[order[1]].lock();
            let _c = v[order[2]].lock();
        });
        assert!(found.is_empty(), "round {round}: {found:#?}");
    }
    assert_eq!(lockcheck::__private::instance_orders_known(), before);
}
