//! A checked lock inside the `#[global_allocator]` (a counting allocator, as test suites use):
//! the checker allocates while it holds its own locks, and such an allocation takes the checked
//! lock again. With std's `Mutex` this never hangs; with lockcheck's it must not either. The
//! allocator's lock is taken unchecked while the thread is inside the checker, and checked
//! everywhere else.
//!
//! Every path that allocates inside the checker runs here: a lock class's first use, new order
//! edges, a cycle and its report (logged), a capture, a report written to disk, thread names, a
//! thread that exits holding a lock. A watchdog fails the test instead of letting it hang.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lockcheck::{capture_violations, set_action, Action, Mutex};

/// Allocations and frees, behind a checked lock (a site class: its first use resolves it, inside
/// the allocator).
static COUNTS: Mutex<(u64, u64)> = Mutex::new((0, 0));

struct Counting;

// SAFETY: every call is forwarded to `System` unchanged; the count is a side effect.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        COUNTS.lock().0 += 1;
        // SAFETY: the caller's contract is `GlobalAlloc::alloc`'s, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        COUNTS.lock().1 += 1;
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

static A: Mutex<Vec<String>> = Mutex::named("alloc.a", Vec::new());
static B: Mutex<Vec<String>> = Mutex::named("alloc.b", Vec::new());

fn invert() {
    {
        let mut a = A.lock();
        a.push(String::from("a then b"));
        B.lock().push(String::from("b inside a"));
    }
    let mut b = B.lock();
    b.push(String::from("b then a"));
    A.lock().push(String::from("a inside b"));
}

#[test]
fn a_checked_lock_in_the_global_allocator_never_hangs() {
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let watched = std::sync::Arc::clone(&done);
    std::thread::spawn(move || {
        for _ in 0..600 {
            std::thread::sleep(Duration::from_millis(200));
            if watched.load(Ordering::SeqCst) {
                return;
            }
        }
        eprintln!("allocator test: no progress in 120 s: the checker blocked on itself");
        std::process::abort();
    });

    set_action(Action::Log);
    // New classes and new edges, on several threads at once.
    let workers: Vec<_> = (0..4)
        .map(|i| {
            std::thread::Builder::new()
                .name(format!("alloc-worker-{i}"))
                .spawn(move || {
                    for round in 0..50 {
                        // A class of its own per worker (a new class's first use), nested
                        // over the shared ones in one order (new edges, from four threads).
                        let local = Mutex::new(vec![round; 8]);
                        let _l = local.lock();
                        let mut a = A.lock();
                        a.push(format!("worker {i} round {round}"));
                        B.lock().push(String::from("b inside a"));
                    }
                })
                .unwrap()
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    // A cycle, logged (one thread: a real deadlock needs two).
    invert();
    // A capture builds the reports it returns.
    let ((), found) = capture_violations(invert);
    assert_eq!(found.len(), 1, "{found:?}");
    // A report on disk.
    let dir = std::env::temp_dir().join(format!("lockcheck-alloc-{}", std::process::id()));
    let file = lockcheck::write_report(&dir).unwrap();
    assert!(std::fs::read_to_string(&file).unwrap().contains("alloc.a"));
    let _ = std::fs::remove_dir_all(&dir);
    // A thread that exits holding a lock: reported from its exit, which allocates.
    std::thread::spawn(|| std::mem::forget(A.lock()))
        .join()
        .unwrap();
    set_action(Action::Panic);
    done.store(true, Ordering::SeqCst);

    // The allocator's lock was checked outside the checker: its class is known, and an order
    // from a user lock into it was learned (a push while `alloc.a` is held allocates).
    let (allocs, frees) = *COUNTS.lock();
    assert!(
        allocs > 1000 && frees > 0,
        "{allocs} allocations, {frees} frees"
    );
    let report = lockcheck::report();
    let counts_class = report
        .classes
        .iter()
        .find(|c| c.name.starts_with("Mutex<(u64, u64)>"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        report
            .edges
            .iter()
            .any(|e| e.edge.from == "alloc.a" && e.edge.to == counts_class.name),
        "{report}"
    );
    assert!(lockcheck::reported()
        .iter()
        .any(|v| v.kind_name() == "exit-while-holding"));
}
