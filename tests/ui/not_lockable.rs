use lockcheck::requires_lock;

#[requires_lock(count)]
fn f(count: u32) -> u32 {
    count
}

fn main() {
    f(1);
}
