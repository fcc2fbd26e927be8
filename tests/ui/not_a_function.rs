use lockcheck::requires_lock;

#[requires_lock(SCHED)]
struct Sched;

fn main() {}
