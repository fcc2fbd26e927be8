//! `lockcheck::parking_lot` is checked as the native locks are: sites at the user's line, an
//! inversion reported before it can block (timed acquisitions too), re-entry of a
//! `ReentrantMutex` not a deadlock, upgradable reads shared until upgraded, a condvar wait
//! releasing the mutex in the held stack.
#![cfg(all(
    feature = "parking_lot",
    any(debug_assertions, feature = "release-checks")
))]

use std::time::Duration;

use lockcheck::parking_lot::{
    Condvar, Mutex, MutexGuard, ReentrantMutex, RwLock, RwLockUpgradableReadGuard,
};
use lockcheck::{capture_violations, Mode};

#[test]
fn an_inversion_is_reported_at_the_users_line() {
    let a = Mutex::new(0u8);
    let line = line!() - 1;
    let b = Mutex::new(0u8);
    let ((), found) = capture_violations(|| {
        drop((a.lock(), b.lock()));
        let _b = b.lock();
        let _a = a.lock();
    });
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].kind_name(), "order-cycle");
    assert_eq!(found[0].acquiring.site.line, line + 6);
    assert!(
        found[0]
            .acquiring
            .class
            .ends_with(&format!("parking_lot_checks.rs:{line}:13")),
        "{}",
        found[0].acquiring.class
    );
}

#[test]
fn a_timed_acquisition_is_checked_as_a_blocking_one() {
    let a = Mutex::new(());
    let b = Mutex::new(());
    let ((), found) = capture_violations(|| {
        drop((a.lock(), b.lock()));
        let _b = b.lock();
        let got = a.try_lock_for(Duration::from_millis(1));
        assert!(got.is_some());
    });
    assert_eq!(found.len(), 1);
    // A plain try_lock cannot block: no edge into it, nothing reported.
    let c = Mutex::new(());
    let d = Mutex::new(());
    let ((), found) = capture_violations(|| {
        drop((c.lock(), d.lock()));
        let _d = d.lock();
        assert!(c.try_lock().is_some());
    });
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn reentry_is_not_a_deadlock_and_orders_come_from_the_outermost() {
    let r = ReentrantMutex::new(());
    let other = Mutex::new(());
    let ((), found) = capture_violations(|| {
        let _outer = r.lock();
        let _inner = r.lock(); // re-entry: fine
        let _o = other.lock(); // r -> other
    });
    assert!(found.is_empty(), "{found:?}");
    let ((), found) = capture_violations(|| {
        let _o = other.lock();
        let _r = r.lock(); // other -> r: the inversion
    });
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(!r.is_owned_by_current_thread());
}

#[test]
fn an_upgradable_read_is_shared_until_upgraded() {
    let l = RwLock::new(0);
    let u = l.upgradable_read();
    assert_eq!(l.held_mode(), Some(Mode::Shared));
    let w = RwLockUpgradableReadGuard::upgrade(u);
    assert_eq!(l.held_mode(), Some(Mode::Exclusive));
    drop(w);
    assert_eq!(l.held_mode(), None);
}

#[test]
fn a_condvar_wait_and_unlocked_release_the_mutex_meanwhile() {
    let m = Mutex::new(0);
    let cv = Condvar::new();
    let mut g = m.lock();
    assert!(m.is_held());
    let res = cv.wait_for(&mut g, Duration::from_millis(1));
    assert!(res.timed_out() && m.is_held());
    MutexGuard::unlocked(&mut g, || assert!(!m.is_held()));
    assert!(m.is_held());
    let mapped = MutexGuard::map(g, |n| n);
    assert!(m.is_held());
    drop(mapped);
    assert!(!m.is_held());
    assert!(!cv.notify_one());
}

#[cfg(feature = "arc_lock")]
#[test]
fn an_arc_guard_is_held_until_dropped_and_checked_like_lock() {
    use lockcheck::parking_lot::ArcMutexGuard;
    use std::sync::Arc;

    let a = Arc::new(Mutex::new(1));
    let b = Arc::new(Mutex::new(2));
    let ((), found) = capture_violations(|| {
        let ga: ArcMutexGuard<i32> = a.lock_arc();
        let gb = b.lock_arc();
        assert!(a.is_held() && b.is_held());
        drop((gb, ga));
        let _gb = b.lock_arc();
        let _ga = a.lock_arc(); // the inversion
    });
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(!a.is_held() && !a.is_locked());
    let mut g = a.lock_arc();
    *g += 1;
    let back = ArcMutexGuard::into_arc(g);
    assert_eq!(*back.lock(), 2);
    assert!(a.try_lock_arc().is_some());

    let l = Arc::new(lockcheck::parking_lot::RwLock::new(0));
    let r1 = l.read_arc();
    let r2 = l.try_read_arc().unwrap();
    assert_eq!(l.held_mode(), Some(Mode::Shared));
    assert!(l.try_write_arc().is_none());
    drop((r1, r2));
    let mut w = l.write_arc();
    *w += 1;
    assert_eq!(l.held_mode(), Some(Mode::Exclusive));
    drop(w);
    assert!(!l.is_locked() && l.held_mode().is_none());
}
