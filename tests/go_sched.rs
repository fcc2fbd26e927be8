//! The go_sched example's scenarios, asserted: the pre-fix `dropm` breaks the `requires_lock`
//! contract, the fixed one under load reports nothing, and the trace flusher's inversion is
//! caught by both the learned order and the declared ranks. The example's own modules are
//! compiled in, so the test checks the code the demo runs.
#![cfg(any(debug_assertions, feature = "release-checks"))]

#[path = "../examples/go_sched/proc.rs"]
#[allow(dead_code)]
mod proc;
#[path = "../examples/go_sched/ranks.rs"]
mod ranks;
#[path = "../examples/go_sched/trace.rs"]
mod trace;

use lockcheck::{capture_violations, ViolationKind};

fn on_thread<R: Send + 'static>(name: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

// One test, in the demo's order: the scenarios share the process-wide learned graph.
#[test]
fn the_demo_scenarios() {
    ranks::install();

    // 1. Before the fix: trace_thread_destroy without sched.lock.
    let found = on_thread("cgo-callback", || {
        capture_violations(|| proc::dropm_before_fix(proc::needm())).1
    });
    assert_eq!(found.len(), 1, "{found:?}");
    let v = &found[0];
    let ViolationKind::Contract {
        function,
        lock,
        class,
        must_hold,
        caller,
        contract_site,
        ..
    } = &v.kind
    else {
        panic!("{v}")
    };
    assert_eq!(
        (function.as_str(), lock.as_str(), class.as_str(), *must_hold),
        ("trace_thread_destroy", "SCHED", "sched", true)
    );
    // The call site comes from a backtrace: present with debug info (not in release builds).
    if cfg!(debug_assertions) {
        assert_eq!(caller.as_deref(), Some("dropm_before_fix"));
        assert!(v.acquiring.site.file.ends_with("go_sched/proc.rs"), "{v}");
    }
    assert!(contract_site.file.ends_with("go_sched/trace.rs"), "{v}");
    assert_eq!(v.thread, "cgo-callback");

    // 2. After the fix, with needm/dropm and allocm racing: nothing. (The default action
    // panics, so a violation on any worker would also fail the join.)
    let before = lockcheck::reported().len();
    proc::run_concurrently(3, 3, 100);
    assert_eq!(lockcheck::reported().len(), before);
    assert!(proc::allm_len() > 0);
    let r = lockcheck::report();
    assert!(
        r.edges
            .iter()
            .any(|e| e.edge.from == "sched" && e.edge.to == "trace" && e.declared == Some(true)),
        "allocm/dropm learn sched -> trace, as declared"
    );

    // 3. The trace flusher: trace.lock then sched.lock.
    let found = on_thread("trace-flusher", || capture_violations(trace::flush_all).1);
    // One report says both: the inversion closes a cycle, and goes against the declared ranks.
    let kinds: Vec<&str> = found.iter().map(|v| v.kind_name()).collect();
    assert_eq!(kinds, ["order-cycle"], "{found:?}");
    let ViolationKind::OrderCycle {
        cycle, declared, ..
    } = &found[0].kind
    else {
        unreachable!()
    };
    let classes: Vec<(&str, &str)> = cycle.iter().map(|e| (&*e.from, &*e.to)).collect();
    assert_eq!(classes, [("trace", "sched"), ("sched", "trace")]);
    assert!(cycle[0].site.file.ends_with("go_sched/trace.rs"));
    assert!(cycle[1].site.file.ends_with("go_sched/trace.rs"));
    assert!(cycle[1].from_site.file.ends_with("go_sched/proc.rs"));
    let chain: Vec<String> = declared
        .iter()
        .map(|d| format!("{} < {}", d.before, d.after))
        .collect();
    assert_eq!(chain, ["sched < TRACE", "TRACE < trace"]);
    assert!(found[0]
        .to_string()
        .contains("declared rank order: sched < TRACE < trace"));

    // 4. The report's three forms agree.
    let r = lockcheck::report();
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    let classes: Vec<&str> = json["classes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    for c in ["sched", "trace", "extraM"] {
        assert!(classes.contains(&c), "{classes:?}");
    }
    let dot = r.to_dot();
    assert!(dot.contains("\"sched\" -> \"trace\""), "{dot}");
    assert!(dot.contains("color=red"), "the cycle stands out: {dot}");
    assert!(
        dot.contains("style=dotted"),
        "declared ranks look different: {dot}"
    );
    assert!(r
        .to_string()
        .contains("lock order inversion between `trace` and `sched`"));
}
