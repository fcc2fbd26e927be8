use lockcheck::{requires_lock, Mutex};

static SCHED: Mutex<()> = Mutex::named("sched", ());

#[requires_lock(SCHED, SCHED)]
fn f() {}

fn main() {}
