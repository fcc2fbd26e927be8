//! Gate locks: a cycle whose every order was taken while one common lock was held cannot
//! deadlock, and is not reported; the moment one of its orders is taken without that lock, it
//! is, saying which acquisition broke the gate.

use lockcheck::{capture_violations, Mutex, Violation, ViolationKind};

fn nest(locks: &[&Mutex<()>]) {
    let mut guards = Vec::new();
    for l in locks {
        guards.push(l.lock());
    }
}

fn on_thread(f: impl FnOnce() + Send + 'static) -> Vec<Violation> {
    std::thread::spawn(move || capture_violations(f).1)
        .join()
        .unwrap()
}

fn gate_of(v: &Violation) -> Option<&lockcheck::BrokenGate> {
    match &v.kind {
        ViolationKind::OrderCycle { broken_gate, .. } => broken_gate.as_ref(),
        _ => None,
    }
}

#[test]
fn a_gated_cycle_is_silent_until_an_order_is_taken_without_the_gate() {
    static G: Mutex<()> = Mutex::named("gates-1-g", ());
    static A: Mutex<()> = Mutex::named("gates-1-a", ());
    static B: Mutex<()> = Mutex::named("gates-1-b", ());
    // Two threads take A and B in opposite orders, always inside G: no deadlock is possible.
    assert!(on_thread(|| nest(&[&G, &A, &B])).is_empty());
    assert!(on_thread(|| nest(&[&G, &B, &A])).is_empty());
    assert!(on_thread(|| nest(&[&G, &A, &B])).is_empty());
    // A -> B without G: now the B -> A order (taken under G) can meet it.
    let found = on_thread(|| nest(&[&A, &B]));
    if !lockcheck::ENABLED {
        return;
    }
    assert_eq!(found.len(), 1, "{found:#?}");
    let gate = gate_of(&found[0]).expect("the report says the gate was broken");
    assert_eq!(gate.locks, ["gates-1-g"]);
    assert!(gate.site.file.ends_with("tests/gates.rs"), "{gate:?}");
    let text = found[0].to_string();
    assert!(text.contains("gate broken"), "{text}");
    assert!(text.contains("`gates-1-g`"), "{text}");
}

#[test]
fn the_closing_order_taken_without_the_gate_is_reported_with_it() {
    static G: Mutex<()> = Mutex::named("gates-2-g", ());
    static A: Mutex<()> = Mutex::named("gates-2-a", ());
    static B: Mutex<()> = Mutex::named("gates-2-b", ());
    assert!(on_thread(|| nest(&[&G, &A, &B])).is_empty());
    assert!(on_thread(|| nest(&[&G, &B, &A])).is_empty());
    let found = on_thread(|| nest(&[&B, &A]));
    if !lockcheck::ENABLED {
        return;
    }
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].kind_name(), "order-cycle");
    assert_eq!(
        gate_of(&found[0]).map(|g| g.locks.clone()),
        Some(vec!["gates-2-g".to_owned()])
    );
}

#[test]
fn a_gate_must_be_common_to_every_order_of_the_cycle() {
    static G: Mutex<()> = Mutex::named("gates-3-g", ());
    static H: Mutex<()> = Mutex::named("gates-3-h", ());
    static A: Mutex<()> = Mutex::named("gates-3-a", ());
    static B: Mutex<()> = Mutex::named("gates-3-b", ());
    // A -> B under G, B -> A under H: different gates, a real cycle.
    assert!(on_thread(|| nest(&[&G, &A, &B])).is_empty());
    let found = on_thread(|| nest(&[&H, &B, &A]));
    if !lockcheck::ENABLED {
        return;
    }
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(gate_of(&found[0]).is_none());
}

#[test]
fn gated_orders_taken_again_under_the_gate_stay_silent() {
    static G: Mutex<()> = Mutex::named("gates-4-g", ());
    static A: Mutex<()> = Mutex::named("gates-4-a", ());
    static B: Mutex<()> = Mutex::named("gates-4-b", ());
    let found = on_thread(|| {
        for _ in 0..1000 {
            nest(&[&G, &A, &B]);
            nest(&[&G, &B, &A]);
        }
    });
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn one_unguarded_way_back_is_enough_to_report() {
    static G: Mutex<()> = Mutex::named("gates-5-g", ());
    static A: Mutex<()> = Mutex::named("gates-5-a", ());
    static B: Mutex<()> = Mutex::named("gates-5-b", ());
    static C: Mutex<()> = Mutex::named("gates-5-c", ());
    // A -> B only under G, but also A -> C -> B with nothing else held.
    assert!(on_thread(|| nest(&[&G, &A, &B])).is_empty());
    assert!(on_thread(|| nest(&[&A, &C])).is_empty());
    assert!(on_thread(|| nest(&[&C, &B])).is_empty());
    // B -> A under G: the shortest way back (A -> B) is guarded, A -> C -> B is not.
    let found = on_thread(|| nest(&[&G, &B, &A]));
    if !lockcheck::ENABLED {
        return;
    }
    assert_eq!(found.len(), 1, "{found:#?}");
    let ViolationKind::OrderCycle { cycle, .. } = &found[0].kind else {
        panic!("{found:#?}");
    };
    let through: Vec<&str> = cycle.iter().map(|e| &*e.from).collect();
    assert_eq!(through, ["gates-5-b", "gates-5-a", "gates-5-c"]);
}

/// A read hold is no gate: two threads can both hold `G` for reading, then deadlock on A and B.
/// The same program with `G` taken for writing is silent.
#[test]
fn a_read_hold_is_no_gate() {
    use lockcheck::RwLock;
    static G: RwLock<()> = RwLock::named("gates-read-g", ());
    static A: Mutex<()> = Mutex::named("gates-read-a", ());
    static B: Mutex<()> = Mutex::named("gates-read-b", ());
    let under_read = |first: &'static Mutex<()>, second: &'static Mutex<()>| {
        on_thread(move || {
            let _g = G.read();
            nest(&[first, second]);
        })
    };
    assert!(under_read(&A, &B).is_empty());
    let found = under_read(&B, &A);
    if !lockcheck::ENABLED {
        return;
    }
    assert_eq!(found.len(), 1, "a shared gate guards nothing: {found:#?}");
    assert_eq!(found[0].kind_name(), "order-cycle");

    // The clean twin: the same orders under a write hold of one lock.
    static W: RwLock<()> = RwLock::named("gates-write-g", ());
    static C: Mutex<()> = Mutex::named("gates-write-c", ());
    static D: Mutex<()> = Mutex::named("gates-write-d", ());
    let under_write = |first: &'static Mutex<()>, second: &'static Mutex<()>| {
        on_thread(move || {
            let _g = W.write();
            nest(&[first, second]);
        })
    };
    assert!(under_write(&C, &D).is_empty());
    assert!(
        under_write(&D, &C).is_empty(),
        "one instance, held exclusively: a gate"
    );
}

/// Per-connection locks named alike are one class but many instances: thread 1 holding
/// `conn #1` and thread 2 holding `conn #2` do not exclude each other, so their ABBA on two
/// other locks is a real deadlock, and reported. (Built at one site in a loop, the same.)
#[test]
fn a_class_of_many_instances_is_no_gate() {
    static A: Mutex<()> = Mutex::named("gates-conn-a", ());
    static B: Mutex<()> = Mutex::named("gates-conn-b", ());
    let conns: Vec<std::sync::Arc<Mutex<()>>> = (0..2)
        .map(|_| std::sync::Arc::new(Mutex::named("gates-conn", ())))
        .collect();
    let under = |conn: std::sync::Arc<Mutex<()>>, first: &'static Mutex<()>, second| {
        on_thread(move || {
            let _c = conn.lock();
            nest(&[first, second]);
        })
    };
    assert!(under(conns[0].clone(), &A, &B).is_empty());
    let found = under(conns[1].clone(), &B, &A);
    if !lockcheck::ENABLED {
        return;
    }
    assert_eq!(found.len(), 1, "two connections, no gate: {found:#?}");
    assert_eq!(found[0].kind_name(), "order-cycle");
    // Site classes: locks built at one place in a loop.
    static C: Mutex<()> = Mutex::named("gates-site-c", ());
    static D: Mutex<()> = Mutex::named("gates-site-d", ());
    let sites: Vec<std::sync::Arc<Mutex<()>>> = (0..2)
        .map(|_| std::sync::Arc::new(Mutex::new(())))
        .collect();
    assert!(under(sites[0].clone(), &C, &D).is_empty());
    let found = under(sites[1].clone(), &D, &C);
    assert_eq!(found.len(), 1, "{found:#?}");
}

/// A gate lock that is dropped leaves every gate: a new lock built at its address (same
/// class, same place) is another instance, and orders taken under it are not guarded by the
/// first.
#[test]
fn a_dropped_gate_lock_leaves_its_gates() {
    static A: Mutex<()> = Mutex::named("gates-drop-a", ());
    static B: Mutex<()> = Mutex::named("gates-drop-b", ());
    // Boxed at one address, again and again: the allocator hands the same block back.
    let first = Box::new(Mutex::named("gates-drop-g", ()));
    let addr = &*first as *const Mutex<()> as usize;
    let found = capture_violations(|| {
        let _g = first.lock();
        nest(&[&A, &B]);
    })
    .1;
    assert!(found.is_empty());
    drop(first);
    let second = Box::new(Mutex::named("gates-drop-g", ()));
    let reused = &*second as *const Mutex<()> as usize == addr;
    let found = on_thread(move || {
        let _g = second.lock();
        nest(&[&B, &A]);
    });
    if !lockcheck::ENABLED {
        return;
    }
    assert_eq!(
        found.len(),
        1,
        "another instance (address reused: {reused}) is no gate: {found:#?}"
    );
}
