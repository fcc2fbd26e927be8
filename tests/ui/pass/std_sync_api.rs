//! One program written against `std::sync`, compiled twice: once with `std::sync`, once with
//! `lockcheck::sync` in its place. Every public signature of std's `Mutex`, `RwLock`, `Condvar`
//! and their guards is used with its exact type, and the other items of `std::sync` through the
//! same path. It also runs, both ways, and must behave the same.

macro_rules! program {
    ($sync:path) => {
        use std::time::Duration;
        #[allow(unused_imports)]
        use $sync as sync;
        use sync::atomic::{AtomicUsize, Ordering};
        use sync::{
            mpsc, Arc, Barrier, Condvar, LazyLock, LockResult, Mutex, MutexGuard, Once,
            OnceLock, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError,
            TryLockResult, WaitTimeoutResult, Weak,
        };

        static STATIC: Mutex<Vec<u32>> = Mutex::new(Vec::new());
        static RW: RwLock<u32> = RwLock::new(0);
        static CV: Condvar = Condvar::new();
        static LAZY: LazyLock<Mutex<u32>> = LazyLock::new(|| Mutex::new(1));
        static ONCE: Once = Once::new();
        static CELL: OnceLock<u32> = OnceLock::new();

        fn generic<T: Default + Send + 'static>() -> Arc<Mutex<T>> {
            Arc::new(Mutex::new(T::default()))
        }

        fn question_mark(m: &Mutex<u32>) -> Result<u32, PoisonError<MutexGuard<'_, u32>>> {
            let g = m.lock()?;
            Ok(*g)
        }

        pub fn run() {
            // Mutex
            let m: Mutex<u32> = Mutex::new(1);
            let r: LockResult<MutexGuard<'_, u32>> = m.lock();
            let mut g = r.unwrap();
            *g += 1;
            let t: TryLockResult<MutexGuard<'_, u32>> = m.try_lock();
            assert!(matches!(t, Err(TryLockError::WouldBlock)));
            drop(t);
            drop(g);
            if let Ok(g) = m.lock() {
                assert_eq!(*g, 2);
            }
            assert_eq!(question_mark(&m).unwrap(), 2);
            let m = Arc::new(m);
            let m2 = Arc::clone(&m);
            let panicked = std::thread::spawn(move || {
                let _g = m2.lock().unwrap();
                panic!("poison it");
            })
            .join();
            assert!(panicked.is_err());
            assert!(m.is_poisoned());
            let e: PoisonError<MutexGuard<'_, u32>> = m.lock().unwrap_err();
            assert_eq!(**e.get_ref(), 2);
            drop(e);
            match m.try_lock() {
                Err(TryLockError::Poisoned(p)) => assert_eq!(*p.into_inner(), 2),
                _ => unreachable!(),
            }
            m.clear_poison();
            assert!(!m.is_poisoned());
            let mut m = Arc::try_unwrap(m).unwrap();
            let r: LockResult<&mut u32> = m.get_mut();
            *r.unwrap() = 7;
            let r: LockResult<u32> = m.into_inner();
            assert_eq!(r.unwrap(), 7);
            let d: Mutex<String> = Mutex::default();
            let f: Mutex<u8> = Mutex::from(3);
            let s = format!("{d:?} {f:?}");
            assert!(s.starts_with("Mutex {"), "{s}");
            let g = generic::<Vec<u8>>();
            g.lock().unwrap().push(1);
            let w: Weak<Mutex<Vec<u8>>> = Arc::downgrade(&g);
            assert!(w.upgrade().is_some());
            STATIC.lock().unwrap().push(1);
            *LAZY.lock().unwrap() += 1;

            // RwLock
            let l: RwLock<u32> = RwLock::new(1);
            {
                let r1: LockResult<RwLockReadGuard<'_, u32>> = l.read();
                let r2: TryLockResult<RwLockReadGuard<'_, u32>> = l.try_read();
                assert_eq!(*r1.unwrap() + *r2.unwrap(), 2);
            }
            let w: LockResult<RwLockWriteGuard<'_, u32>> = l.write();
            let mut w = w.unwrap();
            *w = 5;
            let t: TryLockResult<RwLockWriteGuard<'_, u32>> = l.try_write();
            assert!(matches!(t, Err(TryLockError::WouldBlock)));
            drop(t);
            let r: RwLockReadGuard<'_, u32> = RwLockWriteGuard::downgrade(w);
            assert_eq!(*r, 5);
            drop(r);
            assert!(!l.is_poisoned());
            l.clear_poison();
            *RW.write().unwrap() += 1;
            let mut l = l;
            *l.get_mut().unwrap() += 1;
            assert_eq!(l.into_inner().unwrap(), 6);
            let _: RwLock<u8> = RwLock::default();
            let _: RwLock<u8> = RwLock::from(1);

            // Condvar
            let pair = Arc::new((Mutex::new(false), Condvar::new()));
            let p2 = Arc::clone(&pair);
            let t = std::thread::spawn(move || {
                *p2.0.lock().unwrap() = true;
                p2.1.notify_all();
                p2.1.notify_one();
            });
            let (lock, cvar) = &*pair;
            let mut ready: MutexGuard<'_, bool> = lock.lock().unwrap();
            while !*ready {
                let r: LockResult<MutexGuard<'_, bool>> = cvar.wait(ready);
                ready = r.unwrap();
            }
            let ready = cvar.wait_while(ready, |r| !*r).unwrap();
            let (ready, res): (MutexGuard<'_, bool>, WaitTimeoutResult) =
                cvar.wait_timeout(ready, Duration::from_millis(1)).unwrap();
            let _ = res.timed_out();
            let (ready, res) = cvar
                .wait_timeout_while(ready, Duration::from_millis(1), |r| *r)
                .unwrap();
            assert!(res.timed_out());
            drop(ready);
            t.join().unwrap();
            let c: Condvar = Condvar::default();
            let _ = format!("{c:?}");
            CV.notify_one();

            // The rest of std::sync, through the same path.
            let (tx, rx) = mpsc::channel::<u32>();
            tx.send(1).unwrap();
            assert_eq!(rx.recv().unwrap(), 1);
            let b = Barrier::new(1);
            let _ = b.wait().is_leader();
            ONCE.call_once(|| {});
            assert_eq!(*CELL.get_or_init(|| 4), 4);
            let n = AtomicUsize::new(0);
            n.fetch_add(1, Ordering::SeqCst);
        }
    };
}

mod with_std {
    program!(std::sync);
}

mod with_lockcheck {
    program!(lockcheck::sync);
}

fn main() {
    // The poisoning thread's panic message is expected.
    std::panic::set_hook(Box::new(|_| {}));
    with_std::run();
    with_lockcheck::run();
}
