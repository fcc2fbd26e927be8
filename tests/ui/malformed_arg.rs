use lockcheck::requires_lock;

#[requires_lock(sched lock)]
fn f() {}

fn main() {}
