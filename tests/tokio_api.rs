//! One program written against `tokio::sync`, compiled twice: once with `tokio::sync`, once
//! with `lockcheck::tokio` standing for it (`use lockcheck::tokio as sync;`). Both must compile
//! (the whole API of tokio's `Mutex` and `RwLock` families, owned guards of non-`'static` data,
//! and every other item of `tokio::sync` re-exported) and print the same transcript; the auto
//! traits of every lock and guard type must be tokio's.
#![cfg(feature = "tokio")]

/// The program, over a module `sync` that is `tokio::sync` or `lockcheck::tokio`.
macro_rules! program {
    () => {
        use std::fmt::Write as _;
        use std::sync::Arc;

        use super::sync;
        use sync::{
            Mutex, MutexGuard, OwnedMutexGuard, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard,
            RwLockWriteGuard,
        };

        static STATIC_MUTEX: Mutex<Vec<u8>> = Mutex::const_new(Vec::new());
        static STATIC_RWLOCK: RwLock<u8> = RwLock::const_with_max_readers(7, 3);

        /// An owned guard of data that borrows (tokio allows it: pingora-pool's `idle_poll<S>`).
        async fn owned_of_borrowed<'a>(m: Arc<Mutex<&'a str>>) -> usize {
            let g: OwnedMutexGuard<&'a str> = m.lock_owned().await;
            let len = g.len();
            let mapped = OwnedMutexGuard::map(g, |s| s);
            len + mapped.len()
        }

        async fn mutexes(out: &mut String) {
            let m = Mutex::new(vec![1, 2, 3]);
            {
                let mut g: MutexGuard<'_, Vec<i32>> = m.lock().await;
                g.push(4);
                let same: &Mutex<Vec<i32>> = MutexGuard::mutex(&g);
                assert!(std::ptr::eq(same, &m));
                writeln!(out, "guard {:?}", g).unwrap();
                assert!(m.try_lock().is_err());
                let err = m.try_lock().err().unwrap();
                writeln!(out, "try_lock while held: {err}").unwrap();
                let mut first = MutexGuard::map(g, |v| &mut v[0]);
                *first += 10;
                let first = sync::MappedMutexGuard::map(first, |x| x);
                let first = sync::MappedMutexGuard::try_map(first, |x| Some(x))
                    .ok()
                    .unwrap();
                writeln!(out, "mapped {first:?} {first}").unwrap();
            }
            {
                let g = m.try_lock().unwrap();
                let g = MutexGuard::try_map(g, |v| v.get_mut(9)).err().unwrap();
                writeln!(out, "try_map declined, still {:?}", *g).unwrap();
            }
            writeln!(out, "mutex {:?}", m).unwrap();

            let shared = Arc::new(Mutex::new(String::from("owned")));
            {
                let g = Arc::clone(&shared).lock_owned().await;
                assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&g), &shared));
                let g = OwnedMutexGuard::map(g, |s| s);
                let g = sync::OwnedMappedMutexGuard::map(g, |s| s);
                let g = sync::OwnedMappedMutexGuard::try_map(g, |s| Some(s))
                    .ok()
                    .unwrap();
                writeln!(out, "owned mapped {}", *g).unwrap();
            }
            {
                let g = Arc::clone(&shared).try_lock_owned().unwrap();
                let g = OwnedMutexGuard::try_map(g, |_| None::<&mut u8>)
                    .err()
                    .unwrap();
                writeln!(out, "owned try_map declined {}", *g).unwrap();
            }
            let borrowed = String::from("borrowed");
            let n = owned_of_borrowed(Arc::new(Mutex::new(borrowed.as_str()))).await;
            writeln!(out, "owned of borrowed data {n}").unwrap();

            let mut m = Mutex::from(5u8);
            *m.get_mut() += 1;
            let d: Mutex<u8> = Mutex::default();
            writeln!(
                out,
                "into_inner {} default {}",
                m.into_inner(),
                d.into_inner()
            )
            .unwrap();
            STATIC_MUTEX.lock().await.push(1);
            writeln!(out, "static {:?}", *STATIC_MUTEX.lock().await).unwrap();
        }

        async fn rwlocks(out: &mut String) {
            let l = RwLock::with_max_readers(vec![1u8, 2], 2);
            {
                let a: RwLockReadGuard<'_, Vec<u8>> = l.read().await;
                let b = l.try_read().unwrap();
                // Two readers: the bound is met.
                assert!(l.try_read().is_err());
                let first = RwLockReadGuard::map(a, |v| &v[0]);
                let second = RwLockReadGuard::try_map(b, |v| v.get(1)).ok().unwrap();
                writeln!(out, "reads {first} {second:?}").unwrap();
            }
            {
                let mut w: RwLockWriteGuard<'_, Vec<u8>> = l.write().await;
                w.push(3);
                assert!(l.try_read().is_err());
                let r = w.downgrade();
                writeln!(out, "downgraded {:?}", *r).unwrap();
                assert!(l.try_read().is_ok());
            }
            {
                let w = l.try_write().unwrap();
                let m = RwLockWriteGuard::map(w, |v| &mut v[0]);
                let mut m = sync::RwLockMappedWriteGuard::map(m, |x| x);
                *m += 1;
                let m = sync::RwLockMappedWriteGuard::try_map(m, |x| Some(x))
                    .ok()
                    .unwrap();
                writeln!(out, "mapped write {m}").unwrap();
            }
            {
                let w = l.write().await;
                let r = RwLockWriteGuard::downgrade_map(w, |v| &v[1]);
                writeln!(out, "downgrade_map {r}").unwrap();
            }
            {
                let w = l.write().await;
                let w = RwLockWriteGuard::try_downgrade_map(w, |v| v.get(9))
                    .err()
                    .unwrap();
                let w = RwLockWriteGuard::try_map(w, |v| v.get_mut(9))
                    .err()
                    .unwrap();
                let r = RwLockWriteGuard::try_downgrade_map(w, |v| v.get(2))
                    .ok()
                    .unwrap();
                writeln!(out, "try_downgrade_map {r:?}").unwrap();
            }
            {
                let w = l.write().await;
                let m = RwLockWriteGuard::into_mapped(w);
                writeln!(out, "into_mapped {:?}", &*m).unwrap();
            }
            writeln!(out, "rwlock {:?}", l).unwrap();

            let shared = Arc::new(RwLock::new(vec![10u8, 20]));
            {
                let r = Arc::clone(&shared).read_owned().await;
                assert!(Arc::ptr_eq(sync::OwnedRwLockReadGuard::rwlock(&r), &shared));
                let r = sync::OwnedRwLockReadGuard::map(r, |v| &v[1]);
                let r = sync::OwnedRwLockReadGuard::try_map(r, |x| Some(x))
                    .ok()
                    .unwrap();
                writeln!(out, "owned read {r}").unwrap();
            }
            {
                let w: OwnedRwLockWriteGuard<Vec<u8>> = Arc::clone(&shared).write_owned().await;
                assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&w), &shared));
                let m = OwnedRwLockWriteGuard::map(w, |v| &mut v[0]);
                let mut m = sync::OwnedRwLockMappedWriteGuard::map(m, |x| x);
                *m += 1;
                assert!(Arc::ptr_eq(
                    sync::OwnedRwLockMappedWriteGuard::rwlock(&m),
                    &shared
                ));
                let m = sync::OwnedRwLockMappedWriteGuard::try_map(m, |x| Some(x))
                    .ok()
                    .unwrap();
                writeln!(out, "owned mapped write {m}").unwrap();
            }
            {
                let w = Arc::clone(&shared).try_write_owned().unwrap();
                let r = OwnedRwLockWriteGuard::downgrade_map(w, |v| &v[0]);
                writeln!(out, "owned downgrade_map {r}").unwrap();
            }
            {
                let w = Arc::clone(&shared).write_owned().await;
                let w = OwnedRwLockWriteGuard::try_map(w, |v| v.get_mut(5))
                    .err()
                    .unwrap();
                let w = OwnedRwLockWriteGuard::try_downgrade_map(w, |v| v.get(5))
                    .err()
                    .unwrap();
                let m = OwnedRwLockWriteGuard::into_mapped(w);
                writeln!(out, "owned into_mapped {:?}", &*m).unwrap();
            }
            {
                let w = Arc::clone(&shared).write_owned().await;
                let r = w.downgrade();
                let other = Arc::clone(&shared).try_read_owned().unwrap();
                writeln!(out, "owned downgrade {:?} {:?}", *r, *other).unwrap();
            }
            let mut l = RwLock::from(1u32);
            *l.get_mut() += 1;
            let d: RwLock<u32> = RwLock::default();
            writeln!(
                out,
                "into_inner {} default {}",
                l.into_inner(),
                d.into_inner()
            )
            .unwrap();
            writeln!(out, "static {}", *STATIC_RWLOCK.read().await).unwrap();
            let c = RwLock::const_new(3u8);
            writeln!(out, "const_new {}", *c.read().await).unwrap();
        }

        /// The rest of `tokio::sync`, through the same path.
        async fn the_rest(out: &mut String) {
            let (tx, mut rx) = sync::mpsc::channel::<u8>(1);
            tx.send(1).await.unwrap();
            let (otx, orx) = sync::oneshot::channel::<u8>();
            otx.send(2).unwrap();
            let (wtx, wrx) = sync::watch::channel(3u8);
            wtx.send(4).unwrap();
            let (btx, mut brx) = sync::broadcast::channel::<u8>(1);
            btx.send(5).unwrap();
            let notify = sync::Notify::new();
            notify.notify_one();
            notify.notified().await;
            let semaphore = sync::Semaphore::new(1);
            let permit: sync::SemaphorePermit<'_> = semaphore.acquire().await.unwrap();
            drop(permit);
            let cell: sync::OnceCell<u8> = sync::OnceCell::new();
            cell.set(6).unwrap();
            let barrier = sync::Barrier::new(1);
            barrier.wait().await;
            let err: sync::TryLockError = {
                let m = Mutex::new(());
                let _g = m.try_lock().unwrap();
                m.try_lock().map(|_| ()).unwrap_err()
            };
            writeln!(out, "{err:?}").unwrap();
            writeln!(
                out,
                "rest {} {} {} {} {}",
                rx.recv().await.unwrap(),
                orx.await.unwrap(),
                *wrx.borrow(),
                brx.recv().await.unwrap(),
                cell.get().unwrap()
            )
            .unwrap();
        }

        /// The blocking acquisitions, on a thread outside the runtime.
        fn blocking(out: &mut String) {
            let m = Arc::new(Mutex::new(1u8));
            *m.blocking_lock() += 1;
            let g = Arc::clone(&m).blocking_lock_owned();
            writeln!(out, "blocking {}", *g).unwrap();
            drop(g);
            let l = RwLock::new(1u8);
            *l.blocking_write() += 1;
            writeln!(out, "blocking rw {}", *l.blocking_read()).unwrap();
        }

        pub(crate) fn run() -> String {
            let mut out = String::new();
            blocking(&mut out);
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(async {
                mutexes(&mut out).await;
                rwlocks(&mut out).await;
                the_rest(&mut out).await;
            });
            out
        }
    };
}

mod with_tokio {
    use tokio::sync;
    mod program {
        program!();
    }
    pub(crate) use program::run;
}

mod with_lockcheck {
    use lockcheck::tokio as sync;
    mod program {
        program!();
    }
    pub(crate) use program::run;
}

#[test]
fn one_program_runs_the_same_against_tokio_and_lockcheck() {
    let (theirs, ours) = (with_tokio::run(), with_lockcheck::run());
    assert!(theirs.lines().count() > 25, "{theirs}");
    assert_eq!(ours, theirs);
}

/// Whether a type is `Send` / `Sync`, as a value (an inherent constant wins over the trait's
/// when the bound holds).
macro_rules! auto_traits {
    ($t:ty) => {{
        struct Probe<T: ?Sized>(std::marker::PhantomData<T>);
        #[allow(dead_code)]
        trait No {
            const SEND: bool = false;
            const SYNC: bool = false;
        }
        impl<T: ?Sized> No for Probe<T> {}
        #[allow(dead_code)]
        impl<T: ?Sized + Send> Probe<T> {
            const SEND: bool = true;
        }
        let send = <Probe<$t>>::SEND;
        #[allow(dead_code)]
        struct Probe2<T: ?Sized>(std::marker::PhantomData<T>);
        impl<T: ?Sized> No for Probe2<T> {}
        #[allow(dead_code)]
        impl<T: ?Sized + Sync> Probe2<T> {
            const SYNC: bool = true;
        }
        (send, <Probe2<$t>>::SYNC)
    }};
}

#[test]
fn every_lock_and_guard_is_send_and_sync_exactly_as_tokios() {
    use lockcheck::tokio as lc;
    use std::cell::Cell;
    use std::rc::Rc;
    use tokio::sync as tk;
    /// Send and Sync; Send only; neither; Sync only (a `MutexGuard` of std's).
    type Both = u8;
    type SendOnly = Cell<u8>;
    type Neither = Rc<u8>;
    type SyncOnly = std::sync::MutexGuard<'static, u8>;
    macro_rules! same {
        ($ty:ident [$($args:tt)*]) => {
            assert_eq!(
                auto_traits!(lc::$ty<$($args)*>),
                auto_traits!(tk::$ty<$($args)*>),
                "{} (Send, Sync)",
                stringify!($ty<$($args)*>)
            );
        };
    }
    macro_rules! for_data {
        ($($t:ty),*) => {$(
            same!(Mutex [$t]);
            same!(MutexGuard ['static, $t]);
            same!(MappedMutexGuard ['static, $t]);
            same!(OwnedMutexGuard [$t]);
            same!(OwnedMappedMutexGuard [$t, u8]);
            same!(OwnedMappedMutexGuard [u8, $t]);
            same!(RwLock [$t]);
            same!(RwLockReadGuard ['static, $t]);
            same!(RwLockWriteGuard ['static, $t]);
            same!(RwLockMappedWriteGuard ['static, $t]);
            same!(OwnedRwLockReadGuard [$t, u8]);
            same!(OwnedRwLockReadGuard [u8, $t]);
            same!(OwnedRwLockWriteGuard [$t]);
            same!(OwnedRwLockMappedWriteGuard [$t, u8]);
            same!(OwnedRwLockMappedWriteGuard [u8, $t]);
        )*};
    }
    // The probe itself tells the four apart.
    assert_eq!(auto_traits!(Both), (true, true));
    assert_eq!(auto_traits!(SendOnly), (true, false));
    assert_eq!(auto_traits!(Neither), (false, false));
    assert_eq!(auto_traits!(SyncOnly), (false, true));
    for_data!(Both, SendOnly, Neither, SyncOnly);
}
