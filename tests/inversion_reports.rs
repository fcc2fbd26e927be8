//! One inverted call site is one report: when a more direct order is learned after its cycle was
//! reported, the same acquisition closing the shorter cycle is not a second report. The shorter
//! cycle closed at another place is (an edge refused once is not refused for good). One test:
//! it sets the action (`Action::Log`, so the process's own list, not a capture, shows what was
//! reported).

use lockcheck::{set_action, Action, Mutex};

static A: Mutex<()> = Mutex::named("inversion-reports-a", ());
static B: Mutex<()> = Mutex::named("inversion-reports-b", ());
static C: Mutex<()> = Mutex::named("inversion-reports-c", ());

fn nest(outer: &Mutex<()>, inner: &Mutex<()>) {
    let _o = outer.lock();
    let _i = inner.lock();
}

/// The inverted call site: B, then A.
fn b_then_a() {
    let _b = B.lock();
    let _a = A.lock();
}

/// The same order at another place.
fn b_then_a_elsewhere() {
    let _b = B.lock();
    let _a = A.lock();
}

fn cycles_reported() -> usize {
    lockcheck::reported()
        .iter()
        .filter(|v| v.kind_name() == "order-cycle" && v.acquiring.class == "inversion-reports-a")
        .count()
}

#[test]
fn one_inverted_call_site_is_one_report() {
    if !lockcheck::ENABLED {
        return;
    }
    set_action(Action::Log);
    nest(&A, &C);
    nest(&C, &B); // A -> C -> B
    b_then_a(); // closes B -> A -> C -> B
    assert_eq!(cycles_reported(), 1);
    nest(&A, &B); // A -> B, direct
    b_then_a(); // now closes B -> A -> B: the same place, the same inversion
    assert_eq!(cycles_reported(), 1, "{:#?}", lockcheck::reported());
    b_then_a_elsewhere(); // B -> A -> B, closed at a place that never reported it
    assert_eq!(cycles_reported(), 2, "{:#?}", lockcheck::reported());
    b_then_a_elsewhere(); // and once is enough there too
    assert_eq!(cycles_reported(), 2, "{:#?}", lockcheck::reported());
    set_action(Action::Panic);
}
