//! An acquisition against the declared rank order is a violation every time it happens, on every
//! thread: the order never enters the thread's cache of known edges, so a capture sees each one.

use lockcheck::{capture_violations, set_rank_table, Mutex, RankTable};

static OUTER: Mutex<()> = Mutex::named("rank-every-time-outer", ());
static INNER: Mutex<()> = Mutex::named("rank-every-time-inner", ());

fn inverted() {
    let _i = INNER.lock();
    let _o = OUTER.lock(); // declared: outer < inner
}

#[test]
fn every_acquisition_against_the_ranks_is_captured() {
    if !lockcheck::ENABLED {
        return;
    }
    set_rank_table(RankTable::parse("rank-every-time-outer < rank-every-time-inner;").unwrap());
    for round in 0..3 {
        let ((), found) = capture_violations(inverted);
        let kinds: Vec<&str> = found.iter().map(|v| v.kind_name()).collect();
        assert_eq!(kinds, ["rank-order"], "round {round}");
    }
    // Another thread, after this one taught the graph the edge: still one each time.
    std::thread::spawn(|| {
        for _ in 0..2 {
            let ((), found) = capture_violations(inverted);
            assert_eq!(found.len(), 1);
        }
    })
    .join()
    .unwrap();
    // The process's own list still has it once.
    let reported = lockcheck::reported()
        .into_iter()
        .filter(|v| v.kind_name() == "rank-order")
        .count();
    assert_eq!(reported, 1);
}
