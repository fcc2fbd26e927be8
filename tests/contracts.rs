//! Lock contracts at run time: each met and broken, instance vs class precision, read vs write,
//! and every supported function form.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::sync::Arc;

use lockcheck::{
    assert_held, assert_not_held, capture_violations, excludes_lock, requires_lock, Mode, Mutex,
    RwLock, Violation, ViolationKind,
};

fn contract(v: &Violation) -> (&str, &str, bool, Option<Mode>) {
    match &v.kind {
        ViolationKind::Contract {
            function,
            lock,
            must_hold,
            mode,
            ..
        } => (function, lock, *must_hold, *mode),
        other => panic!("expected a contract violation, got {other:?}"),
    }
}

static SCHED: Mutex<Vec<u64>> = Mutex::named("contract.sched", Vec::new());

#[requires_lock(SCHED)]
fn trace_thread_destroy(id: u64) -> u64 {
    id + 1
}

fn dropm_before_the_fix() -> u64 {
    trace_thread_destroy(7)
}

fn dropm_after_the_fix() -> u64 {
    let _sched = SCHED.lock();
    trace_thread_destroy(7)
}

#[test]
fn requires_lock_met_and_broken() {
    let (r, found) = capture_violations(dropm_after_the_fix);
    assert_eq!(r, 8);
    assert!(found.is_empty(), "{found:?}");

    let (r, found) = capture_violations(dropm_before_the_fix);
    assert_eq!(r, 8, "with a capture, the function still runs");
    assert_eq!(found.len(), 1);
    assert_eq!(
        contract(&found[0]),
        ("trace_thread_destroy", "SCHED", true, None)
    );
    let ViolationKind::Contract { caller, class, .. } = &found[0].kind else {
        unreachable!()
    };
    assert_eq!(class, "contract.sched");
    // The call site is found from the backtrace (debug info is on in test builds).
    if cfg!(debug_assertions) {
        assert_eq!(caller.as_deref(), Some("dropm_before_the_fix"));
        assert!(found[0].acquiring.site.file.ends_with("contracts.rs"));
    }
    let text = found[0].to_string();
    assert!(
        text.starts_with("lockcheck: `trace_thread_destroy` requires `SCHED` to be held, but this thread does not hold it"),
        "{text}"
    );
}

#[test]
fn the_report_lists_what_the_thread_holds() {
    static ALLM: Mutex<()> = Mutex::named("contract.allm", ());
    let ((), found) = capture_violations(|| {
        let _allm = ALLM.lock();
        trace_thread_destroy(1);
    });
    assert_eq!(found[0].held.len(), 1);
    assert_eq!(found[0].held[0].class, "contract.allm");
    let text = found[0].to_string();
    assert!(text.contains("this thread holds:"), "{text}");
    assert!(text.contains("`contract.allm`"), "{text}");
}

#[test]
fn instance_requirement_is_not_met_by_another_lock_of_the_class() {
    #[requires_lock(m)]
    fn needs(m: &Mutex<u32>) -> u32 {
        1
    }
    let a = Mutex::named("contract.two", 0);
    let b = Mutex::named("contract.two", 0);
    let ((), found) = capture_violations(|| {
        let _a = a.lock();
        needs(&a);
        needs(&b); // holding a does not satisfy a requirement on b
    });
    assert_eq!(found.len(), 1);
    assert_eq!(contract(&found[0]).1, "m");
}

#[test]
fn class_requirement_is_met_by_any_lock_of_the_class() {
    #[requires_lock("contract.cls")]
    fn needs_class() {}
    let a = Mutex::named("contract.cls", ());
    let ((), found) = capture_violations(|| {
        let _a = a.lock();
        needs_class();
    });
    assert!(found.is_empty());
    let ((), found) = capture_violations(needs_class);
    assert_eq!(contract(&found[0]).1, "\"contract.cls\"");
}

#[test]
fn read_and_write_requirements() {
    struct Table {
        rows: RwLock<Vec<u32>>,
    }
    impl Table {
        #[requires_lock(read(self.rows))]
        fn reader(&self) {}
        #[requires_lock(write(self.rows))]
        fn writer(&self) {}
    }
    let t = Table {
        rows: RwLock::named("contract.rows", Vec::new()),
    };
    let ((), found) = capture_violations(|| {
        {
            let _w = t.rows.write();
            t.reader(); // a write hold meets a read requirement
            t.writer();
        }
        let _r = t.rows.read();
        t.reader();
        t.writer(); // a read hold does not meet a write requirement
    });
    assert_eq!(found.len(), 1);
    assert_eq!(
        contract(&found[0]),
        ("writer", "self.rows", true, Some(Mode::Exclusive))
    );
    assert!(found[0].to_string().contains("for writing"));
}

#[test]
fn excludes_lock_met_and_broken() {
    static EXTRA: Mutex<Vec<u32>> = Mutex::named("contract.extra", Vec::new());
    #[excludes_lock(EXTRA)]
    fn lockextra() -> usize {
        EXTRA.lock().len()
    }
    let (_, found) = capture_violations(lockextra);
    assert!(found.is_empty());
    let (outcome, found) = capture_violations(|| {
        std::panic::catch_unwind(|| {
            let _e = EXTRA.lock();
            lockextra() // reported at entry, then the real recursion is refused
        })
    });
    assert!(outcome.is_err());
    assert_eq!(found[0].kind_name(), "contract");
    assert_eq!(contract(&found[0]), ("lockextra", "EXTRA", false, None));
    assert!(found[0]
        .to_string()
        .contains("must not run while `EXTRA` is held"));
}

#[test]
fn assert_macros() {
    let m = Mutex::named("contract.assert", ());
    let ((), found) = capture_violations(|| {
        assert_not_held!(m);
        let g = m.lock();
        assert_held!(m);
        assert_not_held!(m); // broken
        drop(g);
        assert_held!(m); // broken
    });
    assert_eq!(found.len(), 2);
    assert!(!contract(&found[0]).2);
    assert!(contract(&found[1]).2);
    // The assertion's own place is the call site.
    assert!(found[1].acquiring.site.file.ends_with("contracts.rs"));
    let rw = RwLock::named("contract.assert-rw", ());
    let ((), found) = capture_violations(|| {
        let _r = rw.read();
        assert_held!(read(rw));
        assert_held!(write(rw)); // broken
    });
    assert_eq!(found.len(), 1);
}

// Every supported function form.

trait Scheduler {
    fn lock(&self) -> &Mutex<u32>;
    #[requires_lock(self.lock())]
    fn default_body(&self) -> u32 {
        3
    }
}

struct Sched {
    m: Mutex<u32>,
}

impl Scheduler for Sched {
    fn lock(&self) -> &Mutex<u32> {
        &self.m
    }
}

impl Sched {
    #[requires_lock(self.m)]
    fn by_ref(&self) -> u32 {
        1
    }
    #[requires_lock(self.m)]
    fn by_mut(&mut self) -> u32 {
        2
    }
    #[requires_lock(self.m)]
    fn by_value(self) -> u32 {
        4
    }
    #[requires_lock(self.m)]
    fn impl_trait(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(5)
    }
}

#[requires_lock(lock)]
fn generic<T: Clone, L: lockcheck::Lockable>(lock: &L, value: T) -> T {
    value
}

/// # Safety
/// None needed: this only checks that the attribute keeps `unsafe`.
#[requires_lock(m)]
unsafe fn unsafe_fn(m: &Mutex<u32>) -> u32 {
    6
}

#[requires_lock(m)]
async fn async_fn(m: &Mutex<u32>) -> u32 {
    7
}

#[requires_lock(m)]
fn arc_param(m: Arc<Mutex<u32>>) -> u32 {
    8
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[test]
fn every_function_form_is_checked() {
    let s = Sched {
        m: Mutex::named("contract.forms", 0),
    };
    let ((), found) = capture_violations(|| {
        assert_eq!(s.by_ref(), 1);
        assert_eq!(s.default_body(), 3);
        assert_eq!(s.impl_trait().sum::<u32>(), 5);
        assert_eq!(generic(&s.m, "x"), "x");
        // SAFETY: `unsafe_fn` has no safety requirement.
        assert_eq!(unsafe { unsafe_fn(&s.m) }, 6);
        let fut = async_fn(&s.m); // the check runs when the body starts...
        assert_eq!(block_on(fut), 7); // ...here
    });
    let functions: Vec<&str> = found.iter().map(|v| contract(v).0).collect();
    assert_eq!(
        functions,
        [
            "by_ref",
            "default_body",
            "impl_trait",
            "generic",
            "unsafe_fn",
            "async_fn"
        ]
    );

    let mut s = s;
    let ((), found) = capture_violations(|| {
        let held = Sched {
            m: Mutex::named("contract.forms2", 0),
        };
        let g = s.m.lock();
        assert_eq!(
            s.by_ref() + s.default_body() + s.impl_trait().sum::<u32>(),
            9
        );
        drop(g);
        assert_eq!(s.by_mut(), 2); // broken
        let arc = Arc::new(Mutex::named("contract.arc", 0));
        let g = arc.lock();
        assert_eq!(arc_param(Arc::clone(&arc)), 8);
        drop(g);
        assert_eq!(held.by_value(), 4); // broken
    });
    let functions: Vec<&str> = found.iter().map(|v| contract(v).0).collect();
    assert_eq!(functions, ["by_mut", "by_value"]);
}
