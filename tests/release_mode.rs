//! What is left of the checker when it is compiled out (release builds without the
//! `release-checks` feature): nothing. Run in CI with `cargo test --release --test release_mode`;
//! in a debug run it checks the other side.

use lockcheck::{capture_violations, Mutex, RwLock};
use std::mem::size_of;

#[test]
fn checked_locks_are_the_size_of_std_locks_when_off_and_small_when_on() {
    if lockcheck::ENABLED {
        assert!(size_of::<Mutex<u64>>() <= 32, "{}", size_of::<Mutex<u64>>());
    } else {
        assert_eq!(size_of::<Mutex<u64>>(), size_of::<std::sync::Mutex<u64>>());
        assert_eq!(
            size_of::<RwLock<u64>>(),
            size_of::<std::sync::RwLock<u64>>()
        );
        assert_eq!(
            size_of::<lockcheck::MutexGuard<'static, u64>>(),
            size_of::<std::sync::MutexGuard<'static, u64>>()
        );
        // The std-compatible flavour: the lock it replaces, byte for byte.
        assert_eq!(
            size_of::<lockcheck::sync::Mutex<u64>>(),
            size_of::<std::sync::Mutex<u64>>()
        );
        assert_eq!(
            size_of::<lockcheck::sync::RwLock<u64>>(),
            size_of::<std::sync::RwLock<u64>>()
        );
        assert_eq!(
            size_of::<lockcheck::sync::Condvar>(),
            size_of::<std::sync::Condvar>()
        );
        #[cfg(feature = "parking_lot")]
        {
            assert_eq!(
                size_of::<lockcheck::parking_lot::Mutex<u64>>(),
                size_of::<parking_lot::Mutex<u64>>()
            );
            assert_eq!(
                size_of::<lockcheck::parking_lot::RwLock<u64>>(),
                size_of::<parking_lot::RwLock<u64>>()
            );
            assert_eq!(
                size_of::<lockcheck::parking_lot::ReentrantMutex<u64>>(),
                size_of::<parking_lot::ReentrantMutex<u64>>()
            );
            assert_eq!(
                size_of::<lockcheck::parking_lot::MutexGuard<'static, u64>>(),
                size_of::<parking_lot::MutexGuard<'static, u64>>() + size_of::<usize>(),
                "the guard keeps its mutex's address (for `MutexGuard::mutex`)"
            );
        }
    }
}

#[test]
fn checks_are_on_exactly_when_configured() {
    let expected = cfg!(debug_assertions) || cfg!(feature = "release-checks");
    assert_eq!(lockcheck::ENABLED, expected);
    let a = Mutex::named("release.a", ());
    let b = Mutex::named("release.b", ());
    let ((), found) = capture_violations(|| {
        drop((a.lock(), b.lock()));
        let _b = b.lock();
        let _a = a.lock();
    });
    assert_eq!(found.len(), usize::from(expected));
    let g = a.lock();
    assert_eq!(a.is_held(), expected);
    drop(g);
}

static SCHED: Mutex<()> = Mutex::named("release.sched", ());

#[lockcheck::requires_lock(SCHED)]
fn needs_sched() -> u32 {
    1
}

#[test]
fn contracts_are_checked_exactly_when_configured() {
    let expected = lockcheck::ENABLED;
    let (r, found) = capture_violations(needs_sched);
    assert_eq!(r, 1);
    assert_eq!(found.len(), usize::from(expected));
    let (_, found) = capture_violations(|| lockcheck::assert_held!(SCHED));
    assert_eq!(found.len(), usize::from(expected));
}

#[cfg(feature = "tokio")]
#[test]
fn tokio_locks_are_tokios_when_off_and_still_checked_when_on() {
    use lockcheck::tokio::{Mutex as AsyncMutex, RwLock as AsyncRwLock};
    if !lockcheck::ENABLED {
        assert_eq!(
            size_of::<AsyncMutex<u64>>(),
            size_of::<tokio::sync::Mutex<u64>>()
        );
        assert_eq!(
            size_of::<AsyncRwLock<u64>>(),
            size_of::<tokio::sync::RwLock<u64>>()
        );
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let m = AsyncMutex::new(1u64);
    let l = AsyncRwLock::new(vec![1u8]);
    let ((), found) = capture_violations(|| {
        rt.block_on(async {
            *m.lock().await += 1;
            l.write().await.push(2);
            assert_eq!(l.read().await.len(), 2);
            let g = m.lock().await;
            // Held, as far as the checker knows: only when it is compiled in.
            assert_eq!(m.is_held(), lockcheck::ENABLED);
            drop(g);
            assert!(!m.is_held());
        });
    });
    assert!(found.is_empty());
    assert_eq!(m.into_inner(), 2);
}
