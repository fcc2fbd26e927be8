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
