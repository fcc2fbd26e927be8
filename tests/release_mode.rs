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

/// With the checks compiled out, every `lockcheck::tokio` type is tokio's size, for sized and
/// unsized data, and the futures of `lock`, `read`, `write`, the owned acquisitions and
/// `checked` are the size of tokio's (or of the future itself): nothing added.
#[cfg(feature = "tokio")]
#[test]
fn every_tokio_type_is_tokios_size_when_off() {
    use lockcheck::tokio as lc;
    use std::mem::size_of_val;
    use std::sync::Arc;
    use tokio::sync as tk;
    if lockcheck::ENABLED {
        return;
    }
    macro_rules! same_size {
        ($($ours:ty, $theirs:ty;)*) => {$(
            assert_eq!(
                size_of::<$ours>(),
                size_of::<$theirs>(),
                "{} against {}",
                stringify!($ours),
                stringify!($theirs)
            );
        )*};
    }
    same_size! {
        lc::Mutex<u8>, tk::Mutex<u8>;
        lc::Mutex<[u64; 3]>, tk::Mutex<[u64; 3]>;
        lc::MutexGuard<'static, u8>, tk::MutexGuard<'static, u8>;
        lc::MutexGuard<'static, [u8]>, tk::MutexGuard<'static, [u8]>;
        lc::MappedMutexGuard<'static, u8>, tk::MappedMutexGuard<'static, u8>;
        lc::OwnedMutexGuard<u8>, tk::OwnedMutexGuard<u8>;
        lc::OwnedMutexGuard<[u8]>, tk::OwnedMutexGuard<[u8]>;
        lc::OwnedMappedMutexGuard<u8, u16>, tk::OwnedMappedMutexGuard<u8, u16>;
        lc::RwLock<u32>, tk::RwLock<u32>;
        lc::RwLock<[u8; 5]>, tk::RwLock<[u8; 5]>;
        lc::RwLockReadGuard<'static, u8>, tk::RwLockReadGuard<'static, u8>;
        lc::RwLockWriteGuard<'static, u8>, tk::RwLockWriteGuard<'static, u8>;
        lc::RwLockMappedWriteGuard<'static, u8>, tk::RwLockMappedWriteGuard<'static, u8>;
        lc::OwnedRwLockReadGuard<u8>, tk::OwnedRwLockReadGuard<u8>;
        lc::OwnedRwLockReadGuard<u8, [u8]>, tk::OwnedRwLockReadGuard<u8, [u8]>;
        lc::OwnedRwLockWriteGuard<u8>, tk::OwnedRwLockWriteGuard<u8>;
        lc::OwnedRwLockMappedWriteGuard<u8, u16>, tk::OwnedRwLockMappedWriteGuard<u8, u16>;
    }
    let (ours, theirs) = (lc::Mutex::new(0u8), tk::Mutex::new(0u8));
    assert_eq!(size_of_val(&ours.lock()), size_of_val(&theirs.lock()));
    let (ours, theirs) = (lc::RwLock::new(0u8), tk::RwLock::new(0u8));
    assert_eq!(size_of_val(&ours.read()), size_of_val(&theirs.read()));
    assert_eq!(size_of_val(&ours.write()), size_of_val(&theirs.write()));
    let (ours, theirs) = (Arc::new(lc::Mutex::new(0u8)), Arc::new(tk::Mutex::new(0u8)));
    assert_eq!(
        size_of_val(&ours.lock_owned()),
        size_of_val(&theirs.lock_owned())
    );
    let (ours, theirs) = (
        Arc::new(lc::RwLock::new(0u8)),
        Arc::new(tk::RwLock::new(0u8)),
    );
    assert_eq!(
        size_of_val(&Arc::clone(&ours).read_owned()),
        size_of_val(&Arc::clone(&theirs).read_owned())
    );
    assert_eq!(
        size_of_val(&ours.write_owned()),
        size_of_val(&theirs.write_owned())
    );
    let future = async { 1u64 };
    assert_eq!(
        size_of_val(&lc::checked(async { 1u64 })),
        size_of_val(&future)
    );
}
