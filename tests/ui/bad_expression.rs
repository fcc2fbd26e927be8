use lockcheck::requires_lock;

#[requires_lock(=> sched)]
fn f() {}

fn main() {}
