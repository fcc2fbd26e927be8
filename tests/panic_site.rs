//! The panic a violation raises (the default action) points at the acquisition in the user's
//! code, not at a line inside lockcheck. One test: it installs a panic hook.

use std::panic::{catch_unwind, set_hook, take_hook, AssertUnwindSafe};
use std::sync::{Arc, Mutex as StdMutex};

use lockcheck::Mutex;

static OUTER: Mutex<()> = Mutex::named("panic-site-outer", ());
static INNER: Mutex<()> = Mutex::named("panic-site-inner", ());

#[test]
fn a_violation_panics_at_the_users_acquisition() {
    if !lockcheck::ENABLED {
        return;
    }
    let seen: Arc<StdMutex<Vec<String>>> = Arc::default();
    let hook_seen = Arc::clone(&seen);
    let previous = take_hook();
    set_hook(Box::new(move |info| {
        if let Some(l) = info.location() {
            if let Ok(mut seen) = hook_seen.lock() {
                seen.push(format!("{}:{}", l.file(), l.line()));
            }
        }
    }));
    drop((OUTER.lock(), INNER.lock()));
    let mut expected = Vec::new();
    let cycle = catch_unwind(AssertUnwindSafe(|| {
        let _i = INNER.lock();
        expected.push(format!("{}:{}", file!(), line!() + 1));
        let _o = OUTER.lock(); // closes the cycle: the panic is here
    }));
    let m = Mutex::new(());
    let recursive = catch_unwind(AssertUnwindSafe(|| {
        let _g = m.lock();
        expected.push(format!("{}:{}", file!(), line!() + 1));
        let _again = m.lock(); // refused: the panic is here
    }));
    set_hook(previous);
    assert!(cycle.is_err() && recursive.is_err());
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen, expected);
}
