use lockcheck::requires_lock;

#[requires_lock(read())]
fn f() {}

fn main() {}
