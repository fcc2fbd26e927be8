use lockcheck::lock_ranks;

fn main() {
    let _ = lock_ranks! {
        # the scheduler first
        sched < trace;
        trace < alloc;
        alloc < sched;
    };
}
