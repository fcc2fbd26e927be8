//! `lock_ranks!` keeps what is written: `#` comments end at their line, every declaration names
//! its own line, names with `-` stay whole; and the lint reads a table the same way.

use lockcheck::{lock_ranks, RankTable};
use lockcheck_lint::model::{Crate, SourceFile};

#[test]
fn comments_and_lines_survive_the_macro() {
    let first = line!() + 2;
    let table: RankTable = lock_ranks! {
        # the scheduler locks first
        sched < allm, freem;  # sched is the outermost
        # then the lists
        allm < trace;
        doc-outer < doc-inner;
    }
    .unwrap();
    assert!(table.orders("sched", "trace"));
    assert!(table.orders("doc-outer", "doc-inner"));
    assert_eq!(table.ranks().count(), 6);
    let file = file!();
    assert_eq!(
        table.why("sched", "allm")[0].declared_at,
        format!("{file}:{}", first + 1)
    );
    assert_eq!(
        table.why("allm", "trace")[0].declared_at,
        format!("{file}:{}", first + 3)
    );
}

#[test]
fn the_lint_reads_the_table_as_the_macro_does() {
    let source = "fn ranks() {\n    let _ = lockcheck::lock_ranks! {\n        # outer first\n        a < b;\n        b < c;\n    };\n}\n";
    let krate = Crate::build(
        vec![SourceFile {
            path: "ranks.rs".into(),
            text: source.to_owned(),
        }],
        Default::default(),
    );
    assert!(krate.rank_errors.is_empty(), "{:?}", krate.rank_errors);
    let table = &krate.ranks[0].table;
    assert!(table.orders("a", "c"));
    assert_eq!(table.why("a", "b")[0].declared_at, "ranks.rs:4");
    assert_eq!(table.why("b", "c")[0].declared_at, "ranks.rs:5");
}
