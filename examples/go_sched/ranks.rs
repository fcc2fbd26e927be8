//! The declared rank order of this example's locks, written like Go's `mklockrank.go` (an
//! excerpt of Go's own table: `sched < TRACE < trace`).

use lockcheck::lock_ranks;

pub(crate) fn install() {
    let table = lock_ranks! {
        extraM;
        sched < TRACE;
        TRACE < trace;
    }
    .expect("the example's rank table is consistent");
    lockcheck::set_rank_table(table);
}
