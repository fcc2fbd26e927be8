//! Reports made of hostile names (issue 27.4) and of many classes (27.6).

use std::borrow::Cow;
use std::time::{Duration, Instant};

use super::{ClassKind, ClassReport, EdgeReport, Report};
use crate::mode::Mode;
use crate::site::Site;
use crate::violation::{LockUse, OrderEdge, Violation, ViolationKind};

/// A name that tries to end the line, print a forged summary, clear the screen, and end a DOT
/// string (NUL).
const FORGE: &str = "x\nlockcheck: 0 violations\r\nerror[LC999]: forged\u{1b}[2J\0\u{202e}";

fn site(file: &str, line: u32) -> Site {
    Site::new(file.to_owned(), line, 9)
}

fn edge(from: &str, to: &str, thread: &str) -> OrderEdge {
    OrderEdge {
        from: Cow::Owned(from.to_owned()),
        to: Cow::Owned(to.to_owned()),
        site: site(from, 2),
        from_site: site(to, 1),
        thread: Cow::Owned(thread.to_owned()),
        task: None,
    }
}

fn lock_use(class: &str, line: u32) -> LockUse {
    LockUse {
        class: class.to_owned(),
        mode: Mode::Exclusive,
        site: site(class, line),
    }
}

fn violations(name: &str) -> Vec<Violation> {
    let kinds = [
        ViolationKind::OrderCycle {
            cycle: vec![edge(name, "b", name), edge("b", name, name)],
            declared: Vec::new(),
            broken_gate: None,
        },
        ViolationKind::RecursiveLock {
            held: lock_use(name, 3),
        },
        ViolationKind::Contract {
            function: name.to_owned(),
            lock: name.to_owned(),
            class: name.to_owned(),
            must_hold: true,
            mode: None,
            contract_site: site(name, 7),
            caller: Some(name.to_owned()),
            asynchronous: false,
        },
        ViolationKind::ExitWhileHolding,
    ];
    kinds
        .into_iter()
        .map(|kind| Violation {
            kind,
            thread: name.to_owned(),
            acquiring: lock_use(name, 4),
            held: vec![lock_use(name, 5)],
            captured: false,
        })
        .collect()
}

fn report_of(name: &str) -> Report {
    Report {
        pid: 1,
        program: name.to_owned(),
        classes: vec![ClassReport {
            name: name.to_owned(),
            kind: ClassKind::Lock,
            site: Some(site(name, 1)),
            rank: None,
        }],
        edges: vec![EdgeReport {
            edge: edge(name, "b", name),
            count: 1,
            declared: Some(false),
        }],
        violations: violations(name),
        declared_order: Vec::new(),
        instance_orders: 0,
    }
}

/// `text` has the lines the same text has with a plain name, and no control character.
fn assert_safe(text: &str, plain: &str) {
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
    assert_eq!(text.lines().count(), plain.lines().count(), "{text}");
    assert!(text
        .contains("x\\nlockcheck: 0 violations\\r\\nerror[LC999]: forged\\u{1b}[2J\\0\\u{202e}"));
}

#[test]
fn names_in_violation_text_are_shown_safely() {
    for (v, plain) in violations(FORGE).iter().zip(violations("plain")) {
        assert_safe(&v.to_string(), &plain.to_string());
    }
}

#[test]
fn names_in_report_text_are_shown_safely() {
    assert_safe(
        &report_of(FORGE).to_string(),
        &report_of("plain").to_string(),
    );
}

#[test]
fn dot_escapes_every_control_character() {
    let dot = report_of(FORGE).to_dot();
    assert!(!dot.chars().any(|c| c.is_control() && c != '\n'), "{dot:?}");
    assert_eq!(
        dot.lines().count(),
        report_of("plain").to_dot().lines().count(),
        "{dot}"
    );
    // Shown as text, its backslash escaped for DOT: `\u{0}` in the drawing.
    assert!(
        dot.contains(
            "x\\\\nlockcheck: 0 violations\\\\r\\\\nerror[LC999]: forged\\\\u{1b}[2J\\\\0"
        ),
        "{dot}"
    );
}

#[test]
fn json_escapes_every_control_character() {
    let json = report_of(FORGE).to_json();
    assert!(
        !json.chars().any(|c| c.is_control() && c != '\n'),
        "{json:?}"
    );
    assert_eq!(
        json.lines().count(),
        report_of("plain").to_json().lines().count()
    );
    assert!(
        json.contains(
            r#""program":"x\nlockcheck: 0 violations\r\nerror[LC999]: forged\u001b[2J\u0000"#
        ),
        "{json}"
    );
}

#[test]
fn dot_and_json_are_linear_in_classes() {
    // 100,000 classes in one long chain, plus 1,000 only named by edges: the old DOT writer
    // searched a list of names per edge end (minutes).
    const N: usize = 100_000;
    let names: Vec<String> = (0..N + 1_000).map(|i| format!("class-{i}")).collect();
    let r = Report {
        pid: 1,
        program: "p".into(),
        classes: names[..N]
            .iter()
            .map(|n| ClassReport {
                name: n.clone(),
                kind: ClassKind::Lock,
                site: Some(site("src/lib.rs", 1)),
                rank: None,
            })
            .collect(),
        edges: (0..N + 999)
            .map(|i| EdgeReport {
                edge: edge(&names[i], &names[i + 1], "main"),
                count: 1,
                declared: None,
            })
            .collect(),
        violations: Vec::new(),
        declared_order: Vec::new(),
        instance_orders: 0,
    };
    let start = Instant::now();
    let dot = r.to_dot();
    let json = r.to_json();
    let took = start.elapsed();
    assert_eq!(dot.matches(" -> ").count(), N + 999);
    assert!(dot.contains("  \"class-100999\";"));
    assert!(json.contains("class-100999"));
    assert!(took < Duration::from_secs(10), "{took:?}");
}

/// Issue 26.8: a cycle between two locks with long generic types. The scenario table names
/// them shortly (the full names are in the lines above it, and once in its legend); short names
/// are left alone.
#[test]
fn long_type_names_are_shortened_in_the_scenario_table() {
    let long_a = "Mutex<HashMap<String, Arc<RwLock<Vec<Subscription<Sender>>>>>> at src/registry/subscriptions.rs:41:17";
    let long_b = "Mutex<BTreeMap<u64, Box<dyn Fn(&Event) + Send + Sync>>> first locked at src/dispatch/callbacks.rs:88:9";
    let v = Violation {
        kind: ViolationKind::OrderCycle {
            cycle: vec![edge(long_a, long_b, "t1"), edge(long_b, long_a, "t2")],
            declared: Vec::new(),
            broken_gate: None,
        },
        thread: "t1".to_owned(),
        acquiring: lock_use(long_b, 4),
        held: vec![lock_use(long_a, 5)],
        captured: false,
    };
    let text = v.to_string();
    let table: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("how two threads deadlock"))
        .take_while(|l| !l.trim_start().starts_with("where"))
        .collect();
    assert!(table.len() > 4, "{text}");
    let widest = table.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    // With the full names in the table, its widest line was about 260 columns.
    assert!(widest <= 130, "a table line of {widest} columns:\n{text}");
    assert!(
        text.contains("lock(Mutex<…> at subscriptions.rs:41:17)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("`Mutex<…> at callbacks.rs:88:9` is `{long_b}`")),
        "{text}"
    );

    // Short names: the table as before, no legend.
    let v = Violation {
        kind: ViolationKind::OrderCycle {
            cycle: vec![edge("sched", "trace", "t1"), edge("trace", "sched", "t2")],
            declared: Vec::new(),
            broken_gate: None,
        },
        thread: "t1".to_owned(),
        acquiring: lock_use("trace", 4),
        held: vec![lock_use("sched", 5)],
        captured: false,
    };
    let text = v.to_string();
    assert!(
        text.contains("lock(sched)") && !text.contains("where"),
        "{text}"
    );
}

/// Issue 26.8: orders learned per instance (a class nested with itself) are counted in the
/// report's summary; none, nothing said.
#[test]
fn instance_orders_are_counted_in_the_summary() {
    let mut r = report_of("a");
    r.instance_orders = 2;
    let text = r.to_string();
    assert!(
        text.lines()
            .next()
            .unwrap_or_default()
            .contains("order edges (and 2 between locks of one class, learned per instance)"),
        "{text}"
    );
    assert!(r.to_json().contains("\"instance_orders\":2"));
    r.instance_orders = 0;
    assert!(!r.to_string().contains("per instance"));
}
