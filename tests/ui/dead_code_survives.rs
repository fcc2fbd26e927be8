#![deny(dead_code)]

use lockcheck::{requires_lock, Mutex};

static SCHED: Mutex<()> = Mutex::named("sched", ());

#[requires_lock(SCHED)]
fn never_called() {}

fn main() {
    let _ = &SCHED;
}
