use lockcheck::requires_lock;

#[requires_lock(42)]
fn f() {}

fn main() {}
