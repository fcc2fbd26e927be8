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

/// `#[requires_lock]` / `#[excludes_lock]` accept parking_lot's and lock_api's locks, as they do
/// the native ones (one `Lockable` for every flavour): a met contract is silent, a broken one
/// reported, with the mode asked for (`read(x)` / `write(x)`) checked on an `RwLock`.
#[test]
fn contracts_name_parking_lot_and_lock_api_locks() {
    use lockcheck::parking_lot::FairMutex;
    use lockcheck::{excludes_lock, requires_lock};

    #[requires_lock(m)]
    fn needs_mutex(m: &Mutex<u32>) {}
    #[requires_lock(m)]
    fn needs_fair(m: &FairMutex<u32>) {}
    #[requires_lock(r)]
    fn needs_reentrant(r: &ReentrantMutex<u32>) {}
    #[requires_lock(write(l))]
    fn needs_write(l: &RwLock<u32>) {}
    #[requires_lock(read(l))]
    fn needs_read(l: &RwLock<u32>) {}
    #[excludes_lock(m)]
    fn must_not_hold(m: &Mutex<u32>) {}

    let (m, f, r, l) = (
        Mutex::named("pl.contract.m", 0),
        FairMutex::named("pl.contract.f", 0),
        ReentrantMutex::named("pl.contract.r", 0),
        RwLock::named("pl.contract.l", 0),
    );
    // Met: silent.
    let ((), found) = capture_violations(|| {
        let _m = m.lock();
        needs_mutex(&m);
        let _f = f.lock();
        needs_fair(&f);
        let _r = r.lock();
        needs_reentrant(&r);
        let _w = l.write();
        needs_write(&l);
        needs_read(&l); // a write hold meets a need to read
    });
    assert!(found.is_empty(), "{found:?}");
    let ((), found) = capture_violations(|| must_not_hold(&m));
    assert!(found.is_empty(), "{found:?}");
    // Broken: each reported, naming its lock.
    let ((), found) = capture_violations(|| {
        needs_mutex(&m);
        needs_fair(&f);
        needs_reentrant(&r);
        let r = l.read();
        needs_write(&l); // a read hold does not meet a need to write
        drop(r); // (holding it, `m` would also invert the order learned above)
        let _m = m.lock();
        must_not_hold(&m);
    });
    let classes: Vec<&str> = found.iter().map(|v| v.acquiring.class.as_str()).collect();
    assert_eq!(
        classes,
        [
            "pl.contract.m",
            "pl.contract.f",
            "pl.contract.r",
            "pl.contract.l",
            "pl.contract.m"
        ],
        "{found:?}"
    );
    assert!(found.iter().all(|v| v.kind_name() == "contract"));
}

/// A lock_api lock over a raw lock of the user's own is `Lockable` too.
#[test]
fn contracts_name_lock_api_locks() {
    type M<T> = lockcheck::lock_api::Mutex<parking_lot::RawMutex, T>;
    #[lockcheck::requires_lock(m)]
    fn needs(m: &M<u8>) {}
    let m = M::new(0);
    let ((), found) = capture_violations(|| {
        let g = m.lock();
        needs(&m);
        drop(g);
        needs(&m);
    });
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].kind_name(), "contract");
}

/// `bump()` lets a waiter in and takes the lock back: with another lock held, that
/// re-acquisition is an order like any other, checked as `unlocked()`'s is. Here `fair` was
/// learned before `other`; bumping `fair` while holding `other` takes `other -> fair`: a cycle.
#[test]
fn bump_with_another_lock_held_is_checked_like_unlocked() {
    use lockcheck::parking_lot::{FairMutex, FairMutexGuard};

    let fair = FairMutex::named("pl.bump.fair", 0);
    let other = Mutex::named("pl.bump.other", 0);
    let ((), found) = capture_violations(|| {
        let mut g = fair.lock();
        let _o = other.lock(); // learns fair -> other
        FairMutexGuard::bump(&mut g); // releases fair, takes it back under `other`
        assert!(fair.is_held(), "held again after the bump");
    });
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].kind_name(), "order-cycle");
    assert_eq!(found[0].acquiring.class, "pl.bump.fair");
    // Alone, a bump is silent, and the lock is still held once.
    let ((), found) = capture_violations(|| {
        let mut g = fair.lock();
        FairMutexGuard::bump(&mut g);
        assert!(fair.is_held());
        drop(g);
        assert!(!fair.is_held());
    });
    assert!(found.is_empty(), "{found:?}");
}

/// `unlock_fair()` releases the held entry as a drop does: nothing stale is left behind to
/// order later acquisitions after it.
#[test]
fn unlock_fair_releases_the_held_entry() {
    use lockcheck::parking_lot::{FairMutex, FairMutexGuard, RwLockWriteGuard};

    let fair = FairMutex::named("pl.unlock_fair.m", 0);
    let l = RwLock::named("pl.unlock_fair.l", 0);
    let later = Mutex::named("pl.unlock_fair.later", 0);
    let ((), found) = capture_violations(|| {
        let g = fair.lock();
        FairMutexGuard::unlock_fair(g);
        assert!(!fair.is_held());
        let w = l.write();
        RwLockWriteGuard::unlock_fair(w);
        assert!(!l.is_held());
        // Nothing held: this is no order `fair -> later` nor `l -> later`.
        let _later = later.lock();
        assert_eq!(lockcheck::held_locks().len(), 1);
    });
    assert!(found.is_empty(), "{found:?}");
    let ((), found) = capture_violations(|| {
        let _later = later.lock();
        let _f = fair.lock();
        let _l = l.write();
    });
    assert!(
        found.is_empty(),
        "no order was learned from a released lock: {found:?}"
    );
}
