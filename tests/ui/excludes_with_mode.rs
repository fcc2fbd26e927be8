use lockcheck::{excludes_lock, RwLock};

static TABLE: RwLock<()> = RwLock::named("table", ());

#[excludes_lock(read(TABLE))]
fn f() {}

fn main() {}
