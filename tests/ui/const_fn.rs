use lockcheck::{requires_lock, Mutex};

static SCHED: Mutex<()> = Mutex::named("sched", ());

#[requires_lock(SCHED)]
const fn f() -> u32 {
    1
}

fn main() {}
