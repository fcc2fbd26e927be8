use lockcheck::lock_ranks;

fn main() {
    let _ = lock_ranks! {
        sched < trace;
        trace < ;
    };
}
