//! The checker is never wrong under load, never stuck, never the thing that crashes, and its
//! memory does not grow with lock churn.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};

use lockcheck::{capture_violations, Mutex, RankTable, ViolationKind};
use proptest::prelude::*;

const LOCKS: usize = 200;
const THREADS: usize = 12; // more threads than cores

fn locks(tag: &str) -> Arc<Vec<Mutex<u64>>> {
    Arc::new(
        (0..LOCKS)
            .map(|i| Mutex::named(Box::leak(format!("{tag}.{i:03}").into_boxed_str()), 0))
            .collect(),
    )
}

/// Each thread takes random ascending runs of locks (consistent with one total order) for a
/// bounded number of rounds, all starting together. `invert` makes thread 0 close one cycle,
/// halfway. Returns every violation each thread saw, and the orders taken.
fn hammer(tag: &str, invert: bool) -> (Vec<Vec<lockcheck::Violation>>, BTreeSet<(usize, usize)>) {
    let locks = locks(tag);
    let tail: &'static Mutex<u64> = Box::leak(Box::new(Mutex::named(
        Box::leak(format!("{tag}.tail").into_boxed_str()),
        0,
    )));
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (locks, start) = (Arc::clone(&locks), Arc::clone(&start));
            std::thread::spawn(move || {
                let mut taken = BTreeSet::new();
                let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ (t as u64 + 1);
                start.wait();
                let ((), found) = capture_violations(|| {
                    for round in 0..400 {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        if invert && t == 0 {
                            // The one inversion, through a lock only this thread takes, so
                            // that it is reported and can never really deadlock:
                            // 3 -> 5, then 5 -> tail, then tail -> 3 closes the cycle.
                            match round {
                                50 => {
                                    let _a = locks[3].lock();
                                    *locks[5].lock() += 1;
                                    taken.insert((3, 5));
                                    continue;
                                }
                                100 => {
                                    let _a = locks[5].lock();
                                    *tail.lock() += 1;
                                    continue;
                                }
                                200 => {
                                    let _t = tail.lock();
                                    *locks[3].lock() += 1;
                                    continue;
                                }
                                _ => {}
                            }
                        }
                        let mut idx: Vec<usize> = (0..3)
                            .map(|k| ((x >> (k * 16)) % LOCKS as u64) as usize)
                            .collect();
                        idx.sort_unstable();
                        idx.dedup();
                        let mut guards = Vec::new();
                        for (k, &i) in idx.iter().enumerate() {
                            for &j in &idx[..k] {
                                taken.insert((j, i));
                            }
                            guards.push(locks[i].lock());
                        }
                        **guards.last_mut().unwrap() += 1;
                    }
                });
                (found, taken)
            })
        })
        .collect();
    let mut all_found = Vec::new();
    let mut all_taken = BTreeSet::new();
    for h in handles {
        let (found, taken) = h.join().expect("every thread finishes");
        all_found.push(found);
        all_taken.extend(taken);
    }
    (all_found, all_taken)
}

fn learned(tag: &str) -> BTreeSet<(usize, usize)> {
    let index = |name: &str| {
        name.strip_prefix(&format!("{tag}."))
            .and_then(|n| n.parse().ok())
    };
    lockcheck::report()
        .edges
        .iter()
        .filter_map(|e| Some((index(&e.edge.from)?, index(&e.edge.to)?)))
        .collect()
}

#[test]
fn many_threads_in_one_total_order_report_nothing() {
    let (found, taken) = hammer("trust-clean", false);
    assert!(found.iter().all(Vec::is_empty), "{found:?}");
    let graph = learned("trust-clean");
    assert_eq!(
        graph, taken,
        "the graph holds exactly the orders that were taken"
    );
    assert!(graph.iter().all(|(a, b)| a < b), "and so it is acyclic");
}

#[test]
fn one_injected_inversion_is_reported_exactly_once() {
    let (found, taken) = hammer("trust-invert", true);
    let all: Vec<_> = found.iter().flatten().collect();
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(!found[0].is_empty(), "thread 0 made the inversion");
    let ViolationKind::OrderCycle { cycle, .. } = &all[0].kind else {
        panic!("{}", all[0])
    };
    assert_eq!(cycle[0].from, "trust-invert.tail");
    assert_eq!(cycle[0].to, "trust-invert.003");
    assert_eq!(cycle.last().unwrap().to, "trust-invert.tail", "{}", all[0]);
    // The inversion was reported, not learned: the numbered locks' graph is still ascending.
    let graph = learned("trust-invert");
    assert!(graph.iter().all(|(a, b)| a < b));
    assert!(!lockcheck::report()
        .edges
        .iter()
        .any(|e| e.edge.from == "trust-invert.tail" && e.edge.to == "trust-invert.003"));
    assert!(graph.is_subset(&taken));
}

#[test]
fn memory_stays_bounded_when_locks_are_created_and_dropped() {
    let outer = Mutex::named("churn.outer", ());
    let before = lockcheck::report();
    for i in 0..1_000_000u64 {
        let _o = outer.lock();
        let m = Mutex::new(i); // one construction site: one class, however many instances
        *m.lock() += 1;
        let rw = lockcheck::RwLock::named("churn.rw", i);
        drop(rw.read());
    }
    let after = lockcheck::report();
    let classes = |r: &lockcheck::Report| {
        r.classes
            .iter()
            .filter(|c| c.name.starts_with("churn.") || c.name.contains("trust.rs"))
            .count()
    };
    let edges = |r: &lockcheck::Report| {
        r.edges
            .iter()
            .filter(|e| e.edge.from == "churn.outer")
            .count()
    };
    assert_eq!(
        classes(&after) - classes(&before),
        3,
        "outer, the site class, churn.rw"
    );
    assert_eq!(edges(&after), 2, "outer -> site class, outer -> churn.rw");
    assert!(lockcheck::held_locks().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any text given as a rank table is parsed or refused with a placed message; never a panic.
    #[test]
    fn rank_tables_never_panic(text in "[a-zA-Z_<,;# \\n.:-]{0,60}") {
        match RankTable::parse_from("fuzz.dag", &text) {
            Ok(t) => {
                // A consistent table orders nothing both ways.
                for a in t.ranks() {
                    for b in t.ranks() {
                        prop_assert!(!(t.orders(a, b) && t.orders(b, a)));
                    }
                }
            }
            Err(e) => prop_assert!(e.to_string().starts_with("fuzz.dag:"), "{}", e),
        }
    }

    /// Any bytes as a report file: merged as an error that names the file, never a panic.
    #[test]
    fn report_files_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), valid_prefix in any::<bool>()) {
        let dir = std::env::temp_dir().join(format!("lockcheck-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut content = if valid_prefix {
            br#"{"schema":"lockcheck-report","version":1,"pid":1,"program":"p","classes":[],"edges":["#.to_vec()
        } else {
            Vec::new()
        };
        content.extend(&bytes);
        let file = dir.join("fuzz.json");
        std::fs::write(&file, &content).unwrap();
        let merged = lockcheck_lint::merge::merge_files(std::slice::from_ref(&file));
        prop_assert!(merged.processes.len() + merged.errors.len() == 1);
        for e in &merged.errors {
            prop_assert_eq!(&e.file, &file);
            prop_assert!(!e.message.is_empty());
        }
    }
}
