use lockcheck::{requires_lock, Mutex};

trait Sched {
    fn lock(&self) -> &Mutex<()>;
    #[requires_lock(self.lock())]
    fn destroy(&self);
}

fn main() {}
