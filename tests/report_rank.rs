//! A class's rank in a report says where the class stands in the declared order.

use lockcheck::{report, set_rank_table, Mutex, RankTable};

static FIRST: Mutex<()> = Mutex::named("report-rank-first", ());
static SECOND: Mutex<()> = Mutex::named("report-rank-second", ());
static THIRD: Mutex<()> = Mutex::named("report-rank-third", ());
static UNRANKED: Mutex<()> = Mutex::named("report-rank-unranked", ());

#[test]
fn a_rank_is_the_number_of_ranks_declared_before_it() {
    if !lockcheck::ENABLED {
        return;
    }
    set_rank_table(
        RankTable::parse(
            "report-rank-first < report-rank-second; report-rank-second < report-rank-third;",
        )
        .unwrap(),
    );
    drop((FIRST.lock(), SECOND.lock(), THIRD.lock(), UNRANKED.lock()));
    let r = report();
    let rank = |name: &str| {
        r.classes
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.rank)
            .unwrap_or_else(|| panic!("no class {name}"))
    };
    assert_eq!(rank("report-rank-first"), Some(0));
    assert_eq!(rank("report-rank-second"), Some(1));
    assert_eq!(rank("report-rank-third"), Some(2));
    assert_eq!(rank("report-rank-unranked"), None);
    let text = r.to_string();
    assert!(
        text.contains("`report-rank-third` (rank 2: 2 declared before it)"),
        "{text}"
    );
    assert!(r.to_json().contains("\"rank\":2"));
}
