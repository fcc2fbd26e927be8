//! One program written against parking_lot, compiled twice: once with `parking_lot`, once with
//! `lockcheck::parking_lot` in its place; it runs both ways and must behave the same.

macro_rules! program {
    ($pl:path) => {
        use std::sync::Arc;
        use std::time::{Duration, Instant};
        #[allow(unused_imports)]
        use $pl as pl;
        use pl::{
            const_fair_mutex, const_mutex, const_reentrant_mutex, const_rwlock, Condvar,
            FairMutex, MappedMutexGuard, Mutex, MutexGuard, Once, ReentrantMutex, RwLock,
            RwLockReadGuard, RwLockUpgradableReadGuard, RwLockWriteGuard, WaitTimeoutResult,
        };

        static STATIC: Mutex<u32> = const_mutex(0);
        static FAIR: FairMutex<u32> = const_fair_mutex(0);
        static RW: RwLock<u32> = const_rwlock(0);
        static RE: ReentrantMutex<u32> = const_reentrant_mutex(0);
        static ONCE: Once = Once::new();

        pub fn run() {
            // Mutex and its guard
            let m: Mutex<Vec<u32>> = Mutex::new(vec![1, 2]);
            let mut g: MutexGuard<'_, Vec<u32>> = m.lock();
            g.push(3);
            assert!(m.try_lock().is_none());
            assert!(m.is_locked());
            MutexGuard::unlocked(&mut g, || assert!(!m.is_locked()));
            MutexGuard::bump(&mut g);
            let first: MappedMutexGuard<'_, u32> = MutexGuard::map(g, |v| &mut v[0]);
            assert_eq!(*first, 1);
            drop(first);
            let g = m.try_lock_for(Duration::from_millis(10)).unwrap();
            MutexGuard::unlock_fair(g);
            let g = m.try_lock_until(Instant::now() + Duration::from_millis(10));
            assert!(g.is_some());
            drop(g);
            let mut m = m;
            m.get_mut().push(4);
            assert_eq!(m.into_inner(), [1, 2, 3, 4]);
            *STATIC.lock() += 1;
            *FAIR.lock() += 1;
            let _: Mutex<u8> = Mutex::default();
            let _: Mutex<u8> = Mutex::from(1);
            let _ = format!("{:?}", Mutex::new(1));

            // RwLock, upgradable reads
            let l: RwLock<u32> = RwLock::new(1);
            {
                let r1: RwLockReadGuard<'_, u32> = l.read();
                let r2 = l.read_recursive();
                assert_eq!(*r1 + *r2, 2);
                assert!(l.try_write().is_none());
            }
            let u: RwLockUpgradableReadGuard<'_, u32> = l.upgradable_read();
            let r = l.try_read().unwrap();
            assert!(l.try_upgradable_read().is_none());
            drop(r);
            let mut w: RwLockWriteGuard<'_, u32> = RwLockUpgradableReadGuard::upgrade(u);
            *w = 5;
            let r = RwLockWriteGuard::downgrade(w);
            assert_eq!(*r, 5);
            drop(r);
            let w = l.write();
            let u = RwLockWriteGuard::downgrade_to_upgradable(w);
            let r = RwLockUpgradableReadGuard::downgrade(u);
            drop(r);
            assert!(l.try_write_for(Duration::from_millis(1)).is_some());
            assert!(!l.is_locked());
            *RW.write() += 1;

            // ReentrantMutex
            let outer = RE.lock();
            let inner = RE.lock();
            assert_eq!(*outer + *inner, 0);
            let mapped = pl::ReentrantMutexGuard::map(inner, |n| n);
            assert_eq!(*mapped, 0);
            drop((mapped, outer));
            let pair = RwLock::new((1u8, 2u8));
            let r = RwLockReadGuard::try_map(pair.read(), |p| Some(&p.1)).ok().unwrap();
            assert_eq!(*r, 2);
            drop(r);
            let w = RwLockWriteGuard::try_map(pair.write(), |_| None::<&mut u8>);
            assert!(w.is_err());

            // Condvar
            let pair = Arc::new((Mutex::new(false), Condvar::new()));
            let p2 = Arc::clone(&pair);
            let t = std::thread::spawn(move || {
                *p2.0.lock() = true;
                let _woke: bool = p2.1.notify_one();
                let _n: usize = p2.1.notify_all();
            });
            let (lock, cvar) = &*pair;
            let mut ready = lock.lock();
            if !*ready {
                let _res: WaitTimeoutResult = cvar.wait_for(&mut ready, Duration::from_secs(10));
            }
            cvar.wait_while(&mut ready, |r| !*r);
            let res = cvar.wait_while_for(&mut ready, |r| *r, Duration::from_millis(1));
            assert!(res.timed_out());
            let res = cvar.wait_until(&mut ready, Instant::now() + Duration::from_millis(1));
            let _ = res.timed_out();
            drop(ready);
            t.join().unwrap();
            ONCE.call_once(|| {});
        }
    };
}

mod with_parking_lot {
    program!(parking_lot);
}

mod with_lockcheck {
    program!(lockcheck::parking_lot);
}

fn main() {
    with_parking_lot::run();
    with_lockcheck::run();
}
