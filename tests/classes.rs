//! Lock classes follow how Rust builds locks: every construction idiom of ordinary code is told
//! apart, a consistent nesting order among such locks is never reported, and a real inversion
//! still is, once, naming both sites. No report names a path inside std or lockcheck.

use std::sync::{Arc, LazyLock};

use lockcheck::{capture_violations, Mutex, RwLock, Violation};

/// A lock taken, with the line it was taken on.
macro_rules! at {
    ($lock:expr) => {
        ($lock, line!())
    };
}

/// Runs `f` and returns what it found (the checker compiled out finds nothing).
fn found(f: impl FnOnce()) -> Vec<Violation> {
    capture_violations(f).1
}

/// The one order cycle `f` found, as text, checked to name every site and no library path.
fn one_inversion(earlier: &[u32], f: impl FnOnce() -> Vec<u32>) -> String {
    let (lines, found) = capture_violations(f);
    let sites: Vec<u32> = earlier.iter().copied().chain(lines).collect();
    if !lockcheck::ENABLED {
        return String::new();
    }
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].kind_name(), "order-cycle");
    let text = found[0].to_string();
    for line in &sites {
        assert!(
            text.contains(&format!("tests/classes.rs:{line}:")),
            "line {line} missing:\n{text}"
        );
    }
    assert!(!text.contains("/rustc/"), "{text}");
    assert!(!text.contains("lockcheck-runtime/src"), "{text}");
    text
}

#[derive(Default)]
struct Shared {
    state: Mutex<u32>,
    queue: Mutex<Vec<u32>>,
}

#[test]
fn derived_default_fields_of_different_types() {
    let s = Shared::default();
    let mut lines = Vec::new();
    let consistent = found(|| {
        let (_st, a) = at!(s.state.lock());
        let (_q, b) = at!(s.queue.lock());
        lines.extend([a, b]);
    });
    assert!(consistent.is_empty(), "{consistent:#?}");
    let text = one_inversion(&lines, || {
        let (_q, a) = at!(s.queue.lock());
        let (_st, b) = at!(s.state.lock());
        vec![a, b]
    });
    if lockcheck::ENABLED {
        assert!(text.contains("`Mutex<u32> at tests/classes.rs:"), "{text}");
        assert!(
            text.contains("`Mutex<Vec<u32>> at tests/classes.rs:"),
            "{text}"
        );
    }
}

#[derive(Default)]
struct Pair {
    left: Mutex<u32>,
    right: Mutex<u32>,
}

#[test]
fn derived_default_fields_of_one_type_are_ordered_per_instance() {
    let p = Pair::default();
    let mut lines = Vec::new();
    let consistent = found(|| {
        for _ in 0..3 {
            let (_l, a) = at!(p.left.lock());
            let (_r, b) = at!(p.right.lock());
            lines.extend([a, b]);
        }
    });
    assert!(consistent.is_empty(), "{consistent:#?}");
    let text = one_inversion(&lines, || {
        let (_r, a) = at!(p.right.lock());
        let (_l, b) = at!(p.left.lock());
        vec![a, b]
    });
    if lockcheck::ENABLED {
        assert!(text.contains("#1") && text.contains("#2"), "{text}");
    }
}

#[derive(Default)]
struct Mixed {
    table: RwLock<Vec<u32>>,
    log: Mutex<Vec<u32>>,
}

#[test]
fn derived_default_rwlock_and_mutex() {
    let m = Mixed::default();
    let mut lines = Vec::new();
    let consistent = found(|| {
        let (_t, a) = at!(m.table.read());
        let (_l, b) = at!(m.log.lock());
        lines.extend([a, b]);
    });
    assert!(consistent.is_empty(), "{consistent:#?}");
    one_inversion(&lines, || {
        let (_l, a) = at!(m.log.lock());
        let (_t, b) = at!(m.table.write());
        vec![a, b]
    });
}

#[test]
fn arc_default() {
    let a: Arc<Mutex<u32>> = Arc::default();
    let b: Arc<Mutex<u32>> = Arc::default();
    let mut lines = Vec::new();
    let consistent = found(|| {
        // Built inside std: each class is placed where the lock is first locked.
        let (_a, la) = at!(a.lock());
        let (_b, lb) = at!(b.lock());
        lines.extend([la, lb]);
    });
    assert!(consistent.is_empty(), "{consistent:#?}");
    let text = one_inversion(&lines, || {
        let (_b, lb) = at!(b.lock());
        let (_a, la) = at!(a.lock());
        vec![lb, la]
    });
    if lockcheck::ENABLED {
        assert!(
            text.contains("`Mutex<u32> first locked at tests/classes.rs:"),
            "{text}"
        );
    }
}

#[test]
fn map_mutex_new_vectors_in_unrelated_places_share_nothing() {
    let first: Vec<Mutex<u32>> = (0..2).map(Mutex::new).collect();
    let second: Vec<Mutex<u32>> = (0..2).map(Mutex::new).collect();
    let other = Mutex::new(());
    // first -> other here, other -> second there: no cycle, though every lock of both vectors
    // was built at one place inside core.
    let consistent = found(|| {
        {
            let _f = first[0].lock();
            let _o = other.lock();
        }
        let _o = other.lock();
        let _s = second[0].lock();
    });
    assert!(consistent.is_empty(), "{consistent:#?}");
}

#[test]
fn map_mutex_new_elements_nested_in_one_order_then_the_other() {
    let v: Vec<Mutex<u32>> = (0..3).map(Mutex::new).collect();
    let lock_pair = |a: usize, b: usize| {
        let (_a, la) = at!(v[a].lock());
        let (_b, lb) = at!(v[b].lock());
        vec![la, lb]
    };
    let consistent = found(|| {
        lock_pair(0, 1);
        lock_pair(1, 2);
        lock_pair(0, 2);
    });
    assert!(consistent.is_empty(), "{consistent:#?}");
    // 2 -> 0 against 0 -> 2: one place nests them both ways.
    one_inversion(&[], || lock_pair(2, 0));
}

static LAZY_A: LazyLock<Mutex<u32>> = LazyLock::new(Mutex::default);
static LAZY_B: LazyLock<Mutex<u64>> = LazyLock::new(Mutex::default);

#[test]
fn lazy_lock_statics() {
    let mut lines = Vec::new();
    let consistent = found(|| {
        let (_a, la) = at!(LAZY_A.lock());
        let (_b, lb) = at!(LAZY_B.lock());
        lines.extend([la, lb]);
    });
    assert!(consistent.is_empty(), "{consistent:#?}");
    one_inversion(&lines, || {
        let (_b, lb) = at!(LAZY_B.lock());
        let (_a, la) = at!(LAZY_A.lock());
        vec![lb, la]
    });
}

macro_rules! two_locks {
    () => {
        (Mutex::new(0u32), Mutex::new(0u32))
    };
}

#[test]
fn locks_a_macro_builds() {
    let (x, y) = two_locks!();
    let mut lines = Vec::new();
    let consistent = found(|| {
        let (_x, lx) = at!(x.lock());
        let (_y, ly) = at!(y.lock());
        lines.extend([lx, ly]);
    });
    assert!(consistent.is_empty(), "{consistent:#?}");
    one_inversion(&lines, || {
        let (_y, ly) = at!(y.lock());
        let (_x, lx) = at!(x.lock());
        vec![ly, lx]
    });
}

/// A crate's own constructor, without `#[track_caller]`.
fn new_lock<T>(value: T) -> Mutex<T> {
    Mutex::new(value)
}

#[test]
fn locks_a_shim_builds() {
    let jobs = new_lock(Vec::<u32>::new());
    let count = new_lock(0u32);
    let total = new_lock(0u32);
    let mut lines = Vec::new();
    let consistent = found(|| {
        let _j = jobs.lock();
        let (_c, lc) = at!(count.lock());
        let (_t, lt) = at!(total.lock());
        lines.extend([lc, lt]);
    });
    assert!(consistent.is_empty(), "{consistent:#?}");
    one_inversion(&lines, || {
        let (_t, lt) = at!(total.lock());
        let (_c, lc) = at!(count.lock());
        vec![lt, lc]
    });
}

#[test]
fn site_classes_in_json_and_dot_name_their_type_and_site_once() {
    let (m, built) = (Mutex::new(0u8), line!());
    drop(m.lock());
    if !lockcheck::ENABLED {
        return;
    }
    let site = format!("tests/classes.rs:{built}:");
    let r = lockcheck::report();
    let class = r
        .classes
        .iter()
        .find(|c| c.name.starts_with("Mutex<u8> at ") && c.name.contains(&site))
        .unwrap_or_else(|| panic!("no class for the lock built at line {built}"));
    assert!(r
        .to_json()
        .contains(&format!("\"name\":\"{}\"", class.name)));
    let dot = r.to_dot();
    let node = dot
        .lines()
        .find(|l| l.contains(&class.name))
        .unwrap_or_else(|| panic!("{dot}"));
    let label = node.split("label=").nth(1).unwrap_or_default();
    assert_eq!(label.matches(&site).count(), 1, "{node}");
}
