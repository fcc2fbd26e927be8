//! The benchmarks' reset: forgetting every learned order. It empties the process-wide graph, so
//! it has this binary to itself.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use lockcheck::{capture_violations, report, Mutex};

#[test]
fn forgotten_orders_are_learned_anew() {
    let (a, b) = (Mutex::named("fg.a", ()), Mutex::named("fg.b", ()));
    {
        let _a = a.lock();
        let _b = b.lock(); // fg.a -> fg.b, now in the graph and in this thread's cache
    }
    assert!(report()
        .edges
        .iter()
        .any(|e| e.edge.from == "fg.a" && e.edge.to == "fg.b"));

    lockcheck::__private::forget_learned_orders();
    assert!(report().edges.is_empty(), "the graph is empty again");

    // The opposite order is no inversion any more, and it is learned like any new order.
    let ((), found) = capture_violations(|| {
        let _b = b.lock();
        let _a = a.lock();
    });
    assert!(found.is_empty(), "{found:?}");
    let edges: Vec<_> = report()
        .edges
        .iter()
        .map(|e| (e.edge.from.to_string(), e.edge.to.to_string()))
        .collect();
    assert_eq!(edges, [("fg.b".to_string(), "fg.a".to_string())]);

    // And the thread's cache forgot fg.a -> fg.b too: taking it now closes a cycle again.
    let ((), found) = capture_violations(|| {
        let _a = a.lock();
        let _b = b.lock();
    });
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].kind_name(), "order-cycle");

    // The violations about forgotten orders are forgotten with them, so the same cycle is a
    // first sight again (reported, not deduplicated away).
    assert_eq!(lockcheck::reported().len(), 1);
    lockcheck::__private::forget_learned_orders();
    assert!(lockcheck::reported().is_empty());
    let ((), found) = capture_violations(|| {
        {
            let _b = b.lock();
            let _a = a.lock();
        }
        let _a = a.lock();
        let _b = b.lock();
    });
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(lockcheck::reported().len(), 1);
}
