use lockcheck::requires_lock;

#[requires_lock()]
fn f() {}

fn main() {}
