use lockcheck::{requires_lock, RwLock};

static A: RwLock<()> = RwLock::named("a", ());
static B: RwLock<()> = RwLock::named("b", ());

#[requires_lock(read(A, B))]
fn f() {}

fn main() {}
