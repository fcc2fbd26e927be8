use lockcheck::{excludes_lock, requires_lock, Mutex};

static SCHED: Mutex<()> = Mutex::named("sched", ());

#[requires_lock(SCHED)]
#[excludes_lock(SCHED)]
fn f() {}

fn main() {}
