//! A violation never aborts a test binary: lockcheck's own panic (the default action) unwinds
//! through the program's `lockcheck::sync` guards without poisoning their locks, so a `Drop`
//! that locks one of them and unwraps (a channel's sender, a pool's handle) does not panic
//! during the unwinding, which would abort the process (issue 26, item 4; `poison.rs`).
//! A panic of the program's own still poisons, as std's does.
//!
//! Without the fix the first test aborts this binary: its own file, so the abort loses nothing
//! else.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::panic::{catch_unwind, AssertUnwindSafe};

use lockcheck::sync::{Arc, Mutex, RwLock};

/// A handle whose `Drop` updates shared state under the lock, unwrapping as most code does.
struct Handle {
    shared: Arc<Mutex<u32>>,
    table: Arc<RwLock<u32>>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        *self.shared.lock().unwrap() += 1;
        *self.table.write().unwrap() += 1;
    }
}

#[test]
fn a_violation_panic_leaves_the_programs_locks_unpoisoned() {
    let shared = Arc::new(Mutex::named("unwind.shared", 0));
    let table = Arc::new(RwLock::named("unwind.table", 0));
    let other = Mutex::named("unwind.other", ());
    // Learn other -> shared and other -> table.
    {
        let _o = other.lock().unwrap();
        drop(shared.lock().unwrap());
        drop(table.read().unwrap());
    }
    let unwound = catch_unwind(AssertUnwindSafe(|| {
        let _handle = Handle {
            shared: Arc::clone(&shared),
            table: Arc::clone(&table),
        };
        let _s = shared.lock().unwrap();
        let _t = table.write().unwrap();
        // shared -> other closes a cycle: lockcheck panics while `shared` and `table` are held;
        // the guards drop (they would poison both), then `_handle`'s Drop locks and unwraps.
        let _o = other.lock().unwrap();
    }));
    let message = unwound.unwrap_err();
    let message = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("lock order inversion"),
        "lockcheck's own panic: {message}"
    );
    assert!(!shared.is_poisoned() && !table.is_poisoned());
    assert_eq!(*shared.lock().unwrap(), 1, "the handle's Drop ran");
    assert_eq!(*table.read().unwrap(), 1);
}

#[test]
fn a_panic_of_the_programs_own_still_poisons() {
    let m = Arc::new(Mutex::named("unwind.own", 0));
    let held = Arc::clone(&m);
    let r = std::thread::spawn(move || {
        let _g = held.lock().unwrap();
        panic!("the program's own panic");
    })
    .join();
    assert!(r.is_err());
    assert!(m.is_poisoned());
    assert!(m.lock().is_err());
}
