use lockcheck::excludes_lock;

#[excludes_lock]
fn f() {}

fn main() {}
