//! `lockcheck::sync`, the std-compatible flavour, is checked exactly as the native locks are:
//! classes and sites name the user's lines, an inversion is reported before it can block, a
//! recursive lock is refused, a condvar wait releases and re-takes the mutex in the held stack,
//! a downgrade makes the hold shared; and std's poisoning is untouched.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use lockcheck::sync::{Arc, Condvar, Mutex, RwLock, RwLockWriteGuard, TryLockError};
use lockcheck::{capture_violations, ViolationKind};

#[test]
fn an_inversion_through_std_style_code_is_reported_at_the_users_line() {
    let a = Mutex::new(0u32); // its class: this line
    let b = Mutex::new(0u32);
    let line = line!() - 2;
    let ((), found) = capture_violations(|| {
        {
            let _a = a.lock().unwrap();
            let _b = b.lock().unwrap();
        }
        let _b = b.lock().unwrap();
        let _a = a.lock().expect("not poisoned"); // the inversion
    });
    assert_eq!(found.len(), 1, "{found:?}");
    let v = &found[0];
    assert!(matches!(v.kind, ViolationKind::OrderCycle { .. }));
    assert_eq!(v.acquiring.site.file, file!());
    assert_eq!(v.acquiring.site.line, line + 9);
    assert!(
        v.acquiring
            .class
            .ends_with(&format!("std_sync.rs:{line}:13")),
        "{}",
        v.acquiring.class
    );
}

#[test]
fn a_recursive_lock_is_refused_not_deadlocked() {
    let m = Mutex::new(());
    let _g = m.lock().unwrap();
    let (r, found) = capture_violations(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| m.lock().map(|_| ())))
    });
    assert!(r.is_err(), "refused with a panic");
    assert_eq!(found[0].kind_name(), "recursive-lock");
    // try_lock says WouldBlock, as std's does.
    assert!(matches!(m.try_lock(), Err(TryLockError::WouldBlock)));
}

#[test]
fn poisoning_is_stds() {
    let m = Arc::new(Mutex::new(1));
    let m2 = Arc::clone(&m);
    let _ = std::thread::spawn(move || {
        let _g = m2.lock().unwrap();
        panic!("poison");
    })
    .join();
    assert!(m.is_poisoned());
    let g = m.lock().unwrap_err().into_inner();
    assert_eq!(*g, 1);
    assert!(m.is_held(), "a poisoned lock taken is held all the same");
    drop(g);
    assert!(!m.is_held());
    m.clear_poison();
    assert!(m.lock().is_ok());
}

#[test]
fn a_condvar_wait_releases_and_retakes_in_the_held_stack() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let p2 = Arc::clone(&pair);
    let waker = std::thread::spawn(move || {
        *p2.0.lock().unwrap() = true;
        p2.1.notify_one();
    });
    let (lock, cv) = &*pair;
    let ready = cv.wait_while(lock.lock().unwrap(), |r| !*r).unwrap();
    assert!(*ready && lock.is_held());
    let (ready, res) = cv
        .wait_timeout(ready, std::time::Duration::from_millis(1))
        .unwrap();
    assert!(res.timed_out() && lock.is_held());
    drop(ready);
    assert!(!lock.is_held());
    waker.join().unwrap();
}

#[test]
fn a_downgraded_write_is_held_shared() {
    let l = RwLock::new(0);
    let w = l.write().unwrap();
    assert_eq!(l.as_checked().held_mode(), Some(lockcheck::Mode::Exclusive));
    let r = RwLockWriteGuard::downgrade(w);
    assert_eq!(l.as_checked().held_mode(), Some(lockcheck::Mode::Shared));
    // Another reader may join; a writer may not.
    assert!(l.try_read().is_ok());
    drop(r);
    assert_eq!(l.as_checked().held_mode(), None);
}

/// `lockcheck::sync`'s locks in contracts: met silent, broken reported.
#[test]
fn contracts_name_sync_locks() {
    #[lockcheck::requires_lock(m)]
    fn needs(m: &lockcheck::sync::Mutex<u8>) {}
    #[lockcheck::requires_lock(write(l))]
    fn needs_write(l: &lockcheck::sync::RwLock<u8>) {}
    let m = lockcheck::sync::Mutex::named("sync.contract.m", 0);
    let l = lockcheck::sync::RwLock::named("sync.contract.l", 0);
    let ((), found) = lockcheck::capture_violations(|| {
        let g = m.lock().unwrap();
        needs(&m);
        let w = l.write().unwrap();
        needs_write(&l);
        drop((g, w));
        needs(&m);
        let _r = l.read().unwrap();
        needs_write(&l);
    });
    if lockcheck::ENABLED {
        let classes: Vec<&str> = found.iter().map(|v| v.acquiring.class.as_str()).collect();
        assert_eq!(classes, ["sync.contract.m", "sync.contract.l"], "{found:?}");
    }
}
